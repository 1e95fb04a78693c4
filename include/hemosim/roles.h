/*
 * hemosim/roles.h - the sites the engine and the analyses find by name.
 *
 * A patient's circuit is data, but some of its blocks have a meaning the code
 * relies on: the ventricles whose pressure-volume loops give the cardiac
 * metrics, the arm artery where MAP is measured, the venous pressure the
 * cerebral sinus drains into, the four valves, the cerebral beds whose flow is
 * the TCD velocity, the VA-ECMO circuit that `compare` titrates.  Each such
 * meaning is a *role* with a default block name.  A patient file may bind a role
 * to another block of the right kind under `roles:` (docs/patient-format.md):
 *
 *   roles: {brain_venous_outflow: jugular_veins}
 *
 * Analyses that act on standard sites (compare, optimize, wean, calibrate, titrate,
 * the decision strategies) name them by their default names; when a role is bound to
 * another block and no block carries the default name, that name stands for the
 * bound block (an alias: hs_model_block_index, parameter paths such as
 * "ecmo.target_flow", hs_plan_node_find and hs_sim_set all follow it), so every role
 * can be rebound.  Required roles must exist in every model; the others switch a feature
 * off when absent (e.g. no cerebral beds: no TCD metrics).
 * The table is docs/roles.md; `hemosim describe PATIENT` lists a model's roles.
 */
#ifndef HEMOSIM_ROLES_H
#define HEMOSIM_ROLES_H

#include <stddef.h>

#include "hemosim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  HS_ROLE_REQUIRED = 1u << 0, /* every model has it */
  HS_ROLE_FIXED = 1u << 1,    /* not rebindable (no role has it any more; kept for the API) */
};

typedef struct hs_role {
  const char *name;         /* e.g. "brain_venous_outflow" */
  hs_block_class kind;      /* HS_BLOCK_NODE, HS_BLOCK_EDGE or HS_BLOCK_DEVICE */
  const char *type;         /* block type it must have ("ventricle", "valve", ...) or NULL */
  const char *default_name; /* e.g. "svc" */
  unsigned flags;
  const char *use;          /* what depends on it */
} hs_role;

size_t hs_role_count(void);
const hs_role *hs_role_at(size_t i);      /* NULL if out of range */
const hs_role *hs_role_find(const char *name); /* NULL if unknown */

/* Bind a role to a block of the model (checked: known, rebindable role; block
   exists with the role's kind and type).  Messages list the valid choices. */
hs_status hs_model_set_role(hs_model *m, const char *role, const char *block, hs_err *err);
/* The block name a role is bound to (its default unless rebound); NULL for an
   unknown role.  The block need not exist (optional roles). */
const char *hs_model_role(const hs_model *m, const char *role);

#ifdef __cplusplus
}
#endif
#endif
