/*
 * hemosim/sim.h - compiled plans, simulations and their measurements.
 *
 * hs_plan_compile() turns a checked model into an immutable plan.  A plan may be
 * shared read-only by any number of simulations in any number of threads; it
 * must outlive them.  A simulation (hs_sim) holds only its state, its own copy
 * of the parameters, its integrator and workspaces: one simulation is used by
 * one thread at a time, different simulations never share mutable data.
 *
 * Time runs beat by beat.  A beat starts at ventricular activation onset (the R
 * wave: end-diastole).  At the end of each beat the simulation computes the beat
 * metrics (HS_METRIC_LIST); hs_sim_run_to_steady() runs until the circulation is
 * periodic and hs_sim_summary() averages the last beats.
 *
 * Errors: every call returns an hs_status and fills the caller's hs_err.  A
 * non-physical state (NaN, negative volume) stops the run with a message naming
 * the time and the compartment; the simulation is then unusable (HS_ERR_STATE).
 */
#ifndef HEMOSIM_SIM_H
#define HEMOSIM_SIM_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Metric id, stable output name, unit, description.  Names are part of the API. */
#define HS_METRIC_LIST(X)                                                                     \
  X(HS_M_HR, "hr_bpm", "/min", "heart rate (undefined in fibrillation)")                      \
  X(HS_M_SBP, "sbp_mmhg", "mmHg", "systolic pressure, right upper-limb artery")              \
  X(HS_M_DBP, "dbp_mmhg", "mmHg", "diastolic pressure, right upper-limb artery")             \
  X(HS_M_MAP, "map_mmhg", "mmHg", "mean pressure, right upper-limb artery")                  \
  X(HS_M_PP, "pulse_pressure_mmhg", "mmHg", "arterial pulse pressure (SBP - DBP)")           \
  X(HS_M_CO, "co_lpm", "L/min", "total systemic blood flow (sum of systemic beds)")          \
  X(HS_M_LVO, "lv_output_lpm", "L/min", "net flow through the aortic valve")                 \
  X(HS_M_CI, "ci_lpm_m2", "L/min/m2", "cardiac index: co_lpm / body surface area (Du Bois)")   \
  X(HS_M_LVEDV, "lvedv_ml", "mL", "LV end-diastolic volume (at mitral closure)")              \
  X(HS_M_LVESV, "lvesv_ml", "mL", "smallest LV volume of the beat")                          \
  X(HS_M_LVEF, "lvef_pct", "%", "LV ejection fraction (EDV - ESV) / EDV")                    \
  X(HS_M_LVEDP, "lvedp_mmhg", "mmHg", "LV pressure at end-diastole (mitral closure)")         \
  X(HS_M_RVEDV, "rvedv_ml", "mL", "RV end-diastolic volume (at tricuspid closure)")           \
  X(HS_M_RVESV, "rvesv_ml", "mL", "smallest RV volume of the beat")                          \
  X(HS_M_PCWP, "pcwp_mmhg", "mmHg", "mean left atrial pressure (wedge)")                     \
  X(HS_M_CVP, "cvp_mmhg", "mmHg", "mean right atrial pressure")                              \
  X(HS_M_SPAP, "spap_mmhg", "mmHg", "systolic pulmonary artery pressure")                    \
  X(HS_M_DPAP, "dpap_mmhg", "mmHg", "diastolic pulmonary artery pressure")                   \
  X(HS_M_MPAP, "mpap_mmhg", "mmHg", "mean pulmonary artery pressure")                        \
  X(HS_M_AVOPEN, "av_open_fraction", "", "fraction of beats in which the aortic valve opened and the LV ejected") \
  X(HS_M_CPP, "coronary_perfusion_pressure_mmhg", "mmHg",                                   \
    "mean aortic-root pressure in diastole (aortic valve closed) - LVEDP")                    \
  X(HS_M_SW, "lv_stroke_work_mmhg_ml", "mmHg*mL", "LV stroke work: loop area, integral P dV")  \
  X(HS_M_PVA, "lv_pva_mmhg_ml", "mmHg*mL", "LV pressure-volume area (stroke work + potential energy)") \
  X(HS_M_SPTI, "lv_spti_mmhg_s_min", "mmHg*s/min",                                           \
    "LV systolic pressure-time index: integral of LV pressure while the aortic valve is open, per minute") \
  X(HS_M_PAPI, "papi", "", "pulmonary artery pulsatility index (sPAP - dPAP) / CVP (Korabathina 2012)") \
  X(HS_M_TBV, "total_blood_volume_ml", "mL", "total blood volume in the model and devices")   \
  X(HS_M_SAO2U, "sao2_upper_pct", "%", "O2 saturation, right upper-limb artery")              \
  X(HS_M_SAO2L, "sao2_lower_pct", "%", "O2 saturation, femoral artery (lower_arteries)")      \
  X(HS_M_SVO2, "svo2_pct", "%", "mixed venous O2 saturation (pulmonary artery; undefined without pulmonary flow)")              \
  X(HS_M_PAO2U, "pao2_upper_mmhg", "mmHg", "arterial PO2, right upper-limb artery")           \
  X(HS_M_DO2, "do2_body_mlmin", "mL/min", "O2 delivery: O2 carried into all systemic beds")   \
  X(HS_M_DO2B, "do2_brain_mlmin", "mL/min", "O2 delivery to the brain (cerebral beds)")       \
  X(HS_M_DO2H, "do2_heart_mlmin", "mL/min", "O2 delivery to the myocardium (coronary beds)")  \
  X(HS_M_VO2, "vo2_mlmin", "mL/min", "O2 consumption of all tissues")                         \
  X(HS_M_O2LUNG, "o2_uptake_lung_mlmin", "mL/min", "O2 taken up in the lungs")               \
  X(HS_M_O2OXY, "o2_uptake_oxygenator_mlmin", "mL/min", "O2 taken up in membrane lungs")  \
  X(HS_M_VIS, "vasoactive_inotropic_score", "", "vasoactive-inotropic score of the infusions (Gaies 2010)") \
  X(HS_M_ICP, "icp_mmhg", "mmHg", "mean intracranial pressure")                               \
  X(HS_M_CEPP, "cerebral_perfusion_pressure_mmhg", "mmHg", "CPP = MAP - ICP")                \
  X(HS_M_CBFL, "cbf_left_ml100gmin", "mL/100 g/min", "left hemisphere blood flow")           \
  X(HS_M_CBFR, "cbf_right_ml100gmin", "mL/100 g/min", "right hemisphere blood flow")         \
  X(HS_M_CBFLM, "cbf_left_mca_ml100gmin", "mL/100 g/min", "left MCA territory blood flow")   \
  X(HS_M_CBFRM, "cbf_right_mca_ml100gmin", "mL/100 g/min", "right MCA territory blood flow") \
  X(HS_M_TLPSV, "tcd_left_psv_cms", "cm/s", "left MCA peak systolic velocity")               \
  X(HS_M_TLEDV, "tcd_left_edv_cms", "cm/s", "left MCA end-diastolic velocity")               \
  X(HS_M_TLMV, "tcd_left_mean_cms", "cm/s", "left MCA time-mean velocity")                   \
  X(HS_M_TLPI, "tcd_left_pi", "", "left MCA Gosling pulsatility index (PSV - EDV) / mean")   \
  X(HS_M_TRPSV, "tcd_right_psv_cms", "cm/s", "right MCA peak systolic velocity")             \
  X(HS_M_TREDV, "tcd_right_edv_cms", "cm/s", "right MCA end-diastolic velocity")             \
  X(HS_M_TRMV, "tcd_right_mean_cms", "cm/s", "right MCA time-mean velocity")                 \
  X(HS_M_TRPI, "tcd_right_pi", "", "right MCA Gosling pulsatility index")                    \
  X(HS_M_BPC, "bp_controller_factor", "", "systemic resistance factor set by the MAP / blood-pressure controller") \
  X(HS_M_NE_EQ, "norepinephrine_equiv_ugkgmin", "ug/kg/min", "the MAP controller's norepinephrine dose (its vasoconstriction; 0 when dilating or off; an infusion of the drugs block is not counted: vasoactive_inotropic_score)") \
  X(HS_M_NTP_EQ, "nitroprusside_equiv_ugkgmin", "ug/kg/min", "the MAP controller's nitroprusside dose (its vasodilation; 0 when constricting or off; an infusion of the drugs block is not counted)") \
  X(HS_M_RVO, "rv_output_lpm", "L/min",                                                     \
    "net flow through the pulmonary valve: the RV's own output (thermodilution: pulmonary_flow_lpm)") \
  X(HS_M_DO2I, "do2i_mlmin_m2", "mL/min/m2", "O2 delivery index: do2_body_mlmin / body surface area") \
  X(HS_M_SVO2D, "svo2_drained_pct", "%",                                                    \
    "O2 saturation of the blood drained into the first oxygenating device (pre-oxygenator); NaN without one") \
  X(HS_M_CPO, "cpo_w", "W", "cardiac power output of the native LV: MAP x lv_output_lpm / 451 (Fincke 2004)") \
  X(HS_M_CPI, "cpi_w_m2", "W/m2", "cardiac power index: cpo_w / body surface area")           \
  X(HS_M_CPO_TOTAL, "cpo_total_w", "W",                                                         \
    "power into the systemic circulation from the heart and every pump: MAP x co_lpm / 451")  \
  X(HS_M_SVR, "svr_dyn_s_cm5", "dyn*s/cm5", "systemic vascular resistance 80 (MAP - CVP) / co_lpm") \
  X(HS_M_PVR, "pvr_dyn_s_cm5", "dyn*s/cm5", "pulmonary vascular resistance 80 (mPAP - PCWP) / pulmonary_flow_lpm") \
  X(HS_M_EA, "lv_ea_mmhg_ml", "mmHg/mL", "effective arterial elastance Pes / SV (Kelly 1992)")  \
  X(HS_M_EAEES, "ea_ees", "", "ventriculo-arterial coupling Ea / Ees = (Ves - V0) / SV")       \
  X(HS_M_WSTRESS, "lv_es_wall_stress_kpa", "kPa",                                          \
    "LV end-systolic fibre stress Pes (1 + 3 Ves / Vwall), Vwall 150 mL (Arts 1991)")         \
  X(HS_M_EVLW, "evlw_ml", "mL", "extravascular lung water (slow state, docs/model.md 2.16)")   \
  X(HS_M_EVLWI, "evlwi_ml_kg", "mL/kg", "extravascular lung water per kg body weight")        \
  X(HS_M_EVLW_RATE, "evlw_rate_ml_h", "mL/h", "rate of change of lung water: filtration - lymph") \
  X(HS_M_LUNG_FILT, "lung_filtration_ml_h", "mL/h", "pulmonary capillary filtration (Starling)") \
  X(HS_M_PCAP, "pulmonary_capillary_pressure_mmhg", "mmHg",                                  \
    "pulmonary capillary pressure PCWP + 0.4 (mPAP - PCWP) (Gaar 1967)")                     \
  X(HS_M_SHUNT, "shunt_pct", "%", "intrapulmonary shunt: oxygen.shunt_fraction + lung water") \
  X(HS_M_LACT, "lactate_mmol_l", "mmol/L", "arterial lactate (slow state, docs/model.md 2.17)") \
  X(HS_M_LACT_EQ, "lactate_steady_mmol_l", "mmol/L",                                         \
    "lactate this circulation settles at: production / clearance (NaN without circulation: no plateau)") \
  X(HS_M_LACT_PROD, "lactate_production_mmol_h", "mmol/h", "lactate production (basal + below critical O2 extraction + epinephrine)") \
  X(HS_M_LACT_ADR, "lactate_adrenergic_mmol_h", "mmol/h", "the part of lactate_production_mmol_h made by an epinephrine infusion (aerobic, beta-2)") \
  X(HS_M_LACT_CL, "lactate_clearance_ml_min", "mL/min", "lactate clearance (hepatic part follows splanchnic flow)") \
  X(HS_M_O2DEF, "o2_deficit_mlmin", "mL/min",                                                \
    "O2 demand unmet at the critical extraction ratio, summed over beds")                   \
  X(HS_M_BE, "base_excess_mmol_l", "mmol/L", "base excess: lactate.base_excess - (lactate - normal)") \
  X(HS_M_HB, "hemoglobin_gdl", "g/dL", "haemoglobin now: oxygen.hemoglobin x dilution / transfusion (fluids)") \
  X(HS_M_RPP, "renal_perfusion_mmhg", "mmHg", "renal perfusion pressure MAP - CVP")           \
  X(HS_M_URINE, "urine_mlh", "mL/h", "urine output from the renal function curve (fluids)")  \
  X(HS_M_FLUID_IN, "fluid_in_ml", "mL", "fluid given since the start: crystalloid + colloid + red cells") \
  X(HS_M_URINE_TOTAL, "urine_ml", "mL", "urine since the start")                             \
  X(HS_M_BLOOD_LOSS, "blood_loss_ml", "mL", "blood lost since the start")                    \
  X(HS_M_BALANCE, "fluid_balance_ml", "mL", "fluid balance: in - urine - blood loss")        \
  X(HS_M_PFHB, "plasma_free_hb_mgdl", "mg/dL", "plasma free haemoglobin (haemolysis > 50 mg/dL, ELSO)") \
  X(HS_M_HEMO_RATE, "hemolysis_mgh", "mg/h", "free Hb released by the pumps")               \
  X(HS_M_PFHB_EQ, "plasma_free_hb_eq_mgdl", "mg/dL", "plasma free Hb this beat's pumping leads to if it continues")   \
  X(HS_M_CBFLP, "cbf_left_pca_ml100gmin", "mL/100 g/min", "left PCA territory blood flow")   \
  X(HS_M_CBFRP, "cbf_right_pca_ml100gmin", "mL/100 g/min", "right PCA territory blood flow") \
  X(HS_M_CBFPF, "cbf_posterior_fossa_ml100gmin", "mL/100 g/min",                            \
    "posterior fossa (brainstem, cerebellum) blood flow") \
  X(HS_M_PACO2U, "paco2_upper_mmhg", "mmHg", "arterial PCO2, right upper-limb artery (docs/model.md 2.19)") \
  X(HS_M_PACO2L, "paco2_lower_mmhg", "mmHg", "arterial PCO2, femoral artery (lower_arteries)")  \
  X(HS_M_PVCO2, "pvco2_mmhg", "mmHg", "mixed venous PCO2 (pulmonary artery)")                 \
  X(HS_M_ETCO2, "etco2_mmhg", "mmHg", "end-tidal PCO2: (1 - alveolar dead space) x alveolar PCO2") \
  X(HS_M_PH, "ph_upper", "", "arterial pH, right upper-limb artery (Henderson-Hasselbalch, Van Slyke)") \
  X(HS_M_HCO3, "hco3_upper_mmol_l", "mmol/L", "arterial plasma bicarbonate, right upper-limb artery") \
  X(HS_M_VCO2, "vco2_mlmin", "mL/min", "CO2 production of all tissues (RQ x O2 consumption)")  \
  X(HS_M_CO2LUNG, "co2_removal_lung_mlmin", "mL/min", "CO2 given off in the lungs")            \
  X(HS_M_CO2OXY, "co2_removal_oxygenator_mlmin", "mL/min", "CO2 removed by membrane lungs (sweep gas)") \
  X(HS_M_PTCO2, "tissue_pco2_mmhg", "mmHg", "PCO2 of the slow (muscle) tissue CO2 store (docs/model.md 2.19)") \
  X(HS_M_CO2TIS, "co2_tissue_uptake_mlmin", "mL/min", "CO2 taken up by the tissue stores (negative: released)") \
  X(HS_M_PVCO2D, "pvco2_drained_mmhg", "mmHg",                                               \
    "PCO2 of the blood drained into the first oxygenating device (pre-oxygenator); NaN without one") \
  X(HS_M_MRV, "mr_volume_ml", "mL", "mitral regurgitant volume: backward flow through the mitral valve per beat") \
  X(HS_M_MRF, "mr_fraction_pct", "%",                                                        \
    "mitral regurgitant fraction: mr_volume_ml / LV stroke volume (EDV - ESV)")            \
  X(HS_M_LVSV, "lv_sv_ml", "mL",                                                             \
    "LV stroke volume LVEDV - LVESV: the loop's width, regurgitant and device-drained volume included") \
  X(HS_M_LVESP, "lv_esp_mmhg", "mmHg", "LV end-systolic pressure: LV pressure at peak activation (the PVA end-systolic point)") \
  X(HS_M_PACO2B, "paco2_brain_mmhg", "mmHg",                                                 \
    "arterial PCO2 of the blood entering the autoregulated cerebral beds (flow-weighted; on femoral VA-ECMO the native lungs' share); NaN without cerebral flow") \
  X(HS_M_CO2F, "cbf_co2_factor", "",                                                         \
    "CO2 reactivity: its part of the factor on the flow the autoregulated cerebral beds defend, x their autoregulation_flow (docs/brain.md)") \
  X(HS_M_CAO2B, "cao2_brain_mldl", "mL/dL",                                                 \
    "O2 content of the blood entering the autoregulated cerebral beds (flow-weighted; on femoral VA-ECMO the native lungs' and the oxygenator's share); NaN without cerebral flow") \
  X(HS_M_O2F, "cbf_o2_factor", "",                                                          \
    "O2 reactivity (hypoxic vasodilation): the factor on the flow the autoregulated cerebral beds defend (docs/brain.md)") \
  X(HS_M_COR_FLOW, "coronary_flow_mlmin", "mL/min", "coronary blood flow: mean flow of the coronary beds") \
  X(HS_M_COR_ER, "heart_o2_extraction", "",                                                 \
    "myocardial O2 extraction ratio: O2 demand / O2 delivery of the coronary beds (0.70 at rest; > 1: delivery short of demand; NaN when the delivery is below 1 % of the demand)") \
  X(HS_M_COR_ERCRIT, "heart_critical_extraction", "",                                      \
    "the myocardium's critical O2 extraction: the extraction at which its venous blood reaches the critical coronary venous PO2 (coronary.critical_venous_po2; 0.78 at a normal arterial O2 content; docs/model.md 2.20)") \
  X(HS_M_COR_PVO2, "coronary_venous_po2_mmhg", "mmHg",                                     \
    "PO2 of the myocardium's venous blood: its arterial O2 content less the demand over the coronary flow (~18-20 mmHg at rest; 0 when the demand exceeds the delivery)") \
  X(HS_M_COR_TONE, "coronary_tone", "",                                                     \
    "resistance of the coronary beds x their resting value, set by metabolic autoregulation (docs/model.md 2.20)") \
  X(HS_M_RVPVA, "rv_pva_mmhg_ml", "mmHg*mL", "RV pressure-volume area (stroke work + potential energy at peak activation)") \
  X(HS_M_MVO2, "mvo2_mlmin", "mL/min",                                                      \
    "myocardial O2 demand: basal + excitation-contraction coupling + the ventricles' pressure-volume area (Suga; docs/model.md 2.21)") \
  X(HS_M_TPG, "tpg_mmhg", "mmHg", "transpulmonary gradient mPAP - PCWP")                      \
  X(HS_M_DPG, "dpg_mmhg", "mmHg",                                                           \
    "diastolic pulmonary gradient: PA diastolic pressure - PCWP (>= 7 mmHg: a pre-capillary component of PH due to left heart disease)") \
  X(HS_M_QP, "pulmonary_flow_lpm", "L/min",                                                 \
    "flow entering the pulmonary artery: rv_output_lpm plus a right-sided pump's (Impella RP); what thermodilution measures (on VA-ECMO: not total flow)") \
  X(HS_M_ISCH, "ischaemic_contractility", "",                                               \
    "the LV's contractility x what it is with an adequate O2 supply, left by the myocardium's O2 supply (1: aerobic or the ischaemia module off; < 1 where the demand exceeds the critical extraction of the coronary O2 delivery; docs/model.md 2.22)")

