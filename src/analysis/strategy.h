/*
 * analysis/strategy.h - one strategy = the patient's model on ECMO plus devices,
 * settings and drugs, simulated to steady state (the ECMO flow fixed or re-titrated)
 * and checked against targets.  Shared by compare.c, decision.c, optimize.c, wean.c.
 */
#ifndef HS_ANALYSIS_STRATEGY_H
#define HS_ANALYSIS_STRATEGY_H

#include "hemosim/compare.h"

/* Risk thresholds (docs/decision.md "Risks", with sources). */
#define HS_STASIS_LV_LPM 0.5          /* LV throughput below: stasis */
#define HS_HAEMOLYSIS_INLET_MMHG -100.0/* ECMO pump inlet pressure below: haemolysis */
#define HS_HAEMOLYSIS_SUCTION 0.02    /* fraction of time with suction at a pump inlet */
#define HS_HAEMOLYSIS_LOW_FLOW_LPM 1.5 /* centrifugal ECMO pump below: raised (Schoeps 2021) */
/* coronary.critical_venous_po2's range (physio/coronary.c; test_compare checks they agree) */
#define HS_PO2CHK_MIN_MMHG 5.0
#define HS_PO2CHK_MAX_MMHG 40.0
/* The threshold check's critical PO2s around the patient's p0 (HS_PO2CHK_DELTA_MMHG either
   side, within the parameter's range; a side at its end is left out), in rising order:
   their count. */
int hs_threshold_cases(double p0, double po2[HS_PO2CHK_N]);
/* A pump flow set exactly on a limit reads within the flow controller's steady
   tolerance of it (solver.steady_tol_flow, 0.003 L/min): flows within this of a limit
   count as on it, so that the risk does not flip on the last digit. */
#define HS_FLOW_SLACK_LPM 0.005
#define HS_HAEMOLYSIS_PFHB_MGDL 50.0  /* plasma free Hb above: haemolysis (ELSO Registry) */
#define HS_LUNG_FLOW_LPM 0.5          /* pulmonary blood flow below, with a PA vent */
/* ECMO flows this close are the same grid flow: the flow controller holds a target
   within a few mL/min (P8 at 1.0003 and P9 at 0.9998 L/min) */
#define HS_SAME_FLOW_LPM 0.01
#define HS_LESS_FLOW_LPM 1.0          /* ECMO flow that outweighs a step of device support:
                                         compare and optimize pass over a strategy meeting
                                         every target only at this much more flow */
#define HS_HYPOXAEMIA_SAO2 90.0       /* right-arm SaO2 below: differential hypoxaemia */
#define HS_SUCTION_LAP_MMHG 5.0       /* mean LA pressure below, LA / LV drained by the
                                         circuit: suction raised (0: high) */
#define HS_SUCTION_RESERVE_LPM 1.0    /* suction ceiling within this above the set flow: raised */

#define HS_STRAT_MAX_SETS 16
#define HS_STRAT_MAX_DEVS 3

typedef struct hs_strategy {
  char text[96];   /* as given: "ecmo+impella_cp:P6" */
  char label[160]; /* "ECMO + Impella CP P6" */
  int step;        /* HS_STEP_* */
  unsigned families;
  double fixed_flow_lpm; /* > 0: ECMO flow fixed (not titrated) */
  int ndev;
  struct {
    const char *name, *type, *p0, *p1;
  } dev[HS_STRAT_MAX_DEVS];
  int nset;
  struct {
    char path[40], value[40];
  } set[HS_STRAT_MAX_SETS];
  char vent_site[16];   /* "" = no vent; else node of the ECMO vent port */
  char return_site[16]; /* "" = the patient's; else ECMO return rebound here */
  /* access, for the risk indices */
  double art_fr;        /* largest added arterial sheath (Fr) */
  double venous_fr;     /* largest added venous sheath (Fr), non-transseptal */
  double transseptal;   /* transseptal sheath / cannula (Fr), 0 = none */
  int femoral_art;      /* added femoral arterial accesses */
  int femoral_return;   /* a device returns blood into the femoral artery (TandemHeart) */
  int ecmo_femoral_return; /* set at run time: the ECMO return is femoral */
  int drained_by_circuit; /* vent or septostomy: unloading rises with ECMO flow */
  int surgical, cutdown, axillary, transaortic, pa_vent, lvad;
  int rv_pump;           /* a right-sided pump (Impella RP): RA -> pulmonary artery */
  int lv_apical;         /* a cannula through the LV apex (apical vent, LVAD drainage) */
  char impella_model[8];
} hs_strategy;

