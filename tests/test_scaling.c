/* test_scaling.c - loading, checking and compiling a patient costs time linear in its
 * number of blocks (name lookups through a hash map; the edge and connectivity checks
 * in one pass).  Before, 40,000 nodes took 23 s (quadratic).
 *
 * The patient is the default one plus a chain of N small veins between the IVC and
 * the right atrium (N nodes, N + 1 edges).  CPU time (clock()) of load + compile at
 * N = 2,000 and N = 16,000, best of three each: linear cost gives a ratio of about 8,
 * quadratic about 64; the test allows 20.  The large case also has an absolute bound
 * (5 s of CPU in Release, 60 s under the sanitizers) so that a regression is caught
 * even if both sizes were slow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hemosim/hemosim.h"
#include "support.h"

static char *chain_patient(int n) {
  size_t cap = 256 + (size_t)n * 256;
  char *t = malloc(cap), *p = t;
  p += sprintf(p, "hemosim_patient: 1\nbase: healthy_adult.yaml\nnodes:\n");
  for (int i = 0; i < n; i++)
    p += sprintf(p, "  chain_%d: {type: vessel, compliance: 0.001, unstressed_volume: 0.01}\n", i);
  p += sprintf(p, "edges:\n  chain_in: {type: resistor, from: ivc, to: chain_0, resistance: 100}\n");
  for (int i = 0; i + 1 < n; i++)
    p += sprintf(p, "  chain_e%d: {type: resistor, from: chain_%d, to: chain_%d, resistance: 0.001}\n",
                 i, i, i + 1);
  p += sprintf(p, "  chain_out: {type: resistor, from: chain_%d, to: ra, resistance: 0.001}\n",
               n - 1);
  return t;
}

/* CPU seconds to load and compile the chain patient of n nodes (best of 3). */
static double load_compile_cpu(int n) {
  char *text = chain_patient(n);
  double best = 1e9;
  for (int rep = 0; rep < 3; rep++) {
    hs_err err;
    hs_model *m = NULL;
    clock_t c0 = clock();
    hs_status st = hs_patient_load_string(HS_SOURCE_DIR "/examples/patients/chain.yaml", text,
                                          strlen(text), &m, &err);
    if (st != HS_OK) fail_msg("%s", err.msg);
    hs_plan *pl = hs_plan_compile(m, &err);
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    assert_non_null(pl);
    assert_int_equal((int)hs_plan_node_count(pl), 32 + n); /* 32 nodes in the default patient */
    hs_plan_free(pl);
    hs_model_free(m);
    if (cpu < best) best = cpu;
  }
  free(text);
  return best;
}

static void test_load_is_linear(void **state) {
  (void)state;
  double small = load_compile_cpu(2000), large = load_compile_cpu(16000);
  double ratio = large / (small > 1e-4 ? small : 1e-4);
  printf("load+compile CPU: 2,000 nodes %.3f s, 16,000 nodes %.3f s, ratio %.1f (linear 8)\n",
         small, large, ratio);
  assert_true(ratio < 20.0);
#if defined(__SANITIZE_ADDRESS__)
  assert_true(large < 60.0);
#else
  assert_true(large < 5.0);
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_is_linear),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
