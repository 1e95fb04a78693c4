/*
 * physio/transport.c - O2, ECMO-blood tracer and CO2 transport between the nodes and
 * gas exchange in the lungs and membrane lungs (docs/model.md 2.13, 2.19;
 * docs/numerics.md, "Oxygen transport").  It owns the end-capillary contents, the
 * per-step advance of the contents over the volumes the integrator moved
 * (transport_step, called by the engine's stepping loop in model/sim.c), the
 * quasi-steady alveolar and membrane-lung PCO2 after every beat (gas_exchange), the
 * O2/CO2 warm start the steady-state search uses (equilibrate), the contents at the
 * start of a run and the O2, CO2 and acid-base metrics of every beat.  It is the
 * physiological module `oxygen` (its parameter block too) and reaches the engine only
 * through its hs_physio_transport hooks (physio/module.h); like the engine's own files
 * it works on the simulation's private state (model/sim_internal.h).
 */
#include <math.h>
#include <string.h>

#include "hemosim/co2.h"
#include "hemosim/oxygen.h"
#include "model/sim_internal.h"
#include "physio/module.h"

static const hs_param_spec OXY[OXY_NPARAM] = {
    [OXY_HB] = {"hemoglobin", HS_DIM_HB, 14, 3, 25, 0, "haemoglobin concentration",
                "WHO 2011", NULL},
    [OXY_FIO2] = {"fio2", HS_DIM_NONE, 0.21, 0.21, 1.0, 0, "inspired O2 fraction",
                  "patient setting: 0.21 = room air", NULL},
    [OXY_SHUNT] = {"shunt_fraction", HS_DIM_NONE, 0.02, 0, 1, 0,
                   "intrapulmonary shunt: fraction of pulmonary blood flow not oxygenated",
                   "West, Respiratory Physiology", NULL},
    [OXY_PACO2] = {"paco2", HS_DIM_PRESSURE, 40, 10, 150, 0,
                   "PaCO2 of the alveolar gas equation (O2), and the alveolar PCO2 the CO2 "
                   "transport starts from (docs/model.md 2.19)",
                   "normal PaCO2 (West, Respiratory Physiology)", NULL},
    [OXY_RQ] = {"respiratory_quotient", HS_DIM_NONE, 0.8, 0.6, 1.2, 0,
                "respiratory quotient (alveolar gas equation)",
                "West, Respiratory Physiology (0.8 on a mixed diet)", NULL},
    [OXY_PB] = {"barometric_pressure", HS_DIM_PRESSURE, 760, 500, 800, 0,
                "barometric pressure", "sea level (standard atmosphere)", NULL},
    [OXY_VA] = {"alveolar_ventilation", HS_DIM_FLOW, 4500.0 / 60.0, 0, 50000.0 / 60.0, 0,
                "alveolar ventilation (BTPS), anatomical dead space excluded; 4.5 L/min gives "
                "PaCO2 ~40 mmHg at VCO2 200 mL/min (PACO2 = 0.863 VCO2 / VA)",
                "alveolar ventilation equation (West, Respiratory Physiology)", NULL},
    [OXY_VDALV] = {"alveolar_dead_space", HS_DIM_NONE, 0.05, 0, 0.9, 0,
                   "fraction of the alveolar ventilation reaching unperfused alveoli: "
                   "end-tidal PCO2 = (1 - f) PACO2",
                   "model choice (normal PaCO2 - EtCO2 gradient 2-5 mmHg)", NULL},
};

const hs_block_type hs_type_oxygen = {"oxygen", HS_BLOCK_GLOBAL, OXY, OXY_NPARAM,
                                      "Haemoglobin, inspired O2, lung shunt (docs/oxygen.md).", NULL};


extern const hs_physio_module hs_physio_oxygen;
/* The oxygen block's parameters. */
static inline const double *oxy_block(const hs_sim *s) {
  return s->p + hs_physio_module_block(s->pl, &hs_physio_oxygen);
}

/* Haemoglobin of the blood now, g/dL: the oxygen block's, times the modules' factor
   (dilution and transfusion, physio/fluids.c). */
static inline double hb_now(const hs_sim *s) {
  return oxy_block(s)[OXY_HB] * s->pfx.hb;
}

/* The gas PCO2s are states (y[plan->ygas...], plan.c): the alveolar PCO2 of the perfused
   alveoli, then that of each device's membrane lung (mmHg); set after every beat. */
#define PACO2(s) ((s)->y[(s)->pl->ygas])
#define PCO2M(s, d) ((s)->y[(s)->pl->ygas + 1 + (d)])

/* Intrapulmonary shunt: the oxygen block's plus what the modules add (lung water). */
static inline double lung_shunt(const hs_sim *s) {
  double sh = oxy_block(s)[OXY_SHUNT] + s->pfx.shunt;
  return sh < 0 ? 0.0 : sh > 1 ? 1.0 : sh;
}

#define O2_CRIT 0.02 /* mL O2 per mL blood (2 mL/dL) below which consumption is supply-limited */

/* The share of its O2 consumption a vessel of O2 content c (mL/mL) gets:
   g(x) = 1 - (1 - x)^3 below x = c / O2_CRIT < 1. */
static inline double o2_supply(double c) {
  double x = c / O2_CRIT;
  return x >= 1.0 ? 1.0 : x <= 0.0 ? 0.0 : 1.0 - (1 - x) * (1 - x) * (1 - x);
}

/* The steady O2 content c of a node fed in mL O2/s, drained at out mL/s, consuming vo2
   mL/s when supplied: out c + vo2 g(c) = in, increasing in c (bisection below O2_CRIT,
   where the consumption is supply-limited, as in the transport). */
