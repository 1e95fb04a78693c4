/*
 * embed.c - hemosim used as a library: load a patient, run it to periodic steady
 * state, print a few metrics.  Build against an installed hemosim with
 *
 *   cc embed.c $(pkg-config --cflags --libs hemosim) -o embed
 *
 * or with CMake (examples/embed/CMakeLists.txt: find_package(hemosim)).
 *   ./embed [PATIENT_FILE]        (default: the bundled healthy adult)
 */
#include <stdio.h>

#include "hemosim/hemosim.h"

int main(int argc, char **argv) {
  hs_err err;
  hs_model *m = NULL;
  hs_status st = argc > 1 ? hs_patient_load_file(argv[1], &m, &err)
                          : hs_patient_load_default(&m, &err);
  if (st) {
    fprintf(stderr, "embed: %s\n", err.msg);
    return 2;
  }
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *s = pl ? hs_sim_new(pl, &err) : NULL;
  hs_steady_info info;
  double out[HS_METRIC_COUNT];
  if (!s || hs_sim_run_to_steady(s, &info, &err) || hs_sim_summary(s, 6, out, &err)) {
    fprintf(stderr, "embed: %s\n", err.msg);
    hs_sim_free(s);
    hs_plan_free(pl);
    hs_model_free(m);
    return 2;
  }
  printf("%s (hemosim %s): steady after %ld beats\n", hs_plan_model_name(pl), HS_VERSION,
         info.beats);
  const hs_metric_id show[] = {HS_M_MAP, HS_M_CO, HS_M_PCWP, HS_M_LVEF};
  for (size_t i = 0; i < sizeof show / sizeof show[0]; i++)
    printf("  %-12s %8.2f %s\n", hs_metric_name(show[i]), out[show[i]], hs_metric_unit(show[i]));
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return 0;
}
