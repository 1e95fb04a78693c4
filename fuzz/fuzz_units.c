/* fuzz_units.c - the unit parser: "<number> <unit>" for every kind of quantity. The
 * first byte picks the quantity; the rest is the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "hemosim/hemosim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 256) return 0;
  char text[260];
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  hs_err err;
  double v = 0;
  hs_dim dim = (hs_dim)(data[0] % HS_DIM_COUNT);
  if (hs_quantity_parse(dim, text, &v, &err) == HS_OK && !isfinite(v)) abort(); /* never inf/NaN */
  return 0;
}
