/*
 * perfusion.c - perfusion imaging from a simulation (hemosim/perfusion.h, issue 17
 * item 4; equations, sources and limits in docs/perfusion.md).
 *
 *   CBF_t  = 100 Q_t / m_t                       mL/100 g/min (Q_t mean bed flow)
 *   CBV_t  = 100 (V_a,t + (1 - o_t) V_ven Qn_t / Qn) / m_t   mL/100 g
 *            V_a,t the mean volume of the territory arteries, V_ven that of the
 *            cerebral venous pool shared by the territories' normal flows (Qn_t the
 *            bed's autoregulation_flow, Qn their sum), o_t the bed's capillary
 *            obstruction (plugged capillaries hold no blood)
 *   MTT_t  = 60 CBV_t / CBF_t                    s (central volume principle)
 *   Tmax_t = tau(territory arteries) - tau(arterial input node)        s
 *            tau = first moment of the tracer transit time through the intracranial
 *            compartments (hs_perfusion_transit), tracer entering the skull at t = 0
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/perfusion.h"
#include "model/plan_impl.h"
#include "physio/brain.h"

hs_perfusion_options hs_perfusion_options_default(void) {
  hs_perfusion_options o;
  o.beats = 3;
  o.dt = 0.002;
  /* no-reflow = relative CBF or CBV reduced by > 15 % (Ng et al. 2022); hyperperfusion
     = an increase >= 25 % (Abumiya et al. 2013, SPECT); docs/perfusion.md */
  o.cbf.hypo_below = o.cbv.hypo_below = HS_PERFUSION_HYPO_BELOW;
  o.cbf.hyper_above = o.cbv.hyper_above = HS_PERFUSION_HYPER_ABOVE;
  o.recanalised = 0;
  return o;
}

const char *hs_perf_group_name(hs_perf_group g) {
  switch (g) {
    case HS_PERF_GROUP_NORMAL: return "normal";
    case HS_PERF_GROUP_BOTH_LOW: return "both_low";
    case HS_PERF_GROUP_CBF_LOW: return "cbf_low";
    case HS_PERF_GROUP_CBV_LOW: return "cbv_low";
    case HS_PERF_GROUP_BOTH_HIGH: return "both_high";
    case HS_PERF_GROUP_ONE_HIGH: return "one_high";
    case HS_PERF_GROUP_NONE: break;
  }
  return "none";
}

/* Order of nodes by decreasing pressure (qsort context through a struct). */
typedef struct by_p {
  int i;
  double p;
} by_p;
static int cmp_by_p(const void *a, const void *b) {
  double pa = ((const by_p *)a)->p, pb = ((const by_p *)b)->p;
  return pa > pb ? -1 : pa < pb ? 1 : 0;
}

hs_status hs_perfusion_transit(int n, const double *vol, const double *p, const int *inside,
                               int ne, const int *from, const int *to, const double *q,
                               double *tau, hs_err *err) {
  by_p *ord = malloc(((size_t)n + 1) * sizeof *ord);
  if (!ord) return hs_err_set(err, HS_ERR_NOMEM, "perfusion transit: %d nodes", n);
  for (int i = 0; i < n; i++) ord[i] = (by_p){i, p[i]}, tau[i] = 0.0;
  qsort(ord, (size_t)n, sizeof *ord, cmp_by_p);
  /* mean flow runs down the mean pressure gradient (linear resistances; the inertial
     term averages out over a periodic beat), so this order visits every upstream node
     first */
  for (int k = 0; k < n; k++) {
    int i = ord[k].i;
    if (!inside[i]) continue;
    double qin = 0.0, acc = 0.0;
    for (int e = 0; e < ne; e++) {
      int src = -1;
      double f = 0.0;
      if (to[e] == i && q[e] > 0) src = from[e], f = q[e];
      if (from[e] == i && q[e] < 0) src = to[e], f = -q[e];
      if (src < 0) continue;
      qin += f;
      acc += f * (inside[src] ? tau[src] : 0.0);
    }
    tau[i] = qin > 1e-12 ? vol[i] / qin + acc / qin : INFINITY;
  }
  free(ord);
  return HS_OK;
}

/* ---- sampling --------------------------------------------------------------------- */

typedef struct acc {
  int nn, ne;
  long n;
  double *v, *p, *q; /* sums */
} acc;

static int sample(const hs_sample *s, void *ud) {
  acc *a = ud;
  for (int i = 0; i < a->nn; i++) a->v[i] += s->volume[i], a->p[i] += s->pressure[i];
  for (int e = 0; e < a->ne; e++) a->q[e] += s->flow[e];
  a->n++;
  return 0;
}

/* The territories: role field of the brain's plan data (physio/brain.h), name, mass
   parameter. */
