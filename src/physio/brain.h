/*
 * physio/brain.h - the brain of the circulation (docs/brain.md): intracranial pressure
 * and the CSF balance, cerebral autoregulation with its regulated arterial compliance,
 * the intracranial waterfalls (arteriolar critical closing pressure, bridging veins),
 * collateral grade, the initial state of a patient with a lesion, the CSF equilibrium
 * the steady-state search jumps to, and the brain metrics (ICP, CPP, CBF, TCD).
 *
 * The engine (src/model/sim.c) reaches the ones it needs only through the brain's
 * circuit hooks (physio/module.h hs_physio_circuit, registered in brain.c); the
 * steady-state search and the beat metrics call the rest; the equations, the `brain` parameter block and their sources are all in
 * src/physio/brain.c and docs/brain.md.  The functions the right-hand side calls at
 * every evaluation are inline here (they run millions of times per simulated hour).
 * Everything is a pure function of its arguments: no globals, no I/O.
 */
#ifndef HS_PHYSIO_BRAIN_H
#define HS_PHYSIO_BRAIN_H

#include <math.h>

#include "elements/elements.h"
#include "model/plan_impl.h"

/* What the brain resolves at compile (its plan data, physio/module.h): the brain block's
   offset (hs_physio_module_block, kept here for the hooks that run at every evaluation,
   which reach it through plan cx_data without a scan) and the nodes and edges of its
   roles (-1 if absent). */
typedef struct hs_brain_plan {
  int blk;
  int sinus; /* node whose pressure + sinus_gradient is the sinus pressure */
  int l_mca_bed, r_mca_bed, l_other_bed, r_other_bed, l_mca_stem, r_mca_stem;
  int l_pca_bed, r_pca_bed, pf_bed; /* posterior circulation */
} hs_brain_plan;
/* The brain's plan data: the compartment module's (plan cx_data, set at compile). */
static inline const hs_brain_plan *hs_brain_plan_of(const hs_plan *pl) {
  return (const hs_brain_plan *)pl->cx_data;
}
#define HS_BRAIN_BLK(pl) (hs_brain_plan_of(pl)->blk)

/* mL of CSF at the reference intracranial volume (Davson et al. 1987: ~140-150 mL) */
#define HS_BRAIN_CSF_REF 140.0

/* Intracranial pressure of state y: ICP = P_ref exp(k (V_ic - V_ref)), V_ic = CSF +
   lesion + intracranial blood; vref the intracranial volume at P_ref (fixed at the
   start, hs_brain_initial).  Only with intracranial vessels (pl->nic > 0). */
static inline double hs_brain_icp(const hs_plan *pl, const double *p, const double *y,
                                  double vref) {
  const double *br = p + HS_BRAIN_BLK(pl);
  const int *restrict ic = pl->ic_nodes, nic = pl->nic; /* loads hoisted, same sums */
  double vic = y[pl->ycsf] + br[BRAIN_LESION];
  for (int k = 0; k < nic; k++) vic += y[ic[k]];
  return br[BRAIN_ICP_REF] * exp(br[BRAIN_ICP_K] * (vic - vref));
}

/*
 * Cerebral autoregulation state of bed k at y: its conductance factor r = (1 - u)/(1 + u),
 * u = a x / sqrt(1 + x^2) (docs/brain.md).  The territory arteries that feed the bed
 * change their compliance with it (Ursino & Lodi 1997, J Appl Physiol 82:1256): C x
 * r^(2g) when dilated (r > 1), C x r^(g/2) when constricted, g =
 * brain.autoregulation_compliance; at the default range (a 0.3) 0.73x-3.45x, Ursino &
 * Lodi's 0.75x-3.5x.  Dilated pial arteries store more of each stroke volume, so the
 * MCA flow pulse grows as autoregulation dilates against a falling CPP (rising ICP):
 * the TCD pulsatility index rises (Ursino et al. 1998, J Neurosurg 89:255).
 */
static inline double hs_brain_ar_conductance(const hs_plan *pl, const double *p,
                                             const double *y, int k) {
  /* (1 - u)/(1 + u) with numerator and denominator times sqrt(1 + x^2): one division */
  double x = y[pl->yar + k], sq = sqrt(1.0 + x * x);
  double ax = p[HS_BRAIN_BLK(pl) + BRAIN_AR_RANGE] * x;
  return (sq - ax) / (sq + ax);
}
static inline double hs_brain_ar_compliance(const hs_plan *pl, const double *p, double r) {
  double g = p[HS_BRAIN_BLK(pl) + BRAIN_AR_COMPLIANCE];
  if (g == 0.0) return 1.0;
  if (g == 1.0) return r >= 1.0 ? r * r : sqrt(r);
  return pow(r, r >= 1.0 ? 2.0 * g : 0.5 * g);
}

