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
 *
 * This file keeps the set-up, the evaluation, the stepping loop and the physiological
 * modules' beat hooks; the rest of one simulation lives beside it, all sharing the
 * private struct of model/sim_internal.h: physio/transport.c (O2/CO2 transport and gas
 * exchange), model/steady.c (periodic steady-state search and the compartment balance),
 * model/beat_metrics.c (per-beat metrics and clinical indices) and model/sim_state.c
 * (read-outs and the warm-state API).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ode.h"
#include "hemosim/drugs.h"
#include "elements/elements.h"
#include "model/model_impl.h"
#include "model/plan_impl.h"
#include "model/sim_internal.h"
#include "physio/module.h"

#define SUBSAMPLES 4

/* ------------------------------------------------------------- evaluation -- */

/* The compartment pressure (physio/module.h hs_physio_circuit: the brain's ICP) at state
   y, with the conductance and then the compliance factors of the regulated edges into g. */
static inline double compartment(const hs_sim *s, const double *y, double *g) {
  const hs_plan *pl = s->pl;
  if (!pl->nic && !pl->nar) return 0.0;
  return s->cx->evaluate(pl, s->p, y, s->pc_ref, g, g + pl->nar);
}

/* Ventricular and atrial activation at t; evl (if not NULL): the LV's, which differs from
   the ventricular one only with heart.lv_relaxation_load_gain (its own time to peak). */
static void activations(const hs_sim *s, double t, double *ev, double *ea, double *evl) {
  const double *h = s->p + s->pl->heart;
  double pr = h[HEART_PR];
  double v1 = hs_activation(t - s->bt0, s->vtp, s->vtr);
  double v0 = hs_activation(t - s->pbt0, s->pvtp, s->pvtr);
  double a1 = hs_activation(t - (s->bt0 + s->brr - pr), h[HEART_ATP], h[HEART_ATR]);
  double a0 = hs_activation(t - (s->bt0 - pr), h[HEART_ATP], h[HEART_ATR]);
  *ev = v1 > v0 ? v1 : v0;
  *ea = a1 > a0 ? a1 : a0;
  if (evl) {
    *evl = *ev;
    if (s->vtp_lv != s->vtp || s->pvtp_lv != s->pvtp) {
      double l1 = hs_activation(hs_load_relaxation_warp(t - s->bt0, s->lv_to, s->vtp, s->vtp_lv),
                                s->vtp, s->vtr);
      double l0 = hs_activation(
          hs_load_relaxation_warp(t - s->pbt0, s->plv_to, s->pvtp, s->pvtp_lv), s->pvtp, s->pvtr);
      *evl = l1 > l0 ? l1 : l0;
    }
  }
  if (h[HEART_RHYTHM] != 0) { /* fibrillation: no coordinated contraction */
    *ev = *ea = 0.0;
    if (evl) *evl = 0.0;
  }
}

/* Node pressures, edge flows and device flows/outputs/state derivatives at (t, y). */
void hs_sim_refresh_derived(hs_sim *s);

/* ---- evaluate(): the circuit's pressures and flows at (t, y), in its phases ---- */

/* The factor on a ventricle's end-systolic elastance: the modules' tone (baroreflex) and the
   drugs' contractility, the RV with the inotropes' RV share (lv: 1 for the LV, 0 the RV). */
static inline double ventricle_ees_factor(int lv, const hs_physio_tone *fx,
                                          const hs_physio_effect *dx) {
  return lv ? fx->ees_lv * dx->contractility
            : fx->ees_rv * dx->contractility * dx->contractility_rv;
}

/* One chamber's own pressure (time-varying elastance at activation e, with the modules' and
   drugs' contractility for the ventricles and their LV distensibility), before interaction,
   pericardium and thorax. */
static inline double chamber_own_pressure(const hs_sim *s, int i, double v, double e,
                                          const hs_physio_tone *fx,
                                          const hs_physio_effect *dx) {
  const hs_plan *pl = s->pl;
  const double *cp = bparams(s, pl->node_block[i]);
  if ((s->ntmod || dx->contractility != 1.0 || dx->contractility_rv != 1.0 ||
       dx->lv_diastolic != 1.0) &&
      (i == pl->lv || i == pl->rv)) {
    double scaled[CHAMBER_NPARAM];
    memcpy(scaled, cp, sizeof scaled);
    scaled[CHAMBER_EES] *= ventricle_ees_factor(i == pl->lv, fx, dx);
    if (i == pl->lv) scaled[CHAMBER_EDA] *= dx->lv_diastolic;
    return hs_ventricle_pressure(v, e, scaled);
  }
  return pl->node_kind[i] == HS_NK_VENTRICLE ? hs_ventricle_pressure(v, e, cp)
                                             : hs_chamber_pressure(v, e, cp);
}

/* Ventricular interaction and the pericardium: the ventricles' own pressures *plv, *prv at
   volumes vlv, vrv become their transmural pressures. */
static inline void ventricular_coupling(const double *h, double vlv, double vrv,
                                        double *plv, double *prv) {
  double l = *plv, r = *prv;
  *plv = l + h[HEART_INT_RL] * r;
  *prv = r + h[HEART_INT_LR] * l;
  if (h[HEART_PERI] != 0.0) {
    double pp =
        h[HEART_PERI_P0] * (exp(h[HEART_PERI_LAMBDA] * (vlv + vrv - h[HEART_PERI_V0])) - 1.0);
    *plv += pp;
    *prv += pp;
  }
}

/* Chamber pressures (time-varying elastance with the modules' and drugs' contractility,
   the ejection effect, ventricular interaction, pericardium), transmural into PT. */
static void chamber_pressures(hs_sim *s, double t, const double *y, const hs_physio_tone *fx,
                              const hs_physio_effect *dx, double *P) {
  const hs_plan *pl = s->pl;
  const double *h = s->p + pl->heart;
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  double ev, ea, evl;
  activations(s, t, &ev, &ea, &evl);
  /* chambers first: vessels may depend on LV pressure (intramyocardial) */
  for (int k = 0; k < s->nch; k++) {
    int i = s->chambers[k];
    double e = i == pl->lv ? evl : pl->node_kind[i] == HS_NK_VENTRICLE ? ev : ea;
    P[i] = chamber_own_pressure(s, i, y[i], e, fx, dx);
  }
  if (h[HEART_LV_QMAX] > 0.0 && pl->av >= 0 && pl->estate[pl->av] >= 0) /* ejection effect */
    P[pl->lv] = hs_ejection_effect(P[pl->lv], y[pl->estate[pl->av]], h[HEART_LV_QMAX]);
  ventricular_coupling(h, y[pl->lv], y[pl->rv], &P[pl->lv], &P[pl->rv]);
  for (int k = 0; k < s->nch; k++) {
    int i = s->chambers[k];
    s->PT[i] = P[i];
    P[i] += thor;
  }
}

/* The volume devices (balloons) occupy in the vessels of their ports, into vext. */
static void device_displacement(hs_sim *s, double t, const double *y) {
  const hs_plan *pl = s->pl;
  for (int i = 0; i < pl->nn; i++) s->vext[i] = 0.0;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    if (!dt->displace) continue;
    double *vx = s->dport + 4 * pl->nports_total + pl->dev_port_ofs[d];
    for (int k = 0; k < dt->nports; k++) vx[k] = 0.0;
    hs_device_io io = {0};
    io.t = t;
    io.p = bparams(s, pl->dev_block[d]);
    io.x = y + pl->dev_state_ofs[d];
    io.beat_start = s->bt0, io.rr = s->brr, io.t_peak = s->vtp, io.beat_index = s->beats;
    io.cache = s->dcache + s->dcache_ofs[d];
    io.port_vext = vx;
    dt->displace(&io);
    for (int k = 0; k < dt->nports; k++)
      s->vext[pl->dev_port_node[pl->dev_port_ofs[d] + k]] += vx[k];
  }
}

/* Vessel pressures: linear compliance around the unstressed volume (the modules' venous
   shifts, the regulated compliance and wall of compartment vessels), plus external,
   thoracic, intramyocardial and compartment pressure. */
static void vessel_pressures(hs_sim *s, const double *y, const hs_physio_tone *fx,
                             const double *arcc, double pc, double *P) {
  const hs_plan *pl = s->pl;
  double vu_extra_total = s->ntmod ? s->vu_extra_total : 0.0;
  for (int k = 0; k < s->nvrow; k++) {
    const vessel_row *r = &s->vrow[k];
    int i = r->i;
    if (r->plain) { /* the general case below without its terms (the same arithmetic) */
      s->PT[i] = ((pl->ndisp ? y[i] + s->vext[i] : y[i]) - r->v0) * r->e;
      P[i] = s->PT[i] + r->pext + r->tt;
      continue;
    }
    double v0 = r->v0;
    if (r->reflex == HS_REFLEX_SPLANCHNIC) v0 += fx->dvu_splanchnic;
    if (r->reflex == HS_REFLEX_EXTRA && vu_extra_total > 0)
      v0 += fx->dvu_extra * r->v0 / vu_extra_total;
    double c = r->c;
    if (r->ar >= 0) c *= arcc[r->ar];
    s->PT[i] = hs_vessel_pressure(y[i] + (pl->ndisp ? s->vext[i] : 0.0), c, v0);
    if (r->ar >= 0 && s->cx_wall) s->PT[i] = s->cx->wall(pl, s->p, s->PT[i]);
    double p = s->PT[i] + r->pext + r->tt;
    if (r->kmyo != 0.0) p += r->kmyo * P[pl->lv];
    if (r->kic != 0.0) p += r->kic * pc;
    P[i] = p;
  }
}

/* Whether the vasoactive drugs' and the BP controller's resistance factor acts on edge e:
   the systemic beds, except regulated ones (their own tone) and the beds the coronary
   arteries feed.  Coronary tone is metabolic: under norepinephrine coronary flow rises
   with perfusion pressure at unchanged resistance ("Effects of norepinephrine on the
   coronary circulation in man", Circulation 1964; docs/drugs.md). */
static int drug_bed(const hs_sim *s, int e) {
  const hs_plan *pl = s->pl;
  return pl->edge_bed[e] && !s->edge_cx[e] && !pl->edge_cor[e];
}

/* Which of the drugs' factors acts on edge e: 1 the vasomotor beds' resistance (drug_bed),
   2 the pulmonary arterioles' (the pulmonary_arterioles role's edge), 0 none; the index of
   the factor tables of resistor_and_state_flows (resistor_row.drug). */
static int edge_drug(const hs_sim *s, int e) {
  return drug_bed(s, e) ? 1 : e == s->pl->pulm_art ? 2 : 0;
}

/* Whether edge e is a coronary bed, a resistor leaving the coronary_arteries role's node:
   the coronary tone (hs_physio_effect coronary, the coronary module) scales it. */
static int coronary_bed(const hs_sim *s, int e) { return s->pl->edge_cor[e] && !s->edge_cx[e]; }

/* Flows of the plain resistors (with the reflex classes' and drugs' factors), of the
   inertances and valves (states; a closed valve's regurgitant orifice). */
static void resistor_and_state_flows(hs_sim *s, const double *y, const hs_physio_tone *fx,
                                     const hs_physio_effect *dx, const double *P, double *Q) {
  /* no reflex classes, no drug scaling */
  if (!s->ntmod && dx->resistance == 1.0 && dx->pulmonary == 1.0) {
#pragma GCC unroll 4
    for (int k = 0; k < s->nrrow; k++) {
      const resistor_row *rr = &s->rrow[k];
      Q[rr->e] = (P[rr->a] - P[rr->b]) * rr->g;
    }
  } else { /* the factors by table: a factor of exactly 1 where none acts (same products) */
    const double reflex_f[3] = {1.0, fx->r_splanchnic, fx->r_extra},
                 drug_f[3] = {1.0, dx->resistance, dx->pulmonary};
#pragma GCC unroll 4
    for (int k = 0; k < s->nrrow; k++) {
      const resistor_row *rr = &s->rrow[k];
      double r = rr->r * reflex_f[rr->reflex] * drug_f[rr->drug];
      Q[rr->e] = (P[rr->a] - P[rr->b]) / r;
    }
  }
  for (int j = 0; j < s->nfrow; j++) { /* inertances and valves: the flow is a state */
    const flow_row *f = &s->frow[j];
    if (f->vi < 0) {
      Q[f->e] = y[f->k];
      continue;
    }
    Q[f->e] = s->open[f->vi] ? y[f->k] : 0.0;
    double dp = P[f->a] - P[f->b];
    if (dp < 0.0) {
      double a = f->areg;
      if (f->farea > 0.0) /* functional: grows with the chamber the valve opens into */
        a += hs_functional_area(f->farea, f->fvc, f->fspan, y[f->b]);
      if (a > 0.0) Q[f->e] += hs_orifice_flow(a, dp);
    }
  }
}

