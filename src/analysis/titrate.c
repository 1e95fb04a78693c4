/*
 * titrate.c - microcirculation-guided VA-ECMO flow titration over a simulated
 * course, as a quasi-steady sequence of decision points (hemosim/titrate.h,
 * docs/microcirculation.md "Guided titration").
 */
#define _POSIX_C_SOURCE 200809L
#include "hemosim/oxygen.h"
#include "hemosim/titrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "hemosim/micro_model.h"
#include "hemosim/sim.h"
#include "ranges.h"

#define LPM_TO_MLS (1000.0 / 60.0)
#define FLOW_EPS 1e-9

static const char *const POLICY_NAMES[HS_TITRATE_POLICIES] = {"control", "micro"};

static const struct {
  const char *name, *doc;
} RULES[HS_RULE_COUNT] = {
    [HS_RULE_RAISE_MAP] = {"raise_map", "MAP below its minimum: raise flow"},
    [HS_RULE_RAISE_DO2] = {"raise_do2", "O2 delivery index or SvO2 below its minimum: raise flow"},
    [HS_RULE_HOLD_MAX] = {"hold_max", "hypoperfusion at maximum flow: hold"},
    [HS_RULE_RAISE_MICRO] = {"raise_micro",
                             "small-vessel PVD or PPV below the Yeh 2018 cut-off: raise flow"},
    [HS_RULE_LOWER_UNLOAD] = {"lower_unload",
                              "aortic valve closed or PCWP high: lower flow to unload the LV"},
    [HS_RULE_HOLD_UNLOAD] = {"hold_unload",
                             "unloading wanted but at minimum flow or lower flow failed the trial"},
    [HS_RULE_WEAN] = {"wean", "LV recovered (pulse pressure) and stable: wean flow"},
    [HS_RULE_WEAN_MICRO] = {"wean_micro", "microcirculation good while macro rules hold: wean flow"},
    [HS_RULE_HOLD_MICRO] = {"hold_micro",
                            "last micro measurement poor: no unloading or weaning until the next"},
    [HS_RULE_HOLD] = {"hold", "no rule fired (or a wean trial failed): hold"},
};

const char *hs_titrate_policy_name(int policy) {
  return policy >= 0 && policy < HS_TITRATE_POLICIES ? POLICY_NAMES[policy] : "?";
}

hs_status hs_titrate_policy_parse(const char *name, hs_titrate_policy *out, hs_err *err) {
  for (int i = 0; name && i < HS_TITRATE_POLICIES; i++)
    if (!strcmp(name, POLICY_NAMES[i])) {
      if (out) *out = (hs_titrate_policy)i;
      return HS_OK;
    }
  return hs_err_set(err, HS_ERR_UNKNOWN, "titrate: unknown policy '%s' (control, micro)",
                    name ? name : "(null)");
}

const char *hs_titrate_rule_name(int rule) {
  return rule >= 0 && rule < HS_RULE_COUNT ? RULES[rule].name : "?";
}
const char *hs_titrate_rule_doc(int rule) {
  return rule >= 0 && rule < HS_RULE_COUNT ? RULES[rule].doc : "?";
}

void hs_titrate_defaults(hs_titrate_options *o) {
  memset(o, 0, sizeof *o);
  o->policy = HS_TITRATE_CONTROL;
  o->hours = 72;
  o->interval_h = 1;
  o->flow0_lpm = 0;
  o->fluids_mlh = 0;
  o->trend = NULL;
  o->lv_recovery_frac = 0.5;
  o->lv_recovery_h = 72;
  hs_micro_model_vaecmo_defaults(&o->micro);
  o->micro_resolution = 0.5;
  o->micro_resolution_h = 72;
  o->map_min = 65;
  o->do2i_min = 330;
  o->svo2_min = 60;
  o->lactate_max = 0; /* optional (e.g. 2 mmol/L) */
  o->pcwp_max = 18;
  o->av_open_min = 0.5;
  o->pp_recovered = 10;
  o->step_up_lpm = 0.5;
  o->step_down_lpm = 0.5;
  o->wean_step_lpm = 0.25;
  o->wean_every_h = 6;
  o->flow_min_lpm = 1.5;
  o->flow_max_lpm = 5.5;
  o->pvd_min = 16;
  o->ppv_min = 76;
  o->pcwp_micro_max = 25;
  o->nmeasure = 4;
  o->measure_h[0] = 6;
  o->measure_h[1] = 18;
  o->measure_h[2] = 40;
  o->measure_h[3] = 72;
  o->micro_every_step = 0;
}

