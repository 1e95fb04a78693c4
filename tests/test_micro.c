/* test_micro.c - sublingual microcirculation analysis (src/analysis/micro.c,
 * src/io/micro_io.c).
 *
 * Every formula is checked on hand-computed vectors (the arithmetic is written
 * next to each expected value), then quality rejection, the < 3 sites flag,
 * the invariants on many generated inputs, every class of bad input with its
 * file:line:col message, the trial schedule windows, the JSON document and the
 * shipped examples.
 */
#include "support.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/micro.h"

#define BASIC HS_TEST_DATA "/micro_basic.yaml"
#define VESSELS HS_TEST_DATA "/micro_vessels.yaml"
#define SCHEDULE HS_TEST_DATA "/micro_schedule.yaml"
#define EXAMPLES HS_SOURCE_DIR "/examples/micro"

static const double TOL = 1e-9;

/* ------------------------------------------------------------------ helpers */

static hs_micro_input *load(const char *path) {
  hs_err err = {0};
  hs_micro_input *in = NULL;
  hs_status st = hs_micro_load_file(path, &in, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_non_null(in);
  return in;
}

static hs_micro_result *analyze(const hs_micro_input *in, const hs_micro_options *opt) {
  hs_err err = {0};
  hs_micro_result *r = calloc(1, sizeof *r);
  assert_non_null(r);
  hs_status st = hs_micro_analyze(in, opt, r, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  return r;
}

static int ref_index(const char *id) {
  for (size_t k = 0; k < hs_micro_reference_count(); k++)
    if (!strcmp(hs_micro_reference_at(k)->id, id)) return (int)k;
  print_error("no reference '%s'\n", id);
  fail();
  return -1;
}

/* "bad.yaml:<line>:<col>: " for the character `skip` bytes into the single occurrence of needle. */
static void where(const char *text, const char *needle, size_t skip, char *buf, size_t size) {
  const char *at = strstr(text, needle);
  if (!at) print_error("where: \"%s\" not found\n", needle);
  assert_non_null(at);
  if (strstr(at + 1, needle)) print_error("where: \"%s\" is not unique\n", needle);
  assert_null(strstr(at + 1, needle));
  at += skip;
  int line = 1, col = 1;
  for (const char *p = text; p < at; p++) {
    if (*p == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  snprintf(buf, size, "bad.yaml:%d:%d: ", line, col);
}

/* Load text that must fail: the message starts with the location of needle(+skip)
   and contains every fragment in parts (NULL-terminated). */
static void expect_bad(const char *text, hs_status code, const char *needle, size_t skip,
                       const char *const *parts) {
  hs_err err = {0};
  hs_micro_input *in = NULL;
  char loc[64];
  where(text, needle, skip, loc, sizeof loc);
  hs_status st = hs_micro_load_string("bad.yaml", text, strlen(text), &in, &err);
  if (st != code) print_error("status %d, expected %d: %s\n", st, code, err.msg);
  assert_int_equal(st, code);
  assert_null(in);
  if (strncmp(err.msg, loc, strlen(loc))) print_error("'%s' does not start with '%s'\n", err.msg, loc);
  assert_int_equal(strncmp(err.msg, loc, strlen(loc)), 0);
  for (const char *const *p = parts; *p; p++) {
    if (!strstr(err.msg, *p)) print_error("'%s' lacks '%s'\n", err.msg, *p);
    assert_non_null(strstr(err.msg, *p));
  }
}

/* A valid one-site document whose site body is `site` (indented by 4). */
static char *doc_with_site(const char *top, const char *site) {
  static char buf[4096];
  snprintf(buf, sizeof buf,
           "hemosim_micro: 1\n%ssites:\n  - name: one\n%s", top, site);
  return buf;
}

/* ------------------------------------------------------------------ building blocks */

static void test_ppv_and_values(void **state) {
  (void)state;
  /* PPV = 100 (total - (none + intermittent)) / total: [1, 1, 2, 16] -> 100 (20 - 2) / 20 = 90 */
  assert_near(hs_micro_ppv((double[]){1, 1, 2, 16}), 90.0, TOL);
  /* all perfused -> 100; none perfused -> 0; no vessels -> undefined */
  assert_near(hs_micro_ppv((double[]){0, 0, 3, 7}), 100.0, 0);
  assert_near(hs_micro_ppv((double[]){4, 6, 0, 0}), 0.0, 0);
  assert_true(isnan(hs_micro_ppv((double[]){0, 0, 0, 0})));

  hs_micro_values v;
  /* lengths [1, 1, 2, 16] mm in 2 mm2: TVD = 20 / 2 = 10, PVD = 18 / 2 = 9 = TVD x PPV / 100;
     crossings [2, 2, 6, 30] on 10 mm of grid: De Backer = 40 / 10 = 4 /mm,
     PPV = 100 x 36 / 40 = 90, PVD = 36 / 10 = 3.6 /mm */
  hs_micro_values_of((double[]){1, 1, 2, 16}, 2.0, (int[]){2, 2, 6, 30}, 10.0, &v);
  assert_near(v.length_mm, 20.0, TOL);
  assert_near(v.tvd_mm_mm2, 10.0, TOL);
  assert_near(v.ppv_pct, 90.0, TOL);
  assert_near(v.pvd_mm_mm2, 9.0, TOL);
  assert_near(v.pvd_mm_mm2, v.tvd_mm_mm2 * v.ppv_pct / 100, TOL);
  assert_near(v.crossings, 40.0, TOL);
  assert_near(v.de_backer_per_mm, 4.0, TOL);
  assert_near(v.ppv_crossings_pct, 90.0, TOL);
  assert_near(v.pvd_crossings_per_mm, 3.6, TOL);
  assert_near(v.no_flow_pct, 5.0, TOL); /* 1 of 20 mm without flow */
  /* absent measurements stay NaN */
  hs_micro_values_of(NULL, 2.0, NULL, 10.0, &v);
  assert_true(isnan(v.tvd_mm_mm2) && isnan(v.de_backer_per_mm) && isnan(v.no_flow_pct));
}

static void test_mfi_hi_massey(void **state) {
  (void)state;
  /* MFI = mean of the quadrants: (3 + 3 + 2 + 3) / 4 = 2.75 */
  assert_near(hs_micro_mfi((int[]){3, 3, 2, 3}), 2.75, 0);
  assert_near(hs_micro_mfi((int[]){0, 0, 0, 0}), 0.0, 0);
  assert_near(hs_micro_mfi((int[]){3, 3, 3, 3}), 3.0, 0);
  /* HI = (max - min) / mean: sites 2.75, 2.0, 2.25 -> 0.75 / (7/3) = 0.3214285714 */
  assert_near(hs_micro_heterogeneity((double[]){2.75, 2.0, 2.25}, 3), 0.75 / (7.0 / 3.0), TOL);
  assert_near(hs_micro_heterogeneity((double[]){2.5}, 1), 0.0, 0);
  assert_true(isnan(hs_micro_heterogeneity((double[]){0, 0}, 2)));
  assert_true(isnan(hs_micro_heterogeneity(NULL, 0)));
  /* Massey: total = sum; any 10 rejects, naming the category */
  int total;
  char why[160];
  assert_true(hs_micro_massey_ok((int[]){0, 1, 1, 0, 1, 0}, &total, why, sizeof why));
  assert_int_equal(total, 3);
  assert_string_equal(why, "");
  assert_false(hs_micro_massey_ok((int[]){0, 0, 1, 0, 0, 10}, &total, why, sizeof why));
  assert_int_equal(total, 11);
  assert_non_null(strstr(why, "pressure = 10"));
}

/* ------------------------------------------------------------------ the hand-computed file */

static void test_basic_sites(void **state) {
  (void)state;
  hs_micro_input *in = load(BASIC);
  hs_micro_result *r = analyze(in, NULL);
  assert_int_equal(r->nsites, 4);
  assert_near(r->small_cutoff_um, 20.0, 0);
  const hs_micro_site_result *A = &r->site[0], *B = &r->site[1], *C = &r->site[2];
  /* field 2 mm2, grid 10 mm at every site */
  /* A small [1,1,2,16]: TVD 20/2 = 10, PPV 18/20 = 90 %, PVD 18/2 = 9 */
  assert_near(A->v[HS_MICRO_SMALL].tvd_mm_mm2, 10.0, TOL);
  assert_near(A->v[HS_MICRO_SMALL].ppv_pct, 90.0, TOL);
  assert_near(A->v[HS_MICRO_SMALL].pvd_mm_mm2, 9.0, TOL);
  /* A large [0,1,1,2]: TVD 4/2 = 2, PPV 3/4 = 75 %, PVD 3/2 = 1.5 */
  assert_near(A->v[HS_MICRO_LARGE].tvd_mm_mm2, 2.0, TOL);
  assert_near(A->v[HS_MICRO_LARGE].ppv_pct, 75.0, TOL);
  assert_near(A->v[HS_MICRO_LARGE].pvd_mm_mm2, 1.5, TOL);
  /* A all [1,2,3,18]: TVD 24/2 = 12, PPV 21/24 = 87.5 %, PVD 21/2 = 10.5 */
  assert_near(A->v[HS_MICRO_ALL].tvd_mm_mm2, 12.0, TOL);
  assert_near(A->v[HS_MICRO_ALL].ppv_pct, 87.5, TOL);
  assert_near(A->v[HS_MICRO_ALL].pvd_mm_mm2, 10.5, TOL);
  /* A crossings small [2,2,6,30]: 40/10 = 4 /mm, 36/40 = 90 %, 3.6 /mm;
     large [0,0,2,8]: 1 /mm, 100 %, 1 /mm; all [2,2,8,38]: 5 /mm, 46/50 = 92 %, 4.6 /mm */
  assert_near(A->v[HS_MICRO_SMALL].de_backer_per_mm, 4.0, TOL);
  assert_near(A->v[HS_MICRO_SMALL].ppv_crossings_pct, 90.0, TOL);
  assert_near(A->v[HS_MICRO_SMALL].pvd_crossings_per_mm, 3.6, TOL);
  assert_near(A->v[HS_MICRO_LARGE].de_backer_per_mm, 1.0, TOL);
  assert_near(A->v[HS_MICRO_LARGE].ppv_crossings_pct, 100.0, TOL);
  assert_near(A->v[HS_MICRO_ALL].de_backer_per_mm, 5.0, TOL);
  assert_near(A->v[HS_MICRO_ALL].ppv_crossings_pct, 92.0, TOL);
  assert_near(A->v[HS_MICRO_ALL].pvd_crossings_per_mm, 4.6, TOL);
  /* A MFI (3+3+2+3)/4 = 2.75; Massey total 0 */
  assert_near(A->mfi, 2.75, 0);
  assert_int_equal(A->massey_total, 0);
  /* B (mapping form) small {1:2, 2:2, 3:6} = [0,2,2,6]: TVD 5, PPV 80, PVD 4;
     large {3:2}: TVD 1, PPV 100, PVD 1; all [0,2,2,8]: TVD 6, PPV 10/12 = 83.33, PVD 5 */
  assert_near(B->v[HS_MICRO_SMALL].tvd_mm_mm2, 5.0, TOL);
  assert_near(B->v[HS_MICRO_SMALL].ppv_pct, 80.0, TOL);
  assert_near(B->v[HS_MICRO_SMALL].pvd_mm_mm2, 4.0, TOL);
  assert_near(B->v[HS_MICRO_LARGE].ppv_pct, 100.0, TOL);
  assert_near(B->v[HS_MICRO_ALL].ppv_pct, 1000.0 / 12.0, TOL);
  /* B crossings: large [0,0,0,0]: score 0, PPV undefined, PVD 0; small [0,5,5,10]: 2 /mm, 75 % */
  assert_near(B->v[HS_MICRO_LARGE].de_backer_per_mm, 0.0, 0);
  assert_true(isnan(B->v[HS_MICRO_LARGE].ppv_crossings_pct));
  assert_near(B->v[HS_MICRO_LARGE].pvd_crossings_per_mm, 0.0, 0);
  assert_near(B->v[HS_MICRO_SMALL].de_backer_per_mm, 2.0, TOL);
  assert_near(B->v[HS_MICRO_SMALL].ppv_crossings_pct, 75.0, TOL);
  assert_near(B->mfi, 2.0, 0);
  assert_int_equal(B->massey_total, 1);
  /* C small [5,5,0,10]: TVD 10, PPV 50, PVD 5; all [6,5,0,13]: PPV 13/24 = 54.1667, PVD 6.5 */
  assert_near(C->v[HS_MICRO_SMALL].ppv_pct, 50.0, TOL);
  assert_near(C->v[HS_MICRO_SMALL].pvd_mm_mm2, 5.0, TOL);
  assert_near(C->v[HS_MICRO_ALL].ppv_pct, 1300.0 / 24.0, TOL);
  assert_near(C->v[HS_MICRO_ALL].pvd_mm_mm2, 6.5, TOL);
  assert_near(C->mfi, 2.25, 0); /* (3+2+1+3)/4 */
  /* no-flow share by length, small vessels: A 1/20, B 0/10, C 5/20 */
  assert_near(A->v[HS_MICRO_SMALL].no_flow_pct, 5.0, TOL);
  assert_near(B->v[HS_MICRO_SMALL].no_flow_pct, 0.0, TOL);
  assert_near(C->v[HS_MICRO_SMALL].no_flow_pct, 25.0, TOL);
  free(r);
  hs_micro_input_free(in);
}

static void test_basic_summary(void **state) {
  (void)state;
  hs_micro_input *in = load(BASIC);
  hs_micro_result *r = analyze(in, NULL);
  /* D has stability = 10: rejected with the reason, not averaged */
  assert_false(r->site[3].usable);
  assert_non_null(strstr(r->site[3].reason, "stability = 10"));
  assert_int_equal(r->site[3].massey_total, 11);
  assert_int_equal(r->nusable, 3);
  assert_false(r->few_sites);
  const hs_micro_values *s = &r->mean[HS_MICRO_SMALL], *l = &r->mean[HS_MICRO_LARGE],
                        *a = &r->mean[HS_MICRO_ALL];
  /* small: TVD (10+5+10)/3 = 8.3333, PPV (90+80+50)/3 = 73.3333, PVD (9+4+5)/3 = 6 */
  assert_near(s->tvd_mm_mm2, 25.0 / 3, TOL);
  assert_near(s->ppv_pct, 220.0 / 3, TOL);
  assert_near(s->pvd_mm_mm2, 6.0, TOL);
  assert_near(r->psvd_mm_mm2, 6.0, TOL);
  assert_near(r->ppsv_pct, 220.0 / 3, TOL);
  /* large: TVD (2+1+2)/3, PPV (75+100+75)/3 = 83.3333, PVD (1.5+1+1.5)/3 = 1.3333 */
  assert_near(l->tvd_mm_mm2, 5.0 / 3, TOL);
  assert_near(l->ppv_pct, 250.0 / 3, TOL);
  assert_near(l->pvd_mm_mm2, 4.0 / 3, TOL);
  /* all: TVD (12+6+12)/3 = 10, PPV (87.5+83.3333+54.1667)/3 = 75, PVD (10.5+5+6.5)/3 = 7.3333 */
  assert_near(a->tvd_mm_mm2, 10.0, TOL);
  assert_near(a->ppv_pct, 75.0, TOL);
  assert_near(a->pvd_mm_mm2, 22.0 / 3, TOL);
  /* De Backer small: (4+2+4)/3 = 3.3333 /mm, PPV (90+75+75)/3 = 80, PVD (3.6+1.5+3)/3 = 2.7 */
  assert_near(s->de_backer_per_mm, 10.0 / 3, TOL);
  assert_near(s->ppv_crossings_pct, 80.0, TOL);
  assert_near(s->pvd_crossings_per_mm, 2.7, TOL);
  /* large PPV by crossings: B undefined (no vessels) -> mean of A and C = (100+100)/2 */
  assert_near(l->ppv_crossings_pct, 100.0, TOL);
  /* all: (5+2+5)/3 = 4 /mm, PPV (92+75+80)/3 = 82.3333, PVD (4.6+1.5+4)/3 = 3.3667 */
  assert_near(a->de_backer_per_mm, 4.0, TOL);
  assert_near(a->ppv_crossings_pct, 247.0 / 3, TOL);
  assert_near(a->pvd_crossings_per_mm, 10.1 / 3, TOL);
  /* MFI (2.75+2+2.25)/3 = 2.3333, min 2, max 2.75, HI 0.75/2.3333 = 0.3214 */
  assert_near(r->mfi, 7.0 / 3, TOL);
  assert_near(r->mfi_min, 2.0, 0);
  assert_near(r->mfi_max, 2.75, 0);
  assert_near(r->heterogeneity_index, 0.75 / (7.0 / 3), TOL);
  /* VIS = 5 dobutamine + 100 x 0.1 norepinephrine + 10 x 0.25 milrinone = 17.5 */
  assert_near(r->vis, 17.5, TOL);
  /* references: PSVD 6 crosses every PSVD threshold; PPSV 73.3 < 76.5 but not < 64 */
  assert_int_equal(r->crossed[ref_index("yeh2018_psvd")], 1);
  assert_int_equal(r->crossed[ref_index("yeh2018_ppsv")], 1);
  assert_int_equal(r->crossed[ref_index("yeh2018_worst")], 0);
  assert_int_equal(r->crossed[ref_index("kara2016_survivors")], 1);
  assert_int_equal(r->crossed[ref_index("kara2016_nonsurvivors")], 1);
  assert_int_equal(r->crossed[ref_index("wei2021_flow_responsive")], 1);
  assert_int_equal(r->crossed[ref_index("hubble2009_tvd_low")], 1);  /* 8.33 < 11.5 */
  assert_int_equal(r->crossed[ref_index("hubble2009_tvd_high")], 0);
  assert_int_equal(r->crossed[ref_index("hubble2009_ppsv_low")], 1); /* 73.3 < 91.2 */
  assert_int_equal(r->crossed[ref_index("stable_mfi_low")], 1);      /* 2.33 < 2.46 */
  assert_int_equal(r->crossed[ref_index("stable_ppv_low")], 1);      /* 75 < 84.5 */
  /* schedule: T1 at 10 h is inside 0-18 h */
  assert_int_equal(r->schedule.status, HS_SCHED_OK);
  /* warnings: 4 sites < 5 recommended, D excluded */
  int rec = 0, excl = 0;
  for (size_t k = 0; k < r->nwarnings; k++) {
    rec |= strstr(r->warning[k], "recommends 5") != NULL;
    excl |= strstr(r->warning[k], "D excluded") != NULL;
  }
  assert_true(rec && excl);
  free(r);
  hs_micro_input_free(in);
}

static void test_vessel_records_cutoff(void **state) {
  (void)state;
  hs_micro_input *in = load(VESSELS);
  /* cut-off 20: small = d 10 (0.5, cont), 15 (0.3, int), 19.9 (0.2, slug) = [0, .3, .2, .5];
     d 20 is not < 20: large = [0.6 (d 30 none), 0, 0, 0.4] ; field 1 mm2 */
  hs_micro_result *r = analyze(in, NULL);
  const hs_micro_site_result *s = &r->site[0];
  assert_near(s->v[HS_MICRO_SMALL].tvd_mm_mm2, 1.0, TOL);  /* 1.0 / 1 */
  assert_near(s->v[HS_MICRO_SMALL].ppv_pct, 70.0, TOL);    /* 0.7 / 1.0 */
  assert_near(s->v[HS_MICRO_SMALL].pvd_mm_mm2, 0.7, TOL);
  assert_near(s->v[HS_MICRO_LARGE].tvd_mm_mm2, 1.0, TOL);
  assert_near(s->v[HS_MICRO_LARGE].ppv_pct, 40.0, TOL);    /* 0.4 / 1.0 */
  assert_near(s->v[HS_MICRO_ALL].tvd_mm_mm2, 2.0, TOL);
  assert_near(s->v[HS_MICRO_ALL].ppv_pct, 55.0, TOL);      /* 1.1 / 2.0 */
  assert_near(s->mfi, 2.75, 0);
  /* one site: flagged, not an error; not scored for quality: warned */
  assert_true(r->few_sites);
  assert_int_equal(r->nusable, 1);
  assert_true(strstr(r->warning[0], "only 1 usable site") != NULL);
  assert_near(r->heterogeneity_index, 0.0, 0);
  assert_true(isnan(r->vis));
  free(r);
  /* cut-off 25 (option): d 20 joins small = [0, .3, .2, .9]: TVD 1.4, PPV 1.1/1.4 = 78.571 */
  hs_micro_options opt = {25, 0};
  r = analyze(in, &opt);
  assert_near(r->small_cutoff_um, 25.0, 0);
  assert_near(r->site[0].v[HS_MICRO_SMALL].tvd_mm_mm2, 1.4, TOL);
  assert_near(r->site[0].v[HS_MICRO_SMALL].ppv_pct, 1100.0 / 14.0, TOL);
  assert_near(r->site[0].v[HS_MICRO_LARGE].ppv_pct, 0.0, 0); /* only the d 30 no-flow vessel */
  free(r);
  /* cut-off 10: no vessel is < 10 um: small TVD 0, PPV undefined, PVD 0 */
  opt.small_cutoff_um = 10;
  r = analyze(in, &opt);
  assert_near(r->site[0].v[HS_MICRO_SMALL].tvd_mm_mm2, 0.0, 0);
  assert_true(isnan(r->site[0].v[HS_MICRO_SMALL].ppv_pct));
  assert_near(r->site[0].v[HS_MICRO_SMALL].pvd_mm_mm2, 0.0, 0);
  free(r);
  /* cut-off <= 0 is rejected by the analysis */
  hs_err err = {0};
  hs_micro_result *bad = calloc(1, sizeof *bad);
  opt.small_cutoff_um = -1;
  assert_int_equal(hs_micro_analyze(in, &opt, bad, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "cut-off = -1 um is out of range (0, 100]"));
  free(bad);
  hs_micro_input_free(in);
}

/* Built in memory (no file): quality rejection down to < 3 usable sites, and the
   cut-off mismatch warning. */
static void test_quality_and_few_sites(void **state) {
  (void)state;
  hs_micro_site s[3];
  memset(s, 0, sizeof s);
  for (int i = 0; i < 3; i++) {
    s[i].field_area_mm2 = 1;
    s[i].grid_length_mm = 5;
    s[i].has_lengths = 1;
    s[i].length_mm[0][3] = 10 + i; /* small continuous: TVD 10, 11, 12 */
    s[i].has_quality = 1;
  }
  s[1].quality[HS_MASSEY_FOCUS] = 10;
  hs_micro_input in = {.sites = s, .nsites = 3, .hours_since_ecmo = NAN, .ecmo_flow_lpm = NAN,
                       .fluid_balance_ml = NAN, .small_cutoff_um = 20};
  hs_micro_options opt = {15, 0};
  hs_micro_result *r = analyze(&in, &opt);
  assert_int_equal(r->nusable, 2);
  assert_true(r->few_sites);
  assert_false(r->site[1].usable);
  assert_non_null(strstr(r->site[1].reason, "focus = 10"));
  /* mean of the usable sites only: (10 + 12) / 2 = 11 */
  assert_near(r->mean[HS_MICRO_SMALL].tvd_mm_mm2, 11.0, TOL);
  /* no quadrants: MFI undefined, its reference not evaluable */
  assert_true(isnan(r->mfi));
  assert_int_equal(r->crossed[ref_index("stable_mfi_low")], -1);
  /* PSVD 11 < 16.2 and PPSV 100: worst group needs both */
  assert_int_equal(r->crossed[ref_index("yeh2018_psvd")], 1);
  assert_int_equal(r->crossed[ref_index("yeh2018_ppsv")], 0);
  int few = 0, cut = 0, excl = 0;
  for (size_t k = 0; k < r->nwarnings; k++) {
    few |= strstr(r->warning[k], "only 2 usable site(s) of 3") != NULL;
    cut |= strstr(r->warning[k], "applies to vessel records only") != NULL;
    excl |= strstr(r->warning[k], "site 2 excluded: Massey focus = 10") != NULL;
  }
  assert_true(few && cut && excl);
  /* every site rejected: still no crash, summary undefined */
  for (int i = 0; i < 3; i++) s[i].quality[HS_MASSEY_PRESSURE] = 10;
  free(r);
  r = analyze(&in, NULL);
  assert_int_equal(r->nusable, 0);
  assert_true(r->few_sites);
  assert_true(isnan(r->psvd_mm_mm2));
  assert_int_equal(r->crossed[ref_index("yeh2018_psvd")], -1);
  free(r);
  /* a clip with no vessel traced is excluded with its reason, not averaged in as TVD 0 */
  for (int i = 0; i < 3; i++) s[i].quality[HS_MASSEY_PRESSURE] = 0;
  s[1].quality[HS_MASSEY_FOCUS] = 0;
  s[1].length_mm[0][3] = 0;
  r = analyze(&in, NULL);
  assert_int_equal(r->nusable, 2);
  assert_false(r->site[1].usable);
  assert_non_null(strstr(r->site[1].reason, "no vessel length recorded (0 mm)"));
  assert_near(r->mean[HS_MICRO_SMALL].tvd_mm_mm2, 11.0, TOL); /* (10 + 12) / 2, not 22 / 3 */
  free(r);
}

/* Invariants on generated inputs: 0 <= PPV <= 100, PVD <= TVD, MFI in [0, 3]. */
static void test_invariants(void **state) {
  (void)state;
  unsigned long long x = 88172645463325252ULL;
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
  static const double pick[] = {0, 0, 1e-300, 5e-324, 0.1, 1, 3.3, 999.9999, 1000, 7.25e-3};
  hs_micro_site s[HS_MICRO_MAX_SITES];
  hs_micro_result *r = calloc(1, sizeof *r);
  assert_non_null(r);
  for (int trial = 0; trial < 400; trial++) {
    memset(s, 0, sizeof s);
    size_t n = 1 + RND() % HS_MICRO_MAX_SITES;
    for (size_t i = 0; i < n; i++) {
      s[i].field_area_mm2 = 0.01 + (double)(RND() % 10000) / 100.0;
      s[i].grid_length_mm = 0.01 + (double)(RND() % 10000) / 10.0;
      s[i].has_lengths = s[i].has_crossings = s[i].has_quadrants = 1;
      for (int g = 0; g < 2; g++)
        for (int c = 0; c < 4; c++) {
          s[i].length_mm[g][c] = RND() % 3 ? pick[RND() % 10] : (double)(RND() % 100000) / 100.0;
          s[i].crossings[g][c] = (int)(RND() % 200);
        }
      for (int q = 0; q < 4; q++) s[i].quadrant[q] = (int)(RND() % 4);
      s[i].has_quality = (int)(RND() % 2);
      for (int k = 0; k < HS_MASSEY_COUNT; k++) s[i].quality[k] = RND() % 20 ? (int)(RND() % 2) : 10;
    }
    hs_micro_input in = {.sites = s, .nsites = n, .hours_since_ecmo = NAN};
    hs_err err = {0};
    hs_status st = hs_micro_analyze(&in, NULL, r, &err);
    if (st) print_error("%s\n", err.msg);
    assert_int_equal(st, HS_OK);
    for (size_t i = 0; i <= n; i++) {
      const hs_micro_values *v = i < n ? r->site[i].v : r->mean;
      double mfi = i < n ? r->site[i].mfi : r->mfi;
      for (int g = 0; g < HS_MICRO_GROUPS; g++) {
        if (!isnan(v[g].ppv_pct)) assert_in_range_d(v[g].ppv_pct, 0, 100);
        if (!isnan(v[g].ppv_crossings_pct)) assert_in_range_d(v[g].ppv_crossings_pct, 0, 100);
        if (!isnan(v[g].tvd_mm_mm2)) assert_true(v[g].pvd_mm_mm2 <= v[g].tvd_mm_mm2);
        if (!isnan(v[g].de_backer_per_mm))
          assert_true(v[g].pvd_crossings_per_mm <= v[g].de_backer_per_mm);
      }
      if (!isnan(mfi)) assert_in_range_d(mfi, 0, 3);
    }
    if (!isnan(r->heterogeneity_index)) assert_true(r->heterogeneity_index >= 0);
    assert_int_equal(r->few_sites, r->nusable < 3);
  }
#undef RND
  free(r);
}

/* ------------------------------------------------------------------ bad input */

#define SITE_OK                                                   \
  "    length_mm: {small: [1, 1, 2, 16], large: [0, 0, 0, 1]}\n" \
  "    quadrants: [3, 3, 3, 3]\n"

static void test_bad_values(void **state) {
  (void)state;
  char *t;
  /* negative length */
  t = doc_with_site("", "    length_mm: {small: [1, -0.5, 2, 16], large: [0, 0, 0, 1]}\n");
  expect_bad(t, HS_ERR_RANGE, "-0.5", 0,
             (const char *const[]){"site 1 length_mm.small class 1 (intermittent)", "= -0.5",
                                   "out of range [0, 1000] mm", NULL});
  /* negative count */
  t = doc_with_site("", SITE_OK "    crossings: {small: [0, 0, 3, 10], large: [0, -2, 0, 1]}\n");
  expect_bad(t, HS_ERR_RANGE, "-2", 0,
             (const char *const[]){"site 1 crossings.large class 1 (intermittent)", "= -2",
                                   "out of range [0, 100000]", NULL});
  /* a fractional count */
  t = doc_with_site("", SITE_OK "    crossings: {small: [0, 0, 3.5, 10], large: [0, 0, 0, 1]}\n");
  expect_bad(t, HS_ERR_INVALID, "3.5", 0,
             (const char *const[]){"crossings.small class 2 (sluggish)", "whole number", NULL});
  /* negative vessel length */
  t = doc_with_site("", "    vessels:\n      - {diameter_um: 8, length_mm: -1, flow: 3}\n");
  expect_bad(t, HS_ERR_RANGE, "-1", 0,
             (const char *const[]){"site 1 vessels[1].length_mm = -1", "[0, 1000] mm", NULL});
  /* vessel diameter 0 */
  t = doc_with_site("", "    vessels:\n      - {diameter_um: 0, length_mm: 1, flow: 3}\n");
  expect_bad(t, HS_ERR_RANGE, "diameter_um: 0", 13,
             (const char *const[]){"vessels[1].diameter_um = 0", "(0, 1000] um", NULL});
}

static void test_bad_flow_classes(void **state) {
  (void)state;
  char *t;
  /* vessel record with flow class 4 */
  t = doc_with_site("", "    vessels:\n      - {diameter_um: 8, length_mm: 1, flow: 4}\n");
  expect_bad(t, HS_ERR_RANGE, "flow: 4", 6,
             (const char *const[]){"site 1 vessels[1].flow = 4", "not a flow class",
                                   "0 none, 1 intermittent, 2 sluggish, 3 continuous", NULL});
  /* a class key 4 in a by-class mapping */
  t = doc_with_site("", "    length_mm: {small: {0: 1, 4: 2}, large: [0, 0, 0, 1]}\n");
  expect_bad(t, HS_ERR_RANGE, "4: 2", 0,
             (const char *const[]){"site 1 length_mm.small", "unknown flow class '4'",
                                   "allowed: 0 none", NULL});
  /* five values: one too many classes */
  t = doc_with_site("", "    length_mm: {small: [1, 1, 2, 16, 3], large: [0, 0, 0, 1]}\n");
  expect_bad(t, HS_ERR_INVALID, "[1, 1, 2, 16, 3]", 0,
             (const char *const[]){"length_mm.small must list 4 values", "got 5", NULL});
  /* quadrant class 4 and -1 */
  t = doc_with_site("", "    length_mm: {small: [1, 1, 2, 16], large: [0, 0, 0, 1]}\n"
                        "    quadrants: [3, 3, 4, 3]\n");
  expect_bad(t, HS_ERR_RANGE, "4, 3]", 0,
             (const char *const[]){"site 1 quadrants[3] = 4", "not a flow class", NULL});
  t = doc_with_site("", "    quadrants: [3, -1, 3, 3]\n");
  expect_bad(t, HS_ERR_RANGE, "-1", 0, (const char *const[]){"quadrants[2] = -1", NULL});
  t = doc_with_site("", "    quadrants: [3, 3, 3]\n");
  expect_bad(t, HS_ERR_INVALID, "[3, 3, 3]", 0,
             (const char *const[]){"quadrants must list 4 values", "got 3", NULL});
}

static void test_bad_quality(void **state) {
  (void)state;
  char *t = doc_with_site("", SITE_OK "    quality: {illumination: 0, duration: 0, focus: 5, "
                                      "content: 0, stability: 0, pressure: 0}\n");
  expect_bad(t, HS_ERR_RANGE, "focus: 5", 7,
             (const char *const[]){"site 1 quality.focus = 5", "not a Massey score",
                                   "allowed: 0 optimal, 1 acceptable, 10 unacceptable", NULL});
  t = doc_with_site("", SITE_OK "    quality: {illumination: 0, duration: 0, focus: 0, "
                                "content: 0, stability: 0}\n");
  expect_bad(t, HS_ERR_INVALID, "{illumination", 0,
             (const char *const[]){"quality.pressure is missing", NULL});
  t = doc_with_site("", SITE_OK "    quality: {brightness: 0}\n");
  expect_bad(t, HS_ERR_UNKNOWN, "brightness", 0,
             (const char *const[]){"unknown field 'brightness'", "illumination", NULL});
}

static void test_bad_sites(void **state) {
  (void)state;
  /* no sites at all */
  const char *t = "hemosim_micro: 1\nsites: []\n";
  expect_bad(t, HS_ERR_RANGE, "[]", 0,
             (const char *const[]){"sites: at least 1 site is required (got 0", NULL});
  t = "hemosim_micro: 1\npatient: X\n";
  expect_bad(t, HS_ERR_INVALID, "hemosim_micro", 0,
             (const char *const[]){"sites is missing", NULL});
  /* a site with no measurement */
  t = "hemosim_micro: 1\nsites:\n  - name: a\n" SITE_OK "  - name: empty\n";
  expect_bad(t, HS_ERR_INVALID, "name: empty", 0,
             (const char *const[]){"site 2 has no measurements", NULL});
  /* a measurement given at site 1 but missing at site 2 */
  t = "hemosim_micro: 1\nsites:\n  - name: a\n" SITE_OK
      "  - name: b\n    length_mm: {small: [1, 1, 2, 16], large: [0, 0, 0, 1]}\n";
  expect_bad(t, HS_ERR_INVALID, "name: b", 0,
             (const char *const[]){"site 2: quadrants missing (site 1 gives them", NULL});
  /* large vessels missing */
  t = doc_with_site("", "    length_mm: {small: [1, 1, 2, 16]}\n");
  expect_bad(t, HS_ERR_INVALID, "{small", 0,
             (const char *const[]){"length_mm.large is missing", NULL});
  /* both forms of vessel length */
  t = doc_with_site("", SITE_OK "    vessels: []\n");
  expect_bad(t, HS_ERR_INVALID, "[]", 0,
             (const char *const[]){"either length_mm", "not both", NULL});
}

static void test_bad_top_level(void **state) {
  (void)state;
  /* cut-off <= 0 */
  char *t = doc_with_site("small_cutoff_um: 0\n", SITE_OK);
  expect_bad(t, HS_ERR_RANGE, "0\nsites", 0,
             (const char *const[]){"small_cutoff_um = 0 is out of range (0, 100] um", NULL});
  t = doc_with_site("small_cutoff_um: -5\n", SITE_OK);
  expect_bad(t, HS_ERR_RANGE, "-5", 0, (const char *const[]){"small_cutoff_um = -5", NULL});
  /* field area <= 0 */
  t = doc_with_site("field_area_mm2: 0\n", SITE_OK);
  expect_bad(t, HS_ERR_RANGE, "0\nsites", 0,
             (const char *const[]){"field_area_mm2 = 0 is out of range (0, 100] mm2", NULL});
  /* unknown fields at each level */
  t = doc_with_site("sitez: 1\n", SITE_OK);
  expect_bad(t, HS_ERR_UNKNOWN, "sitez", 0,
             (const char *const[]){"top level: unknown field 'sitez'", "known: hemosim_micro",
                                   NULL});
  t = doc_with_site("", SITE_OK "    lenght_mm: 3\n");
  expect_bad(t, HS_ERR_UNKNOWN, "lenght_mm", 0,
             (const char *const[]){"site 1: unknown field 'lenght_mm'", NULL});
  t = doc_with_site("", "    vessels:\n      - {diameter_um: 8, length_mm: 1, flow: 3, "
                        "speed: 2}\n");
  expect_bad(t, HS_ERR_UNKNOWN, "speed", 0,
             (const char *const[]){"vessels[1]: unknown field 'speed'", NULL});
  t = doc_with_site("vasoactive: {noradrenaline: 0.1}\n", SITE_OK);
  expect_bad(t, HS_ERR_UNKNOWN, "noradrenaline", 0,
             (const char *const[]){"vasoactive: unknown field 'noradrenaline'", "norepinephrine",
                                   NULL});
  /* metadata ranges */
  t = doc_with_site("time_point: T5\n", SITE_OK);
  expect_bad(t, HS_ERR_RANGE, "T5", 0,
             (const char *const[]){"time_point = 'T5' is not a time point (allowed: T1", NULL});
  t = doc_with_site("hours_since_ecmo: -3\n", SITE_OK);
  expect_bad(t, HS_ERR_RANGE, "-3", 0,
             (const char *const[]){"hours_since_ecmo = -3 is out of range [0, 10000] h", NULL});
  /* version */
  t = "hemosim_micro: 2\nsites: []\n";
  expect_bad(t, HS_ERR_RANGE, "2\n", 0, (const char *const[]){"version 2 is not supported", NULL});
  t = "sites: []\n";
  expect_bad(t, HS_ERR_PARSE, "sites", 0, (const char *const[]){"hemosim_micro: 1", NULL});
}

/* ------------------------------------------------------------------ schedule */

/* The text reports come from the library (src/io/micro_text.c): the recording's tables,
   summary and crossed references; the schedule table. */
static void test_text_reports(void **state) {
  (void)state;
  hs_micro_input *in = load(EXAMPLES "/va_ecmo_t1.yaml");
  hs_micro_result *r = analyze(in, NULL);
  hs_err err = {0};
  char *t = hs_micro_report_text("t1.yaml", in, r, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "microcirculation: t1.yaml\n"));
  assert_non_null(strstr(t, "vessel length (TVD and PVD in mm/mm2, PPV in %)"));
  assert_non_null(strstr(t, "PSVD (small-vessel PVD)"));
  assert_non_null(strstr(t, r->nusable == 1 ? "usable site;" : "usable sites;"));
  assert_true(strstr(t, "reference values crossed") || strstr(t, "no reference value crossed"));
  free(t);
  hs_micro_timepoint tp[HS_MICRO_MAX_TIMEPOINTS];
  hs_micro_window w[HS_MICRO_MAX_TIMEPOINTS];
  size_t n = 0;
  assert_int_equal(hs_micro_timepoints_load_file(EXAMPLES "/schedule.yaml", tp,
                                                 HS_MICRO_MAX_TIMEPOINTS, &n, &err), HS_OK);
  assert_int_equal(hs_micro_schedule_check(tp, n, 0, w, &err), HS_OK);
  t = hs_micro_schedule_text(tp, w, n, 0, &err);
  assert_non_null(t);
  assert_non_null(strstr(t, "microcirculation schedule (T4 window 72 +- "));
  assert_non_null(strstr(t, "schedule.yaml:"));      /* each point names its file and line */
  assert_non_null(strstr(t, " flagged\n"));
  free(t);
  free(r);
  hs_micro_input_free(in);
}

static hs_micro_window check1(int label, double h, double t1, double tol) {
  hs_micro_timepoint tp[2] = {{1, t1, "", NULL, 0}, {label, h, "", NULL, 0}};
  hs_micro_window w[2];
  hs_err err = {0};
  assert_int_equal(hs_micro_schedule_check(tp, 2, tol, w, &err), HS_OK);
  return w[1];
}

static void test_schedule_windows(void **state) {
  (void)state;
  hs_micro_timepoint t1[1] = {{1, 18, "", NULL, 0}};
  hs_micro_window w[4];
  hs_err err = {0};
  /* T1: 0-18 h after placement, inclusive */
  assert_int_equal(hs_micro_schedule_check(t1, 1, 0, w, &err), HS_OK);
  assert_int_equal(w[0].status, HS_SCHED_OK);
  t1[0].hours_since_ecmo = 18.5;
  hs_micro_schedule_check(t1, 1, 0, w, &err);
  assert_int_equal(w[0].status, HS_SCHED_OUTSIDE);
  assert_non_null(strstr(w[0].note, "late by 0.5 h"));
  /* T2: 6-22 h after T1 (T1 at 10 h): 16 ok, 32 ok, 15.9 early, 32.5 late */
  assert_int_equal(check1(2, 16, 10, 0).status, HS_SCHED_OK);
  assert_int_equal(check1(2, 32, 10, 0).status, HS_SCHED_OK);
  assert_int_equal(check1(2, 15.9, 10, 0).status, HS_SCHED_OUTSIDE);
  hs_micro_window x = check1(2, 32.5, 10, 0);
  assert_int_equal(x.status, HS_SCHED_OUTSIDE);
  assert_near(x.hours_after_t1, 22.5, TOL);
  assert_true(x.relative_to_t1);
  /* T3: 28-44 h after T1 (T1 at 10 h): 38 and 54 ok, 55 late, 37 early */
  assert_int_equal(check1(3, 38, 10, 0).status, HS_SCHED_OK);
  assert_int_equal(check1(3, 54, 10, 0).status, HS_SCHED_OK);
  assert_int_equal(check1(3, 55, 10, 0).status, HS_SCHED_OUTSIDE);
  assert_int_equal(check1(3, 37, 10, 0).status, HS_SCHED_OUTSIDE);
  /* T4: 72 +- 8 h by default: 64 and 80 ok, 63.9 early; tolerance 2: 70 ok, 69 early */
  assert_int_equal(check1(4, 72, 10, 0).status, HS_SCHED_OK);
  assert_int_equal(check1(4, 64, 10, 0).status, HS_SCHED_OK);
  assert_int_equal(check1(4, 80, 10, 0).status, HS_SCHED_OK);
  assert_int_equal(check1(4, 63.9, 10, 0).status, HS_SCHED_OUTSIDE);
  assert_int_equal(check1(4, 70, 10, 2).status, HS_SCHED_OK);
  assert_int_equal(check1(4, 69, 10, 2).status, HS_SCHED_OUTSIDE);
  /* T2 without a T1 time, a duplicate T2, no label, no time */
  hs_micro_timepoint tp[4] = {{2, 20, "", NULL, 0}, {2, 22, "", NULL, 0}, {0, 5, "", NULL, 0},
                              {4, NAN, "", NULL, 0}};
  assert_int_equal(hs_micro_schedule_check(tp, 4, 0, w, &err), HS_OK);
  assert_int_equal(w[0].status, HS_SCHED_UNCHECKED);
  assert_non_null(strstr(w[0].note, "timed from T1"));
  assert_int_equal(w[1].status, HS_SCHED_DUPLICATE);
  assert_int_equal(w[2].status, HS_SCHED_UNCHECKED);
  assert_int_equal(w[3].status, HS_SCHED_UNCHECKED);
  /* a label out of range is an argument error */
  tp[0].label = 5;
  assert_int_equal(hs_micro_schedule_check(tp, 1, 0, w, &err), HS_ERR_RANGE);
}

static void test_schedule_files(void **state) {
  (void)state;
  hs_micro_timepoint tp[8];
  hs_micro_window w[8];
  size_t n = 0;
  hs_err err = {0};
  /* schedule file: T1 12 h, T2 30 h (18 after T1), T3 57 h (45 after T1: late), T4 72 h */
  hs_status st = hs_micro_timepoints_load_file(SCHEDULE, tp, 8, &n, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_int_equal(n, 4);
  assert_int_equal(tp[1].line, 6);
  assert_string_equal(tp[0].patient, "TEST-002");
  assert_int_equal(hs_micro_schedule_check(tp, n, 0, w, &err), HS_OK);
  assert_int_equal(w[0].status, HS_SCHED_OK);
  assert_int_equal(w[1].status, HS_SCHED_OK);
  assert_int_equal(w[2].status, HS_SCHED_OUTSIDE);
  assert_non_null(strstr(w[2].note, "T3 at 45.0 h after T1 is outside its window 28-44 h"));
  assert_int_equal(w[3].status, HS_SCHED_OK);
  /* a measurement file adds its own time point (T1 at 10 h), but it is another
     patient (TEST-001): mixing patients is refused */
  st = hs_micro_timepoints_load_file(BASIC, tp, 8, &n, &err);
  assert_int_equal(st, HS_OK);
  assert_int_equal(n, 5);
  assert_int_equal(tp[4].label, 1);
  assert_near(tp[4].hours_since_ecmo, 10, 0);
  assert_int_equal(hs_micro_schedule_check(tp, n, 0, w, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "different patients ('TEST-002' from"));
  assert_non_null(strstr(err.msg, "'TEST-001' from"));
  /* the same patient's second T1 is a duplicate */
  snprintf(tp[4].patient, sizeof tp[4].patient, "TEST-002");
  assert_int_equal(hs_micro_schedule_check(tp, n, 0, w, &err), HS_OK);
  assert_int_equal(w[4].status, HS_SCHED_DUPLICATE);
  /* a measurement file without a time point cannot be scheduled */
  n = 0;
  st = hs_micro_timepoints_load_file(VESSELS, tp, 8, &n, &err);
  assert_int_equal(st, HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "missing: time_point"));
  /* the schedule JSON */
  n = 0;
  hs_micro_timepoints_load_file(SCHEDULE, tp, 8, &n, &err);
  hs_micro_schedule_check(tp, n, 0, w, &err);
  char *text = hs_micro_schedule_json(tp, w, n, 0, &err);
  assert_non_null(text);
  json_error_t je;
  json_t *root = json_loads(text, 0, &je);
  assert_non_null(root);
  assert_true(json_is_true(json_object_get(root, "any_outside")));
  json_t *t3 = json_array_get(json_object_get(root, "time_points"), 2);
  assert_string_equal(json_string_value(json_object_get(t3, "status")), "outside");
  assert_string_equal(json_string_value(json_object_get(t3, "window_from")), "T1");
  json_decref(root);
  free(text);
}

/* A measurement at 20 h labelled T1 is flagged by the analysis itself. */
static void test_analysis_schedule_flag(void **state) {
  (void)state;
  char *t = doc_with_site("time_point: T1\nhours_since_ecmo: 20\n", SITE_OK);
  hs_micro_input *in = NULL;
  hs_err err = {0};
  assert_int_equal(hs_micro_load_string("t1.yaml", t, strlen(t), &in, &err), HS_OK);
  hs_micro_result *r = analyze(in, NULL);
  assert_int_equal(r->schedule.status, HS_SCHED_OUTSIDE);
  int seen = 0;
  for (size_t k = 0; k < r->nwarnings; k++) seen |= strstr(r->warning[k], "schedule: T1") != NULL;
  assert_true(seen);
  free(r);
  hs_micro_input_free(in);
}

/* Per-site indices (TVD, PPV by size, as analysis software reports them) give back exactly
   these TVD, PPV and PVD; incomplete, out-of-range or doubled inputs are refused. */
static void test_site_indices(void **state) {
  (void)state;
  const char *t = "hemosim_micro: 1\nsites:\n"
                  "  - {name: a, indices: {tvd_small: 18, ppv_small: 80}, quadrants: [3, 3, 2, 3]}\n"
                  "  - {name: b, indices: {tvd_small: 20, ppv_small: 70, tvd_large: 5, ppv_large: 100},"
                  " quadrants: [3, 2, 2, 3]}\n"
                  "  - {name: c, indices: {tvd_small: 16, ppv_small: 90}, quadrants: [3, 3, 3, 3]}\n";
  hs_micro_input *in = NULL;
  hs_err err = {0};
  assert_int_equal(hs_micro_load_string("ix.yaml", t, strlen(t), &in, &err), HS_OK);
  hs_micro_result *r = analyze(in, NULL);
  assert_int_equal(r->nusable, 3);
  /* PSVD = mean of the per-site PVDs: (14.4 + 14 + 14.4) / 3; PPSV = mean PPV 80 % */
  assert_near(r->psvd_mm_mm2, (18 * 0.8 + 20 * 0.7 + 16 * 0.9) / 3, 1e-9);
  assert_near(hs_micro_quantity_value(r, HS_MQ_PPSV), 80, 1e-9);
  free(r);
  hs_micro_input_free(in);
  expect_bad(doc_with_site("", "    indices: {tvd_small: 18}\n"), HS_ERR_INVALID, "{tvd", 0,
             (const char *const[]){"tvd_small and ppv_small are both needed", NULL});
  expect_bad(doc_with_site("", "    indices: {tvd_small: 18, ppv_small: 120}\n"), HS_ERR_RANGE,
             "120", 0, (const char *const[]){"indices.ppv_small = 120 is out of range [0, 100] %", NULL});
  expect_bad(doc_with_site("", SITE_OK "    indices: {tvd_small: 18, ppv_small: 80}\n"),
             HS_ERR_INVALID, "{tvd", 0, (const char *const[]){"give indices or the raw lengths", NULL});
}

/* ------------------------------------------------------------------ JSON and examples */

static void test_json(void **state) {
  (void)state;
  hs_micro_input *in = load(BASIC);
  hs_micro_result *r = analyze(in, NULL);
  hs_err err = {0};
  char *text = hs_micro_json(in, r, BASIC, &err);
  assert_non_null(text);
  json_error_t je;
  json_t *root = json_loads(text, 0, &je);
  if (!root) print_error("%s\n", je.text);
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "schema")), "hemosim-micro/1");
  assert_string_equal(json_string_value(json_object_get(root, "time_point")), "T1");
  json_t *sum = json_object_get(root, "summary");
  assert_near(json_real_value(json_object_get(sum, "psvd_mm_mm2")), 6.0, 1e-9);
  assert_near(json_number_value(json_object_get(sum, "usable_sites")), 3, 0);
  json_t *sites = json_object_get(root, "sites");
  assert_int_equal(json_array_size(sites), 4);
  json_t *d = json_array_get(sites, 3);
  assert_true(json_is_false(json_object_get(d, "usable")));
  assert_non_null(strstr(json_string_value(json_object_get(d, "excluded_reason")), "stability"));
  /* undefined values are null: site B large PPV by crossings */
  json_t *b_large = json_object_get(json_array_get(sites, 1), "large");
  assert_true(json_is_null(json_object_get(b_large, "ppv_crossings_pct")));
  json_t *flags = json_object_get(root, "flags");
  assert_true(json_is_false(json_object_get(flags, "few_sites")));
  json_t *crossed = json_object_get(flags, "thresholds_crossed");
  int yeh = 0;
  for (size_t k = 0; k < json_array_size(crossed); k++)
    yeh |= !strcmp(json_string_value(json_array_get(crossed, k)), "yeh2018_psvd");
  assert_true(yeh);
  json_decref(root);
  free(text);
  free(r);
  hs_micro_input_free(in);
}

