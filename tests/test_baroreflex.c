/*
 * test_baroreflex.c - the Ursino 1998 carotid baroreflex: its published operating
 * point, direction of every effector, and compensation in the closed loop.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hemosim/baroreflex.h"
#include "hemosim/hemosim.h"
#include "support.h"

/* The Ursino 1998 parameter set as hemosim's defaults. */
static void defaults(double *bp) {
  const hs_block_type *t = hs_block_type_find("baroreflex");
  assert_non_null(t);
  assert_int_equal(t->nparams, HS_BP_NPARAM);
  for (int i = 0; i < t->nparams; i++) bp[i] = t->params[i].def;
}

/* At the set point the model reproduces Ursino's basal values (his Table 1:
   Emax,lv 2.95, Emax,rv 1.75, Rsp 3.307, Rep 1.407 mmHg s/mL, heart period ~0.86 s)
   within 2 %, Rep within 4 % (1.363: the table was computed at the model's mean
   pressure, slightly off the set point). */
static void test_operating_point(void **state) {
  (void)state;
  double bp[HS_BP_NPARAM], sg[HS_BARO_NEFF];
  defaults(bp);
  hs_baro_sigma(bp, bp[HS_BP_PN], sg);
  assert_near(bp[HS_BP_TH0 + HS_BARO_EES_LV] + sg[HS_BARO_EES_LV], 2.95, 0.02 * 2.95);
  assert_near(bp[HS_BP_TH0 + HS_BARO_EES_RV] + sg[HS_BARO_EES_RV], 1.75, 0.02 * 1.75);
  assert_near(bp[HS_BP_TH0 + HS_BARO_R_SPLANCHNIC] + sg[HS_BARO_R_SPLANCHNIC], 3.307, 0.02 * 3.307);
  assert_near(bp[HS_BP_TH0 + HS_BARO_R_EXTRA] + sg[HS_BARO_R_EXTRA], 1.407, 0.04 * 1.407);
  double period = 0.58 + sg[HS_BARO_T_SYMP] + sg[HS_BARO_T_VAGAL];
  assert_near(period, 0.866, 0.02);
  /* at rest the reflex changes nothing */
  double x[HS_BARO_NSTATE], dx[HS_BARO_NSTATE];
  hs_baro_rest_state(bp, x);
  hs_baro_rhs(bp, x, bp[HS_BP_PN], 0.0, dx);
  for (int i = 0; i < HS_BARO_NSTATE; i++) assert_near(dx[i], 0.0, 1e-12);
  hs_baro_effect fx;
  hs_baro_effect_of(bp, x, x, &fx);
  assert_near(fx.ees_lv, 1.0, 1e-15);
  assert_near(fx.r_extra, 1.0, 1e-15);
  assert_near(fx.dvu_splanchnic, 0.0, 1e-15);
  assert_near(fx.dperiod, 0.0, 1e-15);
}

/* Falling pressure: more sympathetic drive (contractility, resistance up, unstressed
   volume down, period shorter), less vagal; rising pressure the reverse. */
/* The steepest vagal sigmoid the parameter table allows (k_ev 0.01 spikes/s) is a step,
   not a NaN: exp overflowed in (lo + hi e) / (1 + e) and the acute-MI patient on ECMO
   stopped with non-finite derivatives. */
static void test_steep_sigmoid_finite(void **state) {
  (void)state;
  double bp[HS_BP_NPARAM], s[HS_BARO_NEFF];
  defaults(bp);
  bp[HS_BP_KEV] = 0.01;
  for (double p = 0; p <= 250; p += 0.5) {
    hs_baro_sigma(bp, p, s);
    for (int k = 0; k < HS_BARO_NEFF; k++) assert_true(isfinite(s[k]));
  }
  hs_baro_sigma(bp, 250, s);
  double hi = s[HS_BARO_T_VAGAL];
  bp[HS_BP_KEV] = 1.0;
  hs_baro_sigma(bp, 250, s);
  assert_near(hi, s[HS_BARO_T_VAGAL], 1e-3 * fabs(s[HS_BARO_T_VAGAL]) + 1e-9);
}

static void test_directions(void **state) {
  (void)state;
  double bp[HS_BP_NPARAM], lo[HS_BARO_NEFF], mid[HS_BARO_NEFF], hi[HS_BARO_NEFF];
  defaults(bp);
  hs_baro_sigma(bp, bp[HS_BP_PN] - 20, lo);
  hs_baro_sigma(bp, bp[HS_BP_PN], mid);
  hs_baro_sigma(bp, bp[HS_BP_PN] + 20, hi);
  for (int k = HS_BARO_EES_LV; k <= HS_BARO_R_EXTRA; k++) {
    assert_true(lo[k] > mid[k]);
    assert_true(hi[k] < mid[k]);
  }
  assert_true(lo[HS_BARO_VU_SPLANCHNIC] < mid[HS_BARO_VU_SPLANCHNIC]); /* venoconstriction */
  assert_true(lo[HS_BARO_T_SYMP] + lo[HS_BARO_T_VAGAL] < mid[HS_BARO_T_SYMP] + mid[HS_BARO_T_VAGAL]);
  assert_true(hi[HS_BARO_T_SYMP] + hi[HS_BARO_T_VAGAL] > mid[HS_BARO_T_SYMP] + mid[HS_BARO_T_VAGAL]);
}

