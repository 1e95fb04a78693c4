/*
 * analysis/compare_circuit.c - compare for a patient not on VA-ECMO (docs/decision.md,
 * "A patient not on ECMO"): compare adds a circuit to every strategy; for a patient
 * without one it also simulates what the circuit-free alternatives give, so that the
 * answer says whether the circuit is needed at all.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/strategy.h"
#include "core/textbuf.h"
#include "hemosim/hemosim.h"

hs_status hs_strategy_row_at(const hs_model *patient, const hs_strategy *st, int hold,
                             double ecmo_lpm, const hs_targets *t, hs_compare_row *w,
                             hs_err *err) {
  hs_model *m = hs_model_clone(patient, err);
  if (!m) return err ? err->code : HS_ERR_NOMEM;
  hs_plan *pl = NULL;
  hs_sim *sim = NULL;
  double *all = NULL;
  hs_steady_info inf;
  hs_status s = hs_strategy_apply(m, st, err);
  if (!s) s = hs_model_set(m, "solver.max_beats", 600, err);
  if (!s && hold) s = hs_model_set_text(m, "map_control.enabled", "true", err);
  if (!s && ecmo_lpm > 0) s = hs_model_set(m, "ecmo.target_flow", ecmo_lpm * HS_MLS_PER_LPM, err);
  if (!s) {
    if (!(pl = hs_plan_compile(m, err)) || !(sim = hs_sim_new(pl, err)))
      s = err ? err->code : HS_ERR_NOMEM;
    else if (!(all = malloc(hs_sim_metric_count(sim) * sizeof *all)))
      s = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    else if (!(s = hs_sim_run_to_steady(sim, &inf, err)))
      s = hs_sim_summary_all(sim, 6, all, err);
  }
  if (!s) {
    memset(w, 0, sizeof *w);
    hs_strategy_values(sim, all, w->v);
    hs_strategy_check_targets(w, t);
    w->perfusion_held = w->met[HS_TGT_MAP] && w->met[HS_TGT_DO2I] && w->met[HS_TGT_SVO2];
    w->steady = inf.reached;
    w->beats = inf.beats;
  }
  free(all);
  hs_sim_free(sim);
  hs_plan_free(pl);
  hs_model_free(m);
  return s;
}

/* What the run without the circuit gave, appended to b: its values, the vasopressor that
   held MAP, the targets missed. */
/* The NOT ON ECMO note's last sentence when the recommendation's own regimen misses without
   the circuit; the ladder replaces it when a rung holds the patient (hs_compare_ladder). */
static const char CIRCUIT_LEAST[] = "The circuit's least flow is what meets the targets here.";
/* what a steady state without a circuit does not cover (a clinical review) */
static const char NO_CIRCUIT_CAVEAT[] =
    " (a steady state of the model: not the time to place the device, arrhythmia or RV "
    "failure after LV unloading; reassess for VA-ECMO if lactate and vasopressor doses do not "
    "fall within hours)";

static void without_text(char *b, size_t n, const char *what, const hs_compare_row *w) {
  hs_str_appendf(b, n, "%s %s (model): PCWP %.1f mmHg, MAP %.0f mmHg, DO2 index %.0f mL/min/m2, "
          "SvO2 %.0f %%, CVP %.1f mmHg", what, w->all_met ? "meets every target" : "misses",
          w->v[HS_CMP_PCWP], w->v[HS_CMP_MAP], w->v[HS_CMP_DO2I], w->v[HS_CMP_SVO2D],
          w->v[HS_CMP_CVP]);
  if (w->v[HS_CMP_RP] > 0.005) /* a right-sided pump: what it hands the LV */
    hs_str_appendf(b, n, ", Impella RP %.2f L/min into the pulmonary artery", w->v[HS_CMP_RP]);
  if (w->v[HS_CMP_NE_EQ] > 0)
    hs_str_appendf(b, n, ", MAP held with norepinephrine %.2g ug/kg/min", w->v[HS_CMP_NE_EQ]);
  else if (w->v[HS_CMP_NTP_EQ] > 0)
    hs_str_appendf(b, n, ", MAP held with nitroprusside %.2g ug/kg/min", w->v[HS_CMP_NTP_EQ]);
  if (w->all_met) return;
  /* without a circuit the SvO2 target reads the mixed venous sample: not "drained-blood" */
  char missed[sizeof w->missed];
  snprintf(missed, sizeof missed, "%s", w->missed);
  for (char *d; (d = strstr(missed, "drained-blood "));)
    memmove(d, d + 14, strlen(d + 14) + 1);
  hs_str_appendf(b, n, " - %s", missed);
}

