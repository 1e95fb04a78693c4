/*
 * analysis/cohort_out.c - what a study writes (docs/cohort.md "Outputs"): the rows as
 * CSV, the summary per strategy (median, quartiles, proportion meeting each target),
 * Sobol sensitivity indices and the SVG figures.  Files are written atomically.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "analysis/cohort_impl.h"
#include "hemosim/output.h"
#include "hemosim/plot.h"

/* CSV field: quoted when it holds a comma, quote or newline (RFC 4180) */
static void csv_text(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_num(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, ",%.10g", v);
  else fputs(",", f); /* empty: not available */
}

hs_status hs_cohort_write_csv(const hs_cohort *c, const hs_cohort_results *r, const char *path,
                              hs_err *err) {
  hs_afile *a = hs_afile_open(path, err);
  if (!a) return err ? err->code : HS_ERR_IO;
  FILE *f = hs_afile_stream(a);
  fputs("patient,strategy,status", f);
  for (size_t k = 0; k < c->np; k++) { /* "ecmo.target_flow [L/min]" */
    char head[256];
    const char *u = cohort_shown_unit(&c->p[k]);
    snprintf(head, sizeof head, *u ? "%s [%s]" : "%s", c->p[k].path, u);
    fputc(',', f);
    csv_text(f, head);
  }
  for (size_t k = 0; k < c->nout; k++) fprintf(f, ",%s", c->out_name[k]);
  for (size_t t = 0; t < c->ntarget; t++)
    fprintf(f, ",meets_%s_%s", c->out_name[c->target[t].output], c->target[t].is_min ? "min" : "max");
  if (c->ntarget) fputs(",meets_all", f);
  fputs(",message\n", f);
  for (size_t i = 0; i < c->n; i++) {
    for (size_t s = 0; s < c->nstrat; s++) {
      size_t row = i * c->nstrat + s;
      fprintf(f, "%zu,%s,%s", i, c->strat[s].name, hs_cohort_status_name(r->status[row]));
      for (size_t k = 0; k < c->np; k++) csv_num(f, cohort_shown_value(&c->p[k], r->x[i * c->np + k]));
      for (size_t k = 0; k < c->nout; k++) csv_num(f, r->y[row * c->nout + k]);
      int all = 1;
      for (size_t t = 0; t < c->ntarget; t++) {
        int m = r->status[row] == HS_COHORT_OK && r->met[row * c->ntarget + t];
        all &= m;
        if (r->status[row] == HS_COHORT_OK) fprintf(f, ",%d", m);
        else fputc(',', f);
      }
      if (c->ntarget) {
        if (r->status[row] == HS_COHORT_OK) fprintf(f, ",%d", all);
        else fputc(',', f);
      }
      fputc(',', f);
      if (r->message[row]) csv_text(f, r->message[row]);
      fputc('\n', f);
    }
  }
  return hs_afile_commit(a, err);
}

/* ---- summary ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* sample quantile, linear interpolation between order statistics (Hyndman and Fan 1996,
   definition 7: the default of R and NumPy) */
static double quantile7(const double *v, size_t n, double p) {
  if (!n) return NAN;
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n) return v[n - 1];
  return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* ---- bootstrap ------------------------------------------------------------------- */

#define BOOT_STREAM 0xB0075u

/* One bootstrapped statistic: the median or the mean of x[0..n-1]. */
typedef struct boot_spec {
  const double *x;
  int stat;     /* HS_BOOT_MEDIAN or HS_BOOT_MEAN */
  uint32_t *perm; /* median: indices of x in ascending order of value (ties by index) */
} boot_spec;

typedef struct boot_key {
  double v;
  uint32_t i;
} boot_key;

static int cmp_key(const void *a, const void *b) {
  const boot_key *x = a, *y = b;
  if (x->v != y->v) return x->v < y->v ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}

/* order statistic r (0-based) of the resample: walk the sample in sorted order, each
   value cnt times; from position *pos with *acc values already passed */
static double boot_order(const boot_spec *sp, const uint32_t *cnt, size_t r, size_t *pos,
                         size_t *acc) {
  while (*acc + cnt[sp->perm[*pos]] <= r) *acc += cnt[sp->perm[(*pos)++]];
  return sp->x[sp->perm[*pos]];
}

/* Bootstrap replicates of ns statistics of samples of one size n (2 <= n < 2^32) that
   share their resamples: resample b draws x[j_k], j_k = floor(n u(seed, b, k)), k < n,
   a pure function of (seed, b, n), so a statistic's replicates do not depend on which
   others are computed with it; t[s * B + b].  The mean sums the draws in draw order.
   The median is read off the counts of each value in the resample, walking the sample
   in its sorted order (O(n) per resample instead of a sort): the resample's order
   statistics are the same values, so the result is the one of sorting the resample. */
