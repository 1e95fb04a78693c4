/*
 * sim.c - one simulation: state, right-hand side, valve events, beats.
 *
 * The state is the volume of every node and the flow of every inertial edge
 * (plan.c).  The right-hand side evaluates node pressures from volumes (chambers
 * with the activation of the current and the previous beat, so a long systole
 * may run into the next beat at high heart rates), edge flows from pressures,
 * and sums flows into volume derivatives.
 *
 * Valves are hybrid: root functions locate every opening (pressure difference
 * rising through zero) and closing (flow falling through zero); the mode is
 * switched there and the integrator restarted, so valve motion costs no
 * accuracy (docs/model.md, "Valves").
 *
 * Beats: the integrator is stopped at every beat end; beat means come from
 * quadratures (exact integrals), extrema from the interpolating polynomial
 * sampled at four points inside every internal step, end-diastolic values at
 * the beat boundary itself, and the end-systolic point (peak activation) by
 * interpolation at its exact time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ode.h"
#include "elements/elements.h"
#include "model/model_impl.h"
#include "model/plan_impl.h"

#define HIST 64
#define SUBSAMPLES 4

typedef struct event {
  double t;
  int pidx; /* index into the flat parameter vector */
  double value;
} event;

/* What the current beat has seen so far. */
typedef struct beat_acc {
  double t0, rr;
  double *q0; /* quadratures at beat start */
  double edv_lv, edp_lv, edv_rv;
  double upper_max, upper_min, root_min, pa_max, pa_min, lv_min, rv_min;
  double es_t, es_v, es_p;
  int es_done, av_opened;
} beat_acc;

struct hs_sim {
  const hs_plan *pl;
  double *p; /* parameters, flat */
  double t;
  double *y, *ydense, *work_dy;
  double *P, *Q; /* workspaces for pressures and flows */
  unsigned char *open;
  /* heart timing of the current and the previous beat */
  double bt0, brr, vtp, vtr;
  double pbt0, pbrr, pvtp, pvtr;
  long beats;
  beat_acc acc;
  double *y_prev_ed; /* state at the previous end-diastole (steady-state test) */
  double last_change;
  double hist[HIST][HS_METRIC_COUNT];
  long nhist;
  /* integrator */
  const hs_ode_type *ot; /* integrator type (solver.method) */
  void *ode;
  double *q;
  int *roots;
  int dirty; /* restart needed before the next step */
  /* scheduled parameter changes, sorted by time */
  event *ev;
  size_t nev, evcap, evnext;
  /* outputs */
  double sample_dt, next_sample;
  hs_sample_fn sample_fn;
  void *sample_ud;
  hs_beat_fn beat_fn;
  void *beat_ud;
  long valve_events;
  int broken; /* a fatal error happened: no further stepping */
  char rhs_msg[256];
};

/* ---------------------------------------------------------------- metrics -- */

static const struct {
  const char *name, *unit, *doc;
} METRICS[HS_METRIC_COUNT] = {
#define HS_X_ROW(id, name, unit, doc) {name, unit, doc},
    HS_METRIC_LIST(HS_X_ROW)
#undef HS_X_ROW
};

const char *hs_metric_name(hs_metric_id id) {
  return (unsigned)id < HS_METRIC_COUNT ? METRICS[id].name : "?";
}
const char *hs_metric_unit(hs_metric_id id) {
  return (unsigned)id < HS_METRIC_COUNT ? METRICS[id].unit : "?";
}
const char *hs_metric_doc(hs_metric_id id) {
  return (unsigned)id < HS_METRIC_COUNT ? METRICS[id].doc : "?";
}
int hs_metric_find(const char *name) {
  for (int i = 0; name && i < HS_METRIC_COUNT; i++)
    if (strcmp(METRICS[i].name, name) == 0) return i;
  return -1;
}

/* ------------------------------------------------------------- evaluation -- */

static inline const double *bparams(const hs_sim *s, int block) {
  return s->p + s->pl->bpofs[block];
}

static void activations(const hs_sim *s, double t, double *ev, double *ea) {
  const double *h = s->p + s->pl->heart;
  double pr = h[HEART_PR];
  double v1 = hs_activation(t - s->bt0, s->vtp, s->vtr);
  double v0 = hs_activation(t - s->pbt0, s->pvtp, s->pvtr);
  double a1 = hs_activation(t - (s->bt0 + s->brr - pr), h[HEART_ATP], h[HEART_ATR]);
  double a0 = hs_activation(t - (s->bt0 - pr), h[HEART_ATP], h[HEART_ATR]);
  *ev = v1 > v0 ? v1 : v0;
  *ea = a1 > a0 ? a1 : a0;
}

