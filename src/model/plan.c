/*
 * plan.c - compile a checked model into flat arrays.
 *
 * State layout: y[0..nn) are node volumes (mL) in model order, then one flow
 * state (mL/s) per inertance and valve edge in model order.  Quadrature layout
 * (beat means): q[0..nn) integrals of node pressures, q[nn..nn+ne) integrals of
 * edge flows, then the integrals of P dV for the LV and the RV (stroke work).
 * Because node volumes are the states and every flow is subtracted from one
 * node and added to another, total volume is conserved by construction.
 */
#include <stdlib.h>
#include <string.h>

#include "elements/elements.h"
#include "model/model_impl.h"
#include "model/plan_impl.h"

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

void hs_plan_free(hs_plan *pl) {
  if (!pl) return;
  for (int i = 0; pl->bname && i < pl->nblocks; i++) free(pl->bname[i]);
  free(pl->bname);
  free(pl->btype);
  free(pl->bpofs);
  free(pl->p0);
  free(pl->node_block);
  free(pl->node_kind);
  free(pl->edge_block);
  free(pl->edge_kind);
  free(pl->efrom);
  free(pl->eto);
  free(pl->estate);
  free(pl->valve_edge);
  free(pl->name);
  free(pl->description);
  free(pl);
}

static int block_index(const hs_model *m, const char *name) {
  for (size_t i = 0; i < m->nblocks; i++)
    if (strcmp(m->blocks[i].name, name) == 0) return (int)i;
  return -1;
}

