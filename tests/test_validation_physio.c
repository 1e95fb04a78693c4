/*
 * test_validation_physio.c - the bands of the physiology validation cases
 * (tests/validation/cases/: ostadal2015_ecmo_flow, shock phenotypes, SCAI stages,
 * Impella and IABP in shock), enforced now in CI.  Each check states its published
 * value and band; bands are the ones of the YAML cases.  Cases marked known_failure
 * there are checked here only for their direction (and printed), so that the test
 * fails if the effect disappears or reverses, not while it is below the published
 * size.  Derived quantities the runner cannot express (PAPi, CVP/PCWP, IABP assisted
 * vs unassisted systolic pressure across runs) are checked here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

#define LPM (1000.0 / 60.0)
#define NSET 4

typedef struct setting {
  const char *path;
  double value; /* internal units */
} setting;

typedef struct run_out {
  double *v;
  size_t n;
  hs_sim *s; /* kept only for metric names */
  hs_plan *pl;
  hs_model *m;
} run_out;

static run_out run(const char *rel, const setting *set) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", HS_SOURCE_DIR, rel);
  hs_err err;
  run_out r = {0};
  if (hs_patient_load_file(path, &r.m, &err)) print_error("%s\n", err.msg);
  assert_non_null(r.m);
  for (int k = 0; set && k < NSET && set[k].path; k++)
    assert_int_equal(hs_model_set(r.m, set[k].path, set[k].value, &err), HS_OK);
  r.pl = hs_plan_compile(r.m, &err);
  assert_non_null(r.pl);
  r.s = hs_sim_new(r.pl, &err);
  assert_non_null(r.s);
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(r.s, &info, &err);
  if (st) print_error("%s: %s\n", rel, err.msg);
  assert_int_equal(st, HS_OK);
  r.n = hs_sim_metric_count(r.s);
  r.v = malloc(r.n * sizeof *r.v);
  assert_non_null(r.v);
  assert_int_equal(hs_sim_summary_all(r.s, 6, r.v, &err), HS_OK);
  return r;
}

static double get(const run_out *r, const char *name) {
  for (size_t k = 0; k < r->n; k++) {
    char buf[128];
    if (!strcmp(hs_sim_metric_name(r->s, k, buf, sizeof buf), name)) return r->v[k];
  }
  print_error("no metric %s\n", name);
  fail();
  return NAN;
}

static void done(run_out *r) {
  free(r->v);
  hs_sim_free(r->s);
  hs_plan_free(r->pl);
  hs_model_free(r->m);
}

static double rel(double from, double to) { return 100.0 * (to - from) / from; }

static void band(const char *what, double x, double lo, double hi) {
  print_message("  %-44s %9.2f  band [%g, %g]%s\n", what, x, lo, hi,
                x >= lo && x <= hi ? "" : "  OUT");
  assert_in_range_d(x, lo, hi);
}

/* Ostadal et al. 2015 J Transl Med 13:266: ECMO 1 -> 5 L/min in porcine shock. */
static void test_ostadal2015(void **state) {
  (void)state;
  const char *pig = "examples/patients/pig_acute_heart_failure.yaml";
  run_out a = run(pig, (setting[]){{"ecmo.target_flow", 1.0 * LPM}, {0}});
  run_out b = run(pig, (setting[]){{"ecmo.target_flow", 5.0 * LPM}, {0}});
  band("SBP change % (published +62)", rel(get(&a, "sbp_mmhg"), get(&b, "sbp_mmhg")), 35, 90);
  band("native LV output change % (-34)",
       rel(get(&a, "lv_output_lpm"), get(&b, "lv_output_lpm")), -50, -15);
  band("LVESV change % (+30)", rel(get(&a, "lvesv_ml"), get(&b, "lvesv_ml")), 15, 50);
  band("LVEF change, points (-11)", get(&b, "lvef_pct") - get(&a, "lvef_pct"), -18, -5);
  band("LV stroke work change % (+45)",
       rel(get(&a, "lv_stroke_work_mmhg_ml"), get(&b, "lv_stroke_work_mmhg_ml")), 20, 70);
  band("LVEDV change % (n.s., ~+10)", rel(get(&a, "lvedv_ml"), get(&b, "lvedv_ml")), -5, 20);
  /* the 1 L/min baseline near the paper's: SBP 60, CO 2.8 */
  band("baseline SBP (60 +- 7)", get(&a, "sbp_mmhg"), 50, 75);
  band("baseline LV output (2.8 +- 0.3)", get(&a, "lv_output_lpm"), 2.2, 3.4);
  done(&a);
  done(&b);
}

