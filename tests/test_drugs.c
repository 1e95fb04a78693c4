/*
 * test_drugs.c - drug dose-response directions in the closed loop and the
 * vasoactive-inotropic score against hand-computed vectors (Gaies et al. 2010).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hemosim/drugs.h"
#include "hemosim/hemosim.h"
#include "support.h"

static void test_vis_vectors(void **state) {
  (void)state;
  double d[HS_DRUG_COUNT] = {0};
  assert_near(hs_vis(d), 0.0, 1e-12);
  d[HS_DRUG_DOPAMINE] = 5;      /* 5 */
  d[HS_DRUG_DOBUTAMINE] = 5;    /* + 5 */
  d[HS_DRUG_EPINEPHRINE] = 0.05; /* + 5 */
  d[HS_DRUG_MILRINONE] = 0.5;   /* + 5 */
  d[HS_DRUG_VASOPRESSIN] = 0.0004; /* + 4 */
  d[HS_DRUG_NOREPINEPHRINE] = 0.1; /* + 10 */
  d[HS_DRUG_NITROPRUSSIDE] = 2;  /* not in the score */
  assert_near(hs_vis(d), 34.0, 1e-9);
}

static void test_effect_table(void **state) {
  (void)state;
  double d[HS_DRUG_COUNT] = {0};
  hs_drug_effect e;
  hs_drug_effect_of(d, &e);
  assert_near(e.resistance, 1.0, 0), assert_near(e.contractility, 1.0, 0);
  assert_near(e.heart_rate, 1.0, 0);
  d[HS_DRUG_NOREPINEPHRINE] = 0.3; /* half-maximal on resistance: 1 + 1.5/2 */
  hs_drug_effect_of(d, &e);
  assert_near(e.resistance, 1.75, 1e-12);
  memset(d, 0, sizeof d);
  d[HS_DRUG_ESMOLOL] = 100;
  hs_drug_effect_of(d, &e);
  assert_true(e.heart_rate < 1.0 && e.contractility < 1.0);
  /* nitroprusside has no direct chronotropy (its tachycardia is the baroreflex's,
     Cohn & Burke 1979): the heart-rate factor stays 1 at any dose, while it dilates */
  memset(d, 0, sizeof d);
  d[HS_DRUG_NITROPRUSSIDE] = 10;
  hs_drug_effect_of(d, &e);
  assert_near(e.heart_rate, 1.0, 0);
  assert_near(e.resistance, 1.0 - 0.6 * 10 / 11, 1e-12);
}

/* Venous capacity (docs/drugs.md "Venous capacity"): dVu = sum Emax_v D/(ED50_v + D) mL/kg,
   several drugs add; the inotropes' RV factor is 1 + share x their LV rise. */
static void test_venous_law(void **state) {
  (void)state;
  double d[HS_DRUG_COUNT] = {0};
  hs_drug_effect e;
  hs_drug_effect_of(d, &e);
  assert_near(e.venous_ml_kg, 0.0, 0), assert_near(e.contractility_rv, 1.0, 0);
  assert_near(hs_drug_venous_volume(d, NULL), 0.0, 0);
  d[HS_DRUG_DOBUTAMINE] = 5; /* = ED50 of every dobutamine law: half of each Emax */
  hs_drug_effect_of(d, &e);
  assert_near(e.venous_ml_kg, 5.6 / 2, 1e-12);
  assert_near(e.contractility, 1.0 + 0.8 / 2, 1e-12);
  assert_near(e.contractility_rv, 1.0 + 0.3 * 0.8 / 2, 1e-12);
  d[HS_DRUG_NITROPRUSSIDE] = 3; /* 7 x 3 / (1 + 3) = 5.25, added */
  assert_near(hs_drug_venous_volume(d, NULL), 2.8 + 5.25, 1e-12);
  d[HS_DRUG_MILRINONE] = 0.4; /* + 10 / 2 */
  assert_near(hs_drug_venous_volume(d, NULL), 2.8 + 5.25 + 5.0, 1e-12);
  /* the block's own values, in its order: (emax, ed50) of dobutamine, milrinone,
     nitroprusside, then the RV shares */
  const double vp[8] = {1.0, 5.0, 0.0, 0.4, 2.0, 1.0, 1.0, 1.0};
  assert_near(hs_drug_venous_volume(d, vp), 0.5 + 0.0 + 1.5, 1e-12);
  /* saturation: at 10 x ED50 within 10 % of Emax */
  memset(d, 0, sizeof d);
  d[HS_DRUG_NITROPRUSSIDE] = 10;
  assert_true(hs_drug_venous_volume(d, vp) > 2.0 * 0.9);
  /* a drug without a venous law or RV share: nothing pooled, the RV as the LV */
  memset(d, 0, sizeof d);
  d[HS_DRUG_NOREPINEPHRINE] = 0.2;
  hs_drug_effect_of(d, &e);
  assert_near(e.venous_ml_kg, 0.0, 0);
  assert_near(e.contractility_rv, e.contractility, 1e-15);
}

