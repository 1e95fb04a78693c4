/*
 * test_ejection_effect.c - the optional LV ejection effect (systolic resistance
 * proportional to the isovolumic pressure; Shroff, Janicki & Weber 1985, Am J Physiol
 * 249:H358; human LV constant k = 3.75e-4 s/mL, Ursino 1998): P = Piso (1 - Q / Qmax),
 * Qmax = 1/k, heart.lv_unloaded_ejection_flow, 0 = off.  docs/model.md 2.2.
 *
 * 1. the law itself (elements.h): off, no flow, the pressure deficit R Q with
 *    R = k Piso, the floor at zero;
 * 2. the simulator applies it: in the healthy adult every sample during ejection has
 *    P_lv = thoracic + Piso(V_lv, e_v) (1 - Q_av / Qmax), to rounding;
 * 3. off by default (the patients' numbers are unchanged) and, switched on at the
 *    published value, it lowers stroke volume a little and makes the IABP's
 *    systolic pressure-time index fall more than without it (the regression that
 *    docs/model.md 2.2 reports: -2.8 -> -5.0 % in the acute-MI shock preset).
 * 5. the afterload-dependent onset of LV relaxation (heart.lv_relaxation_load_gain;
 *    Brutsaert, Rademakers & Sys 1984): the law tp' = tp (1 - g (1 - L)) with its floor,
 *    and the time warp of the LV activation it implies (continuous, increasing, identity
 *    when off).
 * 4. the ventricle's developed pressure Pes - Ped is never negative (docs/model.md 2.2):
 *    where the EDPVR lies above the ESPVR, activation leaves the pressure at Ped, and a
 *    weaker LV on VA-ECMO never pumps more than a stronger one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elements/elements.h"
#include "hemosim/hemosim.h"
#include "support.h"

#define QMAX_PUBLISHED 2666.6666666666665 /* mL/s = 1 / 3.75e-4 s/mL (Ursino 1998) */

/* ------------------------------------------------------------------ law -- */

static void test_law(void **state) {
  (void)state;
  assert_near(hs_ejection_effect(100.0, 200.0, 0.0), 100.0, 0.0); /* off */
  assert_near(hs_ejection_effect(100.0, 0.0, 2000.0), 100.0, 0.0); /* valve shut */
  assert_near(hs_ejection_effect(100.0, -5.0, 2000.0), 100.0, 0.0); /* no backflow term */
  /* R = k Piso: the deficit is k Piso Q, proportional to Piso at a given flow */
  double k = 1.0 / QMAX_PUBLISHED;
  assert_near(100.0 - hs_ejection_effect(100.0, 300.0, QMAX_PUBLISHED), k * 100.0 * 300.0, 1e-12);
  assert_near(50.0 - hs_ejection_effect(50.0, 300.0, QMAX_PUBLISHED), k * 50.0 * 300.0, 1e-12);
  /* at the unloaded ejection flow the chamber holds no pressure; never negative above it */
  assert_near(hs_ejection_effect(80.0, 1000.0, 1000.0), 0.0, 1e-12);
  assert_near(hs_ejection_effect(80.0, 1500.0, 1000.0), 0.0, 0.0);
}

/* The ventricle law: the blend where the muscle develops pressure, Ped where the blend would
   make activation lower it; the atrial law keeps the blend. */
