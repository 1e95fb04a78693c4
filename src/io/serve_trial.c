/*
 * serve_trial.c - the trial pages' API of `hemosim serve --trial DB` (docs/serve.md,
 * "Trial"): the same library calls as `hemosim trial` (hemosim/trial.h) on the one
 * database named at startup.  Every request names its user and role (attribution, as
 * on the command line: the library decides what the role may do and records the user
 * on every change); a handle is opened per request, so concurrent requests are
 * separate SQLite connections serialised by the library's BEGIN IMMEDIATE.  Request
 * fields are checked for type and length here; values go to the library, whose
 * statements bind every value (no SQL is built from request text).
 */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "io/serve_impl.h"

#define MAX_KV 64

/* A library failure as an HTTP answer: a refused role 403, a state conflict 409,
   memory or I/O 500, anything else (a bad value) 400. */
static hs_reply lib_error(const hs_err *e) {
  int status = 400;
  if (e->code == HS_ERR_STATE) status = strstr(e->msg, "not allowed for role") ? 403 : 409;
  if (e->code == HS_ERR_NOMEM || e->code == HS_ERR_IO) status = 500;
  if (e->code == HS_ERR_UNKNOWN || strstr(e->msg, "is not enrolled")) status = 404;
  return hs_reply_error(status, "%s", *e->msg ? e->msg : hs_status_str(e->code));
}

/* A JSON document made by the library (text) as the answer. */
static hs_reply doc_reply(char *text, const hs_err *e) {
  if (!text) return lib_error(e);
  json_error_t je;
  json_t *j = json_loads(text, 0, &je);
  free(text);
  if (!j) return hs_reply_error(500, "the library's JSON does not parse: %s", je.text);
  return hs_reply_json(200, j);
}

/* A string member of the body: NULL if absent; error text in *why if not a string or
   longer than max. */
static const char *str_field(json_t *body, const char *key, size_t max, const char **why) {
  json_t *v = json_object_get(body, key);
  if (!v || json_is_null(v)) return NULL;
  if (!json_is_string(v) || json_string_length(v) > max) {
    *why = key;
    return NULL;
  }
  return json_string_value(v);
}

/* {"name": "value", ...} into kv (strings only, at most MAX_KV); 0 or -1 */
static int kv_object(json_t *body, const char *key, hs_trial_kv *kv, size_t *n) {
  *n = 0;
  json_t *o = json_object_get(body, key);
  if (!o) return 0;
  if (!json_is_object(o) || json_object_size(o) > MAX_KV) return -1;
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    if (!json_is_string(v) || strlen(k) >= HS_TRIAL_NAME_MAX ||
        json_string_length(v) > HS_TRIAL_TEXT_MAX)
      return -1;
    kv[*n].key = k;
    kv[*n].value = json_string_value(v);
    (*n)++;
  }
  return 0;
}

/* The actor of a request: user and role from the body (POST) or the query (GET). */
static int actor_of(const hs_trial_request *q, json_t *body, hs_trial_actor *who,
                    hs_reply *r) {
  const char *why = NULL, *user = q->user, *role = q->role;
  if (body) {
    user = str_field(body, "user", HS_TRIAL_NAME_MAX, &why);
    role = str_field(body, "role", HS_TRIAL_NAME_MAX, &why);
  }
  if (why) {
    *r = hs_reply_error(400, "'%s' must be a string of at most %d characters", why,
                        HS_TRIAL_NAME_MAX);
    return -1;
  }
  if (!user || !*user) {
    *r = hs_reply_error(400, "missing user: every request names who makes it (recorded on "
                             "every change)");
    return -1;
  }
  if (!role) {
    *r = hs_reply_error(400, "missing role (data_entry, monitor, statistician or manager)");
    return -1;
  }
  hs_err e = {HS_OK, ""};
  if (hs_trial_role_parse(role, &who->role, &e)) {
    *r = hs_reply_error(400, "%s", e.msg);
    return -1;
  }
  who->user = user;
  return 0;
}

