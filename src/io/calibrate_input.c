/*
 * io/calibrate_input.c - the measurements file of a calibration
 * (hs_cal_input_load, hemosim/calibrate.h; format in docs/calibration.md).
 *
 * Reads the YAML or JSON document (io/doc.c), loads the base patient it names, applies
 * its `set` block, the `estimate` list and every measurement with its unit and
 * standard deviation, and rejects values no patient can have and combinations that
 * contradict each other.  Every error names the file, line, column, field and value.
 * The fit itself is analysis/calibrate.c.
 */
#define _XOPEN_SOURCE 700
#include "hemosim/calibrate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hemosim/patient.h"
#include "hemosim/units.h"
#include "analysis/calibrate_impl.h"
#include "io/doc.h"

int hs_calq_is_set(hs_calq q) { return q == HS_CALQ_HR || q == HS_CALQ_HB; }

/* Plausible range of each measured value (display units) and what a value outside
   it means.  CVP and PCWP may be slightly negative (spontaneous breathing lowers
   intrathoracic pressure to about -4 mmHg) but not below -5 mmHg; arterial
   pressures cannot be negative. */
static const struct {
  double lo, hi;
  const char *why;
} RANGE[HS_CALQ_COUNT] = {
    [HS_CALQ_HR] = {20, 250, "the model's heart rate range is 20-250 /min"},
    [HS_CALQ_SBP] = {0, 300, "an arterial pressure cannot be negative"},
    [HS_CALQ_DBP] = {0, 250, "an arterial pressure cannot be negative"},
    [HS_CALQ_MAP] = {0, 250, "an arterial pressure cannot be negative"},
    [HS_CALQ_CVP] = {-5, 60, "a central venous pressure below -5 mmHg is not physiological"},
    [HS_CALQ_SPAP] = {0, 150, "a pulmonary artery pressure cannot be negative"},
    [HS_CALQ_DPAP] = {0, 120, "a pulmonary artery pressure cannot be negative"},
    [HS_CALQ_MPAP] = {0, 130, "a pulmonary artery pressure cannot be negative"},
    [HS_CALQ_PCWP] = {-5, 60, "a wedge pressure below -5 mmHg is not physiological"},
    [HS_CALQ_CO] = {0, 20, "a flow cannot be negative"},
    [HS_CALQ_CI] = {0, 10, "a flow cannot be negative"},
    [HS_CALQ_ECMO_FLOW] = {0, 10, "a flow cannot be negative"},
    [HS_CALQ_LVEF] = {0, 100, "an ejection fraction is 0-100 %"},
    [HS_CALQ_LVEDV] = {1, 1000, "a ventricular volume must be positive"},
    [HS_CALQ_AVO] = {0, 1, "true or false"},
    [HS_CALQ_SAO2U] = {0, 100, "a saturation is 0-100 %"},
    [HS_CALQ_SAO2L] = {0, 100, "a saturation is 0-100 %"},
    [HS_CALQ_HB] = {3, 25, "the model's haemoglobin range is 3-25 g/dL"},
};

static int calq_dim(hs_calq q) {
  switch (q) {
    case HS_CALQ_HR: return HS_DIM_RATE;
    case HS_CALQ_CO:
    case HS_CALQ_ECMO_FLOW: return HS_DIM_FLOW;
    case HS_CALQ_LVEDV: return HS_DIM_VOLUME;
    case HS_CALQ_HB: return HS_DIM_HB;
    case HS_CALQ_LVEF:
    case HS_CALQ_SAO2U:
    case HS_CALQ_SAO2L: return HS_DIM_PERCENT;
    case HS_CALQ_CI:
    case HS_CALQ_AVO: return -1; /* own unit handling */
    default: return HS_DIM_PRESSURE;
  }
}

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, s, n);
  return c;
}

/* A value of quantity q in its display unit: "12", "12 mmHg", "1.6 kPa", "55 %".  One
   rule for percentages (units.h): "55 %" and a bare 55 are both 55 %; a bare value
   of 1 or less for a percentage is refused as ambiguous (0.15 meant as a fraction
   would read as 0.15 %). */
