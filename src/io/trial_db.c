/*
 * io/trial_db.c - the trial database: schema and migrations, transactions, the
 * hash-chained audit trail and its verification (docs/trial.md).
 *
 * Storage.  One SQLite file in WAL mode with synchronous=FULL, so a committed
 * transaction survives a crash of the process (and of the machine); every write
 * of the library is one BEGIN IMMEDIATE transaction, which takes the write lock
 * up front, so concurrent writers queue (busy timeout 30 s) instead of failing
 * half-way.  The schema version is PRAGMA user_version; opening an older
 * database applies the missing migrations in one transaction.
 *
 * Append-only.  Every table refuses UPDATE and DELETE (triggers raising an
 * abort): a change of a value is a new version row; nothing is ever deleted.
 *
 * Audit trail.  Every insert into a data table is accompanied, in the same
 * transaction, by an audit row: sequence number, UTC time, user, role, action,
 * table and row, patient, visit, field, old and new value, reason, the JSON
 * snapshot of the data row, the previous row's hash and its own hash
 *   hash_n = SHA-256(hash_{n-1} || canonical(row_n))
 * (FIPS 180-4 SHA-256 from GNU Nettle; canonical(): every column as
 * "<length>:<bytes>;" or "-;" for NULL, in column order).  hs_trial_verify
 * recomputes the chain and compares every data row with its snapshot, so a
 * row changed or removed behind the library's back (e.g. with the sqlite3
 * shell after dropping the triggers) is detected.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hemosim/input.h"
#include "hemosim/trial.h"
#include "io/trial_impl.h"

/* ------------------------------------------------------------------ names */

const char *hs_trial_role_name(int r) {
  static const char *const n[] = {"data_entry", "monitor", "statistician", "manager"};
  return r >= 0 && r < HS_ROLE_COUNT ? n[r] : "?";
}

hs_status hs_trial_role_parse(const char *name, hs_trial_role *out, hs_err *err) {
  for (int r = 0; name && r < HS_ROLE_COUNT; r++)
    if (!strcmp(name, hs_trial_role_name(r))) {
      *out = (hs_trial_role)r;
      return HS_OK;
    }
  return hs_err_set(err, HS_ERR_UNKNOWN,
                    "role '%s' is unknown (allowed: data_entry, monitor, statistician, manager)",
                    name ? name : "");
}

const char *hs_trial_visit_name(int v) {
  static const char *const n[] = {"baseline", "T1", "T2", "T3", "T4", "day28"};
  return v >= 0 && v < V_COUNT ? n[v] : "?";
}

int hs_trial_visit_index(const char *name) {
  for (int v = 0; name && v < V_COUNT; v++)
    if (!strcmp(name, hs_trial_visit_name(v))) return v;
  return -1;
}

/* ------------------------------------------------------------------ SHA-256 */