hs_status hs_titrate_check(const hs_titrate_options *o, hs_err *err) {
  if (!o) return hs_err_set(err, HS_ERR_INVALID, "titrate: NULL options");
  if ((int)o->policy < 0 || (int)o->policy >= HS_TITRATE_POLICIES)
    return hs_err_set(err, HS_ERR_UNKNOWN, "titrate: unknown policy %d (control, micro)",
                      (int)o->policy);
  if (!(o->hours > 0 && o->hours <= 1000))
    return hs_err_set(err, HS_ERR_RANGE, "titrate: hours = %g must be > 0 (and <= 1000)",
                      o->hours);
  if (!(o->interval_h > 0))
    return hs_err_set(err, HS_ERR_RANGE, "titrate: interval_h = %g must be > 0", o->interval_h);
  if (!(o->fluids_mlh >= 0 && o->fluids_mlh <= 5000))
    return hs_err_set(err, HS_ERR_RANGE, "titrate: fluids_mlh = %g outside [0, 5000] mL/h",
                      o->fluids_mlh);
  if (o->interval_h > o->hours)
    return hs_err_set(err, HS_ERR_RANGE, "titrate: interval_h = %g must not exceed hours = %g",
                      o->interval_h, o->hours);
  if (o->hours / o->interval_h > 100000)
    return hs_err_set(err, HS_ERR_RANGE,
                      "titrate: hours / interval_h = %g decision points (at most 100000)",
                      o->hours / o->interval_h);
  const hs_range_field f[] = {
      {"flow0_lpm", o->flow0_lpm, 0, 8},
      {"lv_recovery_frac", o->lv_recovery_frac, -0.9, 5},
      {"lv_recovery_h", o->lv_recovery_h, 1e-6, 10000},
      {"micro_resolution", o->micro_resolution, 0, 1},
      {"micro_resolution_h", o->micro_resolution_h, 1e-6, 10000},
      {"map_min", o->map_min, 0, 200},
      {"do2i_min", o->do2i_min, 0, 2000},
      {"svo2_min", o->svo2_min, 0, 100},
      {"lactate_max", o->lactate_max, 0, 20},
      {"pcwp_max", o->pcwp_max, 0, 100},
      {"av_open_min", o->av_open_min, 0, 1},
      {"pp_recovered", o->pp_recovered, 0, 200},
      {"step_up_lpm", o->step_up_lpm, 1e-3, 8},
      {"step_down_lpm", o->step_down_lpm, 1e-3, 8},
      {"wean_step_lpm", o->wean_step_lpm, 1e-3, 8},
      {"wean_every_h", o->wean_every_h, 0, 10000},
      {"flow_min_lpm", o->flow_min_lpm, 0, 8},
      {"flow_max_lpm", o->flow_max_lpm, 0, 8},
      {"pvd_min", o->pvd_min, 0, 60},
      {"ppv_min", o->ppv_min, 0, 100},
      {"pcwp_micro_max", o->pcwp_micro_max, 0, 100},
  };
  hs_status st = hs_check_ranges(f, sizeof f / sizeof f[0], "titrate:", err);
  if (st) return st;
  if (!(o->flow_min_lpm < o->flow_max_lpm))
    return hs_err_set(err, HS_ERR_RANGE,
                      "titrate: flow_min_lpm = %g must be below flow_max_lpm = %g",
                      o->flow_min_lpm, o->flow_max_lpm);
  if (o->nmeasure > HS_TITRATE_MAX_MEASUREMENTS)
    return hs_err_set(err, HS_ERR_RANGE, "titrate: nmeasure = %zu (at most %d)", o->nmeasure,
                      HS_TITRATE_MAX_MEASUREMENTS);
  for (size_t i = 0; i < o->nmeasure; i++) {
    /* times after the end of the course are allowed and never reached */
    if (!(o->measure_h[i] >= 0 && o->measure_h[i] <= 10000))
      return hs_err_set(err, HS_ERR_RANGE, "titrate: measure_h[%zu] = %g outside [0, 10000]", i,
                        o->measure_h[i]);
    if (i && !(o->measure_h[i] > o->measure_h[i - 1]))
      return hs_err_set(err, HS_ERR_INVALID,
                        "titrate: measure_h[%zu] = %g must be later than measure_h[%zu] = %g", i,
                        o->measure_h[i], i - 1, o->measure_h[i - 1]);
  }
  /* the dysfunction parameters at placement, with a neutral input */
  hs_micro_model_input in = {70, 8, 2.5, 12, 97, 1};
  st = hs_micro_model_check(&o->micro, &in, err);
  if (st) hs_err_prefix(err, "titrate: ");
  return st;
}

