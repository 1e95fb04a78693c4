/*
 * test_identify.c - the identifiability analysis of calibrate (analysis/identify.c)
 * on Fisher matrices with known answers, built as F = J^T J from sensitivity
 * matrices J whose structure fixes which parameters the data determine.
 */
#include <math.h>
#include <string.h>

#include "analysis/identify.h"
#include "core/eigen.h"
#include "support.h"

#define N HS_ID_MAX

/* F = J^T J for an m x n sensitivity matrix given row by row. */
static void fisher_of(int m, int n, const double *J, double F[N][N]) {
  memset(F, 0, sizeof(double) * N * N);
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++)
      for (int i = 0; i < m; i++) F[a][b] += J[i * n + a] * J[i * n + b];
}

static const double LO[N] = {-1.5, -1.5, -1.5, -1.5, -1.5, -1.5};
static const double HI[N] = {1.5, 1.5, 1.5, 1.5, 1.5, 1.5};
static const double X0[N] = {0, 0, 0, 0, 0, 0};

/* A regular F: RSE_j = 1/sqrt(w_j) exactly, no null part. */
static void test_regular_exact(void **state) {
  (void)state;
  const double J[] = {10, 0, 0, /**/ 0, 1, 0, /**/ 0, 0, 4};
  double F[N][N];
  fisher_of(3, 3, J, F);
  hs_ident id;
  hs_ident_analyse(3, F, X0, LO, HI, 0.5, 4.0, 0.5, &id);
  assert_int_equal(id.nnull, 0);
  assert_int_equal(id.nweak, 1); /* w = 1 */
  assert_near(id.rse[0], 0.1, 1e-12);
  assert_near(id.rse[1], 1.0, 1e-12);
  assert_near(id.rse[2], 0.25, 1e-12);
  assert_true(id.identifiable[0]);
  assert_false(id.identifiable[1]); /* RSE 100 % and it is the weak direction */
  assert_int_equal(id.weak_dir[1], 0);
  assert_true(id.identifiable[2]);
  for (int j = 0; j < 3; j++) assert_near(id.null_half[j], 0.0, 0.0);
}

/* Two parameters that only act as their sum: both flagged, the third determined. */
static void test_sum_unidentifiable(void **state) {
  (void)state;
  const double J[] = {10, 10, 0, /**/ 0, 0, 10};
  double F[N][N];
  fisher_of(2, 3, J, F);
  hs_ident id;
  hs_ident_analyse(3, F, X0, LO, HI, 0.5, 4.0, 0.5, &id);
  assert_int_equal(id.nnull, 1);
  assert_false(id.identifiable[0]);
  assert_false(id.identifiable[1]);
  assert_true(id.identifiable[2]);
  assert_near(id.null_load[0], sqrt(0.5), 1e-9);
  /* along (1, -1, 0)/sqrt 2 both move +-1.5 inside the box: half-range 1.5 */
  assert_near(id.null_half[0], 1.5, 1e-9);
  assert_near(id.null_half[2], 0.0, 1e-9);
  assert_near(id.rse[2], 0.1, 1e-9);
}

/*
 * The case of the calibration report: parameter 0 has a component of 0.001 in the
 * only null direction, which parameter 2 dominates.  Moving parameter 0 along it
 * needs parameter 2 to move 1000 times as far: the bounds allow +-0.0015, so
 * parameter 0 is determined (RSE = its data part, 0.1, within 1 %), and
 * parameter 2 is not (half its bound range, 1.5).  Before, both were "RSE inf".
 */
static void test_small_null_component(void **state) {
  (void)state;
  double c = 0.001;
  /* rows orthogonal to the null vector (c, 0, 1)/|.| */
  const double J[] = {10, 0, -10 * c, /**/ 0, 10, 0};
  double F[N][N];
  fisher_of(2, 3, J, F);
  hs_ident id;
  hs_ident_analyse(3, F, X0, LO, HI, 0.5, 4.0, 0.5, &id);
  assert_int_equal(id.nnull, 1);
  assert_near(id.null_load[0], c / sqrt(1 + c * c), 1e-9);
  assert_true(id.null_half[0] < 0.002);
  assert_near(id.rse[0], id.rse_data[0], 0.01 * id.rse_data[0]);
  assert_true(id.identifiable[0]);
  assert_true(id.identifiable[1]);
  assert_false(id.identifiable[2]);
  assert_near(id.null_half[2], 1.5, 1e-6);
  assert_int_equal(id.weak_dir[2], 0);
  /* a 0.06 component (the rv_ees of the report) also stays determined when the
     dominant parameter's bounds are what limits the sweep */
  c = 0.06;
  const double J2[] = {10, 0, -10 * c, /**/ 0, 10, 0};
  fisher_of(2, 3, J2, F);
  hs_ident_analyse(3, F, X0, LO, HI, 0.5, 4.0, 0.5, &id);
  assert_near(id.null_half[0], 1.5 * c, 1e-6);
  assert_true(id.identifiable[0]);
  assert_false(id.identifiable[2]);
}

