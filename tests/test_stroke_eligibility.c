/* test_stroke_eligibility.c - eTICI / mTICI grades and the adjunct-regimen
 * eligibility engine (src/analysis/stroke_eligibility.c, issue #17 items 1-2).
 *
 * Every window is tested at its exact boundary (eligible) and one second past it
 * (not eligible); every dose is computed by hand in the comment next to it.
 */
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/stroke.h"

#define H 3600.0
#define MIN 60.0

/* ---- grades ---------------------------------------------------------------------------- */

static void test_etici_parse(void **state) {
  (void)state;
  static const struct {
    const char *text;
    hs_etici g;
    double f, lo, hi;
  } cases[] = {
      {"0", HS_ETICI_0, 0, 0, 0},           {"1", HS_ETICI_1, 0, 0, 0},
      {"2a", HS_ETICI_2A, 0.25, 1, 49},     /* (1 + 49) / 2 = 25 % */
      {"2b50", HS_ETICI_2B50, 0.58, 50, 66}, /* (50 + 66) / 2 = 58 % */
      {"eTICI 2B67", HS_ETICI_2B67, 0.78, 67, 89}, /* (67 + 89) / 2 = 78 % */
      {"2c", HS_ETICI_2C, 0.945, 90, 99},   /* (90 + 99) / 2 = 94.5 % */
      {"3", HS_ETICI_3, 1, 100, 100},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hs_reperfusion_grade g;
    hs_err err = {HS_OK, ""};
    assert_int_equal(hs_reperfusion_grade_parse(cases[i].text, &g, &err), HS_OK);
    assert_int_equal(g.etici, cases[i].g);
    assert_int_equal(g.from_mtici, 0);
    assert_near(g.fraction, cases[i].f, 1e-12);
    assert_near(g.range_lo_pct, cases[i].lo, 0);
    assert_near(g.range_hi_pct, cases[i].hi, 0);
  }
  hs_reperfusion_grade g;
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_reperfusion_grade_parse("none", &g, &err), HS_OK);
  assert_int_equal(g.etici, HS_ETICI_NONE);
  /* mTICI, mapped explicitly */
  assert_int_equal(hs_reperfusion_grade_parse("mTICI 2b", &g, &err), HS_OK);
  assert_int_equal(g.etici, HS_ETICI_2B50); /* the lowest eTICI grade an unsplit 2b may be */
  assert_int_equal(g.from_mtici, 1);
  assert_string_equal(g.mtici, "2b");
  assert_near(g.fraction, 0.695, 1e-12); /* (50 + 89) / 2 */
  assert_int_equal(hs_reperfusion_grade_parse("mtici:2c", &g, &err), HS_OK);
  assert_int_equal(g.etici, HS_ETICI_2C);
  assert_int_equal(hs_reperfusion_grade_parse("mTICI 3", &g, &err), HS_OK);
  assert_int_equal(g.etici, HS_ETICI_3);
  /* rejections */
  assert_int_equal(hs_reperfusion_grade_parse("2b", &g, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "ambiguous"));
  assert_non_null(strstr(err.msg, "mTICI 2b"));
  assert_int_equal(hs_reperfusion_grade_parse("2b60", &g, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "is not a reperfusion grade"));
  assert_int_equal(hs_reperfusion_grade_parse("mTICI 2b67", &g, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "not an mTICI grade"));
  assert_int_equal(hs_reperfusion_grade_parse(NULL, &g, &err), HS_ERR_INVALID);
}

