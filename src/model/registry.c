/*
 * registry.c - the table of block types.  An element type's parameter table is
 * one file in src/elements/ plus one line here; its equations are engine code
 * (src/model/sim.c), so a new kind of element also needs the engine
 * (docs/library.md, "Extending").
 */
#include <string.h>

#include "elements/elements.h"
#include "hemosim/device.h"

static const hs_block_type *const TYPES[] = {
    &hs_type_vessel, &hs_type_ventricle, &hs_type_atrium, &hs_type_resistor,
    &hs_type_inertance, &hs_type_valve, &hs_type_heart, &hs_type_circulation,
    &hs_type_body, &hs_type_solver, &hs_type_oxygen, &hs_type_baroreflex, &hs_type_drugs,
    &hs_type_brain, &hs_type_map_control, &hs_type_lung_water, &hs_type_lactate,
    &hs_type_fluids, &hs_type_hemolysis, &hs_type_tissue_co2, &hs_type_drug_response,
    &hs_type_cardiopulmonary, &hs_type_microcirculation, &hs_type_coronary,
    &hs_type_myocardium, &hs_type_ischaemia,
};

#define NCORE (sizeof TYPES / sizeof TYPES[0])

/* Core element types first, then every registered device (src/devices/registry.c). */
size_t hs_block_type_count(void) { return NCORE + hs_device_type_count(); }

const hs_block_type *hs_block_type_at(size_t i) {
  if (i < NCORE) return TYPES[i];
  const hs_device_type *d = hs_device_type_at(i - NCORE);
  return d ? d->block : NULL;
}

const hs_block_type *hs_block_type_find(const char *name) {
  for (size_t i = 0; name && i < hs_block_type_count(); i++)
    if (strcmp(hs_block_type_at(i)->name, name) == 0) return hs_block_type_at(i);
  return NULL;
}

int hs_param_index(const hs_block_type *type, const char *name) {
  for (int i = 0; type && name && i < type->nparams; i++)
    if (strcmp(type->params[i].name, name) == 0) return i;
  return -1;
}