static hs_status boot_replicates(boot_spec *sp, size_t ns, size_t n, size_t B, uint64_t seed,
                                 double *t, hs_err *err) {
  if (n > UINT32_MAX)
    return hs_err_set(err, HS_ERR_RANGE, "bootstrap: %zu values is more than 2^32 - 1", n);
  uint32_t *draw = malloc(n * sizeof *draw), *cnt = calloc(n, sizeof *cnt);
  boot_key *key = NULL;
  int medians = 0;
  for (size_t s = 0; s < ns; s++) medians |= sp[s].stat == HS_BOOT_MEDIAN;
  hs_status st = HS_OK;
  if (!draw || !cnt || (medians && !(key = malloc(n * sizeof *key)))) goto nomem;
  for (size_t s = 0; s < ns; s++) {
    sp[s].perm = NULL;
    if (sp[s].stat != HS_BOOT_MEDIAN) continue;
    if (!(sp[s].perm = malloc(n * sizeof *sp[s].perm))) goto nomem;
    for (size_t j = 0; j < n; j++) key[j] = (boot_key){sp[s].x[j], (uint32_t)j};
    qsort(key, n, sizeof *key, cmp_key);
    for (size_t j = 0; j < n; j++) sp[s].perm[j] = key[j].i;
  }
  double h = (double)(n - 1) * 0.5; /* quantile7(., n, 0.5) */
  size_t lo = (size_t)floor(h);
  for (size_t b = 0; b < B; b++) {
    for (size_t k = 0; k < n; k++) {
      size_t j = (size_t)(hs_cohort_uniform(seed, b, BOOT_STREAM, (uint32_t)k) * (double)n);
      draw[k] = (uint32_t)(j < n ? j : n - 1);
    }
    if (medians) {
      memset(cnt, 0, n * sizeof *cnt);
      for (size_t k = 0; k < n; k++) cnt[draw[k]]++;
    }
    for (size_t s = 0; s < ns; s++) {
      if (sp[s].stat == HS_BOOT_MEDIAN) {
        size_t pos = 0, acc = 0;
        double a = boot_order(&sp[s], cnt, lo, &pos, &acc);
        double c = boot_order(&sp[s], cnt, lo + 1, &pos, &acc);
        t[s * B + b] = a + (h - (double)lo) * (c - a);
      } else {
        double sum = 0;
        for (size_t k = 0; k < n; k++) sum += sp[s].x[draw[k]];
        t[s * B + b] = sum / (double)n;
      }
    }
  }
  goto out;
nomem:
  st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
out:
  for (size_t s = 0; s < ns; s++) {
    if (sp[s].stat == HS_BOOT_MEDIAN) free(sp[s].perm);
    sp[s].perm = NULL;
  }
  free(key);
  free(draw);
  free(cnt);
  return st;
}

/* percentile interval from B replicates (sorted in place) */
static void boot_interval(double *t, size_t B, double level, double *lo, double *hi) {
  qsort(t, B, sizeof *t, cmp_double);
  *lo = quantile7(t, B, (1 - level) / 2);
  *hi = quantile7(t, B, (1 + level) / 2);
}

static hs_status boot_check(size_t B, double level, hs_err *err) {
  if (B < 100 || B > 1000000)
    return hs_err_set(err, HS_ERR_RANGE, "bootstrap: %zu resamples is out of range [100, 1000000]", B);
  if (!(level > 0.5 && level < 1))
    return hs_err_set(err, HS_ERR_RANGE, "bootstrap: level %g is out of range (0.5, 1)", level);
  return HS_OK;
}

hs_status hs_bootstrap_ci(const double *x, size_t n, int stat, size_t B, double level,
                          uint64_t seed, double *lo, double *hi, hs_err *err) {
  *lo = *hi = NAN;
  if (stat != HS_BOOT_MEDIAN && stat != HS_BOOT_MEAN)
    return hs_err_set(err, HS_ERR_INVALID, "bootstrap: statistic %d is not median or mean", stat);
  hs_status st = boot_check(B, level, err);
  if (st) return st;
  if (n < 2) return HS_OK; /* no interval from fewer than two values */
  for (size_t k = 0; k < n; k++)
    if (!isfinite(x[k])) return hs_err_set(err, HS_ERR_INVALID, "bootstrap: value %zu is not finite", k);
  double *t = malloc(B * sizeof *t);
  if (!t) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  boot_spec sp = {x, stat, NULL};
  if (!(st = boot_replicates(&sp, 1, n, B, seed, t, err))) boot_interval(t, B, level, lo, hi);
  free(t);
  return st;
}

/* Sobol indices: the base rows resampled with replacement (stream distinct from the
   summary's), indices recomputed per resample by hs_sobol_indices. */
#define SOBOL_BOOT_STREAM 0xB0076u