hs_status hs_titrate_micro_from_model(hs_titrate_options *o, const hs_model *m, unsigned which,
                                      hs_err *err) {
  if (!o || !m) return hs_err_set(err, HS_ERR_INVALID, "titrate: NULL argument");
  hs_micro_model_params p;
  hs_status st = hs_micro_model_params_from_model(m, &p, err);
  if (st) return st;
  if (which & (1u << HS_MFIT_OBSTRUCTED)) o->micro.obstructed = p.obstructed;
  if (which & (1u << HS_MFIT_OEDEMA)) o->micro.oedema = p.oedema;
  if (which & (1u << HS_MFIT_VASOCONSTRICTION)) o->micro.vasoconstriction = p.vasoconstriction;
  return HS_OK;
}

static double ramp(double t, double t_end) { return t >= t_end ? 1.0 : t / t_end; }

/* Macro state of one steady run. */
typedef struct macro {
  double m[HS_METRIC_COUNT];
  double do2i, ecmo_flow;
  int steady;
} macro;

typedef struct runner {
  hs_sim *sim;
  const hs_titrate_options *o;
  int window;
  int ecmo_metric; /* index of "ecmo_flow_lpm" in hs_sim_summary_all, -1 if absent */
  size_t nall;
  double *all;
} runner;

static hs_status settle(runner *r, double flow_lpm, macro *out, hs_err *err) {
  hs_status st = hs_sim_set(r->sim, "ecmo.target_flow", flow_lpm * LPM_TO_MLS, err);
  if (st) return st;
  hs_steady_info info;
  st = hs_sim_run_to_steady(r->sim, &info, err);
  if (st == HS_ERR_NOT_STEADY) {
    hs_err_clear(err);
    st = HS_OK;
  }
  if (st) return st;
  out->steady = info.reached;
  if ((st = hs_sim_summary_all(r->sim, r->window, r->all, err))) return st;
  memcpy(out->m, r->all, sizeof out->m);
  double bsa = out->m[HS_M_CI] > 0 ? out->m[HS_M_CO] / out->m[HS_M_CI] : NAN;
  out->do2i = out->m[HS_M_DO2] / bsa;
  out->ecmo_flow = r->ecmo_metric >= 0 ? r->all[r->ecmo_metric] : NAN;
  return HS_OK;
}

/* the mixed venous SvO2 the team samples (hemosim/oxygen.h): on VA-ECMO the drained,
   pre-oxygenator blood, as compare's perfusion target */