typedef enum hs_metric_id {
#define HS_X_ID(id, name, unit, doc) id,
  HS_METRIC_LIST(HS_X_ID)
#undef HS_X_ID
      HS_METRIC_COUNT
} hs_metric_id;

const char *hs_metric_name(hs_metric_id id);
const char *hs_metric_unit(hs_metric_id id);
const char *hs_metric_doc(hs_metric_id id);
/* -1 if unknown */
int hs_metric_find(const char *name);

typedef struct hs_plan hs_plan;

/* Check (hs_model_check) and compile; caller frees with hs_plan_free(). */
hs_plan *hs_plan_compile(const hs_model *m, hs_err *err);
void hs_plan_free(hs_plan *plan); /* NULL is a no-op */

size_t hs_plan_node_count(const hs_plan *plan);
size_t hs_plan_edge_count(const hs_plan *plan);
const char *hs_plan_node_name(const hs_plan *plan, size_t i);
const char *hs_plan_edge_name(const hs_plan *plan, size_t i);
int hs_plan_node_find(const hs_plan *plan, const char *name); /* -1 if absent */
int hs_plan_edge_find(const hs_plan *plan, const char *name);
const char *hs_plan_model_name(const hs_plan *plan);
/* Node index port `port` of device `device` is bound to; -1 if no such device or port. */
int hs_plan_device_port_node(const hs_plan *plan, const char *device, size_t port);

