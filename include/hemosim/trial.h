/*
 * hemosim/trial.h - the records of a randomised trial of microcirculation-guided
 * VA-ECMO (NCT03470792 design) kept in one SQLite database (docs/trial.md).
 *
 * A trial database holds the protocol (versioned; frozen after the first
 * enrolment except through an explicit, audited amendment), the patients with
 * their eligibility checklist and stratified permuted-block allocation, the case
 * report forms of every visit (values are never overwritten: a change is a new
 * version), adverse events, emergency unblinding records, data queries and an
 * append-only audit trail whose rows are hash-chained with SHA-256.
 *
 * Concurrency: every write is one BEGIN IMMEDIATE transaction in WAL mode, so
 * several processes may enrol at once and each patient gets exactly one
 * allocation.  A process killed mid-write loses only its uncommitted
 * transaction.  One hs_trial handle must be used by one thread at a time;
 * separate handles (in threads or processes) may be used concurrently.
 *
 * Nothing here prints or exits; failures return a status and fill the optional
 * hs_err with a message naming the field, the value and the allowed range.
 */
#ifndef HEMOSIM_TRIAL_H
#define HEMOSIM_TRIAL_H

#include <stddef.h>
#include <stdint.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_TRIAL_SCHEMA_VERSION 2 /* PRAGMA user_version of a current database */
#define HS_TRIAL_NAME_MAX 64      /* patient codes, sites, users, arm and field names */
#define HS_TRIAL_TEXT_MAX 2000    /* reasons, free text, query text */

/* Who makes a change.  The role decides what the call may do (docs/trial.md,
   "Roles"); the user name (1-63 printable characters) is recorded on every
   audit row.  This is attribution, not authentication: access to the database
   file is governed by the operating system. */
typedef enum hs_trial_role {
  HS_ROLE_DATA_ENTRY,   /* enrol, record visits, adverse events, answer queries */
  HS_ROLE_MONITOR,      /* read, raise and close queries */
  HS_ROLE_STATISTICIAN, /* read, analyse, export */
  HS_ROLE_MANAGER,      /* create the trial, amend the protocol */
  HS_ROLE_COUNT
} hs_trial_role;

const char *hs_trial_role_name(int role); /* "data_entry", ...; "?" */
hs_status hs_trial_role_parse(const char *name, hs_trial_role *out, hs_err *err);

typedef struct hs_trial_actor {
  const char *user;
  hs_trial_role role;
} hs_trial_actor;

/* A field=value pair (strata, eligibility answers, case report form fields). */
typedef struct hs_trial_kv {
  const char *key;
  const char *value;
} hs_trial_kv;

typedef struct hs_trial hs_trial;

/* ---- the database ------------------------------------------------------------ */

/* Create a new database at db_path (it must not exist) from a protocol file
   (YAML or JSON, `hemosim_trial: 1`).  seed_hex: 16 hex digits, the allocation
   seed (NULL: drawn from /dev/urandom).  Only a manager may create. */
hs_status hs_trial_create(const char *db_path, const char *protocol_path,
                          const hs_trial_actor *who, const char *seed_hex, hs_err *err);
/* The same with the protocol given as text (name is used in messages). */
hs_status hs_trial_create_from_text(const char *db_path, const char *name, const char *text,
                                    size_t len, const hs_trial_actor *who, const char *seed_hex,
                                    hs_err *err);

/* Open an existing database (migrating an older schema in one transaction). */
hs_status hs_trial_open(const char *db_path, hs_trial **out, hs_err *err);
void hs_trial_close(hs_trial *t); /* NULL is a no-op */

/* Replace the protocol by an amended one (a manager, with a reason).  Arms,
   strata and block sizes cannot change after the first enrolment. */
hs_status hs_trial_amend(hs_trial *t, const hs_trial_actor *who, const char *protocol_path,
                         const char *reason, hs_err *err);

/* ---- enrolment and allocation --------------------------------------------------- */

typedef struct hs_trial_enrolment {
  const char *patient;           /* the trial code, e.g. "A-017" */
  const char *site;              /* one of the protocol's sites */
  const char *ecmo_placed_at;    /* ISO 8601 time of VA-ECMO placement */
  const hs_trial_kv *strata;     /* stratification factors other than site */
  size_t nstrata;
  const hs_trial_kv *eligibility; /* every protocol criterion: yes or no */
  size_t neligibility;
} hs_trial_enrolment;