hs_plan *hs_plan_compile(const hs_model *m, hs_err *err) {
  if (hs_model_check(m, err) != HS_OK) return NULL;
  hs_plan *pl = calloc(1, sizeof *pl);
  if (!pl) goto nomem;
  int nb = (int)m->nblocks;
  pl->nblocks = nb;
  pl->name = dupstr(hs_model_name(m));
  pl->description = dupstr(hs_model_description(m));
  pl->bname = calloc((size_t)nb, sizeof *pl->bname);
  pl->btype = calloc((size_t)nb, sizeof *pl->btype);
  pl->bpofs = calloc((size_t)nb, sizeof *pl->bpofs);
  if (!pl->name || !pl->description || !pl->bname || !pl->btype || !pl->bpofs) goto nomem;
  int np = 0;
  for (int i = 0; i < nb; i++) {
    const hs_block *b = &m->blocks[i];
    pl->bname[i] = dupstr(b->name);
    if (!pl->bname[i]) goto nomem;
    pl->btype[i] = b->type;
    pl->bpofs[i] = np;
    np += b->type->nparams;
    if (b->type->cls == HS_BLOCK_NODE) pl->nn++;
    if (b->type->cls == HS_BLOCK_EDGE) pl->ne++;
    if (b->type == &hs_type_valve) pl->nvalve++;
  }
  pl->np = np;
  pl->p0 = malloc(((size_t)np + 1) * sizeof *pl->p0);
  pl->node_block = malloc(((size_t)pl->nn + 1) * sizeof(int));
  pl->node_kind = malloc((size_t)pl->nn + 1);
  pl->edge_block = malloc(((size_t)pl->ne + 1) * sizeof(int));
  pl->edge_kind = malloc((size_t)pl->ne + 1);
  pl->efrom = malloc(((size_t)pl->ne + 1) * sizeof(int));
  pl->eto = malloc(((size_t)pl->ne + 1) * sizeof(int));
  pl->estate = malloc(((size_t)pl->ne + 1) * sizeof(int));
  pl->valve_edge = malloc(((size_t)pl->nvalve + 1) * sizeof(int));
  if (!pl->p0 || !pl->node_block || !pl->node_kind || !pl->edge_block || !pl->edge_kind ||
      !pl->efrom || !pl->eto || !pl->estate || !pl->valve_edge)
    goto nomem;
  /* node index of each block (-1 for others) to resolve edge ends */
  int *node_of_block = malloc((size_t)nb * sizeof(int));
  if (!node_of_block) goto nomem;
  int nn = 0, ne = 0, nv = 0;
  for (int i = 0; i < nb; i++) {
    const hs_block *b = &m->blocks[i];
    memcpy(pl->p0 + pl->bpofs[i], b->params, (size_t)b->type->nparams * sizeof(double));
    node_of_block[i] = -1;
    if (b->type->cls == HS_BLOCK_NODE) {
      node_of_block[i] = nn;
      pl->node_block[nn] = i;
      pl->node_kind[nn] = b->type == &hs_type_ventricle ? HS_NK_VENTRICLE
                          : b->type == &hs_type_atrium  ? HS_NK_ATRIUM
                                                        : HS_NK_VESSEL;
      nn++;
    }
  }
  int ny = pl->nn;
  for (int i = 0; i < nb; i++) {
    const hs_block *b = &m->blocks[i];
    if (b->type->cls != HS_BLOCK_EDGE) continue;
    pl->edge_block[ne] = i;
    pl->efrom[ne] = node_of_block[block_index(m, b->from)];
    pl->eto[ne] = node_of_block[block_index(m, b->to)];
    pl->edge_kind[ne] = b->type == &hs_type_valve       ? HS_EK_VALVE
                        : b->type == &hs_type_inertance ? HS_EK_INERTANCE
                                                        : HS_EK_RESISTOR;
    pl->estate[ne] = pl->edge_kind[ne] == HS_EK_RESISTOR ? -1 : ny++;
    if (pl->edge_kind[ne] == HS_EK_VALVE) pl->valve_edge[nv++] = ne;
    ne++;
  }
  free(node_of_block);
  pl->ny = ny;
  pl->nq = pl->nn + pl->ne + 2;
  pl->lv = hs_plan_node_find(pl, "lv");
  pl->rv = hs_plan_node_find(pl, "rv");
  pl->la = hs_plan_node_find(pl, "la");
  pl->ra = hs_plan_node_find(pl, "ra");
  pl->pa = hs_plan_node_find(pl, "pa");
  pl->root = hs_plan_node_find(pl, "aortic_root");
  pl->upper = hs_plan_node_find(pl, "upper_arteries");
  pl->av = hs_plan_edge_find(pl, "aortic_valve");
  pl->mv = hs_plan_edge_find(pl, "mitral_valve");
  pl->tv = hs_plan_edge_find(pl, "tricuspid_valve");
  pl->pv = hs_plan_edge_find(pl, "pulmonary_valve");
  for (int v = 0; v < pl->nvalve; v++)
    if (pl->valve_edge[v] == pl->av) pl->vav = v;
  pl->heart = pl->bpofs[block_index(m, "heart")];
  pl->circ = pl->bpofs[block_index(m, "circulation")];
  pl->body = pl->bpofs[block_index(m, "body")];
  pl->solver = pl->bpofs[block_index(m, "solver")];
  static const char *const measured[] = {"pa", "aortic_root", "upper_arteries"};
  for (int i = 0; i < 3; i++) {
    int k = hs_plan_node_find(pl, measured[i]);
    if (pl->node_kind[k] != HS_NK_VESSEL) {
      hs_err_set(err, HS_ERR_MODEL, "node '%s' must be a vessel", measured[i]);
      hs_plan_free(pl);
      return NULL;
    }
  }
  return pl;
nomem:
  hs_err_set(err, HS_ERR_NOMEM, "out of memory compiling the model");
  hs_plan_free(pl);
  return NULL;
}

size_t hs_plan_node_count(const hs_plan *pl) { return (size_t)pl->nn; }
size_t hs_plan_edge_count(const hs_plan *pl) { return (size_t)pl->ne; }
const char *hs_plan_node_name(const hs_plan *pl, size_t i) {
  return i < (size_t)pl->nn ? pl->bname[pl->node_block[i]] : NULL;
}
const char *hs_plan_edge_name(const hs_plan *pl, size_t i) {
  return i < (size_t)pl->ne ? pl->bname[pl->edge_block[i]] : NULL;
}
int hs_plan_node_find(const hs_plan *pl, const char *name) {
  for (int i = 0; name && i < pl->nn; i++)
    if (strcmp(pl->bname[pl->node_block[i]], name) == 0) return i;
  return -1;
}
int hs_plan_edge_find(const hs_plan *pl, const char *name) {
  for (int i = 0; name && i < pl->ne; i++)
    if (strcmp(pl->bname[pl->edge_block[i]], name) == 0) return i;
  return -1;
}
const char *hs_plan_model_name(const hs_plan *pl) { return pl->name; }
