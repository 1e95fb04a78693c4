/*
 * model/steady.c - the periodic steady state of one simulation (docs/numerics.md,
 * "Periodic steady state"): the beat-to-beat change of every state kind that the test
 * reads (hs_sim_steady_measure, called at every beat end by model/sim.c), the CSF
 * balance solve (the slow ICP mode), the Anderson acceleration of the beat map with its
 * safeguards, and hs_sim_run_to_steady, which drives them and the O2/CO2 warm start
 * (physio/transport.c).  It works on the simulation's private state
 * (model/sim_internal.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/anderson.h"
#include "core/bracket.h"
#include "model/sim_internal.h"

/* Relative change of a positive factor. */
static inline double rel(double a, double b) {
  double d = fabs(a - b), m = fabs(b) > 1e-12 ? fabs(b) : 1e-12;
  return d / m;
}

/*
 * Beat-to-beat change of every state between the last two end-diastoles, per kind
 * (docs/numerics.md, "Periodic steady state"):
 *   volumes (mL) and baroreflex unstressed-volume shifts          -> solver.steady_tol
 *   inertial flows, device flow states (mL/s)                      -> solver.steady_tol_flow
 *   device speed states (rpm)                                       -> solver.steady_tol_rpm
 *   relative change of each control factor (baroreflex effectors and
 *   heart period, autoregulated resistance, MAP/BP controller) and
 *   absolute change of device fractions                             -> solver.steady_tol_factor
 *   CSF: |mean dV_csf/dt| x R_out (mmHg from the CSF balance)       -> solver.steady_tol_icp
 *   O2 content, ECMO-blood fraction (mL/mL)                         -> solver.steady_tol_o2
 * (CO2 contents are solved directly, o2_equilibrate, and do not hold it back).
 * res_fast is the largest change / tolerance over the first four kinds.
 */
/* The largest change of any node's O2 content or ECMO-blood fraction (mL/mL) from state
   y0 to state y. */
static double o2_change_but(const hs_plan *pl, const double *y, const double *y0, int skip) {
  double do2 = 0;
  for (int i = 0; i < pl->nn; i++) {
    if (i == skip) continue;
    double c1 = y[pl->yo2 + i] / y[i], c0 = y0[pl->yo2 + i] / y0[i];
    if (fabs(c1 - c0) > do2) do2 = fabs(c1 - c0);
    if (pl->ntr) {
      c1 = y[pl->ytr + i] / y[i], c0 = y0[pl->ytr + i] / y0[i];
      if (fabs(c1 - c0) > do2) do2 = fabs(c1 - c0);
    }
  }
  return do2;
}

static double o2_change(const hs_plan *pl, const double *y, const double *y0) {
  return o2_change_but(pl, y, y0, -1);
}

void hs_sim_steady_measure(hs_sim *s) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  const double *y = s->y, *y0 = s->y_prev_ed;
  double dv = 0, dq = 0, drpm = 0, dfac = 0;
  for (int i = 0; i < pl->nn; i++) {
    double d = fabs(y[i] - y0[i]);
    if (d > dv) dv = d;
  }
  s->last_change = dv;
  s->last_change_o2 = o2_change(pl, y, y0);
  for (int e = 0; e < pl->ne; e++) {
    int k = pl->estate[e];
    if (k >= 0 && fabs(y[k] - y0[k]) > dq) dq = fabs(y[k] - y0[k]);
  }
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; k < dt->nstates; k++) {
      int j = pl->dev_state_ofs[d] + k, kind = dt->states ? dt->states[k].kind : HS_DSTATE_FLOW;
      double c = fabs(y[j] - y0[j]);
      double *acc = kind == HS_DSTATE_SPEED ? &drpm : kind == HS_DSTATE_FRACTION ? &dfac : &dq;
      if (c > *acc) *acc = c;
    }
  }
  if (s->ntmod) {
    hs_physio_tone a = {1, 1, 1, 1, 0, 0, 0}, b = a;
    tone_at(s, y, &a);
    tone_at(s, y0, &b);
    double r[5] = {rel(a.ees_lv, b.ees_lv), rel(a.ees_rv, b.ees_rv),
                   rel(a.r_splanchnic, b.r_splanchnic), rel(a.r_extra, b.r_extra),
                   fabs(a.dperiod - b.dperiod) / (s->brr > 0.1 ? s->brr : 0.1)};
    for (int k = 0; k < 5; k++)
      if (r[k] > dfac) dfac = r[k];
    double v = fabs(a.dvu_splanchnic - b.dvu_splanchnic);
    if (fabs(a.dvu_extra - b.dvu_extra) > v) v = fabs(a.dvu_extra - b.dvu_extra);
    if (v > dv) dv = v;
  }
  if (pl->nar && s->cx->regulation_change) { /* regulated resistances (physio/module.h) */
    double r = s->cx->regulation_change(pl, s->p, y, y0);
    if (r > dfac) dfac = r;
  }
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    double c = md->change ? md->change(s->mstate + s->mofs[k]) : 0.0;
    if (c > dfac) dfac = c;
  }
  double res = dv / sv[SOLVER_STEADY_TOL];
  if (dq / sv[SOLVER_STEADY_TOL_FLOW] > res) res = dq / sv[SOLVER_STEADY_TOL_FLOW];
  if (drpm / sv[SOLVER_STEADY_TOL_RPM] > res) res = drpm / sv[SOLVER_STEADY_TOL_RPM];
  if (dfac / sv[SOLVER_STEADY_TOL_FACTOR] > res) res = dfac / sv[SOLVER_STEADY_TOL_FACTOR];
  s->res_fast = res;
  s->cx_drift = 0.0;
  s->cx_imb = 0.0;
  if (pl->nic) {
    double rr = s->brr > 1e-3 ? s->brr : 1e-3;
    s->cx_drift = (y[pl->ycsf] - y0[pl->ycsf]) / rr;
    s->cx_imb = s->cx->imbalance(pl, s->p, s->cx_drift);
  }
}

/* The compartment volume (the CSF) at its equilibrium (circuit hook equilibrium) from the
   last beat's mean compartment pressure and outflow pressure; nothing before the first beat,
   without a compartment or when no node carries its outflow. */
static void csf_equilibrate(hs_sim *s) {
  const hs_plan *pl = s->pl;
  if (!pl->nic || s->nhist == 0 || !s->cx->equilibrium) return;
  long row = (s->nhist - 1) % HIST;
  const double *site = s->site + row * 3 * pl->nn;
  double pout;
  if (!s->cx->outflow_pressure(pl, s->p, site, &pout)) return;
  if (s->cx->equilibrium(pl, s->p, s->hist[row * s->nm + HS_M_ICP], pout, s->y[pl->ycsf],
                         s->qmean, site, &s->y[pl->ycsf]))
    s->dirty = 1;
}

/*
 * CSF balance (the slow ICP mode).  The CSF volume obeys dV/dt = production -
 * absorption(ICP), with a time constant of tens of minutes once the intracranial
 * blood volume has yielded to it (Marmarou 1978): integration alone would need
 * thousands of beats.  Once the haemodynamics are nearly steady, the CSF volume jumps
 * to the zero of its mean drift D(V) over a beat.  With an outflow node the first
 * STEADY_CSF_DIRECT steps take the direct balance (circuit hook equilibrium: formation
 * = absorption at the last beat's mean sinus pressure, the intracranial blood the
 * vessels give up included), whose error is that of the last beat's haemodynamics plus
 * a small bias of its mean-flow blood estimate.  Later steps, and every step without an
 * outflow node (after a Newton guess, circuit hook newton), are Illinois regula falsi
 * between measurements of opposite drift, which removes that bias (the bracket is kept
 * during the direct steps too: it also decides how settled the haemodynamics must be
 * before the next step).  The haemodynamics settle
 * again before the next measurement; the steady-state test then requires
 * |D| R_out < solver.steady_tol_icp.
 */