void hs_sha256_hex(const void *data, size_t len, char hex[65]) {
  struct sha256_ctx c;
  uint8_t d[SHA256_DIGEST_SIZE];
  sha256_init(&c);
  sha256_update(&c, len, data);
  sha256_digest(&c, SHA256_DIGEST_SIZE, d);
  for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* ------------------------------------------------------------------ schema */

/* The append-only triggers of one table. */
#define APPEND_ONLY(t)                                                                      \
  "CREATE TRIGGER " t "_no_update BEFORE UPDATE ON " t                                      \
  " BEGIN SELECT RAISE(ABORT, '" t " is append-only: a change is a new row'); END;"        \
  "CREATE TRIGGER " t "_no_delete BEFORE DELETE ON " t                                      \
  " BEGIN SELECT RAISE(ABORT, '" t " is append-only: nothing is ever deleted'); END;"

/* Migration n turns a version n-1 database into version n. */
static const char *const MIGRATIONS[HS_TRIAL_SCHEMA_VERSION + 1] = {
    NULL,
    /* 1: protocol, allocation, patients, visit values, deviations, audit */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE protocol(version INTEGER PRIMARY KEY, text TEXT NOT NULL, canon TEXT NOT "
    " NULL, sha256 TEXT NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL, reason TEXT NOT NULL);"
    "CREATE TABLE secret(id INTEGER PRIMARY KEY CHECK(id = 1), seed TEXT NOT NULL);"
    "CREATE TABLE patient(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, site TEXT NOT "
    " NULL, stratum TEXT NOT NULL, stratum_seq INTEGER NOT NULL, block INTEGER NOT NULL,"
    " arm TEXT NOT NULL, protocol_version INTEGER NOT NULL REFERENCES protocol(version),"
    " eligibility TEXT NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL,"
    " UNIQUE(stratum, stratum_seq));"
    "CREATE TABLE value(id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES "
    " patient(id), visit TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,"
    " entered TEXT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL,"
    " role TEXT NOT NULL, reason TEXT, UNIQUE(patient_id, visit, field, version));"
    "CREATE TABLE deviation(id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES "
    " patient(id), visit TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,"
    " value_id INTEGER REFERENCES value(id), at TEXT NOT NULL, user TEXT NOT NULL);"
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL,"
    " role TEXT NOT NULL, action TEXT NOT NULL, tbl TEXT, row_id INTEGER, patient TEXT,"
    " visit TEXT, field TEXT, old TEXT, new TEXT, reason TEXT, row TEXT, prev TEXT NOT NULL,"
    " hash TEXT NOT NULL UNIQUE);"
    "CREATE INDEX value_by_field ON value(patient_id, visit, field, version);"
    "CREATE INDEX audit_by_row ON audit(tbl, row_id);" APPEND_ONLY("meta")
        APPEND_ONLY("protocol") APPEND_ONLY("secret") APPEND_ONLY("patient")
            APPEND_ONLY("value") APPEND_ONLY("deviation") APPEND_ONLY("audit"),
    /* 2: adverse events, emergency unblinding, data queries */
    "CREATE TABLE adverse_event(id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL "
    " REFERENCES patient(id), type TEXT NOT NULL, onset TEXT NOT NULL, severity TEXT NOT NULL,"
    " description TEXT NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL);"
    "CREATE TABLE unblinding(id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES "
    " patient(id), reason TEXT NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT "
    " NULL);"
    "CREATE TABLE query(id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES "
    " patient(id), visit TEXT NOT NULL, field TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT "
    " NULL, user TEXT NOT NULL);"
    "CREATE TABLE query_event(id INTEGER PRIMARY KEY, query_id INTEGER NOT NULL REFERENCES "
    " query(id), kind TEXT NOT NULL CHECK(kind IN ('answer', 'close')), text TEXT NOT NULL,"
    " at TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL);" APPEND_ONLY("adverse_event")
        APPEND_ONLY("unblinding") APPEND_ONLY("query") APPEND_ONLY("query_event"),
};

/* Every data table and the SQL expression of its row snapshot (audited). */
typedef struct row_def {
  const char *tbl, *json;
  int since; /* schema version that added it */
} row_def;
static const row_def ROWS[] = {
    {"protocol", "json_array(version, sha256, at, user, reason)", 1},
    {"patient",
     "json_array(id, code, site, stratum, stratum_seq, block, arm, protocol_version, "
     "eligibility, at, user)",
     1},
    {"value",
     "json_array(id, patient_id, visit, field, value, entered, version, at, user, role, reason)",
     1},
    {"deviation", "json_array(id, patient_id, visit, kind, detail, value_id, at, user)", 1},
    {"adverse_event",
     "json_array(id, patient_id, type, onset, severity, description, at, user)", 2},
    {"unblinding", "json_array(id, patient_id, reason, at, user, role)", 2},
    {"query", "json_array(id, patient_id, visit, field, text, at, user)", 2},
    {"query_event", "json_array(id, query_id, kind, text, at, user, role)", 2},
};
#define NROWS (sizeof ROWS / sizeof ROWS[0])

/* ------------------------------------------------------------------ helpers */

hs_status tdb_fail(hs_trial *t, hs_err *err, const char *what) {
  int rc = sqlite3_extended_errcode(t->db);
  const char *msg = sqlite3_errmsg(t->db);
  hs_status st = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? HS_ERR_IO
                 : (rc & 0xff) == SQLITE_CONSTRAINT                        ? HS_ERR_INVALID
                                                                           : HS_ERR_IO;
  return hs_err_set(err, st, "%s: %s: %s", t->path, what, msg);
}

hs_status tdb_exec(hs_trial *t, const char *sql, hs_err *err) {
  char *msg = NULL;
  if (sqlite3_exec(t->db, sql, NULL, NULL, &msg) == SQLITE_OK) return HS_OK;
  hs_status st = hs_err_set(err, HS_ERR_IO, "%s: %s", t->path, msg ? msg : "SQLite error");
  sqlite3_free(msg);
  return st;
}

hs_status tdb_begin(hs_trial *t, hs_err *err) {
  return tdb_exec(t, "BEGIN IMMEDIATE", err);
}

hs_status tdb_commit(hs_trial *t, hs_err *err) {
  hs_status st = tdb_exec(t, "COMMIT", err);
  if (st) tdb_rollback(t);
  return st;
}

void tdb_rollback(hs_trial *t) {
  if (!sqlite3_get_autocommit(t->db)) sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *tdb_prepare(hs_trial *t, const char *sql, hs_err *err) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(t->db, sql, -1, &s, NULL) != SQLITE_OK) {
    tdb_fail(t, err, "preparing a statement");
    return NULL;
  }
  return s;
}

void tdb_now(char out[32]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  hs_trial_time_format((int64_t)ts.tv_sec, out);
}

hs_status tdb_check_text(const char *what, const char *s, size_t max, int required,
                         hs_err *err) {
  if (!s || !*s)
    return required ? hs_err_set(err, HS_ERR_INVALID, "%s is missing (required)", what)
                    : HS_OK;
  size_t n = strlen(s);
  if (n > max)
    return hs_err_set(err, HS_ERR_RANGE, "%s is %zu bytes long (at most %zu)", what, n, max);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
      return hs_err_set(err, HS_ERR_INVALID,
                        "%s contains a control character (byte 0x%02x at %zu)", what, c, i + 1);
  }
  return HS_OK;
}

