/*
 * io/calibrate_yaml.c - the calibrated patient file (hs_cal_write_patient,
 * hemosim/calibrate.h), written with libyaml's emitter.
 *
 * The document itself (base, name, description, the overridden parameters) is
 * emitted event by event through the library's YAML writer (io/yaml_out.h), so every
 * user string (file names, patient names) is quoted and escaped by libyaml, never by
 * hand.  The header comment lines (where the file came from, the fit, the meaning of
 * every override) are written before the document by hs_yaml_comment, which turns
 * every control character into '?', so no user text can end a comment and start live
 * YAML.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/calibrate.h"
#include "hemosim/output.h"
#include "hemosim/patient.h"
#include "io/json_util.h"
#include "io/yaml_out.h"

static long block_index(const hs_model *m, const char *name) {
  for (size_t i = 0; i < hs_model_block_count(m); i++)
    if (!strcmp(hs_model_block_name(m, i), name)) return (long)i;
  return -1;
}

/* Shortest decimal that reads back as exactly v. */
static void fmt_exact(char *buf, size_t n, double v) {
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return;
  }
}

/* The path of `target` relative to directory `dir` (both absolute and canonical). */
static void relative_path(const char *dir, const char *target, char *out, size_t n) {
  size_t i = 0, common = 0;
  while (dir[i] && dir[i] == target[i]) {
    if (dir[i] == '/') common = i + 1;
    i++;
  }
  const char *rest, *tail;
  if (!dir[i] && target[i] == '/') { /* target inside dir */
    rest = "";
    tail = target + i + 1;
  } else {
    rest = dir + common;
    tail = target + common;
  }
  out[0] = '\0';
  if (*rest) {
    strncat(out, "../", n - strlen(out) - 1);
    for (const char *s = rest; *s; s++)
      if (*s == '/') strncat(out, "../", n - strlen(out) - 1);
  }
  strncat(out, tail, n - strlen(out) - 1);
}

typedef struct override {
  char block[64], param[96];
  char comment[160];
} override;

static hs_status base_reference(const hs_cal_input *in, const char *path, char *ref, size_t n,
                                hs_err *err) {
  /* the directory of the output file, canonical */
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  char adir[PATH_MAX], atarget[PATH_MAX];
  if (!realpath(dir, adir))
    return hs_err_set(err, HS_ERR_IO, "%s: cannot resolve directory '%s': %s", path, dir,
                      strerror(errno));
  if (!in->patient_file) { /* bundled default: write it next to the output */
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(base);
    static const char *const EXT[] = {".yaml", ".yml", ".json"};
    for (int e = 0; e < 3; e++) {
      size_t el = strlen(EXT[e]);
      if (len > el && !strcmp(base + len - el, EXT[e])) {
        len -= el;
        break;
      }
    }
    snprintf(ref, n, "%.*s.base.yaml", (int)len, base);
    char full[PATH_MAX + 300];
    int w = snprintf(full, sizeof full, "%s/%s", adir, ref);
    if (w < 0 || (size_t)w >= sizeof full)
      return hs_err_set(err, HS_ERR_IO, "%s: the base patient's path would be too long", path);
    const char *text = hs_patient_default_text();
    return hs_write_file_atomic(full, text, strlen(text), err);
  }
  if (!realpath(in->patient_file, atarget))
    return hs_err_set(err, HS_ERR_IO, "cannot resolve the base patient '%s': %s",
                      in->patient_file, strerror(errno));
  /* relative when the two share more than the root directory, else absolute */
  const char *s1 = strchr(adir + 1, '/'), *s2 = strchr(atarget + 1, '/');
  size_t l1 = s1 ? (size_t)(s1 - adir) : strlen(adir), l2 = s2 ? (size_t)(s2 - atarget) : 0;
  if (!strcmp(adir, "/") || l1 != l2 || strncmp(adir, atarget, l1))
    snprintf(ref, n, "%s", atarget);
  else
    relative_path(adir, atarget, ref, n);
  return HS_OK;
}

