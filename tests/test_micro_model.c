/* test_micro_model.c - sublingual microcirculation sub-model
 * (src/analysis/micro_model.c, docs/microcirculation.md "Model").
 *
 * Invariants on a grid, rejection of bad parameters with the field named, loss
 * of haemodynamic coherence, the Wei 2021 flow-response cohort, the Kara 2016
 * survivor / non-survivor levels, filling the input from a run, and the patient's
 * dysfunction: its block, the fit to a measurement (round trip, limits, a shipped
 * patient and measurement, the written patient file).
 */
#include "support.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/drugs.h"
#include "hemosim/micro.h"
#include "hemosim/micro_model.h"
#include "hemosim/patient.h"
#include "hemosim/sim.h"

static hs_micro_model_output eval_ok(const hs_micro_model_params *p, const hs_micro_model_input *in) {
  hs_micro_model_output o;
  hs_err err = {0};
  hs_status st = hs_micro_model_eval(p, in, &o, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  return o;
}

static hs_micro_model_input base_input(void) {
  hs_micro_model_input in = {.map_mmhg = 70, .cvp_mmhg = 8, .ci_lpm_m2 = 2.5, .hb_gdl = 10,
                             .sao2_upper_pct = 97, .drug_tone = 1};
  return in;
}

/* Deterministic xorshift64 in [0, 1). */
static double rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

/* 1. Invariants over a grid of inputs and dysfunction parameters. */
static void test_invariants(void **state) {
  (void)state;
  hs_micro_model_params p;
  hs_micro_model_defaults(&p);
  /* healthy: near the healthy reference values (Hubble 2009; Niculcea 2025) */
  hs_micro_model_input in = {75, 6, 3.0, 14, 98, 1};
  hs_micro_model_output o = eval_ok(&p, &in);
  assert_in_range_d(o.tvd_mm_mm2, 20.5, 22);
  assert_in_range_d(o.ppv_pct, 91.2, 100);
  assert_in_range_d(o.mfi, 2.66, 3.0);
  assert_near(o.do2i_upper_mlmin_m2, 3.0 * 10 * 1.34 * 14 * 0.98, 1e-9);
  long n = 0;
  const double maps[] = {0, 30, 65, 90, 150}, cis[] = {0, 0.5, 1.5, 2.5, 4, 8};
  const double hbs[] = {1, 6, 10, 16}, tones[] = {0.5, 1, 2, 5};
  const double dys[] = {0, 0.3, 0.9};
  for (size_t a = 0; a < 5; a++)
    for (size_t b = 0; b < 6; b++)
      for (size_t c = 0; c < 4; c++)
        for (size_t d = 0; d < 4; d++)
          for (size_t e = 0; e < 3; e++)
            for (size_t f = 0; f < 3; f++) {
              hs_micro_model_params q = p;
              q.obstructed = dys[e];
              q.vasoconstriction = dys[f];
              q.oedema = 2 * dys[e];
              q.tone_exponent = dys[f] * 3;
              hs_micro_model_input x = {maps[a], 5, cis[b], hbs[c], 90, tones[d]};
              o = eval_ok(&q, &x);
              assert_in_range_d(o.ppv_pct, 0, 100);
              assert_true(o.pvd_mm_mm2 <= o.tvd_mm_mm2 + 1e-12);
              assert_true(o.pvd_mm_mm2 >= 0 && o.tvd_mm_mm2 > 0);
              assert_in_range_d(o.mfi, 0, 3);
              double sum = 0;
              for (int k = 0; k < 4; k++) assert_in_range_d(o.frac[k], 0, 1), sum += o.frac[k];
              assert_near(sum, 1, 1e-12);
              assert_near(o.pvd_mm_mm2, o.tvd_mm_mm2 * o.ppv_pct / 100, 1e-12);
              n++;
            }
  assert_int_equal(n, 5 * 6 * 4 * 4 * 3 * 3);
  /* no flow: nothing perfused */
  in.ci_lpm_m2 = 0;
  o = eval_ok(&p, &in);
  assert_near(o.ppv_pct, 0, 0);
  assert_near(o.mfi, 1, 1e-12); /* all intermittent */
}

static void rejects(hs_micro_model_params p, hs_micro_model_input in, const char *field) {
  hs_micro_model_output o;
  hs_err err = {0};
  hs_status st = hs_micro_model_eval(&p, &in, &o, &err);
  if (st != HS_ERR_RANGE || !strstr(err.msg, field) || !strstr(err.msg, "outside ["))
    print_error("expected rejection of %s, got %d: %s\n", field, (int)st, err.msg);
  assert_int_equal(st, HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, field));
  assert_non_null(strstr(err.msg, "outside ["));
}