/* Node pressures and edge flows at (t, y). */
static void evaluate(hs_sim *s, double t, const double *y, double *P, double *Q) {
  const hs_plan *pl = s->pl;
  const double *h = s->p + pl->heart;
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  double ev, ea;
  activations(s, t, &ev, &ea);
  /* chambers first: vessels may depend on LV pressure (intramyocardial) */
  for (int i = 0; i < pl->nn; i++) {
    if (pl->node_kind[i] == HS_NK_VESSEL) continue;
    double e = pl->node_kind[i] == HS_NK_VENTRICLE ? ev : ea;
    P[i] = hs_chamber_pressure(y[i], e, bparams(s, pl->node_block[i]));
  }
  double plv = P[pl->lv], prv = P[pl->rv];
  P[pl->lv] += h[HEART_INT_RL] * prv;
  P[pl->rv] += h[HEART_INT_LR] * plv;
  if (h[HEART_PERI] != 0.0) {
    double pp = h[HEART_PERI_P0] *
                (exp(h[HEART_PERI_LAMBDA] * (y[pl->lv] + y[pl->rv] - h[HEART_PERI_V0])) - 1.0);
    P[pl->lv] += pp;
    P[pl->rv] += pp;
  }
  for (int i = 0; i < pl->nn; i++)
    if (pl->node_kind[i] != HS_NK_VESSEL) P[i] += thor;
  for (int i = 0; i < pl->nn; i++) {
    if (pl->node_kind[i] != HS_NK_VESSEL) continue;
    const double *v = bparams(s, pl->node_block[i]);
    P[i] = hs_vessel_pressure(y[i], v[VESSEL_C], v[VESSEL_V0]) + v[VESSEL_PEXT] +
           v[VESSEL_THORACIC] * thor + v[VESSEL_MYO] * P[pl->lv];
  }
  int vi = 0;
  for (int e = 0; e < pl->ne; e++) {
    const double *ep = bparams(s, pl->edge_block[e]);
    double dp = P[pl->efrom[e]] - P[pl->eto[e]];
    switch (pl->edge_kind[e]) {
      case HS_EK_RESISTOR:
        Q[e] = dp / ep[RESISTOR_R];
        break;
      case HS_EK_INERTANCE:
        Q[e] = y[pl->estate[e]];
        break;
      default: /* valve */
        Q[e] = s->open[vi] ? y[pl->estate[e]] : 0.0;
        if (ep[VALVE_AREG] > 0.0 && dp < 0.0) Q[e] += hs_orifice_flow(ep[VALVE_AREG], dp);
        vi++;
        break;
    }
  }
}

static int rhs(double t, const double *y, double *dy, void *ud) {
  hs_sim *s = ud;
  const hs_plan *pl = s->pl;
  double *P = s->P, *Q = s->Q;
  evaluate(s, t, y, P, Q);
  for (int i = 0; i < pl->nn; i++) dy[i] = 0.0;
  int vi = 0;
  for (int e = 0; e < pl->ne; e++) {
    dy[pl->efrom[e]] -= Q[e];
    dy[pl->eto[e]] += Q[e];
    int k = pl->estate[e];
    if (k < 0) continue;
    const double *ep = bparams(s, pl->edge_block[e]);
    double dp = P[pl->efrom[e]] - P[pl->eto[e]];
    if (pl->edge_kind[e] == HS_EK_INERTANCE) {
      dy[k] = (dp - ep[INERTANCE_R] * y[k]) / ep[INERTANCE_L];
    } else {
      dy[k] = s->open[vi] ? (dp - ep[VALVE_R] * y[k]) / ep[VALVE_L] : 0.0;
      vi++;
    }
  }
  for (int i = 0; i < pl->ny; i++)
    if (!isfinite(dy[i])) return 1; /* recoverable: the integrator retries a smaller step */
  return 0;
}

static int quad(double t, const double *y, double *dq, void *ud) {
  hs_sim *s = ud;
  const hs_plan *pl = s->pl;
  int st = rhs(t, y, s->work_dy, ud);
  if (st) return st;
  memcpy(dq, s->P, (size_t)pl->nn * sizeof(double));
  memcpy(dq + pl->nn, s->Q, (size_t)pl->ne * sizeof(double));
  dq[pl->nn + pl->ne] = s->P[pl->lv] * s->work_dy[pl->lv];
  dq[pl->nn + pl->ne + 1] = s->P[pl->rv] * s->work_dy[pl->rv];
  return 0;
}

static int rhsq(double t, const double *y, double *dy, double *dq, void *ud) {
  hs_sim *s = ud;
  const hs_plan *pl = s->pl;
  int st = rhs(t, y, dy, ud);
  if (st) return st;
  memcpy(dq, s->P, (size_t)pl->nn * sizeof(double));
  memcpy(dq + pl->nn, s->Q, (size_t)pl->ne * sizeof(double));
  dq[pl->nn + pl->ne] = s->P[pl->lv] * dy[pl->lv];
  dq[pl->nn + pl->ne + 1] = s->P[pl->rv] * dy[pl->rv];
  return 0;
}

/*
 * Valve events as falling crossings (core/ode.h): an open valve closes when its
 * flow falls below -HS_VALVE_EPS mL/s, a closed valve opens when its pressure
 * difference rises above HS_VALVE_EPS mmHg.  The tiny threshold keeps g strictly
 * positive right after a switch, so a switch can never be missed.
 */
