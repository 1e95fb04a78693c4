/*
 * physio/ischaemia.c - perfusion-contraction matching: the myocardium contracts only as
 * strongly as its O2 supply lets it (docs/model.md 2.22).
 *
 * The myocardium's O2 demand (the myocardium module: basal + excitation-contraction
 * coupling + the ventricles' pressure-volume area) is met aerobically while it stays
 * below the critical extraction of the O2 its coronary beds deliver, E_crit DO2 (E_crit:
 * the extraction that brings the coronary venous blood to its critical PO2,
 * coronary.critical_venous_po2, hs_physio_heart_er_crit).  Beyond
 * it the heart turns anaerobic (Walley 1997) and, within seconds to a minute, contracts
 * less: regional function falls in proportion to the fall of its (subendocardial) flow,
 * which lowers the demand until it matches the supply again (Ross 1991; Heusch 1998).
 * On by default (2026-12-07, once the steady-state search had a stage of its own for it);
 * a patient's file contractility is its aerobic one (docs/model.md 2.22).  The module holds a factor
 * c on the LV's end-systolic elastance: the coronary bed is one lumped bed feeding both
 * ventricles, and its shortfall is read as the LV's (acute-MI shock: left coronary
 * ischaemia; the RV's demand is a fraction of the LV's and its bed is perfused in systole
 * too; an ischaemic RV, as in RV infarction, is not modelled here):
 *
 *   r  = E_crit DO2_heart / VO2_heart_demand     over the beat (the pattern) just ended
 *   c* = min(1, r^g)                             the contractility the supply leaves
 *   ln c <- ln c + k (ln c* - ln c),  k = min(1, T / tau)   (T: the beat's length)
 *   c  in [min_factor, 1]
 *
 * so c = 1 (the file's contractility: the aerobic heart) while r >= 1, and below it c
 * settles where c = r(c)^g: function falling with the aerobic share of the demand, which
 * itself falls with the contractility (g 0.5, a model choice: one lumped bed averages an
 * ischaemic zone with aerobic myocardium).  A device that repeats over n beats (an IABP
 * at 1:n) gives the balance of the whole pattern.  The coronary module dilates the beds
 * first (their reserve); c moves only once the extraction exceeds E_crit.  The periodic
 * steady-state search holds c during each periodic solve and steps it between solves
 * (is_settle: the matching state bracketed and found by regula falsi).  Where the delivery falls faster than the demand (the perfusion
 * pressure falling with the contractility) there is no matching state near the start and
 * c goes down to a low one or its floor: the ischaemic spiral of cardiogenic shock.  Not
 * modelled: stunning (function that stays depressed for hours after the supply is
 * restored: here it recovers with tau), regional asynergy, and ischaemic diastolic
 * stiffening.  The factor is kept with the slow states (the warm-start state,
 * physio/module.h), not advanced by them: its rate is left 0.
 */
#include <math.h>

#include "core/bracket.h"
#include "elements/elements.h"
#include "hemosim/model.h"
#include "hemosim/sim.h"
#include "physio/module.h"

enum { IS_ENABLED, IS_GAIN, IS_MIN, IS_TAU, IS_NPARAM };

static const hs_param_spec IS[IS_NPARAM] = {
    [IS_ENABLED] = {"enabled", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
                    "the LV's contractility falls while the myocardium's O2 demand "
                    "exceeds the critical extraction of its coronary O2 delivery "
                    "(perfusion-contraction matching; off: contractility independent of "
                    "the O2 supply)",
                    "Ross 1991 Circulation 83:1076; Heusch 1998 Physiol Rev 78:1055", NULL},
    [IS_GAIN] = {"gain", HS_DIM_NONE, 0.5, 0, 3, 0,
                 "exponent g of the contractility on the share of the myocardium's O2 demand "
                 "met aerobically, r = critical extraction x delivery / demand (c = r^g "
                 "below 1); 1 would be the whole heart's function in proportion to its "
                 "supply, as regional function is to regional flow",
                 "model choice: regional function falls in proportion to subendocardial flow "
                 "(Ross 1991 Circulation 83:1076; Vatner 1980 Circ Res 47:201), but the one "
                 "lumped bed averages an ischaemic zone with myocardium that stays aerobic "
                 "(docs/model.md 2.22)", NULL},
    [IS_MIN] = {"min_factor", HS_DIM_NONE, 0.2, 0.01, 1, 0,
                "lowest contractility the O2 shortfall leaves, x the end-systolic elastance "
                "the LV has without it (the file's, with drugs and reflexes)",
                "model choice: keeps the basal and activation demand of a severely "
                "ischaemic heart; below it the heart is arrested, not modelled here", NULL},
    [IS_TAU] = {"time_constant", HS_DIM_TIME, 15, 1, 600, 0,
                "time constant of the contractility's response in timed runs (fall and "
                "recovery)",
                "Tennant & Wiggers 1935 Am J Physiol 112:351 (the ischaemic wall stops "
                "shortening within ~1 min of coronary occlusion); Ross 1991 Circulation "
                "83:1076", NULL},
};

