/* test_cohort.c - virtual cohorts (src/analysis/cohort*.c, docs/cohort.md):
 *   1 Philox4x32-10 known-answer vectors (Random123 kat_vectors); uniforms in (0, 1);
 *   2 the normal quantile: Phi(Phi^-1(p)) = p to 1e-14 absolute, Phi^-1(0.975) to 1e-12;
 *   3 Sobol points: the first points of dimensions 1-2, and every one of the 21
 *     dimensions puts exactly one of the first 1024 points in each interval
 *     [k/1024, (k+1)/1024);
 *   4 Sobol indices of the Ishigami function (a = 7, b = 0.1) from 8192 base samples:
 *     every first and total index within 0.02 of its analytic value;
 *   5 distributions reproduce their moments from 20000 random patients: mean within 4
 *     standard errors, standard deviation within 3 %, the correlation of two
 *     normal parameters within 0.03 of the requested 0.6, truncated-normal mean
 *     (analytic) within 4 standard errors and no value outside its bounds; a Latin
 *     hypercube puts one patient in each of its n strata;
 *   6 determinism: the same rows with 1 and 3 threads, bit for bit; a parameter draw the
 *     model refuses is an error row naming the parameter; acceptance ranges reject;
 *   7 resume: a study stopped after 5 patients and resumed (with a cut-off last
 *     checkpoint line, as a kill leaves) equals the uninterrupted run; so does one
 *     killed with SIGKILL while running; a checkpoint of another study is refused;
 *   8 bad study files name the line and the field;
 *   4b Morris trajectories move every factor once by half the grid, inside (0, 1); on a
 *     linear function mu* = |a|, mu = a, sigma = 0 (1e-12), an unused factor 0, an
 *     interacting one sigma > 0; a Morris study has r (d + 1) patients;
 *   9 protocol mode compare: each row equals, bit for bit, what hs_compare_run gives on
 *     the same patient model, and at most one strategy per patient is recommended;
 *  10 bootstrap: the intervals equal, bit for bit, those of the definition (sort every
 *     resample) on samples with and without ties of sizes 2-256, and every interval of
 *     summary.csv equals hs_bootstrap_ci of that statistic alone.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hemosim/cohort.h"
#include "hemosim/compare.h"
#include "hemosim/patient.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static void test_philox(void **state) {
  (void)state;
  uint32_t o[4];
  const uint32_t c0[4] = {0, 0, 0, 0}, k0[2] = {0, 0};
  hs_philox4x32(c0, k0, o);
  assert_int_equal(o[0], 0x6627e8d5u);
  assert_int_equal(o[1], 0xe169c58du);
  assert_int_equal(o[2], 0xbc57ac4cu);
  assert_int_equal(o[3], 0x9b00dbd8u);
  const uint32_t c1[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                 k1[2] = {0xffffffffu, 0xffffffffu};
  hs_philox4x32(c1, k1, o);
  assert_int_equal(o[0], 0x408f276du);
  assert_int_equal(o[1], 0x41c83b0eu);
  assert_int_equal(o[2], 0xa20bc7c6u);
  assert_int_equal(o[3], 0x6d5451fdu);
  const uint32_t c2[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                 k2[2] = {0xa4093822u, 0x299f31d0u};
  hs_philox4x32(c2, k2, o);
  assert_int_equal(o[0], 0xd16cfe09u);
  assert_int_equal(o[1], 0x94fdccebu);
  assert_int_equal(o[2], 0x5001e420u);
  assert_int_equal(o[3], 0x24126ea1u);
  for (uint32_t k = 0; k < 1000; k++) {
    double u = hs_cohort_uniform(42, k, 0, 0);
    assert_true(u > 0 && u < 1);
  }
}

static void test_norm_quantile(void **state) {
  (void)state;
  assert_near(hs_norm_quantile(0.975), 1.959963984540054, 1e-12);
  assert_near(hs_norm_quantile(0.5), 0.0, 1e-15);
  for (int k = 1; k < 2000; k++) {
    double p = k / 2000.0;
    assert_near(hs_norm_cdf(hs_norm_quantile(p)), p, 1e-14);
  }
  for (int e = 3; e <= 300; e += 7) { /* tails */
    double p = pow(10, -e);
    assert_near(hs_norm_cdf(hs_norm_quantile(p)) / p, 1.0, 1e-9);
  }
}

static void test_sobol_points(void **state) {
  (void)state;
  double x[HS_SOBOL_MAX_DIM];
  static const double D1[] = {0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125};
  static const double D2[] = {0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625};
  for (int i = 0; i < 8; i++) {
    assert_int_equal(hs_sobol_point((uint64_t)i, 2, x, NULL), HS_OK);
    assert_near(x[0], D1[i], 0);
    assert_near(x[1], D2[i], 0);
  }
  static unsigned char seen[HS_SOBOL_MAX_DIM][1024];
  memset(seen, 0, sizeof seen);
  for (int i = 0; i < 1024; i++) {
    assert_int_equal(hs_sobol_point((uint64_t)i, HS_SOBOL_MAX_DIM, x, NULL), HS_OK);
    for (int j = 0; j < HS_SOBOL_MAX_DIM; j++) seen[j][(int)(x[j] * 1024)]++;
  }
  for (int j = 0; j < HS_SOBOL_MAX_DIM; j++)
    for (int k = 0; k < 1024; k++) assert_int_equal(seen[j][k], 1);
  hs_err err;
  assert_int_equal(hs_sobol_point(0, HS_SOBOL_MAX_DIM + 1, x, &err), HS_ERR_RANGE);
}

static double ishigami(const double *u) {
  double x1 = -M_PI + 2 * M_PI * u[0], x2 = -M_PI + 2 * M_PI * u[1], x3 = -M_PI + 2 * M_PI * u[2];
  return sin(x1) + 7 * sin(x2) * sin(x2) + 0.1 * pow(x3, 4) * sin(x1);
}

