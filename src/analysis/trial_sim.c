/*
 * analysis/trial_sim.c - an in-silico run of the trial (hemosim/trial_sim.h,
 * docs/trial.md "Simulation").
 *
 * The virtual patients come from the cohort engine (hs_cohort_patient: sampling,
 * acceptance, protocol.set); enrolment, allocation and every record go through the
 * trial library's public calls, exactly as a site's data entry does; each course is
 * hs_titrate_run with the arm's policy.  Four passes:
 *   1 screen (threads): patient i of the study as a model, or outside acceptance;
 *   2 enrol (in order): site, strata levels drawn, every criterion met, allocation;
 *   3 treat (threads): the course under the arm's policy;
 *   4 record (in order): T1..T4 forms and microcirculation, the day-28 outcome.
 * Draws: hs_cohort_uniform(seed, i, stream, k) with the streams below, so a
 * patient's draws depend on nothing but (seed, i).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hemosim/hemosim.h"
#include "hemosim/patient.h"
#include "hemosim/titrate.h"
#include "hemosim/trial_sim.h"
#include "io/trial_impl.h"

enum { S_SITE = 0x7472000, S_STRATUM, S_OBST, S_OEDEMA, S_VASO, S_LV, S_DEATH, S_DAY, S_MICRO,
       S_PHENO };

void hs_trial_sim_defaults(hs_trial_sim_options *o) {
  memset(o, 0, sizeof *o);
  o->patients = 20;
  o->seed = 1;
  o->threads = 1;
  o->first_placement = "2026-01-05T08:00Z";
  o->spacing_h = 24;
  o->prefix = "SIM-";
  o->visit_h[0] = 6, o->visit_h[1] = 18, o->visit_h[2] = 40, o->visit_h[3] = 72;
  o->interval_h = 6;
  o->obstructed[0] = 0.02, o->obstructed[1] = 0.15;
  o->oedema[0] = 0.02, o->oedema[1] = 0.15;
  o->vasoconstriction[0] = 0.02, o->vasoconstriction[1] = 0.12;
  o->lv_recovery[0] = 0.1, o->lv_recovery[1] = 0.8;
  o->mortality_ref = 0.45;
  o->psvd_ref = 0;
  o->odds_ratio_per_psvd = 0.85;
}

static hs_status range2(const char *name, const double r[2], double hi, hs_err *err) {
  if (!(r[0] >= 0 && r[1] <= hi && r[0] <= r[1]))
    return hs_err_set(err, HS_ERR_RANGE,
                      "simulate: %s = [%g, %g] must satisfy 0 <= lo <= hi <= %g", name, r[0],
                      r[1], hi);
  return HS_OK;
}

hs_status hs_trial_sim_check(const hs_trial_sim_options *o, hs_err *err) {
  hs_status st;
  if (o->patients < 1 || o->patients > 1000)
    return hs_err_set(err, HS_ERR_RANGE, "simulate: patients = %zu is out of range [1, 1000]",
                      o->patients);
  if (o->threads < 1 || o->threads > 64)
    return hs_err_set(err, HS_ERR_RANGE, "simulate: threads = %d is out of range [1, 64]",
                      o->threads);
  if (!(o->spacing_h >= 0 && o->spacing_h <= 8760))
    return hs_err_set(err, HS_ERR_RANGE, "simulate: spacing = %g h is out of range [0, 8760]",
                      o->spacing_h);
  if (!o->prefix || strlen(o->prefix) > 20)
    return hs_err_set(err, HS_ERR_RANGE, "simulate: the code prefix must have 0-20 characters");
  if (!(o->interval_h >= 0.05 && o->interval_h <= 24))
    return hs_err_set(err, HS_ERR_RANGE, "simulate: interval = %g h is out of range [0.05, 24]",
                      o->interval_h);
  for (int k = 0; k < 4; k++)
    if (!(o->visit_h[k] >= 0 && o->visit_h[k] <= 240) || (k && !(o->visit_h[k] > o->visit_h[k - 1])))
      return hs_err_set(err, HS_ERR_RANGE,
                        "simulate: T%d at %g h after placement: visit times must rise within "
                        "[0, 240] h", k + 1, o->visit_h[k]);
  if ((st = range2("obstructed", o->obstructed, 0.9, err)) ||
      (st = range2("oedema", o->oedema, 0.9, err)) ||
      (st = range2("vasoconstriction", o->vasoconstriction, 0.9, err)) ||
      (st = range2("lv_recovery", o->lv_recovery, 3, err)))
    return st;
  if (!(o->mortality_ref > 0 && o->mortality_ref < 1))
    return hs_err_set(err, HS_ERR_RANGE, "simulate: mortality_ref = %g is out of range (0, 1)",
                      o->mortality_ref);
  if (!(o->psvd_ref >= 0 && o->psvd_ref <= 50))
    return hs_err_set(err, HS_ERR_RANGE,
                      "simulate: psvd_ref = %g mm/mm2 is out of range [0, 50] (0: psvd_min)",
                      o->psvd_ref);
  if (!(o->odds_ratio_per_psvd > 0 && o->odds_ratio_per_psvd <= 10))
    return hs_err_set(err, HS_ERR_RANGE,
                      "simulate: odds ratio per mm/mm2 = %g is out of range (0, 10]",
                      o->odds_ratio_per_psvd);
  return HS_OK;
}

static double draw(const hs_trial_sim_options *o, size_t i, int stream, int k) {
  return hs_cohort_uniform(o->seed, i, (uint32_t)stream, (uint32_t)k);
}

static double in_range(const hs_trial_sim_options *o, size_t i, int stream, const double r[2]) {
  return r[0] + (r[1] - r[0]) * draw(o, i, stream, 0);
}

/* ---- the work shared by the threads -------------------------------------------- */

