/*
 * physio/brain.c - the brain (docs/brain.md): the `brain` parameter block with its
 * sources, intracranial pressure and the CSF balance, cerebral autoregulation, the
 * initial state of a patient with a lesion, the CSF equilibrium of the steady-state
 * search and the brain metrics (ICP, CPP, CBF, TCD).  The functions the right-hand
 * side calls at every evaluation are inline in physio/brain.h.
 */
#include "physio/brain.h"

#include <math.h>
#include <stdlib.h>

#include "hemosim/oxygen.h"
#include "hemosim/roles.h"
#include "hemosim/sim.h"
#include "model/model_impl.h"
#include "physio/module.h"

#define BRAIN_BP(pl, p, b) ((p) + (pl)->bpofs[b])
/* mean MCA velocity below which the pulsatility index is undefined (cm/s): a TCD
   reads "no flow" there (docs/brain.md, TCD row) */
#define HS_TCD_MIN_MEAN_CMS 1.0

/* ------------------------------------------------------------- parameters -- */

static const char *const BP_TARGETS[] = {"none", "sbp_below_120", "sbp_below_140",
                                         "sbp_140_180", "map_80_110", NULL};
static const hs_param_spec BRAIN[BRAIN_NPARAM] = {
    [BRAIN_AR_GAIN] = {"autoregulation_gain", HS_DIM_NONE, 15, 0, 200, 0,
                       "gain from relative flow error to the arteriolar regulatory state",
                       "Ursino & Lodi 1997 (tuned: +-10 % plateau)", NULL},
    [BRAIN_AR_TAU] = {"autoregulation_tau", HS_DIM_TIME, 20, 1, 300, 0,
                      "time constant of cerebral autoregulation", "Ursino & Lodi 1997", NULL},
    [BRAIN_AR_RANGE] = {"autoregulation_range", HS_DIM_NONE, 0.3, 0, 0.9, 0,
                        "resistance spans R (1-a)/(1+a) .. R (1+a)/(1-a) (dilation and "
                        "constriction reserve; 0.3: 0.54x-1.86x)",
                        "tuned: plateau ~MAP 60-160 mmHg", NULL},
    [BRAIN_ICP_K] = {"icp_elastance", HS_DIM_INV_VOLUME, 0.11, 0.01, 1, 0,
                     "intracranial elastance coefficient: ICP = P_ref exp(k (V - V_ref))",
                     "Marmarou 1978; Ursino & Lodi 1997", NULL},
    [BRAIN_ICP_REF] = {"icp_reference", HS_DIM_PRESSURE, 10, 1, 50, 0,
                       "ICP at the reference intracranial volume (140 mL CSF + the starting "
                       "intracranial blood, without lesion)", "Marmarou et al. 1978 (J Neurosurg 48:332)", NULL},
    [BRAIN_CSF_PROD] = {"csf_production", HS_DIM_FLOW, 0.35 / 60.0, 0, 5.0 / 60.0, 0,
                        "cerebrospinal fluid formation (0.35 mL/min)",
                        "Cutler et al. 1968 (Brain 91:707): 0.37 mL/min in man; Davson", NULL},
    [BRAIN_CSF_ROUT] = {"csf_outflow_resistance", HS_DIM_RESISTANCE, 480, 10, 10000, 0,
                        "resistance to CSF absorption into the venous sinus (8 mmHg min/mL)",
                        "Malm et al. 2011 (Neurology 76:903): median 8.6; Czosnyka & Pickard "
                        "2004 (J Neurol Neurosurg Psychiatry 75:813): normal 6-10",
                        NULL},
    [BRAIN_SINUS_GRAD] = {"sinus_gradient", HS_DIM_PRESSURE, 1.5, 0, 20, 0,
                          "dural sinus pressure above the superior vena cava (supine) at the "
                          "cerebral beds' reference flow: the drop along the transverse sinuses "
                          "and jugular veins, in proportion to the cerebral flow (none without "
                          "flow); with CVP ~5.5 the sinus is at 7 mmHg and the CSF equilibrium "
                          "ICP = sinus + R_out x formation ~10 mmHg",
                          "sinus pressure 5-8 mmHg: Davson's relation, Czosnyka & Pickard 2004 "
                          "(J Neurol Neurosurg Psychiatry 75:813); Ekstedt 1978 (J Neurol "
                          "Neurosurg Psychiatry 41:345)",
                          NULL},
    [BRAIN_LESION] = {"lesion_volume", HS_DIM_VOLUME, 0, 0, 150, 0,
                      "intracranial mass (oedema, haematoma) adding to the Monro-Kellie volume; "
                      "set before the run it has already displaced CSF down to csf_reserve "
                      "and venous blood; beyond ~120 mL ICP exceeds arterial pressure "
                      "(cerebral circulatory arrest)",
                      "Monro-Kellie; Langfitt et al. 1965 (J Neurosurg 22:581)", NULL},
    [BRAIN_HEMI_MASS] = {"hemisphere_mass", HS_DIM_MASS, 0.62, 0.2, 1.2, 0,
                         "mass of one cerebral hemisphere, MCA + ACA + PCA territories (CBF "
                         "in mL/100 g/min); 2 x 0.62 + 0.16 posterior fossa = 1.4 kg",
                         "brain 1.45 kg: ICRP 89 (2002); cerebellum ~10 % of brain mass: "
                         "Herculano-Houzel 2010 (Front Neuroanat 4:12)", NULL},
    [BRAIN_MCA_MASS] = {"mca_territory_mass", HS_DIM_MASS, 0.28, 0.05, 0.8, 0,
                        "mass of one MCA territory", "", NULL},
    [BRAIN_MCA_DIAM] = {"mca_diameter", HS_DIM_LENGTH, 0.26, 0.1, 0.5, 0,
                        "insonated MCA lumen diameter (TCD velocity = flow / area)", "", NULL},
    [BRAIN_BP_TARGET] = {"bp_target", HS_DIM_NONE, 0, 0, 4, HS_PARAM_CHOICE,
                         "blood-pressure target held by a vasoactive controller after "
                         "thrombectomy (OPTIMAL-BP, ENCHANTED2/MT)",
                         "Nam 2023; Yang 2022", BP_TARGETS},
    [BRAIN_CSF_RESERVE] = {"csf_reserve", HS_DIM_VOLUME, 50, 1, 100, 0,
                           "volume a slowly growing mass can displace before the CSF spaces "
                           "are effaced (CSF into the spinal sac, dural-sinus blood); CSF "
                           "outflow conductance falls to zero as this reserve is used up "
                           "(docs/brain.md)",
                           "Langfitt et al. 1965 (J Neurosurg 22:581); Marmarou et al. 1975 (J Neurosurg 43:523)", NULL},
    [BRAIN_CCP_TONE] = {"closing_tone", HS_DIM_PRESSURE, 0, 0, 60, 0,
                        "active-tone part of the critical closing pressure of the autoregulated "
                        "cerebral beds: they drain into max(cerebral venous pressure, ICP + "
                        "this) (vascular waterfall); 0 (off) by default because it spends "
                        "the autoregulatory dilation reserve of the shipped beds (docs/brain.md)",
                        "Dewey et al. 1974 (Microvasc Res 7:1); Aaslid et al. 2003 (Stroke "
                        "34:1645); Czosnyka et al. 1996 (J Neurosurg 84:79)",
                        NULL},
    [BRAIN_AR_COMPLIANCE] = {"autoregulation_compliance", HS_DIM_NONE, 1, 0, 2, 0,
                             "regulated compliance of the territory arteries feeding an "
                             "autoregulated bed: C x r^(2g) when dilated, C x r^(g/2) when "
                             "constricted, r = conductance factor of the bed (1 / resistance "
                             "factor), g this gain (0: fixed compliance); with g = 1 and "
                             "autoregulation_range 0.3 the compliance spans 0.73x-3.45x",
                             "Ursino & Lodi 1997 (J Appl Physiol 82:1256): Ca 0.75x-3.5x of "
                             "its basal value; Ursino et al. 1998 (J Neurosurg 89:255)",
                             NULL},
    [BRAIN_ART_STIFF] = {"arterial_stiffening", HS_DIM_NONE, 0, 0, 1, 0,
                         "passive stiffening (1/mmHg) of the territory arteries feeding an "
                         "autoregulated bed: their compliance is C (1 + b P*)/(1 + b P) at "
                         "transmural pressure P > 0 (arterial_reference_pressure P*: C itself; "
                         "C below zero), so it rises as the transmural pressure MAP - ICP falls; "
                         "0: linear (docs/brain.md, TCD pulsatility and ICP)",
                         "Langewouters et al. 1984 (J Biomech 17:425); Carrera et al. 2010 (J "
                         "Neurotrauma 27:317): cerebral arterial compliance rises as CPP falls",
                         NULL},
    [BRAIN_ART_PREF] = {"arterial_reference_pressure", HS_DIM_PRESSURE, 75, 10, 200, 0,
                        "transmural pressure at which the territory arteries have their "
                        "nominal compliance C (with arterial_stiffening)",
                        "model choice: about the resting MAP - ICP of a normotensive adult "
                        "(85 - 10 mmHg); the default patient's territory arteries sit at ~81 "
                        "(MAP - ICP 87); fitted with the stiffening's window (docs/brain.md)",
                        NULL},
    [BRAIN_BP_GAIN] = {"bp_gain", HS_DIM_NONE, 0.3, 0.01, 2, 0,
                       "bp_target controller: ln(factor) changes by gain x (aim - pressure) / "
                       "pressure per beat; 0.3 corrects ~30 % of a relative error per beat "
                       "(settles in a few beats without overshoot at the default bands)",
                       "docs/controllers.md (model choice; as map_control.gain)", NULL},
    [BRAIN_BP_ENGAGE] = {"bp_engage_time", HS_DIM_TIME, 30, 0, 3600, 0,
                         "bp_target controller acts from this simulated time (after the "
                         "start-up transient of the circulation)",
                         "docs/controllers.md (model choice; as map_control.engage_time)", NULL},
    [BRAIN_BP_MIN_FACTOR] = {"bp_min_factor", HS_DIM_NONE, 0.3, 0.05, 1, 0,
                             "bp_target controller: smallest systemic resistance factor "
                             "(vasodilator limit)",
                             "docs/controllers.md (model choice: beyond the ~0.5 of nitroprusside "
                             "2 ug/kg/min, Overgaard & Dzavik 2008 Circulation 118:1047)",
                             NULL},
    [BRAIN_BP_MAX_FACTOR] = {"bp_max_factor", HS_DIM_NONE, 3.0, 1, 10, 0,
                             "bp_target controller: largest systemic resistance factor "
                             "(vasopressor limit)",
                             "docs/controllers.md (model choice: beyond the 2.15 of "
                             "norepinephrine 1 ug/kg/min in the drugs block)",
                             NULL},
    [BRAIN_BP_MARGIN] = {"bp_margin", HS_DIM_PRESSURE, 5, 0, 30, 0,
                         "bp_target controller: the \"below x\" targets (sbp_below_120, "
                         "sbp_below_140) aim this far below x",
                         "docs/controllers.md (as a nurse titrates to stay under an upper "
                         "limit)", NULL},
    [BRAIN_COLLATERAL_GRADE] = {"collateral_grade", HS_DIM_NONE, 3, 0, 4, 0,
                                "collateral status on the ASITN/SIR scale (0 none .. 4 complete "
                                "and rapid; good = 3-4, poor = 0-1): every `collateral: true` "
                                "edge conducts 2^(grade - 3) times its nominal conductance "
                                "(grade 3 = the nominal resistances; docs/brain.md)",
                                "Higashida et al. 2003 (Stroke 34:e109); mapping: model choice "
                                "(docs/brain.md)",
                                NULL},
    [BRAIN_ACA_MASS] = {"aca_territory_mass", HS_DIM_MASS, 0.17, 0.05, 0.8, 0,
                        "mass of one ACA territory (the `other` beds)",
                        "model choice: hemisphere_mass - MCA, split evenly with the PCA", NULL},
    [BRAIN_PCA_MASS] = {"pca_territory_mass", HS_DIM_MASS, 0.17, 0.05, 0.8, 0,
                        "mass of one PCA territory",
                        "model choice: hemisphere_mass - MCA, split evenly with the ACA", NULL},
    [BRAIN_PF_MASS] = {"posterior_fossa_mass", HS_DIM_MASS, 0.16, 0.05, 0.5, 0,
                       "mass of the posterior fossa (brainstem and cerebellum)",
                       "cerebellum ~10 % of brain mass: Herculano-Houzel 2010 (Front "
                       "Neuroanat 4:12), + brainstem", NULL},
    [BRAIN_CAP_SHARE] = {"capillary_share", HS_DIM_NONE, 0.37, 0.05, 1, 0,
                         "share of a cerebral bed's resistance in its capillaries: capillary "
                         "obstruction acts on this share only (the arterioles and venules "
                         "stay open; docs/brain.md, no-reflow)",
                         "Schmid et al. 2017 (PLoS Comput Biol 13:e1005392): capillaries 37 % "
                         "of the arteriole-to-venule pressure drop for blood entering the "
                         "capillary bed in the upper cortex; Gould et al. 2017 (J Cereb Blood "
                         "Flow Metab 37:52)",
                         NULL},
    [BRAIN_CAP_COORD] = {"capillary_coordination", HS_DIM_NONE, 3, 2.2, 1000, 0,
                         "mean number of capillary segments meeting at a junction: the "
                         "capillary mesh conducts 1 - o z/(z - 2) of its normal conductance "
                         "with a fraction o of its segments plugged (effective-medium "
                         "theory; 1 - o, the parallel-channel law, as z grows large)",
                         "Kirkpatrick 1973 (Rev Mod Phys 45:574): effective-medium "
                         "conductance of a random network; Blinder et al. 2013 (Nat Neurosci "
                         "16:889): cortical capillary junctions are three-way",
                         NULL},
    [BRAIN_CSF_FLOW_COUPLING] = {"csf_flow_coupling", HS_DIM_NONE, 1, 0, 1, 0,
                                 "share of CSF formation that follows cerebral blood flow "
                                 "below its autoregulated reference: formation = "
                                 "csf_production x (1 - s + s min(1, CBF / reference)), CBF "
                                 "the autoregulated beds' flow over the sum of their "
                                 "autoregulation_flow, low-pass filtered over 20 s (0: "
                                 "constant formation; docs/brain.md)",
                                 "Sklar et al. 1980 (Am J Physiol 239:R277): formation is "
                                 "pressure-insensitive but follows CBF passively once "
                                 "autoregulation is impaired; Weiss & Wertman 1978 (Arch "
                                 "Neurol 35:527): it falls below a CPP of ~70 mmHg (cats)",
                                 NULL},
    [BRAIN_CO2_REACTIVITY] = {"co2_reactivity", HS_DIM_INV_PRESSURE, 0, 0, 0.2, 0,
                              "CO2 reactivity: relative change per mmHg of the flow the "
                              "autoregulated beds defend, at co2_reference, with the arterial "
                              "PCO2 of the blood entering them (paco2_brain_mmhg); a logistic "
                              "between co2_flow_min and co2_flow_max; 0: off, the default "
                              "(whether it is 0 is fixed when compiled); 4 %/mmHg reproduces "
                              "about 3 %/mmHg of CBF (docs/brain.md, CO2 reactivity)",
                              "Sato et al. 2012 (J Physiol 590:3277): ICA 3.2, vertebral 2.1 "
                              "%/mmHg; Markwalder et al. 1984 (J Cereb Blood Flow Metab "
                              "4:368): MCA velocity exp(0.034/mmHg)",
                              NULL},
    [BRAIN_CO2_REF] = {"co2_reference", HS_DIM_PRESSURE, 40, 20, 80, 0,
                       "arterial PCO2 at which the autoregulated beds defend their "
                       "autoregulation_flow (normocapnia)",
                       "normal PaCO2 (West, Respiratory Physiology)", NULL},
    [BRAIN_CO2_MIN] = {"co2_flow_min", HS_DIM_NONE, 0.36, 0.05, 0.95, 0,
                       "the defended flow's lower limit (x autoregulation_flow) in deep "
                       "hypocapnia",
                       "Reivich 1964 (Am J Physiol 206:25): rhesus CBF 18-140 mL/100 g/min "
                       "over PaCO2 ~10-150 mmHg, over ~50 at normocapnia (Grubb et al. 1974, "
                       "Stroke 5:630)",
                       NULL},
    [BRAIN_CO2_TAU] = {"co2_tau", HS_DIM_TIME, 20, 1, 300, 0,
                       "time constant with which the defended flow follows the arterial "
                       "PCO2 (a first-order lag on the CO2 factor)",
                       "Ursino & Lodi 1998 (Am J Physiol 274:H1715): CO2 time constant 20 s",
                       NULL},
    [BRAIN_CO2_MAX] = {"co2_flow_max", HS_DIM_NONE, 2.8, 1.05, 5, 0,
                       "the defended flow's upper limit (x autoregulation_flow) in deep "
                       "hypercapnia (the beds' dilation reserve, autoregulation_range, may "
                       "cap the flow before it)",
                       "Reivich 1964 (Am J Physiol 206:25), as co2_flow_min", NULL},
    [BRAIN_O2_REACTIVITY] = {"o2_reactivity", HS_DIM_NONE, 0, 0, 2, 0,
                             "hypoxic vasodilation: exponent n of the factor (C_ref / C)^n on "
                             "the flow the autoregulated beds defend, C the O2 content of the "
                             "blood entering them (cao2_brain_mldl), C_ref the content at "
                             "o2_reference with the same haemoglobin; 1 keeps the brain's O2 "
                             "delivery (within the dilation reserve); 0: off, the default "
                             "(whether it is 0 is fixed when compiled; docs/brain.md, O2 "
                             "reactivity)",
                             "Hoiland et al. 2016 (Am J Physiol Regul Integr Comp Physiol "
                             "310:R398): in hypoxaemia CBF rises as CaO2 falls and keeps the "
                             "cerebral O2 delivery; Shapiro et al. 1970 (J Clin Invest "
                             "49:2362): CBF 143 % at PaO2 37 mmHg with PaCO2 held",
                             NULL},
    [BRAIN_O2_REF] = {"o2_reference", HS_DIM_PRESSURE, 95, 60, 150, 0,
                      "arterial PO2 at which the O2 factor is 1 (normoxia)",
                      "normal PaO2 at sea level (West, Respiratory Physiology)", NULL},
    [BRAIN_O2_TAU] = {"o2_tau", HS_DIM_TIME, 470, 10, 3600, 0,
                      "time constant with which the O2 factor follows the O2 content of the "
                      "blood entering the beds (a first-order lag, beat by beat; the steady "
                      "state does not depend on it)",
                      "Harris et al. 2013 (NMR Biomed 26:1844): grey-matter CBF after a step "
                      "of end-tidal PO2 to 52 mmHg, delay 185 s and rate constant 0.0035 /s "
                      "(mean response time 470 s)",
                      NULL},
};

