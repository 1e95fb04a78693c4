/*
 * test_cardiopulmonary.c - the excitatory cardiac (ventricular mechanoreceptor) reflex of
 * the failing heart (hemosim/cardiopulmonary.h, src/physio/cardiopulmonary.c;
 * docs/baroreflex.md, "Cardiopulmonary reflex in heart failure"):
 *
 * 1. the law: 1 at the reference, its floor below the threshold, its slope at the
 *    reference, increasing, none without gain;
 * 2. a calibrated patient stays calibrated: the acute-MI shock preset with the reflex on
 *    and its own PCWP as reference has the steady state it has without it;
 * 3. unloading withdraws it: with dobutamine 10 ug/kg/min (PCWP 26 -> 21) the systemic
 *    resistance falls further and the output rises more than without the reflex, by the
 *    factor the law gives at the new filling pressure; below the threshold (the healthy
 *    adult) it does nothing;
 * 4. 'enabled' adds a state: a simulation refuses to change it, before its run (where
 *    parameters otherwise rebuild the initial state) and during it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

static void test_law(void **state) {
  (void)state;
  const double g = 0.05, th = 12.0, ref = 26.0;
  assert_near(hs_cardiopulmonary_factor(g, th, ref, ref), 1.0, 1e-15);
  assert_near(hs_cardiopulmonary_factor(0.0, th, ref, 40.0), 1.0, 0.0); /* no gain */
  /* the floor: the recruited pressure is ~0 well below the threshold (softplus, 1 mmHg) */
  double floor = 1.0 / (1.0 + g * (ref - th));
  assert_near(hs_cardiopulmonary_factor(g, th, ref, 0.0), floor, 1e-4);
  assert_near(hs_cardiopulmonary_factor(g, th, ref, 5.0), floor, 1e-3);
  /* the slope at the reference: g / (1 + g (ref - th)) per mmHg (here 2.9 %/mmHg) */
  double h = 1e-4;
  double slope = (hs_cardiopulmonary_factor(g, th, ref, ref + h) -
                  hs_cardiopulmonary_factor(g, th, ref, ref - h)) / (2 * h);
  assert_near(slope, g / (1.0 + g * (ref - th)), 1e-6);
  double prev = 0.0;
  for (int i = 0; i <= 600; i++) { /* increasing, smooth at the threshold, finite */
    double f = hs_cardiopulmonary_factor(g, th, ref, -10.0 + 0.1 * i);
    assert_true(isfinite(f) && f > prev);
    prev = f;
  }
  assert_true(isfinite(hs_cardiopulmonary_factor(g, th, ref, 1e4)));
}

typedef struct outcome {
  double map, co, pcwp, svr;
} outcome;

/* The acute-MI shock preset (baroreflex on) to steady state, with the cardiopulmonary
   reflex on (reference ref) or off, at a dobutamine dose. */
static outcome run(const char *patient, int on, double ref, double dobutamine) {
  hs_model *m = hs_test_load(patient);
  hs_err err;
  assert_int_equal(hs_model_set(m, "cardiopulmonary.enabled", on, &err), HS_OK);
  if (!isnan(ref)) /* NaN: the default reference */
    assert_int_equal(hs_model_set(m, "cardiopulmonary.reference", ref, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "drugs.dobutamine", dobutamine, &err), HS_OK);
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  hs_steady_info info;
  assert_int_equal(hs_sim_run_to_steady(s, &info, &err), HS_OK);
  outcome o = {hs_test_metric_finite(s, "map_mmhg", 6), hs_test_metric_finite(s, "co_lpm", 6),
               hs_test_metric_finite(s, "pcwp_mmhg", 6),
               hs_test_metric_finite(s, "svr_dyn_s_cm5", 6)};
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return o;
}

#define MI "examples/patients/acute_mi_shock.yaml"

static void test_calibrated_and_unloading(void **state) {
  (void)state;
  outcome off = run(MI, 0, 12.0, 0.0);
  outcome on = run(MI, 1, off.pcwp, 0.0); /* the patient's own PCWP as the reference */
  print_message("  at rest: MAP %.2f / %.2f, CO %.3f / %.3f, PCWP %.2f / %.2f (off / on)\n",
                off.map, on.map, off.co, on.co, off.pcwp, on.pcwp);
  assert_near(on.map, off.map, 0.002 * off.map);
  assert_near(on.co, off.co, 0.002 * off.co);
  assert_near(on.pcwp, off.pcwp, 0.05);
  /* dobutamine lowers the filling pressure: the reflex withdraws vasoconstriction */
  outcome doff = run(MI, 0, off.pcwp, 10.0), don = run(MI, 1, off.pcwp, 10.0);
  print_message("  dobutamine 10: SVR %.0f -> %.0f (off) / %.0f (on), CO %.2f / %.2f, "
                "MAP %.1f / %.1f, PCWP %.1f / %.1f\n",
                off.svr, doff.svr, don.svr, doff.co, don.co, doff.map, don.map, doff.pcwp,
                don.pcwp);
  assert_true(don.pcwp < off.pcwp - 3.0);
  assert_true(don.svr < doff.svr);
  assert_true(don.co > doff.co);
  assert_true(don.map < doff.map);
  /* by about the law's factor at the new PCWP (the coronary and cerebral beds, outside
     the reflex classes, and the baroreflex's answer make up the rest) */
  double f = hs_cardiopulmonary_factor(0.05, 12.0, off.pcwp, don.pcwp);
  assert_in_range_d(don.svr / doff.svr, f - 0.05, 1.0 - 0.5 * (1.0 - f));
}

/* Below the threshold the receptors are not recruited: the healthy adult is unchanged. */
static void test_below_threshold(void **state) {
  (void)state;
  const char *h = "examples/patients/healthy_adult.yaml";
  outcome off = run(h, 0, 10.0, 0.0), on = run(h, 1, 10.0, 0.0);
  assert_true(off.pcwp < 11.0);
  assert_near(on.map, off.map, 0.002 * off.map);
  assert_near(on.svr, off.svr, 0.002 * off.svr);
  /* the default reference is the healthy adult's own PCWP: switching the reflex on
     changes nothing (with 12 mmHg, until 2026-12, MAP fell 97.0 -> 95.1) */
  outcome dflt = run(h, 1, NAN, 0.0);
  assert_near(dflt.map, off.map, 0.002 * off.map);
  /* dobutamine lowers the PCWP 9.9 -> ~7: only the rounded corner of the threshold
     (1 mmHg softplus) is left, -0.5 % */
  outcome don = run(h, 1, 10.0, 10.0), doff = run(h, 0, 10.0, 10.0);
  assert_near(don.svr, doff.svr, 0.01 * doff.svr);
}

static void test_enabled_fixed(void **state) {
  (void)state;
  hs_model *m = hs_test_load(MI);
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  hs_err err;
  for (int ran = 0; ran < 2; ran++) { /* before the run and while it runs */
    assert_int_equal(hs_sim_set(s, "cardiopulmonary.enabled", 1, &err), HS_ERR_STATE);
    print_message("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "cardiopulmonary.enabled"));
    if (!ran) /* before the run, to the value it has: nothing changes */
      assert_int_equal(hs_sim_set(s, "cardiopulmonary.enabled", 0, &err), HS_OK);
    assert_int_equal(hs_sim_set(s, "cardiopulmonary.gain", 0.03, &err), HS_OK);
    assert_int_equal(hs_sim_run_beats(s, 2, &err), HS_OK);
  }
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_law),
      cmocka_unit_test(test_calibrated_and_unloading),
      cmocka_unit_test(test_below_threshold),
      cmocka_unit_test(test_enabled_fixed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
