/*
 * globals.c - the global blocks: heart timing, circulation, body and solver.
 *
 * Heart timing: the beat starts at ventricular activation onset (the R wave).
 * Ventricular activation rises over tp and decays over tr; both scale with the
 * square root of the RR interval (Bazett 1920; as in Heldt et al. 2002, J Appl
 * Physiol 92:1239).  Atrial activation starts pr_interval before the next
 * ventricular onset.  The pericardium, when enabled, adds
 * P_peri = P0 (exp(lambda (V_lv + V_rv - V0)) - 1) to both ventricles
 * (Smith et al. 2004, Med Eng Phys 26:131).  Ventricular interaction adds a
 * fraction of each ventricle's own pressure to the other's (a linear
 * interaction gain; Santamore & Dell'Italia 1998, Prog Cardiovasc Dis 40:289).
 */
#include "elements/elements.h"

static const char *const METHODS[] = {"dopri5", "bdf", "adams", NULL};
static const char *const RHYTHMS[] = {"sinus", "vf", NULL};

static const hs_param_spec HEART[HEART_NPARAM] = {
    [HEART_HR] = {"heart_rate", HS_DIM_RATE, 70, 20, 250, 0, "heart rate", "MISSION.md s6", NULL},
    [HEART_PR] = {"pr_interval", HS_DIM_TIME, 0.16, 0.04, 0.4, 0,
                  "atrial activation onset before ventricular onset", "Guyton & Hall", NULL},
    [HEART_VTP] = {"ventricular_time_to_peak", HS_DIM_TIME, 0.40, 0.1, 0.6, 0,
                   "time from onset to peak ventricular activation at RR = 1 s (scales with sqrt RR); "
                   "tuned for an LV ejection time of ~0.27 s at 70 /min (Weissler 1968)",
                   "Weissler 1968", NULL},
    [HEART_VTR] = {"ventricular_relaxation_time", HS_DIM_TIME, 0.20, 0.03, 0.5, 0,
                   "duration of ventricular relaxation at RR = 1 s (scales with sqrt RR)",
                   "tuned", NULL},
    [HEART_ATP] = {"atrial_time_to_peak", HS_DIM_TIME, 0.09, 0.02, 0.3, 0,
                   "time from onset to peak atrial activation", "Korakianitis & Shi 2006", NULL},
    [HEART_ATR] = {"atrial_relaxation_time", HS_DIM_TIME, 0.09, 0.02, 0.3, 0,
                   "duration of atrial relaxation", "Korakianitis & Shi 2006", NULL},
    [HEART_PERI] = {"pericardium", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                    "pericardial constraint on the ventricles", "Smith 2004", NULL},
    [HEART_PERI_P0] = {"pericardium_p0", HS_DIM_PRESSURE, 0.5003, 0.01, 20, 0,
                       "pericardial pressure scale", "Smith 2004", NULL},
    [HEART_PERI_LAMBDA] = {"pericardium_lambda", HS_DIM_INV_VOLUME, 0.03, 1e-4, 0.5, 0,
                           "pericardial stiffness constant", "Smith 2004", NULL},
    [HEART_PERI_V0] = {"pericardium_v0", HS_DIM_VOLUME, 200, 0, 2000, 0,
                       "ventricular volume at which the pericardium starts to bear load",
                       "Smith 2004", NULL},
    [HEART_INT_LR] = {"interaction_lv_to_rv", HS_DIM_NONE, 0, 0, 0.5, 0,
                      "fraction of LV free-wall pressure added to RV pressure (septal interaction)",
                      "Santamore & Dell'Italia 1998", NULL},
    [HEART_INT_RL] = {"interaction_rv_to_lv", HS_DIM_NONE, 0, 0, 0.5, 0,
                      "fraction of RV free-wall pressure added to LV pressure (septal interaction)",
                      "Santamore & Dell'Italia 1998", NULL},
    [HEART_RHYTHM] = {"rhythm", HS_DIM_NONE, 0, 0, 1, HS_PARAM_CHOICE,
                      "sinus: activation every beat; vf: ventricular fibrillation / arrest, no "
                      "coordinated activation of any chamber (chambers follow their EDPVR)",
                      "", RHYTHMS},
};

static const hs_param_spec CIRC[CIRC_NPARAM] = {
    [CIRC_BLOOD_VOLUME] = {"blood_volume", HS_DIM_VOLUME, 0, 0, 15000, 0,
                           "total blood volume; 0 = body.weight x body.blood_volume_per_kg",
                           "MISSION.md s6", NULL},
    [CIRC_THORACIC_P] = {"thoracic_pressure", HS_DIM_PRESSURE, -4, -30, 30, 0,
                         "mean intrathoracic (pleural) pressure", "Guyton 1963", NULL},
};