static json_t *fields_json(void) {
  static const char *const TYPES[] = {"number", "time", "text", "choice"};
  json_t *a = json_array();
  for (size_t i = 0; i < hs_trial_field_count(); i++) {
    const hs_trial_field *f = hs_trial_field_at(i);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:b}", "name", f->name, "type", TYPES[f->type],
                          "unit", f->unit ? f->unit : "", "doc", f->doc ? f->doc : "", "visits",
                          (json_int_t)f->visits, "computed", (f->visits & 0x100u) != 0);
    if (f->type == HS_FT_NUMBER) {
      json_object_set_new(o, "min", json_real(f->lo));
      json_object_set_new(o, "max", json_real(f->hi));
    }
    if (f->type == HS_FT_CHOICE) json_object_set_new(o, "choices", json_string(f->choices));
    json_array_append_new(a, o);
  }
  return a;
}

static hs_reply info(hs_trial *t) {
  hs_err e = {HS_OK, ""};
  char *text = hs_trial_protocol_json(t, &e);
  hs_reply r = doc_reply(text, &e);
  if (!r.json || r.status != 200) return r;
  json_object_set_new(r.json, "fields", fields_json());
  json_t *roles = json_array();
  for (int k = 0; k < HS_ROLE_COUNT; k++) json_array_append_new(roles, json_string(hs_trial_role_name(k)));
  json_object_set_new(r.json, "roles", roles);
  return r;
}

static hs_reply enrol(hs_trial *t, const hs_trial_actor *who, json_t *body) {
  const char *why = NULL;
  hs_trial_kv strata[MAX_KV], elig[MAX_KV];
  size_t ns, ne;
  hs_trial_enrolment en = {str_field(body, "patient", HS_TRIAL_NAME_MAX, &why),
                           str_field(body, "site", HS_TRIAL_NAME_MAX, &why),
                           str_field(body, "placed", 64, &why), strata, 0, elig, 0};
  if (why) return hs_reply_error(400, "'%s' must be a short string", why);
  if (!en.patient || !en.site || !en.ecmo_placed_at)
    return hs_reply_error(400, "enrolment needs patient, site and placed (the time of VA-ECMO "
                               "placement, ISO 8601 with a zone)");
  if (kv_object(body, "strata", strata, &ns) || kv_object(body, "eligibility", elig, &ne))
    return hs_reply_error(400, "strata and eligibility must be objects of strings "
                               "({\"scai\": \"D\"}, {\"adult\": \"yes\"})");
  en.nstrata = ns;
  en.neligibility = ne;
  char arm[HS_TRIAL_NAME_MAX];
  hs_err e = {HS_OK, ""};
  if (hs_trial_enrol(t, who, &en, arm, &e)) return lib_error(&e);
  return hs_reply_json(201, json_pack("{s:s,s:s}", "patient", en.patient, "arm", arm));
}

static json_t *record_json(const hs_trial_record_result *r) {
  return json_pack("{s:I,s:I,s:b,s:s,s:o}", "values", (json_int_t)r->nvalues, "changed",
                   (json_int_t)r->nchanged, "deviation", r->deviation, "note", r->note, "vis",
                   isfinite(r->vis) ? json_real(r->vis) : json_null());
}

