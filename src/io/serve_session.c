/*
 * serve_session.c - the sessions of `hemosim serve` (docs/serve.md): one live
 * simulation per browser session, advanced in real time x speed when the page polls
 * (a page that stops polling stops its simulation: no catch-up beyond 0.5 s), sampled
 * at 100 Hz into a ring the page reads with a cursor; parameter changes, patients,
 * compare / optimize jobs in a worker thread, strategy application.
 *
 * Locking: the server mutex guards the session table, reference counts, idle clocks and
 * rate windows; each session's mutex guards its simulation and job fields.  Order:
 * server, then session.  A session is freed when it is deleted or idle and no request
 * holds it; freeing waits for its job thread.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/hemosim.h"
#include "io/micro_fit_out.h"
#include "io/serve_impl.h"
#include "io/yaml_out.h"

#define SAMPLE_DT 0.01 /* s: 100 Hz for waveforms and loops */
#define RING 4096      /* samples kept: 41 s */
#define TREND 4096     /* beats kept */
#define MARKS 64
#define MAX_CATCHUP_S 0.5

enum { SIG_RADIAL, SIG_FEMORAL, SIG_PA, SIG_CVP, SIG_LA, SIG_LV, SIG_RV, SIG_AO, SIG_VLV, SIG_VRV,
       SIG_N };
static const char *const SIG_NAME[SIG_N] = {"p_radial", "p_femoral", "p_pa",  "p_cvp",
                                            "p_la",     "p_lv",      "p_rv",  "p_aortic_root",
                                            "v_lv",     "v_rv"};
static const char *const SIG_NODE[SIG_N] = {"upper_arteries", "lower_arteries", "pa", "ra", "la",
                                            "lv", "rv", "aortic_root", "lv", "rv"};
/* trend columns: time, then these metrics of each beat */
static const int TREND_M[] = {HS_M_HR, HS_M_SBP, HS_M_DBP, HS_M_MAP, HS_M_CO, HS_M_LVO, HS_M_PCWP,
                              HS_M_CVP, HS_M_MPAP, HS_M_SAO2U, HS_M_SVO2};
#define TREND_N (int)(sizeof TREND_M / sizeof TREND_M[0])

