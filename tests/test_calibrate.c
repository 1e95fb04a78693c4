/*
 * test_calibrate.c - fitting a patient to measurements (issue #5, calibrate):
 * (a) a synthetic patient with known parameters is recovered from noisy
 *     measurements, from two different starting points;
 * (b) with MAP alone most parameters are reported as not identifiable;
 * (c) impossible data is rejected before fitting, with file:line:col;
 * (d) the written calibrated patient file reproduces the fit's simulated values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/calibrate.h"
#include "hemosim/hemosim.h"
#include "hemosim/report.h"
#include "support.h"

#define MI_PATIENT HS_SOURCE_DIR "/tests/data/calibrate/acute_mi_shock.yaml" /* fixed fixture */

/* The truth: acute MI shock with these changes (multipliers relative to the file). */
typedef struct truth {
  double lv_ees, lv_ed_a, rv_ees, svr_mult, pvr_mult, dvs_ml;
} truth;

static const truth TRUTH = {0.55, 0.60, 0.36, 1.25, 1.30, 300};

static void set_truth(hs_model *m, const truth *t) {
  hs_err err;
  char path[160];
  assert_int_equal(hs_model_set(m, "lv.ees", t->lv_ees, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "lv.ed_a", t->lv_ed_a, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "rv.ees", t->rv_ees, &err), HS_OK);
  for (size_t i = 0; i < hs_model_block_count(m); i++) {
    const hs_block_type *ty = hs_model_block_type(m, i);
    const char *name = hs_model_block_name(m, i);
    double bed = 0, r;
    if (ty->cls != HS_BLOCK_EDGE || hs_param_index(ty, "systemic_bed") < 0) continue;
    snprintf(path, sizeof path, "%s.systemic_bed", name);
    hs_model_get(m, path, &bed, NULL);
    if (bed < 0.5) continue;
    snprintf(path, sizeof path, "%s.resistance", name);
    assert_int_equal(hs_model_get(m, path, &r, &err), HS_OK);
    assert_int_equal(hs_model_set(m, path, r * t->svr_mult, &err), HS_OK);
  }
  double r, bv, w, kg;
  assert_int_equal(hs_model_get(m, "pulm_arterioles.resistance", &r, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "pulm_arterioles.resistance", r * t->pvr_mult, &err), HS_OK);
  assert_int_equal(hs_model_get(m, "circulation.blood_volume", &bv, &err), HS_OK);
  if (!(bv > 0)) {
    hs_model_get(m, "body.weight", &w, NULL);
    hs_model_get(m, "body.blood_volume_per_kg", &kg, NULL);
    bv = w * kg;
  }
  assert_int_equal(hs_model_set(m, "circulation.blood_volume", bv + t->dvs_ml, &err), HS_OK);
}

/* Steady-state metrics of m, the way `hemosim run` computes them. */
static void run_metrics(const hs_model *m, double out[HS_METRIC_COUNT]) {
  hs_err err;
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(s, &info, &err);
  assert_true(st == HS_OK || st == HS_ERR_NOT_STEADY);
  double window = 6;
  hs_sim_get(s, "solver.window_beats", &window, NULL);
  assert_int_equal(hs_sim_summary(s, (int)window, out, &err), HS_OK);
  hs_sim_free(s);
  hs_plan_free(pl);
}

