/*
 * bench_realtime.c - how fast hemosim runs one patient.
 *
 *   (a) cost of reaching periodic steady state from the initial state
 *       (hs_sim_run_to_steady): beats, simulated s, wall s, steps;
 *   (b) steady running speed: after steady state, --seconds of simulated time,
 *       repeated --reps times: real-time factor (simulated s per wall s) and
 *       microseconds of wall time per beat, per repetition, median and min;
 *   (c) parallel throughput: 2 x cores independent simulations of the same
 *       compiled plan in pthreads, each to steady state; aggregate simulated s
 *       per wall s, and a check that every thread's hs_sim_summary() is
 *       bit-identical to a single-threaded run.
 *
 * Usage: bench_realtime [patient.yaml] [--method NAME] [--rtol X] [--atol X]
 *                       [--seconds S] [--reps N] [--threads N] [--quick] [--help]
 * All times are CLOCK_MONOTONIC.  Exit status: 0 on success, 1 on any library
 * error (message on stderr), 2 on bad usage, 3 if the threaded results differ.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hemosim/model.h"
#include "hemosim/patient.h"
#include "hemosim/sim.h"

#define PROG "bench_realtime"
#define MAX_REPS 100

typedef struct options {
  const char *patient; /* NULL: the bundled default */
  const char *method;  /* NULL: the patient's own solver.method */
  double rtol, atol;   /* <= 0: the patient's own */
  double seconds;      /* simulated seconds per timed repetition */
  int reps;
  int threads; /* 0: 2 x online cores */
  int quick;
} options;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: " PROG " [patient.yaml|.json] [options]\n"
          "\n"
          "Measures (a) the cost of reaching periodic steady state from the initial state,\n"
          "(b) the steady running speed (real-time factor, us per beat) and (c) the aggregate\n"
          "throughput of 2 x cores simulations in threads, checking that every thread's\n"
          "summary metrics are bit-identical to a single-threaded run.\n"
          "Without a patient file the bundled healthy adult is used.\n"
          "\n"
          "options:\n"
          "  --method NAME   integrator: dopri5, bdf or adams (default: the patient's)\n"
          "  --rtol X        relative tolerance (default: the patient's solver.rtol)\n"
          "  --atol X        absolute tolerance (default: the patient's solver.atol)\n"
          "  --seconds S     simulated seconds per timed repetition in (b) (default 60)\n"
          "  --reps N        timed repetitions in (b) (default 5)\n"
          "  --threads N     simulations run in parallel in (c) (default 2 x cores)\n"
          "  --quick         small counts for CI smoke tests (10 s, 3 repetitions)\n"
          "  --help          this text\n"
          "\n"
          "exit status: 0 ok, 1 library error, 2 bad usage, 3 threaded results differ\n");
}

static int parse_double(const char *opt, const char *text, double *out) {
  char *end;
  errno = 0;
  double v = text ? strtod(text, &end) : 0.0;
  if (!text || errno || end == text || *end || !isfinite(v) || v <= 0) {
    fprintf(stderr, PROG ": %s needs a positive number (got '%s')\n", opt, text ? text : "");
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_int(const char *opt, const char *text, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long v = text ? strtol(text, &end, 10) : 0;
  if (!text || errno || end == text || *end || v < lo || v > hi) {
    fprintf(stderr, PROG ": %s needs a whole number in %d..%d (got '%s')\n", opt, lo, hi,
            text ? text : "");
    return -1;
  }
  *out = (int)v;
  return 0;
}

/* 0 ok, 1 --help printed, -1 bad usage. */
static int parse_args(int argc, char **argv, options *o) {
  int reps_set = 0, seconds_set = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 1;
    } else if (strcmp(a, "--quick") == 0) {
      o->quick = 1;
    } else if (strcmp(a, "--method") == 0) {
      if (!val) {
        fprintf(stderr, PROG ": --method needs a name (dopri5, bdf, adams)\n");
        return -1;
      }
      o->method = val, i++;
    } else if (strcmp(a, "--rtol") == 0) {
      if (parse_double(a, val, &o->rtol)) return -1;
      i++;
    } else if (strcmp(a, "--atol") == 0) {
      if (parse_double(a, val, &o->atol)) return -1;
      i++;
    } else if (strcmp(a, "--seconds") == 0) {
      if (parse_double(a, val, &o->seconds)) return -1;
      seconds_set = 1, i++;
    } else if (strcmp(a, "--reps") == 0) {
      if (parse_int(a, val, 1, MAX_REPS, &o->reps)) return -1;
      reps_set = 1, i++;
    } else if (strcmp(a, "--threads") == 0) {
      if (parse_int(a, val, 1, 1024, &o->threads)) return -1;
      i++;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, PROG ": unknown option '%s' (try --help)\n", a);
      return -1;
    } else if (!o->patient) {
      o->patient = a;
    } else {
      fprintf(stderr, PROG ": more than one patient file given ('%s', '%s')\n", o->patient, a);
      return -1;
    }
  }
  if (!seconds_set) o->seconds = o->quick ? 10.0 : 60.0;
  if (!reps_set) o->reps = o->quick ? 3 : 5;
  return 0;
}

