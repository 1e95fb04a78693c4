/*
 * analysis/validate.c - validation cases: load, run, evaluate (hemosim/validate.h).
 *
 * A case file is read with the located document reader (io/doc.h), so every
 * input error names file:line:col, the field, the value and what is allowed.
 * Loading goes as far as compiling each condition's plan: patient files, `set:`
 * overrides (hs_model_set_text, the code path of `hemosim run --set`) and the
 * metric names a check asks for are all checked before anything is simulated.
 * Running creates one simulation per condition from that plan; simulations are
 * independent, so a pool of threads gives the same numbers as one thread.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/patient.h"
#include "hemosim/sim.h"
#include "hemosim/units.h"
#include "hemosim/validate.h"
#include "io/doc.h"
#include "validate_impl.h"

/* ------------------------------------------------------------------ names */

const char *hs_check_kind_name(hs_check_kind k) {
  switch (k) {
  case HS_CHECK_RELATIVE_CHANGE: return "relative_change";
  case HS_CHECK_ABSOLUTE_CHANGE: return "absolute_change";
  case HS_CHECK_VALUE: return "value";
  }
  return "?";
}

const char *hs_verdict_name(hs_verdict v) {
  switch (v) {
  case HS_VERDICT_HOLDS: return "holds";
  case HS_VERDICT_FAILS: return "FAILS";
  case HS_VERDICT_KNOWN_FAILURE: return "known failure";
  case HS_VERDICT_UNEXPECTED_PASS: return "UNEXPECTED PASS";
  case HS_VERDICT_ERROR: return "ERROR";
  }
  return "?";
}

/* ------------------------------------------------------------------ case */

typedef struct vcond {
  hs_vcondition pub;
  hs_plan *plan;
  size_t nmetrics;
  char **names; /* metric names and units of the compiled plan */
  char **units;
} vcond;

struct hs_vcase {
  char *file, *id, *title, *source, *setup;
  size_t ncond, ncheck;
  vcond *cond;
  hs_vcheck *checks;
  char **pool; /* every other owned string */
  size_t npool, cpool;
};

static char *keep(hs_vcase *c, const char *s) {
  if (!s) s = "";
  if (c->npool == c->cpool) {
    size_t n = c->cpool ? 2 * c->cpool : 32;
    char **p = realloc(c->pool, n * sizeof *p);
    if (!p) return NULL;
    c->pool = p, c->cpool = n;
  }
  char *d = strdup(s);
  if (d) c->pool[c->npool++] = d;
  return d;
}

void hs_vcase_free(hs_vcase *c) {
  if (!c) return;
  for (size_t i = 0; i < c->ncond; i++) {
    hs_plan_free(c->cond[i].plan);
    for (size_t k = 0; k < c->cond[i].nmetrics; k++) free(c->cond[i].names[k]);
    free(c->cond[i].names);
    free(c->cond[i].units);
    free((void *)c->cond[i].pub.sets);
    free((void *)c->cond[i].pub.then_sets);
  }
  for (size_t i = 0; i < c->npool; i++) free(c->pool[i]);
  free(c->pool);
  free(c->cond);
  free(c->checks);
  free(c);
}

const char *hs_vcase_file(const hs_vcase *c) { return c->file; }
const char *hs_vcase_id(const hs_vcase *c) { return c->id; }
const char *hs_vcase_title(const hs_vcase *c) { return c->title; }
const char *hs_vcase_source(const hs_vcase *c) { return c->source; }
const char *hs_vcase_setup(const hs_vcase *c) { return c->setup; }
size_t hs_vcase_condition_count(const hs_vcase *c) { return c->ncond; }
const hs_vcondition *hs_vcase_condition(const hs_vcase *c, size_t i) {
  return i < c->ncond ? &c->cond[i].pub : NULL;
}
size_t hs_vcase_check_count(const hs_vcase *c) { return c->ncheck; }
const hs_vcheck *hs_vcase_check(const hs_vcase *c, size_t i) {
  return i < c->ncheck ? &c->checks[i] : NULL;
}

char *hs_path_join(const char *root, const char *rel) {
  if (!root || !*root || rel[0] == '/') return strdup(rel);
  size_t n = strlen(root) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
  return p;
}

/* Split "NAME=VALUE" (name into buf); NULL if malformed. */
static const char *split_set(const char *item, char *name, size_t n) {
  const char *eq = strchr(item, '=');
  if (!eq || eq == item || (size_t)(eq - item) >= n) return NULL;
  memcpy(name, item, (size_t)(eq - item));
  name[eq - item] = '\0';
  return eq + 1;
}

