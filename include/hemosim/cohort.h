/*
 * hemosim/cohort.h - virtual cohorts and in-silico trials (docs/cohort.md).
 *
 * A study file (YAML or JSON, `hemosim_cohort: 1`) names a base patient, a population
 * (parameter distributions with correlations, a design - random, Latin hypercube, Sobol,
 * grid - or a table of calibrated patients), acceptance ranges, a protocol (steady state
 * or a duration, a scenario, one or more strategies = parameter settings), the outputs
 * (metric names) and the targets.  Every virtual patient is a pure function of the seed
 * and its index: its parameters come from a counter-based generator keyed by
 * (seed, patient index) (Philox4x32-10, Salmon et al. SC'11), so results do not depend
 * on scheduling, on the number of threads or of MPI ranks.
 *
 * Running: hs_cohort_run() (threads; one shared compiled plan, one simulation per
 * patient) or hs_cohort_run_mpi() (ranks, dynamic chunks handed out by rank 0).
 * Finished patients are appended to a checkpoint file, so a killed study resumes
 * without losing any.  A patient whose run fails becomes an error row with its message;
 * a patient outside the acceptance ranges becomes a rejected row.
 *
 * Nothing here prints; progress goes through a callback.
 */
#ifndef HEMOSIM_COHORT_H
#define HEMOSIM_COHORT_H

#include <stddef.h>
#include <stdint.h>

#include "hemosim/error.h"
#include "hemosim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- building blocks (also usable alone) ------------------------------------- */

/* Philox4x32-10 (Salmon, Moraes, Dror, Shaw 2011): out = bijection(ctr) under key. */
void hs_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
/* Uniform in (0, 1) (never 0 or 1, 53 random bits) for (seed, patient, stream, k). */
double hs_cohort_uniform(uint64_t seed, uint64_t patient, uint32_t stream, uint32_t k);

/* Standard normal quantile Phi^-1(p), 0 < p < 1 (Wichura 1988, AS241, ~1e-16). */
double hs_norm_quantile(double p);
/* Standard normal CDF. */
double hs_norm_cdf(double x);

/* Sobol low-discrepancy point `index` (index >= 0) in dim <= HS_SOBOL_MAX_DIM dimensions,
   Joe-Kuo 2008 direction numbers (new-joe-kuo-6.21201), Gray-code order; the
   point 0 (all zeros) is index 0. */
#define HS_SOBOL_MAX_DIM 21
hs_status hs_sobol_point(uint64_t index, int dim, double *out, hs_err *err);

/* Cholesky factor L (row-major, lower) of a symmetric n x n correlation matrix;
   HS_ERR_INVALID if it is not positive definite. */
hs_status hs_cholesky(const double *a, int n, double *l, hs_err *err);

/* Global sensitivity from the Saltelli 2010 design: fA[j], fB[j] and
   fAB[i * n + j] (A with column i from B), j < n, i < d.  First-order indices by the
   Saltelli 2010 estimator, total indices by the Jansen 1999 estimator; the variance is
   that of fA and fB together.  Rows j with a non-finite value in any of the d + 2
   evaluations are left out (*used receives the number kept; may be NULL). */
hs_status hs_sobol_indices(const double *fA, const double *fB, const double *fAB, size_t n,
                           size_t d, double *first, double *total, size_t *used, hs_err *err);

/* Morris screening (Morris 1991; mu* of Campolongo, Cariboni, Saltelli 2007).  Trajectory
   t of d <= 64 factors on a `levels`-level grid (even, 4-16) of quantile positions
   (l + 0.5) / levels: u[k * d + j] for its d + 1 points; order[k] is the factor moved at
   step k + 1, delta[j] = +-1/2 its move in quantile position.  A pure function of
   (seed, t). */
void hs_morris_trajectory(uint64_t seed, uint64_t t, int d, int levels, double *u, int *order,
                          double *delta);
/* From f[t * (d + 1) + k] of r trajectories: mu* (mean |elementary effect|), mu and
   sigma (standard deviation) per factor, effects per unit of quantile position.
   Trajectories with a non-finite value are left out (*used: those kept; may be NULL). */
/* Percentile bootstrap intervals (Efron & Tibshirani 1993, ch. 13; for Sobol indices
   Archer, Saltelli & Sobol, J Stat Comput Simul 1997;58:99) of the indices of
   hs_sobol_indices: B resamples (100-10^6) of the n base rows with replacement, each a
   pure function of (seed, resample), so the intervals are reproducible; level e.g. 0.95.
   Any of the four output arrays (d values each) may be NULL; NaN where fewer than two
   complete rows remain. */
hs_status hs_sobol_indices_ci(const double *fA, const double *fB, const double *fAB, size_t n,
                              size_t d, size_t B, double level, uint64_t seed, double *first_lo,
                              double *first_hi, double *total_lo, double *total_hi, hs_err *err);

/* Why a Sobol estimate should not be trusted, or "" (written into buf of n bytes, which
   is returned): fewer than HS_SOBOL_FEW complete base samples; a first-order index above
   1; a first-order index above the upper end of the total index's interval (S_i <= S_Ti
   holds for the true indices: estimation noise).  first_hi / total_hi may be NaN. */
