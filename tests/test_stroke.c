/* test_stroke.c - the no-reflow bedside calculators (src/analysis/stroke.c).
 *
 * Every expected value is computed by hand in the comment next to it, from the
 * published definitions in docs/stroke_calculators.md (not from the library's constants), so that a
 * wrong constant or formula is caught.  Every rejection is checked with its
 * status and the words of its message.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/stroke.h"

#define TOL 1e-9

/* The call failed with status want and its message contains frag. */
#define expect_fail(call, want, frag) expect_fail_at((call), (want), &err, (frag), __FILE__, __LINE__)

static void expect_fail_at(hs_status got, hs_status want, const hs_err *err, const char *frag,
                           const char *file, int line) {
  if (got != want) {
    print_error("status %d (%s), expected %d; message: %s\n", got, hs_status_str(got), want,
                err->msg);
    _fail(file, line);
  }
  if (!strstr(err->msg, frag)) {
    print_error("message \"%s\"\ndoes not contain \"%s\"\n", err->msg, frag);
    _fail(file, line);
  }
}

/* ---- mCIS -------------------------------------------------------------------------------- */

typedef struct mcis_case {
  int s[3];
  int total, no_reflow;
} mcis_case;

static void test_mcis_vectors(void **state) {
  (void)state;
  static const mcis_case cases[] = {
      {{2, 2, 2}, 6, 0}, /* 2+2+2 = 6: normal everywhere */
      {{2, 2, 1}, 5, 0}, /* 2+2+1 = 5 */
      {{2, 2, 0}, 4, 0}, /* 2+2+0 = 4 > 3: boundary, NOT no-reflow */
      {{2, 1, 1}, 4, 0}, /* 2+1+1 = 4 > 3 */
      {{2, 1, 0}, 3, 1}, /* 2+1+0 = 3 <= 3: boundary, no-reflow */
      {{1, 1, 1}, 3, 1}, /* 1+1+1 = 3 <= 3: no-reflow */
      {{1, 0, 0}, 1, 1}, /* 1+0+0 = 1 */
      {{0, 0, 0}, 0, 1}, /* 0: no capillary blush anywhere */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hs_mcis_result r;
    hs_err err = {HS_OK, ""};
    assert_int_equal(hs_stroke_mcis(cases[i].s, 3, &r, &err), HS_OK);
    assert_int_equal(r.total, cases[i].total);
    assert_int_equal(r.no_reflow, cases[i].no_reflow);
    for (int k = 0; k < 3; k++) assert_int_equal(r.scores[k], cases[i].s[k]);
  }
}

static void test_mcis_parse(void **state) {
  (void)state;
  hs_mcis_result r;
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_stroke_mcis_parse("2,1,0", &r, &err), HS_OK);
  assert_int_equal(r.total, 3); /* 2+1+0 */
  assert_int_equal(r.no_reflow, 1);
  assert_int_equal(hs_stroke_mcis_parse(" 2 , 2 ,0 ", &r, &err), HS_OK); /* blanks allowed */
  assert_int_equal(r.total, 4);                                          /* 2+2+0 */
  assert_int_equal(r.no_reflow, 0);
  assert_int_equal(hs_stroke_mcis_parse("+2,1,1", &r, &err), HS_OK);
  assert_int_equal(r.total, 4);
  int s = -1;
  assert_int_equal(hs_stroke_mcis_score_parse(" 1 ", 3, &s, &err), HS_OK);
  assert_int_equal(s, 1);
}

static void test_mcis_rejections(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_mcis_result r = {{9, 9, 9}, 99, 99};
  /* a score of 3 names the region, the value and the range */
  expect_fail(hs_stroke_mcis_parse("2,3,1", &r, &err), HS_ERR_RANGE,
              "region 2: score 3 is out of range [0, 2]");
  expect_fail(hs_stroke_mcis_parse("-1,2,2", &r, &err), HS_ERR_RANGE,
              "region 1: score -1 is out of range [0, 2]");
  expect_fail(hs_stroke_mcis_parse("2,2,10", &r, &err), HS_ERR_RANGE,
              "region 3: score 10 is out of range [0, 2]");
  expect_fail(hs_stroke_mcis_parse("2,2,99999999999999999999999999999999999", &r, &err),
              HS_ERR_RANGE, "region 3: score 9999");
  /* wrong number of regions */
  expect_fail(hs_stroke_mcis_parse("2,1", &r, &err), HS_ERR_INVALID,
              "expected 3 comma-separated region scores");
  assert_non_null(strstr(err.msg, "got 2 in \"2,1\""));
  expect_fail(hs_stroke_mcis_parse("2,1,0,1", &r, &err), HS_ERR_INVALID, "got 4 in \"2,1,0,1\"");
  expect_fail(hs_stroke_mcis_parse("2", &r, &err), HS_ERR_INVALID, "got 1");
  /* malformed scores */
  expect_fail(hs_stroke_mcis_parse("2,x,1", &r, &err), HS_ERR_INVALID,
              "region 2: \"x\" is not a whole-number score (allowed 0, 1 or 2)");
  expect_fail(hs_stroke_mcis_parse("2,1.5,1", &r, &err), HS_ERR_INVALID,
              "region 2: \"1.5\" is not a whole-number score");
  expect_fail(hs_stroke_mcis_parse("2,,1", &r, &err), HS_ERR_INVALID, "region 2: missing score");
  expect_fail(hs_stroke_mcis_parse("2,1,-", &r, &err), HS_ERR_INVALID,
              "region 3: \"-\" is not a whole-number score");
  expect_fail(hs_stroke_mcis_parse(NULL, &r, &err), HS_ERR_INVALID, "missing region scores");
  int s = 7;
  expect_fail(hs_stroke_mcis_score_parse("3", 2, &s, &err), HS_ERR_RANGE,
              "region 2: score 3 is out of range [0, 2]");
  expect_fail(hs_stroke_mcis_score_parse("", 1, &s, &err), HS_ERR_INVALID,
              "region 1: missing score");
  expect_fail(hs_stroke_mcis_score_parse(NULL, 3, &s, &err), HS_ERR_INVALID,
              "region 3: missing score");
  assert_int_equal(s, 7); /* untouched */
  /* the integer API */
  int three[3] = {2, 3, 1}, two[2] = {2, 2}, neg[3] = {0, 0, -1};
  expect_fail(hs_stroke_mcis(three, 3, &r, &err), HS_ERR_RANGE,
              "region 2: score 3 is out of range [0, 2]");
  expect_fail(hs_stroke_mcis(neg, 3, &r, &err), HS_ERR_RANGE,
              "region 3: score -1 is out of range [0, 2]");
  expect_fail(hs_stroke_mcis(two, 2, &r, &err), HS_ERR_INVALID,
              "expected 3 region scores (the MCA territory is scored in 3 regions), got 2");
  expect_fail(hs_stroke_mcis(NULL, 3, &r, &err), HS_ERR_INVALID, "expected 3 region scores");
  /* a failed call leaves the output alone */
  assert_int_equal(r.total, 99);
  assert_int_equal(r.scores[0], 9);
  /* NULL err is tolerated */
  assert_int_equal(hs_stroke_mcis(three, 3, &r, NULL), HS_ERR_RANGE);
  assert_int_equal(hs_stroke_mcis_parse("2,1", &r, NULL), HS_ERR_INVALID);
}

