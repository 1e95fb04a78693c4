/* test_patient.c - patient files to models (src/io/patient.c).
 *
 * The bad-input tests start from the bundled default text with one targeted
 * replacement (or from a minimal file), write it to a temporary file, load it
 * and check the status code and that the message names the file, the exact
 * line:column of the offending node (found by searching the modified text),
 * the block, the field, the value and, where there is one, the allowed range.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/model.h"
#include "hemosim/patient.h"
#include "io/doc.h"

/* ------------------------------------------------------------------ helpers */

/* text with the single occurrence of `from` replaced by `to` (fails if not exactly once). */
static char *replace_once(const char *text, const char *from, const char *to) {
  const char *at = strstr(text, from);
  if (!at) print_error("replace_once: \"%s\" not found\n", from);
  assert_non_null(at);
  if (strstr(at + 1, from)) print_error("replace_once: \"%s\" occurs more than once\n", from);
  assert_null(strstr(at + 1, from));
  size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
  char *out = malloc(n);
  assert_non_null(out);
  size_t head = (size_t)(at - text);
  memcpy(out, text, head);
  strcpy(out + head, to);
  strcat(out, at + strlen(from));
  return out;
}

/* Replace every occurrence; returns the number of replacements in *count. */
static char *replace_all(const char *text, const char *from, const char *to, int *count) {
  char *cur = malloc(strlen(text) + 1);
  assert_non_null(cur);
  strcpy(cur, text);
  int n = 0;
  size_t pos = 0;
  for (;;) {
    char *at = strstr(cur + pos, from);
    if (!at) break;
    size_t head = (size_t)(at - cur);
    char *next = malloc(strlen(cur) - strlen(from) + strlen(to) + 1);
    assert_non_null(next);
    memcpy(next, cur, head);
    strcpy(next + head, to);
    strcat(next, at + strlen(from));
    free(cur);
    cur = next;
    pos = head + strlen(to);
    n++;
  }
  if (count) *count = n;
  return cur;
}

/*
 * "<file>:<line>:<col>: " for the character `skip` bytes into the single
 * occurrence of `needle` in text (1-based line and column, as libyaml counts
 * them for ASCII text).
 */
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

/* Line (1-based) of the single occurrence of needle. */
static int line_of(const char *text, const char *needle) {
  const char *at = strstr(text, needle);
  assert_non_null(at);
  int line = 1;
  for (const char *p = text; p < at; p++) line += *p == '\n';
  return line;
}

static int col_of(const char *text, const char *needle) {
  const char *at = strstr(text, needle);
  assert_non_null(at);
  const char *bol = at;
  while (bol > text && bol[-1] != '\n') bol--;
  return (int)(at - bol) + 1;
}

typedef struct loaded {
  char *path;
  hs_status st;
  hs_err err;
  hs_model *m;
} loaded;

/* Write text to a temporary file named `name` and load it as a patient. */
static loaded load_as_file(const char *name, const char *text) {
  loaded r;
  memset(&r, 0, sizeof r);
  r.path = hs_test_write_temp(name, text);
  assert_non_null(r.path);
  r.m = (hs_model *)&r; /* must be reset */
  r.st = hs_patient_load_file(r.path, &r.m, &r.err);
  unlink(r.path);
  return r;
}

static void loaded_free(loaded *r) {
  hs_model_free(r->m);
  free(r->path);
}

/* The load failed with `code`; the message starts with `prefix` (may be NULL)
   and contains every one of the NULL-terminated strings that follow. */
static void expect_fail(loaded *r, hs_status code, const char *prefix, ...) {
  int ok = r->st == code && r->err.code == code && r->m == NULL;
  if (prefix && strncmp(r->err.msg, prefix, strlen(prefix)) != 0) ok = 0;
  va_list ap;
  va_start(ap, prefix);
  const char *missing = NULL;
  for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
    if (!strstr(r->err.msg, s) && !missing) missing = s;
  va_end(ap);
  if (missing) ok = 0;
  if (!ok)
    print_error("status %d (wanted %d)\nmessage: %s\nwanted prefix \"%s\"%s%s%s\n", r->st, code,
                r->err.msg, prefix ? prefix : "", missing ? " and \"" : "",
                missing ? missing : "", missing ? "\"" : "");
  assert_int_equal(r->st, code);
  assert_int_equal(r->err.code, code);
  assert_null(r->m);
  if (prefix) assert_int_equal(strncmp(r->err.msg, prefix, strlen(prefix)), 0);
  assert_null(missing);
}

/* Default text with one replacement, loaded from a file. */
static loaded load_modified(const char *name, const char *from, const char *to, char **text) {
  *text = replace_once(hs_patient_default_text(), from, to);
  return load_as_file(name, *text);
}

