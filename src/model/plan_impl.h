/* plan_impl.h - private layout of the compiled plan (flat arrays), read by the engine
   (model/sim.c and the files that share model/sim_internal.h). */
#ifndef HS_PLAN_IMPL_H
#define HS_PLAN_IMPL_H

#include "hemosim/device.h"
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
  int pulm_art; /* the pulmonary_arterioles role's edge (the drugs' pulmonary factor), or -1 */
  int vav; /* valve index of the aortic valve */
  int vmv, vtv; /* ... of the mitral and tricuspid valves, or -1 */
  /* global parameter offsets (the physiological modules find their own blocks) */
  int heart, circ, body, solver;
  /* the compartment module's (physio/module.h hs_physio_circuit): regulated edges (one
     state each), compartment vessels, compartment volume */
  int nar, *ar_edges, yar;
  int nic, *ic_nodes, ycsf; /* ycsf < 0 without intracranial vessels */
  int ycf; /* the compartment's flow state (the brain: regulated beds' filtered flow over
              their reference, which sets CSF formation), -1 without */
  int yrf; /* the regulated beds' defended-flow factor (the brain: CO2 reactivity, following
              the modules' regulated_flow with a time constant), -1 without */
  /* the compartment hooks of the module that owns them (physio/module.h
     hs_physio_circuit, from the registry at compile; the engine calls only these) */
  const struct hs_physio_circuit *cx;
  const void *cx_data; /* the plan data (hs_physio_plan_data) of the module with cx */
  /* the substances the blood carries (physio/module.h hs_physio_transport, the module
     that has the hooks: O2, tracer, CO2) */
  const struct hs_physio_transport *tx;
  /* physiological modules (physio/module.h, registry order mods[k]): their continuous
     states are y[mod_y[k] .. mod_y[k] + mod_ny[k]); its parameter block is at mblk[k]
     (-1: none); what it resolved at compile (roles: module-owned, plan_bytes of it) is at
     mdata + mdofs[k] */
  int nmod, *mod_y, *mod_ny, *mblk;
  const struct hs_physio_module **mods;
  unsigned char *mdata;
  size_t *mdofs;
  /* devices: ports, states, flows and outputs, concatenated in model order */
  int nd;
  int *dev_block;
  const hs_device_type **dev_type;
  int *dev_port_ofs, *dev_port_node; /* node of port k of device d: dev_port_node[dev_port_ofs[d]+k] */
  int *dev_state_ofs;                /* index in y of the device's first state */
  int *dev_flow_ofs, *dev_out_ofs;   /* into the device flow / output arrays */
  int nfd, nout, nports_total;
  int ndisp, nagg; /* devices that displace volume; outputs aggregated as MAX/MIN */
  /* transported species: O2 mass (mL O2) and ECMO-blood tracer (mL) per node */
  int yo2, ytr, ntr;       /* ntr = nn with an oxygenating device, else 0 (no tracer) */
  int yco2;                /* CO2 mass (mL CO2) per node */
  int ygas;                /* gas PCO2s: alveolar, then one per device (mmHg): the last */
  unsigned char *arterial; /* node lies between the lungs and the systemic beds */
  unsigned char *edge_gas, *edge_bed; /* structural flags of edges (fixed at compile) */
  unsigned char *edge_cor; /* an edge leaving the coronary_arteries role's node (cor_art) to
                              another: the coronary beds (drug factor, coronary tone,
                              do2_heart) */
  unsigned char *node_cor; /* a node an edge_cor edge ends at: the myocardium (its O2
                              consumption; lactate's and the coronary tone's heart) */
  int ngas, *gas_edges;                /* gas-exchange edges */
  int nvo2, *vo2_nodes, *vo2_pidx;     /* O2-consuming vessels and their parameter index */
  /* quadrature layout */
  int q_p, q_q, q_aq, q_sw, q_dia, q_fd, q_out, q_c, q_tr, q_flux, q_lung, q_oxy, q_cons, q_ext;
  int q_k, q_klung, q_kprod, q_koxy; /* CO2: beat-mean contents, lung removal, production,
                                        removal per device (nd) */
  int nq_ode; /* quadratures the integrator computes: q[0..nq_ode); the transport's follow */
  /* optional measurement sites (-1 when absent) */
  int lower, cer_art, cor_art;
  /* role aliases: a role's default block name that names no block stands for the block
     the role is bound to (hemosim/roles.h); alias_block[k] for role k, or -1 */
  int *alias_block;
};

/* Block index that a role's default name `name` (first n characters) stands for in this
   plan, or -1 (roles.c, "aliases"). */
int hs_plan_alias(const hs_plan *pl, const char *name, size_t n);

#endif
