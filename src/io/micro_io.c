/*
 * io/micro_io.c - microcirculation files (`hemosim_micro: 1`, YAML or JSON) and
 * the JSON documents of an analysis (docs/microcirculation.md).
 *
 *   hemosim_micro: 1
 *   patient: ECMO-017            # optional metadata
 *   time_point: T1               # T1..T4
 *   hours_since_ecmo: 10.5
 *   field_area_mm2: 1.798        # defaults for every site (CytoCam-IDF field)
 *   grid_line_length_mm: 8.13
 *   sites:
 *     - name: sublingual 1
 *       quality: {illumination: 0, duration: 0, focus: 1, content: 0, stability: 0, pressure: 0}
 *       length_mm: {small: [0.6, 1.2, 3.1, 28.4], large: [0, 0, 0.4, 5.2]}
 *       crossings: {small: [1, 2, 5, 38], large: [0, 0, 1, 7]}
 *       quadrants: [3, 3, 2, 3]
 *
 * A schedule file lists time points instead of sites:
 *   time_points: [{label: T1, hours_since_ecmo: 10}, {label: T2, hours_since_ecmo: 26}]
 *
 * Every value is checked where it is read, and every error names
 * file:line:column, the field, the value as written and the allowed range.
 * Unknown fields are errors (a misspelt field must not be silently ignored).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "hemosim/micro.h"
#include "io/doc.h"

#define CLASS_LIST "0 none, 1 intermittent, 2 sluggish, 3 continuous"

static const char *const TOP_KEYS[] = {
    "hemosim_micro", "patient",        "time_point",       "hours_since_ecmo",
    "notes",         "device",         "small_cutoff_um",  "field_area_mm2",
    "grid_line_length_mm", "ecmo_flow_lpm", "fluid_balance_ml", "vasoactive",
    "sites",         "time_points",    NULL};
static const char *const SITE_KEYS[] = {"name",     "field_area_mm2", "grid_line_length_mm",
                                        "quality",  "length_mm",      "vessels",
                                        "crossings", "quadrants",     "notes",
                                        "indices",
                                        NULL};
static const char *const GROUP_KEYS[] = {"small", "large", NULL};
static const char *const VESSEL_KEYS[] = {"diameter_um", "length_mm", "flow", NULL};
static const char *const TP_KEYS[] = {"label", "hours_since_ecmo", NULL};

/* ------------------------------------------------------------------ helpers */

static hs_status check_keys(const hs_doc *d, const hs_doc_node *map, const char *what,
                            const char *const *known, hs_err *err) {
  for (size_t i = 0; i < hs_doc_size(map); i++) {
    const char *k = hs_doc_text(hs_doc_key(map, i));
    int ok = 0;
    for (const char *const *p = known; *p && !ok; p++) ok = !strcmp(k, *p);
    if (ok) continue;
    char list[512] = "";
    size_t len = 0;
    for (const char *const *p = known; *p && len < sizeof list; p++)
      len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", p == known ? "" : ", ", *p);
    return hs_doc_fail(d, hs_doc_key(map, i), err, HS_ERR_UNKNOWN,
                       "%s: unknown field '%s' (known: %s)", what, k, list);
  }
  return HS_OK;
}

/* A number in [lo, hi] (or (lo, hi] when lo_open). */
static hs_status read_num(const hs_doc *d, const hs_doc_node *n, const char *what, double lo,
                          int lo_open, double hi, const char *unit, double *out, hs_err *err) {
  double v;
  hs_status st = hs_doc_number(d, n, what, &v, err);
  if (st) return st;
  if ((lo_open ? v > lo : v >= lo) && v <= hi) {
    *out = v;
    return HS_OK;
  }
  return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s = %s is out of range %s%g, %g]%s%s", what,
                     hs_doc_text(n), lo_open ? "(" : "[", lo, hi, *unit ? " " : "", unit);
}

static hs_status read_int(const hs_doc *d, const hs_doc_node *n, const char *what, int lo,
                          int hi, int *out, hs_err *err) {
  int v;
  hs_status st = hs_doc_integer(d, n, what, &v, err);
  if (st) return st;
  if (v >= lo && v <= hi) {
    *out = v;
    return HS_OK;
  }
  return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s = %s is out of range [%d, %d]", what,
                     hs_doc_text(n), lo, hi);
}

static hs_status read_flow_class(const hs_doc *d, const hs_doc_node *n, const char *what,
                                 int *out, hs_err *err) {
  int v;
  hs_status st = hs_doc_integer(d, n, what, &v, err);
  if (st) return st;
  if (v >= 0 && v < HS_FLOW_CLASSES) {
    *out = v;
    return HS_OK;
  }
  return hs_doc_fail(d, n, err, HS_ERR_RANGE,
                     "%s = %s is not a flow class (allowed: " CLASS_LIST ")", what,
                     hs_doc_text(n));
}

static hs_status read_name(const hs_doc *d, const hs_doc_node *n, const char *what, char *out,
                           hs_err *err) {
  const char *s;
  hs_status st = hs_doc_string(d, n, what, &s, err);
  if (st) return st;
  if (strlen(s) >= HS_MICRO_NAME_MAX)
    return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s is longer than %d characters", what,
                       HS_MICRO_NAME_MAX - 1);
  snprintf(out, HS_MICRO_NAME_MAX, "%s", s);
  return HS_OK;
}