/* At a bound the sweep is one-sided; at a corner it can be empty. */
static void test_bounds_asymmetric(void **state) {
  (void)state;
  const double J[] = {10, 10};
  double F[N][N];
  fisher_of(1, 2, J, F);
  const double x[N] = {1.5, 0.5};
  hs_ident id;
  hs_ident_analyse(2, F, x, LO, HI, 0.5, 4.0, 0.5, &id);
  /* along (1, -1)/sqrt 2 from (1.5, 0.5): x0 can only go down, and only by 1
     (then x1 reaches its upper bound 1.5): range 1, half 0.5 */
  assert_near(id.null_half[0], 0.5, 1e-9);
  assert_near(id.null_half[1], 0.5, 1e-9);
  /* at a corner that the null direction leaves at once: no room at all */
  const double corner[N] = {1.5, 1.5};
  hs_ident_analyse(2, F, corner, LO, HI, 0.5, 4.0, 0.5, &id);
  assert_near(id.null_half[0], 0.0, 1e-12);
}

/* Eigen-decomposition (core/eigen.c) reproduces F. */
static void test_eigen_reconstructs(void **state) {
  (void)state;
  double F[N][N] = {{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}}, a[N][N], w[N], v[N][N],
         work[N * N];
  memcpy(a, F, sizeof a);
  assert_true(hs_eigen_sym(3, &a[0][0], N, w, &v[0][0], N, work) >= 1);
  assert_true(w[0] <= w[1] && w[1] <= w[2]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double s = 0;
      for (int k = 0; k < 3; k++) s += w[k] * v[k][i] * v[k][j];
      assert_near(s, F[i][j], 1e-10);
    }
}

/* A graded matrix D A D (D = diag(1, 1e-4, 1e-8)): the tiny eigenvalue comes out with a
   small relative error, which the null-space test of identify.c relies on.  The
   eigenvalues of D A D for this A are known to high relative accuracy from its
   structure: det = prod(w) = det(A) det(D)^2. */
static void test_eigen_graded(void **state) {
  (void)state;
  const double d[3] = {1, 1e-4, 1e-8};
  const double A[3][3] = {{2, 0.5, 0.25}, {0.5, 2, 0.5}, {0.25, 0.5, 2}};
  double a[3][3], w[3], v[3][3], work[9];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) a[i][j] = d[i] * A[i][j] * d[j];
  assert_true(hs_eigen_sym(3, &a[0][0], 3, w, &v[0][0], 3, work) >= 1);
  double detA = 2 * (4 - 0.25) - 0.5 * (1 - 0.125) + 0.25 * (0.25 - 0.5);
  double det = detA * 1e-24;
  assert_true(w[0] > 0);
  assert_near(w[0] * w[1] * w[2] / det, 1.0, 1e-9);
  /* eigenvector components are signed so that the largest is positive */
  for (int k = 0; k < 3; k++) {
    int big = 0;
    for (int j = 1; j < 3; j++)
      if (fabs(v[k][j]) > fabs(v[k][big])) big = j;
    assert_true(v[k][big] > 0);
  }
  assert_int_equal(hs_eigen_sym(-1, &a[0][0], 3, w, &v[0][0], 3, work), -1);
  assert_int_equal(hs_eigen_sym(HS_EIGEN_MAX + 1, &a[0][0], 3, w, &v[0][0], 3, work), -1);
  assert_int_equal(hs_eigen_sym(0, &a[0][0], 3, w, &v[0][0], 3, work), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_regular_exact),
      cmocka_unit_test(test_sum_unidentifiable),
      cmocka_unit_test(test_small_null_component),
      cmocka_unit_test(test_bounds_asymmetric),
      cmocka_unit_test(test_eigen_reconstructs),
      cmocka_unit_test(test_eigen_graded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