typedef struct sim_patient {
  hs_model *model;         /* NULL: not accepted or failed */
  char why[HS_ERRMSG_MAX]; /* screening or course failure */
  int arm;                 /* -1: not enrolled */
  size_t pheno;            /* its population */
  hs_titrate_result *res;  /* the course */
  int failed;
} sim_patient;

typedef struct sim_pool {
  const hs_cohort *const *pops;
  size_t npops;
  const hs_trial_sim_options *o;
  const hs_trial_protocol *p;
  sim_patient *pt;
  size_t n, next, done;
  int pass; /* 1 screen, 3 treat */
  pthread_mutex_t lock;
} sim_pool;

static void course_options(const sim_pool *w, size_t i, hs_titrate_options *to) {
  const hs_trial_sim_options *o = w->o;
  hs_titrate_defaults(to);
  to->policy = strcmp(w->p->arm[w->pt[i].arm].policy, "micro") ? HS_TITRATE_CONTROL
                                                                 : HS_TITRATE_MICRO;
  to->hours = o->visit_h[3];
  to->interval_h = o->interval_h < to->hours ? o->interval_h : to->hours;
  to->nmeasure = 4;
  for (int k = 0; k < 4; k++) to->measure_h[k] = o->visit_h[k];
  to->micro.obstructed = in_range(o, i, S_OBST, o->obstructed);
  to->micro.oedema = in_range(o, i, S_OEDEMA, o->oedema);
  to->micro.vasoconstriction = in_range(o, i, S_VASO, o->vasoconstriction);
  to->lv_recovery_frac = in_range(o, i, S_LV, o->lv_recovery);
  to->lv_recovery_h = to->micro_resolution_h = to->hours;
  to->pvd_min = w->p->psvd_min;
  to->ppv_min = w->p->ppsv_min;
}

static void work_one(sim_pool *w, size_t i) {
  sim_patient *s = &w->pt[i];
  hs_err e = {HS_OK, ""};
  if (w->pass == 1) {
    s->pheno = (size_t)(draw(w->o, i, S_PHENO, 0) * (double)w->npops);
    if (s->pheno >= w->npops) s->pheno = w->npops - 1;
    if (hs_cohort_patient(w->pops[s->pheno], i, &s->model, s->why, sizeof s->why, &e)) {
      snprintf(s->why, sizeof s->why, "%s", *e.msg ? e.msg : hs_status_str(e.code));
      s->failed = 1;
    }
    return;
  }
  if (s->arm < 0 || !s->model) return;
  hs_titrate_options to;
  course_options(w, i, &to);
  if (hs_titrate_run(s->model, &to, &s->res, &e)) {
    snprintf(s->why, sizeof s->why, "%s", *e.msg ? e.msg : hs_status_str(e.code));
    s->failed = 1;
  }
}

