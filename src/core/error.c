/*
 * error.c - the status table and the error record.
 *
 * Messages are formatted into the caller's hs_err; nothing is global, so calls
 * from different threads never share an error buffer.
 */
#include "hemosim/error.h"

#include <stdio.h>
#include <string.h>

const char *hs_status_str(hs_status code) {
  switch (code) {
#define HS_X_CASE(name, value, text) \
  case name:                         \
    return text;
    HS_STATUS_LIST(HS_X_CASE)
#undef HS_X_CASE
  }
  return "unknown status";
}

hs_status hs_err_vset(hs_err *err, hs_status code, const char *fmt, va_list ap) {
  if (err) {
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  }
  return code;
}

hs_status hs_err_set(hs_err *err, hs_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hs_err_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

hs_status hs_err_prefix(hs_err *err, const char *fmt, ...) {
  if (!err) return HS_OK;
  char head[HS_ERRMSG_MAX];
  char tail[HS_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  memcpy(tail, err->msg, sizeof tail);
  tail[sizeof tail - 1] = '\0';
  size_t nh = strlen(head), nt = strlen(tail);
  if (nh > sizeof err->msg - 1) nh = sizeof err->msg - 1;
  if (nt > sizeof err->msg - 1 - nh) nt = sizeof err->msg - 1 - nh;
  memcpy(err->msg, head, nh);
  memcpy(err->msg + nh, tail, nt);
  err->msg[nh + nt] = '\0';
  return err->code;
}

void hs_err_clear(hs_err *err) {
  if (err) {
    err->code = HS_OK;
    err->msg[0] = '\0';
  }
}
