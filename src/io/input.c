/*
 * io/input.c - reading an input file (include/hemosim/input.h): regular files only,
 * a size cap, no NUL byte.
 */
#define _POSIX_C_SOURCE 200809L
#include "hemosim/input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char NOT_REGULAR[] =
    "not a regular file (a directory, device or pipe cannot be an input file)";

hs_status hs_input_read(const char *path, size_t max_bytes, char **text, size_t *len,
                        hs_err *err) {
  if (text) *text = NULL;
  if (len) *len = 0;
  if (!path || !text) return hs_err_set(err, HS_ERR_INVALID, "hs_input_read: no path given");
  if (!max_bytes) max_bytes = HS_INPUT_MAX_BYTES;
  /* stat before opening: opening a FIFO for reading would already block */
  struct stat sb;
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
    return hs_err_set(err, HS_ERR_IO, "%s: %s", path, NOT_REGULAR);
  FILE *f = fopen(path, "rb");
  if (!f) return hs_err_set(err, HS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) { /* replaced since stat() */
    fclose(f);
    return hs_err_set(err, HS_ERR_IO, "%s: %s", path, NOT_REGULAR);
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  hs_status st = HS_OK;
  for (;;) {
    if (cap - n < 4096 + 1) {
      size_t ncap = cap ? 2 * cap : 8192;
      char *more = realloc(buf, ncap);
      if (!more) {
        st = hs_err_set(err, HS_ERR_NOMEM, "%s: out of memory while reading", path);
        break;
      }
      buf = more;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (n > max_bytes) {
      if (max_bytes >= 1024 * 1024)
        st = hs_err_set(err, HS_ERR_RANGE, "%s: larger than %zu MiB: not an input file hemosim "
                                           "reads", path, max_bytes / (1024 * 1024));
      else
        st = hs_err_set(err, HS_ERR_RANGE, "%s: larger than %zu KiB: not an input file hemosim "
                                           "reads", path, max_bytes / 1024);
      break;
    }
    if (got == 0) {
      if (ferror(f)) st = hs_err_set(err, HS_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
      break;
    }
  }
  fclose(f);
  const char *nul = st == HS_OK && n ? memchr(buf, '\0', n) : NULL;
  if (nul) {
    size_t line = 1, col = 1;
    for (const char *p = buf; p < nul; p++) {
      if (*p == '\n') line++, col = 1;
      else col++;
    }
    st = hs_err_set(err, HS_ERR_PARSE,
                    "%s:%zu: a NUL byte (column %zu): an input file is text; a binary file or a "
                    "broken encoding (UTF-16?) cannot be read",
                    path, line, col);
  }
  if (st != HS_OK) {
    free(buf);
    return st;
  }
  if (!buf && !(buf = malloc(1))) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  buf[n] = '\0';
  *text = buf;
  if (len) *len = n;
  return HS_OK;
}

size_t hs_input_line(const char *text, size_t len, size_t *pos, const char **line) {
  if (!text || !pos || *pos >= len) return (size_t)-1;
  const char *s = text + *pos;
  const char *nl = memchr(s, '\n', len - *pos);
  size_t k = nl ? (size_t)(nl - s) : len - *pos;
  *pos += k + (nl != NULL);
  if (line) *line = s;
  if (k && s[k - 1] == '\r') k--;
  return k;
}
