/*
 * io/plot_svg.c - line plots rendered as standalone SVG 1.1 text (see hemosim/plot.h).
 *
 * What it draws: a white page with an optional bold title at the top, then the
 * panels stacked vertically.  Every panel has light-grey gridlines at the ticks,
 * the series (clipped to the panel), a dark frame, outward tick marks with numeric
 * labels on both axes, an x label below and a rotated y label on the left, the
 * labelled point markers, and a legend when any series of the panel has a name
 * (placed in the corner of the panel that covers the fewest data points, or to the
 * right of the frame with hs_plot_legend_outside).
 *
 * Conventions:
 *  - Ticks are "nice" 1-2-5 x 10^k steps, about one per 50 px (y) or 100 px (x).
 *  - An automatic range covers every series point and marker of the panel and is
 *    rounded outward to ticks.  The y range is first widened by 3% of the data span
 *    (never across zero when the data lie on one side of it); the x range only when
 *    the panel has dots or a marker at an x extreme (line waveforms should fill the
 *    panel).  A constant coordinate gets +-10% of its magnitude (+-1 around zero);
 *    a panel without data shows 0..1.  If the legend would hide data in every
 *    corner, an automatic y range gets one more interval on top when that frees a
 *    top corner.  A fixed range is used exactly as given.
 *  - Tick labels use as few decimals as the step needs, drop trailing zeros ("0.5",
 *    "1") and never read "-0"; magnitudes >= 1e6 or steps < 1e-4 switch to compact
 *    exponents ("2.5e6", "5e-6").
 *  - Coordinates are printed with at most 2 decimals; every point is written
 *    (no decimation).  Points far outside a fixed range are pulled in to 1e6 panel
 *    widths so the numbers stay bounded.
 *  - Colours cycle per panel through the Okabe-Ito palette (colour-blind safe).  A
 *    series without a name takes the colour (and legend entry) of the series before
 *    it: it is drawn as part of that series (e.g. the line joining its markers).
 *    Past the palette's 8 colours the cycle repeats with a different dash pattern
 *    (dotted, then dash-dot), so 24 series stay distinguishable.
 *  - Element ids (clip paths, panels) carry a prefix hashed from the plot's content
 *    ("hs1a2b3c4d-clip-0"), so several plots inlined in one HTML page never share
 *    an id (a shared clip id makes every plot clip to the first one's panel).
 *  - All user text is XML-escaped; control characters and malformed UTF-8 become '?'.
 *  - A series of one point is drawn as a dot (a one-point polyline is invisible).
 *  - hs_plot_new returns NULL for a size that is not finite and in (0, 1e5] px;
 *    a NULL or empty title draws no title line.
 *
 * Ownership: the plot owns copies of every string and point array it is given;
 * hs_plot_free releases them.  hs_plot_render_svg returns a malloc'd string the
 * caller frees.  No global mutable state, no I/O; errors go to the caller's hs_err.
 */
#include "hemosim/plot.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define HS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HS_PRINTF(a, b)
#endif

/* ---------------------------------------------------------------- data model */

typedef struct plot_series {
  char *name;  /* NULL: not in the legend */
  double *xy;  /* 2n values, interleaved x0 y0 x1 y1 ... */
  size_t n;
  hs_plot_style style;
} plot_series;

typedef struct plot_marker {
  double x, y;
  char *label; /* NULL: circle only */
} plot_marker;

typedef struct plot_panel {
  char *x_label, *y_label;
  int x_fixed, y_fixed;
  double x_lo, x_hi, y_lo, y_hi;
  plot_series *series;
  size_t n_series, cap_series;
  plot_marker *markers;
  size_t n_markers, cap_markers;
  double *xt;      /* explicit x ticks (discrete settings), NULL: automatic */
  char **xt_label;
  size_t n_xt;
} plot_panel;

struct hs_plot {
  double width, height;
  char *title;
  int legend_outside; /* legends right of the frames (hs_plot_legend_outside) */
  plot_panel *panels;
  size_t n_panels, cap_panels;
};

/* ------------------------------------------------------------- page styling */

#define FONT_TITLE 18.0
#define FONT_LABEL 14.0
#define FONT_TICK 12.0
#define FONT_LEGEND 12.0
#define TICK_LEN 5.0
#define LINE_W 2.0
#define PLOT_MIN_PX 30.0 /* smallest panel plot area we agree to draw */
#define GAP_ABOVE 6.0    /* between a panel's slot top and its frame */
#define X_AXIS_H 46.0    /* below the frame: tick marks, tick labels, x label */

static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
#define PALETTE_N (sizeof palette / sizeof palette[0])

/* Colour slot of each series of a panel: unnamed series continue the previous one. */
static size_t colour_slot(const plot_panel *pn, size_t s) {
  size_t slot = 0;
  for (size_t i = 1; i <= s && i < pn->n_series; i++)
    if (pn->series[i].name) slot++;
  return slot;
}

/* Dash pattern of a line in colour slot `slot` (style DASHED keeps its dashes). */
static const char *dash_of(hs_plot_style style, size_t slot) {
  static const char *const cycle_line[] = {"", " stroke-dasharray=\"2 3\"",
                                           " stroke-dasharray=\"9 3 2 3\""};
  static const char *const cycle_dashed[] = {" stroke-dasharray=\"7 4\"",
                                             " stroke-dasharray=\"7 3 2 3\"",
                                             " stroke-dasharray=\"12 4\""};
  size_t cyc = (slot / PALETTE_N) % 3;
  if (style == HS_PLOT_THICK) return ""; /* the highlighted series: solid, wide */
  return style == HS_PLOT_DASHED ? cycle_dashed[cyc] : cycle_line[cyc];
}

/* ------------------------------------------------------------ string builder */

typedef struct sbuf {
  char *s;
  size_t len, cap; /* when s != NULL: len < cap and s[len] == '\0' */
  int failed;      /* an allocation failed; everything after it is dropped */
} sbuf;

static int sb_reserve(sbuf *b, size_t extra) {
  if (b->failed) return 0;
  if (b->cap > b->len && b->cap - b->len > extra) return 1;
  if (b->len > SIZE_MAX / 4 || extra > SIZE_MAX / 4 - b->len) {
    b->failed = 1;
    return 0;
  }
  size_t need = b->len + extra + 1;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < need) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->failed = 1;
    return 0;
  }
  b->s = s;
  b->cap = cap;
  return 1;
}

static void sb_putn(sbuf *b, const char *text, size_t n) {
  if (!sb_reserve(b, n)) return;
  memcpy(b->s + b->len, text, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *text) { sb_putn(b, text, strlen(text)); }

static void sb_printf(sbuf *b, const char *fmt, ...) HS_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...) {
  if (b->failed) return;
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  size_t room = b->s ? b->cap - b->len : 0;
  int n = vsnprintf(room ? b->s + b->len : NULL, room, fmt, ap);
  if (n >= 0 && (size_t)n >= room) {
    if (sb_reserve(b, (size_t)n)) n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
    else n = -1;
  }
  if (n < 0) b->failed = 1; /* our formats cannot fail otherwise: treat as no memory */
  else b->len += (size_t)n;
  va_end(ap2);
  va_end(ap);
}

