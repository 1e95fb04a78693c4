/*
 * hemosim/error.h - status codes and the error record every fallible call fills.
 *
 * One list (HS_STATUS_LIST) expands into both the enum and the message table, so
 * the two can never drift apart.  Library code never prints or exits: a failing
 * call returns a non-zero hs_status and, when the caller passed an hs_err, writes a
 * message that says where ("file:line:col: field ..." or "t=12.340 s: ...").
 */
#ifndef HEMOSIM_ERROR_H
#define HEMOSIM_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HS_STATUS_LIST(X)                                                     \
  X(HS_OK, 0, "success")                                                      \
  X(HS_ERR_NOMEM, 1, "out of memory")                                         \
  X(HS_ERR_IO, 2, "input/output error")                                       \
  X(HS_ERR_PARSE, 3, "malformed input")                                       \
  X(HS_ERR_INVALID, 4, "invalid value")                                       \
  X(HS_ERR_RANGE, 5, "value out of range")                                    \
  X(HS_ERR_UNKNOWN, 6, "unknown name")                                        \
  X(HS_ERR_MODEL, 7, "inconsistent model")                                    \
  X(HS_ERR_SOLVER, 8, "integrator failure")                                   \
  X(HS_ERR_NONPHYSICAL, 9, "non-physical state")                              \
  X(HS_ERR_STATE, 10, "call not allowed in this state")                       \
  X(HS_ERR_NOT_STEADY, 11, "no periodic steady state")

typedef enum hs_status {
#define HS_X_ENUM(name, value, text) name = value,
  HS_STATUS_LIST(HS_X_ENUM)
#undef HS_X_ENUM
} hs_status;

#define HS_ERRMSG_MAX 1024

/* The error record.  Callers may pass NULL wherever an hs_err* is accepted. */
typedef struct hs_err {
  hs_status code;
  char msg[HS_ERRMSG_MAX];
} hs_err;

/* Short fixed description of a status code (never NULL). */
const char *hs_status_str(hs_status code);

/* Fill err (if not NULL) with code and a printf-style message; returns code. */
hs_status hs_err_set(hs_err *err, hs_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
hs_status hs_err_vset(hs_err *err, hs_status code, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* Prepend context ("patient.yaml: ") to an existing message; returns err->code. */
hs_status hs_err_prefix(hs_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void hs_err_clear(hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