typedef struct hs_sim hs_sim;

/* A simulation at its initial state: the heart at rest, all blood at the mean
   filling pressure that puts the total blood volume in the circuit. */
hs_sim *hs_sim_new(const hs_plan *plan, hs_err *err);
void hs_sim_free(hs_sim *sim); /* NULL is a no-op */

/* Back to the state of hs_sim_new(plan): the plan's parameters, the initial state,
   t = 0, no beats, no scheduled events, no sample or beat callback.  Reuses the
   simulation's memory: a cohort runs many parameter sets of one compiled plan with
   one simulation (reset, hs_sim_set..., run), and the results are bit-identical to
   those of a new simulation.  On error (the plan's parameters cannot start) the
   simulation must be freed. */
hs_status hs_sim_reset(hs_sim *sim, hs_err *err);

/* Change a parameter now ("lv.ees", internal unit); range-checked. */
hs_status hs_sim_set(hs_sim *sim, const char *path, double value, hs_err *err);
hs_status hs_sim_set_text(hs_sim *sim, const char *path, const char *text, hs_err *err);
hs_status hs_sim_get(const hs_sim *sim, const char *path, double *out, hs_err *err);
/*
 * Integrate with the given integrator type (hemosim/ode.h) instead of the one
 * solver.method names, from the current time on: one defined outside the
 * library works like a built-in.  The type must outlive the simulation; setting
 * solver.method later returns to a built-in.  The running integrals are kept.
 */
