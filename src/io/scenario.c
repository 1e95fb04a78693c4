/*
 * io/scenario.c - scenario files: timed changes applied to a running simulation.
 *
 *   hemosim_scenario: 1
 *   name: Acute contractility loss
 *   duration: 120 s                 # optional: suggested run length
 *   events:
 *     - at: 30 s
 *       set: { lv.ees: 0.8, heart.heart_rate: 95 }
 *
 * Values follow the parameter's unit rules ("0.8", "95 /min").  Each event keeps
 * the file position of every entry, so an error found when the scenario is
 * applied to a simulation (unknown block, value out of range) still names
 * file:line:column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/patient.h"
#include "io/doc.h"

typedef struct sc_entry {
  double t;
  char *path, *value;
  int line, col;
} sc_entry;

struct hs_scenario {
  char *file;
  double duration;
  sc_entry *e;
  size_t n;
};

void hs_scenario_free(hs_scenario *sc) {
  if (!sc) return;
  for (size_t i = 0; i < sc->n; i++) {
    free(sc->e[i].path);
    free(sc->e[i].value);
  }
  free(sc->e);
  free(sc->file);
  free(sc);
}

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* A time in [0, 1e7] s, or (positive) in (0, 1e7] s. */
static hs_status read_time(const hs_doc *d, const hs_doc_node *n, const char *what, int positive,
                           double *out, hs_err *err) {
  hs_err e2;
  if (hs_doc_kind_of(n) != HS_DOC_SCALAR || hs_quantity_parse(HS_DIM_TIME, hs_doc_text(n), out,
                                                              &e2) != HS_OK)
    return hs_doc_fail(d, n, err, HS_ERR_INVALID, "%s: %s", what,
                       hs_doc_kind_of(n) == HS_DOC_SCALAR ? e2.msg : "expected a time");
  if (*out < 0 || (positive && *out == 0) || *out > 1e7)
    return hs_doc_fail(d, n, err, HS_ERR_RANGE, "%s = %g s is out of range %s0, 1e7] s%s", what,
                       *out, positive ? "(" : "[",
                       positive ? ": a scenario runs for a time (leave the key out to take the "
                                  "command's --duration)"
                                : "");
  return HS_OK;
}

static hs_status build(const hs_doc *d, hs_scenario *sc, hs_err *err) {
  hs_status st;
  const hs_doc_node *root = hs_doc_root(d);
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the scenario file", err))) return st;
  const hs_doc_node *ver = hs_doc_get(root, "hemosim_scenario");
  if (!ver)
    return hs_doc_fail(d, root, err, HS_ERR_PARSE,
                       "not a hemosim scenario file: it must contain 'hemosim_scenario: 1'");
  int version;
  if ((st = hs_doc_integer(d, ver, "hemosim_scenario", &version, err))) return st;
  if (version != 1)
    return hs_doc_fail(d, ver, err, HS_ERR_RANGE,
                       "hemosim_scenario: format version %d is not supported (allowed: 1)",
                       version);
  for (size_t i = 0; i < hs_doc_size(root); i++) {
    const char *k = hs_doc_text(hs_doc_key(root, i));
    if (strcmp(k, "hemosim_scenario") && strcmp(k, "name") && strcmp(k, "description") &&
        strcmp(k, "duration") && strcmp(k, "events"))
      return hs_doc_fail(d, hs_doc_key(root, i), err, HS_ERR_UNKNOWN,
                         "unknown top-level field '%s' (known: hemosim_scenario, name, "
                         "description, duration, events)",
                         k);
  }
  const hs_doc_node *dur = hs_doc_get(root, "duration");
  /* 0 is not "until steady" (it silently was): a scenario runs for a time */
  if (dur && (st = read_time(d, dur, "duration", 1, &sc->duration, err))) return st;
  const hs_doc_node *evs = hs_doc_get(root, "events");
  if (!evs) return HS_OK;
  if ((st = hs_doc_expect(d, evs, HS_DOC_SEQ, "events", err))) return st;
  size_t total = 0;
  for (size_t i = 0; i < hs_doc_size(evs); i++) {
    const hs_doc_node *set = hs_doc_get(hs_doc_item(evs, i), "set");
    total += set ? hs_doc_size(set) : 0;
  }
  sc->e = calloc(total + 1, sizeof *sc->e);
  if (!sc->e) return hs_err_set(err, HS_ERR_NOMEM, "out of memory reading a scenario");
  for (size_t i = 0; i < hs_doc_size(evs); i++) {
    const hs_doc_node *ev = hs_doc_item(evs, i);
    char what[48];
    snprintf(what, sizeof what, "event %zu", i + 1);
    if ((st = hs_doc_expect(d, ev, HS_DOC_MAP, what, err))) return st;
    for (size_t k = 0; k < hs_doc_size(ev); k++) {
      const char *key = hs_doc_text(hs_doc_key(ev, k));
      if (strcmp(key, "at") && strcmp(key, "set"))
        return hs_doc_fail(d, hs_doc_key(ev, k), err, HS_ERR_UNKNOWN,
                           "%s: unknown field '%s' (known: at, set)", what, key);
    }
    const hs_doc_node *at = hs_doc_get(ev, "at"), *set = hs_doc_get(ev, "set");
    if (!at) return hs_doc_fail(d, ev, err, HS_ERR_INVALID, "%s: missing 'at' (time)", what);
    if (!set) return hs_doc_fail(d, ev, err, HS_ERR_INVALID, "%s: missing 'set'", what);
    double t;
    if ((st = read_time(d, at, what, 0, &t, err))) return st;
    if (sc->duration > 0 && t > sc->duration)
      return hs_doc_fail(d, at, err, HS_ERR_RANGE,
                         "%s at %.10g s is after the end of the scenario (duration %.10g s): it "
                         "would never happen",
                         what, t, sc->duration);
    if ((st = hs_doc_expect(d, set, HS_DOC_MAP, "set", err))) return st;
    for (size_t k = 0; k < hs_doc_size(set); k++) {
      const hs_doc_node *v = hs_doc_value(set, k);
      if (hs_doc_kind_of(v) != HS_DOC_SCALAR)
        return hs_doc_fail(d, v, err, HS_ERR_INVALID, "%s: value of '%s' must be a single value",
                           what, hs_doc_text(hs_doc_key(set, k)));
      sc_entry *e = &sc->e[sc->n++];
      e->t = t;
      e->path = dupstr(hs_doc_text(hs_doc_key(set, k)));
      e->value = dupstr(hs_doc_text(v));
      e->line = hs_doc_line(v);
      e->col = hs_doc_column(v);
      if (!e->path || !e->value)
        return hs_err_set(err, HS_ERR_NOMEM, "out of memory reading a scenario");
    }
  }
  return HS_OK;
}