static void test_bad_parameters(void **state) {
  (void)state;
  hs_micro_model_params p, q;
  hs_micro_model_defaults(&p);
  hs_micro_model_input in = base_input(), x;
  q = p, q.tvd0_mm_mm2 = -1, rejects(q, in, "tvd0_mm_mm2");
  q = p, q.q50_lpm_m2 = NAN, rejects(q, in, "q50_lpm_m2");
  q = p, q.hill_n = 0, rejects(q, in, "hill_n");
  q = p, q.cont_ratio = 0.5, rejects(q, in, "cont_ratio");
  q = p, q.p50_mmhg = -5, rejects(q, in, "p50_mmhg");
  q = p, q.p_width_mmhg = INFINITY, rejects(q, in, "p_width_mmhg");
  q = p, q.hb_scale_gdl = 0, rejects(q, in, "hb_scale_gdl");
  q = p, q.obstructed = 1, rejects(q, in, "obstructed");
  q = p, q.vasoconstriction = -0.1, rejects(q, in, "vasoconstriction");
  q = p, q.tone_exponent = NAN, rejects(q, in, "tone_exponent");
  q = p, q.oedema = -0.5, rejects(q, in, "oedema");
  x = in, x.map_mmhg = NAN, rejects(p, x, "map_mmhg");
  x = in, x.cvp_mmhg = 500, rejects(p, x, "cvp_mmhg");
  x = in, x.ci_lpm_m2 = -1, rejects(p, x, "ci_lpm_m2");
  x = in, x.hb_gdl = 0, rejects(p, x, "hb_gdl");
  x = in, x.sao2_upper_pct = 101, rejects(p, x, "sao2_upper_pct");
  x = in, x.drug_tone = 0, rejects(p, x, "drug_tone");
  hs_err err = {0};
  assert_int_equal(hs_micro_model_eval(&p, &in, NULL, &err), HS_ERR_INVALID);
  assert_int_equal(hs_micro_model_eval(NULL, &in, &(hs_micro_model_output){0}, &err), HS_ERR_INVALID);
}

/* 2. Loss of haemodynamic coherence: with capillary dysfunction, norepinephrine
   0.1 -> 0.4 ug/kg/min raises MAP 62 -> 82 at unchanged flow (as on VA-ECMO,
   where the pump sets flow) and does not raise PVD; +0.5 L/min/m2 at unchanged
   tone does. */
static void test_coherence(void **state) {
  (void)state;
  hs_micro_model_params p;
  hs_micro_model_defaults(&p);
  p.obstructed = 0.1, p.vasoconstriction = 0.2, p.oedema = 0.1;
  double d[HS_DRUG_COUNT] = {0};
  hs_drug_effect e;
  d[HS_DRUG_NOREPINEPHRINE] = 0.1;
  hs_drug_effect_of(d, &e);
  hs_micro_model_input in = {62, 10, 2.2, 9, 96, e.resistance};
  hs_micro_model_output o0 = eval_ok(&p, &in);
  d[HS_DRUG_NOREPINEPHRINE] = 0.4;
  hs_drug_effect_of(d, &e);
  hs_micro_model_input vp = in;
  vp.map_mmhg = 82, vp.drug_tone = e.resistance;
  hs_micro_model_output o1 = eval_ok(&p, &vp);
  assert_true(o1.pvd_mm_mm2 <= o0.pvd_mm_mm2);
  assert_true(o1.mfi <= o0.mfi);
  hs_micro_model_input fl = in;
  fl.ci_lpm_m2 += 0.5;
  hs_micro_model_output o2 = eval_ok(&p, &fl);
  assert_true(o2.pvd_mm_mm2 >= o0.pvd_mm_mm2 + 1.0);
  /* below the pressure floor, pressure does matter */
  hs_micro_model_input lo = in;
  lo.map_mmhg = 35;
  assert_true(eval_ok(&p, &lo).pvd_mm_mm2 < o0.pvd_mm_mm2 - 1.0);
}

