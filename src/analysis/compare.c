/*
 * analysis/compare.c - strategies side by side, ECMO flow re-titrated, stepped
 * escalation (hemosim/compare.h, docs/decision.md).
 *
 * Each strategy is a small edit of a copy of the patient's model (devices added,
 * settings and drugs changed); the copies are compiled and simulated independently, in
 * parallel if asked (results do not depend on the number of threads).  In each copy the
 * ECMO flow is re-titrated to the least flow on the grid flow_min, flow_min + step, ...
 * flow_max that holds MAP, DO2 index and drained-blood SvO2 (bracket and secant: MAP
 * and O2 delivery rise with ECMO flow), every grid flow simulated at most once and
 * every trial warm-started from the steady state of the nearest flow computed so far;
 * PCWP is then read at that flow (PCWP rises with ECMO flow, so the least flow that
 * perfuses is also the best for the LV; a vent drained by the circuit is the exception).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/strategy.h"
#include "core/clock.h"
#include "core/textbuf.h"
#include "hemosim/compare.h"
#include "hemosim/roles.h"
#include "hemosim/device.h"
#include "hemosim/drugs.h"
#include "hemosim/micro_model.h"
#include "hemosim/oxygen.h"
#include "hemosim/sim.h"

#define LPM (1000.0 / 60.0)

static const struct {
  const char *name, *unit;
} VALUES[HS_CMP_NVAL] = {
    [HS_CMP_PCWP] = {"pcwp_mmhg", "mmHg"},
    [HS_CMP_MAP] = {"map_mmhg", "mmHg"},
    [HS_CMP_DO2I] = {"do2i_mlmin_m2", "mL/min/m2"},
    [HS_CMP_SVO2D] = {"svo2_drained_pct", "%"},
    [HS_CMP_AVO] = {"av_open_fraction", ""},
    [HS_CMP_PP] = {"pulse_pressure_mmhg", "mmHg"},
    [HS_CMP_SAO2U] = {"sao2_upper_pct", "%"},
    [HS_CMP_LVEDV] = {"lvedv_ml", "mL"},
    [HS_CMP_LVEDP] = {"lvedp_mmhg", "mmHg"},
    [HS_CMP_CO] = {"co_lpm", "L/min"},
    [HS_CMP_LVO] = {"lv_output_lpm", "L/min"},
    [HS_CMP_RVO] = {"rv_output_lpm", "L/min"},
    [HS_CMP_PVA] = {"lv_pva_mmhg_ml", "mmHg*mL"},
    [HS_CMP_ECMO] = {"ecmo_flow_lpm", "L/min"},
    [HS_CMP_DEVICE] = {"device_flow_lpm", "L/min"},
    [HS_CMP_CVP] = {"cvp_mmhg", "mmHg"},
    [HS_CMP_LVEF] = {"lvef_pct", "%"},
    [HS_CMP_CPO] = {"cpo_w", "W"},
    [HS_CMP_DRAIN_P] = {"ecmo_drainage_mmhg", "mmHg"},
    [HS_CMP_SUCTION] = {"suction_fraction", ""},
    [HS_CMP_VENT] = {"ecmo_vent_flow_lpm", "L/min"},
    [HS_CMP_IMPELLA] = {"impella_flow_lpm", "L/min"},
    [HS_CMP_MPAP] = {"mpap_mmhg", "mmHg"},
    [HS_CMP_PFHB] = {"plasma_free_hb_eq_mgdl", "mg/dL"},
    [HS_CMP_LACT] = {"lactate_steady_mmol_l", "mmol/L"},
    [HS_CMP_NE_EQ] = {"norepinephrine_equiv_ugkgmin", "ug/kg/min"},
    [HS_CMP_NTP_EQ] = {"nitroprusside_equiv_ugkgmin", "ug/kg/min"},
    [HS_CMP_PSVD] = {"psvd_model_mm_mm2", "mm/mm2"},
    [HS_CMP_PPSV] = {"ppsv_model_pct", "%"},
    [HS_CMP_CBF] = {"cbf_min_ml100gmin", "mL/100 g/min"},
    [HS_CMP_CPP] = {"cerebral_perfusion_pressure_mmhg", "mmHg"},
    [HS_CMP_COR_FLOW] = {"coronary_flow_mlmin", "mL/min"},
    [HS_CMP_HEART_ER] = {"heart_o2_extraction", ""},
    [HS_CMP_MVO2] = {"mvo2_mlmin", "mL/min"},
    [HS_CMP_QP] = {"pulmonary_flow_lpm", "L/min"},
    [HS_CMP_RP] = {"rp_flow_lpm", "L/min"},
    [HS_CMP_ISCH] = {"ischaemic_contractility", ""},
    [HS_CMP_HEART_ERCRIT] = {"heart_critical_extraction", ""},
    [HS_CMP_HEART_PVO2] = {"coronary_venous_po2_mmhg", "mmHg"},
};

const char *hs_compare_value_name(int k) {
  return k >= 0 && k < HS_CMP_NVAL ? VALUES[k].name : "?";
}
const char *hs_compare_value_unit(int k) {
  return k >= 0 && k < HS_CMP_NVAL ? VALUES[k].unit : "?";
}

/* Effective regurgitant orifice area of aortic regurgitation, cm^2, by grade (Zoghbi WA,
   et al. Recommendations for noninvasive evaluation of native valvular regurgitation.
   J Am Soc Echocardiogr 2017;30:303-371: EROA < 0.10 mild, 0.10-0.29 moderate, >= 0.30
   severe): the middle of the mild and moderate bands, the lower bound of severe. */
static const double AR_EROA[4] = {0, 0.05, 0.20, 0.30};

hs_status hs_strategy_patient_context(hs_model *base, hs_context *c, hs_err *err) {
  c->ar_eroa_cm2 = 0, c->ar_from_patient = 0;
  /* the rhythm: no cardiac cycle in fibrillation (heart.rhythm 1, model/globals.c) */
  double rhythm = 0;
  c->no_cardiac_cycle = hs_model_get(base, "heart.rhythm", &rhythm, NULL) == HS_OK && rhythm != 0;
  const char *av = hs_model_role(base, "aortic_valve");
  char path[128];
  double a = 0;
  if (!av || snprintf(path, sizeof path, "%s.regurgitant_area", av) >= (int)sizeof path ||
      hs_model_get(base, path, &a, NULL) != HS_OK)
    return HS_OK; /* no aortic valve with an orifice: nothing to simulate */
  if (a > 0) {
    int g = a < 0.10 ? HS_GRADE_MILD : a < 0.30 ? HS_GRADE_MODERATE : HS_GRADE_SEVERE;
    if (g > c->ar_grade) c->ar_grade = g;
    c->ar_eroa_cm2 = a, c->ar_from_patient = 1;
    return HS_OK;
  }
  if (c->ar_grade < HS_GRADE_MILD || c->ar_grade > HS_GRADE_SEVERE) return HS_OK;
  c->ar_eroa_cm2 = AR_EROA[c->ar_grade];
  return hs_model_set(base, path, c->ar_eroa_cm2, err);
}

int hs_strategy_femoral_return(const hs_model *base) {
  const char *ret = hs_model_device_port(base, "ecmo", 1);
  return ret && (!strcmp(ret, hs_model_role(base, "lower_body_arteries")) ||
                 !strcmp(ret, "iliac_arteries"));
}

hs_status hs_strategy_apply(hs_model *m, const hs_strategy *st, hs_err *err) {
  hs_status s;
  for (int d = 0; d < st->ndev; d++) {
    const char *ports[3] = {st->dev[d].p0, st->dev[d].p1 ? st->dev[d].p1 : st->dev[d].p0,
                            st->dev[d].p0};
    if ((s = hs_model_add_device(m, st->dev[d].name, st->dev[d].type, ports, err))) return s;
  }
  if (*st->vent_site && (s = hs_model_rebind_device(m, "ecmo", "vent", st->vent_site, err)))
    return s;
  if (*st->return_site &&
      (s = hs_model_rebind_device(m, "ecmo", "return", st->return_site, err)))
    return s;
  for (int i = 0; i < st->nset; i++)
    if ((s = hs_model_set_text(m, st->set[i].path, st->set[i].value, err))) return s;
  return HS_OK;
}

void hs_strategy_values(const hs_sim *s, const double *all, double *v) {
  size_t nm = hs_sim_metric_count(s);
  for (int k = 0; k < HS_CMP_NVAL; k++) v[k] = NAN;
  v[HS_CMP_DEVICE] = 0;
  v[HS_CMP_SUCTION] = 0;
  v[HS_CMP_VENT] = 0;
  v[HS_CMP_IMPELLA] = 0;
  double svo2_mixed = NAN, ci = NAN, cbf[2] = {NAN, NAN}, rp_flow = 0;
  const hs_plan *pl = hs_sim_plan(s);
  int pa = hs_plan_node_find(pl, "pa");
  for (size_t k = 0; k < nm; k++) {
    char buf[128];
    const char *name = hs_sim_metric_name(s, k, buf, sizeof buf);
    for (int c = 0; c < HS_CMP_NVAL; c++)
      if (!strcmp(name, VALUES[c].name)) v[c] = all[k];
    if (!strcmp(name, "svo2_pct")) svo2_mixed = all[k];
    if (!strcmp(name, "ci_lpm_m2")) ci = all[k];
    if (!strcmp(name, "cbf_left_ml100gmin")) cbf[0] = all[k];
    if (!strcmp(name, "cbf_right_ml100gmin")) cbf[1] = all[k];
    size_t n = strlen(name);
    if (n > 17 && !strcmp(name + n - 17, "_suction_fraction") && all[k] > v[HS_CMP_SUCTION])
      v[HS_CMP_SUCTION] = all[k];
    /* a pump whose outlet is the pulmonary artery (an Impella RP, whatever its name):
       right-sided flow, neither the LV pump's nor added to the systemic flow */
    int right = 0;
    if (n > 9 && !strcmp(name + n - 9, "_flow_lpm") && pa >= 0) {
      char dev[128];
      snprintf(dev, sizeof dev, "%.*s", (int)(n - 9), name);
      right = hs_plan_device_port_node(pl, dev, 1) == pa;
      if (right) {
        rp_flow += all[k];
        if (!strcmp(dev, "impella")) v[HS_CMP_IMPELLA] = 0;
      }
    }
    /* device flow: the added LV pump (Impella, TandemHeart), septostomy, else the vent */
    if (!right && (!strcmp(name, "impella_flow_lpm") || !strcmp(name, "tandem_flow_lpm") ||
                   !strcmp(name, "septostomy_flow_lpm")))
      v[HS_CMP_DEVICE] = all[k];
  }
  /* the right-sided pump's flow when it is the only added pump (with a left-sided one,
     BiPella, the column shows the left pump's flow and rp_flow_lpm the right one's) */
  if (v[HS_CMP_DEVICE] == 0 && rp_flow != 0) v[HS_CMP_DEVICE] = rp_flow;
  v[HS_CMP_RP] = rp_flow;
  if (v[HS_CMP_DEVICE] == 0 && v[HS_CMP_VENT] > 0) v[HS_CMP_DEVICE] = v[HS_CMP_VENT];
  v[HS_CMP_SVO2D] = hs_o2_svo2_sample(v[HS_CMP_SVO2D], svo2_mixed);
  /* the brain: the worse-perfused hemisphere */
  v[HS_CMP_CBF] = isnan(cbf[0]) ? cbf[1] : isnan(cbf[1]) ? cbf[0] : fmin(cbf[0], cbf[1]);
  /* the microcirculation: the sublingual territory's perfusion at this macro state, with
     the drugs' arteriolar tone (the MAP controller's drug included) */
  double extra[HS_DRUG_COUNT] = {0};
  if (v[HS_CMP_NE_EQ] > 0) extra[HS_DRUG_NOREPINEPHRINE] = v[HS_CMP_NE_EQ];
  if (v[HS_CMP_NTP_EQ] > 0) extra[HS_DRUG_NITROPRUSSIDE] = v[HS_CMP_NTP_EQ];
  hs_micro_model_input in = {.map_mmhg = v[HS_CMP_MAP], .cvp_mmhg = v[HS_CMP_CVP],
                             .ci_lpm_m2 = ci, .sao2_upper_pct = v[HS_CMP_SAO2U]};
  hs_micro_model_params mp;
  hs_micro_model_output mo;
  hs_err e;
  if (hs_micro_model_params_from_sim(s, &mp, &e) == HS_OK && /* the patient's dysfunction */
      hs_micro_model_tone_from_sim(s, extra, &in, &e) == HS_OK &&
      hs_micro_model_eval(&mp, &in, &mo, &e) == HS_OK) {
    v[HS_CMP_PSVD] = mo.pvd_mm_mm2;
    v[HS_CMP_PPSV] = mo.ppv_pct;
  }
}