/* Check eligibility, allocate (stratified permuted blocks) and record the
   patient, all in one transaction.  arm (may be NULL) receives the arm id.
   A patient code enrols once; an ineligible patient is refused (HS_ERR_INVALID,
   naming the failing criteria) and nothing is recorded. */
hs_status hs_trial_enrol(hs_trial *t, const hs_trial_actor *who, const hs_trial_enrolment *e,
                         char arm[HS_TRIAL_NAME_MAX], hs_err *err);

/* Emergency unblinding: records who, when and why, and returns the arm. */
hs_status hs_trial_unblind(hs_trial *t, const hs_trial_actor *who, const char *patient,
                           const char *reason, char arm[HS_TRIAL_NAME_MAX], hs_err *err);

/* ---- case report forms ---------------------------------------------------------- */

/* Visits: "baseline", the protocol's visits (T1..T4), "day28".  Fields and their
   units: hs_trial_field_count / hs_trial_field_at (docs/trial.md, "Fields"). */
typedef enum hs_trial_ftype {
  HS_FT_NUMBER, /* a quantity: "<number> <unit>" parsed by hemosim/units.h */
  HS_FT_TIME,   /* ISO 8601: 2026-03-01T08:30Z, 2026-03-01 08:30:00+01:00 */
  HS_FT_TEXT,   /* free text, at most HS_TRIAL_TEXT_MAX bytes */
  HS_FT_CHOICE  /* one of a listed set of words */
} hs_trial_ftype;

typedef struct hs_trial_field {
  const char *name;    /* "ecmo_flow" */
  hs_trial_ftype type;
  int dim;             /* hs_dim of a number */
  const char *unit;    /* display unit ("L/min") */
  double lo, hi;       /* allowed range in the display unit (numbers) */
  const char *choices; /* "alive|dead" (choices) */
  unsigned visits;     /* bit mask: 1 baseline, 2 T1, 4 T2, 8 T3, 16 T4, 32 day28 */
  const char *doc;     /* one line */
} hs_trial_field;

size_t hs_trial_field_count(void);
const hs_trial_field *hs_trial_field_at(size_t i);
const hs_trial_field *hs_trial_field_find(const char *name);

typedef struct hs_trial_record_result {
  size_t nvalues;   /* values written (new or changed) */
  size_t nchanged;  /* of which changes of an existing value */
  int deviation;    /* 1: the visit time is outside its window (recorded) */
  char note[256];   /* the window check, e.g. "T2 at 23.0 h after T1 is outside 6-22 h" */
  double vis;       /* vasoactive-inotropic score of this visit (NaN without doses) */
} hs_trial_record_result;

/* Record fields of one visit in one transaction.  A field that already has a
   value is changed only with a reason (the old and new values are audited).
   Recording the visit time checks it against the protocol window; a time
   outside is recorded together with a deviation, never refused. */
hs_status hs_trial_record(hs_trial *t, const hs_trial_actor *who, const char *patient,
                          const char *visit, const hs_trial_kv *fields, size_t n,
                          const char *reason, hs_trial_record_result *res, hs_err *err);

/* A microcirculation measurement (a `hemosim_micro: 1` document, YAML or JSON)
   of one visit: analysed with hs_micro_analyze (consensus definitions, Massey
   quality exclusions) and stored as the document plus psvd, ppsv, mfi,
   micro_sites, micro_usable and micro_excluded values. */
hs_status hs_trial_record_micro(hs_trial *t, const hs_trial_actor *who, const char *patient,
                                const char *visit, const char *name, const char *text,
                                size_t len, const char *reason, hs_trial_record_result *res,
                                hs_err *err);

/* Adverse events: bleeding, limb_ischaemia, stroke, haemolysis, infection, other. */
hs_status hs_trial_adverse_event(hs_trial *t, const hs_trial_actor *who, const char *patient,
                                 const char *type, const char *onset, const char *severity,
                                 const char *description, hs_err *err);

/* ---- data queries --------------------------------------------------------------- */

/* A monitor raises a query on a field of a visit; data entry answers it; the
   monitor closes it (or answers again).  *id receives the query number. */
