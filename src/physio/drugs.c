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

#include <math.h>

#include "elements/elements.h"
#include "hemosim/sim.h"
#include "physio/module.h"

/* Venous-capacity and RV-share defaults: fitted in the acute-MI shock patient
   (examples/patients/acute_mi_shock.yaml, baroreflex on) to the published responses
   in severe heart failure; docs/drugs.md "Venous capacity" shows the fit. */
#define DOB_EMAX_V 5.6
#define DOB_SRC                                                                           \
  "fitted: with dobutamine_rv_share, PCWP -22 % at 10 ug/kg/min in the acute-MI shock "     \
  "patient as in Akhtar et al. 1975 Am J Cardiol 36:202 (27.4 -> 21.1 mmHg, -23 %); 3.7 " \
  "mL/kg (260 mL at 70 kg) pooled at 10 ug/kg/min"
#define DOB_RV 0.3
#define DOB_RV_SRC                                                                        \
  "fitted (with dobutamine_venous_emax) to Akhtar et al. 1975 Am J Cardiol 36:202; a full " \
  "RV share (1) moves the LV's gain into the lungs and leaves PCWP unchanged"
#define MIL_EMAX_V 10.0
#define MIL_SRC                                                                             \
  "fitted: PCWP -22 % at 0.5 ug/kg/min in the acute-MI shock patient (Anderson et al. 1987 " \
  "J Am Coll Cardiol 9:711: -24 to -33 %); 5.6 mL/kg (390 mL) pooled at 0.5 ug/kg/min, "   \
  "about +20 % of the patient's capacitance-vein unstressed volume, within the measured "   \
  "limb venous volume rise with iv milrinone in severe heart failure (+17 % at 30 min, "    \
  "+38 % at 2 h)"
#define MIL_RV 0.2
#define MIL_RV_SRC                                                                        \
  "milrinone has minimal direct inotropic effect on the RV (review, Eur Heart J 1989, "    \
  "PMID 2680496); value fitted with milrinone_venous_emax"
#define SNP_EMAX_D -0.39
#define SNP_D_SRC                                                                            \
  "Paulus, Vantrimpont & Shah 1994 Circulation 89:2070 (intracoronary nitroprusside, no "    \
  "systemic effect: LVEDP 18 -> 12 mmHg while LVEDV rose 158 -> 165 mL; on the healthy "      \
  "adult's EDPVR the passive pressure at 165 mL x 0.61); Brodie et al. 1977 J Clin Invest "   \
  "59:59 (iv nitroprusside in heart failure: the LV diastolic pressure-volume relation "     \
  "displaced downward in 9 of 11 patients)"
#define SNP_EMAX_V 7.0
#define SNP_SRC                                                                             \
  "the blood shifted out of the central circulation by nitroprusside in acute LV failure, " \
  "7.4 mL/kg (Pouleur, Covell & Ross 1980 Circulation 61:328); 4.7 mL/kg (330 mL) at 2 "    \
  "ug/kg/min"

/* Milrinone's pulmonary arteriolar Emax: fitted so that the acute-MI shock patient's PVR
   (80 (mPAP - PCWP) / RV output, arterioles and veins) falls 31 % at 0.5 ug/kg/min, as
   after a 50 ug/kg bolus in severe LV dysfunction (Givertz et al. 1996, J Am Coll Cardiol
   28:1775; -43 %, Cusick et al. 1998, Am J Cardiol 82:1060; -24 to -27 % at 0.5 ug/kg/min,
   Jeon et al. 2006, Eur J Cardiothorac Surg 29:952) */
#define PULM_MIL_EMAX -0.72

typedef struct drug_row {
  double r_emax, r_ed50;   /* systemic resistance */
  double e_emax, e_ed50;   /* contractility (Ees) */
  double hr_emax, hr_ed50; /* heart rate */
  double p_emax, p_ed50;   /* pulmonary arteriolar resistance */
} drug_row;

