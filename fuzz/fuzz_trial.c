/* fuzz_trial.c - trial protocol files (hemosim trial create / amend, docs/trial.md):
 * parsed and checked without a database (io/trial_impl.h), the canonical JSON written,
 * the canonical text parsed again (it must load and say the same), and the amendment
 * check run against itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/trial_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hs_trial_protocol p, q; /* large: off the stack */
  hs_err err;
  char *canon = NULL, *canon2 = NULL;
  if (hs_trial_protocol_parse("fuzz_trial.yaml", (const char *)data, size, &p, &canon, &err) !=
      HS_OK)
    return 0;
  if (hs_trial_protocol_parse("canonical", canon, strlen(canon), &q, &canon2, &err) != HS_OK ||
      strcmp(canon, canon2) != 0)
    abort(); /* the canonical form of a valid protocol must load to itself */
  if (hs_trial_protocol_compatible(&p, &q, 1, &err) != HS_OK) abort();
  free(canon);
  free(canon2);
  return 0;
}