static double get(const hs_model *m, const char *path) {
  double v = NAN;
  hs_err err = {0};
  hs_status st = hs_model_get(m, path, &v, &err);
  if (st != HS_OK) print_error("%s: %s\n", path, err.msg);
  assert_int_equal(st, HS_OK);
  return v;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) print_error("cannot open %s\n", path);
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Every block, type and parameter of a equals b's. */
static void assert_models_equal(const hs_model *a, const hs_model *b) {
  assert_int_equal(hs_model_block_count(a), hs_model_block_count(b));
  for (size_t i = 0; i < hs_model_block_count(a); i++) {
    assert_string_equal(hs_model_block_name(a, i), hs_model_block_name(b, i));
    const hs_block_type *t = hs_model_block_type(a, i);
    assert_ptr_equal(t, hs_model_block_type(b, i));
    for (int k = 0; k < t->nparams; k++) {
      char path[160];
      snprintf(path, sizeof path, "%s.%s", hs_model_block_name(a, i), t->params[k].name);
      double va = get(a, path), vb = get(b, path);
      if (va != vb) print_error("%s: %.17g != %.17g\n", path, va, vb);
      assert_true(va == vb);
    }
  }
  assert_string_equal(hs_model_name(a), hs_model_name(b));
  assert_string_equal(hs_model_description(a), hs_model_description(b));
}

/* ------------------------------------------------------------------ valid files */

static void check_default_values(const hs_model *m) {
  hs_err err = {0};
  assert_int_equal(hs_model_check(m, &err), HS_OK);
  assert_string_equal(hs_model_name(m), "Healthy adult");
  assert_int_equal(strncmp(hs_model_description(m), "70 kg, 175 cm adult at rest", 27), 0);
  /* 4 global blocks, 22 nodes, 26 edges, in file order */
  assert_int_equal(hs_model_block_count(m), 4 + 22 + 26);
  size_t nodes = 0, edges = 0;
  for (size_t i = 0; i < hs_model_block_count(m); i++) {
    hs_block_class c = hs_model_block_type(m, i)->cls;
    nodes += c == HS_BLOCK_NODE;
    edges += c == HS_BLOCK_EDGE;
  }
  assert_int_equal(nodes, 22);
  assert_int_equal(edges, 26);
  assert_string_equal(hs_model_block_name(m, 0), "heart");
  assert_string_equal(hs_model_block_name(m, 4), "lv");
  assert_string_equal(hs_model_block_type(m, 4)->name, "ventricle");
  assert_string_equal(hs_model_block_name(m, 4 + 22), "aortic_valve");
  assert_string_equal(hs_model_block_name(m, 4 + 22 + 25), "pulm_venous");
  /* values written in the file */
  assert_near(get(m, "heart.heart_rate"), 70, 0);
  assert_near(get(m, "heart.pr_interval"), 0.16, 0);
  assert_near(get(m, "body.height"), 175, 0);
  assert_near(get(m, "body.weight"), 70, 0);
  assert_near(get(m, "circulation.thoracic_pressure"), -4, 0);
  assert_near(get(m, "lv.ees"), 2.2, 0);
  assert_near(get(m, "lv.v0"), 5, 0);
  assert_near(get(m, "ra.ed_b"), 0.070, 0);
  assert_near(get(m, "pa.compliance"), 3.0, 0);
  assert_near(get(m, "aortic_root.thoracic"), 1, 0);
  assert_near(get(m, "upper_arteries.thoracic"), 0, 0);
  assert_near(get(m, "coronary_microvessels.myocardial_coupling"), 0.5, 0);
  assert_near(get(m, "aortic_valve.inertance"), 7.0e-5, 0);
  assert_near(get(m, "cerebral_bed.systemic_bed"), 1, 0);
  assert_near(get(m, "pulm_arterioles.resistance"), 0.06, 0);
  /* values left to their defaults */
  assert_near(get(m, "heart.ventricular_time_to_peak"), 0.30, 0);
  assert_near(get(m, "heart.pericardium"), 0, 0);
  assert_near(get(m, "aortic_valve.regurgitant_area"), 0, 0);
  assert_near(get(m, "solver.method"), 0, 0);
  assert_near(get(m, "circulation.blood_volume"), 0, 0);
}

static void test_default_loads(void **state) {
  (void)state;
  hs_model *m = NULL;
  hs_err err = {0};
  hs_status st = hs_patient_load_default(&m, &err);
  if (st != HS_OK) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(m);
  check_default_values(m);
  hs_model_free(m);
}

static void test_default_text_is_the_example_file(void **state) {
  (void)state;
  char *file = read_file(HS_SOURCE_DIR "/examples/patients/healthy_adult.yaml");
  assert_string_equal(hs_patient_default_text(), file);
  free(file);
}

static void test_example_file_loads(void **state) {
  (void)state;
  hs_model *m = NULL, *d = NULL;
  hs_err err = {0};
  hs_status st =
      hs_patient_load_file(HS_SOURCE_DIR "/examples/patients/healthy_adult.yaml", &m, &err);
  if (st != HS_OK) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  check_default_values(m);
  assert_int_equal(hs_patient_load_default(&d, &err), HS_OK);
  assert_models_equal(m, d);
  hs_model_free(m);
  hs_model_free(d);
}

