/*
 * physio/baroreflex.c - Ursino 1998 carotid baroreflex (equations in
 * hemosim/baroreflex.h; its parameter block with sources at the end of this file and
 * docs/baroreflex.md), and its physiological module (physio/module.h): the engine
 * knows the reflex only through that interface.
 */
#include "hemosim/baroreflex.h"

#include <math.h>

#include "elements/elements.h"
#include "hemosim/roles.h"
#include "hemosim/sim.h"
#include "physio/module.h"

/* (lo + hi e) / (1 + e): near the end of exp's range (a steep slope, k_ev near its 0.01
   minimum) hi e overflows and the quotient is NaN; the sigmoid is then at its top */
static double sigmoid(double lo, double hi, double e) {
  return e > 1e300 ? hi : (lo + hi * e) / (1.0 + e);
}

static double afferent(const double *bp, double pf) {
  double e = exp((pf - bp[HS_BP_AFF_MID]) / bp[HS_BP_KA]);
  return sigmoid(bp[HS_BP_FMIN], bp[HS_BP_FMAX], e);
}

void hs_baro_sigma(const double *bp, double pf, double sigma[HS_BARO_NEFF]) {
  double fcs = afferent(bp, pf);
  double fes = bp[HS_BP_FES_INF] + (bp[HS_BP_FES_0] - bp[HS_BP_FES_INF]) * exp(-bp[HS_BP_KES] * fcs);
  double ev = exp((fcs - bp[HS_BP_FCS_0]) / bp[HS_BP_KEV]);
  double fev = sigmoid(bp[HS_BP_FEV_0], bp[HS_BP_FEV_INF], ev);
  double symp = fes >= bp[HS_BP_FES_MIN] ? log(fes - bp[HS_BP_FES_MIN] + 1.0) : 0.0;
  for (int k = 0; k < HS_BARO_NEFF; k++) sigma[k] = bp[HS_BP_G0 + k] * symp;
  sigma[HS_BARO_T_VAGAL] = bp[HS_BP_G0 + HS_BARO_T_VAGAL] * fev;
}

void hs_baro_rest_state(const double *bp, double x[HS_BARO_NSTATE]) {
  double sigma[HS_BARO_NEFF];
  hs_baro_sigma(bp, bp[HS_BP_PN], sigma);
  x[0] = bp[HS_BP_PN];
  for (int k = 0; k < HS_BARO_NEFF; k++) x[1 + 2 * k] = x[2 + 2 * k] = sigma[k];
}

int hs_baro_sinus_pressure(const double *bp, double t, double *p, double *dp) {
  if (!(bp[HS_BP_SINUS_MEAN] > 0.0)) return 0;
  double w = 2.0 * 3.14159265358979323846 * bp[HS_BP_SINUS_RATE] / 60.0, a = 0.5 * bp[HS_BP_SINUS_PP];
  *p = bp[HS_BP_SINUS_MEAN] + a * sin(w * t);
  *dp = a * w * cos(w * t);
  return 1;
}

void hs_baro_rhs(const double *bp, const double *x, double p, double dp, double *dx) {
  dx[0] = (p + bp[HS_BP_TAU_Z] * dp - x[0]) / bp[HS_BP_TAU_P];
  double sigma[HS_BARO_NEFF];
  hs_baro_sigma(bp, x[0], sigma);
  for (int k = 0; k < HS_BARO_NEFF; k++) {
    double z = x[1 + 2 * k], v = x[2 + 2 * k];
    dx[1 + 2 * k] = (sigma[k] - z) / bp[HS_BP_D0 + k];
    dx[2 + 2 * k] = (z - v) / bp[HS_BP_TAU0 + k];
  }
}

