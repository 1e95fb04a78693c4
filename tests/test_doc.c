/* test_doc.c - the located YAML/JSON document tree (src/io/doc.c). */
#include "support.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/doc.h"

/* ------------------------------------------------------------------ helpers */

static hs_doc *load_ok(const char *text) {
  hs_doc *doc = NULL;
  hs_err err = {0};
  hs_status st = hs_doc_load_string("t.yaml", text, strlen(text), &doc, &err);
  if (st != HS_OK) print_error("unexpected load error: %s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(doc);
  return doc;
}

/* Load must fail with `code`, a message containing `where` and `what`, and no document. */
static void load_fails(const char *text, hs_status code, const char *where, const char *what) {
  hs_doc *doc = (hs_doc *)&doc; /* must be reset to NULL */
  hs_err err = {0};
  hs_status st = hs_doc_load_string("t.yaml", text, strlen(text), &doc, &err);
  if (st == HS_OK || !strstr(err.msg, where) || !strstr(err.msg, what))
    print_error("input:\n%s\ngot status %d, message: %s\nwanted \"%s\" and \"%s\"\n", text, st,
                err.msg, where, what);
  assert_int_equal(st, code);
  assert_int_equal(err.code, code);
  assert_null(doc);
  assert_non_null(strstr(err.msg, where));
  assert_non_null(strstr(err.msg, what));
}

static void assert_at(const hs_doc_node *n, hs_doc_kind kind, int line, int col) {
  assert_non_null(n);
  assert_int_equal(hs_doc_kind_of(n), kind);
  assert_int_equal(hs_doc_line(n), line);
  assert_int_equal(hs_doc_column(n), col);
}

static void assert_scalar(const hs_doc_node *n, const char *text, int line, int col) {
  assert_at(n, HS_DOC_SCALAR, line, col);
  assert_string_equal(hs_doc_text(n), text);
}

/* Root "v: <text>" loaded; returns the value node and keeps the doc in *doc. */
static const hs_doc_node *value_of(const char *text, hs_doc **doc) {
  *doc = load_ok(text);
  const hs_doc_node *v = hs_doc_get(hs_doc_root(*doc), "v");
  assert_non_null(v);
  return v;
}

/* ------------------------------------------------------------------ structure */

static void test_nested_yaml_locations(void **state) {
  (void)state;
  const char *text = "# patient\n"
                     "name: adult\n"
                     "heart:\n"
                     "  lv:\n"
                     "    ees: 2.5   # mmHg/ml\n"
                     "    label: 'left'\n"
                     "  valves: [mitral, \"aortic\"]\n"
                     "list:\n"
                     "  - 1\n"
                     "  - {x: 2}\n";
  hs_doc *doc = load_ok(text);
  assert_string_equal(hs_doc_name(doc), "t.yaml");
  const hs_doc_node *root = hs_doc_root(doc);
  assert_at(root, HS_DOC_MAP, 2, 1);
  assert_int_equal(hs_doc_size(root), 3);
  assert_scalar(hs_doc_key(root, 0), "name", 2, 1);
  assert_scalar(hs_doc_value(root, 0), "adult", 2, 7);
  assert_scalar(hs_doc_key(root, 2), "list", 8, 1);
  assert_null(hs_doc_key(root, 3));
  assert_null(hs_doc_value(root, 3));
  assert_null(hs_doc_text(root));

  const hs_doc_node *heart = hs_doc_get(root, "heart");
  assert_at(heart, HS_DOC_MAP, 4, 3);
  const hs_doc_node *lv = hs_doc_get(heart, "lv");
  assert_at(lv, HS_DOC_MAP, 5, 5);
  assert_scalar(hs_doc_get(lv, "ees"), "2.5", 5, 10);
  assert_int_equal(hs_doc_quoted(hs_doc_get(lv, "ees")), 0);
  const hs_doc_node *label = hs_doc_get(lv, "label");
  assert_scalar(label, "left", 6, 12); /* column of the opening quote */
  assert_int_equal(hs_doc_quoted(label), 1);
  assert_null(hs_doc_get(lv, "missing"));
  assert_null(hs_doc_get(lv, "ee")); /* no prefix matches */

  const hs_doc_node *valves = hs_doc_get(heart, "valves");
  assert_at(valves, HS_DOC_SEQ, 7, 11);
  assert_int_equal(hs_doc_size(valves), 2);
  assert_scalar(hs_doc_item(valves, 0), "mitral", 7, 12);
  assert_int_equal(hs_doc_quoted(hs_doc_item(valves, 0)), 0);
  assert_scalar(hs_doc_item(valves, 1), "aortic", 7, 20);
  assert_int_equal(hs_doc_quoted(hs_doc_item(valves, 1)), 1);
  assert_null(hs_doc_item(valves, 2));
  assert_null(hs_doc_key(valves, 0)); /* not a mapping */
  assert_null(hs_doc_get(valves, "x"));

  const hs_doc_node *list = hs_doc_get(root, "list");
  assert_at(list, HS_DOC_SEQ, 9, 3);
  assert_scalar(hs_doc_item(list, 0), "1", 9, 5);
  const hs_doc_node *x = hs_doc_item(list, 1);
  assert_at(x, HS_DOC_MAP, 10, 5);
  assert_scalar(hs_doc_get(x, "x"), "2", 10, 9);
  assert_int_equal(hs_doc_size(hs_doc_get(x, "x")), 0); /* scalars have no items */
  assert_null(hs_doc_item(x, 0));                        /* not a sequence */
  hs_doc_free(doc);
  hs_doc_free(NULL); /* no-op */
}

static void test_json_pretty(void **state) {
  (void)state;
  const char *text = "{\n"
                     "\t\"name\": \"adult\",\n"
                     "    \"hr\": 72,\n"
                     "    \"path\": \"a\\/b\\u00e9\",\n"
                     "    \"lv\": {\"ees\": 2.5e0, \"on\": true, \"none\": null},\n"
                     "    \"rates\": [\n"
                     "        1,\n"
                     "        -2.5E+1\n"
                     "    ]\n"
                     "}\n";
  hs_doc *doc = load_ok(text);
  const hs_doc_node *root = hs_doc_root(doc);
  assert_at(root, HS_DOC_MAP, 1, 1);
  assert_int_equal(hs_doc_size(root), 5);
  assert_scalar(hs_doc_key(root, 0), "name", 2, 2); /* after a tab */
  assert_int_equal(hs_doc_quoted(hs_doc_key(root, 0)), 1);
  assert_scalar(hs_doc_get(root, "path"), "a/b\xc3\xa9", 4, 13);

  int hr = 0;
  hs_err err = {0};
  assert_int_equal(hs_doc_integer(doc, hs_doc_get(root, "hr"), "hr", &hr, &err), HS_OK);
  assert_int_equal(hr, 72);

  const hs_doc_node *lv = hs_doc_get(root, "lv");
  assert_at(lv, HS_DOC_MAP, 5, 11);
  double ees = 0;
  assert_int_equal(hs_doc_number(doc, hs_doc_get(lv, "ees"), "ees", &ees, &err), HS_OK);
  assert_near(ees, 2.5, 0);
  int on = 0;
  assert_int_equal(hs_doc_boolean(doc, hs_doc_get(lv, "on"), "on", &on, &err), HS_OK);
  assert_int_equal(on, 1);
  assert_scalar(hs_doc_get(lv, "none"), "null", 5, 46);

  const hs_doc_node *rates = hs_doc_get(root, "rates");
  assert_at(rates, HS_DOC_SEQ, 6, 14);
  assert_int_equal(hs_doc_size(rates), 2);
  double r = 0;
  assert_scalar(hs_doc_item(rates, 1), "-2.5E+1", 8, 9);
  assert_int_equal(hs_doc_number(doc, hs_doc_item(rates, 1), "rate", &r, &err), HS_OK);
  assert_near(r, -25.0, 0);
  hs_doc_free(doc);
}

static void test_json_compact(void **state) {
  (void)state;
  hs_doc *doc = load_ok("{\"a\":1,\"b\":[1,2],\"c\":{\"d\":[]},\"e\":\"x\"}");
  const hs_doc_node *root = hs_doc_root(doc);
  assert_at(root, HS_DOC_MAP, 1, 1);
  assert_int_equal(hs_doc_size(root), 4);
  assert_scalar(hs_doc_key(root, 0), "a", 1, 2);
  assert_scalar(hs_doc_value(root, 0), "1", 1, 6);
  assert_int_equal(hs_doc_quoted(hs_doc_value(root, 0)), 0);
  const hs_doc_node *b = hs_doc_get(root, "b");
  assert_at(b, HS_DOC_SEQ, 1, 12);
  assert_int_equal(hs_doc_size(b), 2);
  assert_scalar(hs_doc_item(b, 0), "1", 1, 13);
  assert_scalar(hs_doc_item(b, 1), "2", 1, 15);
  const hs_doc_node *d = hs_doc_get(hs_doc_get(root, "c"), "d");
  assert_at(d, HS_DOC_SEQ, 1, 27);
  assert_int_equal(hs_doc_size(d), 0);
  assert_null(hs_doc_item(d, 0));
  assert_scalar(hs_doc_get(root, "e"), "x", 1, 35);
  assert_int_equal(hs_doc_quoted(hs_doc_get(root, "e")), 1);
  hs_doc_free(doc);

  /* A top-level JSON array is a valid root too. */
  doc = load_ok("[1,[2,3],{\"k\":\"v\"}]");
  root = hs_doc_root(doc);
  assert_at(root, HS_DOC_SEQ, 1, 1);
  assert_int_equal(hs_doc_size(root), 3);
  assert_at(hs_doc_item(root, 1), HS_DOC_SEQ, 1, 4);
  assert_scalar(hs_doc_get(hs_doc_item(root, 2), "k"), "v", 1, 15);
  hs_doc_free(doc);
}

static void test_text_need_not_be_terminated(void **state) {
  (void)state;
  const char buf[] = {'a', ':', ' ', '1', '2', '3'}; /* no NUL; only "a: 1" is given */
  hs_doc *doc = NULL;
  hs_err err = {0};
  assert_int_equal(hs_doc_load_string("<default patient>", buf, 4, &doc, &err), HS_OK);
  assert_string_equal(hs_doc_name(doc), "<default patient>");
  assert_scalar(hs_doc_get(hs_doc_root(doc), "a"), "1", 1, 4);
  hs_doc_free(doc);
}

static void test_empty_documents(void **state) {
  (void)state;
  const char *empties[] = {"", "# only a comment\n", "\n\n", "---\n", "---\n...\n"};
  for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
    hs_doc *doc = load_ok(empties[i]);
    const hs_doc_node *root = hs_doc_root(doc);
    assert_non_null(root);
    assert_int_equal(hs_doc_kind_of(root), HS_DOC_MAP);
    assert_int_equal(hs_doc_size(root), 0);
    assert_null(hs_doc_get(root, "anything"));
    assert_true(hs_doc_line(root) >= 1);
    assert_true(hs_doc_column(root) >= 1);
    hs_err err = {0};
    assert_int_equal(hs_doc_expect(doc, root, HS_DOC_MAP, "patient", &err), HS_OK);
    hs_doc_free(doc);
  }
  /* NULL text with length 0 is an empty document as well. */
  hs_doc *doc = NULL;
  assert_int_equal(hs_doc_load_string("none", NULL, 0, &doc, NULL), HS_OK);
  assert_int_equal(hs_doc_kind_of(hs_doc_root(doc)), HS_DOC_MAP);
  assert_int_equal(hs_doc_size(hs_doc_root(doc)), 0);
  hs_doc_free(doc);

  /* A quoted empty string is a value, not an empty document. */
  doc = load_ok("''\n");
  assert_scalar(hs_doc_root(doc), "", 1, 1);
  assert_int_equal(hs_doc_quoted(hs_doc_root(doc)), 1);
  hs_doc_free(doc);
}

