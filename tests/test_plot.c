/* test_plot.c - SVG plot rendering: structure, escaping, ticks, styles, errors. */
#include "support.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hemosim/plot.h"

/* ------------------------------------------------------------------ helpers */

static size_t count_substr(const char *hay, const char *needle) {
  size_t n = 0, len = strlen(needle);
  for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle)) n++;
  return n;
}

static int contains_ci(const char *hay, const char *needle) {
  size_t len = strlen(needle);
  for (const char *p = hay; *p; p++) {
    size_t i = 0;
    while (i < len && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == len) return 1;
  }
  return 0;
}

/* Number of <polyline ...> elements whose tag contains attr (NULL: all of them). */
static size_t count_polylines(const char *svg, const char *attr) {
  size_t n = 0;
  for (const char *p = strstr(svg, "<polyline"); p; p = strstr(p + 1, "<polyline")) {
    const char *end = strchr(p, '>');
    assert_non_null(end);
    if (!attr) {
      n++;
      continue;
    }
    const char *hit = strstr(p, attr);
    if (hit && hit < end) n++;
  }
  return n;
}

/* Minimal XML well-formedness check: balanced tags, one root, valid entities. */
static void assert_well_formed(const char *svg) {
  char stack[32][32];
  int depth = 0, roots = 0;
  for (const char *p = svg; *p; p++) {
    if (*p == '&') {
      static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
      int ok = 0;
      for (size_t i = 0; i < 5; i++) ok |= strncmp(p, ents[i], strlen(ents[i])) == 0;
      if (!ok) fail_msg("bad entity near: %.20s", p);
      continue;
    }
    if (*p == '>' ) fail_msg("stray '>' near: %.20s", p > svg + 10 ? p - 10 : svg);
    if (*p != '<') continue;
    if (p[1] == '?') {
      p = strstr(p, "?>");
      assert_non_null(p);
      p++;
      continue;
    }
    const char *end = strchr(p, '>');
    assert_non_null(end);
    for (const char *q = p + 1; q < end; q++)
      if (*q == '<') fail_msg("'<' inside a tag near: %.20s", q);
    if (p[1] == '/') {
      assert_true(depth > 0);
      depth--;
      size_t len = strcspn(p + 2, " >");
      assert_true(len == strlen(stack[depth]) && strncmp(p + 2, stack[depth], len) == 0);
    } else if (end[-1] != '/') {
      assert_true(depth < 32);
      size_t len = strcspn(p + 1, " />\n");
      assert_true(len < sizeof stack[0]);
      memcpy(stack[depth], p + 1, len);
      stack[depth][len] = '\0';
      if (depth == 0) roots++;
      depth++;
    } else if (depth == 0) {
      roots++;
    }
    p = end;
  }
  assert_int_equal(depth, 0);
  assert_int_equal(roots, 1);
}

/* Every numeric <text> (a tick label) is compact: no "-0", no trailing zeros after a
   decimal point, no "e+" or zero-padded exponents.  Returns how many were checked. */
static int assert_compact_numbers(const char *svg) {
  int n = 0;
  for (const char *p = strstr(svg, "</text>"); p; p = strstr(p + 1, "</text>")) {
    const char *q = p;
    while (q > svg && strchr("0123456789.-e", q[-1])) q--;
    if (q == p || q[-1] != '>') continue; /* not purely numeric */
    char num[40];
    size_t len = (size_t)(p - q);
    assert_true(len < sizeof num);
    memcpy(num, q, len);
    num[len] = '\0';
    n++;
    if (strcmp(num, "-0") == 0) fail_msg("tick label -0");
    const char *mant_end = strchr(num, 'e') ? strchr(num, 'e') : num + len;
    if (memchr(num, '.', (size_t)(mant_end - num)) && mant_end[-1] == '0')
      fail_msg("tick label with trailing zero: %s", num);
    if (strstr(num, "e-0") || strstr(num, "e0")) fail_msg("padded exponent: %s", num);
  }
  return n;
}

static void assert_finite_output(const char *svg) {
  if (contains_ci(svg, "nan")) fail_msg("output contains 'nan'");
  if (contains_ci(svg, "inf")) fail_msg("output contains 'inf'");
}

/* A simple plot with one panel holding y = f(x) for x in [0, 10]. */
static hs_plot *ramp_plot(const char *title, double ymax) {
  hs_plot *p = hs_plot_new(800, 500, title);
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "Time (s)", "Pressure (mmHg)"), 0);
  double x[101], y[101];
  for (int i = 0; i <= 100; i++) {
    x[i] = i * 0.1;
    y[i] = ymax * i / 100.0;
  }
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 0, "ramp", x, y, 101, HS_PLOT_LINE, &err), HS_OK);
  return p;
}

