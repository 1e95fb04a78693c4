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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/anderson.h"
#include "core/ode.h"
#include "hemosim/drugs.h"
#include "hemosim/oxygen.h"
#include "hemosim/co2.h"
#include "elements/elements.h"
#include "model/model_impl.h"
#include "model/plan_impl.h"
#include "physio/brain.h"
#include "physio/module.h"

#define HIST 64
#define SUBSAMPLES 4
#define O2_CRIT 0.02 /* mL O2 per mL blood (2 mL/dL) below which consumption is supply-limited */

typedef struct event {
  double t;
  int pidx; /* index into the flat parameter vector */
  double value;
  unsigned long stamp; /* insertion order */
} event;

/* What the current beat has seen so far. */
typedef struct beat_acc {
  double t0, rr;
  double *q0; /* quadratures at beat start */
  double edv_lv, edp_lv, edv_rv;
  double upper_max, upper_min, root_min, pa_max, pa_min, lv_min, rv_min;
  double es_t, es_v, es_p;
  int es_done, av_opened;
  double tcd_max[2], tcd_min[2]; /* MCA stem flow extrema, mL/s (left, right) */
  double *y0; /* state at beat start (steady-state test) */
} beat_acc;

/* Per-element constants for evaluate(), rebuilt from the parameters by refresh_derived():
   the hot loops read one contiguous row per element instead of its parameter block. */
typedef struct vessel_row {
  int i;      /* node */
  int ar;     /* autoregulated bed whose state sets its compliance, or -1 */
  int reflex; /* HS_REFLEX_* when a module acts on the reflex classes, else HS_REFLEX_NONE */
  int plain;  /* none of reflex, autoregulated compliance, kmyo, kic: P from V alone */
  double c, v0, pext, tt, kmyo, kic; /* tt = thoracic coefficient x thoracic pressure */
} vessel_row;
typedef struct flow_row { /* an edge with a flow state: inertance or valve */
  int e, k, a, b, vi; /* edge, state index, from, to, valve index (-1: inertance) */
  double r, l;
} flow_row;
typedef struct resistor_row { /* a resistor with neither waterfall nor collapse */
  int e, a, b;
  int reflex; /* HS_REFLEX_* when a module acts on the reflex classes, else HS_REFLEX_NONE */
  int drug;   /* a vasomotor bed: the drugs and the BP controller scale it */
  double r;   /* R / (1 - obstruction) / patency */
} resistor_row;

/* hs_sim_reset() returns every run-state field to its value in a new simulation: a
   field added here needs a line there. */
