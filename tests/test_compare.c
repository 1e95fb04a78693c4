/*
 * test_compare.c - strategy comparison (issue #5, compare): every strategy runs, the
 * recommendation meets every target it claims and is the least invasive that does,
 * results do not depend on the number of threads, target files are validated.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/compare.h"
#include "hemosim/hemosim.h"
#include "support.h"

static hs_model *patient(void) {
  char path[512];
  /* the distended, non-ejecting LV on ECMO: the phenotype where venting is the question */
  snprintf(path, sizeof path, "%s/examples/patients/severe_shock_ecmo.yaml", HS_SOURCE_DIR);
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_file(path, &m, &err), HS_OK);
  return m;
}

static void check_recommendation(const hs_compare_result *r, const hs_targets *t) {
  if (r->recommended < 0) {
    for (size_t i = 0; i < r->nrows; i++) assert_false(r->rows[i].all_met);
    return;
  }
  const hs_compare_row *best = &r->rows[r->recommended];
  assert_true(best->v[HS_CMP_PCWP] <= t->pcwp_max_mmhg);
  assert_true(best->v[HS_CMP_MAP] >= t->map_min_mmhg);
  assert_true(best->v[HS_CMP_AVO] >= t->av_open_min - 1e-9);
  assert_true(best->v[HS_CMP_PP] >= t->pulse_pressure_min);
  assert_true(best->v[HS_CMP_SAO2U] >= t->sao2_upper_min);
  for (size_t i = 0; i < r->nrows; i++)
    if (r->rows[i].all_met) assert_true(r->rows[i].invasiveness >= best->invasiveness);
}

static void test_default_targets(void **state) {
  (void)state;
  hs_model *m = patient();
  hs_targets t;
  hs_targets_default(&t);
  hs_compare_result *r = NULL;
  hs_err err;
  assert_int_equal(hs_compare_run(m, &t, NULL, 0, 2, &r, &err), HS_OK);
  assert_true(r->nrows >= 10);
  check_recommendation(r, &t);
  /* the unloading methods lower PCWP against ECMO alone, the surgical vent most */
  double alone = r->rows[0].v[HS_CMP_PCWP], surgical = NAN;
  for (size_t i = 0; i < r->nrows; i++) {
    if (!strcmp(r->rows[i].name, "surgical_lv_vent_32fr")) surgical = r->rows[i].v[HS_CMP_PCWP];
    if (!strcmp(r->rows[i].name, "impella_cp_p8") || !strcmp(r->rows[i].name, "la_vent_22fr") ||
        !strcmp(r->rows[i].name, "septostomy_8mm"))
      assert_true(r->rows[i].v[HS_CMP_PCWP] < alone - 5);
  }
  for (size_t i = 0; i < r->nrows; i++) assert_true(surgical <= r->rows[i].v[HS_CMP_PCWP] + 1e-9);
  assert_true(strlen(r->reason) > 20);
  hs_compare_free(r);
  hs_model_free(m);
}

/* With targets only ECMO flow can meet, the least invasive row is recommended. */
static void test_least_invasive_wins(void **state) {
  (void)state;
  hs_model *m = patient();
  hs_targets t = {40, 60, 0, 0, 90};
  hs_compare_result *r = NULL;
  hs_err err;
  static const double flows[] = {2, 3};
  assert_int_equal(hs_compare_run(m, &t, flows, 2, 2, &r, &err), HS_OK);
  assert_true(r->recommended >= 0);
  assert_int_equal(r->rows[r->recommended].invasiveness, 0);
  check_recommendation(r, &t);
  hs_compare_free(r);
  hs_model_free(m);
}

static void test_threads_identical(void **state) {
  (void)state;
  hs_model *m = patient();
  hs_targets t;
  hs_targets_default(&t);
  static const double flows[] = {3};
  hs_compare_result *a = NULL, *b = NULL;
  hs_err err;
  assert_int_equal(hs_compare_run(m, &t, flows, 1, 1, &a, &err), HS_OK);
  assert_int_equal(hs_compare_run(m, &t, flows, 1, 3, &b, &err), HS_OK);
  assert_int_equal(a->nrows, b->nrows);
  for (size_t i = 0; i < a->nrows; i++)
    assert_memory_equal(a->rows[i].v, b->rows[i].v, sizeof a->rows[i].v);
  hs_compare_free(a);
  hs_compare_free(b);
  hs_model_free(m);
}

static void test_targets_file(void **state) {
  (void)state;
  hs_targets t;
  hs_err err;
  char *ok = hs_test_write_temp("targets_ok.yaml",
                                "hemosim_targets: 1\npcwp_max: 2.4 kPa\nmap_min: 70\n");
  assert_int_equal(hs_targets_load(ok, &t, &err), HS_OK);
  assert_near(t.pcwp_max_mmhg, 2.4 * 7.5006157585, 1e-6);
  assert_near(t.map_min_mmhg, 70, 0);
  assert_near(t.sao2_upper_min, 92, 0); /* default kept */
  char *bad = hs_test_write_temp("targets_bad.yaml", "hemosim_targets: 1\nmap_min: 300\n");
  assert_int_equal(hs_targets_load(bad, &t, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, ":2:10: map_min = 300 is out of range [20, 150]"));
  char *unk = hs_test_write_temp("targets_unk.yaml", "hemosim_targets: 1\nlactate_max: 2\n");
  assert_int_equal(hs_targets_load(unk, &t, &err), HS_ERR_UNKNOWN);
  assert_non_null(strstr(err.msg, "unknown target 'lactate_max'"));
  remove(ok), remove(bad), remove(unk);
  free(ok), free(bad), free(unk);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_targets),
      cmocka_unit_test(test_least_invasive_wins),
      cmocka_unit_test(test_threads_identical),
      cmocka_unit_test(test_targets_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
