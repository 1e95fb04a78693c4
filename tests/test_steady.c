/*
 * test_steady.c - the periodic steady state is the state plain integration reaches
 * (issue 10, deliverable 1; docs/numerics.md "Periodic steady state").
 *
 * Property: for shipped patients, VA-ECMO flows 0.5-5 L/min and each unloading
 * device on the ECMO patient, the accelerated steady state (solver.steady_accel:
 * Anderson acceleration of the beat map, CSF-balance solve, O2 warm start) agrees with plain integration run to a steady
 * state with all tolerances 4x tighter, within
 *   MAP, PCWP, LVEDP, ICP: 0.5 mmHg;  LVEDV: 1 mL;  total systemic flow and ECMO
 *   flow: 1 % (at least 0.02 L/min);  ECMO pump speed: 1 % (at least 10 rpm),
 * and the pump never runs backwards (speed >= 0, flow on target unless saturated).
 * MAP, PCWP, LVEDP, ICP: 0.5 mmHg; SvO2 and right radial SaO2: 0.5 %.
 * The default run takes a subset of the grid; HS_TEST_FULL=1 runs all of it.
 * HS_TEST_GRID=1 (ctest steady_grid, Release only) runs instead every shipped patient
 * at its own settings and every built-in compare strategy (each device family and size,
 * the combinations, the drugs) on the ECMO patient at 3 L/min.
 * Also: the low-contractility regression (lv.ees = 0.2 at 1 L/min gave -2065 rpm),
 * which is also a case where Anderson acceleration falls back (and says why), the
 * non-ejecting LV (one-way filling: integrated plainly, reported as a fallback),
 * ICP at steady state = ICP after 30 more minutes (the slow CSF mode is settled),
 * and the MAP controller (map_control) holds MAP in its band on ECMO + Impella.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/device.h"
#include "hemosim/hemosim.h"
#include "support.h"

#define LPM (1000.0 / 60.0)

typedef struct res {
  double map, pcwp, lvedv, lvedp, co, icp, ecmo_flow, ecmo_rpm, bpc, ne, ntp, av, svo2, sao2u, paco2u,
      pao2u, cbf;
  hs_steady_info info;
} res;

static int full(void) {
  const char *e = getenv("HS_TEST_FULL");
  return e && *e && strcmp(e, "0") != 0;
}

static hs_model *load(const char *file) {
  char path[512];
  snprintf(path, sizeof path, "%s/examples/patients/%s", HS_SOURCE_DIR, file);
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err)) print_error("%s\n", err.msg);
  assert_non_null(m);
  return m;
}

static void set(hs_model *m, const char *path, const char *text) {
  hs_err err;
  hs_status st = hs_model_set_text(m, path, text, &err);
  if (st) print_error("%s: %s\n", path, err.msg);
  assert_int_equal(st, HS_OK);
}

static void add(hs_model *m, const char *name, const char *type, const char *p0, const char *p1) {
  hs_err err;
  const char *ports[3] = {p0, p1, p0};
  hs_status st = hs_model_add_device(m, name, type, ports, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
}

static double metric(const hs_sim *s, const double *all, const char *name) {
  char buf[128];
  for (size_t i = 0; i < hs_sim_metric_count(s); i++)
    if (strcmp(hs_sim_metric_name(s, i, buf, sizeof buf), name) == 0) return all[i];
  return NAN;
}

/* Run to steady state: accelerated (default tolerances) or plain with every
   tolerance divided by `tighten`; then `extra` seconds more. */