static void test_mcis_meanings(void **state) {
  (void)state;
  assert_string_equal(hs_mcis_score_meaning(0), "no capillary blush");
  assert_non_null(strstr(hs_mcis_score_meaning(1), "delayed > 1 s"));
  assert_non_null(strstr(hs_mcis_score_meaning(1), "cortical veins"));
  assert_string_equal(hs_mcis_score_meaning(2), "normal capillary filling without delay");
  assert_null(hs_mcis_score_meaning(3));
  assert_null(hs_mcis_score_meaning(-1));
}

/* ---- tissue reperfusion ----------------------------------------------------------------- */

typedef struct reperf_case {
  double v0, v1;
  double red_ml, red_pct;
  int reperfused;
} reperf_case;

static void test_reperfusion_vectors(void **state) {
  (void)state;
  static const reperf_case cases[] = {
      {100, 5, 95, 95, 1},     /* (100-5)/100 = 95 % > 90 */
      {100, 10, 90, 90, 0},    /* (100-10)/100 = 90 % exactly: NOT > 90 */
      {30, 3, 27, 90, 0},      /* 27/30 = 90 % exactly */
      {7, 0.7, 6.3, 90, 0},    /* 6.3/7 = 90 % exactly */
      {19, 1.9, 17.1, 90, 0},  /* 17.1/19 = 90 % exactly; in binary 90.00000000000001, which
                                  the 1e-9 tolerance must not count as > 90 */
      {100, 9.9, 90.1, 90.1, 1}, /* 90.1/100 = 90.1 % > 90 */
      {80, 6, 74, 92.5, 1},    /* 74/80 = 92.5 % */
      {40, 0, 40, 100, 1},     /* lesion gone: 100 % */
      {20, 20, 0, 0, 0},       /* unchanged: 0 % */
      {50, 60, -10, -20, 0},   /* grew: (50-60)/50 = -20 %, valid, not reperfused */
      {80, 30, 50, 62.5, 0},   /* 50/80 = 62.5 % */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hs_reperfusion_result r;
    hs_err err = {HS_OK, ""};
    assert_int_equal(hs_stroke_reperfusion(cases[i].v0, cases[i].v1, &r, &err), HS_OK);
    assert_near(r.baseline_ml, cases[i].v0, 0);
    assert_near(r.followup_ml, cases[i].v1, 0);
    assert_near(r.reduction_ml, cases[i].red_ml, 1e-12);
    assert_near(r.reduction_pct, cases[i].red_pct, 1e-9);
    assert_int_equal(r.reperfused, cases[i].reperfused);
  }
}

static void test_reperfusion_rejections(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_reperfusion_result r = {1, 2, 3, 4, 5};
  expect_fail(hs_stroke_reperfusion(-5, 1, &r, &err), HS_ERR_RANGE,
              "baseline Tmax > 6 s volume -5 mL is negative (allowed (0, 2000] mL)");
  expect_fail(hs_stroke_reperfusion(0, 0, &r, &err), HS_ERR_RANGE,
              "baseline Tmax > 6 s volume 0 mL: the reduction is undefined without a baseline "
              "lesion (allowed (0, 2000] mL)");
  expect_fail(hs_stroke_reperfusion(50, -1, &r, &err), HS_ERR_RANGE,
              "follow-up Tmax > 6 s volume -1 mL is negative (allowed [0, 2000] mL)");
  expect_fail(hs_stroke_reperfusion(2500, 10, &r, &err), HS_ERR_RANGE,
              "baseline Tmax > 6 s volume 2500 mL exceeds a whole brain");
  expect_fail(hs_stroke_reperfusion(50, 2001, &r, &err), HS_ERR_RANGE,
              "follow-up Tmax > 6 s volume 2001 mL exceeds a whole brain (allowed [0, 2000] mL");
  expect_fail(hs_stroke_reperfusion(NAN, 10, &r, &err), HS_ERR_INVALID,
              "baseline Tmax > 6 s volume is not a finite number");
  expect_fail(hs_stroke_reperfusion(10, INFINITY, &r, &err), HS_ERR_INVALID,
              "follow-up Tmax > 6 s volume is not a finite number");
  assert_near(r.reduction_pct, 4, 0); /* untouched */
  assert_int_equal(hs_stroke_reperfusion(0, 0, &r, NULL), HS_ERR_RANGE);
  /* the boundary volumes themselves are accepted */
  assert_int_equal(hs_stroke_reperfusion(2000, 0, &r, &err), HS_OK);
}

/* ---- relative perfusion classes --------------------------------------------------------- */

static void test_perfusion_vectors(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_perf_class c;
  hs_perf_cutoffs d = hs_perf_cutoffs_default();
  assert_near(d.hypo_below, 0.9, 0);
  assert_near(d.hyper_above, 1.1, 0);
  struct {
    double rel;
    hs_perf_class want;
  } cases[] = {
      {0.72, HS_PERF_HYPO},   /* 0.72 < 0.9 */
      {0.8999, HS_PERF_HYPO}, /* just below 0.9 */
      {0.9, HS_PERF_NORMO},   /* 0.9 is not < 0.9: boundary is normal */
      {1.0, HS_PERF_NORMO},   /* symmetric */
      {1.1, HS_PERF_NORMO},   /* 1.1 is not > 1.1 */
      {1.1001, HS_PERF_HYPER},
      {1.35, HS_PERF_HYPER},
      {0.0, HS_PERF_HYPO},    /* no flow at all */
      {10.0, HS_PERF_HYPER},  /* upper end of the allowed range */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_int_equal(hs_stroke_perfusion_class("CBF", cases[i].rel, NULL, &c, &err), HS_OK);
    assert_int_equal(c, cases[i].want);
  }
  /* custom cut-offs, e.g. hyperperfusion as an increase >= 25 % -> above 1.25 */
  hs_perf_cutoffs k = {0.8, 1.25};
  assert_int_equal(hs_stroke_perfusion_class("CBV", 0.85, &k, &c, &err), HS_OK);
  assert_int_equal(c, HS_PERF_NORMO); /* 0.85 >= 0.8 */
  assert_int_equal(hs_stroke_perfusion_class("CBV", 1.2, &k, &c, &err), HS_OK);
  assert_int_equal(c, HS_PERF_NORMO); /* 1.2 <= 1.25 */
  assert_int_equal(hs_stroke_perfusion_class("CBV", 1.3, &k, &c, &err), HS_OK);
  assert_int_equal(c, HS_PERF_HYPER);
  assert_int_equal(hs_stroke_perfusion_class("CBV", 0.79, &k, &c, &err), HS_OK);
  assert_int_equal(c, HS_PERF_HYPO);
  /* a zero-width normal band at 1 is allowed */
  hs_perf_cutoffs z = {1, 1};
  assert_int_equal(hs_stroke_perfusion_class("CBF", 1.0, &z, &c, &err), HS_OK);
  assert_int_equal(c, HS_PERF_NORMO);
  assert_string_equal(hs_perf_class_name(HS_PERF_HYPO), "hypoperfusion");
  assert_string_equal(hs_perf_class_name(HS_PERF_NORMO), "normoperfusion");
  assert_string_equal(hs_perf_class_name(HS_PERF_HYPER), "hyperperfusion");
}