const hs_block_type hs_type_brain = {
    "brain", HS_BLOCK_GLOBAL, BRAIN, BRAIN_NPARAM,
    "Cerebral autoregulation, intracranial pressure and CSF, TCD, blood-pressure targets "
    "(docs/brain.md).",
    NULL};

/* -------------------------------------------------------------- equations -- */

double hs_brain_collateral_factor(const hs_plan *pl, const double *p) {
  return exp2(p[HS_BRAIN_BLK(pl) + BRAIN_COLLATERAL_GRADE] - 3.0);
}

/*
 * CSF absorption into the dural sinus (Davson; Marmarou 1978): (ICP - P_sinus)/R_out
 * above the sinus pressure, none below.  The outflow conductance falls as the CSF
 * spaces are effaced by a mass: with d = V_csf - (CSF_REF - csf_reserve) the CSF
 * left above the effaced minimum, the conductance is scaled by e(d) = 1 - (1 - d/r)^2
 * for 0 <= d < r (r = csf_reserve), 1 above and 0 at or below the minimum (smooth at
 * d = r).  So a lesion is compensated by CSF until the reserve is used up; after
 * that it raises ICP along the pressure-volume curve (docs/brain.md).
 */
double hs_brain_csf_absorption(const double *br, double icp, double psinus, double vcsf) {
  if (icp <= psinus) return 0.0;
  double r = br[BRAIN_CSF_RESERVE], d = vcsf - (HS_BRAIN_CSF_REF - r), e;
  if (d >= r) e = 1.0;
  else if (d <= 0.0) e = 0.0;
  else e = 1.0 - (1.0 - d / r) * (1.0 - d / r);
  return e * (icp - psinus) / br[BRAIN_CSF_ROUT];
}

