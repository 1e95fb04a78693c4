/*
 * decision_json.c - the JSON documents of a comparison (schema hemosim-compare/3) and
 * of an optimisation (hemosim-optimize/2): what `hemosim compare --json`, `hemosim
 * optimize --json`, the report directories and `hemosim serve` all write
 * (docs/decision.md, docs/output.md).  One implementation for every front end.  Both
 * say how they were made: version, patient, patient file, --set overrides (the
 * provenance every output carries, io/json_util.c), targets file, targets, context and
 * options, so that a result can be reproduced from the document alone.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/micro_model.h"
#include "hemosim/report.h"
#include "io/json_util.h"

#define SET HS_JSET

static json_t *values_json(const double *v) {
  json_t *o = json_object();
  int bad = !o;
  for (int k = 0; k < HS_CMP_NVAL; k++) SET(o, hs_compare_value_name(k), hs_jnum(v[k]));
  return hs_jdone(o, bad);
}

static json_t *risks_json(const hs_risk *risk) {
  json_t *rk = json_object();
  int bad = !rk;
  for (int k = 0; k < HS_RISK_N; k++) {
    json_t *x = json_object();
    SET(x, "level", json_string(hs_risk_level_name(risk[k].level)));
    SET(x, "value", hs_jnum(risk[k].value));
    SET(x, "value_is", json_string(hs_risk_value_name(k))); /* what the value is, */
    SET(x, "unit", json_string(hs_risk_value_unit(k)));     /* and its unit */
    SET(x, "finding", hs_jstr(risk[k].text));
    SET(rk, hs_risk_key(k), x);
  }
  return hs_jdone(rk, bad);
}

/* What a simulated row shares between compare and optimize: settings, how the ECMO
   flow was chosen, the values, the targets met and the risks. */
static int row_result(json_t *o, const hs_compare_row *r) {
  static const char *const T[HS_TGT_N] = {"pcwp", "map", "do2i", "svo2_drained", "sao2_upper"};
  int bad = 0;
  SET(o, "settings", hs_jstr(r->settings));
  SET(o, "ecmo_flow_titrated", json_boolean(r->titrated));
  SET(o, "perfusion_held", json_boolean(r->perfusion_held));
  SET(o, "flow_set_by_sao2_upper", json_boolean(r->flow_for_sao2));
  SET(o, "flow_set_by_heart", json_boolean(r->flow_for_heart));
  SET(o, "steady", json_boolean(r->steady));
  SET(o, "steady_states", json_integer(r->evals));
  /* the suction ceiling the titration met (null: none; docs/decision.md "Suction") */
  SET(o, "suction_ceiling_lpm", r->suction_lpm > 0 ? hs_jnum(r->suction_lpm) : json_null());
  SET(o, "values", values_json(r->v));
  json_t *m = json_object();
  for (int k = 0; k < HS_TGT_N; k++) SET(m, T[k], json_boolean(r->met[k]));
  SET(o, "targets_met", m);
  SET(o, "all_targets_met", json_boolean(r->all_met));
  SET(o, "missed", hs_jstr(r->missed));
  SET(o, "risks", risks_json(r->risk));
  return bad;
}

static json_t *row_json(const hs_compare_row *r) {
  json_t *o = json_object();
  int bad = !o;
  SET(o, "name", hs_jstr(r->name));
  SET(o, "label", hs_jstr(r->label));
  SET(o, "step", json_integer(r->step));
  SET(o, "ecmo_flow_sweep", json_boolean(r->is_flow_sweep));
  SET(o, "excluded", json_boolean(r->excluded));
  SET(o, "failed", json_boolean(r->failed));
  if (r->excluded) SET(o, "excluded_reason", hs_jstr(r->excluded_reason));
  else if (r->failed) SET(o, "failed_reason", hs_jstr(r->failed_reason));
  else bad |= row_result(o, r);
  return hs_jdone(o, bad);
}

