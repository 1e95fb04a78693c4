/*
 * io/report.c - HTML reports (hemosim/report.h).
 *
 * The page is built in memory (a small growable buffer) and written atomically.  A
 * clinician should find the answer first: a coloured banner with the recommendation
 * and its reason, then the table with every target met (green) or missed (red), then
 * the figures (overlaid LV pressure-volume loops, the ECMO flow sweep or the
 * optimisation sweep).  Figures are inline SVG so the page stands alone.
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

static void targets_line(hs_html *b, const hs_targets *t) {
  hs_html_put(b, "<p>Targets: PCWP &le; %.0f mmHg, MAP &ge; %.0f mmHg, aortic valve opening &ge; %.2f of "
         "beats, pulse pressure &ge; %.0f mmHg, upper-body SaO<sub>2</sub> &ge; %.0f %%.</p>\n",
      t->pcwp_max_mmhg, t->map_min_mmhg, t->av_open_min, t->pulse_pressure_min, t->sao2_upper_min);
}

static void table(hs_html *b, const hs_compare_row *rows, size_t n, int best) {
  hs_html_put(b, "<table><tr><th>strategy</th><th>invasiveness</th><th>PCWP</th><th>MAP</th>"
         "<th>AV opening</th><th>pulse pressure</th><th>SaO<sub>2</sub> upper</th><th>LVEDV</th>"
         "<th>LVEDP</th><th>total flow L/min</th><th>device flow L/min</th><th>LV PVA</th></tr>\n");
  static const int T[5] = {HS_CMP_PCWP, HS_CMP_MAP, HS_CMP_AVO, HS_CMP_PP, HS_CMP_SAO2U};
  for (size_t i = 0; i < n; i++) {
    const hs_compare_row *r = &rows[i];
    hs_html_put(b, "<tr%s><td>", (int)i == best ? " class=\"best\"" : "");
    hs_html_text(b, r->label);
    hs_html_put(b, "%s</td><td>%d</td>", r->steady ? "" : " (not steady)", r->invasiveness);
    for (int k = 0; k < 5; k++)
      hs_html_put(b, "<td class=\"%s\">%.*f</td>", r->met[k] ? "m" : "x", T[k] == HS_CMP_AVO ? 2 : 1,
          r->v[T[k]]);
    hs_html_put(b, "<td>%.0f</td><td>%.1f</td><td>%.2f</td><td>%.2f</td><td>%.0f</td></tr>\n",
        r->v[HS_CMP_LVEDV], r->v[HS_CMP_LVEDP], r->v[HS_CMP_CO], r->v[HS_CMP_DEVICE],
        r->v[HS_CMP_PVA]);
  }
  hs_html_put(b, "</table>\n");
}

/* Overlaid LV pressure-volume loops of the rows with samples (flow-sweep rows skipped). */
static char *pv_svg(const hs_compare_row *rows, size_t n, int skip_sweep, hs_err *err) {
  hs_plot *p = hs_plot_new(900, 560, "LV pressure-volume loops (one steady beat)");
  if (!p) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  int panel = hs_plot_add_panel(p, "LV volume (mL)", "LV pressure (mmHg)");
  for (size_t i = 0; i < n; i++) {
    if ((skip_sweep && rows[i].is_flow_sweep) || rows[i].npv < 2) continue;
    if (hs_plot_add_series(p, panel, rows[i].label, rows[i].pv_v, rows[i].pv_p, rows[i].npv,
                           HS_PLOT_LINE, err)) {
      hs_plot_free(p);
      return NULL;
    }
  }
  char *svg = hs_plot_render_svg(p, err);
  hs_plot_free(p);
  return svg;
}

static char *flow_sweep_svg(const hs_compare_result *r, const hs_targets *t, hs_err *err) {
  size_t n = 0;
  double x[64], pcwp[64], map[64];
  for (size_t i = 0; i < r->nrows && n < 64; i++)
    if (r->rows[i].is_flow_sweep) {
      x[n] = r->rows[i].v[HS_CMP_ECMO];
      pcwp[n] = r->rows[i].v[HS_CMP_PCWP];
      map[n] = r->rows[i].v[HS_CMP_MAP];
      n++;
    }
  if (n < 2) return NULL;
  hs_plot *p = hs_plot_new(900, 480, "ECMO alone: flow sweep");
  if (!p) return NULL;
  int a = hs_plot_add_panel(p, "ECMO flow (L/min)", "pressure (mmHg)");
  double tx[2] = {x[0], x[n - 1]}, ty[2] = {t->pcwp_max_mmhg, t->pcwp_max_mmhg};
  char *svg = NULL;
  if (!hs_plot_add_series(p, a, "PCWP", x, pcwp, n, HS_PLOT_MARKERS, err) &&
      !hs_plot_add_series(p, a, NULL, x, pcwp, n, HS_PLOT_LINE, err) &&
      !hs_plot_add_series(p, a, "MAP", x, map, n, HS_PLOT_MARKERS, err) &&
      !hs_plot_add_series(p, a, NULL, x, map, n, HS_PLOT_LINE, err) &&
      !hs_plot_add_series(p, a, "PCWP target", tx, ty, 2, HS_PLOT_DASHED, err))
    svg = hs_plot_render_svg(p, err);
  hs_plot_free(p);
  return svg;
}

