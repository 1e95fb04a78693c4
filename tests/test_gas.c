/*
 * test_gas.c - the slow states of issue 16 items 1-3 (docs/model.md 2.16-2.18):
 * extravascular lung water (Starling filtration, lymph, unloading), lactate
 * (production below the critical O2 extraction, clearance, splanchnic flow) and,
 * in the same file, CO2 and the acid-base.  Each test can fail: it compares two
 * states of the same patient, or a course with its analytic solution.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

static hs_model *load(const char *file) {
  char path[512];
  snprintf(path, sizeof path, "%s/examples/patients/%s", HS_SOURCE_DIR, file);
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err) != HS_OK) {
    print_error("%s\n", err.msg);
    fail();
  }
  return m;
}

static void set(hs_model *m, const char *path, const char *text) {
  hs_err err;
  if (hs_model_set_text(m, path, text, &err) != HS_OK) {
    print_error("%s = %s: %s\n", path, text, err.msg);
    fail();
  }
}

typedef struct run {
  hs_plan *pl;
  hs_sim *s;
} run;

static run start(hs_model *m) {
  hs_err err;
  run r;
  r.pl = hs_plan_compile(m, &err);
  if (!r.pl) print_error("%s\n", err.msg);
  assert_non_null(r.pl);
  r.s = hs_sim_new(r.pl, &err);
  if (!r.s) print_error("%s\n", err.msg);
  assert_non_null(r.s);
  return r;
}

static void steady(run *r) {
  hs_err err;
  hs_steady_info info;
  if (hs_sim_run_to_steady(r->s, &info, &err) != HS_OK) {
    print_error("%s\n", err.msg);
    fail();
  }
}

static void advance(run *r, double seconds) {
  hs_err err;
  if (hs_sim_run(r->s, seconds, &err) != HS_OK) {
    print_error("%s\n", err.msg);
    fail();
  }
}

static void change(run *r, const char *path, double v) {
  hs_err err;
  if (hs_sim_set(r->s, path, v, &err) != HS_OK) {
    print_error("%s: %s\n", path, err.msg);
    fail();
  }
}

/* Metric averaged over the last `window` beats. */
static double metric(const run *r, const char *name, int window) {
  size_t n = hs_sim_metric_count(r->s);
  double *all = malloc(n * sizeof *all);
  hs_err err;
  assert_int_equal(hs_sim_summary_all(r->s, window, all, &err), HS_OK);
  double v = NAN;
  for (size_t k = 0; k < n; k++) {
    char buf[128];
    if (!strcmp(hs_sim_metric_name(r->s, k, buf, sizeof buf), name)) v = all[k];
  }
  free(all);
  if (isnan(v)) print_error("no value for metric %s\n", name);
  assert_false(isnan(v));
  return v;
}

static void done(run *r, hs_model *m) {
  hs_sim_free(r->s);
  hs_plan_free(r->pl);
  hs_model_free(m);
}

/* ---------------------------------------------------------------- lung water -- */

/* Raising PCWP from ~15 to ~30 mmHg (LV contractility lowered) raises the filtration
   and the rate at which lung water accumulates; the healthy lung barely moves. */
static void test_lung_water_rate_rises_with_pcwp(void **state) {
  (void)state;
  const char *ees[3] = {"", "1.6", "0.62"};
  double pcwp[3], rate[3], filt[3];
  for (int k = 0; k < 3; k++) {
    hs_model *m = load("healthy_adult.yaml");
    if (*ees[k]) set(m, "lv.ees", ees[k]);
    run r = start(m);
    steady(&r);
    pcwp[k] = metric(&r, "pcwp_mmhg", 5);
    rate[k] = metric(&r, "evlw_rate_ml_h", 5);
    filt[k] = metric(&r, "lung_filtration_ml_h", 5);
    print_message("PCWP %.1f mmHg: filtration %.0f mL/h, lung water rate %+.0f mL/h\n", pcwp[k],
                  filt[k], rate[k]);
    done(&r, m);
  }
  assert_in_range_d(pcwp[1], 13, 17);
  assert_in_range_d(pcwp[2], 28, 32);
  assert_true(rate[2] > 2.0 * rate[1]);
  assert_true(filt[2] > filt[1] && filt[1] > filt[0]);
  assert_in_range_d(rate[0], -10, 60); /* healthy: near balance */
}

/* The filtration accumulates: 20 minutes at PCWP ~30 mmHg add lung water. */
static void test_lung_water_accumulates(void **state) {
  (void)state;
  hs_model *m = load("healthy_adult.yaml");
  set(m, "lv.ees", "0.62");
  run r = start(m);
  advance(&r, 60);
  double v0 = metric(&r, "evlw_ml", 1);
  advance(&r, 1200);
  double v1 = metric(&r, "evlw_ml", 1);
  print_message("EVLW %.0f -> %.0f mL in 20 min\n", v0, v1);
  assert_true(v1 > v0 + 40);
  assert_true(metric(&r, "evlwi_ml_kg", 1) > 7.5);
  done(&r, m);
}

/* Unloading: acute-MI shock on VA-ECMO with oedema already present (10 mL/kg); an LA
   vent into the venous line, clamped, then opened: PCWP falls and the lung water that
   was still accumulating with the vent clamped now resolves.  Oedema also raises the
   shunt and lowers the radial SaO2. */
