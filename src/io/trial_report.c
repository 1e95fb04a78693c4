/*
 * io/trial_report.c - reading a trial database: the status document
 * (enrolment, completeness and deviations per patient and site, queries) and
 * the audit trail (docs/trial.md).
 *
 * Concealment: per-patient arms and arm counts by stratum are shown to the
 * statistician only (arm counts within a stratum would let anyone predict the
 * last allocations of a permuted block).  Every read is one snapshot (a read
 * transaction).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/output.h"
#include "hemosim/units.h"
#include "io/trial_impl.h"

#define ALL_ROLES (ROLE_BIT(HS_ROLE_DATA_ENTRY) | ROLE_BIT(HS_ROLE_MONITOR) | \
                   ROLE_BIT(HS_ROLE_STATISTICIAN) | ROLE_BIT(HS_ROLE_MANAGER))

static char *dump(json_t *root, hs_err *err) {
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
  json_decref(root);
  if (!text) hs_err_set(err, HS_ERR_NOMEM, "out of memory writing JSON");
  return text;
}

static json_t *str_or_null(const unsigned char *s) {
  return s ? json_string((const char *)s) : json_null();
}

/* Completeness of one patient: visits complete, missing required fields,
   window status per visit (recomputed from the current values). */
static hs_status patient_status(hs_trial *t, int64_t pid, json_t *o, int *complete,
                                int *deviations, hs_err *err) {
  json_t *visits = json_object();
  *complete = 0;
  *deviations = 0;
  for (int v = V_T1; v <= V_T4; v++) {
    json_t *vo = json_object(), *missing = json_array();
    char note[256];
    int w = tdb_window_check(t, pid, v, note, sizeof note, err);
    if (w < 0) {
      json_decref(vo);
      json_decref(missing);
      json_decref(visits);
      return err ? err->code : HS_ERR_IO;
    }
    int has_time = tdb_current(t, pid, hs_trial_visit_name(v), "time", NULL, 0, NULL, err) == 1;
    for (int k = 0; k < t->proto.nrequired; k++)
      if (tdb_current(t, pid, hs_trial_visit_name(v), t->proto.required[k], NULL, 0, NULL,
                      err) != 1)
        json_array_append_new(missing, json_string(t->proto.required[k]));
    int done = has_time && json_array_size(missing) == 0;
    *complete += done;
    *deviations += w == 1;
    json_object_set_new(vo, "recorded", json_boolean(has_time));
    json_object_set_new(vo, "complete", json_boolean(done));
    json_object_set_new(vo, "window", json_string(w == 0 ? "inside" : w == 1 ? "outside"
                                                                            : "unchecked"));
    json_object_set_new(vo, "note", json_string(note));
    json_object_set_new(vo, "missing", missing);
    json_object_set_new(visits, hs_trial_visit_name(v), vo);
  }
  char st[16] = "";
  int f = tdb_current(t, pid, "day28", "status", st, sizeof st, NULL, err);
  json_object_set_new(o, "day28", f == 1 ? json_string(st) : json_null());
  json_object_set_new(o, "visits", visits);
  return HS_OK;
}