#define STEADY_CSF_DIRECT 4 /* the first steps take the direct balance */

/* The CSF volume's and the left heart's pool's drift D(V) falls as V rises: their roots
   are bracketed and closed by Illinois regula falsi (core/bracket.h). */
typedef struct csf_solver {
  int n;
  hs_bracket br;
} csf_solver;

static void csf_step(hs_sim *s, csf_solver *cs) {
  const hs_plan *pl = s->pl;
  double v = s->y[pl->ycsf], d = s->cx_drift, vn;
  hs_bracket_add(&cs->br, v, d);
  if (cs->n < STEADY_CSF_DIRECT && (csf_equilibrate(s), (vn = s->y[pl->ycsf]) != v)) {
    /* the direct balance.  It used to be only the first guess, followed by regula falsi
       on measured drifts; but a drift measured while the autoregulated beds still
       re-settle after the last step can have the wrong sign, and the stale bracket end
       then held the secant steps to hundredths of a mL (healthy adult: 33 beats, 25
       with direct steps; docs/numerics.md) */
  } else if (hs_bracket_falsi(&cs->br, &vn)) {
  } else if (csf_equilibrate(s), (vn = s->y[pl->ycsf]) != v && (vn - v) * d > 0) {
    /* no bracket yet: the direct balance, when it lies on the side the measured drift
       points to */
  } else {
    s->y[pl->ycsf] = v;
    /* no outflow node: the module's Newton guess (circuit hook newton) */
    const double *m = s->hist + ((s->nhist - 1) % HIST) * s->nm;
    const double *site = s->site + ((s->nhist - 1) % HIST) * 3 * pl->nn;
    double psin;
    s->cx->outflow_pressure(pl, s->p, site, &psin);
    memcpy(s->ydense, s->y, (size_t)pl->ny * sizeof(double));
    vn = s->cx->newton(pl, s->p, s->ydense, s->pc_ref, m[HS_M_ICP], psin, d);
  }
  if (vn > v + 30.0) vn = v + 30.0;
  if (vn < v - 30.0) vn = v - 30.0;
  if (vn < 0.1 * v) vn = 0.1 * v;
  cs->n++;
  s->y[pl->ycsf] = vn;
  memcpy(s->y_prev_ed, s->y, (size_t)pl->ny * sizeof(double));
  s->dirty = 1;
}

/*
 * Left-heart filling balance (the slow mode of a non-ejecting LV).  Between the
 * pulmonary and the aortic valve lie the pulmonary vessels, the left atrium and the LV:
 * the "pool".  While the LV does not eject, what enters the pool (RV output, the
 * bronchial venous return from the systemic arteries, docs/model.md 4.8) stays there,
 * and the pool fills until its pressure stops the inflow or makes the LV eject it.  The
 * bronchial inflow is ~1 % of the cardiac output across ~60 mL/mmHg of pool compliance:
 * a time constant of an hour or more, thousands of beats of plain integration, and a
 * beat-to-beat change far below solver.steady_tol long before the balance is reached
 * (at 0.02 mL per beat the pool can still be ~150 mL from it).  So once the LV has
 * stopped ejecting and the pool gains volume, its volume jumps to the zero of its mean
 * drift D(V) over a beat, as the CSF volume does (csf_step): the first step follows the
 * drift, later ones the secant through the last two measurements until the zero is
 * bracketed, then Illinois regula falsi.  The volume moves between the pool and the rest
 * of the circulation (the intracranial vessels excepted) in proportion to each node's
 * volume, contents at their concentrations, so blood and O2 are conserved.  The balance
 * holds when the latest drift, over the secant's slope, puts the zero within
 * STEADY_LH_VTOL; the steady-state test then applies as everywhere.
 */
#define STEADY_LH_GAP 4       /* beats between steps: the rest settles first */
#define STEADY_LH_FIRST 100.0 /* the first step: the drift of so many beats, */
#define STEADY_LH_FIRSTMAX 20.0 /* at most so many mL (the secant takes it from there) */
#define STEADY_LH_SETTLED 20.0 /* a step once every change is below so many tolerances */
/* ... and the drift is the slow mode's: it changed by less than this fraction over the
   last beat (a faster decay is the rest of the circulation still settling, and a step on
   it overshoots: the LV, filled past the balance, would keep the excess) */
#define STEADY_LH_SLOW 0.02
#define STEADY_LH_MAXSTEP 300.0 /* mL per step at most */
#define STEADY_LH_VTOL 2.0    /* mL: the zero is this close */
#define STEADY_LH_STEPS 40    /* steps at most */
/* The flattest drift-volume slope of the pool, per beat: bronchial conductance over the
   pool's compliance, ~1 / (30 mmHg s/mL x 60 mL/mmHg) s^-1, 4e-4 per beat at 50 /min;
   a quarter of it (a time constant of 10^4 beats) */
#define STEADY_LH_MINSLOPE 1e-4
#define STEADY_LH_DAMP 0.7    /* fraction of the secant's filling step taken */
typedef struct lh_solver {
  int active, n, have_prev;
  long beat; /* beat of the last step */
  hs_bracket br;
  double v_prev, d_prev, slope; /* the last measurement and the secant slope (< 0) */
} lh_solver;

/* The pool's nodes (1 in mask): the LV and every node reached from the LA through
   edges that are neither valves nor systemic beds nor resistances of at least
   STEADY_LH_RSEP (the bronchial veins' drainage into the azygos: the pool's pressure
   does not carry across it within a beat).  0 when the pool would reach the right
   heart or the aortic root (a model without that separation): no balance. */
#define STEADY_LH_RSEP 10.0 /* mmHg s/mL (pulmonary and venous connections: < 1) */
int hs_lh_pool(const hs_sim *s, unsigned char *mask) {
  const hs_plan *pl = s->pl;
  memset(mask, 0, (size_t)pl->nn);
  if (pl->la < 0 || pl->lv < 0) return 0;
  mask[pl->la] = 1;
  for (int grew = 1; grew;) {
    grew = 0;
    for (int e = 0; e < pl->ne; e++) {
      if (pl->edge_kind[e] == HS_EK_VALVE || pl->edge_bed[e]) continue;
      int blk = pl->edge_block[e], r = hs_param_index(pl->btype[blk], "resistance");
      if (r >= 0 && s->p[pl->bpofs[blk] + r] >= STEADY_LH_RSEP) continue;
      int a = pl->efrom[e], b = pl->eto[e];
      if (mask[a] != mask[b]) mask[a] = mask[b] = 1, grew = 1;
    }
  }
  mask[pl->lv] = 1;
  if (mask[pl->ra] || mask[pl->rv] || mask[pl->root]) return 0;
  for (int k = 0; k < pl->nic; k++)
    if (mask[pl->ic_nodes[k]]) return 0;
  return 1;
}

double hs_lh_volume(const hs_plan *pl, const unsigned char *mask, const double *y) {
  double v = 0;
  for (int i = 0; i < pl->nn; i++)
    if (mask[i]) v += y[i];
  return v;
}

/* Move dv mL into the pool (out of it when negative) from the other nodes except the
   intracranial ones (donor: scratch of nn), each in proportion to its volume, contents at
   their concentration.
   The shift is limited so that no node loses more than half its volume. */