/* Flows of the resistors with a waterfall (regulated compartment edges, the intramyocardial
   waterfall of the coronary bed) or a collapse (Starling resistor veins), then the
   regulated edges' conductance factors. */
static void waterfall_flows(hs_sim *s, const double *y, const hs_physio_tone *fx,
                            const hs_physio_effect *dx, const double *arc, double pc,
                            const double *P, double *Q) {
  const hs_plan *pl = s->pl;
  double pclose = pl->nic ? s->cx->closing(pl, s->p, pc) : 0.0;
  if (s->nwrow) { /* regulated edges without collapse: the general loop below without the
                     terms that cannot act on them (the same arithmetic: identical numbers;
                     regulated beds hold their own tone, so no drug factor) */
    const double reflex_f[3] = {1.0, fx->r_splanchnic, fx->r_extra};
    for (int k = 0; k < s->nwrow; k++) {
      const resistor_row *w = &s->wrow[k];
      double dp = P[w->a] - hs_waterfall_pd(P[w->b], pclose);
      if (dp < 0) dp = 0.0;
      double r = w->r;
      if (w->reflex != HS_REFLEX_NONE) r *= reflex_f[w->reflex];
      Q[w->e] = dp / r;
    }
  }
  for (int k = 0; k < s->nother; k++) {
    int e = s->other_e[k];
    const double *ep = bparams(s, pl->edge_block[e]);
    double dp = P[pl->efrom[e]] - P[pl->eto[e]];
    double r = s->r_fixed[e];
    int regulated = pl->nic && s->edge_cx[e];
    if (regulated || ep[RESISTOR_IMP] != 0.0) {
      /* a waterfall: a regulated edge closes at the compartment's pressure, the coronary
         bed's squeezed vessels at a share of the LV pressure (intramyocardial, docs/model.md
         2.20; the two exclude each other, hs_plan_compile) */
      double pc_e = regulated ? pclose : ep[RESISTOR_IMP] * P[pl->lv];
      dp = P[pl->efrom[e]] - hs_waterfall_pd(P[pl->eto[e]], pc_e);
      if (dp < 0) dp = 0.0;
    }
    if (ep[RESISTOR_COLLAPSE] != 0) {
      /* the collapse factor comes before the patency division (same arithmetic as
         ever, so the cached r_fixed of the other edges gives identical numbers) */
      r = s->r_base[e];
      if (pl->node_kind[pl->efrom[e]] == HS_NK_VESSEL) {
        const double *fv = bparams(s, pl->node_block[pl->efrom[e]]);
        double v0 = fv[VESSEL_V0];
        if (pl->nic && fv[VESSEL_INTRACRANIAL] != 0)
          dp = s->cx->outflow_dp(P, pl->efrom[e], pl->eto[e], pc); /* its outflow */
        double v = y[pl->efrom[e]] > 1e-3 ? y[pl->efrom[e]] : 1e-3;
        if (v < v0) { /* collapsing vein: a Starling resistor */
          double ratio = v0 / v;
          r *= ratio * ratio * ratio * ratio;
        }
      }
      if (ep[RESISTOR_PATENCY] < 1.0)
        r /= ep[RESISTOR_PATENCY] > 1e-6 ? ep[RESISTOR_PATENCY] : 1e-6;
    }
    if (s->ntmod && ep[RESISTOR_REFLEX] != HS_REFLEX_NONE)
      r *= ep[RESISTOR_REFLEX] == HS_REFLEX_SPLANCHNIC ? fx->r_splanchnic : fx->r_extra;
    /* vasoactive drugs and the BP controller act on vasomotor beds; regulated beds
       hold their own tone, and so does the coronary bed (drug_bed); the drugs' pulmonary
       factor acts on the pulmonary arterioles */
    int dk = edge_drug(s, e);
    if (dk) r *= dk == 1 ? dx->resistance : dx->pulmonary;
    if (coronary_bed(s, e)) r *= dx->coronary;
    Q[e] = dp / r;
  }
  /* regulated edges: their conductance factor (the brain: cerebral autoregulation) */
  for (int k = 0; k < pl->nar; k++) Q[pl->ar_edges[k]] *= arc[k];
}

/* Every device at its ports' pressures and volumes: its flows, state derivatives and
   outputs (a failing device is recorded: the step is abandoned, rhs_full). */
static void device_flows(hs_sim *s, double t, const double *y, const double *P) {
  const hs_plan *pl = s->pl;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
    int npt = pl->nports_total, po = pl->dev_port_ofs[d];
    double *pp = s->dport + po, *ptm = pp + npt, *pv = ptm + npt, *pv0 = pv + npt;
    for (int k = 0; k < dt->nports; k++) {
      int n = ports[k];
      pp[k] = P[n];
      ptm[k] = s->PT[n];
      pv[k] = y[n];
      pv0[k] = pl->node_kind[n] == HS_NK_VESSEL ? bparams(s, pl->node_block[n])[VESSEL_V0]
                                                : bparams(s, pl->node_block[n])[CHAMBER_V0];
    }
    hs_device_io io = {0};
    io.o2_gas_flow = -1.0; /* no limit unless the device states one */
    io.t = t;
    io.p = bparams(s, pl->dev_block[d]);
    io.x = y + pl->dev_state_ofs[d];
    io.port_p = pp, io.port_ptm = ptm, io.port_v = pv, io.port_v0 = pv0;
    io.q = s->Qd + pl->dev_flow_ofs[d];
    io.dx = s->Ddx + (pl->dev_state_ofs[d] - pl->dev_state_ofs[0]);
    io.out = s->Dout + pl->dev_out_ofs[d];
    io.beat_start = s->bt0, io.rr = s->brr, io.t_peak = s->vtp, io.beat_index = s->beats;
    io.cache = s->dcache + s->dcache_ofs[d];
    if (dt->eval(&io, &s->dev_err) != HS_OK && !s->dev_failed) {
      s->dev_failed = 1; /* keep the first failure; the step is abandoned (rhs_full) */
      hs_err_prefix(&s->dev_err, "t=%.4f s: device '%s': ", t, pl->bname[pl->dev_block[d]]);
    }
    s->po2out[d] = io.o2_outlet_po2;
    s->sweep[d] = io.gas_flow;
    s->sweep[pl->nd + d] = io.o2_gas_flow;
  }
}

static void evaluate(hs_sim *s, double t, const double *y, double *P, double *Q) {
  const hs_plan *pl = s->pl;
  /* the states evaluate() reads all lie before the O2 and tracer contents */
  size_t nbytes = (size_t)pl->yo2 * sizeof(double);
  if (s->memo_ok && t == s->memo_t && memcmp(y, s->memo_y, nbytes) == 0) return;
  s->memo_ok = 1, s->memo_t = t;
  memcpy(s->memo_y, y, nbytes);
  hs_physio_tone fx = {1, 1, 1, 1, 0, 0, 0};
  hs_physio_effect dx = s->pfx; /* drugs, BP controller */
  /* the compartment pressure, the conductance factors of the regulated edges, then the
     compliance factors of the vessels they feed (one per edge, not per vessel) */
  double *arc = s->cx_g, *arcc = s->cx_g + pl->nar;
  double pc = compartment(s, y, arc);
  s->pc = pc;
  if (s->ntmod) tone_at(s, y, &fx);
  chamber_pressures(s, t, y, &fx, &dx, P);
  if (pl->ndisp) device_displacement(s, t, y);
  vessel_pressures(s, y, &fx, arcc, pc, P);
  resistor_and_state_flows(s, y, &fx, &dx, P, Q);
  waterfall_flows(s, y, &fx, &dx, arc, pc, P, Q);
  device_flows(s, t, y, P);
}

static int rhs_full(hs_sim *s, double t, const double *y, double *dy, double *dq) {
  const hs_plan *pl = s->pl;
  double *P = s->P, *Q = s->Q;
  evaluate(s, t, y, P, Q);
  /* each node's net inflow, gathered over its edges in edge order: the same additions
     in the same order as a scatter over the edges (dy[from] -= Q, dy[to] += Q), so the
     same numbers, without a chain of stores and reloads through dy (the scatter was
     ~6 % of the run) */
  {
    const int *restrict ofs = s->adj_ofs, *restrict ae = s->adj_e;
    const double *restrict sg = s->adj_sgn;
    for (int i = 0; i < pl->nn; i++) {
      double acc = 0.0;
      for (int k = ofs[i]; k < ofs[i + 1]; k++) acc += sg[k] * Q[ae[k]];
      dy[i] = acc;
    }
  }
  for (int j = 0; j < s->nfrow; j++) {
    const flow_row *f = &s->frow[j];
    int k = f->k;
    if (f->vi >= 0 && !s->open[f->vi]) {
      dy[k] = 0.0;
      continue;
    }
    dy[k] = (P[f->a] - P[f->b] - f->r * y[k]) * f->il;
  }
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
    for (int k = 0; k < dt->nflows; k++) {
      double q = s->Qd[pl->dev_flow_ofs[d] + k];
      dy[ports[dt->flows[k].from_port]] -= q;
      dy[ports[dt->flows[k].to_port]] += q;
    }
  }
  if (pl->nd) {
    int n0 = pl->dev_state_ofs[0], nds = pl->yo2 - n0;
    memcpy(dy + n0, s->Ddx, (size_t)nds * sizeof(double));
  }
  if (pl->nar || pl->nic) /* the compartment's states */
    s->cx->rhs(pl, s->p, s->cx_cache, y, P, Q, s->pc, dy);
  if (s->ntmod) { /* the modules' states, with the circulation's derivatives known */
    hs_physio_sense in = {pl, s->p, t, P, dy};
    for (int j = 0; j < s->ntmod; j++) {
      int k = s->tmod[j];
      const hs_physio_module *md = hs_physio_module_at((size_t)k);
      md->rhs(s->mstate + s->mofs[k], &in, y + pl->mod_y[k], dy + pl->mod_y[k]);
    }
  }
  if (dq) {
    memcpy(dq + pl->q_p, P, (size_t)pl->nn * sizeof(double));
    memcpy(dq + pl->q_q, Q, (size_t)pl->ne * sizeof(double));
    double *restrict aq = dq + pl->q_aq; /* |Q| (a loop the compiler vectorizes) */
    const double *restrict qe = Q;
    for (int e = 0; e < pl->ne; e++) aq[e] = fabs(qe[e]);
    dq[pl->q_sw] = P[pl->lv] * dy[pl->lv];
    dq[pl->q_sw + 1] = P[pl->rv] * dy[pl->rv];
    int av_closed = !s->open[pl->vav];
    dq[pl->q_dia] = av_closed ? P[pl->root] : 0.0;
    dq[pl->q_dia + 1] = av_closed ? 1.0 : 0.0;
    dq[pl->q_dia + 2] = av_closed ? 0.0 : P[pl->lv];
    if (pl->nfd) memcpy(dq + pl->q_fd, s->Qd, (size_t)pl->nfd * sizeof(double));
    if (pl->nout) memcpy(dq + pl->q_out, s->Dout, (size_t)pl->nout * sizeof(double));
    if (pl->q_ext >= 0) dq[pl->q_ext] = s->pc;
  }
  if (s->dev_failed) return -1; /* fatal: reported by advance_to */
  /* a NaN or infinity in dy is caught by the integrator (hemosim/ode.h), which retries a
     smaller step */
  return 0;
}

