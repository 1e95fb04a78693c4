/*
 * analysis/optimize.c - sweep one strategy's setting and pick the least support that
 * meets the targets (hemosim/optimize.h).  The sweep is a grid from least to most
 * support, evaluated in parallel; the objective is lexicographic: (1) every target
 * met, (2) least support.  A grid, not a gradient method: device settings are
 * discrete on the console (levels, French sizes, ratios) and the responses have
 * thresholds (aortic valve opening), so a local optimiser gains nothing here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/strategy.h"
#include "hemosim/optimize.h"
#include "hemosim/plot.h"

const char *const hs_optimize_strategies[] = {"ecmo-flow", "iabp", "impella", "septostomy",
                                              "la-vent", "lv-vent", NULL};

typedef struct sweep {
  const char *name, *setting, *unit;
  const char *device, *type, *p0, *p1;
  const char *path;   /* parameter swept ("@flow": ecmo.target_flow in L/min) */
  const char *suffix; /* unit written after the value in the parameter text ("" = none) */
  double lo, hi, step; /* display units, support increasing with the index */
  int invasiveness;
  const char *fixed[6];
} sweep;

static const sweep SWEEPS[] = {
    {"ecmo-flow", "ECMO flow", "L/min", NULL, NULL, NULL, NULL, "@flow", "", 1.0, 6.0, 0.5, 0, {NULL}},
    {"iabp", "IABP assist ratio 1:n", "n", "iabp", "iabp", "desc_aorta", NULL, "iabp.ratio", "", 3,
     1, -1, 1, {"iabp.volume", "40 mL", NULL}},
    {"impella", "Impella CP level", "P", "impella", "impella", "lv", "aortic_root", "impella.level",
     "", 1, 9, 1, 2, {"impella.model", "cp", NULL}},
    {"septostomy", "septostomy diameter", "mm", "septostomy", "septostomy", "la", "ra",
     "septostomy.diameter", "mm", 2, 16, 2, 3, {NULL}},
    {"la-vent", "transseptal LA vent size", "Fr", NULL, NULL, NULL, NULL, "ecmo.vent_size",
     "Fr", 10, 24, 2, 3, {"@vent", "la", "ecmo.vent_length", "40 cm", NULL}},
    {"lv-vent", "surgical LV apical vent size", "Fr", NULL, NULL, NULL, NULL, "ecmo.vent_size",
     "Fr", 20, 36, 4, 4, {"@vent", "lv", "ecmo.vent_length", "20 cm", NULL}},
};

void hs_optimize_free(hs_optimize_result *r) {
  if (!r) return;
  for (size_t i = 0; r->rows && i < r->npoints; i++) hs_compare_row_clear(&r->rows[i]);
  free(r->setting_value);
  free(r->rows);
  free(r);
}

static int met_count(const hs_compare_row *r) {
  return r->met[0] + r->met[1] + r->met[2] + r->met[3] + r->met[4];
}