/*
 * CSF formation at the filtered flow ratio z (the regulated beds' flow over the sum of
 * their autoregulation_flow, state ycf): csf_production x (1 - s + s min(1, z)), s =
 * csf_flow_coupling.  Formation is an active secretion, insensitive to ICP and CPP while
 * autoregulation holds the flow, but it follows cerebral blood flow passively once the
 * flow falls (Sklar et al. 1980, Am J Physiol 239:R277; Weiss & Wertman 1978, Arch Neurol
 * 35:527).  A bed's flow within the autoregulated plateau is within ~10 % of its reference
 * (the controller's finite gain), so formation there stays within 10 %.
 */
double hs_brain_csf_formation(const double *br, double z) {
  double s = br[BRAIN_CSF_FLOW_COUPLING];
  return br[BRAIN_CSF_PROD] * (1.0 - s + s * (z < 1.0 ? (z > 0.0 ? z : 0.0) : 1.0));
}

/* The sinus pressure above the brain's venous outflow node: sinus_gradient, the drop
   along the transverse sinuses and jugular veins at the beds' reference flow, in
   proportion to the flow that drains through them (flow ratio z; none without flow). */
static double sinus_drop(const double *br, double z) {
  return br[BRAIN_SINUS_GRAD] * (z > 0.0 ? z : 0.0);
}

