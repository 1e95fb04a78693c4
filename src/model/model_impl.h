/* model_impl.h - private layout of hs_model, shared by model.c and plan.c. */
#ifndef HS_MODEL_IMPL_H
#define HS_MODEL_IMPL_H

#include "core/strmap.h"
#include "hemosim/model.h"

typedef struct hs_block {
  char *name;
  const hs_block_type *type;
  char *from, *to;      /* edges only */
  char **ports;         /* devices only: node name of each port */
  int nports;
  double *params;       /* type->nparams values, internal units */
  unsigned char *given; /* 1 where set explicitly (required-parameter check) */
} hs_block;

struct hs_model {
  hs_block *blocks;
  size_t nblocks, cap;
  char *name;
  char *description;
  hs_strmap index; /* block name -> index in blocks (the names are the blocks' own) */
  char **roles;    /* per role of hemosim/roles.h: the block it is rebound to, or NULL
                      (default name); NULL when no role is rebound */
};

/* roles.c: release and copy a model's role bindings */
void hs_model_roles_free(hs_model *m);
hs_status hs_model_roles_copy(hs_model *dst, const hs_model *src, hs_err *err);
/* The block a role's default name stands for when the role is bound elsewhere (role
   aliases, roles.c), or NULL. */
const char *hs_model_role_alias(const hs_model *m, const char *name);

/* Find a block by name; NULL if absent. */
hs_block *hs_model_find_block(const hs_model *m, const char *name);


#endif
