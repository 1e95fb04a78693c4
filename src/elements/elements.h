/*
 * elements/elements.h - parameter layouts and the constitutive laws of the
 * circuit elements, shared by the registry (descriptors) and the simulator.
 *
 * Each law is a small static inline function so that the right-hand side can be
 * evaluated without calls through pointers.  The parameter order of each type is
 * fixed by the enums below and checked against the descriptor tables by a test
 * (tests/test_registry.c).  Equations and sources: docs/model.md.
 */
#ifndef HS_ELEMENTS_H
#define HS_ELEMENTS_H

#include <math.h>

#include "hemosim/model.h"

#define HS_PI 3.14159265358979323846

/* ---- vessel: linear compliance ------------------------------------------- */
enum {
  VESSEL_C,
  VESSEL_V0,
  VESSEL_PEXT,
  VESSEL_THORACIC,
  VESSEL_MYO,
  VESSEL_VO2,
  VESSEL_REFLEX,
  VESSEL_INTRACRANIAL,
  VESSEL_NPARAM
};

/* Transmural pressure of a linear compliance: P = (V - V0) / C. */
static inline double hs_vessel_pressure(double v, double c, double v0) { return (v - v0) / c; }

/* Vascular waterfall (Starling resistor): the pressure a collapsible segment drains into,
   the smooth maximum (width 1 mmHg) of its outflow pressure pout and the closing
   pressure pc around it (docs/brain.md, "Equations"). */
static inline double hs_waterfall_pd(double pout, double pc) {
  return 0.5 * (pout + pc + sqrt((pout - pc) * (pout - pc) + 1.0));
}

/* ---- chambers: time-varying elastance ------------------------------------ */
enum { CHAMBER_EES, CHAMBER_V0, CHAMBER_EDA, CHAMBER_EDB, CHAMBER_NPARAM };

/*
 * P = e * Ees * (V - V0) + (1 - e) * A * (exp(B * (V - V0)) - 1)  =  Ped + e * (Pes - Ped)
 * e in [0, 1] is the activation (0 relaxed, 1 end-systole).  Used for the atria.
 */
static inline double hs_chamber_pressure(double v, double e, const double *p) {
  double dv = v - p[CHAMBER_V0];
  double ped = p[CHAMBER_EDA] * (exp(p[CHAMBER_EDB] * dv) - 1.0);
  return e * p[CHAMBER_EES] * dv + (1.0 - e) * ped;
}

/*
 * Ventricles: the same law, but the developed pressure Pes - Ped (Suga, Sagawa & Shoukas
 * 1973) is never negative.  Where a weak, dilated ventricle's end-diastolic curve lies above
 * its end-systolic line (V > V0 and Ped > Pes), the blend above would make activation LOWER
 * the pressure, so that the ventricle filled at peak activation and ejected as it relaxed
 * (a weaker heart then pumped more); contracting muscle develops no negative force, so there
 * the ventricle develops none: P = Ped (docs/model.md 2.2).
 */
static inline double hs_ventricle_pressure(double v, double e, const double *p) {
  double dv = v - p[CHAMBER_V0];
  double ped = p[CHAMBER_EDA] * (exp(p[CHAMBER_EDB] * dv) - 1.0);
  double pes = p[CHAMBER_EES] * dv;
  if (dv > 0.0 && pes < ped) return ped;
  return e * pes + (1.0 - e) * ped;
}

/*
 * Ejection effect (systolic resistance; Shroff, Janicki & Weber 1985, Am J Physiol
 * 249:H358): during ejection the pressure is below the isovolumic pressure of the
 * time-varying elastance by R Q, with R = k Piso proportional to it, so
 * P = Piso (1 - Q / Qmax), Qmax = 1/k the flow at which the chamber could no longer
 * hold any pressure (the unloaded ejection flow).  q is the outflow (mL/s, > 0 while
 * ejecting); qmax 0 switches the effect off.  The factor is kept >= 0.
 */
static inline double hs_ejection_effect(double piso, double q, double qmax) {
  if (qmax <= 0.0 || q <= 0.0) return piso;
  double f = 1.0 - q / qmax;
  return piso * (f > 0.0 ? f : 0.0);
}

/*
 * Afterload-dependent onset of LV relaxation (Brutsaert, Rademakers & Sys 1984, Circulation
 * 69:190: in afterloaded isotonic twitches relaxation starts earlier the lower the load, as a
 * fraction of the isometric force).  Ventricular form, applied when the aortic valve opens
 * at time to after the activation onset (the moment the LV meets its afterload): the time of
 * peak LV activation moves from tp to
 *   tp' = max(tp (1 - g (1 - L)), to + 0.2 (tp - to)),   L = clamp(P_load / P_iso, 0, 1)
 * P_load the pressure the LV ejects against at opening, P_iso its isovolumic peak pressure
 * at that volume.  L = 1 (isovolumic) leaves tp unchanged; g = 0 switches the law off.
 * Returns tp unchanged if the valve opens after the peak (to >= tp).  docs/model.md 2.2.
 */
