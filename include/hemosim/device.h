/*
 * hemosim/device.h - the one small interface every support device sits behind.
 *
 * A device is one source file in src/devices/ exporting one const
 * hs_device_type, plus one line in src/devices/registry.c.  It declares:
 *  - its parameters (a block type: name, table with unit, default, range, doc),
 *  - its ports: named attachment sites that a patient file binds to nodes
 *    (e.g. an ECMO circuit's "drainage" and "return"),
 *  - its flow paths between ports (blood it moves; the simulator subtracts each
 *    from the source node and adds it to the destination, so volume stays
 *    conserved), with flags for what happens to the blood on the way
 *    (oxygenated by a membrane lung),
 *  - its internal states (e.g. circuit flow with inertia, controller states),
 *  - its outputs (monitor values reported as metrics "<device>_<output>"),
 *  - one eval callback computing flows, state derivatives and outputs from the
 *    port pressures and volumes.  eval must be pure: no globals, no I/O.  It
 *    returns HS_OK, or an error set with hs_err_set() (e.g. a state outside the
 *    range its equations hold in): the simulation stops and reports the message
 *    prefixed with the device's name and the simulated time.
 * A device has any number of ports, flows, states and outputs.
 * Units: mmHg, mL, s inside; parameter tables convert at the edges.
 */
#ifndef HEMOSIM_DEVICE_H
#define HEMOSIM_DEVICE_H

#include "hemosim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  HS_DFLOW_OXYGENATE = 1u << 0, /* blood leaves this path at the device's outlet O2 content */
};

typedef struct hs_device_flow {
  const char *name; /* e.g. "pump" */
  int from_port, to_port;
  unsigned flags;
} hs_device_flow;

/*
 * What a device state is, for the periodic steady-state test and its acceleration
 * (docs/numerics.md): its kind selects the tolerance (solver.steady_tol_flow for
 * flows in mL/s, solver.steady_tol_rpm for speeds in rpm, solver.steady_tol_factor
 * for dimensionless fractions), and [min, max] is its physical range: a
 * steady-state extrapolation never moves the state outside it.  A device without a
 * state table has flow states without bounds.
 */
enum { HS_DSTATE_FLOW = 0, HS_DSTATE_SPEED = 1, HS_DSTATE_FRACTION = 2 };
typedef struct hs_device_state {
  const char *name;
  int kind;
  double min, max; /* physical range (-INFINITY / INFINITY when unbounded) */
} hs_device_state;

/* How an output becomes a per-beat metric. */
enum { HS_AGG_MEAN = 0, HS_AGG_MAX = 1, HS_AGG_MIN = 2 };

typedef struct hs_device_output {
  const char *name;  /* metric suffix, e.g. "flow_lpm" */
  const char *unit;  /* display unit, e.g. "L/min" */
  double scale;      /* internal value x scale = displayed value */
  const char *doc;
  int agg;           /* HS_AGG_MEAN (time mean over the beat), MAX or MIN (NaN = no value) */
} hs_device_output;

/* What eval sees and fills.  Arrays are indexed by port / flow / state / output. */
typedef struct hs_device_io {
  double t;
  const double *p;        /* the device's parameters, internal units */
  const double *x;        /* its states */
  const double *port_p;   /* luminal pressure of each port node, mmHg */
  const double *port_ptm; /* transmural pressure of each port node, mmHg */
  const double *port_v;   /* volume of each port node, mL */
  const double *port_v0;  /* unstressed volume of each port node, mL (chambers: ESPVR V0) */
  double *q;              /* out: flow of each path, mL/s */
  double *dx;             /* out: state derivatives */
  double *out;            /* out: outputs, internal units */
  double o2_outlet_po2;   /* out: PO2 (mmHg) of blood leaving OXYGENATE paths */
  /* cardiac timing (for devices synchronised to the heart, e.g. a balloon pump) */
  double beat_start, rr;  /* current beat: R wave time and length, s */
  double t_peak;          /* time from R wave to peak ventricular activation, s */
  long beat_index;        /* beats completed before the current one */
  double *port_vext;      /* out (displace only): volume the device occupies in each
                             port vessel, mL (raises its pressure by vext / C) */
  double gas_flow;        /* out: sweep gas flow through the membrane lung of the
                             OXYGENATE paths, mL/s (CO2 removal; 0 = none) */
  double o2_gas_flow;     /* out: O2 flow in that sweep gas (FdO2 x sweep), mL/s: the most
                             O2 the membrane lung can add; negative (the default) = no limit */
  const double *cache;    /* the constants prepare() derived from p (ncache doubles), or
                             NULL for a type without prepare */
} hs_device_io;

typedef struct hs_device_type {
  const hs_block_type *block;
  const char *const *ports; /* port names */
  int nports;
  const hs_device_flow *flows;
  int nflows;
  int nstates;
  const hs_device_output *outputs;
  int noutputs;
  void (*init)(const double *p, double *x);
  /* Optional, called before node pressures are computed: volumes the device
     occupies in its port vessels (port_p etc. are not valid yet). */
  void (*displace)(hs_device_io *io);
  hs_status (*eval)(hs_device_io *io, hs_err *err);
  int volume_param; /* index of a parameter holding blood kept inside the device (mL), or -1 */
  int nports_required; /* ports after these are optional; unbound ones default to port 0's node
                          (0 = all required) */
  /* Optional, called by model checking: settings that contradict the port bindings
     (port_nodes[i]: node name of port i; an unbound optional port names port 0's
     node).  Returns HS_OK or an error whose message names the parameter. */
  hs_status (*check)(const double *p, const char *const *port_nodes, hs_err *err);
  const hs_device_state *states; /* nstates entries, or NULL (flows, unbounded) */
  /* Optional: constants derived from the parameters alone (a cannula's Poiseuille
     resistance, a tube's inertance), written into cache[0..ncache-1] whenever the
     parameters change - when a simulation starts, at every setting and scheduled event -
     and read by eval through io->cache instead of being recomputed at every evaluation.
     A value must be computed exactly as eval would compute it (the same expression), so
     that the cache changes no digit. */
  int ncache;
  void (*prepare)(const double *p, double *cache);
  /* Optional: the number of beats after which the device's action repeats (an IABP at
     1:n assists one beat in n: n); NULL = every beat.  The steady-state test and its
     accelerated map then compare states that many beats apart (docs/numerics.md). */
  int (*beat_period)(const double *p);
} hs_device_type;

/* Registry of the built-in device types (src/devices/registry.c). */
size_t hs_device_type_count(void);
const hs_device_type *hs_device_type_at(size_t i);
const hs_device_type *hs_device_type_find(const char *name);

/* Attach a device to a model; port_nodes[i] names the node of port i. */
hs_status hs_model_add_device(hs_model *m, const char *name, const char *type,
                              const char *const *port_nodes, hs_err *err);

/*
 * Attach a device of a type given by its descriptor rather than by name: a type
 * defined outside the library (an extension, or a test's toy device) works like a
 * built-in one for this model.  dt->block must be a block type of class
 * HS_BLOCK_DEVICE whose `device` points back to dt.  The model keeps the pointer:
 * dt must outlive the model and every plan compiled from it.
 */
hs_status hs_model_add_device_of_type(hs_model *m, const char *name, const hs_device_type *dt,
                                      const char *const *port_nodes, hs_err *err);

/* Move a device port to another node (e.g. ECMO return from femoral to axillary). */
hs_status hs_model_rebind_device(hs_model *m, const char *device, const char *port,
                                 const char *node, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