/* Apply one "NAME=VALUE" change to a running simulation (a 'then:' step). */
static hs_status sim_set(hs_sim *sim, const char *item, hs_err *err) {
  char name[128];
  const char *val = split_set(item, name, sizeof name);
  if (!val) return hs_err_set(err, HS_ERR_PARSE, "needs NAME=VALUE as in `hemosim run --set`");
  return hs_sim_set_text(sim, name, val, err);
}

/* Compile a patient file with overrides; on error the message is the library's. */
static hs_status load_model(const char *path, const char *const *sets, size_t nsets,
                            size_t *bad_set, hs_model **out, hs_err *err) {
  hs_model *m = NULL;
  hs_status st = hs_patient_load_file(path, &m, err);
  if (st) return st;
  for (size_t k = 0; k < nsets; k++) {
    char name[128];
    const char *val = split_set(sets[k], name, sizeof name);
    if (!val) {
      *bad_set = k;
      hs_model_free(m);
      return hs_err_set(err, HS_ERR_PARSE, "needs NAME=VALUE as in `hemosim run --set`");
    }
    if ((st = hs_model_set_text(m, name, val, err))) {
      *bad_set = k;
      hs_model_free(m);
      return st;
    }
  }
  *out = m;
  return HS_OK;
}

hs_status hs_validate_compile(const char *path, const char *const *sets, size_t nsets,
                              size_t *bad_set, hs_plan **out, hs_err *err) {
  hs_model *m = NULL;
  *bad_set = (size_t)-1;
  hs_status st = load_model(path, sets, nsets, bad_set, &m, err);
  if (st) return st;
  hs_plan *pl = hs_plan_compile(m, err);
  hs_model_free(m);
  if (!pl) return err ? err->code : HS_ERR_MODEL;
  *out = pl;
  return HS_OK;
}

static const char *const CASE_KEYS[] = {"id", "title", "source", "setup", "conditions", "checks",
                                        NULL};
static const char *const COND_KEYS[] = {"patient", "set", "duration", "then", NULL};
static const char *const THEN_KEYS[] = {"set", "duration", NULL};
static const char *const CHECK_KEYS[] = {"quantity", "kind",      "from", "to",
                                         "at",       "published", "band", "note",
                                         "known_failure", NULL};

static void list_keys(const char *const *keys, char *buf, size_t n) {
  buf[0] = '\0';
  for (size_t i = 0; keys[i]; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "%s%s", i ? ", " : "", keys[i]);
  }
}

static hs_status check_keys(const hs_doc *d, const hs_doc_node *map, const char *const *keys,
                            const char *what, hs_err *err) {
  for (size_t i = 0; i < hs_doc_size(map); i++) {
    const char *k = hs_doc_text(hs_doc_key(map, i));
    size_t j = 0;
    while (keys[j] && strcmp(keys[j], k)) j++;
    if (!keys[j]) {
      char allowed[256];
      list_keys(keys, allowed, sizeof allowed);
      return hs_doc_fail(d, hs_doc_key(map, i), err, HS_ERR_UNKNOWN,
                         "%s: unknown field '%s' (allowed: %s)", what, k, allowed);
    }
  }
  return HS_OK;
}

/* A required non-empty text field. */
static hs_status text_field(const hs_doc *d, const hs_doc_node *map, const char *key,
                            const char *what, int required, const char **out, hs_err *err) {
  const hs_doc_node *n = hs_doc_get(map, key);
  *out = NULL;
  if (!n) {
    if (!required) return HS_OK;
    return hs_doc_fail(d, map, err, HS_ERR_INVALID, "%s: field '%s' is missing", what, key);
  }
  if (hs_doc_kind_of(n) != HS_DOC_SCALAR || !*hs_doc_text(n))
    return hs_doc_fail(d, n, err, HS_ERR_INVALID, "%s: field '%s' must be non-empty text", what,
                       key);
  *out = hs_doc_text(n);
  return HS_OK;
}

static int find_cond(const hs_vcase *c, const char *name) {
  for (size_t i = 0; i < c->ncond; i++)
    if (!strcmp(c->cond[i].pub.name, name)) return (int)i;
  return -1;
}

static void cond_names(const hs_vcase *c, char *buf, size_t n) {
  buf[0] = '\0';
  for (size_t i = 0; i < c->ncond; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "%s%s", i ? ", " : "", c->cond[i].pub.name);
  }
}

