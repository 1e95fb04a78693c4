/*
 * test_unloading.c - left-ventricular unloading on VA-ECMO (issue #4): the acute-MI
 * shock patient on peripheral VA-ECMO at 5 L/min, where the aortic valve no
 * longer opens, with each unloading method alone and together.
 * Targets: Donker et al. 2019, Perfusion 34:98 (septostomy effect grows with diameter; a 22 Fr
 * transseptal LA vent lowers PCWP by 4-17 mmHg; ordering of unloading strength
 * IABP < Impella / septostomy / LA vent <= surgical vent); volume conserved in
 * every combination; devices start and stop mid-run without failure.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hemosim/device.h"
#include "hemosim/hemosim.h"
#include "support.h"

#define LPM (1000.0 / 60.0)

typedef struct outcome {
  double pcwp, lvedv, lvedp, avo, map, tbv0, tbv1;
} outcome;

static hs_model *base_model(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/examples/patients/severe_shock_ecmo.yaml", HS_SOURCE_DIR); /* non-ejecting LV on ECMO */
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) print_error("%s\n", err.msg);
  assert_non_null(m);
  assert_int_equal(hs_model_set(m, "ecmo.target_flow", 5.0 * LPM, &err), HS_OK);
  /* the devices compared in a fixed circulation (the reflex is exercised by
     tests/test_validation_physio.c) */
  assert_int_equal(hs_model_set(m, "baroreflex.enabled", 0, &err), HS_OK);
  return m;
}