static char *render_ok(const hs_plot *p) {
  hs_err err;
  hs_err_clear(&err);
  char *svg = hs_plot_render_svg(p, &err);
  if (!svg) fail_msg("render failed: %s", err.msg);
  return svg;
}

/* -------------------------------------------------------------------- tests */

static void test_document_structure_and_title_escaping(void **state) {
  (void)state;
  hs_plot *p = ramp_plot("Pressure & <Volume>", 97);
  char *svg = render_ok(p);
  assert_true(strncmp(svg, "<?xml", 5) == 0 || strncmp(svg, "<svg", 4) == 0);
  assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  assert_non_null(strstr(svg, "viewBox=\"0 0 800 500\""));
  assert_non_null(strstr(svg, "width=\"800\""));
  assert_non_null(strstr(svg, "height=\"500\""));
  assert_non_null(strstr(svg, "fill=\"#ffffff\"")); /* white background */
  const char *close = strstr(svg, "</svg>");
  assert_non_null(close);
  assert_string_equal(close, "</svg>\n");
  /* The title is escaped in both the <title> element and the visible heading. */
  assert_int_equal(count_substr(svg, "Pressure &amp; &lt;Volume&gt;"), 2);
  assert_null(strstr(svg, "& <"));
  assert_well_formed(svg);
  assert_finite_output(svg);
  free(svg);
  hs_plot_free(p);
}

static void test_quotes_and_bad_bytes_are_escaped(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(800, 500, NULL);
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "say \"hi\" 'there'", "ctl\x01 bad\xff \xc2\xb5L"), 0);
  double x[] = {0, 1}, y[] = {0, 1};
  assert_int_equal(hs_plot_add_series(p, 0, "a>b", x, y, 2, HS_PLOT_LINE, NULL), HS_OK);
  char *svg = render_ok(p);
  assert_non_null(strstr(svg, ">say &quot;hi&quot; &apos;there&apos;</text>"));
  assert_non_null(strstr(svg, ">ctl? bad? \xc2\xb5L</text>")); /* valid UTF-8 kept */
  assert_non_null(strstr(svg, ">a&gt;b</text>"));
  assert_null(strstr(svg, "class=\"title\"")); /* no title given: no heading */
  assert_well_formed(svg);
  free(svg);
  hs_plot_free(p);
}

static void test_labels_polylines_legend_and_styles(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(800, 500, "Waveforms");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "Time (s)", "Pressure (mmHg)"), 0);
  double t[50], a[50], b[50], c[50];
  for (int i = 0; i < 50; i++) {
    t[i] = i * 0.02;
    a[i] = 80 + 40 * sin(t[i] * 6.28);
    b[i] = 10 + 5 * cos(t[i] * 6.28);
    c[i] = 60 + 0.5 * i;
  }
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 0, "Aortic", t, a, 50, HS_PLOT_LINE, &err), HS_OK);
  assert_int_equal(hs_plot_add_series(p, 0, "Left atrial", t, b, 50, HS_PLOT_DASHED, &err), HS_OK);
  assert_int_equal(hs_plot_add_series(p, 0, "Samples", t, c, 50, HS_PLOT_MARKERS, &err), HS_OK);
  assert_int_equal(hs_plot_add_series(p, 0, NULL, t, c, 50, HS_PLOT_LINE, &err), HS_OK);
  char *svg = render_ok(p);

  assert_non_null(strstr(svg, ">Time (s)</text>"));
  assert_non_null(strstr(svg, ">Pressure (mmHg)</text>"));
  assert_non_null(strstr(svg, "rotate(-90)")); /* y label is rotated */
  /* Three line-type series -> three polylines; the marker series draws circles. */
  assert_int_equal(count_polylines(svg, NULL), 3);
  assert_int_equal(count_polylines(svg, "stroke-dasharray"), 1);
  assert_true(count_substr(svg, "<circle") >= 50);
  /* Legend lists the named series only, once each. */
  assert_int_equal(count_substr(svg, "class=\"legend\""), 1);
  assert_int_equal(count_substr(svg, ">Aortic</text>"), 1);
  assert_int_equal(count_substr(svg, ">Left atrial</text>"), 1);
  assert_int_equal(count_substr(svg, ">Samples</text>"), 1);
  /* Okabe-Ito colours, one per named series, in order; the unnamed line joining
     the "Samples" markers is drawn in their colour, and the legend shows both the
     dot and the line in that colour (no fourth colour anywhere). */
  assert_non_null(strstr(svg, "stroke=\"#0072B2\""));
  assert_non_null(strstr(svg, "stroke=\"#D55E00\""));
  assert_non_null(strstr(svg, "fill=\"#009E73\""));
  assert_non_null(strstr(svg, "stroke=\"#009E73\""));
  assert_null(strstr(svg, "#CC79A7"));
  assert_well_formed(svg);
  assert_finite_output(svg);
  free(svg);
  hs_plot_free(p);
}

