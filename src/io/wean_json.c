/*
 * io/wean_json.c - the weaning trial as JSON (hemosim-wean/1; hemosim/compare.h).
 */
#include "hemosim/compare.h"
#include "io/json_util.h"

#define SET HS_JSET

static json_t *values_json(const double *v) {
  json_t *o = json_object();
  int bad = !o;
  for (int k = 0; k < HS_CMP_NVAL; k++) SET(o, hs_compare_value_name(k), hs_jnum(v[k]));
  return hs_jdone(o, bad);
}

char *hs_wean_json(const hs_wean_result *r, const hs_provenance *prov, hs_err *err) {
  static const char *const K[HS_WEAN_N] = {"pulse_pressure", "lvef", "aortic_vti",
                                           "map", "cvp_rise", "pcwp_rise", "lactate_plateau"};
  const int lact = r->crit.lactate_max_mmol_l > 0; /* else the lactate criterion is null */
  json_t *root = json_object(), *cr = json_object(), *opt = json_object();
  int bad = 0;
  SET(root, "schema", json_string("hemosim-wean/1"));
  bad |= hs_jprovenance(root, prov);
  SET(opt, "flow_lpm", hs_jnum(r->crit.flow_lpm));
  SET(opt, "lvot_diam_cm", hs_jnum(r->crit.lvot_diam_cm));
  SET(opt, "step_lpm", hs_jnum(r->crit.step_lpm)); /* 0: one step */
  SET(opt, "lactate_max_mmol_l", /* null: not a criterion */
      r->crit.lactate_max_mmol_l > 0 ? hs_jnum(r->crit.lactate_max_mmol_l) : json_null());
  SET(root, "options", opt);
  SET(root, "passed", json_boolean(r->passed));
  SET(root, "verdict", hs_jstr(r->verdict));
  SET(root, "flow_before_lpm", hs_jnum(r->flow_before_lpm));
  SET(root, "flow_trial_lpm", hs_jnum(r->flow_after_lpm));
  for (int k = 0; k < HS_WEAN_N; k++) {
    if (k == HS_WEAN_LACT && !lact) {
      SET(cr, K[k], json_null());
      continue;
    }
    json_t *o = json_object();
    SET(o, "value", hs_jnum(r->value[k]));
    SET(o, "met", json_boolean(r->pass[k]));
    SET(o, "text", hs_jstr(r->text[k]));
    SET(cr, K[k], o);
  }
  SET(root, "criteria", cr);
  /* the descent, step by step (the last one is the trial's or the one not tolerated) */
  json_t *steps = json_array();
  bad |= !steps;
  for (int i = 0; steps && i < r->nsteps; i++) {
    const hs_wean_step *sp = &r->steps[i];
    json_t *o = json_object(), *met = json_object();
    SET(o, "ecmo_flow_lpm", hs_jnum(sp->flow_lpm));
    for (int k = 0; k < HS_WEAN_N; k++) {
      int na = k == HS_WEAN_LACT && !lact;
      SET(o, K[k], na ? json_null() : hs_jnum(sp->value[k]));
      SET(met, K[k], na ? json_null() : json_boolean(sp->pass[k]));
    }
    SET(o, "met", met);
    SET(o, "cvp_mmhg", hs_jnum(sp->cvp_mmhg));
    SET(o, "pcwp_mmhg", hs_jnum(sp->pcwp_mmhg));
    SET(o, "tolerated", json_boolean(sp->tolerated));
    bad |= json_array_append_new(steps, o) != 0;
  }
  SET(root, "steps", steps);
  SET(root, "stopped_early", json_boolean(r->stopped_early));
  /* with a balloon counterpulsing the criterion reads the LV's own pulse */
  SET(root, "pulse_pressure_lv_own", json_boolean(r->pp_lv_own));
  SET(root, "pulse_pressure_arterial_mmhg", hs_jnum(r->pp_arterial_mmhg));
  SET(root, "before", values_json(r->before));
  SET(root, "trial", values_json(r->after));
  return hs_jdump(root, bad, 6, "the weaning result", err);
}
