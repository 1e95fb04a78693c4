/*
 * analysis/calibrate.c - fit a patient to bedside measurements (hemosim/calibrate.h;
 * the measurements file is read by io/calibrate_input.c, the eigensolver is
 * core/eigen.c).
 *
 * The fit is a bounded weighted least-squares problem in the natural log of up to
 * six parameters, solved with NLopt's BOBYQA (derivative-free, quadratic models in
 * a trust region: each objective evaluation is a whole steady-state simulation, so
 * gradients would cost as much as the fit), in coordinates whitened by the
 * Gauss-Newton curvature J^T J at the start so that its first quadratic models
 * already capture how the parameters trade off (about 3x fewer evaluations than
 * plain ln p on the examples).  Every evaluation simulates a fresh
 * copy of the patient from its initial state, so the objective is a deterministic
 * function of the parameters: finite differences and repeated fits agree.
 *
 * Identifiability follows the usual local analysis of a least-squares fit: the
 * sensitivity matrix J (central differences, residuals in sd units, parameters in
 * ln units) gives the Fisher information F = J^T J, whose inverse approximates the
 * covariance of ln p.  Eigen-directions of F with small eigenvalues are parameter
 * combinations the data cannot fix (docs/calibration.md).
 */
#define _XOPEN_SOURCE 700
#include "hemosim/calibrate.h"

#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "hemosim/output.h"
#include "hemosim/sim.h"
#include "analysis/calibrate_impl.h"
#include "analysis/identify.h"
#include "core/eigen.h"

/* ---- tables ----------------------------------------------------------------- */

static const struct {
  const char *name, *metric, *unit;
  double sd;
} CALQ[HS_CALQ_COUNT] = {
#define HS_X_CALQ(id, name, metric, unit, sd) {name, metric, unit, sd},
    HS_CALQ_LIST(HS_X_CALQ)
#undef HS_X_CALQ
};

static const struct {
  const char *name, *unit;
  double lo, hi;
  const char *doc;
} CALP[HS_CALP_COUNT] = {
#define HS_X_CALP(id, name, unit, lo, hi, doc) {name, unit, lo, hi, doc},
    HS_CALP_LIST(HS_X_CALP)
#undef HS_X_CALP
};

const char *hs_calq_name(hs_calq q) { return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].name : "?"; }
const char *hs_calq_metric(hs_calq q) {
  return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].metric : "";
}
const char *hs_calq_unit(hs_calq q) { return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].unit : ""; }
double hs_calq_default_sd(hs_calq q) { return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].sd : 0; }
const char *hs_calp_name(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].name : "?"; }
const char *hs_calp_unit(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].unit : ""; }
const char *hs_calp_doc(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].doc : ""; }
double hs_calp_lower(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].lo : NAN; }
double hs_calp_upper(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].hi : NAN; }
int hs_calp_find(const char *name) {
  for (int i = 0; name && i < HS_CALP_COUNT; i++)
    if (!strcmp(CALP[i].name, name)) return i;
  return -1;
}

/* ---- the model as a function of the parameters ----------------------------------- */

void hs_cal_options_default(hs_cal_options *o) {
  o->progress = NULL;
  o->progress_ud = NULL;
  o->max_evals = 150;
  for (int j = 0; j < HS_CALP_COUNT; j++) o->start[j] = NAN;
  o->fd_step = 0.05;
}

typedef struct ctx {
  const hs_cal_input *in;
  const char **beds; /* systemic bed edges */
  double *bed_r;
  size_t nbeds;
  double pvr0, unstressed, base[HS_CALP_COUNT];
  int est[HS_CALP_COUNT]; /* estimated parameter ids */
  int np;
  hs_calq fq[HS_CALQ_COUNT]; /* fitted quantities */
  double meas[HS_CALQ_COUNT], sd[HS_CALQ_COUNT];
  int nfit;
  int window, fit_o2;
  double max_beats;
  double p[HS_CALP_COUNT]; /* current natural values (non-estimated stay at base) */
  /* the fit runs in whitened coordinates z: x = x0 + T z (x = ln p, estimated only) */
  double x0[HS_CALP_COUNT], T[HS_CALP_COUNT][HS_CALP_COUNT], lo[HS_CALP_COUNT], hi[HS_CALP_COUNT];
  int evals, failed;
  double best_cost, best_x[HS_CALP_COUNT];
  hs_err last_err;
  const hs_cal_options *opt; /* progress callback */
} ctx;

