/*
 * model/sim_state.c - what a caller reads from and writes into a running simulation
 * (hemosim/sim.h): time, beats, the last beat's and the window's metrics, per-site
 * summaries, metric names and units, volumes, the warm-state API (get, set and copy the
 * dynamic state at a beat start, with the physiological modules' slow states), the
 * sampler and beat callbacks and the run statistics.  Pressures and flows, which need an
 * evaluation, are read in model/sim.c.  It works on the simulation's private state
 * (model/sim_internal.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/sim_internal.h"

/* ------------------------------------------------------------ read-outs -- */

double hs_sim_time(const hs_sim *s) { return s->t; }
long hs_sim_beats(const hs_sim *s) { return s->beats; }

hs_status hs_sim_last_beat(const hs_sim *s, double out[HS_METRIC_COUNT], hs_err *err) {
  if (s->nhist == 0) return hs_err_set(err, HS_ERR_STATE, "no beat has completed yet");
  memcpy(out, s->hist + ((s->nhist - 1) % HIST) * s->nm, sizeof(double) * HS_METRIC_COUNT);
  return HS_OK;
}

static hs_status check_window(const hs_sim *s, int window, hs_err *err) {
  if (window < 1 || window > HIST)
    return hs_err_set(err, HS_ERR_INVALID, "summary window must be 1..%d beats (got %d)", HIST,
                      window);
  if (s->nhist < window)
    return hs_err_set(err, HS_ERR_STATE, "only %ld beats completed, %d needed for the summary",
                      s->nhist, window);
  return HS_OK;
}

/* Mean of `width` values per row over the last `window` rows of a history table.
   NaN means "no value in that beat" (e.g. a 1:2 balloon pump's augmentation in its
   unassisted beats): the mean is over the beats that have one, NaN if none has. */
static void window_mean(const hs_sim *s, const double *table, int width, int window,
                        double *out) {
  for (int k = 0; k < width; k++) {
    double sum = 0;
    int n = 0;
    for (int j = 0; j < window; j++) {
      double v = table[((s->nhist - 1 - j) % HIST) * width + k];
      if (!isnan(v)) sum += v, n++;
    }
    out[k] = n ? sum / n : NAN;
  }
}

hs_status hs_sim_summary_all(const hs_sim *s, int window, double *out, hs_err *err) {
  hs_status st = check_window(s, window, err);
  if (st == HS_OK) window_mean(s, s->hist, s->nm, window, out);
  return st;
}

hs_status hs_sim_summary(const hs_sim *s, int window, double out[HS_METRIC_COUNT], hs_err *err) {
  double *all = malloc((size_t)s->nm * sizeof(double));
  if (!all) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  hs_status st = hs_sim_summary_all(s, window, all, err);
  if (st == HS_OK) memcpy(out, all, sizeof(double) * HS_METRIC_COUNT);
  free(all);
  return st;
}

hs_status hs_sim_site_summary(const hs_sim *s, int window, double *pm, double *so2, double *dev,
                              hs_err *err) {
  hs_status st = check_window(s, window, err);
  if (st) return st;
  int nn = s->pl->nn;
  double *all = malloc(3 * (size_t)nn * sizeof(double));
  if (!all) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  window_mean(s, s->site, 3 * nn, window, all);
  if (pm) memcpy(pm, all, (size_t)nn * sizeof(double));
  if (so2) memcpy(so2, all + nn, (size_t)nn * sizeof(double));
  if (dev) memcpy(dev, all + 2 * nn, (size_t)nn * sizeof(double));
  free(all);
  return HS_OK;
}

const char *hs_sim_mixing_zone(const hs_sim *s, const double *dev) {
  static const char *const chain[] = {"aortic_root", "arch", "desc_aorta", "abd_aorta",
                                      "lower_arteries"};
  int any = 0;
  for (size_t k = 0; k < sizeof chain / sizeof chain[0]; k++) {
    int i = hs_plan_node_find(s->pl, chain[k]);
    if (i < 0) continue;
    if (dev[i] > 1.0) any = 1;
    if (dev[i] >= 50.0) return s->pl->bname[s->pl->node_block[i]]; /* as bound (roles) */
  }
  return any ? "beyond lower_arteries" : "none";
}

size_t hs_sim_metric_count(const hs_sim *s) { return (size_t)s->nm; }

const char *hs_sim_metric_name(const hs_sim *s, size_t i, char *buf, size_t n) {
  if (i < HS_METRIC_COUNT) return hs_metric_name((hs_metric_id)i);
  const hs_plan *pl = s->pl;
  size_t o = i - HS_METRIC_COUNT;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    if (o < (size_t)pl->dev_out_ofs[d] || o >= (size_t)(pl->dev_out_ofs[d] + dt->noutputs))
      continue;
    snprintf(buf, n, "%s_%s", pl->bname[pl->dev_block[d]],
             dt->outputs[o - (size_t)pl->dev_out_ofs[d]].name);
    return buf;
  }
  return "?";
}