/* Length of a valid UTF-8 sequence allowed in XML 1.0 starting at t, or 0. */
static size_t utf8_len(const unsigned char *t) {
  unsigned c = t[0];
  if (c >= 0xC2 && c <= 0xDF) return (t[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = (c == 0xE0) ? 0xA0 : 0x80, hi = (c == 0xED) ? 0x9F : 0xBF;
    if (t[1] < lo || t[1] > hi || (t[2] & 0xC0) != 0x80) return 0;
    if (c == 0xEF && t[1] == 0xBF && (t[2] == 0xBE || t[2] == 0xBF)) return 0; /* U+FFFE/F */
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = (c == 0xF0) ? 0x90 : 0x80, hi = (c == 0xF4) ? 0x8F : 0xBF;
    if (t[1] < lo || t[1] > hi || (t[2] & 0xC0) != 0x80 || (t[3] & 0xC0) != 0x80) return 0;
    return 4;
  }
  return 0;
}

/* Append text escaped for XML character data and attribute values. */
static void sb_escape(sbuf *b, const char *text) {
  const unsigned char *t = (const unsigned char *)text;
  while (*t) {
    const unsigned char *run = t;
    while (*t >= 0x20 && *t < 0x80 && *t != '&' && *t != '<' && *t != '>' && *t != '"' &&
           *t != '\'')
      t++;
    sb_putn(b, (const char *)run, (size_t)(t - run));
    if (!*t) break;
    switch (*t) {
      case '&': sb_puts(b, "&amp;"); break;
      case '<': sb_puts(b, "&lt;"); break;
      case '>': sb_puts(b, "&gt;"); break;
      case '"': sb_puts(b, "&quot;"); break;
      case '\'': sb_puts(b, "&apos;"); break;
      case '\t': case '\n': case '\r': sb_putn(b, (const char *)t, 1); break;
      default: {
        size_t n = *t >= 0x80 ? utf8_len(t) : 0;
        if (n) {
          sb_putn(b, (const char *)t, n);
          t += n;
          continue;
        }
        sb_putn(b, "?", 1); /* control character or malformed UTF-8 */
      }
    }
    t++;
  }
}

/* Append a pixel value with at most two decimals and no trailing zeros. */
static void sb_coord(sbuf *b, double v) {
  char buf[32], *e = buf + sizeof buf, *q = e;
  long long c = llround(v * 100.0); /* |v| <= ~1e11 px by construction (clamp_unit) */
  int neg = c < 0;
  unsigned long long u = neg ? (unsigned long long)(-c) : (unsigned long long)c;
  unsigned frac = (unsigned)(u % 100);
  u /= 100;
  if (frac) {
    if (frac % 10) *--q = (char)('0' + frac % 10);
    *--q = (char)('0' + frac / 10);
    *--q = '.';
  }
  do {
    *--q = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) *--q = '-';
  sb_putn(b, q, (size_t)(e - q));
}

/* --------------------------------------------------------------- small helpers */

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Estimated width of UTF-8 text in px: per-character widths (in em) close to common
   sans-serif faces (DejaVu Sans, Arial), rounded up a little.  Used for margins,
   legend boxes and label placement only; the viewer does the real layout. */
static double text_width(const char *s, double font_px) {
  double em = 0;
  for (const unsigned char *t = (const unsigned char *)s; *t; t++) {
    unsigned c = *t;
    if ((c & 0xC0) == 0x80) continue; /* UTF-8 continuation byte */
    if (c >= '0' && c <= '9') em += 0.64;
    else if (strchr(" .,:;!'|iljI", (int)c)) em += 0.32;
    else if (strchr("()[]-frt", (int)c)) em += 0.42;
    else if (strchr("mwMW", (int)c)) em += 0.9;
    else if (c >= 'A' && c <= 'Z') em += 0.7;
    else em += 0.6;
  }
  return em * font_px;
}

static const char *non_finite_name(double v) {
  return isnan(v) ? "NaN" : (v > 0 ? "+infinity" : "-infinity");
}

static hs_status check_panel(const hs_plot *p, int panel, const char *what, hs_err *err) {
  if (!p) return hs_err_set(err, HS_ERR_INVALID, "%s: plot is NULL", what);
  if (panel < 0 || (size_t)panel >= p->n_panels)
    return hs_err_set(err, HS_ERR_RANGE, "%s: no panel %d (the plot has %zu panel%s)", what,
                      panel, p->n_panels, p->n_panels == 1 ? "" : "s");
  return HS_OK;
}

/* ------------------------------------------------------------------ plot API */

hs_plot *hs_plot_new(double width_px, double height_px, const char *title) {
  if (!isfinite(width_px) || !isfinite(height_px) || width_px <= 0 || height_px <= 0 ||
      width_px > 1e5 || height_px > 1e5)
    return NULL;
  hs_plot *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->width = width_px;
  p->height = height_px;
  if (title && title[0] && !(p->title = dup_str(title))) {
    free(p);
    return NULL;
  }
  return p;
}

static void panel_release(plot_panel *pn) {
  for (size_t i = 0; i < pn->n_series; i++) {
    free(pn->series[i].name);
    free(pn->series[i].xy);
  }
  for (size_t i = 0; i < pn->n_markers; i++) free(pn->markers[i].label);
  for (size_t i = 0; i < pn->n_xt; i++) free(pn->xt_label[i]);
  free(pn->xt);
  free(pn->xt_label);
  free(pn->series);
  free(pn->markers);
  free(pn->x_label);
  free(pn->y_label);
}

void hs_plot_free(hs_plot *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n_panels; i++) panel_release(&p->panels[i]);
  free(p->panels);
  free(p->title);
  free(p);
}

/* Make room for one more element in a growing array; 0 on allocation failure. */
static int grow(void **items, size_t *cap, size_t count, size_t size) {
  if (count < *cap) return 1;
  size_t ncap = *cap ? *cap * 2 : 4;
  if (ncap > SIZE_MAX / size) return 0;
  void *q = realloc(*items, ncap * size);
  if (!q) return 0;
  *items = q;
  *cap = ncap;
  return 1;
}

int hs_plot_add_panel(hs_plot *p, const char *x_label, const char *y_label) {
  if (!p || p->n_panels >= (size_t)INT_MAX) return -1;
  void *items = p->panels;
  if (!grow(&items, &p->cap_panels, p->n_panels, sizeof *p->panels)) return -1;
  p->panels = items;
  plot_panel pn;
  memset(&pn, 0, sizeof pn);
  pn.x_label = dup_str(x_label ? x_label : "");
  pn.y_label = dup_str(y_label ? y_label : "");
  if (!pn.x_label || !pn.y_label) {
    panel_release(&pn);
    return -1;
  }
  p->panels[p->n_panels] = pn;
  return (int)p->n_panels++;
}

static hs_status set_range(hs_plot *p, int panel, char axis, double lo, double hi,
                           hs_err *err) {
  const char *what = axis == 'x' ? "hs_plot_set_xrange" : "hs_plot_set_yrange";
  hs_status st = check_panel(p, panel, what, err);
  if (st) return st;
  if (!isfinite(lo) || !isfinite(hi) || !(lo < hi) || !isfinite(hi - lo))
    return hs_err_set(err, HS_ERR_INVALID,
                      "%s: panel %d: range [%g, %g] is invalid (need finite lo < hi)", what,
                      panel, lo, hi);
  plot_panel *pn = &p->panels[panel];
  if (axis == 'x') {
    pn->x_fixed = 1;
    pn->x_lo = lo;
    pn->x_hi = hi;
  } else {
    pn->y_fixed = 1;
    pn->y_lo = lo;
    pn->y_hi = hi;
  }
  return HS_OK;
}

