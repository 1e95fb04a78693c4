/*
 * test_functional_mr.c - functional (secondary) regurgitation of a valve whose effective
 * orifice grows with the volume of the chamber it opens into (docs/model.md 2.9,
 * elements.h hs_functional_area; valve parameters functional_regurgitant_area,
 * functional_coaptation_volume, functional_span_volume; off by default), and the
 * metrics mr_volume_ml / mr_fraction_pct.
 *
 * 1. the law: 0 when off or at/below the coaptation volume, linear above it, the given
 *    area at coaptation + span;
 * 2. the simulator applies it: in mid-systole (mitral valve shut) the mitral flow of the
 *    chronic-failure patient is exactly the orifice law at the area of the LV's volume;
 * 3. off by default: the healthy adult has no regurgitation, and the metric is 0;
 * 4. the metric is the backward volume: with no other LV outlet, LV stroke volume =
 *    forward (aortic) + regurgitant volume per beat; and unloading shrinks the orifice:
 *    nitroprusside lowers the regurgitant fraction (tests/validation/cases/
 *    drugs_chronic_heart_failure.yaml checks the published numbers);
 * 5. a change of the orifice during the run acts from the next beat's metrics on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elements/elements.h"
#include "hemosim/hemosim.h"
#include "support.h"

#define CHF "tests/validation/patients/chronic_heart_failure.yaml"

static void test_law(void **state) {
  (void)state;
  assert_near(hs_functional_area(0.0, 100.0, 150.0, 300.0), 0.0, 0.0); /* off */
  assert_near(hs_functional_area(0.4, 200.0, 70.0, 150.0), 0.0, 0.0);  /* below coaptation */
  assert_near(hs_functional_area(0.4, 200.0, 70.0, 200.0), 0.0, 0.0);  /* at coaptation */
  assert_near(hs_functional_area(0.4, 200.0, 70.0, 270.0), 0.4, 1e-15);
  assert_near(hs_functional_area(0.4, 200.0, 70.0, 235.0), 0.2, 1e-15); /* linear */
  assert_near(hs_functional_area(0.4, 200.0, 70.0, 305.0), 0.6, 1e-15); /* and beyond */
}

typedef struct {
  int lv, la, mv, n;
  double area, vc, span, worst;
} check;

static int on_sample(const hs_sample *smp, void *ud) {
  check *c = ud;
  if (smp->ventricular_activation < 0.8) return 0; /* mid-systole: the mitral valve is shut */
  double dp = smp->pressure[c->la] - smp->pressure[c->lv];
  assert_true(dp < 0.0);
  double want = hs_orifice_flow(hs_functional_area(c->area, c->vc, c->span, smp->volume[c->lv]), dp);
  double d = fabs(smp->flow[c->mv] - want);
  if (d > c->worst) c->worst = d;
  c->n++;
  return 0;
}

static double param(const hs_sim *s, const char *path) {
  double v = NAN;
  hs_err err;
  assert_int_equal(hs_sim_get(s, path, &v, &err), HS_OK);
  return v;
}

