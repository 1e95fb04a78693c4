/*
 * test_coronary.c - metabolic coronary autoregulation (src/physio/coronary.c,
 * docs/model.md 2.20): the healthy heart extracts 0.70 of its O2 at rest, its coronary
 * flow holds over the autoregulatory range of pressure and rises with anaemia, the bed
 * runs out of reserve at a low pressure, the tone relaxes with its time constant in a
 * timed run and travels with the warm-start state; the left coronary bed is a waterfall
 * into a share of the LV pressure (little inflow during ejection, LV diastolic pressure
 * a back pressure).  The tests compare the regulated bed
 * with the same patient's pressure-passive one where the regulation should act (the
 * resting calibration is the one state where the two agree by design).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

static hs_model *load(const char *file) {
  char rel[256];
  snprintf(rel, sizeof rel, "examples/patients/%s", file);
  return hs_test_load(rel);
}

typedef hs_test_run run;

static double metric(const run *r, const char *name) {
  return hs_test_metric_finite(r->s, name, 3);
}

typedef struct cor {
  double flow, er, tone, map, cvp, lvedp;
} cor;

/* The healthy adult at steady state with the given changes (NULL-terminated path/value
   pairs). */
static cor healthy(const char *const *sets) {
  hs_model *m = load("healthy_adult.yaml");
  for (int k = 0; sets && sets[k]; k += 2) hs_test_set(m, sets[k], sets[k + 1]);
  run r = hs_test_run_start(m);
  hs_test_steady(r.s);
  cor c = {metric(&r, "coronary_flow_mlmin"), metric(&r, "heart_o2_extraction"),
           metric(&r, "coronary_tone"), metric(&r, "map_mmhg"), metric(&r, "cvp_mmhg"),
           metric(&r, "lvedp_mmhg")};
  print_message("MAP %.1f mmHg: coronary flow %.1f mL/min, extraction %.3f, tone %.3f\n", c.map,
                c.flow, c.er, c.tone);
  hs_test_run_done(&r);
  return c;
}

/* At rest the healthy heart extracts the target 0.70 with its bed near its resting tone:
   the calibration of docs/model.md 4.6 (flow 27 / (0.70 x CaO2), ~3.7 % of output). */
static void test_rest_calibration(void **state) {
  (void)state;
  cor c = healthy(NULL);
  assert_true(fabs(c.er - 0.70) < 0.005);
  assert_true(fabs(c.tone - 1.0) < 0.03);
  assert_true(c.flow > 190 && c.flow < 225);
  static const char *const off[] = {"coronary.autoregulation", "false", NULL};
  cor p = healthy(off); /* pressure-passive at the resting resistance: the same state */
  assert_true(fabs(p.flow - c.flow) < 0.03 * c.flow);
}

/* Moving MAP 98 -> ~65 and -> ~150 mmHg with the systemic beds (the drugs' factor
   skips the coronary bed) leaves the coronary flow where it was at a constant demand (the
   myocardium's demand model off: the heart's work held, as in Mosher's isolated
   perfusion); with the regulation off the same pressures move it by more than a
   quarter. */
#define FIXED_DEMAND "myocardium.demand_model", "false"
static void test_pressure_plateau(void **state) {
  (void)state;
  static const char *const fixed[] = {FIXED_DEMAND, NULL};
  static const char *const low[] = {"upper_bed.resistance", "4.5", "lower_bed.resistance", "2.1",
                                    "abdominal_bed.resistance", "1.05", FIXED_DEMAND, NULL};
  static const char *const high[] = {"drugs.norepinephrine", "0.3 ug/kg/min", FIXED_DEMAND, NULL};
  static const char *const low_off[] = {"upper_bed.resistance", "4.5", "lower_bed.resistance",
                                        "2.1", "abdominal_bed.resistance", "1.05",
                                        "coronary.autoregulation", "false", FIXED_DEMAND, NULL};
  static const char *const high_off[] = {"drugs.norepinephrine", "0.3 ug/kg/min",
                                         "coronary.autoregulation", "false", FIXED_DEMAND, NULL};
  cor base = healthy(fixed), lo = healthy(low), hi = healthy(high);
  cor lo_off = healthy(low_off), hi_off = healthy(high_off);
  assert_true(lo.map < 75 && hi.map > 140);
  assert_true(fabs(lo.flow / base.flow - 1) < 0.02);
  assert_true(fabs(hi.flow / base.flow - 1) < 0.02);
  assert_true(lo.tone < 0.85 && hi.tone > 1.3); /* dilated, constricted */
  assert_true(lo_off.flow < 0.75 * base.flow);
  assert_true(hi_off.flow > 1.3 * base.flow);
}

