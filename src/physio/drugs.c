/*
 * physio/drugs.c - dose-response table of the vasoactive drugs.
 *
 * Emax / ED50 per drug and target are modelling estimates chosen so that usual
 * clinical doses give the usual direction and size of effect; they are not fitted
 * pharmacodynamic parameters.  Sources for the directions and dose ranges:
 * Overgaard & Dzavik 2008 (Circulation 118:1047, inotropes and vasopressors);
 * Levy et al. 2018 (Intensive Care Med, vasopressors in cardiogenic shock);
 * docs/drugs.md tabulates the values and the effect at a typical dose.
 */
#include "hemosim/drugs.h"

#include "hemosim/sim.h"
#include "physio/module.h"

typedef struct drug_row {
  double r_emax, r_ed50;   /* systemic resistance */
  double e_emax, e_ed50;   /* contractility (Ees) */
  double hr_emax, hr_ed50; /* heart rate */
} drug_row;

static const drug_row TABLE[HS_DRUG_COUNT] = {
    /*                      R: Emax  ED50     Ees: Emax ED50   HR: Emax ED50 */
    [HS_DRUG_NOREPINEPHRINE] = {1.50, 0.30, 0.20, 0.20, 0.05, 0.3},
    [HS_DRUG_EPINEPHRINE] = {0.60, 0.20, 0.60, 0.10, 0.30, 0.15},
    [HS_DRUG_DOBUTAMINE] = {-0.20, 5.0, 0.80, 5.0, 0.25, 10.0},
    [HS_DRUG_DOPAMINE] = {0.60, 12.0, 0.50, 5.0, 0.25, 8.0},
    [HS_DRUG_MILRINONE] = {-0.35, 0.4, 0.50, 0.4, 0.10, 0.5},
    [HS_DRUG_VASOPRESSIN] = {1.20, 0.0005, 0.0, 1.0, 0.0, 1.0},
    [HS_DRUG_NITROPRUSSIDE] = {-0.60, 1.0, 0.0, 1.0, 0.10, 2.0},
    [HS_DRUG_ESMOLOL] = {0.0, 1.0, -0.25, 100.0, -0.35, 100.0},
};

static double emax(double e, double ed50, double d) { return d > 0 ? e * d / (ed50 + d) : 0.0; }

void hs_drug_effect_of(const double *doses, hs_drug_effect *out) {
  out->resistance = out->contractility = out->heart_rate = 1.0;
  for (int i = 0; i < HS_DRUG_COUNT; i++) {
    if (doses[i] <= 0) continue; /* the usual case: no infusion */
    const drug_row *r = &TABLE[i];
    out->resistance *= 1.0 + emax(r->r_emax, r->r_ed50, doses[i]);
    out->contractility *= 1.0 + emax(r->e_emax, r->e_ed50, doses[i]);
    out->heart_rate *= 1.0 + emax(r->hr_emax, r->hr_ed50, doses[i]);
  }
}

double hs_vis(const double *d) {
  return d[HS_DRUG_DOPAMINE] + d[HS_DRUG_DOBUTAMINE] + 100.0 * d[HS_DRUG_EPINEPHRINE] +
         10.0 * d[HS_DRUG_MILRINONE] + 10000.0 * d[HS_DRUG_VASOPRESSIN] +
         100.0 * d[HS_DRUG_NOREPINEPHRINE];
}

/* The drugs as a physiological module (physio/module.h): their effect follows the
   drugs block's doses; the vasoactive-inotropic score is their metric. */
static void drugs_effect(const void *state, const hs_plan *pl, const double *p,
                         hs_physio_effect *fx) {
  (void)state;
  hs_drug_effect d;
  hs_drug_effect_of(p + pl->drugs, &d);
  fx->resistance *= d.resistance;
  fx->contractility *= d.contractility;
  fx->heart_rate *= d.heart_rate;
}

static void drugs_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  (void)state;
  m[HS_M_VIS] = hs_vis(p + pl->drugs);
}

const hs_physio_module hs_physio_drugs = {
    .name = "drugs",
    .doc = "vasoactive infusions, Emax dose-response (docs/drugs.md)",
    .effect = drugs_effect,
    .metrics = drugs_metrics,
};