/* f(A), f(B), f(A_B^(i)) of the Ishigami function on the first n points of the
   6-dimensional Sobol sequence (the Saltelli 2010 design) */
static void ishigami_design(size_t n, double *fa, double *fb, double *fab) {
  enum { D = 3 };
  for (size_t j = 0; j < n; j++) {
    double ab[2 * D], u[D];
    hs_sobol_point((uint64_t)j + 1, 2 * D, ab, NULL);
    fa[j] = ishigami(ab);
    fb[j] = ishigami(ab + D);
    for (int i = 0; i < D; i++) {
      for (int k = 0; k < D; k++) u[k] = k == i ? ab[D + k] : ab[k];
      fab[i * n + j] = ishigami(u);
    }
  }
}

static void test_ishigami(void **state) {
  (void)state;
  enum { N = 8192, D = 3 };
  double *fa = malloc(N * sizeof *fa), *fb = malloc(N * sizeof *fb),
         *fab = malloc(N * D * sizeof *fab);
  ishigami_design(N, fa, fb, fab);
  double s1[D], st[D];
  size_t used;
  assert_int_equal(hs_sobol_indices(fa, fb, fab, N, D, s1, st, &used, NULL), HS_OK);
  assert_int_equal(used, N);
  /* analytic (Ishigami and Homma 1990; Sobol' and Levitan 1999): a = 7, b = 0.1 */
  double a = 7, b = 0.1, pi4 = pow(M_PI, 4);
  double v1 = 0.5 * pow(1 + b * pi4 / 5, 2), v2 = a * a / 8, v13 = 8 * b * b * pi4 * pi4 / 225;
  double v = v1 + v2 + v13;
  assert_near(s1[0], v1 / v, 0.02);
  assert_near(s1[1], v2 / v, 0.02);
  assert_near(s1[2], 0.0, 0.02);
  assert_near(st[0], (v1 + v13) / v, 0.02);
  assert_near(st[1], v2 / v, 0.02);
  assert_near(st[2], v13 / v, 0.02);
  free(fa);
  free(fb);
  free(fab);
}

/* Bootstrap intervals of the Sobol indices on the Ishigami function: every analytic index
   lies inside its 95 % interval at N = 1024 and N = 4096, the intervals narrow about as
   1/sqrt(N) (width ratio 1.5-3 for 4x the samples), the same seed gives the same
   intervals bit for bit; the warnings fire on few samples and on S_i > 1 or > S_Ti. */
static void test_sobol_ci(void **state) {
  (void)state;
  enum { D = 3, NMAX = 4096 };
  double a = 7, b = 0.1, pi4 = pow(M_PI, 4);
  double v1 = 0.5 * pow(1 + b * pi4 / 5, 2), v2 = a * a / 8, v13 = 8 * b * b * pi4 * pi4 / 225;
  double v = v1 + v2 + v13;
  const double S1[D] = {v1 / v, v2 / v, 0}, ST[D] = {(v1 + v13) / v, v2 / v, v13 / v};
  double *fa = malloc(NMAX * sizeof *fa), *fb = malloc(NMAX * sizeof *fb),
         *fab = malloc(NMAX * D * sizeof *fab);
  double width[2][2 * D];
  for (int pass = 0; pass < 2; pass++) {
    size_t n = pass ? 4096 : 1024;
    ishigami_design(n, fa, fb, fab);
    double lo1[D], hi1[D], lot[D], hit[D], again[D];
    hs_err err;
    assert_int_equal(hs_sobol_indices_ci(fa, fb, fab, n, D, 500, 0.95, 7, lo1, hi1, lot, hit, &err),
                     HS_OK);
    for (int i = 0; i < D; i++) {
      if (!(lo1[i] <= S1[i] && S1[i] <= hi1[i]) || !(lot[i] <= ST[i] && ST[i] <= hit[i]))
        fail_msg("N %zu, x%d: S1 %.3f in [%.3f, %.3f]? ST %.3f in [%.3f, %.3f]?", n, i + 1, S1[i],
                 lo1[i], hi1[i], ST[i], lot[i], hit[i]);
      width[pass][i] = hi1[i] - lo1[i];
      width[pass][D + i] = hit[i] - lot[i];
      assert_true(width[pass][i] > 0 && width[pass][i] < 0.3);
    }
    assert_int_equal(hs_sobol_indices_ci(fa, fb, fab, n, D, 500, 0.95, 7, again, NULL, NULL, NULL,
                                         NULL),
                     HS_OK);
    assert_memory_equal(again, lo1, sizeof again); /* reproducible */
  }
  for (int i = 0; i < 2 * D; i++) {
    double ratio = width[0][i] / width[1][i];
    if (!(ratio > 1.5 && ratio < 3)) fail_msg("interval %d: width ratio %.2f", i, ratio);
  }
  /* bad arguments; too few rows give NaN */
  double lo[D], hi[D];
  assert_int_equal(hs_sobol_indices_ci(fa, fb, fab, 1024, D, 10, 0.95, 1, lo, hi, NULL, NULL, NULL),
                   HS_ERR_RANGE);
  assert_int_equal(hs_sobol_indices_ci(fa, fb, fab, 1, D, 100, 0.95, 1, lo, hi, NULL, NULL, NULL),
                   HS_OK);
  assert_true(isnan(lo[0]) && isnan(hi[2]));
  /* warnings: the audit's 16-sample study (S1 1.77 > ST 0.72), a sound estimate */
  char why[320];
  hs_sobol_warning(1.77, 0.72, 0.95, 16, why, sizeof why);
  assert_non_null(strstr(why, "only 16 complete base samples"));
  assert_non_null(strstr(why, "above 1"));
  assert_non_null(strstr(why, "above the total index 0.72 and its 95 % interval"));
  hs_sobol_warning(0.5, 0.45, 0.6, 256, why, sizeof why); /* within the total's interval */
  assert_string_equal(why, "");
  hs_sobol_warning(0.7, 0.45, 0.6, 256, why, sizeof why);
  assert_non_null(strstr(why, "above the total"));
  assert_null(strstr(why, "samples"));
  free(fa);
  free(fb);
  free(fab);
}