static void test_etici_from_fraction(void **state) {
  (void)state;
  static const struct {
    double f;
    hs_etici g;
  } cases[] = {
      {0, HS_ETICI_0},         {0.0099, HS_ETICI_0},   {0.01, HS_ETICI_2A},
      {0.4999, HS_ETICI_2A},   {0.50, HS_ETICI_2B50},  {0.6699, HS_ETICI_2B50},
      {0.67, HS_ETICI_2B67},   {0.7, HS_ETICI_2B67},   /* the shipped patient's patency 0.7 */
      {0.8999, HS_ETICI_2B67}, {0.90, HS_ETICI_2C},    {0.9999, HS_ETICI_2C},
      {1, HS_ETICI_3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hs_reperfusion_grade g;
    hs_err err = {HS_OK, ""};
    assert_int_equal(hs_etici_from_fraction(cases[i].f, &g, &err), HS_OK);
    assert_int_equal(g.etici, cases[i].g);
    assert_near(g.fraction, cases[i].f, 0);
  }
  /* every grade's own fraction maps back to the grade (except 1, which reads as 0) */
  for (int k = HS_ETICI_2A; k < HS_ETICI_COUNT; k++) {
    hs_reperfusion_grade g, back;
    assert_int_equal(hs_etici_grade((hs_etici)k, &g, NULL), HS_OK);
    assert_int_equal(hs_etici_from_fraction(g.fraction, &back, NULL), HS_OK);
    assert_int_equal(back.etici, k);
  }
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_etici_from_fraction(1.2, NULL, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "out of range [0, 1]"));
  assert_int_equal(hs_etici_from_fraction(NAN, NULL, &err), HS_ERR_INVALID);
}

/* ---- eligibility ---------------------------------------------------------------------- */

static hs_stroke_patient patient(double onset_s, const char *etici, int ivt, double ivt_ago_s,
                                 hs_territory terr, int ce) {
  hs_stroke_patient p = hs_stroke_patient_unknown();
  p.onset_s = onset_s;
  if (etici) {
    assert_int_equal(hs_reperfusion_grade_parse(etici, &p.grade, NULL), HS_OK);
    p.has_grade = 1;
  }
  p.ivt = ivt;
  p.ivt_ago_s = ivt_ago_s;
  p.territory = terr;
  p.cardioembolic = ce;
  return p;
}

static const hs_stroke_eligibility_row *row_of(const hs_stroke_eligibility *e, const char *id) {
  for (size_t i = 0; i < e->n; i++)
    if (!strcmp(e->row[i].ind->id, id)) return &e->row[i];
  fail_msg("no indication %s", id);
  return NULL;
}

/* Status of indication id for patient p, and (optionally) a word of its rule. */
static void expect(const hs_stroke_patient *p, const char *id, hs_elig_status want,
                   const char *frag) {
  hs_stroke_eligibility e;
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_stroke_eligibility_check(p, &e, &err), HS_OK);
  const hs_stroke_eligibility_row *r = row_of(&e, id);
  if (r->status != want || (frag && !strstr(r->rule, frag)))
    fail_msg("%s: status %d (want %d), rule \"%s\" (want \"%s\")", id, r->status, want, r->rule,
             frag ? frag : "");
}

#define ANT HS_TERRITORY_ANTERIOR
#define POST HS_TERRITORY_POSTERIOR

static void test_choice(void **state) {
  (void)state;
  hs_stroke_patient p = patient(24 * H, "2b50", 1, 20 * H, ANT, 0);
  expect(&p, "choice", HS_ELIG_YES, "every rule checked is met"); /* 24 h 0 s: within 24 h; IVT allowed */
  p.onset_s = 24 * H + 1;
  expect(&p, "choice", HS_ELIG_NO, "onset 24 h 0 min 1 s ago is beyond 24 h");
  p = patient(3 * H, "2a", 0, NAN, ANT, 0);
  expect(&p, "choice", HS_ELIG_NO, "eTICI 2a is below 2b50");
  p = patient(3 * H, "mTICI 2b", 0, NAN, ANT, 0);
  expect(&p, "choice", HS_ELIG_YES, NULL); /* mTICI 2b reads as 2b50 */
  p = patient(3 * H, "none", 0, NAN, ANT, 0);
  expect(&p, "choice", HS_ELIG_NO, "no thrombectomy");
  p = patient(3 * H, NULL, 0, NAN, ANT, 0);
  expect(&p, "choice", HS_ELIG_UNKNOWN, "--etici");
}

