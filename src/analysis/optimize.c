/*
 * analysis/optimize.c - sweep one strategy's setting and pick the least support that
 * meets the targets (hemosim/optimize.h).  The sweep is a grid from least to most
 * support, evaluated in parallel; the objective is lexicographic: (1) every target
 * met, (2) least support.  A grid, not a gradient method: device settings are
 * discrete on the console (levels, French sizes, ratios) and the responses have
 * thresholds (aortic valve opening), so a local optimiser gains nothing here.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/strategy.h"
#include "hemosim/optimize.h"
#include "hemosim/roles.h"
#include "hemosim/plot.h"
#include "hemosim/sim.h"

const char *const hs_optimize_strategies[] = {"ecmo-flow", "iabp", "impella", "septostomy",
                                              "la-vent", "lv-vent", NULL};

typedef struct sweep {
  const char *name, *setting, *unit;
  const char *pre, *post;   /* strategy text = pre value post, e.g. "ecmo+impella_cp:P" 6 "" */
  const char *lpre, *lpost; /* readable label, e.g. "Impella CP P" 6 "" */
  double lo, hi, step; /* setting values, support increasing with the index */
  int discrete;        /* console setting with discrete positions (ratio, level) */
} sweep;

static const sweep SWEEPS[] = {
    {"ecmo-flow", "ECMO flow", "L/min", "ecmo:", "", "ECMO ", " L/min", 1.0, 6.0, 0.5, 0},
    {"iabp", "IABP assist ratio 1:n", "", "ecmo+iabp:1:", "", "IABP 1:", "", 3, 1, -1, 1},
    {"impella", "Impella CP performance level P", "", "ecmo+impella_cp:P", "", "Impella CP P", "", 1, 9, 1, 1},
    {"septostomy", "septostomy diameter", "mm", "ecmo+septostomy:", "mm", "septostomy ", " mm", 2,
     16, 2, 0},
    {"la-vent", "transseptal LA vent size", "Fr", "ecmo+la_vent:", "Fr", "LA vent ", " Fr", 10,
     24, 2, 0},
    {"lv-vent", "surgical LV apical vent size", "Fr", "ecmo+apical_vent:", "Fr",
     "apical vent ", " Fr", 20, 36, 4, 0},
};

/* Any strategy text compare accepts (docs/decision.md "Strategy syntax"): the setting of
   its last sized device part is swept over that device's range (the rest of the text
   kept as written); a text without one (ECMO alone, drugs) sweeps the ECMO flow with
   the rest kept.  The sweep's texts live in `buf`. */
typedef struct text_sweep {
  sweep sw;
  char name[96], setting[64], pre[96], post[96];
} text_sweep;

static const struct {
  const char *part, *setting, *unit, *suffix, *prefix;
  double lo, hi, step;
  int discrete;
} PART_SWEEPS[] = {
    {"iabp", "IABP assist ratio 1:n", "", "", "1:", 3, 1, -1, 1},
    {"impella_2.5", "Impella 2.5 performance level P", "", "", "P", 1, 9, 1, 1},
    {"impella_cp", "Impella CP performance level P", "", "", "P", 1, 9, 1, 1},
    {"impella_5.0", "Impella 5.0 performance level P", "", "", "P", 1, 9, 1, 1},
    {"impella_5.5", "Impella 5.5 performance level P", "", "", "P", 1, 9, 1, 1},
    {"impella_rp", "Impella RP performance level P", "", "", "P", 1, 9, 1, 1},
    {"tandemheart", "TandemHeart speed", "rpm", "rpm", "", 3000, 7500, 500, 0},
    {"septostomy", "septostomy diameter", "mm", "mm", "", 2, 16, 2, 0},
    {"la_vent", "transseptal LA vent size", "Fr", "Fr", "", 10, 24, 2, 0},
    {"pa_vent", "PA vent size", "Fr", "Fr", "", 10, 24, 2, 0},
    {"pigtail", "transaortic pigtail vent size", "Fr", "Fr", "", 6, 14, 2, 0},
    {"rspv_vent", "surgical RSPV vent size", "Fr", "Fr", "", 16, 28, 4, 0},
    {"apical_vent", "surgical LV apical vent size", "Fr", "Fr", "", 20, 36, 4, 0},
    {"lvad", "LVAD apical drainage size", "Fr", "Fr", "", 20, 36, 4, 0},
};

