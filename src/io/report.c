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
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "hemosim/hemosim.h"
#include "hemosim/plot.h"
#include "hemosim/report.h"
#include "report_html.h"

/* ---- the 30-second answer: one implementation for the terminal and the HTML page ---- */

typedef struct out {
  hs_html *b;
  int html;
} out;

static void o_text(out *o, const char *t) {
  if (o->html) hs_html_text(o->b, t);
  else hs_html_put(o->b, "%s", t);
}
/* A number that rounds to zero reads 0.00, never "-0.00" (a native LV output of -1e-6
   L/min behind a shut valve): the sign of a printed zero is dropped in place. */
static void drop_negative_zeros(char *s) {
  for (char *p = s; *p; p++) {
    if (*p != '-' || (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))) continue;
    const char *q = p + 1;
    if (*q != '0') continue;
    while (*q == '0') q++;
    if (*q == '.') {
      q++;
      while (*q == '0') q++;
    }
    if (isdigit((unsigned char)*q)) continue;
    memmove(p, p + 1, strlen(p + 1) + 1);
  }
}

static void o_fmt(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void o_fmt(out *o, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  drop_negative_zeros(buf);
  o_text(o, buf);
}
static void o_open(out *o, const char *tag, const char *text_prefix) {
  if (o->html) hs_html_put(o->b, "<%s>", tag);
  else hs_html_put(o->b, "%s", text_prefix);
}
static void o_close(out *o, const char *tag) {
  if (o->html) hs_html_put(o->b, "</%s>\n", tag);
  else hs_html_put(o->b, "\n");
}

static void expected_line(out *o, const hs_compare_row *r) {
  const double *v = r->v;
  o_fmt(o,
        "PCWP %.1f mmHg, MAP %.0f mmHg, CVP %.0f mmHg, pulse pressure %.0f mmHg%s; flows: total "
        "systemic %.2f L/min = ECMO %.2f + native LV (aortic valve) %.2f",
        v[HS_CMP_PCWP], v[HS_CMP_MAP], v[HS_CMP_CVP], v[HS_CMP_PP],
        r->families & (1u << HS_FAM_IABP) ? " (with the balloon's augmentation)" : "",
        v[HS_CMP_CO], v[HS_CMP_ECMO], v[HS_CMP_LVO]);
  if (v[HS_CMP_IMPELLA] > 0.005) o_fmt(o, " + Impella %.2f", v[HS_CMP_IMPELLA]);
  else if (r->families & (1u << HS_FAM_TANDEMHEART))
    o_fmt(o, " + TandemHeart %.2f", v[HS_CMP_DEVICE]);
  o_fmt(o, " L/min");
  if (r->families & (1u << HS_FAM_SEPTOSTOMY))
    o_fmt(o, " (septostomy shunt LA -> RA %.2f L/min, drained by the circuit)", v[HS_CMP_DEVICE]);
  if (v[HS_CMP_VENT] > 0.005) o_fmt(o, " (vent %.2f L/min returned through the circuit)", v[HS_CMP_VENT]);
  /* a right-sided pump's flow enters the pulmonary artery, not the systemic total; a
     thermodilution with the pump in place is not validated, so the sum is the model's */
  if (v[HS_CMP_RP] > 0.005)
    o_fmt(o, "; pulmonary flow (model) %.2f L/min = RV %.2f + Impella RP %.2f", v[HS_CMP_QP],
          v[HS_CMP_RVO], v[HS_CMP_RP]);
  else
    o_fmt(o, "; pulmonary (thermodilution) flow %.2f L/min", v[HS_CMP_QP]);
  o_fmt(o,
        "; DO2 index %.0f mL/min/m2, drained-blood SvO2 %.0f %%, right-arm SaO2 %.0f %%; aortic "
        "valve opens in %.0f %% of beats",
        v[HS_CMP_DO2I], v[HS_CMP_SVO2D], v[HS_CMP_SAO2U], 100 * v[HS_CMP_AVO]);
  if (isfinite(v[HS_CMP_PSVD]))
    o_fmt(o, "; microcirculation (model): PSVD %.1f mm/mm2, PPSV %.0f %%",
          v[HS_CMP_PSVD], v[HS_CMP_PPSV]);
  if (isfinite(v[HS_CMP_CBF]))
    o_fmt(o, "; brain: CBF %.0f mL/100 g/min (lower hemisphere), CPP %.0f mmHg", v[HS_CMP_CBF],
          v[HS_CMP_CPP]);
  /* heart_o2_extraction is the demand over the delivery (above 1 no extraction meets it):
     the line says so rather than "O2 extraction 1.02" */
  if (isfinite(v[HS_CMP_HEART_ER])) {
    o_fmt(o, "; heart: O2 demand %.1f mL/min, coronary flow %.0f mL/min, O2 demand / coronary "
          "O2 supply %.2f", v[HS_CMP_MVO2], v[HS_CMP_COR_FLOW], v[HS_CMP_HEART_ER]);
    if (isfinite(v[HS_CMP_HEART_ERCRIT]))
      o_fmt(o, " (%s: critical extraction %.2f)",
            v[HS_CMP_HEART_ER] > v[HS_CMP_HEART_ERCRIT] ? "anaerobic" : "aerobic",
            v[HS_CMP_HEART_ERCRIT]);
    if (isfinite(v[HS_CMP_HEART_PVO2]) && v[HS_CMP_HEART_ER] < 1.0)
      o_fmt(o, ", coronary venous PO2 %.0f mmHg", v[HS_CMP_HEART_PVO2]);
  }
  if (v[HS_CMP_ISCH] < 1.0) /* the matching lowered the LV's contractility */
    o_fmt(o, ", LV contractility reduced %.0f %% by the myocardial O2 shortfall (model estimate, "
          "included in these values)", 100.0 * (1.0 - v[HS_CMP_ISCH]));
}

/* One further line of the recommendation: in text "  LABELtext" on its own line, in HTML
   a span after a line break. */
static void answer_line(out *o, const char *label, const char *text) {
  o_open(o, "span", "  ");
  if (o->html) hs_html_put(o->b, "<br>");
  hs_html_put(o->b, "%s", label);
  o_text(o, text);
  if (o->html) hs_html_put(o->b, "</span>");
  else o_close(o, "");
}

/* One note of the answer, when it has text: in HTML a box (html_open: its opening tag and
   bold title), in text a line starting "LABEL: ". */
static void note_box(out *o, const char *html_open, const char *label, const char *text) {
  if (!*text) return;
  if (o->html) hs_html_put(o->b, "%s", html_open);
  else o_fmt(o, "%s: ", label);
  o_text(o, text);
  if (o->html) hs_html_put(o->b, "</div>\n");
  else o_fmt(o, "\n");
}

static void risks_line(out *o, const hs_compare_row *r) {
  int any = 0;
  for (int k = 0; k < HS_RISK_N; k++) {
    if (r->risk[k].level == HS_RISK_LOW) continue;
    o_fmt(o, "%s%s %s (%s)", any++ ? "; " : "", hs_risk_name(k),
          hs_risk_level_name(r->risk[k].level), r->risk[k].text);
  }
  if (!any) o_fmt(o, "none raised");
}

static void answer(out *o, const hs_compare_result *r, const char *patient) {
  const hs_targets *t = &r->targets;
  size_t nex = 0, nrun = 0, nfail = 0;
  for (size_t i = 0; i < r->nrows; i++) r->rows[i].excluded ? nex++ : nrun++;
  for (size_t i = 0; i < r->nrows; i++) nfail += r->rows[i].failed != 0;
  if (!o->html) {
    o_fmt(o, "%s: %zu %s simulated, %zu excluded, in %.2f s\n", patient, nrun,
          nrun == 1 ? "strategy" : "strategies", nex, r->wall_s);
    o_fmt(o,
          "Targets: PCWP < %g mmHg, MAP >= %g mmHg, DO2 index >= %g mL/min/m2, "
          "drained-blood SvO2 >= %g %%",
          t->pcwp_max_mmhg, t->map_min_mmhg, t->do2i_min, t->svo2_min_pct);
    if (t->sao2_upper_min_pct > 0) o_fmt(o, ", right-arm SaO2 >= %g %%", t->sao2_upper_min_pct);
    if (t->lactate_max_mmol_l > 0) o_fmt(o, ", lactate <= %g mmol/L", t->lactate_max_mmol_l);
    if (t->psvd_min_mm_mm2 > 0) o_fmt(o, ", PSVD (model) >= %g mm/mm2", t->psvd_min_mm_mm2);
    if (t->heart_er_max > 0) o_fmt(o, ", heart O2 demand/delivery <= %g", t->heart_er_max);
    else if (t->heart_er_max < 0)
      o_fmt(o, ", heart O2 demand/delivery <= its critical extraction (coronary venous PO2 >= %g "
            "mmHg)", r->heart_po2_crit);
    if (t->cvp_max_mmhg > 0) o_fmt(o, ", CVP <= %g mmHg", t->cvp_max_mmhg);
    o_fmt(o,
          "; ECMO flow re-titrated to the least flow in %.2f-%.2f L/min (step %.2f) that holds "
          "MAP and perfusion.\n\n",
          t->flow_min_lpm, t->flow_max_lpm, t->flow_step_lpm);
  }
  if (*r->context_note) { /* what the context means for VA-ECMO and for the simulation */
    if (o->html) hs_html_put(o->b, "<div class=\"no\"><b>Context:</b> ");
    else o_fmt(o, "CONTEXT: ");
    o_text(o, r->context_note);
    if (o->html) hs_html_put(o->b, "</div>\n");
    else o_fmt(o, "\n\n");
  }
  if (r->nladder && r->ladder_least >= 0) {
    /* a patient not on VA-ECMO whom support without a circuit holds: that answer first,
       read before the circuit's (a shock team reads the first line) */
    const hs_compare_row *w = &r->ladder[r->ladder_least];
    if (o->html) hs_html_put(o->b, "<div class=\"ok\"><b>First, without a circuit:</b> ");
    else o_fmt(o, "FIRST, WITHOUT A CIRCUIT: ");
    o_fmt(o, "%s meets every target (model; WITHOUT A CIRCUIT below). If VA-ECMO is "
          "placed, the recommendation on it:",
          r->ladder_least == 0 ? "the patient's own drugs, no device," : w->label);
    if (o->html) hs_html_put(o->b, "</div>\n");
    else o_fmt(o, "\n");
  }
  if (r->recommended >= 0) {
    const hs_compare_row *b = &r->rows[r->recommended];
    if (o->html) hs_html_put(o->b, "<div class=\"ok\"><b>Recommendation: ");
    else o_fmt(o, "RECOMMENDATION: ");
    o_fmt(o, "step %d (%s): %s", r->step, hs_step_name(r->step), b->label);
    /* the heart not a target and left anaerobic: said where the answer is named (a
       clinical review), the HEART line below says what it costs */
    if (*r->heart_note)
      o_fmt(o, " (by the targets set, not advised: it leaves the heart anaerobic; HEART below "
               "names an aerobic alternative or says there is none)");
    if (o->html) hs_html_put(o->b, "</b><br>\n");
    else o_fmt(o, "\n");
    o_open(o, "span", "  Settings: ");
    if (o->html) hs_html_put(o->b, "Settings: ");
    o_text(o, b->settings);
    if (b->raised_for_heart) /* the flow raised for coronary perfusion: its bedside limits */
      o_text(o, ". The flow is raised for coronary perfusion: the model takes the coronary "
                "flow as pressure-dependent (no help for an occluded culprit artery, which "
                "needs revascularisation); raise it 0.25 L/min at a time while the aortic "
                "valve keeps opening and the pulse pressure stays above ~10 mmHg; if PCWP "
                "rises or the LV distends, unload instead");
    if (o->html) hs_html_put(o->b, "</span><br>\n");
    else o_close(o, "");
    o_open(o, "span", "  Expected: ");
    if (o->html) hs_html_put(o->b, "Expected: ");
    expected_line(o, b);
    if (o->html) hs_html_put(o->b, "</span><br>\n");
    else o_close(o, "");
    o_open(o, "span", "  Risks: ");
    if (o->html) hs_html_put(o->b, "Risks: ");
    risks_line(o, b);
    if (o->html) hs_html_put(o->b, "</span>");
    else o_close(o, "");
    if (b->risk[HS_RISK_STASIS].level == HS_RISK_HIGH) {
      o_open(o, "span", "  Stasis: ");
      if (o->html) hs_html_put(o->b, "<br>Stasis: ");
      if (r->alternative >= 0) {
        const hs_compare_row *a = &r->rows[r->alternative];
        o_fmt(o, "the LV / aortic root is not washed with this strategy; the least invasive "
                 "strategy that meets every target and keeps blood moving through the LV is "
                 "%s (step %d; %s; PCWP %.1f mmHg, MAP %.0f mmHg)",
              a->label, a->step, a->settings, a->v[HS_CMP_PCWP], a->v[HS_CMP_MAP]);
      } else {
        o_fmt(o, "the LV / aortic root is not washed with this strategy and no strategy tried "
                 "meets every target without that risk: weigh anticoagulation and echo "
                 "surveillance");
      }
      if (o->html) hs_html_put(o->b, "</span>");
      else o_close(o, "");
    }
    if (!b->steady) { /* the answer is read from its last beats, not a verified state */
      o_open(o, "span", "  Not steady: ");
      if (o->html) hs_html_put(o->b, "<br>Not steady: ");
      o_text(o, HS_UNSTEADY_NOTE);
      if (o->html) hs_html_put(o->b, "</span>");
      else o_close(o, "");
    }
    if (r->passed_over >= 0) { /* earlier in the step's list, but at much more ECMO flow */
      char po[256];
      hs_compare_passed_over_text(&r->rows[r->passed_over], &r->rows[r->least_flow], po,
                                  sizeof po);
      answer_line(o, "Passed over: ", po);
    }
    {
      /* a stronger setting of the step meets every target at less ECMO flow: the step's
         order chose the answer (a clinical review asked for the why) */
      int lf = hs_compare_less_flow_row(r);
      if (lf >= 0 && lf != r->passed_over) {
        const hs_compare_row *l = &r->rows[lf];
        char also[512];
        snprintf(also, sizeof also,
                 "%.160s meets every target too, at ECMO %.2f L/min, %.2f L/min less than the "
                 "answer: within 1 L/min of it, so the step's order (the lesser support first) "
                 "chose the answer; compare the two rows in the table",
                 l->label, l->v[HS_CMP_ECMO], b->v[HS_CMP_ECMO] - l->v[HS_CMP_ECMO]);
        answer_line(o, "Also: ", also);
      }
    }
    if (*r->recheck_note) /* what the team rechecks after the change */
      answer_line(o, "Recheck ", r->recheck_note);
    if (o->html) hs_html_put(o->b, "</div>\n");
  } else {
    if (o->html) hs_html_put(o->b, "<div class=\"no\"><b>No strategy meets every target.</b> ");
    else o_fmt(o, "NO RECOMMENDATION: ");
    o_text(o, r->reason);
    if (r->closest >= 0) {
      const hs_compare_row *b = &r->rows[r->closest];
      o_fmt(o, o->html ? "" : "\n");
      if (o->html) hs_html_put(o->b, "<br>Closest, expected: ");
      else o_fmt(o, "  Closest, expected: ");
      expected_line(o, b);
      if (o->html) hs_html_put(o->b, "<br>Risks: ");
      else o_fmt(o, "\n  Risks: ");
      risks_line(o, b);
    }
    if (o->html) hs_html_put(o->b, "</div>\n");
    else o_fmt(o, "\n");
  }
  /* a cheaper step within a wedge reading of the PCWP limit */
  note_box(o, "<div class=\"ok\"><b>Near miss:</b> ", "NEAR MISS", r->near_miss_note);
  /* the recommendation leaves the myocardium anaerobic */
  note_box(o, "<div class=\"no\"><b>Heart:</b> ", "HEART", r->heart_note);
  /* the answer's settings have a second steady state (or the check failed: said as such) */
  note_box(o,
           r->start_failed ? "<div><b>Start check:</b> "
                           : "<div class=\"no\"><b>Second steady state:</b> ",
           r->start_failed ? "START CHECK" : "SECOND STATE", r->start_note);
  /* the answer at other gains of the perfusion-contraction matching: green when it holds */
  note_box(o,
           r->gain_verdict == 0 ? "<div class=\"ok\"><b>Gain check:</b> "
                                : "<div class=\"no\"><b>Gain check:</b> ",
           "GAIN CHECK", r->gain_note);
  /* the answer at other critical coronary venous PO2s (the heart target's limit) */
  note_box(o,
           r->po2_verdict == 0 ? "<div class=\"ok\"><b>Threshold check:</b> "
                               : "<div class=\"no\"><b>Threshold check:</b> ",
           "THRESHOLD CHECK", r->po2_note);
  /* a patient not on VA-ECMO: the recommendation without the circuit */
  note_box(o,
           r->without_circuit == 1 ? "<div class=\"ok\"><b>Not on ECMO:</b> "
                                   : "<div class=\"no\"><b>Not on ECMO:</b> ",
           "NOT ON ECMO", r->circuit_note);
  /* a patient not on VA-ECMO: support without a circuit */
  note_box(o,
           r->ladder_least >= 0 ? "<div class=\"ok\"><b>Without a circuit:</b> "
                                : "<div class=\"no\"><b>Without a circuit:</b> ",
           "WITHOUT A CIRCUIT", r->ladder_note);
  /* the recommendation at the flow floor: weaning readiness */
  note_box(o, "<div class=\"ok\"><b>De-escalation:</b> ", "DE-ESCALATION", r->deescalation_note);
  /* differential hypoxaemia and its mitigation */
  note_box(o, "<div class=\"no\"><b>Oxygenation:</b> ", "OXYGENATION", r->oxygen_note);
  int last = r->recommended >= 0 ? r->step : HS_STEP_N;
  int header = 0;
  for (int s = 1; s < last; s++) {
    if (!*r->step_why[s]) continue;
    if (!header++) {
      if (o->html) hs_html_put(o->b, "<h2>Why not a cheaper step</h2>\n<ul>\n");
      else o_fmt(o, "\nWhy not a cheaper step:\n");
    }
    o_open(o, "li", "  ");
    o_fmt(o, "step %d (%s): %s", s, hs_step_name(s), r->step_why[s]);
    o_close(o, "li");
  }
  if (header && o->html) hs_html_put(o->b, "</ul>\n");
  if (nex) {
    if (o->html) hs_html_put(o->b, "<h2>Excluded</h2>\n<ul>\n");
    else o_fmt(o, "\nExcluded (contraindicated or not available):\n");
    for (size_t i = 0; i < r->nrows; i++) {
      if (!r->rows[i].excluded) continue;
      o_open(o, "li", "  ");
      o_fmt(o, "%s: %s", r->rows[i].label, r->rows[i].excluded_reason);
      o_close(o, "li");
    }
    if (o->html) hs_html_put(o->b, "</ul>\n");
  }
  if (nfail) {
    if (o->html) hs_html_put(o->b, "<h2>Failed</h2>\n<ul>\n");
    else o_fmt(o, "\nFailed (the simulation stopped at every flow it could use):\n");
    for (size_t i = 0; i < r->nrows; i++) {
      if (!r->rows[i].failed) continue;
      o_open(o, "li", "  ");
      o_fmt(o, "%s: failed: %s", r->rows[i].label, r->rows[i].failed_reason);
      o_close(o, "li");
    }
    if (o->html) hs_html_put(o->b, "</ul>\n");
  }
}

/* risk summary of a row for the table: "H: stasis, limb; R: bleeding" */
static void risk_cell(const hs_compare_row *r, char *buf, size_t n) {
  buf[0] = 0;
  for (int lvl = HS_RISK_HIGH; lvl >= HS_RISK_RAISED; lvl--) {
    int first = 1;
    for (int k = 0; k < HS_RISK_N; k++) {
      if (r->risk[k].level != lvl) continue;
      snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", first ? (*buf ? "; " : "") : ", ",
               first ? "" : "");
      if (first) snprintf(buf + strlen(buf), n - strlen(buf), "%s: ", lvl == HS_RISK_HIGH ? "high" : "raised");
      snprintf(buf + strlen(buf), n - strlen(buf), "%s", hs_risk_key(k));
      first = 0;
    }
  }
  if (!*buf) snprintf(buf, n, "-");
}