static void test_angel_tnk(void **state) {
  (void)state;
  hs_stroke_patient p = patient(4.5 * H, "2b67", 0, NAN, ANT, -1);
  expect(&p, "angel-tnk", HS_ELIG_YES, NULL); /* 4.5 h exactly: inside 4.5-24 h */
  p.onset_s = 4.5 * H - 1;
  expect(&p, "angel-tnk", HS_ELIG_NO, "is before 4.5 h");
  p.onset_s = 24 * H;
  expect(&p, "angel-tnk", HS_ELIG_YES, NULL);
  p.onset_s = 24 * H + 1;
  expect(&p, "angel-tnk", HS_ELIG_NO, "beyond 24 h");
  p.onset_s = 10 * H;
  p.territory = POST;
  expect(&p, "angel-tnk", HS_ELIG_NO, "anterior-circulation occlusions only");
  p.territory = HS_TERRITORY_UNKNOWN;
  expect(&p, "angel-tnk", HS_ELIG_UNKNOWN, "--territory");
}

static void test_post_trials(void **state) {
  (void)state;
  static const char *const ids[] = {"post-tnk", "post-uk"};
  for (int k = 0; k < 2; k++) {
    hs_stroke_patient p = patient(24 * H, "2c", 0, NAN, ANT, -1);
    expect(&p, ids[k], HS_ELIG_YES, NULL);
    p.onset_s = 24 * H + 1;
    expect(&p, ids[k], HS_ELIG_NO, "beyond 24 h");
    p = patient(6 * H, "2b67", 0, NAN, ANT, -1);
    expect(&p, ids[k], HS_ELIG_NO, "eTICI 2b67 is below 2c");
    p = patient(6 * H, "mTICI 2b", 0, NAN, ANT, -1);
    expect(&p, ids[k], HS_ELIG_NO, "mTICI 2b (read as eTICI 2b50) is below eTICI 2c");
    p = patient(6 * H, "3", 1, 5 * H, ANT, -1);
    expect(&p, ids[k], HS_ELIG_NO, "excluded patients after IV thrombolysis");
    p = patient(6 * H, "3", -1, NAN, POST, -1);
    expect(&p, ids[k], HS_ELIG_UNKNOWN, "--ivt");
  }
}

static void test_attention_ia(void **state) {
  (void)state;
  hs_stroke_patient p = patient(24 * H, "2b50", 1, 23 * H, POST, -1);
  expect(&p, "attention-ia", HS_ELIG_YES, NULL);
  p.onset_s = 24 * H + 1;
  expect(&p, "attention-ia", HS_ELIG_NO, "beyond 24 h");
  p = patient(8 * H, "2b50", 0, NAN, ANT, -1);
  expect(&p, "attention-ia", HS_ELIG_NO, "posterior-circulation occlusions only");
  p = patient(8 * H, "2a", 0, NAN, POST, -1);
  expect(&p, "attention-ia", HS_ELIG_NO, "below 2b50");
}

/* The eligibility text report (src/io/stroke_text.c): one block per trial, with its dose
   when a weight is given, and the closing caution. */
static void test_eligibility_text(void **state) {
  (void)state;
  hs_stroke_patient p = patient(6 * H, "2b67", 0, NAN, ANT, -1);
  hs_stroke_eligibility e;
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_OK);
  char *t = hs_stroke_eligibility_text(&e, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "adjunct regimens after thrombectomy: trial eligibility\n"));
  assert_non_null(strstr(t, "CHOICE"));
  assert_non_null(strstr(t, "ELIGIBLE"));
  assert_non_null(strstr(t, "  dose     give --weight\n"));
  assert_non_null(strstr(t, "Trial populations, not a prescription"));
  free(t);
  p.has_weight = 1;
  p.weight_kg = 70;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_OK);
  t = hs_stroke_eligibility_text(&e, &err);
  assert_non_null(t);
  assert_null(strstr(t, "give --weight"));
  assert_non_null(strstr(t, "15.75 mg"));   /* CHOICE: 0.225 mg/kg x 70 kg alteplase */
  free(t);
}