/* Mean extrasplanchnic-resistance drive of the open-loop afferent + efferent for a
   sinusoidal sinus pressure (mean, peak-to-peak pp, 72 /min), after the filter settled. */
static double mean_drive(double *bp, double mean, double pp) {
  bp[HS_BP_SINUS_MEAN] = mean;
  bp[HS_BP_SINUS_PP] = pp;
  bp[HS_BP_SINUS_RATE] = 72;
  double x[HS_BARO_NSTATE], dx[HS_BARO_NSTATE], sg[HS_BARO_NEFF], sum = 0;
  hs_baro_rest_state(bp, x);
  x[0] = mean;
  const double h = 1e-4;
  int n = 0;
  for (double t = 0; t < 40.0; t += h) {
    double p = -1, dp = 0;
    assert_int_equal(hs_baro_sinus_pressure(bp, t, &p, &dp), 1);
    hs_baro_rhs(bp, x, p, dp, dx);
    x[0] += h * dx[0];
    if (t >= 20.0) {
      hs_baro_sigma(bp, x[0], sg);
      sum += sg[HS_BARO_R_EXTRA];
      n++;
    }
  }
  return sum / n;
}

/* Isolated sinus: off by default; below the afferent midpoint a pulsatile pressure reads
   as a higher pressure than a steady one of the same mean (less sympathetic drive;
   Chapleau & Abboud 1987), the midpoint being a parameter of its own, not the set point. */
static void test_pulsatile_sinus(void **state) {
  (void)state;
  double bp[HS_BP_NPARAM], p = 1, dp = 1;
  defaults(bp);
  assert_int_equal(hs_baro_sinus_pressure(bp, 0.3, &p, &dp), 0);
  assert_true(p == 1 && dp == 1);
  bp[HS_BP_SINUS_MEAN] = 80;
  bp[HS_BP_SINUS_PP] = 40;
  bp[HS_BP_SINUS_RATE] = 60;
  assert_int_equal(hs_baro_sinus_pressure(bp, 0.25, &p, &dp), 1);
  assert_near(p, 100.0, 1e-9);
  assert_near(dp, 0.0, 1e-9);
  /* the set point does not move the sigmoid: same drive at the same filtered pressure */
  double a[HS_BARO_NEFF], b[HS_BARO_NEFF];
  hs_baro_sigma(bp, 70, a);
  bp[HS_BP_PN] = 60;
  hs_baro_sigma(bp, 70, b);
  assert_near(a[HS_BARO_R_EXTRA], b[HS_BARO_R_EXTRA], 1e-15);
  defaults(bp);
  bp[HS_BP_PN] = 66; /* a shock patient's own pressure, receptors centred at 92 */
  double steady = mean_drive(bp, 66, 0), pulsed = mean_drive(bp, 66, 40);
  assert_true(pulsed < steady - 0.02 * steady);
  /* centred on the shock pressure (the former preset) the pulse reads lower instead */
  bp[HS_BP_AFF_MID] = 66;
  steady = mean_drive(bp, 66, 0);
  pulsed = mean_drive(bp, 66, 40);
  assert_true(pulsed > steady);
}

static void run_case(int reflex, double ees_after, double *map, double *hr) {
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "baroreflex.enabled", reflex, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  assert_int_equal(hs_sim_schedule(s, 30, "lv.ees", ees_after, &err), HS_OK);
  assert_int_equal(hs_sim_run(s, 150, &err), HS_OK);
  double mm[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_summary(s, 6, mm, &err), HS_OK);
  *map = mm[HS_M_MAP];
  *hr = mm[HS_M_HR];
  if (reflex) /* the switch adds states: it cannot change during a run */
    assert_int_equal(hs_sim_set(s, "baroreflex.enabled", 0, &err), HS_ERR_STATE);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Closed loop: at rest the reflex leaves the patient nearly as calibrated; after a
   loss of LV contractility it defends arterial pressure with tachycardia. */
static void test_compensation(void **state) {
  (void)state;
  double map0, hr0, map1, hr1;
  run_case(0, 2.5, &map0, &hr0);
  run_case(1, 2.5, &map1, &hr1);
  assert_near(map1, map0, 3.0);
  assert_near(hr1, hr0, 2.0);
  double mapf, hrf, mapr, hrr;
  run_case(0, 1.2, &mapf, &hrf);
  run_case(1, 1.2, &mapr, &hrr);
  assert_true(mapf < map0 - 10); /* the failing heart without reflex */
  assert_true(mapr > mapf + 5);  /* partly restored by the reflex */
  assert_true(mapr < map0);      /* but not fully (a proportional controller) */
  assert_true(hrr > hrf + 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_operating_point),
      cmocka_unit_test(test_directions),
      cmocka_unit_test(test_steep_sigmoid_finite),
      cmocka_unit_test(test_compensation),
      cmocka_unit_test(test_pulsatile_sinus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
