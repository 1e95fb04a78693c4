/* ode.c - the table of integrator types (one line per integrator). */
#include <string.h>

#include "core/ode.h"

const hs_ode_type *hs_ode_find(const char *name) {
  static const hs_ode_type *const ALL[] = {&hs_ode_dopri5, &hs_ode_cvodes_bdf,
                                           &hs_ode_cvodes_adams};
  for (size_t i = 0; name && i < sizeof ALL / sizeof ALL[0]; i++)
    if (strcmp(ALL[i]->name, name) == 0) return ALL[i];
  return NULL;
}