struct hs_sim {
  const hs_plan *pl;
  double *p; /* parameters, flat */
  double t;
  double *y, *ydense, *work_dy;
  double *P, *Q; /* workspaces for pressures and flows */
  double *PT;            /* transmural pressures */
  double *Qd, *Dout, *Ddx, *po2out; /* device flows, outputs, state derivatives, outlet PO2 */
  double *c, *f;         /* O2 content (mL/mL) and ECMO-blood fraction per node */
  double *trscratch;     /* scratch, one per node */
  double *qprev;         /* the integrator's quadratures at the start of the last step */
  double *vstart;        /* node volumes at the start of the last step */
  double *vfwd, *vbwd;   /* forward and backward volume of each edge in the last step */
  double *tws;           /* transport workspace, 8 per node */
  int tr_open, tr_steps; /* steps since the contents were last advanced (transport_flush) */
  long sw_steps;         /* stiffness watch: steps since sw_t0 */
  double sw_t0;
  double tr_t0;          /* time they were last advanced */
  double *vext;          /* volume occupied by devices in each node, mL */
  double *dport;         /* device port scratch: 5 x nports_total (pressure, transmural
                            pressure, volume, unstressed volume, displaced volume) */
  int dev_failed;        /* a device's eval reported an error (in dev_err) */
  hs_err dev_err;
  double icp;            /* intracranial pressure at the last evaluation, mmHg */
  double *dext;          /* per-beat extrema of MAX/MIN device outputs */
  double *qmean;         /* last beat's mean forward and backward flow of each edge, then
                            mean device flows (O2 warm start) */
  unsigned char *open;
  /* heart timing of the current and the previous beat */
  double bt0, brr, vtp, vtr;
  double pbt0, pbrr, pvtp, pvtr;
  long beats;
  beat_acc acc;
  double *y_prev_ed; /* state at the previous end-diastole (steady-state test) */
  double *y_ed1;     /* end-diastolic state one beat before (steady-state acceleration) */
  double last_change, last_change_o2;
  double *y_save;     /* state before the last steady-state jump (verification, revert) */
  double res_fast;    /* last beat: largest change / tolerance of volumes, flows, speeds, factors */
  /* derived from the parameters alone (refresh_derived() after every change of p) */
  double vu_extra_total;           /* unstressed volume of the extrasplanchnic reflex veins */
  int measured_local;              /* the measured sites' pressures need no full evaluation */
  double c_ec;                     /* O2 content of end-capillary pulmonary blood, mL/mL */
  double *r_base;                  /* per resistor edge: R / (1 - obstruction) */
  double *r_fixed;                 /* ... and divided by its patency (edges without collapse) */
  vessel_row *vrow;                /* every vessel node */
  resistor_row *rrow;              /* the plain resistors */
  int nvrow, nrrow;
  int *other_e, nother;            /* the other edges (waterfall, collapse, inertance, valve) */
  int *edge_vi;                    /* valve index of each valve edge */
  flow_row *frow;                  /* the edges with a flow state */
  int nfrow;
  int *chambers, nch;              /* the chamber nodes */
  /* evaluate() memo: the integrator's last stage of a step is the step's end point, where
     the valve-event check (roots) evaluates again; valid while memo_ok */
  int memo_ok;
  double memo_t, *memo_y;
  double icp_imb;     /* last beat: CSF imbalance x outflow resistance, mmHg */
  double csf_drift;   /* last beat: mean CSF volume change rate, mL/s */
  int nm;      /* metrics per beat: HS_METRIC_COUNT + device outputs */
  double *hist; /* HIST rows of nm metrics */
  double *site; /* HIST rows of 3 nn values: mean P, SO2 % and device blood % per node */
  long nhist;
  /* integrator */
  const hs_ode_type *ot; /* integrator type (solver.method) */
  const hs_ode_type *ot_custom; /* set by hs_sim_set_integrator, or NULL */
  void *ode;
  double *q;
  int *roots;
  int dirty; /* restart needed before the next step */
  int ctl_moving; /* a physiological module (e.g. the BP controller) is still moving */
  /* scheduled parameter changes, sorted by time */
  event *ev;
  size_t nev, evcap, evnext;
  unsigned long evstamp;
  /* outputs */
  double sample_dt, next_sample;
  hs_sample_fn sample_fn;
  void *sample_ud;
  hs_beat_fn beat_fn;
  void *beat_ud;
  long valve_events;
  double icp_vref; /* intracranial volume at the reference ICP (fixed at the start) */
  int *ar_node;    /* per node: the autoregulated bed it feeds (territory arteries), or -1 */
  double *ar_g;    /* per autoregulated bed at the current evaluation: conductance factor
                      (1 - u)/(1 + u) */
  unsigned char *mstate; /* the physiological modules' states (physio/module.h) */
  size_t *mofs;          /* offset of module k's state in mstate */
  hs_physio_effect pfx;  /* their combined effect on the circulation */
  int *tmod, ntmod;      /* the modules with continuous states (their tone acts in evaluate) */
  /* CO2 (docs/model.md 2.19) */
  double *k;      /* CO2 content per node, mL/mL (transport workspace) */
  double *kin;    /* workspace of the CO2 warm start */
  double *kout;   /* per device: CO2 content of blood leaving its membrane lung, mL/mL */
  double *sweep;  /* per device: sweep gas flow (hs_device_io.gas_flow), mL/s */
  double k_ec;    /* CO2 content of end-capillary pulmonary blood, mL/mL */
  double be;      /* base excess the CO2 chemistry uses (the lactate module's), mmol/L */
  double *bx;            /* per beat, for the modules: O2 into each node (mL/min), then the
                            mean flow of each edge (mL/s) */
  /* slow states (physio/module.h): the first nslow doubles of each module's state */
  int nslow;             /* of all modules */
  double *slow_rate;     /* last beat's rates, module order */
  double *slow_decay;    /* their decay rates (physio/module.h), 1/s */
  hs_physio_flux slow_flux; /* last beat's blood added by the modules, mL/s */
  int slow_frozen;       /* held fixed (hs_sim_run_to_steady) */
  int slow_calm;         /* beats in a row with the fast states within tolerance */
  double adv_end;        /* end of the current advance_to (macro steps stop before it) */
  long slow_jumps;       /* macro steps taken */
  double slow_jumped;    /* simulated time covered by them, s */
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

/* Haemoglobin of the blood now, g/dL: the oxygen block's, times the modules' factor
   (dilution and transfusion, physio/fluids.c). */
static inline double hb_now(const hs_sim *s) {
  return s->p[s->pl->oxygen + OXY_HB] * s->pfx.hb;
}

static inline const double *bparams(const hs_sim *s, int block) {
  return s->p + s->pl->bpofs[block];
}

/* Compliance of vessel node i at state y (territory arteries regulated). */
static inline double vessel_compliance(const hs_sim *s, const double *y, int i, const double *v) {
  int k = s->ar_node[i];
  if (k < 0) return v[VESSEL_C];
  return v[VESSEL_C] * hs_brain_ar_compliance(s->pl, s->p, hs_brain_ar_conductance(s->pl, s->p, y, k));
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
  if (h[HEART_RHYTHM] != 0) *ev = *ea = 0.0; /* fibrillation: no coordinated contraction */
}

/* Node pressures, edge flows and device flows/outputs/state derivatives at (t, y). */
static void refresh_derived(hs_sim *s);

/* Forget the evaluate() memo: called whenever something evaluate() reads besides
   (t, y) changes (parameters, valve modes, beat timing, controller factor). */
static inline void memo_reset(hs_sim *s) { s->memo_ok = 0; }

/* The tone of the modules with continuous states at state y (physio/module.h). */
static void tone_at(const hs_sim *s, const double *y, hs_physio_tone *fx) {
  const hs_plan *pl = s->pl;
  for (int j = 0; j < s->ntmod; j++) {
    int k = s->tmod[j];
    const hs_physio_module *md = hs_physio_module_at((size_t)k);
    if (md->tone) md->tone(s->mstate + s->mofs[k], pl, s->p, y + pl->mod_y[k], fx);
  }
}

static void evaluate(hs_sim *s, double t, const double *y, double *P, double *Q) {
  const hs_plan *pl = s->pl;
  /* the states evaluate() reads all lie before the O2 and tracer contents */
  size_t nbytes = (size_t)pl->yo2 * sizeof(double);
  if (s->memo_ok && t == s->memo_t && memcmp(y, s->memo_y, nbytes) == 0) return;
  s->memo_ok = 1, s->memo_t = t;
  memcpy(s->memo_y, y, nbytes);
  const double *h = s->p + pl->heart;
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  double ev, ea;
  activations(s, t, &ev, &ea);
  hs_physio_tone fx = {1, 1, 1, 1, 0, 0, 0};
  double vu_extra_total = 0;
  hs_physio_effect dx = s->pfx; /* drugs, BP controller */
  double icp = 0.0;
  if (pl->nic) icp = hs_brain_icp(pl, s->p, y, s->icp_vref); /* physio/brain.h */
  s->icp = icp;
  double *arc = s->ar_g; /* conductance factors of the autoregulated beds */
  for (int k = 0; k < pl->nar; k++) arc[k] = hs_brain_ar_conductance(pl, s->p, y, k);
  if (s->ntmod) {
    tone_at(s, y, &fx);
    vu_extra_total = s->vu_extra_total;
  }
  /* chambers first: vessels may depend on LV pressure (intramyocardial) */
  for (int k = 0; k < s->nch; k++) {
    int i = s->chambers[k];
    double e = pl->node_kind[i] == HS_NK_VENTRICLE ? ev : ea;
    const double *cp = bparams(s, pl->node_block[i]);
    if ((s->ntmod || dx.contractility != 1.0) && (i == pl->lv || i == pl->rv)) {
      double scaled[CHAMBER_NPARAM];
      memcpy(scaled, cp, sizeof scaled);
      scaled[CHAMBER_EES] *= (i == pl->lv ? fx.ees_lv : fx.ees_rv) * dx.contractility;
      P[i] = hs_chamber_pressure(y[i], e, scaled);
    } else {
      P[i] = hs_chamber_pressure(y[i], e, cp);
    }
  }
  if (h[HEART_LV_QMAX] > 0.0 && pl->av >= 0 && pl->estate[pl->av] >= 0) /* ejection effect */
    P[pl->lv] = hs_ejection_effect(P[pl->lv], y[pl->estate[pl->av]], h[HEART_LV_QMAX]);
  double plv = P[pl->lv], prv = P[pl->rv];
  P[pl->lv] += h[HEART_INT_RL] * prv;
  P[pl->rv] += h[HEART_INT_LR] * plv;
  if (h[HEART_PERI] != 0.0) {
    double pp = h[HEART_PERI_P0] *
                (exp(h[HEART_PERI_LAMBDA] * (y[pl->lv] + y[pl->rv] - h[HEART_PERI_V0])) - 1.0);
    P[pl->lv] += pp;
    P[pl->rv] += pp;
  }
  for (int k = 0; k < s->nch; k++) {
    int i = s->chambers[k];
    s->PT[i] = P[i];
    P[i] += thor;
  }
  /* volume occupied by devices (balloons) in vessels */
  if (pl->ndisp) {
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
      io.port_vext = vx;
      dt->displace(&io);
      for (int k = 0; k < dt->nports; k++)
        s->vext[pl->dev_port_node[pl->dev_port_ofs[d] + k]] += vx[k];
    }
  }
  for (int k = 0; k < s->nvrow; k++) {
    const vessel_row *r = &s->vrow[k];
    int i = r->i;
    if (r->plain) { /* the general case below without its terms (the same arithmetic) */
      s->PT[i] = hs_vessel_pressure(pl->ndisp ? y[i] + s->vext[i] : y[i], r->c, r->v0);
      P[i] = s->PT[i] + r->pext + r->tt;
      continue;
    }
    double v0 = r->v0;
    if (r->reflex == HS_REFLEX_SPLANCHNIC) v0 += fx.dvu_splanchnic;
    if (r->reflex == HS_REFLEX_EXTRA && vu_extra_total > 0)
      v0 += fx.dvu_extra * r->v0 / vu_extra_total;
    double c = r->c;
    if (r->ar >= 0) c *= hs_brain_ar_compliance(pl, s->p, arc[r->ar]);
    s->PT[i] = hs_vessel_pressure(y[i] + (pl->ndisp ? s->vext[i] : 0.0), c, v0);
    double p = s->PT[i] + r->pext + r->tt;
    if (r->kmyo != 0.0) p += r->kmyo * P[pl->lv];
    if (r->kic != 0.0) p += r->kic * icp;
    P[i] = p;
  }
  if (!s->ntmod && dx.resistance == 1.0) { /* no reflex classes, no drug scaling */
    for (int k = 0; k < s->nrrow; k++) {
      const resistor_row *rr = &s->rrow[k];
      Q[rr->e] = (P[rr->a] - P[rr->b]) / rr->r;
    }
  } else {
    for (int k = 0; k < s->nrrow; k++) {
      const resistor_row *rr = &s->rrow[k];
      double r = rr->r;
      if (rr->reflex != HS_REFLEX_NONE)
        r *= rr->reflex == HS_REFLEX_SPLANCHNIC ? fx.r_splanchnic : fx.r_extra;
      if (rr->drug) r *= dx.resistance;
      Q[rr->e] = (P[rr->a] - P[rr->b]) / r;
    }
  }
  for (int k = 0; k < s->nother; k++) {
    int e = s->other_e[k];
    if (pl->edge_kind[e] == HS_EK_INERTANCE) {
      Q[e] = y[pl->estate[e]];
      continue;
    }
    const double *ep = bparams(s, pl->edge_block[e]);
    double dp = P[pl->efrom[e]] - P[pl->eto[e]];
    switch (pl->edge_kind[e]) {
      case HS_EK_RESISTOR: {
        double r = s->r_fixed[e];
        if (pl->nic && ep[RESISTOR_AUTOREG_FLOW] > 0) /* cerebral arteriolar waterfall */
          dp = hs_brain_arteriolar_dp(pl, s->p, P[pl->efrom[e]], P[pl->eto[e]], icp);
        if (ep[RESISTOR_COLLAPSE] != 0) {
          /* the collapse factor comes before the patency division (same arithmetic as
             ever, so the cached r_fixed of the other edges gives identical numbers) */
          r = s->r_base[e];
          if (pl->node_kind[pl->efrom[e]] == HS_NK_VESSEL) {
            const double *fv = bparams(s, pl->node_block[pl->efrom[e]]);
            double v0 = fv[VESSEL_V0];
            if (pl->nic && fv[VESSEL_INTRACRANIAL] != 0)
              dp = hs_brain_venous_dp(P, pl->efrom[e], pl->eto[e], icp); /* bridging veins */
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
          r *= ep[RESISTOR_REFLEX] == HS_REFLEX_SPLANCHNIC ? fx.r_splanchnic : fx.r_extra;
        /* vasoactive drugs and the BP controller act on vasomotor beds; autoregulated
           (cerebral) beds hold their own tone */
        if (pl->edge_bed[e] && ep[RESISTOR_AUTOREG_FLOW] <= 0) r *= dx.resistance;
        Q[e] = dp / r;
        break;
      }
      default: /* valve (inertances above) */
        Q[e] = s->open[s->edge_vi[e]] ? y[pl->estate[e]] : 0.0;
        if (ep[VALVE_AREG] > 0.0 && dp < 0.0) Q[e] += hs_orifice_flow(ep[VALVE_AREG], dp);
        break;
    }
  }
  /* cerebral autoregulation: the arteriolar resistance of a regulated bed scales by
     (1 + a u)/(1 - a u), u = x / sqrt(1 + x^2) its saturating regulatory state
     (docs/brain.md); a cheap smooth sigmoid (no exp/tanh in the inner loop) */
  for (int k = 0; k < pl->nar; k++) Q[pl->ar_edges[k]] *= arc[k];
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
    io.t = t;
    io.p = bparams(s, pl->dev_block[d]);
    io.x = y + pl->dev_state_ofs[d];
    io.port_p = pp, io.port_ptm = ptm, io.port_v = pv, io.port_v0 = pv0;
    io.q = s->Qd + pl->dev_flow_ofs[d];
    io.dx = s->Ddx + (pl->dev_state_ofs[d] - pl->dev_state_ofs[0]);
    io.out = s->Dout + pl->dev_out_ofs[d];
    io.beat_start = s->bt0, io.rr = s->brr, io.t_peak = s->vtp, io.beat_index = s->beats;
    if (dt->eval(&io, &s->dev_err) != HS_OK && !s->dev_failed) {
      s->dev_failed = 1; /* keep the first failure; the step is abandoned (rhs_full) */
      hs_err_prefix(&s->dev_err, "t=%.4f s: device '%s': ", t, pl->bname[pl->dev_block[d]]);
    }
    s->po2out[d] = io.o2_outlet_po2;
    s->sweep[d] = io.gas_flow;
  }
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

/* The gas PCO2s are states (y[plan->ygas...], plan.c): the alveolar PCO2 of the perfused
   alveoli, then that of each device's membrane lung (mmHg); set after every beat. */
#define PACO2(s) ((s)->y[(s)->pl->ygas])
#define PCO2M(s, d) ((s)->y[(s)->pl->ygas + 1 + (d)])

/* End-capillary O2 and CO2 contents of the lungs (O2: alveolar gas equation; CO2 at the
   current alveolar PCO2 and the end-capillary saturation: the Haldane effect), and
   the CO2 content of blood leaving each membrane lung at its gas PCO2. */
static void end_capillary(hs_sim *s) {
  const double *ox = s->p + s->pl->oxygen;
  double hb = hb_now(s);
  /* the alveolar gas equation at the simulated alveolar PCO2 (hypoventilation lowers
     PAO2: docs/model.md 2.13, 2.19) */
  double pao2 = hs_o2_alveolar_po2(ox[OXY_FIO2], ox[OXY_PB], PACO2(s), ox[OXY_RQ]);
  s->c_ec = 0.01 * hs_o2_content(hb, pao2);
  s->k_ec = 0.01 * hs_co2_content(PACO2(s), s->be, hb, hs_o2_saturation(pao2));
  for (int d = 0; d < s->pl->nd; d++)
    s->kout[d] = 0.01 * hs_co2_content(PCO2M(s, d), s->be, hb, hs_o2_saturation(s->po2out[d]));
}

/* Intrapulmonary shunt: the oxygen block's plus what the modules add (lung water). */
static double lung_shunt(const hs_sim *s) {
  double sh = s->p[s->pl->oxygen + OXY_SHUNT] + s->pfx.shunt;
  return sh < 0 ? 0.0 : sh > 1 ? 1.0 : sh;
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
  for (int n = 0; n < pl->ngas; n++) { /* forward flow through the lungs exchanges gas */
    int e = pl->gas_edges[n], a = pl->efrom[e];
    double up = w * vf[e] * ((1.0 - shunt) * c_ec + shunt * c[a] - c[a]);
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
    for (int n = 0; n < dt->nflows; n++) {
      int j = pl->dev_flow_ofs[d] + n;
      double dv = w * (q1[pl->q_fd + j] - q0[pl->q_fd + j]);
      int fwd = dv >= 0;
      int ia = ports[fwd ? dt->flows[n].from_port : dt->flows[n].to_port];
      int ib = ports[fwd ? dt->flows[n].to_port : dt->flows[n].from_port];
      int oxg = fwd && (dt->flows[n].flags & HS_DFLOW_OXYGENATE);
      dv = fabs(dv);
      double c_dst = oxg ? cout : c[ia], k_dst = oxg ? kout : k[ia];
      if (oxg) oxy += dv * (cout - c[ia]), koxy += dv * (k[ia] - kout);
      dm[ia] -= dv * c[ia], dm[ib] += dv * c_dst;
      dk[ia] -= dv * k[ia], dk[ib] += dv * k_dst;
      if (tr) dmt[ia] -= dv * f[ia], dmt[ib] += dv * (oxg ? 1.0 : f[ia]);
    }
    s->q[pl->q_koxy + d] += weight * koxy;
  }
  double rq = s->p[pl->oxygen + OXY_RQ];
  for (int n = 0; n < pl->nvo2; n++) {
    int i = pl->vo2_nodes[n];
    double x = c[i] / O2_CRIT;
    double g = x >= 1.0 ? 1.0 : x <= 0.0 ? 0.0 : 1.0 - (1 - x) * (1 - x) * (1 - x);
    double use = s->p[pl->vo2_pidx[n]] / 60.0 * g * hw;
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

static int rhs_full(hs_sim *s, double t, const double *y, double *dy, double *dq) {
  const hs_plan *pl = s->pl;
  double *P = s->P, *Q = s->Q;
  evaluate(s, t, y, P, Q);
  for (int i = 0; i < pl->nn; i++) dy[i] = 0.0;
  for (int e = 0; e < pl->ne; e++) {
    dy[pl->efrom[e]] -= Q[e];
    dy[pl->eto[e]] += Q[e];
  }
  for (int j = 0; j < s->nfrow; j++) {
    const flow_row *f = &s->frow[j];
    int k = f->k;
    if (f->vi >= 0 && !s->open[f->vi]) {
      dy[k] = 0.0;
      continue;
    }
    dy[k] = (P[f->a] - P[f->b] - f->r * y[k]) / f->l;
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
  if (pl->nar || pl->nic) hs_brain_rhs(pl, s->p, y, P, Q, s->icp, dy); /* autoregulation, CSF */
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
    for (int e = 0; e < pl->ne; e++) dq[pl->q_aq + e] = fabs(Q[e]);
    dq[pl->q_sw] = P[pl->lv] * dy[pl->lv];
    dq[pl->q_sw + 1] = P[pl->rv] * dy[pl->rv];
    int av_closed = !s->open[pl->vav];
    dq[pl->q_dia] = av_closed ? P[pl->root] : 0.0;
    dq[pl->q_dia + 1] = av_closed ? 1.0 : 0.0;
    dq[pl->q_dia + 2] = av_closed ? 0.0 : P[pl->lv];
    memcpy(dq + pl->q_fd, s->Qd, (size_t)pl->nfd * sizeof(double));
    memcpy(dq + pl->q_out, s->Dout, (size_t)pl->nout * sizeof(double));
    dq[pl->q_icp] = s->icp;
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
  memo_reset(s); /* icp_vref changes */
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
  if (pl->nic) hs_brain_initial(pl, s->p, s->y, &s->icp_vref); /* CSF, a lesion's squeeze */
  /* O2: arterial nodes at the lungs' end-capillary content, the others 5 mL/dL
     lower (a normal arteriovenous difference); transport settles the rest */
  const double *ox = s->p + pl->oxygen;
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
  return HS_OK;
}

static void start_beat(hs_sim *s) {
  const double *h = s->p + s->pl->heart;
  s->pbt0 = s->bt0;
  s->pbrr = s->brr;
  s->pvtp = s->vtp;
  s->pvtr = s->vtr;
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
  free(s->p);
  free(s->ar_node);
  free(s->ar_g);
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
  free(s->other_e);
  free(s->edge_vi);
  free(s->frow);
  free(s->chambers);
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
  refresh_derived(s);
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
  s->icp = 0.0;
  s->bt0 = s->brr = s->vtp = s->vtr = s->pbt0 = s->pbrr = s->pvtp = s->pvtr = 0.0;
  s->beats = 0;
  s->last_change = s->last_change_o2 = 0.0;
  s->icp_imb = s->csf_drift = 0.0;
  s->nhist = 0;
  s->dirty = s->ctl_moving = 0;
  s->nev = s->evnext = 0;
  s->evstamp = 0;
  s->sample_dt = s->next_sample = 0.0;
  s->sample_fn = NULL, s->sample_ud = NULL;
  s->beat_fn = NULL, s->beat_ud = NULL;
  s->valve_events = 0;
  s->icp_vref = 0.0;
  s->broken = 0;
  s->tr_open = s->tr_steps = 0;
  s->tr_t0 = 0.0;
  s->sw_steps = 0;
  s->sw_t0 = 0.0;
  s->rhs_msg[0] = '\0';
  s->slow_frozen = 0;
  s->slow_jumps = 0;
  s->slow_jumped = 0.0;
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
  s->bx = calloc((size_t)(pl->nn + pl->ne) + 1, sizeof(double));
  s->k = calloc((size_t)pl->nn + 1, sizeof(double));
  s->kin = calloc((size_t)pl->nn + 1, sizeof(double));
  s->kout = calloc((size_t)pl->nd + 1, sizeof(double));
  s->sweep = calloc((size_t)pl->nd + 1, sizeof(double));
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
  s->dext = calloc((size_t)pl->nout + 1, sizeof(double));
  s->qmean = calloc((size_t)(2 * pl->ne + pl->nfd) + 1, sizeof(double));
  s->nm = HS_METRIC_COUNT + pl->nout;
  s->hist = calloc((size_t)HIST * (size_t)s->nm, sizeof(double));
  s->site = calloc((size_t)HIST * 3 * (size_t)pl->nn, sizeof(double));
  s->acc.y0 = calloc(ny, sizeof(double));
  s->ar_node = malloc(((size_t)pl->nn + 1) * sizeof(int));
  s->ar_g = calloc((size_t)pl->nar + 1, sizeof(double));
  s->r_base = calloc((size_t)pl->ne + 1, sizeof(double));
  s->r_fixed = calloc((size_t)pl->ne + 1, sizeof(double));
  s->memo_y = calloc(ny, sizeof(double));
  s->vrow = calloc((size_t)pl->nn + 1, sizeof *s->vrow);
  s->rrow = calloc((size_t)pl->ne + 1, sizeof *s->rrow);
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
  if (!s->frow || !s->chambers) goto nomem;
  for (int i = 0; i < pl->nn; i++)
    if (pl->node_kind[i] != HS_NK_VESSEL) s->chambers[s->nch++] = i;
  if (!s->ar_node || !s->ar_g || !s->r_base || !s->r_fixed || !s->memo_y || !s->vrow ||
      !s->rrow || !s->other_e || !s->edge_vi)
    goto nomem;
  hs_brain_ar_nodes(pl, s->ar_node);
  if (!s->p || !s->y || !s->ydense || !s->work_dy || !s->y_prev_ed || !s->y_ed1 || !s->y_save || !s->P || !s->Q ||
      !s->open || !s->q || !s->acc.q0 || !s->roots || !s->PT || !s->Qd || !s->Dout ||
      !s->Ddx || !s->po2out || !s->c || !s->f || !s->trscratch || !s->qmean || !s->vext || !s->dport || !s->dext || !s->hist || !s->site ||
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
static hs_status check_runtime_param(const hs_sim *s, int pidx, hs_err *err) {
  const hs_plan *pl = s->pl;
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
    if ((t == &hs_type_hemolysis || t == &hs_type_lactate || t == &hs_type_lung_water) &&
        strncmp(t->params[k].name, "initial", 7) == 0)
      return hs_err_set(err, HS_ERR_STATE,
                        "%s.%s is a slow state's value at the start of the run; set it "
                        "in the patient file or with --set before the run",
                        pl->bname[b], t->params[k].name);
  }
  return HS_OK;
}

/* Apply a change during the run (checked by check_runtime_param beforehand). */
static hs_status apply_param(hs_sim *s, int pidx, double v, hs_err *err) {
  const hs_plan *pl = s->pl;
  hs_status st = check_runtime_param(s, pidx, err);
  if (st) return hs_err_prefix(err, "t=%.3f s: ", s->t);
  if (pidx == pl->solver + SOLVER_METHOD || pidx == pl->solver + SOLVER_RTOL ||
      pidx == pl->solver + SOLVER_ATOL) {
    s->p[pidx] = v;
    if (pidx == pl->solver + SOLVER_METHOD) s->ot_custom = NULL; /* a built-in chosen */
    return make_integrator(s, err);
  }
  s->p[pidx] = v;
  refresh_derived(s);
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
  if (pidx == s->pl->solver + SOLVER_METHOD) s->ot_custom = NULL; /* a built-in chosen */
  for (size_t k = 0; k < hs_physio_module_count(); k++) { /* slow states' start values */
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->slow_start) md->slow_start(s->mstate + s->mofs[k], s->pl, s->p);
  }
  modules_effect(s);
  refresh_derived(s);
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
  if ((st = check_runtime_param(s, pidx, err)) != HS_OK) return st;
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
   with every coupling term zero)?  Not when it feels the LV (intramyocardial), ICP,
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
static void refresh_derived(hs_sim *s) {
  const hs_plan *pl = s->pl;
  s->vu_extra_total = 0.0;
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->refresh) md->refresh(s->mstate + s->mofs[k], pl, s->p);
  }
  if (s->ntmod) {
    for (int i = 0; i < pl->nn; i++)
      if (pl->node_kind[i] == HS_NK_VESSEL &&
          bparams(s, pl->node_block[i])[VESSEL_REFLEX] == HS_REFLEX_EXTRA)
        s->vu_extra_total += bparams(s, pl->node_block[i])[VESSEL_V0];
  }
  s->measured_local = pressure_is_local(s, pl->upper) && pressure_is_local(s, pl->root) &&
                      pressure_is_local(s, pl->pa);
  modules_effect(s);
  end_capillary(s);
  double thor = s->p[pl->circ + CIRC_THORACIC_P];
  s->nvrow = 0;
  for (int i = 0; i < pl->nn; i++) {
    if (pl->node_kind[i] != HS_NK_VESSEL) continue;
    const double *v = bparams(s, pl->node_block[i]);
    vessel_row *r = &s->vrow[s->nvrow++];
    r->i = i;
    r->ar = s->ar_node[i];
    r->reflex = s->ntmod ? (int)v[VESSEL_REFLEX] : HS_REFLEX_NONE;
    r->c = v[VESSEL_C], r->v0 = v[VESSEL_V0], r->pext = v[VESSEL_PEXT];
    r->tt = v[VESSEL_THORACIC] * thor;
    r->kmyo = v[VESSEL_MYO], r->kic = v[VESSEL_INTRACRANIAL];
    r->plain = r->reflex == HS_REFLEX_NONE && r->ar < 0 && r->kmyo == 0.0 && r->kic == 0.0;
  }
  s->nrrow = s->nother = s->nfrow = 0;
  for (int e = 0, vi = 0; e < pl->ne; e++) {
    const double *ep = bparams(s, pl->edge_block[e]);
    if (pl->edge_kind[e] == HS_EK_VALVE) s->edge_vi[e] = vi++;
    if (pl->edge_kind[e] != HS_EK_RESISTOR) {
      s->other_e[s->nother++] = e;
      flow_row *f = &s->frow[s->nfrow++];
      int valve = pl->edge_kind[e] == HS_EK_VALVE;
      f->e = e, f->k = pl->estate[e], f->a = pl->efrom[e], f->b = pl->eto[e];
      f->vi = valve ? s->edge_vi[e] : -1;
      f->r = valve ? ep[VALVE_R] : ep[INERTANCE_R];
      f->l = valve ? ep[VALVE_L] : ep[INERTANCE_L];
      continue;
    }
    double r = ep[RESISTOR_R] * hs_brain_obstruction_factor(pl, s->p, ep[RESISTOR_OBSTRUCTION]);
    s->r_base[e] = r;
    if (ep[RESISTOR_PATENCY] < 1.0) r /= ep[RESISTOR_PATENCY] > 1e-6 ? ep[RESISTOR_PATENCY] : 1e-6;
    /* collateral pathways conduct 2^(grade - 3) x nominal (ASITN/SIR grade, docs/brain.md) */
    if (ep[RESISTOR_COLLATERAL] != 0) r /= hs_brain_collateral_factor(pl, s->p);
    s->r_fixed[e] = r;
    if ((pl->nic && ep[RESISTOR_AUTOREG_FLOW] > 0) || ep[RESISTOR_COLLAPSE] != 0) {
      s->other_e[s->nother++] = e;
      continue;
    }
    resistor_row *rr = &s->rrow[s->nrrow++];
    rr->e = e, rr->a = pl->efrom[e], rr->b = pl->eto[e], rr->r = r;
    rr->reflex = s->ntmod ? (int)ep[RESISTOR_REFLEX] : HS_REFLEX_NONE;
    rr->drug = pl->edge_bed[e] && ep[RESISTOR_AUTOREG_FLOW] <= 0;
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

/* Intracranial pressure of state y (the same law as in evaluate()). */
static double icp_of(const hs_sim *s, const double *y) {
  const hs_plan *pl = s->pl;
  return pl->nic ? hs_brain_icp(pl, s->p, y, s->icp_vref) : 0.0;
}

/* CSF at its equilibrium (hs_brain_csf_equilibrium) from the last beat's mean ICP and
   sinus pressure; nothing before the first beat or without a brain. */
static void csf_equilibrate(hs_sim *s) {
  const hs_plan *pl = s->pl;
  if (!pl->nic || s->nhist == 0 || pl->brain_sinus < 0) return;
  long row = (s->nhist - 1) % HIST;
  const double *site = s->site + row * 3 * pl->nn;
  double psinus = site[pl->brain_sinus] + s->p[pl->brain + BRAIN_SINUS_GRAD];
  if (hs_brain_csf_equilibrium(pl, s->p, s->hist[row * s->nm + HS_M_ICP], psinus,
                               s->y[pl->ycsf], s->qmean, site, &s->y[pl->ycsf]))
    s->dirty = 1;
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
      s->ntmod || pa[VESSEL_MYO] != 0 || pb[VESSEL_MYO] != 0 || ep[RESISTOR_AUTOREG_FLOW] > 0 ||
      ep[RESISTOR_COLLAPSE] != 0 || pl->edge_bed[e]) {
    evaluate(s, s->t, y, s->P, s->Q);
    return s->Q[e];
  }
  double icp = icp_of(s, y), thor = s->p[pl->circ + CIRC_THORACIC_P];
  double pA = hs_vessel_pressure(y[a], vessel_compliance(s, y, a, pa), pa[VESSEL_V0]) +
              pa[VESSEL_PEXT] + pa[VESSEL_THORACIC] * thor + pa[VESSEL_INTRACRANIAL] * icp;
  double pB = hs_vessel_pressure(y[b], vessel_compliance(s, y, b, pb), pb[VESSEL_V0]) +
              pb[VESSEL_PEXT] +
              pb[VESSEL_THORACIC] * thor + pb[VESSEL_INTRACRANIAL] * icp;
  double r = ep[RESISTOR_R] * hs_brain_obstruction_factor(pl, s->p, ep[RESISTOR_OBSTRUCTION]);
  if (ep[RESISTOR_PATENCY] < 1.0) r /= ep[RESISTOR_PATENCY] > 1e-6 ? ep[RESISTOR_PATENCY] : 1e-6;
  return (pA - pB) / r;
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
  for (int o = 0; o < pl->nout; o++) s->dext[o] = NAN;
  for (int k = 0; k < 2; k++) a->tcd_max[k] = -INFINITY, a->tcd_min[k] = INFINITY;
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
}

static hs_status emit_sample(hs_sim *s, double t, const double *y, hs_err *err) {
  evaluate(s, t, y, s->P, s->Q);
  if (y != s->y) /* interpolated: the contents are those at the end of the step */
    memcpy(s->ydense + s->pl->yo2, s->y + s->pl->yo2,
           (size_t)(s->pl->ny - s->pl->yo2) * sizeof(double));
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
  if (s->pl->l_mca_stem >= 0 || s->pl->r_mca_stem >= 0) { /* MCA velocity extrema (TCD) */
    const hs_plan *pl = s->pl;
    const int stems[2] = {pl->l_mca_stem, pl->r_mca_stem};
    for (int k = 0; k < 2; k++) {
      if (stems[k] < 0) continue;
      double q = stem_flow(s, s->y, stems[k]);
      if (q > a->tcd_max[k]) a->tcd_max[k] = q;
      if (q < a->tcd_min[k]) a->tcd_min[k] = q;
    }
  }
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

static double sat_pct(double hb, double c_mlml) {
  return 100.0 * hs_o2_saturation(hs_o2_po2_from_content(hb, 100.0 * c_mlml));
}

/*
 * Clinical indices of the beat (docs/output.md "Clinical indices", with sources):
 * pulmonary (thermodilution) flow, DO2 index, drained-blood saturation, cardiac power,
 * SVR / PVR, PAPi, Ea, Ea/Ees and LV end-systolic wall stress.
 */
#define HS_LV_WALL_ML 150.0 /* LV wall volume: ~160 g myocardium / 1.05 g/mL */
static void clinical_indices(hs_sim *s, double *m, double bsa, double v0, double hb) {
  const hs_plan *pl = s->pl;
  const beat_acc *a = &s->acc;
  double T = s->t - a->t0;
  m[HS_M_RVO] = (s->q[pl->q_q + pl->pv] - a->q0[pl->q_q + pl->pv]) / T / HS_MLS_PER_LPM;
  m[HS_M_DO2I] = m[HS_M_DO2] / bsa;
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
    m[HS_M_SVO2D] = sat_pct(hb, (s->q[pl->q_c + drained] - a->q0[pl->q_c + drained]) / T);
    m[HS_M_PVCO2D] = hs_co2_pco2_from_content(
        100.0 * (s->q[pl->q_k + drained] - a->q0[pl->q_k + drained]) / T, s->be, hb,
        m[HS_M_SVO2D] / 100.0);
  }
  m[HS_M_CPO] = m[HS_M_MAP] * m[HS_M_LVO] / 451.0;
  m[HS_M_CPI] = m[HS_M_CPO] / bsa;
  m[HS_M_SVR] = m[HS_M_CO] > 0.05 ? 80.0 * (m[HS_M_MAP] - m[HS_M_CVP]) / m[HS_M_CO] : NAN;
  m[HS_M_PVR] = m[HS_M_RVO] > 0.05 ? 80.0 * (m[HS_M_MPAP] - m[HS_M_PCWP]) / m[HS_M_RVO] : NAN;
  double sv = a->edv_lv - a->lv_min;
  m[HS_M_EA] = a->es_done && sv >= 1.0 ? a->es_p / sv : NAN;
  m[HS_M_EAEES] = a->es_done && sv >= 1.0 && a->es_v > v0 ? (a->es_v - v0) / sv : NAN;
  m[HS_M_WSTRESS] = a->es_done ? a->es_p * (1.0 + 3.0 * a->es_v / HS_LV_WALL_ML) * 0.133322 : NAN;
}

static void finish_beat(hs_sim *s, double *m, double *site) {
  const hs_plan *pl = s->pl;
  beat_acc *a = &s->acc;
  double T = s->t - a->t0;
  const double *q = s->q;
#define MEAN(k) ((q[k] - a->q0[k]) / T)
  double co = 0, do2 = 0, do2b = 0, do2h = 0;
  for (int e = 0; e < pl->ne; e++) {
    if (!pl->edge_bed[e]) continue;
    double j = 60.0 * MEAN(pl->q_flux + e); /* mL O2/min */
    co += MEAN(pl->q_q + e);
    do2 += j;
    int from = pl->efrom[e];
    if (from == pl->cer_art ||
        (pl->node_kind[from] == HS_NK_VESSEL &&
         bparams(s, pl->node_block[from])[VESSEL_INTRACRANIAL] != 0))
      do2b += j;
    if (pl->efrom[e] == pl->cor_art) do2h += j;
  }
  m[HS_M_HR] = 60.0 / T;
  m[HS_M_SBP] = a->upper_max;
  m[HS_M_DBP] = a->upper_min;
  m[HS_M_MAP] = MEAN(pl->q_p + pl->upper);
  m[HS_M_PP] = a->upper_max - a->upper_min;
  m[HS_M_CO] = co / HS_MLS_PER_LPM;
  m[HS_M_LVO] = MEAN(pl->q_q + pl->av) / HS_MLS_PER_LPM;
  /* body surface area, Du Bois & Du Bois 1916: 0.007184 W^0.425 H^0.725 (kg, cm) */
  double bsa = 0.007184 * pow(s->p[pl->body + BODY_WEIGHT], 0.425) *
               pow(s->p[pl->body + BODY_HEIGHT], 0.725);
  m[HS_M_CI] = m[HS_M_CO] / bsa;
  m[HS_M_LVEDV] = a->edv_lv;
  m[HS_M_LVESV] = a->lv_min;
  m[HS_M_LVEF] = a->edv_lv > 0 ? 100.0 * (a->edv_lv - a->lv_min) / a->edv_lv : 0.0;
  m[HS_M_LVEDP] = a->edp_lv;
  m[HS_M_RVEDV] = a->edv_rv;
  m[HS_M_RVESV] = a->rv_min;
  m[HS_M_PCWP] = MEAN(pl->q_p + pl->la);
  m[HS_M_CVP] = MEAN(pl->q_p + pl->ra);
  m[HS_M_SPAP] = a->pa_max;
  m[HS_M_DPAP] = a->pa_min;
  m[HS_M_PAPI] = m[HS_M_CVP] > 0.5 ? (a->pa_max - a->pa_min) / m[HS_M_CVP] : NAN; /* CVP ~0: undefined */
  m[HS_M_MPAP] = MEAN(pl->q_p + pl->pa);
  /* opened = the valve opened and the ventricle ejected through it (> 0.5 mL net):
     a valve that flickers open at zero pressure difference with no flow has not */
  m[HS_M_AVOPEN] = a->av_opened && MEAN(pl->q_q + pl->av) * T > 0.5 ? 1.0 : 0.0;
  /* coronary perfusion pressure: mean aortic-root pressure while the aortic valve is
     closed (diastole, when the left coronary artery fills) minus LVEDP; with the
     valve never open this is the whole beat */
  double tdia = q[pl->q_dia + 1] - a->q0[pl->q_dia + 1];
  m[HS_M_CPP] = (tdia > 1e-6 ? (q[pl->q_dia] - a->q0[pl->q_dia]) / tdia : a->root_min) -
                a->edp_lv;
  /* the loop runs counter-clockwise: stroke work = -closed integral of P dV */
  m[HS_M_SW] = -(q[pl->q_sw] - a->q0[pl->q_sw]);
  /* PVA = SW + PE; PE = Pes (Ves - V0) / 2 (Suga 1979, Am J Physiol 236:H498) */
  double v0 = bparams(s, pl->node_block[pl->lv])[CHAMBER_V0];
  double pe = a->es_done ? 0.5 * a->es_p * (a->es_v - v0) : 0.0;
  m[HS_M_PVA] = m[HS_M_SW] + (pe > 0 ? pe : 0.0);
  m[HS_M_SPTI] = (q[pl->q_dia + 2] - a->q0[pl->q_dia + 2]) * 60.0 / T;
  double tbv = 0;
  for (int i = 0; i < pl->nn; i++) tbv += s->y[i];
  for (int d = 0; d < pl->nd; d++)
    if (pl->dev_type[d]->volume_param >= 0)
      tbv += bparams(s, pl->dev_block[d])[pl->dev_type[d]->volume_param];
  m[HS_M_TBV] = tbv;
  double hb = hb_now(s);
  double cu = MEAN(pl->q_c + pl->upper);
  m[HS_M_SAO2U] = sat_pct(hb, cu);
  m[HS_M_SAO2L] = pl->lower >= 0 ? sat_pct(hb, MEAN(pl->q_c + pl->lower)) : NAN;
  m[HS_M_SVO2] = sat_pct(hb, MEAN(pl->q_c + pl->pa));
  m[HS_M_PAO2U] = hs_o2_po2_from_content(hb, 100.0 * cu);
  m[HS_M_DO2] = do2;
  m[HS_M_DO2B] = pl->cer_art >= 0 ? do2b : NAN;
  m[HS_M_DO2H] = pl->cor_art >= 0 ? do2h : NAN;
  m[HS_M_VO2] = 60.0 * MEAN(pl->q_cons);
  m[HS_M_O2LUNG] = 60.0 * MEAN(pl->q_lung);
  m[HS_M_O2OXY] = 60.0 * MEAN(pl->q_oxy);
  { /* CO2 and acid-base (docs/model.md 2.19): PCO2 from the beat-mean CO2 content at
       the site's beat-mean saturation and the current base excess */
    const double *ox = s->p + pl->oxygen;
    double su = m[HS_M_SAO2U] / 100.0, sl = m[HS_M_SAO2L] / 100.0, sv = m[HS_M_SVO2] / 100.0;
    double pu = hs_co2_pco2_from_content(100.0 * MEAN(pl->q_k + pl->upper), s->be, hb, su);
    m[HS_M_PACO2U] = pu;
    m[HS_M_PACO2L] = pl->lower >= 0 ? hs_co2_pco2_from_content(100.0 * MEAN(pl->q_k + pl->lower),
                                                               s->be, hb, sl)
                                    : NAN;
    m[HS_M_PVCO2] = hs_co2_pco2_from_content(100.0 * MEAN(pl->q_k + pl->pa), s->be, hb, sv);
    m[HS_M_ETCO2] = (1.0 - ox[OXY_VDALV]) * PACO2(s);
    m[HS_M_PH] = hs_co2_ph(pu, s->be, hb);
    m[HS_M_HCO3] = hs_co2_bicarbonate(pu, m[HS_M_PH]);
    m[HS_M_VCO2] = 60.0 * MEAN(pl->q_kprod);
    m[HS_M_CO2LUNG] = 60.0 * MEAN(pl->q_klung);
    double ko = 0.0;
    for (int d = 0; d < pl->nd; d++) ko += 60.0 * MEAN(pl->q_koxy + d);
    m[HS_M_CO2OXY] = ko;
  }
  hs_brain_metrics(pl, s->p, q, a->q0, T, a->tcd_max, a->tcd_min, m); /* ICP, CBF, TCD */
  clinical_indices(s, m, bsa, v0, hb);
  m[HS_M_SHUNT] = 100.0 * lung_shunt(s);
  { /* for the modules: O2 carried into each node, mean flow of each edge */
    double *nd = s->bx, *eq = s->bx + pl->nn;
    for (int i = 0; i < pl->nn; i++) nd[i] = 0.0;
    for (int e = 0; e < pl->ne; e++) {
      double j = 60.0 * MEAN(pl->q_flux + e);
      if (j > 0) nd[pl->eto[e]] += j;
      else nd[pl->efrom[e]] -= j;
      eq[e] = MEAN(pl->q_q + e);
    }
  }
  m[HS_M_HB] = hb;
  for (int d = 0; d < pl->nd; d++) { /* device outputs first: modules may read them */
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; k < dt->noutputs; k++) {
      int o = pl->dev_out_ofs[d] + k;
      m[HS_METRIC_COUNT + o] = (dt->outputs[k].agg == HS_AGG_MEAN ? MEAN(pl->q_out + o)
                                                                  : s->dext[o]) *
                               dt->outputs[k].scale;
    }
  }
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->metrics) md->metrics(s->mstate + s->mofs[k], pl, s->p, m);
  }
  for (int e = 0; e < pl->ne; e++) { /* forward and backward parts of the flow */
    double qm = MEAN(pl->q_q + e), qa = MEAN(pl->q_aq + e);
    s->qmean[2 * e] = 0.5 * (qa + qm);
    s->qmean[2 * e + 1] = 0.5 * (qa - qm);
  }
  for (int k = 0; k < pl->nfd; k++) s->qmean[2 * pl->ne + k] = MEAN(pl->q_fd + k);
  for (int i = 0; i < pl->nn; i++) {
    site[i] = MEAN(pl->q_p + i);
    site[pl->nn + i] = sat_pct(hb, MEAN(pl->q_c + i));
    site[2 * pl->nn + i] = pl->ntr ? 100.0 * MEAN(pl->q_tr + i) : 0.0;
  }
#undef MEAN
}

/* ------------------------------------------------- physiological modules -- */

/* The modules' combined effect (physio/module.h): factors multiply, from 1. */
static void modules_effect(hs_sim *s) {
  hs_physio_effect fx = {1.0, 1.0, 1.0, 0.0, 1.0, 1.0};
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->effect) md->effect(s->mstate + s->mofs[k], s->pl, s->p, &fx);
  }
  s->pfx = fx;
  memo_reset(s);
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
    touched = 1;
  }
  if (touched) {
    double hb = s->pfx.hb;
    modules_effect(s);
    if (s->pfx.hb != hb) refresh_derived(s); /* the lungs' end-capillary O2 content */
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
  hs_physio_beat b = {s->pl, s->p, s->t, m, s->bx, s->bx + s->pl->nn, s->slow_frozen,
                      s->kin, s->site + (s->nhist - 1) % HIST * 3 * s->pl->nn + s->pl->nn};
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
  modules_effect(s);
  if (changed) s->dirty = 1;
  return s->slow_frozen ? HS_OK : slow_apply(s, T, err);
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
  if (sv[SOLVER_SLOW_STEP] <= 0 || s->slow_frozen || !s->nslow || s->ctl_moving) return HS_OK;
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
  if (!moving || d < 2.0 * rr) return HS_OK; /* nothing to jump, or not worth it */
  hs_status st = slow_apply(s, d, err);
  if (st) return st;
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

/* Relative change of a positive factor. */
static inline double rel(double a, double b) {
  double d = fabs(a - b), m = fabs(b) > 1e-12 ? fabs(b) : 1e-12;
  return d / m;
}

/*
 * Beat-to-beat change of every state between the last two end-diastoles, per kind
 * (docs/numerics.md, "Periodic steady state"):
 *   volumes (mL) and baroreflex unstressed-volume shifts          -> solver.steady_tol
 *   inertial flows, device flow states (mL/s)                      -> solver.steady_tol_flow
 *   device speed states (rpm)                                       -> solver.steady_tol_rpm
 *   relative change of each control factor (baroreflex effectors and
 *   heart period, autoregulated resistance, MAP/BP controller) and
 *   absolute change of device fractions                             -> solver.steady_tol_factor
 *   CSF: |mean dV_csf/dt| x R_out (mmHg from the CSF balance)       -> solver.steady_tol_icp
 *   O2 content, ECMO-blood fraction (mL/mL)                         -> solver.steady_tol_o2
 * (CO2 contents are solved directly, o2_equilibrate, and do not hold it back).
 * res_fast is the largest change / tolerance over the first four kinds.
 */
static void steady_measure(hs_sim *s) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  const double *y = s->y, *y0 = s->y_prev_ed;
  double dv = 0, dq = 0, drpm = 0, dfac = 0, do2 = 0;
  for (int i = 0; i < pl->nn; i++) {
    double d = fabs(y[i] - y0[i]);
    if (d > dv) dv = d;
    double c1 = y[pl->yo2 + i] / y[i], c0 = y0[pl->yo2 + i] / y0[i];
    if (fabs(c1 - c0) > do2) do2 = fabs(c1 - c0);
    if (pl->ntr) {
      c1 = y[pl->ytr + i] / y[i], c0 = y0[pl->ytr + i] / y0[i];
      if (fabs(c1 - c0) > do2) do2 = fabs(c1 - c0);
    }
  }
  s->last_change = dv;
  s->last_change_o2 = do2;
  for (int e = 0; e < pl->ne; e++) {
    int k = pl->estate[e];
    if (k >= 0 && fabs(y[k] - y0[k]) > dq) dq = fabs(y[k] - y0[k]);
  }
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; k < dt->nstates; k++) {
      int j = pl->dev_state_ofs[d] + k, kind = dt->states ? dt->states[k].kind : HS_DSTATE_FLOW;
      double c = fabs(y[j] - y0[j]);
      double *acc = kind == HS_DSTATE_SPEED ? &drpm : kind == HS_DSTATE_FRACTION ? &dfac : &dq;
      if (c > *acc) *acc = c;
    }
  }
  if (s->ntmod) {
    hs_physio_tone a = {1, 1, 1, 1, 0, 0, 0}, b = a;
    tone_at(s, y, &a);
    tone_at(s, y0, &b);
    double r[5] = {rel(a.ees_lv, b.ees_lv), rel(a.ees_rv, b.ees_rv),
                   rel(a.r_splanchnic, b.r_splanchnic), rel(a.r_extra, b.r_extra),
                   fabs(a.dperiod - b.dperiod) / (s->brr > 0.1 ? s->brr : 0.1)};
    for (int k = 0; k < 5; k++)
      if (r[k] > dfac) dfac = r[k];
    double v = fabs(a.dvu_splanchnic - b.dvu_splanchnic);
    if (fabs(a.dvu_extra - b.dvu_extra) > v) v = fabs(a.dvu_extra - b.dvu_extra);
    if (v > dv) dv = v;
  }
  if (pl->nar) { /* autoregulated resistances */
    double r = hs_brain_ar_change(pl, s->p, y, y0);
    if (r > dfac) dfac = r;
  }
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    double c = md->change ? md->change(s->mstate + s->mofs[k]) : 0.0;
    if (c > dfac) dfac = c;
  }
  double res = dv / sv[SOLVER_STEADY_TOL];
  if (dq / sv[SOLVER_STEADY_TOL_FLOW] > res) res = dq / sv[SOLVER_STEADY_TOL_FLOW];
  if (drpm / sv[SOLVER_STEADY_TOL_RPM] > res) res = drpm / sv[SOLVER_STEADY_TOL_RPM];
  if (dfac / sv[SOLVER_STEADY_TOL_FACTOR] > res) res = dfac / sv[SOLVER_STEADY_TOL_FACTOR];
  s->res_fast = res;
  s->csf_drift = 0.0;
  s->icp_imb = 0.0;
  if (pl->nic) {
    double rr = s->brr > 1e-3 ? s->brr : 1e-3;
    s->csf_drift = (y[pl->ycsf] - y0[pl->ycsf]) / rr;
    s->icp_imb = fabs(s->csf_drift) * s->p[pl->brain + BRAIN_CSF_ROUT];
  }
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
  transport_step(s, s->vstart, s->t - s->tr_t0);
  memcpy(s->qprev, s->q, (size_t)s->pl->nq_ode * sizeof(double));
  s->tr_open = 0;
  return HS_OK;
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
  const double *ox = s->p + pl->oxygen;
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

