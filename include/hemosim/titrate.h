/*
 * hemosim/titrate.h - microcirculation-guided VA-ECMO flow titration over a
 * simulated course (docs/microcirculation.md, section "Guided titration").
 *
 * A quasi-steady sequence: the circulation reaches periodic steady state within
 * a minute and decisions are taken every interval (default 1 h), so each
 * decision point sets the patient's course parameters and the ECMO flow, runs to
 * steady state, reads the macro metrics, evaluates the microcirculation model
 * (hemosim/micro_model.h) and applies one policy:
 *
 *   control  macro-haemodynamic rules only (MAP, O2 delivery, SvO2, aortic-valve
 *            opening, PCWP, pulse pressure);
 *   micro    the same rules plus the small-vessel PVD / PPV thresholds of Yeh et
 *            al. 2018 at the trial measurement times (T1..T4, NCT03470792).
 *
 * The patient course (LV recovery, resolving capillary dysfunction) is a
 * scenario assumption with parameters below, not a validated time course.
 * Nothing prints; failures return a status and fill hs_err.
 */
#ifndef HEMOSIM_TITRATE_H
#define HEMOSIM_TITRATE_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/micro_model.h"
#include "hemosim/model.h"
#include "hemosim/output.h"
#include "hemosim/trend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_titrate_policy {
  HS_TITRATE_CONTROL = 0,
  HS_TITRATE_MICRO = 1,
  HS_TITRATE_POLICIES
} hs_titrate_policy;

const char *hs_titrate_policy_name(int policy); /* "control", "micro"; "?" */
/* "control" or "micro"; otherwise HS_ERR_UNKNOWN "titrate: unknown policy '<s>' (control, micro)". */
hs_status hs_titrate_policy_parse(const char *name, hs_titrate_policy *out, hs_err *err);

/* The rule that fired at a decision point (docs: "Guided titration"). */
typedef enum hs_titrate_rule {
  HS_RULE_RAISE_MAP,     /* MAP < map_min: flow + step_up */
  HS_RULE_RAISE_DO2,     /* MAP ok, DO2 index < do2i_min, SvO2 < svo2_min or lactate plateau >
                            lactate_max (when set): flow + step_up */
  HS_RULE_HOLD_MAX,      /* hypoperfusion, flow already at flow_max */
  HS_RULE_RAISE_MICRO,   /* micro policy, measurement: PVD < pvd_min or PPV < ppv_min,
                            PCWP <= pcwp_micro_max and aortic valve open: flow + step_up */
  HS_RULE_LOWER_UNLOAD,  /* aortic valve closed or PCWP > pcwp_max: flow - step_down
                            (the lower flow was tried and kept MAP, DO2, SvO2 acceptable) */
  HS_RULE_HOLD_UNLOAD,   /* unloading wanted, but at flow_min or the trial failed */
  HS_RULE_WEAN,          /* pulse pressure >= pp_recovered, wean_every_h since the last
                            change, trial passed: flow - wean_step */
  HS_RULE_WEAN_MICRO,    /* micro policy, measurement with good micro (PVD >= pvd_min and
                            PPV >= ppv_min) while the macro rules hold: flow - wean_step */
  HS_RULE_HOLD_MICRO,    /* micro policy: the last measurement was poor, so unloading
                            (unless PCWP > pcwp_micro_max or the aortic valve is closed)
                            and weaning are held until the next measurement */
  HS_RULE_HOLD,          /* nothing to do (or a wean trial failed) */
  HS_RULE_COUNT
} hs_titrate_rule;

const char *hs_titrate_rule_name(int rule); /* "raise_map", ...; "?" */
const char *hs_titrate_rule_doc(int rule);  /* one line */

#define HS_TITRATE_MAX_MEASUREMENTS 8

typedef struct hs_titrate_options {
  hs_titrate_policy policy;
  double hours;       /* course length (default 72) */
  double interval_h;  /* decision interval (default 1); 0 < interval <= hours */
  double flow0_lpm;   /* starting ECMO flow; 0 = the patient's ecmo.target_flow */
  /* course (scenario assumptions) */
  double lv_recovery_frac;  /* lv.ees rises linearly by this fraction ... (default 0.5) */
  double lv_recovery_h;     /* ... reached at this time and then held (default 72) */
  hs_micro_model_params micro; /* microcirculation at placement (default: defaults with
                                  obstructed 0.06, oedema 0.06, vasoconstriction 0.05;
                                  hs_titrate_micro_from_model takes the patient's) */
  double micro_resolution;  /* fraction of obstructed/oedema/vasoconstriction resolved ... (0.5) */
  double micro_resolution_h;/* ... by this time, linear, then held (default 72) */
  /* macro rules */
  double map_min;        /* 65 mmHg */
  double do2i_min;       /* 330 mL/min/m2 (critical O2 delivery index) */
  double svo2_min;       /* 60 % */
  double lactate_max;    /* 0 (default): not a rule; else a lactate plateau above it
                            (lactate_steady_mmol_l, docs/model.md 2.17) is hypoperfusion */
  double pcwp_max;       /* 18 mmHg: unload above */
  double av_open_min;    /* 0.5: av_open_fraction below this = aortic valve closed */
  double pp_recovered;   /* 10 mmHg: pulse pressure that allows weaning */
  double step_up_lpm;    /* 0.5 */
  double step_down_lpm;  /* 0.5 */
  double wean_step_lpm;  /* 0.25 */
  double wean_every_h;   /* 6 h since the last flow change */
  double flow_min_lpm;   /* 1.5 */
  double flow_max_lpm;   /* 5.5 */
  /* micro rules */
  double pvd_min;        /* 16 mm/mm2 (small-vessel PVD, Yeh 2018: 16.2) */
  double ppv_min;        /* 76 % (small-vessel PPV, Yeh 2018: 76.5) */
  double pcwp_micro_max; /* 25 mmHg: no micro-driven raise above */
  size_t nmeasure;       /* measurement times, hours after placement (default 4) */
  double measure_h[HS_TITRATE_MAX_MEASUREMENTS]; /* default 6, 18, 40, 72 (T1..T4); times
                                                    after the course are never reached */
  int micro_every_step;  /* 1: micro measured at every decision point (default 0) */
  /* fluids and slow states (docs/model.md 2.18): fluids_mlh > 0 switches the fluids
     module on with this maintenance crystalloid (mL/h; default 0 = as the patient file
     says, off in every shipped patient); then between decision points the slow states
     (volume, Hb, urine, plasma free Hb) advance over the interval (solver.slow_step
     600 s) and each step records the fluid balance since the previous one */
  double fluids_mlh;
  struct hs_trend *trend; /* may be NULL: receives every beat and one event per decision */
  /* progress (may be NULL): called after each decision point */
  void (*progress)(double t_h, double hours, void *ud);
  void *progress_ud;
} hs_titrate_options;