static double morris_f(const double *u) { return 3 * u[0] - 2 * u[1] + u[2] * u[3] + 0.5 * u[4]; }

static void test_morris(void **state) {
  (void)state;
  enum { D = 6, R = 40 };
  double u[(D + 1) * D], f[R * (D + 1)], delta[R * D];
  int order[R * D];
  for (int t = 0; t < R; t++) {
    hs_morris_trajectory(99, (uint64_t)t, D, 4, u, order + t * D, delta + t * D);
    int moved[D] = {0};
    for (int k = 0; k <= D; k++) {
      for (int j = 0; j < D; j++) assert_true(u[k * D + j] > 0 && u[k * D + j] < 1);
      f[t * (D + 1) + k] = morris_f(u + k * D);
      if (!k) continue;
      int changed = 0;
      for (int j = 0; j < D; j++)
        if (u[k * D + j] != u[(k - 1) * D + j]) {
          changed++;
          moved[j]++;
          assert_int_equal(j, order[t * D + k - 1]);
          assert_near(u[k * D + j] - u[(k - 1) * D + j], delta[t * D + j], 1e-15);
        }
      assert_int_equal(changed, 1);
    }
    for (int j = 0; j < D; j++) assert_int_equal(moved[j], 1);
  }
  double mustar[D], mu[D], sigma[D];
  size_t used;
  assert_int_equal(hs_morris_indices(f, R, D, order, delta, mustar, mu, sigma, &used, NULL), HS_OK);
  assert_int_equal(used, R);
  const double a[D] = {3, -2, 0, 0, 0.5, 0};
  for (int j = 0; j < D; j++) {
    if (j == 2 || j == 3) continue;
    assert_near(mustar[j], fabs(a[j]), 1e-12);
    assert_near(mu[j], a[j], 1e-12);
    assert_near(sigma[j], 0, 1e-12);
  }
  assert_true(mustar[2] > 0.05 && sigma[2] > 0.05); /* u2 * u3: effect depends on u3 */
  assert_true(mustar[3] > 0.05 && sigma[3] > 0.05);
  hs_cohort *c = NULL;
  const char *text = "hemosim_cohort: 1\npopulation:\n  parameters:\n"
                     "    lv.ees: {dist: uniform, min: 1 mmHg/mL, max: 3 mmHg/mL}\n"
                     "    rv.ees: {dist: uniform, min: 0.3 mmHg/mL, max: 0.9 mmHg/mL}\n"
                     "sensitivity: {method: morris, trajectories: 5, levels: 6}\n";
  assert_int_equal(hs_cohort_load_string("m", text, strlen(text), NULL, &c, NULL), HS_OK);
  assert_int_equal(hs_cohort_patient_count(c), 15);
  assert_true(hs_cohort_has_sensitivity(c));
  double x[2];
  assert_int_equal(hs_cohort_sample(c, 0, x, NULL), HS_OK);
  double l = (x[0] - 1) / 2 * 6 - 0.5; /* a grid level */
  assert_near(l, round(l), 1e-9);
  hs_cohort_free(c);
}

static hs_cohort *load(const char *text) {
  hs_cohort *c = NULL;
  hs_err err = {0};
  if (hs_cohort_load_string("<test>", text, strlen(text), HS_SOURCE_DIR, &c, &err))
    fail_msg("%s", err.msg);
  return c;
}

static void test_moments(void **state) {
  (void)state;
  hs_cohort *c = load("hemosim_cohort: 1\n"
                      "seed: 7\n"
                      "population:\n"
                      "  size: 20000\n"
                      "  parameters:\n"
                      "    lv.ees: {dist: normal, mean: 2.0 mmHg/mL, sd: 0.3 mmHg/mL}\n"
                      "    rv.ees: {dist: normal, mean: 0.6 mmHg/mL, sd: 0.1 mmHg/mL}\n"
                      "    lv.v0: {dist: lognormal, median: 10 mL, cv: 0.4}\n"
                      "    heart.heart_rate: {dist: uniform, min: 60 /min, max: 120 /min}\n"
                      "    la.ees: {dist: truncnormal, mean: 0.2 mmHg/mL, sd: 0.1 mmHg/mL,\n"
                      "             min: 0.15 mmHg/mL, max: 0.4 mmHg/mL}\n"
                      "  correlation:\n"
                      "    - [lv.ees, rv.ees, 0.6]\n");
  size_t n = hs_cohort_patient_count(c), np = hs_cohort_param_count(c);
  assert_int_equal(n, 20000);
  assert_int_equal(np, 5);
  double *x = malloc(n * np * sizeof *x);
  for (size_t i = 0; i < n; i++) assert_int_equal(hs_cohort_sample(c, i, x + i * np, NULL), HS_OK);
  double mean[5] = {0}, sd[5] = {0}, cov = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < np; k++) mean[k] += x[i * np + k] / (double)n;
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < np; k++) sd[k] += pow(x[i * np + k] - mean[k], 2) / (double)(n - 1);
    cov += (x[i * np] - mean[0]) * (x[i * np + 1] - mean[1]) / (double)(n - 1);
  }
  for (size_t k = 0; k < np; k++) sd[k] = sqrt(sd[k]);
  /* expected mean and sd of each marginal */
  double s2 = log1p(0.4 * 0.4);
  double al = (0.15 - 0.2) / 0.1, be = (0.4 - 0.2) / 0.1;
  double Z = hs_norm_cdf(be) - hs_norm_cdf(al);
  double phia = exp(-al * al / 2) / sqrt(2 * M_PI), phib = exp(-be * be / 2) / sqrt(2 * M_PI);
  double tmean = 0.2 + 0.1 * (phia - phib) / Z;
  double tsd = 0.1 * sqrt(1 + (al * phia - be * phib) / Z - pow((phia - phib) / Z, 2));
  double em[5] = {2.0, 0.6, 10 * exp(s2 / 2), 90, tmean};
  double es[5] = {0.3, 0.1, 10 * exp(s2 / 2) * 0.4, 60 / sqrt(12.0), tsd};
  for (size_t k = 0; k < np; k++) {
    assert_near(mean[k], em[k], 4 * es[k] / sqrt((double)n));
    assert_near(sd[k] / es[k], 1.0, 0.03);
  }
  assert_near(cov / (sd[0] * sd[1]), 0.6, 0.03);
  for (size_t i = 0; i < n; i++) assert_in_range_d(x[i * np + 4], 0.15, 0.4);
  free(x);
  hs_cohort_free(c);
  /* Latin hypercube: one patient per stratum */
  c = load("hemosim_cohort: 1\npopulation:\n  design: lhs\n  size: 500\n  parameters:\n"
           "    heart.heart_rate: {dist: uniform, min: 50 /min, max: 100 /min}\n");
  unsigned char hit[500] = {0};
  for (size_t i = 0; i < 500; i++) {
    double hr;
    hs_cohort_sample(c, i, &hr, NULL);
    hit[(int)((hr - 50) / 50 * 500)]++;
  }
  for (int k = 0; k < 500; k++) assert_int_equal(hit[k], 1);
  hs_cohort_free(c);
}