static inline double hs_load_relaxation_tp(double tp, double to, double g, double p_load,
                                           double p_iso) {
  if (g <= 0.0 || !(to < tp)) return tp;
  double l = p_iso > 0.0 ? p_load / p_iso : 1.0;
  if (!(l > 0.0)) l = 0.0; /* also NaN */
  if (l > 1.0) l = 1.0;
  double t = tp * (1.0 - g * (1.0 - l)), tmin = to + 0.2 * (tp - to);
  return t > tmin ? t : tmin;
}

/*
 * Time warp of the LV activation under that law: the activation keeps its course until the
 * valve opens (tau <= to), then the rest of its rise is compressed so that it peaks at tp'
 * instead of tp, and the relaxation (unchanged duration) starts tp - tp' earlier.  The
 * activation is a(warp(tau)); warp is continuous and increasing.  tpl == tp: identity.
 */
static inline double hs_load_relaxation_warp(double tau, double to, double tp, double tpl) {
  if (tpl == tp || tau <= to) return tau;
  if (tau < tpl) return to + (tau - to) * (tp - to) / (tpl - to);
  return tau + (tp - tpl);
}

/*
 * Raised-cosine activation (Korakianitis & Shi 2006): rises over tp, falls over
 * tr, zero otherwise.  Continuous with a continuous first derivative.
 */
static inline double hs_activation(double tau, double tp, double tr) {
  if (tau <= 0.0) return 0.0;
  if (tau < tp) return 0.5 * (1.0 - cos(HS_PI * tau / tp));
  if (tau < tp + tr) return 0.5 * (1.0 + cos(HS_PI * (tau - tp) / tr));
  return 0.0;
}

/* ---- edges ----------------------------------------------------------------- */
enum {
  RESISTOR_R,
  RESISTOR_BED,
  RESISTOR_GAS,
  RESISTOR_REFLEX,
  RESISTOR_PATENCY,
  RESISTOR_OBSTRUCTION,
  RESISTOR_AUTOREG_FLOW,
  RESISTOR_AUTOREG_GAIN,
  RESISTOR_COLLAPSE,
  RESISTOR_COLLATERAL,
  RESISTOR_IMP,
  RESISTOR_NPARAM
};
/* Baroreflex effector region of a resistor or vessel (choice index). */
enum { HS_REFLEX_NONE, HS_REFLEX_SPLANCHNIC, HS_REFLEX_EXTRA };
enum { INERTANCE_R, INERTANCE_L, INERTANCE_BED, INERTANCE_NPARAM };
enum { VALVE_R, VALVE_L, VALVE_AREG, VALVE_FAREA, VALVE_FVC, VALVE_FSPAN, VALVE_NPARAM };

/*
 * Regurgitant orifice (Bernoulli / Gorlin form): Q = A * sqrt(2 dP / rho), with
 * dP in mmHg, A in cm^2, Q in mL/s: Q = A * HS_ORIFICE_K * sqrt(dP).
 * HS_ORIFICE_K = sqrt(2 * 1333.22 / 1.06) for blood density 1.06 g/mL.
 * Smoothed near dP = 0 (dP / sqrt(|dP| + eps)) so the law has a continuous
 * derivative; eps = 0.05 mmHg changes flow by < 3 % above 1 mmHg.
 */
#define HS_ORIFICE_K 50.155
#define HS_ORIFICE_EPS 0.05
static inline double hs_orifice_flow(double area, double dp) {
  return area * HS_ORIFICE_K * dp / sqrt(fabs(dp) + HS_ORIFICE_EPS);
}

/*
 * Functional (secondary) regurgitation: the effective orifice of a valve grows with the
 * volume v of the chamber it opens into (for the mitral valve the LV: annular dilatation
 * and leaflet tethering), linearly above a coaptation volume vc at which the leaflets
 * close completely, reaching `area` cm^2 at vc + span (docs/model.md 2.9: canine orifice
 * following LV volume through ejection, 1979; Grayburn, Sannino & Packer 2019 JACC
 * Cardiovasc Imaging 12:353; Keren et al. 1986 Am Heart J 112:517).
 * Added to the fixed regurgitant area; 0 when area is 0 or v <= vc.  span > 0 (its range).
 */
static inline double hs_functional_area(double area, double vc, double span, double v) {
  return area > 0.0 && v > vc ? area * (v - vc) / span : 0.0;
}

