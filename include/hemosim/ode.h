/*
 * hemosim/ode.h - the one interface every integrator sits behind.
 *
 * A problem is y' = f(t, y) with optional quadratures q' = fq(t, y) (integrated
 * alongside, not error-controlled, used for beat means) and root functions g(t, y)
 * whose zero crossings stop the integrator (valve events).  Callbacks return 0
 * on success, > 0 for a recoverable failure (the integrator retries with a
 * smaller step) and < 0 for a fatal one (SUNDIALS convention).  The right-hand
 * side need not check its result: every integrator treats a NaN or infinity in
 * the derivatives as a recoverable failure.
 *
 * Root functions trigger only on a *falling* crossing (g >= 0 before, g < 0
 * after); a problem that wants the other direction negates its g.  This makes a
 * root that sits exactly at the start of an interval harmless.
 *
 * An integrator type is a const descriptor (as in GSL's odeiv2 steppers).  A
 * built-in one is one file in src/core/ plus one line in the table of
 * src/core/ode.c (HS_ODE_TABLE), which also makes its name a choice of the
 * patient parameter solver.method.  A type defined outside the library is used by
 * one simulation through hs_sim_set_integrator() (hemosim/sim.h).  After any discontinuity of f
 * (valve switch, parameter change) the caller calls reinit(): the multistep
 * history is discarded and the method restarts at order 1.
 */
#ifndef HEMOSIM_ODE_H
#define HEMOSIM_ODE_H

#include <stddef.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_ode_problem {
  int n;  /* states */
  int nq; /* quadratures */
  int ng; /* root functions */
  int (*rhs)(double t, const double *y, double *ydot, void *ud);
  int (*quad)(double t, const double *y, double *qdot, void *ud);
  int (*roots)(double t, const double *y, double *g, void *ud);
  /* Optional: derivatives and quadrature integrands in one evaluation (used by
     one-step methods that integrate q with the same stages as y). */
  int (*rhsq)(double t, const double *y, double *ydot, double *qdot, void *ud);
  void *ud;
} hs_ode_problem;

typedef struct hs_ode_options {
  double rtol;
  double atol;
  double max_step; /* 0 = unlimited */
} hs_ode_options;

typedef struct hs_ode_stats {
  long steps, rhs_evals, jac_evals, err_test_fails, nonlin_fails, root_evals, restarts;
} hs_ode_stats;

enum { HS_ODE_STEPPED = 0, HS_ODE_AT_STOP = 1, HS_ODE_AT_ROOT = 2 };

typedef struct hs_ode_type {
  const char *name;
  const char *doc;
  /* Create an integrator at (t0, y0, q0); q0 may be NULL when nq == 0. */
  void *(*create)(const hs_ode_problem *p, const hs_ode_options *o, double t0, const double *y0,
                  const double *q0, hs_err *err);
  /* One internal step, not past tstop.  Writes the new t and y; *what is one of
     HS_ODE_STEPPED/AT_STOP/AT_ROOT; at a root, roots[i] != 0 for the functions that hit zero. */
  hs_status (*step)(void *s, double tstop, double *t, double *y, int *what, int *roots,
                    hs_err *err);
  /* Interpolate y at t inside the last step. */
  hs_status (*dense)(void *s, double t, double *y, hs_err *err);
  /* Quadrature values at the current time. */
  hs_status (*quad)(void *s, double *q, hs_err *err);
  /* Restart at (t, y) keeping the quadratures' current values. */
  hs_status (*reinit)(void *s, double t, const double *y, hs_err *err);
  void (*stats)(const void *s, hs_ode_stats *st);
  void (*free)(void *s);
} hs_ode_type;

/* The registry of built-in integrators, in the order of the choices of solver.method
   ("dopri5", "bdf", "adams"). */
size_t hs_ode_type_count(void);
const hs_ode_type *hs_ode_type_at(size_t i); /* NULL if i is out of range */
/* Look up by name ("dopri5", "bdf", "adams"); NULL if unknown. */
const hs_ode_type *hs_ode_find(const char *name);

#ifdef __cplusplus
}
#endif
#endif
