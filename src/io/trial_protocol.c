/*
 * io/trial_protocol.c - the trial protocol file (`hemosim_trial: 1`, YAML or
 * JSON; docs/trial.md "Protocol file"): arms and allocation ratios, sites,
 * stratification factors, permuted-block sizes, visit windows, eligibility
 * checklist, required fields and the micro-arm thresholds.
 *
 * Every value is checked where it is read; every error names file:line:col,
 * the field, the value and what is allowed.  Unknown fields are errors.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/doc.h"
#include "io/trial_impl.h"

static const char *const TOP[] = {"hemosim_trial", "name",  "registration", "arms",
                                  "sites",         "strata", "block_sizes", "windows",
                                  "eligibility",   "required", "thresholds", "followup_days",
                                  "notes",         NULL};

static hs_status known_keys(const hs_doc *d, const hs_doc_node *map, const char *what,
                            const char *const *known, hs_err *err) {
  for (size_t i = 0; i < hs_doc_size(map); i++) {
    const char *k = hs_doc_text(hs_doc_key(map, i));
    const char *const *p = known;
    while (*p && strcmp(*p, k)) p++;
    if (*p) continue;
    char list[400] = "";
    for (p = known; *p; p++) {
      if (p != known) strncat(list, ", ", sizeof list - strlen(list) - 1);
      strncat(list, *p, sizeof list - strlen(list) - 1);
    }
    return hs_doc_fail(d, hs_doc_key(map, i), err, HS_ERR_UNKNOWN,
                       "%s: unknown field '%s' (known: %s)", what, k, list);
  }
  return HS_OK;
}

/* A name field: letters, digits, '.', '_', '-', 1..63 characters. */
static hs_status read_id(const hs_doc *d, const hs_doc_node *n, const char *what, char out[TN],
                         hs_err *err) {
  const char *s;
  hs_status st = hs_doc_string(d, n, what, &s, err);
  if (st) return st;
  size_t len = strlen(s);
  if (!len || len >= TN)
    return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s '%s' must have 1 to %d characters", what, s,
                       TN - 1);
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                         "%s '%s': character '%c' is not allowed (letters, digits, '.', '_', "
                         "'-')",
                         what, s, c);
  }
  memcpy(out, s, len + 1);
  return HS_OK;
}

static hs_status read_text(const hs_doc *d, const hs_doc_node *n, const char *what, char *out,
                           size_t size, hs_err *err) {
  const char *s;
  hs_status st = hs_doc_string(d, n, what, &s, err);
  if (st) return st;
  if (strlen(s) >= size)
    return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s is longer than %zu characters", what,
                       size - 1);
  snprintf(out, size, "%s", s);
  return HS_OK;
}

static hs_status read_int_in(const hs_doc *d, const hs_doc_node *n, const char *what, int lo,
                             int hi, int *out, hs_err *err) {
  hs_status st = hs_doc_integer(d, n, what, out, err);
  if (st) return st;
  if (*out < lo || *out > hi)
    return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s = %s is out of range [%d, %d]", what,
                       hs_doc_text(n), lo, hi);
  return HS_OK;
}

static hs_status read_num_in(const hs_doc *d, const hs_doc_node *n, const char *what, double lo,
                             double hi, const char *unit, double *out, hs_err *err) {
  hs_status st = hs_doc_number(d, n, what, out, err);
  if (st) return st;
  if (!(*out >= lo && *out <= hi))
    return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s = %s is out of range [%g, %g] %s", what,
                       hs_doc_text(n), lo, hi, unit);
  return HS_OK;
}

static hs_status seq_of(const hs_doc *d, const hs_doc_node *n, const char *what, size_t lo,
                        size_t hi, hs_err *err) {
  hs_status st = hs_doc_expect(d, n, HS_DOC_SEQ, what, err);
  if (st) return st;
  if (hs_doc_size(n) < lo || hs_doc_size(n) > hi)
    return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s lists %zu items (allowed: %zu to %zu)", what,
                       hs_doc_size(n), lo, hi);
  return HS_OK;
}

