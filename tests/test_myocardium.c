/*
 * test_myocardium.c - the myocardium's O2 demand (src/physio/myocardium.c, docs/model.md
 * 2.21): MVO2 = basal + HR (pva_cost (PVA_LV + PVA_RV) + ec_cost (Ees_LV + Ees_RV)),
 * 27 mL/min in the healthy adult at rest; the transport, the coronary regulation and the
 * metrics use it; it rises with afterload, heart rate and inotropy and falls when a
 * distended LV on ECMO is unloaded; fibrillation and the switch give the vessels' own
 * o2_consumption; warm starts carry it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

typedef hs_test_run run;

/* A shipped patient with the given changes (NULL-terminated path/value pairs). */
static run start(const char *file, const char *const *sets) {
  char rel[256];
  snprintf(rel, sizeof rel, "examples/patients/%s", file);
  hs_model *m = hs_test_load(rel);
  for (int k = 0; sets && sets[k]; k += 2) hs_test_set(m, sets[k], sets[k + 1]);
  return hs_test_run_start(m);
}

static void steady(run *r) { hs_test_steady(r->s); }


static double metric(const run *r, const char *name) {
  return hs_test_metric_finite(r->s, name, 3);
}

/* The demand at the steady state of a shipped patient with changes. */
static double demand(const char *file, const char *const *sets) {
  run r = start(file, sets);
  steady(&r);
  double d = metric(&r, "mvo2_mlmin");
  print_message("%s: MVO2 %.2f mL/min (HR %.1f, LV PVA %.0f, RV PVA %.0f)\n", file, d,
                metric(&r, "hr_bpm"), metric(&r, "lv_pva_mmhg_ml"), metric(&r, "rv_pva_mmhg_ml"));
  hs_test_run_done(&r);
  return d;
}

/* The equation, on the last beat: with the reflex off the elastances are the
   parameters (2.5 + 0.6 mmHg/mL), so the demand is the formula of the beat's metrics. */
static void test_equation(void **state) {
  (void)state;
  static const char *const sets[] = {"baroreflex.enabled", "false", NULL};
  run r = start("healthy_adult.yaml", sets);
  steady(&r);
  hs_err err;
  assert_int_equal(hs_sim_run_beats(r.s, 1, &err), HS_OK);
  double hr = hs_test_metric(r.s, "hr_bpm", 1);
  double pva = hs_test_metric(r.s, "lv_pva_mmhg_ml", 1) + hs_test_metric(r.s, "rv_pva_mmhg_ml", 1);
  double want = 4.5 + hr * (1.8e-5 * pva + 0.024 * (2.5 + 0.6));
  assert_int_equal(hs_sim_run_beats(r.s, 1, &err), HS_OK); /* the demand in force next */
  double got = hs_test_metric(r.s, "mvo2_mlmin", 1);
  print_message("MVO2 %.4f, formula %.4f (HR %.2f, PVA %.0f)\n", got, want, hr, pva);
  assert_true(fabs(got / want - 1) < 2e-3); /* the steady state moves little in a beat */
  /* the RV's PVA is part of it, and smaller than the LV's */
  double rv = hs_test_metric(r.s, "rv_pva_mmhg_ml", 1);
  assert_true(rv > 1000 && rv < 0.4 * hs_test_metric(r.s, "lv_pva_mmhg_ml", 1));
  hs_test_run_done(&r);
}

/* Calibration: 27 mL/min at rest, the PVA terms about two thirds of it; the transport
   consumes it (the body's VO2 is the vessels' sum with the myocardium's demand). */
static void test_rest_calibration(void **state) {
  (void)state;
  run r = start("healthy_adult.yaml", NULL);
  steady(&r);
  double d = metric(&r, "mvo2_mlmin"), hr = metric(&r, "hr_bpm");
  double pva = metric(&r, "lv_pva_mmhg_ml") + metric(&r, "rv_pva_mmhg_ml");
  assert_true(fabs(d - 27.0) < 0.3);
  double share = hr * 1.8e-5 * pva / d;
  print_message("rest: MVO2 %.2f mL/min, PVA share %.2f\n", d, share);
  assert_true(share > 0.55 && share < 0.72);
  assert_true(fabs(metric(&r, "vo2_mlmin") - (250.0 - 27.0 + d)) < 0.5);
  hs_test_run_done(&r);
}

