/*
 * analysis/compare.c - unloading strategies side by side (hemosim/compare.h).
 *
 * Each strategy is a small edit of a copy of the patient's model (a device added, a
 * setting changed); the copies are compiled and simulated independently, in
 * parallel if asked (results do not depend on the number of threads).  Targets and
 * the invasiveness order follow MISSION.md s3: drugs and ECMO flow < IABP < Impella
 * < septostomy and percutaneous vents < surgical vent.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hemosim/compare.h"
#include "hemosim/device.h"
#include "hemosim/sim.h"
#include "io/doc.h"

#define LPM (1000.0 / 60.0)

static const char *const VALUE_NAMES[HS_CMP_NVAL] = {
    "pcwp_mmhg", "map_mmhg", "av_open_fraction", "pulse_pressure_mmhg", "sao2_upper_pct",
    "lvedv_ml", "lvedp_mmhg", "co_lpm", "lv_output_lpm", "lv_pva_mmhg_ml", "ecmo_flow_lpm",
    "device_flow_lpm"};

const char *hs_compare_value_name(int k) {
  return k >= 0 && k < HS_CMP_NVAL ? VALUE_NAMES[k] : "?";
}

void hs_targets_default(hs_targets *t) {
  t->pcwp_max_mmhg = 18;
  t->map_min_mmhg = 65;
  t->av_open_min = 1.0;
  t->pulse_pressure_min = 10;
  t->sao2_upper_min = 92;
}

hs_status hs_targets_load(const char *path, hs_targets *t, hs_err *err) {
  hs_doc *d = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  if (st) return st;
  hs_targets_default(t);
  const hs_doc_node *root = hs_doc_root(d);
  static const struct {
    const char *key;
    size_t off;
    hs_dim dim;
    double lo, hi;
  } F[] = {{"pcwp_max", offsetof(hs_targets, pcwp_max_mmhg), HS_DIM_PRESSURE, 0, 60},
           {"map_min", offsetof(hs_targets, map_min_mmhg), HS_DIM_PRESSURE, 20, 150},
           {"av_open_min", offsetof(hs_targets, av_open_min), HS_DIM_NONE, 0, 1},
           {"pulse_pressure_min", offsetof(hs_targets, pulse_pressure_min), HS_DIM_PRESSURE, 0,
            100},
           {"sao2_upper_min", offsetof(hs_targets, sao2_upper_min), HS_DIM_NONE, 50, 100}};
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the targets file", err))) goto done;
  if (!hs_doc_get(root, "hemosim_targets")) {
    st = hs_doc_fail(d, root, err, HS_ERR_PARSE,
                     "not a hemosim targets file: it has no field 'hemosim_targets: 1'");
    goto done;
  }
  for (size_t i = 0; i < hs_doc_size(root); i++) {
    const char *key = hs_doc_text(hs_doc_key(root, i));
    if (!strcmp(key, "hemosim_targets")) continue;
    size_t k = 0;
    while (k < sizeof F / sizeof F[0] && strcmp(F[k].key, key)) k++;
    if (k == sizeof F / sizeof F[0]) {
      st = hs_doc_fail(d, hs_doc_key(root, i), err, HS_ERR_UNKNOWN,
                       "unknown target '%s' (known: pcwp_max, map_min, av_open_min, "
                       "pulse_pressure_min, sao2_upper_min)",
                       key);
      goto done;
    }
    const hs_doc_node *v = hs_doc_value(root, i);
    double x;
    hs_err e2;
    if (hs_doc_kind_of(v) != HS_DOC_SCALAR || hs_quantity_parse(F[k].dim, hs_doc_text(v), &x, &e2)) {
      st = hs_doc_fail(d, v, err, HS_ERR_INVALID, "%s: %s", key,
                       hs_doc_kind_of(v) == HS_DOC_SCALAR ? e2.msg : "expected a value");
      goto done;
    }
    if (x < F[k].lo || x > F[k].hi) {
      st = hs_doc_fail(d, v, err, HS_ERR_RANGE, "%s = %g is out of range [%g, %g]", key, x,
                       F[k].lo, F[k].hi);
      goto done;
    }
    *(double *)((char *)t + F[k].off) = x;
  }
done:
  hs_doc_free(d);
  return st;
}

/* ---- strategies ------------------------------------------------------------ */

#include "analysis/strategy.h"