/* ------------------------------------------------------------------ load errors */

static void test_syntax_errors(void **state) {
  (void)state;
  load_fails("a: [1, 2\nb: 3\n", HS_ERR_PARSE, "t.yaml:2:2: syntax error: ",
             "did not find expected ',' or ']' (while parsing a flow sequence that started at "
             "line 1, column 4)");
  load_fails("a:\n  - b\n c: 1\n", HS_ERR_PARSE, "t.yaml:3:2: ", "did not find expected key");
  load_fails("\"abc", HS_ERR_PARSE, "t.yaml:1:5: ", "while scanning a quoted scalar");
  load_fails("key: value: x\n", HS_ERR_PARSE, "t.yaml:1:11: ",
             "mapping values are not allowed in this context");
  load_fails("{\"a\": 1,\n \"b\" 2}\n", HS_ERR_PARSE, "t.yaml:2:6: ", "syntax error");
  load_fails("[1,,2]", HS_ERR_PARSE, "t.yaml:1:4: ", "did not find expected node content");
  /* Bad encoding is located from libyaml's byte offset. */
  load_fails("a: 1\nb: \"\xff\"\n", HS_ERR_PARSE, "t.yaml:2:5: ",
             "invalid leading UTF-8 octet (byte 0xFF)");
  /* The error record is optional. */
  hs_doc *doc = NULL;
  assert_int_equal(hs_doc_load_string("t.yaml", "[", 1, &doc, NULL), HS_ERR_PARSE);
  assert_null(doc);
}