/* a small fast study: healthy adult, 3 s per run, two strategies, some draws refused
   (lv.ees below its allowed minimum) */
static const char SMALL[] =
    "hemosim_cohort: 1\n"
    "name: small\n"
    "seed: 11\n"
    "population:\n"
    "  size: 12\n"
    "  parameters:\n"
    "    lv.ees: {dist: normal, mean: 1.5 mmHg/mL, sd: 1.2 mmHg/mL}\n"
    "    heart.heart_rate: {dist: uniform, min: 60 /min, max: 100 /min}\n"
    "protocol:\n"
    "  run: 3 s\n"
    "  strategies:\n"
    "    - {name: base}\n"
    "    - {name: fast, set: {heart.heart_rate: 110 /min}}\n"
    "outputs: [map_mmhg, co_lpm, hr_bpm]\n"
    "targets:\n"
    "  map_mmhg: {min: 70}\n";

static hs_cohort_results *run(const hs_cohort *c, int threads, const char *ckpt, int resume,
                              size_t limit) {
  hs_cohort_options o;
  hs_cohort_options_default(&o);
  o.threads = threads;
  o.checkpoint = ckpt;
  o.resume = resume;
  o.limit = limit;
  hs_cohort_results *r = NULL;
  hs_err err = {0};
  if (hs_cohort_run(c, &o, &r, &err)) fail_msg("%s", err.msg);
  return r;
}

static void assert_same(const hs_cohort_results *a, const hs_cohort_results *b) {
  size_t rows = a->npatients * a->nstrategies;
  assert_int_equal(a->done, b->done);
  assert_memory_equal(a->status, b->status, rows);
  assert_memory_equal(a->y, b->y, rows * a->noutputs * sizeof(double));
  assert_memory_equal(a->met, b->met, rows * a->ntargets);
  for (size_t k = 0; k < rows; k++) {
    assert_int_equal(!a->message[k], !b->message[k]);
    if (a->message[k]) assert_string_equal(a->message[k], b->message[k]);
  }
}

static void read_text(const char *path, char *text, size_t cap) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t len = fread(text, 1, cap - 1, f);
  fclose(f);
  text[len] = '\0';
}

/* summary.csv computes all intervals of a strategy from shared resamples: each equals
   hs_bootstrap_ci of that statistic alone (1000 resamples, the study seed) */
static void check_summary_intervals(const hs_cohort *c, const hs_cohort_results *r,
                                    const char *const *strategy, const char *const *output) {
  char *path = hs_test_write_temp("cohort_summary.csv", ""), text[8192];
  hs_err err = {0};
  assert_int_equal(hs_cohort_write_summary_csv(c, r, path, &err), HS_OK);
  read_text(path, text, sizeof text);
  double *v = malloc((r->npatients + 1) * sizeof *v);
  for (size_t s = 0; s < r->nstrategies; s++) {
    for (size_t k = 0; k <= r->noutputs; k++) { /* outputs' medians, then patients_ok */
      size_t n = 0;
      for (size_t i = 0; i < r->npatients; i++) {
        size_t row = i * r->nstrategies + s;
        if (k == r->noutputs) v[n++] = r->status[row] == HS_COHORT_OK;
        else if (r->status[row] == HS_COHORT_OK) v[n++] = r->y[row * r->noutputs + k];
      }
      double lo, hi;
      int median = k < r->noutputs;
      assert_int_equal(hs_bootstrap_ci(v, n, median ? HS_BOOT_MEDIAN : HS_BOOT_MEAN, 1000, 0.95,
                                       11, &lo, &hi, &err),
                       HS_OK);
      char head[128], tail[128];
      snprintf(head, sizeof head, "\n%s,%s,", strategy[s], median ? output[k] : "patients_ok");
      snprintf(tail, sizeof tail, median ? ",%.10g,%.10g\n" : ",%.6g,%.6g\n", lo, hi);
      const char *line = strstr(text, head), *end = line ? strchr(line + 1, '\n') : NULL;
      assert_non_null(end);
      if (strncmp(end - strlen(tail) + 1, tail, strlen(tail)))
        fail_msg("summary line %.*s: expected the interval %s", (int)(end - line - 1), line + 1, tail);
    }
  }
  free(v);
  unlink(path);
  free(path);
}

