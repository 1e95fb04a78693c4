/*
 * analysis/cohort_run.c - running a study: one patient (all strategies), threads over
 * patients, the checkpoint file (docs/cohort.md "Running").
 *
 * Every thread takes the next chunk of patient indices from a shared counter and
 * writes into the rows of those patients only; a patient's rows depend on nothing but
 * the study and its index, so the results are the same for any number of threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "analysis/cohort_impl.h"
#include "hemosim/output.h"

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

const char *hs_cohort_status_name(int status) {
  static const char *const N[] = {"pending", "ok", "rejected", "error"};
  return status >= 0 && status <= 3 ? N[status] : "?";
}

void hs_cohort_options_default(hs_cohort_options *o) {
  memset(o, 0, sizeof *o);
  o->threads = 1;
}

void hs_cohort_results_free(hs_cohort_results *r) {
  if (!r) return;
  if (r->message)
    for (size_t k = 0; k < r->npatients * r->nstrategies; k++) free(r->message[k]);
  free(r->message);
  free(r->x);
  free(r->y);
  free(r->status);
  free(r->met);
  free(r);
}

hs_cohort_results *hs_cohort_results_new(const hs_cohort *c, hs_err *err) {
  hs_cohort_results *r = calloc(1, sizeof *r);
  if (!r) goto nomem;
  r->npatients = c->n;
  r->nparams = c->np;
  r->nstrategies = c->nstrat;
  r->noutputs = c->nout;
  r->ntargets = c->ntarget;
  size_t rows = c->n * c->nstrat;
  r->x = malloc((c->n * c->np + 1) * sizeof *r->x);
  r->y = malloc((rows * c->nout + 1) * sizeof *r->y);
  r->status = calloc(rows + 1, 1);
  r->met = calloc(rows * c->ntarget + 1, 1);
  r->message = calloc(rows + 1, sizeof *r->message);
  if (!r->x || !r->y || !r->status || !r->met || !r->message) goto nomem;
  for (size_t k = 0; k < rows * c->nout; k++) r->y[k] = NAN;
  for (size_t i = 0; i < c->n; i++)
    if (hs_cohort_sample(c, i, r->x + i * c->np, err)) {
      hs_cohort_results_free(r);
      return NULL;
    }
  return r;
nomem:
  hs_cohort_results_free(r);
  hs_err_set(err, HS_ERR_NOMEM, "out of memory for the results of %zu patients", c->n);
  return NULL;
}

/* ---- one patient ------------------------------------------------------------------ */

static hs_status set_all(hs_sim *sim, const cohort_set *s, size_t n, hs_err *err) {
  for (size_t k = 0; k < n; k++) {
    hs_status st = hs_sim_set(sim, s[k].path, s[k].value, err);
    if (st) return st;
  }
  return HS_OK;
}

/* simulate patient x under strategy s (SIZE_MAX: none) from warm (a steady state, or
   NULL: from rest); metrics into m (c->nmetrics values) */
static hs_status run_from(const hs_cohort *c, const double *x, size_t s, const hs_sim *warm,
                          double *m, hs_err *err) {
  hs_sim *sim = hs_sim_new(c->plan, err);
  if (!sim) return err->code;
  hs_status st = HS_OK;
  for (size_t k = 0; k < c->np && !st; k++) st = hs_sim_set(sim, c->p[k].path, x[k], err);
  if (!st) st = set_all(sim, c->common, c->ncommon, err);
  if (!st && s < c->nstrat) st = set_all(sim, c->strat[s].set, c->strat[s].nset, err);
  if (!st && c->scenario) st = hs_scenario_apply(c->scenario, sim, err);
  if (!st) {
    if (c->duration > 0) {
      st = hs_sim_run(sim, c->duration, err);
    } else {
      /* from the study's warm state (after the settings: a setting changed before the
         first beat rebuilds the initial state) */
      if (warm) st = hs_sim_copy_state(sim, warm, err);
      hs_steady_info info;
      if (!st) st = hs_sim_run_to_steady(sim, &info, err);
    }
  }
  if (!st) {
    double w = 6;
    hs_sim_get(sim, "solver.window_beats", &w, NULL);
    long window = (long)w;
    if (hs_sim_beats(sim) < window) window = hs_sim_beats(sim);
    if (window < 1)
      st = hs_err_set(err, HS_ERR_STATE, "no beat completed in %.3g s", hs_sim_time(sim));
    else
      st = hs_sim_summary_all(sim, (int)window, m, err);
  }
  hs_sim_free(sim);
  return st;
}