static void test_duplicate_keys(void **state) {
  (void)state;
  load_fails("a: 1\nb: 2\na: 3\n", HS_ERR_PARSE, "t.yaml:3:1: ",
             "duplicate key \"a\" (first defined at line 1, column 1)");
  load_fails("{\"a\": 1, \"a\": 2}", HS_ERR_PARSE, "t.yaml:1:10: ",
             "duplicate key \"a\" (first defined at line 1, column 2)");
  /* Quoted and plain spellings are the same key. */
  load_fails("lv:\n  ees: 1\n  'ees': 2\n", HS_ERR_PARSE, "t.yaml:3:3: ",
             "duplicate key \"ees\" (first defined at line 2, column 3)");
  /* The earliest repeat in document order is reported. */
  load_fails("b: 1\na: 1\nb: 2\na: 2\n", HS_ERR_PARSE, "t.yaml:3:1: ",
             "duplicate key \"b\" (first defined at line 1, column 1)");
  load_fails("{\"\": 1, \"\": 2}", HS_ERR_PARSE, "t.yaml:1:9: ", "duplicate key \"\"");

  /* A large mapping with one repeat near the end. */
  size_t cap = 200 * 16 + 64;
  char *big = malloc(cap);
  assert_non_null(big);
  size_t n = 0;
  for (int i = 0; i < 200; i++) n += (size_t)snprintf(big + n, cap - n, "k%d: %d\n", i, i);
  snprintf(big + n, cap - n, "k42: again\n");
  load_fails(big, HS_ERR_PARSE, "t.yaml:201:1: ",
             "duplicate key \"k42\" (first defined at line 43, column 1)");
  free(big);

  /* The same key in different mappings is fine. */
  hs_doc *doc = load_ok("a: {x: 1}\nb: {x: 2}\nc: [{x: 1}, {x: 2}]\n");
  assert_scalar(hs_doc_get(hs_doc_get(hs_doc_root(doc), "b"), "x"), "2", 2, 8);
  hs_doc_free(doc);
}