/* Measurements of the true patient with small deterministic noise (in sd units). */
static char *synthetic_measurements(const char *name) {
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_file(MI_PATIENT, &m, &err), HS_OK);
  set_truth(m, &TRUTH);
  double v[HS_METRIC_COUNT];
  run_metrics(m, v);
  hs_model_free(m);
  static const struct {
    const char *name;
    int metric;
    double sd, noise;
    const char *unit;
  } Q[] = {{"sbp", HS_M_SBP, 5, 0.3, "mmHg"},   {"dbp", HS_M_DBP, 5, -0.3, "mmHg"},
           {"map", HS_M_MAP, 4, 0.2, "mmHg"},   {"cvp", HS_M_CVP, 2, -0.2, "mmHg"},
           {"spap", HS_M_SPAP, 4, 0.25, "mmHg"}, {"dpap", HS_M_DPAP, 3, -0.25, "mmHg"},
           {"mpap", HS_M_MPAP, 3, 0.3, "mmHg"}, {"pcwp", HS_M_PCWP, 3, -0.2, "mmHg"},
           {"co", HS_M_CO, 0.3, 0.2, "L/min"},  {"lvef", HS_M_LVEF, 3, -0.3, "%"},
           {"lvedv", HS_M_LVEDV, 15, 0.2, "mL"}};
  char text[4096];
  int n = snprintf(text, sizeof text,
                   "hemosim_measurements: 1\npatient: %s\nmeasurements:\n  hr: %.0f /min\n",
                   MI_PATIENT, v[HS_M_HR]);
  for (size_t i = 0; i < sizeof Q / sizeof Q[0]; i++)
    n += snprintf(text + n, sizeof text - (size_t)n, "  %s: {value: %.4f %s, sd: %g}\n", Q[i].name,
                  v[Q[i].metric] + Q[i].noise * Q[i].sd, Q[i].unit, Q[i].sd);
  char *path = hs_test_write_temp(name, text);
  assert_non_null(path);
  return path;
}

static double rel(double a, double b) { return fabs(a - b) / fabs(b); }

static void check_recovery(const hs_cal_result *r) {
  const hs_cal_param *p = r->p;
  printf("  recovered (true): lv_ees %.3f (%.3f)  lv_ed_a %.3f (%.3f)  rv_ees %.3f (%.3f)  "
         "svr %.3f (%.3f)  pvr %.3f (%.3f)  Vs %.0f (%.0f) mL; objective %.3g -> %.3g, "
         "%d evals, fit %.2f s, total %.2f s\n",
         p[HS_CALP_LV_EES].value, TRUTH.lv_ees, p[HS_CALP_LV_EDA].value, TRUTH.lv_ed_a,
         p[HS_CALP_RV_EES].value, TRUTH.rv_ees, p[HS_CALP_SVR].value, TRUTH.svr_mult,
         p[HS_CALP_PVR].value, TRUTH.pvr_mult, p[HS_CALP_VS].value,
         p[HS_CALP_VS].base + TRUTH.dvs_ml, r->cost_start, r->cost, r->evals, r->fit_s,
         r->total_s);
  /* the stated tolerances (docs/calibration.md) */
  assert_true(rel(p[HS_CALP_LV_EES].value, TRUTH.lv_ees) < 0.15);
  assert_true(rel(p[HS_CALP_SVR].value, TRUTH.svr_mult) < 0.15);
  assert_true(rel(p[HS_CALP_VS].value, p[HS_CALP_VS].base + TRUTH.dvs_ml) < 0.15);
  assert_true(rel(p[HS_CALP_RV_EES].value, TRUTH.rv_ees) < 0.25);
  assert_true(rel(p[HS_CALP_LV_EDA].value, TRUTH.lv_ed_a) < 0.35);
  /* residuals of the order of the noise (at most 0.3 sd) */
  for (size_t i = 0; i < r->nrows; i++) assert_true(fabs(r->rows[i].residual) < 1.0);
  assert_true(r->cost < 2.0);
  assert_true(r->cost < r->cost_start);
  /* the well-measured parameters are identified */
  assert_true(p[HS_CALP_LV_EES].identifiable);
  assert_true(p[HS_CALP_SVR].identifiable);
  assert_true(p[HS_CALP_VS].identifiable);
  assert_true(p[HS_CALP_LV_EES].rse < HS_CAL_RSE_LIMIT);
  assert_int_equal(r->failed_evals, 0);
}

