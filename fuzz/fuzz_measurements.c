/* fuzz_measurements.c - calibration measurement files (hemosim calibrate).  The
 * loader reads a path, so each input is written to a per-process scratch file. */
#include <stdint.h>

#include "hemosim/hemosim.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch("meas", data, size);
  if (!path) return 0;
  hs_err err;
  hs_cal_input *in = NULL;
  if (hs_cal_input_load(path, &in, &err) == HS_OK) hs_cal_input_free(in);
  return 0;
}
