/*
 * io/report_html.h - private helpers shared by the HTML reports (report.c,
 * report_calibrate.c): a growable text buffer, HTML escaping, the page head with
 * the common style sheet, and atomic writes into the report directory.
 */
#ifndef HS_IO_REPORT_HTML_H
#define HS_IO_REPORT_HTML_H

#include <stddef.h>

#include "hemosim/error.h"

typedef struct hs_html {
  char *s;
  size_t n, cap;
  int bad; /* an allocation failed: the text is incomplete */
} hs_html;

/* Append printf-style text (not escaped). */
void hs_html_put(hs_html *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Append text with HTML special characters escaped (NULL appends nothing). */
void hs_html_text(hs_html *b, const char *t);
/* <!DOCTYPE html> ... <h1>title</h1> and the patient / version / date line. */
void hs_html_head(hs_html *b, const char *title, const char *patient);
/* The <svg ...> element of an SVG document (skips the XML prolog). */
const char *hs_html_svg_body(const char *svg);

/* Create dir if needed (one level); an existing non-directory is an error. */
hs_status hs_report_ensure_dir(const char *dir, hs_err *err);
/* Write text atomically to dir/file. */
hs_status hs_report_write_in(const char *dir, const char *file, const char *text, hs_err *err);

#endif
