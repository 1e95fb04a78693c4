/*
 * bench_compare.c - latency of a full strategy comparison (hemosim compare) for the
 * acute-MI shock patient on VA-ECMO: wall time on one core and with all cores.
 *   usage: bench_compare [PATIENT_FILE] [--reps N]
 * Prints per-configuration latency; nothing is asserted (benchmarks are reported).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hemosim/compare.h"
#include "hemosim/hemosim.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  const char *path = "examples/patients/acute_mi_shock_ecmo.yaml";
  int reps = 3;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      puts("usage: bench_compare [PATIENT_FILE] [--reps N]\n"
           "Times a full `hemosim compare` (every built-in strategy, ECMO flow re-titrated) on 1 thread and on all cores.");
      return 0;
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
  int configs[2] = {1, cores};
  printf("# bench_compare: %s\n", hs_model_name(m));
  for (int c = 0; c < 2; c++) {
    double best = 1e9, sum = 0;
    size_t rows = 0;
    for (int r = 0; r < reps; r++) {
      hs_compare_result *res = NULL;
      double t0 = now();
      if (hs_compare_run(m, &t, NULL, NULL, NULL, 0, configs[c], &res, &err)) {
        fprintf(stderr, "bench_compare: %s\n", err.msg);
        return 1;
      }
      double w = now() - t0;
      rows = res->nrows;
      hs_compare_free(res);
      sum += w;
      if (w < best) best = w;
    }
    printf("threads=%d strategies=%zu wall_s_mean=%.3f wall_s_best=%.3f\n", configs[c], rows,
           sum / reps, best);
  }
  hs_model_free(m);
  return 0;
}