static hs_status finish(hs_doc *d, hs_scenario **out, hs_err *err) {
  hs_scenario *sc = calloc(1, sizeof *sc);
  hs_status st;
  if (!sc || !(sc->file = dupstr(hs_doc_name(d)))) {
    hs_scenario_free(sc);
    hs_doc_free(d);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory reading a scenario");
  }
  st = build(d, sc, err);
  hs_doc_free(d);
  if (st) {
    hs_scenario_free(sc);
    return st;
  }
  *out = sc;
  return HS_OK;
}

hs_status hs_scenario_load_file(const char *path, hs_scenario **out, hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  return st ? st : finish(d, out, err);
}

hs_status hs_scenario_load_string(const char *name, const char *text, size_t len,
                                  hs_scenario **out, hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_string(name, text, len, &d, err);
  return st ? st : finish(d, out, err);
}

double hs_scenario_duration(const hs_scenario *sc) { return sc->duration; }
size_t hs_scenario_event_count(const hs_scenario *sc) { return sc->n; }

hs_status hs_scenario_event(const hs_scenario *sc, size_t i, double *t, const char **path,
                            const char **value, hs_err *err) {
  if (i >= sc->n)
    return hs_err_set(err, HS_ERR_RANGE, "scenario event %zu: the scenario has %zu events", i,
                      sc->n);
  if (t) *t = sc->e[i].t;
  if (path) *path = sc->e[i].path;
  if (value) *value = sc->e[i].value;
  return HS_OK;
}

hs_status hs_scenario_check_end(const hs_scenario *sc, double run_s, hs_err *err) {
  for (size_t i = 0; i < sc->n; i++)
    if (sc->e[i].t > run_s)
      return hs_err_set(err, HS_ERR_RANGE,
                        "%s:%d:%d: the event at %.10g s is after the end of the run (%.10g s): "
                        "it would never happen; lengthen --duration or move the event",
                        sc->file, sc->e[i].line, sc->e[i].col, sc->e[i].t, run_s);
  return HS_OK;
}

hs_status hs_scenario_apply(const hs_scenario *sc, hs_sim *sim, hs_err *err) {
  /* all or nothing: on the first bad event, withdraw the ones already scheduled */
  double t0 = hs_sim_time(sim);
  for (size_t i = 0; i < sc->n; i++) {
    const sc_entry *e = &sc->e[i];
    hs_err e2;
    double v;
    hs_status st = hs_sim_parse_value(sim, e->path, e->value, &v, &e2);
    if (st == HS_OK) st = hs_sim_schedule(sim, t0 + e->t, e->path, v, &e2);
    if (st != HS_OK) {
      hs_sim_unschedule_last(sim, i);
      return hs_err_set(err, st, "%s:%d:%d: %s", sc->file, e->line, e->col, e2.msg);
    }
  }
  return HS_OK;
}