static void test_recovers_synthetic_patient(void **state) {
  (void)state;
  HS_RELEASE_ONLY(); /* the fit's accuracy (19 s under the sanitizers; the same fitting code
                        runs there in test_written_patient_reproduces_fit) */
  char *path = synthetic_measurements("cal_synthetic.yaml");
  hs_cal_input *in = NULL;
  hs_err err;
  assert_int_equal(hs_cal_input_load(path, &in, &err), HS_OK);
  assert_int_equal(in->nmeas, 12);
  hs_cal_options o;
  hs_cal_options_default(&o);
  /* start 1: the base patient's own values */
  hs_cal_result *r = NULL;
  assert_int_equal(hs_calibrate(in, &o, &r, &err), HS_OK);
  assert_true(r->p[HS_CALP_LV_EES].start == 0.4);
  check_recovery(r);
  double vs1 = r->p[HS_CALP_VS].value;
  hs_cal_result_free(r);
  /* start 2: far on the other side */
  o.start[HS_CALP_LV_EES] = 1.0;
  o.start[HS_CALP_LV_EDA] = 0.3;
  o.start[HS_CALP_RV_EES] = 0.6;
  o.start[HS_CALP_SVR] = 0.7;
  o.start[HS_CALP_PVR] = 2.0;
  o.start[HS_CALP_VS] = vs1 - 700;
  assert_int_equal(hs_calibrate(in, &o, &r, &err), HS_OK);
  check_recovery(r);
  hs_cal_result_free(r);
  hs_cal_input_free(in);
  unlink(path);
  free(path);
}

static void test_map_only_unidentifiable(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text,
           "hemosim_measurements: 1\npatient: %s\nmeasurements:\n  map: {value: 70 mmHg, sd: 4}\n",
           MI_PATIENT);
  char *path = hs_test_write_temp("cal_map_only.yaml", text);
  hs_cal_input *in = NULL;
  hs_cal_result *r = NULL;
  hs_err err;
  assert_int_equal(hs_cal_input_load(path, &in, &err), HS_OK);
  assert_int_equal(hs_calibrate(in, NULL, &r, &err), HS_OK);
  int flagged = 0;
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    assert_true(r->p[j].estimated);
    if (!r->p[j].identifiable) {
      flagged++;
      assert_true(strlen(r->p[j].note) > 10);
    }
  }
  printf("  MAP only: %d of 6 parameters flagged, %zu weak directions, MAP %.1f (fit %.2f s)\n",
         flagged, r->nweak, r->rows[0].simulated, r->fit_s);
  assert_true(flagged >= 5);
  assert_true(r->nweak >= 5); /* one measurement fixes at most one direction */
  assert_true(strstr(r->warning, "at most 1 parameter combination ") != NULL);
  assert_true(fabs(r->rows[0].residual) < 0.5); /* MAP itself is matched */
  hs_cal_result_free(r);
  hs_cal_input_free(in);
  unlink(path);
  free(path);
}

/*
 * Regression (issue 11): MAP, PCWP, CVP, CO, LVEF (HR set) and six parameters.
 * PVR is the one direction the data do not see; stressed volume and RV Ees have
 * components of only ~0.001 and ~0.06 in it and dominate well-determined
 * directions.  They were reported "RSE inf, not identifiable"; they are
 * determined (their null part, limited by PVR's bounds, is small), PVR is not.
 */
static void count_progress(const char *phase, int done, int total, double best, void *ud) {
  int *calls = ud;
  assert_string_equal(phase, "fit");
  assert_true(done > calls[1] && total == 150 && isfinite(best)); /* counts up */
  calls[0]++;
  calls[1] = done;
}

static void test_small_null_component_identifiable(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text,
           "hemosim_measurements: 1\npatient: %s\nmeasurements:\n  map: 62 mmHg\n"
           "  pcwp: 24 mmHg\n  cvp: 14 mmHg\n  co: 2.9 L/min\n  hr: 105 /min\n  lvef: 15 %%\n",
           MI_PATIENT);
  char *path = hs_test_write_temp("cal_null_small.yaml", text);
  hs_cal_input *in = NULL;
  hs_cal_result *r = NULL;
  hs_err err;
  hs_cal_options o;
  hs_cal_options_default(&o);
  int calls[2] = {0, 0}; /* number of calls, last 'done' */
  o.progress = count_progress;
  o.progress_ud = calls;
  assert_int_equal(hs_cal_input_load(path, &in, &err), HS_OK);
  assert_int_equal(hs_calibrate(in, &o, &r, &err), HS_OK);
  /* progress: after every objective evaluation of the optimiser, counting all
     evaluations (start and whitening sensitivities included) up to the total */
  assert_true(calls[0] > 10 && calls[0] <= r->evals);
  assert_int_equal(calls[1], r->evals);
  assert_true(r->nnull >= 1);
  const hs_cal_param *vs = &r->p[HS_CALP_VS], *rv = &r->p[HS_CALP_RV_EES],
                     *pvr = &r->p[HS_CALP_PVR];
  printf("  RSE: stressed volume %.0f %% (null part %.1f %%), rv_ees %.0f %% (null %.1f %%), "
         "pvr %.0f %%\n",
         100 * vs->rse, 100 * vs->rse_null, 100 * rv->rse, 100 * rv->rse_null, 100 * pvr->rse);
  assert_true(isfinite(vs->rse) && isfinite(rv->rse));
  assert_true(vs->identifiable);
  assert_true(rv->identifiable);
  assert_true(vs->rse_null < 0.05);
  assert_false(pvr->identifiable);
  assert_true(pvr->rse_null > 0.5); /* the data do not see it: only its bounds limit it */
  assert_true(strstr(pvr->note, "pvr_mult") != NULL);
  hs_cal_result_free(r);
  hs_cal_input_free(in);
  unlink(path);
  free(path);
}

