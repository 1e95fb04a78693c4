/*
 * hemosim/plot.h - self-contained SVG line plots (waveforms, pressure-volume loops).
 *
 * A plot is a set of panels (stacked vertically, sharing the page width); each
 * panel has axes with labels and units, and one or more series of (x, y) points
 * drawn as polylines.  Rendering returns a NUL-terminated SVG 1.1 string that
 * the caller frees with free(); nothing here touches files or prints.
 *
 * Axis ranges are chosen automatically ("nice" 1-2-5 ticks that cover the data)
 * unless fixed by the caller.  Non-finite points are rejected with an error
 * naming the series and the index, so a plot never silently hides a NaN.
 */
#ifndef HEMOSIM_PLOT_H
#define HEMOSIM_PLOT_H

#include <stddef.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_plot hs_plot;

/* Styles for series; colours cycle through a colour-blind-safe palette by default. */
/* HS_PLOT_THICK: a solid line three times as wide (the series to highlight, e.g. the
   recommended strategy among many). */
typedef enum hs_plot_style {
  HS_PLOT_LINE = 0,
  HS_PLOT_DASHED = 1,
  HS_PLOT_MARKERS = 2,
  HS_PLOT_THICK = 3
} hs_plot_style;

/* A new empty plot of the given pixel size and title (title may be NULL). */
hs_plot *hs_plot_new(double width_px, double height_px, const char *title);
void hs_plot_free(hs_plot *p); /* NULL is a no-op */

/* Add a panel; returns its index (>= 0) or -1 on allocation failure.
   Labels are plain text (escaped on output), e.g. "Pressure (mmHg)". */
int hs_plot_add_panel(hs_plot *p, const char *x_label, const char *y_label);

/* Fix an axis range of a panel (otherwise automatic).  lo < hi required. */
hs_status hs_plot_set_xrange(hs_plot *p, int panel, double lo, double hi, hs_err *err);
hs_status hs_plot_set_yrange(hs_plot *p, int panel, double lo, double hi, hs_err *err);

/* Explicit x ticks for a discrete setting (e.g. IABP ratios "1:1" "1:2" "1:3" at 1, 2,
   3): ticks only there, with these labels (copied; escaped on output), instead of
   automatic numeric ticks.  1..HS_PLOT_MAX_TICKS positions, finite, increasing. */
#define HS_PLOT_MAX_TICKS 64
hs_status hs_plot_set_xticks(hs_plot *p, int panel, const double *at, const char *const *labels,
                             size_t n, hs_err *err);

/* Put the legends outside the plot areas, to the right of each panel's frame (top
   aligned), instead of in the corner that hides the fewest points: for many series,
   whose legend would cover the data.  The plot areas narrow to make room. */
void hs_plot_legend_outside(hs_plot *p);

/* Add a series of n points (copied).  name appears in the panel legend (may be NULL). */
hs_status hs_plot_add_series(hs_plot *p, int panel, const char *name, const double *x,
                             const double *y, size_t n, hs_plot_style style, hs_err *err);

/* Mark a single point with a labelled marker (e.g. "chosen setting"). */
hs_status hs_plot_add_marker(hs_plot *p, int panel, double x, double y, const char *label,
                             hs_err *err);

/* Render to SVG; caller frees the returned string.  NULL on error (err filled). */
char *hs_plot_render_svg(const hs_plot *p, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