hs_status hs_report_compare(const char *dir, const char *patient, const hs_compare_result *r,
                            const hs_targets *t, hs_err *err) {
  hs_status st = hs_report_ensure_dir(dir, err);
  if (st) return st;
  hs_html b = {0};
  char *pv = pv_svg(r->rows, r->nrows, 1, err);
  if (!pv) return err ? err->code : HS_ERR_NOMEM;
  char *sweep = flow_sweep_svg(r, t, err);
  hs_html_head(&b, "LV unloading on VA-ECMO: strategy comparison", patient);
  hs_html_put(&b, "<div class=\"%s\"><b>%s</b> ", r->recommended >= 0 ? "ok" : "no",
      r->recommended >= 0 ? "Recommendation:" : "No strategy meets every target.");
  hs_html_text(&b, r->reason);
  hs_html_put(&b, "</div>\n");
  targets_line(&b, t);
  table(&b, r->rows, r->nrows, r->recommended);
  hs_html_put(&b, "<p class=\"small\">Invasiveness (MISSION.md s3): 0 drugs and ECMO flow, 1 IABP, 2 "
          "Impella, 3 septostomy and percutaneous vents, 4 surgical vent. Green: target met; "
          "red: missed. Pressures in mmHg, volumes in mL, PVA in mmHg&middot;mL.</p>\n<h2>LV "
          "pressure-volume loops</h2>\n%s\n",
      hs_html_svg_body(pv));
  if (sweep) hs_html_put(&b, "<h2>ECMO flow</h2>\n%s\n", hs_html_svg_body(sweep));
  hs_html_put(&b, "</body></html>\n");
  if (b.bad) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory writing the report");
  if (!st) st = hs_report_write_in(dir, "index.html", b.s, err);
  if (!st) st = hs_report_write_in(dir, "pv_loops.svg", pv, err);
  if (!st && sweep) st = hs_report_write_in(dir, "ecmo_flow_sweep.svg", sweep, err);
  free(b.s);
  free(pv);
  free(sweep);
  return st;
}

hs_status hs_report_optimize(const char *dir, const char *patient, const hs_optimize_result *r,
                             const hs_targets *t, hs_err *err) {
  hs_status st = hs_report_ensure_dir(dir, err);
  if (st) return st;
  char *sweep = hs_optimize_svg(r, t, err);
  if (!sweep) return err ? err->code : HS_ERR_NOMEM;
  char *pv = pv_svg(r->rows, r->npoints, 0, err);
  hs_html b = {0};
  char title[160];
  snprintf(title, sizeof title, "Optimising %s", r->setting);
  hs_html_head(&b, title, patient);
  hs_html_put(&b, "<div class=\"%s\"><b>%s</b> ", r->chosen >= 0 ? "ok" : "no",
      r->chosen >= 0 ? "Chosen setting:" : "No setting meets every target.");
  hs_html_text(&b, r->reason);
  hs_html_put(&b, "</div>\n");
  targets_line(&b, t);
  table(&b, r->rows, r->npoints, r->chosen >= 0 ? r->chosen : r->closest);
  hs_html_put(&b, "<h2>Sweep</h2>\n%s\n", hs_html_svg_body(sweep));
  if (pv) hs_html_put(&b, "<h2>LV pressure-volume loops</h2>\n%s\n", hs_html_svg_body(pv));
  hs_html_put(&b, "</body></html>\n");
  if (b.bad) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory writing the report");
  if (!st) st = hs_report_write_in(dir, "index.html", b.s, err);
  if (!st) st = hs_report_write_in(dir, "sweep.svg", sweep, err);
  if (!st && pv) st = hs_report_write_in(dir, "pv_loops.svg", pv, err);
  free(b.s);
  free(sweep);
  free(pv);
  return st;
}