/* Load `body` (after the header) and expect failure naming line:col and every fragment. */
static void expect_rejected(const char *body, int line, const char *f1, const char *f2) {
  char text[1024];
  snprintf(text, sizeof text, "hemosim_measurements: 1\npatient: %s\nmeasurements:\n%s",
           MI_PATIENT, body);
  char *path = hs_test_write_temp("cal_bad.yaml", text);
  hs_cal_input *in = NULL;
  hs_err err = {HS_OK, ""};
  hs_status st = hs_cal_input_load(path, &in, &err);
  if (st == HS_OK || !strstr(err.msg, f1) || (f2 && !strstr(err.msg, f2)))
    print_error("for:\n%s\ngot status %d: %s\n", body, st, err.msg);
  assert_int_not_equal(st, HS_OK);
  assert_null(in);
  char where[64];
  snprintf(where, sizeof where, "cal_bad.yaml:%d:", line);
  if (!strstr(err.msg, where)) print_error("expected '%s' in: %s\n", where, err.msg);
  assert_non_null(strstr(err.msg, where));
  assert_non_null(strstr(err.msg, f1));
  if (f2) assert_non_null(strstr(err.msg, f2));
  unlink(path);
  free(path);
}

/* Measurement names in any letter case (issue 12: "MAP" was rejected); percentages
   with "%" or bare in %; a name given twice in two spellings is still one quantity. */
static void test_names_and_percent(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text,
           "hemosim_measurements: 1\npatient: %s\nmeasurements:\n  MAP: 80 mmHg\n"
           "  Lvef: 25 %%\n  sao2_upper: 95\n  CO: 3.1\n",
           MI_PATIENT);
  char *path = hs_test_write_temp("cal_case.yaml", text);
  hs_cal_input *in = NULL;
  hs_err err = {HS_OK, ""};
  if (hs_cal_input_load(path, &in, &err)) print_error("%s\n", err.msg);
  assert_non_null(in);
  int seen = 0;
  for (size_t i = 0; i < in->nmeas; i++) {
    if (in->meas[i].q == HS_CALQ_MAP) assert_near(in->meas[i].value, 80, 0), seen++;
    if (in->meas[i].q == HS_CALQ_LVEF) assert_near(in->meas[i].value, 25, 0), seen++;
    if (in->meas[i].q == HS_CALQ_SAO2U) assert_near(in->meas[i].value, 95, 0), seen++;
    if (in->meas[i].q == HS_CALQ_CO) assert_near(in->meas[i].value, 3.1, 0), seen++;
  }
  assert_int_equal(seen, 4);
  hs_cal_input_free(in);
  unlink(path);
  free(path);
  expect_rejected("  map: 80\n  MAP: 81\n", 5, "'MAP' is given twice", NULL);
}