typedef struct terr_def {
  size_t bed_ofs;
  const char *name, *mass;
} terr_def;
#define BED(f) offsetof(hs_brain_plan, f)
static const terr_def TERR[HS_PERFUSION_MAX_TERRITORIES] = {
    {BED(l_mca_bed), "left_mca", "brain.mca_territory_mass"},
    {BED(r_mca_bed), "right_mca", "brain.mca_territory_mass"},
    {BED(l_other_bed), "left_aca", "brain.aca_territory_mass"},
    {BED(r_other_bed), "right_aca", "brain.aca_territory_mass"},
    {BED(l_pca_bed), "left_pca", "brain.pca_territory_mass"},
    {BED(r_pca_bed), "right_pca", "brain.pca_territory_mass"},
    {BED(pf_bed), "posterior_fossa", "brain.posterior_fossa_mass"},
};

static hs_status check_options(const hs_perfusion_options *o, hs_err *err) {
  if (o->beats < 1 || o->beats > 100)
    return hs_err_set(err, HS_ERR_RANGE, "perfusion: beats %d is out of range [1, 100]",
                      o->beats);
  if (!(o->dt > 0 && o->dt <= 0.05))
    return hs_err_set(err, HS_ERR_RANGE,
                      "perfusion: sampling interval %g s is out of range (0, 0.05]", o->dt);
  hs_status st = hs_perf_cutoffs_check("CBF", &o->cbf, err);
  return st ? st : hs_perf_cutoffs_check("CBV", &o->cbv, err);
}

static hs_perf_group group_of(hs_perf_class f, hs_perf_class v) {
  if (f == HS_PERF_HYPO && v == HS_PERF_HYPO) return HS_PERF_GROUP_BOTH_LOW;
  if (f == HS_PERF_HYPO) return HS_PERF_GROUP_CBF_LOW;
  if (v == HS_PERF_HYPO) return HS_PERF_GROUP_CBV_LOW;
  if (f == HS_PERF_HYPER && v == HS_PERF_HYPER) return HS_PERF_GROUP_BOTH_HIGH;
  if (f == HS_PERF_HYPER || v == HS_PERF_HYPER) return HS_PERF_GROUP_ONE_HIGH;
  return HS_PERF_GROUP_NORMAL;
}

/* Relative values and classes of territory t against the reference's territory of the
   same name. */
static hs_status classify(hs_perfusion_territory *t, const hs_perfusion *ref,
                          const hs_perfusion_options *o, hs_err *err) {
  t->rcbf = t->rcbv = t->rmtt = NAN;
  t->cbf_class = t->cbv_class = HS_PERF_NORMO;
  t->group = HS_PERF_GROUP_NONE;
  t->core = 0;
  const hs_perfusion_territory *r = NULL;
  for (int k = 0; ref && k < ref->n; k++)
    if (!strcmp(ref->t[k].name, t->name)) r = &ref->t[k];
  if (!r || !(r->cbf > 0) || !(r->cbv > 0)) return HS_OK;
  t->rcbf = t->cbf / r->cbf;
  t->rcbv = t->cbv / r->cbv;
  t->rmtt = r->mtt_s > 0 ? t->mtt_s / r->mtt_s : NAN;
  /* a relative value above HS_PERF_REL_MAX is out of the classifier's range: hyper */
  double f = t->rcbf < HS_PERF_REL_MAX ? t->rcbf : HS_PERF_REL_MAX;
  double v = t->rcbv < HS_PERF_REL_MAX ? t->rcbv : HS_PERF_REL_MAX;
  hs_status st = hs_stroke_perfusion_class("CBF", f, &o->cbf, &t->cbf_class, err);
  if (!st) st = hs_stroke_perfusion_class("CBV", v, &o->cbv, &t->cbv_class, err);
  if (st) {
    hs_err_prefix(err, "perfusion, territory %s: ", t->name);
    return st;
  }
  t->group = group_of(t->cbf_class, t->cbv_class);
  t->core = t->rcbf < HS_PERFUSION_CORE_RCBF;
  return HS_OK;
}

