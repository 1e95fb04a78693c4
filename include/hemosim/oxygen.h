/*
 * hemosim/oxygen.h - blood oxygen chemistry (pure functions).
 *
 * Saturation from PO2: Severinghaus 1979 (J Appl Physiol 46:599),
 *   S = 1 / (23400 / (P^3 + 150 P) + 1)      (standard conditions: pH 7.4, 37 C).
 * Content: C = 1.34 Hb S + 0.003 PO2 (mL O2/dL; Hb in g/dL; Huefner factor 1.34,
 * O2 solubility 0.003 mL/dL/mmHg).
 * Alveolar gas equation (Riley & Cournand 1949 J Appl Physiol 1:825, with the
 * correction for unequal O2 and CO2 volumes):
 *   PAO2 = FiO2 (Pb - 47) - PACO2 [FiO2 + (1 - FiO2) / RQ].
 */
#ifndef HEMOSIM_OXYGEN_H
#define HEMOSIM_OXYGEN_H

#ifdef __cplusplus
extern "C" {
#endif

#define HS_O2_HUFNER 1.34      /* mL O2 per g haemoglobin */
#define HS_O2_SOLUBILITY 0.003 /* mL O2 per dL blood per mmHg */
#define HS_PH2O_MMHG 47.0      /* water vapour pressure at 37 C */

/* Saturation (0..1) at PO2 (mmHg); 0 for PO2 <= 0. */
double hs_o2_saturation(double po2_mmhg);
/* O2 content (mL O2 per dL blood). */
double hs_o2_content(double hb_gdl, double po2_mmhg);
/* PO2 (mmHg) that gives content c (mL O2/dL) at haemoglobin hb; inverse of
   hs_o2_content (safeguarded Newton iteration), accurate to ~1e-12 relative; 0 for
   c <= 0. */
double hs_o2_po2_from_content(double hb_gdl, double c_mldl);
/* Alveolar PO2 (mmHg) at alveolar PCO2 paco2 (0 if the equation gives less). */
double hs_o2_alveolar_po2(double fio2, double pb_mmhg, double paco2_mmhg, double rq);
/* The mixed venous O2 saturation (%) the team samples.  On VA-ECMO it is the blood
   drained into the circuit before the oxygenator (svo2_drained_pct: the whole venous
   return the pump takes; NaN without an oxygenating circuit); otherwise the pulmonary
   artery (svo2_pct).  On full ECMO support the little blood left in the pulmonary
   artery may have equilibrated with the ventilated lung, so it is not the body's
   venous saturation (Lorusso 2021, docs/decision.md).  The one rule for compare,
   optimize and titrate. */
double hs_o2_svo2_sample(double svo2_drained_pct, double svo2_pa_pct);

#ifdef __cplusplus
}
#endif
#endif