char *hs_trial_status_json(hs_trial *t, const hs_trial_actor *who, hs_err *err) {
  if (tdb_check_actor(who, ALL_ROLES, "reading the status", err)) return NULL;
  int stat = who->role == HS_ROLE_STATISTICIAN;
  if (tdb_exec(t, "BEGIN", err)) return NULL;
  json_t *root = json_object(), *patients = json_array(), *sites = json_object(),
         *strata = json_object(), *queries = json_array();
  hs_status st = tdb_load_protocol(t, err);
  sqlite3_stmt *s = NULL;
  if (st) goto fail;
  json_object_set_new(root, "schema", json_string("hemosim-trial-status/1"));
  json_object_set_new(root, "trial", json_string(t->proto.name));
  json_object_set_new(root, "registration", json_string(t->proto.registration));
  json_object_set_new(root, "database", json_string(t->path));
  json_object_set_new(root, "protocol_version", json_integer(t->proto_version));
  json_object_set_new(root, "arms_shown", json_boolean(stat));
  if (!(s = tdb_prepare(t,
                        "SELECT id, code, site, stratum, arm, at, (SELECT count(*) FROM deviation"
                        " d WHERE d.patient_id = p.id), (SELECT count(*) FROM adverse_event a "
                        "WHERE a.patient_id = p.id), (SELECT count(*) FROM unblinding u WHERE "
                        "u.patient_id = p.id) FROM patient p ORDER BY id",
                        err)))
    goto fail;
  int n = 0, rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int64_t pid = sqlite3_column_int64(s, 0);
    const char *site = (const char *)sqlite3_column_text(s, 2);
    const char *stratum = (const char *)sqlite3_column_text(s, 3);
    json_t *o = json_object();
    json_object_set_new(o, "patient", str_or_null(sqlite3_column_text(s, 1)));
    json_object_set_new(o, "site", json_string(site));
    json_object_set_new(o, "stratum", json_string(stratum));
    if (stat) json_object_set_new(o, "arm", str_or_null(sqlite3_column_text(s, 4)));
    json_object_set_new(o, "enrolled_at", str_or_null(sqlite3_column_text(s, 5)));
    json_object_set_new(o, "deviations_logged", json_integer(sqlite3_column_int(s, 6)));
    json_object_set_new(o, "adverse_events", json_integer(sqlite3_column_int(s, 7)));
    json_object_set_new(o, "unblinded", json_boolean(sqlite3_column_int(s, 8) > 0));
    int complete, dev;
    if ((st = patient_status(t, pid, o, &complete, &dev, err))) {
      json_decref(o);
      goto fail;
    }
    json_object_set_new(o, "visits_complete", json_integer(complete));
    json_object_set_new(o, "window_deviations", json_integer(dev));
    json_object_set_new(o, "completeness_pct", json_real(100.0 * complete / 4.0));
    json_array_append_new(patients, o);
    json_t *so = json_object_get(sites, site);
    if (!so) {
      so = json_pack("{s:i,s:i,s:i,s:i}", "patients", 0, "visits_expected", 0, "visits_complete",
                     0, "window_deviations", 0);
      json_object_set_new(sites, site, so);
    }
    json_object_set_new(so, "patients", json_integer(json_integer_value(json_object_get(so, "patients")) + 1));
    json_object_set_new(so, "visits_expected",
                        json_integer(json_integer_value(json_object_get(so, "visits_expected")) + 4));
    json_object_set_new(so, "visits_complete",
                        json_integer(json_integer_value(json_object_get(so, "visits_complete")) +
                                     complete));
    json_object_set_new(so, "window_deviations",
                        json_integer(json_integer_value(json_object_get(so, "window_deviations")) +
                                     dev));
    json_t *sto = json_object_get(strata, stratum);
    if (!sto) {
      sto = json_object();
      json_object_set_new(strata, stratum, sto);
    }
    const char *key = stat ? (const char *)sqlite3_column_text(s, 4) : "enrolled";
    json_object_set_new(sto, key, json_integer(json_integer_value(json_object_get(sto, key)) + 1));
    n++;
  }
  sqlite3_finalize(s);
  s = NULL;
  if (rc != SQLITE_DONE) {
    st = tdb_fail(t, err, "reading the patients");
    goto fail;
  }
  const char *site;
  json_t *so;
  json_object_foreach(sites, site, so) {
    double e = (double)json_integer_value(json_object_get(so, "visits_expected"));
    double c = (double)json_integer_value(json_object_get(so, "visits_complete"));
    json_object_set_new(so, "completeness_pct", json_real(e > 0 ? 100.0 * c / e : 0));
  }
  if (!(s = tdb_prepare(t,
                        "SELECT q.id, p.code, q.visit, q.field, q.text, q.user, q.at, (SELECT "
                        "kind FROM query_event e WHERE e.query_id = q.id ORDER BY e.id DESC "
                        "LIMIT 1) FROM query q JOIN patient p ON p.id = q.patient_id ORDER BY q.id",
                        err)))
    goto fail;
  int open = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(s, 7);
    const char *state = !k ? "open" : !strcmp(k, "close") ? "closed" : "answered";
    open += strcmp(state, "closed") != 0;
    json_array_append_new(
        queries, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "id",
                           (json_int_t)sqlite3_column_int64(s, 0), "patient",
                           str_or_null(sqlite3_column_text(s, 1)), "visit",
                           str_or_null(sqlite3_column_text(s, 2)), "field",
                           str_or_null(sqlite3_column_text(s, 3)), "text",
                           str_or_null(sqlite3_column_text(s, 4)), "raised_by",
                           str_or_null(sqlite3_column_text(s, 5)), "raised_at",
                           str_or_null(sqlite3_column_text(s, 6)), "state", state));
  }
  sqlite3_finalize(s);
  s = NULL;
  json_object_set_new(root, "enrolled", json_integer(n));
  json_object_set_new(root, "open_queries", json_integer(open));
  json_object_set_new(root, "sites", sites);
  json_object_set_new(root, "strata", strata);
  json_object_set_new(root, "patients", patients);
  json_object_set_new(root, "queries", queries);
  tdb_rollback(t);
  return dump(root, err);
