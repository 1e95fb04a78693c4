/*
 * test_perfusion.c - perfusion imaging from a simulation (hemosim/perfusion.h, issue 17
 * item 4): the transit-time arithmetic against hand-computed values, CBF / CBV / MTT
 * identities, Tmax rising with obstruction and added volume, the CBF/CBV groups and
 * Horie's rule, option checks.  Tolerances at each assertion; docs/perfusion.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

/* Hand-computed network: O (outside) -> A (2 mL, 2 mL/s in) -> B (3 mL) and C (1 mL),
   B -> C given as the edge C -> B with negative flow.  tau_A = 2/2 = 1 s;
   tau_B = 3/1 + 1 = 4 s; tau_C = 1/2 + (1 x 1 + 1 x 4)/2 = 3 s; D has no inflow. */
static void test_transit_known_answer(void **state) {
  (void)state;
  const double vol[5] = {10, 2, 3, 1, 1}, p[5] = {100, 90, 80, 70, 60};
  const int inside[5] = {0, 1, 1, 1, 1};
  const int from[4] = {0, 1, 1, 3}, to[4] = {1, 2, 3, 2};
  const double q[4] = {2, 1, 1, -1};
  double tau[5];
  hs_err err;
  assert_int_equal(hs_perfusion_transit(5, vol, p, inside, 4, from, to, q, tau, &err), HS_OK);
  assert_float_equal(tau[0], 0.0, 1e-12);
  assert_float_equal(tau[1], 1.0, 1e-12);
  assert_float_equal(tau[2], 4.0, 1e-12);
  assert_float_equal(tau[3], 3.0, 1e-12);
  assert_true(isinf(tau[4]));
}

typedef struct meas {
  hs_perfusion p;
  double m[HS_METRIC_COUNT];
} meas;