struct hs_ode_type;
hs_status hs_sim_set_integrator(hs_sim *sim, const struct hs_ode_type *type, hs_err *err);
/* Name of the integrator in use ("dopri5", "bdf", "adams" or a custom type's name). */
const char *hs_sim_integrator_name(const hs_sim *sim);

/* Convert text ("95 /min", "true") to the internal value of a parameter, range-checked. */
hs_status hs_sim_parse_value(const hs_sim *sim, const char *path, const char *text, double *out,
                             hs_err *err);
/* Schedule a parameter change at absolute time t (>= now).  Parameters that cannot
   change during a run (blood volume, structural flags) are refused here. */
hs_status hs_sim_schedule(hs_sim *sim, double t, const char *path, double value, hs_err *err);
/* Pending scheduled changes, and removal of the n most recently scheduled ones. */
size_t hs_sim_scheduled(const hs_sim *sim);
void hs_sim_unschedule_last(hs_sim *sim, size_t n);

/* Advance. */
hs_status hs_sim_run(hs_sim *sim, double duration_s, hs_err *err);
hs_status hs_sim_run_beats(hs_sim *sim, long beats, hs_err *err);

typedef struct hs_steady_info {
  int reached;        /* 1 if every state kind's beat-to-beat change fell below its
                         tolerance (solver.steady_tol*, docs/numerics.md) */
  long beats;         /* beats run until then (or until max_beats) */
  double time_s;      /* simulated time at that point */
  double last_change; /* largest beat-to-beat end-diastolic volume change, mL */
  int accel_jumps;    /* accelerated (Anderson) steps taken (solver.steady_accel) */
  int accel_fallback; /* 1: acceleration was abandoned or not usable (see accel_reason);
                         the state is the one plain integration reaches */
  int csf_steps;      /* CSF-balance (ICP) solve steps taken */
  int lh_steps;       /* left-heart filling-balance steps taken (a non-ejecting LV) */
  int gas_steps;      /* blood-gas steps taken while the arterial blood gases act on the
                         haemodynamics (the brain's CO2 / O2 reactivity): each puts the CO2
                         contents at their balance (those of the O2 warm start and the
                         settling also the O2 at its fixed point) */
  int settle_steps;   /* outer fixed-point steps of a module between periodic solves (the
                         LV's contractility matched to its O2 supply, ischaemia): each
                         repeated the solve from the state before, warm */
  double icp_imbalance_mmhg; /* last beat's CSF imbalance x outflow resistance, mmHg */
  char accel_reason[160];    /* why acceleration fell back ("" if it did not) */
} hs_steady_info;

