/*
 * physio/registry.c - the table of physiological modules (physio/module.h).  Adding a
 * module is one file in src/physio/ plus one line here.
 */
#include "physio/module.h"

#include <string.h>

extern const hs_physio_module hs_physio_drugs, hs_physio_bp_control, hs_physio_baroreflex;
extern const hs_physio_module hs_physio_cardiopulmonary;
extern const hs_physio_module hs_physio_lung_water, hs_physio_lactate;
extern const hs_physio_module hs_physio_fluids, hs_physio_hemolysis, hs_physio_tissue_co2;
extern const hs_physio_module hs_physio_brain, hs_physio_oxygen, hs_physio_coronary;
extern const hs_physio_module hs_physio_myocardium, hs_physio_ischaemia;

/* Effects multiply in this order (the drugs' resistance factor, then the controller's). */
static const hs_physio_module *const MODULES[] = {
    &hs_physio_oxygen, /* first: its compile sets the oxygen block the others read; the
                          transport of O2, ECMO tracer and CO2, gas exchange */
    &hs_physio_drugs,
    &hs_physio_bp_control,
    &hs_physio_baroreflex,
    &hs_physio_cardiopulmonary,
    &hs_physio_lung_water,
    &hs_physio_lactate,
    &hs_physio_coronary, /* the coronary beds' metabolic tone (kept with the slow states) */
    &hs_physio_myocardium, /* the myocardium's O2 demand (kept with the slow states) */
    &hs_physio_fluids,    /* slow states: Hb dilution, fluid counters */
    &hs_physio_hemolysis, /* slow state: plasma free Hb (reads the Hb of fluids) */
    &hs_physio_tissue_co2, /* slow state: tissue PCO2 (effect: CO2 released to the blood) */
    &hs_physio_brain,      /* resistor factors: clot obstruction, collaterals */
    &hs_physio_ischaemia,  /* contractility matched to the O2 supply (slow-state slot; last:
                              the other modules' slow states keep their places) */
};

size_t hs_physio_module_count(void) { return sizeof MODULES / sizeof MODULES[0]; }

const hs_physio_module *hs_physio_module_at(size_t i) {
  return i < hs_physio_module_count() ? MODULES[i] : 0;
}

const hs_physio_circuit *hs_physio_circuit_hooks(void) {
  for (size_t i = 0; i < hs_physio_module_count(); i++)
    if (MODULES[i]->circuit) return MODULES[i]->circuit;
  return 0;
}

const hs_physio_transport *hs_physio_transport_hooks(void) {
  for (size_t i = 0; i < hs_physio_module_count(); i++)
    if (MODULES[i]->transport) return MODULES[i]->transport;
  return 0;
}

size_t hs_physio_slow_count(void) {
  size_t n = 0;
  for (size_t i = 0; i < hs_physio_module_count(); i++) n += (size_t)MODULES[i]->nslow;
  return n;
}

int hs_physio_block(const hs_plan *pl, const char *name) {
  for (int b = 0; b < pl->nblocks; b++)
    if (strcmp(pl->bname[b], name) == 0) return pl->bpofs[b];
  return -1;
}
