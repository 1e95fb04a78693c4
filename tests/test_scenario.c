/* test_scenario.c - scenario files: timed parameter changes (src/io/scenario.c).
 *
 * A valid scenario is loaded from tests/data, applied to a simulation of the
 * default patient and run: the changes take effect at their times and show
 * in the beat metrics.  Bad scenarios are written to temporary files; every
 * error must name the file and the exact line:column of the offending node,
 * whether it is found when loading or when applying to a simulation.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/model.h"
#include "hemosim/patient.h"
#include "hemosim/sim.h"

#define SCENARIO_FILE HS_TEST_DATA "/scenario_hr_ees.yaml"

/* ------------------------------------------------------------------ helpers */

/* "<file>:<line>:<col>: " for the character `skip` bytes into the single occurrence of needle. */
static void where(const char *file, const char *text, const char *needle, size_t skip, char *buf,
                  size_t size) {
  const char *at = strstr(text, needle);
  if (!at) print_error("where: \"%s\" not found\n", needle);
  assert_non_null(at);
  if (strstr(at + 1, needle)) print_error("where: \"%s\" is not unique\n", needle);
  assert_null(strstr(at + 1, needle));
  at += skip;
  int line = 1, col = 1;
  for (const char *p = text; p < at; p++) {
    if (*p == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  snprintf(buf, size, "%s:%d:%d: ", file, line, col);
}

/* A simulation of the default patient (plan and sim owned by the caller). */
typedef struct fixture {
  hs_model *model;
  hs_plan *plan;
  hs_sim *sim;
} fixture;

static void fixture_open(fixture *f) {
  hs_err err = {0};
  memset(f, 0, sizeof *f);
  assert_int_equal(hs_patient_load_default(&f->model, &err), HS_OK);
  f->plan = hs_plan_compile(f->model, &err);
  if (!f->plan) print_error("%s\n", err.msg);
  assert_non_null(f->plan);
  f->sim = hs_sim_new(f->plan, &err);
  if (!f->sim) print_error("%s\n", err.msg);
  assert_non_null(f->sim);
}

static void fixture_close(fixture *f) {
  hs_sim_free(f->sim);
  hs_plan_free(f->plan);
  hs_model_free(f->model);
}

static double sim_get(const hs_sim *s, const char *path) {
  double v = NAN;
  hs_err err = {0};
  hs_status st = hs_sim_get(s, path, &v, &err);
  if (st != HS_OK) print_error("%s: %s\n", path, err.msg);
  assert_int_equal(st, HS_OK);
  return v;
}

static void run(hs_sim *s, double seconds) {
  hs_err err = {0};
  hs_status st = hs_sim_run(s, seconds, &err);
  if (st != HS_OK) print_error("run: %s\n", err.msg);
  assert_int_equal(st, HS_OK);
}

static double last_hr(const hs_sim *s) {
  double m[HS_METRIC_COUNT];
  hs_err err = {0};
  assert_int_equal(hs_sim_last_beat(s, m, &err), HS_OK);
  return m[HS_M_HR];
}

typedef struct loaded {
  char *path;
  hs_status st;
  hs_err err;
  hs_scenario *sc;
} loaded;

static loaded load_as_file(const char *name, const char *text) {
  loaded r;
  memset(&r, 0, sizeof r);
  r.path = hs_test_write_temp(name, text);
  assert_non_null(r.path);
  r.sc = (hs_scenario *)&r; /* must be reset */
  r.st = hs_scenario_load_file(r.path, &r.sc, &r.err);
  unlink(r.path);
  return r;
}

static void loaded_free(loaded *r) {
  hs_scenario_free(r->sc);
  free(r->path);
}

/* st/err failed with code; message starts with prefix and contains the NULL-terminated strings. */
static void expect_msg(hs_status st, const hs_err *err, hs_status code, const char *prefix, ...) {
  int ok = st == code && err->code == code;
  if (prefix && strncmp(err->msg, prefix, strlen(prefix)) != 0) ok = 0;
  va_list ap;
  va_start(ap, prefix);
  const char *missing = NULL;
  for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
    if (!strstr(err->msg, s) && !missing) missing = s;
  va_end(ap);
  if (missing) ok = 0;
  if (getenv("HS_TEST_VERBOSE")) printf("  [%d] %s\n", st, err->msg);
  if (!ok)
    print_error("status %d (wanted %d)\nmessage: %s\nwanted prefix \"%s\"%s%s%s\n", st, code,
                err->msg, prefix ? prefix : "", missing ? " and \"" : "", missing ? missing : "",
                missing ? "\"" : "");
  assert_int_equal(st, code);
  assert_int_equal(err->code, code);
  if (prefix) assert_int_equal(strncmp(err->msg, prefix, strlen(prefix)), 0);
  assert_null(missing);
}

/* Loading fails. */
static void load_fails(const char *name, const char *text, hs_status code, const char *needle,
                       size_t skip, const char *what1, const char *what2) {
  loaded r = load_as_file(name, text);
  char pre[512];
  if (needle)
    where(r.path, text, needle, skip, pre, sizeof pre);
  else
    snprintf(pre, sizeof pre, "%s", r.path);
  expect_msg(r.st, &r.err, code, pre, what1, what2, NULL);
  assert_null(r.sc);
  loaded_free(&r);
}

/* Loading succeeds; applying to a fresh simulation of the default patient fails. */
static void apply_fails(const char *name, const char *text, hs_status code, const char *needle,
                        size_t skip, const char *what1, const char *what2) {
  loaded r = load_as_file(name, text);
  if (r.st != HS_OK) print_error("%s\n", r.err.msg);
  assert_int_equal(r.st, HS_OK);
  fixture f;
  fixture_open(&f);
  hs_err err = {0};
  hs_status st = hs_scenario_apply(r.sc, f.sim, &err);
  char pre[512];
  where(r.path, text, needle, skip, pre, sizeof pre);
  expect_msg(st, &err, code, pre, what1, what2, NULL);
  fixture_close(&f);
  loaded_free(&r);
}

/* ------------------------------------------------------------------ valid scenarios */

static void test_load_valid_file(void **state) {
  (void)state;
  hs_scenario *sc = NULL;
  hs_err err = {0};
  hs_status st = hs_scenario_load_file(SCENARIO_FILE, &sc, &err);
  if (st != HS_OK) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(sc);
  /* the count is of parameter changes: 1 at 5 s, 2 at 10 s */
  assert_int_equal(hs_scenario_event_count(sc), 3);
  assert_near(hs_scenario_duration(sc), 12.0, 0);
  hs_scenario_free(sc);
}

static void test_event_count_and_duration(void **state) {
  (void)state;
  static const struct {
    const char *text;
    size_t n;
    double duration;
  } C[] = {
      {"hemosim_scenario: 1\n", 0, 0},
      {"hemosim_scenario: 1\nduration: 2 min\nevents: []\n", 0, 120},
      {"hemosim_scenario: 1\nevents:\n  - {at: 1, set: {lv.ees: 2}}\n", 1, 0},
      {"hemosim_scenario: 1\nevents:\n  - {at: 1, set: {lv.ees: 2}}\n"
       "  - {at: 2, set: {lv.ees: 2.1}}\n",
       2, 0},
      {"hemosim_scenario: 1\nevents:\n  - {at: 1, set: {lv.ees: 2, rv.ees: 0.5, heart.heart_rate: 80}}\n"
       "  - {at: 2, set: {}}\n",
       3, 0},
      {"hemosim_scenario: 1\nduration: 1500 ms\nevents:\n  - at: 1\n    set: {lv.ees: 2}\n", 1, 1.5},
  };
  for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
    hs_scenario *sc = NULL;
    hs_err err = {0};
    hs_status st = hs_scenario_load_string("s.yaml", C[i].text, strlen(C[i].text), &sc, &err);
    if (st != HS_OK) print_error("case %zu: %s\n", i, err.msg);
    assert_int_equal(st, HS_OK);
    assert_int_equal(hs_scenario_event_count(sc), C[i].n);
    assert_near(hs_scenario_duration(sc), C[i].duration, 1e-12);
    hs_scenario_free(sc);
  }
  hs_scenario_free(NULL); /* a no-op */
}

/* The changes happen at their times, and the new heart rate shows in the beats. */
static void test_apply_and_run(void **state) {
  (void)state;
  hs_scenario *sc = NULL;
  hs_err err = {0};
  assert_int_equal(hs_scenario_load_file(SCENARIO_FILE, &sc, &err), HS_OK);
  fixture f;
  fixture_open(&f);
  double hr0 = sim_get(f.sim, "heart.heart_rate"), ees0 = sim_get(f.sim, "lv.ees");
  double hr_model, ees_model;
  assert_int_equal(hs_model_get(f.model, "heart.heart_rate", &hr_model, &err), HS_OK);
  assert_int_equal(hs_model_get(f.model, "lv.ees", &ees_model, &err), HS_OK);
  assert_true(hr0 == hr_model && ees0 == ees_model);

  hs_status st = hs_scenario_apply(sc, f.sim, &err);
  if (st != HS_OK) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);

  /* before 5 s: nothing has changed */
  run(f.sim, 4.9);
  assert_near(sim_get(f.sim, "heart.heart_rate"), hr0, 0);
  assert_near(sim_get(f.sim, "lv.ees"), ees0, 0);
  assert_near(last_hr(f.sim), hr0, 0.5);

  /* 5 s: heart rate 80 */
  run(f.sim, 0.2);
  assert_near(hs_sim_time(f.sim), 5.1, 1e-9);
  assert_near(sim_get(f.sim, "heart.heart_rate"), 80, 0);
  assert_near(sim_get(f.sim, "lv.ees"), ees0, 0);
  run(f.sim, 4.8); /* t = 9.9: several whole beats at 80 */
  assert_near(last_hr(f.sim), 80, 0.5);

  /* 10 s: heart rate 90 and the new contractility */
  run(f.sim, 2.1);
  assert_near(hs_sim_time(f.sim), 12.0, 1e-9);
  assert_near(sim_get(f.sim, "heart.heart_rate"), 90, 0);
  assert_near(sim_get(f.sim, "lv.ees"), 1.8, 0);
  assert_near(last_hr(f.sim), 90, 0.5);

  fixture_close(&f);
  hs_scenario_free(sc);
}