static const hs_doc_node *need(const hs_doc *d, const hs_doc_node *map, const char *key,
                               const char *what, hs_err *err) {
  const hs_doc_node *v = hs_doc_get(map, key);
  if (!v) hs_doc_fail(d, map, err, HS_ERR_INVALID, "%s: '%s' is missing (required)", what, key);
  return v;
}

static hs_status read_arms(const hs_doc *d, const hs_doc_node *n, hs_trial_protocol *p,
                           hs_err *err) {
  static const char *const keys[] = {"id", "ratio", "policy", "label", NULL};
  hs_status st = seq_of(d, n, "arms", 2, TP_MAX_ARMS, err);
  for (size_t i = 0; !st && i < hs_doc_size(n); i++) {
    const hs_doc_node *e = hs_doc_item(n, i), *v;
    tp_arm *a = &p->arm[i];
    char w[64];
    snprintf(w, sizeof w, "arms[%zu]", i + 1);
    if ((st = hs_doc_expect(d, e, HS_DOC_MAP, w, err)) || (st = known_keys(d, e, w, keys, err)))
      return st;
    if (!(v = need(d, e, "id", w, err))) return HS_ERR_INVALID;
    if ((st = read_id(d, v, "arm id", a->id, err))) return st;
    for (size_t j = 0; j < i; j++)
      if (!strcmp(p->arm[j].id, a->id))
        return hs_doc_fail(d, v, err, HS_ERR_INVALID, "arm id '%s' is given twice", a->id);
    a->ratio = 1;
    if ((v = hs_doc_get(e, "ratio")) && (st = read_int_in(d, v, "arm ratio", 1, 10, &a->ratio, err)))
      return st;
    snprintf(a->policy, sizeof a->policy, "%s", i == 0 ? "control" : "micro");
    if ((v = hs_doc_get(e, "policy"))) {
      if ((st = read_text(d, v, "arm policy", a->policy, sizeof a->policy, err))) return st;
      if (strcmp(a->policy, "control") && strcmp(a->policy, "micro"))
        return hs_doc_fail(d, v, err, HS_ERR_RANGE,
                           "arm policy '%s' is unknown (allowed: control, micro)", a->policy);
    }
    if ((v = hs_doc_get(e, "label")) &&
        (st = read_text(d, v, "arm label", a->label, sizeof a->label, err)))
      return st;
    p->narms = (int)i + 1;
  }
  return st;
}

static hs_status read_strata(const hs_doc *d, const hs_doc_node *n, hs_trial_protocol *p,
                             hs_err *err) {
  static const char *const keys[] = {"name", "levels", NULL};
  hs_status st = seq_of(d, n, "strata", 0, TP_MAX_FACTORS, err);
  for (size_t i = 0; !st && i < hs_doc_size(n); i++) {
    const hs_doc_node *e = hs_doc_item(n, i), *v;
    tp_factor *f = &p->factor[i];
    char w[64];
    snprintf(w, sizeof w, "strata[%zu]", i + 1);
    if ((st = hs_doc_expect(d, e, HS_DOC_MAP, w, err)) || (st = known_keys(d, e, w, keys, err)))
      return st;
    if (!(v = need(d, e, "name", w, err))) return HS_ERR_INVALID;
    if ((st = read_id(d, v, "stratum name", f->name, err))) return st;
    if (!strcmp(f->name, "site"))
      return hs_doc_fail(d, v, err, HS_ERR_INVALID,
                         "stratum 'site' is implicit (allocation is always stratified by site; "
                         "list the sites under 'sites')");
    for (size_t j = 0; j < i; j++)
      if (!strcmp(p->factor[j].name, f->name))
        return hs_doc_fail(d, v, err, HS_ERR_INVALID, "stratum '%s' is given twice", f->name);
    if (!(v = need(d, e, "levels", w, err))) return HS_ERR_INVALID;
    if ((st = seq_of(d, v, "stratum levels", 2, TP_MAX_LEVELS, err))) return st;
    for (size_t k = 0; k < hs_doc_size(v); k++) {
      if ((st = read_id(d, hs_doc_item(v, k), "stratum level", f->level[k], err))) return st;
      for (size_t j = 0; j < k; j++)
        if (!strcmp(f->level[j], f->level[k]))
          return hs_doc_fail(d, hs_doc_item(v, k), err, HS_ERR_INVALID,
                             "stratum %s: level '%s' is given twice", f->name, f->level[k]);
      f->nlevels = (int)k + 1;
    }
    p->nfactors = (int)i + 1;
  }
  return st;
}