static json_t *targets_json(const hs_targets *t) {
  json_t *tj = hs_jtargets(&(hs_jtargets_in){.pcwp_max_mmhg = t->pcwp_max_mmhg,
                                              .map_min_mmhg = t->map_min_mmhg,
                                              .do2i_min = t->do2i_min,
                                              .svo2_min_pct = t->svo2_min_pct,
                                              .sao2_upper_min_pct = t->sao2_upper_min_pct,
                                              .lactate_max_mmol_l = t->lactate_max_mmol_l,
                                              .psvd_min_mm_mm2 = t->psvd_min_mm_mm2,
                                              .heart_er_max = t->heart_er_max,
                                              .cvp_max_mmhg = t->cvp_max_mmhg,
                                              .flow_min_lpm = t->flow_min_lpm,
                                              .flow_max_lpm = t->flow_max_lpm});
  int bad = !tj;
  SET(tj, "flow_step_lpm", hs_jnum(t->flow_step_lpm));
  return hs_jdone(tj, bad);
}

static json_t *context_json(const hs_context *c) {
  static const char *const G[] = {"none", "mild", "moderate", "severe"};
  json_t *o = json_object(), *un = json_array();
  int bad = !o || !un;
  SET(o, "open_chest", json_boolean(c->open_chest));
  SET(o, "surgery_acceptable", json_boolean(c->surgery_acceptable));
  SET(o, "lv_thrombus", json_boolean(c->lv_thrombus));
  SET(o, "la_thrombus", json_boolean(c->la_thrombus));
  SET(o, "aortic_regurgitation", json_string(c->ar_grade >= 0 && c->ar_grade < 4 ? G[c->ar_grade] : "?"));
  SET(o, "peripheral_arterial_disease",
      json_string(c->pad_grade >= 0 && c->pad_grade < 4 ? G[c->pad_grade] : "?"));
  SET(o, "aortic_regurgitant_area_cm2", hs_jnum(c->ar_eroa_cm2));
  SET(o, "aortic_regurgitant_area_from", json_string(c->ar_eroa_cm2 <= 0 ? "none"
                                                     : c->ar_from_patient ? "patient" : "grade"));
  SET(o, "mechanical_aortic_valve", json_boolean(c->mechanical_av));
  SET(o, "vsd", json_boolean(c->vsd));
  SET(o, "anticoagulation_limited", json_boolean(c->anticoag_limited));
  SET(o, "distal_perfusion_cannula", json_boolean(c->distal_perfusion));
  SET(o, "right_heart_thrombus", json_boolean(c->right_heart_thrombus));
  SET(o, "ivc_filter", json_boolean(c->ivc_filter));
  SET(o, "prosthetic_right_valve", json_boolean(c->prosthetic_right_valve));
  SET(o, "no_cardiac_cycle", json_boolean(c->no_cardiac_cycle));
  for (int f = 0; un && f < HS_FAM_N; f++)
    if (c->unavailable & (1u << f)) bad |= json_array_append_new(un, json_string(hs_family_name(f))) != 0;
  SET(o, "unavailable", un);
  return hs_jdone(o, bad);
}

/* The provenance every output carries, and the targets file (null: none). */
static int inputs_json(json_t *root, const hs_provenance *prov, const char *targets_file,
                       const hs_targets *t) {
  int bad = hs_jprovenance(root, prov);
  if (!prov) SET(root, "patient", json_null());
  SET(root, "targets_file", hs_jstr(targets_file));
  SET(root, "targets", targets_json(t));
  return bad;
}

static json_t *row_name_or_null(const hs_compare_result *r, int i, int settings) {
  if (i < 0 || (size_t)i >= r->nrows) return json_null(); /* none (or not one of the rows) */
  return hs_jstr(settings ? r->rows[i].settings : r->rows[i].name);
}

