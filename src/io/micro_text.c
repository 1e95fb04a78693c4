/*
 * io/micro_text.c - the text reports of `hemosim micro analyze` (a microcirculation
 * recording's per-site table, summary and the reference values it crosses) and of
 * `hemosim micro titrate` (each policy's titration table).  Built in the library so that
 * every front end prints the same report; the JSON and CSV forms are in micro_io.c and
 * titrate_out.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "hemosim/micro.h"
#include "hemosim/titrate.h"

static void cell(char *b, size_t n, double v, int width, int prec) {
  if (isfinite(v))
    snprintf(b, n, "%*.*f", width, prec, v);
  else
    snprintf(b, n, "%*s", width, "-");
}

static int crossed_on(const hs_micro_result *r, hs_micro_quantity q) {
  for (size_t k = 0; k < hs_micro_reference_count(); k++) {
    const hs_micro_reference *ref = hs_micro_reference_at(k);
    for (int c = 0; c < ref->nconds; c++)
      if (r->crossed[k] == 1 && ref->cond[c].q == q) return 1;
  }
  return 0;
}

static void print_values_row(FILE *f, const char *name, const char *massey, double mfi,
                             const hs_micro_values *v, int crossings) {
  char b[10][16];
  cell(b[0], sizeof b[0], mfi, 5, 2);
  for (int g = 0; g < HS_MICRO_GROUPS; g++) {
    const hs_micro_values *x = &v[g];
    if (crossings) {
      cell(b[1 + 3 * g], sizeof b[0], x->de_backer_per_mm, 7, 2);
      cell(b[2 + 3 * g], sizeof b[0], x->ppv_crossings_pct, 6, 1);
      cell(b[3 + 3 * g], sizeof b[0], x->pvd_crossings_per_mm, 7, 2);
    } else {
      cell(b[1 + 3 * g], sizeof b[0], x->tvd_mm_mm2, 7, 2);
      cell(b[2 + 3 * g], sizeof b[0], x->ppv_pct, 6, 1);
      cell(b[3 + 3 * g], sizeof b[0], x->pvd_mm_mm2, 7, 2);
    }
  }
  fprintf(f, "  %-22.22s %6s %s  %s %s %s  %s %s %s  %s %s %s\n", name, massey, b[0], b[1], b[2],
         b[3], b[4], b[5], b[6], b[7], b[8], b[9]);
}

static void print_table(FILE *f, const hs_micro_input *in, const hs_micro_result *r, int crossings) {
  const char *a = crossings ? "score" : "  TVD";
  fprintf(f, "\n%s\n", crossings ? "De Backer grid crossings (score and PVD in 1/mm, PPV in %)"
                             : "vessel length (TVD and PVD in mm/mm2, PPV in %)");
  fprintf(f, "  %-22s %6s %5s  %-22s  %-22s  %-22s\n", "", "", "", "------- small --------",
         "------- large --------", "-------- all ---------");
  fprintf(f, "  %-22s %6s %5s  %7s %6s %7s  %7s %6s %7s  %7s %6s %7s\n", "site", "Massey", "MFI", a,
         "PPV", "PVD", a, "PPV", "PVD", a, "PPV", "PVD");
  for (size_t i = 0; i < r->nsites; i++) {
    const hs_micro_site_result *s = &r->site[i];
    char massey[16], name[HS_MICRO_NAME_MAX + 4];
    if (s->massey_total >= 0)
      snprintf(massey, sizeof massey, "%d%s", s->massey_total, s->usable ? "" : "x");
    else
      snprintf(massey, sizeof massey, "-");
    snprintf(name, sizeof name, "%s", s->name);
    print_values_row(f, name, massey, s->mfi, s->v, crossings);
  }
  char mean[48];
  snprintf(mean, sizeof mean, "mean of %zu usable", r->nusable);
  print_values_row(f, mean, "", r->mfi, r->mean, crossings);
  (void)in;
}

static void summary_row(FILE *f, const hs_micro_result *r, const char *label, double v,
                        const char *unit, int prec, int q, const char *extra) {
  char b[32];
  cell(b, sizeof b, v, 8, prec);
  int mark = q >= 0 && crossed_on(r, (hs_micro_quantity)q);
  char line[256];
  snprintf(line, sizeof line, "  %-26s %s %-6s %s %s", label, b, unit, mark ? "!" : " ", extra);
  size_t n = strlen(line);
  while (n && line[n - 1] == ' ') line[--n] = '\0';
  fprintf(f, "%s\n", line);
}

static void report_body(FILE *f, const char *file, const hs_micro_input *in, const hs_micro_result *r) {
  int has_len = 0, has_cross = 0;
  for (size_t i = 0; i < r->nsites; i++) {
    has_len |= isfinite(r->site[i].v[HS_MICRO_ALL].tvd_mm_mm2);
    has_cross |= isfinite(r->site[i].v[HS_MICRO_ALL].de_backer_per_mm);
  }
  fprintf(f, "microcirculation: %s\n", file);
  fprintf(f, "  patient %s", in->patient[0] ? in->patient : "(not given)");
  if (in->time_point) fprintf(f, ", T%d", in->time_point);
  if (isfinite(in->hours_since_ecmo))
    fprintf(f, ", %.1f h after VA-ECMO placement", in->hours_since_ecmo);
  if (isfinite(in->ecmo_flow_lpm)) fprintf(f, ", ECMO flow %.2f L/min", in->ecmo_flow_lpm);
  if (isfinite(in->fluid_balance_ml)) fprintf(f, ", fluid balance %+.0f mL", in->fluid_balance_ml);
  if (isfinite(r->vis)) fprintf(f, ", VIS %.1f", r->vis);
  fprintf(f, "\n  small vessels: diameter < %g um; %zu site(s) recorded, %zu usable\n",
         r->small_cutoff_um, r->nsites, r->nusable);
  if (has_len) print_table(f, in, r, 0);
  if (has_cross) print_table(f, in, r, 1);
  for (size_t i = 0; i < r->nsites; i++)
    if (!r->site[i].usable) fprintf(f, "  x %s excluded: %s\n", r->site[i].name, r->site[i].reason);

  fprintf(f, "\nsummary (mean over %zu usable site%s; ! = beyond a reference value listed below)\n",
         r->nusable, r->nusable == 1 ? "" : "s");
  if (has_len) {
    summary_row(f, r, "PSVD (small-vessel PVD)", r->psvd_mm_mm2, "mm/mm2", 2, HS_MQ_PSVD, "");
    summary_row(f, r, "PPSV (small-vessel PPV)", r->ppsv_pct, "%", 1, HS_MQ_PPSV, "");
    summary_row(f, r, "small-vessel TVD", r->mean[HS_MICRO_SMALL].tvd_mm_mm2, "mm/mm2", 2,
                HS_MQ_SMALL_TVD, "");
    summary_row(f, r, "PPV (all vessels)", r->mean[HS_MICRO_ALL].ppv_pct, "%", 1, HS_MQ_PPV, "");
    summary_row(f, r, "PVD (all vessels)", r->mean[HS_MICRO_ALL].pvd_mm_mm2, "mm/mm2", 2, -1, "");
  }
  if (has_cross) {
    summary_row(f, r, "De Backer score (all)", r->mean[HS_MICRO_ALL].de_backer_per_mm, "1/mm", 2,
                -1, "");
    summary_row(f, r, "PPV by crossings (small)", r->mean[HS_MICRO_SMALL].ppv_crossings_pct, "%",
                1, has_len ? -1 : HS_MQ_PPSV, "");
    summary_row(f, r, "PPV by crossings (all)", r->mean[HS_MICRO_ALL].ppv_crossings_pct, "%", 1,
                has_len ? -1 : HS_MQ_PPV, "");
  }
  if (isfinite(r->mfi)) {
    char range[64];
    snprintf(range, sizeof range, "(sites %.2f to %.2f)", r->mfi_min, r->mfi_max);
    summary_row(f, r, "MFI", r->mfi, "", 2, HS_MQ_MFI, range);
    summary_row(f, r, "heterogeneity index", r->heterogeneity_index, "", 2, -1, "");
  }
  int any = 0;
  for (size_t k = 0; k < hs_micro_reference_count(); k++) {
    const hs_micro_reference *ref = hs_micro_reference_at(k);
    if (r->crossed[k] != 1) continue;
    if (!any) fprintf(f, "\nreference values crossed\n");
    any = 1;
    fprintf(f, "  ! %s (", ref->id);
    for (int c = 0; c < ref->nconds; c++)
      fprintf(f, "%s%s = %.2f", c ? ", " : "", hs_micro_quantity_name(ref->cond[c].q),
             hs_micro_quantity_value(r, ref->cond[c].q));
    fprintf(f, "): %s\n      %s\n", ref->meaning, ref->source);
  }
  if (!any) fprintf(f, "\nno reference value crossed\n");
  if (r->schedule.label) fprintf(f, "\nschedule: %s\n", r->schedule.note);
  if (r->nwarnings) {
    fprintf(f, "\nwarnings\n");
    for (size_t k = 0; k < r->nwarnings; k++) fprintf(f, "  - %s\n", r->warning[k]);
  }
}

static void titrate_one(FILE *f, const char *file, const hs_titrate_result *x) {
  fprintf(f, "\nECMO flow titration, %s policy: %s\n", hs_titrate_policy_name(x->policy), file);
  /* column names, then their units (AV: fraction of beats the aortic valve opens; MFI:
     microvascular flow index 0-3; Lac: the steady-state lactate plateau) */
  static const char *const HEAD[2][16] = {
      {"t", "flow", "MAP", "CI", "PCWP", "PP", "AV", "SvO2", "DO2i", "TVD", "PVD", "PPV", "MFI",
       "Lac", "rule", "next"},
      {"h", "L/min", "mmHg", "L/min/m2", "mmHg", "mmHg", "frac", "%", "mL/min/m2", "mm/mm2",
       "mm/mm2", "%", "0-3", "mmol/L", "", "L/min"}};
  for (int r = 0; r < 2; r++)
    fprintf(f, "  %5s %5s %5s %8s %5s %5s %4s %5s %9s %6s %6s %5s %4s %6s  %-13s %5s\n", HEAD[r][0],
           HEAD[r][1], HEAD[r][2], HEAD[r][3], HEAD[r][4], HEAD[r][5], HEAD[r][6], HEAD[r][7],
           HEAD[r][8], HEAD[r][9], HEAD[r][10], HEAD[r][11], HEAD[r][12], HEAD[r][13], HEAD[r][14],
           HEAD[r][15]);
  for (size_t i = 0; i < x->n; i++) {
    const hs_titrate_step *s = &x->step[i];
    char mark[8] = "";
    if (s->measured >= 1 && s->measured <= 4) snprintf(mark, sizeof mark, " T%d", s->measured);
    fprintf(f, "  %5.1f %5.2f %5.1f %8.2f %5.1f %5.1f %4.2f %5.1f %9.0f %6.1f %6.1f %5.1f %4.2f %6.2f  "
           "%-13s %5.2f%s\n",
           s->t_h, s->flow_lpm, s->map_mmhg, s->ci_lpm_m2, s->pcwp_mmhg, s->pp_mmhg, s->av_open,
           s->svo2_pct, s->do2i_mlmin_m2, s->tvd, s->pvd, s->ppv, s->mfi, s->lactate_mmol_l,
           hs_titrate_rule_name(s->rule), s->next_flow_lpm, mark);
  }
  fprintf(f, "  mean flow %.2f L/min, final %.2f L/min, mean MAP %.1f mmHg, mean PVD %.2f mm/mm2\n",
         x->mean_flow_lpm, x->final_flow_lpm, x->mean_map, x->mean_pvd);
  if (x->not_steady)
    fprintf(f, "  note: steady state not reached at %zu decision point(s)\n", x->not_steady);
}

