/*
 * test_wean.c - VA-ECMO weaning trial (issue 11.5): a recovering LV passes, a
 * non-contracting LV fails on LVEF and aortic VTI, the criteria are the documented
 * ones, errors name the problem.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/compare.h"
#include "hemosim/hemosim.h"
#include "support.h"

static hs_model *load(const char *dir, const char *name) {
  char path[1100];
  snprintf(path, sizeof path, "%.500s/%.500s", dir, name);
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) fail_msg("%s: %s", path, err.msg);
  return m;
}

/* A shipped patient (examples/patients/NAME). */
static hs_model *example(const char *name) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/examples/patients", HS_SOURCE_DIR);
  return load(dir, name);
}

static void test_recovered_passes(void **state) {
  (void)state;
  hs_model *m = load(HS_TEST_DATA, "decide_mild.yaml");
  hs_wean_result r;
  hs_err err;
  assert_int_equal(hs_wean_run(m, NULL, &r, &err), HS_OK);
  assert_near(r.flow_after_lpm, 1.5, 0.05);
  assert_true(r.flow_before_lpm > 3.5);
  for (int k = 0; k < HS_WEAN_N; k++)
    if (!r.pass[k]) fail_msg("criterion %d not met: %s", k, r.text[k]);
  assert_true(r.passed);
  assert_true(r.value[HS_WEAN_VTI] >= 10 && r.value[HS_WEAN_LVEF] > 25);
  /* no balloon: the pulse pressure is the arterial one */
  assert_false(r.pp_lv_own);
  assert_near(r.value[HS_WEAN_PP], r.pp_arterial_mmhg, 1e-12);
  char *t = hs_wean_text(&r, "mild");
  assert_non_null(strstr(t, "PASS"));
  assert_non_null(strstr(t, "aortic VTI"));
  /* what the capillaries get at the trial flow, reported beside the criteria: less ECMO
     flow recruits no more of them */
  assert_non_null(strstr(t, "Microcirculation (model, not a criterion): small-vessel PSVD "));
  assert_in_range_d(r.after[HS_CMP_PSVD], 5, 21.3);
  assert_true(r.after[HS_CMP_PSVD] <= r.before[HS_CMP_PSVD] + 0.05);
  free(t);
  hs_model_free(m);
}

/* The trial steps the flow down gradually (0.5 L/min, each step to steady state) and
   reports every step (issue 11: before, one jump from 4 to 1.5 L/min). */
static void test_stepped_descent(void **state) {
  (void)state;
  hs_model *m = load(HS_TEST_DATA, "decide_mild.yaml");
  hs_wean_result r;
  hs_err err;
  assert_int_equal(hs_wean_run(m, NULL, &r, &err), HS_OK);
  double f0 = r.flow_before_lpm;
  /* the measured start flow is a few mL/min off the set 4 L/min: no extra step for that
     remainder (1.50 L/min was listed twice) */
  int want = (int)ceil((f0 - 1.5 - 0.025) / 0.5);
  assert_int_equal(r.nsteps, want);
  for (int k = 1; k < r.nsteps; k++)
    assert_true(r.steps[k - 1].flow_lpm - r.steps[k].flow_lpm > 0.4);
  assert_true(r.nsteps >= 4);
  for (int k = 0; k < r.nsteps; k++) {
    double f = k < r.nsteps - 1 ? f0 - 0.5 * (k + 1) : 1.5;
    assert_near(r.steps[k].flow_lpm, f, 0.02);
    assert_true(r.steps[k].tolerated);
    if (k) assert_true(r.steps[k].value[HS_WEAN_MAP] <= r.steps[k - 1].value[HS_WEAN_MAP] + 0.5);
  }
  assert_near(r.steps[r.nsteps - 1].value[HS_WEAN_LVEF], r.value[HS_WEAN_LVEF], 0);
  char *t = hs_wean_text(&r, "mild");
  assert_non_null(strstr(t, "Steps (vent clamped"));
  assert_non_null(strstr(t, "tolerated"));
  free(t);
  char *j = hs_wean_json(&r, NULL, &err);
  assert_non_null(strstr(j, "\"steps\": ["));
  assert_non_null(strstr(j, "\"step_lpm\": 0.5"));
  free(j);
  /* one step, as before, on request */
  hs_wean_criteria c;
  hs_wean_default(&c);
  c.step_lpm = 0;
  assert_int_equal(hs_wean_run(m, &c, &r, &err), HS_OK);
  assert_int_equal(r.nsteps, 1);
  c.step_lpm = 5;
  assert_int_equal(hs_wean_run(m, &c, &r, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "flow step"));
  hs_model_free(m);
}