static void test_perfusion_rejections(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_perf_class c = HS_PERF_HYPER;
  expect_fail(hs_stroke_perfusion_class("CBF", -0.1, NULL, &c, &err), HS_ERR_RANGE,
              "CBF relative value -0.1 is out of range [0, 10]");
  expect_fail(hs_stroke_perfusion_class("CBV", 11, NULL, &c, &err), HS_ERR_RANGE,
              "CBV relative value 11 is out of range [0, 10]");
  expect_fail(hs_stroke_perfusion_class("CBV", NAN, NULL, &c, &err), HS_ERR_INVALID,
              "CBV relative value is not a finite number");
  hs_perf_cutoffs bad_lo = {0, 1.1}, lo_above_1 = {1.2, 1.3}, bad_hi = {0.9, 0.95},
                  big_hi = {0.9, 12}, nan_lo = {NAN, 1.1};
  expect_fail(hs_stroke_perfusion_class("CBF", 1, &bad_lo, &c, &err), HS_ERR_RANGE,
              "CBF cut-offs: hypoperfusion below 0 is out of range (0, 1]");
  expect_fail(hs_stroke_perfusion_class("CBF", 1, &lo_above_1, &c, &err), HS_ERR_RANGE,
              "CBF cut-offs: hypoperfusion below 1.2 is out of range (0, 1]");
  expect_fail(hs_stroke_perfusion_class("CBV", 1, &bad_hi, &c, &err), HS_ERR_RANGE,
              "CBV cut-offs: hyperperfusion above 0.95 is out of range [1, 10]");
  expect_fail(hs_perf_cutoffs_check("CBV", &big_hi, &err), HS_ERR_RANGE,
              "hyperperfusion above 12 is out of range [1, 10]");
  expect_fail(hs_perf_cutoffs_check("CBF", &nan_lo, &err), HS_ERR_RANGE,
              "hypoperfusion below nan is out of range");
  expect_fail(hs_perf_cutoffs_check("CBF", NULL, &err), HS_ERR_INVALID, "CBF cut-offs: missing");
  assert_int_equal(c, HS_PERF_HYPER); /* untouched */
}

/* ---- TCD ---------------------------------------------------------------------------------- */

static void test_pi_vectors(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_tcd_result r;
  /* default raised-PI threshold 1.04 (Zhao 2022): (76 - 24) / 50 = 1.04 exactly, NOT
     raised; (77 - 24) / 50 = 1.06 raised */
  hs_tcd_side at = {76, 24, 50}, over = {77, 24, 50};
  assert_int_equal(hs_stroke_tcd(&at, NULL, NULL, &r, &err), HS_OK);
  assert_near(r.pi, 1.04, TOL);
  assert_int_equal(r.pi_raised, 0);
  assert_int_equal(hs_stroke_tcd(&over, NULL, NULL, &r, &err), HS_OK);
  assert_int_equal(r.pi_raised, 1);
  /* the threshold logic with a 1.2 threshold: (90 - 30) / 50 = 1.2 exactly, NOT raised */
  hs_tcd_limits l12 = {1.2, HS_TCD_ASYM_RATIO_DEFAULT};
  hs_tcd_side a = {90, 30, 50};
  assert_int_equal(hs_stroke_tcd(&a, NULL, &l12, &r, &err), HS_OK);
  assert_near(r.pi, 1.2, TOL);
  assert_int_equal(r.pi_raised, 0);
  assert_int_equal(r.has_contra, 0);
  /* (30 - 8.4) / 18 = 21.6 / 18 = 1.2 exactly; in binary 1.2000000000000002, which the
     1e-9 tolerance must not count as raised */
  hs_tcd_side tip = {30, 8.4, 18};
  assert_int_equal(hs_stroke_tcd(&tip, NULL, &l12, &r, &err), HS_OK);
  assert_true(r.pi > 1.2); /* the rounding this guards against */
  assert_int_equal(r.pi_raised, 0);
  /* (100 - 25) / 50 = 1.5 > 1.2: raised */
  hs_tcd_side hi = {100, 25, 50};
  assert_int_equal(hs_stroke_tcd(&hi, NULL, NULL, &r, &err), HS_OK);
  assert_near(r.pi, 1.5, TOL);
  assert_int_equal(r.pi_raised, 1);
  /* with the contralateral (80 - 35) / 50 = 0.9: diff 1.5 - 0.9 = 0.6,
     ratio 1.5 / 0.9 = 1.6667 > 1.2: asymmetric */
  hs_tcd_side c = {80, 35, 50};
  assert_int_equal(hs_stroke_tcd(&hi, &c, NULL, &r, &err), HS_OK);
  assert_int_equal(r.has_contra, 1);
  assert_near(r.pi_contra, 0.9, TOL);
  assert_int_equal(r.contra_raised, 0);
  assert_near(r.pi_diff, 0.6, TOL);
  assert_near(r.pi_ratio, 1.5 / 0.9, TOL);
  assert_int_equal(r.asymmetric, 1);
  /* ratio exactly 1.2: affected 1.2, contralateral (80 - 30) / 50 = 1.0 -> NOT asymmetric */
  hs_tcd_side one = {80, 30, 50};
  assert_int_equal(hs_stroke_tcd(&a, &one, NULL, &r, &err), HS_OK);
  assert_near(r.pi_ratio, 1.2, TOL);
  assert_near(r.pi_diff, 0.2, TOL);
  assert_int_equal(r.asymmetric, 0);
  /* (88 - 33) / 50 = 1.1: ratio 1.2 / 1.1 = 1.0909, symmetric enough */
  hs_tcd_side c2 = {88, 33, 50};
  assert_int_equal(hs_stroke_tcd(&a, &c2, NULL, &r, &err), HS_OK);
  assert_near(r.pi_contra, 1.1, TOL);
  assert_near(r.pi_ratio, 1.2 / 1.1, TOL);
  assert_int_equal(r.asymmetric, 0);
  /* the contralateral raised too: (120 - 20) / 50 = 2.0 */
  hs_tcd_side c3 = {120, 20, 50};
  assert_int_equal(hs_stroke_tcd(&hi, &c3, NULL, &r, &err), HS_OK);
  assert_int_equal(r.contra_raised, 1);
  assert_near(r.pi_diff, -0.5, TOL); /* 1.5 - 2.0 */
  assert_near(r.pi_ratio, 0.75, TOL);
  assert_int_equal(r.asymmetric, 0);
  /* custom limits: raised above 1.0 -> 1.2 is raised; asymmetric above 1.1 -> 1.0909 not */
  hs_tcd_limits lim = {1.0, 1.1};
  assert_int_equal(hs_stroke_tcd(&a, &c2, &lim, &r, &err), HS_OK);
  assert_int_equal(r.pi_raised, 1);
  assert_int_equal(r.contra_raised, 1); /* 1.1 > 1.0 */
  assert_int_equal(r.asymmetric, 0);
  /* diastolic flow reversal: (60 - (-10)) / 20 = 3.5 */
  hs_tcd_side rev = {60, -10, 20};
  double pi = 0;
  assert_int_equal(hs_stroke_pi("affected side", &rev, &pi, &err), HS_OK);
  assert_near(pi, 3.5, TOL);
  /* flat trace PSV = EDV = mean = 40: PI 0; as the contralateral side the ratio is
     undefined and any positive affected PI is asymmetric */
  hs_tcd_side flat = {40, 40, 40};
  assert_int_equal(hs_stroke_tcd(&a, &flat, NULL, &r, &err), HS_OK);
  assert_near(r.pi_contra, 0, 0);
  assert_true(isnan(r.pi_ratio));
  assert_near(r.pi_diff, 1.2, TOL);
  assert_int_equal(r.asymmetric, 1);
  /* defaults */
  hs_tcd_limits d = hs_tcd_limits_default();
  assert_near(d.pi_raised_above, 1.04, 0);
  assert_near(d.asym_ratio_above, 1.2, 0);
}

