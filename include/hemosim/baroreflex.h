/*
 * hemosim/baroreflex.h - carotid-sinus baroreflex after Ursino 1998
 * (Am J Physiol 275:H1733), as pure functions.
 *
 * Afferent:   tau_p dPf/dt = P + tau_z dP/dt - Pf  (P: the sensed carotid pressure)
 *             f_cs = (f_min + f_max e^((Pf - Pm)/k_a)) / (1 + e^((Pf - Pm)/k_a)),
 *             Pm the afferent midpoint (Ursino: = Pn; hemosim: its own parameter)
 * Efferent:   f_es = f_es,inf + (f_es,0 - f_es,inf) e^(-k_es f_cs)        (sympathetic)
 *             f_ev = (f_ev,0 + f_ev,inf e^((f_cs - f_cs,0)/k_ev)) / (1 + e^(...))  (vagal)
 * Effectors:  sigma = G ln(f_es - f_es,min + 1) (0 below f_es,min); heart period vagal
 *             part sigma = G f_ev.  Each effector follows its sigma through the pure
 *             delay D and the time constant tau; hemosim replaces the pure delay by a
 *             first-order lag of time constant D in series (same mean delay, no
 *             history buffer): dz/dt = (sigma - z)/D, dx/dt = (z - x)/tau.
 * The reflex acts relative to its state at the set point (Pf = Pn): at the set point
 * the patient file's own values apply unchanged, so a calibrated patient stays
 * calibrated.  Contractility and resistances scale by (theta0 + x)/(theta0 + x_ref),
 * unstressed volumes shift by (x - x_ref) mL, heart period by (x - x_ref) s.
 */
#ifndef HEMOSIM_BAROREFLEX_H
#define HEMOSIM_BAROREFLEX_H

#ifdef __cplusplus
extern "C" {
#endif

/* Effectors in state order. */
enum {
  HS_BARO_EES_LV,
  HS_BARO_EES_RV,
  HS_BARO_R_SPLANCHNIC,
  HS_BARO_R_EXTRA,
  HS_BARO_VU_SPLANCHNIC,
  HS_BARO_VU_EXTRA,
  HS_BARO_T_SYMP,
  HS_BARO_T_VAGAL,
  HS_BARO_NEFF
};
/* States: filtered pressure, then (delay stage, effector) per effector. */
#define HS_BARO_NSTATE (1 + 2 * HS_BARO_NEFF)

/* Parameters (the baroreflex block's table order, src/model/globals.c). */
enum {
  HS_BP_ENABLED,
  HS_BP_PN,
  HS_BP_KA,
  HS_BP_FMIN,
  HS_BP_FMAX,
  HS_BP_TAU_Z,
  HS_BP_TAU_P,
  HS_BP_FES_INF,
  HS_BP_FES_0,
  HS_BP_FES_MIN,
  HS_BP_KES,
  HS_BP_FEV_0,
  HS_BP_FEV_INF,
  HS_BP_FCS_0,
  HS_BP_KEV,
  HS_BP_G0,                               /* gains G, one per effector */
  HS_BP_TAU0 = HS_BP_G0 + HS_BARO_NEFF,   /* time constants */
  HS_BP_D0 = HS_BP_TAU0 + HS_BARO_NEFF,   /* delays */
  HS_BP_TH0 = HS_BP_D0 + HS_BARO_NEFF,    /* basal theta0 of the four scaled effectors */
  HS_BP_AFF_MID = HS_BP_TH0 + 4,          /* midpoint of the afferent sigmoid */
  HS_BP_SINUS_MEAN,                       /* isolated sinus: mean pressure (0: off) */
  HS_BP_SINUS_PP,                         /* isolated sinus: pulse pressure */
  HS_BP_SINUS_RATE,                       /* isolated sinus: pulse rate, /min */
  HS_BP_NPARAM
};

/* Efferent drive sigma of each effector for afferent filtered pressure pf. */
void hs_baro_sigma(const double *bp, double pf, double sigma[HS_BARO_NEFF]);
/* State at the set point (steady, Pf = Pn). */
void hs_baro_rest_state(const double *bp, double x[HS_BARO_NSTATE]);
/* Isolated-sinus perfusion (baroreflex.sinus_mean > 0): the pressure the afferent
   senses at time t instead of the patient's own, mean + pp/2 sin(2 pi rate t), and its
   rate of change. Returns 0 when the sinus is not isolated. */
int hs_baro_sinus_pressure(const double *bp, double t, double *p, double *dp);
/* Derivatives given the sensed pressure p and its rate dp. */
void hs_baro_rhs(const double *bp, const double *x, double p, double dp, double *dx);

typedef struct hs_baro_effect {
  double ees_lv, ees_rv, r_splanchnic, r_extra; /* multipliers */
  double dvu_splanchnic, dvu_extra;             /* mL added to unstressed volumes */
  double dperiod;                               /* s added to the heart period */
} hs_baro_effect;
/* Effects of state x relative to the set point state xref. */
void hs_baro_effect_of(const double *bp, const double *x, const double *xref,
                       hs_baro_effect *out);

#ifdef __cplusplus
}
#endif
#endif