void hs_lh_shift(hs_sim *s, const unsigned char *mask, unsigned char *donor, double dv) {
  const hs_plan *pl = s->pl;
  double vin = 0, vout = 0;
  memset(donor, 1, (size_t)pl->nn);
  for (int k = 0; k < pl->nic; k++) donor[pl->ic_nodes[k]] = 0;
  /* the LV's volume changes only through its valves (and devices): volume put into a
     non-ejecting LV could never leave, and plain integration could not take any out */
  donor[pl->lv] = 0;
  for (int i = 0; i < pl->nn; i++) {
    if (mask[i] && i != pl->lv) donor[i] = 0, vin += s->y[i];
    else if (donor[i]) vout += s->y[i];
  }
  if (dv > 0.5 * vout) dv = 0.5 * vout;
  if (dv < -0.5 * vin) dv = -0.5 * vin;
  for (int i = 0; i < pl->nn; i++) {
    double f = mask[i] && i != pl->lv ? 1.0 + dv / vin : donor[i] ? 1.0 - dv / vout : 1.0;
    if (f == 1.0) continue;
    s->y[i] *= f;
    s->y[pl->yo2 + i] *= f;
    s->y[pl->yco2 + i] *= f;
    if (pl->ntr) s->y[pl->ytr + i] *= f;
  }
}

/* The contents of a non-ejecting LV at their fixed point, in state y: the mean of its
   inflows' contents weighted by the last beat's inflows (s->qmean) - the LA's when the
   mitral valve is its only inflow (its own relax over V / inflow, ~10^5 beats near the
   balance, and the O2 test would wait for them).  A leaking aortic valve feeds it from the
   aortic root too, and the LV returns that blood to the root (systolic to-and-fro: no net
   ejection); setting such an LV to the LA's contents kicked the root's and the coronary
   arteries' contents, which then relaxed with the LV's washout (~100 beats; SCAI E on ECMO
   at 2 L/min with mild AR, compare: not steady after 400 beats). */
static void lh_contents(const hs_sim *s, double *y) {
  const hs_plan *pl = s->pl;
  int lv = pl->lv, la = pl->la;
  double w = 0, c[3] = {0, 0, 0};
  for (int e = 0; e < pl->ne; e++) {
    int from = pl->efrom[e], to = pl->eto[e], src;
    double q;
    if (to == lv && from != lv) src = from, q = s->qmean[2 * e];
    else if (from == lv && to != lv) src = to, q = s->qmean[2 * e + 1];
    else continue;
    if (!(q > 0)) continue;
    w += q;
    c[0] += q * y[pl->yo2 + src] / y[src];
    c[1] += q * y[pl->yco2 + src] / y[src];
    if (pl->ntr) c[2] += q * y[pl->ytr + src] / y[src];
  }
  if (!(w > 0)) { /* no inflow measured: the LA's */
    w = 1.0;
    c[0] = y[pl->yo2 + la] / y[la], c[1] = y[pl->yco2 + la] / y[la];
    c[2] = pl->ntr ? y[pl->ytr + la] / y[la] : 0.0;
  }
  y[pl->yo2 + lv] = c[0] / w * y[lv];
  y[pl->yco2 + lv] = c[1] / w * y[lv];
  if (pl->ntr) y[pl->ytr + lv] = c[2] / w * y[lv];
}

/* One step of the balance from the pool volume v with the drift d (mL per beat). */
static void lh_step(hs_sim *s, lh_solver *h, const unsigned char *mask, unsigned char *donor,
                    double v, double d) {
  hs_bracket_add(&h->br, v, d);
  double vn;
  if (hs_bracket_falsi(&h->br, &vn)) {
  } else if (h->have_prev && v != h->v_prev && (d - h->d_prev) / (v - h->v_prev) < 0) {
    double g = (d - h->d_prev) / (v - h->v_prev), lim = 4.0 * fabs(v - h->v_prev);
    h->slope = g;
    /* filling: approach the zero from below (an LV filled past it keeps the excess) */
    vn = v - (d > 0 ? STEADY_LH_DAMP : 1.0) * d / g;
    if (vn > v + lim) vn = v + lim;
    if (vn < v - lim) vn = v - lim;
  } else { /* no slope yet: a small step the way the drift goes */
    double dv = STEADY_LH_FIRST * d;
    if (dv > STEADY_LH_FIRSTMAX) dv = STEADY_LH_FIRSTMAX;
    if (dv < -STEADY_LH_FIRSTMAX) dv = -STEADY_LH_FIRSTMAX;
    vn = v + dv;
  }
  const hs_bracket *b = &h->br;
  if (b->have_lo && b->have_hi && b->v_hi != b->v_lo) {
    double g = (b->d_hi - b->d_lo) / (b->v_hi - b->v_lo);
    if (g < 0) h->slope = g;
  }
  if (vn > v + STEADY_LH_MAXSTEP) vn = v + STEADY_LH_MAXSTEP;
  if (vn < v - STEADY_LH_MAXSTEP) vn = v - STEADY_LH_MAXSTEP;
  h->v_prev = v, h->d_prev = d, h->have_prev = 1;
  h->n++;
  h->beat = s->beats;
  hs_lh_shift(s, mask, donor, vn - v);
  lh_contents(s, s->y);
  memcpy(s->y_prev_ed, s->y, (size_t)s->pl->ny * sizeof(double));
  s->dirty = 1;
}

/* The balance holds: the latest drift over the secant's slope puts the zero within
   STEADY_LH_VTOL; or, without a slope (the drift died away while integrating), over the
   flattest slope this mode has (STEADY_LH_MINSLOPE); or the steps are used up. */
static int lh_ok(const lh_solver *h, double d) {
  if (!h->active || h->n >= STEADY_LH_STEPS) return 1;
  if (fabs(d) < STEADY_LH_VTOL * STEADY_LH_MINSLOPE) return 1;
  return h->n >= 1 && h->slope < 0 && fabs(d / h->slope) < STEADY_LH_VTOL;
}

/*
 * Steady-state acceleration (solver.steady_accel): Anderson acceleration of the beat
 * map.  F(x) is the end-diastolic state one beat after the end-diastolic state x; the
 * periodic steady state is its fixed point.  Each beat is integrated normally from
 * x_k; the next start x_{k+1} combines the last few beats (core/anderson.h, memory
 * STEADY_AA_M), every state weighted by the reciprocal of its steady-state tolerance
 * (steady_weights), so the least-squares problem balances volumes, flows, speeds and
 * control factors the way the steady-state test does.  The CSF volume (own solve,
 * csf_step) and the O2 / tracer contents (own warm start, o2_equilibrate) are carried
 * along at the latest beat's value (contents as concentrations, so O2 mass follows the
 * accelerated volume).  Weights of the volumes are equal, so the coefficients sum to
 * one over the volumes and the total blood volume is unchanged.
 */
#define STEADY_AA_M 5
/* The haemodynamic stage runs until the largest change is below its tolerance; plain
   integration takes it from there.  The beat map is integrated with adaptive steps
   (solver.rtol), so below about half the volume tolerance it is not smooth: accelerated
   steps then stagnate at 0.4-1.2 tolerances (acute-MI shock: 24 beats), where plain beats
   fall to 0.2.  A goal of 0.3 cost 5-10 % more beats over the shipped patients for
   changes of the steady state of at most 0.03 mmHg / 0.03 mL (docs/numerics.md). */
#define STEADY_AA_FAST_GOAL 1.0
/* The first CSF step once the haemodynamics are within this many tolerances (3 once the
   drift has changed sign): the direct balance is good enough long before the beats are
   periodic, and the earlier the step, the less settling it undoes. */
