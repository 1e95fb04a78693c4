/*
 * bench_eigen.c - the library's Jacobi eigensolver (src/core/eigen.c) against
 * LAPACK's dsyev on the matrices it is used for: the Fisher information F = J^T J
 * of a calibration (HS_CALP_COUNT parameters at most), whose sensitivity columns
 * span several orders of magnitude.
 *
 * Each trial draws J (18 measurements x n parameters, standard normal entries), scales
 * parameter column k by 10^(grade * k / (n - 1)) and, with --collinear, makes the last
 * column nearly a combination of the first two (a weak direction, as when two
 * parameters trade off).  F = J^T J in double is the input.  The reference
 * eigenvalues are the same Jacobi iteration carried out in long double.
 *
 * Printed per method: wall time per decomposition (median of --reps repetitions of all
 * trials, clock_gettime(CLOCK_MONOTONIC)); the largest relative error of the eigenvalues
 * analysis/identify.c uses (those above its round-off threshold 1e-10 x the largest;
 * smaller ones are set to 0 there); the largest absolute error of any eigenvalue in
 * units of DBL_EPSILON x the largest eigenvalue (backward stability); and in how many
 * trials the number of eigenvalues at or below the threshold (null directions) differs
 * from the reference.
 *
 *   build/bench_eigen [--trials N] [--reps N] [--grade DECADES] [--collinear] [--n N]
 *
 * LAPACK is compared when CMake found liblapack (HS_HAVE_LAPACK); otherwise only the
 * Jacobi solver is timed.  Exit status: 0 ok, 2 bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/eigen.h"
#include "hemosim/calibrate.h"

#ifdef HS_HAVE_LAPACK
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
#endif

#define M_ROWS 18
#define NMAX 16

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64* and Box-Muller: reproducible normal deviates */
static unsigned long long rng_state = 88172645463325252ULL;
static double urand(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}
static double nrand(void) {
  double u1 = urand(), u2 = urand();
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The reference: Jacobi in long double, eigenvalues ascending. */
static void jacobi_ld(int n, const double *f, long double *w) {
  long double a[NMAX][NMAX];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) a[i][j] = f[i * n + j];
  for (int sweep = 0; sweep < 200; sweep++) {
    long double off = 0, tot = 0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        tot += a[i][j] * a[i][j];
        if (i != j) off += a[i][j] * a[i][j];
      }
    if (off <= 1e-36L * tot || off == 0) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        if (a[p][q] == 0) continue;
        long double th = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        long double t = (th >= 0 ? 1 : -1) / (fabsl(th) + sqrtl(th * th + 1));
        long double c = 1 / sqrtl(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++) {
          long double x = a[k][p], y = a[k][q];
          a[k][p] = c * x - s * y, a[k][q] = s * x + c * y;
        }
        for (int k = 0; k < n; k++) {
          long double x = a[p][k], y = a[q][k];
          a[p][k] = c * x - s * y, a[q][k] = s * x + c * y;
        }
      }
  }
  for (int i = 0; i < n; i++) w[i] = a[i][i];
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && w[j] < w[j - 1]; j--) {
      long double t = w[j];
      w[j] = w[j - 1], w[j - 1] = t;
    }
}

typedef struct {
  const char *name;
  double us, max_used, max_abs;
  int null_diff;
} row;

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_eigen [--trials N] [--reps N] [--grade DECADES] [--collinear] [--n N]\n"
          "Jacobi (src/core/eigen.c) vs LAPACK dsyev on graded Fisher matrices J^T J.\n"
          "  --trials N     matrices per repetition (default 2000)\n"
          "  --reps N       timed repetitions, the median is printed (default 5)\n"
          "  --grade D      sensitivity columns span D decades (default 6)\n"
          "  --collinear    last column nearly a combination of the first two\n"
          "  --n N          parameters (default HS_CALP_COUNT = %d, at most %d)\n",
          HS_CALP_COUNT, NMAX);
}