/* "T1".."T4" -> 1..4 */
static hs_status read_label(const hs_doc *d, const hs_doc_node *n, const char *what, int *out,
                            hs_err *err) {
  const char *s;
  hs_status st = hs_doc_string(d, n, what, &s, err);
  if (st) return st;
  if ((s[0] == 'T' || s[0] == 't') && s[1] >= '1' && s[1] <= '4' && !s[2]) {
    *out = s[1] - '0';
    return HS_OK;
  }
  return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s = '%s' is not a time point (allowed: T1, T2, "
                     "T3, T4)", what, s);
}

/*
 * Values by flow class: a sequence of 4 ([none, intermittent, sluggish,
 * continuous]) or a mapping with keys 0..3 or the class names (absent = 0).
 * Counts (is_count) must be whole numbers.
 */
static hs_status read_by_class(const hs_doc *d, const hs_doc_node *n, const char *what,
                               int is_count, double *out, int *iout, hs_err *err) {
  hs_status st;
  for (int c = 0; c < HS_FLOW_CLASSES; c++) {
    if (out) out[c] = 0;
    if (iout) iout[c] = 0;
  }
  const hs_doc_node *val[HS_FLOW_CLASSES] = {NULL, NULL, NULL, NULL};
  if (hs_doc_kind_of(n) == HS_DOC_SEQ) {
    if (hs_doc_size(n) != HS_FLOW_CLASSES)
      return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                         "%s must list 4 values, one per flow class (" CLASS_LIST "); got %zu",
                         what, hs_doc_size(n));
    for (int c = 0; c < HS_FLOW_CLASSES; c++) val[c] = hs_doc_item(n, (size_t)c);
  } else if (hs_doc_kind_of(n) == HS_DOC_MAP) {
    for (size_t i = 0; i < hs_doc_size(n); i++) {
      const char *k = hs_doc_text(hs_doc_key(n, i));
      int c = -1;
      for (int j = 0; j < HS_FLOW_CLASSES; j++)
        if (!strcmp(k, hs_micro_flow_name(j)) || (k[0] == '0' + j && !k[1])) c = j;
      if (c < 0)
        return hs_doc_fail(d, hs_doc_key(n, i), err, HS_ERR_RANGE,
                           "%s: unknown flow class '%s' (allowed: " CLASS_LIST ")", what, k);
      if (val[c])
        return hs_doc_fail(d, hs_doc_key(n, i), err, HS_ERR_INVALID,
                           "%s: flow class %d (%s) is given twice", what, c,
                           hs_micro_flow_name(c));
      val[c] = hs_doc_value(n, i);
    }
  } else {
    return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                       "%s must be a list of 4 values (" CLASS_LIST ") or a mapping by class "
                       "(got the scalar '%s')",
                       what, hs_doc_text(n));
  }
  for (int c = 0; c < HS_FLOW_CLASSES; c++) {
    if (!val[c]) continue;
    char w[200];
    snprintf(w, sizeof w, "%s class %d (%s)", what, c, hs_micro_flow_name(c));
    if (is_count) {
      if ((st = read_int(d, val[c], w, 0, HS_MICRO_MAX_CROSSINGS, &iout[c], err))) return st;
    } else if ((st = read_num(d, val[c], w, 0, 0, HS_MICRO_MAX_LENGTH_MM, "mm", &out[c], err))) {
      return st;
    }
  }
  return HS_OK;
}

/* {small: ..., large: ...}, both required. */
static hs_status read_groups(const hs_doc *d, const hs_doc_node *n, const char *what,
                             int is_count, double out[2][HS_FLOW_CLASSES],
                             int iout[2][HS_FLOW_CLASSES], hs_err *err) {
  hs_status st;
  if ((st = hs_doc_expect(d, n, HS_DOC_MAP, what, err))) return st;
  if ((st = check_keys(d, n, what, GROUP_KEYS, err))) return st;
  for (int g = 0; g < 2; g++) {
    const hs_doc_node *v = hs_doc_get(n, hs_micro_group_name(g));
    char w[160];
    snprintf(w, sizeof w, "%s.%s", what, hs_micro_group_name(g));
    if (!v)
      return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                         "%s is missing (give both small and large vessels; [0, 0, 0, 0] when "
                         "none were seen)",
                         w);
    if ((st = read_by_class(d, v, w, is_count, out ? out[g] : NULL, iout ? iout[g] : NULL,
                            err)))
      return st;
  }
  return HS_OK;
}

/* ------------------------------------------------------------------ sites */

typedef struct defaults {
  double area, grid;
} defaults;