static int rhs(double t, const double *y, double *dy, void *ud) {
  return rhs_full(ud, t, y, dy, NULL);
}

static int quad(double t, const double *y, double *dq, void *ud) {
  hs_sim *s = ud;
  return rhs_full(s, t, y, s->work_dy, dq);
}

static int rhsq(double t, const double *y, double *dy, double *dq, void *ud) {
  return rhs_full(ud, t, y, dy, dq);
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

/* The open valves' root functions read only their own flow (event location needs no
   evaluation for them: core/ode.h, hs_dopri5_set_root_one); the same g as roots(). */
static int root_need(int v, void *ud) {
  const hs_sim *s = ud;
  return s->open[v] ? s->pl->estate[s->pl->valve_edge[v]] : -1;
}
static double root_one(double t, const double *y, int v, void *ud) {
  const hs_sim *s = ud;
  (void)t;
  return y[s->pl->estate[s->pl->valve_edge[v]]] + HS_VALVE_EPS;
}

/* ---------------------------------------------------------------- set-up -- */

static double blood_volume(const hs_sim *s) {
  const hs_plan *pl = s->pl;
  double bv = s->p[pl->circ + CIRC_BLOOD_VOLUME];
  if (bv > 0) return bv;
  if (s->p[pl->body + BODY_SCALE_VOLUME] < 0.5) return 0; /* explicit volume required */
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
  memo_reset(s); /* pc_ref changes */
  double bv = blood_volume(s);
  if (!(bv > 0))
    return hs_err_set(err, HS_ERR_MODEL,
                      "body.scale_volume is false, so the blood volume does not follow "
                      "body.weight: give circulation.blood_volume (e.g. \"4900 mL\")");
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
  for (int d = 0; d < pl->nd; d++)
    pl->dev_type[d]->init(bparams(s, pl->dev_block[d]), s->y + pl->dev_state_ofs[d]);
  for (int j = 0; j < s->ntmod; j++) {
    int k = s->tmod[j];
    hs_physio_module_at((size_t)k)->rest(s->mstate + s->mofs[k], pl, s->p, s->y + pl->mod_y[k]);
  }
  if (s->cx) s->cx->initial(pl, s->p, s->y, &s->pc_ref); /* the compartment's states */
  pl->tx->start(s); /* O2, tracer and CO2 contents, gas PCO2s */
  return HS_OK;
}

static void start_beat(hs_sim *s) {
  const double *h = s->p + s->pl->heart;
  s->pbt0 = s->bt0;
  s->pbrr = s->brr;
  s->pvtp = s->vtp;
  s->pvtr = s->vtr;
  s->pvtp_lv = s->vtp_lv, s->plv_to = s->lv_to;
  s->bt0 = s->t;
  s->brr = 60.0 / (h[HEART_HR] * s->pfx.heart_rate);
  if (s->ntmod) {
    hs_physio_tone fx = {1, 1, 1, 1, 0, 0, 0};
    tone_at(s, s->y, &fx);
    s->brr += fx.dperiod;
    if (s->brr < 0.24) s->brr = 0.24; /* the reflex cannot drive the heart above 250 /min */
    if (s->brr > 3.0) s->brr = 3.0;   /* ... nor below 20 /min */
  }
  double k = sqrt(s->brr);
  s->vtp = h[HEART_VTP] * k;
  s->vtr = h[HEART_VTR] * k;
  /* The ventricles relax within their beat.  Above ~167 /min at the default timing the
     sqrt(RR) law would run the activation into the next beat: the ventricles never
     relaxed, both valves stood open and the heart became a conduit (docs/model.md 2.3).
     Contraction and relaxation are then shortened together to end with the beat. */
  if (s->vtp + s->vtr > s->brr) {
    double c = s->brr / (s->vtp + s->vtr);
    s->vtp *= c, s->vtr *= c;
  }
  s->vtp_lv = s->vtp, s->lv_to = 0.0;
  memo_reset(s);
}

static hs_status make_integrator(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  if (s->ode) {
    hs_status st = s->ot->quad(s->ode, s->q, err); /* keep the running integrals */
    if (st) return st;
    s->ot->free(s->ode); /* with the type that created it */
    s->ode = NULL;
  }
  s->ot = s->ot_custom ? s->ot_custom : hs_ode_type_at((size_t)sv[SOLVER_METHOD]);
  /* the integrator advances everything but the O2 and tracer contents (the last
     states; transport_step moves them once per step) */
  hs_ode_problem prob = {pl->yo2, pl->nq_ode, pl->nvalve, rhs, quad, roots, rhsq, s};
  hs_ode_options o = {sv[SOLVER_RTOL], sv[SOLVER_ATOL], 0.0};
  s->ode = s->ot->create(&prob, &o, s->t, s->y, s->q, err);
  if (s->ode && s->ot == &hs_ode_dopri5) hs_dopri5_set_root_one(s->ode, root_need, root_one);
  return s->ode ? HS_OK : err ? err->code : HS_ERR_SOLVER;
}

static void set_valve_modes(hs_sim *s) {
  const hs_plan *pl = s->pl;
  memo_reset(s);
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
  memo_reset(s);
}

static void begin_accumulation(hs_sim *s);
static void modules_init(hs_sim *s);
static void modules_effect(hs_sim *s);

void hs_sim_free(hs_sim *s) {
  if (!s) return;
  if (s->ode) s->ot->free(s->ode);
  hs_replay_stop(s);
  free(s->p);
  free(s->cx_node);
  free(s->edge_cx);
  free(s->cx_g);
  free(s->r_base);
  free(s->r_fixed);
  free(s->memo_y);
  free(s->vrow);
  free(s->mstate);
  free(s->mofs);
  free(s->tmod);
  free(s->slow_rate);
  free(s->slow_decay);
  free(s->rrow);
  free(s->wrow);
  free(s->other_e);
  free(s->edge_vi);
  free(s->frow);
  free(s->chambers);
  free(s->adj_ofs);
  free(s->adj_e);
  free(s->adj_sgn);
  free(s->y);
  free(s->ydense);
  free(s->work_dy);
  free(s->P);
  free(s->Q);
  free(s->PT);
  free(s->Qd);
  free(s->Dout);
  free(s->Ddx);
  free(s->po2out);
  free(s->bx);
  free(s->k);
  free(s->kin);
  free(s->kout);
  free(s->sweep);
  free(s->c);
  free(s->f);
  free(s->trscratch);
  free(s->qprev);
  free(s->vstart);
  free(s->vfwd);
  free(s->vbwd);
  free(s->tws);
  free(s->vext);
  free(s->dport);
  free(s->dcache);
  free(s->cx_cache);
  free(s->dcache_ofs);
  free(s->dext);
  free(s->qmean);
  free(s->hist);
  free(s->site);
  free(s->acc.y0);
  free(s->open);
  free(s->q);
  free(s->roots);
  free(s->acc.q0);
  free(s->y_prev_ed);
  free(s->y_ed1);
  free(s->y_save);
  free(s->lh_mask);
  free(s->ev);
  free(s);
}

/* The run state of a new simulation (the buffers are allocated; every run-state field
   is zero, as calloc or hs_sim_reset left it). */
static hs_status sim_begin(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  memcpy(s->p, pl->p0, (size_t)pl->np * sizeof(double));
  s->be = 0.0;
  for (int d = 0; d < pl->nd; d++) s->po2out[d] = 0.0;
  modules_init(s);
  hs_sim_refresh_derived(s);
  s->pbt0 = -1e9;
  s->bt0 = -1e9;
  s->t = 0.0;
  s->res_fast = INFINITY;
  start_beat(s);
  hs_status st = initial_state(s, err);
  if (st != HS_OK) return st;
  set_valve_modes(s);
  if ((st = make_integrator(s, err)) != HS_OK) return st;
  memcpy(s->y_prev_ed, s->y, (size_t)pl->ny * sizeof(double));
  s->last_change = INFINITY;
  begin_accumulation(s);
  return HS_OK;
}

hs_status hs_sim_reset(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  if (s->ode) s->ot->free(s->ode);
  s->ode = NULL;
  s->ot = s->ot_custom = NULL;
  /* every run-state field back to its value in a new simulation (the parameters,
     states and derived constants are rebuilt by sim_begin) */
  memset(s->q, 0, (size_t)pl->nq * sizeof(double));
  memset(s->qprev, 0, (size_t)pl->nq * sizeof(double));
  memset(s->open, 0, (size_t)pl->nvalve);
  memset(s->qmean, 0, (size_t)(2 * pl->ne + pl->nfd) * sizeof(double));
  memset(s->hist, 0, (size_t)HIST * (size_t)s->nm * sizeof(double));
  memset(s->site, 0, (size_t)HIST * 3 * (size_t)pl->nn * sizeof(double));
  s->t = 0.0;
  s->pc = 0.0;
  s->bt0 = s->brr = s->vtp = s->vtr = s->pbt0 = s->pbrr = s->pvtp = s->pvtr = 0.0;
  s->vtp_lv = s->lv_to = s->pvtp_lv = s->plv_to = 0.0;
  s->beats = 0;
  s->last_change = s->last_change_o2 = 0.0;
  s->cx_imb = s->cx_drift = 0.0;
  s->nhist = 0;
  s->dirty = s->ctl_moving = 0;
  s->nev = s->evnext = 0;
  s->evstamp = 0;
  s->sample_dt = s->next_sample = 0.0;
  s->sample_fn = NULL, s->sample_ud = NULL;
  s->beat_fn = NULL, s->beat_ud = NULL;
  s->valve_events = 0;
  s->pc_ref = 0.0;
  s->broken = 0;
  s->tr_open = s->tr_steps = 0;
  hs_replay_stop(s);
  s->tr_t0 = 0.0;
  s->sw_steps = 0;
  s->sw_t0 = 0.0;
  s->rhs_msg[0] = '\0';
  s->slow_frozen = 0;
  s->verified = 0;
  s->gases_fresh = 0;
  s->slow_jumps = 0;
  s->slow_jumped = 0.0;
  s->slow_held = 0.0;
  s->lh_at = 0;
  s->lh_k = s->lh_moved = 0.0;
  s->adv_end = 0.0;
  memo_reset(s);
  return sim_begin(s, err);
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
  s->y_ed1 = calloc(ny, sizeof(double));
  s->y_save = calloc(ny, sizeof(double));
  s->lh_mask = malloc(2 * (size_t)pl->nn + 2);
  s->P = calloc((size_t)pl->nn + 1, sizeof(double));
  s->Q = calloc((size_t)pl->ne + 1, sizeof(double));
  s->open = calloc((size_t)pl->nvalve + 1, 1);
  s->q = calloc(nq, sizeof(double));
  s->acc.q0 = calloc(nq, sizeof(double));
  s->roots = calloc((size_t)pl->nvalve + 1, sizeof(int));
  s->PT = calloc((size_t)pl->nn + 1, sizeof(double));
  s->Qd = calloc((size_t)pl->nfd + 1, sizeof(double));
  s->Dout = calloc((size_t)pl->nout + 1, sizeof(double));
  s->Ddx = calloc(ny, sizeof(double));
  s->po2out = calloc((size_t)pl->nd + 1, sizeof(double));
  s->bx = calloc((size_t)(pl->nn + pl->ne + pl->nvo2) + 1, sizeof(double));
  s->k = calloc((size_t)pl->nn + 1, sizeof(double));
  s->kin = calloc((size_t)pl->nn + 1, sizeof(double));
  s->kout = calloc((size_t)pl->nd + 1, sizeof(double));
  s->sweep = calloc(2 * (size_t)pl->nd + 1, sizeof(double));
  if (!s->bx || !s->k || !s->kin || !s->kout || !s->sweep) goto nomem;
  s->c = calloc((size_t)pl->nn + 1, sizeof(double));
  s->f = calloc((size_t)pl->nn + 1, sizeof(double));
  s->trscratch = calloc((size_t)pl->nn + 1, sizeof(double));
  s->qprev = calloc(nq, sizeof(double));
  s->vstart = calloc((size_t)pl->nn + 1, sizeof(double));
  s->vfwd = calloc((size_t)pl->ne + 1, sizeof(double));
  s->vbwd = calloc((size_t)pl->ne + 1, sizeof(double));
  s->tws = calloc(11 * (size_t)pl->nn + 1, sizeof(double));
  if (!s->qprev || !s->vstart || !s->vfwd || !s->vbwd || !s->tws) goto nomem;
  s->vext = calloc((size_t)pl->nn + 1, sizeof(double));
  s->dport = calloc(5 * (size_t)pl->nports_total + 1, sizeof(double));
  s->dcache_ofs = calloc((size_t)pl->nd + 1, sizeof(int));
  if (!s->dcache_ofs) goto nomem;
  for (int d = 0; d < pl->nd; d++)
    s->dcache_ofs[d + 1] = s->dcache_ofs[d] + (pl->dev_type[d]->prepare ? pl->dev_type[d]->ncache : 0);
  s->dcache = calloc((size_t)s->dcache_ofs[pl->nd] + 1, sizeof(double));
  s->dext = calloc((size_t)pl->nout + 1, sizeof(double));
  s->qmean = calloc((size_t)(2 * pl->ne + pl->nfd) + 1, sizeof(double));
  s->nm = HS_METRIC_COUNT + pl->nout;
  s->hist = calloc((size_t)HIST * (size_t)s->nm, sizeof(double));
  s->site = calloc((size_t)HIST * 3 * (size_t)pl->nn, sizeof(double));
  s->acc.y0 = calloc(ny, sizeof(double));
  s->cx_node = malloc(((size_t)pl->nn + 1) * sizeof(int));
  s->cx_g = calloc(2 * (size_t)pl->nar + 1, sizeof(double));
  s->r_base = calloc((size_t)pl->ne + 1, sizeof(double));
  s->r_fixed = calloc((size_t)pl->ne + 1, sizeof(double));
  s->memo_y = calloc(ny, sizeof(double));
  s->vrow = calloc((size_t)pl->nn + 1, sizeof *s->vrow);
  s->rrow = calloc((size_t)pl->ne + 1, sizeof *s->rrow);
  s->wrow = calloc((size_t)pl->ne + 1, sizeof *s->wrow);
  s->other_e = calloc((size_t)pl->ne + 1, sizeof(int));
  s->edge_vi = calloc((size_t)pl->ne + 1, sizeof(int));
  s->frow = calloc((size_t)pl->ne + 1, sizeof *s->frow);
  size_t mbytes = 0, nmod = hs_physio_module_count();
  s->mofs = calloc(nmod + 1, sizeof *s->mofs);
  if (!s->mofs) goto nomem;
  for (size_t k = 0; k < nmod; k++) { /* each state at a multiple of 16 bytes */
    s->mofs[k] = mbytes;
    mbytes += (hs_physio_module_at(k)->state_bytes + 15) / 16 * 16;
  }
  s->mstate = calloc(mbytes + 16, 1);
  s->tmod = calloc(nmod + 1, sizeof *s->tmod);
  if (!s->mstate || !s->tmod) goto nomem;
  for (int k = 0; k < pl->nmod; k++)
    if (pl->mod_ny[k] > 0) s->tmod[s->ntmod++] = k;
  for (size_t k = 0; k < nmod; k++) s->nslow += hs_physio_module_at(k)->nslow;
  s->slow_rate = calloc((size_t)s->nslow + 1, sizeof(double));
  s->slow_decay = calloc((size_t)s->nslow + 1, sizeof(double));
  if (!s->slow_rate || !s->slow_decay) goto nomem;
  s->chambers = calloc((size_t)pl->nn + 1, sizeof(int));
  s->adj_ofs = calloc((size_t)pl->nn + 1, sizeof(int));
  s->adj_e = calloc(2 * (size_t)pl->ne + 1, sizeof(int));
  s->adj_sgn = calloc(2 * (size_t)pl->ne + 1, sizeof(double));
  int *cur = calloc((size_t)pl->nn + 1, sizeof(int));
  if (!s->adj_ofs || !s->adj_e || !s->adj_sgn || !cur) {
    free(cur);
    goto nomem;
  }
  for (int e = 0; e < pl->ne; e++) s->adj_ofs[pl->efrom[e] + 1]++, s->adj_ofs[pl->eto[e] + 1]++;
  for (int i = 0; i < pl->nn; i++) s->adj_ofs[i + 1] += s->adj_ofs[i];
  for (int i = 0; i < pl->nn; i++) cur[i] = s->adj_ofs[i];
  for (int e = 0; e < pl->ne; e++) { /* edge order; the source's entry before the target's */
    int k = cur[pl->efrom[e]]++;
    s->adj_e[k] = e, s->adj_sgn[k] = -1.0;
    k = cur[pl->eto[e]]++;
    s->adj_e[k] = e, s->adj_sgn[k] = 1.0;
  }
  free(cur);
  if (!s->frow || !s->chambers) goto nomem;
  for (int i = 0; i < pl->nn; i++)
    if (pl->node_kind[i] != HS_NK_VESSEL) s->chambers[s->nch++] = i;
  if (!s->cx_node || !s->cx_g || !s->r_base || !s->r_fixed || !s->memo_y || !s->vrow ||
      !s->rrow || !s->wrow || !s->other_e || !s->edge_vi)
    goto nomem;
  s->cx = pl->cx;
  s->edge_cx = calloc((size_t)pl->ne + 1, sizeof(int));
  if (!s->edge_cx) goto nomem;
  if (s->cx && s->cx->prepare) {
    int nc = s->cx->cache_size ? s->cx->cache_size(pl) : 0;
    s->cx_cache = calloc((size_t)(nc > 0 ? nc : 0) + 1, sizeof(double));
    if (!s->cx_cache) goto nomem;
  }
  for (int k = 0; k < pl->nar; k++) s->edge_cx[pl->ar_edges[k]] = k + 1;
  s->watch[0] = s->watch[1] = -1;
  if (s->cx) {
    s->cx->feeds(pl, s->cx_node);
    if (s->cx->watch) s->cx->watch(pl, s->watch);
  } else {
    for (int i = 0; i < pl->nn; i++) s->cx_node[i] = -1;
  }
  if (!s->p || !s->y || !s->ydense || !s->work_dy || !s->y_prev_ed || !s->y_ed1 || !s->y_save ||
      !s->lh_mask || !s->P || !s->Q ||
      !s->open || !s->q || !s->acc.q0 || !s->roots || !s->PT || !s->Qd || !s->Dout ||
      !s->Ddx || !s->po2out || !s->c || !s->f || !s->trscratch || !s->qmean || !s->vext || !s->dport || !s->dcache || !s->dext || !s->hist || !s->site ||
      !s->acc.y0)
    goto nomem;
  if (sim_begin(s, err) != HS_OK) goto fail;
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
  int b = -1;
  for (int i = 0; i < pl->nblocks && b < 0; i++)
    if (strlen(pl->bname[i]) == n && strncmp(pl->bname[i], path, n) == 0) b = i;
  if (b < 0) b = hs_plan_alias(pl, path, n); /* a rebound role's default name */
  if (b >= 0) {
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

/* May this parameter change while the simulation runs? */
/* A regulated bed (resistor autoregulation_flow > 0) gets its autoregulation state when the
   model is compiled (the plan's ar_edges): its target flow may change, but not to or from 0
   (the right-hand side divides the bed's flow by it). */
static hs_status check_compiled_presence(const hs_sim *s, int pidx, double v, hs_err *err) {
  const hs_plan *pl = s->pl;
  if (s->cx && s->cx->follows_gases && pl->nar) { /* the brain's CO2 / O2 reactivity: its state */
    double *p = s->p, old = p[pidx];
    p[pidx] = v;
    int on = s->cx->follows_gases(pl, p);
    p[pidx] = old;
    if (on != (pl->yrf >= 0))
      return hs_err_set(err, HS_ERR_STATE,
                        "brain.co2_reactivity, brain.o2_reactivity: the model was compiled "
                        "with the cerebral CO2/O2 reactivity %s; they may change but not all "
                        "to or from 0 during a simulation: set them in the patient file or "
                        "with --set on the command line",
                        pl->yrf >= 0 ? "on" : "off");
  }
  for (int b = 0; b < pl->nblocks; b++) {
    int k = pidx - pl->bpofs[b];
    if (pl->btype[b] == &hs_type_resistor && k == RESISTOR_IMP && v != 0.0 &&
        s->p[pl->bpofs[b] + RESISTOR_AUTOREG_FLOW] > 0.0)
      return hs_err_set(err, HS_ERR_STATE,
                        "%s.intramyocardial_waterfall: the bed is regulated by the brain module "
                        "(autoregulation_flow %.6g mL/min), whose beds drain into ICP; the "
                        "intramyocardial waterfall is the coronary bed's (docs/model.md 2.20)",
                        pl->bname[b], s->p[pl->bpofs[b] + RESISTOR_AUTOREG_FLOW] * 60.0);
    if (pl->btype[b] != &hs_type_resistor || k != RESISTOR_AUTOREG_FLOW) continue;
    if ((s->p[pidx] > 0.0) != (v > 0.0))
      return hs_err_set(err, HS_ERR_STATE,
                        "%s.autoregulation_flow: the bed was compiled as %s (%.6g mL/min); its "
                        "target flow may change but not to or from 0 (asked %.6g mL/min): set it "
                        "in the patient file or with --set on the command line",
                        pl->bname[b], s->p[pidx] > 0.0 ? "autoregulated" : "passive",
                        s->p[pidx] * 60.0, v * 60.0);
    return HS_OK;
  }
  return HS_OK;
}

/* Before the run a parameter may change the initial state, but not the number of a
   module's continuous states (laid out when the model was compiled, e.g.
   baroreflex.enabled): that would be silently ignored. */
static hs_status check_state_count(hs_sim *s, int pidx, double v, hs_err *err) {
  const hs_plan *pl = s->pl;
  double old = s->p[pidx];
  s->p[pidx] = v;
  int k = 0;
  for (; k < pl->nmod; k++)
    if (pl->mods[k]->nstates && pl->mods[k]->nstates(pl, s->p) != pl->mod_ny[k]) break;
  s->p[pidx] = old;
  if (k == pl->nmod) return HS_OK;
  const char *why = pl->mods[k]->fixed ? pl->mods[k]->fixed(pl, pidx) : NULL;
  return hs_err_set(err, HS_ERR_STATE, "%s",
                    why ? why
                        : "this parameter changes the number of a module's states, fixed once "
                          "the model is compiled; set it in the patient file or with --set");
}

/* A device setting changed on a compiled model (a scenario event, a live setting, an
   override before the run) passes the device's own check against its port bindings, as
   the model check passed it when the model was compiled (e.g. an Impella model for the
   other side's chambers). */
static hs_status check_device_param(const hs_sim *s, int pidx, double v, hs_err *err) {
  const hs_plan *pl = s->pl;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    int b = pl->dev_block[d], k = pidx - pl->bpofs[b];
    if (!dt->check || k < 0 || k >= dt->block->nparams) continue;
    enum { MAXP = 64, MAXPORT = 8 };
    double p[MAXP];
    const char *ports[MAXPORT];
    if (dt->block->nparams > MAXP || dt->nports > MAXPORT) return HS_OK;
    memcpy(p, s->p + pl->bpofs[b], (size_t)dt->block->nparams * sizeof p[0]);
    p[k] = v;
    for (int j = 0; j < dt->nports; j++)
      ports[j] = pl->bname[pl->node_block[pl->dev_port_node[pl->dev_port_ofs[d] + j]]];
    hs_status st = dt->check(p, ports, err);
    if (st) return hs_err_prefix(err, "device '%s': ", pl->bname[b]), st;
  }
  return HS_OK;
}

static hs_status check_runtime_param(const hs_sim *s, int pidx, double v, hs_err *err) {
  const hs_plan *pl = s->pl;
  hs_status st = check_compiled_presence(s, pidx, v, err);
  if (st) return st;
  if ((st = check_device_param(s, pidx, v, err)) != HS_OK) return st;
  if (pidx == pl->circ + CIRC_BLOOD_VOLUME || pidx == pl->body + BODY_WEIGHT ||
      pidx == pl->body + BODY_BV_PER_KG || pidx == pl->body + BODY_SCALE_VOLUME)
    return hs_err_set(err, HS_ERR_STATE,
                      "blood volume cannot change during a run (it is conserved); "
                      "set it in the patient file or with --set before the run");
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    const char *why = md->fixed ? md->fixed(pl, pidx) : NULL;
    if (why) return hs_err_set(err, HS_ERR_STATE, "%s", why);
  }
  for (int b = 0; b < pl->nblocks; b++) {
    const hs_block_type *t = pl->btype[b];
    int k = pidx - pl->bpofs[b];
    if (k < 0 || k >= t->nparams) continue;
    if ((t == &hs_type_resistor && (k == RESISTOR_BED || k == RESISTOR_GAS)) ||
        (t == &hs_type_inertance && k == INERTANCE_BED))
      return hs_err_set(err, HS_ERR_STATE,
                        "%s.%s describes the circuit's structure and is fixed once the model is "
                        "compiled; set it in the patient file",
                        pl->bname[b], t->params[k].name);
  }
  return HS_OK;
}

static void end_diastolic_pressure(hs_sim *s);

/* Apply a change during the run (checked by check_runtime_param beforehand). */
static hs_status apply_param(hs_sim *s, int pidx, double v, hs_err *err) {
  end_diastolic_pressure(s); /* of the beat so far, with the parameters it ran with */
  const hs_plan *pl = s->pl;
  hs_status st = check_runtime_param(s, pidx, v, err);
  if (st) return hs_err_prefix(err, "t=%.3f s: ", s->t);
  if (pidx == pl->solver + SOLVER_METHOD || pidx == pl->solver + SOLVER_RTOL ||
      pidx == pl->solver + SOLVER_ATOL) {
    s->p[pidx] = v;
    if (pidx == pl->solver + SOLVER_METHOD) s->ot_custom = NULL; /* a built-in chosen */
    return make_integrator(s, err);
  }
  s->p[pidx] = v;
  hs_sim_refresh_derived(s);
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
  if ((st = check_compiled_presence(s, pidx, v, err)) != HS_OK) return st;
  if ((st = check_device_param(s, pidx, v, err)) != HS_OK) return st;
  if ((st = check_state_count(s, pidx, v, err)) != HS_OK) return st;
  /* before the run starts: rebuild the initial state with the new value */
  s->p[pidx] = v;
  if (pidx == s->pl->solver + SOLVER_METHOD) s->ot_custom = NULL; /* a built-in chosen */
  for (size_t k = 0; k < hs_physio_module_count(); k++) { /* slow states' start values */
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->slow_start) md->slow_start(s->mstate + s->mofs[k], s->pl, s->p);
  }
  modules_effect(s);
  hs_sim_refresh_derived(s);
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

hs_status hs_sim_set_integrator(hs_sim *s, const hs_ode_type *type, hs_err *err) {
  if (!type || !type->name || !type->create || !type->step || !type->dense || !type->quad ||
      !type->reinit || !type->stats || !type->free)
    return hs_err_set(err, HS_ERR_INVALID,
                      "integrator type%s%s%s: every callback (create, step, dense, quad, reinit, "
                      "stats, free) is needed",
                      type && type->name ? " '" : "", type && type->name ? type->name : "",
                      type && type->name ? "'" : "");
  const hs_ode_type *old = s->ot_custom;
  s->ot_custom = type;
  hs_status st = make_integrator(s, err);
  if (st != HS_OK) {
    s->ot_custom = old;
    return st;
  }
  s->dirty = 1;
  return HS_OK;
}

const char *hs_sim_integrator_name(const hs_sim *s) { return s->ot ? s->ot->name : ""; }

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

size_t hs_sim_scheduled(const hs_sim *s) { return s->nev - s->evnext; }

void hs_sim_unschedule_last(hs_sim *s, size_t n) {
  /* events are kept sorted, so "last added" are found by insertion stamp */
  for (size_t k = 0; k < n && s->nev > s->evnext; k++) {
    size_t newest = s->evnext;
    for (size_t i = s->evnext; i < s->nev; i++)
      if (s->ev[i].stamp > s->ev[newest].stamp) newest = i;
    memmove(s->ev + newest, s->ev + newest + 1, (s->nev - newest - 1) * sizeof *s->ev);
    s->nev--;
  }
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
  if ((st = check_runtime_param(s, pidx, v, err)) != HS_OK) return st;
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
  s->ev[i] = (event){t, pidx, v, ++s->evstamp};
  s->nev++;
  return HS_OK;
}

/* ----------------------------------------------------------------- beats -- */

/* Can the pressure of vessel i be computed from its own volume (the law of evaluate()
   with every coupling term zero)?  Not when it feels the LV (intramyocardial), a compartment,
   a reflex-shifted unstressed volume or a device's displaced volume. */
static int pressure_is_local(const hs_sim *s, int i) {
  const hs_plan *pl = s->pl;
  const double *b = bparams(s, pl->node_block[i]);
  if (b[VESSEL_MYO] != 0.0 || b[VESSEL_INTRACRANIAL] != 0.0) return 0;
  if (s->ntmod && b[VESSEL_REFLEX] != HS_REFLEX_NONE) return 0;
  for (int d = 0; pl->ndisp && d < pl->nd; d++) {
    if (!pl->dev_type[d]->displace) continue;
    for (int k = 0; k < pl->dev_type[d]->nports; k++)
      if (pl->dev_port_node[pl->dev_port_ofs[d] + k] == i) return 0;
  }
  return 1;
}

/* Everything evaluate() and the read-outs derive from the parameters alone; called
   whenever the parameters change (creation, hs_sim_set, scheduled events). */
void hs_sim_refresh_derived(hs_sim *s) {
  const hs_plan *pl = s->pl;
  s->cx_wall = s->cx && s->cx->wall_on && s->cx->wall_on(pl, s->p);
  if (s->cx && s->cx->prepare) /* its rhs constants */
    s->cx->prepare(pl, s->p, s->pfx.regulated_flow, s->cx_cache);
  for (int d = 0; d < pl->nd; d++) /* the devices' derived constants */
    if (pl->dev_type[d]->prepare)
      pl->dev_type[d]->prepare(bparams(s, pl->dev_block[d]), s->dcache + s->dcache_ofs[d]);
  s->vu_extra_total = 0.0;
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->refresh) md->refresh(s->mstate + s->mofs[k], pl, s->p);
  }
  s->measured_local = pressure_is_local(s, pl->upper) && pressure_is_local(s, pl->root) &&
                      pressure_is_local(s, pl->pa);
  modules_effect(s);
  pl->tx->end_capillary(s);
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  /* venodilators (the drugs' venous effect) add to the unstressed volume of the systemic
     capacitance veins, the vessels with a reflex class, in proportion to their own
     (docs/drugs.md, "Venous capacity") */
  double vu_cap = 0.0;
  for (int i = 0; s->pfx.venous_volume != 0.0 && i < pl->nn; i++)
    if (pl->node_kind[i] == HS_NK_VESSEL &&
        bparams(s, pl->node_block[i])[VESSEL_REFLEX] != HS_REFLEX_NONE)
      vu_cap += bparams(s, pl->node_block[i])[VESSEL_V0];
  s->nvrow = 0;
  for (int i = 0; i < pl->nn; i++) {
    if (pl->node_kind[i] != HS_NK_VESSEL) continue;
    const double *v = bparams(s, pl->node_block[i]);
    vessel_row *r = &s->vrow[s->nvrow++];
    r->i = i;
    r->ar = s->cx_node[i];
    r->reflex = s->ntmod ? (int)v[VESSEL_REFLEX] : HS_REFLEX_NONE;
    r->c = v[VESSEL_C], r->v0 = v[VESSEL_V0], r->pext = v[VESSEL_PEXT], r->e = 1.0 / r->c;
    if (vu_cap > 0.0 && v[VESSEL_REFLEX] != HS_REFLEX_NONE)
      r->v0 += s->pfx.venous_volume * v[VESSEL_V0] / vu_cap;
    if (s->ntmod && v[VESSEL_REFLEX] == HS_REFLEX_EXTRA) s->vu_extra_total += r->v0;
    r->tt = v[VESSEL_THORACIC] * thor;
    r->kmyo = v[VESSEL_MYO], r->kic = v[VESSEL_INTRACRANIAL];
    r->plain = r->reflex == HS_REFLEX_NONE && r->ar < 0 && r->kmyo == 0.0 && r->kic == 0.0;
  }
  s->nrrow = s->nwrow = s->nother = s->nfrow = 0;
  for (int e = 0, vi = 0; e < pl->ne; e++) {
    const double *ep = bparams(s, pl->edge_block[e]);
    if (pl->edge_kind[e] == HS_EK_VALVE) s->edge_vi[e] = vi++;
    if (pl->edge_kind[e] != HS_EK_RESISTOR) {
      flow_row *f = &s->frow[s->nfrow++];
      int valve = pl->edge_kind[e] == HS_EK_VALVE;
      f->e = e, f->k = pl->estate[e], f->a = pl->efrom[e], f->b = pl->eto[e];
      f->vi = valve ? s->edge_vi[e] : -1;
      f->r = valve ? ep[VALVE_R] : ep[INERTANCE_R];
      f->il = 1.0 / (valve ? ep[VALVE_L] : ep[INERTANCE_L]);
      f->areg = valve ? ep[VALVE_AREG] : 0.0;
      f->farea = valve ? ep[VALVE_FAREA] : 0.0;
      f->fvc = valve ? ep[VALVE_FVC] : 0.0;
      f->fspan = valve ? ep[VALVE_FSPAN] : 1.0;
      continue;
    }
    double fbase = 1.0, fdiv = 1.0; /* the modules' factors (physio/module.h, resistor) */
    for (size_t k = 0; k < hs_physio_module_count(); k++) {
      const hs_physio_module *md = hs_physio_module_at(k);
      if (md->resistor) md->resistor(pl, s->p, ep, &fbase, &fdiv);
    }
    double r = ep[RESISTOR_R] * fbase;
    s->r_base[e] = r;
    if (ep[RESISTOR_PATENCY] < 1.0) r /= ep[RESISTOR_PATENCY] > 1e-6 ? ep[RESISTOR_PATENCY] : 1e-6;
    if (fdiv != 1.0) r /= fdiv;
    s->r_fixed[e] = r;
    if (ep[RESISTOR_COLLAPSE] != 0 || ep[RESISTOR_IMP] != 0) {
      s->other_e[s->nother++] = e;
      continue;
    }
    int wf = pl->nic && s->edge_cx[e]; /* a regulated edge: waterfall_flows */
    resistor_row *rr = wf ? &s->wrow[s->nwrow++] : &s->rrow[s->nrrow++];
    rr->cor = !wf && coronary_bed(s, e);
    if (rr->cor) r *= s->pfx.coronary; /* its tone (modules_effect keeps it current) */
    rr->e = e, rr->a = pl->efrom[e], rr->b = pl->eto[e], rr->r = r, rr->g = 1.0 / r;
    int rf = s->ntmod ? (int)ep[RESISTOR_REFLEX] : HS_REFLEX_NONE; /* 0-2: evaluate()'s table */
    rr->reflex = rf == HS_REFLEX_NONE || rf == HS_REFLEX_SPLANCHNIC ? rf : HS_REFLEX_EXTRA;
    rr->drug = edge_drug(s, e);
  }
  memo_reset(s);
}

