/*
 * bench_hours.c - hours-scale simulation with slow states (issue 16, item 7; docs/model.md
 * 2.18 "Macro steps"): 72 h of the shock-on-VA-ECMO patient (severe_shock_ecmo) with
 * fluids on - maintenance crystalloid 80 mL/h, a 500 mL crystalloid bolus over 30 min at
 * 2 h, blood loss 50 mL/h for the first 24 h, two red-cell units (600 mL) over 4 h at
 * 12 h - urine from the renal perfusion pressure, plasma free Hb from the pump, lung
 * water and lactate.
 * Prints wall time (median of --reps), simulated s per wall s, beats integrated, macro
 * steps, and the end state.  --slow-step S sets solver.slow_step (default 600 s;
 * 0 = beat by beat, then give --hours 1 and scale).
 *   usage: bench_hours [PATIENT_FILE] [--hours H] [--slow-step S] [--reps N]
 * Nothing is asserted (benchmarks are reported); tests/test_slow.c checks the accuracy.
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

/* The course: (time h, parameter, value). */
static const struct {
  double h;
  const char *path, *value;
} COURSE[] = {
    {0, "fluids.crystalloid_rate", "80 mL/h"},  {0, "fluids.blood_loss_rate", "50 mL/h"},
    {2, "fluids.crystalloid_rate", "1080 mL/h"}, {2.5, "fluids.crystalloid_rate", "80 mL/h"},
    {12, "fluids.rbc_rate", "150 mL/h"},         {16, "fluids.rbc_rate", "0 mL/h"},
    {24, "fluids.blood_loss_rate", "0 mL/h"},
};

static int fail(const hs_err *err) {
  fprintf(stderr, "bench_hours: %s\n", err->msg);
  return 1;
}

int main(int argc, char **argv) {
  const char *path = "examples/patients/severe_shock_ecmo.yaml", *step = "600 s";
  double hours = 72;
  int reps = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--hours") && i + 1 < argc) hours = atof(argv[++i]);
    else if (!strcmp(argv[i], "--slow-step") && i + 1 < argc) step = argv[++i];
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (argv[i][0] != '-') path = argv[i];
    else {
      fprintf(stderr, "usage: bench_hours [PATIENT_FILE] [--hours H] [--slow-step S] [--reps N]\n");
      return 2;
    }
  }
  if (reps < 1) reps = 1;
  if (reps > 64) reps = 64;
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) return fail(&err);
  if (hs_model_set_text(m, "fluids.enabled", "true", &err)) return fail(&err);
  if (hs_model_set_text(m, "solver.slow_step", step, &err)) return fail(&err);
  hs_plan *pl = hs_plan_compile(m, &err);
  if (!pl) return fail(&err);
  double wall[64];
  hs_sim_stats st;
  double out[HS_METRIC_COUNT];
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    hs_sim *s = hs_sim_new(pl, &err);
    if (!s) return fail(&err);
    for (size_t k = 0; k < sizeof COURSE / sizeof COURSE[0]; k++) {
      double v;
      if (COURSE[k].h > hours) continue;
      if (hs_sim_parse_value(s, COURSE[k].path, COURSE[k].value, &v, &err) ||
          hs_sim_schedule(s, COURSE[k].h * 3600.0, COURSE[k].path, v, &err))
        return fail(&err);
    }
    if (hs_sim_run(s, hours * 3600.0, &err)) return fail(&err);
    wall[r] = now() - t0;
    hs_sim_get_stats(s, &st);
    if (hs_sim_summary(s, 6, out, &err)) return fail(&err);
    hs_sim_free(s);
  }
  qsort(wall, (size_t)reps, sizeof wall[0], cmp);
  double w = wall[reps / 2];
  printf("bench_hours: %s, %.0f h, solver.slow_step %s\n", path, hours, step);
  printf("  wall %.2f s (median of %d), %.0f simulated s per wall s\n", w, reps,
         hours * 3600.0 / w);
  printf("  beats integrated %ld (%.0f s), macro steps %ld covering %.0f s (%.0f mL into the "
         "left heart of a non-ejecting LV)\n",
         st.beats, hours * 3600.0 - st.slow_jumped_s, st.slow_jumps, st.slow_jumped_s,
         st.slow_lh_ml);
  printf("  end: MAP %.1f mmHg, CVP %.1f mmHg, blood volume %.0f mL, Hb %.2f g/dL, urine %.0f "
         "mL/h, fluid in %.0f mL, urine %.0f mL, blood loss %.0f mL, balance %+.0f mL, plasma "
         "free Hb %.1f mg/dL, lung water %.0f mL (%+.0f mL/h), lactate %.2f mmol/L\n",
         out[HS_M_MAP], out[HS_M_CVP], out[HS_M_TBV], out[HS_M_HB], out[HS_M_URINE],
         out[HS_M_FLUID_IN], out[HS_M_URINE_TOTAL], out[HS_M_BLOOD_LOSS], out[HS_M_BALANCE],
         out[HS_M_PFHB], out[HS_M_EVLW], out[HS_M_EVLW_RATE], out[HS_M_LACT]);
  hs_plan_free(pl);
  hs_model_free(m);
  return 0;
}
