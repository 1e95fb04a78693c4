/*
 * test_outputs.c - the JSON documents built by the library (io/json_util.c and
 * the per-analysis writers): provenance recorded, user strings escaped, a file
 * name that is not UTF-8 written (U+FFFD) instead of failing as "out of memory".
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "hemosim/hemosim.h"
#include "io/json_util.h"
#include "support.h"

/* parse a document returned by the library and free its text (the caller owns it) */
static json_t *parse(char *text) {
  assert_non_null(text);
  json_error_t e;
  json_t *o = json_loads(text, 0, &e);
  free(text);
  assert_non_null(o);
  return o;
}

/* The table `hemosim run` prints comes from the library: the name, then one line per
   metric, "n/a" (never "nan") where a metric does not apply. */
static void test_metrics_text(void **state) {
  (void)state;
  hs_model *m = hs_test_load("examples/patients/healthy_adult.yaml");
  hs_plan *pl = NULL;
  hs_sim *sim = hs_test_sim(m, &pl);
  hs_err err = {0};
  assert_int_equal(hs_sim_run(sim, 3, &err), HS_OK);
  size_t n = hs_sim_metric_count(sim);
  double *v = calloc(n, sizeof *v);
  assert_non_null(v);
  assert_int_equal(hs_sim_summary(sim, 1, v, &err), HS_OK);
  char *t = hs_metrics_text(sim, "healthy", v, &err);
  assert_non_null(t);
  assert_int_equal(strncmp(t, "healthy\n", 8), 0);
  size_t lines = 0;
  for (const char *c = t; (c = strchr(c, '\n')) != NULL; c++) lines++;
  assert_int_equal(lines, 1 + n);
  assert_non_null(strstr(t, "n/a"));   /* no ECMO: its flow does not apply */
  assert_null(strstr(t, "nan"));
  assert_non_null(strstr(t, " mmHg\n"));
  free(t);
  /* a value that rounds to zero prints 0.00, never "-0.00" (VF: TCD velocities -1e-9) */
  v[0] = -1e-9, v[1] = -0.004, v[2] = -0.006;
  t = hs_metrics_text(sim, "healthy", v, &err);
  assert_non_null(t);
  assert_null(strstr(t, "-0.00"));
  assert_non_null(strstr(t, "-0.01"));
  free(t);
  free(v);
  hs_sim_free(sim);
  hs_plan_free(pl);
  hs_model_free(m);
}

static void test_jstr_invalid_utf8(void **state) {
  (void)state;
  json_t *s = hs_jstr("caf\xe9 \"q\"\n\xc3\xa9\xed\xa0\x80\xf0\x9f\x98\x80");
  assert_non_null(s);
  /* Latin-1 e-acute and a UTF-16 surrogate (3 bytes) become U+FFFD; valid UTF-8 is kept */
  assert_string_equal(json_string_value(s),
                      "caf\xef\xbf\xbd \"q\"\n\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                      "\xf0\x9f\x98\x80");
  json_decref(s);
  s = hs_jstr(NULL);
  assert_true(json_is_null(s));
  json_decref(s);
}

static void test_wean_provenance(void **state) {
  (void)state;
  hs_wean_result r;
  memset(&r, 0, sizeof r);
  hs_wean_default(&r.crit);
  r.value[0] = NAN;
  snprintf(r.verdict, sizeof r.verdict, "passes");
  const char *set[] = {"lv.ees=1.1", "heart.heart_rate=90 /min"};
  hs_provenance prov = {"Patient \"A\"", "/data/p\xe9.yaml", set, 2};
  hs_err err = {HS_OK, ""};
  json_t *o = parse(hs_wean_json(&r, &prov, &err));
  char *text = json_dumps(o, 0);
  assert_string_equal(json_string_value(json_object_get(o, "hemosim_version")), HS_VERSION);
  assert_string_equal(json_string_value(json_object_get(o, "patient")), "Patient \"A\"");
  assert_string_equal(json_string_value(json_object_get(o, "patient_file")),
                      "/data/p\xef\xbf\xbd.yaml");
  json_t *s = json_object_get(o, "set");
  assert_int_equal(json_array_size(s), 2);
  assert_string_equal(json_string_value(json_array_get(s, 1)), "heart.heart_rate=90 /min");
  assert_near(json_real_value(json_object_get(json_object_get(o, "options"), "flow_lpm")), 1.5,
              0);
  /* a value that is not finite is null, never NaN in the text */
  assert_true(json_is_null(json_object_get(json_object_get(json_object_get(o, "criteria"),
                                                           "pulse_pressure"),
                                           "value")));
  free(text);
  json_decref(o);
}

static void test_stroke_json(void **state) {
  (void)state;
  hs_mcis_result m;
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_stroke_mcis_parse("2,1,0", &m, &err), HS_OK);
  json_t *o = parse(hs_stroke_mcis_json(&m, &err));
  assert_string_equal(json_string_value(json_object_get(o, "schema")), "hemosim-stroke/1");
  assert_string_equal(json_string_value(json_object_get(o, "hemosim_version")), HS_VERSION);
  assert_int_equal(json_integer_value(json_object_get(o, "total")), 3);
  assert_true(json_is_true(json_object_get(o, "no_reflow")));
  json_decref(o);
  o = parse(hs_stroke_regimens_json(&err));
  assert_int_equal(json_array_size(json_object_get(o, "regimens")), hs_stroke_regimen_count());
  json_decref(o);
}