static double run_with(const char *path, double value, int metric, const char *extra,
                       double extra_value);
static double run(const char *path, double value, int metric) {
  return run_with(path, value, metric, NULL, 0);
}

/* The venous effect in the closed loop: nitroprusside's PCWP and CVP fall is larger with
   it than without (the same arteriolar effect), and the pooled blood stays in the
   circulation (total volume unchanged).  Measured (acute-MI shock, reflex off, 2
   ug/kg/min, with its pulmonary term): PCWP 20.3 vs 22.4 mmHg (18.5 vs 20.4 before that
   term); 2.1 mmHg apart without the LV distensibility of the next test, whose more
   distensible LV takes the same pooling at a flatter EDPVR. */
static void test_venous_pooling(void **state) {
  (void)state;
  const char *off = "drug_response.nitroprusside_venous_emax";
  double pcwp = run("drugs.nitroprusside", 2, HS_M_PCWP);
  double pcwp_art = run_with("drugs.nitroprusside", 2, HS_M_PCWP, off, 0);
  double cvp = run("drugs.nitroprusside", 2, HS_M_CVP);
  double cvp_art = run_with("drugs.nitroprusside", 2, HS_M_CVP, off, 0);
  assert_true(pcwp < pcwp_art - 1.5);
  assert_true(cvp < cvp_art - 1.0);
  assert_near(run("drugs.nitroprusside", 2, HS_M_TBV), run(NULL, 0, HS_M_TBV), 0.5);
}

/* Nitroprusside's LV distensibility (docs/drugs.md "Diastolic distensibility"): the
   factor on the LV's passive pressure is 1 + Emax D / (ED50 + D), Emax -0.39, ED50 1
   ug/kg/min, and no other drug has it.  In the closed loop (acute-MI shock, reflex off, 2
   ug/kg/min) the filling pressure falls further while the LV stays larger and ejects more,
   as in Paulus et al. 1994 (LVEDP 18 -> 12 mmHg at LVEDV 158 -> 165 mL); measured: PCWP
   20.3 vs 23.0 mmHg, LVEDV 169.2 vs 158.8 mL, CO 5.10 vs 4.63 L/min without the effect
   (18.5 vs 21.2, 164.9 vs 155.2, 4.90 vs 4.46 before nitroprusside's pulmonary term). */
