/*
 * bench_integrators.c - the hand-written DOPRI5 against SUNDIALS CVODES (BDF and
 * Adams) at equal accuracy.
 *
 * Reference: CVODES BDF at rtol = atol = 1e-10, --beats beats (default 40) from
 * the initial state, metrics of the last beat (hs_sim_last_beat).  The same
 * beats with DOPRI5 at rtol = atol = 1e-10 are printed as a cross-check of the
 * reference itself.
 *
 * Sweep: every method in {dopri5, bdf, adams} at every rtol in {1e-4 .. 1e-8},
 * atol = 10 x rtol (mL for volumes, mL/s for flows: the ratio of the library
 * defaults 1e-6 / 1e-5).  Each setting runs the same beats from the same
 * initial state --reps times (default 3); wall time is the median.  Errors are
 * against the reference: metrics in mmHg (*_mmhg) as absolute errors in mmHg,
 * every other metric as a relative error in %.
 *
 * Accuracy target: every pressure within 0.2 mmHg and every other metric within
 * 0.5 %.  For each method the fastest setting meeting it is reported, and the
 * speed ratios between methods at that accuracy.
 *
 * Each setting is written into a clone of the model and compiled (a compile
 * costs microseconds), so every run starts from hs_sim_new() exactly as a user's
 * simulation with those solver settings would.
 *
 * Exit status: 0 ok (a method failing at some setting is a result, reported in
 * the table and on stderr), 1 library error in loading or in the reference, 2
 * bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hemosim/model.h"
#include "hemosim/patient.h"
#include "hemosim/sim.h"

#define PROG "bench_integrators"
#define MAX_REPS 50

static const char *const METHODS[] = {"dopri5", "bdf", "adams"};
#define NMETHOD ((int)(sizeof METHODS / sizeof METHODS[0]))
/* the sweep; --wide starts at 1e-2 (the largest solver.rtol allowed), else at 1e-4 */
static const double ALL_RTOLS[] = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8};
#define NRTOL_MAX ((int)(sizeof ALL_RTOLS / sizeof ALL_RTOLS[0]))
#define WIDE_EXTRA 2
#define ATOL_FACTOR 10.0
#define REF_TOL 1e-10
#define TARGET_P_MMHG 0.2
#define TARGET_REL_PCT 0.5

typedef struct options {
  const char *patient;
  long beats;
  int reps;
  int wide;
} options;

typedef struct result {
  int ok;
  char msg[HS_ERRMSG_MAX];
  double wall_s; /* median over the repetitions */
  double sim_s;
  long beats, steps, rhs_evals, jac_evals, restarts;
  double m[HS_METRIC_COUNT];
  /* against the reference */
  double p_err, rel_err;
  int p_worst, rel_worst;
  int meets;
} result;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: " PROG " [patient.yaml|.json] [--beats N] [--reps N] [--wide] [--quick] [--help]\n"
          "\n"
          "Compares the integrators (dopri5, CVODES bdf, CVODES adams) at rtol 1e-4..1e-8\n"
          "(atol = 10 x rtol) against a reference (bdf, rtol = atol = 1e-10): wall time,\n"
          "steps, right-hand-side evaluations and the largest error of the last-beat\n"
          "metrics (pressures in mmHg, everything else in %%), then the fastest setting of\n"
          "each method that meets the accuracy target (pressures < %.1f mmHg, others < %.1f %%)\n"
          "and the speed ratios at that accuracy.  Without a file: the bundled healthy adult.\n"
          "\n"
          "options:\n"
          "  --beats N   beats simulated from the initial state (default 40)\n"
          "  --reps N    timed repetitions per setting; the median is reported (default 3)\n"
          "  --wide      also rtol 1e-2 and 1e-3 (where the target starts to fail)\n"
          "  --quick     --beats 20 --reps 1 (CI smoke test)\n"
          "  --help      this text\n",
          TARGET_P_MMHG, TARGET_REL_PCT);
}

static int parse_long(const char *opt, const char *text, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = text ? strtol(text, &end, 10) : 0;
  if (!text || errno || end == text || *end || v < lo || v > hi) {
    fprintf(stderr, PROG ": %s needs a whole number in %ld..%ld (got '%s')\n", opt, lo, hi,
            text ? text : "");
    return -1;
  }
  *out = v;
  return 0;
}