fail:
  sqlite3_finalize(s);
  tdb_rollback(t);
  json_decref(root);
  json_decref(patients);
  json_decref(sites);
  json_decref(strata);
  json_decref(queries);
  if (!st) hs_err_set(err, HS_ERR_IO, "reading the status failed");
  return NULL;
}

char *hs_trial_audit_json(hs_trial *t, const hs_trial_actor *who, const char *patient,
                          hs_err *err) {
  if (tdb_check_actor(who, ALL_ROLES, "reading the audit trail", err)) return NULL;
  sqlite3_stmt *s = tdb_prepare(t,
                                "SELECT seq, at, user, role, action, tbl, row_id, patient, visit,"
                                " field, old, new, reason, hash FROM audit WHERE ?1 IS NULL OR "
                                "patient = ?1 ORDER BY seq",
                                err);
  if (!s) return NULL;
  if (patient) sqlite3_bind_text(s, 1, patient, -1, SQLITE_STATIC);
  json_t *root = json_object(), *rows = json_array();
  static const char *const names[] = {"seq",   "at",    "user",  "role", "action",
                                      "table", "row",   "patient", "visit", "field",
                                      "old",   "new",   "reason", "hash"};
  int stat = who->role == HS_ROLE_STATISTICIAN;
  while (sqlite3_step(s) == SQLITE_ROW) {
    json_t *o = json_object();
    const char *action = (const char *)sqlite3_column_text(s, 4);
    int conceal = !stat && action && (!strcmp(action, "enrol") || !strcmp(action, "unblind"));
    for (int i = 0; i < 14; i++) {
      json_t *v;
      if (sqlite3_column_type(s, i) == SQLITE_NULL)
        v = json_null();
      else if (sqlite3_column_type(s, i) == SQLITE_INTEGER)
        v = json_integer((json_int_t)sqlite3_column_int64(s, i));
      else if (i == 11 && conceal)
        v = json_string("(concealed)");
      else
        v = json_string((const char *)sqlite3_column_text(s, i));
      json_object_set_new(o, names[i], v);
    }
    json_array_append_new(rows, o);
  }
  sqlite3_finalize(s);
  json_object_set_new(root, "schema", json_string("hemosim-trial-audit/1"));
  json_object_set_new(root, "patient", patient ? json_string(patient) : json_null());
  json_object_set_new(root, "rows", rows);
  return dump(root, err);
}

/* ------------------------------------------------------------------ exports */

/* A stored value in its display unit (numbers) or as stored. */
static void display_value(const hs_trial_field *f, const char *stored, char *out, size_t size) {
  if (f && f->type == HS_FT_NUMBER && f->dim != 0) {
    double disp = 1;
    hs_unit_to_internal((hs_dim)f->dim, 1.0, f->unit, &disp, NULL);
    snprintf(out, size, "%.10g", strtod(stored, NULL) / disp);
  } else if (f && f->type == HS_FT_NUMBER) {
    snprintf(out, size, "%.10g", strtod(stored, NULL));
  } else {
    snprintf(out, size, "%s", stored);
  }
}