static void test_non_scalar_keys(void **state) {
  (void)state;
  load_fails("? [a, b]\n: 1\n", HS_ERR_PARSE, "t.yaml:1:3: ",
             "mapping keys must be scalars (got a sequence)");
  load_fails("x: 0\n? {a: 1}\n: 1\n", HS_ERR_PARSE, "t.yaml:2:3: ",
             "mapping keys must be scalars (got a mapping)");
  load_fails("{[a]: 1}", HS_ERR_PARSE, "t.yaml:1:2: ",
             "mapping keys must be scalars (got a sequence)");
  /* Containers as values are of course fine. */
  hs_doc *doc = load_ok("{a: [1]}");
  assert_at(hs_doc_get(hs_doc_root(doc), "a"), HS_DOC_SEQ, 1, 5);
  hs_doc_free(doc);
}

static void test_anchors_and_aliases(void **state) {
  (void)state;
  load_fails("a: &x 1\nb: *x\n", HS_ERR_PARSE, "t.yaml:1:4: ",
             "anchors are not supported (&x)");
  load_fails("base: &common\n  ees: 1\nlv: *common\n", HS_ERR_PARSE, "t.yaml:1:7: ",
             "anchors are not supported (&common)");
  load_fails("- &s [1]\n", HS_ERR_PARSE, "t.yaml:1:3: ", "anchors are not supported (&s)");
  load_fails("a: 1\nb: *x\n", HS_ERR_PARSE, "t.yaml:2:4: ", "aliases are not supported (*x)");
  load_fails("a: 1\n*k : 2\n", HS_ERR_PARSE, "t.yaml:2:1: ", "aliases are not supported (*k)");
}

