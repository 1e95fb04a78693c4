/*
 * io/trend.c - per-beat and per-interval trends of every metric (hemosim/trend.h;
 * docs/output.md "Trends").
 */
#include "hemosim/trend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/plot.h"
#include "io/json_util.h"

typedef struct trend_event {
  double t;
  char *label;
} trend_event;

struct hs_trend {
  size_t nm;
  char **name;
  const char **unit;
  double interval;
  int keep;
  /* beats: nb rows of (beat, t_end, nm metrics) when kept */
  double *beats;
  size_t nb, cap_b;
  /* intervals: ni rows of (t_start, t_end, beats, nm metrics) */
  double *iv;
  size_t ni, cap_i;
  /* the interval being filled: index, sum, count; the last beat's row */
  long cur;
  double *sum;
  long count;
  double *last; /* t_end, nm metrics */
  int have_last;
  long nbeats;
  trend_event *ev;
  size_t nev, cap_ev;
};

void hs_trend_free(hs_trend *tr) {
  if (!tr) return;
  for (size_t k = 0; k < tr->nm; k++) free(tr->name[k]);
  free(tr->name);
  free(tr->unit);
  free(tr->beats);
  free(tr->iv);
  free(tr->sum);
  free(tr->last);
  for (size_t i = 0; i < tr->nev; i++) free(tr->ev[i].label);
  free(tr->ev);
  free(tr);
}

hs_trend *hs_trend_new(const hs_sim *sim, double interval_s, int keep_beats, hs_err *err) {
  if (!(interval_s > 0) || !isfinite(interval_s)) {
    hs_err_set(err, HS_ERR_RANGE, "trend: interval %g s must be > 0 s", interval_s);
    return NULL;
  }
  hs_trend *tr = calloc(1, sizeof *tr);
  if (!tr) goto nomem;
  tr->nm = hs_sim_metric_count(sim);
  tr->interval = interval_s;
  tr->keep = keep_beats;
  tr->cur = -1;
  tr->name = calloc(tr->nm, sizeof *tr->name);
  tr->unit = calloc(tr->nm, sizeof *tr->unit);
  tr->sum = calloc(tr->nm, sizeof *tr->sum);
  tr->last = calloc(tr->nm + 1, sizeof *tr->last);
  if (!tr->name || !tr->unit || !tr->sum || !tr->last) goto nomem;
  for (size_t k = 0; k < tr->nm; k++) {
    char buf[128];
    const char *n = hs_sim_metric_name(sim, k, buf, sizeof buf);
    if (!(tr->name[k] = malloc(strlen(n) + 1))) goto nomem;
    strcpy(tr->name[k], n);
    tr->unit[k] = hs_sim_metric_unit(sim, k);
  }
  return tr;
nomem:
  hs_trend_free(tr);
  hs_err_set(err, HS_ERR_NOMEM, "trend: out of memory");
  return NULL;
}

/* Append one row of w doubles to a table; 0 on success. */
static int push(double **tab, size_t *n, size_t *cap, size_t w, const double *row) {
  if (*n == *cap) {
    size_t c = *cap ? 2 * *cap : 256;
    double *p = realloc(*tab, c * w * sizeof *p);
    if (!p) return -1;
    *tab = p, *cap = c;
  }
  memcpy(*tab + *n * w, row, w * sizeof *row);
  (*n)++;
  return 0;
}

/* Close the interval being filled (mean of its beats). */
static int close_interval(hs_trend *tr) {
  if (tr->cur < 0 || tr->count == 0) return 0;
  size_t w = tr->nm + 3;
  double *row = malloc(w * sizeof *row);
  if (!row) return -1;
  row[0] = (double)tr->cur * tr->interval;
  row[1] = row[0] + tr->interval;
  row[2] = (double)tr->count;
  for (size_t k = 0; k < tr->nm; k++) row[3 + k] = tr->sum[k] / (double)tr->count;
  int rc = push(&tr->iv, &tr->ni, &tr->cap_i, w, row);
  free(row);
  return rc;
}

