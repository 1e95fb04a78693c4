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
} hs_physio_effect;

/* What a module sees at the end of a beat. */
typedef struct hs_physio_beat {
  const hs_plan *plan;
  const double *p; /* parameters, flat (plan->bpofs, plan->mapc, ...) */
  double t;        /* time of the beat end, s */
  const double *m; /* the beat's metrics, HS_METRIC_COUNT of them */
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
} hs_physio_module;

size_t hs_physio_module_count(void);
const hs_physio_module *hs_physio_module_at(size_t i);

#endif
