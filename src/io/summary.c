/*
 * io/summary.c - the JSON summary of a run (schema hemosim-summary/1).
 *
 *   { "schema": "hemosim-summary/1", "hemosim_version": "0.1.0",
 *     "patient": {"name": ..., "file": ...}, "scenario": ... | null,
 *     "set": ["NAME=VALUE", ...],            # the --set overrides, in order
 *     "run": {"simulated_s", "wall_s", "beats", "window_beats",
 *             "steady_state": {"requested", "reached", "beats", "time_s",
 *                              "last_change_ml", "accel_jumps", "accel_fallback",
 *                              "accel_fallback_reason", "csf_steps", "left_heart_steps",
 *                              "blood_gas_steps", "matching_steps",
 *                              "icp_imbalance_mmhg"},
 *             "integrator": {"method", "steps", "rhs_evals", "valve_events"}},
 *     "metrics": {"hr_bpm": 70.0, ...},      # HS_METRIC_LIST, then "<device>_<output>"
 *     "units": {"hr_bpm": "/min", ...},
 *     "mixing_zone": "arch" | "none" | ...,
 *     "sites": {"<node>": {"p_mmhg": .., "so2_pct": .., "device_blood_pct": ..}, ...} }
 * Documented in docs/output.md.  Built with jansson; the caller frees the text.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/textbuf.h"
#include "hemosim/hemosim.h"
#include "io/json_util.h"

#define num hs_jnum

char *hs_summary_json(const hs_sim *sim, const hs_run_info *info, hs_err *err) {
  size_t nm = hs_sim_metric_count(sim);
  const hs_plan *pl = hs_sim_plan(sim);
  size_t nn = hs_plan_node_count(pl);
  double *metrics = malloc((nm + 3 * nn + 1) * sizeof(double));
  if (!metrics) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory writing the summary");
    return NULL;
  }
  double *pm = metrics + nm, *so2 = pm + nn, *dev = so2 + nn;
  if (hs_sim_summary_all(sim, info->window_beats, metrics, err) ||
      hs_sim_site_summary(sim, info->window_beats, pm, so2, dev, err)) {
    free(metrics);
    return NULL;
  }
  json_t *sites = json_object();
  json_t *root = json_object();
  json_t *patient = json_object(), *run = json_object(), *steady = json_object();
  json_t *integ = json_object(), *m = json_object(), *u = json_object();
  char *text = NULL;
  if (!root || !patient || !run || !steady || !integ || !m || !u || !sites) goto nomem;
  hs_sim_stats st;
  hs_sim_get_stats(sim, &st);
  int bad = 0;
  bad |= json_object_set_new(root, "schema", json_string("hemosim-summary/1"));
  bad |= json_object_set_new(root, "hemosim_version", json_string(HS_VERSION));
  bad |= json_object_set_new(patient, "name", hs_jstr(info->patient_name ? info->patient_name : ""));
  bad |= json_object_set_new(patient, "file", info->patient_file ? hs_jstr(info->patient_file)
                                                                : json_string("<default>"));
  bad |= json_object_set_new(root, "patient", patient), patient = NULL;
  bad |= json_object_set_new(root, "scenario", info->scenario_file
                                                   ? hs_jstr(info->scenario_file)
                                                   : json_null());
  bad |= hs_jset(root, "set", hs_jstr_array(info->set, info->nset));
  bad |= json_object_set_new(run, "simulated_s", num(hs_sim_time(sim)));
  bad |= json_object_set_new(run, "wall_s", num(info->wall_s));
  bad |= json_object_set_new(run, "beats", json_integer(hs_sim_beats(sim)));
  bad |= json_object_set_new(run, "window_beats", json_integer(info->window_beats));
  bad |= json_object_set_new(steady, "requested", json_boolean(info->steady_requested));
  bad |= json_object_set_new(steady, "reached", json_boolean(info->steady.reached));
  bad |= json_object_set_new(steady, "beats", json_integer(info->steady.beats));
  bad |= json_object_set_new(steady, "time_s", num(info->steady.time_s));
  bad |= json_object_set_new(steady, "last_change_ml", num(info->steady.last_change));
  bad |= json_object_set_new(steady, "accel_jumps", json_integer(info->steady.accel_jumps));
  bad |= json_object_set_new(steady, "accel_fallback", json_boolean(info->steady.accel_fallback));
  bad |= json_object_set_new(steady, "accel_fallback_reason",
                             json_string(info->steady.accel_reason));
  bad |= json_object_set_new(steady, "csf_steps", json_integer(info->steady.csf_steps));
  bad |= json_object_set_new(steady, "left_heart_steps", json_integer(info->steady.lh_steps));
  bad |= json_object_set_new(steady, "blood_gas_steps", json_integer(info->steady.gas_steps));
  bad |= json_object_set_new(steady, "matching_steps", json_integer(info->steady.settle_steps));
  bad |= json_object_set_new(steady, "icp_imbalance_mmhg", num(info->steady.icp_imbalance_mmhg));
  bad |= json_object_set_new(run, "steady_state", steady), steady = NULL;
  bad |= json_object_set_new(integ, "method", json_string(hs_sim_integrator_name(sim)));
  bad |= json_object_set_new(integ, "steps", json_integer(st.steps));
  bad |= json_object_set_new(integ, "rhs_evals", json_integer(st.rhs_evals));
  bad |= json_object_set_new(integ, "valve_events", json_integer(st.valve_events));
  bad |= json_object_set_new(run, "integrator", integ), integ = NULL;
  json_t *macro = json_object();
  bad |= !macro;
  bad |= json_object_set_new(macro, "count", json_integer(st.slow_jumps));
  bad |= json_object_set_new(macro, "covered_s", num(st.slow_jumped_s));
  bad |= json_object_set_new(macro, "left_heart_ml", num(st.slow_lh_ml));
  bad |= json_object_set_new(macro, "held_s", num(st.slow_held_s));
  bad |= json_object_set_new(run, "macro_steps", macro);
  bad |= json_object_set_new(root, "run", run), run = NULL;
  for (size_t k = 0; k < nm; k++) {
    char buf[128];
    const char *name = hs_sim_metric_name(sim, k, buf, sizeof buf);
    bad |= json_object_set_new(m, name, num(metrics[k]));
    bad |= json_object_set_new(u, name, json_string(hs_sim_metric_unit(sim, k)));
  }
  bad |= json_object_set_new(root, "metrics", m), m = NULL;
  bad |= json_object_set_new(root, "units", u), u = NULL;
  for (size_t i = 0; i < nn; i++) {
    json_t *site = json_object();
    if (!site) goto nomem;
    bad |= json_object_set_new(site, "p_mmhg", num(pm[i]));
    bad |= json_object_set_new(site, "so2_pct", num(so2[i]));
    bad |= json_object_set_new(site, "device_blood_pct", num(dev[i]));
    bad |= json_object_set_new(sites, hs_plan_node_name(pl, i), site);
  }
  bad |= json_object_set_new(root, "mixing_zone", json_string(hs_sim_mixing_zone(sim, dev)));
  bad |= json_object_set_new(root, "sites", sites), sites = NULL;
  if (bad) goto nomem;
  text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
  if (!text) goto nomem;
  json_decref(root);
  free(metrics);
  return text;
nomem:
  json_decref(root), json_decref(patient), json_decref(run), json_decref(steady);
  json_decref(integ), json_decref(m), json_decref(u), json_decref(sites);
  free(metrics);
  hs_err_set(err, HS_ERR_NOMEM, "out of memory writing the summary");
  return NULL;
}

char *hs_metrics_text(const hs_sim *sim, const char *name, const double *m, hs_err *err) {
  hs_textbuf tb;
  FILE *f = hs_textbuf_open(&tb, "metrics table", err);
  if (!f) return NULL;
  fprintf(f, "%s\n", name);
  for (size_t k = 0; k < hs_sim_metric_count(sim); k++) {
    char nb[128];
    const char *mname = hs_sim_metric_name(sim, k, nb, sizeof nb);
    /* a metric that does not apply (no ECMO, no ejection) is NaN: "n/a", never "nan" */
    double v = hs_shown(m[k], 2); /* 0.00, never "-0.00" */
    if (isfinite(m[k])) fprintf(f, "  %-34s %10.2f %s\n", mname, v, hs_sim_metric_unit(sim, k));
    else fprintf(f, "  %-34s %10s\n", mname, "n/a");
  }
  return hs_textbuf_close(&tb, "metrics table", err);
}
