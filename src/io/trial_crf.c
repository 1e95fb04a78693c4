/*
 * io/trial_crf.c - enrolment, case report forms, adverse events, unblinding and
 * data queries of a trial database (docs/trial.md).
 *
 * Every call validates all of its input first (nothing is written when any
 * value is wrong), then makes its change in one BEGIN IMMEDIATE transaction
 * with the audit rows that describe it.  A value is never overwritten: a
 * change is a new version of the field, which needs a reason.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hemosim/drugs.h"
#include "hemosim/micro.h"
#include "hemosim/units.h"
#include "io/trial_impl.h"

/* ------------------------------------------------------------------ fields */

#define B_BASE (1u << V_BASELINE)
#define B_T (1u << V_T1 | 1u << V_T2 | 1u << V_T3 | 1u << V_T4)
#define B_D28 (1u << V_DAY28)
#define DERIVED 0x100u /* computed by the library, never entered */

static const hs_trial_field FIELDS[] = {
    {"ecmo_placed_at", HS_FT_TIME, 0, "", 0, 0, NULL, B_BASE, "time of VA-ECMO placement"},
    {"age", HS_FT_NUMBER, HS_DIM_NONE, "years", 18, 110, NULL, B_BASE, "age, years"},
    {"weight", HS_FT_NUMBER, HS_DIM_MASS, "kg", 30, 250, NULL, B_BASE, "body weight"},
    {"diagnosis", HS_FT_TEXT, 0, "", 0, 0, NULL, B_BASE, "cause of shock"},
    {"time", HS_FT_TIME, 0, "", 0, 0, NULL, B_T,
     "time of the visit (microcirculation recording); checked against the window"},
    {"ecmo_flow", HS_FT_NUMBER, HS_DIM_FLOW, "L/min", 0, 8, NULL, B_T, "ECMO pump flow"},
    {"pump_speed", HS_FT_NUMBER, HS_DIM_SPEED, "rpm", 0, 10000, NULL, B_T, "pump speed"},
    {"sweep_gas", HS_FT_NUMBER, HS_DIM_FLOW, "L/min", 0, 15, NULL, B_T, "sweep gas flow"},
    {"fdo2", HS_FT_NUMBER, HS_DIM_NONE, "", 0.21, 1.0, NULL, B_T,
     "fraction of O2 in the sweep gas (0.21-1, or 21-100 %)"},
    {"drainage_cannula", HS_FT_NUMBER, HS_DIM_FRENCH, "Fr", 8, 34, NULL, B_T,
     "drainage (venous) cannula size"},
    {"return_cannula", HS_FT_NUMBER, HS_DIM_FRENCH, "Fr", 8, 34, NULL, B_T,
     "return (arterial) cannula size"},
    {"map", HS_FT_NUMBER, HS_DIM_PRESSURE, "mmHg", 10, 200, NULL, B_T, "mean arterial pressure"},
    {"lactate", HS_FT_NUMBER, HS_DIM_LACTATE, "mmol/L", 0, 40, NULL, B_T, "blood lactate"},
    {"fluid_in", HS_FT_NUMBER, HS_DIM_VOLUME, "mL", 0, 50000, NULL, B_T,
     "fluid intake since the previous visit (placement for T1)"},
    {"fluid_out", HS_FT_NUMBER, HS_DIM_VOLUME, "mL", 0, 50000, NULL, B_T,
     "fluid output since the previous visit"},
    {"norepinephrine", HS_FT_NUMBER, HS_DIM_DOSE_RATE, "ug/kg/min", 0, 5, NULL, B_T, "dose"},
    {"epinephrine", HS_FT_NUMBER, HS_DIM_DOSE_RATE, "ug/kg/min", 0, 5, NULL, B_T, "dose"},
    {"dobutamine", HS_FT_NUMBER, HS_DIM_DOSE_RATE, "ug/kg/min", 0, 40, NULL, B_T, "dose"},
    {"dopamine", HS_FT_NUMBER, HS_DIM_DOSE_RATE, "ug/kg/min", 0, 50, NULL, B_T, "dose"},
    {"milrinone", HS_FT_NUMBER, HS_DIM_DOSE_RATE, "ug/kg/min", 0, 2, NULL, B_T, "dose"},
    {"vasopressin", HS_FT_NUMBER, HS_DIM_UNIT_DOSE_RATE, "U/kg/min", 0, 0.01, NULL, B_T, "dose"},
    {"flow_change", HS_FT_NUMBER, HS_DIM_FLOW, "L/min", -6, 6, NULL, B_T,
     "ECMO flow change the team made after this visit (signed)"},
    {"flow_change_reason", HS_FT_TEXT, 0, "", 0, 0, NULL, B_T, "why the flow was changed"},
    {"vis", HS_FT_NUMBER, HS_DIM_NONE, "", 0, 1e6, NULL, B_T | DERIVED,
     "vasoactive-inotropic score (computed from the doses)"},
    {"psvd", HS_FT_NUMBER, HS_DIM_NONE, "mm/mm2", 0, 1000, NULL, B_T | DERIVED,
     "perfused small-vessel density (from the microcirculation record)"},
    {"ppsv", HS_FT_NUMBER, HS_DIM_NONE, "%", 0, 100, NULL, B_T | DERIVED,
     "proportion of perfused small vessels (from the microcirculation record)"},
    {"mfi", HS_FT_NUMBER, HS_DIM_NONE, "", 0, 3, NULL, B_T | DERIVED,
     "microvascular flow index (from the microcirculation record)"},
    {"micro_sites", HS_FT_NUMBER, HS_DIM_NONE, "", 0, 32, NULL, B_T | DERIVED, "sites recorded"},
    {"micro_usable", HS_FT_NUMBER, HS_DIM_NONE, "", 0, 32, NULL, B_T | DERIVED,
     "sites usable (Massey quality)"},
    {"micro_excluded", HS_FT_TEXT, 0, "", 0, 0, NULL, B_T | DERIVED,
     "excluded sites and why"},
    {"micro_record", HS_FT_TEXT, 0, "", 0, 65536, NULL, B_T | DERIVED,
     "the microcirculation document as recorded"},
    {"status", HS_FT_CHOICE, 0, "", 0, 0, "alive|dead", B_D28, "vital status at day 28"},
    {"death_time", HS_FT_TIME, 0, "", 0, 0, NULL, B_D28, "time of death"},
    {"last_contact", HS_FT_TIME, 0, "", 0, 0, NULL, B_D28, "last time known alive"},
};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])