static void *worker(void *arg) {
  sim_pool *w = arg;
  for (;;) {
    pthread_mutex_lock(&w->lock);
    size_t i = w->next < w->n ? w->next++ : w->n;
    pthread_mutex_unlock(&w->lock);
    if (i >= w->n) return NULL;
    work_one(w, i);
    pthread_mutex_lock(&w->lock);
    w->done++;
    if (w->pass == 3 && w->o->progress) w->o->progress(w->done, w->n, w->o->progress_ud);
    pthread_mutex_unlock(&w->lock);
  }
}

static void run_pass(sim_pool *w, int pass) {
  w->pass = pass;
  w->next = w->done = 0;
  pthread_t th[64];
  int started = 0;
  for (int k = 1; k < w->o->threads; k++)
    if (!pthread_create(&th[started], NULL, worker, w)) started++;
  worker(w);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
}

/* ---- records --------------------------------------------------------------------- */

/* A five-site hemosim_micro document whose consensus analysis reproduces the model's
   small-vessel TVD, PVD and MFI at one visit (each site's lengths scaled by a factor
   drawn in [0.95, 1.05]; no large vessels). */
static char *micro_doc(const hs_trial_sim_options *o, size_t i, const char *code, int label,
                       const hs_titrate_step *s) {
  size_t cap = 4096;
  char *d = malloc(cap);
  if (!d) return NULL;
  const double A = HS_MICRO_DEFAULT_FIELD_AREA_MM2;
  int q = (int)lround(s->mfi);
  q = q < 0 ? 0 : q > 3 ? 3 : q;
  size_t n = (size_t)snprintf(d, cap,
                              "hemosim_micro: 1\npatient: %s\ntime_point: T%d\n"
                              "hours_since_ecmo: %.3f\nnotes: synthetic recording "
                              "(hemosim trial simulate, model proxy)\nsites:\n",
                              code, label, s->t_h);
  for (int k = 0; k < 5 && n < cap; k++) {
    double f = 0.95 + 0.1 * draw(o, i, S_MICRO, label * 8 + k);
    double perf = fmax(0, s->pvd) * A * f, non = fmax(0, s->tvd - s->pvd) * A * f;
    n += (size_t)snprintf(d + n, cap - n,
                          "  - name: sublingual %d\n"
                          "    quality: {illumination: 0, duration: 0, focus: 0, content: 0, "
                          "stability: 0, pressure: 0}\n"
                          "    length_mm: {small: [%.6f, %.6f, %.6f, %.6f], large: [0, 0, 0, 0]}\n"
                          "    quadrants: [%d, %d, %d, %d]\n",
                          k + 1, 0.5 * non, 0.5 * non, 0.2 * perf, 0.8 * perf, q, q, q, q);
  }
  if (n >= cap) {
    free(d);
    return NULL;
  }
  return d;
}

typedef struct kvbuf {
  hs_trial_kv kv[24];
  char val[24][96];
  size_t n;
} kvbuf;

static void kv_add(kvbuf *b, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void kv_add(kvbuf *b, const char *key, const char *fmt, ...) {
  if (b->n >= 24) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->val[b->n], sizeof b->val[0], fmt, ap);
  va_end(ap);
  b->kv[b->n].key = key;
  b->kv[b->n].value = b->val[b->n];
  b->n++;
}

/* a model value in its internal unit (unit: "" for a fraction) */
static void kv_model(kvbuf *b, const hs_model *m, const char *path, const char *key,
                     const char *unit, int positive_only) {
  double v;
  if (!hs_model_get(m, path, &v, NULL) && isfinite(v) && (!positive_only || v > 0))
    kv_add(b, key, "%.6g%s%s", v, *unit ? " " : "", unit);
}

