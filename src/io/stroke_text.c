/*
 * io/stroke_text.c - the text reports of the stroke calculators (dose, trial
 * eligibility, 24 h course, mCIS, reperfusion, perfusion class, TCD, eTICI) that
 * `hemosim stroke` prints; the JSON forms are in
 * stroke_json.c and stroke_course_json.c.  Built here so that every front end shows the
 * same report.  Reentrant: the number formatting keeps its buffers in a local struct.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "hemosim/stroke.h"
#include "hemosim/stroke_course.h"

/* A ring of buffers for the numbers of one report line (printf takes several at once). */
typedef struct numfmt {
  char b[16][64];
  int next;
} numfmt;

static char *slot(numfmt *nf) {
  char *b = nf->b[nf->next];
  nf->next = (nf->next + 1) % 16;
  return b;
}

/* A number for people: up to 3 decimals, trailing zeros dropped ("15.75", "0.188"). */
static const char *num(numfmt *nf, double v) {
  char *b = slot(nf);
  if (!isfinite(v)) {
    snprintf(b, sizeof nf->b[0], "-");
    return b;
  }
  snprintf(b, sizeof nf->b[0], "%.3f", v);
  char *dot = strchr(b, '.');
  if (dot) {
    char *e = b + strlen(b) - 1;
    while (e > dot && *e == '0') *e-- = '\0';
    if (e == dot) *e = '\0';
  }
  if (!strcmp(b, "-0")) snprintf(b, sizeof nf->b[0], "0");
  return b;
}

/* A constant as written in the regimen ("0.03125"): 6 significant digits. */
static const char *exact(numfmt *nf, double v) {
  char *b = slot(nf);
  snprintf(b, sizeof nf->b[0], "%.6g", v);
  return b;
}

/* "30 min", "24 h", "45 s". */
static const char *dur(numfmt *nf, double s) {
  char *b = slot(nf);
  if (s >= 3600 && fmod(s, 3600) == 0)
    snprintf(b, sizeof nf->b[0], "%s h", num(nf, s / 3600));
  else if (s >= 60)
    snprintf(b, sizeof nf->b[0], "%s min", num(nf, s / 60));
  else
    snprintf(b, sizeof nf->b[0], "%s s", num(nf, s));
  return b;
}

/* An amount with its unit, plus mg for large ug amounts ("10920 ug (10.92 mg)"). */
static const char *amount(numfmt *nf, double v, hs_dose_unit u) {
  char *b = slot(nf);
  if (u == HS_DOSE_UG && v >= 1000)
    snprintf(b, sizeof nf->b[0], "%s ug (%s mg)", num(nf, v), num(nf, v / 1000));
  else
    snprintf(b, sizeof nf->b[0], "%s %s", num(nf, v), hs_dose_unit_name(u));
  return b;
}

/* One report being written: its text (core/textbuf.h) and its number buffers. */
typedef struct report {
  hs_textbuf tb;
  numfmt nf;
} report;

static FILE *open_text(report *rp, const char *what, hs_err *err) {
  rp->nf.next = 0;
  return hs_textbuf_open(&rp->tb, what, err);
}

static char *close_text(report *rp, const char *what, hs_err *err) {
  return hs_textbuf_close(&rp->tb, what, err);
}