/* The transport uses the demand: in acute-MI shock (demand ~22.6 mL/min) the body's
   consumption is the other vessels' plus the demand, and the demand model off gives back
   the vessels' own 27 mL/min. */
static void test_transport_uses_demand(void **state) {
  (void)state;
  /* the matching off in both: the vessels' own 27 mL/min would leave this heart above its
     critical extraction, and its weaker LV would change the other beds' consumption */
  static const char *const on[] = {"ischaemia.enabled", "false", NULL};
  run r = start("acute_mi_shock.yaml", on);
  steady(&r);
  double d = metric(&r, "mvo2_mlmin"), vo2 = metric(&r, "vo2_mlmin");
  hs_test_run_done(&r);
  static const char *const off[] = {"myocardium.demand_model", "false", "ischaemia.enabled",
                                    "false", NULL};
  run o = start("acute_mi_shock.yaml", off);
  steady(&o);
  double d0 = metric(&o, "mvo2_mlmin"), vo20 = metric(&o, "vo2_mlmin");
  hs_test_run_done(&o);
  print_message("acute MI: MVO2 %.2f (off %.2f), body VO2 %.1f (off %.1f)\n", d, d0, vo2, vo20);
  assert_true(d > 15 && d < 26);
  assert_true(d0 == 27.0);
  assert_true(fabs((vo20 - vo2) - (d0 - d)) < 0.3);
}

/* What raises and lowers it: afterload (the systemic beds' resistance x1.6), the heart
   rate (70 -> 100 /min) and inotropy (dobutamine) raise it; ECMO's afterload on a failing
   LV raises its PVA, and an Impella unloading that LV lowers it again. */
static void test_load_rate_inotropy(void **state) {
  (void)state;
  double base = demand("healthy_adult.yaml", NULL);
  static const char *const after[] = {"upper_bed.resistance", "14.4", "lower_bed.resistance",
                                      "6.7", "abdominal_bed.resistance", "3.4",
                                      "baroreflex.enabled", "false", NULL};
  static const char *const rate[] = {"heart.heart_rate", "100 /min", "baroreflex.enabled",
                                     "false", NULL};
  static const char *const rest[] = {"baroreflex.enabled", "false", NULL};
  static const char *const dobu[] = {"drugs.dobutamine", "5 ug/kg/min", "baroreflex.enabled",
                                     "false", NULL};
  double r0 = demand("healthy_adult.yaml", rest);
  assert_true(fabs(r0 / base - 1) < 0.05);
  assert_true(demand("healthy_adult.yaml", after) > 1.15 * r0);
  assert_true(demand("healthy_adult.yaml", rate) > 1.2 * r0);
  assert_true(demand("healthy_adult.yaml", dobu) > 1.05 * r0);
}

/* ECMO and unloading: more retrograde flow raises the failing LV's PVA and the demand per
   beat (per minute the reflex slows the heart as the pressure rises); an Impella CP on
   the same ECMO patient (tests/validation/patients) lowers its PVA and the demand. */
static double per_beat(const char *file, const char *const *sets, double *pva, double *d) {
  run r = start(file, sets);
  steady(&r);
  *d = metric(&r, "mvo2_mlmin");
  *pva = metric(&r, "lv_pva_mmhg_ml");
  double b = (*d - 4.5) / metric(&r, "hr_bpm");
  print_message("%s: MVO2 %.2f mL/min, %.4f mL per beat above basal, LV PVA %.0f\n", file, *d,
                b, *pva);
  hs_test_run_done(&r);
  return b;
}

