/*
 * core/textbuf.h - a text the library builds in memory (a report, a table, a CSV, an
 * SQL statement) through a stdio stream (POSIX open_memstream), with one rule for
 * failures: any failed write or close gives no text and an out-of-memory error naming
 * what was being written, never a truncated text.  Also hs_str_appendf, the one
 * exception: a sentence appended to a fixed buffer of a result struct, cut at its end.
 */
#ifndef HS_CORE_TEXTBUF_H
#define HS_CORE_TEXTBUF_H

#include <stddef.h>
#include <stdio.h>

#include "hemosim/error.h"

typedef struct hs_textbuf {
  char *buf;
  size_t len;
  FILE *f;
} hs_textbuf;

/* Start a text; the stream to write to, or NULL with err set ("out of memory writing
   the <what>"). */
FILE *hs_textbuf_open(hs_textbuf *t, const char *what, hs_err *err);
/* Close the stream and hand the text over (the caller frees it); NULL with err set when
   any write or the close failed (nothing is left allocated). */
char *hs_textbuf_close(hs_textbuf *t, const char *what, hs_err *err);

/* x as printed with `decimals` decimals reads it: 0 (never "-0.00") when it rounds to
   zero, x otherwise (a native LV output of -1e-6 L/min behind a shut valve, a TCD
   velocity of -1e-9, a CVP rise of -0.02 mmHg at one decimal). */
double hs_shown(double x, int decimals);

/* Append to the string in the fixed buffer b of n bytes, cut at its end (a note of a
   result struct: compare's notes are sentences with a size limit). */
void hs_str_appendf(char *b, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