void hs_baro_effect_of(const double *bp, const double *x, const double *xref,
                       hs_baro_effect *e) {
#define EFF(k) (x[2 + 2 * (k)])
#define REF(k) (xref[2 + 2 * (k)])
#define RATIO(k) ((bp[HS_BP_TH0 + (k)] + EFF(k)) / (bp[HS_BP_TH0 + (k)] + REF(k)))
  e->ees_lv = RATIO(HS_BARO_EES_LV);
  e->ees_rv = RATIO(HS_BARO_EES_RV);
  e->r_splanchnic = RATIO(HS_BARO_R_SPLANCHNIC);
  e->r_extra = RATIO(HS_BARO_R_EXTRA);
  e->dvu_splanchnic = EFF(HS_BARO_VU_SPLANCHNIC) - REF(HS_BARO_VU_SPLANCHNIC);
  e->dvu_extra = EFF(HS_BARO_VU_EXTRA) - REF(HS_BARO_VU_EXTRA);
  e->dperiod = EFF(HS_BARO_T_SYMP) - REF(HS_BARO_T_SYMP) + EFF(HS_BARO_T_VAGAL) -
               REF(HS_BARO_T_VAGAL);
#undef EFF
#undef REF
#undef RATIO
}

/* ---- the baroreflex as a physiological module (physio/module.h) -------------------
   Its states are the filtered carotid pressure and the delay stage and effector of
   each of the eight effectors (HS_BARO_NSTATE, present when baroreflex.enabled was
   true at compile); it senses the pressure of its site (baro_plan: the cerebral arteries,
   else the arm artery) and acts through the tone: contractility, the resistance and
   unstressed volume of the reflex-class beds and veins, the heart period. */

typedef struct baro_state {
  double ref[HS_BARO_NSTATE]; /* the resting state (set point), from the parameters */
  int have, blk, site;        /* its plan data, copied at refresh (read at every evaluation) */
} baro_state;

/* What it resolves at compile (its plan data): its sensing site, the node of role
   cerebral_arteries (the carotid sinus sits at the carotid bifurcation), else the arm
   artery (a required role). */
typedef struct baro_plan {
  int site;
} baro_plan;
extern const hs_physio_module hs_physio_baroreflex;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_baroreflex)
static inline int baro_site(const hs_plan *pl) {
  return ((const baro_plan *)hs_physio_plan_data(pl, &hs_physio_baroreflex))->site;
}

static hs_status baro_compile(hs_plan *pl, const struct hs_model *m, hs_err *err) {
  (void)err;
  baro_plan *bpl = hs_physio_plan_data(pl, &hs_physio_baroreflex);
  bpl->site = hs_plan_node_find(pl, hs_model_role(m, "cerebral_arteries"));
  if (bpl->site < 0) bpl->site = hs_plan_node_find(pl, hs_model_role(m, "arm_artery"));
  return HS_OK;
}

static int baro_nstates(const hs_plan *pl, const double *p) {
  return p[BLK(pl) + HS_BP_ENABLED] != 0 ? HS_BARO_NSTATE : 0;
}

static const char *baro_fixed(const hs_plan *pl, int pidx) {
  return pidx == BLK(pl) + HS_BP_ENABLED
             ? HS_PHYSIO_ENABLED_FIXED("baroreflex.enabled")
             : NULL;
}

static void baro_refresh(void *state, const hs_plan *pl, const double *p) {
  baro_state *st = state;
  st->blk = BLK(pl), st->site = baro_site(pl), st->have = 1;
  hs_baro_rest_state(p + st->blk, st->ref);
}

/* Its block and site for the hooks that run at every evaluation: the copy in its state
   (no registry scan), or the plan's before the first refresh. */
typedef struct baro_where {
  int blk, site;
} baro_where;
static inline baro_where baro_fast(const void *state, const hs_plan *pl) {
  const baro_state *st = state;
  if (st->have) return (baro_where){st->blk, st->site};
  return (baro_where){BLK(pl), baro_site(pl)};
}

static void baro_rest(const void *state, const hs_plan *pl, const double *p, double *x) {
  (void)state;
  hs_baro_rest_state(p + BLK(pl), x);
}