/* The value of one override as the patient format writes it. */
static void value_text(const hs_model *m, const override *ov, char *buf, size_t n) {
  long b = block_index(m, ov->block);
  const hs_block_type *t = hs_model_block_type(m, (size_t)b);
  const hs_param_spec *spec = &t->params[hs_param_index(t, ov->param)];
  char path[168];
  snprintf(path, sizeof path, "%s.%s", ov->block, ov->param);
  double v = 0;
  hs_model_get(m, path, &v, NULL);
  if (spec->flags & HS_PARAM_BOOL) snprintf(buf, n, "%s", v > 0.5 ? "true" : "false");
  else if (spec->flags & HS_PARAM_CHOICE) snprintf(buf, n, "%s", spec->choices[(int)v]);
  else {
    fmt_exact(buf, n, v);
    if (hs_param_needs_unit(spec)) { /* a bare number would be refused: write the unit */
      size_t len = strlen(buf);
      snprintf(buf + len, n - len, " %s", hs_dim_unit(spec->dim));
    }
  }
}

static const char *unit_of(const hs_model *m, const override *ov) {
  long b = block_index(m, ov->block);
  const hs_block_type *t = hs_model_block_type(m, (size_t)b);
  return hs_dim_unit(t->params[hs_param_index(t, ov->param)].dim);
}

static int add(override *ov, size_t *nov, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static int add(override *ov, size_t *nov, const char *path, const char *fmt, ...) {
  const char *dot = strchr(path, '.');
  if (!dot) return 0;
  override *o = &ov[*nov];
  snprintf(o->block, sizeof o->block, "%.*s", (int)(dot - path), path);
  snprintf(o->param, sizeof o->param, "%s", dot + 1);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->comment, sizeof o->comment, fmt, ap);
  va_end(ap);
  /* a later entry (a fitted value) wins over an earlier one (a setting) */
  for (size_t i = 0; i < *nov; i++)
    if (!strcmp(ov[i].block, o->block) && !strcmp(ov[i].param, o->param)) {
      ov[i] = *o;
      return 0;
    }
  (*nov)++;
  return 1;
}

