/* test_patient.c - patient files to models (src/io/patient.c).
 *
 * The bad-input tests start from the bundled default text with one targeted
 * edit (or from a minimal file), write it to a temporary file, load it and
 * check the status code and that the message names the file, the exact
 * line:column of the offending node (computed from the edited text), the
 * block, the field, the value and, where there is one, the allowed range.
 *
 * The default patient is tuned by others, so nothing here depends on its
 * numbers: edits address a field by block and field name ("lv", "ees"), and
 * the expected values of the valid file are read back from its own text.
 * Edits touch only the blocks the loader requires (lv, rv, la, ra, pa,
 * aortic_root, upper_arteries, the four valves and the global blocks).
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/device.h"
#include "hemosim/model.h"
#include "hemosim/patient.h"
#include "elements/elements.h"
#include "io/doc.h"

/* ------------------------------------------------------------------ text editing */

static char *dup_str(const char *s) {
  char *d = malloc(strlen(s) + 1);
  assert_non_null(d);
  strcpy(d, s);
  return d;
}

/* text[0..at) + ins + text[at+del..] */
static char *splice(const char *text, size_t at, size_t del, const char *ins) {
  size_t n = strlen(text);
  assert_true(at + del <= n);
  char *out = malloc(n - del + strlen(ins) + 1);
  assert_non_null(out);
  memcpy(out, text, at);
  strcpy(out + at, ins);
  strcat(out, text + at + del);
  return out;
}

static size_t line_end(const char *text, size_t pos) {
  const char *nl = strchr(text + pos, '\n');
  return nl ? (size_t)(nl - text) : strlen(text);
}

/*
 * Offset of the line whose key (after leading blanks) is `key` followed by
 * ':' and a blank or the end of the line; (size_t)-1 if none.  Fails if the
 * key starts more than one line.  *indent receives the key's column - 1.
 */
static size_t find_key_line(const char *text, const char *key, size_t *indent) {
  size_t found = (size_t)-1, klen = strlen(key);
  for (size_t pos = 0; text[pos]; pos = line_end(text, pos) + (text[line_end(text, pos)] != 0)) {
    size_t i = pos;
    while (text[i] == ' ') i++;
    if (strncmp(text + i, key, klen) == 0 && text[i + klen] == ':' &&
        (text[i + klen + 1] == ' ' || text[i + klen + 1] == '\n' || !text[i + klen + 1])) {
      if (found != (size_t)-1) print_error("key '%s' starts more than one line\n", key);
      assert_true(found == (size_t)-1);
      found = pos;
      if (indent) *indent = i - pos;
    }
    if (!text[line_end(text, pos)]) break;
  }
  return found;
}

/* Offset of the value of `key`'s line (first non-blank after "key:"). */
static size_t key_value_off(const char *text, const char *key) {
  size_t ind = 0, pos = find_key_line(text, key, &ind);
  if (pos == (size_t)-1) print_error("no line for key '%s'\n", key);
  assert_true(pos != (size_t)-1);
  size_t v = pos + ind + strlen(key) + 1;
  while (text[v] == ' ') v++;
  return v;
}

static int is_global(const char *block) {
  const hs_block_type *t = hs_block_type_find(block);
  return t && t->cls == HS_BLOCK_GLOBAL;
}

/*
 * Set (val != NULL) or remove (val == NULL) field `field` of block `block` and
 * return the new text; *off receives the offset of the (new) value, *key_off
 * that of the field's key.  Works on one-line flow mappings
 * ("  lv: {type: ventricle, ees: 2.5, ...}") and on block mappings
 * ("heart:\n  heart_rate: 70 /min\n").  field NULL: the whole value of the
 * block's line.  A missing field is added; a missing global block appended.
 */
static char *edit_ex(const char *text, const char *block, const char *field, const char *val,
                     size_t *off, size_t *key_off) {
  size_t dummy1, dummy2;
  if (!off) off = &dummy1;
  if (!key_off) key_off = &dummy2;
  size_t ind = 0, bl = find_key_line(text, block, &ind);
  if (bl == (size_t)-1) {
    if (!is_global(block) || !field || !val) print_error("no block '%s'\n", block);
    assert_true(is_global(block) && field && val);
    char add[256];
    snprintf(add, sizeof add, "%s%s:\n  %s: ", text[strlen(text) - 1] == '\n' ? "" : "\n", block,
             field);
    *key_off = strlen(text) + strlen(add) - strlen(field) - 2;
    *off = strlen(text) + strlen(add);
    char *t1 = splice(text, strlen(text), 0, add);
    char *t2 = splice(t1, strlen(t1), 0, val);
    free(t1);
    char *t3 = splice(t2, strlen(t2), 0, "\n");
    free(t2);
    return t3;
  }
  size_t v = key_value_off(text, block), eol = line_end(text, bl);
  if (!field) { /* the line's whole value */
    *key_off = bl + ind;
    *off = v;
    if (!val) return splice(text, bl, eol - bl + (text[eol] == '\n'), "");
    return splice(text, v, eol - v, val);
  }
  char pat[96];
  size_t flen = strlen(field);
  if (text[v] == '{') { /* flow mapping on one line */
    size_t f = (size_t)-1;
    for (size_t i = v + 1; i + flen + 1 < eol; i++)
      if ((text[i - 1] == '{' || text[i - 1] == ' ') && strncmp(text + i, field, flen) == 0 &&
          text[i + flen] == ':' && text[i + flen + 1] == ' ') {
        f = i;
        break;
      }
    if (f == (size_t)-1) {
      assert_non_null(val);
      snprintf(pat, sizeof pat, "%s: %s, ", field, val);
      *key_off = v + 1;
      *off = v + 1 + flen + 2;
      return splice(text, v + 1, 0, pat);
    }
    size_t vs = f + flen + 2, ve = vs;
    while (ve < eol && text[ve] != ',' && text[ve] != '}') ve++;
    *key_off = f;
    *off = vs;
    if (val) return splice(text, vs, ve - vs, val);
    if (text[ve] == ',') { /* "field: x, " */
      size_t e = ve + 1;
      while (text[e] == ' ') e++;
      return splice(text, f, e - f, "");
    }
    size_t s = f; /* last field: remove the ", " before it */
    while (s > v + 1 && (text[s - 1] == ' ' || text[s - 1] == ',')) s--;
    return splice(text, s, ve - s, "");
  }
  /* block mapping: the following, more indented lines */
  size_t pos = eol + (text[eol] == '\n');
  while (text[pos]) {
    size_t le = line_end(text, pos), i = pos;
    while (text[i] == ' ') i++;
    if (i - pos <= ind && text[i] != '\n' && text[i] != '#') break; /* block ended */
    if (strncmp(text + i, field, flen) == 0 && text[i + flen] == ':') {
      size_t vs = i + flen + 1;
      while (text[vs] == ' ') vs++;
      *key_off = i;
      *off = vs;
      if (val) return splice(text, vs, le - vs, val);
      return splice(text, pos, le - pos + (text[le] == '\n'), "");
    }
    if (!text[le]) break;
    pos = le + 1;
  }
  assert_non_null(val);
  char line[256];
  snprintf(line, sizeof line, "%*s%s: %s\n", (int)ind + 2, "", field, val);
  size_t at = eol + (text[eol] == '\n');
  *key_off = at + ind + 2;
  *off = at + ind + 2 + flen + 2;
  return splice(text, at, 0, line);
}

static char *edit(const char *text, const char *block, const char *field, const char *val,
                  size_t *off) {
  return edit_ex(text, block, field, val, off, NULL);
}

/* The current text of a field (malloc'd), or NULL if the field is absent. */
static char *field_text(const char *text, const char *block, const char *field) {
  static const char mark[] = "\x01";
  size_t off;
  char *t = edit(text, block, field, mark, &off);
  /* a replacement keeps everything before the value, so the old value
     starts at off in text too and is as long as the text shrank */
  size_t n = strlen(text), m = strlen(t);
  free(t);
  if (m > n + 1) return NULL; /* the field was absent and got added */
  size_t oldlen = n + 1 - m;
  char *out = malloc(oldlen + 1);
  assert_non_null(out);
  memcpy(out, text + off, oldlen);
  out[oldlen] = '\0';
  return out;
}

/* Offset of the key `key` (its first character) in text; the key must start one line. */
static size_t key_off_of(const char *text, const char *key) {
  size_t ind = 0, pos = find_key_line(text, key, &ind);
  if (pos == (size_t)-1) print_error("no line for key '%s'\n", key);
  assert_true(pos != (size_t)-1);
  return pos + ind;
}