static void test_load_relaxation_law(void **state) {
  (void)state;
  /* off, isovolumic load, valve opening after the peak: tp unchanged */
  assert_near(hs_load_relaxation_tp(0.3, 0.1, 0.0, 40.0, 120.0), 0.3, 0.0);
  assert_near(hs_load_relaxation_tp(0.3, 0.1, 0.6, 120.0, 120.0), 0.3, 0.0);
  assert_near(hs_load_relaxation_tp(0.3, 0.1, 0.6, 150.0, 120.0), 0.3, 0.0); /* L clamped to 1 */
  assert_near(hs_load_relaxation_tp(0.3, 0.35, 0.6, 40.0, 120.0), 0.3, 0.0);
  /* tp (1 - g (1 - L)): L = 0.5, g = 0.6 -> 0.7 tp; lower load, earlier peak */
  assert_near(hs_load_relaxation_tp(0.3, 0.1, 0.6, 60.0, 120.0), 0.3 * 0.7, 1e-15);
  assert_true(hs_load_relaxation_tp(0.3, 0.1, 0.6, 45.0, 120.0) <
              hs_load_relaxation_tp(0.3, 0.1, 0.6, 60.0, 120.0));
  /* floor: never closer to the opening than a fifth of the remaining rise */
  assert_near(hs_load_relaxation_tp(0.3, 0.25, 0.9, 0.0, 120.0), 0.25 + 0.2 * 0.05, 1e-15);
  /* L -> 0 (also NaN): 0.4 tp = 0.12 s, below the floor 0.1 + 0.2 x 0.2 = 0.14 s */
  assert_near(hs_load_relaxation_tp(0.3, 0.1, 0.6, NAN, 120.0), 0.14, 1e-15);
  assert_near(hs_load_relaxation_tp(0.3, 0.02, 0.6, 0.0, 120.0), 0.12, 1e-15);
  /* the warp: identity when off or before the opening; peaks at tp'; relaxation shifted */
  assert_near(hs_load_relaxation_warp(0.2, 0.1, 0.3, 0.3), 0.2, 0.0);
  assert_near(hs_load_relaxation_warp(0.05, 0.1, 0.3, 0.21), 0.05, 0.0);
  assert_near(hs_load_relaxation_warp(0.21, 0.1, 0.3, 0.21), 0.3, 1e-15);
  assert_near(hs_load_relaxation_warp(0.31, 0.1, 0.3, 0.21), 0.4, 1e-15);
  double prev = -1.0;
  for (int i = 0; i <= 600; i++) { /* continuous and increasing */
    double tau = 0.001 * i, w = hs_load_relaxation_warp(tau, 0.1, 0.3, 0.21);
    assert_true(w > prev);
    if (i) assert_true(w - prev < 0.001 * (0.2 / 0.11) + 1e-12);
    prev = w;
  }
}

static void test_ventricle_law(void **state) {
  (void)state;
  const double p[CHAMBER_NPARAM] = {0.2, 45.0, 6.6, 0.0143}; /* ees, v0, ed_a, ed_b */
  for (double v = 0.0; v <= 400.0; v += 5.0) {
    double ped = hs_ventricle_pressure(v, 0.0, p), pes = 0.2 * (v - 45.0);
    assert_near(ped, 6.6 * (exp(0.0143 * (v - 45.0)) - 1.0), 1e-12);
    double prev = ped;
    for (double e = 0.1; e <= 1.0 + 1e-9; e += 0.1) {
      double pv = hs_ventricle_pressure(v, e, p);
      if (v > 45.0) assert_true(pv >= prev - 1e-12); /* activation never lowers it */
      if (v > 45.0 && pes < ped) assert_near(pv, ped, 1e-12);
      else assert_near(pv, hs_chamber_pressure(v, e, p), 1e-12);
      prev = pv;
    }
  }
}

/* The audit's reproduction: acute-MI shock on VA-ECMO 3 L/min, reflex off; the LV output
   does not rise as the contractility falls (before: 2.67 / 0.46 / 2.32 / 3.75 L/min at
   lv.ees 1.0 / 0.32 / 0.16 / 0.08; now 2.67 / 0.21 / 0.21 / 0.21). */
static void test_weaker_lv_pumps_no_more(void **state) {
  (void)state;
  static const double ees[] = {1.0, 0.32, 0.16, 0.08};
  double prev = INFINITY;
  for (int k = 0; k < 4; k++) {
    hs_model *m = hs_test_load("examples/patients/acute_mi_shock_ecmo.yaml");
    hs_err err;
    assert_int_equal(hs_model_set(m, "baroreflex.enabled", 0, &err), HS_OK);
    assert_int_equal(hs_model_set_text(m, "ecmo.target_flow", "3 L/min", &err), HS_OK);
    assert_int_equal(hs_model_set(m, "lv.ees", ees[k], &err), HS_OK);
    hs_plan *pl;
    hs_sim *s = hs_test_sim(m, &pl);
    hs_steady_info info;
    assert_int_equal(hs_sim_run_to_steady(s, &info, &err), HS_OK);
    double q = hs_test_metric(s, "lv_output_lpm", 6);
    print_message("  lv.ees %.2f: LV output %.3f L/min\n", ees[k], q);
    assert_true(q <= prev + 0.01);
    prev = q;
    hs_sim_free(s);
    hs_plan_free(pl);
    hs_model_free(m);
  }
}

/* ------------------------------------------------------------ simulator -- */

typedef struct check {
  int lv, av;
  double lvp[4]; /* ees, v0, ed_a, ed_b of the LV */
  double thor, qmax;
  int n_eject;
  double worst; /* largest |P_lv - law| during ejection, mmHg */
} check;

