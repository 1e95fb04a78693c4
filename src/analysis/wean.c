/*
 * analysis/wean.c - VA-ECMO weaning trial (hemosim/compare.h, docs/decision.md
 * "Weaning").  Steady state at the patient's ECMO flow, then the vent line clamped and
 * the flow stepped down gradually (0.5 L/min steps, each to steady state) to the trial
 * flow (default 1.5 L/min), stopping at the first step whose MAP, CVP or PCWP rise is
 * not tolerated, and the published readiness criteria read at the trial flow: pulse
 * pressure, LVEF
 * (> 20-25 %), aortic VTI (>= 10 cm) and MAP (> 60 mmHg) at flow <= 1.5 L/min
 * (Aissaoui et al. 2011, Intensive Care Med 37:1738; ELSO VA-ECMO guideline, Lorusso
 * et al. 2021, ASAIO J 67:827), CVP and PCWP not rising.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/strategy.h"
#include "core/textbuf.h"
#include "hemosim/compare.h"
#include "hemosim/sim.h"

#define LPM (1000.0 / 60.0)
#define PI 3.14159265358979323846

void hs_wean_default(hs_wean_criteria *c) {
  c->flow_lpm = 1.5;      /* Aissaoui 2011: flow reduced to < 1.5 L/min */
  c->pp_min_mmhg = 10;    /* pulsatile arterial waveform */
  c->lvef_min_pct = 25;   /* Aissaoui 2011: LVEF > 20-25 % (upper end) */
  c->vti_min_cm = 10;     /* Aissaoui 2011: aortic VTI >= 10 cm */
  c->map_min_mmhg = 60;   /* Aissaoui 2011 / ELSO: MAP > 60 mmHg at minimal flow */
  c->rise_max_mmhg = 5;   /* CVP / PCWP must not rise by more than this */
  c->lvot_diam_cm = 2.0;  /* adult LVOT diameter (Lang et al. 2015, J Am Soc Echocardiogr 28:1) */
  c->lactate_max_mmol_l = 0; /* optional criterion (e.g. 2 mmol/L): the lactate plateau */
  c->step_lpm = 0.5;      /* flow descent in 0.5 L/min steps, each to steady state */
}

/* aortic (LVOT) VTI proxy: forward stroke volume through the aortic valve / LVOT area */
static double vti_cm(const double *m, double d_cm) {
  double sv = m[HS_M_HR] > 0 ? m[HS_M_LVO] * 1000.0 / m[HS_M_HR] : 0.0; /* mL per beat */
  return (sv > 0 ? sv : 0.0) / (PI * d_cm * d_cm / 4.0);
}

static hs_status steady(hs_sim *s, double *m, double *all, double *v, hs_err *err) {
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(s, &info, err);
  if (st == HS_ERR_NOT_STEADY) st = hs_sim_run_beats(s, 6, err);
  if (!st) st = hs_sim_summary(s, 6, m, err);
  if (!st) st = hs_sim_summary_all(s, 6, all, err);
  if (!st) hs_strategy_values(s, all, v);
  return st;
}

static const char *const CRIT_NAME[HS_WEAN_N] = {"pulse pressure", "LVEF", "aortic VTI", "MAP",
                                                  "CVP rise", "PCWP rise", "lactate plateau"};

/* The criteria that decide whether the descent goes on (the tolerance of each step). */
static int is_tolerance(int k) {
  return k == HS_WEAN_MAP || k == HS_WEAN_CVP || k == HS_WEAN_PCWP || k == HS_WEAN_LACT;
}

/* The LVEF the weaning criterion reads: a heart with no systole (ventricular fibrillation,
   where lvef_pct is undefined) ejects nothing, 0 %. */
static double wean_lvef(const double *m) { return isnan(m[HS_M_LVEF]) ? 0.0 : m[HS_M_LVEF]; }


/* The name of a balloon pump in model m (a device block of type iabp), or NULL. */
static const char *find_balloon(const hs_model *m) {
  for (size_t i = 0; i < hs_model_block_count(m); i++)
    if (!strcmp(hs_model_block_type(m, i)->name, "iabp")) return hs_model_block_name(m, i);
  return NULL;
}

/* With a balloon counterpulsing (<dev>.on) at the trial flow the arterial pulse carries
   its augmentation, not the LV's pulsatility that the criterion asks for (Aissaoui 2011):
   the pulse pressure is read once more with the balloon in standby, at steady state, as
   a team reads the native pulse during a pause of the pump.  *pp: that pulse pressure,
   *read 1; *read 0 when no balloon counterpulsed (nothing read).  all: scratch for
   steady(). */
