/*
 * hemosim/compare.h - decision support for LV unloading on VA-ECMO, reasoning as the
 * ECMO team does (docs/decision.md).
 *
 * Targets: PCWP below 20 mmHg, MAP >= 65 mmHg and adequate perfusion (O2 delivery
 * index and the saturation of the drained venous blood); aortic-valve opening is a
 * stasis-risk finding, not a target.  Context (open chest, LV thrombus, aortic
 * regurgitation, peripheral arterial disease, mechanical aortic valve, devices
 * available ...) excludes contraindicated devices, with the reason.
 *
 * Strategies: every device family and size/level in the model, alone on ECMO and in
 * clinical combinations (ECMO + IABP + vent, ECPELLA ...).  For each, the ECMO flow is
 * re-titrated to the least flow that holds MAP and perfusion (bisection on a grid of
 * ecmo.target_flow), as the team would; then PCWP is checked.
 *
 * Stepped escalation: (1) ECMO flow and drugs -> (2) IABP -> (3) percutaneous LV pump
 * (Impella preferred, TandemHeart) -> (4) atrial septostomy, transseptal LA vent and
 * the other percutaneous vents -> (5) surgical vent or central ECMO converted to a
 * temporary LVAD.  The recommendation is the first step with a strategy meeting every
 * target; each cheaper step gets the reason it was not enough.
 *
 * Every strategy also reports complication-risk indices (LV / aortic-root stasis,
 * haemolysis, lung ischaemia, limb ischaemia, differential hypoxaemia, bleeding burden
 * of the access, LA / LV suction), each with its threshold and source (docs/decision.md).
 * A strategy that cannot run is a failed row with its reason, never an abort.
 */
#ifndef HEMOSIM_COMPARE_H
#define HEMOSIM_COMPARE_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/model.h"
#include "hemosim/output.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- targets -------------------------------------------------------------- */

enum { HS_TGT_PCWP, HS_TGT_MAP, HS_TGT_DO2I, HS_TGT_SVO2, HS_TGT_SAO2U, HS_TGT_N };

typedef struct hs_targets {
  double pcwp_max_mmhg; /* 20: PCWP must be below (unloaded) */
  double map_min_mmhg;  /* 65 */
  double do2i_min;      /* 330 mL/min/m2: critical O2 delivery (Shibutani 1983) */
  double svo2_min_pct;  /* 60 %: drained-blood (pre-oxygenator) saturation floor */
  double sao2_upper_min_pct; /* 90 %: right-arm (upper-body) SaO2 floor - differential
                                hypoxaemia with femoral return (docs/decision.md); 0: off */
  double flow_min_lpm;  /* 1.5 L/min: least ECMO flow the titration may choose */
  double flow_max_lpm;  /* 5.0 L/min: most ECMO flow */
  double flow_step_lpm; /* 0.25 L/min: titration resolution */
  double lactate_max_mmol_l; /* 0 (default): not a target; else perfusion also needs the
                                lactate plateau of the circulation (lactate_steady_mmol_l,
                                docs/model.md 2.17) at or below it, e.g. 2 mmol/L */
  double psvd_min_mm_mm2; /* 0 (default): not a target; else perfusion also needs the
                             sublingual PSVD the microcirculation model predicts
                             (psvd_model_mm_mm2, docs/decision.md "Microcirculation and
                             brain") at or above it, e.g. 16.2 mm/mm2 (Yeh 2018) */
  double heart_er_max; /* perfusion also needs the myocardium's O2 demand over its
                          delivery (heart_o2_extraction, docs/model.md 2.20-2.21) at or
                          below a limit: HS_HEART_ER_CRITICAL (the default, "critical"):
                          its critical extraction at that state, above which it turns
                          anaerobic (the extraction that brings its venous blood to the
                          critical coronary venous PO2, Walley 1997; 0.78 at a normal
                          arterial O2 content); a number in (0, 1.5]: that fixed limit;
                          0: not a target */
  double cvp_max_mmhg; /* 0 (default): not a target; else the venous congestion limit: CVP
                          at or below it, e.g. 12 mmHg in RV failure (docs/decision.md) */
} hs_targets;

void hs_targets_default(hs_targets *t);
/* Name of target k ("PCWP", "MAP", "DO2 index", "drained-blood SvO2", "upper-body SaO2"). */
const char *hs_target_name(int k);
/* One target from text: name pcwp_max, map_min, do2i_min, svo2_min, sao2_upper_min,
   flow_min, flow_max, flow_step, lactate_max, psvd_min, heart_er_max, cvp_max; value with or without unit ("18 mmHg", "2.4 kPa", "3 L/min").  Errors
   name the field, the value and the accepted range. */
hs_status hs_targets_set(hs_targets *t, const char *name, const char *value, hs_err *err);