static void test_lv_distensibility(void **state) {
  (void)state;
  double d[HS_DRUG_COUNT] = {0};
  hs_drug_effect e;
  hs_drug_effect_of(d, &e);
  assert_near(e.lv_diastolic, 1.0, 0);
  d[HS_DRUG_NITROPRUSSIDE] = 1; /* = ED50: half of Emax */
  hs_drug_effect_of(d, &e);
  assert_near(e.lv_diastolic, 1.0 - 0.39 / 2, 1e-12);
  const double vp[10] = {0, 1, 0, 1, 0, 1, 1, 1, -0.6, 3.0}; /* the block's order */
  assert_near(hs_drug_lv_diastolic(d, vp), 1.0 - 0.6 * 1 / 4.0, 1e-12);
  for (int i = 0; i < HS_DRUG_COUNT; i++) { /* nitroprusside's alone */
    memset(d, 0, sizeof d);
    d[i] = i == HS_DRUG_VASOPRESSIN ? 0.001 : 1.0;
    hs_drug_effect_of(d, &e);
    if (i != HS_DRUG_NITROPRUSSIDE) assert_near(e.lv_diastolic, 1.0, 0);
  }
  const char *off = "drug_response.nitroprusside_diastolic_emax";
  double pcwp = run("drugs.nitroprusside", 2, HS_M_PCWP);
  double pcwp_off = run_with("drugs.nitroprusside", 2, HS_M_PCWP, off, 0);
  double edv = run("drugs.nitroprusside", 2, HS_M_LVEDV);
  double edv_off = run_with("drugs.nitroprusside", 2, HS_M_LVEDV, off, 0);
  double co = run("drugs.nitroprusside", 2, HS_M_CO);
  double co_off = run_with("drugs.nitroprusside", 2, HS_M_CO, off, 0);
  assert_true(pcwp < pcwp_off - 2.0);
  assert_true(edv > edv_off + 5.0);
  assert_true(co > co_off * 1.05);
  /* without nitroprusside the parameter changes nothing */
  assert_near(run_with(NULL, 0, HS_M_PCWP, off, 0), run(NULL, 0, HS_M_PCWP), 1e-9);
}

/* The pulmonary arteriolar resistance (docs/drugs.md "Pulmonary vascular resistance"):
   factor (prod (1 + Emax_p D / (ED50_p + D)))^k, k = drug_response.pulmonary_reactivity.
   In the closed loop the bed is linear: PVR (arterioles 0.06, venules and veins 0.018
   mmHg s/mL) moves by (0.06 f + 0.018) / 0.078, the arterioles' factor f (milrinone 0.5
   ug/kg/min: f = 1 - 0.72 x 0.5/0.9 = 0.6, PVR x 0.692; measured 0.692). */
static void test_pulmonary(void **state) {
  (void)state;
  double d[HS_DRUG_COUNT] = {0};
  hs_drug_effect e;
  hs_drug_effect_of(d, &e);
  assert_near(e.pulmonary, 1.0, 0);
  assert_near(hs_drug_pulmonary(d, NULL), 1.0, 0);
  d[HS_DRUG_MILRINONE] = 0.4; /* its ED50: half of Emax -0.72 */
  hs_drug_effect_of(d, &e);
  assert_near(e.pulmonary, 1.0 - 0.72 / 2, 1e-12);
  d[HS_DRUG_NOREPINEPHRINE] = 0.3; /* its ED50: x (1 + 0.5 / 2), a third of the systemic */
  hs_drug_effect_of(d, &e);
  assert_near(e.pulmonary, (1.0 - 0.36) * 1.25, 1e-12);
  assert_near(e.resistance, (1.0 - 0.35 / 2) * 1.75, 1e-12); /* the systemic: x 1.75 */
  assert_near(hs_drug_pulmonary(d, NULL), e.pulmonary, 1e-15); /* one law, both ways */
  /* the reactivity is an exponent on the factor (the block's order: index 10); 0 = none;
     the resistance stays positive at every reactivity and dose in range (a linear gain
     k Emax would cross zero: milrinone 1 ug/kg/min at k 3 gave -0.54) */
  double vp[11] = {0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0.0};
  assert_near(hs_drug_pulmonary(d, vp), 1.0, 0);
  vp[10] = 2.0;
  assert_near(hs_drug_pulmonary(d, vp), 0.64 * 0.64 * 1.25 * 1.25, 1e-12);
  vp[10] = 3.0; /* the range's top: milrinone 1 (its maximum) as 0.486^3 (linear: -0.54) */
  memset(d, 0, sizeof d);
  d[HS_DRUG_MILRINONE] = 1.0;
  assert_near(hs_drug_pulmonary(d, vp), pow(1.0 - 0.72 / 1.4, 3), 1e-12);
  /* vasopressin: a quarter of its systemic constriction, less than norepinephrine's third
     (Jeon et al. 2006: PVR/SVR fell with vasopressin, not with norepinephrine) */
  memset(d, 0, sizeof d);
  d[HS_DRUG_VASOPRESSIN] = 0.0005;
  hs_drug_effect_of(d, &e);
  assert_near(e.pulmonary, 1.0 + 0.30 / 2, 1e-12);
  assert_true(e.pulmonary - 1.0 < 0.3 * (e.resistance - 1.0));
  /* no human PVR dose-response: epinephrine, dopamine, esmolol leave the lungs alone */
  const int none[] = {HS_DRUG_EPINEPHRINE, HS_DRUG_DOPAMINE, HS_DRUG_ESMOLOL};
  for (int i = 0; i < 3; i++) {
    memset(d, 0, sizeof d);
    d[none[i]] = 1.0;
    assert_near(hs_drug_pulmonary(d, NULL), 1.0, 0);
  }
  /* closed loop: PVR falls by the arterioles' share of the bed, and not at all without
     reactivity; nothing else of the circulation is asked to move here */
  const char *k = "drug_response.pulmonary_reactivity";
  double pvr0 = run(NULL, 0, HS_M_PVR);
  double pvr = run("drugs.milrinone", 0.5, HS_M_PVR);
  double pvr_fixed = run_with("drugs.milrinone", 0.5, HS_M_PVR, k, 0);
  print_message("milrinone 0.5: PVR %.1f -> %.1f dyn s/cm5 (%.1f with reactivity 0)\n", pvr0,
                pvr, pvr_fixed);
  assert_near(pvr / pvr0, (0.06 * 0.6 + 0.018) / 0.078, 0.01);
  assert_near(pvr_fixed / pvr0, 1.0, 0.005);
}