static hs_status sweep_of_text(const char *text, text_sweep *ts, hs_err *err) {
  hs_strategy chk;
  hs_status st = hs_strategy_parse(text, &chk, err);
  if (st) return st;
  memset(ts, 0, sizeof *ts);
  snprintf(ts->name, sizeof ts->name, "%s", text);
  /* the parts, in order; the last one with a sweep range is swept */
  char buf[96];
  snprintf(buf, sizeof buf, "%s", text);
  int pick = -1, np = 0, ecmo_part = -1;
  const char *parts[24];
  char *save = NULL;
  for (char *c = strtok_r(buf, "+", &save); c && np < 24; c = strtok_r(NULL, "+", &save)) {
    while (*c == ' ') c++;
    size_t n = strcspn(c, ": ");
    for (size_t k = 0; k < sizeof PART_SWEEPS / sizeof PART_SWEEPS[0]; k++)
      if (strlen(PART_SWEEPS[k].part) == n && !strncmp(c, PART_SWEEPS[k].part, n))
        pick = np;
    if (n == 4 && !strncmp(c, "ecmo", 4)) ecmo_part = np;
    parts[np++] = c;
  }
  /* the text again, with the swept part's argument cut out: pre VALUE post */
  int k = pick >= 0 ? pick : ecmo_part;
  if (k < 0) return hs_err_set(err, HS_ERR_INVALID, "optimize '%s': no part to sweep", text);
  for (int i = 0; i < k; i++)
    snprintf(ts->pre + strlen(ts->pre), sizeof ts->pre - strlen(ts->pre), "%s+", parts[i]);
  snprintf(ts->pre + strlen(ts->pre), sizeof ts->pre - strlen(ts->pre), "%.*s:",
           (int)strcspn(parts[k], ": "), parts[k]);
  for (int i = k + 1; i < np; i++)
    snprintf(ts->post + strlen(ts->post), sizeof ts->post - strlen(ts->post), "+%s", parts[i]);
  sweep *sw = &ts->sw;
  sw->name = ts->name;
  sw->pre = ts->pre, sw->post = ts->post;
  sw->lpre = sw->lpost = NULL; /* labels: the strategy's own (hs_strategy_parse) */
  if (pick < 0) { /* ECMO flow, the rest as written */
    if (chk.lvad)
      return hs_err_set(err, HS_ERR_INVALID,
                        "optimize '%s': nothing to sweep (the LVAD conversion is swept by its "
                        "drainage size: lvad:32Fr)", text);
    sw->setting = "ECMO flow", sw->unit = "L/min";
    sw->lo = 1.0, sw->hi = 6.0, sw->step = 0.5, sw->discrete = 0;
    return HS_OK;
  }
  size_t n = strcspn(parts[pick], ": ");
  for (size_t q = 0; q < sizeof PART_SWEEPS / sizeof PART_SWEEPS[0]; q++) {
    if (strlen(PART_SWEEPS[q].part) != n || strncmp(parts[pick], PART_SWEEPS[q].part, n)) continue;
    snprintf(ts->setting, sizeof ts->setting, "%s", PART_SWEEPS[q].setting);
    sw->setting = ts->setting, sw->unit = PART_SWEEPS[q].unit;
    sw->lo = PART_SWEEPS[q].lo, sw->hi = PART_SWEEPS[q].hi, sw->step = PART_SWEEPS[q].step;
    sw->discrete = PART_SWEEPS[q].discrete;
    /* the argument's prefix and unit around the value: "iabp:1:" 2 "", "la_vent:" 17 "Fr" */
    strncat(ts->pre, PART_SWEEPS[q].prefix, sizeof ts->pre - strlen(ts->pre) - 1);
    char post[sizeof ts->post];
    snprintf(post, sizeof post, "%s", ts->post);
    snprintf(ts->post, sizeof ts->post, "%s", PART_SWEEPS[q].suffix);
    strncat(ts->post, post, sizeof ts->post - strlen(ts->post) - 1);
  }
  return HS_OK;
}

