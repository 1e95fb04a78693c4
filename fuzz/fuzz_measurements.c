/* fuzz_measurements.c - calibration measurement files (hemosim calibrate).  The
 * loader reads a path, so each input is written to a per-process scratch file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hemosim/hemosim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) snprintf(path, sizeof path, "/tmp/hs_fuzz_meas_%ld.yaml", (long)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  hs_err err;
  hs_cal_input *in = NULL;
  if (hs_cal_input_load(path, &in, &err) == HS_OK) hs_cal_input_free(in);
  return 0;
}