/* A name: 1..63 characters of letters, digits and . _ - (patient codes, sites,
   users, arms). */
static hs_status check_name(const char *what, const char *s, hs_err *err) {
  if (!s || !*s) return hs_err_set(err, HS_ERR_INVALID, "%s is missing (required)", what);
  size_t n = strlen(s);
  if (n >= TN)
    return hs_err_set(err, HS_ERR_RANGE, "%s '%.40s...' is %zu characters long (at most %d)",
                      what, s, n, TN - 1);
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
      return hs_err_set(err, HS_ERR_INVALID,
                        "%s '%s': character '%c' is not allowed (letters, digits, '.', '_', '-')",
                        what, s, isprint((unsigned char)s[i]) ? s[i] : '?');
  return HS_OK;
}

hs_status tdb_check_actor(const hs_trial_actor *who, unsigned allowed, const char *what,
                          hs_err *err) {
  if (!who) return hs_err_set(err, HS_ERR_INVALID, "%s: no user given", what);
  hs_status st = check_name("user", who->user, err);
  if (st) return st;
  if ((unsigned)who->role >= HS_ROLE_COUNT)
    return hs_err_set(err, HS_ERR_RANGE, "role %d is out of range", (int)who->role);
  if (!(allowed & ROLE_BIT(who->role))) {
    char list[128] = "";
    size_t len = 0;
    for (int r = 0; r < HS_ROLE_COUNT; r++)
      if (allowed & ROLE_BIT(r))
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                                hs_trial_role_name(r));
    return hs_err_set(err, HS_ERR_STATE, "%s is not allowed for role %s (allowed: %s)", what,
                      hs_trial_role_name(who->role), list);
  }
  return HS_OK;
}

int64_t tdb_patient_id(hs_trial *t, const char *code, hs_err *err) {
  if (check_name("patient", code, err)) return -1;
  sqlite3_stmt *s = tdb_prepare(t, "SELECT id FROM patient WHERE code = ?", err);
  if (!s) return -1;
  sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
  int64_t id = -1;
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64(s, 0);
  else if (rc == SQLITE_DONE)
    hs_err_set(err, HS_ERR_UNKNOWN, "patient '%s' is not enrolled in this trial", code);
  else
    tdb_fail(t, err, "looking up a patient");
  sqlite3_finalize(s);
  return id;
}

char *tdb_row_json(hs_trial *t, const char *tbl, int64_t id, hs_err *err) {
  const row_def *d = NULL;
  for (size_t i = 0; i < NROWS; i++)
    if (!strcmp(ROWS[i].tbl, tbl)) d = &ROWS[i];
  if (!d) {
    hs_err_set(err, HS_ERR_UNKNOWN, "no table '%s'", tbl);
    return NULL;
  }
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s = ?", d->json, d->tbl,
           strcmp(tbl, "protocol") ? "id" : "version");
  sqlite3_stmt *s = tdb_prepare(t, sql, err);
  if (!s) return NULL;
  sqlite3_bind_int64(s, 1, id);
  char *out = NULL;
  if (sqlite3_step(s) == SQLITE_ROW) {
    const char *txt = (const char *)sqlite3_column_text(s, 0);
    out = txt ? strdup(txt) : NULL;
  }
  if (!out) hs_err_set(err, HS_ERR_IO, "%s: row %" PRId64 " of %s not readable", t->path, id, tbl);
  sqlite3_finalize(s);
  return out;
}

/* ------------------------------------------------------------------ audit */

/* Append "<len>:<bytes>;" (or "-;" for NULL) to a growing buffer. */
typedef struct buf {
  char *p;
  size_t n, cap;
  int bad;
} buf;
static void buf_add(buf *b, const char *s, size_t n) {
  if (b->bad) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 256) + n;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->bad = 1;
      return;
    }
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}
static void buf_field(buf *b, const char *s) {
  if (!s) {
    buf_add(b, "-;", 2);
    return;
  }
  char len[32];
  int k = snprintf(len, sizeof len, "%zu:", strlen(s));
  buf_add(b, len, (size_t)k);
  buf_add(b, s, strlen(s));
  buf_add(b, ";", 1);
}

#define AUDIT_COLS 14 /* seq .. row, then prev */
static const char *const AUDIT_SQL_COLS =
    "seq, at, user, role, action, tbl, row_id, patient, visit, field, old, new, reason, row, "
    "prev, hash";

/* Hash of one audit row given as its 15 text columns (seq .. prev). */
static void audit_hash(const char *const col[AUDIT_COLS + 1], char hex[65]) {
  buf b = {NULL, 0, 0, 0};
  buf_add(&b, col[AUDIT_COLS], strlen(col[AUDIT_COLS])); /* prev first */
  for (int i = 0; i < AUDIT_COLS; i++) buf_field(&b, col[i]);
  if (b.bad) {
    snprintf(hex, 65, "%s", "out-of-memory");
  } else {
    hs_sha256_hex(b.p, b.n, hex);
  }
  free(b.p);
}