#define STEADY_CSF_FIRST 50.0
/* The O2 stage runs until the per-beat O2 change is this fraction of its tolerance: the
   washout modes are slow (r ~ 0.9-0.99 per beat), so a change just below the tolerance
   can still be tens of tolerances from the fixed point; accelerated steps are cheap. */
#define STEADY_AA_O2_GOAL 0.1
/* Beats between CSF steps: the drift is measured only after the haemodynamics have
   answered the last step (a step every beat measures the transient, not the balance). */
#define STEADY_CSF_GAP 3
#define STEADY_AA_O2_STEPS 12 /* at most, once the change is below its tolerance */
/* The O2 stage gives up when its change has not improved on its best for so many
   accelerated steps: the contents of a node where two streams meet and the flow
   reverses within the beat (the abdominal aorta of femoral VA-ECMO, the watershed)
   make the contents' beat map non-smooth, and the combination can then wander at a few
   tolerances indefinitely (pig on ECMO: 70 beats).  The best state is restored and the
   contents are integrated plainly from there. */
#define STEADY_AA_O2_STALL 6
/* The O2 replay (model/replay.c) at the O2 warm start: until the largest content change
   over a replayed beat is this fraction of its tolerance, at most so many replays. */
#define STEADY_REPLAY_GOAL 0.01
#define STEADY_REPLAY_MAX 40
/* Blood-gas steps (hs_sim_run_to_steady, where the blood's CO2 and O2 act on the
   circulation: the brain's CO2 / O2 reactivity).
   STEADY_GAS_FIRST: the first step once the haemodynamics are within so many tolerances
   and the O2 contents steady (a warm-started search, whose flows and contents start near
   their steady values: the step merges with the settling; a cold start waits for the O2
   warm start, which takes the first step).  Done once a step moves the defended-flow
   factor's target by less than STEADY_GAS_TOL (relative: 0.5 % of the defended cerebral
   flow, a PCO2 change of ~0.1-0.2 mmHg at 4 %/mmHg; successive steps scattered by 0.3-0.6 %
   with the membrane lung's sweep at 0 and the CO2 far from its reference, and at 0.2 %
   that search never ended); the factor still takes that last small step, without a
   re-settling.  At most STEADY_GAS_STEPS.  A
   jump larger than STEADY_GAS_CSF restarts the CSF balance solve (its bracket and its
   direct steps: the cerebral flow, and with it CSF formation and the sinus pressure,
   moved the drift's zero), the left-heart filling balance of a non-ejecting LV (whose
   zero moved with the systemic flows: scai_e_shock_ecmo, plain integration at a quarter
   of the tolerances, drifted 0.006 mL per beat for 2800 beats) and the O2 warm start;
   smaller jumps keep them. */
#define STEADY_GAS_FIRST 10.0
#define STEADY_GAS_TOL 5e-3
#define STEADY_GAS_STEPS 10
#define STEADY_GAS_CSF 0.02
/* At the end, the CO2 balance and the O2 fixed point at its alveolar PO2 (hs_sim_run_to_steady):
   at most so many rounds of solving both and testing again by integration. */
#define STEADY_O2_ROUNDS 3
/* ... each to this fraction of the O2 tolerance (a jump is kept only beyond one) */
#define STEADY_SETTLE_GOAL 0.1

static void steady_weights(const hs_sim *s, double *w) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  double tv = sv[SOLVER_STEADY_TOL], tq = sv[SOLVER_STEADY_TOL_FLOW];
  double tr = sv[SOLVER_STEADY_TOL_RPM], tf = sv[SOLVER_STEADY_TOL_FACTOR];
  for (int k = 0; k < pl->ny; k++) w[k] = 0.0;
  for (int i = 0; i < pl->nn; i++) w[i] = 1.0 / tv;
  for (int e = 0; e < pl->ne; e++)
    if (pl->estate[e] >= 0) w[pl->estate[e]] = 1.0 / tq;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; k < dt->nstates; k++) {
      int kind = dt->states ? dt->states[k].kind : HS_DSTATE_FLOW;
      w[pl->dev_state_ofs[d] + k] =
          1.0 / (kind == HS_DSTATE_SPEED ? tr : kind == HS_DSTATE_FRACTION ? tf : tq);
    }
  }
  hs_physio_tol tol = {tv, tf, s->brr};
  for (int j = 0; j < s->ntmod; j++) { /* the modules' states, as each weighs them */
    int k = s->tmod[j];
    const hs_physio_module *md = hs_physio_module_at((size_t)k);
    if (md->weights) md->weights(s->mstate + s->mofs[k], pl, s->p, &tol, w + pl->mod_y[k]);
  }
  for (int k = 0; k < pl->nar; k++) w[pl->yar + k] = 1.0 / tf;
  if (pl->ycf >= 0) w[pl->ycf] = 1.0 / tf; /* a flow ratio: a factor's tolerance */
  if (pl->yrf >= 0) w[pl->yrf] = 1.0 / tf; /* the defended-flow factor */
}

/*
 * Make an accelerated start state x (from the beat map value g) admissible, or say why
 * not.  Carried-along states take g's value; closed valves carry no flow; bounded device
 * states are projected onto their declared range (hs_device_state); while the LV does
 * not eject its volume may not exceed g's (its filling is one-way: an overshoot would
 * never be undone), the excess stays in the LA (likewise the RV and the RA); every volume
 * keeps at least 30 % of g's.
 */
static const char *steady_admissible(const hs_sim *s, const double *g, double *x, int lv_shut,
                                     int rv_shut, int o2in, char *why, size_t n) {
  const hs_plan *pl = s->pl;
  for (int k = 0; k < pl->ny; k++)
    if (!isfinite(x[k])) {
      snprintf(why, n, "t=%.1f s: an Anderson step was not finite", s->t);
      return why;
    }
  if (pl->nic) x[pl->ycsf] = g[pl->ycsf];
  if (lv_shut && x[pl->lv] > g[pl->lv]) x[pl->la] += x[pl->lv] - g[pl->lv], x[pl->lv] = g[pl->lv];
  if (rv_shut && x[pl->rv] > g[pl->rv]) x[pl->ra] += x[pl->rv] - g[pl->rv], x[pl->rv] = g[pl->rv];
  for (int i = 0; i < pl->nn; i++) {
    if (!(x[i] > 0.3 * g[i])) {
      snprintf(why, n, "t=%.1f s: an Anderson step would empty '%s' (%.1f -> %.1f mL)", s->t,
               hs_plan_node_name(pl, (size_t)i), g[i], x[i]);
      return why;
    }
    if (!o2in) {
      x[pl->yo2 + i] = g[pl->yo2 + i] / g[i] * x[i];
      x[pl->yco2 + i] = g[pl->yco2 + i] / g[i] * x[i];
      if (pl->ntr) x[pl->ytr + i] = g[pl->ytr + i] / g[i] * x[i];
    } else {
      if (x[pl->yo2 + i] < 0) x[pl->yo2 + i] = 0;
      if (x[pl->yco2 + i] < 0) x[pl->yco2 + i] = 0;
      if (pl->ntr && x[pl->ytr + i] < 0) x[pl->ytr + i] = 0;
      if (pl->ntr && x[pl->ytr + i] > x[i]) x[pl->ytr + i] = x[i];
    }
  }
  for (int k = pl->ygas; k < pl->ygas + 1 + pl->nd; k++) /* gas PCO2: carried, >= 0 */
    x[k] = !o2in ? g[k] : x[k] < 0 ? 0.0 : x[k];
  for (int v = 0; v < pl->nvalve; v++)
    if (!s->open[v]) x[pl->estate[pl->valve_edge[v]]] = 0.0;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; dt->states && k < dt->nstates; k++) {
      double *v = &x[pl->dev_state_ofs[d] + k];
      if (*v < dt->states[k].min) *v = dt->states[k].min;
      if (*v > dt->states[k].max) *v = dt->states[k].max;
    }
  }
  return NULL;
}