static hs_status standby_pp(hs_sim *s, const char *dev, double *all, double *pp, int *read,
                            hs_err *err) {
  *read = 0;
  char path[80];
  double on = 0;
  if (!dev || snprintf(path, sizeof path, "%s.on", dev) >= (int)sizeof path ||
      hs_sim_get(s, path, &on, NULL) != HS_OK || !(on > 0))
    return HS_OK;
  double m[HS_METRIC_COUNT], v[HS_CMP_NVAL];
  hs_status st = hs_sim_set(s, path, 0.0, err);
  if (!st) st = steady(s, m, all, v, err);
  if (!st) *pp = m[HS_M_PP], *read = 1;
  return st;
}

/* The criteria at one step (ma: its metrics, av: its compare values) against full flow
   (mb).  Tolerance (MAP, CVP and PCWP rise, the optional lactate) decides whether the
   descent goes on; readiness (pulse pressure, LVEF, VTI) is judged at the trial flow. */
static void eval_step(const hs_wean_criteria *c, const double *mb, const double *ma,
                      const double *av, hs_wean_step *st) {
  st->flow_lpm = av[HS_CMP_ECMO];
  st->value[HS_WEAN_PP] = ma[HS_M_PP];
  st->value[HS_WEAN_LVEF] = wean_lvef(ma);
  st->value[HS_WEAN_VTI] = vti_cm(ma, c->lvot_diam_cm);
  st->value[HS_WEAN_MAP] = ma[HS_M_MAP];
  st->value[HS_WEAN_CVP] = ma[HS_M_CVP] - mb[HS_M_CVP];
  st->value[HS_WEAN_PCWP] = ma[HS_M_PCWP] - mb[HS_M_PCWP];
  st->value[HS_WEAN_LACT] = av[HS_CMP_LACT];
  st->cvp_mmhg = ma[HS_M_CVP], st->pcwp_mmhg = ma[HS_M_PCWP];
  st->pass[HS_WEAN_PP] = st->value[HS_WEAN_PP] >= c->pp_min_mmhg;
  st->pass[HS_WEAN_LVEF] = st->value[HS_WEAN_LVEF] > c->lvef_min_pct;
  st->pass[HS_WEAN_VTI] = st->value[HS_WEAN_VTI] >= c->vti_min_cm;
  st->pass[HS_WEAN_MAP] = st->value[HS_WEAN_MAP] > c->map_min_mmhg;
  st->pass[HS_WEAN_CVP] = st->value[HS_WEAN_CVP] <= c->rise_max_mmhg;
  st->pass[HS_WEAN_PCWP] = st->value[HS_WEAN_PCWP] <= c->rise_max_mmhg;
  st->pass[HS_WEAN_LACT] =
      !(c->lactate_max_mmol_l > 0) || st->value[HS_WEAN_LACT] <= c->lactate_max_mmol_l;
  st->tolerated = 1;
  for (int k = 0; k < HS_WEAN_N; k++)
    if (is_tolerance(k)) st->tolerated &= st->pass[k];
}

/* The flows of the descent: from the patient's flow f0 down by `step` to the trial flow
   (the last step lands on it); one step when step is 0 or f0 is at or below it.  At most
   HS_WEAN_MAX_STEPS: a longer descent takes equal larger steps. */
static int step_flows(double f0, const hs_wean_criteria *c, double *f) {
  double step = c->step_lpm, lo = c->flow_lpm;
  if (!(step > 0) || !(f0 > lo + 1e-9)) return f[0] = lo, 1;
  /* f0 is the measured flow, a controller's few mL/min off the set one (4.003 for 4):
     a remainder below 0.025 L/min is no step of its own (it listed 1.50 L/min twice) */
  int n = (int)ceil((f0 - lo - 0.025) / step);
  if (n < 1) n = 1;
  if (n > HS_WEAN_MAX_STEPS) n = HS_WEAN_MAX_STEPS, step = (f0 - lo) / n;
  for (int k = 1; k < n; k++) f[k - 1] = f0 - step * k;
  f[n - 1] = lo;
  return n;
}

