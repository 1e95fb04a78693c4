/* fuzz_scenario.c - scenario files: parsed, then checked against (and scheduled
 * on) a simulation of the default patient. */
#include <stddef.h>
#include <stdint.h>

#include "hemosim/hemosim.h"

static hs_plan *plan(void) {
  static hs_plan *pl; /* built once: the fuzzer calls this function millions of times */
  if (!pl) {
    hs_err err;
    hs_model *m = NULL;
    if (hs_patient_load_default(&m, &err) == HS_OK) pl = hs_plan_compile(m, &err);
    hs_model_free(m);
  }
  return pl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hs_err err;
  hs_scenario *sc = NULL;
  if (hs_scenario_load_string("fuzz_scenario.yaml", (const char *)data, size, &sc, &err) != HS_OK)
    return 0;
  hs_sim *sim = plan() ? hs_sim_new(plan(), &err) : NULL;
  if (sim) hs_scenario_apply(sc, sim, &err);
  hs_sim_free(sim);
  hs_scenario_free(sc);
  return 0;
}
