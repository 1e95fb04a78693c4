/*
 * io/calibrate_json.c - the calibration result as JSON (hemosim-calibrate/1;
 * hemosim/calibrate.h, docs/calibration.md).
 */
#include <math.h>

#include "hemosim/calibrate.h"
#include "hemosim/hemosim.h"
#include "io/json_util.h"
#include "io/micro_fit_out.h"

#define SET HS_JSET

static json_t *rows_json(const hs_cal_result *r) {
  json_t *rows = json_array();
  int bad = !rows;
  for (size_t i = 0; !bad && i < r->nrows; i++) {
    const hs_cal_row *w = &r->rows[i];
    json_t *o = json_object();
    SET(o, "name", json_string(hs_calq_name(w->q)));
    SET(o, "metric", *hs_calq_metric(w->q) ? json_string(hs_calq_metric(w->q)) : json_null());
    SET(o, "unit", json_string(hs_calq_unit(w->q)));
    SET(o, "fitted", json_boolean(w->fitted));
    SET(o, "measured", hs_jnum(w->measured));
    SET(o, "sd", w->fitted ? hs_jnum(w->sd) : json_null());
    SET(o, "simulated", hs_jnum(w->simulated));
    SET(o, "residual_sd", w->fitted ? hs_jnum(w->residual) : json_null());
    bad |= !o || json_array_append_new(rows, o);
  }
  return hs_jdone(rows, bad);
}

static json_t *params_json(const hs_cal_result *r) {
  json_t *ps = json_array();
  int bad = !ps;
  for (int j = 0; !bad && j < HS_CALP_COUNT; j++) {
    const hs_cal_param *p = &r->p[j];
    json_t *o = json_object();
    SET(o, "name", json_string(hs_calp_name((hs_calp)j)));
    SET(o, "unit", json_string(hs_calp_unit((hs_calp)j)));
    SET(o, "description", json_string(hs_calp_doc((hs_calp)j)));
    SET(o, "estimated", json_boolean(p->estimated));
    SET(o, "base", hs_jnum(p->base));
    SET(o, "start", hs_jnum(p->start));
    SET(o, "value", hs_jnum(p->value));
    SET(o, "lower", hs_jnum(p->lower));
    SET(o, "upper", hs_jnum(p->upper));
    SET(o, "log_scale", json_true());
    if (p->estimated) {
      SET(o, "at_bound", json_string(p->at_bound < 0   ? "lower"
                                     : p->at_bound > 0 ? "upper"
                                                       : "none"));
      SET(o, "rse_pct", hs_jnum(100 * p->rse));
      SET(o, "rse_null_pct", hs_jnum(100 * p->rse_null));
      SET(o, "identifiable", json_boolean(p->identifiable));
      SET(o, "note", hs_jstr(p->note));
    }
    bad |= !o || json_array_append_new(ps, o);
  }
  return hs_jdone(ps, bad);
}

static json_t *fisher_json(const hs_cal_result *r) {
  json_t *fim = json_array();
  int bad = !fim;
  for (size_t k = 0; !bad && k < r->nparams; k++) {
    json_t *o = json_object(), *v = json_object();
    SET(o, "eigenvalue", hs_jnum(r->eig[k]));
    SET(o, "weak", json_boolean(r->eig[k] < HS_CAL_WEAK_EIG));
    for (size_t j = 0; j < r->nparams; j++)
      SET(v, hs_calp_name((hs_calp)r->eig_param[j]), hs_jnum(r->eigvec[k][j]));
    SET(o, "vector", v);
    bad |= !o || json_array_append_new(fim, o);
  }
  return hs_jdone(fim, bad);
}

char *hs_cal_result_json(const hs_cal_input *in, const hs_cal_result *r,
                         const hs_cal_options *opt, const char *calibrated_file, hs_err *err) {
  json_t *root = json_object(), *fit = json_object(), *options = json_object();
  int bad = 0;
  SET(root, "schema", json_string("hemosim-calibrate/1"));
  SET(root, "hemosim_version", json_string(HS_VERSION));
  SET(root, "measurements_file", hs_jstr(in->file));
  SET(root, "patient_file", hs_jstr(in->patient_file));
  SET(root, "calibrated_patient_file", hs_jstr(calibrated_file));
  if (opt) {
    SET(options, "max_evals", json_integer(opt->max_evals));
    SET(options, "fd_step", hs_jnum(opt->fd_step));
    SET(root, "options", options);
  } else {
    json_decref(options);
  }
  SET(root, "measurements", rows_json(r));
  SET(root, "parameters", params_json(r));
  SET(root, "fisher_eigen", fisher_json(r));
  SET(fit, "objective_start", hs_jnum(r->cost_start));
  SET(fit, "objective", hs_jnum(r->cost));
  SET(fit, "fitted_measurements", json_integer((json_int_t)r->nfit));
  SET(fit, "estimated_parameters", json_integer((json_int_t)r->nparams));
  SET(fit, "evaluations", json_integer(r->evals));
  SET(fit, "sensitivity_evaluations", json_integer(r->sens_evals));
  SET(fit, "failed_evaluations", json_integer(r->failed_evals));
  SET(fit, "stop", hs_jstr(r->stop));
  SET(fit, "steady", json_boolean(r->steady));
  SET(fit, "fit_s", hs_jnum(r->fit_s));
  SET(fit, "sensitivity_s", hs_jnum(r->sens_s));
  SET(fit, "total_s", hs_jnum(r->total_s));
  SET(fit, "warning", *r->warning ? hs_jstr(r->warning) : json_null());
  SET(root, "fit", fit);
  /* the capillary dysfunction fitted to the file's sublingual measurement (null: none) */
  SET(root, "microcirculation",
      r->micro ? hs_micro_fit_jobj(in->micro_file, r->micro) : json_null());
  return hs_jdump(root, bad, 6, "the calibration result", err);
}