hs_status tdb_audit_append(hs_trial *t, const hs_trial_actor *who, const tdb_audit *a,
                           hs_err *err) {
  char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
  int64_t seq = 1;
  sqlite3_stmt *s = tdb_prepare(t, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", err);
  if (!s) return err ? err->code : HS_ERR_IO;
  if (sqlite3_step(s) == SQLITE_ROW) {
    seq = sqlite3_column_int64(s, 0) + 1;
    snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(s, 1));
  }
  sqlite3_finalize(s);
  char *row = a->tbl && a->row_id > 0 ? tdb_row_json(t, a->tbl, a->row_id, err) : NULL;
  if (a->tbl && a->row_id > 0 && !row) return err ? err->code : HS_ERR_IO;
  char at[32], seqs[32], rid[32];
  tdb_now(at);
  snprintf(seqs, sizeof seqs, "%" PRId64, seq);
  snprintf(rid, sizeof rid, "%" PRId64, a->row_id);
  const char *col[AUDIT_COLS + 1] = {seqs,     at,      who->user, hs_trial_role_name(who->role),
                                     a->action, a->tbl, a->row_id > 0 ? rid : NULL,
                                     a->patient, a->visit, a->field, a->old, a->neu, a->reason,
                                     row,       prev};
  char hash[65];
  audit_hash(col, hash);
  s = tdb_prepare(t,
                  "INSERT INTO audit(seq, at, user, role, action, tbl, row_id, patient, visit, "
                  "field, old, new, reason, row, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                  " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                  err);
  if (!s) {
    free(row);
    return err ? err->code : HS_ERR_IO;
  }
  sqlite3_bind_int64(s, 1, seq);
  for (int i = 1; i < AUDIT_COLS + 1; i++) {
    if (i == 6 && a->row_id > 0)
      sqlite3_bind_int64(s, 7, a->row_id);
    else if (col[i])
      sqlite3_bind_text(s, i + 1, col[i], -1, SQLITE_STATIC);
  }
  sqlite3_bind_text(s, 16, hash, -1, SQLITE_STATIC);
  hs_status st = sqlite3_step(s) == SQLITE_DONE ? HS_OK : tdb_fail(t, err, "writing the audit trail");
  sqlite3_finalize(s);
  free(row);
  return st;
}

int64_t tdb_insert(hs_trial *t, const hs_trial_actor *who, const char *tbl, const char *cols,
                   const char *const *vals, int n, tdb_audit *a, hs_err *err) {
  char sql[512];
  int k = snprintf(sql, sizeof sql, "INSERT INTO %s(%s) VALUES (", tbl, cols);
  for (int i = 0; i < n && k < (int)sizeof sql; i++)
    k += snprintf(sql + k, sizeof sql - (size_t)k, "%s?", i ? ", " : "");
  if (k >= (int)sizeof sql - 2) {
    hs_err_set(err, HS_ERR_INVALID, "insert into %s: statement too long", tbl);
    return -1;
  }
  snprintf(sql + k, sizeof sql - (size_t)k, ")");
  sqlite3_stmt *s = tdb_prepare(t, sql, err);
  if (!s) return -1;
  for (int i = 0; i < n; i++)
    if (vals[i]) sqlite3_bind_text(s, i + 1, vals[i], -1, SQLITE_STATIC);
  char what[96];
  snprintf(what, sizeof what, "recording a row of %s", tbl);
  hs_status st = sqlite3_step(s) == SQLITE_DONE ? HS_OK : tdb_fail(t, err, what);
  sqlite3_finalize(s);
  if (st) return -1;
  int64_t id = sqlite3_last_insert_rowid(t->db);
  if (a) {
    a->tbl = tbl;
    a->row_id = id;
    if (tdb_audit_append(t, who, a, err)) return -1;
  }
  return id;
}

/* ------------------------------------------------------------------ open / migrate */