/* hs_targets.heart_er_max's default ("critical"): each state's own critical extraction
   (HS_CMP_HEART_ERCRIT: the extraction at the critical coronary venous PO2, Walley KR, et
   al. Am J Respir Crit Care Med 1997;155:222), the one the model's lactate and
   perfusion-contraction matching use.  With the heart not a target the answer names a
   strategy that keeps the heart below it when the recommendation does not
   (hs_compare_result.heart_note). */
#define HS_HEART_ER_CRITICAL (-1.0)

/* What an answer (compare's recommendation, optimize's chosen or closest point) adds when
   its state did not reach the periodic steady state (hs_compare_row.steady == 0). */
#define HS_UNSTEADY_NOTE                                                                   \
  "its periodic steady state was not reached within solver.max_beats: the values are "    \
  "those of its last beats, to be confirmed with a longer run before acting on them"

/* The targets agree with each other (flow_min below flow_max); hs_targets_set checks one
   field alone, so call this once after setting several (hs_targets_load does). */
hs_status hs_targets_check(const hs_targets *t, hs_err *err);

/* ---- context -------------------------------------------------------------- */

typedef enum hs_family {
  HS_FAM_DRUG,
  HS_FAM_IABP,
  HS_FAM_IMPELLA,
  HS_FAM_TANDEMHEART,
  HS_FAM_SEPTOSTOMY,
  HS_FAM_LA_VENT,
  HS_FAM_PA_VENT,
  HS_FAM_PIGTAIL,
  HS_FAM_SURGICAL_VENT,
  HS_FAM_LVAD,
  HS_FAM_RV_PUMP, /* right-sided pump (Impella RP) */
  HS_FAM_N
} hs_family;
const char *hs_family_name(int f); /* "drug", "iabp", "impella", "tandemheart", ...,
                                      "impella_rp" */

enum { HS_GRADE_NONE, HS_GRADE_MILD, HS_GRADE_MODERATE, HS_GRADE_SEVERE };

typedef struct hs_context {
  int open_chest;          /* chest open (post-cardiotomy): surgical options without new sternotomy */
  int surgery_acceptable;  /* 1: a sternotomy / thoracotomy may be done (default 1) */
  int lv_thrombus;         /* LV thrombus */
  int la_thrombus;         /* left-atrial / appendage thrombus */
  int ar_grade;            /* aortic regurgitation, HS_GRADE_* */
  int pad_grade;           /* peripheral arterial disease (iliofemoral), HS_GRADE_* */
  int mechanical_av;       /* mechanical aortic valve prosthesis */
  int vsd;                 /* ventricular septal defect / rupture */
  int anticoag_limited;    /* anticoagulation limited (bleeding, HIT ...) */
  int distal_perfusion;    /* distal perfusion cannula in the femoral return limb */
  int right_heart_thrombus; /* thrombus in the RA, RV or pulmonary artery */
  int ivc_filter;          /* vena cava filter / interruption, or iliofemoral venous thrombosis */
  int prosthetic_right_valve; /* prosthetic tricuspid or pulmonary valve */
  unsigned unavailable;    /* bit (1u << hs_family) set: device family not available */
  /* Set by compare and optimize (hs_context_default: 0): the effective regurgitant
     orifice area of the aortic valve that was simulated, cm^2 (0: competent), and
     whether it came from the patient file (1) or stands for ar_grade (0). */
  double ar_eroa_cm2;
  int ar_from_patient;
  /* Set by compare and optimize from the patient (hs_context_default: 0): its heart has no
     cardiac cycle (heart.rhythm vf: ventricular fibrillation / arrest), so a balloon has
     nothing to time its inflation to. */
  int no_cardiac_cycle;
} hs_context;

void hs_context_default(hs_context *c);
/* One context item from text: "lv_thrombus", "lv_thrombus=false", "ar=moderate",
   "pad=severe", "unavailable=impella+tandemheart", ... (docs/decision.md). */
hs_status hs_context_set(hs_context *c, const char *item, hs_err *err);

/* Targets/context file (YAML or JSON, docs/decision.md):
     hemosim_targets: 1
     pcwp_max: 20 mmHg        map_min: 65 mmHg   do2i_min: 330   svo2_min: 60
     flow_min: 1.5 L/min      flow_max: 5 L/min  flow_step: 0.25 L/min
     context: {lv_thrombus: true, aortic_regurgitation: moderate, unavailable: [impella]}
     strategies: ["ecmo+impella_cp:P6", ...]      (optional)
   Every field optional.  c and strategies may be NULL; *strategies (if given) receives
   a NULL-terminated array of strategy texts (free with hs_strategy_list_free), or NULL
   when the file has none.  Errors carry file:line:col, the field, value and range. */
hs_status hs_targets_load(const char *path, hs_targets *t, hs_context *c, char ***strategies,
                          hs_err *err);
void hs_strategy_list_free(char **list);

/* ---- strategies ------------------------------------------------------------ */