static hs_status read_site(const hs_doc *d, const hs_doc_node *n, size_t i, const defaults *df,
                           hs_micro_site *s, hs_err *err) {
  hs_status st;
  char what[64], w[160];
  snprintf(what, sizeof what, "site %zu", i + 1);
  if ((st = hs_doc_expect(d, n, HS_DOC_MAP, what, err))) return st;
  if ((st = check_keys(d, n, what, SITE_KEYS, err))) return st;
  const hs_doc_node *v;
  if ((v = hs_doc_get(n, "name"))) {
    snprintf(w, sizeof w, "%s name", what);
    if ((st = read_name(d, v, w, s->name, err))) return st;
  }
  if ((v = hs_doc_get(n, "notes")) && (st = hs_doc_string(d, v, "notes", NULL, err))) return st;
  s->field_area_mm2 = df->area;
  s->grid_length_mm = df->grid;
  if ((v = hs_doc_get(n, "field_area_mm2"))) {
    snprintf(w, sizeof w, "%s field_area_mm2", what);
    if ((st = read_num(d, v, w, 0, 1, HS_MICRO_MAX_FIELD_AREA_MM2, "mm2", &s->field_area_mm2,
                       err)))
      return st;
  }
  if ((v = hs_doc_get(n, "grid_line_length_mm"))) {
    snprintf(w, sizeof w, "%s grid_line_length_mm", what);
    if ((st = read_num(d, v, w, 0, 1, HS_MICRO_MAX_GRID_LENGTH_MM, "mm", &s->grid_length_mm,
                       err)))
      return st;
  }
  if ((v = hs_doc_get(n, "quality"))) {
    snprintf(w, sizeof w, "%s quality", what);
    static const char *const keys[] = {"illumination", "duration", "focus", "content",
                                       "stability",    "pressure", NULL};
    if ((st = hs_doc_expect(d, v, HS_DOC_MAP, w, err))) return st;
    if ((st = check_keys(d, v, w, keys, err))) return st;
    for (int k = 0; k < HS_MASSEY_COUNT; k++) {
      const hs_doc_node *q = hs_doc_get(v, hs_micro_massey_name(k));
      char wq[200];
      snprintf(wq, sizeof wq, "%s.%s", w, hs_micro_massey_name(k));
      if (!q)
        return hs_doc_fail(d, v, err, HS_ERR_INVALID,
                           "%s is missing (Massey score: all six categories, each 0, 1 or 10)",
                           wq);
      int x;
      if ((st = hs_doc_integer(d, q, wq, &x, err))) return st;
      if (x != 0 && x != 1 && x != 10)
        return hs_doc_fail(d, q, err, HS_ERR_RANGE,
                           "%s = %s is not a Massey score (allowed: 0 optimal, 1 acceptable, "
                           "10 unacceptable)",
                           wq, hs_doc_text(q));
      s->quality[k] = x;
    }
    s->has_quality = 1;
  }
  const hs_doc_node *lengths = hs_doc_get(n, "length_mm"), *vessels = hs_doc_get(n, "vessels");
  if (lengths && vessels)
    return hs_doc_fail(d, vessels, err, HS_ERR_INVALID,
                       "%s: give either length_mm (already split by size) or vessels, not both",
                       what);
  const hs_doc_node *ix = hs_doc_get(n, "indices");
  if (ix && (lengths || vessels))
    return hs_doc_fail(d, ix, err, HS_ERR_INVALID,
                       "%s: give indices or the raw lengths (length_mm, vessels), not both", what);
  if (ix) {
    /* per-site indices from analysis software: TVD and PPV by size, turned into lengths
       (perfused length continuous, the rest no flow) so that the consensus code gives
       back exactly these TVD, PPV and PVD */
    static const char *const keys[] = {"tvd_small", "ppv_small", "tvd_large", "ppv_large", NULL};
    snprintf(w, sizeof w, "%s indices", what);
    if ((st = hs_doc_expect(d, ix, HS_DOC_MAP, w, err))) return st;
    if ((st = check_keys(d, ix, w, keys, err))) return st;
    for (int g = 0; g < 2; g++) {
      const hs_doc_node *tn = hs_doc_get(ix, keys[2 * g]), *pn = hs_doc_get(ix, keys[2 * g + 1]);
      if (!tn && !pn && g == 1) break; /* large vessels are optional */
      if (!tn || !pn)
        return hs_doc_fail(d, ix, err, HS_ERR_INVALID,
                           "%s: %s and %s are both needed (TVD in mm/mm2, PPV in %%)", w,
                           keys[2 * g], keys[2 * g + 1]);
      double tvd = 0, ppv = 0;
      char wk[200];
      snprintf(wk, sizeof wk, "%s.%s", w, keys[2 * g]);
      if ((st = read_num(d, tn, wk, 0, 0, 100, "mm/mm2", &tvd, err))) return st;
      snprintf(wk, sizeof wk, "%s.%s", w, keys[2 * g + 1]);
      if ((st = read_num(d, pn, wk, 0, 0, 100, "%", &ppv, err))) return st;
      s->length_mm[g][0] = tvd * (1 - ppv / 100) * s->field_area_mm2;
      s->length_mm[g][HS_FLOW_CLASSES - 1] = tvd * ppv / 100 * s->field_area_mm2;
    }
    s->has_lengths = 1;
  }
  if (lengths) {
    snprintf(w, sizeof w, "%s length_mm", what);
    if ((st = read_groups(d, lengths, w, 0, s->length_mm, NULL, err))) return st;
    s->has_lengths = 1;
  }
  if (vessels) {
    snprintf(w, sizeof w, "%s vessels", what);
    if ((st = hs_doc_expect(d, vessels, HS_DOC_SEQ, w, err))) return st;
    size_t nv = hs_doc_size(vessels);
    hs_micro_vessel *vs = calloc(nv ? nv : 1, sizeof *vs);
    if (!vs) return hs_err_set(err, HS_ERR_NOMEM, "out of memory reading vessels");
    s->vessels = vs;
    s->has_vessels = 1;
    for (size_t k = 0; k < nv; k++) {
      const hs_doc_node *e = hs_doc_item(vessels, k);
      char wv[200], wf[240];
      snprintf(wv, sizeof wv, "%s vessels[%zu]", what, k + 1);
      if ((st = hs_doc_expect(d, e, HS_DOC_MAP, wv, err))) return st;
      if ((st = check_keys(d, e, wv, VESSEL_KEYS, err))) return st;
      for (const char *const *key = VESSEL_KEYS; *key; key++)
        if (!hs_doc_get(e, *key))
          return hs_doc_fail(d, e, err, HS_ERR_INVALID,
                             "%s: '%s' is missing (a vessel needs diameter_um, length_mm, flow)",
                             wv, *key);
      snprintf(wf, sizeof wf, "%s.diameter_um", wv);
      if ((st = read_num(d, hs_doc_get(e, "diameter_um"), wf, 0, 1, HS_MICRO_MAX_DIAMETER_UM,
                         "um", &vs[k].diameter_um, err)))
        return st;
      snprintf(wf, sizeof wf, "%s.length_mm", wv);
      if ((st = read_num(d, hs_doc_get(e, "length_mm"), wf, 0, 0, HS_MICRO_MAX_LENGTH_MM, "mm",
                         &vs[k].length_mm, err)))
        return st;
      snprintf(wf, sizeof wf, "%s.flow", wv);
      if ((st = read_flow_class(d, hs_doc_get(e, "flow"), wf, &vs[k].flow, err))) return st;
      s->nvessels = k + 1;
    }
  }
  if ((v = hs_doc_get(n, "crossings"))) {
    snprintf(w, sizeof w, "%s crossings", what);
    if ((st = read_groups(d, v, w, 1, NULL, s->crossings, err))) return st;
    s->has_crossings = 1;
  }
  if ((v = hs_doc_get(n, "quadrants"))) {
    snprintf(w, sizeof w, "%s quadrants", what);
    if ((st = hs_doc_expect(d, v, HS_DOC_SEQ, w, err))) return st;
    if (hs_doc_size(v) != 4)
      return hs_doc_fail(d, v, err, HS_ERR_INVALID,
                         "%s must list 4 values, the predominant flow class of each quadrant "
                         "(got %zu)",
                         w, hs_doc_size(v));
    for (size_t k = 0; k < 4; k++) {
      char wq[200];
      snprintf(wq, sizeof wq, "%s[%zu]", w, k + 1);
      if ((st = read_flow_class(d, hs_doc_item(v, k), wq, &s->quadrant[k], err))) return st;
    }
    s->has_quadrants = 1;
  }
  if (!(s->has_lengths || s->has_vessels || s->has_crossings || s->has_quadrants))
    return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                       "%s has no measurements: give length_mm, vessels or indices, crossings "
                       "and/or quadrants",
                       what);
  return HS_OK;
}