static void test_unloading_reverses_lung_water(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof text,
           "hemosim_patient: 1\nbase: %s/examples/patients/acute_mi_shock_ecmo.yaml\n"
           "name: LA vent test\ndevices:\n  ecmo:\n    type: va_ecmo\n"
           "    ports: {drainage: ivc, return: lower_arteries, vent: la}\n"
           "    vent_size: 22 Fr\n    vent_clamp: 1\n",
           HS_SOURCE_DIR);
  char *path = hs_test_write_temp("gas_vent.yaml", text);
  hs_model *m = NULL;
  hs_err err;
  if (hs_patient_load_file(path, &m, &err) != HS_OK) print_error("%s\n", err.msg);
  assert_non_null(m);
  free(path);
  set(m, "lung_water.initial_ml_per_kg", "10");
  run r = start(m);
  steady(&r);
  double pcwp_c = metric(&r, "pcwp_mmhg", 5), rate_c = metric(&r, "evlw_rate_ml_h", 5);
  double shunt_c = metric(&r, "shunt_pct", 5), evlw_c = metric(&r, "evlw_ml", 1);
  change(&r, "ecmo.vent_clamp", 0);
  advance(&r, 600);
  double pcwp_o = metric(&r, "pcwp_mmhg", 5), rate_o = metric(&r, "evlw_rate_ml_h", 5);
  double evlw_o = metric(&r, "evlw_ml", 1);
  print_message("vent clamped: PCWP %.1f, lung water %+.0f mL/h (shunt %.1f %%); open: PCWP "
                "%.1f, %+.0f mL/h; EVLW %.0f -> %.0f mL in 10 min\n",
                pcwp_c, rate_c, shunt_c, pcwp_o, rate_o, evlw_c, evlw_o);
  assert_true(rate_c > 20);
  assert_true(pcwp_o < pcwp_c - 5);
  assert_true(rate_o < 0);
  assert_true(evlw_o < evlw_c);
  assert_in_range_d(shunt_c, 2.0 + 100 * 0.025 * 2.5, 2.0 + 100 * 0.025 * 3.5);
  done(&r, m);
}

/* ------------------------------------------------------------------- lactate -- */

/* Anaemic hypoxia (Cain 1977): at haemoglobin 4 g/dL the beds extract more than the
   critical 0.6 and produce lactate; at 14 g/dL nothing is produced above basal and the
   lactate stays at its normal 1 mmol/L. */
static void test_lactate_below_critical_do2(void **state) {
  (void)state;
  double def[2], leq[2], l[2];
  const char *hb[2] = {"14 g/dL", "4 g/dL"};
  for (int k = 0; k < 2; k++) {
    hs_model *m = load("healthy_adult.yaml");
    set(m, "oxygen.hemoglobin", hb[k]);
    run r = start(m);
    steady(&r);
    advance(&r, 600);
    def[k] = metric(&r, "o2_deficit_mlmin", 5);
    leq[k] = metric(&r, "lactate_steady_mmol_l", 5);
    l[k] = metric(&r, "lactate_mmol_l", 1);
    print_message("Hb %s: O2 deficit %.1f mL/min, lactate %.2f (plateau %.2f) mmol/L\n", hb[k],
                  def[k], l[k], leq[k]);
    done(&r, m);
  }
  assert_near(def[0], 0.0, 1e-9);
  assert_near(leq[0], 1.0, 0.02);
  assert_near(l[0], 1.0, 0.02);
  assert_true(def[1] > 20);
  assert_true(leq[1] > 2.0);
  assert_true(l[1] > 1.3); /* rising towards the plateau after ~13 min */
}

/* Clearance over time: from 8 mmol/L with a normal circulation the lactate falls as
   L(t) = 1 + 7 exp(-Cl t / Vd) (Cl = 0.86 L/h/kg, Vd = 0.5 L/kg: 70 kg); the simulated
   value after 30 minutes within 2 %.  Lower splanchnic flow lowers the clearance. */
static void test_lactate_clearance(void **state) {
  (void)state;
  hs_model *m = load("healthy_adult.yaml");
  set(m, "lactate.initial", "8 mmol/L");
  run r = start(m);
  advance(&r, 1800);
  double t = hs_sim_time(r.s) / 60.0, cl = metric(&r, "lactate_clearance_ml_min", 1) / 1000.0;
  double expect = 1.0 + 7.0 * exp(-cl * t / 35.0);
  double l = metric(&r, "lactate_mmol_l", 1);
  print_message("lactate after %.1f min: %.3f mmol/L (analytic %.3f; clearance %.3f L/min)\n", t,
                l, expect, cl);
  assert_near(cl, 0.86 * 70 / 60.0, 0.01);
  assert_near(l, expect, 0.02 * expect);
  done(&r, m);
  /* splanchnic vasoconstriction: abdominal bed resistance x5 */
  m = load("healthy_adult.yaml");
  set(m, "abdominal_bed.resistance", "10.0");
  r = start(m);
  steady(&r);
  double cl2 = metric(&r, "lactate_clearance_ml_min", 5) / 1000.0;
  print_message("abdominal bed resistance x5: clearance %.3f L/min\n", cl2);
  assert_true(cl2 < 0.9 * cl);
  done(&r, m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lung_water_rate_rises_with_pcwp),
      cmocka_unit_test(test_lung_water_accumulates),
      cmocka_unit_test(test_unloading_reverses_lung_water),
      cmocka_unit_test(test_lactate_below_critical_do2),
      cmocka_unit_test(test_lactate_clearance),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
