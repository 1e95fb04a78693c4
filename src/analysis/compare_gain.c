/*
 * analysis/compare_gain.c - compare's checks of an answer that rests on the heart's O2
 * balance: the gain check, the threshold check and the start check (docs/decision.md "The
 * gain check", "The threshold check", "A second steady state").
 *
 * Perfusion-contraction matching (docs/model.md 2.22) lowers the contractility of an LV
 * whose myocardium gets less O2 than it needs, c = r^g.  The gain g is a model choice: no
 * measurement fixes how much of the whole LV's function a lumped coronary bed's shortfall
 * costs.  When the answer rests on a heart the matching made weaker, it is asked again
 * with the matching off (g 0) and with g halved and doubled; the answer says whether the
 * strategy and its ECMO flow hold.  The start check: the same matching can give two steady
 * states at one flow (an LV that still contracts, one that has spiralled down), so the
 * answer is simulated again from rest, and a second state is said
 * (docs/decision.md "A second steady state").  The threshold check: the heart target's
 * limit is the extraction at a critical coronary venous PO2 measured in pigs, so where the
 * target decided a strategy the answer is asked again with that PO2 2 mmHg lower and higher.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/strategy.h"
#include "core/clock.h"
#include "core/textbuf.h"
#include "hemosim/hemosim.h"

/* A strategy row of steps 1..res->step that ran (the ECMO-alone sweep decides nothing). */
static int in_steps(const hs_compare_result *res, const hs_compare_row *r) {
  return !r->is_flow_sweep && !r->excluded && !r->failed && r->step >= 1 &&
         r->step <= res->step;
}

/* One case: the steps' strategies compared on m (the patient with one parameter moved);
   c names the strategy that answers there, or the closest. */
static hs_status compare_case(const hs_model *m, const hs_compare_result *res,
                              const char *const *list, int threads, hs_compare_gain *c,
                              hs_err *err) {
  hs_compare_result *sub = NULL;
  hs_status st = hs_compare_run_nested(m, &res->targets, &res->context, list, threads, &sub, err);
  if (!st) {
    const hs_compare_row *rec = &res->rows[res->recommended];
    int i = sub->recommended >= 0 ? sub->recommended : sub->closest;
    c->found = sub->recommended >= 0;
    if (i >= 0) {
      const hs_compare_row *r = &sub->rows[i];
      snprintf(c->name, sizeof c->name, "%s", r->name);
      snprintf(c->label, sizeof c->label, "%s", r->label);
      snprintf(c->missed, sizeof c->missed, "%s", c->found ? "" : r->missed);
      c->step = r->step;
      c->ecmo_lpm = r->v[HS_CMP_ECMO];
      c->pcwp_mmhg = r->v[HS_CMP_PCWP];
      c->ischaemic_contractility = r->v[HS_CMP_ISCH];
      c->same = c->found && !strcmp(r->name, rec->name);
    }
  }
  hs_compare_free(sub);
  return st;
}

static void case_clear(hs_compare_gain *c, double gain, double po2) {
  memset(c, 0, sizeof *c);
  c->gain = gain;
  c->critical_po2_mmhg = po2;
  c->ecmo_lpm = c->pcwp_mmhg = c->ischaemic_contractility = NAN;
}

/* One case: the steps' strategies on the patient with parameter name at value (name NULL:
   perfusion-contraction matching off); c was cleared by the caller. */
static hs_status run_case(const hs_model *patient, const hs_compare_result *res,
                          const char *const *list, const char *name, double value, int threads,
                          hs_compare_gain *c, hs_err *err) {
  hs_model *m = hs_model_clone(patient, err);
  if (!m) return err ? err->code : HS_ERR_NOMEM;
  hs_status st = name ? hs_model_set(m, name, value, err)
                      : hs_model_set_text(m, "ischaemia.enabled", "false", err);
  if (!st) st = compare_case(m, res, list, threads, c, err);
  hs_model_free(m);
  return st;
}

/* A supplementary check that could not be run: the answer stands, and its note says why
   (out of memory is returned). */
static hs_status check_failed(hs_status st, char *note, size_t n, const char *what,
                              hs_err *err) {
  if (st == HS_ERR_NOMEM) return st;
  snprintf(note, n, "the %s could not be run: %.1900s", what, err ? err->msg : "error");
  if (err) err->code = HS_OK, err->msg[0] = 0;
  return HS_OK;
}

