/*
 * hemosim/drugs.h - vasoactive and inotropic drugs as simplified, documented
 * dose-response relations (docs/drugs.md).
 *
 * Each drug acts on up to four targets through an Emax model,
 *   effect = Emax D / (ED50 + D)       (D: dose, Emax: fractional change at
 * saturation, ED50: dose giving half of it), and effects combine
 * multiplicatively: factor = prod_i (1 + effect_i).  Targets: systemic arteriolar
 * resistance (all systemic beds), ventricular end-systolic elastance (LV and RV),
 * heart rate and the pulmonary arteriolar resistance (the pulmonary_arterioles role's
 * edge; to the power drug_response.pulmonary_reactivity).  Doses are steady-state
 * infusion rates; onset is immediate (a scenario event changes the dose at a given
 * time).
 *
 * Venous capacity: the venodilators (nitroprusside; the inodilators dobutamine and
 * milrinone) also add to the unstressed volume of the systemic capacitance veins,
 *   dVu = W sum_i Emax_v,i D_i / (ED50_v,i + D_i)     (mL; W body weight, kg;
 *                                                       Emax_v in mL/kg),
 * which lowers the filling pressures (blood pooled in the splanchnic and peripheral
 * veins); the inotropes act on the RV with a share of their LV effect.  Nitroprusside
 * also makes the LV more distensible (its passive pressure at a given volume x
 * (1 + Emax_d D / (ED50_d + D)), Emax_d < 0; the NO donor's myocardial effect).  Emax_v,
 * ED50_v, the shares and Emax_d, ED50_d are the parameters of the global block
 * `drug_response` (docs/drugs.md, "Venous capacity", "Diastolic distensibility").
 */
#ifndef HEMOSIM_DRUGS_H
#define HEMOSIM_DRUGS_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
  HS_DRUG_NOREPINEPHRINE,
  HS_DRUG_EPINEPHRINE,
  HS_DRUG_DOBUTAMINE,
  HS_DRUG_DOPAMINE,
  HS_DRUG_MILRINONE,
  HS_DRUG_VASOPRESSIN,
  HS_DRUG_NITROPRUSSIDE,
  HS_DRUG_ESMOLOL,
  HS_DRUG_COUNT
};

typedef struct hs_drug_effect {
  double resistance, contractility, heart_rate; /* multipliers */
  double contractility_rv; /* RV end-systolic elastance (the inotropes' RV share) */
  double venous_ml_kg;     /* mL per kg body weight added to the unstressed volume of the
                              systemic capacitance veins */
  double lv_diastolic;     /* multiplier of the LV's passive (end-diastolic) pressure at a
                              given volume: nitroprusside's direct myocardial (NO) effect */
  double pulmonary;        /* multiplier of the pulmonary arteriolar resistance */
} hs_drug_effect;

/* Combined effect of doses[HS_DRUG_COUNT] (ug/kg/min; vasopressin U/kg/min), with the
   default venous-capacity parameters (the `drug_response` block's defaults). */
void hs_drug_effect_of(const double *doses, hs_drug_effect *out);

/* Unstressed volume the venodilators of doses[HS_DRUG_COUNT] add to the systemic
   capacitance veins, mL per kg body weight, with the parameters vp (the `drug_response`
   block, in its parameter order; NULL: its defaults). */
double hs_drug_venous_volume(const double *doses, const double *vp);

/* Factor on the LV's passive (end-diastolic) pressure at a given volume from the doses
   (nitroprusside's direct myocardial effect: 1 + Emax_d D / (ED50_d + D), Emax_d <= 0),
   with the `drug_response` parameters vp (its parameter order; NULL: its defaults). */
double hs_drug_lv_diastolic(const double *doses, const double *vp);

/* Factor on the pulmonary arteriolar resistance from the doses: (prod_i (1 + Emax_p,i D_i
   / (ED50_p,i + D_i)))^k, k = drug_response.pulmonary_reactivity (docs/drugs.md,
   "Pulmonary vascular resistance"), with the `drug_response` parameters vp (NULL: its
   defaults). */
double hs_drug_pulmonary(const double *doses, const double *vp);

/* Vasoactive-inotropic score (Gaies et al. 2010, Pediatr Crit Care Med 11:234):
   dopamine + dobutamine + 100 epinephrine + 10 milrinone + 10,000 vasopressin
   + 100 norepinephrine (ug/kg/min; vasopressin U/kg/min). */
double hs_vis(const double *doses);

#ifdef __cplusplus
}
#endif
#endif