/* Transmural pressure of a territory artery whose linear law gives x: with passive
   stiffening b (brain.arterial_stiffening) its compliance is C (1 + b P*)/(1 + b P),
   equal to C at P* (brain.arterial_reference_pressure), so P = ((1 + b P*) exp(b (x -
   P*)/(1 + b P*)) - 1)/b (the same volume at P*).  The walls stiffen only when distended:
   below zero transmural pressure (x < x0 = P* - (1 + b P*) ln(1 + b P*)/b) the vessel has
   its nominal compliance C again, P = x - x0.  The exponential alone floors P at -1/b, so
   a vessel compressed by an ICP above its inflow pressure (brain tamponade) kept draining
   past zero volume. */
static inline double hs_brain_wall_pressure(const hs_plan *pl, const double *p, double x) {
  const double *br = p + HS_BRAIN_BLK(pl);
  double b = br[BRAIN_ART_STIFF], a = 1.0 + b * br[BRAIN_ART_PREF];
  double x0 = br[BRAIN_ART_PREF] - a * log(a) / b;
  if (x < x0) return x - x0;
  return (a * exp(b * (x - br[BRAIN_ART_PREF]) / a) - 1.0) / b;
}

/*
 * Waterfall downstream pressure: the smooth maximum (width 1 mmHg) of the outflow
 * pressure and the collapse pressure.  Bridging veins: a Starling resistor (Luce et al.
 * 1982, J Appl Physiol 53:1496; Ursino & Lodi 1997): where the cerebral veins leave the
 * skull they collapse as soon as the outflow pressure is below ICP, so they drain into
 * the larger of the outflow pressure and ICP: cortical venous pressure stays a few mmHg
 * above ICP and the venous pool keeps its volume as ICP rises.  No back-flow through
 * the collapsed segment unless the outflow pressure exceeds the veins' own.
 */
static inline double hs_brain_waterfall_pd(double pout, double icp) {
  return hs_waterfall_pd(pout, icp);
}
static inline double hs_brain_venous_dp(const double *P, int from, int to, double icp) {
  double dp = P[from] - hs_brain_waterfall_pd(P[to], icp);
  if (dp < 0) dp = P[from] > P[to] ? 0.0 : P[from] - P[to];
  return dp;
}
/* Cerebral arteriolar bed: a vascular waterfall.  Vessels collapse when their pressure
   falls below ICP plus the active wall tone (critical closing pressure), so the bed
   drains into the larger of its venous pressure and ICP + closing_tone, and no flow
   goes back (Dewey et al. 1974; Aaslid et al. 2003; docs/brain.md). */
static inline double hs_brain_arteriolar_dp(const hs_plan *pl, const double *p, double pa,
                                            double pv, double icp) {
  double dp = pa - hs_brain_waterfall_pd(pv, icp + p[HS_BRAIN_BLK(pl) + BRAIN_CCP_TONE]);
  return dp < 0 ? 0.0 : dp;
}

/*
 * No-reflow: resistance multiplier of a bed with a fraction o of its capillaries plugged
 * (the resistor's capillary_obstruction).  Only the capillary share s of the bed's
 * resistance is obstructed (the arterioles and venules stay open), and the plugged
 * segments sit in a meshed network: by effective-medium theory (Kirkpatrick 1973, Rev
 * Mod Phys 45:574) a random network of coordination z with a fraction o of its segments
 * blocked conducts g = 1 - o z/(z - 2) of its normal conductance, so each plugged
 * capillary also diverts the flow of its open neighbours into longer paths and the
 * resistance rises superlinearly, up to the percolation threshold o = (z - 2)/z (1/3 for
 * the three-way junctions of the cortical capillary mesh; Blinder et al. 2013, Nat
 * Neurosci 16:889).  Beyond it a finite territory keeps a residual conductance
 * (HS_BRAIN_CAP_GMIN: entries from many penetrating arterioles).  Factor = (1 - s) + s/g;
 * exactly 1 without obstruction; s = 1 with a large z gives the parallel-channel law
 * 1/(1 - o) used before issue 17.
 */
#define HS_BRAIN_CAP_GMIN 0.02
static inline double hs_brain_obstruction_factor(const hs_plan *pl, const double *p, double o) {
  if (o == 0.0) return 1.0;
  const double *br = p + HS_BRAIN_BLK(pl);
  double s = br[BRAIN_CAP_SHARE], z = br[BRAIN_CAP_COORD];
  double g = 1.0 - o * z / (z - 2.0);
  if (g < HS_BRAIN_CAP_GMIN) g = HS_BRAIN_CAP_GMIN;
  return (1.0 - s) + s / g;
}

/* Conductance multiplier of a `collateral: true` edge: 2^(grade - 3) (ASITN/SIR grade). */
double hs_brain_collateral_factor(const hs_plan *pl, const double *p);