/* The regulated beds' total reference flow (mL/s; 0 without beds). */
static double ar_reference(const hs_plan *pl, const double *p) {
  double q = 0.0;
  for (int k = 0; k < pl->nar; k++)
    q += BRAIN_BP(pl, p, pl->edge_block[pl->ar_edges[k]])[RESISTOR_AUTOREG_FLOW];
  return q;
}

/* Autoregulation: tau dx/dt = G g (Q/(f Q_ref) - 1) - x per bed (f: the CO2 factor,
   state yrf, 1 without CO2 reactivity), computed as dx/dt = (a Q / f - b - x) / tau with
   a = G g / Q_ref and b = G g; the cache holds a, b and 1/tau per bed (hs_brain_prepare,
   at every parameter change): no division and no walk through the parameter blocks at
   each evaluation; then 1 / (the beds' total reference flow).  CSF: dV/dt = formation -
   absorption, the sinus at the brain's venous outflow + sinus_gradient; the flow ratio
   that sets formation: tau_f dz/dt = sum Q / sum Q_ref - z (HS_BRAIN_CSF_FLOW_TAU).
   Last, the CO2 factor's target (the modules' regulated_flow, set by brain_beat) and
   1 / co2_tau: tau_co2 df/dt = target - f. */
int hs_brain_cache_size(const hs_plan *pl) { return 3 * pl->nar + 3; }

void hs_brain_prepare(const hs_plan *pl, const double *p, double flow, double *cache) {
  const double *br = p + HS_BRAIN_BLK(pl);
  if (!(flow > 0)) flow = 1.0; /* before the modules' first effect */
  for (int k = 0; k < pl->nar; k++) {
    const double *ep = BRAIN_BP(pl, p, pl->edge_block[pl->ar_edges[k]]);
    double gg = br[BRAIN_AR_GAIN] * ep[RESISTOR_AUTOREG_GAIN];
    cache[3 * k] = gg / ep[RESISTOR_AUTOREG_FLOW];
    cache[3 * k + 1] = gg;
    cache[3 * k + 2] = 1.0 / br[BRAIN_AR_TAU];
  }
  double qref = ar_reference(pl, p);
  cache[3 * pl->nar] = qref > 0 ? 1.0 / qref : 0.0;
  cache[3 * pl->nar + 1] = flow; /* the CO2 factor's target (state yrf follows it) */
  cache[3 * pl->nar + 2] = 1.0 / br[BRAIN_CO2_TAU];
}

void hs_brain_rhs(const hs_plan *pl, const double *p, const double *cache, const double *y,
                  const double *P, const double *Q, double icp, double *dy) {
  const int nar = pl->nar, *ar = pl->ar_edges;
  const double *x = y + pl->yar;
  double *dx = dy + pl->yar, qsum = 0.0;
  double inv_f = 1.0;
  if (pl->yrf >= 0) { /* the CO2 factor follows its target: tau_co2 df/dt = target - f */
    const double *c = cache + 3 * nar;
    dy[pl->yrf] = (c[1] - y[pl->yrf]) * c[2];
    inv_f = 1.0 / y[pl->yrf];
  }
  for (int k = 0; k < nar; k++, cache += 3) {
    dx[k] = (cache[0] * inv_f * Q[ar[k]] - cache[1] - x[k]) * cache[2];
    qsum += Q[ar[k]];
  }
  if (pl->nic) {
    const double *br = p + HS_BRAIN_BLK(pl);
    int sinus = hs_brain_plan_of(pl)->sinus;
    double z = 1.0;
    if (pl->ycf >= 0) { /* cache now at 1 / (sum of the reference flows) */
      z = y[pl->ycf];
      dy[pl->ycf] = (qsum * cache[0] - z) * (1.0 / HS_BRAIN_CSF_FLOW_TAU);
    }
    double psinus = (sinus >= 0 ? P[sinus] : 0.0) + sinus_drop(br, z);
    dy[pl->ycsf] = hs_brain_csf_formation(br, z) -
                   hs_brain_csf_absorption(br, icp, psinus, y[pl->ycsf]);
  }
}

void hs_brain_ar_nodes(const hs_plan *pl, int *ar_node) {
  for (int i = 0; i < pl->nn; i++) ar_node[i] = -1;
  for (int k = 0; k < pl->nar; k++) {
    int i = pl->efrom[pl->ar_edges[k]];
    if (pl->node_kind[i] == HS_NK_VESSEL && ar_node[i] < 0) ar_node[i] = k;
  }
}

void hs_brain_initial(const hs_plan *pl, const double *p, double *y, double *vref) {
  /* Without a lesion: CSF_REF mL of CSF, and this intracranial volume is where ICP =
     icp_reference.  A lesion present before the run has grown slowly: it has already
     displaced its volume of CSF, down to the effaced minimum (CSF_REF - csf_reserve);
     what the CSF could not make room for raises ICP along the pressure-volume curve
     (Monro-Kellie; docs/brain.md). */
  const double *br = p + HS_BRAIN_BLK(pl);
  double vmin = HS_BRAIN_CSF_REF - br[BRAIN_CSF_RESERVE];
  double csf = HS_BRAIN_CSF_REF - br[BRAIN_LESION];
  y[pl->ycsf] = csf > vmin + 1.0 ? csf : vmin + 1.0;
  if (pl->ycf >= 0) y[pl->ycf] = 1.0; /* the beds at their reference flow */
  if (pl->yrf >= 0) y[pl->yrf] = 1.0; /* normocapnia until the first beat's PCO2 */
  *vref = HS_BRAIN_CSF_REF;
  for (int k = 0; k < pl->nic; k++) *vref += y[pl->ic_nodes[k]];
  /* The rest of the mass has squeezed intracranial blood out as well: start at the
     ICP P0 where the intracranial vessels, their transmural pressure lowered by
     P0 - icp_reference (volume not below a fifth of the unstressed one), and the
     mass fit the pressure-volume curve; the displaced blood goes to the largest
     extracranial node (total blood volume unchanged).  Without that, a large mass
     would start the run at thousands of mmHg. */
  double excess = y[pl->ycsf] + br[BRAIN_LESION] - HS_BRAIN_CSF_REF;
  if (!(excess > 0)) return;
  double plo = br[BRAIN_ICP_REF], phi = 400.0, out = 0.0;
  for (int it = 0; it < 100 && phi - plo > 1e-9; it++) {
    double p0 = 0.5 * (plo + phi), shed = 0.0;
    for (int k = 0; k < pl->nic; k++) {
      int i = pl->ic_nodes[k];
      const double *v = BRAIN_BP(pl, p, pl->node_block[i]);
      double vi = y[i] - v[VESSEL_C] * (p0 - br[BRAIN_ICP_REF]);
      double floor = 0.2 * v[VESSEL_V0] < y[i] ? 0.2 * v[VESSEL_V0] : y[i];
      shed += y[i] - (vi > floor ? vi : floor);
    }
    if (excess - shed - log(p0 / br[BRAIN_ICP_REF]) / br[BRAIN_ICP_K] > 0) plo = p0;
    else phi = p0;
  }
  double p0 = 0.5 * (plo + phi);
  int ext = -1;
  for (int i = 0; i < pl->nn; i++)
    if (pl->node_kind[i] == HS_NK_VESSEL &&
        BRAIN_BP(pl, p, pl->node_block[i])[VESSEL_INTRACRANIAL] == 0 &&
        (ext < 0 || y[i] > y[ext]))
      ext = i;
  for (int k = 0; k < pl->nic && ext >= 0; k++) {
    int i = pl->ic_nodes[k];
    const double *v = BRAIN_BP(pl, p, pl->node_block[i]);
    double vi = y[i] - v[VESSEL_C] * (p0 - br[BRAIN_ICP_REF]);
    double floor = 0.2 * v[VESSEL_V0] < y[i] ? 0.2 * v[VESSEL_V0] : y[i];
    if (vi < floor) vi = floor;
    out += y[i] - vi;
    y[i] = vi;
  }
  if (ext >= 0) y[ext] += out;
}