void hs_compare_missed_cell(const hs_compare_row *r, char *buf, size_t n) {
  static const char *const K[HS_TGT_N] = {"PCWP", "MAP", "DO2I", "SvO2", "SaO2"};
  if (r->excluded || r->failed) {
    snprintf(buf, n, "%s", r->excluded ? "excluded" : "failed");
    return;
  }
  if (r->all_met) {
    snprintf(buf, n, "all met");
    return;
  }
  snprintf(buf, n, "misses");
  for (int k = 0; k < HS_TGT_N; k++)
    if (!r->met[k]) snprintf(buf + strlen(buf), n - strlen(buf), " %s", K[k]);
  /* the conditions beyond the five targets (hs_strategy_check_targets) */
  if (strstr(r->missed, "lactate plateau")) snprintf(buf + strlen(buf), n - strlen(buf), " lactate");
  if (strstr(r->missed, "PSVD (model)")) snprintf(buf + strlen(buf), n - strlen(buf), " PSVD");
  if (strstr(r->missed, "heart O2 demand/delivery")) snprintf(buf + strlen(buf), n - strlen(buf), " heart");
  if (strstr(r->missed, "CVP ")) snprintf(buf + strlen(buf), n - strlen(buf), " CVP");
  if (strstr(r->missed, "runs backwards")) snprintf(buf + strlen(buf), n - strlen(buf), " drainage");
}