/* Event times are relative to the simulation's time when the scenario is applied. */
static void test_times_are_relative(void **state) {
  (void)state;
  const char *text = "hemosim_scenario: 1\nevents:\n  - at: 1 s\n    set: {lv.ees: 1.5}\n";
  hs_scenario *sc = NULL;
  hs_err err = {0};
  assert_int_equal(hs_scenario_load_string("rel.yaml", text, strlen(text), &sc, &err), HS_OK);
  fixture f;
  fixture_open(&f);
  double ees0 = sim_get(f.sim, "lv.ees");
  run(f.sim, 2.0);
  assert_int_equal(hs_scenario_apply(sc, f.sim, &err), HS_OK);
  run(f.sim, 0.9); /* t = 2.9: not yet */
  assert_near(sim_get(f.sim, "lv.ees"), ees0, 0);
  run(f.sim, 0.2); /* t = 3.1: done */
  assert_near(sim_get(f.sim, "lv.ees"), 1.5, 0);
  fixture_close(&f);
  hs_scenario_free(sc);
}

/* ------------------------------------------------------------------ errors found when applying */

static void test_unknown_parameter_path(void **state) {
  (void)state;
  const char *t1 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {lv.eees: 2}\n";
  apply_fails("path1.yaml", t1, HS_ERR_UNKNOWN, "2}", 0, "'lv.eees'",
              "ventricle 'lv' has no parameter 'eees'");

  const char *t2 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {heart.heart_rate: 80}\n"
                   "  - at: 6 s\n"
                   "    set:\n"
                   "      lvx.ees: 2\n";
  apply_fails("path2.yaml", t2, HS_ERR_UNKNOWN, "lvx.ees: 2", 9, "'lvx.ees'",
              "no block named 'lvx'");

  const char *t3 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {heart_rate: 80}\n";
  apply_fails("path3.yaml", t3, HS_ERR_INVALID, "80}", 0, "'heart_rate'",
              "<block>.<parameter>");
}