static void test_determinism(void **state) {
  (void)state;
  hs_cohort *c = load(SMALL);
  hs_cohort_results *r1 = run(c, 1, NULL, 0, 0), *r3 = run(c, 3, NULL, 0, 0);
  assert_same(r1, r3);
  size_t ok = 0, errors = 0;
  for (size_t i = 0; i < r1->npatients; i++) {
    int s0 = r1->status[i * 2];
    assert_int_equal(s0, r1->status[i * 2 + 1]);
    if (s0 == HS_COHORT_OK) {
      ok++;
      assert_near(r1->y[(i * 2 + 1) * 3 + 2], 110, 1e-6); /* the strategy's heart rate */
      assert_true(isfinite(r1->y[i * 2 * 3]));
    } else {
      errors++;
      assert_int_equal(s0, HS_COHORT_ERROR);
      assert_non_null(strstr(r1->message[i * 2], "lv.ees"));
      assert_true(r1->x[i * 2] < 0.005);
    }
  }
  assert_true(ok >= 6 && errors >= 1);
  char *text = hs_cohort_summary_text(c, r1);
  assert_non_null(strstr(text, "strategy fast"));
  free(text);
  static const char *const STRAT[] = {"base", "fast"}, *const OUT[] = {"map_mmhg", "co_lpm",
                                                                       "hr_bpm"};
  check_summary_intervals(c, r1, STRAT, OUT);
  hs_cohort_results_free(r1);
  hs_cohort_results_free(r3);
  hs_cohort_free(c);
  /* acceptance: nobody has a MAP of 300 mmHg */
  char buf[2048];
  snprintf(buf, sizeof buf, "%sacceptance:\n  map_mmhg: {min: 300}\n", SMALL);
  c = load(buf);
  hs_cohort_results *r = run(c, 2, NULL, 0, 0);
  for (size_t k = 0; k < r->npatients * r->nstrategies; k++) {
    assert_true(r->status[k] == HS_COHORT_REJECTED || r->status[k] == HS_COHORT_ERROR);
    if (r->status[k] == HS_COHORT_REJECTED) assert_non_null(strstr(r->message[k], "map_mmhg"));
  }
  /* no accepted patient: the summaries say so and hold no "nan" (they printed 42) */
  char *txt = hs_cohort_summary_text(c, r);
  assert_non_null(txt);
  assert_non_null(strstr(txt, "no patient accepted"));
  assert_null(strstr(txt, "nan"));
  free(txt);
  char *csv = hs_test_db_path("nobody_summary");
  hs_err err;
  assert_int_equal(hs_cohort_write_summary_csv(c, r, csv, &err), HS_OK);
  FILE *fp = fopen(csv, "r");
  assert_non_null(fp);
  char line[512];
  while (fgets(line, sizeof line, fp)) assert_null(strstr(line, "nan"));
  fclose(fp);
  unlink(csv);
  free(csv);
  hs_cohort_results_free(r);
  hs_cohort_free(c);
}

/* Warm start: steady-state runs start from the study's warm state (docs/cohort.md);
   each patient's steady state agrees with the same patient run from rest (MAP 0.5 mmHg,
   CO 1 %), and the rows are the same with 1 and 2 threads. */
static void test_warm_start(void **state) {
  (void)state;
  static const char STEADY[] = "hemosim_cohort: 1\n"
                               "name: warm\n"
                               "seed: 5\n"
                               "population:\n"
                               "  size: 3\n"
                               "  parameters:\n"
                               "    heart.heart_rate: {dist: uniform, min: 60 /min, max: 100 /min}\n"
                               "protocol:\n"
                               "  run: steady\n"
                               "outputs: [map_mmhg, co_lpm, hr_bpm]\n";
  hs_cohort *c = load(STEADY);
  hs_cohort_results *r1 = run(c, 1, NULL, 0, 0), *r2 = run(c, 2, NULL, 0, 0);
  assert_same(r1, r2);
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  for (size_t i = 0; i < r1->npatients; i++) {
    assert_int_equal(r1->status[i], HS_COHORT_OK);
    assert_int_equal(hs_model_set(m, "heart.heart_rate", r1->x[i], &err), HS_OK);
    hs_plan *pl = hs_plan_compile(m, &err);
    assert_non_null(pl);
    hs_sim *s = hs_sim_new(pl, &err);
    assert_non_null(s);
    hs_steady_info info;
    double out[HS_METRIC_COUNT];
    assert_int_equal(hs_sim_run_to_steady(s, &info, &err), HS_OK);
    assert_int_equal(hs_sim_summary(s, 6, out, &err), HS_OK);
    const double *y = r1->y + i * 3;
    print_message("  patient %zu: MAP %.3f / %.3f mmHg (warm / from rest), CO %.4f / %.4f\n", i,
                  y[0], out[HS_M_MAP], y[1], out[HS_M_CO]);
    assert_near(y[0], out[HS_M_MAP], 0.5);
    assert_near(y[1], out[HS_M_CO], 0.01 * out[HS_M_CO]);
    hs_sim_free(s);
    hs_plan_free(pl);
  }
  hs_model_free(m);
  hs_cohort_results_free(r1);
  hs_cohort_results_free(r2);
  hs_cohort_free(c);
}

static size_t count_lines(const char *path) {
  FILE *f = fopen(path, "r");
  size_t n = 0;
  int ch;
  if (!f) return 0;
  while ((ch = fgetc(f)) != EOF) n += ch == '\n';
  fclose(f);
  return n;
}