static void test_nice_ticks_cover_data(void **state) {
  (void)state;
  hs_plot *p = ramp_plot(NULL, 97); /* x 0..10, y 0..97 */
  char *svg = render_ok(p);
  assert_true(strstr(svg, ">100</text>") || strstr(svg, ">80</text>"));
  assert_non_null(strstr(svg, ">0</text>"));
  assert_non_null(strstr(svg, ">10</text>")); /* x axis ends on the data's end */
  assert_null(strstr(svg, ">-0</text>"));
  assert_null(strstr(svg, ">-20</text>")); /* padding never crosses zero */
  assert_true(assert_compact_numbers(svg) >= 6);
  assert_non_null(strstr(svg, "class=\"grid\""));
  free(svg);
  hs_plot_free(p);
}

static void test_tick_label_formats(void **state) {
  (void)state;
  /* Fixed symmetric range: "0" in the middle, never "-0", no trailing zeros. */
  hs_plot *p = ramp_plot(NULL, 1);
  hs_err err;
  assert_int_equal(hs_plot_set_yrange(p, 0, -1, 1, &err), HS_OK);
  char *svg = render_ok(p);
  assert_non_null(strstr(svg, ">-1</text>"));
  assert_non_null(strstr(svg, ">0</text>"));
  assert_non_null(strstr(svg, ">1</text>"));
  assert_true(strstr(svg, ">0.5</text>") || strstr(svg, ">0.2</text>"));
  assert_null(strstr(svg, ">-0</text>"));
  assert_null(strstr(svg, ">1.0</text>"));
  assert_non_null(strstr(svg, ">10</text>")); /* x axis */
  assert_true(assert_compact_numbers(svg) >= 10);
  free(svg);
  hs_plot_free(p);

  /* Large values use compact exponents. */
  p = ramp_plot(NULL, 5e7);
  svg = render_ok(p);
  assert_non_null(strstr(svg, ">5e7</text>"));
  assert_null(strstr(svg, "e+"));
  assert_true(assert_compact_numbers(svg) >= 6);
  free(svg);
  hs_plot_free(p);

  /* Tiny values too. */
  p = ramp_plot(NULL, 2e-5);
  svg = render_ok(p);
  assert_non_null(strstr(svg, ">1e-5</text>"));
  assert_null(strstr(svg, "e-0"));
  assert_true(assert_compact_numbers(svg) >= 6);
  free(svg);
  hs_plot_free(p);
}

static void test_marker_label(void **state) {
  (void)state;
  hs_plot *p = ramp_plot(NULL, 100);
  hs_err err;
  assert_int_equal(hs_plot_add_marker(p, 0, 5, 50, "chosen <setting>", &err), HS_OK);
  assert_int_equal(hs_plot_add_marker(p, 0, 9.9, 99, NULL, &err), HS_OK);
  char *svg = render_ok(p);
  assert_non_null(strstr(svg, "class=\"markers\""));
  assert_int_equal(count_substr(svg, "r=\"5.5\""), 2);
  assert_non_null(strstr(svg, ">chosen &lt;setting&gt;</text>"));
  assert_well_formed(svg);
  free(svg);
  hs_plot_free(p);
}

static void test_nonfinite_points_rejected(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(800, 500, "t");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 0);
  double x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[8] = {0, 1, 2, NAN, 4, 5, 6, 7};
  hs_err err;
  hs_err_clear(&err);
  assert_int_equal(hs_plot_add_series(p, 0, "LV pressure", x, y, 8, HS_PLOT_LINE, &err),
                   HS_ERR_INVALID);
  assert_int_equal(err.code, HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "LV pressure"));
  assert_non_null(strstr(err.msg, "y[3]"));
  assert_non_null(strstr(err.msg, "NaN"));

  y[3] = 3;
  x[5] = -INFINITY;
  assert_int_equal(hs_plot_add_series(p, 0, NULL, x, y, 8, HS_PLOT_DASHED, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "x[5]"));
  assert_non_null(strstr(err.msg, "#0")); /* unnamed: numbered */
  assert_non_null(strstr(err.msg, "infinity"));
  /* NULL err is accepted. */
  assert_int_equal(hs_plot_add_series(p, 0, "q", x, y, 8, HS_PLOT_LINE, NULL), HS_ERR_INVALID);

  assert_int_equal(hs_plot_add_marker(p, 0, NAN, 1, "m", &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "marker 'm'"));
  assert_int_equal(hs_plot_add_marker(p, 0, 1, INFINITY, NULL, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "marker #0: y is +infinity"));

  /* Rejected series were not added. */
  char *svg = render_ok(p);
  assert_int_equal(count_polylines(svg, NULL), 0);
  assert_finite_output(svg);
  free(svg);
  hs_plot_free(p);
}