static void test_value_out_of_range(void **state) {
  (void)state;
  const char *t1 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {heart.heart_rate: 90, lv.ees: 50}\n";
  apply_fails("range1.yaml", t1, HS_ERR_RANGE, "50}", 0, "lv.ees: 'ees' = 50 mmHg/mL is out of range",
              "[0.005 mmHg/mL, 20 mmHg/mL]");

  const char *t2 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {heart.heart_rate: 300 bpm}\n";
  apply_fails("range2.yaml", t2, HS_ERR_RANGE, "300 bpm", 0, "'heart_rate' = 300 /min",
              "[20 /min, 250 /min]");

  /* a value with a wrong unit, and a non-number */
  const char *t3 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {heart.heart_rate: 90 s}\n";
  apply_fails("unit.yaml", t3, HS_ERR_INVALID, "90 s}", 0, "heart.heart_rate",
              "\"90 s\": unit 's' is a time unit, but a rate is expected (accepted: /min, bpm, "
              "1/min)");
  const char *t4 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {lv.ees: fast}\n";
  apply_fails("nan.yaml", t4, HS_ERR_INVALID, "fast}", 0, "lv.ees", "\"fast\" is not a number");
  const char *t5 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 s\n"
                   "    set: {lv.ees: 1.2.3}\n";
  apply_fails("nan2.yaml", t5, HS_ERR_INVALID, "1.2.3}", 0, "lv.ees", "\"1.2.3\" is not a number");
}