/* The MAP controller's drug (map_control.effect drugs, the default: the dose given;
   effect resistance: the dose with the same resistance effect, docs/controllers.md). */
void hs_compare_map_drug(const double *v, char *buf, size_t n) {
  if (v[HS_CMP_NE_EQ] > 0)
    snprintf(buf, n, "norepinephrine %.3g ug/kg/min", v[HS_CMP_NE_EQ]);
  else if (v[HS_CMP_NTP_EQ] > 0)
    snprintf(buf, n, "nitroprusside %.3g ug/kg/min", v[HS_CMP_NTP_EQ]);
  else
    snprintf(buf, n, "no drug");
}

void hs_compare_passed_over_text(const hs_compare_row *a, const hs_compare_row *least, char *buf,
                                 size_t n) {
  snprintf(buf, n,
           "%s meets every target too, but only at ECMO %.2f L/min%s, %.2f L/min more than the "
           "least flow meeting them (%.2f L/min, %s)",
           a->label, a->v[HS_CMP_ECMO],
           a->v[HS_CMP_AVO] < 0.5 && least->v[HS_CMP_AVO] >= 0.5 ? " with the aortic valve shut"
                                                                  : "",
           a->v[HS_CMP_ECMO] - least->v[HS_CMP_ECMO], least->v[HS_CMP_ECMO], least->label);
}

int hs_strategy_least_support(const hs_compare_row *rows, size_t n,
                              int (*eligible)(const hs_compare_row *, const void *),
                              const void *ud, int *passed_over, int *least_flow) {
  double fmin = INFINITY;
  for (size_t i = 0; i < n; i++)
    if ((!eligible || eligible(&rows[i], ud)) && rows[i].all_met &&
        rows[i].v[HS_CMP_ECMO] < fmin)
      fmin = rows[i].v[HS_CMP_ECMO];
  /* the least support at that flow: the first row within the flow controller's few
     mL/min of it (P8 at 1.0003 and P9 at 0.9998 L/min are the same flow) */
  int imin = -1;
  for (size_t i = 0; imin < 0 && i < n; i++)
    if ((!eligible || eligible(&rows[i], ud)) && rows[i].all_met &&
        rows[i].v[HS_CMP_ECMO] <= fmin + HS_SAME_FLOW_LPM)
      imin = (int)i;
  int first = -1;
  if (passed_over) *passed_over = -1;
  if (least_flow) *least_flow = -1;
  for (size_t i = 0; isfinite(fmin) && i < n; i++) {
    if ((eligible && !eligible(&rows[i], ud)) || !rows[i].all_met) continue;
    /* 1 L/min more counts as more however the controller reads it (P6 at 1.997 against
       P8 at 1.0003 L/min is a full 1 L/min) */
    if (rows[i].v[HS_CMP_ECMO] < fmin + HS_LESS_FLOW_LPM - HS_SAME_FLOW_LPM) {
      if (passed_over) *passed_over = first;
      if (least_flow && first >= 0) *least_flow = imin;
      return (int)i;
    }
    if (first < 0) first = (int)i;
  }
  return -1;
}

int hs_compare_less_flow_row(const hs_compare_result *r) {
  if (!r || r->recommended < 0) return -1;
  const hs_compare_row *a = &r->rows[r->recommended];
  int best = -1;
  double f = a->v[HS_CMP_ECMO] - HS_SAME_FLOW_LPM;
  for (size_t i = 0; i < r->nrows; i++) {
    const hs_compare_row *b = &r->rows[i];
    if ((int)i == r->recommended || b->is_flow_sweep || b->excluded || b->failed ||
        b->step != a->step || !b->all_met || !(b->v[HS_CMP_ECMO] < f))
      continue;
    best = (int)i, f = b->v[HS_CMP_ECMO];
  }
  return best;
}

int hs_strategy_map_held(const hs_model *m) {
  double on = 0;
  return hs_model_get(m, "map_control.enabled", &on, NULL) == HS_OK && on != 0;
}

/* The upper-body SaO2 floor, when a target (hs_targets.sao2_upper_min_pct > 0) and the
   model computes it (a circulation without oxygen transport has no SaO2: not judged). */
static int upper_hypoxic(const double *v, const hs_targets *t) {
  return t->sao2_upper_min_pct > 0 && isfinite(v[HS_CMP_SAO2U]) &&
         v[HS_CMP_SAO2U] < t->sao2_upper_min_pct;
}

/* The optional lactate target: the plateau of this circulation above the limit. */
static int lactate_high(const double *v, const hs_targets *t) {
  return t->lactate_max_mmol_l > 0 && !(v[HS_CMP_LACT] <= t->lactate_max_mmol_l);
}

/* The optional microcirculation target: the predicted sublingual PSVD below the limit. */
static int micro_poor(const double *v, const hs_targets *t) {
  return t->psvd_min_mm_mm2 > 0 && !(v[HS_CMP_PSVD] >= t->psvd_min_mm_mm2);
}

/* The heart target (on by default): the myocardium's O2 extraction above the limit (undefined
   with a coronary flow, an arrest: not met; a model without coronary beds, no coronary
   flow at all: not judged, as the SaO2 floor without oxygen transport). */
static int heart_judged(const double *v, const hs_targets *t) {
  return t->heart_er_max != 0 && isfinite(v[HS_CMP_COR_FLOW]);
}
/* The limit: the state's own critical extraction (the default, HS_HEART_ER_CRITICAL; NAN
   without an arterial O2 content to reach it: not met) or the clinician's fixed one. */
static double heart_limit(const double *v, const hs_targets *t) {
  return t->heart_er_max < 0 ? v[HS_CMP_HEART_ERCRIT] : t->heart_er_max;
}
static int heart_short(const double *v, const hs_targets *t) {
  return heart_judged(v, t) && !(v[HS_CMP_HEART_ER] <= heart_limit(v, t));
}
/* The myocardium above its critical extraction at this state (undefined: not above). */
static int heart_anaerobic(const double *v) {
  return v[HS_CMP_HEART_ER] > v[HS_CMP_HEART_ERCRIT];
}

/* The optional venous congestion target: CVP above the limit (RV failure, docs/decision.md).
   Flow drained from the RA lowers it, so the titration treats it as perfusion does. */
static int cvp_high(const double *v, const hs_targets *t) {
  return t->cvp_max_mmhg > 0 && !(v[HS_CMP_CVP] <= t->cvp_max_mmhg);
}

/* A heart target met by less than this (O2 demand / delivery below its limit) has no
   margin: a near miss says so (model choice: about Walley's +-2.2 mmHg of critical
   coronary venous PO2 is +-0.05 of extraction; 0.02 is well within it). */
#define HS_HEART_MARGIN 0.02

/* The row's strategy has a pump that empties the LV itself (Impella, TandemHeart). */
static int row_has_lv_pump(const hs_compare_row *r) {
  return (r->families & ((1u << HS_FAM_IMPELLA) | (1u << HS_FAM_TANDEMHEART))) != 0;
}

/* A vent joined to the venous line drains more than the pump carries: the rest leaves
   through the venous drainage cannula backwards, into the vein (pump inlet above the
   venous pressure).  No perfusionist runs a circuit so; the setting is not a solution. */
#define HS_DRAIN_REVERSE_LPM 0.05
static int drainage_reversed(const double *v) {
  return isfinite(v[HS_CMP_VENT]) && isfinite(v[HS_CMP_ECMO]) &&
         v[HS_CMP_VENT] > v[HS_CMP_ECMO] + HS_DRAIN_REVERSE_LPM;
}

void hs_strategy_check_targets(hs_compare_row *r, const hs_targets *t) {
  const double *v = r->v;
  r->met[HS_TGT_PCWP] = v[HS_CMP_PCWP] < t->pcwp_max_mmhg;
  r->met[HS_TGT_MAP] = v[HS_CMP_MAP] >= t->map_min_mmhg;
  r->met[HS_TGT_DO2I] = v[HS_CMP_DO2I] >= t->do2i_min;
  r->met[HS_TGT_SVO2] = v[HS_CMP_SVO2D] >= t->svo2_min_pct;
  r->met[HS_TGT_SAO2U] = !upper_hypoxic(v, t);
  r->all_met = 1;
  for (int k = 0; k < HS_TGT_N; k++) r->all_met &= r->met[k];
  r->missed[0] = 0;
  char part[96];
  if (lactate_high(v, t)) { /* optional perfusion target (hs_targets.lactate_max_mmol_l) */
    r->all_met = 0;
    snprintf(r->missed, sizeof r->missed, "lactate plateau %.1f mmol/L (above %.1f)",
             v[HS_CMP_LACT], t->lactate_max_mmol_l);
  }
  if (micro_poor(v, t)) { /* optional (hs_targets.psvd_min_mm_mm2) */
    r->all_met = 0;
    if (*r->missed) strncat(r->missed, "; ", sizeof r->missed - strlen(r->missed) - 1);
    snprintf(part, sizeof part, "PSVD (model) %.1f mm/mm2 (below %.1f)", v[HS_CMP_PSVD],
             t->psvd_min_mm_mm2);
    strncat(r->missed, part, sizeof r->missed - strlen(r->missed) - 1);
  }
  if (heart_short(v, t)) { /* hs_targets.heart_er_max (on by default) */
    r->all_met = 0;
    if (*r->missed) strncat(r->missed, "; ", sizeof r->missed - strlen(r->missed) - 1);
    snprintf(part, sizeof part, "heart O2 demand/delivery %.2f (above %.2f%s)", v[HS_CMP_HEART_ER],
             heart_limit(v, t), t->heart_er_max < 0 ? ", its critical extraction" : "");
    strncat(r->missed, part, sizeof r->missed - strlen(r->missed) - 1);
  }
  if (cvp_high(v, t)) { /* optional (hs_targets.cvp_max_mmhg) */
    r->all_met = 0;
    if (*r->missed) strncat(r->missed, "; ", sizeof r->missed - strlen(r->missed) - 1);
    snprintf(part, sizeof part, "CVP %.1f mmHg (above %.1f)", v[HS_CMP_CVP], t->cvp_max_mmhg);
    strncat(r->missed, part, sizeof r->missed - strlen(r->missed) - 1);
  }
  if (drainage_reversed(v)) {
    r->all_met = 0;
    if (*r->missed) strncat(r->missed, "; ", sizeof r->missed - strlen(r->missed) - 1);
    snprintf(part, sizeof part, "vent %.2f L/min above the pump's %.2f L/min: the venous "
             "cannula runs backwards", v[HS_CMP_VENT], v[HS_CMP_ECMO]);
    strncat(r->missed, part, sizeof r->missed - strlen(r->missed) - 1);
  }
  const double val[HS_TGT_N] = {v[HS_CMP_PCWP], v[HS_CMP_MAP], v[HS_CMP_DO2I], v[HS_CMP_SVO2D],
                                v[HS_CMP_SAO2U]};
  const double lim[HS_TGT_N] = {t->pcwp_max_mmhg, t->map_min_mmhg, t->do2i_min, t->svo2_min_pct,
                                t->sao2_upper_min_pct};
  static const char *const UNIT[HS_TGT_N] = {"mmHg", "mmHg", "mL/min/m2", "%", "%"};
  for (int k = 0; k < HS_TGT_N; k++) {
    if (r->met[k]) continue;
    if (k == HS_TGT_PCWP)
      snprintf(part, sizeof part, "PCWP %.1f mmHg (%.1f mmHg above the limit < %g)", val[k],
               val[k] - lim[k], lim[k]);
    else
      snprintf(part, sizeof part, "%s %.*f %s (%.*f %s below %g)", hs_target_name(k),
               k == HS_TGT_MAP ? 0 : 0, val[k], UNIT[k], k == HS_TGT_MAP ? 0 : 0, lim[k] - val[k],
               UNIT[k], lim[k]);
    if (*r->missed) strncat(r->missed, "; ", sizeof r->missed - strlen(r->missed) - 1);
    strncat(r->missed, part, sizeof r->missed - strlen(r->missed) - 1);
  }
}
/* One steady beat of the LV pressure-volume loop, sampled at 1 kHz. */
typedef struct pv_rec {
  hs_compare_row *row;
  int lv;
  size_t cap;
} pv_rec;

