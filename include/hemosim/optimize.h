/*
 * hemosim/optimize.h - the least support that meets the targets, for one strategy.
 *
 * A strategy's setting is swept from least to most support (ECMO flow, IABP ratio
 * 1:3 -> 1:1, Impella level, septostomy diameter, vent size); every point is
 * simulated to steady state with its ECMO flow re-titrated to the least flow that
 * holds perfusion (hemosim/compare.h rules; or held fixed: hs_optimize_options) and
 * the first point meeting
 * every target is chosen: the least support that reaches the targets.  When no
 * point does, the point meeting most targets (lowest PCWP among them) is reported as
 * the closest.
 */
#ifndef HEMOSIM_OPTIMIZE_H
#define HEMOSIM_OPTIMIZE_H

#include "hemosim/compare.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_OPT_MAX_LABELS 32

typedef struct hs_optimize_result {
  char strategy[96];  /* the sweep name ("impella") or the strategy text swept */
  char setting[48];   /* e.g. "ecmo.target_flow (L/min)" */
  size_t npoints;
  double *setting_value; /* npoints, in the display unit of `setting` */
  hs_compare_row *rows;  /* npoints */
  int chosen;            /* index of the least support meeting every target, or -1:
                            the least setting, unless it needs >= 1 L/min more re-titrated
                            ECMO flow than a larger one (then the least setting within
                            1 L/min of the least flow meeting every target) */
  int closest;           /* index meeting most targets */
  int passed_over;       /* a smaller setting than `chosen` that meets every target, but
                            at >= 1 L/min more ECMO flow than the least flow meeting them;
                            or -1 */
  int least_flow;        /* with passed_over: the setting of that least flow (else -1) */
  int discrete;          /* setting with discrete console positions (ratio, level) */
  char point_label[HS_OPT_MAX_LABELS][16]; /* "1:3", "P4", "8" ... per point */
  char reason[512];
  hs_targets targets;    /* the targets the points were checked against */
  int ecmo_flow;         /* HS_OPT_FLOW_*: how the ECMO flow of every point was set */
  int hold_map;          /* the MAP controller was on (--hold-map): doses in the values */
  double wall_s;
  hs_context context;    /* the clinical context of the risks (hs_optimize_options) */
} hs_optimize_result;

enum {
  HS_OPT_FLOW_TITRATED = 0, /* re-titrated per point to the least flow holding perfusion */
  HS_OPT_FLOW_FIXED = 1,    /* held at the patient's setting (hs_optimize_options.fixed_flow) */
  HS_OPT_FLOW_SWEPT = 2     /* the swept setting itself (strategy ecmo-flow) */
};
/* "titrated", "fixed", "swept" (JSON). */
const char *hs_optimize_flow_name(int how);

typedef struct hs_optimize_options {
  int threads;    /* points run in parallel (results do not depend on it) */
  int fixed_flow; /* 1: the ECMO flow of every point stays at the patient's setting; 0
                     (default): re-titrated per point to the least flow on the targets'
                     grid holding MAP, DO2 index and drained-blood SvO2 (raised further
                     for a vent or septostomy when that drains PCWP below target), with
                     the code and rules of compare (docs/decision.md) */
  const hs_progress *progress; /* may be NULL */
  const hs_context *context;   /* clinical context (NULL: defaults, hs_context_default):
                                  a setting it contraindicates or makes unavailable is
                                  refused with compare's reason (hs_optimize_run_opts
                                  returns HS_ERR_INVALID), and it shapes the risks */
} hs_optimize_options;

/* Names accepted by hs_optimize_run ("ecmo-flow", "iabp", "impella", "septostomy",
   "la-vent", "lv-vent"), NULL-terminated. */
extern const char *const hs_optimize_strategies[];

hs_status hs_optimize_run(const hs_model *patient, const char *strategy,
                          const hs_targets *targets, int threads, hs_optimize_result **out,
                          hs_err *err);
/* hs_optimize_run with progress (hemosim/compare.h; may be NULL); the same results. */
hs_status hs_optimize_run_progress(const hs_model *patient, const char *strategy,
                                   const hs_targets *targets, int threads,
                                   const hs_progress *progress, hs_optimize_result **out,
                                   hs_err *err);
/* hs_optimize_run with options (NULL: defaults, one thread). */
hs_status hs_optimize_run_opts(const hs_model *patient, const char *strategy,
                               const hs_targets *targets, const hs_optimize_options *opt,
                               hs_optimize_result **out, hs_err *err);
void hs_optimize_free(hs_optimize_result *r);
/* SVG of PCWP, MAP, DO2 index and LVEDV against the setting, chosen point
   marked; caller frees. */
char *hs_optimize_svg(const hs_optimize_result *r, const hs_targets *t, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