static hs_status end_of_beat(hs_sim *s, hs_err *err) {
  const hs_plan *pl = s->pl;
  hs_status st = transport_flush(s, err);
  if (st == HS_OK) st = s->ot->quad(s->ode, s->q, err);
  if (st) return st;
  long row = s->nhist % HIST;
  double *m = s->hist + row * s->nm;
  finish_beat(s, m, s->site + row * 3 * pl->nn);
  s->nhist++;
  s->beats++;
  steady_measure(s);
  s->slow_calm = s->res_fast < SLOW_SETTLE_RES && !s->ctl_moving ? s->slow_calm + 1 : 0;
  {
    double T = s->t - s->acc.t0, *kin = s->kin; /* beat-mean CO2 contents (modules, gases) */
    for (int i = 0; i < pl->nn; i++) kin[i] = (s->q[pl->q_k + i] - s->acc.q0[pl->q_k + i]) / T;
    if ((st = modules_beat(s, m, T, err)) != HS_OK) return st;
    if (isfinite(m[HS_M_BE])) s->be = m[HS_M_BE]; /* lactate consumes bicarbonate */
    gas_exchange(s, T, kin);
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
  const double *ox = s->p + pl->oxygen;
  double hb = hb_now(s), c_ec = s->c_ec, k_ec = s->k_ec, shunt = lung_shunt(s), rq = ox[OXY_RQ];
  int nn = pl->nn, sweep;
  double *in_c = s->work_dy, *in_f = s->ydense, *in_k = s->kin, *out = s->trscratch;
  for (sweep = 0; sweep < maxsweep; sweep++) {
    for (int i = 0; i < nn; i++) in_c[i] = in_f[i] = in_k[i] = out[i] = 0.0;
    /* forward volume carries the upstream content downstream, backward volume the
       downstream content upstream: tidal (to-and-fro) exchange is kept */
    for (int e = 0; e < pl->ne; e++) {
      int a = pl->efrom[e], b = pl->eto[e], gas = pl->edge_gas[e];
      double qf = s->qmean[2 * e], qb = s->qmean[2 * e + 1];
      in_c[b] += qf * (gas ? (1.0 - shunt) * c_ec + shunt * c[a] : c[a]);
      in_k[b] += qf * (gas ? (1.0 - shunt) * k_ec + shunt * k[a] : k[a]);
      in_f[b] += pl->edge_bed[e] ? 0.0 : qf * f[a];
      out[a] += qf;
      in_c[a] += qb * c[b];
      in_k[a] += qb * k[b];
      in_f[a] += qb * f[b];
      out[b] += qb;
    }
    for (int d = 0; d < pl->nd; d++) {
      const hs_device_type *dt = pl->dev_type[d];
      const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
      double cout = 0.01 * hs_o2_content(hb, s->po2out[d]);
      for (int n = 0; n < dt->nflows; n++) {
        double q = s->qmean[2 * pl->ne + pl->dev_flow_ofs[d] + n];
        int fw = q >= 0;
        int a = ports[fw ? dt->flows[n].from_port : dt->flows[n].to_port];
        int b = ports[fw ? dt->flows[n].to_port : dt->flows[n].from_port];
        int oxg = fw && (dt->flows[n].flags & HS_DFLOW_OXYGENATE);
        q = fabs(q);
        in_c[b] += q * (oxg ? cout : c[a]);
        in_k[b] += q * (oxg ? s->kout[d] : k[a]);
        in_f[b] += q * (oxg ? 1.0 : f[a]);
        out[a] += q;
      }
    }
    double change = 0;
    for (int n = 0; n < pl->nvo2; n++) { /* CO2 production supply-limited as in the transport */
      int i = pl->vo2_nodes[n];
      double x = c[i] / O2_CRIT;
      double g = x >= 1.0 ? 1.0 : x <= 0.0 ? 0.0 : 1.0 - (1 - x) * (1 - x) * (1 - x);
      double vo2 = s->p[pl->vo2_pidx[n]] / 60.0;
      in_c[i] -= vo2; /* O2 as before the CO2 transport (the floor at 0 below) */
      in_k[i] += rq * vo2 * g;
    }
    for (int i = 0; i < nn; i++) {
      if (out[i] <= 1e-9) continue; /* stagnant node: leave it as it is */
      double cn = in_c[i] / out[i], fn = in_f[i] / out[i], kn = in_k[i] / out[i];
      if (cn < 0) cn = 0;
      if (o2) {
        if (fabs(cn - c[i]) > change) change = fabs(cn - c[i]);
        c[i] = cn, f[i] = fn;
      }
      if (fabs(kn - k[i]) > change) change = fabs(kn - k[i]);
      k[i] = kn;
    }
    if (change < 1e-12) break;
  }
  return sweep;
}

static void o2_equilibrate(hs_sim *s, int o2) {
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
    if (fabs(moved) < 1e-5) break;
  }
  /* the lungs' end-capillary O2 follows the alveolar PCO2 (alveolar gas equation):
     the O2 balance once more at the settled PCO2 */
  if (o2) gas_sweeps(s, c, f, k, 1, 2000);

  for (int i = 0; i < nn; i++) {
    if (o2) s->y[pl->yo2 + i] = c[i] * s->y[i];
    if (o2 && pl->ntr) s->y[pl->ytr + i] = f[i] * s->y[i];
    s->y[pl->yco2 + i] = k[i] * s->y[i];
  }
  if (o2) s->dirty = 1; /* (CO2 alone: not an integrator state, no restart: the
                           haemodynamics do not depend on the path) */
}

