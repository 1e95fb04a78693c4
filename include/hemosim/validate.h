/*
 * hemosim/validate.h - the validation suite (published experiments reproduced)
 * and the golden per-patient metrics (stored reference answers).
 *
 * Validation case: one YAML file per published experiment (format in
 * docs/validation-format.md).  A case names conditions (a patient file plus
 * `--set`-style overrides, run to periodic steady state or for a duration) and
 * checks (a metric compared between two conditions or read in one, with the
 * published value as text and an accepted band for the simulated number).
 *
 *   hs_vcase_load_file()   parse and check the file; every condition's patient is
 *                          loaded, its overrides applied and its plan compiled, so
 *                          a check on a metric the simulation does not report is
 *                          an input error located at file:line:col.
 *   hs_validate_run()      run the conditions of any number of cases (in parallel
 *                          threads if asked; results identical to serial) and
 *                          evaluate the checks.
 *   hs_validate_markdown() the generated docs/validation.md.
 *
 * Golden metrics: every metric of the steady-state summary of a patient, with a
 * tolerance per quantity (hs_golden_tolerance), stored as JSON
 * (schema hemosim-golden/1); hs_golden_compare() lists every drifting quantity.
 *
 * Library rules apply: nothing prints; errors fill hs_err.
 */
#ifndef HEMOSIM_VALIDATE_H
#define HEMOSIM_VALIDATE_H

#include <stddef.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_check_kind {
  HS_CHECK_RELATIVE_CHANGE, /* 100 (to - from) / from, in % */
  HS_CHECK_ABSOLUTE_CHANGE, /* to - from, in the metric's unit */
  HS_CHECK_VALUE            /* the value in condition `at` */
} hs_check_kind;

typedef enum hs_verdict {
  HS_VERDICT_HOLDS,           /* inside the band */
  HS_VERDICT_FAILS,           /* outside the band: a CI failure */
  HS_VERDICT_KNOWN_FAILURE,   /* outside the band, declared known_failure */
  HS_VERDICT_UNEXPECTED_PASS, /* inside the band although declared known_failure */
  HS_VERDICT_ERROR            /* not computable (simulation error, from = 0, NaN) */
} hs_verdict;

const char *hs_check_kind_name(hs_check_kind k);
const char *hs_verdict_name(hs_verdict v); /* "holds", "FAILS", "known failure", ... */

typedef struct hs_vcondition {
  const char *name;
  const char *patient;      /* as written in the case (relative to the root) */
  const char *const *sets;  /* "NAME=VALUE" items */
  size_t nsets;
  double duration_s;        /* 0 = to periodic steady state */
  /* optional step after that run ("then:"): these "NAME=VALUE" changes, applied to the
     running simulation (hs_sim_set_text), then then_s seconds more; the metrics are
     then the mean of the beats completed after the change (at most
     solver.window_beats).  nthen 0 = no step. */
  const char *const *then_sets;
  size_t nthen;
  double then_s;
} hs_vcondition;

typedef struct hs_vcheck {
  const char *quantity; /* metric name */
  const char *unit;     /* unit of the checked number ("%" for relative_change) */
  hs_check_kind kind;
  int from, to;         /* condition indices (-1 if unused) */
  int at;
  const char *published;
  double band_lo, band_hi;
  const char *note;          /* "" if absent */
  const char *known_failure; /* NULL if not a known failure */
  int line;                  /* line of the check in the file */
} hs_vcheck;

typedef struct hs_vcase hs_vcase;

/* Load a case.  root: directory that patient paths are relative to (NULL = ".").
   Errors name file:line:col, the field, the value and what is allowed. */
hs_status hs_vcase_load_file(const char *path, const char *root, hs_vcase **out, hs_err *err);
/* Same from text; name is used in messages and must end in "<id>.yaml". */
hs_status hs_vcase_load_string(const char *name, const char *text, size_t len, const char *root,
                               hs_vcase **out, hs_err *err);
void hs_vcase_free(hs_vcase *c); /* NULL is a no-op */

const char *hs_vcase_file(const hs_vcase *c);
const char *hs_vcase_id(const hs_vcase *c);
const char *hs_vcase_title(const hs_vcase *c);
const char *hs_vcase_source(const hs_vcase *c);
const char *hs_vcase_setup(const hs_vcase *c);
size_t hs_vcase_condition_count(const hs_vcase *c);
const hs_vcondition *hs_vcase_condition(const hs_vcase *c, size_t i);
size_t hs_vcase_check_count(const hs_vcase *c);
const hs_vcheck *hs_vcase_check(const hs_vcase *c, size_t i);

/* The number a check reports from the metric in its conditions (from/to, or at
   passed as `to`).  HS_ERR_INVALID (with a message) if relative_change from 0 or
   a value is not finite. */
hs_status hs_vcheck_compute(hs_check_kind kind, double from, double to, double *out,
                            hs_err *err);
/* Verdict of a computed number against a band (inclusive), given known_failure. */
hs_verdict hs_vcheck_verdict(double value, double lo, double hi, int known_failure);

