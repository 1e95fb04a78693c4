/*
 * test_patients.c - every shipped patient file runs to steady state and lands in
 * the ranges that define its condition (SHOCK trial, Hochman 1999: SBP <= 90 or MAP < 65,
 * CI < 2.2 L/min/m2, PCWP > 18 mmHg; BSA by Du Bois from the body block), and the
 * healthy adult stays as it was.  Examples run as tests.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

static double bsa_m2(const hs_model *m) {
  double h = 0, w = 0;
  hs_model_get(m, "body.height", &h, NULL);
  hs_model_get(m, "body.weight", &w, NULL);
  return 0.007184 * pow(w, 0.425) * pow(h, 0.725); /* Du Bois & Du Bois 1916 */
}

typedef struct result {
  double m[HS_METRIC_COUNT];
  double ci;
  int steady;
} result;

static result run(const char *file, int to_steady, double seconds) {
  char path[512];
  snprintf(path, sizeof path, "%s/examples/patients/%s", HS_SOURCE_DIR, file);
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) print_error("%s\n", err.msg);
  assert_non_null(m);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  result r = {{0}, 0, 0};
  if (to_steady) {
    hs_steady_info info;
    hs_status st = hs_sim_run_to_steady(s, &info, &err);
    if (st) print_error("%s: %s\n", file, err.msg);
    assert_int_equal(st, HS_OK);
    r.steady = info.reached;
  } else {
    assert_int_equal(hs_sim_run(s, seconds, &err), HS_OK);
  }
  assert_int_equal(hs_sim_summary(s, 6, r.m, &err), HS_OK);
  r.ci = r.m[HS_M_CO] / bsa_m2(m);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return r;
}

static void assert_shock(const result *r) {
  assert_true(r->m[HS_M_SBP] <= 90 || r->m[HS_M_MAP] < 65);
  assert_true(r->ci < 2.2);
  assert_true(r->m[HS_M_PCWP] > 18);
  assert_true(r->m[HS_M_LVEF] < 30);
}

/* Shipped ECMO patients are ventilated and swept as the ELSO guideline asks (Lorusso et al.
 * 2021, ASAIO J 67:827): the right radial gas, which samples the native output, is
 * normocapnic (PaCO2 35-45 mmHg, pH 7.35-7.45, the conventional reference ranges). */
static void assert_normocapnic(const result *r) {
  assert_in_range_d(r->m[HS_M_PACO2U], 35, 45);
  assert_in_range_d(r->m[HS_M_PH], 7.35, 7.45);
}

static void test_acute_mi(void **state) {
  (void)state;
  result r = run("acute_mi_shock.yaml", 1, 0);
  assert_shock(&r);
  assert_in_range_d(r.m[HS_M_HR], 90, 115); /* SHOCK / CardShock: 90-115 */
  assert_in_range_d(r.m[HS_M_CVP], 3, 12); /* predominantly left-sided */
  assert_true(r.m[HS_M_SVO2] < 65);       /* low output: high O2 extraction */
}

static void test_biventricular(void **state) {
  (void)state;
  result r = run("biventricular_failure.yaml", 1, 0);
  assert_shock(&r);
  assert_true(r.m[HS_M_CVP] > 15);                       /* RV failure */
  assert_true(r.m[HS_M_CVP] / r.m[HS_M_PCWP] > 0.63);    /* RV involvement ratio */
}

static void test_myocarditis(void **state) {
  (void)state;
  result r = run("fulminant_myocarditis.yaml", 1, 0);
  assert_shock(&r);
  assert_true(r.m[HS_M_LVEDV] < 150); /* non-dilated LV */
  assert_true(r.m[HS_M_HR] >= 115);
}

static void test_post_cardiotomy(void **state) {
  (void)state;
  result r = run("post_cardiotomy_shock.yaml", 1, 0);
  assert_shock(&r);
  assert_true(r.m[HS_M_MAP] < 65);
}

