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
      cmocka_unit_test(test_compensation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