static void test_simulator_applies_law(void **state) {
  (void)state;
  hs_model *m = hs_test_load(CHF);
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  hs_err err;
  check c = {0};
  c.lv = hs_plan_node_find(pl, "lv");
  c.la = hs_plan_node_find(pl, "la");
  c.mv = hs_plan_edge_find(pl, "mitral_valve");
  assert_true(c.lv >= 0 && c.la >= 0 && c.mv >= 0);
  c.area = param(s, "mitral_valve.functional_regurgitant_area");
  c.vc = param(s, "mitral_valve.functional_coaptation_volume");
  c.span = param(s, "mitral_valve.functional_span_volume");
  assert_near(c.area, 0.4, 1e-12);
  assert_int_equal(hs_sim_run_beats(s, 5, &err), HS_OK);
  assert_int_equal(hs_sim_set_sampler(s, 0.001, on_sample, &c, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(s, 2, &err), HS_OK);
  assert_true(c.n > 50);
  assert_in_range_d(c.worst, 0.0, 1e-9);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

static void steady(const char *file, const char *set_path, double set_v, const char **names,
                   double *out, int n) {
  hs_model *m = hs_test_load(file);
  hs_err err;
  if (set_path) assert_int_equal(hs_model_set(m, set_path, set_v, &err), HS_OK);
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(s, &info, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  for (int k = 0; k < n; k++) out[k] = hs_test_metric(s, names[k], 1);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

static void test_default_off(void **state) {
  (void)state;
  hs_model *m = hs_test_load("examples/patients/healthy_adult.yaml");
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  assert_near(param(s, "mitral_valve.functional_regurgitant_area"), 0.0, 0.0);
  assert_near(param(s, "tricuspid_valve.functional_regurgitant_area"), 0.0, 0.0);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  const char *names[] = {"mr_volume_ml", "mr_fraction_pct"};
  double v[2];
  steady("examples/patients/healthy_adult.yaml", NULL, 0, names, v, 2);
  assert_in_range_d(v[0], 0.0, 1e-6);
  assert_in_range_d(v[1], 0.0, 1e-6);
}

static void test_metric_and_unloading(void **state) {
  (void)state;
  const char *names[] = {"mr_volume_ml", "mr_fraction_pct", "lvedv_ml", "lvesv_ml",
                         "lv_output_lpm", "hr_bpm"};
  double b[6], n[6];
  steady(CHF, NULL, 0, names, b, 6);
  steady(CHF, "drugs.nitroprusside", 2.0, names, n, 6);
  for (int k = 0; k < 2; k++) {
    const double *x = k ? n : b;
    double sv = x[2] - x[3], fwd = 1000.0 * x[4] / x[5];
    /* LV stroke volume = forward + regurgitant (the LV has no other outlet), to the
       little regurgitation of late diastole (after the atrial kick), which takes no
       part in EDV - ESV: measured -0.5 mL of 25 */
    assert_in_range_d(sv - fwd - x[0], -1.0, 0.5);
    assert_near(x[1], 100.0 * x[0] / sv, 1e-9);
  }
  /* measured: regurgitant fraction 43.6 -> 33.8 %, volume 23.8 -> 21.0 mL per beat (-12 %;
     the patients' fraction 0.44 -> 0.26 at a total output about +24 % implies about
     -27 %, Am J Cardiol 1986;58:1046).  With nitroprusside 32.4 % and 19.2 mL before its
     pulmonary vasodilation (docs/drugs.md "Pulmonary vascular resistance") let the RV
     hand more blood to the LV, so the limits were loosened from 0.85 and 10 points to
     0.92 and 8; 23.4 % and 11.3 mL before its LV distensibility kept the LV larger */
  assert_in_range_d(b[1], 35.0, 55.0);
  assert_true(n[0] < 0.92 * b[0]);
  assert_true(n[1] < b[1] - 8.0);
  assert_true(n[2] < b[2]); /* the LV is smaller */
}

/* A change during the run acts (the valve rows cache the parameters: refreshed on a set). */
static void test_runtime_change(void **state) {
  (void)state;
  hs_model *m = hs_test_load(CHF);
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  hs_err err;
  assert_int_equal(hs_sim_run_beats(s, 20, &err), HS_OK);
  double before = hs_test_metric(s, "mr_volume_ml", 1);
  assert_true(before > 10.0);
  assert_int_equal(hs_sim_set(s, "mitral_valve.functional_regurgitant_area", 0.0, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(s, 3, &err), HS_OK);
  assert_near(hs_test_metric(s, "mr_volume_ml", 1), 0.0, 0.0);
  assert_int_equal(hs_sim_set(s, "mitral_valve.functional_regurgitant_area", 0.4, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(s, 3, &err), HS_OK);
  assert_true(hs_test_metric(s, "mr_volume_ml", 1) > 10.0);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_law),
      cmocka_unit_test(test_simulator_applies_law),
      cmocka_unit_test(test_default_off),
      cmocka_unit_test(test_metric_and_unloading),
      cmocka_unit_test(test_runtime_change),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
