/*
 * physio/lung_water.c - extravascular lung water (EVLW) from pulmonary capillary
 * filtration, a slow state (physio/module.h; docs/model.md section 2.16; equations and
 * sources there).
 *
 *   Pc  = PCWP + 0.4 (mPAP - PCWP)                        Gaar et al. 1967
 *   Jv  = Kf [(Pc - Pi(x)) - sigma (pi_p - r pi_p)]        Starling; Taylor 1981
 *   L   = L0 + (Lmax - L0) clamp(x / x_int, 0, 1)          lymph rises with volume
 *         (below the normal volume: L0 (1 + x / x_int), not below 0)
 *   Pi  = Pi0 + x / C_int                    (x <= x_int: interstitium)
 *       = Pi0 + x_int / C_int + (x - x_int) / C_alv   (beyond: alveolar flooding)
 *   dEVLW/dt = Jv - L,   x = EVLW - normal EVLW (mL)
 *   shunt added to oxygen.shunt_fraction: k (EVLW/kg - normal/kg), >= 0
 *
 * The engine advances EVLW with the beat's rate (once per beat, or over a macro step of
 * solver.slow_step), carries it in the warm-start state and holds it still in the
 * steady-state search; the added shunt follows it (it does not enter the right-hand
 * side: no integrator restart).
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/model.h"
#include "hemosim/units.h"
#include "physio/module.h"

enum {
  LW_INITIAL,
  LW_NORMAL,
  LW_KF,
  LW_SIGMA,
  LW_PI_PLASMA,
  LW_PI_RATIO,
  LW_PI0,
  LW_C_INT,
  LW_X_INT,
  LW_C_ALV,
  LW_LYMPH0,
  LW_LYMPH_MAX,
  LW_SHUNT_K,
  LW_PLASMA,
  LW_NPARAM
};

static const hs_param_spec LW[LW_NPARAM] = {
    [LW_INITIAL] = {"initial_ml_per_kg", HS_DIM_VOLUME_PER_KG, 7.0, 2, 40, 0,
                    "extravascular lung water at the start of the run, mL per kg body weight",
                    "Tagami 2010 Crit Care 14:R162 (normal 7.4 +/- 3.3 mL/kg at autopsy)", NULL},
    [LW_NORMAL] = {"normal_ml_per_kg", HS_DIM_VOLUME_PER_KG, 7.0, 2, 15, 0,
                   "normal extravascular lung water (no excess, no added shunt), mL per kg",
                   "Tagami 2010 Crit Care 14:R162; Sakka 2002 Chest 122:2080", NULL},
    [LW_KF] = {"filtration_coefficient", HS_DIM_NONE, 0.3, 0.01, 5, 0,
               "capillary filtration coefficient Kf of both lungs, mL/min per mmHg",
               "order of the gravimetric estimates in dog lungs (Drake, Gaar & Taylor 1978 "
               "Am J Physiol 234:H266) scaled to a human lung; set so that oedema starts near "
               "PCWP 23 mmHg and then grows at ~0.3 mL/min per mmHg (Guyton & Lindsey 1959)",
               NULL},
    [LW_SIGMA] = {"reflection_coefficient", HS_DIM_NONE, 0.8, 0, 1, 0,
                  "protein reflection coefficient of the pulmonary capillary wall",
                  "Taylor 1981 Circ Res 49:557; Staub 1974 Physiol Rev 54:678", NULL},
    [LW_PI_PLASMA] = {"plasma_oncotic_pressure", HS_DIM_PRESSURE, 25, 5, 40, 0,
                      "plasma colloid osmotic pressure",
                      "Landis & Pappenheimer 1963 (Handbook of Physiology, Circulation II)", NULL},
    [LW_PI_RATIO] = {"interstitial_oncotic_ratio", HS_DIM_NONE, 0.5, 0, 1, 0,
                     "interstitial / plasma colloid osmotic pressure (lung lymph protein about "
                     "half to two thirds of plasma)",
                     "Staub 1974 Physiol Rev 54:678; Vreim, Snashall & Staub 1976", NULL},
    [LW_PI0] = {"interstitial_pressure", HS_DIM_PRESSURE, 0.0, -15, 10, 0,
                "interstitial fluid pressure around the lung microvessels at normal lung water",
                "model choice, near atmospheric as in the lung data reviewed by Taylor 1981 Circ Res 49:557", NULL},
    [LW_C_INT] = {"interstitial_compliance", HS_DIM_COMPLIANCE, 20, 1, 1000, 0,
                  "interstitial compliance while the excess water stays in the interstitium",
                  "model choice: the pressure safety factor of Taylor 1981 (~7 mmHg over the "
                  "interstitial capacity)", NULL},
    [LW_X_INT] = {"interstitial_capacity", HS_DIM_VOLUME, 150, 1, 2000, 0,
                  "excess water the interstitium holds before the alveoli flood (lymph is "
                  "maximal there)", "model choice (about 2 mL/kg: interstitial oedema)", NULL},
    [LW_C_ALV] = {"alveolar_compliance", HS_DIM_COMPLIANCE, 200, 1, 10000, 0,
                  "compliance of the lung water space once the alveoli flood",
                  "model choice (alveolar flooding: little pressure rise, Staub 1974)", NULL},
    [LW_LYMPH0] = {"lymph_flow", HS_DIM_FLOW, 0.84 / 60.0, 0, 1, 0,
                   "lung lymph flow at normal lung water (0.84 mL/min = 50 mL/h: the "
                   "filtration at the healthy adult's capillary pressure, 12.8 mmHg, so "
                   "normal lungs hold their water)",
                   "Parker et al. 1984 Microvasc Res 28:254 (dog lungs, 0.06 mL/min per 100 g, "
                   "x a human lung mass of 1-1.4 kg: 0.6-0.84 mL/min); Staub 1974", NULL},
    [LW_LYMPH_MAX] = {"lymph_flow_max", HS_DIM_FLOW, 3.0 / 60.0, 0, 10, 0,
                      "largest lung lymph flow (reached at the interstitial capacity; "
                      "3 mL/min, 3.6x normal)",
                      "Staub 1974; Taylor 1981 (lymph flow rises several-fold before flooding)",
                      NULL},
    [LW_SHUNT_K] = {"shunt_per_ml_per_kg", HS_DIM_NONE, 0.025, 0, 0.2, 0,
                    "intrapulmonary shunt added per mL/kg of lung water above normal",
                    "model choice: EVLW 15-17 mL/kg (Sakka 2002: high-mortality range) gives a "
                    "shunt of ~0.2-0.25 (PaO2/FiO2 ~150-200)", NULL},
    [LW_PLASMA] = {"takes_plasma", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
                   "the filtrate leaves the blood and lymph returns it: the blood volume falls "
                   "and haemoglobin concentrates as oedema forms, and the reverse as it "
                   "resolves (false: lung water is counted, the blood keeps its volume)",
                   "Figueras & Weil 1977 (Circulation 55:195): haemoconcentration and a "
                   "smaller plasma volume in acute cardiogenic pulmonary oedema, reversed "
                   "as it resolved; Figueras & Weil 1978 (Circulation 57:349)",
                   NULL},
};

const hs_block_type hs_type_lung_water = {
    "lung_water", HS_BLOCK_GLOBAL, LW, LW_NPARAM,
    "Extravascular lung water: Starling filtration, lymph, added shunt (docs/model.md 2.16).",
    NULL};


typedef struct lw_state {
  double evlw;  /* slow state: extravascular lung water, mL */
  double hconc; /* slow state: haemoglobin concentration factor from the plasma it took */
  double pc;    /* capillary pressure of the last beat, mmHg */
} lw_state;