int hs_trend_on_beat(long beat, double t_end, const double *m, void *ud) {
  hs_trend *tr = ud;
  size_t nm = tr->nm;
  long k = (long)floor((t_end - 1e-9) / tr->interval);
  if (k < 0) k = 0;
  if (tr->keep) {
    double *row = malloc((nm + 2) * sizeof *row);
    if (!row) return 1;
    row[0] = (double)beat, row[1] = t_end;
    memcpy(row + 2, m, nm * sizeof *m);
    int rc = push(&tr->beats, &tr->nb, &tr->cap_b, nm + 2, row);
    free(row);
    if (rc) return 1;
  }
  if (k != tr->cur) {
    if (close_interval(tr)) return 1;
    /* intervals no beat ended in (a macro step jumped them): linear between the last
       beat and this one, at each interval's midpoint */
    if (tr->have_last && k > tr->cur + 1) {
      size_t w = nm + 3;
      double *row = malloc(w * sizeof *row);
      if (!row) return 1;
      for (long j = tr->cur + 1; j < k; j++) {
        double tm = ((double)j + 0.5) * tr->interval, t0 = tr->last[0];
        double a = t_end > t0 ? (tm - t0) / (t_end - t0) : 1.0;
        row[0] = (double)j * tr->interval, row[1] = row[0] + tr->interval, row[2] = 0;
        for (size_t q = 0; q < nm; q++) row[3 + q] = (1 - a) * tr->last[1 + q] + a * m[q];
        if (push(&tr->iv, &tr->ni, &tr->cap_i, w, row)) {
          free(row);
          return 1;
        }
      }
      free(row);
    }
    tr->cur = k;
    tr->count = 0;
    memset(tr->sum, 0, nm * sizeof *tr->sum);
  }
  for (size_t q = 0; q < nm; q++) tr->sum[q] += m[q];
  tr->count++;
  tr->last[0] = t_end;
  memcpy(tr->last + 1, m, nm * sizeof *m);
  tr->have_last = 1;
  tr->nbeats++;
  return 0;
}

hs_status hs_trend_add_event(hs_trend *tr, double t, const char *label, hs_err *err) {
  if (tr->nev == tr->cap_ev) {
    size_t c = tr->cap_ev ? 2 * tr->cap_ev : 16;
    trend_event *p = realloc(tr->ev, c * sizeof *p);
    if (!p) return hs_err_set(err, HS_ERR_NOMEM, "trend: out of memory");
    tr->ev = p, tr->cap_ev = c;
  }
  const char *l = label ? label : "";
  char *copy = malloc(strlen(l) + 1);
  if (!copy) return hs_err_set(err, HS_ERR_NOMEM, "trend: out of memory");
  strcpy(copy, l);
  tr->ev[tr->nev].t = t;
  tr->ev[tr->nev++].label = copy;
  return HS_OK;
}

size_t hs_trend_beat_count(const hs_trend *tr) { return (size_t)tr->nbeats; }

/* The interval rows including the one still being filled (rows: caller frees). */
static double *interval_rows(const hs_trend *tr, size_t *n) {
  size_t w = tr->nm + 3, extra = tr->count > 0 ? 1 : 0;
  double *rows = malloc((tr->ni + extra + 1) * w * sizeof *rows);
  if (!rows) return NULL;
  if (tr->ni) memcpy(rows, tr->iv, tr->ni * w * sizeof *rows);
  if (extra) {
    double *row = rows + tr->ni * w;
    row[0] = (double)tr->cur * tr->interval;
    row[1] = tr->last[0]; /* the partial interval ends at its last beat */
    row[2] = (double)tr->count;
    for (size_t k = 0; k < tr->nm; k++) row[3 + k] = tr->sum[k] / (double)tr->count;
  }
  *n = tr->ni + extra;
  return rows;
}

size_t hs_trend_interval_count(const hs_trend *tr) { return tr->ni + (tr->count > 0 ? 1 : 0); }

/* A growing text buffer. */
typedef struct sbuf {
  char *s;
  size_t n, cap;
  int bad;
} sbuf;