/* "<file>:<line>:<col>: " for byte offset off of text. */
static void where(const char *file, const char *text, size_t off, char *buf, size_t size) {
  int line = 1, col = 1;
  for (size_t i = 0; i < off && text[i]; i++) {
    if (text[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  snprintf(buf, size, "%s:%d:%d: ", file, line, col);
}

static int line_at(const char *text, size_t off) {
  int line = 1;
  for (size_t i = 0; i < off; i++) line += text[i] == '\n';
  return line;
}

static int col_at(const char *text, size_t off) {
  size_t b = off;
  while (b > 0 && text[b - 1] != '\n') b--;
  return (int)(off - b) + 1;
}

/* ------------------------------------------------------------------ loading */

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
  if (getenv("HS_TEST_VERBOSE")) printf("  [%d] %s\n", r->st, r->err.msg);
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

static loaded load_ok(const char *name, const char *text) {
  loaded r = load_as_file(name, text);
  if (r.st != HS_OK) print_error("%s\n", r.err.msg);
  assert_int_equal(r.st, HS_OK);
  assert_non_null(r.m);
  return r;
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

/* The parameters of one block equal what its mapping in the file says, or the defaults. */
static void check_block(const hs_model *m, size_t idx, const char *name, const hs_block_type *t,
                        const hs_doc_node *map) {
  assert_string_equal(hs_model_block_name(m, idx), name);
  assert_ptr_equal(hs_model_block_type(m, idx), t);
  for (int k = 0; k < t->nparams; k++) {
    const hs_param_spec *p = &t->params[k];
    const hs_doc_node *v = map ? hs_doc_get(map, p->name) : NULL;
    double want = p->def;
    if (v) {
      hs_err err = {0};
      hs_status st = hs_param_parse(p, hs_doc_text(v), &want, &err);
      if (st != HS_OK) print_error("%s.%s: %s\n", name, p->name, err.msg);
      assert_int_equal(st, HS_OK);
    } else {
      if (p->flags & HS_PARAM_REQUIRED) print_error("%s.%s is required but absent\n", name, p->name);
      assert_false(p->flags & HS_PARAM_REQUIRED);
    }
    char path[160];
    snprintf(path, sizeof path, "%s.%s", name, p->name);
    double got = get(m, path);
    if (got != want) print_error("%s = %.17g, file says %.17g\n", path, got, want);
    assert_true(got == want);
  }
}

/* m is exactly what `text` describes, block by block and field by field. */
static void check_against_text(const hs_model *m, const char *text) {
  hs_err err = {0};
  assert_int_equal(hs_model_check(m, &err), HS_OK);
  hs_doc *doc = NULL;
  assert_int_equal(hs_doc_load_string("d", text, strlen(text), &doc, &err), HS_OK);
  const hs_doc_node *root = hs_doc_root(doc);
  const hs_doc_node *nodes = hs_doc_get(root, "nodes"), *edges = hs_doc_get(root, "edges");
  assert_non_null(nodes);
  assert_non_null(edges);
  size_t nn = hs_doc_size(nodes), ne = hs_doc_size(edges);
  assert_true(nn >= 7 && ne >= 4);
  /* the global blocks come first, as in a new model; then the file's blocks */
  hs_model *fresh = hs_model_new(&err);
  assert_non_null(fresh);
  size_t ng = hs_model_block_count(fresh);
  assert_true(ng >= 4);
  for (size_t g = 0; g < ng; g++) {
    const char *gname = hs_model_block_name(fresh, g);
    assert_int_equal(hs_model_block_type(fresh, g)->cls, HS_BLOCK_GLOBAL);
    check_block(m, g, gname, hs_model_block_type(fresh, g), hs_doc_get(root, gname));
  }
  hs_model_free(fresh);
  const hs_doc_node *devices = hs_doc_get(root, "devices");
  assert_int_equal(hs_model_block_count(m), ng + nn + ne + hs_doc_size(devices));
  /* nodes and edges in file order */
  size_t in = 0, ie = 0;
  for (size_t b = ng; b < hs_model_block_count(m); b++) {
    hs_block_class c = hs_model_block_type(m, b)->cls;
    if (c != HS_BLOCK_NODE && c != HS_BLOCK_EDGE) continue;
    const hs_doc_node *list = c == HS_BLOCK_NODE ? nodes : edges;
    size_t j = c == HS_BLOCK_NODE ? in++ : ie++;
    assert_true(j < hs_doc_size(list));
    const hs_doc_node *body = hs_doc_value(list, j);
    const hs_block_type *t = hs_block_type_find(hs_doc_text(hs_doc_get(body, "type")));
    assert_non_null(t);
    assert_int_equal(t->cls, c);
    check_block(m, b, hs_doc_text(hs_doc_key(list, j)), t, body);
  }
  assert_int_equal(in, nn);
  assert_int_equal(ie, ne);
  const hs_doc_node *nm = hs_doc_get(root, "name"), *ds = hs_doc_get(root, "description");
  assert_string_equal(hs_model_name(m), nm ? hs_doc_text(nm) : "");
  assert_string_equal(hs_model_description(m), ds ? hs_doc_text(ds) : "");
  hs_doc_free(doc);
}

static void check_default_model(const hs_model *m) {
  check_against_text(m, hs_patient_default_text());
  /* the sites the loader insists on */
  static const char *const chambers[][2] = {
      {"lv", "ventricle"}, {"rv", "ventricle"}, {"la", "atrium"}, {"ra", "atrium"}};
  for (size_t b = 0; b < hs_model_block_count(m); b++)
    for (int c = 0; c < 4; c++)
      if (strcmp(hs_model_block_name(m, b), chambers[c][0]) == 0)
        assert_string_equal(hs_model_block_type(m, b)->name, chambers[c][1]);
  assert_true(strlen(hs_model_name(m)) > 0);
  assert_true(get(m, "heart.heart_rate") >= 20 && get(m, "heart.heart_rate") <= 250);
  assert_true(get(m, "lv.ees") > 0);
}

static void test_default_loads(void **state) {
  (void)state;
  hs_model *m = (hs_model *)&m;
  hs_err err = {0};
  hs_status st = hs_patient_load_default(&m, &err);
  if (st != HS_OK) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(m);
  check_default_model(m);
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
  const char *path = HS_SOURCE_DIR "/examples/patients/healthy_adult.yaml";
  hs_status st = hs_patient_load_file(path, &m, &err);
  if (st != HS_OK) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  char *text = read_file(path);
  check_against_text(m, text);
  free(text);
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
  check_default_model(m);
  hs_model_free(m);
}

/* Values with units are converted to the internal unit. */
static void test_units_are_converted(void **state) {
  (void)state;
  static const struct {
    const char *block, *field, *text, *path;
    double want, tol;
  } E[] = {
      {"body", "weight", "80 kg", "body.weight", 80, 0},
      {"heart", "heart_rate", "80 bpm", "heart.heart_rate", 80, 0},
      {"aortic_valve", "resistance", "1000 dyn*s/cm^5", "aortic_valve.resistance", 0.7500617, 1e-6},
      {"body", "height", "1.8 m", "body.height", 180, 1e-12},
      {"heart", "pr_interval", "150 ms", "heart.pr_interval", 0.15, 1e-15},
      {"circulation", "thoracic_pressure", "-0.5 kPa", "circulation.thoracic_pressure", -3.7503, 1e-4},
      {"circulation", "blood_volume", "5.2 L", "circulation.blood_volume", 5200, 1e-9},
      {"mitral_valve", "regurgitant_area", "20 mm^2", "mitral_valve.regurgitant_area", 0.2, 1e-15},
      {"mitral_valve", "resistance", "0.1 WU", "mitral_valve.resistance", 0.006, 1e-15},
      {"lv", "ees", "2.4 mmHg/mL", "lv.ees", 2.4, 0},
      {"pa", "compliance", "3.5 mL/mmHg", "pa.compliance", 3.5, 0},
      {"aortic_root", "external_pressure", "10 cmH2O", "aortic_root.external_pressure", 7.355591, 1e-6},
  };
  char *t = dup_str(hs_patient_default_text());
  for (size_t i = 0; i < sizeof E / sizeof E[0]; i++) {
    char *n = edit(t, E[i].block, E[i].field, E[i].text, NULL);
    free(t);
    t = n;
  }
  loaded r = load_ok("units.yaml", t);
  for (size_t i = 0; i < sizeof E / sizeof E[0]; i++) assert_near(get(r.m, E[i].path), E[i].want, E[i].tol);
  /* the example of the specification: 1000 dyn*s/cm^5 is 0.75 mmHg*s/mL */
  assert_near(get(r.m, "aortic_valve.resistance"), 0.75, 1e-4);
  loaded_free(&r);
  free(t);
}

static void test_bool_and_choice_fields(void **state) {
  (void)state;
  char *t1 = edit(hs_patient_default_text(), "heart", "pericardium", "yes", NULL);
  char *t2 = edit(t1, "solver", "method", "bdf", NULL);
  char *t3 = edit(t2, "solver", "max_beats", "50", NULL);
  char *t4 = edit(t3, "upper_arteries", "thoracic", "on", NULL);
  char *t5 = edit(t4, "aortic_root", "thoracic", "false", NULL);
  loaded r = load_ok("kinds.yaml", t5);
  assert_near(get(r.m, "heart.pericardium"), 1, 0);
  assert_near(get(r.m, "solver.method"), 1, 0);
  assert_near(get(r.m, "solver.max_beats"), 50, 0);
  assert_near(get(r.m, "upper_arteries.thoracic"), 1, 0);
  assert_near(get(r.m, "aortic_root.thoracic"), 0, 0);
  check_against_text(r.m, t5);
  loaded_free(&r);
  free(t1);
  free(t2);
  free(t3);
  free(t4);
  free(t5);
}

/* Booleans are read in any letter case, as YAML 1.1 and hs_doc_boolean do. */
static void test_booleans_ignore_case(void **state) {
  (void)state;
  static const struct {
    const char *text;
    double want;
  } B[] = {{"True", 1},  {"TRUE", 1}, {"tRuE", 1}, {"Yes", 1}, {"YES", 1}, {"On", 1}, {"ON", 1},
           {"False", 0}, {"FALSE", 0}, {"No", 0},  {"NO", 0},  {"Off", 0}, {"OFF", 0}, {"1", 1},
           {"0", 0}};
  for (size_t i = 0; i < sizeof B / sizeof B[0]; i++) {
    /* aortic_root.thoracic is true in the default file: set the opposite first */
    char *t1 = edit(hs_patient_default_text(), "aortic_root", "thoracic", B[i].text, NULL);
    char *t2 = edit(t1, "heart", "pericardium", B[i].text, NULL);
    loaded r = load_as_file("bools.yaml", t2);
    if (r.st != HS_OK) print_error("%s: %s\n", B[i].text, r.err.msg);
    assert_int_equal(r.st, HS_OK);
    assert_near(get(r.m, "aortic_root.thoracic"), B[i].want, 0);
    assert_near(get(r.m, "heart.pericardium"), B[i].want, 0);
    loaded_free(&r);
    free(t1);
    free(t2);
  }
  /* hs_param_parse directly, and what is still no boolean */
  const hs_block_type *v = hs_block_type_find("vessel");
  const hs_param_spec *th = &v->params[hs_param_index(v, "thoracic")];
  double x = -1;
  hs_err err = {0};
  assert_int_equal(hs_param_parse(th, "FaLsE", &x, &err), HS_OK);
  assert_near(x, 0, 0);
  static const char *const bad[] = {"truee", "T", "y", "2", "", "yes please", "TRUE1", "offf"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    x = -1;
    assert_int_equal(hs_param_parse(th, bad[i], &x, &err), HS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "true or false"));
    assert_near(x, -1, 0);
  }
}

/* hs_param_parse reports a failure even without an error record. */
static void test_param_parse_null_err(void **state) {
  (void)state;
  const hs_block_type *v = hs_block_type_find("vessel");
  const hs_param_spec *c = &v->params[hs_param_index(v, "compliance")];
  double x = -1;
  assert_int_equal(hs_param_parse(c, "abc", &x, NULL), HS_ERR_INVALID);
  assert_int_equal(hs_param_parse(c, "2 mmHg", &x, NULL), HS_ERR_INVALID);
  assert_int_equal(hs_param_parse(c, "-1", &x, NULL), HS_ERR_RANGE);
  assert_int_equal(hs_param_parse(c, "2 mL/mmHg", &x, NULL), HS_OK);
  assert_near(x, 2, 0);
}

/* ------------------------------------------------------------------ JSON */

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
    if (*s == '"' || *s == '\\')
      snprintf(c, sizeof c, "\\%c", *s);
    else if (*s == '\n')
      snprintf(c, sizeof c, "\\n");
    put(b, c);
  }
  put(b, "\"");
}

/* JSON with one member per line down to the nodes and edges. */
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

/* The default model written as JSON loads to the same model. */
static void test_json_patient_loads(void **state) {
  (void)state;
  char *json = default_as_json();
  assert_int_equal(strncmp(json, "{\n  \"hemosim_patient\": 1,\n", 26), 0);
  assert_non_null(strstr(json, "\n    \"lv\": {\"type\": \"ventricle\", "));
  loaded r = load_ok("patient.json", json);
  hs_model *d = NULL;
  assert_int_equal(hs_patient_load_default(&d, NULL), HS_OK);
  assert_models_equal(r.m, d);
  hs_model_free(d);
  loaded_free(&r);

  /* a value error in the JSON file is located: lv's "ees" */
  const char *lv = strstr(json, "\n    \"lv\": {");
  const char *ees = strstr(lv, "\"ees\": ");
  assert_non_null(ees);
  size_t vs = (size_t)(ees - json) + 7, ve = vs;
  while (json[ve] != ',' && json[ve] != '}') ve++;
  char *bad = splice(json, vs, ve - vs, "50");
  r = load_as_file("patient.json", bad);
  char pre[512];
  where(r.path, bad, vs, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "lv:", "'ees' = 50 mmHg/mL", "out of range", "0.005", "20",
              NULL);
  loaded_free(&r);
  free(bad);
  free(json);
}

static void test_json_syntax_error(void **state) {
  (void)state;
  /* a missing comma between members: found at the next member */
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

  /* a unit error in a JSON string value names line:column */
  text = "{\n"
         "  \"hemosim_patient\": 1,\n"
         "  \"nodes\": {\n"
         "    \"lv\": {\"type\": \"ventricle\", \"ees\": \"2 mmHg\"}\n"
         "  },\n"
         "  \"edges\": {}\n"
         "}\n";
  r = load_as_file("unit.json", text);
  where(r.path, text, (size_t)(strstr(text, "\"2 mmHg\"") - text), pre, sizeof pre);
  assert_non_null(strstr(pre, ":4:40: "));
  expect_fail(&r, HS_ERR_INVALID, pre, "lv:", "'ees'",
              "\"2 mmHg\": unit 'mmHg' is a pressure unit, but an elastance is expected", NULL);
  loaded_free(&r);
}

/* ------------------------------------------------------------------ bad input */

/* Default text with one edit, loaded from a file; *off = offset of the edited value. */
static loaded load_edited(const char *name, const char *block, const char *field, const char *val,
                          char **text, size_t *off, size_t *key_off) {
  *text = edit_ex(hs_patient_default_text(), block, field, val, off, key_off);
  return load_as_file(name, *text);
}

static void test_unknown_field_in_node(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off, koff;
  loaded r = load_edited("unk_field.yaml", "lv", "contractility", "3", &t, &off, &koff);
  where(r.path, t, koff, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "lv: unknown field 'contractility'",
              "known: ees, v0, ed_a, ed_b", NULL);
  loaded_free(&r);
  free(t);

  /* in an edge: type/from/to are known, node parameters are not */
  r = load_edited("unk_field2.yaml", "mitral_valve", "compliance", "3", &t, &off, &koff);
  where(r.path, t, koff, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "mitral_valve: unknown field 'compliance'",
              "known: resistance, inertance, regurgitant_area", NULL);
  loaded_free(&r);
  free(t);

  /* in a global block */
  r = load_edited("unk_field3.yaml", "heart", "heart_rat", "80", &t, &off, &koff);
  where(r.path, t, koff, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "heart: unknown field 'heart_rat'", "heart_rate", NULL);
  loaded_free(&r);
  free(t);
}

/* Offset of the line after `hemosim_patient: 1` in the default file: where a test adds
   top-level fields. */
static size_t after_version_line(const char *d) {
  size_t at = find_key_line(d, "hemosim_patient", NULL);
  assert_true(at != (size_t)-1);
  return line_end(d, at) + 1;
}

static void test_unknown_top_level_field(void **state) {
  (void)state;
  const char *d = hs_patient_default_text();
  size_t at = after_version_line(d);
  char *t = splice(d, at, 0, "colour: blue\n");
  loaded r = load_as_file("unk_top.yaml", t);
  char pre[512];
  where(r.path, t, at, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "unknown top-level field 'colour'", "known:", "nodes",
              NULL);
  loaded_free(&r);
  free(t);
}

/* Every global block of the registry is a top-level field of a patient file, as `hemosim
   params` lists them and `serve` writes them when it saves a patient (lactate, fluids,
   map_control ... were refused: "unknown top-level field 'lactate'"). */
static void test_every_global_block_is_a_field(void **state) {
  (void)state;
  const char *d = hs_patient_default_text();
  size_t at = after_version_line(d);
  char *t = splice(d, at, 0,
                   "lactate: {initial: 3 mmol/L}\nmap_control: {enabled: true}\n"
                   "hemolysis: {initial: 0.05 g/L}\n");
  loaded r = load_ok("globals.yaml", t);
  assert_near(get(r.m, "lactate.initial"), 3, 0);
  assert_near(get(r.m, "map_control.enabled"), 1, 0);
  assert_near(get(r.m, "hemolysis.initial"), 5, 1e-12); /* 0.05 g/L = 5 mg/dL */
  loaded_free(&r);
  free(t);
  size_t n = 0;
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *bt = hs_block_type_at(i);
    if (bt->cls != HS_BLOCK_GLOBAL) continue;
    char key[64];
    snprintf(key, sizeof key, "\n%s:", bt->name);
    if (strstr(d, key)) continue; /* already a field of the default file (heart, body ...) */
    char line[96];
    snprintf(line, sizeof line, "%s: {}\n", bt->name);
    t = splice(d, at, 0, line);
    hs_model *m = NULL;
    hs_err err = {0};
    if (hs_patient_load_string("g.yaml", t, strlen(t), &m, &err) != HS_OK)
      fail_msg("global block '%s' refused: %s", bt->name, err.msg);
    hs_model_free(m);
    free(t);
    n++;
  }
  assert_true(n >= 6); /* map_control, lung_water, lactate, fluids, hemolysis, ... */
}