/*
 * CSF balance (the slow ICP mode).  The CSF volume obeys dV/dt = production -
 * absorption(ICP), with a time constant of tens of minutes once the intracranial
 * blood volume has yielded to it (Marmarou 1978): integration alone would need
 * thousands of beats.  Once the haemodynamics are steady, the CSF volume jumps to
 * the zero of its mean drift D(V) over a beat: a secant step between the last two
 * measurements (the first step uses dD/dV = -dICP/dV / R_out at fixed blood volume,
 * which overestimates the stiffness, so the first step undershoots).  The
 * haemodynamics settle again before the next measurement; the steady-state test
 * then requires |D| R_out < solver.steady_tol_icp.
 */
typedef struct csf_solver {
  int n, have_lo, have_hi, side;
  double v_lo, d_lo, v_hi, d_hi; /* bracket: drift > 0 at v_lo, < 0 at v_hi */
} csf_solver;

static void csf_step(hs_sim *s, csf_solver *cs) {
  const hs_plan *pl = s->pl;
  double v = s->y[pl->ycsf], d = s->csf_drift, vn;
  /* the drift falls as V rises: a measurement on the wrong side of the other end
     (taken while the haemodynamics were still settling) makes that end stale */
  if (d > 0 && cs->have_hi && v >= cs->v_hi) cs->have_hi = 0, cs->side = 0;
  if (d <= 0 && cs->have_lo && v <= cs->v_lo) cs->have_lo = 0, cs->side = 0;
  if (d > 0) {
    cs->v_lo = v, cs->d_lo = d, cs->have_lo = 1;
    if (cs->side == 1) cs->d_hi *= 0.5; /* Illinois: the same end moved twice */
    cs->side = 1;
  } else {
    cs->v_hi = v, cs->d_hi = d, cs->have_hi = 1;
    if (cs->side == -1) cs->d_lo *= 0.5;
    cs->side = -1;
  }
  if (cs->have_lo && cs->have_hi && cs->d_lo != cs->d_hi) {
    vn = cs->v_lo - cs->d_lo * (cs->v_hi - cs->v_lo) / (cs->d_hi - cs->d_lo);
  } else if (csf_equilibrate(s), (vn = s->y[pl->ycsf]) != v && (vn - v) * d > 0) {
    /* no bracket yet: the direct balance (formation = absorption at the last beat's
       mean sinus pressure, the intracranial blood shift included) as the guess, when it
       lies on the side the measured drift points to */
  } else {
    s->y[pl->ycsf] = v;
    /* no brain sinus node: a Newton guess (physio/brain.c) */
    const double *m = s->hist + ((s->nhist - 1) % HIST) * s->nm;
    const double *site = s->site + ((s->nhist - 1) % HIST) * 3 * pl->nn;
    double psin = (pl->brain_sinus >= 0 ? site[pl->brain_sinus] : 0.0) +
                  s->p[pl->brain + BRAIN_SINUS_GRAD];
    memcpy(s->ydense, s->y, (size_t)pl->ny * sizeof(double));
    vn = hs_brain_csf_newton(pl, s->p, s->ydense, s->icp_vref, m[HS_M_ICP], psin, d);
  }
  if (vn > v + 30.0) vn = v + 30.0;
  if (vn < v - 30.0) vn = v - 30.0;
  if (vn < 0.1 * v) vn = 0.1 * v;
  cs->n++;
  s->y[pl->ycsf] = vn;
  memcpy(s->y_prev_ed, s->y, (size_t)pl->ny * sizeof(double));
  s->dirty = 1;
}