static void test_resume(void **state) {
  (void)state;
  hs_cohort *c = load(SMALL);
  hs_cohort_results *full = run(c, 1, NULL, 0, 0);
  char *ck = hs_test_write_temp("cohort_ckpt.tsv", "");
  /* stopped after 5 patients, then a kill cut the next line short */
  hs_cohort_results *part = run(c, 2, ck, 0, 5);
  assert_int_equal(part->done, 5);
  hs_cohort_results_free(part);
  FILE *f = fopen(ck, "a");
  fputs("7\t1\t0x1.5p+6", f);
  fclose(f);
  hs_cohort_results *rest = run(c, 2, ck, 1, 0);
  assert_int_equal(rest->resumed, 5);
  assert_same(full, rest);
  assert_int_equal(count_lines(ck), 1 + full->npatients);
  hs_cohort_results_free(rest);
  /* killed for real while running (one thread, one patient per line); the old file
     goes first so that only the child's lines are counted */
  unlink(ck);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    hs_cohort_results *r = run(c, 1, ck, 0, 0);
    hs_cohort_results_free(r);
    _exit(0);
  }
  struct timespec ts = {0, 2000000};
  for (int k = 0; k < 20000 && count_lines(ck) < 4; k++) nanosleep(&ts, NULL);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  size_t lines = count_lines(ck), kept = lines ? lines - 1 : 0;
  rest = run(c, 1, ck, 1, 0);
  assert_int_equal(rest->resumed, kept);
  assert_same(full, rest);
  hs_cohort_results_free(rest);
  hs_cohort_free(c);
  /* another study (other seed): its checkpoint is refused */
  char other[2048];
  snprintf(other, sizeof other, "%s", SMALL);
  memcpy(strstr(other, "seed: 11"), "seed: 12", 8);
  c = load(other);
  hs_cohort_options o;
  hs_cohort_options_default(&o);
  o.checkpoint = ck;
  o.resume = 1;
  hs_cohort_results *r = NULL;
  hs_err err = {0};
  assert_int_equal(hs_cohort_run(c, &o, &r, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "another study"));
  assert_null(r);
  hs_cohort_free(c);
  hs_cohort_results_free(full);
  unlink(ck);
  free(ck);
}

static void expect_error(const char *text, const char *needle) {
  hs_cohort *c = NULL;
  hs_err err = {0};
  assert_int_not_equal(hs_cohort_load_string("study.yaml", text, strlen(text), HS_SOURCE_DIR, &c,
                                             &err),
                       HS_OK);
  assert_null(c);
  if (!strstr(err.msg, needle)) fail_msg("expected '%s' in: %s", needle, err.msg);
}

static void test_bad_files(void **state) {
  (void)state;
  expect_error("name: x\n", "hemosim_cohort: 1");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.eees: {dist: normal, mean: 1, sd: 0.1}\n",
               "study.yaml:5:");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: gamma, mean: 1, sd: 0.1}\n",
               "unknown distribution 'gamma'");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: uniform, min: 2, max: 1}\n",
               "min must be below max");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: normal, mean: 1, sd: 0.1}\n    rv.ees: {dist: normal, mean: 1, "
               "sd: 0.1}\n    la.ees: {dist: normal, mean: 1, sd: 0.1}\n"
               "  correlation: [[lv.ees, rv.ees, 0.9], [rv.ees, la.ees, 0.9], "
               "[lv.ees, la.ees, -0.9]]\n",
               "not positive definite");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: normal, mean: 1, sd: 0.1}\noutputs: [map]\n",
               "unknown metric 'map'");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: normal, mean: 1, sd: 0.1}\nprotocol: {run: 5 parsecs}\n",
               "protocol.run");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: normal, mean: 1, sd: 0.1}\n"
               "protocol: {set: {heart.heart_rate: 3 L/min}}\n",
               "protocol.set.heart.heart_rate");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: normal, mean: 1, sd: 0.1}\n"
               "protocol: {mode: compare, strategies: [ecmo+warp_drive]}\n",
               "protocol.strategies");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: normal, mean: 1, sd: 0.1}\n"
               "protocol: {mode: titrate, run: 60 s}\n",
               "only with mode run");
  expect_error("hemosim_cohort: 1\npopulation:\n  size: 3\n  parameters:\n"
               "    lv.ees: {dist: normal, mean: 1, sd: 0.1}\n"
               "protocol: {mode: optimize}\noutputs: [hr_bpm]\n",
               "not a value of protocol mode optimize");
}

/* results.csv shows drawn inputs in the bedside unit named in the header: an ECMO flow
   drawn as 2-5 L/min is written in L/min ("ecmo.target_flow [L/min]"), not as mL/s. */
static void test_results_csv_units(void **state) {
  (void)state;
  hs_cohort *c = load("hemosim_cohort: 1\n"
                      "patient: examples/patients/acute_mi_shock_ecmo.yaml\n"
                      "seed: 5\n"
                      "population:\n"
                      "  size: 3\n"
                      "  parameters:\n"
                      "    ecmo.target_flow: {dist: uniform, min: 2 L/min, max: 5 L/min}\n"
                      "    lv.ees: {dist: uniform, min: 0.8 mmHg/mL, max: 1.6 mmHg/mL}\n"
                      "protocol:\n"
                      "  run: 0.5 s\n"
                      "outputs: [map_mmhg]\n");
  hs_cohort_results *r = run(c, 1, NULL, 0, 0);
  char *path = hs_test_write_temp("results_units.csv", "");
  hs_err err = {0};
  assert_int_equal(hs_cohort_write_csv(c, r, path, &err), HS_OK);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[1024];
  assert_non_null(fgets(line, sizeof line, f));
  assert_non_null(strstr(line, "patient,strategy,status,ecmo.target_flow [L/min],lv.ees [mmHg/mL],"));
  for (size_t i = 0; i < 3; i++) {
    assert_non_null(fgets(line, sizeof line, f));
    double flow = NAN, ees = NAN;
    const char *p = line;
    for (int comma = 0; comma < 3; p++) comma += *p == ',';
    assert_int_equal(sscanf(p, "%lf,%lf", &flow, &ees), 2);
    assert_true(flow >= 2 && flow <= 5);                 /* L/min, as drawn */
    assert_near(flow, r->x[i * 2] / (1000.0 / 60.0), 1e-8); /* r->x stays in mL/s */
    assert_near(ees, r->x[i * 2 + 1], 1e-8);
  }
  fclose(f);
  unlink(path);
  free(path);
  hs_cohort_results_free(r);
  hs_cohort_free(c);
}