char *hs_stroke_dose_text(const hs_stroke_dose *d, hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "dose report", err);
  if (!f) return NULL;
  numfmt *nf = &rp.nf;
  const hs_stroke_regimen *r = d->regimen;
  const char *u = hs_dose_unit_name(r->unit), *cu = hs_dose_conc_unit_name(r->unit);
  fprintf(f, "%s: %s %s, %s\n", r->name, r->route, r->drug, r->summary);
  if (d->has_weight) fprintf(f, "  weight          %s kg\n", num(nf, d->weight_kg));
  fprintf(f, "  concentration   %s %s%s%s%s\n", num(nf, d->conc), cu,
          d->conc_is_default ? " (default: " : "", d->conc_is_default ? r->conc_source : "",
          d->conc_is_default ? ")" : "");
  for (int k = 0; k < d->nphases; k++) {
    const hs_stroke_phase_dose *p = &d->phase[k];
    const hs_stroke_phase_spec *s = p->spec;
    fprintf(f, "  %s\n", s->label);
    if (s->per_kg_min > 0)
      fprintf(f, "    dose rate     %s %s/kg/min x %s kg = %s %s/min\n", exact(nf, s->per_kg_min),
              u, num(nf, d->weight_kg), num(nf, s->per_kg_min * d->weight_kg), u);
    if (s->per_kg > 0) {
      if (p->cap_binds)
        fprintf(f,
                "    dose          %s: MAXIMUM DOSE APPLIED (%s %s/kg x %s kg = %s > max %s; "
                "%s %s/kg given)\n",
                amount(nf, p->amount, r->unit), exact(nf, s->per_kg), u, num(nf, d->weight_kg),
                amount(nf, p->amount_calc, r->unit), amount(nf, s->cap, r->unit),
                num(nf, p->per_kg_given), u);
      else if (s->cap > 0)
        fprintf(f,
                "    dose          %s (%s %s/kg x %s kg; max %s not reached, it binds above %s "
                "kg)\n",
                amount(nf, p->amount, r->unit), exact(nf, s->per_kg), u, num(nf, d->weight_kg),
                amount(nf, s->cap, r->unit), num(nf, p->cap_weight_kg));
      else
        fprintf(f, "    dose          %s (%s %s/kg x %s kg; no maximum dose)\n",
                amount(nf, p->amount, r->unit), exact(nf, s->per_kg), u, num(nf, d->weight_kg));
    } else if (s->per_kg_min > 0) {
      fprintf(f, "    amount        %s\n", amount(nf, p->amount, r->unit));
    } else {
      fprintf(f, "    dose          %s (fixed dose", amount(nf, p->amount, r->unit));
      if (d->has_weight)
        fprintf(f, "; %s %s/kg at %s kg", num(nf, p->per_kg_given), u, num(nf, d->weight_kg));
      fprintf(f, ")\n");
    }
    fprintf(f, "    volume        %s mL\n", num(nf, p->volume_ml));
    if (p->dur_lo_s > 0 && p->dur_lo_s != p->dur_hi_s) {
      fprintf(f, "    time          %s to %s\n", dur(nf, p->dur_lo_s), dur(nf, p->dur_hi_s));
      fprintf(f, "    pump rate     %s mL/h over %s to %s mL/h over %s\n",
              num(nf, p->rate_fast_mlh), dur(nf, p->dur_lo_s), num(nf, p->rate_slow_mlh),
              dur(nf, p->dur_hi_s));
    } else if (p->dur_lo_s > 0) {
      fprintf(f, "    time          %s\n", dur(nf, p->dur_lo_s));
      fprintf(f, "    pump rate     %s mL/h\n", num(nf, p->rate_fast_mlh));
    } else {
      fprintf(f, "    time          not given by the sources (--duration T gives a pump rate)\n");
    }
    if (s->count > 1)
      fprintf(f, "    repeated      %d times%s%s: %s in %s mL\n", s->count,
              s->every ? ", every " : "", s->every ? s->every : "",
              amount(nf, p->total_amount, r->unit), num(nf, p->total_volume_ml));
  }
  fprintf(f, "  total           %s in %s mL\n", amount(nf, d->total_amount, r->unit),
          num(nf, d->total_volume_ml));
  if (r->note) fprintf(f, "  note: %s\n", r->note);
  fprintf(f, "  source: %s\n", r->source);
  return close_text(&rp, "dose report", err);
}

