/*
 * io/trial_stats.c - the arms compared (docs/trial.md "Methods"):
 *   - 28-day survival: proportions, risk difference (experimental - control)
 *     with the Wald 95 % interval, two-sided Fisher exact test (Fisher 1935;
 *     p = sum of the hypergeometric probabilities of the tables with the
 *     observed margins that are no more likely than the observed table);
 *   - Kaplan-Meier product-limit survival to the end of follow-up (Kaplan &
 *     Meier 1958) with Greenwood's variance, drawn as SVG;
 *   - per visit T1-T4: PSVD, PPSV, ECMO flow and VIS by arm (mean, SD, n) and
 *     the difference of means with a Welch 95 % interval (Welch 1947;
 *     Satterthwaite degrees of freedom; t quantile from the Cornish-Fisher
 *     expansion, Abramowitz & Stegun 26.7.5).  Per-visit comparisons are not
 *     adjusted for multiplicity; a mixed model of the trajectories belongs to
 *     the statistician, from the long-format CSV export.
 * The first arm of the protocol is the control; every other arm is compared
 * with it.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/plot.h"
#include "io/trial_impl.h"

/* ------------------------------------------------------------------ statistics */

static double log_choose(int n, int k) {
  return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double hs_fisher_exact_2x2(int a, int b, int c, int d) {
  if (a < 0 || b < 0 || c < 0 || d < 0) return NAN;
  int r1 = a + b, r2 = c + d, c1 = a + c, n = r1 + r2;
  if (n == 0) return 1.0;
  int lo = c1 - r2 > 0 ? c1 - r2 : 0, hi = c1 < r1 ? c1 : r1;
  double lden = log_choose(n, c1);
  double pobs = exp(log_choose(r1, a) + log_choose(r2, c1 - a) - lden), p = 0;
  for (int x = lo; x <= hi; x++) {
    double px = exp(log_choose(r1, x) + log_choose(r2, c1 - x) - lden);
    if (px <= pobs * (1 + 1e-7)) p += px;
  }
  return p > 1 ? 1 : p;
}

void hs_risk_difference(int x1, int n1, int x2, int n2, double *rd, double *lo, double *hi) {
  *rd = *lo = *hi = NAN;
  if (n1 <= 0 || n2 <= 0) return;
  double p1 = (double)x1 / n1, p2 = (double)x2 / n2;
  double se = sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
  *rd = p1 - p2;
  *lo = *rd - 1.959963984540054 * se;
  *hi = *rd + 1.959963984540054 * se;
}

/* Two-sided 95 % t quantile for df degrees of freedom (A&S 26.7.5). */
static double t975(double df) {
  const double z = 1.959963984540054;
  double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df) +
         (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df * df * df * df);
}

typedef struct moments {
  int n;
  double mean, m2;
} moments;
static void mom_add(moments *m, double x) { /* Welford */
  m->n++;
  double d = x - m->mean;
  m->mean += d / m->n;
  m->m2 += d * (x - m->mean);
}
static double mom_var(const moments *m) { return m->n > 1 ? m->m2 / (m->n - 1) : NAN; }

/* ------------------------------------------------------------------ data */

typedef struct pt {
  int arm;
  int outcome;     /* -1 unknown, 0 alive at day 28, 1 dead */
  double t_days;   /* death or censoring time, days after placement */
  double v[V_COUNT][4]; /* per visit: psvd, ppsv, ecmo_flow (L/min), vis; NaN missing */
} pt;

static const char *const VARS[4] = {"psvd", "ppsv", "ecmo_flow", "vis"};
static const char *const VAR_UNITS[4] = {"mm/mm2", "%", "L/min", ""};

static double num_of(hs_trial *t, int64_t pid, const char *visit, const char *field) {
  char v[64];
  if (tdb_current(t, pid, visit, field, v, sizeof v, NULL, NULL) != 1) return NAN;
  return strtod(v, NULL);
}

static int64_t time_of(hs_trial *t, int64_t pid, const char *visit, const char *field, int *ok) {
  char v[64];
  int64_t s = 0;
  *ok = tdb_current(t, pid, visit, field, v, sizeof v, NULL, NULL) == 1 &&
        !hs_trial_time_parse(field, v, &s, NULL, NULL);
  return s;
}