/* Anaemia: the heart keeps its extraction by flow (coronary flow rises about as the
   arterial O2 content falls, Hb 15 -> 8 g/dL); pressure-passive, the extraction rises. */
static void test_anaemia_raises_flow(void **state) {
  (void)state;
  static const char *const anaemia[] = {"oxygen.hemoglobin", "8 g/dL", NULL};
  static const char *const anaemia_off[] = {"oxygen.hemoglobin", "8 g/dL",
                                            "coronary.autoregulation", "false", NULL};
  cor base = healthy(NULL), a = healthy(anaemia), p = healthy(anaemia_off);
  assert_true(fabs(a.er - 0.70) < 0.01);
  assert_true(a.flow > 1.6 * base.flow); /* CaO2 ~ x0.55 */
  assert_true(p.er > 1.0);               /* demand beyond delivery without regulation */
}

/* The reserve: at a very low pressure the bed is fully dilated (tone = min_factor) and
   the extraction climbs above its target; a smaller reserve reaches that sooner (at the
   resting demand: the failing heart's own would be lower). */
static void test_reserve_exhausted(void **state) {
  (void)state;
  static const char *const shock[] = {"upper_bed.resistance", "1.5", "lower_bed.resistance", "1",
                                      "abdominal_bed.resistance", "0.5", "lv.ees", "0.8",
                                      FIXED_DEMAND, NULL};
  cor c = healthy(shock);
  static const char *const shock_r[] = {"upper_bed.resistance", "1.5", "lower_bed.resistance", "1",
                                        "abdominal_bed.resistance", "0.5", "lv.ees", "0.8",
                                        "coronary.min_factor", "0.6", FIXED_DEMAND, NULL};
  cor d = healthy(shock_r);
  assert_true(fabs(d.tone - 0.6) < 1e-9);
  assert_true(d.er > 0.78);
  /* with the default reserve (0.2) the bed is near full dilation here (MAP ~30 mmHg) */
  assert_true(c.tone < 0.25);
  assert_true(c.tone < d.tone && c.er < d.er);
}

/* In a timed run the tone relaxes with coronary.time_constant: a step of the systemic
   resistances moves the coronary flow at once and it comes back over tens of seconds
   (Mosher 1964: 10-30 s), faster with a shorter time constant. */
static double flow_after_step(const char *tau, double seconds, double *before) {
  hs_model *m = load("healthy_adult.yaml");
  hs_test_set(m, "coronary.time_constant", tau);
  hs_test_set(m, "myocardium.demand_model", "false"); /* the heart's work held (plateau) */
  run r = hs_test_run_start(m);
  hs_test_steady(r.s);
  *before = metric(&r, "coronary_flow_mlmin");
  hs_err err;
  assert_int_equal(hs_sim_set(r.s, "upper_bed.resistance", 4.5, &err), HS_OK);
  assert_int_equal(hs_sim_set(r.s, "lower_bed.resistance", 2.1, &err), HS_OK);
  assert_int_equal(hs_sim_set(r.s, "abdominal_bed.resistance", 1.05, &err), HS_OK);
  assert_int_equal(hs_sim_run(r.s, seconds, &err), HS_OK);
  double q = metric(&r, "coronary_flow_mlmin");
  hs_test_run_done(&r);
  return q;
}

static void test_time_course(void **state) {
  (void)state;
  double q0, q0b, q0c;
  double early = flow_after_step("10 s", 8, &q0);
  double late = flow_after_step("10 s", 90, &q0b);
  double fast = flow_after_step("2 s", 8, &q0c);
  print_message("coronary flow %.1f -> %.1f after 8 s (tau 10 s), %.1f after 8 s (tau 2 s), "
                "%.1f after 90 s\n",
                q0, early, fast, late);
  assert_true(early < 0.85 * q0);              /* the pressure fall shows first */
  assert_true(fabs(late / q0b - 1.0) < 0.02);   /* then the tone restores the flow */
  assert_true(fast > early + 0.5 * (q0 - early)); /* a shorter time constant, sooner */
}