static const drug_row TABLE[HS_DRUG_COUNT] = {
    /*                      R: Emax  ED50     Ees: Emax ED50   HR: Emax ED50
                            PVR: Emax ED50 (docs/drugs.md, "Pulmonary vascular resistance") */
    [HS_DRUG_NOREPINEPHRINE] = {1.50, 0.30, 0.20, 0.20, 0.05, 0.3, 0.50, 0.30},
    [HS_DRUG_EPINEPHRINE] = {0.60, 0.20, 0.60, 0.10, 0.30, 0.15, 0.0, 1.0},
    [HS_DRUG_DOBUTAMINE] = {-0.20, 5.0, 0.80, 5.0, 0.25, 10.0, -0.20, 5.0},
    [HS_DRUG_DOPAMINE] = {0.60, 12.0, 0.50, 5.0, 0.25, 8.0, 0.0, 1.0},
    [HS_DRUG_MILRINONE] = {-0.35, 0.4, 0.50, 0.4, 0.10, 0.5, PULM_MIL_EMAX, 0.4},
    [HS_DRUG_VASOPRESSIN] = {1.20, 0.0005, 0.0, 1.0, 0.0, 1.0, 0.30, 0.0005},
    /* no direct chronotropy: its tachycardia is the baroreflex's answer to the fall of
       pressure (Cohn & Burke 1979, Ann Intern Med 91:752); in severe heart failure heart
       rate stays or falls (Guiha et al. 1974, N Engl J Med 291:587) */
    [HS_DRUG_NITROPRUSSIDE] = {-0.60, 1.0, 0.0, 1.0, 0.0, 2.0, -0.60, 1.0},
    [HS_DRUG_ESMOLOL] = {0.0, 1.0, -0.25, 100.0, -0.35, 100.0, 0.0, 1.0},
};

static double emax(double e, double ed50, double d) { return d > 0 ? e * d / (ed50 + d) : 0.0; }

/* ---- venous capacity and the RV's share (docs/drugs.md, "Venous capacity") ----
   The venodilating drugs add Emax_v D / (ED50_v + D) mL per kg body weight to the
   unstressed volume of the systemic capacitance veins (several drugs add); an
   inotrope's contractility factor acts on the RV with its rv_share of the LV's rise. */
enum {
  V_DOB_EMAX, V_DOB_ED50, V_MIL_EMAX, V_MIL_ED50, V_SNP_EMAX, V_SNP_ED50, /* venous */
  V_DOB_RV, V_MIL_RV,                                                      /* RV share */
  V_SNP_DIA_EMAX, V_SNP_DIA_ED50, /* LV diastolic distensibility (nitroprusside's NO) */
  V_PULM_REACT,                   /* pulmonary vasoreactivity (exponent on the PVR factor) */
  V_NPARAM
};
#define NVEN 3 /* drugs with a venous effect: (emax, ed50) pairs from V_DOB_EMAX */
static const int VENOUS_DRUG[NVEN] = {HS_DRUG_DOBUTAMINE, HS_DRUG_MILRINONE,
                                      HS_DRUG_NITROPRUSSIDE};

static const hs_param_spec RESPONSE[V_NPARAM] = {
    [V_DOB_EMAX] = {"dobutamine_venous_emax", HS_DIM_VOLUME_PER_KG, DOB_EMAX_V, 0, 40, 0,
                    "unstressed volume added to the systemic veins at saturating "
                    "dobutamine, mL/kg body weight (beta-2 venodilation)",
                    DOB_SRC, NULL},
    [V_DOB_ED50] = {"dobutamine_venous_ed50", HS_DIM_DOSE_RATE, 5, 0.01, 100, 0,
                    "dobutamine dose giving half of dobutamine_venous_emax (that of its "
                    "inotropy)",
                    "Akhtar et al. 1975 Am J Cardiol 36:202 (5 ug/kg/min: a smaller rise of "
                    "output than 10)",
                    NULL},
    [V_MIL_EMAX] = {"milrinone_venous_emax", HS_DIM_VOLUME_PER_KG, MIL_EMAX_V, 0, 40, 0,
                    "unstressed volume added to the systemic veins at saturating "
                    "milrinone, mL/kg body weight (PDE-3 venodilation)",
                    MIL_SRC, NULL},
    [V_MIL_ED50] = {"milrinone_venous_ed50", HS_DIM_DOSE_RATE, 0.4, 0.01, 10, 0,
                    "milrinone dose giving half of milrinone_venous_emax (that of its "
                    "inotropy)",
                    "Anderson et al. 1987 J Am Coll Cardiol 9:711 (0.375-0.75 ug/kg/min "
                    "effective, PCWP -24 to -33 %; 0.25 ineffective)",
                    NULL},
    [V_SNP_EMAX] = {"nitroprusside_venous_emax", HS_DIM_VOLUME_PER_KG, SNP_EMAX_V, 0, 40, 0,
                    "unstressed volume added to the systemic veins at saturating "
                    "nitroprusside, mL/kg body weight (a balanced arterial and venous dilator)",
                    SNP_SRC, NULL},
    [V_SNP_ED50] = {"nitroprusside_venous_ed50", HS_DIM_DOSE_RATE, 1, 0.01, 100, 0,
                    "nitroprusside dose giving half of nitroprusside_venous_emax (that of "
                    "its arteriolar effect: a balanced dilator)",
                    "Chatterjee & Parmley 1983 J Am Coll Cardiol 1:133 (nitroprusside dilates "
                    "arterioles and veins alike)",
                    NULL},
    [V_DOB_RV] = {"dobutamine_rv_share", HS_DIM_NONE, DOB_RV, 0, 1, 0,
                  "share of dobutamine's rise of end-systolic elastance that acts on the RV "
                  "(1: as on the LV)",
                  DOB_RV_SRC, NULL},
    [V_MIL_RV] = {"milrinone_rv_share", HS_DIM_NONE, MIL_RV, 0, 1, 0,
                  "share of milrinone's rise of end-systolic elastance that acts on the RV",
                  MIL_RV_SRC, NULL},
    [V_SNP_DIA_EMAX] = {"nitroprusside_diastolic_emax", HS_DIM_NONE, SNP_EMAX_D, -0.9, 0, 0,
                        "fractional change of the LV's passive (end-diastolic) pressure at a "
                        "given volume at saturating nitroprusside (< 0: more distensible; "
                        "the NO donor's direct myocardial effect); 0 = off",
                        SNP_D_SRC, NULL},
    [V_SNP_DIA_ED50] = {"nitroprusside_diastolic_ed50", HS_DIM_DOSE_RATE, 1, 0.01, 100, 0,
                        "nitroprusside dose giving half of nitroprusside_diastolic_emax (that "
                        "of its arteriolar effect: one NO-cGMP pathway)",
                        "modelling choice (docs/drugs.md, \"Diastolic distensibility\")", NULL},
    [V_PULM_REACT] = {"pulmonary_reactivity", HS_DIM_NONE, 1, 0, 3, 0,
                      "exponent on the drugs' factor on the pulmonary arteriolar resistance "
                      "(1: the published mean responses; 0: a bed that does not respond, "
                      "fixed pulmonary vascular disease; 2: the factor squared)",
                      "Costard-Jackle & Fowler 1992 J Am Coll Cardiol 19:48 (heart-transplant "
                      "candidates with and without a PVR that falls with nitroprusside); "
                      "docs/drugs.md, \"Pulmonary vascular resistance\"",
                      NULL},
};