hs_status hs_trial_query_raise(hs_trial *t, const hs_trial_actor *who, const char *patient,
                               const char *visit, const char *field, const char *text,
                               int64_t *id, hs_err *err);
hs_status hs_trial_query_answer(hs_trial *t, const hs_trial_actor *who, int64_t id,
                                const char *text, hs_err *err);
hs_status hs_trial_query_close(hs_trial *t, const hs_trial_actor *who, int64_t id,
                               const char *text, hs_err *err);

/* ---- integrity ------------------------------------------------------------------ */

typedef struct hs_trial_verify_result {
  int ok;                 /* 1: every check passed */
  int64_t audit_rows;     /* rows of the audit trail checked */
  int64_t records;        /* data rows matched against the trail */
  int64_t allocations;    /* allocations recomputed from the seed */
  int64_t first_bad_seq;  /* audit row of the first failure (0 none or not a row) */
  char problem[512];      /* the first failure, in words */
  char head[65];          /* hash of the last audit row */
} hs_trial_verify_result;

/* Recompute the hash chain, match every data row with the audit row that
   created it, recompute every allocation from the seed, and run SQLite's
   integrity check.  A failed check is reported in r (status HS_OK). */
hs_status hs_trial_verify(hs_trial *t, hs_trial_verify_result *r, hs_err *err);

/* ---- reading, analysis and export ------------------------------------------------ */

/* JSON documents (caller frees): the trial status (protocol, enrolment by arm
   and stratum, completeness and deviations per patient and site, open
   queries; schema hemosim-trial-status/1), the audit trail
   (hemosim-trial-audit/1; patient may be NULL for all), and the analysis
   (hemosim-trial-analysis/1, docs/trial.md "Methods").  Status and audit may
   be read by every role; the analysis by a statistician or monitor. */
char *hs_trial_status_json(hs_trial *t, const hs_trial_actor *who, hs_err *err);
char *hs_trial_audit_json(hs_trial *t, const hs_trial_actor *who, const char *patient,
                          hs_err *err);
char *hs_trial_analysis_json(hs_trial *t, const hs_trial_actor *who, hs_err *err);
/* One patient's record (schema hemosim-trial-patient/1; every role): enrolment, the
   current value of every field per visit (display unit, version, who, when, reason),
   the window status of T1-T4 recomputed from the current values, deviations, adverse
   events and queries.  The arm is shown to the statistician only. */
char *hs_trial_patient_json(hs_trial *t, const hs_trial_actor *who, const char *patient,
                            hs_err *err);
/* The current protocol as stored (hemosim-trial-protocol/1: version and the canonical
   protocol: arms, sites, strata, windows, criteria, required fields, thresholds). */
char *hs_trial_protocol_json(hs_trial *t, hs_err *err);
/* Kaplan-Meier curves of survival to day 28 by arm, as SVG (hemosim/plot.h). */
char *hs_trial_km_svg(hs_trial *t, const hs_trial_actor *who, hs_err *err);

/* Exports (statistician), written atomically: the long-format CSV (one row per
   patient, visit and field; docs/trial.md "CSV export") and a CDISC ODM 1.3.2
   XML snapshot (ClinicalData with the current values). */
hs_status hs_trial_export_csv(hs_trial *t, const hs_trial_actor *who, const char *path,
                              hs_err *err);
hs_status hs_trial_export_odm(hs_trial *t, const hs_trial_actor *who, const char *path,
                              hs_err *err);

/* ---- statistics used by the analysis (pure functions) ----------------------------- */

/* Two-sided Fisher exact test of the 2x2 table [[a, b], [c, d]] (probabilities
   of tables no more likely than the observed one summed). */
double hs_fisher_exact_2x2(int a, int b, int c, int d);
/* Risk difference x1/n1 - x2/n2 with the Wald 95 % interval (lo, hi NaN when a
   group is empty). */
void hs_risk_difference(int x1, int n1, int x2, int n2, double *rd, double *lo, double *hi);

/* ---- allocation primitives (documented for reproducibility) ----------------------- */

/* Philox4x32-10 (Salmon et al. 2011): the block ctr encrypted under key. */
void hs_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
/* SHA-256 of data as 64 lower-case hex digits plus NUL. */
void hs_sha256_hex(const void *data, size_t len, char hex[65]);

#ifdef __cplusplus
}
#endif
#endif