/*
 * Volume of an intracranial vein draining through a collapsible resistor (R, and R
 * (V0/V)^4 below V0) to a node at mean pressure pd, carrying mean flow q, when ICP is
 * icp: solves q = (icp + (V - V0)/C - max(pd, icp)) / R(V) (venous waterfall) for V by
 * bisection (the right side rises with V).
 */
static double vein_volume(double q, double icp, double pd, double c, double v0, double r) {
  double lo = 1e-3, hi = v0 + c * (200.0 + fabs(icp - pd));
  for (int it = 0; it < 100 && hi - lo > 1e-9; it++) {
    double v = 0.5 * (lo + hi), rr = r;
    if (v < v0) rr *= (v0 / v) * (v0 / v) * (v0 / v) * (v0 / v);
    if ((icp + (v - v0) / c - hs_brain_waterfall_pd(pd, icp)) / rr > q) hi = v;
    else lo = v;
  }
  return 0.5 * (lo + hi);
}

/* Intracranial blood volume change when mean ICP moves from icp0 to icp1 with the
   circulation outside held: veins that drain through a collapsible resistor keep their
   mean flow (vein_volume), the other intracranial vessels their luminal pressure (they
   lose C (icp1 - icp0)). */
static double ic_blood_shift(const hs_plan *pl, const double *p, const double *qmean,
                             const double *pmean, double icp0, double icp1) {
  double dv = 0.0;
  for (int j = 0; j < pl->nic; j++) {
    int i = pl->ic_nodes[j];
    const double *v = BRAIN_BP(pl, p, pl->node_block[i]);
    int drain = -1;
    for (int e = 0; e < pl->ne && drain < 0; e++)
      if (pl->edge_kind[e] == HS_EK_RESISTOR && pl->efrom[e] == i &&
          BRAIN_BP(pl, p, pl->edge_block[e])[RESISTOR_COLLAPSE] != 0 &&
          pl->node_kind[pl->eto[e]] == HS_NK_VESSEL &&
          BRAIN_BP(pl, p, pl->node_block[pl->eto[e]])[VESSEL_INTRACRANIAL] == 0)
        drain = e;
    if (drain < 0) {
      dv -= v[VESSEL_C] * (icp1 - icp0);
      continue;
    }
    const double *ep = BRAIN_BP(pl, p, pl->edge_block[drain]);
    double q = qmean[2 * drain] - qmean[2 * drain + 1];
    double pd = pmean[pl->eto[drain]];
    double r = ep[RESISTOR_R] * hs_brain_obstruction_factor(pl, p, ep[RESISTOR_OBSTRUCTION]);
    if (q <= 0) continue;
    dv += vein_volume(q, icp1, pd, v[VESSEL_C], v[VESSEL_V0], r) -
          vein_volume(q, icp0, pd, v[VESSEL_C], v[VESSEL_V0], r);
  }
  return dv;
}

/*
 * CSF at its equilibrium (the slow intracranial state: R_out x total intracranial
 * compliance is ~30 min, so plain integration needs hours).  Called once the blood
 * volumes are periodic, from the last beat's mean ICP and mean sinus pressure
 * (P_svc + sinus_gradient).  A CSF change dV that moves mean ICP to ICPs is
 *   dV = ln(ICPs / ICP) / k - dV_blood(ICP -> ICPs),
 * the first term at the same blood volumes (ICP = P_ref exp(k V)), the second the
 * intracranial blood the vessels give up when ICP rises (ic_blood_shift).  ICPs is
 * where formation equals absorption, Q_prod = csf_absorption(ICPs, V + dV), found by
 * bisection (absorption rises monotonically with ICPs).  The blood part is an estimate
 * from mean flows (pulsatility, autoregulation and the systemic circulation move a
 * little), so a small residual relaxes with the CSF time constant; calling again after
 * the haemodynamics has settled removes it.
 */
int hs_brain_csf_equilibrium(const hs_plan *pl, const double *p, double icp, double psinus,
                             double v, const double *qmean, const double *pmean, double *vcsf) {
  const double *br = p + HS_BRAIN_BLK(pl);
  double k = br[BRAIN_ICP_K], z = 1.0, qref = ar_reference(pl, p);
  if (!(icp > 0) || !isfinite(psinus)) return 0;
  if (pl->ycf >= 0 && qref > 0) { /* formation at the beat's mean flow ratio */
    z = 0.0;
    for (int j = 0; j < pl->nar; j++) {
      int e = pl->ar_edges[j];
      z += qmean[2 * e] - qmean[2 * e + 1]; /* forward minus backward */
    }
    z /= qref;
  }
  double prod = hs_brain_csf_formation(br, z);
  psinus += sinus_drop(br, z); /* the outflow hook gives the node's pressure */
  double lo = 0.05 * icp, hi = 200.0 + icp, dv = 0.0;
  for (int it = 0; it < 100 && hi - lo > 1e-8; it++) {
    double mid = 0.5 * (lo + hi);
    dv = log(mid / icp) / k - ic_blood_shift(pl, p, qmean, pmean, icp, mid);
    /* >=: without formation (no cerebral flow) every ICP up to where absorption starts
       balances; the CSF drains down to there, not below */
    if (prod - hs_brain_csf_absorption(br, mid, psinus, v + dv) >= 0) lo = mid;
    else hi = mid;
  }
  double x = 0.5 * (lo + hi);
  dv = log(x / icp) / k - ic_blood_shift(pl, p, qmean, pmean, icp, x);
  *vcsf = v + dv > 0 ? v + dv : 0.0;
  return 1;
}

/* No brain sinus node: a Newton step towards the ICP at which absorption equals
   production for the last beat's mean sinus pressure, P_sinus + R_out x production,
   through the effective slope dICP/dV = E / (1 + E C_ic): E the intracranial elastance
   at fixed blood volume, C_ic the compliance of the intracranial vessels that yield
   part of a CSF volume change.  Only a first guess: the steady-state search's bracket
   decides convergence. */
double hs_brain_csf_newton(const hs_plan *pl, const double *p, double *y, double vref,
                           double icp_mean, double psinus, double d) {
  const double *br = p + HS_BRAIN_BLK(pl);
  double v = y[pl->ycsf];
  double z = pl->ycf >= 0 ? y[pl->ycf] : 1.0;
  psinus += sinus_drop(br, z); /* the outflow hook gives the node's pressure */
  double target = psinus + br[BRAIN_CSF_ROUT] * hs_brain_csf_formation(br, z);
  double i0 = hs_brain_icp(pl, p, y, vref);
  y[pl->ycsf] += 0.5;
  double e = (hs_brain_icp(pl, p, y, vref) - i0) / 0.5, cic = 0.0;
  for (int k = 0; k < pl->nic; k++) cic += BRAIN_BP(pl, p, pl->node_block[pl->ic_nodes[k]])[VESSEL_C];
  double didv = e / (1.0 + e * cic);
  if (didv < 1e-3) didv = 1e-3;
  double need = target - icp_mean;
  if (!isfinite(need) || (need > 0) != (d > 0)) need = d * br[BRAIN_CSF_ROUT];
  return v + need / didv;
}