static double supplied_content(double in, double out, double vo2) {
  if (!(in > 0.0)) return 0.0;
  if (in >= out * O2_CRIT + vo2) return (in - vo2) / out;
  double lo = 0.0, hi = O2_CRIT;
  for (int it = 0; it < 60; it++) {
    double mid = 0.5 * (lo + hi);
    if (out * mid + vo2 * o2_supply(mid) > in)
      hi = mid;
    else
      lo = mid;
  }
  return 0.5 * (lo + hi);
}

/* The O2 the ventilation of the perfused alveoli brings (mL/s STPD): FiO2 x VA (1 - alveolar
   dead space) converted from BTPS, (Pb - 47) / 863 (co2.h).  The native lungs cannot take up
   more (docs/oxygen.md, "Ventilation limit"): at 4.5 L/min of room air ~740 mL/min,
   far above any consumption, but with the lungs rested on VA-ECMO (a few hundred mL/min
   of ventilation) it is what limits the blood leaving them. */
static inline double lung_o2_in(const hs_sim *s) {
  const double *ox = oxy_block(s);
  return ox[OXY_FIO2] * ox[OXY_VA] * (1.0 - ox[OXY_VDALV]) * (ox[OXY_PB] - HS_PH2O_MMHG) /
         HS_CO2_BTPS;
}

/* The share of the end-capillary uptake the native lungs deliver: 1, or less when that
   uptake at the last beat's mean flows (s->qmean) and contents c (NULL: the state's)
   would exceed lung_o2_in.  Over a beat, not a step: the alveolar gas (functional
   residual capacity, ~0.4 L of O2) buffers the pulsatile pulmonary flow; the transport
   uses the share end_capillary sets at each beat end (s->lung_scale). */
static double lung_o2_scale(const hs_sim *s, const double *c, double c_ec, double shunt) {
  const hs_plan *pl = s->pl;
  double want = 0.0, o2max = lung_o2_in(s);
  for (int n = 0; n < pl->ngas; n++) {
    int e = pl->gas_edges[n], a = pl->efrom[e];
    double ca = c ? c[a] : s->y[pl->yo2 + a] / s->y[a];
    if (c_ec > ca) want += s->qmean[2 * e] * (1.0 - shunt) * (c_ec - ca);
  }
  return want > o2max ? o2max / want : 1.0;
}

/*
 * Transport of O2 and of the ECMO-blood tracer over the integrator's last step
 * (t0, t0 + h] (docs/numerics.md, "Oxygen transport"): once per step, not in every
 * stage, because the contents change over minutes while the volumes change within a
 * beat.  The volume every connection carried in the step is exact: the integrator's
 * quadratures of Q and |Q| give the forward volume (int|Q| + int Q)/2 and the
 * backward volume (int|Q| - int Q)/2 (device paths: their net volume).  Each volume
 * carries the content of the node it leaves (upwind); the lungs and membrane lungs
 * change the content on the way, systemic capillaries clear the tracer, vessels
 * consume O2 (supply-limited below O2_CRIT: g(x) = 1 - (1 - x)^3 for x < 1).  In
 * time the contents advance by Heun's method (the strong-stability-preserving
 * second-order Runge-Kutta method, Shu & Osher 1988, J Comput Phys 77:439): an Euler
 * step with the contents at the start, a second with the contents it predicts at the
 * end, and the mean of the two.  The node volumes change by the sums of the same
 * volumes, so a uniform content stays uniform and O2 is conserved to rounding.  A step
 * that would carry more than half of a node's volume out of it is cut into substeps
 * (node volumes interpolated linearly), which keeps every content non-negative.
 * Beat-mean contents use the trapezoidal rule over the (sub)steps.
 */

/* End-capillary O2 and CO2 contents of the lungs (O2: alveolar gas equation; CO2 at the
   current alveolar PCO2 and the end-capillary saturation: the Haldane effect), and
   the CO2 content of blood leaving each membrane lung at its gas PCO2. */
static void end_capillary(hs_sim *s) {
  const double *ox = oxy_block(s);
  double hb = hb_now(s);
  /* the alveolar gas equation at the simulated alveolar PCO2 (hypoventilation lowers
     PAO2: docs/model.md 2.13, 2.19) */
  double pao2 = hs_o2_alveolar_po2(ox[OXY_FIO2], ox[OXY_PB], PACO2(s), ox[OXY_RQ]);
  s->c_ec = 0.01 * hs_o2_content(hb, pao2);
  s->lung_scale = lung_o2_scale(s, NULL, s->c_ec, lung_shunt(s));
  s->k_ec = 0.01 * hs_co2_content(PACO2(s), s->be, hb, hs_o2_saturation(pao2));
  for (int d = 0; d < s->pl->nd; d++)
    s->kout[d] = 0.01 * hs_co2_content(PCO2M(s, d), s->be, hb, hs_o2_saturation(s->po2out[d]));
}

/* The share of its outlet-law O2 uptake that device d's membrane lung can deliver over
   a time dt: 1, or less when that uptake would exceed the O2 its sweep gas brings in dt
   (FdO2 x sweep x dt; at a sweep of 0.1 L/min of oxygen, 100 mL/min).  The volume
   through device flow j is w (a[j] - b[j]) (a stage: the quadratures' increments), or
   a[j] when b is NULL (a mean flow over dt = 1 s). */
static double o2_gas_scale(const hs_sim *s, int d, const double *c, double cout,
                           const double *a, const double *b, double w, double dt) {
  const hs_plan *pl = s->pl;
  double o2max = s->sweep[pl->nd + d], add = 0.0;
  if (o2max < 0.0) return 1.0;
  const hs_device_type *dev = pl->dev_type[d];
  const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
  for (int n = 0; n < dev->nflows; n++) {
    int j = pl->dev_flow_ofs[d] + n;
    double dv = b ? w * (a[j] - b[j]) : a[j];
    if (!(dv > 0) || !(dev->flows[n].flags & HS_DFLOW_OXYGENATE)) continue;
    double ci = c[ports[dev->flows[n].from_port]];
    if (cout > ci) add += dv * (cout - ci);
  }
  return add > o2max * dt ? o2max * dt / add : 1.0;
}

