/*
 * stroke_course.c - the first 24 hours after thrombectomy under each blood-pressure
 * strategy, as a quasi-steady course (issue #17 item 5; docs/stroke_calculators.md
 * "course").
 *
 * Per strategy, two simulations of the same patient: the reperfused share of the
 * territory (stem patency 1, capillary obstruction o(t)) and the non-reperfused share
 * (stem patency 0: collateral supply only).  At t = 0, step, 2 step, ... each is run to
 * its periodic steady state with brain.bp_target holding the strategy; between points
 * the obstruction is advanced exactly over the step with the clearance rate of the
 * point,
 *     o(t + h) = o(t) exp(-k h),  k = ln 2 / T_half x (CBF_r / CBF_ref)^p,
 * an assumption (docs): stalled leukocytes are cleared by the perfusion that pushes
 * them (Schmid-Schonbein 1987), and stalls persist over hours after reperfusion
 * (Erdener et al. 2021); no human time course is published.  The non-reperfused share
 * does not depend on o, so it is run once per strategy.  Library code: no printing.
 */
#include "hemosim/stroke_course.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/sim.h"

#define HOUR_S 3600.0
#define MIN_S 60.0
#define WINDOW 6 /* beats averaged after each steady state (solver.window_beats default) */

static const hs_course_territory TERRITORIES[] = {
    {"left_mca", "l_mca_stem", "l_mca_bed", "cbf_left_mca_ml100gmin", "cbf_right_mca_ml100gmin", 0},
    {"right_mca", "r_mca_stem", "r_mca_bed", "cbf_right_mca_ml100gmin", "cbf_left_mca_ml100gmin", 0},
    /* the vertebrobasilar territory (docs/brain.md, "Posterior circulation"): the basilar
       artery is the stem, the posterior fossa (brainstem, cerebellum) the bed; midline, so
       the reference is the same territory simulated open and unobstructed */
    {"basilar", "basilar_artery", "posterior_fossa_bed", "cbf_posterior_fossa_ml100gmin", NULL, 1},
};
#define NTERR (sizeof TERRITORIES / sizeof TERRITORIES[0])

size_t hs_course_territory_count(void) { return NTERR; }
const hs_course_territory *hs_course_territory_at(size_t i) {
  return i < NTERR ? &TERRITORIES[i] : NULL;
}
const hs_course_territory *hs_course_territory_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < NTERR; i++)
    if (!strcmp(TERRITORIES[i].name, name)) return &TERRITORIES[i];
  return NULL;
}

/* The bands of brain.bp_target (docs/brain.md; src/physio/bp_control.c holds them). */
typedef struct band {
  const char *name;
  double lo, hi;
  int on_map;
} band;
static const band BANDS[] = {
    {"none", -INFINITY, INFINITY, 0},  {"sbp_below_120", 0, 120, 0}, {"sbp_below_140", 0, 140, 0},
    {"sbp_140_180", 140, 180, 0},      {"map_80_110", 80, 110, 1},
};

hs_course_opts hs_course_opts_default(void) {
  hs_course_opts o;
  memset(&o, 0, sizeof o);
  o.territory = "left_mca";
  o.fraction = NAN;
  o.obstruction0 = NAN;
  o.half_life_s = 12 * HOUR_S;
  o.clearance_exponent = 1.0;
  o.duration_s = 24 * HOUR_S;
  o.step_s = 30 * MIN_S;
  o.hypo_cbf = NAN;
  o.hypo_rel = 0.4;
  o.hyper_rel = 1.5;
  return o;
}

void hs_course_free(hs_course_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->narms; i++) free(r->arm[i].pts);
  free(r);
}

