/*
 * io/report_calibrate.c - HTML fit report of a calibration (hs_report_calibrate,
 * hemosim/report.h).
 *
 * Laid out for a clinician judging the fit in half a minute: a banner saying how many
 * measurements the model reproduces within 2 sd and how many parameters the data
 * determine, the fit summary, the measurement table (residuals beyond 2 sd in red),
 * the parameter table (not identified in red, at a bound in amber), the weak
 * directions of the Fisher information, and the LV pressure-volume loop of the
 * calibrated patient over the base patient's.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "hemosim/plot.h"
#include "hemosim/report.h"
#include "report_html.h"

/* ---- the LV pressure-volume loop: one beat at 1 kHz after periodic steady state ---- */

typedef struct pv_loop {
  double *v, *p;
  size_t n, cap;
  int lv;
} pv_loop;

static int pv_sample(const hs_sample *smp, void *ud) {
  pv_loop *l = ud;
  if (l->n >= l->cap) return 0;
  l->v[l->n] = smp->volume[l->lv];
  l->p[l->n] = smp->pressure[l->lv];
  l->n++;
  return 0;
}

static void pv_free(pv_loop *l) {
  free(l->v);
  free(l->p);
  l->v = l->p = NULL;
  l->n = 0;
}

/* Simulate m with its own solver settings (as `hemosim run` and the final run of the
   fit do) to periodic steady state, then record one beat. */
static hs_status pv_simulate(const hs_model *m, pv_loop *l, hs_err *err) {
  hs_plan *pl = NULL;
  hs_sim *s = NULL;
  hs_status st = HS_OK;
  l->cap = 4000; /* one beat at >= 20 /min */
  l->n = 0;
  l->v = malloc(l->cap * sizeof *l->v);
  l->p = malloc(l->cap * sizeof *l->p);
  if (!l->v || !l->p) {
    st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto done;
  }
  if (!(pl = hs_plan_compile(m, err)) || !(s = hs_sim_new(pl, err))) {
    st = err && err->code ? err->code : HS_ERR_NOMEM;
    goto done;
  }
  if ((l->lv = hs_plan_node_find(pl, "lv")) < 0) {
    st = hs_err_set(err, HS_ERR_MODEL, "the patient has no 'lv' node");
    goto done;
  }
  hs_steady_info info;
  st = hs_sim_run_to_steady(s, &info, err);
  if (st == HS_ERR_NOT_STEADY) st = HS_OK; /* as in the fit: the last beats all the same */
  if (st) goto done;
  if ((st = hs_sim_set_sampler(s, 0.001, pv_sample, l, err))) goto done;
  st = hs_sim_run_beats(s, 1, err);
  if (!st && l->n < 2) st = hs_err_set(err, HS_ERR_STATE, "no samples of the LV recorded");
done:
  hs_sim_free(s);
  hs_plan_free(pl);
  if (st) pv_free(l);
  return st;
}

/* The calibrated loop (solid) over the base patient's (dashed).  NULL with why[] filled
   when the figure cannot be drawn; the report is written without it. */
static char *pv_svg(const hs_cal_input *in, const hs_cal_result *r, char *why, size_t nwhy) {
  hs_err e = {HS_OK, ""};
  pv_loop cal = {0}, base = {0};
  char *svg = NULL;
  hs_plot *p = NULL;
  if (!r->model) {
    snprintf(why, nwhy, "the result holds no calibrated patient");
    return NULL;
  }
  if (pv_simulate(r->model, &cal, &e)) goto done;
  if (in->base) {
    hs_err eb = {HS_OK, ""};
    (void)pv_simulate(in->base, &base, &eb); /* optional: drawn when it runs */
  }
  if (!(p = hs_plot_new(900, 560, "LV pressure-volume loop (one steady beat)"))) {
    hs_err_set(&e, HS_ERR_NOMEM, "out of memory");
    goto done;
  }
  int panel = hs_plot_add_panel(p, "LV volume (mL)", "LV pressure (mmHg)");
  if (panel < 0) {
    hs_err_set(&e, HS_ERR_NOMEM, "out of memory");
    goto done;
  }
  if (base.n >= 2 && hs_plot_add_series(p, panel, "base patient (before fitting)", base.v,
                                        base.p, base.n, HS_PLOT_DASHED, &e))
    goto done;
  if (hs_plot_add_series(p, panel, "calibrated patient", cal.v, cal.p, cal.n, HS_PLOT_LINE, &e))
    goto done;
  svg = hs_plot_render_svg(p, &e);
done:
  if (!svg) snprintf(why, nwhy, "%s", *e.msg ? e.msg : hs_status_str(e.code));
  hs_plot_free(p);
  pv_free(&cal);
  pv_free(&base);
  return svg;
}