/* The O2 content blood of content cin leaves a membrane lung with: the outlet law's cout,
   never less than it brought (with little or no sweep gas the law falls below the venous
   PO2, where the stagnant gas would in fact equilibrate with the blood: no transfer),
   and, with scale < 1, no more than the sweep gas brings (o2_gas_scale). */
static inline double oxygenated(double cin, double cout, double scale) {
  return cout > cin ? (scale < 1.0 ? cin + scale * (cout - cin) : cout) : cin;
}

/* One Euler stage: O2, tracer and CO2 changes dm, dmt, dk (fraction w of the step's
   volumes, duration hw) from contents c, f, k; adds weight x the fluxes to the
   quadratures.  CO2 rides on the same volumes: the lungs and membrane lungs give it
   their end-capillary / outlet content, the consuming vessels add RQ x their O2 use. */
static void transport_euler(hs_sim *s, double w, double hw, double weight, const double *c,
                            const double *f, const double *k, double *dm, double *dmt,
                            double *dk) {
  const hs_plan *pl = s->pl;
  const int tr = pl->ntr > 0;
  const double *q1 = s->q, *q0 = s->qprev;
  const double *vf = s->vfwd, *vb = s->vbwd;
  double hb = hb_now(s), c_ec = s->c_ec, k_ec = s->k_ec, shunt = lung_shunt(s);
  double lung = 0.0, oxy = 0.0, cons = 0.0, klung = 0.0, *qf = s->q + pl->q_flux;
  for (int i = 0; i < pl->nn; i++) dm[i] = dmt[i] = dk[i] = 0.0;
  for (int e = 0; e < pl->ne; e++) {
    int ia = pl->efrom[e], ib = pl->eto[e];
    double fw = w * vf[e], bw = w * vb[e];
    double j = fw * c[ia] - bw * c[ib], jk = fw * k[ia] - bw * k[ib];
    dm[ia] -= j, dm[ib] += j;
    dk[ia] -= jk, dk[ib] += jk;
    qf[e] += weight * j;
    if (tr) {
      double jf = fw * f[ia], jb = bw * f[ib];
      dmt[ia] += jb - jf;
      dmt[ib] += (pl->edge_bed[e] ? 0.0 : jf) - jb; /* the label is lost in capillaries */
    }
  }
  /* forward flow through the lungs exchanges gas: the perfused part leaves at the
     end-capillary content, or with less O2 when the ventilation brings less than that
     uptake (lung_o2_in), never with less than it brought (oxygenated: the inspired PO2,
     >= 95 mmHg within the oxygen block's ranges, is above the blood's) */
  double lscale = s->lung_scale;
  for (int n = 0; n < pl->ngas; n++) {
    int e = pl->gas_edges[n], a = pl->efrom[e];
    double up = w * vf[e] * (1.0 - shunt) * (oxygenated(c[a], c_ec, lscale) - c[a]);
    double upk = w * vf[e] * (1.0 - shunt) * (k_ec - k[a]);
    dm[pl->eto[e]] += up;
    dk[pl->eto[e]] += upk;
    lung += up;
    klung -= upk;
  }
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
    double cout = 0.01 * hs_o2_content(hb, s->po2out[d]), kout = s->kout[d], koxy = 0.0;
    double scale = o2_gas_scale(s, d, c, cout, q1 + pl->q_fd, q0 + pl->q_fd, w, hw);
    for (int n = 0; n < dt->nflows; n++) {
      int j = pl->dev_flow_ofs[d] + n;
      double dv = w * (q1[pl->q_fd + j] - q0[pl->q_fd + j]);
      int fwd = dv >= 0;
      int ia = ports[fwd ? dt->flows[n].from_port : dt->flows[n].to_port];
      int ib = ports[fwd ? dt->flows[n].to_port : dt->flows[n].from_port];
      int oxg = fwd && (dt->flows[n].flags & HS_DFLOW_OXYGENATE);
      dv = fabs(dv);
      double c_ox = oxygenated(c[ia], cout, scale);
      double c_dst = oxg ? c_ox : c[ia], k_dst = oxg ? kout : k[ia];
      if (oxg) oxy += dv * (c_ox - c[ia]), koxy += dv * (k[ia] - kout);
      dm[ia] -= dv * c[ia], dm[ib] += dv * c_dst;
      dk[ia] -= dv * k[ia], dk[ib] += dv * k_dst;
      if (tr) dmt[ia] -= dv * f[ia], dmt[ib] += dv * (oxg ? 1.0 : f[ia]);
    }
    s->q[pl->q_koxy + d] += weight * koxy;
  }
  double rq = oxy_block(s)[OXY_RQ];
  for (int n = 0; n < pl->nvo2; n++) {
    int i = pl->vo2_nodes[n];
    double use = hs_sim_vo2(s, n) * o2_supply(c[i]) * hw;
    dm[i] -= use;
    dk[i] += rq * use * s->pfx.co2; /* less what the tissue stores take up (effect.co2) */
    cons += use;
  }
  s->q[pl->q_lung] += weight * lung;
  s->q[pl->q_oxy] += weight * oxy;
  s->q[pl->q_cons] += weight * cons;
  s->q[pl->q_klung] += weight * klung;
  s->q[pl->q_kprod] += weight * rq * cons;
}