static hs_status set_pragmas(hs_trial *t, hs_err *err) {
  sqlite3_busy_timeout(t->db, 30000);
  hs_status st = tdb_exec(t, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;", err);
  if (st) return st;
  sqlite3_stmt *s = tdb_prepare(t, "PRAGMA journal_mode = WAL", err);
  if (!s) return err ? err->code : HS_ERR_IO;
  int ok = sqlite3_step(s) == SQLITE_ROW &&
           !strcmp((const char *)sqlite3_column_text(s, 0), "wal");
  sqlite3_finalize(s);
  if (!ok) return hs_err_set(err, HS_ERR_IO, "%s: cannot switch to WAL journal mode", t->path);
  return HS_OK;
}

static int user_version(hs_trial *t) {
  sqlite3_stmt *s = NULL;
  int v = -1;
  if (sqlite3_prepare_v2(t->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return v;
}

/* Bring the schema to `target` (<= HS_TRIAL_SCHEMA_VERSION) in one transaction. */
static hs_status migrate(hs_trial *t, int target, hs_err *err) {
  hs_status st = tdb_begin(t, err);
  if (st) return st;
  int v = user_version(t);
  if (v < 0) {
    tdb_rollback(t);
    return tdb_fail(t, err, "reading the schema version");
  }
  if (v > HS_TRIAL_SCHEMA_VERSION) {
    tdb_rollback(t);
    return hs_err_set(err, HS_ERR_STATE,
                      "%s: schema version %d was written by a newer hemosim (this one reads "
                      "up to %d)",
                      t->path, v, HS_TRIAL_SCHEMA_VERSION);
  }
  for (int k = v + 1; k <= target && !st; k++) {
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", k);
    if (!(st = tdb_exec(t, MIGRATIONS[k], err))) st = tdb_exec(t, pragma, err);
    if (st) hs_err_prefix(err, "migrating the schema to version %d: ", k);
  }
  if (st) {
    tdb_rollback(t);
    return st;
  }
  return tdb_commit(t, err);
}

static hs_status open_db(const char *path, int create, int target, hs_trial **out,
                         hs_err *err) {
  *out = NULL;
  hs_trial *t = calloc(1, sizeof *t);
  if (!t || !(t->path = strdup(path))) {
    free(t);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
              SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path, &t->db, flags, NULL) != SQLITE_OK) {
    hs_status st = hs_err_set(err, HS_ERR_IO, "%s: cannot open the trial database: %s", path,
                              t->db ? sqlite3_errmsg(t->db) : "out of memory");
    hs_trial_close(t);
    return st;
  }
  hs_status st = set_pragmas(t, err);
  if (!st) st = migrate(t, target, err);
  if (!st && !create) st = tdb_load_protocol(t, err);
  if (st) {
    hs_trial_close(t);
    return st;
  }
  *out = t;
  return HS_OK;
}

/* Internal (tests): open at a given schema version, creating if needed. */
hs_status hs_trial_open_version(const char *path, int version, hs_trial **out, hs_err *err);
hs_status hs_trial_open_version(const char *path, int version, hs_trial **out, hs_err *err) {
  return open_db(path, 1, version, out, err);
}

hs_status hs_trial_open(const char *path, hs_trial **out, hs_err *err) {
  if (!path) return hs_err_set(err, HS_ERR_INVALID, "no trial database given");
  if (access(path, F_OK))
    return hs_err_set(err, HS_ERR_IO, "%s: no such trial database (create it with `hemosim "
                      "trial create`)", path);
  return open_db(path, 0, HS_TRIAL_SCHEMA_VERSION, out, err);
}

void hs_trial_close(hs_trial *t) {
  if (!t) return;
  if (t->db) {
    tdb_rollback(t);
    sqlite3_close(t->db);
  }
  free(t->path);
  free(t);
}

hs_status tdb_load_protocol(hs_trial *t, hs_err *err) {
  sqlite3_stmt *s =
      tdb_prepare(t, "SELECT version, text FROM protocol ORDER BY version DESC LIMIT 1", err);
  if (!s) return err ? err->code : HS_ERR_IO;
  hs_status st;
  if (sqlite3_step(s) == SQLITE_ROW) {
    t->proto_version = sqlite3_column_int64(s, 0);
    const char *txt = (const char *)sqlite3_column_text(s, 1);
    char name[64];
    snprintf(name, sizeof name, "<protocol version %" PRId64 ">", t->proto_version);
    st = hs_trial_protocol_parse(name, txt, strlen(txt), &t->proto, NULL, err);
  } else {
    st = hs_err_set(err, HS_ERR_STATE, "%s: not a trial database (no protocol)", t->path);
  }
  sqlite3_finalize(s);
  return st;
}

/* ------------------------------------------------------------------ create / amend */

/* the protocol file, read as every input file is (hemosim/input.h) */
static hs_status read_file(const char *path, char **text, size_t *len, hs_err *err) {
  return hs_input_read(path, HS_INPUT_MAX_BYTES, text, len, err);
}

hs_status hs_trial_seed_parse(const char *hex, uint64_t *seed, hs_err *err) {
  size_t n = hex ? strlen(hex) : 0;
  if (n != 16 || strspn(hex, "0123456789abcdefABCDEF") != 16)
    return hs_err_set(err, HS_ERR_INVALID, "seed '%s' must be 16 hexadecimal digits",
                      hex ? hex : "");
  *seed = strtoull(hex, NULL, 16);
  return HS_OK;
}

static hs_status random_seed(char out[17], hs_err *err) {
  unsigned char b[8];
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b) {
    if (fd >= 0) close(fd);
    return hs_err_set(err, HS_ERR_IO, "cannot read /dev/urandom for the allocation seed");
  }
  close(fd);
  for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
  return HS_OK;
}

static hs_status insert_protocol(hs_trial *t, const hs_trial_actor *who, const char *text,
                                 const char *canon, const char *reason, int64_t *version,
                                 hs_err *err) {
  char sha[65], at[32];
  hs_sha256_hex(text, strlen(text), sha);
  tdb_now(at);
  const char *vals[] = {text, canon, sha, at, who->user, reason};
  int64_t v = tdb_insert(t, who, "protocol", "text, canon, sha256, at, user, reason", vals, 6,
                         NULL, err);
  if (v < 0) return err ? err->code : HS_ERR_IO;
  *version = v;
  char old[32] = "", neu[32];
  if (*version > 1) snprintf(old, sizeof old, "%" PRId64, *version - 1);
  snprintf(neu, sizeof neu, "%" PRId64, *version);
  tdb_audit a = {*version == 1 ? "create" : "amend", "protocol", v, NULL, NULL,
                 "protocol_version", *version > 1 ? old : NULL, neu, reason};
  return tdb_audit_append(t, who, &a, err);
}

hs_status hs_trial_create_from_text(const char *db_path, const char *name, const char *text,
                                    size_t len, const hs_trial_actor *who, const char *seed_hex,
                                    hs_err *err) {
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_MANAGER), "creating a trial", err);
  if (st) return st;
  if (!db_path) return hs_err_set(err, HS_ERR_INVALID, "no trial database given");
  if (!access(db_path, F_OK))
    return hs_err_set(err, HS_ERR_STATE,
                      "%s already exists: a trial database is created once (amend its "
                      "protocol with `hemosim trial amend`)",
                      db_path);
  hs_trial_protocol p;
  char *canon = NULL, seed[17];
  uint64_t seedv;
  if ((st = hs_trial_protocol_parse(name, text, len, &p, &canon, err))) return st;
  if (seed_hex)
    st = hs_trial_seed_parse(seed_hex, &seedv, err);
  else
    st = random_seed(seed, err);
  if (st) {
    free(canon);
    return st;
  }
  if (seed_hex) snprintf(seed, sizeof seed, "%016" PRIx64, seedv);
  char *copy = malloc(len + 1);
  if (!copy) {
    free(canon);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  hs_trial *t = NULL;
  if ((st = open_db(db_path, 1, HS_TRIAL_SCHEMA_VERSION, &t, err))) goto out;
  if ((st = tdb_begin(t, err))) goto out;
  {
    char sha[65], at[32], meta[512];
    hs_sha256_hex(seed, 16, sha);
    tdb_now(at);
    sqlite3_stmt *s = tdb_prepare(t, "INSERT INTO secret(id, seed) VALUES (1, ?)", err);
    if (!s) {
      st = err ? err->code : HS_ERR_IO;
      goto rollback;
    }
    sqlite3_bind_text(s, 1, seed, -1, SQLITE_STATIC);
    st = sqlite3_step(s) == SQLITE_DONE ? HS_OK : tdb_fail(t, err, "storing the seed");
    sqlite3_finalize(s);
    if (st) goto rollback;
    char *q = sqlite3_mprintf("INSERT INTO meta(key, value) VALUES ('name', %Q), "
                              "('created_at', %Q), ('seed_sha256', %Q), ('hemosim', %Q)",
                              p.name, at, sha, "hemosim trial schema 2");
    if (!q) {
      st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
      goto rollback;
    }
    st = tdb_exec(t, q, err);
    sqlite3_free(q);
    if (st) goto rollback;
    snprintf(meta, sizeof meta, "allocation seed committed: SHA-256 %s", sha);
    tdb_audit a = {"seed", NULL, 0, NULL, NULL, "seed_sha256", NULL, sha, meta};
    if ((st = tdb_audit_append(t, who, &a, err))) goto rollback;
    int64_t v;
    if ((st = insert_protocol(t, who, copy, canon, "trial created", &v, err))) goto rollback;
    if ((st = tdb_commit(t, err))) goto out;
    t->proto = p;
    t->proto_version = v;
    goto out;
  }
rollback:
  tdb_rollback(t);
out:
  hs_trial_close(t);
  if (st) { /* the file did not exist before: remove what this call created */
    char side[4096];
    unlink(db_path);
    snprintf(side, sizeof side, "%s-wal", db_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db_path);
    unlink(side);
  }
  free(copy);
  free(canon);
  return st;
}