size_t hs_trial_field_count(void) { return NFIELDS; }
const hs_trial_field *hs_trial_field_at(size_t i) { return i < NFIELDS ? &FIELDS[i] : NULL; }
const hs_trial_field *hs_trial_field_find(const char *name) {
  for (size_t i = 0; name && i < NFIELDS; i++)
    if (!strcmp(FIELDS[i].name, name)) return &FIELDS[i];
  return NULL;
}

static const char *const DOSE_FIELDS[HS_DRUG_COUNT] = {
    [HS_DRUG_NOREPINEPHRINE] = "norepinephrine", [HS_DRUG_EPINEPHRINE] = "epinephrine",
    [HS_DRUG_DOBUTAMINE] = "dobutamine",         [HS_DRUG_DOPAMINE] = "dopamine",
    [HS_DRUG_MILRINONE] = "milrinone",           [HS_DRUG_VASOPRESSIN] = "vasopressin"};

/* ------------------------------------------------------------------ times */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
   days_from_civil algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void hs_trial_time_format(int64_t secs, char out[32]) {
  int64_t z = (secs >= 0 ? secs : secs - 86399) / 86400, sod = secs - z * 86400;
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
  snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d, (int)(sod / 3600),
           (int)(sod / 60 % 60), (int)(sod % 60));
}

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

hs_status hs_trial_time_parse(const char *what, const char *text, int64_t *secs, char canon[32],
                              hs_err *err) {
  static const char *const FORM =
      "expected ISO 8601 with a time zone, e.g. 2026-03-01T08:30Z or 2026-03-01 09:30+01:00";
  int Y, M, D, h, m, s = 0, oh = 0, om = 0, sign = 0;
  const char *p = text ? text : "";
  if (strlen(p) > 40 || !digits(p, 4, &Y) || p[4] != '-' || !digits(p + 5, 2, &M) ||
      p[7] != '-' || !digits(p + 8, 2, &D) || (p[10] != 'T' && p[10] != ' ') ||
      !digits(p + 11, 2, &h) || p[13] != ':' || !digits(p + 14, 2, &m))
    return hs_err_set(err, HS_ERR_PARSE, "%s = '%s' is not a time (%s)", what, p, FORM);
  p += 16;
  if (*p == ':') {
    if (!digits(p + 1, 2, &s))
      return hs_err_set(err, HS_ERR_PARSE, "%s = '%s': bad seconds (%s)", what, text, FORM);
    p += 3;
  }
  if (*p == 'Z' && !p[1]) {
    sign = 0;
  } else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
             digits(p + 4, 2, &om) && !p[6]) {
    sign = *p == '+' ? 1 : -1;
  } else if (!*p) {
    return hs_err_set(err, HS_ERR_INVALID,
                      "%s = '%s' has no time zone: add Z (UTC) or the offset, e.g. +01:00", what,
                      text);
  } else {
    return hs_err_set(err, HS_ERR_PARSE, "%s = '%s': unexpected '%s' (%s)", what, text, p, FORM);
  }
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (Y % 4 == 0 && Y % 100) || Y % 400 == 0;
  if (Y < 2000 || Y > 2100 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] ||
      (M == 2 && D == 29 && !leap) || h > 23 || m > 59 || s > 59 || oh > 14 || om > 59)
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s = '%s' is not a valid date and time (years 2000-2100)", what, text);
  int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + s;
  t -= sign * (oh * 3600 + om * 60);
  *secs = t;
  if (canon) hs_trial_time_format(t, canon);
  return HS_OK;
}

/* ------------------------------------------------------------------ values */

/* Parse and check one entered value; canon receives the stored text (numbers in
   the internal unit, "%.17g"; times canonical UTC; text as given). */
static hs_status parse_value(const hs_trial_field *f, const char *text, char *canon,
                             size_t size, hs_err *err) {
  if (!text || !*text)
    return hs_err_set(err, HS_ERR_INVALID, "%s: empty value", f->name);
  switch (f->type) {
    case HS_FT_TIME: {
      int64_t secs;
      char c[32];
      hs_status st = hs_trial_time_parse(f->name, text, &secs, c, err);
      if (st) return st;
      /* a record describes what happened: nothing is placed, visited or dies tomorrow
         (a day's margin for clocks and time zones set wrong) */
      int64_t now = (int64_t)time(NULL);
      if (secs > now + 86400) {
        char n[32];
        hs_trial_time_format(now, n);
        return hs_err_set(err, HS_ERR_RANGE, "%s = %s is in the future (now %s)", f->name, c, n);
      }
      snprintf(canon, size, "%s", c);
      return HS_OK;
    }
    case HS_FT_TEXT: {
      hs_status st = tdb_check_text(f->name, text, f->hi > 0 ? (size_t)f->hi : HS_TRIAL_TEXT_MAX,
                                    1, err);
      if (!st) snprintf(canon, size, "%s", text);
      return st;
    }
    case HS_FT_CHOICE: {
      size_t n = strlen(text);
      const char *c = f->choices;
      while (c && *c) {
        const char *bar = strchr(c, '|');
        size_t k = bar ? (size_t)(bar - c) : strlen(c);
        if (k == n && !strncmp(c, text, n)) {
          snprintf(canon, size, "%s", text);
          return HS_OK;
        }
        c = bar ? bar + 1 : NULL;
      }
      return hs_err_set(err, HS_ERR_RANGE, "%s = '%s' is not allowed (allowed: %s)", f->name,
                        text, f->choices);
    }
    case HS_FT_NUMBER: break;
  }
  /* a quantity: a unit is required unless the field is dimensionless */
  char *end;
  strtod(text, &end);
  while (*end == ' ') end++;
  if (f->dim != HS_DIM_NONE && end != text && !*end) {
    char acc[HS_UNITS_LIST_MAX];
    return hs_err_set(err, HS_ERR_INVALID,
                      "%s = '%s' has no unit: write it with its unit, e.g. '%s %s' (accepted: %s)",
                      f->name, text, text, f->unit, hs_dim_accepted_units((hs_dim)f->dim, acc,
                                                                          sizeof acc));
  }
  double v, disp = 1;
  hs_status st = hs_quantity_parse((hs_dim)f->dim, text, &v, err);
  if (st) return hs_err_prefix(err, "%s: ", f->name);
  if (f->dim != HS_DIM_NONE) hs_unit_to_internal((hs_dim)f->dim, 1.0, f->unit, &disp, NULL);
  double shown = v / disp;
  if (!strcmp(f->name, "fdo2") && shown > 1 && shown <= 100 && !strchr(text, '%'))
    return hs_err_set(err, HS_ERR_RANGE,
                      "fdo2 = '%s': give a fraction (0.21-1) or a percentage with '%%' "
                      "(21-100 %%)", text);
  if (!(shown >= f->lo && shown <= f->hi))
    return hs_err_set(err, HS_ERR_RANGE, "%s = '%s' is out of range [%g, %g]%s%s", f->name, text,
                      f->lo, f->hi, *f->unit ? " " : "", f->unit);
  snprintf(canon, size, "%.17g", v);
  return HS_OK;
}

