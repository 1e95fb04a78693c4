/*
 * hemosim/ecmo.h - the component laws of extracorporeal circuits as pure
 * functions (used by the va_ecmo device, tested against manufacturer charts).
 * Internal units: mmHg, mL/s, cm.  Equations and sources: docs/devices.md.
 */
#ifndef HEMOSIM_ECMO_H
#define HEMOSIM_ECMO_H

#ifdef __cplusplus
extern "C" {
#endif

#define HS_BLOOD_DENSITY 1.06    /* g/mL */
#define HS_BLOOD_VISCOSITY 0.035 /* poise (3.5 cP) */

/* Pressure drop (mmHg) across a cannula of size fr (French) and length len_cm at
   flow q (mL/s; signed): Poiseuille term plus entry/exit and turbulent losses.
   wall_cm: wall thickness; k_loss: form-loss coefficient; friction: Darcy factor. */
double hs_cannula_dp(double fr, double len_cm, double q, double wall_cm, double k_loss,
                     double friction);

/* Pressure rise (mmHg) of a centrifugal pump: a w^2 - b Q|Q|, w = rpm/1000, Q in L/min. */
double hs_centrifugal_pump_dp(double a, double b, double rpm, double q_mls);

#ifdef __cplusplus
}
#endif
#endif