static void test_value_out_of_range(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  loaded r = load_edited("range.yaml", "lv", "ees", "50", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "lv: field 'ees' = 50 mmHg/mL is out of range",
              "[0.005 mmHg/mL, 20 mmHg/mL]", NULL);
  loaded_free(&r);
  free(t);

  /* a value with a unit: shown converted, with the bounds */
  r = load_edited("range2.yaml", "heart", "heart_rate", "300 bpm", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "heart: field 'heart_rate' = 300 /min is out of range",
              "[20 /min, 250 /min]", NULL);
  loaded_free(&r);
  free(t);

  /* just above the top of the range */
  r = load_edited("range3.yaml", "aortic_valve", "resistance", "10.001", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "aortic_valve:", "'resistance' = 10.001", "out of range",
              "10 mmHg*s/mL]", NULL);
  loaded_free(&r);
  free(t);

  /* a fraction written as a percentage: the message says how to write one (a new-user
     audit wrote fdo2: 100) */
  r = load_edited("range4.yaml", "oxygen", "shunt_fraction", "20", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "'shunt_fraction' = 20 is out of range [0, 1]",
              "a fraction", "\"20 %\"", NULL);
  loaded_free(&r);
  free(t);
}

static void test_negative_compliance(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  loaded r = load_edited("negc.yaml", "pa", "compliance", "-3.0", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "pa: field 'compliance' = -3 mL/mmHg is out of range",
              "[0.0001 mL/mmHg, 10000 mL/mmHg]", NULL);
  loaded_free(&r);
  free(t);
}

