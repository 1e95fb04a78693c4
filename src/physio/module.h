/*
 * physio/module.h - the one small interface the slow physiological modules sit behind.
 *
 * A module is one source file in src/physio/ exporting one const hs_physio_module,
 * plus one line in src/physio/registry.c; the engine (src/model/sim.c) calls every
 * registered module through these callbacks and knows none of them by name.  A
 * module keeps its own per-simulation state (state_bytes, zeroed and then init()ed
 * when a simulation is created or reset), reads its parameters from the flat
 * parameter vector through the plan's block offsets, acts on the circulation through
 * an effect (factors the right-hand side applies), and reports metrics.  Every
 * callback is optional (NULL: nothing to do).
 * Callbacks are pure functions of their arguments: no globals, no I/O.
 */
#ifndef HS_PHYSIO_MODULE_H
#define HS_PHYSIO_MODULE_H

#include <stddef.h>

#include "model/plan_impl.h"

/* What a module changes in the circulation; the engine multiplies the factors of all
   modules (1 = no effect). */
typedef struct hs_physio_effect {
  double resistance;    /* systemic arteriolar resistance of the vasomotor beds */
  double contractility; /* end-systolic elastance of both ventricles */
  double heart_rate;    /* heart rate */
  double shunt;         /* intrapulmonary shunt fraction added to oxygen.shunt_fraction
                           (adds, from 0; does not change the right-hand side) */
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

/* What a module sees at the end of a beat. */
typedef struct hs_physio_beat {
  const hs_plan *plan;
  const double *p; /* parameters, flat (plan->bpofs, plan->mapc, ...) */
  double t;        /* time of the beat end, s */
  const double *m; /* the beat's metrics, HS_METRIC_COUNT of them */
  const double *node_do2; /* O2 carried into each node over the beat, mL O2/min */
  const double *edge_q;   /* mean flow of each edge over the beat, mL/s */
} hs_physio_beat;

typedef struct hs_physio_module {
  const char *name;
  const char *doc; /* one line: what it models, where it is documented */
  size_t state_bytes;
  void (*init)(void *state);
  /* Once per beat end.  Returns 1 when the module's effect changed (the engine restarts
     the integrator there: a discontinuity of the right-hand side), else 0. */
  int (*beat)(void *state, const hs_physio_beat *b);
  /* Multiply its factors into fx; called after every parameter change and after a beat
     that changed it. */
  void (*effect)(const void *state, const hs_plan *plan, const double *p, hs_physio_effect *fx);
  /* Its metrics (by hs_metric_id) in the beat's row m. */
  void (*metrics)(const void *state, const hs_plan *plan, const double *p, double *m);
  /* For the periodic steady-state test: still moving (not engaged, titrating), and the
     relative change of its effect at its last update (solver.steady_tol_factor). */
  int (*moving)(const void *state);
  double (*change)(const void *state);
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
} hs_physio_module;

size_t hs_physio_module_count(void);
const hs_physio_module *hs_physio_module_at(size_t i);

#endif