enum { JOB_NONE, JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct hs_session {
  char id[33];
  pthread_mutex_t mu;
  /* server mutex */
  int refs, dead;
  double last_access, rate_t0;
  int rate_n;
  /* session mutex */
  hs_model *patient; /* as loaded and edited (live settings mirrored) */
  hs_model *current; /* what runs: patient, or patient with an applied strategy */
  char patient_file[4096];
  hs_plan *plan;
  hs_sim *sim;
  int node[SIG_N];
  float (*ring)[SIG_N];
  double *ring_t;
  long seq; /* samples written */
  float (*trend)[TREND_N + 1];
  long nbeats; /* beats recorded */
  struct {
    double t;
    char text[160];
  } marks[MARKS];
  long nmarks;
  double t_offset; /* display time = simulation time + t_offset */
  double speed, wall_last;
  int paused, failed;
  char fail_msg[HS_ERRMSG_MAX];
  double *all;
  size_t nall;
  /* job */
  int job_state, job_started;
  pthread_t job_thread;
  char job_kind[16];
  double job_t0, job_wall;
  hs_model *job_model;
  hs_targets job_targets;
  hs_context job_ctx;
  char **job_strategies;
  double job_flows[32];
  size_t job_nflows;
  char job_opt[128]; /* optimize: a sweep name or a strategy text */
  int job_threads;
  char *job_json, *job_report;
  char job_err[HS_ERRMSG_MAX];
  int job_done, job_total;   /* progress (0/0: unknown) */
  char job_phase[96];        /* what runs after the strategies ("" while they run) */
  hs_cal_input *job_cal;     /* calibrate: the measurements, read by the file loader */
  hs_cal_options job_cal_opt;
  char job_dir[64];          /* calibrate: temporary files of the measurements */
  hs_model *job_calibrated;  /* calibrate: the fitted patient, for "continue from it" */
};

/* ---- recording -------------------------------------------------------------------- */

static int on_sample(const hs_sample *x, void *ud) {
  hs_session *s = ud;
  long k = s->seq % RING;
  for (int i = 0; i < SIG_N; i++) {
    int n = s->node[i];
    double v = n < 0 ? NAN : (i >= SIG_VLV ? x->volume[n] : x->pressure[n]);
    s->ring[k][i] = (float)v;
  }
  s->ring_t[k] = x->t + s->t_offset;
  s->seq++;
  return 0;
}

static int on_beat(long beat, double t_end, const double m[HS_METRIC_COUNT], void *ud) {
  hs_session *s = ud;
  long k = s->nbeats % TREND;
  s->trend[k][0] = (float)(t_end + s->t_offset);
  for (int i = 0; i < TREND_N; i++) s->trend[k][i + 1] = (float)m[TREND_M[i]];
  s->nbeats++;
  return 0;
}

static void add_mark(hs_session *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void add_mark(hs_session *s, const char *fmt, ...) {
  long k = s->nmarks % MARKS;
  s->marks[k].t = (s->sim ? hs_sim_time(s->sim) : 0) + s->t_offset;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->marks[k].text, sizeof s->marks[k].text, fmt, ap);
  va_end(ap);
  s->nmarks++;
}

/* Run `m` (owned) from now on: compile, simulate to periodic steady state, attach the
   recorders; the display clock continues where the previous simulation stopped. */
/* What a job runs after its strategies (the job's "phase"; done and total then absent). */
static void set_job_phase(hs_session *s, const char *phase) {
  pthread_mutex_lock(&s->mu);
  s->job_done = s->job_total = 0;
  snprintf(s->job_phase, sizeof s->job_phase, "%s", phase);
  pthread_mutex_unlock(&s->mu);
}

static hs_status restart(hs_session *s, hs_model *m, hs_err *err) {
  hs_plan *pl = hs_plan_compile(m, err);
  hs_sim *sim = pl ? hs_sim_new(pl, err) : NULL;
  if (!sim) {
    hs_plan_free(pl);
    hs_model_free(m);
    return err->code;
  }
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(sim, &info, err);
  if (st == HS_ERR_NOT_STEADY) st = HS_OK; /* continue live from where it got to */
  size_t nall = hs_sim_metric_count(sim);
  double *all = st ? NULL : malloc(nall * sizeof *all);
  if (!st && !all) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if (st) {
    free(all);
    hs_sim_free(sim);
    hs_plan_free(pl);
    hs_model_free(m);
    return st;
  }
  double now_display = s->sim ? hs_sim_time(s->sim) + s->t_offset : 0;
  hs_sim_free(s->sim);
  hs_plan_free(s->plan);
  if (s->current != m) hs_model_free(s->current);
  free(s->all);
  s->current = m;
  s->plan = pl;
  s->sim = sim;
  s->all = all;
  s->nall = nall;
  s->t_offset = now_display - hs_sim_time(sim);
  s->failed = 0;
  for (int i = 0; i < SIG_N; i++) s->node[i] = hs_plan_node_find(pl, SIG_NODE[i]);
  hs_sim_set_beat_callback(sim, on_beat, s);
  st = hs_sim_set_sampler(sim, SAMPLE_DT, on_sample, s, err);
  s->wall_last = hs_serve_now();
  return st;
}

static void advance(hs_session *s) {
  double now = hs_serve_now(), wall = now - s->wall_last;
  s->wall_last = now;
  if (s->paused || s->failed || !s->sim) return;
  if (wall > MAX_CATCHUP_S) wall = MAX_CATCHUP_S;
  if (wall <= 0) return;
  hs_err err = {HS_OK, ""};
  if (hs_sim_run(s->sim, wall * s->speed, &err)) {
    s->failed = 1;
    snprintf(s->fail_msg, sizeof s->fail_msg, "%s", err.msg);
  }
}

/* ---- the session table -------------------------------------------------------------- */

static void job_reset(hs_session *s);
static void remove_dir(const char *dir);

static void session_free(hs_session *s) {
  if (!s) return;
  job_reset(s); /* waits for a running job */
  if (s->job_dir[0]) remove_dir(s->job_dir);
  hs_sim_free(s->sim);
  hs_plan_free(s->plan);
  if (s->current != s->patient) hs_model_free(s->current);
  hs_model_free(s->patient);
  free(s->ring);
  free(s->ring_t);
  free(s->trend);
  free(s->all);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

void hs_session_reap(hs_server *srv, int all) {
  double now = hs_serve_now();
  hs_session *gone[64];
  size_t ngone = 0;
  do {
    ngone = 0;
    pthread_mutex_lock(&srv->mu);
    for (size_t i = 0; i < srv->nsessions && ngone < 64;) {
      hs_session *s = srv->sessions[i];
      /* a session whose lock is held is busy (a request or a job finishing), not idle */
      int busy = 1;
      if (all) pthread_mutex_lock(&s->mu);
      if (all || pthread_mutex_trylock(&s->mu) == 0) {
        busy = s->job_state == JOB_RUNNING;
        pthread_mutex_unlock(&s->mu);
      }
      int idle = now - s->last_access > srv->opt.idle_timeout_s && !busy;
      if (all || (s->refs == 0 && (s->dead || idle))) {
        gone[ngone++] = s;
        srv->sessions[i] = srv->sessions[--srv->nsessions];
      } else {
        i++;
      }
    }
    pthread_mutex_unlock(&srv->mu);
    for (size_t i = 0; i < ngone; i++) session_free(gone[i]);
  } while (all && ngone);
}

/* Find a live session and hold it; NULL with a reply when absent or rate-limited. */
static hs_session *session_get(hs_server *srv, const char *id, hs_reply *why) {
  pthread_mutex_lock(&srv->mu);
  hs_session *s = NULL;
  for (size_t i = 0; i < srv->nsessions; i++)
    if (!srv->sessions[i]->dead && !strcmp(srv->sessions[i]->id, id)) s = srv->sessions[i];
  if (!s) {
    pthread_mutex_unlock(&srv->mu);
    *why = hs_reply_error(404, "no such session '%.40s' (it may have been idle for more than "
                               "%.0f s and freed: start a new one)", id, srv->opt.idle_timeout_s);
    return NULL;
  }
  double now = hs_serve_now();
  if (now - s->rate_t0 >= 1.0) {
    s->rate_t0 = now;
    s->rate_n = 0;
  }
  if (++s->rate_n > srv->opt.rate_limit) {
    pthread_mutex_unlock(&srv->mu);
    *why = hs_reply_error(429, "more than %d requests per second on this session", srv->opt.rate_limit);
    return NULL;
  }
  s->refs++;
  s->last_access = now;
  pthread_mutex_unlock(&srv->mu);
  return s;
}

static void session_put(hs_server *srv, hs_session *s) {
  pthread_mutex_lock(&srv->mu);
  s->refs--;
  pthread_mutex_unlock(&srv->mu);
}

/* ---- patients ------------------------------------------------------------------------- */

static json_t *list_dir(const char *dir) {
  json_t *a = json_array();
  DIR *d = opendir(dir);
  if (!d) return a;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *dot = strrchr(e->d_name, '.');
    if (e->d_name[0] != '.' && dot &&
        (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json")))
      json_array_append_new(a, json_string(e->d_name));
  }
  closedir(d);
  /* sorted, so the list is stable */
  size_t n = json_array_size(a);
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(json_string_value(json_array_get(a, j - 1)),
                                       json_string_value(json_array_get(a, j))) > 0; j--) {
      json_t *x = json_incref(json_array_get(a, j));
      json_array_set(a, j, json_array_get(a, j - 1));
      json_array_set_new(a, j - 1, x);
    }
  return a;
}

hs_reply hs_serve_patients(hs_server *srv) {
  json_t *j = json_object(), *roots = json_array();
  json_object_set_new(j, "bundled", srv->opt.patients_dir ? list_dir(srv->opt.patients_dir) : json_array());
  for (size_t i = 0; i < srv->opt.nroots; i++) {
    json_t *r = json_object();
    json_object_set_new(r, "root", json_integer((json_int_t)i));
    json_object_set_new(r, "dir", json_string(srv->opt.roots[i]));
    json_object_set_new(r, "files", list_dir(srv->opt.roots[i]));
    json_array_append_new(roots, r);
  }
  json_object_set_new(j, "roots", roots);
  return hs_reply_json(200, j);
}

/* The file a request names: {"patient": bundled name} or {"root": i, "file": name}. */
static int patient_path(hs_server *srv, json_t *body, char *path, size_t n, hs_err *err) {
  json_t *pb = body ? json_object_get(body, "patient") : NULL;
  json_t *rt = body ? json_object_get(body, "root") : NULL;
  json_t *fl = body ? json_object_get(body, "file") : NULL;
  if (pb) {
    if (!json_is_string(pb)) return hs_err_set(err, HS_ERR_INVALID, "'patient' must be a file name"), -1;
    if (!srv->opt.patients_dir)
      return hs_err_set(err, HS_ERR_IO, "no bundled patients directory on this server"), -1;
    return hs_serve_safe_path(srv->opt.patients_dir, json_string_value(pb), 1, path, n, err);
  }
  if (rt || fl) {
    if (!json_is_integer(rt) || json_integer_value(rt) < 0 ||
        json_integer_value(rt) >= (json_int_t)srv->opt.nroots) {
      hs_err_set(err, HS_ERR_INVALID, "'root' must be the index of a --root directory (0-%d)",
                 (int)srv->opt.nroots - 1);
      return -1;
    }
    if (!json_is_string(fl)) return hs_err_set(err, HS_ERR_INVALID, "'file' must be a file name"), -1;
    return hs_serve_safe_path(srv->opt.roots[json_integer_value(rt)], json_string_value(fl), 1,
                              path, n, err);
  }
  path[0] = '\0';
  return 0;
}

static hs_status load_patient(hs_server *srv, json_t *body, hs_model **m, char *path, size_t n,
                              hs_err *err) {
  if (patient_path(srv, body, path, n, err)) return err->code;
  if (path[0]) return hs_patient_load_file(path, m, err);
  if (srv->opt.patients_dir) snprintf(path, n, "%s/healthy_adult.yaml", srv->opt.patients_dir);
  return hs_patient_load_default(m, err);
}

static int bad_status(hs_status st) { return st == HS_ERR_NOMEM ? 500 : 400; }

hs_reply hs_session_create(hs_server *srv, json_t *body) {
  hs_err err = {HS_OK, ""};
  pthread_mutex_lock(&srv->mu);
  size_t live = srv->nsessions;
  pthread_mutex_unlock(&srv->mu);
  if (live >= (size_t)srv->opt.max_sessions)
    return hs_reply_error(503, "%zu sessions are live (the limit is %d): close a tab or wait "
                               "until an idle one is freed", live, srv->opt.max_sessions);
  hs_session *s = calloc(1, sizeof *s);
  if (!s) return hs_reply_error(500, "out of memory");
  pthread_mutex_init(&s->mu, NULL);
  s->speed = 1;
  s->ring = calloc(RING, sizeof *s->ring);
  s->ring_t = calloc(RING, sizeof *s->ring_t);
  s->trend = calloc(TREND, sizeof *s->trend);
  if (!s->ring || !s->ring_t || !s->trend) {
    session_free(s);
    return hs_reply_error(500, "out of memory");
  }
  hs_model *m = NULL, *cur = NULL;
  if (load_patient(srv, body, &m, s->patient_file, sizeof s->patient_file, &err) ||
      !(cur = hs_model_clone(m, &err))) {
    hs_model_free(m);
    session_free(s);
    return hs_reply_error(bad_status(err.code), "%s", err.msg);
  }
  s->patient = m;
  if (restart(s, cur, &err)) {
    session_free(s);
    return hs_reply_error(bad_status(err.code), "%s", err.msg);
  }
  add_mark(s, "start: %s", hs_model_name(m));
  pthread_mutex_lock(&srv->mu);
  if (srv->nsessions >= (size_t)srv->opt.max_sessions) {
    pthread_mutex_unlock(&srv->mu);
    session_free(s);
    return hs_reply_error(503, "the session limit (%d) was reached", srv->opt.max_sessions);
  }
  hs_session **grown = realloc(srv->sessions, (srv->nsessions + 1) * sizeof *grown);
  if (!grown) {
    pthread_mutex_unlock(&srv->mu);
    session_free(s);
    return hs_reply_error(500, "out of memory");
  }
  srv->sessions = grown;
  srv->id_state = srv->id_state * 6364136223846793005ull + 1442695040888963407ull;
  unsigned long long a = srv->id_state;
  srv->id_state = srv->id_state * 6364136223846793005ull + 1442695040888963407ull;
  snprintf(s->id, sizeof s->id, "%016llx%016llx", a, srv->id_state ^ (unsigned long long)(uintptr_t)s);
  s->last_access = hs_serve_now();
  srv->sessions[srv->nsessions++] = s;
  pthread_mutex_unlock(&srv->mu);
  json_t *j = json_object();
  json_object_set_new(j, "id", json_string(s->id));
  json_object_set_new(j, "patient", json_string(hs_model_name(s->patient)));
  return hs_reply_json(201, j);
}

/* ---- session endpoints ------------------------------------------------------------------ */

static json_t *num(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static hs_reply get_info(hs_session *s) {
  json_t *j = json_object(), *sig = json_array(), *met = json_array(), *dev = json_array();
  json_object_set_new(j, "id", json_string(s->id));
  json_object_set_new(j, "patient", json_string(hs_model_name(s->patient)));
  json_object_set_new(j, "description", json_string(hs_model_description(s->patient)));
  const char *slash = strrchr(s->patient_file, '/');
  json_object_set_new(j, "patient_file", json_string(slash ? slash + 1 : s->patient_file));
  json_object_set_new(j, "t", json_real(hs_sim_time(s->sim) + s->t_offset));
  json_object_set_new(j, "speed", json_real(s->speed));
  json_object_set_new(j, "paused", json_boolean(s->paused));
  json_object_set_new(j, "sample_dt", json_real(SAMPLE_DT));
  for (int i = 0; i < SIG_N; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(SIG_NAME[i]));
    json_object_set_new(o, "node", json_string(SIG_NODE[i]));
    json_object_set_new(o, "unit", json_string(i >= SIG_VLV ? "mL" : "mmHg"));
    json_object_set_new(o, "present", json_boolean(s->node[i] >= 0));
    json_array_append_new(sig, o);
  }
  json_object_set_new(j, "signals", sig);
  json_t *tr = json_array();
  json_array_append_new(tr, json_string("t"));
  for (int i = 0; i < TREND_N; i++) json_array_append_new(tr, json_string(hs_metric_name(TREND_M[i])));
  json_object_set_new(j, "trend_columns", tr);
  for (size_t k = 0; k < s->nall; k++) {
    char buf[128];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(hs_sim_metric_name(s->sim, k, buf, sizeof buf)));
    json_object_set_new(o, "unit", json_string(hs_sim_metric_unit(s->sim, k)));
    json_array_append_new(met, o);
  }
  json_object_set_new(j, "metrics", met);
  for (size_t i = 0; i < hs_model_block_count(s->current); i++) {
    const hs_block_type *bt = hs_model_block_type(s->current, i);
    if (bt->cls != HS_BLOCK_DEVICE) continue;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(hs_model_block_name(s->current, i)));
    json_object_set_new(o, "type", json_string(bt->name));
    json_array_append_new(dev, o);
  }
  json_object_set_new(j, "devices", dev);
  if (s->failed) json_object_set_new(j, "error", json_string(s->fail_msg));
  return hs_reply_json(200, j);
}

