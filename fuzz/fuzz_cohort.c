/* fuzz_cohort.c - cohort study files (hs_cohort_load_string, docs/cohort.md), with
 * relative paths resolved in examples/cohorts; a loaded study draws its first and its
 * last virtual patient and names its columns (no simulation). */
#include <stdint.h>
#include <stdlib.h>

#include "hemosim/hemosim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hs_err err;
  hs_cohort *c = NULL;
  if (hs_cohort_load_string("fuzz_cohort.yaml", (const char *)data, size,
                            HS_SOURCE_DIR "/examples/cohorts", &c, &err) != HS_OK)
    return 0;
  size_t np = hs_cohort_param_count(c), n = hs_cohort_patient_count(c);
  double *x = malloc((np ? np : 1) * sizeof(double));
  if (x && n) {
    hs_cohort_sample(c, 0, x, &err);
    hs_cohort_sample(c, n - 1, x, &err);
  }
  free(x);
  for (size_t k = 0; k < np; k++) (void)hs_cohort_param_name(c, k), (void)hs_cohort_param_unit(c, k);
  for (size_t k = 0; k < hs_cohort_strategy_count(c); k++) (void)hs_cohort_strategy_name(c, k);
  for (size_t k = 0; k < hs_cohort_output_count(c); k++)
    (void)hs_cohort_output_name(c, k), (void)hs_cohort_output_unit(c, k);
  for (size_t k = 0; k < hs_cohort_target_count(c); k++) (void)hs_cohort_target_text(c, k);
  (void)hs_cohort_fingerprint(c);
  hs_cohort_free(c);
  return 0;
}
