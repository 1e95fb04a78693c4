/*
 * physio/hemolysis.c - plasma free haemoglobin from the blood pumps (docs/model.md,
 * "Haemolysis"; a slow state, physio/module.h).
 *
 * Release.  A pump's haemolysis is stated as its normalised index of haemolysis, the
 * mass of free Hb released per 100 L pumped (NIH, g/100 L; ASTM F1841), so the release
 * is G = NIH x Q / 100 (g/min, Q in L/min).  Per pass the damage follows the power law
 * of Giersiepen et al. 1990 (Int J Artif Organs 13:300), D ~ tau^2.416; the shear stress
 * in a rotor gap grows with the speed n (tau ~ n), so
 *   NIH = NIH_ref (n / n_ref)^2.416 x f,
 * with f the pump's aggravating factor:
 *  - centrifugal ECMO pump, inlet (drainage) pressure P_in below P_thr (-100 mmHg:
 *    substantial haemolysis in vitro, Pedersen et al. 1997 Ann Thorac Surg 63:1333):
 *    f = 1 + g_in ((P_thr - P_in) / 100 mmHg)^2 (cavitation; the gain is a model choice);
 *  - Impella, suction (the LV collapsing on the inlet for a fraction s of the time):
 *    f = 1 + g_s s (model choice; suction and malposition are the usual causes of
 *    Impella haemolysis, Badiye et al. 2016 ASAIO J 62:11).
 * Clearance.  The free Hb above the baseline P0 is cleared first-order with half-life
 * t_half (haptoglobin binding, hepatic and renal clearance):
 *   dP/dt = G / V_plasma - ln2 / t_half (P - P0),   V_plasma = TBV (1 - 0.03 Hb)
 * (haematocrit ~ 3 x Hb in g/dL).  The equilibrium P0 + G t_half / (ln2 V_plasma) is
 * reported as well: what this beat's pumping leads to if it continues (the steady-state
 * comparisons hold the slow states still, so it is their haemolysis read-out).
 */
#include <math.h>
#include <string.h>

#include "elements/elements.h"
#include "hemosim/sim.h"
#include "physio/module.h"

enum {
  H_BASELINE,
  H_INITIAL,
  H_HALF_LIFE,
  H_NIH_ECMO,
  H_RPM_ECMO,
  H_INLET_THR,
  H_INLET_GAIN,
  H_NIH_IMPELLA,
  H_RPM_IMPELLA,
  H_SUCTION_GAIN,
  H_NPARAM
};

static const hs_param_spec PARAMS[H_NPARAM] = {
    [H_BASELINE] = {"baseline", HS_DIM_PLASMA_HB, 2, 0, 20, 0,
                    "plasma free Hb without pumps (normal < 5 mg/dL)",
                    "Rother et al. 2005 JAMA 293:1653 (normal plasma Hb)", NULL},
    [H_INITIAL] = {"initial", HS_DIM_PLASMA_HB, 2, 0, 500, 0,
                   "plasma free Hb at the start of the run", "model choice: normal plasma free Hb is below 5 mg/dL (docs/model.md \"Slow states\")", NULL},
    [H_HALF_LIFE] = {"half_life", HS_DIM_TIME, 4 * 3600.0, 600, 48 * 3600.0, HS_PARAM_UNIT,
                     "half-life of plasma free Hb above the baseline (haptoglobin-bound Hb "
                     "is cleared in minutes, free Hb with haptoglobin depleted over hours)",
                     "model choice within Rother et al. 2005 JAMA 293:1653; Schaer et al. "
                     "2013 Blood 121:1276",
                     NULL},
    [H_NIH_ECMO] = {"nih_ecmo", HS_DIM_NONE, 0.01, 0, 1, 0,
                    "normalised index of haemolysis of the centrifugal ECMO pump at "
                    "rpm_ecmo, g/100 L (in vitro 0.001-0.05 g/100 L for current pumps)",
                    "ASTM F1841; Mueller et al. 1993 (NIH definition)", NULL},
    [H_RPM_ECMO] = {"rpm_ecmo", HS_DIM_SPEED, 3000, 500, 6000, 0,
                    "speed at which the ECMO pump has nih_ecmo", "model choice: the reference speed of nih_ecmo, the default operating point (docs/model.md \"Slow states\")", NULL},
    [H_INLET_THR] = {"inlet_threshold", HS_DIM_PRESSURE, -100, -300, 0, 0,
                     "ECMO pump inlet pressure below which haemolysis rises (cavitation)",
                     "Pedersen et al. 1997 Ann Thorac Surg 63:1333", NULL},
    [H_INLET_GAIN] = {"inlet_gain", HS_DIM_NONE, 20, 0, 1000, 0,
                      "rise of the ECMO pump's NIH per (100 mmHg below the threshold)^2 "
                      "(model choice: -200 mmHg gives plasma free Hb > 50 mg/dL)",
                      "model choice", NULL},
    [H_NIH_IMPELLA] = {"nih_impella", HS_DIM_NONE, 0.02, 0, 1, 0,
                       "normalised index of haemolysis of the Impella at rpm_impella, "
                       "g/100 L (micro-axial pumps run at 10x the speed of centrifugal ones)",
                       "model choice (order of magnitude: Badiye et al. 2016 ASAIO J 62:11)",
                       NULL},
    [H_RPM_IMPELLA] = {"rpm_impella", HS_DIM_SPEED, 46000, 10000, 60000, 0,
                       "speed at which the Impella has nih_impella (CP at P9)", "model choice: Impella CP P9 speed, the reference of nih_impella (docs/model.md \"Slow states\")", NULL},
    [H_SUCTION_GAIN] = {"suction_gain", HS_DIM_NONE, 20, 0, 1000, 0,
                        "rise of the Impella's NIH per unit suction fraction (model choice: "
                        "suction a quarter of the time gives plasma free Hb > 50 mg/dL)",
                        "model choice", NULL},
};

