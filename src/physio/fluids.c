/*
 * physio/fluids.c - fluids in and out, minimal kidneys (docs/model.md, "Fluids and
 * kidneys"; slow states, physio/module.h).
 *
 * In: crystalloid, colloid and red cells (mL/h); out: urine and blood loss (mL/h).
 * Intravascular volume change (mL/s):
 *   dV = f_c (R_c - U) + f_k R_k + R_rbc - R_loss
 * f_c: the part of a crystalloid that stays in the vessels once it has distributed over
 * the extracellular fluid (~1/4 - 1/5; urine water comes from the same extracellular
 * fluid, so it leaves the vessels with the same fraction); f_k: of an iso-oncotic
 * colloid (~0.9) (Chappell et al. 2008 Anesthesiology 109:723).  Redistribution is taken
 * as immediate (it takes ~20-30 min).  The volume joins the vessels in proportion to
 * their compliance (engine, physio/module.h).
 * Urine, the renal function curve (pressure diuresis; Guyton & Coleman; Cowley 1992
 * Physiol Rev 72:231), driven by the renal perfusion pressure RPP = MAP - CVP (venous
 * congestion lowers it; Legrand et al. 2013 Crit Care 17:R278):
 *   U = r U_ref ((RPP - P0) / (P_ref - P0))^2 for RPP > P0, else 0,
 * U_ref = urine_ref (mL/kg/h) x body weight, r = renal_function (1 normal, 0 anuric).
 * Haemoglobin: the Hb mass follows red cells in and blood out,
 *   d(Hb BV)/dt = R_rbc Hb_rbc - R_loss Hb,
 * so with Hb = oxygen.hemoglobin x h (h the dilution factor, a slow state):
 *   dh/dt = (R_rbc Hb_rbc / Hb_0 - R_loss h - h dV) / BV,
 * and the O2 model uses Hb (physio/module.h: effect.hb).  Counters (slow states): fluid
 * given, urine and blood lost (mL); the clinical fluid balance is in - urine - loss.
 * With fluids.enabled false nothing moves (urine_mlh still shows what the kidneys would
 * make at this pressure).
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/sim.h"
#include "physio/module.h"

enum {
  F_ENABLED,
  F_CRYST,
  F_COLLOID,
  F_RBC,
  F_LOSS,
  F_CRYST_FRAC,
  F_COLLOID_FRAC,
  F_RBC_HB,
  F_URINE_REF,
  F_RPP_REF,
  F_RPP_ZERO,
  F_RENAL,
  F_NPARAM
};

#define PER_H (1.0 / 3600.0)
static const hs_param_spec PARAMS[F_NPARAM] = {
    [F_ENABLED] = {"enabled", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                   "fluids in and urine / losses out move the blood volume and haemoglobin",
                   "docs/model.md \"Fluids and kidneys\"", NULL},
    [F_CRYST] = {"crystalloid_rate", HS_DIM_FLOW, 0, 0, 5000 * PER_H, 0,
                 "crystalloid infusion (e.g. \"1000 mL/h\" for a 500 mL bolus over 30 min)", "setting (default 0: none)",
                 NULL},
    [F_COLLOID] = {"colloid_rate", HS_DIM_FLOW, 0, 0, 5000 * PER_H, 0,
                   "iso-oncotic colloid (albumin 5 %) infusion", "setting (default 0: none)", NULL},
    [F_RBC] = {"rbc_rate", HS_DIM_FLOW, 0, 0, 5000 * PER_H, 0,
               "red-cell transfusion (one unit ~300 mL)", "setting (default 0: none)", NULL},
    [F_LOSS] = {"blood_loss_rate", HS_DIM_FLOW, 0, 0, 5000 * PER_H, 0,
                "blood loss (bleeding, drains, sampling)", "setting (default 0: none)", NULL},
    [F_CRYST_FRAC] = {"crystalloid_fraction", HS_DIM_NONE, 0.25, 0.05, 1, 0,
                      "part of a crystalloid (and of urine water) that stays in (leaves) the "
                      "vessels after distribution over the extracellular fluid",
                      "Chappell et al. 2008 Anesthesiology 109:723", NULL},
    [F_COLLOID_FRAC] = {"colloid_fraction", HS_DIM_NONE, 0.9, 0.2, 1, 0,
                        "part of an iso-oncotic colloid that stays in the vessels",
                        "Chappell et al. 2008 Anesthesiology 109:723", NULL},
    [F_RBC_HB] = {"rbc_hemoglobin", HS_DIM_HB, 20, 10, 30, 0,
                  "haemoglobin of packed red cells (haematocrit 55-65 %)",
                  "AABB Technical Manual (additive-solution red cells)", NULL},
    [F_URINE_REF] = {"urine_ref", HS_DIM_NONE, 1.0, 0, 10, 0,
                     "urine output at the reference renal perfusion pressure, mL/kg/h "
                     "(normal ~1 mL/kg/h; oliguria < 0.5 mL/kg/h, KDIGO 2012)",
                     "KDIGO 2012 AKI guideline (Kidney Int Suppl 2:1)", NULL},
    [F_RPP_REF] = {"rpp_ref", HS_DIM_PRESSURE, 92.7, 50, 150, 0,
                   "renal perfusion pressure (MAP - CVP) at which urine is urine_ref: the "
                   "healthy adult's own at rest (MAP 97.9, CVP 5.2 mmHg)",
                   "resting MAP ~90-100 and CVP ~2-6 mmHg in adults; 92.7 is the default "
                   "patient's, so that it makes urine_ref (docs/model.md, \"Fluids and "
                   "kidneys\")", NULL},
    [F_RPP_ZERO] = {"rpp_zero", HS_DIM_PRESSURE, 45, 0, 80, 0,
                    "renal perfusion pressure below which the kidneys make no urine (renal "
                    "function curve: output ~0 near 50 mmHg arterial pressure)",
                    "Guyton et al. 1972 Annu Rev Physiol 34:13; Cowley 1992 Physiol Rev 72:231",
                    NULL},
    [F_RENAL] = {"renal_function", HS_DIM_NONE, 1, 0, 2, 0,
                 "urine output relative to normal kidneys at the same pressure (0: anuric "
                 "acute kidney injury)",
                 "patient setting: 1 = normal kidneys (the renal function curve of Guyton 1972)",
                 NULL},
};

const hs_block_type hs_type_fluids = {
    "fluids", HS_BLOCK_GLOBAL, PARAMS, F_NPARAM,
    "Infusions, transfusions, blood loss and urine (renal perfusion pressure): blood volume, "
    "haemoglobin, fluid balance (docs/model.md, \"Fluids and kidneys\").",
    NULL};

typedef struct fluids_state {
  double h;     /* slow: haemoglobin dilution factor */
  double in;    /* slow: fluid given, mL */
  double urine; /* slow: urine, mL */
  double loss;  /* slow: blood lost, mL */
} fluids_state;