hs_status hs_optimize_run(const hs_model *patient, const char *name, const hs_targets *targets,
                          int threads, hs_optimize_result **out, hs_err *err) {
  *out = NULL;
  const sweep *sw = NULL;
  for (size_t i = 0; i < sizeof SWEEPS / sizeof SWEEPS[0]; i++)
    if (name && !strcmp(SWEEPS[i].name, name)) sw = &SWEEPS[i];
  if (!sw)
    return hs_err_set(err, HS_ERR_UNKNOWN,
                      "unknown strategy '%s' (known: ecmo-flow, iabp, impella, septostomy, "
                      "la-vent, lv-vent)",
                      name ? name : "");
  hs_model *base;
  hs_status st = hs_strategy_base(patient, &base, err);
  if (st) return st;
  size_t n = (size_t)floor((sw->hi - sw->lo) / sw->step + 1e-9) + 1;
  hs_optimize_result *r = calloc(1, sizeof *r);
  hs_strategy *strat = calloc(n, sizeof *strat);
  hs_strategy_job *jobs = calloc(n, sizeof *jobs);
  char(*texts)[32] = calloc(n, sizeof *texts);
  if (r) {
    r->setting_value = calloc(n, sizeof *r->setting_value);
    r->rows = calloc(n, sizeof *r->rows);
  }
  if (!r || !strat || !jobs || !texts || !r->setting_value || !r->rows) {
    hs_optimize_free(r);
    free(strat), free(jobs), free(texts);
    hs_model_free(base);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory optimising");
  }
  r->npoints = n;
  snprintf(r->strategy, sizeof r->strategy, "%s", sw->name);
  snprintf(r->setting, sizeof r->setting, "%s (%s)", sw->setting, sw->unit);
  for (size_t i = 0; i < n; i++) {
    double v = sw->lo + sw->step * (double)i;
    r->setting_value[i] = v;
    hs_strategy *s = &strat[i];
    s->name = sw->name, s->label = sw->setting, s->invasiveness = sw->invasiveness;
    s->device = sw->device, s->type = sw->type, s->p0 = sw->p0, s->p1 = sw->p1;
    int k = 0;
    for (int f = 0; sw->fixed[f]; f++) s->sets[k++] = sw->fixed[f];
    jobs[i] = (hs_strategy_job){base, s, 0, targets, &r->rows[i], HS_OK, {0, ""}};
    if (!strcmp(sw->path, "@flow")) {
      jobs[i].flow_lpm = v;
    } else {
      snprintf(texts[i], sizeof texts[i], "%g%s%s", v, *sw->suffix ? " " : "", sw->suffix);
      s->sets[k++] = sw->path;
      s->sets[k++] = texts[i];
    }
    s->sets[k] = NULL;
    snprintf(r->rows[i].name, sizeof r->rows[i].name, "%s_%g", sw->name, v);
    snprintf(r->rows[i].label, sizeof r->rows[i].label, "%s %g %s", sw->setting, v, sw->unit);
    r->rows[i].invasiveness = sw->invasiveness;
  }
  hs_strategy_run_all(jobs, n, threads);
  for (size_t i = 0; i < n && !st; i++)
    if (jobs[i].status)
      st = hs_err_set(err, jobs[i].status, "%s at %g %s: %s", sw->name, r->setting_value[i],
                      sw->unit, jobs[i].err.msg);
  free(strat), free(jobs), free(texts);
  hs_model_free(base);
  if (st) {
    hs_optimize_free(r);
    return st;
  }
  r->chosen = r->closest = -1;
  for (size_t i = 0; i < n; i++) {
    if (r->chosen < 0 && r->rows[i].all_met) r->chosen = (int)i;
    const hs_compare_row *b = r->closest >= 0 ? &r->rows[r->closest] : NULL;
    if (!b || met_count(&r->rows[i]) > met_count(b) ||
        (met_count(&r->rows[i]) == met_count(b) && r->rows[i].v[HS_CMP_PCWP] < b->v[HS_CMP_PCWP]))
      r->closest = (int)i;
  }
  const hs_compare_row *c = &r->rows[r->chosen >= 0 ? r->chosen : r->closest];
  if (r->chosen >= 0)
    snprintf(r->reason, sizeof r->reason,
             "%s is the least support meeting every target: PCWP %.1f mmHg, MAP %.0f mmHg, "
             "aortic valve opening %.2f, pulse pressure %.1f mmHg",
             c->label, c->v[HS_CMP_PCWP], c->v[HS_CMP_MAP], c->v[HS_CMP_AVO], c->v[HS_CMP_PP]);
  else
    snprintf(r->reason, sizeof r->reason,
             "no setting of %s meets every target; closest: %s (%d of 5 targets; PCWP %.1f, "
             "MAP %.0f, aortic valve opening %.2f, pulse pressure %.1f)",
             sw->setting, c->label, met_count(c), c->v[HS_CMP_PCWP], c->v[HS_CMP_MAP],
             c->v[HS_CMP_AVO], c->v[HS_CMP_PP]);
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
            {HS_CMP_LVEDV, "LVEDV (mL)"}, {HS_CMP_AVO, "aortic valve opening (fraction of beats)"}};
  const double tv[4] = {t->pcwp_max_mmhg, t->map_min_mmhg, NAN, t->av_open_min};
  int pick = r->chosen >= 0 ? r->chosen : r->closest;
  for (int k = 0; k < 4; k++) {
    int panel = hs_plot_add_panel(p, r->setting, P[k].label);
    if (panel < 0) goto nomem;
    for (size_t i = 0; i < n; i++) y[i] = r->rows[i].v[P[k].k];
    if (hs_plot_add_series(p, panel, "simulated", r->setting_value, y, n, HS_PLOT_MARKERS, err))
      goto done;
    if (hs_plot_add_series(p, panel, NULL, r->setting_value, y, n, HS_PLOT_LINE, err)) goto done;
    if (isfinite(tv[k])) {
      tx[0] = r->setting_value[0], tx[1] = r->setting_value[n - 1], ty[0] = ty[1] = tv[k];
      if (hs_plot_add_series(p, panel, "target", tx, ty, 2, HS_PLOT_DASHED, err)) goto done;
    }
    if (hs_plot_add_marker(p, panel, r->setting_value[pick], y[pick],
                           r->chosen >= 0 ? "chosen" : "closest", err))
      goto done;
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