/* A patient not on VA-ECMO whose recommendation holds every target at the least ECMO flow
   (docs/decision.md "A patient not on ECMO"): the recommendation's drugs and devices are
   simulated on the patient without the circuit, and the answer says whether the targets
   hold there too.  A strategy the circuit is part of (a vent on its drainage, a moved
   return, the LVAD conversion) is not simulated. */
hs_status hs_compare_circuit_check(const hs_model *patient, hs_compare_result *res, hs_err *err) {
  char *b = res->circuit_note;
  size_t n = sizeof res->circuit_note;
  b[0] = 0;
  if (res->recommended < 0) return HS_OK;
  const hs_compare_row *r = &res->rows[res->recommended];
  const hs_targets *t = &res->targets;
  if (!hs_strategy_at_flow_floor(r, t)) return HS_OK;
  hs_str_appendf(b, n, "this patient is not on VA-ECMO, and the recommendation holds every target at "
          "the least ECMO flow tried (%.2f L/min)", t->flow_min_lpm);
  hs_strategy st;
  hs_status s = hs_strategy_parse(r->name, &st, err);
  if (s) return s;
  if (*st.vent_site || *st.return_site || st.lvad || st.drained_by_circuit) {
    hs_str_appendf(b, n, "; its unloading runs through the circuit, so it was not simulated without "
            "one.");
    return HS_OK;
  }
  const char *what = strncmp(r->label, "ECMO + ", 7) == 0 ? r->label + 7 : "the patient unsupported";
  hs_compare_row w;
  if ((s = hs_strategy_row_at(patient, &st, 0, 0, t, &w, err))) goto failed;
  hs_str_appendf(b, n, ". Without a circuit, ");
  without_text(b, n, what, &w);
  res->without_circuit = w.all_met;
  if (!w.all_met && !w.met[HS_TGT_MAP] && !res->hold_map) {
    /* MAP is what the circuit added: the vasopressor a clinician tries first */
    hs_compare_row h;
    if ((s = hs_strategy_row_at(patient, &st, 1, 0, t, &h, err))) goto failed;
    hs_str_appendf(b, n, "; with a vasopressor holding MAP (the MAP controller, --hold-map), ");
    without_text(b, n, what, &h);
    res->without_circuit = h.all_met;
  }
  if (res->without_circuit)
    hs_str_appendf(b, n, ". By these targets the patient does not need VA-ECMO%s; the "
            "strategies below all include a circuit.", NO_CIRCUIT_CAVEAT);
  else
    hs_str_appendf(b, n, ". %s", CIRCUIT_LEAST);
  return HS_OK;
failed:
  if (s == HS_ERR_NOMEM) return s;
  /* the run without the circuit failed: said, not fatal */
  hs_str_appendf(b, n, "; without a circuit the simulation failed: %.300s", err ? err->msg : "");
  res->without_circuit = -1;
  return HS_OK;
}

/* ---- support without a circuit (docs/decision.md "Support without a circuit") ---- */

/* In order of invasiveness: the patient's own drugs, an inotrope (dobutamine) or an
   inodilator (milrinone) added to them (the drugs tried before mechanical support: van
   Diepen S, et al. Contemporary management of cardiogenic shock. Circulation
   2017;136:e232-e268), a balloon, a percutaneous LV pump, the right-sided pump (Impella
   RP: RV failure, Anderson 2015) and both (BiPella, biventricular failure; the RP at P2,
   below the left pump's flow, so that it does not flood the LV: at P8 it outpumps the CP
   and PCWP rises 17 -> 36 mmHg in the biventricular patient, docs/decision.md), the
   larger LV pump of a cut-down access.  Each is the built-in strategy of that drug or device, applied to
   the patient without the circuit compare adds.  A drug rung adds its dose (ug/kg/min)
   to what the patient already receives of it (hs_strategy_escalate): an escalation, not
   a replacement. */
static const char *const LADDER[HS_LADDER_N] = {"ecmo",
                                                "ecmo+dobutamine",
                                                "ecmo+milrinone",
                                                "ecmo+iabp:1:1",
                                                "ecmo+impella_cp:P8",
                                                "ecmo+impella_rp:P8",
                                                "ecmo+impella_cp:P8+impella_rp:P2",
                                                "ecmo+impella_5.0:P8"};

typedef struct rung {
  const hs_model *patient;
  const hs_targets *t;
  hs_strategy st;
  int hold; /* the MAP controller is on in every row (--hold-map) */
  hs_compare_row *row;
  hs_status status;
  hs_err err;
} rung;