static long cursor(const char *q, long dflt) {
  if (!q) return dflt;
  char *end;
  long v = strtol(q, &end, 10);
  return (*end || end == q) ? -2 : v;
}

static hs_reply get_frames(hs_session *s, const hs_request *rq) {
  long after = cursor(rq->q_after, -1), beats = cursor(rq->q_beats, -1), marks = cursor(rq->q_marks, -1);
  if (after < -1 || beats < -1 || marks < -1)
    return hs_reply_error(400, "after, beats and marks must be integers >= -1");
  advance(s);
  long first = after + 1, oldest = s->seq - RING + 1;
  if (after < 0) first = s->seq - 300; /* a new page: the last 3 s */
  if (first < oldest) first = oldest;
  if (first < 0) first = 0;
  json_t *j = json_object(), *data = json_object(), *tj = json_array();
  json_object_set_new(j, "t", json_real(hs_sim_time(s->sim) + s->t_offset));
  json_object_set_new(j, "seq", json_integer(s->seq - 1));
  json_object_set_new(j, "first", json_integer(first));
  json_object_set_new(j, "speed", json_real(s->speed));
  json_object_set_new(j, "paused", json_boolean(s->paused));
  for (long q = first; q < s->seq; q++) json_array_append_new(tj, json_real(round(s->ring_t[q % RING] * 1000) / 1000));
  json_object_set_new(j, "t_samples", tj);
  for (int i = 0; i < SIG_N; i++) {
    json_t *a = json_array();
    if (s->node[i] >= 0)
      for (long q = first; q < s->seq; q++) json_array_append_new(a, num(round(s->ring[q % RING][i] * 10) / 10));
    json_object_set_new(data, SIG_NAME[i], a);
  }
  json_object_set_new(j, "samples", data);
  json_object_set_new(j, "beats", json_integer(s->nbeats));
  long b0 = beats + 1;
  if (beats < 0 || b0 < s->nbeats - TREND) b0 = s->nbeats - 600 > 0 ? s->nbeats - 600 : 0;
  json_t *tr = json_array();
  for (long b = b0; b < s->nbeats; b++) {
    json_t *row = json_array();
    for (int i = 0; i <= TREND_N; i++) json_array_append_new(row, num(s->trend[b % TREND][i]));
    json_array_append_new(tr, row);
  }
  json_object_set_new(j, "trend", tr);
  long done = hs_sim_beats(s->sim); /* including the beats run to steady state */
  if ((beats < 0 || beats != s->nbeats - 1) && done > 0) {
    int w = done < 3 ? (int)done : 3;
    if (hs_sim_summary_all(s->sim, w, s->all, NULL) == HS_OK) {
      json_t *tiles = json_object();
      for (size_t k = 0; k < s->nall; k++) {
        char buf[128];
        json_object_set_new(tiles, hs_sim_metric_name(s->sim, k, buf, sizeof buf), num(s->all[k]));
      }
      /* what the microcirculation gets now: the micro model's sublingual PSVD at these
         beats with the patient's capillary dysfunction (as compare's PSVD* column) */
      hs_micro_model_input mi;
      hs_micro_model_params mp;
      hs_micro_model_output mo;
      if (hs_micro_model_input_from_summary(s->sim, s->all, &mi, NULL) == HS_OK &&
          hs_micro_model_params_from_sim(s->sim, &mp, NULL) == HS_OK &&
          hs_micro_model_eval(&mp, &mi, &mo, NULL) == HS_OK)
        json_object_set_new(tiles, "psvd_model_mm_mm2", num(mo.pvd_mm_mm2));
      json_object_set_new(j, "tiles", tiles);
    }
  }
  json_t *mk = json_array();
  long m0 = marks + 1;
  if (m0 < s->nmarks - MARKS) m0 = s->nmarks - MARKS;
  for (long k = m0 < 0 ? 0 : m0; k < s->nmarks; k++) {
    json_t *o = json_object();
    json_object_set_new(o, "t", json_real(s->marks[k % MARKS].t));
    json_object_set_new(o, "text", json_string(s->marks[k % MARKS].text));
    json_array_append_new(mk, o);
  }
  json_object_set_new(j, "marks", mk);
  json_object_set_new(j, "nmarks", json_integer(s->nmarks));
  if (s->failed) json_object_set_new(j, "error", json_string(s->fail_msg));
  return hs_reply_json(200, j);
}