static int pv_sample(const hs_sample *smp, void *ud) {
  pv_rec *r = ud;
  if (r->row->npv >= r->cap) return 0;
  r->row->pv_v[r->row->npv] = smp->volume[r->lv];
  r->row->pv_p[r->row->npv] = smp->pressure[r->lv];
  r->row->npv++;
  return 0;
}


/* ---- one strategy: steady states at trial ECMO flows -------------------------- */

/* One point of the titration grid flow_min + k * flow_step: its steady state, once
   computed, and the values read there. */
typedef struct gridpt {
  int level;  /* 0: not computed; 1: at the loose (search) tolerance; 2: the model's */
  int steady; /* hs_steady_info.reached */
  double v[HS_CMP_NVAL];
  double *state; /* hs_sim_get_state at the end of its summary window */
} gridpt;

typedef struct trial {
  hs_sim *s;
  double *all;
  size_t nm;
  double v[HS_CMP_NVAL];
  int steady;
  int evals;
  long beats;         /* beats simulated (steady-state searches and their windows) */
  double tol, tol_o2; /* the model's steady-state tolerances */
  const hs_sim *warm; /* the first trial's start (then NULL) */
  int held;           /* the MAP controller is on: its factor is not in hs_sim_get_state */
  /* the titration grid */
  double lo, step;
  int n;
  gridpt *g;
  size_t ns; /* hs_sim_state_size */
  int at;    /* grid point whose steady state the simulation holds now (-1: none) */
  /* suction ceiling: grid points >= top are beyond what the circuit can drain (the LA /
     LV emptied there: mean LA pressure < 0 mmHg or a non-physical stop); top = n: none */
  int top;
  int broken; /* the last run stopped on a non-physical state: reset before the next */
  const hs_strategy *sg;
  char ceil_note[200];
} trial;

/* Steady state at ECMO flow f (L/min) from the current state, or from `start` (a state
   vector of this simulation) when given.  Search trials (loose = 1) use a 5x looser
   steady-state tolerance (about 30 instead of 48 beats); the reported state is always
   converged at the model's own tolerance. */
static hs_status trial_run(trial *t, double f, int loose, const double *start, hs_err *err) {
  hs_status st = HS_OK;
  if (t->broken) { /* a run stopped mid-beat: back to the plan's start, then the state */
    if ((st = hs_sim_reset(t->s, err))) return st;
    t->broken = 0;
  }
  st = hs_sim_set(t->s, "ecmo.target_flow", f * LPM, err);
  if (!st) st = hs_sim_set(t->s, "solver.steady_tol", loose ? 5 * t->tol : t->tol, err);
  if (!st) st = hs_sim_set(t->s, "solver.steady_tol_o2", loose ? 5 * t->tol_o2 : t->tol_o2, err);
  /* after the settings: a setting changed before the first beat rebuilds the initial
     state, so the warm start comes last */
  if (!st && t->warm) st = hs_sim_copy_state(t->s, t->warm, err), t->warm = NULL;
  else if (!st && start) st = hs_sim_set_state(t->s, start, t->ns, err);
  if (st) return st;
  hs_steady_info info;
  long b0 = hs_sim_beats(t->s);
  st = hs_sim_run_to_steady(t->s, &info, err);
  if (st == HS_ERR_NOT_STEADY) st = hs_sim_run_beats(t->s, 6, err);
  t->beats += hs_sim_beats(t->s) - b0;
  if (st == HS_ERR_NONPHYSICAL || st == HS_ERR_SOLVER) t->broken = 1;
  if (st) return st;
  t->steady = info.reached;
  t->evals++;
  if ((st = hs_sim_summary_all(t->s, 6, t->all, err))) return st;
  hs_strategy_values(t->s, t->all, t->v);
  return HS_OK;
}

/* The steady state at grid point i (loose: the search tolerance suffices).  A point
   already computed at that tolerance or better is not simulated again (its values are
   taken; the simulation stays where it is); otherwise the trial starts from the
   steady state of the nearest point computed so far (the higher tolerance on a tie),
   or continues from the current one when that is the nearest. */
static hs_status trial_at(trial *t, int i, int loose, hs_err *err) {
  gridpt *p = &t->g[i];
  int want = loose ? 1 : 2;
  if (p->level >= want) {
    memcpy(t->v, p->v, sizeof t->v);
    t->steady = p->steady;
    return HS_OK;
  }
  int near = -1;
  for (int k = 0; k < t->n; k++) {
    if (!t->g[k].level) continue;
    int d = abs(k - i), dn = near >= 0 ? abs(near - i) : 0;
    if (near < 0 || d < dn || (d == dn && t->g[k].level > t->g[near].level)) near = k;
  }
  const double *start = near >= 0 && near != t->at ? t->g[near].state : NULL;
  t->at = -1;
  hs_status st = trial_run(t, t->lo + t->step * i, loose, start, err);
  if (st) return st;
  if (!p->state && !(p->state = malloc(t->ns * sizeof *p->state)))
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory titrating the ECMO flow");
  if ((st = hs_sim_get_state(t->s, p->state, t->ns, err))) return st;
  p->level = want;
  p->steady = t->steady;
  memcpy(p->v, t->v, sizeof p->v);
  t->at = i;
  return HS_OK;
}

/* The reported state: grid point i at the model's tolerance, and the simulation in it
   (the PV loop is recorded from it).  A point computed at that tolerance is restored
   (hs_sim_set_state) rather than searched again, except with the MAP controller on,
   whose factor the state vector does not hold: then it is re-verified from there. */
static hs_status trial_final(trial *t, int i, hs_err *err) {
  gridpt *p = &t->g[i];
  if (p->level == 2 && t->at != i && !t->held) {
    hs_status st = hs_sim_set_state(t->s, p->state, t->ns, err);
    if (st) return st;
    t->at = i;
  }
  if (p->level == 2 && t->at == i) return trial_at(t, i, 0, err);
  if (p->level == 2) p->level = 1; /* re-verify: start from it, at the model's tolerance */
  return trial_at(t, i, 0, err);
}

static int stop_error(hs_status st);

/* The reported state at grid point *ci (trial_final); a run that stops there (seen only
   at the model's tolerance) lowers the suction ceiling to it and the point below it,
   down to flow_min (where the stop is returned). */
static hs_status final_below_ceiling(trial *t, int *ci, hs_err *err) {
  for (;;) {
    hs_status st = trial_final(t, *ci, err);
    if (!stop_error(st)) return st;
    t->top = *ci;
    t->g[*ci].level = 0;
    snprintf(t->ceil_note, sizeof t->ceil_note, "the run stopped at %.2f L/min: %.150s",
             t->lo + t->step * *ci, err ? err->msg : "non-physical state");
    if (*ci == 0) return st;
    (*ci)--;
    if (err) err->code = HS_OK, err->msg[0] = 0;
  }
}

/* Perfusion held by a circuit that drains forwards (a vent joined to the venous line
   carries no more than the pump: drainage_reversed). */
static int perfused(const double *v, const hs_targets *tg) {
  return v[HS_CMP_MAP] >= tg->map_min_mmhg && v[HS_CMP_DO2I] >= tg->do2i_min &&
         v[HS_CMP_SVO2D] >= tg->svo2_min_pct && !lactate_high(v, tg) && !upper_hypoxic(v, tg) &&
         !micro_poor(v, tg) && !heart_short(v, tg) && !cvp_high(v, tg) && !drainage_reversed(v);
}

/* Perfused with one target dropped: the flow a grid step below the titrated one meets
   every other target, so the dropped one is what sets the flow. */
enum { DROP_SAO2, DROP_HEART };
static int perfused_but_for(const double *v, const hs_targets *tg, int drop) {
  hs_targets t = *tg;
  if (drop == DROP_SAO2) t.sao2_upper_min_pct = 0;
  else t.heart_er_max = 0;
  return perfused(v, &t);
}

/* Perfusion margin: the smallest of the scaled distances of MAP (10 mmHg), DO2 index
   (50 mL/min/m2), SvO2 (5 %), upper-body SaO2 (5 %), the pump flow's excess over the
   vent flow (0.5 L/min) and, when it is a target, the lactate plateau (0.5 mmol/L) from
   their limits; >= 0 exactly when perfused.  Each rises with the ECMO flow (the pump
   flow faster than the vent's), which the secant search relies on. */
static double margin(const double *v, const hs_targets *tg) {
  double a = (v[HS_CMP_MAP] - tg->map_min_mmhg) / 10.0;
  double b = (v[HS_CMP_DO2I] - tg->do2i_min) / 50.0;
  double c = (v[HS_CMP_SVO2D] - tg->svo2_min_pct) / 5.0;
  double g = a < b ? a : b;
  g = g < c ? g : c;
  if (tg->sao2_upper_min_pct > 0) { /* upper-body SaO2 (5 %), when a target */
    double d = (v[HS_CMP_SAO2U] - tg->sao2_upper_min_pct) / 5.0;
    if (isfinite(d) && d < g) g = d;
  }
  if (isfinite(v[HS_CMP_VENT]) && isfinite(v[HS_CMP_ECMO])) { /* forward drainage */
    double d = (v[HS_CMP_ECMO] + HS_DRAIN_REVERSE_LPM - v[HS_CMP_VENT]) / 0.5;
    if (d < g) g = d;
  }
  if (tg->lactate_max_mmol_l > 0) { /* lactate plateau (0.5 mmol/L), when a target */
    double d = (tg->lactate_max_mmol_l - v[HS_CMP_LACT]) / 0.5;
    g = isfinite(d) && d < g ? d : isfinite(d) ? g : -1e9;
  }
  if (tg->psvd_min_mm_mm2 > 0) { /* predicted sublingual PSVD (1 mm/mm2), when a target */
    double d = v[HS_CMP_PSVD] - tg->psvd_min_mm_mm2;
    g = isfinite(d) && d < g ? d : isfinite(d) ? g : -1e9;
  }
  if (heart_judged(v, tg)) { /* the heart's O2 extraction (0.05), when a target */
    double d = (heart_limit(v, tg) - v[HS_CMP_HEART_ER]) / 0.05;
    g = isfinite(d) && d < g ? d : isfinite(d) ? g : -1e9;
  }
  if (tg->cvp_max_mmhg > 0) { /* CVP (2 mmHg), when a target */
    double d = (tg->cvp_max_mmhg - v[HS_CMP_CVP]) / 2.0;
    g = isfinite(d) && d < g ? d : isfinite(d) ? g : -1e9;
  }
  return isfinite(g) ? g : -1e9;
}

/* What a titration search looks for at a grid point: perfusion (the margin, >= 0 when
   perfused), or perfusion with PCWP below its target (a vent drained by the circuit:
   1 when found, else -1). */
enum { FIND_PERFUSION, FIND_PCWP };
static double score(const double *v, const hs_targets *tg, int what) {
  double g = margin(v, tg);
  if (what == FIND_PERFUSION) return g;
  return g >= 0 && v[HS_CMP_PCWP] < tg->pcwp_max_mmhg ? 1.0 : -1.0;
}

/* A stop the circuit causes by emptying a chamber: a non-physical state (a compartment
   volume below zero) or the integrator failing on it. */
static int stop_error(hs_status st) { return st == HS_ERR_NONPHYSICAL || st == HS_ERR_SOLVER; }

/* The circuit drains the LA or the LV (a vent there, the LVAD conversion): its port has
   no collapse limit, so a flow above what the heart fills empties the chamber. */
int hs_strategy_drains_left_heart(const hs_strategy *sg) {
  /* a TandemHeart's inflow cannula drains the LA (transseptal) as an LA vent does */
  return !strcmp(sg->vent_site, "la") || !strcmp(sg->vent_site, "lv") || sg->lvad ||
         (sg->families & (1u << HS_FAM_TANDEMHEART));
}

/* Grid point i as the titration sees it: *ceil = 1 when it lies beyond the suction
   ceiling (docs/decision.md "Suction"): at or above a flow where the circuit emptied the
   LA / LV - a mean LA pressure below 0 mmHg with the left heart drained, or a run
   stopped on a non-physical state - and (shrink) the ceiling is lowered to it. */