static void test_multiple_documents(void **state) {
  (void)state;
  load_fails("a: 1\n---\nb: 2\n", HS_ERR_PARSE, "t.yaml:2:1: ", "more than one document");
  load_fails("--- 1\n--- 2\n", HS_ERR_PARSE, "t.yaml:2:1: ", "more than one document");
  /* An explicit end marker with nothing after it is still one document. */
  hs_doc *doc = load_ok("---\na: 1\n...\n");
  assert_scalar(hs_doc_get(hs_doc_root(doc), "a"), "1", 2, 4);
  hs_doc_free(doc);
}

/* ------------------------------------------------------------------ files */

static void test_load_file(void **state) {
  (void)state;
  char *path = hs_test_write_temp("doc_ok.yaml", "lv:\n  ees: 2.5\n  v0: abc\n");
  assert_non_null(path);
  hs_doc *doc = NULL;
  hs_err err = {0};
  assert_int_equal(hs_doc_load_file(path, &doc, &err), HS_OK);
  assert_string_equal(hs_doc_name(doc), path);
  const hs_doc_node *lv = hs_doc_get(hs_doc_root(doc), "lv");
  double v = 0;
  assert_int_equal(hs_doc_number(doc, hs_doc_get(lv, "ees"), "ees", &v, &err), HS_OK);
  assert_near(v, 2.5, 0);
  assert_int_equal(hs_doc_number(doc, hs_doc_get(lv, "v0"), "node 'lv' field 'v0'", &v, &err),
                   HS_ERR_INVALID);
  char want[1024];
  snprintf(want, sizeof want, "%s:3:7: node 'lv' field 'v0': expected a number, got \"abc\"",
           path);
  assert_string_equal(err.msg, want);
  hs_doc_free(doc);
  unlink(path);
  free(path);

  /* Errors in a file are located with the file's path. */
  path = hs_test_write_temp("doc_bad.json", "{\n  \"a\": 1,\n  \"a\": 2\n}\n");
  assert_non_null(path);
  doc = (hs_doc *)&doc;
  assert_int_equal(hs_doc_load_file(path, &doc, &err), HS_ERR_PARSE);
  assert_null(doc);
  snprintf(want, sizeof want, "%s:3:3: duplicate key \"a\"", path);
  assert_non_null(strstr(err.msg, want));
  unlink(path);
  free(path);
}

static void test_missing_file(void **state) {
  (void)state;
  const char *path = "/nonexistent-hemosim-dir/patient.yaml";
  hs_doc *doc = (hs_doc *)&doc;
  hs_err err = {0};
  assert_int_equal(hs_doc_load_file(path, &doc, &err), HS_ERR_IO);
  assert_int_equal(err.code, HS_ERR_IO);
  assert_null(doc);
  assert_non_null(strstr(err.msg, path));
  assert_non_null(strstr(err.msg, strerror(ENOENT)));

  /* A directory (or device, or pipe) is refused before reading: only regular files. */
  doc = NULL;
  assert_int_equal(hs_doc_load_file("/", &doc, &err), HS_ERR_IO);
  assert_null(doc);
  assert_non_null(strstr(err.msg, "not a regular file"));
}

/* ------------------------------------------------------------------ typed reads */

static void test_number_accepts(void **state) {
  (void)state;
  static const struct {
    const char *text;
    double value;
  } ok[] = {{"0", 0},        {"42", 42},     {"-0.5", -0.5},     {"+2.5E-3", 2.5e-3},
            {"1e3", 1000},   {".5", 0.5},    {"5.", 5},          {"-12.25e+2", -1225},
            {"007", 7},      {"1e-400", 0}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char text[64];
    snprintf(text, sizeof text, "v: %s\n", ok[i].text);
    hs_doc *doc;
    const hs_doc_node *v = value_of(text, &doc);
    double d = -999;
    hs_err err = {0};
    if (hs_doc_number(doc, v, "v", &d, &err) != HS_OK) print_error("%s: %s\n", text, err.msg);
    assert_int_equal(hs_doc_number(doc, v, "v", &d, &err), HS_OK);
    assert_near(d, ok[i].value, 1e-12);
    hs_doc_free(doc);
  }
}