/* Current (latest version) value of a field: 1 found, 0 none, -1 error. */
int tdb_current(hs_trial *t, int64_t pid, const char *visit, const char *field, char *out,
                   size_t size, int *version, hs_err *err) {
  sqlite3_stmt *s = tdb_prepare(t,
                                "SELECT value, version FROM value WHERE patient_id = ? AND "
                                "visit = ? AND field = ? ORDER BY version DESC LIMIT 1",
                                err);
  if (!s) return -1;
  sqlite3_bind_int64(s, 1, pid);
  sqlite3_bind_text(s, 2, visit, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 3, field, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s), found = 0;
  if (rc == SQLITE_ROW) {
    if (out) snprintf(out, size, "%s", (const char *)sqlite3_column_text(s, 0));
    if (version) *version = sqlite3_column_int(s, 1);
    found = 1;
  } else if (rc != SQLITE_DONE) {
    tdb_fail(t, err, "reading a value");
    found = -1;
  } else if (version) {
    *version = 0;
  }
  sqlite3_finalize(s);
  return found;
}

/* Insert a new version of a field (with its audit row); no-op when unchanged.
   *changed (may be NULL): 0 unchanged, 1 new, 2 changed. */
static hs_status put_value(hs_trial *t, const hs_trial_actor *who, int64_t pid,
                           const char *code, const char *visit, const char *field,
                           const char *canon, const char *entered, const char *reason,
                           int64_t *value_id, int *changed, hs_err *err) {
  char *old = NULL;
  int version = 0, found = 0;
  if (changed) *changed = 0;
  sqlite3_stmt *q = tdb_prepare(t,
                                "SELECT value, version FROM value WHERE patient_id = ? AND "
                                "visit = ? AND field = ? ORDER BY version DESC LIMIT 1",
                                err);
  if (!q) return err ? err->code : HS_ERR_IO;
  sqlite3_bind_int64(q, 1, pid);
  sqlite3_bind_text(q, 2, visit, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, field, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    found = 1;
    version = sqlite3_column_int(q, 1);
    if (!(old = strdup((const char *)sqlite3_column_text(q, 0)))) found = -1;
  } else if (rc != SQLITE_DONE) {
    tdb_fail(t, err, "reading a value");
    found = -1;
  }
  sqlite3_finalize(q);
  hs_status st = HS_OK;
  if (found < 0) {
    st = rc == SQLITE_ROW ? hs_err_set(err, HS_ERR_NOMEM, "out of memory")
                          : (err ? err->code : HS_ERR_IO);
  } else if (found && !strcmp(old, canon)) {
    st = HS_OK; /* unchanged */
  } else if (found && (!reason || !*reason)) {
    st = hs_err_set(err, HS_ERR_INVALID,
                    "patient %s %s %s already has the value '%.60s': a change needs a reason "
                    "(--reason)",
                    code, visit, field, old);
  } else {
    char at[32], ids[32], vers[16];
    tdb_now(at);
    snprintf(ids, sizeof ids, "%" PRId64, pid);
    snprintf(vers, sizeof vers, "%d", version + 1);
    const char *vals[] = {ids, visit, field, canon, entered, vers, at, who->user,
                          hs_trial_role_name(who->role), reason && *reason ? reason : NULL};
    tdb_audit a = {found ? "change" : "enter", NULL, 0, code, visit, field,
                   found ? old : NULL, canon, reason};
    int64_t id = tdb_insert(t, who, "value",
                            "patient_id, visit, field, value, entered, version, at, user, role, "
                            "reason", vals, 10, &a, err);
    if (id < 0) {
      st = err ? err->code : HS_ERR_IO;
    } else {
      if (value_id) *value_id = id;
      if (changed) *changed = found ? 2 : 1;
    }
  }
  free(old);
  return st;
}

/* ------------------------------------------------------------------ windows */

static int time_of(hs_trial *t, int64_t pid, const char *visit, const char *field,
                   int64_t *secs, hs_err *err) {
  char v[64];
  int f = tdb_current(t, pid, visit, field, v, sizeof v, NULL, err);
  if (f <= 0) return f;
  return hs_trial_time_parse(field, v, secs, NULL, NULL) ? 0 : 1;
}

/* Check visit v's time against its window: 1 outside, 0 inside, 2 not
   checkable (no time or no reference); note describes it.  -1 on error. */
int tdb_window_check(hs_trial *t, int64_t pid, int v, char *note, size_t size, hs_err *err) {
  const tp_window *w = &t->proto.window[v];
  int64_t tv, ref;
  int f = time_of(t, pid, hs_trial_visit_name(v), "time", &tv, err);
  if (f < 0) return -1;
  if (!f) {
    snprintf(note, size, "%s: no visit time recorded", hs_trial_visit_name(v));
    return 2;
  }
  const char *from = w->from ? "T1" : "placement";
  f = w->from ? time_of(t, pid, "T1", "time", &ref, err)
              : time_of(t, pid, "baseline", "ecmo_placed_at", &ref, err);
  if (f < 0) return -1;
  if (!f) {
    snprintf(note, size, "%s window (%g-%g h after %s) not checkable: the %s time is not "
             "recorded", hs_trial_visit_name(v), w->lo_h, w->hi_h, from, from);
    return 2;
  }
  double h = (double)(tv - ref) / 3600.0;
  if (h >= w->lo_h && h <= w->hi_h) {
    snprintf(note, size, "%s at %.2f h after %s: inside %g-%g h", hs_trial_visit_name(v), h,
             from, w->lo_h, w->hi_h);
    return 0;
  }
  double by = h < w->lo_h ? w->lo_h - h : h - w->hi_h;
  char bys[32];
  if (by < 1.0 / 60)
    snprintf(bys, sizeof bys, "%.0f s", by * 3600);
  else if (by < 1)
    snprintf(bys, sizeof bys, "%.1f min", by * 60);
  else
    snprintf(bys, sizeof bys, "%.2f h", by);
  snprintf(note, size, "%s at %.2f h after %s is outside its window %g-%g h (%s by %s)",
           hs_trial_visit_name(v), h, from, w->lo_h, w->hi_h, h < w->lo_h ? "early" : "late", bys);
  return 1;
}