static const hs_param_spec BODY[BODY_NPARAM] = {
    [BODY_HEIGHT] = {"height", HS_DIM_LENGTH, 175, 50, 250, 0, "body height", "", NULL},
    [BODY_WEIGHT] = {"weight", HS_DIM_MASS, 70, 2, 300, 0, "body weight", "", NULL},
    [BODY_BV_PER_KG] = {"blood_volume_per_kg", HS_DIM_NONE, 70, 40, 120, 0,
                        "blood volume per kg body weight (mL/kg)", "MISSION.md s6", NULL},
};

static const hs_param_spec SOLVER[SOLVER_NPARAM] = {
    [SOLVER_RTOL] = {"rtol", HS_DIM_NONE, 1e-6, 1e-10, 1e-2, 0,
                     "relative tolerance of the integrator", "", NULL},
    [SOLVER_ATOL] = {"atol", HS_DIM_NONE, 1e-5, 1e-12, 1, 0,
                     "absolute tolerance (mL for volumes, mL/s for flows)", "", NULL},
    [SOLVER_METHOD] = {"method", HS_DIM_NONE, 0, 0, 2, HS_PARAM_CHOICE,
                       "integration method: dopri5 (explicit RK 5(4), default), bdf (CVODES, "
                       "stiff) or adams (CVODES)",
                       "", METHODS},
    [SOLVER_STEADY_TOL] = {"steady_tol", HS_DIM_VOLUME, 0.02, 1e-6, 100, 0,
                           "periodic steady state: largest beat-to-beat change of any "
                           "compartment volume at end-diastole",
                           "", NULL},
    [SOLVER_MAX_BEATS] = {"max_beats", HS_DIM_NONE, 600, 1, 1e6, HS_PARAM_INTEGER,
                          "beats allowed to reach steady state", "", NULL},
    [SOLVER_WINDOW] = {"window_beats", HS_DIM_NONE, 6, 1, 60, HS_PARAM_INTEGER,
                       "beats averaged in a steady-state summary", "", NULL},
    [SOLVER_STEADY_TOL_O2] = {"steady_tol_o2", HS_DIM_NONE, 1e-5, 1e-9, 1e-2, 0,
                              "periodic steady state: largest beat-to-beat change of any "
                              "compartment's O2 content (mL O2 per mL blood)",
                              "", NULL},
};

static const hs_param_spec OXY[OXY_NPARAM] = {
    [OXY_HB] = {"hemoglobin", HS_DIM_HB, 14, 3, 25, 0, "haemoglobin concentration",
                "MISSION.md s6", NULL},
    [OXY_FIO2] = {"fio2", HS_DIM_NONE, 0.21, 0.21, 1.0, 0, "inspired O2 fraction", "", NULL},
    [OXY_SHUNT] = {"shunt_fraction", HS_DIM_NONE, 0.02, 0, 1, 0,
                   "intrapulmonary shunt: fraction of pulmonary blood flow not oxygenated",
                   "West, Respiratory Physiology", NULL},
    [OXY_PACO2] = {"paco2", HS_DIM_PRESSURE, 40, 10, 150, 0,
                   "arterial PCO2 (alveolar gas equation)", "", NULL},
    [OXY_RQ] = {"respiratory_quotient", HS_DIM_NONE, 0.8, 0.6, 1.2, 0,
                "respiratory quotient (alveolar gas equation)", "", NULL},
    [OXY_PB] = {"barometric_pressure", HS_DIM_PRESSURE, 760, 500, 800, 0,
                "barometric pressure", "", NULL},
};

const hs_block_type hs_type_heart = {"heart", HS_BLOCK_GLOBAL, HEART, HEART_NPARAM,
                                     "Heart rate, activation timing, pericardium, interaction.", NULL};
const hs_block_type hs_type_circulation = {"circulation", HS_BLOCK_GLOBAL, CIRC, CIRC_NPARAM,
                                           "Total blood volume and intrathoracic pressure.", NULL};
const hs_block_type hs_type_body = {"body", HS_BLOCK_GLOBAL, BODY, BODY_NPARAM,
                                    "Body size (drives blood volume and indexed values).", NULL};
const hs_block_type hs_type_solver = {"solver", HS_BLOCK_GLOBAL, SOLVER, SOLVER_NPARAM,
                                      "Integrator accuracy and steady-state detection.", NULL};
const hs_block_type hs_type_oxygen = {"oxygen", HS_BLOCK_GLOBAL, OXY, OXY_NPARAM,
                                      "Haemoglobin, inspired O2, lung shunt (docs/oxygen.md).", NULL};