/* Pressures of the three measured sites (vessels, checked at compile) at (t, y): one
   full evaluation when any of them needs it, else each from its own volume (the same
   arithmetic as evaluate(), so the numbers are identical either way). */
static void measured_pressures(hs_sim *s, double t, const double *y, double *pu, double *pr,
                               double *pp) {
  const hs_plan *pl = s->pl;
  if (!s->measured_local) {
    evaluate(s, t, y, s->P, s->Q);
    *pu = s->P[pl->upper], *pr = s->P[pl->root], *pp = s->P[pl->pa];
    return;
  }
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  const int site[3] = {pl->upper, pl->root, pl->pa};
  double *out[3] = {pu, pr, pp};
  for (int k = 0; k < 3; k++) {
    const double *b = bparams(s, pl->node_block[site[k]]);
    *out[k] = hs_vessel_pressure(y[site[k]], b[VESSEL_C], b[VESSEL_V0]) + b[VESSEL_PEXT] +
              b[VESSEL_THORACIC] * thor;
  }
}

/* Transmural pressure of vessel node i at state y (the compliance factor of the regulated
   edge it feeds, its wall law). */
static inline double vessel_ptm(const hs_sim *s, const double *y, int i, const double *v) {
  int k = s->cx_node[i];
  if (k < 0) return hs_vessel_pressure(y[i], v[VESSEL_C], v[VESSEL_V0]);
  double x = hs_vessel_pressure(y[i], v[VESSEL_C] * s->cx->compliance(s->pl, s->p, y, k),
                                v[VESSEL_V0]);
  return s->cx_wall ? s->cx->wall(s->pl, s->p, x) : x;
}