#define HS_VALVE_EPS 1e-9
static int roots(double t, const double *y, double *g, void *ud) {
  hs_sim *s = ud;
  const hs_plan *pl = s->pl;
  evaluate(s, t, y, s->P, s->Q);
  for (int v = 0; v < pl->nvalve; v++) {
    int e = pl->valve_edge[v];
    g[v] = s->open[v] ? y[pl->estate[e]] + HS_VALVE_EPS
                      : HS_VALVE_EPS - (s->P[pl->efrom[e]] - s->P[pl->eto[e]]);
  }
  return 0;
}

/* ---------------------------------------------------------------- set-up -- */

static double blood_volume(const hs_sim *s) {
  const hs_plan *pl = s->pl;
  double bv = s->p[pl->circ + CIRC_BLOOD_VOLUME];
  if (bv > 0) return bv;
  return s->p[pl->body + BODY_WEIGHT] * s->p[pl->body + BODY_BV_PER_KG];
}

/* Volume of node i when its luminal pressure is pm and the heart is relaxed. */
static double volume_at(const hs_sim *s, int i, double pm) {
  const hs_plan *pl = s->pl;
  const double *b = bparams(s, pl->node_block[i]);
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  if (pl->node_kind[i] == HS_NK_VESSEL) {
    double pext = b[VESSEL_PEXT] + b[VESSEL_THORACIC] * thor;
    return b[VESSEL_V0] + b[VESSEL_C] * (pm - pext);
  }
  double ptm = pm - thor;
  double x = 1.0 + ptm / b[CHAMBER_EDA];
  if (x < 1e-6) x = 1e-6; /* strongly negative transmural pressure: chamber near collapse */
  return b[CHAMBER_V0] + log(x) / b[CHAMBER_EDB];
}

/* All nodes at one mean filling pressure holding the total blood volume. */
static hs_status initial_state(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  double bv = blood_volume(s);
  double lo = -30, hi = 200;
  for (int it = 0; it < 200 && hi - lo > 1e-12; it++) {
    double mid = 0.5 * (lo + hi), sum = 0;
    for (int i = 0; i < pl->nn; i++) sum += volume_at(s, i, mid);
    if (sum > bv) hi = mid;
    else lo = mid;
  }
  double pm = 0.5 * (lo + hi);
  if (pm <= -29.9 || pm >= 199.9)
    return hs_err_set(err, HS_ERR_MODEL,
                      "blood volume %.0f mL cannot fill this circuit at a mean filling pressure "
                      "between -30 and 200 mmHg; check circulation.blood_volume and the "
                      "unstressed volumes",
                      bv);
  double sum = 0;
  for (int i = 0; i < pl->nn; i++) {
    s->y[i] = volume_at(s, i, pm);
    if (s->y[i] < 0)
      return hs_err_set(err, HS_ERR_MODEL,
                        "node '%s' would start with a negative volume (%.1f mL) at the mean "
                        "filling pressure %.1f mmHg",
                        hs_plan_node_name(pl, (size_t)i), s->y[i], pm);
    sum += s->y[i];
  }
  /* put the bisection residue into the largest node so the total is exact */
  int big = 0;
  for (int i = 1; i < pl->nn; i++)
    if (s->y[i] > s->y[big]) big = i;
  s->y[big] += bv - sum;
  for (int k = pl->nn; k < pl->ny; k++) s->y[k] = 0.0;
  return HS_OK;
}

static void start_beat(hs_sim *s) {
  const double *h = s->p + s->pl->heart;
  s->pbt0 = s->bt0;
  s->pbrr = s->brr;
  s->pvtp = s->vtp;
  s->pvtr = s->vtr;
  s->bt0 = s->t;
  s->brr = 60.0 / h[HEART_HR];
  double k = sqrt(s->brr);
  s->vtp = h[HEART_VTP] * k;
  s->vtr = h[HEART_VTR] * k;
}

static hs_status make_integrator(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  static const char *const names[] = {"dopri5", "bdf", "adams"};
  if (s->ode) {
    hs_status st = s->ot->quad(s->ode, s->q, err); /* keep the running integrals */
    if (st) return st;
    s->ot->free(s->ode); /* with the type that created it */
    s->ode = NULL;
  }
  s->ot = hs_ode_find(names[(int)sv[SOLVER_METHOD]]);
  hs_ode_problem prob = {pl->ny, pl->nq, pl->nvalve, rhs, quad, roots, rhsq, s};
  hs_ode_options o = {sv[SOLVER_RTOL], sv[SOLVER_ATOL], 0.0};
  s->ode = s->ot->create(&prob, &o, s->t, s->y, s->q, err);
  return s->ode ? HS_OK : err ? err->code : HS_ERR_SOLVER;
}

static void set_valve_modes(hs_sim *s) {
  const hs_plan *pl = s->pl;
  evaluate(s, s->t, s->y, s->P, s->Q);
  for (int v = 0; v < pl->nvalve; v++) {
    int e = pl->valve_edge[v];
    double dp = s->P[pl->efrom[e]] - s->P[pl->eto[e]];
    int k = pl->estate[e];
    if (s->open[v] && s->y[k] < -HS_VALVE_EPS) {
      s->open[v] = 0;
      s->y[k] = 0.0;
    } else if (!s->open[v] && dp > HS_VALVE_EPS) {
      s->open[v] = 1;
    }
  }
}