static const hs_strategy METHODS[] = {
    {"ecmo_alone", "ECMO alone", 0, NULL, NULL, NULL, NULL, {NULL}},
    {"milrinone", "+ milrinone 0.375 ug/kg/min", 0, NULL, NULL, NULL, NULL,
     {"drugs.milrinone", "0.375", NULL}},
    {"nitroprusside", "+ nitroprusside 0.5 ug/kg/min", 0, NULL, NULL, NULL, NULL,
     {"drugs.nitroprusside", "0.5", NULL}},
    {"iabp", "+ IABP 1:1, 40 mL", 1, "iabp", "iabp", "desc_aorta", NULL,
     {"iabp.volume", "40 mL", NULL}},
    {"impella_cp_p6", "+ Impella CP P6", 2, "impella", "impella", "lv", "aortic_root",
     {"impella.model", "cp", "impella.level", "6", NULL}},
    {"impella_cp_p8", "+ Impella CP P8", 2, "impella", "impella", "lv", "aortic_root",
     {"impella.model", "cp", "impella.level", "8", NULL}},
    {"septostomy_8mm", "+ atrial septostomy 8 mm", 3, "septostomy", "septostomy", "la", "ra",
     {"septostomy.diameter", "8 mm", NULL}},
    {"la_vent_22fr", "+ transseptal LA vent 22 Fr", 3, NULL, NULL, NULL, NULL,
     {"@vent", "la", "ecmo.vent_size", "22 Fr", "ecmo.vent_length", "40 cm", NULL}},
    {"pa_vent_15fr", "+ pulmonary artery vent 15 Fr", 3, NULL, NULL, NULL, NULL,
     {"@vent", "pa", "ecmo.vent_size", "15 Fr", "ecmo.vent_length", "40 cm", NULL}},
    {"pigtail_lv_vent_8fr", "+ transaortic pigtail LV vent 8 Fr", 3, NULL, NULL, NULL, NULL,
     {"@vent", "lv", "ecmo.vent_size", "8 Fr", "ecmo.vent_length", "60 cm", NULL}},
    {"surgical_lv_vent_32fr", "+ surgical LV apical vent 32 Fr", 4, NULL, NULL, NULL, NULL,
     {"@vent", "lv", "ecmo.vent_size", "32 Fr", "ecmo.vent_length", "20 cm", NULL}},
};
#define NMETHODS (sizeof METHODS / sizeof METHODS[0])


static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static hs_status apply(hs_model *m, const hs_strategy *st, hs_err *err) {
  hs_status s;
  if (st->device) {
    const char *ports[3] = {st->p0, st->p1 ? st->p1 : st->p0, st->p0};
    if ((s = hs_model_add_device(m, st->device, st->type, ports, err))) return s;
  }
  for (int i = 0; st->sets[i]; i += 2) {
    if (!strcmp(st->sets[i], "@vent"))
      s = hs_model_rebind_device(m, "ecmo", "vent", st->sets[i + 1], err);
    else
      s = hs_model_set_text(m, st->sets[i], st->sets[i + 1], err);
    if (s) return s;
  }
  return HS_OK;
}

/* One steady beat of the LV pressure-volume loop, sampled at 1 kHz. */
typedef struct pv_rec {
  hs_compare_row *row;
  int lv;
  size_t cap;
} pv_rec;

static int pv_sample(const hs_sample *smp, void *ud) {
  pv_rec *r = ud;
  if (r->row->npv >= r->cap) return 0;
  r->row->pv_v[r->row->npv] = smp->volume[r->lv];
  r->row->pv_p[r->row->npv] = smp->pressure[r->lv];
  r->row->npv++;
  return 0;
}

