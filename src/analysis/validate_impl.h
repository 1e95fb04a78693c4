/* analysis/validate_impl.h - helpers shared by validate.c, validate_report.c and golden.c. */
#ifndef HS_ANALYSIS_VALIDATE_IMPL_H
#define HS_ANALYSIS_VALIDATE_IMPL_H

#include <stddef.h>

#include "hemosim/sim.h"
#include "hemosim/validate.h"

/* root + "/" + rel (rel as-is when absolute or root is NULL/empty); caller frees. */
char *hs_path_join(const char *root, const char *rel);
/* Load a patient file, apply "NAME=VALUE" overrides (hs_model_set_text, as
   `hemosim run --set`) and compile.  *bad_set: index of a rejected override, or
   (size_t)-1. */
hs_status hs_validate_compile(const char *path, const char *const *sets, size_t nsets,
                              size_t *bad_set, hs_plan **out, hs_err *err);
/* One simulation from the plan: to steady state (duration_s 0) or for duration_s,
   then the mean of the last solver.window_beats beats of every metric into r. */
hs_status hs_validate_simulate(const hs_plan *plan, double duration_s, hs_vcondition_result *r);
/* The same, then (nthen > 0) the changes `then_sets` applied to the running simulation
   and then_s seconds more; the metrics are the mean of the beats after the change. */
hs_status hs_validate_simulate_then(const hs_plan *plan, double duration_s,
                                    const char *const *then_sets, size_t nthen, double then_s,
                                    hs_vcondition_result *r);
void hs_vcondition_result_clear(hs_vcondition_result *r);
/* fn(ud, i) for every i < n on up to `threads` threads (the caller's included). */
void hs_validate_pool_run(void (*fn)(void *, size_t), void *ud, size_t n, int threads);

#endif