static double papi(const run_out *r) {
  return (get(r, "spap_mmhg") - get(r, "dpap_mmhg")) / get(r, "cvp_mmhg");
}

/* LV-predominant acute-MI shock: SHOCK / CardShock ranges, PAPi > 1 (Korabathina 2012). */
static void test_phenotype_acute_mi(void **state) {
  (void)state;
  run_out r = run("examples/patients/acute_mi_shock.yaml", NULL);
  band("LVEF %", get(&r, "lvef_pct"), 20, 35);
  band("LVEDV mL", get(&r, "lvedv_ml"), 130, 200);
  band("CI L/min/m2", get(&r, "ci_lpm_m2"), 1.5, 2.2);
  band("PCWP mmHg", get(&r, "pcwp_mmhg"), 20, 30);
  band("CVP mmHg", get(&r, "cvp_mmhg"), 10, 16);
  band("MAP mmHg", get(&r, "map_mmhg"), 55, 70);
  band("HR /min", get(&r, "hr_bpm"), 90, 115);
  band("PAPi", papi(&r), 1.0, 3.0);
  band("CVP/PCWP", get(&r, "cvp_mmhg") / get(&r, "pcwp_mmhg"), 0.2, 0.8);
  band("papi metric", get(&r, "papi"), 1.0, 3.0);
  done(&r);
}

/* RV-predominant shock: CVP > 15, CVP/PCWP > 0.8, PAPi < 0.9 (Korabathina 2012; Kapur 2017). */
static void test_phenotype_rv(void **state) {
  (void)state;
  run_out r = run("examples/patients/rv_shock.yaml", NULL);
  band("CVP mmHg", get(&r, "cvp_mmhg"), 15, 25);
  band("CVP/PCWP", get(&r, "cvp_mmhg") / get(&r, "pcwp_mmhg"), 0.8, 3.0);
  band("PAPi", papi(&r), 0.0, 0.9);
  band("CI L/min/m2", get(&r, "ci_lpm_m2"), 1.2, 2.2);
  band("MAP mmHg", get(&r, "map_mmhg"), 50, 70);
  band("PCWP mmHg", get(&r, "pcwp_mmhg"), 6, 18);
  done(&r);
}

/* SCAI C, D, E (Baran 2019; Jentzer 2019). */
static void test_scai_stages(void **state) {
  (void)state;
  run_out c = run("examples/patients/scai_c_shock.yaml", NULL);
  run_out d = run("examples/patients/scai_d_shock.yaml", NULL);
  run_out e = run("examples/patients/scai_e_shock.yaml", NULL);
  band("C: CI", get(&c, "ci_lpm_m2"), 1.5, 2.2);
  band("C: MAP", get(&c, "map_mmhg"), 55, 70);
  band("D: CI", get(&d, "ci_lpm_m2"), 1.3, 2.2);
  band("D: MAP", get(&d, "map_mmhg"), 50, 70);
  band("D: VIS", get(&d, "vasoactive_inotropic_score"), 10, 30);
  band("E: CI", get(&e, "ci_lpm_m2"), 0.5, 1.3);
  band("E: MAP", get(&e, "map_mmhg"), 35, 55);
  band("E: VIS", get(&e, "vasoactive_inotropic_score"), 30, 100);
  done(&c);
  done(&d);
  done(&e);
}

/* The shock-on-ECMO preset's LV ejects at 2-4 L/min; the severe one stops at 5. */
static void test_ecmo_ejection(void **state) {
  (void)state;
  run_out a = run("examples/patients/acute_mi_shock_ecmo.yaml",
                  (setting[]){{"ecmo.target_flow", 4.0 * LPM}, {0}});
  band("acute_mi_shock_ecmo 4 L/min: AV open fraction", get(&a, "av_open_fraction"), 0.99, 1.0);
  band("acute_mi_shock_ecmo 4 L/min: LV output", get(&a, "lv_output_lpm"), 1.0, 3.0);
  run_out b = run("examples/patients/severe_shock_ecmo.yaml",
                  (setting[]){{"ecmo.target_flow", 5.0 * LPM}, {0}});
  band("severe_shock_ecmo 5 L/min: AV open fraction", get(&b, "av_open_fraction"), 0.0, 0.01);
  done(&a);
  done(&b);
}

/* Impella in acute-MI shock, alone and on VA-ECMO 4 L/min (Saku 2018; Donker 2019;
   Burkhoff 2015).  The CP at P8 carries about the native output of the adult in shock
   (partial support: the LV shrinks less); the 5.0 at P8 carries all of it with the
   aortic valve shut (total support: LVEDV -15..-30 %). */
