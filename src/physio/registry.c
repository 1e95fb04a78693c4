/*
 * physio/registry.c - the table of physiological modules (physio/module.h).  Adding a
 * module is one file in src/physio/ plus one line here.
 */
#include "physio/module.h"

extern const hs_physio_module hs_physio_drugs, hs_physio_bp_control, hs_physio_baroreflex;
extern const hs_physio_module hs_physio_lung_water, hs_physio_lactate;

/* Effects multiply in this order (the drugs' resistance factor, then the controller's). */
static const hs_physio_module *const MODULES[] = {
    &hs_physio_drugs,
    &hs_physio_bp_control,
    &hs_physio_baroreflex,
    &hs_physio_lung_water,
    &hs_physio_lactate,
};

size_t hs_physio_module_count(void) { return sizeof MODULES / sizeof MODULES[0]; }

const hs_physio_module *hs_physio_module_at(size_t i) {
  return i < hs_physio_module_count() ? MODULES[i] : 0;
}