/* Escalation steps (the clinical order). */
enum {
  HS_STEP_FLOW_DRUGS = 1,
  HS_STEP_IABP = 2,
  HS_STEP_PUMP = 3,
  HS_STEP_ATRIAL = 4,
  HS_STEP_SURGICAL = 5,
  HS_STEP_N = 6
};
const char *hs_step_name(int step); /* "ECMO flow and drugs", "IABP", ... */

/* Check a strategy text (docs/decision.md, "Strategy syntax"), e.g.
   "ecmo+impella_cp:P6", "ecmo:3.5+iabp:1:1+la_vent:17Fr", "ecmo+septostomy:10mm".
   label (may be NULL) receives the readable name. */
hs_status hs_strategy_check(const char *text, char *label, size_t n, hs_err *err);
/* A strategies file (compare --strategies): one strategy text per line, '#' starts a
   comment, blank lines are skipped; read through hs_input_read (regular file, size cap,
   no NUL byte).  Every line is checked with hs_strategy_check; the texts are appended to
   *list (NULL-terminated, start with NULL; free with hs_strategy_list_free) and *n
   counts them.  Errors name the file and line ("s.txt:3: strategy 'x': unknown part
   ..."); a line is never split nor cut short.  hs_strategies_parse reads the same
   format from text of len bytes (name is used in messages). */
hs_status hs_strategies_load(const char *path, char ***list, size_t *n, hs_err *err);
hs_status hs_strategies_parse(const char *name, const char *text, size_t len, char ***list,
                              size_t *n, hs_err *err);
/* The patient with a strategy applied, as a model to simulate: VA-ECMO "ecmo" in flow
   control (added as femoral VA-ECMO if absent), the strategy's devices, settings and
   drugs, ECMO flow ecmo_flow_lpm (0: the strategy's fixed flow, else the patient's).
   This is what compare simulates for one row at its chosen flow.  Caller frees *out. */
hs_status hs_strategy_model(const hs_model *patient, const char *text, double ecmo_flow_lpm,
                            hs_model **out, hs_err *err);
/* hs_strategy_model in a clinical context (ctx may be NULL: none), as compare simulates
   it: an aortic-regurgitation grade on a competent aortic valve gives the valve the
   grade's representative orifice (docs/decision.md "Aortic regurgitation is simulated");
   an orifice in the patient file is kept. */
hs_status hs_strategy_model_ctx(const hs_model *patient, const char *text, double ecmo_flow_lpm,
                                const hs_context *ctx, hs_model **out, hs_err *err);
/* The built-in strategy list, NULL-terminated (escalation order). */
extern const char *const hs_builtin_strategies[];
/* A built-in strategy text for a patient: a drug part without a dose ("ecmo+milrinone")
   that the patient already receives gets the part's default dose added to the patient's
   own ("ecmo+milrinone:0.75 ug/kg/min"), so the row escalates the drug instead of
   repeating the patient's own drugs; other texts are copied.  out of size n (at least
   96). */
void hs_strategy_escalate(const char *text, const hs_model *patient, char *out, size_t n);

/* ---- results --------------------------------------------------------------- */

enum {
  HS_CMP_PCWP, HS_CMP_MAP, HS_CMP_DO2I, HS_CMP_SVO2D, HS_CMP_AVO, HS_CMP_PP, HS_CMP_SAO2U,
  HS_CMP_LVEDV, HS_CMP_LVEDP, HS_CMP_CO, HS_CMP_LVO, HS_CMP_RVO, HS_CMP_PVA, HS_CMP_ECMO,
  HS_CMP_DEVICE, HS_CMP_CVP, HS_CMP_LVEF, HS_CMP_CPO, HS_CMP_DRAIN_P, HS_CMP_SUCTION,
  HS_CMP_VENT, HS_CMP_IMPELLA, HS_CMP_MPAP, HS_CMP_PFHB, HS_CMP_LACT,
  HS_CMP_NE_EQ,  /* MAP controller (--hold-map): norepinephrine-equivalent dose, ug/kg/min */
  HS_CMP_NTP_EQ, /* MAP controller: nitroprusside-equivalent dose, ug/kg/min */
  /* what the microcirculation and the brain get (docs/decision.md "Microcirculation and
     brain"): the sublingual small-vessel PVD and PPV the micro model predicts with the
     patient's capillary dysfunction (its `microcirculation` block,
     hs_micro_model_params_from_sim), the lower hemispheric
     CBF and the cerebral perfusion pressure MAP - ICP; and the heart: its coronary flow,
     O2 extraction (docs/model.md 2.20) and O2 demand (2.21) */
  HS_CMP_PSVD, HS_CMP_PPSV, HS_CMP_CBF, HS_CMP_CPP, HS_CMP_COR_FLOW, HS_CMP_HEART_ER,
  HS_CMP_MVO2,
  HS_CMP_QP, /* flow entering the pulmonary artery: the RV's and a right-sided pump's */
  HS_CMP_RP, /* a right-sided pump's flow (Impella RP: outlet the pulmonary artery) */
  HS_CMP_ISCH, /* the LV's contractility left by the myocardium's O2 shortfall, x its
                  aerobic one (perfusion-contraction matching, docs/model.md 2.22) */
  HS_CMP_HEART_ERCRIT, /* the myocardium's critical O2 extraction at this state: the one
                          that brings its venous blood to coronary.critical_venous_po2
                          (0.78 at a normal arterial O2 content; docs/model.md 2.20) */
  HS_CMP_HEART_PVO2,   /* PO2 of its venous blood (coronary sinus), mmHg */
  HS_CMP_NVAL
};
/* Names (JSON keys, e.g. "pcwp_mmhg") and units ("mmHg", "L/min", "" ...). */
const char *hs_compare_value_name(int k);
const char *hs_compare_value_unit(int k);

