/* fuzz_patient.c - patient files (YAML or JSON, with base: chains) through the
 * loader, and when they load, compiled into a plan.  The document is named as if
 * it sat in examples/patients/, so `base: healthy_adult.yaml` resolves. */
#include <stddef.h>
#include <stdint.h>

#include "hemosim/hemosim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_string(HS_SOURCE_DIR "/examples/patients/fuzz.yaml", (const char *)data,
                             size, &m, &err) == HS_OK) {
    hs_plan *pl = hs_plan_compile(m, &err);
    hs_plan_free(pl);
    hs_model_free(m);
  }
  return 0;
}