static hs_status check_opts(const hs_course_opts *o, hs_err *err) {
  if (!isnan(o->fraction) && !(o->fraction >= 0 && o->fraction <= 1))
    return hs_err_set(err, HS_ERR_RANGE, "fraction reperfused %g is out of range [0, 1]", o->fraction);
  if (!isnan(o->obstruction0) && !(o->obstruction0 >= 0 && o->obstruction0 <= 0.95))
    return hs_err_set(err, HS_ERR_RANGE, "capillary obstruction %g is out of range [0, 0.95]",
                      o->obstruction0);
  if (!(o->half_life_s > 0 && o->half_life_s <= 30 * 24 * HOUR_S))
    return hs_err_set(err, HS_ERR_RANGE, "obstruction half-life %g s is out of range (0 s, 30 days]",
                      o->half_life_s);
  if (!(o->clearance_exponent >= 0 && o->clearance_exponent <= 4))
    return hs_err_set(err, HS_ERR_RANGE, "clearance exponent %g is out of range [0, 4]",
                      o->clearance_exponent);
  if (!(o->duration_s > 0 && o->duration_s <= 72 * HOUR_S))
    return hs_err_set(err, HS_ERR_RANGE, "duration %g s is out of range (0 s, 72 h]", o->duration_s);
  if (!(o->step_s >= MIN_S && o->step_s <= o->duration_s))
    return hs_err_set(err, HS_ERR_RANGE, "step %g s is out of range [1 min, duration %g s]",
                      o->step_s, o->duration_s);
  if (o->duration_s / o->step_s > 10000)
    return hs_err_set(err, HS_ERR_RANGE, "%g steps are too many (at most 10000)",
                      ceil(o->duration_s / o->step_s));
  if (!isnan(o->hypo_cbf) && !(o->hypo_cbf > 0 && o->hypo_cbf <= 100))
    return hs_err_set(err, HS_ERR_RANGE,
                      "hypoperfusion threshold %g mL/100 g/min is out of range (0, 100]", o->hypo_cbf);
  if (!(o->hypo_rel > 0 && o->hypo_rel < 1))
    return hs_err_set(err, HS_ERR_RANGE, "relative hypoperfusion threshold %g is out of range "
                      "(0, 1)", o->hypo_rel);
  if (!(o->hyper_rel >= 1 && o->hyper_rel <= 3))
    return hs_err_set(err, HS_ERR_RANGE, "hyperperfusion ratio %g is out of range [1, 3]",
                      o->hyper_rel);
  return HS_OK;
}

typedef struct ctx {
  const hs_course_territory *ter;
  int m_cbf, m_ref;
  char stem_patency[96], bed_obstruction[96];
  long steady;
} ctx;

/* Steady state of sim; its metrics into m.  what and t name the point in messages. */
static hs_status steady(ctx *c, hs_sim *sim, const char *what, double t, double *m, hs_err *err) {
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(sim, &info, err);
  c->steady++;
  if (!st) st = hs_sim_summary(sim, WINDOW, m, err);
  if (st) return hs_err_prefix(err, "%s at t = %g h: ", what, t / HOUR_S);
  return HS_OK;
}

/* Duration within [0, h] during which a linear signal from a to b lies below thr. */
static double time_below(double a, double b, double thr, double h) {
  if (a < thr && b < thr) return h;
  if (a >= thr && b >= thr) return 0;
  double x = (thr - a) / (b - a) * h; /* crossing */
  return a < thr ? x : h - x;
}

/* Duration within [0, h] above thr, and the integral of max(v - thr, 0), of a linear signal. */
static void above(double a, double b, double thr, double h, double *dur, double *integral) {
  double ea = a - thr, eb = b - thr;
  if (ea <= 0 && eb <= 0) {
    *dur = 0, *integral = 0;
  } else if (ea >= 0 && eb >= 0) {
    *dur = h, *integral = 0.5 * (ea + eb) * h;
  } else {
    double x = ea / (ea - eb) * h; /* where it crosses */
    double d = ea > 0 ? x : h - x;
    *dur = d, *integral = 0.5 * (ea > 0 ? ea : eb) * d;
  }
}

/* A share's CBF in the unit of the hypoperfusion threshold: mL/100 g/min with --hypo-cbf,
   else its fraction of the contralateral mirror territory's CBF at the same time (the
   default: territories differ at rest, the model's MCA 71 against the ACA's 41
   mL/100 g/min, so one absolute threshold is a different fraction of each). */