static void begin_accumulation(hs_sim *s);

void hs_sim_free(hs_sim *s) {
  if (!s) return;
  if (s->ode) s->ot->free(s->ode);
  free(s->p);
  free(s->y);
  free(s->ydense);
  free(s->work_dy);
  free(s->P);
  free(s->Q);
  free(s->open);
  free(s->q);
  free(s->roots);
  free(s->acc.q0);
  free(s->y_prev_ed);
  free(s->ev);
  free(s);
}

hs_sim *hs_sim_new(const hs_plan *pl, hs_err *err) {
  hs_sim *s = calloc(1, sizeof *s);
  if (!s) goto nomem;
  s->pl = pl;
  size_t ny = (size_t)pl->ny + 1, nq = (size_t)pl->nq + 1;
  s->p = malloc(((size_t)pl->np + 1) * sizeof(double));
  s->y = calloc(ny, sizeof(double));
  s->ydense = calloc(ny, sizeof(double));
  s->work_dy = calloc(ny, sizeof(double));
  s->y_prev_ed = calloc(ny, sizeof(double));
  s->P = calloc((size_t)pl->nn + 1, sizeof(double));
  s->Q = calloc((size_t)pl->ne + 1, sizeof(double));
  s->open = calloc((size_t)pl->nvalve + 1, 1);
  s->q = calloc(nq, sizeof(double));
  s->acc.q0 = calloc(nq, sizeof(double));
  s->roots = calloc((size_t)pl->nvalve + 1, sizeof(int));
  if (!s->p || !s->y || !s->ydense || !s->work_dy || !s->y_prev_ed || !s->P || !s->Q ||
      !s->open || !s->q || !s->acc.q0 || !s->roots)
    goto nomem;
  memcpy(s->p, pl->p0, (size_t)pl->np * sizeof(double));
  s->pbt0 = -1e9;
  s->bt0 = -1e9;
  s->t = 0.0;
  start_beat(s);
  if (initial_state(s, err) != HS_OK) goto fail;
  set_valve_modes(s);
  if (make_integrator(s, err) != HS_OK) goto fail;
  memcpy(s->y_prev_ed, s->y, (size_t)pl->ny * sizeof(double));
  s->last_change = INFINITY;
  begin_accumulation(s);
  return s;
nomem:
  hs_err_set(err, HS_ERR_NOMEM, "out of memory creating a simulation");
fail:
  hs_sim_free(s);
  return NULL;
}

/* ---------------------------------------------------------------- params -- */

static hs_status find_param(const hs_sim *s, const char *path, int *pidx,
                            const hs_param_spec **spec, hs_err *err) {
  const hs_plan *pl = s->pl;
  const char *dot = path ? strchr(path, '.') : NULL;
  if (!dot)
    return hs_err_set(err, HS_ERR_INVALID, "parameter path '%s' must look like <block>.<parameter>",
                      path ? path : "");
  size_t n = (size_t)(dot - path);
  for (int b = 0; b < pl->nblocks; b++) {
    if (strlen(pl->bname[b]) != n || strncmp(pl->bname[b], path, n) != 0) continue;
    int k = hs_param_index(pl->btype[b], dot + 1);
    if (k < 0)
      return hs_err_set(err, HS_ERR_UNKNOWN, "'%s': %s '%s' has no parameter '%s'", path,
                        pl->btype[b]->name, pl->bname[b], dot + 1);
    *pidx = pl->bpofs[b] + k;
    *spec = &pl->btype[b]->params[k];
    return HS_OK;
  }
  return hs_err_set(err, HS_ERR_UNKNOWN, "'%s': no block named '%.*s'", path, (int)n, path);
}

/* Parameters whose change needs more than a restart. */
static hs_status apply_param(hs_sim *s, int pidx, double v, hs_err *err) {
  const hs_plan *pl = s->pl;
  if (pidx == pl->solver + SOLVER_METHOD || pidx == pl->solver + SOLVER_RTOL ||
      pidx == pl->solver + SOLVER_ATOL) {
    s->p[pidx] = v;
    return make_integrator(s, err);
  }
  if (pidx == pl->circ + CIRC_BLOOD_VOLUME || pidx == pl->body + BODY_WEIGHT ||
      pidx == pl->body + BODY_BV_PER_KG)
    return hs_err_set(err, HS_ERR_STATE,
                      "t=%.3f s: blood volume cannot change during a run (it is conserved); "
                      "add or remove volume with a device or set it before the run",
                      s->t);
  s->p[pidx] = v;
  s->dirty = 1;
  return HS_OK;
}

