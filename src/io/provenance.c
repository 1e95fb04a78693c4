/*
 * io/provenance.c - how an output directory was made (include/hemosim/output.h):
 * the build (hemosim version and the commit it was configured at) and the
 * provenance.json sidecar that run --out and cohort write next to their CSV files.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "io/json_util.h"

/* the commit CMake saw when it configured the build (CMakeLists.txt); "" outside git */
#ifndef HS_GIT_COMMIT
#define HS_GIT_COMMIT ""
#endif

const char *hs_build_version(void) {
  return HS_GIT_COMMIT[0] ? HS_VERSION "+" HS_GIT_COMMIT : HS_VERSION;
}

char *hs_provenance_json(const char *command, const hs_provenance *prov,
                         const char *const *kv, size_t nkv, const char *const *files,
                         size_t nfiles, hs_err *err) {
  json_t *root = json_object();
  int bad = !root;
  bad |= hs_jset(root, "schema", json_string("hemosim-provenance/1"));
  bad |= hs_jprovenance(root, prov);
  bad |= hs_jset(root, "hemosim_build", json_string(hs_build_version()));
  bad |= hs_jset(root, "command", hs_jstr(command));
  for (size_t k = 0; k < nkv; k++) bad |= hs_jset(root, kv[2 * k], hs_jstr(kv[2 * k + 1]));
  bad |= hs_jset(root, "files", hs_jstr_array(files, nfiles));
  return hs_jdump(root, bad, 17, "provenance.json", err);
}

hs_status hs_provenance_write(const char *dir, const char *command, const hs_provenance *prov,
                              const char *const *kv, size_t nkv, const char *const *files,
                              size_t nfiles, hs_err *err) {
  char *text = hs_provenance_json(command, prov, kv, nkv, files, nfiles, err);
  if (!text) return err ? err->code : HS_ERR_NOMEM;
  size_t n = strlen(dir) + sizeof "/provenance.json";
  char *path = malloc(n);
  hs_status st = path ? HS_OK : hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if (path) {
    snprintf(path, n, "%s/provenance.json", dir);
    st = hs_write_file_atomic(path, text, strlen(text), err);
  }
  free(path);
  free(text);
  return st;
}