static void test_bad_panel_index(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(800, 500, "t");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 0);
  double x[2] = {0, 1}, y[2] = {0, 1};
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 1, "s", x, y, 2, HS_PLOT_LINE, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "no panel 1"));
  assert_int_equal(hs_plot_add_series(p, -1, "s", x, y, 2, HS_PLOT_LINE, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "no panel -1"));
  assert_int_equal(hs_plot_set_xrange(p, 3, 0, 1, &err), HS_ERR_RANGE);
  assert_int_equal(hs_plot_set_yrange(p, 3, 0, 1, &err), HS_ERR_RANGE);
  assert_int_equal(hs_plot_add_marker(p, 2, 0, 0, "m", &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "hs_plot_add_marker"));
  assert_int_equal(hs_plot_add_series(NULL, 0, "s", x, y, 2, HS_PLOT_LINE, &err), HS_ERR_INVALID);
  assert_int_equal(hs_plot_add_panel(NULL, "x", "y"), -1);
  hs_plot_free(p);
}

static void test_bad_range_rejected(void **state) {
  (void)state;
  hs_plot *p = ramp_plot(NULL, 10);
  hs_err err;
  assert_int_equal(hs_plot_set_xrange(p, 0, 2, 2, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "lo < hi"));
  assert_int_equal(hs_plot_set_yrange(p, 0, 5, 1, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "[5, 1]"));
  assert_int_equal(hs_plot_set_yrange(p, 0, NAN, 1, &err), HS_ERR_INVALID);
  assert_int_equal(hs_plot_set_xrange(p, 0, 0, INFINITY, &err), HS_ERR_INVALID);
  assert_int_equal(hs_plot_set_xrange(p, 0, -1e308, 1e308, &err), HS_ERR_INVALID);
  /* A valid fixed range is used as given; data outside it are clipped. */
  assert_int_equal(hs_plot_set_xrange(p, 0, 2, 4, &err), HS_OK);
  char *svg = render_ok(p);
  /* clip path ids carry the plot's content prefix; the panel refers to its own */
  const char *cp = strstr(svg, "<clipPath id=\"hs");
  assert_non_null(cp);
  char id[32], ref[64];
  assert_int_equal(sscanf(cp, "<clipPath id=\"%31[^\"]\"", id), 1);
  assert_non_null(strstr(id, "-clip-0"));
  snprintf(ref, sizeof ref, "clip-path=\"url(#%s)\"", id);
  assert_non_null(strstr(svg, ref));
  assert_non_null(strstr(svg, ">2</text>"));
  assert_non_null(strstr(svg, ">3</text>"));
  assert_non_null(strstr(svg, ">4</text>"));
  assert_null(strstr(svg, ">1.5</text>")); /* no x tick outside the fixed range */
  assert_null(strstr(svg, ">1.8</text>"));
  assert_null(strstr(svg, ">4.2</text>"));
  assert_null(strstr(svg, ">4.5</text>"));
  assert_finite_output(svg);
  free(svg);
  hs_plot_free(p);
}

static void test_empty_and_null_series_rejected(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(800, 500, "t");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 0);
  double x[1] = {0}, y[1] = {0};
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 0, "flow", x, y, 0, HS_PLOT_LINE, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "'flow' is empty"));
  assert_int_equal(hs_plot_add_series(p, 0, "flow", NULL, y, 1, HS_PLOT_LINE, &err),
                   HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "x array is NULL"));
  assert_int_equal(hs_plot_add_series(p, 0, "flow", x, y, 1, (hs_plot_style)7, &err),
                   HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "unknown style 7"));
  hs_plot_free(p);
}

static void test_render_errors(void **state) {
  (void)state;
  hs_err err;
  hs_plot *p = hs_plot_new(800, 500, "nothing");
  assert_non_null(p);
  hs_err_clear(&err);
  assert_null(hs_plot_render_svg(p, &err));
  assert_int_equal(err.code, HS_ERR_STATE);
  assert_non_null(strstr(err.msg, "no panels"));
  hs_plot_free(p);

  assert_null(hs_plot_render_svg(NULL, &err));
  assert_int_equal(err.code, HS_ERR_INVALID);

  /* Too small a page for the requested panels is an error, not overlapping text. */
  p = hs_plot_new(120, 90, NULL);
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 0);
  assert_null(hs_plot_render_svg(p, &err));
  assert_int_equal(err.code, HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "too small"));
  hs_plot_free(p);

  assert_null(hs_plot_new(0, 500, "t"));
  assert_null(hs_plot_new(800, -1, "t"));
  assert_null(hs_plot_new(NAN, 500, "t"));
  assert_null(hs_plot_new(800, INFINITY, "t"));
  hs_plot_free(NULL); /* no-op */
}