/* ---- tables ---- */

static void summary(hs_html *b, const hs_cal_result *r) {
  size_t within = 0, identified = 0;
  for (size_t i = 0; i < r->nrows; i++)
    if (r->rows[i].fitted && fabs(r->rows[i].residual) <= 2) within++;
  for (int j = 0; j < HS_CALP_COUNT; j++)
    if (r->p[j].estimated && r->p[j].identifiable) identified++;
  int good = within == r->nfit && identified == r->nparams && r->steady;
  hs_html_put(b, "<div class=\"%s\"><b>%zu of %zu</b> fitted measurements are reproduced within "
                 "2 sd; <b>%zu of %zu</b> estimated parameters are determined by the data",
              good ? "ok" : "no", within, r->nfit, identified, r->nparams);
  if (identified < r->nparams) {
    hs_html_put(b, " (not determined:");
    for (int j = 0; j < HS_CALP_COUNT; j++)
      if (r->p[j].estimated && !r->p[j].identifiable)
        hs_html_put(b, " %s", hs_calp_name((hs_calp)j));
    hs_html_put(b, ")");
  }
  hs_html_put(b, ".%s", r->steady ? "" : " The final run did not reach periodic steady state.");
  if (*r->warning) {
    hs_html_put(b, "<br><b>Warning:</b> ");
    hs_html_text(b, r->warning);
  }
  hs_html_put(b, "</div>\n<ul>\n<li>Objective &sum;((simulated &minus; measured) / sd)<sup>2</sup>"
                 ": <b>%.3g</b> at the start &rarr; <b>%.3g</b> after the fit (",
              r->cost_start, r->cost);
  hs_html_text(b, r->stop);
  hs_html_put(b, "); with correct sds about %zu (fitted measurements minus estimated "
                 "parameters) is expected.</li>\n",
              r->nfit > r->nparams ? r->nfit - r->nparams : 0);
  hs_html_put(b, "<li>%zu measurements fitted, %zu parameters estimated; %d + %d evaluations "
                 "(fit + sensitivity)",
              r->nfit, r->nparams, r->evals, r->sens_evals);
  if (r->failed_evals) hs_html_put(b, ", %d failed (penalised)", r->failed_evals);
  hs_html_put(b, ".</li>\n<li>Time: fit %.2f s, sensitivity %.2f s, total %.2f s.</li>\n</ul>\n",
              r->fit_s, r->sens_s, r->total_s);
}

static void measurements(hs_html *b, const hs_cal_result *r) {
  hs_html_put(b, "<h2>Measured against simulated</h2>\n<table><tr><th>measurement</th><th>unit</th>"
                 "<th>measured</th><th>&plusmn; sd</th><th>simulated</th><th>residual (sd)</th>"
                 "<th>flag</th></tr>\n");
  for (size_t i = 0; i < r->nrows; i++) {
    const hs_cal_row *w = &r->rows[i];
    hs_html_put(b, "<tr><td>%s</td><td>", hs_calq_name(w->q));
    hs_html_text(b, hs_calq_unit(w->q));
    if (!w->fitted) {
      hs_html_put(b, "</td><td>%.4g</td><td>set</td><td>%.4g</td><td>&ndash;</td>"
                     "<td>set, not fitted</td></tr>\n",
                  w->measured, w->simulated);
      continue;
    }
    int off = fabs(w->residual) > 2;
    hs_html_put(b, "</td><td>%.4g</td><td>%.3g</td><td>%.4g</td><td class=\"%s\">%+.2f</td>"
                   "<td class=\"%s\">%s</td></tr>\n",
                w->measured, w->sd, w->simulated, off ? "x" : "m", w->residual, off ? "x" : "m",
                off ? "|residual| &gt; 2 sd" : "ok");
  }
  hs_html_put(b, "</table>\n<p class=\"small\">Residual = (simulated &minus; measured) / sd. Heart "
                 "rate and haemoglobin, when measured, are set in the model, not fitted.</p>\n");
}

