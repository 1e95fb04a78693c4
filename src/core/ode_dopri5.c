/*
 * ode_dopri5.c - explicit Runge-Kutta 5(4) of Dormand & Prince with step-size
 * control, cubic Hermite dense output and event location.
 *
 * Why a hand-written integrator next to CVODES: the circulation is only mildly
 * stiff once every short connection carries its inertance, while it has about
 * ten discontinuities per beat (valve switches).  A multistep method restarts
 * at order 1 after each of them; a one-step method restarts for free.  The
 * benchmark bench/bench_integrators.c measures both at equal accuracy; the
 * README reports the figures and docs/numerics.md the method.
 *
 * Method: Dormand & Prince 1980 (J Comput Appl Math 6:19), coefficients as
 * tabulated in Hairer, Norsett & Wanner, Solving ODEs I, 2nd ed., Table 5.2.
 * First-same-as-last: the last stage is the derivative at the new point.
 * Error norm: RMS of e_i / (atol + rtol max(|y0_i|, |y1_i|)); step factor
 * 0.9 err^(-0.17) err_prev^0.04 bounded to [0.2, 5] (Lund-stabilised PI control,
 * pi_factor below; after a rejection and a restart 0.9 err^(-1/5), Hairer I.II.4).
 * Quadratures are integrated with the same stages (no error control).
 *
 * Events: root functions are evaluated at the end of every accepted step; a
 * falling crossing (g >= 0 -> g < 0) is located on the Hermite interpolant by
 * the Illinois method to 1e-12 s; the state and quadratures there come from the
 * step's fourth-order continuous extension (dense_at: as accurate as the step
 * itself, from the stages already computed) and one evaluation gives the derivative
 * there.  Redoing the step to the root instead cost six evaluations per event
 * (docs/numerics.md, "Valve events").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ode.h"

/* Butcher tableau. */
static const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
static const double A21 = 1.0 / 5;
static const double A31 = 3.0 / 40, A32 = 9.0 / 40;
static const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
static const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561,
                    A54 = -212.0 / 729;
static const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247,
                    A64 = 49.0 / 176, A65 = -5103.0 / 18656;
static const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784,
                    B6 = 11.0 / 84;
static const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920,
                    E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

typedef struct rk {
  hs_ode_problem p;
  hs_ode_options o;
  int n, nq;
  double *mem; /* the one block behind every vector below (they are exchanged) */
  double t, h;      /* current time; proposed next step */
  double t_prev;    /* start of the last accepted step (dense output) */
  double *y, *f;    /* state and derivative at t (FSAL) */
  double *y_prev, *f_prev;
  double *q, *q_prev, *qf, *qf_prev; /* quadratures and integrands */
  double *k[7], *kq[7];     /* stages (k[0] aliases f) */
  double *ytmp, *y1, *qtmp;
  double *g0, *g1, *gtmp;
  int fresh; /* f is valid for (t, y) */
  /* Step after an event: hev[2 i + j] is the step proposed after the first accepted
     step that followed the last crossing of root function i with parity j (a valve's
     root function alternates between its opening and its closing: two slots; 0: none
     yet); nev[i] counts its crossings. */
  double *hev, *nev;
  int ev_root;    /* the root function the last step stopped at (-1: none) */
  int ev_restart; /* restarted at that root: its hev applies to the next step */
  double en_old;  /* error norm of the last accepted step since the last restart (0: none) */
  hs_ode_stats st;
  int (*root_need)(int i, void *ud); /* hs_dopri5_set_root_one (NULL: none) */
  double (*root_one)(double t, const double *y, int i, void *ud);
} rk;

static int eval(rk *r, double t, const double *y, double *f, double *qf) {
  r->st.rhs_evals++;
  if (!qf) return r->p.rhs(t, y, f, r->p.ud); /* derivatives only */
  if (r->p.rhsq) return r->p.rhsq(t, y, f, qf, r->p.ud);
  int s = r->p.rhs(t, y, f, r->p.ud);
  if (s == 0 && r->nq) s = r->p.quad(t, y, qf, r->p.ud);
  return s;
}