static hs_status probe(trial *t, int i, int loose, int shrink, int *ceil, hs_err *err) {
  *ceil = 0;
  if (i >= t->top) return *ceil = 1, HS_OK;
  hs_status st = trial_at(t, i, loose, err);
  double f = t->lo + t->step * i;
  if (stop_error(st)) {
    *ceil = 1;
    if (shrink) {
      t->top = i;
      snprintf(t->ceil_note, sizeof t->ceil_note, "the run stopped at %.2f L/min: %.150s", f,
               err ? err->msg : "non-physical state");
    }
    if (err) err->code = HS_OK, err->msg[0] = 0;
    return HS_OK;
  }
  if (st) return st;
  if (hs_strategy_drains_left_heart(t->sg) && t->v[HS_CMP_PCWP] < 0) {
    *ceil = 1;
    if (shrink) {
      t->top = i;
      snprintf(t->ceil_note, sizeof t->ceil_note,
               "mean LA pressure %.1f mmHg at %.2f L/min: the circuit empties the LA / LV", t->v[HS_CMP_PCWP], f);
    }
  }
  return HS_OK;
}

/* The least grid point in (bad, ok] that perfuses, given that bad does not and ok does
   (the perfusion margin rises with the flow in between).  Grid points the caller
   already computed narrow the bracket first; then secant steps on the margin (smooth
   in the flow), each rounded up onto the grid and kept inside the bracket.  A point
   beyond the suction ceiling counts as failing. */
static hs_status narrow(trial *t, const hs_targets *tg, int *bad, double *gb, int *ok, double *go,
                        hs_err *err) {
  for (int k = *bad + 1; k < *ok; k++) {
    if (t->g[k].level <= 0) continue;
    double g = margin(t->g[k].v, tg);
    if (g >= 0) *ok = k, *go = g;
    else *bad = k, *gb = g;
  }
  while (*ok - *bad > 1) {
    int c = *bad + (*ok - *bad) / 2;
    if (isfinite(*gb) && isfinite(*go) && *go > *gb) {
      double x = *bad + (*ok - *bad) * (-*gb) / (*go - *gb);
      c = (int)ceil(x - 1e-9);
      if (c <= *bad) c = *bad + 1;
      if (c >= *ok) c = *ok - 1;
    }
    int ceil_hit;
    hs_status st = probe(t, c, 1, 0, &ceil_hit, err);
    if (st) return st;
    double g = ceil_hit ? -1e9 : margin(t->v, tg);
    if (g >= 0) *ok = c, *go = g;
    else *bad = c, *gb = ceil_hit ? NAN : g;
  }
  return HS_OK;
}

/* The least grid point above `from` (which perfuses with PCWP too high) where perfusion
   holds and PCWP is below its target, or -1.  With a vent or a septostomy drained by
   the circuit PCWP is not monotone in the ECMO flow: more flow raises the LV's
   afterload and LA pressure as long as the LV ejects, and drains the LA / LV harder
   once the aortic valve stays shut, so PCWP rises, falls, or rises and then falls
   (single-peaked; docs/decision.md "Re-titrated ECMO flow", checked against every grid
   flow in test_compare).  Such a curve meets the target above `from` on an interval
   reaching the highest usable flow, if anywhere: that flow (below the suction
   ceiling) is tried first, then the bracket is bisected, narrowed first by the flows
   the perfusion search has already computed. */
static hs_status least_pcwp_flow(trial *t, const hs_targets *tg, int from, int *found, hs_err *err) {
  int a = from, b = t->top - 1, ceil_hit;
  hs_status st;
  *found = -1;
  while (b > a) { /* the most flow usable: below the suction ceiling */
    if ((st = probe(t, b, 1, 1, &ceil_hit, err))) return st;
    if (!ceil_hit) break;
    b = a + (b - a) / 2;
  }
  if (b <= a || score(t->v, tg, FIND_PCWP) < 0) return HS_OK; /* not even that drains it */
  for (int k = a + 1; k < b; k++) /* flows computed already */
    if (t->g[k].level > 0) {
      if (score(t->g[k].v, tg, FIND_PCWP) >= 0) {
        b = k;
        break;
      }
      a = k;
    }
  while (b - a > 1) {
    int c = a + (b - a) / 2;
    if ((st = probe(t, c, 1, 0, &ceil_hit, err))) return st;
    if (!ceil_hit && score(t->v, tg, FIND_PCWP) >= 0) b = c;
    else a = c;
  }
  *found = b;
  return HS_OK;
}

/* The least grid point above `from` (perfused, PCWP too high, its LV weakened by the
   perfusion-contraction matching) where perfusion holds and PCWP is below its target, or
   -1.  Without a circuit draining the left heart, more ECMO flow raises the LV's
   afterload, but it also raises the coronary perfusion pressure, and while the LV is
   ischaemic the contractility it regains can lower PCWP more (docs/decision.md "Re-titrated
   ECMO flow"): a valley.  The flows are stepped upwards while the LV stays ischaemic and
   PCWP falls (by more than 0.05 mmHg a step); past the valley more flow only raises it. */
static hs_status ischaemic_pcwp_flow(trial *t, const hs_targets *tg, int from, int *found,
                                     hs_err *err) {
  *found = -1;
  double pcwp = t->v[HS_CMP_PCWP], isch = t->v[HS_CMP_ISCH];
  for (int k = from + 1; k < t->top && isch < HS_ISCHAEMIC_BELOW; k++) {
    int ceil_hit;
    hs_status st = probe(t, k, 1, 1, &ceil_hit, err);
    if (st) return st;
    if (ceil_hit) break;
    if (score(t->v, tg, FIND_PCWP) >= 0) {
      *found = k;
      break;
    }
    if (!(t->v[HS_CMP_PCWP] < pcwp - 0.05)) break;
    pcwp = t->v[HS_CMP_PCWP], isch = t->v[HS_CMP_ISCH];
  }
  return HS_OK;
}

static void trial_free(trial *t) {
  for (int k = 0; t->g && k < t->n; k++) free(t->g[k].state);
  free(t->g);
  free(t->all);
  hs_sim_free(t->s);
}

/* Titrate the ECMO flow of one strategy (docs/decision.md "Re-titrated ECMO flow"):
   the least grid flow that holds perfusion (flow_min first: a strong device needs no
   more; then upwards +1, +2, +4 L/min until perfused and the bracket closed by
   secant steps); with a vent or a septostomy drained by the circuit, raised further to
   the least flow that also holds PCWP below its target, when one does; without one,
   while an LV weakened by the matching sees its PCWP fall with the flow, likewise
   (ischaemic_pcwp_flow).  *perfusing_i: the least perfusing flow.  Fills the
   row's flags; *chosen_i is the grid point reported. */
static hs_status titrate(trial *t, const hs_strategy *sg, const hs_targets *tg,
                         hs_compare_row *r, int *chosen_i, int *perfusing_i, hs_err *err) {
  int up = (int)lround(1.0 / t->step); /* first step up: 1 L/min */
  if (up < 1) up = 1;
  int ok_i = -1, bad_i = -1, ceil_hit = 0;
  double g_bad = NAN, g_ok = NAN;
  hs_status st = probe(t, 0, 0, 1, &ceil_hit, err);
  if (st) return st;
  double g = margin(t->v, tg);
  if (ceil_hit) { /* the least flow already empties the LA / LV, or does not run at all */
    if (t->g[0].level <= 0) return HS_ERR_NONPHYSICAL;
    r->perfusion_held = g >= 0;
    *chosen_i = 0;
    return HS_OK;
  }
  if (g >= 0) ok_i = 0, g_ok = g;
  else bad_i = 0, g_bad = g;
  while (ok_i < 0 && bad_i < t->top - 1) { /* bracket upwards, below the suction ceiling */
    int next = bad_i + up;
    if (next > t->top - 1) next = t->top - 1;
    if ((st = probe(t, next, 1, 1, &ceil_hit, err))) return st;
    if (ceil_hit) { /* the ceiling came down to next: look halfway below it */
      up = (next - bad_i) / 2 > 1 ? (next - bad_i) / 2 : 1;
      continue;
    }
    g = margin(t->v, tg);
    if (g >= 0) ok_i = next, g_ok = g;
    else bad_i = next, g_bad = g, up *= 2;
  }
  if (ok_i < 0) {
    r->perfusion_held = 0; /* not even at the most flow usable: report it there */
    *chosen_i = bad_i;
    return HS_OK;
  }
  if ((st = narrow(t, tg, &bad_i, &g_bad, &ok_i, &g_ok, err))) return st;
  *chosen_i = *perfusing_i = ok_i;
  /* A vent or a septostomy is drained by the circuit: when PCWP is still too high at the
     least perfusing flow, the team tries more flow: the least grid flow above it meeting
     every target, if any below the suction ceiling does (least_pcwp_flow).  An LV that
     perfusion-contraction matching weakened there may regain contractility with the
     perfusion pressure more flow brings (ischaemic_pcwp_flow). */
  if (ok_i >= t->top - 1) return HS_OK;
  if ((st = trial_at(t, ok_i, 1, err))) return st; /* computed: its values */
  if (t->v[HS_CMP_PCWP] < tg->pcwp_max_mmhg) return HS_OK;
  int found;
  if (!sg->drained_by_circuit) {
    if (!(t->v[HS_CMP_ISCH] < HS_ISCHAEMIC_BELOW)) return HS_OK;
    if ((st = ischaemic_pcwp_flow(t, tg, ok_i, &found, err))) return st;
    if (found >= 0) *chosen_i = found, r->raised_for_pcwp = r->raised_for_heart = 1;
    return HS_OK;
  }
  if ((st = least_pcwp_flow(t, tg, ok_i, &found, err))) return st;
  if (found < 0) return HS_OK; /* no flow drains it: the least perfusing flow */
  *chosen_i = found;
  r->raised_for_pcwp = 1;
  return HS_OK;
}