void hs_strategy_run(hs_strategy_job *j) {
  double t0 = now();
  hs_compare_row *r = j->row;
  hs_model *m = hs_model_clone(j->base, &j->err);
  hs_plan *pl = NULL;
  hs_sim *s = NULL;
  double *all = NULL;
  j->status = HS_ERR_NOMEM;
  if (!m) goto done;
  if ((j->status = apply(m, j->st, &j->err))) goto done;
  if (j->flow_lpm > 0 &&
      (j->status = hs_model_set(m, "ecmo.target_flow", j->flow_lpm * LPM, &j->err)))
    goto done;
  /* 400: the CSF balance solve and a MAP controller (--hold-map) need more beats than
     the haemodynamics alone */
  if ((j->status = hs_model_set(m, "solver.max_beats", 400, &j->err))) goto done;
  if (!(pl = hs_plan_compile(m, &j->err))) goto fail;
  if (!(s = hs_sim_new(pl, &j->err))) goto fail;
  hs_steady_info info;
  j->status = hs_sim_run_to_steady(s, &info, &j->err);
  if (j->status == HS_ERR_NOT_STEADY) j->status = hs_sim_run_beats(s, 6, &j->err);
  if (j->status) goto done;
  r->steady = info.reached;
  size_t nm = hs_sim_metric_count(s);
  if (!(all = malloc(nm * sizeof *all))) goto fail;
  if ((j->status = hs_sim_summary_all(s, 6, all, &j->err))) goto done;
  /* one more beat for the PV loop (the metrics above are already taken) */
  size_t cap = 3000;
  r->pv_v = malloc(cap * sizeof(double));
  r->pv_p = malloc(cap * sizeof(double));
  if (r->pv_v && r->pv_p) {
    pv_rec rec = {r, hs_plan_node_find(pl, "lv"), cap};
    if (hs_sim_set_sampler(s, 0.001, pv_sample, &rec, &j->err) == HS_OK)
      (void)hs_sim_run_beats(s, 1, &j->err);
    hs_sim_set_sampler(s, 0, NULL, NULL, NULL);
  }
  for (int k = 0; k < HS_CMP_NVAL; k++) r->v[k] = NAN;
  r->v[HS_CMP_DEVICE] = 0;
  for (size_t k = 0; k < nm; k++) {
    char buf[128];
    const char *name = hs_sim_metric_name(s, k, buf, sizeof buf);
    for (int c = 0; c < HS_CMP_DEVICE; c++)
      if (!strcmp(name, VALUE_NAMES[c])) r->v[c] = all[k];
    /* flow of the added device (or of the vent) */
    if (j->st->device) {
      size_t n = strlen(j->st->device);
      if (!strncmp(name, j->st->device, n) && !strcmp(name + n, "_flow_lpm")) r->v[HS_CMP_DEVICE] = all[k];
    } else if (!strcmp(name, "ecmo_vent_flow_lpm") && j->st->sets[0] &&
               !strcmp(j->st->sets[0], "@vent")) {
      r->v[HS_CMP_DEVICE] = all[k];
    }
  }
  const hs_targets *t = j->targets;
  r->met[0] = r->v[HS_CMP_PCWP] <= t->pcwp_max_mmhg;
  r->met[1] = r->v[HS_CMP_MAP] >= t->map_min_mmhg;
  r->met[2] = r->v[HS_CMP_AVO] >= t->av_open_min - 1e-9;
  r->met[3] = r->v[HS_CMP_PP] >= t->pulse_pressure_min;
  r->met[4] = r->v[HS_CMP_SAO2U] >= t->sao2_upper_min;
  r->all_met = r->met[0] && r->met[1] && r->met[2] && r->met[3] && r->met[4];
  goto done;
fail:
  j->status = j->err.code ? j->err.code : HS_ERR_NOMEM;
done:
  free(all);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  r->wall_s = now() - t0;
}

typedef struct pool {
  hs_strategy_job *jobs;
  size_t n, next;
  pthread_mutex_t lock;
} pool;

static void *worker(void *arg) {
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    size_t i = p->next++;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->n) return NULL;
    hs_strategy_run(&p->jobs[i]);
  }
}

void hs_strategy_run_all(hs_strategy_job *jobs, size_t n, int threads) {
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  pool p = {jobs, n, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t th[64];
  int started = 0;
  for (int k = 1; k < threads; k++)
    if (pthread_create(&th[started], NULL, worker, &p) == 0) started++;
  worker(&p);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
}

hs_status hs_strategy_base(const hs_model *patient, hs_model **out, hs_err *err) {
  *out = NULL;
  hs_model *base = hs_model_clone(patient, err);
  if (!base) return err ? err->code : HS_ERR_NOMEM;
  hs_status st = HS_OK;
  const char *dev = NULL;
  for (size_t i = 0; i < hs_model_block_count(base); i++)
    if (!strcmp(hs_model_block_name(base, i), "ecmo")) dev = hs_model_block_type(base, i)->name;
  if (!dev) {
    const char *ports[3] = {"ivc", "lower_arteries", "ivc"};
    st = hs_model_add_device(base, "ecmo", "va_ecmo", ports, err);
  } else if (strcmp(dev, "va_ecmo") != 0) {
    st = hs_err_set(err, HS_ERR_MODEL, "block 'ecmo' is a %s, not a va_ecmo", dev);
  }
  if (!st) st = hs_model_set_text(base, "ecmo.control", "flow", err); /* compare at set flows */
  if (st) {
    hs_model_free(base);
    return st;
  }
  *out = base;
  return HS_OK;
}

void hs_compare_free(hs_compare_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nrows; i++) hs_compare_row_clear(&r->rows[i]);
  free(r->rows);
  free(r);
}

void hs_compare_row_clear(hs_compare_row *row) {
  free(row->pv_v);
  free(row->pv_p);
  row->pv_v = row->pv_p = NULL;
  row->npv = 0;
}



static int count_met(const hs_compare_row *r) {
  return r->met[0] + r->met[1] + r->met[2] + r->met[3] + r->met[4];
}

