/*
 * physio/coronary.c - metabolic regulation of coronary blood flow (docs/model.md 2.20):
 * the resistance of the coronary beds (the resistors leaving the coronary_arteries role's
 * node) follows the myocardium's O2 extraction, so that the heart extracts its resting
 * share of the O2 it is given whatever the perfusion pressure, arterial O2 content or
 * drugs, until the beds are fully dilated (their reserve) or fully constricted.
 *
 *   E   = VO2_heart / DO2_heart                 over the beat just ended
 *   f  <- f (E* / E)^k,  k = min(1, T / tau)    once per beat (T: its length)
 *   f  in [min_factor, max_factor]              x the beds' resistance
 *
 * In the periodic steady-state search k = 1 (a fixed-point step: the flow of the beds
 * scales about as 1 / f, so the step contracts by the share of the coronary path's
 * resistance that is not regulated), taken once the circulation is past its start-up
 * transient and only while the extraction is off its target by more than 0.1 %; the
 * first beat of a run (no beat length yet) takes no step.  In timed runs the tone
 * relaxes with the time constant tau (flow re-established 10-30 s after a step of
 * perfusion pressure, Mosher et al. 1964 Circ Res 14:250).  E* = 0.70: the human heart
 * extracts 70-75 % of its O2 at rest and raises its consumption by flow, not extraction
 * (Messer et al. 1962 J Clin Invest 41:725; Feigl 1983 Physiol Rev 63:1).  The factor is
 * kept with the slow states (the warm-start state, physio/module.h), not advanced by
 * them: its rate is left 0.
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/model.h"
#include "hemosim/oxygen.h"
#include "hemosim/roles.h"
#include "hemosim/sim.h"
#include "physio/module.h"

enum { CO_ENABLED, CO_EXTRACTION, CO_MIN, CO_MAX, CO_TAU, CO_PCRIT, CO_NPARAM };

static const hs_param_spec CO[CO_NPARAM] = {
    [CO_ENABLED] = {"autoregulation", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
                    "metabolic regulation of the coronary beds' resistance to the "
                    "myocardium's O2 extraction (off: their resistance is fixed, "
                    "pressure-passive flow)",
                    "Mosher et al. 1964 Circ Res 14:250; Feigl 1983 Physiol Rev 63:1", NULL},
    [CO_EXTRACTION] = {"target_extraction", HS_DIM_NONE, 0.70, 0.3, 0.9, 0,
                       "myocardial O2 extraction ratio the coronary tone holds (resting "
                       "coronary sinus saturation about 30 %)",
                       "Messer et al. 1962 J Clin Invest 41:725 (0.70 at rest); Feigl 1983 "
                       "Physiol Rev 63:1", NULL},
    [CO_MIN] = {"min_factor", HS_DIM_NONE, 0.2, 0.05, 1, 0,
                "coronary beds' resistance at full dilation, x their resting value (the "
                "vasodilator reserve; with the unregulated ostia, veins and intramyocardial "
                "compression a flow reserve of 3.4 at rest in the healthy adult)",
                "Gould, Lipscomb & Hamilton 1974 Am J Cardiol 33:87 (dogs: hyperaemic flow 3.5-5x "
                "rest); Uren et al. 1994 N Engl J Med 330:1782 (PET flow reserve ~4 in "
                "normal myocardium)", NULL},
    [CO_MAX] = {"max_factor", HS_DIM_NONE, 2.0, 1, 5, 0,
                "coronary beds' resistance at full constriction, x their resting value",
                "model choice: keeps flow at its demand up to a perfusion pressure about "
                "twice the resting one (autoregulation over ~60-140 mmHg, Mosher 1964)",
                NULL},
    [CO_TAU] = {"time_constant", HS_DIM_TIME, 10, 1, 120, 0,
                "time constant of the tone's response in timed runs",
                "Mosher et al. 1964 Circ Res 14:250 (new steady flow 10-30 s after a step of "
                "perfusion pressure)", NULL},
    [CO_PCRIT] = {"critical_venous_po2", HS_DIM_PRESSURE, 16, 5, 40, 0,
                  "coronary venous PO2 below which the myocardium turns anaerobic: its "
                  "critical O2 extraction is the one that brings its venous blood to this PO2 "
                  "(0.78 at a normal arterial O2 content, less with hypoxaemia), read by the "
                  "lactate and the perfusion-contraction matching",
                  "Walley et al. 1997 Am J Respir Crit Care Med 155:222 (onset of myocardial "
                  "anaerobic metabolism at a coronary venous PO2 of 15.9 +- 2.2 mmHg in pigs, "
                  "in hypoxic and in carbon monoxide hypoxia alike, at extractions of 0.88 and "
                  "0.65)", NULL},
};

const hs_block_type hs_type_coronary = {
    "coronary", HS_BLOCK_GLOBAL, CO, CO_NPARAM,
    "Metabolic coronary autoregulation: the coronary beds' tone holds the myocardium's O2 "
    "extraction (docs/model.md 2.20).",
    NULL};

typedef struct co_state {
  double f;      /* slow-state slot: resistance factor of the coronary beds */
  double tprev;  /* time of the previous beat end (-1: none yet) */
  double change; /* relative change of f at its last step */
  int moving;    /* a step of the steady-state search at the last beat end */
  double er, q;  /* the last beat's extraction ratio and coronary flow (mL/min) */
  double ercrit, pvo2; /* its critical extraction and coronary venous PO2 (mmHg) */
} co_state;