static hs_reply post_control(hs_session *s, json_t *b) {
  json_t *sp = json_object_get(b, "speed"), *pa = json_object_get(b, "paused");
  json_t *st = json_object_get(b, "step");
  const char *key;
  json_t *v;
  json_object_foreach(b, key, v) if (strcmp(key, "speed") && strcmp(key, "paused") && strcmp(key, "step"))
      return hs_reply_error(400, "unknown field '%s' (known: speed, paused, step)", key);
  if (sp && (!json_is_number(sp) || !(json_number_value(sp) >= 0.1 && json_number_value(sp) <= 20)))
    return hs_reply_error(400, "speed must be a number in [0.1, 20] (x real time)");
  if (pa && !json_is_boolean(pa)) return hs_reply_error(400, "paused must be true or false");
  if (st && !(json_is_string(st) && !strcmp(json_string_value(st), "beat")))
    return hs_reply_error(400, "step must be \"beat\"");
  advance(s);
  if (sp) s->speed = json_number_value(sp);
  if (pa) s->paused = json_is_true(pa);
  if (st) {
    if (s->failed) return hs_reply_error(409, "the simulation stopped: %s", s->fail_msg);
    hs_err err = {HS_OK, ""};
    if (hs_sim_run_beats(s->sim, 1, &err)) {
      s->failed = 1;
      snprintf(s->fail_msg, sizeof s->fail_msg, "%s", err.msg);
      return hs_reply_error(409, "the simulation stopped: %s", err.msg);
    }
  }
  json_t *j = json_object();
  json_object_set_new(j, "speed", json_real(s->speed));
  json_object_set_new(j, "paused", json_boolean(s->paused));
  json_object_set_new(j, "t", json_real(hs_sim_time(s->sim) + s->t_offset));
  return hs_reply_json(200, j);
}

/* value: a string ("3.5 L/min", "true", "cp") or a number (then text "%.17g"). */
static int value_text(json_t *v, char *buf, size_t n) {
  if (json_is_string(v)) return snprintf(buf, n, "%s", json_string_value(v)) < (int)n ? 0 : -1;
  if (json_is_number(v)) return snprintf(buf, n, "%.17g", json_number_value(v)), 0;
  if (json_is_boolean(v)) return snprintf(buf, n, "%s", json_is_true(v) ? "true" : "false"), 0;
  return -1;
}

static hs_reply post_set(hs_session *s, json_t *b) {
  json_t *p = json_object_get(b, "path"), *v = json_object_get(b, "value");
  char text[256];
  if (!json_is_string(p) || !v || value_text(v, text, sizeof text))
    return hs_reply_error(400, "expected {\"path\": \"block.param\", \"value\": \"3.5 L/min\"}");
  if (s->failed) return hs_reply_error(409, "the simulation stopped: %s (load the patient again)", s->fail_msg);
  const char *path = json_string_value(p);
  hs_err err = {HS_OK, ""};
  advance(s);
  double x;
  if (hs_sim_set_text(s->sim, path, text, &err)) return hs_reply_error(bad_status(err.code), "%s", err.msg);
  hs_sim_get(s->sim, path, &x, NULL);
  hs_model_set(s->patient, path, x, NULL); /* absent there (an applied device): only live */
  if (s->current != s->patient) hs_model_set(s->current, path, x, NULL);
  add_mark(s, "%.60s = %.90s", path, text);
  json_t *j = json_object();
  json_object_set_new(j, "path", json_string(path));
  json_object_set_new(j, "value", json_real(x));
  json_object_set_new(j, "t", json_real(hs_sim_time(s->sim) + s->t_offset));
  return hs_reply_json(200, j);
}

/* Every parameter of the running model: value, unit, range in the bedside unit
   (hs_param_display_unit: flows in L/min). */
static hs_reply get_params(hs_session *s) {
  json_t *a = json_array();
  for (size_t i = 0; i < hs_model_block_count(s->current); i++) {
    const hs_block_type *bt = hs_model_block_type(s->current, i);
    const char *block = hs_model_block_name(s->current, i);
    for (int k = 0; k < bt->nparams; k++) {
      const hs_param_spec *sp = &bt->params[k];
      char path[160];
      snprintf(path, sizeof path, "%s.%s", block, sp->name);
      double v;
      if (hs_sim_get(s->sim, path, &v, NULL) && hs_model_get(s->current, path, &v, NULL)) continue;
      double f = 1; /* the bedside unit, as params and describe show it */
      const char *unit = hs_param_display_unit(sp, &f);
      json_t *o = json_object();
      json_object_set_new(o, "path", json_string(path));
      json_object_set_new(o, "block", json_string(block));
      json_object_set_new(o, "class", json_string(bt->cls == HS_BLOCK_NODE     ? "node"
                                                  : bt->cls == HS_BLOCK_EDGE   ? "edge"
                                                  : bt->cls == HS_BLOCK_DEVICE ? "device"
                                                                               : "global"));
      json_object_set_new(o, "value", num(v / f));
      json_object_set_new(o, "unit", json_string(unit));
      json_object_set_new(o, "min", num(sp->min / f));
      json_object_set_new(o, "max", num(sp->max / f));
      if (sp->flags & HS_PARAM_BOOL) json_object_set_new(o, "bool", json_true());
      if (sp->flags & HS_PARAM_INTEGER) json_object_set_new(o, "integer", json_true());
      if ((sp->flags & HS_PARAM_CHOICE) && sp->choices) {
        json_t *c = json_array();
        for (int q = 0; sp->choices[q]; q++) json_array_append_new(c, json_string(sp->choices[q]));
        json_object_set_new(o, "choices", c);
      }
      json_object_set_new(o, "doc", json_string(sp->doc ? sp->doc : ""));
      json_array_append_new(a, o);
    }
  }
  json_t *j = json_object();
  json_object_set_new(j, "params", a);
  return hs_reply_json(200, j);
}

static hs_reply post_patient(hs_server *srv, hs_session *s, json_t *b) {
  hs_err err = {HS_OK, ""};
  char path[4096];
  hs_model *m = NULL, *cur = NULL;
  if (load_patient(srv, b, &m, path, sizeof path, &err) || !(cur = hs_model_clone(m, &err))) {
    hs_model_free(m);
    return hs_reply_error(bad_status(err.code), "%s", err.msg);
  }
  hs_model *old = s->patient;
  if (restart(s, cur, &err)) {
    hs_model_free(m);
    return hs_reply_error(bad_status(err.code), "%s", err.msg);
  }
  hs_model_free(old);
  s->patient = m;
  snprintf(s->patient_file, sizeof s->patient_file, "%s", path);
  add_mark(s, "patient: %s", hs_model_name(m));
  return get_info(s);
}

/* Edit the patient: every change checked like the file loader, all or none, then the
   simulation restarts from the edited patient. */