static hs_status parse_value(const hs_doc *d, const hs_doc_node *n, hs_calq q, const char *field,
                             double *out, hs_err *err) {
  const char *name = hs_calq_name(q);
  if (hs_doc_kind_of(n) != HS_DOC_SCALAR)
    return hs_doc_fail(d, n, err, HS_ERR_INVALID, "measurements.%s: %s must be a single value",
                       name, field);
  const char *text = hs_doc_text(n);
  int dim = calq_dim(q);
  double x;
  hs_err e2;
  if (dim < 0) { /* ci: L/min/m2, a unit of no dimension in the table */
    char num[64];
    size_t len = strlen(text);
    static const char *const CI_UNITS[] = {"L/min/m2", "L/min/m^2"};
    for (int k = 0; k < 2; k++) {
      size_t ul = strlen(CI_UNITS[k]);
      if (len > ul && !strcmp(text + len - ul, CI_UNITS[k])) len -= ul;
    }
    snprintf(num, sizeof num, "%.*s", (int)(len < sizeof num ? len : sizeof num - 1), text);
    if (strchr(num, '%') || hs_quantity_parse(HS_DIM_NONE, num, out, &e2))
      return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                         "measurements.%s: %s \"%s\" is not a number in L/min/m2 (accepted: "
                         "L/min/m2, or a bare number in L/min/m2)",
                         name, field, text);
    return HS_OK;
  }
  if (dim == HS_DIM_PERCENT && !strcmp(field, "value") ? hs_percent_parse(text, &x, &e2)
      : hs_quantity_parse_as((hs_dim)dim, text, hs_calq_unit(q), &x, &e2))
    return hs_doc_fail(d, n, err, HS_ERR_INVALID, "measurements.%s: %s %s", name, field, e2.msg);
  *out = dim == HS_DIM_FLOW ? x / HS_MLS_PER_LPM : x;
  return HS_OK;
}

static hs_status read_measurement(const hs_doc *d, const hs_doc_node *v, hs_cal_meas *m,
                                  hs_err *err) {
  hs_calq q = m->q;
  const char *name = hs_calq_name(q);
  const hs_doc_node *vn = v, *sn = NULL;
  hs_status st;
  if (hs_doc_kind_of(v) == HS_DOC_MAP) {
    vn = NULL;
    for (size_t i = 0; i < hs_doc_size(v); i++) {
      const char *k = hs_doc_text(hs_doc_key(v, i));
      if (!strcmp(k, "value")) vn = hs_doc_value(v, i);
      else if (!strcmp(k, "sd")) sn = hs_doc_value(v, i);
      else
        return hs_doc_fail(d, hs_doc_key(v, i), err, HS_ERR_UNKNOWN,
                           "measurements.%s: unknown field '%s' (known: value, sd)", name, k);
    }
    if (!vn)
      return hs_doc_fail(d, v, err, HS_ERR_INVALID, "measurements.%s: missing field 'value'",
                         name);
  } else if (hs_doc_kind_of(v) != HS_DOC_SCALAR) {
    return hs_doc_fail(d, v, err, HS_ERR_INVALID,
                       "measurements.%s must be a value or {value: X, sd: Y}", name);
  }
  m->line = hs_doc_line(vn);
  m->column = hs_doc_column(vn);
  if (q == HS_CALQ_AVO) {
    int b;
    char what[64];
    snprintf(what, sizeof what, "measurements.%s", name);
    if ((st = hs_doc_boolean(d, vn, what, &b, err))) return st;
    m->value = b ? 1.0 : 0.0;
  } else {
    if ((st = parse_value(d, vn, q, "value", &m->value, err))) return st;
    if (m->value < RANGE[q].lo)
      return hs_doc_fail(d, vn, err, HS_ERR_RANGE,
                         "measurements.%s = %.10g %s is impossible: below %g %s (%s)", name,
                         m->value, hs_calq_unit(q), RANGE[q].lo, hs_calq_unit(q), RANGE[q].why);
    if (m->value > RANGE[q].hi)
      return hs_doc_fail(d, vn, err, HS_ERR_RANGE,
                         "measurements.%s = %.10g %s is impossible: above %g %s (%s)", name,
                         m->value, hs_calq_unit(q), RANGE[q].hi, hs_calq_unit(q),
                         q == HS_CALQ_LVEF || q == HS_CALQ_SAO2U || q == HS_CALQ_SAO2L
                             ? RANGE[q].why
                             : "check the value and its unit");
  }
  m->sd = hs_calq_default_sd(q);
  if (sn) {
    if ((st = parse_value(d, sn, q, "sd", &m->sd, err))) return st;
    if (!(m->sd > 0))
      return hs_doc_fail(d, sn, err, HS_ERR_RANGE,
                         "measurements.%s: sd = %g must be positive (a standard deviation)", name,
                         m->sd);
    /* a thousandth of the usual bedside uncertainty: below it one measurement is
       weighted beyond what any monitor resolves (sd 1e-300 made the objective infinite) */
    double floor_sd = 1e-3 * hs_calq_default_sd(q);
    if (m->sd < floor_sd)
      return hs_doc_fail(d, sn, err, HS_ERR_RANGE,
                         "measurements.%s: sd = %g %s is below the smallest accepted %g %s (a "
                         "thousandth of the default %g %s)",
                         name, m->sd, hs_calq_unit(q), floor_sd, hs_calq_unit(q),
                         hs_calq_default_sd(q), hs_calq_unit(q));
    m->sd_given = 1;
  }
  return HS_OK;
}