static hs_status read_windows(const hs_doc *d, const hs_doc_node *n, hs_trial_protocol *p,
                              hs_err *err) {
  static const char *const visits[] = {"T1", "T2", "T3", "T4", NULL};
  static const char *const keys[] = {"from", "lo_h", "hi_h", NULL};
  hs_status st = hs_doc_expect(d, n, HS_DOC_MAP, "windows", err);
  if (!st) st = known_keys(d, n, "windows", visits, err);
  for (int v = V_T1; !st && v <= V_T4; v++) {
    const hs_doc_node *e = hs_doc_get(n, hs_trial_visit_name(v)), *x;
    if (!e) continue; /* default kept */
    char w[64];
    snprintf(w, sizeof w, "windows.%s", hs_trial_visit_name(v));
    if ((st = hs_doc_expect(d, e, HS_DOC_MAP, w, err)) || (st = known_keys(d, e, w, keys, err)))
      return st;
    tp_window *win = &p->window[v];
    if ((x = hs_doc_get(e, "from"))) {
      const char *s;
      if ((st = hs_doc_string(d, x, "window from", &s, err))) return st;
      if (!strcmp(s, "placement"))
        win->from = 0;
      else if (!strcmp(s, "T1") && v != V_T1)
        win->from = V_T1;
      else
        return hs_doc_fail(d, x, err, HS_ERR_RANGE,
                           "%s.from = '%s' is not allowed (placement%s)", w, s,
                           v == V_T1 ? "" : " or T1");
    }
    if ((x = hs_doc_get(e, "lo_h")) &&
        (st = read_num_in(d, x, "window lo_h", 0, 720, "h", &win->lo_h, err)))
      return st;
    if ((x = hs_doc_get(e, "hi_h")) &&
        (st = read_num_in(d, x, "window hi_h", 0, 720, "h", &win->hi_h, err)))
      return st;
    if (!(win->hi_h > win->lo_h))
      return hs_doc_fail(d, e, err, HS_ERR_RANGE, "%s: hi_h (%g) must exceed lo_h (%g)", w,
                         win->hi_h, win->lo_h);
  }
  return st;
}

static hs_status read_eligibility(const hs_doc *d, const hs_doc_node *n, hs_trial_protocol *p,
                                  hs_err *err) {
  static const char *const keys[] = {"id", "eligible_if", "text", NULL};
  hs_status st = seq_of(d, n, "eligibility", 1, TP_MAX_CRITERIA, err);
  for (size_t i = 0; !st && i < hs_doc_size(n); i++) {
    const hs_doc_node *e = hs_doc_item(n, i), *v;
    tp_criterion *c = &p->criterion[i];
    char w[64];
    snprintf(w, sizeof w, "eligibility[%zu]", i + 1);
    if ((st = hs_doc_expect(d, e, HS_DOC_MAP, w, err)) || (st = known_keys(d, e, w, keys, err)))
      return st;
    if (!(v = need(d, e, "id", w, err))) return HS_ERR_INVALID;
    if ((st = read_id(d, v, "criterion id", c->id, err))) return st;
    for (size_t j = 0; j < i; j++)
      if (!strcmp(p->criterion[j].id, c->id))
        return hs_doc_fail(d, v, err, HS_ERR_INVALID, "criterion '%s' is given twice", c->id);
    if (!(v = need(d, e, "eligible_if", w, err))) return HS_ERR_INVALID;
    if ((st = hs_doc_boolean(d, v, "eligible_if (yes: inclusion, no: exclusion)",
                             &c->eligible_answer, err)))
      return st;
    if (!(v = need(d, e, "text", w, err))) return HS_ERR_INVALID;
    if ((st = read_text(d, v, "criterion text", c->text, sizeof c->text, err))) return st;
    p->ncriteria = (int)i + 1;
  }
  return st;
}