/* A 'set' field: one "NAME=VALUE" text or a list of them (kept in the case's pool). */
static hs_status set_list(const hs_doc *d, const hs_doc_node *sn, hs_vcase *c, const char *what,
                          const char ***out, size_t *n, hs_err *err) {
  size_t nsets = 0;
  if (sn) {
    if (hs_doc_kind_of(sn) == HS_DOC_SCALAR) nsets = 1;
    else if (hs_doc_kind_of(sn) == HS_DOC_SEQ) nsets = hs_doc_size(sn);
    else
      return hs_doc_fail(d, sn, err, HS_ERR_INVALID,
                         "%s: field 'set' must be a list of \"NAME=VALUE\" texts", what);
  }
  const char **sets = calloc(nsets + 1, sizeof *sets);
  if (!sets) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  *out = sets;
  *n = nsets;
  for (size_t k = 0; k < nsets; k++) {
    const hs_doc_node *it = hs_doc_kind_of(sn) == HS_DOC_SEQ ? hs_doc_item(sn, k) : sn;
    if (hs_doc_kind_of(it) != HS_DOC_SCALAR)
      return hs_doc_fail(d, it, err, HS_ERR_INVALID,
                         "%s: each 'set' item must be a \"NAME=VALUE\" text", what);
    sets[k] = keep(c, hs_doc_text(it));
  }
  return HS_OK;
}

/* An optional 'duration' field: a time in (0, 1e5] s. */
static hs_status duration_field(const hs_doc *d, const hs_doc_node *dn, const char *what,
                                double *out, hs_err *err) {
  if (!dn) return HS_OK;
  hs_err e2;
  double t = 0;
  if (hs_doc_kind_of(dn) != HS_DOC_SCALAR ||
      hs_quantity_parse(HS_DIM_TIME, hs_doc_text(dn), &t, &e2) != HS_OK || !(t > 0) || t > 1e5)
    return hs_doc_fail(d, dn, err, HS_ERR_INVALID,
                       "%s: duration '%s' must be a time in (0, 1e5] s, e.g. \"120 s\"", what,
                       hs_doc_kind_of(dn) == HS_DOC_SCALAR ? hs_doc_text(dn) : "?");
  *out = t;
  return HS_OK;
}