#define HS_SOBOL_FEW 64
const char *hs_sobol_warning(double first, double total, double total_hi, size_t used, char *buf,
                             size_t n);

hs_status hs_morris_indices(const double *f, size_t r, int d, const int *order,
                            const double *delta, double *mustar, double *mu, double *sigma,
                            size_t *used, hs_err *err);

/* Percentile bootstrap interval (Efron & Tibshirani, An Introduction to the Bootstrap,
   1993, ch. 13) of the median (HS_BOOT_MEDIAN, Hyndman-Fan definition 7) or the mean
   (HS_BOOT_MEAN; of 0/1 values: a proportion) of x[0..n-1]: B resamples (100-10^6) with
   replacement, each a pure function of (seed, resample); level e.g. 0.95.  lo, hi NaN
   when n < 2; HS_ERR_RANGE when n >= 2^32.  The median of a resample is read off its
   counts in the sample's sorted order (O(n) per resample, the value sorting it gives). */
enum { HS_BOOT_MEDIAN = 0, HS_BOOT_MEAN = 1 };
hs_status hs_bootstrap_ci(const double *x, size_t n, int stat, size_t B, double level,
                          uint64_t seed, double *lo, double *hi, hs_err *err);

/* ---- studies ----------------------------------------------------------------- */

typedef struct hs_cohort hs_cohort;

/* Load a study file; paths inside it are relative to the file's directory.  Errors name
   file:line:col, the field, the value and the allowed range.  The base patient is
   loaded and compiled once here.  Caller frees with hs_cohort_free(). */
hs_status hs_cohort_load_file(const char *path, hs_cohort **out, hs_err *err);
/* The same from text; base_dir resolves relative paths (NULL: the current directory). */
hs_status hs_cohort_load_string(const char *name, const char *text, size_t len,
                                const char *base_dir, hs_cohort **out, hs_err *err);
void hs_cohort_free(hs_cohort *c); /* NULL is a no-op */

const char *hs_cohort_name(const hs_cohort *c);
uint64_t hs_cohort_seed(const hs_cohort *c);
/* Fingerprint of everything that determines the results (FNV-1a of the study text,
   the base patient, scenario and table files); a checkpoint only resumes a study with
   the same fingerprint. */
uint64_t hs_cohort_fingerprint(const hs_cohort *c);

/* Virtual patients (rows of the design, before acceptance). */
size_t hs_cohort_patient_count(const hs_cohort *c);
/* Uncertain parameters (columns of the design): "lv.ees", ...; values in internal units. */
size_t hs_cohort_param_count(const hs_cohort *c);
const char *hs_cohort_param_name(const hs_cohort *c, size_t k);
const char *hs_cohort_param_unit(const hs_cohort *c, size_t k);
/* Strategies (arms) of the protocol; at least one ("baseline" if the file has none). */
size_t hs_cohort_strategy_count(const hs_cohort *c);
const char *hs_cohort_strategy_name(const hs_cohort *c, size_t s);
/* Outputs (metric names, hs_sim_metric_name) and their units. */
size_t hs_cohort_output_count(const hs_cohort *c);
const char *hs_cohort_output_name(const hs_cohort *c, size_t k);
const char *hs_cohort_output_unit(const hs_cohort *c, size_t k);
/* Targets: output index, bound and its text ("pcwp_mmhg < 18"). */
size_t hs_cohort_target_count(const hs_cohort *c);
const char *hs_cohort_target_text(const hs_cohort *c, size_t t);

/* The parameter vector of patient i (hs_cohort_param_count values, internal units):
   a pure function of (seed, i). */
hs_status hs_cohort_sample(const hs_cohort *c, size_t i, double *x, hs_err *err);

/* Virtual patient i as a model for protocols run outside the study (hemosim trial
   simulate): the base patient with its drawn parameters and protocol.set (the scenario
   and the strategies are not applied).  With acceptance ranges the patient is first run
   to steady state as it presents; outside a range *model stays NULL and why (may be
   NULL) receives the reason ("outside acceptance: ..."), otherwise "".  Caller frees
   *model with hs_model_free(). */
hs_status hs_cohort_patient(const hs_cohort *c, size_t i, hs_model **model, char *why,
                            size_t nwhy, hs_err *err);

/* ---- results ----------------------------------------------------------------- */

typedef enum hs_cohort_status {
  HS_COHORT_PENDING = 0, /* not run (yet) */
  HS_COHORT_OK = 1,
  HS_COHORT_REJECTED = 2, /* outside an acceptance range (first strategy's metrics) */
  HS_COHORT_ERROR = 3     /* the run failed (message kept) */
} hs_cohort_status;
const char *hs_cohort_status_name(int status); /* "pending", "ok", "rejected", "error" */

