/* fuzz_targets.c - targets/context files of compare and optimize (hs_targets_load,
 * docs/decision.md); the strategies a file lists are checked as compare checks them.
 * The loader reads a path, so each input is written to a per-process scratch file. */
#include <stdint.h>

#include "hemosim/hemosim.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch("targets", data, size);
  if (!path) return 0;
  hs_err err;
  hs_targets t;
  hs_context c;
  char **list = NULL;
  hs_targets_default(&t);
  hs_context_default(&c);
  if (hs_targets_load(path, &t, &c, &list, &err) == HS_OK && list) {
    char label[256];
    for (char **s = list; *s; s++) hs_strategy_check(*s, label, sizeof label, &err);
  }
  hs_strategy_list_free(list);
  return 0;
}