/* The strategies of steps 1..res->step, NULL-terminated (a failed one too: it may run in
   another case); free() the array, not the texts. */
static const char **step_list(const hs_compare_result *res, const char *what, hs_err *err) {
  const char **list = calloc(res->nrows + 1, sizeof *list);
  if (!list) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory for the %s", what);
    return NULL;
  }
  size_t nl = 0;
  for (size_t i = 0; i < res->nrows; i++) {
    const hs_compare_row *r = &res->rows[i];
    if (!r->is_flow_sweep && !r->excluded && r->step >= 1 && r->step <= res->step)
      list[nl++] = r->name;
  }
  return list;
}

/* What the cases of a check agree on: how many answer with the recommendation's strategy
   (nsame), in its step (nstep), in a cheaper one (ncheaper), with none of the steps
   (nnone), and the span of their ECMO flows with the answer's (lo..hi). */
typedef struct case_sum {
  int nsame, nstep, ncheaper, nnone, flow_holds, verdict;
  double lo, hi;
} case_sum;

static case_sum summarise(const hs_compare_result *res, const hs_compare_gain *cs, int n) {
  case_sum u = {0};
  double f0 = res->rows[res->recommended].v[HS_CMP_ECMO];
  u.lo = u.hi = f0;
  for (int k = 0; k < n; k++) {
    const hs_compare_gain *c = &cs[k];
    u.nsame += c->same;
    u.nstep += c->found && c->step == res->step;
    u.ncheaper += c->found && c->step < res->step;
    u.nnone += !c->found;
    if (c->found) u.lo = fmin(u.lo, c->ecmo_lpm), u.hi = fmax(u.hi, c->ecmo_lpm);
  }
  u.flow_holds = u.hi - u.lo <= res->targets.flow_step_lpm + 1e-9;
  u.verdict = u.nsame < n ? 2 : u.flow_holds ? 0 : 1;
  return u;
}

/* One case's answer in words: "<strategy> at ECMO f L/min", or what misses. */
static void case_answer(char *b, size_t n, const hs_compare_gain *c, const char *steps) {
  if (c->found)
    hs_str_appendf(b, n, "%.120s%s at ECMO %.2f L/min", c->label,
                   c->same ? " (the recommended strategy)" : "", c->ecmo_lpm);
  else if (*c->label)
    hs_str_appendf(b, n, "none of %s meets every target (closest: %.100s, which misses %.120s)",
                   steps, c->label, c->missed);
  else
    hs_str_appendf(b, n, "no strategy of %s could be run", steps);
}

static void steps_text(const hs_compare_result *res, char *steps, size_t n) {
  if (res->step > 1) snprintf(steps, n, "steps 1-%d", res->step);
  else snprintf(steps, n, "step 1");
}