static void test_impossible_data_rejected(void **state) {
  (void)state;
  expect_rejected("  map: 40 mmHg\n  pcwp: {value: 45 mmHg, sd: 3}\n", 5, "pcwp", "above map");
  expect_rejected("  pcwp: 70 mmHg\n", 4, "pcwp", "above 60");
  expect_rejected("  lvef: {value: 120 %, sd: 5}\n", 4, "lvef", "0-100");
  expect_rejected("  lvef: 120\n", 4, "lvef", "impossible");
  expect_rejected("  lvef: -5 %\n", 4, "lvef", "0-100");
  expect_rejected("  cvp: -8 mmHg\n", 4, "cvp", "-5");
  expect_rejected("  sbp: 90\n  dbp: 100\n", 5, "dbp", "above sbp");
  expect_rejected("  sbp: 120\n  dbp: 80\n  map: 130\n", 6, "map", "above sbp");
  expect_rejected("  sbp: 120\n  dbp: 80\n  map: 70\n", 6, "map", "below dbp");
  expect_rejected("  map: -10 mmHg\n", 4, "map", "cannot be negative");
  expect_rejected("  map: {value: 70, sd: 0}\n", 4, "sd", "positive");
  expect_rejected("  map: {value: 70, sd: -2}\n", 4, "sd", "positive");
  /* an sd far below any monitor's resolution made the objective infinite */
  expect_rejected("  map: {value: 70, sd: 1e-300}\n", 4, "sd", "below the smallest accepted");
  expect_rejected("  wedge: 12\n", 4, "unknown quantity 'wedge'", "pcwp");
  expect_rejected("  pcwp: 12 L/min\n", 4, "pcwp", "pressure");
  expect_rejected("  co: 4.5 mmHg\n", 4, "co", "flow");
  expect_rejected("  lvef: 55 mL\n", 4, "lvef", "a percentage is expected");
  /* issue 12: 0.15 meant as a fraction would be 0.15 %: refused with the hint */
  expect_rejected("  lvef: 0.15\n", 4, "lvef", "ambiguous");
  expect_rejected("  sao2_upper: {value: 0.92, sd: 2}\n", 4, "sao2_upper", "\"92 %\"");
  expect_rejected("  map: {value: 70, sigma: 3}\n", 4, "unknown field 'sigma'", NULL);
  expect_rejected("  ecmo_flow: 3 L/min\n", 4, "ecmo_flow", "no ECMO");
  expect_rejected("  hr: 90\n", 4, "nothing to fit", NULL);
  expect_rejected("  co: 4\n  ci: 2.2\n", 5, "co or ci", NULL);
  expect_rejected("  mpap: 20\n  pcwp: 25\n", 5, "pcwp", "above mpap");
  /* slightly negative CVP (spontaneous breathing) is allowed */
  char text[512];
  snprintf(text, sizeof text,
           "hemosim_measurements: 1\npatient: %s\nmeasurements:\n  cvp: -3 mmHg\n  map: 1.2 kPa\n",
           MI_PATIENT);
  char *path = hs_test_write_temp("cal_ok.yaml", text);
  hs_cal_input *in = NULL;
  hs_err err;
  assert_int_equal(hs_cal_input_load(path, &in, &err), HS_OK);
  assert_int_equal(in->nmeas, 2);
  assert_near(in->meas[0].value, -3, 1e-12);
  assert_near(in->meas[1].value, 1.2 * HS_MMHG_PER_KPA, 1e-9);
  assert_near(in->meas[1].sd, hs_calq_default_sd(HS_CALQ_MAP), 1e-12);
  hs_cal_input_free(in);
  unlink(path);
  free(path);
}

/* Run the written file as `hemosim run` would and compare with the fit's values. */
static void check_reproduces(const hs_cal_result *r, const char *file) {
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(file, &m, &err)) print_error("%s\n", err.msg);
  assert_non_null(m);
  double v[HS_METRIC_COUNT];
  run_metrics(m, v);
  for (size_t i = 0; i < r->nrows; i++) {
    const hs_cal_row *w = &r->rows[i];
    if (w->q == HS_CALQ_HB) { /* set, not simulated */
      double hb;
      assert_int_equal(hs_model_get(m, "oxygen.hemoglobin", &hb, &err), HS_OK);
      assert_near(hb, w->simulated, 1e-12);
      continue;
    }
    int k = w->q == HS_CALQ_HR ? HS_M_HR : hs_metric_find(hs_calq_metric(w->q));
    assert_true(k >= 0);
    assert_near(v[k], w->simulated, 1e-6 * (1 + fabs(w->simulated)));
  }
  hs_model_free(m);
}

