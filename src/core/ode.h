/*
 * core/ode.h - the built-in integrators (the interface is hemosim/ode.h).
 */
#ifndef HS_CORE_ODE_H
#define HS_CORE_ODE_H

#include "hemosim/ode.h"

/*
 * The built-in integrators: adding one is one file in src/core/ plus one line
 * here (its descriptor and its name, which must be the descriptor's name).  The
 * name becomes a choice of solver.method; the order is the order of those
 * choices, so append (saved choice indices keep their meaning).
 */
#define HS_ODE_TABLE(X)      \
  X(hs_ode_dopri5, "dopri5") \
  X(hs_ode_cvodes_bdf, "bdf") \
  X(hs_ode_cvodes_adams, "adams")

#define HS_ODE_COUNT_ONE(type, name) +1
#define HS_ODE_COUNT (0 HS_ODE_TABLE(HS_ODE_COUNT_ONE))

extern const hs_ode_type hs_ode_cvodes_bdf;
extern const hs_ode_type hs_ode_cvodes_adams;
extern const hs_ode_type hs_ode_dopri5;

/* DOPRI5 only: its dense output of the components idx[0..nidx-1] of y alone (the
   others are left as they are); the engine's per-step observation needs five of them. */
hs_status hs_dopri5_dense_some(void *s, double t, const int *idx, int nidx, double *y,
                               hs_err *err);

/* DOPRI5 only: while locating a crossing of root function i, event location asks
   need(i, ud) for the one state component that function reads (-1: it reads more) and
   then evaluates it as one(t, y, i, ud) with only that component interpolated, instead of
   the problem's roots() over every function (valves: an open valve's function is its own
   flow).  one() must return exactly what roots() gives for function i. */
void hs_dopri5_set_root_one(void *s, int (*need)(int i, void *ud),
                            double (*one)(double t, const double *y, int i, void *ud));

/* The names of the built-in integrators in registry order, NULL-terminated: the
   choices of the patient parameter solver.method (src/model/globals.c). */
extern const char *const hs_ode_method_names[];

#endif