/*
 * CO2 reactivity (docs/brain.md, "CO2 reactivity"): the flow the autoregulated beds
 * defend, relative to their autoregulation_flow, at arterial PCO2 pco2: a logistic from
 * co2_flow_min (deep hypocapnia) to co2_flow_max (deep hypercapnia) through 1 at
 * co2_reference with slope co2_reactivity there,
 *   f = a + (b - a) / (1 + K exp(-k (PCO2 - ref))),  K = (b - 1)/(1 - a),
 *   k = s (b - a) / ((1 - a)(b - 1))  (then df/dPCO2 = s at the reference).
 * 1 when the reactivity is 0 or the PCO2 is not a number (no cerebral flow).
 */
double hs_brain_co2_factor(const double *br, double pco2) {
  double s = br[BRAIN_CO2_REACTIVITY], a = br[BRAIN_CO2_MIN], b = br[BRAIN_CO2_MAX];
  if (!(s > 0) || !isfinite(pco2)) return 1.0;
  double K = (b - 1.0) / (1.0 - a), k = s * (b - a) / ((1.0 - a) * (b - 1.0));
  return a + (b - a) / (1.0 + K * exp(-k * (pco2 - br[BRAIN_CO2_REF])));
}

/*
 * O2 reactivity (docs/brain.md, "O2 reactivity"): the factor on the flow the autoregulated
 * beds defend at the O2 content c (mL O2/dL) of the blood entering them, haemoglobin hb
 * (g/dL): (c_ref / c)^n, c_ref the content at o2_reference with the same haemoglobin, n
 * o2_reactivity, at most HS_BRAIN_O2_FACTOR_MAX (also at a content of 0 or below).  1 when
 * n is 0 or c or hb is not a number (no cerebral flow).
 */
double hs_brain_o2_factor(const double *br, double hb, double c) {
  double n = br[BRAIN_O2_REACTIVITY];
  if (!(n > 0) || !(hb > 0) || !isfinite(c)) return 1.0;
  if (!(c > 0)) return HS_BRAIN_O2_FACTOR_MAX;
  double f = pow(hs_o2_content(hb, br[BRAIN_O2_REF]) / c, n);
  return f < HS_BRAIN_O2_FACTOR_MAX ? f : HS_BRAIN_O2_FACTOR_MAX;
}

/* The brain's own state (physio/module.h): the target of the defended-flow factor, set
   once per beat: the CO2 factor of the beat's paco2_brain_mmhg times the O2 factor, which
   follows the target of the beat's cao2_brain_mldl with o2_tau (beat by beat; the factor
   itself is the continuous state yrf, part of the warm-start state); its relative change
   at that update (the steady-state test).  The targets are not part of the warm-start
   state: hs_sim_set_state and copy_state put the factor where yrf is (brain_state_set) and
   at the next beat end the O2 factor takes what the carried factor holds beyond the CO2
   factor, and lags on from there; a fresh simulation's first beat puts the O2 factor at
   its target; the next beat end sets the rest from the blood (in a steady-state search it
   holds there). */
typedef struct brain_state {
  double factor, change;
  double co2, o2; /* the two parts of factor (targets) */
  double t;       /* the last beat end (the O2 factor's lag) */
  int o2_start;   /* at the next beat end the O2 factor starts: 1 at its target (a fresh
                     simulation), 2 from the carried factor (a state set from outside) */
} brain_state;

static void brain_init(void *state) {
  brain_state *st = state;
  st->factor = st->co2 = st->o2 = 1.0, st->change = 0.0;
  st->t = 0.0, st->o2_start = 1;
}

/* A change of the factor smaller than this (relative) is not applied: while the PCO2 is
   steady it jitters by ~1e-6 from beat to beat, and each update restarts the integrator.
   1e-4 of the defended flow is a PCO2 change of ~0.003 mmHg at 4 %/mmHg, below
   solver.steady_tol_factor (2e-4). */
#define BRAIN_CO2_DEADBAND 1e-4

static int brain_beat(void *state, const hs_physio_beat *b) {
  brain_state *st = state;
  st->change = 0.0;
  if (b->plan->yrf < 0) return 0; /* no CO2 or O2 reactivity */
  double dt = b->t - st->t;
  st->t = b->t;
  if (b->search && !b->gases_fresh) {
    /* the search moves it at its blood-gas steps (steady.c): between them the factor
       holds still, its target where the state is (a warm start keeps its source's factor) */
    double y = b->y[b->plan->yrf];
    if (y == st->factor) return 0;
    st->factor = y;
    st->co2 = y / st->o2;
    return 1;
  }
  const double *br = b->p + HS_BRAIN_BLK(b->plan);
  double pco2 = b->m[HS_M_PACO2B], cao2 = b->m[HS_M_CAO2B];
  /* no cerebral flow, no PCO2 or content to follow: the targets hold */
  double fc = isfinite(pco2) ? hs_brain_co2_factor(br, pco2) : st->co2;
  if (isfinite(cao2)) {
    double fo = hs_brain_o2_factor(br, b->m[HS_M_HB], cao2);
    if (b->search || st->o2_start == 1 || !(dt > 0)) st->o2 = fo; /* at its target */
    else {
      if (st->o2_start == 2 && fc > 0) st->o2 = st->factor / fc; /* what the state carries */
      st->o2 += (fo - st->o2) * -expm1(-dt / br[BRAIN_O2_TAU]);
    }
    st->o2_start = 0;
  }
  st->co2 = fc;
  double f = fc * st->o2;
  double d = fabs(f - st->factor) / st->factor;
  if (!(d > BRAIN_CO2_DEADBAND)) return 0;
  st->change = d;
  st->factor = f;
  return 1;
}

/* A state set from outside (a warm start from another simulation's steady state): the
   target where the factor is, as the steady-state search holds it; a fresh simulation's
   target of 1 pulled the factor away during the first beat (0.639 -> 0.654 at an alveolar
   ventilation of 6.5 L/min, test_brain test_co2_state_set).  The O2 factor starts at the
   next beat end from what the factor carries beyond the CO2 factor (the source may be in
   a transient: a state saved 120 s into hypoxaemia had jumped to its target). */
static void brain_state_set(void *state, const hs_plan *pl, const double *y) {
  brain_state *st = state;
  if (pl->yrf >= 0 && y[pl->yrf] > 0) st->factor = y[pl->yrf], st->co2 = st->factor / st->o2;
  st->o2_start = 2;
}

static void brain_effect(const void *state, const hs_plan *pl, const double *p,
                         hs_physio_effect *fx) {
  (void)pl, (void)p;
  fx->regulated_flow *= ((const brain_state *)state)->factor;
}