/* The check in sentences (res->gain_note), its verdict first (res->gain_verdict). */
static void gain_note(hs_compare_result *res, int nrows) {
  char *b = res->gain_note;
  size_t n = sizeof res->gain_note;
  const hs_compare_row *rec = &res->rows[res->recommended];
  double f0 = rec->v[HS_CMP_ECMO];
  case_sum u = summarise(res, res->gain, res->ngain);
  double lo = u.lo, hi = u.hi;
  int flow_holds = u.flow_holds, nstep = u.nstep, nnone = u.nnone;
  res->gain_verdict = u.verdict;
  b[0] = 0;
  if (res->gain_verdict == 0) { /* short: nothing to weigh */
    char fl[48];
    if (hi - lo < 0.005) snprintf(fl, sizeof fl, "%.2f", f0);
    else snprintf(fl, sizeof fl, "%.2f-%.2f", lo, hi);
    hs_str_appendf(b, n,
                   "unchanged (%.120s, ECMO %s L/min) with perfusion-contraction matching off "
                   "and its gain (%.3g) halved or doubled",
                   rec->label, fl, res->gain_patient);
    return;
  }
  char steps[32];
  steps_text(res, steps, sizeof steps);
  hs_str_appendf(b, n,
                 "%s uncertain: it rests on how much contractility the ischaemic LV loses "
                 "(ischaemic in %d of the %d strategies of %s at the flow chosen or a lower "
                 "one tried), set by the gain of "
                 "perfusion-contraction matching (%.3g, a model choice no measurement fixes, "
                 "docs/model.md 2.22). ",
                 res->gain_verdict == 2 ? "Strategy" : "ECMO flow", res->gain_ischaemic,
                 nrows, steps, res->gain_patient);
  /* in the order of the gain, the answer's own among them */
  for (int k = 0; k <= res->ngain; k++) {
    if (k == 2 || (k == res->ngain && res->ngain < 3)) { /* the patient's gain */
      hs_str_appendf(b, n, "; gain %.3g (the answer's): %.120s at ECMO %.2f L/min",
                     res->gain_patient, rec->label, f0);
      if (k == res->ngain) break;
    }
    if (k == res->ngain) break;
    const hs_compare_gain *c = &res->gain[k];
    if (c->gain > 0) hs_str_appendf(b, n, "; gain %.3g: ", c->gain);
    else hs_str_appendf(b, n, "Matching off: ");
    case_answer(b, n, c, steps);
  }
  hs_str_appendf(b, n, ". ");
  if (nstep == res->ngain)
    hs_str_appendf(b, n, "Step %d (%s) holds at every gain. ", res->step,
                   hs_step_name(res->step));
  else if (nnone)
    hs_str_appendf(b, n, "At %d of the %d gains tried step %d is not enough and a costlier "
                   "step would be needed. ", nnone, res->ngain, res->step);
  if (!flow_holds)
    hs_str_appendf(b, n,
                   "The ECMO flow of the answers spans %.2f-%.2f L/min: a starting point to "
                   "titrate to the PCWP and MAP targets, not a prediction. ",
                   lo, hi);
  if (res->gain_verdict == 2)
    hs_str_appendf(b, n,
                   "If ischaemia is suspected (ST changes, rising lactate, new regional "
                   "wall-motion loss), favour the option whose heart O2 demand / delivery is "
                   "lower (its column; demand alone, MVO2, does not say what the coronary "
                   "flow brings); recheck PCWP and lactate 30 min after a change. ");
  /* the HEART line's aerobic alternative (the heart not a target): an LV the matching
     leaves alone at its flow, so its answer does not rest on the gain (a clinical review) */
  if (res->gain_verdict > 0 && res->heart_alternative >= 0) {
    const hs_compare_row *a = &res->rows[res->heart_alternative];
    if (!(a->v[HS_CMP_ISCH] < HS_ISCHAEMIC_BELOW))
      hs_str_appendf(b, n,
                     "The aerobic alternative of the HEART line (%.120s) keeps its LV's "
                     "contractility at its flow: it does not rest on this gain",
                     a->label);
  }
  size_t k = strlen(b); /* no trailing blank */
  while (k > 0 && b[k - 1] == ' ') b[--k] = 0;
}

int hs_compare_gain_check_needed(const hs_compare_result *res) {
  if (!res || !res->ischaemia_on || res->recommended < 0) return 0;
  for (size_t i = 0; i < res->nrows; i++)
    if (in_steps(res, &res->rows[i]) && res->rows[i].ischaemic_seen) return 1;
  return 0;
}

hs_status hs_compare_gain_check(const hs_model *patient, hs_compare_result *res, int threads,
                                hs_err *err) {
  res->ngain = 0;
  res->gain_ischaemic = 0;
  res->gain_verdict = -1;
  res->gain_note[0] = 0;
  res->gain_wall_s = 0;
  res->gain_patient = NAN;
  if (!hs_compare_gain_check_needed(res)) return HS_OK;
  double t0 = hs_wall_s();
  int nrows = 0;
  for (size_t i = 0; i < res->nrows; i++) {
    const hs_compare_row *r = &res->rows[i];
    if (!in_steps(res, r)) continue;
    nrows++;
    res->gain_ischaemic += r->ischaemic_seen;
  }
  hs_status st = hs_model_get(patient, "ischaemia.gain", &res->gain_patient, err);
  if (st) return st;
  /* the strategies of those steps (a failed one too: it may run at another gain) */
  const char **list = step_list(res, "gain check", err);
  if (!list) return HS_ERR_NOMEM;
  /* the matching off, the gain halved and doubled (3: the top of the parameter's range;
     a doubled gain no higher than the patient's is no other gain) */
  const double g = res->gain_patient;
  double gains[HS_GAIN_N] = {0.0, 0.5 * g, fmin(2.0 * g, 3.0)};
  int ng = gains[2] > g ? HS_GAIN_N : HS_GAIN_N - 1;
  for (int k = 0; k < ng && !st; k++) {
    case_clear(&res->gain[k], gains[k], res->heart_po2_crit);
    st = run_case(patient, res, list, gains[k] > 0 ? "ischaemia.gain" : NULL, gains[k], threads,
                  &res->gain[k], err);
    if (st && err) hs_err_prefix(err, "at gain %.3g: ", gains[k]);
  }
  free((void *)list);
  if (st) return check_failed(st, res->gain_note, sizeof res->gain_note, "gain check", err);
  res->ngain = ng;
  gain_note(res, nrows);
  res->gain_wall_s = hs_wall_s() - t0;
  return HS_OK;
}