void hs_strategy_run(hs_strategy_job *j) {
  double t0 = hs_wall_s();
  hs_compare_row *r = j->row;
  hs_model *m = hs_model_clone(j->base, &j->err);
  hs_plan *pl = NULL;
  trial T = {0};
  T.at = -1;
  const hs_targets *tg = j->targets;
  j->status = HS_ERR_NOMEM;
  if (!m) goto done;
  double flow0 = 0;
  hs_model_get(m, "ecmo.target_flow", &flow0, NULL);
  flow0 /= LPM;
  if ((j->status = hs_strategy_apply(m, j->st, &j->err))) goto done;
  double fixed = j->flow_lpm > 0 ? j->flow_lpm : j->st->fixed_flow_lpm;
  if (fixed > 0) flow0 = fixed;
  /* 600 (the solver's default): the CSF balance solve, a MAP controller (--hold-map) and
     a non-ejecting LV integrated plainly need more beats than the haemodynamics alone */
  if ((j->status = hs_model_set(m, "solver.max_beats", 600, &j->err))) goto done;
  if ((j->status = hs_model_set(m, "ecmo.target_flow", flow0 * LPM, &j->err))) goto done;
  if (!(pl = hs_plan_compile(m, &j->err))) goto fail;
  if (!(T.s = hs_sim_new(pl, &j->err))) goto fail;
  T.warm = j->warm;
  T.held = hs_strategy_map_held(m);
  T.nm = hs_sim_metric_count(T.s);
  T.ns = hs_sim_state_size(T.s);
  if ((j->status = hs_sim_get(T.s, "solver.steady_tol", &T.tol, &j->err))) goto done;
  if ((j->status = hs_sim_get(T.s, "solver.steady_tol_o2", &T.tol_o2, &j->err))) goto done;
  if (!(T.all = malloc(T.nm * sizeof *T.all))) goto fail;
  double chosen = flow0;
  r->perfusion_held = 1;
  if (fixed > 0 || !j->titrate) {
    if ((j->status = trial_run(&T, flow0, 0, NULL, &j->err))) {
      if (!stop_error(j->status)) goto done;
      snprintf(T.ceil_note, sizeof T.ceil_note, "the run stopped at %.2f L/min: %.150s", flow0,
               j->err.msg);
      goto failed;
    }
    r->perfusion_held = perfused(T.v, tg);
  } else {
    T.lo = tg->flow_min_lpm, T.step = tg->flow_step_lpm;
    T.n = (int)floor((tg->flow_max_lpm - T.lo) / T.step + 1e-9) + 1;
    T.top = T.n;
    T.sg = j->st;
    if (!(T.g = calloc((size_t)T.n, sizeof *T.g))) goto fail;
    int ci = 0, pi = 0;
    if ((j->status = titrate(&T, j->st, tg, r, &ci, &pi, &j->err))) {
      if (stop_error(j->status)) goto failed;
      goto done;
    }
    int want = ci;
    if ((j->status = final_below_ceiling(&T, &ci, &j->err))) {
      if (stop_error(j->status)) goto failed;
      goto done;
    }
    /* the flow raised for an ischaemic LV misses PCWP at the model's tolerance (its PCWP
       has a valley: the flows above it may all miss), or was lowered by a stop: the least
       perfusing flow stands */
    if (r->raised_for_heart && (ci != want || score(T.v, tg, FIND_PCWP) < 0)) {
      r->raised_for_heart = r->raised_for_pcwp = 0;
      ci = pi < ci ? pi : ci;
      if ((j->status = final_below_ceiling(&T, &ci, &j->err))) {
        if (stop_error(j->status)) goto failed;
        goto done;
      }
    }
    /* the flow_min steady state for the siblings that start from it */
    if (j->publish && T.g[0].level == 2 && (j->pub = hs_sim_new(pl, NULL)) &&
        hs_sim_set_state(j->pub, T.g[0].state, T.ns, NULL) != HS_OK)
      hs_sim_free(j->pub), j->pub = NULL;
    /* the search saw the chosen flow at its loose tolerance: when the reported state
       (the model's tolerance) misses what was found there, by a hair on the limit, the
       next flow up is taken */
    int what = r->raised_for_pcwp ? FIND_PCWP : FIND_PERFUSION;
    while (r->perfusion_held && score(T.v, tg, what) < 0 && ci < T.top - 1) {
      ci++;
      if ((j->status = final_below_ceiling(&T, &ci, &j->err))) {
        if (stop_error(j->status)) goto failed;
        goto done;
      }
    }
    if (what == FIND_PERFUSION && score(T.v, tg, what) < 0) r->perfusion_held = 0;
    chosen = T.lo + T.step * ci;
    /* an LV the matching weakened at a flow the titration computed up to the chosen one:
       the answer may rest on it (the gain check, hs_compare_gain_check) */
    for (int k = 0; k <= ci && k < T.n; k++)
      if (T.g[k].level > 0 && T.g[k].v[HS_CMP_ISCH] < HS_ISCHAEMIC_BELOW) r->ischaemic_seen = 1;
    /* the flow one step below perfuses but for the upper-body SaO2, or but for the heart's
       O2 demand / delivery: that target sets the flow (the Settings line says which) */
    const double *vb = r->perfusion_held && !r->raised_for_pcwp && ci > 0 &&
                               T.g[ci - 1].level > 0
                           ? T.g[ci - 1].v
                           : NULL;
    if (vb && upper_hypoxic(vb, tg)) r->flow_for_sao2 = perfused_but_for(vb, tg, DROP_SAO2);
    if (vb && !r->flow_for_sao2 && heart_short(vb, tg))
      r->flow_for_heart = perfused_but_for(vb, tg, DROP_HEART);
    r->titrated = 1;
    if (T.top < T.n) { /* the suction ceiling the search met (docs/decision.md "Suction") */
      r->suction_lpm = T.lo + T.step * T.top;
      snprintf(r->suction_note, sizeof r->suction_note, "%s", T.ceil_note);
    }
  }
  memcpy(r->v, T.v, sizeof r->v);
  if (r->v[HS_CMP_ISCH] < HS_ISCHAEMIC_BELOW) r->ischaemic_seen = 1;
  r->steady = T.steady;
  r->evals = T.evals;
  r->beats = T.beats;
  /* one more beat for the PV loop (the values above are already taken) */
  size_t cap = 3000;
  r->pv_v = malloc(cap * sizeof(double));
  r->pv_p = malloc(cap * sizeof(double));
  if (r->pv_v && r->pv_p) {
    pv_rec rec = {r, hs_plan_node_find(pl, "lv"), cap};
    if (hs_sim_set_sampler(T.s, 0.001, pv_sample, &rec, &j->err) == HS_OK)
      (void)hs_sim_run_beats(T.s, 1, &j->err);
    hs_sim_set_sampler(T.s, 0, NULL, NULL, NULL);
  }
  hs_strategy_check_targets(r, tg);
  {
    char fl[160];
    snprintf(fl, sizeof fl, "ECMO %.2f L/min%s", chosen,
             r->titrated ? (!r->perfusion_held    ? " (maximum; perfusion not held)"
                            : r->raised_for_heart
                                ? " (least flow that also brings PCWP below target: perfusion "
                                  "pressure for the ischaemic LV)"
                            : r->raised_for_pcwp ? " (least flow that also drains PCWP below target)"
                            : r->flow_for_sao2   ? " (least flow holding perfusion and the upper-body SaO2 floor)"
                            : r->flow_for_heart  ? " (least flow holding perfusion and an aerobic heart: "
                                                   "O2 demand / delivery at or below its target)"
                            : fabs(chosen - tg->flow_min_lpm) < 1e-9
                                ? " (the least flow tried, flow_min: every target holds there)"
                                : " (least flow holding perfusion)")
                         : "");
    snprintf(r->settings, sizeof r->settings, "%s", fl);
    const char *plus = strchr(j->st->label, '+');
    if (j->st->lvad)
      snprintf(r->settings, sizeof r->settings, "LVAD flow %.2f L/min%s; %s", chosen,
               r->titrated ? " (titrated)" : "", j->st->label);
    else if (plus)
      snprintf(r->settings + strlen(r->settings), sizeof r->settings - strlen(r->settings),
               "; %s", plus + 2);
    if (hs_strategy_map_held(m)) { /* the dose the MAP controller titrated (--hold-map) */
      char drug[96];
      hs_compare_map_drug(r->v, drug, sizeof drug);
      snprintf(r->settings + strlen(r->settings), sizeof r->settings - strlen(r->settings),
               "; MAP held by %s", drug);
    }
  }
  j->status = HS_OK;
  goto done;
failed: /* no flow runs: a row that says why, not an error (the comparison goes on) */
  r->failed = 1;
  snprintf(r->failed_reason, sizeof r->failed_reason, "non-physical state: %.150s%s", T.ceil_note,
           strstr(T.ceil_note, "compartment 'la'") || strstr(T.ceil_note, "compartment 'lv'")
               ? " (LA / LV suction: the circuit drains more than the heart fills)"
               : "");
  for (int k = 0; k < HS_CMP_NVAL; k++) r->v[k] = NAN;
  r->evals = T.evals, r->beats = T.beats;
  j->status = HS_OK, j->err.code = HS_OK, j->err.msg[0] = 0;
  goto done;
fail:
  j->status = j->err.code ? j->err.code : HS_ERR_NOMEM;
done:
  trial_free(&T);
  if (j->pub) j->pub_plan = pl; /* lives as long as the published state */
  else hs_plan_free(pl);
  hs_model_free(m);
  r->wall_s = hs_wall_s() - t0;
}

hs_status hs_strategy_seed(const hs_model *base, const hs_model *patient, double flow_min_lpm,
                           hs_plan **plan, hs_sim **sim, hs_err *err) {
  *plan = NULL, *sim = NULL;
  hs_model *m = hs_model_clone(base, err);
  if (!m) return err ? err->code : HS_ERR_NOMEM;
  hs_status st = HS_OK;
  double control = 0;
  if (hs_model_block_index(patient, "ecmo") >= 0) {
    /* the patient's own circuit: its flow, or its pump speed (rpm control; base switched
       it to flow control) */
    if (hs_model_get(patient, "ecmo.control", &control, NULL) == HS_OK)
      st = hs_model_set(m, "ecmo.control", control, err);
  } else {
    st = hs_model_set(m, "ecmo.target_flow", flow_min_lpm * LPM, err);
  }
  if (!st) st = hs_model_set(m, "solver.max_beats", 600, err);
  if (!st && !(*plan = hs_plan_compile(m, err))) st = err ? err->code : HS_ERR_NOMEM;
  if (!st && !(*sim = hs_sim_new(*plan, err))) st = err ? err->code : HS_ERR_NOMEM;
  hs_model_free(m);
  if (!st) {
    hs_steady_info info;
    if (hs_sim_run_to_steady(*sim, &info, err) == HS_OK) return HS_OK;
    st = HS_OK; /* no seed: the jobs start from rest */
  }
  hs_sim_free(*sim), hs_plan_free(*plan);
  *plan = NULL, *sim = NULL;
  return st;
}

typedef struct pool {
  hs_strategy_job *jobs;
  size_t n, done;
  char *state; /* per job: 0 waiting, 1 running, 2 finished */
  pthread_mutex_t lock;
  pthread_cond_t changed;
  const hs_progress *progress;
} pool;

/* The next job to run: the last job first (lists end with the strategies that need the
   most trials - vents, surgical - so starting there shortens the tail on a few threads),
   skipping a job whose sibling start (after) has not finished.  -1: none left; -2: wait. */
static long next_job(const pool *p) {
  int waiting = 0;
  for (size_t k = 0; k < p->n; k++) {
    size_t i = p->n - 1 - k;
    if (p->state[i]) continue;
    int a = p->jobs[i].after;
    if (a > 0 && p->state[a - 1] != 2) {
      waiting = 1;
      continue;
    }
    return (long)i;
  }
  return waiting ? -2 : -1;
}

static void *worker(void *arg) {
  pool *p = arg;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    long i = next_job(p);
    if (i == -1) break;
    if (i == -2) {
      pthread_cond_wait(&p->changed, &p->lock);
      continue;
    }
    hs_strategy_job *j = &p->jobs[i];
    p->state[i] = 1;
    if (j->after > 0 && p->jobs[j->after - 1].pub) j->warm = p->jobs[j->after - 1].pub;
    pthread_mutex_unlock(&p->lock);
    hs_strategy_run(j);
    pthread_mutex_lock(&p->lock);
    p->state[i] = 2;
    if (p->progress && p->progress->fn) /* one call at a time */
      p->progress->fn((int)++p->done, (int)p->n, p->progress->ud);
    pthread_cond_broadcast(&p->changed);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

void hs_strategy_run_all(hs_strategy_job *jobs, size_t n, int threads) {
  hs_strategy_run_all_progress(jobs, n, threads, NULL);
}

void hs_strategy_run_all_progress(hs_strategy_job *jobs, size_t n, int threads,
                                  const hs_progress *progress) {
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  char *state = calloc(n ? n : 1, 1);
  if (!state) { /* no memory for the schedule: one after the other, in list order */
    for (size_t i = 0; i < n; i++) {
      if (jobs[i].after > 0 && jobs[jobs[i].after - 1].pub) jobs[i].warm = jobs[jobs[i].after - 1].pub;
      hs_strategy_run(&jobs[i]);
    }
    return;
  }
  pool p = {jobs, n, 0, state, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, progress};
  pthread_t th[64];
  int started = 0;
  for (int k = 1; k < threads; k++)
    if (pthread_create(&th[started], NULL, worker, &p) == 0) started++;
  worker(&p);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
  free(state);
}

void hs_strategy_jobs_release(hs_strategy_job *jobs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    hs_sim_free(jobs[i].pub);
    hs_plan_free(jobs[i].pub_plan);
    jobs[i].pub = NULL, jobs[i].pub_plan = NULL;
  }
}

/* Strategies that differ only in the size or level of the same devices ("ecmo+
   septostomy:6mm", "...:8mm"): one chain, each started from the previous one's flow_min
   steady state, which is nearer than the comparison's seed (a device the seed lacks
   starts from rest). The key is the text without the arguments; drug-only strategies and
   fixed flows are not chained. */
static void chain_key(const hs_strategy *s, char *key, size_t n) {
  key[0] = 0;
  if (s->fixed_flow_lpm > 0 || (s->ndev == 0 && !*s->vent_site)) return;
  size_t k = 0;
  for (const char *c = s->text; *c && k + 1 < n;) {
    if (*c == ':') {
      while (*c && *c != '+') c++;
      continue;
    }
    key[k++] = *c++;
  }
  key[k] = 0;
}

hs_status hs_strategy_base(const hs_model *patient, hs_model **out, hs_err *err) {
  *out = NULL;
  hs_model *base = hs_model_clone(patient, err);
  if (!base) return err ? err->code : HS_ERR_NOMEM;
  hs_status st = HS_OK;
  long ei = hs_model_block_index(base, "ecmo"); /* the ecmo_circuit role (hemosim/roles.h) */
  const char *dev = ei >= 0 ? hs_model_block_type(base, (size_t)ei)->name : NULL;
  if (!dev) {
    const char *ports[3] = {"ivc", "lower_arteries", "ivc"};
    st = hs_model_add_device(base, "ecmo", "va_ecmo", ports, err);
  } else if (strcmp(dev, "va_ecmo") != 0) {
    st = hs_err_set(err, HS_ERR_MODEL, "block 'ecmo' is a %s, not a va_ecmo", dev);
  }
  if (!st) st = hs_model_set_text(base, "ecmo.control", "flow", err); /* compare at set flows */
  if (st) {
    hs_model_free(base);
    return st;
  }
  *out = base;
  return HS_OK;
}