static void test_number_rejects(void **state) {
  (void)state;
  static const struct {
    const char *yaml; /* the value after "v: " */
    const char *got;  /* how the message shows it */
  } bad[] = {
      {"", "an empty value"},
      {"abc", "\"abc\""},
      {"1.5x", "\"1.5x\""},
      {".inf", "\".inf\""},
      {"-.inf", "\"-.inf\""},
      {".nan", "\".nan\""},
      {"nan", "\"nan\""},
      {"inf", "\"inf\""},
      {"infinity", "\"infinity\""},
      {"0x10", "\"0x10\""},
      {"0x1p3", "\"0x1p3\""},
      {"1_000", "\"1_000\""},
      {"1e", "\"1e\""},
      {"+", "\"+\""},
      {"-.", "\"-.\""},
      {".", "\".\""},
      {"1 2", "\"1 2\""},
      {"\"1.5\"", "quoted string \"1.5\""},
      {"'2'", "quoted string \"2\""},
      {"\"\"", "quoted string \"\""},
      {"|\n  3\n", "block scalar \"3\\x0a\""},
      {"[1]", "a sequence"},
      {"{a: 1}", "a mapping"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[64], want[256];
    snprintf(text, sizeof text, "v: %s\n", bad[i].yaml);
    hs_doc *doc;
    const hs_doc_node *v = value_of(text, &doc);
    double d = 123;
    hs_err err = {0};
    hs_status st = hs_doc_number(doc, v, "node 'lv' field 'ees'", &d, &err);
    snprintf(want, sizeof want, "t.yaml:%d:%d: node 'lv' field 'ees': expected a number, got %s",
             hs_doc_line(v), hs_doc_column(v), bad[i].got);
    if (st != HS_ERR_INVALID || strcmp(err.msg, want) != 0)
      print_error("input %s -> status %d, message: %s\n", text, st, err.msg);
    assert_int_equal(st, HS_ERR_INVALID);
    assert_string_equal(err.msg, want);
    assert_near(d, 123, 0); /* untouched on error */
    hs_doc_free(doc);
  }

  /* The message example from the header, with exact location. */
  hs_doc *doc = load_ok("# patient\nlv:\n  ees: abc\n");
  const hs_doc_node *ees = hs_doc_get(hs_doc_get(hs_doc_root(doc), "lv"), "ees");
  double d;
  hs_err err = {0};
  assert_int_equal(hs_doc_number(doc, ees, "node 'lv' field 'ees'", &d, &err), HS_ERR_INVALID);
  assert_string_equal(err.msg, "t.yaml:3:8: node 'lv' field 'ees': expected a number, got \"abc\"");
  /* Absent node, and a missing error record. */
  assert_int_equal(hs_doc_number(doc, NULL, "field 'x'", &d, &err), HS_ERR_INVALID);
  assert_string_equal(err.msg, "t.yaml: field 'x' is missing");
  assert_int_equal(hs_doc_number(doc, ees, "ees", &d, NULL), HS_ERR_INVALID);
  hs_doc_free(doc);

  /* Overflow to infinity is a range error. */
  doc = load_ok("v: 1e999\n");
  assert_int_equal(hs_doc_number(doc, hs_doc_get(hs_doc_root(doc), "v"), "v", &d, &err),
                   HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "t.yaml:1:4: v: number \"1e999\" is too large"));
  hs_doc_free(doc);
}

static void test_long_text_in_messages_is_truncated(void **state) {
  (void)state;
  char text[400];
  memcpy(text, "v: ", 3);
  memset(text + 3, 'z', 300);
  text[303] = '\0';
  hs_doc *doc;
  const hs_doc_node *v = value_of(text, &doc);
  double d;
  hs_err err = {0};
  assert_int_equal(hs_doc_number(doc, v, "v", &d, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "t.yaml:1:4: v: expected a number, got \"zzzz"));
  assert_non_null(strstr(err.msg, "zzz...\""));
  assert_true(strlen(err.msg) < 150);
  hs_doc_free(doc);
}