static void parameters(hs_html *b, const hs_cal_result *r) {
  hs_html_put(b, "<h2>Fitted parameters</h2>\n<table><tr><th>parameter</th><th>unit</th>"
                 "<th>base</th><th>start</th><th>fitted</th><th>bounds</th><th>RSE</th>"
                 "<th>identified</th><th>note</th></tr>\n");
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    const hs_cal_param *p = &r->p[j];
    hs_html_put(b, "<tr><td title=\"");
    hs_html_text(b, hs_calp_doc((hs_calp)j));
    hs_html_put(b, "\">%s</td><td>", hs_calp_name((hs_calp)j));
    hs_html_text(b, hs_calp_unit((hs_calp)j));
    if (!p->estimated) {
      hs_html_put(b, "</td><td>%.4g</td><td>&ndash;</td><td>%.4g</td><td>%g&ndash;%g</td>"
                     "<td>&ndash;</td><td>not estimated</td><td></td></tr>\n",
                  p->base, p->value, p->lower, p->upper);
      continue;
    }
    hs_html_put(b, "</td><td>%.4g</td><td>%.4g</td><td%s>%.4g%s</td><td>%g&ndash;%g</td>", p->base,
                p->start, p->at_bound ? " class=\"w\"" : "", p->value,
                p->at_bound < 0   ? " (at lower bound)"
                : p->at_bound > 0 ? " (at upper bound)"
                                  : "",
                p->lower, p->upper);
    if (isfinite(p->rse)) hs_html_put(b, "<td>%.0f %%</td>", 100 * p->rse);
    else hs_html_put(b, "<td>&infin;</td>");
    hs_html_put(b, "<td class=\"%s\">%s</td><td>", p->identifiable ? "m" : "x",
                p->identifiable ? "yes" : "NO");
    if (!p->identifiable) hs_html_text(b, p->note);
    hs_html_put(b, "</td></tr>\n");
  }
  hs_html_put(b, "</table>\n<p class=\"small\">Fitted on the natural-log scale within the bounds. "
                 "RSE: approximate relative standard error (standard error of ln p) from the "
                 "Fisher information at the fit. Identified: RSE &le; %.0f %% and no loading "
                 "(|component| &ge; %g) on a weak direction (eigenvalue &lt; %g). A parameter "
                 "that is not identified keeps its fitted value, but that value is one of many "
                 "that fit equally well.</p>\n",
              100 * HS_CAL_RSE_LIMIT, HS_CAL_WEAK_LOAD, HS_CAL_WEAK_EIG);
}

static void directions(hs_html *b, const hs_cal_result *r) {
  if (!r->nparams) return;
  hs_html_put(b, "<h2>Weak and null directions</h2>\n");
  if (!r->nweak) {
    hs_html_put(b, "<p>None: every eigenvalue of the Fisher information is &ge; %g, so the "
                   "measurements fix every combination of the estimated parameters.</p>\n",
                HS_CAL_WEAK_EIG);
    return;
  }
  hs_html_put(b, "<p class=\"small\">Eigenvectors of the Fisher information in ln p: the "
                 "eigenvalue is the rise of the objective for a step of 1 in ln p along the "
                 "direction; weak below %g. Components of magnitude &ge; 0.2 shown.</p>\n"
                 "<table><tr><th>direction</th><th>eigenvalue</th><th>combination of ln "
                 "parameters</th></tr>\n",
              HS_CAL_WEAK_EIG);
  for (size_t k = 0; k < r->nparams; k++) {
    int weak = r->eig[k] < HS_CAL_WEAK_EIG;
    if (r->eig[k] <= 0 && r->nnull > 1) continue; /* an arbitrary basis: summarised below */
    hs_html_put(b, "<tr><td class=\"%s\">%s</td><td>%.3g</td><td style=\"text-align:left\">",
                weak ? "x" : "m", weak ? (r->eig[k] <= 0 ? "null" : "weak") : "fixed", r->eig[k]);
    for (size_t j = 0; j < r->nparams; j++)
      if (fabs(r->eigvec[k][j]) >= 0.2)
        hs_html_put(b, " %+.2f %s", r->eigvec[k][j], hs_calp_name((hs_calp)r->eig_param[j]));
    hs_html_put(b, "</td></tr>\n");
  }
  hs_html_put(b, "</table>\n");
  if (r->nnull > 1)
    hs_html_put(b, "<p>%zu directions with eigenvalue 0: combinations of parameters the "
                   "measurements do not see at all.</p>\n",
                r->nnull);
}

