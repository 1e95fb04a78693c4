/*
 * analysis/golden.c - golden per-patient metrics (hemosim/validate.h).
 *
 * A golden file (schema hemosim-golden/1, JSON) stores every metric of a
 * patient's steady-state summary with its unit and tolerance.  The tolerance of a
 * quantity is max(abs_tol, rel_tol * |stored value|), chosen by unit family
 * (docs/validation-format.md):
 *
 *   mmHg 0.5 (or 0.5 %)   mL 1            L/min 0.05     L/min/m2 0.03
 *   % 0.5 points          /min 0.5        mL/min 2 (or 1 %)
 *   mL/100 g/min, cm/s 0.5 (or 1 %)       mmHg*mL 50 (or 1 %)
 *   rpm 10 (or 0.5 %)     dimensionless 0.02 (or 1 %)   anything else 1 %
 *
 * Runs are deterministic, so any drift is a change of the code or the patient
 * files; the tolerances only decide which changes are worth a look.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/input.h"
#include "hemosim/validate.h"
#include "validate_impl.h"

static const struct {
  const char *unit;
  double abs_tol, rel_tol;
} TOLERANCES[] = {
    {"mmHg", 0.5, 0.005},   {"mL", 1.0, 0.0},           {"L/min", 0.05, 0.0},
    {"L/min/m2", 0.03, 0.0}, {"%", 0.5, 0.0},           {"/min", 0.5, 0.0},
    {"mL/min", 2.0, 0.01},  {"mL/100 g/min", 0.5, 0.01}, {"cm/s", 0.5, 0.01},
    {"mmHg*mL", 50.0, 0.01}, {"rpm", 10.0, 0.005},      {"", 0.02, 0.01},
};

void hs_golden_tolerance(const char *name, const char *unit, double *abs_tol, double *rel_tol) {
  (void)name; /* by unit family; per-name exceptions would go here */
  for (size_t i = 0; i < sizeof TOLERANCES / sizeof TOLERANCES[0]; i++)
    if (!strcmp(TOLERANCES[i].unit, unit ? unit : "")) {
      *abs_tol = TOLERANCES[i].abs_tol;
      *rel_tol = TOLERANCES[i].rel_tol;
      return;
    }
  *abs_tol = 0.0;
  *rel_tol = 0.01;
}

void hs_golden_free(hs_golden *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n; i++) {
    free(g->e[i].name);
    free(g->e[i].unit);
  }
  free(g->e);
  free(g->patient);
  free(g);
}

static hs_golden *golden_new(const char *patient, size_t n) {
  hs_golden *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->patient = strdup(patient ? patient : "");
  g->e = calloc(n ? n : 1, sizeof *g->e);
  if (!g->patient || !g->e) {
    hs_golden_free(g);
    return NULL;
  }
  return g;
}