/*
 * Steady-state acceleration (solver.steady_accel): Anderson acceleration of the beat
 * map.  F(x) is the end-diastolic state one beat after the end-diastolic state x; the
 * periodic steady state is its fixed point.  Each beat is integrated normally from
 * x_k; the next start x_{k+1} combines the last few beats (core/anderson.h, memory
 * STEADY_AA_M), every state weighted by the reciprocal of its steady-state tolerance
 * (steady_weights), so the least-squares problem balances volumes, flows, speeds and
 * control factors the way the steady-state test does.  The CSF volume (own solve,
 * csf_step) and the O2 / tracer contents (own warm start, o2_equilibrate) are carried
 * along at the latest beat's value (contents as concentrations, so O2 mass follows the
 * accelerated volume).  Weights of the volumes are equal, so the coefficients sum to
 * one over the volumes and the total blood volume is unchanged.
 */
#define STEADY_AA_M 5
/* The haemodynamic stage runs until the largest change is this fraction of its
   tolerance (not just below it): the flows the O2 stage works on then hold still. */
#define STEADY_AA_FAST_GOAL 0.3
/* The O2 stage runs until the per-beat O2 change is this fraction of its tolerance: the
   washout modes are slow (r ~ 0.9-0.99 per beat), so a change just below the tolerance
   can still be tens of tolerances from the fixed point; accelerated steps are cheap. */
