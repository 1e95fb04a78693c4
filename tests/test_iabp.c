/*
 * test_iabp.c - the intra-aortic balloon pump on the acute-MI cardiogenic shock
 * patient, with and without peripheral VA-ECMO: the balloon's volume waveform,
 * the console pressures (diastolic augmentation above the unassisted systole,
 * assisted end-diastolic pressure below the unassisted one; Kern et al. 1999),
 * the haemodynamic effect (cardiac output +0.2-1.0 L/min, LV systolic pressure
 * and effective arterial elastance down, Parissis et al. 2016; Urschel 1970),
 * 1:2 and 1:3 weaker than 1:1, the volume reaching the aortic root (Kolyva et
 * al. 2010), PCWP relief under VA-ECMO of at most ~5 mmHg (Donker et al. 2019,
 * Perfusion 34:98; issue #4), volume conservation, starting and stopping mid-run, limits.
 * docs/devices.md explains the numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/device.h"
#include "hemosim/hemosim.h"
#include "support.h"

#define LPM (1000.0 / 60.0)
#define DT 0.0005 /* sampling interval, s */
#define MAXS 8000

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

/* A patient with a 40-mL IABP in the descending thoracic aorta (on = 0: in standby,
   which gives the unassisted baseline with the same state vector). */
static hs_model *with_iabp(const char *file, int on, int ratio) {
  hs_model *m = load(file);
  hs_err err;
  const char *ports[] = {"desc_aorta"};
  hs_status st = hs_model_add_device(m, "iabp", "iabp", ports, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_int_equal(hs_model_set(m, "iabp.on", on, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "iabp.ratio", ratio, &err), HS_OK);
  /* the device in a fixed circulation (heart rate as in the file); the shock presets'
     baroreflex is exercised by tests/test_validation_physio.c */
  assert_int_equal(hs_model_set(m, "baroreflex.enabled", 0, &err), HS_OK);
  return m;
}

#define sim_of hs_test_sim
#define metric hs_test_metric

/* ---------------------------------------------------------- measurements -- */

/* One beat of samples. */
typedef struct trace {
  int lv, root, desc, av, asc;
  int n;
  double t[MAXS], plv[MAXS], proot[MAXS], pdesc[MAXS], qav[MAXS], qasc[MAXS];
  double max_dp_desc; /* largest change of desc_aorta pressure between samples */
  double last_pdesc;
  int bad; /* a non-finite value was seen */
} trace;

static int on_sample(const hs_sample *smp, void *ud) {
  trace *tr = ud;
  double pd = smp->pressure[tr->desc];
  if (!isfinite(pd) || !isfinite(smp->pressure[tr->lv]) || !isfinite(smp->flow[tr->av]))
    tr->bad = 1;
  if (!isnan(tr->last_pdesc) && fabs(pd - tr->last_pdesc) > tr->max_dp_desc)
    tr->max_dp_desc = fabs(pd - tr->last_pdesc);
  tr->last_pdesc = pd;
  if (tr->n >= MAXS) return 0;
  int i = tr->n++;
  tr->t[i] = smp->t;
  tr->plv[i] = smp->pressure[tr->lv];
  tr->proot[i] = smp->pressure[tr->root];
  tr->pdesc[i] = pd;
  tr->qav[i] = smp->flow[tr->av];
  tr->qasc[i] = smp->flow[tr->asc];
  return 0;
}

static void trace_init(trace *tr, const hs_plan *pl) {
  memset(tr, 0, sizeof *tr);
  tr->lv = hs_plan_node_find(pl, "lv");
  tr->root = hs_plan_node_find(pl, "aortic_root");
  tr->desc = hs_plan_node_find(pl, "desc_aorta");
  tr->av = hs_plan_edge_find(pl, "aortic_valve");
  tr->asc = hs_plan_edge_find(pl, "ascending_aorta");
  assert_true(tr->lv >= 0 && tr->root >= 0 && tr->desc >= 0 && tr->av >= 0 && tr->asc >= 0);
  tr->last_pdesc = NAN;
}

/* Averages over a few beats. */
typedef struct haemo {
  double co, pcwp, map, av_open, lvedv;  /* beat metrics */
  double lv_peak;                        /* peak LV pressure, mmHg */
  double sv, ea;                         /* stroke volume (mL); Pes / SV (mmHg/mL) */
  double dia_mean;                       /* mean aortic-root pressure after valve closure */
  double v_root;                         /* retrograde ascending-aorta volume during inflation, mL */
  double aug, aedp, uedp, asys, usys;    /* console outputs (NaN-aware means) */
  double balloon;                        /* mean balloon volume, mL */
} haemo;

static void nan_mean(double *sum, int *n, double v) {
  if (!isnan(v)) *sum += v, (*n)++;
}

/* Run `beats` beats one at a time with the sampler on, and average. */
static haemo measure(hs_sim *s, const hs_plan *pl, int beats) {
  hs_err err;
  trace *tr = malloc(sizeof *tr);
  assert_non_null(tr);
  haemo h;
  memset(&h, 0, sizeof h);
  double tp0, delay = 0.02, tin = 0.08;
  assert_int_equal(hs_sim_get(s, "heart.ventricular_time_to_peak", &tp0, &err), HS_OK);
  if (hs_sim_get(s, "iabp.inflate_delay", &delay, &err) == HS_OK)
    hs_sim_get(s, "iabp.inflation_time", &tin, &err);
  static const char *const outs[] = {"iabp_augmented_pressure_mmhg",
                                     "iabp_assisted_end_diastolic_mmhg",
                                     "iabp_unassisted_end_diastolic_mmhg",
                                     "iabp_assisted_systolic_mmhg",
                                     "iabp_unassisted_systolic_mmhg"};
  double osum[5] = {0};
  int on[5] = {0};
  for (int b = 0; b < beats; b++) {
    trace_init(tr, pl);
    double t0 = hs_sim_time(s);
    assert_int_equal(hs_sim_set_sampler(s, DT, on_sample, tr, &err), HS_OK);
    assert_int_equal(hs_sim_run_beats(s, 1, &err), HS_OK);
    assert_int_equal(hs_sim_set_sampler(s, DT, NULL, NULL, &err), HS_OK);
    assert_false(tr->bad);
    double rr = hs_sim_time(s) - t0, tp = tp0 * sqrt(rr);
    double pk = -1e9, sv = 0, pes = NAN, tclose = NAN, vroot = 0;
    for (int i = 0; i < tr->n; i++) {
      if (tr->plv[i] > pk) pk = tr->plv[i];
      sv += tr->qav[i] * DT;
      if (tr->qav[i] > 0) tclose = tr->t[i], pes = tr->plv[i];
      double tr_ = tr->t[i] - t0;
      if (tr_ >= tp + delay && tr_ < tp + delay + tin) vroot -= tr->qasc[i] * DT;
    }
    double dsum = 0;
    int dn = 0;
    for (int i = 0; i < tr->n; i++)
      if (tr->t[i] > (isnan(tclose) ? t0 + tp : tclose)) dsum += tr->proot[i], dn++;
    h.lv_peak += pk / beats;
    h.sv += sv / beats;
    h.ea += (sv > 1 ? pes / sv : NAN) / beats;
    h.dia_mean += dsum / dn / beats;
    h.v_root += vroot / beats;
    h.balloon += metric(s, "iabp_balloon_volume_ml", 1) / beats;
    for (int k = 0; k < 5; k++) nan_mean(&osum[k], &on[k], metric(s, outs[k], 1));
  }
  double *o[5] = {&h.aug, &h.aedp, &h.uedp, &h.asys, &h.usys};
  for (int k = 0; k < 5; k++) *o[k] = on[k] ? osum[k] / on[k] : NAN;
  h.co = metric(s, "co_lpm", beats);
  h.pcwp = metric(s, "pcwp_mmhg", beats);
  h.map = metric(s, "map_mmhg", beats);
  h.av_open = metric(s, "av_open_fraction", beats);
  h.lvedv = metric(s, "lvedv_ml", beats);
  free(tr);
  return h;
}

static void show(const char *label, const haemo *h) {
  printf("  %-16s CO %.3f PCWP %.2f MAP %.1f AVopen %.2f LVpk %.2f SV %.2f Ea %.3f "
         "dia %.1f Vroot %.2f | aug %.1f aedp %.1f uedp %.1f asys %.1f usys %.1f Vb %.2f\n",
         label, h->co, h->pcwp, h->map, h->av_open, h->lv_peak, h->sv, h->ea, h->dia_mean,
         h->v_root, h->aug, h->aedp, h->uedp, h->asys, h->usys, h->balloon);
}

/* Run a patient with the IABP at a ratio (on = 0: standby) for a fixed time, then
   measure 6 beats (a multiple of 1, 2 and 3: whole assist cycles). */
static haemo run_case(const char *file, int on, int ratio, double ecmo_lpm,
                      double seconds) {
  hs_model *m = with_iabp(file, on, ratio);
  hs_err err;
  if (ecmo_lpm > 0) assert_int_equal(hs_model_set(m, "ecmo.target_flow", ecmo_lpm * LPM, &err), HS_OK);
  hs_plan *pl;
  hs_sim *s = sim_of(m, &pl);
  hs_status st = hs_sim_run(s, seconds, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  /* finish the current beat so that the measured beats are whole */
  assert_int_equal(hs_sim_run_beats(s, 1, &err), HS_OK);
  haemo h = measure(s, pl, 6);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return h;
}

/* ----------------------------------------------------------------- tests -- */

/* The balloon's volume is the documented waveform: inflated from end-systole +
   inflate_delay to the R wave - deflate_lead, with ramps whose mean is half, so
   its time mean over a beat is V (RR - tp - delay - lead) / RR; zero in standby. */
static void test_volume_waveform(void **state) {
  (void)state;
  haemo off = run_case("acute_mi_shock.yaml", 0, 1, 0, 20);
  assert_near(off.balloon, 0.0, 1e-9);
  haemo a = run_case("acute_mi_shock.yaml", 1, 1, 0, 20);
  double rr = 60.0 / 100.0, tp = 0.4 * sqrt(rr); /* acute_mi_shock: 100 /min */
  double expect = 40.0 * (rr - tp - 0.02 + 0.04) / rr; /* deflate_lead -0.04 s */
  assert_near(a.balloon, expect, 0.005 * expect);
  haemo b = run_case("acute_mi_shock.yaml", 1, 2, 0, 20);
  assert_near(b.balloon, expect / 2, 0.005 * expect);
  haemo c = run_case("acute_mi_shock.yaml", 1, 3, 0, 20);
  assert_near(c.balloon, expect / 3, 0.005 * expect);
}

/* A device in standby changes nothing: same haemodynamics as no device at all. */
static void test_standby_is_absent(void **state) {
  (void)state;
  hs_model *m = load("acute_mi_shock.yaml");
  hs_plan *pl;
  hs_err err;
  assert_int_equal(hs_model_set(m, "baroreflex.enabled", 0, &err), HS_OK); /* as with_iabp */
  hs_sim *s = sim_of(m, &pl);
  assert_int_equal(hs_sim_run(s, 60, &err), HS_OK);
  double co = metric(s, "co_lpm", 6), pcwp = metric(s, "pcwp_mmhg", 6);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  m = with_iabp("acute_mi_shock.yaml", 0, 1);
  s = sim_of(m, &pl);
  assert_int_equal(hs_sim_run(s, 60, &err), HS_OK);
  assert_near(metric(s, "co_lpm", 6), co, 1e-3);
  assert_near(metric(s, "pcwp_mmhg", 6), pcwp, 1e-2);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Acute-MI cardiogenic shock, no ECMO: IABP 1:1 with a 40-mL balloon. */
static void test_shock_1to1(void **state) {
  (void)state;
  haemo base = run_case("acute_mi_shock.yaml", 0, 1, 0, 90);
  haemo iabp = run_case("acute_mi_shock.yaml", 1, 1, 0, 90);
  show("no IABP", &base);
  show("IABP 1:1", &iabp);
  double dco = iabp.co - base.co;
  double dlv = 100.0 * (base.lv_peak - iabp.lv_peak) / base.lv_peak;
  double dea = 100.0 * (base.ea - iabp.ea) / base.ea;
  printf("  CO %+.2f L/min, LV peak pressure %+.1f %%, Ea %+.1f %%, PCWP %+.2f mmHg, "
         "BAEDP - EDP %+.1f mmHg, augmentation - systole %+.1f mmHg, Vroot %.1f %% of 40 mL\n",
         dco, -dlv, -dea, iabp.pcwp - base.pcwp, iabp.aedp - base.uedp, iabp.aug - base.usys,
         100.0 * iabp.v_root / 40.0);
  /* standby reports only unassisted values, 1:1 only assisted ones */
  assert_true(isnan(base.aug) && isnan(base.aedp) && isnan(base.asys));
  assert_true(isnan(iabp.uedp) && isnan(iabp.usys));
  /* diastolic augmentation exceeds the unassisted systolic pressure (Kern 1999) */
  assert_true(iabp.aug > base.usys + 5.0);
  /* mean diastolic aortic pressure rises */
  assert_true(iabp.dia_mean > base.dia_mean + 10.0);
  /* assisted end-diastolic pressure 5-15 mmHg below the unassisted one */
  assert_in_range_d(base.uedp - iabp.aedp, 5.0, 15.0);
  /* cardiac output +0.2-1.0 L/min (Parissis et al. 2016: 0.5-1.0; measured ~0.4) */
  assert_in_range_d(dco, 0.2, 1.0);
  /* LV systolic (peak) pressure falls 5-20 % (Kern 1999: assisted systolic -11-15 %;
     Urschel 1970: 10-15 %); measured -7 % in the LV-predominant preset; SV rises */
  assert_in_range_d(dlv, 5.0, 20.0);
  assert_true(iabp.sv > base.sv * 1.05);
  /* effective arterial elastance Pes/SV (the LV's afterload) -10-20 % (Urschel: -10-15 %
     of mean systemic impedance) */
  assert_in_range_d(dea, 10.0, 20.0);
  /* a small PCWP relief */
  assert_in_range_d(base.pcwp - iabp.pcwp, 0.0, 5.0);
  /* volume reaching the aortic root during inflation: Kolyva 2010, 6.4 +- 4.8 % (1:1) */
  assert_in_range_d(100.0 * iabp.v_root / 40.0, 2.0, 16.0);
}

/* 1:2 and 1:3 give smaller effects than 1:1; within a 1:2 run the console shows
   augmentation above the unassisted systole and the assisted end-diastolic pressure
   below the unassisted one (Kern 1999). */
static void test_ratios(void **state) {
  (void)state;
  haemo base = run_case("acute_mi_shock.yaml", 0, 1, 0, 90);
  haemo r1 = run_case("acute_mi_shock.yaml", 1, 1, 0, 90);
  haemo r2 = run_case("acute_mi_shock.yaml", 1, 2, 0, 90);
  haemo r3 = run_case("acute_mi_shock.yaml", 1, 3, 0, 90);
  show("no IABP", &base);
  show("IABP 1:1", &r1);
  show("IABP 1:2", &r2);
  show("IABP 1:3", &r3);
  assert_true(r1.co > r2.co && r2.co > r3.co && r3.co > base.co);
  assert_true(r1.lv_peak < r2.lv_peak && r2.lv_peak < r3.lv_peak && r3.lv_peak < base.lv_peak);
  assert_true(r1.dia_mean > r2.dia_mean && r2.dia_mean > r3.dia_mean &&
              r3.dia_mean > base.dia_mean);
  assert_true(r1.pcwp < r2.pcwp && r2.pcwp < r3.pcwp && r3.pcwp < base.pcwp);
  for (int k = 0; k < 2; k++) {
    const haemo *r = k ? &r3 : &r2;
    assert_true(r->aug > r->usys + 5.0);
    assert_true(r->aedp < r->uedp - 3.0);
    assert_true(r->asys <= r->usys + 0.5);
    assert_in_range_d(100.0 * r->v_root / 40.0 * (k ? 3 : 2), 2.0, 16.0); /* per assisted beat */
  }
}

/* Issue #4: acute-MI shock on peripheral VA-ECMO at 4.5 L/min, where the aortic
   valve no longer opens: IABP 1:1 lowers PCWP by no more than ~5 mmHg (Donker et
   al. 2019, Perfusion 34:98); it brings some ejection back. */
static void test_under_ecmo(void **state) {
  (void)state;
  haemo base = run_case("severe_shock_ecmo.yaml", 0, 1, 4.5, 120);
  haemo iabp = run_case("severe_shock_ecmo.yaml", 1, 1, 4.5, 120);
  show("ECMO 4.5", &base);
  show("ECMO 4.5 + IABP", &iabp);
  printf("  PCWP drop %.2f mmHg, LVEDV %+.1f mL, AV open fraction %.2f -> %.2f\n",
         base.pcwp - iabp.pcwp, iabp.lvedv - base.lvedv, base.av_open, iabp.av_open);
  assert_near(base.av_open, 0.0, 1e-12); /* the valve stays shut on ECMO alone */
  assert_in_range_d(base.pcwp - iabp.pcwp, 0.0, 6.0);
  assert_true(iabp.aug > base.usys + 5.0);
}

/* The balloon displaces blood, it adds none: total volume is constant while it
   inflates and deflates, and through mid-run starts and stops; no NaN; stopping
   empties the balloon without a pressure jump. */
static void test_conservation_start_stop(void **state) {
  (void)state;
  hs_model *m = with_iabp("acute_mi_shock.yaml", 1, 1);
  hs_plan *pl;
  hs_sim *s = sim_of(m, &pl);
  hs_err err;
  /* the devices' invariant: lung water's plasma (a slow state) held, nothing crosses the
     vessel walls, so the blood-volume metric is exact too */
  assert_int_equal(hs_sim_set(s, "solver.slow_hold", 1, &err), HS_OK);
  double v0 = conserved_volume(s);
  /* 5 s in 7-ms steps: many points during inflation and deflation */
  for (int k = 0; k < 700; k++) {
    assert_int_equal(hs_sim_run(s, 0.007, &err), HS_OK);
    assert_true(fabs(conserved_volume(s) - v0) / v0 < 1e-9);
  }
  /* the largest sample-to-sample pressure change in normal operation */
  trace *tr = malloc(sizeof *tr);
  assert_non_null(tr);
  trace_init(tr, pl);
  assert_int_equal(hs_sim_set_sampler(s, DT, on_sample, tr, &err), HS_OK);
  assert_int_equal(hs_sim_run(s, 3, &err), HS_OK);
  double normal = tr->max_dp_desc;
  /* stop in mid-inflation (R + tp + 20 ms + 40 ms, tp = 0.31 s at 100 /min), restart
     ten beats later with the balloon's window open (mid-diastole) */
  assert_int_equal(hs_sim_run_beats(s, 1, &err), HS_OK);
  double t = hs_sim_time(s), rr = 60.0 / 100.0;
  assert_int_equal(hs_sim_schedule(s, t + 0.362, "iabp.on", 0, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, t + 10 * rr + 0.45, "iabp.on", 1, &err), HS_OK);
  tr->max_dp_desc = 0;
  assert_int_equal(hs_sim_run(s, 6, &err), HS_OK);
  double switching = tr->max_dp_desc;
  assert_near(metric(s, "iabp_balloon_volume_ml", 3), 0.0, 1e-6); /* stopped: empty */
  assert_true(isnan(metric(s, "iabp_augmented_pressure_mmhg", 1)));
  assert_int_equal(hs_sim_run(s, 20, &err), HS_OK);
  assert_true(metric(s, "iabp_balloon_volume_ml", 3) > 10.0); /* running again */
  /* other settings take effect at once, even mid-inflation: no error, no NaN */
  assert_int_equal(hs_sim_run_beats(s, 1, &err), HS_OK);
  t = hs_sim_time(s);
  assert_int_equal(hs_sim_schedule(s, t + 0.36, "iabp.volume", 30, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, t + rr + 0.36, "iabp.ratio", 2, &err), HS_OK);
  assert_int_equal(hs_sim_schedule(s, t + 2 * rr + 0.2, "iabp.deflate_lead", 0.05, &err),
                   HS_OK);
  assert_int_equal(hs_sim_run(s, 10, &err), HS_OK);
  assert_false(tr->bad);
  printf("  largest 0.5-ms change of the balloon-site pressure: %.2f mmHg running, %.2f "
         "mmHg when stopped mid-inflation\n",
         normal, switching);
  /* continuous: a step of the ~20 mL in the balloon would move the pressure by tens
     of mmHg (20 mL / C, C = 0.25 mL/mmHg) within one sample */
  assert_true(switching < 3.0 * normal);
  assert_int_equal(hs_sim_set_sampler(s, DT, NULL, NULL, &err), HS_OK);
  free(tr);
  assert_true(fabs(conserved_volume(s) - v0) / v0 < 1e-9);
  assert_near(metric(s, "total_blood_volume_ml", 6), v0, 1e-6 * v0);
  size_t n = hs_sim_metric_count(s);
  double *all = malloc(n * sizeof *all);
  assert_int_equal(hs_sim_summary_all(s, 1, all, &err), HS_OK);
  /* NaN by definition: no femoral / brain / coronary site, no drained blood without an
     oxygenator, Ea and Ea/Ees without a stroke volume (clinical indices, issue 11) */
  for (size_t k = 0; k < HS_METRIC_COUNT; k++)
    if (k != HS_M_SAO2L && k != HS_M_DO2B && k != HS_M_DO2H && k != HS_M_SVO2D &&
        k != HS_M_PVCO2D &&
        k != HS_M_EA && k != HS_M_EAEES)
      assert_true(isfinite(all[k]));
  free(all);
  for (size_t i = 0; i < hs_plan_node_count(pl); i++) assert_true(hs_sim_volume(s, i) > 0);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Fast hearts: above 200 /min the beat is too short for a full inflation before the
   R wave; the balloon stays continuous (no pressure step at the R wave) and still
   inflates, less (mean volume 16.70 / 16.00 / 15.96 mL at 150 / 200 / 230 /min). */
static void test_high_heart_rate(void **state) {
  (void)state;
  static const char *const rates[] = {"150 /min", "200 /min", "230 /min"};
  double last_vb = 1e9;
  for (int k = 0; k < 3; k++) {
    hs_model *m = with_iabp("acute_mi_shock.yaml", 1, 1);
    hs_err err;
    assert_int_equal(hs_model_set_text(m, "heart.heart_rate", rates[k], &err), HS_OK);
    hs_plan *pl;
    hs_sim *s = sim_of(m, &pl);
    assert_int_equal(hs_sim_run(s, 30, &err), HS_OK);
    trace *tr = malloc(sizeof *tr);
    assert_non_null(tr);
    trace_init(tr, pl);
    assert_int_equal(hs_sim_set_sampler(s, DT, on_sample, tr, &err), HS_OK);
    assert_int_equal(hs_sim_run(s, 5, &err), HS_OK);
    assert_false(tr->bad);
    double vb = metric(s, "iabp_balloon_volume_ml", 6);
    printf("  %s: balloon mean %.2f mL, largest 0.5-ms pressure change %.2f mmHg\n", rates[k],
           vb, tr->max_dp_desc);
    assert_true(tr->max_dp_desc < 5.0); /* a step at the R wave was 21-90 mmHg */
    assert_true(vb > 1.0 && vb < last_vb);
    last_vb = vb;
    assert_int_equal(hs_sim_set_sampler(s, DT, NULL, NULL, &err), HS_OK);
    free(tr);
    hs_sim_free(s);
    hs_plan_free(pl);
    hs_model_free(m);
  }
}

/* Out-of-range balloons and unknown ratios are rejected with the allowed range
   (the ratio is n of 1:n, a whole number 1-3); a patient file can carry the pump. */
static void test_limits_and_file(void **state) {
  (void)state;
  hs_model *m = with_iabp("acute_mi_shock.yaml", 1, 1);
  hs_err err;
  assert_int_equal(hs_model_set_text(m, "iabp.volume", "60 mL", &err), HS_ERR_RANGE);
  if (!strstr(err.msg, "[25 mL, 50 mL]")) print_error("%s\n", err.msg);
  assert_non_null(strstr(err.msg, "[25 mL, 50 mL]"));
  assert_int_equal(hs_model_set_text(m, "iabp.volume", "20 mL", &err), HS_ERR_RANGE);
  assert_int_equal(hs_model_set_text(m, "iabp.ratio", "4", &err), HS_ERR_RANGE);
  if (!strstr(err.msg, "[1, 3]")) print_error("%s\n", err.msg);
  assert_non_null(strstr(err.msg, "[1, 3]"));
  assert_int_not_equal(hs_model_set_text(m, "iabp.ratio", "1.5", &err), HS_OK); /* whole n */
  /* "1:2" as the clinic and the docs write it is n = 2 (issue 12) */
  double ratio = 0;
  assert_int_equal(hs_model_set_text(m, "iabp.ratio", "1:2", &err), HS_OK);
  assert_int_equal(hs_model_get(m, "iabp.ratio", &ratio, &err), HS_OK);
  assert_near(ratio, 2, 0);
  assert_int_equal(hs_model_set_text(m, "iabp.ratio", "1:4", &err), HS_ERR_RANGE);
  assert_int_not_equal(hs_model_set_text(m, "iabp.ratio", "2:3", &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "iabp.volume", "34 mL", &err), HS_OK);
  assert_int_equal(hs_model_set_text(m, "iabp.ratio", "3", &err), HS_OK);
  hs_plan *pl;
  hs_sim *s = sim_of(m, &pl);
  assert_int_not_equal(hs_sim_set(s, "iabp.volume", 60, &err), HS_OK);
  assert_int_not_equal(hs_sim_schedule(s, 1.0, "iabp.volume", 24, &err), HS_OK);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);

  static const char *const bad[][2] = {
      {"volume: 60 mL\n    ratio: 2\n", "[25 mL, 50 mL]"},
      {"volume: 40 mL\n    ratio: 4\n", "[1, 3]"},
      {"volume: 40 mL\n    ratio: 2\n", NULL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[1024];
    snprintf(text, sizeof text,
             "hemosim_patient: 1\nbase: %s/examples/patients/acute_mi_shock.yaml\n"
             "devices:\n  iabp:\n    type: iabp\n    ports: {aorta: desc_aorta}\n    %s",
             HS_SOURCE_DIR, bad[i][0]);
    char *path = hs_test_write_temp("iabp.yaml", text);
    assert_non_null(path);
    hs_model *mm = NULL;
    hs_status st = hs_patient_load_file(path, &mm, &err);
    remove(path);
    free(path);
    if (bad[i][1]) {
      assert_int_not_equal(st, HS_OK);
      if (!strstr(err.msg, bad[i][1])) print_error("%s\n", err.msg);
      assert_non_null(strstr(err.msg, bad[i][1]));
    } else {
      if (st) print_error("%s\n", err.msg);
      assert_int_equal(st, HS_OK);
      double r;
      assert_int_equal(hs_model_get(mm, "iabp.ratio", &r, &err), HS_OK);
      assert_near(r, 2, 0); /* 1:2 */
    }
    hs_model_free(mm);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_volume_waveform),  cmocka_unit_test(test_standby_is_absent),
      cmocka_unit_test(test_shock_1to1),       cmocka_unit_test(test_ratios),
      cmocka_unit_test(test_under_ecmo),       cmocka_unit_test(test_conservation_start_stop),
      cmocka_unit_test(test_high_heart_rate), cmocka_unit_test(test_limits_and_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