hs_status hs_cal_write_patient(const hs_cal_input *in, const hs_cal_result *r, const char *path,
                               hs_err *err) {
  const hs_model *m = r->model;
  if (!m) return hs_err_set(err, HS_ERR_STATE, "no calibrated model");
  char ref[PATH_MAX + 64];
  hs_status st = base_reference(in, path, ref, sizeof ref, err);
  if (st) return st;
  /* overrides: settings and measured hr/hemoglobin, then the fitted parameters */
  size_t cap = in->nset + r->nparams + hs_model_block_count(m) + 8, nov = 0;
  override *ov = calloc(cap, sizeof *ov);
  if (!ov) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < in->nset; i++)
    add(ov, &nov, in->set_path[i], "%s",
        !strcmp(in->set_path[i], "heart.heart_rate") || !strcmp(in->set_path[i], "oxygen.hemoglobin")
            ? "measured"
            : "set by the measurements file");
  const hs_cal_param *P = r->p;
  if (P[HS_CALP_LV_EES].estimated)
    add(ov, &nov, "lv.ees", "fitted (base %.4g)", P[HS_CALP_LV_EES].base);
  if (P[HS_CALP_LV_EDA].estimated)
    add(ov, &nov, "lv.ed_a", "fitted (base %.4g)", P[HS_CALP_LV_EDA].base);
  if (P[HS_CALP_RV_EES].estimated)
    add(ov, &nov, "rv.ees", "fitted (base %.4g)", P[HS_CALP_RV_EES].base);
  if (P[HS_CALP_SVR].estimated)
    for (size_t b = 0; b < hs_model_block_count(m); b++) {
      const hs_block_type *t = hs_model_block_type(m, b);
      const char *name = hs_model_block_name(m, b);
      char p2[160];
      double v;
      snprintf(p2, sizeof p2, "%s.systemic_bed", name);
      if (t->cls == HS_BLOCK_EDGE && hs_param_index(t, "systemic_bed") >= 0 &&
          !hs_model_get(m, p2, &v, NULL) && v > 0.5) {
        snprintf(p2, sizeof p2, "%s.resistance", name);
        add(ov, &nov, p2, "base x %.4g (systemic resistance multiplier, fitted)",
            P[HS_CALP_SVR].value);
      }
    }
  if (P[HS_CALP_PVR].estimated)
    add(ov, &nov, "pulm_arterioles.resistance", "base x %.4g (pulmonary multiplier, fitted)",
        P[HS_CALP_PVR].value);
  if (P[HS_CALP_VS].estimated)
    add(ov, &nov, "circulation.blood_volume", "stressed volume %.0f mL (base %.0f), fitted",
        P[HS_CALP_VS].value, P[HS_CALP_VS].base);
  hs_afile *af = hs_afile_open(path, err);
  if (!af) {
    free(ov);
    return err ? err->code : HS_ERR_IO;
  }
  FILE *f = hs_afile_stream(af);
  /* comments first (libyaml writes none) */
  hs_yaml_comment(f, "hemosim patient file written by `hemosim calibrate` from %s", in->file);
  hs_yaml_comment(f,
               "fit: %zu measurements, %zu parameters, objective %.3g (start %.3g), %d "
               "evaluations, %.1f s",
               r->nfit, r->nparams, r->cost, r->cost_start, r->evals, r->total_s);
  char flagged[512] = "";
  for (int j = 0; j < HS_CALP_COUNT; j++)
    if (P[j].estimated && !P[j].identifiable) {
      strncat(flagged, *flagged ? ", " : "", sizeof flagged - strlen(flagged) - 1);
      strncat(flagged, hs_calp_name((hs_calp)j), sizeof flagged - strlen(flagged) - 1);
    }
  if (*flagged) hs_yaml_comment(f, "not determined by the data (kept as fitted): %s", flagged);
  for (size_t i = 0; i < nov; i++) {
    const char *unit = unit_of(m, &ov[i]);
    hs_yaml_comment(f, "%s.%s: %s%s%s", ov[i].block, ov[i].param, unit, *unit ? "; " : "",
                 ov[i].comment);
  }
  /* the document, event by event */
  hs_yaml_out x;
  hs_yaml_begin(&x, f);
  hs_yaml_map_start(&x, 0);
  hs_yaml_pair(&x, "hemosim_patient", "1", 0);
  hs_yaml_pair(&x, "base", ref, 1);
  char text[PATH_MAX + 400];
  snprintf(text, sizeof text, "%s (calibrated)", hs_model_name(m));
  hs_yaml_pair(&x, "name", text, 1);
  snprintf(text, sizeof text, "Calibrated to %s with hemosim calibrate (docs/calibration.md).",
           in->file);
  hs_yaml_pair(&x, "description", text, 1);
  /* global blocks, then nodes, edges, devices; one entry per block */
  static const hs_block_class ORDER[4] = {HS_BLOCK_GLOBAL, HS_BLOCK_NODE, HS_BLOCK_EDGE,
                                          HS_BLOCK_DEVICE};
  static const char *const SECTION[4] = {NULL, "nodes", "edges", "devices"};
  for (int s = 0; s < 4; s++) {
    int section_open = 0;
    for (size_t b = 0; b < hs_model_block_count(m); b++) {
      const char *bname = hs_model_block_name(m, b);
      if (hs_model_block_type(m, b)->cls != ORDER[s]) continue;
      int any = 0;
      for (size_t i = 0; i < nov; i++) {
        if (strcmp(ov[i].block, bname)) continue;
        if (!section_open && SECTION[s]) {
          hs_yaml_scalar(&x, SECTION[s], 0);
          hs_yaml_map_start(&x, 0);
        }
        section_open = 1;
        if (!any) {
          hs_yaml_scalar(&x, bname, 0);
          hs_yaml_map_start(&x, 0);
        }
        any = 1;
        char num[64];
        value_text(m, &ov[i], num, sizeof num);
        hs_yaml_pair(&x, ov[i].param, num, 0);
      }
      if (any) hs_yaml_map_end(&x);
    }
    if (section_open && SECTION[s]) hs_yaml_map_end(&x);
  }
  hs_yaml_map_end(&x);
  free(ov);
  hs_status st_yaml = hs_yaml_end(&x, path, err);
  if (st_yaml) {
    hs_afile_abort(af);
    return st_yaml;
  }
  return hs_afile_commit(af, err);
}