/* RFC 4180: quoted when it contains a comma, quote, CR or LF; quotes doubled. */
static void csv_cell(FILE *f, const char *s, int last) {
  if (!s) s = "";
  if (strpbrk(s, ",\"\r\n")) {
    fputc('"', f);
    for (; *s; s++) {
      if (*s == '"') fputc('"', f);
      fputc(*s, f);
    }
    fputc('"', f);
  } else {
    fputs(s, f);
  }
  fputc(last ? '\n' : ',', f);
}

/* The current values of every patient, in patient, visit, field order; the
   callback gets the fields of one row.  Runs in the caller's read transaction. */
typedef struct cur_row {
  const char *patient, *site, *stratum, *arm, *visit, *field, *value, *unit, *at, *user,
      *reason;
  int version;
} cur_row;

static const char CUR_SQL[] =
    "SELECT p.code, p.site, p.stratum, p.arm, v.visit, v.field, v.value, v.version, v.at, "
    "v.user, v.reason FROM value v JOIN patient p ON p.id = v.patient_id WHERE v.version = "
    "(SELECT max(version) FROM value w WHERE w.patient_id = v.patient_id AND w.visit = v.visit "
    "AND w.field = v.field) AND (?1 IS NULL OR p.code = ?1) ORDER BY p.id, CASE v.visit WHEN 'baseline' THEN 0 WHEN 'T1' THEN 1 "
    "WHEN 'T2' THEN 2 WHEN 'T3' THEN 3 WHEN 'T4' THEN 4 ELSE 5 END, v.field";

/* every current value (of one patient, or of all when patient is NULL) */
static hs_status each_current(hs_trial *t, const char *patient,
                              void (*fn)(const cur_row *, void *), void *ud, hs_err *err) {
  sqlite3_stmt *s = tdb_prepare(t, CUR_SQL, err);
  if (!s) return err ? err->code : HS_ERR_IO;
  if (patient) sqlite3_bind_text(s, 1, patient, -1, SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    cur_row r;
    const char *c[11];
    for (int i = 0; i < 11; i++) c[i] = (const char *)sqlite3_column_text(s, i);
    const hs_trial_field *f = hs_trial_field_find(c[5]);
    char val[128];
    r.patient = c[0], r.site = c[1], r.stratum = c[2], r.arm = c[3], r.visit = c[4];
    r.field = c[5];
    r.version = sqlite3_column_int(s, 7);
    r.at = c[8], r.user = c[9], r.reason = c[10];
    r.unit = f && f->type == HS_FT_NUMBER ? f->unit : "";
    if (f && f->type == HS_FT_NUMBER) {
      display_value(f, c[6], val, sizeof val);
      r.value = val;
    } else {
      r.value = c[6];
    }
    fn(&r, ud);
  }
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? HS_OK : tdb_fail(t, err, "reading the values");
}

static void csv_row(const cur_row *r, void *ud) {
  FILE *f = ud;
  if (!strcmp(r->field, "micro_record")) return; /* the raw document: in the ODM export */
  char ver[16];
  snprintf(ver, sizeof ver, "%d", r->version);
  const char *cells[] = {r->patient, r->site, r->stratum, r->arm, r->visit, r->field, r->value,
                         r->unit, ver, r->at, r->user, r->reason};
  for (int i = 0; i < 12; i++) csv_cell(f, cells[i], i == 11);
}

/* Role check, a read snapshot with the protocol, and the output file opened
   (NULL on failure, with nothing left open). */
static hs_afile *begin_export(hs_trial *t, const hs_trial_actor *who, const char *what,
                              const char *path, hs_err *err) {
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_STATISTICIAN), what, err);
  if (st || tdb_exec(t, "BEGIN", err)) return NULL;
  hs_afile *af = tdb_load_protocol(t, err) ? NULL : hs_afile_open(path, err);
  if (!af) tdb_rollback(t);
  return af;
}