void hs_compare_free(hs_compare_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nrows; i++) hs_compare_row_clear(&r->rows[i]);
  free(r->rows);
  free(r);
}

void hs_compare_row_clear(hs_compare_row *row) {
  free(row->pv_v);
  free(row->pv_p);
  row->pv_v = row->pv_p = NULL;
  row->npv = 0;
}

int hs_strategy_targets_met(const hs_compare_row *r, const hs_targets *t, int *judged) {
  int n = 0, of = HS_TGT_N;
  for (int k = 0; k < HS_TGT_N; k++) n += r->met[k];
  if (t->lactate_max_mmol_l > 0) of++, n += !lactate_high(r->v, t);
  if (t->psvd_min_mm_mm2 > 0) of++, n += !micro_poor(r->v, t);
  if (heart_judged(r->v, t)) of++, n += !heart_short(r->v, t);
  if (t->cvp_max_mmhg > 0) of++, n += !cvp_high(r->v, t);
  if (judged) *judged = of;
  return n;
}

/* better "closest" row: more targets met (the optional ones set included), then lower
   PCWP */
static int closer(const hs_compare_row *a, const hs_compare_row *b, const hs_targets *t) {
  if (!b) return 1;
  int ma = hs_strategy_targets_met(a, t, NULL), mb = hs_strategy_targets_met(b, t, NULL);
  if (ma != mb) return ma > mb;
  return a->v[HS_CMP_PCWP] < b->v[HS_CMP_PCWP];
}

/* Differential hypoxaemia (north-south syndrome): the strategies that miss the upper-body
   SaO2 floor, or whose ECMO flow that floor sets, and what the team does about it
   (docs/decision.md "Differential hypoxaemia"). */
static void oxygen_note(hs_compare_result *res) {
  res->oxygen_note[0] = 0;
  const hs_targets *t = &res->targets;
  if (!(t->sao2_upper_min_pct > 0)) return;
  int miss = 0, ran = 0, ex = -1, set = -1;
  for (size_t i = 0; i < res->nrows; i++) {
    const hs_compare_row *r = &res->rows[i];
    if (r->excluded || r->failed || r->is_flow_sweep) continue;
    ran++;
    if (!r->met[HS_TGT_SAO2U]) {
      miss++;
      if (ex < 0 || (int)i == res->closest) ex = (int)i;
    }
  }
  if (res->recommended >= 0 && res->rows[res->recommended].flow_for_sao2) set = res->recommended;
  if (!miss && set < 0) return;
  char *b = res->oxygen_note;
  size_t n = sizeof res->oxygen_note;
  if (miss) {
    const hs_compare_row *e = &res->rows[ex];
    snprintf(b, n,
             "differential hypoxaemia: %d of %d strategies (the ECMO-alone flow sweep not "
             "counted) miss the right-arm SaO2 floor (>= %g %%) at the flow chosen (e.g. %.80s: "
             "%.0f %% at ECMO %.2f L/min). ",
             miss, ran, t->sao2_upper_min_pct, e->label, e->v[HS_CMP_SAO2U], e->v[HS_CMP_ECMO]);
  }
  if (set >= 0) {
    const hs_compare_row *e = &res->rows[set];
    snprintf(b + strlen(b), n - strlen(b),
             "the recommended ECMO flow (%.2f L/min) is set by the right-arm SaO2 floor (%.0f "
             "%%), not by MAP or O2 delivery. ",
             e->v[HS_CMP_ECMO], e->v[HS_CMP_SAO2U]);
  }
  snprintf(b + strlen(b), n - strlen(b),
           "Mitigation (Cove 2015; Lorusso 2021): more ECMO flow moves the mixing zone toward "
           "the aortic arch; return oxygenated blood to the upper body (axillary / subclavian or "
           "central return) or convert to V-AV ECMO (a second return cannula into the right "
           "atrium); optimise ventilation (FiO2, PEEP).");
}

int hs_strategy_at_flow_floor(const hs_compare_row *r, const hs_targets *t) {
  return r->titrated && r->perfusion_held && r->v[HS_CMP_ECMO] <= t->flow_min_lpm + HS_FLOW_SLACK_LPM;
}

/* The recommendation holds every target at the least ECMO flow the titration may choose
   (flow_min): the circuit gives more support than the targets need - time to think of
   weaning (docs/decision.md "De-escalation"). */
static void deescalation_note(hs_compare_result *res) {
  res->deescalation_note[0] = 0;
  if (res->recommended < 0) return;
  const hs_compare_row *r = &res->rows[res->recommended];
  const hs_targets *t = &res->targets;
  if (!res->on_ecmo || !hs_strategy_at_flow_floor(r, t)) return; /* not on ECMO: circuit_check */
  char *b = res->deescalation_note;
  size_t n = sizeof res->deescalation_note;
  const unsigned vents = (1u << HS_FAM_LA_VENT) | (1u << HS_FAM_PA_VENT) |
                         (1u << HS_FAM_PIGTAIL) | (1u << HS_FAM_SURGICAL_VENT);
  snprintf(b, n,
           "every target holds at the least ECMO flow tried (%.2f L/min, flow_min): the circuit "
           "gives more support than the targets need. Once the patient is stable on it "
           "(lactate normal, vasopressors not rising), consider a weaning trial (hemosim wean: "
           "the ECMO flow stepped down%s, readiness criteria of Aissaoui 2011)",
           t->flow_min_lpm, r->families & vents ? " with the vent clamped" : "");
  if (row_has_lv_pump(r))
    snprintf(b + strlen(b), n - strlen(b),
             "; with the %s carrying the circulation, ECMO removal with the pump left in place "
             "(ECPELLA to %s alone) is the next step to test",
             r->families & (1u << HS_FAM_IMPELLA) ? "Impella" : "TandemHeart",
             r->families & (1u << HS_FAM_IMPELLA) ? "Impella" : "TandemHeart");
  else if (r->families & (1u << HS_FAM_IABP))
    /* the recommendation adds a balloon and the flow is at its floor: the balloon is
       the support to wean with, not a step beyond ECMO */
    snprintf(b + strlen(b), n - strlen(b),
             "; the IABP stays on through the trial, and after decannulation if the trial "
             "passes");
  if (t->flow_min_lpm >= HS_HAEMOLYSIS_LOW_FLOW_LPM - HS_FLOW_SLACK_LPM)
    snprintf(b + strlen(b), n - strlen(b),
             ". Lower flows are not tried: below %.1f L/min a centrifugal pump recirculates "
             "and haemolyses and the circuit thromboses (Schoeps 2021; Lorusso 2021); they "
             "belong to the weaning trial.",
             HS_HAEMOLYSIS_LOW_FLOW_LPM);
  else
    snprintf(b + strlen(b), n - strlen(b), ". Lower flows are not tried (flow_min).");
}

/* Whether row b misses only PCWP, by no more than a wedge reading can resolve. */
static int near_only_pcwp(const hs_compare_row *b, const hs_targets *t) {
  int only_pcwp = !b->met[HS_TGT_PCWP] && !lactate_high(b->v, t) && !micro_poor(b->v, t) &&
                  !heart_short(b->v, t) && !cvp_high(b->v, t) && !drainage_reversed(b->v);
  for (int k = 0; k < HS_TGT_N; k++) only_pcwp &= k == HS_TGT_PCWP || b->met[k];
  return only_pcwp && b->v[HS_CMP_PCWP] - t->pcwp_max_mmhg <= HS_PCWP_READING_MMHG;
}

/* A cheaper step whose best strategy misses only PCWP, and by no more than a wedge reading
   can resolve (HS_PCWP_READING_MMHG): the escalation to the recommendation rests on a
   difference no measurement confirms, so the answer names that step as worth a trial
   first.  The cheapest such step is named.  When the heart is not a target and that
   strategy leaves the myocardium above its critical O2 extraction (v[HS_CMP_HEART_ERCRIT]), a trial
   of it would be anaerobic for the heart: the note says so before any advice, and advises
   instead the strategy of a cheaper step than the recommendation (the cheapest such step,
   its lowest PCWP) that is also a near miss and keeps the heart below, or none
   (docs/decision.md "Near miss"); a step's best (closest) strategy need not be its only
   near miss. */
static void near_miss_note(hs_compare_result *res, const int *step_best) {
  res->near_miss = -1;
  res->near_miss_note[0] = 0;
  if (res->recommended < 0) return;
  const hs_targets *t = &res->targets;
  for (int s = 1; s < res->step; s++) {
    if (step_best[s] < 0 || !near_only_pcwp(&res->rows[step_best[s]], t)) continue;
    const hs_compare_row *b = &res->rows[step_best[s]];
    char *o = res->near_miss_note;
    size_t n = sizeof res->near_miss_note;
    const char *rec = res->rows[res->recommended].label;
    res->near_miss = step_best[s];
    int k = snprintf(o, n,
                     "step %d (%s) comes within %.1f mmHg of the PCWP limit: %.100s at ECMO "
                     "%.2f L/min gives PCWP %.1f mmHg (limit < %g) and meets every other "
                     "target. Two readings of one wedge tracing differ by more (up to 11-15 "
                     "mmHg between specialists, Al-Kharrat 1999)",
                     s, hs_step_name(s), b->v[HS_CMP_PCWP] - t->pcwp_max_mmhg, b->label,
                     b->v[HS_CMP_ECMO], b->v[HS_CMP_PCWP], t->pcwp_max_mmhg);
    if (k < 0 || (size_t)k >= n) return;
    if (t->heart_er_max != 0 || !heart_anaerobic(b->v)) {
      /* a heart target met with no margin: said, since the step trades PCWP for it */
      double lim = heart_limit(b->v, t);
      if (heart_judged(b->v, t) && lim - b->v[HS_CMP_HEART_ER] < HS_HEART_MARGIN)
        hs_str_appendf(o, n,
                       ". Its heart, though, sits at its limit (O2 demand / delivery %.3f of "
                       "%.3f: no margin): a trial of it only where %.100s cannot be done, "
                       "escalating if the measured PCWP stays at or above %g mmHg, and at "
                       "once on rising lactate, new ST changes or arrhythmia",
                       b->v[HS_CMP_HEART_ER], lim, rec, t->pcwp_max_mmhg);
      else
        hs_str_appendf(o, n,
                       ": consider that step first, and escalate to %.100s if the measured "
                       "PCWP stays at or above %g mmHg",
                       rec, t->pcwp_max_mmhg);
      return;
    }
    const hs_compare_row *a = NULL; /* a near miss that keeps the heart aerobic */
    for (int s2 = 1; s2 < res->step && !a; s2++)
      for (size_t i = 0; i < res->nrows; i++) {
        const hs_compare_row *c = &res->rows[i];
        if (c->is_flow_sweep || c->excluded || c->failed || c->step != s2 ||
            !near_only_pcwp(c, t) || !(c->v[HS_CMP_HEART_ER] <= c->v[HS_CMP_HEART_ERCRIT]))
          continue;
        if (!a || c->v[HS_CMP_PCWP] < a->v[HS_CMP_PCWP]) a = c;
      }
    /* the heart decides whether the step is a trial to make at all: said before any advice */
    double er = b->v[HS_CMP_HEART_ER]; /* demand / delivery (heart_note) */
    int k2 = er > 1.0 ? snprintf(o + k, n - (size_t)k,
                                 ". But with it the myocardium's O2 demand is %.2f x what its "
                                 "coronary flow brings, beyond the extraction of %.2f where it "
                                 "turns anaerobic (Walley 1997): not a trial to make; ",
                                 er, b->v[HS_CMP_HEART_ERCRIT])
                      : snprintf(o + k, n - (size_t)k,
                                 ". But with it the myocardium extracts %.2f of its O2, above "
                                 "the %.2f where it turns anaerobic (Walley 1997): not a trial "
                                 "to make; ",
                                 er, b->v[HS_CMP_HEART_ERCRIT]);
    if (k2 < 0 || (size_t)(k + k2) >= n) return;
    if (a)
      snprintf(o + k + k2, n - (size_t)(k + k2),
               "consider instead %.100s (step %d, %s; ECMO %.2f L/min), also within a reading "
               "(PCWP %.1f mmHg), which keeps it at %.2f, and escalate to %.100s if the "
               "measured PCWP stays at or above %g mmHg",
               a->label, a->step, hs_step_name(a->step), a->v[HS_CMP_ECMO], a->v[HS_CMP_PCWP],
               a->v[HS_CMP_HEART_ER], rec, t->pcwp_max_mmhg);
    else
      snprintf(o + k + k2, n - (size_t)(k + k2),
               "no other strategy within a reading keeps it below, so the answer is %.100s",
               rec);
    return;
  }
}