/* ------------------------------------------------------------------ the file */

static hs_status read_version(const hs_doc *d, const hs_doc_node *root, hs_err *err) {
  hs_status st;
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the microcirculation file", err))) return st;
  const hs_doc_node *ver = hs_doc_get(root, "hemosim_micro");
  if (!ver)
    return hs_doc_fail(d, root, err, HS_ERR_PARSE,
                       "not a hemosim microcirculation file: it must contain 'hemosim_micro: 1'");
  int version;
  if ((st = hs_doc_integer(d, ver, "hemosim_micro", &version, err))) return st;
  if (version != 1)
    return hs_doc_fail(d, ver, err, HS_ERR_RANGE,
                       "hemosim_micro: format version %d is not supported (allowed: 1)", version);
  if ((st = check_keys(d, root, "top level", TOP_KEYS, err))) return st;
  if (hs_doc_get(root, "sites") && hs_doc_get(root, "time_points"))
    return hs_doc_fail(d, hs_doc_get(root, "time_points"), err, HS_ERR_INVALID,
                       "a file holds either sites (one measurement) or time_points (a "
                       "schedule), not both");
  return HS_OK;
}

static hs_status read_doses(const hs_doc *d, const hs_doc_node *n, hs_micro_input *in,
                            hs_err *err) {
  hs_status st;
  const hs_block_type *t = hs_block_type_find("drugs");
  if ((st = hs_doc_expect(d, n, HS_DOC_MAP, "vasoactive", err))) return st;
  if (!t || t->nparams != HS_DRUG_COUNT)
    return hs_err_set(err, HS_ERR_STATE, "vasoactive: the drug table is not available");
  const char *names[HS_DRUG_COUNT + 1];
  for (int k = 0; k < HS_DRUG_COUNT; k++) names[k] = t->params[k].name;
  names[HS_DRUG_COUNT] = NULL;
  if ((st = check_keys(d, n, "vasoactive", names, err))) return st;
  for (int k = 0; k < HS_DRUG_COUNT; k++) {
    const hs_doc_node *v = hs_doc_get(n, names[k]);
    if (!v) continue;
    char w[96];
    snprintf(w, sizeof w, "vasoactive.%s", names[k]);
    if ((st = read_num(d, v, w, 0, 0, t->params[k].max,
                       k == HS_DRUG_VASOPRESSIN ? "U/kg/min" : "ug/kg/min", &in->doses[k], err)))
      return st;
  }
  in->has_doses = 1;
  return HS_OK;
}

