/*
 * test_input.c - every input file is read one way (hemosim/input.h): regular files
 * only, a size cap, no NUL byte; the strategies file parsed by the library with
 * file:line; percentages by one rule (a bare 0.6 for a percent is ambiguous) in
 * targets, measurements and cohort bounds on *_pct metrics.
 *
 * Each test arms alarm(): a reader that blocks on a device or pipe (the defect these
 * tests guard against) fails the test within seconds instead of hanging CI.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"
#include "hemosim/hemosim.h"

#define HAS(msg, needle)                                                                   \
  do {                                                                                     \
    if (!strstr((msg), (needle))) fail_msg("expected '%s' in: %s", (needle), (msg));        \
  } while (0)

static int setup(void **state) {
  (void)state;
  alarm(20); /* a blocking reader would otherwise hang the suite */
  return 0;
}

static int teardown(void **state) {
  (void)state;
  alarm(0);
  return 0;
}

/* a file with exactly these bytes (may hold NUL) */
static char *write_bytes(const char *name, const char *bytes, size_t n) {
  char *path = hs_test_write_temp(name, "");
  assert_non_null(path);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, n, f), n);
  fclose(f);
  return path;
}

static void test_read_regular_only(void **state) {
  (void)state;
  char *text = (char *)&text;
  size_t len = 7;
  hs_err err = {0};
  assert_int_equal(hs_input_read("/dev/zero", 0, &text, &len, &err), HS_ERR_IO);
  assert_null(text);
  HAS(err.msg, "/dev/zero: not a regular file");
  assert_int_equal(hs_input_read("/", 0, &text, &len, &err), HS_ERR_IO);
  /* a FIFO: opening it for reading would block until a writer comes */
  char *fifo = hs_test_write_temp("fifo", "");
  unlink(fifo);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_int_equal(hs_input_read(fifo, 0, &text, &len, &err), HS_ERR_IO);
  HAS(err.msg, "not a regular file");
  unlink(fifo);
  free(fifo);
  assert_int_equal(hs_input_read("/nonexistent-hemosim/x.yaml", 0, &text, &len, &err), HS_ERR_IO);
  HAS(err.msg, "/nonexistent-hemosim/x.yaml: cannot open");
}

static void test_read_cap_and_nul(void **state) {
  (void)state;
  char *text = NULL;
  size_t len = 0;
  hs_err err = {0};
  char *p = write_bytes("ok.txt", "a\nbc\n", 5);
  assert_int_equal(hs_input_read(p, 0, &text, &len, &err), HS_OK);
  assert_int_equal(len, 5);
  assert_string_equal(text, "a\nbc\n");
  free(text);
  /* size cap: exactly at the cap is fine, one byte more is not */
  assert_int_equal(hs_input_read(p, 5, &text, &len, &err), HS_OK);
  free(text);
  assert_int_equal(hs_input_read(p, 4, &text, &len, &err), HS_ERR_RANGE);
  HAS(err.msg, "larger than");
  assert_null(text);
  unlink(p);
  free(p);
  /* a NUL byte is named with its line and column */
  p = write_bytes("nul.txt", "line one\nab\0cd\n", 15);
  assert_int_equal(hs_input_read(p, 0, &text, &len, &err), HS_ERR_PARSE);
  assert_null(text);
  HAS(err.msg, "nul.txt:2: a NUL byte (column 3)");
  /* the YAML loader reads through it too */
  hs_model *m = NULL;
  assert_int_not_equal(hs_patient_load_file(p, &m, &err), HS_OK);
  HAS(err.msg, "nul.txt:2: a NUL byte");
  unlink(p);
  free(p);
  /* an empty file is an empty text, not an error */
  p = write_bytes("empty.txt", "", 0);
  assert_int_equal(hs_input_read(p, 0, &text, &len, &err), HS_OK);
  assert_int_equal(len, 0);
  assert_string_equal(text, "");
  free(text);
  unlink(p);
  free(p);
}

static void test_lines(void **state) {
  (void)state;
  /* a 10,000-character line comes back whole; CRLF and a last line without newline */
  size_t n = 10000;
  char *t = malloc(n + 32);
  assert_non_null(t);
  memset(t, 'x', n);
  memcpy(t + n, "\r\nsecond\n\nlast", 15);
  size_t len = n + 14, pos = 0, k;
  const char *line;
  assert_int_equal(hs_input_line(t, len, &pos, &line), n);
  assert_ptr_equal(line, t);
  k = hs_input_line(t, len, &pos, &line);
  assert_int_equal(k, 6);
  assert_memory_equal(line, "second", 6);
  assert_int_equal(hs_input_line(t, len, &pos, &line), 0);
  k = hs_input_line(t, len, &pos, &line);
  assert_int_equal(k, 4);
  assert_memory_equal(line, "last", 4);
  assert_int_equal(hs_input_line(t, len, &pos, &line), (size_t)-1);
  free(t);
}