/* The recommendation leaves the myocardium above its critical O2 extraction while the heart
   is not a target (hs_targets.heart_er_max 0): the answer names the first strategy - the
   cheapest step, list order within it - that meets every target and keeps the heart below
   it, or says that none does (docs/decision.md "The heart as a target").  The critical
   extraction is each state's own (v[HS_CMP_HEART_ERCRIT]). */
static void heart_note(hs_compare_result *res) {
  res->heart_alternative = -1;
  res->heart_note[0] = 0;
  if (res->recommended < 0 || res->targets.heart_er_max != 0) return;
  const hs_compare_row *r = &res->rows[res->recommended];
  if (!heart_anaerobic(r->v)) return; /* below, or undefined */
  for (int step = 1; step < HS_STEP_N && res->heart_alternative < 0; step++)
    for (size_t i = 0; i < res->nrows; i++) {
      const hs_compare_row *a = &res->rows[i];
      if (a->is_flow_sweep || a->excluded || a->failed || a->step != step || !a->all_met)
        continue;
      if (a->v[HS_CMP_HEART_ER] <= a->v[HS_CMP_HEART_ERCRIT]) {
        res->heart_alternative = (int)i;
        break;
      }
    }
  char *b = res->heart_note;
  size_t n = sizeof res->heart_note;
  /* heart_o2_extraction is demand / delivery: above 1 no extraction meets the demand, so
     the text says what the number is rather than "extracts 1.05 of its O2" */
  int k = r->v[HS_CMP_HEART_ER] > 1.0
              ? snprintf(b, n,
                         "with the recommendation the myocardium's O2 demand is %.2f x what its "
                         "coronary flow brings (demand %.1f mL O2/min, delivered %.1f mL O2/min "
                         "by a coronary flow of %.0f mL/min): beyond the extraction of %.2f where "
                         "it turns anaerobic, an ongoing shortfall (a risk of infarct extension "
                         "and arrhythmia), not a stable state. ",
                         r->v[HS_CMP_HEART_ER], r->v[HS_CMP_MVO2],
                         r->v[HS_CMP_MVO2] / r->v[HS_CMP_HEART_ER], r->v[HS_CMP_COR_FLOW],
                         r->v[HS_CMP_HEART_ERCRIT])
              : snprintf(b, n,
                         "with the recommendation the myocardium extracts %.2f of its O2 "
                         "(demand %.1f mL/min, coronary flow %.0f mL/min), above the %.2f where "
                         "it turns anaerobic. ",
                         r->v[HS_CMP_HEART_ER], r->v[HS_CMP_MVO2], r->v[HS_CMP_COR_FLOW],
                         r->v[HS_CMP_HEART_ERCRIT]);
  if (k < 0 || (size_t)k >= n) return;
  /* the expected haemodynamics rest on the contractility the shortfall leaves (matching
     on: say how much, and that it can deepen), or on one the heart would lose (off: say
     so, at the end) */
  if (res->ischaemia_on && r->v[HS_CMP_ISCH] < 1.0)
    hs_str_appendf(b, n,
                   "The expected values include the LV's loss of contractility to it "
                   "(perfusion-contraction matching: %.2f x its aerobic end-systolic "
                   "elastance, a model estimate, docs/model.md 2.22), but an ongoing shortfall "
                   "can deepen it: watch lactate, ST segments and PCWP. ",
                   r->v[HS_CMP_ISCH]);
  if (res->heart_alternative < 0) {
    hs_str_appendf(b, n, "No strategy meeting every target keeps it below its critical "
                   "extraction");
  } else {
    const hs_compare_row *a = &res->rows[res->heart_alternative];
    hs_str_appendf(b, n,
                   "Aerobic alternative: %.120s (step %d, %s; ECMO %.2f L/min) meets every "
                   "target and keeps it at %.2f (demand %.1f mL/min, coronary flow %.0f "
                   "mL/min; its critical extraction %.2f). To decide on it, keep the heart a "
                   "target (--target heart_er_max=critical; switched off here)",
                   a->label, a->step, hs_step_name(a->step), a->v[HS_CMP_ECMO],
                   a->v[HS_CMP_HEART_ER], a->v[HS_CMP_MVO2], a->v[HS_CMP_COR_FLOW],
                   a->v[HS_CMP_HEART_ERCRIT]);
  }
  if (!res->ischaemia_on)
    hs_str_appendf(b, n,
                   ". The simulated heart keeps its patient file's contractility at that "
                   "shortfall (perfusion-contraction matching is off), so the expected MAP and "
                   "native output of the recommendation are likely optimistic; --set "
                   "ischaemia.enabled=true lowers the LV's contractility with the shortfall (a "
                   "patient fitted at an already anaerobic state then needs its LV Ees refitted "
                   "as the aerobic one, docs/model.md 2.22)");
}

/* A strategy row of step *(const int *)step that ran (hs_strategy_least_support). */
static int runs_in_step(const hs_compare_row *r, const void *step) {
  return !r->is_flow_sweep && r->step == *(const int *)step && !r->excluded && !r->failed;
}

/* What the team rechecks after the recommended change (docs/decision.md "Recheck"; a
   clinical review, 2026-12-07): the answer is a model's, its flow the least that holds the
   targets in the model. */
static void recheck_note(hs_compare_result *res) {
  res->recheck_note[0] = 0;
  if (res->recommended < 0) return;
  const hs_compare_row *r = &res->rows[res->recommended];
  char *b = res->recheck_note;
  size_t n = sizeof res->recheck_note;
  int pump = row_has_lv_pump(r);
  hs_str_appendf(b, n, "within 30 min of the change: PCWP, MAP, lactate and ST segments");
  /* a native LV that ejects without a pump in it: its valve can close as the flow rises */
  if (r->v[HS_CMP_AVO] >= 0.5 && !pump) {
    if (r->families & (1u << HS_FAM_IABP)) /* the balloon's augmentation is the pulse */
      hs_str_appendf(b, n, "; the aortic valve's opening on echo or on an unassisted beat (the "
                     "balloon briefly at 1:2): the balloon's augmentation hides a narrowing "
                     "pulse");
    else
      hs_str_appendf(b, n, "; the arterial pulse pressure (%.0f mmHg in the model): a "
                     "narrowing one means the aortic valve is closing (confirm on echo)",
                     r->v[HS_CMP_PP]);
  }
  if (r->titrated && r->perfusion_held && res->step < 5) {
    /* PCWP is unloaded, not drained; perfusion is what the flow is for (a clinical review) */
    const char *perf = "; if MAP, lactate or SvO2 worsen instead, raise the ECMO flow first";
    if (res->on_ecmo && hs_strategy_at_flow_floor(r, &res->targets))
      hs_str_appendf(b, n, ". If PCWP rises above its limit, unload more (%sthe next step) "
                     "rather than lowering the ECMO flow: %.2f L/min is the least flow tried; "
                     "the way down from it is a weaning trial, stepwise with echo and lactate%s",
                     pump ? "a higher pump setting, or " : "", r->v[HS_CMP_ECMO], perf);
    else
      hs_str_appendf(b, n, ". If PCWP rises above its limit, unload more (%sthe next step) "
                     "rather than lowering the ECMO flow below %.2f L/min, the least at which "
                     "this strategy holds every target in the model%s",
                     pump ? "a higher pump setting, or " : "", r->v[HS_CMP_ECMO], perf);
  }
}

static void decide(hs_compare_result *res) {
  res->recommended = res->closest = -1;
  res->step = 0;
  for (size_t i = 0; i < res->nrows; i++) {
    const hs_compare_row *r = &res->rows[i];
    if (r->excluded || r->failed || r->is_flow_sweep) continue;
    if (closer(r, res->closest >= 0 ? &res->rows[res->closest] : NULL, &res->targets))
      res->closest = (int)i;
  }
  res->passed_over = res->least_flow = -1;
  int step_best[HS_STEP_N];
  for (int s = 0; s < HS_STEP_N; s++) step_best[s] = -1;
  for (int step = 1; step < HS_STEP_N && res->recommended < 0; step++) {
    int best = -1, ran = 0, excl = 0, nfail = 0;
    char excluded[320] = "", failed[200] = "";
    for (size_t i = 0; i < res->nrows; i++) {
      const hs_compare_row *r = &res->rows[i];
      if (r->is_flow_sweep || r->step != step) continue;
      if (r->excluded) {
        if (!excl++) snprintf(excluded, sizeof excluded, "%s", r->excluded_reason);
        continue;
      }
      if (r->failed) {
        if (!nfail++) snprintf(failed, sizeof failed, "%.60s: %.130s", r->label, r->failed_reason);
        continue;
      }
      ran++;
      if (!r->all_met && closer(r, best >= 0 ? &res->rows[best] : NULL, &res->targets))
        best = (int)i;
    }
    step_best[step] = best;
    /* list order = clinical preference within the step, but the ECMO flow is support
       too: a strategy meeting every target only at >= 1 L/min more flow than another of
       the step is passed over (as in optimize) */
    res->recommended =
        hs_strategy_least_support(res->rows, res->nrows, runs_in_step, &step, &res->passed_over,
                                  &res->least_flow);
    if (res->recommended >= 0) {
      res->step = step;
      break;
    }
    char *w = res->step_why[step];
    size_t n = sizeof res->step_why[step];
    if (!ran && !excl && !nfail) snprintf(w, n, "not tried");
    else if (!ran && !excl) snprintf(w, n, "failed: %.200s%s", failed, nfail > 1 ? " (and others)" : "");
    else if (!ran && !nfail) snprintf(w, n, "contraindicated: %.200s%s", excluded, excl > 1 ? " (and others)" : "");
    else if (!ran) snprintf(w, n, "contraindicated: %.200s; failed: %.200s", excluded, failed);
    else {
      const hs_compare_row *b = &res->rows[best];
      snprintf(w, n, "not enough: the best (%.100s, ECMO %.2f L/min) misses %.240s%s%.150s%s",
               b->label, b->v[HS_CMP_ECMO], b->missed, excl ? " (excluded: " : "",
               excl ? excluded : "", excl ? ")" : "");
    }
  }
  res->alternative = -1;
  if (res->recommended >= 0 && res->rows[res->recommended].risk[HS_RISK_STASIS].level == HS_RISK_HIGH)
    for (int step = res->step; step < HS_STEP_N && res->alternative < 0; step++)
      for (size_t i = 0; i < res->nrows; i++) {
        const hs_compare_row *r = &res->rows[i];
        if (r->is_flow_sweep || r->excluded || r->failed || r->step != step || !r->all_met) continue;
        if (r->risk[HS_RISK_STASIS].level != HS_RISK_HIGH) {
          res->alternative = (int)i;
          break;
        }
      }
  oxygen_note(res);
  deescalation_note(res);
  near_miss_note(res, step_best);
  heart_note(res);
  recheck_note(res);
  if (res->recommended >= 0) {
    const hs_compare_row *r = &res->rows[res->recommended];
    snprintf(res->reason, sizeof res->reason,
             "step %d (%s): %s meets every target: PCWP %.1f mmHg (< %g), MAP %.0f mmHg "
             "(>= %g), DO2 index %.0f mL/min/m2 (>= %g), drained-blood SvO2 %.0f %% "
             "(>= %g)",
             res->step, hs_step_name(res->step), r->label, r->v[HS_CMP_PCWP],
             res->targets.pcwp_max_mmhg, r->v[HS_CMP_MAP], res->targets.map_min_mmhg,
             r->v[HS_CMP_DO2I], res->targets.do2i_min, r->v[HS_CMP_SVO2D],
             res->targets.svo2_min_pct);
    /* the other targets, when set (and judged: the heart needs coronary beds) */
    const hs_targets *tg = &res->targets;
    size_t k0 = strlen(res->reason);
    if (tg->sao2_upper_min_pct > 0 && isfinite(r->v[HS_CMP_SAO2U]))
      k0 += (size_t)snprintf(res->reason + k0, sizeof res->reason - k0,
                             ", right-arm SaO2 %.0f %% (>= %g)", r->v[HS_CMP_SAO2U],
                             tg->sao2_upper_min_pct);
    if (tg->lactate_max_mmol_l > 0 && k0 < sizeof res->reason)
      k0 += (size_t)snprintf(res->reason + k0, sizeof res->reason - k0,
                             ", lactate plateau %.1f mmol/L (<= %.1f)", r->v[HS_CMP_LACT],
                             tg->lactate_max_mmol_l);
    if (tg->psvd_min_mm_mm2 > 0 && k0 < sizeof res->reason)
      k0 += (size_t)snprintf(res->reason + k0, sizeof res->reason - k0,
                             ", PSVD (model) %.1f mm/mm2 (>= %.1f)", r->v[HS_CMP_PSVD],
                             tg->psvd_min_mm_mm2);
    if (heart_judged(r->v, tg) && k0 < sizeof res->reason)
      k0 += (size_t)snprintf(res->reason + k0, sizeof res->reason - k0,
                             ", heart O2 demand/delivery %.2f (<= %.2f%s)", r->v[HS_CMP_HEART_ER],
                             heart_limit(r->v, tg),
                             tg->heart_er_max < 0 ? ", its critical extraction" : "");
    if (tg->cvp_max_mmhg > 0 && k0 < sizeof res->reason)
      snprintf(res->reason + k0, sizeof res->reason - k0, ", CVP %.1f mmHg (<= %g)",
               r->v[HS_CMP_CVP], tg->cvp_max_mmhg);
    if (res->passed_over >= 0) {
      char po[256];
      hs_compare_passed_over_text(&res->rows[res->passed_over], &res->rows[res->least_flow], po,
                                  sizeof po);
      size_t k = strlen(res->reason);
      snprintf(res->reason + k, sizeof res->reason - k, " at ECMO %.2f L/min; %s",
               r->v[HS_CMP_ECMO], po);
    }
    if (!r->steady) { /* said where the answer is read, not only in the table */
      size_t k = strlen(res->reason);
      snprintf(res->reason + k, sizeof res->reason - k, "; " HS_UNSTEADY_NOTE);
    }
  } else if (res->closest >= 0) {
    const hs_compare_row *r = &res->rows[res->closest];
    snprintf(res->reason, sizeof res->reason,
             "no strategy meets every target; closest: %s (step %d), which misses %s", r->label,
             r->step, r->missed);
  } else {
    snprintf(res->reason, sizeof res->reason,
             "no strategy could be run: every one is contraindicated or unavailable");
  }
}