/* Complication-risk indices (docs/decision.md "Risks"). */
enum { HS_RISK_STASIS, HS_RISK_HAEMOLYSIS, HS_RISK_LUNG, HS_RISK_LIMB, HS_RISK_HYPOXAEMIA,
       HS_RISK_BLEEDING, HS_RISK_SUCTION, HS_RISK_N };
enum { HS_RISK_LOW = 0, HS_RISK_RAISED = 1, HS_RISK_HIGH = 2 };
const char *hs_risk_name(int k);  /* "LV stasis", ... */
const char *hs_risk_key(int k);   /* "stasis", "haemolysis", ... (JSON) */
/* What hs_risk.value of risk k is, and its unit: "lv_throughput_lpm" / "L/min", ... */
const char *hs_risk_value_name(int k);
const char *hs_risk_value_unit(int k);
const char *hs_risk_level_name(int level); /* "low", "raised", "high" */

typedef struct hs_risk {
  int level;       /* HS_RISK_LOW / RAISED / HIGH */
  double value;    /* the index (NaN if not applicable) */
  char text[320];  /* finding with value, unit and threshold */
} hs_risk;

typedef struct hs_compare_row {
  char name[96];      /* the strategy text, e.g. "ecmo+impella_cp:P6" */
  char label[160];    /* "Impella CP P6" */
  char settings[320]; /* "ECMO 2.50 L/min; Impella CP P6"; with the MAP controller also the
                         dose it titrated ("MAP held by norepinephrine-equivalent ...") */
  int step;           /* HS_STEP_* */
  unsigned families;  /* bit (1u << hs_family) per device family used */
  int is_flow_sweep;  /* ECMO alone at a fixed flow (the flow-sweep figure) */
  int excluded;       /* contraindicated or unavailable: not simulated */
  char excluded_reason[320];
  int failed;         /* the simulation stopped (non-physical state, integrator failure) at
                         every flow it could use: a row without values, never an abort */
  char failed_reason[240]; /* "non-physical state at ECMO 1.00 L/min: t=... (LA suction)" */
  double suction_lpm; /* > 0: the least ECMO flow tried at which the circuit emptied the LA /
                         LV (mean LA pressure < 0 mmHg or a non-physical stop); the
                         titration stays below it (docs/decision.md "Suction") */
  char suction_note[200]; /* what was seen there; "" when no ceiling was met */
  int titrated;       /* ECMO flow re-titrated */
  int perfusion_held; /* MAP, DO2 index and SvO2 held at some flow <= flow_max */
  int raised_for_pcwp; /* vent / septostomy: flow raised above the least perfusing flow
                          because the circuit then drains PCWP below its target; or
                          raised_for_heart */
  int ischaemic_seen;   /* the LV's contractility was below HS_ISCHAEMIC_BELOW (the
                          matching) at the reported flow or at a flow the titration
                          computed below it: the answer may rest on the matching's gain
                          (hs_compare_gain_check) */
  int raised_for_heart; /* flow raised above the least perfusing flow because the LV,
                          weakened there by perfusion-contraction matching, regains enough
                          contractility with the perfusion pressure for PCWP to meet its
                          target (docs/decision.md "Re-titrated ECMO flow") */
  int flow_for_sao2;  /* the titrated flow is set by the upper-body SaO2 floor (the flow
                         below it perfuses otherwise, but the right arm is hypoxaemic) */
  int flow_for_heart; /* the titrated flow is set by the heart target (heart_er_max): the
                         flow one grid step lower perfuses but leaves the myocardium's O2
                         demand / delivery above it */
  double v[HS_CMP_NVAL];
  int met[HS_TGT_N];
  int all_met;
  char missed[240];   /* "PCWP 24.1 mmHg (4.1 above < 20)" ...; "" when all met */
  hs_risk risk[HS_RISK_N];
  int steady;         /* reached periodic steady state */
  int evals;          /* steady states computed (titration) */
  long beats;         /* heart beats simulated for this row (its cost; bench_compare) */
  double wall_s;
  double *pv_v, *pv_p; /* LV volume (mL) and pressure (mmHg) over one steady beat */
  size_t npv;
} hs_compare_row;