static void test_date_ladder(void **state) {
  (void)state;
  hs_stroke_patient p = patient(24 * H, "2b50", 0, NAN, ANT, -1);
  p.has_weight = 1;
  p.weight_kg = 70;
  hs_stroke_eligibility e;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, NULL), HS_OK);
  static const struct {
    const char *id;
    hs_elig_status st;
    hs_trial_result res;
    double mg70, mg110;
  } tiers[] = {
      /* 0.03125 x 70 = 2.1875; x 110 = 3.4375 (no maximum known) */
      {"date-0.03125", HS_ELIG_YES, HS_TRIAL_NEUTRAL, 2.1875, 3.4375},
      /* 0.0625 x 70 = 4.375; x 110 = 6.875 > 6.25 -> 6.25 */
      {"date-0.0625", HS_ELIG_YES, HS_TRIAL_NEUTRAL, 4.375, 6.25},
      /* 0.125 x 70 = 8.75; x 110 = 13.75 > 12.5 -> 12.5; stopped for sICH */
      {"date-0.125", HS_ELIG_NO, HS_TRIAL_HARM, 8.75, 12.5},
      /* 0.1875 x 70 = 13.125; x 110 = 20.625 (no maximum known); never given */
      {"date-0.1875", HS_ELIG_NO, HS_TRIAL_NOT_GIVEN, 13.125, 20.625},
  };
  for (size_t i = 0; i < 4; i++) {
    const hs_stroke_eligibility_row *r = row_of(&e, tiers[i].id);
    assert_int_equal(r->status, tiers[i].st);
    assert_int_equal(r->ind->result, tiers[i].res);
    assert_int_equal(r->has_dose, 1);
    assert_near(r->dose.phase[0].amount, tiers[i].mg70, 1e-12);
    assert_non_null(strstr(r->ind->citation, "10.1001/jamaneurol.2025.2036"));
  }
  assert_non_null(strstr(row_of(&e, "date-0.125")->rule, "3 of 12"));
  assert_non_null(strstr(row_of(&e, "date-0.1875")->rule, "never gave"));
  p.weight_kg = 110;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, NULL), HS_OK);
  for (size_t i = 0; i < 4; i++)
    assert_near(row_of(&e, tiers[i].id)->dose.phase[0].amount, tiers[i].mg110, 1e-12);
  /* the ladder's population rules */
  p = patient(24 * H + 1, "3", 0, NAN, ANT, -1);
  expect(&p, "date-0.03125", HS_ELIG_NO, "beyond 24 h");
  p = patient(5 * H, "3", 1, 4 * H, ANT, -1);
  expect(&p, "date-0.0625", HS_ELIG_NO, "after IV thrombolysis");
  p = patient(5 * H, "3", 0, NAN, POST, -1);
  expect(&p, "date-0.03125", HS_ELIG_NO, "anterior-circulation");
  /* the 0.1875 regimen itself: 0.1875 x 80 = 15 mg = 3 mL at 5 mg/mL */
  hs_stroke_dose_req req = {1, 80, 0, 0, 0, 0};
  hs_stroke_dose d;
  assert_int_equal(hs_stroke_dose_calc("ia-tnk-0.1875", &req, &d, NULL), HS_OK);
  assert_near(d.phase[0].amount, 15, 1e-12);
  assert_near(d.phase[0].volume_ml, 3, 1e-12);
}

static void test_asset_it(void **state) {
  (void)state;
  /* onset 5.5 h ago, IV thrombolysis 60 min ago: at 4.5 h after onset, 60 min ago */
  hs_stroke_patient p = patient(5.5 * H, "none", 1, 60 * MIN, ANT, 0);
  expect(&p, "asset-it", HS_ELIG_YES, NULL);
  p.ivt_ago_s = 60 * MIN + 1; /* IVT 61 min... at 4.5 h - 1 s after onset */
  expect(&p, "asset-it", HS_ELIG_NO, "IV thrombolysis 1 h 0 min 1 s ago is beyond 60 min");
  p.ivt_ago_s = 60 * MIN;
  p.onset_s = 5.5 * H + 1; /* IVT at 4.5 h + 1 s after onset */
  expect(&p, "asset-it", HS_ELIG_NO, "after onset is beyond 4.5 h");
  p = patient(2 * H, "none", 1, 30 * MIN, POST, 1);
  expect(&p, "asset-it", HS_ELIG_NO, "cardioembolic source");
  p.cardioembolic = -1;
  expect(&p, "asset-it", HS_ELIG_UNKNOWN, "--cardioembolic");
  p = patient(2 * H, "none", 0, NAN, ANT, 0);
  expect(&p, "asset-it", HS_ELIG_NO, "no IV thrombolysis");
  p = patient(2 * H, "2c", 1, 30 * MIN, ANT, 0);
  expect(&p, "asset-it", HS_ELIG_NO, "excluded patients treated with thrombectomy");
  p = patient(2 * H, "none", 1, NAN, ANT, 0); /* --ivt yes: time unknown */
  expect(&p, "asset-it", HS_ELIG_UNKNOWN, "time of IV thrombolysis");
}