static void test_tcd_rejections(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_tcd_result r;
  r.pi = 42;
  double pi = 42;
  hs_tcd_side zero_mean = {90, 30, 0}, neg_mean = {90, 30, -5}, edv_gt = {50, 60, 55},
              mean_hi = {70, 20, 80}, mean_lo = {70, 40, 30}, fast = {600, 30, 100},
              nan_v = {NAN, 30, 50}, edv_low = {90, -600, 50}, ok = {90, 30, 50};
  expect_fail(hs_stroke_pi("affected side", &zero_mean, &pi, &err), HS_ERR_RANGE,
              "affected side: mean velocity 0 cm/s is out of range (0, 500] cm/s");
  expect_fail(hs_stroke_pi("affected side", &neg_mean, &pi, &err), HS_ERR_RANGE,
              "affected side: mean velocity -5 cm/s is out of range (0, 500] cm/s");
  expect_fail(hs_stroke_pi("affected side", &edv_gt, &pi, &err), HS_ERR_INVALID,
              "affected side: EDV 60 cm/s is greater than PSV 50 cm/s (EDV must be <= PSV)");
  expect_fail(hs_stroke_pi("affected side", &mean_hi, &pi, &err), HS_ERR_INVALID,
              "affected side: mean velocity 80 cm/s lies outside [EDV 20, PSV 70] cm/s");
  expect_fail(hs_stroke_pi("affected side", &mean_lo, &pi, &err), HS_ERR_INVALID,
              "mean velocity 30 cm/s lies outside [EDV 40, PSV 70] cm/s");
  expect_fail(hs_stroke_pi("affected side", &fast, &pi, &err), HS_ERR_RANGE,
              "affected side: PSV 600 cm/s is out of range (0, 500] cm/s");
  expect_fail(hs_stroke_pi("affected side", &edv_low, &pi, &err), HS_ERR_RANGE,
              "EDV -600 cm/s is out of range [-500, 500] cm/s");
  expect_fail(hs_stroke_pi("affected side", &nan_v, &pi, &err), HS_ERR_INVALID,
              "affected side: a velocity is not a finite number");
  expect_fail(hs_stroke_pi("affected side", NULL, &pi, &err), HS_ERR_INVALID,
              "affected side: missing velocities");
  assert_near(pi, 42, 0); /* untouched */
  /* the contralateral side is checked with its own name */
  expect_fail(hs_stroke_tcd(&ok, &edv_gt, NULL, &r, &err), HS_ERR_INVALID,
              "contralateral side: EDV 60 cm/s is greater than PSV 50 cm/s");
  expect_fail(hs_stroke_tcd(&zero_mean, &ok, NULL, &r, &err), HS_ERR_RANGE,
              "affected side: mean velocity 0 cm/s");
  /* thresholds */
  hs_tcd_limits l0 = {0, 1.2}, l1 = {1.2, 0.9}, l2 = {11, 1.2}, l3 = {1.2, 12};
  expect_fail(hs_stroke_tcd(&ok, NULL, &l0, &r, &err), HS_ERR_RANGE,
              "raised-PI threshold 0 is out of range (0, 10]");
  expect_fail(hs_stroke_tcd(&ok, NULL, &l1, &r, &err), HS_ERR_RANGE,
              "asymmetry ratio threshold 0.9 is out of range [1, 10]");
  expect_fail(hs_tcd_limits_check(&l2, &err), HS_ERR_RANGE,
              "raised-PI threshold 11 is out of range (0, 10]");
  expect_fail(hs_tcd_limits_check(&l3, &err), HS_ERR_RANGE,
              "asymmetry ratio threshold 12 is out of range [1, 10]");
  expect_fail(hs_tcd_limits_check(NULL, &err), HS_ERR_INVALID, "missing TCD thresholds");
  assert_near(r.pi, 42, 0); /* untouched */
}

/* ---- doses -------------------------------------------------------------------------------- */

static hs_stroke_dose_req weight(double kg) {
  hs_stroke_dose_req q = {1, kg, 0, 0, 0, 0};
  return q;
}

/* The text report the CLI prints is built by the library (src/io/stroke_text.c). */
static void test_dose_text(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_dose d;
  hs_stroke_dose_req q = weight(130);
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  char *t = hs_stroke_dose_text(&d, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "ia-alteplase: intra-arterial alteplase"));
  assert_non_null(strstr(t, "  weight          130 kg\n"));
  /* 0.225 mg/kg x 130 kg = 29.25 mg > max 22.5 mg */
  assert_non_null(strstr(t, "22.5 mg: MAXIMUM DOSE APPLIED (0.225 mg/kg x 130 kg = 29.25 mg > max"));
  assert_non_null(strstr(t, "    time          15 min to 30 min\n"));
  assert_non_null(strstr(t, "  source: CHOICE trial"));
  free(t);
  q = weight(70);
  assert_int_equal(hs_stroke_dose_calc("tirofiban", &q, &d, &err), HS_OK);
  t = hs_stroke_dose_text(&d, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "dose rate"));
  assert_non_null(strstr(t, "  total "));
  free(t);
}

/* The small calculators' text reports (src/io/stroke_text.c), what `hemosim stroke mcis`,
   `reperfusion`, `perfusion-class`, `tcd` and `etici` print. */