static hs_reply post_patient_set(hs_session *s, json_t *b) {
  json_t *ch = json_object_get(b, "changes");
  if (!json_is_array(ch) || !json_array_size(ch) || json_array_size(ch) > 500)
    return hs_reply_error(400, "expected {\"changes\": [{\"path\": \"lv.ees\", \"value\": \"1.2 mmHg/mL\"}, ...]} (1-500 changes)");
  hs_err err = {HS_OK, ""};
  hs_model *m = hs_model_clone(s->patient, &err);
  if (!m) return hs_reply_error(500, "%s", err.msg);
  size_t i;
  json_t *c;
  json_array_foreach(ch, i, c) {
    json_t *p = json_object_get(c, "path"), *v = json_object_get(c, "value");
    char text[256];
    if (!json_is_string(p) || !v || value_text(v, text, sizeof text)) {
      hs_model_free(m);
      return hs_reply_error(400, "change %zu: expected {\"path\": ..., \"value\": ...}", i + 1);
    }
    if (hs_model_set_text(m, json_string_value(p), text, &err)) {
      hs_model_free(m);
      return hs_reply_error(400, "%s: %s", json_string_value(p), err.msg);
    }
  }
  hs_model *cur = hs_model_clone(m, &err);
  if (!cur || restart(s, cur, &err)) {
    hs_model_free(m);
    return hs_reply_error(bad_status(err.code), "%s", err.msg);
  }
  hs_model_free(s->patient);
  s->patient = m;
  add_mark(s, "patient edited (%zu change%s)", json_array_size(ch), json_array_size(ch) > 1 ? "s" : "");
  return get_info(s);
}

/* ---- saving: a patient file that names the loaded file as its base ------------------------ */

/* One parameter value as the patient format writes it: true/false, a choice's name, a
   number with its unit, or a bare number (dimensionless). */
static void put_value(hs_yaml_out *x, const hs_param_spec *sp, double v) {
  char buf[96];
  if (sp->flags & HS_PARAM_BOOL) hs_yaml_scalar(x, v != 0 ? "true" : "false", 0);
  else if ((sp->flags & HS_PARAM_CHOICE) && sp->choices) hs_yaml_scalar(x, sp->choices[(int)v], 0);
  else if (*hs_dim_unit(sp->dim)) {
    snprintf(buf, sizeof buf, "%.10g %s", v, hs_dim_unit(sp->dim));
    hs_yaml_scalar(x, buf, 1);
  } else {
    snprintf(buf, sizeof buf, "%.10g", v);
    hs_yaml_scalar(x, buf, 0);
  }
}

static int block_in(const hs_model *m, const char *name) {
  for (size_t i = 0; i < hs_model_block_count(m); i++)
    if (!strcmp(hs_model_block_name(m, i), name)) return (int)i;
  return -1;
}

/* The derived patient file: every user string (the base path, the patient name) through
   the library's YAML writer (io/yaml_out.h: libyaml's emitter), never by hand. */
static hs_status write_derived(FILE *f, const hs_model *m, const hs_model *base, const char *base_path,
                               hs_err *err) {
  static const hs_block_class order[] = {HS_BLOCK_GLOBAL, HS_BLOCK_NODE, HS_BLOCK_EDGE, HS_BLOCK_DEVICE};
  static const char *const section[] = {NULL, "nodes", "edges", "devices"};
  for (int o = 0; o < 4; o++) /* refuse before writing anything */
    for (size_t i = 0; i < hs_model_block_count(m); i++) {
      const hs_block_type *bt = hs_model_block_type(m, i);
      const char *name = hs_model_block_name(m, i);
      if (bt->cls == order[o] && bt->cls != HS_BLOCK_DEVICE && bt->cls != HS_BLOCK_GLOBAL &&
          block_in(base, name) < 0)
        return hs_err_set(err, HS_ERR_MODEL, "cannot save: %s '%s' is not in the base file",
                          section[o] + 0, name);
    }
  hs_yaml_comment(f, "written by hemosim serve: the patient below, as changes to its base file");
  hs_yaml_out x;
  hs_yaml_begin(&x, f);
  hs_yaml_map_start(&x, 0);
  hs_yaml_pair(&x, "hemosim_patient", "1", 0);
  hs_yaml_pair(&x, "base", base_path, 1);
  hs_yaml_pair(&x, "name", hs_model_name(m), 1);
  for (int o = 0; o < 4; o++) {
    int opened = 0;
    for (size_t i = 0; i < hs_model_block_count(m); i++) {
      const hs_block_type *bt = hs_model_block_type(m, i);
      if (bt->cls != order[o]) continue;
      const char *name = hs_model_block_name(m, i);
      int bi = block_in(base, name);
      int wrote = 0;
      for (int k = 0; k < bt->nparams; k++) {
        char path[160];
        double v, v0;
        snprintf(path, sizeof path, "%s.%s", name, bt->params[k].name);
        if (hs_model_get(m, path, &v, NULL)) continue;
        if (bi >= 0 && !hs_model_get(base, path, &v0, NULL) && v0 == v) continue;
        if (!wrote) {
          if (section[o] && !opened) {
            hs_yaml_scalar(&x, section[o], 0);
            hs_yaml_map_start(&x, 0);
            opened = 1;
          }
          hs_yaml_scalar(&x, name, 0);
          hs_yaml_map_start(&x, 0);
          if (bi < 0 && bt->cls == HS_BLOCK_DEVICE) {
            hs_yaml_pair(&x, "type", bt->name, 0);
            hs_yaml_scalar(&x, "ports", 0);
            hs_yaml_map_start(&x, 1);
            for (int p = 0; p < bt->device->nports; p++) {
              const char *node = hs_model_device_port(m, name, (size_t)p);
              if (node) hs_yaml_pair(&x, bt->device->ports[p], node, 0);
            }
            hs_yaml_map_end(&x);
          }
          wrote = 1;
        }
        hs_yaml_scalar(&x, bt->params[k].name, 0);
        put_value(&x, &bt->params[k], v);
      }
      if (wrote) hs_yaml_map_end(&x);
    }
    if (opened) hs_yaml_map_end(&x);
  }
  hs_yaml_map_end(&x);
  return hs_yaml_end(&x, "the saved patient", err);
}

static hs_reply post_patient_save(hs_server *srv, hs_session *s, json_t *b) {
  json_t *rt = json_object_get(b, "root"), *fl = json_object_get(b, "file");
  hs_err err = {HS_OK, ""};
  char path[4096];
  if (!srv->opt.nroots)
    return hs_reply_error(403, "saving needs a directory: start the server with --root DIR");
  if (!json_is_integer(rt) || json_integer_value(rt) < 0 ||
      json_integer_value(rt) >= (json_int_t)srv->opt.nroots || !json_is_string(fl))
    return hs_reply_error(400, "expected {\"root\": 0..%d, \"file\": \"name.yaml\"}", (int)srv->opt.nroots - 1);
  if (hs_serve_safe_path(srv->opt.roots[json_integer_value(rt)], json_string_value(fl), 0, path,
                         sizeof path, &err))
    return hs_reply_error(400, "%s", err.msg);
  if (!s->patient_file[0])
    return hs_reply_error(409, "the built-in default patient has no file to refer to: load a bundled patient first");
  hs_model *base = NULL;
  if (hs_patient_load_file(s->patient_file, &base, &err))
    return hs_reply_error(409, "the base file changed on disk: %s", err.msg);
  hs_afile *af = hs_afile_open(path, &err);
  hs_status st = af ? write_derived(hs_afile_stream(af), s->patient, base, s->patient_file, &err)
                    : err.code;
  hs_model_free(base);
  if (af && st) hs_afile_abort(af);
  else if (af) st = hs_afile_commit(af, &err);
  if (st) return hs_reply_error(bad_status(st) == 500 ? 500 : 409, "%s", err.msg);
  hs_model *check = NULL; /* what was written must load back */
  if (hs_patient_load_file(path, &check, &err)) {
    unlink(path);
    return hs_reply_error(500, "the saved file does not load back (not kept): %s", err.msg);
  }
  hs_model_free(check);
  json_t *j = json_object();
  json_object_set_new(j, "saved", json_string(path));
  return hs_reply_json(200, j);
}

/* ---- jobs: compare / optimize in a worker thread ----------------------------------------- */

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  if (b) b[n] = '\0';
  fclose(f);
  return b;
}

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char p[4200];
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
      }
    closedir(d);
  }
  rmdir(dir);
}

static void job_progress(int done, int total, void *ud) {
  hs_session *s = ud;
  pthread_mutex_lock(&s->mu);
  s->job_done = done;
  s->job_total = total;
  pthread_mutex_unlock(&s->mu);
}

