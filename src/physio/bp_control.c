/*
 * physio/bp_control.c - the MAP / blood-pressure controller (docs/controllers.md): one
 * implementation, two ways to configure it.
 *  - map_control.enabled: a clinician-like titration of a vasopressor or vasodilator
 *    to the band [target_low, target_high] (default 65-75 mmHg: Asfar 2014 NEJM
 *    370:1583; van Diepen 2017 Circulation 136:e232), gain, update interval, engage
 *    time and drug limits from that block;
 *  - otherwise brain.bp_target (blood pressure after thrombectomy): the band of the
 *    chosen target on SBP (or MAP), with brain.bp_gain, bp_engage_time, bp_min_factor,
 *    bp_max_factor and bp_margin.
 * While the controlled pressure v is outside the band, once per beat (at most once
 * per interval) the systemic arteriolar resistance factor steps by
 *   f <- f exp(gain (aim - v) / v),
 * aim = the band edge moved inside by a quarter of the band (the "<x" targets:
 * bp_margin below x); inside the band nothing changes (a clinician does not touch a
 * pressure that is on target).  The factor is limited to [min, max]; the controller
 * counts as settled (steady state) only inside the band or at a limit.  A change is a
 * discontinuity of the right-hand side: the engine restarts the integrator at the beat
 * boundary.
 * With map_control.effect = drugs (the default) the factor is the titration variable
 * only: f > 1 is given as the norepinephrine dose whose resistance effect is f, and
 * that dose acts with all its effects in the drugs block (contractility, heart rate);
 * f < 1 is the nitroprusside dose, with its venous pooling.  Limits are then doses
 * (max_norepinephrine, max_nitroprusside).  effect = resistance, and brain.bp_target,
 * scale the resistance only.
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/drugs.h"
#include "hemosim/sim.h"
#include "physio/module.h"

typedef struct bpc_state {
  double f;      /* systemic resistance factor */
  double ne, snp;          /* effect drugs: the doses f stands for, ug/kg/min */
  double ees, hr;          /* their contractility and heart-rate factors */
  double change; /* relative change of f at its last step */
  double last;   /* time of the last titration step */
  int moving;    /* not yet engaged, or still titrating */
} bpc_state;

typedef struct ctl_config {
  int on, use_map, drugs;
  double lo, hi, aim_lo, aim_hi, gain, interval, engage, fmin, fmax;
} ctl_config;

/* Blood-pressure bands of brain.bp_target (its choices, in order: none, sbp_below_120,
   sbp_below_140, sbp_140_180, map_80_110; docs/brain.md for the trials). */
static const double TARGET_LO[] = {0, 0, 0, 140, 80}, TARGET_HI[] = {0, 120, 140, 180, 110};

extern const hs_physio_module hs_physio_bp_control;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_bp_control)

static ctl_config config_of(const hs_plan *pl, const double *p) {
  ctl_config c = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const double *mc = p + BLK(pl);
  if (mc[MAPC_ENABLED] != 0) {
    double w = mc[MAPC_HIGH] - mc[MAPC_LOW];
    if (w < 0) w = 0;
    double d[HS_DRUG_COUNT] = {0};
    hs_drug_effect fx;
    d[HS_DRUG_NOREPINEPHRINE] = mc[MAPC_MAX_NE];
    hs_drug_effect_of(d, &fx);
    c.on = 1;
    c.lo = mc[MAPC_LOW], c.hi = mc[MAPC_HIGH];
    c.aim_lo = c.lo + 0.25 * w, c.aim_hi = c.hi - 0.25 * w;
    c.gain = mc[MAPC_GAIN], c.interval = mc[MAPC_INTERVAL], c.engage = mc[MAPC_ENGAGE];
    c.fmax = fx.resistance;
    c.drugs = (int)mc[MAPC_EFFECT] == 0;
    if (c.drugs) { /* the vasodilator limit is nitroprusside's dose */
      d[HS_DRUG_NOREPINEPHRINE] = 0.0;
      d[HS_DRUG_NITROPRUSSIDE] = mc[MAPC_MAX_SNP];
      hs_drug_effect_of(d, &fx);
      c.fmin = fx.resistance;
    } else {
      c.fmin = mc[MAPC_MIN_FACTOR];
    }
    return c;
  }
  const double *br = p + hs_physio_block(pl, "brain"); /* brain.bp_target */
  int target = (int)br[BRAIN_BP_TARGET];
  if (target <= 0 || target > 4) return c;
  c.on = 1;
  c.use_map = target == 4;
  c.lo = c.aim_lo = TARGET_LO[target];
  c.hi = c.aim_hi = TARGET_HI[target];
  if (target <= 2) c.hi = c.aim_hi = TARGET_HI[target] - br[BRAIN_BP_MARGIN]; /* aim inside "< x" */
  c.gain = br[BRAIN_BP_GAIN], c.interval = 0.0, c.engage = br[BRAIN_BP_ENGAGE];
  c.fmin = br[BRAIN_BP_MIN_FACTOR], c.fmax = br[BRAIN_BP_MAX_FACTOR];
  return c;
}