/* Run until periodic steady state (solver.steady_tol*, solver.max_beats), then
   solver.window_beats more beats for the summary.  Not reaching steady state is
   reported in info (reached = 0) and returns HS_ERR_NOT_STEADY with a message. */
hs_status hs_sim_run_to_steady(hs_sim *sim, hs_steady_info *info, hs_err *err);

/*
 * Warm start.  A simulation can start from the state of another one - a neighbour in a
 * flow sweep, another strategy for the same patient, a neighbouring patient of a cohort -
 * instead of from rest, so that hs_sim_run_to_steady() has less to do.  The steady state
 * is verified by integration, but it is the one reached from the start: where the model
 * has two (perfusion-contraction matching: an LV that still contracts, and one that has
 * spiralled down, docs/model.md 2.22), the start decides which.  States are
 * taken and set at a beat start (end-diastole): a new simulation, or one after
 * hs_sim_run_beats() / hs_sim_run_to_steady(); anything else is refused.
 *
 * hs_sim_get_state / hs_sim_set_state: the whole dynamic state as hs_sim_state_size()
 * values (every state variable in the plan's layout, then the slow states of the
 * physiological modules - fluid balance, haemoglobin dilution, plasma free Hb, ... -
 * docs/model.md "Slow states"; the MAP / BP controller's factor is not included); the layout is only meaningful for simulations of the same plan (or of plans
 * compiled from models with the same structure).  set_state checks the size, finiteness
 * and positive volumes.
 * hs_sim_copy_state: copies src's state into dst, matching nodes and edges by name and
 * devices by name and type (what src lacks keeps dst's own state: a device added in dst
 * starts from rest), and scales the node volumes so that dst keeps its own blood volume.
 */