static hs_status add_deviation(hs_trial *t, const hs_trial_actor *who, int64_t pid,
                               const char *code, const char *visit, const char *kind,
                               const char *detail, int64_t value_id, hs_err *err) {
  char at[32], ids[32], vid[32];
  tdb_now(at);
  snprintf(ids, sizeof ids, "%" PRId64, pid);
  snprintf(vid, sizeof vid, "%" PRId64, value_id);
  const char *vals[] = {ids, visit, kind, detail, value_id > 0 ? vid : NULL, at, who->user};
  tdb_audit a = {"deviation", NULL, 0, code, visit, kind, NULL, detail, NULL};
  return tdb_insert(t, who, "deviation", "patient_id, visit, kind, detail, value_id, at, user",
                    vals, 7, &a, err) < 0
             ? (err ? err->code : HS_ERR_IO)
             : HS_OK;
}

/* ------------------------------------------------------------------ enrolment */

static const char *kv_get(const hs_trial_kv *kv, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (kv[i].key && !strcmp(kv[i].key, key)) return kv[i].value;
  return NULL;
}

/* yes/no answers: 1, 0, or -1 when not one of the accepted words */
static int yes_no(const char *s) {
  static const char *const yes[] = {"yes", "y", "true", "1"}, *const no[] = {"no", "n", "false",
                                                                              "0"};
  for (int i = 0; s && i < 4; i++) {
    if (!strcmp(s, yes[i])) return 1;
    if (!strcmp(s, no[i])) return 0;
  }
  return -1;
}

/* Checks the enrolment against protocol p; stratum receives the stratum key,
   eligibility the JSON of the answers. */
static hs_status check_enrolment(const hs_trial_protocol *p, const hs_trial_enrolment *e,
                                 char *stratum, size_t ssize, char *elig, size_t esize,
                                 hs_err *err) {
  int found = 0;
  for (int i = 0; i < p->nsites; i++) found |= !strcmp(p->site[i], e->site ? e->site : "");
  if (!found) {
    char list[1024] = "";
    for (int i = 0; i < p->nsites; i++) {
      if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
      strncat(list, p->site[i], sizeof list - strlen(list) - 1);
    }
    return hs_err_set(err, HS_ERR_UNKNOWN, "site '%s' is not a site of this trial (sites: %s)",
                      e->site ? e->site : "", list);
  }
  size_t len = (size_t)snprintf(stratum, ssize, "site=%s", e->site);
  /* one answer per criterion and one level per factor: a second one (the same or a
     contradicting value) is refused, never silently dropped */
  for (size_t i = 0; i < e->nstrata; i++)
    for (size_t j = 0; j < i; j++)
      if (e->strata[i].key && e->strata[j].key && !strcmp(e->strata[i].key, e->strata[j].key))
        return hs_err_set(err, HS_ERR_INVALID, "stratum %s is given twice ('%s', then '%s')",
                          e->strata[i].key, e->strata[j].value ? e->strata[j].value : "",
                          e->strata[i].value ? e->strata[i].value : "");
  for (size_t i = 0; i < e->neligibility; i++)
    for (size_t j = 0; j < i; j++)
      if (e->eligibility[i].key && e->eligibility[j].key &&
          !strcmp(e->eligibility[i].key, e->eligibility[j].key))
        return hs_err_set(err, HS_ERR_INVALID,
                          "eligibility criterion %s is answered twice ('%s', then '%s'): give "
                          "one answer",
                          e->eligibility[i].key,
                          e->eligibility[j].value ? e->eligibility[j].value : "",
                          e->eligibility[i].value ? e->eligibility[i].value : "");
  for (size_t i = 0; i < e->nstrata; i++) {
    int k = -1;
    for (int j = 0; j < p->nfactors; j++)
      if (e->strata[i].key && !strcmp(p->factor[j].name, e->strata[i].key)) k = j;
    if (k < 0)
      return hs_err_set(err, HS_ERR_UNKNOWN, "stratum '%s' is not a stratification factor of "
                        "this trial", e->strata[i].key ? e->strata[i].key : "");
  }
  for (int j = 0; j < p->nfactors; j++) {
    const tp_factor *f = &p->factor[j];
    const char *v = kv_get(e->strata, e->nstrata, f->name);
    char levels[512] = "";
    for (int k = 0; k < f->nlevels; k++) {
      if (k) strncat(levels, ", ", sizeof levels - strlen(levels) - 1);
      strncat(levels, f->level[k], sizeof levels - strlen(levels) - 1);
    }
    if (!v)
      return hs_err_set(err, HS_ERR_INVALID, "stratum %s is missing (levels: %s)", f->name,
                        levels);
    int ok = 0;
    for (int k = 0; k < f->nlevels; k++) ok |= !strcmp(f->level[k], v);
    if (!ok)
      return hs_err_set(err, HS_ERR_RANGE, "stratum %s = '%s' is not a level (levels: %s)",
                        f->name, v, levels);
    len += (size_t)snprintf(stratum + len, len < ssize ? ssize - len : 0, "/%s=%s", f->name, v);
  }
  for (size_t i = 0; i < e->neligibility; i++) {
    int k = -1;
    for (int j = 0; j < p->ncriteria; j++)
      if (e->eligibility[i].key && !strcmp(p->criterion[j].id, e->eligibility[i].key)) k = j;
    if (k < 0)
      return hs_err_set(err, HS_ERR_UNKNOWN, "eligibility criterion '%s' is not in the protocol",
                        e->eligibility[i].key ? e->eligibility[i].key : "");
  }
  char failing[1024] = "";
  size_t el = (size_t)snprintf(elig, esize, "{");
  for (int j = 0; j < p->ncriteria; j++) {
    const tp_criterion *c = &p->criterion[j];
    const char *v = kv_get(e->eligibility, e->neligibility, c->id);
    if (!v)
      return hs_err_set(err, HS_ERR_INVALID,
                        "eligibility criterion %s is not answered (yes or no): %s", c->id,
                        c->text);
    int a = yes_no(v);
    if (a < 0)
      return hs_err_set(err, HS_ERR_INVALID,
                        "eligibility criterion %s = '%s' must be yes or no", c->id, v);
    if (a != c->eligible_answer) {
      if (*failing) strncat(failing, "; ", sizeof failing - strlen(failing) - 1);
      char one[400];
      snprintf(one, sizeof one, "%s = %s (%s)", c->id, a ? "yes" : "no", c->text);
      strncat(failing, one, sizeof failing - strlen(failing) - 1);
    }
    el += (size_t)snprintf(elig + el, el < esize ? esize - el : 0, "%s\"%s\":%s", j ? "," : "",
                           c->id, a ? "true" : "false");
  }
  if (el < esize) snprintf(elig + el, esize - el, "}");
  if (*failing)
    return hs_err_set(err, HS_ERR_INVALID, "patient %s is not eligible: %s", e->patient,
                      failing);
  return HS_OK;
}