const char *hs_sim_metric_unit(const hs_sim *s, size_t i) {
  if (i < HS_METRIC_COUNT) return hs_metric_unit((hs_metric_id)i);
  const hs_plan *pl = s->pl;
  size_t o = i - HS_METRIC_COUNT;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    if (o >= (size_t)pl->dev_out_ofs[d] && o < (size_t)(pl->dev_out_ofs[d] + dt->noutputs))
      return dt->outputs[o - (size_t)pl->dev_out_ofs[d]].unit;
  }
  return "?";
}

const hs_plan *hs_sim_plan(const hs_sim *s) { return s->pl; }

double hs_sim_volume(const hs_sim *s, size_t i) { return s->y[i]; }

double hs_sim_total_volume(const hs_sim *s) {
  const hs_plan *pl = s->pl;
  double v = 0;
  for (int i = 0; i < pl->nn; i++) v += s->y[i];
  for (int d = 0; d < pl->nd; d++)
    if (pl->dev_type[d]->volume_param >= 0)
      v += bparams(s, pl->dev_block[d])[pl->dev_type[d]->volume_param];
  return v;
}

double hs_sim_fluid_exchanged(const hs_sim *s) { return s->fluid_moved; }

/* ------------------------------------------------------------- warm start -- */

/* The dynamic state is y (plan layout), then the physiological modules' slow states in
   module order (physio/module.h); the modules' other states (the MAP / BP controller's
   factor) are not part of it. */
size_t hs_sim_state_size(const hs_sim *s) { return (size_t)s->pl->ny + (size_t)s->nslow; }

static void slow_get(const hs_sim *s, double *out) {
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    int n = hs_physio_module_at(k)->nslow;
    memcpy(out, s->mstate + s->mofs[k], (size_t)n * sizeof(double));
    out += n;
  }
}

/* Set the slow states (module order) and renew what depends on them. */
static void slow_set(hs_sim *s, const double *in) {
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    int n = hs_physio_module_at(k)->nslow;
    memcpy(s->mstate + s->mofs[k], in, (size_t)n * sizeof(double));
    in += n;
  }
  if (s->nslow) hs_sim_refresh_derived(s); /* effect (haemoglobin), end-capillary content */
}

static int at_beat_start(const hs_sim *s) { return fabs(s->t - s->bt0) < 1e-9; }

hs_status hs_sim_get_state(const hs_sim *s, double *out, size_t n, hs_err *err) {
  if (n != hs_sim_state_size(s))
    return hs_err_set(err, HS_ERR_INVALID, "state vector: size %zu, this simulation has %zu",
                      n, hs_sim_state_size(s));
  memcpy(out, s->y, (size_t)s->pl->ny * sizeof(double));
  slow_get(s, out + s->pl->ny);
  return HS_OK;
}

static hs_status warm_check(const hs_sim *s, const char *what, hs_err *err) {
  if (s->broken)
    return hs_err_set(err, HS_ERR_STATE, "%s: the simulation stopped on an earlier error", what);
  if (!at_beat_start(s))
    return hs_err_set(err, HS_ERR_INVALID,
                      "%s: t=%.4f s is not a beat start (use a new simulation or one after "
                      "hs_sim_run_beats / hs_sim_run_to_steady)",
                      what, s->t);
  return HS_OK;
}

hs_status hs_sim_set_state(hs_sim *s, const double *in, size_t n, hs_err *err) {
  const hs_plan *pl = s->pl;
  hs_status st = warm_check(s, "set state", err);
  if (st) return st;
  if (n != hs_sim_state_size(s))
    return hs_err_set(err, HS_ERR_INVALID, "set state: size %zu, this simulation has %zu", n,
                      hs_sim_state_size(s));
  for (size_t k = 0; k < n; k++)
    if (!isfinite(in[k]))
      return hs_err_set(err, HS_ERR_INVALID, "set state: value %zu is not a finite number", k);
  for (int i = 0; i < pl->nn; i++)
    if (!(in[i] > 0))
      return hs_err_set(err, HS_ERR_INVALID, "set state: volume of '%s' is %g mL (must be > 0)",
                        hs_plan_node_name(pl, (size_t)i), in[i]);
  memcpy(s->y, in, (size_t)pl->ny * sizeof(double));
  slow_set(s, in + pl->ny);
  hs_sim_state_changed(s);
  return HS_OK;
}