char *hs_stroke_eligibility_text(const hs_stroke_eligibility *e, hs_err *err) {
  static const char *const status[] = {"not eligible", "ELIGIBLE", "unknown"};
  report rp;
  FILE *f = open_text(&rp, "eligibility report", err);
  if (!f) return NULL;
  numfmt *nf = &rp.nf;
  fprintf(f, "adjunct regimens after thrombectomy: trial eligibility\n");
  for (size_t i = 0; i < e->n; i++) {
    const hs_stroke_eligibility_row *r = &e->row[i];
    const hs_stroke_indication *in = r->ind;
    const hs_stroke_regimen *reg = hs_stroke_regimen_find(in->regimen);
    fprintf(f, "\n%-44s %s\n", in->trial, status[r->status]);
    fprintf(f, "  rule     %s\n", r->rule);
    fprintf(f, "  regimen  %s: %s %s, %s\n", in->regimen, reg->route, reg->drug, reg->summary);
    if (r->has_dose) {
      const hs_stroke_dose *d = &r->dose;
      fprintf(f, "  dose     ");
      for (int k = 0; k < d->nphases; k++) {
        const hs_stroke_phase_dose *p = &d->phase[k];
        fprintf(f, "%s%s %s%s", k ? "; then " : "", amount(nf, p->amount, reg->unit),
                p->spec->label, p->cap_binds ? " (MAXIMUM DOSE APPLIED)" : "");
      }
      fprintf(f, " = %s mL at %s %s\n", num(nf, d->total_volume_ml), num(nf, d->conc),
              hs_dose_conc_unit_name(reg->unit));
    } else {
      fprintf(f, "  dose     give --weight\n");
    }
    fprintf(f, "  result   %s: %s\n", hs_trial_result_name(in->result), in->outcome);
    fprintf(f, "  source   %s\n", in->citation);
    if (in->note) fprintf(f, "  note     %s\n", in->note);
  }
  fprintf(f, "\nTrial populations, not a prescription: check every criterion and dose\n"
             "against the trial report and the local protocol.\n");
  return close_text(&rp, "eligibility report", err);
}

char *hs_course_text(const hs_course_result *r, hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "course report", err);
  if (!f) return NULL;
  numfmt *nf = &rp.nf;
  hs_reperfusion_grade g;
  hs_etici_from_fraction(r->fraction, &g, NULL);
  fprintf(f,
          "24-hour course after thrombectomy: territory %s, fraction reperfused %s (eTICI %s),\n"
          "capillary obstruction %s at t = 0 (half-life %s h at normal perfusion)\n\n",
          r->territory->name, num(nf, r->fraction), hs_etici_name(g.etici),
          num(nf, r->obstruction0), num(nf, r->opts.half_life_s / 3600));
  fprintf(f, "%-14s %8s %8s %8s %8s %9s %8s %8s %8s %8s %9s\n", "strategy", "SBP", "MAP",
          "CBF mean", "CBF min", "hypo frac", "hypo h", "hyper h", "burden h", "peak rel",
          "obstr end");
  for (size_t i = 0; i < r->narms; i++) {
    const hs_course_arm *a = &r->arm[i];
    const hs_course_point *last = &a->pts[a->npoints - 1];
    fprintf(f, "%-14s %8s %8s %8s %8s %9s %8s %8s %8s %8s %9s%s\n", a->strategy,
            num(nf, last->sbp), num(nf, last->map), num(nf, a->mean_cbf_territory),
            num(nf, a->min_cbf_territory), num(nf, a->mean_hypo_fraction),
            num(nf, a->hypo_fraction_h), num(nf, a->time_hyper_h), num(nf, a->hyper_burden_h),
            num(nf, a->peak_rel_reperfused), num(nf, a->final_obstruction),
            a->points_in_band < 1 ? "  (target not held at every point)" : "");
  }
  fprintf(f, "\nterritory CBF (mL/100 g/min) over time; reperfused / non-reperfused share:\n");
  fprintf(f, "%-6s", "t h");
  for (size_t i = 0; i < r->narms; i++) fprintf(f, " %24s", r->arm[i].strategy);
  fprintf(f, "\n");
  const hs_course_arm *a0 = &r->arm[0];
  size_t every = a0->npoints > 13 ? (a0->npoints - 1 + 11) / 12 : 1;
  for (size_t k = 0; k < a0->npoints; k++) {
    if (k % every && k + 1 != a0->npoints) continue;
    fprintf(f, "%-6s", num(nf, a0->pts[k].t_s / 3600));
    for (size_t i = 0; i < r->narms; i++) {
      const hs_course_point *p = &r->arm[i].pts[k];
      char cell[200];
      snprintf(cell, sizeof cell, "%s (%s/%s)", num(nf, p->cbf_territory),
               num(nf, p->cbf_reperfused), num(nf, p->cbf_nonreperfused));
      fprintf(f, " %24s", cell);
    }
    fprintf(f, "\n");
  }
  fprintf(f,
          "\nSBP, MAP: mmHg at the end; CBF: territory mean over the course; hypo frac: mean\n"
          "fraction of the territory below %s%s (hypo h: territory-hours); hyper h:\n"
          "hours with reperfused CBF > %s x contralateral; burden h: f x excess ratio over 1,\n"
          "integrated.  MODEL PROXIES, NOT OUTCOMES.\n",
          num(nf, isnan(r->opts.hypo_cbf) ? r->opts.hypo_rel : r->opts.hypo_cbf),
          isnan(r->opts.hypo_cbf) ? " x contralateral CBF" : " mL/100 g/min",
          num(nf, r->opts.hyper_rel));
  return close_text(&rp, "course report", err);
}

