/* plan_impl.h - private layout of the compiled plan (flat arrays), read by sim.c. */
#ifndef HS_PLAN_IMPL_H
#define HS_PLAN_IMPL_H

#include "hemosim/sim.h"

enum { HS_NK_VESSEL, HS_NK_VENTRICLE, HS_NK_ATRIUM };
enum { HS_EK_RESISTOR, HS_EK_INERTANCE, HS_EK_VALVE };

struct hs_plan {
  char *name, *description;
  /* blocks: names, types and parameter offsets into the flat parameter vector */
  int nblocks;
  char **bname;
  const hs_block_type **btype;
  int *bpofs;
  int np;
  double *p0; /* initial parameter values */
  /* nodes: y[i] is the volume of node i */
  int nn;
  int *node_block;
  unsigned char *node_kind;
  /* edges */
  int ne;
  int *edge_block;
  unsigned char *edge_kind;
  int *efrom, *eto;
  int *estate; /* index in y of the edge's flow state, or -1 */
  /* valves in edge order; root function i belongs to valve i */
  int nvalve;
  int *valve_edge;
  int ny, nq;
  /* sites */
  int lv, rv, la, ra, pa, root, upper;
  int av, mv, tv, pv;
  int vav; /* valve index of the aortic valve */
  /* global parameter offsets */
  int heart, circ, body, solver;
};

#endif