hs_status hs_trial_enrol(hs_trial *t, const hs_trial_actor *who, const hs_trial_enrolment *e,
                         char arm_out[HS_TRIAL_NAME_MAX], hs_err *err) {
  if (arm_out) arm_out[0] = '\0';
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_DATA_ENTRY), "enrolment", err);
  if (st) return st;
  if (!e) return hs_err_set(err, HS_ERR_INVALID, "no enrolment given");
  if (tdb_patient_id(t, e->patient, NULL) >= 0)
    return hs_err_set(err, HS_ERR_STATE, "patient %s is already enrolled (one allocation per "
                      "patient)", e->patient);
  if ((st = tdb_check_text("patient", e->patient, TN - 1, 1, err))) return st;
  const hs_trial_field *fp = hs_trial_field_find("ecmo_placed_at");
  char placed[64], stratum[1024], elig[4096];
  if ((st = parse_value(fp, e->ecmo_placed_at, placed, sizeof placed, err))) return st;
  if ((st = tdb_begin(t, err))) return st;
  /* the protocol may have been amended by another process */
  if ((st = tdb_load_protocol(t, err))) goto rollback;
  if ((st = check_enrolment(&t->proto, e, stratum, sizeof stratum, elig, sizeof elig, err)))
    goto rollback;
  {
    hs_err e2;
    if (tdb_patient_id(t, e->patient, &e2) >= 0) {
      st = hs_err_set(err, HS_ERR_STATE, "patient %s is already enrolled (one allocation per "
                      "patient)", e->patient);
      goto rollback;
    }
    if (e2.code != HS_ERR_UNKNOWN) {
      st = hs_err_set(err, e2.code, "%s", e2.msg);
      goto rollback;
    }
    sqlite3_stmt *s = tdb_prepare(t, "SELECT count(*) FROM patient WHERE stratum = ?", err);
    if (!s) goto fail;
    sqlite3_bind_text(s, 1, stratum, -1, SQLITE_STATIC);
    sqlite3_step(s);
    int64_t seq = sqlite3_column_int64(s, 0), block = 0;
    sqlite3_finalize(s);
    if (!(s = tdb_prepare(t, "SELECT seed FROM secret WHERE id = 1", err))) goto fail;
    uint64_t seed = 0;
    st = sqlite3_step(s) == SQLITE_ROW
             ? hs_trial_seed_parse((const char *)sqlite3_column_text(s, 0), &seed, err)
             : hs_err_set(err, HS_ERR_STATE, "%s: the allocation seed is missing", t->path);
    sqlite3_finalize(s);
    if (st) goto rollback;
    int k = hs_trial_alloc_arm(&t->proto, seed, stratum, seq, &block);
    if (k < 0) {
      st = hs_err_set(err, HS_ERR_STATE, "allocation failed for stratum %s", stratum);
      goto rollback;
    }
    char at[32], seqs[32], blocks[32], pv[32];
    tdb_now(at);
    snprintf(seqs, sizeof seqs, "%" PRId64, seq);
    snprintf(blocks, sizeof blocks, "%" PRId64, block);
    snprintf(pv, sizeof pv, "%" PRId64, t->proto_version);
    const char *vals[] = {e->patient, e->site, stratum, seqs, blocks, t->proto.arm[k].id, pv,
                          elig, at, who->user};
    tdb_audit a = {"enrol", NULL, 0, e->patient, "baseline", "arm", NULL, t->proto.arm[k].id,
                   NULL};
    int64_t pid = tdb_insert(t, who, "patient",
                             "code, site, stratum, stratum_seq, block, arm, protocol_version, "
                             "eligibility, at, user",
                             vals, 10, &a, err);
    if (pid < 0) goto fail;
    if ((st = put_value(t, who, pid, e->patient, "baseline", "ecmo_placed_at", placed,
                        e->ecmo_placed_at, NULL, NULL, NULL, err)))
      goto rollback;
    if ((st = tdb_commit(t, err))) return st;
    if (arm_out) snprintf(arm_out, HS_TRIAL_NAME_MAX, "%s", t->proto.arm[k].id);
    return HS_OK;
  }
fail:
  st = err ? err->code : HS_ERR_IO;
rollback:
  tdb_rollback(t);
  return st;
}

/* ------------------------------------------------------------------ visits */