static const hs_physio_slow SLOW[] = {{"hb_factor", "", 0.05},
                                      {"fluid_in", "mL", 1000.0},
                                      {"urine", "mL", 1000.0},
                                      {"blood_loss", "mL", 1000.0}};

static void fluids_start(void *state, const hs_plan *pl, const double *p) {
  (void)pl, (void)p;
  fluids_state *st = state;
  st->h = 1.0;
  st->in = st->urine = st->loss = 0.0;
}

/* Urine now, mL/s. */
static double urine(const hs_plan *pl, const double *p, const double *fp, const double *m) {
  double rpp = m[HS_M_MAP] - m[HS_M_CVP];
  if (!(rpp > fp[F_RPP_ZERO])) return 0.0;
  double x = (rpp - fp[F_RPP_ZERO]) / (fp[F_RPP_REF] - fp[F_RPP_ZERO]);
  return fp[F_RENAL] * fp[F_URINE_REF] * p[pl->body + BODY_WEIGHT] * PER_H * x * x;
}

static void fluids_effect(const void *state, const hs_plan *pl, const double *p,
                          hs_physio_effect *fx) {
  (void)pl, (void)p;
  fx->hb *= ((const fluids_state *)state)->h;
}

static void fluids_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  const fluids_state *st = state;
  const double *fp = p + hs_physio_block(pl, "fluids");
  m[HS_M_RPP] = m[HS_M_MAP] - m[HS_M_CVP];
  m[HS_M_URINE] = urine(pl, p, fp, m) * 3600.0;
  m[HS_M_FLUID_IN] = st->in;
  m[HS_M_URINE_TOTAL] = st->urine;
  m[HS_M_BLOOD_LOSS] = st->loss;
  m[HS_M_BALANCE] = st->in - st->urine - st->loss;
}

static void fluids_rates(const void *state, const hs_physio_beat *b, double *dxdt,
                         double *decay, hs_physio_flux *flux) {
  (void)decay; /* counters and the dilution: plain Euler */
  const fluids_state *st = state;
  const double *fp = b->p + hs_physio_block(b->plan, "fluids");
  for (int i = 0; i < 4; i++) dxdt[i] = 0.0;
  if (fp[F_ENABLED] == 0) return;
  double u = urine(b->plan, b->p, fp, b->m);
  double rc = fp[F_CRYST], rk = fp[F_COLLOID], rr = fp[F_RBC], rl = fp[F_LOSS];
  double dv = fp[F_CRYST_FRAC] * (rc - u) + fp[F_COLLOID_FRAC] * rk + rr - rl;
  double hb0 = b->p[hs_physio_block(b->plan, "oxygen") + OXY_HB], bv = b->m[HS_M_TBV];
  dxdt[0] = bv > 0 ? (rr * fp[F_RBC_HB] / hb0 - rl * st->h - st->h * dv) / bv : 0.0;
  dxdt[1] = rc + rk + rr;
  dxdt[2] = u;
  dxdt[3] = rl;
  flux->volume = dv;
  flux->o2 = rr * fp[F_RBC_HB] / (hb0 * st->h) - rl;
}

const hs_physio_module hs_physio_fluids = {
    .name = "fluids",
    .doc = "infusions, transfusions, blood loss, urine from renal perfusion pressure "
           "(docs/model.md \"Fluids and kidneys\")",
    .state_bytes = sizeof(fluids_state),
    .effect = fluids_effect,
    .metrics = fluids_metrics,
    .nslow = 4,
    .slow = SLOW,
    .slow_start = fluids_start,
    .rates = fluids_rates,
};