static double svo2_sample(const double *m) { return hs_o2_svo2_sample(m[HS_M_SVO2D], m[HS_M_SVO2]); }

static int hypoperfused(const hs_titrate_options *o, const macro *x) {
  return x->m[HS_M_MAP] < o->map_min || !(x->do2i >= o->do2i_min) ||
         svo2_sample(x->m) < o->svo2_min ||
         (o->lactate_max > 0 && !(x->m[HS_M_LACT_EQ] <= o->lactate_max));
}

/* Is time t a micro measurement time?  Returns its label (1..), or 0. */
static int measurement_at(const hs_titrate_options *o, double t, double half) {
  for (size_t i = 0; i < o->nmeasure; i++)
    if (fabs(t - o->measure_h[i]) < half) return (int)i + 1;
  return 0;
}

/* A lower flow is accepted when, at steady state, MAP, DO2 index and SvO2 stay
   at or above their limits. */
static hs_status trial_ok(runner *r, double flow_lpm, int *ok, hs_err *err) {
  macro x;
  hs_status st = settle(r, flow_lpm, &x, err);
  if (st) return st;
  *ok = !hypoperfused(r->o, &x);
  return HS_OK;
}

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

hs_status hs_titrate_run(const hs_model *m, const hs_titrate_options *o,
                         hs_titrate_result **out, hs_err *err) {
  if (!m || !o || !out) return hs_err_set(err, HS_ERR_INVALID, "titrate: NULL argument");
  *out = NULL;
  hs_status st = hs_titrate_check(o, err);
  if (st) return st;
  double t0 = hs_wall_s();
  size_t nsteps = (size_t)floor(o->hours / o->interval_h + 1e-9) + 1;
  hs_titrate_result *res = calloc(1, sizeof *res);
  hs_plan *plan = NULL;
  runner r = {0};
  r.o = o;
  if (!res || !(res->step = calloc(nsteps, sizeof *res->step))) {
    st = hs_err_set(err, HS_ERR_NOMEM, "titrate: out of memory");
    goto fail;
  }
  res->policy = o->policy;
  if (!(plan = hs_plan_compile(m, err)) || !(r.sim = hs_sim_new(plan, err))) {
    st = err ? err->code : HS_ERR_MODEL;
    if (!st) st = HS_ERR_MODEL;
    goto fail;
  }
  double flow = o->flow0_lpm, ees0, wb = 0;
  if (flow <= 0) {
    double mls;
    if ((st = hs_sim_get(r.sim, "ecmo.target_flow", &mls, err))) {
      hs_err_prefix(err, "titrate: the patient needs a VA-ECMO device named 'ecmo': ");
      goto fail;
    }
    flow = mls / LPM_TO_MLS;
  }
  flow = clampd(flow, o->flow_min_lpm, o->flow_max_lpm);
  if ((st = hs_sim_get(r.sim, "lv.ees", &ees0, err))) goto fail;
  if (hs_sim_get(r.sim, "solver.window_beats", &wb, NULL) != HS_OK || !(wb >= 1)) wb = 8;
  r.window = wb > 64 ? 64 : (int)wb;
  r.nall = hs_sim_metric_count(r.sim);
  if (!(r.all = malloc(r.nall * sizeof *r.all))) {
    st = hs_err_set(err, HS_ERR_NOMEM, "titrate: out of memory");
    goto fail;
  }
  if (o->fluids_mlh > 0 &&
      ((st = hs_sim_set(r.sim, "fluids.enabled", 1, err)) ||
       (st = hs_sim_set(r.sim, "fluids.crystalloid_rate", o->fluids_mlh / 3600.0, err)) ||
       (st = hs_sim_set(r.sim, "solver.slow_step", 600, err))))
    goto fail;
  if (o->trend) hs_sim_set_beat_callback(r.sim, hs_trend_on_beat, o->trend);
  double balance0 = 0;
  r.ecmo_metric = -1;
  for (size_t i = 0; i < r.nall; i++) {
    char buf[128];
    const char *nm = hs_sim_metric_name(r.sim, i, buf, sizeof buf);
    if (nm && !strcmp(nm, "ecmo_flow_lpm")) r.ecmo_metric = (int)i;
  }

  double last_change_h = 0;
  int last_poor = 0;  /* micro policy: the latest measurement was poor */
  int next_label = 5; /* labels beyond the trial's T1..T4 when measuring every step */
  for (size_t k = 0; k < nsteps; k++) {
    hs_titrate_step *s = &res->step[k];
    double t = (double)k * o->interval_h;
    s->t_h = t;
    s->flow_lpm = flow;
    /* patient course */
    s->lv_ees = ees0 * (1 + o->lv_recovery_frac * ramp(t, o->lv_recovery_h));
    double keep = 1 - o->micro_resolution * ramp(t, o->micro_resolution_h);
    hs_micro_model_params mp = o->micro;
    mp.obstructed *= keep;
    mp.oedema *= keep;
    mp.vasoconstriction *= keep;
    s->obstructed = mp.obstructed;
    s->oedema = mp.oedema;
    s->vasoconstriction = mp.vasoconstriction;
    if ((st = hs_sim_set(r.sim, "lv.ees", s->lv_ees, err))) goto step_fail;
    macro x;
    if ((st = settle(&r, flow, &x, err))) goto step_fail;
    s->steady = x.steady;
    if (!x.steady) res->not_steady++;
    s->ecmo_flow_lpm = x.ecmo_flow;
    s->map_mmhg = x.m[HS_M_MAP];
    s->ci_lpm_m2 = x.m[HS_M_CI];
    s->pcwp_mmhg = x.m[HS_M_PCWP];
    s->cvp_mmhg = x.m[HS_M_CVP];
    s->pp_mmhg = x.m[HS_M_PP];
    s->av_open = x.m[HS_M_AVOPEN];
    s->lvo_lpm = x.m[HS_M_LVO];
    s->svo2_pct = svo2_sample(x.m);
    s->do2i_mlmin_m2 = x.do2i;
    s->fluid_balance_ml = x.m[HS_M_BALANCE] - balance0;
    balance0 = x.m[HS_M_BALANCE];
    s->urine_mlh = x.m[HS_M_URINE];
    s->hb_gdl = x.m[HS_M_HB];
    s->pfhb_mgdl = x.m[HS_M_PFHB];
    s->lactate_mmol_l = x.m[HS_M_LACT_EQ];
    hs_micro_model_input in;
    hs_micro_model_output mo;
    if ((st = hs_micro_model_input_from_sim(r.sim, r.window, &in, err)) ||
        (st = hs_micro_model_eval(&mp, &in, &mo, err)))
      goto step_fail;
    s->tvd = mo.tvd_mm_mm2;
    s->pvd = mo.pvd_mm_mm2;
    s->ppv = mo.ppv_pct;
    s->mfi = mo.mfi;
    s->micro_poor = s->pvd < o->pvd_min || s->ppv < o->ppv_min;
    int label = measurement_at(o, t, 0.5 * o->interval_h);
    if (!label && o->micro_every_step) label = next_label++;
    s->measured = label;
    s->hypoperfusion = hypoperfused(o, &x);

    /* ---- decision ---- */
    int av_closed = s->av_open < o->av_open_min;
    int micro = o->policy == HS_TITRATE_MICRO && label;
    if (micro) last_poor = s->micro_poor;
    int protect = o->policy == HS_TITRATE_MICRO && last_poor;
    int rule = HS_RULE_HOLD;
    double next = flow;
    if (s->hypoperfusion) {
      if (flow >= o->flow_max_lpm - FLOW_EPS) {
        rule = HS_RULE_HOLD_MAX;
      } else {
        rule = s->map_mmhg < o->map_min ? HS_RULE_RAISE_MAP : HS_RULE_RAISE_DO2;
        next = fmin(flow + o->step_up_lpm, o->flow_max_lpm);
      }
    } else if (micro && s->micro_poor && s->pcwp_mmhg <= o->pcwp_micro_max && !av_closed &&
               flow < o->flow_max_lpm - FLOW_EPS) {
      rule = HS_RULE_RAISE_MICRO;
      next = fmin(flow + o->step_up_lpm, o->flow_max_lpm);
    } else if (av_closed || s->pcwp_mmhg > o->pcwp_max) {
      rule = HS_RULE_HOLD_UNLOAD;
      if (protect && !av_closed && s->pcwp_mmhg <= o->pcwp_micro_max) {
        rule = HS_RULE_HOLD_MICRO;
      } else if (flow > o->flow_min_lpm + FLOW_EPS) {
        double lower = fmax(flow - o->step_down_lpm, o->flow_min_lpm);
        int ok;
        if ((st = trial_ok(&r, lower, &ok, err))) goto step_fail;
        if (ok) {
          rule = HS_RULE_LOWER_UNLOAD;
          next = lower;
        }
      }
    } else {
      int macro_wean = s->pp_mmhg >= o->pp_recovered && t - last_change_h >= o->wean_every_h - 1e-9;
      int micro_wean = micro && !s->micro_poor;
      if (protect && macro_wean) {
        rule = HS_RULE_HOLD_MICRO;
      } else if ((macro_wean || micro_wean) && flow > o->flow_min_lpm + FLOW_EPS) {
        double lower = fmax(flow - o->wean_step_lpm, o->flow_min_lpm);
        int ok;
        if ((st = trial_ok(&r, lower, &ok, err))) goto step_fail;
        if (ok) {
          rule = macro_wean ? HS_RULE_WEAN : HS_RULE_WEAN_MICRO;
          next = lower;
        }
      }
    }
    s->rule = rule;
    s->next_flow_lpm = next;
    res->rule_count[rule]++;
    if (fabs(next - flow) > FLOW_EPS) last_change_h = t;
    flow = next;
    res->mean_flow_lpm += s->flow_lpm;
    res->mean_pvd += s->pvd;
    res->mean_map += s->map_mmhg;
    res->n = k + 1;
    if (o->trend) {
      char lab[64];
      snprintf(lab, sizeof lab, "%s %.2f L/min", hs_titrate_rule_name(rule), next);
      if ((st = hs_trend_add_event(o->trend, hs_sim_time(r.sim), lab, err))) goto step_fail;
    }
    /* the slow states move over the interval (fluids on): macro steps at the new flow */
    if (o->fluids_mlh > 0 && k + 1 < nsteps) {
      if ((st = hs_sim_set(r.sim, "ecmo.target_flow", next * LPM_TO_MLS, err)) ||
          (st = hs_sim_run(r.sim, o->interval_h * 3600.0, err)))
        goto step_fail;
    }
    if (o->progress) o->progress(t, o->hours, o->progress_ud);
    continue;
  step_fail:
    hs_err_prefix(err, "titrate (%s policy): t = %g h, ECMO flow %.2f L/min: ",
                  hs_titrate_policy_name(o->policy), t, flow);
    goto fail;
  }
  res->mean_flow_lpm /= (double)res->n;
  res->mean_pvd /= (double)res->n;
  res->mean_map /= (double)res->n;
  res->final_flow_lpm = res->step[res->n - 1].flow_lpm;
  res->wall_s = hs_wall_s() - t0;
  free(r.all);
  hs_sim_free(r.sim);
  hs_plan_free(plan);
  *out = res;
  return HS_OK;
fail:
  free(r.all);
  hs_sim_free(r.sim);
  hs_plan_free(plan);
  hs_titrate_result_free(res);
  return st ? st : HS_ERR_INVALID;
}

void hs_titrate_result_free(hs_titrate_result *r) {
  if (!r) return;
  free(r->step);
  free(r);
}
