/*
 * physio/module.h - the one small interface the slow physiological modules sit behind.
 *
 * A module is one source file in src/physio/ exporting one const hs_physio_module,
 * plus one line in src/physio/registry.c; the engine (src/model/sim.c) calls every
 * registered module through these callbacks and knows none of them by name.  A
 * module keeps its own per-simulation state (state_bytes, zeroed and then init()ed
 * when a simulation is created or reset) and what it resolved when the model was
 * compiled (its parameter block's offset, hs_physio_module_block; the nodes and edges of
 * its roles in plan_bytes of the plan, hs_physio_plan_data), reads its parameters from
 * the flat parameter vector through that offset, acts on the circulation through
 * an effect (factors the right-hand side applies), and reports metrics.  Every
 * callback is optional (NULL: nothing to do).
 * Callbacks are pure functions of their arguments: no globals, no I/O.
 */
#ifndef HS_PHYSIO_MODULE_H
#define HS_PHYSIO_MODULE_H

#include <stddef.h>

#include "hemosim/error.h"
#include "model/plan_impl.h"

struct hs_model;
struct hs_sim;
typedef struct hs_sim hs_sim;

/* What a module changes in the circulation; the engine multiplies the factors of all
   modules (1 = no effect). */
typedef struct hs_physio_effect {
  double resistance;    /* systemic arteriolar resistance of the vasomotor beds */
  double contractility; /* end-systolic elastance of both ventricles */
  double heart_rate;    /* heart rate */
  double shunt;         /* intrapulmonary shunt fraction added to oxygen.shunt_fraction
                           (adds, from 0; does not change the right-hand side) */
  double hb;            /* haemoglobin concentration (oxygen.hemoglobin x this: dilution,
                           transfusion); the O2 model and every saturation use it */
  double co2;           /* share of the metabolic CO2 (RQ x O2 used) the consuming vessels
                           release into the blood (the rest: tissue stores; > 1 when they
                           give CO2 back) */
  double contractility_rv; /* end-systolic elastance of the RV (with contractility: the RV
                              gets both factors; the inotropes' RV share) */
  double venous_volume;  /* mL added to the unstressed volume of the systemic capacitance
                            veins (the vessels with a reflex class: splanchnic,
                            extrasplanchnic), shared in proportion to their own; adds, from
                            0: venodilators pool blood outside the heart and lungs */
  double lv_diastolic;   /* passive (end-diastolic) pressure of the LV at a given volume,
                            its ed_a (< 1: more distensible; nitroprusside's NO effect on
                            the myocardium, docs/drugs.md) */
  double regulated_flow; /* target of the factor on the flow the circuit's regulated beds
                            defend, x their autoregulation_flow (the brain's CO2 reactivity;
                            passed to the circuit's prepare, followed by its state yrf) */
  double coronary;       /* resistance of the coronary beds, the resistors leaving the
                            coronary_arteries role's node (their metabolic tone: the coronary
                            module, docs/model.md 2.20) */
  double myocardial_vo2; /* O2 consumption of the myocardium (the O2-consuming vessels the
                            coronary beds feed, plan node_cor), x their o2_consumption (the
                            demand of the beating heart: the myocardium module,
                            docs/model.md 2.21) */
  double pulmonary;      /* resistance of the pulmonary arterioles (the pulmonary_arterioles
                            role's edge): the drugs' pulmonary vasomotor effect
                            (docs/drugs.md, "Pulmonary vascular resistance") */
} hs_physio_effect;

/* What a module's continuous states do to the circulation at one point of the
   right-hand side (modules with states, e.g. the baroreflex): factors multiply over
   the modules (1 = none), shifts add (0 = none).  The reflex classes are the circuit's
   vessel and resistor tags (vessel/resistor parameter 'reflex': splanchnic,
   extrasplanchnic). */
typedef struct hs_physio_tone {
  double ees_lv, ees_rv;            /* end-systolic elastance of each ventricle */
  double r_splanchnic, r_extra;     /* resistance of the beds of each reflex class */
  double dvu_splanchnic, dvu_extra; /* mL added to the unstressed volume of each class's
                                       veins (the extrasplanchnic shift shared by volume) */
  double dperiod;                   /* s added to the heart period (at each beat start) */
} hs_physio_tone;

/* What a module's right-hand side sees (the circulation's part already evaluated). */
typedef struct hs_physio_sense {
  const hs_plan *plan;
  const double *p;  /* parameters, flat */
  double t;
  const double *P;  /* node pressures, mmHg */
  const double *dy; /* the circulation's derivatives (node volumes: mL/s) */
} hs_physio_sense;