/* Write body into a string (core/textbuf.h); NULL with err set when memory runs out. */
static char *to_text(const char *what, hs_err *err, void (*body)(FILE *, const void *),
                     const void *arg) {
  hs_textbuf tb;
  FILE *f = hs_textbuf_open(&tb, what, err);
  if (!f) return NULL;
  body(f, arg);
  return hs_textbuf_close(&tb, what, err);
}

typedef struct report_args {
  const char *file;
  const hs_micro_input *in;
  const hs_micro_result *r;
} report_args;

static void report_thunk(FILE *f, const void *arg) {
  const report_args *a = arg;
  report_body(f, a->file, a->in, a->r);
}

char *hs_micro_report_text(const char *file, const hs_micro_input *in, const hs_micro_result *r,
                           hs_err *err) {
  report_args a = {file, in, r};
  return to_text("microcirculation report", err, report_thunk, &a);
}

typedef struct titrate_args {
  const char *file;
  hs_titrate_result *const *res;
  int nres;
} titrate_args;

static void titrate_thunk(FILE *f, const void *arg) {
  const titrate_args *a = arg;
  hs_titrate_result *const *res = a->res;
  for (int k = 0; k < a->nres; k++) titrate_one(f, a->file, res[k]);
  if (a->nres == 2)
    fprintf(f,
            "\nmicro vs control: mean flow %+.2f L/min, mean PVD %+.2f mm/mm2, mean MAP %+.1f "
            "mmHg\n",
            res[1]->mean_flow_lpm - res[0]->mean_flow_lpm, res[1]->mean_pvd - res[0]->mean_pvd,
            res[1]->mean_map - res[0]->mean_map);
}

