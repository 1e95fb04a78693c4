/* test_titrate.c - microcirculation-guided ECMO flow titration
 * (src/analysis/titrate.c, docs/microcirculation.md "Guided titration").
 *
 * Runs are 24 h at 2 h intervals (13 decision points) on
 * examples/patients/severe_shock_ecmo.yaml (reflex off, 4 L/min: the former
 * acute_mi_shock_ecmo.yaml) to keep the test short:
 *   1 determinism: two runs give bit-identical trajectories;
 *   2 every rule that fired is consistent with the state at its step, and the
 *     flow of step k+1 is the decision of step k;
 *   3 flows stay within [flow_min, flow_max], including when the raise rules
 *     are driven to the maximum (MAP and DO2 limits set unreachably high);
 *   4 poor microcirculation with good MAP (obstructed, oedema and
 *     vasoconstriction 0.15): the micro policy gives at least the control flow
 *     at every decision point, strictly more after T2 (18 h), fires raise_micro
 *     at least once, and ends with a higher mean small-vessel PVD than control;
 *   5 bad options are rejected with messages naming the option.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/patient.h"
#include "hemosim/titrate.h"

static hs_model *g_model;

static int setup(void **state) {
  (void)state;
  char file[512];
  hs_err err = {0};
  /* the former acute_mi_shock_ecmo.yaml (LV Ees 0.4, no reflex, 4 L/min, Hb 14 g/dL): the
     LV-predominant preset's PCWP stays > 25 mmHg at every flow, which blocks the micro
     raise rule; at the preset's haemoglobin of 10 g/dL the DO2 rule holds 3-3.5 L/min,
     where PCWP stays > 25 mmHg too */
  snprintf(file, sizeof file, "%s/examples/patients/severe_shock_ecmo.yaml", HS_SOURCE_DIR);
  if (hs_patient_load_file(file, &g_model, &err) ||
      hs_model_set(g_model, "baroreflex.enabled", 0, &err) ||
      hs_model_set_text(g_model, "oxygen.hemoglobin", "14 g/dL", &err) ||
      hs_model_set(g_model, "ecmo.target_flow", 4000.0 / 60.0, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  hs_model_free(g_model);
  return 0;
}

static hs_titrate_options short_opts(hs_titrate_policy pol) {
  hs_titrate_options o;
  hs_titrate_defaults(&o);
  o.policy = pol;
  o.hours = 24;
  o.interval_h = 2;
  return o;
}

static hs_titrate_result *run_ok(const hs_titrate_options *o) {
  hs_titrate_result *r = NULL;
  hs_err err = {0};
  hs_status st = hs_titrate_run(g_model, o, &r, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(r);
  assert_int_equal(r->n, (size_t)(o->hours / o->interval_h + 1e-9) + 1);
  return r;
}

/* The tables the CLI prints come from the library (src/io/micro_text.c): one per policy,
   a row per decision point, and the micro-vs-control line with two policies. */
static void test_text(void **state) {
  (void)state;
  hs_titrate_options o = short_opts(HS_TITRATE_CONTROL);
  o.hours = 4;
  hs_titrate_result *res[2] = {run_ok(&o), NULL};
  o.policy = HS_TITRATE_MICRO;
  res[1] = run_ok(&o);
  hs_err err = {0};
  char *t = hs_titrate_text("p.yaml", res, 1, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "\nECMO flow titration, control policy: p.yaml\n"));
  assert_null(strstr(t, "micro vs control"));
  int rows = 0;
  for (const char *c = t; (c = strchr(c, '\n')) != NULL;) { /* lines "  <spaces><digit>" */
    c++;
    size_t sp = strspn(c, " ");
    rows += sp >= 2 && c[sp] >= '0' && c[sp] <= '9';
  }
  assert_int_equal(rows, (int)res[0]->n); /* one row per decision point */
  free(t);
  t = hs_titrate_text("p.yaml", res, 2, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "micro policy: p.yaml"));
  assert_non_null(strstr(t, "\nmicro vs control: mean flow "));
  free(t);
  hs_titrate_result_free(res[0]);
  hs_titrate_result_free(res[1]);
}

