/*
 * analysis/cohort_sample.c - the numerical building blocks of virtual cohorts
 * (hemosim/cohort.h, docs/cohort.md "Methods"): a counter-based random generator,
 * the normal quantile, Sobol points, the Cholesky factor of a correlation matrix and
 * the Sobol-index estimators.  Pure functions, no state.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hemosim/cohort.h"

/* ---- Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC'11 "Parallel random numbers: as
   easy as 1, 2, 3"): ten rounds of two 32x32->64 multiplications, key bumped by the
   Weyl constants between rounds. ------------------------------------------------- */

static void philox_round(uint32_t c[4], const uint32_t k[2]) {
  uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
  uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
  uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
  uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
  uint32_t n0 = hi1 ^ c[1] ^ k[0], n2 = hi0 ^ c[3] ^ k[1];
  c[0] = n0;
  c[1] = lo1;
  c[2] = n2;
  c[3] = lo0;
}

void hs_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]}, k[2] = {key[0], key[1]};
  for (int r = 0; r < 10; r++) {
    if (r) {
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    philox_round(c, k);
  }
  memcpy(out, c, sizeof c);
}

double hs_cohort_uniform(uint64_t seed, uint64_t patient, uint32_t stream, uint32_t k) {
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  const uint32_t ctr[4] = {(uint32_t)patient, (uint32_t)(patient >> 32), stream, k};
  uint32_t o[4];
  hs_philox4x32(ctr, key, o);
  /* 53 bits: (a >> 5) * 2^26 + (b >> 6), then the centre of its 2^-53 cell: in (0, 1) */
  uint64_t m = ((uint64_t)(o[0] >> 5) << 26) | (uint64_t)(o[1] >> 6);
  return ((double)m + 0.5) * 0x1p-53;
}

/* ---- normal distribution ---------------------------------------------------- */

double hs_norm_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* Rational approximation of P. J. Acklam (relative error 1.15e-9) followed by one
   Halley step on Phi(x) - p with erfc (Halley 1694; the step brings the error to
   the rounding level of erfc, ~1e-15 relative in the central region). */
double hs_norm_quantile(double p) {
  static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                              -2.759285104469687e+02, 1.383577518672690e+02,
                              -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                              -1.556989798598866e+02, 6.680131188771972e+01,
                              -1.328068155288572e+01};
  static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                              -2.400758277161838e+00, -2.549732539343734e+00,
                              4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                              2.445134137142996e+00, 3.754408661907416e+00};
  if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
  const double plow = 0.02425;
  double x;
  if (p < plow) {
    double q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = sqrt(-2 * log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  /* Halley refinement; in the upper tail work with the complement for accuracy */
  /* e = Phi(x) - p; above the median as (1 - p) - (1 - Phi(x)) */
  double e = p > 0.5 ? (1 - p) - 0.5 * erfc(x / sqrt(2.0)) : 0.5 * erfc(-x / sqrt(2.0)) - p;
  double u = e * 2.5066282746310002 * exp(x * x / 2); /* sqrt(2 pi) */
  return x - u / (1 + x * u / 2);
}

/* ---- Sobol points ------------------------------------------------------------
   Direction numbers of Joe and Kuo (SIAM J Sci Comput 2008;30:2635, file
   new-joe-kuo-6.21201, dimensions 2-21): degree s of the primitive polynomial, its
   coefficients a and the initial m_1..m_s.  Dimension 1 has every m = 1. */
static const struct {
  int s, a;
  unsigned m[7];
} JOE_KUO[HS_SOBOL_MAX_DIM - 1] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
};

/* direction numbers v_1..v_32 of dimension j (0-based), scaled to 32 bits */
static void sobol_directions(int j, uint32_t v[32]) {
  if (j == 0) {
    for (int k = 0; k < 32; k++) v[k] = 1u << (31 - k);
    return;
  }
  int s = JOE_KUO[j - 1].s, a = JOE_KUO[j - 1].a;
  for (int k = 0; k < s && k < 32; k++) v[k] = JOE_KUO[j - 1].m[k] << (31 - k);
  for (int k = s; k < 32; k++) {
    uint32_t x = v[k - s] ^ (v[k - s] >> s);
    for (int l = 1; l < s; l++)
      if ((a >> (s - 1 - l)) & 1) x ^= v[k - l];
    v[k] = x;
  }
}

hs_status hs_sobol_point(uint64_t index, int dim, double *out, hs_err *err) {
  if (dim < 1 || dim > HS_SOBOL_MAX_DIM)
    return hs_err_set(err, HS_ERR_RANGE, "Sobol points: %d dimensions (allowed 1-%d)", dim,
                      HS_SOBOL_MAX_DIM);
  if (index >= ((uint64_t)1 << 32))
    return hs_err_set(err, HS_ERR_RANGE, "Sobol points: index %llu (allowed < 2^32)",
                      (unsigned long long)index);
  uint64_t g = index ^ (index >> 1); /* Gray code: the order of Antonov and Saleev 1979 */
  for (int j = 0; j < dim; j++) {
    uint32_t v[32], x = 0;
    sobol_directions(j, v);
    for (int k = 0; k < 32; k++)
      if ((g >> k) & 1) x ^= v[k];
    out[j] = (double)x * 0x1p-32;
  }
  return HS_OK;
}

/* ---- linear algebra and sensitivity ------------------------------------------ */