static void test_wrong_unit(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  loaded r = load_edited("unit.yaml", "lv", "ees", "2 mmHg", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre,
              "lv: field 'ees': \"2 mmHg\": unit 'mmHg' is a pressure unit, but an elastance is "
              "expected (accepted: mmHg/mL)",
              "(allowed: [0.005 mmHg/mL, 20 mmHg/mL])", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("unit2.yaml", "body", "weight", "70 furlongs", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre,
              "body: field 'weight': \"70 furlongs\": unknown unit 'furlongs' for a mass "
              "(accepted: kg, g, lb)",
              "(allowed: [2 kg, 300 kg])", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("unit3.yaml", "heart", "heart_rate", "1 s", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "heart: field 'heart_rate': \"1 s\": unit 's'",
              "but a rate is expected", "(accepted: /min, bpm, 1/min)", NULL);
  loaded_free(&r);
  free(t);

  /* an inertance given as a resistance: "an inertance" */
  r = load_edited("unit4.yaml", "aortic_valve", "inertance", "0.001 mmHg*s/mL", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre,
              "aortic_valve: field 'inertance': \"0.001 mmHg*s/mL\": unit 'mmHg*s/mL' is a "
              "resistance unit, but an inertance is expected (accepted: mmHg*s^2/mL)",
              NULL);
  loaded_free(&r);
  free(t);

  /* every accepted spelling is listed: "ml" and "L" for a volume */
  r = load_edited("unit5.yaml", "pa", "unstressed_volume", "100 cc", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "pa: field 'unstressed_volume': \"100 cc\"",
              "unknown unit 'cc' for a volume (accepted: mL, ml, L)", NULL);
  loaded_free(&r);
  free(t);
}

static void test_not_a_number(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  loaded r = load_edited("nan.yaml", "lv", "ees", "abc", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "lv: field 'ees'", "\"abc\"", "(allowed: [0.005 mmHg/mL, 20 mmHg/mL])",
              NULL);
  loaded_free(&r);
  free(t);

  /* forms the number grammar refuses; the message quotes them */
  static const char *const bad[] = {"0x10", ".nan", ".inf", "nan", "inf", "-inf", "1e999", "\"\""};
  static const char *const shown[] = {"\"0x10\"", "\".nan\"", "\".inf\"", "\"nan\"",
                                      "\"inf\"",  "\"-inf\"", "\"1e999\"", "\"\""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = load_edited("nan2.yaml", "lv", "ees", bad[i], &t, &off, NULL);
    where(r.path, t, off, pre, sizeof pre);
    expect_fail(&r, HS_ERR_INVALID, pre, "lv: field 'ees'", shown[i], NULL);
    loaded_free(&r);
    free(t);
  }
  /* "1.2.3" is a malformed number (not 1.2 in an unknown unit ".3") */
  r = load_edited("nan3.yaml", "lv", "ees", "1.2.3", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre,
              "lv: field 'ees': \"1.2.3\" is not a number (allowed: [0.005 mmHg/mL, 20 mmHg/mL])",
              NULL);
  assert_int_equal(strstr(r.err.msg, "(allowed") - r.err.msg,
                   strrchr(r.err.msg, '(') - r.err.msg); /* the range once, not twice */
  loaded_free(&r);
  free(t);
  r = load_edited("nan4.yaml", "la", "v0", "1-5 mL", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "la: field 'v0': \"1-5 mL\" is not a number", NULL);
  loaded_free(&r);
  free(t);

  /* a field without a unit: the allowed range has no trailing blank */
  r = load_edited("nan5.yaml", "solver", "max_beats", "many", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre,
              "solver: field 'max_beats': \"many\" is not a number (allowed: [1, 1e+06])", NULL);
  assert_null(strstr(r.err.msg, " )"));
  loaded_free(&r);
  free(t);

  /* a boolean field with a non-boolean */
  r = load_edited("bool.yaml", "aortic_root", "thoracic", "maybe", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "aortic_root: field 'thoracic'", "\"maybe\"",
              "true or false", NULL);
  loaded_free(&r);
  free(t);

  /* a choice field with an unknown choice */
  r = load_edited("choice.yaml", "solver", "method", "rk4", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "solver: field 'method'", "\"rk4\"", "dopri5, bdf, adams",
              NULL);
  loaded_free(&r);
  free(t);

  /* an integer field with a fraction */
  r = load_edited("int.yaml", "solver", "max_beats", "10.5", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "solver: field 'max_beats'", "whole number", "10.5", NULL);
  loaded_free(&r);
  free(t);
}

static void test_wrong_type(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  loaded r = load_edited("type.yaml", "lv", "ees", "{value: 2.2}", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "lv: field 'ees' must be a single value", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("type2.yaml", "body", "weight", "[70, kg]", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "body: field 'weight' must be a single value", NULL);
  loaded_free(&r);
  free(t);

  /* a global block that is not a mapping: replace its body */
  const char *d = hs_patient_default_text();
  size_t hb = find_key_line(d, "heart", NULL);
  assert_true(hb != (size_t)-1);
  size_t end = line_end(d, hb) + 1; /* skip the indented lines of the block */
  while (d[end] == ' ') end = line_end(d, end) + 1;
  t = splice(d, hb, end - hb, "heart: 70\n");
  r = load_as_file("type3.yaml", t);
  where(r.path, t, hb + 7, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "block 'heart' must be a mapping", "\"70\"", NULL);
  loaded_free(&r);
  free(t);

  /* a node that is not a mapping */
  r = load_edited("type4.yaml", "rv", NULL, "ventricle", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "node 'rv' must be a mapping", "\"ventricle\"", NULL);
  loaded_free(&r);
  free(t);
}

/* Flows need their unit: a bare number is an error naming both spellings. */
static void test_bare_flow_rejected(void **state) {
  (void)state;
  hs_err err;
  const hs_block_type *t = hs_device_type_find("va_ecmo")->block;
  int k = hs_param_index(t, "target_flow");
  assert_true(k >= 0);
  double v = 0;
  assert_int_equal(hs_param_parse(&t->params[k], "4", &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "'target_flow'"));
  assert_non_null(strstr(err.msg, "\"4 L/min\""));
  assert_non_null(strstr(err.msg, "\"4 mL/s\""));
  assert_int_equal(hs_param_parse(&t->params[k], "4 L/min", &v, &err), HS_OK);
  assert_near(v, 4000.0 / 60.0, 1e-9);
  assert_int_equal(hs_param_parse(&t->params[k], "66.7 mL/s", &v, &err), HS_OK);
  assert_int_equal(hs_param_parse(&t->params[k], "0", &v, &err), HS_OK); /* unambiguous */
  /* other dimensions keep their bare internal unit */
  const hs_block_type *ch = &hs_type_ventricle;
  assert_int_equal(hs_param_parse(&ch->params[hs_param_index(ch, "ees")], "2.5", &v, &err), HS_OK);
  /* the same rule in a patient file, with the location */
  const char *text = "hemosim_patient: 1\nbase: " HS_SOURCE_DIR
                     "/examples/patients/healthy_adult.yaml\nname: x\n"
                     "devices:\n  ecmo:\n    type: va_ecmo\n"
                     "    ports: {drainage: ivc, return: lower_arteries}\n    target_flow: 4\n";
  char *path = hs_test_write_temp("bare_flow.yaml", text);
  hs_model *m = NULL;
  assert_int_not_equal(hs_patient_load_file(path, &m, &err), HS_OK);
  assert_null(m);
  assert_non_null(strstr(err.msg, ":8:"));
  assert_non_null(strstr(err.msg, "L/min"));
  unlink(path);
  free(path);
}

/* Parameters whose bedside unit is not the internal one need their unit like flows:
   "circulation.blood_volume=5" was 5 mL; the hint names the bedside spellings. */
static void test_bare_clinical_rejected(void **state) {
  (void)state;
  static const struct {
    const char *type, *param, *hint1, *hint2, *with_unit;
    double internal;
  } C[] = {
      {"circulation", "blood_volume", "\"5 L\"", "\"5 mL\"", "5 L", 5000},
      {"solver", "slow_step", "\"5 min\"", "\"5 s\"", "5 min", 300},
      {"hemolysis", "half_life", "\"5 h\"", "\"5 min\"", "5 h", 18000},
      {"septostomy", "diameter", "\"5 mm\"", "\"5 cm\"", "5 mm", 0.5},
      {"va_ecmo", "cannula_wall", "\"5 mm\"", "\"5 cm\"", "0.25 mm", 0.025},
  };
  for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
    const hs_block_type *t = hs_block_type_find(C[i].type);
    assert_non_null(t);
    int k = hs_param_index(t, C[i].param);
    assert_true(k >= 0);
    assert_true(hs_param_needs_unit(&t->params[k]));
    hs_err err;
    double v = -1;
    assert_int_equal(hs_param_parse(&t->params[k], "5", &v, &err), HS_ERR_INVALID);
    if (!strstr(err.msg, C[i].hint1) || !strstr(err.msg, C[i].hint2) ||
        !strstr(err.msg, "needs its unit"))
      fail_msg("%s.%s: %s", C[i].type, C[i].param, err.msg);
    assert_int_equal(hs_param_parse(&t->params[k], C[i].with_unit, &v, &err), HS_OK);
    assert_near(v, C[i].internal, 1e-9 * C[i].internal);
    v = -1;
    hs_status st0 = hs_param_parse(&t->params[k], "0", &v, &err); /* 0: no unit needed */
    assert_true(st0 == HS_OK ? v == 0.0 : strstr(err.msg, "needs its unit") == NULL);
  }
  /* every flow needs its unit; volumes whose bedside unit is mL stay bare-readable */
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *t = hs_block_type_at(i);
    for (int k = 0; k < t->nparams; k++)
      if (t->params[k].dim == HS_DIM_FLOW) assert_true(hs_param_needs_unit(&t->params[k]));
  }
  /* every drug dose needs its unit (a bare 0.5 is an error with the hint "0.5 ug/kg/min"),
     so do catheter sizes, haemoglobin, lactate, orifice areas and O2 rates (issue 11) */
  const hs_block_type *drugs = hs_block_type_find("drugs");
  assert_non_null(drugs);
  for (int d = 0; d < drugs->nparams; d++) {
    const hs_param_spec *p = &drugs->params[d];
    assert_true(hs_param_needs_unit(p));
    hs_err err;
    double v;
    assert_int_equal(hs_param_parse(p, "0.5", &v, &err), HS_ERR_INVALID);
    const char *want = p->dim == HS_DIM_UNIT_DOSE_RATE ? "\"0.5 U/kg/min\"" : "\"0.5 ug/kg/min\"";
    if (!strstr(err.msg, "needs its unit") || !strstr(err.msg, want))
      fail_msg("drugs.%s: %s", p->name, err.msg);
    assert_int_equal(hs_param_parse(p, p->dim == HS_DIM_UNIT_DOSE_RATE ? "0.0004 U/kg/min"
                                                                        : "0.5 ug/kg/min",
                                    &v, &err), HS_OK);
    assert_int_equal(hs_param_parse(p, "0", &v, &err), HS_OK);
  }
  static const hs_dim CLINICAL[] = {HS_DIM_DOSE_RATE, HS_DIM_UNIT_DOSE_RATE, HS_DIM_FRENCH,
                                    HS_DIM_HB, HS_DIM_LACTATE, HS_DIM_AREA, HS_DIM_O2RATE,
                                    HS_DIM_MASS_CONC, HS_DIM_UNIT_CONC};
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *t = hs_block_type_at(i);
    for (int k = 0; k < t->nparams; k++)
      for (size_t c = 0; c < sizeof CLINICAL / sizeof CLINICAL[0]; c++)
        if (t->params[k].dim == CLINICAL[c] && !(t->params[k].flags & (HS_PARAM_BOOL | HS_PARAM_CHOICE)))
          if (!hs_param_needs_unit(&t->params[k]))
            fail_msg("%s.%s accepts a bare number", t->name, t->params[k].name);
  }
  {
    hs_model *m = NULL;
    hs_err err;
    assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
    assert_int_equal(hs_model_set_text(m, "drugs.milrinone", "0.5", &err), HS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "milrinone"));
    assert_non_null(strstr(err.msg, "0.5 ug/kg/min"));
    assert_int_equal(hs_model_set_text(m, "oxygen.hemoglobin", "14", &err), HS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "g/dL"));
    assert_int_equal(hs_model_set_text(m, "drugs.milrinone", "0.5 ug/kg/min", &err), HS_OK);
    hs_model_free(m);
  }
  const hs_block_type *ch = &hs_type_ventricle;
  int k = hs_param_index(ch, "v0");
  assert_false(hs_param_needs_unit(&ch->params[k]));
  double v;
  assert_int_equal(hs_param_parse(&ch->params[k], "5", &v, NULL), HS_OK);
  assert_near(v, 5.0, 0);
}