static void test_constant_and_single_point_data(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(800, 500, "flat");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "Time (s)", "Pressure (mmHg)"), 0);
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 1);
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 2);
  double x[20], y[20], z[20];
  for (int i = 0; i < 20; i++) {
    x[i] = i;
    y[i] = 5;
    z[i] = 0;
  }
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 0, "flat", x, y, 20, HS_PLOT_LINE, &err), HS_OK);
  double px = 3, py = 7;
  assert_int_equal(hs_plot_add_series(p, 1, "point", &px, &py, 1, HS_PLOT_LINE, &err), HS_OK);
  assert_int_equal(hs_plot_add_series(p, 2, NULL, z, z, 20, HS_PLOT_DASHED, &err), HS_OK);
  char *svg = render_ok(p);
  assert_finite_output(svg);
  assert_non_null(strstr(svg, ">5</text>")); /* the constant value is a tick */
  assert_non_null(strstr(svg, ">7</text>")); /* the single point's y */
  assert_non_null(strstr(svg, ">3</text>")); /* and its x */
  assert_non_null(strstr(svg, ">-1</text>")); /* all-zero data: -1..1 */
  assert_int_equal(count_substr(svg, "class=\"panel\""), 3);
  assert_int_equal(count_substr(svg, "class=\"frame\""), 3);
  assert_int_equal(count_substr(svg, "<clipPath"), 3);
  assert_int_equal(count_substr(svg, "class=\"legend\""), 2); /* panel 2 has no names */
  assert_int_equal(count_polylines(svg, NULL), 2);             /* the point is a dot */
  assert_well_formed(svg);
  free(svg);
  hs_plot_free(p);
}

/* A series constant up to rounding (Hb recomputed over a long run: 14 and
   13.999999999999998) is drawn as a constant, +-10 % around its value, not rejected as a
   range too narrow for its magnitude; a narrow range that is real is still resolved. */
static void test_near_constant_data(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(800, 700, "near flat");
  assert_non_null(p);
  for (int k = 0; k < 3; k++) assert_int_equal(hs_plot_add_panel(p, "Time (h)", "y"), k);
  double x[30], hb[30], big[30], real[30];
  for (int i = 0; i < 30; i++) {
    x[i] = i;
    hb[i] = (i % 3) ? 14.0 : nextafter(nextafter(14.0, 0.0), 0.0);
    big[i] = -2.5e7 * (1.0 + ((i % 2) ? 1e-12 : 0.0));
    real[i] = 14.0 + 1e-3 * (i % 2); /* a real 0.001 swing: drawn, not flattened */
  }
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 0, "Hb", x, hb, 30, HS_PLOT_LINE, &err), HS_OK);
  assert_int_equal(hs_plot_add_series(p, 1, "big", x, big, 30, HS_PLOT_LINE, &err), HS_OK);
  assert_int_equal(hs_plot_add_series(p, 2, "real", x, real, 30, HS_PLOT_LINE, &err), HS_OK);
  char *svg = render_ok(p);
  assert_finite_output(svg);
  assert_well_formed(svg);
  /* 12.6 .. 15.4 rounded out to whole ticks: 12 .. 16 (the x ticks are 0, 5, .. 30) */
  assert_non_null(strstr(svg, ">12</text>"));
  assert_non_null(strstr(svg, ">14</text>"));
  assert_non_null(strstr(svg, ">16</text>"));
  assert_null(strstr(svg, ">11</text>"));
  assert_null(strstr(svg, ">17</text>"));
  assert_null(strstr(svg, "13.999999")); /* no 16-digit tick labels */
  /* -2.5e7 +- 10 %: ticks -2.8e7 .. -2.2e7 */
  assert_non_null(strstr(svg, ">-2.8e7</text>"));
  assert_non_null(strstr(svg, ">-2.2e7</text>"));
  assert_non_null(strstr(svg, ">14.0005</text>")); /* the real swing keeps fine ticks */
  free(svg);
  hs_plot_free(p);
}