static hs_status build(const hs_doc *d, hs_micro_input *in, hs_err *err) {
  hs_status st;
  const hs_doc_node *root = hs_doc_root(d), *v;
  if ((st = read_version(d, root, err))) return st;
  if ((v = hs_doc_get(root, "patient")) && (st = read_name(d, v, "patient", in->patient, err)))
    return st;
  if ((v = hs_doc_get(root, "notes")) && (st = hs_doc_string(d, v, "notes", NULL, err)))
    return st;
  if ((v = hs_doc_get(root, "device")) && (st = hs_doc_string(d, v, "device", NULL, err)))
    return st;
  if ((v = hs_doc_get(root, "time_point")) &&
      (st = read_label(d, v, "time_point", &in->time_point, err)))
    return st;
  if ((v = hs_doc_get(root, "hours_since_ecmo")) &&
      (st = read_num(d, v, "hours_since_ecmo", 0, 0, HS_MICRO_MAX_HOURS, "h",
                     &in->hours_since_ecmo, err)))
    return st;
  if ((v = hs_doc_get(root, "ecmo_flow_lpm")) &&
      (st = read_num(d, v, "ecmo_flow_lpm", 0, 0, 10, "L/min", &in->ecmo_flow_lpm, err)))
    return st;
  if ((v = hs_doc_get(root, "fluid_balance_ml")) &&
      (st = read_num(d, v, "fluid_balance_ml", -50000, 0, 50000, "mL", &in->fluid_balance_ml,
                     err)))
    return st;
  if ((v = hs_doc_get(root, "vasoactive")) && (st = read_doses(d, v, in, err))) return st;
  if ((v = hs_doc_get(root, "small_cutoff_um")) &&
      (st = read_num(d, v, "small_cutoff_um", 0, 1, HS_MICRO_MAX_CUTOFF_UM, "um",
                     &in->small_cutoff_um, err)))
    return st;
  defaults df = {HS_MICRO_DEFAULT_FIELD_AREA_MM2, HS_MICRO_DEFAULT_GRID_LENGTH_MM};
  if ((v = hs_doc_get(root, "field_area_mm2")) &&
      (st = read_num(d, v, "field_area_mm2", 0, 1, HS_MICRO_MAX_FIELD_AREA_MM2, "mm2", &df.area,
                     err)))
    return st;
  if ((v = hs_doc_get(root, "grid_line_length_mm")) &&
      (st = read_num(d, v, "grid_line_length_mm", 0, 1, HS_MICRO_MAX_GRID_LENGTH_MM, "mm",
                     &df.grid, err)))
    return st;
  const hs_doc_node *sites = hs_doc_get(root, "sites");
  if (!sites)
    return hs_doc_fail(d, root, err, HS_ERR_INVALID,
                       hs_doc_get(root, "time_points")
                           ? "this is a schedule file (time_points), not a measurement: use "
                             "`hemosim micro schedule`"
                           : "sites is missing: a measurement needs at least 1 site (3 usable "
                             "required, 5 recommended)");
  if ((st = hs_doc_expect(d, sites, HS_DOC_SEQ, "sites", err))) return st;
  size_t n = hs_doc_size(sites);
  if (n < 1)
    return hs_doc_fail(d, sites, err, HS_ERR_RANGE,
                       "sites: at least 1 site is required (got 0; 3 usable required, 5 "
                       "recommended)");
  if (n > HS_MICRO_MAX_SITES)
    return hs_doc_fail(d, sites, err, HS_ERR_RANGE, "sites: at most %d sites are allowed (got %zu)",
                       HS_MICRO_MAX_SITES, n);
  if (!(in->sites = calloc(n, sizeof *in->sites)))
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory reading sites");
  for (size_t i = 0; i < n; i++) {
    in->nsites = i + 1; /* so that hs_micro_input_free sees the vessels read so far */
    if ((st = read_site(d, hs_doc_item(sites, i), i, &df, &in->sites[i], err))) return st;
  }
  /* the same measurements at every site (located at the first site lacking one) */
  static const char *const what[] = {"vessel lengths (length_mm or vessels)", "crossings",
                                     "quadrants"};
  for (int m = 0; m < 3; m++) {
    size_t with = n, without = n;
    for (size_t i = 0; i < n; i++) {
      const hs_micro_site *s = &in->sites[i];
      int h = m == 0 ? (s->has_lengths || s->has_vessels)
                     : m == 1 ? s->has_crossings : s->has_quadrants;
      if (h && with == n) with = i;
      if (!h && without == n) without = i;
    }
    if (with < n && without < n)
      return hs_doc_fail(d, hs_doc_item(sites, without), err, HS_ERR_INVALID,
                         "site %zu: %s missing (site %zu gives them; every site must report "
                         "the same measurements)",
                         without + 1, what[m], with + 1);
  }
  return HS_OK;
}

