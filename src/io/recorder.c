/*
 * io/recorder.c - sampled waveforms: a CSV stream and the figures.
 *
 * The recorder is the simulation's sampler.  At each sample it appends one CSV
 * row of the chosen signals (streamed to an atomic file, so long runs need no
 * memory) and pushes the fixed figure signals into a ring buffer holding the
 * last keep_s seconds, from which the pressure-volume loops and pressure
 * waveforms are drawn with the SVG plot module.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/output.h"
#include "hemosim/plot.h"

enum { SIG_P, SIG_V, SIG_Q };
typedef struct sig {
  int kind, index;
} sig;

/* figure signals, in ring order after time */
enum { F_PLV, F_VLV, F_PRV, F_VRV, F_PAO, F_PLA, F_PPA, F_PRA, F_PUP, F_COUNT };
static const char *const FIG_SIGNALS[F_COUNT] = {"p:lv", "v:lv", "p:rv", "v:rv",
                                                 "p:aortic_root", "p:la", "p:pa", "p:ra",
                                                 "p:upper_arteries"};

struct hs_recorder {
  const hs_plan *pl;
  sig *csv;
  int ncsv;
  hs_afile *out;
  double dt;
  sig fig[F_COUNT];
  double *ring; /* cap rows of (1 + F_COUNT) values */
  size_t cap, count, head;
  int failed;
};

/* The plan's node (edges = 0) or edge names, comma-separated, cut with ", ..." to fit. */
static void plan_names(const hs_plan *pl, int edges, char *buf, size_t n) {
  size_t count = edges ? hs_plan_edge_count(pl) : hs_plan_node_count(pl), used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < count; i++) {
    const char *name = edges ? hs_plan_edge_name(pl, i) : hs_plan_node_name(pl, i);
    size_t need = strlen(name) + (i ? 2 : 0);
    if (used + need + 5 >= n) {
      snprintf(buf + used, n - used, "%s...", i ? ", " : "");
      return;
    }
    used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", name);
  }
}

static hs_status parse_signal(const hs_plan *pl, const char *s, size_t len, sig *out,
                              hs_err *err) {
  char names[700];
  char name[96];
  if (len < 3 || len >= sizeof name || s[1] != ':')
    return hs_err_set(err, HS_ERR_INVALID,
                      "signal '%.*s' must look like p:<node>, v:<node> or q:<edge>", (int)len, s);
  memcpy(name, s + 2, len - 2);
  name[len - 2] = '\0';
  if (s[0] == 'p' || s[0] == 'v') {
    out->kind = s[0] == 'p' ? SIG_P : SIG_V;
    out->index = hs_plan_node_find(pl, name);
    if (out->index < 0) {
      plan_names(pl, 0, names, sizeof names);
      return hs_err_set(err, HS_ERR_UNKNOWN, "signal '%.*s': no node named '%s' (nodes: %s)",
                        (int)len, s, name, names);
    }
  } else if (s[0] == 'q') {
    out->kind = SIG_Q;
    out->index = hs_plan_edge_find(pl, name);
    if (out->index < 0) {
      plan_names(pl, 1, names, sizeof names);
      return hs_err_set(err, HS_ERR_UNKNOWN, "signal '%.*s': no edge named '%s' (edges: %s)",
                        (int)len, s, name, names);
    }
  } else {
    return hs_err_set(err, HS_ERR_INVALID,
                      "signal '%.*s': the prefix must be p (pressure), v (volume) or q (flow)",
                      (int)len, s);
  }
  return HS_OK;
}

void hs_recorder_free(hs_recorder *r) {
  if (!r) return;
  hs_afile_abort(r->out);
  free(r->csv);
  free(r->ring);
  free(r);
}

static const char *sig_name(const hs_plan *pl, sig g) {
  return g.kind == SIG_Q ? hs_plan_edge_name(pl, (size_t)g.index)
                         : hs_plan_node_name(pl, (size_t)g.index);
}