static void test_large_series_renders_fast(void **state) {
  (void)state;
  enum { N = 100000 };
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  assert_non_null(x);
  assert_non_null(y);
  for (int i = 0; i < N; i++) {
    x[i] = i * 1e-3;
    y[i] = 80 + 40 * sin(x[i] * 7.5);
  }
  hs_plot *p = hs_plot_new(800, 500, "100k points");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "Time (s)", "Pressure (mmHg)"), 0);
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 0, "P", x, y, N, HS_PLOT_LINE, &err), HS_OK);
  clock_t t0 = clock();
  char *svg = render_ok(p);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  assert_in_range_d(secs, 0.0, 1.0);
  /* Every point is written: one comma per x,y pair in the points attribute. */
  const char *pts = strstr(svg, "points=\"");
  assert_non_null(pts);
  pts += 8;
  size_t commas = 0;
  for (const char *q = pts; *q != '"'; q++) commas += *q == ',';
  assert_int_equal(commas, N);
  assert_int_equal(count_polylines(svg, NULL), 1);
  free(svg);
  hs_plot_free(p);
  free(x);
  free(y);
}

/* Parse the first legend box of svg into (x, y, w, h); returns 0 if there is none. */
static int legend_box(const char *svg, double box[4]) {
  const char *g = strstr(svg, "class=\"legend\"");
  if (!g) return 0;
  const char *r = strstr(g, "<rect x=\"");
  assert_non_null(r);
  assert_int_equal(sscanf(r, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%lf\"", &box[0],
                          &box[1], &box[2], &box[3]),
                   4);
  return 1;
}

/* Number of polyline vertices of the first polyline inside box. */
static size_t vertices_in_box(const char *svg, const double box[4]) {
  const char *p = strstr(svg, "points=\"");
  assert_non_null(p);
  p += 8;
  size_t n = 0, total = 0;
  while (*p != '"') {
    double x, y;
    int used = 0;
    assert_int_equal(sscanf(p, "%lf,%lf%n", &x, &y, &used), 2);
    p += used;
    while (*p == ' ') p++;
    total++;
    if (x >= box[0] && x <= box[0] + box[2] && y >= box[1] && y <= box[1] + box[3]) n++;
  }
  assert_true(total > 0);
  return n;
}

static void test_legend_does_not_hide_data(void **state) {
  (void)state;
  /* A dense waveform touching the top of its range all across a short panel: every
     corner has data until the automatic y range makes room above it. */
  enum { N = 2000 };
  static double t[N], pa[N], pl[N], q[N];
  for (int i = 0; i < N; i++) {
    t[i] = i * 0.0025;
    pa[i] = 80 + 40 * exp(-pow((fmod(t[i], 0.8) / 0.8 - 0.25) / 0.12, 2));
    pl[i] = 8 + 4 * sin(t[i] * 7.85);
    q[i] = sin(t[i]);
  }
  hs_plot *p = hs_plot_new(800, 500, "Waveforms");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "Time (s)", "Pressure (mmHg)"), 0);
  assert_int_equal(hs_plot_add_panel(p, "Time (s)", "Flow (mL/s)"), 1);
  hs_err err;
  assert_int_equal(hs_plot_add_series(p, 0, "Aortic pressure", t, pa, N, HS_PLOT_LINE, &err),
                   HS_OK);
  assert_int_equal(hs_plot_add_series(p, 0, "Left atrial", t, pl, N, HS_PLOT_DASHED, &err), HS_OK);
  assert_int_equal(hs_plot_add_series(p, 1, NULL, t, q, N, HS_PLOT_LINE, &err), HS_OK);
  char *svg = render_ok(p);
  double box[4];
  assert_true(legend_box(svg, box));
  assert_true(box[2] > 50 && box[3] > 10);
  assert_int_equal(vertices_in_box(svg, box), 0); /* the aortic trace is the first */
  free(svg);

  /* With a fixed range there is no room to make: the legend still appears. */
  assert_int_equal(hs_plot_set_yrange(p, 0, 80, 120, &err), HS_OK);
  svg = render_ok(p);
  assert_true(legend_box(svg, box));
  assert_non_null(strstr(svg, ">Aortic pressure</text>"));
  free(svg);
  hs_plot_free(p);
}

