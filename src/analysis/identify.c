/*
 * analysis/identify.c - which parameters a least-squares fit determines.
 *
 * Linearised at the optimum, the objective rises by dx^T F dx for a step dx in
 * ln p, with F = J^T J (Fisher information; residuals in sd units).  With the
 * eigen-decomposition F = sum_k w_k v_k v_k^T:
 *
 *   data part     var_j = sum_{k: w_k > 0} v_kj^2 / w_k     ((F^-1)_jj when F is regular)
 *
 * A zero eigenvalue (to round-off) is a null direction: moving along it changes
 * nothing the data see.  The textbook rule "any component in a null direction
 * makes the variance infinite" is right only for an unbounded parameter space:
 * a parameter with a component of 0.001 in a null direction can be moved by the
 * null direction only while the other parameters move 1000 times as far, which
 * their bounds forbid.  The fit's parameters are bounded, so the question is how
 * far x_j can move inside the box along the null space.  The null space direction
 * that moves x_j most per unit step is d = P_N e_j / |P_N e_j| (P_N: projection on
 * the null space, d_j = |P_N e_j|); stepping x + s d for every s that keeps all
 * parameters inside their bounds sweeps x_j over an interval of length
 * d_j (s_max - s_min).  Its half-length h_j is the null part of the uncertainty:
 *
 *   RSE_j = sqrt(var_j + h_j^2)           (standard error of ln p_j)
 *
 * For a single null direction this is exact for the linearised problem; with
 * several, d is the steepest of them (an estimate: the widest sweep may combine
 * directions).  A parameter is identifiable when RSE_j <= rse_limit and it does
 * not dominate (|v_kj| >= weak_load) a direction whose eigenvalue is below
 * weak_eig: along such a direction a change of 1/sqrt(weak_eig) in ln p moves the
 * objective by less than one.  The analysis is local (Bates & Watts 1988,
 * Nonlinear Regression Analysis and Its Applications, ch. 2; Raue et al. 2009,
 * Bioinformatics 25:1923, for structural vs practical non-identifiability).
 */
#include "analysis/identify.h"

#include <math.h>
#include <string.h>

void hs_ident_eigen(int n, double a[HS_ID_MAX][HS_ID_MAX], double *w,
                    double v[HS_ID_MAX][HS_ID_MAX]) {
  double u[HS_ID_MAX][HS_ID_MAX];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) u[i][j] = i == j;
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0, tot = 0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        tot += a[i][j] * a[i][j];
        if (i != j) off += a[i][j] * a[i][j];
      }
    if (off <= 1e-30 * tot || off == 0) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        if (a[p][q] == 0) continue;
        double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double cs = 1 / sqrt(t * t + 1), sn = t * cs;
        for (int k = 0; k < n; k++) { /* columns p, q */
          double akp = a[k][p], akq = a[k][q];
          a[k][p] = cs * akp - sn * akq;
          a[k][q] = sn * akp + cs * akq;
        }
        for (int k = 0; k < n; k++) { /* rows p, q */
          double apk = a[p][k], aqk = a[q][k];
          a[p][k] = cs * apk - sn * aqk;
          a[q][k] = sn * apk + cs * aqk;
        }
        for (int k = 0; k < n; k++) {
          double ukp = u[k][p], ukq = u[k][q];
          u[k][p] = cs * ukp - sn * ukq;
          u[k][q] = sn * ukp + cs * ukq;
        }
      }
  }
  int order[HS_ID_MAX];
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = 1; i < n; i++) /* insertion sort by eigenvalue */
    for (int j = i; j > 0 && a[order[j]][order[j]] < a[order[j - 1]][order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (int k = 0; k < n; k++) {
    w[k] = a[order[k]][order[k]];
    int big = 0;
    for (int j = 1; j < n; j++)
      if (fabs(u[j][order[k]]) > fabs(u[big][order[k]])) big = j;
    double sg = u[big][order[k]] < 0 ? -1 : 1;
    for (int j = 0; j < n; j++) v[k][j] = sg * u[j][order[k]];
  }
}

/* Half the range of x_j swept inside [lo, hi] along the steepest null direction. */
static double null_half_range(const hs_ident *id, int j, const double *x, const double *lo,
                              const double *hi, double *load) {
  int n = id->n;
  double d[HS_ID_MAX] = {0};
  for (int k = 0; k < n; k++) {
    if (id->eig[k] != 0) continue;
    for (int i = 0; i < n; i++) d[i] += id->vec[k][j] * id->vec[k][i];
  }
  double norm = 0;
  for (int i = 0; i < n; i++) norm += d[i] * d[i];
  norm = sqrt(norm);
  *load = norm;
  if (norm < 1e-12) return 0.0;
  double smin = -INFINITY, smax = INFINITY;
  for (int i = 0; i < n; i++) {
    double di = d[i] / norm;
    if (fabs(di) < 1e-15) continue;
    double a = (lo[i] - x[i]) / di, b = (hi[i] - x[i]) / di;
    if (a > b) {
      double t = a;
      a = b, b = t;
    }
    if (a > smin) smin = a;
    if (b < smax) smax = b;
  }
  if (!(smax >= smin)) return 0.0; /* x outside its bounds: no room at all */
  return 0.5 * norm * (smax - smin);
}

void hs_ident_analyse(int n, double F[HS_ID_MAX][HS_ID_MAX], const double *x,
                      const double *lo, const double *hi, double rse_limit, double weak_eig,
                      double weak_load, hs_ident *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  double a[HS_ID_MAX][HS_ID_MAX];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) a[i][j] = F[i][j];
  hs_ident_eigen(n, a, out->eig, out->vec);
  double wmax = n ? fabs(out->eig[n - 1]) : 0;
  double zero = 1e-10 * (wmax > 1 ? wmax : 1);
  for (int k = 0; k < n; k++) {
    if (fabs(out->eig[k]) <= zero) out->eig[k] = 0, out->nnull++; /* round-off */
    if (out->eig[k] < weak_eig) out->nweak++;
  }
  for (int j = 0; j < n; j++) {
    double var = 0;
    int weakest = -1;
    for (int k = 0; k < n; k++) {
      double comp = out->vec[k][j];
      if (out->eig[k] > 0) var += comp * comp / out->eig[k];
      if (out->eig[k] < weak_eig && fabs(comp) >= weak_load &&
          (weakest < 0 || fabs(comp) > fabs(out->vec[weakest][j])))
        weakest = k;
    }
    double h = out->nnull ? null_half_range(out, j, x, lo, hi, &out->null_load[j]) : 0.0;
    out->rse_data[j] = sqrt(var);
    out->null_half[j] = h;
    out->rse[j] = sqrt(var + h * h);
    out->weak_dir[j] = weakest;
    out->identifiable[j] = out->rse[j] <= rse_limit && weakest < 0;
  }
}