const hs_block_type hs_type_hemolysis = {
    "hemolysis", HS_BLOCK_GLOBAL, PARAMS, H_NPARAM,
    "Plasma free haemoglobin released by the ECMO pump and the Impella, cleared with a "
    "half-life (docs/model.md, \"Haemolysis\").",
    NULL};

#define GIERSIEPEN_BETA 2.416

typedef struct hemo_state {
  double pfhb; /* slow state: plasma free Hb, mg/dL */
} hemo_state;

static const hs_physio_slow SLOW[] = {{"plasma_free_hb", "mg/dL", 5.0}};

static void hemo_start(void *state, const hs_plan *pl, const double *p) {
  int o = hs_physio_block(pl, "hemolysis");
  ((hemo_state *)state)->pfhb = o >= 0 ? p[o + H_INITIAL] : 0.0;
}

/* Output k of device d in the beat row m, by name (NAN if absent). */
static double dev_out(const hs_plan *pl, const double *m, int d, const char *name) {
  const hs_device_type *dt = pl->dev_type[d];
  for (int k = 0; k < dt->noutputs; k++)
    if (strcmp(dt->outputs[k].name, name) == 0) return m[HS_METRIC_COUNT + pl->dev_out_ofs[d] + k];
  return NAN;
}

/* Free Hb released by all pumps over the beat, mg/min. */
static double release(const hs_plan *pl, const double *hp, const double *m) {
  double g = 0.0;
  for (int d = 0; d < pl->nd; d++) {
    const char *type = pl->dev_type[d]->block->name;
    int ecmo = strcmp(type, "va_ecmo") == 0, imp = strcmp(type, "impella") == 0;
    if (!ecmo && !imp) continue;
    double q = fabs(dev_out(pl, m, d, "flow_lpm")), n = dev_out(pl, m, d, "rpm");
    if (!(q > 0) || !(n > 0)) continue;
    double nih, f = 1.0;
    if (ecmo) {
      nih = hp[H_NIH_ECMO] * pow(n / hp[H_RPM_ECMO], GIERSIEPEN_BETA);
      double pin = dev_out(pl, m, d, "drainage_mmhg");
      if (pin < hp[H_INLET_THR]) {
        double x = (hp[H_INLET_THR] - pin) / 100.0;
        f += hp[H_INLET_GAIN] * x * x;
      }
    } else {
      nih = hp[H_NIH_IMPELLA] * pow(n / hp[H_RPM_IMPELLA], GIERSIEPEN_BETA);
      double suc = dev_out(pl, m, d, "suction_fraction");
      if (suc > 0) f += hp[H_SUCTION_GAIN] * suc;
    }
    g += nih * f * q / 100.0 * 1000.0; /* g/100 L x L/min -> mg/min */
  }
  return g;
}

/* Plasma volume, dL. */
static double plasma_dl(const hs_plan *pl, const double *p, const double *m) {
  double hb = m[HS_M_HB] > 0 ? m[HS_M_HB] : p[hs_physio_block(pl, "oxygen") + OXY_HB];
  double hct = 0.03 * hb;
  if (hct > 0.8) hct = 0.8;
  return m[HS_M_TBV] * (1.0 - hct) / 100.0;
}

static void hemo_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  int o = hs_physio_block(pl, "hemolysis");
  const double *hp = p + o;
  double g = release(pl, hp, m), vp = plasma_dl(pl, p, m);
  m[HS_M_PFHB] = ((const hemo_state *)state)->pfhb;
  m[HS_M_HEMO_RATE] = 60.0 * g;
  m[HS_M_PFHB_EQ] = vp > 0 ? hp[H_BASELINE] + g / vp * hp[H_HALF_LIFE] / 60.0 / log(2.0) : NAN;
}

static void hemo_rates(const void *state, const hs_physio_beat *b, double *dxdt,
                       double *decay, hs_physio_flux *flux) {
  (void)flux;
  const double *hp = b->p + hs_physio_block(b->plan, "hemolysis");
  double g = release(b->plan, hp, b->m) / 60.0, vp = plasma_dl(b->plan, b->p, b->m); /* mg/s */
  double x = ((const hemo_state *)state)->pfhb;
  decay[0] = log(2.0) / hp[H_HALF_LIFE];
  dxdt[0] = (vp > 0 ? g / vp : 0.0) - decay[0] * (x - hp[H_BASELINE]);
}

/* The starting plasma free Hb holds for the run (a slow state, docs/model.md 2.18). */
static const char *hemo_fixed(const hs_plan *pl, int pidx) {
  int o = hs_physio_block(pl, "hemolysis");
  return o >= 0 && pidx == o + H_INITIAL ? HS_PHYSIO_INITIAL_FIXED("hemolysis.initial") : NULL;
}

const hs_physio_module hs_physio_hemolysis = {
    .name = "hemolysis",
    .doc = "plasma free Hb from the ECMO pump and the Impella, first-order clearance "
           "(docs/model.md \"Haemolysis\")",
    .state_bytes = sizeof(hemo_state),
    .metrics = hemo_metrics,
    .nslow = 1,
    .slow = SLOW,
    .slow_start = hemo_start,
    .rates = hemo_rates,
    .fixed = hemo_fixed,
};