/* The CO2 balance for the steady flows: the last beat's mean flows, or qpat, those of a
   pattern of beats. */
static void co2_balance(hs_sim *s, const double *qpat, size_t nqm) {
  if (qpat) memcpy(s->qmean, qpat, nqm * sizeof(double));
  s->pl->tx->equilibrate(s, 0);
}

/* The end of the search (hs_sim_run_to_steady): the CO2 balance for the steady flows
   (qpat: the mean flows of a pattern of beats, or NULL for the last beat's), then the O2
   and tracer contents at their fixed point for the last beat's transport at the new
   end-capillary content (the replay solve), kept only when it lies more than a tolerance
   away.  Returns that distance (without a replay: the end-capillary content's change) in
   O2 tolerances.  replay 0: the replay is not used (see the caller). */
static double settle_o2(hs_sim *s, int replay, const double *qpat, size_t nqm, double *ysave) {
  const hs_plan *pl = s->pl;
  size_t nb = (size_t)pl->ny * sizeof(double);
  double cec = s->c_ec, tol = s->p[pl->solver + SOLVER_STEADY_TOL_O2];
  co2_balance(s, qpat, nqm);
  if (!replay) return fabs(s->c_ec - cec) / tol;
  memcpy(ysave, s->y, nb);
  double moved = hs_replay_solve(s, STEADY_SETTLE_GOAL, STEADY_REPLAY_MAX) > 0
                     ? o2_change(pl, s->y, ysave)
                     : 0.0;
  if (!(moved > tol)) {
    memcpy(s->y, ysave, nb); /* within a tolerance: the integrated state */
    s->dirty = 1;
  }
  return moved / tol;
}

/* A blood-gas step (hs_sim_run_to_steady): the contents were just put at their balance; the
   next beat end's modules read the target they give (physio beat gases_fresh). */
static void gas_step(hs_sim *s, int *pending, hs_steady_info *inf) {
  s->gases_fresh = 1;
  *pending = 1;
  inf->gas_steps++;
}

/* Beats in one period of the steady state: solver.steady_period and the period of each
   device's action (an IABP at 1:n: n), their least common multiple. */
static long gcd_l(long a, long b) { return b ? gcd_l(b, a % b) : a; }
long hs_sim_pattern_period(const hs_sim *s) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  long period = sv[SOLVER_STEADY_PERIOD] >= 2 ? (long)sv[SOLVER_STEADY_PERIOD] : 1;
  for (int d = 0; d < pl->nd; d++) {
    if (!pl->dev_type[d]->beat_period) continue;
    long n = pl->dev_type[d]->beat_period(s->p + pl->bpofs[pl->dev_block[d]]);
    if (n > 1) period = period / gcd_l(period, n) * n;
  }
  return period;
}

/*
 * Periodic steady state (docs/numerics.md).  Beat by beat: every state kind must
 * change by less than its tolerance (steady_measure), the CSF balance must hold
 * within solver.steady_tol_icp, O2 content within solver.steady_tol_o2, and the
 * MAP/BP controller must be settled, for three beats in a row, each started from the
 * end of the one before (plain integration: the steady state is verified by
 * integrating, never by an accelerated step).  Speed-ups that do not change the
 * answer: Anderson acceleration of the beat map while the haemodynamics are not yet
 * steady (safeguarded: admissible states, restart from the best state when the change
 * grows, fallback to plain integration with a stated reason), the CSF balance solve
 * (csf_step) and the O2 warm start (o2_equilibrate).
 */