/* the table: every number with its unit in the header */
static const struct {
  int k;
  const char *head;
  int prec;
  double scale;
} COLS[] = {{HS_CMP_ECMO, "ECMO L/min", 2, 1},      {HS_CMP_PCWP, "PCWP mmHg", 1, 1},
            {HS_CMP_MAP, "MAP mmHg", 0, 1},         {HS_CMP_DO2I, "DO2I mL/min/m2", 0, 1},
            {HS_CMP_SVO2D, "SvO2 drained %", 0, 1}, {HS_CMP_LACT, "lactate mmol/L", 1, 1},
            {HS_CMP_SAO2U, "SaO2 right arm %", 0, 1},
            {HS_CMP_CO, "total L/min", 2, 1},
            {HS_CMP_LVO, "native LV L/min", 2, 1},  {HS_CMP_DEVICE, "device L/min", 2, 1},
            {HS_CMP_AVO, "AV open % beats", 0, 100}, {HS_CMP_LVEDV, "LVEDV mL", 0, 1},
            {HS_CMP_PSVD, "PSVD* mm/mm2", 1, 1},    {HS_CMP_CBF, "CBF mL/100g/min", 0, 1},
            {HS_CMP_MVO2, "MVO2 mL/min", 1, 1},    {HS_CMP_HEART_ER, "heart O2 demand/delivery", 2, 1}};