/* The capillary dysfunction fitted to the sublingual measurement (hs_micro_fit_patient). */
static void microcirculation(hs_html *b, const hs_cal_input *in, const hs_cal_result *r) {
  const hs_micro_patient_fit *f = r->micro;
  if (!f) return;
  hs_html_put(b, "<h2>Microcirculation</h2>\n<p>Sublingual measurement ");
  hs_html_text(b, in->micro_file);
  hs_html_put(b, ", fitted at the calibrated patient's steady state%s (MAP %.0f mmHg, CI %.2f "
                 "L/min/m2, Hb %.1f g/dL",
              f->steady ? "" : " (not reached)", f->in.map_mmhg, f->in.ci_lpm_m2, f->in.hb_gdl);
  if (isfinite(f->ecmo_flow_lpm)) hs_html_put(b, ", ECMO %.2f L/min", f->ecmo_flow_lpm);
  hs_html_put(b, ").</p>\n<table><tr><th>small vessels</th><th>measured</th><th>model before</th>"
                 "<th>model fitted</th></tr>\n");
  const hs_micro_model_output *a = &f->pred_before, *z = &f->fit.pred;
  hs_html_put(b, "<tr><td>TVD mm/mm2</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n",
              f->meas.tvd_mm_mm2, a->tvd_mm_mm2, z->tvd_mm_mm2);
  hs_html_put(b, "<tr><td>PPV %%</td><td>%.1f</td><td>%.1f</td><td>%.1f</td></tr>\n",
              f->meas.ppv_pct, a->ppv_pct, z->ppv_pct);
  hs_html_put(b, "<tr><td>PSVD mm/mm2</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n",
              f->meas.pvd_mm_mm2, a->pvd_mm_mm2, z->pvd_mm_mm2);
  hs_html_put(b, "<tr><td>no-flow share %%</td><td>%.1f</td><td>%.1f</td><td>%.1f</td></tr>\n",
              f->meas.no_flow_pct, 100 * a->frac[HS_FLOW_NONE], 100 * z->frac[HS_FLOW_NONE]);
  hs_html_put(b, "</table>\n<table><tr><th>capillary dysfunction</th><th>before</th>"
                 "<th>fitted</th><th>note</th></tr>\n");
  const double before[HS_MFIT_COUNT] = {f->before.obstructed, f->before.oedema,
                                        f->before.vasoconstriction};
  const double fitted[HS_MFIT_COUNT] = {f->fit.p.obstructed, f->fit.p.oedema,
                                        f->fit.p.vasoconstriction};
  for (int k = 0; k < HS_MFIT_COUNT; k++) {
    hs_html_put(b, "<tr><td>%s</td><td>%.3f</td><td%s>%.4g</td><td>", hs_micro_fit_field_name(k),
                before[k], f->fit.bound[k] ? " class=\"w\"" : "", fitted[k]);
    hs_html_text(b, f->fit.note[k]);
    hs_html_put(b, "</td></tr>\n");
  }
  hs_html_put(b, "</table>\n<p class=\"small\">Obstructed share = the measured no-flow share; "
                 "oedema from the small-vessel TVD at the patient's haemoglobin; "
                 "vasoconstriction from the PPV at the simulated flow and pressure "
                 "(docs/microcirculation.md, \"Patient-specific dysfunction\"). Written into "
                 "the calibrated patient's microcirculation block.</p>\n");
}

hs_status hs_report_calibrate(const char *dir, const hs_cal_input *in, const hs_cal_result *r,
                              hs_err *err) {
  if (!dir || !in || !r) return hs_err_set(err, HS_ERR_INVALID, "hs_report_calibrate: NULL argument");
  hs_status st = hs_report_ensure_dir(dir, err);
  if (st) return st;
  char why[HS_ERRMSG_MAX];
  char *pv = pv_svg(in, r, why, sizeof why);
  hs_html b = {0};
  char title[512];
  const char *name = r->model ? hs_model_name(r->model) : in->base ? hs_model_name(in->base) : "?";
  snprintf(title, sizeof title, "Calibration of %s to %s", name, in->file ? in->file : "?");
  hs_html_head(&b, title, in->patient_file ? in->patient_file : "bundled healthy adult");
  summary(&b, r);
  measurements(&b, r);
  parameters(&b, r);
  directions(&b, r);
  microcirculation(&b, in, r);
  hs_html_put(&b, "<h2>LV pressure-volume loop</h2>\n");
  if (pv) {
    hs_html_put(&b, "%s\n", hs_html_svg_body(pv));
  } else {
    hs_html_put(&b, "<p>Not available: ");
    hs_html_text(&b, why);
    hs_html_put(&b, "</p>\n");
  }
  hs_html_put(&b, "</body></html>\n");
  if (b.bad) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory writing the report");
  if (!st) st = hs_report_write_in(dir, "index.html", b.s, err);
  free(b.s);
  free(pv);
  return st;
}