/* The cases of the gain or threshold check into cases (nonzero: a JSON failure). */
static int check_cases(json_t *cases, const hs_compare_gain *cs, int n) {
  int bad = !cases;
  for (int k = 0; cases && k < n; k++) {
    const hs_compare_gain *c = &cs[k];
    json_t *o = json_object();
    SET(o, "gain", hs_jnum(c->gain));
    SET(o, "matching", json_boolean(c->gain > 0));
    SET(o, "critical_venous_po2_mmhg", hs_jnum(c->critical_po2_mmhg));
    SET(o, "all_met", json_boolean(c->found));
    SET(o, "same_strategy", json_boolean(c->same));
    /* the strategy answering in this case, or (all_met false) the closest */
    SET(o, "strategy", *c->name ? hs_jstr(c->name) : json_null());
    SET(o, "label", *c->label ? hs_jstr(c->label) : json_null());
    SET(o, "step", c->step ? json_integer(c->step) : json_null());
    SET(o, "ecmo_flow_lpm", hs_jnum(c->ecmo_lpm));
    SET(o, "pcwp_mmhg", hs_jnum(c->pcwp_mmhg));
    SET(o, "ischaemic_contractility", hs_jnum(c->ischaemic_contractility));
    SET(o, "missed", *c->missed ? hs_jstr(c->missed) : json_null());
    bad |= json_array_append_new(cases, o) != 0;
  }
  return bad;
}

/* What the gain and threshold checks share in their JSON object o: the verdict, the cases,
   the wall time and the note (nonzero: a JSON failure). */
static int check_json(json_t *o, int verdict, const hs_compare_gain *cs, int n, double wall_s,
                      const char *note) {
  int bad = 0;
  json_t *cases = json_array();
  SET(o, "verdict", json_string(verdict == 0   ? "holds"
                                : verdict == 1 ? "flow_varies"
                                : verdict == 2 ? "strategy_changes"
                                               : "failed"));
  bad |= check_cases(cases, cs, n);
  SET(o, "cases", cases);
  SET(o, "wall_s", hs_jnum(wall_s));
  SET(o, "note", hs_jstr(note));
  return bad;
}

