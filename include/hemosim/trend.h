/*
 * hemosim/trend.h - trends of every metric over a run (docs/output.md, "Trends").
 *
 * A trend records the metrics of every completed beat of a simulation (its beat
 * callback, or hs_trend_on_beat called from the caller's own callback) and aggregates
 * them into fixed intervals (e.g. every 60 s): the mean of the beats that ended in the
 * interval.  Intervals without a beat (skipped by macro steps of the slow states,
 * solver.slow_step) are interpolated linearly between the neighbouring beats and marked
 * with beats = 0.  Events (scenario changes, titration decisions) are kept as time +
 * label and drawn as markers.  Outputs: CSV (per beat or per interval), JSON (both
 * tables and the events, schema hemosim-trend/1) and an SVG of chosen metrics against
 * time.  Nothing prints; errors return a status and fill hs_err.
 */
#ifndef HEMOSIM_TREND_H
#define HEMOSIM_TREND_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_trend hs_trend;

/* A trend of every metric of sim (hs_sim_metric_count names, units); interval_s > 0.
   keep_beats: also keep every beat's row (the per-beat table; memory ~8 bytes x metrics
   per beat); else only the intervals. */
hs_trend *hs_trend_new(const hs_sim *sim, double interval_s, int keep_beats, hs_err *err);
void hs_trend_free(hs_trend *tr); /* NULL is a no-op */

/* Record one beat (t_end: its end time, m: hs_sim_metric_count values).  Usable as the
   simulation's beat callback with ud = the trend (hs_sim_set_beat_callback); returns 0
   (non-zero only when out of memory, which stops the run). */
int hs_trend_on_beat(long beat, double t_end, const double *m, void *ud);
/* An event marker at time t (label copied). */
hs_status hs_trend_add_event(hs_trend *tr, double t, const char *label, hs_err *err);

size_t hs_trend_beat_count(const hs_trend *tr);
size_t hs_trend_interval_count(const hs_trend *tr);

/* CSV: per_interval 0 = one row per beat (beat, t_end_s, metrics...; needs keep_beats),
   1 = one row per interval (t_start_s, t_end_s, beats, metrics...).  NaN is written as
   an empty field.  Caller frees. */
char *hs_trend_csv(const hs_trend *tr, int per_interval, hs_err *err);
/* JSON (schema hemosim-trend/1): interval_s, metric names and units, the interval
   rows, the beat rows (when kept) and the events; NaN as null.  Caller frees. */
char *hs_trend_json(const hs_trend *tr, hs_err *err);
/* SVG: one panel per metric (names as in hs_sim_metric_name), the interval means (or
   the beats when there is no complete interval) against time (s, min or h by the span),
   events as labelled markers.  Unknown names: HS_ERR_UNKNOWN naming it.  Caller frees. */
char *hs_trend_svg(const hs_trend *tr, const char *title, const char *const *metrics, size_t n,
                   hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