/* The descent stops at the first step the circulation does not tolerate: a MAP floor no
   step reaches stops it at the first step, with the trial flow never reached. */
static void test_stops_at_first_failing_step(void **state) {
  (void)state;
  hs_model *m = load(HS_TEST_DATA, "decide_mild.yaml");
  hs_wean_criteria c;
  hs_wean_default(&c);
  c.map_min_mmhg = 200;
  hs_wean_result r;
  hs_err err;
  assert_int_equal(hs_wean_run(m, &c, &r, &err), HS_OK);
  assert_int_equal(r.nsteps, 1);
  assert_true(r.stopped_early);
  assert_false(r.passed);
  assert_false(r.steps[0].tolerated);
  assert_true(r.flow_after_lpm > 1.5 + 0.4);
  assert_non_null(strstr(r.verdict, "not tolerated at step 1"));
  hs_model_free(m);
}

static void test_failing_lv_fails(void **state) {
  (void)state;
  hs_model *m = load(HS_TEST_DATA, "decide_severe.yaml");
  hs_wean_result r;
  hs_err err;
  assert_int_equal(hs_wean_run(m, NULL, &r, &err), HS_OK);
  assert_false(r.passed);
  assert_false(r.pass[HS_WEAN_LVEF]);
  assert_false(r.pass[HS_WEAN_VTI]);
  assert_non_null(strstr(r.verdict, "LVEF"));
  assert_non_null(strstr(r.verdict, "aortic VTI"));
  hs_wean_criteria c;
  hs_wean_default(&c);
  c.lvot_diam_cm = 2.4; /* wider LVOT: same stroke volume, smaller VTI */
  hs_wean_result r2;
  assert_int_equal(hs_wean_run(m, &c, &r2, &err), HS_OK);
  assert_near(r2.value[HS_WEAN_VTI], r.value[HS_WEAN_VTI] * (2.0 * 2.0) / (2.4 * 2.4), 1e-9);
  hs_model_free(m);
}

/* A fibrillating heart on ECPR has no systole (lvef_pct undefined): the LVEF criterion
   reads 0 % and fails, and neither the text nor the JSON shows "nan" (it printed "LVEF
   nan %") or a rise of "-0.0". */
static void test_no_systole(void **state) {
  (void)state;
  hs_model *m = example("cardiac_arrest_ecpr.yaml");
  hs_wean_result r;
  hs_err err;
  assert_int_equal(hs_wean_run(m, NULL, &r, &err), HS_OK);
  assert_false(r.passed);
  assert_near(r.value[HS_WEAN_LVEF], 0.0, 1e-12);
  assert_false(r.pass[HS_WEAN_LVEF]);
  assert_near(r.lvef_before, 0.0, 1e-12);
  assert_near(r.lvef_after, 0.0, 1e-12);
  char *t = hs_wean_text(&r, "ecpr");
  assert_non_null(strstr(t, "LVEF 0 % (> 25 %)"));
  assert_null(strstr(t, "nan"));
  assert_null(strstr(t, "-0.0"));
  free(t);
  char *j = hs_wean_json(&r, NULL, &err);
  assert_non_null(j);
  assert_null(strstr(j, "nan"));
  free(j);
  hs_model_free(m);
}