/* Report progress (at most every evaluation; the caller decides how to show it). */
static void progress(const ctx *c, const char *phase, int done, int total) {
  if (c->opt && c->opt->progress)
    c->opt->progress(phase, done, total, c->best_cost, c->opt->progress_ud);
}

static hs_status param_of(const hs_model *m, const char *block, const char *param, double *out,
                          hs_err *err) {
  char path[160];
  snprintf(path, sizeof path, "%s.%s", block, param);
  return hs_model_get(m, path, out, err);
}

static hs_status ctx_init(ctx *c, const hs_cal_input *in, hs_err *err) {
  memset(c, 0, sizeof *c);
  c->in = in;
  const hs_model *m = in->base;
  hs_status st;
  size_t nb = hs_model_block_count(m);
  c->beds = calloc(nb ? nb : 1, sizeof *c->beds);
  c->bed_r = calloc(nb ? nb : 1, sizeof *c->bed_r);
  if (!c->beds || !c->bed_r) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  double uv = 0;
  for (size_t i = 0; i < nb; i++) {
    const hs_block_type *t = hs_model_block_type(m, i);
    const char *name = hs_model_block_name(m, i);
    double v;
    if (t->cls == HS_BLOCK_NODE) {
      const char *pname = hs_param_index(t, "unstressed_volume") >= 0 ? "unstressed_volume"
                          : hs_param_index(t, "v0") >= 0                ? "v0"
                                                                        : NULL;
      if (pname && !param_of(m, name, pname, &v, NULL)) uv += v;
    } else if (t->cls == HS_BLOCK_EDGE && hs_param_index(t, "systemic_bed") >= 0) {
      if (!param_of(m, name, "systemic_bed", &v, NULL) && v > 0.5) {
        if ((st = param_of(m, name, "resistance", &c->bed_r[c->nbeds], err))) return st;
        c->beds[c->nbeds++] = name;
      }
    }
  }
  c->unstressed = uv;
  if (!c->nbeds && in->estimate[HS_CALP_SVR])
    return hs_err_set(err, HS_ERR_MODEL,
                      "svr_mult: the patient has no systemic bed (edge with systemic_bed: true)");
  double bv, w, bvkg;
  if ((st = hs_model_get(m, "circulation.blood_volume", &bv, err))) return st;
  if (!(bv > 0)) {
    if ((st = hs_model_get(m, "body.weight", &w, err)) ||
        (st = hs_model_get(m, "body.blood_volume_per_kg", &bvkg, err)))
      return st;
    bv = w * bvkg;
  }
  if ((st = hs_model_get(m, "lv.ees", &c->base[HS_CALP_LV_EES], err)) ||
      (st = hs_model_get(m, "lv.ed_a", &c->base[HS_CALP_LV_EDA], err)) ||
      (st = hs_model_get(m, "rv.ees", &c->base[HS_CALP_RV_EES], err)))
    return st;
  c->pvr0 = NAN;
  if (hs_model_block_index(m, "pulm_arterioles") >= 0 &&
      (st = hs_model_get(m, "pulm_arterioles.resistance", &c->pvr0, err)))
    return st;
  c->base[HS_CALP_SVR] = 1;
  c->base[HS_CALP_PVR] = 1;
  c->base[HS_CALP_VS] = bv - uv;
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    c->p[j] = c->base[j];
    if (in->estimate[j]) c->est[c->np++] = j;
  }
  for (size_t i = 0; i < in->nmeas; i++) {
    const hs_cal_meas *ms = &in->meas[i];
    if (hs_calq_is_set(ms->q)) continue;
    if (ms->q == HS_CALQ_SAO2U || ms->q == HS_CALQ_SAO2L) c->fit_o2 = 1;
    c->fq[c->nfit] = ms->q;
    c->meas[c->nfit] = ms->value;
    c->sd[c->nfit] = ms->sd;
    c->nfit++;
  }
  double win = 6, mb = 600;
  hs_model_get(m, "solver.window_beats", &win, NULL);
  hs_model_get(m, "solver.max_beats", &mb, NULL);
  c->window = (int)win;
  c->max_beats = mb < HS_CAL_MAX_BEATS ? mb : HS_CAL_MAX_BEATS;
  if (c->max_beats < c->window + 1) c->max_beats = c->window + 1;
  c->best_cost = INFINITY;
  return HS_OK;
}