static hs_reply visit(hs_trial *t, const hs_trial_actor *who, json_t *body) {
  const char *why = NULL;
  const char *patient = str_field(body, "patient", HS_TRIAL_NAME_MAX, &why);
  const char *v = str_field(body, "visit", 16, &why);
  const char *reason = str_field(body, "reason", HS_TRIAL_TEXT_MAX, &why);
  const char *micro = str_field(body, "micro", 65536, &why);
  if (why) return hs_reply_error(400, "'%s' must be a string (within its length limit)", why);
  hs_trial_kv kv[MAX_KV];
  size_t n;
  if (kv_object(body, "fields", kv, &n))
    return hs_reply_error(400, "fields must be an object of strings with units "
                               "({\"ecmo_flow\": \"3.5 L/min\"}), at most %d", MAX_KV);
  if (!patient || !v) return hs_reply_error(400, "a visit needs patient and visit");
  if (!n && !micro) return hs_reply_error(400, "nothing to record: give fields and/or micro");
  hs_err e = {HS_OK, ""};
  hs_trial_record_result r, rm;
  memset(&r, 0, sizeof r);
  r.vis = NAN;
  if (n && hs_trial_record(t, who, patient, v, kv, n, reason, &r, &e)) return lib_error(&e);
  json_t *out = record_json(&r);
  if (micro) {
    if (hs_trial_record_micro(t, who, patient, v, "<micro from the page>", micro, strlen(micro),
                              reason, &rm, &e)) {
      json_decref(out);
      return lib_error(&e); /* the fields (if any) are recorded: the message says what failed */
    }
    json_object_set_new(out, "micro_values", json_integer((json_int_t)rm.nvalues));
  }
  return hs_reply_json(200, out);
}

static hs_reply query(hs_trial *t, const hs_trial_actor *who, json_t *body) {
  const char *why = NULL;
  const char *action = str_field(body, "action", 16, &why);
  const char *text = str_field(body, "text", HS_TRIAL_TEXT_MAX, &why);
  if (why) return hs_reply_error(400, "'%s' must be a string (within its length limit)", why);
  if (!action || !text) return hs_reply_error(400, "a query needs action (raise, answer, close) and text");
  hs_err e = {HS_OK, ""};
  if (!strcmp(action, "raise")) {
    const char *patient = str_field(body, "patient", HS_TRIAL_NAME_MAX, &why);
    const char *v = str_field(body, "visit", 16, &why);
    const char *field = str_field(body, "field", HS_TRIAL_NAME_MAX, &why);
    if (why || !patient || !v || !field)
      return hs_reply_error(400, "raising a query needs patient, visit and field (strings)");
    int64_t id;
    if (hs_trial_query_raise(t, who, patient, v, field, text, &id, &e)) return lib_error(&e);
    return hs_reply_json(201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "open"));
  }
  json_t *jid = json_object_get(body, "id");
  if (!json_is_integer(jid) || json_integer_value(jid) < 1)
    return hs_reply_error(400, "'id' must be the query number (a whole number >= 1)");
  int64_t id = (int64_t)json_integer_value(jid);
  hs_status st;
  if (!strcmp(action, "answer"))
    st = hs_trial_query_answer(t, who, id, text, &e);
  else if (!strcmp(action, "close"))
    st = hs_trial_query_close(t, who, id, text, &e);
  else
    return hs_reply_error(400, "action '%s' is not one of raise, answer, close", action);
  if (st) return lib_error(&e);
  return hs_reply_json(200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
                                      !strcmp(action, "answer") ? "answered" : "closed"));
}

static hs_reply adverse(hs_trial *t, const hs_trial_actor *who, json_t *body) {
  const char *why = NULL;
  const char *patient = str_field(body, "patient", HS_TRIAL_NAME_MAX, &why);
  const char *type = str_field(body, "type", 32, &why);
  const char *onset = str_field(body, "onset", 64, &why);
  const char *sev = str_field(body, "severity", 32, &why);
  const char *desc = str_field(body, "description", HS_TRIAL_TEXT_MAX, &why);
  if (why) return hs_reply_error(400, "'%s' must be a string (within its length limit)", why);
  hs_err e = {HS_OK, ""};
  if (hs_trial_adverse_event(t, who, patient, type, onset, sev, desc, &e)) return lib_error(&e);
  return hs_reply_json(201, json_pack("{s:s}", "recorded", "adverse_event"));
}

