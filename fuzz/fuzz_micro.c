/* fuzz_micro.c - microcirculation input files (hemosim micro analyze). */
#include <stddef.h>
#include <stdint.h>

#include "hemosim/hemosim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hs_err err;
  hs_micro_input *in = NULL;
  if (hs_micro_load_string("fuzz_micro.yaml", (const char *)data, size, &in, &err) == HS_OK)
    hs_micro_input_free(in);
  return 0;
}