#define NCOLS (sizeof COLS / sizeof COLS[0])

/* The MAP-controller dose of a row (--hold-map) for a table cell: "NE 0.12", "NTP 1.3". */
static void drug_cell(const hs_compare_row *r, char *buf, size_t n) {
  if (r->excluded || r->failed) snprintf(buf, n, "-");
  else if (r->v[HS_CMP_NE_EQ] > 0) snprintf(buf, n, "NE %.3g", r->v[HS_CMP_NE_EQ]);
  else if (r->v[HS_CMP_NTP_EQ] > 0) snprintf(buf, n, "NTP %.3g", r->v[HS_CMP_NTP_EQ]);
  else snprintf(buf, n, "none");
}
#define DRUG_HEAD "MAP drug ug/kg/min"

static void table_text(hs_html *b, const hs_compare_row *rows, size_t n, int best, int hold_map) {
  /* the strategy column is as wide as the longest name: names are never cut */
  int wl = 8;
  for (size_t i = 0; i < n; i++)
    if ((int)strlen(rows[i].label) > wl) wl = (int)strlen(rows[i].label);
  hs_html_put(b, "%-2s %-*s %4s", "", wl, "strategy", "step");
  for (size_t c = 0; c < NCOLS; c++) hs_html_put(b, " %*s", (int)strlen(COLS[c].head) > 6 ? (int)strlen(COLS[c].head) : 6, COLS[c].head);
  if (hold_map) hs_html_put(b, " %*s", (int)strlen(DRUG_HEAD), DRUG_HEAD);
  hs_html_put(b, "  %-22s %s\n", "targets", "risks");
  for (size_t i = 0; i < n; i++) {
    const hs_compare_row *r = &rows[i];
    char miss[64], risk[160], drug[32];
    hs_compare_missed_cell(r, miss, sizeof miss);
    risk_cell(r, risk, sizeof risk);
    hs_html_put(b, "%-2s %-*s %4d", (int)i == best ? "=>" : "", wl, r->label, r->step);
    for (size_t c = 0; c < NCOLS; c++) {
      int w = (int)strlen(COLS[c].head) > 6 ? (int)strlen(COLS[c].head) : 6;
      if (r->excluded || !isfinite(r->v[COLS[c].k])) hs_html_put(b, " %*s", w, "-");
      else {
        double x = hs_shown(COLS[c].scale * r->v[COLS[c].k], COLS[c].prec);
        hs_html_put(b, " %*.*f", w, COLS[c].prec, x);
      }
    }
    drug_cell(r, drug, sizeof drug);
    if (hold_map) hs_html_put(b, " %*s", (int)strlen(DRUG_HEAD), drug);
    hs_html_put(b, "  %-22s %s%s\n", miss, r->excluded || r->failed ? "-" : risk,
                r->excluded || r->failed || r->steady ? "" : " (not steady)");
  }
}