static double hypo_x(const hs_course_opts *o, double cbf, double ref) {
  return isnan(o->hypo_cbf) ? cbf / ref : cbf;
}
static double hypo_thr(const hs_course_opts *o) {
  return isnan(o->hypo_cbf) ? o->hypo_rel : o->hypo_cbf;
}

static void endpoints(hs_course_arm *a, double f, const hs_course_opts *o) {
  const hs_course_point *p = a->pts;
  double T = p[a->npoints - 1].t_s - p[0].t_s;
  double sum_cbf = 0, sum_hypo = 0, below = 0, hyper = 0, burden = 0;
  a->min_cbf_territory = p[0].cbf_territory;
  a->peak_rel_reperfused = p[0].rel_reperfused;
  size_t in = 0;
  for (size_t i = 0; i < a->npoints; i++) {
    if (p[i].cbf_territory < a->min_cbf_territory) a->min_cbf_territory = p[i].cbf_territory;
    if (p[i].rel_reperfused > a->peak_rel_reperfused) a->peak_rel_reperfused = p[i].rel_reperfused;
    in += (size_t)p[i].in_band;
    if (i == 0) continue;
    double h = p[i].t_s - p[i - 1].t_s;
    sum_cbf += 0.5 * (p[i].cbf_territory + p[i - 1].cbf_territory) * h;
    /* the hypoperfused fraction of each share, with its crossing time */
    const hs_course_point *q = &p[i - 1], *r = &p[i];
    double thr = hypo_thr(o);
    double br = time_below(hypo_x(o, q->cbf_reperfused, q->cbf_reference),
                           hypo_x(o, r->cbf_reperfused, r->cbf_reference), thr, h);
    double bn = time_below(hypo_x(o, q->cbf_nonreperfused, q->cbf_reference),
                           hypo_x(o, r->cbf_nonreperfused, r->cbf_reference), thr, h);
    sum_hypo += f * br + (1 - f) * bn;
    below += time_below(hypo_x(o, q->cbf_territory, q->cbf_reference),
                        hypo_x(o, r->cbf_territory, r->cbf_reference), thr, h);
    double d, integral;
    above(p[i - 1].rel_reperfused, p[i].rel_reperfused, o->hyper_rel, h, &d, &integral);
    hyper += d;
    above(p[i - 1].rel_reperfused, p[i].rel_reperfused, 1.0, h, &d, &integral);
    burden += f * integral; /* excess over the contralateral mirror */
  }
  a->mean_cbf_territory = T > 0 ? sum_cbf / T : p[0].cbf_territory;
  a->hypo_fraction_h = sum_hypo / HOUR_S;
  a->mean_hypo_fraction = T > 0 ? sum_hypo / T : p[0].hypo_fraction;
  a->time_below_h = below / HOUR_S;
  a->time_hyper_h = hyper / HOUR_S;
  a->hyper_burden_h = burden / HOUR_S;
  a->final_obstruction = p[a->npoints - 1].obstruction;
  a->points_in_band = (double)in / (double)a->npoints;
}

/* Reset sim to the patient, set the strategy, the stem patency and the obstruction. */
static hs_status prepare(ctx *c, hs_sim *sim, const char *strategy, double patency, double obst,
                         hs_err *err) {
  hs_status st = hs_sim_reset(sim, err);
  if (!st) st = hs_sim_set_text(sim, "brain.bp_target", strategy, err);
  if (!st) st = hs_sim_set(sim, c->stem_patency, patency, err);
  if (!st) st = hs_sim_set(sim, c->bed_obstruction, obst, err);
  return st;
}

