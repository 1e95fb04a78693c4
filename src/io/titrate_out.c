/*
 * io/titrate_out.c - outputs of the guided ECMO flow titration: JSON
 * (hemosim-titrate/2), CSV and an SVG figure (hemosim/titrate.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "hemosim/plot.h"
#include "hemosim/titrate.h"
#include "io/json_util.h"

#define SET HS_JSET

/* The microcirculation's state, in a step and in the options (at placement). */
static int micro_state(json_t *o, double obstructed, double oedema, double vasoconstriction) {
  int bad = 0;
  SET(o, "obstructed", hs_jnum(obstructed));
  SET(o, "oedema", hs_jnum(oedema));
  SET(o, "vasoconstriction", hs_jnum(vasoconstriction));
  return bad;
}

static json_t *step_json(const hs_titrate_step *s) {
  json_t *o = json_object();
  int bad = 0;
  SET(o, "t_h", hs_jnum(s->t_h));
  SET(o, "ecmo_flow_lpm", hs_jnum(s->flow_lpm));
  SET(o, "ecmo_flow_measured_lpm", hs_jnum(s->ecmo_flow_lpm));
  SET(o, "lv_ees", hs_jnum(s->lv_ees));
  bad |= micro_state(o, s->obstructed, s->oedema, s->vasoconstriction);
  SET(o, "map_mmhg", hs_jnum(s->map_mmhg));
  SET(o, "ci_lpm_m2", hs_jnum(s->ci_lpm_m2));
  SET(o, "pcwp_mmhg", hs_jnum(s->pcwp_mmhg));
  SET(o, "cvp_mmhg", hs_jnum(s->cvp_mmhg));
  SET(o, "pulse_pressure_mmhg", hs_jnum(s->pp_mmhg));
  SET(o, "av_open_fraction", hs_jnum(s->av_open));
  SET(o, "lv_output_lpm", hs_jnum(s->lvo_lpm));
  SET(o, "svo2_pct", hs_jnum(s->svo2_pct));
  SET(o, "do2i_mlmin_m2", hs_jnum(s->do2i_mlmin_m2));
  SET(o, "tvd_mm_mm2", hs_jnum(s->tvd));
  SET(o, "pvd_mm_mm2", hs_jnum(s->pvd));
  SET(o, "ppv_pct", hs_jnum(s->ppv));
  SET(o, "mfi", hs_jnum(s->mfi));
  SET(o, "next_ecmo_flow_lpm", hs_jnum(s->next_flow_lpm));
  SET(o, "micro_measurement", json_integer(s->measured));
  SET(o, "hypoperfusion", json_boolean(s->hypoperfusion));
  SET(o, "micro_poor", json_boolean(s->micro_poor));
  SET(o, "steady", json_boolean(s->steady));
  SET(o, "rule", json_string(hs_titrate_rule_name(s->rule)));
  SET(o, "fluid_balance_ml", hs_jnum(s->fluid_balance_ml));
  SET(o, "urine_mlh", hs_jnum(s->urine_mlh));
  SET(o, "hemoglobin_gdl", hs_jnum(s->hb_gdl));
  SET(o, "plasma_free_hb_mgdl", hs_jnum(s->pfhb_mgdl));
  SET(o, "lactate_steady_mmol_l", hs_jnum(s->lactate_mmol_l));
  return hs_jdone(o, bad);
}

