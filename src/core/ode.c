/*
 * ode.c - the registry of built-in integrator types, generated from
 * HS_ODE_TABLE (core/ode.h).
 */
#include <string.h>

#include "core/ode.h"

#define HS_ODE_PTR(type, name) &type,
#define HS_ODE_NAME(type, name) name,
static const hs_ode_type *const ALL[] = {HS_ODE_TABLE(HS_ODE_PTR)};
const char *const hs_ode_method_names[] = {HS_ODE_TABLE(HS_ODE_NAME) NULL};

size_t hs_ode_type_count(void) { return sizeof ALL / sizeof ALL[0]; }

const hs_ode_type *hs_ode_type_at(size_t i) { return i < hs_ode_type_count() ? ALL[i] : NULL; }

const hs_ode_type *hs_ode_find(const char *name) {
  for (size_t i = 0; name && i < hs_ode_type_count(); i++)
    if (strcmp(ALL[i]->name, name) == 0) return ALL[i];
  return NULL;
}