size_t hs_sim_state_size(const hs_sim *sim);
hs_status hs_sim_get_state(const hs_sim *sim, double *state, size_t n, hs_err *err);
hs_status hs_sim_set_state(hs_sim *sim, const double *state, size_t n, hs_err *err);
hs_status hs_sim_copy_state(hs_sim *dst, const hs_sim *src, hs_err *err);

double hs_sim_time(const hs_sim *sim);
long hs_sim_beats(const hs_sim *sim);

/* Metrics of the last completed beat. */
hs_status hs_sim_last_beat(const hs_sim *sim, double out[HS_METRIC_COUNT], hs_err *err);
/* Mean over the last `window` completed beats (window <= 64); av_open_fraction
   is the fraction of those beats in which the aortic valve opened. */
hs_status hs_sim_summary(const hs_sim *sim, int window, double out[HS_METRIC_COUNT],
                         hs_err *err);

/*
 * All metrics: the HS_METRIC_LIST ones, then one per device output, named
 * "<device>_<output>" (e.g. "ecmo_flow_lpm").  Indices 0..HS_METRIC_COUNT-1 are
 * the hs_metric_id values.
 */
size_t hs_sim_metric_count(const hs_sim *sim);
const char *hs_sim_metric_name(const hs_sim *sim, size_t i, char *buf, size_t n);
const char *hs_sim_metric_unit(const hs_sim *sim, size_t i);
/* Mean over the last `window` beats of every metric (out has hs_sim_metric_count values). */
hs_status hs_sim_summary_all(const hs_sim *sim, int window, double *out, hs_err *err);
/* Per node, mean over the last `window` beats: pressure (mmHg), O2 saturation (%)
   and the share of blood that came through an oxygenating device since its last
   capillary bed (%).  Any output array may be NULL. */
