/*
 * test_outputs.c - the JSON documents built by the library (io/json_util.c and
 * the per-analysis writers): provenance recorded, user strings escaped, a file
 * name that is not UTF-8 written (U+FFFD) instead of failing as "out of memory".
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jstr_invalid_utf8),
      cmocka_unit_test(test_wean_provenance),
      cmocka_unit_test(test_stroke_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