hs_status hs_sim_copy_state(hs_sim *dst, const hs_sim *src, hs_err *err) {
  const hs_plan *pd = dst->pl, *ps = src->pl;
  hs_status st = warm_check(dst, "copy state (destination)", err);
  if (!st) st = warm_check(src, "copy state (source)", err);
  if (st) return st;
  double before = 0, after = 0;
  for (int i = 0; i < pd->nn; i++) before += dst->y[i];
  for (int i = 0; i < pd->nn; i++) {
    int j = ps == pd ? i : hs_plan_node_find(ps, hs_plan_node_name(pd, (size_t)i));
    if (j < 0) continue; /* a node the source lacks keeps its own state */
    double v = src->y[j];
    dst->y[i] = v;
    dst->y[pd->yo2 + i] = src->y[ps->yo2 + j];
    dst->y[pd->yco2 + i] = src->y[ps->yco2 + j];
    if (pd->ntr) dst->y[pd->ytr + i] = ps->ntr ? src->y[ps->ytr + j] : 0.0;
  }
  for (int e = 0; e < pd->ne; e++) {
    if (pd->estate[e] < 0) continue;
    int f = ps == pd ? e : hs_plan_edge_find(ps, hs_plan_edge_name(pd, (size_t)e));
    if (f >= 0 && ps->estate[f] >= 0) dst->y[pd->estate[e]] = src->y[ps->estate[f]];
  }
  for (int d = 0; d < pd->nd; d++)
    for (int c = 0; c < ps->nd; c++)
      if (pd->dev_type[d] == ps->dev_type[c] &&
          strcmp(pd->bname[pd->dev_block[d]], ps->bname[ps->dev_block[c]]) == 0)
        memcpy(dst->y + pd->dev_state_ofs[d], src->y + ps->dev_state_ofs[c],
               (size_t)pd->dev_type[d]->nstates * sizeof(double));
  for (int k = 0; k < pd->nmod; k++) /* the same module registry: the same order */
    if (pd->mod_ny[k] && pd->mod_ny[k] == ps->mod_ny[k])
      memcpy(dst->y + pd->mod_y[k], src->y + ps->mod_y[k], (size_t)pd->mod_ny[k] * sizeof(double));
  if (pd->nar && pd->nar == ps->nar)
    memcpy(dst->y + pd->yar, src->y + ps->yar, (size_t)pd->nar * sizeof(double));
  if (pd->nic && ps->nic) dst->y[pd->ycsf] = src->y[ps->ycsf];
  if (pd->ycf >= 0 && ps->ycf >= 0) dst->y[pd->ycf] = src->y[ps->ycf];
  if (pd->yrf >= 0 && ps->yrf >= 0) dst->y[pd->yrf] = src->y[ps->yrf];
  if (dst->nslow) { /* the same modules in every simulation */
    double *x = malloc((size_t)src->nslow * sizeof(double));
    if (!x) return hs_err_set(err, HS_ERR_NOMEM, "copy state: out of memory");
    slow_get(src, x);
    slow_set(dst, x);
    free(x);
  }
  dst->y[pd->ygas] = src->y[ps->ygas]; /* alveolar PCO2; membrane lungs by device name */
  for (int d = 0; d < pd->nd; d++)
    for (int c = 0; c < ps->nd; c++)
      if (strcmp(pd->bname[pd->dev_block[d]], ps->bname[ps->dev_block[c]]) == 0)
        dst->y[pd->ygas + 1 + d] = src->y[ps->ygas + 1 + c];
  /* the destination keeps its own blood volume: node volumes (and the O2 and tracer
     they carry) scale by its total over the copied total */
  for (int i = 0; i < pd->nn; i++) after += dst->y[i];
  double k = after > 0 ? before / after : 1.0;
  for (int i = 0; i < pd->nn; i++) {
    dst->y[i] *= k;
    dst->y[pd->yo2 + i] *= k;
    dst->y[pd->yco2 + i] *= k;
    if (pd->ntr) dst->y[pd->ytr + i] *= k;
  }
  hs_sim_state_changed(dst);
  return HS_OK;
}

hs_status hs_sim_set_sampler(hs_sim *s, double dt, hs_sample_fn fn, void *ud, hs_err *err) {
  if (fn && !(dt > 0 && isfinite(dt)))
    return hs_err_set(err, HS_ERR_INVALID, "sample interval must be > 0 s (got %g)", dt);
  s->sample_fn = fn;
  s->sample_ud = ud;
  s->sample_dt = dt;
  s->next_sample = s->t;
  return HS_OK;
}

void hs_sim_set_beat_callback(hs_sim *s, hs_beat_fn fn, void *ud) {
  s->beat_fn = fn;
  s->beat_ud = ud;
}

void hs_sim_get_stats(const hs_sim *s, hs_sim_stats *out) {
  hs_ode_stats st;
  s->ot->stats(s->ode, &st);
  out->steps = st.steps;
  out->rhs_evals = st.rhs_evals;
  out->jac_evals = st.jac_evals;
  out->restarts = st.restarts;
  out->valve_events = s->valve_events;
  out->beats = s->beats;
  out->simulated_s = s->t;
  out->slow_jumps = s->slow_jumps;
  out->slow_jumped_s = s->slow_jumped;
  out->slow_held_s = s->slow_held;
  out->slow_lh_ml = s->lh_moved;
}