static void test_integer(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int value;
  } ok[] = {{"42", 42},
            {"-7", -7},
            {"0", 0},
            {"1e3", 1000},
            {"4.0", 4},
            {"2147483647", INT_MAX},
            {"-2147483648", INT_MIN}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char text[64];
    snprintf(text, sizeof text, "v: %s\n", ok[i].text);
    hs_doc *doc;
    const hs_doc_node *v = value_of(text, &doc);
    int n = -1;
    hs_err err = {0};
    assert_int_equal(hs_doc_integer(doc, v, "v", &n, &err), HS_OK);
    assert_int_equal(n, ok[i].value);
    hs_doc_free(doc);
  }

  static const struct {
    const char *text;
    hs_status code;
    const char *msg;
  } bad[] = {
      {"1.5", HS_ERR_INVALID, "t.yaml:1:4: beats: expected a whole number, got \"1.5\""},
      {"abc", HS_ERR_INVALID, "t.yaml:1:4: beats: expected a number, got \"abc\""},
      {"'3'", HS_ERR_INVALID, "t.yaml:1:4: beats: expected a number, got quoted string \"3\""},
      {"2147483648", HS_ERR_RANGE, "t.yaml:1:4: beats: integer \"2147483648\" is out of range"},
      {"-2147483649", HS_ERR_RANGE, "t.yaml:1:4: beats: integer \"-2147483649\" is out of range"},
      {"1e10", HS_ERR_RANGE, "t.yaml:1:4: beats: integer \"1e10\" is out of range"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[64];
    snprintf(text, sizeof text, "v: %s\n", bad[i].text);
    hs_doc *doc;
    const hs_doc_node *v = value_of(text, &doc);
    int n = -1;
    hs_err err = {0};
    assert_int_equal(hs_doc_integer(doc, v, "beats", &n, &err), bad[i].code);
    if (!strstr(err.msg, bad[i].msg)) print_error("%s -> %s\n", text, err.msg);
    assert_non_null(strstr(err.msg, bad[i].msg));
    assert_int_equal(n, -1);
    hs_doc_free(doc);
  }
}

static void test_boolean(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int value;
  } ok[] = {{"true", 1}, {"True", 1}, {"TRUE", 1}, {"yes", 1}, {"Yes", 1}, {"on", 1},
            {"ON", 1},   {"false", 0}, {"False", 0}, {"no", 0}, {"NO", 0},  {"off", 0},
            {"Off", 0}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char text[64];
    snprintf(text, sizeof text, "v: %s\n", ok[i].text);
    hs_doc *doc;
    const hs_doc_node *v = value_of(text, &doc);
    int b = -1;
    hs_err err = {0};
    assert_int_equal(hs_doc_boolean(doc, v, "v", &b, &err), HS_OK);
    assert_int_equal(b, ok[i].value);
    hs_doc_free(doc);
  }

  static const struct {
    const char *text;
    const char *got;
  } bad[] = {{"1", "\"1\""},
             {"0", "\"0\""},
             {"y", "\"y\""},
             {"truex", "\"truex\""},
             {"", "an empty value"},
             {"\"true\"", "quoted string \"true\""},
             {"[true]", "a sequence"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[64], want[256];
    snprintf(text, sizeof text, "v: %s\n", bad[i].text);
    hs_doc *doc;
    const hs_doc_node *v = value_of(text, &doc);
    assert_int_equal(hs_doc_line(v), 1);
    snprintf(want, sizeof want,
             "t.yaml:1:%d: option 'x': expected true or false (or yes/no, on/off), got %s",
             hs_doc_column(v), bad[i].got);
    int b = -1;
    hs_err err = {0};
    assert_int_equal(hs_doc_boolean(doc, v, "option 'x'", &b, &err), HS_ERR_INVALID);
    assert_string_equal(err.msg, want);
    assert_int_equal(b, -1);
    hs_doc_free(doc);
  }
}