static int valid_name(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

static hs_status parse_conditions(const hs_doc *d, const hs_doc_node *cn, const char *root,
                                  hs_vcase *c, hs_err *err) {
  hs_status st;
  if ((st = hs_doc_expect(d, cn, HS_DOC_MAP, "field 'conditions'", err))) return st;
  if (hs_doc_size(cn) == 0)
    return hs_doc_fail(d, cn, err, HS_ERR_INVALID,
                       "field 'conditions': at least one condition is needed");
  c->cond = calloc(hs_doc_size(cn), sizeof *c->cond);
  if (!c->cond) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < hs_doc_size(cn); i++) {
    const hs_doc_node *kn = hs_doc_key(cn, i), *v = hs_doc_value(cn, i);
    const char *name = hs_doc_text(kn);
    vcond *vc = &c->cond[c->ncond];
    char what[160];
    snprintf(what, sizeof what, "condition '%s'", name);
    if (!valid_name(name))
      return hs_doc_fail(d, kn, err, HS_ERR_INVALID,
                         "condition name '%s': use lower-case letters, digits and '_'", name);
    if ((st = hs_doc_expect(d, v, HS_DOC_MAP, what, err))) return st;
    if ((st = check_keys(d, v, COND_KEYS, what, err))) return st;
    const char *patient;
    if ((st = text_field(d, v, "patient", what, 1, &patient, err))) return st;
    vc->pub.name = keep(c, name);
    vc->pub.patient = keep(c, patient);
    c->ncond++;
    const hs_doc_node *sn = hs_doc_get(v, "set");
    const char **sets = NULL;
    size_t nsets = 0;
    if ((st = set_list(d, sn, c, what, &sets, &nsets, err))) return st;
    vc->pub.sets = sets;
    vc->pub.nsets = nsets;
    if ((st = duration_field(d, hs_doc_get(v, "duration"), what, &vc->pub.duration_s, err)))
      return st;
    const hs_doc_node *tn = hs_doc_get(v, "then"), *tsn = NULL;
    char twhat[200];
    snprintf(twhat, sizeof twhat, "%s, field 'then'", what);
    if (tn) {
      if ((st = hs_doc_expect(d, tn, HS_DOC_MAP, twhat, err))) return st;
      if ((st = check_keys(d, tn, THEN_KEYS, twhat, err))) return st;
      tsn = hs_doc_get(tn, "set");
      const hs_doc_node *tdn = hs_doc_get(tn, "duration");
      if (!tsn || !tdn)
        return hs_doc_fail(d, tn, err, HS_ERR_INVALID,
                           "%s: needs 'set' (the changes) and 'duration' (how long to run after "
                           "them)",
                           twhat);
      const char **ts = NULL;
      if ((st = set_list(d, tsn, c, twhat, &ts, &vc->pub.nthen, err))) return st;
      vc->pub.then_sets = ts;
      if ((st = duration_field(d, tdn, twhat, &vc->pub.then_s, err))) return st;
    }
    /* patient file, overrides and plan */
    const hs_doc_node *pn = hs_doc_get(v, "patient");
    char *path = hs_path_join(root, patient);
    if (!path) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    if (access(path, F_OK) != 0) { /* exists? (opening a FIFO would block: loading checks) */
      st = hs_doc_fail(d, pn, err, HS_ERR_IO,
                       "%s: patient file '%s' not found (looked for '%s'; paths are relative to "
                       "the repository root)",
                       what, patient, path);
      free(path);
      return st;
    }
    hs_err e2 = {HS_OK, ""};
    size_t bad = (size_t)-1;
    st = hs_validate_compile(path, vc->pub.sets, nsets, &bad, &vc->plan, &e2);
    free(path);
    if (st) {
      if (bad != (size_t)-1) {
        const hs_doc_node *it = hs_doc_kind_of(sn) == HS_DOC_SEQ ? hs_doc_item(sn, bad) : sn;
        return hs_doc_fail(d, it, err, st, "%s: set '%s': %s", what, sets[bad], e2.msg);
      }
      return hs_doc_fail(d, pn, err, st, "%s: patient '%s': %s", what, patient, e2.msg);
    }
    hs_sim *sim = hs_sim_new(vc->plan, &e2);
    if (!sim) return hs_doc_fail(d, pn, err, e2.code, "%s: %s", what, e2.msg);
    for (size_t k = 0; k < vc->pub.nthen; k++)
      if ((st = sim_set(sim, vc->pub.then_sets[k], &e2))) {
        const hs_doc_node *it =
            hs_doc_kind_of(tsn) == HS_DOC_SEQ ? hs_doc_item(tsn, k) : tsn;
        hs_sim_free(sim);
        return hs_doc_fail(d, it, err, st, "%s: set '%s': %s", twhat, vc->pub.then_sets[k],
                           e2.msg);
      }
    vc->nmetrics = hs_sim_metric_count(sim);
    vc->names = calloc(vc->nmetrics, sizeof *vc->names);
    vc->units = calloc(vc->nmetrics, sizeof *vc->units);
    if (!vc->names || !vc->units) {
      hs_sim_free(sim);
      return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < vc->nmetrics; k++) {
      char buf[128];
      vc->names[k] = strdup(hs_sim_metric_name(sim, k, buf, sizeof buf));
      vc->units[k] = keep(c, hs_sim_metric_unit(sim, k));
      if (!vc->names[k] || !vc->units[k]) {
        hs_sim_free(sim);
        return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
      }
    }
    hs_sim_free(sim);
  }
  return HS_OK;
}

/* Unit of a metric in a condition, or NULL if the simulation does not report it. */
static const char *metric_unit(const vcond *vc, const char *name) {
  for (size_t k = 0; k < vc->nmetrics; k++)
    if (!strcmp(vc->names[k], name)) return vc->units[k];
  return NULL;
}

static hs_status cond_ref(const hs_doc *d, const hs_doc_node *ck, const char *key,
                          const char *what, hs_vcase *c, int *out, hs_err *err) {
  const hs_doc_node *n = hs_doc_get(ck, key);
  if (!n) return hs_doc_fail(d, ck, err, HS_ERR_INVALID, "%s: field '%s' is missing", what, key);
  if (hs_doc_kind_of(n) != HS_DOC_SCALAR)
    return hs_doc_fail(d, n, err, HS_ERR_INVALID, "%s: field '%s' must name a condition", what,
                       key);
  int i = find_cond(c, hs_doc_text(n));
  if (i < 0) {
    char names[512];
    cond_names(c, names, sizeof names);
    return hs_doc_fail(d, n, err, HS_ERR_UNKNOWN,
                       "%s: field '%s': unknown condition '%s' (conditions: %s)", what, key,
                       hs_doc_text(n), names);
  }
  *out = i;
  return HS_OK;
}