/* Contents c = m / v, tracer fractions f and CO2 contents k of every node. */
static void contents(const hs_sim *s, const double *v, const double *m, const double *mt,
                     const double *mk, double *c, double *f, double *k) {
  for (int i = 0; i < s->pl->nn; i++) {
    double inv = 1.0 / (v[i] > 1e-9 ? v[i] : 1e-9);
    c[i] = m[i] * inv;
    f[i] = mt ? mt[i] * inv : 0.0;
    k[i] = mk[i] * inv;
  }
}

/* v0: node volumes at the start of the step; s->y holds the end of the step and the
   contents (advanced here); s->q the integrator's quadratures at the end of the step,
   s->qprev at its start. */
static void transport_step(hs_sim *s, const double *v0, double h) {
  const hs_plan *pl = s->pl;
  const int nn = pl->nn, tr = pl->ntr > 0;
  const double *q1 = s->q, *q0 = s->qprev, *v1 = s->y;
  double *m = s->y + pl->yo2, *mt = tr ? s->y + pl->ytr : NULL, *mk = s->y + pl->yco2;
  double *vf = s->vfwd, *vb = s->vbwd, *out = s->trscratch;
  double *c = s->c, *f = s->f, *k = s->k, *w1 = s->tws, *dm1 = w1 + nn, *dmt1 = w1 + 2 * nn,
         *dm2 = w1 + 3 * nn, *dmt2 = w1 + 4 * nn, *mp = w1 + 5 * nn, *mtp = w1 + 6 * nn,
         *vk = w1 + 7 * nn, *dk1 = w1 + 8 * nn, *dk2 = w1 + 9 * nn, *mkp = w1 + 10 * nn;
  for (int i = 0; i < nn; i++) out[i] = 0.0;
  for (int e = 0; e < pl->ne; e++) {
    double net = q1[pl->q_q + e] - q0[pl->q_q + e], tot = q1[pl->q_aq + e] - q0[pl->q_aq + e];
    /* int|Q| >= |int Q| holds exactly, but not always for the quadrature rule (a
       negative weight): then the flow went one way only, and vf - vb = net keeps the
       contents consistent with the volumes */
    if (tot < fabs(net)) tot = fabs(net);
    vf[e] = 0.5 * (tot + net), vb[e] = 0.5 * (tot - net);
    out[pl->efrom[e]] += vf[e];
    out[pl->eto[e]] += vb[e];
  }
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
    for (int n = 0; n < dt->nflows; n++) {
      int j = pl->dev_flow_ofs[d] + n;
      double dv = q1[pl->q_fd + j] - q0[pl->q_fd + j];
      out[ports[dv >= 0 ? dt->flows[n].from_port : dt->flows[n].to_port]] += fabs(dv);
    }
  }
  /* substeps: at most half of a node's volume leaves it in one */
  double courant = 0.0;
  for (int i = 0; i < nn; i++) {
    double vmin = v0[i] < v1[i] ? v0[i] : v1[i];
    double cr = out[i] / (vmin > 1e-9 ? vmin : 1e-9);
    if (cr > courant) courant = cr;
  }
  int nsub = courant <= 0.5 ? 1 : courant < 2000.0 ? (int)ceil(courant / 0.5) : 4000;
  double w = 1.0 / nsub, hw = h * w;
  double *qc = s->q + pl->q_c, *qt = s->q + pl->q_tr, *qk = s->q + pl->q_k;
  for (int i = 0; i < nn; i++) w1[i] = v0[i];
  contents(s, w1, m, mt, mk, c, f, k);
  for (int sub = 0; sub < nsub; sub++) {
    /* volumes at the end of this substep */
    double a = (double)(sub + 1) * w;
    const double *ve = v1;
    if (sub + 1 < nsub) {
      for (int i = 0; i < nn; i++) vk[i] = v0[i] + a * (v1[i] - v0[i]);
      ve = vk;
    }
    for (int i = 0; i < nn; i++) qc[i] += 0.5 * hw * c[i], qk[i] += 0.5 * hw * k[i];
    for (int i = 0; tr && i < nn; i++) qt[i] += 0.5 * hw * f[i];
    transport_euler(s, w, hw, 0.5, c, f, k, dm1, dmt1, dk1);
    for (int i = 0; i < nn; i++)
      mp[i] = m[i] + dm1[i], mtp[i] = tr ? mt[i] + dmt1[i] : 0.0, mkp[i] = mk[i] + dk1[i];
    contents(s, ve, mp, tr ? mtp : NULL, mkp, c, f, k);
    transport_euler(s, w, hw, 0.5, c, f, k, dm2, dmt2, dk2);
    for (int i = 0; i < nn; i++) m[i] += 0.5 * (dm1[i] + dm2[i]), mk[i] += 0.5 * (dk1[i] + dk2[i]);
    for (int i = 0; tr && i < nn; i++) mt[i] += 0.5 * (dmt1[i] + dmt2[i]);
    contents(s, ve, m, mt, mk, c, f, k);
    for (int i = 0; i < nn; i++) qc[i] += 0.5 * hw * c[i], qk[i] += 0.5 * hw * k[i];
    for (int i = 0; tr && i < nn; i++) qt[i] += 0.5 * hw * f[i];
  }
}

/*
 * PCO2 of a gas space exchanging with blood (docs/model.md 2.19): gas volume vg (mL),
 * ventilated by G (mL/s, no CO2 inspired), perfused by F (mL/s) with inflow CO2 flux Fc
 * (mL CO2/s); the blood leaves at the gas PCO2.  One implicit Euler step of length T
 * from p0: vg (P - p0) / 863 = T [Fc - F C(P) - G P / 863]; vg = 0 is the quasi-steady
 * balance.  The difference of the two sides increases with P: bracket and bisect.
 */
typedef struct gas_arg {
  double vg, p0, T, F, Fc, G, be, hb, so2;
} gas_arg;