static json_t *canon_json(const hs_trial_protocol *p) {
  json_t *o = json_object(), *arms = json_array(), *sites = json_array(), *strata = json_array(),
         *blocks = json_array(), *win = json_object(), *elig = json_array(), *req = json_array();
  for (int i = 0; i < p->narms; i++)
    json_array_append_new(arms, json_pack("{s:s,s:i,s:s,s:s}", "id", p->arm[i].id, "ratio",
                                          p->arm[i].ratio, "policy", p->arm[i].policy, "label",
                                          p->arm[i].label));
  for (int i = 0; i < p->nsites; i++) json_array_append_new(sites, json_string(p->site[i]));
  for (int i = 0; i < p->nfactors; i++) {
    json_t *lv = json_array();
    for (int k = 0; k < p->factor[i].nlevels; k++)
      json_array_append_new(lv, json_string(p->factor[i].level[k]));
    json_array_append_new(strata, json_pack("{s:s,s:o}", "name", p->factor[i].name, "levels", lv));
  }
  for (int i = 0; i < p->nblocks; i++) json_array_append_new(blocks, json_integer(p->block[i]));
  for (int v = V_T1; v <= V_T4; v++)
    json_object_set_new(win, hs_trial_visit_name(v),
                        json_pack("{s:s,s:f,s:f}", "from", p->window[v].from ? "T1" : "placement",
                                  "lo_h", p->window[v].lo_h, "hi_h", p->window[v].hi_h));
  for (int i = 0; i < p->ncriteria; i++)
    json_array_append_new(elig, json_pack("{s:s,s:b,s:s}", "id", p->criterion[i].id,
                                          "eligible_if", p->criterion[i].eligible_answer, "text",
                                          p->criterion[i].text));
  for (int i = 0; i < p->nrequired; i++) json_array_append_new(req, json_string(p->required[i]));
  json_object_set_new(o, "hemosim_trial", json_integer(1));
  json_object_set_new(o, "name", json_string(p->name));
  json_object_set_new(o, "registration", json_string(p->registration));
  json_object_set_new(o, "arms", arms);
  json_object_set_new(o, "sites", sites);
  json_object_set_new(o, "strata", strata);
  json_object_set_new(o, "block_sizes", blocks);
  json_object_set_new(o, "windows", win);
  json_object_set_new(o, "eligibility", elig);
  json_object_set_new(o, "required", req);
  json_object_set_new(o, "thresholds",
                      json_pack("{s:f,s:f}", "psvd_min", p->psvd_min, "ppsv_min", p->ppsv_min));
  json_object_set_new(o, "followup_days", json_integer(p->followup_days));
  return o;
}