void hs_titrate_defaults(hs_titrate_options *o);
/* Every field checked; messages name the option: "titrate: hours = -1 must be > 0". */
hs_status hs_titrate_check(const hs_titrate_options *o, hs_err *err);

/* One decision point: the state measured at t_h with flow_lpm, and the decision. */
typedef struct hs_titrate_step {
  double t_h;
  double flow_lpm;       /* ECMO flow in effect (target) */
  double ecmo_flow_lpm;  /* ECMO flow measured (ecmo_flow_lpm metric; NaN if absent) */
  double lv_ees;         /* course: LV end-systolic elastance (internal unit) */
  double obstructed, oedema, vasoconstriction; /* course: micro dysfunction */
  double map_mmhg, ci_lpm_m2, pcwp_mmhg, cvp_mmhg, pp_mmhg, av_open, lvo_lpm;
  double svo2_pct, do2i_mlmin_m2; /* SvO2: drained (pre-oxygenator) blood on ECMO, else PA */
  double tvd, pvd, ppv, mfi; /* micro model (small vessels), every step */
  int measured;          /* 1..4: trial label (T1..), 5+: further; 0: no micro measurement */
  int hypoperfusion;     /* MAP, DO2 index or SvO2 below its limit */
  int micro_poor;        /* PVD < pvd_min or PPV < ppv_min */
  int rule;              /* hs_titrate_rule */
  double next_flow_lpm;  /* flow for the next interval */
  int steady;            /* 1 if steady state was reached */
  /* from the simulation's slow states (fluids, haemolysis) */
  double fluid_balance_ml; /* in - urine - blood loss since the previous decision point */
  double urine_mlh, hb_gdl, pfhb_mgdl;
  double lactate_mmol_l; /* steady-state lactate plateau (metric lactate_steady_mmol_l) */
} hs_titrate_step;

typedef struct hs_titrate_result {
  hs_titrate_policy policy;
  size_t n;
  hs_titrate_step *step;
  double mean_flow_lpm, mean_pvd, mean_map; /* over the steps */
  double final_flow_lpm;
  int rule_count[HS_RULE_COUNT];
  size_t not_steady;     /* steps where steady state was not reached */
  double wall_s;
} hs_titrate_result;

/* Take the capillary dysfunction at placement from the patient's `microcirculation`
   block (hs_micro_model_params_from_model): every field whose bit (1 << HS_MFIT_*) is
   set in `which` (HS_TITRATE_MICRO_ALL: all three).  `hemosim micro titrate` and the
   cohort's titrate protocol do this; an option given on the command line wins. */
#define HS_TITRATE_MICRO_ALL 7u
hs_status hs_titrate_micro_from_model(hs_titrate_options *o, const hs_model *m, unsigned which,
                                      hs_err *err);

/* Run one policy on the model (must contain a VA-ECMO device named "ecmo").
   *out is freed with hs_titrate_result_free(). */
hs_status hs_titrate_run(const hs_model *m, const hs_titrate_options *o,
                         hs_titrate_result **out, hs_err *err);
void hs_titrate_result_free(hs_titrate_result *r); /* NULL is a no-op */

/* ---- outputs (docs/microcirculation.md, "Guided titration") ------------------------ */
/* JSON (schema hemosim-titrate/2): version, patient, patient file, --set overrides
   (prov may be NULL), the options and targets, the rules, and per policy the
   trajectory.  res: nres results (one per policy).  Caller frees. */
char *hs_titrate_json(const hs_titrate_options *o, hs_titrate_result *const *res, int nres,
                      const hs_provenance *prov, hs_err *err);
/* CSV, one row per policy and decision point (header line first).  Caller frees. */
char *hs_titrate_csv(hs_titrate_result *const *res, int nres, hs_err *err);
/* SVG: ECMO flow, MAP and small-vessel PVD against time; title names the patient
   (escaped).  Caller frees. */
char *hs_titrate_svg(const char *title, hs_titrate_result *const *res, int nres, hs_err *err);
/* The text tables `hemosim micro titrate` prints, one per policy (file: the patient name
   shown), and with two policies the micro-vs-control line.  Caller frees. */
char *hs_titrate_text(const char *file, hs_titrate_result *const *res, int nres, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