/* Load every patient (in a read transaction held by the caller). */
static hs_status load(hs_trial *t, pt **out, int *n, hs_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *s = tdb_prepare(t, "SELECT id, arm FROM patient ORDER BY id", err);
  if (!s) return err ? err->code : HS_ERR_IO;
  pt *p = NULL;
  int cap = 0, k = 0;
  double fu = t->proto.followup_days;
  while (sqlite3_step(s) == SQLITE_ROW) {
    if (k == cap) {
      cap = cap ? 2 * cap : 64;
      pt *q = realloc(p, (size_t)cap * sizeof *q);
      if (!q) {
        free(p);
        sqlite3_finalize(s);
        return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
      }
      p = q;
    }
    int64_t pid = sqlite3_column_int64(s, 0);
    const char *arm = (const char *)sqlite3_column_text(s, 1);
    pt *x = &p[k++];
    x->arm = 0;
    for (int a = 0; a < t->proto.narms; a++)
      if (!strcmp(t->proto.arm[a].id, arm)) x->arm = a;
    for (int v = 0; v < V_COUNT; v++)
      for (int j = 0; j < 4; j++)
        x->v[v][j] = v >= V_T1 && v <= V_T4 ? num_of(t, pid, hs_trial_visit_name(v), VARS[j])
                                             : NAN;
    for (int v = V_T1; v <= V_T4; v++)
      if (isfinite(x->v[v][2])) x->v[v][2] /= (1000.0 / 60.0); /* mL/s -> L/min */
    char st[16] = "";
    int ok0, ok1;
    int64_t t0 = time_of(t, pid, "baseline", "ecmo_placed_at", &ok0);
    x->outcome = -1;
    x->t_days = NAN;
    if (tdb_current(t, pid, "day28", "status", st, sizeof st, NULL, NULL) == 1) {
      if (!strcmp(st, "dead")) {
        int64_t td = time_of(t, pid, "day28", "death_time", &ok1);
        double days = ok0 && ok1 ? (double)(td - t0) / 86400.0 : NAN;
        if (isfinite(days) && days <= fu) {
          x->outcome = 1;
          x->t_days = days < 0 ? 0 : days;
        } else if (isfinite(days)) {
          x->outcome = 0; /* died after the follow-up: alive at day 28 */
          x->t_days = fu;
        } else {
          x->outcome = 1; /* death time unknown: counted as a death, no time */
        }
      } else {
        x->outcome = 0;
        x->t_days = fu;
      }
    } else {
      /* no day-28 status: censored at the last contact or the last visit */
      int64_t last = 0;
      int have = 0;
      int64_t lc = time_of(t, pid, "day28", "last_contact", &ok1);
      if (ok1) last = lc, have = 1;
      for (int v = V_T1; v <= V_T4; v++) {
        int64_t tv = time_of(t, pid, hs_trial_visit_name(v), "time", &ok1);
        if (ok1 && (!have || tv > last)) last = tv, have = 1;
      }
      if (ok0 && have) x->t_days = fmin(fu, fmax(0, (double)(last - t0) / 86400.0));
    }
  }
  sqlite3_finalize(s);
  *out = p;
  *n = k;
  return HS_OK;
}

/* Role check, then the protocol and every patient from one read snapshot. */
static hs_status snapshot(hs_trial *t, const hs_trial_actor *who, const char *what, pt **p,
                          int *n, hs_err *err) {
  hs_status st = tdb_check_actor(who, ROLE_BIT(HS_ROLE_STATISTICIAN) | ROLE_BIT(HS_ROLE_MONITOR),
                                 what, err);
  if (st || (st = tdb_exec(t, "BEGIN", err))) return st;
  if (!(st = tdb_load_protocol(t, err))) st = load(t, p, n, err);
  tdb_rollback(t);
  return st;
}

/* Kaplan-Meier curve of one arm: times t[0..m) and survival s after each
   event time (t[0] = 0, s = 1); returns m.  se (may be NULL) at the end. */