static const hs_cal_meas *find_meas(const hs_cal_input *in, hs_calq q) {
  for (size_t i = 0; i < in->nmeas; i++)
    if (in->meas[i].q == q) return &in->meas[i];
  return NULL;
}

/* Located error at a measurement already read. */
static hs_status meas_fail(const hs_cal_input *in, const hs_cal_meas *m, hs_err *err,
                           const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static hs_status meas_fail(const hs_cal_input *in, const hs_cal_meas *m, hs_err *err,
                           const char *fmt, ...) {
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return hs_err_set(err, HS_ERR_RANGE, "%s:%d:%d: %s", in->file, m->line, m->column, msg);
}

/* Data that no patient can produce. */
static hs_status check_consistency(const hs_cal_input *in, hs_err *err) {
  const hs_cal_meas *sbp = find_meas(in, HS_CALQ_SBP), *dbp = find_meas(in, HS_CALQ_DBP),
                    *map = find_meas(in, HS_CALQ_MAP), *pcwp = find_meas(in, HS_CALQ_PCWP),
                    *sp = find_meas(in, HS_CALQ_SPAP), *dp = find_meas(in, HS_CALQ_DPAP),
                    *mp = find_meas(in, HS_CALQ_MPAP), *co = find_meas(in, HS_CALQ_CO),
                    *ci = find_meas(in, HS_CALQ_CI);
  if (sbp && dbp && dbp->value > sbp->value)
    return meas_fail(in, dbp, err,
                     "measurements.dbp = %g mmHg is above sbp = %g mmHg: impossible (diastolic "
                     "pressure cannot exceed systolic)",
                     dbp->value, sbp->value);
  if (map && sbp && map->value > sbp->value)
    return meas_fail(in, map, err,
                     "measurements.map = %g mmHg is above sbp = %g mmHg: impossible (the mean "
                     "lies between diastolic and systolic pressure)",
                     map->value, sbp->value);
  if (map && dbp && map->value < dbp->value)
    return meas_fail(in, map, err,
                     "measurements.map = %g mmHg is below dbp = %g mmHg: impossible (the mean "
                     "lies between diastolic and systolic pressure)",
                     map->value, dbp->value);
  if (pcwp && map && pcwp->value > map->value)
    return meas_fail(in, pcwp, err,
                     "measurements.pcwp = %g mmHg is above map = %g mmHg: impossible (left "
                     "atrial pressure above mean arterial pressure)",
                     pcwp->value, map->value);
  if (sp && dp && dp->value > sp->value)
    return meas_fail(in, dp, err,
                     "measurements.dpap = %g mmHg is above spap = %g mmHg: impossible", dp->value,
                     sp->value);
  if (mp && sp && mp->value > sp->value)
    return meas_fail(in, mp, err,
                     "measurements.mpap = %g mmHg is above spap = %g mmHg: impossible", mp->value,
                     sp->value);
  if (mp && dp && mp->value < dp->value)
    return meas_fail(in, mp, err,
                     "measurements.mpap = %g mmHg is below dpap = %g mmHg: impossible", mp->value,
                     dp->value);
  if (pcwp && mp && pcwp->value > mp->value)
    return meas_fail(in, pcwp, err,
                     "measurements.pcwp = %g mmHg is above mpap = %g mmHg: impossible (blood "
                     "could not flow from the pulmonary artery to the left atrium)",
                     pcwp->value, mp->value);
  if (co && ci)
    return meas_fail(in, ci, err,
                     "measurements: give co or ci, not both (ci = co / body surface area; set "
                     "body.height and body.weight for ci)");
  return HS_OK;
}

void hs_cal_input_free(hs_cal_input *in) {
  if (!in) return;
  free(in->file);
  free(in->patient_file);
  hs_model_free(in->base);
  for (size_t i = 0; i < in->nset; i++) free(in->set_path[i]);
  free(in->set_path);
  free(in->micro_file);
  hs_micro_input_free(in->micro);
  free(in->micro_result);
  free(in);
}

static hs_status add_set_path(hs_cal_input *in, const char *path, hs_err *err) {
  for (size_t i = 0; i < in->nset; i++)
    if (!strcmp(in->set_path[i], path)) return HS_OK;
  char **p = realloc(in->set_path, (in->nset + 1) * sizeof *p);
  if (!p) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  in->set_path = p;
  if (!(p[in->nset] = dupstr(path))) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  in->nset++;
  return HS_OK;
}

/* A file named at node n, relative to the measurements file `file` (absolute as given);
   *out is allocated. */
static hs_status beside(const hs_doc *d, const hs_doc_node *n, const char *field,
                        const char *file, char **out, hs_err *err) {
  const char *rel;
  hs_status st = hs_doc_string(d, n, field, &rel, err);
  if (st) return st;
  const char *slash = strrchr(file, '/');
  size_t len = strlen(file) + strlen(rel) + 2;
  if (!(*out = malloc(len))) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if (rel[0] == '/' || !slash) snprintf(*out, len, "%s", rel);
  else snprintf(*out, len, "%.*s/%s", (int)(slash - file), file, rel);
  return HS_OK;
}

/* 'microcirculation: FILE': load and analyse it now, so that a bad file is refused
   before the fit runs. */
static hs_status load_micro(const hs_doc *d, const hs_doc_node *n, hs_cal_input *in,
                            hs_err *err) {
  hs_status st = beside(d, n, "microcirculation", in->file, &in->micro_file, err);
  if (st) return st;
  hs_err e2;
  if ((st = hs_micro_load_file(in->micro_file, &in->micro, &e2)))
    return hs_doc_fail(d, n, err, st, "microcirculation: %s", e2.msg);
  if (!(in->micro_result = calloc(1, sizeof *in->micro_result)))
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if ((st = hs_micro_analyze(in->micro, NULL, in->micro_result, &e2)))
    return hs_doc_fail(d, n, err, st, "microcirculation: %s: %s", in->micro_file, e2.msg);
  hs_micro_measured m;
  hs_micro_measured_of(in->micro_result, &m);
  if (!isfinite(m.tvd_mm_mm2) || !isfinite(m.ppv_pct) || !isfinite(m.no_flow_pct))
    return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                       "microcirculation: %s has no usable small-vessel lengths by flow class "
                       "(length_mm or vessel records; crossings alone give no TVD)",
                       in->micro_file);
  if (isfinite(in->micro->ecmo_flow_lpm) && hs_model_block_index(in->base, "ecmo") < 0)
    return hs_doc_fail(d, n, err, HS_ERR_MODEL,
                       "microcirculation: %s was measured at an ECMO flow of %g L/min but the "
                       "patient has no ECMO circuit (a device named 'ecmo')",
                       in->micro_file, in->micro->ecmo_flow_lpm);
  return HS_OK;
}