/* Wiring mistakes that used to run silently are model errors naming the culprit. */
static void load_expect_model_error(const char *tail, const char *const *frags) {
  char text[2048];
  snprintf(text, sizeof text,
           "hemosim_patient: 1\nbase: %s/examples/patients/healthy_adult.yaml\nname: x\n%s",
           HS_SOURCE_DIR, tail);
  char *path = hs_test_write_temp("wiring.yaml", text);
  hs_model *m = NULL;
  hs_err err;
  hs_status st = hs_patient_load_file(path, &m, &err);
  if (st == HS_OK) {
    hs_plan *pl = hs_plan_compile(m, &err);
    st = pl ? HS_OK : err.code;
    hs_plan_free(pl);
    hs_model_free(m);
  }
  assert_int_not_equal(st, HS_OK);
  for (int i = 0; frags[i]; i++)
    if (!strstr(err.msg, frags[i])) fail_msg("'%s' not in: %s", frags[i], err.msg);
  unlink(path);
  free(path);
}

static void test_wiring_mistakes(void **state) {
  (void)state;
  load_expect_model_error("devices:\n  imp:\n    type: impella\n    ports: {inlet: lv, outlet: lv}\n",
                          (const char *const[]){"'imp'", "'inlet'", "'outlet'", "'lv'", NULL});
  load_expect_model_error("devices:\n  asd:\n    type: septostomy\n    ports: {left: la, right: la}\n",
                          (const char *const[]){"'asd'", "both on node 'la'", NULL});
  load_expect_model_error(
      "devices:\n  ecmo:\n    type: va_ecmo\n    ports: {drainage: ivc, return: lower_arteries}\n"
      "    target_flow: 4 L/min\n    vent_size: 22 Fr\n",
      (const char *const[]){"'ecmo'", "vent_size 22 Fr", "port 'vent'", NULL});
  load_expect_model_error(
      "nodes:\n  x1: {type: vessel, compliance: 1, unstressed_volume: 10}\n"
      "  x2: {type: vessel, compliance: 1, unstressed_volume: 10}\n"
      "edges:\n  x12: {type: resistor, from: x1, to: x2, resistance: 1}\n"
      "  x21: {type: resistor, from: x2, to: x1, resistance: 1}\n",
      (const char *const[]){"2 nodes", "x1, x2", "nothing circulates", NULL});
  /* a port or an edge end on a node that does not exist says where the names are */
  load_expect_model_error("devices:\n  imp: {type: impella, ports: {inlet: lvx, outlet: aortic_root}}\n",
                          (const char *const[]){"'imp'", "'inlet'", "'lvx'", "hemosim describe",
                                                NULL});
  load_expect_model_error("edges:\n  e1: {type: resistor, from: lv, to: aox, resistance: 1}\n",
                          (const char *const[]){"'e1'", "'to'", "'aox'", "hemosim describe",
                                                NULL});
  load_expect_model_error("devices:\n  imp: {type: impella, ports: {inlet: lv, outlett: aortic_root}}\n",
                          (const char *const[]){"impella has no port 'outlett'",
                                                "ports: inlet, outlet", NULL});
  {
    hs_model *dm = NULL;
    hs_err e;
    assert_int_equal(hs_patient_load_default(&dm, &e), HS_OK);
    assert_int_equal(hs_model_set_text(dm, "lvx.ees", "2", &e), HS_ERR_UNKNOWN);
    assert_non_null(strstr(e.msg, "no block named 'lvx'"));
    assert_non_null(strstr(e.msg, "hemosim describe"));
    hs_model_free(dm);
  }
  /* the same ECMO with its vent bound loads */
  char text[1024];
  snprintf(text, sizeof text,
           "hemosim_patient: 1\nbase: %s/examples/patients/healthy_adult.yaml\nname: x\n"
           "devices:\n  ecmo:\n    type: va_ecmo\n"
           "    ports: {drainage: ivc, return: lower_arteries, vent: la}\n"
           "    target_flow: 4 L/min\n    vent_size: 22 Fr\n",
           HS_SOURCE_DIR);
  char *path = hs_test_write_temp("vent_ok.yaml", text);
  hs_model *m = NULL;
  hs_err err;
  assert_int_equal(hs_patient_load_file(path, &m, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_plan_free(pl);
  hs_model_free(m);
  unlink(path);
  free(path);
}

/* A value just past a bound is printed with the digits that show it is past it. */
static void test_range_message_digits(void **state) {
  (void)state;
  hs_err err;
  const hs_block_type *heart = hs_block_type_find("heart");
  assert_non_null(heart);
  const hs_param_spec *hr = &heart->params[hs_param_index(heart, "heart_rate")];
  assert_int_equal(hs_param_check(hr, 250.0001, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "250.0001 /min"));
  assert_non_null(strstr(err.msg, "250 /min]"));
  assert_int_equal(hs_param_check(hr, 19.99999999, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "19.99999999 /min"));
  /* a bound written in a clinical unit is in range, whatever the conversion rounds it
     to (0.005 L/min -> 0.08333333333333334 mL/s against a maximum of 5/60 mL/s) */
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "brain.csf_production", "0.005 L/min", &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "brain.csf_production", "5 mL/min", &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "brain.csf_production", "0.0050001 L/min", &err),
                   HS_ERR_RANGE);
  assert_int_equal(hs_model_set_text(m, "heart.heart_rate", "250.001 /min", &err), HS_ERR_RANGE);
  hs_model_free(m);
}