/* The heart target decided row r: its flow was set by it, it missed it (or its O2 balance
   is undefined with a coronary flow), or it meets it within HS_PO2CHK_MARGIN. */
static int heart_decided(const hs_compare_row *r) {
  const double *v = r->v;
  if (r->flow_for_heart) return 1;
  if (!isfinite(v[HS_CMP_COR_FLOW])) return 0; /* no coronary beds: never judged */
  double er = v[HS_CMP_HEART_ER], ec = v[HS_CMP_HEART_ERCRIT];
  return !(er <= ec - HS_PO2CHK_MARGIN);
}

int hs_compare_threshold_check_needed(const hs_compare_result *res) {
  if (!res || res->recommended < 0 || res->targets.heart_er_max != HS_HEART_ER_CRITICAL ||
      !isfinite(res->heart_po2_crit))
    return 0;
  for (size_t i = 0; i < res->nrows; i++)
    if (in_steps(res, &res->rows[i]) && heart_decided(&res->rows[i])) return 1;
  return 0;
}

/* What one case of the threshold check says of the answer. */
static void po2_case_kind(char *b, size_t n, const hs_compare_result *res,
                          const hs_compare_gain *c, const char *steps) {
  if (c->same)
    hs_str_appendf(b, n, "this strategy holds");
  else if (!c->found)
    hs_str_appendf(b, n, "none of %s is enough and a costlier step would be needed", steps);
  else if (c->step < res->step)
    hs_str_appendf(b, n, "a cheaper step would do");
  else
    hs_str_appendf(b, n, "another strategy of step %d answers", res->step);
}

int hs_threshold_cases(double p0, double po2[HS_PO2CHK_N]) {
  int n = 0;
  const double lo = fmax(p0 - HS_PO2CHK_DELTA_MMHG, HS_PO2CHK_MIN_MMHG);
  const double hi = fmin(p0 + HS_PO2CHK_DELTA_MMHG, HS_PO2CHK_MAX_MMHG);
  if (lo < p0 - 1e-9) po2[n++] = lo;
  if (hi > p0 + 1e-9) po2[n++] = hi;
  return n;
}

/* The threshold check in sentences (res->po2_note), its verdict first; the cases are in
   rising PO2 (a heart that tolerates more extraction first). */