/* One case of the gain check (hs_compare_gain_check) or of the threshold check
   (hs_compare_threshold_check): the recommendation's step and the cheaper ones compared
   again at another gain of perfusion-contraction matching or another critical coronary
   venous PO2. */
typedef struct hs_compare_gain {
  double gain;           /* ischaemia.gain of this case; 0 = the matching off */
  double critical_po2_mmhg; /* coronary.critical_venous_po2 of this case (mmHg) */
  int found;             /* a strategy of steps 1..step met every target */
  int same;              /* found, and it is the recommendation's strategy */
  char name[96];         /* found: that strategy's text */
  char label[160];       /* found: its label; else the closest strategy's */
  int step;              /* its step */
  double ecmo_lpm;       /* its titrated ECMO flow */
  double pcwp_mmhg;      /* its PCWP */
  double ischaemic_contractility; /* its LV contractility x the aerobic one */
  char missed[240];      /* !found: what the closest strategy misses */
} hs_compare_gain;
#define HS_GAIN_N 3 /* the matching off, its gain halved, doubled */
#define HS_PO2CHK_N 2 /* the critical coronary venous PO2 lowered and raised by: */
#define HS_PO2CHK_DELTA_MMHG 2.0 /* about the spread of the onset PO2 Walley et al. 1997
                                    give (15.9 +- 2.2 and 17.0 +- 1.7 mmHg) */

#define HS_LADDER_N 8 /* rungs of support without a circuit (hs_compare_result.ladder) */
#define HS_LADDER_DRUGS 3 /* the first rungs add no device: none, an inotrope, an inodilator */