static double gas_h(double p, const void *ud) {
  const gas_arg *a = ud;
  return a->vg * (p - a->p0) / HS_CO2_BTPS -
         a->T * (a->Fc - a->F * 0.01 * hs_co2_content(p, a->be, a->hb, a->so2) -
                 a->G * p / HS_CO2_BTPS);
}

static double gas_pco2(double vg, double p0, double T, double F, double Fc, double G,
                       double be, double hb, double so2) {
  if (!(F > 1e-9) && !(G > 1e-12)) return p0; /* nothing moves CO2 in or out */
  gas_arg a = {vg, p0, T, F, Fc, G, be, hb, so2};
  double lo = 0.0, hi = 128.0;
  while (gas_h(hi, &a) < 0 && hi < 1e4) lo = hi, hi *= 2.0;
  return hs_co2_root(gas_h, &a, lo, hi, 1e-7);
}

/* The alveolar and membrane-lung PCO2 after a beat of length T: the quasi-steady gas
   balance (no gas volume: the alveolar gas follows within seconds, and the PCO2 stays a
   function of the blood state, which the steady-state accelerator needs) from the beat's
   mean flows (s->qmean) and the mean contents `kin` of the nodes feeding them; then the
   end-capillary contents. */
static void gas_exchange(hs_sim *s, double T, const double *kin) {
  const hs_plan *pl = s->pl;
  const double *ox = oxy_block(s);
  double hb = hb_now(s), sh = lung_shunt(s), F = 0.0, Fc = 0.0;
  for (int n = 0; n < pl->ngas; n++) {
    int e = pl->gas_edges[n];
    double q = (1.0 - sh) * s->qmean[2 * e];
    F += q, Fc += q * kin[pl->efrom[e]];
  }
  double pao2 = hs_o2_alveolar_po2(ox[OXY_FIO2], ox[OXY_PB], PACO2(s), ox[OXY_RQ]);
  PACO2(s) = gas_pco2(0.0, PACO2(s), T, F, Fc,
                      ox[OXY_VA] * (1.0 - ox[OXY_VDALV]), s->be, hb, hs_o2_saturation(pao2));
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
    double Fd = 0.0, Fcd = 0.0;
    for (int n = 0; n < dt->nflows; n++) {
      double q = s->qmean[2 * pl->ne + pl->dev_flow_ofs[d] + n];
      if (!(dt->flows[n].flags & HS_DFLOW_OXYGENATE) || !(q > 0)) continue;
      Fd += q, Fcd += q * kin[ports[dt->flows[n].from_port]];
    }
    if (Fd > 1e-9 || s->sweep[d] > 0)
      PCO2M(s, d) = gas_pco2(0.0, PCO2M(s, d), T, Fd, Fcd, s->sweep[d], s->be, hb,
                             hs_o2_saturation(s->po2out[d]));
  }
  end_capillary(s);
}

/*
 * O2, tracer and CO2 warm start.  Blood gases settle with the washout time of the large
 * venous pools (minutes), much slower than the haemodynamics.  Once the volumes are
 * periodic, the steady contents for the last beat's mean flows solve a linear balance
 * per node, sum(in q c_in) = c_i sum(out q) + VO2_i (CO2: - RQ VO2_i g(c_i / c_crit), g
 * the supply limitation of the transport), solved here by
 * Gauss-Seidel sweeps; the state jumps there and integration continues, so the
 * remaining pulsatile correction takes a few beats instead of hundreds.  CO2 also sets
 * the PCO2 of the alveolar and membrane-lung gas, which in turn sets the content the
 * blood leaves with: outer iterations alternate the CO2 balance and the steady gas
 * balances (gas_exchange, quasi-steady) until the gas PCO2s together move < 1e-5 mmHg.
 */