/* Parse a strategy text (docs/decision.md "Strategy syntax"). */
hs_status hs_strategy_parse(const char *text, hs_strategy *s, hs_err *err);
/* 1 and the reason if the context excludes the strategy (contraindicated, unavailable). */
int hs_strategy_excluded(const hs_strategy *s, const hs_context *c, char *why, size_t n);
/* What the context means for VA-ECMO itself and for the simulation (severe aortic
   regurgitation: retrograde ECMO flow; AR is not simulated), "" when nothing. */
void hs_context_note(const hs_context *c, char *buf, size_t n);
/* Risk indices of a simulated strategy from its values (v: HS_CMP_*). */
void hs_strategy_risks(const hs_strategy *s, const hs_context *c, const double *v, hs_risk *r);
/* The suction risk of a titrated row with what its titration met: the suction ceiling
   (row->suction_lpm) and whether perfusion was held below it. */
void hs_strategy_suction_risk(const hs_strategy *s, const hs_compare_row *row, hs_risk *x);
/* The circuit drains the LA or the LV (a vent there, the LVAD conversion). */
int hs_strategy_drains_left_heart(const hs_strategy *s);

typedef struct hs_strategy_job {
  const hs_model *base;
  const hs_strategy *st;
  double flow_lpm; /* > 0: set ecmo.target_flow and do not titrate */
  int titrate;     /* re-titrate the ECMO flow (targets->flow_min..flow_max) */
  const hs_targets *targets;
  hs_compare_row *row;
  hs_status status;
  hs_err err;
  const struct hs_sim *warm; /* NULL, or a steady state to start from (hs_sim_copy_state) */
  /* Warm start from a sibling (zero-initialised: none): after > 0 runs this job once job
     after - 1 has finished, from that job's steady state at flow_min (its `pub`) instead
     of `warm` - a larger septostomy from the smaller one's state.  Results do not depend
     on the thread count (each job's start is fixed).  publish: keep that state in pub
     (and its plan in pub_plan) for the jobs that start from it; the caller frees both
     (hs_strategy_jobs_release). */
  int after, publish;
  struct hs_sim *pub;
  struct hs_plan *pub_plan;
} hs_strategy_job;
/* Free what the jobs published (pub, pub_plan). */
void hs_strategy_jobs_release(hs_strategy_job *jobs, size_t n);

/* The patient with a va_ecmo device "ecmo" in flow control (added if absent). */
hs_status hs_strategy_base(const hs_model *patient, hs_model **out, hs_err *err);
/* 1 when the ECMO return of the base model is femoral (lower-body or iliac arteries):
   the limb-ischaemia risk (hs_strategy.ecmo_femoral_return). */
int hs_strategy_femoral_return(const hs_model *base);
/* What the context takes from the patient (docs/decision.md): its rhythm
   (c->no_cardiac_cycle in fibrillation) and its aortic regurgitation: a patient whose
   aortic valve has a regurgitant_area grades the context from it (Zoghbi 2017) when the
   context says less; a context grade on a competent valve gives the valve the grade's
   representative orifice.  Fills c->ar_eroa_cm2, c->ar_from_patient. */
hs_status hs_strategy_patient_context(hs_model *base, hs_context *c, hs_err *err);
/* Apply a strategy's devices and settings to a model. */
hs_status hs_strategy_apply(hs_model *m, const hs_strategy *st, hs_err *err);
/* The warm start of every job of a comparison or a sweep (*plan and *sim freed by the
   caller; both NULL when it is not reached): the patient's own steady state, on the
   branch the patient is on (with the perfusion-contraction matching an ischaemic LV can
   have two steady states at one ECMO flow; docs/decision.md "Re-titrated ECMO flow",
   warm start).  A patient on ECMO: `base` (hs_strategy_base) with the patient's own
   circuit settings (its flow, or its pump speed in rpm control); a patient not on ECMO:
   `base` at ECMO flow flow_min_lpm. */