#define STEADY_AA_O2_GOAL 0.1
/* Beats between CSF steps: the drift is measured only after the haemodynamics have
   answered the last step (a step every beat measures the transient, not the balance). */
#define STEADY_CSF_GAP 3
#define STEADY_AA_O2_STEPS 12 /* at most, once the change is below its tolerance */

static void steady_weights(const hs_sim *s, double *w) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  double tv = sv[SOLVER_STEADY_TOL], tq = sv[SOLVER_STEADY_TOL_FLOW];
  double tr = sv[SOLVER_STEADY_TOL_RPM], tf = sv[SOLVER_STEADY_TOL_FACTOR];
  for (int k = 0; k < pl->ny; k++) w[k] = 0.0;
  for (int i = 0; i < pl->nn; i++) w[i] = 1.0 / tv;
  for (int e = 0; e < pl->ne; e++)
    if (pl->estate[e] >= 0) w[pl->estate[e]] = 1.0 / tq;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; k < dt->nstates; k++) {
      int kind = dt->states ? dt->states[k].kind : HS_DSTATE_FLOW;
      w[pl->dev_state_ofs[d] + k] =
          1.0 / (kind == HS_DSTATE_SPEED ? tr : kind == HS_DSTATE_FRACTION ? tf : tq);
    }
  }
  hs_physio_tol tol = {tv, tf, s->brr};
  for (int j = 0; j < s->ntmod; j++) { /* the modules' states, as each weighs them */
    int k = s->tmod[j];
    const hs_physio_module *md = hs_physio_module_at((size_t)k);
    if (md->weights) md->weights(s->mstate + s->mofs[k], pl, s->p, &tol, w + pl->mod_y[k]);
  }
  for (int k = 0; k < pl->nar; k++) w[pl->yar + k] = 1.0 / tf;
}

/*
 * Make an accelerated start state x (from the beat map value g) admissible, or say why
 * not.  Carried-along states take g's value; closed valves carry no flow; bounded device
 * states are projected onto their declared range (hs_device_state); while the LV does
 * not eject its volume may not exceed g's (its filling is one-way: an overshoot would
 * never be undone), the excess stays in the LA (likewise the RV and the RA); every volume
 * keeps at least 30 % of g's.
 */
static const char *steady_admissible(const hs_sim *s, const double *g, double *x, int lv_shut,
                                     int rv_shut, int o2in, char *why, size_t n) {
  const hs_plan *pl = s->pl;
  for (int k = 0; k < pl->ny; k++)
    if (!isfinite(x[k])) {
      snprintf(why, n, "t=%.1f s: an Anderson step was not finite", s->t);
      return why;
    }
  if (pl->nic) x[pl->ycsf] = g[pl->ycsf];
  if (lv_shut && x[pl->lv] > g[pl->lv]) x[pl->la] += x[pl->lv] - g[pl->lv], x[pl->lv] = g[pl->lv];
  if (rv_shut && x[pl->rv] > g[pl->rv]) x[pl->ra] += x[pl->rv] - g[pl->rv], x[pl->rv] = g[pl->rv];
  for (int i = 0; i < pl->nn; i++) {
    if (!(x[i] > 0.3 * g[i])) {
      snprintf(why, n, "t=%.1f s: an Anderson step would empty '%s' (%.1f -> %.1f mL)", s->t,
               hs_plan_node_name(pl, (size_t)i), g[i], x[i]);
      return why;
    }
    if (!o2in) {
      x[pl->yo2 + i] = g[pl->yo2 + i] / g[i] * x[i];
      x[pl->yco2 + i] = g[pl->yco2 + i] / g[i] * x[i];
      if (pl->ntr) x[pl->ytr + i] = g[pl->ytr + i] / g[i] * x[i];
    } else {
      if (x[pl->yo2 + i] < 0) x[pl->yo2 + i] = 0;
      if (x[pl->yco2 + i] < 0) x[pl->yco2 + i] = 0;
      if (pl->ntr && x[pl->ytr + i] < 0) x[pl->ytr + i] = 0;
      if (pl->ntr && x[pl->ytr + i] > x[i]) x[pl->ytr + i] = x[i];
    }
  }
  for (int k = pl->ygas; k < pl->ygas + 1 + pl->nd; k++) /* gas PCO2: carried, >= 0 */
    x[k] = !o2in ? g[k] : x[k] < 0 ? 0.0 : x[k];
  for (int v = 0; v < pl->nvalve; v++)
    if (!s->open[v]) x[pl->estate[pl->valve_edge[v]]] = 0.0;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; dt->states && k < dt->nstates; k++) {
      double *v = &x[pl->dev_state_ofs[d] + k];
      if (*v < dt->states[k].min) *v = dt->states[k].min;
      if (*v > dt->states[k].max) *v = dt->states[k].max;
    }
  }
  return NULL;
}

/*
 * Periodic steady state (docs/numerics.md).  Beat by beat: every state kind must
 * change by less than its tolerance (steady_measure), the CSF balance must hold
 * within solver.steady_tol_icp, O2 content within solver.steady_tol_o2, and the
 * MAP/BP controller must be settled, for three beats in a row, each started from the
 * end of the one before (plain integration: the steady state is verified by
 * integrating, never by an accelerated step).  Speed-ups that do not change the
 * answer: Anderson acceleration of the beat map while the haemodynamics are not yet
 * steady (safeguarded: admissible states, restart from the best state when the change
 * grows, fallback to plain integration with a stated reason), the CSF balance solve
 * (csf_step) and the O2 warm start (o2_equilibrate).
 */
