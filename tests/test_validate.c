/* test_validate.c - validation cases (hemosim/validate.h): parsing with located errors,
 * check arithmetic, verdicts, known failures, golden comparison, parallel = serial. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/output.h"
#include "hemosim/validate.h"

#define HEALTHY "examples/patients/healthy_adult.yaml"

/* A valid case; tests replace one piece of it. */
static const char *const GOOD =
    "id: t_case\n"                                            /* 1 */
    "title: a test case\n"                                    /* 2 */
    "source: \"Nobody N. J Test 2000;1:1.\"\n"                /* 3 */
    "setup: heart rate 60 then 90\n"                          /* 4 */
    "conditions:\n"                                           /* 5 */
    "  slow:\n"                                               /* 6 */
    "    patient: " HEALTHY "\n"                              /* 7 */
    "    set: [\"heart.heart_rate=60 /min\"]\n"               /* 8 */
    "    duration: \"4 s\"\n"                                 /* 9 */
    "  fast:\n"                                               /* 10 */
    "    patient: " HEALTHY "\n"                              /* 11 */
    "    set: [\"heart.heart_rate=90 /min\"]\n"               /* 12 */
    "    duration: \"4 s\"\n"                                 /* 13 */
    "checks:\n"                                               /* 14 */
    "  - quantity: hr_bpm\n"                                  /* 15 */
    "    kind: relative_change\n"                             /* 16 */
    "    from: slow\n"                                        /* 17 */
    "    to: fast\n"                                          /* 18 */
    "    published: \"+50 %\"\n"                              /* 19 */
    "    band: [49, 51]\n";                                   /* 20 */