char *hs_titrate_text(const char *file, hs_titrate_result *const *res, int nres, hs_err *err) {
  titrate_args a = {file, res, nres};
  return to_text("titration table", err, titrate_thunk, &a);
}

typedef struct schedule_args {
  const hs_micro_timepoint *tp;
  const hs_micro_window *w;
  size_t n;
  double tol;
} schedule_args;

static void schedule_thunk(FILE *f, const void *arg) {
  const schedule_args *a = arg;
  const hs_micro_timepoint *tp = a->tp;
  const hs_micro_window *w = a->w;
  int flagged = 0;
  fprintf(f, "microcirculation schedule (T4 window 72 +- %g h)\n",
          a->tol > 0 ? a->tol : HS_MICRO_DEFAULT_T4_TOLERANCE_H);
  fprintf(f, "  %-5s %9s %9s  %-10s  %s\n", "point", "h (ECMO)", "h (T1)", "status", "source");
  for (size_t i = 0; i < a->n; i++) {
    char h[16], h1[16], lab[8];
    cell(h, sizeof h, w[i].hours_since_ecmo, 9, 1);
    cell(h1, sizeof h1, w[i].hours_after_t1, 9, 1);
    if (w[i].label)
      snprintf(lab, sizeof lab, "T%d", w[i].label);
    else
      snprintf(lab, sizeof lab, "?");
    int bad = w[i].status == HS_SCHED_OUTSIDE || w[i].status == HS_SCHED_DUPLICATE;
    flagged += bad;
    fprintf(f, "  %-5s %s %s  %-10s  %s:%d\n    %s%s\n", lab, h, h1,
            hs_micro_sched_status_name(w[i].status), tp[i].source ? tp[i].source : "-",
            tp[i].line, bad ? "! " : "", w[i].note);
  }
  static const char *const names[] = {"", "T1", "T2", "T3", "T4"};
  for (int L = 1; L <= 4; L++) {
    int seen = 0;
    for (size_t i = 0; i < a->n; i++) seen |= w[i].label == L;
    if (!seen) fprintf(f, "  note: no %s measurement listed\n", names[L]);
  }
  fprintf(f, "%d measurement%s flagged\n", flagged, flagged == 1 ? "" : "s");
}

char *hs_micro_schedule_text(const hs_micro_timepoint *tp, const hs_micro_window *w, size_t n,
                             double t4_tolerance_h, hs_err *err) {
  schedule_args a = {tp, w, n, t4_tolerance_h};
  return to_text("schedule table", err, schedule_thunk, &a);
}