static hs_status load_doc(hs_doc *d, hs_cal_input *in, hs_err *err) {
  hs_status st;
  const hs_doc_node *root = hs_doc_root(d);
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the measurements file", err))) return st;
  const hs_doc_node *ver = hs_doc_get(root, "hemosim_measurements");
  if (!ver)
    return hs_doc_fail(d, root, err, HS_ERR_PARSE,
                       "not a hemosim measurements file: it has no field "
                       "'hemosim_measurements: 1'");
  int version;
  if ((st = hs_doc_integer(d, ver, "hemosim_measurements", &version, err))) return st;
  if (version != 1)
    return hs_doc_fail(d, ver, err, HS_ERR_RANGE,
                       "hemosim_measurements: format version %d is not supported (allowed: 1)",
                       version);
  static const char *const TOP[] = {"hemosim_measurements", "patient", "name", "description",
                                    "set", "estimate", "measurements", "microcirculation",
                                    NULL};
  for (size_t i = 0; i < hs_doc_size(root); i++) {
    const char *k = hs_doc_text(hs_doc_key(root, i));
    int known = 0;
    for (int t = 0; TOP[t]; t++) known |= !strcmp(TOP[t], k);
    if (!known)
      return hs_doc_fail(d, hs_doc_key(root, i), err, HS_ERR_UNKNOWN,
                         "unknown top-level field '%s' (known: hemosim_measurements, patient, "
                         "name, description, set, estimate, measurements, microcirculation)",
                         k);
  }
  /* the base patient */
  const hs_doc_node *pn = hs_doc_get(root, "patient");
  if (pn) {
    if ((st = beside(d, pn, "patient", in->file, &in->patient_file, err))) return st;
    hs_err e2;
    if ((st = hs_patient_load_file(in->patient_file, &in->base, &e2)))
      return hs_doc_fail(d, pn, err, st, "patient: %s", e2.msg);
  } else if ((st = hs_patient_load_default(&in->base, err))) {
    return st;
  }
  /* settings applied before fitting */
  const hs_doc_node *sn = hs_doc_get(root, "set");
  if (sn) {
    if ((st = hs_doc_expect(d, sn, HS_DOC_MAP, "set", err))) return st;
    for (size_t i = 0; i < hs_doc_size(sn); i++) {
      const char *path = hs_doc_text(hs_doc_key(sn, i));
      const hs_doc_node *v = hs_doc_value(sn, i);
      hs_err e2;
      if (hs_doc_kind_of(v) != HS_DOC_SCALAR)
        return hs_doc_fail(d, v, err, HS_ERR_INVALID, "set.%s must be a single value", path);
      if ((st = hs_model_set_text(in->base, path, hs_doc_text(v), &e2)))
        return hs_doc_fail(d, strstr(e2.msg, "no block") || strstr(e2.msg, "no parameter")
                                  ? hs_doc_key(sn, i)
                                  : v,
                           err, st, "set.%s: %s", path, e2.msg);
      if ((st = add_set_path(in, path, err))) return st;
    }
  }
  /* which parameters to estimate */
  const hs_doc_node *en = hs_doc_get(root, "estimate");
  for (int j = 0; j < HS_CALP_COUNT; j++) in->estimate[j] = en ? 0 : 1;
  if (en) {
    if ((st = hs_doc_expect(d, en, HS_DOC_SEQ, "estimate", err))) return st;
    for (size_t i = 0; i < hs_doc_size(en); i++) {
      const char *name;
      if ((st = hs_doc_string(d, hs_doc_item(en, i), "estimate", &name, err))) return st;
      int j = hs_calp_find(name);
      if (j < 0)
        return hs_doc_fail(d, hs_doc_item(en, i), err, HS_ERR_UNKNOWN,
                           "estimate: unknown parameter '%s' (known: lv_ees, lv_ed_a, rv_ees, "
                           "svr_mult, pvr_mult, stressed_volume)",
                           name);
      in->estimate[j] = 1;
    }
    if (hs_doc_size(en) == 0)
      return hs_doc_fail(d, en, err, HS_ERR_INVALID, "estimate: name at least one parameter");
  }
  /* the measurements */
  const hs_doc_node *ms = hs_doc_get(root, "measurements");
  if (!ms)
    return hs_doc_fail(d, root, err, HS_ERR_INVALID, "missing field 'measurements'");
  if ((st = hs_doc_expect(d, ms, HS_DOC_MAP, "measurements", err))) return st;
  size_t nfit = 0;
  for (size_t i = 0; i < hs_doc_size(ms); i++) {
    const hs_doc_node *k = hs_doc_key(ms, i);
    const char *name = hs_doc_text(k);
    int q = -1;
    for (int t = 0; t < HS_CALQ_COUNT; t++) /* MAP, Map and map: one quantity */
      if (!strcasecmp(hs_calq_name((hs_calq)t), name)) q = t;
    if (q < 0)
      return hs_doc_fail(d, k, err, HS_ERR_UNKNOWN,
                         "measurements: unknown quantity '%s' (known: hr, sbp, dbp, map, cvp, "
                         "spap, dpap, mpap, pcwp, co, ci, ecmo_flow, lvef, lvedv, "
                         "aortic_valve_opens, sao2_upper, sao2_lower, hemoglobin)",
                         name);
    /* one entry per quantity (by quantity, not by key text): this is what bounds
       nmeas by the size of meas[] */
    if (find_meas(in, (hs_calq)q) || in->nmeas >= HS_CALQ_COUNT)
      return hs_doc_fail(d, k, err, HS_ERR_INVALID, "measurements: '%s' is given twice", name);
    hs_cal_meas *m = &in->meas[in->nmeas];
    memset(m, 0, sizeof *m);
    m->q = (hs_calq)q;
    if ((st = read_measurement(d, hs_doc_value(ms, i), m, err))) return st;
    in->nmeas++;
    if (!hs_calq_is_set(m->q)) nfit++;
    hs_err e2;
    if (q == HS_CALQ_HR) {
      if ((st = hs_model_set(in->base, "heart.heart_rate", m->value, &e2)))
        return meas_fail(in, m, err, "measurements.hr: %s", e2.msg);
      if ((st = add_set_path(in, "heart.heart_rate", err))) return st;
    } else if (q == HS_CALQ_HB) {
      if ((st = hs_model_set(in->base, "oxygen.hemoglobin", m->value, &e2)))
        return meas_fail(in, m, err, "measurements.hemoglobin: %s", e2.msg);
      if ((st = add_set_path(in, "oxygen.hemoglobin", err))) return st;
    } else if (q == HS_CALQ_ECMO_FLOW) {
      long b = hs_model_block_index(in->base, "ecmo");
      if (b < 0 || hs_model_block_type(in->base, (size_t)b)->cls != HS_BLOCK_DEVICE)
        return hs_doc_fail(d, k, err, HS_ERR_MODEL,
                           "measurements.ecmo_flow: the patient has no ECMO circuit (a device "
                           "named 'ecmo')");
    }
  }
  if (!nfit)
    return hs_doc_fail(d, ms, err, HS_ERR_INVALID,
                       "measurements: nothing to fit (hr and hemoglobin are set, not fitted); "
                       "give at least one pressure, flow or volume");
  const hs_doc_node *mn = hs_doc_get(root, "microcirculation");
  if (mn && (st = load_micro(d, mn, in, err))) return st;
  if (in->estimate[HS_CALP_PVR] && hs_model_block_index(in->base, "pulm_arterioles") < 0)
    return hs_doc_fail(d, en ? en : root, err, HS_ERR_MODEL,
                       "estimate: pvr_mult needs the pulmonary_arterioles role: an edge named "
                       "'pulm_arterioles' or one bound to it under roles:");
  return check_consistency(in, err);
}

hs_status hs_cal_input_load(const char *path, hs_cal_input **out, hs_err *err) {
  *out = NULL;
  hs_cal_input *in = calloc(1, sizeof *in);
  if (!in || !(in->file = dupstr(path))) {
    free(in);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  hs_doc *d = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  if (!st) st = load_doc(d, in, err);
  hs_doc_free(d);
  if (st) {
    hs_cal_input_free(in);
    return st;
  }
  *out = in;
  return HS_OK;
}

