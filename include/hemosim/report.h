/*
 * hemosim/report.h - self-contained HTML reports of a comparison or an optimisation:
 * index.html (inline CSS and SVG figures, readable offline), the figures as SVG files
 * and the data as JSON, all written atomically into a directory (created if needed).
 */
#ifndef HEMOSIM_REPORT_H
#define HEMOSIM_REPORT_H

#include "hemosim/compare.h"
#include "hemosim/optimize.h"

#ifdef __cplusplus
extern "C" {
#endif

hs_status hs_report_compare(const char *dir, const char *patient, const hs_compare_result *r,
                            const hs_targets *t, hs_err *err);
hs_status hs_report_optimize(const char *dir, const char *patient, const hs_optimize_result *r,
                             const hs_targets *t, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