/* The four visits of patient i; *psvd receives the mean model PVD of its visits. */
static hs_status record_course(hs_trial *t, const hs_trial_actor *de, const sim_pool *w,
                               size_t i, const char *code, int64_t t0, double *psvd,
                               double *flow, hs_trial_sim_summary *sum, hs_err *err) {
  static const char *const DRUGS[] = {"norepinephrine", "epinephrine", "dobutamine",
                                      "dopamine",       "milrinone",   "vasopressin"};
  const sim_patient *sp = &w->pt[i];
  const hs_titrate_result *res = sp->res;
  double sp_sum = 0, fl_sum = 0;
  int nsum = 0;
  for (size_t k = 0; k < res->n; k++) {
    const hs_titrate_step *s = &res->step[k];
    if (s->measured < 1 || s->measured > 4) continue;
    char visit[4], when[32];
    snprintf(visit, sizeof visit, "T%d", s->measured);
    hs_trial_time_format(t0 + (int64_t)llround(s->t_h * 3600), when);
    kvbuf b = {.n = 0};
    b.kv[b.n].key = "time", b.kv[b.n].value = when, b.n++;
    double flow_now = isfinite(s->ecmo_flow_lpm) ? s->ecmo_flow_lpm : s->flow_lpm;
    kv_add(&b, "ecmo_flow", "%.4f L/min", flow_now);
    kv_add(&b, "map", "%.2f mmHg", s->map_mmhg);
    kv_model(&b, sp->model, "ecmo.sweep", "sweep_gas", "mL/s", 0);
    kv_model(&b, sp->model, "ecmo.fdo2", "fdo2", "", 0);
    kv_model(&b, sp->model, "ecmo.drainage_size", "drainage_cannula", "Fr", 0);
    kv_model(&b, sp->model, "ecmo.return_size", "return_cannula", "Fr", 0);
    for (int d = 0; d < 6; d++) {
      char path[64];
      snprintf(path, sizeof path, "drugs.%s", DRUGS[d]);
      kv_model(&b, sp->model, path, DRUGS[d], d == 5 ? "U/kg/min" : "ug/kg/min", 1);
    }
    double change = s->next_flow_lpm - s->flow_lpm;
    if (fabs(change) > 1e-9) {
      kv_add(&b, "flow_change", "%+.4f L/min", change);
      b.kv[b.n].key = "flow_change_reason";
      b.kv[b.n].value = hs_titrate_rule_doc(s->rule);
      b.n++;
    }
    hs_trial_record_result rr;
    hs_status st = hs_trial_record(t, de, code, visit, b.kv, b.n, NULL, &rr, err);
    if (st) return st;
    sum->visits++;
    sum->deviations += rr.deviation ? 1u : 0u;
    char *doc = micro_doc(w->o, i, code, s->measured, s);
    if (!doc) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    st = hs_trial_record_micro(t, de, code, visit, "<simulated recording>", doc, strlen(doc),
                               NULL, NULL, err);
    free(doc);
    if (st) return st;
    if (isfinite(s->pvd)) sp_sum += s->pvd, fl_sum += flow_now, nsum++;
  }
  *psvd = nsum ? sp_sum / nsum : NAN;
  *flow = nsum ? fl_sum / nsum : NAN;
  return HS_OK;
}

static hs_status record_outcome(hs_trial *t, const hs_trial_actor *de, const char *code,
                                int64_t t0, int dead, double day, int followup_days,
                                hs_err *err) {
  char when[32];
  if (dead) {
    hs_trial_time_format(t0 + (int64_t)llround(day * 86400), when);
    hs_trial_kv kv[] = {{"status", "dead"}, {"death_time", when}};
    return hs_trial_record(t, de, code, "day28", kv, 2, NULL, NULL, err);
  }
  hs_trial_time_format(t0 + (int64_t)followup_days * 86400, when);
  hs_trial_kv kv[] = {{"status", "alive"}, {"last_contact", when}};
  return hs_trial_record(t, de, code, "day28", kv, 2, NULL, NULL, err);
}

static hs_status no_patients_yet(hs_trial *t, hs_err *err) {
  sqlite3_stmt *q = tdb_prepare(t, "SELECT count(*) FROM patient", err);
  if (!q) return err->code;
  int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  sqlite3_finalize(q);
  if (n < 0) return tdb_fail(t, err, "counting patients");
  if (n > 0)
    return hs_err_set(err, HS_ERR_STATE,
                      "simulate: the trial database already has %" PRId64 " patient(s); a "
                      "simulation needs a new database (hemosim trial create)", n);
  return HS_OK;
}