/* ---- the small calculators --------------------------------------------------------- */

char *hs_stroke_mcis_text(const hs_mcis_result *m, hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "mCIS report", err);
  if (!f) return NULL;
  fprintf(f, "modified capillary index score (mCIS), MCA territory\n");
  for (int k = 0; k < HS_MCIS_REGIONS; k++)
    fprintf(f, "  region %d    %d  %s\n", k + 1, m->scores[k], hs_mcis_score_meaning(m->scores[k]));
  fprintf(f, "  total       %d / %d\n", m->total, HS_MCIS_TOTAL_MAX);
  if (m->no_reflow)
    fprintf(f, "  no-reflow   YES (total %d <= %d)\n", m->total, HS_MCIS_NO_REFLOW_MAX);
  else
    fprintf(f, "  no-reflow   no (total %d > %d)\n", m->total, HS_MCIS_NO_REFLOW_MAX);
  return close_text(&rp, "mCIS report", err);
}

char *hs_stroke_reperfusion_text(const hs_reperfusion_result *r, hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "reperfusion report", err);
  if (!f) return NULL;
  numfmt *nf = &rp.nf;
  fprintf(f, "tissue reperfusion (CT perfusion, Tmax > 6 s lesion volume)\n");
  fprintf(f, "  baseline     %s mL\n", num(nf, r->baseline_ml));
  fprintf(f, "  follow-up    %s mL\n", num(nf, r->followup_ml));
  if (r->reduction_ml >= 0)
    fprintf(f, "  reduction    %s mL (%s %%)\n", num(nf, r->reduction_ml), num(nf, r->reduction_pct));
  else
    fprintf(f, "  reduction    %s mL (%s %%: the lesion grew by %s mL)\n", num(nf, r->reduction_ml),
            num(nf, r->reduction_pct), num(nf, -r->reduction_ml));
  if (r->reperfused)
    fprintf(f, "  reperfusion  YES: tissue optimal reperfusion (reduction > %s %%)\n",
            num(nf, HS_REPERFUSION_MIN_REDUCTION_PCT));
  else
    fprintf(f, "  reperfusion  no (reduction %s %% is not > %s %%)\n", num(nf, r->reduction_pct),
            num(nf, HS_REPERFUSION_MIN_REDUCTION_PCT));
  return close_text(&rp, "reperfusion report", err);
}