/* The steady-state tolerances a module weighs its states with (solver block). */
typedef struct hs_physio_tol {
  double volume, factor; /* solver.steady_tol (mL), solver.steady_tol_factor */
  double period;         /* the current heart period, s */
} hs_physio_tol;
/*
 * Slow states (docs/model.md, "Slow states").  A module may own nslow quantities that
 * change over minutes to days (volumes, concentrations): they are the FIRST nslow
 * doubles of its state struct, so its effect() and metrics() read them like any other
 * field, and the engine reads and writes them generically:
 *  - once per beat end (after beat()), rates() gives their cycle-averaged time
 *    derivatives from the beat just ended (its metrics), optionally how fast each
 *    relaxes (decay k = -d(dxdt)/dx >= 0, 1/s; 0: none), and the blood the module adds
 *    to the circulation (flux); the engine advances x += dxdt T phi(k T), phi(z) =
 *    (1 - e^-z) / z (T the beat length; phi = 1 is forward Euler; with k it is the
 *    exponential Euler step, exact for a relaxation dx/dt = k (x* - x) with fixed x*,
 *    so a macro step does not overshoot a target) and puts the volume into the vessels;
 *  - they are part of the warm-start state (hs_sim_get_state / set_state / copy_state,
 *    after the plan's y);
 *  - they are NOT part of the periodic steady-state test: hs_sim_run_to_steady holds
 *    them fixed (rates are still computed and reported), so "steady" means the fast
 *    circulation is periodic at the current slow states;
 *  - with solver.slow_step > 0, once the fast circulation is periodic the engine jumps
 *    them over a macro step with the last beat's rates (bounded relative change) and
 *    re-settles the circulation for a few beats (docs/model.md, "Slow states").
 * scale: per slow state, the size below which a relative change is measured against
 * it instead of the value (|dx| <= solver.slow_max_change (|x| + scale) per macro step).
 */
typedef struct hs_physio_slow {
  const char *name, *unit;
  double scale;
} hs_physio_slow;

/* Blood a module adds to the circulation, mean over the beat (negative: removes). */
typedef struct hs_physio_flux {
  double volume; /* mL/s of fluid entering (leaving) the blood */
  double o2;     /* mL/s of that volume that carries O2 at the content of the blood it
                    joins (red cells: volume x Hb_fluid / Hb; whole blood lost: the volume;
                    crystalloid, colloid, urine: 0) */
} hs_physio_flux;

/* What a module sees at the end of a beat. */
typedef struct hs_physio_beat {
  const hs_plan *plan;
  const double *p; /* parameters, flat (plan->bpofs; a module's block: its plan data) */
  double t;        /* time of the beat end, s */
  const double *m; /* the beat's metrics, HS_METRIC_COUNT of them */
  const double *node_do2; /* O2 carried into each node over the beat, mL O2/min */
  const double *edge_q;   /* mean flow of each edge over the beat, mL/s */
  int frozen; /* 1 while hs_sim_run_to_steady searches the periodic steady state: slow
                 states (hours) hold still and report their rates; 0 in timed runs */
  const double *node_co2; /* beat-mean CO2 content of each node, mL CO2/mL */
  const double *node_so2; /* beat-mean O2 saturation of each node, % */
  int search;    /* 1 while hs_sim_run_to_steady searches the periodic steady state */
  const double *y; /* the state at the beat end (plan layout) */
  int gases_fresh; /* 1 at the beat end after the search put the blood's CO2 contents at
                      their balance (a blood-gas step; at the O2 warm start and the
                      settling also the O2 at its fixed point): a module that follows the
                      arterial blood gases (the brain's CO2 / O2 reactivity) updates during
                      the search only then */
  double residual; /* the beat-to-beat change of the fast states over their steady-state
                      tolerances (the largest; < 1: periodic within tolerance): a
                      controller may wait for the circulation to settle before a search
                      step */
  const double *vo2; /* O2 demand of each O2-consuming vessel over the beat (plan vo2_nodes
                        order), mL O2/min: its o2_consumption with the effect in force
                        (the myocardium's demand) */
  double ees_lv, ees_rv; /* end-systolic elastance of each ventricle at the beat end with
                            the modules' and drugs' contractility, mmHg/mL */
  long period; /* beats in one period of the periodic state (an IABP at 1:n: n; the
                  steady-state search compares states this many beats apart): a module
                  that follows a balance over beats waits for a whole pattern */
  int verified; /* 1 for the beats of the summary window after a periodic solve reached its
                   steady state (hs_sim_run_to_steady): their state is the verified periodic
                   one, starting at a pattern's first beat; what an outer fixed point
                   (settle) reads */
} hs_physio_beat;