static int fail(const char *what, const hs_err *err) {
  fprintf(stderr, PROG ": %s: %s\n", what,
          err->msg[0] ? err->msg : hs_status_str(err->code));
  return 1;
}

/* A simulation at its initial state with the requested solver settings. */
static hs_sim *new_sim(const hs_plan *plan, const options *o, hs_err *err) {
  hs_sim *sim = hs_sim_new(plan, err);
  if (!sim) return NULL;
  if ((o->method && hs_sim_set_text(sim, "solver.method", o->method, err) != HS_OK) ||
      (o->rtol > 0 && hs_sim_set(sim, "solver.rtol", o->rtol, err) != HS_OK) ||
      (o->atol > 0 && hs_sim_set(sim, "solver.atol", o->atol, err) != HS_OK)) {
    hs_sim_free(sim);
    return NULL;
  }
  return sim;
}

/* Name of a choice parameter's current value, from the parameter table itself. */
static const char *choice_name(const char *type_name, const char *param, double value) {
  const hs_block_type *t = hs_block_type_find(type_name);
  int k = t ? hs_param_index(t, param) : -1;
  if (k < 0 || !t->params[k].choices) return "?";
  for (int i = 0; t->params[k].choices[i]; i++)
    if (i == (int)value) return t->params[k].choices[i];
  return "?";
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(const double *v, int n) {
  double s[MAX_REPS];
  memcpy(s, v, (size_t)n * sizeof *s);
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static double minimum(const double *v, int n) {
  double m = v[0];
  for (int i = 1; i < n; i++)
    if (v[i] < m) m = v[i];
  return m;
}

/* --------------------------------------------------------------- table -- */

static void table_header(void) {
  printf("%-10s %-9s %7s %10s %10s %9s %10s %10s %10s %11s\n", "phase", "run", "beats", "sim_s",
         "wall_s", "steps", "rhs_evals", "steps/beat", "rtf_x", "us/beat");
}

static void table_row(const char *phase, const char *run, double beats, double sim_s,
                      double wall_s, double steps, double rhs) {
  printf("%-10s %-9s %7.1f %10.3f %10.6f %9.0f %10.0f %10.1f %10.1f %11.1f\n", phase, run, beats,
         sim_s, wall_s, steps, rhs, beats > 0 ? steps / beats : NAN,
         wall_s > 0 ? sim_s / wall_s : NAN, beats > 0 ? 1e6 * wall_s / beats : NAN);
}

/* ------------------------------------------------------------ parallel -- */

typedef struct job {
  const hs_plan *plan;
  const options *opt;
  int window;
  double summary[HS_METRIC_COUNT];
  double sim_s, wall_s;
  long beats, steps, rhs_evals;
  hs_status st;
  hs_err err;
} job;

/* One complete simulation: new, to steady state, summary, free. */
static void *job_run(void *arg) {
  job *j = arg;
  double t0 = now_s();
  hs_err_clear(&j->err);
  hs_sim *sim = new_sim(j->plan, j->opt, &j->err);
  if (!sim) {
    j->st = j->err.code ? j->err.code : HS_ERR_NOMEM;
    return NULL;
  }
  hs_steady_info info;
  j->st = hs_sim_run_to_steady(sim, &info, &j->err);
  if (j->st == HS_OK) j->st = hs_sim_summary(sim, j->window, j->summary, &j->err);
  hs_sim_stats stats;
  hs_sim_get_stats(sim, &stats);
  j->sim_s = hs_sim_time(sim);
  j->beats = hs_sim_beats(sim);
  j->steps = stats.steps;
  j->rhs_evals = stats.rhs_evals;
  hs_sim_free(sim);
  j->wall_s = now_s() - t0;
  return NULL;
}

/* ---------------------------------------------------------------- main -- */

int main(int argc, char **argv) {
  options opt = {0};
  int pa = parse_args(argc, argv, &opt);
  if (pa) return pa > 0 ? 0 : 2;

  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu < 1) ncpu = 1;
  int nthreads = opt.threads > 0 ? opt.threads : (int)(2 * ncpu);

  hs_err err;
  hs_err_clear(&err);
  hs_model *model = NULL;
  hs_status st = opt.patient ? hs_patient_load_file(opt.patient, &model, &err)
                             : hs_patient_load_default(&model, &err);
  if (st) return fail(opt.patient ? opt.patient : "default patient", &err);
  double tc0 = now_s();
  hs_plan *plan = hs_plan_compile(model, &err);
  double compile_s = now_s() - tc0;
  hs_model_free(model);
  if (!plan) return fail("compile", &err);

  int rc = 1;
  hs_sim *sim = new_sim(plan, &opt, &err);
  if (!sim) {
    fail("creating the simulation", &err);
    goto out;
  }
  double method = 0, rtol = 0, atol = 0, window = 0, hr = 0;
  if (hs_sim_get(sim, "solver.method", &method, &err) ||
      hs_sim_get(sim, "heart.heart_rate", &hr, &err) ||
      hs_sim_get(sim, "solver.rtol", &rtol, &err) ||
      hs_sim_get(sim, "solver.atol", &atol, &err) ||
      hs_sim_get(sim, "solver.window_beats", &window, &err)) {
    fail("reading solver settings", &err);
    goto out;
  }

  printf("# " PROG "\n");
  printf("patient: %s (%s)\n", hs_plan_model_name(plan),
         opt.patient ? opt.patient : "bundled default");
  printf("circuit: %zu nodes, %zu edges; compiled once in %.3f ms\n", hs_plan_node_count(plan),
         hs_plan_edge_count(plan), 1e3 * compile_s);
  printf("solver: method=%s rtol=%g atol=%g summary_window=%.0f beats\n",
         choice_name("solver", "method", method), rtol, atol, window);
  printf("heart rate: %g /min (beats in the steady rows are simulated s x rate)\n", hr);
  printf("cores: %ld online; threads in (c): %d\n", ncpu, nthreads);
  printf("timed part of (b): %g simulated s x %d repetitions\n\n", opt.seconds, opt.reps);

  table_header();

  /* (a) initial state -> periodic steady state (+ the summary window) */
  hs_steady_info info;
  double t0 = now_s();
  st = hs_sim_run_to_steady(sim, &info, &err);
  double steady_wall = now_s() - t0;
  if (st) {
    fail("run to steady state", &err);
    goto out;
  }
  hs_sim_stats s0;
  hs_sim_get_stats(sim, &s0);
  double steady_sim = hs_sim_time(sim);
  table_row("to_steady", "1", (double)s0.beats, steady_sim, steady_wall, (double)s0.steps,
            (double)s0.rhs_evals);

  /* (b) steady running speed */
  double wall[MAX_REPS], rtf[MAX_REPS], upb[MAX_REPS], beats[MAX_REPS], steps[MAX_REPS],
      rhs[MAX_REPS], simd[MAX_REPS];
  for (int r = 0; r < opt.reps; r++) {
    hs_sim_stats a, b;
    hs_sim_get_stats(sim, &a);
    double ts0 = hs_sim_time(sim);
    double w0 = now_s();
    st = hs_sim_run(sim, opt.seconds, &err);
    double w = now_s() - w0;
    if (st) {
      fail("steady run", &err);
      goto out;
    }
    hs_sim_get_stats(sim, &b);
    wall[r] = w;
    simd[r] = hs_sim_time(sim) - ts0;
    /* beats of simulated time (fractional: a repetition need not end on a beat) */
    beats[r] = simd[r] * hr / 60.0;
    steps[r] = (double)(b.steps - a.steps);
    rhs[r] = (double)(b.rhs_evals - a.rhs_evals);
    rtf[r] = simd[r] / w;
    upb[r] = beats[r] > 0 ? 1e6 * w / beats[r] : NAN;
    char run[16];
    snprintf(run, sizeof run, "%d", r + 1);
    table_row("steady", run, beats[r], simd[r], w, steps[r], rhs[r]);
  }
  double wall_med = median(wall, opt.reps), wall_min = minimum(wall, opt.reps);
  double beats_med = median(beats, opt.reps), sim_med = median(simd, opt.reps);
  /* the steady run is periodic: every repetition does the same work */
  table_row("steady", "median", beats_med, sim_med, wall_med, median(steps, opt.reps),
            median(rhs, opt.reps));
  table_row("steady", "min_wall", beats_med, sim_med, wall_min, median(steps, opt.reps),
            median(rhs, opt.reps));
  double rtf_med = median(rtf, opt.reps), upb_med = median(upb, opt.reps);
  double rtf_best = 0, upb_best = INFINITY;
  for (int r = 0; r < opt.reps; r++) {
    if (rtf[r] > rtf_best) rtf_best = rtf[r];
    if (upb[r] < upb_best) upb_best = upb[r];
  }

  /* (c) parallel throughput.  Each repetition times one simulation to steady state
     on this thread (the reference) and then nthreads of them in parallel. */
  job ref = {plan, &opt, (int)window, {0}, 0, 0, 0, 0, 0, HS_OK, {HS_OK, ""}};
  job *jobs = calloc((size_t)nthreads, sizeof *jobs);
  pthread_t *tid = calloc((size_t)nthreads, sizeof *tid);
  if (!jobs || !tid) {
    free(jobs);
    free(tid);
    fprintf(stderr, PROG ": out of memory for %d threads\n", nthreads);
    goto out;
  }
  double single_rate[MAX_REPS], par_rate[MAX_REPS];
  int identical = 1, mismatches = 0, thread_fail = 0;
  for (int r = 0; r < opt.reps && !thread_fail; r++) {
    job one = ref;
    job_run(&one);
    if (one.st) {
      fail("single-threaded reference run", &one.err);
      thread_fail = 1;
      break;
    }
    if (r == 0) ref = one; /* the summary every thread must reproduce */
    char run[16];
    snprintf(run, sizeof run, "%d", r + 1);
    table_row("single", run, (double)one.beats, one.sim_s, one.wall_s, (double)one.steps,
              (double)one.rhs_evals);
    single_rate[r] = one.sim_s / one.wall_s;

    int started = 0;
    double p0 = now_s();
    for (; started < nthreads; started++) {
      jobs[started] = ref;
      jobs[started].st = HS_OK;
      int e = pthread_create(&tid[started], NULL, job_run, &jobs[started]);
      if (e) {
        fprintf(stderr, PROG ": pthread_create: %s\n", strerror(e));
        thread_fail = 1;
        break;
      }
    }
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    double par_wall = now_s() - p0;
    double sum_sim = 0, sum_beats = 0, sum_steps = 0, sum_rhs = 0;
    for (int i = 0; i < started; i++) {
      if (jobs[i].st) {
        char what[64];
        snprintf(what, sizeof what, "thread %d", i);
        fail(what, &jobs[i].err);
        thread_fail = 1;
        continue;
      }
      sum_sim += jobs[i].sim_s;
      sum_beats += (double)jobs[i].beats;
      sum_steps += (double)jobs[i].steps;
      sum_rhs += (double)jobs[i].rhs_evals;
      if (memcmp(jobs[i].summary, ref.summary, sizeof ref.summary) != 0 ||
          jobs[i].beats != ref.beats || jobs[i].steps != ref.steps) {
        identical = 0;
        mismatches++;
        for (int k = 0; k < HS_METRIC_COUNT; k++)
          if (memcmp(&jobs[i].summary[k], &ref.summary[k], sizeof(double)) != 0)
            fprintf(stderr, PROG ": repetition %d, thread %d: %s = %.17g, single-threaded %.17g\n",
                    r + 1, i, hs_metric_name((hs_metric_id)k), jobs[i].summary[k],
                    ref.summary[k]);
      }
    }
    if (thread_fail) break;
    snprintf(run, sizeof run, "%d_x%d", r + 1, nthreads);
    table_row("parallel", run, sum_beats, sum_sim, par_wall, sum_steps, sum_rhs);
    par_rate[r] = sum_sim / par_wall;
  }
  free(jobs);
  free(tid);
  if (thread_fail) goto out;
  double single_med = median(single_rate, opt.reps), par_med = median(par_rate, opt.reps);
  double speedup = par_med / single_med;

  printf("\n");
  printf("(a) steady state reached after %ld beats (%.1f s simulated; last end-diastolic change "
         "%.3g mL), then %.0f summary beats: %.1f ms wall\n",
         info.beats, info.time_s, info.last_change, window, 1e3 * steady_wall);
  printf("(b) steady running: real-time factor median %.0fx, best %.0fx; %.1f us/beat median, "
         "%.1f us/beat best\n",
         rtf_med, rtf_best, upb_med, upb_best);
  printf("(c) %d threads on %ld cores: median %.0f simulated s per wall s (single thread %.0f), "
         "speedup %.2fx, parallel efficiency %.0f%% of %ld cores\n",
         nthreads, ncpu, par_med, single_med, speedup,
         100.0 * speedup / (double)(ncpu < nthreads ? ncpu : nthreads),
         ncpu < nthreads ? ncpu : (long)nthreads);
  printf("identical: %s (%d of %d thread runs match the single-threaded summary bit for bit)\n",
         identical ? "yes" : "no", nthreads * opt.reps - mismatches, nthreads * opt.reps);
  printf("\nrealtime_factor_median=%.0fx realtime_factor_best=%.0fx us_per_beat_median=%.1f "
         "steady_beats=%ld steady_wall_ms=%.1f parallel_threads=%d "
         "parallel_realtime_factor_median=%.0fx parallel_speedup=%.2f identical=%s\n",
         rtf_med, rtf_best, upb_med, info.beats, 1e3 * steady_wall, nthreads, par_med, speedup,
         identical ? "yes" : "no");
  rc = identical ? 0 : 3;
out:
  hs_sim_free(sim);
  hs_plan_free(plan);
  return rc;
}