static hs_status compare_run(const hs_model *patient, const hs_targets *targets,
                             const hs_context *ctx, const char *const *strategies,
                             const char *const *builtin, const double *flows, size_t nflows,
                             int threads, const hs_progress *progress, int nested,
                             hs_compare_result **out, hs_err *err);

hs_status hs_compare_run_nested(const hs_model *patient, const hs_targets *targets,
                                const hs_context *ctx, const char *const *strategies,
                                int threads, hs_compare_result **out, hs_err *err) {
  return compare_run(patient, targets, ctx, strategies, NULL, NULL, 0, threads, NULL, 1, out,
                     err);
}

hs_status hs_compare_run_progress(const hs_model *patient, const hs_targets *targets,
                                  const hs_context *ctx, const char *const *strategies,
                                  const double *flows, size_t nflows, int threads,
                                  const hs_progress *progress, hs_compare_result **out,
                                  hs_err *err) {
  if (strategies)
    return compare_run(patient, targets, ctx, strategies, NULL, flows, nflows, threads,
                       progress, 0, out, err);
  /* the built-in list escalates the drugs the patient already receives (SCAI D's
     dobutamine 5: "ECMO + dobutamine 10", not its own dose again) */
  size_t nb = 0;
  while (hs_builtin_strategies[nb]) nb++;
  char(*esc)[96] = calloc(nb, sizeof *esc);
  const char **list = calloc(nb + 1, sizeof *list);
  hs_status st;
  if (!esc || !list) {
    st = hs_err_set(err, HS_ERR_NOMEM, "out of memory comparing strategies");
  } else {
    for (size_t k = 0; k < nb; k++) {
      hs_strategy_escalate(hs_builtin_strategies[k], patient, esc[k], sizeof esc[k]);
      list[k] = esc[k];
    }
    st = compare_run(patient, targets, ctx, NULL, list, flows, nflows, threads, progress, 0, out,
                     err);
  }
  free(esc);
  free(list);
  return st;
}

hs_status hs_compare_run(const hs_model *patient, const hs_targets *targets,
                         const hs_context *ctx, const char *const *strategies,
                         const double *flows, size_t nflows, int threads,
                         hs_compare_result **out, hs_err *err) {
  return hs_compare_run_progress(patient, targets, ctx, strategies, flows, nflows, threads, NULL,
                                 out, err);
}

/* hs_compare_run_progress with the built-in list already made for the patient (used
   when strategies is NULL); nested: only the strategies' rows and the decision on them
   (no circuit check, no ladder: hs_compare_run_nested). */
static hs_status compare_run(const hs_model *patient, const hs_targets *targets,
                             const hs_context *ctx, const char *const *strategies,
                             const char *const *builtin, const double *flows, size_t nflows,
                             int threads, const hs_progress *progress, int nested,
                             hs_compare_result **out, hs_err *err) {
  static const double default_flows[] = {2, 3, 4, 5};
  *out = NULL;
  double t0 = hs_wall_s();
  hs_context cdef;
  hs_context_default(&cdef);
  if (!ctx) ctx = &cdef;
  const char *const *list = strategies ? strategies : builtin;
  if (!strategies && !flows) flows = default_flows, nflows = 4;
  if (!flows) nflows = 0;
  size_t ns = 0;
  while (list[ns]) ns++;
  size_t n = ns + nflows;
  if (n == 0) return hs_err_set(err, HS_ERR_INVALID, "compare: no strategy given");
  hs_status tst = hs_targets_check(targets, err);
  if (tst) return tst;
  hs_model *base;
  hs_status st = hs_strategy_base(patient, &base, err);
  if (st) return st;
  hs_context cx = *ctx; /* with the aortic regurgitation simulated */
  if ((st = hs_strategy_patient_context(base, &cx, err))) {
    hs_model_free(base);
    return st;
  }
  ctx = &cx;
  int femoral_return = hs_strategy_femoral_return(base);
  hs_compare_result *res = calloc(1, sizeof *res);
  hs_strategy_job *jobs = calloc(n, sizeof *jobs);
  hs_strategy *strat = calloc(n, sizeof *strat);
  if (res) res->rows = calloc(n, sizeof *res->rows);
  if (!res || !jobs || !strat || !res->rows) {
    hs_compare_free(res);
    free(jobs), free(strat);
    hs_model_free(base);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory comparing strategies");
  }
  res->nrows = n;
  hs_micro_model_params mdys; /* the patient's capillary dysfunction, said with PSVD* */
  if (hs_micro_model_params_from_model(base, &mdys, NULL) == HS_OK) {
    res->microcirculation[0] = mdys.obstructed;
    res->microcirculation[1] = mdys.oedema;
    res->microcirculation[2] = mdys.vasoconstriction;
  } else {
    res->microcirculation[0] = res->microcirculation[1] = res->microcirculation[2] = NAN;
  }
  res->targets = *targets;
  res->context = *ctx;
  hs_context_note(ctx, res->context_note, sizeof res->context_note);
  res->hold_map = hs_strategy_map_held(base);
  res->on_ecmo = hs_model_block_index(patient, "ecmo") >= 0;
  res->without_circuit = -1;
  res->ladder_least = -1;
  res->heart_alternative = -1;
  res->gain_verdict = -1; /* hs_compare_gain_check not run */
  res->po2_verdict = -1;  /* hs_compare_threshold_check not run */
  res->start_row = -1;
  hs_err cerr; /* the patient's critical coronary venous PO2 (NAN: no coronary block) */
  if (hs_model_get(base, "coronary.critical_venous_po2", &res->heart_po2_crit, &cerr) != HS_OK)
    res->heart_po2_crit = NAN;
  double isch = 0.0; /* off when the patient's model has no such block */
  res->ischaemia_on =
      hs_model_get(base, "ischaemia.enabled", &isch, &cerr) == HS_OK && isch != 0;
  size_t nj = 0;
  for (size_t i = 0; i < n && !st; i++) {
    hs_compare_row *r = &res->rows[i];
    hs_strategy *s = &strat[i];
    if (i < ns) {
      st = hs_strategy_parse(list[i], s, err);
    } else {
      char text[32];
      snprintf(text, sizeof text, "ecmo:%g", flows[i - ns]);
      st = hs_strategy_parse(text, s, err);
      r->is_flow_sweep = 1;
    }
    if (st) break;
    s->ecmo_femoral_return = femoral_return;
    snprintf(r->name, sizeof r->name, "%s", s->text);
    if (r->is_flow_sweep) snprintf(r->label, sizeof r->label, "ECMO alone at %.1f L/min", flows[i - ns]);
    else snprintf(r->label, sizeof r->label, "%s", s->label);
    r->step = s->step;
    r->families = s->families;
    for (int k = 0; k < HS_CMP_NVAL; k++) r->v[k] = NAN;
    if (hs_strategy_excluded(s, ctx, r->excluded_reason, sizeof r->excluded_reason)) {
      r->excluded = 1;
      continue;
    }
    jobs[nj++] = (hs_strategy_job){base, s, 0, !r->is_flow_sweep, targets, r, HS_OK, {0, ""}, NULL,
                                   0, 0, NULL, NULL};
  }
  /* warm start: every strategy starts from the patient's own steady state (on ECMO: at
     the patient's flow; not on ECMO: ECMO alone at the least flow) instead of from rest
     (hs_strategy_seed; hs_sim_copy_state: nodes, edges and devices by name; a device the
     seed lacks starts from its rest state) */
  hs_plan *seed_plan = NULL;
  hs_sim *seed = NULL;
  if (!st && nj > 1)
    st = hs_strategy_seed(base, patient, targets->flow_min_lpm, &seed_plan, &seed, err);
  for (size_t i = 0; i < nj; i++) jobs[i].warm = seed;
  /* sibling chains (hs_strategy_job.after) - not with the MAP controller on: its dose
     has a dead band (any MAP in 65-75 mmHg is steady), so a strategy started from its
     sibling's state would keep a dose that depends on the list order; every strategy
     starts from the same seed instead */
  for (size_t i = 0; i < nj && seed && !res->hold_map; i++) {
    char ki[sizeof jobs[i].st->text], kj[sizeof ki];
    chain_key(jobs[i].st, ki, sizeof ki);
    for (size_t k = i; *ki && jobs[i].titrate && k-- > 0;) {
      chain_key(jobs[k].st, kj, sizeof kj);
      if (jobs[k].titrate && !strcmp(ki, kj)) {
        jobs[i].after = (int)k + 1, jobs[k].publish = 1;
        break;
      }
    }
  }
  if (!st) {
    hs_strategy_run_all_progress(jobs, nj, threads, progress);
    for (size_t i = 0; i < nj; i++) {
      if (!jobs[i].status) continue;
      if (jobs[i].status == HS_ERR_NOMEM) {
        st = hs_err_set(err, jobs[i].status, "strategy '%s': %s", jobs[i].st->text,
                        jobs[i].err.msg);
        break;
      }
      /* a strategy that cannot run on this patient is a row that says why; the
         comparison goes on (docs/decision.md "Strategies that fail") */
      hs_compare_row *r = jobs[i].row;
      r->failed = 1;
      snprintf(r->failed_reason, sizeof r->failed_reason, "%s", jobs[i].err.msg);
      for (int k = 0; k < HS_CMP_NVAL; k++) r->v[k] = NAN;
    }
  }
  hs_strategy_jobs_release(jobs, nj);
  hs_sim_free(seed);
  hs_plan_free(seed_plan);
  for (size_t i = 0; i < n && !st; i++)
    if (!res->rows[i].excluded && !res->rows[i].failed)
      hs_strategy_risks(&strat[i], ctx, res->rows[i].v, res->rows[i].risk),
          hs_strategy_suction_risk(&strat[i], &res->rows[i], &res->rows[i].risk[HS_RISK_SUCTION]);
  free(jobs);
  free(strat);
  if (st) {
    hs_model_free(base);
    hs_compare_free(res);
    return st;
  }
  decide(res);
  /* an answer on an LV the matching weakened: does it have a second steady state? */
  if (!nested) st = hs_compare_start_check(base, res, err);
  hs_model_free(base);
  if (!res->on_ecmo && !nested && !st) st = hs_compare_circuit_check(patient, res, err);
  if (!res->on_ecmo && !strategies && !nested && !st)
    st = hs_compare_ladder(patient, res, threads, err);
  if (st) {
    hs_compare_free(res);
    return st;
  }
  res->wall_s = hs_wall_s() - t0;
  *out = res;
  return HS_OK;
}