/* As the compare rows: the MAP controller only with --hold-map; a rung that misses MAP
   without it runs once more with it (the vasopressor a clinician gives, as circuit_check
   does), so a device is not failed for a pressure a drug holds. */
static void run_rung(rung *g) {
  g->status = hs_strategy_row_at(g->patient, &g->st, g->hold, 0, g->t, g->row, &g->err);
  if (!g->status && !g->hold && !g->row->all_met && !g->row->met[HS_TGT_MAP])
    g->status = hs_strategy_row_at(g->patient, &g->st, 1, 0, g->t, g->row, &g->err);
}

typedef struct rung_pool {
  rung *g;
  int n, nthreads, tid;
} rung_pool;

static void *rung_worker(void *arg) {
  const rung_pool *p = arg;
  for (int i = p->tid; i < p->n; i += p->nthreads) run_rung(&p->g[i]);
  return NULL;
}

/* A rung meets a target by less than a bedside reading resolves: PCWP within
   HS_PCWP_READING_MMHG of its limit (the near miss's resolution), SvO2 within 2
   points (PA oximetry catheters read within ~2 points of co-oximetry with a precision of
   ~3 points; central and mixed venous values differ by 7-9 points, Dueck MH, et al.
   Anesthesiology 2005;103:249), DO2 index within 10 % (its cardiac output: triplicate
   thermodilution values must differ by ~13 % to differ, Stetz CW, et al. Am Rev Respir Dis
   1982;126:1001).  All three margins are model choices. */
#define HS_SVO2_READING_PCT 2.0
#define HS_DO2I_READING_FRAC 0.10
enum { THIN_PCWP = 1, THIN_SVO2 = 2, THIN_DO2I = 4 };
/* which of the three a row meets on a thin margin (0: none) */
static unsigned thin_margin(const hs_compare_row *w, const hs_targets *t) {
  return (t->pcwp_max_mmhg - w->v[HS_CMP_PCWP] < HS_PCWP_READING_MMHG ? THIN_PCWP : 0u) |
         (w->v[HS_CMP_SVO2D] - t->svo2_min_pct < HS_SVO2_READING_PCT ? THIN_SVO2 : 0u) |
         (w->v[HS_CMP_DO2I] < t->do2i_min * (1.0 + HS_DO2I_READING_FRAC) ? THIN_DO2I : 0u);
}

/* When the least rung meets a floor on a thin margin, the answer says so and names the
   next rung, in the ladder's order, that meets every target with room (or that none
   does): a bedside trial of the first, the second if the measured value falls short. */
static void margin_note(const hs_compare_result *res, char *b, size_t bn) {
  if (res->ladder_least < 0) return;
  const hs_compare_row *w = &res->ladder[res->ladder_least];
  const hs_targets *t = &res->targets;
  unsigned thin = thin_margin(w, t);
  if (!thin) return;
  hs_str_appendf(b, bn, " On a thin margin (");
  const char *sep = "";
  if (thin & THIN_PCWP)
    hs_str_appendf(b, bn, "PCWP %.1f mmHg against < %g", w->v[HS_CMP_PCWP], t->pcwp_max_mmhg), sep = ", ";
  if (thin & THIN_SVO2)
    hs_str_appendf(b, bn, "%sSvO2 %.1f %% against >= %g", sep, w->v[HS_CMP_SVO2D], t->svo2_min_pct),
        sep = ", ";
  if (thin & THIN_DO2I)
    hs_str_appendf(b, bn, "%sDO2 index %.0f against >= %g mL/min/m2", sep, w->v[HS_CMP_DO2I],
            t->do2i_min);
  hs_str_appendf(b, bn, "): within what a bedside reading resolves (PCWP ~2 mmHg, SvO2 ~2 points, "
          "DO2 index ~10 %%)");
  for (int i = res->ladder_least + 1; i < HS_LADDER_N; i++) {
    const hs_compare_row *r = &res->ladder[i];
    if (r->excluded || r->failed || !r->all_met || thin_margin(r, t)) continue;
    hs_str_appendf(b, bn, "; the next rung with room is %s (SvO2 %.1f %%, DO2 index %.0f "
            "mL/min/m2, PCWP %.1f mmHg), if the measured values fall short.", r->label,
            r->v[HS_CMP_SVO2D], r->v[HS_CMP_DO2I], r->v[HS_CMP_PCWP]);
    return;
  }
  hs_str_appendf(b, bn, "; no further rung meets every target with room.");
}