static hs_status record_values(hs_trial *t, const hs_trial_actor *who, int64_t pid,
                               const char *code, int v, const hs_trial_kv *fields,
                               char *const *canon, size_t n,
                               const char *reason, hs_trial_record_result *res, hs_err *err) {
  const char *visit = hs_trial_visit_name(v);
  hs_status st = HS_OK;
  int dose_changed = 0, time_changed = 0;
  int64_t time_id = 0;
  /* a visit, a death or a last contact cannot precede the ECMO placement of the
     record: refused, not a window deviation (that is for a visit late or early within
     the course of the run) */
  int64_t placed = 0;
  int have = 0; /* placement: 0 not looked up (no time field yet), 1 known, -1 not recorded */
  for (size_t i = 0; i < n; i++) {
    const hs_trial_field *f = hs_trial_field_find(fields[i].key);
    int64_t secs;
    if (!f || f->type != HS_FT_TIME || !strcmp(f->name, "ecmo_placed_at")) continue;
    if (!have) {
      int r = time_of(t, pid, "baseline", "ecmo_placed_at", &placed, err);
      if (r < 0) return err ? err->code : HS_ERR_IO;
      have = r ? 1 : -1;
    }
    if (have < 0 || hs_trial_time_parse(f->name, canon[i], &secs, NULL, NULL) != HS_OK ||
        secs >= placed)
      continue;
    char p[32];
    hs_trial_time_format(placed, p);
    return hs_err_set(err, HS_ERR_RANGE, "%s: %s = %s is before the ECMO placement (%s)", visit,
                      f->name, canon[i], p);
  }
  for (size_t i = 0; i < n && !st; i++) {
    int changed = 0;
    int64_t id = 0;
    st = put_value(t, who, pid, code, visit, fields[i].key, canon[i], fields[i].value, reason,
                   &id, &changed, err);
    if (changed) res->nvalues++;
    if (changed == 2) res->nchanged++;
    for (int d = 0; d < HS_DRUG_COUNT && changed; d++)
      if (DOSE_FIELDS[d] && !strcmp(DOSE_FIELDS[d], fields[i].key)) dose_changed = 1;
    if (changed && (!strcmp(fields[i].key, "time") || !strcmp(fields[i].key, "ecmo_placed_at")))
      time_changed = 1, time_id = id;
  }
  if (st) return st;
  if (dose_changed && v >= V_T1 && v <= V_T4) {
    /* VIS from the current doses of this visit (absent = 0) */
    double doses[HS_DRUG_COUNT] = {0};
    for (int d = 0; d < HS_DRUG_COUNT; d++) {
      char val[64];
      if (!DOSE_FIELDS[d]) continue;
      int f = tdb_current(t, pid, visit, DOSE_FIELDS[d], val, sizeof val, NULL, err);
      if (f < 0) return err ? err->code : HS_ERR_IO;
      if (f) doses[d] = strtod(val, NULL);
    }
    res->vis = hs_vis(doses);
    char c[64];
    snprintf(c, sizeof c, "%.17g", res->vis);
    if ((st = put_value(t, who, pid, code, visit, "vis", c, "computed from the doses",
                        "doses recorded", NULL, NULL, err)))
      return st;
  }
  if (time_changed) {
    /* the visits whose window depends on the changed time */
    for (int w = V_T1; w <= V_T4 && !st; w++) {
      int depends = w == v || (v == V_BASELINE && t->proto.window[w].from == 0) ||
                    (v == V_T1 && t->proto.window[w].from == V_T1);
      if (!depends) continue;
      char note[256];
      int r = tdb_window_check(t, pid, w, note, sizeof note, err);
      if (r < 0) return err ? err->code : HS_ERR_IO;
      if (w == v) {
        snprintf(res->note, sizeof res->note, "%s", note);
        res->deviation = r == 1;
      }
      if (r == 1)
        st = add_deviation(t, who, pid, code, hs_trial_visit_name(w), "window", note,
                           w == v ? time_id : 0, err);
    }
  }
  return st;
}

/* Validate fields for visit v into canon[]. */
static hs_status check_fields(int v, const hs_trial_kv *fields, size_t n, int allow_derived,
                              char **canon, hs_err *err) {
  for (size_t i = 0; i < n; i++) {
    const hs_trial_field *f = hs_trial_field_find(fields[i].key);
    if (!f)
      return hs_err_set(err, HS_ERR_UNKNOWN, "field '%s' is unknown (see `hemosim trial "
                        "fields`)", fields[i].key ? fields[i].key : "");
    if (!(f->visits & (1u << v)))
      return hs_err_set(err, HS_ERR_INVALID, "field '%s' does not belong to visit %s",
                        f->name, hs_trial_visit_name(v));
    if ((f->visits & DERIVED) && !allow_derived)
      return hs_err_set(err, HS_ERR_INVALID,
                        "field '%s' is computed by hemosim (%s), not entered", f->name, f->doc);
    for (size_t j = 0; j < i; j++)
      if (!strcmp(fields[j].key, fields[i].key))
        return hs_err_set(err, HS_ERR_INVALID, "field '%s' is given twice", f->name);
    size_t size = (fields[i].value ? strlen(fields[i].value) : 0) + 64;
    if (!(canon[i] = malloc(size))) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    hs_status st = parse_value(f, fields[i].value, canon[i], size, err);
    if (st) return st;
  }
  return HS_OK;
}

static hs_status record(hs_trial *t, const hs_trial_actor *who, const char *patient,
                        const char *visit, const hs_trial_kv *fields, size_t n,
                        const char *reason, int allow_derived, hs_trial_record_result *res,
                        hs_err *err) {
  hs_trial_record_result local;
  if (!res) res = &local;
  memset(res, 0, sizeof *res);
  res->vis = NAN;
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_DATA_ENTRY), "recording visit data", err);
  if (st) return st;
  int v = hs_trial_visit_index(visit);
  if (v < 0)
    return hs_err_set(err, HS_ERR_UNKNOWN,
                      "visit '%s' is unknown (baseline, T1, T2, T3, T4, day28)", visit ? visit : "");
  if (n == 0) return hs_err_set(err, HS_ERR_INVALID, "no fields given");
  if (n > 64) return hs_err_set(err, HS_ERR_RANGE, "at most 64 fields at once (got %zu)", n);
  if ((st = tdb_check_text("reason", reason, HS_TRIAL_TEXT_MAX, 0, err))) return st;
  char **canon = calloc(n, sizeof *canon);
  if (!canon) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if ((st = check_fields(v, fields, n, allow_derived, canon, err))) goto out;
  if ((st = tdb_begin(t, err))) goto out;
  int64_t pid = tdb_patient_id(t, patient, err);
  if (pid < 0) {
    st = err ? err->code : HS_ERR_UNKNOWN;
  } else if (!(st = tdb_load_protocol(t, err))) {
    st = record_values(t, who, pid, patient, v, fields, canon, n, reason, res, err);
  }
  if (st)
    tdb_rollback(t);
  else
    st = tdb_commit(t, err);