hs_status hs_sim_set(hs_sim *s, const char *path, double v, hs_err *err) {
  int pidx;
  const hs_param_spec *spec;
  hs_status st = find_param(s, path, &pidx, &spec, err);
  if (st) return st;
  st = hs_param_check(spec, v, err);
  if (st) return hs_err_prefix(err, "%s: ", path);
  if (s->t > 0 || s->beats > 0) return apply_param(s, pidx, v, err);
  /* before the run starts: rebuild the initial state with the new value */
  s->p[pidx] = v;
  if (pidx == s->pl->heart + HEART_HR) {
    s->bt0 = s->pbt0 = -1e9;
    start_beat(s);
  }
  if ((st = initial_state(s, err)) != HS_OK) return st;
  set_valve_modes(s);
  memcpy(s->y_prev_ed, s->y, (size_t)s->pl->ny * sizeof(double));
  if ((st = make_integrator(s, err)) != HS_OK) return st;
  begin_accumulation(s);
  return HS_OK;
}

hs_status hs_sim_parse_value(const hs_sim *s, const char *path, const char *text, double *out,
                             hs_err *err) {
  int pidx;
  const hs_param_spec *spec;
  hs_status st = find_param(s, path, &pidx, &spec, err);
  if (st) return st;
  st = hs_param_parse(spec, text, out, err);
  if (st) return hs_err_prefix(err, "%s: ", path);
  return HS_OK;
}

hs_status hs_sim_set_text(hs_sim *s, const char *path, const char *text, hs_err *err) {
  double v;
  hs_status st = hs_sim_parse_value(s, path, text, &v, err);
  return st ? st : hs_sim_set(s, path, v, err);
}

hs_status hs_sim_get(const hs_sim *s, const char *path, double *out, hs_err *err) {
  int pidx;
  const hs_param_spec *spec;
  hs_status st = find_param(s, path, &pidx, &spec, err);
  if (st == HS_OK) *out = s->p[pidx];
  return st;
}

hs_status hs_sim_schedule(hs_sim *s, double t, const char *path, double v, hs_err *err) {
  int pidx;
  const hs_param_spec *spec;
  hs_status st = find_param(s, path, &pidx, &spec, err);
  if (st) return st;
  if (!isfinite(t) || t < s->t)
    return hs_err_set(err, HS_ERR_INVALID, "event time %.6g s is in the past (now t=%.3f s)", t,
                      s->t);
  if ((st = hs_param_check(spec, v, err)) != HS_OK) return hs_err_prefix(err, "%s: ", path);
  if (s->nev == s->evcap) {
    size_t cap = s->evcap ? 2 * s->evcap : 16;
    event *ne = realloc(s->ev, cap * sizeof *ne);
    if (!ne) return hs_err_set(err, HS_ERR_NOMEM, "out of memory scheduling an event");
    s->ev = ne;
    s->evcap = cap;
  }
  /* insert keeping time order (stable for equal times) */
  size_t i = s->nev;
  while (i > s->evnext && s->ev[i - 1].t > t) {
    s->ev[i] = s->ev[i - 1];
    i--;
  }
  s->ev[i] = (event){t, pidx, v};
  s->nev++;
  return HS_OK;
}

/* ----------------------------------------------------------------- beats -- */

static double node_pressure_at(hs_sim *s, double t, const double *y, int i) {
  (void)t;
  const double *b = bparams(s, s->pl->node_block[i]);
  /* measured sites are vessels (checked at compile); LV coupling needs the full evaluation */
  if (b[VESSEL_MYO] != 0.0) {
    evaluate(s, t, y, s->P, s->Q);
    return s->P[i];
  }
  return hs_vessel_pressure(y[i], b[VESSEL_C], b[VESSEL_V0]) + b[VESSEL_PEXT] +
         b[VESSEL_THORACIC] * s->p[s->pl->circ + CIRC_THORACIC_P];
}

static void begin_accumulation(hs_sim *s) {
  const hs_plan *pl = s->pl;
  beat_acc *a = &s->acc;
  a->t0 = s->bt0;
  a->rr = s->brr;
  memcpy(a->q0, s->q, (size_t)pl->nq * sizeof(double));
  evaluate(s, s->t, s->y, s->P, s->Q);
  a->edv_lv = s->y[pl->lv];
  a->edp_lv = s->P[pl->lv];
  a->edv_rv = s->y[pl->rv];
  a->upper_max = a->upper_min = s->P[pl->upper];
  a->root_min = s->P[pl->root];
  a->pa_max = a->pa_min = s->P[pl->pa];
  a->lv_min = s->y[pl->lv];
  a->rv_min = s->y[pl->rv];
  a->es_t = s->bt0 + s->vtp;
  a->es_done = 0;
  a->av_opened = s->open[pl->vav];
}

static void observe_point(hs_sim *s, double t, const double *y) {
  const hs_plan *pl = s->pl;
  beat_acc *a = &s->acc;
  double pu = node_pressure_at(s, t, y, pl->upper);
  double pr = node_pressure_at(s, t, y, pl->root);
  double pp = node_pressure_at(s, t, y, pl->pa);
  if (pu > a->upper_max) a->upper_max = pu;
  if (pu < a->upper_min) a->upper_min = pu;
  if (pr < a->root_min) a->root_min = pr;
  if (pp > a->pa_max) a->pa_max = pp;
  if (pp < a->pa_min) a->pa_min = pp;
  if (y[pl->lv] < a->lv_min) a->lv_min = y[pl->lv];
  if (y[pl->rv] < a->rv_min) a->rv_min = y[pl->rv];
}