/*
 * Dose of one drug (ug/kg/min) whose systemic-resistance effect alone equals the
 * factor f, by bisection on the drugs block's Emax relation (docs/drugs.md); the
 * saturating dose 5 ug/kg/min (norepinephrine) / 10 (nitroprusside) is reported
 * when f lies beyond what the drug can reach.
 */
static double equivalent_dose(int drug, double f) {
  double dmax = drug == HS_DRUG_NITROPRUSSIDE ? 10.0 : 5.0;
  double d[HS_DRUG_COUNT] = {0};
  hs_drug_effect fx;
  double lo = 0.0, hi = dmax;
  for (int it = 0; it < 60; it++) {
    d[drug] = 0.5 * (lo + hi);
    hs_drug_effect_of(d, &fx);
    int more = drug == HS_DRUG_NITROPRUSSIDE ? fx.resistance > f : fx.resistance < f;
    if (more) lo = d[drug];
    else hi = d[drug];
  }
  return 0.5 * (lo + hi);
}

/* The doses and drug effects the factor f stands for (effect drugs; none otherwise). */
static void set_doses(bpc_state *st, const ctl_config *c) {
  st->ne = st->snp = 0.0;
  st->ees = st->hr = 1.0;
  if (!c->drugs || st->f == 1.0) return;
  double d[HS_DRUG_COUNT] = {0};
  if (st->f > 1.0) d[HS_DRUG_NOREPINEPHRINE] = st->ne = equivalent_dose(HS_DRUG_NOREPINEPHRINE, st->f);
  else d[HS_DRUG_NITROPRUSSIDE] = st->snp = equivalent_dose(HS_DRUG_NITROPRUSSIDE, st->f);
  hs_drug_effect fx;
  hs_drug_effect_of(d, &fx);
  st->ees = fx.contractility, st->hr = fx.heart_rate;
}

static void bpc_init(void *state) {
  bpc_state *st = state;
  st->f = 1.0;
  st->ne = st->snp = 0.0;
  st->ees = st->hr = 1.0;
  st->change = 0.0;
  st->last = -INFINITY;
  st->moving = 0;
}

static int bpc_beat(void *state, const hs_physio_beat *b) {
  bpc_state *st = state;
  ctl_config c = config_of(b->plan, b->p);
  st->change = 0.0;
  if (!c.on) {
    st->moving = 0;
    if (st->f == 1.0) return 0;
    st->f = 1.0;
    set_doses(st, &c);
    return 1;
  }
  st->moving = 1;
  if (b->t < c.engage) return 0; /* engaged after the start-up transient */
  double v = c.use_map ? b->m[HS_M_MAP] : b->m[HS_M_SBP];
  double aim = v > c.hi ? c.aim_hi : v < c.lo ? c.aim_lo : v;
  double f = st->f;
  if (aim != v) f *= exp(c.gain * (aim - v) / (v > 1 ? v : 1.0));
  if (f < c.fmin) f = c.fmin;
  if (f > c.fmax) f = c.fmax;
  if (f == st->f) { /* on target or at a limit: settled */
    st->moving = 0;
    return 0;
  }
  if (b->t - st->last < c.interval - 1e-9) return 0; /* waits for the next titration */
  st->change = fabs(f - st->f) / st->f;
  st->f = f;
  st->last = b->t;
  set_doses(st, &c);
  return 1;
}

static void bpc_effect(const void *state, const hs_plan *pl, const double *p,
                       hs_physio_effect *fx) {
  const bpc_state *st = state;
  fx->resistance *= st->f;
  fx->contractility *= st->ees; /* norepinephrine: both ventricles (drugs block) */
  fx->heart_rate *= st->hr;
  if (st->ne > 0 || st->snp > 0) {
    /* the drug_response block's terms, read here so that a change of that block reaches
       a settled controller too: nitroprusside's pooling and LV distensibility, either
       drug's pulmonary vasomotor effect */
    double d[HS_DRUG_COUNT] = {0};
    d[HS_DRUG_NOREPINEPHRINE] = st->ne, d[HS_DRUG_NITROPRUSSIDE] = st->snp;
    int o = hs_physio_block(pl, "drug_response");
    const double *vp = o >= 0 ? p + o : NULL;
    fx->venous_volume += hs_drug_venous_volume(d, vp) * p[pl->body + BODY_WEIGHT];
    fx->lv_diastolic *= hs_drug_lv_diastolic(d, vp);
    fx->pulmonary *= hs_drug_pulmonary(d, vp);
  }
}

static void bpc_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  (void)pl, (void)p;
  const bpc_state *st = state;
  double f = st->f;
  m[HS_M_BPC] = f;
  if (st->ne > 0 || st->snp > 0) { /* effect drugs: the doses given (only ever at f != 1) */
    m[HS_M_NE_EQ] = st->ne, m[HS_M_NTP_EQ] = st->snp;
    return;
  }
  m[HS_M_NE_EQ] = f > 1.0 ? equivalent_dose(HS_DRUG_NOREPINEPHRINE, f) : 0.0;
  m[HS_M_NTP_EQ] = f < 1.0 ? equivalent_dose(HS_DRUG_NITROPRUSSIDE, f) : 0.0;
}