/* ------------------------------------------------------------------ errors found when loading */

static void test_negative_time(void **state) {
  (void)state;
  const char *t = "hemosim_scenario: 1\n"
                  "events:\n"
                  "  - at: 1 s\n"
                  "    set: {lv.ees: 2}\n"
                  "  - at: -1 s\n"
                  "    set: {lv.ees: 2}\n";
  load_fails("neg.yaml", t, HS_ERR_RANGE, "-1 s", 0, "event 2 = -1 s is out of range",
             "[0, 1e7] s");

  const char *t2 = "hemosim_scenario: 1\nduration: -5 s\n";
  load_fails("negdur.yaml", t2, HS_ERR_RANGE, "-5 s", 0, "duration = -5 s is out of range",
             "(0, 1e7] s");
  /* 0 once meant "run to the steady state" without a word (the events then ran for 600
     beats and the run reported "not steady") */
  const char *t2b = "hemosim_scenario: 1\nduration: 0 s\nevents:\n  - at: 1 s\n    set: {lv.ees: 2}\n";
  load_fails("zerodur.yaml", t2b, HS_ERR_RANGE, "0 s", 0, "duration = 0 s is out of range",
             "--duration");

  const char *t3 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 5 mmHg\n"
                   "    set: {lv.ees: 2}\n";
  load_fails("atunit.yaml", t3, HS_ERR_INVALID, "5 mmHg", 0, "event 1",
             "\"5 mmHg\": unit 'mmHg' is a pressure unit, but a time is expected (accepted: s, ms, "
             "min, h)");

  const char *t4 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: soon\n"
                   "    set: {lv.ees: 2}\n";
  load_fails("atnan.yaml", t4, HS_ERR_INVALID, "soon", 0, "event 1", "\"soon\" is not a number");

  const char *t5 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: [1, 2]\n"
                   "    set: {lv.ees: 2}\n";
  load_fails("atseq.yaml", t5, HS_ERR_INVALID, "[1, 2]", 0, "event 1", "expected a time");
}

static void test_missing_at(void **state) {
  (void)state;
  const char *t = "hemosim_scenario: 1\n"
                  "events:\n"
                  "  - set: {lv.ees: 2}\n";
  load_fails("noat.yaml", t, HS_ERR_INVALID, "set: {", 0, "event 1: missing 'at'", NULL);

  const char *t2 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 1 s\n"
                   "    set: {lv.ees: 2}\n"
                   "  - at: 2 s\n";
  load_fails("noset.yaml", t2, HS_ERR_INVALID, "at: 2 s", 0, "event 2: missing 'set'", NULL);
}