static void rk_free(void *s) {
  rk *r = s;
  if (!r) return;
  free(r->mem); /* one block holds every vector */
  free(r);
}

static void *rk_create(const hs_ode_problem *p, const hs_ode_options *o, double t0,
                       const double *y0, const double *q0, hs_err *err) {
  rk *r = calloc(1, sizeof *r);
  int n = p->n, nq = p->nq, ng = p->ng;
  size_t total = (size_t)n * 14 + (size_t)nq * 11 + (size_t)ng * 6 + 3;
  double *mem = r ? calloc(total, sizeof(double)) : NULL;
  if (!mem) {
    free(r);
    hs_err_set(err, HS_ERR_NOMEM, "out of memory creating the integrator");
    return NULL;
  }
  r->p = *p;
  r->o = *o;
  r->n = n;
  r->nq = nq;
  r->mem = mem;
  double *m = mem;
  r->y = m, m += n;
  r->f = m, m += n;
  r->y_prev = m, m += n;
  r->f_prev = m, m += n;
  for (int i = 1; i < 7; i++) r->k[i] = m, m += n;
  r->ytmp = m, m += n;
  r->y1 = m, m += n;
  m += n; /* spare */
  r->q = m, m += nq;
  r->qf = m, m += nq;
  r->qf_prev = m, m += nq;
  for (int i = 1; i < 7; i++) r->kq[i] = m, m += nq;
  r->qtmp = m, m += nq;
  r->q_prev = m, m += nq;
  r->g0 = m, m += ng;
  r->g1 = m, m += ng;
  r->gtmp = m, m += ng;
  r->hev = m, m += 2 * ng;
  r->nev = m, m += ng;
  r->ev_root = r->ev_restart = -1;
  r->k[0] = r->f;
  r->kq[0] = r->qf;
  r->t = r->t_prev = t0;
  memcpy(r->y, y0, (size_t)n * sizeof(double));
  if (nq) memcpy(r->q, q0, (size_t)nq * sizeof(double));
  r->h = 1e-4;
  return r;
}

/* Every element finite?  (One non-finite element makes the sum non-finite.) */
static int all_finite(const double *v, int n) {
  double sum = 0.0;
  for (int i = 0; i < n; i++) sum += 0.0 * v[i];
  return sum == 0.0;
}

/* One RK step of size h from (t, y, f); result in y1 (the quadratures follow in rk_accept);
   error norm in *en. */
static int rk_try(rk *r, double h, double *en) {
  const int n = r->n;
  const double t = r->t, *y = r->y;
  double *const *k = r->k, *const *kq = r->kq, *yt = r->ytmp;
  int s;
  /* the quadratures take the solution weights only, and B2 = 0: the second stage needs
     no quadrature integrands */
#define STAGE(idx, cc, EXPR)                                \
  for (int i = 0; i < n; i++) yt[i] = y[i] + h * (EXPR);    \
  if ((s = eval(r, t + (cc) * h, yt, k[idx], (idx) == 1 ? NULL : kq[idx])) != 0) return s;
  STAGE(1, C2, A21 * k[0][i])
  STAGE(2, C3, A31 * k[0][i] + A32 * k[1][i])
  STAGE(3, C4, A41 * k[0][i] + A42 * k[1][i] + A43 * k[2][i])
  STAGE(4, C5, A51 * k[0][i] + A52 * k[1][i] + A53 * k[2][i] + A54 * k[3][i])
  STAGE(5, 1.0, A61 * k[0][i] + A62 * k[1][i] + A63 * k[2][i] + A64 * k[3][i] + A65 * k[4][i])
#undef STAGE
  double *y1 = r->y1;
  for (int i = 0; i < n; i++)
    y1[i] = y[i] + h * (B1 * k[0][i] + B3 * k[2][i] + B4 * k[3][i] + B5 * k[4][i] +
                        B6 * k[5][i]);
  if ((s = eval(r, t + h, y1, k[6], kq[6])) != 0) return s;
  *en = 0;
  double sum = 0;
  for (int i = 0; i < n; i++) {
    double e = h * (E1 * k[0][i] + E3 * k[2][i] + E4 * k[3][i] + E5 * k[4][i] + E6 * k[5][i] +
                    E7 * k[6][i]);
    double a = fabs(y[i]), b = fabs(y1[i]);
    double sc = r->o.atol + r->o.rtol * (a > b ? a : b);
    sum += (e / sc) * (e / sc);
  }
  /* a NaN or infinity in any stage reaches y1, k[6] or e and so the norm: the step is
     retried smaller (the right-hand side need not check, core/ode.h) */
  *en = sqrt(sum / n);
  return isfinite(*en) ? 0 : 1;
}