/* Which ventricle fails, read from the unsupported rung: RV-predominant failure by the
   entry criteria of RECOVER RIGHT (CVP > 15 mmHg and CVP / PCWP > 0.63; Anderson MB, et al.
   J Heart Lung Transplant 2015;34:1549), a failing LV by an elevated left filling pressure
   (PCWP >= 15 mmHg, the SHOCK trial's criterion; Hochman JS, et al. N Engl J Med
   1999;341:625).  A rung the phenotype does not indicate is not offered, and says why:
   an LV pump alone with the RV failing (the LV it empties is filled by that RV; Kapur NK,
   et al. Circulation 2017;136:314), right-sided support without RV failure, and the RP
   alone with the LV failing too (its flow floods the lungs of a heart that cannot pass
   it on). */
#define HS_RV_CVP_MMHG 15.0
#define HS_RV_CVP_PCWP 0.63
#define HS_LV_PCWP_MMHG 15.0
static int not_indicated(const hs_strategy *st, const double *v0, char *why, size_t n) {
  double cvp = v0[HS_CMP_CVP], pcwp = v0[HS_CMP_PCWP];
  if (!isfinite(cvp) || !isfinite(pcwp) || pcwp <= 0) return 0;
  int rv = cvp > HS_RV_CVP_MMHG && cvp / pcwp > HS_RV_CVP_PCWP, lv = pcwp >= HS_LV_PCWP_MMHG;
  int lpump = (st->families & (1u << HS_FAM_IMPELLA)) != 0, rpump = st->rv_pump;
  if (lpump && !rpump && rv)
    return snprintf(why, n, "not offered: an LV pump alone in RV-predominant failure (unsupported "
                    "CVP %.1f mmHg, CVP/PCWP %.2f > %.2f, the RECOVER RIGHT criteria): the LV "
                    "it empties is filled by the failing RV (Kapur 2017); RV support (Impella "
                    "RP, BiPella) instead", cvp, cvp / pcwp, HS_RV_CVP_PCWP), 1;
  if (rpump && !rv)
    return snprintf(why, n, "not indicated: no RV-predominant failure (unsupported CVP %.1f mmHg, "
                    "CVP/PCWP %.2f; RECOVER RIGHT: CVP > 15 mmHg and CVP/PCWP > 0.63)", cvp,
                    cvp / pcwp), 1;
  if (rpump && !lpump && lv)
    return snprintf(why, n, "not offered: the Impella RP alone hands its flow to a failing LV "
                    "(unsupported PCWP %.1f mmHg >= %.0f): the lungs flood; BiPella instead",
                    pcwp, HS_LV_PCWP_MMHG), 1;
  return 0;
}