/* Run a shipped patient (with NAME VALUE pairs) to steady state and measure. */
static void measure(const char *file, const char *const *sets, const hs_perfusion *ref,
                    const hs_perfusion_options *o, meas *out) {
  char path[512];
  snprintf(path, sizeof path, "%s/examples/patients/%s", HS_SOURCE_DIR, file);
  hs_err err;
  hs_model *mo = NULL;
  assert_int_equal(hs_patient_load_file(path, &mo, &err), HS_OK);
  for (int i = 0; sets && sets[i]; i += 2) {
    hs_status st = hs_model_set_text(mo, sets[i], sets[i + 1], &err);
    if (st) print_error("%s\n", err.msg);
    assert_int_equal(st, HS_OK);
  }
  hs_plan *pl = hs_plan_compile(mo, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  hs_steady_info info;
  assert_int_equal(hs_sim_run_to_steady(s, &info, &err), HS_OK);
  hs_status st = hs_perfusion_measure(s, ref, o, &out->p, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_int_equal(hs_sim_summary(s, o ? o->beats : 3, out->m, &err), HS_OK);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(mo);
}

static const hs_perfusion_territory *find(const hs_perfusion *p, const char *name) {
  for (int k = 0; k < p->n; k++)
    if (!strcmp(p->t[k].name, name)) return &p->t[k];
  fail_msg("no territory %s", name);
  return NULL;
}

static meas healthy; /* the reference of the other tests */

/* Healthy adult: seven territories; CBF equals the beat-mean metric (0.5 %, the
   sampling grid); MTT = 60 CBV / CBF exactly; relative values against itself 1;
   Tmax 0.5-2 s (normal tissue), no Tmax lesion, every group normal. */
static void test_healthy(void **state) {
  (void)state;
  measure("healthy_adult.yaml", NULL, NULL, NULL, &healthy);
  meas self;
  measure("healthy_adult.yaml", NULL, &healthy.p, NULL, &self);
  const hs_perfusion *p = &self.p;
  assert_int_equal(p->n, 7);
  assert_string_equal(p->aif, "cerebral_arteries");
  const hs_perfusion_territory *mca = find(p, "left_mca"), *pca = find(p, "left_pca");
  assert_float_equal(mca->cbf, self.m[HS_M_CBFLM], 0.005 * self.m[HS_M_CBFLM]);
  assert_float_equal(pca->cbf, self.m[HS_M_CBFLP], 0.005 * self.m[HS_M_CBFLP]);
  for (int k = 0; k < p->n; k++) {
    const hs_perfusion_territory *t = &p->t[k];
    print_message("%-16s CBF %5.1f CBV %5.2f MTT %5.2f Tmax %4.2f\n", t->name, t->cbf, t->cbv,
                  t->mtt_s, t->tmax_s);
    assert_float_equal(t->mtt_s, 60.0 * t->cbv / t->cbf, 1e-9 * t->mtt_s);
    assert_float_equal(t->rcbf, 1.0, 1e-3);
    assert_float_equal(t->rcbv, 1.0, 1e-3);
    assert_in_range_d(t->tmax_s, 0.5, 2.0);
    assert_int_equal(t->group, HS_PERF_GROUP_NORMAL);
    assert_false(t->core);
  }
  assert_false(p->tmax_lesion);
  assert_int_equal(p->horie_no_reflow, -1);
}

/* Tmax rises as the MCA stem closes (patency 1 -> 0.3 -> 0.1 -> 0: by more than 0.01 s
   each step, autoregulation holding the flow at 0.3; occluded at least 2 s above open)
   and as collaterals worsen with the stem closed; an occluded MCA with poor collaterals
   (grade 1) is a Tmax > 6 s lesion with core-range rCBF (< 0.30). */
static void test_tmax_obstruction(void **state) {
  (void)state;
  const char *pat[4] = {"1", "0.3", "0.1", "0"};
  double prev = 0, open = 0;
  for (int k = 0; k < 4; k++) {
    meas m;
    measure("healthy_adult.yaml", (const char *const[]){"l_mca_stem.patency", pat[k], NULL},
            &healthy.p, NULL, &m);
    double t = find(&m.p, "left_mca")->tmax_s;
    print_message("patency %s: left MCA Tmax %.2f s\n", pat[k], t);
    assert_true(t > prev + 0.01);
    if (!k) open = t;
    prev = t;
  }
  assert_true(prev > open + 2.0);
  meas poor;
  measure("healthy_adult.yaml",
          (const char *const[]){"l_mca_stem.patency", "0", "brain.collateral_grade", "1", NULL},
          &healthy.p, NULL, &poor);
  const hs_perfusion_territory *t = find(&poor.p, "left_mca");
  assert_true(t->tmax_s > prev);
  assert_true(t->tmax_over_6s);
  assert_true(t->core);
  assert_int_equal(t->cbf_class, HS_PERF_HYPO);
  assert_true(poor.p.tmax_lesion);
}

/* Added delay: 2 mL more unstressed volume in the left MCA territory arteries adds
   2 mL / Q to Tmax (mean transit of the added volume), within 10 %. */
static void test_tmax_added_volume(void **state) {
  (void)state;
  meas m;
  measure("healthy_adult.yaml", (const char *const[]){"l_mca.unstressed_volume", "5", NULL},
          &healthy.p, NULL, &m);
  const hs_perfusion_territory *t = find(&m.p, "left_mca"), *h = find(&healthy.p, "left_mca");
  double want = 2.0 / (t->flow_mlmin / 60.0);
  print_message("Tmax %.3f -> %.3f s (+%.3f, expected +%.3f)\n", h->tmax_s, t->tmax_s,
                t->tmax_s - h->tmax_s, want);
  assert_float_equal(t->tmax_s - h->tmax_s, want, 0.1 * want);
}

/* No-reflow after recanalisation: plugged capillaries (70 %) with the stem at mTICI
   2b patency lower CBV below 0.9 and, with the flow they leave, CBF too: both low; with
   --recanalised Horie's rule is evaluated (answer from the Tmax flags). */
static void test_no_reflow_groups(void **state) {
  (void)state;
  hs_perfusion_options o = hs_perfusion_options_default();
  o.recanalised = 1;
  meas m;
  measure("stroke_post_thrombectomy.yaml",
          (const char *const[]){"l_mca_bed.capillary_obstruction", "0.7", NULL}, &healthy.p, &o,
          &m);
  const hs_perfusion_territory *t = find(&m.p, "left_mca");
  print_message("no-reflow 70 %%: rCBF %.2f rCBV %.2f Tmax %.2f group %s\n", t->rcbf, t->rcbv,
                t->tmax_s, hs_perf_group_name(t->group));
  assert_true(t->rcbv < 0.9);
  assert_true(t->rcbf < 0.9);
  assert_int_equal(t->group, HS_PERF_GROUP_BOTH_LOW);
  assert_int_equal(m.p.horie_no_reflow, m.p.tmax_lesion);
  assert_true(t->tmax_s > find(&healthy.p, "left_mca")->tmax_s);
}

/* Horie's rule after recanalisation sees no-reflow (docs/brain.md, no-reflow): as the
   capillary mesh of the recanalised territory plugs (0 -> 25 % -> 35 %, past its
   percolation threshold) the territory's flow falls and Tmax rises (by > 0.2 s per step),
   above 6 s at 35 % (NO-REFLOW) and below it with reflow (0). */
static void test_tmax_no_reflow(void **state) {
  (void)state;
  hs_perfusion_options o = hs_perfusion_options_default();
  o.recanalised = 1;
  const char *obs[3] = {"0", "0.25", "0.35"};
  double prev = 0;
  int horie[3];
  for (int k = 0; k < 3; k++) {
    meas m;
    measure("stroke_post_thrombectomy.yaml",
            (const char *const[]){"l_mca_bed.capillary_obstruction", obs[k], NULL}, &healthy.p,
            &o, &m);
    double t = find(&m.p, "left_mca")->tmax_s;
    print_message("obstruction %s: left MCA Tmax %.2f s, Horie %d\n", obs[k], t,
                  m.p.horie_no_reflow);
    assert_true(t > prev + 0.2);
    prev = t;
    horie[k] = m.p.horie_no_reflow;
  }
  assert_int_equal(horie[0], 0);
  assert_true(prev > HS_PERFUSION_TMAX_S);
  assert_int_equal(horie[2], 1);
}

static void test_options(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/examples/patients/healthy_adult.yaml", HS_SOURCE_DIR);
  hs_err err;
  hs_model *mo = NULL;
  assert_int_equal(hs_patient_load_file(path, &mo, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(mo, &err);
  hs_sim *s = hs_sim_new(pl, &err);
  hs_perfusion p;
  hs_perfusion_options o = hs_perfusion_options_default();
  o.beats = 0;
  assert_int_equal(hs_perfusion_measure(s, NULL, &o, &p, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "beats 0"));
  o = hs_perfusion_options_default();
  o.cbf.hypo_below = 1.5;
  assert_int_equal(hs_perfusion_measure(s, NULL, &o, &p, &err), HS_ERR_RANGE);
  o = hs_perfusion_options_default();
  o.dt = 0.1;
  assert_int_equal(hs_perfusion_measure(s, NULL, &o, &p, &err), HS_ERR_RANGE);
  char *json = NULL;
  assert_int_equal(hs_perfusion_measure(s, NULL, NULL, &p, &err), HS_OK);
  json = hs_perfusion_json(&p, NULL, NULL, &err);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"schema\": \"" HS_PERFUSION_JSON_SCHEMA "\""));
  assert_non_null(strstr(json, "\"horie_no_reflow\": null"));
  assert_non_null(strstr(json, "\"group\": null")); /* no reference */
  free(json);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(mo);
}

/* The text table from a hand-built measurement: fixed-width rows, 2 decimals, "-" for
   relative values without a reference, "inf" for a territory without inflow, the flags,
   and both forms of the Horie line. */
static void test_text(void **state) {
  (void)state;
  hs_perfusion p;
  memset(&p, 0, sizeof p);
  p.n = 2;
  snprintf(p.aif, sizeof p.aif, "cerebral_arteries");
  p.map_mmhg = 92.6;
  p.icp_mmhg = 10.04;
  p.has_reference = 1;
  p.recanalised = 1;
  p.tmax_lesion = 1;
  p.horie_no_reflow = 1;
  hs_perfusion_territory *a = &p.t[0], *b = &p.t[1];
  *a = (hs_perfusion_territory){.name = "left_mca", .cbf = 12.34, .cbv = 2.5, .mtt_s = 12.158,
                                .tmax_s = 7.5, .rcbf = 0.2, .rcbv = 0.5, .rmtt = 2.4,
                                .group = HS_PERF_GROUP_BOTH_LOW, .core = 1, .tmax_over_6s = 1};
  *b = (hs_perfusion_territory){.name = "right_mca", .cbf = 50, .cbv = 4, .mtt_s = 4.8,
                                .tmax_s = INFINITY, .rcbf = 1, .rcbv = 1, .rmtt = 1,
                                .group = HS_PERF_GROUP_NORMAL};
  hs_err err = {HS_OK, ""};
  char *t = hs_perfusion_text(&p, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "perfusion imaging (model; arterial input cerebral_arteries; "
                            "MAP 93, ICP 10.0 mmHg)\n"));
  assert_non_null(strstr(t, "\nleft_mca            12.3    2.50  12.16   7.50   0.20   0.50   2.40"
                            "  both_low   Tmax>6s core\n"));
  assert_non_null(strstr(t, "\nright_mca           50.0    4.00   4.80    inf   1.00   1.00   1.00"
                            "  normal     \n"));
  assert_non_null(strstr(t, "\nTmax > 6 s lesion: yes\n"));
  assert_non_null(strstr(t, "any Tmax > 6 s = no-reflow): NO-REFLOW\n"));
  free(t);

  /* no reference, not recanalised: relative columns and group "-", Horie not applied */
  p.has_reference = 0;
  p.tmax_lesion = 0;
  p.horie_no_reflow = -1;
  a->rcbf = a->rcbv = a->rmtt = NAN;
  a->tmax_over_6s = a->core = 0;
  a->tmax_s = 1.25;
  t = hs_perfusion_text(&p, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "\nleft_mca            12.3    2.50  12.16   1.25      -      -      -"
                            "  -          \n"));
  assert_non_null(strstr(t, "\nTmax > 6 s lesion: no\nHorie's rule: applies after recanalisation"));
  assert_null(strstr(t, "NO-REFLOW"));
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_transit_known_answer), cmocka_unit_test(test_healthy),
      cmocka_unit_test(test_tmax_obstruction),     cmocka_unit_test(test_tmax_added_volume),
      cmocka_unit_test(test_tmax_no_reflow),
      cmocka_unit_test(test_no_reflow_groups),     cmocka_unit_test(test_options),
      cmocka_unit_test(test_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