/* Flow through a plain resistor between two vessels (the MCA stems) without a full
   evaluation: both ends are linear vessels, the stem has no autoregulation.  Falls
   back to evaluate() when an end depends on more (LV coupling, balloons, reflex). */
static double stem_flow(hs_sim *s, const double *y, int e) {
  const hs_plan *pl = s->pl;
  int a = pl->efrom[e], b = pl->eto[e];
  const double *pa = bparams(s, pl->node_block[a]), *pb = bparams(s, pl->node_block[b]);
  const double *ep = bparams(s, pl->edge_block[e]);
  if (pl->node_kind[a] != HS_NK_VESSEL || pl->node_kind[b] != HS_NK_VESSEL || pl->ndisp ||
      s->ntmod || pa[VESSEL_MYO] != 0 || pb[VESSEL_MYO] != 0 || s->edge_cx[e] ||
      ep[RESISTOR_COLLAPSE] != 0 || ep[RESISTOR_IMP] != 0 || pl->edge_bed[e] ||
      e == pl->pulm_art) { /* a drug factor acts on the edge */
    evaluate(s, s->t, y, s->P, s->Q);
    return s->Q[e];
  }
  double pc = pl->nic ? s->cx->pressure(pl, s->p, y, s->pc_ref) : 0.0;
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  double pA = vessel_ptm(s, y, a, pa) +
              pa[VESSEL_PEXT] + pa[VESSEL_THORACIC] * thor + pa[VESSEL_INTRACRANIAL] * pc;
  double pB = vessel_ptm(s, y, b, pb) +
              pb[VESSEL_PEXT] +
              pb[VESSEL_THORACIC] * thor + pb[VESSEL_INTRACRANIAL] * pc;
  double r = s->r_base[e]; /* R x the modules' base factors (hs_sim_refresh_derived) */
  if (ep[RESISTOR_PATENCY] < 1.0) r /= ep[RESISTOR_PATENCY] > 1e-6 ? ep[RESISTOR_PATENCY] : 1e-6;
  return (pA - pB) / r;
}