static void test_calculator_texts(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_mcis_result m;
  assert_int_equal(hs_stroke_mcis((const int[]){1, 0, 0}, 3, &m, &err), HS_OK);
  char *t = hs_stroke_mcis_text(&m, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "  total       1 / 6\n"));
  assert_non_null(strstr(t, "  no-reflow   YES (total 1 <= "));
  free(t);

  hs_reperfusion_result r;
  assert_int_equal(hs_stroke_reperfusion(40, 60.5, &r, &err), HS_OK);
  t = hs_stroke_reperfusion_text(&r, &err);
  assert_non_null(t);
  /* the lesion grew: reduction -20.5 mL (-51.25 %), shown with 3 decimals at most */
  assert_non_null(strstr(t, "  reduction    -20.5 mL (-51.25 %: the lesion grew by 20.5 mL)\n"));
  assert_non_null(strstr(t, "  reperfusion  no (reduction -51.25 % is not > 90 %)\n"));
  free(t);

  hs_perf_cutoffs cut[2] = {hs_perf_cutoffs_default(), hs_perf_cutoffs_default()};
  double rel[2] = {0.7, NAN};
  hs_perf_class cls[2] = {HS_PERF_NORMO, HS_PERF_NORMO};
  assert_int_equal(hs_stroke_perfusion_class("CBF", rel[0], &cut[0], &cls[0], &err), HS_OK);
  t = hs_stroke_perfusion_text(rel, cls, cut, 1, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "  CBF  0.7    hypoperfusion"));
  assert_null(strstr(t, "CBV")); /* not given: not shown */
  assert_non_null(strstr(t, "cut-offs: no consensus value exists"));
  free(t);

  hs_tcd_side a = {120, 20, 60}, c = {100, 45, 65};
  hs_tcd_limits lim = hs_tcd_limits_default();
  hs_tcd_result tr;
  assert_int_equal(hs_stroke_tcd(&a, &c, &lim, &tr, &err), HS_OK);
  t = hs_stroke_tcd_text(&a, &c, &lim, &tr, &err);
  assert_non_null(t);
  assert_non_null(
      strstr(t, "  affected       PSV   120  EDV    20  mean    60 cm/s   PI 1.667  RAISED\n"));
  assert_non_null(strstr(t, "  difference     +0.821 (affected - contralateral)\n"));
  assert_non_null(strstr(t, "ASYMMETRIC"));
  free(t);
  t = hs_stroke_tcd_text(&a, NULL, &lim, &tr, &err); /* affected side only */
  assert_non_null(t);
  assert_null(strstr(t, "contralateral  PSV"));
  free(t);

  hs_reperfusion_grade g;
  assert_int_equal(hs_reperfusion_grade_parse("mTICI 2b", &g, &err), HS_OK);
  t = hs_stroke_etici_text(&g, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "mTICI 2b -> eTICI 2b50\n"));
  assert_non_null(strstr(t, "eligibility reads it as 2b50"));
  assert_non_null(strstr(t, "  territory fraction reperfused (model): 0.695\n"));
  free(t);
}

static void test_dose_alteplase(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_dose d;
  hs_stroke_dose_req q = weight(70);
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  assert_int_equal(d.nphases, 1);
  const hs_stroke_phase_dose *p = &d.phase[0];
  assert_near(p->amount_calc, 15.75, TOL); /* 0.225 mg/kg x 70 kg = 15.75 mg */
  assert_near(p->amount, 15.75, TOL);
  assert_int_equal(p->cap_binds, 0);
  assert_near(p->cap_weight_kg, 100, TOL); /* 22.5 / 0.225 = 100 kg */
  assert_near(d.conc, 1.0, 0);             /* default 1 mg/mL */
  assert_int_equal(d.conc_is_default, 1);
  assert_near(p->volume_ml, 15.75, TOL);   /* 15.75 mg / 1 mg/mL */
  assert_near(p->dur_lo_s, 900, 0);        /* 15 min */
  assert_near(p->dur_hi_s, 1800, 0);       /* 30 min */
  assert_near(p->rate_fast_mlh, 63, TOL);  /* 15.75 mL / 0.25 h */
  assert_near(p->rate_slow_mlh, 31.5, TOL); /* 15.75 mL / 0.5 h */
  assert_near(d.total_amount, 15.75, TOL);
  assert_near(d.total_volume_ml, 15.75, TOL);
  /* 100 kg: 0.225 x 100 = 22.5 mg = the maximum, which therefore does not bind */
  q = weight(100);
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount, 22.5, TOL);
  assert_int_equal(d.phase[0].cap_binds, 0);
  /* 120 kg: 0.225 x 120 = 27 mg > 22.5: capped, 22.5 / 120 = 0.1875 mg/kg given */
  q = weight(120);
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount_calc, 27, TOL);
  assert_near(d.phase[0].amount, 22.5, TOL);
  assert_int_equal(d.phase[0].cap_binds, 1);
  assert_near(d.phase[0].per_kg_given, 0.1875, TOL);
  assert_near(d.phase[0].volume_ml, 22.5, TOL);
  /* 70 kg at 0.5 mg/mL over 20 min: 31.5 mL, 31.5 / (1/3 h) = 94.5 mL/h */
  q = weight(70);
  q.has_conc = 1;
  q.conc = 0.5;
  q.has_duration = 1;
  q.duration_s = 20 * 60;
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  assert_int_equal(d.conc_is_default, 0);
  assert_near(d.phase[0].volume_ml, 31.5, TOL);
  assert_near(d.phase[0].rate_fast_mlh, 94.5, TOL);
  assert_near(d.phase[0].rate_slow_mlh, 94.5, TOL);
  /* the studied range's ends are accepted */
  q.duration_s = 15 * 60;
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  q.duration_s = 30 * 60;
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
}

static void test_dose_tenecteplase(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_dose d;
  hs_stroke_dose_req q = weight(80);
  /* 0.125 mg/kg x 80 kg = 10 mg (max 12.5); 10 mg / 5 mg/mL = 2 mL; no studied time */
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.125", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount, 10, TOL);
  assert_int_equal(d.phase[0].cap_binds, 0);
  assert_near(d.phase[0].cap_weight_kg, 100, TOL); /* 12.5 / 0.125 */
  assert_near(d.conc, 5, 0);
  assert_near(d.phase[0].volume_ml, 2, TOL);
  assert_near(d.phase[0].dur_lo_s, 0, 0);
  assert_true(isnan(d.phase[0].rate_fast_mlh));
  assert_true(isnan(d.phase[0].rate_slow_mlh));
  /* over 10 min: 2 mL / (1/6 h) = 12 mL/h */
  q.has_duration = 1;
  q.duration_s = 600;
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.125", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].rate_fast_mlh, 12, TOL);
  /* 110 kg: 0.125 x 110 = 13.75 > 12.5: capped */
  q = weight(110);
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.125", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount_calc, 13.75, TOL);
  assert_near(d.phase[0].amount, 12.5, TOL);
  assert_int_equal(d.phase[0].cap_binds, 1);
  /* 0.0625 mg/kg: 80 kg -> 5 mg = 1 mL; 110 kg -> 6.875 > 6.25 capped */
  q = weight(80);
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.0625", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount, 5, TOL);
  assert_near(d.phase[0].volume_ml, 1, TOL);
  assert_int_equal(d.phase[0].cap_binds, 0);
  q = weight(110);
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.0625", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount_calc, 6.875, TOL);
  assert_near(d.phase[0].amount, 6.25, TOL);
  assert_int_equal(d.phase[0].cap_binds, 1);
  /* 0.03125 mg/kg: 80 kg -> 2.5 mg = 0.5 mL; no maximum found: 250 kg -> 7.8125 mg, and
     the regimen carries a note saying so */
  q = weight(80);
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.03125", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount, 2.5, TOL);
  assert_near(d.phase[0].volume_ml, 0.5, TOL);
  q = weight(250);
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.03125", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount, 7.8125, TOL);
  assert_int_equal(d.phase[0].cap_binds, 0);
  assert_near(d.phase[0].cap_weight_kg, 0, 0);
  assert_non_null(d.regimen->note);
  assert_non_null(strstr(d.regimen->note, "no maximum dose"));
}