/* The quadratures at the end of the trial step of size h (into qtmp): only for an
   accepted step (a rejected one never needs them). */
static void rk_quad_end(rk *r, double h) {
  double *const *kq = r->kq;
  for (int i = 0; i < r->nq; i++)
    r->qtmp[i] = r->q[i] + h * (B1 * kq[0][i] + B3 * kq[2][i] + B4 * kq[3][i] +
                                B5 * kq[4][i] + B6 * kq[5][i]);
}

/* Accept the trial in y1/qtmp/k[6] as the new point: the current point becomes the
   previous one and the trial the current one by exchanging the vectors, not copying
   them (the freed vectors become the next trial's scratch). */
#define ROTATE3(prev, cur, next) \
  do {                           \
    double *tmp_ = (prev);       \
    (prev) = (cur);              \
    (cur) = (next);              \
    (next) = tmp_;               \
  } while (0)
static void rk_accept(rk *r, double h) {
  rk_quad_end(r, h);
  ROTATE3(r->y_prev, r->y, r->y1);
  ROTATE3(r->f_prev, r->f, r->k[6]);
  ROTATE3(r->q_prev, r->q, r->qtmp);
  ROTATE3(r->qf_prev, r->qf, r->kq[6]);
  r->k[0] = r->f;
  r->kq[0] = r->qf;
  r->t_prev = r->t;
  r->t += h;
  r->st.steps++;
}
#undef ROTATE3

/* Cubic Hermite on the last accepted step: components idx[0..nidx-1] of out, or all of
   them when idx is NULL. */
static void hermite_some(const rk *r, double t, const int *idx, int nidx, double *out) {
  double h = r->t - r->t_prev;
  int m = idx ? nidx : r->n;
  if (h <= 0) {
    for (int k = 0; k < m; k++) out[idx ? idx[k] : k] = r->y[idx ? idx[k] : k];
    return;
  }
  double s = (t - r->t_prev) / h, s2 = s * s, s3 = s2 * s;
  double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2,
         h11 = s3 - s2;
  if (!idx) {
    for (int i = 0; i < r->n; i++)
      out[i] = h00 * r->y_prev[i] + h10 * h * r->f_prev[i] + h01 * r->y[i] + h11 * h * r->f[i];
    return;
  }
  for (int k = 0; k < nidx; k++) {
    int i = idx[k];
    out[i] = h00 * r->y_prev[i] + h10 * h * r->f_prev[i] + h01 * r->y[i] + h11 * h * r->f[i];
  }
}
static void hermite(const rk *r, double t, double *out) { hermite_some(r, t, NULL, 0, out); }

/* The continuous extension of the last accepted step (Dormand & Prince's fourth-order
   dense output, coefficients of Hairer, Norsett & Wanner I, II.6 / their code DOPRI5):
   y(t_prev + theta h) = y0 + theta (r2 + (1 - theta) (r3 + theta (r4 + (1 - theta) r5)))
   with r2 = y1 - y0, r3 = h k1 - r2, r4 = r2 - h k7 - r3, r5 = h sum d_i k_i.  Needs the
   step's stages: valid right after rk_accept (k[1..5] untouched, k1 = f_prev, k7 = f).
   State into y, quadratures into q. */