static void add(hs_model *m, const char *name, const char *type, const char *p0, const char *p1,
                const char *const *sets) {
  hs_err err;
  const char *ports[3] = {p0, p1, p0};
  hs_status st = hs_model_add_device(m, name, type, ports, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  for (int i = 0; sets && sets[i]; i += 2) {
    char path[128];
    snprintf(path, sizeof path, "%s.%s", name, sets[i]);
    st = hs_model_set_text(m, path, sets[i + 1], &err);
    if (st) print_error("%s\n", err.msg);
    assert_int_equal(st, HS_OK);
  }
}

static void set(hs_model *m, const char *path, const char *text) {
  hs_err err;
  hs_status st = hs_model_set_text(m, path, text, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
}

static outcome run(hs_model *m, double seconds) {
  hs_err err;
  hs_plan *pl = hs_plan_compile(m, &err);
  if (!pl) print_error("%s\n", err.msg);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  outcome o;
  o.tbv0 = conserved_volume(s);
  hs_status st = hs_sim_run(s, seconds, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  o.tbv1 = conserved_volume(s);
  double mm[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_summary(s, 6, mm, &err), HS_OK);
  o.pcwp = mm[HS_M_PCWP], o.lvedv = mm[HS_M_LVEDV], o.lvedp = mm[HS_M_LVEDP];
  o.avo = mm[HS_M_AVOPEN], o.map = mm[HS_M_MAP];
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  assert_true(fabs(o.tbv1 - o.tbv0) / o.tbv0 < 1e-9);
  return o;
}

static outcome ecmo_alone(void) { return run(base_model(), 120); }

/* The baseline of every comparison: the aortic valve no longer opens. */
static void test_baseline(void **state) {
  (void)state;
  outcome b = ecmo_alone();
  assert_near(b.avo, 0.0, 0.2);
  assert_true(b.pcwp > 25);
}

static outcome septostomy(const char *diameter) {
  hs_model *m = base_model();
  const char *sets[] = {"diameter", diameter, NULL};
  add(m, "sept", "septostomy", "la", "ra", sets);
  return run(m, 120);
}

static void test_septostomy_grows_with_diameter(void **state) {
  (void)state;
  outcome b = ecmo_alone();
  outcome s4 = septostomy("4 mm"), s8 = septostomy("8 mm"), s12 = septostomy("12 mm");
  assert_true(s4.pcwp < b.pcwp);
  assert_true(s8.pcwp < s4.pcwp);
  assert_true(s12.pcwp < s8.pcwp);
  assert_true(s12.lvedv < s8.lvedv && s8.lvedv < b.lvedv);
  assert_true(s12.lvedp < b.lvedp);
  /* closed again: as without it */
  outcome s0 = septostomy("0 mm");
  assert_near(s0.pcwp, b.pcwp, 0.5);
}

static outcome vent(const char *site, const char *size, const char *len, const char *clamp) {
  hs_model *m = base_model();
  hs_err err;
  assert_int_equal(hs_model_rebind_device(m, "ecmo", "vent", site, &err), HS_OK);
  set(m, "ecmo.vent_size", size);
  set(m, "ecmo.vent_length", len);
  set(m, "ecmo.vent_clamp", clamp);
  return run(m, 120);
}

/* Donker et al. 2019 (review): a 22 Fr transseptal LA vent lowers PCWP by 4-17 mmHg. */
static void test_la_vent(void **state) {
  (void)state;
  outcome b = ecmo_alone();
  outcome v = vent("la", "22 Fr", "40 cm", "0");
  double drop = b.pcwp - v.pcwp;
  assert_in_range_d(drop, 4, 17.5);
  assert_true(v.lvedp < b.lvedp);
  /* clamped to 100 %: no vent flow, nothing changes */
  outcome c = vent("la", "22 Fr", "40 cm", "1");
  assert_near(c.pcwp, b.pcwp, 0.2);
  /* half clamped: part of the effect */
  outcome h = vent("la", "22 Fr", "40 cm", "0.7");
  assert_true(h.pcwp < b.pcwp && h.pcwp > v.pcwp);
}

static void test_other_vents(void **state) {
  (void)state;
  outcome b = ecmo_alone();
  outcome pa = vent("pa", "15 Fr", "40 cm", "0");           /* pulmonary-artery vent */
  outcome lv = vent("lv", "15 Fr", "40 cm", "0");           /* transmitral LV cannula */
  outcome pig = vent("lv", "8 Fr", "60 cm", "0");           /* transaortic pigtail */
  outcome rspv = vent("pulm_veins", "20 Fr", "25 cm", "0"); /* right superior PV vent */
  assert_true(pa.pcwp < b.pcwp);
  assert_true(lv.lvedv < b.lvedv);
  assert_true(pig.pcwp < b.pcwp && pig.pcwp > lv.pcwp); /* small bore: weakest */
  assert_true(rspv.pcwp < b.pcwp);
}

/* Central ECMO with an LV apical drain and the venous drainage clamped: an LVAD. */
static void test_lvad_conversion(void **state) {
  (void)state;
  hs_model *m = base_model();
  hs_err err;
  assert_int_equal(hs_model_rebind_device(m, "ecmo", "drainage", "ra", &err), HS_OK);
  assert_int_equal(hs_model_rebind_device(m, "ecmo", "return", "arch", &err), HS_OK);
  assert_int_equal(hs_model_rebind_device(m, "ecmo", "vent", "lv", &err), HS_OK);
  set(m, "ecmo.vent_size", "32 Fr");
  set(m, "ecmo.vent_length", "20 cm");
  set(m, "ecmo.drainage_clamp", "1");
  set(m, "ecmo.target_flow", "3.5 L/min");
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_int_equal(hs_sim_run(s, 120, &err), HS_OK);
  double all[160];
  assert_true(hs_sim_metric_count(s) < 160);
  assert_int_equal(hs_sim_summary_all(s, 6, all, &err), HS_OK);
  double vent_flow = NAN, flow = NAN;
  for (size_t k = 0; k < hs_sim_metric_count(s); k++) {
    char buf[128];
    const char *n = hs_sim_metric_name(s, k, buf, sizeof buf);
    if (!strcmp(n, "ecmo_vent_flow_lpm")) vent_flow = all[k];
    if (!strcmp(n, "ecmo_flow_lpm")) flow = all[k];
  }
  assert_near(vent_flow, flow, 0.05); /* all circuit flow comes from the LV */
  assert_near(flow, 3.5, 0.2);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Devices start and stop mid-run without failure; combinations conserve volume. */
static void test_start_stop_and_combination(void **state) {
  (void)state;
  hs_model *m = base_model();
  hs_err err;
  const char *sept[] = {"diameter", "0 mm", NULL};
  add(m, "sept", "septostomy", "la", "ra", sept);
  assert_int_equal(hs_model_rebind_device(m, "ecmo", "vent", "la", &err), HS_OK);
  set(m, "ecmo.vent_size", "22 Fr");
  set(m, "ecmo.vent_clamp", "1");
  if (hs_device_type_find("iabp")) {
    const char *iabp[] = {"on", "false", NULL};
    add(m, "iabp", "iabp", "desc_aorta", NULL, iabp);
  }
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  double v0 = conserved_volume(s);
  assert_int_equal(hs_sim_schedule(s, 10, "sept.diameter", 1.0, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 20, "ecmo.vent_clamp", 0, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 30, "ecmo.vent_clamp", 1, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 40, "sept.diameter", 0.0, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 45, "ecmo.on", 0, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, 50, "ecmo.on", 1, &err), HS_OK);
  if (hs_device_type_find("iabp")) {
    assert_int_equal(hs_sim_schedule(s, 15, "iabp.on", 1, &err), HS_OK);
    assert_int_equal(hs_sim_schedule(s, 35, "iabp.on", 0, &err), HS_OK);
  }
  hs_status st = hs_sim_run(s, 70, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_true(fabs(conserved_volume(s) - v0) / v0 < 1e-9);
  double mm[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_last_beat(s, mm, &err), HS_OK);
  /* Ea and Ea/Ees are NaN by definition in a beat without a stroke volume (issue 11) */
  for (int k = 0; k < HS_METRIC_COUNT; k++)
    if (k != HS_M_SAO2L && k != HS_M_EA && k != HS_M_EAEES)
      if (isnan(mm[k])) fail_msg("metric %s is NaN", hs_metric_name((hs_metric_id)k));
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Donker et al. 2019 (review): unloading strength IABP < Impella / septostomy / LA vent <= surgical
   vent (PCWP relief against ECMO alone). */
static void test_ordering(void **state) {
  (void)state;
  if (!hs_device_type_find("iabp") || !hs_device_type_find("impella")) {
    print_message("iabp or impella not built: ordering not checked\n");
    assert_non_null(hs_device_type_find("iabp"));
    assert_non_null(hs_device_type_find("impella"));
  }
  outcome b = ecmo_alone();
  hs_model *m = base_model();
  const char *iabp_sets[] = {"volume", "40 mL", NULL};
  add(m, "iabp", "iabp", "desc_aorta", NULL, iabp_sets);
  outcome iabp = run(m, 120);
  m = base_model();
  const char *imp_sets[] = {"model", "cp", "level", "8", NULL};
  add(m, "impella", "impella", "lv", "aortic_root", imp_sets);
  outcome imp = run(m, 120);
  outcome sept = septostomy("10 mm");
  outcome la = vent("la", "22 Fr", "40 cm", "0");
  outcome surg = vent("lv", "32 Fr", "20 cm", "0");
  double d_iabp = b.pcwp - iabp.pcwp, d_imp = b.pcwp - imp.pcwp, d_sept = b.pcwp - sept.pcwp;
  double d_la = b.pcwp - la.pcwp, d_surg = b.pcwp - surg.pcwp;
  print_message("PCWP relief: IABP %.1f, Impella CP P8 %.1f, septostomy 10 mm %.1f, LA vent "
                "22 Fr %.1f, surgical LV vent 32 Fr %.1f mmHg (ECMO alone %.1f)\n",
                d_iabp, d_imp, d_sept, d_la, d_surg, b.pcwp);
  assert_true(d_iabp > -1.0 && d_iabp <= 6); /* "only about <= 5 mmHg" (Donker et al. 2019) */
  assert_true(d_iabp < d_imp && d_iabp < d_sept && d_iabp < d_la);
  assert_true(d_surg >= d_la - 0.5);
  assert_true(d_surg >= d_imp - 0.5 || d_surg >= d_sept - 0.5);
  /* each effective method lowers LVEDP */
  assert_true(imp.lvedp < b.lvedp && sept.lvedp < b.lvedp && la.lvedp < b.lvedp &&
              surg.lvedp < b.lvedp);
}

static void test_invalid_settings(void **state) {
  (void)state;
  hs_model *m = base_model();
  hs_err err;
  const char *ports[] = {"la", "ra"};
  assert_int_equal(hs_model_add_device(m, "sept", "septostomy", ports, &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "sept.diameter", "40 mm", &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "= 40 mm is out of range [0 mm, 30 mm]")); /* bedside unit */
  assert_int_equal(hs_model_set_text(m, "ecmo.vent_size", "45 Fr", &err), HS_ERR_RANGE);
  assert_int_equal(hs_model_set_text(m, "ecmo.vent_clamp", "1.5", &err), HS_ERR_RANGE);
  assert_int_equal(hs_model_add_device(m, "x", "balloon_pump_9000", ports, &err),
                   HS_ERR_UNKNOWN);
  assert_non_null(strstr(err.msg, "known: va_ecmo"));
  assert_int_equal(hs_model_rebind_device(m, "ecmo", "vent", "nowhere", &err), HS_ERR_UNKNOWN);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_baseline),
      cmocka_unit_test(test_septostomy_grows_with_diameter),
      cmocka_unit_test(test_la_vent),
      cmocka_unit_test(test_other_vents),
      cmocka_unit_test(test_lvad_conversion),
      cmocka_unit_test(test_start_stop_and_combination),
      cmocka_unit_test(test_ordering),
      cmocka_unit_test(test_invalid_settings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