/* enrol patient i; its arm index into pt->arm */
static hs_status enrol_one(hs_trial *t, const hs_trial_actor *de, const sim_pool *w, size_t i,
                           const char *code, const char *placed, int *arm, hs_err *err) {
  const hs_trial_protocol *p = w->p;
  const hs_trial_sim_options *o = w->o;
  int si = (int)(draw(o, i, S_SITE, 0) * p->nsites);
  hs_trial_kv strata[TP_MAX_FACTORS], elig[TP_MAX_CRITERIA];
  for (int f = 0; f < p->nfactors; f++) {
    strata[f].key = p->factor[f].name;
    strata[f].value = p->factor[f].level[(int)(draw(o, i, S_STRATUM, f) * p->factor[f].nlevels)];
  }
  for (int c = 0; c < p->ncriteria; c++) {
    elig[c].key = p->criterion[c].id;
    elig[c].value = p->criterion[c].eligible_answer ? "yes" : "no";
  }
  hs_trial_enrolment e = {code, p->site[si], placed, strata, (size_t)p->nfactors, elig,
                          (size_t)p->ncriteria};
  char id[HS_TRIAL_NAME_MAX];
  hs_status st = hs_trial_enrol(t, de, &e, id, err);
  if (st) return st;
  *arm = 0;
  for (int a = 0; a < p->narms; a++)
    if (!strcmp(p->arm[a].id, id)) *arm = a;
  return HS_OK;
}

hs_status hs_trial_simulate(hs_trial *t, const hs_trial_actor *who,
                            const hs_cohort *const *pops, size_t npops,
                            const hs_trial_sim_options *opt, hs_trial_sim_summary *out,
                            hs_err *err) {
  hs_trial_sim_options o;
  if (opt)
    o = *opt;
  else
    hs_trial_sim_defaults(&o);
  hs_trial_sim_summary local, *sum = out ? out : &local;
  memset(sum, 0, sizeof *sum);
  hs_status st;
  if (!t || !pops || npops < 1 || npops > HS_TRIAL_SIM_MAX_PHENOTYPES)
    return hs_err_set(err, HS_ERR_INVALID, "simulate: a database and 1-%d populations are needed",
                      HS_TRIAL_SIM_MAX_PHENOTYPES);
  if ((st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_MANAGER), "simulate", err)) ||
      (st = hs_trial_sim_check(&o, err)))
    return st;
  for (size_t k = 0; k < npops; k++) {
    if (!pops[k]) return hs_err_set(err, HS_ERR_INVALID, "simulate: population %zu is NULL", k + 1);
    if (o.patients > hs_cohort_patient_count(pops[k]))
      return hs_err_set(err, HS_ERR_RANGE,
                        "simulate: patients = %zu is more than the %zu patients of study '%s'",
                        o.patients, hs_cohort_patient_count(pops[k]), hs_cohort_name(pops[k]));
  }
  int64_t first;
  if ((st = hs_trial_time_parse("first placement", o.first_placement, &first, NULL, err)) ||
      (st = tdb_load_protocol(t, err)) || (st = no_patients_yet(t, err)))
    return st;
  hs_trial_protocol p = t->proto;
  const hs_trial_actor de = {who->user, HS_ROLE_DATA_ENTRY};
  double psvd_ref = o.psvd_ref > 0 ? o.psvd_ref : p.psvd_min;
  struct timespec w0, w1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  sim_pool w = {pops, npops, &o, &p, calloc(o.patients, sizeof(sim_patient)), o.patients, 0, 0,
                0, PTHREAD_MUTEX_INITIALIZER};
  if (!w.pt) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  sum->narms = p.narms;
  sum->nphenotypes = npops;
  for (int a = 0; a < p.narms; a++) {
    snprintf(sum->arm[a].id, sizeof sum->arm[a].id, "%s", p.arm[a].id);
    snprintf(sum->arm[a].policy, sizeof sum->arm[a].policy, "%s", p.arm[a].policy);
  }
  /* 1 screen */
  run_pass(&w, 1);
  /* 2 enrol in order */
  sum->screened = o.patients;
  for (size_t i = 0; i < o.patients && !st; i++) {
    sim_patient *s = &w.pt[i];
    s->arm = -1;
    if (!s->model) {
      if (s->failed) {
        sum->failed++;
        if (!*sum->first_failure) snprintf(sum->first_failure, sizeof sum->first_failure,
                                           "patient %zu: %.280s", i + 1, s->why);
      } else {
        sum->not_accepted++;
      }
      continue;
    }
    char code[HS_TRIAL_NAME_MAX], placed[32];
    snprintf(code, sizeof code, "%s%03zu", o.prefix, i + 1);
    hs_trial_time_format(first + (int64_t)llround((double)i * o.spacing_h * 3600), placed);
    if (!(st = enrol_one(t, &de, &w, i, code, placed, &s->arm, err))) {
      sum->enrolled++;
      sum->enrolled_by_phenotype[s->pheno]++;
      /* the phenotype as the baseline diagnosis */
      const char *name = hs_cohort_name(pops[s->pheno]);
      hs_trial_kv dx[] = {{"diagnosis", name && *name ? name : "virtual patient"}};
      st = hs_trial_record(t, &de, code, "baseline", dx, 1, NULL, NULL, err);
    }
  }
  /* 3 treat */
  if (!st) run_pass(&w, 3);
  /* 4 record in order */
  double flow_sum[HS_TRIAL_SIM_MAX_ARMS] = {0}, psvd_sum[HS_TRIAL_SIM_MAX_ARMS] = {0};
  size_t nmeas[HS_TRIAL_SIM_MAX_ARMS] = {0};
  for (size_t i = 0; i < o.patients && !st; i++) {
    sim_patient *s = &w.pt[i];
    if (s->arm < 0) continue;
    hs_trial_sim_arm *A = &sum->arm[s->arm];
    A->enrolled++;
    if (!s->res) {
      sum->failed++;
      if (!*sum->first_failure) snprintf(sum->first_failure, sizeof sum->first_failure,
                                         "patient %zu: %.280s", i + 1, s->why);
      continue;
    }
    char code[HS_TRIAL_NAME_MAX];
    snprintf(code, sizeof code, "%s%03zu", o.prefix, i + 1);
    int64_t t0 = first + (int64_t)llround((double)i * o.spacing_h * 3600);
    double psvd = NAN, flow = NAN;
    if ((st = record_course(t, &de, &w, i, code, t0, &psvd, &flow, sum, err))) {
      hs_err_prefix(err, "simulate: patient %s: ", code);
      break;
    }
    /* the outcome proxy */
    double lp = log(o.mortality_ref / (1 - o.mortality_ref)) +
                log(o.odds_ratio_per_psvd) * ((isfinite(psvd) ? psvd : psvd_ref) - psvd_ref);
    double pd = 1 / (1 + exp(-lp));
    int dead = draw(&o, i, S_DEATH, 0) < pd;
    double day = 1 + ((double)p.followup_days - 1) * draw(&o, i, S_DAY, 0);
    if ((st = record_outcome(t, &de, code, t0, dead, day, p.followup_days, err))) break;
    A->deaths += (size_t)dead;
    A->expected_mortality += pd;
    if (isfinite(psvd)) {
      psvd_sum[s->arm] += psvd;
      flow_sum[s->arm] += flow;
      nmeas[s->arm]++;
    }
  }
  for (int a = 0; a < p.narms; a++) {
    hs_trial_sim_arm *A = &sum->arm[a];
    size_t treated = nmeas[a];
    A->expected_mortality = treated ? A->expected_mortality / (double)treated : NAN;
    A->mean_psvd = treated ? psvd_sum[a] / (double)treated : NAN;
    A->mean_flow_lpm = treated ? flow_sum[a] / (double)treated : NAN;
  }
  for (size_t i = 0; i < o.patients; i++) {
    hs_model_free(w.pt[i].model);
    hs_titrate_result_free(w.pt[i].res);
  }
  free(w.pt);
  pthread_mutex_destroy(&w.lock);
  clock_gettime(CLOCK_MONOTONIC, &w1);
  sum->wall_s = (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec);
  return st;
}

