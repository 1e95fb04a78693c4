/*
 * ranges.h - internal: check a table of named option values against their allowed
 * ranges, for the analysis layer's option and input structs.
 */
#ifndef HS_ANALYSIS_RANGES_H
#define HS_ANALYSIS_RANGES_H

#include <stddef.h>

#include "hemosim/error.h"

typedef struct hs_range_field {
  const char *name;
  double v, lo, hi; /* v must lie in [lo, hi]; NaN never does */
} hs_range_field;

/* HS_OK, or HS_ERR_RANGE with "<what> <name> = <v> outside [<lo>, <hi>]" for the first
   field out of range. */
hs_status hs_check_ranges(const hs_range_field *f, size_t n, const char *what, hs_err *err);

#endif