hs_status hs_trial_export_csv(hs_trial *t, const hs_trial_actor *who, const char *path,
                              hs_err *err) {
  hs_afile *af = begin_export(t, who, "the CSV export", path, err);
  if (!af) return err && err->code ? err->code : HS_ERR_IO;
  FILE *f = hs_afile_stream(af);
  hs_status st;
  fputs("patient,site,stratum,arm,visit,field,value,unit,version,recorded_at,recorded_by,"
        "reason\n",
        f);
  st = each_current(t, NULL, csv_row, f, err);
  /* adverse events as rows of visit "ae<n>" */
  sqlite3_stmt *s = st ? NULL
                       : tdb_prepare(t,
                                     "SELECT p.code, p.site, p.stratum, p.arm, a.id, a.type, "
                                     "a.onset, a.severity, a.description, a.at, a.user FROM "
                                     "adverse_event a JOIN patient p ON p.id = a.patient_id ORDER "
                                     "BY a.id",
                                     err);
  if (!st && !s) st = err ? err->code : HS_ERR_IO;
  while (s && sqlite3_step(s) == SQLITE_ROW) {
    const char *c[11];
    for (int i = 0; i < 11; i++) c[i] = (const char *)sqlite3_column_text(s, i);
    char visit[32];
    snprintf(visit, sizeof visit, "ae%s", c[4]);
    static const char *const fields[] = {"ae_type", "ae_onset", "ae_severity", "ae_description"};
    for (int k = 0; k < 4; k++) {
      const char *cells[] = {c[0], c[1], c[2], c[3], visit, fields[k], c[5 + k], "", "1",
                             c[9], c[10], ""};
      for (int i = 0; i < 12; i++) csv_cell(f, cells[i], i == 11);
    }
  }
  sqlite3_finalize(s);
  tdb_rollback(t);
  if (st) {
    hs_afile_abort(af);
    return st;
  }
  return hs_afile_commit(af, err);
}

/* XML 1.0 text and attribute escaping: & < > " ' always; TAB, LF and CR as
   character references so that attribute-value normalisation keeps them. */
static void xml_escaped(FILE *f, const char *s) {
  for (; s && *s; s++) switch (*s) {
      case '&': fputs("&amp;", f); break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&apos;", f); break;
      case '\t': fputs("&#9;", f); break;
      case '\n': fputs("&#10;", f); break;
      case '\r': fputs("&#13;", f); break;
      default: fputc(*s, f);
    }
}

typedef struct odm_state {
  FILE *f;
  char patient[TN], visit[16];
  int open_subject, open_event;
} odm_state;

static void odm_close_event(odm_state *o) {
  if (o->open_event) fputs("        </ItemGroupData></FormData></StudyEventData>\n", o->f);
  o->open_event = 0;
}

static void odm_row(const cur_row *r, void *ud) {
  odm_state *o = ud;
  FILE *f = o->f;
  if (!o->open_subject || strcmp(o->patient, r->patient)) {
    odm_close_event(o);
    if (o->open_subject) fputs("    </SubjectData>\n", f);
    fputs("    <SubjectData SubjectKey=\"", f);
    xml_escaped(f, r->patient);
    fputs("\">\n", f);
    /* enrolment items (arm, site, stratum) as an ENROL event */
    fputs("      <StudyEventData StudyEventOID=\"SE.ENROL\"><FormData FormOID=\"F.ENROL\">"
          "<ItemGroupData ItemGroupOID=\"IG.ENROL\">\n",
          f);
    const char *items[3][2] = {{"IT.site", r->site}, {"IT.stratum", r->stratum},
                               {"IT.arm", r->arm}};
    for (int i = 0; i < 3; i++) {
      fprintf(f, "        <ItemData ItemOID=\"%s\" Value=\"", items[i][0]);
      xml_escaped(f, items[i][1]);
      fputs("\"/>\n", f);
    }
    fputs("      </ItemGroupData></FormData></StudyEventData>\n", f);
    snprintf(o->patient, sizeof o->patient, "%s", r->patient);
    o->open_subject = 1;
    o->visit[0] = '\0';
  }
  if (strcmp(o->visit, r->visit)) {
    odm_close_event(o);
    fprintf(f, "      <StudyEventData StudyEventOID=\"SE.%s\"><FormData FormOID=\"F.%s\">"
               "<ItemGroupData ItemGroupOID=\"IG.%s\">\n",
            r->visit, r->visit, r->visit);
    snprintf(o->visit, sizeof o->visit, "%s", r->visit);
    o->open_event = 1;
  }
  fprintf(f, "        <ItemData ItemOID=\"IT.%s\" Value=\"", r->field);
  xml_escaped(f, r->value);
  fputs("\"/>\n", f);
}

