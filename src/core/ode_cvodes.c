/*
 * ode_cvodes.c - SUNDIALS CVODES behind the hs_ode interface.
 *
 * BDF with Newton iteration and a dense direct linear solver (the circulation is
 * mildly stiff: small compliances behind small valve resistances give time
 * constants well under a millisecond), or Adams with fixed-point iteration.
 * Quadratures (beat means) use CVODES' quadrature support, which costs one
 * evaluation of fq per step and does not enter the Newton system.
 * Each integrator owns its own SUNContext, so integrators in different threads
 * share nothing.
 */
#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

#include "core/ode.h"

typedef struct cv {
  SUNContext ctx;
  void *mem;
  N_Vector y, q, tmp;
  SUNMatrix A;
  SUNLinearSolver LS;
  SUNNonlinearSolver NLS;
  hs_ode_problem p;
  long restarts;
  hs_ode_stats acc; /* counters of the runs before the last restart (CVodeReInit resets them) */
  char lastmsg[256]; /* last CVODES diagnostic: CVODES must never print */
} cv;

static void silent_handler(int code, const char *module, const char *function, char *msg,
                           void *ud) {
  cv *c = ud;
  (void)code;
  snprintf(c->lastmsg, sizeof c->lastmsg, "%s/%s: %s", module, function, msg);
}

static void read_counters(const cv *c, hs_ode_stats *st) {
  long v = 0;
  memset(st, 0, sizeof *st);
  CVodeGetNumSteps(c->mem, &v), st->steps = v;
  CVodeGetNumRhsEvals(c->mem, &v), st->rhs_evals = v;
  if (c->LS) {
    CVodeGetNumJacEvals(c->mem, &v), st->jac_evals = v;
    CVodeGetNumLinRhsEvals(c->mem, &v), st->rhs_evals += v;
  }
  CVodeGetNumErrTestFails(c->mem, &v), st->err_test_fails = v;
  CVodeGetNumNonlinSolvConvFails(c->mem, &v), st->nonlin_fails = v;
  if (c->p.ng) CVodeGetNumGEvals(c->mem, &v), st->root_evals = v;
}

static int f_rhs(realtype t, N_Vector y, N_Vector yd, void *ud) {
  const cv *c = ud;
  double *d = N_VGetArrayPointer(yd);
  int st = c->p.rhs(t, N_VGetArrayPointer(y), d, c->p.ud);
  if (st) return st;
  /* a NaN or infinity is a recoverable failure (core/ode.h): CVODES retries smaller */
  double sum = 0.0;
  for (int i = 0; i < c->p.n; i++) sum += 0.0 * d[i];
  return sum == 0.0 ? 0 : 1;
}
static int f_quad(realtype t, N_Vector y, N_Vector qd, void *ud) {
  const cv *c = ud;
  return c->p.quad(t, N_VGetArrayPointer(y), N_VGetArrayPointer(qd), c->p.ud);
}
static int f_root(realtype t, N_Vector y, realtype *g, void *ud) {
  const cv *c = ud;
  return c->p.roots(t, N_VGetArrayPointer(y), g, c->p.ud);
}

static void cv_free(void *s) {
  cv *c = s;
  if (!c) return;
  if (c->mem) CVodeFree(&c->mem);
  if (c->LS) SUNLinSolFree(c->LS);
  if (c->A) SUNMatDestroy(c->A);
  if (c->NLS) SUNNonlinSolFree(c->NLS);
  if (c->y) N_VDestroy(c->y);
  if (c->q) N_VDestroy(c->q);
  if (c->tmp) N_VDestroy(c->tmp);
  if (c->ctx) SUNContext_Free(&c->ctx);
  free(c);
}