static void begin_accumulation(hs_sim *s) {
  const hs_plan *pl = s->pl;
  beat_acc *a = &s->acc;
  hs_replay_next_beat(s);
  a->t0 = s->bt0;
  a->rr = s->brr;
  memcpy(a->q0, s->q, (size_t)pl->nq * sizeof(double));
  evaluate(s, s->t, s->y, s->P, s->Q);
  a->edv_lv = s->y[pl->lv];
  a->edp_lv = s->P[pl->lv];
  a->edv_rv = s->y[pl->rv];
  a->ed_t = s->t, a->ed_vrv = s->y[pl->rv], a->ed_new = a->ed_moved = 0;
  a->upper_max = a->upper_min = s->P[pl->upper];
  a->root_min = s->P[pl->root];
  a->pa_max = a->pa_min = s->P[pl->pa];
  a->lv_min = s->y[pl->lv];
  a->rv_min = s->y[pl->rv];
  a->es_lv = (es_point){s->bt0 + s->vtp_lv, 0, 0, 0};
  a->es_rv = (es_point){s->bt0 + s->vtp, 0, 0, 0}; /* the RV's activation peaks at vtp (no
                                                      load relaxation) */
  a->av_opened = s->open[pl->vav];
  for (int o = 0; o < pl->nout; o++) s->dext[o] = NAN;
  for (int k = 0; k < 2; k++) a->watch_max[k] = -INFINITY, a->watch_min[k] = INFINITY;
}

static void observe_point(hs_sim *s, double t, const double *y) {
  const hs_plan *pl = s->pl;
  beat_acc *a = &s->acc;
  double pu, pr, pp;
  measured_pressures(s, t, y, &pu, &pr, &pp);
  if (pu > a->upper_max) a->upper_max = pu;
  if (pu < a->upper_min) a->upper_min = pu;
  if (pr < a->root_min) a->root_min = pr;
  if (pp > a->pa_max) a->pa_max = pp;
  if (pp < a->pa_min) a->pa_min = pp;
  if (y[pl->lv] < a->lv_min) a->lv_min = y[pl->lv];
  if (y[pl->rv] < a->rv_min) a->rv_min = y[pl->rv];
  /* end-diastole: the ventricle fills on after its activation began (for tens of ms at high
     heart rates or with a transvalvular pump, until the rising elastance lifts its pressure
     above the atrium's), so its end-diastolic volume is the largest volume reached while
     the inflow valve is open (a valve's mode changes only at step ends, where its flow
     crosses zero; a rise during isovolumic contraction from aortic regurgitation does not
     count) */
  if (y[pl->lv] > a->edv_lv && (pl->vmv < 0 || s->open[pl->vmv])) {
    a->edv_lv = y[pl->lv];
    a->ed_t = t, a->ed_vrv = y[pl->rv], a->ed_new = a->ed_moved = 1;
  }
  if (y[pl->rv] > a->edv_rv && (pl->vtv < 0 || s->open[pl->vtv])) a->edv_rv = y[pl->rv];
}

/* LV pressure at time t of the current beat at LV and RV volumes vlv, vrv, as
   chamber_pressures() computes it (with the slow reflex state of the step's end, and
   without the ejection effect: the LV fills, nothing leaves through the aortic valve):
   the end-diastolic pressure. */
static double lv_pressure_at(hs_sim *s, double t, double vlv, double vrv) {
  const hs_plan *pl = s->pl;
  hs_physio_tone fx = {1, 1, 1, 1, 0, 0, 0};
  hs_physio_effect dx = s->pfx;
  if (s->ntmod) tone_at(s, s->y, &fx);
  double ev, ea, evl;
  activations(s, t, &ev, &ea, &evl);
  double plv = chamber_own_pressure(s, pl->lv, vlv, evl, &fx, &dx);
  double prv = chamber_own_pressure(s, pl->rv, vrv, ev, &fx, &dx);
  ventricular_coupling(s->p + pl->heart, vlv, vrv, &plv, &prv);
  return plv + s->p[pl->circ + CIRC_THORACIC_P];
}

/* The end-diastolic pressure, once the volume has stopped rising (one evaluation a beat,
   not one per filling step): after a step that did not move it, before a parameter
   change and at the end of the beat. */
static void end_diastolic_pressure(hs_sim *s) {
  beat_acc *a = &s->acc;
  if (!a->ed_new) return;
  a->edp_lv = lv_pressure_at(s, a->ed_t, a->edv_lv, a->ed_vrv);
  a->ed_new = 0;
}

static hs_status emit_sample(hs_sim *s, double t, const double *y, hs_err *err) {
  evaluate(s, t, y, s->P, s->Q);
  if (y != s->y) /* interpolated: the contents are those at the end of the step */
    memcpy(s->ydense + s->pl->yo2, s->y + s->pl->yo2,
           (size_t)(s->pl->ny - s->pl->yo2) * sizeof(double));
  hs_sample smp = {t, s->P, y, s->Q, 0, 0};
  activations(s, t, &smp.ventricular_activation, &smp.atrial_activation, NULL);
  if (s->sample_fn(&smp, s->sample_ud))
    return hs_err_set(err, HS_ERR_STATE, "t=%.4f s: stopped by the sample callback", t);
  return HS_OK;
}

/* A ventricle's (node) end-systolic point e, once per beat, when its time falls in the
   step [t0, t1]: volume and pressure from the dense output there. */
static hs_status sample_end_systole(hs_sim *s, es_point *e, int node, double t0, double t1,
                                    hs_err *err) {
  if (e->done || e->t > t1 || e->t < t0) return HS_OK;
  hs_status st = s->ot->dense(s->ode, e->t, s->ydense, err);
  if (st != HS_OK) return st;
  evaluate(s, e->t, s->ydense, s->P, s->Q);
  e->v = s->ydense[node];
  e->p = s->P[node];
  e->done = 1;
  return HS_OK;
}

/* Everything that looks inside the last step (t0, t1]. */
static hs_status observe_step(hs_sim *s, double t0, double t1, hs_err *err) {
  hs_status st;
  double h = t1 - t0;
  /* with the measured sites' pressures local, observe_point() reads five volumes: DOPRI5
     interpolates those alone */
  const int obs[5] = {s->pl->upper, s->pl->root, s->pl->pa, s->pl->lv, s->pl->rv};
  int some = s->measured_local && s->ot == &hs_ode_dopri5;
  for (int k = 1; k < SUBSAMPLES; k++) {
    double tk = t0 + h * k / SUBSAMPLES;
    st = some ? hs_dopri5_dense_some(s->ode, tk, obs, 5, s->ydense, err)
              : s->ot->dense(s->ode, tk, s->ydense, err);
    if (st != HS_OK) return st;
    observe_point(s, tk, s->ydense);
  }
  observe_point(s, t1, s->y);
  if (!s->acc.ed_moved) end_diastolic_pressure(s);
  s->acc.ed_moved = 0;
  if (s->pl->nagg) { /* per-beat extrema of MAX/MIN device outputs, sampled at step ends */
    const hs_plan *pl = s->pl;
    evaluate(s, t1, s->y, s->P, s->Q);
    for (int d = 0; d < pl->nd; d++) {
      const hs_device_type *dt = pl->dev_type[d];
      for (int k = 0; k < dt->noutputs; k++) {
        int o = pl->dev_out_ofs[d] + k, agg = dt->outputs[k].agg;
        double v = s->Dout[o];
        if (agg == HS_AGG_MEAN || isnan(v)) continue;
        if (isnan(s->dext[o]) || (agg == HS_AGG_MAX ? v > s->dext[o] : v < s->dext[o]))
          s->dext[o] = v;
      }
    }
  }
  beat_acc *a = &s->acc;
  if (s->watch[0] >= 0 || s->watch[1] >= 0) { /* the watched edges' extrema (TCD) */
    const int *stems = s->watch;
    for (int k = 0; k < 2; k++) {
      if (stems[k] < 0) continue;
      double q = stem_flow(s, s->y, stems[k]);
      if (q > a->watch_max[k]) a->watch_max[k] = q;
      if (q < a->watch_min[k]) a->watch_min[k] = q;
    }
  }
  if ((st = sample_end_systole(s, &a->es_lv, s->pl->lv, t0, t1, err)) != HS_OK) return st;
  if ((st = sample_end_systole(s, &a->es_rv, s->pl->rv, t0, t1, err)) != HS_OK) return st;
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

/* ------------------------------------------------- physiological modules -- */

/* The modules' combined effect (physio/module.h): factors multiply, from 1. */
static void modules_effect(hs_sim *s) {
  hs_physio_effect fx = {1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->effect) md->effect(s->mstate + s->mofs[k], s->pl, s->p, &fx);
  }
  int regulated = fx.regulated_flow != s->pfx.regulated_flow;
  if (fx.coronary != s->pfx.coronary) /* the coronary tone moved: its rows' resistance */
    for (int k = 0; k < s->nrrow; k++) {
      resistor_row *rr = &s->rrow[k];
      if (!rr->cor) continue;
      rr->r = s->r_fixed[rr->e] * fx.coronary;
      rr->g = 1.0 / rr->r;
    }
  s->pfx = fx;
  if (regulated && s->cx && s->cx->prepare) /* the regulated beds' defended flow moved */
    s->cx->prepare(s->pl, s->p, fx.regulated_flow, s->cx_cache);
  memo_reset(s);
}