static int gas_sweeps(hs_sim *s, double *c, double *f, double *k, int o2, int maxsweep) {
  const hs_plan *pl = s->pl;
  const double *ox = oxy_block(s);
  double hb = hb_now(s), c_ec = s->c_ec, k_ec = s->k_ec, shunt = lung_shunt(s), rq = ox[OXY_RQ];
  int nn = pl->nn, sweep;
  double *in_c = s->work_dy, *in_f = s->ydense, *in_k = s->kin, *out = s->trscratch;
  /* the outflows depend on the mean flows alone: summed once, in the order of the sweeps
     below; without o2 only the CO2 contents move (the O2 and tracer inflows are skipped) */
  for (int i = 0; i < nn; i++) out[i] = 0.0;
  for (int e = 0; e < pl->ne; e++) {
    out[pl->efrom[e]] += s->qmean[2 * e];
    out[pl->eto[e]] += s->qmean[2 * e + 1];
  }
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
    for (int n = 0; n < dt->nflows; n++) {
      double q = s->qmean[2 * pl->ne + pl->dev_flow_ofs[d] + n];
      out[ports[q >= 0 ? dt->flows[n].from_port : dt->flows[n].to_port]] += fabs(q);
    }
  }
  for (sweep = 0; sweep < maxsweep; sweep++) {
    for (int i = 0; i < nn; i++) in_k[i] = 0.0;
    if (o2)
      for (int i = 0; i < nn; i++) in_c[i] = in_f[i] = 0.0;
    /* the lungs' O2 uptake within what the ventilation brings (as transport_euler) */
    double lscale = o2 ? lung_o2_scale(s, c, c_ec, shunt) : 1.0;
    /* forward volume carries the upstream content downstream, backward volume the
       downstream content upstream: tidal (to-and-fro) exchange is kept */
    for (int e = 0; e < pl->ne; e++) {
      int a = pl->efrom[e], b = pl->eto[e], gas = pl->edge_gas[e];
      double qf = s->qmean[2 * e], qb = s->qmean[2 * e + 1];
      in_k[b] += qf * (gas ? (1.0 - shunt) * k_ec + shunt * k[a] : k[a]);
      in_k[a] += qb * k[b];
      if (!o2) continue;
      in_c[b] += qf * (gas ? (1.0 - shunt) * oxygenated(c[a], c_ec, lscale) + shunt * c[a] : c[a]);
      in_f[b] += pl->edge_bed[e] ? 0.0 : qf * f[a];
      in_c[a] += qb * c[b];
      in_f[a] += qb * f[b];
    }
    for (int d = 0; d < pl->nd; d++) {
      const hs_device_type *dt = pl->dev_type[d];
      const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
      double cout = o2 ? 0.01 * hs_o2_content(hb, s->po2out[d]) : 0.0;
      double scale = o2 ? o2_gas_scale(s, d, c, cout, s->qmean + 2 * pl->ne, NULL, 1.0, 1.0) : 1.0;
      for (int n = 0; n < dt->nflows; n++) {
        double q = s->qmean[2 * pl->ne + pl->dev_flow_ofs[d] + n];
        int fw = q >= 0;
        int a = ports[fw ? dt->flows[n].from_port : dt->flows[n].to_port];
        int b = ports[fw ? dt->flows[n].to_port : dt->flows[n].from_port];
        int oxg = fw && (dt->flows[n].flags & HS_DFLOW_OXYGENATE);
        q = fabs(q);
        in_k[b] += q * (oxg ? s->kout[d] : k[a]);
        if (!o2) continue;
        in_c[b] += q * (oxg ? oxygenated(c[a], cout, scale) : c[a]);
        in_f[b] += q * (oxg ? 1.0 : f[a]);
      }
    }
    double change = 0;
    for (int n = 0; n < pl->nvo2; n++) { /* CO2 production supply-limited as in the transport */
      int i = pl->vo2_nodes[n];
      double vo2 = hs_sim_vo2(s, n), ci = c[i];
      if (o2 && out[i] > 1e-9) { /* the content at which the node's O2 balances */
        ci = supplied_content(in_c[i], out[i], vo2);
        in_c[i] = ci * out[i];
      }
      in_k[i] += rq * vo2 * o2_supply(ci);
    }
    for (int i = 0; i < nn; i++) {
      if (out[i] <= 1e-9) continue; /* stagnant node: leave it as it is */
      if (o2) {
        double cn = in_c[i] / out[i], fn = in_f[i] / out[i];
        if (cn < 0) cn = 0;
        if (fabs(cn - c[i]) > change) change = fabs(cn - c[i]);
        c[i] = cn, f[i] = fn;
      }
      double kn = in_k[i] / out[i];
      if (fabs(kn - k[i]) > change) change = fabs(kn - k[i]);
      k[i] = kn;
    }
    if (change < 1e-12) break;
  }
  return sweep;
}

/* The CO2 the consuming vessels produce at O2 contents c (mL/s; supply-limited as in the
   transport). */
static double co2_production(const hs_sim *s, const double *c) {
  const hs_plan *pl = s->pl;
  double rq = oxy_block(s)[OXY_RQ], v = 0.0;
  for (int n = 0; n < pl->nvo2; n++)
    v += rq * hs_sim_vo2(s, n) * o2_supply(c[pl->vo2_nodes[n]]);
  return v;
}

/* The alveolar PCO2 the lungs' gas balance gives (gas_exchange) once the O2 and CO2
   contents are at their balance for alveolar PCO2 p: hypoxic_balance's function. */
static double gas_map(hs_sim *s, double p, double *c, double *f, double *k, double *kin) {
  PACO2(s) = p;
  end_capillary(s);
  gas_sweeps(s, c, f, k, 1, 2000);
  memcpy(kin, k, (size_t)s->pl->nn * sizeof(double));
  gas_exchange(s, 1.0, kin);
  return PACO2(s);
}

/* O2 and CO2 balanced together where the O2 supply limits consumption (docs/numerics.md,
   "Supply-limited gas balance"): the tissues then make less CO2, the alveolar PCO2
   falls and the alveolar PO2 rises, which the alternating solve of equilibrate, with the
   CO2 production held at the first O2 balance, misses (room air at an alveolar
   ventilation of 1 L/min: PaCO2 191 mmHg, no alveolar O2, contents emptied).  The gas
   map m(p) rises by less than p (the CO2 balance alone is a contraction) and falls
   with the O2 supply: m(p) - p decreases, and its root is bracketed and bisected. */
static void hypoxic_balance(hs_sim *s, double *c, double *f, double *k, double *kin) {
  double lo = 0.0, hi = PACO2(s) > 1.0 ? PACO2(s) : 1.0;
  for (int i = 0; i < 20 && gas_map(s, hi, c, f, k, kin) > hi; i++) lo = hi, hi *= 2.0;
  for (int it = 0; it < 60 && hi - lo > 1e-6; it++) {
    double mid = 0.5 * (lo + hi);
    if (gas_map(s, mid, c, f, k, kin) > mid)
      lo = mid;
    else
      hi = mid;
  }
  PACO2(s) = 0.5 * (lo + hi);
  end_capillary(s);
  gas_sweeps(s, c, f, k, 1, 2000);
}

/* Whether the alveolar PO2 sets the CO2 the tissues make: some consumption is
   supply-limited (the production below its full rate by > 0.1 %) while the lungs'
   end-capillary O2 is on the steep part of the dissociation curve (alveolar PO2 below
   60 mmHg) or limited by the ventilation (lung_o2_scale). */
static int hypoxic(const hs_sim *s, const double *c) {
  const hs_plan *pl = s->pl;
  const double *ox = oxy_block(s);
  double full = 0.0;
  for (int n = 0; n < pl->nvo2; n++) full += ox[OXY_RQ] * hs_sim_vo2(s, n);
  if (!(co2_production(s, c) < (1.0 - 1e-3) * full)) return 0;
  return hs_o2_alveolar_po2(ox[OXY_FIO2], ox[OXY_PB], PACO2(s), ox[OXY_RQ]) < 60.0 ||
         lung_o2_scale(s, c, s->c_ec, lung_shunt(s)) < 1.0;
}