static void *cv_create(const hs_ode_problem *p, const hs_ode_options *o, double t0,
                       const double *y0, const double *q0, hs_err *err, int lmm) {
  cv *c = calloc(1, sizeof *c);
  if (!c) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory creating the integrator");
    return NULL;
  }
  c->p = *p;
  const char *what = "context";
  if (SUNContext_Create(NULL, &c->ctx)) goto fail;
  what = "vectors";
  c->y = N_VNew_Serial(p->n, c->ctx);
  c->tmp = N_VNew_Serial(p->n, c->ctx);
  if (!c->y || !c->tmp) goto fail;
  memcpy(N_VGetArrayPointer(c->y), y0, (size_t)p->n * sizeof(double));
  what = "CVodeCreate";
  c->mem = CVodeCreate(lmm, c->ctx);
  if (!c->mem) goto fail;
  if (CVodeSetErrHandlerFn(c->mem, silent_handler, c)) goto fail;
  what = "CVodeInit";
  if (CVodeInit(c->mem, f_rhs, t0, c->y)) goto fail;
  if (CVodeSetUserData(c->mem, c)) goto fail;
  what = "tolerances";
  if (CVodeSStolerances(c->mem, o->rtol, o->atol)) goto fail;
  if (CVodeSetMaxNumSteps(c->mem, 100000)) goto fail;
  if (o->max_step > 0 && CVodeSetMaxStep(c->mem, o->max_step)) goto fail;
  what = "linear solver";
  if (lmm == CV_BDF) {
    c->A = SUNDenseMatrix(p->n, p->n, c->ctx);
    if (!c->A) goto fail;
    c->LS = SUNLinSol_Dense(c->y, c->A, c->ctx);
    if (!c->LS) goto fail;
    if (CVodeSetLinearSolver(c->mem, c->LS, c->A)) goto fail;
  } else {
    c->NLS = SUNNonlinSol_FixedPoint(c->y, 0, c->ctx);
    if (!c->NLS || CVodeSetNonlinearSolver(c->mem, c->NLS)) goto fail;
  }
  if (p->nq > 0) {
    what = "quadratures";
    c->q = N_VNew_Serial(p->nq, c->ctx);
    if (!c->q) goto fail;
    memcpy(N_VGetArrayPointer(c->q), q0, (size_t)p->nq * sizeof(double));
    if (CVodeQuadInit(c->mem, f_quad, c->q)) goto fail;
    if (CVodeSetQuadErrCon(c->mem, SUNFALSE)) goto fail;
  }
  if (p->ng > 0) {
    what = "root finding";
    if (CVodeRootInit(c->mem, p->ng, f_root)) goto fail;
    int *dir = malloc((size_t)p->ng * sizeof *dir);
    if (!dir) goto fail;
    for (int i = 0; i < p->ng; i++) dir[i] = -1; /* falling crossings only (ode.h) */
    int bad = CVodeSetRootDirection(c->mem, dir);
    free(dir);
    if (bad) goto fail;
    /* Events are of no interest at the very start of an interval. */
    if (CVodeSetNoInactiveRootWarn(c->mem)) goto fail;
  }
  return c;
fail:
  hs_err_set(err, HS_ERR_SOLVER, "CVODES set-up failed at %s", what);
  cv_free(c);
  return NULL;
}

static void *cv_create_bdf(const hs_ode_problem *p, const hs_ode_options *o, double t0,
                           const double *y0, const double *q0, hs_err *err) {
  return cv_create(p, o, t0, y0, q0, err, CV_BDF);
}
static void *cv_create_adams(const hs_ode_problem *p, const hs_ode_options *o, double t0,
                             const double *y0, const double *q0, hs_err *err) {
  return cv_create(p, o, t0, y0, q0, err, CV_ADAMS);
}