static void cal_progress(const char *phase, int done, int total, double best, void *ud) {
  job_progress(done, total, ud);
}

static void *job_main(void *arg) {
  hs_session *s = arg;
  hs_err err = {HS_OK, ""};
  char *json = NULL, *report = NULL;
  const char *name = s->job_model ? hs_model_name(s->job_model) : "";
  char job_file[sizeof s->patient_file]; /* the session's patient file, for the JSON */
  pthread_mutex_lock(&s->mu);
  snprintf(job_file, sizeof job_file, "%s", s->patient_file);
  pthread_mutex_unlock(&s->mu);
  char dir[] = "/tmp/hemosim-serve-XXXXXX";
  int have_dir = mkdtemp(dir) != NULL;
  hs_status st = have_dir ? HS_OK : hs_err_set(&err, HS_ERR_IO, "cannot create a temporary directory");
  hs_model *calibrated = NULL;
  if (!st && !strcmp(s->job_kind, "calibrate")) {
    hs_cal_result *r = NULL;
    st = hs_calibrate(s->job_cal, &s->job_cal_opt, &r, &err);
    if (!st && !(json = hs_cal_result_json(s->job_cal, r, &s->job_cal_opt, NULL, &err))) st = err.code;
    if (!st) st = hs_report_calibrate(dir, s->job_cal, r, &err);
    if (!st && !(calibrated = hs_model_clone(r->model, &err))) st = err.code;
    hs_cal_result_free(r);
  } else if (!st && !strcmp(s->job_kind, "compare")) {
    hs_compare_result *r = NULL;
    hs_progress pr = {job_progress, s};
    st = hs_compare_run_progress(s->job_model, &s->job_targets, &s->job_ctx,
                                 (const char *const *)s->job_strategies,
                                 s->job_nflows ? s->job_flows : NULL, s->job_nflows,
                                 s->job_threads, &pr, &r, &err);
    /* the answer at other gains of the perfusion-contraction matching, as the CLI gives */
    if (!st && hs_compare_gain_check_needed(r))
      set_job_phase(s, "gain check: the answer at other gains of perfusion-contraction matching");
    if (!st) st = hs_compare_gain_check(s->job_model, r, s->job_threads, &err);
    /* ... and at other critical coronary venous PO2s (the heart target's limit) */
    if (!st && hs_compare_threshold_check_needed(r))
      set_job_phase(s, "threshold check: the answer at other critical coronary venous PO2s");
    if (!st) st = hs_compare_threshold_check(s->job_model, r, s->job_threads, &err);
    pthread_mutex_lock(&s->mu);
    if (s->job_phase[0]) snprintf(s->job_phase, sizeof s->job_phase, "writing the report");
    pthread_mutex_unlock(&s->mu);
    hs_provenance prov = {name, job_file[0] ? job_file : NULL, NULL, 0};
    if (!st && !(json = hs_compare_json(r, &prov, NULL, &err))) st = err.code;
    if (!st) st = hs_report_compare(dir, name, r, &s->job_targets, &err);
    hs_compare_free(r);
  } else if (!st) {
    hs_optimize_result *r = NULL;
    hs_progress pr = {job_progress, s};
    st = hs_optimize_run_progress(s->job_model, s->job_opt, &s->job_targets, s->job_threads, &pr,
                                  &r, &err);
    hs_provenance prov = {name, job_file[0] ? job_file : NULL, NULL, 0};
    if (!st && !(json = hs_optimize_json(r, &prov, NULL, &err))) st = err.code;
    if (!st) st = hs_report_optimize(dir, name, r, &s->job_targets, &err);
    hs_optimize_free(r);
  }
  if (!st) {
    char p[sizeof dir + 16];
    snprintf(p, sizeof p, "%s/index.html", dir);
    if (!(report = read_all(p))) st = hs_err_set(&err, HS_ERR_IO, "the report could not be read back");
  }
  if (have_dir) remove_dir(dir);
  pthread_mutex_lock(&s->mu);
  if (s->job_dir[0]) remove_dir(s->job_dir);
  s->job_dir[0] = '\0';
  s->job_calibrated = st ? NULL : calibrated;
  if (st) hs_model_free(calibrated);
  s->job_json = json;
  s->job_report = report;
  s->job_wall = hs_serve_now() - s->job_t0;
  if (st) snprintf(s->job_err, sizeof s->job_err, "%s", err.msg);
  s->job_state = st ? JOB_FAILED : JOB_DONE;
  pthread_mutex_unlock(&s->mu);
  if (st) free(json);
  return NULL;
}

/* Forget the previous job (its thread has finished: the caller checked). */
static void job_reset(hs_session *s) {
  if (s->job_started) pthread_join(s->job_thread, NULL);
  s->job_started = 0;
  hs_model_free(s->job_model);
  hs_strategy_list_free(s->job_strategies);
  free(s->job_json);
  free(s->job_report);
  hs_cal_input_free(s->job_cal);
  hs_model_free(s->job_calibrated);
  s->job_model = s->job_calibrated = NULL;
  s->job_strategies = NULL;
  s->job_json = s->job_report = NULL;
  s->job_cal = NULL;
  s->job_done = s->job_total = 0;
  s->job_phase[0] = '\0';
}

static hs_reply job_start(hs_session *s) {
  s->job_err[0] = '\0';
  s->job_t0 = hs_serve_now();
  s->job_state = JOB_RUNNING;
  if (pthread_create(&s->job_thread, NULL, job_main, s)) {
    s->job_state = JOB_FAILED;
    snprintf(s->job_err, sizeof s->job_err, "cannot start a worker thread");
    return hs_reply_error(503, "cannot start a worker thread");
  }
  s->job_started = 1;
  json_t *j = json_object();
  json_object_set_new(j, "state", json_string("running"));
  json_object_set_new(j, "kind", json_string(s->job_kind));
  return hs_reply_json(202, j);
}

/* Calibrate: the page's measurements become a measurements file (JSON) next to the
   session's patient written as a patient file, both in a private temporary directory,
   read by the same loader as `hemosim calibrate` (its checks and messages). */
static hs_reply post_calibrate(hs_session *s, json_t *b) {
  if (s->job_state == JOB_RUNNING)
    return hs_reply_error(409, "a %s is already running in this session", s->job_kind);
  json_t *ms = json_object_get(b, "measurements"), *es = json_object_get(b, "estimate");
  json_t *mx = json_object_get(b, "max_evals");
  if (!json_is_object(ms) || !json_object_size(ms))
    return hs_reply_error(400, "expected {\"measurements\": {\"pcwp\": \"24 mmHg\", \"co\": {\"value\": \"3.1 L/min\", \"sd\": 0.4}, ...}, \"estimate\": [...], \"max_evals\": 60}");
  if (es && !json_is_array(es)) return hs_reply_error(400, "'estimate' must be a list of parameter names");
  if (mx && (!json_is_integer(mx) || json_integer_value(mx) < 10 || json_integer_value(mx) > 1000))
    return hs_reply_error(400, "max_evals must be an integer in [10, 1000]");
  char dir[] = "/tmp/hemosim-serve-cal-XXXXXX";
  if (!mkdtemp(dir)) return hs_reply_error(500, "cannot create a temporary directory");
  hs_err err = {HS_OK, ""};
  char ppath[96], mpath[96];
  snprintf(ppath, sizeof ppath, "%s/patient.yaml", dir);
  snprintf(mpath, sizeof mpath, "%s/measurements.json", dir);
  hs_status st = HS_OK;
  if (s->patient_file[0]) {
    hs_model *base = NULL;
    hs_afile *af = NULL;
    st = hs_patient_load_file(s->patient_file, &base, &err);
    if (!st && !(af = hs_afile_open(ppath, &err))) st = err.code;
    if (!st) st = write_derived(hs_afile_stream(af), s->patient, base, s->patient_file, &err);
    if (af && st) hs_afile_abort(af);
    else if (af) st = hs_afile_commit(af, &err);
    hs_model_free(base);
  }
  json_t *doc = json_object();
  json_object_set_new(doc, "hemosim_measurements", json_integer(1));
  if (s->patient_file[0]) json_object_set_new(doc, "patient", json_string(ppath));
  json_object_set_new(doc, "name", json_string("hemosim serve session"));
  if (es) json_object_set(doc, "estimate", es);
  json_object_set(doc, "measurements", ms);
  char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(doc);
  if (!st) st = text ? hs_write_file_atomic(mpath, text, strlen(text), &err) : hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
  free(text);
  hs_cal_input *in = NULL;
  if (!st) st = hs_cal_input_load(mpath, &in, &err);
  if (st) {
    remove_dir(dir);
    return hs_reply_error(bad_status(st), "measurements: %s", err.msg);
  }
  job_reset(s);
  s->job_cal = in;
  hs_cal_options_default(&s->job_cal_opt);
  if (mx) s->job_cal_opt.max_evals = (int)json_integer_value(mx);
  s->job_cal_opt.progress = cal_progress;
  s->job_cal_opt.progress_ud = s;
  s->job_total = s->job_cal_opt.max_evals;
  snprintf(s->job_dir, sizeof s->job_dir, "%s", dir);
  snprintf(s->job_kind, sizeof s->job_kind, "calibrate");
  return job_start(s);
}

