/*
 * plan.c - compile a checked model into flat arrays.
 *
 * State layout: y[0..nn) are node volumes (mL) in model order, then one flow
 * state (mL/s) per inertance and valve edge in model order.  Quadrature layout
 * (beat means): q[0..nn) integrals of node pressures, q[nn..nn+ne) integrals of
 * edge flows, then the integrals of P dV for the LV and the RV (stroke work) and
 * the rest of the integrator's quadratures (up to nq_ode), then those of the O2 and
 * tracer transport.  The O2, tracer and CO2 contents are the last states (from yo2): the
 * integrator advances y[0..yo2) and the transport moves the contents once per step
 * (physio/transport.c through the hs_physio_transport hooks; docs/numerics.md).
 * Because node volumes are the states and every flow is subtracted from one
 * node and added to another, total volume is conserved by construction.
 */
#include <stdlib.h>
#include <string.h>

#include "elements/elements.h"
#include "model/model_impl.h"
#include "hemosim/roles.h"
#include "model/plan_impl.h"
#include "physio/module.h"

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
  free(pl->dev_block);
  free(pl->dev_type);
  free(pl->dev_port_ofs);
  free(pl->dev_port_node);
  free(pl->dev_state_ofs);
  free(pl->dev_flow_ofs);
  free(pl->dev_out_ofs);
  free(pl->arterial);
  free(pl->edge_gas);
  free(pl->edge_bed);
  free(pl->edge_cor);
  free(pl->node_cor);
  free(pl->gas_edges);
  free(pl->ar_edges);
  free(pl->ic_nodes);
  free(pl->vo2_nodes);
  free(pl->vo2_pidx);
  free(pl->mod_y);
  free(pl->mod_ny);
  free(pl->mods);
  free(pl->mdata);
  free(pl->mdofs);
  free(pl->mblk);
  free(pl->alias_block);
  free(pl->name);
  free(pl->description);
  free(pl);
}

static int block_index(const hs_model *m, const char *name) {
  return (int)hs_strmap_get(&m->index, name);
}