static hs_status emit_sample(hs_sim *s, double t, const double *y, hs_err *err) {
  evaluate(s, t, y, s->P, s->Q);
  hs_sample smp = {t, s->P, y, s->Q, 0, 0};
  activations(s, t, &smp.ventricular_activation, &smp.atrial_activation);
  if (s->sample_fn(&smp, s->sample_ud))
    return hs_err_set(err, HS_ERR_STATE, "t=%.4f s: stopped by the sample callback", t);
  return HS_OK;
}

/* Everything that looks inside the last step (t0, t1]. */
static hs_status observe_step(hs_sim *s, double t0, double t1, hs_err *err) {
  hs_status st;
  double h = t1 - t0;
  for (int k = 1; k < SUBSAMPLES; k++) {
    double tk = t0 + h * k / SUBSAMPLES;
    if ((st = s->ot->dense(s->ode, tk, s->ydense, err)) != HS_OK) return st;
    observe_point(s, tk, s->ydense);
  }
  observe_point(s, t1, s->y);
  beat_acc *a = &s->acc;
  if (!a->es_done && a->es_t <= t1 && a->es_t >= t0) {
    if ((st = s->ot->dense(s->ode, a->es_t, s->ydense, err)) != HS_OK) return st;
    evaluate(s, a->es_t, s->ydense, s->P, s->Q);
    a->es_v = s->ydense[s->pl->lv];
    a->es_p = s->P[s->pl->lv];
    a->es_done = 1;
  }
  while (s->sample_fn && s->next_sample <= t1 + 1e-12) {
    double ts = s->next_sample;
    const double *ys = s->y;
    if (ts < t1) {
      if ((st = s->ot->dense(s->ode, ts, s->ydense, err)) != HS_OK) return st;
      ys = s->ydense;
    }
    if ((st = emit_sample(s, ts, ys, err)) != HS_OK) return st;
    s->next_sample += s->sample_dt;
  }
  return HS_OK;
}

static void finish_beat(hs_sim *s, double *m) {
  const hs_plan *pl = s->pl;
  beat_acc *a = &s->acc;
  double T = s->t - a->t0;
  double *qm = s->ydense; /* reuse as scratch: means */
  (void)qm;
  const double *q = s->q;
#define MEAN(k) ((q[k] - a->q0[k]) / T)
  double co = 0;
  for (int e = 0; e < pl->ne; e++) {
    const double *ep = bparams(s, pl->edge_block[e]);
    double bed = pl->edge_kind[e] == HS_EK_RESISTOR    ? ep[RESISTOR_BED]
                 : pl->edge_kind[e] == HS_EK_INERTANCE ? ep[INERTANCE_BED]
                                                       : 0.0;
    if (bed != 0.0) co += MEAN(pl->nn + e);
  }
  m[HS_M_HR] = 60.0 / T;
  m[HS_M_SBP] = a->upper_max;
  m[HS_M_DBP] = a->upper_min;
  m[HS_M_MAP] = MEAN(pl->upper);
  m[HS_M_PP] = a->upper_max - a->upper_min;
  m[HS_M_CO] = co / HS_MLS_PER_LPM;
  m[HS_M_LVO] = MEAN(pl->nn + pl->av) / HS_MLS_PER_LPM;
  m[HS_M_LVEDV] = a->edv_lv;
  m[HS_M_LVESV] = a->lv_min;
  m[HS_M_LVEF] = a->edv_lv > 0 ? 100.0 * (a->edv_lv - a->lv_min) / a->edv_lv : 0.0;
  m[HS_M_LVEDP] = a->edp_lv;
  m[HS_M_RVEDV] = a->edv_rv;
  m[HS_M_RVESV] = a->rv_min;
  m[HS_M_PCWP] = MEAN(pl->la);
  m[HS_M_CVP] = MEAN(pl->ra);
  m[HS_M_SPAP] = a->pa_max;
  m[HS_M_DPAP] = a->pa_min;
  m[HS_M_MPAP] = MEAN(pl->pa);
  m[HS_M_AVOPEN] = a->av_opened ? 1.0 : 0.0;
  m[HS_M_CPP] = a->root_min - a->edp_lv;
  /* the loop runs counter-clockwise: stroke work = -closed integral of P dV */
  m[HS_M_SW] = -(q[pl->nn + pl->ne] - a->q0[pl->nn + pl->ne]);
  /* PVA = SW + PE; PE = Pes (Ves - V0) / 2 (Suga 1979, Am J Physiol 236:H498) */
  double v0 = bparams(s, pl->node_block[pl->lv])[CHAMBER_V0];
  double pe = a->es_done ? 0.5 * a->es_p * (a->es_v - v0) : 0.0;
  m[HS_M_PVA] = m[HS_M_SW] + (pe > 0 ? pe : 0.0);
  double tbv = 0;
  for (int i = 0; i < pl->nn; i++) tbv += s->y[i];
  m[HS_M_TBV] = tbv;
#undef MEAN
}

