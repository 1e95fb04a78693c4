/*
 * io/micro_fit_out.c - what `hemosim micro fit` writes (hemosim/micro_model.h): the
 * text table, the JSON (schema hemosim-micro-fit/1, docs/microcirculation.md) and the
 * patient file with the fitted `microcirculation` block (libyaml emitter, io/yaml_out.h).
 */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "hemosim/micro_model.h"
#include "io/json_util.h"
#include "io/micro_fit_out.h"
#include "io/yaml_out.h"

#define SET HS_JSET

/* A drug's name: the drugs block's parameter d (HS_DRUG_* order, as micro_io.c reads the
   measurement's vasoactive doses). */
static const char *drug_name(int d) {
  const hs_block_type *t = hs_block_type_find("drugs");
  return t && d >= 0 && d < t->nparams ? t->params[d].name : "?";
}

static double field(const hs_micro_model_params *p, int k) {
  return k == HS_MFIT_OBSTRUCTED ? p->obstructed
         : k == HS_MFIT_OEDEMA   ? p->oedema
                                 : p->vasoconstriction;
}

/* "ECMO 3.4 L/min, norepinephrine 0.12, dobutamine 5 ug/kg/min" or "the patient's own
   settings" */
static void settings_text(const hs_micro_patient_fit *f, char *buf, size_t n) {
  buf[0] = '\0';
  size_t len = 0;
  if (isfinite(f->ecmo_flow_lpm))
    len += (size_t)snprintf(buf + len, n - len, "ECMO %g L/min", f->ecmo_flow_lpm);
  int any = 0;
  for (int d = 0; f->doses_set && d < HS_DRUG_COUNT && len < n; d++) {
    if (!(f->doses[d] > 0)) continue;
    len += (size_t)snprintf(buf + len, n - len, "%s%s %g%s", len ? ", " : "", drug_name(d),
                            f->doses[d], d == HS_DRUG_VASOPRESSIN ? " U/kg/min" : "");
    any = 1;
  }
  if (any && len < n) snprintf(buf + len, n - len, " (ug/kg/min)");
  else if (f->doses_set && len < n)
    snprintf(buf + len, n - len, "%sno vasoactive drug", len ? ", " : "");
  if (!buf[0]) snprintf(buf, n, "the patient's own settings");
}

char *hs_micro_fit_text(const char *patient_file, const char *micro_file,
                        const hs_micro_patient_fit *f, hs_err *err) {
  hs_textbuf t;
  FILE *o = hs_textbuf_open(&t, "micro fit table", err);
  if (!o) return NULL;
  char set[512];
  settings_text(f, set, sizeof set);
  const hs_micro_model_input *in = &f->in;
  fprintf(o, "microcirculation fit: %s to %s\n", patient_file ? patient_file : "(default patient)",
          micro_file ? micro_file : "(measurement)");
  fprintf(o, "state at the measurement: %s; %s\n", set,
          f->steady ? "steady state reached"
                    : "steady state NOT reached (values of the last beats)");
  fprintf(o, "  MAP %.0f mmHg, CVP %.0f mmHg, CI %.2f L/min/m2, Hb %.1f g/dL, upper-body SaO2 "
             "%.0f %%, drug arteriolar tone x%.2f\n\n",
          in->map_mmhg, in->cvp_mmhg, in->ci_lpm_m2, in->hb_gdl, in->sao2_upper_pct,
          in->drug_tone);
  fprintf(o, "small vessels            measured  model before  model fitted\n");
  const hs_micro_model_output *b = &f->pred_before, *a = &f->fit.pred;
  const hs_micro_measured *m = &f->meas;
  fprintf(o, "  TVD (mm/mm2)           %8.2f  %12.2f  %12.2f\n", m->tvd_mm_mm2, b->tvd_mm_mm2,
          a->tvd_mm_mm2);
  fprintf(o, "  PPV (%%)                %8.1f  %12.1f  %12.1f\n", m->ppv_pct, b->ppv_pct,
          a->ppv_pct);
  fprintf(o, "  PVD = PSVD (mm/mm2)    %8.2f  %12.2f  %12.2f\n", m->pvd_mm_mm2, b->pvd_mm_mm2,
          a->pvd_mm_mm2);
  fprintf(o, "  no-flow share (%%)      %8.1f  %12.1f  %12.1f\n\n", m->no_flow_pct,
          100 * b->frac[HS_FLOW_NONE], 100 * a->frac[HS_FLOW_NONE]);
  fprintf(o, "capillary dysfunction    before    fitted\n");
  for (int k = 0; k < HS_MFIT_COUNT; k++) {
    fprintf(o, "  %-20s %8.3f  %8.3f%s\n", hs_micro_fit_field_name(k), field(&f->before, k),
            field(&f->fit.p, k), f->fit.bound[k] ? "  (at its limit)" : "");
  }
  for (int k = 0; k < HS_MFIT_COUNT; k++)
    if (f->fit.note[k][0]) fprintf(o, "note: %s: %s\n", hs_micro_fit_field_name(k), f->fit.note[k]);
  fprintf(o,
          "\nmicrocirculation:\n  obstructed: %.4g\n  oedema: %.4g\n  vasoconstriction: %.4g\n",
          f->fit.p.obstructed, f->fit.p.oedema, f->fit.p.vasoconstriction);
  return hs_textbuf_close(&t, "micro fit table", err);
}