static const hs_physio_slow SLOW[] = {{"evlw", "mL", 100.0}, {"evlw_hb_factor", "", 0.05}};

static double weight(const hs_plan *pl, const double *p) { return p[pl->body + BODY_WEIGHT]; }

/* Filtration and lymph flow at excess water x (mL/min). */
static void flows(const double *lw, double pc, double x, double *jv, double *lym) {
  double l0 = lw[LW_LYMPH0] * 60.0, lmax = lw[LW_LYMPH_MAX] * 60.0, xi = lw[LW_X_INT];
  double pi = x <= xi ? lw[LW_PI0] + x / lw[LW_C_INT]
                      : lw[LW_PI0] + xi / lw[LW_C_INT] + (x - xi) / lw[LW_C_ALV];
  double onc = lw[LW_SIGMA] * lw[LW_PI_PLASMA] * (1.0 - lw[LW_PI_RATIO]);
  *jv = lw[LW_KF] * (pc - pi - onc);
  if (x < 0) *lym = x > -xi ? l0 * (1.0 + x / xi) : 0.0;
  else *lym = x < xi ? l0 + (lmax - l0) * x / xi : lmax;
}

/* -d(Jv - L)/dx at x, 1/min: the interstitial pressure's rise (Kf / C) and the lymph's
   (piecewise linear, so dEVLW/dt relaxes exponentially on each piece). */