/* The myocardium's O2 demand and the O2 its coronary beds delivered over the beat (mL
   O2/min): the sums over the O2-consuming vessels the coronary beds feed (plan node_cor);
   both 0 without such vessels or without the beat's O2 data.  The coronary tone and the
   perfusion-contraction matching read the heart's balance from it. */
static inline void hs_physio_heart_o2(const hs_physio_beat *b, double *vo2, double *do2) {
  const hs_plan *pl = b->plan;
  *vo2 = *do2 = 0.0;
  if (!b->vo2 || !b->node_do2) return;
  for (int k = 0; k < pl->nvo2; k++) {
    if (!pl->node_cor[pl->vo2_nodes[k]]) continue; /* not the myocardium */
    *vo2 += b->vo2[k];
    *do2 += b->node_do2[pl->vo2_nodes[k]];
  }
}

/* The myocardium's critical O2 extraction over the beat (physio/coronary.c, docs/model.md
   2.20): the extraction that brings its venous blood to the critical coronary venous PO2
   (coronary.critical_venous_po2; Walley 1997), 1 - C(Hb, Pcrit) / Ca with Ca the arterial
   O2 content its coronary beds received; 0 when Ca is at or below C(Hb, Pcrit); NAN
   without the coronary module, a coronary flow or the beat's O2 data.  The lactate and the
   perfusion-contraction matching read the heart's anaerobic threshold from it. */
double hs_physio_heart_er_crit(const hs_physio_beat *b);


/*
 * A pressure compartment around vessels and the resistors a module regulates
 * (docs/controllers.md, "Modules").  The engine's right-hand side knows no organ
 * by name: it asks the one registered module that provides these hooks (the brain: the
 * skull, ICP, CSF, cerebral autoregulation) for
 *  - the compartment pressure at a state y, added to the pressure of every vessel in
 *    proportion to its compartment coefficient (vessel parameter 'intracranial': the
 *    external pressure of those nodes), with, per regulated resistor edge k (resistor
 *    parameter 'autoregulation_flow' > 0), the factor g[k] on its conductance and the
 *    factor c[k] on the compliance of the vessels it feeds;
 *  - the pressure drop across a regulated edge and across the collapsible outflow of a
 *    compartment vessel (waterfalls / Starling resistors);
 *  - the derivatives of its states (claimed in y at compile) and their start values.
 * Everything else of the module (metrics, roles) stays behind its own file.
 */