const hs_block_type hs_type_drug_response = {
    "drug_response", HS_BLOCK_GLOBAL, RESPONSE, V_NPARAM,
    "Venous capacity, right-ventricular share, LV distensibility and pulmonary "
    "reactivity of the vasoactive drugs: dose-dependent rise of the systemic capacitance "
    "veins' unstressed volume; the inotropes' RV effect; nitroprusside's fall of the LV's "
    "passive pressure; the size of their pulmonary arteriolar effect (docs/drugs.md, "
    "\"Venous capacity\", \"Diastolic distensibility\", \"Pulmonary vascular "
    "resistance\").",
    NULL};

/* parameter k of the block (its default without a block) */
static double rp(const double *vp, int k) { return vp ? vp[k] : RESPONSE[k].def; }

double hs_drug_venous_volume(const double *doses, const double *vp) {
  double f = 0.0;
  for (int k = 0; k < NVEN; k++) {
    double d = doses[VENOUS_DRUG[k]];
    if (d > 0) f += emax(rp(vp, 2 * k), rp(vp, 2 * k + 1), d);
  }
  return f;
}

double hs_drug_lv_diastolic(const double *doses, const double *vp) {
  return 1.0 +
         emax(rp(vp, V_SNP_DIA_EMAX), rp(vp, V_SNP_DIA_ED50), doses[HS_DRUG_NITROPRUSSIDE]);
}

/* The reactivity k is an exponent on each drug's factor: (1 + effect)^k stays positive
   for every k in its range (a factor k x effect would turn the resistance negative where
   k |Emax| > 1, e.g. milrinone 1 ug/kg/min at k 2), 1 at k 0, the table at k 1. */
double hs_drug_pulmonary(const double *doses, const double *vp) {
  double k = rp(vp, V_PULM_REACT), f = 1.0;
  for (int i = 0; k != 0.0 && i < HS_DRUG_COUNT; i++)
    if (doses[i] > 0) f *= 1.0 + emax(TABLE[i].p_emax, TABLE[i].p_ed50, doses[i]);
  return k == 1.0 ? f : pow(f, k);
}

/* Combined effect with the response parameters vp (NULL: the defaults). */
static void effect_of(const double *doses, const double *vp, hs_drug_effect *out) {
  out->resistance = out->contractility = out->contractility_rv = out->heart_rate = 1.0;
  for (int i = 0; i < HS_DRUG_COUNT; i++) {
    if (doses[i] <= 0) continue; /* the usual case: no infusion */
    const drug_row *r = &TABLE[i];
    double de = emax(r->e_emax, r->e_ed50, doses[i]);
    double share = i == HS_DRUG_DOBUTAMINE  ? rp(vp, V_DOB_RV)
                   : i == HS_DRUG_MILRINONE ? rp(vp, V_MIL_RV)
                                            : 1.0;
    out->resistance *= 1.0 + emax(r->r_emax, r->r_ed50, doses[i]);
    out->contractility *= 1.0 + de;
    out->contractility_rv *= 1.0 + share * de;
    out->heart_rate *= 1.0 + emax(r->hr_emax, r->hr_ed50, doses[i]);
  }
  out->venous_ml_kg = hs_drug_venous_volume(doses, vp);
  out->lv_diastolic = hs_drug_lv_diastolic(doses, vp);
  out->pulmonary = hs_drug_pulmonary(doses, vp);
}

