/*
 * physio/tissue_co2.c - the body's tissue CO2 store (docs/model.md 2.19, "Tissue CO2
 * store"; a slow state, physio/module.h).
 *
 * Most of the CO2 the body holds is in its tissues, not in its blood: Farhi & Rahn
 * (1955 J Appl Physiol 7:472) measured in dogs a change of the body CO2 stores of
 * 1.5 mL per kg per mmHg change of PaCO2, 1.02 of it outside the blood.  One lumped
 * store of capacitance C = capacity x body weight (mL CO2/mmHg) at the tissue PCO2 Pt
 * equilibrates with the blood that perfuses it; the exchange is perfusion-limited (the
 * capillary blood leaves at the tissue PCO2):
 *   X = G (Pv - Pt),   G = Q_sys s_b          (mL CO2/min taken up by the tissues)
 *   C dPt/dt = X
 * with Q_sys the systemic flow (co_lpm), Pv the PCO2 of the blood in the O2-consuming
 * vessels (the tissues' venous blood; beat means, weighted by their VO2) and s_b = dC/dP
 * of whole blood there (Douglas 1988 content, hemosim/co2.h).
 * The tissues' CO2 reaches the blood as production minus uptake: the consuming vessels
 * release RQ x O2 used x (1 - X / VCO2) (effect.co2).  So after a change of ventilation
 * or sweep the blood moves within minutes (its own store, ~0.4 mL/kg/mmHg) and then the
 * whole body (blood + tissue) with the ventilation's clearance: tens of minutes.
 * Steady-state search: the store is held at equilibrium with the blood (Pt = Pv, no
 * uptake).  Its uptake counts as moving (macro steps of solver.slow_step wait) while
 * it exceeds moving_fraction x VCO2.
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/co2.h"
#include "hemosim/sim.h"
#include "physio/module.h"

enum { T_ENABLED, T_CAPACITY, T_VRG_MASS, T_VRG_FLOW, T_MG_MASS, T_MG_FLOW, T_MOVING, T_NPARAM };

static const hs_param_spec PARAMS[T_NPARAM] = {
    [T_ENABLED] = {"enabled", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
                   "the tissues store CO2 and exchange it with the blood (off: CO2 lives in the "
                   "blood only)",
                   "Farhi & Rahn 1955 J Appl Physiol 7:472", NULL},
    [T_CAPACITY] = {"capacity_ml_per_kg_mmhg", HS_DIM_NONE, 1.0, 0.05, 5, 0,
                    "CO2 the tissues (blood excluded) take up per kg body weight per mmHg rise "
                    "of their PCO2, mL/kg/mmHg, shared by the two stores in proportion to their "
                    "mass",
                    "Farhi & Rahn 1955 J Appl Physiol 7:472 (dogs: body stores 1.5 mL/kg/mmHg, "
                    "1.02 of it outside the blood)",
                    NULL},
    [T_VRG_MASS] = {"vessel_rich_mass_fraction", HS_DIM_NONE, 0.10, 0.01, 0.9, 0,
                    "share of the body mass in the well-perfused (fast) store: brain, heart, "
                    "kidneys, splanchnic organs",
                    "Eger 1974 (Anesthetic uptake and action: vessel-rich group ~9 % of body "
                    "mass, 75 % of cardiac output)", NULL},
    [T_VRG_FLOW] = {"vessel_rich_flow_fraction", HS_DIM_NONE, 0.75, 0.01, 1, 0,
                    "share of the systemic flow perfusing the fast store", "Eger 1974", NULL},
    [T_MG_MASS] = {"muscle_mass_fraction", HS_DIM_NONE, 0.50, 0.01, 0.9, 0,
                   "share of the body mass in the poorly perfused (slow) store: muscle and skin",
                   "Eger 1974 (muscle group ~50 % of body mass, ~18 % of cardiac output)", NULL},
    [T_MG_FLOW] = {"muscle_flow_fraction", HS_DIM_NONE, 0.18, 0.01, 1, 0,
                   "share of the systemic flow perfusing the slow store", "Eger 1974", NULL},
    [T_MOVING] = {"moving_fraction", HS_DIM_NONE, 0.05, 0.001, 1, 0,
                  "tissue CO2 uptake (either sign), as a fraction of CO2 production, above "
                  "which macro steps of solver.slow_step wait for the stores to settle",
                  "numerical choice", NULL},
};

const hs_block_type hs_type_tissue_co2 = {
    "tissue_co2", HS_BLOCK_GLOBAL, PARAMS, T_NPARAM,
    "Tissue CO2 stores (fast: vessel-rich, slow: muscle) exchanging with the blood "
    "(docs/model.md 2.19).", NULL};

typedef struct tco2_state {
  double pt[2];  /* slow states: PCO2 of the fast and the slow store, mmHg */
  double x[2];   /* their uptake over the last beat, mL CO2/min */
  double g[2];   /* their exchange conductances, mL CO2/min/mmHg */
  double f;      /* share of the metabolic CO2 released into the blood */
  int moving;    /* uptake above moving_fraction x VCO2 */
} tco2_state;