static int on_sample(const hs_sample *smp, void *ud) {
  check *c = ud;
  double q = smp->flow[c->av];
  if (q <= 0.0) return 0;
  double piso = hs_ventricle_pressure(smp->volume[c->lv], smp->ventricular_activation, c->lvp);
  double want = c->thor + piso * (1.0 - q / c->qmax);
  double d = fabs(smp->pressure[c->lv] - want);
  if (d > c->worst) c->worst = d;
  c->n_eject++;
  return 0;
}

static double param(const hs_sim *s, const char *path) {
  double v = NAN;
  hs_err err;
  assert_int_equal(hs_sim_get(s, path, &v, &err), HS_OK);
  return v;
}

/* The healthy adult (no reflex, pericardium or interaction: P_lv = P_th + Pfw_lv). */
static void test_simulator_applies_law(void **state) {
  (void)state;
  hs_model *m = hs_test_load("examples/patients/healthy_adult.yaml");
  hs_err err;
  assert_int_equal(hs_model_set(m, "heart.lv_unloaded_ejection_flow", QMAX_PUBLISHED, &err), HS_OK);
  /* the law with the file's Ees: the perfusion-contraction matching would lower it while
     the cold start's first beats deliver little O2 to the heart (0.2 %, docs/model.md
     2.22) */
  assert_int_equal(hs_model_set(m, "ischaemia.enabled", 0, &err), HS_OK);
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  check c = {0};
  c.lv = hs_plan_node_find(pl, "lv");
  c.av = hs_plan_edge_find(pl, "aortic_valve");
  assert_true(c.lv >= 0 && c.av >= 0);
  c.lvp[CHAMBER_EES] = param(s, "lv.ees");
  c.lvp[CHAMBER_V0] = param(s, "lv.v0");
  c.lvp[CHAMBER_EDA] = param(s, "lv.ed_a");
  c.lvp[CHAMBER_EDB] = param(s, "lv.ed_b");
  c.thor = param(s, "circulation.thoracic_pressure");
  c.qmax = param(s, "heart.lv_unloaded_ejection_flow");
  assert_near(c.qmax, QMAX_PUBLISHED, 1e-9);
  assert_int_equal(hs_sim_run_beats(s, 5, &err), HS_OK);
  assert_int_equal(hs_sim_set_sampler(s, 0.001, on_sample, &c, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(s, 2, &err), HS_OK);
  assert_true(c.n_eject > 200); /* ~0.27 s of ejection per beat at 1-ms samples */
  assert_in_range_d(c.worst, 0.0, 1e-9);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Steady-state metrics of a patient file with the effect off (qmax 0) or on, and the
   afterload-dependent relaxation gain g (0 = off; < 0: left at the patient's value). */
static void steady_g(const char *file, double qmax, double g, int iabp_on, const char **names,
                     double *out, int n) {
  hs_model *m = hs_test_load(file);
  hs_err err;
  assert_int_equal(hs_model_set(m, "heart.lv_unloaded_ejection_flow", qmax, &err), HS_OK);
  if (g >= 0) assert_int_equal(hs_model_set(m, "heart.lv_relaxation_load_gain", g, &err), HS_OK);
  if (iabp_on >= 0) assert_int_equal(hs_model_set(m, "iabp.on", iabp_on, &err), HS_OK);
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(s, &info, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  for (int k = 0; k < n; k++) out[k] = hs_test_metric(s, names[k], 6);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

static void steady(const char *file, double qmax, int iabp_on, const char **names, double *out,
                   int n) {
  steady_g(file, qmax, -1.0, iabp_on, names, out, n);
}

/* Off by default; at the published constant the healthy stroke volume falls a little. */
static void test_default_off_and_sv(void **state) {
  (void)state;
  hs_model *m = hs_test_load("examples/patients/healthy_adult.yaml");
  hs_plan *pl;
  hs_sim *s = hs_test_sim(m, &pl);
  assert_near(param(s, "heart.lv_unloaded_ejection_flow"), 0.0, 0.0);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  const char *names[] = {"lv_output_lpm", "sbp_mmhg"};
  double off[2], on[2];
  steady("examples/patients/healthy_adult.yaml", 0.0, -1, names, off, 2);
  steady("examples/patients/healthy_adult.yaml", QMAX_PUBLISHED, -1, names, on, 2);
  /* measured: LV output (fixed heart rate, no reflex) 5.65 -> 5.62 L/min (-0.5 %), systolic
     pressure 116.9 -> 115.7 mmHg; accept -0.1 to -3 % and 0 to -4 mmHg */
  assert_in_range_d(100.0 * (on[0] - off[0]) / off[0], -3.0, -0.1);
  assert_in_range_d(on[1] - off[1], -4.0, 0.0);
}

/* The IABP regression (docs/model.md 2.2; tests/validation/cases/iabp_shock_kern1999.yaml):
   the SPTI change with the balloon on is more negative with the ejection effect. */
static void test_iabp_spti(void **state) {
  (void)state;
  const char *file = "tests/validation/patients/acute_mi_shock_iabp.yaml";
  const char *names[] = {"lv_spti_mmhg_s_min", "co_lpm"};
  double off0[2], on0[2], off1[2], on1[2];
  steady(file, 0.0, 0, names, off0, 2);
  steady(file, 0.0, 1, names, on0, 2);
  steady(file, QMAX_PUBLISHED, 0, names, off1, 2);
  steady(file, QMAX_PUBLISHED, 1, names, on1, 2);
  double d0 = 100.0 * (on0[0] - off0[0]) / off0[0];
  double d1 = 100.0 * (on1[0] - off1[0]) / off1[0];
  print_message("SPTI change with IABP: %.2f %% (effect off), %.2f %% (on); CO %+.3f / %+.3f L/min\n",
                d0, d1, on0[1] - off0[1], on1[1] - off1[1]);
  /* measured -7.68 and -12.66 % (-8.87 and -13.70 before the arm conduit's inertance
     amplified the radial pulse, docs/model.md 4.5; with the afferent midpoint of issue 10
     the reflex slows the heart with the balloon; before it -2.77 and -5.04 %): tolerance
     +-1 point on each, and on-off <= -1.5 points */
  assert_in_range_d(d0, -8.7, -6.7);
  assert_in_range_d(d1, -13.7, -11.7);
  assert_true(d1 - d0 <= -1.5);
  /* CO gain +0.150 -> +0.162 L/min: not smaller with the effect */
  assert_true(on1[1] - off1[1] >= on0[1] - off0[1] - 0.005);
}

/* Afterload-dependent onset of LV relaxation (docs/model.md 2.2): off by default and
   bit-identical when set to 0; at g 0.6 the IABP's SPTI fall reaches Kern's band and the
   CO gain grows (the numbers docs/model.md and the case's known-failure note report). */
static void test_load_relaxation_iabp(void **state) {
  (void)state;
  const char *file = "tests/validation/patients/acute_mi_shock_iabp.yaml";
  const char *names[] = {"lv_spti_mmhg_s_min", "co_lpm", "lvef_pct", "map_mmhg"};
  double def[4], off0[4], on0[4], off6[4], on6[4];
  steady(file, 0.0, 0, names, def, 4);
  steady_g(file, 0.0, 0.0, 0, names, off0, 4);
  for (int k = 0; k < 4; k++) assert_true(def[k] == off0[k]); /* g 0: bit-identical */
  steady_g(file, 0.0, 0.0, 1, names, on0, 4);
  steady_g(file, 0.0, 0.6, 0, names, off6, 4);
  steady_g(file, 0.0, 0.6, 1, names, on6, 4);
  double d0 = 100.0 * (on0[0] - off0[0]) / off0[0];
  double d6 = 100.0 * (on6[0] - off6[0]) / off6[0];
  print_message("SPTI change with IABP: %.2f %% (g 0), %.2f %% (g 0.6); CO %+.3f / %+.3f L/min; "
                "unassisted SPTI %.0f -> %.0f mmHg s/min\n",
                d0, d6, on0[1] - off0[1], on6[1] - off6[1], off0[0], off6[0]);
  /* measured -7.68 / -18.62 %, CO +0.150 / +0.229 L/min, unassisted SPTI 1462 -> 982
     (the shortened unassisted ejection that keeps the law off; -8.87 / -18.32 %, +0.245
     L/min before the arm conduit's inertance, docs/model.md 4.5): +-1 point, +-0.02 L/min */
  assert_in_range_d(d0, -8.7, -6.7);
  assert_in_range_d(d6, -19.3, -17.3);
  assert_in_range_d(on6[1] - off6[1], 0.225, 0.265);
  assert_in_range_d(off6[0] / off0[0], 0.60, 0.70);
  /* the preset's unassisted state otherwise stays: LVEF and MAP within 1 point / 1 mmHg */
  assert_in_range_d(off6[2] - off0[2], -1.0, 1.0);
  assert_in_range_d(off6[3] - off0[3], -1.0, 1.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_law),
      cmocka_unit_test(test_ventricle_law),
      cmocka_unit_test(test_load_relaxation_law),
      cmocka_unit_test(test_weaker_lv_pumps_no_more),
      cmocka_unit_test(test_simulator_applies_law),
      cmocka_unit_test(test_default_off_and_sv),
      cmocka_unit_test(test_iabp_spti),
      cmocka_unit_test(test_load_relaxation_iabp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