static void test_impella_unloading(void **state) {
  (void)state;
  run_out a = run("examples/patients/acute_mi_shock.yaml", NULL);
  run_out b = run("tests/validation/patients/acute_mi_shock_impella_cp.yaml", NULL);
  run_out t = run("tests/validation/patients/acute_mi_shock_impella_cp.yaml",
                  (setting[]){{"impella.model", 2}, {0}}); /* 5.0 */
  /* published -15..-30 %: a known failure by 0.4 points since EDV is the largest volume
     while the mitral valve fills (impella_shock_unloading.yaml); it must stay close */
  band("Impella 5.0 P8 (total support): LVEDV change % (known failure)",
       rel(get(&a, "lvedv_ml"), get(&t, "lvedv_ml")), -30, -13);
  band("Impella 5.0 P8: AV open fraction", get(&t, "av_open_fraction"), 0, 0.01);
  band("Impella CP P8 (partial support): LVEDV change %",
       rel(get(&a, "lvedv_ml"), get(&b, "lvedv_ml")), -15, 5);
  assert_true(get(&t, "lvedv_ml") < get(&b, "lvedv_ml"));
  done(&t);
  band("Impella CP P8: PCWP change mmHg", get(&b, "pcwp_mmhg") - get(&a, "pcwp_mmhg"), -12, -4);
  band("Impella CP P8: pump flow L/min", get(&b, "impella_flow_lpm"), 3.3, 4.3);
  band("Impella CP P8: MAP change %", rel(get(&a, "map_mmhg"), get(&b, "map_mmhg")), 0, 20);
  run_out c = run("examples/patients/acute_mi_shock_ecmo.yaml", NULL);
  run_out d = run("tests/validation/patients/acute_mi_shock_ecmo_impella_cp.yaml", NULL);
  band("ECPELLA: LVEDV change % (known failure; published ~-20)",
       rel(get(&c, "lvedv_ml"), get(&d, "lvedv_ml")), -30, -13);
  band("ECPELLA: PCWP change mmHg", get(&d, "pcwp_mmhg") - get(&c, "pcwp_mmhg"), -16, -5);
  band("ECPELLA: MAP mmHg", get(&d, "map_mmhg"), 60, 100);
  done(&a);
  done(&b);
  done(&c);
  done(&d);
}

/* IABP 40 mL 1:1 vs standby (Kern 1999; Meani 2017).  CO +0.3..1.0 and SPTI
   -20..-27 % are known failures (+0.28 L/min, -2.8 %; docs/devices.md): direction
   only.  On ECMO PCWP -1..-6 holds (-1.06 mmHg), as in iabp_on_ecmo_pcwp.yaml. */
static void test_iabp(void **state) {
  (void)state;
  const char *f = "tests/validation/patients/acute_mi_shock_iabp.yaml";
  run_out off = run(f, (setting[]){{"iabp.on", 0}, {0}});
  run_out on = run(f, NULL);
  band("IABP: assisted vs unassisted systolic %",
       rel(get(&off, "iabp_unassisted_systolic_mmhg"), get(&on, "iabp_assisted_systolic_mmhg")),
       -20, -5);
  band("IABP: MAP change %", rel(get(&off, "map_mmhg"), get(&on, "map_mmhg")), -5, 10);
  band("IABP: CO change L/min (known failure; published +0.3..1.0)",
       get(&on, "co_lpm") - get(&off, "co_lpm"), 0.1, 1.0);
  band("IABP: PCWP change mmHg", get(&on, "pcwp_mmhg") - get(&off, "pcwp_mmhg"), -6, -0.5);
  band("IABP: SPTI change % (known failure; published -20..-27)",
       rel(get(&off, "lv_spti_mmhg_s_min"), get(&on, "lv_spti_mmhg_s_min")), -30, -1);
  const char *e = "tests/validation/patients/acute_mi_shock_ecmo_iabp.yaml";
  run_out eoff = run(e, (setting[]){{"iabp.on", 0}, {0}});
  run_out eon = run(e, NULL);
  band("IABP on ECMO 4: PCWP change mmHg", get(&eon, "pcwp_mmhg") - get(&eoff, "pcwp_mmhg"),
       -6, -1);
  done(&off);
  done(&on);
  done(&eoff);
  done(&eon);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ostadal2015),  cmocka_unit_test(test_phenotype_acute_mi),
      cmocka_unit_test(test_phenotype_rv), cmocka_unit_test(test_scai_stages),
      cmocka_unit_test(test_ecmo_ejection), cmocka_unit_test(test_impella_unloading),
      cmocka_unit_test(test_iabp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