/* VF: no ejection; everything sits at the mean filling pressure. */
static void test_cardiac_arrest(void **state) {
  (void)state;
  result r = run("cardiac_arrest_vf.yaml", 0, 40);
  assert_true(r.m[HS_M_CO] < 0.05);
  assert_near(r.m[HS_M_AVOPEN], 0.0, 1e-12);
  assert_near(r.m[HS_M_MAP], r.m[HS_M_CVP], 1.0);
  assert_in_range_d(r.m[HS_M_MAP], 5, 15);
  /* no measurable MCA velocity: the pulsatility index is undefined (it was -48) */
  assert_true(fabs(r.m[HS_M_TLMV]) < 1.0);
  assert_true(isnan(r.m[HS_M_TLPI]) && isnan(r.m[HS_M_TRPI]));
  /* nothing beats: no heart rate (the beat clock's 70 /min was reported before) */
  assert_true(isnan(r.m[HS_M_HR]));
  /* no systole: nothing read at end-systole or over ejection (SPTI read 29 mmHg s/min,
     PVA 549 mmHg mL, from the valve's flag flickering open at equal pressures and the
     elastance the fibrillating LV does not develop); no work, no power */
  const int sys[] = {HS_M_LVEF, HS_M_SPTI, HS_M_PVA, HS_M_WSTRESS, HS_M_LVESP, HS_M_EA};
  for (size_t k = 0; k < sizeof sys / sizeof sys[0]; k++) assert_true(isnan(r.m[sys[k]]));
  assert_near(r.m[HS_M_SW], 0.0, 0.01); /* mmHg mL: residual filling drift only */
  assert_near(r.m[HS_M_CPO], 0.0, 1e-4); /* W */
  assert_in_range_d(r.m[HS_M_LVEDV], 50, 250); /* the chamber's volume is still there */
  /* and defined wherever flow is measurable: on ECPR (non-pulsatile: near 0) */
  result e = run("cardiac_arrest_ecpr.yaml", 1, 0);
  assert_true(e.m[HS_M_TLMV] >= 1.0);
  assert_true(isfinite(e.m[HS_M_TLPI]) && fabs(e.m[HS_M_TLPI]) < 0.5);
}

/* ECPR: the circuit is the whole circulation. */
static void test_ecpr(void **state) {
  (void)state;
  result r = run("cardiac_arrest_ecpr.yaml", 1, 0);
  assert_near(r.m[HS_M_CO], 4.0, 0.1);
  assert_near(r.m[HS_M_AVOPEN], 0.0, 1e-12);
  assert_true(r.m[HS_M_MAP] > 50);
  assert_true(r.m[HS_M_SAO2U] > 95);
  assert_normocapnic(&r);
  /* the arrested left heart distends (docs/model.md 4.8): the bronchial return fills it
     until its pressure is the bronchial microvessels' with no flow into the pulmonary
     veins, the divider of the arteries (100 mmHg s/mL from the aorta) and the azygos
     drainage (50 to the SVC, ~CVP): (MAP/100 + CVP/50) / (1/100 + 1/50).  Before the
     bronchial circulation it kept the arrest's LVEDP of 8.8 mmHg. */
  double plateau = (r.m[HS_M_MAP] / 100.0 + r.m[HS_M_CVP] / 50.0) / (1.0 / 100 + 1.0 / 50);
  print_message("  ECPR: PCWP %.2f, LVEDP %.2f, bronchial divider %.2f mmHg, LVEDV %.1f mL\n",
                r.m[HS_M_PCWP], r.m[HS_M_LVEDP], plateau, r.m[HS_M_LVEDV]);
  assert_near(r.m[HS_M_PCWP], plateau, 1.0);
  assert_near(r.m[HS_M_LVEDP], r.m[HS_M_PCWP], 0.2); /* filled through the open mitral valve */
  assert_true(r.m[HS_M_LVEDV] > 140.0);
}

/* On ECMO at 3 L/min the shock patient is no longer in shock by pressure and flow. */
static void test_mi_on_ecmo(void **state) {
  (void)state;
  result r = run("acute_mi_shock_ecmo.yaml", 1, 0);
  assert_true(r.m[HS_M_MAP] > 65);
  assert_true(r.ci > 2.2);
  assert_true(r.m[HS_M_PCWP] > run("acute_mi_shock.yaml", 1, 0).m[HS_M_PCWP]);
  assert_normocapnic(&r);
}

/* The severe phenotype on full flow: its sweep gas is set for normocapnia too. */
static void test_severe_on_ecmo(void **state) {
  (void)state;
  result r = run("severe_shock_ecmo.yaml", 1, 0);
  assert_normocapnic(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_acute_mi),        cmocka_unit_test(test_biventricular),
      cmocka_unit_test(test_myocarditis),     cmocka_unit_test(test_post_cardiotomy),
      cmocka_unit_test(test_cardiac_arrest),  cmocka_unit_test(test_ecpr),
      cmocka_unit_test(test_mi_on_ecmo),      cmocka_unit_test(test_severe_on_ecmo),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
