/* test_extension.c - the library extended from outside through its public registry
 * interfaces only (hemosim/device.h, hemosim/ode.h, hemosim/sim.h): a toy device with
 * more ports than any built-in one, a device whose eval reports an error, and a toy
 * integrator.  Nothing here includes a private header. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

/* ------------------------------------------------------------- toy device -- */

/* Ten ports (the built-in devices have at most three; an earlier engine silently
   dropped ports beyond eight).  It moves a constant flow from port 0 to port 9 and
   reports port 9's pressure, so both ends of the port arrays are exercised. */
#define TOY_NPORTS 10
enum { T_FLOW, T_FAIL_AFTER, T_NPARAM };
static const hs_param_spec TOY_PARAMS[T_NPARAM] = {
    [T_FLOW] = {"flow", HS_DIM_FLOW, 0.0, 0.0, 10.0, 0, "flow from port 0 to port 9", "", NULL},
    [T_FAIL_AFTER] = {"fail_after", HS_DIM_TIME, 1e6, 0.0, 1e6, 0,
                      "eval reports an error from this time on", "", NULL},
};
static const char *const TOY_PORTS[TOY_NPORTS] = {"p0", "p1", "p2", "p3", "p4",
                                                  "p5", "p6", "p7", "p8", "p9"};
static const hs_device_flow TOY_FLOWS[] = {{"transfer", 0, 9, 0}};
static const hs_device_output TOY_OUTPUTS[] = {
    {"p9_mmhg", "mmHg", 1.0, "pressure at port 9", HS_AGG_MEAN},
    {"p0_mmhg", "mmHg", 1.0, "pressure at port 0", HS_AGG_MEAN},
};

static void toy_init(const double *p, double *x) { (void)p, (void)x; }

static hs_status toy_eval(hs_device_io *io, hs_err *err) {
  if (io->t >= io->p[T_FAIL_AFTER])
    return hs_err_set(err, HS_ERR_NONPHYSICAL, "toy failure (p9 = %.1f mmHg)", io->port_p[9]);
  io->q[0] = io->p[T_FLOW];
  io->out[0] = io->port_p[9];
  io->out[1] = io->port_p[0];
  return HS_OK;
}

static const hs_device_type TOY;
static const hs_block_type TOY_BLOCK = {"toy_pump", HS_BLOCK_DEVICE, TOY_PARAMS, T_NPARAM,
                                        "ten-port test device", &TOY};
static const hs_device_type TOY = {
    .block = &TOY_BLOCK, .ports = TOY_PORTS, .nports = TOY_NPORTS, .flows = TOY_FLOWS,
    .nflows = 1, .nstates = 0, .outputs = TOY_OUTPUTS, .noutputs = 2, .init = toy_init,
    .eval = toy_eval, .volume_param = -1};

/* Sites of the default patient the ten ports bind to: port 0 on the IVC, port 9 on the
   pulmonary artery, the others spread over the circuit. */
static const char *const SITES[TOY_NPORTS] = {
    "ivc", "svc", "ra", "la", "aortic_root", "arch", "desc_aorta", "lower_arteries",
    "upper_veins", "pa"};

static hs_model *toy_model(double flow_mls, double fail_after) {
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  assert_int_equal(hs_model_add_device_of_type(m, "toy", &TOY, SITES, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "toy.flow", flow_mls, &err), HS_OK);
  assert_int_equal(hs_model_set(m, "toy.fail_after", fail_after, &err), HS_OK);
  return m;
}

static double metric(const hs_sim *sim, const double *all, const char *name) {
  char buf[128];
  for (size_t k = 0; k < hs_sim_metric_count(sim); k++)
    if (strcmp(hs_sim_metric_name(sim, k, buf, sizeof buf), name) == 0) return all[k];
  fail_msg("no metric %s", name);
  return NAN;
}

/* A device type defined outside the library: ten ports bound and seen, its flow moves
   blood from port 0's node to port 9's, its outputs become metrics. */