static hs_vcase *load_ok(const char *text) {
  hs_vcase *c = NULL;
  hs_err err = {0};
  hs_status st = hs_vcase_load_string("cases/t_case.yaml", text, strlen(text), HS_SOURCE_DIR, &c,
                                      &err);
  if (st) print_error("unexpected error: %s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(c);
  return c;
}

/* Replace the first occurrence of `from` in GOOD by `to`; the load must fail with a
   message that contains every one of the NULL-terminated fragments. */
static void fails_with(const char *from, const char *to, ...) {
  const char *at = strstr(GOOD, from);
  assert_non_null(at);
  size_t n = strlen(GOOD) - strlen(from) + strlen(to) + 1;
  char *text = malloc(n);
  assert_non_null(text);
  snprintf(text, n, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
  hs_vcase *c = (hs_vcase *)&c;
  hs_err err = {0};
  hs_status st = hs_vcase_load_string("cases/t_case.yaml", text, strlen(text), HS_SOURCE_DIR, &c,
                                      &err);
  va_list ap;
  va_start(ap, to);
  int ok = st != HS_OK && c == NULL;
  for (const char *frag; (frag = va_arg(ap, const char *));)
    if (!strstr(err.msg, frag)) {
      print_error("missing \"%s\" in: %s\n", frag, err.msg);
      ok = 0;
    }
  va_end(ap);
  if (!ok) print_error("input:\n%s\nstatus %d, message: %s\n", text, st, err.msg);
  free(text);
  assert_true(ok);
}

static void test_parse_good(void **state) {
  (void)state;
  hs_vcase *c = load_ok(GOOD);
  assert_string_equal(hs_vcase_id(c), "t_case");
  assert_int_equal(hs_vcase_condition_count(c), 2);
  assert_int_equal(hs_vcase_check_count(c), 1);
  const hs_vcondition *cd = hs_vcase_condition(c, 1);
  assert_string_equal(cd->name, "fast");
  assert_int_equal(cd->nsets, 1);
  assert_string_equal(cd->sets[0], "heart.heart_rate=90 /min");
  assert_near(cd->duration_s, 4.0, 1e-12);
  const hs_vcheck *k = hs_vcase_check(c, 0);
  assert_int_equal(k->kind, HS_CHECK_RELATIVE_CHANGE);
  assert_int_equal(k->from, 0);
  assert_int_equal(k->to, 1);
  assert_string_equal(k->unit, "%");
  assert_near(k->band_lo, 49, 0);
  assert_null(k->known_failure);
  assert_int_equal(k->line, 15);
  hs_vcase_free(c);
}

static void test_parse_errors(void **state) {
  (void)state;
  /* each malformed field: file:line:col, the field, the value, what is allowed */
  fails_with("kind: relative_change", "kind: relative", "cases/t_case.yaml:16:11:",
             "kind", "'relative'", "relative_change, absolute_change, value", NULL);
  fails_with("band: [49, 51]", "band: [51, 49]", "cases/t_case.yaml:20:11:", "band [51, 49]",
             "lo > hi", NULL);
  fails_with("band: [49, 51]", "band: [49]", "cases/t_case.yaml:20:11:", "band", "[lo, hi]",
             NULL);
  fails_with("band: [49, 51]", "band: [49, abc]", "cases/t_case.yaml:20:", "band upper bound",
             "abc", NULL);
  fails_with("from: slow", "from: slowly", "cases/t_case.yaml:17:11:", "'from'",
             "unknown condition 'slowly'", "conditions: slow, fast", NULL);
  fails_with("to: fast", "to: fastest", "cases/t_case.yaml:18:9:", "'to'",
             "unknown condition 'fastest'", NULL);
  fails_with("to: fast", "to: slow", "cases/t_case.yaml:18:", "same condition 'slow'", NULL);
  fails_with("quantity: hr_bpm", "quantity: ecmo_flow_lpm", "cases/t_case.yaml:15:15:",
             "metric 'ecmo_flow_lpm' is not reported", "condition 'slow'", NULL);
  fails_with("source: \"Nobody N. J Test 2000;1:1.\"\n", "", "cases/t_case.yaml:1:1:",
             "field 'source' is missing", NULL);
  fails_with("setup: heart rate 60 then 90\n", "setup: a\nsetpu: b\n", "cases/t_case.yaml:5:1:",
             "unknown field 'setpu'", "allowed: id, title, source, setup", NULL);
  fails_with("id: t_case", "id: other", "cases/t_case.yaml:1:5:", "id 'other'",
             "file name", "'t_case'", NULL);
  fails_with("    patient: " HEALTHY "\n", "    patient: examples/patients/nobody.yaml\n",
             "cases/t_case.yaml:7:14:", "condition 'slow'", "'examples/patients/nobody.yaml'",
             "not found", NULL);
  fails_with("heart.heart_rate=60 /min", "heart.heart_rate=600 /min", "cases/t_case.yaml:8:11:",
             "condition 'slow'", "set 'heart.heart_rate=600 /min'", NULL);
  fails_with("heart.heart_rate=60 /min", "heart.heart_rate", "cases/t_case.yaml:8:11:",
             "NAME=VALUE", NULL);
  fails_with("heart.heart_rate=60 /min", "heart.no_such=1", "cases/t_case.yaml:8:11:",
             "no_such", NULL);
  fails_with("duration: \"4 s\"", "duration: \"-4 s\"", "cases/t_case.yaml:9:15:", "duration",
             "'-4 s'", "(0, 1e5] s", NULL);
  fails_with("    published: \"+50 %\"\n", "", "cases/t_case.yaml:15:5:",
             "field 'published' is missing", NULL);
  fails_with("    from: slow\n    to: fast\n", "    at: slow\n", "cases/t_case.yaml:", "'from'",
             "missing", NULL);
  fails_with("kind: relative_change", "kind: value", "cases/t_case.yaml:15:5:", "'at'",
             "missing", NULL);
  fails_with("    published: \"+50 %\"\n", "    published: x\n    at: slow\n",
             "cases/t_case.yaml:20:9:", "field 'at' belongs to kind 'value'", NULL);
  fails_with("    band: [49, 51]\n", "    band: [49, 51]\n    tolerance: 3\n",
             "cases/t_case.yaml:21:5:", "unknown field 'tolerance'", "known_failure", NULL);
  fails_with("conditions:\n", "conditionz:\n", "cases/t_case.yaml:5:1:", "unknown field", NULL);
}

static void test_arithmetic(void **state) {
  (void)state;
  double v;
  hs_err err = {0};
  assert_int_equal(hs_vcheck_compute(HS_CHECK_RELATIVE_CHANGE, 80, 120, &v, &err), HS_OK);
  assert_near(v, 50.0, 1e-12);
  assert_int_equal(hs_vcheck_compute(HS_CHECK_RELATIVE_CHANGE, 2.8, 1.86, &v, &err), HS_OK);
  assert_near(v, -33.571428571, 1e-8);
  assert_int_equal(hs_vcheck_compute(HS_CHECK_ABSOLUTE_CHANGE, 43, 32, &v, &err), HS_OK);
  assert_near(v, -11.0, 1e-12);
  assert_int_equal(hs_vcheck_compute(HS_CHECK_VALUE, NAN, 4.2, &v, &err), HS_OK);
  assert_near(v, 4.2, 0);
  assert_int_equal(hs_vcheck_compute(HS_CHECK_RELATIVE_CHANGE, 0, 1, &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "from 0"));
  assert_true(isnan(v));
  assert_int_equal(hs_vcheck_compute(HS_CHECK_ABSOLUTE_CHANGE, NAN, 1, &v, &err),
                   HS_ERR_INVALID);
}

static void test_verdicts(void **state) {
  (void)state;
  assert_int_equal(hs_vcheck_verdict(50, 49, 51, 0), HS_VERDICT_HOLDS);
  assert_int_equal(hs_vcheck_verdict(49, 49, 51, 0), HS_VERDICT_HOLDS); /* bounds included */
  assert_int_equal(hs_vcheck_verdict(51, 49, 51, 0), HS_VERDICT_HOLDS);
  assert_int_equal(hs_vcheck_verdict(51.0001, 49, 51, 0), HS_VERDICT_FAILS);
  assert_int_equal(hs_vcheck_verdict(-100, 15, 90, 1), HS_VERDICT_KNOWN_FAILURE);
  assert_int_equal(hs_vcheck_verdict(45, 15, 90, 1), HS_VERDICT_UNEXPECTED_PASS);
  assert_int_equal(hs_vcheck_verdict(NAN, 15, 90, 1), HS_VERDICT_ERROR);
}

/* The GOOD case with three more checks on the same runs: one failing, one known
   failure, one known failure that passes. */
static const char *const VERDICT_CHECKS =
    "  - quantity: hr_bpm\n    kind: absolute_change\n    from: slow\n    to: fast\n"
    "    published: \"+30 /min\"\n    band: [0, 10]\n"
    "  - quantity: hr_bpm\n    kind: value\n    at: fast\n    published: \"90\"\n"
    "    band: [0, 10]\n    known_failure: \"a reason\"\n"
    "  - quantity: hr_bpm\n    kind: value\n    at: slow\n    published: \"60\"\n"
    "    band: [59, 61]\n    known_failure: \"fixed meanwhile\"\n";

static char *verdict_case(void) {
  size_t n = strlen(GOOD) + strlen(VERDICT_CHECKS) + 1;
  char *t = malloc(n);
  snprintf(t, n, "%s%s", GOOD, VERDICT_CHECKS);
  return t;
}

static void test_run_verdicts(void **state) {
  (void)state;
  char *text = verdict_case();
  hs_vcase *c = load_ok(text);
  free(text);
  hs_vresult *r = NULL;
  hs_err err = {0};
  const hs_vcase *cs[1] = {c};
  assert_int_equal(hs_validate_run(cs, 1, 1, &r, &err), HS_OK);
  assert_int_equal(r[0].nchecks, 4);
  assert_int_equal(r[0].conditions[0].status, HS_OK);
  assert_near(r[0].checks[0].from_value, 60, 1e-9);
  assert_near(r[0].checks[0].to_value, 90, 1e-9);
  assert_near(r[0].checks[0].value, 50, 1e-9);
  assert_int_equal(r[0].checks[0].verdict, HS_VERDICT_HOLDS);
  assert_near(r[0].checks[1].value, 30, 1e-9);
  assert_int_equal(r[0].checks[1].verdict, HS_VERDICT_FAILS);
  assert_int_equal(r[0].checks[2].verdict, HS_VERDICT_KNOWN_FAILURE);
  assert_int_equal(r[0].checks[3].verdict, HS_VERDICT_UNEXPECTED_PASS);
  hs_vtally t;
  hs_vtally_of(r, 1, &t);
  assert_int_equal(t.checks, 4);
  assert_int_equal(t.holds, 1);
  assert_int_equal(t.fails, 1);
  assert_int_equal(t.known_failures, 1);
  assert_int_equal(t.unexpected_passes, 1);
  /* failures are shown in the generated document, not hidden */
  hs_vprovenance p = {"hemosim validate", "x", "abc123"};
  char *md = hs_validate_markdown(r, 1, &p, &err);
  assert_non_null(md);
  assert_non_null(strstr(md, "commit abc123"));
  assert_non_null(strstr(md, "| **+30.0 /min** | [+0, +10] /min | **NO** |"));
  assert_non_null(strstr(md, "known failure: a reason"));
  assert_non_null(strstr(md, "UNEXPECTED PASS"));
  assert_non_null(strstr(md, "1 hold, 1 fail, 1 known failures, 1 unexpected passes"));
  free(md);
  char *js = hs_validate_json(r, 1, &p, &err);
  assert_non_null(js);
  assert_non_null(strstr(js, "\"verdict\": \"FAILS\""));
  free(js);
  /* the console table (library-built): every check, or only the problems */
  char *tx = hs_validate_text(r, 1, 0, &err);
  assert_non_null(tx);
  assert_int_equal(strncmp(tx, "case ", 5), 0); /* the header first */
  int rows = 0;
  for (const char *q = tx; (q = strchr(q, '\n')) != NULL; q++) rows++;
  assert_int_equal(rows, 1 + 4);
  free(tx);
  tx = hs_validate_text(r, 1, 1, &err); /* FAILS and UNEXPECTED PASS remain */
  assert_non_null(tx);
  rows = 0;
  for (const char *q = tx; (q = strchr(q, '\n')) != NULL; q++) rows++;
  assert_int_equal(rows, 1 + 2);
  assert_non_null(strstr(tx, "FAILS"));
  free(tx);
  hs_vresults_free(r, 1);
  hs_vcase_free(c);
}

/* A 'then:' step: the "slow" condition (60 /min for 4 s) switched to 90 /min for 3 s
   more; its metrics are those of the beats after the change only. */
static void test_then_step(void **state) {
  (void)state;
  static const char *const from = "    duration: \"4 s\"\n  fast:";
  static const char *const to =
      "    duration: \"4 s\"\n    then: {set: [\"heart.heart_rate=90 /min\"], duration: \"3 s\"}\n"
      "  fast:";
  const char *at = strstr(GOOD, from);
  assert_non_null(at);
  size_t n = strlen(GOOD) + strlen(to) + 1;
  char *text = malloc(n);
  assert_non_null(text);
  snprintf(text, n, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
  hs_vcase *c = load_ok(text);
  free(text);
  const hs_vcondition *cd = hs_vcase_condition(c, 0);
  assert_int_equal(cd->nthen, 1);
  assert_string_equal(cd->then_sets[0], "heart.heart_rate=90 /min");
  assert_near(cd->then_s, 3.0, 1e-12);
  hs_vresult *r = NULL;
  hs_err err = {0};
  const hs_vcase *cs[1] = {c};
  assert_int_equal(hs_validate_run(cs, 1, 1, &r, &err), HS_OK);
  /* only the beats after the change count: a heart-rate change starts with the next
     beat, so they are one beat at 60 /min and three at 90 (82.5), where the last six
     beats of the run would give 75 */
  assert_near(r[0].checks[0].from_value, 82.5, 1e-6);
  hs_vprovenance p = {"hemosim validate", "x", ""};
  char *md = hs_validate_markdown(r, 1, &p, &err);
  assert_non_null(md);
  assert_non_null(strstr(md, "| 4 s, then `heart.heart_rate=90 /min` and 3 s more |"));
  free(md);
  hs_vresults_free(r, 1);
  hs_vcase_free(c);
  /* located errors in the step */
  fails_with("    duration: \"4 s\"\n  fast:",
             "    duration: \"4 s\"\n    then: {set: [\"heart.heart_rate=600 /min\"], duration: "
             "\"3 s\"}\n  fast:",
             "cases/t_case.yaml:10:", "field 'then'", "set 'heart.heart_rate=600 /min'", NULL);
  fails_with("    duration: \"4 s\"\n  fast:",
             "    duration: \"4 s\"\n    then: {set: [\"heart.heart_rate=90 /min\"]}\n  fast:",
             "cases/t_case.yaml:10:", "field 'then'", "'duration'", NULL);
  fails_with("    duration: \"4 s\"\n  fast:",
             "    duration: \"4 s\"\n    then: {set: [], duration: \"3 s\", at: 1}\n  fast:",
             "cases/t_case.yaml:10:", "unknown field 'at'", NULL);
}

static void test_parallel_equals_serial(void **state) {
  (void)state;
  char *text = verdict_case();
  hs_vcase *a = load_ok(text);
  hs_vcase *b = load_ok(text);
  free(text);
  const hs_vcase *cs[2] = {a, b};
  hs_vresult *r1 = NULL, *r3 = NULL;
  hs_err err = {0};
  assert_int_equal(hs_validate_run(cs, 2, 1, &r1, &err), HS_OK);
  assert_int_equal(hs_validate_run(cs, 2, 3, &r3, &err), HS_OK);
  for (size_t i = 0; i < 2; i++) {
    for (size_t j = 0; j < r1[i].nconditions; j++) {
      assert_int_equal(r1[i].conditions[j].nmetrics, r3[i].conditions[j].nmetrics);
      assert_memory_equal(r1[i].conditions[j].values, r3[i].conditions[j].values,
                          r1[i].conditions[j].nmetrics * sizeof(double));
    }
    for (size_t k = 0; k < r1[i].nchecks; k++) {
      assert_memory_equal(&r1[i].checks[k].value, &r3[i].checks[k].value, sizeof(double));
      assert_int_equal(r1[i].checks[k].verdict, r3[i].checks[k].verdict);
    }
  }
  hs_vresults_free(r1, 2);
  hs_vresults_free(r3, 2);
  hs_vcase_free(a);
  hs_vcase_free(b);
}

/* ------------------------------------------------------------------ golden */

static hs_golden *golden_of(size_t n, const char *const *names, const char *const *units,
                            const double *values) {
  hs_golden *g = calloc(1, sizeof *g);
  g->patient = strdup("p.yaml");
  g->e = calloc(n, sizeof *g->e);
  g->n = n;
  for (size_t i = 0; i < n; i++) {
    g->e[i].name = strdup(names[i]);
    g->e[i].unit = strdup(units[i]);
    g->e[i].value = values[i];
    hs_golden_tolerance(names[i], units[i], &g->e[i].abs_tol, &g->e[i].rel_tol);
  }
  return g;
}

static void test_golden_tolerances(void **state) {
  (void)state;
  double a, r;
  hs_golden_tolerance("map_mmhg", "mmHg", &a, &r);
  assert_near(a, 0.5, 0);
  hs_golden_tolerance("lvedv_ml", "mL", &a, &r);
  assert_near(a, 1.0, 0);
  hs_golden_tolerance("co_lpm", "L/min", &a, &r);
  assert_near(a, 0.05, 0);
  hs_golden_tolerance("svo2_pct", "%", &a, &r);
  assert_near(a, 0.5, 0);
  hs_golden_tolerance("x", "furlongs", &a, &r);
  assert_near(r, 0.01, 0);
}

static void test_golden_compare(void **state) {
  (void)state;
  const char *names[] = {"map_mmhg", "lvedv_ml", "co_lpm", "icp_mmhg"};
  const char *units[] = {"mmHg", "mL", "L/min", "mmHg"};
  double old[] = {90.0, 130.0, 5.0, NAN};
  double same[] = {90.4, 130.9, 5.04, NAN}; /* every change inside its tolerance */
  double moved[] = {90.6, 130.9, 5.2, 8.0};
  hs_golden *g0 = golden_of(4, names, units, old);
  hs_golden *g1 = golden_of(4, names, units, same);
  hs_golden *g2 = golden_of(4, names, units, moved);
  assert_int_equal(hs_golden_compare(g0, g1, NULL, 0), 0);
  hs_golden_drift d[8];
  size_t n = hs_golden_compare(g0, g2, d, 8);
  assert_int_equal(n, 3);
  assert_int_equal(d[0].kind, HS_DRIFT_VALUE);
  assert_string_equal(d[0].name, "map_mmhg");
  assert_near(d[0].old_value, 90.0, 0);
  assert_near(d[0].new_value, 90.6, 0);
  assert_near(d[0].tolerance, 0.5, 1e-12);
  assert_string_equal(d[1].name, "co_lpm");
  assert_string_equal(d[2].name, "icp_mmhg"); /* null -> number is a drift */
  /* a quantity gone and a new one */
  const char *names3[] = {"map_mmhg", "lvedv_ml", "co_lpm", "new_metric"};
  hs_golden *g3 = golden_of(4, names3, units, same);
  n = hs_golden_compare(g0, g3, d, 8);
  assert_int_equal(n, 2);
  assert_int_equal(d[0].kind, HS_DRIFT_MISSING);
  assert_string_equal(d[0].name, "icp_mmhg");
  assert_int_equal(d[1].kind, HS_DRIFT_NEW);
  assert_string_equal(d[1].name, "new_metric");
  /* the file round trip keeps values, NaN and tolerances */
  hs_err err = {0};
  char *text = hs_golden_json(g0, &err);
  assert_non_null(text);
  char *path = hs_test_write_temp("golden.json", text);
  free(text);
  hs_golden *back = NULL;
  assert_int_equal(hs_golden_load(path, &back, &err), HS_OK);
  assert_int_equal(hs_golden_compare(g0, back, NULL, 0), 0);
  assert_int_equal(hs_golden_compare(back, g2, NULL, 0), 3);
  hs_golden_free(back);
  /* a malformed file names itself */
  FILE *f = fopen(path, "w");
  fputs("{\"schema\": \"hemosim-golden/1\", \"patient\": \"p\", \"metrics\": {\"x\": 1}}", f);
  fclose(f);
  assert_int_equal(hs_golden_load(path, &back, &err), HS_ERR_PARSE);
  assert_non_null(strstr(err.msg, path));
  assert_non_null(strstr(err.msg, "metric 'x'"));
  remove(path);
  free(path);
  hs_golden_free(g0), hs_golden_free(g1), hs_golden_free(g2), hs_golden_free(g3);
}

static void test_golden_run(void **state) {
  (void)state;
  hs_golden *g = NULL;
  hs_err err = {0};
  assert_int_equal(hs_golden_run(HS_SOURCE_DIR, HEALTHY, &g, &err), HS_OK);
  assert_string_equal(g->patient, HEALTHY);
  int found = 0;
  for (size_t i = 0; i < g->n; i++)
    if (!strcmp(g->e[i].name, "hr_bpm")) {
      found = 1;
      assert_near(g->e[i].value, 70, 1e-9);
      assert_string_equal(g->e[i].unit, "/min");
    }
  assert_true(found);
  hs_golden_free(g);
  assert_int_not_equal(hs_golden_run(HS_SOURCE_DIR, "examples/patients/nobody.yaml", &g, &err),
                       HS_OK);
  assert_non_null(strstr(err.msg, "nobody.yaml"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_good),         cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_arithmetic),         cmocka_unit_test(test_verdicts),
      cmocka_unit_test(test_run_verdicts),       cmocka_unit_test(test_parallel_equals_serial),
      cmocka_unit_test(test_golden_tolerances),  cmocka_unit_test(test_golden_compare),
      cmocka_unit_test(test_golden_run),         cmocka_unit_test(test_then_step),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