static void test_compare_mode(void **state) {
  (void)state;
  hs_cohort *c = load("hemosim_cohort: 1\n"
                      "patient: examples/patients/acute_mi_shock_ecmo.yaml\n"
                      "seed: 4\n"
                      "population:\n"
                      "  size: 2\n"
                      "  parameters:\n"
                      "    lv.ees: {dist: uniform, min: 0.8 mmHg/mL, max: 1.6 mmHg/mL}\n"
                      "protocol:\n"
                      "  mode: compare\n"
                      "  strategies: [ecmo, ecmo+impella_cp:P6]\n"
                      "outputs: [pcwp_mmhg, map_mmhg, ecmo_flow_lpm, recommended]\n"
                      "targets:\n"
                      "  pcwp_mmhg: {max: 20}\n");
  assert_int_equal(hs_cohort_strategy_count(c), 2);
  hs_cohort_results *r = run(c, 2, NULL, 0, 0);
  for (size_t i = 0; i < 2; i++) {
    int recommended = 0;
    for (size_t s = 0; s < 2; s++) {
      size_t row = i * 2 + s;
      assert_int_equal(r->status[row], HS_COHORT_OK);
      recommended += r->y[row * 4 + 3] == 1;
      assert_int_equal(r->met[row], r->y[row * 4] <= 20);
    }
    assert_true(recommended <= 1);
  }
  /* patient 0 directly through hs_compare_run */
  hs_model *m = NULL;
  hs_err err = {0};
  assert_int_equal(hs_patient_load_file(HS_SOURCE_DIR "/examples/patients/acute_mi_shock_ecmo.yaml",
                                        &m, &err),
                   HS_OK);
  assert_int_equal(hs_model_set(m, "lv.ees", r->x[0], &err), HS_OK);
  hs_targets t;
  hs_targets_default(&t);
  const char *list[] = {"ecmo", "ecmo+impella_cp:P6", NULL};
  hs_compare_result *res = NULL;
  assert_int_equal(hs_compare_run(m, &t, NULL, list, NULL, 0, 1, &res, &err), HS_OK);
  for (size_t s = 0; s < 2; s++) {
    assert_memory_equal(&r->y[s * 4], &res->rows[s].v[HS_CMP_PCWP], sizeof(double));
    assert_memory_equal(&r->y[s * 4 + 1], &res->rows[s].v[HS_CMP_MAP], sizeof(double));
    assert_memory_equal(&r->y[s * 4 + 2], &res->rows[s].v[HS_CMP_ECMO], sizeof(double));
    assert_int_equal(r->y[s * 4 + 3] == 1, res->recommended == (int)s);
  }
  hs_compare_free(res);
  hs_model_free(m);
  hs_cohort_results_free(r);
  hs_cohort_free(c);
}

/* The titrate protocol: a study listing one policy runs that policy only (the loader
   once topped a list of one up with "control"); every patient starts from its own drawn
   capillary dysfunction (its microcirculation block, read by hs_titrate_micro_from_model),
   so more obstructed capillaries give a lower mean PVD. */
static void test_titrate_mode(void **state) {
  (void)state;
  hs_cohort *c = load("hemosim_cohort: 1\n"
                      "patient: examples/patients/acute_mi_shock_ecmo.yaml\n"
                      "seed: 6\n"
                      "population:\n"
                      "  size: 3\n"
                      "  parameters:\n"
                      "    microcirculation.obstructed: {dist: uniform, min: 0, max: 0.3}\n"
                      "protocol:\n"
                      "  mode: titrate\n"
                      "  titrate: {hours: 1, interval_h: 1}\n"
                      "  strategies: [micro]\n"
                      "outputs: [mean_pvd_mm_mm2, mean_flow_lpm]\n");
  assert_int_equal(hs_cohort_strategy_count(c), 1);
  hs_cohort_results *r = run(c, 1, NULL, 0, 0);
  double h[3], pvd[3];
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(r->status[i], HS_COHORT_OK);
    h[i] = r->x[i];
    pvd[i] = r->y[i * 2];
    assert_in_range_d(pvd[i], 5, 21.3);
  }
  for (size_t i = 0; i < 3; i++)
    for (size_t k = 0; k < 3; k++)
      if (h[i] < h[k] - 0.02) assert_true(pvd[i] > pvd[k]);
  hs_cohort_results_free(r);
  hs_cohort_free(c);
  c = load("hemosim_cohort: 1\npatient: examples/patients/acute_mi_shock_ecmo.yaml\n"
           "population:\n  size: 2\n  parameters:\n"
           "    lv.ees: {dist: uniform, min: 0.8 mmHg/mL, max: 1.6 mmHg/mL}\n"
           "protocol: {mode: titrate, strategies: [control]}\n");
  assert_int_equal(hs_cohort_strategy_count(c), 1);
  hs_cohort_free(c);
  c = load("hemosim_cohort: 1\npatient: examples/patients/acute_mi_shock_ecmo.yaml\n"
           "population:\n  size: 2\n  parameters:\n"
           "    lv.ees: {dist: uniform, min: 0.8 mmHg/mL, max: 1.6 mmHg/mL}\n"
           "protocol: {mode: titrate}\n");
  assert_int_equal(hs_cohort_strategy_count(c), 2);
  hs_cohort_free(c);
}

/* Bootstrap intervals on a known distribution: 200 samples of 100 standard normal values
   (inverse CDF of counter-based uniforms).  The 95 % percentile interval of the median covers
   the true median 0 in 88-99 % of the samples (expected ~95 %; binomial SD 1.5 %) and its
   mean width is within 20 % of 2 x 1.96 x 1.2533 / sqrt(100) = 0.491 (the asymptotic SE of a
   normal median); the mean's interval covers 0 as often, width within 15 % of
   2 x 1.96 / 10 = 0.392.  Bad arguments are refused; fewer than two values give NaN. */