int main(int argc, char **argv) {
  int trials = 2000, reps = 5, n = HS_CALP_COUNT, collinear = 0;
  double grade = 6;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(stdout), 0;
    if (!strcmp(a, "--collinear")) collinear = 1;
    else if (i + 1 < argc && !strcmp(a, "--trials")) trials = atoi(argv[++i]);
    else if (i + 1 < argc && !strcmp(a, "--reps")) reps = atoi(argv[++i]);
    else if (i + 1 < argc && !strcmp(a, "--grade")) grade = atof(argv[++i]);
    else if (i + 1 < argc && !strcmp(a, "--n")) n = atoi(argv[++i]);
    else return usage(stderr), 2;
  }
  if (trials < 1 || reps < 1 || n < 2 || n > NMAX || !(grade >= 0 && grade <= 12))
    return usage(stderr), 2;

  double *F = malloc((size_t)trials * n * n * sizeof *F);
  long double *ref = malloc((size_t)trials * n * sizeof *ref);
  if (!F || !ref) return fprintf(stderr, "bench_eigen: out of memory\n"), 1;
  for (int t = 0; t < trials; t++) {
    double J[M_ROWS][NMAX];
    for (int i = 0; i < M_ROWS; i++)
      for (int k = 0; k < n; k++) J[i][k] = nrand() * pow(10, grade * k / (n - 1));
    if (collinear)
      for (int i = 0; i < M_ROWS; i++)
        J[i][n - 1] = J[i][0] * 1e3 + J[i][1] * 1e-2 + 1e-7 * nrand();
    double *f = F + (size_t)t * n * n;
    for (int a = 0; a < n; a++)
      for (int b = 0; b < n; b++) {
        double s = 0;
        for (int i = 0; i < M_ROWS; i++) s += J[i][a] * J[i][b];
        f[a * n + b] = s;
      }
    jacobi_ld(n, f, ref + (size_t)t * n);
  }

  row rows[2];
  int nrows = 0;
  for (int method = 0; method < 2; method++) {
#ifndef HS_HAVE_LAPACK
    if (method == 1) break;
#endif
    double *times = malloc((size_t)reps * sizeof *times);
    double a[NMAX * NMAX], w[NMAX], v[NMAX * NMAX], work[NMAX * NMAX * 4];
    row r = {method ? "LAPACK dsyev ('V')" : "Jacobi (core/eigen.c)", 0, 0, 0, 0};
    double sink = 0;
    for (int rep = 0; rep < reps; rep++) {
      double t0 = now();
      for (int t = 0; t < trials; t++) {
        memcpy(a, F + (size_t)t * n * n, (size_t)n * n * sizeof *a);
        if (method == 0) {
          hs_eigen_sym(n, a, n, w, v, n, work);
        } else {
#ifdef HS_HAVE_LAPACK
          int info, lwork = (int)(sizeof work / sizeof *work);
          dsyev_("V", "U", &n, a, &n, w, work, &lwork, &info);
#endif
        }
        sink += w[0];
        if (rep == 0) {
          const long double *wr = ref + (size_t)t * n;
          long double wmax = fabsl(wr[n - 1]), zero = 1e-10L * (wmax > 1 ? wmax : 1);
          double zero_w = 1e-10 * (fabs(w[n - 1]) > 1 ? fabs(w[n - 1]) : 1);
          int nnull_ref = 0, nnull = 0;
          for (int k = 0; k < n; k++) {
            double abs_e = (double)(fabsl(w[k] - wr[k]) / (DBL_EPSILON * wmax));
            if (abs_e > r.max_abs) r.max_abs = abs_e;
            if (fabsl(wr[k]) > zero) {
              double e = (double)fabsl((w[k] - wr[k]) / wr[k]);
              if (e > r.max_used) r.max_used = e;
            } else {
              nnull_ref++;
            }
            if (fabs(w[k]) <= zero_w) nnull++;
          }
          if (nnull != nnull_ref) r.null_diff++;
        }
      }
      times[rep] = (now() - t0) / trials * 1e6;
    }
    qsort(times, (size_t)reps, sizeof *times, cmp_d);
    r.us = times[reps / 2];
    free(times);
    if (sink == 42.4242) printf(" ");
    rows[nrows++] = r;
  }

  printf("bench_eigen: n = %d, %d trials, columns graded over %g decades%s, median of %d\n", n,
         trials, grade, collinear ? ", one near-collinear column" : "", reps);
  printf("%-24s %10s %16s %16s %12s\n", "method", "us/decomp", "rel err (used)",
         "abs err / eps", "null differs");
  for (int i = 0; i < nrows; i++)
    printf("%-24s %10.3f %16.2e %16.2f %12d\n", rows[i].name, rows[i].us, rows[i].max_used,
           rows[i].max_abs, rows[i].null_diff);
#ifndef HS_HAVE_LAPACK
  printf("(LAPACK not found at configure time: only the Jacobi solver was measured)\n");
#endif
  free(F);
  free(ref);
  return 0;
}
