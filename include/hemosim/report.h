/*
 * hemosim/report.h - self-contained HTML reports of a comparison, an optimisation or a
 * calibration: index.html (inline CSS and SVG figures, readable offline), the figures
 * as SVG files and the data as JSON, all written atomically into a directory (created
 * if needed).  The JSON is the command line's --json output, written by the caller.
 *
 * The JSON documents themselves (docs/output.md) come from hs_compare_json() and
 * hs_optimize_json(): the command line's --json, the reports' data files and the web
 * server (hemosim/serve.h) all use them.
 */
#ifndef HEMOSIM_REPORT_H
#define HEMOSIM_REPORT_H

#include "hemosim/calibrate.h"
#include "hemosim/compare.h"
#include "hemosim/optimize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The comparison as JSON (schema hemosim-compare/2, docs/decision.md): how it was made
   (hemosim_version; prov: patient, patient file, --set overrides, may be NULL;
   targets_file, may be NULL; targets, context and its note, options: --hold-map, the
   ECMO flow sweep), then the answer and every strategy.  Caller frees; NULL (and err)
   on failure. */
char *hs_compare_json(const hs_compare_result *r, const hs_provenance *prov,
                      const char *targets_file, hs_err *err);
/* The optimisation sweep as JSON (schema hemosim-optimize/1): the same provenance,
   targets and options (--hold-map, how the ECMO flow was set), then every point (its
   settings, values, targets met, risks) and the choice.  Caller frees. */
char *hs_optimize_json(const hs_optimize_result *r, const hs_provenance *prov,
                       const char *targets_file, hs_err *err);

hs_status hs_report_compare(const char *dir, const char *patient, const hs_compare_result *r,
                            const hs_targets *t, hs_err *err);
hs_status hs_report_optimize(const char *dir, const char *patient, const hs_optimize_result *r,
                             const hs_targets *t, hs_err *err);
/*
 * Fit report of hs_calibrate(): dir/index.html with the fit summary (time,
 * evaluations, objective before and after), every measurement against the simulated
 * value with the residual in sd units (flagged beyond 2 sd), every parameter with
 * start, fit, bounds, relative standard error and identifiability, the weak and null
 * directions of the Fisher information, and the LV pressure-volume loop of the
 * calibrated patient (beside the base patient's) as inline SVG.  Only index.html is
 * written.  If the loop cannot be simulated the page says why and the call succeeds.
 */
hs_status hs_report_calibrate(const char *dir, const hs_cal_input *in, const hs_cal_result *r,
                              hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