static void test_long_text_is_shrunk(void **state) {
  (void)state;
  hs_plot *p = hs_plot_new(400, 300, "A very long title that would never fit on a small page");
  assert_non_null(p);
  assert_int_equal(hs_plot_add_panel(p, "x", "Systemic arterial compliance (mL/mmHg)"), 0);
  double x[2] = {0, 1}, y[2] = {0, 1};
  assert_int_equal(hs_plot_add_series(p, 0, NULL, x, y, 2, HS_PLOT_LINE, NULL), HS_OK);
  char *svg = render_ok(p);
  const char *title = strstr(svg, "class=\"title\"");
  assert_non_null(title);
  double fs = 0;
  const char *f = strstr(title, "font-size=\"");
  assert_non_null(f);
  assert_int_equal(sscanf(f, "font-size=\"%lf\"", &fs), 1);
  assert_in_range_d(fs, 8.0, 17.9);
  const char *ylab = strstr(svg, "rotate(-90)");
  assert_non_null(ylab);
  f = strstr(ylab, "font-size=\"");
  assert_non_null(f);
  assert_true(f < strstr(ylab, ">"));
  assert_int_equal(sscanf(f, "font-size=\"%lf\"", &fs), 1);
  assert_in_range_d(fs, 8.0, 13.9);
  free(svg);
  hs_plot_free(p);
}

/* Two different plots inlined in one page never share an element id. */
static void test_ids_unique_per_plot(void **state) {
  (void)state;
  hs_err err;
  const double x[] = {0, 1, 2}, y1[] = {1, 2, 3}, y2[] = {1, 2, 4};
  char *svg[2];
  for (int k = 0; k < 2; k++) {
    hs_plot *p = hs_plot_new(400, 300, "PV loop");
    assert_int_equal(hs_plot_add_panel(p, "x", "y"), 0);
    assert_int_equal(hs_plot_add_series(p, 0, "a", x, k ? y2 : y1, 3, HS_PLOT_LINE, &err), HS_OK);
    svg[k] = render_ok(p);
    hs_plot_free(p);
  }
  char id0[32], id1[32];
  assert_int_equal(sscanf(strstr(svg[0], "<clipPath id=\""), "<clipPath id=\"%31[^\"]\"", id0), 1);
  assert_int_equal(sscanf(strstr(svg[1], "<clipPath id=\""), "<clipPath id=\"%31[^\"]\"", id1), 1);
  assert_string_not_equal(id0, id1);
  /* the same plot renders the same ids (reproducible output) */
  hs_plot *p = hs_plot_new(400, 300, "PV loop");
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 0);
  assert_int_equal(hs_plot_add_series(p, 0, "a", x, y1, 3, HS_PLOT_LINE, &err), HS_OK);
  char *again = render_ok(p);
  assert_string_equal(again, svg[0]);
  free(again);
  hs_plot_free(p);
  free(svg[0]);
  free(svg[1]);
}

/* Past the 8 palette colours, series differ by dash pattern: 11 series, 11 styles. */
static void test_many_series_distinguishable(void **state) {
  (void)state;
  hs_err err;
  hs_plot *p = hs_plot_new(600, 400, NULL);
  assert_int_equal(hs_plot_add_panel(p, "x", "y"), 0);
  const double x[] = {0, 1};
  for (int k = 0; k < 11; k++) {
    char name[16];
    double y[] = {k, k + 1};
    snprintf(name, sizeof name, "s%d", k);
    assert_int_equal(hs_plot_add_series(p, 0, name, x, y, 2, HS_PLOT_LINE, &err), HS_OK);
  }
  char *svg = render_ok(p);
  /* 8 solid, 3 dotted series lines; the legend samples repeat the dots */
  assert_int_equal(count_polylines(svg, NULL), 11);
  assert_int_equal(count_polylines(svg, "stroke-dasharray=\"2 3\""), 3);
  assert_int_equal(count_substr(svg, "stroke-dasharray=\"2 3\""), 6);
  free(svg);
  hs_plot_free(p);
}

/* The clip rectangle (plot area, 2 px margin) of the first panel: (x, y, w, h). */
static void plot_area(const char *svg, double box[4]) {
  const char *c = strstr(svg, "<clipPath");
  assert_non_null(c);
  const char *r = strstr(c, "<rect x=\"");
  assert_non_null(r);
  assert_int_equal(sscanf(r, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%lf\"", &box[0],
                          &box[1], &box[2], &box[3]),
                   4);
}

/* 27 PV-loop-like series (compare's figure): with the legend outside, the legend box and
   the plot area do not overlap and the legend fits the page; a THICK series is drawn 3x
   wider, in the plot and in its legend sample. */
