/* analysis/cohort_impl.h - the loaded study, shared by the cohort sources. */
#ifndef HS_ANALYSIS_COHORT_IMPL_H
#define HS_ANALYSIS_COHORT_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "hemosim/cohort.h"
#include "hemosim/compare.h"
#include "hemosim/titrate.h"
#include "hemosim/model.h"
#include "hemosim/patient.h"
#include "hemosim/sim.h"

enum { CD_NORMAL, CD_LOGNORMAL, CD_UNIFORM, CD_TRUNCNORMAL, CD_VALUES };
enum { MODE_RUN, MODE_COMPARE, MODE_OPTIMIZE, MODE_TITRATE };
enum { DESIGN_RANDOM, DESIGN_LHS, DESIGN_SOBOL, DESIGN_GRID, DESIGN_TABLE, DESIGN_SALTELLI,
       DESIGN_MORRIS };

typedef struct cohort_param {
  char *path;
  const char *unit; /* internal unit (hs_dim_unit) */
  const char *shown; /* unit of results.csv and the SQLite (hs_dim_display_unit) */
  double per_shown;  /* internal value of one shown unit */
  int dist;         /* CD_* */
  double a, b;      /* normal/truncnormal: mean, sd; lognormal: mu, sigma of the log;
                       uniform: min, max */
  double lo, hi;    /* truncnormal bounds */
  double *values;   /* CD_VALUES (grid) */
  size_t nvalues;
  int levels;       /* grid levels (CD_VALUES: nvalues) */
} cohort_param;

/* A drawn value (internal unit) in the unit results.csv and the SQLite show. */
static inline double cohort_shown_value(const cohort_param *p, double internal) {
  return p->per_shown > 0 ? internal / p->per_shown : internal;
}
static inline const char *cohort_shown_unit(const cohort_param *p) {
  return p->shown ? p->shown : p->unit ? p->unit : "";
}

typedef struct cohort_set {
  char *path;
  double value; /* internal unit */
} cohort_set;

typedef struct cohort_strategy {
  char *name;
  cohort_set *set;
  size_t nset;
} cohort_strategy;

typedef struct cohort_bound {
  size_t metric; /* index into the simulation's metrics */
  size_t output; /* index into outputs (targets only) */
  int is_min;    /* 1: value >= bound; 0: value <= bound */
  double bound;
  char text[96];
} cohort_bound;

struct hs_cohort {
  char *name, *file;
  uint64_t seed, fingerprint;
  hs_model *model;
  hs_plan *plan;
  hs_scenario *scenario;
  int design;
  size_t n;     /* patients */
  size_t nbase; /* Saltelli base samples, Morris trajectories */
  int levels;   /* Morris grid levels */
  cohort_param *p;
  size_t np;
  double *chol;     /* np x np lower factor, NULL: independent */
  double *table;    /* DESIGN_TABLE: n x np values */
  uint32_t *perm;   /* DESIGN_LHS: np x n stratum permutations */
  cohort_set *common; /* protocol.set */
  size_t ncommon;
  cohort_strategy *strat;
  size_t nstrat;
  double duration; /* > 0: run this long; 0: to steady state */
  int mode;        /* MODE_*: run, or a decision protocol per patient */
  hs_targets ctargets; /* compare / optimize: the decision targets and context */
  hs_context cctx;
  hs_titrate_options topts; /* titrate */
  size_t nmetrics; /* metrics of one simulation (hs_sim_metric_count) */
  size_t *out;     /* outputs: metric indices (run) or analysis value indices */
  char **out_name;
  const char **out_unit;
  size_t nout;
  cohort_bound *accept;
  size_t naccept;
  cohort_bound *target;
  size_t ntarget;
  hs_sim *warm; /* the base patient's steady state with protocol.set (on plan): the start
                   of every steady-state run, or NULL (docs/cohort.md "Warm start") */
};

/* Decision protocols (cohort_protocol.c): the values an arm reports, and the run of one
   patient: v[s * count + k] for strategy s; msg[s] (malloc'ed) when strategy s failed. */
size_t cohort_mode_value_count(int mode);
const char *cohort_mode_value_name(int mode, size_t k);
const char *cohort_mode_value_unit(int mode, size_t k);
/* Patient x as a model: the base patient, the drawn parameters, protocol.set (caller
   frees; NULL with err set). */
hs_model *cohort_patient_model(const hs_cohort *c, const double *x, hs_err *err);
hs_status cohort_analysis(const hs_cohort *c, const double *x, double *v, char **msg,
                          hs_err *err);

/* Allocate empty (pending) results for a study. */
hs_cohort_results *hs_cohort_results_new(const hs_cohort *c, hs_err *err);
/* Checkpoint line of patient i (text, newline-terminated; caller frees), and reading one
   back into r.  Values are written as C99 hexadecimal floats, so a resumed study is
   bit-identical. */
char *hs_cohort_row_text(const hs_cohort *c, const hs_cohort_results *r, size_t i);
hs_status hs_cohort_row_parse(const hs_cohort *c, hs_cohort_results *r, char *line,
                              size_t *index, hs_err *err);
/* Open / read the checkpoint; fills r with finished patients (resume) or starts a new
   file.  Returns the file descriptor (>= 0) or -1 with err set. */
int hs_cohort_checkpoint_open(const hs_cohort *c, const char *path, int resume,
                              hs_cohort_results *r, hs_err *err);
/* Append text (one write: a kill leaves whole lines or a cut last one). */
hs_status hs_cohort_checkpoint_append(int fd, const char *text, hs_err *err);

/* The work list shared by the threads of a process (and by the MPI master). */
typedef struct cohort_pool {
  const hs_cohort *c;
  const hs_cohort_options *o;
  hs_cohort_results *r;
  size_t *todo, ntodo, next, chunk; /* unfinished patients; next to hand out */
  int own_todo;
  pthread_mutex_t lock;
  int fd; /* checkpoint, -1: none */
  double last_sync, t0, last_progress;
  int syncing; /* a thread is flushing the checkpoint (cohort_pool_sync) */
  hs_status st; /* first error (stops handing out work) */
  hs_err err;
} cohort_pool;
/* Results (with the checkpoint read back on resume), checkpoint, list of unfinished
   patients; a failure is left in p->st / p->err for cohort_pool_close. */
void cohort_pool_open(cohort_pool *p, const hs_cohort *c, const hs_cohort_options *o);
/* Under p->lock: the next positions [a, b) of the list (a == b: nothing left). */
void cohort_pool_take(cohort_pool *p, size_t *a, size_t *b);
/* Under p->lock: a patient is finished (line = its checkpoint line): append, progress.
   Returns 1 when the checkpoint is due its flush to disk (at most once a second): the
   caller then calls cohort_pool_sync after releasing the lock. */
int cohort_pool_finished(cohort_pool *p, const char *line);
/* Not under p->lock: fdatasync the checkpoint (a failure stops the study). */
void cohort_pool_sync(cohort_pool *p);
void *cohort_pool_worker(void *p);
/* Start n worker threads (returns how many started); run with `threads` threads in all,
   the caller being one of them. */
int cohort_pool_start(cohort_pool *p, pthread_t *th, int n);
void cohort_pool_run(cohort_pool *p, int threads);
/* Options: NULL -> defaults in *def; threads checked. */
hs_status cohort_options_check(const hs_cohort_options **o, hs_cohort_options *def,
                               hs_err *err);
/* Sync and close the checkpoint; hand the results to *out or return the error. */
hs_status cohort_pool_close(cohort_pool *p, hs_cohort_results **out, hs_err *err);

#endif