void hs_drug_effect_of(const double *doses, hs_drug_effect *out) { effect_of(doses, NULL, out); }
double hs_vis(const double *d) {
  return d[HS_DRUG_DOPAMINE] + d[HS_DRUG_DOBUTAMINE] + 100.0 * d[HS_DRUG_EPINEPHRINE] +
         10.0 * d[HS_DRUG_MILRINONE] + 10000.0 * d[HS_DRUG_VASOPRESSIN] +
         100.0 * d[HS_DRUG_NOREPINEPHRINE];
}

/* The drugs as a physiological module (physio/module.h): their effect follows the
   drugs block's doses; the vasoactive-inotropic score is their metric. */
extern const hs_physio_module hs_physio_drugs;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_drugs)

static void drugs_effect(const void *state, const hs_plan *pl, const double *p,
                         hs_physio_effect *fx) {
  (void)state;
  hs_drug_effect d;
  int o = hs_physio_block(pl, "drug_response");
  effect_of(p + BLK(pl), o >= 0 ? p + o : NULL, &d);
  fx->resistance *= d.resistance;
  fx->contractility *= d.contractility;
  fx->contractility_rv *= d.contractility_rv / d.contractility; /* the RV's extra factor */
  fx->heart_rate *= d.heart_rate;
  fx->venous_volume += d.venous_ml_kg * p[pl->body + BODY_WEIGHT];
  fx->lv_diastolic *= d.lv_diastolic;
  fx->pulmonary *= d.pulmonary;
}

static void drugs_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  (void)state;
  m[HS_M_VIS] = hs_vis(p + BLK(pl));
}

const hs_physio_module hs_physio_drugs = {
    .name = "drugs",
    .doc = "vasoactive infusions, Emax dose-response (docs/drugs.md)",
    .block = "drugs",
    .effect = drugs_effect,
    .metrics = drugs_metrics,
};

/* ---- its parameter block (the module owns it; the engine finds it by name) ---- */

static const hs_param_spec DRUGS[HS_DRUG_COUNT] = {
    [HS_DRUG_NOREPINEPHRINE] = {"norepinephrine", HS_DIM_DOSE_RATE, 0, 0, 5, 0,
                                "infusion, ug/kg/min (vasopressor)", "Overgaard & Dzavik 2008", NULL},
    [HS_DRUG_EPINEPHRINE] = {"epinephrine", HS_DIM_DOSE_RATE, 0, 0, 2, 0,
                             "infusion, ug/kg/min (inotrope and vasopressor)", "Overgaard & Dzavik 2008", NULL},
    [HS_DRUG_DOBUTAMINE] = {"dobutamine", HS_DIM_DOSE_RATE, 0, 0, 40, 0,
                            "infusion, ug/kg/min (inotrope)", "Overgaard & Dzavik 2008", NULL},
    [HS_DRUG_DOPAMINE] = {"dopamine", HS_DIM_DOSE_RATE, 0, 0, 50, 0,
                          "infusion, ug/kg/min (inotrope, vasopressor at high dose)", "Overgaard & Dzavik 2008", NULL},
    [HS_DRUG_MILRINONE] = {"milrinone", HS_DIM_DOSE_RATE, 0, 0, 1, 0,
                           "infusion, ug/kg/min (inodilator)", "Overgaard & Dzavik 2008", NULL},
    [HS_DRUG_VASOPRESSIN] = {"vasopressin", HS_DIM_UNIT_DOSE_RATE, 0, 0, 0.005, 0,
                             "infusion, U/kg/min (vasopressor)", "Levy 2018", NULL},
    [HS_DRUG_NITROPRUSSIDE] = {"nitroprusside", HS_DIM_DOSE_RATE, 0, 0, 10, 0,
                               "infusion, ug/kg/min (vasodilator)", "Overgaard & Dzavik 2008", NULL},
    [HS_DRUG_ESMOLOL] = {"esmolol", HS_DIM_DOSE_RATE, 0, 0, 500, 0,
                         "infusion, ug/kg/min (beta-blocker)", "", NULL},
};

const hs_block_type hs_type_drugs = {
    "drugs", HS_BLOCK_GLOBAL, DRUGS, HS_DRUG_COUNT,
    "Vasoactive infusions with simplified Emax dose-response (docs/drugs.md).", NULL};