/* 0 ok, 1 --help printed, -1 bad usage. */
static int parse_args(int argc, char **argv, options *o) {
  long beats = -1, reps = -1;
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 1;
    } else if (strcmp(a, "--quick") == 0) {
      quick = 1;
    } else if (strcmp(a, "--wide") == 0) {
      o->wide = 1;
    } else if (strcmp(a, "--beats") == 0) {
      if (parse_long(a, val, 1, 100000, &beats)) return -1;
      i++;
    } else if (strcmp(a, "--reps") == 0) {
      if (parse_long(a, val, 1, MAX_REPS, &reps)) return -1;
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
  o->beats = beats > 0 ? beats : quick ? 20 : 40;
  o->reps = reps > 0 ? (int)reps : quick ? 1 : 3;
  return 0;
}

static int fail(const char *what, const hs_err *err) {
  fprintf(stderr, PROG ": %s: %s\n", what, err->msg[0] ? err->msg : hs_status_str(err->code));
  return 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int is_pressure(int k) {
  const char *name = hs_metric_name((hs_metric_id)k);
  size_t n = strlen(name);
  return n >= 5 && strcmp(name + n - 5, "_mmhg") == 0;
}

/* A plan of the model with the given solver settings. */
static hs_plan *plan_with(const hs_model *base, const char *method, double rtol, double atol,
                          hs_err *err) {
  hs_model *m = hs_model_clone(base, err);
  if (!m) return NULL;
  hs_plan *plan = NULL;
  if (hs_model_set_text(m, "solver.method", method, err) == HS_OK &&
      hs_model_set(m, "solver.rtol", rtol, err) == HS_OK &&
      hs_model_set(m, "solver.atol", atol, err) == HS_OK)
    plan = hs_plan_compile(m, err);
  hs_model_free(m);
  return plan;
}

/* Run `beats` beats from the initial state `reps` times; fills r (r->ok = 0 and
   r->msg on a failure of the integration itself).  Returns non-zero only for a
   failure to set up (model, plan, memory). */
static int run_setting(const hs_model *base, const char *method, double rtol, double atol,
                       const options *o, result *r, hs_err *err) {
  memset(r, 0, sizeof *r);
  hs_plan *plan = plan_with(base, method, rtol, atol, err);
  if (!plan) return 1;
  double wall[MAX_REPS];
  for (int k = 0; k < o->reps; k++) {
    hs_sim *sim = hs_sim_new(plan, err);
    if (!sim) {
      hs_plan_free(plan);
      return 1;
    }
    double t0 = now_s();
    hs_status st = hs_sim_run_beats(sim, o->beats, err);
    wall[k] = now_s() - t0;
    if (st == HS_OK) st = hs_sim_last_beat(sim, r->m, err);
    hs_sim_stats s;
    hs_sim_get_stats(sim, &s);
    r->sim_s = hs_sim_time(sim);
    r->beats = hs_sim_beats(sim);
    r->steps = s.steps;
    r->rhs_evals = s.rhs_evals;
    r->jac_evals = s.jac_evals;
    r->restarts = s.restarts;
    hs_sim_free(sim);
    if (st) {
      snprintf(r->msg, sizeof r->msg, "%s", err->msg[0] ? err->msg : hs_status_str(st));
      hs_plan_free(plan);
      return 0; /* r->ok stays 0 */
    }
  }
  hs_plan_free(plan);
  qsort(wall, (size_t)o->reps, sizeof wall[0], cmp_double);
  r->wall_s = o->reps % 2 ? wall[o->reps / 2] : 0.5 * (wall[o->reps / 2 - 1] + wall[o->reps / 2]);
  r->ok = 1;
  return 0;
}

static void compare(result *r, const double ref[HS_METRIC_COUNT]) {
  r->p_err = r->rel_err = 0;
  r->p_worst = r->rel_worst = -1;
  for (int k = 0; k < HS_METRIC_COUNT; k++) {
    /* a metric that does not apply to this patient (no ECMO drain: the drained-blood
       gases) is NaN in the reference and in the run alike: nothing to compare */
    if (isnan(ref[k]) && isnan(r->m[k])) continue;
    double d = fabs(r->m[k] - ref[k]);
    if (!isfinite(d)) d = INFINITY;
    if (is_pressure(k)) {
      if (r->p_worst < 0 || d > r->p_err) r->p_err = d, r->p_worst = k;
    } else {
      double rel = 100.0 * d / fmax(fabs(ref[k]), 1e-12);
      if (r->rel_worst < 0 || rel > r->rel_err) r->rel_err = rel, r->rel_worst = k;
    }
  }
  r->meets = r->ok && r->p_err < TARGET_P_MMHG && r->rel_err < TARGET_REL_PCT;
}

static void table_header(void) {
  printf("%-7s %7s %7s %9s %10s %8s %10s %9s %8s %8s %11s %-32s %11s %-26s %s\n", "method",
         "rtol", "atol", "wall_ms", "us/sim_s", "steps", "steps/beat", "rhs/beat", "jacs",
         "restarts", "p_err_mmhg", "p_worst", "rel_err_pct", "rel_worst", "meets");
}

static void table_row(const char *method, double rtol, double atol, const result *r) {
  if (!r->ok) {
    printf("%-7s %7.0e %7.0e FAILED: %s\n", method, rtol, atol, r->msg);
    return;
  }
  double b = (double)r->beats;
  printf("%-7s %7.0e %7.0e %9.2f %10.1f %8ld %10.1f %9.1f %8ld %8ld %11.2e %-32s %11.2e %-26s "
         "%s\n",
         method, rtol, atol, 1e3 * r->wall_s, 1e6 * r->wall_s / r->sim_s, r->steps,
         (double)r->steps / b, (double)r->rhs_evals / b, r->jac_evals, r->restarts, r->p_err,
         r->p_worst >= 0 ? hs_metric_name((hs_metric_id)r->p_worst) : "-", r->rel_err,
         r->rel_worst >= 0 ? hs_metric_name((hs_metric_id)r->rel_worst) : "-",
         r->meets ? "yes" : "no");
}

int main(int argc, char **argv) {
  options opt = {0};
  int pa = parse_args(argc, argv, &opt);
  if (pa) return pa > 0 ? 0 : 2;

  hs_err err;
  hs_err_clear(&err);
  hs_model *model = NULL;
  hs_status st = opt.patient ? hs_patient_load_file(opt.patient, &model, &err)
                             : hs_patient_load_default(&model, &err);
  if (st) return fail(opt.patient ? opt.patient : "default patient", &err);

  printf("# " PROG "\n");
  printf("patient: %s (%s)\n", hs_model_name(model), opt.patient ? opt.patient : "bundled default");
  printf("run: %ld beats from the initial state, metrics of the last beat; wall time = median of "
         "%d\n",
         opt.beats, opt.reps);
  printf("tolerances: rtol %s..1e-08, atol = %g x rtol (mL, mL/s); reference: bdf rtol = atol "
         "= %g\n",
         opt.wide ? "1e-02" : "1e-04", ATOL_FACTOR, REF_TOL);
  printf("errors: *_mmhg metrics absolute (mmHg), all others relative (%%); target: pressures < "
         "%g mmHg and others < %g %%\n\n",
         TARGET_P_MMHG, TARGET_REL_PCT);

  /* reference and its cross-check */
  result ref, check;
  hs_err_clear(&err);
  if (run_setting(model, "bdf", REF_TOL, REF_TOL, &opt, &ref, &err)) {
    hs_model_free(model);
    return fail("reference set-up", &err);
  }
  if (!ref.ok) {
    fprintf(stderr, PROG ": reference run (bdf, rtol = atol = %g) failed: %s\n", REF_TOL,
            ref.msg);
    hs_model_free(model);
    return 1;
  }
  compare(&ref, ref.m);
  hs_err_clear(&err);
  if (run_setting(model, "dopri5", REF_TOL, REF_TOL, &opt, &check, &err)) {
    hs_model_free(model);
    return fail("cross-check set-up", &err);
  }
  if (check.ok) compare(&check, ref.m);

  printf("reference metrics (beat %ld):\n", ref.beats);
  for (int k = 0; k < HS_METRIC_COUNT; k++)
    printf("  %-34s %14.6f %s\n", hs_metric_name((hs_metric_id)k), ref.m[k],
           hs_metric_unit((hs_metric_id)k));
  printf("\n");

  table_header();
  table_row("bdf", REF_TOL, REF_TOL, &ref);
  table_row("dopri5", REF_TOL, REF_TOL, &check);
  if (!check.ok) fprintf(stderr, PROG ": dopri5 at %g failed: %s\n", REF_TOL, check.msg);
  printf("\n");

  /* the sweep */
  const double *rtols = ALL_RTOLS + (opt.wide ? 0 : WIDE_EXTRA);
  const int nrtol = NRTOL_MAX - (opt.wide ? 0 : WIDE_EXTRA);
  static result res[NMETHOD][NRTOL_MAX];
  int nfail = 0;
  table_header();
  for (int mi = 0; mi < NMETHOD; mi++) {
    for (int ri = 0; ri < nrtol; ri++) {
      result *r = &res[mi][ri];
      double atol = ATOL_FACTOR * rtols[ri];
      hs_err_clear(&err);
      if (run_setting(model, METHODS[mi], rtols[ri], atol, &opt, r, &err)) {
        hs_model_free(model);
        return fail(METHODS[mi], &err);
      }
      if (r->ok) compare(r, ref.m);
      else {
        nfail++;
        fprintf(stderr, PROG ": %s at rtol %g, atol %g failed: %s\n", METHODS[mi], rtols[ri],
                atol, r->msg);
      }
      table_row(METHODS[mi], rtols[ri], atol, r);
      fflush(stdout);
    }
  }
  hs_model_free(model);

  /* fastest setting of each method that meets the target */
  int best[NMETHOD];
  int fastest = -1;
  for (int mi = 0; mi < NMETHOD; mi++) {
    best[mi] = -1;
    for (int ri = 0; ri < nrtol; ri++)
      if (res[mi][ri].meets && (best[mi] < 0 || res[mi][ri].wall_s < res[mi][best[mi]].wall_s))
        best[mi] = ri;
    if (best[mi] >= 0 &&
        (fastest < 0 || res[mi][best[mi]].wall_s < res[fastest][best[fastest]].wall_s))
      fastest = mi;
  }
  printf("\nfastest setting meeting the target (pressures < %g mmHg, others < %g %%):\n",
         TARGET_P_MMHG, TARGET_REL_PCT);
  printf("%-7s %7s %9s %10s %10s %11s %11s %14s\n", "method", "rtol", "wall_ms", "us/sim_s",
         "steps/beat", "p_err_mmhg", "rel_err_pct", "x_vs_fastest");
  for (int mi = 0; mi < NMETHOD; mi++) {
    if (best[mi] < 0) {
      printf("%-7s none: no setting meets the target\n", METHODS[mi]);
      continue;
    }
    const result *r = &res[mi][best[mi]];
    printf("%-7s %7.0e %9.2f %10.1f %10.1f %11.2e %11.2e %14.2f\n", METHODS[mi],
           rtols[best[mi]], 1e3 * r->wall_s, 1e6 * r->wall_s / r->sim_s,
           (double)r->steps / (double)r->beats, r->p_err, r->rel_err,
           r->wall_s / res[fastest][best[fastest]].wall_s);
  }
  printf("\nspeed ratios at the target accuracy (wall time of the row method / column method):\n");
  printf("%-7s", "");
  for (int j = 0; j < NMETHOD; j++) printf(" %8s", METHODS[j]);
  printf("\n");
  for (int i = 0; i < NMETHOD; i++) {
    printf("%-7s", METHODS[i]);
    for (int j = 0; j < NMETHOD; j++) {
      if (best[i] < 0 || best[j] < 0) printf(" %8s", "-");
      else printf(" %8.2f", res[i][best[i]].wall_s / res[j][best[j]].wall_s);
    }
    printf("\n");
  }
  printf("\n");
  for (int mi = 0; mi < NMETHOD; mi++)
    if (best[mi] >= 0)
      printf("%s_best_rtol=%.0e %s_best_ms=%.2f ", METHODS[mi], rtols[best[mi]], METHODS[mi],
             1e3 * res[mi][best[mi]].wall_s);
    else
      printf("%s_best_rtol=none ", METHODS[mi]);
  if (fastest >= 0) printf("fastest=%s", METHODS[fastest]);
  for (int mi = 0; mi < NMETHOD; mi++)
    if (fastest >= 0 && mi != fastest && best[mi] >= 0)
      printf(" %s_over_%s=%.2fx", METHODS[mi], METHODS[fastest],
             res[mi][best[mi]].wall_s / res[fastest][best[fastest]].wall_s);
  printf(" failures=%d\n", nfail);
  return 0;
}