static void test_load_string(void **state) {
  (void)state;
  const char *text = hs_patient_default_text();
  hs_model *m = NULL;
  hs_err err = {0};
  assert_int_equal(hs_patient_load_string("mem.yaml", text, strlen(text), &m, &err), HS_OK);
  check_default_values(m);
  hs_model_free(m);
}

/* Values with units are converted to the internal unit. */
static void test_units_are_converted(void **state) {
  (void)state;
  const char *d = hs_patient_default_text();
  char *t1 = replace_once(d, "weight: 70 kg", "weight: 80 kg");
  char *t2 = replace_once(t1, "heart_rate: 70 /min", "heart_rate: 80 bpm");
  char *t3 = replace_once(t2, "to: pulm_capillaries, resistance: 0.06}",
                          "to: pulm_capillaries, resistance: 1000 dyn*s/cm^5}");
  char *t4 = replace_once(t3, "height: 175 cm", "height: 1.8 m");
  char *t5 = replace_once(t4, "pr_interval: 0.16 s", "pr_interval: 150 ms");
  char *t6 = replace_once(t5, "thoracic_pressure: -4 mmHg",
                          "thoracic_pressure: -0.5 kPa\n  blood_volume: 5.2 L");
  char *t7 = replace_once(t6, "from: la, to: lv, resistance: 0.004,",
                          "from: la, to: lv, regurgitant_area: 20 mm^2, resistance: 3 WU,");
  char *t8 = replace_once(t7, "ees: 2.2,", "ees: 2.5 mmHg/mL,");
  loaded r = load_as_file("units.yaml", t8);
  if (r.st != HS_OK) print_error("%s\n", r.err.msg);
  assert_int_equal(r.st, HS_OK);
  assert_near(get(r.m, "body.weight"), 80, 0);
  assert_near(get(r.m, "heart.heart_rate"), 80, 0);
  assert_near(get(r.m, "pulm_arterioles.resistance"), 0.7500616, 1e-6); /* 1000/1333.224 */
  assert_near(get(r.m, "pulm_arterioles.resistance"), 0.75, 1e-3);
  assert_near(get(r.m, "body.height"), 180, 1e-12);
  assert_near(get(r.m, "heart.pr_interval"), 0.15, 1e-15);
  assert_near(get(r.m, "circulation.thoracic_pressure"), -3.7503, 1e-4);
  assert_near(get(r.m, "circulation.blood_volume"), 5200, 1e-9);
  assert_near(get(r.m, "mitral_valve.regurgitant_area"), 0.2, 1e-15);
  assert_near(get(r.m, "mitral_valve.resistance"), 0.18, 1e-15);
  assert_near(get(r.m, "lv.ees"), 2.5, 0);
  loaded_free(&r);
  free(t1);
  free(t2);
  free(t3);
  free(t4);
  free(t5);
  free(t6);
  free(t7);
  free(t8);
}

static void test_bool_and_choice_fields(void **state) {
  (void)state;
  const char *d = hs_patient_default_text();
  char *t1 = replace_once(d, "pr_interval: 0.16 s", "pr_interval: 0.16 s\n  pericardium: yes");
  char *t2 = replace_once(t1, "circulation:", "solver:\n  method: bdf\n  max_beats: 50\ncirculation:");
  char *t3 = replace_once(t2, "ascending_aorta:  {type: inertance,",
                          "ascending_aorta:  {type: inertance, systemic_bed: false,");
  loaded r = load_as_file("kinds.yaml", t3);
  if (r.st != HS_OK) print_error("%s\n", r.err.msg);
  assert_int_equal(r.st, HS_OK);
  assert_near(get(r.m, "heart.pericardium"), 1, 0);
  assert_near(get(r.m, "solver.method"), 1, 0);
  assert_near(get(r.m, "solver.max_beats"), 50, 0);
  assert_near(get(r.m, "ascending_aorta.systemic_bed"), 0, 0);
  loaded_free(&r);
  free(t1);
  free(t2);
  free(t3);
}

/* The default model written as JSON loads to the same model. */
static int json_number(const char *s) {
  const char *p = s;
  if (*p == '-') p++;
  if (!(*p >= '0' && *p <= '9')) return 0;
  while (*p >= '0' && *p <= '9') p++;
  if (*p == '.') {
    p++;
    if (!(*p >= '0' && *p <= '9')) return 0;
    while (*p >= '0' && *p <= '9') p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return 0;
    while (*p >= '0' && *p <= '9') p++;
  }
  return *p == '\0';
}

typedef struct sbuf {
  char *s;
  size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s) {
  size_t k = strlen(s);
  if (b->n + k + 1 > b->cap) {
    b->cap = (b->n + k + 1) * 2;
    b->s = realloc(b->s, b->cap);
    assert_non_null(b->s);
  }
  memcpy(b->s + b->n, s, k + 1);
  b->n += k;
}