hs_status hs_perfusion_measure(hs_sim *sim, const hs_perfusion *ref,
                               const hs_perfusion_options *opt, hs_perfusion *out, hs_err *err) {
  hs_perfusion_options o = opt ? *opt : hs_perfusion_options_default();
  hs_status st = check_options(&o, err);
  if (st) return st;
  const hs_plan *pl = hs_sim_plan(sim);
  memset(out, 0, sizeof *out);
  if (pl->cer_art < 0 || !pl->nic)
    return hs_err_set(err, HS_ERR_INVALID,
                      "perfusion: the model has no intracranial arterial input node (role "
                      "cerebral_arteries)");
  int beds[HS_PERFUSION_MAX_TERRITORIES], nt = 0;
  for (int k = 0; k < HS_PERFUSION_MAX_TERRITORIES; k++) {
    int e = *(const int *)((const char *)hs_brain_plan_of(pl) + TERR[k].bed_ofs);
    if (e >= 0 && pl->node_kind[pl->efrom[e]] == HS_NK_VESSEL) beds[k] = e, nt++;
    else beds[k] = -1;
  }
  if (!nt)
    return hs_err_set(err, HS_ERR_INVALID,
                      "perfusion: the model has no cerebral territory beds (roles left_mca_bed "
                      "... posterior_fossa_bed)");
  acc a = {pl->nn, pl->ne, 0, NULL, NULL, NULL};
  a.v = calloc((size_t)pl->nn + 1, sizeof *a.v);
  a.p = calloc((size_t)pl->nn + 1, sizeof *a.p);
  a.q = calloc((size_t)pl->ne + 1, sizeof *a.q);
  double *tau = calloc((size_t)pl->nn + 1, sizeof *tau);
  int *inside = calloc((size_t)pl->nn + 1, sizeof *inside);
  if (!a.v || !a.p || !a.q || !tau || !inside) {
    st = hs_err_set(err, HS_ERR_NOMEM, "perfusion: sampling buffers");
    goto done;
  }
  if ((st = hs_sim_set_sampler(sim, o.dt, sample, &a, err))) goto done;
  st = hs_sim_run_beats(sim, o.beats, err);
  hs_sim_set_sampler(sim, o.dt, NULL, NULL, NULL);
  if (st) goto done;
  if (a.n < 2) {
    st = hs_err_set(err, HS_ERR_STATE, "perfusion: only %ld samples in %d beats", a.n, o.beats);
    goto done;
  }
  for (int i = 0; i < pl->nn; i++) a.v[i] /= (double)a.n, a.p[i] /= (double)a.n;
  for (int e = 0; e < pl->ne; e++) a.q[e] /= (double)a.n;
  for (int k = 0; k < pl->nic; k++) inside[pl->ic_nodes[k]] = 1;
  if ((st = hs_perfusion_transit(pl->nn, a.v, a.p, inside, pl->ne, pl->efrom, pl->eto, a.q,
                                 tau, err)))
    goto done;
  /* the cerebral venous pool: the nodes the territory beds drain into, once each */
  double vven = 0.0, qntot = 0.0, mass[HS_PERFUSION_MAX_TERRITORIES],
         qn[HS_PERFUSION_MAX_TERRITORIES];
  for (int k = 0; k < HS_PERFUSION_MAX_TERRITORIES; k++) {
    if (beds[k] < 0) continue;
    int dup = 0;
    for (int j = 0; j < k; j++) dup |= beds[j] >= 0 && pl->eto[beds[j]] == pl->eto[beds[k]];
    if (!dup) vven += a.v[pl->eto[beds[k]]];
    char path[256];
    snprintf(path, sizeof path, "%s.autoregulation_flow", hs_plan_edge_name(pl, (size_t)beds[k]));
    if ((st = hs_sim_get(sim, TERR[k].mass, &mass[k], err)) ||
        (st = hs_sim_get(sim, path, &qn[k], err)))
      goto done;
    qntot += qn[k];
  }
  double m[HS_METRIC_COUNT];
  if ((st = hs_sim_summary(sim, o.beats, m, err))) goto done;
  snprintf(out->aif, sizeof out->aif, "%s", hs_plan_node_name(pl, (size_t)pl->cer_art));
  out->venous_ml = vven;
  out->map_mmhg = m[HS_M_MAP];
  out->icp_mmhg = m[HS_M_ICP];
  out->has_reference = ref != NULL;
  out->recanalised = o.recanalised;
  for (int k = 0; k < HS_PERFUSION_MAX_TERRITORIES; k++) {
    if (beds[k] < 0) continue;
    int e = beds[k], art = pl->efrom[e];
    hs_perfusion_territory *t = &out->t[out->n++];
    char path[256];
    double obstr = 0.0;
    snprintf(path, sizeof path, "%s.capillary_obstruction", hs_plan_edge_name(pl, (size_t)e));
    if ((st = hs_sim_get(sim, path, &obstr, err))) goto done;
    t->name = TERR[k].name;
    snprintf(t->bed, sizeof t->bed, "%s", hs_plan_edge_name(pl, (size_t)e));
    snprintf(t->arteries, sizeof t->arteries, "%s", hs_plan_node_name(pl, (size_t)art));
    t->mass_g = 1000.0 * mass[k];
    t->flow_mlmin = 60.0 * a.q[e];
    double hg = t->mass_g / 100.0;
    t->cbf = t->flow_mlmin / hg;
    t->cbv = (a.v[art] + (qntot > 0 ? (1.0 - obstr) * vven * qn[k] / qntot : 0.0)) / hg;
    t->mtt_s = t->cbf > 0 ? 60.0 * t->cbv / t->cbf : INFINITY;
    t->tmax_s = tau[art] - tau[pl->cer_art];
    t->tmax_over_6s = t->tmax_s > HS_PERFUSION_TMAX_S;
    out->tmax_lesion |= t->tmax_over_6s;
    if ((st = classify(t, ref, &o, err))) goto done;
  }
  out->horie_no_reflow = o.recanalised ? out->tmax_lesion : -1;
done:
  free(a.v);
  free(a.p);
  free(a.q);
  free(tau);
  free(inside);
  return st;
}