hs_status hs_sim_site_summary(const hs_sim *sim, int window, double *p_mmhg, double *so2_pct,
                              double *device_blood_pct, hs_err *err);
/* Where native and device blood meet in the aorta: the first node along
   aortic_root -> arch -> desc_aorta -> abd_aorta -> lower_arteries whose blood is
   at least half device blood ("none" without device blood in the aorta). */
const char *hs_sim_mixing_zone(const hs_sim *sim, const double *device_blood_pct);
const hs_plan *hs_sim_plan(const hs_sim *sim);

/* Instantaneous values at the current time. */
double hs_sim_volume(const hs_sim *sim, size_t node);
double hs_sim_pressure(const hs_sim *sim, size_t node);
double hs_sim_flow(const hs_sim *sim, size_t edge);
double hs_sim_total_volume(const hs_sim *sim);
/* mL the physiological modules have moved across the vessel walls into the blood since
   the run began (negative: out): fluids given, urine and blood lost (fluids), lung
   filtration out and lymph back (lung_water).  hs_sim_total_volume() minus this is
   conserved by the integration. */
double hs_sim_fluid_exchanged(const hs_sim *sim);

/* Called at each sample time with all node pressures/volumes and edge flows. */
typedef struct hs_sample {
  double t;
  const double *pressure; /* per node, mmHg */
  const double *volume;   /* per node, mL */
  const double *flow;     /* per edge, mL/s */
  double ventricular_activation, atrial_activation;
} hs_sample;
typedef int (*hs_sample_fn)(const hs_sample *s, void *ud); /* non-zero stops the run */