static hs_status run_arm(ctx *c, hs_sim *open, hs_sim *shut, const hs_course_opts *o, double f,
                         double o0, const band *b, hs_course_arm *a, hs_err *err) {
  hs_status st;
  size_t n = (size_t)floor(o->duration_s / o->step_s + 1e-9) + 1;
  int tail = fabs((double)(n - 1) * o->step_s - o->duration_s) > 1e-6; /* a last, shorter step */
  n += (size_t)tail;
  a->pts = calloc(n, sizeof *a->pts);
  if (!a->pts) return hs_err_set(err, HS_ERR_NOMEM, "out of memory for %zu course points", n);
  snprintf(a->strategy, sizeof a->strategy, "%s", b->name);
  a->band_lo = b->lo, a->band_hi = b->hi, a->on_map = b->on_map;
  double m[HS_METRIC_COUNT];
  char what[64];
  double cbf_shut = NAN, cbf_ref = NAN;
  if (c->m_ref < 0) { /* no mirror territory: the same territory open and unobstructed */
    snprintf(what, sizeof what, "%s, reference (open, unobstructed)", b->name);
    if ((st = prepare(c, shut, b->name, 1.0, 0.0, err))) return st;
    if ((st = steady(c, shut, what, 0, m, err))) return st;
    cbf_ref = m[c->m_cbf];
  }
  if (f < 1) { /* the non-reperfused share: collateral supply, independent of o */
    snprintf(what, sizeof what, "%s, non-reperfused share", b->name);
    if ((st = prepare(c, shut, b->name, 0.0, 0.0, err))) return st;
    if ((st = steady(c, shut, what, 0, m, err))) return st;
    cbf_shut = m[c->m_cbf];
  }
  snprintf(what, sizeof what, "%s, reperfused share", b->name);
  if ((st = prepare(c, open, b->name, 1.0, o0, err))) return st;
  double obst = o0, t = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && (st = hs_sim_set(open, c->bed_obstruction, obst, err))) return st;
    if ((st = steady(c, open, what, t, m, err))) return st;
    hs_course_point *p = &a->pts[i];
    p->t_s = t;
    p->sbp = m[HS_M_SBP], p->map = m[HS_M_MAP], p->controller = m[HS_M_BPC];
    p->obstruction = obst;
    p->cbf_reperfused = m[c->m_cbf];
    p->cbf_reference = c->m_ref >= 0 ? m[c->m_ref] : cbf_ref;
    p->cbf_nonreperfused = f < 1 ? cbf_shut : NAN;
    p->cbf_territory = f * p->cbf_reperfused + (f < 1 ? (1 - f) * cbf_shut : 0);
    p->rel_reperfused = p->cbf_reference > 0 ? p->cbf_reperfused / p->cbf_reference : NAN;
    p->hypo_fraction =
        f * (hypo_x(o, p->cbf_reperfused, p->cbf_reference) < hypo_thr(o)) +
        (f < 1 ? (1 - f) * (hypo_x(o, cbf_shut, p->cbf_reference) < hypo_thr(o)) : 0);
    double v = b->on_map ? p->map : p->sbp;
    p->in_band = v >= b->lo - 1e-9 && v <= b->hi + 1e-9;
    a->npoints = i + 1;
    if (i + 1 == n) break;
    double h = fmin(o->step_s, o->duration_s - t);
    double q = p->rel_reperfused > 0 ? p->rel_reperfused : 0;
    double k = log(2.0) / o->half_life_s * pow(q, o->clearance_exponent);
    obst *= exp(-k * h);
    t += h;
  }
  if (f >= 1) /* no non-reperfused share: its CBF does not exist */
    for (size_t i = 0; i < a->npoints; i++) a->pts[i].cbf_nonreperfused = NAN;
  endpoints(a, f, o);
  return HS_OK;
}

