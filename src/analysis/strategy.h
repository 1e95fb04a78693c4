/*
 * analysis/strategy.h - one strategy = the patient's model plus one edit, simulated to
 * steady state and checked against targets.  Shared by compare.c and optimize.c.
 */
#ifndef HS_ANALYSIS_STRATEGY_H
#define HS_ANALYSIS_STRATEGY_H

#include "hemosim/compare.h"

typedef struct hs_strategy {
  const char *name, *label;
  int invasiveness;
  const char *device, *type, *p0, *p1; /* device to add (NULL: none) */
  const char *sets[10];                /* path/value pairs applied after ("@vent": rebind) */
} hs_strategy;

typedef struct hs_strategy_job {
  const hs_model *base;
  const hs_strategy *st;
  double flow_lpm; /* > 0: set ecmo.target_flow */
  const hs_targets *targets;
  hs_compare_row *row;
  hs_status status;
  hs_err err;
} hs_strategy_job;

/* The patient with a va_ecmo device "ecmo" in flow control (added if absent). */
hs_status hs_strategy_base(const hs_model *patient, hs_model **out, hs_err *err);
/* Simulate one job (fills row, status, err). */
void hs_strategy_run(hs_strategy_job *job);
/* Simulate n jobs on `threads` threads; results do not depend on the thread count. */
void hs_strategy_run_all(hs_strategy_job *jobs, size_t n, int threads);

#endif
