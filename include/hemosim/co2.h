/*
 * hemosim/co2.h - blood CO2 chemistry and a minimal acid-base (pure functions;
 * docs/model.md 2.19).
 *
 * Plasma pH at a PCO2 and base excess BE: the Van Slyke equation (Siggaard-Andersen
 * 1977, Scand J Clin Lab Invest 37 Suppl 146:15),
 *   BE = (1 - 0.014 Hb') [(HCO3 - 24.8) + (1.43 Hb' + 7.7)(pH - 7.4)],
 * Hb' the haemoglobin in mmol/L (monomer; g/dL x 0.6206), solved together with
 * Henderson-Hasselbalch, HCO3 = 0.0307 PCO2 10^(pH - 6.1) (mmol/L).
 * Whole-blood CO2 content (Douglas, Jones & Reed 1988, J Appl Physiol 65:473):
 *   C_plasma = 2.226 x 0.0307 PCO2 (1 + 10^(pH - 6.1))          (mL CO2/dL)
 *   C_blood  = C_plasma [1 - 0.0289 Hb / ((3.352 - 0.456 SO2)(8.142 - pH))]
 * with Hb in g/dL and SO2 the O2 saturation (0..1): less CO2 at the same PCO2 in
 * oxygenated blood (the Haldane effect).
 */
#ifndef HEMOSIM_CO2_H
#define HEMOSIM_CO2_H

#ifdef __cplusplus
extern "C" {
#endif

#define HS_CO2_SOLUBILITY 0.0307 /* mmol/L per mmHg, plasma, 37 C */
#define HS_CO2_PK 6.1            /* apparent pK of carbonic acid in plasma */
#define HS_CO2_ML_PER_MMOL 22.26 /* mL CO2 (STPD) per mmol */
#define HS_CO2_BTPS 863.0        /* PACO2 = 863 VCO2 (STPD) / VA (BTPS), mmHg */

/* Plasma pH at PCO2 (mmHg), base excess (mmol/L) and haemoglobin (g/dL). */
double hs_co2_ph(double pco2_mmhg, double be_mmol, double hb_gdl);
/* Plasma bicarbonate (mmol/L) at PCO2 and pH (Henderson-Hasselbalch). */
double hs_co2_bicarbonate(double pco2_mmhg, double ph);
/* Whole-blood CO2 content (mL CO2 per dL blood); 0 for PCO2 <= 0. */
double hs_co2_content(double pco2_mmhg, double be_mmol, double hb_gdl, double so2);
/* PCO2 (mmHg) that gives content c (mL CO2/dL): the inverse of hs_co2_content,
   to 1e-6 mmHg; 0 for c <= 0. */
double hs_co2_pco2_from_content(double c_mldl, double be_mmol, double hb_gdl, double so2);
/* Root of an increasing function f on [lo, hi] (f(lo) <= 0 <= f(hi)) to tol:
   regula falsi, Illinois variant (the solver behind the inverse). */
double hs_co2_root(double (*f)(double x, const void *ud), const void *ud, double lo, double hi,
                   double tol);

#ifdef __cplusplus
}
#endif
#endif
