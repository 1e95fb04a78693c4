/*
 * bench_compare.c - latency of a full strategy comparison (hemosim compare) for the
 * acute-MI shock patient on VA-ECMO (every built-in strategy, ECMO flow re-titrated per
 * strategy): wall and CPU time on one core and with all cores.
 *   usage: bench_compare [PATIENT_FILE] [--reps N] [--threads N] [--rows]
 * Prints per-configuration latency and the work done (steady states, beats); nothing is
 * asserted (benchmarks are reported).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hemosim/compare.h"
#include "hemosim/hemosim.h"

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  const char *path = "examples/patients/acute_mi_shock_ecmo.yaml";
  int reps = 3, only = 0, per_row = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      puts("usage: bench_compare [PATIENT_FILE] [--reps N] [--threads N] [--rows]\n"
           "Times a full `hemosim compare` (every built-in strategy, ECMO flow re-titrated) on 1 thread and on all cores\n"
           "(--threads N: only on N threads); --rows adds each strategy's steady states, beats and wall time.");
      return 0;
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      only = atoi(argv[++i]);
      if (only < 1) only = 1;
    } else if (!strcmp(argv[i], "--rows")) {
      per_row = 1;
    } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = atoi(argv[++i]);
      if (reps < 1) reps = 1;
    } else {
      path = argv[i];
    }
  }
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) {
    fprintf(stderr, "bench_compare: %s\n", err.msg);
    return 1;
  }
  hs_targets t;
  hs_targets_default(&t);
  int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
  int configs[2] = {only ? only : 1, cores};
  int nconf = only ? 1 : 2;
  printf("# bench_compare: %s\n", hs_model_name(m));
  for (int c = 0; c < nconf; c++) {
    double best = 1e9, sum = 0, cpu = 0;
    size_t rows = 0;
    int evals = 0;
    long beats = 0;
    for (int r = 0; r < reps; r++) {
      hs_compare_result *res = NULL;
      double t0 = now(), c0 = cpu_now();
      if (hs_compare_run(m, &t, NULL, NULL, NULL, 0, configs[c], &res, &err)) {
        fprintf(stderr, "bench_compare: %s\n", err.msg);
        return 1;
      }
      double w = now() - t0;
      cpu += cpu_now() - c0;
      rows = res->nrows;
      evals = 0, beats = 0;
      for (size_t i = 0; i < res->nrows; i++) {
        const hs_compare_row *row = &res->rows[i];
        evals += row->evals, beats += row->beats;
        if (per_row && r == 0 && c == 0)
          printf("  %-30s steady_states=%d beats=%ld wall_s=%.3f\n", row->name, row->evals,
                 row->beats, row->wall_s);
      }
      hs_compare_free(res);
      sum += w;
      if (w < best) best = w;
    }
    /* CPU seconds are reported too: on a shared machine wall time measures the load */
    printf("threads=%d strategies=%zu steady_states=%d beats=%ld wall_s_mean=%.3f "
           "wall_s_best=%.3f cpu_s_mean=%.3f\n",
           configs[c], rows, evals, beats, sum / reps, best, cpu / reps);
  }
  hs_model_free(m);
  return 0;
}
