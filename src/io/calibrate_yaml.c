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

typedef struct override {
  char block[64], param[96];
  char comment[160];
} override;

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
    hs_yaml_exact(buf, n, v);
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
  hs_status st = hs_yaml_base_reference(in->patient_file, path, ref, sizeof ref, err);
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
  for (int k = 0; r->micro && k < HS_MFIT_COUNT; k++) {
    char mpath[64];
    snprintf(mpath, sizeof mpath, "microcirculation.%s", hs_micro_fit_field_name(k));
    add(ov, &nov, mpath, "fitted to the sublingual measurement %s%s", in->micro_file,
        r->micro->fit.bound[k] ? " (at its limit)" : "");
  }
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
