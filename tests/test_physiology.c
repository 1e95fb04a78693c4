/*
 * test_physiology.c - the healthy default against the reference physiology of
 * a healthy adult, resting, supine (sources: docs/references.md section 1).  Each metric
 * must land inside the published range; the ranges are the test's tolerance.
 * Where the reference gives only a nominal value (SBP/DBP ~120/80, PAP ~25/10) the
 * range below is the usual clinical normal band, cited in docs/validation.md.
 */
#include <math.h>

#include "hemosim/hemosim.h"
#include "support.h"

static double M[HS_METRIC_COUNT];

static int setup(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_default(&m, &err)) return -1;
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = pl ? hs_sim_new(pl, &err) : NULL;
  hs_steady_info info;
  int bad = !s || hs_sim_run_to_steady(s, &info, &err) || hs_sim_summary(s, 6, M, &err);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return bad ? -1 : 0;
}

static void test_heart_rate(void **s) { (void)s, assert_in_range_d(M[HS_M_HR], 60, 80); }
static void test_cardiac_output(void **s) { (void)s, assert_in_range_d(M[HS_M_CO], 4.5, 6.5); }
static void test_systolic(void **s) { (void)s, assert_in_range_d(M[HS_M_SBP], 105, 135); }
static void test_diastolic(void **s) { (void)s, assert_in_range_d(M[HS_M_DBP], 65, 90); }
static void test_mean_arterial(void **s) { (void)s, assert_in_range_d(M[HS_M_MAP], 85, 100); }
static void test_lvedv(void **s) { (void)s, assert_in_range_d(M[HS_M_LVEDV], 110, 150); }
static void test_lvesv(void **s) { (void)s, assert_in_range_d(M[HS_M_LVESV], 40, 65); }
static void test_lvef(void **s) { (void)s, assert_in_range_d(M[HS_M_LVEF], 55, 65); }
static void test_pcwp(void **s) { (void)s, assert_in_range_d(M[HS_M_PCWP], 6, 12); }
static void test_cvp(void **s) { (void)s, assert_in_range_d(M[HS_M_CVP], 2, 8); }
static void test_pap(void **s) {
  (void)s;
  assert_in_range_d(M[HS_M_MPAP], 12, 20);
  assert_in_range_d(M[HS_M_SPAP], 18, 30);
  assert_in_range_d(M[HS_M_DPAP], 6, 14);
}
static void test_blood_volume(void **s) {
  (void)s;
  assert_in_range_d(M[HS_M_TBV], 4500, 5500);
}
/* consistency of derived values */
static void test_derived(void **s) {
  (void)s;
  assert_near(M[HS_M_PP], M[HS_M_SBP] - M[HS_M_DBP], 1e-9);
  assert_near(M[HS_M_LVEF], 100 * (M[HS_M_LVEDV] - M[HS_M_LVESV]) / M[HS_M_LVEDV], 0.05);
  /* stroke work ~ 1 J (7,500 mmHg*mL) at rest; PVA exceeds it */
  assert_in_range_d(M[HS_M_SW], 6000, 10000);
  assert_true(M[HS_M_PVA] > M[HS_M_SW]);
  /* coronary perfusion pressure = mean aortic-root pressure in diastole (~90 mmHg at
     rest) - LVEDP (~10 mmHg) */
  assert_in_range_d(M[HS_M_CPP], 60, 90);
  assert_near(M[HS_M_AVOPEN], 1.0, 1e-12);
  /* stroke volume is the loop's width; Ea = Pes / SV, so Pes = Ea x SV (per beat: the
     window mean of the ratio differs from the ratio of means only by beat-to-beat noise) */
  assert_near(M[HS_M_LVSV], M[HS_M_LVEDV] - M[HS_M_LVESV], 1e-9);
  assert_near(M[HS_M_LVESP], M[HS_M_EA] * M[HS_M_LVSV], 1e-3 * M[HS_M_LVESP]);
  /* end-systole (peak activation) falls late in ejection: below the systolic peak, well
     above the diastolic pressure */
  assert_in_range_d(M[HS_M_LVESP], 0.75 * M[HS_M_SBP], M[HS_M_SBP]);
  /* cardiac power (Fincke 2004): ~1 W at rest; without devices the total (heart and
     pumps) is the native one (window means: the mean of a product, to beat-to-beat noise) */
  assert_near(M[HS_M_CPO], M[HS_M_MAP] * M[HS_M_LVO] / 451.0, 1e-4 * M[HS_M_CPO]);
  assert_in_range_d(M[HS_M_CPO], 0.8, 1.5);
  assert_near(M[HS_M_CPO_TOTAL], M[HS_M_MAP] * M[HS_M_CO] / 451.0, 1e-4 * M[HS_M_CPO]);
  assert_near(M[HS_M_CPO_TOTAL], M[HS_M_CPO], 0.01 * M[HS_M_CPO]);
}

/* On VA-ECMO the native power is the LV's alone and the total counts the circuit's flow:
   acute-MI shock at 4 L/min, 1.95 L/min through the aortic valve of 5.95 systemic. */
