/* fuzz_set.c - a --set NAME=VALUE override applied to a model of the default
 * patient (as hemosim run --set does): the path and the value text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hemosim/hemosim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 512) return 0;
  char text[520];
  memcpy(text, data, size);
  text[size] = '\0';
  char *eq = strchr(text, '=');
  if (!eq) return 0;
  *eq = '\0';
  static hs_model *base;
  hs_err err;
  if (!base && hs_patient_load_default(&base, &err) != HS_OK) return 0;
  hs_model *m = hs_model_clone(base, &err);
  if (!m) return 0;
  if (hs_model_set_text(m, text, eq + 1, &err) == HS_OK) {
    hs_plan *pl = hs_plan_compile(m, &err);
    hs_plan_free(pl);
  }
  hs_model_free(m);
  return 0;
}