static const char *odm_type(const hs_trial_field *f) {
  switch (f->type) {
    case HS_FT_NUMBER: return "float";
    case HS_FT_TIME: return "datetime";
    default: return "text";
  }
}

hs_status hs_trial_export_odm(hs_trial *t, const hs_trial_actor *who, const char *path,
                              hs_err *err) {
  hs_afile *af = begin_export(t, who, "the ODM export", path, err);
  if (!af) return err && err->code ? err->code : HS_ERR_IO;
  FILE *f = hs_afile_stream(af);
  hs_status st;
  char now[32];
  tdb_now(now);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!-- CDISC ODM 1.3.2 snapshot written by hemosim (docs/trial.md, \"ODM export\") -->\n"
        "<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" ODMVersion=\"1.3.2\" "
        "FileType=\"Snapshot\" Granularity=\"All\" FileOID=\"",
        f);
  xml_escaped(f, t->path);
  fprintf(f, "\" CreationDateTime=\"%s\" Originator=\"hemosim\">\n", now);
  fputs("  <Study OID=\"ST.1\">\n    <GlobalVariables>\n      <StudyName>", f);
  xml_escaped(f, t->proto.name);
  fputs("</StudyName>\n      <StudyDescription>", f);
  xml_escaped(f, t->proto.name);
  fputs("</StudyDescription>\n      <ProtocolName>", f);
  xml_escaped(f, t->proto.registration[0] ? t->proto.registration : t->proto.name);
  fprintf(f, "</ProtocolName>\n    </GlobalVariables>\n"
             "    <MetaDataVersion OID=\"MDV.%" PRId64 "\" Name=\"protocol version %" PRId64
             "\">\n      <Protocol>\n",
          t->proto_version, t->proto_version);
  static const char *const events[] = {"ENROL", "baseline", "T1", "T2", "T3", "T4", "day28"};
  for (int e = 0; e < 7; e++)
    fprintf(f, "        <StudyEventRef StudyEventOID=\"SE.%s\" OrderNumber=\"%d\" "
               "Mandatory=\"Yes\"/>\n",
            events[e], e + 1);
  fputs("      </Protocol>\n", f);
  for (int e = 0; e < 7; e++)
    fprintf(f, "      <StudyEventDef OID=\"SE.%s\" Name=\"%s\" Repeating=\"No\" "
               "Type=\"Scheduled\"><FormRef FormOID=\"F.%s\" Mandatory=\"Yes\"/></StudyEventDef>\n",
            events[e], events[e], events[e]);
  for (int e = 0; e < 7; e++)
    fprintf(f, "      <FormDef OID=\"F.%s\" Name=\"%s\" Repeating=\"No\"><ItemGroupRef "
               "ItemGroupOID=\"IG.%s\" Mandatory=\"Yes\"/></FormDef>\n",
            events[e], events[e], events[e]);
  for (int e = 0; e < 7; e++) {
    fprintf(f, "      <ItemGroupDef OID=\"IG.%s\" Name=\"%s\" Repeating=\"No\">\n", events[e],
            events[e]);
    if (e == 0) {
      fputs("        <ItemRef ItemOID=\"IT.site\" Mandatory=\"Yes\"/>\n"
            "        <ItemRef ItemOID=\"IT.stratum\" Mandatory=\"Yes\"/>\n"
            "        <ItemRef ItemOID=\"IT.arm\" Mandatory=\"Yes\"/>\n",
            f);
    }
    int v = e ? hs_trial_visit_index(events[e]) : -1;
    for (size_t i = 0; v >= 0 && i < hs_trial_field_count(); i++) {
      const hs_trial_field *fd = hs_trial_field_at(i);
      if (fd->visits & (1u << v))
        fprintf(f, "        <ItemRef ItemOID=\"IT.%s\" Mandatory=\"No\"/>\n", fd->name);
    }
    fputs("      </ItemGroupDef>\n", f);
  }
  fputs("      <ItemDef OID=\"IT.site\" Name=\"site\" DataType=\"text\"/>\n"
        "      <ItemDef OID=\"IT.stratum\" Name=\"stratum\" DataType=\"text\"/>\n"
        "      <ItemDef OID=\"IT.arm\" Name=\"arm\" DataType=\"text\"/>\n",
        f);
  for (size_t i = 0; i < hs_trial_field_count(); i++) {
    const hs_trial_field *fd = hs_trial_field_at(i);
    fprintf(f, "      <ItemDef OID=\"IT.%s\" Name=\"%s\" DataType=\"%s\"><Description>"
               "<TranslatedText xml:lang=\"en\">",
            fd->name, fd->name, odm_type(fd));
    xml_escaped(f, fd->doc);
    if (fd->type == HS_FT_NUMBER && *fd->unit) {
      fputs(" (", f);
      xml_escaped(f, fd->unit);
      fputs(")", f);
    }
    fputs("</TranslatedText></Description></ItemDef>\n", f);
  }
  fputs("    </MetaDataVersion>\n  </Study>\n", f);
  fprintf(f, "  <ClinicalData StudyOID=\"ST.1\" MetaDataVersionOID=\"MDV.%" PRId64 "\">\n",
          t->proto_version);
  odm_state o = {f, "", "", 0, 0};
  st = each_current(t, NULL, odm_row, &o, err);
  odm_close_event(&o);
  if (o.open_subject) fputs("    </SubjectData>\n", f);
  fputs("  </ClinicalData>\n</ODM>\n", f);
  tdb_rollback(t);
  if (st) {
    hs_afile_abort(af);
    return st;
  }
  return hs_afile_commit(af, err);
}