static void brain_module_metrics(const void *state, const hs_plan *pl, const double *p,
                                 double *m) {
  /* the two parts of the factor; a part whose reactivity is 0 is 1 and the other takes the
     whole factor (with the CO2 reactivity alone the factor applied, as before the O2 part) */
  const brain_state *st = state;
  if (pl->yrf < 0) { /* neither reactivity (or no brain block) */
    m[HS_M_CO2F] = m[HS_M_O2F] = 1.0;
    return;
  }
  const double *br = p + HS_BRAIN_BLK(pl);
  int co2_on = br[BRAIN_CO2_REACTIVITY] > 0, o2_on = br[BRAIN_O2_REACTIVITY] > 0;
  m[HS_M_CO2F] = !co2_on ? 1.0 : o2_on ? st->co2 : st->factor;
  m[HS_M_O2F] = !o2_on ? 1.0 : co2_on ? st->o2 : st->factor;
}

static double brain_change(const void *state) { return ((const brain_state *)state)->change; }

static inline double rel_change(double a, double b) {
  double d = fabs(a - b), m = fabs(b) > 1e-12 ? fabs(b) : 1e-12;
  return d / m;
}

double hs_brain_ar_change(const hs_plan *pl, const double *p, const double *y,
                          const double *y0) {
  double dfac = pl->yrf >= 0 ? rel_change(y[pl->yrf], y0[pl->yrf]) : 0.0;
  for (int k = 0; k < pl->nar; k++) {
    double r = rel_change(hs_brain_ar_conductance(pl, p, y, k), hs_brain_ar_conductance(pl, p, y0, k));
    if (r > dfac) dfac = r;
  }
  return dfac;
}

void hs_brain_metrics(const hs_plan *pl, const double *p, const double *q, const double *q0,
                      double T, const double tcd_max[2], const double tcd_min[2], double *m) {
#define MEAN(k) ((q[k] - q0[k]) / T)
  m[HS_M_ICP] = pl->nic ? MEAN(pl->q_ext) : NAN;
  m[HS_M_CEPP] = pl->nic ? m[HS_M_MAP] - m[HS_M_ICP] : NAN;
  const double *br = p + HS_BRAIN_BLK(pl);
  const hs_brain_plan *bp = hs_brain_plan_of(pl);
  double hemi = br[BRAIN_HEMI_MASS] * 1000.0 / 100.0, mca = br[BRAIN_MCA_MASS] * 1000.0 / 100.0;
#define QM(e) ((e) >= 0 ? MEAN(pl->q_q + (e)) * 60.0 : NAN) /* mL/min */
  /* a hemisphere: MCA + ACA ("other") + PCA territories (a PCA bed counts when present) */
  m[HS_M_CBFL] = QM(bp->l_mca_bed) / hemi + QM(bp->l_other_bed) / hemi +
                 (bp->l_pca_bed >= 0 ? QM(bp->l_pca_bed) / hemi : 0.0);
  m[HS_M_CBFR] = QM(bp->r_mca_bed) / hemi + QM(bp->r_other_bed) / hemi +
                 (bp->r_pca_bed >= 0 ? QM(bp->r_pca_bed) / hemi : 0.0);
  m[HS_M_CBFLM] = QM(bp->l_mca_bed) / mca;
  m[HS_M_CBFRM] = QM(bp->r_mca_bed) / mca;
  double pca = br[BRAIN_PCA_MASS] * 10.0, pf = br[BRAIN_PF_MASS] * 10.0; /* 100 g */
  m[HS_M_CBFLP] = QM(bp->l_pca_bed) / pca;
  m[HS_M_CBFRP] = QM(bp->r_pca_bed) / pca;
  m[HS_M_CBFPF] = QM(bp->pf_bed) / pf;
  double area = 3.14159265358979 * br[BRAIN_MCA_DIAM] * br[BRAIN_MCA_DIAM] / 4.0; /* cm^2 */
  const int stems[2] = {bp->l_mca_stem, bp->r_mca_stem};
  for (int k = 0; k < 2; k++) {
    double psv = NAN, edv = NAN, mean = NAN, pi = NAN;
    if (stems[k] >= 0) {
      psv = tcd_max[k] / area, edv = tcd_min[k] / area;
      mean = MEAN(pl->q_q + stems[k]) / area;
      /* Gosling PI is undefined without a measurable mean velocity: TCD reads no flow
         below ~1 cm/s (cardiac arrest: PI once came out as -48, noise over noise) */
      pi = fabs(mean) >= HS_TCD_MIN_MEAN_CMS ? (psv - edv) / mean : NAN;
    }
    m[k ? HS_M_TRPSV : HS_M_TLPSV] = psv;
    m[k ? HS_M_TREDV : HS_M_TLEDV] = edv;
    m[k ? HS_M_TRMV : HS_M_TLMV] = mean;
    m[k ? HS_M_TRPI : HS_M_TLPI] = pi;
  }
#undef QM
#undef MEAN
}

/* ---- the brain as a module (physio/module.h): its factors on the circuit's resistors ---- */

/* A clot's capillary obstruction raises a bed's resistance; a `collateral: true` edge
   conducts 2^(grade - 3) x nominal (ASITN/SIR grade, docs/brain.md). */
static void brain_resistor(const hs_plan *pl, const double *p, const double *ep, double *base,
                           double *divide) {
  *base *= hs_brain_obstruction_factor(pl, p, ep[RESISTOR_OBSTRUCTION]);
  if (ep[RESISTOR_COLLATERAL] != 0) *divide *= hs_brain_collateral_factor(pl, p);
}

extern const hs_physio_module hs_physio_brain;

/* ---- the brain as the engine's compartment (physio/module.h, hs_physio_circuit) ---- */

/* Whether the blood gases act on the defended flow at brain parameters br (either
   reactivity on): compile claims the factor's state exactly then, and the steady-state
   search takes blood-gas steps (brain_follows_gases). */
static int gas_reactive(const double *br) {
  return br[BRAIN_CO2_REACTIVITY] > 0 || br[BRAIN_O2_REACTIVITY] > 0;
}

/* The skull's vessels (vessel parameter intracranial != 0), the autoregulated beds
   (resistor autoregulation_flow > 0, one state each), the CSF volume state, the brain
   block and the brain's roles. */
static hs_status brain_compile(hs_plan *pl, const hs_model *m, int *ny, hs_err *err) {
  (void)err;
  hs_brain_plan *bp = hs_physio_plan_data(pl, &hs_physio_brain);
  bp->blk = hs_physio_module_block(pl, &hs_physio_brain); /* for the hot hooks (cx_data) */
  pl->ar_edges = malloc(((size_t)pl->ne + 1) * sizeof(int));
  pl->ic_nodes = malloc(((size_t)pl->nn + 1) * sizeof(int));
  if (!pl->ar_edges || !pl->ic_nodes) return HS_ERR_NOMEM;
  for (int e = 0; e < pl->ne; e++) {
    const hs_block *b = &m->blocks[pl->edge_block[e]];
    if (b->type == &hs_type_resistor && b->params[RESISTOR_AUTOREG_FLOW] > 0)
      pl->ar_edges[pl->nar++] = e;
  }
  for (int i = 0; i < pl->nn; i++) {
    const hs_block *b = &m->blocks[pl->node_block[i]];
    if (b->type == &hs_type_vessel && b->params[VESSEL_INTRACRANIAL] != 0)
      pl->ic_nodes[pl->nic++] = i;
  }
  pl->yar = *ny;
  *ny += pl->nar;
  pl->ycsf = pl->nic ? (*ny)++ : -1;
  pl->ycf = pl->nic && pl->nar ? (*ny)++ : -1; /* the flow that sets CSF formation */
  /* the gas factor (CO2 and O2 parts) on the defended flow: a state only with a reactivity
     on (whether both are 0 is fixed when compiled, as a bed's autoregulation; sim.c
     refuses the switch) */
  int react = 0;
  for (size_t b = 0; b < m->nblocks; b++)
    if (m->blocks[b].type == &hs_type_brain) react = gas_reactive(m->blocks[b].params);
  pl->yrf = pl->nar && react ? (*ny)++ : -1;
  bp->sinus = hs_plan_node_find(pl, hs_model_role(m, "brain_venous_outflow"));
  bp->l_mca_bed = hs_plan_edge_find(pl, hs_model_role(m, "left_mca_bed"));
  bp->r_mca_bed = hs_plan_edge_find(pl, hs_model_role(m, "right_mca_bed"));
  bp->l_other_bed = hs_plan_edge_find(pl, hs_model_role(m, "left_other_bed"));
  bp->r_other_bed = hs_plan_edge_find(pl, hs_model_role(m, "right_other_bed"));
  bp->l_mca_stem = hs_plan_edge_find(pl, hs_model_role(m, "left_mca_stem"));
  bp->l_pca_bed = hs_plan_edge_find(pl, hs_model_role(m, "left_pca_bed"));
  bp->r_pca_bed = hs_plan_edge_find(pl, hs_model_role(m, "right_pca_bed"));
  bp->pf_bed = hs_plan_edge_find(pl, hs_model_role(m, "posterior_fossa_bed"));
  bp->r_mca_stem = hs_plan_edge_find(pl, hs_model_role(m, "right_mca_stem"));
  return HS_OK;
}