/* The BP controller's norepinephrine (map_control.effect drugs) carries the drug's
   pulmonary term: at its dose limit (1 ug/kg/min, a target out of reach) the arterioles'
   factor is 1 + 0.5 / 1.3, PVR x (0.06 x 1.385 + 0.018) / 0.078 = 1.296. */
static void test_pulmonary_controller(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  char file[512];
  snprintf(file, sizeof file, "%s/examples/patients/acute_mi_shock.yaml", HS_SOURCE_DIR);
  assert_int_equal(hs_patient_load_file(file, &m, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "solver.slow_hold", 1, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_int_equal(hs_sim_run(s, 20, &err), HS_OK);
  double m0[HS_METRIC_COUNT], m1[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_summary(s, 6, m0, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 20, "map_control.target_low", 120, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 20, "map_control.target_high", 140, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 20, "map_control.engage_time", 0, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 20, "map_control.enabled", 1, &err), HS_OK);
  assert_int_equal(hs_sim_run(s, 200, &err), HS_OK);
  assert_int_equal(hs_sim_summary(s, 6, m1, &err), HS_OK);
  print_message("controller at its limit: NE %.2f ug/kg/min, PVR %.1f -> %.1f\n",
                m1[HS_M_NE_EQ], m0[HS_M_PVR], m1[HS_M_PVR]);
  assert_near(m1[HS_M_NE_EQ], 1.0, 1e-6);
  assert_near(m1[HS_M_PVR] / m0[HS_M_PVR], (0.06 * (1.0 + 0.5 / 1.3) + 0.018) / 0.078, 0.01);
  /* a change of the drug_response block reaches the settled controller's drugs */
  assert_int_equal(hs_sim_schedule(s, 221, "drug_response.pulmonary_reactivity", 0, &err), HS_OK);
  assert_int_equal(hs_sim_run(s, 20, &err), HS_OK);
  assert_int_equal(hs_sim_summary(s, 6, m1, &err), HS_OK);
  assert_near(m1[HS_M_NE_EQ], 1.0, 1e-6);
  assert_near(m1[HS_M_PVR] / m0[HS_M_PVR], 1.0, 0.005);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

static double run_with(const char *path, double value, int metric, const char *extra,
                       double extra_value) {
  hs_err err;
  hs_model *m = NULL;
  char file[512];
  snprintf(file, sizeof file, "%s/examples/patients/acute_mi_shock.yaml", HS_SOURCE_DIR);
  assert_int_equal(hs_patient_load_file(file, &m, &err), HS_OK);
  /* the drug model's own directions: the baroreflex (on in the preset) would buffer them */
  assert_int_equal(hs_model_set(m, "baroreflex.enabled", 0, &err), HS_OK);
  /* the drugs' minutes, not the hours of lung water taking plasma (slow states held) */
  assert_int_equal(hs_model_set(m, "solver.slow_hold", 1, &err), HS_OK);
  if (extra) assert_int_equal(hs_model_set(m, extra, extra_value, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_int_equal(hs_sim_run(s, 20, &err), HS_OK);
  if (path) assert_int_equal(hs_sim_schedule(s, 20, path, value, &err), HS_OK);
  assert_int_equal(hs_sim_run(s, 80, &err), HS_OK);
  double mm[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_summary(s, 6, mm, &err), HS_OK);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return mm[metric];
}

/* Given mid-run as scenario events: inotropes raise output, vasopressors raise
   pressure (at the cost of output in a failing heart), vasodilators lower SVR and
   PCWP, beta-blockers slow the heart. */
static void test_closed_loop_directions(void **state) {
  (void)state;
  double co0 = run(NULL, 0, HS_M_CO), map0 = run(NULL, 0, HS_M_MAP);
  double hr0 = run(NULL, 0, HS_M_HR), pcwp0 = run(NULL, 0, HS_M_PCWP);
  assert_true(run("drugs.dobutamine", 5, HS_M_CO) > co0 * 1.15);
  assert_true(run("drugs.milrinone", 0.5, HS_M_CO) > co0 * 1.15);
  assert_true(run("drugs.norepinephrine", 0.2, HS_M_MAP) > map0 + 10);
  assert_true(run("drugs.vasopressin", 0.0005, HS_M_MAP) > map0 + 5);
  assert_true(run("drugs.nitroprusside", 1, HS_M_PCWP) < pcwp0 - 2);
  assert_true(run("drugs.nitroprusside", 1, HS_M_MAP) < map0);
  assert_true(run("drugs.esmolol", 100, HS_M_HR) < hr0 - 10);
  assert_near(run("drugs.norepinephrine", 0.1, HS_M_VIS), 10.0, 1e-9);
}

/* The coronary bed takes no drug factor (docs/drugs.md): norepinephrine raises the
   pressure and with it the myocardium's O2 delivery (coronary resistance unchanged in
   man, Circulation 1964); with the factor on the coronary bed too it fell (27.7 -> 24.5
   mL/min at 0.3 ug/kg/min in this patient). */
static void test_coronary_bed_no_drug_tone(void **state) {
  (void)state;
  double do2h0 = run(NULL, 0, HS_M_DO2H), map0 = run(NULL, 0, HS_M_MAP);
  double do2h = run("drugs.norepinephrine", 0.3, HS_M_DO2H);
  double map = run("drugs.norepinephrine", 0.3, HS_M_MAP);
  print_message("norepinephrine 0.3: MAP %.1f -> %.1f mmHg, heart DO2 %.1f -> %.1f mL/min\n",
                map0, map, do2h0, do2h);
  assert_true(map > map0 + 10);
  /* flow follows the perfusion pressure through a fixed resistance: up by at least
     half the relative rise of MAP (the intramyocardial back-pressure rises too) */
  assert_true(do2h / do2h0 - 1.0 > 0.5 * (map / map0 - 1.0));
}

static void test_limits(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "drugs.norepinephrine", 6, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "[0 ug/kg/min, 5 ug/kg/min]"));
  assert_int_equal(hs_model_set(m, "drugs.dobutamine", -1, &err), HS_ERR_RANGE);
  assert_int_equal(hs_model_set(m, "drugs.aspirin", 1, &err), HS_ERR_UNKNOWN);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vis_vectors),
      cmocka_unit_test(test_effect_table),
      cmocka_unit_test(test_venous_law),
      cmocka_unit_test(test_venous_pooling),
      cmocka_unit_test(test_lv_distensibility),
      cmocka_unit_test(test_pulmonary),
      cmocka_unit_test(test_pulmonary_controller),
      cmocka_unit_test(test_closed_loop_directions),
      cmocka_unit_test(test_coronary_bed_no_drug_tone),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