static void test_examples(void **state) {
  (void)state;
  static const char *const files[] = {EXAMPLES "/va_ecmo_t1.yaml", EXAMPLES "/vessel_records.json",
                                      EXAMPLES "/few_sites.yaml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    hs_micro_input *in = load(files[i]);
    hs_micro_result *r = analyze(in, NULL);
    hs_err err = {0};
    char *text = hs_micro_json(in, r, files[i], &err);
    assert_non_null(text);
    free(text);
    if (i == 0) {
      /* the documented example: 5 sites, one rejected; PSVD below Yeh's cut-off */
      assert_int_equal(r->nsites, 5);
      assert_int_equal(r->nusable, 4);
      assert_int_equal(r->crossed[ref_index("yeh2018_psvd")], 1);
      assert_int_equal(r->schedule.status, HS_SCHED_OK);
    }
    if (i == 2) assert_true(r->few_sites);
    free(r);
    hs_micro_input_free(in);
  }
  hs_micro_timepoint tp[8];
  size_t n = 0;
  hs_err err = {0};
  hs_status st = hs_micro_timepoints_load_file(EXAMPLES "/schedule.yaml", tp, 8, &n, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  assert_int_equal(n, 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ppv_and_values),
      cmocka_unit_test(test_mfi_hi_massey),
      cmocka_unit_test(test_basic_sites),
      cmocka_unit_test(test_basic_summary),
      cmocka_unit_test(test_vessel_records_cutoff),
      cmocka_unit_test(test_quality_and_few_sites),
      cmocka_unit_test(test_invariants),
      cmocka_unit_test(test_bad_values),
      cmocka_unit_test(test_bad_flow_classes),
      cmocka_unit_test(test_bad_quality),
      cmocka_unit_test(test_bad_sites),
      cmocka_unit_test(test_site_indices),
      cmocka_unit_test(test_bad_top_level),
      cmocka_unit_test(test_schedule_windows),
      cmocka_unit_test(test_schedule_files),
      cmocka_unit_test(test_analysis_schedule_flag),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_examples), cmocka_unit_test(test_text_reports),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