typedef struct hs_compare_result {
  hs_compare_row *rows;
  size_t nrows;
  int recommended;   /* row index, -1 if no strategy meets every target */
  int closest;       /* row meeting most targets (lowest PCWP on ties), -1 if none ran */
  int step;          /* step of the recommendation (0 if none) */
  int alternative;   /* when the recommendation carries a high LV / aortic-root stasis
                        risk: the first strategy in step order that meets every target
                        without it (-1: none, or not needed) */
  int passed_over;   /* a strategy of the recommendation's step, earlier in its list, that
                        meets every target only at >= 1 L/min more ECMO flow than the least
                        flow meeting them in that step (-1: none) */
  int least_flow;    /* with passed_over: the strategy of that least flow (else -1) */
  char reason[768];  /* one sentence: the recommendation and why */
  char step_why[HS_STEP_N][640]; /* per cheaper step: why it was not enough */
  hs_targets targets;
  hs_context context;
  char context_note[512]; /* what the context means for VA-ECMO itself and for the
                             simulation (severe aortic regurgitation: retrograde ECMO flow;
                             AR is not simulated); "" when nothing */
  char oxygen_note[640];  /* differential hypoxaemia: which strategies miss the upper-body
                             SaO2 floor or need more ECMO flow for it, and the mitigation
                             (higher flow, upper-body return, V-AV); "" when none */
  char deescalation_note[1024]; /* the recommendation holds every target at the least ECMO
                             flow tried (flow_min): a de-escalation / weaning-readiness hint;
                             "" otherwise */
  int on_ecmo;            /* the patient file has a VA-ECMO circuit (block "ecmo"); compare
                             adds one to a patient without it */
  int without_circuit;    /* a patient not on VA-ECMO whose recommendation holds every
                             target at the least ECMO flow: its drugs and devices simulated
                             without the circuit meet every target (1) or not (0); -1 not
                             simulated */
  char circuit_note[1024]; /* that answer for a patient not on VA-ECMO; "" otherwise */
  /* A patient not on VA-ECMO, compare's built-in list: support without a circuit, in
     order of invasiveness (the patient's own drugs, dobutamine 5 or milrinone 0.375
     ug/kg/min, IABP 1:1, Impella CP P8, Impella 5.0 P8), each at steady state (the MAP
     controller holding MAP where it falls short, or with --hold-map), checked against the
     same targets (docs/decision.md "Support without a circuit").  nladder 0: not run. */
  int nladder;
  hs_compare_row ladder[HS_LADDER_N];
  int ladder_least;       /* the first rung meeting every target; -1: none (or not run) */
  char ladder_note[1024]; /* that answer in one sentence (and a thin-margin note); "" when
                             not run */
  char near_miss_note[1280]; /* a cheaper step's best strategy misses only PCWP, by no more
                              than HS_PCWP_READING_MMHG: the escalation rests on a
                              difference no wedge reading can tell; "" otherwise.  When it
                              leaves the myocardium above its critical O2 extraction (and
                              heart_er_max is not a target) the note says so and names a
                              cheaper strategy, also within a reading, that keeps it below */
  int near_miss;          /* that strategy (-1: none) */
  char recheck_note[640]; /* what to recheck at the bedside after the recommended change
                             (docs/decision.md "Recheck"): PCWP, MAP, lactate and ST
                             segments; the pulse pressure while the native LV ejects; and
                             unloading, not less flow, if PCWP rises; "" without one */
  char heart_note[1536];  /* the recommendation leaves the myocardium above its critical O2
                             extraction (v[HS_CMP_HEART_ERCRIT]) while heart_er_max is not a
                             target: the first strategy (cheapest step, list order) meeting
                             every target that keeps it below, or that none does; with
                             perfusion-contraction matching off (ischaemia_on 0), that the
                             model's heart keeps its contractility there; "" when the
                             recommendation keeps it below, or heart_er_max is set */
  int heart_alternative;  /* that strategy (-1: none) */
  double heart_po2_crit;  /* the patient's coronary.critical_venous_po2 (mmHg; NAN without
                             a coronary block): each row's critical extraction
                             (v[HS_CMP_HEART_ERCRIT]) is the one at this venous PO2 */
  int hold_map;           /* the MAP controller was on (map_control.enabled, --hold-map):
                             each row's titrated dose is in v[HS_CMP_NE_EQ / NTP_EQ] */
  double microcirculation[3]; /* the patient's capillary dysfunction the PSVD* values use:
                             obstructed, oedema, vasoconstriction (its microcirculation
                             block; HS_MFIT_* order of hemosim/micro_model.h) */
  double wall_s;
  int ischaemia_on; /* the patient's ischaemia.enabled (perfusion-contraction matching,
                       docs/model.md 2.22): its contractility follows its O2 supply */
  /* The gain check (hs_compare_gain_check; docs/decision.md "The gain check"): ngain 0
     when not run (not asked, no recommendation, or no strategy of steps 1..step lost
     contractility to an O2 shortfall) */
  int ngain;
  hs_compare_gain gain[HS_GAIN_N];
  double gain_patient;   /* the patient's ischaemia.gain, the answer's */
  int gain_ischaemic;    /* strategies of steps 1..step whose LV lost contractility to an
                            O2 shortfall at their flow or a lower one the titration
                            computed (hs_compare_row.ischaemic_seen) */
  int gain_verdict;      /* 0 the answer holds, 1 the strategy holds but not its flow, 2
                            the strategy changes at some gain (-1: not run, or failed) */
  double gain_wall_s;    /* the check's wall time */
  char gain_note[2048];  /* the check in sentences; "" when not run */
  /* The threshold check (hs_compare_threshold_check; docs/decision.md "The threshold
     check"): npo2 0 when not run (not asked, no recommendation, a heart target that is not
     the critical extraction, or no strategy of steps 1..step whose flow or verdict the
     heart target set) */
  int npo2;
  hs_compare_gain po2[HS_PO2CHK_N];
  int po2_heart;         /* strategies of steps 1..step the heart target decided: its flow
                            set by it, it missed, or within HS_PO2CHK_MARGIN of it */
  int po2_verdict;       /* as gain_verdict */
  double po2_wall_s;
  char po2_note[2048];   /* the check in sentences; "" when not run */
  /* The start check (docs/decision.md "A second steady state"): the recommendation (else
     the closest strategy) whose LV was ischaemic, simulated again at its ECMO flow from
     rest with the patient file's contractility instead of from the comparison's warm
     start (the patient's own state).  start_row: that row (-1: not run); start_v: its values
     from rest (NaN when not run or failed); start_note: the second state, or why the
     check failed; "" when the two agree */
  int start_row;
  double start_v[HS_CMP_NVAL];
  int start_differs;      /* a second steady state: another contractility (by > 0.05 x)
                             and MAP (> 5 mmHg), PCWP (> 2 mmHg) or the targets met */
  int start_failed;       /* the run from rest failed: start_note says why */
  char start_note[1024];
} hs_compare_result;

/* An LV counts as weakened by its myocardial O2 shortfall (the gain check, the ischaemic
   titration) below this contractility factor, HS_CMP_ISCH. */
#define HS_ISCHAEMIC_BELOW 0.995

/* The PCWP difference below which a cheaper step's miss is called a near miss (a model
   choice): a small fraction of how far two readings of one wedge tracing differ
   (interobserver differences of -11 to +15 mmHg between specialists, Al-Kharrat et al.
   1999, Am J Respir Crit Care Med 160:415), and the smallest change a unit would act on. */
#define HS_PCWP_READING_MMHG 2.0

/* Run the comparison.  strategies: NULL = the built-in list (hs_builtin_strategies)
   plus the ECMO-alone flow sweep (flows_lpm, NULL: 2, 3, 4, 5 L/min); otherwise only
   the given strategy texts (and the sweep only if flows_lpm is given).  ctx may be NULL
   (defaults).  threads > 1 runs strategies in parallel; results do not depend on it.
   Caller frees *out with hs_compare_free(). */
hs_status hs_compare_run(const hs_model *patient, const hs_targets *targets,
                         const hs_context *ctx, const char *const *strategies,
                         const double *flows_lpm, size_t nflows, int threads,
                         hs_compare_result **out, hs_err *err);
