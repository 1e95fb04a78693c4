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

#include "core/eigen.h"

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
  double a[HS_ID_MAX][HS_ID_MAX], work[HS_ID_MAX * HS_ID_MAX];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) a[i][j] = F[i][j];
  hs_eigen_sym(n, &a[0][0], HS_ID_MAX, out->eig, &out->vec[0][0], HS_ID_MAX, work);
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