hs_status hs_compare_run(const hs_model *patient, const hs_targets *targets,
                         const double *flows, size_t nflows, int threads,
                         hs_compare_result **out, hs_err *err) {
  static const double default_flows[] = {2, 3, 4, 5};
  if (!flows) flows = default_flows, nflows = 4;
  *out = NULL;
  double t0 = now();
  /* the patient on ECMO: its own circuit, or a femoral one in flow control */
  hs_model *base;
  hs_status st = hs_strategy_base(patient, &base, err);
  if (st) return st;
  size_t n = NMETHODS + nflows;
  hs_compare_result *res = calloc(1, sizeof *res);
  hs_strategy_job *jobs = calloc(n, sizeof *jobs);
  if (res) res->rows = calloc(n, sizeof *res->rows);
  if (!res || !jobs || !res->rows) {
    hs_compare_free(res);
    free(jobs);
    hs_model_free(base);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory comparing strategies");
  }
  res->nrows = n;
  double flow0 = 0;
  hs_model_get(base, "ecmo.target_flow", &flow0, NULL);
  for (size_t i = 0; i < n; i++) {
    hs_compare_row *r = &res->rows[i];
    jobs[i] = (hs_strategy_job){base, i < NMETHODS ? &METHODS[i] : &METHODS[0], 0, targets, r,
                                HS_OK, {0, ""}};
    if (i < NMETHODS) {
      snprintf(r->name, sizeof r->name, "%s", METHODS[i].name);
      snprintf(r->label, sizeof r->label, "ECMO %.1f L/min %s", flow0 / LPM,
               i ? METHODS[i].label : "alone");
      r->invasiveness = METHODS[i].invasiveness;
    } else {
      double f = flows[i - NMETHODS];
      jobs[i].flow_lpm = f;
      snprintf(r->name, sizeof r->name, "ecmo_%.1f_lpm", f);
      snprintf(r->label, sizeof r->label, "ECMO alone at %.1f L/min", f);
      r->is_flow_sweep = 1;
    }
  }
  hs_strategy_run_all(jobs, n, threads);
  hs_status result = HS_OK;
  for (size_t i = 0; i < n; i++)
    if (jobs[i].status) {
      result = hs_err_set(err, jobs[i].status, "strategy '%s': %s", res->rows[i].name,
                          jobs[i].err.msg);
      break;
    }
  free(jobs);
  hs_model_free(base);
  if (result) {
    hs_compare_free(res);
    return result;
  }
  /* least invasive strategy meeting every target; lower PCWP breaks ties */
  res->recommended = res->closest = -1;
  for (size_t i = 0; i < n; i++) {
    const hs_compare_row *r = &res->rows[i], *b;
    if (r->all_met) {
      b = res->recommended >= 0 ? &res->rows[res->recommended] : NULL;
      if (!b || r->invasiveness < b->invasiveness ||
          (r->invasiveness == b->invasiveness && r->v[HS_CMP_PCWP] < b->v[HS_CMP_PCWP]))
        res->recommended = (int)i;
    }
    b = res->closest >= 0 ? &res->rows[res->closest] : NULL;
    if (!b || count_met(r) > count_met(b) ||
        (count_met(r) == count_met(b) && r->v[HS_CMP_PCWP] < b->v[HS_CMP_PCWP]))
      res->closest = (int)i;
  }
  static const char *const TN[5] = {"PCWP", "MAP", "aortic valve opening", "pulse pressure",
                                    "upper-body SaO2"};
  if (res->recommended >= 0) {
    const hs_compare_row *r = &res->rows[res->recommended];
    snprintf(res->reason, sizeof res->reason,
             "%s is the least invasive strategy meeting every target (PCWP %.1f <= %.0f, MAP "
             "%.0f >= %.0f, aortic valve opening %.2f, pulse pressure %.1f, SaO2 %.0f %%)",
             r->label, r->v[HS_CMP_PCWP], targets->pcwp_max_mmhg, r->v[HS_CMP_MAP],
             targets->map_min_mmhg, r->v[HS_CMP_AVO], r->v[HS_CMP_PP], r->v[HS_CMP_SAO2U]);
  } else {
    const hs_compare_row *r = &res->rows[res->closest];
    char missed[200] = "";
    for (int k = 0; k < 5; k++)
      if (!r->met[k]) {
        strncat(missed, *missed ? ", " : "", sizeof missed - strlen(missed) - 1);
        strncat(missed, TN[k], sizeof missed - strlen(missed) - 1);
      }
    snprintf(res->reason, sizeof res->reason,
             "closest: %s (misses %s)", r->label, missed);
  }
  res->wall_s = now() - t0;
  *out = res;
  return HS_OK;
}
