/*
 * test_trend.c - trends (hemosim/trend.h): interval means, interpolation over intervals
 * a macro step jumped, CSV / JSON / SVG, events; and a real run through the beat callback.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

static void test_aggregation(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  size_t nm = hs_sim_metric_count(s);
  hs_trend *tr = hs_trend_new(s, 10.0, 1, &err);
  assert_non_null(tr);
  assert_null(hs_trend_new(s, 0.0, 1, &err));
  double *row = calloc(nm, sizeof *row);
  /* interval [0,10): beats with MAP 80 and 90 -> mean 85; nothing in [10,30); a beat at
     35 s with MAP 100 -> the jumped intervals interpolate between t=9 (90) and 35 (100) */
  row[HS_M_MAP] = 80, assert_int_equal(hs_trend_on_beat(1, 5.0, row, tr), 0);
  row[HS_M_MAP] = 90, assert_int_equal(hs_trend_on_beat(2, 9.0, row, tr), 0);
  row[HS_M_MAP] = 100, assert_int_equal(hs_trend_on_beat(3, 35.0, row, tr), 0);
  assert_int_equal(hs_trend_add_event(tr, 20.0, "ecmo.target_flow 4 L/min", &err), HS_OK);
  assert_int_equal(hs_trend_beat_count(tr), 3);
  assert_int_equal(hs_trend_interval_count(tr), 4); /* 0, 1 and 2 (interpolated), 3 */
  char *csv = hs_trend_csv(tr, 1, &err);
  assert_non_null(csv);
  assert_true(strncmp(csv, "t_start_s,t_end_s,beats,hr_bpm,", 31) == 0);
  char *json = hs_trend_json(tr, &err);
  assert_non_null(json);
  json_error_t je;
  json_t *root = json_loads(json, 0, &je);
  assert_non_null(root);
  json_t *iv = json_object_get(root, "intervals");
  assert_int_equal(json_array_size(iv), 4);
  size_t col = 3 + HS_M_MAP;
  assert_near(json_number_value(json_array_get(json_array_get(iv, 0), col)), 85.0, 1e-9);
  assert_near(json_number_value(json_array_get(json_array_get(iv, 1), 2)), 0.0, 0); /* beats */
  assert_near(json_number_value(json_array_get(json_array_get(iv, 1), col)),
              90.0 + 10.0 * (15.0 - 9.0) / 26.0, 1e-5);
  assert_near(json_number_value(json_array_get(json_array_get(iv, 2), col)),
              90.0 + 10.0 * (25.0 - 9.0) / 26.0, 1e-5);
  assert_near(json_number_value(json_array_get(json_array_get(iv, 3), col)), 100.0, 1e-9);
  assert_int_equal(json_array_size(json_object_get(root, "beats")), 3);
  assert_int_equal(json_array_size(json_object_get(root, "events")), 1);
  json_decref(root);
  const char *names[] = {"map_mmhg", "hemoglobin_gdl"};
  char *svg = hs_trend_svg(tr, "t", names, 2, &err);
  assert_non_null(svg);
  assert_non_null(strstr(svg, "ecmo.target_flow"));
  const char *bad[] = {"no_such_metric"};
  assert_null(hs_trend_svg(tr, "t", bad, 1, &err));
  assert_int_equal(err.code, HS_ERR_UNKNOWN);
  free(svg), free(json), free(csv), free(row);
  hs_trend *lean = hs_trend_new(s, 10.0, 0, &err);
  assert_null(hs_trend_csv(lean, 0, &err)); /* no per-beat table kept */
  hs_trend_free(lean);
  hs_trend_free(tr);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Through the beat callback: every beat recorded, interval means match the beat rows. */
static void test_run(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  hs_trend *tr = hs_trend_new(s, 5.0, 1, &err);
  hs_sim_set_beat_callback(s, hs_trend_on_beat, tr);
  assert_int_equal(hs_sim_run(s, 12.0, &err), HS_OK);
  assert_int_equal(hs_trend_beat_count(tr), (size_t)hs_sim_beats(s));
  assert_int_equal(hs_trend_interval_count(tr), 3);
  char *csv = hs_trend_csv(tr, 0, &err);
  size_t lines = 0;
  for (const char *c = csv; *c; c++) lines += *c == '\n';
  assert_int_equal(lines, 1 + (size_t)hs_sim_beats(s));
  free(csv);
  hs_trend_free(tr);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_aggregation), cmocka_unit_test(test_run)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