typedef struct hs_physio_circuit {
  /* At compile, right after the modules' continuous states: find the compartment nodes
     (plan nic, ic_nodes) and the regulated edges (nar, ar_edges), claim their states at
     *ny (plan yar, the compartment's volume state ycsf or -1, its flow state ycf or -1,
     and the defended-flow factor yrf or -1), resolve the module's
     roles and parameter block.  m: the model being compiled. */
  hs_status (*compile)(hs_plan *pl, const struct hs_model *m, int *ny, hs_err *err);
  /* After compile, once the quadratures are laid out: claim its own at *nq (plan q_ext:
     the compartment pressure integrated over time). */
  void (*quadratures)(hs_plan *pl, int *nq);
  /* For each node, the regulated edge (index into ar_edges) whose compliance factor it
     takes, or -1. */
  void (*feeds)(const hs_plan *pl, int *node_edge);
  /* At the start of a run (node volumes set): its states in y and its reference *ref
     (kept by the engine, passed back to evaluate). */
  void (*initial)(const hs_plan *pl, const double *p, double *y, double *ref);
  /* At every evaluation: the compartment pressure (returned; 0 without compartment
     nodes), g[k] and c[k] of each regulated edge. */
  double (*evaluate)(const hs_plan *pl, const double *p, const double *y, double ref,
                     double *g, double *c);
  /* The same, one quantity at a time (cheap reads between evaluations): the compartment
     pressure alone, and the compliance factor of regulated edge k's vessels. */
  double (*pressure)(const hs_plan *pl, const double *p, const double *y, double ref);
  double (*compliance)(const hs_plan *pl, const double *p, const double *y, int k);
  /* A nonlinear wall of the vessels a regulated edge feeds: wall_on says whether it acts
     (at every parameter change), wall maps the transmural pressure x of their linear law
     (with the compliance factor) to their transmural pressure. */
  int (*wall_on)(const hs_plan *pl, const double *p);
  double (*wall)(const hs_plan *pl, const double *p, double x);
  /* The closing pressure of the regulated edges at compartment pressure pc (only with
     compartment nodes): each is a waterfall, flow = max(P_from - hs_waterfall_pd(P_to,
     closing), 0) / R (elements.h; the engine computes it). */
  double (*closing)(const hs_plan *pl, const double *p, double pc);
  /* Pressure drop across the collapsible outflow edge from..to of a compartment vessel. */
  double (*outflow_dp)(const double *P, int from, int to, double pc);
  /* Constants of rhs derived from the parameters (both NULL: none): cache_size values,
     which prepare writes whenever the parameters or the modules' regulated_flow target
     (hs_physio_effect) change (as a device's prepare, hemosim/device.h), so that rhs
     multiplies instead of dividing at every evaluation. */
  int (*cache_size)(const hs_plan *pl);
  void (*prepare)(const hs_plan *pl, const double *p, double regulated_flow, double *cache);
  /* Derivatives of its states at y (node pressures P, edge flows Q, compartment
     pressure pc of the same evaluation; cache as prepare left it) into dy. */
  void (*rhs)(const hs_plan *pl, const double *p, const double *cache, const double *y,
              const double *P, const double *Q, double pc, double *dy);
  /* Up to 2 edges whose flow extrema over each beat the engine records (beat_acc
     ext_max / ext_min, -1: none): the MCA stems of the TCD. */
  void (*watch)(const hs_plan *pl, int edges[2]);
  /* Its metrics of a beat of length T (model/beat_metrics.c): q, q0 the quadratures at
     the beat's end and start, wmax / wmin the extrema of the watched edges' flows; m[HS_M_MAP]
     is already set. */
  void (*metrics)(const hs_plan *pl, const double *p, const double *q, const double *q0,
                  double T, const double wmax[2], const double wmin[2], double *m);
  /* ---- the periodic steady-state search (model/steady.c) ---- */
  /* Largest relative change of the regulated edges' conductance factors between the
     states y0 and y (tested against solver.steady_tol_factor). */
  double (*regulation_change)(const hs_plan *pl, const double *p, const double *y,
                              const double *y0);
  /* The compartment volume's imbalance as a pressure, for a mean drift d (mL/s) over a
     beat (tested against solver.steady_tol_icp). */
  double (*imbalance)(const hs_plan *pl, const double *p, double d);
  /* The mean pressure of the node the compartment volume drains into, from the beat's
     mean node pressures pmean, in *pout; returns 0 when the circuit has no such node
     (*pout 0).  A flow-dependent drop beyond that node is the module's own, added in
     equilibrium and newton. */
  int (*outflow_pressure)(const hs_plan *pl, const double *p, const double *pmean,
                          double *pout);
  /* The compartment volume at which its inflow and outflow balance at mean compartment
     pressure pc and outflow pressure pout (mean edge flows qmean, node pressures pmean),
     from the volume v, in *v_eq; returns 0 when none was found. */
  int (*equilibrium)(const hs_plan *pl, const double *p, double pc, double pout, double v,
                     const double *qmean, const double *pmean, double *v_eq);
  /* A Newton guess of that volume when no equilibrium is available: y a scratch copy of
     the state (changed), ref the compartment reference, pc_mean the beat's mean
     compartment pressure, d the measured drift (mL/s). */
  double (*newton)(const hs_plan *pl, const double *p, double *y, double ref, double pc_mean,
                   double pout, double d);
  /* Whether the defended-flow factor follows the blood gases at parameters p (compile
     claims its state yrf exactly then; a run cannot switch it, model/sim.c): the search
     then takes blood-gas steps (model/steady.c); NULL: never. */
  int (*follows_gases)(const hs_plan *pl, const double *p);
} hs_physio_circuit;

/*
 * The substances the blood carries between the nodes (docs/numerics.md, "Oxygen
 * transport"; docs/model.md 2.13, 2.19): O2, the ECMO-blood tracer and CO2, with gas
 * exchange in the lungs and membrane lungs.  The engine lays out their storage (plan
 * yo2 / ytr / yco2 / ygas states and the q_c, q_k, q_flux ... quadratures) and decides
 * when they advance (an operator split over the volumes the integrator moved); the one
 * registered module that provides these hooks does the chemistry.  The hooks work on the
 * simulation's private state (model/sim_internal.h), as the engine's own files do.
 */
