/*
 * analysis/cohort_protocol.c - decision protocols as study protocols (docs/cohort.md
 * "protocol.mode"): per virtual patient, `compare` (every strategy with its ECMO flow
 * re-titrated, the recommendation), `optimize` (least support of each strategy meeting
 * the targets) or `titrate` (microcirculation-guided ECMO flow titration over a course,
 * per policy).  Each strategy of the study is one arm; the arm's values are the
 * analysis' numbers listed below.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/cohort_impl.h"
#include "hemosim/optimize.h"
#include "hemosim/titrate.h"

/* values of compare and optimize: the compare row values, then these */
enum { CV_RECOMMENDED = HS_CMP_NVAL, CV_PERFUSION, CV_SETTING, CV_CHOSEN, CV_N };
static const char *const EXTRA_NAME[] = {"recommended", "perfusion_held", "setting_value",
                                         "target_met"};
/* values of titrate */
static const struct {
  const char *name, *unit;
} TITRATE[] = {{"mean_flow_lpm", "L/min"},
               {"final_flow_lpm", "L/min"},
               {"mean_pvd_mm_mm2", "mm/mm2"},
               {"mean_map_mmhg", "mmHg"},
               {"not_steady_steps", ""}};
#define TV_N (sizeof TITRATE / sizeof TITRATE[0])

size_t cohort_mode_value_count(int mode) {
  return mode == MODE_TITRATE ? TV_N : mode == MODE_RUN ? 0 : CV_N;
}

const char *cohort_mode_value_name(int mode, size_t k) {
  if (mode == MODE_TITRATE) return k < TV_N ? TITRATE[k].name : NULL;
  if (k < HS_CMP_NVAL) return hs_compare_value_name((int)k);
  return k < CV_N ? EXTRA_NAME[k - HS_CMP_NVAL] : NULL;
}

const char *cohort_mode_value_unit(int mode, size_t k) {
  if (mode == MODE_TITRATE) return k < TV_N ? TITRATE[k].unit : "";
  if (k < HS_CMP_NVAL) return hs_compare_value_unit((int)k);
  return ""; /* setting_value: in the unit the optimizer reports (docs/decision.md) */
}

/* the patient as a model: base + drawn parameters + protocol.set */
hs_model *cohort_patient_model(const hs_cohort *c, const double *x, hs_err *err) {
  hs_model *m = hs_model_clone(c->model, err);
  if (!m) return NULL;
  for (size_t k = 0; k < c->np; k++)
    if (hs_model_set(m, c->p[k].path, x[k], err)) goto fail;
  for (size_t k = 0; k < c->ncommon; k++)
    if (hs_model_set(m, c->common[k].path, c->common[k].value, err)) goto fail;
  return m;
fail:
  hs_model_free(m);
  return NULL;
}

static void row_values(const hs_compare_row *row, double *v) {
  for (int k = 0; k < HS_CMP_NVAL; k++) v[k] = row->v[k];
  v[CV_PERFUSION] = row->perfusion_held;
}

hs_status cohort_analysis(const hs_cohort *c, const double *x, double *v, char **msg,
                          hs_err *err) {
  size_t nv = cohort_mode_value_count(c->mode);
  for (size_t k = 0; k < c->nstrat * nv; k++) v[k] = NAN;
  hs_model *m = cohort_patient_model(c, x, err);
  if (!m) return err->code;
  hs_status st = HS_OK;
  char buf[HS_ERRMSG_MAX + 64];
  if (c->mode == MODE_COMPARE) {
    const char **list = malloc((c->nstrat + 1) * sizeof *list);
    hs_compare_result *res = NULL;
    if (!list) {
      hs_model_free(m);
      return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    }
    for (size_t s = 0; s < c->nstrat; s++) list[s] = c->strat[s].name;
    list[c->nstrat] = NULL;
    st = hs_compare_run(m, &c->ctargets, &c->cctx, list, NULL, 0, 1, &res, err);
    free(list);
    for (size_t s = 0; !st && s < c->nstrat; s++) {
      for (size_t q = 0; q < res->nrows; q++) {
        const hs_compare_row *row = &res->rows[q];
        if (row->is_flow_sweep || strcmp(row->name, c->strat[s].name)) continue;
        if (row->excluded) {
          snprintf(buf, sizeof buf, "not simulated: %s", row->excluded_reason);
          msg[s] = strdup(buf);
        } else {
          row_values(row, v + s * nv);
          v[s * nv + CV_RECOMMENDED] = res->recommended == (int)q;
          v[s * nv + CV_CHOSEN] = row->all_met;
        }
        break;
      }
    }
    hs_compare_free(res);
  } else if (c->mode == MODE_OPTIMIZE) {
    for (size_t s = 0; s < c->nstrat; s++) {
      hs_optimize_result *res = NULL;
      hs_err e = {HS_OK, ""};
      if (hs_optimize_run(m, c->strat[s].name, &c->ctargets, 1, &res, &e)) {
        msg[s] = strdup(*e.msg ? e.msg : hs_status_str(e.code));
        continue;
      }
      int k = res->chosen >= 0 ? res->chosen : res->closest;
      if (k >= 0 && (size_t)k < res->npoints) {
        row_values(&res->rows[k], v + s * nv);
        v[s * nv + CV_SETTING] = res->setting_value[k];
      }
      v[s * nv + CV_CHOSEN] = res->chosen >= 0;
      v[s * nv + CV_RECOMMENDED] = NAN;
      hs_optimize_free(res);
    }
  } else { /* MODE_TITRATE */
    for (size_t s = 0; s < c->nstrat; s++) {
      hs_titrate_options o = c->topts;
      hs_titrate_result *res = NULL;
      hs_err e = {HS_OK, ""};
      if (hs_titrate_policy_parse(c->strat[s].name, &o.policy, &e) ||
          hs_titrate_micro_from_model(&o, m, HS_TITRATE_MICRO_ALL, &e) ||
          hs_titrate_run(m, &o, &res, &e)) {
        msg[s] = strdup(*e.msg ? e.msg : hs_status_str(e.code));
        continue;
      }
      double *w = v + s * nv;
      w[0] = res->mean_flow_lpm;
      w[1] = res->final_flow_lpm;
      w[2] = res->mean_pvd;
      w[3] = res->mean_map;
      w[4] = (double)res->not_steady;
      hs_titrate_result_free(res);
    }
  }
  hs_model_free(m);
  return st;
}