static void test_trend(void **state) {
  (void)state;
  hs_stroke_patient p = patient(24 * H, "none", 0, NAN, POST, 0);
  p.has_weight = 1;
  p.weight_kg = 70;
  /* NIHSS 4-20 and age 18-80: not inputs given -> unknown, never "met" */
  expect(&p, "trend", HS_ELIG_UNKNOWN,
         "every other rule met; NIHSS 4-20 and age 18-80 years not checked (give --nihss, --age)");
  p.has_nihss = 1;
  expect(&p, "trend", HS_ELIG_NO, "NIHSS 0 is below 4: TREND enrolled NIHSS 4-20");
  p.nihss = 4;
  expect(&p, "trend", HS_ELIG_UNKNOWN, "age 18-80 years not checked (give --age)");
  p.has_age = 1;
  p.age_years = 81;
  expect(&p, "trend", HS_ELIG_NO, "age 81 years is above 80");
  p.age_years = 18;
  p.nihss = 21;
  expect(&p, "trend", HS_ELIG_NO, "NIHSS 21 is above 20");
  p.nihss = 20;
  p.age_years = 80;
  expect(&p, "trend", HS_ELIG_YES, "every rule met");
  hs_stroke_eligibility e;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, NULL), HS_OK);
  const hs_stroke_eligibility_row *r = row_of(&e, "trend");
  /* 0.4 x 70 x 30 = 840 ug; 0.1 x 70 x 72 x 60 = 30,240 ug; total 31,080 ug */
  assert_near(r->dose.phase[0].amount, 840, 1e-9);
  assert_near(r->dose.phase[1].amount, 30240, 1e-9);
  assert_near(r->dose.total_amount, 31080, 1e-9);
  p.onset_s = 24 * H + 1;
  expect(&p, "trend", HS_ELIG_NO, "beyond 24 h");
  p = patient(6 * H, "none", 1, 3 * H, ANT, 0);
  expect(&p, "trend", HS_ELIG_NO, "after IV thrombolysis");
  p = patient(6 * H, "2b67", 0, NAN, ANT, 0);
  expect(&p, "trend", HS_ELIG_NO, "thrombectomy");
  p = patient(6 * H, "none", 0, NAN, ANT, 1);
  expect(&p, "trend", HS_ELIG_NO, "non-cardioembolic stroke only");
}

static void test_marvel(void **state) {
  (void)state;
  hs_stroke_patient p = patient(24 * H, "0", 1, 20 * H, ANT, 1); /* any reperfusion grade */
  p.has_weight = 1;
  p.weight_kg = 95;
  /* NIHSS >= 6 is a MARVEL criterion: without --nihss the row is not "eligible" */
  expect(&p, "marvel", HS_ELIG_UNKNOWN, "NIHSS >= 6 not checked (give --nihss)");
  p.has_nihss = 1;
  p.nihss = 5;
  expect(&p, "marvel", HS_ELIG_NO, "NIHSS 5 is below 6: MARVEL enrolled NIHSS >= 6");
  p.nihss = 6;
  /* met, and what no input covers is said, not claimed */
  expect(&p, "marvel", HS_ELIG_YES, "not checked here: occlusion site (ICA, M1, M2)");
  hs_stroke_eligibility e;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, NULL), HS_OK);
  /* 2 x 95 = 190 > 160 mg/day -> 160; x 3 days = 480 mg */
  assert_near(row_of(&e, "marvel")->dose.total_amount, 480, 1e-9);
  p.onset_s = 24 * H + 1;
  expect(&p, "marvel", HS_ELIG_NO, "beyond 24 h"); /* an excluding rule decides first */
  p.has_nihss = 0;
  expect(&p, "marvel", HS_ELIG_NO, "beyond 24 h");
  p = patient(6 * H, "3", 0, NAN, POST, 0);
  expect(&p, "marvel", HS_ELIG_NO, "anterior-circulation");
  p = patient(6 * H, "none", 0, NAN, ANT, 0);
  expect(&p, "marvel", HS_ELIG_NO, "no thrombectomy");
}

