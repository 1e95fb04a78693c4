/*
 * io/atomic.c - outputs written all-or-nothing.
 *
 * A temporary file is created beside the target with mkstemp (same directory,
 * so rename() is atomic on POSIX file systems), written, flushed, fsync'ed and
 * renamed over the target.  On any failure the temporary file is removed and
 * the previous content of the target, if any, is left untouched.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hemosim/output.h"

struct hs_afile {
  FILE *f;
  char *tmp, *path;
};

hs_afile *hs_afile_open(const char *path, hs_err *err) {
  hs_afile *a = calloc(1, sizeof *a);
  size_t n = strlen(path);
  if (!a || !(a->tmp = malloc(n + 16)) || !(a->path = malloc(n + 1))) goto nomem;
  memcpy(a->path, path, n + 1);
  snprintf(a->tmp, n + 16, "%s.tmpXXXXXX", path);
  int fd = mkstemp(a->tmp);
  if (fd < 0) {
    hs_err_set(err, HS_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
    free(a->tmp);
    free(a->path);
    free(a);
    return NULL;
  }
  fchmod(fd, 0644); /* mkstemp creates 0600; outputs are ordinary files */
  a->f = fdopen(fd, "w");
  if (!a->f) {
    hs_err_set(err, HS_ERR_IO, "%s: %s", path, strerror(errno));
    close(fd);
    unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    free(a);
    return NULL;
  }
  return a;
nomem:
  if (a) {
    free(a->tmp);
    free(a->path);
  }
  free(a);
  hs_err_set(err, HS_ERR_NOMEM, "out of memory opening %s", path);
  return NULL;
}

FILE *hs_afile_stream(hs_afile *a) { return a->f; }

void hs_afile_abort(hs_afile *a) {
  if (!a) return;
  if (a->f) fclose(a->f);
  unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  free(a);
}

hs_status hs_afile_commit(hs_afile *a, hs_err *err) {
  int bad = ferror(a->f) || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0;
  int saved = errno;
  if (fclose(a->f) != 0 && !bad) bad = 1, saved = errno;
  a->f = NULL;
  if (!bad && rename(a->tmp, a->path) != 0) bad = 1, saved = errno;
  hs_status st = HS_OK;
  if (bad) {
    st = hs_err_set(err, HS_ERR_IO, "%s: write failed: %s", a->path, strerror(saved));
    unlink(a->tmp);
  }
  free(a->tmp);
  free(a->path);
  free(a);
  return st;
}

hs_status hs_write_file_atomic(const char *path, const char *data, size_t len, hs_err *err) {
  hs_afile *a = hs_afile_open(path, err);
  if (!a) return err ? err->code : HS_ERR_IO;
  if (fwrite(data, 1, len, a->f) != len) {
    hs_err_set(err, HS_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    hs_afile_abort(a);
    return HS_ERR_IO;
  }
  return hs_afile_commit(a, err);
}