static const hs_physio_slow SLOW[] = {{"tissue_pco2_fast", "mmHg", 10.0},
                                      {"tissue_pco2_slow", "mmHg", 10.0}};

static const double *block(const hs_plan *pl, const double *p) {
  int o = hs_physio_block(pl, "tissue_co2");
  return o >= 0 ? p + o : NULL;
}

static void tco2_start(void *state, const hs_plan *pl, const double *p) {
  tco2_state *st = state;
  /* the initial venous blood */
  st->pt[0] = st->pt[1] = p[hs_physio_block(pl, "oxygen") + OXY_PACO2] + 6.0;
  st->x[0] = st->x[1] = st->g[0] = st->g[1] = 0.0;
  st->f = 1.0;
  st->moving = 0;
}

static int tco2_beat(void *state, const hs_physio_beat *b) {
  tco2_state *st = state;
  const double *tp = block(b->plan, b->p);
  const double *m = b->m;
  const hs_plan *pl = b->plan;
  double q = m[HS_M_CO] * 1000.0, vco2 = m[HS_M_VCO2];
  st->x[0] = st->x[1] = st->g[0] = st->g[1] = 0.0, st->f = 1.0, st->moving = 0;
  if (!tp || tp[T_ENABLED] == 0 || !b->node_co2 || !b->node_so2 || !(q > 0) || !isfinite(vco2))
    return 0;
  double hb = m[HS_M_HB], be = isfinite(m[HS_M_BE]) ? m[HS_M_BE] : 0.0;
  double pv = 0.0, sv = 0.0, w = 0.0; /* the consuming vessels' blood, VO2-weighted */
  for (int k = 0; k < pl->nvo2; k++) {
    int i = pl->vo2_nodes[k];
    double vo2 = b->vo2[k], so2 = b->node_so2[i] / 100.0;
    if (!(vo2 > 0) || !isfinite(so2) || !(b->node_co2[i] > 0)) continue;
    pv += vo2 * hs_co2_pco2_from_content(100.0 * b->node_co2[i], be, hb, so2);
    sv += vo2 * so2, w += vo2;
  }
  if (!(w > 0)) return 0;
  pv /= w, sv /= w;
  if (b->frozen) { /* steady-state search: the stores in equilibrium with the blood */
    st->pt[0] = st->pt[1] = pv;
    return 0;
  }
  double lo = pv > 1.0 ? pv - 1.0 : 0.0;
  double sb = 0.01 * (hs_co2_content(pv + 1.0, be, hb, sv) - hs_co2_content(lo, be, hb, sv)) /
              (pv + 1.0 - lo); /* mL CO2 per mL blood per mmHg */
  double xs = 0.0;
  for (int j = 0; j < 2; j++) {
    st->g[j] = tp[j ? T_MG_FLOW : T_VRG_FLOW] * q * sb;
    st->x[j] = st->g[j] * (pv - st->pt[j]);
    xs += st->x[j];
  }
  if (vco2 > 1.0) {
    st->f = 1.0 - xs / vco2;
    st->moving = fabs(xs) > tp[T_MOVING] * vco2;
  }
  return 0; /* production is not in the right-hand side: no restart */
}

static void tco2_rates(const void *state, const hs_physio_beat *b, double *dxdt, double *decay,
                       hs_physio_flux *flux) {
  (void)flux;
  const tco2_state *st = state;
  const double *tp = block(b->plan, b->p);
  dxdt[0] = dxdt[1] = 0.0;
  if (!tp || tp[T_ENABLED] == 0) return;
  double kg = b->p[b->plan->body + BODY_WEIGHT], share = tp[T_VRG_MASS] + tp[T_MG_MASS];
  for (int j = 0; j < 2; j++) {
    double c = tp[T_CAPACITY] * kg * tp[j ? T_MG_MASS : T_VRG_MASS] / share; /* mL/mmHg */
    if (!(st->g[j] > 0)) continue;
    dxdt[j] = st->x[j] / c / 60.0; /* mmHg/s */
    decay[j] = st->g[j] / c / 60.0;
  }
}

static void tco2_effect(const void *state, const hs_plan *pl, const double *p,
                        hs_physio_effect *fx) {
  (void)pl, (void)p;
  fx->co2 *= ((const tco2_state *)state)->f;
}

static void tco2_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  (void)pl, (void)p;
  const tco2_state *st = state;
  m[HS_M_PTCO2] = st->pt[1];
  m[HS_M_CO2TIS] = st->x[0] + st->x[1];
}

static int tco2_moving(const void *state) { return ((const tco2_state *)state)->moving; }

const hs_physio_module hs_physio_tissue_co2 = {
    .name = "tissue_co2",
    .doc = "tissue CO2 store exchanging with the blood (docs/model.md 2.19)",
    .state_bytes = sizeof(tco2_state),
    .beat = tco2_beat,
    .effect = tco2_effect,
    .metrics = tco2_metrics,
    .moving = tco2_moving,
    .nslow = 2,
    .slow = SLOW,
    .slow_start = tco2_start,
    .rates = tco2_rates,
};