static json_t *micro_obj(const hs_micro_model_output *p) {
  json_t *o = json_object();
  int bad = !o;
  if (o) {
    SET(o, "tvd_mm_mm2", hs_jnum(p->tvd_mm_mm2));
    SET(o, "ppv_pct", hs_jnum(p->ppv_pct));
    SET(o, "pvd_mm_mm2", hs_jnum(p->pvd_mm_mm2));
    SET(o, "no_flow_pct", hs_jnum(100 * p->frac[HS_FLOW_NONE]));
    SET(o, "mfi", hs_jnum(p->mfi));
  }
  return hs_jdone(o, bad);
}

static json_t *dysfunction_obj(const hs_micro_model_params *p) {
  json_t *o = json_object();
  int bad = !o;
  for (int k = 0; o && k < HS_MFIT_COUNT; k++)
    SET(o, hs_micro_fit_field_name(k), hs_jnum(field(p, k)));
  return hs_jdone(o, bad);
}

/* The fit's members (state, measured, before, fitted, predictions, at_limit) into root. */
static int fit_members(json_t *root, const hs_micro_patient_fit *f) {
  int bad = 0;
  json_t *state = json_object();
  if (state) {
    SET(state, "ecmo_flow_lpm", hs_jnum(f->ecmo_flow_lpm));
    json_t *doses = f->doses_set ? json_object() : json_null();
    for (int d = 0; f->doses_set && doses && d < HS_DRUG_COUNT; d++)
      SET(doses, drug_name(d), hs_jnum(f->doses[d]));
    SET(state, "vasoactive", doses);
    SET(state, "steady", json_boolean(f->steady));
    SET(state, "map_mmhg", hs_jnum(f->in.map_mmhg));
    SET(state, "cvp_mmhg", hs_jnum(f->in.cvp_mmhg));
    SET(state, "ci_lpm_m2", hs_jnum(f->in.ci_lpm_m2));
    SET(state, "hemoglobin_gdl", hs_jnum(f->in.hb_gdl));
    SET(state, "sao2_upper_pct", hs_jnum(f->in.sao2_upper_pct));
    SET(state, "drug_tone", hs_jnum(f->in.drug_tone));
  }
  SET(root, "state", state);
  json_t *meas = json_object();
  if (meas) {
    SET(meas, "tvd_mm_mm2", hs_jnum(f->meas.tvd_mm_mm2));
    SET(meas, "ppv_pct", hs_jnum(f->meas.ppv_pct));
    SET(meas, "pvd_mm_mm2", hs_jnum(f->meas.pvd_mm_mm2));
    SET(meas, "no_flow_pct", hs_jnum(f->meas.no_flow_pct));
  }
  SET(root, "measured", meas);
  SET(root, "before", dysfunction_obj(&f->before));
  SET(root, "predicted_before", micro_obj(&f->pred_before));
  SET(root, "fitted", dysfunction_obj(&f->fit.p));
  SET(root, "predicted_fitted", micro_obj(&f->fit.pred));
  json_t *notes = json_array();
  for (int k = 0; notes && k < HS_MFIT_COUNT; k++) {
    if (!f->fit.bound[k]) continue;
    json_t *n = json_object();
    if (n) {
      SET(n, "field", json_string(hs_micro_fit_field_name(k)));
      SET(n, "limit", json_string(f->fit.bound[k] < 0 ? "lower" : "upper"));
      SET(n, "note", hs_jstr(f->fit.note[k]));
    }
    bad |= !n || json_array_append_new(notes, n);
  }
  SET(root, "at_limit", notes);
  return bad;
}