static hs_status parse_checks(const hs_doc *d, const hs_doc_node *cs, hs_vcase *c,
                              hs_err *err) {
  hs_status st;
  if ((st = hs_doc_expect(d, cs, HS_DOC_SEQ, "field 'checks'", err))) return st;
  if (hs_doc_size(cs) == 0)
    return hs_doc_fail(d, cs, err, HS_ERR_INVALID, "field 'checks': at least one check is needed");
  c->checks = calloc(hs_doc_size(cs), sizeof *c->checks);
  if (!c->checks) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < hs_doc_size(cs); i++) {
    const hs_doc_node *ck = hs_doc_item(cs, i);
    hs_vcheck *k = &c->checks[i];
    char what[96];
    snprintf(what, sizeof what, "check %zu", i + 1);
    if ((st = hs_doc_expect(d, ck, HS_DOC_MAP, what, err))) return st;
    if ((st = check_keys(d, ck, CHECK_KEYS, what, err))) return st;
    k->line = hs_doc_line(ck);
    k->from = k->to = k->at = -1;
    const char *q, *kind, *pub, *note, *kf;
    if ((st = text_field(d, ck, "quantity", what, 1, &q, err))) return st;
    snprintf(what, sizeof what, "check %zu (%s)", i + 1, q);
    if ((st = text_field(d, ck, "kind", what, 1, &kind, err))) return st;
    if ((st = text_field(d, ck, "published", what, 1, &pub, err))) return st;
    if ((st = text_field(d, ck, "note", what, 0, &note, err))) return st;
    if ((st = text_field(d, ck, "known_failure", what, 0, &kf, err))) return st;
    const hs_doc_node *kn = hs_doc_get(ck, "kind");
    if (!strcmp(kind, "relative_change")) k->kind = HS_CHECK_RELATIVE_CHANGE;
    else if (!strcmp(kind, "absolute_change")) k->kind = HS_CHECK_ABSOLUTE_CHANGE;
    else if (!strcmp(kind, "value")) k->kind = HS_CHECK_VALUE;
    else
      return hs_doc_fail(d, kn, err, HS_ERR_INVALID,
                         "%s: unknown kind '%s' (allowed: relative_change, absolute_change, "
                         "value)",
                         what, kind);
    if (k->kind == HS_CHECK_VALUE) {
      if ((st = cond_ref(d, ck, "at", what, c, &k->at, err))) return st;
      for (int j = 0; j < 2; j++) {
        const char *key = j ? "to" : "from";
        if (hs_doc_get(ck, key))
          return hs_doc_fail(d, hs_doc_get(ck, key), err,
                             HS_ERR_INVALID,
                             "%s: field '%s' does not belong to kind 'value' (use 'at')", what,
                             key);
      }
    } else {
      if ((st = cond_ref(d, ck, "from", what, c, &k->from, err))) return st;
      if ((st = cond_ref(d, ck, "to", what, c, &k->to, err))) return st;
      if (hs_doc_get(ck, "at"))
        return hs_doc_fail(d, hs_doc_get(ck, "at"), err, HS_ERR_INVALID,
                           "%s: field 'at' belongs to kind 'value' only (kind '%s' uses 'from' "
                           "and 'to')",
                           what, kind);
      if (k->from == k->to)
        return hs_doc_fail(d, hs_doc_get(ck, "to"), err, HS_ERR_INVALID,
                           "%s: 'from' and 'to' name the same condition '%s'", what,
                           c->cond[k->to].pub.name);
    }
    /* the metric must be reported by every condition the check reads */
    int refs[2] = {k->kind == HS_CHECK_VALUE ? k->at : k->from,
                   k->kind == HS_CHECK_VALUE ? k->at : k->to};
    const char *unit = NULL;
    for (int j = 0; j < 2; j++) {
      unit = metric_unit(&c->cond[refs[j]], q);
      if (!unit)
        return hs_doc_fail(d, hs_doc_get(ck, "quantity"), err, HS_ERR_UNKNOWN,
                           "%s: metric '%s' is not reported by the simulation of condition '%s' "
                           "(patient %s); `hemosim run PATIENT --summary-json -` lists the "
                           "metrics",
                           what, q, c->cond[refs[j]].pub.name, c->cond[refs[j]].pub.patient);
    }
    const hs_doc_node *bn = hs_doc_get(ck, "band");
    if (!bn) return hs_doc_fail(d, ck, err, HS_ERR_INVALID, "%s: field 'band' is missing", what);
    if (hs_doc_kind_of(bn) != HS_DOC_SEQ || hs_doc_size(bn) != 2)
      return hs_doc_fail(d, bn, err, HS_ERR_INVALID,
                         "%s: field 'band' must be [lo, hi] (two numbers in the check's unit)",
                         what);
    if ((st = hs_doc_number(d, hs_doc_item(bn, 0), "band lower bound", &k->band_lo, err)) ||
        (st = hs_doc_number(d, hs_doc_item(bn, 1), "band upper bound", &k->band_hi, err))) {
      hs_err_prefix(err, "%s: ", what);
      return st;
    }
    if (k->band_lo > k->band_hi)
      return hs_doc_fail(d, bn, err, HS_ERR_INVALID,
                         "%s: band [%g, %g] has lo > hi (write [lo, hi] with lo <= hi)", what,
                         k->band_lo, k->band_hi);
    k->quantity = keep(c, q);
    k->unit = k->kind == HS_CHECK_RELATIVE_CHANGE ? keep(c, "%") : keep(c, unit);
    k->published = keep(c, pub);
    k->note = keep(c, note ? note : "");
    k->known_failure = kf ? keep(c, kf) : NULL;
    if (!k->quantity || !k->unit || !k->published || !k->note || (kf && !k->known_failure))
      return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    c->ncheck++;
  }
  return HS_OK;
}

