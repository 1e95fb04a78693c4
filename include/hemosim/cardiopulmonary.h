/*
 * hemosim/cardiopulmonary.h - the excitatory cardiac (ventricular mechanoreceptor) reflex
 * of the failing heart, as a pure function (src/physio/cardiopulmonary.c;
 * docs/baroreflex.md, "Cardiopulmonary reflex in heart failure").
 *
 *   tau dx/dt = P_LA - x                        x: the sensed (filtered) mean LA pressure
 *   s(u)      = w ln(1 + e^((u - P_th) / w))     recruitment above the threshold P_th
 *                                                (w = 1 mmHg rounds the corner)
 *   factor    = (1 + g s(x)) / (1 + g s(P_ref))  on the resistance of the reflex-class beds
 *
 * At x = P_ref (the patient's own filling pressure) the factor is 1; below the threshold
 * it is the floor 1 / (1 + g s(P_ref)); its slope at the reference is
 * g s'(P_ref) / (1 + g s(P_ref)) per mmHg.
 */
#ifndef HEMOSIM_CARDIOPULMONARY_H
#define HEMOSIM_CARDIOPULMONARY_H

#ifdef __cplusplus
extern "C" {
#endif

/* The factor on the systemic (reflex-class) resistances at sensed mean LA pressure x
   (mmHg), for gain g (1/mmHg, >= 0), threshold and reference (mmHg). */
double hs_cardiopulmonary_factor(double gain, double threshold, double reference, double x);

#ifdef __cplusplus
}
#endif
#endif