hs_status hs_cholesky(const double *a, int n, double *l, hs_err *err) {
  memset(l, 0, (size_t)n * (size_t)n * sizeof *l);
  for (int i = 0; i < n; i++) {
    for (int j = 0; j <= i; j++) {
      double s = a[i * n + j];
      for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(s > 1e-12))
          return hs_err_set(err, HS_ERR_INVALID,
                            "the correlation matrix is not positive definite (pivot %d = %.3g): "
                            "the correlations contradict each other",
                            i + 1, s);
        l[i * n + i] = sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return HS_OK;
}

hs_status hs_sobol_indices(const double *fA, const double *fB, const double *fAB, size_t n,
                           size_t d, double *first, double *total, size_t *used, hs_err *err) {
  size_t m = 0;
  double mean = 0;
  for (size_t j = 0; j < n; j++) {
    int ok = isfinite(fA[j]) && isfinite(fB[j]);
    for (size_t i = 0; ok && i < d; i++) ok = isfinite(fAB[i * n + j]);
    if (!ok) continue;
    m++;
    mean += fA[j] + fB[j];
  }
  if (used) *used = m;
  if (m < 2)
    return hs_err_set(err, HS_ERR_INVALID,
                      "Sobol indices need at least 2 complete base samples (have %zu)", m);
  mean /= (double)(2 * m);
  double var = 0;
  for (size_t j = 0; j < n; j++) {
    int ok = isfinite(fA[j]) && isfinite(fB[j]);
    for (size_t i = 0; ok && i < d; i++) ok = isfinite(fAB[i * n + j]);
    if (ok) var += (fA[j] - mean) * (fA[j] - mean) + (fB[j] - mean) * (fB[j] - mean);
  }
  var /= (double)(2 * m - 1);
  for (size_t i = 0; i < d; i++) {
    double s1 = 0, st = 0;
    for (size_t j = 0; j < n; j++) {
      int ok = isfinite(fA[j]) && isfinite(fB[j]);
      for (size_t k = 0; ok && k < d; k++) ok = isfinite(fAB[k * n + j]);
      if (!ok) continue;
      double ab = fAB[i * n + j];
      s1 += fB[j] * (ab - fA[j]);        /* Saltelli et al. 2010, Table 2 (b) */
      st += (fA[j] - ab) * (fA[j] - ab); /* Jansen 1999; Saltelli 2010, Table 2 (f) */
    }
    first[i] = var > 0 ? s1 / (double)m / var : NAN;
    total[i] = var > 0 ? st / (2.0 * (double)m) / var : NAN;
  }
  return HS_OK;
}

/* ---- Morris elementary effects ----------------------------------------------------
   Morris MD, Technometrics 1991;33:161, with the mu* measure of Campolongo F, Cariboni J,
   Saltelli A, Environ Model Softw 2007;22:1509.  Factors live on a p-level grid of
   quantile positions (l + 0.5) / p; a trajectory starts at a random grid point and moves
   each factor once, in random order, by p/2 levels (delta = +-1/2 in quantile position),
   upwards from the lower half of the grid and downwards from the upper half. */

void hs_morris_trajectory(uint64_t seed, uint64_t t, int d, int levels, double *u, int *order,
                          double *delta) {
  int half = levels / 2, lv[64];
  for (int j = 0; j < d; j++) {
    double r = hs_cohort_uniform(seed, t, 4, (uint32_t)j);
    int l = (int)(r * levels);
    if (l >= levels) l = levels - 1;
    lv[j] = l;
    delta[j] = l < half ? 0.5 : -0.5;
    order[j] = j;
  }
  for (int j = d - 1; j > 0; j--) { /* Fisher-Yates: the order the factors move in */
    int k = (int)(hs_cohort_uniform(seed, t, 5, (uint32_t)j) * (j + 1));
    if (k > j) k = j;
    int tmp = order[j];
    order[j] = order[k];
    order[k] = tmp;
  }
  for (int k = 0; k <= d; k++) {
    if (k) lv[order[k - 1]] += delta[order[k - 1]] > 0 ? half : -half;
    for (int j = 0; j < d; j++) u[k * d + j] = (lv[j] + 0.5) / levels;
  }
}

hs_status hs_morris_indices(const double *f, size_t r, int d, const int *order,
                            const double *delta, double *mustar, double *mu, double *sigma,
                            size_t *used, hs_err *err) {
  size_t m = 0;
  for (int j = 0; j < d; j++) mustar[j] = mu[j] = sigma[j] = 0;
  for (size_t t = 0; t < r; t++) {
    const double *ft = f + t * (size_t)(d + 1);
    int ok = 1;
    for (int k = 0; k <= d && ok; k++) ok = isfinite(ft[k]);
    if (!ok) continue;
    m++;
    for (int k = 1; k <= d; k++) {
      int j = order[t * (size_t)d + (size_t)(k - 1)];
      double ee = (ft[k] - ft[k - 1]) / delta[t * (size_t)d + (size_t)j];
      mustar[j] += fabs(ee);
      mu[j] += ee;
      sigma[j] += ee * ee; /* sum of squares for now */
    }
  }
  if (used) *used = m;
  if (m < 2)
    return hs_err_set(err, HS_ERR_INVALID,
                      "Morris screening needs at least 2 complete trajectories (have %zu)", m);
  for (int j = 0; j < d; j++) {
    mustar[j] /= (double)m;
    mu[j] /= (double)m;
    double var = (sigma[j] - (double)m * mu[j] * mu[j]) / (double)(m - 1);
    sigma[j] = sqrt(var > 0 ? var : 0);
  }
  return HS_OK;
}