static json_t *options_json(const hs_titrate_options *o) {
  json_t *opt = json_object(), *mh = json_array();
  int bad = 0;
  SET(opt, "hours", hs_jnum(o->hours));
  SET(opt, "interval_h", hs_jnum(o->interval_h));
  SET(opt, "lv_recovery_frac", hs_jnum(o->lv_recovery_frac));
  SET(opt, "lv_recovery_h", hs_jnum(o->lv_recovery_h));
  bad |= micro_state(opt, o->micro.obstructed, o->micro.oedema, o->micro.vasoconstriction);
  SET(opt, "micro_resolution", hs_jnum(o->micro_resolution));
  SET(opt, "micro_resolution_h", hs_jnum(o->micro_resolution_h));
  /* the same shape as the targets of compare and optimize (io/json_util.h) */
  SET(opt, "targets", hs_jtargets(&(hs_jtargets_in){.pcwp_max_mmhg = o->pcwp_max,
                                                     .map_min_mmhg = o->map_min,
                                                     .do2i_min = o->do2i_min,
                                                     .svo2_min_pct = o->svo2_min,
                                                     .lactate_max_mmol_l = o->lactate_max,
                                                     .flow_min_lpm = o->flow_min_lpm,
                                                     .flow_max_lpm = o->flow_max_lpm}));
  SET(opt, "av_open_min", hs_jnum(o->av_open_min));
  SET(opt, "pp_recovered", hs_jnum(o->pp_recovered));
  SET(opt, "step_up_lpm", hs_jnum(o->step_up_lpm));
  SET(opt, "step_down_lpm", hs_jnum(o->step_down_lpm));
  SET(opt, "wean_step_lpm", hs_jnum(o->wean_step_lpm));
  SET(opt, "wean_every_h", hs_jnum(o->wean_every_h));
  SET(opt, "flow0_lpm", hs_jnum(o->flow0_lpm));
  SET(opt, "micro_every_step", json_boolean(o->micro_every_step));
  SET(opt, "fluids_mlh", hs_jnum(o->fluids_mlh));
  SET(opt, "pvd_min", hs_jnum(o->pvd_min));
  SET(opt, "ppv_min", hs_jnum(o->ppv_min));
  SET(opt, "pcwp_micro_max", hs_jnum(o->pcwp_micro_max));
  for (size_t i = 0; mh && i < o->nmeasure; i++)
    bad |= json_array_append_new(mh, hs_jnum(o->measure_h[i]));
  SET(opt, "measure_h", mh);
  return hs_jdone(opt, bad);
}

static json_t *policy_json(const hs_titrate_result *x) {
  json_t *p = json_object(), *steps = json_array(), *counts = json_object();
  int bad = 0;
  SET(p, "policy", json_string(hs_titrate_policy_name(x->policy)));
  SET(p, "mean_ecmo_flow_lpm", hs_jnum(x->mean_flow_lpm));
  SET(p, "final_ecmo_flow_lpm", hs_jnum(x->final_flow_lpm));
  SET(p, "mean_pvd_mm_mm2", hs_jnum(x->mean_pvd));
  SET(p, "mean_map_mmhg", hs_jnum(x->mean_map));
  SET(p, "not_steady", json_integer((json_int_t)x->not_steady));
  for (int r = 0; r < HS_RULE_COUNT; r++)
    if (x->rule_count[r]) SET(counts, hs_titrate_rule_name(r), json_integer(x->rule_count[r]));
  SET(p, "rule_counts", counts);
  for (size_t i = 0; steps && i < x->n; i++) {
    json_t *s = step_json(&x->step[i]);
    bad |= !s || json_array_append_new(steps, s);
  }
  SET(p, "steps", steps);
  return hs_jdone(p, bad);
}

char *hs_titrate_json(const hs_titrate_options *o, hs_titrate_result *const *res, int nres,
                      const hs_provenance *prov, hs_err *err) {
  json_t *root = json_object(), *pols = json_array(), *rules = json_object();
  int bad = 0;
  SET(root, "schema", json_string("hemosim-titrate/2"));
  bad |= hs_jprovenance(root, prov);
  SET(root, "options", options_json(o));
  for (int r = 0; r < HS_RULE_COUNT; r++)
    SET(rules, hs_titrate_rule_name(r), json_string(hs_titrate_rule_doc(r)));
  SET(root, "rules", rules);
  for (int k = 0; pols && k < nres; k++) {
    json_t *p = policy_json(res[k]);
    bad |= !p || json_array_append_new(pols, p);
  }
  SET(root, "policies", pols);
  return hs_jdump(root, bad, 6, "the titration result", err);
}

static void csv_num(FILE *f, double v, int prec) {
  if (isfinite(v)) fprintf(f, ",%.*f", prec, v);
  else fputs(",", f);
}