static void po2_note(hs_compare_result *res, int nrows) {
  char *b = res->po2_note;
  size_t n = sizeof res->po2_note;
  const hs_compare_row *rec = &res->rows[res->recommended];
  double f0 = rec->v[HS_CMP_ECMO], p0 = res->heart_po2_crit;
  case_sum u = summarise(res, res->po2, res->npo2);
  res->po2_verdict = u.verdict;
  b[0] = 0;
  char at[64] = "";
  for (int k = 0; k < res->npo2; k++)
    hs_str_appendf(at, sizeof at, "%s%g", k ? " or " : "", res->po2[k].critical_po2_mmhg);
  if (u.verdict == 0) {
    char fl[48];
    if (u.hi - u.lo < 0.005) snprintf(fl, sizeof fl, "%.2f", f0);
    else snprintf(fl, sizeof fl, "%.2f-%.2f", u.lo, u.hi);
    hs_str_appendf(b, n,
                   "unchanged (%.120s, ECMO %s L/min) with the heart's critical coronary "
                   "venous PO2 (where it turns anaerobic) at %s mmHg instead of %g",
                   rec->label, fl, at, p0);
    return;
  }
  char steps[32];
  steps_text(res, steps, sizeof steps);
  hs_str_appendf(b, n,
                 "%s uncertain: it rests on where the heart turns anaerobic, its critical "
                 "coronary venous PO2 (%g mmHg in the model: the onset of myocardial anaerobic "
                 "metabolism in pigs, 15.9-17.0 mmHg, Walley 1997; not measured in patients), "
                 "which decided %d of the %d strategies of %s (their flow set by it, rejected by "
                 "it, or within %.2f of its critical extraction). ",
                 u.verdict == 2 ? "Strategy" : "ECMO flow", p0, res->po2_heart, nrows, steps,
                 HS_PO2CHK_MARGIN);
  /* each threshold's answer in rising order, the patient's among them */
  int said = 0;
  const char *sep = "At ";
  for (int k = 0; k <= res->npo2; k++) {
    int here = k == res->npo2 || res->po2[k].critical_po2_mmhg > p0;
    if (here && !said) {
      hs_str_appendf(b, n, "%s%g mmHg (the answer's): %.120s at ECMO %.2f L/min", sep, p0,
                     rec->label, f0);
      said = 1, sep = "; ";
    }
    if (k == res->npo2) break;
    const hs_compare_gain *c = &res->po2[k];
    hs_str_appendf(b, n, "%s%g mmHg: ", sep, c->critical_po2_mmhg);
    case_answer(b, n, c, steps);
    sep = "; ";
  }
  hs_str_appendf(b, n, ". ");
  /* what each side says of the answer, in words */
  for (int k = 0; k < res->npo2; k++) {
    const hs_compare_gain *c = &res->po2[k];
    int more = c->critical_po2_mmhg < p0; /* a lower PO2: more extraction tolerated */
    hs_str_appendf(b, n, "%s a heart that tolerates %s extraction (%g mmHg) ",
                   k ? "; with" : "With", more ? "more" : "less", c->critical_po2_mmhg);
    po2_case_kind(b, n, res, c, steps);
  }
  hs_str_appendf(b, n, ". ");
  if (u.verdict == 1) /* one strategy: its flow is what moves */
    hs_str_appendf(b, n,
                   "The ECMO flow of the answers spans %.2f-%.2f L/min: a starting point to "
                   "titrate, not a prediction. ",
                   u.lo, u.hi);
  if (u.verdict == 2) /* a clinical review: the answer at the model's threshold stands, and
                         what to watch on it */
    hs_str_appendf(b, n,
                   "The threshold comes from animal data and cannot be measured at the "
                   "bedside, so the answer at %g mmHg stands. %s on the signs of an anaerobic "
                   "heart: new ST changes (continuous multi-lead ST monitoring), a rising "
                   "troponin, new regional wall-motion loss on echo, ventricular ectopy, "
                   "rising lactate. Where coronary-sinus access exists (catheter laboratory), "
                   "the coronary-sinus PO2 and the coronary-sinus minus arterial lactate "
                   "difference tell where this heart stands. ",
                   p0,
                   u.ncheaper ? "A cheaper option only where the answer cannot be done, "
                                "escalating at once"
                   : u.nnone  ? "On it, escalate at once (the next step)"
                              : "On it, escalate at once");
  size_t k = strlen(b);
  while (k > 0 && b[k - 1] == ' ') b[--k] = 0;
}

hs_status hs_compare_threshold_check(const hs_model *patient, hs_compare_result *res,
                                     int threads, hs_err *err) {
  res->npo2 = 0;
  res->po2_heart = 0;
  res->po2_verdict = -1;
  res->po2_note[0] = 0;
  res->po2_wall_s = 0;
  if (!hs_compare_threshold_check_needed(res)) return HS_OK;
  double t0 = hs_wall_s();
  int nrows = 0;
  for (size_t i = 0; i < res->nrows; i++) {
    const hs_compare_row *r = &res->rows[i];
    if (!in_steps(res, r)) continue;
    nrows++;
    res->po2_heart += heart_decided(r);
  }
  double gain = 0;
  hs_status st = HS_OK;
  if (res->ischaemia_on) st = hs_model_get(patient, "ischaemia.gain", &gain, err);
  if (st) return st;
  const char **list = step_list(res, "threshold check", err);
  if (!list) return HS_ERR_NOMEM;
  /* 2 mmHg either side, within the parameter's range (a side at its end is not run) */
  double po2[HS_PO2CHK_N];
  const int np = hs_threshold_cases(res->heart_po2_crit, po2);
  for (int k = 0; k < np && !st; k++) {
    case_clear(&res->po2[k], gain, po2[k]);
    st = run_case(patient, res, list, "coronary.critical_venous_po2", po2[k], threads,
                  &res->po2[k], err);
    if (st && err) hs_err_prefix(err, "at a critical coronary venous PO2 of %g mmHg: ", po2[k]);
  }
  free((void *)list);
  if (st) return check_failed(st, res->po2_note, sizeof res->po2_note, "threshold check", err);
  res->npo2 = np;
  po2_note(res, nrows);
  res->po2_wall_s = hs_wall_s() - t0;
  return HS_OK;
}