/* run_from the study's warm state; again from rest when the warm-started steady state
   has a ventricle that does not eject (its filling only grows, so where it settles
   depends on where it started: the answer from rest is the reference, docs/cohort.md) */
static hs_status run_one(const hs_cohort *c, const double *x, size_t s, double *m, hs_err *err) {
  int warm = c->warm && c->duration <= 0;
  hs_status st = run_from(c, x, s, warm ? c->warm : NULL, m, err);
  if (warm && (st || !(m[HS_M_AVOPEN] > 0.0) || !(m[HS_M_RVO] > 1e-3)))
    st = run_from(c, x, s, NULL, m, err);
  return st;
}

static void set_message(hs_cohort_results *r, size_t row, const char *text) {
  free(r->message[row]);
  r->message[row] = dupstr(text);
}

/* the acceptance ranges on metrics m: "" when accepted, else the reason */
static void acceptance(const hs_cohort *c, const double *m, char *why, size_t n) {
  *why = '\0';
  for (size_t a = 0; a < c->naccept; a++) {
    const cohort_bound *b = &c->accept[a];
    double v = m[b->metric];
    if (isfinite(v) && (b->is_min ? v >= b->bound : v <= b->bound)) continue;
    size_t k = strlen(why);
    snprintf(why + k, n - k, "%s%s (%.4g)", k ? "; " : "outside acceptance: ", b->text, v);
  }
}

/* status of every strategy of patient i with one message */
static void all_rows(const hs_cohort *c, hs_cohort_results *r, size_t i, int status,
                     const char *msg) {
  for (size_t q = 0; q < c->nstrat; q++) {
    r->status[i * c->nstrat + q] = (unsigned char)status;
    set_message(r, i * c->nstrat + q, msg);
  }
}

/* a finished row: outputs from values v (indexed by c->out), targets on the outputs */
static void ok_row(const hs_cohort *c, hs_cohort_results *r, size_t row, const double *v) {
  r->status[row] = HS_COHORT_OK;
  for (size_t k = 0; k < c->nout; k++) r->y[row * c->nout + k] = v[c->out[k]];
  for (size_t t = 0; t < c->ntarget; t++) {
    const cohort_bound *b = &c->target[t];
    double y = r->y[row * c->nout + b->output];
    r->met[row * c->ntarget + t] =
        (unsigned char)(isfinite(y) && (b->is_min ? y >= b->bound : y <= b->bound));
  }
}