hs_status hs_compare_ladder(const hs_model *patient, hs_compare_result *res, int threads,
                            hs_err *err) {
  rung g[HS_LADDER_N];
  int idx[HS_LADDER_N], n = 0;
  res->nladder = HS_LADDER_N;
  res->ladder_least = -1;
  hs_strategy st[HS_LADDER_N];
  for (int i = 0; i < HS_LADDER_N; i++) {
    hs_compare_row *r = &res->ladder[i];
    memset(r, 0, sizeof *r);
    for (int k = 0; k < HS_CMP_NVAL; k++) r->v[k] = NAN;
    char text[96];
    hs_strategy_escalate(LADDER[i], patient, text, sizeof text);
    hs_status s = hs_strategy_parse(text, &st[i], err);
    if (s) return s;
    if (hs_strategy_excluded(&st[i], &res->context, r->excluded_reason,
                             sizeof r->excluded_reason)) {
      r->excluded = 1;
      continue;
    }
    g[n] = (rung){patient, &res->targets, st[i], res->hold_map, r, HS_OK, {0, ""}};
    idx[n++] = i;
  }
  /* the unsupported rung first: its haemodynamics say which ventricle fails, and the
     rungs that phenotype does not indicate are not run */
  int first = 0;
  if (n && idx[0] == 0) {
    run_rung(&g[0]);
    first = 1;
    if (!g[0].status) {
      int m = 1;
      for (int j = 1; j < n; j++) {
        hs_compare_row *r = g[j].row;
        if (not_indicated(&st[idx[j]], g[0].row->v, r->excluded_reason,
                          sizeof r->excluded_reason)) {
          r->excluded = 1;
          continue;
        }
        g[m] = g[j], idx[m] = idx[j], m++;
      }
      n = m;
    }
  }
  rung *rest = g + first;
  int nr = n - first;
  int nt = threads < 1 ? 1 : threads > nr ? nr : threads;
  pthread_t th[HS_LADDER_N];
  rung_pool pool[HS_LADDER_N];
  int started = 0;
  for (int k = 1; k < nt; k++) {
    pool[k] = (rung_pool){rest, nr, nt, k};
    if (pthread_create(&th[k], NULL, rung_worker, &pool[k]) != 0) break;
    started = k;
  }
  /* this thread takes its own share, and the shares of threads that did not start */
  for (int i = 0; i < nr; i++)
    if (i % nt == 0 || i % nt > started) run_rung(&rest[i]);
  for (int k = 1; k <= started; k++) pthread_join(th[k], NULL);
  for (int i = 0; i < HS_LADDER_N; i++) { /* what each rung is (the run cleared its row) */
    hs_compare_row *r = &res->ladder[i];
    snprintf(r->name, sizeof r->name, "%.90s",
             strncmp(st[i].text, "ecmo+", 5) ? "none" : st[i].text + 5);
    snprintf(r->label, sizeof r->label, "%.150s",
             strncmp(st[i].label, "ECMO + ", 7) == 0 ? st[i].label + 7 : "no device");
    r->step = st[i].step;
    r->families = st[i].families;
  }
  for (int j = 0; j < n; j++) {
    hs_compare_row *r = g[j].row;
    if (g[j].status == HS_ERR_NOMEM) return hs_err_set(err, HS_ERR_NOMEM, "%s", g[j].err.msg);
    if (g[j].status) { /* a rung that cannot run on this patient says why */
      r->failed = 1;
      snprintf(r->failed_reason, sizeof r->failed_reason, "%s", g[j].err.msg);
      for (int k = 0; k < HS_CMP_NVAL; k++) r->v[k] = NAN;
      continue;
    }
    snprintf(r->settings, sizeof r->settings, "%s without a circuit", r->label);
    hs_strategy_risks(&g[j].st, &res->context, r->v, r->risk);
    if (res->ladder_least < 0 && r->all_met) res->ladder_least = idx[j];
  }
  /* the answer in one sentence */
  char *b = res->ladder_note;
  size_t bn = sizeof res->ladder_note;
  b[0] = 0;
  hs_str_appendf(b, bn, "the least support tried (an inotrope, then a device on the patient's own "
          "drugs; %s): ",
          res->hold_map ? "MAP held by the MAP controller"
                        : "a vasopressor titrated by the MAP controller where MAP falls short");
  if (res->ladder_least >= 0) {
    const hs_compare_row *w = &res->ladder[res->ladder_least];
    without_text(b, bn, res->ladder_least == 0 ? "no device" : w->label, w);
  } else {
    int best = -1;
    for (int i = 0; i < HS_LADDER_N; i++) {
      const hs_compare_row *r = &res->ladder[i];
      if (r->excluded || r->failed) continue;
      int mr = hs_strategy_targets_met(r, &res->targets, NULL);
      int mb = best >= 0 ? hs_strategy_targets_met(&res->ladder[best], &res->targets, NULL) : -1;
      if (best < 0 || mr > mb || (mr == mb && r->v[HS_CMP_PCWP] < res->ladder[best].v[HS_CMP_PCWP]))
        best = i;
    }
    hs_str_appendf(b, bn, "none meets every target");
    if (best >= 0) {
      hs_str_appendf(b, bn, "; the closest, ");
      without_text(b, bn, res->ladder[best].label, &res->ladder[best]);
    }
  }
  hs_str_appendf(b, bn, ".");
  margin_note(res, b, bn);
  /* the NOT ON ECMO note judged the recommendation's own regimen without the circuit; when
     a rung holds the patient its last sentence ("the circuit's least flow is what meets the
     targets") would contradict this answer */
  char *p = strstr(res->circuit_note, CIRCUIT_LEAST);
  if (res->ladder_least >= 0 && p) {
    *p = 0;
    const hs_compare_row *w = &res->ladder[res->ladder_least];
    hs_str_appendf(res->circuit_note, sizeof res->circuit_note,
            "But %s meets every target without a circuit (WITHOUT A CIRCUIT below): by these "
            "targets the patient does not need VA-ECMO%s.",
            res->ladder_least == 0 ? "the patient's own drugs, no device," : w->label,
            NO_CIRCUIT_CAVEAT);
  }
  if (res->without_circuit == 1 && res->step == HS_STEP_FLOW_DRUGS &&
      (res->ladder_least < 0 || res->ladder_least >= HS_LADDER_DRUGS))
    hs_str_appendf(b, bn, " Drugs alone do it too: the recommendation's drugs without a circuit meet "
            "every target (NOT ON ECMO above).");
  return HS_OK;
}