static hs_status end_of_beat(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  hs_status st = s->ot->quad(s->ode, s->q, err);
  if (st) return st;
  double *m = s->hist[s->nhist % HIST];
  finish_beat(s, m);
  s->nhist++;
  s->beats++;
  double change = 0;
  for (int i = 0; i < pl->nn; i++) {
    double d = fabs(s->y[i] - s->y_prev_ed[i]);
    if (d > change) change = d;
  }
  s->last_change = change;
  memcpy(s->y_prev_ed, s->y, (size_t)pl->ny * sizeof(double));
  if (s->beat_fn && s->beat_fn(s->beats, s->t, m, s->beat_ud))
    return hs_err_set(err, HS_ERR_STATE, "t=%.4f s: stopped by the beat callback", s->t);
  start_beat(s);
  begin_accumulation(s);
  return HS_OK;
}

/* ------------------------------------------------------------- stepping -- */

static hs_status check_state(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  for (int i = 0; i < pl->nn; i++)
    if (!isfinite(s->y[i]) || s->y[i] < 0.0) {
      s->broken = 1;
      return hs_err_set(err, HS_ERR_NONPHYSICAL,
                        "t=%.4f s: compartment '%s': volume %.4g mL is %s", s->t,
                        hs_plan_node_name(pl, (size_t)i), s->y[i],
                        isfinite(s->y[i]) ? "negative" : "not a number");
    }
  for (int e = 0; e < pl->ne; e++) {
    int k = pl->estate[e];
    if (k >= 0 && !isfinite(s->y[k])) {
      s->broken = 1;
      return hs_err_set(err, HS_ERR_NONPHYSICAL, "t=%.4f s: flow through '%s' is not a number",
                        s->t, hs_plan_edge_name(pl, (size_t)e));
    }
  }
  return HS_OK;
}

static hs_status handle_roots(hs_sim *s) {
  const hs_plan *pl = s->pl;
  evaluate(s, s->t, s->y, s->P, s->Q);
  for (int v = 0; v < pl->nvalve; v++) {
    if (!s->roots[v]) continue;
    int e = pl->valve_edge[v], k = pl->estate[e];
    if (s->open[v]) {
      s->open[v] = 0;
      s->y[k] = 0.0;
      s->valve_events++;
    } else {
      s->open[v] = 1;
      s->y[k] = 0.0;
      s->valve_events++;
      if (v == pl->vav) s->acc.av_opened = 1;
    }
  }
  s->dirty = 1;
  return HS_OK;
}

/* Advance to exactly t_end, handling beats, events, valves and samples. */
static hs_status advance_to(hs_sim *s, double t_end, long beat_limit, hs_err *err) {
  hs_status st;
  if (s->broken)
    return hs_err_set(err, HS_ERR_STATE,
                      "t=%.4f s: the simulation stopped on an earlier error and cannot continue",
                      s->t);
  long beat_goal = s->beats + beat_limit, stalled = 0;
  while (s->t < t_end && (beat_limit <= 0 || s->beats < beat_goal)) {
    /* apply due events */
    while (s->evnext < s->nev && s->ev[s->evnext].t <= s->t + 1e-12) {
      event *e = &s->ev[s->evnext++];
      if ((st = apply_param(s, e->pidx, e->value, err)) != HS_OK) return st;
    }
    double beat_end = s->bt0 + s->brr;
    double stop = t_end < beat_end ? t_end : beat_end;
    if (s->evnext < s->nev && s->ev[s->evnext].t < stop) stop = s->ev[s->evnext].t;
    if (s->dirty) {
      set_valve_modes(s);
      if ((st = s->ot->reinit(s->ode, s->t, s->y, err)) != HS_OK) return st;
      s->dirty = 0;
    }
    double t0 = s->t;
    int what = 0;
    st = s->ot->step(s->ode, stop, &s->t, s->y, &what, s->roots, err);
    if (st) {
      s->broken = 1;
      return st;
    }
    if ((st = check_state(s, err)) != HS_OK) return st;
    /* an integrator creeping towards a singularity makes no progress: stop it */
    stalled = s->t - t0 < 1e-12 * (1.0 + fabs(s->t)) && what != HS_ODE_AT_ROOT ? stalled + 1 : 0;
    if (stalled > 1000) {
      s->broken = 1;
      return hs_err_set(err, HS_ERR_SOLVER,
                        "t=%.6f s: integration stalled (1000 steps without progress)", s->t);
    }
    if ((st = observe_step(s, t0, s->t, err)) != HS_OK) return st;
    if (what == HS_ODE_AT_ROOT) handle_roots(s);
    if (what == HS_ODE_AT_STOP || fabs(s->t - stop) < 1e-12) {
      s->t = stop;
      if (fabs(stop - beat_end) < 1e-12) {
        if ((st = end_of_beat(s, err)) != HS_OK) return st;
      }
    }
  }
  return HS_OK;
}