hs_status hs_golden_run(const char *root, const char *patient, hs_golden **out, hs_err *err) {
  *out = NULL;
  char *path = hs_path_join(root, patient);
  if (!path) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  hs_plan *pl = NULL;
  size_t bad;
  hs_status st = hs_validate_compile(path, NULL, 0, &bad, &pl, err);
  free(path);
  if (st) {
    hs_err_prefix(err, "%s: ", patient);
    return st;
  }
  hs_vcondition_result r;
  memset(&r, 0, sizeof r);
  st = hs_validate_simulate(pl, 0, &r);
  hs_plan_free(pl);
  if (st) {
    hs_err_set(err, st, "%s: %s", patient, r.error);
    hs_vcondition_result_clear(&r);
    return st;
  }
  if (!r.steady_reached) {
    hs_vcondition_result_clear(&r);
    return hs_err_set(err, HS_ERR_NOT_STEADY,
                      "%s: no periodic steady state within solver.max_beats: a golden file "
                      "needs a reproducible state",
                      patient);
  }
  hs_golden *g = golden_new(patient, r.nmetrics);
  if (!g) {
    hs_vcondition_result_clear(&r);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  for (size_t k = 0; k < r.nmetrics; k++) {
    hs_golden_entry *e = &g->e[g->n];
    e->name = strdup(r.names[k]);
    e->unit = strdup(r.units[k] ? r.units[k] : "");
    e->value = r.values[k];
    hs_golden_tolerance(e->name, e->unit, &e->abs_tol, &e->rel_tol);
    g->n++;
    if (!e->name || !e->unit) {
      hs_golden_free(g);
      hs_vcondition_result_clear(&r);
      return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    }
  }
  hs_vcondition_result_clear(&r);
  *out = g;
  return HS_OK;
}

typedef struct many {
  const char *root;
  const char *const *patients;
  hs_golden **out;
  hs_err *errs;
} many;

static void run_one(void *ud, size_t i) {
  many *m = ud;
  m->errs[i].code = HS_OK;
  m->errs[i].msg[0] = '\0';
  hs_golden_run(m->root, m->patients[i], &m->out[i], &m->errs[i]);
}

hs_status hs_golden_run_many(const char *root, const char *const *patients, size_t n,
                             int threads, hs_golden **out, hs_err *err) {
  hs_err *errs = calloc(n ? n : 1, sizeof *errs);
  if (!errs) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) out[i] = NULL;
  many m = {root, patients, out, errs};
  hs_validate_pool_run(run_one, &m, n, threads);
  hs_status st = HS_OK;
  for (size_t i = 0; i < n && !st; i++)
    if (errs[i].code) {
      st = errs[i].code;
      if (err) *err = errs[i];
    }
  free(errs);
  if (st)
    for (size_t i = 0; i < n; i++) hs_golden_free(out[i]), out[i] = NULL;
  return st;
}

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

char *hs_golden_json(const hs_golden *g, hs_err *err) {
  json_t *root = json_object(), *m = json_object();
  int bad = !root || !m;
  if (!bad) {
    bad |= json_object_set_new(root, "schema", json_string("hemosim-golden/1"));
    bad |= json_object_set_new(root, "patient", json_string(g->patient));
    bad |= json_object_set_new(
        root, "generated_by",
        json_string("hemosim validate --refresh-golden (scripts/regen_docs.sh)"));
    bad |= json_object_set_new(root, "tolerance",
                               json_string("a quantity drifts when |new - value| > "
                                           "max(abs_tol, rel_tol * |value|)"));
    for (size_t i = 0; !bad && i < g->n; i++) {
      const hs_golden_entry *e = &g->e[i];
      json_t *o = json_object();
      bad |= !o;
      if (bad) break;
      bad |= json_object_set_new(o, "value", jnum(e->value));
      bad |= json_object_set_new(o, "unit", json_string(e->unit));
      bad |= json_object_set_new(o, "abs_tol", json_real(e->abs_tol));
      bad |= json_object_set_new(o, "rel_tol", json_real(e->rel_tol));
      bad |= json_object_set_new(m, e->name, o);
    }
    bad |= json_object_set_new(root, "metrics", m);
    m = NULL;
  }
  char *text = NULL;
  if (!bad)
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
  json_decref(m);
  json_decref(root);
  if (!text) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory writing a golden file");
    return NULL;
  }
  size_t n = strlen(text);
  char *t2 = realloc(text, n + 2); /* end with a newline */
  if (!t2) {
    free(text);
    hs_err_set(err, HS_ERR_NOMEM, "out of memory writing a golden file");
    return NULL;
  }
  t2[n] = '\n', t2[n + 1] = '\0';
  return t2;
}

static hs_status bad_file(const char *path, hs_err *err, const char *what) {
  return hs_err_set(err, HS_ERR_PARSE, "%s: not a golden file (schema hemosim-golden/1): %s",
                    path, what);
}

