/*
 * core/eigen.h - eigen-decomposition of a small dense symmetric matrix (internal to
 * the library; used by the identifiability analysis of calibrate, analysis/identify.c;
 * tested in tests/test_identify.c; bench/bench_eigen.c compares it with LAPACK).
 *
 * Cyclic Jacobi rotations (Golub & Van Loan, Matrix Computations, 4th ed., section
 * 8.5): for the small, graded Fisher informations of a calibration (at most a few
 * parameters whose sensitivities span many orders of magnitude) it computes even
 * the tiny eigenvalues to high relative accuracy (Demmel & Veselic 1992, SIAM J
 * Matrix Anal Appl 13:1204), which is what the null-space test of identify.c needs.
 */
#ifndef HS_CORE_EIGEN_H
#define HS_CORE_EIGEN_H

#define HS_EIGEN_MAX 64 /* largest n */

/* Eigenvalues and eigenvectors of the symmetric n x n matrix a (row-major, row stride
   lda; destroyed).  w: the n eigenvalues in ascending order.  v: the eigenvectors in
   rows, v[k * ldv + j] = component j of the vector of w[k], each with its largest
   component positive.  work: n * n doubles.  Returns the number of sweeps (at most
   100), or -1 when n is outside 0..HS_EIGEN_MAX (nothing written). */
int hs_eigen_sym(int n, double *a, int lda, double *w, double *v, int ldv, double *work);

#endif