void hs_optimize_free(hs_optimize_result *r) {
  if (!r) return;
  for (size_t i = 0; r->rows && i < r->npoints; i++) hs_compare_row_clear(&r->rows[i]);
  free(r->setting_value);
  free(r->rows);
  free(r);
}

/* A sweep point that ran (hs_strategy_least_support). */
static int ran(const hs_compare_row *r, const void *ud) {
  (void)ud;
  return !r->failed;
}

const char *hs_optimize_flow_name(int how) {
  return how == HS_OPT_FLOW_FIXED ? "fixed" : how == HS_OPT_FLOW_SWEPT ? "swept" : "titrated";
}

hs_status hs_optimize_run(const hs_model *patient, const char *name, const hs_targets *targets,
                          int threads, hs_optimize_result **out, hs_err *err) {
  return hs_optimize_run_progress(patient, name, targets, threads, NULL, out, err);
}

hs_status hs_optimize_run_progress(const hs_model *patient, const char *name,
                                   const hs_targets *targets, int threads,
                                   const hs_progress *progress, hs_optimize_result **out,
                                   hs_err *err) {
  hs_optimize_options o = {threads, 0, progress, NULL};
  return hs_optimize_run_opts(patient, name, targets, &o, out, err);
}

hs_status hs_optimize_run_opts(const hs_model *patient, const char *name,
                               const hs_targets *targets, const hs_optimize_options *opt,
                               hs_optimize_result **out, hs_err *err) {
  static const hs_optimize_options DEF = {1, 0, NULL, NULL};
  if (!opt) opt = &DEF;
  *out = NULL;
  hs_status tst = targets ? hs_targets_check(targets, err) : HS_OK;
  if (tst) return tst;
  hs_context ctx;
  hs_context_default(&ctx);
  if (opt->context) ctx = *opt->context;
  const sweep *sw = NULL;
  for (size_t i = 0; i < sizeof SWEEPS / sizeof SWEEPS[0]; i++)
    if (name && !strcmp(SWEEPS[i].name, name)) sw = &SWEEPS[i];
  text_sweep ts;
  if (!sw) { /* a strategy text, as compare takes it */
    hs_err e2 = {HS_OK, ""};
    if (!name || !*name || sweep_of_text(name, &ts, &e2))
      return hs_err_set(err, e2.code == HS_ERR_INVALID ? HS_ERR_INVALID : HS_ERR_UNKNOWN,
                        "unknown strategy '%s': neither a sweep (ecmo-flow, iabp, impella, "
                        "septostomy, la-vent, lv-vent) nor a strategy text (%s)",
                        name ? name : "", e2.msg);
    sw = &ts.sw;
  }
  /* the swept setting is the ECMO flow itself: the sweep sets it */
  int flow_swept = !strcmp(sw->name, "ecmo-flow") || !strcmp(sw->setting, "ECMO flow");
  hs_model *base;
  hs_status st = hs_strategy_base(patient, &base, err);
  if (!st) st = hs_strategy_patient_context(base, &ctx, err); /* rhythm, AR, as compare */
  if (st) {
    hs_model_free(base);
    return st;
  }
  size_t n = (size_t)floor((sw->hi - sw->lo) / sw->step + 1e-9) + 1;
  hs_optimize_result *r = calloc(1, sizeof *r);
  hs_strategy *strat = calloc(n, sizeof *strat);
  hs_strategy_job *jobs = calloc(n, sizeof *jobs);
  if (r) {
    r->setting_value = calloc(n, sizeof *r->setting_value);
    r->rows = calloc(n, sizeof *r->rows);
  }
  if (!r || !strat || !jobs || !r->setting_value || !r->rows) {
    hs_optimize_free(r);
    free(strat), free(jobs);
    hs_model_free(base);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory optimising");
  }
  r->npoints = n;
  r->discrete = sw->discrete;
  r->targets = *targets;
  r->hold_map = hs_strategy_map_held(base);
  r->context = ctx;
  /* the ECMO flow of every point: re-titrated as compare does (the least flow holding
     perfusion), unless fixed; the ecmo-flow sweep sets it itself */
  r->ecmo_flow = flow_swept        ? HS_OPT_FLOW_SWEPT
                 : opt->fixed_flow ? HS_OPT_FLOW_FIXED
                                   : HS_OPT_FLOW_TITRATED;
  int titrate = r->ecmo_flow == HS_OPT_FLOW_TITRATED;
  snprintf(r->strategy, sizeof r->strategy, "%s", sw->name);
  if (*sw->unit) snprintf(r->setting, sizeof r->setting, "%s (%s)", sw->setting, sw->unit);
  else snprintf(r->setting, sizeof r->setting, "%s", sw->setting);
  for (size_t i = 0; i < n && !st; i++) {
    double v = sw->lo + sw->step * (double)i;
    r->setting_value[i] = v;
    char text[sizeof strat[i].text];
    if (snprintf(text, sizeof text, "%s%g%s", sw->pre, v, sw->post) >= (int)sizeof text) {
      st = hs_err_set(err, HS_ERR_INVALID, "optimize '%s': strategy text too long", sw->name);
      break;
    }
    if ((st = hs_strategy_parse(text, &strat[i], err))) break;
    /* a text with a fixed ECMO flow (ecmo:3.5+...) keeps it at every point */
    if (i == 0 && !flow_swept && strat[i].fixed_flow_lpm > 0) r->ecmo_flow = HS_OPT_FLOW_FIXED;
    /* the context excludes a device family as a whole (docs/decision.md): compare
       leaves such a strategy out with its reason; a sweep of it cannot run at all */
    char why[200];
    if (hs_strategy_excluded(&strat[i], &ctx, why, sizeof why)) {
      st = hs_err_set(err, HS_ERR_INVALID, "optimize %s: %s", sw->name, why);
      break;
    }
    jobs[i] = (hs_strategy_job){base, &strat[i], 0, titrate, targets, &r->rows[i], HS_OK, {0, ""},
                                NULL, 0, 0, NULL, NULL};
    snprintf(r->rows[i].name, sizeof r->rows[i].name, "%s", text);
    if (sw->lpre)
      snprintf(r->rows[i].label, sizeof r->rows[i].label, "%s%g%s", sw->lpre, v, sw->lpost);
    else if (flow_swept) /* a strategy text swept in ECMO flow: the flow in the label */
      snprintf(r->rows[i].label, sizeof r->rows[i].label, "ECMO %g L/min%.140s", v,
               strchr(strat[i].label, '+') ? strchr(strat[i].label, '+') - 1 : "");
    else /* a strategy text: the strategy's own label */
      snprintf(r->rows[i].label, sizeof r->rows[i].label, "%s", strat[i].label);
    snprintf(r->point_label[i < HS_OPT_MAX_LABELS ? i : HS_OPT_MAX_LABELS - 1],
             sizeof r->point_label[0], "%s%g", !sw->discrete ? "" : sw->step < 0 ? "1:" : "P", v);
    r->rows[i].families = strat[i].families;
    r->rows[i].step = strat[i].step;
  }
  /* warm start of a titrated sweep, as in compare: the patient's own steady state
     (hs_strategy_seed) */
  hs_plan *seed_plan = NULL;
  hs_sim *seed = NULL;
  if (!st && titrate && n > 1)
    st = hs_strategy_seed(base, patient, targets->flow_min_lpm, &seed_plan, &seed, err);
  for (size_t i = 0; i < n; i++) jobs[i].warm = seed;
  if (!st) hs_strategy_run_all_progress(jobs, n, opt->threads, opt->progress);
  hs_sim_free(seed);
  hs_plan_free(seed_plan);
  for (size_t i = 0; i < n && !st; i++)
    if (jobs[i].status)
      st = hs_err_set(err, jobs[i].status, "%s at %s: %s", sw->name, r->rows[i].label,
                      jobs[i].err.msg);
  if (!st) { /* complication risks of every point in the context (docs/decision.md) */
    int femoral = hs_strategy_femoral_return(base);
    for (size_t i = 0; i < n; i++) {
      strat[i].ecmo_femoral_return = femoral;
      if (!r->rows[i].failed) /* a point that could not run has no values */
        hs_strategy_risks(&strat[i], &ctx, r->rows[i].v, r->rows[i].risk);
    }
  }
  free(strat), free(jobs);
  hs_model_free(base);
  if (st) {
    hs_optimize_free(r);
    return st;
  }
  r->chosen = r->closest = r->passed_over = r->least_flow = -1;
  for (size_t i = 0; i < n; i++) {
    if (r->rows[i].failed) continue; /* stopped at every usable flow (compare's rule) */
    if (r->chosen < 0 && r->rows[i].all_met) r->chosen = (int)i;
    const hs_compare_row *b = r->closest >= 0 ? &r->rows[r->closest] : NULL;
    int mi = hs_strategy_targets_met(&r->rows[i], targets, NULL);
    int mb = b ? hs_strategy_targets_met(b, targets, NULL) : -1;
    if (!b || mi > mb || (mi == mb && r->rows[i].v[HS_CMP_PCWP] < b->v[HS_CMP_PCWP]))
      r->closest = (int)i;
  }
  if (r->closest < 0) { /* every point failed: nothing to choose from */
    hs_status fs = hs_err_set(err, HS_ERR_NONPHYSICAL, "optimize %s: every point failed (%s: %s)",
                              r->strategy, r->rows[0].label, r->rows[0].failed_reason);
    hs_optimize_free(r);
    return fs;
  }
  /* "least support" is the swept setting and, with the flow re-titrated per point, the
     ECMO flow too: a smaller setting that needs >= 1 L/min more flow than a larger one
     (e.g. a vent that meets PCWP only once high flow shuts the aortic valve) is passed
     over for the least setting within 1 L/min of the least flow meeting every target */
  if (r->chosen >= 0 && titrate)
    r->chosen = hs_strategy_least_support(r->rows, n, ran, NULL, &r->passed_over, &r->least_flow);
  const hs_compare_row *c = &r->rows[r->chosen >= 0 ? r->chosen : r->closest];
  if (r->chosen >= 0) {
    snprintf(r->reason, sizeof r->reason,
             "%s is the least support meeting every target: ECMO %.2f L/min, PCWP %.1f mmHg, "
             "MAP %.0f mmHg, DO2 index %.0f mL/min/m2, drained-blood SvO2 %.0f %%",
             c->label, c->v[HS_CMP_ECMO], c->v[HS_CMP_PCWP], c->v[HS_CMP_MAP],
             c->v[HS_CMP_DO2I], c->v[HS_CMP_SVO2D]);
    if (r->passed_over >= 0) {
      char po[256];
      hs_compare_passed_over_text(&r->rows[r->passed_over], &r->rows[r->least_flow], po,
                                  sizeof po);
      size_t k = strlen(r->reason);
      snprintf(r->reason + k, sizeof r->reason - k, "; %s", po);
    }
  } else {
    int of, met = hs_strategy_targets_met(c, targets, &of);
    snprintf(r->reason, sizeof r->reason,
             "no setting of %s meets every target; closest: %s (%d of %d targets), which misses %s",
             sw->setting, c->label, met, of, c->missed);
  }
  if (!c->steady) { /* as compare says it: the answer is read from its last beats */
    size_t k = strlen(r->reason);
    snprintf(r->reason + k, sizeof r->reason - k, "; " HS_UNSTEADY_NOTE);
  }
  *out = r;
  return HS_OK;
}

