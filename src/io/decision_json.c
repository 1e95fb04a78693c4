/*
 * decision_json.c - the JSON documents of a comparison (schema hemosim-compare/2) and
 * of an optimisation (hemosim-optimize/1): what `hemosim compare --json`, `hemosim
 * optimize --json`, the report directories and `hemosim serve` all write
 * (docs/decision.md, docs/output.md).  One implementation for every front end.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/report.h"

static json_t *num_or_null(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *values_json(const double *v) {
  json_t *o = json_object();
  for (int k = 0; k < HS_CMP_NVAL; k++)
    json_object_set_new(o, hs_compare_value_name(k), num_or_null(v[k]));
  return o;
}

static json_t *row_json(const hs_compare_row *r) {
  json_t *o = json_object();
  static const char *const T[HS_TGT_N] = {"pcwp", "map", "do2i", "svo2_drained"};
  json_object_set_new(o, "name", json_string(r->name));
  json_object_set_new(o, "label", json_string(r->label));
  json_object_set_new(o, "step", json_integer(r->step));
  json_object_set_new(o, "ecmo_flow_sweep", json_boolean(r->is_flow_sweep));
  json_object_set_new(o, "excluded", json_boolean(r->excluded));
  if (r->excluded) {
    json_object_set_new(o, "excluded_reason", json_string(r->excluded_reason));
    return o;
  }
  json_object_set_new(o, "settings", json_string(r->settings));
  json_object_set_new(o, "ecmo_flow_titrated", json_boolean(r->titrated));
  json_object_set_new(o, "perfusion_held", json_boolean(r->perfusion_held));
  json_object_set_new(o, "steady", json_boolean(r->steady));
  json_object_set_new(o, "steady_states", json_integer(r->evals));
  json_object_set_new(o, "values", values_json(r->v));
  json_t *m = json_object();
  for (int k = 0; k < HS_TGT_N; k++) json_object_set_new(m, T[k], json_boolean(r->met[k]));
  json_object_set_new(o, "targets_met", m);
  json_object_set_new(o, "all_targets_met", json_boolean(r->all_met));
  json_object_set_new(o, "missed", json_string(r->missed));
  json_t *rk = json_object();
  for (int k = 0; k < HS_RISK_N; k++) {
    json_t *x = json_object();
    json_object_set_new(x, "level", json_string(hs_risk_level_name(r->risk[k].level)));
    json_object_set_new(x, "value", num_or_null(r->risk[k].value));
    json_object_set_new(x, "finding", json_string(r->risk[k].text));
    json_object_set_new(rk, hs_risk_key(k), x);
  }
  json_object_set_new(o, "risks", rk);
  return o;
}

static char *dump(json_t *root, hs_err *err) {
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                           JSON_REAL_PRECISION(6))
                    : NULL;
  json_decref(root);
  if (!text) hs_err_set(err, HS_ERR_NOMEM, "out of memory while writing JSON");
  return text;
}

static json_t *row_name_or_null(const hs_compare_result *r, int i, int settings) {
  if (i < 0) return json_null();
  return json_string(settings ? r->rows[i].settings : r->rows[i].name);
}

char *hs_compare_json(const hs_compare_result *r, const char *patient, hs_err *err) {
  if (!r) {
    hs_err_set(err, HS_ERR_INVALID, "hs_compare_json: no result");
    return NULL;
  }
  const hs_targets *t = &r->targets;
  json_t *root = json_object(), *rows = json_array(), *units = json_object();
  json_object_set_new(root, "schema", json_string("hemosim-compare/2"));
  json_object_set_new(root, "patient", json_string(patient ? patient : ""));
  json_t *tj = json_object();
  json_object_set_new(tj, "pcwp_max_mmhg", json_real(t->pcwp_max_mmhg));
  json_object_set_new(tj, "map_min_mmhg", json_real(t->map_min_mmhg));
  json_object_set_new(tj, "do2i_min_mlmin_m2", json_real(t->do2i_min));
  json_object_set_new(tj, "svo2_drained_min_pct", json_real(t->svo2_min_pct));
  json_object_set_new(tj, "lactate_max_mmol_l", /* null: not a target */
                      t->lactate_max_mmol_l > 0 ? json_real(t->lactate_max_mmol_l) : json_null());
  json_object_set_new(tj, "flow_min_lpm", json_real(t->flow_min_lpm));
  json_object_set_new(tj, "flow_max_lpm", json_real(t->flow_max_lpm));
  json_object_set_new(root, "targets", tj);
  for (int k = 0; k < HS_CMP_NVAL; k++)
    json_object_set_new(units, hs_compare_value_name(k), json_string(hs_compare_value_unit(k)));
  json_object_set_new(root, "units", units);
  json_object_set_new(root, "recommended", row_name_or_null(r, r->recommended, 0));
  json_object_set_new(root, "recommended_step", json_integer(r->step));
  json_object_set_new(root, "recommended_settings", row_name_or_null(r, r->recommended, 1));
  json_object_set_new(root, "reason", json_string(r->reason));
  json_object_set_new(root, "alternative_without_stasis", row_name_or_null(r, r->alternative, 0));
  json_t *why = json_array();
  int last = r->recommended >= 0 ? r->step : HS_STEP_N;
  for (int s = 1; s < last; s++)
    if (*r->step_why[s]) {
      json_t *w = json_object();
      json_object_set_new(w, "step", json_integer(s));
      json_object_set_new(w, "name", json_string(hs_step_name(s)));
      json_object_set_new(w, "why", json_string(r->step_why[s]));
      json_array_append_new(why, w);
    }
  json_object_set_new(root, "cheaper_steps", why);
  for (size_t i = 0; i < r->nrows; i++) json_array_append_new(rows, row_json(&r->rows[i]));
  json_object_set_new(root, "strategies", rows);
  json_object_set_new(root, "wall_s", json_real(r->wall_s));
  return dump(root, err);
}

char *hs_optimize_json(const hs_optimize_result *r, hs_err *err) {
  if (!r || !r->npoints) {
    hs_err_set(err, HS_ERR_INVALID, "hs_optimize_json: no result");
    return NULL;
  }
  json_t *root = json_object(), *pts = json_array();
  json_object_set_new(root, "schema", json_string("hemosim-optimize/1"));
  json_object_set_new(root, "strategy", json_string(r->strategy));
  json_object_set_new(root, "setting", json_string(r->setting));
  for (size_t i = 0; i < r->npoints; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "setting", json_real(r->setting_value[i]));
    json_object_set_new(o, "values", values_json(r->rows[i].v));
    json_object_set_new(o, "all_targets_met", json_boolean(r->rows[i].all_met));
    json_array_append_new(pts, o);
  }
  json_object_set_new(root, "points", pts);
  json_object_set_new(root, "chosen",
                      r->chosen >= 0 ? json_real(r->setting_value[r->chosen]) : json_null());
  json_object_set_new(root, "closest", json_real(r->setting_value[r->closest]));
  json_object_set_new(root, "reason", json_string(r->reason));
  return dump(root, err);
}
