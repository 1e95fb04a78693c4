/*
 * globals.c - the global blocks: heart timing, circulation, body and solver (the
 * physiological modules own theirs: src/physio/baroreflex.c, drugs.c, bp_control.c, brain.c,
 * transport.c).
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
#include "core/ode.h"
#include "elements/elements.h"

static const char *const RHYTHMS[] = {"sinus", "vf", NULL};

static const hs_param_spec HEART[HEART_NPARAM] = {
    [HEART_HR] = {"heart_rate", HS_DIM_RATE, 70, 20, 250, 0, "heart rate", "Guyton & Hall", NULL},
    [HEART_PR] = {"pr_interval", HS_DIM_TIME, 0.16, 0.04, 0.4, 0,
                  "atrial activation onset before ventricular onset", "Guyton & Hall", NULL},
    [HEART_VTP] = {"ventricular_time_to_peak", HS_DIM_TIME, 0.40, 0.1, 0.6, 0,
                   "time from onset to peak ventricular activation at RR = 1 s (scales with sqrt RR); "
                   "tuned: LV ejection time 0.275 s at 70 /min (Weissler 1968 regression: 0.294 s)",
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
    [HEART_LV_QMAX] = {"lv_unloaded_ejection_flow", HS_DIM_FLOW, 0, 0, 1e5, 0,
                       "LV ejection effect (systolic resistance R = Piso / Qmax): LV pressure "
                       "during ejection Piso (1 - Q_av / Qmax); 0 = off; the published human "
                       "value is 2667 mL/s = 160 L/min (k = 1/Qmax = 3.75e-4 s/mL, Ursino 1998)",
                       "Shroff 1985; Ursino 1998", NULL},
    [HEART_LV_RELAX_LOAD] = {"lv_relaxation_load_gain", HS_DIM_NONE, 0, 0, 0.9, 0,
                             "afterload-dependent onset of LV relaxation: the LV time to peak "
                             "activation of a beat is tp (1 - g (1 - L)), L = aortic pressure at "
                             "aortic-valve opening / LV isovolumic peak pressure at that volume "
                             "(0-1); 0 = off (docs/model.md 2.2)",
                             "Brutsaert 1984", NULL},
};

static const hs_param_spec CIRC[CIRC_NPARAM] = {
    [CIRC_BLOOD_VOLUME] = {"blood_volume", HS_DIM_VOLUME, 0, 0, 15000, HS_PARAM_UNIT,
                           "total blood volume; 0 = body.weight x body.blood_volume_per_kg",
                           "Nadler 1962", NULL},
    [CIRC_THORACIC_P] = {"thoracic_pressure", HS_DIM_PRESSURE, -4, -30, 30, 0,
                         "mean intrathoracic (pleural) pressure", "Guyton 1963", NULL},
};

static const hs_param_spec BODY[BODY_NPARAM] = {
    [BODY_HEIGHT] = {"height", HS_DIM_LENGTH, 175, 50, 250, 0, "body height", "", NULL},
    [BODY_WEIGHT] = {"weight", HS_DIM_MASS, 70, 2, 300, 0, "body weight", "", NULL},
    [BODY_BV_PER_KG] = {"blood_volume_per_kg", HS_DIM_VOLUME_PER_KG, 70, 40, 120, 0,
                        "blood volume per kg body weight (mL/kg)", "Nadler 1962", NULL},
    [BODY_SCALE_VOLUME] = {"scale_volume", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
                           "true: when circulation.blood_volume is 0 the blood volume is "
                           "body.weight x blood_volume_per_kg, so a new weight rescales it; "
                           "false: the weight changes only BSA-indexed values and "
                           "circulation.blood_volume must be given",
                           "", NULL},
};

static const hs_param_spec SOLVER[SOLVER_NPARAM] = {
    [SOLVER_RTOL] = {"rtol", HS_DIM_NONE, 1e-5, 1e-10, 1e-2, 0,
                     "relative tolerance of the integrator", "", NULL},
    [SOLVER_ATOL] = {"atol", HS_DIM_NONE, 1e-4, 1e-12, 1, 0,
                     "absolute tolerance (mL for volumes, mL/s for flows)", "", NULL},
    [SOLVER_METHOD] = {"method", HS_DIM_NONE, 0, 0, HS_ODE_COUNT - 1, HS_PARAM_CHOICE,
                       "integration method: dopri5 (explicit RK 5(4), default), bdf (CVODES, "
                       "stiff) or adams (CVODES)",
                       "", hs_ode_method_names},
    [SOLVER_STEADY_TOL] = {"steady_tol", HS_DIM_VOLUME, 0.02, 1e-6, 100, 0,
                           "periodic steady state: largest beat-to-beat change of any "
                           "compartment volume at end-diastole",
                           "", NULL},
    [SOLVER_MAX_BEATS] = {"max_beats", HS_DIM_NONE, 600, 1, 1e6, HS_PARAM_INTEGER,
                          "beats allowed to reach steady state (per periodic solve: an outer fixed point, "
                          "perfusion-contraction matching, may repeat the solve, docs/numerics.md)",
                          "", NULL},
    [SOLVER_WINDOW] = {"window_beats", HS_DIM_NONE, 6, 1, 60, HS_PARAM_INTEGER,
                       "beats averaged in a steady-state summary", "", NULL},
    [SOLVER_STEADY_TOL_O2] = {"steady_tol_o2", HS_DIM_NONE, 1e-5, 1e-9, 1e-2, 0,
                              "periodic steady state: largest beat-to-beat change of any "
                              "compartment's O2 content (mL O2 per mL blood)",
                              "", NULL},
    [SOLVER_STEADY_ACCEL] = {"steady_accel", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
                             "accelerate the steady-state search: when the beat-to-beat change "
                             "decays geometrically, jump along that slow mode (extrapolation to "
                             "its limit); the steady-state test itself is unchanged",
                             "docs/numerics.md", NULL},
    [SOLVER_STEADY_TOL_FLOW] = {"steady_tol_flow", HS_DIM_FLOW, 0.05, 1e-6, 100, 0,
                                "periodic steady state: largest beat-to-beat change of an inertial "
                                "flow (vessel inertances, valve flows, device circuit flows and "
                                "filtered flows) at end-diastole (0.05 mL/s = 3 mL/min)",
                                "docs/numerics.md", NULL},
    [SOLVER_STEADY_TOL_RPM] = {"steady_tol_rpm", HS_DIM_SPEED, 0.5, 1e-6, 1000, 0,
                               "periodic steady state: largest beat-to-beat change of a pump speed "
                               "state (ECMO flow-controller speed, Impella rotor), rpm per beat",
                               "docs/numerics.md", NULL},
    [SOLVER_STEADY_TOL_FACTOR] = {"steady_tol_factor", HS_DIM_NONE, 2e-4, 1e-9, 0.1, 0,
                                  "periodic steady state: largest beat-to-beat relative change of "
                                  "a control factor (baroreflex effectors and heart period, "
                                  "cerebral autoregulation resistance, MAP/BP controller factor) "
                                  "and absolute change of a device fraction state (balloon gate)",
                                  "docs/numerics.md", NULL},
    [SOLVER_STEADY_TOL_ICP] = {"steady_tol_icp", HS_DIM_PRESSURE, 0.05, 1e-6, 10, 0,
                               "periodic steady state: CSF balance, |production - mean absorption| "
                               "x CSF outflow resistance over the last beat = distance of the mean "
                               "ICP from the ICP at which the CSF volume is steady",
                               "docs/numerics.md", NULL},
    [SOLVER_STIFF_STEPS] = {"stiff_steps_per_s", HS_DIM_NONE, 200000, 0, 1e9, 0,
                            "stiffness watch: the run stops with an error naming the stiffest "
                            "compartment when the integrator needs more than this many steps per "
                            "simulated second over 20,000 steps (normal circuits: 500-2,000 with "
                            "dopri5, 50,000 with a fixed 20-us step); 0 = no watch",
                            "docs/numerics.md", NULL},
    [SOLVER_SLOW_STEP] = {"slow_step", HS_DIM_TIME, 0, 0, 3600, HS_PARAM_UNIT,
                          "slow states (fluids, haemolysis, ...): 0 = advanced beat by beat; "
                          "> 0 = once the fast circulation is periodic, jump them over at most "
                          "this much time with the last beat's rates, then re-settle the "
                          "circulation (hours-scale runs)",
                          "docs/model.md \"Slow states\"", NULL},
    [SOLVER_SLOW_MAX_CHANGE] = {"slow_max_change", HS_DIM_NONE, 0.05, 1e-4, 0.5, 0,
                                "largest relative change of a slow state in one macro step "
                                "(of |x| + its scale)",
                                "docs/model.md \"Slow states\"", NULL},
    [SOLVER_SLOW_MAX_VOLUME] = {"slow_max_volume", HS_DIM_VOLUME, 20, 0.1, 500, 0,
                                "largest blood-volume change (infusions, urine, losses) in one "
                                "macro step",
                                "docs/model.md \"Slow states\"", NULL},
    [SOLVER_SLOW_SETTLE] = {"slow_settle_beats", HS_DIM_NONE, 3, 1, 100, HS_PARAM_INTEGER,
                            "beats in a row within the steady-state tolerances of the fast "
                            "states before the next macro step",
                            "docs/model.md \"Slow states\"", NULL},
    [SOLVER_STEADY_PERIOD] = {"steady_period", HS_DIM_NONE, 1, 1, 6, HS_PARAM_INTEGER,
                              "beats in one period of the steady state: 1 for a circulation "
                              "that repeats every beat; n for a pattern of n beats: the "
                              "steady-state test and its acceleration then compare states n "
                              "beats apart. A device's own period (IABP at 1:n: n) is "
                              "combined with it (least common multiple) without setting it",
                              "docs/numerics.md", NULL},
    [SOLVER_SLOW_HOLD] = {"slow_hold", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                          "slow states (lung water and the plasma it takes, lactate, fluids, "
                          "haemolysis, tissue CO2) hold their values in timed runs too, as in "
                          "the steady-state search: the circulation over minutes without the "
                          "processes of hours (to compare a steady state with plain "
                          "integration); rates are still reported",
                          "docs/model.md \"Slow states\"", NULL},
};

const hs_block_type hs_type_heart = {"heart", HS_BLOCK_GLOBAL, HEART, HEART_NPARAM,
                                     "Heart rate, activation timing, pericardium, interaction.", NULL};
const hs_block_type hs_type_circulation = {"circulation", HS_BLOCK_GLOBAL, CIRC, CIRC_NPARAM,
                                           "Total blood volume and intrathoracic pressure.", NULL};
const hs_block_type hs_type_body = {"body", HS_BLOCK_GLOBAL, BODY, BODY_NPARAM,
                                    "Body size (drives blood volume and indexed values).", NULL};
const hs_block_type hs_type_solver = {"solver", HS_BLOCK_GLOBAL, SOLVER, SOLVER_NPARAM,
                                      "Integrator accuracy and steady-state detection.", NULL};
