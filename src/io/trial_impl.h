/*
 * io/trial_impl.h - internals shared by the trial modules (trial_db.c,
 * trial_protocol.c, trial_crf.c, trial_report.c, analysis/trial_sim.c).
 */
#ifndef HS_IO_TRIAL_IMPL_H
#define HS_IO_TRIAL_IMPL_H

#include <sqlite3.h>
#include <stdint.h>

#include "hemosim/trial.h"

#define TP_MAX_ARMS 8
#define TP_MAX_SITES 64
#define TP_MAX_FACTORS 6
#define TP_MAX_LEVELS 16
#define TP_MAX_BLOCKS 8
#define TP_MAX_VISITS 4
#define TP_MAX_CRITERIA 32
#define TP_MAX_REQUIRED 32
#define TN HS_TRIAL_NAME_MAX

/* Visit indices: the bit of a visit in hs_trial_field.visits is 1 << index. */
enum { V_BASELINE = 0, V_T1, V_T2, V_T3, V_T4, V_DAY28, V_COUNT };
const char *hs_trial_visit_name(int v); /* "baseline", "T1", ..., "day28"; "?" */
int hs_trial_visit_index(const char *name); /* -1 if unknown */

typedef struct tp_arm {
  char id[TN];
  int ratio;
  char policy[16]; /* titration policy of the arm in simulations: control or micro */
  char label[128];
} tp_arm;

typedef struct tp_factor {
  char name[TN];
  int nlevels;
  char level[TP_MAX_LEVELS][TN];
} tp_factor;

typedef struct tp_window {
  int from;        /* 0: placement, V_T1: the T1 visit */
  double lo_h, hi_h;
} tp_window;

typedef struct tp_criterion {
  char id[TN];
  int eligible_answer; /* 1: must be yes (inclusion), 0: must be no (exclusion) */
  char text[256];
} tp_criterion;

typedef struct hs_trial_protocol {
  char name[128], registration[TN];
  int narms;
  tp_arm arm[TP_MAX_ARMS];
  int nsites;
  char site[TP_MAX_SITES][TN];
  int nfactors;
  tp_factor factor[TP_MAX_FACTORS];
  int nblocks;
  int block[TP_MAX_BLOCKS];
  tp_window window[V_COUNT]; /* T1..T4 */
  int ncriteria;
  tp_criterion criterion[TP_MAX_CRITERIA];
  int nrequired;
  char required[TP_MAX_REQUIRED][TN]; /* fields required at every T visit */
  double psvd_min, ppsv_min;           /* micro-arm thresholds (mm/mm2, %) */
  int followup_days;
} hs_trial_protocol;

/* Parse and check a protocol document; canon (may be NULL) receives a
   canonical JSON text of it (caller frees). */
hs_status hs_trial_protocol_parse(const char *name, const char *text, size_t len,
                                  hs_trial_protocol *p, char **canon, hs_err *err);
/* Check that an amendment keeps what allocation depends on. */
hs_status hs_trial_protocol_compatible(const hs_trial_protocol *old, const hs_trial_protocol *neu,
                                       int enrolled, hs_err *err);

struct hs_trial {
  sqlite3 *db;
  char *path;
  hs_trial_protocol proto; /* the current protocol (reloaded at each write) */
  int64_t proto_version;
};

/* ---- database helpers (trial_db.c) ---- */
hs_status tdb_fail(hs_trial *t, hs_err *err, const char *what);
hs_status tdb_exec(hs_trial *t, const char *sql, hs_err *err);
hs_status tdb_begin(hs_trial *t, hs_err *err); /* BEGIN IMMEDIATE (waits for the lock) */
hs_status tdb_commit(hs_trial *t, hs_err *err);
void tdb_rollback(hs_trial *t);
sqlite3_stmt *tdb_prepare(hs_trial *t, const char *sql, hs_err *err);
hs_status tdb_load_protocol(hs_trial *t, hs_err *err);
/* Append an audit row (inside a transaction).  Strings may be NULL. */
typedef struct tdb_audit {
  const char *action, *tbl;
  int64_t row_id;
  const char *patient, *visit, *field, *old, *neu, *reason;
} tdb_audit;
hs_status tdb_audit_append(hs_trial *t, const hs_trial_actor *who, const tdb_audit *a,
                           hs_err *err);
/* Insert a row of tbl (columns "a, b, c", text values; NULL = SQL NULL; numbers as
   decimal text take the column's INTEGER affinity) and, when a is not NULL, its audit
   row (a->tbl and a->row_id are filled in).  Returns the new row id, or -1. */
int64_t tdb_insert(hs_trial *t, const hs_trial_actor *who, const char *tbl, const char *cols,
                   const char *const *vals, int n, tdb_audit *a, hs_err *err);
/* The JSON snapshot of a data row as verify recomputes it (SQL, NULL if none). */
char *tdb_row_json(hs_trial *t, const char *tbl, int64_t id, hs_err *err);
hs_status tdb_check_actor(const hs_trial_actor *who, unsigned allowed_roles, const char *what,
                          hs_err *err);
hs_status tdb_check_text(const char *what, const char *s, size_t max, int required, hs_err *err);
void tdb_now(char out[32]);
int64_t tdb_patient_id(hs_trial *t, const char *code, hs_err *err); /* -1 on error */

/* ---- values (trial_crf.c) ---- */
/* Current (latest version) value of a field: 1 found, 0 none, -1 error. */
int tdb_current(hs_trial *t, int64_t pid, const char *visit, const char *field, char *out,
                size_t size, int *version, hs_err *err);
/* Visit v's time against its window: 1 outside, 0 inside, 2 not checkable; -1 error. */
int tdb_window_check(hs_trial *t, int64_t pid, int v, char *note, size_t size, hs_err *err);

/* ---- times (trial_crf.c) ---- */
/* Parse ISO 8601 with a zone (Z or +hh:mm) into seconds since 1970 UTC and the
   canonical "YYYY-MM-DDTHH:MM:SSZ". */
hs_status hs_trial_time_parse(const char *what, const char *text, int64_t *secs,
                              char canon[32], hs_err *err);
void hs_trial_time_format(int64_t secs, char out[32]);

/* ---- allocation (trial_alloc.c) ---- */
/* Arm index of the seq-th (0-based) patient of a stratum; block (may be NULL)
   receives the block number. */
int hs_trial_alloc_arm(const hs_trial_protocol *p, uint64_t seed, const char *stratum,
                       int64_t seq, int64_t *block);
hs_status hs_trial_seed_parse(const char *hex, uint64_t *seed, hs_err *err);

#define ROLE_BIT(r) (1u << (r))

#endif