/* 1. Same input, same trajectory (bitwise). */
static void test_deterministic(void **state) {
  (void)state;
  HS_RELEASE_ONLY(); /* bitwise repeatability of two runs (10 s under the sanitizers; the
                        same controller runs there in every other test here) */
  hs_titrate_options o = short_opts(HS_TITRATE_MICRO);
  o.micro.obstructed = o.micro.oedema = o.micro.vasoconstriction = 0.15;
  hs_titrate_result *a = run_ok(&o), *b = run_ok(&o);
  assert_int_equal(a->n, b->n);
  assert_memory_equal(a->step, b->step, a->n * sizeof *a->step);
  assert_memory_equal(a->rule_count, b->rule_count, sizeof a->rule_count);
  hs_titrate_result_free(a);
  hs_titrate_result_free(b);
}

/* 2. Each rule agrees with the state at its step. */
static void check_consistent(const hs_titrate_options *o, const hs_titrate_result *r) {
  const double eps = 1e-9;
  int seen_poor = 0; /* micro policy: latest measurement poor */
  for (size_t k = 0; k < r->n; k++) {
    const hs_titrate_step *s = &r->step[k];
    int closed = s->av_open < o->av_open_min;
    int lact = o->lactate_max > 0 && !(s->lactate_mmol_l <= o->lactate_max);
    int hypo = s->map_mmhg < o->map_min || s->do2i_mlmin_m2 < o->do2i_min ||
               s->svo2_pct < o->svo2_min || lact;
    assert_true(s->lactate_mmol_l > 0 && s->lactate_mmol_l < 30); /* the plateau, mmol/L */
    int poor = s->pvd < o->pvd_min || s->ppv < o->ppv_min;
    assert_int_equal(s->hypoperfusion, hypo);
    assert_int_equal(s->micro_poor, poor);
    if (o->policy == HS_TITRATE_MICRO && s->measured) seen_poor = poor;
    if (k + 1 < r->n) assert_near(r->step[k + 1].flow_lpm, s->next_flow_lpm, 1e-12);
    double d = s->next_flow_lpm - s->flow_lpm;
    switch (s->rule) {
      case HS_RULE_RAISE_MAP:
        assert_true(s->map_mmhg < o->map_min);
        assert_true(d > 0 && d <= o->step_up_lpm + eps);
        break;
      case HS_RULE_RAISE_DO2:
        assert_true(s->map_mmhg >= o->map_min);
        assert_true(s->do2i_mlmin_m2 < o->do2i_min || s->svo2_pct < o->svo2_min || lact);
        assert_true(d > 0 && d <= o->step_up_lpm + eps);
        break;
      case HS_RULE_HOLD_MAX:
        assert_true(hypo);
        assert_near(s->flow_lpm, o->flow_max_lpm, eps);
        assert_near(d, 0, eps);
        break;
      case HS_RULE_RAISE_MICRO:
        assert_int_equal(o->policy, HS_TITRATE_MICRO);
        assert_true(s->measured > 0 && !hypo && poor);
        assert_true(s->pcwp_mmhg <= o->pcwp_micro_max && !closed);
        assert_true(d > 0 && d <= o->step_up_lpm + eps);
        break;
      case HS_RULE_LOWER_UNLOAD:
        assert_true(!hypo && (closed || s->pcwp_mmhg > o->pcwp_max));
        assert_true(d < 0 && -d <= o->step_down_lpm + eps);
        break;
      case HS_RULE_HOLD_UNLOAD:
        assert_true(!hypo && (closed || s->pcwp_mmhg > o->pcwp_max));
        assert_near(d, 0, eps);
        break;
      case HS_RULE_WEAN:
        assert_true(!hypo && !closed && s->pcwp_mmhg <= o->pcwp_max);
        assert_true(s->pp_mmhg >= o->pp_recovered);
        assert_true(d < 0 && -d <= o->wean_step_lpm + eps);
        break;
      case HS_RULE_WEAN_MICRO:
        assert_int_equal(o->policy, HS_TITRATE_MICRO);
        assert_true(s->measured > 0 && !poor && !hypo && !closed && s->pcwp_mmhg <= o->pcwp_max);
        assert_true(d < 0 && -d <= o->wean_step_lpm + eps);
        break;
      case HS_RULE_HOLD_MICRO:
        assert_int_equal(o->policy, HS_TITRATE_MICRO);
        assert_true(seen_poor && !hypo && !closed);
        assert_near(d, 0, eps);
        break;
      case HS_RULE_HOLD:
        assert_true(!hypo && !closed && s->pcwp_mmhg <= o->pcwp_max);
        assert_near(d, 0, eps);
        break;
      default:
        fail_msg("unknown rule %d at step %zu", s->rule, k);
    }
  }
}