/* File name without directory and ".yaml"/".yml"/".json". */
static void stem_of(const char *name, char *buf, size_t n) {
  const char *b = strrchr(name, '/');
  b = b ? b + 1 : name;
  snprintf(buf, n, "%s", b);
  char *dot = strrchr(buf, '.');
  if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json")))
    *dot = '\0';
}

static hs_status load_doc(hs_doc *d, const char *root, hs_vcase **out, hs_err *err) {
  hs_vcase *c = calloc(1, sizeof *c);
  if (!c) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  hs_status st;
  const hs_doc_node *r = hs_doc_root(d);
  const char *id, *title, *source, *setup;
  if ((st = hs_doc_expect(d, r, HS_DOC_MAP, "a validation case", err))) goto fail;
  if ((st = check_keys(d, r, CASE_KEYS, "validation case", err))) goto fail;
  if ((st = text_field(d, r, "id", "validation case", 1, &id, err))) goto fail;
  if ((st = text_field(d, r, "title", "validation case", 1, &title, err))) goto fail;
  if ((st = text_field(d, r, "source", "validation case", 1, &source, err))) goto fail;
  if ((st = text_field(d, r, "setup", "validation case", 1, &setup, err))) goto fail;
  char stem[256];
  stem_of(hs_doc_name(d), stem, sizeof stem);
  if (strcmp(stem, id)) {
    st = hs_doc_fail(d, hs_doc_get(r, "id"), err, HS_ERR_INVALID,
                     "validation case: id '%s' must equal the file name without .yaml ('%s')",
                     id, stem);
    goto fail;
  }
  const hs_doc_node *cn = hs_doc_get(r, "conditions"), *cs = hs_doc_get(r, "checks");
  if (!cn || !cs) {
    st = hs_doc_fail(d, r, err, HS_ERR_INVALID, "validation case: field '%s' is missing",
                     cn ? "checks" : "conditions");
    goto fail;
  }
  c->file = keep(c, hs_doc_name(d));
  c->id = keep(c, id);
  c->title = keep(c, title);
  c->source = keep(c, source);
  c->setup = keep(c, setup);
  if (!c->file || !c->id || !c->title || !c->source || !c->setup) {
    st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto fail;
  }
  /* trim the trailing newline a folded block scalar leaves */
  for (size_t l = strlen(c->setup); l && (c->setup[l - 1] == '\n' || c->setup[l - 1] == ' ');)
    c->setup[--l] = '\0';
  if ((st = parse_conditions(d, cn, root, c, err))) goto fail;
  if ((st = parse_checks(d, cs, c, err))) goto fail;
  *out = c;
  return HS_OK;
fail:
  hs_vcase_free(c);
  return st;
}

hs_status hs_vcase_load_file(const char *path, const char *root, hs_vcase **out, hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  if (st) return st;
  st = load_doc(d, root, out, err);
  hs_doc_free(d);
  return st;
}

hs_status hs_vcase_load_string(const char *name, const char *text, size_t len, const char *root,
                               hs_vcase **out, hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_string(name, text, len, &d, err);
  if (st) return st;
  st = load_doc(d, root, out, err);
  hs_doc_free(d);
  return st;
}

/* ------------------------------------------------------------------ arithmetic */

hs_status hs_vcheck_compute(hs_check_kind kind, double from, double to, double *out,
                            hs_err *err) {
  *out = NAN;
  if (!isfinite(to) || (kind != HS_CHECK_VALUE && !isfinite(from)))
    return hs_err_set(err, HS_ERR_INVALID, "the simulated metric is not a finite number");
  switch (kind) {
  case HS_CHECK_RELATIVE_CHANGE:
    if (from == 0)
      return hs_err_set(err, HS_ERR_INVALID,
                        "relative change from 0 is undefined (use absolute_change)");
    *out = 100.0 * (to - from) / from;
    return HS_OK;
  case HS_CHECK_ABSOLUTE_CHANGE: *out = to - from; return HS_OK;
  case HS_CHECK_VALUE: *out = to; return HS_OK;
  }
  return hs_err_set(err, HS_ERR_INVALID, "unknown check kind");
}