static void test_written_patient_reproduces_fit(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof text,
           "hemosim_measurements: 1\npatient: %s\nset:\n  body.weight: 82 kg\n"
           "estimate: [lv_ees, svr_mult, stressed_volume]\n"
           "measurements:\n  hr: 100\n  hemoglobin: 11 g/dL\n  map: {value: 72 mmHg, sd: 4}\n"
           "  pcwp: {value: 20, sd: 3}\n  co: 3.4 L/min\n  lvef: 20 %%\n",
           MI_PATIENT);
  /* the file name carries a newline and a YAML line: written into the patient's
     header comment raw, it became live YAML (issue 12); it must stay inert */
  char *path = hs_test_write_temp("cal_write\nheart_rate: 200\n.yaml", text);
  hs_cal_input *in = NULL;
  hs_cal_result *r = NULL;
  hs_err err;
  assert_int_equal(hs_cal_input_load(path, &in, &err), HS_OK);
  assert_int_equal(hs_calibrate(in, NULL, &r, &err), HS_OK);
  assert_false(r->p[HS_CALP_RV_EES].estimated);
  assert_int_equal(r->nparams, 3);
  char *out = hs_test_write_temp("cal_patient.yaml", "");
  if (hs_cal_write_patient(in, r, out, &err)) print_error("%s\n", err.msg);
  assert_int_equal(hs_cal_write_patient(in, r, out, &err), HS_OK);
  FILE *f = fopen(out, "r");
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  assert_non_null(strstr(buf, "base: \""));
  assert_non_null(strstr(buf, "acute_mi_shock.yaml\""));
  assert_non_null(strstr(buf, "heart_rate: 100"));
  assert_null(strstr(buf, "\nheart_rate: 200"));
  assert_non_null(strstr(buf, "weight: 82"));
  assert_null(strstr(buf, "rv:")); /* not estimated, not written */
  check_reproduces(r, out);
  hs_cal_result_free(r);
  hs_cal_input_free(in);
  unlink(path);
  free(path);
  unlink(out);
  free(out);

  /* the bundled default patient: its text is written next to the output as the base */
  char *p2 = hs_test_write_temp("cal_default.yaml",
                                "hemosim_measurements: 1\nestimate: [lv_ees, svr_mult]\n"
                                "measurements:\n  map: 85\n  co: 5.0 L/min\n");
  assert_int_equal(hs_cal_input_load(p2, &in, &err), HS_OK);
  assert_null(in->patient_file);
  assert_int_equal(hs_calibrate(in, NULL, &r, &err), HS_OK);
  char *o2 = hs_test_write_temp("cal_default_out.yaml", "");
  assert_int_equal(hs_cal_write_patient(in, r, o2, &err), HS_OK);
  check_reproduces(r, o2);
  char base[1024];
  snprintf(base, sizeof base, "%.*s.base.yaml", (int)(strlen(o2) - 5), o2);
  assert_int_equal(access(base, R_OK), 0);
  unlink(base);
  unlink(o2);
  free(o2);
  hs_cal_result_free(r);
  hs_cal_input_free(in);
  unlink(p2);
  free(p2);
}

/* 'microcirculation: FILE' in a measurements file: the calibrated patient's capillary
   dysfunction is fitted to the sublingual measurement, set in the model, written into
   the calibrated patient file and reported in the JSON; a file without lengths and an
   ECMO measurement on a patient without ECMO are refused at load, naming the line. */