/* The block a role names in model m (hemosim/roles.h). */
#define ROLE(role) hs_model_role(m, role)

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
  /* role aliases: the default name of a rebound role stands for its block when no block
     carries that name */
  size_t nroles = hs_role_count();
  if (!(pl->alias_block = malloc(nroles * sizeof *pl->alias_block))) goto nomem;
  for (size_t k = 0; k < nroles; k++) {
    const char *def = hs_role_at(k)->default_name, *bound = hs_model_role(m, hs_role_at(k)->name);
    pl->alias_block[k] =
        strcmp(def, bound) != 0 && block_index(m, def) < 0 ? block_index(m, bound) : -1;
  }
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
    if (b->type->cls == HS_BLOCK_DEVICE) {
      pl->nd++;
      pl->nports_total += b->type->device->nports;
    }
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
  /* devices */
  size_t nd1 = (size_t)pl->nd + 1;
  pl->dev_block = malloc(nd1 * sizeof(int));
  pl->dev_type = malloc(nd1 * sizeof *pl->dev_type);
  pl->dev_port_ofs = malloc(nd1 * sizeof(int));
  pl->dev_port_node = malloc(((size_t)pl->nports_total + 1) * sizeof(int));
  pl->dev_state_ofs = malloc(nd1 * sizeof(int));
  pl->dev_flow_ofs = malloc(nd1 * sizeof(int));
  pl->dev_out_ofs = malloc(nd1 * sizeof(int));
  pl->arterial = calloc((size_t)pl->nn + 1, 1);
  if (!pl->dev_block || !pl->dev_type || !pl->dev_port_ofs || !pl->dev_port_node ||
      !pl->dev_state_ofs || !pl->dev_flow_ofs || !pl->dev_out_ofs || !pl->arterial) {
    free(node_of_block);
    goto nomem;
  }
  int d = 0, pk = 0;
  for (int i = 0; i < nb; i++) {
    const hs_block *b = &m->blocks[i];
    if (b->type->cls != HS_BLOCK_DEVICE) continue;
    const hs_device_type *dt = b->type->device;
    pl->dev_block[d] = i;
    pl->dev_type[d] = dt;
    pl->dev_port_ofs[d] = pk;
    for (int k = 0; k < dt->nports; k++)
      pl->dev_port_node[pk++] = node_of_block[block_index(m, b->ports[k])];
    pl->dev_state_ofs[d] = ny;
    ny += dt->nstates;
    pl->dev_flow_ofs[d] = pl->nfd;
    pl->nfd += dt->nflows;
    pl->dev_out_ofs[d] = pl->nout;
    pl->nout += dt->noutputs;
    if (dt->displace) pl->ndisp++;
    for (int k = 0; k < dt->noutputs; k++)
      if (dt->outputs[k].agg != HS_AGG_MEAN) pl->nagg++;
    d++;
  }
  free(node_of_block);
  pl->heart = pl->bpofs[block_index(m, "heart")];
  pl->circ = pl->bpofs[block_index(m, "circulation")];
  pl->body = pl->bpofs[block_index(m, "body")];
  pl->solver = pl->bpofs[block_index(m, "solver")];
  /* physiological modules (physio/module.h): their blocks and roles, then their
     continuous states, fixed at compile */
  /* the coronary beds (edge_cor), which the modules read at their compile */
  pl->cor_art = hs_plan_node_find(pl, ROLE("coronary_arteries"));
  pl->edge_cor = calloc((size_t)pl->ne + 1, 1);
  pl->node_cor = calloc((size_t)pl->nn + 1, 1);
  if (!pl->edge_cor || !pl->node_cor) goto nomem;
  for (int e = 0; pl->cor_art >= 0 && e < pl->ne; e++)
    if (pl->efrom[e] == pl->cor_art && pl->eto[e] != pl->cor_art)
      pl->edge_cor[e] = 1, pl->node_cor[pl->eto[e]] = 1;
  pl->nmod = (int)hs_physio_module_count();
  pl->mods = calloc((size_t)pl->nmod + 1, sizeof *pl->mods);
  pl->mdofs = calloc((size_t)pl->nmod + 1, sizeof *pl->mdofs);
  pl->mblk = calloc((size_t)pl->nmod + 1, sizeof *pl->mblk);
  if (!pl->mods || !pl->mdofs || !pl->mblk) goto nomem;
  size_t mbytes = 0;
  for (int k = 0; k < pl->nmod; k++) {
    pl->mods[k] = hs_physio_module_at((size_t)k);
    pl->mblk[k] = pl->mods[k]->block ? hs_physio_block(pl, pl->mods[k]->block) : -1;
    if (pl->mods[k]->block && pl->mblk[k] < 0) { /* hs_model_new adds every global block */
      hs_err_set(err, HS_ERR_MODEL, "physiological module '%s': the model has no '%s' block",
                 pl->mods[k]->name, pl->mods[k]->block);
      hs_plan_free(pl);
      return NULL;
    }
    pl->mdofs[k] = mbytes;
    mbytes += (pl->mods[k]->plan_bytes + 15) / 16 * 16; /* aligned for any field */
  }
  pl->mdata = calloc(mbytes + 16, 1);
  if (!pl->mdata) goto nomem;
  for (int k = 0; k < pl->nmod; k++) {
    const hs_physio_module *md = pl->mods[k];
    hs_status mst = md->compile ? md->compile(pl, m, err) : HS_OK;
    if (mst != HS_OK) {
      if (mst == HS_ERR_NOMEM) goto nomem;
      hs_plan_free(pl);
      return NULL;
    }
  }
  pl->mod_y = calloc((size_t)pl->nmod + 1, sizeof(int));
  pl->mod_ny = calloc((size_t)pl->nmod + 1, sizeof(int));
  if (!pl->mod_y || !pl->mod_ny) goto nomem;
  for (int k = 0; k < pl->nmod; k++) {
    const hs_physio_module *md = hs_physio_module_at((size_t)k);
    pl->mod_y[k] = ny;
    pl->mod_ny[k] = md->nstates ? md->nstates(pl, pl->p0) : 0;
    ny += pl->mod_ny[k];
  }
  /* a module's compartment and regulated resistors (physio/module.h, fixed at compile) */
  const hs_physio_circuit *cx = pl->cx = hs_physio_circuit_hooks();
  pl->ycsf = pl->ycf = pl->yrf = -1; /* none unless the circuit claims them */
  for (int k = 0; k < pl->nmod; k++)
    if (pl->mods[k]->circuit == cx) pl->cx_data = pl->mdata + pl->mdofs[k];
  if (cx) {
    hs_status cst = cx->compile(pl, m, &ny, err);
    if (cst != HS_OK) {
      if (cst == HS_ERR_NOMEM) goto nomem;
      hs_plan_free(pl);
      return NULL;
    }
  }
  pl->tx = hs_physio_transport_hooks(); /* the O2 / tracer / CO2 chemistry */
  if (!pl->tx) {
    hs_err_set(err, HS_ERR_MODEL, "no physiological module transports O2 and CO2");
    hs_plan_free(pl);
    return NULL;
  }
  pl->yo2 = ny;
  ny += pl->nn;
  for (int k = 0; k < pl->nd; k++)
    for (int f = 0; f < pl->dev_type[k]->nflows; f++)
      if (pl->dev_type[k]->flows[f].flags & HS_DFLOW_OXYGENATE) pl->ntr = pl->nn;
  pl->ytr = ny;
  ny += pl->ntr;
  pl->yco2 = ny; /* CO2 mass (mL CO2) per node, transported like O2 */
  ny += pl->nn;
  pl->ygas = ny; /* alveolar, then each device's membrane-lung PCO2 (mmHg), set per beat */
  ny += 1 + pl->nd;
  pl->edge_gas = calloc((size_t)pl->ne + 1, 1);
  pl->edge_bed = calloc((size_t)pl->ne + 1, 1);
  if (!pl->edge_gas || !pl->edge_bed) goto nomem;
  pl->gas_edges = malloc(((size_t)pl->ne + 1) * sizeof(int));
  pl->vo2_nodes = malloc(((size_t)pl->nn + 1) * sizeof(int));
  pl->vo2_pidx = malloc(((size_t)pl->nn + 1) * sizeof(int));
  if (!pl->gas_edges || !pl->vo2_nodes || !pl->vo2_pidx) goto nomem;
  for (int i = 0; i < pl->nn; i++) /* every vessel may consume (the rate can change at run time) */
    if (pl->node_kind[i] == HS_NK_VESSEL) {
      pl->vo2_nodes[pl->nvo2] = i;
      pl->vo2_pidx[pl->nvo2++] = pl->bpofs[pl->node_block[i]] + VESSEL_VO2;
    }
  for (int e = 0; e < pl->ne; e++) {
    const hs_block *b = &m->blocks[pl->edge_block[e]];
    pl->edge_gas[e] = b->type == &hs_type_resistor && b->params[RESISTOR_GAS] != 0;
    if (pl->edge_gas[e]) pl->gas_edges[pl->ngas++] = e;
    pl->edge_bed[e] = (b->type == &hs_type_resistor && b->params[RESISTOR_BED] != 0) ||
                      (b->type == &hs_type_inertance && b->params[INERTANCE_BED] != 0);
    if (b->type == &hs_type_resistor && b->params[RESISTOR_IMP] != 0 &&
        b->params[RESISTOR_AUTOREG_FLOW] > 0) { /* would be silently ignored (sim.c) */
      hs_err_set(err, HS_ERR_MODEL,
                 "edge '%s': intramyocardial_waterfall (%g) and autoregulation_flow exclude "
                 "each other: a bed the brain module regulates drains into ICP (docs/brain.md); "
                 "the intramyocardial waterfall is the coronary bed's (docs/model.md 2.20)",
                 pl->bname[pl->edge_block[e]], b->params[RESISTOR_IMP]);
      hs_plan_free(pl);
      return NULL;
    }
  }
  pl->ny = ny;
  int nq = 0;
  pl->q_p = nq, nq += pl->nn;
  pl->q_q = nq, nq += pl->ne;
  pl->q_aq = nq, nq += pl->ne; /* |Q|: forward and backward volumes (O2 warm start) */
  pl->q_sw = nq, nq += 2;
  pl->q_dia = nq, nq += 3; /* aortic-root pressure and time while the aortic valve is closed,
                              then LV pressure while it is open (SPTI) */
  pl->q_fd = nq, nq += pl->nfd;
  pl->q_out = nq, nq += pl->nout;
  pl->q_ext = -1;
  if (cx) cx->quadratures(pl, &nq);
  /* the integrator's quadratures end here; the transport of O2 and tracer
     (physio/transport.c) keeps its own after them */
  pl->nq_ode = nq;
  pl->q_c = nq, nq += pl->nn;
  pl->q_tr = nq, nq += pl->ntr;
  pl->q_flux = nq, nq += pl->ne;
  pl->q_lung = nq++;
  pl->q_oxy = nq++;
  pl->q_cons = nq++;
  pl->q_k = nq, nq += pl->nn; /* CO2: contents, lung removal, production, per-device removal */
  pl->q_klung = nq++;
  pl->q_kprod = nq++;
  pl->q_koxy = nq, nq += pl->nd;
  pl->nq = nq;
  /* arterial nodes: reached from a gas-exchange edge without crossing a systemic bed */
  for (int pass = 0; pass < pl->ne + 1; pass++) {
    int changed = 0;
    for (int e = 0; e < pl->ne; e++) {
      const hs_block *b = &m->blocks[pl->edge_block[e]];
      int gas = b->type == &hs_type_resistor && b->params[RESISTOR_GAS] != 0;
      int bed = (b->type == &hs_type_resistor && b->params[RESISTOR_BED] != 0) ||
                (b->type == &hs_type_inertance && b->params[INERTANCE_BED] != 0);
      int into = pl->eto[e];
      if (bed || pl->arterial[into]) continue;
      if (gas || pl->arterial[pl->efrom[e]]) pl->arterial[into] = 1, changed = 1;
    }
    if (!changed) break;
  }
  pl->lv = hs_plan_node_find(pl, ROLE("left_ventricle"));
  pl->rv = hs_plan_node_find(pl, ROLE("right_ventricle"));
  pl->la = hs_plan_node_find(pl, ROLE("left_atrium"));
  pl->ra = hs_plan_node_find(pl, ROLE("right_atrium"));
  pl->pa = hs_plan_node_find(pl, ROLE("pulmonary_artery"));
  pl->root = hs_plan_node_find(pl, ROLE("aortic_root"));
  pl->upper = hs_plan_node_find(pl, ROLE("arm_artery"));
  pl->av = hs_plan_edge_find(pl, ROLE("aortic_valve"));
  pl->mv = hs_plan_edge_find(pl, ROLE("mitral_valve"));
  pl->tv = hs_plan_edge_find(pl, ROLE("tricuspid_valve"));
  pl->pv = hs_plan_edge_find(pl, ROLE("pulmonary_valve"));
  pl->pulm_art = hs_plan_edge_find(pl, ROLE("pulmonary_arterioles"));
  pl->vmv = pl->vtv = -1;
  for (int v = 0; v < pl->nvalve; v++) {
    if (pl->valve_edge[v] == pl->av) pl->vav = v;
    if (pl->valve_edge[v] == pl->mv) pl->vmv = v;
    if (pl->valve_edge[v] == pl->tv) pl->vtv = v;
  }
  pl->lower = hs_plan_node_find(pl, ROLE("lower_body_arteries"));
  pl->cer_art = hs_plan_node_find(pl, ROLE("cerebral_arteries"));
  static const char *const measured[] = {"pulmonary_artery", "aortic_root", "arm_artery"};
  for (int i = 0; i < 3; i++) {
    int k = hs_plan_node_find(pl, ROLE(measured[i]));
    if (pl->node_kind[k] != HS_NK_VESSEL) {
      hs_err_set(err, HS_ERR_MODEL, "node '%s' must be a vessel", ROLE(measured[i]));
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
int hs_plan_alias(const hs_plan *pl, const char *name, size_t n) {
  for (size_t k = 0; pl->alias_block && name && k < hs_role_count(); k++) {
    const char *def = hs_role_at(k)->default_name;
    if (pl->alias_block[k] >= 0 && strlen(def) == n && strncmp(def, name, n) == 0)
      return pl->alias_block[k];
  }
  return -1;
}

int hs_plan_node_find(const hs_plan *pl, const char *name) {
  int alias = name ? hs_plan_alias(pl, name, strlen(name)) : -1;
  for (int i = 0; name && i < pl->nn; i++)
    if (strcmp(pl->bname[pl->node_block[i]], name) == 0 || pl->node_block[i] == alias) return i;
  return -1;
}
int hs_plan_edge_find(const hs_plan *pl, const char *name) {
  int alias = name ? hs_plan_alias(pl, name, strlen(name)) : -1;
  for (int i = 0; name && i < pl->ne; i++)
    if (strcmp(pl->bname[pl->edge_block[i]], name) == 0 || pl->edge_block[i] == alias) return i;
  return -1;
}
int hs_plan_device_port_node(const hs_plan *pl, const char *device, size_t port) {
  for (int d = 0; device && d < pl->nd; d++)
    if (strcmp(pl->bname[pl->dev_block[d]], device) == 0)
      return port < (size_t)pl->dev_type[d]->nports ? pl->dev_port_node[pl->dev_port_ofs[d] + port]
                                                     : -1;
  return -1;
}
const char *hs_plan_model_name(const hs_plan *pl) { return pl->name; }