typedef struct hs_cohort_results {
  size_t npatients, nparams, nstrategies, noutputs, ntargets;
  /* per patient i: x[i * nparams + k] */
  double *x;
  /* per patient i and strategy s, r = i * nstrategies + s: */
  unsigned char *status;  /* hs_cohort_status */
  double *y;              /* y[r * noutputs + k]; NaN unless status OK */
  unsigned char *met;     /* met[r * ntargets + t] */
  char **message;         /* error or rejection reason (NULL when none) */
  size_t done;            /* patients finished (all strategies) */
  size_t resumed;         /* of which read back from the checkpoint */
  double wall_s;
} hs_cohort_results;
void hs_cohort_results_free(hs_cohort_results *r); /* NULL is a no-op */

/* Run patient i (all strategies) into row slots of r (thread-safe for distinct i). */
hs_status hs_cohort_eval(const hs_cohort *c, size_t i, hs_cohort_results *r, hs_err *err);

typedef void (*hs_cohort_progress_fn)(size_t done, size_t total, double elapsed_s, void *ud);

typedef struct hs_cohort_options {
  int threads;                 /* >= 1 (per rank under MPI) */
  const char *checkpoint;      /* file finished patients are appended to; NULL: none */
  int resume;                  /* 1: read the checkpoint first and skip finished patients */
  size_t chunk;                /* patients per work unit (0: automatic) */
  size_t limit;                /* stop after this many newly finished patients (0: all);
                                  for tests of resume and for benchmarks */
  hs_cohort_progress_fn progress; /* called from one thread at a time; may be NULL */
  void *progress_ud;
} hs_cohort_options;
void hs_cohort_options_default(hs_cohort_options *o);

/* Run the study with threads.  *out receives every row (pending rows if limit stopped
   it); results are identical whatever the number of threads. */
hs_status hs_cohort_run(const hs_cohort *c, const hs_cohort_options *o,
                        hs_cohort_results **out, hs_err *err);

/* MPI: 1 if the library was built with MPI and this process was started by mpirun. */
int hs_cohort_mpi_available(void);
int hs_cohort_mpi_launched(void);
/* Collective over MPI_COMM_WORLD: rank 0 hands out chunks of patients on request
   (dynamic), every rank runs o->threads threads, rank 0 gathers the rows, writes the
   checkpoint and receives *out; other ranks get *out = NULL and *rank > 0.  Initialises
   and finalises MPI itself.  HS_ERR_STATE when built without MPI. */
hs_status hs_cohort_run_mpi(const hs_cohort *c, const hs_cohort_options *o, int *rank,
                            hs_cohort_results **out, hs_err *err);

/* ---- outputs (written atomically) --------------------------------------------- */

/* One row per patient and strategy: patient, strategy, status, parameters, outputs,
   targets met, message. */
hs_status hs_cohort_write_csv(const hs_cohort *c, const hs_cohort_results *r, const char *path,
                              hs_err *err);
/* Summary per strategy and output: n, median, quartiles; per target and strategy the
   proportion of accepted patients meeting it; acceptance rate. */
hs_status hs_cohort_write_summary_csv(const hs_cohort *c, const hs_cohort_results *r,
                                      const char *path, hs_err *err);
/* The same as text for a terminal; caller frees. */
char *hs_cohort_summary_text(const hs_cohort *c, const hs_cohort_results *r);
/* SQLite database with tables study, patients, results (HS_ERR_STATE without SQLite). */
hs_status hs_cohort_write_sqlite(const hs_cohort *c, const hs_cohort_results *r,
                                 const char *path, hs_err *err);
/* SVG figures: output distributions per strategy, and the proportion meeting the
   targets per strategy.  Caller frees. */
char *hs_cohort_distribution_svg(const hs_cohort *c, const hs_cohort_results *r, hs_err *err);
char *hs_cohort_success_svg(const hs_cohort *c, const hs_cohort_results *r, hs_err *err);

/* Every file of `hemosim cohort --out DIR` into the existing directory dir (atomically,
   each): results.csv, summary.csv, sensitivity.csv (with a sensitivity section),
   results.sqlite (when sqlite is non-zero), distributions.svg, success.svg. */
hs_status hs_cohort_write_outputs(const hs_cohort *c, const hs_cohort_results *r,
                                  const char *dir, int sqlite, hs_err *err);

/* 1 if the study asked for a sensitivity analysis (its design is then the Saltelli 2010
   matrices or the Morris trajectories). */
int hs_cohort_has_sensitivity(const hs_cohort *c);
/* Sobol first and total indices with their 95 % bootstrap intervals and a warning
   (strategy, output, parameter, first_order, first_order_lo, first_order_hi, total,
   total_lo, total_hi, samples_used, warning) or Morris measures (strategy, output,
   parameter, mu_star, mu, sigma, trajectories_used) of every output and strategy against
   every uncertain parameter. */
hs_status hs_cohort_write_sensitivity_csv(const hs_cohort *c, const hs_cohort_results *r,
                                          const char *path, hs_err *err);
/* The Sobol warnings of the study, one line each ("strategy S, output O, parameter P:
   why"), or NULL when there are none (or for Morris); the caller frees the text. */
char *hs_cohort_sensitivity_warnings(const hs_cohort *c, const hs_cohort_results *r);

#ifdef __cplusplus
}
#endif
#endif