/* 3. Wei et al. 2021: raising pump flow raised PVD in 100 % of events with
   baseline PVD < 15 mm/mm2 and 42.9 % of the others.  Virtual cohort of 200
   (fixed seed); flow +0.5 L/min/m2 (~ +1 L/min); response = PVD + 0.8 mm/mm2 or
   more.  Accepted: >= 95 % below 15, 30-60 % at or above. */
static void test_wei2021_cohort(void **state) {
  (void)state;
  uint64_t seed = 12345;
  int nlow = 0, rlow = 0, nhigh = 0, rhigh = 0;
  for (int i = 0; i < 200; i++) {
    hs_micro_model_params c;
    hs_micro_model_defaults(&c);
    c.obstructed = 0.08 * rnd(&seed);
    c.oedema = 0.15 * rnd(&seed);
    c.vasoconstriction = 0.1 * rnd(&seed);
    c.q50_lpm_m2 = 0.9 + 0.9 * rnd(&seed);
    hs_micro_model_input x;
    x.map_mmhg = 60 + 20 * rnd(&seed);
    x.cvp_mmhg = 6 + 8 * rnd(&seed);
    x.ci_lpm_m2 = 1.8 + 1.4 * rnd(&seed);
    x.hb_gdl = 8 + 4 * rnd(&seed);
    x.sao2_upper_pct = 97;
    x.drug_tone = 1 + 0.8 * rnd(&seed);
    double a = eval_ok(&c, &x).pvd_mm_mm2;
    x.ci_lpm_m2 += 0.5;
    int resp = eval_ok(&c, &x).pvd_mm_mm2 - a >= 0.8;
    if (a < 15)
      nlow++, rlow += resp;
    else
      nhigh++, rhigh += resp;
  }
  print_message("Wei 2021 cohort: PVD<15 %d/%d responders, PVD>=15 %d/%d\n", rlow, nlow, rhigh, nhigh);
  assert_true(nlow >= 20 && nhigh >= 20);
  assert_in_range_d((double)rlow / nlow, 0.95, 1.0);
  assert_in_range_d((double)rhigh / nhigh, 0.30, 0.60);
}

/* 4. Kara et al. 2016: PVD at VA-ECMO initiation 19.21 (survivors) vs 13.78
   mm/mm2 (non-survivors); same macro haemodynamics, different microcirculation. */
static void test_kara2016(void **state) {
  (void)state;
  hs_micro_model_params s, n;
  hs_micro_model_defaults(&s);
  s.obstructed = 0.03;
  hs_micro_model_input si = {70, 8, 2.6, 11, 98, 1.2};
  double pvd_s = eval_ok(&s, &si).pvd_mm_mm2;
  hs_micro_model_defaults(&n);
  n.obstructed = 0.08, n.oedema = 0.08, n.q50_lpm_m2 = 1.5, n.vasoconstriction = 0.1;
  hs_micro_model_input ni = {65, 12, 2.8, 10, 98, 1.4};
  double pvd_n = eval_ok(&n, &ni).pvd_mm_mm2;
  print_message("Kara 2016: survivor-like PVD %.2f, non-survivor-like %.2f\n", pvd_s, pvd_n);
  assert_near(pvd_s, 19.21, 1.5);
  assert_near(pvd_n, 13.78, 1.5);
  /* the Yeh 2018 cut-off separates them */
  assert_true(pvd_s > 16.2 && pvd_n < 16.2);
}