typedef struct hs_physio_transport {
  /* The contents at the start of a run, from the node volumes just set. */
  void (*start)(hs_sim *s);
  /* The end-capillary contents of the lungs and membrane lungs (after every parameter
     change and beat start). */
  void (*end_capillary)(hs_sim *s);
  /* Advance the contents over the interval of length h the integrator just moved the
     blood through (v0: node volumes at its start). */
  void (*step)(hs_sim *s, const double *v0, double h);
  /* At a beat end of length T: the quasi-steady gas PCO2s (kin: beat-mean CO2 content of
     each node, mL CO2/mL). */
  void (*gas_exchange)(hs_sim *s, double T, const double *kin);
  /* The O2 / tracer (o2 != 0) or CO2 contents to their steady balance for the last beat's
     mean flows (the steady-state search). */
  void (*equilibrate)(hs_sim *s, int o2);
  /* Its metrics of the beat just ended (saturations, PaO2, CO2 and acid-base, the drained
     sample, shunt, haemoglobin) into m, the beat-mean O2 saturation of every node into
     so2 (%). */
  void (*metrics)(hs_sim *s, double *m, double *so2);
} hs_physio_transport;

typedef struct hs_physio_module {
  const char *name;
  const char *doc; /* one line: what it models, where it is documented */
  size_t state_bytes;
  /* The name of its global parameter block (NULL: none); the plan resolves the block's
     offset before compile() (hs_physio_module_block). */
  const char *block;
  /* What else it resolves at compile (the nodes and edges of its roles): plan_bytes kept
     by the plan for it, zeroed before compile() fills them, read through
     hs_physio_plan_data (a module needs no field in the engine's plan). */
  size_t plan_bytes;
  /* At compile, before the continuous states are counted: find its parameter block
     (hs_physio_block) and resolve its roles (m: the model being compiled) into its plan
     fields; an error stops the compile. */
  hs_status (*compile)(hs_plan *plan, const struct hs_model *m, hs_err *err);
  void (*init)(void *state);
  /* Once per beat end.  Returns 1 when the module's effect on the right-hand side changed
     (the engine restarts the integrator there: a discontinuity), else 0 (effects outside
     the right-hand side, the shunt, are re-read every beat anyway). */
  int (*beat)(void *state, const hs_physio_beat *b);
  /* After the continuous states were set from outside (hs_sim_set_state,
     hs_sim_copy_state): what of its own state follows them (NULL: nothing), before its
     effect is read again. */
  void (*state_set)(void *state, const hs_plan *plan, const double *y);
  /* Multiply its factors into fx (add its shunt); called after every parameter change
     and after every beat. */
  void (*effect)(const void *state, const hs_plan *plan, const double *p, hs_physio_effect *fx);
  /* Its metrics (by hs_metric_id) in the beat's row m. */
  void (*metrics)(const void *state, const hs_plan *plan, const double *p, double *m);
  /* For the periodic steady-state test: still moving (not engaged, titrating), and the
     relative change of its effect at its last update (solver.steady_tol_factor). */
  int (*moving)(const void *state);
  double (*change)(const void *state);
  /* ---- an outer fixed point of the periodic steady-state search (NULL: none) ----
     A module state that depends on the periodic state itself (the LV's contractility on
     the myocardium's O2 balance: physio/ischaemia.c) holds still while the search
     (model/steady.c) solves the periodic state, its beat() only measuring; after each
     solve, settle() reads what it measured over the settled beats and returns 1 when it
     moved its state (the search then solves again from there), 0 at its fixed point
     (within tol, solver.steady_tol_factor) or when it has nothing to act on.  first: the
     first call of this search (a fresh iteration: earlier brackets are stale). */
  int (*settle)(void *state, const hs_plan *plan, const double *p, double tol, int first);
  /* ---- continuous states, integrated with the circulation (all NULL: none) ----
     Their number is fixed when the model is compiled (nstates from the initial
     parameters; the plan keeps them at y[plan->mod_y[k]], plan->mod_ny[k] of them). */
  int (*nstates)(const hs_plan *plan, const double *p);
  /* A parameter that sets nstates cannot change at run time: the reason, else NULL. */
  const char *(*fixed)(const hs_plan *plan, int pidx);
  /* Derived data from the parameters alone (after every parameter change). */
  void (*refresh)(void *state, const hs_plan *plan, const double *p);
  void (*rest)(const void *state, const hs_plan *plan, const double *p, double *x);
  void (*rhs)(const void *state, const hs_physio_sense *in, const double *x, double *dx);
  /* Multiply / add its action at states x into fx. */
  void (*tone)(const void *state, const hs_plan *plan, const double *p, const double *x,
               hs_physio_tone *fx);
  /* Steady-state weights of its states: 1 / (the change that counts as steady). */
  void (*weights)(const void *state, const hs_plan *plan, const double *p,
                  const hs_physio_tol *tol, double *w);
  /* Slow states (see above): the first nslow doubles of the state; NULL rates: none. */
  int nslow;
  const hs_physio_slow *slow;
  /* Their values at the start of a run, from the parameters (after init()). */
  void (*slow_start)(void *state, const hs_plan *plan, const double *p);
  /* Cycle-averaged rates of the slow states over the beat just ended, their decay
     (-d(dxdt)/dx, 1/s; zeroed by the engine: leave 0 for a plain Euler step) and the
     blood the module adds (flux, zeroed by the engine). */
  void (*rates)(const void *state, const hs_physio_beat *b, double *dxdt, double *decay,
                hs_physio_flux *flux);
  /* ---- the circuit's resistors (NULL: none) ----
     Factors on one resistor edge's resistance (ep: its parameters, elements.h), at every
     parameter change: *base is multiplied into the open vessel's resistance (before its
     patency), *divide divides the result (after patency); both start at 1. */
  void (*resistor)(const hs_plan *plan, const double *p, const double *ep, double *base,
                   double *divide);
  /* The compartment and regulated resistors (above); NULL: none.  At most one module. */
  const hs_physio_circuit *circuit;
  /* The substances the blood carries (above); NULL: none.  Exactly one module. */
  const hs_physio_transport *transport;
} hs_physio_module;