void hs_plot_legend_outside(hs_plot *p) {
  if (p) p->legend_outside = 1;
}

hs_status hs_plot_set_xrange(hs_plot *p, int panel, double lo, double hi, hs_err *err) {
  return set_range(p, panel, 'x', lo, hi, err);
}

hs_status hs_plot_set_yrange(hs_plot *p, int panel, double lo, double hi, hs_err *err) {
  return set_range(p, panel, 'y', lo, hi, err);
}

hs_status hs_plot_add_series(hs_plot *p, int panel, const char *name, const double *x,
                             const double *y, size_t n, hs_plot_style style, hs_err *err) {
  hs_status st = check_panel(p, panel, "hs_plot_add_series", err);
  if (st) return st;
  plot_panel *pn = &p->panels[panel];
  size_t idx = pn->n_series;
  char who[64]; /* for unnamed series; named ones are quoted in full */
  snprintf(who, sizeof who, "#%zu", idx);
  const char *q = name ? "'" : "";
  const char *nm = name ? name : who;
  if (style != HS_PLOT_LINE && style != HS_PLOT_DASHED && style != HS_PLOT_MARKERS &&
      style != HS_PLOT_THICK)
    return hs_err_set(err, HS_ERR_INVALID, "plot panel %d: series %s%s%s: unknown style %d",
                      panel, q, nm, q, (int)style);
  if (n == 0)
    return hs_err_set(err, HS_ERR_INVALID,
                      "plot panel %d: series %s%s%s is empty (n = 0); a series needs at "
                      "least one point",
                      panel, q, nm, q);
  if (!x || !y)
    return hs_err_set(err, HS_ERR_INVALID, "plot panel %d: series %s%s%s: %s array is NULL",
                      panel, q, nm, q, !x ? "x" : "y");
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i])) {
      char axis = isfinite(x[i]) ? 'y' : 'x';
      double v = axis == 'x' ? x[i] : y[i];
      return hs_err_set(err, HS_ERR_INVALID,
                        "plot panel %d: series %s%s%s: %c[%zu] is %s (every point must be "
                        "finite)",
                        panel, q, nm, q, axis, i, non_finite_name(v));
    }
  }
  if (n > SIZE_MAX / (2 * sizeof(double)))
    return hs_err_set(err, HS_ERR_NOMEM, "plot panel %d: series %s%s%s: %zu points is too many",
                      panel, q, nm, q, n);
  void *items = pn->series;
  if (!grow(&items, &pn->cap_series, pn->n_series, sizeof *pn->series))
    return hs_err_set(err, HS_ERR_NOMEM, "plot panel %d: no memory for another series", panel);
  pn->series = items;
  plot_series s;
  s.name = name ? dup_str(name) : NULL;
  s.xy = malloc(2 * n * sizeof(double));
  s.n = n;
  s.style = style;
  if (!s.xy || (name && !s.name)) {
    free(s.name);
    free(s.xy);
    return hs_err_set(err, HS_ERR_NOMEM, "plot panel %d: series %s%s%s: no memory for %zu points",
                      panel, q, nm, q, n);
  }
  for (size_t i = 0; i < n; i++) {
    s.xy[2 * i] = x[i];
    s.xy[2 * i + 1] = y[i];
  }
  pn->series[pn->n_series++] = s;
  return HS_OK;
}

hs_status hs_plot_add_marker(hs_plot *p, int panel, double x, double y, const char *label,
                             hs_err *err) {
  hs_status st = check_panel(p, panel, "hs_plot_add_marker", err);
  if (st) return st;
  plot_panel *pn = &p->panels[panel];
  if (!isfinite(x) || !isfinite(y)) {
    const char *axis = isfinite(x) ? "y" : "x", *what = non_finite_name(isfinite(x) ? y : x);
    if (label)
      return hs_err_set(err, HS_ERR_INVALID,
                        "plot panel %d: marker '%s': %s is %s (must be finite)", panel, label,
                        axis, what);
    return hs_err_set(err, HS_ERR_INVALID, "plot panel %d: marker #%zu: %s is %s (must be finite)",
                      panel, pn->n_markers, axis, what);
  }
  void *items = pn->markers;
  if (!grow(&items, &pn->cap_markers, pn->n_markers, sizeof *pn->markers))
    return hs_err_set(err, HS_ERR_NOMEM, "plot panel %d: no memory for another marker", panel);
  pn->markers = items;
  plot_marker m = {x, y, NULL};
  if (label && !(m.label = dup_str(label)))
    return hs_err_set(err, HS_ERR_NOMEM, "plot panel %d: no memory for a marker label", panel);
  pn->markers[pn->n_markers++] = m;
  return HS_OK;
}

hs_status hs_plot_set_xticks(hs_plot *p, int panel, const double *at,
                             const char *const *labels, size_t n, hs_err *err) {
  hs_status st = check_panel(p, panel, "hs_plot_set_xticks", err);
  if (st) return st;
  if (n == 0 || n > HS_PLOT_MAX_TICKS || !at || !labels)
    return hs_err_set(err, HS_ERR_INVALID,
                      "hs_plot_set_xticks: panel %d: need 1 to %d ticks with labels (got %zu)",
                      panel, HS_PLOT_MAX_TICKS, n);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(at[i]) || (i && !(at[i] > at[i - 1])))
      return hs_err_set(err, HS_ERR_INVALID,
                        "hs_plot_set_xticks: panel %d: tick %zu at %g: positions must be finite "
                        "and strictly increasing",
                        panel, i, at[i]);
    if (!labels[i])
      return hs_err_set(err, HS_ERR_INVALID, "hs_plot_set_xticks: panel %d: tick %zu has no label",
                        panel, i);
  }
  plot_panel *pn = &p->panels[panel];
  double *xt = malloc(n * sizeof *xt);
  char **lab = calloc(n, sizeof *lab);
  int ok = xt && lab;
  for (size_t i = 0; ok && i < n; i++) ok = (lab[i] = dup_str(labels[i])) != NULL;
  if (!ok) {
    for (size_t i = 0; lab && i < n; i++) free(lab[i]);
    free(lab);
    free(xt);
    return hs_err_set(err, HS_ERR_NOMEM, "hs_plot_set_xticks: out of memory");
  }
  memcpy(xt, at, n * sizeof *xt);
  for (size_t i = 0; i < pn->n_xt; i++) free(pn->xt_label[i]);
  free(pn->xt);
  free(pn->xt_label);
  pn->xt = xt;
  pn->xt_label = lab;
  pn->n_xt = n;
  return HS_OK;
}

/* ------------------------------------------------------------------- axes */

typedef struct axis {
  double lo, hi;   /* the range drawn */
  double step;     /* tick spacing = mant * 10^expo10 */
  double k0;       /* first tick = k0 * step */
  size_t n_ticks;
  int expo10;
  int exp_format;  /* labels as "2.5e6" */
  int sig;         /* significant digits in exponent format */
  int decimals;    /* decimals in fixed format */
} axis;

static const double nice_mant[3] = {1.0, 2.0, 5.0};

/* A data range narrower than this fraction of its magnitude is drawn as a constant: below
   it the ticks would need more significant digits than a double carries. */
#define HS_PLOT_FLAT_REL 1e-9