/* Fit the patient's capillary dysfunction to a sublingual measurement (the text of a
   hemosim_micro file, YAML or JSON) at the running model's settings: the fit and the
   three changes, which /patient/set applies.  Nothing changes here. */
static hs_reply post_micro_fit(hs_session *s, json_t *b) {
  json_t *t = json_object_get(b, "measurement");
  if (!json_is_string(t) || !json_string_length(t))
    return hs_reply_error(400, "expected {\"measurement\": \"<the text of a hemosim_micro file, "
                               "YAML or JSON>\"}");
  hs_err err = {HS_OK, ""};
  hs_micro_input *in = NULL;
  hs_micro_result *r = calloc(1, sizeof *r);
  hs_micro_patient_fit *f = calloc(1, sizeof *f);
  hs_reply rep;
  if (!r || !f) {
    rep = hs_reply_error(500, "out of memory");
    goto done;
  }
  if (hs_micro_load_string("measurement", json_string_value(t), json_string_length(t), &in,
                           &err) ||
      hs_micro_analyze(in, NULL, r, &err)) {
    rep = hs_reply_error(400, "%s", err.msg);
    goto done;
  }
  if (hs_micro_fit_patient(s->current, in, r, f, &err)) {
    rep = hs_reply_error(bad_status(err.code), "%s", err.msg);
    goto done;
  }
  json_t *j = json_object(), *fit = hs_micro_fit_jobj(NULL, f), *ch = json_array();
  const double v[HS_MFIT_COUNT] = {f->fit.p.obstructed, f->fit.p.oedema,
                                   f->fit.p.vasoconstriction};
  for (int k = 0; ch && k < HS_MFIT_COUNT; k++) {
    char path[64], val[32];
    snprintf(path, sizeof path, "microcirculation.%s", hs_micro_fit_field_name(k));
    snprintf(val, sizeof val, "%.4g", v[k]);
    json_array_append_new(ch, json_pack("{s:s, s:s}", "path", path, "value", val));
  }
  json_object_set_new(j, "fit", fit ? fit : json_null());
  json_object_set_new(j, "changes", ch);
  rep = hs_reply_json(200, j);
done:
  hs_micro_input_free(in);
  free(r);
  free(f);
  return rep;
}

/* Continue the live simulation from the calibrated patient. */
static hs_reply post_calibrate_apply(hs_session *s) {
  if (s->job_state != JOB_DONE || !s->job_calibrated)
    return hs_reply_error(409, "no finished calibration in this session");
  hs_err err = {HS_OK, ""};
  hs_model *m = hs_model_clone(s->job_calibrated, &err), *cur = m ? hs_model_clone(m, &err) : NULL;
  if (!cur || restart(s, cur, &err)) {
    hs_model_free(m);
    return hs_reply_error(bad_status(err.code), "%s", err.msg);
  }
  hs_model_free(s->patient);
  s->patient = m;
  add_mark(s, "continued from the calibrated patient");
  return get_info(s);
}

static int read_targets(json_t *b, hs_targets *t, hs_context *c, hs_reply *why) {
  hs_err err = {HS_OK, ""};
  json_t *tj = json_object_get(b, "targets"), *cj = json_object_get(b, "context"), *v;
  const char *key;
  hs_targets_default(t);
  hs_context_default(c);
  if (tj && !json_is_object(tj)) return *why = hs_reply_error(400, "'targets' must be an object {\"pcwp_max\": \"18 mmHg\", ...}"), -1;
  json_object_foreach(tj, key, v) {
    char text[128];
    if (value_text(v, text, sizeof text))
      return *why = hs_reply_error(400, "target %s: the value must be a string or number", key), -1;
    if (hs_targets_set(t, key, text, &err)) return *why = hs_reply_error(400, "target %s: %s", key, err.msg), -1;
  }
  if (hs_targets_check(t, &err)) return *why = hs_reply_error(400, "targets: %s", err.msg), -1;
  if (cj && !json_is_array(cj)) return *why = hs_reply_error(400, "'context' must be a list of items such as \"lv_thrombus\" or \"ar=moderate\""), -1;
  size_t i;
  json_array_foreach(cj, i, v) {
    if (!json_is_string(v)) return *why = hs_reply_error(400, "context item %zu must be a string", i + 1), -1;
    if (hs_context_set(c, json_string_value(v), &err))
      return *why = hs_reply_error(400, "context %s: %s", json_string_value(v), err.msg), -1;
  }
  return 0;
}

static hs_reply post_job(hs_session *s, const char *kind, json_t *b, int threads) {
  if (s->job_state == JOB_RUNNING)
    return hs_reply_error(409, "a %s is already running in this session", s->job_kind);
  hs_targets t;
  hs_context c;
  hs_reply why;
  if (read_targets(b, &t, &c, &why)) return why;
  char **list = NULL;
  double flows[32];
  size_t nflows = 0;
  char opt[128] = "";
  if (!strcmp(kind, "compare")) {
    json_t *sj = json_object_get(b, "strategies"), *fj = json_object_get(b, "flows"), *v;
    size_t i;
    if (sj && (!json_is_array(sj) || json_array_size(sj) > 200))
      return hs_reply_error(400, "'strategies' must be a list of at most 200 strategy texts");
    if (fj && (!json_is_array(fj) || json_array_size(fj) > 32))
      return hs_reply_error(400, "'flows' must be a list of at most 32 ECMO flows in L/min");
    json_array_foreach(fj, i, v) {
      double f = json_number_value(v);
      if (!json_is_number(v) || !(f > 0 && f <= 8))
        return hs_reply_error(400, "flows[%zu]: an ECMO flow in (0, 8] L/min is expected", i);
      flows[nflows++] = f;
    }
    if (sj && json_array_size(sj)) {
      if (!(list = calloc(json_array_size(sj) + 1, sizeof *list))) return hs_reply_error(500, "out of memory");
      json_array_foreach(sj, i, v) {
        hs_err err = {HS_OK, ""};
        if (!json_is_string(v) || hs_strategy_check(json_string_value(v), NULL, 0, &err) ||
            !(list[i] = strdup(json_string_value(v)))) {
          hs_strategy_list_free(list);
          return hs_reply_error(400, "strategies[%zu]: %s", i,
                                json_is_string(v) ? err.msg : "a strategy text is expected");
        }
      }
    }
  } else {
    json_t *st = json_object_get(b, "strategy");
    int ok = 0;
    for (size_t i = 0; json_is_string(st) && hs_optimize_strategies[i]; i++)
      ok |= !strcmp(json_string_value(st), hs_optimize_strategies[i]);
    hs_err e2 = {HS_OK, ""};
    /* or any strategy text compare takes (its last device's setting is swept) */
    if (!ok && json_is_string(st) && hs_strategy_check(json_string_value(st), NULL, 0, &e2) == HS_OK)
      ok = 1;
    if (!ok)
      return hs_reply_error(400, "'strategy' must be one of ecmo-flow, iabp, impella, septostomy, "
                            "la-vent, lv-vent, or a strategy text such as \"ecmo+iabp:1:1+la_vent:17Fr\"%s%s",
                            *e2.msg ? ": " : "", e2.msg);
    snprintf(opt, sizeof opt, "%s", json_string_value(st));
  }
  hs_err err = {HS_OK, ""};
  hs_model *m = hs_model_clone(s->patient, &err);
  if (!m) {
    hs_strategy_list_free(list);
    return hs_reply_error(500, "%s", err.msg);
  }
  job_reset(s);
  s->job_model = m;
  s->job_strategies = list;
  s->job_targets = t;
  s->job_ctx = c;
  memcpy(s->job_flows, flows, sizeof flows);
  s->job_nflows = nflows;
  snprintf(s->job_opt, sizeof s->job_opt, "%s", opt);
  snprintf(s->job_kind, sizeof s->job_kind, "%s", kind);
  s->job_threads = threads;
  return job_start(s);
}