/* The tone is part of the warm-start state: a fresh simulation given the state of a
   dilated one starts dilated. */
static void test_warm_start_keeps_tone(void **state) {
  (void)state;
  hs_model *m = load("healthy_adult.yaml");
  hs_test_set(m, "upper_bed.resistance", "4.5");
  hs_test_set(m, "lower_bed.resistance", "2.1");
  hs_test_set(m, "abdominal_bed.resistance", "1.05");
  run a = hs_test_run_start(m);
  hs_test_steady(a.s);
  double tone = metric(&a, "coronary_tone");
  assert_true(tone < 0.85);
  hs_err err;
  hs_sim *b = hs_test_warm_start(a.s, a.pl);
  assert_int_equal(hs_sim_run_beats(b, 1, &err), HS_OK);
  double tb = hs_test_metric_finite(b, "coronary_tone", 1);
  assert_int_equal(hs_sim_run_beats(b, 2, &err), HS_OK); /* flows of its own beats */
  double qa = metric(&a, "coronary_flow_mlmin");
  double qb = hs_test_metric_finite(b, "coronary_flow_mlmin", 1);
  print_message("tone %.4f, after a warm start %.4f; coronary flow %.1f / %.1f mL/min\n", tone,
                tb, qa, qb);
  assert_true(fabs(tb - tone) < 0.01);
  assert_true(fabs(qb / qa - 1) < 0.01); /* the rows took the tone: the same flow */
  hs_sim_free(b);
  hs_test_run_done(&a);
}

/* Run-time changes act at once: regulation off puts the tone back to 1, a raised lower
   bound clamps it; a reset starts from 1; and the steady state the search returns is the
   periodic state of its tone (one more beat does not move it). */