/* The i-th 1-2-5 step: nice_mant[i mod 3] * 10^(i div 3), rounding towards -infinity. */
static double nice_value(int i, int *expo10) {
  int e = i >= 0 ? i / 3 : -((2 - i) / 3);
  *expo10 = e;
  return nice_mant[i - 3 * e] * (e >= 0 ? pow(10.0, e) : 1.0 / pow(10.0, -e));
}

/* Index of the smallest 1-2-5 step >= raw (raw > 0, finite). */
static int nice_index(double raw) {
  int i = 3 * (int)floor(log10(raw)), e;
  while (nice_value(i, &e) < raw * (1 - 1e-12)) i++;
  while (nice_value(i - 1, &e) >= raw * (1 - 1e-12)) i--; /* if log10 rounded up */
  return i;
}

/* Label format for the ticks of a: fixed decimals, or exponents for extreme magnitudes. */
static void axis_label_format(axis *a) {
  double maxabs = fmax(fabs(a->lo), fabs(a->hi));
  a->exp_format = maxabs >= 1e6 || a->expo10 < -4;
  a->decimals = a->expo10 < 0 ? -a->expo10 : 0;
  int sig = (int)floor(log10(maxabs)) - a->expo10 + 1;
  a->sig = sig < 1 ? 1 : (sig > 17 ? 17 : sig);
}

/*
 * Choose range and ticks.  data_lo/hi are valid when have_data; target is the wanted
 * number of tick intervals.  Among the 1-2-5 steps around range/target, picks the one
 * whose interval count is closest to target, penalising range wasted by rounding out.
 */
static hs_status axis_setup(axis *a, int fixed, double lo, double hi, int have_data,
                            double data_lo, double data_hi, int pad, double target,
                            int panel, char name, hs_err *err) {
  if (!fixed) {
    if (!have_data) {
      lo = 0.0;
      hi = 1.0;
    } else if (data_hi - data_lo <= HS_PLOT_FLAT_REL * fmax(fabs(data_lo), fabs(data_hi))) {
      /* Constant, or constant up to rounding (a value recomputed by a long run differs in
         its last bits: 13.999999999999998 .. 14): +-10 % of the magnitude, or +-1 at 0. */
      double mid = 0.5 * (data_lo + data_hi);
      double d = mid != 0.0 ? fabs(mid) * 0.1 : 1.0;
      lo = mid - d;
      hi = mid + d;
    } else {
      double d = pad ? 0.03 * (data_hi - data_lo) : 0.0;
      lo = data_lo - d;
      hi = data_hi + d;
      if (data_lo >= 0 && lo < 0) lo = 0;
      if (data_hi <= 0 && hi > 0) hi = 0;
    }
  }
  double raw = (hi - lo) / target;
  if (!isfinite(lo) || !isfinite(hi) || !isfinite(raw) || !(raw > 1e-300))
    return hs_err_set(err, HS_ERR_RANGE,
                      "plot panel %d: %c range [%g, %g] is too wide or too narrow to draw",
                      panel, name, lo, hi);
  int i0 = nice_index(raw);
  double best = INFINITY, step = 0, kl = 0, kh = 0;
  for (int i = i0 - 1; i <= i0 + 1; i++) {
    int e;
    double s = nice_value(i, &e), l, h, n, waste = 0;
    if (!isfinite(s) || !(s > 0)) continue;
    if (fixed) {
      l = ceil(lo / s - 1e-7);
      h = floor(hi / s + 1e-7);
      n = (hi - lo) / s;
    } else {
      l = floor(lo / s + 1e-7);
      h = ceil(hi / s - 1e-7);
      if (h <= l) h = l + 1;
      n = h - l;
      waste = n * s / (hi - lo) - 1;
    }
    if (!(fabs(l) < 1e15 && fabs(h) < 1e15 && isfinite(l * s) && isfinite(h * s))) continue;
    double score = fabs(n - target) + 4 * waste;
    if (score < best) {
      best = score;
      step = s;
      kl = l;
      kh = h;
      a->expo10 = e;
    }
  }
  if (!(best < INFINITY))
    return hs_err_set(err, HS_ERR_RANGE,
                      "plot panel %d: %c range [%.17g, %.17g] is too narrow for its magnitude",
                      panel, name, lo, hi);
  if (!fixed) {
    lo = kl * step;
    hi = kh * step;
  }
  a->lo = lo;
  a->hi = hi;
  a->step = step;
  a->k0 = kl;
  a->n_ticks = kh >= kl ? (size_t)(kh - kl) + 1 : 0;
  axis_label_format(a);
  return HS_OK;
}

/* One more tick interval on top of an automatic range (room for a legend). */
static void axis_extend_up(axis *a) {
  a->hi += a->step;
  a->n_ticks++;
  axis_label_format(a);
}

static double axis_tick(const axis *a, size_t i) { return (a->k0 + (double)i) * a->step; }

/* The x ticks of a panel: explicit (hs_plot_set_xticks) or the axis's own. */
static size_t xt_count(const plot_panel *pn, const axis *a) {
  return pn->n_xt ? pn->n_xt : a->n_ticks;
}
static double xt_at(const plot_panel *pn, const axis *a, size_t i) {
  return pn->n_xt ? pn->xt[i] : axis_tick(a, i);
}
static void format_tick(char *buf, size_t size, const axis *a, double v);
static void xt_label(const plot_panel *pn, const axis *a, size_t i, char *buf, size_t size) {
  if (pn->n_xt) snprintf(buf, size, "%s", pn->xt_label[i]);
  else format_tick(buf, size, a, axis_tick(a, i));
}

/* Format a tick value compactly into buf (never "-0"). */
static void format_tick(char *buf, size_t size, const axis *a, double v) {
  if (fabs(v) < a->step * 1e-6) v = 0.0;
  if (v == 0.0) {
    snprintf(buf, size, "0");
    return;
  }
  if (!a->exp_format) {
    snprintf(buf, size, "%.*f", a->decimals, v);
    if (strchr(buf, '.')) { /* compact: "2.50" -> "2.5", "1.0" -> "1" */
      char *z = buf + strlen(buf) - 1;
      while (*z == '0') *z-- = '\0';
      if (*z == '.') *z = '\0';
    }
    if (buf[0] == '-' && strspn(buf + 1, "0") == strlen(buf + 1))
      memmove(buf, buf + 1, strlen(buf)); /* "-0" -> "0" */
    return;
  }
  char tmp[32]; /* "%.*e" with <= 17 significant digits needs at most 25 */
  snprintf(tmp, sizeof tmp, "%.*e", a->sig - 1, v);
  char *e = strchr(tmp, 'e');
  if (!e) { /* cannot happen with %e; keep the text as is */
    snprintf(buf, size, "%s", tmp);
    return;
  }
  *e = '\0';
  const char *exp = e + 1;
  if (strchr(tmp, '.')) { /* drop trailing zeros of the mantissa */
    char *z = e - 1;
    while (*z == '0') *z-- = '\0';
    if (*z == '.') *z = '\0';
  }
  int ev = atoi(exp);
  snprintf(buf, size, "%se%d", tmp, ev);
}

/* ------------------------------------------------------------------ layout */

typedef struct panel_layout {
  double left, top, width, height; /* plot area in px */
  axis ax, ay;
  int legend_outside; /* legend right of the frame (hs_plot_legend_outside) */
} panel_layout;