static void test_unknown_field_in_event(void **state) {
  (void)state;
  const char *t = "hemosim_scenario: 1\n"
                  "events:\n"
                  "  - at: 1 s\n"
                  "    when: later\n"
                  "    set: {lv.ees: 2}\n";
  load_fails("unkfield.yaml", t, HS_ERR_UNKNOWN, "when: later", 0,
             "event 1: unknown field 'when'", "known: at, set");

  const char *t2 = "hemosim_scenario: 1\n"
                   "colour: blue\n";
  load_fails("unktop.yaml", t2, HS_ERR_UNKNOWN, "colour", 0, "unknown top-level field 'colour'",
             "known: hemosim_scenario");
}

static void test_wrong_structure(void **state) {
  (void)state;
  const char *t1 = "hemosim_scenario: 1\nevents: {at: 1}\n";
  load_fails("evmap.yaml", t1, HS_ERR_INVALID, "{at: 1}", 0, "events must be a sequence", NULL);

  const char *t2 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 1 s\n"
                   "    set: [lv.ees, 2]\n";
  load_fails("setseq.yaml", t2, HS_ERR_INVALID, "[lv.ees", 0, "set must be a mapping", NULL);

  const char *t3 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 1 s\n"
                   "    set: {lv.ees: {value: 2}}\n";
  load_fails("setmap.yaml", t3, HS_ERR_INVALID, "{value: 2}", 0,
             "event 1: value of 'lv.ees' must be a single value", NULL);

  const char *t4 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - 5\n";
  load_fails("evscalar.yaml", t4, HS_ERR_INVALID, "- 5", 2, "event 1 must be a mapping", NULL);

  /* a YAML syntax error */
  const char *t5 = "hemosim_scenario: 1\n"
                   "events:\n"
                   "  - at: 1 s\n"
                   "    set: {lv.ees: 2\n";
  loaded r = load_as_file("syntax.yaml", t5);
  char pre[512];
  snprintf(pre, sizeof pre, "%s:5:1: ", r.path);
  expect_msg(r.st, &r.err, HS_ERR_PARSE, pre, "syntax error", "started at line 4, column 10",
             NULL);
  assert_null(r.sc);
  loaded_free(&r);
}

static void test_version(void **state) {
  (void)state;
  const char *t = "hemosim_scenario: 2\nevents: []\n";
  load_fails("ver2.yaml", t, HS_ERR_RANGE, "2\n", 0,
             "hemosim_scenario: format version 2 is not supported", "allowed: 1");

  const char *t2 = "# no version\nname: x\nevents: []\n";
  load_fails("nover.yaml", t2, HS_ERR_PARSE, "name: x", 0, "not a hemosim scenario file",
             "hemosim_scenario: 1");

  /* a patient file is not a scenario */
  loaded r = load_as_file("patient.yaml", hs_patient_default_text());
  expect_msg(r.st, &r.err, HS_ERR_PARSE, r.path, "not a hemosim scenario file", NULL);
  assert_null(r.sc);
  loaded_free(&r);

  const char *t3 = "hemosim_scenario: one\n";
  load_fails("verone.yaml", t3, HS_ERR_INVALID, "one", 0, "hemosim_scenario", "\"one\"");
}

static void test_nonexistent_file(void **state) {
  (void)state;
  const char *path = HS_TEST_DATA "/no_such_scenario.yaml";
  hs_scenario *sc = (hs_scenario *)&sc;
  hs_err err = {0};
  hs_status st = hs_scenario_load_file(path, &sc, &err);
  assert_int_equal(st, HS_ERR_IO);
  assert_null(sc);
  assert_non_null(strstr(err.msg, path));
  assert_non_null(strstr(err.msg, "cannot open"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_valid_file),
      cmocka_unit_test(test_event_count_and_duration),
      cmocka_unit_test(test_apply_and_run),
      cmocka_unit_test(test_times_are_relative),
      cmocka_unit_test(test_unknown_parameter_path),
      cmocka_unit_test(test_value_out_of_range),
      cmocka_unit_test(test_negative_time),
      cmocka_unit_test(test_missing_at),
      cmocka_unit_test(test_unknown_field_in_event),
      cmocka_unit_test(test_wrong_structure),
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_nonexistent_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