static void put_string(sbuf *b, const char *s) {
  put(b, "\"");
  for (; *s; s++) {
    char c[8] = {*s, 0};
    if (*s == '"' || *s == '\\') snprintf(c, sizeof c, "\\%c", *s);
    else if (*s == '\n') snprintf(c, sizeof c, "\\n");
    put(b, c);
  }
  put(b, "\"");
}

static void to_json(sbuf *b, const hs_doc_node *n, int depth) {
  if (hs_doc_kind_of(n) == HS_DOC_SCALAR) {
    const char *t = hs_doc_text(n);
    if (!hs_doc_quoted(n) && (json_number(t) || !strcmp(t, "true") || !strcmp(t, "false")))
      put(b, t);
    else
      put_string(b, t);
    return;
  }
  int map = hs_doc_kind_of(n) == HS_DOC_MAP;
  put(b, map ? "{" : "[");
  for (size_t i = 0; i < hs_doc_size(n); i++) {
    if (i) put(b, depth < 2 ? "," : ", ");
    if (depth < 2) put(b, depth ? "\n    " : "\n  ");
    if (map) {
      put_string(b, hs_doc_text(hs_doc_key(n, i)));
      put(b, ": ");
      to_json(b, hs_doc_value(n, i), depth + 1);
    } else {
      to_json(b, hs_doc_item(n, i), depth + 1);
    }
  }
  put(b, depth < 1 ? "\n}\n" : map ? "}" : "]");
}

static char *default_as_json(void) {
  const char *text = hs_patient_default_text();
  hs_doc *doc = NULL;
  hs_err err = {0};
  assert_int_equal(hs_doc_load_string("d", text, strlen(text), &doc, &err), HS_OK);
  sbuf b = {0};
  to_json(&b, hs_doc_root(doc), 0);
  hs_doc_free(doc);
  return b.s;
}

static void test_json_patient_loads(void **state) {
  (void)state;
  char *json = default_as_json();
  assert_non_null(strstr(json, "\"hemosim_patient\": 1,"));
  assert_non_null(strstr(json, "\"lv\": {\"type\": \"ventricle\", \"ees\": 2.2,"));
  loaded r = load_as_file("patient.json", json);
  if (r.st != HS_OK) print_error("%s\n---\n%s\n", r.err.msg, json);
  assert_int_equal(r.st, HS_OK);
  hs_model *d = NULL;
  assert_int_equal(hs_patient_load_default(&d, NULL), HS_OK);
  assert_models_equal(r.m, d);
  hs_model_free(d);
  loaded_free(&r);

  /* and errors in JSON files are located too */
  char *bad = replace_once(json, "\"ees\": 2.2,", "\"ees\": 50,");
  r = load_as_file("patient.json", bad);
  char pre[512];
  where(r.path, bad, "\"ees\": 50,", 7, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "lv", "'ees'", "50", "out of range", "0.005", "20", NULL);
  loaded_free(&r);
  free(bad);
  free(json);
}

/* ------------------------------------------------------------------ bad input */

static void test_unknown_field_in_node(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("unk_field.yaml", "lv:   {type: ventricle, ees: 2.2,",
                           "lv:   {type: ventricle, contractility: 3, ees: 2.2,", &t);
  char pre[512];
  where(r.path, t, "contractility: 3", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "lv: unknown field 'contractility'",
              "known: ees, v0, ed_a, ed_b", NULL);
  loaded_free(&r);
  free(t);

  /* in an edge: from/to/type are not parameters but are known */
  r = load_modified("unk_field2.yaml", "from: svc, to: ra, resistance: 0.02}",
                    "from: svc, to: ra, resistance: 0.02, compliance: 3}", &t);
  where(r.path, t, "compliance: 3}", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "svc_ra: unknown field 'compliance'",
              "known: resistance, systemic_bed", NULL);
  loaded_free(&r);
  free(t);

  /* in a global block */
  r = load_modified("unk_field3.yaml", "  pr_interval: 0.16 s\n",
                    "  pr_interval: 0.16 s\n  heart_rat: 80\n", &t);
  where(r.path, t, "heart_rat: 80", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "heart: unknown field 'heart_rat'", "heart_rate", NULL);
  loaded_free(&r);
  free(t);
}

static void test_unknown_top_level_field(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("unk_top.yaml", "name: Healthy adult\n",
                           "name: Healthy adult\ncolour: blue\n", &t);
  char pre[512];
  where(r.path, t, "colour: blue", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "unknown top-level field 'colour'", "known:", "nodes",
              NULL);
  loaded_free(&r);
  free(t);
}

static void test_value_out_of_range(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("range.yaml", "ees: 2.2,", "ees: 50,", &t);
  char pre[512];
  where(r.path, t, "ees: 50,", 5, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "lv:", "'ees'", "50 mmHg/mL", "out of range",
              "0.005 mmHg/mL", "20 mmHg/mL", NULL);
  loaded_free(&r);
  free(t);

  /* a value with a unit */
  r = load_modified("range2.yaml", "heart_rate: 70 /min", "heart_rate: 300 bpm", &t);
  where(r.path, t, "300 bpm", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "heart:", "'heart_rate'", "300", "out of range", "20",
              "250", NULL);
  loaded_free(&r);
  free(t);
}

