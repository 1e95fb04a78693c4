/*
 * bench_steady.c - cost of reaching the periodic steady state (hs_sim_run_to_steady)
 * from the initial state, per patient: beats, simulated s, wall ms (median of --reps),
 * acceleration jumps and fallback reason.  Compile once per patient; each repetition
 * is a new simulation.  The summary window beats (solver.window_beats) are not counted.
 *   usage: bench_steady [PATIENT_FILE...] [--reps N] [--plain]
 * Without patients: healthy_adult, acute_mi_shock_ecmo, severe_shock_ecmo, rv_shock.
 * Nothing is asserted (benchmarks are reported).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hemosim/hemosim.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int bench(const char *path, int reps, int plain) {
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) {
    fprintf(stderr, "bench_steady: %s\n", err.msg);
    return 1;
  }
  if (plain && hs_model_set(m, "solver.steady_accel", 0, &err)) {
    fprintf(stderr, "bench_steady: %s\n", err.msg);
    return 1;
  }
  hs_plan *pl = hs_plan_compile(m, &err);
  if (!pl) {
    fprintf(stderr, "bench_steady: %s\n", err.msg);
    return 1;
  }
  double ms[64];
  if (reps > 64) reps = 64;
  hs_steady_info info;
  memset(&info, 0, sizeof info);
  double map = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    hs_sim *s = hs_sim_new(pl, &err);
    hs_status st = s ? hs_sim_run_to_steady(s, &info, &err) : HS_ERR_NOMEM;
    ms[r] = 1e3 * (now() - t0);
    if (st) fprintf(stderr, "bench_steady: %s: %s\n", path, err.msg);
    double out[HS_METRIC_COUNT];
    if (s && hs_sim_summary(s, 6, out, &err) == HS_OK) map = out[HS_M_MAP];
    hs_sim_free(s);
  }
  qsort(ms, (size_t)reps, sizeof ms[0], cmp);
  printf("%-28s %s beats=%ld sim_s=%.1f wall_ms_median=%.1f wall_ms_min=%.1f jumps=%d "
         "reached=%d MAP=%.2f fallback=\"%s\"\n",
         hs_model_name(m), plain ? "plain" : "accel", info.beats, info.time_s, ms[reps / 2], ms[0],
         info.accel_jumps, info.reached, map, info.accel_reason);
  hs_plan_free(pl);
  hs_model_free(m);
  return 0;
}

int main(int argc, char **argv) {
  static const char *const defaults[] = {
      "examples/patients/healthy_adult.yaml", "examples/patients/acute_mi_shock_ecmo.yaml",
      "examples/patients/severe_shock_ecmo.yaml", "examples/patients/rv_shock.yaml"};
  const char *files[64];
  int nf = 0, reps = 5, plain = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      puts("usage: bench_steady [PATIENT_FILE...] [--reps N] [--plain]\n"
           "Beats and wall time to periodic steady state from the initial state (median of N\n"
           "repetitions, default 5); --plain switches the acceleration off.");
      return 0;
    } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = atoi(argv[++i]);
      if (reps < 1) reps = 1;
    } else if (!strcmp(argv[i], "--plain")) {
      plain = 1;
    } else if (nf < 64) {
      files[nf++] = argv[i];
    }
  }
  if (!nf)
    for (nf = 0; nf < 4; nf++) files[nf] = defaults[nf];
  int rc = 0;
  for (int i = 0; i < nf; i++) rc |= bench(files[i], reps, plain);
  return rc;
}