const hs_block_type hs_type_ischaemia = {
    "ischaemia", HS_BLOCK_GLOBAL, IS, IS_NPARAM,
    "Perfusion-contraction matching: the LV's contractility falls while the "
    "myocardium's O2 demand exceeds the critical extraction of its delivery (docs/model.md "
    "2.22).",
    NULL};

typedef struct is_state {
  double c;      /* slow-state slot: the factor on the LV's contractility */
  double tprev;  /* time of the previous beat end (-1: none yet) */
  double change; /* relative change of c at its last step */
  /* the search's bracket of the matching state on x = ln c, its drift g = target - x
     (core/bracket.h, as the CSF balance's), and the growth of the steps while it is open;
     zero: a fresh (or zeroed) state */
  hs_bracket br;
  int doublings;
  /* the balance over the beats of one pattern (an IABP at 1:2 alternates it): demand and
     delivery x beat length, their time, beats, and whether they were searched beats */
  double acc_vo2, acc_do2, acc_t;
  long nacc;
  int acc_search;
  /* in the search: the balance of the whole patterns of the summary window after the last
     periodic solve (hs_physio_beat verified; settle() reads it), and whether the window's
     first beat has been seen */
  double set_vo2, set_do2;
  long nset;
  int in_window;
} is_state;

static const hs_physio_slow SLOW[] = {{"ischaemic_contractility", "", 1.0}};

/* In the search the balance counts over the summary window of a periodic solve that
   reached its steady state (the verified periodic state of the current factor, whole
   patterns from its first beat); while the matching state is not yet bracketed a step is
   this share of the gap (doubling while the gap keeps its sign). */
static const double SEARCH_STEP = 1.0;
static const double RECOVERED = 1e-4; /* an aerobic heart this close to 1 is back at 1 */
static const double LN2 = 0.69314718055994531; /* largest change of ln c per beat */

extern const hs_physio_module hs_physio_ischaemia;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_ischaemia)

/* The search's bracket starts afresh: at a search's first outer step (compare and
   optimize set a flow and search again in the same simulation), a timed beat, a warm
   start.  Not at a parameter change: the MAP controller's drugs refresh the derived data
   within a periodic solve, and the bracket of the outer steps is still valid there. */
static void forget_search(is_state *st) {
  st->br = (hs_bracket){0};
  st->doublings = 0;
}

/* The window's balance is read (or stale): empty. */
static void clear_window(is_state *st) {
  st->set_vo2 = st->set_do2 = 0.0;
  st->nset = 0;
  st->in_window = 0;
}

static void forget(is_state *st) {
  forget_search(st);
  st->nacc = 0;
  clear_window(st);
}

static void is_start(void *state, const hs_plan *pl, const double *p) {
  (void)pl, (void)p;
  is_state *st = state;
  st->c = 1.0;
  st->tprev = -1.0;
  st->change = 0.0;
  forget(st);
}

/* The factor in force: c within [min_factor, 1], 1 with the module off. */
static double factor(const is_state *st, const double *q) {
  if (q[IS_ENABLED] == 0) return 1.0;
  return st->c < q[IS_MIN] ? q[IS_MIN] : st->c > 1.0 ? 1.0 : st->c;
}

/* The log of the contractility the supply leaves, max(g ln r, ln min_factor) while
   r = E_crit DO2 / VO2 < 1, else 0 (aerobic); without any aerobic delivery ln min_factor
   (and *lr = it).  cdo2 is the critical delivery E_crit DO2 (accumulated per beat: E_crit
   follows the arterial O2 content, hs_physio_heart_er_crit). */
