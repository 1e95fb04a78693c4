/*
 * core/eigen.c - cyclic Jacobi eigen-decomposition of a small symmetric matrix
 * (core/eigen.h).
 *
 * Each rotation zeroes one off-diagonal pair (p, q) with the rotation angle of the
 * smaller root t = sgn(theta) / (|theta| + sqrt(theta^2 + 1)), theta =
 * (a_qq - a_pp) / (2 a_pq) (Rutishauser's stable choice), applied to columns and
 * rows of a and accumulated in the columns of u.  Sweeps over all pairs until the
 * off-diagonal mass is below 1e-30 of the total (or exactly zero), at most 100.
 */
#include "core/eigen.h"

#include <math.h>

int hs_eigen_sym(int n, double *a, int lda, double *w, double *v, int ldv, double *work) {
  if (n < 0 || n > HS_EIGEN_MAX) return -1;
#define A(i, j) a[(i) * lda + (j)]
#define U(i, j) work[(i) * n + (j)]
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) U(i, j) = i == j;
  int sweep;
  for (sweep = 0; sweep < 100; sweep++) {
    double off = 0, tot = 0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        tot += A(i, j) * A(i, j);
        if (i != j) off += A(i, j) * A(i, j);
      }
    if (off <= 1e-30 * tot || off == 0) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        if (A(p, q) == 0) continue;
        double theta = (A(q, q) - A(p, p)) / (2 * A(p, q));
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double cs = 1 / sqrt(t * t + 1), sn = t * cs;
        for (int k = 0; k < n; k++) { /* columns p, q */
          double akp = A(k, p), akq = A(k, q);
          A(k, p) = cs * akp - sn * akq;
          A(k, q) = sn * akp + cs * akq;
        }
        for (int k = 0; k < n; k++) { /* rows p, q */
          double apk = A(p, k), aqk = A(q, k);
          A(p, k) = cs * apk - sn * aqk;
          A(q, k) = sn * apk + cs * aqk;
        }
        for (int k = 0; k < n; k++) {
          double ukp = U(k, p), ukq = U(k, q);
          U(k, p) = cs * ukp - sn * ukq;
          U(k, q) = sn * ukp + cs * ukq;
        }
      }
  }
  int order[HS_EIGEN_MAX];
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = 1; i < n; i++) /* insertion sort by eigenvalue */
    for (int j = i; j > 0 && A(order[j], order[j]) < A(order[j - 1], order[j - 1]); j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (int k = 0; k < n; k++) {
    w[k] = A(order[k], order[k]);
    int big = 0;
    for (int j = 1; j < n; j++)
      if (fabs(U(j, order[k])) > fabs(U(big, order[k]))) big = j;
    double sg = U(big, order[k]) < 0 ? -1 : 1;
    for (int j = 0; j < n; j++) v[k * ldv + j] = sg * U(j, order[k]);
  }
#undef A
#undef U
  return sweep;
}