hs_status hs_cohort_eval(const hs_cohort *c, size_t i, hs_cohort_results *r, hs_err *err) {
  if (i >= c->n) return hs_err_set(err, HS_ERR_RANGE, "patient %zu of %zu", i, c->n);
  size_t nv = cohort_mode_value_count(c->mode);
  double *m = malloc((c->nmetrics + c->nstrat * nv + 1) * sizeof *m);
  char **msg = calloc(c->nstrat + 1, sizeof *msg);
  if (!m || !msg) {
    free(m);
    free(msg);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  const double *x = r->x + i * c->np;
  char why[512];
  hs_err e = {HS_OK, ""};
  if (c->mode != MODE_RUN) {
    /* decision protocols: acceptance on the patient as it presents (steady state without
       any strategy), then one analysis for all strategies */
    if (c->naccept && run_one(c, x, SIZE_MAX, m, &e)) {
      all_rows(c, r, i, HS_COHORT_ERROR, *e.msg ? e.msg : hs_status_str(e.code));
    } else if (c->naccept && (acceptance(c, m, why, sizeof why), *why)) {
      all_rows(c, r, i, HS_COHORT_REJECTED, why);
    } else if (cohort_analysis(c, x, m + c->nmetrics, msg, &e)) {
      all_rows(c, r, i, HS_COHORT_ERROR, *e.msg ? e.msg : hs_status_str(e.code));
    } else {
      for (size_t s = 0; s < c->nstrat; s++) {
        if (msg[s]) {
          r->status[i * c->nstrat + s] = HS_COHORT_ERROR;
          set_message(r, i * c->nstrat + s, msg[s]);
        } else {
          ok_row(c, r, i * c->nstrat + s, m + c->nmetrics + s * nv);
        }
      }
    }
  }
  for (size_t s = 0; c->mode == MODE_RUN && s < c->nstrat; s++) {
    size_t row = i * c->nstrat + s;
    hs_err e1 = {HS_OK, ""};
    if (run_one(c, x, s, m, &e1)) {
      r->status[row] = HS_COHORT_ERROR;
      set_message(r, row, *e1.msg ? e1.msg : hs_status_str(e1.code));
      continue;
    }
    /* acceptance: the first strategy is the patient as it presents */
    if (s == 0 && c->naccept && (acceptance(c, m, why, sizeof why), *why)) {
      all_rows(c, r, i, HS_COHORT_REJECTED, why);
      break;
    }
    ok_row(c, r, row, m);
  }
  for (size_t s = 0; s < c->nstrat; s++) free(msg[s]);
  free(msg);
  free(m);
  return HS_OK;
}

hs_status hs_cohort_patient(const hs_cohort *c, size_t i, hs_model **model, char *why,
                            size_t nwhy, hs_err *err) {
  *model = NULL;
  if (why && nwhy) *why = '\0';
  if (i >= c->n) return hs_err_set(err, HS_ERR_RANGE, "patient %zu of %zu", i, c->n);
  double *x = malloc((c->np + c->nmetrics + 1) * sizeof *x);
  if (!x) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  double *m = x + c->np;
  char reason[512] = "";
  hs_status st = hs_cohort_sample(c, i, x, err);
  if (!st && c->naccept && !(st = run_one(c, x, SIZE_MAX, m, err)))
    acceptance(c, m, reason, sizeof reason);
  if (!st && !*reason && !(*model = cohort_patient_model(c, x, err))) st = err->code;
  if (!st && why && nwhy) snprintf(why, nwhy, "%s", reason);
  free(x);
  return st;
}

/* ---- checkpoint ------------------------------------------------------------------- */

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...) {
  if (!*buf) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (*len + (size_t)n < *cap) {
      *len += (size_t)n;
      return;
    }
    char *nb = realloc(*buf, *cap = 2 * *cap + (size_t)n);
    if (!nb) {
      free(*buf);
      *buf = NULL;
      return;
    }
    *buf = nb;
  }
}