hs_status hs_trial_create(const char *db_path, const char *protocol_path,
                          const hs_trial_actor *who, const char *seed_hex, hs_err *err) {
  char *text = NULL;
  size_t len = 0;
  if (!protocol_path) return hs_err_set(err, HS_ERR_INVALID, "no protocol file given");
  hs_status st = read_file(protocol_path, &text, &len, err);
  if (st) return st;
  st = hs_trial_create_from_text(db_path, protocol_path, text, len, who, seed_hex, err);
  free(text);
  return st;
}

hs_status hs_trial_amend(hs_trial *t, const hs_trial_actor *who, const char *protocol_path,
                         const char *reason, hs_err *err) {
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_MANAGER), "amending the protocol", err);
  if (!st) st = tdb_check_text("reason", reason, HS_TRIAL_TEXT_MAX, 1, err);
  if (st) return st;
  char *text = NULL, *canon = NULL;
  size_t len = 0;
  hs_trial_protocol p;
  if ((st = read_file(protocol_path, &text, &len, err))) return st;
  if ((st = hs_trial_protocol_parse(protocol_path, text, len, &p, &canon, err))) goto out;
  if ((st = tdb_begin(t, err))) goto out;
  if ((st = tdb_load_protocol(t, err))) goto rollback;
  {
    sqlite3_stmt *s = tdb_prepare(t, "SELECT count(*) FROM patient", err);
    if (!s) {
      st = err ? err->code : HS_ERR_IO;
      goto rollback;
    }
    sqlite3_step(s);
    int enrolled = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if ((st = hs_trial_protocol_compatible(&t->proto, &p, enrolled, err))) goto rollback;
    s = tdb_prepare(t, "SELECT canon FROM protocol ORDER BY version DESC LIMIT 1", err);
    if (!s) {
      st = err ? err->code : HS_ERR_IO;
      goto rollback;
    }
    int same = sqlite3_step(s) == SQLITE_ROW &&
               !strcmp((const char *)sqlite3_column_text(s, 0), canon);
    sqlite3_finalize(s);
    if (same) {
      st = hs_err_set(err, HS_ERR_INVALID,
                      "%s: the amended protocol is identical to the current one (version %" PRId64
                      ")",
                      protocol_path, t->proto_version);
      goto rollback;
    }
    int64_t v;
    if ((st = insert_protocol(t, who, text, canon, reason, &v, err))) goto rollback;
    if ((st = tdb_commit(t, err))) goto out;
    t->proto = p;
    t->proto_version = v;
    goto out;
  }