static const double D1 = -12715105075.0 / 11282082432.0, D3 = 87487479700.0 / 32700410799.0,
                    D4 = -10690763975.0 / 1880347072.0, D5 = 701980252875.0 / 199316789632.0,
                    D6 = -1453857185.0 / 822651844.0, D7 = 69997945.0 / 29380423.0;
static void dense_vec(double th, double h, int n, const double *y0, const double *y1,
                      const double *k1, const double *k3, const double *k4, const double *k5,
                      const double *k6, const double *k7, double *out) {
  for (int i = 0; i < n; i++) {
    double r2 = y1[i] - y0[i], r3 = h * k1[i] - r2, r4 = r2 - h * k7[i] - r3;
    double r5 = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
    out[i] = y0[i] + th * (r2 + (1.0 - th) * (r3 + th * (r4 + (1.0 - th) * r5)));
  }
}
static void dense_at(const rk *r, double t, double *y, double *q) {
  double h = r->t - r->t_prev, th = (t - r->t_prev) / h;
  dense_vec(th, h, r->n, r->y_prev, r->y, r->f_prev, r->k[2], r->k[3], r->k[4], r->k[5], r->f,
            y);
  if (r->nq)
    dense_vec(th, h, r->nq, r->q_prev, r->q, r->qf_prev, r->kq[2], r->kq[3], r->kq[4], r->kq[5],
              r->qf, q);
}

/* Step factor after an accepted step with error norm en when the accepted step before it
   had en_old (0: none since the start or the last restart).  Lund-stabilised PI control
   (Gustafsson 1991, ACM TOMS 17:533; Hairer & Wanner, Solving ODEs II, IV.2, and the
   step rule of their code DOPRI5): fac = 0.9 en^-(1/5 - 0.75 beta) en_old^beta, beta
   0.04, bounded to [0.2, 5]; the plain rule 0.9 en^(-1/5) after a restart.  The
   circulation's steps are bounded by the stability of its inertance modes in diastole,
   where the plain rule alternates between growing the step and rejecting it
   (docs/numerics.md, Stiffness). */
#ifndef PI_BETA
#define PI_BETA 0.04
#endif
static double pi_factor(double en, double en_old) {
  if (!(en > 0)) return 5.0;
  double fac = en_old > 0 && PI_BETA > 0
                   ? 0.9 * pow(en, -(0.2 - 0.75 * PI_BETA)) * pow(en_old, PI_BETA)
                   : 0.9 * pow(en, -0.2);
  return fmin(5.0, fmax(0.2, fac));
}

static int roots_at(rk *r, double t, const double *y, double *g) {
  r->st.root_evals++;
  return r->p.roots(t, y, g, r->p.ud);
}