hs_status hs_golden_load(const char *path, hs_golden **out, hs_err *err) {
  *out = NULL;
  json_error_t je;
  char *text = NULL;
  size_t len = 0;
  hs_status rst = hs_input_read(path, 0, &text, &len, err);
  if (rst) return rst;
  json_t *root = json_loadb(text, len, 0, &je);
  free(text);
  if (!root) return hs_err_set(err, HS_ERR_PARSE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
  hs_status st = HS_OK;
  json_t *schema = json_object_get(root, "schema"), *patient = json_object_get(root, "patient");
  json_t *m = json_object_get(root, "metrics");
  if (!json_is_string(schema) || strcmp(json_string_value(schema), "hemosim-golden/1")) {
    st = bad_file(path, err, "field 'schema' must be \"hemosim-golden/1\"");
    goto done;
  }
  if (!json_is_string(patient) || !json_is_object(m)) {
    st = bad_file(path, err, "fields 'patient' (text) and 'metrics' (object) are needed");
    goto done;
  }
  hs_golden *g = golden_new(json_string_value(patient), json_object_size(m));
  if (!g) {
    st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto done;
  }
  const char *key;
  json_t *o;
  json_object_foreach(m, key, o) {
    json_t *v = json_object_get(o, "value"), *u = json_object_get(o, "unit");
    json_t *a = json_object_get(o, "abs_tol"), *r = json_object_get(o, "rel_tol");
    if (!json_is_object(o) || !(json_is_number(v) || json_is_null(v)) || !json_is_string(u) ||
        !json_is_number(a) || !json_is_number(r) || json_number_value(a) < 0 ||
        json_number_value(r) < 0) {
      char what[256];
      snprintf(what, sizeof what,
               "metric '%s' needs value (number or null), unit (text), abs_tol and rel_tol "
               "(numbers >= 0)",
               key);
      hs_golden_free(g);
      st = bad_file(path, err, what);
      goto done;
    }
    hs_golden_entry *e = &g->e[g->n++];
    e->name = strdup(key);
    e->unit = strdup(json_string_value(u));
    e->value = json_is_null(v) ? NAN : json_number_value(v);
    e->abs_tol = json_number_value(a);
    e->rel_tol = json_number_value(r);
    if (!e->name || !e->unit) {
      hs_golden_free(g);
      st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
      goto done;
    }
  }
  *out = g;
done:
  json_decref(root);
  return st;
}

size_t hs_golden_compare(const hs_golden *stored, const hs_golden *fresh, hs_golden_drift *out,
                         size_t max) {
  size_t n = 0;
#define PUSH(k, nm, un, o, nw, tol)                                                          \
  do {                                                                                       \
    if (out && n < max) out[n] = (hs_golden_drift){k, nm, un, o, nw, tol};                  \
    n++;                                                                                     \
  } while (0)
  for (size_t i = 0; i < stored->n; i++) {
    const hs_golden_entry *s = &stored->e[i];
    const hs_golden_entry *f = NULL;
    for (size_t j = 0; j < fresh->n && !f; j++)
      if (!strcmp(fresh->e[j].name, s->name)) f = &fresh->e[j];
    double tol = fmax(s->abs_tol, s->rel_tol * fabs(s->value));
    if (!f) {
      PUSH(HS_DRIFT_MISSING, s->name, s->unit, s->value, NAN, tol);
      continue;
    }
    if (isnan(s->value) && isnan(f->value)) continue;
    if (isnan(s->value) || isnan(f->value) || !(fabs(f->value - s->value) <= tol * (1 + 1e-12)))
      PUSH(HS_DRIFT_VALUE, s->name, s->unit, s->value, f->value, tol);
  }
  for (size_t j = 0; j < fresh->n; j++) {
    int found = 0;
    for (size_t i = 0; i < stored->n && !found; i++)
      found = !strcmp(fresh->e[j].name, stored->e[i].name);
    if (!found) PUSH(HS_DRIFT_NEW, fresh->e[j].name, fresh->e[j].unit, NAN, fresh->e[j].value, 0);
  }
#undef PUSH
  return n;
}
