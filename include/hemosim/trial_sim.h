/*
 * hemosim/trial_sim.h - an in-silico run of the trial (docs/trial.md, "Simulation").
 *
 * Virtual patients of a cohort study (hemosim/cohort.h: the population, its
 * acceptance ranges, protocol.set) are screened, enrolled through hs_trial_enrol
 * (the trial's real eligibility check and stratified permuted-block allocation),
 * treated with their arm's titration policy (hemosim/titrate.h: control = flow on
 * macro-haemodynamics, micro = plus the small-vessel PSVD / PPSV thresholds of the
 * protocol) and recorded visit by visit with hs_trial_record and
 * hs_trial_record_micro, so the whole pipeline runs end to end.
 *
 * The outcomes are MODEL PROXIES: 28-day death is drawn from an assumed logistic
 * link to the model's mean small-vessel PVD (parameters below), not from a
 * validated prognostic model; the course of each patient (LV recovery, resolving
 * capillary dysfunction) is a scenario assumption.  The run estimates what the
 * trial's pipeline would show if the model and the link were right.
 *
 * Every draw is a pure function of (seed, patient index): a run is reproducible
 * and independent of the number of threads.  Nothing prints.
 */
#ifndef HEMOSIM_TRIAL_SIM_H
#define HEMOSIM_TRIAL_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "hemosim/cohort.h"
#include "hemosim/error.h"
#include "hemosim/trial.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_TRIAL_SIM_MAX_ARMS 8
#define HS_TRIAL_SIM_MAX_PHENOTYPES 16

typedef struct hs_trial_sim_options {
  size_t patients;             /* virtual patients screened: study patients 0..n-1
                                  (1-1000, at most the study's size; default 20) */
  uint64_t seed;               /* draws of site, strata, course and outcome (default 1) */
  int threads;                 /* 1-64 (default 1) */
  const char *first_placement; /* ISO 8601 time of the first placement
                                  (default "2026-01-05T08:00Z") */
  double spacing_h;            /* hours between placements, 0-8760 (default 24) */
  const char *prefix;          /* patient code = prefix + number (default "SIM-"), 0-20 chars */
  double visit_h[4];           /* T1..T4 in hours after placement (default 6, 18, 40, 72) */
  double interval_h;           /* titration decision interval, 0.05-24 h (default 6) */
  /* course of each patient, uniform in [lo, hi] (scenario assumptions, 0-1) */
  double obstructed[2];        /* capillary obstruction at placement (default 0.02-0.15) */
  double oedema[2];            /* tissue oedema (default 0.02-0.15) */
  double vasoconstriction[2];  /* intrinsic vasoconstriction (default 0.02-0.12) */
  double lv_recovery[2];       /* rise of lv.ees by T4 (default 0.1-0.8) */
  /* outcome proxy: logit P(death by day 28) = logit(mortality_ref)
     + ln(odds_ratio_per_psvd) x (mean PSVD over T1-T4 - psvd_ref) */
  double mortality_ref;        /* (0, 1), default 0.45 */
  double psvd_ref;             /* mm/mm2; 0 = the protocol's psvd_min (default 0) */
  double odds_ratio_per_psvd;  /* per mm/mm2, (0, 10], default 0.85 */
  /* called after each patient's course (from one thread at a time; may be NULL) */
  void (*progress)(size_t done, size_t total, void *ud);
  void *progress_ud;
} hs_trial_sim_options;

void hs_trial_sim_defaults(hs_trial_sim_options *o);
/* Every option checked; messages name the option, its value and the range. */
hs_status hs_trial_sim_check(const hs_trial_sim_options *o, hs_err *err);

typedef struct hs_trial_sim_arm {
  char id[HS_TRIAL_NAME_MAX];
  char policy[16];         /* control or micro */
  size_t enrolled, deaths; /* deaths: proxy outcome */
  double expected_mortality; /* mean of the patients' proxy death probabilities */
  double mean_flow_lpm;    /* mean ECMO flow at T1-T4 */
  double mean_psvd;        /* mean model small-vessel PVD at T1-T4, mm/mm2 */
} hs_trial_sim_arm;

typedef struct hs_trial_sim_summary {
  size_t screened;         /* patients taken from the population */
  size_t not_accepted;     /* outside the study's acceptance ranges: not enrolled */
  size_t enrolled;
  size_t failed;           /* enrolled, but the course failed (no visits recorded) */
  char first_failure[320]; /* the first failure's message */
  size_t visits;           /* visits recorded */
  size_t deviations;       /* of which outside their window */
  int narms;
  hs_trial_sim_arm arm[HS_TRIAL_SIM_MAX_ARMS];
  size_t nphenotypes;
  size_t enrolled_by_phenotype[HS_TRIAL_SIM_MAX_PHENOTYPES];
  double wall_s;
} hs_trial_sim_summary;

/* Run the trial on virtual patients into the trial database t, which must have no
   patients yet.  populations: 1-16 shock phenotypes (cohort studies, each with at
   least o->patients patients); patient i belongs to phenotype floor(u x n) (u
   uniform, a pure function of (seed, i)) and is that study's patient i; its
   baseline diagnosis is the study's name.  who: a manager; the records are made
   as data entry and the analysis as statistician under who->user (the simulation
   has no blinding to keep).  out (may be NULL) receives the counts. */
hs_status hs_trial_simulate(hs_trial *t, const hs_trial_actor *who,
                            const hs_cohort *const *populations, size_t npopulations,
                            const hs_trial_sim_options *o, hs_trial_sim_summary *out,
                            hs_err *err);

/* A population of n generated patients around one patient file: the cohort study
   (random design, seed) with lv.ees, heart.heart_rate... drawn lognormally around the
   file's values (docs/trial.md "Simulation"); baroreflex as in the file.  Caller frees
   with hs_cohort_free(). */
hs_status hs_trial_sim_population(const char *patient_path, size_t n, uint64_t seed,
                                  hs_cohort **out, hs_err *err);

/* The result as JSON (schema hemosim-trial-simulation/1): options, counts, per arm,
   the trial analysis of the database (hemosim-trial-analysis/1) and the statement
   that outcomes are model proxies.  Caller frees. */
char *hs_trial_sim_json(hs_trial *t, const hs_trial_actor *who, const hs_trial_sim_options *o,
                        const hs_trial_sim_summary *s, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