static void ctx_free(ctx *c) {
  free(c->beds);
  free(c->bed_r);
}

/* Put parameter values p (natural units) into model m. */
static hs_status apply(const ctx *c, const double *p, hs_model *m, hs_err *err) {
  hs_status st;
  if ((st = hs_model_set(m, "lv.ees", p[HS_CALP_LV_EES], err)) ||
      (st = hs_model_set(m, "lv.ed_a", p[HS_CALP_LV_EDA], err)) ||
      (st = hs_model_set(m, "rv.ees", p[HS_CALP_RV_EES], err)))
    return st;
  char path[160];
  for (size_t i = 0; i < c->nbeds; i++) {
    snprintf(path, sizeof path, "%s.resistance", c->beds[i]);
    if ((st = hs_model_set(m, path, c->bed_r[i] * p[HS_CALP_SVR], err))) return st;
  }
  if (isfinite(c->pvr0) &&
      (st = hs_model_set(m, "pulm_arterioles.resistance", c->pvr0 * p[HS_CALP_PVR], err)))
    return st;
  return hs_model_set(m, "circulation.blood_volume", p[HS_CALP_VS] + c->unstressed, err);
}

/*
 * Simulate the patient with parameters p.  full: the patient's own solver limits (as
 * `hemosim run` does); otherwise at most c->max_beats beats.  vals: the fitted
 * quantities' simulated values; all (optional): every HS_CALQ quantity.
 */