char *hs_compare_json(const hs_compare_result *r, const hs_provenance *prov,
                      const char *targets_file, hs_err *err) {
  if (!r) {
    hs_err_set(err, HS_ERR_INVALID, "hs_compare_json: no result");
    return NULL;
  }
  json_t *root = json_object(), *rows = json_array(), *units = json_object();
  json_t *opt = json_object(), *sweep = json_array();
  int bad = !root || !rows || !units || !opt || !sweep;
  SET(root, "schema", json_string("hemosim-compare/3"));
  bad |= inputs_json(root, prov, targets_file, &r->targets);
  SET(root, "context", context_json(&r->context));
  SET(root, "context_note", *r->context_note ? hs_jstr(r->context_note) : json_null());
  json_t *mc = json_object(); /* the capillary dysfunction the PSVD* values use */
  for (int k = 0; mc && k < 3; k++)
    SET(mc, hs_micro_fit_field_name(k), hs_jnum(r->microcirculation[k]));
  SET(root, "microcirculation", mc);
  SET(opt, "hold_map", json_boolean(r->hold_map));
  for (size_t i = 0; sweep && i < r->nrows; i++) /* the sweep rows are "ecmo:F" */
    if (r->rows[i].is_flow_sweep && !strncmp(r->rows[i].name, "ecmo:", 5))
      bad |= json_array_append_new(sweep, hs_jnum(strtod(r->rows[i].name + 5, NULL))) != 0;
  SET(opt, "ecmo_flow_sweep_lpm", sweep);
  SET(root, "options", opt);
  for (int k = 0; k < HS_CMP_NVAL; k++)
    SET(units, hs_compare_value_name(k), json_string(hs_compare_value_unit(k)));
  SET(root, "units", units);
  SET(root, "recommended", row_name_or_null(r, r->recommended, 0));
  SET(root, "recommended_step", json_integer(r->step));
  SET(root, "recommended_settings", row_name_or_null(r, r->recommended, 1));
  SET(root, "reason", hs_jstr(r->reason));
  SET(root, "alternative_without_stasis", row_name_or_null(r, r->alternative, 0));
  SET(root, "passed_over", row_name_or_null(r, r->passed_over, 0));
  SET(root, "least_flow", row_name_or_null(r, r->least_flow, 0)); /* what it is measured against */
  /* differential hypoxaemia and its mitigation (null: no strategy concerned) */
  SET(root, "oxygen_note", *r->oxygen_note ? hs_jstr(r->oxygen_note) : json_null());
  /* the recommendation at the flow floor: de-escalation / weaning hint (null: not) */
  SET(root, "deescalation_note",
      *r->deescalation_note ? hs_jstr(r->deescalation_note) : json_null());
  /* a patient not on VA-ECMO: whether the recommendation holds without the circuit
     (null: on ECMO, or not simulated) */
  SET(root, "on_ecmo", json_boolean(r->on_ecmo));
  SET(root, "without_circuit_all_met",
      r->without_circuit < 0 ? json_null() : json_boolean(r->without_circuit));
  SET(root, "circuit_note", *r->circuit_note ? hs_jstr(r->circuit_note) : json_null());
  /* a cheaper step within a wedge reading of the PCWP limit (null: none) */
  SET(root, "near_miss", row_name_or_null(r, r->near_miss, 0));
  SET(root, "near_miss_note", *r->near_miss_note ? hs_jstr(r->near_miss_note) : json_null());
  /* the patient's critical coronary venous PO2: each row's heart_critical_extraction is the
     extraction that reaches it (null: no coronary block) */
  SET(root, "heart_critical_venous_po2_mmhg",
      isfinite(r->heart_po2_crit) ? hs_jnum(r->heart_po2_crit) : json_null());
  SET(root, "ischaemia_on", json_boolean(r->ischaemia_on));
  SET(root, "heart_alternative", row_name_or_null(r, r->heart_alternative, 0));
  SET(root, "heart_note", *r->heart_note ? hs_jstr(r->heart_note) : json_null());
  SET(root, "recheck_note", *r->recheck_note ? hs_jstr(r->recheck_note) : json_null());
  /* the gain check: the cheaper steps compared again at other gains of the perfusion-
     contraction matching (null: not run, docs/decision.md "The gain check") */
  json_t *gc = *r->gain_note ? json_object() : json_null();
  if (*r->gain_note && gc) {
    SET(gc, "patient_gain", hs_jnum(r->gain_patient));
    SET(gc, "ischaemic_strategies", json_integer(r->gain_ischaemic));
    bad |= check_json(gc, r->gain_verdict, r->gain, r->ngain, r->gain_wall_s, r->gain_note);
  }
  SET(root, "gain_check", gc);
  /* the threshold check: the cheaper steps compared again at other critical coronary venous
     PO2s (null: not run, docs/decision.md "The threshold check") */
  json_t *pc = *r->po2_note ? json_object() : json_null();
  if (*r->po2_note && pc) {
    SET(pc, "patient_critical_venous_po2_mmhg", hs_jnum(r->heart_po2_crit));
    SET(pc, "heart_decided_strategies", json_integer(r->po2_heart));
    bad |= check_json(pc, r->po2_verdict, r->po2, r->npo2, r->po2_wall_s, r->po2_note);
  }
  SET(root, "threshold_check", pc);
  /* the start check: the answer (else the closest) from rest (null: not run) */
  json_t *sc = r->start_row >= 0 || *r->start_note ? json_object() : json_null();
  if (sc && (r->start_row >= 0 || *r->start_note)) {
    SET(sc, "strategy", row_name_or_null(r, r->start_row, 0));
    SET(sc, "second_state", r->start_failed ? json_null() : json_boolean(r->start_differs));
    SET(sc, "failed", json_boolean(r->start_failed));
    json_t *sv = json_object();
    for (int k = 0; sv && k < HS_CMP_NVAL; k++)
      SET(sv, hs_compare_value_name(k), hs_jnum(r->start_v[k]));
    SET(sc, "values_from_rest", sv);
    SET(sc, "note", *r->start_note ? hs_jstr(r->start_note) : json_null());
  }
  SET(root, "start_check", sc);
  json_t *why = json_array();
  int last = r->recommended >= 0 ? r->step : HS_STEP_N;
  for (int s = 1; why && s < last; s++)
    if (*r->step_why[s]) {
      json_t *w = json_object();
      SET(w, "step", json_integer(s));
      SET(w, "name", json_string(hs_step_name(s)));
      SET(w, "why", hs_jstr(r->step_why[s]));
      bad |= json_array_append_new(why, w) != 0;
    }
  SET(root, "cheaper_steps", why);
  for (size_t i = 0; rows && i < r->nrows; i++)
    bad |= json_array_append_new(rows, row_json(&r->rows[i])) != 0;
  SET(root, "strategies", rows);
  /* a patient not on VA-ECMO: support without a circuit, in order of invasiveness
     (null: on ECMO, or a given strategy list) */
  json_t *lad = r->nladder ? json_array() : json_null();
  for (int i = 0; lad && i < r->nladder; i++)
    bad |= json_array_append_new(lad, row_json(&r->ladder[i])) != 0;
  SET(root, "without_circuit", lad);
  SET(root, "without_circuit_least",
      r->nladder && r->ladder_least >= 0 ? json_string(r->ladder[r->ladder_least].name)
                                         : json_null());
  SET(root, "without_circuit_note", *r->ladder_note ? hs_jstr(r->ladder_note) : json_null());
  SET(root, "wall_s", hs_jnum(r->wall_s));
  return hs_jdump(root, bad, 6, "the comparison", err);
}