static void equilibrate(hs_sim *s, int o2) {
  const hs_plan *pl = s->pl;
  int nn = pl->nn;
  double *c = s->c, *f = s->f, *k = s->k;
  double bedflow = 0;
  for (int e = 0; e < pl->ne; e++)
    if (pl->edge_bed[e]) bedflow += s->qmean[2 * e];
  if (bedflow < 1.0) return; /* no circulation (arrest): nothing to equilibrate */
  for (int i = 0; i < nn; i++) {
    c[i] = s->y[pl->yo2 + i] / s->y[i];
    f[i] = pl->ntr ? s->y[pl->ytr + i] / s->y[i] : 0.0;
    k[i] = s->y[pl->yco2 + i] / s->y[i];
  }
  if (o2) gas_sweeps(s, c, f, k, 1, 2000);
  double *kin = s->tws; /* contents as gas_exchange reads them (kin is the sweeps') */
  for (int outer = 0; outer < 300; outer++) {
    double moved = PACO2(s);
    for (int d = 0; d < pl->nd; d++) moved += PCO2M(s, d);
    memcpy(kin, k, (size_t)nn * sizeof(double));
    gas_exchange(s, 1.0, kin);
    gas_sweeps(s, c, f, k, 0, 2000);
    moved -= PACO2(s);
    for (int d = 0; d < pl->nd; d++) moved -= PCO2M(s, d);
    /* not on the first pass: it moves the gas against contents the sweeps have not yet
       brought to their balance, and a gas that already matched the blood arriving at the
       lungs then ended the solve before the tissues' changed CO2 production was counted
       (SCAI E shock: PaCO2 29.9 instead of 36.5 mmHg; test_co2_equilibrate_converges) */
    if (outer > 0 && fabs(moved) < 1e-5) break;
  }
  /* the lungs' end-capillary O2 follows the alveolar PCO2 (alveolar gas equation):
     the O2 balance once more at the settled PCO2; when that changes the tissues' CO2
     production (supply-limited consumption), both gases are balanced together.  A CO2
     balance alone (o2 0) does the same where the alveolar PO2 it moves sets how much
     O2 supply-limited tissues get: it then moves the O2 contents too */
  if (o2) {
    double v0 = co2_production(s, c);
    gas_sweeps(s, c, f, k, 1, 2000);
    if (fabs(co2_production(s, c) - v0) > 1e-3 * v0) hypoxic_balance(s, c, f, k, kin);
  } else if (hypoxic(s, c)) {
    hypoxic_balance(s, c, f, k, kin);
    o2 = 1;
  }
  for (int i = 0; i < nn; i++) {
    if (o2) s->y[pl->yo2 + i] = c[i] * s->y[i];
    if (o2 && pl->ntr) s->y[pl->ytr + i] = f[i] * s->y[i];
    s->y[pl->yco2 + i] = k[i] * s->y[i];
  }
  if (o2) s->dirty = 1; /* (CO2 alone: not an integrator state, no restart: the
                           haemodynamics do not depend on the path) */
  end_capillary(s); /* the lungs' ventilation share at the new contents */
}

/* The contents at the start of a run (node volumes set). */
static void transport_start(hs_sim *s) {
  const hs_plan *pl = s->pl;
  /* O2: arterial nodes at the lungs' end-capillary content, the others 5 mL/dL
     lower (a normal arteriovenous difference); transport settles the rest */
  const double *ox = oxy_block(s);
  double ca = 0.01 * hs_o2_content(hb_now(s), hs_o2_alveolar_po2(ox[OXY_FIO2], ox[OXY_PB],
                                                                   ox[OXY_PACO2], ox[OXY_RQ]));
  double cv = ca - 0.05 > 0.2 * ca ? ca - 0.05 : 0.2 * ca;
  for (int i = 0; i < pl->nn; i++) s->y[pl->yo2 + i] = s->y[i] * (pl->arterial[i] ? ca : cv);
  /* CO2: arterial nodes at the initial PaCO2, the others 6 mmHg higher and 75 %
     saturated (a normal venous blood) */
  double hb = hb_now(s), pa = ox[OXY_PACO2];
  double ka = 0.01 * hs_co2_content(pa, s->be, hb, hs_o2_saturation(100.0 * ca / (1.34 * hb)));
  double kv = 0.01 * hs_co2_content(pa + 6.0, s->be, hb, 0.75);
  for (int i = 0; i < pl->nn; i++) s->y[pl->yco2 + i] = s->y[i] * (pl->arterial[i] ? ka : kv);
  for (int d = -1; d < pl->nd; d++) s->y[pl->ygas + 1 + d] = pa; /* the gases start there */
  end_capillary(s);
}

static double sat_pct(double hb, double c_mlml) {
  return 100.0 * hs_o2_saturation(hs_o2_po2_from_content(hb, 100.0 * c_mlml));
}

/* The O2, CO2 and acid-base metrics of the beat just ended (docs/output.md; docs/model.md
   2.13, 2.19) from the beat-mean contents (quadratures), and the saturation of every node. */
