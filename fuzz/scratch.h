/* scratch.h - for fuzz targets whose loader reads a path: write the input to a
 * per-process scratch file /tmp/hs_fuzz_<tag>_<pid>.yaml and return its path (static
 * storage; NULL when it cannot be written). */
#ifndef HS_FUZZ_SCRATCH_H
#define HS_FUZZ_SCRATCH_H
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static const char *fuzz_scratch(const char *tag, const uint8_t *data, size_t size) {
  static char path[96];
  if (!path[0]) snprintf(path, sizeof path, "/tmp/hs_fuzz_%s_%ld.yaml", tag, (long)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return NULL;
  size_t n = fwrite(data, 1, size, f);
  return fclose(f) == 0 && n == size ? path : NULL;
}
#endif