out:
  for (size_t i = 0; i < n; i++) free(canon[i]);
  free(canon);
  return st;
}

hs_status hs_trial_record(hs_trial *t, const hs_trial_actor *who, const char *patient,
                          const char *visit, const hs_trial_kv *fields, size_t n,
                          const char *reason, hs_trial_record_result *res, hs_err *err) {
  if (!t || (n && !fields)) return hs_err_set(err, HS_ERR_INVALID, "no fields given");
  return record(t, who, patient, visit, fields, n, reason, 0, res, err);
}

hs_status hs_trial_record_micro(hs_trial *t, const hs_trial_actor *who, const char *patient,
                                const char *visit, const char *name, const char *text,
                                size_t len, const char *reason, hs_trial_record_result *res,
                                hs_err *err) {
  int v = hs_trial_visit_index(visit);
  if (v < V_T1 || v > V_T4)
    return hs_err_set(err, HS_ERR_INVALID,
                      "a microcirculation record belongs to a visit T1-T4 (got '%s')",
                      visit ? visit : "");
  if (!text || !len || len > 65536)
    return hs_err_set(err, HS_ERR_RANGE, "%s: the microcirculation document is empty or larger "
                      "than 65536 bytes", name ? name : "-");
  hs_micro_input *in = NULL;
  hs_micro_result *r = calloc(1, sizeof *r);
  if (!r) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  hs_status st = hs_micro_load_string(name ? name : "<micro>", text, len, &in, err);
  if (!st && (st = hs_micro_analyze(in, NULL, r, err))) hs_err_prefix(err, "%s: ", name ? name : "-");
  if (!st && in->time_point && in->time_point != v)
    st = hs_err_set(err, HS_ERR_INVALID, "%s: the document is labelled T%d, recorded as %s",
                    name ? name : "-", in->time_point, visit);
  if (st) {
    hs_micro_input_free(in);
    free(r);
    return st;
  }
  char psvd[32], ppsv[32], mfi[32], ns[16], nu[16], excl[HS_TRIAL_TEXT_MAX];
  snprintf(psvd, sizeof psvd, "%.6f", r->psvd_mm_mm2);
  snprintf(ppsv, sizeof ppsv, "%.6f", isfinite(r->ppsv_pct) ? r->ppsv_pct
                                                            : hs_micro_quantity_value(r, HS_MQ_PPSV));
  snprintf(mfi, sizeof mfi, "%.6f", r->mfi);
  snprintf(ns, sizeof ns, "%zu", r->nsites);
  snprintf(nu, sizeof nu, "%zu", r->nusable);
  size_t el = (size_t)snprintf(excl, sizeof excl, "%s", r->nsites == r->nusable ? "none" : "");
  for (size_t i = 0; i < r->nsites && el < sizeof excl; i++)
    if (!r->site[i].usable)
      el += (size_t)snprintf(excl + el, sizeof excl - el, "%s%s: %s", el ? "; " : "",
                             r->site[i].name, r->site[i].reason);
  char *doc = malloc(len + 1);
  if (!doc) {
    hs_micro_input_free(in);
    free(r);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  memcpy(doc, text, len);
  doc[len] = '\0';
  hs_trial_kv kv[7] = {{"micro_sites", ns}, {"micro_usable", nu}, {"micro_excluded", excl},
                       {"micro_record", doc}, {"psvd", psvd}, {"ppsv", ppsv}, {"mfi", mfi}};
  size_t n = 4;
  /* undefined summaries (no usable site, no lengths) are not recorded */
  if (r->nusable && isfinite(r->psvd_mm_mm2)) kv[n++] = kv[4];
  if (r->nusable && isfinite(strtod(ppsv, NULL))) kv[n++] = kv[5];
  if (r->nusable && isfinite(r->mfi)) kv[n++] = kv[6];
  st = record(t, who, patient, visit, kv, n, reason, 1, res, err);
  free(doc);
  hs_micro_input_free(in);
  free(r);
  return st;
}

/* ------------------------------------------------------------------ adverse events */

hs_status hs_trial_adverse_event(hs_trial *t, const hs_trial_actor *who, const char *patient,
                                 const char *type, const char *onset, const char *severity,
                                 const char *description, hs_err *err) {
  static const hs_trial_field TYPE = {"type", HS_FT_CHOICE, 0, "", 0, 0,
                                      "bleeding|limb_ischaemia|stroke|haemolysis|infection|other",
                                      0, ""};
  static const hs_trial_field SEV = {"severity", HS_FT_CHOICE, 0, "", 0, 0,
                                     "mild|moderate|severe|life_threatening|fatal", 0, ""};
  static const hs_trial_field ONSET = {"onset", HS_FT_TIME, 0, "", 0, 0, NULL, 0, ""};
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_DATA_ENTRY), "recording an adverse event",
                                 err);
  char ty[64], sv[64], on[64];
  if (!st) st = parse_value(&TYPE, type, ty, sizeof ty, err);
  if (!st) st = parse_value(&SEV, severity, sv, sizeof sv, err);
  if (!st) st = parse_value(&ONSET, onset, on, sizeof on, err);
  if (!st) st = tdb_check_text("description", description, HS_TRIAL_TEXT_MAX, 1, err);
  if (st) return st;
  if ((st = tdb_begin(t, err))) return st;
  int64_t pid = tdb_patient_id(t, patient, err);
  if (pid < 0) {
    tdb_rollback(t);
    return err ? err->code : HS_ERR_UNKNOWN;
  }
  char at[32], ids[32];
  tdb_now(at);
  snprintf(ids, sizeof ids, "%" PRId64, pid);
  const char *vals[] = {ids, ty, on, sv, description, at, who->user};
  tdb_audit a = {"adverse_event", NULL, 0, patient, NULL, ty, NULL, description, NULL};
  if (tdb_insert(t, who, "adverse_event", "patient_id, type, onset, severity, description, at, "
                 "user", vals, 7, &a, err) < 0) {
    tdb_rollback(t);
    return err ? err->code : HS_ERR_IO;
  }
  return tdb_commit(t, err);
}

/* ------------------------------------------------------------------ unblinding */