hs_status hs_sim_run(hs_sim *s, double duration, hs_err *err) {
  if (!(duration >= 0) || !isfinite(duration))
    return hs_err_set(err, HS_ERR_INVALID, "duration must be a finite number >= 0 s (got %g)",
                      duration);
  return advance_to(s, s->t + duration, 0, err);
}

hs_status hs_sim_run_beats(hs_sim *s, long beats, hs_err *err) {
  if (beats < 0) return hs_err_set(err, HS_ERR_INVALID, "beats must be >= 0 (got %ld)", beats);
  if (beats == 0) return HS_OK;
  return advance_to(s, INFINITY, beats, err);
}

hs_status hs_sim_run_to_steady(hs_sim *s, hs_steady_info *info, hs_err *err) {
  const double *sv = s->p + s->pl->solver;
  long max_beats = (long)sv[SOLVER_MAX_BEATS];
  double tol = sv[SOLVER_STEADY_TOL];
  int window = (int)sv[SOLVER_WINDOW];
  long start = s->beats, calm = 0;
  hs_steady_info inf = {0, 0, 0, INFINITY};
  hs_status st;
  while (s->beats - start < max_beats) {
    if ((st = hs_sim_run_beats(s, 1, err)) != HS_OK) return st;
    calm = s->last_change < tol ? calm + 1 : 0;
    if (calm >= 3) {
      inf.reached = 1;
      break;
    }
  }
  inf.beats = s->beats - start;
  inf.time_s = s->t;
  inf.last_change = s->last_change;
  if (info) *info = inf;
  if (!inf.reached)
    return hs_err_set(err, HS_ERR_NOT_STEADY,
                      "t=%.1f s: no periodic steady state after %ld beats (largest end-diastolic "
                      "volume change %.3g mL per beat, tolerance %.3g mL)",
                      s->t, inf.beats, s->last_change, tol);
  return hs_sim_run_beats(s, window, err);
}

/* ------------------------------------------------------------ read-outs -- */

double hs_sim_time(const hs_sim *s) { return s->t; }
long hs_sim_beats(const hs_sim *s) { return s->beats; }

hs_status hs_sim_last_beat(const hs_sim *s, double out[HS_METRIC_COUNT], hs_err *err) {
  if (s->nhist == 0) return hs_err_set(err, HS_ERR_STATE, "no beat has completed yet");
  memcpy(out, s->hist[(s->nhist - 1) % HIST], sizeof(double) * HS_METRIC_COUNT);
  return HS_OK;
}

hs_status hs_sim_summary(const hs_sim *s, int window, double out[HS_METRIC_COUNT], hs_err *err) {
  if (window < 1 || window > HIST)
    return hs_err_set(err, HS_ERR_INVALID, "summary window must be 1..%d beats (got %d)", HIST,
                      window);
  if (s->nhist < window)
    return hs_err_set(err, HS_ERR_STATE, "only %ld beats completed, %d needed for the summary",
                      s->nhist, window);
  for (int k = 0; k < HS_METRIC_COUNT; k++) out[k] = 0;
  for (int j = 0; j < window; j++) {
    const double *m = s->hist[(s->nhist - 1 - j) % HIST];
    for (int k = 0; k < HS_METRIC_COUNT; k++) out[k] += m[k] / window;
  }
  /* extrema over the window rather than averages of per-beat extrema would hide
     alternans; per-beat means are reported, as a monitor averages beats */
  return HS_OK;
}

double hs_sim_volume(const hs_sim *s, size_t i) { return s->y[i]; }

double hs_sim_pressure(const hs_sim *s, size_t i) {
  hs_sim *m = (hs_sim *)s; /* workspaces only */
  evaluate(m, s->t, s->y, m->P, m->Q);
  return m->P[i];
}

double hs_sim_flow(const hs_sim *s, size_t e) {
  hs_sim *m = (hs_sim *)s;
  evaluate(m, s->t, s->y, m->P, m->Q);
  return m->Q[e];
}

double hs_sim_total_volume(const hs_sim *s) {
  double v = 0;
  for (int i = 0; i < s->pl->nn; i++) v += s->y[i];
  return v;
}

hs_status hs_sim_set_sampler(hs_sim *s, double dt, hs_sample_fn fn, void *ud, hs_err *err) {
  if (fn && !(dt > 0 && isfinite(dt)))
    return hs_err_set(err, HS_ERR_INVALID, "sample interval must be > 0 s (got %g)", dt);
  s->sample_fn = fn;
  s->sample_ud = ud;
  s->sample_dt = dt;
  s->next_sample = s->t;
  return HS_OK;
}

void hs_sim_set_beat_callback(hs_sim *s, hs_beat_fn fn, void *ud) {
  s->beat_fn = fn;
  s->beat_ud = ud;
}

void hs_sim_get_stats(const hs_sim *s, hs_sim_stats *out) {
  hs_ode_stats st;
  s->ot->stats(s->ode, &st);
  out->steps = st.steps;
  out->rhs_evals = st.rhs_evals;
  out->jac_evals = st.jac_evals;
  out->restarts = st.restarts;
  out->valve_events = s->valve_events;
  out->beats = s->beats;
  out->simulated_s = s->t;
}