char *hs_titrate_csv(hs_titrate_result *const *res, int nres, hs_err *err) {
  hs_textbuf tb;
  FILE *f = hs_textbuf_open(&tb, "titration CSV", err);
  if (!f) return NULL;
  fputs("policy,t_h,ecmo_flow_lpm,map_mmhg,ci_lpm_m2,pcwp_mmhg,pulse_pressure_mmhg,"
        "av_open_fraction,svo2_pct,do2i_mlmin_m2,tvd_mm_mm2,pvd_mm_mm2,ppv_pct,mfi,"
        "micro_measurement,lv_ees,obstructed,oedema,rule,next_ecmo_flow_lpm,"
        "fluid_balance_ml,urine_mlh,hemoglobin_gdl,plasma_free_hb_mgdl,lactate_steady_mmol_l\n",
        f);
  for (int k = 0; k < nres; k++)
    for (size_t i = 0; i < res[k]->n; i++) {
      const hs_titrate_step *s = &res[k]->step[i];
      fprintf(f, "%s", hs_titrate_policy_name(res[k]->policy));
      csv_num(f, s->t_h, 3);
      csv_num(f, s->flow_lpm, 3);
      csv_num(f, s->map_mmhg, 2);
      csv_num(f, s->ci_lpm_m2, 3);
      csv_num(f, s->pcwp_mmhg, 2);
      csv_num(f, s->pp_mmhg, 2);
      csv_num(f, s->av_open, 3);
      csv_num(f, s->svo2_pct, 2);
      csv_num(f, s->do2i_mlmin_m2, 1);
      csv_num(f, s->tvd, 3);
      csv_num(f, s->pvd, 3);
      csv_num(f, s->ppv, 2);
      csv_num(f, s->mfi, 3);
      fprintf(f, ",%d", s->measured);
      csv_num(f, s->lv_ees, 4);
      csv_num(f, s->obstructed, 4);
      csv_num(f, s->oedema, 4);
      fprintf(f, ",%s", hs_titrate_rule_name(s->rule));
      csv_num(f, s->next_flow_lpm, 3);
      csv_num(f, s->fluid_balance_ml, 1);
      csv_num(f, s->urine_mlh, 1);
      csv_num(f, s->hb_gdl, 2);
      csv_num(f, s->pfhb_mgdl, 2);
      csv_num(f, s->lactate_mmol_l, 2);
      fputc('\n', f);
    }
  return hs_textbuf_close(&tb, "titration CSV", err);
}

char *hs_titrate_svg(const char *title, hs_titrate_result *const *res, int nres, hs_err *err) {
  hs_plot *p = hs_plot_new(900, 760, title);
  int panel[3] = {-1, -1, -1};
  if (p) {
    panel[0] = hs_plot_add_panel(p, "time since ECMO placement (h)", "ECMO flow (L/min)");
    panel[1] = hs_plot_add_panel(p, "time since ECMO placement (h)", "MAP (mmHg)");
    panel[2] = hs_plot_add_panel(p, "time since ECMO placement (h)",
                                 "small-vessel PVD (mm/mm2)");
  }
  if (!p || panel[0] < 0 || panel[1] < 0 || panel[2] < 0) {
    hs_plot_free(p);
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  hs_status st = HS_OK;
  for (int k = 0; k < nres && !st; k++) {
    const hs_titrate_result *x = res[k];
    double *t = malloc((x->n ? x->n : 1) * sizeof *t), *y = malloc((x->n ? x->n : 1) * sizeof *y);
    if (!t || !y) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    const char *name = hs_titrate_policy_name(x->policy);
    hs_plot_style style = x->policy == HS_TITRATE_MICRO ? HS_PLOT_LINE : HS_PLOT_DASHED;
    for (int q = 0; q < 3 && !st; q++) {
      for (size_t i = 0; i < x->n; i++) {
        t[i] = x->step[i].t_h;
        y[i] = q == 0 ? x->step[i].flow_lpm : q == 1 ? x->step[i].map_mmhg : x->step[i].pvd;
      }
      st = hs_plot_add_series(p, panel[q], name, t, y, x->n, style, err);
    }
    for (size_t i = 0; i < x->n && !st && k == 0; i++)
      if (x->step[i].measured >= 1 && x->step[i].measured <= 4) {
        char lab[8];
        snprintf(lab, sizeof lab, "T%d", x->step[i].measured);
        st = hs_plot_add_marker(p, panel[2], x->step[i].t_h, x->step[i].pvd, lab, err);
      }
    free(t);
    free(y);
  }
  char *svg = st ? NULL : hs_plot_render_svg(p, err);
  hs_plot_free(p);
  return svg;
}