static double target_of(const double *q, double vo2, double cdo2, double *lr) {
  double lmin = log(q[IS_MIN]);
  if (!(cdo2 > 0)) { /* nothing aerobic (arterial PO2 at or below the critical venous one):
                        the floor, unless the gain is 0 (no matching: the gain check's
                        "matching off") */
    *lr = lmin;
    return q[IS_GAIN] > 0 ? lmin : 0.0;
  }
  *lr = log(cdo2 / vo2);
  return *lr < 0 ? fmax(q[IS_GAIN] * *lr, lmin) : 0.0;
}

/*
 * One outer step of the steady-state search towards the matching state, from x = ln c
 * where the target sits g above it (both read from a periodic solve at c).  The target
 * moves with the contractility (the demand and, through the perfusion pressure, the
 * delivery), with a slope m that nears 1 at the spiral's fold, where a relaxation step
 * barely gains: so the matching state is bracketed, and found by regula falsi (Illinois,
 * core/bracket.h).  While the bracket is open the step is the gap, doubling while the
 * gap keeps its sign.
 */
static double search_step(is_state *st, double x, double g) {
  hs_bracket *b = &st->br;
  int dir = g > 0 ? 1 : -1, prev = b->side;
  hs_bracket_add(b, x, g);
  int open = !(b->have_lo && b->have_hi);
  st->doublings = open && prev == dir ? (st->doublings < 6 ? st->doublings + 1 : 6) : 0;
  double xn;
  if (!open && hs_bracket_falsi(b, &xn)) return xn - x;
  return SEARCH_STEP * ldexp(1.0, st->doublings) * g;
}

static int is_beat(void *state, const hs_physio_beat *b) {
  is_state *st = state;
  const hs_plan *pl = b->plan;
  const double *q = b->p + BLK(pl);
  double T = st->tprev >= 0 ? b->t - st->tprev : 0.0;
  st->tprev = b->t;
  st->change = 0.0;
  if (!b->search) forget_search(st), clear_window(st); /* a later search starts afresh */
  double c0 = factor(st, q);
  int moved = c0 != st->c;
  st->c = c0;
  if (q[IS_ENABLED] == 0 || !b->node_do2 || !b->vo2) return moved;
  if (b->search) { /* only the verified window counts, from its first beat (a pattern's) */
    if (!b->verified) {
      st->in_window = 0;
      st->nacc = 0;
      return moved;
    }
    if (!st->in_window) {
      clear_window(st);
      st->in_window = 1;
      st->nacc = 0;
    }
  }
  double vo2, do2;
  hs_physio_heart_o2(b, &vo2, &do2);
  /* the O2 it can use aerobically: the critical extraction of the delivery (none without
     a coronary flow) */
  double ec = hs_physio_heart_er_crit(b);
  do2 = isfinite(ec) ? ec * do2 : isfinite(do2) ? 0.0 : do2;
  /* no systole (fibrillation, an arrest: no contraction to match), no myocardium in this
     circuit or a run's first beat (its flows are the start's transient): the factor holds,
     and a pattern's balance starts again */
  if (!(b->m[HS_M_HR] > 0) || !isfinite(b->m[HS_M_PVA]) || !(vo2 > 0) || !isfinite(do2) ||
      !(T > 0)) {
    st->nacc = 0;
    return moved;
  }
  /* the balance of a whole pattern (one beat unless a device repeats over n) */
  if (st->nacc == 0 || st->acc_search != b->search) {
    st->acc_vo2 = st->acc_do2 = st->acc_t = 0.0;
    st->nacc = 0;
    st->acc_search = b->search;
  }
  st->acc_vo2 += vo2 * T, st->acc_do2 += do2 * T, st->acc_t += T;
  if (++st->nacc < (b->period > 1 ? b->period : 1)) return moved;
  vo2 = st->acc_vo2, do2 = st->acc_do2, T = st->acc_t;
  st->nacc = 0;
  if (b->search) { /* the search steps the factor between its periodic solves (settle) */
    st->set_vo2 += vo2, st->set_do2 += do2, st->nset++;
    return moved;
  }
  /* a timed run: the contractility follows the one the supply leaves, r^g (r = E_crit
     DO2 / VO2 <= 1), not below the floor, with its time constant (in logs) */
  double lr, target = target_of(q, vo2, do2, &lr);
  if (lr >= 0 && st->c >= 1.0) return moved; /* aerobic at full contractility */
  double k = T / q[IS_TAU], step = (k > 1.0 ? 1.0 : k) * (target - log(st->c));
  if (step > LN2) step = LN2;
  if (step < -LN2) step = -LN2;
  double c = st->c * exp(step);
  if (c > 1.0 || (lr >= 0 && c > 1.0 - RECOVERED)) c = 1.0; /* recovered: exactly 1 */
  if (c < q[IS_MIN]) c = q[IS_MIN];
  if (c != 1.0 && fabs(c - st->c) <= 1e-5 * st->c) return moved; /* settled: no restart */
  if (c == st->c) return moved;
  st->change = fabs(c - st->c) / st->c;
  st->c = c;
  return 1;
}

