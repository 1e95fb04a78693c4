/*
 * bench_steady.c - cost of reaching the periodic steady state (hs_sim_run_to_steady)
 * from the initial state, per patient: beats, simulated s, wall ms (median of --reps),
 * acceleration jumps and fallback reason.  Compile once per patient; each repetition
 * is a new simulation.  The summary window beats (solver.window_beats) are not counted.
 *   usage: bench_steady [PATIENT_FILE...] [--reps N] [--plain] [--perturb]
 * Without patients: healthy_adult, acute_mi_shock_ecmo, severe_shock_ecmo, rv_shock.
 * --perturb also runs every patient with each of four changes of its CSF balance
 * (brain.sinus_gradient 0.8 / 2.5 mmHg, brain.icp_reference 8 / 13 mmHg) and prints the
 * total beats of all runs: the measure docs/numerics.md uses for changes of the search
 * (one patient's beat count moves by +-30 % with any change of the search; the total over
 * many slightly different starts does not).
 * Nothing is asserted (benchmarks are reported); the exit status is 1 when a patient cannot
 * be loaded or compiled or a run ends with an error (e.g. steady state not reached).
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

static long total_beats;

/* set: NULL or "NAME=VALUE" (the value with its unit, as hemosim run --set) */
static int bench(const char *path, int reps, int plain, const char *set) {
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) {
    fprintf(stderr, "bench_steady: %s\n", err.msg);
    return 1;
  }
  if (set) {
    char name[128];
    const char *eq = strchr(set, '=');
    size_t n = eq ? (size_t)(eq - set) : 0;
    if (!eq || n >= sizeof name) {
      fprintf(stderr, "bench_steady: bad setting '%s'\n", set);
      hs_model_free(m);
      return 1;
    }
    memcpy(name, set, n);
    name[n] = 0;
    if (hs_model_set_text(m, name, eq + 1, &err)) {
      fprintf(stderr, "bench_steady: %s\n", err.msg);
      hs_model_free(m);
      return 1;
    }
  }
  if (plain && hs_model_set(m, "solver.steady_accel", 0, &err)) {
    fprintf(stderr, "bench_steady: %s\n", err.msg);
    hs_model_free(m);
    return 1;
  }
  hs_plan *pl = hs_plan_compile(m, &err);
  if (!pl) {
    fprintf(stderr, "bench_steady: %s\n", err.msg);
    hs_model_free(m);
    return 1;
  }
  double ms[64];
  if (reps > 64) reps = 64;
  hs_steady_info info;
  memset(&info, 0, sizeof info);
  double map = 0;
  int failed = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    hs_sim *s = hs_sim_new(pl, &err);
    hs_status st = s ? hs_sim_run_to_steady(s, &info, &err) : HS_ERR_NOMEM;
    ms[r] = 1e3 * (now() - t0);
    if (st) fprintf(stderr, "bench_steady: %s: %s\n", path, err.msg), failed = 1;
    double out[HS_METRIC_COUNT];
    if (s && hs_sim_summary(s, 6, out, &err) == HS_OK) map = out[HS_M_MAP];
    hs_sim_free(s);
  }
  qsort(ms, (size_t)reps, sizeof ms[0], cmp);
  printf("%-28s %s%s%s beats=%ld sim_s=%.1f wall_ms_median=%.1f wall_ms_min=%.1f jumps=%d "
         "reached=%d MAP=%.2f fallback=\"%s\"\n",
         hs_model_name(m), plain ? "plain" : "accel", set ? " " : "", set ? set : "", info.beats,
         info.time_s, ms[reps / 2], ms[0], info.accel_jumps, info.reached, map, info.accel_reason);
  total_beats += info.beats;
  hs_plan_free(pl);
  hs_model_free(m);
  return failed;
}

int main(int argc, char **argv) {
  static const char *const defaults[] = {
      "examples/patients/healthy_adult.yaml", "examples/patients/acute_mi_shock_ecmo.yaml",
      "examples/patients/severe_shock_ecmo.yaml", "examples/patients/rv_shock.yaml"};
  const char *files[64];
  static const char *const perturb[] = {"brain.sinus_gradient=0.8 mmHg",
                                        "brain.sinus_gradient=2.5 mmHg",
                                        "brain.icp_reference=8 mmHg", "brain.icp_reference=13 mmHg"};
  int nf = 0, reps = 5, plain = 0, pert = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      puts("usage: bench_steady [PATIENT_FILE...] [--reps N] [--plain] [--perturb]\n"
           "Beats and wall time to periodic steady state from the initial state (median of N\n"
           "repetitions, default 5); --plain switches the acceleration off; --perturb also\n"
           "runs each patient with brain.sinus_gradient 0.8 / 2.5 and brain.icp_reference\n"
           "8 / 13 mmHg and prints the total beats of all runs.");
      return 0;
    } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = atoi(argv[++i]);
      if (reps < 1) reps = 1;
    } else if (!strcmp(argv[i], "--plain")) {
      plain = 1;
    } else if (!strcmp(argv[i], "--perturb")) {
      pert = 1;
    } else if (nf < 64) {
      files[nf++] = argv[i];
    }
  }
  if (!nf)
    for (nf = 0; nf < 4; nf++) files[nf] = defaults[nf];
  int rc = 0;
  int runs = 0;
  for (int i = 0; i < nf; i++) {
    rc |= bench(files[i], reps, plain, NULL), runs++;
    for (int k = 0; pert && k < 4; k++) rc |= bench(files[i], reps, plain, perturb[k]), runs++;
  }
  if (pert) printf("total beats=%ld runs=%d\n", total_beats, runs);
  return rc;
}