static void test_rules_consistent(void **state) {
  (void)state;
  for (int pol = 0; pol < HS_TITRATE_POLICIES; pol++) {
    hs_titrate_options o = short_opts((hs_titrate_policy)pol);
    o.micro.obstructed = o.micro.oedema = o.micro.vasoconstriction = 0.15;
    hs_titrate_result *r = run_ok(&o);
    check_consistent(&o, r);
    /* this course unloads the distended LV first */
    assert_true(r->rule_count[HS_RULE_LOWER_UNLOAD] >= 1);
    hs_titrate_result_free(r);
  }
}

/* 2b. A lactate target: a plateau above lactate_max is hypoperfusion, so an unreachable
   0.1 mmol/L raises the flow (raise_do2) although MAP, DO2I and SvO2 are met. */
static void test_lactate_target(void **state) {
  (void)state;
  hs_titrate_options o = short_opts(HS_TITRATE_CONTROL);
  o.hours = 8;
  o.lactate_max = 0.1;
  o.do2i_min = 0;
  o.svo2_min = 0;
  o.map_min = 0;
  hs_titrate_result *r = run_ok(&o);
  check_consistent(&o, r);
  assert_true((size_t)(r->rule_count[HS_RULE_RAISE_DO2] + r->rule_count[HS_RULE_HOLD_MAX]) == r->n);
  hs_titrate_result_free(r);
}

/* 3. Flows within bounds; raise rules driven to the maximum hold there. */
static void test_bounds(void **state) {
  (void)state;
  hs_titrate_options o = short_opts(HS_TITRATE_CONTROL);
  o.map_min = 150; /* unreachable: raise_map every step until hold_max */
  o.flow0_lpm = 3.0;
  hs_titrate_result *r = run_ok(&o);
  check_consistent(&o, r);
  assert_true(r->rule_count[HS_RULE_RAISE_MAP] >= 1);
  assert_true(r->rule_count[HS_RULE_HOLD_MAX] >= 1);
  for (size_t k = 0; k < r->n; k++) {
    assert_in_range_d(r->step[k].flow_lpm, o.flow_min_lpm, o.flow_max_lpm);
    assert_in_range_d(r->step[k].next_flow_lpm, o.flow_min_lpm, o.flow_max_lpm);
  }
  assert_near(r->final_flow_lpm, o.flow_max_lpm, 1e-12);
  hs_titrate_result_free(r);

  hs_titrate_options c = short_opts(HS_TITRATE_CONTROL);
  c.do2i_min = 2000; /* unreachable with MAP fine: raise_do2 */
  c.flow0_lpm = 4.75;
  r = run_ok(&c);
  check_consistent(&c, r);
  assert_true(r->rule_count[HS_RULE_RAISE_DO2] >= 1);
  for (size_t k = 0; k < r->n; k++)
    assert_in_range_d(r->step[k].flow_lpm, c.flow_min_lpm, c.flow_max_lpm);
  hs_titrate_result_free(r);

  hs_titrate_options d = short_opts(HS_TITRATE_CONTROL); /* unloads down to the minimum */
  r = run_ok(&d);
  check_consistent(&d, r);
  for (size_t k = 0; k < r->n; k++)
    assert_in_range_d(r->step[k].next_flow_lpm, d.flow_min_lpm, d.flow_max_lpm);
  assert_near(r->final_flow_lpm, d.flow_min_lpm, 1e-12);
  hs_titrate_result_free(r);
}