static hs_reply get_job(hs_session *s) {
  static const char *const STATE[] = {"none", "running", "done", "failed"};
  json_t *j = json_object();
  json_object_set_new(j, "state", json_string(STATE[s->job_state]));
  if (s->job_state != JOB_NONE) json_object_set_new(j, "kind", json_string(s->job_kind));
  if (s->job_state == JOB_RUNNING) json_object_set_new(j, "elapsed_s", json_real(hs_serve_now() - s->job_t0));
  if (s->job_state == JOB_RUNNING && s->job_total > 0) {
    json_object_set_new(j, "done", json_integer(s->job_done));
    json_object_set_new(j, "total", json_integer(s->job_total));
  }
  if (s->job_state == JOB_RUNNING && s->job_phase[0])
    json_object_set_new(j, "phase", json_string(s->job_phase));
  if (s->job_state >= JOB_DONE) json_object_set_new(j, "elapsed_s", json_real(s->job_wall));
  if (s->job_state == JOB_FAILED) json_object_set_new(j, "error", json_string(s->job_err));
  if (s->job_state == JOB_DONE && s->job_json) {
    json_t *r = json_loads(s->job_json, 0, NULL);
    if (r) json_object_set_new(j, "result", r);
  }
  return hs_reply_json(200, j);
}

static hs_reply get_report(hs_session *s) {
  if (s->job_state != JOB_DONE || !s->job_report)
    return hs_reply_error(404, "no finished compare or optimize in this session yet");
  char *t = strdup(s->job_report);
  if (!t) return hs_reply_error(500, "out of memory");
  hs_reply r = {200, NULL, t, "text/html; charset=utf-8"};
  return r;
}

static hs_reply post_apply(hs_session *s, json_t *b) {
  json_t *st = json_object_get(b, "strategy"), *fl = json_object_get(b, "ecmo_flow_lpm");
  if (!json_is_string(st)) return hs_reply_error(400, "expected {\"strategy\": \"ecmo+impella_cp:P6\", \"ecmo_flow_lpm\": 2.5}");
  if (fl && !json_is_number(fl)) return hs_reply_error(400, "ecmo_flow_lpm must be a number (L/min)");
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  char label[160] = "";
  /* the clinical context, as compare applies it (aortic regurgitation is simulated): the
     body's "context" list, else that of the session's last compare / optimize */
  hs_targets t;
  hs_context c;
  hs_reply why;
  if (json_object_get(b, "context")) {
    json_t *only = json_pack("{s:O}", "context", json_object_get(b, "context"));
    int bad = !only || read_targets(only, &t, &c, &why);
    json_decref(only);
    if (bad) return only ? why : hs_reply_error(500, "out of memory");
  } else if (s->job_state != JOB_NONE) {
    c = s->job_ctx;
  } else {
    hs_context_default(&c);
  }
  if (hs_strategy_check(json_string_value(st), label, sizeof label, &err) ||
      hs_strategy_model_ctx(s->patient, json_string_value(st), fl ? json_number_value(fl) : 0, &c,
                            &m, &err))
    return hs_reply_error(400, "%s", err.msg);
  hs_model_set(m, "solver.max_beats", 600, NULL); /* as compare's rows */
  if (restart(s, m, &err)) return hs_reply_error(bad_status(err.code), "%s", err.msg);
  char flow[32] = "";
  if (fl) snprintf(flow, sizeof flow, ", ECMO %.2f L/min", json_number_value(fl));
  add_mark(s, "applied: %.120s%s", label, flow);
  return get_info(s);
}

hs_reply hs_session_handle(hs_server *srv, const char *id, const hs_request *rq) {
  hs_reply r;
  hs_session *s = session_get(srv, id, &r);
  if (!s) return r;
  const char *sub = rq->sub, *m = rq->method;
  int get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST"), del = !strcmp(m, "DELETE");
  pthread_mutex_lock(&s->mu);
  if (!strcmp(sub, "") && del) {
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&srv->mu);
    s->dead = 1;
    s->refs--;
    pthread_mutex_unlock(&srv->mu);
    hs_session_reap(srv, 0);
    json_t *j = json_object();
    json_object_set_new(j, "deleted", json_string(id));
    return hs_reply_json(200, j);
  }
  if (!strcmp(sub, "") && get) r = get_info(s);
  else if (!strcmp(sub, "/frames") && get) r = get_frames(s, rq);
  else if (!strcmp(sub, "/control") && post) r = post_control(s, rq->body);
  else if (!strcmp(sub, "/set") && post) r = post_set(s, rq->body);
  else if (!strcmp(sub, "/params") && get) r = get_params(s);
  else if (!strcmp(sub, "/patient") && post) r = post_patient(srv, s, rq->body);
  else if (!strcmp(sub, "/patient/set") && post) r = post_patient_set(s, rq->body);
  else if (!strcmp(sub, "/patient/save") && post) r = post_patient_save(srv, s, rq->body);
  else if (!strcmp(sub, "/compare") && post) r = post_job(s, "compare", rq->body, srv->opt.job_threads);
  else if (!strcmp(sub, "/optimize") && post) r = post_job(s, "optimize", rq->body, srv->opt.job_threads);
  else if (!strcmp(sub, "/calibrate") && post) r = post_calibrate(s, rq->body);
  else if (!strcmp(sub, "/calibrate/apply") && post) r = post_calibrate_apply(s);
  else if (!strcmp(sub, "/micro/fit") && post) r = post_micro_fit(s, rq->body);
  else if (!strcmp(sub, "/job") && get) r = get_job(s);
  else if (!strcmp(sub, "/job/report") && get) r = get_report(s);
  else if (!strcmp(sub, "/apply") && post) r = post_apply(s, rq->body);
  else if (!strcmp(sub, "") || !strcmp(sub, "/frames") || !strcmp(sub, "/control") ||
           !strcmp(sub, "/set") || !strcmp(sub, "/params") || !strcmp(sub, "/patient") ||
           !strcmp(sub, "/patient/set") || !strcmp(sub, "/patient/save") || !strcmp(sub, "/compare") ||
           !strcmp(sub, "/optimize") || !strcmp(sub, "/job") || !strcmp(sub, "/job/report") ||
           !strcmp(sub, "/calibrate") || !strcmp(sub, "/calibrate/apply") ||
           !strcmp(sub, "/micro/fit") || !strcmp(sub, "/apply"))
    r = hs_reply_error(405, "%s is not allowed on /api/sessions/<id>%s", m, sub);
  else
    r = hs_reply_error(404, "no such endpoint: /api/sessions/<id>%s (docs/serve.md lists them)", sub);
  pthread_mutex_unlock(&s->mu);
  session_put(srv, s);
  return r;
}