char *hs_cohort_row_text(const hs_cohort *c, const hs_cohort_results *r, size_t i) {
  size_t len = 0, cap = 256;
  char *b = malloc(cap);
  put(&b, &len, &cap, "%zu", i);
  for (size_t s = 0; s < c->nstrat; s++) {
    size_t row = i * c->nstrat + s;
    put(&b, &len, &cap, "\t%d", r->status[row]);
    for (size_t k = 0; k < c->nout; k++) put(&b, &len, &cap, "\t%a", r->y[row * c->nout + k]);
    put(&b, &len, &cap, "\t");
    for (size_t t = 0; t < c->ntarget; t++)
      put(&b, &len, &cap, "%c", r->met[row * c->ntarget + t] ? '1' : '0');
    put(&b, &len, &cap, "\t");
    const char *msg = r->message[row] ? r->message[row] : "";
    for (const char *p = msg; *p; p++)
      put(&b, &len, &cap, "%c", *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
    if (!*msg) put(&b, &len, &cap, "-");
  }
  put(&b, &len, &cap, "\n");
  return b;
}

hs_status hs_cohort_row_parse(const hs_cohort *c, hs_cohort_results *r, char *line,
                              size_t *index, hs_err *err) {
  char *save = NULL, *tok = strtok_r(line, "\t", &save), *end;
#define NEXT()                                                                   \
  do {                                                                           \
    if (!(tok = strtok_r(NULL, "\t", &save))) goto bad;                          \
  } while (0)
  if (!tok) goto bad;
  unsigned long long i = strtoull(tok, &end, 10);
  if (*end || i >= c->n) goto bad;
  for (size_t s = 0; s < c->nstrat; s++) {
    size_t row = (size_t)i * c->nstrat + s;
    NEXT();
    long stv = strtol(tok, &end, 10);
    if (*end || stv < HS_COHORT_OK || stv > HS_COHORT_ERROR) goto bad;
    r->status[row] = (unsigned char)stv;
    for (size_t k = 0; k < c->nout; k++) {
      NEXT();
      r->y[row * c->nout + k] = strtod(tok, &end);
      if (*end) goto bad;
    }
    /* targets: a run of 0/1 (empty without targets: the field is then absent) */
    if (c->ntarget) {
      NEXT();
      if (strlen(tok) != c->ntarget) goto bad;
      for (size_t t = 0; t < c->ntarget; t++) r->met[row * c->ntarget + t] = tok[t] == '1';
    }
    NEXT();
    set_message(r, row, "");
    if (strcmp(tok, "-")) set_message(r, row, tok);
    else {
      free(r->message[row]);
      r->message[row] = NULL;
    }
  }
  *index = (size_t)i;
  return HS_OK;
#undef NEXT
bad:
  return hs_err_set(err, HS_ERR_PARSE, "malformed checkpoint line");
}

int hs_cohort_checkpoint_open(const hs_cohort *c, const char *path, int resume,
                              hs_cohort_results *r, hs_err *err) {
  /* the study's fingerprint, sizes and the build: rows of two builds must not mix */
  char head[512];
  snprintf(head, sizeof head, "hemosim-cohort-checkpoint 1 %016llx %zu %zu %zu %zu %s\n",
           (unsigned long long)hs_cohort_fingerprint(c), c->n, c->nstrat, c->nout, c->ntarget,
           hs_build_version());
  if (resume) {
    FILE *f = fopen(path, "r+");
    if (f) {
      char *line = NULL;
      size_t cap = 0;
      ssize_t n;
      long lineno = 0;
      off_t good = 0;
      hs_status st = HS_OK;
      while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n') break; /* the line a kill cut short: dropped */
        if (lineno == 1) {
          const char *sp = strrchr(head, ' '), *lp = strrchr(line, ' ');
          size_t hn = (size_t)(sp - head);
          if (strcmp(line, head) && lp && (size_t)(lp - line) == hn && !strncmp(line, head, hn)) {
            st = hs_err_set(err, HS_ERR_INVALID,
                            "%s: the checkpoint was written by hemosim %.*s, this is hemosim %s: "
                            "resuming would mix results of two builds; rerun the study (remove "
                            "the checkpoint or use another --out) or resume with that build",
                            path, (int)strcspn(lp + 1, "\n"), lp + 1, hs_build_version());
            break;
          }
          if (strcmp(line, head)) {
            st = hs_err_set(err, HS_ERR_INVALID,
                            "%s: the checkpoint belongs to another study or version of it "
                            "(fingerprint or size differs): remove it or use another --out",
                            path);
            break;
          }
        } else {
          size_t i;
          line[n - 1] = '\0';
          if ((st = hs_cohort_row_parse(c, r, line, &i, err))) {
            hs_err_prefix(err, "%s:%ld: ", path, lineno);
            break;
          }
          if (r->status[i * c->nstrat] != HS_COHORT_PENDING && r->resumed < r->npatients) {
            r->done++;
            r->resumed++;
          }
        }
        good = ftello(f);
      }
      free(line);
      fclose(f);
      if (st) return -1;
      if (lineno > 0) {
        /* cut a partial last line so that appends start on a fresh line */
        if (truncate(path, good) != 0) {
          hs_err_set(err, HS_ERR_IO, "%s: %s", path, strerror(errno));
          return -1;
        }
        int fd = open(path, O_WRONLY | O_APPEND);
        if (fd < 0) hs_err_set(err, HS_ERR_IO, "%s: %s", path, strerror(errno));
        if (fd >= 0 && good == 0 && write(fd, head, strlen(head)) != (ssize_t)strlen(head)) {
          hs_err_set(err, HS_ERR_IO, "%s: %s", path, strerror(errno));
          close(fd);
          return -1;
        }
        return fd;
      }
    }
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) {
    hs_err_set(err, HS_ERR_IO, "%s: cannot create the checkpoint: %s", path, strerror(errno));
    return -1;
  }
  if (write(fd, head, strlen(head)) != (ssize_t)strlen(head) || fdatasync(fd) != 0) {
    hs_err_set(err, HS_ERR_IO, "%s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

hs_status hs_cohort_checkpoint_append(int fd, const char *text, hs_err *err) {
  size_t n = strlen(text), off = 0;
  while (off < n) { /* one write per patient: a kill leaves whole lines or a cut last one */
    ssize_t w = write(fd, text + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return hs_err_set(err, HS_ERR_IO, "checkpoint: %s", strerror(errno));
    off += (size_t)w;
  }
  return HS_OK;
}

/* ---- threads ---------------------------------------------------------------------- */

void cohort_pool_open(cohort_pool *p, const hs_cohort *c, const hs_cohort_options *o) {
  memset(p, 0, sizeof *p);
  p->c = c;
  p->o = o;
  p->fd = -1;
  p->t0 = p->last_sync = hs_wall_s();
  pthread_mutex_init(&p->lock, NULL);
  if (!(p->r = hs_cohort_results_new(c, &p->err))) {
    p->st = p->err.code;
    return;
  }
  if (o->checkpoint &&
      (p->fd = hs_cohort_checkpoint_open(c, o->checkpoint, o->resume, p->r, &p->err)) < 0) {
    p->st = p->err.code;
    return;
  }
  if (!(p->todo = malloc((c->n + 1) * sizeof *p->todo))) {
    p->st = hs_err_set(&p->err, HS_ERR_NOMEM, "out of memory");
    return;
  }
  p->own_todo = 1;
  for (size_t i = 0; i < c->n; i++)
    if (p->r->status[i * c->nstrat] == HS_COHORT_PENDING) p->todo[p->ntodo++] = i;
  if (o->limit && o->limit < p->ntodo) p->ntodo = o->limit;
  p->chunk = o->chunk ? o->chunk : 1;
}

void cohort_pool_take(cohort_pool *p, size_t *a, size_t *b) {
  *a = p->next;
  *b = p->st ? *a : *a + p->chunk < p->ntodo ? *a + p->chunk : p->ntodo;
  if (*b < *a) *b = *a;
  p->next = *b;
}

int cohort_pool_finished(cohort_pool *p, const char *line) {
  int sync = 0;
  double t = hs_wall_s();
  if (p->fd >= 0 && p->st == HS_OK) {
    hs_err e;
    hs_status st = hs_cohort_checkpoint_append(p->fd, line, &e);
    if (st) {
      p->st = st;
      p->err = e;
    } else if (t - p->last_sync >= 1.0 && !p->syncing) {
      p->last_sync = t;
      p->syncing = sync = 1;
    }
  }
  p->r->done++;
  if (p->o->progress && (t - p->last_progress >= 0.25 || p->r->done == p->r->npatients)) {
    p->last_progress = t;
    p->o->progress(p->r->done, p->r->npatients, t - p->t0, p->o->progress_ud);
  }
  return sync;
}

void cohort_pool_sync(cohort_pool *p) {
  int bad = fdatasync(p->fd) != 0;
  int e = errno;
  pthread_mutex_lock(&p->lock);
  p->syncing = 0;
  if (bad && p->st == HS_OK)
    p->st = hs_err_set(&p->err, HS_ERR_IO, "%s: %s", p->o->checkpoint, strerror(e));
  pthread_mutex_unlock(&p->lock);
}

void *cohort_pool_worker(void *arg) {
  cohort_pool *p = arg;
  for (;;) {
    size_t a, b;
    pthread_mutex_lock(&p->lock);
    cohort_pool_take(p, &a, &b);
    pthread_mutex_unlock(&p->lock);
    if (a >= b) break;
    for (size_t q = a; q < b; q++) {
      size_t i = p->todo[q];
      hs_err e = {HS_OK, ""};
      hs_status st = hs_cohort_eval(p->c, i, p->r, &e);
      char *line = st ? NULL : hs_cohort_row_text(p->c, p->r, i);
      pthread_mutex_lock(&p->lock);
      if (!st && !line) st = hs_err_set(&e, HS_ERR_NOMEM, "out of memory");
      if (st && p->st == HS_OK) {
        p->st = st;
        p->err = e;
      }
      int sync = !st && cohort_pool_finished(p, line);
      pthread_mutex_unlock(&p->lock);
      free(line);
      if (sync) cohort_pool_sync(p); /* outside the lock: the other threads go on */
    }
  }
  return NULL;
}

int cohort_pool_start(cohort_pool *p, pthread_t *th, int n) {
  int started = 0;
  for (int k = 0; k < n; k++)
    if (pthread_create(&th[started], NULL, cohort_pool_worker, p) == 0) started++;
  return started;
}

void cohort_pool_run(cohort_pool *p, int threads) {
  pthread_t th[256];
  if ((size_t)threads > p->ntodo) threads = p->ntodo ? (int)p->ntodo : 1;
  int started = cohort_pool_start(p, th, threads - 1);
  cohort_pool_worker(p);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
}

hs_status cohort_pool_close(cohort_pool *p, hs_cohort_results **out, hs_err *err) {
  pthread_mutex_destroy(&p->lock);
  if (p->fd >= 0) {
    if (p->st == HS_OK && fdatasync(p->fd) != 0)
      p->st = hs_err_set(&p->err, HS_ERR_IO, "%s: %s", p->o->checkpoint, strerror(errno));
    close(p->fd);
  }
  if (p->own_todo) free(p->todo);
  if (p->r) p->r->wall_s = hs_wall_s() - p->t0;
  if (p->st) {
    if (err) *err = p->err;
    hs_cohort_results_free(p->r);
    return p->st;
  }
  if (out) *out = p->r;
  return HS_OK;
}

hs_status cohort_options_check(const hs_cohort_options **o, hs_cohort_options *def,
                               hs_err *err) {
  if (!*o) {
    hs_cohort_options_default(def);
    *o = def;
  }
  if ((*o)->threads < 1 || (*o)->threads > 256)
    return hs_err_set(err, HS_ERR_RANGE, "threads = %d (allowed 1-256)", (*o)->threads);
  return HS_OK;
}

hs_status hs_cohort_run(const hs_cohort *c, const hs_cohort_options *o,
                        hs_cohort_results **out, hs_err *err) {
  hs_cohort_options def;
  *out = NULL;
  hs_status st = cohort_options_check(&o, &def, err);
  if (st) return st;
  cohort_pool p;
  cohort_pool_open(&p, c, o);
  if (!p.st) cohort_pool_run(&p, o->threads);
  return cohort_pool_close(&p, out, err);
}