static void baro_module_rhs(const void *state, const hs_physio_sense *in, const double *x,
                            double *dx) {
  const hs_plan *pl = in->plan;
  baro_where bpl = baro_fast(state, pl);
  int k = bpl.site;
  double dp = pl->node_kind[k] == HS_NK_VESSEL
                  ? in->dy[k] / in->p[pl->bpofs[pl->node_block[k]] + VESSEL_C]
                  : 0.0;
  double p = in->P[k];
  hs_baro_sinus_pressure(in->p + bpl.blk, in->t, &p, &dp);
  hs_baro_rhs(in->p + bpl.blk, x, p, dp, dx);
}

static void baro_tone(const void *state, const hs_plan *pl, const double *p, const double *x,
                      hs_physio_tone *fx) {
  hs_baro_effect e;
  hs_baro_effect_of(p + baro_fast(state, pl).blk, x, ((const baro_state *)state)->ref, &e);
  fx->ees_lv *= e.ees_lv;
  fx->ees_rv *= e.ees_rv;
  fx->r_splanchnic *= e.r_splanchnic;
  fx->r_extra *= e.r_extra;
  fx->dvu_splanchnic += e.dvu_splanchnic;
  fx->dvu_extra += e.dvu_extra;
  fx->dperiod += e.dperiod;
}

/* filtered pressure: as a relative factor of the set point; effectors: the tolerance of
   what they act on (relative multipliers, mL of unstressed volume, heart period) */
static void baro_weights(const void *state, const hs_plan *pl, const double *p,
                         const hs_physio_tol *tol, double *w) {
  const double *bp = p + BLK(pl), *ref = ((const baro_state *)state)->ref;
  w[0] = 1.0 / (tol->factor * fmax(bp[HS_BP_PN], 1.0));
  for (int k = 0; k < HS_BARO_NEFF; k++) {
    double t;
    if (k < 4) t = tol->factor * fmax(fabs(bp[HS_BP_TH0 + k] + ref[2 + 2 * k]), 1e-6);
    else if (k == HS_BARO_VU_SPLANCHNIC || k == HS_BARO_VU_EXTRA) t = tol->volume;
    else t = tol->factor * (tol->period > 0.1 ? tol->period : 0.1);
    w[1 + 2 * k] = w[2 + 2 * k] = 1.0 / t;
  }
}

const hs_physio_module hs_physio_baroreflex = {
    .name = "baroreflex",
    .doc = "carotid baroreflex (Ursino 1998): heart period, contractility, resistances and "
           "venous capacity (docs/baroreflex.md)",
    .state_bytes = sizeof(baro_state),
    .block = "baroreflex",
    .plan_bytes = sizeof(baro_plan),
    .compile = baro_compile,
    .nstates = baro_nstates,
    .fixed = baro_fixed,
    .refresh = baro_refresh,
    .rest = baro_rest,
    .rhs = baro_module_rhs,
    .tone = baro_tone,
    .weights = baro_weights,
};

/* ---- its parameter block (the module owns it; the engine finds it by name) ---- */

/* Ursino 1998 (Am J Physiol 275:H1733) parameter set; values as tabulated in
   docs/research/ecmo_o2_data.md s5 (cross-checked against three public
   implementations that cite the paper). */