hs_status hs_wean_check(const hs_wean_criteria *c, hs_err *err) {
  if (!(c->flow_lpm > 0 && c->flow_lpm <= 4))
    return hs_err_set(err, HS_ERR_RANGE,
                      "wean: trial flow %g L/min is out of range (0, 4] L/min (the flow the "
                      "circuit is weaned to, not the patient's current flow)",
                      c->flow_lpm);
  if (!(c->step_lpm == 0 || (c->step_lpm >= 0.1 && c->step_lpm <= 2)))
    return hs_err_set(err, HS_ERR_RANGE,
                      "wean: flow step %g L/min must be 0 (one step) or in [0.1, 2] L/min",
                      c->step_lpm);
  if (!(c->lvot_diam_cm >= 1.4 && c->lvot_diam_cm <= 3.0))
    return hs_err_set(err, HS_ERR_RANGE, "wean: LVOT diameter %g cm must be in [1.4, 3] cm",
                      c->lvot_diam_cm);
  return HS_OK;
}

hs_status hs_wean_run(const hs_model *patient, const hs_wean_criteria *crit,
                      hs_wean_result *out, hs_err *err) {
  memset(out, 0, sizeof *out);
  hs_wean_criteria c;
  if (crit) c = *crit;
  else hs_wean_default(&c);
  out->crit = c;
  hs_status st0 = hs_wean_check(&c, err);
  if (st0) return st0;
  if (hs_model_block_index(patient, "ecmo") < 0) /* the ecmo_circuit role */
    return hs_err_set(err, HS_ERR_MODEL,
                      "wean: the patient has no VA-ECMO circuit to wean from (role ecmo_circuit: a device named 'ecmo' or bound under roles:)");
  hs_model *m = NULL;
  hs_status st = hs_strategy_base(patient, &m, err);
  if (st) return st;
  hs_plan *pl = NULL;
  hs_sim *s = NULL;
  double *all = NULL, mb[HS_METRIC_COUNT], ma[HS_METRIC_COUNT];
  if ((st = hs_model_set(m, "solver.max_beats", 300, err))) goto done;
  if (!(pl = hs_plan_compile(m, err))) goto fail;
  if (!(s = hs_sim_new(pl, err))) goto fail;
  if (!(all = malloc(hs_sim_metric_count(s) * sizeof *all))) goto fail;
  const char *balloon = find_balloon(m);
  if ((st = steady(s, mb, all, out->before, err))) goto done;
  out->flow_before_lpm = out->before[HS_CMP_ECMO];
  /* the descent: each step to steady state with the vent clamped, stopped at the first
     step the circulation does not tolerate (docs/decision.md "Weaning trial") */
  double flows[HS_WEAN_MAX_STEPS];
  int nf = step_flows(out->flow_before_lpm, &c, flows);
  if ((st = hs_sim_set(s, "ecmo.vent_clamp", 1.0, err))) goto done;
  for (int k = 0; k < nf; k++) {
    if ((st = hs_sim_set(s, "ecmo.target_flow", flows[k] * LPM, err))) goto done;
    if ((st = steady(s, ma, all, out->after, err))) goto done;
    hs_wean_step *sp = &out->steps[out->nsteps++];
    eval_step(&c, mb, ma, out->after, sp);
    out->pp_arterial_mmhg = ma[HS_M_PP];
    out->lvef_after = wean_lvef(ma);
    out->vti_after = sp->value[HS_WEAN_VTI];
    out->cvp_after = ma[HS_M_CVP];
    if (!sp->tolerated) {
      out->stopped_early = k < nf - 1;
      break;
    }
  }
  hs_wean_step *last = &out->steps[out->nsteps - 1];
  /* a counterpulsing balloon: the pulse pressure of the last step read in standby (the
     simulation's last use: the balloon stays off) */
  double pp = NAN;
  if ((st = standby_pp(s, balloon, all, &pp, &out->pp_lv_own, err))) goto done;
  if (out->pp_lv_own) {
    last->value[HS_WEAN_PP] = pp;
    last->pass[HS_WEAN_PP] = pp >= c.pp_min_mmhg;
  }
  out->flow_after_lpm = out->after[HS_CMP_ECMO];
  out->lvef_before = wean_lvef(mb);
  out->vti_before = vti_cm(mb, c.lvot_diam_cm);
  out->cvp_before = mb[HS_M_CVP];
  memcpy(out->value, last->value, sizeof out->value);
  memcpy(out->pass, last->pass, sizeof out->pass);
  if (out->pp_lv_own)
    snprintf(out->text[HS_WEAN_PP], sizeof out->text[0],
             "pulse pressure %.1f mmHg (>= %.0f mmHg; the LV's own, the balloon in "
             "standby: counterpulsing, the arterial %.0f mmHg carries its augmentation)",
             last->value[HS_WEAN_PP], c.pp_min_mmhg, out->pp_arterial_mmhg);
  else
    snprintf(out->text[HS_WEAN_PP], sizeof out->text[0],
             "pulse pressure %.1f mmHg (>= %.0f mmHg)", last->value[HS_WEAN_PP], c.pp_min_mmhg);
  snprintf(out->text[HS_WEAN_LVEF], sizeof out->text[0], "LVEF %.0f %% (> %.0f %%)",
           last->value[HS_WEAN_LVEF], c.lvef_min_pct);
  snprintf(out->text[HS_WEAN_VTI], sizeof out->text[0],
           "aortic VTI %.1f cm (>= %.0f cm; LV forward stroke volume %.0f mL / LVOT %.1f cm)",
           last->value[HS_WEAN_VTI], c.vti_min_cm,
           ma[HS_M_HR] > 0 ? ma[HS_M_LVO] * 1000 / ma[HS_M_HR] : 0, c.lvot_diam_cm);
  snprintf(out->text[HS_WEAN_MAP], sizeof out->text[0], "MAP %.1f mmHg (> %.0f mmHg)",
           last->value[HS_WEAN_MAP], c.map_min_mmhg);
  snprintf(out->text[HS_WEAN_CVP], sizeof out->text[0],
           "CVP %.0f -> %.0f mmHg (rise %+.1f mmHg, at most %.0f)", mb[HS_M_CVP], last->cvp_mmhg,
           hs_shown(last->value[HS_WEAN_CVP], 1), c.rise_max_mmhg);
  snprintf(out->text[HS_WEAN_PCWP], sizeof out->text[0],
           "PCWP %.0f -> %.0f mmHg (rise %+.1f mmHg, at most %.0f)", mb[HS_M_PCWP],
           last->pcwp_mmhg, hs_shown(last->value[HS_WEAN_PCWP], 1), c.rise_max_mmhg);
  if (c.lactate_max_mmol_l > 0) /* two decimals: 2.04 against 2 must not read "2.0 (<= 2.0)" */
    snprintf(out->text[HS_WEAN_LACT], sizeof out->text[0],
             "lactate plateau %.2f mmol/L (<= %.2f mmol/L; docs/model.md 2.17)",
             last->value[HS_WEAN_LACT], c.lactate_max_mmol_l);
  out->passed = !out->stopped_early;
  char failed[300] = ""; /* the verdict quotes at most 250 characters of it */
  for (int k = 0; k < HS_WEAN_N; k++)
    if (!out->pass[k]) {
      out->passed = 0;
      snprintf(failed + strlen(failed), sizeof failed - strlen(failed), "%s%s",
               *failed ? ", " : "", CRIT_NAME[k]);
    }
  if (out->passed)
    snprintf(out->verdict, sizeof out->verdict,
             "passes the weaning trial: ECMO stepped down to %.2f L/min in %d step%s with the "
             "vent clamped, every step tolerated and every readiness criterion met there",
             out->flow_after_lpm, out->nsteps, out->nsteps == 1 ? "" : "s");
  else if (out->stopped_early)
    snprintf(out->verdict, sizeof out->verdict,
             "fails the weaning trial: not tolerated at step %d of %d, ECMO %.2f L/min (vent "
             "clamped; the trial flow %.2f L/min was not reached): %.250s not met",
             out->nsteps, nf, out->flow_after_lpm, c.flow_lpm, failed);
  else
    snprintf(out->verdict, sizeof out->verdict,
             "fails the weaning trial at ECMO %.2f L/min (vent clamped): %.250s not met",
             out->flow_after_lpm, failed);
  goto done;
fail:
  st = err && err->code ? err->code : HS_ERR_NOMEM;
done:
  free(all);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return st;
}

