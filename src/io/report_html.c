/*
 * io/report_html.c - helpers shared by the HTML reports (report_html.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hemosim/hemosim.h"
#include "report_html.h"

void hs_html_put(hs_html *b, const char *fmt, ...) {
  if (b->bad) return;
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->bad = 1;
      return;
    }
    if (b->n + (size_t)k < b->cap) {
      b->n += (size_t)k;
      return;
    }
    size_t cap = (b->cap + (size_t)k + 1) * 2;
    char *ns = realloc(b->s, cap);
    if (!ns) {
      b->bad = 1;
      return;
    }
    b->s = ns, b->cap = cap;
  }
}

/* Text with HTML special characters escaped. */
void hs_html_text(hs_html *b, const char *t) {
  for (; t && *t; t++) {
    switch (*t) {
      case '&': hs_html_put(b, "&amp;"); break;
      case '<': hs_html_put(b, "&lt;"); break;
      case '>': hs_html_put(b, "&gt;"); break;
      case '"': hs_html_put(b, "&quot;"); break;
      default: hs_html_put(b, "%c", *t);
    }
  }
}

hs_status hs_report_ensure_dir(const char *dir, hs_err *err) {
  struct stat sb;
  if (stat(dir, &sb) == 0)
    return S_ISDIR(sb.st_mode) ? HS_OK : hs_err_set(err, HS_ERR_IO, "%s: not a directory", dir);
  if (mkdir(dir, 0777) != 0)
    return hs_err_set(err, HS_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
  return HS_OK;
}

hs_status hs_report_write_in(const char *dir, const char *file, const char *text, hs_err *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  return hs_write_file_atomic(path, text, strlen(text), err);
}

void hs_html_head(hs_html *b, const char *title, const char *patient) {
  time_t now = time(NULL);
  char when[64];
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tmv);
  hs_html_put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
  hs_html_text(b, title);
  hs_html_put(b, "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
         "h1{font-size:1.5em}.ok{background:#e6f4ea;border-left:6px solid #1e8e3e;padding:.8em}"
         ".no{background:#fef7e0;border-left:6px solid #f9ab00;padding:.8em}"
         "table{border-collapse:collapse;font-size:.85em;margin:1em 0}td,th{border:1px solid #ccc;"
         "padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}"
         "td.m{background:#e6f4ea}td.x{background:#fce8e6}td.w{background:#fef7e0}tr.best td{font-weight:bold}"
         ".small{font-size:.8em;color:#555}</style></head><body>\n<h1>");
  hs_html_text(b, title);
  hs_html_put(b, "</h1>\n<p class=\"small\">Patient: ");
  hs_html_text(b, patient);
  hs_html_put(b, ". hemosim %s, %s. A simulation of a model calibrated as documented; it informs, it "
         "does not replace, clinical judgement.</p>\n",
      HS_VERSION, when);
}


const char *hs_html_svg_body(const char *svg) {
  const char *s = strstr(svg, "<svg");
  return s ? s : svg;
}