static void test_microcirculation_measurement(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof text,
           "hemosim_measurements: 1\npatient: %s/examples/patients/acute_mi_shock_ecmo.yaml\n"
           "microcirculation: %s/examples/micro/va_ecmo_t1.yaml\nestimate: [svr_mult]\n"
           "measurements:\n  map: {value: 78 mmHg, sd: 4}\n",
           HS_SOURCE_DIR, HS_SOURCE_DIR);
  char *path = hs_test_write_temp("cal_micro.yaml", text);
  hs_cal_input *in = NULL;
  hs_cal_result *r = NULL;
  hs_err err;
  hs_status st = hs_cal_input_load(path, &in, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(in->micro);
  assert_near(in->micro_result->psvd_mm_mm2, 12.82, 0.01); /* the analysis, at load */
  hs_cal_options o;
  hs_cal_options_default(&o);
  o.max_evals = 25;
  assert_int_equal(hs_calibrate(in, &o, &r, &err), HS_OK);
  assert_non_null(r->micro);
  assert_near(r->micro->fit.pred.tvd_mm_mm2, r->micro->meas.tvd_mm_mm2, 0.01);
  assert_near(r->micro->fit.pred.ppv_pct, r->micro->meas.ppv_pct, 0.05);
  hs_micro_model_params p;
  assert_int_equal(hs_micro_model_params_from_model(r->model, &p, &err), HS_OK);
  assert_near(p.obstructed, r->micro->fit.p.obstructed, 0);
  assert_near(p.vasoconstriction, r->micro->fit.p.vasoconstriction, 0);
  assert_true(p.oedema > 0.06); /* worse than the shipped patient's */
  char *out = hs_test_write_temp("cal_micro_patient.yaml", "");
  assert_int_equal(hs_cal_write_patient(in, r, out, &err), HS_OK);
  hs_model *m2 = NULL;
  assert_int_equal(hs_patient_load_file(out, &m2, &err), HS_OK);
  hs_micro_model_params p2;
  assert_int_equal(hs_micro_model_params_from_model(m2, &p2, &err), HS_OK);
  assert_near(p2.obstructed, p.obstructed, 0);
  assert_near(p2.oedema, p.oedema, 0);
  assert_near(p2.vasoconstriction, p.vasoconstriction, 0);
  hs_model_free(m2);
  char *j = hs_cal_result_json(in, r, &o, out, &err);
  assert_non_null(j);
  assert_non_null(strstr(j, "\"microcirculation\": {\n    \"measurement_file\": \""));
  assert_non_null(strstr(j, "\"predicted_fitted\": {"));
  free(j);
  /* the HTML report has the section (a directory next to the temporary files) */
  char dir[600];
  snprintf(dir, sizeof dir, "%s.report", out);
  assert_int_equal(hs_report_calibrate(dir, in, r, &err), HS_OK);
  char idx[700];
  snprintf(idx, sizeof idx, "%s/index.html", dir);
  FILE *f = fopen(idx, "r");
  assert_non_null(f);
  static char html[1 << 20];
  size_t n = fread(html, 1, sizeof html - 1, f);
  html[n] = '\0';
  fclose(f);
  assert_non_null(strstr(html, "<h2>Microcirculation</h2>"));
  assert_non_null(strstr(html, "<td>PSVD mm/mm2</td><td>12.82</td>"));
  unlink(idx);
  rmdir(dir);
  hs_cal_result_free(r);
  hs_cal_input_free(in);
  unlink(out);
  free(out);
  unlink(path);
  free(path);
  /* refused at load */
  char *crossings = hs_test_write_temp(
      "cal_crossings.yaml",
      "hemosim_micro: 1\nsites:\n  - crossings: {small: [1, 2, 3, 20], large: [0, 0, 1, 4]}\n");
  char body[1024];
  snprintf(body, sizeof body, "  map: 70 mmHg\nmicrocirculation: %s\n", crossings);
  expect_rejected(body, 5, "no usable small-vessel lengths", "crossings alone");
  snprintf(body, sizeof body,
           "  map: 70 mmHg\nmicrocirculation: %s/examples/micro/va_ecmo_t1.yaml\n", HS_SOURCE_DIR);
  expect_rejected(body, 5, "measured at an ECMO flow of 3.4 L/min", "no ECMO circuit");
  unlink(crossings);
  free(crossings);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names_and_percent),
      cmocka_unit_test(test_impossible_data_rejected),
      cmocka_unit_test(test_recovers_synthetic_patient),
      cmocka_unit_test(test_map_only_unidentifiable),
      cmocka_unit_test(test_small_null_component_identifiable),
      cmocka_unit_test(test_written_patient_reproduces_fit),
      cmocka_unit_test(test_microcirculation_measurement),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