hs_status hs_stroke_course(const hs_model *m, const hs_course_opts *opts, hs_course_result **out,
                           hs_err *err) {
  if (out) *out = NULL;
  if (!m) return hs_err_set(err, HS_ERR_INVALID, "missing patient model");
  hs_course_opts o = opts ? *opts : hs_course_opts_default();
  if (!o.territory) o.territory = "left_mca";
  hs_status st = check_opts(&o, err);
  if (st) return st;
  ctx c;
  memset(&c, 0, sizeof c);
  c.ter = hs_course_territory_find(o.territory);
  if (!c.ter) {
    char known[256] = "";
    for (size_t i = 0; i < NTERR; i++) {
      strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
      strncat(known, TERRITORIES[i].name, sizeof known - strlen(known) - 1);
    }
    return hs_err_set(err, HS_ERR_UNKNOWN, "unknown territory '%s' (known: %s)", o.territory, known);
  }
  c.m_cbf = hs_metric_find(c.ter->cbf_metric);
  c.m_ref = c.ter->ref_metric ? hs_metric_find(c.ter->ref_metric) : -1;
  if (c.m_cbf < 0 || (c.ter->ref_metric && c.m_ref < 0))
    return hs_err_set(err, HS_ERR_INVALID, "territory %s: metric %s or %s is unknown", c.ter->name,
                      c.ter->cbf_metric, c.ter->ref_metric);
  snprintf(c.stem_patency, sizeof c.stem_patency, "%s.patency", c.ter->stem);
  snprintf(c.bed_obstruction, sizeof c.bed_obstruction, "%s.capillary_obstruction", c.ter->bed);
  double f = o.fraction, o0 = o.obstruction0;
  if (isnan(f) && (st = hs_model_get(m, c.stem_patency, &f, err)))
    return hs_err_prefix(err, "territory %s: ", c.ter->name);
  if (isnan(o0) && (st = hs_model_get(m, c.bed_obstruction, &o0, err)))
    return hs_err_prefix(err, "territory %s: ", c.ter->name);
  /* strategies */
  const band *arms[HS_COURSE_MAX_ARMS];
  size_t narms = 0;
  for (size_t i = 0; i < HS_COURSE_MAX_ARMS && o.strategies[i]; i++) {
    const band *b = NULL;
    for (size_t k = 0; k < sizeof BANDS / sizeof BANDS[0]; k++)
      if (!strcmp(BANDS[k].name, o.strategies[i])) b = &BANDS[k];
    if (!b)
      return hs_err_set(err, HS_ERR_UNKNOWN,
                        "unknown blood-pressure strategy '%s' (known: sbp_below_120, "
                        "sbp_below_140, sbp_140_180, map_80_110, none)",
                        o.strategies[i]);
    for (size_t k = 0; k < narms; k++)
      if (arms[k] == b) return hs_err_set(err, HS_ERR_INVALID, "strategy '%s' given twice", b->name);
    arms[narms++] = b;
  }
  if (narms == 0) {
    arms[narms++] = &BANDS[1], arms[narms++] = &BANDS[2], arms[narms++] = &BANDS[3];
    if (c.ter->posterior) arms[narms++] = &BANDS[4];
  }
  hs_course_result *r = calloc(1, sizeof *r);
  hs_plan *plan = hs_plan_compile(m, err);
  hs_sim *open = plan ? hs_sim_new(plan, err) : NULL;
  int need_shut = f < 1 || !c.ter->ref_metric; /* also runs the reference */
  hs_sim *shut = open && need_shut ? hs_sim_new(plan, err) : NULL;
  if (!r) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory for the course");
  else if (!plan || !open || (need_shut && !shut)) st = err ? err->code : HS_ERR_INVALID;
  if (!st && hs_plan_edge_find(plan, c.ter->stem) < 0)
    st = hs_err_set(err, HS_ERR_INVALID, "territory %s: the patient has no edge '%s'", c.ter->name,
                    c.ter->stem);
  if (!st && hs_plan_edge_find(plan, c.ter->bed) < 0)
    st = hs_err_set(err, HS_ERR_INVALID, "territory %s: the patient has no edge '%s'", c.ter->name,
                    c.ter->bed);
  if (!st) {
    r->opts = o;
    r->territory = c.ter;
    r->fraction = f;
    r->obstruction0 = o0;
    for (size_t i = 0; i < narms && !st; i++) {
      st = run_arm(&c, open, shut, &o, f, o0, arms[i], &r->arm[i], err);
      r->narms = i + 1;
    }
    r->steady_states = c.steady;
  }
  hs_sim_free(shut);
  hs_sim_free(open);
  hs_plan_free(plan);
  if (st) {
    hs_course_free(r);
    return st;
  }
  r->opts.territory = c.ter->name; /* the caller's strings are not kept */
  for (size_t i = 0; i < HS_COURSE_MAX_ARMS; i++) r->opts.strategies[i] = NULL;
  if (out) *out = r;
  else hs_course_free(r);
  return HS_OK;
}