char *hs_optimize_json(const hs_optimize_result *r, const hs_provenance *prov,
                       const char *targets_file, hs_err *err) {
  if (!r || !r->npoints) {
    hs_err_set(err, HS_ERR_INVALID, "hs_optimize_json: no result");
    return NULL;
  }
  json_t *root = json_object(), *pts = json_array(), *opt = json_object(), *units = json_object();
  int bad = !root || !pts || !opt || !units;
  SET(root, "schema", json_string("hemosim-optimize/2"));
  bad |= inputs_json(root, prov, targets_file, &r->targets);
  SET(root, "context", context_json(&r->context));
  SET(opt, "hold_map", json_boolean(r->hold_map));
  SET(opt, "ecmo_flow", json_string(hs_optimize_flow_name(r->ecmo_flow)));
  SET(root, "options", opt);
  SET(root, "strategy", hs_jstr(r->strategy));
  SET(root, "setting", hs_jstr(r->setting));
  for (int k = 0; k < HS_CMP_NVAL; k++)
    SET(units, hs_compare_value_name(k), json_string(hs_compare_value_unit(k)));
  SET(root, "units", units);
  for (size_t i = 0; pts && i < r->npoints; i++) {
    json_t *o = json_object();
    SET(o, "setting", hs_jnum(r->setting_value[i]));
    SET(o, "label", hs_jstr(r->rows[i].label));
    SET(o, "failed", json_boolean(r->rows[i].failed));
    if (r->rows[i].failed) SET(o, "failed_reason", hs_jstr(r->rows[i].failed_reason));
    bad |= !o || row_result(o, &r->rows[i]);
    bad |= json_array_append_new(pts, o) != 0;
  }
  SET(root, "points", pts);
  SET(root, "chosen", r->chosen >= 0 ? hs_jnum(r->setting_value[r->chosen]) : json_null());
  SET(root, "closest", hs_jnum(r->setting_value[r->closest]));
  SET(root, "passed_over",
      r->passed_over >= 0 ? hs_jnum(r->setting_value[r->passed_over]) : json_null());
  SET(root, "least_flow",
      r->least_flow >= 0 ? hs_jnum(r->setting_value[r->least_flow]) : json_null());
  SET(root, "reason", hs_jstr(r->reason));
  return hs_jdump(root, bad, 6, "the optimisation", err);
}