/* One periodic solve at the modules' current outer states (hs_sim_run_to_steady). */
static hs_status search_periodic(hs_sim *s, hs_steady_info *info, hs_err *err) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  long max_beats = (long)sv[SOLVER_MAX_BEATS];
  int window = (int)sv[SOLVER_WINDOW];
  long period = hs_sim_pattern_period(s);
  long start = s->beats, calm = 0;
  int warmed = 0, o2_rounds = 0;
  hs_steady_info inf;
  memset(&inf, 0, sizeof inf);
  inf.last_change = INFINITY;
  hs_status st = HS_OK;
  int accel = sv[SOLVER_STEADY_ACCEL] != 0 && hs_sim_scheduled(s) == 0;
  size_t nb = (size_t)pl->ny * sizeof(double);
  hs_aa *aa = accel ? hs_aa_new(pl->ny, STEADY_AA_M) : NULL;
  double *w = accel ? malloc(nb) : NULL, *xn = accel ? malloc(nb) : NULL;
  size_t nqm = (size_t)(2 * pl->ne + pl->nfd); /* mean flows of a pattern (s->qmean's) */
  double *qpat = period > 1 ? malloc((nqm + 1) * sizeof(double)) : NULL;
  double *ypre = malloc(nb); /* the state before the final O2 settling (settle_o2) */
  unsigned char *lhm = malloc(2 * (size_t)pl->nn + 2); /* pool mask, donor scratch */
  if ((accel && (!aa || !w || !xn)) || (period > 1 && !qpat) || !ypre || !lhm) {
    hs_aa_free(aa), free(w), free(xn), free(qpat), free(ypre), free(lhm);
    return hs_err_set(err, HS_ERR_NOMEM, "steady state: out of memory");
  }
  lh_solver lh;
  memset(&lh, 0, sizeof lh);
  int lh_usable = hs_lh_pool(s, lhm);
  double lh_dlast = NAN;
  csf_solver cs;
  memset(&cs, 0, sizeof cs);
  s->slow_frozen++; /* the slow states hold still: steady = fast periodic at them */
  s->rep_on = period == 1 && accel; /* record the transport for the O2 replay */
  int from_aa = 0;  /* the beat just run started from an accelerated state */
  int mode = 0;     /* what the accelerator's history is about: 1 haemodynamics, 2 O2 */
  int aa_steps = 0; /* accelerated steps since the last restart */
  int failures = 0; /* restarts (change grew, inadmissible step) */
  int av_shut = 0, rv_shut = 0, o2_steps = 0;
  int since_best = 0, o2_stalled = 0; /* O2 stage: steps without a new best; gave up */
  long csf_beat = -STEADY_CSF_GAP; /* beat of the last CSF step */
  /* the blood's CO2 acts on the circulation (the circuit's defended-flow factor, yrf):
     steady only once a blood-gas step left its target in place */
  int gas_ok = pl->yrf < 0, gas_pending = 0; /* steps taken: inf.gas_steps */
  double gas_f1 = 0.0, gas_g1 = 0.0; /* the last blood-gas step's factor and its target */
  char suspended[sizeof inf.accel_reason] = "";
  double best = INFINITY, bpc_prev = NAN;
  while (s->beats - start < max_beats) {
    memcpy(s->y_ed1, s->y, nb);
    if (period > 1) { /* a pattern of n beats (solver.steady_period, e.g. IABP 1:n): the
                         test and the accelerated map compare states n beats apart; the
                         mean flows of the whole pattern kept for the CO2 balance */
      double t0 = s->t;
      for (size_t k = 0; k < nqm; k++) qpat[k] = 0.0;
      for (long b = 0; b < period && st == HS_OK; b++) {
        double tb = s->t;
        if (b == period - 1) memcpy(s->y_prev_ed, s->y_ed1, nb);
        if ((st = hs_sim_run_beats(s, 1, err)) != HS_OK) break;
        for (size_t k = 0; k < nqm; k++) qpat[k] += s->qmean[k] * (s->t - tb);
      }
      if (st != HS_OK) break;
      for (size_t k = 0; k < nqm; k++) qpat[k] /= s->t - t0;
    } else if ((st = hs_sim_run_beats(s, 1, err)) != HS_OK) {
      break;
    }
    double res = s->res_fast, o2res = s->last_change_o2 / sv[SOLVER_STEADY_TOL_O2];
    const double *last = &s->hist[((s->nhist - 1) % HIST) * s->nm];
    /* a shut aortic valve with a pump or vent draining the LV (Impella, LV vent) is not
       one-way filling: the LV still empties within the beat */
    int fills = hs_one_way_filling(last);
    av_shut = fills & HS_FILL_LV ? av_shut + 1 : 0;
    /* no circulation (arrest without support): contents only stagnate, nothing to
       accelerate */
    int circulating = last[HS_M_CO] > HS_NO_FLOW_LPM;
    rv_shut = (fills & HS_FILL_RV) != 0;
    /* the left heart's filling balance: active once the LV has stopped ejecting while
       its pool's volume still moves (lh_step) */
    double lh_v = lh_usable ? hs_lh_volume(pl, lhm, s->y) : 0.0;
    double lh_d = lh_usable ? lh_v - hs_lh_volume(pl, lhm, s->y_ed1) : 0.0;
    if (lh_usable && !lh.active && av_shut >= 2 && fabs(lh_d) > sv[SOLVER_STEADY_TOL])
      lh.active = 1;
    /* (a warm start whose pool is already at its balance never activates the balance:
       its LV is as stagnant, and its contents as slow) */
    int lv_stagnant = lh_usable && (lh.active || av_shut >= 2) && av_shut && circulating &&
                      period == 1;
    if (lv_stagnant) {
      /* the stagnant LV's contents follow their fixed point, the LA's, only over
         V / inflow: the LA's contents still settle after the warm start, and the LV's
         lagged (the ECMO-blood fraction of an LA-drained, non-ejecting LV changed 1.2e-5
         per beat after 400 beats, TandemHeart on ECMO at 1 L/min, and held the search
         back).  The test measures every other node; the LV's contents are set to the
         LA's when the search ends */
      s->last_change_o2 = o2_change_but(pl, s->y, s->y_ed1, pl->lv);
      o2res = s->last_change_o2 / sv[SOLVER_STEADY_TOL_O2];
    }
    if (gas_pending) { /* the beat after a blood-gas step set the factor's target: go */
      double tgt = s->pfx.regulated_flow, f = s->y[pl->yrf], d = fabs(tgt - f) / f;
      gas_pending = 0;
      gas_ok = d < STEADY_GAS_TOL || inf.gas_steps >= STEADY_GAS_STEPS;
      if (d > 0) {
        /* the factor f is a fixed point of target(f) (the cerebral flow moves the PCO2 the
           brain receives, a little; where a non-ejecting LV leaves the arch to the ECMO
           return, by -1 per unit: plain steps then alternated between two values): the
           secant through the last two steps, its gain held to [0.2, 1.5] */
        double gain = 1.0;
        if (gas_f1 > 0 && fabs(f - gas_f1) > 1e-9) {
          double slope = (tgt - gas_g1) / (f - gas_f1);
          gain = slope < 1.0 ? 1.0 / (1.0 - slope) : 1.5;
          gain = gain < 0.2 ? 0.2 : gain > 1.5 ? 1.5 : gain;
        }
        gas_f1 = f, gas_g1 = tgt;
        s->y[pl->yrf] = f + gain * (tgt - f);
        memcpy(s->y_prev_ed, s->y, nb);
        s->dirty = 1;
      }
      if (!gas_ok) { /* a jump the haemodynamics must answer */
        if (d > STEADY_GAS_CSF) { /* the slow balances' zeros moved: fresh solves */
          memset(&cs, 0, sizeof cs); /* the CSF (formation and sinus follow the flow) */
          /* a non-ejecting LV's pool: a fresh balance, but the LV stays stagnant, its O2
             out of the test (once forgotten, that slow mode held SCAI E on ECMO at a
             sweep of 6 L/min unsteady after 600 beats) */
          int lh_was = lh.active;
          memset(&lh, 0, sizeof lh);
          lh.active = lh_was;
          lh_dlast = NAN;
          warmed = 0; /* and the O2 contents' balance: a new warm start */
        }
        if (mode) hs_aa_reset(aa), aa_steps = 0, best = INFINITY;
        calm = 0;
        continue;
      }
    }
    int lh_good = lh_ok(&lh, lh_d);
    double lh_dl = lh_dlast; /* the drift of the beat before */
    lh_dlast = lh_d;
    int was_aa = from_aa;
    from_aa = 0;
    double bpc_now = last[HS_M_BPC];
    if (bpc_now != bpc_prev) mode = 0; /* the controller changed the map */
    bpc_prev = bpc_now;
    int csf_ok = (!pl->nic || s->cx_imb < sv[SOLVER_STEADY_TOL_ICP] || cs.n >= 40) && lh_good;
    int warm_now = res < 1.0 && !s->ctl_moving && csf_ok && !warmed;
    if (warm_now && o2res < 1.0) warm_now = 0, warmed = 1; /* already steady (warm start) */
    /* which accelerated iteration this beat belongs to, if any */
    int want = !accel || s->beats - start < 2 ? 0
               : res >= STEADY_AA_FAST_GOAL   ? 1
               : warmed && !o2_stalled && !lh.active && csf_ok && !s->ctl_moving &&
                       circulating &&
                       (o2res >= 1.0 || (o2res >= STEADY_AA_O2_GOAL && o2_steps < STEADY_AA_O2_STEPS))
                   ? 2
                   : 0;
    if (want == 1 && (av_shut || rv_shut || lh.active)) {
      /* a ventricle that does not eject only fills (inflow, no outflow): an overshoot
         of its filling would never be undone and the run would settle on another,
         neutrally stable, orbit; its haemodynamics are integrated plainly */
      want = 0;
      if (!suspended[0])
        snprintf(suspended, sizeof suspended,
                 lh.active ? "t=%.0f s: the %s does not eject (its filling balance is "
                             "solved; the rest integrated plainly)"
                           : "t=%.0f s: the %s does not eject (one-way filling: an overshoot "
                             "would persist); integrated plainly",
                 s->t,
                 av_shut || lh.active ? "LV (aortic valve shut)" : "RV (pulmonary valve shut)");
    }
    if (want != mode) {
      if (aa) hs_aa_reset(aa);
      mode = want, aa_steps = 0, best = INFINITY, since_best = 0;
    }
    if (mode) {
      double mon = mode == 1 ? res : o2res;
      if (mon < best) {
        best = mon, since_best = 0;
        memcpy(s->y_save, s->y, nb);
      } else if (mode == 2 && ++since_best >= STEADY_AA_O2_STALL) {
        memcpy(s->y, s->y_save, nb); /* the O2 stage stalled: its best state, then plainly */
        memcpy(s->y_prev_ed, s->y, nb);
        s->dirty = 1;
        o2_stalled = 1;
        hs_aa_reset(aa);
        aa_steps = 0, best = INFINITY, calm = 0, mode = 0;
        continue;
      } else if (aa_steps >= 3 && mon > 10.0 * best) {
        /* the change grew tenfold over the best state of this approach: the linear
           model behind the combination does not hold here; restart from that state */
        memcpy(s->y, s->y_save, nb);
        memcpy(s->y_prev_ed, s->y, nb);
        s->dirty = 1;
        if (++failures >= 3) {
          accel = 0;
          inf.accel_fallback = 1;
          snprintf(inf.accel_reason, sizeof inf.accel_reason,
                   "t=%.1f s: the beat-to-beat change grew after Anderson steps three times "
                   "(%.3g x its tolerance vs %.3g at the best state)",
                   s->t, mon, best);
        }
        hs_aa_reset(aa);
        aa_steps = 0, best = INFINITY, calm = 0, mode = 0;
        continue;
      }
    }
    /* The CSF volume (ICP) relaxes over tens of minutes: once the haemodynamics are
       nearly steady (within STEADY_CSF_FIRST x their tolerances for the first, direct,
       steps; 3x once the root is bracketed), solve its balance (csf_step), again after
       each re-settling. */
    int bracketed = cs.br.have_lo && cs.br.have_hi;
    if (res < (bracketed ? 3.0 : STEADY_CSF_FIRST) && !s->ctl_moving && !csf_ok &&
        s->beats - csf_beat >= STEADY_CSF_GAP) {
      csf_beat = s->beats;
      csf_step(s, &cs);
      inf.csf_steps++;
      calm = 0;
      if (mode) hs_aa_reset(aa), aa_steps = 0, best = INFINITY;
      continue;
    }
    /* the left heart's filling balance, once the rest has answered the last step */
    if (lh.active && !lh_good && !s->ctl_moving && s->beats - lh.beat >= STEADY_LH_GAP &&
        res < STEADY_LH_SETTLED && fabs(lh_d - lh_dl) < STEADY_LH_SLOW * fabs(lh_d)) {
      lh_step(s, &lh, lhm, lhm + pl->nn, lh_v, lh_d);
      lh_dlast = NAN;
      inf.lh_steps++;
      calm = 0;
      if (mode) hs_aa_reset(aa), aa_steps = 0, best = INFINITY;
      continue;
    }
    if (mode) {
      steady_weights(s, w);
      /* O2 stage: the contents alone, relative to their tolerance; the haemodynamics
         (within their tolerances already) are integrated plainly. Weighing their
         slow residual drift (CSF, effectors) in with the contents let the combination
         trade one for the other and kept the O2 change from falling below its goal. */
      int o2_only = mode == 2;
      if (o2_only)
        for (int k = 0; k < pl->ny; k++)
          w[k] = k >= pl->yco2  ? 0.0 /* CO2: solved directly (o2_equilibrate), not weighed */
                 : k >= pl->yo2 ? 1.0 / (sv[SOLVER_STEADY_TOL_O2] * s->y[(k - pl->yo2) % pl->nn])
                                : 0.0;
      int used = hs_aa_step(aa, s->y_ed1, s->y, w, xn, NULL);
      if (used > 0) {
        if (o2_only) memcpy(xn, s->y, (size_t)pl->yo2 * sizeof(double));
        const char *why = steady_admissible(s, s->y, xn, av_shut > 0, rv_shut, mode == 2,
                                            inf.accel_reason, sizeof inf.accel_reason);
        if (why) {
          hs_aa_reset(aa);
          aa_steps = 0;
          if (++failures >= 3) accel = 0, inf.accel_fallback = 1, mode = 0;
          else inf.accel_reason[0] = 0;
        } else {
          memcpy(s->y, xn, nb);
          memcpy(s->y_prev_ed, s->y, nb);
          s->dirty = 1;
          inf.accel_jumps++;
          aa_steps++;
          o2_steps += mode == 2;
          from_aa = 1;
          calm = 0;
          continue;
        }
      }
    }
    int fast_calm = res < 1.0 && !s->ctl_moving && !was_aa;
    /* Oxygen contents relax with the blood's transit times (minutes) and have slow
       modes in poorly perfused nodes: once the haemodynamics and the CSF balance are
       steady, jump the contents to their equilibrium for the current mean flows
       (once: a second jump from one beat's mean flows kicks the contents again rather
       than settling them). */
    if (warm_now) {
      s->pl->tx->equilibrate(s, 1);
      if (lh.active && av_shut) lh_contents(s, s->y);
      if (s->rep_on && circulating &&
          hs_replay_solve(s, STEADY_REPLAY_GOAL, STEADY_REPLAY_MAX) > 0) {
        o2_steps = STEADY_AA_O2_STEPS; /* at the fixed point: no O2 stage unless it moves */
        /* the next beat measures its change from the new contents, and does not count */
        memcpy(s->y_prev_ed, s->y, nb);
        from_aa = 1;
        if (!gas_ok && accel && !av_shut && !rv_shut) {
          /* the first blood-gas step (below), for the O2 fixed point: the warm start's joint
             solve left the CO2 at the supply-limited production of its provisional O2
             contents (acute-MI shock on ECMO at 3 L/min: PaCO2 33.7 there, 38.5 at the
             fixed point).  Not when a ventricle does not eject: its stagnant contents
             make the replayed map's fixed point arbitrary (settle_o2) */
          s->pl->tx->equilibrate(s, 0);
          /* the balanced PCO2 moved the alveolar PO2 (alveolar gas equation) and with it
             the lungs' end-capillary O2: the O2 fixed point once more, or the O2 stage
             spends tens of beats on it (acute-MI shock, reactivity on: 103 -> 75 beats) */
          hs_replay_solve(s, STEADY_REPLAY_GOAL, STEADY_REPLAY_MAX);
          gas_step(s, &gas_pending, &inf);
        }
      }
      warmed = 1;
      calm = 0;
      continue;
    }
    /* The blood gases act on the circulation through the brain's CO2 / O2 reactivity:
       the regulated beds' defended-flow factor (state yrf) follows a target the brain
       sets from the arterial PCO2 and O2 content at each beat end.  The CO2 contents
       drift for minutes (the body's CO2 pool against ventilation and sweep gas), so
       during the search the target holds still except after a blood-gas step: the
       contents are put at their balance, the next beat end sets the target from them
       (physio beat gases_fresh) and the factor steps there.  The steps that count are
       those of the O2 warm start and of the settling below (settle_o2: the CO2 balance
       and then the O2 fixed point at the alveolar PO2 it sets; a target read from a CO2
       balance alone was biased by the O2 still moving: 2.39 against 2.47 at a
       membrane-lung sweep of 0).  A warm-started search, whose flows and contents start
       near their steady values, takes a first guess early (STEADY_GAS_FIRST).  Steady
       only once a step leaves the target within STEADY_GAS_TOL. */
    if (!gas_ok && !gas_pending && inf.gas_steps == 0 && circulating && !s->ctl_moving &&
        o2res < 1.0 && res < STEADY_GAS_FIRST) {
      co2_balance(s, period > 1 ? qpat : NULL, nqm);
      gas_step(s, &gas_pending, &inf);
    }
    calm = fast_calm && lh_good && s->cx_imb < sv[SOLVER_STEADY_TOL_ICP] &&
                   s->last_change_o2 < sv[SOLVER_STEADY_TOL_O2]
               ? calm + 1
               : 0;
    /* CO2 is not part of the test above (it acts on the circulation only through the
       blood-gas steps before it): its whole-body pool (blood against ventilation and
       sweep gas) has a slow mode of minutes, so its balance is solved for the steady
       flows (no restart; for a pattern of beats, from the mean flows of the whole pattern).  It
       does feed back on the O2: the alveolar PCO2 sets the alveolar PO2 (alveolar gas
       equation) and so the lungs' end-capillary content.  So on the second calm beat the
       CO2 balance is solved and the O2 and tracer contents are brought to their fixed point for the last beat's
       transport at the new end-capillary content (the replay solve).  The change test
       bounds the last beats' change of the contents, not their distance from that fixed
       point, which a slow mode (a poorly perfused node, the washout behind the ECMO
       watershed) keeps up to 1 / (1 - r) tolerances away; and the contents had stayed at
       the alveolar PCO2 before the solve (pig on VA-ECMO: alveolar PCO2 35.4 -> 39.3
       mmHg, and the upper-body PaO2 of the summary beats fell from 98 to 95 mmHg while
       they were averaged).  When the fixed point lies more than a tolerance away the
       contents are set there and the third calm beat, measured from them, must pass
       every test.  Without a replay (plain integration, a pattern of beats) integration
       settles the contents after an end-capillary change of more than a tolerance; so
       too when the acceleration fell back or a ventricle does not eject: the replayed
       map then has stagnant nodes whose contents any value fixes, and a jump there once
       drove the CO2 balance to zero (lv.ees 0.2 on ECMO at 2.5 L/min: PaCO2 0 instead of
       42.6 mmHg, test_low_contractility_regression). */
    if ((calm == 2 && o2_rounds == 0) || calm >= 3) {
      int replay = s->rep_on && accel && !av_shut && !rv_shut;
      if (o2_rounds < STEADY_O2_ROUNDS && circulating) {
        double moved = settle_o2(s, replay, period > 1 ? qpat : NULL, nqm, ypre);
        if (!gas_ok && !gas_pending) { /* a blood-gas step: the next beat end reads the target */
          gas_step(s, &gas_pending, &inf);
        }
        if (moved > 1.0) {
          o2_rounds++;
          memcpy(s->y_prev_ed, s->y, nb); /* the next beat measures from the new contents */
          calm = replay ? 2 : 0;          /* and must pass every test */
          continue;
        }
        if (!o2_rounds) o2_rounds = 1; /* checked; on the third calm beat once more */
      } else if (calm >= 3) { /* no circulation, or the rounds used up: the CO2 alone */
        co2_balance(s, period > 1 ? qpat : NULL, nqm);
        if (!gas_ok && !gas_pending && circulating) { /* and a blood-gas step */
          gas_step(s, &gas_pending, &inf);
        }
      }
    }
    if (calm >= 3 && (gas_ok || !circulating)) {
      inf.reached = 1;
      if (lv_stagnant) {
        lh_contents(s, s->y);
        memcpy(s->y_prev_ed, s->y, nb);
        s->dirty = 1;
      }
      break;
    }
  }
  hs_aa_free(aa);
  free(w);
  free(xn);
  free(qpat);
  free(ypre);
  free(lhm);
  hs_replay_stop(s);
  if (st) {
    s->slow_frozen--;
    return st;
  }
  if (!inf.accel_fallback && (av_shut || rv_shut || lh.active) && suspended[0]) {
    /* shut to the end */
    inf.accel_fallback = 1;
    if (lh.active)
      snprintf(inf.accel_reason, sizeof inf.accel_reason,
               "the LV (aortic valve shut) stopped ejecting: the left heart's filling balance "
               "was solved (%d step%s), the rest integrated plainly",
               lh.n, lh.n == 1 ? "" : "s");
    else
      memcpy(inf.accel_reason, suspended, sizeof suspended);
  }
  inf.beats = s->beats - start;
  inf.time_s = s->t;
  inf.last_change = s->last_change;
  inf.icp_imbalance_mmhg = s->cx_imb;
  if (info) *info = inf;
  if (!inf.reached) {
    s->slow_frozen--;
    return hs_err_set(err, HS_ERR_NOT_STEADY,
                      "t=%.1f s: no periodic steady state after %ld beats (largest end-diastolic "
                      "volume change %.3g mL per beat, tolerance %.3g mL; largest change over "
                      "tolerance of any state %.3g; CSF imbalance %.3g mmHg, tolerance %.3g; "
                      "largest O2 content change %.3g mL/mL, tolerance %.3g%s)",
                      s->t, inf.beats, s->last_change, sv[SOLVER_STEADY_TOL], s->res_fast,
                      s->cx_imb, sv[SOLVER_STEADY_TOL_ICP], s->last_change_o2,
                      sv[SOLVER_STEADY_TOL_O2], s->ctl_moving ? "; MAP controller still titrating" : "");
  }
  s->verified = 1; /* the window's beats are the verified periodic state (settle) */
  st = hs_sim_run_beats(s, window, err);
  s->verified = 0;
  s->slow_frozen--;
  return st;
}