static res solve(const hs_model *m, int accel, double tighten, double extra) {
  hs_err err;
  hs_plan *pl = hs_plan_compile(m, &err);
  if (!pl) print_error("%s\n", err.msg);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  assert_int_equal(hs_sim_set(s, "solver.steady_accel", accel, &err), HS_OK);
  /* the slow states (lung water and the plasma it takes, ...) hold in the extra seconds,
     as the steady state holds them: plain integration of the same state */
  assert_int_equal(hs_sim_set(s, "solver.slow_hold", 1, &err), HS_OK);
  if (tighten > 1) {
    static const char *const tols[] = {"solver.steady_tol", "solver.steady_tol_flow",
                                       "solver.steady_tol_rpm", "solver.steady_tol_factor",
                                       "solver.steady_tol_icp", "solver.steady_tol_o2"};
    for (size_t k = 0; k < sizeof tols / sizeof tols[0]; k++) {
      double v;
      assert_int_equal(hs_sim_get(s, tols[k], &v, &err), HS_OK);
      assert_int_equal(hs_sim_set(s, tols[k], v / tighten, &err), HS_OK);
    }
    assert_int_equal(hs_sim_set(s, "solver.max_beats", 3000, &err), HS_OK);
  }
  res r;
  hs_status st = hs_sim_run_to_steady(s, &r.info, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_true(r.info.reached);
  if (extra > 0) assert_int_equal(hs_sim_run(s, extra, &err), HS_OK);
  double *all = malloc(hs_sim_metric_count(s) * sizeof *all);
  assert_non_null(all);
  assert_int_equal(hs_sim_summary_all(s, 6, all, &err), HS_OK);
  r.map = all[HS_M_MAP], r.pcwp = all[HS_M_PCWP], r.lvedv = all[HS_M_LVEDV];
  r.lvedp = all[HS_M_LVEDP], r.co = all[HS_M_CO], r.icp = all[HS_M_ICP];
  r.bpc = all[HS_M_BPC], r.ne = all[HS_M_NE_EQ], r.ntp = all[HS_M_NTP_EQ], r.av = all[HS_M_AVOPEN];
  r.svo2 = all[HS_M_SVO2], r.sao2u = all[HS_M_SAO2U], r.paco2u = all[HS_M_PACO2U];
  r.pao2u = all[HS_M_PAO2U], r.cbf = all[HS_M_CBFL];
  r.ecmo_flow = metric(s, all, "ecmo_flow_lpm");
  r.ecmo_rpm = metric(s, all, "ecmo_rpm");
  free(all);
  hs_sim_free(s);
  hs_plan_free(pl);
  return r;
}

static double pct_tol(double ref, double pct, double floor) {
  double t = fabs(ref) * pct / 100.0;
  return t > floor ? t : floor;
}

/* The property, for one model (freed here). */
static void agree(hs_model *m, const char *what, double target_lpm) {
  res a = solve(m, 1, 1, 0), p = solve(m, 0, 4, 0);
  print_message("  %-44s accel %3ld beats (jumps %d%s)  plain/4 %4ld beats  MAP %.2f/%.2f  "
                "LVEDV %.2f/%.2f  ICP %.2f/%.2f  rpm %.0f/%.0f  CBF %.2f/%.2f  PaCO2 %.1f\n",
                what, a.info.beats, a.info.accel_jumps, a.info.accel_fallback ? ", fallback" : "",
                p.info.beats, a.map, p.map, a.lvedv, p.lvedv, a.icp, p.icp, a.ecmo_rpm,
                p.ecmo_rpm, a.cbf, p.cbf, p.paco2u);
  assert_near(a.map, p.map, 0.5);
  assert_near(a.pcwp, p.pcwp, 0.5);
  assert_near(a.lvedp, p.lvedp, 0.5);
  assert_near(a.lvedv, p.lvedv, 1.0);
  assert_near(a.co, p.co, pct_tol(p.co, 1, 0.02));
  if (!isnan(p.icp)) assert_near(a.icp, p.icp, 0.5);
  /* the O2 slow state: mixed venous and right radial saturation within 0.5 % */
  if (!isnan(p.svo2)) assert_near(a.svo2, p.svo2, 0.5);
  if (!isnan(p.sao2u)) assert_near(a.sao2u, p.sao2u, 0.5);
  /* and the CO2 balance solved at the end (SCAI E once stopped at 29.9 vs 36.5 mmHg) */
  if (!isnan(p.paco2u)) assert_near(a.paco2u, p.paco2u, 0.5);
  /* cerebral flow (with the CO2 reactivity on it follows the PCO2: 0.5 mL/100 g/min is
     0.25 mmHg at 4 %/mmHg) */
  if (!isnan(p.cbf)) assert_near(a.cbf, p.cbf, 0.5);
  if (!isnan(p.ecmo_rpm)) {
    assert_near(a.ecmo_flow, p.ecmo_flow, pct_tol(p.ecmo_flow, 1, 0.02));
    assert_near(a.ecmo_rpm, p.ecmo_rpm, pct_tol(p.ecmo_rpm, 1, 10));
    /* the pump never runs backwards; below 5000 rpm the flow is on target */
    assert_true(a.ecmo_rpm >= 0 && p.ecmo_rpm >= 0);
    if (target_lpm > 0 && a.ecmo_rpm > 1 && a.ecmo_rpm < 4990)
      assert_near(a.ecmo_flow, target_lpm, 0.03);
  }
  hs_model_free(m);
}

static void test_patients_agree(void **state) {
  (void)state;
  static const char *const all[] = {"healthy_adult.yaml",         "acute_mi_shock.yaml",
                                    "acute_mi_shock_ecmo.yaml",   "biventricular_failure.yaml",
                                    "fulminant_myocarditis.yaml", "post_cardiotomy_shock.yaml",
                                    "stroke_post_thrombectomy.yaml"};
  static const char *const some[] = {"healthy_adult.yaml", "acute_mi_shock.yaml"};
  int n = full() ? 7 : 2;
  for (int i = 0; i < n; i++) agree(load(full() ? all[i] : some[i]), full() ? all[i] : some[i], 0);
  if (full()) { /* with the baroreflex (its effector states in the test) */
    hs_model *m = load("acute_mi_shock_ecmo.yaml");
    set(m, "baroreflex.enabled", "true");
    agree(m, "acute_mi_shock_ecmo + baroreflex", 4);
  }
}

static void test_ecmo_flows_agree(void **state) {
  (void)state;
  HS_RELEASE_ONLY(); /* accelerated against plain integration (6 s under the
                        sanitizers; the accelerator runs there in every steady test) */
  static const double all[] = {0.5, 1, 2.5, 4, 5}, some[] = {1, 5};
  int n = full() ? 5 : 2;
  for (int i = 0; i < n; i++) {
    double q = full() ? all[i] : some[i];
    hs_model *m = load("acute_mi_shock_ecmo.yaml");
    char v[32], what[64];
    snprintf(v, sizeof v, "%g L/min", q);
    set(m, "ecmo.target_flow", v);
    snprintf(what, sizeof what, "acute_mi_shock_ecmo %g L/min", q);
    agree(m, what, q);
  }
}

static hs_model *ecmo_with(int device, double q) {
  hs_model *m = load("acute_mi_shock_ecmo.yaml");
  char v[32];
  snprintf(v, sizeof v, "%g L/min", q);
  set(m, "ecmo.target_flow", v);
  hs_err err;
  switch (device) {
    case 1:
      add(m, "iabp", "iabp", "desc_aorta", NULL);
      break;
    case 2:
      add(m, "impella", "impella", "lv", "aortic_root");
      set(m, "impella.model", "cp");
      set(m, "impella.level", "8");
      break;
    case 3:
      add(m, "sept", "septostomy", "la", "ra");
      set(m, "sept.diameter", "8 mm");
      break;
    case 4:
      assert_int_equal(hs_model_rebind_device(m, "ecmo", "vent", "la", &err), HS_OK);
      set(m, "ecmo.vent_size", "22 Fr");
      break;
    default:
      break;
  }
  return m;
}

static void test_devices_agree(void **state) {
  (void)state;
  static const char *const names[] = {"none", "IABP", "Impella CP P8", "septostomy 8 mm",
                                      "LA vent 22 Fr"};
  static const double flows[] = {2.5, 4};
  for (int d = 1; d < 5; d++)
    for (int k = 0; k < (full() ? 2 : 1); k++) {
      if (!full() && d != 4) continue; /* Impella: test_map_controller compares it */
      double q = full() ? flows[k] : 4;
      char what[80];
      snprintf(what, sizeof what, "ecmo %g L/min + %s", q, names[d]);
      agree(ecmo_with(d, q), what, q);
    }
}

/* The reported bug: the accelerated search extrapolated the ECMO flow controller's
   speed to -2065 rpm (2.47 L/min for a 1 L/min target) where the anti-windup held
   it.  Now: the plain answer, a positive speed (1210 rpm with the reflex off in the
   preset of the report; 1265 rpm in severe_shock_ecmo, the same patient with its
   baroreflex on) and 1.00 L/min.  This case (MAP 48 mmHg, reflex saturating) was also
   the one where Anderson acceleration fell back (its beat-to-beat change grew after
   accelerated steps); with the afferent midpoint of issue 10 it converges accelerated. */
static void test_low_contractility_regression(void **state) {
  (void)state;
  HS_RELEASE_ONLY(); /* as test_ecmo_flows_agree (7 s under the sanitizers) */
  hs_model *m = load("severe_shock_ecmo.yaml");
  set(m, "lv.ees", "0.2");
  set(m, "ecmo.target_flow", "1 L/min");
  res a = solve(m, 1, 1, 0);
  assert_in_range_d(a.ecmo_rpm, 1150, 1330);
  assert_near(a.ecmo_flow, 1.0, 0.02);
  print_message("  fallback: %s\n", a.info.accel_reason);
  /* since issue 10's afferent midpoint the reflex no longer drives this case into the
     growing beat-to-beat change that made acceleration fall back (the fallback itself is
     test_fallback_reported); if it falls back it says why, and either way the answer is
     the plain one (agree).  With the perfusion-contraction matching (docs/model.md 2.22)
     this LV, ischaemic, stops ejecting: the fallback is the non-ejecting LV's */
  if (a.info.accel_fallback)
    assert_true(strstr(a.info.accel_reason, "Anderson") ||
                strstr(a.info.accel_reason, "aortic valve"));
  agree(m, "lv.ees 0.2, ecmo 1 L/min (fallback)", 1.0);
  for (int i = 0; i < (full() ? 3 : 1); i++) {
    static const char *const q[] = {"0.5 L/min", "2.5 L/min", "5 L/min"};
    m = load("severe_shock_ecmo.yaml");
    set(m, "lv.ees", "0.2");
    set(m, "ecmo.target_flow", q[i]);
    agree(m, q[i], atof(q[i]));
  }
}

static void free_solve(hs_model *m, res *out, int accel, double extra) {
  *out = solve(m, accel, 1, extra);
  hs_model_free(m);
}

/* A case built to defeat acceleration: at 5 L/min the LV of severe_shock_ecmo does not
   eject and fills one way (mitral inflow, no outflow), so an overshoot of an
   accelerated step would never be undone (the old one-mode extrapolation gave LVEDV
   262 mL vs 258.3 plain; an unguarded Anderson step left the RV 1.5 mL fuller).  The
   haemodynamics are integrated plainly while a ventricle does not eject; the run says
   so and matches plain integration. */
static void test_fallback_reported(void **state) {
  (void)state;
  hs_model *m = load("severe_shock_ecmo.yaml"); /* the non-ejecting phenotype */
  set(m, "ecmo.target_flow", "5 L/min");
  res a = solve(m, 1, 1, 0);
  assert_true(a.av < 0.5);
  assert_int_equal(a.info.accel_fallback, 1);
  assert_non_null(strstr(a.info.accel_reason, "aortic valve"));
  if (full()) agree(m, "severe ecmo 5 L/min (LV not ejecting)", 5);
  else hs_model_free(m);
  /* no fallback where acceleration is trusted */
  res h;
  free_solve(load("healthy_adult.yaml"), &h, 1, 0);
  assert_int_equal(h.info.accel_fallback, 0);
  assert_true(h.info.accel_jumps > 0);
  assert_string_equal(h.info.accel_reason, "");
}

/* Plain integration for `seconds` from the file's start, then the summary of 6 beats. */
static res plain_for(const hs_model *m, double seconds) {
  hs_err err;
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  assert_int_equal(hs_sim_set(s, "solver.slow_hold", 1, &err), HS_OK); /* as the steady state */
  assert_int_equal(hs_sim_run(s, seconds, &err), HS_OK);
  double m6[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_summary(s, 6, m6, &err), HS_OK);
  res r;
  memset(&r, 0, sizeof r);
  r.map = m6[HS_M_MAP], r.pcwp = m6[HS_M_PCWP], r.lvedv = m6[HS_M_LVEDV];
  r.lvedp = m6[HS_M_LVEDP], r.av = m6[HS_M_AVOPEN];
  hs_sim_free(s);
  hs_plan_free(pl);
  return r;
}

/* The left heart's filling balance (docs/numerics.md, "Left-heart filling balance"): an
   LV that does not eject on VA-ECMO keeps filling from the bronchial circulation (about
   1 % of the output, docs/model.md 4.8) until the pressure of its pool stops the inflow or
   makes the LV eject: a time constant of about an hour, thousands of beats, and a
   beat-to-beat change far below the volume tolerance long before the balance.  The search
   solves that balance and lands where two hours of plain integration from the same start
   do (before the solve it reported the state after 600 beats, PCWP 21.9 instead of 29.8
   mmHg in ECPR at 4 L/min, and "no steady state").  HS_TEST_FULL adds the two shock
   patients whose LV stops ejecting on full flow. */
static void test_left_heart_balance(void **state) {
  (void)state;
  HS_RELEASE_ONLY(); /* long plain integrations (14 s under the sanitizers) */
  static const char *const file[] = {"cardiac_arrest_ecpr.yaml", "severe_shock_ecmo.yaml",
                                     "scai_e_shock_ecmo.yaml"};
  static const char *const flow[] = {"4 L/min", "5 L/min", "5 L/min"};
  for (int i = 0; i < (full() ? 3 : 1); i++) {
    hs_model *m = load(file[i]);
    set(m, "ecmo.target_flow", flow[i]);
    res a = solve(m, 1, 1, 0), p = plain_for(m, 7200);
    print_message("  %-26s %s: search %ld beats (%d balance steps)  PCWP %.2f/%.2f  LVEDV "
                  "%.2f/%.2f  LVEDP %.2f/%.2f  (plain 2 h)\n",
                  file[i], flow[i], a.info.beats, a.info.lh_steps, a.pcwp, p.pcwp, a.lvedv,
                  p.lvedv, a.lvedp, p.lvedp);
    assert_true(a.av < 0.5 && p.av < 0.5); /* the aortic valve stays shut */
    assert_true(a.info.lh_steps >= 2);
    assert_true(a.info.beats < 400);
    assert_non_null(strstr(a.info.accel_reason, "filling balance"));
    assert_near(a.pcwp, p.pcwp, 0.3);
    assert_near(a.lvedp, p.lvedp, 0.3);
    assert_near(a.lvedv, p.lvedv, 1.0);
    assert_true(a.pcwp > 20.0); /* distended: the arrested heart's 8.8 mmHg without inflow */
    hs_model_free(m);
  }
}

/* The balance from above: a non-ejecting LV's pool started above its balance (compare
   warm-starts each ECMO flow from a neighbour's state; SCAI E on ECMO: PCWP 31.8 mmHg at
   3 L/min, 29.2 at 4.25) drains back as slowly as it fills.  The balance must start on a
   draining pool too: it had waited for filling, and compare's ECMO-alone row at 4.25
   L/min ended "not steady" after its 400 beats (PCWP 30.3 instead of 29.3). */
static void test_left_heart_draining(void **state) {
  (void)state;
  hs_model *m = load("scai_e_shock_ecmo.yaml");
  set(m, "solver.max_beats", "400");
  hs_err err;
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *s = hs_sim_new(pl, &err);
  assert_non_null(s);
  hs_steady_info a, b;
  double m6[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_set(s, "ecmo.target_flow", 3 * LPM, &err), HS_OK);
  assert_int_equal(hs_sim_run_to_steady(s, &a, &err), HS_OK);
  assert_int_equal(hs_sim_summary(s, 6, m6, &err), HS_OK);
  double high = m6[HS_M_PCWP];
  assert_int_equal(hs_sim_set(s, "ecmo.target_flow", 4.25 * LPM, &err), HS_OK);
  hs_status st = hs_sim_run_to_steady(s, &b, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_int_equal(hs_sim_summary(s, 6, m6, &err), HS_OK);
  hs_sim_free(s);
  hs_plan_free(pl);
  set(m, "ecmo.target_flow", "4.25 L/min");
  res r = solve(m, 1, 1, 0); /* the same flow from the file's start */
  hs_model_free(m);
  print_message("  SCAI E 3 -> 4.25 L/min: PCWP %.2f -> %.2f (from rest %.2f), %ld beats, %d "
                "balance steps\n",
                high, m6[HS_M_PCWP], r.pcwp, b.beats, b.lh_steps);
  assert_true(high > m6[HS_M_PCWP] + 1.0); /* the pool had to drain */
  assert_true(b.lh_steps >= 1);
  assert_near(m6[HS_M_PCWP], r.pcwp, 0.3);
}

/* The slow CSF mode (time constant ~45 min in the healthy adult) is part of the
   steady state: 30 more minutes do not move ICP.  (Before the brain's CSF
   parameters were sourced, ICP drifted from 8.5 to 14.7 mmHg over 2 h; with a
   sinus pressure of ~7 mmHg its balance is ~10 mmHg: docs/brain.md.) */
static void test_icp_settled(void **state) {
  (void)state;
  HS_RELEASE_ONLY(); /* as test_ecmo_flows_agree (9 s under the sanitizers) */
  res a, b;
  free_solve(load("healthy_adult.yaml"), &a, 1, 0);
  free_solve(load("healthy_adult.yaml"), &b, 1, 1800);
  print_message("  healthy ICP steady %.3f, +30 min %.3f mmHg (CSF steps %d)\n", a.icp, b.icp,
                a.info.csf_steps);
  assert_true(a.info.csf_steps > 0);
  assert_true(a.info.icp_imbalance_mmhg < 0.05);
  assert_near(a.icp, b.icp, 0.1);
  assert_near(a.map, b.map, 0.05);
  assert_in_range_d(a.icp, 8, 12); /* the CSF balance of this patient: normal ICP 7-15 mmHg */
  if (full()) { /* from rest: the 2-h and 4-h plain runs approach it */
    hs_err err;
    hs_model *m = load("healthy_adult.yaml");
    hs_plan *pl = hs_plan_compile(m, &err);
    hs_sim *s = hs_sim_new(pl, &err);
    double mm[HS_METRIC_COUNT];
    assert_int_equal(hs_sim_set(s, "solver.slow_hold", 1, &err), HS_OK); /* as the steady state */
    assert_int_equal(hs_sim_run(s, 7200, &err), HS_OK);
    assert_int_equal(hs_sim_summary(s, 6, mm, &err), HS_OK);
    print_message("  healthy ICP from rest at 2 h %.3f mmHg\n", mm[HS_M_ICP]);
    assert_near(a.icp, mm[HS_M_ICP], 0.3);
    assert_int_equal(hs_sim_run(s, 7200, &err), HS_OK);
    assert_int_equal(hs_sim_summary(s, 6, mm, &err), HS_OK);
    print_message("  healthy ICP from rest at 4 h %.3f mmHg\n", mm[HS_M_ICP]);
    assert_near(a.icp, mm[HS_M_ICP], 0.1);
    hs_sim_free(s);
    hs_plan_free(pl);
    hs_model_free(m);
  }
}

/* Beat budgets of the search (docs/numerics.md, Periodic steady state): the healthy
   adult's CSF balance by direct steps (23 beats; 33 when only the first step was direct and
   regula falsi followed on drifts measured during re-settling; 28 since the coronary
   autoregulation's search steps, each of which holds the verdict for a beat, docs/model.md
   2.20), and the pig on VA-ECMO,
   whose O2 stage stalls at the watershed and must give up (107 beats while it wandered)
   and still agree with plain integration; and acute-MI shock with the cerebral CO2
   reactivity on, whose warm start's CO2 balance moves the alveolar PO2 (103 beats before
   the O2 fixed point was replayed behind it, 75 since). */
static void test_beat_budget(void **state) {
  (void)state;
  res h, p, c;
  free_solve(load("healthy_adult.yaml"), &h, 1, 0);
  free_solve(load("pig_acute_heart_failure.yaml"), &p, 1, 0);
  hs_model *mc = load("acute_mi_shock.yaml");
  set(mc, "brain.co2_reactivity", "4 %/mmHg");
  free_solve(mc, &c, 1, 0);
  print_message("  healthy adult %ld beats (CSF steps %d), pig on VA-ECMO %ld beats, acute MI "
                "with the CO2 reactivity %ld beats (%d blood-gas steps)\n",
                h.info.beats, h.info.csf_steps, p.info.beats, c.info.beats, c.info.gas_steps);
  assert_true(h.info.beats <= 30);
  assert_true(h.info.csf_steps <= 5);
  assert_true(p.info.beats <= 60);
  assert_true(c.info.beats <= 90);
  agree(load("pig_acute_heart_failure.yaml"), "pig_acute_heart_failure.yaml", 0);
}

/* map_control: the acute-MI shock patient on VA-ECMO at 4 L/min with an Impella CP
   at P8 (MAP ~96 mmHg, baroreflex on) is brought into 65-75 mmHg by a vasodilator (at
   5 L/min even nitroprusside 10 ug/kg/min leaves it at 77, the drug also making the LV
   more distensible, docs/drugs.md);
   without the Impella at 1 L/min and lv.ees 0.8 a vasopressor is needed.  The factor is
   settled at steady state (10 more s do not move it).
   effect drugs (default): the vasodilator is nitroprusside, whose venous pooling lowers
   the filling pressure more than the same MAP reached by arteriolar dilation alone
   (Chatterjee & Parmley 1983 J Am Coll Cardiol 1:133); it stops at max_nitroprusside.
   The vasopressor is norepinephrine, whose inotropy and chronotropy (drugs block) reach
   a MAP target with less vasoconstriction than resistance alone. */
static void test_map_controller(void **state) {
  (void)state;
  hs_model *m = ecmo_with(2, 4);
  res off = solve(m, 1, 1, 0);
  set(m, "map_control.enabled", "true");
  set(m, "map_control.max_nitroprusside", "10 ug/kg/min");
  res on = solve(m, 1, 1, 0), later = solve(m, 1, 1, 10);
  set(m, "map_control.effect", "resistance");
  set(m, "map_control.min_factor", "0.3");
  res rs = solve(m, 1, 1, 0);
  print_message("  ECMO 4 + Impella CP P8: MAP %.1f -> %.1f mmHg (SNP %.2f ug/kg/min, factor "
                "%.3f, PCWP %.1f -> %.1f); resistance only: MAP %.1f factor %.3f PCWP %.1f\n",
                off.map, on.map, on.ntp, on.bpc, off.pcwp, on.pcwp, rs.map, rs.bpc, rs.pcwp);
  assert_near(off.bpc, 1.0, 1e-12);
  assert_in_range_d(on.map, 65, 75);
  assert_true(on.bpc < 1.0);
  assert_near(on.ne, 0.0, 1e-12);
  assert_in_range_d(on.ntp, 0.05, 10.0);
  assert_near(later.bpc, on.bpc, 1e-9);
  assert_in_range_d(rs.map, 65, 75);
  assert_true(on.pcwp < rs.pcwp - 0.5); /* venous pooling */
  hs_model_free(m);
  /* the default nitroprusside limit (3 ug/kg/min) is a settled state above the band */
  m = ecmo_with(2, 5);
  set(m, "map_control.enabled", "true");
  res lim3 = solve(m, 1, 1, 0);
  print_message("  ... at the default limit: MAP %.1f, SNP %.3f\n", lim3.map, lim3.ntp);
  assert_near(lim3.ntp, 3.0, 1e-3);
  assert_true(lim3.map > on.map);
  hs_model_free(m);
  /* with the controller titrating, acceleration still ends where plain integration does */
  m = ecmo_with(2, 5);
  set(m, "map_control.enabled", "true");
  set(m, "map_control.max_nitroprusside", "10 ug/kg/min");
  agree(m, "ecmo 5 + Impella CP P8 + map_control", 5);

  m = load("acute_mi_shock.yaml"); /* MAP 69 mmHg untreated (baroreflex on) */
  set(m, "map_control.enabled", "true");
  set(m, "map_control.target_low", "72 mmHg");
  set(m, "map_control.target_high", "80 mmHg");
  res vp = solve(m, 1, 1, 0);
  set(m, "map_control.effect", "resistance");
  res vr = solve(m, 1, 1, 0);
  print_message("  acute_mi_shock 72-80: MAP %.1f, NE %.3f ug/kg/min (factor %.3f, CO %.2f); "
                "resistance only: factor %.3f, CO %.2f\n",
                vp.map, vp.ne, vp.bpc, vp.co, vr.bpc, vr.co);
  assert_in_range_d(vp.map, 72, 80);
  assert_true(vp.bpc > 1.0);
  assert_in_range_d(vp.ne, 0.001, 1.0);
  assert_in_range_d(vr.map, 72, 80);
  assert_true(vp.bpc < vr.bpc); /* inotropy does part of the work */
  assert_true(vp.co > vr.co);
  hs_model_free(m);
  /* the vasopressor limit holds: SCAI E (MAP 54 mmHg on two drugs) does not reach 65
     with 0.1 ug/kg/min more (MAP 61.6).  With the perfusion-contraction matching
     (docs/model.md 2.22) the pressure a vasopressor adds also restores this ischaemic
     LV's contractility (0.92 -> 0.985 x at 0.1, 1.0 at 0.2), so 0.3 reaches 65 at 0.26;
     before the matching the limit was 0.3, and the default 1 reached 65 at 0.56 since
     issue 10's afferent midpoint */
  m = load("scai_e_shock.yaml");
  set(m, "map_control.enabled", "true");
  set(m, "map_control.max_norepinephrine", "0.1 ug/kg/min");
  res lim = solve(m, 1, 1, 0);
  print_message("  scai_e 65-75: MAP %.1f, NE %.3f (limit 0.1)\n", lim.map, lim.ne);
  assert_near(lim.ne, 0.1, 1e-3);
  assert_true(lim.map < 65);
  hs_model_free(m);
}

/* Warm start (hs_sim_copy_state, hs_sim_get_state / hs_sim_set_state): a simulation
   started from a steady neighbour reaches the same steady state as one started from rest
   (the tolerances of agree()), in fewer beats: the same patient at 3 L/min from its
   4 L/min steady state, and the patient with an added IABP (a device the source lacks
   starts from rest).  Bad states are refused with a message. */
static hs_sim *steady_sim(hs_plan **pl, hs_model *m, hs_steady_info *info) {
  hs_err err;
  *pl = hs_plan_compile(m, &err);
  assert_non_null(*pl);
  hs_sim *s = hs_sim_new(*pl, &err);
  assert_non_null(s);
  if (info) {
    hs_status st = hs_sim_run_to_steady(s, info, &err);
    if (st) print_error("%s\n", err.msg);
    assert_int_equal(st, HS_OK);
  }
  return s;
}

static void summary(hs_sim *s, double *m) {
  hs_err err;
  assert_int_equal(hs_sim_summary(s, 6, m, &err), HS_OK);
}

static void same_state(const double *a, const double *b) {
  assert_near(a[HS_M_MAP], b[HS_M_MAP], 0.5);
  assert_near(a[HS_M_PCWP], b[HS_M_PCWP], 0.5);
  assert_near(a[HS_M_LVEDV], b[HS_M_LVEDV], 1.0);
  assert_near(a[HS_M_CO], b[HS_M_CO], pct_tol(b[HS_M_CO], 1, 0.02));
  assert_near(a[HS_M_ICP], b[HS_M_ICP], 0.5);
}

static void test_warm_start(void **state) {
  (void)state;
  hs_err err;
  hs_plan *p4, *p3, *p3b, *pi, *pib;
  hs_steady_info i4, cold, warm;
  hs_model *m = load("acute_mi_shock_ecmo.yaml");
  hs_sim *s4 = steady_sim(&p4, m, &i4);
  set(m, "ecmo.target_flow", "3 L/min");
  hs_sim *c3 = steady_sim(&p3, m, &cold), *w3 = steady_sim(&p3b, m, NULL);
  assert_int_equal(hs_sim_copy_state(w3, s4, &err), HS_OK);
  assert_int_equal(hs_sim_run_to_steady(w3, &warm, &err), HS_OK);
  double a[HS_METRIC_COUNT], b[HS_METRIC_COUNT];
  summary(w3, a), summary(c3, b);
  print_message("  ECMO 3 L/min: cold %ld beats, warm from 4 L/min %ld beats; MAP %.2f/%.2f\n",
                cold.beats, warm.beats, b[HS_M_MAP], a[HS_M_MAP]);
  same_state(a, b);
  assert_true(warm.beats < cold.beats);
  assert_near(hs_sim_total_volume(w3), hs_sim_total_volume(c3), 1e-6);
  /* a state vector: the same steady state set into a new simulation stays steady */
  size_t n = hs_sim_state_size(c3);
  double *v = malloc(n * sizeof *v);
  assert_non_null(v);
  assert_int_equal(hs_sim_get_state(c3, v, n, &err), HS_OK);
  hs_sim *again = hs_sim_new(p3, &err);
  assert_int_equal(hs_sim_set_state(again, v, n, &err), HS_OK);
  assert_int_equal(hs_sim_run_to_steady(again, &warm, &err), HS_OK);
  print_message("  same plan from its own steady state: %ld beats\n", warm.beats);
  assert_true(warm.beats <= 13); /* confirmed within about two summary windows (6 beats
                                    each; 8 before the afferent midpoint of issue 10, then
                                    10; 13 since the warm start balances supply-limited
                                    vessels at their supplied consumption, which put the
                                    cold searches of those patients 8-60 % closer) */
  summary(again, a);
  same_state(a, b);
  /* refused: wrong size, not finite, not at a beat start */
  assert_int_equal(hs_sim_set_state(again, v, n - 1, &err), HS_ERR_INVALID);
  v[0] = NAN;
  assert_int_equal(hs_sim_set_state(again, v, n, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "finite"));
  v[0] = 1.0;
  assert_int_equal(hs_sim_run(again, 0.1, &err), HS_OK);
  assert_int_equal(hs_sim_set_state(again, v, n, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "beat start"));
  free(v);
  /* another plan: an IABP added (its states start from rest) */
  add(m, "iabp", "iabp", "desc_aorta", NULL);
  hs_sim *ci = steady_sim(&pi, m, &cold), *wi = steady_sim(&pib, m, NULL);
  assert_int_equal(hs_sim_copy_state(wi, c3, &err), HS_OK);
  hs_status st = hs_sim_run_to_steady(wi, &warm, &err);
  if (st) print_error("%s (%s)\n", err.msg, warm.accel_reason);
  assert_int_equal(st, HS_OK);
  summary(wi, a), summary(ci, b);
  print_message("  + IABP: cold %ld beats, warm from ECMO alone %ld beats; MAP %.2f/%.2f\n",
                cold.beats, warm.beats, b[HS_M_MAP], a[HS_M_MAP]);
  same_state(a, b);
  hs_sim *list[] = {s4, c3, w3, again, ci, wi};
  for (int k = 0; k < 6; k++) hs_sim_free(list[k]);
  hs_plan *plans[] = {p4, p3, p3b, pi, pib};
  for (int k = 0; k < 5; k++) hs_plan_free(plans[k]);
  hs_model_free(m);
}

/* Every shipped patient as it comes (the default run covers healthy_adult and
   acute_mi_shock; the untreated VF arrest, which has no beats, is run for a fixed time by
   tests/test_patients.c). */
static void test_grid_patients(void **state) {
  (void)state;
  static const char *const files[] = {
      "acute_mi_shock_ecmo.yaml",   "basilar_occlusion.yaml",     "biventricular_failure.yaml",
      "cardiac_arrest_ecpr.yaml",   "fulminant_myocarditis.yaml", "pig_acute_heart_failure.yaml",
      "post_cardiotomy_shock.yaml", "rv_shock.yaml",              "scai_c_shock.yaml",
      "scai_d_shock.yaml",          "scai_e_shock.yaml",          "scai_e_shock_ecmo.yaml",
      "severe_shock_ecmo.yaml",     "stroke_post_thrombectomy.yaml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) agree(load(files[i]), files[i], 0);
}

/* Every built-in compare strategy at ECMO 3 L/min (strategies with their own flow at it). */
static void test_grid_strategies(void **state) {
  (void)state;
  hs_model *base = load("acute_mi_shock_ecmo.yaml");
  for (int k = 0; hs_builtin_strategies[k]; k++) {
    hs_model *m = NULL;
    hs_err err;
    hs_status st = hs_strategy_model(base, hs_builtin_strategies[k], 3.0, &m, &err);
    if (st) print_error("%s: %s\n", hs_builtin_strategies[k], err.msg);
    assert_int_equal(st, HS_OK);
    char what[96];
    snprintf(what, sizeof what, "%s at 3 L/min", hs_builtin_strategies[k]);
    agree(m, what, strncmp(hs_builtin_strategies[k], "ecmo", 4) == 0 ? 3.0 : 0);
  }
  hs_model_free(base);
}

/* The cerebral CO2 reactivity (brain.co2_reactivity, off by default) adds the CO2 factor
   state and the search's blood-gas steps (docs/numerics.md): the accelerated search agrees with
   plain integration with it on, in the patients where the PCO2 the brain receives comes
   from the native lungs, the oxygenator or both (the ECMO patients, the non-ejecting
   severe and SCAI E ones among them), at two ECMO flows. */
static void test_co2_reactivity_agree(void **state) {
  (void)state;
  static const char *const files[] = {"healthy_adult.yaml", "acute_mi_shock_ecmo.yaml",
                                      "scai_e_shock_ecmo.yaml", "severe_shock_ecmo.yaml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    hs_model *m = load(files[i]);
    set(m, "brain.co2_reactivity", "4 %/mmHg");
    char what[96];
    snprintf(what, sizeof what, "%s, CO2 reactivity 4 %%/mmHg", files[i]);
    agree(m, what, 0);
  }
  hs_model *m = load("acute_mi_shock_ecmo.yaml");
  set(m, "brain.co2_reactivity", "4 %/mmHg");
  set(m, "ecmo.target_flow", "2 L/min");
  set(m, "ecmo.sweep", "1 L/min"); /* hypercapnic: PaCO2 59 mmHg */
  agree(m, "acute_mi_shock_ecmo at 2 L/min, sweep 1 L/min, CO2 reactivity", 2);
  /* hypocapnic with neither ventricle ejecting: a blood-gas step re-solves the left heart's
     filling balance; the LV stays stagnant for the O2 test (it was forgotten, and the
     search did not settle in 600 beats) */
  m = load("scai_e_shock_ecmo.yaml");
  set(m, "brain.co2_reactivity", "4 %/mmHg");
  set(m, "ecmo.sweep", "6 L/min"); /* PaCO2 ~28 mmHg */
  agree(m, "scai_e_shock_ecmo, sweep 6 L/min, CO2 reactivity", 0);
}

/* The cerebral O2 reactivity (brain.o2_reactivity, off by default) shares the CO2
   reactivity's factor state and blood-gas steps: the accelerated search agrees with plain
   integration with it on, in isocapnic hypoxaemia (healthy adult), in differential
   hypoxaemia on femoral VA-ECMO (the brain receives the failing lungs' blood), with the CO2
   reactivity on too, and where the oxygenator's hyperoxic blood reaches the arch of a
   non-ejecting LV (severe shock on ECMO). */
static void test_o2_reactivity_agree(void **state) {
  (void)state;
  hs_model *m = load("healthy_adult.yaml");
  set(m, "brain.o2_reactivity", "1.3");
  set(m, "oxygen.shunt_fraction", "0.55");
  set(m, "oxygen.alveolar_ventilation", "5.4 L/min");
  agree(m, "healthy_adult, PaO2 37 mmHg, O2 reactivity", 0);
  m = load("acute_mi_shock_ecmo.yaml");
  set(m, "brain.o2_reactivity", "1.3");
  set(m, "oxygen.shunt_fraction", "0.5");
  set(m, "ecmo.target_flow", "3 L/min");
  agree(m, "acute_mi_shock_ecmo 3 L/min, shunt 0.5, O2 reactivity", 3);
  if (full()) {
    m = load("acute_mi_shock_ecmo.yaml");
    set(m, "brain.o2_reactivity", "1.3");
    set(m, "brain.co2_reactivity", "4 %/mmHg");
    set(m, "oxygen.shunt_fraction", "0.5");
    set(m, "ecmo.target_flow", "2 L/min");
    agree(m, "acute_mi_shock_ecmo 2 L/min, shunt 0.5, O2 + CO2 reactivity", 2);
  }
  m = load("severe_shock_ecmo.yaml");
  set(m, "brain.o2_reactivity", "1.3");
  agree(m, "severe_shock_ecmo, O2 reactivity (hyperoxic arch)", 0);
}

/* The O2 contents of the summary beats are those of the CO2 balance solved at the end of
   the search: the alveolar PCO2 sets the alveolar PO2, and the contents were once left at
   the PCO2 before that solve, so the upper-body PaO2 fell during the summary beats (post-
   cardiotomy shock: 96.50 reported against 90.23 mmHg, SvO2 29.93 against 29.37 %; pig on
   VA-ECMO 98.63 against 94.58).  The accelerated search against plain integration with
   every tolerance ten times tighter: PaO2 within 0.5 mmHg, saturations within 0.15 %
   (plain integration keeps part of the slow modes' distance: 0.09 % of SvO2 here). */
static void test_o2_at_final_co2(void **state) {
  (void)state;
  static const char *const all[] = {"post_cardiotomy_shock.yaml", "pig_acute_heart_failure.yaml",
                                    "scai_e_shock.yaml"};
  for (int i = 0; i < (full() ? 3 : 1); i++) {
    hs_model *m = load(all[i]);
    res a = solve(m, 1, 1, 0), p = solve(m, 0, 10, 0);
    print_message("  %-30s PaO2 upper %.2f / %.2f mmHg, SvO2 %.2f / %.2f %%, PaCO2 %.2f / %.2f "
                  "(accelerated %ld / plain %ld beats)\n",
                  all[i], a.pao2u, p.pao2u, a.svo2, p.svo2, a.paco2u, p.paco2u, a.info.beats,
                  p.info.beats);
    assert_near(a.pao2u, p.pao2u, 0.5);
    assert_near(a.sao2u, p.sao2u, 0.15);
    if (!isnan(p.svo2)) assert_near(a.svo2, p.svo2, 0.15);
    hs_model_free(m);
  }
}

/* A pattern of beats (IABP 1:2: solver.steady_period 2) solves its CO2 balance from the
   mean flows of the whole pattern, not of its last beat: the steady state's PaCO2 was
   reported at 19.6 mmHg (IABP 1:1: 45.6) and integration then drifted it to 43 mmHg and
   above.  After the steady state, 40 more beats move PaCO2 by less than 0.5 mmHg and the
   upper-body PaO2 by less than 1 mmHg (the slow states, free again, drift a little). */
static void test_pattern_co2(void **state) {
  (void)state;
  hs_model *m = ecmo_with(1, 1.0);
  set(m, "iabp.ratio", "2"); /* the balloon's period sets the steady state's: 2 beats */
  hs_err err;
  hs_plan *pl;
  hs_steady_info info;
  hs_sim *s = steady_sim(&pl, m, &info);
  double *all = malloc(hs_sim_metric_count(s) * sizeof *all);
  assert_non_null(all);
  assert_int_equal(hs_sim_summary_all(s, 6, all, &err), HS_OK);
  double pc0 = all[HS_M_PACO2U], po0 = all[HS_M_PAO2U];
  assert_int_equal(hs_sim_run_beats(s, 40, &err), HS_OK);
  assert_int_equal(hs_sim_summary_all(s, 6, all, &err), HS_OK);
  print_message("  IABP 1:2 on ECMO 1 L/min: PaCO2 %.2f -> %.2f, PaO2 upper %.2f -> %.2f mmHg "
                "over 40 beats after the steady state (%ld beats)\n",
                pc0, all[HS_M_PACO2U], po0, all[HS_M_PAO2U], info.beats);
  assert_in_range_d(pc0, 35.0, 55.0);
  assert_near(all[HS_M_PACO2U], pc0, 0.5);
  assert_near(all[HS_M_PAO2U], po0, 1.0);
  free(all);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* A device that repeats every n beats sets the steady state's period by itself (the
   IABP at 1:n; solver.steady_period stays 1): in acute-MI shock without ECMO, IABP 1:2
   and 1:3 were once compared a beat apart, never looked steady (1.36 mL per beat at 1:3
   after 600 beats) and were reported anyway.  Now each reaches a steady state, the
   accelerated search agrees with plain integration, and the state then repeats every n
   beats (LV volume at the end of a beat n beats apart within 0.05 mL; a beat apart
   0.17 mL at 1:2) but not every beat. */
static void test_device_period(void **state) {
  (void)state;
  HS_RELEASE_ONLY(); /* plain integration of a 1:3 pattern (12 s under the sanitizers; the
                        pattern's code runs there in test_pattern_co2) */
  char path[512];
  snprintf(path, sizeof path, "%s/tests/validation/patients/acute_mi_shock_iabp.yaml",
           HS_SOURCE_DIR);
  for (int n = 2; n <= 3; n++) {
    hs_err err;
    hs_model *m = NULL;
    if (hs_patient_load_file(path, &m, &err)) fail_msg("%s", err.msg);
    char r[16];
    snprintf(r, sizeof r, "%d", n);
    set(m, "iabp.ratio", r);
    res a = solve(m, 1, 1, 0), p = solve(m, 0, 4, 0); /* plain, 4x tighter (as agree) */
    hs_plan *pl;
    hs_steady_info info;
    hs_sim *s = steady_sim(&pl, m, &info);
    int lv = hs_plan_node_find(pl, "lv");
    double ved[7];
    for (int b = 0; b < 7; b++) { /* LV volume at each beat's end (= next end-diastole) */
      assert_int_equal(hs_sim_run_beats(s, 1, &err), HS_OK);
      ved[b] = hs_sim_volume(s, (size_t)lv);
    }
    double per_n = 0, per_1 = 0;
    for (int b = 0; b + n < 7; b++) per_n = fmax(per_n, fabs(ved[b + n] - ved[b]));
    for (int b = 0; b + 1 < 7; b++) per_1 = fmax(per_1, fabs(ved[b + 1] - ved[b]));
    print_message("  IABP 1:%d: steady %d in %ld beats (plain %d in %ld); MAP %.2f / %.2f, "
                  "LVEDV %.2f / %.2f; LV volume change over %d beats %.4f mL, over 1 beat %.2f mL\n",
                  n, a.info.reached, a.info.beats, p.info.reached, p.info.beats, a.map, p.map,
                  a.lvedv, p.lvedv, n, per_n, per_1);
    assert_true(a.info.reached);
    assert_true(p.info.reached);
    assert_near(a.map, p.map, 0.3);
    assert_near(a.lvedv, p.lvedv, 0.5);
    assert_true(per_n < 0.05);
    assert_true(per_1 > 0.1); /* the pattern is real: consecutive beats differ */
    hs_sim_free(s);
    hs_plan_free(pl);
    hs_model_free(m);
  }
}

int main(void) {
  const char *g = getenv("HS_TEST_GRID");
  if (g && *g && strcmp(g, "0") != 0) {
    const struct CMUnitTest grid[] = {
        cmocka_unit_test(test_grid_patients),
        cmocka_unit_test(test_grid_strategies),
        cmocka_unit_test(test_co2_reactivity_agree), cmocka_unit_test(test_o2_reactivity_agree),
    };
    return cmocka_run_group_tests(grid, NULL, NULL);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_patients_agree),     cmocka_unit_test(test_ecmo_flows_agree),
      cmocka_unit_test(test_devices_agree),      cmocka_unit_test(test_low_contractility_regression),
      cmocka_unit_test(test_fallback_reported),  cmocka_unit_test(test_left_heart_balance),
      cmocka_unit_test(test_left_heart_draining),
      cmocka_unit_test(test_icp_settled),
      cmocka_unit_test(test_map_controller),     cmocka_unit_test(test_warm_start),
      cmocka_unit_test(test_beat_budget),        cmocka_unit_test(test_o2_at_final_co2),
      cmocka_unit_test(test_pattern_co2),       cmocka_unit_test(test_device_period),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