int hs_sim_modules_settle(hs_sim *s, int first) {
  double tol = s->p[s->pl->solver + SOLVER_STEADY_TOL_FACTOR];
  int moved = 0;
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->settle) moved += md->settle(s->mstate + s->mofs[k], s->pl, s->p, tol, first);
  }
  if (moved) {
    modules_effect(s);
    s->dirty = 1;
  }
  return moved;
}

static void modules_init(hs_sim *s) {
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    memset(s->mstate + s->mofs[k], 0, md->state_bytes);
    if (md->init) md->init(s->mstate + s->mofs[k]);
    if (md->slow_start) md->slow_start(s->mstate + s->mofs[k], s->pl, s->p);
  }
  s->ctl_moving = 0;
  s->slow_calm = 0;
  s->slow_flux.volume = s->slow_flux.o2 = 0.0;
  s->fluid_moved = 0.0;
  for (int j = 0; j < s->nslow; j++) s->slow_rate[j] = s->slow_decay[j] = 0.0;
  modules_effect(s);
}

/* Module k's slow states (the first nslow doubles of its state). */
static inline double *slow_of(hs_sim *s, size_t k) { return (double *)(s->mstate + s->mofs[k]); }

/*
 * Advance the slow states by dt with the last beat's rates and put the modules' blood
 * (slow_flux x dt) into the circulation (docs/model.md, "Slow states"): spread over the
 * extracranial vessels in proportion to their compliance (what a change of the mean
 * filling pressure does to them), the O2-carrying share at each vessel's own content;
 * the ECMO-blood tracer keeps its fraction.  The effect is renewed; the integrator
 * restarts when anything the right-hand side reads changed.
 */
static hs_status slow_apply(hs_sim *s, double dt, hs_err *err) {
  const hs_plan *pl = s->pl;
  int j = 0, touched = 0;
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    double *x = slow_of(s, k);
    for (int i = 0; i < md->nslow; i++, j++) {
      if (s->slow_rate[j] == 0.0) continue;
      /* exponential Euler: (1 - e^-z) / z of z = decay x dt (1 - z/2 for small z) */
      double z = s->slow_decay[j] * dt, phi = z > 1e-6 ? -expm1(-z) / z : 1.0 - 0.5 * z;
      x[i] += s->slow_rate[j] * dt * phi;
      touched = 1;
    }
  }
  double dv = s->slow_flux.volume * dt, do2 = s->slow_flux.o2 * dt;
  if (dv != 0.0 || do2 != 0.0) {
    double csum = 0.0;
    for (int k = 0; k < s->nvrow; k++)
      if (s->vrow[k].kic == 0.0) csum += s->vrow[k].c;
    for (int k = 0; k < s->nvrow && csum > 0; k++) {
      const vessel_row *r = &s->vrow[k];
      if (r->kic != 0.0) continue;
      int i = r->i;
      double w = r->c / csum, v = s->y[i], vn = v + w * dv;
      if (!(vn > 0.05 * v))
        return hs_err_set(err, HS_ERR_NONPHYSICAL,
                          "t=%.1f s: fluid balance: removing %.1f mL would empty '%s' "
                          "(%.1f mL); blood loss or urine far exceeds the blood volume",
                          s->t, -w * dv, hs_plan_node_name(pl, (size_t)i), v);
      double c = s->y[pl->yo2 + i] / v;
      s->y[pl->yo2 + i] += w * do2 * c;
      if (s->y[pl->yo2 + i] < 0) s->y[pl->yo2 + i] = 0.0;
      if (pl->ntr) s->y[pl->ytr + i] *= vn / v;
      s->y[i] = vn;
    }
    s->fluid_moved += dv;
    touched = 1;
  }
  if (touched) {
    double hb = s->pfx.hb;
    modules_effect(s);
    if (s->pfx.hb != hb) hs_sim_refresh_derived(s); /* the lungs' end-capillary O2 content */
    if (dv != 0.0 || s->pfx.hb != hb) s->dirty = 1;
  }
  return HS_OK;
}

/* Settled enough for a macro step of the slow states: every fast state's beat-to-beat
   change within this many times its steady-state tolerance. */
#ifndef SLOW_SETTLE_RES
#define SLOW_SETTLE_RES 10.0
#endif
/* Every module's beat-end update; a changed effect restarts the integrator.  Then the
   slow states' rates over the beat, and (unless held) one Euler step of length T. */
static hs_status modules_beat(hs_sim *s, const double *m, double T, hs_err *err) {
  int hold = s->slow_frozen || s->p[s->pl->solver + SOLVER_SLOW_HOLD] != 0;
  const hs_plan *pl = s->pl;
  double *vo2 = s->bx + pl->nn + pl->ne; /* the vessels' demand over the beat */
  for (int n = 0; n < pl->nvo2; n++) vo2[n] = hs_sim_vo2(s, n) * 60.0;
  hs_physio_tone fx = {1, 1, 1, 1, 0, 0, 0};
  if (s->ntmod) tone_at(s, s->y, &fx);
  double ees_lv = bparams(s, pl->node_block[pl->lv])[CHAMBER_EES] *
                  ventricle_ees_factor(1, &fx, &s->pfx);
  double ees_rv = bparams(s, pl->node_block[pl->rv])[CHAMBER_EES] *
                  ventricle_ees_factor(0, &fx, &s->pfx);
  hs_physio_beat b = {pl, s->p, s->t, m, s->bx, s->bx + pl->nn, hold,
                      s->kin, s->site + (s->nhist - 1) % HIST * 3 * pl->nn + pl->nn,
                      s->slow_frozen > 0, s->y, s->gases_fresh, s->res_fast, vo2, ees_lv, ees_rv,
                      hs_sim_pattern_period(s), s->verified};
  s->gases_fresh = 0;
  int changed = 0, moving = 0, j = 0;
  s->slow_flux.volume = s->slow_flux.o2 = 0.0;
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    void *st = s->mstate + s->mofs[k];
    if (md->beat) changed |= md->beat(st, &b);
    if (md->moving) moving |= md->moving(st);
    if (md->rates && md->nslow) {
      hs_physio_flux f = {0.0, 0.0};
      for (int i = 0; i < md->nslow; i++) s->slow_decay[j + i] = 0.0;
      md->rates(st, &b, s->slow_rate + j, s->slow_decay + j, &f);
      s->slow_flux.volume += f.volume;
      s->slow_flux.o2 += f.o2;
    }
    j += md->nslow;
  }
  s->ctl_moving = moving;
  /* every beat: effects that leave the right-hand side alone (the lung water's shunt)
     follow their module continuously; a changed factor restarts the integrator */
  double venous = s->pfx.venous_volume;
  modules_effect(s);
  if (s->pfx.venous_volume != venous) { /* the capacitance veins' unstressed volume moved */
    hs_sim_refresh_derived(s);
    changed = 1;
  }
  if (changed) s->dirty = 1;
  return hold ? HS_OK : slow_apply(s, T, err);
}

/*
 * Macro step of the slow states (solver.slow_step > 0; docs/model.md, "Slow states").
 * At a beat end where the fast states have been within their steady-state tolerances
 * for solver.slow_settle_beats beats in a row (and no controller is moving), time jumps
 * by D: the slow states advance with the last beat's rates, the circulation keeps its
 * periodic state (plus the volume added), and the next beats re-settle it.  D is at
 * most slow_step, ends before the next scheduled event and leaves solver.window_beats
 * + 2 beats before the end of the current run (the summary averages beats after it); each slow state changes by at most
 * slow_max_change x (|x| + scale) and the blood volume by at most slow_max_volume.
 * Samples inside the jump are skipped; beats are not counted for it.
 */
static hs_status slow_jump(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  if (sv[SOLVER_SLOW_STEP] <= 0 || s->slow_frozen || sv[SOLVER_SLOW_HOLD] != 0 || !s->nslow ||
      s->ctl_moving)
    return HS_OK;
  /* An LV that does not eject fills from the bronchial circulation over about an hour
     (docs/model.md 4.8), a mode of the circulation itself: a jump that held it still while
     the clock moved on left the run behind its filling.  Its pool's drift over the last
     beat is advanced with the slow states (exponential step, the decay from the drifts at
     two jumps); a model without a separate pool is integrated beat by beat. */
  int lv_fills = hs_one_way_filling(s->hist + ((s->nhist - 1) % HIST) * s->nm) & HS_FILL_LV;
  double lh_v = 0.0, lh_r = 0.0;
  if (lv_fills) {
    if (!hs_lh_pool(s, s->lh_mask)) {
      s->slow_held += s->brr;
      return HS_OK;
    }
    lh_v = hs_lh_volume(pl, s->lh_mask, s->y);
    int have = s->lh_at == s->beats;
    lh_r = have ? (lh_v - s->lh_vprev) / s->brr : 0.0;
    s->lh_vprev = lh_v;
    s->lh_at = s->beats + 1;
    if (!have) return HS_OK; /* the drift needs the beat before */
  } else {
    s->lh_at = 0;
  }
  if (s->slow_calm < (int)sv[SOLVER_SLOW_SETTLE]) return HS_OK;
  double rr = s->brr > 0.1 ? s->brr : 0.1;
  double d = sv[SOLVER_SLOW_STEP];
  /* the summary window of the run (solver.window_beats) lies after the last jump */
  double tail = (sv[SOLVER_WINDOW] + 2.0) * rr;
  if (s->adv_end - s->t - tail < d) d = s->adv_end - s->t - tail;
  if (s->evnext < s->nev && s->ev[s->evnext].t - s->t < d) d = s->ev[s->evnext].t - s->t;
  int j = 0, moving = 0;
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    const double *x = slow_of(s, k);
    for (int i = 0; i < md->nslow; i++, j++) {
      double r = fabs(s->slow_rate[j]);
      if (r == 0.0) continue;
      moving = 1;
      double lim = sv[SOLVER_SLOW_MAX_CHANGE] * (fabs(x[i]) + md->slow[i].scale) / r;
      if (lim < d) d = lim;
    }
  }
  double fv = fabs(s->slow_flux.volume);
  if (fv > 0) {
    moving = 1;
    if (sv[SOLVER_SLOW_MAX_VOLUME] / fv < d) d = sv[SOLVER_SLOW_MAX_VOLUME] / fv;
  }
  if (lv_fills && lh_r != 0.0) {
    moving = 1;
    if (sv[SOLVER_SLOW_MAX_VOLUME] / fabs(lh_r) < d) d = sv[SOLVER_SLOW_MAX_VOLUME] / fabs(lh_r);
  }
  if (!moving || d < 2.0 * rr) return HS_OK; /* nothing to jump, or not worth it */
  hs_status st = slow_apply(s, d, err);
  if (st) return st;
  if (lv_fills) {
    /* the mode's decay from the secant of two jumps' drifts (it relaxes towards the
       balance: the drift falls as the pool fills); forward until there are two */
    if (s->lh_moved != 0.0 && fabs(lh_v - s->lh_jv) > 0.5) {
      double g = (lh_r - s->lh_jr) / (lh_v - s->lh_jv);
      if (g < 0) s->lh_k = -g;
    }
    double x = s->lh_k * d, dv = lh_r * d * (x > 1e-9 ? -expm1(-x) / x : 1.0);
    s->lh_jv = lh_v, s->lh_jr = lh_r;
    hs_lh_shift(s, s->lh_mask, s->lh_mask + pl->nn, dv);
    s->lh_moved += dv;
    s->lh_at = 0;
  }
  /* The blood's CO2 pool (production against ventilation and sweep gas) relaxes over
     minutes, as long as a jump: held where the jump found it, it lagged the slow states
     that move it (the infused fluid, the tissue stores) by the whole jump (severe shock on
     ECMO 4 L/min with fluids, 20 min: PaCO2 36.0 against 32.5 mmHg beat by beat; 31.9
     with the balance).  So it jumps to its balance for the last beat's flows, as the
     steady-state search puts it (docs/model.md, "Macro steps"); not within a pattern of
     beats (an IABP at 1:n), whose last beat's flows are not its mean (the search's
     balance from one beat of IABP 1:2 on ECMO 1 L/min: PaCO2 19.6 against 45.6 mmHg) */
  if (hs_sim_pattern_period(s) == 1) s->pl->tx->equilibrate(s, 0);
  s->t += d;
  s->bt0 += d; /* the beat just ended moves with the clock (timing of its tail) */
  while (s->sample_fn && s->next_sample < s->t) s->next_sample += s->sample_dt;
  memcpy(s->y_prev_ed, s->y, (size_t)pl->ny * sizeof(double));
  s->dirty = 1;
  s->slow_calm = 0;
  s->slow_jumps++;
  s->slow_jumped += d;
  memo_reset(s);
  return HS_OK;
}