static void test_power_on_ecmo(void **state) {
  (void)state;
  struct hs_model *m = hs_test_load("examples/patients/acute_mi_shock_ecmo.yaml");
  struct hs_plan *pl;
  struct hs_sim *s = hs_test_sim(m, &pl);
  hs_steady_info info;
  hs_err err;
  assert_int_equal(hs_sim_run_to_steady(s, &info, &err), HS_OK);
  double map = hs_test_metric_finite(s, "map_mmhg", 6), co = hs_test_metric_finite(s, "co_lpm", 6);
  double lvo = hs_test_metric_finite(s, "lv_output_lpm", 6);
  double cpo = hs_test_metric_finite(s, "cpo_w", 6), tot = hs_test_metric_finite(s, "cpo_total_w", 6);
  print_message("MAP %.1f, native %.2f of %.2f L/min: power native %.3f W, total %.3f W\n", map,
                lvo, co, cpo, tot);
  assert_near(tot, map * co / 451.0, 1e-4 * tot); /* window means of products */
  assert_near(cpo, map * lvo / 451.0, 1e-4 * cpo);
  assert_true(tot > 2.5 * cpo);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Pulse amplification to the radial artery (docs/model.md 4.5): one beat sampled every
   0.5 ms at the aortic root and at upper_arteries, where the arterial line reads.  The
   radial form factor (MAP - DBP) / PP against the intra-brachial 0.395 +- 0.025 of Bos et
   al. 2007 (J Hypertens 25:751; band +-2 SD), below the central one (Chemla et al. 2002,
   Clin Sci 103:7: 0.45 centrally); the radial/aortic pulse-pressure ratio within the
   adult range (McEniery et al. 2005, J Am Coll Cardiol 46:1753: ~1.2-1.7 by age); the
   mean pressure falls only by the conduit's small resistive drop. */
static void test_radial_amplification(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  hs_steady_info info;
  assert_int_equal(hs_sim_run_to_steady(s, &info, &err), HS_OK);
  int root = hs_plan_node_find(pl, "aortic_root"), radial = hs_plan_node_find(pl, "upper_arteries");
  assert_true(root >= 0 && radial >= 0);
  const double dt = 5e-4, beat = 60.0 / M[HS_M_HR];
  const int n = (int)(beat / dt + 0.5);
  double lo[2] = {1e9, 1e9}, hi[2] = {-1e9, -1e9}, sum[2] = {0, 0};
  for (int k = 0; k < n; k++) {
    assert_int_equal(hs_sim_run(s, dt, &err), HS_OK);
    double p[2] = {hs_sim_pressure(s, (size_t)root), hs_sim_pressure(s, (size_t)radial)};
    for (int j = 0; j < 2; j++) {
      lo[j] = fmin(lo[j], p[j]), hi[j] = fmax(hi[j], p[j]), sum[j] += p[j];
    }
  }
  double mean[2], ff[2];
  for (int j = 0; j < 2; j++) mean[j] = sum[j] / n, ff[j] = (mean[j] - lo[j]) / (hi[j] - lo[j]);
  double ratio = (hi[1] - lo[1]) / (hi[0] - lo[0]);
  print_message("aortic root %.1f/%.1f (%.1f) form factor %.3f; radial %.1f/%.1f (%.1f) form "
                "factor %.3f; pulse pressure x%.2f\n",
                hi[0], lo[0], mean[0], ff[0], hi[1], lo[1], mean[1], ff[1], ratio);
  assert_in_range_d(ff[1], 0.345, 0.445);
  assert_true(ff[1] < ff[0] - 0.05);
  assert_in_range_d(ratio, 1.15, 1.7);
  assert_in_range_d(mean[0] - mean[1], 0, 3);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* The bronchial circulation (docs/model.md 4.8): about 1 % of the cardiac output
   (Deffebach et al. 1987, Am Rev Respir Dis 135:463), most of it returning through the
   pulmonary veins, ~13 % through the bronchial veins to the azygos (Charan et al. 2007,
   Pulm Pharmacol Ther 20:100).  Mean flows over one beat at steady state. */
static void test_bronchial_circulation(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  hs_steady_info info;
  assert_int_equal(hs_sim_run_to_steady(s, &info, &err), HS_OK);
  const char *name[3] = {"bronchial_arteries", "bronchial_pulmonary", "bronchial_azygos"};
  int e[3];
  for (int j = 0; j < 3; j++) assert_true((e[j] = hs_plan_edge_find(pl, name[j])) >= 0);
  const double dt = 5e-4, beat = 60.0 / M[HS_M_HR];
  const int n = (int)(beat / dt + 0.5);
  double q[3] = {0, 0, 0};
  for (int k = 0; k < n; k++) {
    assert_int_equal(hs_sim_run(s, dt, &err), HS_OK);
    for (int j = 0; j < 3; j++) q[j] += hs_sim_flow(s, (size_t)e[j]) * 60.0 / n; /* mL/min */
  }
  double co = M[HS_M_CO] * 1000.0, pulm = q[1] / (q[1] + q[2]);
  print_message("bronchial %.1f mL/min (%.2f %% of %.0f), %.0f %% to the pulmonary veins\n",
                q[0], 100.0 * q[0] / co, co, 100.0 * pulm);
  assert_in_range_d(q[0] / co, 0.006, 0.015);
  assert_in_range_d(pulm, 0.80, 0.95);
  assert_near(q[1] + q[2], q[0], 0.05 * q[0]); /* its microvessels hold little */
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_heart_rate),   cmocka_unit_test(test_cardiac_output),
      cmocka_unit_test(test_systolic),     cmocka_unit_test(test_diastolic),
      cmocka_unit_test(test_mean_arterial), cmocka_unit_test(test_lvedv),
      cmocka_unit_test(test_lvesv),        cmocka_unit_test(test_lvef),
      cmocka_unit_test(test_pcwp),         cmocka_unit_test(test_cvp),
      cmocka_unit_test(test_pap),          cmocka_unit_test(test_blood_volume),
      cmocka_unit_test(test_derived),      cmocka_unit_test(test_power_on_ecmo),
      cmocka_unit_test(test_radial_amplification),
      cmocka_unit_test(test_bronchial_circulation),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