static void test_dose_urokinase(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_dose d;
  /* fixed dose, weight optional: 100,000 U at 10,000 U/mL = 10 mL;
     10 mL over 10 min = 60 mL/h, over 15 min = 40 mL/h */
  assert_int_equal(hs_stroke_dose_calc("ia-urokinase", NULL, &d, &err), HS_OK);
  assert_int_equal(d.has_weight, 0);
  assert_true(isnan(d.weight_kg));
  assert_near(d.phase[0].amount, 100000, 0);
  assert_near(d.phase[0].volume_ml, 10, TOL);
  assert_near(d.phase[0].rate_fast_mlh, 60, TOL);
  assert_near(d.phase[0].rate_slow_mlh, 40, TOL);
  assert_true(isnan(d.phase[0].per_kg_given));
  /* with a weight: 100,000 U / 80 kg = 1250 U/kg (the dose itself does not change) */
  hs_stroke_dose_req q = weight(80);
  assert_int_equal(hs_stroke_dose_calc("ia-urokinase", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount, 100000, 0);
  assert_near(d.phase[0].per_kg_given, 1250, TOL);
  /* 5000 U/mL: 20 mL; over 12 min: 20 mL / 0.2 h = 100 mL/h */
  q.has_conc = 1;
  q.conc = 5000;
  q.has_duration = 1;
  q.duration_s = 12 * 60;
  assert_int_equal(hs_stroke_dose_calc("ia-urokinase", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].volume_ml, 20, TOL);
  assert_near(d.phase[0].rate_fast_mlh, 100, TOL);
  assert_near(d.total_amount, 100000, 0);
}

static void test_dose_tirofiban(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_dose d;
  hs_stroke_dose_req q = weight(70);
  assert_int_equal(hs_stroke_dose_calc("tirofiban", &q, &d, &err), HS_OK);
  assert_int_equal(d.nphases, 2);
  assert_near(d.conc, 50, 0); /* ug/mL premixed */
  /* loading: 0.4 ug/kg/min x 70 kg x 30 min = 840 ug = 16.8 mL at 50 ug/mL;
     16.8 mL / 0.5 h = 33.6 mL/h  (= 0.4 x 70 x 60 / 50) */
  const hs_stroke_phase_dose *l = &d.phase[0], *m = &d.phase[1];
  assert_near(l->amount, 840, TOL);
  assert_near(l->volume_ml, 16.8, TOL);
  assert_near(l->dur_lo_s, 1800, 0);
  assert_near(l->rate_fast_mlh, 33.6, TOL);
  assert_near(l->rate_slow_mlh, 33.6, TOL);
  /* maintenance: 0.1 x 70 x 1440 min = 10080 ug = 201.6 mL; 0.1 x 70 x 60 / 50 = 8.4 mL/h */
  assert_near(m->amount, 10080, TOL);
  assert_near(m->volume_ml, 201.6, TOL);
  assert_near(m->dur_lo_s, 86400, 0);
  assert_near(m->rate_fast_mlh, 8.4, TOL);
  /* totals: 840 + 10080 = 10920 ug in 16.8 + 201.6 = 218.4 mL */
  assert_near(d.total_amount, 10920, TOL);
  assert_near(d.total_volume_ml, 218.4, TOL);
  assert_int_equal(l->cap_binds + m->cap_binds, 0);
  /* the 250 ug/mL concentrate undiluted: 840 / 250 = 3.36 mL; 6.72 mL/h */
  q.has_conc = 1;
  q.conc = 250;
  assert_int_equal(hs_stroke_dose_calc("tirofiban", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].volume_ml, 3.36, TOL);
  assert_near(d.phase[0].rate_fast_mlh, 6.72, TOL);
}

static void test_dose_methylprednisolone(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_dose d;
  hs_stroke_dose_req q = weight(70);
  /* 2 mg/kg x 70 kg = 140 mg/day (< 160); 140 / 62.5 = 2.24 mL; x 3 days = 420 mg in 6.72 mL */
  assert_int_equal(hs_stroke_dose_calc("methylprednisolone", &q, &d, &err), HS_OK);
  const hs_stroke_phase_dose *p = &d.phase[0];
  assert_near(p->amount, 140, TOL);
  assert_int_equal(p->cap_binds, 0);
  assert_near(p->cap_weight_kg, 80, TOL); /* 160 / 2 */
  assert_near(p->volume_ml, 2.24, TOL);
  assert_int_equal(p->count, 3);
  assert_near(p->total_amount, 420, TOL);
  assert_near(d.total_amount, 420, TOL);
  assert_near(d.total_volume_ml, 6.72, TOL);
  assert_string_equal(p->spec->every, "24 h");
  assert_true(isnan(p->rate_fast_mlh));
  /* 80 kg: 160 mg exactly = the maximum, not binding */
  q = weight(80);
  assert_int_equal(hs_stroke_dose_calc("methylprednisolone", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount, 160, TOL);
  assert_int_equal(d.phase[0].cap_binds, 0);
  /* 95 kg: 190 mg > 160: capped; 3 x 160 = 480 mg; 160 / 95 = 1.68421 mg/kg given */
  q = weight(95);
  assert_int_equal(hs_stroke_dose_calc("methylprednisolone", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].amount_calc, 190, TOL);
  assert_near(d.phase[0].amount, 160, TOL);
  assert_int_equal(d.phase[0].cap_binds, 1);
  assert_near(d.total_amount, 480, TOL);
  assert_near(d.phase[0].per_kg_given, 160.0 / 95.0, TOL);
  /* infused over 30 min at 40 mg/mL: 160 / 40 = 4 mL, 4 mL / 0.5 h = 8 mL/h */
  q.has_conc = 1;
  q.conc = 40;
  q.has_duration = 1;
  q.duration_s = 1800;
  assert_int_equal(hs_stroke_dose_calc("methylprednisolone", &q, &d, &err), HS_OK);
  assert_near(d.phase[0].volume_ml, 4, TOL);
  assert_near(d.phase[0].rate_fast_mlh, 8, TOL);
  assert_near(d.total_volume_ml, 12, TOL);
}

static void test_dose_rejections(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_dose d;
  d.total_amount = -1;
  hs_stroke_dose_req q = weight(70);
  expect_fail(hs_stroke_dose_calc("ia-foo", &q, &d, &err), HS_ERR_UNKNOWN,
              "unknown regimen 'ia-foo' (known: ia-alteplase, ia-tnk-0.03125, ia-tnk-0.0625, "
              "ia-tnk-0.125, ia-tnk-0.1875, ia-urokinase, tirofiban, tirofiban-72h, "
              "methylprednisolone)");
  expect_fail(hs_stroke_dose_calc(NULL, &q, &d, &err), HS_ERR_UNKNOWN, "unknown regimen ''");
  /* weight */
  expect_fail(hs_stroke_dose_calc("ia-alteplase", NULL, &d, &err), HS_ERR_INVALID,
              "ia-alteplase is dosed by weight: a weight is required");
  expect_fail(hs_stroke_dose_calc("tirofiban", NULL, &d, &err), HS_ERR_INVALID,
              "tirofiban is dosed by weight");
  q = weight(19.9);
  expect_fail(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_ERR_RANGE,
              "weight 19.9 kg is out of range [20, 250] kg");
  q = weight(250.5);
  expect_fail(hs_stroke_dose_calc("methylprednisolone", &q, &d, &err), HS_ERR_RANGE,
              "weight 250.5 kg is out of range [20, 250] kg");
  q = weight(0);
  expect_fail(hs_stroke_dose_calc("ia-urokinase", &q, &d, &err), HS_ERR_RANGE,
              "weight 0 kg is out of range [20, 250] kg"); /* checked when given */
  q = weight(-70);
  expect_fail(hs_stroke_dose_calc("ia-tnk-0.125", &q, &d, &err), HS_ERR_RANGE,
              "weight -70 kg is out of range [20, 250] kg");
  q = weight(NAN);
  expect_fail(hs_stroke_dose_calc("ia-tnk-0.125", &q, &d, &err), HS_ERR_INVALID,
              "weight is not a finite number");
  /* range ends are accepted */
  q = weight(20);
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  q = weight(250);
  assert_int_equal(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_OK);
  d.total_amount = -1;
  /* concentration */
  q = weight(70);
  q.has_conc = 1;
  q.conc = 0;
  expect_fail(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_ERR_RANGE,
              "concentration 0 mg/mL is out of range: it must be > 0");
  q.conc = -50;
  expect_fail(hs_stroke_dose_calc("tirofiban", &q, &d, &err), HS_ERR_RANGE,
              "concentration -50 ug/mL is out of range: it must be > 0");
  q.conc = INFINITY;
  expect_fail(hs_stroke_dose_calc("ia-urokinase", &q, &d, &err), HS_ERR_INVALID,
              "concentration is not a finite number");
  /* duration */
  q = weight(70);
  q.has_duration = 1;
  q.duration_s = 45 * 60;
  expect_fail(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_ERR_RANGE,
              "duration 45 min is out of the range studied for ia-alteplase [15 min, 30 min]");
  q.duration_s = 14 * 60;
  expect_fail(hs_stroke_dose_calc("ia-alteplase", &q, &d, &err), HS_ERR_RANGE,
              "duration 14 min is out of the range studied");
  q.duration_s = 20 * 60;
  expect_fail(hs_stroke_dose_calc("ia-urokinase", &q, &d, &err), HS_ERR_RANGE,
              "duration 20 min is out of the range studied for ia-urokinase [10 min, 15 min]");
  expect_fail(hs_stroke_dose_calc("tirofiban", &q, &d, &err), HS_ERR_INVALID,
              "tirofiban has 2 phases of fixed duration");
  q.duration_s = 0;
  expect_fail(hs_stroke_dose_calc("ia-tnk-0.125", &q, &d, &err), HS_ERR_RANGE,
              "duration 0 s is out of range (0 s, 24 h]");
  q.duration_s = 25 * 3600;
  expect_fail(hs_stroke_dose_calc("methylprednisolone", &q, &d, &err), HS_ERR_RANGE,
              "duration 25 h is out of range (0 s, 24 h]");
  q.duration_s = NAN;
  expect_fail(hs_stroke_dose_calc("ia-tnk-0.0625", &q, &d, &err), HS_ERR_INVALID,
              "duration is not a finite number");
  assert_near(d.total_amount, -1, 0); /* untouched by every failure */
  assert_int_equal(hs_stroke_dose_calc("ia-foo", &q, &d, NULL), HS_ERR_UNKNOWN);
}

static void test_concentration_parse(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  double c = 0;
  struct {
    const char *text;
    hs_dose_unit u;
    double want;
  } ok[] = {
      {"1 mg/mL", HS_DOSE_MG, 1},
      {"0.5mg/ml", HS_DOSE_MG, 0.5},
      {"500 ug/mL", HS_DOSE_MG, 0.5},  /* 500 ug = 0.5 mg */
      {"1 g/L", HS_DOSE_MG, 1},        /* 1 g / 1000 mL = 1 mg/mL */
      {"200 mg/L", HS_DOSE_MG, 0.2},   /* 200 mg / 1000 mL */
      {"50 ug/mL", HS_DOSE_UG, 50},
      {"50 mcg/mL", HS_DOSE_UG, 50},
      {"50 \xc2\xb5g/mL", HS_DOSE_UG, 50}, /* micro sign */
      {"50 \xce\xbcg/mL", HS_DOSE_UG, 50}, /* Greek mu */
      {"0.05 mg/mL", HS_DOSE_UG, 50},  /* 0.05 mg = 50 ug */
      {"12.5 mg/L", HS_DOSE_UG, 12.5}, /* 12500 ug / 1000 mL */
      {" 10000 U/mL ", HS_DOSE_U, 10000},
      {"10000 IU/mL", HS_DOSE_U, 10000},
      {"1e4 U/mL", HS_DOSE_U, 10000},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    assert_int_equal(hs_stroke_conc_parse(ok[i].text, ok[i].u, &c, &err), HS_OK);
    assert_near(c, ok[i].want, 1e-9 * ok[i].want);
  }
  c = 42;
  expect_fail(hs_stroke_conc_parse("50", HS_DOSE_UG, &c, &err), HS_ERR_INVALID,
              "\"50\": a mass concentration needs its unit (write e.g. \"50 mg/mL\"; accepted: "
              "mg/mL, mg/ml, ug/mL");
  expect_fail(hs_stroke_conc_parse("1 U/mL", HS_DOSE_MG, &c, &err), HS_ERR_INVALID,
              "\"1 U/mL\": unit 'U/mL' is an activity concentration unit, but a mass "
              "concentration is expected");
  expect_fail(hs_stroke_conc_parse("1 mg/mL", HS_DOSE_U, &c, &err), HS_ERR_INVALID,
              "\"1 mg/mL\": unit 'mg/mL' is a mass concentration unit, but an activity "
              "concentration is expected (accepted: U/mL, U/ml, IU/mL, IU/ml)");
  expect_fail(hs_stroke_conc_parse("abc", HS_DOSE_MG, &c, &err), HS_ERR_INVALID,
              "\"abc\" is not a number");
  expect_fail(hs_stroke_conc_parse("1.2.3 mg/mL", HS_DOSE_MG, &c, &err), HS_ERR_INVALID,
              "\"1.2.3 mg/mL\" is not a number");
  expect_fail(hs_stroke_conc_parse("1,5 mg/mL", HS_DOSE_MG, &c, &err), HS_ERR_INVALID,
              "is not a number");
  expect_fail(hs_stroke_conc_parse("1 mg/kg", HS_DOSE_MG, &c, &err), HS_ERR_INVALID,
              "\"1 mg/kg\": unknown unit 'mg/kg' for a mass concentration (accepted: mg/mL");
  expect_fail(hs_stroke_conc_parse("1e999 mg/mL", HS_DOSE_MG, &c, &err), HS_ERR_INVALID,
              "is not a finite number");
  expect_fail(hs_stroke_conc_parse(NULL, HS_DOSE_MG, &c, &err), HS_ERR_INVALID,
              "missing concentration");
  assert_near(c, 42, 0); /* untouched */
  /* parsing does not judge the sign; the calculation does */
  assert_int_equal(hs_stroke_conc_parse("-1 mg/mL", HS_DOSE_MG, &c, &err), HS_OK);
  assert_near(c, -1, 0);
}

/* dose --list as text: one line per regimen, name padded to 19 columns, in table order. */
static void test_regimens_text(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  char *t = hs_stroke_regimens_text(&err);
  assert_non_null(t);
  assert_non_null(strstr(t, "ia-alteplase        intra-arterial alteplase: 0.225 mg/kg (max 22.5 mg)"));
  assert_non_null(strstr(t, "\nmethylprednisolone  intravenous methylprednisolone: 2 mg/kg/day"));
  size_t lines = 0;
  for (const char *c = t; *c; c++) lines += *c == '\n';
  assert_int_equal(lines, hs_stroke_regimen_count());
  assert_true(strncmp(t, hs_stroke_regimen_at(0)->name, strlen(hs_stroke_regimen_at(0)->name)) == 0);
  free(t);
}

static void test_regimen_table(void **state) {
  (void)state;
  size_t n = hs_stroke_regimen_count();
  assert_int_equal(n, 9);
  assert_null(hs_stroke_regimen_at(n));
  assert_null(hs_stroke_regimen_find("nope"));
  assert_null(hs_stroke_regimen_find(NULL));
  for (size_t i = 0; i < n; i++) {
    const hs_stroke_regimen *r = hs_stroke_regimen_at(i);
    assert_ptr_equal(hs_stroke_regimen_find(r->name), r);
    assert_true(r->conc_default > 0);
    assert_true(strlen(r->source) > 10);
    assert_true(strlen(r->conc_source) > 10);
    assert_true(r->nphases >= 1 && r->nphases <= HS_STROKE_MAX_PHASES);
    for (int k = 0; k < r->nphases; k++) assert_true(r->phase[k].count >= 1);
    for (size_t j = 0; j < i; j++) assert_string_not_equal(hs_stroke_regimen_at(j)->name, r->name);
  }
  /* the regimen numbers of the trials (docs/stroke_calculators.md) */
  const hs_stroke_regimen *a = hs_stroke_regimen_find("ia-alteplase");
  assert_near(a->phase[0].per_kg, 0.225, 0);
  assert_near(a->phase[0].cap, 22.5, 0);
  assert_near(hs_stroke_regimen_find("ia-tnk-0.03125")->phase[0].per_kg, 0.03125, 0);
  assert_near(hs_stroke_regimen_find("ia-tnk-0.0625")->phase[0].per_kg, 0.0625, 0);
  assert_near(hs_stroke_regimen_find("ia-tnk-0.125")->phase[0].per_kg, 0.125, 0);
  assert_near(hs_stroke_regimen_find("ia-tnk-0.1875")->phase[0].per_kg, 0.1875, 0); /* 3/4 x 0.25 */
  assert_near(hs_stroke_regimen_find("tirofiban-72h")->phase[1].dur_max_s, 72 * 3600.0, 0);
  const hs_stroke_regimen *uk = hs_stroke_regimen_find("ia-urokinase");
  assert_near(uk->phase[0].fixed, 100000, 0);
  assert_near(uk->phase[0].fixed / uk->conc_default, 10, 0); /* in 10 mL */
  assert_int_equal(hs_stroke_regimen_weight_based(uk), 0);
  assert_int_equal(uk->unit, HS_DOSE_U);
  const hs_stroke_regimen *t = hs_stroke_regimen_find("tirofiban");
  assert_near(t->phase[0].per_kg_min, 0.4, 0);
  assert_near(t->phase[0].dur_max_s, 1800, 0);
  assert_near(t->phase[1].per_kg_min, 0.1, 0);
  assert_near(t->phase[1].dur_max_s, 86400, 0);
  assert_int_equal(t->unit, HS_DOSE_UG);
  const hs_stroke_regimen *mp = hs_stroke_regimen_find("methylprednisolone");
  assert_near(mp->phase[0].per_kg, 2, 0);
  assert_int_equal(mp->phase[0].count, 3);
  assert_int_equal(hs_stroke_regimen_weight_based(a), 1);
  assert_int_equal(hs_stroke_regimen_weight_based(NULL), 0);
  assert_string_equal(hs_dose_unit_name(HS_DOSE_UG), "ug");
  assert_string_equal(hs_dose_conc_unit_name(HS_DOSE_U), "U/mL");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mcis_vectors),
      cmocka_unit_test(test_mcis_parse),
      cmocka_unit_test(test_mcis_rejections),
      cmocka_unit_test(test_mcis_meanings),
      cmocka_unit_test(test_reperfusion_vectors),
      cmocka_unit_test(test_reperfusion_rejections),
      cmocka_unit_test(test_perfusion_vectors),
      cmocka_unit_test(test_perfusion_rejections),
      cmocka_unit_test(test_pi_vectors),
      cmocka_unit_test(test_tcd_rejections),
      cmocka_unit_test(test_dose_alteplase),
      cmocka_unit_test(test_dose_tenecteplase),
      cmocka_unit_test(test_dose_urokinase),
      cmocka_unit_test(test_dose_tirofiban),
      cmocka_unit_test(test_dose_methylprednisolone),
      cmocka_unit_test(test_dose_rejections), cmocka_unit_test(test_dose_text),
      cmocka_unit_test(test_calculator_texts),
      cmocka_unit_test(test_concentration_parse),
      cmocka_unit_test(test_regimen_table),
      cmocka_unit_test(test_regimens_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