/* Filling the input from a run: names resolve, values match the summary. */
static void test_from_sim(void **state) {
  (void)state;
  hs_err err = {0};
  hs_model *m = NULL;
  char file[512];
  snprintf(file, sizeof file, "%s/examples/patients/acute_mi_shock.yaml", HS_SOURCE_DIR);
  assert_int_equal(hs_patient_load_file(file, &m, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  assert_int_equal(hs_sim_set(s, "drugs.norepinephrine", 0.2, &err), HS_OK);
  assert_int_equal(hs_sim_run(s, 20, &err), HS_OK);
  hs_micro_model_input in;
  hs_status st = hs_micro_model_input_from_sim(s, 4, &in, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  double mm[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_summary(s, 4, mm, &err), HS_OK);
  assert_near(in.map_mmhg, mm[HS_M_MAP], 1e-9);
  assert_near(in.cvp_mmhg, mm[HS_M_CVP], 1e-9);
  assert_near(in.ci_lpm_m2, mm[HS_M_CI], 1e-9);
  assert_near(in.sao2_upper_pct, mm[HS_M_SAO2U], 1e-9);
  assert_near(in.drug_tone, 1 + 1.5 * 0.2 / (0.3 + 0.2), 1e-9); /* docs/drugs.md table */
  assert_in_range_d(in.hb_gdl, 5, 20);
  /* the same from a summary the caller has (the browser's tiles) */
  double all[512];
  assert_true(hs_sim_metric_count(s) <= 512);
  assert_int_equal(hs_sim_summary_all(s, 4, all, &err), HS_OK);
  hs_micro_model_input in3;
  assert_int_equal(hs_micro_model_input_from_summary(s, all, &in3, &err), HS_OK);
  assert_memory_equal(&in3, &in, sizeof in);
  /* a dose given outside the drugs block (the MAP controller's) adds to that block's */
  hs_micro_model_input in2 = in;
  double extra[HS_DRUG_COUNT] = {0};
  extra[HS_DRUG_NOREPINEPHRINE] = 0.3;
  assert_int_equal(hs_micro_model_tone_from_sim(s, extra, &in2, &err), HS_OK);
  assert_near(in2.drug_tone, 1 + 1.5 * 0.5 / (0.3 + 0.5), 1e-9);
  assert_near(in2.hb_gdl, in.hb_gdl, 0);
  assert_near(in2.map_mmhg, in.map_mmhg, 0); /* untouched */
  hs_micro_model_params p;
  hs_micro_model_defaults(&p);
  hs_micro_model_output o = eval_ok(&p, &in);
  assert_in_range_d(o.pvd_mm_mm2, 0, o.tvd_mm_mm2);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  /* the MAP controller's drug counts too: the ECMO patient's MAP held down to its band
     by the controller's nitroprusside, the drugs block empty */
  m = hs_test_load("examples/patients/acute_mi_shock_ecmo.yaml");
  assert_int_equal(hs_model_set_text(m, "map_control.enabled", "true", &err), HS_OK);
  s = hs_test_sim(m, &pl);
  hs_steady_info info;
  hs_sim_run_to_steady(s, &info, NULL);
  double ntp = hs_test_metric(s, "nitroprusside_equiv_ugkgmin", 4);
  double ne = hs_test_metric(s, "norepinephrine_equiv_ugkgmin", 4);
  assert_true(ntp > 0 || ne > 0);
  assert_int_equal(hs_micro_model_input_from_sim(s, 4, &in, &err), HS_OK);
  double doses[HS_DRUG_COUNT] = {0};
  doses[HS_DRUG_NITROPRUSSIDE] = ntp > 0 ? ntp : 0;
  doses[HS_DRUG_NOREPINEPHRINE] = ne > 0 ? ne : 0;
  hs_drug_effect e;
  hs_drug_effect_of(doses, &e);
  assert_near(in.drug_tone, e.resistance, 1e-9);
  assert_true(fabs(in.drug_tone - 1) > 0.01);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* The fit inverts the model: predict a measurement from known dysfunction on a grid of
   macro states, fit, recover the dysfunction (to the 4 significant digits the fit keeps)
   and the measurement. */
static void test_fit_round_trip(void **state) {
  (void)state;
  uint64_t seed = 0x5eedf17ull;
  int nv = 0; /* cases where PPV determines vasoconstriction */
  for (int i = 0; i < 300; i++) {
    hs_micro_model_params truth;
    hs_micro_model_defaults(&truth);
    truth.obstructed = 0.15 * rnd(&seed);
    truth.oedema = 0.02 + 0.3 * rnd(&seed);
    truth.vasoconstriction = 0.02 + 0.4 * rnd(&seed);
    hs_micro_model_input in = {.map_mmhg = 55 + 40 * rnd(&seed), .cvp_mmhg = 4 + 10 * rnd(&seed),
                               .ci_lpm_m2 = 1.6 + 2 * rnd(&seed), .hb_gdl = 7 + 6 * rnd(&seed),
                               .sao2_upper_pct = 97, .drug_tone = 1 + rnd(&seed)};
    hs_micro_model_output o = eval_ok(&truth, &in);
    hs_micro_measured meas = {.tvd_mm_mm2 = o.tvd_mm_mm2, .ppv_pct = o.ppv_pct,
                              .no_flow_pct = 100 * o.frac[HS_FLOW_NONE], .pvd_mm_mm2 = NAN};
    hs_micro_model_params start;
    hs_micro_model_vaecmo_defaults(&start);
    hs_micro_fit f;
    hs_err err = {0};
    hs_status st = hs_micro_model_fit(&start, &in, &meas, &f, &err);
    if (st) print_error("%s\n", err.msg);
    assert_int_equal(st, HS_OK);
    for (int k = 0; k < HS_MFIT_COUNT; k++) assert_int_equal(f.bound[k], 0);
    assert_near(f.p.obstructed, truth.obstructed, 6e-4 * truth.obstructed + 1e-12); /* 4 digits */
    assert_near(f.p.oedema, truth.oedema, 1e-3 * truth.oedema);
    /* PPV carries vasoconstriction only where capillary recruitment still depends on flow */
    assert_near(f.pred.tvd_mm_mm2, meas.tvd_mm_mm2, 0.01);
    assert_near(f.pred.ppv_pct, meas.ppv_pct, 0.05);
    assert_near(100 * f.pred.frac[HS_FLOW_NONE], meas.no_flow_pct, 0.01);
    if (o.ppv_pct < 0.9 * 100 * (1 - truth.obstructed)) {
      assert_near(f.p.vasoconstriction, truth.vasoconstriction, 0.002);
      nv++;
    }
    /* the other parameters are the start's */
    assert_near(f.p.q50_lpm_m2, start.q50_lpm_m2, 0);
    assert_near(f.p.tvd0_mm_mm2, start.tvd0_mm_mm2, 0);
  }
  assert_true(nv >= 100);
}

/* Values the model cannot reach are held at a limit and explained, never silently. */
static void test_fit_limits(void **state) {
  (void)state;
  hs_micro_model_params p;
  hs_micro_model_defaults(&p);
  hs_micro_model_input in = base_input();
  hs_micro_fit f;
  hs_err err = {0};
  /* denser and better perfused than the model allows at Hb 10 and CI 2.5 */
  hs_micro_measured m = {.tvd_mm_mm2 = 30, .ppv_pct = 99.5, .no_flow_pct = 0};
  assert_int_equal(hs_micro_model_fit(&p, &in, &m, &f, &err), HS_OK);
  assert_int_equal(f.bound[HS_MFIT_OEDEMA], -1);
  assert_near(f.p.oedema, 0, 0);
  assert_non_null(strstr(f.note[HS_MFIT_OEDEMA], "above the model's density"));
  assert_int_equal(f.bound[HS_MFIT_VASOCONSTRICTION], -1);
  assert_near(f.p.vasoconstriction, 0, 0);
  assert_non_null(strstr(f.note[HS_MFIT_VASOCONSTRICTION], "without vasoconstriction"));
  assert_true(f.pred.tvd_mm_mm2 < 30 && f.pred.ppv_pct < 99.5);
  assert_int_equal(f.bound[HS_MFIT_OBSTRUCTED], 0);
  assert_string_equal(f.note[HS_MFIT_OBSTRUCTED], "");
  /* nothing perfused */
  m = (hs_micro_measured){.tvd_mm_mm2 = 12, .ppv_pct = 0, .no_flow_pct = 40};
  assert_int_equal(hs_micro_model_fit(&p, &in, &m, &f, &err), HS_OK);
  assert_int_equal(f.bound[HS_MFIT_VASOCONSTRICTION], 1);
  assert_near(f.p.vasoconstriction, 0.99, 0);
  assert_near(f.p.obstructed, 0.4, 1e-12);
  /* bad measurements name the field */
  m = (hs_micro_measured){.tvd_mm_mm2 = NAN, .ppv_pct = 80, .no_flow_pct = 5};
  assert_int_equal(hs_micro_model_fit(&p, &in, &m, &f, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "TVD"));
  assert_non_null(strstr(err.msg, "missing"));
  m = (hs_micro_measured){.tvd_mm_mm2 = 15, .ppv_pct = 80, .no_flow_pct = 30};
  assert_int_equal(hs_micro_model_fit(&p, &in, &m, &f, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "exceed 100"));
  m = (hs_micro_measured){.tvd_mm_mm2 = 15, .ppv_pct = 120, .no_flow_pct = 0};
  assert_int_equal(hs_micro_model_fit(&p, &in, &m, &f, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "PPV"));
}

/* The patient's block reaches the model: the shipped shock patient's, a --set on top,
   and the healthy default. */
static void test_params_from_patient(void **state) {
  (void)state;
  hs_err err = {0};
  hs_model *m = hs_test_load("examples/patients/acute_mi_shock_ecmo.yaml");
  hs_micro_model_params p, v;
  hs_micro_model_vaecmo_defaults(&v);
  assert_int_equal(hs_micro_model_params_from_model(m, &p, &err), HS_OK);
  assert_near(p.obstructed, v.obstructed, 0);
  assert_near(p.oedema, v.oedema, 0);
  assert_near(p.vasoconstriction, v.vasoconstriction, 0);
  assert_int_equal(hs_model_set_text(m, "microcirculation.obstructed", "12 %", &err), HS_OK);
  hs_plan *pl = NULL;
  hs_sim *s = hs_test_sim(m, &pl);
  assert_int_equal(hs_micro_model_params_from_sim(s, &p, &err), HS_OK);
  assert_near(p.obstructed, 0.12, 1e-12);
  assert_near(p.q50_lpm_m2, v.q50_lpm_m2, 0);
  /* and back into a model: the three fields, nothing else */
  hs_micro_model_params w = v;
  w.obstructed = 0.2, w.oedema = 0.3, w.vasoconstriction = 0.4;
  assert_int_equal(hs_micro_model_params_to_model(m, &w, &err), HS_OK);
  hs_micro_model_params back;
  assert_int_equal(hs_micro_model_params_from_model(m, &back, &err), HS_OK);
  assert_near(back.obstructed, 0.2, 0);
  assert_near(back.oedema, 0.3, 0);
  assert_near(back.vasoconstriction, 0.4, 0);
  w.obstructed = 1.5; /* out of the block's range: refused, named */
  assert_int_equal(hs_micro_model_params_to_model(m, &w, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "obstructed"));
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  m = hs_test_load("examples/patients/healthy_adult.yaml");
  assert_int_equal(hs_micro_model_params_from_model(m, &p, &err), HS_OK);
  assert_near(p.obstructed + p.oedema + p.vasoconstriction, 0, 0);
  hs_model_free(m);
}

/* A patient fitted to the shipped T1 measurement: the measurement's ECMO flow and
   doses are set, the fitted model reproduces its small-vessel TVD, PPV, no-flow share,
   and the measured PSVD within the difference between the mean of site products and
   the product of means. */
static void test_fit_patient(void **state) {
  (void)state;
  hs_err err = {0};
  char file[512];
  snprintf(file, sizeof file, "%s/examples/micro/va_ecmo_t1.yaml", HS_SOURCE_DIR);
  hs_micro_input *mi = NULL;
  assert_int_equal(hs_micro_load_file(file, &mi, &err), HS_OK);
  hs_micro_result *r = calloc(1, sizeof *r);
  assert_non_null(r);
  assert_int_equal(hs_micro_analyze(mi, NULL, r, &err), HS_OK);
  hs_model *m = hs_test_load("examples/patients/acute_mi_shock_ecmo.yaml");
  hs_micro_patient_fit f;
  hs_status st = hs_micro_fit_patient(m, mi, r, &f, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_true(f.steady);
  assert_near(f.ecmo_flow_lpm, 3.4, 1e-12);
  assert_int_equal(f.time_point, 1);
  assert_near(f.hours_since_ecmo, 9.5, 0);
  assert_true(f.doses_set);
  assert_near(f.doses[HS_DRUG_NOREPINEPHRINE], 0.12, 1e-12);
  assert_true(f.in.drug_tone > 1.1); /* the measurement's norepinephrine */
  assert_near(f.fit.pred.tvd_mm_mm2, r->mean[HS_MICRO_SMALL].tvd_mm_mm2, 0.01);
  assert_near(f.fit.pred.ppv_pct, r->ppsv_pct, 0.05);
  assert_near(100 * f.fit.pred.frac[HS_FLOW_NONE], r->mean[HS_MICRO_SMALL].no_flow_pct, 0.01);
  assert_near(f.fit.pred.pvd_mm_mm2, r->psvd_mm_mm2, 0.2);
  /* the measured PSVD (12.8) is below the shipped patient's prediction (17.4) */
  assert_true(f.pred_before.pvd_mm_mm2 > r->psvd_mm_mm2 + 3);
  assert_true(f.fit.p.obstructed > f.before.obstructed && f.fit.p.oedema > f.before.oedema);
  /* the patient file written with it predicts the same at the same settings */
  char *out = hs_test_write_temp("fitted.yaml", "");
  char pfile[512];
  snprintf(pfile, sizeof pfile, "%s/examples/patients/acute_mi_shock_ecmo.yaml", HS_SOURCE_DIR);
  assert_int_equal(hs_micro_fit_write_patient(pfile, "MI", file, &f, out, &err), HS_OK);
  hs_model *m2 = NULL;
  st = hs_patient_load_file(out, &m2, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  hs_micro_model_params p2;
  assert_int_equal(hs_micro_model_params_from_model(m2, &p2, &err), HS_OK);
  assert_near(p2.obstructed, f.fit.p.obstructed, 0);
  assert_near(p2.oedema, f.fit.p.oedema, 0);
  assert_near(p2.vasoconstriction, f.fit.p.vasoconstriction, 0);
  hs_micro_patient_fit f2;
  assert_int_equal(hs_micro_fit_patient(m2, mi, r, &f2, &err), HS_OK);
  assert_near(f2.pred_before.pvd_mm_mm2, f.fit.pred.pvd_mm_mm2, 1e-6);
  /* a measurement on ECMO needs a patient with ECMO */
  hs_model *noecmo = hs_test_load("examples/patients/acute_mi_shock.yaml");
  assert_int_equal(hs_micro_fit_patient(noecmo, mi, r, &f2, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "no VA-ECMO device named 'ecmo'"));
  hs_model_free(noecmo);
  hs_model_free(m2);
  hs_model_free(m);
  remove(out);
  free(out);
  free(r);
  hs_micro_input_free(mi);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invariants),     cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test(test_coherence),      cmocka_unit_test(test_wei2021_cohort),
      cmocka_unit_test(test_kara2016),       cmocka_unit_test(test_from_sim),
      cmocka_unit_test(test_fit_round_trip), cmocka_unit_test(test_fit_limits),
      cmocka_unit_test(test_params_from_patient), cmocka_unit_test(test_fit_patient),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