static void test_legend_outside_many_series(void **state) {
  (void)state;
  hs_err err;
  hs_plot *p = hs_plot_new(1240, 150 + 18 * 27, "loops");
  assert_int_equal(hs_plot_add_panel(p, "LV volume (mL)", "LV pressure (mmHg)"), 0);
  enum { N = 60 };
  double x[N], y[N];
  for (int k = 0; k < 27; k++) {
    for (int i = 0; i < N; i++) {
      double a = 2 * 3.14159265358979 * i / (N - 1);
      x[i] = 120 + 5 * k + 40 * cos(a), y[i] = 60 + 50 * sin(a) + k;
    }
    char name[80];
    snprintf(name, sizeof name, "ECMO + strategy number %d with a long clinical name", k);
    assert_int_equal(hs_plot_add_series(p, 0, name, x, y, N, k == 5 ? HS_PLOT_THICK : HS_PLOT_LINE,
                                        &err), HS_OK);
  }
  char *svg = render_ok(p);
  double area[4], leg[4];
  plot_area(svg, area);
  assert_true(legend_box(svg, leg));
  /* inside: the legend would cover the loops; the corner placement does */
  assert_true(leg[1] + leg[3] > area[1] && leg[1] < area[1] + area[3]);
  assert_true(leg[0] < area[0] + area[2]);
  free(svg);
  hs_plot_legend_outside(p);
  svg = render_ok(p);
  plot_area(svg, area);
  assert_true(legend_box(svg, leg));
  assert_true(leg[0] >= area[0] + area[2]); /* right of the plot area: no overlap */
  assert_true(leg[0] + leg[2] <= 1240 && leg[1] + leg[3] <= 150 + 18 * 27);
  assert_true(area[2] > 400); /* the plot keeps a usable width */
  assert_int_equal(count_substr(svg, "stroke-width=\"6\""), 2); /* thick line + sample */
  assert_well_formed(svg);
  free(svg);
  hs_plot_free(p);
}

/* A discrete setting gets its own ticks and labels, not 0.5-steps of a number line. */
static void test_explicit_xticks(void **state) {
  (void)state;
  hs_err err;
  hs_plot *p = hs_plot_new(500, 300, NULL);
  assert_int_equal(hs_plot_add_panel(p, "IABP assist ratio", "PCWP (mmHg)"), 0);
  const double x[] = {1, 2, 3}, y[] = {31.7, 32.7, 33.1};
  const char *const lab[] = {"1:1", "1:2", "1:3 <&>"};
  assert_int_equal(hs_plot_add_series(p, 0, "simulated", x, y, 3, HS_PLOT_MARKERS, &err), HS_OK);
  assert_int_equal(hs_plot_set_xticks(p, 0, x, lab, 3, &err), HS_OK);
  char *svg = render_ok(p);
  assert_non_null(strstr(svg, ">1:1</text>"));
  assert_non_null(strstr(svg, ">1:2</text>"));
  assert_non_null(strstr(svg, ">1:3 &lt;&amp;&gt;</text>"));
  assert_null(strstr(svg, ">1.5</text>"));
  assert_null(strstr(svg, ">2.5</text>"));
  assert_well_formed(svg);
  free(svg);
  /* bad input: not increasing, NaN, no label, too many, bad panel */
  const double bad[] = {1, 1, 2}, nan3[] = {1, NAN, 3};
  const char *const nolab[] = {"a", NULL, "c"};
  assert_int_equal(hs_plot_set_xticks(p, 0, bad, lab, 3, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "increasing"));
  assert_int_equal(hs_plot_set_xticks(p, 0, nan3, lab, 3, &err), HS_ERR_INVALID);
  assert_int_equal(hs_plot_set_xticks(p, 0, x, nolab, 3, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "tick 1"));
  assert_int_equal(hs_plot_set_xticks(p, 0, x, lab, 0, &err), HS_ERR_INVALID);
  assert_int_not_equal(hs_plot_set_xticks(p, 3, x, lab, 3, &err), HS_OK);
  hs_plot_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_document_structure_and_title_escaping),
      cmocka_unit_test(test_quotes_and_bad_bytes_are_escaped),
      cmocka_unit_test(test_labels_polylines_legend_and_styles),
      cmocka_unit_test(test_nice_ticks_cover_data),
      cmocka_unit_test(test_tick_label_formats),
      cmocka_unit_test(test_marker_label),
      cmocka_unit_test(test_nonfinite_points_rejected),
      cmocka_unit_test(test_bad_panel_index),
      cmocka_unit_test(test_bad_range_rejected),
      cmocka_unit_test(test_empty_and_null_series_rejected),
      cmocka_unit_test(test_render_errors),
      cmocka_unit_test(test_constant_and_single_point_data),
      cmocka_unit_test(test_near_constant_data),
      cmocka_unit_test(test_large_series_renders_fast),
      cmocka_unit_test(test_legend_does_not_hide_data),
      cmocka_unit_test(test_long_text_is_shrunk),
      cmocka_unit_test(test_ids_unique_per_plot),
      cmocka_unit_test(test_many_series_distinguishable),
      cmocka_unit_test(test_explicit_xticks),
      cmocka_unit_test(test_legend_outside_many_series),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