/* ---- results ------------------------------------------------------------- */
typedef struct hs_vcheck_result {
  double from_value, to_value; /* metric in the conditions (to_value = `at` for value) */
  double value;                /* the simulated number compared with the band */
  hs_verdict verdict;
  char error[HS_ERRMSG_MAX + 128]; /* why, for HS_VERDICT_ERROR */
} hs_vcheck_result;

typedef struct hs_vcondition_result {
  hs_status status; /* of the simulation */
  char error[HS_ERRMSG_MAX];
  int steady_reached; /* 1 if steady state was reached (or a duration was run) */
  long beats;
  double simulated_s;
  size_t nmetrics;
  char **names; /* metric names, nmetrics */
  const char **units; /* static strings */
  double *values;
} hs_vcondition_result;

typedef struct hs_vresult {
  const hs_vcase *vcase;
  size_t nconditions, nchecks;
  hs_vcondition_result *conditions;
  hs_vcheck_result *checks;
} hs_vresult;

/* Counts over a set of results. */
typedef struct hs_vtally {
  size_t cases, checks, holds, fails, known_failures, unexpected_passes, errors;
} hs_vtally;

/*
 * Run every condition of every case (threads >= 1; the conditions of all cases
 * share one pool of jobs) and evaluate the checks.  *out is an array of n results
 * (one per case, same order) freed with hs_vresults_free().  A simulation error
 * is not a call error: it gives HS_VERDICT_ERROR in the checks that need it.
 */
hs_status hs_validate_run(const hs_vcase *const *cases, size_t n, int threads,
                          hs_vresult **out, hs_err *err);
void hs_vresults_free(hs_vresult *r, size_t n);
void hs_vtally_of(const hs_vresult *r, size_t n, hs_vtally *t);

/* One metric of a condition (NAN if absent). */
double hs_vresult_metric(const hs_vcondition_result *c, const char *name);

/* Provenance written in generated documents. */
typedef struct hs_vprovenance {
  const char *command; /* e.g. "hemosim validate --markdown docs/validation.md" */
  const char *version; /* HS_VERSION */
  const char *commit;  /* git description or NULL */
} hs_vprovenance;

/* docs/validation.md (Markdown) and a JSON report; caller frees. */
char *hs_validate_markdown(const hs_vresult *r, size_t n, const hs_vprovenance *p, hs_err *err);
char *hs_validate_json(const hs_vresult *r, size_t n, const hs_vprovenance *p, hs_err *err);
/* The console table `hemosim validate` prints: a row per check (problems_only: only the
   checks that neither hold nor are known failures), "" when no row is shown; caller frees. */
char *hs_validate_text(const hs_vresult *r, size_t n, int problems_only, hs_err *err);

/* Format the simulated number of a check for tables ("+62.3", "4.21"). */
void hs_vformat(double v, int signed_change, char *buf, size_t n);

/* ---- golden metrics -------------------------------------------------------- */
typedef struct hs_golden_entry {
  char *name, *unit;
  double value;            /* NAN for a metric the summary reports as null */
  double abs_tol, rel_tol; /* tolerance = max(abs_tol, rel_tol * |value|) */
} hs_golden_entry;

typedef struct hs_golden {
  char *patient; /* path as run, relative to the root */
  size_t n;
  hs_golden_entry *e;
} hs_golden;

/* Tolerance of a quantity, by unit family (docs/validation-format.md). */
void hs_golden_tolerance(const char *name, const char *unit, double *abs_tol, double *rel_tol);

/* Run a patient (path relative to root, NULL root = ".") to steady state; every
   summary metric with its tolerance. */
hs_status hs_golden_run(const char *root, const char *patient, hs_golden **out, hs_err *err);
/* Several patients in parallel threads; out[i] for patients[i].  On error, the
   message names the patient and every out[i] is NULL. */
hs_status hs_golden_run_many(const char *root, const char *const *patients, size_t n,
                             int threads, hs_golden **out, hs_err *err);
hs_status hs_golden_load(const char *path, hs_golden **out, hs_err *err);
char *hs_golden_json(const hs_golden *g, hs_err *err); /* caller frees */
void hs_golden_free(hs_golden *g);                     /* NULL is a no-op */

typedef enum hs_drift_kind {
  HS_DRIFT_VALUE,   /* |new - old| > tolerance */
  HS_DRIFT_MISSING, /* in the golden file, not reported any more */
  HS_DRIFT_NEW      /* reported, not in the golden file */
} hs_drift_kind;

typedef struct hs_golden_drift {
  hs_drift_kind kind;
  const char *name, *unit; /* point into the golden records */
  double old_value, new_value, tolerance;
} hs_golden_drift;

/* Compare a fresh run with the stored one (tolerances of the stored file).
   Returns the number of drifts; the first max are written to out (may be NULL). */
size_t hs_golden_compare(const hs_golden *stored, const hs_golden *fresh, hs_golden_drift *out,
                         size_t max);

#ifdef __cplusplus
}
#endif
#endif