static int km(const pt *p, int n, int arm, double *t, double *s, double *se_end) {
  int m = 0;
  t[m] = 0, s[m] = 1, m++;
  double surv = 1, gw = 0, last = -1;
  for (;;) {
    /* next distinct death time */
    double next = INFINITY;
    for (int i = 0; i < n; i++)
      if (p[i].arm == arm && p[i].outcome == 1 && isfinite(p[i].t_days) && p[i].t_days > last &&
          p[i].t_days < next)
        next = p[i].t_days;
    if (!isfinite(next)) break;
    last = next;
    int d = 0, at_risk = 0;
    for (int i = 0; i < n; i++) {
      if (p[i].arm != arm || !isfinite(p[i].t_days)) continue;
      if (p[i].t_days >= next) at_risk++;
      if (p[i].outcome == 1 && p[i].t_days == next) d++;
    }
    if (at_risk > 0) {
      surv *= 1.0 - (double)d / at_risk;
      if (at_risk > d) gw += (double)d / ((double)at_risk * (at_risk - d));
    }
    t[m] = next, s[m] = surv, m++;
  }
  if (se_end) *se_end = surv * sqrt(gw);
  return m;
}

/* ------------------------------------------------------------------ analysis */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

char *hs_trial_analysis_json(hs_trial *t, const hs_trial_actor *who, hs_err *err) {
  pt *p = NULL;
  int n = 0;
  if (snapshot(t, who, "the analysis", &p, &n, err)) return NULL;
  const hs_trial_protocol *pr = &t->proto;
  json_t *root = json_object(), *arms = json_array(), *comps = json_array(),
         *visits = json_object();
  double *kt = malloc(((size_t)n + 2) * sizeof *kt), *ks = malloc(((size_t)n + 2) * sizeof *ks);
  if (!root || !kt || !ks) {
    free(kt);
    free(ks);
    free(p);
    json_decref(root);
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  int alive[TP_MAX_ARMS] = {0}, known[TP_MAX_ARMS] = {0}, enrolled[TP_MAX_ARMS] = {0};
  for (int i = 0; i < n; i++) {
    enrolled[p[i].arm]++;
    if (p[i].outcome >= 0) known[p[i].arm]++, alive[p[i].arm] += p[i].outcome == 0;
  }
  for (int a = 0; a < pr->narms; a++) {
    double se;
    int m = km(p, n, a, kt, ks, &se);
    json_array_append_new(
        arms, json_pack("{s:s,s:i,s:i,s:i,s:o,s:o,s:o}", "arm", pr->arm[a].id, "enrolled",
                        enrolled[a], "outcome_known", known[a], "alive_day28", alive[a],
                        "survival_day28", num(known[a] ? (double)alive[a] / known[a] : NAN),
                        "km_survival_end", num(ks[m - 1]), "km_se_end", num(se)));
  }
  for (int a = 1; a < pr->narms; a++) {
    double rd, lo, hi;
    hs_risk_difference(alive[a], known[a], alive[0], known[0], &rd, &lo, &hi);
    double pf = hs_fisher_exact_2x2(alive[a], known[a] - alive[a], alive[0], known[0] - alive[0]);
    json_array_append_new(comps,
                          json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s}", "arm", pr->arm[a].id,
                                    "versus", pr->arm[0].id, "endpoint", "survival to day 28",
                                    "risk_difference", num(rd), "ci95_lo", num(lo), "ci95_hi",
                                    num(hi), "fisher_p", num(pf), "method",
                                    "Wald interval; two-sided Fisher exact test"));
  }
  for (int v = V_T1; v <= V_T4; v++) {
    json_t *vo = json_object();
    for (int j = 0; j < 4; j++) {
      moments m[TP_MAX_ARMS];
      memset(m, 0, sizeof m);
      for (int i = 0; i < n; i++)
        if (isfinite(p[i].v[v][j])) mom_add(&m[p[i].arm], p[i].v[v][j]);
      json_t *jo = json_object(), *by = json_object(), *diff = json_array();
      for (int a = 0; a < pr->narms; a++) {
        double sd = sqrt(mom_var(&m[a]));
        json_object_set_new(by, pr->arm[a].id,
                            json_pack("{s:i,s:o,s:o}", "n", m[a].n, "mean",
                                      num(m[a].n ? m[a].mean : NAN), "sd", num(sd)));
      }
      for (int a = 1; a < pr->narms; a++) {
        double d = NAN, lo = NAN, hi = NAN, df = NAN;
        if (m[a].n > 1 && m[0].n > 1) {
          double v1 = mom_var(&m[a]) / m[a].n, v0 = mom_var(&m[0]) / m[0].n;
          d = m[a].mean - m[0].mean;
          double se = sqrt(v1 + v0);
          df = se > 0 ? (v1 + v0) * (v1 + v0) /
                            (v1 * v1 / (m[a].n - 1) + v0 * v0 / (m[0].n - 1))
                      : NAN;
          double q = isfinite(df) ? t975(df) : 1.959963984540054;
          lo = d - q * se, hi = d + q * se;
        }
        json_array_append_new(diff, json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "arm", pr->arm[a].id,
                                              "versus", pr->arm[0].id, "difference", num(d),
                                              "ci95_lo", num(lo), "ci95_hi", num(hi), "welch_df",
                                              num(df)));
      }
      json_object_set_new(jo, "unit", json_string(VAR_UNITS[j]));
      json_object_set_new(jo, "by_arm", by);
      json_object_set_new(jo, "difference", diff);
      json_object_set_new(vo, VARS[j], jo);
    }
    json_object_set_new(visits, hs_trial_visit_name(v), vo);
  }
  json_object_set_new(root, "schema", json_string("hemosim-trial-analysis/1"));
  json_object_set_new(root, "trial", json_string(pr->name));
  json_object_set_new(root, "patients", json_integer(n));
  json_object_set_new(root, "followup_days", json_integer(pr->followup_days));
  json_object_set_new(root, "arms", arms);
  json_object_set_new(root, "survival", comps);
  json_object_set_new(root, "visits", visits);
  json_object_set_new(root, "methods",
                      json_string("docs/trial.md#methods: Wald risk difference, Fisher exact "
                                  "test, Kaplan-Meier with Greenwood SE, per-visit Welch "
                                  "intervals (not adjusted for multiplicity)"));
  free(kt);
  free(ks);
  free(p);
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
  json_decref(root);
  if (!text) hs_err_set(err, HS_ERR_NOMEM, "out of memory writing JSON");
  return text;
}

