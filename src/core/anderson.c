/*
 * anderson.c - Anderson acceleration, type II (core/anderson.h; docs/numerics.md,
 * "Periodic steady state").
 */
#include "core/anderson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define AA_MAXM 8

struct hs_aa {
  int n, m;
  int ncol, head;       /* columns held; index of the oldest in the ring */
  int have_prev;
  double *f_prev, *g_prev, *f;
  double *df, *dg;      /* ring of m columns of n: weighted residual and map differences */
  double *q;            /* QR workspace, m columns of n */
};

hs_aa *hs_aa_new(int n, int m) {
  if (n < 1 || m < 1 || m > AA_MAXM) return NULL;
  hs_aa *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->n = n, a->m = m;
  size_t N = (size_t)n;
  a->f_prev = malloc(N * sizeof(double));
  a->g_prev = malloc(N * sizeof(double));
  a->f = malloc(N * sizeof(double));
  a->df = malloc(N * (size_t)m * sizeof(double));
  a->dg = malloc(N * (size_t)m * sizeof(double));
  a->q = malloc(N * (size_t)m * sizeof(double));
  if (!a->f_prev || !a->g_prev || !a->f || !a->df || !a->dg || !a->q) {
    hs_aa_free(a);
    return NULL;
  }
  return a;
}

void hs_aa_free(hs_aa *a) {
  if (!a) return;
  free(a->f_prev);
  free(a->g_prev);
  free(a->f);
  free(a->df);
  free(a->dg);
  free(a->q);
  free(a);
}

void hs_aa_reset(hs_aa *a) { a->ncol = a->head = a->have_prev = 0; }

/* Column j (0 = oldest) of a ring buffer. */
static double *col(const hs_aa *a, double *base, int j) {
  return base + (size_t)((a->head + j) % a->m) * (size_t)a->n;
}

int hs_aa_step(hs_aa *a, const double *x, const double *g, const double *w, double *out,
               double *res) {
  int n = a->n;
  double nf = 0;
  for (int i = 0; i < n; i++) {
    a->f[i] = w[i] * (g[i] - x[i]);
    nf += a->f[i] * a->f[i];
  }
  if (res) *res = sqrt(nf);
  if (a->have_prev) { /* append the newest differences, dropping the oldest when full */
    if (a->ncol == a->m) a->head = (a->head + 1) % a->m, a->ncol--;
    double *cf = col(a, a->df, a->ncol), *cg = col(a, a->dg, a->ncol);
    for (int i = 0; i < n; i++) cf[i] = a->f[i] - a->f_prev[i], cg[i] = g[i] - a->g_prev[i];
    a->ncol++;
  }
  memcpy(a->f_prev, a->f, (size_t)n * sizeof(double));
  memcpy(a->g_prev, g, (size_t)n * sizeof(double));
  a->have_prev = 1;
  double r[AA_MAXM][AA_MAXM], gam[AA_MAXM];
  int k = a->ncol;
  while (k > 0) {
    /* QR of the newest k columns by modified Gram-Schmidt */
    int first = a->ncol - k, ok = 1;
    double rmax = 0, rmin = INFINITY;
    for (int j = 0; j < k && ok; j++) {
      double *qj = a->q + (size_t)j * (size_t)n;
      memcpy(qj, col(a, a->df, first + j), (size_t)n * sizeof(double));
      for (int l = 0; l < j; l++) {
        const double *ql = a->q + (size_t)l * (size_t)n;
        double d = 0;
        for (int i = 0; i < n; i++) d += ql[i] * qj[i];
        r[l][j] = d;
        for (int i = 0; i < n; i++) qj[i] -= d * ql[i];
      }
      double nrm = 0;
      for (int i = 0; i < n; i++) nrm += qj[i] * qj[i];
      nrm = sqrt(nrm);
      r[j][j] = nrm;
      if (!(nrm > 0) || !isfinite(nrm)) ok = 0;
      else {
        for (int i = 0; i < n; i++) qj[i] /= nrm;
        if (nrm > rmax) rmax = nrm;
        if (nrm < rmin) rmin = nrm;
      }
    }
    if (ok && rmax <= 1e8 * rmin) {
      /* gamma = R^-1 Q^T f */
      for (int j = 0; j < k; j++) {
        const double *qj = a->q + (size_t)j * (size_t)n;
        double d = 0;
        for (int i = 0; i < n; i++) d += qj[i] * a->f[i];
        gam[j] = d;
      }
      for (int j = k - 1; j >= 0; j--) {
        for (int l = j + 1; l < k; l++) gam[j] -= r[j][l] * gam[l];
        gam[j] /= r[j][j];
      }
      memcpy(out, g, (size_t)n * sizeof(double));
      for (int j = 0; j < k; j++) {
        const double *cg = col(a, a->dg, first + j);
        for (int i = 0; i < n; i++) out[i] -= gam[j] * cg[i];
      }
      return k;
    }
    k--; /* ill-conditioned: drop the oldest column */
    a->head = (a->head + 1) % a->m, a->ncol--;
  }
  memcpy(out, g, (size_t)n * sizeof(double));
  return 0;
}