/*
 * The O2 and tracer contents follow the volumes the integrator moved since they were
 * last advanced (transport_step), at the latest every TRANSPORT_STEPS steps, at every
 * beat end, before parameter changes and whenever control returns to the caller; in
 * between, interpolated samples see the contents of the last advance.
 */
#ifndef TRANSPORT_STEPS
#define TRANSPORT_STEPS 3
#endif
static hs_status transport_flush(hs_sim *s, hs_err *err) {
  if (!s->tr_open) return HS_OK;
  hs_status st = s->ot->quad(s->ode, s->q, err);
  if (st) return st;
  if (s->rep_on) hs_replay_record(s, s->vstart, s->t - s->tr_t0);
  s->pl->tx->step(s, s->vstart, s->t - s->tr_t0);
  memcpy(s->qprev, s->q, (size_t)s->pl->nq_ode * sizeof(double));
  s->tr_open = 0;
  return HS_OK;
}

static hs_status end_of_beat(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  hs_status st = transport_flush(s, err);
  if (st == HS_OK) st = s->ot->quad(s->ode, s->q, err);
  if (st) return st;
  long row = s->nhist % HIST;
  double *m = s->hist + row * s->nm;
  end_diastolic_pressure(s);
  hs_sim_finish_beat(s, m, s->site + row * 3 * pl->nn);
  s->nhist++;
  s->beats++;
  hs_sim_steady_measure(s);
  s->slow_calm = s->res_fast < SLOW_SETTLE_RES && !s->ctl_moving ? s->slow_calm + 1 : 0;
  {
    double T = s->t - s->acc.t0, *kin = s->kin; /* beat-mean CO2 contents (modules, gases) */
    for (int i = 0; i < pl->nn; i++) kin[i] = (s->q[pl->q_k + i] - s->acc.q0[pl->q_k + i]) / T;
    if ((st = modules_beat(s, m, T, err)) != HS_OK) return st;
    if (isfinite(m[HS_M_BE])) s->be = m[HS_M_BE]; /* lactate consumes bicarbonate */
    pl->tx->gas_exchange(s, T, kin);
  }
  memcpy(s->y_prev_ed, s->y, (size_t)pl->ny * sizeof(double));
  if (s->beat_fn && s->beat_fn(s->beats, s->t, m, s->beat_ud))
    return hs_err_set(err, HS_ERR_STATE, "t=%.4f s: stopped by the beat callback", s->t);
  if ((st = slow_jump(s, err)) != HS_OK) return st;
  start_beat(s);
  begin_accumulation(s);
  return HS_OK;
}

/* ------------------------------------------------------------- stepping -- */

static hs_status check_state(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  /* the common case in one branch-free pass (NaN fails both comparisons), the message
     from the loops below */
  int ok = 1;
  for (int i = 0; i < pl->nn; i++) ok &= (s->y[i] >= 0.0) & (s->y[i] <= DBL_MAX);
  for (int j = 0; j < s->nfrow; j++) ok &= fabs(s->y[s->frow[j].k]) <= DBL_MAX;
  if (ok) return HS_OK;
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

/* heart.lv_relaxation_load_gain at the opening of the aortic valve (now): the LV's time to
   peak activation of this beat (hs_load_relaxation_tp, docs/model.md 2.2).  The load is the
   transmural pressure of the node the valve opens into, the isovolumic peak pressure that
   of the LV at its present volume at full activation, with this beat's contractility. */
static void lv_load_relaxation(hs_sim *s) {
  const hs_plan *pl = s->pl;
  double to = s->t - s->bt0;
  if (s->vtp_lv != s->vtp || !(to < s->vtp)) return; /* once per beat, before the peak */
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  double p_load = s->P[pl->eto[pl->av]] - thor;
  double cp[CHAMBER_NPARAM];
  memcpy(cp, bparams(s, pl->node_block[pl->lv]), sizeof cp);
  hs_physio_tone fx = {1, 1, 1, 1, 0, 0, 0};
  if (s->ntmod) tone_at(s, s->y, &fx);
  cp[CHAMBER_EES] *= ventricle_ees_factor(1, &fx, &s->pfx);
  double p_iso = hs_ventricle_pressure(s->y[pl->lv], 1.0, cp);
  s->lv_to = to;
  s->vtp_lv = hs_load_relaxation_tp(s->vtp, to, s->p[pl->heart + HEART_LV_RELAX_LOAD], p_load,
                                    p_iso);
  if (!s->acc.es_lv.done) s->acc.es_lv.t = s->bt0 + s->vtp_lv; /* the LV's end-systolic point */
}

static hs_status handle_roots(hs_sim *s) {
  const hs_plan *pl = s->pl;
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
      if (v == pl->vav) {
        s->acc.av_opened = 1;
        if (s->p[pl->heart + HEART_LV_RELAX_LOAD] > 0.0) {
          evaluate(s, s->t, s->y, s->P, s->Q); /* the node pressures it reads (they do not
                                                  depend on the valve modes) */
          lv_load_relaxation(s);
        }
      }
    }
  }
  memo_reset(s);
  s->dirty = 1;
  return HS_OK;
}

/* A failed step, or a device that reported an error (its message wins: the
   integrator only saw a failing right-hand side). */
static hs_status device_failure(hs_sim *s, hs_status st, hs_err *err) {
  s->broken = 1;
  if (!s->dev_failed) return st;
  if (err) *err = s->dev_err;
  return s->dev_err.code ? s->dev_err.code : HS_ERR_STATE;
}

/*
 * Stiffness watch (docs/numerics.md, "Stiffness").  Legal parameters can make the
 * circuit so stiff that the explicit integrator crawls (every systemic bed at its
 * minimum resistance: ~5 M steps per simulated second, hours for a steady state).
 * Every STIFF_WINDOW steps the mean rate is compared with solver.stiff_steps_per_s;
 * above it the run stops with an error that names the compartment with the shortest
 * time constant C / (sum of its resistor conductances) and says what to do.
 */
#define STIFF_WINDOW 20000
static hs_status stiffness_watch(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  double lim = s->p[pl->solver + SOLVER_STIFF_STEPS], span = s->t - s->sw_t0;
  long n = s->sw_steps;
  s->sw_steps = 0;
  s->sw_t0 = s->t;
  if (!(lim > 0) || span * lim >= (double)n) return HS_OK;
  int worst = -1, worst_e = -1;
  double tau_min = INFINITY;
  for (int k = 0; k < s->nvrow; k++) {
    int i = s->vrow[k].i, ebest = -1;
    double g = 0.0, rmin = INFINITY;
    for (int e = 0; e < pl->ne; e++) {
      if (pl->edge_kind[e] != HS_EK_RESISTOR || (pl->efrom[e] != i && pl->eto[e] != i)) continue;
      g += 1.0 / s->r_fixed[e];
      if (s->r_fixed[e] < rmin) rmin = s->r_fixed[e], ebest = e;
    }
    double tau = g > 0 ? s->vrow[k].c / g : INFINITY;
    if (tau < tau_min) tau_min = tau, worst = i, worst_e = ebest;
  }

  return hs_err_set(err, HS_ERR_SOLVER,
                    "t=%.4f s: the circuit is too stiff for the %s integrator: %ld steps in the "
                    "last %.3g simulated s (%.3g per s, limit solver.stiff_steps_per_s = %g); "
                    "shortest time constant %.3g s in '%s' (compliance / conductance of its "
                    "resistors%s%s%s). Check for a very small resistance next to a small "
                    "compliance (a parameter at the edge of its range); a stiff integrator "
                    "(solver.method: bdf) takes larger steps",
                    s->t, s->ot->name, n, span, span > 0 ? (double)n / span : INFINITY, lim,
                    tau_min, worst >= 0 ? hs_plan_node_name(pl, (size_t)worst) : "?",
                    worst_e >= 0 ? "; smallest: '" : "",
                    worst_e >= 0 ? hs_plan_edge_name(pl, (size_t)worst_e) : "",
                    worst_e >= 0 ? "'" : "");
}

/* Advance to exactly t_end, handling beats, events, valves and samples. */
static hs_status advance_loop(hs_sim *s, double t_end, long beat_limit, hs_err *err);
static hs_status advance_to(hs_sim *s, double t_end, long beat_limit, hs_err *err) {
  s->adv_end = beat_limit > 0 ? -INFINITY : t_end; /* no macro steps in counted beats */
  hs_status st = advance_loop(s, t_end, beat_limit, err);
  return st != HS_OK ? st : transport_flush(s, err);
}

static hs_status advance_loop(hs_sim *s, double t_end, long beat_limit, hs_err *err) {
  hs_status st;
  if (s->broken)
    return hs_err_set(err, HS_ERR_STATE,
                      "t=%.4f s: the simulation stopped on an earlier error and cannot continue",
                      s->t);
  long beat_goal = s->beats + beat_limit, stalled = 0;
  while (s->t < t_end && (beat_limit <= 0 || s->beats < beat_goal)) {
    /* apply due events (the contents first move with the old parameters) */
    if (s->evnext < s->nev && s->ev[s->evnext].t <= s->t + 1e-12 &&
        (st = transport_flush(s, err)) != HS_OK)
      return st;
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
    if (!s->tr_open) { /* the contents follow the volumes moved from here */
      memcpy(s->vstart, s->y, (size_t)s->pl->nn * sizeof(double));
      s->tr_t0 = s->t, s->tr_open = 1, s->tr_steps = 0;
    }
    st = s->ot->step(s->ode, stop, &s->t, s->y, &what, s->roots, err);
    if (st || s->dev_failed) return device_failure(s, st, err);
    if ((st = check_state(s, err)) != HS_OK) return st;
    if (++s->tr_steps >= TRANSPORT_STEPS && (st = transport_flush(s, err)) != HS_OK) return st;
    if (++s->sw_steps >= STIFF_WINDOW && (st = stiffness_watch(s, err)) != HS_OK) return st;
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

/* After the state changed at a beat start: the heart timing of the current beat follows
   the new reflex state, the beat's accumulators restart, the valve modes and the
   integrator are renewed, and the steady-state test compares with the new state. */
void hs_sim_state_changed(hs_sim *s) {
  double pbt0 = s->pbt0, pbrr = s->pbrr, pvtp = s->pvtp, pvtr = s->pvtr;
  double pvtpl = s->pvtp_lv, plvto = s->plv_to;
  int synced = 0; /* the modules' own states that follow the continuous ones */
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->state_set) md->state_set(s->mstate + s->mofs[k], s->pl, s->y), synced = 1;
  }
  if (synced) modules_effect(s);
  s->pl->tx->end_capillary(s); /* from the gas PCO2s just set */
  start_beat(s); /* recomputes this beat's timing; the previous beat's is kept */
  s->pbt0 = pbt0, s->pbrr = pbrr, s->pvtp = pvtp, s->pvtr = pvtr;
  s->pvtp_lv = pvtpl, s->plv_to = plvto;
  s->dirty = 1;
  set_valve_modes(s);
  begin_accumulation(s);
  memcpy(s->y_prev_ed, s->y, (size_t)s->pl->ny * sizeof(double));
}

/* ------------------------------------------------ read-outs that evaluate -- */

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
