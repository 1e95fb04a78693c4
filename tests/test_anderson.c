/*
 * test_anderson.c - the Anderson accelerator (src/core/anderson.c) on maps with known
 * fixed points (docs/numerics.md, "Periodic steady state").
 *
 * 1. A linear contraction x -> A x + b with slow modes (eigenvalues 0.99, 0.97, 0.9,
 *    0.5): plain iteration needs ~2,500 steps to reach |x - x*| < 1e-8; accelerated
 *    (m = 5) within 40 steps.  On a linear map Anderson acceleration is a Krylov method
 *    (Walker & Ni 2011), so with m >= the number of slow modes it converges in a few
 *    steps more than that number.
 * 2. A nonlinear contraction x_i -> 0.95 x_i + 0.05 cos(x_{i+1}): accelerated converges to
 *    the same fixed point as plain iteration (within 1e-8) in a quarter of the steps.
 * 3. Weights: a component with weight 0 is left out of the least-squares problem but
 *    still combined; a reset gives a plain step.
 */
#include <math.h>
#include <string.h>

#include "core/anderson.h"
#include "support.h"

#define N 6

static void linear_map(const double *x, double *g) {
  /* block upper-triangular: eigenvalues are the diagonal (slow modes coupled) */
  static const double A[N][N] = {{0.99, 0.05, 0, 0, 0, 0},   {0, 0.97, 0.1, 0, 0, 0},
                                 {0, 0, 0.9, 0.2, 0, 0},     {0, 0, 0, 0.5, 0.1, 0},
                                 {0, 0, 0, 0, 0.2, 0.3},     {0.01, 0, 0, 0, 0, 0.1}};
  static const double b[N] = {1, -2, 3, 0.5, -1, 2};
  for (int i = 0; i < N; i++) {
    g[i] = b[i];
    for (int j = 0; j < N; j++) g[i] += A[i][j] * x[j];
  }
}

static void nonlinear_map(const double *x, double *g) {
  for (int i = 0; i < N; i++) g[i] = 0.95 * x[i] + 0.05 * cos(x[(i + 1) % N]);
}

/* Iterate to |G(x) - x|_inf < 1e-10; returns steps (or -1 after 5000). */
static int iterate(void (*map)(const double *, double *), int m, double *x) {
  double g[N], next[N], w[N];
  for (int i = 0; i < N; i++) x[i] = 0.0, w[i] = 1.0;
  hs_aa *a = m > 0 ? hs_aa_new(N, m) : NULL;
  if (m > 0) assert_non_null(a);
  for (int k = 0; k < 5000; k++) {
    map(x, g);
    double r = 0;
    for (int i = 0; i < N; i++) r = fmax(r, fabs(g[i] - x[i]));
    if (r < 1e-10) {
      hs_aa_free(a);
      return k;
    }
    if (a) hs_aa_step(a, x, g, w, next, NULL);
    else memcpy(next, g, sizeof next);
    memcpy(x, next, sizeof next);
  }
  hs_aa_free(a);
  return -1;
}

static void test_linear(void **state) {
  (void)state;
  double xp[N], xa[N];
  int kp = iterate(linear_map, 0, xp), ka = iterate(linear_map, 5, xa);
  print_message("  linear: plain %d steps, Anderson(5) %d steps\n", kp, ka);
  assert_true(kp > 1000);
  assert_in_range(ka, 1, 40);
  for (int i = 0; i < N; i++) assert_true(fabs(xp[i] - xa[i]) < 1e-7);
}

static void test_nonlinear(void **state) {
  (void)state;
  double xp[N], xa[N];
  int kp = iterate(nonlinear_map, 0, xp), ka = iterate(nonlinear_map, 3, xa);
  print_message("  nonlinear: plain %d steps, Anderson(3) %d steps\n", kp, ka);
  assert_true(kp > 0 && ka > 0);
  assert_true(ka * 4 < kp);
  for (int i = 0; i < N; i++) assert_true(fabs(xp[i] - xa[i]) < 1e-8);
}

static void test_weights_and_reset(void **state) {
  (void)state;
  hs_aa *a = hs_aa_new(2, 3);
  assert_non_null(a);
  assert_null(hs_aa_new(2, 0));
  assert_null(hs_aa_new(0, 3));
  double x[2] = {0, 0}, g[2], out[2], w[2] = {1, 0}, res = 0;
  /* first step: no history, plain */
  g[0] = 1, g[1] = 5;
  assert_int_equal(hs_aa_step(a, x, g, w, out, &res), 0);
  assert_true(fabs(res - 1.0) < 1e-15); /* the weight-0 component is not in the norm */
  assert_true(out[0] == 1 && out[1] == 5);
  /* second step: x -> 0.5 x + 1 in component 0; the combination hits its fixed point 2
     and combines component 1 with the same coefficients */
  x[0] = 1, x[1] = 5;
  g[0] = 1.5, g[1] = 7;
  assert_int_equal(hs_aa_step(a, x, g, w, out, NULL), 1);
  assert_true(fabs(out[0] - 2.0) < 1e-12);
  assert_true(fabs(out[1] - 9.0) < 1e-12); /* 7 - gamma (7 - 5), gamma = -1 */
  hs_aa_reset(a);
  assert_int_equal(hs_aa_step(a, x, g, w, out, NULL), 0);
  hs_aa_free(a);
  hs_aa_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear),
      cmocka_unit_test(test_nonlinear),
      cmocka_unit_test(test_weights_and_reset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