/* ---- a generated population ----------------------------------------------------- */

hs_status hs_trial_sim_population(const char *patient_path, size_t n, uint64_t seed,
                                  hs_cohort **out, hs_err *err) {
  *out = NULL;
  hs_model *m = NULL;
  hs_status st = hs_patient_load_file(patient_path, &m, err);
  if (st) return st;
  double lv = NAN, rv = NAN;
  char name[256];
  snprintf(name, sizeof name, "%s", hs_model_name(m) && *hs_model_name(m) ? hs_model_name(m)
                                                                           : patient_path);
  st = hs_model_get(m, "lv.ees", &lv, err);
  if (!st) st = hs_model_get(m, "rv.ees", &rv, err);
  hs_model_free(m);
  if (st) return st;
  json_t *doc = json_pack(
      "{s:i,s:s,s:s,s:I,s:{s:s,s:I,s:{s:{s:s,s:s,s:f},s:{s:s,s:s,s:f}}}}", "hemosim_cohort", 1,
      "name", name, "patient", patient_path, "seed",
      (json_int_t)(seed & 0x7fffffffffffffffULL), "population", "design", "random", "size",
      (json_int_t)n, "parameters", "lv.ees", "dist", "lognormal", "median",
      "", "cv", 0.25, "rv.ees", "dist", "lognormal", "median", "", "cv", 0.25);
  if (!doc) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  char buf[64];
  json_t *pars = json_object_get(json_object_get(doc, "population"), "parameters");
  snprintf(buf, sizeof buf, "%.6g mmHg/mL", lv);
  json_object_set_new(json_object_get(pars, "lv.ees"), "median", json_string(buf));
  snprintf(buf, sizeof buf, "%.6g mmHg/mL", rv);
  json_object_set_new(json_object_get(pars, "rv.ees"), "median", json_string(buf));
  char *text = json_dumps(doc, JSON_INDENT(1));
  json_decref(doc);
  if (!text) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  st = hs_cohort_load_string("<generated population>", text, strlen(text), NULL, out, err);
  free(text);
  return st;
}