char *hs_wean_text(const hs_wean_result *r, const char *patient) {
  size_t cap = 8192;
  char *b = malloc(cap);
  if (!b) return NULL;
  int n = snprintf(b, cap, "%s: %s %s\n\nTrial: ECMO flow %.2f -> %.2f L/min in %d step%s of "
                   "%.2g L/min, vent clamped (criteria: Aissaoui 2011; ELSO 2021)\n",
                   patient ? patient : "patient", r->passed ? "PASS -" : "FAIL -", r->verdict,
                   r->flow_before_lpm, r->flow_after_lpm, r->nsteps, r->nsteps == 1 ? "" : "s",
                   r->crit.step_lpm);
  for (int k = 0; k < HS_WEAN_N && n > 0 && (size_t)n < cap; k++)
    if (*r->text[k]) /* the lactate plateau only when it is a criterion */
      n += snprintf(b + n, cap - (size_t)n, "  %-4s %s\n", r->pass[k] ? "met" : "NOT", r->text[k]);
  const int lact = r->crit.lactate_max_mmol_l > 0;
  if (n > 0 && (size_t)n < cap)
    n += snprintf(b + n, cap - (size_t)n,
                  "Steps (vent clamped; MAP, CVP and PCWP rise%s decide whether the descent "
                  "goes on, pulse pressure, LVEF and VTI are judged at the trial flow):\n"
                  "  %10s %8s %8s %6s %7s %8s %9s %s %s\n",
                  lact ? " and the lactate plateau" : "", "ECMO L/min", "MAP mmHg", "PP mmHg",
                  "LVEF %", "VTI cm", "CVP mmHg", "PCWP mmHg", lact ? "lactate mmol/L " : "",
                  "tolerated");
  for (int k = 0; k < r->nsteps && n > 0 && (size_t)n < cap; k++) {
    const hs_wean_step *sp = &r->steps[k];
    char lc[32] = "", why[160] = "yes";
    if (lact) snprintf(lc, sizeof lc, "%14.2f ", sp->value[HS_WEAN_LACT]);
    if (!sp->tolerated) { /* name what stopped the descent */
      snprintf(why, sizeof why, "NO, stopped:");
      for (int j = 0; j < HS_WEAN_N; j++)
        if (is_tolerance(j) && !sp->pass[j])
          snprintf(why + strlen(why), sizeof why - strlen(why), " %s", CRIT_NAME[j]);
    }
    n += snprintf(b + n, cap - (size_t)n, "  %10.2f %8.1f %8.1f %6.0f %7.1f %8.1f %9.1f %s %s\n",
                  sp->flow_lpm, sp->value[HS_WEAN_MAP], sp->value[HS_WEAN_PP],
                  sp->value[HS_WEAN_LVEF], sp->value[HS_WEAN_VTI], sp->cvp_mmhg, sp->pcwp_mmhg,
                  lc, why);
  }
  if (n > 0 && (size_t)n < cap)
    snprintf(b + n, cap - (size_t)n,
             "At the last step: total systemic flow %.2f L/min (ECMO %.2f + native LV %.2f), "
             "pulmonary (thermodilution) flow %.2f L/min, DO2 index %.0f mL/min/m2, "
             "drained-blood SvO2 %.0f %%; LVEF %.0f -> %.0f %%, aortic VTI %.1f -> %.1f cm.\n",
             r->after[HS_CMP_CO], r->after[HS_CMP_ECMO], r->after[HS_CMP_LVO],
             r->after[HS_CMP_QP], r->after[HS_CMP_DO2I], r->after[HS_CMP_SVO2D], r->lvef_before,
             r->lvef_after, r->vti_before, r->vti_after);
  /* what the capillaries and the brain get at the trial flow: reported, not a criterion */
  n = (int)strlen(b);
  if (isfinite(r->before[HS_CMP_PSVD]) && isfinite(r->after[HS_CMP_PSVD]) && (size_t)n < cap)
    snprintf(b + n, cap - (size_t)n,
             "Microcirculation (model, not a criterion): small-vessel PSVD %.1f -> %.1f mm/mm2, "
             "PPSV %.0f -> %.0f %% at the trial flow, with the patient's capillary dysfunction "
             "(patients weaned successfully kept a higher PVD at 50 %% flow, 19.7 vs 12.4 "
             "mm/mm2, Akin 2017: measure it, `hemosim micro analyze`); brain: CBF %.0f -> %.0f "
             "mL/100 g/min.\n",
             r->before[HS_CMP_PSVD], r->after[HS_CMP_PSVD], r->before[HS_CMP_PPSV],
             r->after[HS_CMP_PPSV], r->before[HS_CMP_CBF], r->after[HS_CMP_CBF]);
  return b;
}