static void test_runtime_changes(void **state) {
  (void)state;
  hs_model *m = load("healthy_adult.yaml");
  hs_test_set(m, "upper_bed.resistance", "4.5");
  hs_test_set(m, "lower_bed.resistance", "2.1");
  hs_test_set(m, "abdominal_bed.resistance", "1.05");
  run r = hs_test_run_start(m);
  hs_test_steady(r.s);
  double tone = hs_test_metric(r.s, "coronary_tone", 1), q = metric(&r, "coronary_flow_mlmin");
  hs_err err;
  assert_int_equal(hs_sim_run_beats(r.s, 1, &err), HS_OK);
  assert_true(fabs(hs_test_metric(r.s, "coronary_tone", 1) / tone - 1) < 1e-5);
  assert_true(tone < 0.85);
  assert_int_equal(hs_sim_set(r.s, "coronary.min_factor", 0.9, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(r.s, 1, &err), HS_OK);
  assert_true(fabs(hs_test_metric(r.s, "coronary_tone", 1) - 0.9) < 1e-12);
  assert_int_equal(hs_sim_set(r.s, "coronary.autoregulation", 0, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(r.s, 3, &err), HS_OK);
  assert_true(hs_test_metric(r.s, "coronary_tone", 1) == 1.0);
  assert_true(hs_test_metric(r.s, "coronary_flow_mlmin", 1) < 0.85 * q); /* pressure-passive */
  assert_int_equal(hs_sim_set(r.s, "coronary.autoregulation", 1, &err), HS_OK);
  assert_int_equal(hs_sim_set(r.s, "coronary.min_factor", 0.2, &err), HS_OK);
  assert_int_equal(hs_sim_run(r.s, 60, &err), HS_OK);
  assert_true(fabs(hs_test_metric(r.s, "coronary_tone", 1) - tone) < 0.01); /* back */
  assert_int_equal(hs_sim_reset(r.s, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(r.s, 1, &err), HS_OK);
  assert_true(hs_test_metric(r.s, "coronary_tone", 1) == 1.0); /* no step on a first beat */
  hs_test_run_done(&r);
}

/* In an arrest without support the coronary flow stops: the extraction is undefined
   (null), not the ratio of a demand to a delivery of ~0, and the bed is fully dilated. */
static void test_arrest_extraction_undefined(void **state) {
  (void)state;
  run r = hs_test_run_start(load("cardiac_arrest_vf.yaml"));
  hs_err err;
  assert_int_equal(hs_sim_run(r.s, 20, &err), HS_OK);
  double er = hs_test_metric(r.s, "heart_o2_extraction", 2);
  double q = hs_test_metric(r.s, "coronary_flow_mlmin", 2);
  double tone = hs_test_metric(r.s, "coronary_tone", 2);
  print_message("arrest: coronary flow %.3g mL/min, extraction %g, tone %.3f\n", q, er, tone);
  assert_true(q < 2.0);
  assert_true(isnan(er));
  assert_true(fabs(tone - 0.2) < 1e-9);
  hs_test_run_done(&r);
}

/* One beat of the healthy adult sampled every 0.5 ms: the coronary bed's flow against
   the waterfall law Q = max(0, Pa - smax(Pm, k P_LV)) / (R f) (f the bed's tone: 1 with
   the regulation off; regulated, at Hb 8 g/dL, ~0.52), and its share taken while the
   aortic valve is open (ejection, 31 % of the beat). */
typedef struct phasic {
  double ejection_share; /* of the bed's inflow over the beat */
  double max_law_error;  /* mL/s */
  double min_flow;       /* mL/s */
} phasic;

static phasic beat_of(double k, int regulated) {
  hs_model *m = load("healthy_adult.yaml");
  char kv[32];
  snprintf(kv, sizeof kv, "%g", k);
  hs_test_set(m, "coronary_bed.intramyocardial_waterfall", kv);
  if (!regulated) hs_test_set(m, "coronary.autoregulation", "false");
  else hs_test_set(m, "oxygen.hemoglobin", "8 g/dL"); /* a tone far from 1 (~0.52) */
  run r = hs_test_run_start(m);
  hs_test_steady(r.s);
  const double tone = regulated ? metric(&r, "coronary_tone") : 1.0; /* settled: fixed */
  int bed = hs_plan_edge_find(r.pl, "coronary_bed"), av = hs_plan_edge_find(r.pl, "aortic_valve");
  int a = hs_plan_node_find(r.pl, "coronary_arteries");
  int mv = hs_plan_node_find(r.pl, "coronary_microvessels"), lv = hs_plan_node_find(r.pl, "lv");
  assert_true(bed >= 0 && av >= 0 && a >= 0 && mv >= 0 && lv >= 0);
  hs_err err;
  const double dt = 5e-4, len = 60.0 / metric(&r, "hr_bpm");
  const int n = (int)(len / dt + 0.5);
  phasic ph = {0, 0, 1e9};
  double all = 0, ej = 0;
  for (int i = 0; i < n; i++) {
    assert_int_equal(hs_sim_run(r.s, dt, &err), HS_OK);
    double q = hs_sim_flow(r.s, (size_t)bed), pm = hs_sim_pressure(r.s, (size_t)mv);
    double pc = k * hs_sim_pressure(r.s, (size_t)lv);
    double pd = 0.5 * (pm + pc + sqrt((pm - pc) * (pm - pc) + 1.0)); /* smooth max */
    double law = fmax(0.0, hs_sim_pressure(r.s, (size_t)a) - pd) / (15.95 * tone);
    ph.max_law_error = fmax(ph.max_law_error, fabs(q - law));
    ph.min_flow = fmin(ph.min_flow, q);
    all += q;
    if (hs_sim_flow(r.s, (size_t)av) > 0) ej += q;
  }
  ph.ejection_share = ej / all;
  print_message("k %.2f%s: %.1f %% of the bed's inflow during ejection, law error %.2g mL/s "
                "(tone %.3f)\n", k, regulated ? " (regulated, Hb 8)" : "", 100 * ph.ejection_share,
                ph.max_law_error, tone);
  hs_test_run_done(&r);
  return ph;
}

/* The intramyocardial waterfall (docs/model.md 2.20): the contracting LV squeezes its bed,
   so little enters during ejection (the healthy adult's k 0.75: ~14 %; left coronary
   flow is 70-85 % diastolic at rest, Gregg 1950), none at k 1, where LV pressure exceeds
   the coronary pressure; the linear bed (k 0) takes its share of the beat.  The flow
   follows the law at every sample and never runs backwards; with the regulation on the
   law holds with the bed's tone applied once. */
static void test_waterfall_phasic(void **state) {
  (void)state;
  phasic w = beat_of(0.75, 0), off = beat_of(0.0, 0), full = beat_of(1.0, 0);
  phasic reg = beat_of(0.75, 1);
  assert_true(reg.max_law_error < 1e-4); /* the tone's last step: < 1e-5 of it */
  assert_true(reg.min_flow >= 0);
  assert_true(w.max_law_error < 1e-9);
  assert_true(full.max_law_error < 1e-9);
  assert_true(w.min_flow >= 0 && full.min_flow >= 0);
  assert_in_range_d(w.ejection_share, 0.08, 0.18);
  assert_true(off.ejection_share > 0.25);
  assert_true(full.ejection_share < 0.01);
}

/* LV diastolic pressure is a back pressure of the pressure-passive bed: a stiffer LV
   (LVEDP up) lowers the bed's conductance, flow / (MAP - CVP), with the waterfall; the
   linear bed keeps it. */
static double conductance(const cor *c) { return c->flow / (c->map - c->cvp); }

static void test_waterfall_back_pressure(void **state) {
  (void)state;
  static const char *const base[] = {"coronary.autoregulation", "false", FIXED_DEMAND, NULL};
  static const char *const stiff[] = {"coronary.autoregulation", "false", "lv.ed_a", "2.6",
                                      FIXED_DEMAND, NULL};
  static const char *const base0[] = {"coronary.autoregulation", "false",
                                      "coronary_bed.intramyocardial_waterfall", "0",
                                      FIXED_DEMAND, NULL};
  static const char *const stiff0[] = {"coronary.autoregulation", "false", "lv.ed_a", "2.6",
                                       "coronary_bed.intramyocardial_waterfall", "0",
                                       FIXED_DEMAND, NULL};
  cor b = healthy(base), s = healthy(stiff), b0 = healthy(base0), s0 = healthy(stiff0);
  double w = conductance(&s) / conductance(&b) - 1, lin = conductance(&s0) / conductance(&b0) - 1;
  print_message("LVEDP %.1f -> %.1f mmHg: bed conductance %+.1f %% with the waterfall, %+.1f %% "
                "without\n", b.lvedp, s.lvedp, 100 * w, 100 * lin);
  assert_true(s.lvedp > b.lvedp + 5);
  assert_true(w < -0.05);
  assert_true(fabs(lin) < 0.02);
}

/* Range errors name the field and the allowed range. */
static void test_range_errors(void **state) {
  (void)state;
  hs_model *m = load("healthy_adult.yaml");
  hs_err err;
  assert_int_not_equal(hs_model_set_text(m, "coronary.min_factor", "0", &err), HS_OK);
  assert_non_null(strstr(err.msg, "min_factor"));
  assert_int_not_equal(hs_model_set_text(m, "coronary.target_extraction", "1.2", &err), HS_OK);
  assert_non_null(strstr(err.msg, "target_extraction"));
  assert_int_not_equal(
      hs_model_set_text(m, "coronary_bed.intramyocardial_waterfall", "1.5", &err), HS_OK);
  assert_non_null(strstr(err.msg, "intramyocardial_waterfall"));
  /* a bed the brain module regulates drains into ICP: the waterfall is refused there, when
     compiled and at run time, not silently ignored */
  hs_test_set(m, "l_other_bed.intramyocardial_waterfall", "0.5");
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_null(pl);
  assert_non_null(strstr(err.msg, "edge 'l_other_bed': intramyocardial_waterfall (0.5) and "
                                  "autoregulation_flow exclude each other"));
  hs_test_set(m, "l_other_bed.intramyocardial_waterfall", "0");
  run r = hs_test_run_start(m);
  assert_int_not_equal(hs_sim_set(r.s, "l_other_bed.intramyocardial_waterfall", 0.5, &err), HS_OK);
  assert_non_null(strstr(err.msg, "l_other_bed.intramyocardial_waterfall: the bed is regulated"));
  assert_int_equal(hs_sim_set(r.s, "coronary_bed.intramyocardial_waterfall", 0.5, &err), HS_OK);
  hs_test_run_done(&r); /* frees the model too */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rest_calibration),   cmocka_unit_test(test_pressure_plateau),
      cmocka_unit_test(test_anaemia_raises_flow), cmocka_unit_test(test_reserve_exhausted),
      cmocka_unit_test(test_time_course),        cmocka_unit_test(test_warm_start_keeps_tone),
      cmocka_unit_test(test_runtime_changes),    cmocka_unit_test(test_arrest_extraction_undefined),
      cmocka_unit_test(test_waterfall_phasic), cmocka_unit_test(test_waterfall_back_pressure),
      cmocka_unit_test(test_range_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