/* 4. Poor microcirculation despite good MAP. */
static void test_micro_poor(void **state) {
  (void)state;
  hs_titrate_options oc = short_opts(HS_TITRATE_CONTROL), om = short_opts(HS_TITRATE_MICRO);
  oc.micro.obstructed = oc.micro.oedema = oc.micro.vasoconstriction = 0.15;
  om.micro = oc.micro;
  hs_titrate_result *c = run_ok(&oc), *m = run_ok(&om);
  size_t t2 = 0;
  for (size_t k = 0; k < c->n; k++) {
    /* good MAP throughout */
    assert_true(c->step[k].map_mmhg >= oc.map_min);
    assert_true(m->step[k].flow_lpm >= c->step[k].flow_lpm - 1e-12);
    if (m->step[k].measured == 2) t2 = k;
  }
  assert_true(t2 > 0);
  assert_true(m->step[t2].micro_poor);
  assert_true(m->step[t2].next_flow_lpm > c->step[t2].next_flow_lpm);
  for (size_t k = t2 + 1; k < c->n; k++) assert_true(m->step[k].flow_lpm > c->step[k].flow_lpm);
  assert_true(m->rule_count[HS_RULE_RAISE_MICRO] >= 1);
  assert_int_equal(c->rule_count[HS_RULE_RAISE_MICRO], 0);
  print_message("mean PVD control %.3f, micro %.3f; mean flow %.2f vs %.2f L/min\n", c->mean_pvd,
                m->mean_pvd, c->mean_flow_lpm, m->mean_flow_lpm);
  assert_true(m->mean_pvd > c->mean_pvd);
  assert_true(m->step[m->n - 1].pvd > c->step[c->n - 1].pvd);
  hs_titrate_result_free(c);
  hs_titrate_result_free(m);
}

/* 5. Bad options. */
static void expect_bad(const hs_titrate_options *o, const char *needle) {
  hs_err err = {0};
  assert_int_not_equal(hs_titrate_check(o, &err), HS_OK);
  if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
  hs_titrate_result dummy, *r = &dummy; /* must be reset to NULL */
  hs_err err2 = {0};
  assert_int_not_equal(hs_titrate_run(g_model, o, &r, &err2), HS_OK);
  assert_null(r);
  assert_string_equal(err.msg, err2.msg);
}

static void test_bad_options(void **state) {
  (void)state;
  hs_titrate_options o;
  hs_titrate_defaults(&o);
  o.hours = 0;
  expect_bad(&o, "hours = 0 must be > 0");
  o.hours = -3;
  expect_bad(&o, "hours = -3 must be > 0");
  o.hours = NAN;
  expect_bad(&o, "hours");
  hs_titrate_defaults(&o);
  o.interval_h = 0;
  expect_bad(&o, "interval_h = 0 must be > 0");
  o.interval_h = 100;
  expect_bad(&o, "interval_h = 100 must not exceed hours = 72");
  hs_titrate_defaults(&o);
  o.policy = (hs_titrate_policy)7;
  expect_bad(&o, "unknown policy 7");
  hs_titrate_defaults(&o);
  o.flow_min_lpm = 5;
  o.flow_max_lpm = 4;
  expect_bad(&o, "flow_min_lpm = 5 must be below flow_max_lpm = 4");
  hs_titrate_defaults(&o);
  o.micro.obstructed = 1.5;
  expect_bad(&o, "obstructed");
  hs_titrate_defaults(&o);
  o.measure_h[1] = 3; /* before T1 at 6 h */
  expect_bad(&o, "measure_h[1] = 3 must be later than measure_h[0] = 6");

  hs_err err = {0};
  hs_titrate_policy p = HS_TITRATE_CONTROL;
  assert_int_equal(hs_titrate_policy_parse("micro", &p, &err), HS_OK);
  assert_int_equal(p, HS_TITRATE_MICRO);
  assert_int_equal(hs_titrate_policy_parse("bogus", &p, &err), HS_ERR_UNKNOWN);
  assert_string_equal(err.msg, "titrate: unknown policy 'bogus' (control, micro)");
  assert_string_equal(hs_titrate_rule_name(HS_RULE_RAISE_MICRO), "raise_micro");
  assert_string_equal(hs_titrate_rule_name(-1), "?");

  /* a patient without ECMO */
  char file[512];
  snprintf(file, sizeof file, "%s/examples/patients/acute_mi_shock.yaml", HS_SOURCE_DIR);
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_file(file, &m, &err), HS_OK);
  hs_titrate_defaults(&o);
  hs_titrate_result *r = NULL;
  assert_int_not_equal(hs_titrate_run(m, &o, &r, &err), HS_OK);
  assert_null(r);
  if (!strstr(err.msg, "VA-ECMO device named 'ecmo'")) fail_msg("message: %s", err.msg);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deterministic), cmocka_unit_test(test_rules_consistent),
      cmocka_unit_test(test_text),
      cmocka_unit_test(test_bounds),        cmocka_unit_test(test_micro_poor),
      cmocka_unit_test(test_bad_options),   cmocka_unit_test(test_lactate_target),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
