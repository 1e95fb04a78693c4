/* fuzz_strategy.c - the text parsers of compare and optimize: a strategy
 * ("ecmo:3.5+iabp:1:2+la_vent:17Fr"), checked and then applied to the default patient
 * as a model and compiled; a context item ("ar=moderate", "unavailable=impella");
 * a target as NAME=VALUE ("pcwp_max=18 mmHg"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"

static hs_model *patient(void) {
  static hs_model *m; /* loaded once: the fuzzer calls this function millions of times */
  if (!m) {
    hs_err err;
    if (hs_patient_load_default(&m, &err) != HS_OK) m = NULL;
  }
  return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0; /* strategy texts are short; longer adds nothing */
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  hs_err err;
  char label[256];
  if (hs_strategy_check(text, label, sizeof label, &err) == HS_OK && patient()) {
    hs_model *m = NULL;
    if (hs_strategy_model(patient(), text, 0.0, &m, &err) == HS_OK) {
      hs_plan *pl = hs_plan_compile(m, &err);
      hs_plan_free(pl);
    }
    hs_model_free(m);
  }
  hs_context c;
  hs_context_default(&c);
  hs_context_set(&c, text, &err);
  char *eq = strchr(text, '=');
  if (eq) {
    *eq = 0;
    hs_targets t;
    hs_targets_default(&t);
    hs_targets_set(&t, text, eq + 1, &err);
  }
  free(text);
  return 0;
}
