/*
 * bench_cohort.c - throughput of `hemosim cohort` (issue 15: 10,000 patients x 60 s
 * simulated in under 5 minutes on 2 cores).
 *
 * Builds a study in memory: the acute-MI shock patient on VA-ECMO (or --patient FILE; run from the repository root)
 * with lv.ees, rv.ees, heart rate and ECMO flow drawn at random, each patient run for
 * --duration simulated seconds (default 60) from the model's initial state.  Runs the
 * first --patients (default 200) patients with 1 thread and with --threads (default 2),
 * checks that both give bit-identical rows, and prints patients per wall second, CPU ms
 * per patient and the projected wall time of 10,000 patients.  With --mpi (under
 * `mpirun -n N`) it runs the same study across the ranks instead and rank 0 prints the
 * wall time.
 *
 * --single-off skips the 1-thread reference run (the full 10,000-patient study on two
 * cores in one command: bench_cohort --patients 10000 --single-off, ~5 min); --steady runs
 * every patient to periodic steady state instead (the warm-started steady-state runs of
 * docs/cohort.md) and prints the same table.  --out DIR does what `hemosim cohort --out
 * DIR` does around the N-thread run: the checkpoint (DIR/checkpoint.tsv, one line per
 * patient, flushed once a second), then results.csv, summary.csv (with its bootstrap
 * intervals), distributions.svg, success.svg and the printed summary, timed separately.
 *
 * Usage: bench_cohort [--patient FILE] [--patients N] [--duration S | --steady]
 *                     [--threads N] [--single-off] [--out DIR] [--mpi] [--help]
 * Times: wall from CLOCK_MONOTONIC, CPU from getrusage (all threads of the process).
 * Exit status 0 success, 1 library error, 2 usage, 3 results differ between runs.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hemosim/cohort.h"

#define PROG "bench_cohort"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void usage(FILE *f) {
  fprintf(f, "usage: " PROG " [--patient FILE] [--patients N] [--duration S | --steady] "
             "[--threads N] [--single-off] [--out DIR] [--mpi]\n"
             "Times a virtual cohort (default: 200 acute-MI-shock-on-ECMO patients x 60 s) with\n"
             "1 thread and with N threads (default 2), checks identical rows, projects 10,000\n"
             "patients.  --single-off: only the N-thread run (the whole 10,000-patient study:\n"
             "--patients 10000 --single-off).  --steady: each patient to periodic steady state\n"
             "(warm-started) instead of a duration.  --out DIR: the N-thread run keeps\n"
             "DIR/checkpoint.tsv and writes the files of `hemosim cohort` (timed apart).\n"
             "--mpi: run across the ranks of `mpirun -n R " PROG " --mpi`.\n");
}

static int same(const hs_cohort_results *a, const hs_cohort_results *b) {
  size_t rows = a->npatients * a->nstrategies;
  return !memcmp(a->status, b->status, rows) &&
         !memcmp(a->y, b->y, rows * a->noutputs * sizeof(double));
}

typedef struct timing {
  double wall, cpu;
  size_t ok, errors;
} timing;

static hs_status timed(const hs_cohort *c, int threads, const char *checkpoint,
                       hs_cohort_results **r, timing *t, hs_err *err) {
  hs_cohort_options o;
  hs_cohort_options_default(&o);
  o.threads = threads;
  o.checkpoint = checkpoint;
  double w0 = now_s(), c0 = cpu_s();
  hs_status st = hs_cohort_run(c, &o, r, err);
  t->wall = now_s() - w0;
  t->cpu = cpu_s() - c0;
  t->ok = t->errors = 0;
  for (size_t i = 0; !st && i < (*r)->npatients; i++) {
    t->ok += (*r)->status[i] == HS_COHORT_OK;
    t->errors += (*r)->status[i] == HS_COHORT_ERROR;
  }
  return st;
}

/* the files of `hemosim cohort --out DIR` (without the SQLite) and the printed summary */
static hs_status write_outputs(const hs_cohort *c, const hs_cohort_results *r, const char *dir,
                               hs_err *err) {
  hs_status st = hs_cohort_write_outputs(c, r, dir, 0, err);
  char *text = st ? NULL : hs_cohort_summary_text(c, r);
  if (!st && !text) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  free(text);
  return st;
}