hs_recorder *hs_recorder_new(const hs_plan *pl, const char *signals, const char *csv_path,
                             double rate_hz, double keep_s, hs_err *err) {
  if (!(rate_hz > 0 && rate_hz <= 1e5)) {
    hs_err_set(err, HS_ERR_RANGE, "sample rate %g Hz is out of range (0, 100000] Hz", rate_hz);
    return NULL;
  }
  if (!(keep_s >= 0 && keep_s <= 3600)) {
    hs_err_set(err, HS_ERR_RANGE, "figure window %g s is out of range [0, 3600] s", keep_s);
    return NULL;
  }
  hs_recorder *r = calloc(1, sizeof *r);
  if (!r) goto nomem;
  r->pl = pl;
  r->dt = 1.0 / rate_hz;
  if (!signals) signals = HS_DEFAULT_SIGNALS;
  size_t n = 1;
  for (const char *c = signals; *c; c++) n += *c == ',';
  r->csv = calloc(n, sizeof *r->csv);
  if (!r->csv) goto nomem;
  for (const char *s = signals; *s;) {
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (parse_signal(pl, s, len, &r->csv[r->ncsv++], err) != HS_OK) goto fail;
    s += len + (e ? 1 : 0);
  }
  for (int i = 0; i < F_COUNT; i++)
    if (parse_signal(pl, FIG_SIGNALS[i], strlen(FIG_SIGNALS[i]), &r->fig[i], err) != HS_OK)
      goto fail;
  r->cap = (size_t)(keep_s * rate_hz) + 2;
  r->ring = malloc(r->cap * (1 + F_COUNT) * sizeof(double));
  if (!r->ring) goto nomem;
  if (csv_path) {
    r->out = hs_afile_open(csv_path, err);
    if (!r->out) goto fail;
    FILE *f = hs_afile_stream(r->out);
    fputs("t_s", f);
    static const char *const unit[] = {"mmhg", "ml", "mls"};
    for (int i = 0; i < r->ncsv; i++)
      fprintf(f, ",%c_%s_%s", "pvq"[r->csv[i].kind], sig_name(pl, r->csv[i]),
              unit[r->csv[i].kind]);
    fputc('\n', f);
  }
  return r;
nomem:
  hs_err_set(err, HS_ERR_NOMEM, "out of memory creating a recorder");
fail:
  hs_recorder_free(r);
  return NULL;
}

static double value(const hs_sample *s, sig g) {
  return g.kind == SIG_P ? s->pressure[g.index]
         : g.kind == SIG_V ? s->volume[g.index]
                           : s->flow[g.index];
}

static int on_sample(const hs_sample *s, void *ud) {
  hs_recorder *r = ud;
  if (r->out) {
    FILE *f = hs_afile_stream(r->out);
    fprintf(f, "%.5f", s->t);
    for (int i = 0; i < r->ncsv; i++) {
      double v = value(s, r->csv[i]);
      if (isfinite(v)) fprintf(f, ",%.6g", v);
      else fputc(',', f); /* undefined: an empty cell, never "nan" */
    }
    if (fputc('\n', f) == EOF) {
      r->failed = 1;
      return 1;
    }
  }
  double *row = r->ring + r->head * (1 + F_COUNT);
  row[0] = s->t;
  for (int i = 0; i < F_COUNT; i++) row[1 + i] = value(s, r->fig[i]);
  r->head = (r->head + 1) % r->cap;
  if (r->count < r->cap) r->count++;
  return 0;
}

hs_status hs_recorder_attach(hs_recorder *r, hs_sim *sim, hs_err *err) {
  return hs_sim_set_sampler(sim, r->dt, on_sample, r, err);
}

hs_status hs_recorder_finish(hs_recorder *r, hs_err *err) {
  if (r->failed) return hs_err_set(err, HS_ERR_IO, "writing the CSV failed (disk full?)");
  if (!r->out) return HS_OK;
  hs_afile *a = r->out;
  r->out = NULL;
  return hs_afile_commit(a, err);
}