static void transport_metrics(hs_sim *s, double *m, double *so2) {
  const hs_plan *pl = s->pl;
  const beat_acc *a = &s->acc;
  double T = s->t - a->t0;
  const double *q = s->q;
#define MEAN(k) ((q[k] - a->q0[k]) / T)
  double hb = hb_now(s);
  double cu = MEAN(pl->q_c + pl->upper);
  m[HS_M_SAO2U] = sat_pct(hb, cu);
  m[HS_M_SAO2L] = pl->lower >= 0 ? sat_pct(hb, MEAN(pl->q_c + pl->lower)) : NAN;
  /* a pulmonary-artery sample is mixed venous blood only while blood enters the PA:
     the RV's ejection, or a right-sided pump's outflow (Impella RP).  With no inflow
     (< 0.5 mL per beat: a drained, non-ejecting RV on VA-ECMO, cardiac arrest) the PA
     holds stagnant blood whose saturation drifts towards that of the lungs; the metric
     is then undefined (svo2_drained_pct is the ECMO sample) */
  m[HS_M_SVO2] = hs_sim_pa_inflow(s) > 0.5 ? sat_pct(hb, MEAN(pl->q_c + pl->pa)) : NAN;
  m[HS_M_PAO2U] = hs_o2_po2_from_content(hb, 100.0 * cu);
  m[HS_M_VO2] = 60.0 * MEAN(pl->q_cons);
  m[HS_M_O2LUNG] = 60.0 * MEAN(pl->q_lung);
  m[HS_M_O2OXY] = 60.0 * MEAN(pl->q_oxy);
  { /* CO2 and acid-base (docs/model.md 2.19): PCO2 from the beat-mean CO2 content at
       the site's beat-mean saturation and the current base excess */
    const double *ox = oxy_block(s);
    double su = m[HS_M_SAO2U] / 100.0, sl = m[HS_M_SAO2L] / 100.0, sv = m[HS_M_SVO2] / 100.0;
    double pu = hs_co2_pco2_from_content(100.0 * MEAN(pl->q_k + pl->upper), s->be, hb, su);
    m[HS_M_PACO2U] = pu;
    m[HS_M_PACO2L] = pl->lower >= 0 ? hs_co2_pco2_from_content(100.0 * MEAN(pl->q_k + pl->lower),
                                                               s->be, hb, sl)
                                    : NAN;
    m[HS_M_PVCO2] = isfinite(sv) ? hs_co2_pco2_from_content(100.0 * MEAN(pl->q_k + pl->pa),
                                                             s->be, hb, sv)
                                 : NAN; /* no pulmonary flow: as svo2_pct */
    m[HS_M_ETCO2] = (1.0 - ox[OXY_VDALV]) * PACO2(s);
    m[HS_M_PH] = hs_co2_ph(pu, s->be, hb);
    m[HS_M_HCO3] = hs_co2_bicarbonate(pu, m[HS_M_PH]);
    m[HS_M_VCO2] = 60.0 * MEAN(pl->q_kprod);
    m[HS_M_CO2LUNG] = 60.0 * MEAN(pl->q_klung);
    double ko = 0.0;
    for (int d = 0; d < pl->nd; d++) ko += 60.0 * MEAN(pl->q_koxy + d);
    m[HS_M_CO2OXY] = ko;
  }
  /* the pre-oxygenator sample: the node the first oxygenating device drains (on VA-ECMO
     the mixed venous sample; the pulmonary artery is stagnant when the RV does not eject) */
  int drained = -1;
  for (int d = 0; d < pl->nd && drained < 0; d++)
    for (int f = 0; f < pl->dev_type[d]->nflows; f++)
      if (pl->dev_type[d]->flows[f].flags & HS_DFLOW_OXYGENATE) {
        drained = pl->dev_port_node[pl->dev_port_ofs[d] + pl->dev_type[d]->flows[f].from_port];
        break;
      }
  m[HS_M_SVO2D] = m[HS_M_PVCO2D] = NAN;
  if (drained >= 0) {
    m[HS_M_SVO2D] = sat_pct(hb, MEAN(pl->q_c + drained));
    m[HS_M_PVCO2D] = hs_co2_pco2_from_content(
        100.0 * (q[pl->q_k + drained] - a->q0[pl->q_k + drained]) / T, s->be, hb,
        m[HS_M_SVO2D] / 100.0);
  }
  { /* the blood the autoregulated cerebral beds receive (the brain's CO2 and O2
       reactivity, docs/brain.md): O2 and CO2 contents of their inflow nodes, mixed by the
       beds' beat flows (on femoral VA-ECMO the arch blood is part native lungs', part
       oxygenator's) */
    double qs = 0.0, cs = 0.0, ks = 0.0;
    for (int j = 0; j < pl->nar; j++) {
      int e = pl->ar_edges[j], i = pl->efrom[e];
      double qe = MEAN(pl->q_q + e);
      if (!(qe > 0)) continue;
      qs += qe, cs += qe * MEAN(pl->q_c + i), ks += qe * MEAN(pl->q_k + i);
    }
    m[HS_M_PACO2B] = m[HS_M_CAO2B] = NAN;
    if (qs > 1e-6) {
      m[HS_M_CAO2B] = 100.0 * cs / qs;
      double sb = hs_o2_saturation(hs_o2_po2_from_content(hb, m[HS_M_CAO2B]));
      m[HS_M_PACO2B] = hs_co2_pco2_from_content(100.0 * ks / qs, s->be, hb, sb);
    }
  }
  m[HS_M_SHUNT] = 100.0 * lung_shunt(s);
  m[HS_M_HB] = hb;
  for (int i = 0; i < pl->nn; i++) so2[i] = sat_pct(hb, MEAN(pl->q_c + i));
#undef MEAN
}

static const hs_physio_transport TRANSPORT = {transport_start, end_capillary, transport_step,
                                              gas_exchange,    equilibrate,   transport_metrics};

const hs_physio_module hs_physio_oxygen = {
    .name = "oxygen",
    .block = "oxygen",
    .doc = "O2, ECMO-blood tracer and CO2 carried between the nodes, gas exchange in the lungs "
           "and membrane lungs, blood gases and acid-base (docs/oxygen.md, docs/model.md 2.13, "
           "2.19, docs/numerics.md)",
    .transport = &TRANSPORT,
};