/* Progress of a long analysis: fn(done, total, ud) after each strategy (or sweep point)
   has been simulated, from the worker threads, one call at a time. */
typedef struct hs_progress {
  void (*fn)(int done, int total, void *ud);
  void *ud;
} hs_progress;
/* hs_compare_run with progress (may be NULL); the same results. */
hs_status hs_compare_run_progress(const hs_model *patient, const hs_targets *targets,
                                  const hs_context *ctx, const char *const *strategies,
                                  const double *flows_lpm, size_t nflows, int threads,
                                  const hs_progress *progress, hs_compare_result **out,
                                  hs_err *err);
void hs_compare_free(hs_compare_result *r);
/* The gain check (docs/decision.md "The gain check").  Perfusion-contraction matching
   (docs/model.md 2.22) lowers an ischaemic LV's contractility by an amount its gain sets, a
   model choice.  When it did so in a strategy (or sweep point) of the recommendation's
   step or a cheaper one, the strategies of those steps are compared again with the
   matching off (gain 0) and with the patient's gain halved and doubled, and res->gain /
   gain_note say whether the recommended strategy and its ECMO flow hold.  patient, res:
   those of hs_compare_run (its targets and context are res's).  Nothing is run, and
   res->ngain stays 0, without a recommendation or an ischaemic row.  The cost is up to
   three comparisons of those steps' strategies. */
hs_status hs_compare_gain_check(const hs_model *patient, hs_compare_result *res, int threads,
                                hs_err *err);
/* 1 when hs_compare_gain_check would run comparisons for res (an ischaemic row in the
   recommendation's step or a cheaper one), for a progress message before it. */
int hs_compare_gain_check_needed(const hs_compare_result *res);
/* The threshold check (docs/decision.md "The threshold check").  The heart target's
   default limit is each state's critical extraction, the one at the critical coronary
   venous PO2 (coronary.critical_venous_po2, 16 mmHg: the onset of myocardial anaerobic
   metabolism in pigs, Walley 1997; not measured in patients).  When that target decided a
   strategy of the recommendation's step or a cheaper one (set its flow, rejected it, or
   left it within HS_PO2CHK_MARGIN of the limit), the strategies of those steps are
   compared again with the critical PO2 HS_PO2CHK_DELTA_MMHG lower and higher (the
   model's lactate and perfusion-contraction matching move with it), and res->po2 /
   po2_note say whether the recommended strategy and its ECMO flow hold.  Nothing is run,
   and res->npo2 stays 0, otherwise.  The cost is up to two comparisons of those steps'
   strategies. */
hs_status hs_compare_threshold_check(const hs_model *patient, hs_compare_result *res,
                                     int threads, hs_err *err);
int hs_compare_threshold_check_needed(const hs_compare_result *res);
/* A strategy within this much O2 demand / delivery of its critical extraction counts as
   decided by the heart target (2 mmHg of critical PO2 moves the critical extraction by
   about 0.05 at a normal arterial O2 content: 0.825 / 0.778 / 0.727 at 14 / 16 / 18 mmHg) */
#define HS_PO2CHK_MARGIN 0.06
/* Free the PV-loop samples of one row. */
void hs_compare_row_clear(hs_compare_row *row);

/* The dose the MAP controller titrated for a row's values, as text: "norepinephrine-
   equivalent 0.12 ug/kg/min", "nitroprusside-equivalent 1.3 ug/kg/min" or "no drug"
   (the controller at rest). */
void hs_compare_map_drug(const double *v, char *buf, size_t n);
/* What a passed-over strategy or setting did (hs_compare_result.passed_over,
   hs_optimize_result.passed_over), against the row meeting every target at the least
   ECMO flow (least_flow), the measure of the rule: "LABEL meets every target too, but
   only at ECMO F L/min[ with the aortic valve shut], D L/min more than the least flow
   meeting them (F0 L/min, LABEL0)". */
void hs_compare_passed_over_text(const hs_compare_row *passed, const hs_compare_row *least,
                                 char *buf, size_t n);
/* The row of the recommendation's step that meets every target at the least ECMO flow
   when that flow is below the recommendation's (a later, stronger setting or device of the
   step within 1 L/min of it: the step's order chose the answer, docs/decision.md "Within a
   step"); -1 when none, or without a recommendation. */
int hs_compare_less_flow_row(const hs_compare_result *r);

/* The 30-second answer as plain text (recommendation, why each cheaper step was not
   enough, settings, expected values, risks, then the table); caller frees.  The HTML
   report uses the same sentences. */
char *hs_compare_text(const hs_compare_result *r, const char *patient);
/* A row's targets cell of the tables: "all met", "excluded", "failed" or "misses" and the
   short names of what it misses ("PCWP", "MAP", "DO2I", "SvO2", "SaO2", "lactate", "PSVD",
   "drainage"). */