/* ---- global blocks ----------------------------------------------------------- */
enum {
  HEART_HR,
  HEART_PR,
  HEART_VTP,
  HEART_VTR,
  HEART_ATP,
  HEART_ATR,
  HEART_PERI,
  HEART_PERI_P0,
  HEART_PERI_LAMBDA,
  HEART_PERI_V0,
  HEART_INT_LR,
  HEART_INT_RL,
  HEART_RHYTHM,
  HEART_LV_QMAX,
  HEART_LV_RELAX_LOAD,
  HEART_NPARAM
};
enum { CIRC_BLOOD_VOLUME, CIRC_THORACIC_P, CIRC_NPARAM };
enum { BODY_HEIGHT, BODY_WEIGHT, BODY_BV_PER_KG, BODY_SCALE_VOLUME, BODY_NPARAM };
enum { OXY_HB, OXY_FIO2, OXY_SHUNT, OXY_PACO2, OXY_RQ, OXY_PB, OXY_VA, OXY_VDALV, OXY_NPARAM };
enum {
  SOLVER_RTOL,
  SOLVER_ATOL,
  SOLVER_METHOD,
  SOLVER_STEADY_TOL,
  SOLVER_MAX_BEATS,
  SOLVER_WINDOW,
  SOLVER_STEADY_TOL_O2,
  SOLVER_STEADY_ACCEL,
  SOLVER_STEADY_TOL_FLOW,
  SOLVER_STEADY_TOL_RPM,
  SOLVER_STEADY_TOL_FACTOR,
  SOLVER_STEADY_TOL_ICP,
  SOLVER_STIFF_STEPS,
  SOLVER_SLOW_STEP,
  SOLVER_SLOW_MAX_CHANGE,
  SOLVER_SLOW_MAX_VOLUME,
  SOLVER_SLOW_SETTLE,
  SOLVER_STEADY_PERIOD,
  SOLVER_SLOW_HOLD,
  SOLVER_NPARAM
};

/* Descriptors, one per element file. */
extern const hs_block_type hs_type_vessel;
extern const hs_block_type hs_type_ventricle;
extern const hs_block_type hs_type_atrium;
extern const hs_block_type hs_type_resistor;
extern const hs_block_type hs_type_inertance;
extern const hs_block_type hs_type_valve;
extern const hs_block_type hs_type_heart;
extern const hs_block_type hs_type_circulation;
extern const hs_block_type hs_type_body;
extern const hs_block_type hs_type_solver;
extern const hs_block_type hs_type_oxygen;
extern const hs_block_type hs_type_baroreflex;
extern const hs_block_type hs_type_cardiopulmonary;
extern const hs_block_type hs_type_drugs;
extern const hs_block_type hs_type_brain;
extern const hs_block_type hs_type_map_control;
extern const hs_block_type hs_type_lung_water; /* src/physio/lung_water.c */
extern const hs_block_type hs_type_lactate;    /* src/physio/lactate.c */
extern const hs_block_type hs_type_fluids, hs_type_hemolysis; /* src/physio/ */
extern const hs_block_type hs_type_tissue_co2;                 /* src/physio/tissue_co2.c */
extern const hs_block_type hs_type_drug_response;              /* src/physio/drugs.c */
extern const hs_block_type hs_type_microcirculation; /* src/physio/microcirculation.c */
extern const hs_block_type hs_type_coronary;         /* src/physio/coronary.c */
extern const hs_block_type hs_type_ischaemia;        /* src/physio/ischaemia.c */
extern const hs_block_type hs_type_myocardium;       /* src/physio/myocardium.c */
/* Clinician-like MAP controller (docs/controllers.md). */
enum {
  MAPC_ENABLED,
  MAPC_LOW,
  MAPC_HIGH,
  MAPC_GAIN,
  MAPC_INTERVAL,
  MAPC_ENGAGE,
  MAPC_MAX_NE,
  MAPC_MIN_FACTOR,
  MAPC_EFFECT,
  MAPC_MAX_SNP,
  MAPC_NPARAM
};
enum {
  BRAIN_AR_GAIN,
  BRAIN_AR_TAU,
  BRAIN_AR_RANGE,
  BRAIN_ICP_K,
  BRAIN_ICP_REF,
  BRAIN_CSF_PROD,
  BRAIN_CSF_ROUT,
  BRAIN_SINUS_GRAD,
  BRAIN_LESION,
  BRAIN_HEMI_MASS,
  BRAIN_MCA_MASS,
  BRAIN_MCA_DIAM,
  BRAIN_BP_TARGET,
  BRAIN_CSF_RESERVE,
  BRAIN_CCP_TONE,
  BRAIN_AR_COMPLIANCE,
  BRAIN_BP_GAIN,
  BRAIN_BP_ENGAGE,
  BRAIN_BP_MIN_FACTOR,
  BRAIN_BP_MAX_FACTOR,
  BRAIN_BP_MARGIN,
  BRAIN_COLLATERAL_GRADE,
  BRAIN_ACA_MASS,
  BRAIN_PCA_MASS,
  BRAIN_PF_MASS,
  BRAIN_CAP_SHARE,
  BRAIN_CAP_COORD,
  BRAIN_ART_STIFF,
  BRAIN_ART_PREF,
  BRAIN_CSF_FLOW_COUPLING,
  BRAIN_CO2_REACTIVITY,
  BRAIN_CO2_REF,
  BRAIN_CO2_MIN,
  BRAIN_CO2_MAX,
  BRAIN_CO2_TAU,
  BRAIN_O2_REACTIVITY,
  BRAIN_O2_REF,
  BRAIN_O2_TAU,
  BRAIN_NPARAM
};
extern const char *const hs_reflex_regions[];

#endif