static void test_negative_compliance(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("negc.yaml", "compliance: 3.0, unstressed_volume: 100",
                           "compliance: -3.0, unstressed_volume: 100", &t);
  char pre[512];
  where(r.path, t, "-3.0", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "pa:", "'compliance'", "-3 mL/mmHg", "out of range",
              "0.0001 mL/mmHg", "10000 mL/mmHg", NULL);
  loaded_free(&r);
  free(t);
}

static void test_wrong_unit(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("unit.yaml", "ees: 2.2,", "ees: 2 mmHg,", &t);
  char pre[512];
  where(r.path, t, "2 mmHg,", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "lv:", "'ees'", "'mmHg'", "pressure",
              "accepted: mmHg/mL", "allowed 0.005 to 20 mmHg/mL", NULL);
  loaded_free(&r);
  free(t);

  r = load_modified("unit2.yaml", "weight: 70 kg", "weight: 70 furlongs", &t);
  where(r.path, t, "70 furlongs", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "body:", "'weight'", "'furlongs'", "kg, g", NULL);
  loaded_free(&r);
  free(t);
}

static void test_not_a_number(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("nan.yaml", "ees: 2.2,", "ees: abc,", &t);
  char pre[512];
  where(r.path, t, "abc,", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "lv:", "'ees'", "\"abc\"", "allowed 0.005 to 20 mmHg/mL",
              NULL);
  loaded_free(&r);
  free(t);

  static const char *const bad[] = {"0x10", ".nan", ".inf", "1.2.3", "nan", "inf"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char repl[64];
    snprintf(repl, sizeof repl, "ees: %s,", bad[i]);
    r = load_modified("nan2.yaml", "ees: 2.2,", repl, &t);
    where(r.path, t, repl, 5, pre, sizeof pre);
    expect_fail(&r, HS_ERR_INVALID, pre, "lv:", "'ees'", bad[i], NULL);
    loaded_free(&r);
    free(t);
  }

  /* a boolean field with a non-boolean */
  r = load_modified("bool.yaml", "compliance: 0.06, unstressed_volume: 25, thoracic: true",
                    "compliance: 0.06, unstressed_volume: 25, thoracic: maybe", &t);
  where(r.path, t, "maybe", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "aortic_root:", "'thoracic'", "\"maybe\"", "true or false",
              NULL);
  loaded_free(&r);
  free(t);

  /* a choice field with an unknown choice */
  r = load_modified("choice.yaml", "circulation:", "solver:\n  method: rk4\ncirculation:", &t);
  where(r.path, t, "rk4", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "solver:", "'method'", "\"rk4\"", "dopri5, bdf, adams",
              NULL);
  loaded_free(&r);
  free(t);
}

static void test_wrong_type(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("type.yaml", "ees: 2.2,", "ees: {value: 2.2},", &t);
  char pre[512];
  where(r.path, t, "{value: 2.2}", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "lv:", "'ees'", "single value", NULL);
  loaded_free(&r);
  free(t);

  r = load_modified("type2.yaml", "weight: 70 kg", "weight: [70, kg]", &t);
  where(r.path, t, "[70, kg]", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "body:", "'weight'", "single value", NULL);
  loaded_free(&r);
  free(t);

  /* a block that is not a mapping */
  r = load_modified("type3.yaml", "heart:\n  heart_rate: 70 /min\n  pr_interval: 0.16 s\n",
                    "heart: 70\n", &t);
  where(r.path, t, "heart: 70", 7, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "heart", "must be a mapping", "\"70\"", NULL);
  loaded_free(&r);
  free(t);

  /* a node that is not a mapping */
  r = load_modified("type4.yaml", "  rv:   {type: ventricle, ees: 0.6, v0: 10, ed_a: 0.25, ed_b: 0.031}",
                    "  rv:   ventricle", &t);
  where(r.path, t, "  rv:   ventricle", 8, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "node 'rv'", "must be a mapping", NULL);
  loaded_free(&r);
  free(t);
}

static void test_missing_required_parameter(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("req.yaml", "pa:                 {type: vessel, compliance: 3.0, ",
                           "pa:                 {type: vessel, ", &t);
  char pre[512];
  snprintf(pre, sizeof pre, "%s: ", r.path);
  expect_fail(&r, HS_ERR_MODEL, pre, "vessel 'pa'", "required parameter 'compliance'", "mL/mmHg",
              "missing", NULL);
  loaded_free(&r);
  free(t);

  r = load_modified("req2.yaml", "la:   {type: atrium, ees: 0.30, ", "la:   {type: atrium, ", &t);
  snprintf(pre, sizeof pre, "%s: ", r.path);
  expect_fail(&r, HS_ERR_MODEL, pre, "atrium 'la'", "'ees'", "missing", NULL);
  loaded_free(&r);
  free(t);

  /* an edge without 'to' is located at the edge */
  r = load_modified("req3.yaml", "{type: resistor, from: svc, to: ra, resistance: 0.02}",
                    "{type: resistor, from: svc, resistance: 0.02}", &t);
  where(r.path, t, "{type: resistor, from: svc, resistance", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "edge 'svc_ra'", "missing field 'to'", NULL);
  loaded_free(&r);
  free(t);

  /* a node without 'type' */
  r = load_modified("req4.yaml", "ivc:                {type: vessel, ", "ivc:                {", &t);
  where(r.path, t, "{compliance: 15", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "node 'ivc'", "missing field 'type'", NULL);
  loaded_free(&r);
  free(t);
}