hs_status hs_sim_run_to_steady(hs_sim *s, hs_steady_info *info, hs_err *err) {
  const hs_plan *pl = s->pl;
  const double *sv = s->p + pl->solver;
  long max_beats = (long)sv[SOLVER_MAX_BEATS];
  int window = (int)sv[SOLVER_WINDOW];
  long period = sv[SOLVER_STEADY_PERIOD] >= 2 ? (long)sv[SOLVER_STEADY_PERIOD] : 1;
  long start = s->beats, calm = 0;
  int warmed = 0;
  hs_steady_info inf;
  memset(&inf, 0, sizeof inf);
  inf.last_change = INFINITY;
  hs_status st = HS_OK;
  int accel = sv[SOLVER_STEADY_ACCEL] != 0 && hs_sim_scheduled(s) == 0;
  size_t nb = (size_t)pl->ny * sizeof(double);
  hs_aa *aa = accel ? hs_aa_new(pl->ny, STEADY_AA_M) : NULL;
  double *w = accel ? malloc(nb) : NULL, *xn = accel ? malloc(nb) : NULL;
  if (accel && (!aa || !w || !xn)) {
    hs_aa_free(aa), free(w), free(xn);
    return hs_err_set(err, HS_ERR_NOMEM, "steady state: out of memory");
  }
  csf_solver cs = {0, 0, 0, 0, 0, 0, 0, 0};
  s->slow_frozen++; /* the slow states hold still: steady = fast periodic at them */
  int from_aa = 0;  /* the beat just run started from an accelerated state */
  int mode = 0;     /* what the accelerator's history is about: 1 haemodynamics, 2 O2 */
  int aa_steps = 0; /* accelerated steps since the last restart */
  int failures = 0; /* restarts (change grew, inadmissible step) */
  int av_shut = 0, rv_shut = 0, o2_steps = 0;
  long csf_beat = -STEADY_CSF_GAP; /* beat of the last CSF step */
  char suspended[sizeof inf.accel_reason] = "";
  double best = INFINITY, bpc_prev = NAN;
  while (s->beats - start < max_beats) {
    memcpy(s->y_ed1, s->y, nb);
    if (period > 1) { /* a pattern of n beats (solver.steady_period, e.g. IABP 1:n): the
                         test and the accelerated map compare states n beats apart */
      if ((st = hs_sim_run_beats(s, period - 1, err)) != HS_OK) break;
      memcpy(s->y_prev_ed, s->y_ed1, nb);
    }
    if ((st = hs_sim_run_beats(s, 1, err)) != HS_OK) break;
    double res = s->res_fast, o2res = s->last_change_o2 / sv[SOLVER_STEADY_TOL_O2];
    double av = s->hist[((s->nhist - 1) % HIST) * s->nm + HS_M_AVOPEN];
    av_shut = av > 0.5 ? 0 : av_shut + 1;
    /* no circulation (arrest without support): contents only stagnate, nothing to
       accelerate */
    int circulating = s->hist[((s->nhist - 1) % HIST) * s->nm + HS_M_CO] > 0.1;
    rv_shut = !(s->hist[((s->nhist - 1) % HIST) * s->nm + HS_M_RVO] > 1e-3);
    int was_aa = from_aa;
    from_aa = 0;
    double bpc_now = s->hist[((s->nhist - 1) % HIST) * s->nm + HS_M_BPC];
    if (bpc_now != bpc_prev) mode = 0; /* the controller changed the map */
    bpc_prev = bpc_now;
    int csf_ok = !pl->nic || s->icp_imb < sv[SOLVER_STEADY_TOL_ICP] || cs.n >= 40;
    int warm_now = res < 1.0 && !s->ctl_moving && csf_ok && !warmed;
    if (warm_now && o2res < 1.0) warm_now = 0, warmed = 1; /* already steady (warm start) */
    /* which accelerated iteration this beat belongs to, if any */
    int want = !accel || s->beats - start < 2 ? 0
               : res >= STEADY_AA_FAST_GOAL   ? 1
               : warmed && csf_ok && !s->ctl_moving && circulating &&
                       (o2res >= 1.0 || (o2res >= STEADY_AA_O2_GOAL && o2_steps < STEADY_AA_O2_STEPS))
                   ? 2
                   : 0;
    if (want == 1 && (av_shut || rv_shut)) {
      /* a ventricle that does not eject only fills (inflow, no outflow): an overshoot
         of its filling would never be undone and the run would settle on another,
         neutrally stable, orbit; its haemodynamics are integrated plainly */
      want = 0;
      if (!suspended[0])
        snprintf(suspended, sizeof suspended,
                 "t=%.0f s: the %s does not eject (one-way filling: an overshoot would "
                 "persist); integrated plainly",
                 s->t, av_shut ? "LV (aortic valve shut)" : "RV (pulmonary valve shut)");
    }
    if (want != mode) {
      if (aa) hs_aa_reset(aa);
      mode = want, aa_steps = 0, best = INFINITY;
    }
    if (mode) {
      double mon = mode == 1 ? res : o2res;
      if (mon < best) {
        best = mon;
        memcpy(s->y_save, s->y, nb);
      } else if (aa_steps >= 3 && mon > 10.0 * best) {
        /* the change grew tenfold over the best state of this approach: the linear
           model behind the combination does not hold here; restart from that state */
        memcpy(s->y, s->y_save, nb);
        memcpy(s->y_prev_ed, s->y, nb);
        s->dirty = 1;
        if (++failures >= 3) {
          accel = 0;
          inf.accel_fallback = 1;
          snprintf(inf.accel_reason, sizeof inf.accel_reason,
                   "t=%.1f s: the beat-to-beat change grew after Anderson steps three times "
                   "(%.3g x its tolerance vs %.3g at the best state)",
                   s->t, mon, best);
        }
        hs_aa_reset(aa);
        aa_steps = 0, best = INFINITY, calm = 0, mode = 0;
        continue;
      }
    }
    /* The CSF volume (ICP) relaxes over tens of minutes: once the haemodynamics are
       nearly steady (within 20x their tolerances for the first, Newton, guesses; 3x once
       the root is bracketed), solve its balance directly (csf_step), again after each
       re-settling. */
    int bracketed = cs.have_lo && cs.have_hi;
    if (res < (bracketed ? 3.0 : 20.0) && !s->ctl_moving && !csf_ok &&
        s->beats - csf_beat >= STEADY_CSF_GAP) {
      csf_beat = s->beats;
      csf_step(s, &cs);
      inf.csf_steps++;
      calm = 0;
      if (mode) hs_aa_reset(aa), aa_steps = 0, best = INFINITY;
      continue;
    }
    if (mode) {
      steady_weights(s, w);
      /* O2 stage: the contents alone, relative to their tolerance; the haemodynamics
         (within STEADY_AA_FAST_GOAL already) are integrated plainly. Weighing their
         slow residual drift (CSF, effectors) in with the contents let the combination
         trade one for the other and kept the O2 change from falling below its goal. */
      int o2_only = mode == 2;
      if (o2_only)
        for (int k = 0; k < pl->ny; k++)
          w[k] = k >= pl->yco2  ? 0.0 /* CO2: solved directly (o2_equilibrate), not weighed */
                 : k >= pl->yo2 ? 1.0 / (sv[SOLVER_STEADY_TOL_O2] * s->y[(k - pl->yo2) % pl->nn])
                                : 0.0;
      int used = hs_aa_step(aa, s->y_ed1, s->y, w, xn, NULL);
      if (used > 0) {
        if (o2_only) memcpy(xn, s->y, (size_t)pl->yo2 * sizeof(double));
        const char *why = steady_admissible(s, s->y, xn, av_shut > 0, rv_shut, mode == 2,
                                            inf.accel_reason, sizeof inf.accel_reason);
        if (why) {
          hs_aa_reset(aa);
          aa_steps = 0;
          if (++failures >= 3) accel = 0, inf.accel_fallback = 1, mode = 0;
          else inf.accel_reason[0] = 0;
        } else {
          memcpy(s->y, xn, nb);
          memcpy(s->y_prev_ed, s->y, nb);
          s->dirty = 1;
          inf.accel_jumps++;
          aa_steps++;
          o2_steps += mode == 2;
          from_aa = 1;
          calm = 0;
          continue;
        }
      }
    }
    int fast_calm = res < 1.0 && !s->ctl_moving && !was_aa;
    /* Oxygen contents relax with the blood's transit times (minutes) and have slow
       modes in poorly perfused nodes: once the haemodynamics and the CSF balance are
       steady, jump the contents to their equilibrium for the current mean flows
       (once: a second jump from one beat's mean flows kicks the contents again rather
       than settling them). */
    if (warm_now) {
      o2_equilibrate(s, 1);
      warmed = 1;
      calm = 0;
      continue;
    }
    calm = fast_calm && s->icp_imb < sv[SOLVER_STEADY_TOL_ICP] &&
                   s->last_change_o2 < sv[SOLVER_STEADY_TOL_O2]
               ? calm + 1
               : 0;
    if (calm >= 3) {
      inf.reached = 1;
      /* CO2 does not feed back on the circulation or the O2 and is not part of the test
         above: its whole-body pool (blood against ventilation and sweep gas) has a slow
         mode of minutes; solve its balance for the steady flows now (no restart) */
      o2_equilibrate(s, 0);
      break;
    }
  }
  hs_aa_free(aa);
  free(w);
  free(xn);
  if (st) {
    s->slow_frozen--;
    return st;
  }
  if (!inf.accel_fallback && (av_shut || rv_shut) && suspended[0]) { /* shut to the end */
    inf.accel_fallback = 1;
    memcpy(inf.accel_reason, suspended, sizeof suspended);
  }
  inf.beats = s->beats - start;
  inf.time_s = s->t;
  inf.last_change = s->last_change;
  inf.icp_imbalance_mmhg = s->icp_imb;
  if (info) *info = inf;
  if (!inf.reached) {
    s->slow_frozen--;
    return hs_err_set(err, HS_ERR_NOT_STEADY,
                      "t=%.1f s: no periodic steady state after %ld beats (largest end-diastolic "
                      "volume change %.3g mL per beat, tolerance %.3g mL; largest change over "
                      "tolerance of any state %.3g; CSF imbalance %.3g mmHg, tolerance %.3g; "
                      "largest O2 content change %.3g mL/mL, tolerance %.3g%s)",
                      s->t, inf.beats, s->last_change, sv[SOLVER_STEADY_TOL], s->res_fast,
                      s->icp_imb, sv[SOLVER_STEADY_TOL_ICP], s->last_change_o2,
                      sv[SOLVER_STEADY_TOL_O2], s->ctl_moving ? "; MAP controller still titrating" : "");
  }
  st = hs_sim_run_beats(s, window, err);
  s->slow_frozen--;
  return st;
}

/* ------------------------------------------------------------ read-outs -- */

double hs_sim_time(const hs_sim *s) { return s->t; }
long hs_sim_beats(const hs_sim *s) { return s->beats; }

hs_status hs_sim_last_beat(const hs_sim *s, double out[HS_METRIC_COUNT], hs_err *err) {
  if (s->nhist == 0) return hs_err_set(err, HS_ERR_STATE, "no beat has completed yet");
  memcpy(out, s->hist + ((s->nhist - 1) % HIST) * s->nm, sizeof(double) * HS_METRIC_COUNT);
  return HS_OK;
}

static hs_status check_window(const hs_sim *s, int window, hs_err *err) {
  if (window < 1 || window > HIST)
    return hs_err_set(err, HS_ERR_INVALID, "summary window must be 1..%d beats (got %d)", HIST,
                      window);
  if (s->nhist < window)
    return hs_err_set(err, HS_ERR_STATE, "only %ld beats completed, %d needed for the summary",
                      s->nhist, window);
  return HS_OK;
}