static void test_strategies_file(void **state) {
  (void)state;
  char **list = NULL;
  size_t n = 0;
  hs_err err = {0};
  const char good[] = "# unloading\n  ecmo+impella_cp:P6  # comment\r\n\necmo:3.5+iabp:1:1\n";
  assert_int_equal(hs_strategies_parse("s.txt", good, sizeof good - 1, &list, &n, &err), HS_OK);
  assert_int_equal(n, 2);
  assert_string_equal(list[0], "ecmo+impella_cp:P6");
  assert_string_equal(list[1], "ecmo:3.5+iabp:1:1");
  assert_null(list[2]);
  hs_strategy_list_free(list);
  list = NULL;
  n = 0;
  /* the line of an error, not a silent cut at a NUL byte */
  const char nul[] = "ecmo\necmo+impella_cp:P6\0junk\n";
  assert_int_equal(hs_strategies_parse("s.txt", nul, sizeof nul - 1, &list, &n, &err),
                   HS_ERR_PARSE);
  HAS(err.msg, "s.txt:2: a NUL byte (column 19)");
  hs_strategy_list_free(list);
  list = NULL;
  n = 0;
  const char bad[] = "ecmo\n\necmo+warp_drive\n";
  assert_int_not_equal(hs_strategies_parse("s.txt", bad, sizeof bad - 1, &list, &n, &err), HS_OK);
  HAS(err.msg, "s.txt:3: strategy 'ecmo+warp_drive': unknown part 'warp_drive'");
  hs_strategy_list_free(list);
  list = NULL;
  n = 0;
  /* a long line is one line (line 1), reported as too long, never split into two */
  char longline[700] = "ecmo";
  while (strlen(longline) < 600) strcat(longline, "+iabp");
  strcat(longline, "\necmo\n");
  assert_int_not_equal(hs_strategies_parse("s.txt", longline, strlen(longline), &list, &n, &err),
                       HS_OK);
  HAS(err.msg, "s.txt:1: strategy");
  HAS(err.msg, "too long");
  hs_strategy_list_free(list);
  list = NULL;
  n = 0;
  /* from a file: devices refused, a NUL located */
  assert_int_equal(hs_strategies_load("/dev/zero", &list, &n, &err), HS_ERR_IO);
  HAS(err.msg, "not a regular file");
  char *p = write_bytes("strategies.txt", nul, sizeof nul - 1);
  assert_int_equal(hs_strategies_load(p, &list, &n, &err), HS_ERR_PARSE);
  HAS(err.msg, "strategies.txt:2: a NUL byte");
  unlink(p);
  free(p);
  p = write_bytes("strategies2.txt", good, sizeof good - 1);
  assert_int_equal(hs_strategies_load(p, &list, &n, &err), HS_OK);
  assert_int_equal(n, 2);
  unlink(p);
  free(p);
  /* a file without a strategy (empty, or comments only) is an error, not "every
     strategy"; one given after another file is still read as empty */
  const char *const none[] = {"", "# nothing yet\n\n   \n"};
  for (int i = 0; i < 2; i++) {
    p = write_bytes("strategies3.txt", none[i], strlen(none[i]));
    assert_int_equal(hs_strategies_load(p, &list, &n, &err), HS_ERR_INVALID);
    HAS(err.msg, "strategies3.txt: no strategy in the file");
    assert_int_equal(n, 2);
    unlink(p);
    free(p);
  }
  hs_strategy_list_free(list);
}

static void test_percent_rule(void **state) {
  (void)state;
  double x = -1;
  hs_err err = {0};
  assert_int_equal(hs_percent_parse("0.6", &x, &err), HS_ERR_INVALID);
  HAS(err.msg, "ambiguous");
  HAS(err.msg, "write \"60 %\"");
  assert_int_equal(hs_percent_parse("1", &x, &err), HS_ERR_INVALID);
  assert_int_equal(hs_percent_parse("60", &x, &err), HS_OK);
  assert_near(x, 60, 0);
  assert_int_equal(hs_percent_parse("60 %", &x, &err), HS_OK);
  assert_near(x, 60, 0);
  assert_int_equal(hs_percent_parse("0.6 %", &x, &err), HS_OK);
  assert_near(x, 0.6, 1e-15);
  assert_int_equal(hs_percent_parse("0", &x, &err), HS_OK);
  assert_near(x, 0, 0);
  assert_int_equal(hs_percent_parse("60 mmHg", &x, &err), HS_ERR_INVALID);

  /* compare's targets: --target svo2_min=0.6 and a targets file */
  hs_targets t;
  hs_targets_default(&t);
  assert_int_not_equal(hs_targets_set(&t, "svo2_min", "0.6", &err), HS_OK);
  HAS(err.msg, "svo2_min");
  HAS(err.msg, "write \"60 %\"");
  assert_near(t.svo2_min_pct, 60, 0); /* unchanged */
  assert_int_equal(hs_targets_set(&t, "svo2_min", "65 %", &err), HS_OK);
  assert_near(t.svo2_min_pct, 65, 0);
  char *p = hs_test_write_temp("targets.yaml", "hemosim_targets: 1\nsvo2_min: 0.6\n");
  assert_int_not_equal(hs_targets_load(p, &t, NULL, NULL, &err), HS_OK);
  HAS(err.msg, "targets.yaml:2:11");
  HAS(err.msg, "ambiguous");
  unlink(p);
  free(p);
}