rollback:
  tdb_rollback(t);
out:
  free(text);
  free(canon);
  return st;
}

/* ------------------------------------------------------------------ verify */

static void problem(hs_trial_verify_result *r, int64_t seq, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void problem(hs_trial_verify_result *r, int64_t seq, const char *fmt, ...) {
  if (!r->ok) return; /* keep the first */
  r->ok = 0;
  r->first_bad_seq = seq;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->problem, sizeof r->problem, fmt, ap);
  va_end(ap);
}

static hs_status verify_chain(hs_trial *t, hs_trial_verify_result *r, hs_err *err) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT %s FROM audit ORDER BY seq", AUDIT_SQL_COLS);
  sqlite3_stmt *s = tdb_prepare(t, sql, err);
  if (!s) return err ? err->code : HS_ERR_IO;
  char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
  int64_t expect = 1;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *col[AUDIT_COLS + 1];
    for (int i = 0; i < AUDIT_COLS + 1; i++) col[i] = (const char *)sqlite3_column_text(s, i);
    int64_t seq = sqlite3_column_int64(s, 0);
    const char *stored = (const char *)sqlite3_column_text(s, AUDIT_COLS + 1);
    r->audit_rows++;
    if (seq != expect) problem(r, seq, "audit row %" PRId64 " follows row %" PRId64 ": rows are "
                               "missing", seq, expect - 1);
    if (!col[AUDIT_COLS] || strcmp(col[AUDIT_COLS], prev))
      problem(r, seq, "audit row %" PRId64 ": its link to the previous row does not match "
              "(the chain was broken or a row removed)", seq);
    char h[65];
    audit_hash(col, h);
    if (!stored || strcmp(h, stored))
      problem(r, seq, "audit row %" PRId64 " (%s %s by %s at %s) was modified: its hash does "
              "not match its content", seq, col[4] ? col[4] : "?", col[5] ? col[5] : "",
              col[2] ? col[2] : "?", col[1] ? col[1] : "?");
    snprintf(prev, sizeof prev, "%s", stored ? stored : "");
    expect = seq + 1;
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return tdb_fail(t, err, "reading the audit trail");
  snprintf(r->head, sizeof r->head, "%s", prev);
  return HS_OK;
}