static void sb_add(sbuf *b, int prec, double v, const char *str) {
  char tmp[64];
  const char *add = str;
  if (!str) {
    if (isfinite(v)) snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    else tmp[0] = '\0';
    add = tmp;
  }
  size_t k = strlen(add);
  if (b->n + k + 1 > b->cap) {
    size_t c = b->cap ? 2 * b->cap : 4096;
    while (c < b->n + k + 1) c *= 2;
    char *p = realloc(b->s, c);
    if (!p) {
      b->bad = 1;
      return;
    }
    b->s = p, b->cap = c;
  }
  memcpy(b->s + b->n, add, k + 1);
  b->n += k;
}

char *hs_trend_csv(const hs_trend *tr, int per_interval, hs_err *err) {
  if (!per_interval && !tr->keep) {
    hs_err_set(err, HS_ERR_STATE, "trend: the per-beat table was not kept");
    return NULL;
  }
  sbuf b = {0};
  sb_add(&b, 0, 0, per_interval ? "t_start_s,t_end_s,beats" : "beat,t_end_s");
  for (size_t k = 0; k < tr->nm; k++) {
    sb_add(&b, 0, 0, ",");
    sb_add(&b, 0, 0, tr->name[k]);
  }
  sb_add(&b, 0, 0, "\n");
  size_t n = tr->nb, w = tr->nm + 2, lead = 2;
  double *rows = tr->beats, *own = NULL;
  if (per_interval) {
    if (!(own = interval_rows(tr, &n))) b.bad = 1;
    rows = own, w = tr->nm + 3, lead = 3;
  }
  for (size_t i = 0; i < n && !b.bad; i++) {
    const double *r = rows + i * w;
    for (size_t k = 0; k < w; k++) {
      if (k) sb_add(&b, 0, 0, ",");
      sb_add(&b, k < lead ? 10 : 6, r[k], NULL);
    }
    sb_add(&b, 0, 0, "\n");
  }
  free(own);
  if (b.bad) {
    free(b.s);
    hs_err_set(err, HS_ERR_NOMEM, "trend: out of memory writing CSV");
    return NULL;
  }
  return b.s;
}