json_t *hs_micro_fit_jobj(const char *micro_file, const hs_micro_patient_fit *f) {
  json_t *o = json_object();
  int bad = !o;
  if (o) {
    SET(o, "measurement_file", hs_jstr(micro_file));
    SET(o, "time_point", f->time_point ? json_integer(f->time_point) : json_null());
    SET(o, "hours_since_ecmo", hs_jnum(f->hours_since_ecmo));
    bad |= fit_members(o, f);
  }
  return hs_jdone(o, bad);
}

char *hs_micro_fit_json(const hs_provenance *prov, const char *const *micro_files,
                        const hs_micro_patient_fit *f, size_t n, hs_err *err) {
  json_t *root = json_object(), *fits = json_array();
  int bad = !root || !fits;
  if (!root) {
    json_decref(fits);
    return hs_jdump(NULL, 1, 6, "micro fit JSON", err);
  }
  SET(root, "schema", json_string("hemosim-micro-fit/1"));
  bad |= hs_jprovenance(root, prov);
  for (size_t i = 0; fits && i < n; i++) {
    json_t *o = hs_micro_fit_jobj(micro_files ? micro_files[i] : NULL, &f[i]);
    bad |= !o || json_array_append_new(fits, o);
  }
  SET(root, "fits", fits);
  return hs_jdump(root, bad, 6, "micro fit JSON", err);
}

char *hs_micro_fit_course_text(const char *const *micro_files, const hs_micro_patient_fit *f,
                               size_t n, hs_err *err) {
  hs_textbuf t;
  FILE *o = hs_textbuf_open(&t, "micro fit course", err);
  if (!o) return NULL;
  fprintf(o, "course of the capillary dysfunction (%zu time points):\n", n);
  fprintf(o, "  %-5s %7s %9s %10s %11s %8s %17s  %s\n", "time", "h ECMO", "ECMO L/min",
          "PSVD meas.", "obstructed", "oedema", "vasoconstriction", "file");
  for (size_t i = 0; i < n; i++) {
    char tp[8], h[16], q[16];
    if (f[i].time_point) snprintf(tp, sizeof tp, "T%d", f[i].time_point);
    else snprintf(tp, sizeof tp, "-");
    if (isfinite(f[i].hours_since_ecmo)) snprintf(h, sizeof h, "%.1f", f[i].hours_since_ecmo);
    else snprintf(h, sizeof h, "-");
    if (isfinite(f[i].ecmo_flow_lpm)) snprintf(q, sizeof q, "%.2f", f[i].ecmo_flow_lpm);
    else snprintf(q, sizeof q, "-");
    const hs_micro_model_params *p = &f[i].fit.p;
    fprintf(o, "  %-5s %7s %9s %10.2f %11.4g %8.4g %17.4g  %s%s\n", tp, h, q,
            f[i].meas.pvd_mm_mm2, p->obstructed, p->oedema, p->vasoconstriction,
            micro_files && micro_files[i] ? micro_files[i] : "",
            f[i].fit.bound[0] || f[i].fit.bound[1] || f[i].fit.bound[2] ? " (a value at its limit)"
                                                                          : "");
  }
  return hs_textbuf_close(&t, "micro fit course", err);
}

