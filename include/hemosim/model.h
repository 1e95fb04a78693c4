/*
 * hemosim/model.h - the circulation as data: named blocks with checked parameters.
 *
 * A model is a netlist.  Nodes hold blood (vessels, heart chambers); edges move
 * it between two nodes (resistors, inertances, valves); global blocks hold the
 * settings that belong to no single element (heart timing, thorax, body size,
 * solver).  Every block has a type, and every type has a parameter table
 * (hs_param_spec) with unit, default, allowed range and documentation.  That one
 * table drives file parsing, validation, --set, the parameter docs and (later)
 * calibration bounds.
 *
 * A model is mutable while it is being built.  hs_plan_compile() turns it into an
 * immutable plan (flat arrays) that any number of simulations, in any number of
 * threads, may share read-only.  The plan copies what it needs, so the model may
 * be freed after compiling.
 *
 * Addressing: a parameter is "<block>.<param>", e.g. "lv.ees",
 * "heart.heart_rate", "systemic_abdominal.resistance".
 */
#ifndef HEMOSIM_MODEL_H
#define HEMOSIM_MODEL_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_block_class {
  HS_BLOCK_NODE,
  HS_BLOCK_EDGE,
  HS_BLOCK_GLOBAL,
  HS_BLOCK_DEVICE
} hs_block_class;

struct hs_device_type;

/* Flags of a parameter specification. */
enum {
  HS_PARAM_REQUIRED = 1u << 0, /* no default: a file must give it */
  HS_PARAM_BOOL = 1u << 1,     /* 0 or 1; files write true/false */
  HS_PARAM_INTEGER = 1u << 2,  /* whole numbers only */
  HS_PARAM_CHOICE = 1u << 3,   /* integer index into `choices` (files write the name) */
  HS_PARAM_RATIO = 1u << 4,    /* an assist ratio n, also written "1:n" (IABP 1:2) */
  HS_PARAM_UNIT = 1u << 5,     /* a bare number is an error: the bedside unit is not the
                                  internal one (blood volume in L, a diameter in mm) */
};

typedef struct hs_param_spec {
  const char *name;
  hs_dim dim;
  double def; /* default in the internal unit (ignored when REQUIRED) */
  double min; /* inclusive bounds in the internal unit */
  double max;
  unsigned flags;
  const char *doc;
  const char *source;         /* literature source of the default ("" if a design choice) */
  const char *const *choices; /* NULL-terminated names, for HS_PARAM_CHOICE */
} hs_param_spec;

typedef struct hs_block_type {
  const char *name; /* "vessel", "ventricle", "valve", "heart", ... */
  hs_block_class cls;
  const hs_param_spec *params;
  int nparams;
  const char *doc;
  const struct hs_device_type *device; /* devices only (hemosim/device.h) */
} hs_block_type;

/* The registry of block types (registration table; no if-chains). */
size_t hs_block_type_count(void);
const hs_block_type *hs_block_type_at(size_t i);
const hs_block_type *hs_block_type_find(const char *name);
/* Index of a parameter in a type's table, or -1. */
int hs_param_index(const hs_block_type *type, const char *name);

typedef struct hs_model hs_model;

/* A model holding only the global blocks (heart, circulation, body, solver) at defaults.
   Caller frees with hs_model_free(). */
hs_model *hs_model_new(hs_err *err);
void hs_model_free(hs_model *m); /* NULL is a no-op */
hs_model *hs_model_clone(const hs_model *m, hs_err *err);

/* Add a node/edge of a registered type.  Names: [a-z0-9_], unique across the model. */
hs_status hs_model_add_node(hs_model *m, const char *name, const char *type, hs_err *err);
hs_status hs_model_add_edge(hs_model *m, const char *name, const char *type, const char *from,
                            const char *to, hs_err *err);

/* Set a parameter in its internal unit; checked against its range. */
hs_status hs_model_set(hs_model *m, const char *path, double value, hs_err *err);
/* Set from text: "0.8", "4.5 L/min", "true", or a choice name. */
hs_status hs_model_set_text(hs_model *m, const char *path, const char *text, hs_err *err);
hs_status hs_model_get(const hs_model *m, const char *path, double *out, hs_err *err);

/* Ports of a device block ("drainage" -> "ivc"); NULL if not a device or out of range. */
const char *hs_model_device_port(const hs_model *m, const char *device, size_t port);

/* Descriptive metadata kept with the model (from the patient file). */
hs_status hs_model_set_info(hs_model *m, const char *name, const char *description, hs_err *err);
const char *hs_model_name(const hs_model *m);
const char *hs_model_description(const hs_model *m);

/* Inspection. */
size_t hs_model_block_count(const hs_model *m);
const char *hs_model_block_name(const hs_model *m, size_t i);
const hs_block_type *hs_model_block_type(const hs_model *m, size_t i);
/* Index of the block called name (hash lookup), or -1 if there is none. */
long hs_model_block_index(const hs_model *m, const char *name);
/* Parameter values of block i (type->nparams, internal units), NULL if out of range. */
const double *hs_model_block_params(const hs_model *m, size_t i);
/* 1 where block i's parameter k was set explicitly (file, --set), 0 at its default. */
int hs_model_param_given(const hs_model *m, size_t i, int k);
/* Ends of edge block i (NULL if i is not an edge). */
const char *hs_model_edge_from(const hs_model *m, size_t i);
const char *hs_model_edge_to(const hs_model *m, size_t i);

/*
 * Structural check: every required role bound to a block of its kind and type
 * (hemosim/roles.h: by default lv, rv, la, ra, pa, aortic_root, upper_arteries
 * and the four valves), every edge's ends exist and differ, every node is
 * connected, required parameters set.  Messages name the block.
 */
hs_status hs_model_check(const hs_model *m, hs_err *err);

/* Parse a text value for a parameter spec (used by files, --set and scenarios). */
hs_status hs_param_parse(const hs_param_spec *spec, const char *text, double *out, hs_err *err);
/* Whether a value of this parameter must carry its unit (nonzero): every quantity with a
   clinical unit - flows (L/min at the bedside, mL/s inside), drug doses (ug/kg/min,
   U/kg/min) and concentrations, catheter sizes (Fr), haemoglobin, lactate, orifice areas
   and O2 rates, whose bedside spellings differ by a factor (g/dL or g/L, mmol/L or
   mg/dL, cm^2 or mm^2) - and every parameter flagged HS_PARAM_UNIT.  A bare number is
   then an error with a hint ("write 0.5 ug/kg/min").  0 needs no unit. */
int hs_param_needs_unit(const hs_param_spec *spec);
/* The bedside unit a parameter is shown in (params, describe, serve's /params, range
   errors): every flow in L/min; a parameter that needs its unit (HS_PARAM_UNIT) in its
   clinical unit: a volume in L, a length in mm, a time in h when its range reaches 10 h
   (a half-life), else s; a volume per body weight in L/kg (a distribution volume); any
   other parameter in its internal unit ("" for a flag or a
   choice).  *per_unit (may be NULL) receives the internal value of one shown unit
   (shown = internal / *per_unit). */
const char *hs_param_display_unit(const hs_param_spec *spec, double *per_unit);
/* Range/flag check of an internal value (a range error names the value and the range in
   the bedside unit: "'target_flow' = 9 L/min is out of range [0 L/min, 8 L/min]"). */
hs_status hs_param_check(const hs_param_spec *spec, double value, hs_err *err);
/* The accepted range in the parameter's display unit, "[0.005 mmHg/mL, 20 mmHg/mL]", as
   the errors of hs_param_check and hs_param_parse give it. */
void hs_param_range_text(const hs_param_spec *spec, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