char *hs_optimize_svg(const hs_optimize_result *r, const hs_targets *t, hs_err *err) {
  char title[160];
  snprintf(title, sizeof title, "Optimising %s", r->setting);
  hs_plot *p = hs_plot_new(900, 900, title);
  size_t n = r->npoints;
  double *y = malloc(n * sizeof *y), *tx = malloc(2 * sizeof *tx), *ty = malloc(2 * sizeof *ty);
  char *svg = NULL;
  if (!p || !y || !tx || !ty) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory plotting");
    goto done;
  }
  static const struct {
    int k;
    const char *label;
  } P[4] = {{HS_CMP_PCWP, "PCWP (mmHg)"}, {HS_CMP_MAP, "MAP (mmHg)"},
            {HS_CMP_DO2I, "DO2 index (mL/min/m2)"}, {HS_CMP_LVEDV, "LVEDV (mL)"}};
  const double tv[4] = {t->pcwp_max_mmhg, t->map_min_mmhg, t->do2i_min, NAN};
  int pick = r->chosen >= 0 ? r->chosen : r->closest;
  double xlo = r->setting_value[0], xhi = r->setting_value[n - 1];
  if (xlo > xhi) xlo = xhi, xhi = r->setting_value[0];
  for (int k = 0; k < 4; k++) {
    int panel = hs_plot_add_panel(p, r->setting, P[k].label);
    if (panel < 0) goto nomem;
    for (size_t i = 0; i < n; i++) y[i] = r->rows[i].v[P[k].k];
    if (hs_plot_add_series(p, panel, "simulated", r->setting_value, y, n, HS_PLOT_MARKERS, err))
      goto done;
    if (r->discrete) {
      /* a console setting has discrete positions: no line between them, each position
         labelled with its setting (1:3, P4 ...) */
      if (hs_plot_set_xrange(p, panel, xlo - 0.5, xhi + 0.5, err)) goto done;
      /* categorical axis: ticks only at the console positions, labelled as on the
         console (1:1, 1:2, 1:3; P1 ... P9), in increasing x */
      double at[HS_OPT_MAX_LABELS];
      const char *lab[HS_OPT_MAX_LABELS];
      size_t nt = n < HS_OPT_MAX_LABELS ? n : HS_OPT_MAX_LABELS;
      int up = r->setting_value[nt - 1] >= r->setting_value[0];
      for (size_t i = 0; i < nt; i++) {
        size_t j = up ? i : nt - 1 - i;
        at[i] = r->setting_value[j];
        lab[i] = r->point_label[j];
      }
      if (hs_plot_set_xticks(p, panel, at, lab, nt, err)) goto done;
      for (size_t i = 0; i < n && i < HS_OPT_MAX_LABELS; i++)
        if ((int)i != pick &&
            hs_plot_add_marker(p, panel, r->setting_value[i], y[i], r->point_label[i], err))
          goto done;
    } else if (hs_plot_add_series(p, panel, NULL, r->setting_value, y, n, HS_PLOT_LINE, err)) {
      goto done;
    }
    if (isfinite(tv[k])) {
      tx[0] = r->discrete ? xlo - 0.5 : xlo, tx[1] = r->discrete ? xhi + 0.5 : xhi;
      ty[0] = ty[1] = tv[k];
      if (hs_plot_add_series(p, panel, "target", tx, ty, 2, HS_PLOT_DASHED, err)) goto done;
    }
    char mark[48];
    snprintf(mark, sizeof mark, "%s %s", r->chosen >= 0 ? "chosen" : "closest",
             pick < HS_OPT_MAX_LABELS ? r->point_label[pick] : "");
    if (hs_plot_add_marker(p, panel, r->setting_value[pick], y[pick], mark, err)) goto done;
  }
  svg = hs_plot_render_svg(p, err);
  goto done;
nomem:
  hs_err_set(err, HS_ERR_NOMEM, "out of memory plotting");
done:
  hs_plot_free(p);
  free(y), free(tx), free(ty);
  return svg;
}