static void test_results_and_citations(void **state) {
  (void)state;
  /* every trial has its result class and a primary publication; neutral trials named */
  for (size_t i = 0; i < hs_stroke_indication_count(); i++) {
    const hs_stroke_indication *in = hs_stroke_indication_at(i);
    assert_non_null(hs_stroke_regimen_find(in->regimen));
    assert_true(strlen(in->citation) > 10);
    assert_null(strstr(in->citation, "MISSION"));
    /* a criterion named in the population is checked, or said to be unchecked: an
       "every rule met" never claims NIHSS, age or an occlusion site it did not see */
    if (strstr(in->population, "NIHSS")) assert_true(in->nihss_min > 0 || in->nihss_max > 0);
    if (strstr(in->population, "age ")) assert_true(in->age_min > 0 || in->age_max > 0);
    if (strstr(in->population, "occlusion") && !in->unchecked)
      fail_msg("%s: occlusion site neither an input nor listed as not checked", in->id);
    if (in->note) assert_null(strstr(in->note, "not an input"));
  }
  assert_null(hs_stroke_indication_at(hs_stroke_indication_count()));
  static const struct {
    const char *id;
    hs_trial_result r;
  } res[] = {{"choice", HS_TRIAL_POSITIVE},     {"angel-tnk", HS_TRIAL_POSITIVE},
             {"post-tnk", HS_TRIAL_NEUTRAL},    {"post-uk", HS_TRIAL_NEUTRAL},
             {"attention-ia", HS_TRIAL_NEUTRAL}, {"asset-it", HS_TRIAL_POSITIVE},
             {"trend", HS_TRIAL_POSITIVE},      {"marvel", HS_TRIAL_NEUTRAL}};
  hs_stroke_patient p = patient(6 * H, "3", 0, NAN, ANT, 0);
  hs_stroke_eligibility e;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, NULL), HS_OK);
  for (size_t i = 0; i < sizeof res / sizeof res[0]; i++)
    assert_int_equal(row_of(&e, res[i].id)->ind->result, res[i].r);
  assert_string_equal(hs_trial_result_name(HS_TRIAL_HARM), "harm signal");
  /* without a weight: no dose for weight-based regimens, the fixed urokinase dose given */
  assert_int_equal(row_of(&e, "choice")->has_dose, 0);
  assert_int_equal(row_of(&e, "post-uk")->has_dose, 1);
  assert_near(row_of(&e, "post-uk")->dose.total_amount, 100000, 0);
}

static void test_rejections(void **state) {
  (void)state;
  hs_err err = {HS_OK, ""};
  hs_stroke_eligibility e;
  hs_stroke_patient p = patient(0, "3", 0, NAN, ANT, 0);
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "out of range (0 s, 7 days]"));
  p.onset_s = 7 * 24 * H + 1;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_ERR_RANGE);
  p = patient(2 * H, "none", 1, 3 * H, ANT, 0);
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "before the onset"));
  p = patient(2 * H, "none", 0, NAN, ANT, 0);
  p.has_weight = 1;
  p.weight_kg = 300;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "weight 300 kg is out of range [20, 250] kg"));
  p.has_weight = 0;
  p.has_nihss = 1;
  p.nihss = 43;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "NIHSS 43 is out of range [0, 42]"));
  p.has_nihss = 0;
  p.has_age = 1;
  p.age_years = -1;
  assert_int_equal(hs_stroke_eligibility_check(&p, &e, &err), HS_ERR_RANGE);
  assert_int_equal(hs_stroke_eligibility_check(NULL, &e, &err), HS_ERR_INVALID);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_etici_parse),     cmocka_unit_test(test_etici_from_fraction),
      cmocka_unit_test(test_choice),          cmocka_unit_test(test_angel_tnk),
      cmocka_unit_test(test_post_trials),     cmocka_unit_test(test_attention_ia),
      cmocka_unit_test(test_date_ladder), cmocka_unit_test(test_eligibility_text),     cmocka_unit_test(test_asset_it),
      cmocka_unit_test(test_trend),           cmocka_unit_test(test_marvel),
      cmocka_unit_test(test_results_and_citations), cmocka_unit_test(test_rejections),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