void hs_compare_missed_cell(const hs_compare_row *r, char *buf, size_t n);
/* The targets a checked row (hs_strategy_check_targets) meets, and in *judged (may be NULL)
   how many it was judged on: the five (the right-arm SaO2 floor counts as met when off) and
   each other target set (lactate_max, psvd_min, heart_er_max, cvp_max).  The "closest" answers
   rank by it. */
int hs_strategy_targets_met(const hs_compare_row *r, const hs_targets *t, int *judged);

/* ---- weaning --------------------------------------------------------------- */

typedef struct hs_wean_criteria {
  double flow_lpm;        /* trial ECMO flow (default 1.5 L/min) */
  double pp_min_mmhg;     /* pulse pressure >= 10 mmHg (pulsatile waveform) */
  double lvef_min_pct;    /* LVEF > 25 % (Aissaoui 2011: > 20-25 %) */
  double vti_min_cm;      /* aortic VTI >= 10 cm */
  double map_min_mmhg;    /* MAP > 60 mmHg */
  double rise_max_mmhg;   /* CVP and PCWP may rise by at most this (default 5 mmHg) */
  double lvot_diam_cm;    /* LVOT diameter for the VTI proxy (default 2.0 cm) */
  double lactate_max_mmol_l; /* 0 (default): not a criterion; else the lactate plateau at
                                the trial flow must stay at or below it (e.g. 2 mmol/L) */
  double step_lpm;        /* flow descent step (default 0.5 L/min; 0: one step) */
} hs_wean_criteria;

/* The criteria.  HS_WEAN_LACT, the lactate plateau, applies only when
   crit.lactate_max_mmol_l > 0: otherwise it is met, its text is empty and the JSON has
   null for it. */
enum { HS_WEAN_PP, HS_WEAN_LVEF, HS_WEAN_VTI, HS_WEAN_MAP, HS_WEAN_CVP, HS_WEAN_PCWP,
       HS_WEAN_LACT, HS_WEAN_N };

/* One step of the flow descent: its steady state with the vent clamped. */
#define HS_WEAN_MAX_STEPS 16
typedef struct hs_wean_step {
  double flow_lpm;          /* ECMO flow reached */
  double value[HS_WEAN_N];  /* the criteria's values (rises against full flow) */
  int pass[HS_WEAN_N];
  double cvp_mmhg, pcwp_mmhg;
  int tolerated;            /* MAP, CVP and PCWP rise (and lactate) held: the descent goes on */
} hs_wean_step;

typedef struct hs_wean_result {
  double before[HS_CMP_NVAL], after[HS_CMP_NVAL]; /* at the patient's flow and at trial */
  double lvef_before, lvef_after, vti_before, vti_after, cvp_before, cvp_after;
  double flow_before_lpm, flow_after_lpm;
  double value[HS_WEAN_N];  /* the criterion's value at the trial flow */
  int pass[HS_WEAN_N];
  int passed;               /* every criterion met */
  char text[HS_WEAN_N][160];/* "LVEF 28 % (> 25 %): met" */
  char verdict[400];
  hs_wean_criteria crit;
  int nsteps;               /* steps run (the descent stops at the first not tolerated) */
  hs_wean_step steps[HS_WEAN_MAX_STEPS];
  int stopped_early;        /* a step above the trial flow was not tolerated */
  /* 1: an IABP counterpulsed at the trial flow, so the pulse pressure criterion reads the
     LV's own pulse, at steady state with the balloon in standby, not the arterial pulse
     that carries the augmentation (pp_arterial_mmhg, with the balloon counterpulsing) */
  int pp_lv_own;
  double pp_arterial_mmhg;
} hs_wean_result;

void hs_wean_default(hs_wean_criteria *c);
/* The options' ranges (trial flow (0, 4] L/min, step 0 or [0.1, 2] L/min, LVOT
   [1.4, 3] cm): HS_ERR_RANGE naming the value and range, else HS_OK.  hs_wean_run checks
   them too; a command line checks them first, so a bad option is a usage error. */
hs_status hs_wean_check(const hs_wean_criteria *c, hs_err *err);
/* Weaning trial on a patient with VA-ECMO "ecmo": steady state at its flow, then the
   ECMO flow stepped down by crit->step_lpm to crit->flow_lpm with every vent clamped
   (ecmo.vent_clamp = 1) and any Impella / TandemHeart / IABP left as set, each step to
   steady state; the descent stops at the first step whose MAP, CVP or PCWP rise (or
   lactate) fails; the readiness criteria are read at the last step. */
hs_status hs_wean_run(const hs_model *patient, const hs_wean_criteria *crit,
                      hs_wean_result *out, hs_err *err);
/* Plain-text verdict and criteria; caller frees. */
char *hs_wean_text(const hs_wean_result *r, const char *patient);
/* The result as JSON (schema hemosim-wean/1, docs/decision.md): version, patient,
   patient file and --set overrides (prov may be NULL), the trial options, verdict,
   criteria and the values before and at the trial flow.  Caller frees. */
char *hs_wean_json(const hs_wean_result *r, const hs_provenance *prov, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