static hs_reply verify(hs_trial *t) {
  hs_trial_verify_result v;
  hs_err e = {HS_OK, ""};
  if (hs_trial_verify(t, &v, &e)) return lib_error(&e);
  return hs_reply_json(200, json_pack("{s:b,s:I,s:I,s:I,s:I,s:s,s:s}", "ok", v.ok, "audit_rows",
                                      (json_int_t)v.audit_rows, "records", (json_int_t)v.records,
                                      "allocations", (json_int_t)v.allocations, "first_bad_seq",
                                      (json_int_t)v.first_bad_seq, "problem", v.problem, "head",
                                      v.head));
}

hs_reply hs_serve_trial(hs_server *srv, const hs_trial_request *q, json_t *body) {
  if (!srv->trial_db[0])
    return hs_reply_error(404, "no trial database: start the server with hemosim serve --trial DB");
  const char *sub = q->sub;
  int get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
  int post = !strcmp(q->method, "POST");
  static const char *const GETS[] = {"", "/status", "/patient", "/audit", "/verify",
                                     "/analysis", "/km.svg", NULL};
  static const char *const POSTS[] = {"/enrol", "/visit", "/query", "/ae", NULL};
  int is_get = 0, is_post = 0;
  for (int k = 0; GETS[k]; k++) is_get |= !strcmp(sub, GETS[k]);
  for (int k = 0; POSTS[k]; k++) is_post |= !strcmp(sub, POSTS[k]);
  if (!is_get && !is_post)
    return hs_reply_error(404, "no such trial endpoint: /api/trial%s (docs/serve.md lists them)", sub);
  if ((is_get && !get) || (is_post && !post))
    return hs_reply_error(405, "%s /api/trial%s: use %s", q->method, sub, is_get ? "GET" : "POST");
  hs_trial *t = NULL;
  hs_err e = {HS_OK, ""};
  if (hs_trial_open(srv->trial_db, &t, &e)) return lib_error(&e);
  hs_reply r;
  hs_trial_actor who = {NULL, HS_ROLE_MONITOR};
  if (!strcmp(sub, "")) {
    r = info(t);
  } else if (actor_of(q, post ? body : NULL, &who, &r)) {
    /* r holds the error */
  } else if (!strcmp(sub, "/status")) {
    r = doc_reply(hs_trial_status_json(t, &who, &e), &e);
  } else if (!strcmp(sub, "/patient")) {
    r = q->patient ? doc_reply(hs_trial_patient_json(t, &who, q->patient, &e), &e)
                   : hs_reply_error(400, "missing ?patient=CODE");
  } else if (!strcmp(sub, "/audit")) {
    r = doc_reply(hs_trial_audit_json(t, &who, q->patient, &e), &e);
  } else if (!strcmp(sub, "/verify")) {
    r = verify(t);
  } else if (!strcmp(sub, "/analysis")) {
    r = doc_reply(hs_trial_analysis_json(t, &who, &e), &e);
  } else if (!strcmp(sub, "/km.svg")) {
    char *svg = hs_trial_km_svg(t, &who, &e);
    if (svg) {
      hs_reply s = {200, NULL, svg, "image/svg+xml"};
      r = s;
    } else {
      r = lib_error(&e);
    }
  } else if (!strcmp(sub, "/enrol")) {
    r = enrol(t, &who, body);
  } else if (!strcmp(sub, "/visit")) {
    r = visit(t, &who, body);
  } else if (!strcmp(sub, "/query")) {
    r = query(t, &who, body);
  } else {
    r = adverse(t, &who, body);
  }
  hs_trial_close(t);
  return r;
}

hs_status hs_serve_trial_check(const char *path, char *out, size_t n, hs_err *err) {
  char real[PATH_MAX];
  hs_trial *t = NULL;
  hs_status st = hs_trial_open(path, &t, err);
  if (st) {
    hs_err_prefix(err, "--trial: ");
    return st;
  }
  hs_trial_close(t);
  if (!realpath(path, real) || strlen(real) >= n)
    return hs_err_set(err, HS_ERR_IO, "--trial: cannot resolve '%s'", path);
  snprintf(out, n, "%s", real);
  return HS_OK;
}