/* The search's outer step (physio/module.h settle): from the balance of the summary
   window of the periodic solve just ended (its verified periodic state, whole patterns),
   the factor's matching state c = r(c)^g, bracketed and
   found by regula falsi on x = ln c (search_step).  Each reading is a whole periodic
   state, so the first step goes the whole gap.  An aerobic reading at c < 1 steps back up
   (a bracket's low end); one at c = 1 is the aerobic heart: nothing to do. */
static int is_settle(void *state, const hs_plan *pl, const double *p, double tol, int first) {
  is_state *st = state;
  const double *q = p + BLK(pl);
  if (first) forget_search(st);
  long n = st->nset;
  double vo2 = st->set_vo2, do2 = st->set_do2;
  clear_window(st);
  if (q[IS_ENABLED] == 0 || n == 0) return 0; /* off, or no whole pattern to read */
  double lmin = log(q[IS_MIN]), lr, target = target_of(q, vo2, do2, &lr);
  if (lr >= 0 && st->c >= 1.0) return 0;
  double x = log(st->c), err = target - x;
  if (fabs(err) < tol) return 0; /* at the matching state, within the factor tolerance */
  double step = lr >= 0 && !st->br.have_hi ? err : search_step(st, x, err);
  const hs_bracket *br = &st->br;
  if (br->have_lo && br->have_hi && br->v_hi - br->v_lo < tol) {
    /* the gap changes sign within a bracket narrower than the tolerance: converged on ln c
       though the gap is not within it there (a steep gap, where the target falls as the
       contractility rises, or a step of the balance, the aortic valve opening or staying
       shut at this contractility); the factor stays at the last reading */
    return 0;
  }
  double xn = x + step;
  if (xn > 0.0 || (lr >= 0 && xn > -RECOVERED)) xn = 0.0; /* recovered: exactly 1 */
  if (xn < lmin) xn = lmin;
  double c = exp(xn);
  if (c == st->c) return 0;
  st->change = fabs(c - st->c) / st->c;
  st->c = c;
  return 1;
}

/* On the LV alone: the RV's extra factor takes it back out (the drugs' RV share the same
   way); the lumped coronary bed's shortfall is read as the LV's (docs/model.md 2.22). */
static void is_effect(const void *state, const hs_plan *pl, const double *p,
                      hs_physio_effect *fx) {
  double c = factor(state, p + BLK(pl));
  fx->contractility *= c;
  fx->contractility_rv /= c;
}

static void is_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  m[HS_M_ISCH] = pl->cor_art >= 0 ? factor(state, p + BLK(pl)) : NAN;
}

static double is_change(const void *state) { return ((const is_state *)state)->change; }

static void is_state_set(void *state, const hs_plan *pl, const double *y) {
  (void)pl, (void)y;
  is_state *st = state;
  st->tprev = -1.0;
  forget(st);
}

const hs_physio_module hs_physio_ischaemia = {
    .name = "ischaemia",
    .doc = "perfusion-contraction matching: contractility limited by the myocardium's O2 "
           "supply (docs/model.md 2.22)",
    .state_bytes = sizeof(is_state),
    .block = "ischaemia",
    .beat = is_beat,
    .effect = is_effect,
    .metrics = is_metrics,
    .change = is_change,
    .settle = is_settle,
    .state_set = is_state_set,
    .nslow = 1,
    .slow = SLOW,
    .slow_start = is_start,
};