char *hs_trial_km_svg(hs_trial *t, const hs_trial_actor *who, hs_err *err) {
  pt *p = NULL;
  int n = 0;
  if (snapshot(t, who, "the survival plot", &p, &n, err)) return NULL;
  hs_status st = HS_OK;
  const hs_trial_protocol *pr = &t->proto;
  char title[256];
  snprintf(title, sizeof title, "Kaplan-Meier survival to day %d: %.200s", pr->followup_days,
           pr->name);
  hs_plot *pl = hs_plot_new(800, 480, title);
  int panel = pl ? hs_plot_add_panel(pl, "days since VA-ECMO placement", "survival") : -1;
  size_t cap = 2 * (size_t)n + 8;
  double *kt = malloc(((size_t)n + 2) * sizeof *kt), *ks = malloc(((size_t)n + 2) * sizeof *ks);
  double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
  char *svg = NULL;
  if (!pl || panel < 0 || !kt || !ks || !x || !y) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto out;
  }
  if ((st = hs_plot_set_yrange(pl, panel, 0, 1.05, err)) ||
      (st = hs_plot_set_xrange(pl, panel, 0, pr->followup_days, err)))
    goto out;
  for (int a = 0; a < pr->narms && !st; a++) {
    int m = km(p, n, a, kt, ks, NULL);
    size_t k = 0;
    for (int i = 0; i < m; i++) {
      if (i) x[k] = kt[i], y[k] = ks[i - 1], k++; /* step down at the event */
      x[k] = kt[i], y[k] = ks[i], k++;
    }
    x[k] = pr->followup_days, y[k] = ks[m - 1], k++;
    char name[TN + 32];
    int na = 0;
    for (int i = 0; i < n; i++) na += p[i].arm == a;
    snprintf(name, sizeof name, "%s (n = %d)", pr->arm[a].id, na);
    st = hs_plot_add_series(pl, panel, name, x, y, k, a ? HS_PLOT_LINE : HS_PLOT_DASHED, err);
  }
  if (!st) svg = hs_plot_render_svg(pl, err);
out:
  hs_plot_free(pl);
  free(kt);
  free(ks);
  free(x);
  free(y);
  free(p);
  return svg;
}
