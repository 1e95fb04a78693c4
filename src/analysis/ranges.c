/* ranges.c - range checks of option tables (ranges.h). */
#include "ranges.h"

hs_status hs_check_ranges(const hs_range_field *f, size_t n, const char *what, hs_err *err) {
  for (size_t i = 0; i < n; i++)
    if (!(f[i].v >= f[i].lo && f[i].v <= f[i].hi))
      return hs_err_set(err, HS_ERR_RANGE, "%s %s = %g outside [%g, %g]", what, f[i].name,
                        f[i].v, f[i].lo, f[i].hi);
  return HS_OK;
}