hs_status hs_sobol_indices_ci(const double *fA, const double *fB, const double *fAB, size_t n,
                              size_t d, size_t B, double level, uint64_t seed, double *first_lo,
                              double *first_hi, double *total_lo, double *total_hi, hs_err *err) {
  double *outs[4] = {first_lo, first_hi, total_lo, total_hi};
  for (int q = 0; q < 4; q++)
    for (size_t i = 0; outs[q] && i < d; i++) outs[q][i] = NAN;
  if (B < 100 || B > 1000000)
    return hs_err_set(err, HS_ERR_RANGE, "bootstrap: %zu resamples is out of range [100, 1000000]", B);
  if (!(level > 0.5 && level < 1))
    return hs_err_set(err, HS_ERR_RANGE, "bootstrap: level %g is out of range (0.5, 1)", level);
  if (n < 2 || d == 0) return HS_OK;
  double *a = malloc(n * (d + 2) * sizeof *a), *s1 = malloc(d * sizeof *s1),
         *st = malloc(d * sizeof *st), *t1 = malloc(B * d * sizeof *t1),
         *tt = malloc(B * d * sizeof *tt);
  size_t *kept = calloc(d, sizeof *kept), *keptt = calloc(d, sizeof *keptt);
  hs_status status = HS_OK;
  if (!a || !s1 || !st || !t1 || !tt || !kept || !keptt) {
    status = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (size_t b = 0; b < B; b++) {
    for (size_t k = 0; k < n; k++) { /* resample b: a pure function of (seed, b) */
      size_t j = (size_t)(hs_cohort_uniform(seed, b, SOBOL_BOOT_STREAM, (uint32_t)k) * (double)n);
      if (j >= n) j = n - 1;
      a[k] = fA[j];
      a[n + k] = fB[j];
      for (size_t i = 0; i < d; i++) a[(2 + i) * n + k] = fAB[i * n + j];
    }
    if (hs_sobol_indices(a, a + n, a + 2 * n, n, d, s1, st, NULL, NULL) != HS_OK) continue;
    for (size_t i = 0; i < d; i++) { /* column i holds the finite estimates of index i */
      if (isfinite(s1[i])) t1[i * B + kept[i]++] = s1[i];
      if (isfinite(st[i])) tt[i * B + keptt[i]++] = st[i];
    }
  }
  for (size_t i = 0; i < d; i++) {
    if (kept[i] >= 2) {
      qsort(t1 + i * B, kept[i], sizeof *t1, cmp_double);
      if (first_lo) first_lo[i] = quantile7(t1 + i * B, kept[i], (1 - level) / 2);
      if (first_hi) first_hi[i] = quantile7(t1 + i * B, kept[i], (1 + level) / 2);
    }
    if (keptt[i] >= 2) {
      qsort(tt + i * B, keptt[i], sizeof *tt, cmp_double);
      if (total_lo) total_lo[i] = quantile7(tt + i * B, keptt[i], (1 - level) / 2);
      if (total_hi) total_hi[i] = quantile7(tt + i * B, keptt[i], (1 + level) / 2);
    }
  }
out:
  free(a);
  free(s1);
  free(st);
  free(t1);
  free(tt);
  free(kept);
  free(keptt);
  return status;
}

const char *hs_sobol_warning(double first, double total, double total_hi, size_t used, char *buf,
                             size_t n) {
  size_t len = 0;
  if (!buf || !n) return "";
  buf[0] = '\0';
#define WARN(...)                                                                          \
  do {                                                                                     \
    if (len < n) len += (size_t)snprintf(buf + len, n - len, "%s", len ? "; " : "");      \
    if (len < n) len += (size_t)snprintf(buf + len, n - len, __VA_ARGS__);                \
  } while (0)
  if (used < HS_SOBOL_FEW)
    WARN("only %zu complete base samples (fewer than %d): the indices are noise-dominated, "
         "use 256 or more",
         used, HS_SOBOL_FEW);
  if (first > 1) WARN("first-order index %.3g above 1 (estimation noise)", first);
  double bound = isfinite(total_hi) ? total_hi : total;
  if (isfinite(first) && isfinite(bound) && first > bound)
    WARN("first-order index %.3g above the total index %.3g%s (estimation noise: S_i <= S_Ti)",
         first, total, isfinite(total_hi) ? " and its 95 % interval" : "");
#undef WARN
  return buf;
}

/* 95 % percentile bootstrap intervals of the summary (1000 resamples, keyed by the study
   seed so that the summary is reproducible) */
#define SUMMARY_BOOT 1000

typedef struct sstats {
  size_t ok, rejected, error, pending;
  double *med, *q1, *q3; /* per output */
  double *med_lo, *med_hi; /* bootstrap 95 % interval of the median, per output */
  double *met_lo, *met_hi; /* ... of the proportion meeting each target */
  double ok_lo, ok_hi, all_lo, all_hi;
  size_t *nval;          /* finite values per output */
  double *met;           /* per target: proportion of ok rows */
  double all;            /* proportion meeting every target */
} sstats;

static void sstats_free(sstats *s, size_t nstrat) {
  if (!s) return;
  for (size_t q = 0; q < nstrat; q++) {
    free(s[q].med);
    free(s[q].q1);
    free(s[q].q3);
    free(s[q].nval);
    free(s[q].met);
    free(s[q].med_lo);
    free(s[q].med_hi);
    free(s[q].met_lo);
    free(s[q].met_hi);
  }
  free(s);
}

/* 95 % intervals of ns statistics, sample i of size bn[i] into *blo[i], *bhi[i] (NaN
   from fewer than two values): the statistics of one sample size share the resamples
   (boot_replicates), so each gets the interval hs_bootstrap_ci gives it alone.  tb:
   scratch of ns x SUMMARY_BOOT values. */
static hs_status summary_intervals(const boot_spec *bs, const size_t *bn, double **blo,
                                   double **bhi, size_t ns, uint64_t seed, double *tb) {
  boot_spec *g = malloc((ns + 1) * sizeof *g);
  size_t *member = malloc((ns + 1) * sizeof *member);
  unsigned char *done = calloc(ns + 1, 1);
  hs_status st = g && member && done ? HS_OK : HS_ERR_NOMEM;
  for (size_t i = 0; i < ns; i++) *blo[i] = *bhi[i] = NAN;
  for (size_t i = 0; !st && i < ns; i++) {
    if (done[i] || bn[i] < 2) continue;
    size_t ng = 0;
    for (size_t j = i; j < ns; j++)
      if (!done[j] && bn[j] == bn[i]) {
        done[j] = 1;
        member[ng] = j;
        g[ng++] = bs[j];
      }
    if ((st = boot_replicates(g, ng, bn[i], SUMMARY_BOOT, seed, tb, NULL))) break;
    for (size_t k = 0; k < ng; k++)
      boot_interval(tb + k * SUMMARY_BOOT, SUMMARY_BOOT, 0.95, blo[member[k]], bhi[member[k]]);
  }
  free(g);
  free(member);
  free(done);
  return st;
}

static void summary_free(double *v, double *tb, double **blo, double **bhi, boot_spec *bs,
                         size_t *bn) {
  free(v);
  free(tb);
  free(blo);
  free(bhi);
  free(bs);
  free(bn);
}

static sstats *summarise(const hs_cohort *c, const hs_cohort_results *r) {
  /* per strategy: ntarget + 1 proportions of the ok patients, the proportion ok, nout
     medians; one more array to sort for the quartiles */
  size_t nspec = c->ntarget + 2 + c->nout + 1;
  sstats *S = calloc(c->nstrat, sizeof *S);
  double *v = malloc((nspec * c->n + 1) * sizeof *v);
  double *tb = malloc((nspec * SUMMARY_BOOT + 1) * sizeof *tb), **blo = malloc(nspec * sizeof *blo),
         **bhi = malloc(nspec * sizeof *bhi);
  boot_spec *bs = malloc(nspec * sizeof *bs);
  size_t *bn = malloc(nspec * sizeof *bn);
  if (!S || !v || !tb || !blo || !bhi || !bs || !bn) goto fail;
  for (size_t s = 0; s < c->nstrat; s++) {
    sstats *t = &S[s];
    t->med = malloc((c->nout + 1) * sizeof *t->med);
    t->q1 = malloc((c->nout + 1) * sizeof *t->q1);
    t->q3 = malloc((c->nout + 1) * sizeof *t->q3);
    t->nval = calloc(c->nout + 1, sizeof *t->nval);
    t->met = calloc(c->ntarget + 1, sizeof *t->met);
    t->med_lo = malloc((c->nout + 1) * sizeof *t->med_lo);
    t->med_hi = malloc((c->nout + 1) * sizeof *t->med_hi);
    t->met_lo = malloc((c->ntarget + 1) * sizeof *t->met_lo);
    t->met_hi = malloc((c->ntarget + 1) * sizeof *t->met_hi);
    if (!t->med || !t->q1 || !t->q3 || !t->nval || !t->met || !t->med_lo || !t->med_hi ||
        !t->met_lo || !t->met_hi)
      goto fail;
    size_t all = 0;
    for (size_t i = 0; i < c->n; i++) {
      size_t row = i * c->nstrat + s;
      switch (r->status[row]) {
      case HS_COHORT_OK: {
        t->ok++;
        int every = 1;
        for (size_t q = 0; q < c->ntarget; q++) {
          t->met[q] += r->met[row * c->ntarget + q];
          every &= r->met[row * c->ntarget + q];
        }
        all += (size_t)every;
        break;
      }
      case HS_COHORT_REJECTED: t->rejected++; break;
      case HS_COHORT_ERROR: t->error++; break;
      default: t->pending++; break;
      }
    }
    for (size_t q = 0; q < c->ntarget; q++) t->met[q] = t->ok ? t->met[q] / (double)t->ok : NAN;
    t->all = t->ok ? (double)all / (double)t->ok : NAN;
    /* the intervals: every statistic of the strategy in one pass over the resamples
       per sample size (the proportions of ok patients meeting the targets and the
       medians of complete outputs share theirs) */
    size_t nb = 0;
    for (size_t q = 0; q <= c->ntarget; q++) { /* proportions: means of 0/1 indicators */
      double *w = v + nb * c->n;
      size_t n = 0;
      for (size_t i = 0; i < c->n; i++) {
        size_t row = i * c->nstrat + s;
        if (r->status[row] != HS_COHORT_OK) continue;
        int m = 1;
        for (size_t u = 0; u < c->ntarget; u++)
          if (u == q || q == c->ntarget) m &= r->met[row * c->ntarget + u];
        w[n++] = m;
      }
      bs[nb] = (boot_spec){w, HS_BOOT_MEAN, NULL};
      bn[nb] = n;
      blo[nb] = q < c->ntarget ? &t->met_lo[q] : &t->all_lo;
      bhi[nb++] = q < c->ntarget ? &t->met_hi[q] : &t->all_hi;
    }
    {
      double *w = v + nb * c->n;
      size_t n = 0;
      for (size_t i = 0; i < c->n; i++) {
        int st = r->status[i * c->nstrat + s];
        if (st == HS_COHORT_OK || st == HS_COHORT_REJECTED || st == HS_COHORT_ERROR)
          w[n++] = st == HS_COHORT_OK;
      }
      bs[nb] = (boot_spec){w, HS_BOOT_MEAN, NULL};
      bn[nb] = n;
      blo[nb] = &t->ok_lo;
      bhi[nb++] = &t->ok_hi;
    }
    for (size_t k = 0; k < c->nout; k++) {
      double *w = v + nb * c->n;
      size_t n = 0;
      for (size_t i = 0; i < c->n; i++) {
        size_t row = i * c->nstrat + s;
        double y = r->y[row * c->nout + k];
        if (r->status[row] == HS_COHORT_OK && isfinite(y)) w[n++] = y;
      }
      bs[nb] = (boot_spec){w, HS_BOOT_MEDIAN, NULL};
      bn[nb] = n;
      blo[nb] = &t->med_lo[k];
      bhi[nb++] = &t->med_hi[k];
      double *sorted = v + (nspec - 1) * c->n;
      memcpy(sorted, w, n * sizeof *w);
      qsort(sorted, n, sizeof *sorted, cmp_double);
      t->nval[k] = n;
      t->med[k] = quantile7(sorted, n, 0.5);
      t->q1[k] = quantile7(sorted, n, 0.25);
      t->q3[k] = quantile7(sorted, n, 0.75);
    }
    if (summary_intervals(bs, bn, blo, bhi, nb, c->seed, tb)) goto fail;
  }
  summary_free(v, tb, blo, bhi, bs, bn);
  return S;
fail:
  summary_free(v, tb, blo, bhi, bs, bn);
  sstats_free(S, c->nstrat);
  return NULL;
}

hs_status hs_cohort_write_summary_csv(const hs_cohort *c, const hs_cohort_results *r,
                                      const char *path, hs_err *err) {
  sstats *S = summarise(c, r);
  if (!S) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  hs_afile *a = hs_afile_open(path, err);
  if (!a) {
    sstats_free(S, c->nstrat);
    return err ? err->code : HS_ERR_IO;
  }
  FILE *f = hs_afile_stream(a);
  fputs("strategy,quantity,unit,n,median,q1,q3,proportion,ci95_lo,ci95_hi\n", f);
  /* a statistic of no patient (none accepted, or none with the value) is an empty
     field, never "nan" */
#define NUM(v, fmt) (isfinite(v) ? fprintf(f, "," fmt, (v)) : fputc(',', f))
  for (size_t s = 0; s < c->nstrat; s++) {
    const sstats *t = &S[s];
    const char *nm = c->strat[s].name;
    size_t tot = t->ok + t->rejected + t->error;
    fprintf(f, "%s,patients_ok,,%zu,,,", nm, t->ok);
    NUM(tot ? (double)t->ok / (double)tot : NAN, "%.6g"), NUM(t->ok_lo, "%.6g");
    NUM(t->ok_hi, "%.6g"), fputc('\n', f);
    fprintf(f, "%s,patients_rejected,,%zu,,,", nm, t->rejected);
    NUM(tot ? (double)t->rejected / (double)tot : NAN, "%.6g"), fputs(",,\n", f);
    fprintf(f, "%s,patients_error,,%zu,,,", nm, t->error);
    NUM(tot ? (double)t->error / (double)tot : NAN, "%.6g"), fputs(",,\n", f);
    for (size_t k = 0; k < c->nout; k++) {
      fprintf(f, "%s,%s,", nm, c->out_name[k]);
      csv_text(f, c->out_unit[k]);
      fprintf(f, ",%zu", t->nval[k]);
      NUM(t->med[k], "%.10g"), NUM(t->q1[k], "%.10g"), NUM(t->q3[k], "%.10g"), fputc(',', f);
      NUM(t->med_lo[k], "%.10g"), NUM(t->med_hi[k], "%.10g"), fputc('\n', f);
    }
    for (size_t q = 0; q < c->ntarget; q++) {
      fprintf(f, "%s,", nm);
      csv_text(f, c->target[q].text);
      fprintf(f, ",,%zu,,,", t->ok);
      NUM(t->met[q], "%.6g"), NUM(t->met_lo[q], "%.6g"), NUM(t->met_hi[q], "%.6g");
      fputc('\n', f);
    }
    if (c->ntarget) {
      fprintf(f, "%s,all targets,,%zu,,,", nm, t->ok);
      NUM(t->all, "%.6g"), NUM(t->all_lo, "%.6g"), NUM(t->all_hi, "%.6g"), fputc('\n', f);
    }
  }
#undef NUM
  sstats_free(S, c->nstrat);
  return hs_afile_commit(a, err);
}

char *hs_cohort_summary_text(const hs_cohort *c, const hs_cohort_results *r) {
  sstats *S = summarise(c, r);
  hs_textbuf tb;
  FILE *f = S ? hs_textbuf_open(&tb, "cohort summary", NULL) : NULL;
  if (!f) {
    sstats_free(S, c->nstrat);
    return NULL;
  }
  size_t acc = S[0].ok, rej = S[0].rejected, errs = S[0].error;
  fprintf(f, "%s: %zu virtual patients, %zu finished (%zu accepted, %zu rejected, %zu errors)",
          c->name, c->n, r->done, acc, rej, errs);
  if (acc + rej) fprintf(f, "; acceptance rate %.1f %%", 100.0 * (double)acc / (double)(acc + rej));
  fputc('\n', f);
  for (size_t s = 0; s < c->nstrat; s++) {
    const sstats *t = &S[s];
    fprintf(f, "\nstrategy %s (%zu patients)\n", c->strat[s].name, t->ok);
    if (!t->ok) { /* no statistics of no patient (they printed as nan) */
      fprintf(f, "  no patient accepted: no statistics (see the acceptance criteria of the "
                 "study and the rejected patients in patients.csv)\n");
      continue;
    }
    fprintf(f, "  %-34s %12s %12s %12s   %s\n", "output", "median", "q1", "q3",
            "median 95 % CI (bootstrap)");
    for (size_t k = 0; k < c->nout; k++)
      fprintf(f, "  %-34s %12.4g %12.4g %12.4g   %.4g to %.4g %s\n", c->out_name[k], t->med[k],
              t->q1[k], t->q3[k], t->med_lo[k], t->med_hi[k], c->out_unit[k]);
    for (size_t q = 0; q < c->ntarget; q++)
      fprintf(f, "  %-34s %11.1f %%   (95 %% CI %.1f to %.1f %%)\n", c->target[q].text,
              100 * t->met[q], 100 * t->met_lo[q], 100 * t->met_hi[q]);
    if (c->ntarget)
      fprintf(f, "  %-34s %11.1f %%   (95 %% CI %.1f to %.1f %%)\n", "all targets", 100 * t->all,
              100 * t->all_lo, 100 * t->all_hi);
  }
  sstats_free(S, c->nstrat);
  return hs_textbuf_close(&tb, "cohort summary", NULL); /* NULL: a write failed */
}

/* ---- sensitivity ------------------------------------------------------------------ */

/* value of output k, strategy s, patient i; NaN unless the row finished ok */
static double ok_value(const hs_cohort *c, const hs_cohort_results *r, size_t i, size_t s,
                       size_t k) {
  size_t row = i * c->nstrat + s;
  return r->status[row] == HS_COHORT_OK ? r->y[row * c->nout + k] : NAN;
}

/* Bootstrap resamples for the Sobol intervals: 1000, fewer for very large designs (the
   cost is B x N (d + 2) per output), never below 200; a function of the design only. */
static size_t sobol_boot_count(size_t n, size_t d) {
  double b = 1e8 / ((double)n * (double)(d + 2));
  return b >= 1000 ? 1000 : b <= 200 ? 200 : (size_t)b;
}

/* Sobol indices of output k, strategy s with 95 % intervals: w holds 6 d values (first,
   total, first_lo, first_hi, total_lo, total_hi); f n (d + 2) scratch values. */
static hs_status sobol_for(const hs_cohort *c, const hs_cohort_results *r, size_t s, size_t k,
                           double *f, double *w, size_t *used) {
  size_t n = c->nbase, d = c->np;
  for (size_t i = 0; i < c->n; i++) f[i] = ok_value(c, r, i, s, k);
  for (size_t i = 0; i < 6 * d; i++) w[i] = NAN;
  *used = 0;
  if (hs_sobol_indices(f, f + n, f + 2 * n, n, d, w, w + d, used, NULL) != HS_OK) return HS_OK;
  return hs_sobol_indices_ci(f, f + n, f + 2 * n, n, d, sobol_boot_count(n, d), 0.95, c->seed,
                             w + 2 * d, w + 3 * d, w + 4 * d, w + 5 * d, NULL);
}

hs_status hs_cohort_write_sensitivity_csv(const hs_cohort *c, const hs_cohort_results *r,
                                          const char *path, hs_err *err) {
  int morris = c->design == DESIGN_MORRIS;
  if (!morris && c->design != DESIGN_SALTELLI)
    return hs_err_set(err, HS_ERR_STATE, "the study has no 'sensitivity' section");
  size_t n = c->nbase, d = c->np;
  /* Saltelli: fA, fB, fAB; Morris: f per point, trajectories' order and delta */
  double *f = malloc((n * (d + 2) + 1) * sizeof *f), *w = malloc((6 * d + 1) * sizeof *w);
  double *delta = malloc((n * d + 1) * sizeof *delta), *traj = malloc((d + 1) * d * sizeof *traj);
  int *order = malloc((n * d + 1) * sizeof *order);
  hs_afile *a = NULL;
  hs_status status = HS_OK;
  if (!f || !w || !delta || !traj || !order) {
    status = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (size_t t = 0; morris && t < n; t++)
    hs_morris_trajectory(c->seed, t, (int)d, c->levels, traj, order + t * d, delta + t * d);
  if (!(a = hs_afile_open(path, err))) {
    status = err ? err->code : HS_ERR_IO;
    goto out;
  }
  FILE *fp = hs_afile_stream(a);
  fputs(morris ? "strategy,output,parameter,mu_star,mu,sigma,trajectories_used\n"
               : "strategy,output,parameter,first_order,first_order_lo,first_order_hi,total,"
                 "total_lo,total_hi,samples_used,warning\n",
        fp);
  for (size_t s = 0; s < c->nstrat && !status; s++) {
    for (size_t k = 0; k < c->nout && !status; k++) {
      /* patients in design order: Saltelli blocks A, B, A_B^(i) of n rows each (the
         layout hs_sobol_indices takes); Morris trajectories of d + 1 points */
      size_t used = 0;
      if (morris) {
        for (size_t i = 0; i < c->n; i++) f[i] = ok_value(c, r, i, s, k);
        if (hs_morris_indices(f, n, (int)d, order, delta, w, w + d, w + 2 * d, &used, NULL))
          for (size_t i = 0; i < 3 * d; i++) w[i] = NAN;
      } else if ((status = sobol_for(c, r, s, k, f, w, &used))) {
        hs_err_set(err, status, "sensitivity: out of memory");
        break;
      }
      for (size_t i = 0; i < d; i++) {
        fprintf(fp, "%s,%s,", c->strat[s].name, c->out_name[k]);
        csv_text(fp, c->p[i].path);
        if (morris) {
          fprintf(fp, ",%.6g,%.6g,%.6g,%zu\n", w[i], w[d + i], w[2 * d + i], used);
          continue;
        }
        char why[320];
        fprintf(fp, ",%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%zu,", w[i], w[2 * d + i], w[3 * d + i],
                w[d + i], w[4 * d + i], w[5 * d + i], used);
        csv_text(fp, hs_sobol_warning(w[i], w[d + i], w[5 * d + i], used, why, sizeof why));
        fputc('\n', fp);
      }
    }
  }
  if (status) hs_afile_abort(a);
  else status = hs_afile_commit(a, err);
out:
  free(f);
  free(w);
  free(delta);
  free(traj);
  free(order);
  return status;
}

char *hs_cohort_sensitivity_warnings(const hs_cohort *c, const hs_cohort_results *r) {
  if (c->design != DESIGN_SALTELLI) return NULL;
  size_t n = c->nbase, d = c->np;
  double *f = malloc((n * (d + 2) + 1) * sizeof *f), *w = malloc((6 * d + 1) * sizeof *w);
  hs_textbuf tb;
  FILE *m = f && w ? hs_textbuf_open(&tb, "sensitivity warnings", NULL) : NULL;
  int any = 0;
  for (size_t s = 0; m && s < c->nstrat; s++)
    for (size_t k = 0; k < c->nout; k++) {
      size_t used = 0;
      if (sobol_for(c, r, s, k, f, w, &used)) continue;
      for (size_t i = 0; i < d; i++) {
        char why[320];
        if (!*hs_sobol_warning(w[i], w[d + i], w[5 * d + i], used, why, sizeof why)) continue;
        fprintf(m, "strategy %s, output %s, parameter %s: %s\n", c->strat[s].name,
                c->out_name[k], c->p[i].path, why);
        any = 1;
      }
    }
  char *text = m ? hs_textbuf_close(&tb, "sensitivity warnings", NULL) : NULL;
  free(f);
  free(w);
  if (!any) {
    free(text);
    return NULL;
  }
  return text;
}

/* ---- figures ---------------------------------------------------------------------- */

/* Empirical distribution function of each output, one panel per output, one line per
   strategy: every patient visible, no binning choice. */
char *hs_cohort_distribution_svg(const hs_cohort *c, const hs_cohort_results *r, hs_err *err) {
  size_t npan = c->nout < 8 ? c->nout : 8;
  hs_plot *p = hs_plot_new(760, 180.0 * (double)npan + 60, c->name);
  double *x = malloc((2 * c->n + 1) * sizeof *x), *y = malloc((2 * c->n + 1) * sizeof *y);
  char *svg = NULL;
  if (!p || !x || !y) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (size_t k = 0; k < npan; k++) {
    char xl[160];
    snprintf(xl, sizeof xl, "%s (%s)", c->out_name[k], *c->out_unit[k] ? c->out_unit[k] : "-");
    int pan = hs_plot_add_panel(p, xl, "cumulative fraction of patients");
    if (pan < 0) {
      hs_err_set(err, HS_ERR_NOMEM, "out of memory");
      goto out;
    }
    size_t drawn = 0;
    for (size_t s = 0; s < c->nstrat; s++) {
      size_t n = 0;
      for (size_t i = 0; i < c->n; i++) {
        size_t row = i * c->nstrat + s;
        double v = r->y[row * c->nout + k];
        if (r->status[row] == HS_COHORT_OK && isfinite(v)) x[n++] = v;
      }
      if (!n) continue;
      qsort(x, n, sizeof *x, cmp_double);
      /* staircase: (x_i, (i)/n) -> (x_i, (i+1)/n) */
      for (size_t i = n; i-- > 0;) {
        x[2 * i] = x[2 * i + 1] = x[i];
        y[2 * i] = (double)i / (double)n;
        y[2 * i + 1] = (double)(i + 1) / (double)n;
      }
      if (hs_plot_add_series(p, pan, c->strat[s].name, x, y, 2 * n, HS_PLOT_LINE, err)) goto out;
      drawn++;
    }
    if (hs_plot_set_yrange(p, pan, 0, 1, err)) goto out;
    if (!drawn) {
      double zx[2] = {0, 1}, zy[2] = {0, 0};
      if (hs_plot_add_series(p, pan, "no finished patient", zx, zy, 2, HS_PLOT_DASHED, err))
        goto out;
    }
  }
  svg = hs_plot_render_svg(p, err);
out:
  free(x);
  free(y);
  hs_plot_free(p);
  return svg;
}

/* Proportion of accepted patients meeting each target and all of them, per strategy. */
char *hs_cohort_success_svg(const hs_cohort *c, const hs_cohort_results *r, hs_err *err) {
  sstats *S = summarise(c, r);
  hs_plot *p = hs_plot_new(760, 420, c->name);
  double *x = malloc((c->nstrat + 1) * sizeof *x), *y = malloc((c->nstrat + 1) * sizeof *y);
  const char **lab = malloc((c->nstrat + 1) * sizeof *lab);
  char *svg = NULL;
  int pan;
  if (!S || !p || !x || !y || !lab || (pan = hs_plot_add_panel(p, "strategy", "patients meeting the target (%)")) < 0) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (size_t s = 0; s < c->nstrat; s++) {
    x[s] = (double)s + 1;
    lab[s] = c->strat[s].name;
  }
  size_t nt = c->nstrat < HS_PLOT_MAX_TICKS ? c->nstrat : HS_PLOT_MAX_TICKS;
  if (hs_plot_set_xticks(p, pan, x, lab, nt, err)) goto out;
  if (hs_plot_set_xrange(p, pan, 0.5, (double)c->nstrat + 0.5, err)) goto out;
  if (hs_plot_set_yrange(p, pan, 0, 100, err)) goto out;
  for (size_t q = 0; q <= c->ntarget; q++) {
    if (q == c->ntarget && !c->ntarget) break;
    size_t n = 0;
    for (size_t s = 0; s < c->nstrat; s++) {
      double v = q < c->ntarget ? S[s].met[q] : S[s].all;
      if (!isfinite(v)) continue;
      x[n] = (double)s + 1;
      y[n++] = 100 * v;
    }
    if (!n) continue;
    if (hs_plot_add_series(p, pan, q < c->ntarget ? c->target[q].text : "all targets", x, y, n,
                           q < c->ntarget ? HS_PLOT_MARKERS : HS_PLOT_LINE, err))
      goto out;
  }
  if (!c->ntarget) { /* no targets: the proportion finished OK */
    size_t n = 0;
    for (size_t s = 0; s < c->nstrat; s++) {
      size_t tot = S[s].ok + S[s].rejected + S[s].error;
      if (!tot) continue;
      x[n] = (double)s + 1;
      y[n++] = 100.0 * (double)S[s].ok / (double)tot;
    }
    if (n && hs_plot_add_series(p, pan, "finished without error (no targets given)", x, y, n,
                                HS_PLOT_MARKERS, err))
      goto out;
  }
  svg = hs_plot_render_svg(p, err);
out:
  free(lab);
  free(x);
  free(y);
  hs_plot_free(p);
  sstats_free(S, c->nstrat);
  return svg;
}

/* ---- every file ------------------------------------------------------------------- */

static char *path_join(const char *dir, const char *file) {
  size_t n = strlen(dir) + strlen(file) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, file);
  return p;
}

static hs_status write_svg(const char *dir, const char *file, char *svg, hs_err *err) {
  if (!svg) return err ? err->code : HS_ERR_NOMEM;
  char *path = path_join(dir, file);
  hs_status st = path ? hs_write_file_atomic(path, svg, strlen(svg), err)
                      : hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  free(path);
  free(svg);
  return st;
}

/* provenance.json: the version and build, the study and its fingerprint, the files */
static hs_status write_provenance(const hs_cohort *c, const char *dir, int sqlite, hs_err *err) {
  char seed[32], np[32], fp[32];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
  snprintf(np, sizeof np, "%zu", c->n);
  snprintf(fp, sizeof fp, "%016llx", (unsigned long long)hs_cohort_fingerprint(c));
  const char *kv[] = {"study", c->name, "study_file", c->file, "seed", seed,
                      "patients", np, "fingerprint", fp};
  const char *files[6] = {"results.csv", "summary.csv"};
  size_t nf = 2;
  if (hs_cohort_has_sensitivity(c)) files[nf++] = "sensitivity.csv";
  if (sqlite) files[nf++] = "results.sqlite";
  files[nf++] = "distributions.svg";
  files[nf++] = "success.svg";
  return hs_provenance_write(dir, "hemosim cohort", NULL, kv, 5, files, nf, err);
}

hs_status hs_cohort_write_outputs(const hs_cohort *c, const hs_cohort_results *r,
                                  const char *dir, int sqlite, hs_err *err) {
  static const char *const FILES[] = {"results.csv", "summary.csv", "sensitivity.csv",
                                      "results.sqlite"};
  hs_status st = HS_OK;
  for (int k = 0; k < 4 && !st; k++) {
    if ((k == 2 && !hs_cohort_has_sensitivity(c)) || (k == 3 && !sqlite)) continue;
    char *path = path_join(dir, FILES[k]);
    if (!path) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    st = k == 0   ? hs_cohort_write_csv(c, r, path, err)
         : k == 1 ? hs_cohort_write_summary_csv(c, r, path, err)
         : k == 2 ? hs_cohort_write_sensitivity_csv(c, r, path, err)
                  : hs_cohort_write_sqlite(c, r, path, err);
    free(path);
  }
  if (!st) st = write_svg(dir, "distributions.svg", hs_cohort_distribution_svg(c, r, err), err);
  if (!st) st = write_svg(dir, "success.svg", hs_cohort_success_svg(c, r, err), err);
  if (!st) st = write_provenance(c, dir, sqlite, err);
  return st;
}