static void test_toy_device_with_ten_ports(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = toy_model(0.0, 1e6);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_sim *sim = hs_sim_new(pl, &err);
  assert_non_null(sim);
  assert_int_equal(hs_sim_run(sim, 3.0, &err), HS_OK);
  size_t nm = hs_sim_metric_count(sim), nn = hs_plan_node_count(pl);
  double *all = malloc(nm * sizeof *all), *pm = malloc(3 * nn * sizeof *pm);
  assert_int_equal(hs_sim_summary_all(sim, 1, all, &err), HS_OK);
  assert_int_equal(hs_sim_site_summary(sim, 1, pm, pm + nn, pm + 2 * nn, &err), HS_OK);
  /* the beat mean of what port 9 saw is the beat mean pressure of its node (0.01 mmHg:
     the same integrals, only summed in different places) */
  assert_near(metric(sim, all, "toy_p9_mmhg"), pm[hs_plan_node_find(pl, "pa")], 0.01);
  assert_near(metric(sim, all, "toy_p0_mmhg"), pm[hs_plan_node_find(pl, "ivc")], 0.01);
  free(all);
  free(pm);
  hs_sim_free(sim);
  hs_plan_free(pl);

  /* with flow: the device takes blood out of the IVC into the PA; total volume kept */
  hs_model_set(m, "toy.flow", 10.0, &err);
  pl = hs_plan_compile(m, &err);
  sim = hs_sim_new(pl, &err);
  double v0 = conserved_volume(sim);
  assert_int_equal(hs_sim_run(sim, 2.0, &err), HS_OK);
  assert_near(conserved_volume(sim), v0, 1e-6 * v0);
  hs_sim_free(sim);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* A device's eval reports an error: the run stops with that message, prefixed with the
   device's name and the time, and refuses to continue. */
static void test_device_error_channel(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = toy_model(0.0, 0.5);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *sim = hs_sim_new(pl, &err);
  assert_non_null(sim);
  hs_status st = hs_sim_run(sim, 2.0, &err);
  assert_int_equal(st, HS_ERR_NONPHYSICAL);
  assert_non_null(strstr(err.msg, "device 'toy'"));
  assert_non_null(strstr(err.msg, "toy failure"));
  assert_non_null(strstr(err.msg, "t=0.5"));
  assert_true(hs_sim_time(sim) <= 0.5 + 1e-9);
  assert_int_not_equal(hs_sim_run(sim, 1.0, &err), HS_OK); /* broken: no further steps */
  hs_sim_free(sim);
  hs_plan_free(pl);
  hs_model_free(m);
}

/* Bad descriptors are refused with a message, never crash. */
static void test_bad_device_types_refused(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  hs_device_type bad = TOY;
  bad.eval = NULL;
  assert_int_equal(hs_model_add_device_of_type(m, "x", &bad, SITES, &err), HS_ERR_INVALID);
  assert_int_equal(hs_model_add_device_of_type(m, "x", NULL, SITES, &err), HS_ERR_INVALID);
  static const hs_device_flow BADFLOW[] = {{"f", 0, 10, 0}};
  hs_device_type bad2 = TOY;
  bad2.flows = BADFLOW;
  /* its block points to TOY, not to bad2 */
  assert_int_equal(hs_model_add_device_of_type(m, "x", &bad2, SITES, &err), HS_ERR_INVALID);
  /* an unknown port in a rebind names the valid ones */
  assert_int_equal(hs_model_add_device_of_type(m, "toy", &TOY, SITES, &err), HS_OK);
  assert_int_equal(hs_model_rebind_device(m, "toy", "p10", "ra", &err), HS_ERR_UNKNOWN);
  assert_non_null(strstr(err.msg, "p0, p1, p2"));
  assert_non_null(strstr(err.msg, "p9"));
  hs_model_free(m);
}

/* --------------------------------------------------------- toy integrator -- */

/* Classical fourth-order Runge-Kutta with a fixed step, quadratures integrated with
   the same stages, linear dense output and roots located at the end of the step in
   which a root function falls through zero (coarse, but what the interface asks). */
typedef struct rk4 {
  hs_ode_problem p;
  double h, t, tprev;
  double *y, *yprev, *q, *k, *kq, *tmp, *g0, *g1;
  long steps, evals;
} rk4;

static void rk4_free(void *vs) {
  rk4 *s = vs;
  if (!s) return;
  free(s->y);
  free(s);
}

static void *rk4_create(const hs_ode_problem *p, const hs_ode_options *o, double t0,
                        const double *y0, const double *q0, hs_err *err) {
  (void)o;
  rk4 *s = calloc(1, sizeof *s);
  size_t n = (size_t)p->n, nq = (size_t)p->nq, ng = (size_t)p->ng;
  double *mem = calloc(8 * n + 5 * nq + 2 * ng + 8, sizeof(double));
  if (!s || !mem) {
    free(s);
    free(mem);
    hs_err_set(err, HS_ERR_NOMEM, "rk4: out of memory");
    return NULL;
  }
  s->p = *p;
  s->h = 2e-5;
  s->t = s->tprev = t0;
  s->y = mem, s->yprev = s->y + n, s->tmp = s->yprev + n, s->k = s->tmp + n; /* k: 4n */
  s->q = s->k + 4 * n, s->kq = s->q + nq;                                     /* kq: 4nq */
  s->g0 = s->kq + 4 * nq, s->g1 = s->g0 + ng;
  memcpy(s->y, y0, n * sizeof(double));
  if (q0) memcpy(s->q, q0, nq * sizeof(double));
  return s;
}

static int rk4_f(rk4 *s, double t, const double *y, double *k, double *kq) {
  s->evals++;
  if (s->p.rhsq) return s->p.rhsq(t, y, k, kq, s->p.ud);
  int r = s->p.rhs(t, y, k, s->p.ud);
  return r ? r : s->p.quad ? s->p.quad(t, y, kq, s->p.ud) : 0;
}

static hs_status rk4_step(void *vs, double tstop, double *t, double *y, int *what, int *roots,
                          hs_err *err) {
  rk4 *s = vs;
  int n = s->p.n, nq = s->p.nq;
  double h = tstop - s->t < s->h ? tstop - s->t : s->h;
  double *k1 = s->k, *k2 = k1 + n, *k3 = k2 + n, *k4 = k3 + n;
  double *q1 = s->kq, *q2 = q1 + nq, *q3 = q2 + nq, *q4 = q3 + nq;
  static const double c[3] = {0.5, 0.5, 1.0};
  double *ks[4] = {k1, k2, k3, k4}, *qs[4] = {q1, q2, q3, q4};
  if (s->p.ng && s->p.roots(s->t, s->y, s->g0, s->p.ud))
    return hs_err_set(err, HS_ERR_SOLVER, "rk4: root function failed");
  for (int st = 0; st < 4; st++) {
    if (st) {
      for (int i = 0; i < n; i++) s->tmp[i] = s->y[i] + c[st - 1] * h * ks[st - 1][i];
    }
    if (rk4_f(s, s->t + (st ? c[st - 1] : 0.0) * h, st ? s->tmp : s->y, ks[st], qs[st]))
      return hs_err_set(err, HS_ERR_SOLVER, "rk4: right-hand side failed at t=%g", s->t);
  }
  memcpy(s->yprev, s->y, (size_t)n * sizeof(double));
  for (int i = 0; i < n; i++) s->y[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  for (int i = 0; i < nq; i++) s->q[i] += h / 6.0 * (q1[i] + 2 * q2[i] + 2 * q3[i] + q4[i]);
  s->tprev = s->t;
  s->t = fabs(s->t + h - tstop) < 1e-12 ? tstop : s->t + h;
  s->steps++;
  *what = s->t >= tstop ? HS_ODE_AT_STOP : HS_ODE_STEPPED;
  if (s->p.ng) {
    if (s->p.roots(s->t, s->y, s->g1, s->p.ud))
      return hs_err_set(err, HS_ERR_SOLVER, "rk4: root function failed");
    int any = 0;
    for (int g = 0; g < s->p.ng; g++) {
      roots[g] = s->g0[g] >= 0 && s->g1[g] < 0;
      any |= roots[g];
    }
    if (any) *what = HS_ODE_AT_ROOT;
  }
  *t = s->t;
  memcpy(y, s->y, (size_t)n * sizeof(double));
  return HS_OK;
}

static hs_status rk4_dense(void *vs, double t, double *y, hs_err *err) {
  (void)err;
  rk4 *s = vs;
  double w = s->t > s->tprev ? (t - s->tprev) / (s->t - s->tprev) : 1.0;
  for (int i = 0; i < s->p.n; i++) y[i] = s->yprev[i] + w * (s->y[i] - s->yprev[i]);
  return HS_OK;
}

static hs_status rk4_quad(void *vs, double *q, hs_err *err) {
  (void)err;
  rk4 *s = vs;
  memcpy(q, s->q, (size_t)s->p.nq * sizeof(double));
  return HS_OK;
}

static hs_status rk4_reinit(void *vs, double t, const double *y, hs_err *err) {
  (void)err;
  rk4 *s = vs;
  s->t = s->tprev = t;
  memcpy(s->y, y, (size_t)s->p.n * sizeof(double));
  memcpy(s->yprev, y, (size_t)s->p.n * sizeof(double));
  return HS_OK;
}

static void rk4_stats(const void *vs, hs_ode_stats *st) {
  const rk4 *s = vs;
  memset(st, 0, sizeof *st);
  st->steps = s->steps;
  st->rhs_evals = s->evals;
}

static const hs_ode_type RK4 = {"toy_rk4", "fixed-step RK4 (test)", rk4_create, rk4_step,
                                rk4_dense, rk4_quad, rk4_reinit, rk4_stats, rk4_free};

/* The toy integrator drives the default patient; its beat means agree with DOPRI5's
   (2 mmHg on MAP, 3 % on cardiac output: its valve events are located only to the
   step, 20 us), and the summary names it. */
static void test_toy_integrator(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_model_free(m);
  double ref[HS_METRIC_COUNT], got[HS_METRIC_COUNT];
  hs_sim *a = hs_sim_new(pl, &err), *b = hs_sim_new(pl, &err);
  assert_string_equal(hs_sim_integrator_name(a), "dopri5");
  assert_int_equal(hs_sim_set_integrator(b, &RK4, &err), HS_OK);
  assert_string_equal(hs_sim_integrator_name(b), "toy_rk4");
  assert_int_equal(hs_sim_run_beats(a, 3, &err), HS_OK);
  assert_int_equal(hs_sim_run_beats(b, 3, &err), HS_OK);
  assert_int_equal(hs_sim_last_beat(a, ref, &err), HS_OK);
  assert_int_equal(hs_sim_last_beat(b, got, &err), HS_OK);
  assert_near(got[HS_M_MAP], ref[HS_M_MAP], 2.0);
  assert_near(got[HS_M_CO], ref[HS_M_CO], 0.03 * ref[HS_M_CO]);
  hs_sim_stats st;
  hs_sim_get_stats(b, &st);
  assert_true(st.steps > 1000);

  hs_run_info info = {0};
  info.window_beats = 1;
  char *json = hs_summary_json(b, &info, &err);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"method\": \"toy_rk4\""));
  free(json);
  /* choosing a built-in by name returns to it */
  assert_int_equal(hs_sim_set(b, "solver.method", 1, &err), HS_OK);
  assert_string_equal(hs_sim_integrator_name(b), "bdf");
  /* an incomplete descriptor is refused */
  hs_ode_type half = RK4;
  half.dense = NULL;
  assert_int_equal(hs_sim_set_integrator(b, &half, &err), HS_ERR_INVALID);
  hs_sim_free(a);
  hs_sim_free(b);
  hs_plan_free(pl);
}

/* The built-in registry: every integrator is a choice of solver.method under its own
   name, in registry order. */
static void test_integrator_registry(void **state) {
  (void)state;
  const hs_block_type *solver = hs_block_type_find("solver");
  int k = hs_param_index(solver, "method");
  assert_true(k >= 0);
  const hs_param_spec *spec = &solver->params[k];
  size_t n = hs_ode_type_count();
  assert_true(n >= 3);
  for (size_t i = 0; i < n; i++) {
    assert_non_null(spec->choices[i]);
    assert_string_equal(spec->choices[i], hs_ode_type_at(i)->name);
    assert_ptr_equal(hs_ode_find(spec->choices[i]), hs_ode_type_at(i));
  }
  assert_null(spec->choices[n]);
  assert_near(spec->max, (double)(n - 1), 0.0);
  assert_null(hs_ode_type_at(n));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_toy_device_with_ten_ports),
      cmocka_unit_test(test_device_error_channel),
      cmocka_unit_test(test_bad_device_types_refused),
      cmocka_unit_test(test_toy_integrator),
      cmocka_unit_test(test_integrator_registry),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