void hs_micro_input_free(hs_micro_input *in) {
  if (!in) return;
  for (size_t i = 0; in->sites && i < in->nsites; i++) free((void *)in->sites[i].vessels);
  free(in->sites);
  free(in);
}

static hs_micro_input *input_new(void) {
  hs_micro_input *in = calloc(1, sizeof *in);
  if (!in) return NULL;
  in->hours_since_ecmo = in->ecmo_flow_lpm = in->fluid_balance_ml = NAN;
  in->small_cutoff_um = HS_MICRO_DEFAULT_CUTOFF_UM;
  return in;
}

static hs_status finish(hs_doc *d, hs_micro_input **out, hs_err *err) {
  hs_micro_input *in = input_new();
  if (!in) {
    hs_doc_free(d);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory reading a microcirculation file");
  }
  hs_status st = build(d, in, err);
  hs_doc_free(d);
  if (st) {
    hs_micro_input_free(in);
    return st;
  }
  *out = in;
  return HS_OK;
}

hs_status hs_micro_load_file(const char *path, hs_micro_input **out, hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  return st ? st : finish(d, out, err);
}

hs_status hs_micro_load_string(const char *name, const char *text, size_t len,
                               hs_micro_input **out, hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_string(name, text, len, &d, err);
  return st ? st : finish(d, out, err);
}

/* ------------------------------------------------------------------ time points */

static hs_status push_tp(const hs_doc *d, const hs_doc_node *at, hs_micro_timepoint *tp,
                         size_t cap, size_t *n, int label, double hours, const char *patient,
                         const char *path, hs_err *err) {
  if (*n >= cap)
    return hs_doc_fail(d, at, err, HS_ERR_RANGE, "too many time points (at most %zu)", cap);
  snprintf(tp[*n].patient, sizeof tp[*n].patient, "%s", patient);
  tp[*n].label = label;
  tp[*n].hours_since_ecmo = hours;
  tp[*n].source = path;
  tp[*n].line = hs_doc_line(at);
  (*n)++;
  return HS_OK;
}

hs_status hs_micro_timepoints_load_file(const char *path, hs_micro_timepoint *tp, size_t cap,
                                        size_t *n, hs_err *err) {
  hs_doc *d = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  if (st) return st;
  const hs_doc_node *root = hs_doc_root(d), *list;
  if ((st = read_version(d, root, err))) goto done;
  if ((list = hs_doc_get(root, "time_points"))) {
    /* a schedule file: only metadata besides the list */
    static const char *const keys[] = {"hemosim_micro", "patient", "notes", "time_points",
                                       NULL};
    char patient[HS_MICRO_NAME_MAX] = "";
    const hs_doc_node *pn = hs_doc_get(root, "patient");
    if ((st = check_keys(d, root, "schedule file", keys, err))) goto done;
    if (pn && (st = read_name(d, pn, "patient", patient, err))) goto done;
    if ((st = hs_doc_expect(d, list, HS_DOC_SEQ, "time_points", err))) goto done;
    for (size_t i = 0; i < hs_doc_size(list); i++) {
      const hs_doc_node *e = hs_doc_item(list, i);
      char w[64], wf[96];
      snprintf(w, sizeof w, "time_points[%zu]", i + 1);
      if ((st = hs_doc_expect(d, e, HS_DOC_MAP, w, err))) goto done;
      if ((st = check_keys(d, e, w, TP_KEYS, err))) goto done;
      int label = 0;
      double h = NAN;
      snprintf(wf, sizeof wf, "%s.label", w);
      if (!hs_doc_get(e, "label")) {
        st = hs_doc_fail(d, e, err, HS_ERR_INVALID, "%s is missing (T1..T4)", wf);
        goto done;
      }
      if ((st = read_label(d, hs_doc_get(e, "label"), wf, &label, err))) goto done;
      snprintf(wf, sizeof wf, "%s.hours_since_ecmo", w);
      if (!hs_doc_get(e, "hours_since_ecmo")) {
        st = hs_doc_fail(d, e, err, HS_ERR_INVALID, "%s is missing", wf);
        goto done;
      }
      if ((st = read_num(d, hs_doc_get(e, "hours_since_ecmo"), wf, 0, 0, HS_MICRO_MAX_HOURS, "h",
                         &h, err)))
        goto done;
      if ((st = push_tp(d, e, tp, cap, n, label, h, patient, path, err))) goto done;
    }
  } else {
    /* a measurement file: its own time point */
    hs_micro_input *in = input_new();
    if (!in) {
      st = hs_err_set(err, HS_ERR_NOMEM, "out of memory reading a microcirculation file");
      goto done;
    }
    st = build(d, in, err);
    if (!st) {
      const char *missing = in->time_point == 0 ? "time_point (T1..T4)"
                            : isnan(in->hours_since_ecmo) ? "hours_since_ecmo"
                                                          : NULL;
      if (missing)
        st = hs_doc_fail(d, root, err, HS_ERR_INVALID,
                         "the schedule check needs time_point and hours_since_ecmo (missing: %s)",
                         missing);
      else
        st = push_tp(d, hs_doc_get(root, "time_point"), tp, cap, n, in->time_point,
                     in->hours_since_ecmo, in->patient, path, err);
    }
    hs_micro_input_free(in);
  }
done:
  hs_doc_free(d);
  return st;
}