/* CSF absorption (mL/s) at ICP icp, sinus pressure psinus and CSF volume vcsf. */
double hs_brain_csf_absorption(const double *br, double icp, double psinus, double vcsf);

/* CSF formation (mL/s) at the regulated beds' flow ratio z (their flow over their summed
   autoregulation_flow): csf_production x (1 - s + s min(1, z)), s = csf_flow_coupling. */
double hs_brain_csf_formation(const double *br, double z);
/* s: time constant of the low-pass filter on that flow ratio (plan ycf).  Formation
   follows the flow over minutes, not within a beat; 20 s keeps the ripple of a 1-s
   pulsatile flow below 1 % and is short against the CSF time constant (~9 min). */
#define HS_BRAIN_CSF_FLOW_TAU 20.0

/* Derivatives of the brain's states (autoregulation, CSF, the flow ratio) at y, with node
   pressures P, edge flows Q and ICP icp of the same evaluation; cache as
   hs_brain_prepare wrote it for the parameters p and the CO2 factor's target `flow` (3
   values per regulated bed, then 1 / their summed reference flow, the target and
   1 / co2_tau: hs_brain_cache_size). */
int hs_brain_cache_size(const hs_plan *pl);
void hs_brain_prepare(const hs_plan *pl, const double *p, double flow, double *cache);

/* CO2 reactivity: the factor on the flow the autoregulated beds defend at arterial PCO2
   pco2 (mmHg; 1 when brain.co2_reactivity is 0 or pco2 is NaN); br the brain block. */
double hs_brain_co2_factor(const double *br, double pco2);
/* O2 reactivity: the factor (C_ref / C)^n on the flow the autoregulated beds defend at the
   O2 content c (mL O2/dL) of the blood entering them and haemoglobin hb (g/dL); C_ref the
   content at brain.o2_reference with that haemoglobin, n brain.o2_reactivity; 1 when n is
   0 or c is not a number (no cerebral flow); at most HS_BRAIN_O2_FACTOR_MAX, which a content
   of 0 or below also gives: the cerebral hypoxic
   vasodilation of anaesthetised dogs reached its limit at an arterial saturation of ~25 %
   (Ekstrom-Jodal et al. 1979, Acta Neurol Scand 60:26), 0.975 / 0.25 = 3.9 of normoxia. */
#define HS_BRAIN_O2_FACTOR_MAX 3.9
double hs_brain_o2_factor(const double *br, double hb, double c);
void hs_brain_rhs(const hs_plan *pl, const double *p, const double *cache, const double *y,
                  const double *P, const double *Q, double icp, double *dy);

/* Initial CSF volume of y (node volumes set) and the reference intracranial volume;
   a lesion present before the run squeezes intracranial blood into the largest
   extracranial vessel.  Needs pl->nic > 0. */
void hs_brain_initial(const hs_plan *pl, const double *p, double *y, double *vref);

/* For each node, the autoregulated bed (index into pl->ar_edges) it feeds, or -1. */
void hs_brain_ar_nodes(const hs_plan *pl, int *ar_node);

/* CSF volume at which formation equals absorption (the CSF equilibrium), from the
   last beat: mean ICP icp, mean pressure psinus of the brain's venous outflow node (the
   sinus drop to it, sinus_gradient x the flow ratio, is added here), CSF volume v, the mean forward
   and backward flow of each edge qmean (2 per edge) and the mean pressure of each node
   pmean, into *vcsf.  Returns 0 (and leaves *vcsf) when it cannot tell: icp not
   positive or psinus not finite. */
int hs_brain_csf_equilibrium(const hs_plan *pl, const double *p, double icp, double psinus,
                             double v, const double *qmean, const double *pmean, double *vcsf);

/* A Newton guess of the CSF volume for the steady-state search when no equilibrium is
   available: y the state (scratch: a copy of it, changed), vref, the last beat's mean
   ICP icp_mean and the outflow node's pressure psinus (the sinus drop added here, as in
   hs_brain_csf_equilibrium), the measured drift d (mL/s). */
double hs_brain_csf_newton(const hs_plan *pl, const double *p, double *scratch, double vref,
                           double icp_mean, double psinus, double d);

/* Largest relative change of an autoregulated resistance between states y0 and y. */
double hs_brain_ar_change(const hs_plan *pl, const double *p, const double *y,
                          const double *y0);

/* The brain metrics of a beat of length T: ICP and CPP (m[HS_M_MAP] set), CBF per
   hemisphere and territory, TCD velocities and pulsatility index of each MCA stem.
   mean(k) = (q[k] - q0[k]) / T are the beat means of the quadratures; tcd_max/min the
   extrema of the left and right MCA stem flows (mL/s). */
void hs_brain_metrics(const hs_plan *pl, const double *p, const double *q, const double *q0,
                      double T, const double tcd_max[2], const double tcd_min[2], double *m);

#endif