/* ---- the result as JSON ------------------------------------------------------------ */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

char *hs_trial_sim_json(hs_trial *t, const hs_trial_actor *who, const hs_trial_sim_options *o,
                        const hs_trial_sim_summary *s, hs_err *err) {
  const hs_trial_actor stat = {who->user, HS_ROLE_STATISTICIAN};
  char *analysis = hs_trial_analysis_json(t, &stat, err);
  if (!analysis) return NULL;
  json_error_t je;
  json_t *an = json_loads(analysis, 0, &je);
  free(analysis);
  json_t *arms = json_array();
  for (int a = 0; a < s->narms; a++) {
    const hs_trial_sim_arm *A = &s->arm[a];
    json_array_append_new(
        arms, json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:o}", "arm", A->id, "policy", A->policy,
                        "enrolled", (json_int_t)A->enrolled, "deaths_day28_proxy",
                        (json_int_t)A->deaths, "expected_mortality_proxy",
                        num(A->expected_mortality), "mean_ecmo_flow_lpm_T1_T4",
                        num(A->mean_flow_lpm), "mean_psvd_mm_mm2_T1_T4", num(A->mean_psvd)));
  }
  json_t *root = json_pack(
      "{s:s,s:s,s:s,s:{s:I,s:s,s:f,s:[f,f,f,f],s:f,s:[f,f],s:[f,f],s:[f,f],s:[f,f],s:f,s:f,s:f},"
      "s:I,s:I,s:I,s:I,s:s,s:I,s:I,s:o,s:o,s:f}",
      "schema", "hemosim-trial-simulation/1", "hemosim_version", HS_VERSION, "outcomes",
      "MODEL PROXIES: 28-day death drawn from an assumed logistic link to the model's mean "
      "small-vessel PVD; courses are scenario assumptions (docs/trial.md, Simulation)",
      "options", "patients", (json_int_t)o->patients, "seed_hex", "", "spacing_h", o->spacing_h,
      "visit_h", o->visit_h[0], o->visit_h[1], o->visit_h[2], o->visit_h[3], "interval_h",
      o->interval_h, "obstructed", o->obstructed[0], o->obstructed[1], "oedema", o->oedema[0],
      o->oedema[1], "vasoconstriction", o->vasoconstriction[0], o->vasoconstriction[1],
      "lv_recovery", o->lv_recovery[0], o->lv_recovery[1], "mortality_ref", o->mortality_ref,
      "psvd_ref", o->psvd_ref, "odds_ratio_per_psvd", o->odds_ratio_per_psvd, "screened",
      (json_int_t)s->screened, "not_accepted", (json_int_t)s->not_accepted, "enrolled",
      (json_int_t)s->enrolled, "failed", (json_int_t)s->failed, "first_failure",
      s->first_failure, "visits", (json_int_t)s->visits, "deviations", (json_int_t)s->deviations,
      "arms", arms, "analysis", an ? an : json_null(), "wall_s", s->wall_s);
  if (root) {
    char seed[24];
    snprintf(seed, sizeof seed, "%016" PRIx64, o->seed);
    json_object_set_new(json_object_get(root, "options"), "seed_hex", json_string(seed));
  }
  if (root) {
    json_t *ph = json_array();
    for (size_t k = 0; k < s->nphenotypes; k++)
      json_array_append_new(ph, json_pack("{s:I}", "enrolled", (json_int_t)s->enrolled_by_phenotype[k]));
    json_object_set_new(root, "enrolled_by_phenotype", ph);
  }
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
  json_decref(root);
  if (!text) hs_err_set(err, HS_ERR_NOMEM, "out of memory writing JSON");
  return text;
}