static hs_status rk_step(void *s, double tstop, double *tout, double *yout, int *what,
                         int *roots, hs_err *err) {
  rk *r = s;
  int st;
  if (!r->fresh) {
    if ((st = eval(r, r->t, r->y, r->f, r->qf)) != 0 || !all_finite(r->f, r->n))
      return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: derivative evaluation failed (%d)", r->t,
                        st ? st : 1);
    if (r->p.ng && roots_at(r, r->t, r->y, r->g0))
      return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: root function failed", r->t);
    r->fresh = 1;
  }
  double t0 = r->t;
  double hmax = tstop - t0;
  if (hmax <= 0) {
    *tout = r->t;
    memcpy(yout, r->y, (size_t)r->n * sizeof(double));
    *what = HS_ODE_AT_STOP;
    return HS_OK;
  }
  double h = fmin(r->h, hmax);
  if (r->o.max_step > 0) h = fmin(h, r->o.max_step);
  /* the first step after a restart at an event: the proposal after that event's last
     crossing when smaller (the circulation is periodic, and the step size the
     controller carried over from before the event is usually far too large there:
     each rejection costs six evaluations) */
  int learn = r->ev_restart;
  if (learn >= 0 && r->hev[learn] > 0 && r->hev[learn] < h) h = r->hev[learn];
  r->ev_restart = r->ev_root = -1;
  int tries = 0;
  for (;;) {
    double en = NAN; /* not computed when a stage failed */
    st = rk_try(r, h, &en);
    if (st == 0 && en <= 1.0) {
      double fac = pi_factor(en, r->en_old);
      r->en_old = fmax(en, 1e-4);
      if (h < hmax || fac < 1.0) r->h = h * fac; /* a step clipped at tstop says little */
      else r->h = fmax(r->h, h);
      if (learn >= 0 && h < hmax) r->hev[learn] = h * fac;
      break;
    }
    if (st < 0)
      return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: derivative evaluation failed (%d)", t0,
                        st);
    r->st.err_test_fails++;
    h *= st ? 0.25 : fmax(0.2, 0.9 * pow(en, -0.2));
    if (++tries > 60 || h < 1e-14 * fmax(1.0, fabs(t0))) {
      if (!isfinite(en)) /* no step size helps: the model itself yields NaN or infinity */
        return hs_err_set(err, HS_ERR_SOLVER,
                          "t=%.6f s: the state derivatives are not finite (NaN or infinity) "
                          "at any step size down to %.3g s: a parameter or state has left "
                          "the range where the model is defined",
                          t0, h);
      return hs_err_set(err, HS_ERR_SOLVER,
                        "t=%.6f s: step size fell below %.3g s (error norm %.3g): the problem "
                        "is too stiff or not smooth here; try solver.method: bdf",
                        t0, h, en);
    }
  }
  int clipped = fabs((t0 + h) - tstop) <= 1e-12 * fmax(1.0, fabs(tstop));
  rk_accept(r, h);
  if (clipped) r->t = tstop;
  *what = clipped ? HS_ODE_AT_STOP : HS_ODE_STEPPED;
  if (r->p.ng) {
    if (roots_at(r, r->t, r->y, r->g1))
      return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: root function failed", r->t);
    double troot = INFINITY;
    for (int i = 0; i < r->p.ng; i++) {
      if (!(r->g0[i] >= 0 && r->g1[i] < 0)) continue;
      /* Illinois (modified regula falsi) on the interpolant */
      double a = r->t_prev, b = r->t, ga = r->g0[i], gb = r->g1[i];
      int side = 0, comp = r->root_need ? r->root_need(i, r->p.ud) : -1;
      for (int it = 0; it < 80 && b - a > 1e-12; it++) {
        double c = (a * gb - b * ga) / (gb - ga);
        if (!(c > a && c < b)) c = 0.5 * (a + b);
        double gc;
        if (comp >= 0) { /* the one component the function reads: only it is interpolated */
          hermite_some(r, c, &comp, 1, r->ytmp);
          r->st.root_evals++;
          gc = r->root_one(c, r->ytmp, i, r->p.ud);
        } else {
          hermite(r, c, r->ytmp);
          if (roots_at(r, c, r->ytmp, r->gtmp))
            return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: root function failed", c);
          gc = r->gtmp[i];
        }
        if (gc >= 0) {
          a = c, ga = gc;
          if (side == 1) gb *= 0.5;
          side = 1;
        } else {
          b = c, gb = gc;
          if (side == -1) ga *= 0.5;
          side = -1;
        }
      }
      if (b < troot) troot = b;
    }
    if (troot < INFINITY) {
      /* the state at the root from the step's own continuous extension (fourth order,
         Hairer, Norsett & Wanner I, II.6, the dense output of their DOPRI5; the same
         stages, no re-integration), then the derivative there (the Hermite interpolant
         of the shortened step, for sampling, needs it) */
      double hr = troot - r->t_prev;
      if (hr > 0) {
        double *tmp;
        dense_at(r, troot, r->y1, r->qtmp); /* y1 and qtmp are free after accept */
        if ((st = eval(r, troot, r->y1, r->k[6], r->kq[6])) != 0 || !all_finite(r->y1, r->n) ||
            !all_finite(r->k[6], r->n))
          return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: derivative evaluation failed", troot);
        /* the root becomes the current point (k[6], kq[6] were free too) */
        tmp = r->y, r->y = r->y1, r->y1 = tmp;
        tmp = r->f, r->f = r->k[6], r->k[6] = tmp;
        tmp = r->q, r->q = r->qtmp, r->qtmp = tmp;
        tmp = r->qf, r->qf = r->kq[6], r->kq[6] = tmp;
        r->k[0] = r->f;
        r->kq[0] = r->qf;
      } else { /* the root at the start of the step: the step is undone */
        memcpy(r->y, r->y_prev, (size_t)r->n * sizeof(double));
        memcpy(r->f, r->f_prev, (size_t)r->n * sizeof(double));
        if (r->nq) {
          memcpy(r->q, r->q_prev, (size_t)r->nq * sizeof(double));
          memcpy(r->qf, r->qf_prev, (size_t)r->nq * sizeof(double));
        }
        r->st.steps--;
      }
      r->t = troot;
      *what = HS_ODE_AT_ROOT;
      if (roots_at(r, r->t, r->y, r->g1))
        return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: root function failed", r->t);
      for (int i = 0; i < r->p.ng; i++) roots[i] = (r->g0[i] >= 0 && r->g1[i] < 0) ? -1 : 0;
      /* the located function is reported even if rounding left it a hair above zero */
      int any = 0;
      for (int i = 0; i < r->p.ng; i++) any |= roots[i];
      if (!any) {
        double best = INFINITY;
        int bi = 0;
        for (int i = 0; i < r->p.ng; i++)
          if (r->g0[i] >= 0 && fabs(r->g1[i]) < best) best = fabs(r->g1[i]), bi = i;
        roots[bi] = -1;
      }
      for (int i = r->p.ng - 1; i >= 0; i--)
        if (roots[i]) r->ev_root = 2 * i + ((long)r->nev[i] & 1), r->nev[i] += 1.0;
    }
    memcpy(r->g0, r->g1, (size_t)r->p.ng * sizeof(double));
  }
  *tout = r->t;
  memcpy(yout, r->y, (size_t)r->n * sizeof(double));
  return HS_OK;
}