static void test_string(void **state) {
  (void)state;
  hs_doc *doc = load_ok("a: plain text\nb: \"quoted: yes\"\nc: [1]\nd:\n");
  const hs_doc_node *root = hs_doc_root(doc);
  const char *s = NULL;
  hs_err err = {0};
  assert_int_equal(hs_doc_string(doc, hs_doc_get(root, "a"), "a", &s, &err), HS_OK);
  assert_string_equal(s, "plain text");
  assert_int_equal(hs_doc_string(doc, hs_doc_get(root, "b"), "b", &s, &err), HS_OK);
  assert_string_equal(s, "quoted: yes");
  assert_int_equal(hs_doc_string(doc, hs_doc_get(root, "d"), "d", &s, &err), HS_OK);
  assert_string_equal(s, "");
  assert_int_equal(hs_doc_string(doc, hs_doc_get(root, "c"), "name", &s, &err), HS_ERR_INVALID);
  assert_string_equal(err.msg, "t.yaml:3:4: name: expected a string, got a sequence");
  hs_doc_free(doc);
}

static void test_expect_and_fail(void **state) {
  (void)state;
  hs_doc *doc = load_ok("elements:\n  - a\n  - b\nname: x\nlv: {}\n");
  const hs_doc_node *root = hs_doc_root(doc);
  hs_err err = {0};
  const hs_doc_node *els = hs_doc_get(root, "elements");
  assert_int_equal(hs_doc_expect(doc, els, HS_DOC_SEQ, "elements", &err), HS_OK);
  assert_int_equal(hs_doc_expect(doc, els, HS_DOC_MAP, "elements", &err), HS_ERR_INVALID);
  assert_string_equal(err.msg, "t.yaml:2:3: elements must be a mapping (got a sequence)");
  assert_int_equal(hs_doc_expect(doc, hs_doc_get(root, "name"), HS_DOC_SEQ, "name", &err),
                   HS_ERR_INVALID);
  assert_string_equal(err.msg, "t.yaml:4:7: name must be a sequence (got the scalar \"x\")");
  assert_int_equal(hs_doc_expect(doc, hs_doc_get(root, "lv"), HS_DOC_SCALAR, "lv", &err),
                   HS_ERR_INVALID);
  assert_string_equal(err.msg, "t.yaml:5:5: lv must be a scalar (got a mapping)");
  assert_int_equal(hs_doc_expect(doc, hs_doc_get(root, "rv"), HS_DOC_MAP, "rv", &err),
                   HS_ERR_INVALID);
  assert_string_equal(err.msg, "t.yaml: rv is missing");

  /* hs_doc_fail: located with a node, name only without one; returns the code. */
  assert_int_equal(hs_doc_fail(doc, hs_doc_item(els, 1), &err, HS_ERR_UNKNOWN,
                               "unknown element '%s'", hs_doc_text(hs_doc_item(els, 1))),
                   HS_ERR_UNKNOWN);
  assert_int_equal(err.code, HS_ERR_UNKNOWN);
  assert_string_equal(err.msg, "t.yaml:3:5: unknown element 'b'");
  assert_int_equal(hs_doc_fail(doc, NULL, &err, HS_ERR_MODEL, "no heart (%d chambers)", 0),
                   HS_ERR_MODEL);
  assert_string_equal(err.msg, "t.yaml: no heart (0 chambers)");
  assert_int_equal(hs_doc_fail(doc, root, NULL, HS_ERR_RANGE, "ignored"), HS_ERR_RANGE);
  hs_doc_free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nested_yaml_locations),
      cmocka_unit_test(test_json_pretty),
      cmocka_unit_test(test_json_compact),
      cmocka_unit_test(test_text_need_not_be_terminated),
      cmocka_unit_test(test_empty_documents),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_non_scalar_keys),
      cmocka_unit_test(test_anchors_and_aliases),
      cmocka_unit_test(test_multiple_documents),
      cmocka_unit_test(test_load_file),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_number_accepts),
      cmocka_unit_test(test_number_rejects),
      cmocka_unit_test(test_long_text_in_messages_is_truncated),
      cmocka_unit_test(test_integer),
      cmocka_unit_test(test_boolean),
      cmocka_unit_test(test_string),
      cmocka_unit_test(test_expect_and_fail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