hs_verdict hs_vcheck_verdict(double value, double lo, double hi, int known_failure) {
  if (!isfinite(value)) return HS_VERDICT_ERROR;
  int inside = value >= lo && value <= hi;
  if (known_failure) return inside ? HS_VERDICT_UNEXPECTED_PASS : HS_VERDICT_KNOWN_FAILURE;
  return inside ? HS_VERDICT_HOLDS : HS_VERDICT_FAILS;
}

/* ------------------------------------------------------------------ running */

hs_status hs_validate_simulate(const hs_plan *plan, double duration_s, hs_vcondition_result *r) {
  return hs_validate_simulate_then(plan, duration_s, NULL, 0, 0.0, r);
}

hs_status hs_validate_simulate_then(const hs_plan *plan, double duration_s,
                                    const char *const *then_sets, size_t nthen, double then_s,
                                    hs_vcondition_result *r) {
  hs_err err = {HS_OK, ""};
  long beats0 = 0;
  hs_sim *sim = hs_sim_new(plan, &err);
  hs_status st = sim ? HS_OK : err.code;
  r->steady_reached = 1;
  if (!st) {
    if (duration_s > 0) {
      st = hs_sim_run(sim, duration_s, &err);
    } else {
      hs_steady_info info;
      st = hs_sim_run_to_steady(sim, &info, &err);
      if (st == HS_ERR_NOT_STEADY) { /* as `hemosim run`: reported, metrics still used */
        r->steady_reached = 0;
        st = HS_OK;
      }
    }
  }
  if (!st && nthen) { /* the 'then:' step: changes applied to the running simulation */
    for (size_t k = 0; k < nthen && !st; k++) st = sim_set(sim, then_sets[k], &err);
    beats0 = hs_sim_beats(sim);
    if (!st) st = hs_sim_run(sim, then_s, &err);
  }
  if (!st) {
    double window = 6;
    hs_sim_get(sim, "solver.window_beats", &window, NULL);
    int w = (int)window;
    if (hs_sim_beats(sim) - beats0 < w) w = (int)(hs_sim_beats(sim) - beats0);
    if (w < 1) st = hs_err_set(&err, HS_ERR_STATE, "the run ended before the first beat");
    else {
      r->nmetrics = hs_sim_metric_count(sim);
      r->names = calloc(r->nmetrics, sizeof *r->names);
      r->values = calloc(r->nmetrics, sizeof *r->values);
      r->units = calloc(r->nmetrics, sizeof *r->units);
      if (!r->names || !r->values || !r->units) st = hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
      for (size_t k = 0; !st && k < r->nmetrics; k++) {
        char buf[128];
        if (!(r->names[k] = strdup(hs_sim_metric_name(sim, k, buf, sizeof buf))))
          st = hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
        else r->units[k] = hs_sim_metric_unit(sim, k);
      }
      if (!st) st = hs_sim_summary_all(sim, w, r->values, &err);
    }
  }
  if (sim) {
    r->beats = hs_sim_beats(sim);
    r->simulated_s = hs_sim_time(sim);
  }
  r->status = st;
  if (st) snprintf(r->error, sizeof r->error, "%s", err.msg);
  hs_sim_free(sim);
  return st;
}

void hs_vcondition_result_clear(hs_vcondition_result *r) {
  if (r->names)
    for (size_t k = 0; k < r->nmetrics; k++) free(r->names[k]);
  free(r->names);
  free(r->values);
  free((void *)r->units);
  r->names = NULL, r->values = NULL, r->units = NULL, r->nmetrics = 0;
}

double hs_vresult_metric(const hs_vcondition_result *c, const char *name) {
  if (c->status) return NAN;
  for (size_t k = 0; k < c->nmetrics; k++)
    if (!strcmp(c->names[k], name)) return c->values[k];
  return NAN;
}

typedef struct job {
  const hs_plan *plan;
  const hs_vcondition *cond;
  hs_vcondition_result *res;
} job;

typedef struct pool {
  job *jobs;
} pool;

typedef struct gpool {
  void (*fn)(void *, size_t);
  void *ud;
  size_t n, next;
  pthread_mutex_t lock;
} gpool;

static void *gworker(void *arg) {
  gpool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    size_t i = p->next++;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->n) return NULL;
    p->fn(p->ud, i);
  }
}