/* The start check: the recommendation (else the closest strategy) again at its ECMO flow,
   from rest with the patient file's contractility.  The comparison starts every strategy
   from one seed, the patient's own state (hs_strategy_seed: on ECMO at the patient's
   settings; not on ECMO with ECMO alone at flow_min), and each titration trial from the
   nearest flow computed; where the matching has two steady states at a flow (an LV
   that still contracts, and one that has spiralled down: the perfusion pressure falls with
   the contractility and the contractility with the perfusion pressure), the state found
   depends on that start (docs/model.md 2.22). */
hs_status hs_compare_start_check(const hs_model *base, hs_compare_result *res, hs_err *err) {
  res->start_row = -1;
  res->start_differs = res->start_failed = 0;
  res->start_note[0] = 0;
  for (int k = 0; k < HS_CMP_NVAL; k++) res->start_v[k] = NAN;
  int i = res->recommended >= 0 ? res->recommended : res->closest;
  if (i < 0 || !res->ischaemia_on) return HS_OK;
  const hs_compare_row *r = &res->rows[i];
  if (!r->ischaemic_seen || r->failed || !isfinite(r->v[HS_CMP_ECMO])) return HS_OK;
  hs_strategy sg;
  hs_status st = hs_strategy_parse(r->name, &sg, err);
  if (st) return st;
  sg.ecmo_femoral_return = hs_strategy_femoral_return(base);
  hs_compare_row *w = calloc(1, sizeof *w);
  if (!w) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  st = hs_strategy_row_at(base, &sg, 0, r->v[HS_CMP_ECMO], &res->targets, w, err);
  if (!st) {
    res->start_row = i;
    memcpy(res->start_v, w->v, sizeof res->start_v);
    const double *a = w->v, *b = r->v;
    /* a second state of the matching: another contractility, and haemodynamics that
       differ (a MAP controller's dead band alone moves MAP by up to 10 mmHg) */
    res->start_differs = fabs(a[HS_CMP_ISCH] - b[HS_CMP_ISCH]) > 0.05 &&
                         (fabs(a[HS_CMP_MAP] - b[HS_CMP_MAP]) > 5.0 ||
                          fabs(a[HS_CMP_PCWP] - b[HS_CMP_PCWP]) > 2.0 || w->all_met != r->all_met);
    if (res->start_differs) {
      char from[96] = "the patient's own state (on its current ECMO settings)";
      if (!res->on_ecmo)
        snprintf(from, sizeof from, "the comparison's start (the patient with ECMO alone at "
                 "%.2f L/min)", res->targets.flow_min_lpm);
      char *t = res->start_note;
      size_t n = sizeof res->start_note;
      snprintf(t, n,
               "%.120s at ECMO %.2f L/min has a second steady state. Started from rest with "
               "the patient file's contractility it gives MAP %.0f mmHg, PCWP %.1f mmHg, "
               "native LV output %.2f L/min, LV contractility %.2f x (%s); the values above "
               "(MAP %.0f, PCWP %.1f, native LV %.2f, %.2f x) were reached from "
               "%s. Which state the patient reaches "
               "depends on the state the heart is in when the settings change (the ischaemic "
               "spiral's hysteresis: a heart that has spiralled down needs more perfusion "
               "pressure to recover than one that still contracts needs to stay; "
               "docs/model.md 2.22)",
               r->label, r->v[HS_CMP_ECMO], a[HS_CMP_MAP], a[HS_CMP_PCWP], a[HS_CMP_LVO],
               a[HS_CMP_ISCH], w->all_met ? "every target met" : "missing targets",
               b[HS_CMP_MAP], b[HS_CMP_PCWP], b[HS_CMP_LVO], b[HS_CMP_ISCH], from);
    }
  } else if (st != HS_ERR_NOMEM) { /* no state from rest: nothing to compare, said */
    res->start_failed = 1;
    snprintf(res->start_note, sizeof res->start_note,
             "the start check (the answer simulated again from rest) could not be run: %.850s",
             err ? err->msg : "error");
    if (err) err->code = HS_OK, err->msg[0] = 0;
    st = HS_OK;
  }
  free(w);
  return st;
}