static hs_status simulate(const ctx *c, const double *p, int full, double *vals, double *all,
                          int *steady, hs_model **keep, hs_err *err) {
  hs_model *m = hs_model_clone(c->in->base, err);
  hs_plan *pl = NULL;
  hs_sim *s = NULL;
  double *met = NULL;
  hs_status st = HS_ERR_NOMEM;
  if (!m) goto done;
  if ((st = apply(c, p, m, err))) goto done;
  if (!full) {
    if ((st = hs_model_set(m, "solver.max_beats", c->max_beats, err))) goto done;
    /* O2 contents settle more slowly than the haemodynamics; wait for them only when
       a saturation is fitted */
    if (!c->fit_o2 && (st = hs_model_set(m, "solver.steady_tol_o2", 1e-2, err))) goto done;
    /* integration error far below any measurement sd (the final run uses the patient's) */
    double tol;
    if (!hs_model_get(m, "solver.rtol", &tol, NULL) && tol < 1e-4 &&
        (st = hs_model_set(m, "solver.rtol", 1e-4, err)))
      goto done;
    if (!hs_model_get(m, "solver.atol", &tol, NULL) && tol < 1e-3 &&
        (st = hs_model_set(m, "solver.atol", 1e-3, err)))
      goto done;
  }
  if (!(pl = hs_plan_compile(m, err)) || !(s = hs_sim_new(pl, err))) {
    st = err && err->code ? err->code : HS_ERR_NOMEM;
    goto done;
  }
  hs_steady_info info;
  st = hs_sim_run_to_steady(s, &info, err);
  if (st == HS_ERR_NOT_STEADY) st = HS_OK; /* the last beats all the same */
  if (st) goto done;
  if (steady) *steady = info.reached;
  if (hs_sim_beats(s) < c->window) {
    st = hs_err_set(err, HS_ERR_STATE, "fewer than %d beats simulated", c->window);
    goto done;
  }
  size_t nm = hs_sim_metric_count(s);
  if (!(met = malloc(nm * sizeof *met))) {
    st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((st = hs_sim_summary_all(s, c->window, met, err))) goto done;
  double v[HS_CALQ_COUNT];
  for (int q = 0; q < HS_CALQ_COUNT; q++) v[q] = NAN;
  for (size_t k = 0; k < nm; k++) {
    char buf[128];
    const char *name = hs_sim_metric_name(s, k, buf, sizeof buf);
    for (int q = 0; q < HS_CALQ_COUNT; q++)
      if (*CALQ[q].metric && !strcmp(name, CALQ[q].metric)) v[q] = met[k];
  }
  hs_model_get(m, "heart.heart_rate", &v[HS_CALQ_HR], NULL);
  hs_model_get(m, "oxygen.hemoglobin", &v[HS_CALQ_HB], NULL);
  for (int i = 0; i < c->nfit; i++) {
    if (!isfinite(v[c->fq[i]])) {
      st = hs_err_set(err, HS_ERR_NONPHYSICAL, "the simulation gives no value for %s",
                      CALQ[c->fq[i]].metric);
      goto done;
    }
    if (vals) vals[i] = v[c->fq[i]];
  }
  if (all) memcpy(all, v, sizeof v);
  if (keep) {
    *keep = m;
    m = NULL;
  }
done:
  free(met);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return st;
}

static double cost_of(const ctx *c, const double *vals) {
  double f = 0;
  for (int i = 0; i < c->nfit; i++) {
    double r = (vals[i] - c->meas[i]) / c->sd[i];
    f += r * r;
  }
  return f;
}

#define FAIL_COST 1e8

static void x_to_p(const ctx *c, const double *x, double *p) {
  for (int j = 0; j < HS_CALP_COUNT; j++) p[j] = c->p[j];
  for (int k = 0; k < c->np; k++) p[c->est[k]] = exp(x[k]);
}

/* A quadratic wall outside the bounds (per squared ln unit); the model is run at the
   nearest point inside, so the objective stays continuous for the optimiser. */
#define BOUND_PENALTY 100.0

static double objective(unsigned n, const double *z, double *grad, void *data) {
  ctx *c = data;
  (void)n;
  (void)grad; /* derivative-free */
  double x[HS_CALP_COUNT], pen = 0;
  for (int k = 0; k < c->np; k++) {
    double v = c->x0[k];
    for (int m = 0; m < c->np; m++) v += c->T[k][m] * z[m];
    if (v < c->lo[k]) pen += (c->lo[k] - v) * (c->lo[k] - v), v = c->lo[k];
    if (v > c->hi[k]) pen += (v - c->hi[k]) * (v - c->hi[k]), v = c->hi[k];
    x[k] = v;
  }
  double p[HS_CALP_COUNT], vals[HS_CALQ_COUNT];
  x_to_p(c, x, p);
  c->evals++;
  hs_err e2 = {HS_OK, ""};
  double f;
  if (simulate(c, p, 0, vals, NULL, NULL, NULL, &e2)) {
    c->failed++;
    c->last_err = e2;
    f = FAIL_COST;
  } else {
    f = cost_of(c, vals);
  }
  if (f < c->best_cost) {
    c->best_cost = f;
    memcpy(c->best_x, x, (size_t)c->np * sizeof *x);
  }
  progress(c, "fit", c->evals, c->opt ? c->opt->max_evals : 0);
  return f + BOUND_PENALTY * pen;
}

/*
 * Sensitivities J[i][k] = d(sim_i / sd_i) / d x_k at x (x = ln p of the estimated
 * parameters).  central: central differences, else forward; one-sided where a bound
 * is in the way.  center: the fitted quantities at x if known (else simulated when
 * needed).  A failed simulation gives a zero column.  Returns the evaluations used.
 */
static int jacobian(const ctx *c, const double *x, double h, int central, const double *center_in,
                    double J[HS_CALQ_COUNT][HS_CALP_COUNT]) {
  int np = c->np, nf = c->nfit, evals = 0;
  double center[HS_CALQ_COUNT], p[HS_CALP_COUNT];
  int have_center = 0;
  if (center_in) memcpy(center, center_in, (size_t)nf * sizeof *center), have_center = 1;
  for (int k = 0; k < np; k++) {
    int j = c->est[k];
    double lo = log(CALP[j].lo), hi = log(CALP[j].hi);
    double xp[HS_CALP_COUNT], xm[HS_CALP_COUNT], vp[HS_CALQ_COUNT], vm[HS_CALQ_COUNT];
    memcpy(xp, x, (size_t)np * sizeof *x);
    memcpy(xm, x, (size_t)np * sizeof *x);
    /* step inwards when a bound is closer than h */
    if (x[k] + h > hi) xp[k] = x[k], xm[k] = x[k] - h;
    else if (x[k] - h < lo || !central) xp[k] = x[k] + h, xm[k] = x[k];
    else xp[k] = x[k] + h, xm[k] = x[k] - h;
    int okp = 1, okm = 1;
    for (int side = 0; side < 2; side++) {
      double *xs = side ? xm : xp, *vs = side ? vm : vp;
      int *ok = side ? &okm : &okp;
      if (xs[k] == x[k]) {
        if (!have_center) {
          x_to_p(c, x, p);
          have_center = !simulate(c, p, 0, center, NULL, NULL, NULL, NULL);
          evals++;
        }
        memcpy(vs, center, (size_t)nf * sizeof *vs);
        *ok = have_center;
      } else {
        x_to_p(c, xs, p);
        *ok = !simulate(c, p, 0, vs, NULL, NULL, NULL, NULL);
        evals++;
      }
    }
    double dx = xp[k] - xm[k];
    for (int i = 0; i < nf; i++)
      J[i][k] = okp && okm && dx > 0 ? (vp[i] - vm[i]) / (c->sd[i] * dx) : 0;
  }
  return evals;
}

/* Fisher information F = J^T J of the estimated parameters. */
static void fisher(const ctx *c, double J[HS_CALQ_COUNT][HS_CALP_COUNT],
                   double F[HS_CALP_COUNT][HS_CALP_COUNT]) {
  for (int a = 0; a < c->np; a++)
    for (int b = 0; b < c->np; b++) {
      double s = 0;
      for (int i = 0; i < c->nfit; i++) s += J[i][a] * J[i][b];
      F[a][b] = s;
    }
}

/* Sensitivities at x (ln units), Fisher information, standard errors, weak directions
   (analysis/identify.c). */
static void identifiability(ctx *c, const double *x, double h, hs_cal_result *r) {
  int np = c->np;
  double J[HS_CALQ_COUNT][HS_CALP_COUNT];
  r->sens_evals += jacobian(c, x, h, 1, NULL, J);
  double F[HS_CALP_COUNT][HS_CALP_COUNT];
  fisher(c, J, F);
  hs_ident id;
  hs_ident_analyse(np, F, x, c->lo, c->hi, HS_CAL_RSE_LIMIT, HS_CAL_WEAK_EIG, HS_CAL_WEAK_LOAD,
                   &id);
  r->nweak = (size_t)id.nweak;
  r->nnull = (size_t)id.nnull;
  for (int k = 0; k < np; k++) {
    r->eig[k] = id.eig[k];
    r->eig_param[k] = c->est[k];
    for (int j = 0; j < np; j++) r->eigvec[k][j] = id.vec[k][j];
  }
  for (int a = 0; a < np; a++) {
    hs_cal_param *pr = &r->p[c->est[a]];
    pr->rse = id.rse[a];
    pr->rse_null = id.null_half[a];
    pr->identifiable = id.identifiable[a];
    pr->note[0] = '\0';
    if (pr->identifiable) continue;
    int k = id.weak_dir[a];
    if (k >= 0 && id.eig[k] <= 0 && id.nnull > 1) {
      /* several zero eigenvalues: their eigenvectors are an arbitrary basis */
      snprintf(pr->note, sizeof pr->note,
               "no information: it lies in the %d-dimensional null space of the Fisher "
               "information (changes the data do not see)",
               id.nnull);
    } else if (k >= 0) {
      char dir[128] = "";
      for (int j = 0; j < np; j++)
        if (fabs(id.vec[k][j]) >= 0.25) {
          char term[40];
          snprintf(term, sizeof term, "%s%+.2f %s", *dir ? " " : "", id.vec[k][j],
                   CALP[c->est[j]].name);
          strncat(dir, term, sizeof dir - strlen(dir) - 1);
        }
      snprintf(pr->note, sizeof pr->note, "%s direction %d (eigenvalue %.2g): %s",
               id.eig[k] <= 0 ? "null" : "weak", k + 1, id.eig[k], dir);
    } else if (id.null_half[a] > id.rse_data[a]) {
      snprintf(pr->note, sizeof pr->note,
               "relative standard error %.0f %% (above %.0f %%), mostly from the null space: "
               "within the bounds the data cannot tell ln p apart over +-%.2f",
               100 * pr->rse, 100 * HS_CAL_RSE_LIMIT, id.null_half[a]);
    } else {
      snprintf(pr->note, sizeof pr->note, "relative standard error %.0f %% (above %.0f %%)",
               100 * pr->rse, 100 * HS_CAL_RSE_LIMIT);
    }
  }
}

void hs_cal_result_free(hs_cal_result *r) {
  if (!r) return;
  hs_model_free(r->model);
  free(r->micro);
  free(r);
}

/* The capillary dysfunction of the calibrated patient, fitted to the measurement file's
   sublingual time point and set in its `microcirculation` block. */
static hs_status fit_micro(const hs_cal_input *in, hs_cal_result *r, hs_err *err) {
  if (!(r->micro = calloc(1, sizeof *r->micro)))
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  hs_status st = hs_micro_fit_patient(r->model, in->micro, in->micro_result, r->micro, err);
  if (st) return hs_err_prefix(err, "microcirculation %s: ", in->micro_file);
  return hs_micro_model_params_to_model(r->model, &r->micro->fit.p, err);
}

hs_status hs_calibrate(const hs_cal_input *in, const hs_cal_options *opt, hs_cal_result **out,
                       hs_err *err) {
  *out = NULL;
  double t0 = hs_wall_s();
  hs_cal_options dflt;
  if (!opt) hs_cal_options_default(&dflt), opt = &dflt;
  if (opt->max_evals < 1)
    return hs_err_set(err, HS_ERR_RANGE, "max_evals must be at least 1 (got %d)",
                      opt->max_evals);
  ctx c;
  hs_status st = ctx_init(&c, in, err);
  c.opt = opt;
  hs_cal_result *r = calloc(1, sizeof *r);
  nlopt_opt o = NULL;
  if (!st && !r) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if (st) goto fail;
  r->nparams = (size_t)c.np;
  r->nfit = (size_t)c.nfit;
  double x[HS_CALP_COUNT], lo[HS_CALP_COUNT], hi[HS_CALP_COUNT];
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    hs_cal_param *pr = &r->p[j];
    pr->estimated = in->estimate[j];
    pr->base = c.base[j];
    pr->lower = CALP[j].lo;
    pr->upper = CALP[j].hi;
    pr->start = isfinite(opt->start[j]) ? opt->start[j] : c.base[j];
    if (pr->estimated) {
      /* start inside the bounds */
      if (pr->start < pr->lower) pr->start = pr->lower;
      if (pr->start > pr->upper) pr->start = pr->upper;
    }
    pr->value = pr->estimated ? pr->start : pr->base;
    pr->rse = NAN;
    pr->identifiable = 0;
  }
  for (int k = 0; k < c.np; k++) {
    int j = c.est[k];
    lo[k] = log(CALP[j].lo);
    hi[k] = log(CALP[j].hi);
    x[k] = log(r->p[j].start);
  }
  /* the objective at the start (also catches a patient that cannot be simulated) */
  double p[HS_CALP_COUNT], vals[HS_CALQ_COUNT];
  x_to_p(&c, x, p);
  hs_err e2;
  if ((st = simulate(&c, p, 0, vals, NULL, NULL, NULL, &e2))) {
    hs_err_set(err, st, "the patient cannot be simulated at the starting parameters: %s",
               e2.msg);
    goto fail;
  }
  r->cost_start = cost_of(&c, vals);
  double tf = hs_wall_s();
  int rc = NLOPT_SUCCESS;
  c.best_cost = r->cost_start;
  memcpy(c.best_x, x, sizeof x);
  c.evals = 1;
  if (c.np > 0) {
    /* Whiten: forward-difference sensitivities at the start give F0 = J0^T J0 = V W V^T;
       the optimiser works in z with x = x0 + V (W + I)^(-1/2) z, where the objective is
       close to sum z^2 and BOBYQA's quadratic models fit from the first iterations.
       Directions the data do not see keep a scale of one ln unit. */
    double J[HS_CALQ_COUNT][HS_CALP_COUNT], F[HS_CALP_COUNT][HS_CALP_COUNT];
    double w[HS_CALP_COUNT], V[HS_CALP_COUNT][HS_CALP_COUNT];
    double z[HS_CALP_COUNT], zlo[HS_CALP_COUNT], zhi[HS_CALP_COUNT], dz[HS_CALP_COUNT];
    for (int k = 0; k < c.np; k++) {
      c.lo[k] = lo[k];
      c.hi[k] = hi[k];
    }
    /* Pass 2 re-whitens at the first pass's optimum, where the curvature of a
       nonlinear model differs from the start's; it usually ends in a few steps. */
    for (int pass = 0; pass < 2; pass++) {
      int left = opt->max_evals - c.evals;
      if (pass == 1 && (left < 3 * c.np + 2 || rc == NLOPT_MAXEVAL_REACHED ||
                         c.best_cost < 0.01)) /* already within 0.1 sd overall */
        break;
      if (left >= 3 * c.np + 2) {
        c.evals += jacobian(&c, x, pass ? 0.05 : 0.1, 0, pass ? NULL : vals, J);
        fisher(&c, J, F);
        double work[HS_CALP_COUNT * HS_CALP_COUNT];
        hs_eigen_sym(c.np, &F[0][0], HS_CALP_COUNT, w, &V[0][0], HS_CALP_COUNT, work);
      } else { /* too few evaluations to whiten: plain ln p, z = 2 ln p */
        for (int m = 0; m < c.np; m++) {
          w[m] = 3;
          for (int k = 0; k < c.np; k++) V[m][k] = m == k;
        }
      }
      for (int k = 0; k < c.np; k++) c.x0[k] = x[k];
      for (int m = 0; m < c.np; m++) {
        double scale = 1.0 / sqrt((w[m] > 0 ? w[m] : 0) + 1.0);
        for (int k = 0; k < c.np; k++) c.T[k][m] = V[m][k] * scale;
        z[m] = 0;
        zhi[m] = 6.0 / scale; /* room to cross any parameter's whole range */
        zlo[m] = -zhi[m];
        dz[m] = pass ? 0.25 : 0.5;
      }
      if (!o && !(o = nlopt_create(NLOPT_LN_BOBYQA, (unsigned)c.np))) {
        st = hs_err_set(err, HS_ERR_NOMEM, "out of memory (NLopt)");
        goto fail;
      }
      nlopt_set_lower_bounds(o, zlo);
      nlopt_set_upper_bounds(o, zhi);
      nlopt_set_min_objective(o, objective, &c);
      left = opt->max_evals - c.evals;
      nlopt_set_maxeval(o, left > 1 ? left : 1);
      nlopt_set_initial_step(o, dz);
      nlopt_set_xtol_abs1(o, 1e-2);
      nlopt_set_ftol_abs(o, 1e-3);
      double fmin = 0;
      rc = nlopt_optimize(o, z, &fmin);
      if (rc < 0 && rc != NLOPT_ROUNDOFF_LIMITED && !isfinite(c.best_cost)) {
        st = hs_err_set(err, HS_ERR_SOLVER, "the optimiser failed: %s",
                        nlopt_result_to_string((nlopt_result)rc));
        goto fail;
      }
      memcpy(x, c.best_x, (size_t)c.np * sizeof *x); /* best point seen, inside the bounds */
    }
  }
  r->evals = c.evals;
  r->failed_evals = c.failed;
  snprintf(r->stop, sizeof r->stop, "%s",
           rc == NLOPT_MAXEVAL_REACHED  ? "evaluation limit reached"
           : rc == NLOPT_XTOL_REACHED   ? "converged (parameter change below tolerance)"
           : rc == NLOPT_FTOL_REACHED   ? "converged (objective change below tolerance)"
           : rc == NLOPT_SUCCESS        ? (c.np ? "converged" : "nothing to estimate")
           : rc == NLOPT_ROUNDOFF_LIMITED ? "stopped: round-off limited"
                                        : nlopt_result_to_string((nlopt_result)rc));
  r->fit_s = hs_wall_s() - tf;
  double ts = hs_wall_s();
  identifiability(&c, x, opt->fd_step > 0 ? opt->fd_step : 0.05, r);
  r->sens_s = hs_wall_s() - ts;
  /* the calibrated patient, run as `hemosim run` runs it */
  x_to_p(&c, x, p);
  double all[HS_CALQ_COUNT];
  if ((st = simulate(&c, p, 1, NULL, all, &r->steady, &r->model, &e2))) {
    hs_err_set(err, st, "the calibrated patient cannot be simulated: %s", e2.msg);
    goto fail;
  }
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    hs_cal_param *pr = &r->p[j];
    pr->value = p[j];
    if (pr->estimated) {
      double lx = log(pr->value);
      pr->at_bound = lx <= log(pr->lower) + 1e-3 ? -1 : lx >= log(pr->upper) - 1e-3 ? 1 : 0;
    }
  }
  r->cost = 0;
  for (size_t i = 0; i < in->nmeas; i++) {
    const hs_cal_meas *ms = &in->meas[i];
    hs_cal_row *row = &r->rows[r->nrows++];
    row->q = ms->q;
    row->measured = ms->value;
    row->sd = ms->sd;
    row->simulated = all[ms->q];
    row->fitted = !hs_calq_is_set(ms->q);
    row->residual = row->fitted ? (row->simulated - row->measured) / row->sd : 0;
    if (row->fitted) r->cost += row->residual * row->residual;
  }
  if (c.nfit < c.np)
    snprintf(r->warning, sizeof r->warning,
             "%d parameters from %d measurement%s: at most %d parameter combination%s can be "
             "determined",
             c.np, c.nfit, c.nfit == 1 ? "" : "s", c.nfit, c.nfit == 1 ? "" : "s");
  if (c.failed)
    snprintf(r->warning + strlen(r->warning), sizeof r->warning - strlen(r->warning),
             "%s%d evaluations failed and were penalised (last: %.120s)",
             *r->warning ? "; " : "", c.failed, c.last_err.msg);
  if (in->micro && (st = fit_micro(in, r, err))) goto fail;
  r->total_s = hs_wall_s() - t0;
  nlopt_destroy(o);
  ctx_free(&c);
  *out = r;
  return HS_OK;
fail:
  if (o) nlopt_destroy(o);
  ctx_free(&c);
  hs_cal_result_free(r);
  return st ? st : HS_ERR_NOMEM;
}