/* rel[k] NaN: that map was not given (not shown). */
char *hs_stroke_perfusion_text(const double rel[2], const hs_perf_class cls[2],
                               const hs_perf_cutoffs cut[2], int default_cutoffs, hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "perfusion report", err);
  if (!f) return NULL;
  numfmt *nf = &rp.nf;
  static const char *const names[2] = {"CBF", "CBV"};
  fprintf(f, "relative perfusion (affected / contralateral mirror region)\n");
  for (int k = 0; k < 2; k++)
    if (!isnan(rel[k]))
      fprintf(f, "  %s  %-6s %-15s (normal band [%s, %s])\n", names[k], num(nf, rel[k]),
              hs_perf_class_name(cls[k]), num(nf, cut[k].hypo_below), num(nf, cut[k].hyper_above));
  if (default_cutoffs)
    fprintf(f, "cut-offs: no consensus value exists; the defaults are a +-10 %% band around\n"
               "symmetry (docs/stroke_calculators.md); set them with --hypo-below/--hyper-above.\n");
  return close_text(&rp, "perfusion report", err);
}

/* contra NULL: the affected side only. */
char *hs_stroke_tcd_text(const hs_tcd_side *a, const hs_tcd_side *c, const hs_tcd_limits *lim,
                         const hs_tcd_result *r, hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "TCD report", err);
  if (!f) return NULL;
  numfmt *nf = &rp.nf;
  fprintf(f, "transcranial Doppler, Gosling pulsatility index PI = (PSV - EDV) / mean\n");
  fprintf(f, "  affected       PSV %5s  EDV %5s  mean %5s cm/s   PI %-6s %s\n", num(nf, a->psv_cms),
          num(nf, a->edv_cms), num(nf, a->mean_cms), num(nf, r->pi),
          r->pi_raised ? "RAISED" : "not raised");
  if (r->has_contra && c) {
    fprintf(f, "  contralateral  PSV %5s  EDV %5s  mean %5s cm/s   PI %-6s %s\n",
            num(nf, c->psv_cms), num(nf, c->edv_cms), num(nf, c->mean_cms),
            num(nf, r->pi_contra), r->contra_raised ? "RAISED" : "not raised");
    fprintf(f, "  difference     %s%s (affected - contralateral)\n", r->pi_diff > 0 ? "+" : "",
            num(nf, r->pi_diff));
    if (isfinite(r->pi_ratio))
      fprintf(f, "  ratio          %s  %s (asymmetric when > %s)\n", num(nf, r->pi_ratio),
              r->asymmetric ? "ASYMMETRIC" : "not asymmetric", num(nf, lim->asym_ratio_above));
    else
      fprintf(f, "  ratio          undefined (contralateral PI 0)  %s\n",
              r->asymmetric ? "ASYMMETRIC" : "not asymmetric");
  }
  fprintf(f,
          "  raised PI: > %s.  A raised or asymmetric PI after recanalisation suggests\n"
          "  higher microvascular resistance (no-reflow).\n",
          num(nf, lim->pi_raised_above));
  return close_text(&rp, "TCD report", err);
}

char *hs_stroke_etici_text(const hs_reperfusion_grade *g, hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "eTICI report", err);
  if (!f) return NULL;
  if (g->from_mtici) fprintf(f, "mTICI %s -> eTICI %s\n", g->mtici, hs_etici_name(g->etici));
  fprintf(f, "eTICI %-5s %s\n", hs_etici_name(g->etici), hs_etici_meaning(g->etici));
  if (g->from_mtici && !strcmp(g->mtici, "2b"))
    fprintf(f, "  mTICI 2b covers 50-89 %% (eTICI 2b50 or 2b67): eligibility reads it as 2b50\n");
  fprintf(f, "  territory fraction reperfused (model): %s\n", num(&rp.nf, g->fraction));
  return close_text(&rp, "eTICI report", err);
}

char *hs_stroke_regimens_text(hs_err *err) {
  report rp;
  FILE *f = open_text(&rp, "regimen list", err);
  if (!f) return NULL;
  for (size_t i = 0; i < hs_stroke_regimen_count(); i++) {
    const hs_stroke_regimen *r = hs_stroke_regimen_at(i);
    fprintf(f, "%-19s %s %s: %s\n", r->name, r->route, r->drug, r->summary);
  }
  return close_text(&rp, "regimen list", err);
}