static void brain_quadratures(hs_plan *pl, int *nq) { pl->q_ext = (*nq)++; /* ICP */ }

static void brain_initial(const hs_plan *pl, const double *p, double *y, double *vref) {
  if (pl->nic) hs_brain_initial(pl, p, y, vref); /* CSF, a lesion's squeeze */
  if (pl->yrf >= 0) y[pl->yrf] = 1.0;
}

/* ICP, then the conductance factors of the autoregulated beds and the compliance
   factors of the territory arteries they regulate (one per bed, not per vessel).  The
   compliance follows the dilation beyond what the CO2 factor asks for (conductance / CO2
   factor): a bed dilated by hypercapnia at a normal pressure keeps its compliance, so the
   MCA pulsatility index falls as its resistance does (docs/brain.md, CO2 reactivity). */
static double brain_evaluate(const hs_plan *pl, const double *p, const double *y, double vref,
                             double *restrict g, double *restrict c) {
  double icp = pl->nic ? hs_brain_icp(pl, p, y, vref) : 0.0;
  /* hs_brain_ar_conductance and hs_brain_ar_compliance with their loads hoisted out of
     the loop (the same arithmetic: identical numbers) */
  const int nar = pl->nar;
  const double *restrict x = y + pl->yar;
  const double a = p[HS_BRAIN_BLK(pl) + BRAIN_AR_RANGE], gc = p[HS_BRAIN_BLK(pl) + BRAIN_AR_COMPLIANCE];
  const double inv_f = pl->yrf >= 0 ? 1.0 / y[pl->yrf] : 1.0;
  for (int k = 0; k < nar; k++) {
    double sq = sqrt(1.0 + x[k] * x[k]), ax = a * x[k];
    double r = (sq - ax) / (sq + ax);
    g[k] = r;
    r *= inv_f;
    if (gc == 0.0) c[k] = 1.0;
    else if (gc == 1.0) c[k] = r >= 1.0 ? r * r : sqrt(r);
    else c[k] = pow(r, r >= 1.0 ? 2.0 * gc : 0.5 * gc);
  }
  return icp;
}

/* The arteriolar waterfall's closing pressure: ICP + the active tone (hs_brain_arteriolar_dp). */
static double brain_closing(const hs_plan *pl, const double *p, double icp) {
  return icp + p[HS_BRAIN_BLK(pl) + BRAIN_CCP_TONE];
}

static double brain_pressure(const hs_plan *pl, const double *p, const double *y, double vref) {
  return pl->nic ? hs_brain_icp(pl, p, y, vref) : 0.0;
}
static double brain_compliance(const hs_plan *pl, const double *p, const double *y, int k) {
  double f = pl->yrf >= 0 ? y[pl->yrf] : 1.0;
  return hs_brain_ar_compliance(pl, p, hs_brain_ar_conductance(pl, p, y, k) / f);
}

static int brain_wall_on(const hs_plan *pl, const double *p) {
  return p[HS_BRAIN_BLK(pl) + BRAIN_ART_STIFF] > 0;
}

static void brain_watch(const hs_plan *pl, int edges[2]) {
  const hs_brain_plan *bp = hs_brain_plan_of(pl);
  edges[0] = bp->l_mca_stem, edges[1] = bp->r_mca_stem; /* TCD velocity extrema */
}

/* The steady-state search's view of the CSF: its imbalance as the pressure R_out x drift,
   and its outflow node's mean pressure (equilibrium and newton add the sinus drop, which
   follows the cerebral flow). */
static double brain_imbalance(const hs_plan *pl, const double *p, double d) {
  return fabs(d) * p[HS_BRAIN_BLK(pl) + BRAIN_CSF_ROUT];
}
static int brain_outflow_pressure(const hs_plan *pl, const double *p, const double *pmean,
                                  double *pout) {
  int sinus = hs_brain_plan_of(pl)->sinus;
  (void)p;
  *pout = sinus >= 0 ? pmean[sinus] : 0.0;
  return sinus >= 0;
}

/* The regulated beds' defended flow follows the arterial PCO2 or O2 content (the
   steady-state search then takes blood-gas steps, which set both parts). */
static int brain_follows_gases(const hs_plan *pl, const double *p) {
  return pl->nar > 0 && gas_reactive(p + HS_BRAIN_BLK(pl));
}

static const hs_physio_circuit brain_circuit = {
    .compile = brain_compile,
    .quadratures = brain_quadratures,
    .feeds = hs_brain_ar_nodes,
    .initial = brain_initial,
    .evaluate = brain_evaluate,
    .pressure = brain_pressure,
    .compliance = brain_compliance,
    .wall_on = brain_wall_on,
    .wall = hs_brain_wall_pressure,
    .closing = brain_closing,
    .outflow_dp = hs_brain_venous_dp,
    .cache_size = hs_brain_cache_size,
    .prepare = hs_brain_prepare,
    .rhs = hs_brain_rhs,
    .watch = brain_watch,
    .metrics = hs_brain_metrics,
    .regulation_change = hs_brain_ar_change,
    .imbalance = brain_imbalance,
    .outflow_pressure = brain_outflow_pressure,
    .equilibrium = hs_brain_csf_equilibrium,
    .newton = hs_brain_csf_newton,
    .follows_gases = brain_follows_gases,
};

const hs_physio_module hs_physio_brain = {
    .name = "brain",
    .doc = "intracranial pressure and CSF, cerebral autoregulation and CO2 and O2 reactivity, "
           "the intracranial waterfalls, capillary obstruction by a clot, collateral grade "
           "(docs/brain.md)",
    .block = "brain",
    .plan_bytes = sizeof(hs_brain_plan),
    .state_bytes = sizeof(brain_state),
    .init = brain_init,
    .beat = brain_beat,
    .state_set = brain_state_set,
    .effect = brain_effect,
    .metrics = brain_module_metrics,
    .change = brain_change,
    .resistor = brain_resistor,
    .circuit = &brain_circuit,
};