static int bpc_moving(const void *state) { return ((const bpc_state *)state)->moving; }
static double bpc_change(const void *state) { return ((const bpc_state *)state)->change; }

const hs_physio_module hs_physio_bp_control = {
    .name = "bp_control",
    .doc = "MAP / blood-pressure controller: map_control block or brain.bp_target "
           "(docs/controllers.md)",
    .state_bytes = sizeof(bpc_state),
    .block = "map_control",
    .init = bpc_init,
    .beat = bpc_beat,
    .effect = bpc_effect,
    .metrics = bpc_metrics,
    .moving = bpc_moving,
    .change = bpc_change,
};

/* ---- its parameter block (the module owns it; the engine finds it by name) ---- */

static const char *const MAPC_EFFECTS[] = {"drugs", "resistance", NULL};

/* Clinician-like MAP controller: a vasopressor / vasodilator titrated to a MAP band
   (docs/controllers.md). */
static const hs_param_spec MAPC[MAPC_NPARAM] = {
    [MAPC_ENABLED] = {"enabled", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                      "titrate a vasopressor / vasodilator (see effect) to hold MAP in the "
                      "target band; overrides brain.bp_target",
                      "docs/controllers.md", NULL},
    [MAPC_LOW] = {"target_low", HS_DIM_PRESSURE, 65, 40, 120, 0,
                  "lower edge of the MAP band (MAP >= 65 mmHg in shock)",
                  "Asfar 2014 NEJM 370:1583; van Diepen 2017 Circulation 136:e232", NULL},
    [MAPC_HIGH] = {"target_high", HS_DIM_PRESSURE, 75, 45, 140, 0,
                   "upper edge of the MAP band (65-70 vs 80-85 mmHg: no benefit of the higher "
                   "target, more arrhythmia)",
                   "Asfar 2014 NEJM 370:1583", NULL},
    [MAPC_GAIN] = {"gain", HS_DIM_NONE, 0.3, 0.01, 2, 0,
                   "titration step: ln(factor) changes by gain x (aim - MAP) / MAP per update",
                   "docs/controllers.md", NULL},
    [MAPC_INTERVAL] = {"interval", HS_DIM_TIME, 0, 0, 600, 0,
                       "shortest time between two titration steps (0: every beat)",
                       "docs/controllers.md", NULL},
    [MAPC_ENGAGE] = {"engage_time", HS_DIM_TIME, 30, 0, 3600, 0,
                     "the controller acts from this simulated time (after the start-up "
                     "transient)",
                     "docs/controllers.md", NULL},
    [MAPC_MAX_NE] = {"max_norepinephrine", HS_DIM_DOSE_RATE, 1.0, 0, 5, 0,
                     "vasopressor limit: highest norepinephrine dose the controller gives "
                     "(effect resistance: the resistance factor of that dose; > 1 ug/kg/min "
                     "is refractory shock)",
                     "Overgaard & Dzavik 2008 Circulation 118:1047; van Diepen 2017", NULL},
    [MAPC_MIN_FACTOR] = {"min_factor", HS_DIM_NONE, 0.5, 0.2, 1, 0,
                         "effect resistance only: vasodilator limit, smallest systemic "
                         "resistance factor (0.5: about nitroprusside 5 ug/kg/min in the drugs "
                         "block)",
                         "Overgaard & Dzavik 2008 Circulation 118:1047", NULL},
    [MAPC_EFFECT] = {"effect", HS_DIM_NONE, 0, 0, 1, HS_PARAM_CHOICE,
                     "drugs: the controller titrates norepinephrine (vasoconstriction with its "
                     "inotropy and chronotropy) or nitroprusside (arteriolar and venous "
                     "dilation) through the drugs block's dose-response; resistance: it scales "
                     "the systemic arteriolar resistance only (a pure-afterload sensitivity "
                     "analysis)",
                     "docs/controllers.md; docs/drugs.md", MAPC_EFFECTS},
    [MAPC_MAX_SNP] = {"max_nitroprusside", HS_DIM_DOSE_RATE, 3.0, 0, 10, 0,
                      "effect drugs: vasodilator limit, highest nitroprusside dose the "
                      "controller gives (usual 0.5-10 ug/kg/min, 10 for minutes only; above "
                      "~2-3 ug/kg/min cyanide accumulates over hours)",
                      "Nitropress (sodium nitroprusside) prescribing information, FDA 2017; "
                      "Hottinger et al. 2014 J Anaesthesiol Clin Pharmacol 30:462",
                      NULL},
};

const hs_block_type hs_type_map_control = {
    "map_control", HS_BLOCK_GLOBAL, MAPC, MAPC_NPARAM,
    "Clinician-like MAP controller: vasopressor / vasodilator titrated once per beat to a MAP "
    "band (docs/controllers.md).",
    NULL};