/* Periodic solves an outer fixed point may take (physio/module.h settle: the
   perfusion-contraction matching's bracketed search converges in 3-8). */
#ifndef STEADY_SETTLE_STEPS
#define STEADY_SETTLE_STEPS 40
#endif

/*
 * The periodic steady state at the modules' outer fixed point.  A module state that
 * depends on the periodic state as a whole (the LV's contractility on the myocardium's O2
 * balance, physio/ischaemia.c) is not stepped beside the search's own stages
 * (haemodynamics, CSF, the O2 fixed point), which would chase a target that moves with
 * each of them: it holds still during a periodic solve and settle() steps it between
 * solves, each warm-started from the last, until it is at its fixed point.  Without such
 * a module, one solve.
 */
hs_status hs_sim_run_to_steady(hs_sim *s, hs_steady_info *info, hs_err *err) {
  hs_steady_info tot, one;
  memset(&tot, 0, sizeof tot);
  hs_status st = HS_OK;
  for (int k = 0;; k++) {
    memset(&one, 0, sizeof one);
    st = search_periodic(s, &one, err);
    long beats = tot.beats + one.beats;
    int jumps = tot.accel_jumps + one.accel_jumps, csf = tot.csf_steps + one.csf_steps;
    int lhs = tot.lh_steps + one.lh_steps, gas = tot.gas_steps + one.gas_steps;
    int fell = tot.accel_fallback, settles = tot.settle_steps;
    char why[sizeof tot.accel_reason];
    memcpy(why, tot.accel_reason, sizeof why);
    tot = one; /* the last solve's state; counts over all */
    tot.beats = beats, tot.accel_jumps = jumps, tot.csf_steps = csf, tot.lh_steps = lhs;
    tot.gas_steps = gas, tot.settle_steps = settles;
    if (fell && !one.accel_fallback) { /* an earlier solve's fallback is still news */
      tot.accel_fallback = 1;
      memcpy(tot.accel_reason, why, sizeof why);
    }
    if (st != HS_OK) {
      if (st == HS_ERR_NOT_STEADY && k > 0) /* say which solve, and the beats of all */
        hs_err_prefix(err, "periodic solve %d of the LV's contractility matched to its O2 "
                           "supply (%ld beats in all): ", k + 1, tot.beats);
      break;
    }
    if (!hs_sim_modules_settle(s, k == 0)) break;
    tot.settle_steps++;
    if (k + 1 >= STEADY_SETTLE_STEPS) {
      tot.reached = 0;
      st = hs_err_set(err, HS_ERR_NOT_STEADY,
                      "t=%.1f s: no periodic steady state after %ld beats: a module's outer "
                      "fixed point (the LV's contractility matched to its O2 supply, "
                      "ischaemia) still moved after %d periodic solves",
                      s->t, tot.beats, STEADY_SETTLE_STEPS);
      break;
    }
  }
  if (info && (st == HS_OK || st == HS_ERR_NOT_STEADY)) *info = tot; /* else untouched */
  return st;
}