/* The heading of the table of support without a circuit (docs/decision.md). */
#define LADDER_HEAD                                                                           \
  "Support without a circuit (this patient is not on VA-ECMO): an inotrope added to the "     \
  "patient's drugs, or a device on them, at steady state, with the MAP controller where MAP "  \
  "falls short (with --hold-map: always), against the same targets (SvO2: mixed venous)"

char *hs_compare_text(const hs_compare_result *r, const char *patient) {
  hs_html b = {0};
  out o = {&b, 0};
  answer(&o, r, patient ? patient : "patient");
  hs_html_put(&b, "\n");
  table_text(&b, r->rows, r->nrows, r->recommended, r->hold_map);
  hs_html_put(&b,
              "\nstep: 1 ECMO flow and drugs, 2 IABP, 3 percutaneous pump, 4 septostomy / "
              "LA vent / percutaneous vents, 5 surgical vent or LVAD conversion.  total = "
              "systemic blood flow (ECMO + heart + devices); native LV = flow through the aortic "
              "valve; device = Impella, TandemHeart, septostomy or vent flow, or the Impella "
              "RP's when it is the only pump (right-sided: part of the pulmonary flow, not of "
              "total); a thermodilution CO on VA-ECMO measures pulmonary flow "
              "(pulmonary_flow_lpm in --json), not total flow.  "
              "PSVD* = sublingual perfused small-vessel density the microcirculation model "
              "predicts with the patient's capillary dysfunction (its microcirculation block: "
              "obstructed %.3g, oedema %.3g, vasoconstriction %.3g; Yeh 2018 survival cut-off "
              "16.2 mm/mm2), not a measurement; CBF = the lower hemisphere's.  Risks: "
              "docs/decision.md.\n",
              r->microcirculation[0], r->microcirculation[1], r->microcirculation[2]);
  if (r->nladder) {
    hs_html_put(&b, "\n%s\n", LADDER_HEAD);
    table_text(&b, r->ladder, (size_t)r->nladder, r->ladder_least, 1);
    /* why a rung was not run: a contraindication, or the phenotype does not indicate it */
    for (int i = 0; i < r->nladder; i++)
      if (r->ladder[i].excluded)
        hs_html_put(&b, "  %s: %s\n", r->ladder[i].label, r->ladder[i].excluded_reason);
  }
  if (b.bad) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

static void table(hs_html *b, const hs_compare_row *rows, size_t n, int best, int hold_map) {
  hs_html_put(b, "<table><tr><th>strategy</th><th>step</th>");
  for (size_t c = 0; c < NCOLS; c++) {
    hs_html_put(b, "<th>");
    hs_html_text(b, COLS[c].head);
    hs_html_put(b, "</th>");
  }
  if (hold_map) hs_html_put(b, "<th>%s</th>", DRUG_HEAD);
  hs_html_put(b, "<th>targets</th><th>risks</th></tr>\n");
  for (size_t i = 0; i < n; i++) {
    const hs_compare_row *r = &rows[i];
    char miss[64], risk[160];
    hs_compare_missed_cell(r, miss, sizeof miss);
    risk_cell(r, risk, sizeof risk);
    hs_html_put(b, "<tr%s><td>", (int)i == best ? " class=\"best\"" : "");
    hs_html_text(b, r->label);
    hs_html_put(b, "%s</td><td>%d</td>", r->excluded || r->failed || r->steady ? "" : " (not steady)", r->step);
    for (size_t c = 0; c < NCOLS; c++) {
      int k = COLS[c].k;
      const char *cls = "";
      if (!r->excluded && !r->failed) {
        if (k == HS_CMP_PCWP) cls = r->met[HS_TGT_PCWP] ? " class=\"m\"" : " class=\"x\"";
        if (k == HS_CMP_MAP) cls = r->met[HS_TGT_MAP] ? " class=\"m\"" : " class=\"x\"";
        if (k == HS_CMP_DO2I) cls = r->met[HS_TGT_DO2I] ? " class=\"m\"" : " class=\"x\"";
        if (k == HS_CMP_SVO2D) cls = r->met[HS_TGT_SVO2] ? " class=\"m\"" : " class=\"x\"";
        if (k == HS_CMP_SAO2U) cls = r->met[HS_TGT_SAO2U] ? " class=\"m\"" : " class=\"x\"";
      }
      if (r->excluded || !isfinite(r->v[k])) hs_html_put(b, "<td>-</td>");
      else hs_html_put(b, "<td%s>%.*f</td>", cls, COLS[c].prec, COLS[c].scale * r->v[k]);
    }
    if (hold_map) {
      char drug[32];
      drug_cell(r, drug, sizeof drug);
      hs_html_put(b, "<td>%s</td>", drug);
    }
    hs_html_put(b, "<td>");
    hs_html_text(b, r->excluded ? r->excluded_reason : r->failed ? r->failed_reason : miss);
    hs_html_put(b, "</td><td>");
    hs_html_text(b, r->excluded || r->failed ? "-" : risk);
    hs_html_put(b, "</td></tr>\n");
  }
  hs_html_put(b, "</table>\n");
}

/* titrated: 1 re-titrated per strategy / point, 0 held at the patient's setting, 2 the
   swept setting itself */
static void targets_line(hs_html *b, const hs_targets *t, int titrated) {
  hs_html_put(b,
              "<p>Targets: PCWP &lt; %g mmHg, MAP &ge; %g mmHg, DO<sub>2</sub> index &ge; %g "
              "mL/min/m<sup>2</sup>, drained-blood SvO<sub>2</sub> &ge; %g %%",
              t->pcwp_max_mmhg, t->map_min_mmhg, t->do2i_min, t->svo2_min_pct);
  if (t->sao2_upper_min_pct > 0) hs_html_put(b, ", right-arm SaO<sub>2</sub> &ge; %g %%", t->sao2_upper_min_pct);
  if (t->lactate_max_mmol_l > 0) hs_html_put(b, ", lactate &le; %g mmol/L", t->lactate_max_mmol_l);
  if (t->psvd_min_mm_mm2 > 0) hs_html_put(b, ", PSVD (model) &ge; %g mm/mm<sup>2</sup>", t->psvd_min_mm_mm2);
  if (t->heart_er_max > 0) hs_html_put(b, ", heart O<sub>2</sub> demand/delivery &le; %g", t->heart_er_max);
  else if (t->heart_er_max < 0)
    hs_html_put(b, ", heart O<sub>2</sub> demand/delivery &le; its critical extraction (at "
                "the critical coronary venous PO<sub>2</sub>)");
  if (t->cvp_max_mmhg > 0) hs_html_put(b, ", CVP &le; %g mmHg", t->cvp_max_mmhg);
  hs_html_put(b, ". ");
  if (titrated == 1)
    hs_html_put(b, "ECMO flow re-titrated to the least flow in %.2f&ndash;%.2f L/min that holds MAP "
                   "and perfusion. ", t->flow_min_lpm, t->flow_max_lpm);
  else if (titrated == 2)
    hs_html_put(b, "ECMO flow is the swept setting. ");
  else
    hs_html_put(b, "ECMO flow held at the patient's setting. ");
  hs_html_put(b, "Aortic-valve opening is a stasis-risk finding, not a target.</p>\n");
}

/* Overlaid LV pressure-volume loops of the rows with samples (flow-sweep rows skipped);
   row `best` (the recommendation or the chosen point; -1: none) drawn thick and named in
   the title.  More than 6 loops: the legend stands right of the plot (it would cover the
   loops), the figure grows to hold one legend row per loop. */
static char *pv_svg(const hs_compare_row *rows, size_t n, int skip_sweep, int best,
                    const char *best_what, hs_err *err) {
  size_t nloops = 0;
  for (size_t i = 0; i < n; i++) nloops += !(skip_sweep && rows[i].is_flow_sweep) && rows[i].npv >= 2;
  int outside = nloops > 6;
  double h = outside ? fmax(560.0, 150.0 + 18.0 * (double)nloops) : 560.0;
  char title[300];
  if (best >= 0 && (size_t)best < n && rows[best].npv >= 2)
    snprintf(title, sizeof title, "LV pressure-volume loops (one steady beat); thick: %s, %.150s",
             best_what, rows[best].label);
  else
    snprintf(title, sizeof title, "LV pressure-volume loops (one steady beat)");
  hs_plot *p = hs_plot_new(outside ? 1240 : 900, h, title);
  if (p && outside) hs_plot_legend_outside(p);
  if (!p) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  int panel = hs_plot_add_panel(p, "LV volume (mL)", "LV pressure (mmHg)");
  if (panel < 0) {
    hs_plot_free(p);
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    if ((skip_sweep && rows[i].is_flow_sweep) || rows[i].npv < 2) continue;
    if (hs_plot_add_series(p, panel, rows[i].label, rows[i].pv_v, rows[i].pv_p, rows[i].npv,
                           (int)i == best ? HS_PLOT_THICK : HS_PLOT_LINE, err)) {
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
  char *pv = pv_svg(r->rows, r->nrows, 1, r->recommended, "recommended", err);
  if (!pv) return err ? err->code : HS_ERR_NOMEM;
  char *sweep = flow_sweep_svg(r, t, err);
  hs_html_head(&b, "LV unloading on VA-ECMO: strategy comparison", patient);
  out o = {&b, 1};
  answer(&o, r, patient);
  targets_line(&b, t, 1);
  table(&b, r->rows, r->nrows, r->recommended, r->hold_map);
  hs_html_put(&b, "<p class=\"small\">Step: 1 ECMO flow and drugs, 2 IABP, 3 percutaneous pump, "
          "4 septostomy / LA vent / percutaneous vents, 5 surgical vent or LVAD conversion. "
          "Green: target met; red: missed. total = systemic blood flow (ECMO + heart + devices); "
          "native LV = flow through the aortic valve; a thermodilution CO on VA-ECMO measures "
          "pulmonary flow, not total flow. Risk indices, thresholds and sources: "
          "docs/decision.md.</p>\n<h2>LV "
          "pressure-volume loops</h2>\n%s\n",
      hs_html_svg_body(pv));
  if (r->nladder) {
    hs_html_put(&b, "<h2>Support without a circuit</h2>\n<p>");
    hs_html_text(&b, LADDER_HEAD);
    hs_html_put(&b, ".</p>\n");
    table(&b, r->ladder, (size_t)r->nladder, r->ladder_least, 1);
    for (int i = 0; i < r->nladder; i++)
      if (r->ladder[i].excluded) {
        hs_html_put(&b, "<p class=\"small\">");
        hs_html_text(&b, r->ladder[i].label);
        hs_html_put(&b, ": ");
        hs_html_text(&b, r->ladder[i].excluded_reason);
        hs_html_put(&b, "</p>\n");
      }
  }
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
  char *pv = pv_svg(r->rows, r->npoints, 0, r->chosen >= 0 ? r->chosen : r->closest,
                    r->chosen >= 0 ? "chosen" : "closest", err);
  hs_html b = {0};
  char title[160];
  snprintf(title, sizeof title, "Optimising %s", r->setting);
  hs_html_head(&b, title, patient);
  hs_html_put(&b, "<div class=\"%s\"><b>%s</b> ", r->chosen >= 0 ? "ok" : "no",
      r->chosen >= 0 ? "Chosen setting:" : "No setting meets every target.");
  hs_html_text(&b, r->reason);
  hs_html_put(&b, "</div>\n");
  targets_line(&b, t, r->ecmo_flow == HS_OPT_FLOW_TITRATED ? 1 : r->ecmo_flow == HS_OPT_FLOW_SWEPT ? 2 : 0);
  table(&b, r->rows, r->npoints, r->chosen >= 0 ? r->chosen : r->closest, r->hold_map);
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