/* A patient file with a 40 mL balloon at 1:1 added to a shipped patient. */
static hs_model *with_balloon(const char *patient) {
  char text[1200], name[96];
  snprintf(text, sizeof text,
           "hemosim_patient: 1\nbase: %s/examples/patients/%s\n"
           "name: with IABP\ndevices:\n  iabp:\n    type: iabp\n"
           "    ports: {aorta: desc_aorta}\n    volume: 40 mL\n    ratio: 1\n",
           HS_SOURCE_DIR, patient);
  snprintf(name, sizeof name, "wean_iabp_%s", patient);
  char *path = hs_test_write_temp(name, text);
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) fail_msg("%s", err.msg);
  free(path);
  return m;
}

/* With an IABP counterpulsing the arterial pulse carries the balloon's augmentation (the
   severe-shock patient with a 40 mL balloon at 1:1: ~64 mmHg at the trial flow): the
   criterion reads the LV's own pulse, at steady state with the balloon in standby (8.6
   mmHg there), and says so.  A fibrillating heart with a
   balloon (the ECPR patient) has no pulse of its own, whatever the balloon adds. */
static void test_balloon_pulse(void **state) {
  (void)state;
  hs_model *m = with_balloon("severe_shock_ecmo.yaml");
  hs_wean_result r;
  hs_err err;
  assert_int_equal(hs_wean_run(m, NULL, &r, &err), HS_OK);
  print_message("balloon: LV pulse %.1f mmHg (in standby), arterial %.1f mmHg, LVEF %.0f %%\n",
                r.value[HS_WEAN_PP], r.pp_arterial_mmhg, r.value[HS_WEAN_LVEF]);
  assert_true(r.pp_lv_own);
  /* 8.6 mmHg since the heart's anaerobic threshold is the critical coronary venous PO2
     (2026-12-07; 14.7 before): the criterion (10 mmHg) judges the LV's own pulse */
  assert_in_range_d(r.value[HS_WEAN_PP], 5, 25);
  assert_int_equal(r.pass[HS_WEAN_PP], r.value[HS_WEAN_PP] >= 10.0);
  assert_true(r.value[HS_WEAN_PP] < r.pp_arterial_mmhg - 30);
  assert_non_null(strstr(r.text[HS_WEAN_PP], "the LV's own, the balloon in standby"));
  char *j = hs_wean_json(&r, NULL, &err);
  assert_non_null(strstr(j, "\"pulse_pressure_lv_own\": true"));
  free(j);
  hs_model_free(m);
  m = with_balloon("cardiac_arrest_ecpr.yaml");
  assert_int_equal(hs_wean_run(m, NULL, &r, &err), HS_OK);
  print_message("fibrillation + balloon: LV pulse %.2f mmHg, arterial %.1f mmHg\n",
                r.value[HS_WEAN_PP], r.pp_arterial_mmhg);
  assert_true(r.pp_lv_own);
  assert_true(r.value[HS_WEAN_PP] < 1.0);
  assert_false(r.pass[HS_WEAN_PP]);
  assert_true(r.pp_arterial_mmhg > 20);
  hs_model_free(m);
}

static void test_errors(void **state) {
  (void)state;
  hs_model *m = example("acute_mi_shock.yaml");
  hs_wean_result r;
  hs_err err;
  assert_int_equal(hs_wean_run(m, NULL, &r, &err), HS_ERR_MODEL);
  assert_non_null(strstr(err.msg, "no VA-ECMO"));
  hs_model_free(m);
  m = load(HS_TEST_DATA, "decide_mild.yaml");
  hs_wean_criteria c;
  hs_wean_default(&c);
  c.flow_lpm = 0;
  assert_int_equal(hs_wean_run(m, &c, &r, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "trial flow"));
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recovered_passes),
      cmocka_unit_test(test_failing_lv_fails),
      cmocka_unit_test(test_stepped_descent),
      cmocka_unit_test(test_stops_at_first_failing_step),
      cmocka_unit_test(test_no_systole),
      cmocka_unit_test(test_balloon_pulse),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