static hs_status build(const hs_doc *d, hs_trial_protocol *p, hs_err *err) {
  const hs_doc_node *root = hs_doc_root(d), *v;
  hs_status st = hs_doc_expect(d, root, HS_DOC_MAP, "the protocol file", err);
  if (st) return st;
  if (!(v = hs_doc_get(root, "hemosim_trial")))
    return hs_doc_fail(d, root, err, HS_ERR_PARSE,
                       "not a hemosim trial protocol: it must contain 'hemosim_trial: 1'");
  int ver;
  if ((st = hs_doc_integer(d, v, "hemosim_trial", &ver, err))) return st;
  if (ver != 1)
    return hs_doc_fail(d, v, err, HS_ERR_RANGE, "hemosim_trial: format version %d is not "
                       "supported (allowed: 1)", ver);
  if ((st = known_keys(d, root, "top level", TOP, err))) return st;
  if (!(v = need(d, root, "name", "protocol", err))) return HS_ERR_INVALID;
  if ((st = read_text(d, v, "name", p->name, sizeof p->name, err))) return st;
  if ((v = hs_doc_get(root, "registration")) &&
      (st = read_text(d, v, "registration", p->registration, sizeof p->registration, err)))
    return st;
  if ((v = hs_doc_get(root, "notes")) && (st = hs_doc_string(d, v, "notes", NULL, err)))
    return st;
  if (!(v = need(d, root, "arms", "protocol", err))) return HS_ERR_INVALID;
  if ((st = read_arms(d, v, p, err))) return st;
  if (!(v = need(d, root, "sites", "protocol", err))) return HS_ERR_INVALID;
  if ((st = seq_of(d, v, "sites", 1, TP_MAX_SITES, err))) return st;
  for (size_t i = 0; i < hs_doc_size(v); i++) {
    if ((st = read_id(d, hs_doc_item(v, i), "site", p->site[i], err))) return st;
    for (size_t j = 0; j < i; j++)
      if (!strcmp(p->site[i], p->site[j]))
        return hs_doc_fail(d, hs_doc_item(v, i), err, HS_ERR_INVALID, "site '%s' is given twice",
                           p->site[i]);
    p->nsites = (int)i + 1;
  }
  if ((v = hs_doc_get(root, "strata")) && (st = read_strata(d, v, p, err))) return st;
  int ratio_sum = 0;
  for (int i = 0; i < p->narms; i++) ratio_sum += p->arm[i].ratio;
  if (!(v = need(d, root, "block_sizes", "protocol", err))) return HS_ERR_INVALID;
  if ((st = seq_of(d, v, "block_sizes", 1, TP_MAX_BLOCKS, err))) return st;
  for (size_t i = 0; i < hs_doc_size(v); i++) {
    const hs_doc_node *b = hs_doc_item(v, i);
    if ((st = read_int_in(d, b, "block size", 2, 64, &p->block[i], err))) return st;
    if (p->block[i] % ratio_sum)
      return hs_doc_fail(d, b, err, HS_ERR_INVALID,
                         "block size %d is not a multiple of the sum of the arm ratios (%d)",
                         p->block[i], ratio_sum);
    p->nblocks = (int)i + 1;
  }
  if ((v = hs_doc_get(root, "windows")) && (st = read_windows(d, v, p, err))) return st;
  if (!(v = need(d, root, "eligibility", "protocol", err))) return HS_ERR_INVALID;
  if ((st = read_eligibility(d, v, p, err))) return st;
  if ((v = hs_doc_get(root, "required"))) {
    if ((st = seq_of(d, v, "required", 0, TP_MAX_REQUIRED, err))) return st;
    for (size_t i = 0; i < hs_doc_size(v); i++) {
      const hs_doc_node *f = hs_doc_item(v, i);
      if ((st = read_id(d, f, "required field", p->required[i], err))) return st;
      const hs_trial_field *fd = hs_trial_field_find(p->required[i]);
      if (!fd || !(fd->visits & (1u << V_T1)))
        return hs_doc_fail(d, f, err, HS_ERR_UNKNOWN,
                           "required field '%s' is not a visit field (see `hemosim trial fields`)",
                           p->required[i]);
      p->nrequired = (int)i + 1;
    }
  }
  if ((v = hs_doc_get(root, "thresholds"))) {
    static const char *const keys[] = {"psvd_min", "ppsv_min", NULL};
    const hs_doc_node *x;
    if ((st = hs_doc_expect(d, v, HS_DOC_MAP, "thresholds", err)) ||
        (st = known_keys(d, v, "thresholds", keys, err)))
      return st;
    if ((x = hs_doc_get(v, "psvd_min")) &&
        (st = read_num_in(d, x, "thresholds.psvd_min", 0, 50, "mm/mm2", &p->psvd_min, err)))
      return st;
    if ((x = hs_doc_get(v, "ppsv_min")) &&
        (st = read_num_in(d, x, "thresholds.ppsv_min", 0, 100, "%", &p->ppsv_min, err)))
      return st;
  }
  if ((v = hs_doc_get(root, "followup_days")) &&
      (st = read_int_in(d, v, "followup_days", 1, 365, &p->followup_days, err)))
    return st;
  return HS_OK;
}