/* One percent rule (issue 12): a target in % reads "60 %" as 60, not 0.6. */
static void test_percent_target(void **state) {
  (void)state;
  hs_targets t;
  hs_targets_default(&t);
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_targets_set(&t, "svo2_min", "65 %", &err), HS_OK);
  assert_near(t.svo2_min_pct, 65, 0);
  assert_int_equal(hs_targets_set(&t, "svo2_min", "62", &err), HS_OK);
  assert_near(t.svo2_min_pct, 62, 0);
  assert_int_equal(hs_targets_set(&t, "flow_max", "4.5", &err), HS_OK); /* bare = L/min */
  assert_near(t.flow_max_lpm, 4.5, 1e-12);
  assert_int_equal(hs_targets_set(&t, "flow_max", "4500 mL/min", &err), HS_OK);
  assert_near(t.flow_max_lpm, 4.5, 1e-12);
  /* range errors show the digits that matter */
  assert_int_equal(hs_targets_set(&t, "map_min", "120.0001", &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "120.0001"));
}

/* Drug doses are written as the clinic writes them (issue 12). */
static void test_drug_units(void **state) {
  (void)state;
  hs_model *m = NULL;
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  double v = 0;
  assert_int_equal(hs_model_set_text(m, "drugs.norepinephrine", "0.1 ug/kg/min", &err), HS_OK);
  assert_int_equal(hs_model_get(m, "drugs.norepinephrine", &v, &err), HS_OK);
  assert_near(v, 0.1, 1e-15);
  assert_int_equal(hs_model_set_text(m, "drugs.dobutamine", "5 mcg/kg/min", &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "drugs.vasopressin", "0.0005 U/kg/min", &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "drugs.norepinephrine", "0.1 U/kg/min", &err),
                   HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "ug/kg/min"));
  assert_int_equal(hs_model_set_text(m, "body.weight", "180 lb", &err), HS_OK);
  assert_int_equal(hs_model_get(m, "body.weight", &v, &err), HS_OK);
  assert_near(v, 81.6466266, 1e-6);
  /* weight without the blood volume following it needs the volume given */
  assert_int_equal(hs_model_set_text(m, "body.scale_volume", "false", &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_null(s);
  assert_non_null(strstr(err.msg, "give circulation.blood_volume"));
  hs_plan_free(pl);
  hs_model_free(m);
}

/* core/textbuf.h hs_shown: what rounds to zero at the printed precision prints 0, never
   "-0.00" or "-0.0"; anything else is kept exactly (the one rule the compare table, the
   metrics table and wean's rises share). */
static void test_shown(void **state) {
  (void)state;
  char buf[32];
  snprintf(buf, sizeof buf, "%.2f", hs_shown(-1e-6, 2));
  assert_string_equal(buf, "0.00");
  snprintf(buf, sizeof buf, "%.1f", hs_shown(-0.02, 1));
  assert_string_equal(buf, "0.0");
  snprintf(buf, sizeof buf, "%.2f", hs_shown(-0.0, 2));
  assert_string_equal(buf, "0.00");
  /* the boundary is printf's own: whatever it prints as zero is zero */
  snprintf(buf, sizeof buf, "%.2f", hs_shown(-0.005, 2));
  assert_true(strcmp(buf, "0.00") == 0 || strcmp(buf, "-0.01") == 0);
  assert_true(hs_shown(-0.0049, 2) == 0.0);
  assert_true(hs_shown(-0.0051, 2) == -0.0051);
  assert_true(isnan(hs_shown(NAN, 2)));
  assert_true(hs_shown(0.06, 1) == 0.06);
  assert_true(hs_shown(-3.25, 0) == -3.25);
}

/* core/textbuf.h: the text written, an empty text as "" (not NULL), the stream closed. */
static void test_textbuf(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_textbuf tb;
  FILE *f = hs_textbuf_open(&tb, "test text", &err);
  assert_non_null(f);
  for (int i = 0; i < 1000; i++) fprintf(f, "line %d\n", i);
  char *t = hs_textbuf_close(&tb, "test text", &err);
  assert_non_null(t);
  assert_null(tb.f);
  assert_int_equal(err.code, HS_OK);
  assert_int_equal(strncmp(t, "line 0\nline 1\n", 14), 0);
  assert_non_null(strstr(t, "line 999\n"));
  assert_int_equal(strlen(t), 8890); /* 10 x 7 + 90 x 8 + 900 x 9 bytes */
  free(t);
  assert_non_null(hs_textbuf_open(&tb, "empty text", &err));
  t = hs_textbuf_close(&tb, "empty text", &err);
  assert_non_null(t);
  assert_string_equal(t, "");
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jstr_invalid_utf8), cmocka_unit_test(test_metrics_text),
      cmocka_unit_test(test_textbuf),
      cmocka_unit_test(test_shown),
      cmocka_unit_test(test_wean_provenance),
      cmocka_unit_test(test_stroke_json),
      cmocka_unit_test(test_percent_target),
      cmocka_unit_test(test_drug_units),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