/* Sample every dt seconds from now on (dt > 0), or stop sampling (fn NULL). */
hs_status hs_sim_set_sampler(hs_sim *sim, double dt, hs_sample_fn fn, void *ud, hs_err *err);

/* Called after every completed beat with its metrics: hs_sim_metric_count(sim) values
   (the HS_METRIC_LIST ones, then the device outputs). Non-zero stops the run. */
typedef int (*hs_beat_fn)(long beat, double t_end, const double m[HS_METRIC_COUNT], void *ud);
void hs_sim_set_beat_callback(hs_sim *sim, hs_beat_fn fn, void *ud);

typedef struct hs_sim_stats {
  long steps, rhs_evals, jac_evals, restarts, valve_events, beats;
  double simulated_s;
  long slow_jumps;       /* macro steps of the slow states (solver.slow_step) */
  double slow_jumped_s;  /* simulated time they covered (no beats integrated there) */
  double slow_lh_ml;     /* blood they moved into the left heart while the LV did not
                            eject (its filling from the bronchial circulation, advanced with
                            the slow states), mL */
  double slow_held_s;    /* simulated time they were held: the LV did not eject and the
                            model has no separate left-heart pool to advance */
} hs_sim_stats;
void hs_sim_get_stats(const hs_sim *sim, hs_sim_stats *out);

#ifdef __cplusplus
}
#endif
#endif