hs_status hs_trial_unblind(hs_trial *t, const hs_trial_actor *who, const char *patient,
                           const char *reason, char arm[HS_TRIAL_NAME_MAX], hs_err *err) {
  if (arm) arm[0] = '\0';
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_DATA_ENTRY) | ROLE_BIT(HS_ROLE_MANAGER),
                                 "emergency unblinding", err);
  if (!st) st = tdb_check_text("reason", reason, HS_TRIAL_TEXT_MAX, 1, err);
  if (st) return st;
  if ((st = tdb_begin(t, err))) return st;
  int64_t pid = tdb_patient_id(t, patient, err);
  char a_arm[TN] = "";
  sqlite3_stmt *s = NULL;
  if (pid < 0) goto fail;
  if (!(s = tdb_prepare(t, "SELECT arm FROM patient WHERE id = ?", err))) goto fail;
  sqlite3_bind_int64(s, 1, pid);
  if (sqlite3_step(s) == SQLITE_ROW)
    snprintf(a_arm, sizeof a_arm, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  {
    char at[32], ids[32];
    tdb_now(at);
    snprintf(ids, sizeof ids, "%" PRId64, pid);
    const char *vals[] = {ids, reason, at, who->user, hs_trial_role_name(who->role)};
    tdb_audit a = {"unblind", NULL, 0, patient, NULL, "arm", NULL, a_arm, reason};
    if (tdb_insert(t, who, "unblinding", "patient_id, reason, at, user, role", vals, 5, &a,
                   err) < 0)
      goto fail;
  }
  if ((st = tdb_commit(t, err))) return st;
  if (arm) snprintf(arm, HS_TRIAL_NAME_MAX, "%s", a_arm);
  return HS_OK;
fail:
  tdb_rollback(t);
  return err ? err->code : HS_ERR_IO;
}

/* ------------------------------------------------------------------ queries */

/* Status of a query: 0 open (never answered), 1 answered, 2 closed; -1 unknown. */
static int query_state(hs_trial *t, int64_t id, char *patient, hs_err *err) {
  sqlite3_stmt *s = tdb_prepare(t,
                                "SELECT p.code, (SELECT kind FROM query_event e WHERE e.query_id "
                                "= q.id ORDER BY e.id DESC LIMIT 1) FROM query q JOIN patient p "
                                "ON p.id = q.patient_id WHERE q.id = ?",
                                err);
  if (!s) return -1;
  sqlite3_bind_int64(s, 1, id);
  int state = -1;
  if (sqlite3_step(s) == SQLITE_ROW) {
    snprintf(patient, TN, "%s", (const char *)sqlite3_column_text(s, 0));
    const char *k = (const char *)sqlite3_column_text(s, 1);
    state = !k ? 0 : !strcmp(k, "close") ? 2 : 1;
  } else {
    hs_err_set(err, HS_ERR_UNKNOWN, "query %" PRId64 " does not exist", id);
  }
  sqlite3_finalize(s);
  return state;
}

hs_status hs_trial_query_raise(hs_trial *t, const hs_trial_actor *who, const char *patient,
                               const char *visit, const char *field, const char *text,
                               int64_t *id, hs_err *err) {
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_MONITOR), "raising a query", err);
  if (!st && hs_trial_visit_index(visit) < 0)
    st = hs_err_set(err, HS_ERR_UNKNOWN, "visit '%s' is unknown (baseline, T1, T2, T3, T4, day28)",
                    visit ? visit : "");
  if (!st && !hs_trial_field_find(field))
    st = hs_err_set(err, HS_ERR_UNKNOWN, "field '%s' is unknown", field ? field : "");
  if (!st) st = tdb_check_text("query text", text, HS_TRIAL_TEXT_MAX, 1, err);
  if (st || (st = tdb_begin(t, err))) return st;
  int64_t pid = tdb_patient_id(t, patient, err), qid = -1;
  if (pid >= 0) {
    char at[32], ids[32];
    tdb_now(at);
    snprintf(ids, sizeof ids, "%" PRId64, pid);
    const char *vals[] = {ids, visit, field, text, at, who->user};
    tdb_audit a = {"query_raise", NULL, 0, patient, visit, field, NULL, text, NULL};
    qid = tdb_insert(t, who, "query", "patient_id, visit, field, text, at, user", vals, 6, &a,
                     err);
  }
  if (qid < 0) {
    tdb_rollback(t);
    return err ? err->code : HS_ERR_IO;
  }
  if ((st = tdb_commit(t, err))) return st;
  if (id) *id = qid;
  return HS_OK;
}

static hs_status query_event(hs_trial *t, const hs_trial_actor *who, int64_t id,
                             const char *kind, const char *text, hs_err *err) {
  hs_status st = tdb_check_text("text", text, HS_TRIAL_TEXT_MAX, 1, err);
  if (st || (st = tdb_begin(t, err))) return st;
  char patient[TN] = "";
  int state = query_state(t, id, patient, err);
  if (state < 0) goto fail;
  if (state == 2) {
    st = hs_err_set(err, HS_ERR_STATE, "query %" PRId64 " is closed", id);
    goto rollback;
  }
  if (!strcmp(kind, "close") && state == 0) {
    st = hs_err_set(err, HS_ERR_STATE, "query %" PRId64 " has not been answered yet", id);
    goto rollback;
  }
  {
    char at[32], ids[32], qs[32];
    tdb_now(at);
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(qs, sizeof qs, "query %" PRId64, id);
    const char *vals[] = {ids, kind, text, at, who->user, hs_trial_role_name(who->role)};
    tdb_audit a = {!strcmp(kind, "close") ? "query_close" : "query_answer", NULL, 0, patient,
                   NULL, qs, NULL, text, NULL};
    if (tdb_insert(t, who, "query_event", "query_id, kind, text, at, user, role", vals, 6, &a,
                   err) < 0)
      goto fail;
  }
  return tdb_commit(t, err);
fail:
  st = err ? err->code : HS_ERR_IO;
rollback:
  tdb_rollback(t);
  return st;
}

hs_status hs_trial_query_answer(hs_trial *t, const hs_trial_actor *who, int64_t id,
                                const char *text, hs_err *err) {
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_DATA_ENTRY), "answering a query", err);
  return st ? st : query_event(t, who, id, "answer", text, err);
}

hs_status hs_trial_query_close(hs_trial *t, const hs_trial_actor *who, int64_t id,
                               const char *text, hs_err *err) {
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_MONITOR), "closing a query", err);
  return st ? st : query_event(t, who, id, "close", text, err);
}