/* ------------------------------------------------------------------ one patient, the protocol */

static void patient_value(const cur_row *r, void *ud) {
  json_t *visits = ud, *vo = json_object_get(visits, r->visit);
  if (!vo) {
    vo = json_object();
    json_object_set_new(visits, r->visit, vo);
  }
  if (!strcmp(r->field, "micro_record")) return; /* the document: in the audit trail */
  json_object_set_new(vo, r->field,
                      json_pack("{s:s,s:s,s:i,s:s,s:s,s:o}", "value", r->value ? r->value : "",
                                "unit", r->unit, "version", r->version, "at", r->at ? r->at : "",
                                "by", r->user ? r->user : "", "reason",
                                r->reason ? json_string(r->reason) : json_null()));
}

/* rows of a query about one patient as an array of objects (columns named) */
static json_t *rows_json(hs_trial *t, const char *sql, int64_t pid, const char *const *names,
                         int n, hs_err *err) {
  sqlite3_stmt *s = tdb_prepare(t, sql, err);
  if (!s) return NULL;
  sqlite3_bind_int64(s, 1, pid);
  json_t *a = json_array();
  while (sqlite3_step(s) == SQLITE_ROW) {
    json_t *o = json_object();
    for (int i = 0; i < n; i++)
      json_object_set_new(o, names[i], sqlite3_column_type(s, i) == SQLITE_INTEGER
                                           ? json_integer((json_int_t)sqlite3_column_int64(s, i))
                                           : str_or_null(sqlite3_column_text(s, i)));
    json_array_append_new(a, o);
  }
  sqlite3_finalize(s);
  return a;
}