static void test_bootstrap_known(void **state) {
  (void)state;
  enum { REPS = 200, N = 100, B = 500 };
  double x[N];
  int cover[2] = {0, 0};
  double width[2] = {0, 0};
  hs_err err = {0};
  for (int rep = 0; rep < REPS; rep++) {
    for (int k = 0; k < N; k++) x[k] = hs_norm_quantile(hs_cohort_uniform(777, (uint64_t)rep, 1, (uint32_t)k));
    for (int s = 0; s < 2; s++) {
      double lo, hi;
      assert_int_equal(hs_bootstrap_ci(x, N, s, B, 0.95, (uint64_t)rep + 1, &lo, &hi, &err), HS_OK);
      assert_true(lo <= hi);
      cover[s] += lo <= 0 && 0 <= hi;
      width[s] += (hi - lo) / REPS;
    }
  }
  print_message("bootstrap: median covers %d/%d, mean width %.3f; mean covers %d/%d, width %.3f\n",
                cover[0], REPS, width[0], cover[1], REPS, width[1]);
  for (int s = 0; s < 2; s++) assert_in_range_d(cover[s], 0.88 * REPS, 0.99 * REPS);
  assert_near(width[0], 2 * 1.96 * 1.2533 / 10, 0.2 * 0.491);
  assert_near(width[1], 2 * 1.96 / 10, 0.15 * 0.392);
  /* reproducible */
  double a, b, c, d;
  hs_bootstrap_ci(x, N, HS_BOOT_MEDIAN, B, 0.95, 9, &a, &b, &err);
  hs_bootstrap_ci(x, N, HS_BOOT_MEDIAN, B, 0.95, 9, &c, &d, &err);
  assert_true(a == c && b == d);
  assert_int_equal(hs_bootstrap_ci(x, N, HS_BOOT_MEDIAN, 10, 0.95, 1, &a, &b, &err), HS_ERR_RANGE);
  assert_int_equal(hs_bootstrap_ci(x, N, HS_BOOT_MEDIAN, B, 1.2, 1, &a, &b, &err), HS_ERR_RANGE);
  assert_int_equal(hs_bootstrap_ci(x, N, 7, B, 0.95, 1, &a, &b, &err), HS_ERR_INVALID);
  assert_int_equal(hs_bootstrap_ci(x, 1, HS_BOOT_MEAN, B, 0.95, 1, &a, &b, &err), HS_OK);
  assert_true(isnan(a) && isnan(b));
}

/* The bootstrap reads the median of each resample off its counts (no sort per resample):
   the intervals equal, bit for bit, those of the definition (resample, sort, Hyndman-Fan
   7 median; mean summed in draw order), on samples full of ties and of every small size. */
static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double q7(const double *v, size_t n, double p) {
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n) return v[n - 1];
  return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}
static void bootstrap_by_definition(const double *x, size_t n, int stat, size_t B, uint64_t seed,
                                    double *lo, double *hi) {
  double *v = malloc(n * sizeof *v), *t = malloc(B * sizeof *t);
  for (size_t b = 0; b < B; b++) {
    for (size_t k = 0; k < n; k++) {
      size_t j = (size_t)(hs_cohort_uniform(seed, b, 0xB0075u, (uint32_t)k) * (double)n);
      v[k] = x[j < n ? j : n - 1];
    }
    if (stat == HS_BOOT_MEDIAN) {
      qsort(v, n, sizeof *v, cmp_d);
      t[b] = q7(v, n, 0.5);
    } else {
      double s = 0;
      for (size_t k = 0; k < n; k++) s += v[k];
      t[b] = s / (double)n;
    }
  }
  qsort(t, B, sizeof *t, cmp_d);
  *lo = q7(t, B, (1 - 0.95) / 2); /* as the library computes the level */
  *hi = q7(t, B, (1 + 0.95) / 2);
  free(v);
  free(t);
}

static void test_bootstrap_exact(void **state) {
  (void)state;
  static const size_t N[] = {2, 3, 4, 5, 8, 51, 256};
  double x[256];
  hs_err err = {0};
  for (size_t q = 0; q < sizeof N / sizeof *N; q++)
    for (int ties = 0; ties < 2; ties++) {
      for (size_t k = 0; k < N[q]; k++) {
        double u = hs_cohort_uniform(31, q, 2, (uint32_t)k);
        x[k] = ties ? floor(6 * u) / 2 - 1 : 80 + 20 * hs_norm_quantile(u);
      }
      for (int s = 0; s < 2; s++) {
        double lo, hi, rlo, rhi;
        assert_int_equal(hs_bootstrap_ci(x, N[q], s, 300, 0.95, 5 + q, &lo, &hi, &err), HS_OK);
        bootstrap_by_definition(x, N[q], s, 300, 5 + q, &rlo, &rhi);
        if (lo != rlo || hi != rhi)
          fail_msg("n %zu ties %d stat %d: %.17g %.17g, by definition %.17g %.17g", N[q], ties, s,
                   lo, hi, rlo, rhi);
      }
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bootstrap_known), cmocka_unit_test(test_bootstrap_exact),
      cmocka_unit_test(test_philox),      cmocka_unit_test(test_norm_quantile),
      cmocka_unit_test(test_sobol_points), cmocka_unit_test(test_ishigami),
      cmocka_unit_test(test_morris),
      cmocka_unit_test(test_moments),     cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_resume),      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_compare_mode),
      cmocka_unit_test(test_titrate_mode),
      cmocka_unit_test(test_sobol_ci),
      cmocka_unit_test(test_results_csv_units),  cmocka_unit_test(test_warm_start),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