hs_status hs_micro_fit_write_patient(const char *patient_file, const char *patient_name,
                                     const char *micro_file, const hs_micro_patient_fit *f,
                                     const char *path, hs_err *err) {
  if (!f || !path) return hs_err_set(err, HS_ERR_INVALID, "micro fit: NULL argument");
  char ref[PATH_MAX + 64];
  hs_status st = hs_yaml_base_reference(patient_file, path, ref, sizeof ref, err);
  if (st) return st;
  hs_afile *af = hs_afile_open(path, err);
  if (!af) return err ? err->code : HS_ERR_IO;
  FILE *o = hs_afile_stream(af);
  char set[512];
  settings_text(f, set, sizeof set);
  hs_yaml_comment(o, "hemosim patient file written by `hemosim micro fit` from %s",
                  micro_file ? micro_file : "(measurement)");
  hs_yaml_comment(o, "fitted at: %s; MAP %.0f, CVP %.0f mmHg, CI %.2f L/min/m2, Hb %.1f g/dL%s",
                  set, f->in.map_mmhg, f->in.cvp_mmhg, f->in.ci_lpm_m2, f->in.hb_gdl,
                  f->steady ? "" : " (steady state not reached)");
  hs_yaml_comment(o,
                  "small vessels measured: TVD %.2f mm/mm2, PPV %.1f %%, no flow %.1f %%, PSVD "
                  "%.2f; fitted model: TVD %.2f, PPV %.1f, PSVD %.2f",
                  f->meas.tvd_mm_mm2, f->meas.ppv_pct, f->meas.no_flow_pct, f->meas.pvd_mm_mm2,
                  f->fit.pred.tvd_mm_mm2,
                  f->fit.pred.ppv_pct, f->fit.pred.pvd_mm_mm2);
  for (int k = 0; k < HS_MFIT_COUNT; k++)
    if (f->fit.note[k][0])
      hs_yaml_comment(o, "%s at its limit: %s", hs_micro_fit_field_name(k), f->fit.note[k]);
  hs_yaml_out x;
  hs_yaml_begin(&x, o);
  hs_yaml_map_start(&x, 0);
  hs_yaml_pair(&x, "hemosim_patient", "1", 0);
  hs_yaml_pair(&x, "base", ref, 1);
  char text[PATH_MAX + 400];
  snprintf(text, sizeof text, "%s (microcirculation fitted)",
           patient_name ? patient_name : "patient");
  hs_yaml_pair(&x, "name", text, 1);
  snprintf(text, sizeof text,
           "Capillary dysfunction fitted to the sublingual measurement %s with hemosim micro "
           "fit (docs/microcirculation.md).",
           micro_file ? micro_file : "");
  hs_yaml_pair(&x, "description", text, 1);
  hs_yaml_scalar(&x, "microcirculation", 0);
  hs_yaml_map_start(&x, 0);
  for (int k = 0; k < HS_MFIT_COUNT; k++) {
    char num[64];
    snprintf(num, sizeof num, "%.4g", field(&f->fit.p, k)); /* rounded so by the fit */
    hs_yaml_pair(&x, hs_micro_fit_field_name(k), num, 0);
  }
  hs_yaml_map_end(&x);
  hs_yaml_map_end(&x);
  if ((st = hs_yaml_end(&x, path, err))) {
    hs_afile_abort(af);
    return st;
  }
  return hs_afile_commit(af, err);
}