/* Call fn(ud, i) for i < n on up to `threads` threads (the caller's included). */
void hs_validate_pool_run(void (*fn)(void *, size_t), void *ud, size_t n, int threads) {
  gpool p = {fn, ud, n, 0, PTHREAD_MUTEX_INITIALIZER};
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  if ((size_t)threads > n) threads = n ? (int)n : 1;
  pthread_t th[64];
  int started = 0;
  for (int k = 1; k < threads; k++)
    if (pthread_create(&th[started], NULL, gworker, &p) == 0) started++;
  gworker(&p);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
  pthread_mutex_destroy(&p.lock);
}

static void run_job(void *ud, size_t i) {
  pool *p = ud;
  const hs_vcondition *c = p->jobs[i].cond;
  hs_validate_simulate_then(p->jobs[i].plan, c->duration_s, c->then_sets, c->nthen, c->then_s,
                            p->jobs[i].res);
}

static void evaluate(hs_vresult *r) {
  const hs_vcase *c = r->vcase;
  for (size_t i = 0; i < c->ncheck; i++) {
    const hs_vcheck *k = &c->checks[i];
    hs_vcheck_result *o = &r->checks[i];
    int a = k->kind == HS_CHECK_VALUE ? k->at : k->from;
    int b = k->kind == HS_CHECK_VALUE ? k->at : k->to;
    const hs_vcondition_result *ca = &r->conditions[a], *cb = &r->conditions[b];
    o->from_value = k->kind == HS_CHECK_VALUE ? NAN : hs_vresult_metric(ca, k->quantity);
    o->to_value = hs_vresult_metric(cb, k->quantity);
    o->value = NAN;
    if (ca->status || cb->status) {
      const hs_vcondition_result *bad = ca->status ? ca : cb;
      snprintf(o->error, sizeof o->error, "condition '%s': %s",
               c->cond[ca->status ? a : b].pub.name, bad->error);
      o->verdict = HS_VERDICT_ERROR;
      continue;
    }
    hs_err e = {HS_OK, ""};
    if (hs_vcheck_compute(k->kind, o->from_value, o->to_value, &o->value, &e)) {
      snprintf(o->error, sizeof o->error, "%s", e.msg);
      o->verdict = HS_VERDICT_ERROR;
      continue;
    }
    o->verdict = hs_vcheck_verdict(o->value, k->band_lo, k->band_hi, k->known_failure != NULL);
  }
}

void hs_vresults_free(hs_vresult *r, size_t n) {
  if (!r) return;
  for (size_t i = 0; i < n; i++) {
    if (r[i].conditions)
      for (size_t j = 0; j < r[i].nconditions; j++)
        hs_vcondition_result_clear(&r[i].conditions[j]);
    free(r[i].conditions);
    free(r[i].checks);
  }
  free(r);
}

hs_status hs_validate_run(const hs_vcase *const *cases, size_t n, int threads,
                          hs_vresult **out, hs_err *err) {
  *out = NULL;
  hs_vresult *r = calloc(n ? n : 1, sizeof *r);
  size_t njobs = 0;
  if (!r) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    r[i].vcase = cases[i];
    r[i].nconditions = cases[i]->ncond;
    r[i].nchecks = cases[i]->ncheck;
    r[i].conditions = calloc(cases[i]->ncond + 1, sizeof *r[i].conditions);
    r[i].checks = calloc(cases[i]->ncheck + 1, sizeof *r[i].checks);
    if (!r[i].conditions || !r[i].checks) {
      hs_vresults_free(r, n);
      return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    }
    njobs += cases[i]->ncond;
  }
  job *jobs = calloc(njobs + 1, sizeof *jobs);
  if (!jobs) {
    hs_vresults_free(r, n);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  size_t j = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < cases[i]->ncond; k++)
      jobs[j++] = (job){cases[i]->cond[k].plan, &cases[i]->cond[k].pub, &r[i].conditions[k]};
  pool p = {jobs};
  hs_validate_pool_run(run_job, &p, njobs, threads);
  free(jobs);
  for (size_t i = 0; i < n; i++) evaluate(&r[i]);
  *out = r;
  return HS_OK;
}

void hs_vtally_of(const hs_vresult *r, size_t n, hs_vtally *t) {
  memset(t, 0, sizeof *t);
  t->cases = n;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < r[i].nchecks; k++) {
      t->checks++;
      switch (r[i].checks[k].verdict) {
      case HS_VERDICT_HOLDS: t->holds++; break;
      case HS_VERDICT_FAILS: t->fails++; break;
      case HS_VERDICT_KNOWN_FAILURE: t->known_failures++; break;
      case HS_VERDICT_UNEXPECTED_PASS: t->unexpected_passes++; break;
      case HS_VERDICT_ERROR: t->errors++; break;
      }
    }
}