char *hs_trial_patient_json(hs_trial *t, const hs_trial_actor *who, const char *patient,
                            hs_err *err) {
  if (tdb_check_actor(who, ALL_ROLES, "reading a patient record", err)) return NULL;
  if (tdb_exec(t, "BEGIN", err)) return NULL;
  json_t *root = NULL, *visits = json_object();
  hs_status st = tdb_load_protocol(t, err);
  int64_t pid = st ? -1 : tdb_patient_id(t, patient, err);
  sqlite3_stmt *s = NULL;
  if (pid < 0) goto fail;
  if (!(s = tdb_prepare(t, "SELECT code, site, stratum, arm, at, user, (SELECT count(*) FROM "
                           "unblinding u WHERE u.patient_id = p.id) FROM patient p WHERE id = ?1",
                        err)))
    goto fail;
  sqlite3_bind_int64(s, 1, pid);
  if (sqlite3_step(s) != SQLITE_ROW) {
    tdb_fail(t, err, "reading the patient");
    goto fail;
  }
  root = json_object();
  json_object_set_new(root, "schema", json_string("hemosim-trial-patient/1"));
  json_object_set_new(root, "patient", str_or_null(sqlite3_column_text(s, 0)));
  json_object_set_new(root, "site", str_or_null(sqlite3_column_text(s, 1)));
  json_object_set_new(root, "stratum", str_or_null(sqlite3_column_text(s, 2)));
  json_object_set_new(root, "arm", who->role == HS_ROLE_STATISTICIAN
                                       ? str_or_null(sqlite3_column_text(s, 3))
                                       : json_string("(concealed)"));
  json_object_set_new(root, "enrolled_at", str_or_null(sqlite3_column_text(s, 4)));
  json_object_set_new(root, "enrolled_by", str_or_null(sqlite3_column_text(s, 5)));
  json_object_set_new(root, "unblinded", json_boolean(sqlite3_column_int(s, 6) > 0));
  sqlite3_finalize(s);
  s = NULL;
  int complete, dev;
  json_t *status = json_object();
  if ((st = patient_status(t, pid, status, &complete, &dev, err))) {
    json_decref(status);
    goto fail;
  }
  json_object_set_new(root, "windows", json_incref(json_object_get(status, "visits")));
  json_object_set_new(root, "day28", json_incref(json_object_get(status, "day28")));
  json_decref(status);
  json_object_set_new(root, "visits_complete", json_integer(complete));
  json_object_set_new(root, "window_deviations", json_integer(dev));
  if ((st = each_current(t, patient, patient_value, visits, err))) goto fail;
  json_object_set_new(root, "values", visits);
  visits = NULL;
  static const char *const DEV[] = {"visit", "kind", "detail", "at", "by"};
  static const char *const AE[] = {"type", "onset", "severity", "description", "at", "by"};
  static const char *const Q[] = {"id", "visit", "field", "text", "at", "by", "state"};
  json_t *d = rows_json(t, "SELECT visit, kind, detail, at, user FROM deviation WHERE "
                           "patient_id = ?1 ORDER BY id", pid, DEV, 5, err);
  json_t *a = rows_json(t, "SELECT type, onset, severity, description, at, user FROM "
                           "adverse_event WHERE patient_id = ?1 ORDER BY id", pid, AE, 6, err);
  json_t *q = rows_json(t, "SELECT q.id, q.visit, q.field, q.text, q.at, q.user, coalesce((SELECT "
                           "CASE kind WHEN 'close' THEN 'closed' ELSE 'answered' END FROM "
                           "query_event e WHERE e.query_id = q.id ORDER BY e.id DESC LIMIT 1), "
                           "'open') FROM query q WHERE q.patient_id = ?1 ORDER BY q.id",
                        pid, Q, 7, err);
  if (!d || !a || !q) {
    json_decref(d);
    json_decref(a);
    json_decref(q);
    goto fail;
  }
  json_object_set_new(root, "deviations", d);
  json_object_set_new(root, "adverse_events", a);
  json_object_set_new(root, "queries", q);
  tdb_rollback(t);
  return dump(root, err);
fail:
  sqlite3_finalize(s);
  tdb_rollback(t);
  json_decref(root);
  json_decref(visits);
  if (err && !err->code) hs_err_set(err, HS_ERR_IO, "reading the patient record failed");
  return NULL;
}

char *hs_trial_protocol_json(hs_trial *t, hs_err *err) {
  sqlite3_stmt *s = tdb_prepare(t, "SELECT version, canon FROM protocol ORDER BY version DESC "
                                   "LIMIT 1", err);
  if (!s) return NULL;
  json_t *root = NULL;
  if (sqlite3_step(s) == SQLITE_ROW) {
    json_error_t je;
    json_t *p = json_loads((const char *)sqlite3_column_text(s, 1), 0, &je);
    if (p) {
      root = json_object();
      json_object_set_new(root, "schema", json_string("hemosim-trial-protocol/1"));
      json_object_set_new(root, "version", json_integer((json_int_t)sqlite3_column_int64(s, 0)));
      json_object_set_new(root, "protocol", p);
    }
  }
  sqlite3_finalize(s);
  if (!root) {
    hs_err_set(err, HS_ERR_IO, "%s: the stored protocol cannot be read", t->path);
    return NULL;
  }
  return dump(root, err);
}