hs_status hs_trial_protocol_parse(const char *name, const char *text, size_t len,
                                  hs_trial_protocol *p, char **canon, hs_err *err) {
  memset(p, 0, sizeof *p);
  /* defaults: the NCT03470792 windows (T4 72 h +- 8 h, hemosim/micro.h), Yeh 2018
     thresholds, 28-day follow-up */
  p->window[V_T1] = (tp_window){0, 0, 18};
  p->window[V_T2] = (tp_window){V_T1, 6, 22};
  p->window[V_T3] = (tp_window){V_T1, 28, 44};
  p->window[V_T4] = (tp_window){0, 72 - 8, 72 + 8};
  p->psvd_min = 16.2;
  p->ppsv_min = 76.5;
  p->followup_days = 28;
  hs_doc *d = NULL;
  hs_status st = hs_doc_load_string(name, text, len, &d, err);
  if (st) return st;
  st = build(d, p, err);
  hs_doc_free(d);
  if (st || !canon) return st;
  json_t *o = canon_json(p);
  *canon = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) : NULL;
  json_decref(o);
  if (!*canon) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  return HS_OK;
}

hs_status hs_trial_protocol_compatible(const hs_trial_protocol *a, const hs_trial_protocol *b,
                                       int enrolled, hs_err *err) {
  if (!enrolled) return HS_OK;
  const char *why = NULL;
  if (a->narms != b->narms) why = "the number of arms";
  for (int i = 0; !why && i < a->narms; i++)
    if (strcmp(a->arm[i].id, b->arm[i].id) || a->arm[i].ratio != b->arm[i].ratio)
      why = "an arm or its allocation ratio";
  if (!why && a->nblocks != b->nblocks) why = "the block sizes";
  for (int i = 0; !why && i < a->nblocks; i++)
    if (a->block[i] != b->block[i]) why = "the block sizes";
  if (!why && a->nfactors != b->nfactors) why = "the stratification factors";
  for (int i = 0; !why && i < a->nfactors; i++) {
    if (strcmp(a->factor[i].name, b->factor[i].name) || b->factor[i].nlevels < a->factor[i].nlevels)
      why = "the stratification factors (levels may only be added)";
    for (int k = 0; !why && k < a->factor[i].nlevels; k++)
      if (strcmp(a->factor[i].level[k], b->factor[i].level[k]))
        why = "the stratification factors (levels may only be added)";
  }
  for (int i = 0; !why && i < a->nsites; i++) {
    int found = 0;
    for (int j = 0; j < b->nsites; j++) found |= !strcmp(a->site[i], b->site[j]);
    if (!found) why = "the sites (sites may only be added)";
  }
  if (!why) return HS_OK;
  return hs_err_set(err, HS_ERR_STATE,
                    "the amendment changes %s, which the allocation of the %d enrolled "
                    "patient%s depends on: not allowed after the first enrolment",
                    why, enrolled, enrolled == 1 ? "" : "s");
}