static int panel_bounds(const plot_panel *pn, double *xlo, double *xhi, double *ylo,
                        double *yhi) {
  int have = 0;
  double a = 0, b = 0, c = 0, d = 0;
  for (size_t s = 0; s < pn->n_series; s++) {
    const double *xy = pn->series[s].xy;
    size_t n = pn->series[s].n;
    if (!have) {
      a = b = xy[0];
      c = d = xy[1];
      have = 1;
    }
    for (size_t i = 0; i < n; i++) {
      double x = xy[2 * i], y = xy[2 * i + 1];
      if (x < a) a = x;
      if (x > b) b = x;
      if (y < c) c = y;
      if (y > d) d = y;
    }
  }
  for (size_t m = 0; m < pn->n_markers; m++) {
    double x = pn->markers[m].x, y = pn->markers[m].y;
    if (!have) {
      a = b = x;
      c = d = y;
      have = 1;
    }
    if (x < a) a = x;
    if (x > b) b = x;
    if (y < c) c = y;
    if (y > d) d = y;
  }
  *xlo = a;
  *xhi = b;
  *ylo = c;
  *yhi = d;
  for (size_t t = 0; t < pn->n_xt; t++) { /* explicit ticks are inside the x range */
    if (!have) {
      a = b = pn->xt[t];
      c = d = 0;
      have = 1;
    }
    if (pn->xt[t] < a) a = pn->xt[t];
    if (pn->xt[t] > b) b = pn->xt[t];
  }
  return have;
}

static double clamp_unit(double t) { return t < -1e6 ? -1e6 : (t > 1e6 ? 1e6 : t); }

static double map_x(const panel_layout *L, double x) {
  return L->left + clamp_unit((x - L->ax.lo) / (L->ax.hi - L->ax.lo)) * L->width;
}

static double map_y(const panel_layout *L, double y) {
  return L->top + (1.0 - clamp_unit((y - L->ay.lo) / (L->ay.hi - L->ay.lo))) * L->height;
}

static int inside_range(const panel_layout *L, double x, double y) {
  double ex = (L->ax.hi - L->ax.lo) * 1e-9, ey = (L->ay.hi - L->ay.lo) * 1e-9;
  return x >= L->ax.lo - ex && x <= L->ax.hi + ex && y >= L->ay.lo - ey && y <= L->ay.hi + ey;
}

/* Widest tick label of an axis, in px. */
static double ticks_width(const axis *a) {
  double w = 0;
  char buf[64];
  for (size_t i = 0; i < a->n_ticks; i++) {
    format_tick(buf, sizeof buf, a, axis_tick(a, i));
    double tw = text_width(buf, FONT_TICK);
    if (tw > w) w = tw;
  }
  return w;
}