static hs_status cv_step(void *s, double tstop, double *t, double *y, int *what, int *roots,
                         hs_err *err) {
  cv *c = s;
  if (CVodeSetStopTime(c->mem, tstop))
    return hs_err_set(err, HS_ERR_SOLVER, "t=%.4f s: cannot set stop time %.6f s", *t, tstop);
  realtype tret = *t;
  int flag = CVode(c->mem, tstop, c->y, &tret, CV_ONE_STEP);
  if (flag < 0) {
    char *name = CVodeGetReturnFlagName(flag);
    hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: CVODES failed (%s): %s", tret, name ? name : "?",
               c->lastmsg);
    free(name);
    return HS_ERR_SOLVER;
  }
  *t = tret;
  memcpy(y, N_VGetArrayPointer(c->y), (size_t)c->p.n * sizeof(double));
  *what = HS_ODE_STEPPED;
  if (flag == CV_TSTOP_RETURN) *what = HS_ODE_AT_STOP;
  if (flag == CV_ROOT_RETURN) {
    *what = HS_ODE_AT_ROOT;
    if (CVodeGetRootInfo(c->mem, roots))
      return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: no root information", tret);
  }
  return HS_OK;
}

static hs_status cv_dense(void *s, double t, double *y, hs_err *err) {
  cv *c = s;
  int flag = CVodeGetDky(c->mem, t, 0, c->tmp);
  if (flag)
    return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: interpolation outside the last step", t);
  memcpy(y, N_VGetArrayPointer(c->tmp), (size_t)c->p.n * sizeof(double));
  return HS_OK;
}

/* Before the first step after (re)initialisation CVODES has no quadrature
   history: c->q still holds the values it was started with. */
static int has_stepped(const cv *c) {
  long nst = 0;
  CVodeGetNumSteps(c->mem, &nst);
  return nst > 0;
}

static hs_status cv_quad(void *s, double *q, hs_err *err) {
  cv *c = s;
  realtype tq;
  if (c->p.nq == 0) return HS_OK;
  if (has_stepped(c) && CVodeGetQuad(c->mem, &tq, c->q))
    return hs_err_set(err, HS_ERR_SOLVER, "cannot read quadratures");
  memcpy(q, N_VGetArrayPointer(c->q), (size_t)c->p.nq * sizeof(double));
  return HS_OK;
}

static hs_status cv_reinit(void *s, double t, const double *y, hs_err *err) {
  cv *c = s;
  realtype tq;
  if (c->p.nq > 0 && has_stepped(c) && CVodeGetQuad(c->mem, &tq, c->q))
    return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: cannot read quadratures", t);
  hs_ode_stats now;
  read_counters(c, &now);
  c->acc.steps += now.steps;
  c->acc.rhs_evals += now.rhs_evals;
  c->acc.jac_evals += now.jac_evals;
  c->acc.err_test_fails += now.err_test_fails;
  c->acc.nonlin_fails += now.nonlin_fails;
  c->acc.root_evals += now.root_evals;
  memcpy(N_VGetArrayPointer(c->y), y, (size_t)c->p.n * sizeof(double));
  if (CVodeReInit(c->mem, t, c->y))
    return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: CVODES restart failed", t);
  if (c->p.nq > 0 && CVodeQuadReInit(c->mem, c->q))
    return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: CVODES quadrature restart failed", t);
  c->restarts++;
  return HS_OK;
}

static void cv_stats(const void *s, hs_ode_stats *st) {
  const cv *c = s;
  read_counters(c, st);
  st->steps += c->acc.steps;
  st->rhs_evals += c->acc.rhs_evals;
  st->jac_evals += c->acc.jac_evals;
  st->err_test_fails += c->acc.err_test_fails;
  st->nonlin_fails += c->acc.nonlin_fails;
  st->root_evals += c->acc.root_evals;
  st->restarts = c->restarts;
}

const hs_ode_type hs_ode_cvodes_bdf = {
    "bdf", "CVODES BDF (orders 1-5), Newton iteration, dense LU", cv_create_bdf, cv_step,
    cv_dense, cv_quad, cv_reinit, cv_stats, cv_free};
const hs_ode_type hs_ode_cvodes_adams = {
    "adams", "CVODES Adams-Moulton (orders 1-12), fixed-point iteration", cv_create_adams,
    cv_step, cv_dense, cv_quad, cv_reinit, cv_stats, cv_free};