static void test_unknown_node_type(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("ntype.yaml", "pa:                 {type: vessel,",
                           "pa:                 {type: vesel,", &t);
  char pre[512];
  where(r.path, t, "vesel", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "node 'pa'", "unknown node type 'vesel'",
              "vessel, ventricle, atrium", NULL);
  loaded_free(&r);
  free(t);

  /* an edge type used for a node, and a node type for an edge */
  r = load_modified("ntype2.yaml", "pa:                 {type: vessel,",
                    "pa:                 {type: resistor,", &t);
  where(r.path, t, "resistor, compliance", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "node 'pa'", "unknown node type 'resistor'", NULL);
  loaded_free(&r);
  free(t);

  r = load_modified("ntype3.yaml", "svc_ra:           {type: resistor,",
                    "svc_ra:           {type: vessel,", &t);
  where(r.path, t, "vessel, from: svc", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "edge 'svc_ra'", "unknown edge type 'vessel'",
              "resistor, inertance, valve", NULL);
  loaded_free(&r);
  free(t);
}

static void test_edge_to_missing_node(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("from.yaml", "from: rv, to: pa,", "from: rx, to: pa,", &t);
  char pre[512];
  snprintf(pre, sizeof pre, "%s: ", r.path);
  expect_fail(&r, HS_ERR_MODEL, pre, "edge 'pulmonary_valve'", "'from'", "'rx'", NULL);
  loaded_free(&r);
  free(t);

  r = load_modified("to.yaml", "from: ivc, to: ra,", "from: ivc, to: right_atrium,", &t);
  snprintf(pre, sizeof pre, "%s: ", r.path);
  expect_fail(&r, HS_ERR_MODEL, pre, "edge 'ivc_ra'", "'to'", "'right_atrium'", NULL);
  loaded_free(&r);
  free(t);

  /* 'from' naming an edge is not a node either */
  r = load_modified("to2.yaml", "from: ivc, to: ra,", "from: ivc, to: svc_ra,", &t);
  expect_fail(&r, HS_ERR_MODEL, NULL, "edge 'ivc_ra'", "'svc_ra'", NULL);
  loaded_free(&r);
  free(t);

  /* an edge from a node to itself */
  r = load_modified("self.yaml", "from: ivc, to: ra,", "from: ivc, to: ivc,", &t);
  expect_fail(&r, HS_ERR_MODEL, NULL, "edge 'ivc_ra'", "'ivc'", "itself", NULL);
  loaded_free(&r);
  free(t);
}

static void test_duplicate_block_names(void **state) {
  (void)state;
  char *t;
  /* the same key twice in 'nodes' is caught by the reader */
  loaded r = load_modified("dup.yaml", "  pulm_veins:         {",
                           "  pa:                 {type: vessel, compliance: 1, unstressed_volume: 1}\n"
                           "  pulm_veins:         {",
                           &t);
  char pre[512];
  int first_line = line_of(t, "  pa:                 {type: vessel, compliance: 3.0");
  int second_line = line_of(t, "  pa:                 {type: vessel, compliance: 1,");
  snprintf(pre, sizeof pre, "%s:%d:3: ", r.path, second_line);
  char first[64];
  snprintf(first, sizeof first, "first defined at line %d, column 3", first_line);
  expect_fail(&r, HS_ERR_PARSE, pre, "duplicate key", "\"pa\"", first, NULL);
  loaded_free(&r);
  free(t);

  /* an edge with the name of a node */
  r = load_modified("dup2.yaml", "  pulm_venous:", "  pulm_veins:", &t);
  where(r.path, t, "  pulm_veins:      {type: resistor", 2, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "'pulm_veins'", "used twice", NULL);
  loaded_free(&r);
  free(t);

  /* a node with the name of a global block */
  r = load_modified("dup3.yaml", "  pa:                 {type: vessel,", "  heart: {type: vessel,", &t);
  int n;
  char *t2 = replace_all(t, "pa,", "heart,", &n);
  assert_int_equal(n, 2); /* to: pa, from: pa, */
  loaded_free(&r);
  r = load_as_file("dup3.yaml", t2);
  where(r.path, t2, "  heart: {type", 2, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "'heart'", "used twice", NULL);
  loaded_free(&r);
  free(t2);
  free(t);
}

