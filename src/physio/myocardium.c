/*
 * physio/myocardium.c - the myocardium's O2 demand follows the heart's work (docs/model.md
 * 2.21): once per beat, from the beat's mechanics,
 *
 *   MVO2 = basal + HR (pva_cost (PVA_LV + PVA_RV) + ec_cost (Ees_LV + Ees_RV))
 *
 * (mL O2/min; HR in beats/min, PVA in mmHg mL per beat, Ees in mmHg/mL).  The ventricles'
 * O2 use per beat is linear in their pressure-volume area, the stroke work plus the
 * elastic potential energy left at end-systole, with the same slope in ejecting and
 * isovolumic beats, at any load and inotropic state (Suga 1979 Am J Physiol 236:H498;
 * Suga 1990 Physiol Rev 70:247: slope ~1.8e-5 mL O2 per mmHg mL, a contractile
 * efficiency of ~40 %; the same relation in the human LV: Kameyama et al. 1992
 * Circulation 85:988).  Its PVA-independent part is excitation-contraction coupling,
 * which rises with the contractile state (Emax) under inotropes, and basal metabolism,
 * which does not depend on beating (Suga 1990).  A non-ejecting, distended LV on ECMO
 * still spends O2 on the potential energy of its isovolumic beats; unloading it lowers
 * the demand.
 *
 * The demand replaces the o2_consumption of the O2-consuming vessels the coronary beds
 * feed (plan node_cor), shared in proportion to it, through the effect's factor
 * myocardial_vo2 (the transport, lactate, tissue CO2 and the coronary regulation read the
 * demand in force).  In fibrillation (no systole: no PVA) the factor is 1, the vessels'
 * own o2_consumption (a model choice: the model does not resolve the asynchronous
 * contraction of a fibrillating heart).  The demand is kept in a slow-state slot (the
 * warm-start state, physio/module.h) and not advanced by the slow-state step: its rate is
 * left 0.
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/sim.h"
#include "physio/module.h"

enum { MY_ENABLED, MY_PVA, MY_EC, MY_BASAL, MY_NPARAM };

static const hs_param_spec MY[MY_NPARAM] = {
    [MY_ENABLED] = {"demand_model", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
                    "the myocardium's O2 demand follows the heart's work beat by beat "
                    "(off: the o2_consumption of the vessels the coronary beds feed)",
                    "Suga 1990 Physiol Rev 70:247", NULL},
    [MY_PVA] = {"pva_cost", HS_DIM_NONE, 1.8e-5, 0.5e-5, 5e-5, 0,
                "O2 used per mmHg mL of the ventricles' pressure-volume area (mL O2 per "
                "mmHg mL; 1 mmHg mL = 1.33e-4 J, 1 mL O2 ~ 20 J: an efficiency of ~37 %)",
                "Suga 1979 Am J Physiol 236:H498 (canine LV, 1.37e-5); Suga 1990 Physiol Rev "
                "70:247 (~1.8e-5, independent of load and inotropy); Kameyama et al. 1992 "
                "Circulation 85:988 (human LV)", NULL},
    [MY_EC] = {"ec_cost", HS_DIM_NONE, 0.024, 0, 0.2, 0,
               "O2 used per beat per mmHg/mL of the ventricles' end-systolic elastance "
               "(excitation-contraction coupling; mL O2 per beat per mmHg/mL)",
               "calibrated: the healthy adult's 27 mL O2/min at rest, with excitation-"
               "contraction coupling ~20 % of it (Suga 1990 Physiol Rev 70:247: the "
               "PVA-independent O2 use rises with Emax)", NULL},
    [MY_BASAL] = {"basal", HS_DIM_O2RATE, 4.5, 0, 50, 0,
                  "O2 used by the non-beating myocardium (basal metabolism)",
                  "~1.5 mL O2/min per 100 g in the arrested heart, ~15-20 % of the resting "
                  "consumption (Gibbs 1978 Physiol Rev 58:174; Suga 1990 Physiol Rev "
                  "70:247); a heart of ~300 g", NULL},
};

const hs_block_type hs_type_myocardium = {
    "myocardium", HS_BLOCK_GLOBAL, MY, MY_NPARAM,
    "The myocardium's O2 demand from the heart's pressure-volume area and contractility "
    "(docs/model.md 2.21).",
    NULL};

typedef struct my_state {
  double d;  /* slow-state slot: the demand of the last beat, mL O2/min */
  int beats; /* beats seen since the start, a reset or a warm start */
} my_state;

static const hs_physio_slow SLOW[] = {{"myocardial_vo2", "mL/min", 1.0}};

extern const hs_physio_module hs_physio_myocardium;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_myocardium)

/* The myocardial vessels' own o2_consumption, mL O2/min. */
static double own(const hs_plan *pl, const double *p) {
  double v = 0.0;
  for (int k = 0; k < pl->nvo2; k++)
    if (pl->node_cor[pl->vo2_nodes[k]]) v += p[pl->vo2_pidx[k]];
  return v;
}

/* Before the first beat: the vessels' own. */
static void my_start(void *state, const hs_plan *pl, const double *p) {
  ((my_state *)state)->d = own(pl, p);
  ((my_state *)state)->beats = 0;
}

/* The demand in force, mL O2/min. */
static double demand(const my_state *st, const hs_plan *pl, const double *p) {
  double v = own(pl, p);
  return p[BLK(pl) + MY_ENABLED] == 0 || !(v > 0) ? v : st->d;
}

static int my_beat(void *state, const hs_physio_beat *b) {
  my_state *st = state;
  const double *c = b->p + BLK(b->plan);
  const double *m = b->m;
  /* a ventricle's mechanical energy is not negative (a loop run clockwise by a
     regurgitant or non-ejecting beat's rounding, a few mmHg mL: no O2 given back) */
  double hr = m[HS_M_HR], pva = fmax(m[HS_M_PVA], 0.0) + fmax(m[HS_M_RVPVA], 0.0);
  if (c[MY_ENABLED] == 0 || !(hr > 0) || !isfinite(m[HS_M_PVA] + m[HS_M_RVPVA])) {
    st->d = own(b->plan, b->p); /* off, or no systole (fibrillation): the vessels' own */
    return 0;
  }
  /* the first beat of a run is its start-up transient (its PVA half the periodic one in
     the healthy adult): the demand in force stays (the coronary module's rule) */
  if (st->beats++ == 0) return 0;
  st->d = c[MY_BASAL] + hr * (c[MY_PVA] * pva + c[MY_EC] * (b->ees_lv + b->ees_rv));
  return 0;
}

static void my_effect(const void *state, const hs_plan *pl, const double *p,
                      hs_physio_effect *fx) {
  double v = own(pl, p);
  if (v > 0) fx->myocardial_vo2 *= demand(state, pl, p) / v;
}

static void my_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  m[HS_M_MVO2] = pl->cor_art >= 0 ? demand(state, pl, p) : NAN;
}

/* After a warm start the next beat is a periodic one: no transient to skip. */
static void my_state_set(void *state, const hs_plan *pl, const double *y) {
  (void)pl, (void)y;
  ((my_state *)state)->beats = 1;
}

const hs_physio_module hs_physio_myocardium = {
    .name = "myocardium",
    .doc = "the myocardium's O2 demand from the ventricles' pressure-volume area and "
           "contractility (Suga; docs/model.md 2.21)",
    .state_bytes = sizeof(my_state),
    .block = "myocardium",
    .beat = my_beat,
    .effect = my_effect,
    .metrics = my_metrics,
    .state_set = my_state_set,
    .nslow = 1,
    .slow = SLOW,
    .slow_start = my_start,
};