/* ------------------------------------------------------------------ JSON */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *values_json(const hs_micro_values *v) {
  json_t *o = json_object();
  if (!o) return NULL;
  int bad = 0;
  bad |= json_object_set_new(o, "length_mm", num(v->length_mm));
  bad |= json_object_set_new(o, "tvd_mm_mm2", num(v->tvd_mm_mm2));
  bad |= json_object_set_new(o, "ppv_pct", num(v->ppv_pct));
  bad |= json_object_set_new(o, "pvd_mm_mm2", num(v->pvd_mm_mm2));
  bad |= json_object_set_new(o, "crossings", num(v->crossings));
  bad |= json_object_set_new(o, "de_backer_per_mm", num(v->de_backer_per_mm));
  bad |= json_object_set_new(o, "ppv_crossings_pct", num(v->ppv_crossings_pct));
  bad |= json_object_set_new(o, "pvd_crossings_per_mm", num(v->pvd_crossings_per_mm));
  bad |= json_object_set_new(o, "no_flow_pct", num(v->no_flow_pct));
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *label_json(int label) {
  char b[4];
  if (label < 1 || label > 4) return json_null();
  snprintf(b, sizeof b, "T%d", label);
  return json_string(b);
}

static json_t *window_json(const hs_micro_window *w) {
  json_t *o = json_object();
  if (!o) return NULL;
  int bad = 0;
  bad |= json_object_set_new(o, "time_point", label_json(w->label));
  bad |= json_object_set_new(o, "hours_since_ecmo", num(w->hours_since_ecmo));
  bad |= json_object_set_new(o, "hours_after_t1", num(w->hours_after_t1));
  bad |= json_object_set_new(o, "window_from", json_string(w->relative_to_t1 ? "T1"
                                                                              : "placement"));
  bad |= json_object_set_new(o, "window_h", isfinite(w->lo_h) ? json_pack("[f,f]", w->lo_h,
                                                                          w->hi_h)
                                                              : json_null());
  bad |= json_object_set_new(o, "status", json_string(hs_micro_sched_status_name(w->status)));
  bad |= json_object_set_new(o, "note", json_string(w->note));
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static char *dump(json_t *root, int bad, hs_err *err) {
  char *text = bad ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
  json_decref(root);
  if (!text) hs_err_set(err, HS_ERR_NOMEM, "out of memory writing JSON");
  return text;
}

char *hs_micro_json(const hs_micro_input *in, const hs_micro_result *r, const char *source,
                    hs_err *err) {
  json_t *root = json_object();
  if (!root) return dump(root, 1, err);
  int bad = 0;
  bad |= json_object_set_new(root, "schema", json_string("hemosim-micro/1"));
  bad |= json_object_set_new(root, "hemosim_version", json_string(HS_VERSION));
  bad |= json_object_set_new(root, "source", source ? json_string(source) : json_null());
  bad |= json_object_set_new(root, "patient", in->patient[0] ? json_string(in->patient)
                                                              : json_null());
  bad |= json_object_set_new(root, "time_point", label_json(in->time_point));
  bad |= json_object_set_new(root, "hours_since_ecmo", num(in->hours_since_ecmo));
  bad |= json_object_set_new(root, "ecmo_flow_lpm", num(in->ecmo_flow_lpm));
  bad |= json_object_set_new(root, "fluid_balance_ml", num(in->fluid_balance_ml));
  bad |= json_object_set_new(root, "vis", num(r->vis));
  bad |= json_object_set_new(root, "small_cutoff_um", num(r->small_cutoff_um));

  json_t *sites = json_array();
  for (size_t i = 0; sites && i < r->nsites; i++) {
    const hs_micro_site_result *s = &r->site[i];
    json_t *o = json_object();
    if (!o) {
      bad = 1;
      break;
    }
    bad |= json_object_set_new(o, "name", json_string(s->name));
    bad |= json_object_set_new(o, "usable", json_boolean(s->usable));
    bad |= json_object_set_new(o, "excluded_reason", s->usable ? json_null()
                                                               : json_string(s->reason));
    bad |= json_object_set_new(o, "massey_total", s->massey_total >= 0
                                                      ? json_integer(s->massey_total)
                                                      : json_null());
    bad |= json_object_set_new(o, "mfi", num(s->mfi));
    for (int g = 0; g < HS_MICRO_GROUPS; g++)
      bad |= json_object_set_new(o, hs_micro_group_name(g), values_json(&s->v[g]));
    bad |= json_array_append_new(sites, o);
  }
  bad |= json_object_set_new(root, "sites", sites ? sites : json_null());

  json_t *sum = json_object(), *crossed = json_array(), *refs = json_array();
  if (!sum || !crossed || !refs) bad = 1;
  if (sum) {
    bad |= json_object_set_new(sum, "usable_sites", json_integer((json_int_t)r->nusable));
    bad |= json_object_set_new(sum, "recorded_sites", json_integer((json_int_t)r->nsites));
    for (int g = 0; g < HS_MICRO_GROUPS; g++)
      bad |= json_object_set_new(sum, hs_micro_group_name(g), values_json(&r->mean[g]));
    bad |= json_object_set_new(sum, "psvd_mm_mm2", num(r->psvd_mm_mm2));
    bad |= json_object_set_new(sum, "ppsv_pct", num(r->ppsv_pct));
    bad |= json_object_set_new(sum, "mfi", num(r->mfi));
    bad |= json_object_set_new(sum, "mfi_min", num(r->mfi_min));
    bad |= json_object_set_new(sum, "mfi_max", num(r->mfi_max));
    bad |= json_object_set_new(sum, "heterogeneity_index", num(r->heterogeneity_index));
  }
  for (size_t k = 0; refs && crossed && k < hs_micro_reference_count(); k++) {
    const hs_micro_reference *ref = hs_micro_reference_at(k);
    json_t *o = json_object();
    if (!o) {
      bad = 1;
      break;
    }
    bad |= json_object_set_new(o, "id", json_string(ref->id));
    bad |= json_object_set_new(o, "crossed", r->crossed[k] < 0 ? json_null()
                                                               : json_boolean(r->crossed[k]));
    json_t *vals = json_object();
    for (int c = 0; vals && c < ref->nconds; c++)
      bad |= json_object_set_new(vals, hs_micro_quantity_name(ref->cond[c].q),
                                 num(hs_micro_quantity_value(r, ref->cond[c].q)));
    bad |= json_object_set_new(o, "values", vals ? vals : json_null());
    bad |= json_object_set_new(o, "meaning", json_string(ref->meaning));
    bad |= json_object_set_new(o, "source", json_string(ref->source));
    bad |= json_array_append_new(refs, o);
    if (r->crossed[k] == 1) bad |= json_array_append_new(crossed, json_string(ref->id));
  }
  bad |= json_object_set_new(root, "summary", sum ? sum : json_null());
  bad |= json_object_set_new(root, "references", refs ? refs : json_null());
  bad |= json_object_set_new(root, "schedule", window_json(&r->schedule));
  json_t *flags = json_object(), *warnings = json_array();
  if (flags) {
    bad |= json_object_set_new(flags, "few_sites", json_boolean(r->few_sites));
    bad |= json_object_set_new(flags, "excluded_sites",
                               json_integer((json_int_t)(r->nsites - r->nusable)));
    bad |= json_object_set_new(flags, "schedule_outside",
                               json_boolean(r->schedule.status == HS_SCHED_OUTSIDE));
    bad |= json_object_set_new(flags, "thresholds_crossed", crossed ? crossed : json_null());
  } else {
    json_decref(crossed);
  }
  bad |= json_object_set_new(root, "flags", flags ? flags : json_null());
  for (size_t k = 0; warnings && k < r->nwarnings; k++)
    bad |= json_array_append_new(warnings, json_string(r->warning[k]));
  bad |= json_object_set_new(root, "warnings", warnings ? warnings : json_null());
  return dump(root, bad, err);
}

char *hs_micro_schedule_json(const hs_micro_timepoint *tp, const hs_micro_window *w, size_t n,
                             double t4_tolerance_h, hs_err *err) {
  json_t *root = json_object(), *arr = json_array();
  int bad = !root || !arr, outside = 0;
  if (root) {
    bad |= json_object_set_new(root, "schema", json_string("hemosim-micro-schedule/1"));
    bad |= json_object_set_new(root, "hemosim_version", json_string(HS_VERSION));
    bad |= json_object_set_new(root, "t4_tolerance_h", num(t4_tolerance_h > 0
                                                               ? t4_tolerance_h
                                                               : HS_MICRO_DEFAULT_T4_TOLERANCE_H));
  }
  for (size_t i = 0; arr && i < n; i++) {
    json_t *o = window_json(&w[i]);
    if (!o) {
      bad = 1;
      break;
    }
    bad |= json_object_set_new(o, "source", tp[i].source ? json_string(tp[i].source)
                                                         : json_null());
    bad |= json_object_set_new(o, "line", tp[i].line ? json_integer(tp[i].line) : json_null());
    bad |= json_array_append_new(arr, o);
    outside |= w[i].status == HS_SCHED_OUTSIDE || w[i].status == HS_SCHED_DUPLICATE;
  }
  if (root) {
    bad |= json_object_set_new(root, "time_points", arr ? arr : json_null());
    bad |= json_object_set_new(root, "any_outside", json_boolean(outside));
  } else {
    json_decref(arr);
  }
  return dump(root, bad, err);
}
