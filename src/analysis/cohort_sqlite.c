/*
 * analysis/cohort_sqlite.c - study results as an SQLite database (docs/cohort.md
 * "Outputs"): tables study, parameters, outputs, results; written to a temporary file
 * in one transaction and renamed over the target, so a reader never sees half a study.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/textbuf.h"
#include "analysis/cohort_impl.h"
#include "hemosim/hemosim.h"

#ifdef HS_HAVE_SQLITE
#include <sqlite3.h>

static hs_status sql_fail(sqlite3 *db, const char *path, hs_err *err) {
  return hs_err_set(err, HS_ERR_IO, "%s: SQLite: %s", path, db ? sqlite3_errmsg(db) : "open failed");
}

hs_status hs_cohort_write_sqlite(const hs_cohort *c, const hs_cohort_results *r,
                                 const char *path, hs_err *err) {
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
  unlink(tmp);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  hs_status status = HS_OK;
  char *sql = NULL;
  hs_textbuf tb;
  FILE *f = NULL;
  if (sqlite3_open(tmp, &db) != SQLITE_OK) goto fail;
  /* schema: one row per patient and strategy, one column per parameter and output */
  if (!(f = hs_textbuf_open(&tb, "SQL", NULL))) goto nomem;
  fputs("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;"
        "CREATE TABLE study(key TEXT PRIMARY KEY, value TEXT);"
        "CREATE TABLE parameters(col INTEGER, name TEXT, unit TEXT);"
        "CREATE TABLE outputs(col INTEGER, name TEXT, unit TEXT);"
        "CREATE TABLE targets(col INTEGER, text TEXT);"
        "CREATE TABLE results(patient INTEGER, strategy TEXT, status TEXT",
        f);
  for (size_t k = 0; k < c->np; k++) fprintf(f, ", p%zu REAL", k);
  for (size_t k = 0; k < c->nout; k++) fprintf(f, ", \"%s\" REAL", c->out_name[k]);
  for (size_t t = 0; t < c->ntarget; t++) fprintf(f, ", met%zu INTEGER", t);
  fputs(", message TEXT, PRIMARY KEY(patient, strategy));", f);
  f = NULL;
  if (!(sql = hs_textbuf_close(&tb, "SQL", NULL))) goto nomem;
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) goto fail;
  char seed[32], np[32];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
  snprintf(np, sizeof np, "%zu", c->n);
  char fp[32];
  snprintf(fp, sizeof fp, "%016llx", (unsigned long long)hs_cohort_fingerprint(c));
  const char *kv[][2] = {{"name", c->name},         {"file", c->file},
                         {"seed", seed},            {"patients", np},
                         {"hemosim_version", HS_VERSION}, {"hemosim_build", hs_build_version()},
                         {"fingerprint", fp}};
  if (sqlite3_prepare_v2(db, "INSERT INTO study VALUES(?,?)", -1, &st, NULL) != SQLITE_OK) goto fail;
  for (size_t k = 0; k < sizeof kv / sizeof kv[0]; k++) {
    sqlite3_bind_text(st, 1, kv[k][0], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kv[k][1], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) goto fail;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  for (int tab = 0; tab < 2; tab++) {
    if (sqlite3_prepare_v2(db, tab ? "INSERT INTO outputs VALUES(?,?,?)"
                                   : "INSERT INTO parameters VALUES(?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
      goto fail;
    size_t cnt = tab ? c->nout : c->np;
    for (size_t k = 0; k < cnt; k++) {
      sqlite3_bind_int64(st, 1, (sqlite3_int64)k);
      sqlite3_bind_text(st, 2, tab ? c->out_name[k] : c->p[k].path, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, tab ? c->out_unit[k] : cohort_shown_unit(&c->p[k]), -1, SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE) goto fail;
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
  }
  if (sqlite3_prepare_v2(db, "INSERT INTO targets VALUES(?,?)", -1, &st, NULL) != SQLITE_OK)
    goto fail;
  for (size_t t = 0; t < c->ntarget; t++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)t);
    sqlite3_bind_text(st, 2, c->target[t].text, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) goto fail;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  free(sql);
  sql = NULL;
  if (!(f = hs_textbuf_open(&tb, "SQL", NULL))) goto nomem;
  fputs("INSERT INTO results VALUES(?,?,?", f);
  size_t ncol = 3 + c->np + c->nout + c->ntarget + 1;
  for (size_t k = 3; k < ncol; k++) fputs(",?", f);
  fputs(")", f);
  f = NULL;
  if (!(sql = hs_textbuf_close(&tb, "SQL", NULL))) goto nomem;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto fail;
  for (size_t i = 0; i < c->n; i++)
    for (size_t s = 0; s < c->nstrat; s++) {
      size_t row = i * c->nstrat + s;
      int col = 1;
      sqlite3_bind_int64(st, col++, (sqlite3_int64)i);
      sqlite3_bind_text(st, col++, c->strat[s].name, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, col++, hs_cohort_status_name(r->status[row]), -1, SQLITE_STATIC);
      for (size_t k = 0; k < c->np; k++) /* in the unit the parameters table names */
        sqlite3_bind_double(st, col++, cohort_shown_value(&c->p[k], r->x[i * c->np + k]));
      for (size_t k = 0; k < c->nout; k++) {
        double v = r->y[row * c->nout + k];
        if (isfinite(v)) sqlite3_bind_double(st, col++, v);
        else sqlite3_bind_null(st, col++);
      }
      for (size_t t = 0; t < c->ntarget; t++) {
        if (r->status[row] == HS_COHORT_OK)
          sqlite3_bind_int(st, col++, r->met[row * c->ntarget + t]);
        else
          sqlite3_bind_null(st, col++);
      }
      if (r->message[row]) sqlite3_bind_text(st, col++, r->message[row], -1, SQLITE_STATIC);
      else sqlite3_bind_null(st, col++);
      if (sqlite3_step(st) != SQLITE_DONE) goto fail;
      sqlite3_reset(st);
    }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) goto fail;
  if (sqlite3_close(db) != SQLITE_OK) {
    db = NULL;
    status = hs_err_set(err, HS_ERR_IO, "%s: SQLite: cannot close", path);
    goto out;
  }
  db = NULL;
  /* make the content durable, then put it in place */
  FILE *ff = fopen(tmp, "r+");
  if (ff) {
    fsync(fileno(ff));
    fclose(ff);
  }
  if (rename(tmp, path) != 0) status = hs_err_set(err, HS_ERR_IO, "%s: cannot rename", path);
  goto out;
nomem:
  status = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  goto out;
fail:
  status = sql_fail(db, path, err);
out:
  if (f) fclose(f);
  free(sql);
  if (st) sqlite3_finalize(st);
  if (db) sqlite3_close(db);
  if (status) unlink(tmp);
  free(tmp);
  return status;
}

#else

hs_status hs_cohort_write_sqlite(const hs_cohort *c, const hs_cohort_results *r,
                                 const char *path, hs_err *err) {
  (void)c;
  (void)r;
  return hs_err_set(err, HS_ERR_STATE, "%s: this hemosim was built without SQLite "
                    "(install libsqlite3-dev and rebuild)", path);
}

#endif