struct hs_sim;
hs_status hs_strategy_seed(const hs_model *base, const hs_model *patient, double flow_min_lpm,
                           struct hs_plan **plan, struct hs_sim **sim, hs_err *err);
/* Whether the MAP controller (map_control.enabled, --hold-map) is on in a model. */
int hs_strategy_map_held(const hs_model *m);
/* Simulate one job (fills row, status, err). */
void hs_strategy_run(hs_strategy_job *job);
/* Simulate n jobs on `threads` threads; results do not depend on the thread count. */
void hs_strategy_run_all(hs_strategy_job *jobs, size_t n, int threads);
/* The same, calling progress->fn after each job (progress may be NULL). */
void hs_strategy_run_all_progress(hs_strategy_job *jobs, size_t n, int threads,
                                  const hs_progress *progress);
/* Read the HS_CMP_* values from a simulation's summary (all: hs_sim_summary_all). */
struct hs_sim;
void hs_strategy_values(const struct hs_sim *s, const double *all, double *v);
/* Target checks of a row's values (fills met, all_met, missed). */
void hs_strategy_check_targets(hs_compare_row *r, const hs_targets *t);
/* "Least support" counts the ECMO flow too (docs/decision.md "The ECMO flow is support
   too"): of the rows that `eligible` admits (NULL: all) and that meet every target, listed
   from least to most device support, the first whose ECMO flow is within HS_LESS_FLOW_LPM
   of the least among them.  Returns its index, or -1 when no admitted row meets every
   target; *passed_over (if not NULL): the first such row before it, which meets every
   target only at >= HS_LESS_FLOW_LPM more flow than the least, or -1; *least_flow (if not
   NULL): the first row at that least flow, what the passed-over row is measured against
   (-1 with no passed-over row).  compare applies it within a step, optimize across its
   sweep. */
int hs_strategy_least_support(const hs_compare_row *rows, size_t n,
                              int (*eligible)(const hs_compare_row *, const void *),
                              const void *ud, int *passed_over, int *least_flow);
/* A titrated row that holds perfusion at the least ECMO flow the titration may choose. */
int hs_strategy_at_flow_floor(const hs_compare_row *r, const hs_targets *t);

/* A patient not on VA-ECMO (analysis/compare_circuit.c; docs/decision.md "A patient not
   on ECMO"): the recommendation's drugs and devices without the circuit when it holds
   every target at the least flow (res->circuit_note, without_circuit). */
hs_status hs_compare_circuit_check(const hs_model *patient, hs_compare_result *res,
                                   hs_err *err);
/* hs_compare_run on the given strategies only (no sweep), without the circuit check and
   the ladder: the gain check's comparisons (analysis/compare_gain.c). */
hs_status hs_compare_run_nested(const hs_model *patient, const hs_targets *targets,
                                const hs_context *ctx, const char *const *strategies,
                                int threads, hs_compare_result **out, hs_err *err);
/* The strategy's drugs and devices on the patient (the patient as given: with or without
   a circuit) at steady state from rest, the MAP controller switched on when `hold`, the
   ECMO flow set to ecmo_lpm when > 0 (L/min); fills w: values and targets
   (analysis/compare_circuit.c). */
hs_status hs_strategy_row_at(const hs_model *patient, const hs_strategy *st, int hold,
                             double ecmo_lpm, const hs_targets *t, hs_compare_row *w,
                             hs_err *err);
/* The start check (analysis/compare_gain.c; docs/decision.md "A second steady state"):
   the recommendation (else the closest strategy), when its LV was ischaemic, simulated
   again at its flow from rest (res->start_*); base: the model the strategies ran on. */
hs_status hs_compare_start_check(const hs_model *base, hs_compare_result *res, hs_err *err);
/* The same patient's support without a circuit (res->ladder, ladder_least, ladder_note),
   the rungs on up to `threads` threads; res->targets and res->context already set. */
hs_status hs_compare_ladder(const hs_model *patient, hs_compare_result *res, int threads,
                            hs_err *err);

#endif