int main(int argc, char **argv) {
  const char *patient = "examples/patients/acute_mi_shock_ecmo.yaml", *out = NULL;
  long n = 200, threads = 2;
  double duration = 60;
  int mpi = 0, single = 1, steady = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int val = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--patient") && val) {
      patient = argv[++i];
    } else if (!strcmp(a, "--patients") && val) {
      n = strtol(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--duration") && val) {
      duration = strtod(argv[++i], NULL);
    } else if (!strcmp(a, "--threads") && val) {
      threads = strtol(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--out") && val) {
      out = argv[++i];
    } else if (!strcmp(a, "--mpi")) {
      mpi = 1;
    } else if (!strcmp(a, "--single-off")) {
      single = 0;
    } else if (!strcmp(a, "--steady")) {
      steady = 1;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (n < 1 || n > 10000000 || threads < 1 || threads > 64 || !(duration > 0)) {
    usage(stderr);
    return 2;
  }
  char study[2048], run[32] = "steady";
  if (!steady) snprintf(run, sizeof run, "%g s", duration);
  snprintf(study, sizeof study,
           "hemosim_cohort: 1\n"
           "name: bench\n"
           "patient: %s\n"
           "seed: 3\n"
           "population:\n"
           "  size: %ld\n"
           "  parameters:\n"
           "    lv.ees: {dist: lognormal, median: 1.0 mmHg/mL, cv: 0.25}\n"
           "    rv.ees: {dist: lognormal, median: 0.45 mmHg/mL, cv: 0.25}\n"
           "    heart.heart_rate: {dist: uniform, min: 80 /min, max: 120 /min}\n"
           "protocol:\n"
           "  run: %s\n"
           "outputs: [map_mmhg, pcwp_mmhg, co_lpm, lvef_pct]\n",
           patient, n, run);
  hs_err err = {HS_OK, ""};
  hs_cohort *c = NULL;
  double l0 = now_s();
  if (hs_cohort_load_string("<bench>", study, strlen(study), ".", &c, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    return 1;
  }
  double load_s = now_s() - l0;
  if (mpi) {
    hs_cohort_options o;
    hs_cohort_options_default(&o);
    o.threads = (int)threads;
    hs_cohort_results *r = NULL;
    int rank = 0;
    double w0 = now_s();
    hs_status st = hs_cohort_run_mpi(c, &o, &rank, &r, &err);
    double wall = now_s() - w0;
    if (st) fprintf(stderr, PROG ": rank %d: %s\n", rank, err.msg);
    if (!st && rank == 0)
      printf("mpi: %ld patients x %g s, %ld thread(s) per rank: %.2f s wall, %.1f patients/s\n",
             n, duration, threads, wall, (double)n / wall);
    hs_cohort_results_free(r);
    hs_cohort_free(c);
    return st ? 1 : 0;
  }
  printf("%s: %ld patients x %s (lv.ees, rv.ees, heart rate random); study load and "
         "compile %.1f ms%s\n",
         patient, n, steady ? "to steady state" : run, 1e3 * load_s,
         steady ? " (including the warm state)" : "");
  hs_cohort_results *r1 = NULL, *rn = NULL;
  timing t1, tn, tout = {0, 0, 0, 0};
  char ckbuf[4096], *ckpt = NULL;
  if (out) {
    if ((size_t)snprintf(ckbuf, sizeof ckbuf, "%s/checkpoint.tsv", out) >= sizeof ckbuf) {
      fprintf(stderr, PROG ": --out: directory name too long\n");
      return 2;
    }
    ckpt = ckbuf;
    mkdir(out, 0777); /* an existing one is fine */
    unlink(ckpt);     /* a new study each time */
  }
  if ((single && timed(c, 1, NULL, &r1, &t1, &err)) ||
      timed(c, (int)threads, ckpt, &rn, &tn, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    return 1;
  }
  if (out) {
    double w0 = now_s(), c0 = cpu_s();
    if (write_outputs(c, rn, out, &err)) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      return 1;
    }
    tout.wall = now_s() - w0;
    tout.cpu = cpu_s() - c0;
  }
  int identical = !single || same(r1, rn);
  printf("%-10s %10s %10s %12s %14s %16s\n", "threads", "wall_s", "cpu_s", "patients/s",
         "cpu_ms/patient", "10000 patients");
  if (single)
    printf("%-10d %10.2f %10.2f %12.1f %14.1f %14.0f s\n", 1, t1.wall, t1.cpu,
           (double)n / t1.wall, 1e3 * t1.cpu / (double)n, 1e4 * t1.wall / (double)n);
  printf("%-10ld %10.2f %10.2f %12.1f %14.1f %14.0f s\n", threads, tn.wall, tn.cpu,
         (double)n / tn.wall, 1e3 * tn.cpu / (double)n, 1e4 * tn.wall / (double)n);
  if (out)
    printf("outputs    %10.2f %10.2f   (results.csv, summary.csv, figures, summary text in %s; "
           "the %ld-thread row includes the checkpoint)\n",
           tout.wall, tout.cpu, out, threads);
  if (single)
    printf("speed-up %.2fx; %zu ok, %zu error rows; rows identical: %s\n", t1.wall / tn.wall,
           t1.ok, t1.errors, identical ? "yes" : "NO");
  else
    printf("%zu ok, %zu error rows (1-thread reference not run)\n", tn.ok, tn.errors);
  hs_cohort_results_free(r1);
  hs_cohort_results_free(rn);
  hs_cohort_free(c);
  return identical ? 0 : 3;
}
