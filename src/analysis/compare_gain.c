/*
 * analysis/compare_gain.c - the gain check of compare (docs/decision.md "The gain check").
 *
 * Perfusion-contraction matching (docs/model.md 2.22) lowers the contractility of an LV
 * whose myocardium gets less O2 than it needs, c = r^g.  The gain g is a model choice: no
 * measurement fixes how much of the whole LV's function a lumped coronary bed's shortfall
 * costs.  When the answer rests on a heart the matching made weaker, it is asked again
 * with the matching off (g 0) and with g halved and doubled; the answer says whether the
 * strategy and its ECMO flow hold.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/strategy.h"
#include "core/clock.h"
#include "core/textbuf.h"
#include "hemosim/hemosim.h"

/* A row the check reads: a strategy or sweep point of steps 1..res->step that ran. */
static int in_steps(const hs_compare_result *res, const hs_compare_row *r) {
  return !r->excluded && !r->failed && r->step >= 1 && r->step <= res->step;
}

/* One case: the steps' strategies compared on the patient at gain g (0: matching off). */
static hs_status run_case(const hs_model *patient, const hs_compare_result *res,
                          const char *const *list, double g, int threads, hs_compare_gain *c,
                          hs_err *err) {
  memset(c, 0, sizeof *c);
  c->gain = g;
  c->ecmo_lpm = c->pcwp_mmhg = c->ischaemic_contractility = NAN;
  hs_model *m = hs_model_clone(patient, err);
  if (!m) return err ? err->code : HS_ERR_NOMEM;
  hs_status st = g > 0 ? hs_model_set(m, "ischaemia.gain", g, err)
                       : hs_model_set_text(m, "ischaemia.enabled", "false", err);
  hs_compare_result *sub = NULL;
  if (!st) st = hs_compare_run_nested(m, &res->targets, &res->context, list, threads, &sub, err);
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
  hs_model_free(m);
  return st;
}

/* The check in sentences (res->gain_note). */
static void gain_note(hs_compare_result *res, int nrows) {
  char *b = res->gain_note;
  size_t n = sizeof res->gain_note;
  const hs_compare_row *rec = &res->rows[res->recommended];
  double f0 = rec->v[HS_CMP_ECMO], lo = f0, hi = f0;
  int nsame = 0, nstep = 0;
  char steps[32];
  if (res->step > 1) snprintf(steps, sizeof steps, "steps 1-%d", res->step);
  else snprintf(steps, sizeof steps, "step 1");
  b[0] = 0;
  hs_str_appendf(b, n,
          "in %d of the %d simulated rows of %s (strategies and ECMO-alone flows) the LV "
          "loses contractility to a myocardial O2 shortfall, by an amount the gain of "
          "perfusion-contraction matching sets (%.2g here, a model choice no measurement "
          "fixes, docs/model.md 2.22). %s compared again: ",
          res->gain_ischaemic, nrows, steps, res->gain_patient,
          res->step > 1 ? "Their strategies" : "Its strategies");
  for (int k = 0; k < res->ngain; k++) {
    const hs_compare_gain *c = &res->gain[k];
    if (c->gain > 0) hs_str_appendf(b, n, "%sgain %.2g: ", k ? "; " : "", c->gain);
    else hs_str_appendf(b, n, "%smatching off: ", k ? "; " : "");
    if (c->same)
      hs_str_appendf(b, n, "the same strategy at ECMO %.2f L/min", c->ecmo_lpm);
    else if (c->found)
      hs_str_appendf(b, n, "%.120s (step %d) at ECMO %.2f L/min", c->label, c->step, c->ecmo_lpm);
    else if (*c->label)
      hs_str_appendf(b, n, "no strategy of %s meets every target (closest: %.100s, which misses %.120s)",
              steps, c->label, c->missed);
    else
      hs_str_appendf(b, n, "no strategy of %s could be run", steps);
    nsame += c->same;
    nstep += c->found && c->step == res->step;
    if (c->found) lo = fmin(lo, c->ecmo_lpm), hi = fmax(hi, c->ecmo_lpm);
  }
  hs_str_appendf(b, n, ". ");
  double step = res->targets.flow_step_lpm;
  int flow_holds = hi - lo <= step + 1e-9;
  if (nsame == res->ngain && flow_holds) {
    hs_str_appendf(b, n,
            "The answer holds at every gain: the same strategy, its ECMO flow within one "
            "titration step (%.2f L/min)",
            step);
    return;
  }
  if (nsame == res->ngain) hs_str_appendf(b, n, "The strategy holds at every gain");
  else hs_str_appendf(b, n, "The strategy holds at %d of %d other gains", nsame, res->ngain);
  if (nstep == res->ngain && nsame < res->ngain)
    hs_str_appendf(b, n, "; the step (%d, %s) holds at every one", res->step, hs_step_name(res->step));
  if (!flow_holds)
    hs_str_appendf(b, n,
            "; the ECMO flow of the answers spans %.2f-%.2f L/min (%.2f at this gain): a "
            "starting point to titrate to the PCWP and MAP targets at the bedside, not a "
            "prediction",
            lo, hi, f0);
  if (nsame < res->ngain)
    hs_str_appendf(b, n,
            ". Which of the strategies named here is better rests on how much contractility "
            "the ischaemic LV loses, which the model cannot tell: weigh them clinically");
}

hs_status hs_compare_gain_check(const hs_model *patient, hs_compare_result *res, int threads,
                                hs_err *err) {
  res->ngain = 0;
  res->gain_ischaemic = 0;
  res->gain_note[0] = 0;
  res->gain_wall_s = 0;
  res->gain_patient = NAN;
  if (!res->ischaemia_on || res->recommended < 0) return HS_OK;
  double t0 = hs_wall_s();
  for (size_t i = 0; i < res->nrows; i++) {
    const hs_compare_row *r = &res->rows[i];
    if (in_steps(res, r) && r->v[HS_CMP_ISCH] < HS_ISCHAEMIC_BELOW) res->gain_ischaemic++;
  }
  int nrows = 0;
  for (size_t i = 0; i < res->nrows; i++) nrows += in_steps(res, &res->rows[i]);
  if (!res->gain_ischaemic) return HS_OK;
  hs_status st = hs_model_get(patient, "ischaemia.gain", &res->gain_patient, err);
  if (st) return st;
  /* the strategies of those steps (a failed one too: it may run at another gain) */
  const char **list = calloc(res->nrows + 1, sizeof *list);
  if (!list) return hs_err_set(err, HS_ERR_NOMEM, "out of memory for the gain check");
  size_t nl = 0;
  for (size_t i = 0; i < res->nrows; i++) {
    const hs_compare_row *r = &res->rows[i];
    if (!r->is_flow_sweep && !r->excluded && r->step >= 1 && r->step <= res->step)
      list[nl++] = r->name;
  }
  const double g = res->gain_patient;
  const double gains[HS_GAIN_N] = {0.0, 0.5 * g, fmin(2.0 * g, 3.0)}; /* 3: the range */
  for (int k = 0; k < HS_GAIN_N && !st; k++) {
    st = run_case(patient, res, list, gains[k], threads, &res->gain[k], err);
    if (st) hs_err_prefix(err, "gain check (gain %.2g)", gains[k]);
  }
  free(list);
  if (st) return st;
  res->ngain = HS_GAIN_N;
  gain_note(res, nrows);
  res->gain_wall_s = hs_wall_s() - t0;
  return HS_OK;
}