static const hs_physio_slow SLOW[] = {{"coronary_tone", "", 1.0}};

/* In the steady-state search the tone steps once the fast circulation's beat-to-beat
   change is below this many times its tolerance (past the start-up transient, whose
   first beats' flows say little about the periodic state; measured on six shipped
   patients: fewer search beats than stepping from the first beat). */
static const double SEARCH_SETTLED = 1000.0;
/* ... and holds still while the extraction is within this relative band of its target
   (0.1 %: 0.0007 of extraction, ~0.2 mL/min of coronary flow), so that the flows' own
   settling noise, which moves the beat's extraction by about that much, does not keep
   the tone (and the search's factor test, solver.steady_tol_factor) moving. */
static const double SEARCH_BAND = 1e-3;
static const double LN2 = 0.69314718055994531; /* largest change of ln f per beat */

/* Plan data: the coronary beds (resistors leaving the coronary_arteries node) and the
   O2-consuming vessels they feed. */
#define CO_MAX_BEDS 8
typedef struct co_plan {
  int nbed, bed[CO_MAX_BEDS];
} co_plan;

extern const hs_physio_module hs_physio_coronary;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_coronary)

static void co_start(void *state, const hs_plan *pl, const double *p) {
  (void)pl, (void)p;
  co_state *st = state;
  st->f = 1.0;
  st->tprev = -1.0;
  st->change = 0.0;
  st->er = st->q = st->ercrit = st->pvo2 = NAN;
}

/* The tone in force: f within [min_factor, max_factor] (a bound changed at run time, a
   warm-start vector's value), 1 with the regulation off. */
static double tone(const co_state *st, const double *c) {
  if (c[CO_ENABLED] == 0) return 1.0;
  return st->f < c[CO_MIN] ? c[CO_MIN] : st->f > c[CO_MAX] ? c[CO_MAX] : st->f;
}

/* The mean flow of the coronary beds over the beat (mL/s). */
static double bed_flow(const hs_physio_beat *b, const co_plan *cp) {
  double q = 0.0;
  for (int k = 0; k < cp->nbed && b->edge_q; k++) q += b->edge_q[cp->bed[k]];
  return q;
}

/* The arterial O2 content the myocardium received over the beat (mL O2/dL): the O2
   carried into the vessels the coronary beds feed (do2, mL/min) over the blood flow into
   them (q, the beds' mean flow, mL/s); NAN without a forward flow or the beat's O2 data. */
static double cao2_of(double do2, double q) {
  return q > 0 && do2 > 0 ? 100.0 * do2 / (60.0 * q) : NAN;
}

/* The critical extraction at the arterial O2 content ca (hs_physio_heart_er_crit). */
static double er_crit_at(const hs_physio_beat *b, double ca) {
  const hs_plan *pl = b->plan;
  int blk = BLK(pl);
  if (blk < 0 || pl->cor_art < 0 || !isfinite(b->m[HS_M_HB]) || !isfinite(ca)) return NAN;
  double e = 1.0 - hs_o2_content(b->m[HS_M_HB], b->p[blk + CO_PCRIT]) / ca;
  return e > 0 ? e : 0.0;
}

double hs_physio_heart_er_crit(const hs_physio_beat *b) {
  double vo2, do2;
  hs_physio_heart_o2(b, &vo2, &do2);
  return er_crit_at(b, cao2_of(do2, bed_flow(b, hs_physio_plan_data(b->plan,
                                                                    &hs_physio_coronary))));
}