/* core/ode.h: root functions that read a single state component. */
void hs_dopri5_set_root_one(void *s, int (*need)(int i, void *ud),
                            double (*one)(double t, const double *y, int i, void *ud)) {
  rk *r = s;
  r->root_need = need;
  r->root_one = one;
}

/* core/ode.h: the dense output of components idx[0..nidx-1] alone. */
hs_status hs_dopri5_dense_some(void *s, double t, const int *idx, int nidx, double *y,
                               hs_err *err) {
  const rk *r = s;
  if (t < r->t_prev - 1e-12 || t > r->t + 1e-12)
    return hs_err_set(err, HS_ERR_SOLVER, "t=%.6f s: interpolation outside the last step", t);
  hermite_some(r, t, idx, nidx, y);
  return HS_OK;
}

static hs_status rk_dense(void *s, double t, double *y, hs_err *err) {
  return hs_dopri5_dense_some(s, t, NULL, 0, y, err);
}

static hs_status rk_quad(void *s, double *q, hs_err *err) {
  rk *r = s;
  (void)err;
  if (r->nq) memcpy(q, r->q, (size_t)r->nq * sizeof(double));
  return HS_OK;
}

static hs_status rk_reinit(void *s, double t, const double *y, hs_err *err) {
  rk *r = s;
  (void)err;
  r->ev_restart = r->ev_root >= 0 && t == r->t ? r->ev_root : -1;
  r->ev_root = -1;
  r->t = r->t_prev = t;
  memcpy(r->y, y, (size_t)r->n * sizeof(double));
  r->fresh = 0; /* FSAL derivative and root values are stale */
  r->en_old = 0;
  r->st.restarts++;
  return HS_OK;
}

static void rk_stats(const void *s, hs_ode_stats *st) { *st = ((const rk *)s)->st; }

const hs_ode_type hs_ode_dopri5 = {
    "dopri5", "explicit Runge-Kutta 5(4), Dormand-Prince, with event location", rk_create,
    rk_step, rk_dense, rk_quad, rk_reinit, rk_stats, rk_free};