static hs_status verify_rows(hs_trial *t, hs_trial_verify_result *r, hs_err *err) {
  for (size_t i = 0; i < NROWS; i++) {
    const row_def *d = &ROWS[i];
    const char *key = strcmp(d->tbl, "protocol") ? "id" : "version";
    char sql[1024];
    /* every data row has its audit row with the same snapshot */
    snprintf(sql, sizeof sql,
             "SELECT j.k, a.seq, a.row IS j.snap FROM (SELECT %s AS k, %s AS snap FROM %s) j "
             "LEFT JOIN audit a ON a.tbl = '%s' AND a.row_id = j.k ORDER BY j.k",
             key, d->json, d->tbl, d->tbl);
    sqlite3_stmt *s = tdb_prepare(t, sql, err);
    if (!s) return err ? err->code : HS_ERR_IO;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      int64_t id = sqlite3_column_int64(s, 0);
      r->records++;
      if (sqlite3_column_type(s, 1) == SQLITE_NULL)
        problem(r, 0, "%s row %" PRId64 " has no audit row (inserted behind the library's back)",
                d->tbl, id);
      else if (!sqlite3_column_int(s, 2))
        problem(r, sqlite3_column_int64(s, 1),
                "%s row %" PRId64 " differs from its audited snapshot (audit row %" PRId64
                "): it was modified",
                d->tbl, id, (int64_t)sqlite3_column_int64(s, 1));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return tdb_fail(t, err, "reading the data");
    /* every audited insert still has its row */
    snprintf(sql, sizeof sql,
             "SELECT a.seq, a.row_id FROM audit a WHERE a.tbl = '%s' AND a.row_id IS NOT NULL "
             "AND NOT EXISTS (SELECT 1 FROM %s x WHERE x.%s = a.row_id)",
             d->tbl, d->tbl, key);
    s = tdb_prepare(t, sql, err);
    if (!s) return err ? err->code : HS_ERR_IO;
    if (sqlite3_step(s) == SQLITE_ROW)
      problem(r, sqlite3_column_int64(s, 0),
              "%s row %" PRId64 " (audit row %" PRId64 ") is missing: it was deleted", d->tbl,
              (int64_t)sqlite3_column_int64(s, 1), (int64_t)sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
  }
  return HS_OK;
}

static hs_status verify_allocation(hs_trial *t, hs_trial_verify_result *r, hs_err *err) {
  sqlite3_stmt *s = tdb_prepare(t, "SELECT seed FROM secret WHERE id = 1", err);
  if (!s) return err ? err->code : HS_ERR_IO;
  char seed[17] = "";
  if (sqlite3_step(s) == SQLITE_ROW)
    snprintf(seed, sizeof seed, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  s = tdb_prepare(t, "SELECT value FROM meta WHERE key = 'seed_sha256'", err);
  if (!s) return err ? err->code : HS_ERR_IO;
  char sha[65], stored[65] = "";
  if (sqlite3_step(s) == SQLITE_ROW)
    snprintf(stored, sizeof stored, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  hs_sha256_hex(seed, strlen(seed), sha);
  uint64_t seedv;
  if (strcmp(sha, stored) || hs_trial_seed_parse(seed, &seedv, NULL)) {
    problem(r, 0, "the allocation seed does not match its recorded SHA-256 commitment");
    return HS_OK;
  }
  s = tdb_prepare(t, "SELECT code, stratum, stratum_seq, block, arm FROM patient ORDER BY id",
                  err);
  if (!s) return err ? err->code : HS_ERR_IO;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const char *code = (const char *)sqlite3_column_text(s, 0);
    const char *stratum = (const char *)sqlite3_column_text(s, 1);
    int64_t seq = sqlite3_column_int64(s, 2), block = -1;
    const char *arm = (const char *)sqlite3_column_text(s, 4);
    int k = hs_trial_alloc_arm(&t->proto, seedv, stratum, seq, &block);
    r->allocations++;
    if (k < 0 || strcmp(t->proto.arm[k].id, arm) || block != sqlite3_column_int64(s, 3))
      problem(r, 0, "patient %s: the recorded allocation (%s, stratum %s, number %" PRId64
              ") is not the one the seed gives (%s)", code, arm, stratum, seq + 1,
              k < 0 ? "none" : t->proto.arm[k].id);
  }
  sqlite3_finalize(s);
  /* stratum numbering has no gaps */
  s = tdb_prepare(t, "SELECT stratum, count(*), max(stratum_seq) FROM patient GROUP BY stratum",
                  err);
  if (!s) return err ? err->code : HS_ERR_IO;
  while (sqlite3_step(s) == SQLITE_ROW)
    if (sqlite3_column_int64(s, 1) != sqlite3_column_int64(s, 2) + 1)
      problem(r, 0, "stratum %s: allocation numbers have gaps (%" PRId64 " patients, highest "
              "number %" PRId64 ")", (const char *)sqlite3_column_text(s, 0),
              (int64_t)sqlite3_column_int64(s, 1), (int64_t)sqlite3_column_int64(s, 2) + 1);
  sqlite3_finalize(s);
  return HS_OK;
}

hs_status hs_trial_verify(hs_trial *t, hs_trial_verify_result *r, hs_err *err) {
  memset(r, 0, sizeof *r);
  r->ok = 1;
  /* a read transaction: one consistent snapshot */
  hs_status st = tdb_exec(t, "BEGIN", err);
  if (st) return st;
  sqlite3_stmt *s = tdb_prepare(t, "PRAGMA integrity_check", err);
  if (!s) {
    tdb_rollback(t);
    return err ? err->code : HS_ERR_IO;
  }
  if (sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "ok"))
    problem(r, 0, "SQLite integrity check: %s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  if (!st) st = verify_chain(t, r, err);
  if (!st) st = verify_rows(t, r, err);
  if (!st) st = verify_allocation(t, r, err);
  tdb_rollback(t);
  return st;
}