static void test_invalid_block_name(void **state) {
  (void)state;
  char *t;
  loaded r = load_modified("badname.yaml", "  ivc:  ", "  IVC:  ", &t);
  char pre[512];
  where(r.path, t, "  IVC:", 2, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "'IVC'", "not valid", NULL);
  loaded_free(&r);
  free(t);
}

static void test_missing_required_site(void **state) {
  (void)state;
  /* 'pa' renamed everywhere: the circuit is intact but the site is missing */
  const char *d = hs_patient_default_text();
  char *t1 = replace_once(d, "  pa:                 {type: vessel,",
                          "  pulm_artery:        {type: vessel,");
  char *t2 = replace_once(t1, "to: pa,", "to: pulm_artery,");
  char *t3 = replace_once(t2, "from: pa,", "from: pulm_artery,");
  loaded r = load_as_file("site.yaml", t3);
  char pre[512];
  snprintf(pre, sizeof pre, "%s: ", r.path);
  expect_fail(&r, HS_ERR_MODEL, pre, "needs a node named 'pa'", NULL);
  loaded_free(&r);
  free(t1);
  free(t2);
  free(t3);

  /* a required valve renamed */
  char *t;
  r = load_modified("site2.yaml", "  mitral_valve:", "  mitral:", &t);
  expect_fail(&r, HS_ERR_MODEL, NULL, "needs a valve named 'mitral_valve'", NULL);
  loaded_free(&r);
  free(t);

  /* a required valve of the wrong type */
  r = load_modified("site3.yaml", "aortic_valve:     {type: valve,",
                    "aortic_valve:     {type: inertance,", &t);
  expect_fail(&r, HS_ERR_MODEL, NULL, "needs a valve named 'aortic_valve'", NULL);
  loaded_free(&r);
  free(t);

  /* a ventricle site of the wrong type */
  r = load_modified("site4.yaml", "lv:   {type: ventricle,", "lv:   {type: atrium,", &t);
  expect_fail(&r, HS_ERR_MODEL, NULL, "node 'lv' must be of type ventricle", NULL);
  loaded_free(&r);
  free(t);

  /* a node with no way in */
  r = load_modified("site5.yaml", "  pulm_veins:         {",
                    "  spare:              {type: vessel, compliance: 1, unstressed_volume: 1}\n"
                    "  pulm_veins:         {",
                    &t);
  expect_fail(&r, HS_ERR_MODEL, NULL, "node 'spare'", "no incoming edge", NULL);
  loaded_free(&r);
  free(t);
}

