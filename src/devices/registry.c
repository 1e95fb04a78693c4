/*
 * devices/registry.c - the table of device types.  Adding a device is one file
 * in src/devices/ plus one line here.
 */
#include <string.h>

#include "hemosim/device.h"

extern const hs_device_type hs_device_va_ecmo;
extern const hs_device_type hs_device_septostomy;
extern const hs_device_type hs_device_impella, hs_device_tandemheart;
extern const hs_device_type hs_device_iabp;

static const hs_device_type *const DEVICES[] = {
    &hs_device_va_ecmo,
    &hs_device_septostomy,
    &hs_device_impella, &hs_device_tandemheart,
    &hs_device_iabp,
};

size_t hs_device_type_count(void) { return sizeof DEVICES / sizeof DEVICES[0]; }

const hs_device_type *hs_device_type_at(size_t i) {
  return i < hs_device_type_count() ? DEVICES[i] : NULL;
}

const hs_device_type *hs_device_type_find(const char *name) {
  for (size_t i = 0; name && i < hs_device_type_count(); i++)
    if (strcmp(DEVICES[i]->block->name, name) == 0) return DEVICES[i];
  return NULL;
}