/* Mean of `width` values per row over the last `window` rows of a history table.
   NaN means "no value in that beat" (e.g. a 1:2 balloon pump's augmentation in its
   unassisted beats): the mean is over the beats that have one, NaN if none has. */
static void window_mean(const hs_sim *s, const double *table, int width, int window,
                        double *out) {
  for (int k = 0; k < width; k++) {
    double sum = 0;
    int n = 0;
    for (int j = 0; j < window; j++) {
      double v = table[((s->nhist - 1 - j) % HIST) * width + k];
      if (!isnan(v)) sum += v, n++;
    }
    out[k] = n ? sum / n : NAN;
  }
}

hs_status hs_sim_summary_all(const hs_sim *s, int window, double *out, hs_err *err) {
  hs_status st = check_window(s, window, err);
  if (st == HS_OK) window_mean(s, s->hist, s->nm, window, out);
  return st;
}

hs_status hs_sim_summary(const hs_sim *s, int window, double out[HS_METRIC_COUNT], hs_err *err) {
  double *all = malloc((size_t)s->nm * sizeof(double));
  if (!all) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  hs_status st = hs_sim_summary_all(s, window, all, err);
  if (st == HS_OK) memcpy(out, all, sizeof(double) * HS_METRIC_COUNT);
  free(all);
  return st;
}

hs_status hs_sim_site_summary(const hs_sim *s, int window, double *pm, double *so2, double *dev,
                              hs_err *err) {
  hs_status st = check_window(s, window, err);
  if (st) return st;
  int nn = s->pl->nn;
  double *all = malloc(3 * (size_t)nn * sizeof(double));
  if (!all) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  window_mean(s, s->site, 3 * nn, window, all);
  if (pm) memcpy(pm, all, (size_t)nn * sizeof(double));
  if (so2) memcpy(so2, all + nn, (size_t)nn * sizeof(double));
  if (dev) memcpy(dev, all + 2 * nn, (size_t)nn * sizeof(double));
  free(all);
  return HS_OK;
}

const char *hs_sim_mixing_zone(const hs_sim *s, const double *dev) {
  static const char *const chain[] = {"aortic_root", "arch", "desc_aorta", "abd_aorta",
                                      "lower_arteries"};
  int any = 0;
  for (size_t k = 0; k < sizeof chain / sizeof chain[0]; k++) {
    int i = hs_plan_node_find(s->pl, chain[k]);
    if (i < 0) continue;
    if (dev[i] > 1.0) any = 1;
    if (dev[i] >= 50.0) return s->pl->bname[s->pl->node_block[i]]; /* as bound (roles) */
  }
  return any ? "beyond lower_arteries" : "none";
}

size_t hs_sim_metric_count(const hs_sim *s) { return (size_t)s->nm; }

const char *hs_sim_metric_name(const hs_sim *s, size_t i, char *buf, size_t n) {
  if (i < HS_METRIC_COUNT) return hs_metric_name((hs_metric_id)i);
  const hs_plan *pl = s->pl;
  size_t o = i - HS_METRIC_COUNT;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    if (o < (size_t)pl->dev_out_ofs[d] || o >= (size_t)(pl->dev_out_ofs[d] + dt->noutputs))
      continue;
    snprintf(buf, n, "%s_%s", pl->bname[pl->dev_block[d]],
             dt->outputs[o - (size_t)pl->dev_out_ofs[d]].name);
    return buf;
  }
  return "?";
}

const char *hs_sim_metric_unit(const hs_sim *s, size_t i) {
  if (i < HS_METRIC_COUNT) return hs_metric_unit((hs_metric_id)i);
  const hs_plan *pl = s->pl;
  size_t o = i - HS_METRIC_COUNT;
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    if (o >= (size_t)pl->dev_out_ofs[d] && o < (size_t)(pl->dev_out_ofs[d] + dt->noutputs))
      return dt->outputs[o - (size_t)pl->dev_out_ofs[d]].unit;
  }
  return "?";
}

const hs_plan *hs_sim_plan(const hs_sim *s) { return s->pl; }

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
  const hs_plan *pl = s->pl;
  double v = 0;
  for (int i = 0; i < pl->nn; i++) v += s->y[i];
  for (int d = 0; d < pl->nd; d++)
    if (pl->dev_type[d]->volume_param >= 0)
      v += bparams(s, pl->dev_block[d])[pl->dev_type[d]->volume_param];
  return v;
}

/* ------------------------------------------------------------- warm start -- */

/* The dynamic state is y (plan layout), then the physiological modules' slow states in
   module order (physio/module.h); the modules' other states (the MAP / BP controller's
   factor) are not part of it. */
size_t hs_sim_state_size(const hs_sim *s) { return (size_t)s->pl->ny + (size_t)s->nslow; }

static void slow_get(const hs_sim *s, double *out) {
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    int n = hs_physio_module_at(k)->nslow;
    memcpy(out, s->mstate + s->mofs[k], (size_t)n * sizeof(double));
    out += n;
  }
}

/* Set the slow states (module order) and renew what depends on them. */
static void slow_set(hs_sim *s, const double *in) {
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    int n = hs_physio_module_at(k)->nslow;
    memcpy(s->mstate + s->mofs[k], in, (size_t)n * sizeof(double));
    in += n;
  }
  if (s->nslow) refresh_derived(s); /* effect (haemoglobin), end-capillary content */
}

static int at_beat_start(const hs_sim *s) { return fabs(s->t - s->bt0) < 1e-9; }

hs_status hs_sim_get_state(const hs_sim *s, double *out, size_t n, hs_err *err) {
  if (n != hs_sim_state_size(s))
    return hs_err_set(err, HS_ERR_INVALID, "state vector: size %zu, this simulation has %zu",
                      n, hs_sim_state_size(s));
  memcpy(out, s->y, (size_t)s->pl->ny * sizeof(double));
  slow_get(s, out + s->pl->ny);
  return HS_OK;
}

/* After the state changed at a beat start: the heart timing of the current beat follows
   the new reflex state, the beat's accumulators restart, the valve modes and the
   integrator are renewed, and the steady-state test compares with the new state. */
static void state_changed(hs_sim *s) {
  double pbt0 = s->pbt0, pbrr = s->pbrr, pvtp = s->pvtp, pvtr = s->pvtr;
  end_capillary(s); /* from the gas PCO2s just set */
  start_beat(s); /* recomputes this beat's timing; the previous beat's is kept */
  s->pbt0 = pbt0, s->pbrr = pbrr, s->pvtp = pvtp, s->pvtr = pvtr;
  s->dirty = 1;
  set_valve_modes(s);
  begin_accumulation(s);
  memcpy(s->y_prev_ed, s->y, (size_t)s->pl->ny * sizeof(double));
}

static hs_status warm_check(const hs_sim *s, const char *what, hs_err *err) {
  if (s->broken)
    return hs_err_set(err, HS_ERR_STATE, "%s: the simulation stopped on an earlier error", what);
  if (!at_beat_start(s))
    return hs_err_set(err, HS_ERR_INVALID,
                      "%s: t=%.4f s is not a beat start (use a new simulation or one after "
                      "hs_sim_run_beats / hs_sim_run_to_steady)",
                      what, s->t);
  return HS_OK;
}

hs_status hs_sim_set_state(hs_sim *s, const double *in, size_t n, hs_err *err) {
  const hs_plan *pl = s->pl;
  hs_status st = warm_check(s, "set state", err);
  if (st) return st;
  if (n != hs_sim_state_size(s))
    return hs_err_set(err, HS_ERR_INVALID, "set state: size %zu, this simulation has %zu", n,
                      hs_sim_state_size(s));
  for (size_t k = 0; k < n; k++)
    if (!isfinite(in[k]))
      return hs_err_set(err, HS_ERR_INVALID, "set state: value %zu is not a finite number", k);
  for (int i = 0; i < pl->nn; i++)
    if (!(in[i] > 0))
      return hs_err_set(err, HS_ERR_INVALID, "set state: volume of '%s' is %g mL (must be > 0)",
                        hs_plan_node_name(pl, (size_t)i), in[i]);
  memcpy(s->y, in, (size_t)pl->ny * sizeof(double));
  slow_set(s, in + pl->ny);
  state_changed(s);
  return HS_OK;
}

hs_status hs_sim_copy_state(hs_sim *dst, const hs_sim *src, hs_err *err) {
  const hs_plan *pd = dst->pl, *ps = src->pl;
  hs_status st = warm_check(dst, "copy state (destination)", err);
  if (!st) st = warm_check(src, "copy state (source)", err);
  if (st) return st;
  double before = 0, after = 0;
  for (int i = 0; i < pd->nn; i++) before += dst->y[i];
  for (int i = 0; i < pd->nn; i++) {
    int j = ps == pd ? i : hs_plan_node_find(ps, hs_plan_node_name(pd, (size_t)i));
    if (j < 0) continue; /* a node the source lacks keeps its own state */
    double v = src->y[j];
    dst->y[i] = v;
    dst->y[pd->yo2 + i] = src->y[ps->yo2 + j];
    dst->y[pd->yco2 + i] = src->y[ps->yco2 + j];
    if (pd->ntr) dst->y[pd->ytr + i] = ps->ntr ? src->y[ps->ytr + j] : 0.0;
  }
  for (int e = 0; e < pd->ne; e++) {
    if (pd->estate[e] < 0) continue;
    int f = ps == pd ? e : hs_plan_edge_find(ps, hs_plan_edge_name(pd, (size_t)e));
    if (f >= 0 && ps->estate[f] >= 0) dst->y[pd->estate[e]] = src->y[ps->estate[f]];
  }
  for (int d = 0; d < pd->nd; d++)
    for (int c = 0; c < ps->nd; c++)
      if (pd->dev_type[d] == ps->dev_type[c] &&
          strcmp(pd->bname[pd->dev_block[d]], ps->bname[ps->dev_block[c]]) == 0)
        memcpy(dst->y + pd->dev_state_ofs[d], src->y + ps->dev_state_ofs[c],
               (size_t)pd->dev_type[d]->nstates * sizeof(double));
  for (int k = 0; k < pd->nmod; k++) /* the same module registry: the same order */
    if (pd->mod_ny[k] && pd->mod_ny[k] == ps->mod_ny[k])
      memcpy(dst->y + pd->mod_y[k], src->y + ps->mod_y[k], (size_t)pd->mod_ny[k] * sizeof(double));
  if (pd->nar && pd->nar == ps->nar)
    memcpy(dst->y + pd->yar, src->y + ps->yar, (size_t)pd->nar * sizeof(double));
  if (pd->nic && ps->nic) dst->y[pd->ycsf] = src->y[ps->ycsf];
  if (dst->nslow) { /* the same modules in every simulation */
    double *x = malloc((size_t)src->nslow * sizeof(double));
    if (!x) return hs_err_set(err, HS_ERR_NOMEM, "copy state: out of memory");
    slow_get(src, x);
    slow_set(dst, x);
    free(x);
  }
  dst->y[pd->ygas] = src->y[ps->ygas]; /* alveolar PCO2; membrane lungs by device name */
  for (int d = 0; d < pd->nd; d++)
    for (int c = 0; c < ps->nd; c++)
      if (strcmp(pd->bname[pd->dev_block[d]], ps->bname[ps->dev_block[c]]) == 0)
        dst->y[pd->ygas + 1 + d] = src->y[ps->ygas + 1 + c];
  /* the destination keeps its own blood volume: node volumes (and the O2 and tracer
     they carry) scale by its total over the copied total */
  for (int i = 0; i < pd->nn; i++) after += dst->y[i];
  double k = after > 0 ? before / after : 1.0;
  for (int i = 0; i < pd->nn; i++) {
    dst->y[i] *= k;
    dst->y[pd->yo2 + i] *= k;
    dst->y[pd->yco2 + i] *= k;
    if (pd->ntr) dst->y[pd->ytr + i] *= k;
  }
  state_changed(dst);
  return HS_OK;
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
  out->slow_jumps = s->slow_jumps;
  out->slow_jumped_s = s->slow_jumped;
}