#define G(k, name, v, lo, hi, doc) [HS_BP_G0 + (k)] = {name, HS_DIM_NONE, v, lo, hi, 0, doc, "Ursino 1998", NULL}
#define TAU(k, name, v) [HS_BP_TAU0 + (k)] = {name, HS_DIM_TIME, v, 0.05, 120, 0, "effector time constant", "Ursino 1998", NULL}
#define DEL(k, name, v) [HS_BP_D0 + (k)] = {name, HS_DIM_TIME, v, 0.05, 30, 0, "effector delay (as a first-order lag)", "Ursino 1998", NULL}
#define TH(k, name, v, doc) [HS_BP_TH0 + (k)] = {name, HS_DIM_NONE, v, -1e4, 1e4, 0, doc, "Ursino 1998", NULL}
static const hs_param_spec BARO[HS_BP_NPARAM] = {
    [HS_BP_ENABLED] = {"enabled", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                       "carotid baroreflex active (fixed when the model is compiled)", "", NULL},
    [HS_BP_PN] = {"set_point", HS_DIM_PRESSURE, 92, 40, 160, 0,
                  "carotid sinus pressure at which the reflex leaves the patient's values unchanged",
                  "Ursino 1998", NULL},
    [HS_BP_KA] = {"k_a", HS_DIM_PRESSURE, 11.758, 1, 50, 0, "slope of the afferent sigmoid", "Ursino 1998", NULL},
    [HS_BP_FMIN] = {"f_min", HS_DIM_NONE, 2.52, 0, 100, 0, "afferent firing, lower saturation (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_FMAX] = {"f_max", HS_DIM_NONE, 47.78, 0, 200, 0, "afferent firing, upper saturation (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_TAU_Z] = {"tau_z", HS_DIM_TIME, 6.37, 0, 60, 0, "afferent zero (rate sensitivity)", "Ursino 1998", NULL},
    [HS_BP_TAU_P] = {"tau_p", HS_DIM_TIME, 2.076, 0.05, 60, 0, "afferent pole", "Ursino 1998", NULL},
    [HS_BP_FES_INF] = {"f_es_inf", HS_DIM_NONE, 2.10, 0, 100, 0, "sympathetic firing at maximal afferent activity (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_FES_0] = {"f_es_0", HS_DIM_NONE, 16.11, 0, 100, 0, "sympathetic firing at zero afferent activity (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_FES_MIN] = {"f_es_min", HS_DIM_NONE, 2.66, 0, 100, 0, "sympathetic threshold for effector action (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_KES] = {"k_es", HS_DIM_NONE, 0.0675, 0.001, 10, 0, "sympathetic exponential constant (s per spike)", "Ursino 1998", NULL},
    [HS_BP_FEV_0] = {"f_ev_0", HS_DIM_NONE, 3.2, 0, 100, 0, "vagal firing at zero afferent activity (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_FEV_INF] = {"f_ev_inf", HS_DIM_NONE, 6.3, 0, 100, 0, "vagal firing at maximal afferent activity (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_FCS_0] = {"f_cs_0", HS_DIM_NONE, 25, 0, 100, 0, "centre of the vagal sigmoid (spikes/s)", "Ursino 1998", NULL},
    [HS_BP_KEV] = {"k_ev", HS_DIM_NONE, 7.06, 0.01, 100, 0, "slope of the vagal sigmoid (spikes/s)", "Ursino 1998", NULL},
    G(HS_BARO_EES_LV, "gain_ees_lv", 0.475, -10, 10, "LV Emax gain (mmHg/mL per ln unit)"),
    G(HS_BARO_EES_RV, "gain_ees_rv", 0.282, -10, 10, "RV Emax gain (mmHg/mL per ln unit)"),
    G(HS_BARO_R_SPLANCHNIC, "gain_r_splanchnic", 0.695, -10, 10, "splanchnic resistance gain (mmHg s/mL)"),
    G(HS_BARO_R_EXTRA, "gain_r_extrasplanchnic", 0.53, -10, 10, "extrasplanchnic resistance gain (mmHg s/mL)"),
    G(HS_BARO_VU_SPLANCHNIC, "gain_vu_splanchnic", -265.4, -2000, 2000, "splanchnic venous unstressed volume gain (mL)"),
    G(HS_BARO_VU_EXTRA, "gain_vu_extrasplanchnic", -132.5, -2000, 2000, "extrasplanchnic venous unstressed volume gain (mL)"),
    G(HS_BARO_T_SYMP, "gain_period_sympathetic", -0.13, -2, 2, "heart period gain, sympathetic (s)"),
    G(HS_BARO_T_VAGAL, "gain_period_vagal", 0.09, -2, 2, "heart period gain, vagal (s per spike/s)"),
    TAU(HS_BARO_EES_LV, "tau_ees_lv", 8), TAU(HS_BARO_EES_RV, "tau_ees_rv", 8),
    TAU(HS_BARO_R_SPLANCHNIC, "tau_r_splanchnic", 6), TAU(HS_BARO_R_EXTRA, "tau_r_extrasplanchnic", 6),
    TAU(HS_BARO_VU_SPLANCHNIC, "tau_vu_splanchnic", 20), TAU(HS_BARO_VU_EXTRA, "tau_vu_extrasplanchnic", 20),
    TAU(HS_BARO_T_SYMP, "tau_period_sympathetic", 2), TAU(HS_BARO_T_VAGAL, "tau_period_vagal", 1.5),
    DEL(HS_BARO_EES_LV, "delay_ees_lv", 2), DEL(HS_BARO_EES_RV, "delay_ees_rv", 2),
    DEL(HS_BARO_R_SPLANCHNIC, "delay_r_splanchnic", 2), DEL(HS_BARO_R_EXTRA, "delay_r_extrasplanchnic", 2),
    DEL(HS_BARO_VU_SPLANCHNIC, "delay_vu_splanchnic", 5), DEL(HS_BARO_VU_EXTRA, "delay_vu_extrasplanchnic", 5),
    DEL(HS_BARO_T_SYMP, "delay_period_sympathetic", 2), DEL(HS_BARO_T_VAGAL, "delay_period_vagal", 0.2),
    TH(HS_BARO_EES_LV, "basal_ees_lv", 2.392, "Ursino's basal LV Emax (scales the relative change), mmHg/mL"),
    TH(HS_BARO_EES_RV, "basal_ees_rv", 1.412, "basal RV Emax, mmHg/mL"),
    TH(HS_BARO_R_SPLANCHNIC, "basal_r_splanchnic", 2.49, "basal splanchnic resistance, mmHg s/mL"),
    TH(HS_BARO_R_EXTRA, "basal_r_extrasplanchnic", 0.78, "basal extrasplanchnic resistance, mmHg s/mL"),
    [HS_BP_AFF_MID] = {"afferent_midpoint", HS_DIM_PRESSURE, 92, 40, 160, 0,
                       "carotid pressure at the midpoint of the afferent sigmoid (a patient "
                       "below it sits on the sigmoid's convex foot)",
                       "Ursino 1998", NULL},
    [HS_BP_SINUS_MEAN] = {"sinus_mean", HS_DIM_PRESSURE, 0, 0, 250, 0,
                          "isolated carotid sinus: mean of the pressure the afferent senses "
                          "instead of the patient's own (0: not isolated; an experiment, "
                          "docs/baroreflex.md)", "Angell-James & Daly 1970", NULL},
    [HS_BP_SINUS_PP] = {"sinus_pulse_pressure", HS_DIM_PRESSURE, 0, 0, 150, 0,
                        "isolated carotid sinus: peak-to-peak amplitude of its sinusoidal "
                        "pressure (0: non-pulsatile)", "Angell-James & Daly 1970", NULL},
    [HS_BP_SINUS_RATE] = {"sinus_pulse_rate", HS_DIM_RATE, 120, 10, 300, 0,
                          "isolated carotid sinus: pulse frequency",
                          "Angell-James & Daly 1970", NULL},
};
#undef G
#undef TAU
#undef DEL
#undef TH

const hs_block_type hs_type_baroreflex = {
    "baroreflex", HS_BLOCK_GLOBAL, BARO, HS_BP_NPARAM,
    "Carotid baroreflex (Ursino 1998) on heart period, contractility, resistances and "
    "venous capacity; off by default (docs/baroreflex.md).",
    NULL};