static json_t *row_array(const double *r, size_t w) {
  json_t *a = json_array();
  for (size_t k = 0; a && k < w; k++)
    if (json_array_append_new(a, hs_jnum(r[k]))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static json_t *table(const double *rows, size_t n, size_t w) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) {
    json_t *r = row_array(rows + i * w, w);
    if (!r || json_array_append_new(a, r)) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

char *hs_trend_json(const hs_trend *tr, hs_err *err) {
  json_t *root = json_object();
  int bad = !root;
  bad |= hs_jset(root, "schema", json_string("hemosim-trend/1"));
  bad |= hs_jset(root, "interval_s", hs_jnum(tr->interval));
  json_t *names = json_array(), *units = json_array();
  for (size_t k = 0; names && units && k < tr->nm; k++) {
    bad |= json_array_append_new(names, hs_jstr(tr->name[k]));
    bad |= json_array_append_new(units, hs_jstr(tr->unit[k]));
  }
  bad |= hs_jset(root, "metrics", names);
  bad |= hs_jset(root, "units", units);
  size_t n = 0;
  double *rows = interval_rows(tr, &n);
  bad |= !rows;
  bad |= hs_jset(root, "interval_columns", json_string("t_start_s, t_end_s, beats, metrics..."));
  bad |= hs_jset(root, "intervals", rows ? table(rows, n, tr->nm + 3) : NULL);
  free(rows);
  if (tr->keep) {
    bad |= hs_jset(root, "beat_columns", json_string("beat, t_end_s, metrics..."));
    bad |= hs_jset(root, "beats", table(tr->beats, tr->nb, tr->nm + 2));
  }
  json_t *ev = json_array();
  for (size_t i = 0; ev && i < tr->nev; i++) {
    json_t *e = json_object();
    bad |= !e || hs_jset(e, "t_s", hs_jnum(tr->ev[i].t)) ||
           hs_jset(e, "label", hs_jstr(tr->ev[i].label)) || json_array_append_new(ev, e);
  }
  bad |= hs_jset(root, "events", ev);
  return hs_jdump(root, bad, 8, "trend JSON", err);
}

char *hs_trend_svg(const hs_trend *tr, const char *title, const char *const *metrics, size_t n,
                   hs_err *err) {
  size_t ni = 0;
  double *rows = interval_rows(tr, &ni);
  if (!rows) {
    hs_err_set(err, HS_ERR_NOMEM, "trend: out of memory");
    return NULL;
  }
  /* the interval means (midpoint times), or every kept beat for a run shorter than one
     interval */
  int use_beats = ni < 2 && tr->keep && tr->nb > 1;
  size_t np = use_beats ? tr->nb : ni, w = use_beats ? tr->nm + 2 : tr->nm + 3;
  const double *src = use_beats ? tr->beats : rows;
  double span = np ? (use_beats ? src[(np - 1) * w + 1] : src[(np - 1) * w + 1]) : 0;
  double scale = span > 7200 ? 3600 : span > 120 ? 60 : 1;
  const char *xl = scale == 3600 ? "Time (h)" : scale == 60 ? "Time (min)" : "Time (s)";
  double *x = malloc((np + 1) * sizeof *x), *y = malloc((np + 1) * sizeof *y);
  hs_plot *p = hs_plot_new(900, 40 + 170 * (double)(n ? n : 1), title);
  char *svg = NULL;
  if (!x || !y || !p) {
    hs_err_set(err, HS_ERR_NOMEM, "trend: out of memory");
    goto done;
  }
  for (size_t j = 0; j < n; j++) {
    size_t k = 0;
    while (k < tr->nm && strcmp(tr->name[k], metrics[j]) != 0) k++;
    if (k == tr->nm) { /* name the valid ones, as every name error does */
      char known[HS_ERRMSG_MAX - 96] = "";
      size_t kl = 0;
      for (size_t q = 0; q < tr->nm && kl + 1 < sizeof known; q++) {
        int w2 = snprintf(known + kl, sizeof known - kl, "%s%s", q ? ", " : "", tr->name[q]);
        if (w2 < 0 || (size_t)w2 >= sizeof known - kl) { /* full: end with an ellipsis */
          snprintf(known + (kl > sizeof known - 6 ? sizeof known - 6 : kl), 6, ", ...");
          break;
        }
        kl += (size_t)w2;
      }
      hs_err_set(err, HS_ERR_UNKNOWN, "trend: unknown metric '%.60s' (known: %s)", metrics[j],
                 known);
      goto done;
    }
    char lab[160];
    snprintf(lab, sizeof lab, "%s (%s)", metrics[j], tr->unit[k]);
    int panel = hs_plot_add_panel(p, xl, lab);
    if (panel < 0) {
      hs_err_set(err, HS_ERR_NOMEM, "trend: out of memory");
      goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < np; i++) {
      const double *r = src + i * w;
      double t = use_beats ? r[1] : 0.5 * (r[0] + r[1]), v = r[w - tr->nm + k];
      if (!isfinite(v)) continue; /* undefined in this interval (e.g. no ejection) */
      x[m] = t / scale, y[m] = v, m++;
    }
    if (m && hs_plot_add_series(p, panel, metrics[j], x, y, m, HS_PLOT_LINE, err)) goto done;
    for (size_t e = 0; m && e < tr->nev; e++) { /* event markers at the trend's value */
      double te = tr->ev[e].t / scale, ye = y[0];
      for (size_t i = 0; i < m; i++) { /* linear between the points around the event */
        if (x[i] <= te) ye = y[i];
        if (x[i] >= te) {
          if (i > 0 && x[i] > x[i - 1] && x[i - 1] <= te)
            ye = y[i - 1] + (y[i] - y[i - 1]) * (te - x[i - 1]) / (x[i] - x[i - 1]);
          break;
        }
      }
      if (hs_plot_add_marker(p, panel, te, ye, j == 0 ? tr->ev[e].label : NULL, err)) goto done;
    }
  }
  svg = hs_plot_render_svg(p, err);
done:
  hs_plot_free(p);
  free(x);
  free(y);
  free(rows);
  return svg;
}