/* The reason a module's fixed() gives for a slow state's starting value (path: the
   parameter, e.g. "lactate.initial"), which a running simulation cannot take. */
#define HS_PHYSIO_INITIAL_FIXED(path)                                                        \
  path " is a slow state's value at the start of the run; set it in the patient file or "   \
       "with --set before the run"

/* The reason a module's fixed() gives for the switch that adds its continuous states
   (path: the parameter, e.g. "baroreflex.enabled"). */
#define HS_PHYSIO_ENABLED_FIXED(path)                                                        \
  path " adds the module's states and is fixed once the model is compiled; set it in the "  \
       "patient file or with --set before the run"

/* Total systemic flow (co_lpm, L/min) at or below which the circulation has stopped (an
   arrest without support): the steady-state search's contents only stagnate, the lactate
   has no plateau. */
#define HS_NO_FLOW_LPM 0.1

/* The plan data of module md (plan_bytes of it; NULL if md is not registered).  A scan of
   the registered modules: cheap, but a module's right-hand-side hooks that run at every
   evaluation read it once per call at most (the circuit hooks: plan->cx_data). */
static inline void *hs_physio_plan_data(const hs_plan *pl, const struct hs_physio_module *md) {
  for (int k = 0; k < pl->nmod; k++)
    if (pl->mods[k] == md) return pl->mdata + pl->mdofs[k];
  return 0;
}

/* The offset of module md's parameter block (its `block`) in the flat parameter vector;
   -1 without one.  The same scan as hs_physio_plan_data. */
static inline int hs_physio_module_block(const hs_plan *pl, const struct hs_physio_module *md) {
  for (int k = 0; k < pl->nmod; k++)
    if (pl->mods[k] == md) return pl->mblk[k];
  return -1;
}

/* Offset of global block `name` in the flat parameter vector, or -1 (a module that owns
   a parameter block finds it by name, so adding one needs no field in the plan). */
int hs_physio_block(const hs_plan *plan, const char *name);
/* Total slow states of all modules, and the largest nslow of one module. */
size_t hs_physio_slow_count(void);

size_t hs_physio_module_count(void);
/* The circuit hooks of the registered modules (the first module that has them), or NULL. */
const hs_physio_circuit *hs_physio_circuit_hooks(void);
/* The transport hooks of the registered modules (the first module that has them). */
const hs_physio_transport *hs_physio_transport_hooks(void);
const hs_physio_module *hs_physio_module_at(size_t i);

#endif
