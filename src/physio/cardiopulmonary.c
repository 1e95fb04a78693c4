/*
 * physio/cardiopulmonary.c - the excitatory cardiac (ventricular mechanoreceptor) reflex
 * of the failing heart: sympathetic vasoconstriction that rises with the left-heart
 * filling pressure and is withdrawn when the heart is unloaded (the law in
 * hemosim/cardiopulmonary.h; sources in docs/baroreflex.md, "Cardiopulmonary reflex in
 * heart failure").
 *
 * At x = P_ref (the patient's own filling pressure) the factor is 1: the patient file's
 * resistances already hold that tone, so a calibrated patient stays calibrated, and a
 * device or drug that lowers the filling pressure withdraws part of it.  A
 * physiological module (physio/module.h) with one continuous state, present when
 * cardiopulmonary.enabled is true at compile.
 */
#include "hemosim/cardiopulmonary.h"

#include <math.h>

#include "elements/elements.h"
#include "physio/module.h"

enum { CP_ENABLED, CP_GAIN, CP_THRESHOLD, CP_REFERENCE, CP_TAU, CP_NPARAM };

#define CP_WIDTH 1.0 /* mmHg: the rounding of the threshold (softplus width) */

static double recruited(double threshold, double u) {
  double z = (u - threshold) / CP_WIDTH;
  return z > 30.0 ? CP_WIDTH * z : CP_WIDTH * log1p(exp(z));
}

double hs_cardiopulmonary_factor(double g, double threshold, double reference, double x) {
  return (1.0 + g * recruited(threshold, x)) / (1.0 + g * recruited(threshold, reference));
}

extern const hs_physio_module hs_physio_cardiopulmonary;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_cardiopulmonary)

typedef struct cp_state {
  int have, blk; /* its block, copied at refresh (read at every evaluation) */
} cp_state;

static inline int cp_blk(const void *state, const hs_plan *pl) {
  const cp_state *st = state;
  return st->have ? st->blk : BLK(pl);
}

static int cp_nstates(const hs_plan *pl, const double *p) {
  return p[BLK(pl) + CP_ENABLED] != 0 ? 1 : 0;
}

static const char *cp_fixed(const hs_plan *pl, int pidx) {
  return pidx == BLK(pl) + CP_ENABLED
             ? HS_PHYSIO_ENABLED_FIXED("cardiopulmonary.enabled")
             : NULL;
}

static void cp_refresh(void *state, const hs_plan *pl, const double *p) {
  cp_state *st = state;
  (void)p;
  st->blk = BLK(pl), st->have = 1;
}

static void cp_rest(const void *state, const hs_plan *pl, const double *p, double *x) {
  x[0] = p[cp_blk(state, pl) + CP_REFERENCE];
}

/* The mean LA pressure (role left_atrium, required), filtered. */
static void cp_rhs(const void *state, const hs_physio_sense *in, const double *x, double *dx) {
  const double *cp = in->p + cp_blk(state, in->plan);
  dx[0] = (in->P[in->plan->la] - x[0]) / cp[CP_TAU];
}

static void cp_tone(const void *state, const hs_plan *pl, const double *p, const double *x,
                    hs_physio_tone *fx) {
  const double *cp = p + cp_blk(state, pl);
  double f = hs_cardiopulmonary_factor(cp[CP_GAIN], cp[CP_THRESHOLD], cp[CP_REFERENCE], x[0]);
  fx->r_splanchnic *= f;
  fx->r_extra *= f;
}

/* The sensed pressure, as a relative factor of the reference (as the baroreflex's). */
static void cp_weights(const void *state, const hs_plan *pl, const double *p,
                       const hs_physio_tol *tol, double *w) {
  w[0] = 1.0 / (tol->factor * fmax(p[cp_blk(state, pl) + CP_REFERENCE], 1.0));
}

const hs_physio_module hs_physio_cardiopulmonary = {
    .name = "cardiopulmonary",
    .doc = "excitatory cardiac mechanoreceptor reflex of heart failure: systemic "
           "vasoconstriction rising with the left atrial pressure (docs/baroreflex.md)",
    .state_bytes = sizeof(cp_state),
    .block = "cardiopulmonary",
    .nstates = cp_nstates,
    .fixed = cp_fixed,
    .refresh = cp_refresh,
    .rest = cp_rest,
    .rhs = cp_rhs,
    .tone = cp_tone,
    .weights = cp_weights,
};

static const hs_param_spec CP[CP_NPARAM] = {
    [CP_ENABLED] = {"enabled", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                    "excitatory cardiac reflex of the failing heart active (fixed when the "
                    "model is compiled)", "", NULL},
    [CP_GAIN] = {"gain", HS_DIM_NONE, 0.05, 0, 2, 0,
                 "sympathetic vasoconstriction per mmHg of mean LA pressure above the "
                 "threshold, as a fraction of the resistance at the threshold (1/mmHg)",
                 "estimated from the SVR falls with dobutamine in chronic heart failure "
                 "beyond its direct effect (Velez-Roa 2003, Akhtar 1975; docs/baroreflex.md)",
                 NULL},
    [CP_THRESHOLD] = {"threshold", HS_DIM_PRESSURE, 12, 0, 40, 0,
                      "mean LA pressure above which the ventricular mechanoreceptors drive "
                      "sympathetic outflow (the upper normal filling pressure)",
                      "Azevedo et al. 2000 Circulation 101:2053 (no response with normal "
                      "filling pressures)", NULL},
    [CP_REFERENCE] = {"reference", HS_DIM_PRESSURE, 10, 0, 60, 0,
                      "mean LA pressure (PCWP) at which the patient file's resistances apply "
                      "(the patient's own filling pressure; default: the healthy adult's, "
                      "9.9 mmHg, so that switching the reflex on leaves it unchanged)", "",
                      NULL},
    [CP_TAU] = {"time_constant", HS_DIM_TIME, 10, 0.5, 120, 0,
                "time constant of the reflex (sensing and vascular response)",
                "model choice: the baroreflex's resistance effector, delay 2 s + time "
                "constant 6 s (Ursino 1998)", NULL},
};

const hs_block_type hs_type_cardiopulmonary = {
    "cardiopulmonary", HS_BLOCK_GLOBAL, CP, CP_NPARAM,
    "Excitatory cardiac mechanoreceptor reflex of heart failure: systemic vasoconstriction "
    "rising with the mean LA pressure above a threshold; off by default "
    "(docs/baroreflex.md).",
    NULL};