static double clamp_target(double v, double lo, double hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

static hs_status x_axes(const hs_plot *p, panel_layout *L, double right, hs_err *err) {
  for (size_t i = 0; i < p->n_panels; i++) {
    const plot_panel *pn = &p->panels[i];
    double xlo, xhi, ylo, yhi;
    int have = panel_bounds(pn, &xlo, &xhi, &ylo, &yhi);
    L[i].width = p->width - L[i].left - right;
    if (L[i].width < PLOT_MIN_PX)
      return hs_err_set(err, HS_ERR_RANGE,
                        "plot: %g px wide leaves no room for the plot area of panel %zu",
                        p->width, i);
    /* Lines may run into the frame; dots and edge markers have a radius: pad for them. */
    int dots = 0;
    for (size_t s = 0; s < pn->n_series; s++)
      dots |= pn->series[s].style == HS_PLOT_MARKERS || pn->series[s].n == 1;
    for (size_t m = 0; m < pn->n_markers; m++)
      dots |= pn->markers[m].x <= xlo || pn->markers[m].x >= xhi;
    /* About one tick per 100 px; fewer if the labels would crowd each other. */
    double target = clamp_target(L[i].width / 100.0, 2, 10);
    for (int attempt = 0; attempt < 4; attempt++) {
      const axis *a = &L[i].ax;
      hs_status st = axis_setup(&L[i].ax, pn->x_fixed, pn->x_lo, pn->x_hi, have, xlo, xhi,
                                dots, target, (int)i, 'x', err);
      if (st) return st;
      double spacing = L[i].width * a->step / (a->hi - a->lo);
      if (ticks_width(a) + 12 <= spacing || target <= 1) break;
      target = fmax(1, target * 0.6);
    }
  }
  return HS_OK;
}

/* Series vertices and segment midpoints (px) inside a box: how much data it would hide. */
static size_t data_in_box(const plot_panel *pn, const panel_layout *L, double bx, double by,
                          double bw, double bh) {
  size_t c = 0;
  for (size_t s = 0; s < pn->n_series; s++) {
    const plot_series *se = &pn->series[s];
    double px = 0, py = 0;
    for (size_t i = 0; i < se->n; i++) {
      double x = map_x(L, se->xy[2 * i]), y = map_y(L, se->xy[2 * i + 1]);
      if (x >= bx && x <= bx + bw && y >= by && y <= by + bh) c++;
      if (i && se->style != HS_PLOT_MARKERS) { /* midpoints catch long segments */
        double mx = (x + px) / 2, my = (y + py) / 2;
        if (mx >= bx && mx <= bx + bw && my >= by && my <= by + bh) c++;
      }
      px = x;
      py = y;
    }
  }
  return c;
}

static int boxes_overlap(double ax, double ay, double aw, double ah, double bx, double by,
                         double bw, double bh) {
  return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

typedef struct label_box {
  double x, y;           /* text anchor point (baseline) */
  double bx, by, bw, bh; /* approximate bounding box */
  int end_anchor;
} label_box;

/* Where a marker's label goes: of the four spots diagonal to the point (preferring
   above-right), the one inside the plot area that covers the least data.  Returns 0
   when there is no label to draw. */
static int marker_label_box(const plot_panel *pn, const plot_marker *mk, const panel_layout *L,
                            label_box *lb) {
  if (!mk->label || !mk->label[0]) return 0;
  double x = map_x(L, mk->x), y = map_y(L, mk->y);
  double w = text_width(mk->label, FONT_LEGEND), h = FONT_LEGEND * 1.25;
  size_t best = SIZE_MAX;
  for (int q = 0; q < 4; q++) {
    label_box c;
    c.end_anchor = q % 2;
    c.x = c.end_anchor ? x - 9 : x + 9;
    c.y = q < 2 ? y - 9 : y + 9 + FONT_LEGEND;
    c.bx = c.end_anchor ? c.x - w : c.x;
    c.by = c.y - FONT_LEGEND;
    c.bw = w;
    c.bh = h;
    int inside = c.bx >= L->left + 2 && c.bx + w <= L->left + L->width - 2 &&
                 c.by >= L->top + 2 && c.by + h <= L->top + L->height - 2;
    size_t n = (inside ? 0 : SIZE_MAX / 2) + data_in_box(pn, L, c.bx, c.by, c.bw, c.bh);
    if (n < best) {
      best = n;
      *lb = c;
    }
  }
  return 1;
}

/* Cost of putting the legend in a box: data hidden, and hiding a marker or its label
   is much worse than covering a few line points. */
static size_t legend_cost(const plot_panel *pn, const panel_layout *L, double bx, double by,
                          double bw, double bh) {
  size_t c = data_in_box(pn, L, bx, by, bw, bh);
  for (size_t m = 0; m < pn->n_markers; m++) {
    const plot_marker *mk = &pn->markers[m];
    if (!inside_range(L, mk->x, mk->y)) continue;
    double x = map_x(L, mk->x), y = map_y(L, mk->y);
    label_box lb;
    if (boxes_overlap(x - 7, y - 7, 14, 14, bx, by, bw, bh)) c += 1000;
    if (marker_label_box(pn, mk, L, &lb) &&
        boxes_overlap(lb.bx, lb.by, lb.bw, lb.bh, bx, by, bw, bh))
      c += 1000;
  }
  return c;
}

#define LEG_PAD 7.0     /* legend box padding */
#define LEG_ROW 18.0    /* legend row height */
#define LEG_SAMPLE 24.0 /* legend line sample length */
#define LEG_INSET 8.0   /* legend box distance from the frame */

/* Legend box size for a panel; returns the number of rows (0: no legend). */
static size_t legend_size(const plot_panel *pn, double *bw, double *bh) {
  size_t rows = 0;
  double text_w = 0;
  for (size_t s = 0; s < pn->n_series; s++) {
    if (!pn->series[s].name) continue;
    rows++;
    double w = text_width(pn->series[s].name, FONT_LEGEND);
    if (w > text_w) text_w = w;
  }
  *bw = LEG_PAD + LEG_SAMPLE + 6 + text_w + LEG_PAD;
  *bh = 2 * LEG_PAD + (double)rows * LEG_ROW - 4;
  return rows;
}

/* The corner (top-right, top-left, bottom-right, bottom-left: first of the cheapest)
   where the legend hides least; returns that cost. */
static size_t legend_place(const plot_panel *pn, const panel_layout *L, double bw, double bh,
                           double *bx, double *by) {
  if (L->legend_outside) { /* right of the frame, top aligned: hides nothing */
    *bx = L->left + L->width + LEG_INSET;
    *by = L->top;
    (void)bh;
    return 0;
  }
  double x_right = L->left + L->width - LEG_INSET - bw, x_left = L->left + LEG_INSET;
  double y_top = L->top + LEG_INSET, y_bottom = L->top + L->height - LEG_INSET - bh;
  double cx[4] = {x_right, x_left, x_right, x_left}, cy[4] = {y_top, y_top, y_bottom, y_bottom};
  size_t best = SIZE_MAX;
  for (size_t c = 0; c < 4; c++) {
    size_t n = legend_cost(pn, L, cx[c], cy[c], bw, bh);
    if (n < best) {
      best = n;
      *bx = cx[c];
      *by = cy[c];
    }
  }
  return best;
}

static hs_status layout(const hs_plot *p, panel_layout *L, hs_err *err) {
  const double top = p->title ? 44.0 : 14.0, bottom = 6.0;
  double slot = (p->height - top - bottom) / (double)p->n_panels;
  double plot_h = slot - GAP_ABOVE - X_AXIS_H;
  if (plot_h < PLOT_MIN_PX)
    return hs_err_set(err, HS_ERR_RANGE,
                      "plot: %g px high is too small for %zu panel%s (%.0f px each)", p->height,
                      p->n_panels, p->n_panels == 1 ? "" : "s", slot);
  for (size_t i = 0; i < p->n_panels; i++) {
    const plot_panel *pn = &p->panels[i];
    double xlo, xhi, ylo, yhi;
    int have = panel_bounds(pn, &xlo, &xhi, &ylo, &yhi);
    L[i].top = top + (double)i * slot + GAP_ABOVE;
    L[i].height = plot_h;
    L[i].legend_outside = p->legend_outside;
    hs_status st = axis_setup(&L[i].ay, pn->y_fixed, pn->y_lo, pn->y_hi, have, ylo, yhi, 1,
                              clamp_target(plot_h / 50.0, 2, 8), (int)i, 'y', err);
    if (st) return st;
  }
  for (int round = 0; round < 2; round++) {
    /* y label (rotated, baseline at x = 22) | tick labels | tick marks | frame */
    double tick_w = 0;
    for (size_t i = 0; i < p->n_panels; i++) tick_w = fmax(tick_w, ticks_width(&L[i].ay));
    double left = fmax(56.0, ceil(36.0 + tick_w + TICK_LEN + 4.0));
    for (size_t i = 0; i < p->n_panels; i++) L[i].left = left;

    /* The last x tick label is centred on the right edge: make room for it (and for
       the legends when they stand right of the frames). */
    double right = 16.0;
    for (size_t i = 0; p->legend_outside && i < p->n_panels; i++) {
      double bw, bh;
      if (legend_size(&p->panels[i], &bw, &bh)) right = fmax(right, ceil(bw + 2 * LEG_INSET));
    }
    for (int pass = 0; pass < 2; pass++) {
      hs_status st = x_axes(p, L, right, err);
      if (st) return st;
      double need = 16.0;
      for (size_t i = 0; i < p->n_panels; i++) {
        const axis *a = &L[i].ax;
        size_t nt = xt_count(&p->panels[i], a);
        if (!nt) continue;
        char buf[128];
        xt_label(&p->panels[i], a, nt - 1, buf, sizeof buf);
        double over = text_width(buf, FONT_TICK) / 2 + 4.0 -
                      (L[i].left + L[i].width - map_x(&L[i], xt_at(&p->panels[i], a, nt - 1)));
        if (over > need) need = over;
      }
      if (need <= right) break;
      right = ceil(need);
    }
    if (round == 1) break;

    /* A legend that would hide data gets one more y interval of headroom if that
       frees a top corner; then margins are recomputed for the new tick labels. */
    int changed = 0;
    for (size_t i = 0; i < p->n_panels; i++) {
      const plot_panel *pn = &p->panels[i];
      double bw, bh, bx, by;
      if (pn->y_fixed || p->legend_outside || !legend_size(pn, &bw, &bh) ||
          !legend_place(pn, &L[i], bw, bh, &bx, &by))
        continue;
      axis saved = L[i].ay;
      axis_extend_up(&L[i].ay);
      if (legend_place(pn, &L[i], bw, bh, &bx, &by)) L[i].ay = saved;
      else changed = 1;
    }
    if (!changed) break;
  }
  return HS_OK;
}

/* -------------------------------------------------------------- rendering */

static void draw_text(sbuf *b, double x, double y, const char *anchor, const char *text) {
  sb_puts(b, "<text x=\"");
  sb_coord(b, x);
  sb_puts(b, "\" y=\"");
  sb_coord(b, y);
  sb_puts(b, "\"");
  if (anchor) sb_printf(b, " text-anchor=\"%s\"", anchor);
  sb_puts(b, ">");
  sb_escape(b, text);
  sb_puts(b, "</text>\n");
}

static void draw_line(sbuf *b, double x1, double y1, double x2, double y2) {
  sb_puts(b, "<line x1=\"");
  sb_coord(b, x1);
  sb_puts(b, "\" y1=\"");
  sb_coord(b, y1);
  sb_puts(b, "\" x2=\"");
  sb_coord(b, x2);
  sb_puts(b, "\" y2=\"");
  sb_coord(b, y2);
  sb_puts(b, "\"/>\n");
}

static void draw_circle(sbuf *b, double x, double y, const char *r) {
  sb_puts(b, "<circle cx=\"");
  sb_coord(b, x);
  sb_puts(b, "\" cy=\"");
  sb_coord(b, y);
  sb_printf(b, "\" r=\"%s\"/>\n", r);
}

static void draw_grid(sbuf *b, const plot_panel *pn, const panel_layout *L) {
  double x0 = L->left, x1 = L->left + L->width, y0 = L->top, y1 = L->top + L->height;
  sb_puts(b, "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\" "
             "shape-rendering=\"crispEdges\">\n");
  for (size_t i = 0; i < xt_count(pn, &L->ax); i++) {
    double x = map_x(L, xt_at(pn, &L->ax, i));
    draw_line(b, x, y0, x, y1);
  }
  for (size_t i = 0; i < L->ay.n_ticks; i++) {
    double y = map_y(L, axis_tick(&L->ay, i));
    draw_line(b, x0, y, x1, y);
  }
  sb_puts(b, "</g>\n");
}

static void draw_frame_ticks_labels(sbuf *b, const plot_panel *pn, const panel_layout *L) {
  double x0 = L->left, y0 = L->top, y1 = L->top + L->height;
  sb_puts(b, "<rect class=\"frame\" x=\"");
  sb_coord(b, x0);
  sb_puts(b, "\" y=\"");
  sb_coord(b, y0);
  sb_puts(b, "\" width=\"");
  sb_coord(b, L->width);
  sb_puts(b, "\" height=\"");
  sb_coord(b, L->height);
  sb_puts(b, "\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\" "
             "shape-rendering=\"crispEdges\"/>\n");

  sb_puts(b, "<g class=\"ticks\" stroke=\"#444\" stroke-width=\"1\" "
             "shape-rendering=\"crispEdges\">\n");
  for (size_t i = 0; i < xt_count(pn, &L->ax); i++) {
    double x = map_x(L, xt_at(pn, &L->ax, i));
    draw_line(b, x, y1, x, y1 + TICK_LEN);
  }
  for (size_t i = 0; i < L->ay.n_ticks; i++) {
    double y = map_y(L, axis_tick(&L->ay, i));
    draw_line(b, x0 - TICK_LEN, y, x0, y);
  }
  sb_puts(b, "</g>\n");

  char buf[128];
  sb_printf(b, "<g class=\"tick-labels\" font-size=\"%g\" fill=\"#333\">\n", FONT_TICK);
  for (size_t i = 0; i < xt_count(pn, &L->ax); i++) {
    xt_label(pn, &L->ax, i, buf, sizeof buf);
    draw_text(b, map_x(L, xt_at(pn, &L->ax, i)), y1 + TICK_LEN + 3 + FONT_TICK, "middle", buf);
  }
  for (size_t i = 0; i < L->ay.n_ticks; i++) {
    double v = axis_tick(&L->ay, i);
    format_tick(buf, sizeof buf, &L->ay, v);
    draw_text(b, x0 - TICK_LEN - 4, map_y(L, v) + FONT_TICK * 0.35, "end", buf);
  }
  sb_puts(b, "</g>\n");

  sb_printf(b, "<g class=\"axis-labels\" font-size=\"%g\" fill=\"#111\">\n", FONT_LABEL);
  draw_text(b, x0 + L->width / 2, y1 + TICK_LEN + 3 + FONT_TICK + 6 + FONT_LABEL, "middle",
            pn->x_label);
  /* The rotated y label is centred on the frame; a longer one is centred on the panel's
     whole slot (frame plus the gaps above and below) and shrunk if it still does not fit. */
  double yw = text_width(pn->y_label, FONT_LABEL), fs = FONT_LABEL, yc = y0 + L->height / 2;
  if (yw > L->height) {
    double room = L->height + GAP_ABOVE + X_AXIS_H - 6;
    yc = y0 - GAP_ABOVE + (L->height + GAP_ABOVE + X_AXIS_H) / 2;
    if (yw > room) fs = fmax(8.0, floor(FONT_LABEL * room / yw * 10) / 10);
  }
  sb_puts(b, "<text transform=\"translate(22 ");
  sb_coord(b, yc);
  sb_puts(b, ") rotate(-90)\" text-anchor=\"middle\"");
  if (fs < FONT_LABEL) sb_printf(b, " font-size=\"%g\"", fs);
  sb_puts(b, ">");
  sb_escape(b, pn->y_label);
  sb_puts(b, "</text>\n</g>\n");
}

static double width_of(hs_plot_style style) { return style == HS_PLOT_THICK ? 3 * LINE_W : LINE_W; }

static void draw_series(sbuf *b, const plot_series *s, const panel_layout *L, size_t slot) {
  const char *colour = palette[slot % PALETTE_N];
  if (s->style == HS_PLOT_MARKERS || s->n == 1) {
    sb_printf(b, "<g class=\"series\" fill=\"%s\">\n", colour);
    for (size_t i = 0; i < s->n; i++) {
      double x = s->xy[2 * i], y = s->xy[2 * i + 1];
      if (inside_range(L, x, y)) draw_circle(b, map_x(L, x), map_y(L, y), s->n == 1 ? "3" : "2.5");
    }
    sb_puts(b, "</g>\n");
    return;
  }
  sb_printf(b, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" "
               "stroke-linejoin=\"round\" stroke-linecap=\"round\"%s points=\"",
            colour, width_of(s->style), dash_of(s->style, slot));
  for (size_t i = 0; i < s->n; i++) {
    if (i) sb_putn(b, " ", 1);
    sb_coord(b, map_x(L, s->xy[2 * i]));
    sb_putn(b, ",", 1);
    sb_coord(b, map_y(L, s->xy[2 * i + 1]));
  }
  sb_puts(b, "\"/>\n");
}

static void draw_markers(sbuf *b, const plot_panel *pn, const panel_layout *L) {
  if (!pn->n_markers) return;
  sb_printf(b, "<g class=\"markers\" font-size=\"%g\" fill=\"#111\">\n", FONT_LEGEND);
  for (size_t m = 0; m < pn->n_markers; m++) {
    const plot_marker *mk = &pn->markers[m];
    if (!inside_range(L, mk->x, mk->y)) continue;
    double x = map_x(L, mk->x), y = map_y(L, mk->y);
    sb_puts(b, "<circle cx=\"");
    sb_coord(b, x);
    sb_puts(b, "\" cy=\"");
    sb_coord(b, y);
    sb_puts(b, "\" r=\"5.5\" fill=\"#fff\" fill-opacity=\"0.6\" stroke=\"#111\" "
               "stroke-width=\"2\"/>\n");
    label_box lb;
    if (marker_label_box(pn, mk, L, &lb))
      draw_text(b, lb.x, lb.y, lb.end_anchor ? "end" : NULL, mk->label);
  }
  sb_puts(b, "</g>\n");
}

static void draw_legend(sbuf *b, const plot_panel *pn, const panel_layout *L) {
  double bw, bh, bx = 0, by = 0;
  if (!legend_size(pn, &bw, &bh)) return;
  legend_place(pn, L, bw, bh, &bx, &by);
  const double pad = LEG_PAD, row_h = LEG_ROW, sample_w = LEG_SAMPLE;
  sb_printf(b, "<g class=\"legend\" font-size=\"%g\">\n", FONT_LEGEND);
  sb_puts(b, "<rect x=\"");
  sb_coord(b, bx);
  sb_puts(b, "\" y=\"");
  sb_coord(b, by);
  sb_puts(b, "\" width=\"");
  sb_coord(b, bw);
  sb_puts(b, "\" height=\"");
  sb_coord(b, bh);
  sb_puts(b, "\" rx=\"3\" fill=\"#fff\" fill-opacity=\"0.88\" stroke=\"#bbb\"/>\n");
  size_t row = 0;
  for (size_t s = 0; s < pn->n_series; s++) {
    const plot_series *se = &pn->series[s];
    if (!se->name) continue;
    size_t slot = colour_slot(pn, s);
    const char *colour = palette[slot % PALETTE_N];
    /* a named series followed by unnamed ones: markers and their joining line */
    int has_line = 0;
    for (size_t t = s + 1; t < pn->n_series && !pn->series[t].name; t++)
      if (pn->series[t].style != HS_PLOT_MARKERS && pn->series[t].n > 1) has_line = 1;
    double yc = by + pad + row_h / 2 - 2 + (double)row * row_h;
    double xs = bx + pad;
    int dots = se->style == HS_PLOT_MARKERS || se->n == 1;
    if (!dots || has_line) {
      sb_printf(b, "<g stroke=\"%s\" stroke-width=\"%g\"%s>", colour,
                width_of(dots ? HS_PLOT_LINE : se->style),
                dash_of(dots ? HS_PLOT_LINE : se->style, slot));
      draw_line(b, xs, yc, xs + sample_w, yc);
      sb_puts(b, "</g>\n");
    }
    if (dots) {
      sb_printf(b, "<g fill=\"%s\">", colour);
      draw_circle(b, xs + sample_w / 2, yc, "3");
      sb_puts(b, "</g>\n");
    }
    sb_puts(b, "<text fill=\"#111\" x=\"");
    sb_coord(b, xs + sample_w + 6);
    sb_puts(b, "\" y=\"");
    sb_coord(b, yc + FONT_LEGEND * 0.35);
    sb_puts(b, "\">");
    sb_escape(b, se->name);
    sb_puts(b, "</text>\n");
    row++;
  }
  sb_puts(b, "</g>\n");
}

static void draw_panel(sbuf *b, const plot_panel *pn, const panel_layout *L, size_t index,
                       const char *idp) {
  sb_printf(b, "<g class=\"panel\" id=\"%s-panel-%zu\">\n", idp, index);
  draw_grid(b, pn, L);
  sb_printf(b, "<g clip-path=\"url(#%s-clip-%zu)\">\n", idp, index);
  for (size_t s = 0; s < pn->n_series; s++) draw_series(b, &pn->series[s], L, colour_slot(pn, s));
  sb_puts(b, "</g>\n");
  draw_frame_ticks_labels(b, pn, L);
  draw_markers(b, pn, L);
  draw_legend(b, pn, L);
  sb_puts(b, "</g>\n");
}

/* FNV-1a over the plot's content: the id prefix of its elements. */
static uint32_t fnv(uint32_t h, const void *data, size_t n) {
  const unsigned char *c = data;
  for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 16777619u;
  return h;
}

static void id_prefix(const hs_plot *p, char out[16]) {
  uint32_t h = 2166136261u;
  h = fnv(h, &p->width, sizeof p->width);
  h = fnv(h, &p->height, sizeof p->height);
  if (p->title) h = fnv(h, p->title, strlen(p->title));
  for (size_t i = 0; i < p->n_panels; i++) {
    const plot_panel *pn = &p->panels[i];
    if (pn->x_label) h = fnv(h, pn->x_label, strlen(pn->x_label));
    if (pn->y_label) h = fnv(h, pn->y_label, strlen(pn->y_label));
    for (size_t s = 0; s < pn->n_series; s++) {
      if (pn->series[s].name) h = fnv(h, pn->series[s].name, strlen(pn->series[s].name));
      h = fnv(h, pn->series[s].xy, 2 * pn->series[s].n * sizeof(double));
    }
  }
  snprintf(out, 16, "hs%08x", (unsigned)h);
}

char *hs_plot_render_svg(const hs_plot *p, hs_err *err) {
  if (!p) {
    hs_err_set(err, HS_ERR_INVALID, "hs_plot_render_svg: plot is NULL");
    return NULL;
  }
  if (p->n_panels == 0) {
    hs_err_set(err, HS_ERR_STATE,
               "hs_plot_render_svg: the plot has no panels (add one with hs_plot_add_panel)");
    return NULL;
  }
  panel_layout *L = calloc(p->n_panels, sizeof *L);
  if (!L) {
    hs_err_set(err, HS_ERR_NOMEM, "hs_plot_render_svg: no memory for the layout");
    return NULL;
  }
  if (layout(p, L, err) != HS_OK) {
    free(L);
    return NULL;
  }

  sbuf b = {NULL, 0, 0, 0};
  size_t points = 0;
  for (size_t i = 0; i < p->n_panels; i++)
    for (size_t s = 0; s < p->panels[i].n_series; s++) points += p->panels[i].series[s].n;
  sb_reserve(&b, 8192 + (points < SIZE_MAX / 64 ? points * 24 : 0)); /* a guess; grows anyway */

  sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
  sb_puts(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"");
  sb_coord(&b, p->width);
  sb_puts(&b, "\" height=\"");
  sb_coord(&b, p->height);
  sb_puts(&b, "\" viewBox=\"0 0 ");
  sb_coord(&b, p->width);
  sb_puts(&b, " ");
  sb_coord(&b, p->height);
  sb_puts(&b, "\" font-family=\"Helvetica, Arial, 'DejaVu Sans', sans-serif\">\n");
  if (p->title) {
    sb_puts(&b, "<title>");
    sb_escape(&b, p->title);
    sb_puts(&b, "</title>\n");
  }
  char idp[16];
  id_prefix(p, idp);
  sb_puts(&b, "<defs>\n");
  for (size_t i = 0; i < p->n_panels; i++) {
    sb_printf(&b, "<clipPath id=\"%s-clip-%zu\"><rect x=\"", idp, i);
    sb_coord(&b, L[i].left - 2);
    sb_puts(&b, "\" y=\"");
    sb_coord(&b, L[i].top - 2);
    sb_puts(&b, "\" width=\"");
    sb_coord(&b, L[i].width + 4);
    sb_puts(&b, "\" height=\"");
    sb_coord(&b, L[i].height + 4);
    sb_puts(&b, "\"/></clipPath>\n");
  }
  sb_puts(&b, "</defs>\n");
  sb_puts(&b, "<rect x=\"0\" y=\"0\" width=\"");
  sb_coord(&b, p->width);
  sb_puts(&b, "\" height=\"");
  sb_coord(&b, p->height);
  sb_puts(&b, "\" fill=\"#ffffff\"/>\n");
  if (p->title) { /* bold glyphs are ~10% wider; shrink a title too long for the page */
    double tw = 1.1 * text_width(p->title, FONT_TITLE), fs = FONT_TITLE;
    if (tw > p->width - 20) fs = fmax(10.0, floor(FONT_TITLE * (p->width - 20) / tw * 10) / 10);
    sb_puts(&b, "<text class=\"title\" x=\"");
    sb_coord(&b, p->width / 2);
    sb_printf(&b, "\" y=\"28\" text-anchor=\"middle\" font-size=\"%g\" font-weight=\"bold\" "
                  "fill=\"#111\">",
              fs);
    sb_escape(&b, p->title);
    sb_puts(&b, "</text>\n");
  }
  for (size_t i = 0; i < p->n_panels; i++) draw_panel(&b, &p->panels[i], &L[i], i, idp);
  sb_puts(&b, "</svg>\n");
  free(L);

  if (b.failed) {
    free(b.s);
    hs_err_set(err, HS_ERR_NOMEM, "hs_plot_render_svg: no memory for the SVG text");
    return NULL;
  }
  return b.s;
}