static void test_ecmo_and_unloading(void **state) {
  (void)state;
  static const char *const lo[] = {"ecmo.target_flow", "2 L/min", NULL};
  static const char *const hi[] = {"ecmo.target_flow", "4.5 L/min", NULL};
  double pl, ph, pe, pi, dl, dh, de, di;
  double bl = per_beat("acute_mi_shock_ecmo.yaml", lo, &pl, &dl);
  double bh = per_beat("acute_mi_shock_ecmo.yaml", hi, &ph, &dh);
  assert_true(ph > 1.05 * pl && bh > bl); /* the LV distends against the retrograde flow */
  per_beat("acute_mi_shock_ecmo.yaml", NULL, &pe, &de);
  per_beat("../../tests/validation/patients/acute_mi_shock_ecmo_impella_cp.yaml", NULL, &pi,
           &di);
  assert_true(pi < 0.75 * pe);
  assert_true(di < 0.85 * de);
}

/* The first beat of a run is its start-up transient (LV PVA about half the periodic one):
   the demand in force stays the vessels' own through the second beat; the third beat runs
   on the demand of the second. */
static void test_first_beat_skipped(void **state) {
  (void)state;
  run r = start("healthy_adult.yaml", NULL);
  hs_err err;
  assert_int_equal(hs_sim_run_beats(r.s, 2, &err), HS_OK);
  assert_true(hs_test_metric(r.s, "mvo2_mlmin", 1) == 27.0);
  assert_int_equal(hs_sim_run_beats(r.s, 1, &err), HS_OK);
  double d3 = hs_test_metric(r.s, "mvo2_mlmin", 1);
  print_message("third beat: MVO2 %.2f mL/min\n", d3);
  assert_true(d3 != 27.0 && d3 > 15 && d3 < 40);
  hs_test_run_done(&r);
}

/* Fibrillation has no PVA: the vessels' own o2_consumption (27 mL/min). */
static void test_fibrillation(void **state) {
  (void)state;
  run r = start("cardiac_arrest_vf.yaml", NULL);
  hs_err err;
  assert_int_equal(hs_sim_run(r.s, 10, &err), HS_OK);
  assert_true(hs_test_metric(r.s, "mvo2_mlmin", 1) == 27.0);
  assert_true(isnan(hs_test_metric(r.s, "rv_pva_mmhg_ml", 1)));
  hs_test_run_done(&r);
}

/* The demand travels with the warm-start state; switched off at run time the vessels'
   own value applies at once. */
static void test_warm_start_and_switch(void **state) {
  (void)state;
  run a = start("acute_mi_shock.yaml", NULL);
  steady(&a);
  double d = metric(&a, "mvo2_mlmin");
  hs_err err;
  hs_sim *b = hs_test_warm_start(a.s, a.pl);
  assert_int_equal(hs_sim_run_beats(b, 1, &err), HS_OK);
  double db = hs_test_metric_finite(b, "mvo2_mlmin", 1);
  print_message("MVO2 %.3f, after a warm start %.3f\n", d, db);
  assert_true(fabs(db / d - 1) < 0.01);
  assert_int_equal(hs_sim_set(b, "myocardium.demand_model", 0, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(b, 1, &err), HS_OK);
  assert_true(hs_test_metric(b, "mvo2_mlmin", 1) == 27.0);
  hs_sim_free(b);
  hs_test_run_done(&a);
}

/* Range errors name the field. */
static void test_range_errors(void **state) {
  (void)state;
  hs_model *m = hs_test_load("examples/patients/healthy_adult.yaml");
  hs_err err;
  assert_int_not_equal(hs_model_set_text(m, "myocardium.pva_cost", "1", &err), HS_OK);
  assert_non_null(strstr(err.msg, "pva_cost"));
  assert_int_not_equal(hs_model_set_text(m, "myocardium.basal", "-1 mL/min", &err), HS_OK);
  assert_non_null(strstr(err.msg, "basal"));
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_equation),           cmocka_unit_test(test_rest_calibration),
      cmocka_unit_test(test_transport_uses_demand), cmocka_unit_test(test_load_rate_inotropy),
      cmocka_unit_test(test_ecmo_and_unloading), cmocka_unit_test(test_first_beat_skipped),
      cmocka_unit_test(test_fibrillation),
      cmocka_unit_test(test_warm_start_and_switch),
      cmocka_unit_test(test_range_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