static void test_malformed_yaml(void **state) {
  (void)state;
  char *t;
  /* an unclosed flow mapping: libyaml stops at the ':' of the next key and
     names where the mapping started */
  loaded r = load_modified("syntax.yaml", "ed_a: 0.65, ed_b: 0.025}", "ed_a: 0.65, ed_b: 0.025", &t);
  int lv = line_of(t, "  lv:   {type: ventricle");
  int brace = col_of(t, "{type: ventricle, ees: 2.2");
  char pre[512], ctx[128];
  snprintf(pre, sizeof pre, "%s:%d:%d: ", r.path, lv + 1, col_of(t, ":   {type: ventricle, ees: 0.6"));
  snprintf(ctx, sizeof ctx, "started at line %d, column %d", lv, brace);
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error", ctx, NULL);
  loaded_free(&r);
  free(t);

  /* bad indentation */
  r = load_modified("syntax2.yaml", "  weight: 70 kg\n", "  weight: 70 kg\n    extra: 1\n", &t);
  where(r.path, t, "extra: 1", 5, pre, sizeof pre);
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error", "mapping values are not allowed", NULL);
  loaded_free(&r);
  free(t);

  /* a tab for indentation */
  r = load_modified("syntax3.yaml", "  weight: 70 kg\n", "\tweight: 70 kg\n", &t);
  where(r.path, t, "\tweight", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error", NULL);
  loaded_free(&r);
  free(t);

  /* anchors are refused */
  r = load_modified("anchor.yaml", "heart:\n", "heart: &h\n", &t);
  where(r.path, t, "&h", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_PARSE, pre, "anchors are not supported", NULL);
  loaded_free(&r);
  free(t);
}

static void test_json_syntax_error(void **state) {
  (void)state;
  /* a missing comma between members */
  const char *text = "{\n"
                     "  \"hemosim_patient\": 1,\n"
                     "  \"name\": \"json test\"\n"
                     "  \"nodes\": {},\n"
                     "  \"edges\": {}\n"
                     "}\n";
  loaded r = load_as_file("broken.json", text);
  char pre[512];
  snprintf(pre, sizeof pre, "%s:4:3: ", r.path);
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error", "started at line 1, column 1", NULL);
  loaded_free(&r);

  /* an unclosed object: found at the end of the input */
  text = "{\n"
         "  \"hemosim_patient\": 1,\n"
         "  \"nodes\": {\"lv\": {\"type\": \"ventricle\", \"ees\": 2.2}\n";
  r = load_as_file("broken2.json", text);
  snprintf(pre, sizeof pre, "%s:4:1: ", r.path);
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error", "started at line 3, column 12", NULL);
  loaded_free(&r);

  /* a value error in a JSON file names line:column */
  text = "{\n"
         "  \"hemosim_patient\": 1,\n"
         "  \"nodes\": {\n"
         "    \"lv\": {\"type\": \"ventricle\", \"ees\": \"2 mmHg\"}\n"
         "  },\n"
         "  \"edges\": {}\n"
         "}\n";
  r = load_as_file("unit.json", text);
  where(r.path, text, "\"2 mmHg\"", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "lv:", "'ees'", "'mmHg'", NULL);
  loaded_free(&r);
}

static void test_version(void **state) {
  (void)state;
  char *t;
  char pre[512];
  /* missing: located at the first field of the file */
  loaded r = load_modified("nover.yaml", "hemosim_patient: 1\n", "", &t);
  where(r.path, t, "name: Healthy adult", 0, pre, sizeof pre);
  expect_fail(&r, HS_ERR_PARSE, pre, "not a hemosim patient file", "hemosim_patient: 1", NULL);
  loaded_free(&r);
  free(t);

  r = load_modified("ver2.yaml", "hemosim_patient: 1\n", "hemosim_patient: 2\n", &t);
  where(r.path, t, "hemosim_patient: 2", 17, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "version 2", "not supported", "allowed: 1", NULL);
  loaded_free(&r);
  free(t);

  r = load_modified("ver3.yaml", "hemosim_patient: 1\n", "hemosim_patient: one\n", &t);
  where(r.path, t, "hemosim_patient: one", 17, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "hemosim_patient", "\"one\"", NULL);
  loaded_free(&r);
  free(t);

  /* an empty file is not a patient */
  r = load_as_file("empty.yaml", "");
  expect_fail(&r, HS_ERR_PARSE, NULL, r.path, "not a hemosim patient file", NULL);
  loaded_free(&r);

  /* a file that is a list */
  r = load_as_file("list.yaml", "- hemosim_patient: 1\n");
  snprintf(pre, sizeof pre, "%s:1:1: ", r.path);
  expect_fail(&r, HS_ERR_INVALID, pre, "must be a mapping", NULL);
  loaded_free(&r);

  /* nodes and edges are required */
  r = load_as_file("noedges.yaml", "hemosim_patient: 1\nnodes: {}\n");
  expect_fail(&r, HS_ERR_MODEL, NULL, r.path, "'nodes' and 'edges'", NULL);
  loaded_free(&r);
}

static void test_nonexistent_file(void **state) {
  (void)state;
  const char *path = HS_TEST_DATA "/no_such_dir/no_such_patient.yaml";
  hs_model *m = (hs_model *)&m;
  hs_err err = {0};
  hs_status st = hs_patient_load_file(path, &m, &err);
  assert_int_equal(st, HS_ERR_IO);
  assert_int_equal(err.code, HS_ERR_IO);
  assert_null(m);
  if (!strstr(err.msg, path)) print_error("%s\n", err.msg);
  assert_non_null(strstr(err.msg, path));
  assert_non_null(strstr(err.msg, "cannot open"));
  /* NULL err is tolerated */
  m = (hs_model *)&m;
  assert_int_equal(hs_patient_load_file(path, &m, NULL), HS_ERR_IO);
  assert_null(m);
}

/* A failed load leaves nothing behind and reports into a NULL err safely. */
static void test_null_err(void **state) {
  (void)state;
  char *t = replace_once(hs_patient_default_text(), "ees: 2.2,", "ees: 50,");
  hs_model *m = (hs_model *)&m;
  assert_int_equal(hs_patient_load_string("x.yaml", t, strlen(t), &m, NULL), HS_ERR_RANGE);
  assert_null(m);
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_loads),
      cmocka_unit_test(test_default_text_is_the_example_file),
      cmocka_unit_test(test_example_file_loads),
      cmocka_unit_test(test_load_string),
      cmocka_unit_test(test_units_are_converted),
      cmocka_unit_test(test_bool_and_choice_fields),
      cmocka_unit_test(test_json_patient_loads),
      cmocka_unit_test(test_unknown_field_in_node),
      cmocka_unit_test(test_unknown_top_level_field),
      cmocka_unit_test(test_value_out_of_range),
      cmocka_unit_test(test_negative_compliance),
      cmocka_unit_test(test_wrong_unit),
      cmocka_unit_test(test_not_a_number),
      cmocka_unit_test(test_wrong_type),
      cmocka_unit_test(test_missing_required_parameter),
      cmocka_unit_test(test_unknown_node_type),
      cmocka_unit_test(test_edge_to_missing_node),
      cmocka_unit_test(test_duplicate_block_names),
      cmocka_unit_test(test_invalid_block_name),
      cmocka_unit_test(test_missing_required_site),
      cmocka_unit_test(test_malformed_yaml),
      cmocka_unit_test(test_json_syntax_error),
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_nonexistent_file),
      cmocka_unit_test(test_null_err),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