/* Copy the last last_s seconds of figure column k into a new array; *n rows. */
static double *column(const hs_recorder *r, double last_s, int k, size_t *n) {
  if (r->count == 0) {
    *n = 0;
    return NULL;
  }
  size_t newest = (r->head + r->cap - 1) % r->cap;
  double tend = r->ring[newest * (1 + F_COUNT)];
  size_t start = (r->head + r->cap - r->count) % r->cap, m = 0;
  double *out = malloc(r->count * sizeof(double));
  if (!out) return NULL;
  for (size_t j = 0; j < r->count; j++) {
    const double *row = r->ring + ((start + j) % r->cap) * (1 + F_COUNT);
    if (row[0] < tend - last_s - 1e-9) continue;
    out[m++] = k < 0 ? row[0] : row[1 + k];
  }
  *n = m;
  return out;
}

static char *render(hs_plot *p, hs_err *err) {
  char *svg = hs_plot_render_svg(p, err);
  hs_plot_free(p);
  return svg;
}

char *hs_recorder_pv_svg(const hs_recorder *r, double last_s, const char *title, hs_err *err) {
  size_t n = 0;
  double *vl = column(r, last_s, F_VLV, &n), *pl = column(r, last_s, F_PLV, &n);
  double *vr = column(r, last_s, F_VRV, &n), *pr = column(r, last_s, F_PRV, &n);
  hs_plot *p = hs_plot_new(900, 520, title);
  char *svg = NULL;
  if (!p || (n && (!vl || !pl || !vr || !pr))) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory drawing the PV loops");
    goto done;
  }
  if (n < 2) {
    hs_err_set(err, HS_ERR_STATE, "no samples recorded: run the simulation with a recorder");
    goto done;
  }
  int a = hs_plot_add_panel(p, "Volume (mL)", "Pressure (mmHg)");
  if (a < 0) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory drawing the PV loops");
    goto done;
  }
  if (hs_plot_add_series(p, a, "left ventricle", vl, pl, n, HS_PLOT_LINE, err) ||
      hs_plot_add_series(p, a, "right ventricle", vr, pr, n, HS_PLOT_LINE, err))
    goto done;
  svg = render(p, err);
  p = NULL;
done:
  hs_plot_free(p);
  free(vl), free(pl), free(vr), free(pr);
  return svg;
}

char *hs_recorder_waveform_svg(const hs_recorder *r, double last_s, const char *title,
                               hs_err *err) {
  size_t n = 0;
  double *t = column(r, last_s, -1, &n);
  double *c[F_COUNT] = {0};
  char *svg = NULL;
  hs_plot *p = hs_plot_new(900, 720, title);
  int ok = p && t;
  for (int k = 0; k < F_COUNT; k++) ok = ok && (c[k] = column(r, last_s, k, &n)) != NULL;
  if (!ok) {
    hs_err_set(err, n ? HS_ERR_NOMEM : HS_ERR_STATE,
               n ? "out of memory drawing waveforms" : "no samples recorded");
    goto done;
  }
  double t0 = t[0];
  for (size_t i = 0; i < n; i++) t[i] -= t0;
  int left = hs_plot_add_panel(p, "Time (s)", "Left heart (mmHg)");
  int right = hs_plot_add_panel(p, "Time (s)", "Right heart (mmHg)");
  if (left < 0 || right < 0) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory drawing waveforms");
    goto done;
  }
  if (hs_plot_add_series(p, left, "LV", t, c[F_PLV], n, HS_PLOT_LINE, err) ||
      hs_plot_add_series(p, left, "aortic root", t, c[F_PAO], n, HS_PLOT_LINE, err) ||
      hs_plot_add_series(p, left, "radial (upper limb)", t, c[F_PUP], n, HS_PLOT_DASHED, err) ||
      hs_plot_add_series(p, left, "LA", t, c[F_PLA], n, HS_PLOT_LINE, err) ||
      hs_plot_add_series(p, right, "RV", t, c[F_PRV], n, HS_PLOT_LINE, err) ||
      hs_plot_add_series(p, right, "pulmonary artery", t, c[F_PPA], n, HS_PLOT_LINE, err) ||
      hs_plot_add_series(p, right, "RA", t, c[F_PRA], n, HS_PLOT_LINE, err))
    goto done;
  svg = render(p, err);
  p = NULL;
done:
  hs_plot_free(p);
  free(t);
  for (int k = 0; k < F_COUNT; k++) free(c[k]);
  return svg;
}
