/*
 * core/textbuf.c - texts built in memory (core/textbuf.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "core/textbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

FILE *hs_textbuf_open(hs_textbuf *t, const char *what, hs_err *err) {
  t->buf = NULL;
  t->len = 0;
  t->f = open_memstream(&t->buf, &t->len);
  if (!t->f) hs_err_set(err, HS_ERR_NOMEM, "out of memory writing the %s", what);
  return t->f;
}

char *hs_textbuf_close(hs_textbuf *t, const char *what, hs_err *err) {
  int bad = ferror(t->f);
  int closed = fclose(t->f);
  t->f = NULL;
  if (closed != 0 || bad || !t->buf) {
    free(t->buf);
    t->buf = NULL;
    hs_err_set(err, HS_ERR_NOMEM, "out of memory writing the %s", what);
    return NULL;
  }
  return t->buf;
}

double hs_shown(double x, int decimals) {
  if (!(fabs(x) < 1.0)) return x; /* also NaN and infinities */
  char b[64]; /* what printf makes of it: zero when no digit but 0 is printed */
  snprintf(b, sizeof b, "%.*f", decimals < 0 ? 0 : decimals > 30 ? 30 : decimals, x);
  for (const char *p = b; *p; p++)
    if (*p >= '1' && *p <= '9') return x;
  return 0.0;
}

void hs_str_appendf(char *b, size_t n, const char *fmt, ...) {
  size_t k = strlen(b);
  if (k + 1 >= n) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b + k, n - k, fmt, ap);
  va_end(ap);
}