/* Input files are regular files without NUL characters. */
static void test_input_file_limits(void **state) {
  (void)state;
  hs_err err;
  hs_doc *doc = NULL;
  assert_int_equal(hs_doc_load_file("/dev/zero", &doc, &err), HS_ERR_IO);
  assert_non_null(strstr(err.msg, "not a regular file"));
  assert_int_equal(hs_doc_load_file("/tmp", &doc, &err), HS_ERR_IO);
  const char text[] = "a: 1\n\"b\\0c\": 2\n";
  assert_int_equal(hs_doc_load_string("n.yaml", text, sizeof text - 1, &doc, &err), HS_ERR_PARSE);
  assert_non_null(strstr(err.msg, "n.yaml:2:1"));
  assert_non_null(strstr(err.msg, "NUL"));
  assert_null(doc);
}

static void test_missing_required_parameter(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  /* found by the model check after loading, located at the block's name */
  loaded r = load_edited("req.yaml", "pa", "compliance", NULL, &t, &off, NULL);
  where(r.path, t, key_off_of(t, "pa"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre,
              "vessel 'pa': required parameter 'compliance' (mL/mmHg) is missing", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("req2.yaml", "la", "ees", NULL, &t, &off, NULL);
  where(r.path, t, key_off_of(t, "la"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "atrium 'la': required parameter 'ees' (mmHg/mL) is missing",
              NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("req3.yaml", "aortic_valve", "inertance", NULL, &t, &off, NULL);
  where(r.path, t, key_off_of(t, "aortic_valve"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "valve 'aortic_valve': required parameter 'inertance'", NULL);
  loaded_free(&r);
  free(t);

  /* an edge without 'to' is located at the edge's mapping */
  r = load_edited("req4.yaml", "tricuspid_valve", "to", NULL, &t, &off, NULL);
  where(r.path, t, key_value_off(t, "tricuspid_valve"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "edge 'tricuspid_valve': missing field 'to'", NULL);
  loaded_free(&r);
  free(t);

  /* a node without 'type' */
  r = load_edited("req5.yaml", "ra", "type", NULL, &t, &off, NULL);
  where(r.path, t, key_value_off(t, "ra"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "node 'ra': missing field 'type'", NULL);
  loaded_free(&r);
  free(t);
}

static void test_unknown_node_type(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  loaded r = load_edited("ntype.yaml", "pa", "type", "vesel", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "node 'pa': unknown node type 'vesel'",
              "known: vessel, ventricle, atrium", NULL);
  loaded_free(&r);
  free(t);

  /* an edge type for a node, a node type for an edge */
  r = load_edited("ntype2.yaml", "pa", "type", "resistor", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "node 'pa': unknown node type 'resistor'", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("ntype3.yaml", "mitral_valve", "type", "vessel", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_UNKNOWN, pre, "edge 'mitral_valve': unknown edge type 'vessel'",
              "known: resistor, inertance, valve", NULL);
  loaded_free(&r);
  free(t);
}

static void test_edge_to_missing_node(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  /* located at the edge's name */
  loaded r = load_edited("from.yaml", "pulmonary_valve", "from", "rx", &t, &off, NULL);
  where(r.path, t, key_off_of(t, "pulmonary_valve"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "edge 'pulmonary_valve': 'from' names no node ('rx';", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("to.yaml", "tricuspid_valve", "to", "right_atrium", &t, &off, NULL);
  where(r.path, t, key_off_of(t, "tricuspid_valve"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "edge 'tricuspid_valve': 'to' names no node ('right_atrium';",
              NULL);
  loaded_free(&r);
  free(t);

  /* naming an edge is not naming a node */
  r = load_edited("to2.yaml", "tricuspid_valve", "to", "mitral_valve", &t, &off, NULL);
  where(r.path, t, key_off_of(t, "tricuspid_valve"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "edge 'tricuspid_valve': 'to' names no node ('mitral_valve';",
              NULL);
  loaded_free(&r);
  free(t);

  /* an edge from a node to itself */
  char *t0 = edit(hs_patient_default_text(), "mitral_valve", "from", "lv", NULL);
  t = edit(t0, "mitral_valve", "to", "lv", NULL);
  r = load_as_file("self.yaml", t);
  where(r.path, t, key_off_of(t, "mitral_valve"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "edge 'mitral_valve' connects node 'lv' to itself", NULL);
  loaded_free(&r);
  free(t);
  free(t0);
}

static void test_duplicate_block_names(void **state) {
  (void)state;
  char pre[512], first[96];
  /* the same key twice in 'nodes' is caught by the reader: a second 'pa'
     inserted right after 'lv' comes first, so the original 'pa' is the repeat */
  const char *d = hs_patient_default_text();
  size_t lv = find_key_line(d, "lv", NULL);
  size_t ins = line_end(d, lv) + 1;
  char *t = splice(d, ins, 0, "  pa: {type: vessel, compliance: 1, unstressed_volume: 1}\n");
  size_t pa_orig = find_key_line(d, "pa", NULL) + strlen("  pa: {type: vessel, compliance: 1, "
                                                         "unstressed_volume: 1}\n");
  loaded r = load_as_file("dup.yaml", t);
  snprintf(pre, sizeof pre, "%s:%d:3: ", r.path, line_at(t, pa_orig));
  snprintf(first, sizeof first, "duplicate key \"pa\" (first defined at line %d, column 3)",
           line_at(t, ins));
  expect_fail(&r, HS_ERR_PARSE, pre, first, NULL);
  loaded_free(&r);
  free(t);

  /* an edge with the name of a node: located at the edge's name */
  size_t av = find_key_line(d, "aortic_valve", NULL);
  size_t ind = 0;
  find_key_line(d, "aortic_valve", &ind);
  t = splice(d, av + ind, strlen("aortic_valve"), "upper_arteries");
  r = load_as_file("dup2.yaml", t);
  where(r.path, t, av + ind, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "block name 'upper_arteries' is used twice", NULL);
  loaded_free(&r);
  free(t);

  /* a node with the name of a global block */
  size_t pa = find_key_line(d, "pa", &ind);
  t = splice(d, pa + ind, 2, "body");
  r = load_as_file("dup3.yaml", t);
  where(r.path, t, pa + ind, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "block name 'body' is used twice", NULL);
  loaded_free(&r);
  free(t);

  /* a name with characters outside [a-z0-9_] */
  t = splice(d, pa + ind, 2, "PA");
  r = load_as_file("badname.yaml", t);
  where(r.path, t, pa + ind, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "block name 'PA' is not valid", NULL);
  loaded_free(&r);
  free(t);
}

/* Every "from: old" / "to: old" and the key "old" renamed. */
static char *rename_node(const char *text, const char *old, const char *new_name) {
  char *cur = dup_str(text);
  size_t ind = 0, k = find_key_line(cur, old, &ind);
  assert_true(k != (size_t)-1);
  char *next = splice(cur, k + ind, strlen(old), new_name);
  free(cur);
  cur = next;
  static const char *const fields[] = {"from: ", "to: "};
  for (int f = 0; f < 2; f++) {
    char pat[96];
    snprintf(pat, sizeof pat, "%s%s", fields[f], old);
    size_t pos = 0;
    for (char *at; (at = strstr(cur + pos, pat));) {
      size_t a = (size_t)(at - cur), e = a + strlen(pat);
      pos = e;
      if (cur[e] != ',' && cur[e] != '}') continue; /* a longer name */
      next = splice(cur, a + strlen(fields[f]), strlen(old), new_name);
      free(cur);
      cur = next;
      pos = a + strlen(fields[f]) + strlen(new_name);
    }
  }
  return cur;
}

static void test_missing_required_site(void **state) {
  (void)state;
  char pre[512];
  /* 'pa' renamed everywhere: the circuit is intact but the site is missing */
  /* a missing node is located at the 'nodes' key */
  char *t = rename_node(hs_patient_default_text(), "pa", "pulm_artery");
  loaded r = load_as_file("site.yaml", t);
  where(r.path, t, key_off_of(t, "nodes"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "the model needs a node named 'pa'", NULL);
  loaded_free(&r);
  free(t);

  t = rename_node(hs_patient_default_text(), "upper_arteries", "arm_arteries");
  r = load_as_file("site1.yaml", t);
  where(r.path, t, key_off_of(t, "nodes"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "the model needs a node named 'upper_arteries'", NULL);
  loaded_free(&r);
  free(t);

  /* a required valve renamed: at the 'edges' key */
  const char *d = hs_patient_default_text();
  size_t ind = 0, mv = find_key_line(d, "mitral_valve", &ind);
  t = splice(d, mv + ind, strlen("mitral_valve"), "mitral");
  r = load_as_file("site2.yaml", t);
  where(r.path, t, key_off_of(t, "edges"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "the model needs a valve named 'mitral_valve'", NULL);
  loaded_free(&r);
  free(t);

  /* a required valve of the wrong type: at the edge of that name */
  t = edit(d, "aortic_valve", "type", "inertance", NULL);
  r = load_as_file("site3.yaml", t);
  where(r.path, t, key_off_of(t, "aortic_valve"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "the model needs a valve named 'aortic_valve'", NULL);
  loaded_free(&r);
  free(t);

  /* a ventricle site of the wrong type */
  t = edit(d, "lv", "type", "atrium", NULL);
  r = load_as_file("site4.yaml", t);
  where(r.path, t, key_off_of(t, "lv"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "node 'lv' must be of type ventricle", NULL);
  loaded_free(&r);
  free(t);

  /* a node with no way in or out */
  size_t lv = find_key_line(d, "lv", NULL);
  t = splice(d, line_end(d, lv) + 1, 0,
             "  spare: {type: vessel, compliance: 1, unstressed_volume: 1}\n");
  r = load_as_file("site5.yaml", t);
  where(r.path, t, key_off_of(t, "spare"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "node 'spare' has no incoming edge", NULL);
  loaded_free(&r);
  free(t);
}

/* Devices: errors found by the model check are located at the device's name. */
static void test_device_errors_located(void **state) {
  (void)state;
  char pre[512];
  const char *d = hs_patient_default_text();
  static const char ok_dev[] =
      "devices:\n"
      "  ecmo: {type: va_ecmo, ports: {drainage: ivc, return: lower_arteries}, on: False}\n";
  char *t = splice(d, strlen(d), 0, ok_dev);
  loaded r = load_ok("dev.yaml", t);
  assert_near(get(r.m, "ecmo.on"), 0, 0);
  loaded_free(&r);
  free(t);

  static const char bad_dev[] =
      "devices:\n"
      "  ecmo: {type: va_ecmo, ports: {drainage: vena_cava, return: lower_arteries}}\n";
  t = splice(d, strlen(d), 0, bad_dev);
  r = load_as_file("dev2.yaml", t);
  where(r.path, t, key_off_of(t, "ecmo"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "device 'ecmo': port 'drainage' names no node ('vena_cava';",
              NULL);
  loaded_free(&r);
  free(t);

  /* a port naming an edge is not naming a node */
  static const char bad_dev2[] =
      "devices:\n"
      "  pump: {type: va_ecmo, ports: {drainage: ivc, return: aortic_valve}}\n";
  t = splice(d, strlen(d), 0, bad_dev2);
  r = load_as_file("dev3.yaml", t);
  where(r.path, t, key_off_of(t, "pump"), pre, sizeof pre);
  expect_fail(&r, HS_ERR_MODEL, pre, "device 'pump': port 'return' names no node ('aortic_valve';",
              NULL);
  loaded_free(&r);
  free(t);
}

static void test_malformed_yaml(void **state) {
  (void)state;
  char pre[512], ctx[128];
  /* lv's flow mapping left unclosed in the default file: libyaml stops at the
     ':' of the next key and names the line where the mapping started */
  const char *d = hs_patient_default_text();
  size_t lv = find_key_line(d, "lv", NULL), le = line_end(d, lv);
  assert_int_equal(d[le - 1], '}');
  char *t = splice(d, le - 1, 1, "");
  size_t next = line_end(t, lv) + 1;
  assert_true(t[next] == ' ' && strchr(t + next, ':') < t + line_end(t, next));
  size_t colon = (size_t)(strchr(t + next, ':') - t);
  size_t brace = key_value_off(t, "lv");
  loaded r = load_as_file("syntax.yaml", t);
  where(r.path, t, colon, pre, sizeof pre);
  snprintf(ctx, sizeof ctx, "(while parsing a flow mapping that started at line %d, column %d)",
           line_at(t, brace), col_at(t, brace));
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error: did not find expected ',' or '}'", ctx, NULL);
  loaded_free(&r);
  free(t);

  /* minimal files */
  r = load_as_file("syntax2.yaml", "hemosim_patient: 1\nbody:\n  weight: 70 kg\n    extra: 1\n");
  snprintf(pre, sizeof pre, "%s:4:10: ", r.path);
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error: mapping values are not allowed", NULL);
  loaded_free(&r);

  r = load_as_file("syntax3.yaml", "hemosim_patient: 1\nbody:\n\tweight: 70 kg\n");
  snprintf(pre, sizeof pre, "%s:3:1: ", r.path);
  expect_fail(&r, HS_ERR_PARSE, pre, "syntax error", NULL);
  loaded_free(&r);

  r = load_as_file("syntax4.yaml", "hemosim_patient: 1\nname: \"unterminated\n");
  expect_fail(&r, HS_ERR_PARSE, NULL, r.path, "syntax error", "line 2, column 7", NULL);
  loaded_free(&r);

  /* anchors are refused where they appear */
  r = load_as_file("anchor.yaml", "hemosim_patient: 1\nheart: &h\n  heart_rate: 70\n");
  snprintf(pre, sizeof pre, "%s:2:8: ", r.path);
  expect_fail(&r, HS_ERR_PARSE, pre, "anchors are not supported (&h)", NULL);
  loaded_free(&r);

  /* duplicate keys in a global block */
  r = load_as_file("dupkey.yaml", "hemosim_patient: 1\nheart:\n  heart_rate: 70\n  heart_rate: 80\n");
  snprintf(pre, sizeof pre, "%s:4:3: ", r.path);
  expect_fail(&r, HS_ERR_PARSE, pre, "duplicate key \"heart_rate\"", "line 3, column 3", NULL);
  loaded_free(&r);
}

static void test_version(void **state) {
  (void)state;
  char *t, pre[512];
  size_t off;
  const char *d = hs_patient_default_text();
  /* missing: located at the first field of the file */
  t = edit(d, "hemosim_patient", NULL, NULL, NULL);
  size_t first = 0;
  while (t[first] == '#' || t[first] == '\n') first = line_end(t, first) + 1;
  loaded r = load_as_file("nover.yaml", t);
  where(r.path, t, first, pre, sizeof pre);
  expect_fail(&r, HS_ERR_PARSE, pre,
              "not a hemosim patient file: it has no field 'hemosim_patient'",
              "'hemosim_patient: 1'", NULL);
  assert_null(strstr(r.err.msg, "must be"));
  loaded_free(&r);
  free(t);

  r = load_edited("ver2.yaml", "hemosim_patient", NULL, "2", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_RANGE, pre, "hemosim_patient: format version 2 is not supported",
              "allowed: 1", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("ver3.yaml", "hemosim_patient", NULL, "one", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "hemosim_patient", "\"one\"", NULL);
  loaded_free(&r);
  free(t);

  r = load_edited("ver4.yaml", "hemosim_patient", NULL, "1.5", &t, &off, NULL);
  where(r.path, t, off, pre, sizeof pre);
  expect_fail(&r, HS_ERR_INVALID, pre, "hemosim_patient", "whole number", "\"1.5\"", NULL);
  loaded_free(&r);
  free(t);

  /* the field need not come first */
  t = edit(d, "hemosim_patient", NULL, NULL, NULL);
  char *t2 = splice(t, strlen(t), 0, "hemosim_patient: 1\n");
  r = load_ok("verlast.yaml", t2);
  loaded_free(&r);
  free(t2);
  free(t);

  /* an empty file is not a patient */
  r = load_as_file("empty.yaml", "");
  expect_fail(&r, HS_ERR_PARSE, NULL, r.path, "not a hemosim patient file", NULL);
  loaded_free(&r);

  /* a file that is a list */
  r = load_as_file("list.yaml", "- hemosim_patient: 1\n");
  snprintf(pre, sizeof pre, "%s:1:1: ", r.path);
  expect_fail(&r, HS_ERR_INVALID, pre, "the patient file must be a mapping (got a sequence)", NULL);
  loaded_free(&r);

  /* nodes and edges are required */
  r = load_as_file("noedges.yaml", "hemosim_patient: 1\nnodes: {}\n");
  expect_fail(&r, HS_ERR_MODEL, NULL, r.path, "needs 'nodes' and 'edges'", NULL);
  loaded_free(&r);

  /* 'nodes' must be a mapping */
  r = load_as_file("nodeslist.yaml", "hemosim_patient: 1\nnodes: [lv, rv]\nedges: {}\n");
  snprintf(pre, sizeof pre, "%s:2:8: ", r.path);
  expect_fail(&r, HS_ERR_INVALID, pre, "nodes must be a mapping (got a sequence)", NULL);
  loaded_free(&r);
}

static void test_nonexistent_file(void **state) {
  (void)state;
  const char *path = HS_SOURCE_DIR "/tests/no_such_dir/no_such_patient.yaml";
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
  /* a directory cannot be read */
  m = (hs_model *)&m;
  st = hs_patient_load_file(HS_SOURCE_DIR "/examples", &m, &err);
  assert_int_equal(st, HS_ERR_IO);
  assert_null(m);
  assert_non_null(strstr(err.msg, HS_SOURCE_DIR "/examples"));
}

/* A failed load leaves nothing behind and reports into a NULL err safely. */
static void test_null_err(void **state) {
  (void)state;
  char *t = edit(hs_patient_default_text(), "lv", "ees", "50", NULL);
  hs_model *m = (hs_model *)&m;
  assert_int_equal(hs_patient_load_string("x.yaml", t, strlen(t), &m, NULL), HS_ERR_RANGE);
  assert_null(m);
  free(t);
}

/* The editing helper itself: set, add and remove in both mapping styles. */
static void test_edit_helper(void **state) {
  (void)state;
  const char *src = "a: 1\nblk:\n  x: 1 mL\n  y: 2\nn:\n  p: {type: t, x: 1, y: 2}\n";
  size_t off, koff;
  char *t = edit_ex(src, "blk", "y", "5", &off, &koff);
  assert_string_equal(t, "a: 1\nblk:\n  x: 1 mL\n  y: 5\nn:\n  p: {type: t, x: 1, y: 2}\n");
  assert_int_equal(off, 25);
  assert_int_equal(koff, 22);
  free(t);
  t = edit(src, "blk", "x", NULL, NULL);
  assert_string_equal(t, "a: 1\nblk:\n  y: 2\nn:\n  p: {type: t, x: 1, y: 2}\n");
  free(t);
  t = edit_ex(src, "blk", "z", "3", &off, &koff);
  assert_string_equal(t, "a: 1\nblk:\n  z: 3\n  x: 1 mL\n  y: 2\nn:\n  p: {type: t, x: 1, y: 2}\n");
  assert_int_equal(off, 15);
  assert_int_equal(koff, 12);
  free(t);
  t = edit_ex(src, "p", "x", "9", &off, &koff);
  assert_string_equal(t, "a: 1\nblk:\n  x: 1 mL\n  y: 2\nn:\n  p: {type: t, x: 9, y: 2}\n");
  assert_int_equal(off, 48);
  assert_int_equal(koff, 45);
  free(t);
  t = edit(src, "p", "y", NULL, NULL);
  assert_string_equal(t, "a: 1\nblk:\n  x: 1 mL\n  y: 2\nn:\n  p: {type: t, x: 1}\n");
  free(t);
  t = edit(src, "p", "type", NULL, NULL);
  assert_string_equal(t, "a: 1\nblk:\n  x: 1 mL\n  y: 2\nn:\n  p: {x: 1, y: 2}\n");
  free(t);
  t = edit_ex(src, "p", "q", "4", &off, &koff);
  assert_string_equal(t, "a: 1\nblk:\n  x: 1 mL\n  y: 2\nn:\n  p: {q: 4, type: t, x: 1, y: 2}\n");
  assert_int_equal(koff, 36);
  assert_int_equal(off, 39);
  free(t);
  t = edit_ex(src, "a", NULL, "7", &off, NULL);
  assert_string_equal(t, "a: 7\nblk:\n  x: 1 mL\n  y: 2\nn:\n  p: {type: t, x: 1, y: 2}\n");
  assert_int_equal(off, 3);
  free(t);
  t = edit(src, "a", NULL, NULL, NULL);
  assert_string_equal(t, "blk:\n  x: 1 mL\n  y: 2\nn:\n  p: {type: t, x: 1, y: 2}\n");
  free(t);
  t = edit_ex(src, "solver", "method", "bdf", &off, &koff);
  assert_string_equal(t, "a: 1\nblk:\n  x: 1 mL\n  y: 2\nn:\n  p: {type: t, x: 1, y: 2}\n"
                         "solver:\n  method: bdf\n");
  assert_int_equal(strncmp(t + off, "bdf", 3), 0);
  assert_int_equal(strncmp(t + koff, "method", 6), 0);
  free(t);
  char *v = field_text(src, "blk", "x");
  assert_string_equal(v, "1 mL");
  free(v);
  v = field_text(src, "p", "y");
  assert_string_equal(v, "2");
  free(v);
  assert_null(field_text(src, "p", "zz"));
  char buf[64];
  where("f", src, 25, buf, sizeof buf);
  assert_string_equal(buf, "f:4:6: ");
  where("f", src, 0, buf, sizeof buf);
  assert_string_equal(buf, "f:1:1: ");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_edit_helper),
      cmocka_unit_test(test_default_loads),
      cmocka_unit_test(test_default_text_is_the_example_file),
      cmocka_unit_test(test_example_file_loads),
      cmocka_unit_test(test_load_string),
      cmocka_unit_test(test_units_are_converted),
      cmocka_unit_test(test_bool_and_choice_fields),
      cmocka_unit_test(test_booleans_ignore_case),
      cmocka_unit_test(test_param_parse_null_err),
      cmocka_unit_test(test_json_patient_loads),
      cmocka_unit_test(test_json_syntax_error),
      cmocka_unit_test(test_unknown_field_in_node),
      cmocka_unit_test(test_unknown_top_level_field),
      cmocka_unit_test(test_every_global_block_is_a_field),
      cmocka_unit_test(test_value_out_of_range),
      cmocka_unit_test(test_negative_compliance),
      cmocka_unit_test(test_wrong_unit),
      cmocka_unit_test(test_not_a_number),
      cmocka_unit_test(test_wrong_type),
      cmocka_unit_test(test_missing_required_parameter),
      cmocka_unit_test(test_bare_flow_rejected),
      cmocka_unit_test(test_bare_clinical_rejected),
      cmocka_unit_test(test_input_file_limits),
      cmocka_unit_test(test_range_message_digits),
      cmocka_unit_test(test_wiring_mistakes),
      cmocka_unit_test(test_unknown_node_type),
      cmocka_unit_test(test_edge_to_missing_node),
      cmocka_unit_test(test_duplicate_block_names),
      cmocka_unit_test(test_missing_required_site),
      cmocka_unit_test(test_device_errors_located),
      cmocka_unit_test(test_malformed_yaml),
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_nonexistent_file),
      cmocka_unit_test(test_null_err),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