static int co_beat(void *state, const hs_physio_beat *b) {
  co_state *st = state;
  const hs_plan *pl = b->plan;
  const co_plan *cp = hs_physio_plan_data(pl, &hs_physio_coronary);
  const double *c = b->p + BLK(pl);
  double T = st->tprev >= 0 ? b->t - st->tprev : 0.0;
  st->tprev = b->t;
  st->change = 0.0;
  st->moving = 0;
  double vo2, do2, q = bed_flow(b, cp);
  hs_physio_heart_o2(b, &vo2, &do2);
  st->q = cp->nbed ? q * 60.0 : NAN;
  /* demand over delivery (> 1: the delivery falls short); undefined once the coronary
     flow has all but stopped (an arrest: below 1 % of the demand) */
  st->er = vo2 > 0 && do2 > 0.01 * vo2 ? vo2 / do2 : NAN;
  /* the critical extraction, and the PO2 of the coronary venous blood: the arterial content
     less what the demand takes out of it (0 when the demand exceeds the delivery) */
  {
    double ca = cao2_of(do2, q), hb = b->m[HS_M_HB];
    st->ercrit = er_crit_at(b, ca);
    st->pvo2 = isfinite(st->er) && isfinite(ca) && isfinite(hb)
                   ? (st->er < 1.0 ? hs_o2_po2_from_content(hb, ca * (1.0 - st->er)) : 0.0)
                   : NAN;
  }
  double f0 = tone(st, c); /* off (1), or a bound moved: the tone in force */
  int moved = f0 != st->f;
  st->f = f0;
  if (c[CO_ENABLED] == 0) return moved;
  if (!(vo2 > 0) || !isfinite(do2)) return moved; /* no myocardial consumption: no signal */
  if (!(T > 0)) return moved; /* a run's first beat: its flows are the start's transient */
  if (b->search && !(b->residual < SEARCH_SETTLED)) return moved;
  double k = b->search ? 1.0 : T / c[CO_TAU];
  if (k > 1.0) k = 1.0;
  /* extraction above 1 (delivery short of demand) or no delivery at all: full step
     towards dilation, bounded per beat */
  double err = do2 > 0 ? log(c[CO_EXTRACTION] * do2 / vo2) : -LN2;
  if (b->search && fabs(err) < SEARCH_BAND) return moved; /* on target in the search */
  double step = k * err;
  if (step > LN2) step = LN2;
  if (step < -LN2) step = -LN2;
  double f = st->f * exp(step);
  if (f < c[CO_MIN]) f = c[CO_MIN];
  if (f > c[CO_MAX]) f = c[CO_MAX];
  if (fabs(f - st->f) <= 1e-5 * st->f) return moved; /* settled: no restart */
  st->change = fabs(f - st->f) / st->f;
  st->f = f;
  /* a search step holds the search's verdict for a beat: the state it ends on is not yet
     the periodic one of the new tone (the beat's change was measured before the step) */
  st->moving = b->search;
  return 1;
}

static void co_effect(const void *state, const hs_plan *pl, const double *p,
                      hs_physio_effect *fx) {
  fx->coronary *= tone(state, p + BLK(pl));
}

/* Flow and extraction are those of the beat before (the update runs after the beat's
   metrics, as the lactate's rates do); the tone is the one in force. */
static void co_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  const co_state *st = state;
  m[HS_M_COR_TONE] = tone(st, p + BLK(pl));
  m[HS_M_COR_FLOW] = st->q;
  m[HS_M_COR_ER] = st->er;
  m[HS_M_COR_ERCRIT] = st->ercrit;
  m[HS_M_COR_PVO2] = st->pvo2;
}

static double co_change(const void *state) { return ((const co_state *)state)->change; }
static int co_moving(const void *state) { return ((const co_state *)state)->moving; }

/* After a warm start: the last beat's flow and extraction belong to another state. */
static void co_state_set(void *state, const hs_plan *pl, const double *y) {
  (void)pl, (void)y;
  co_state *st = state;
  st->q = st->er = st->ercrit = st->pvo2 = NAN;
  st->tprev = -1.0;
}

/* The coronary beds: the resistors leaving the coronary_arteries role's node. */
static hs_status co_compile(hs_plan *pl, const struct hs_model *m, hs_err *err) {
  co_plan *cp = hs_physio_plan_data(pl, &hs_physio_coronary);
  cp->nbed = 0;
  (void)m;
  for (int e = 0; e < pl->ne; e++) {
    if (!pl->edge_cor[e] || pl->edge_kind[e] != HS_EK_RESISTOR) continue;
    if (cp->nbed == CO_MAX_BEDS)
      return hs_err_set(err, HS_ERR_INVALID,
                        "coronary: more than %d resistors leave the coronary_arteries node "
                        "'%s'; merge the coronary beds",
                        CO_MAX_BEDS, hs_plan_node_name(pl, (size_t)pl->cor_art));
    cp->bed[cp->nbed++] = e;
  }
  return HS_OK;
}

const hs_physio_module hs_physio_coronary = {
    .name = "coronary",
    .doc = "metabolic coronary autoregulation: tone of the coronary beds holds the "
           "myocardium's O2 extraction (docs/model.md 2.20)",
    .state_bytes = sizeof(co_state),
    .block = "coronary",
    .plan_bytes = sizeof(co_plan),
    .compile = co_compile,
    .init = NULL,
    .beat = co_beat,
    .effect = co_effect,
    .metrics = co_metrics,
    .change = co_change,
    .moving = co_moving,
    .state_set = co_state_set,
    .nslow = 1,
    .slow = SLOW,
    .slow_start = co_start,
};