static hs_status cohort_text(const char *text, hs_cohort **c, hs_err *err) {
  *c = NULL;
  return hs_cohort_load_string("study.yaml", text, strlen(text), HS_SOURCE_DIR, c, err);
}

static void test_cohort_inputs(void **state) {
  (void)state;
  hs_cohort *c = NULL;
  hs_err err = {0};
  /* the base patient and a table on a device fail at once (they used to read forever) */
  assert_int_not_equal(cohort_text("hemosim_cohort: 1\npatient: /dev/zero\n"
                                   "population: {size: 2, parameters: {lv.ees: "
                                   "{dist: uniform, min: 1, max: 2}}}\n",
                                   &c, &err),
                       HS_OK);
  HAS(err.msg, "not a regular file");
  assert_int_not_equal(cohort_text("hemosim_cohort: 1\npopulation: {design: table, table: /dev/zero}\n", &c, &err),
                       HS_OK);
  HAS(err.msg, "population.table");
  HAS(err.msg, "not a regular file");
  assert_int_equal(hs_cohort_load_file("/dev/zero", &c, &err), HS_ERR_IO);
  HAS(err.msg, "not a regular file");
  /* a NUL in the table is located, lines are not cut there */
  char *p = write_bytes("table.csv", "lv.ees\n1.0 mmHg/mL\n1.2\0 mmHg/mL\n", 31);
  char study[512];
  snprintf(study, sizeof study, "hemosim_cohort: 1\npopulation: {design: table, table: %s}\n", p);
  assert_int_not_equal(cohort_text(study, &c, &err), HS_OK);
  HAS(err.msg, "table.csv:3: a NUL byte");
  unlink(p);
  free(p);

  /* bounds on a *_pct metric follow the percent rule */
  static const char head[] = "hemosim_cohort: 1\npopulation: {size: 2, parameters: {lv.ees: "
                             "{dist: uniform, min: 1, max: 2}}}\nprotocol: {run: 0.5 s}\n"
                             "outputs: [lvef_pct]\n";
  snprintf(study, sizeof study, "%sacceptance: {lvef_pct: {max: 0.4}}\n", head);
  assert_int_not_equal(cohort_text(study, &c, &err), HS_OK);
  HAS(err.msg, "acceptance.lvef_pct.max");
  HAS(err.msg, "write \"40 %\"");
  snprintf(study, sizeof study, "%stargets: {lvef_pct: {min: 0.3}}\n", head);
  assert_int_not_equal(cohort_text(study, &c, &err), HS_OK);
  HAS(err.msg, "targets.lvef_pct.min");
  snprintf(study, sizeof study, "%sacceptance: {lvef_pct: {max: 40 %%}}\n", head);
  assert_int_equal(cohort_text(study, &c, &err), HS_OK);
  hs_cohort_free(c);
  snprintf(study, sizeof study, "%sacceptance: {lvef_pct: {max: 40}}\n", head);
  assert_int_equal(cohort_text(study, &c, &err), HS_OK);
  hs_cohort_free(c);
}

static void test_other_readers(void **state) {
  (void)state;
  hs_err err = {0};
  hs_golden *g = NULL;
  assert_int_not_equal(hs_golden_load("/dev/zero", &g, &err), HS_OK);
  HAS(err.msg, "not a regular file");
  hs_targets t;
  hs_targets_default(&t);
  assert_int_equal(hs_targets_load("/dev/zero", &t, NULL, NULL, &err), HS_ERR_IO);
  hs_scenario *sc = NULL;
  assert_int_equal(hs_scenario_load_file("/dev/zero", &sc, &err), HS_ERR_IO);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_read_regular_only, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_cap_and_nul, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
      cmocka_unit_test_setup_teardown(test_strategies_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_percent_rule, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cohort_inputs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_other_readers, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