static double slope(const double *lw, double x) {
  double l0 = lw[LW_LYMPH0] * 60.0, lmax = lw[LW_LYMPH_MAX] * 60.0, xi = lw[LW_X_INT];
  if (x >= xi) return lw[LW_KF] / lw[LW_C_ALV];
  double k = lw[LW_KF] / lw[LW_C_INT];
  if (x >= 0) return k + (lmax > l0 ? (lmax - l0) / xi : 0.0);
  return x > -xi ? k + l0 / xi : k;
}

/* Capillary pressure of a beat's metrics (no pulmonary pressures: no filtration drive). */
static double capillary(const double *lw, const double *m) {
  double pcwp = m[HS_M_PCWP], mpap = m[HS_M_MPAP];
  double pc = pcwp + 0.4 * (mpap - pcwp);
  return isfinite(pc) ? pc : lw[LW_PI0];
}

extern const hs_physio_module hs_physio_lung_water;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_lung_water)

/* Shunt added at EVLW per kg evlwi (0 at or below normal, at most 0.9). */
static double added_shunt(const double *lw, double evlwi) {
  double add = lw[LW_SHUNT_K] * (evlwi - lw[LW_NORMAL]);
  return add < 0 ? 0.0 : add > 0.9 ? 0.9 : add;
}

static void lw_start(void *state, const hs_plan *pl, const double *p) {
  lw_state *st = state;
  st->evlw = p[BLK(pl) + LW_INITIAL] * weight(pl, p);
  st->hconc = 1.0;
}

static int lw_beat(void *state, const hs_physio_beat *b) {
  lw_state *st = state;
  st->pc = capillary(b->p + BLK(b->plan), b->m);
  return 0; /* the shunt is read every beat; the right-hand side is unchanged */
}

/* The lung water's balance is the blood's: filtration leaves the plasma, lymph returns
   it (to the systemic veins), so the blood loses Jv - L; the red cells stay, so the
   haemoglobin concentration rises by the factor hconc, dh/dt = h (Jv - L) / BV (Hb mass
   conserved; haemoconcentration in acute cardiogenic pulmonary oedema, its reversal as
   the oedema resolves: Figueras & Weil 1977, Circulation 55:195; 1978, Circulation
   57:349). */
static void lw_rates(const void *state, const hs_physio_beat *b, double *dxdt,
                     double *decay, hs_physio_flux *flux) {
  const lw_state *st = state;
  const double *lw = b->p + BLK(b->plan);
  double jv, lym, x = st->evlw - lw[LW_NORMAL] * weight(b->plan, b->p);
  flows(lw, st->pc, x, &jv, &lym);
  double q = (jv - lym) / 60.0, bv = b->m[HS_M_TBV]; /* mL/s */
  dxdt[0] = q;
  decay[0] = slope(lw, x) / 60.0;
  if (lw[LW_PLASMA] == 0) return; /* counted only: the blood keeps its volume */
  dxdt[1] = bv > 0 ? st->hconc * q / bv : 0.0;
  flux->volume = -q; /* plasma: it carries no O2 of its own (flux o2 0) */
}

static void lw_effect(const void *state, const hs_plan *pl, const double *p,
                      hs_physio_effect *fx) {
  const lw_state *st = state;
  fx->shunt += added_shunt(p + BLK(pl), st->evlw / weight(pl, p));
  fx->hb *= st->hconc;
}

static void lw_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  const lw_state *st = state;
  const double *lw = p + BLK(pl);
  double kg = weight(pl, p), x = st->evlw - lw[LW_NORMAL] * kg;
  double pc = capillary(lw, m), jv, lym;
  flows(lw, pc, x, &jv, &lym);
  m[HS_M_EVLW] = st->evlw;
  m[HS_M_EVLWI] = st->evlw / kg;
  m[HS_M_EVLW_RATE] = (jv - lym) * 60.0;
  m[HS_M_LUNG_FILT] = jv * 60.0;
  m[HS_M_PCAP] = pc;
}

/* The starting lung water holds for the run (a slow state, docs/model.md 2.18). */
static const char *lw_fixed(const hs_plan *pl, int pidx) {
  return BLK(pl) >= 0 && pidx == BLK(pl) + LW_INITIAL
             ? HS_PHYSIO_INITIAL_FIXED("lung_water.initial_ml_per_kg")
             : NULL;
}

const hs_physio_module hs_physio_lung_water = {
    .name = "lung_water",
    .doc = "extravascular lung water: Starling filtration and lymph, added shunt "
           "(docs/model.md 2.16)",
    .state_bytes = sizeof(lw_state),
    .block = "lung_water",
    .beat = lw_beat,
    .effect = lw_effect,
    .metrics = lw_metrics,
    .nslow = 2,
    .slow = SLOW,
    .slow_start = lw_start,
    .rates = lw_rates,
    .fixed = lw_fixed,
};
