/*
 * model/sim_internal.h - private layout of one simulation (struct hs_sim), shared by the
 * engine and the files split off it: model/sim.c (set-up, evaluation, the stepping loop
 * and the physiological modules' beat hooks), physio/transport.c (O2/CO2 transport and
 * gas exchange), model/steady.c (periodic steady-state search, CSF balance),
 * model/beat_metrics.c (per-beat metrics and clinical indices) and model/sim_state.c
 * (read-outs and the warm-state API).  Besides the struct it holds the few small
 * helpers these files share, static inline so that the hot paths stay inlined, and the
 * functions one of them calls in another.  Nothing here is public API.
 */
#ifndef HS_MODEL_SIM_INTERNAL_H
#define HS_MODEL_SIM_INTERNAL_H

#include <stddef.h>

#include "core/ode.h"
#include "elements/elements.h"
#include "hemosim/sim.h"
#include "model/plan_impl.h"
#include "physio/module.h"

#define HIST 64 /* beats of metrics kept (summary windows) */

typedef struct event {
  double t;
  int pidx; /* index into the flat parameter vector */
  double value;
  unsigned long stamp; /* insertion order */
} event;

/* A ventricle's end-systolic point, read once per beat at time t from the dense output. */
typedef struct es_point {
  double t, v, p;
  int done;
} es_point;

/* What the current beat has seen so far. */
typedef struct beat_acc {
  double t0, rr;
  double *q0; /* quadratures at beat start */
  double edv_lv, edp_lv, edv_rv; /* end-diastole: the largest volume while the inflow valve
                                    is open (observe_point) */
  double ed_t, ed_vrv;            /* when the LV's was reached, and the RV volume then */
  int ed_new, ed_moved;           /* edp_lv is due; edv_lv moved in the current step */
  double upper_max, upper_min, root_min, pa_max, pa_min, lv_min, rv_min;
  es_point es_lv, es_rv; /* end-systolic points: the LV's at its (load-dependent) peak
                            activation, the RV's at its peak activation */
  int av_opened;
  double watch_max[2], watch_min[2]; /* flow extrema of the watched edges (hs_physio_circuit
                                        watch: the MCA stems), mL/s */
  double *y0; /* state at beat start (steady-state test) */
} beat_acc;

/* Per-element constants for evaluate(), rebuilt from the parameters by hs_sim_refresh_derived():
   the hot loops read one contiguous row per element instead of its parameter block. */
typedef struct vessel_row {
  int i;      /* node */
  int ar;     /* autoregulated bed whose state sets its compliance, or -1 */
  int reflex; /* HS_REFLEX_* when a module acts on the reflex classes, else HS_REFLEX_NONE */
  int plain;  /* none of reflex, autoregulated compliance, kmyo, kic: P from V alone */
  double c, v0, pext, tt, kmyo, kic; /* tt = thoracic coefficient x thoracic pressure */
  double e;                          /* 1 / c */
} vessel_row;
typedef struct flow_row { /* an edge with a flow state: inertance or valve */
  int e, k, a, b, vi; /* edge, state index, from, to, valve index (-1: inertance) */
  double r, il, areg; /* il: 1 / inertance; areg: regurgitant orifice area of a valve (0: none) */
  double farea, fvc, fspan; /* functional regurgitation (hs_functional_area; farea 0: none) */
} flow_row;
typedef struct resistor_row { /* a resistor without collapse: plain (rrow), or a regulated
                                 edge's waterfall (wrow) */
  int e, a, b;
  int reflex; /* HS_REFLEX_* when a module acts on the reflex classes, else HS_REFLEX_NONE */
  int drug;   /* its drug factor: 0 none, 1 a vasomotor bed (the drugs and the BP controller
                 scale it), 2 the pulmonary arterioles (the drugs' pulmonary factor) */
  int cor;    /* a coronary bed: r includes the coronary tone (hs_physio_effect coronary) */
  double r;   /* R / (1 - obstruction) / patency (x the coronary tone) */
  double g;   /* 1 / r */
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
  double *dcache;        /* the devices' derived constants (hs_device_type.prepare) */
  int *dcache_ofs;       /* device d's first constant in dcache */
  double *dport;         /* device port scratch: 5 x nports_total (pressure, transmural
                            pressure, volume, unstressed volume, displaced volume) */
  int dev_failed;        /* a device's eval reported an error (in dev_err) */
  hs_err dev_err;
  double pc;             /* compartment pressure (the brain's ICP, physio/module.h
                            hs_physio_circuit) at the last evaluation, mmHg */
  const hs_physio_circuit *cx; /* the compartment's hooks (the module that has them) */
  int *edge_cx; /* per edge: 1 + its index in the plan's ar_edges (regulated), else 0 */
  int cx_wall;                  /* the compartment's vessels have a nonlinear wall */
  int watch[2];                /* edges whose flow extrema each beat records, or -1 */
  double *dext;          /* per-beat extrema of MAX/MIN device outputs */
  double *qmean;         /* last beat's mean forward and backward flow of each edge, then
                            mean device flows (O2 warm start) */
  unsigned char *open;
  /* heart timing of the current and the previous beat */
  double bt0, brr, vtp, vtr;
  double pbt0, pbrr, pvtp, pvtr;
  /* LV time to peak and aortic-valve opening time (after the beat start) of the current and
     the previous beat: vtp_lv = vtp unless heart.lv_relaxation_load_gain (docs/model.md 2.2) */
  double vtp_lv, lv_to, pvtp_lv, plv_to;
  long beats;
  beat_acc acc;
  double *y_prev_ed; /* state at the previous end-diastole (steady-state test) */
  double *y_ed1;     /* end-diastolic state one beat before (steady-state acceleration) */
  double last_change, last_change_o2;
  double *y_save;     /* state before the last steady-state jump (verification, revert) */
  double res_fast;    /* last beat: largest change / tolerance of volumes, flows, speeds, factors */
  /* derived from the parameters alone (hs_sim_refresh_derived() after every change of p) */
  double vu_extra_total;           /* unstressed volume of the extrasplanchnic reflex veins */
  int measured_local;              /* the measured sites' pressures need no full evaluation */
  double c_ec;                     /* O2 content of end-capillary pulmonary blood, mL/mL */
  double lung_scale;               /* share of the end-capillary O2 uptake the ventilation
                                      supplies (physio/transport.c, set with c_ec) */
  double *r_base;                  /* per resistor edge: R / (1 - obstruction) */
  double *r_fixed;                 /* ... and divided by its patency (edges without collapse) */
  vessel_row *vrow;                /* every vessel node */
  resistor_row *rrow;              /* the plain resistors */
  resistor_row *wrow;              /* the regulated waterfall resistors without collapse */
  int nvrow, nrrow, nwrow;
  int *other_e, nother;            /* the collapsible resistors (with or without waterfall) and
                                      the intramyocardial waterfalls */
  int *edge_vi;                    /* valve index of each valve edge */
  flow_row *frow;                  /* the edges with a flow state */
  int nfrow;
  int *chambers, nch;              /* the chamber nodes */
  /* the edges at each node, in edge order (an edge's source before its target), with the
     sign of its flow for the node: node i's are adj_e/adj_sgn[adj_ofs[i] .. adj_ofs[i+1]) */
  int *adj_ofs, *adj_e;
  double *adj_sgn;
  /* evaluate() memo: the integrator's last stage of a step is the step's end point, where
     the valve-event check (roots) evaluates again; valid while memo_ok */
  int memo_ok;
  double memo_t, *memo_y;
  double cx_imb;      /* last beat: CSF imbalance x outflow resistance, mmHg (model/steady.c) */
  double cx_drift;    /* last beat: mean CSF volume change rate, mL/s */
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
  double pc_ref;   /* the compartment's reference (the brain: intracranial volume at the
                      reference ICP, fixed at the start) */
  int *cx_node;    /* per node: the regulated edge whose compliance factor it takes, or -1 */
  double *cx_cache; /* the compartment's rhs constants (hs_physio_circuit prepare), or NULL */
  double *cx_g;    /* per regulated edge at the current evaluation: conductance factor
                      (the brain: (1 - u)/(1 + u)); then (nar on) the compliance factor of
                      the vessels it feeds */
  unsigned char *mstate; /* the physiological modules' states (physio/module.h) */
  size_t *mofs;          /* offset of module k's state in mstate */
  hs_physio_effect pfx;  /* their combined effect on the circulation */
  int *tmod, ntmod;      /* the modules with continuous states (their tone acts in evaluate) */
  /* CO2 (docs/model.md 2.19) */
  double *k;      /* CO2 content per node, mL/mL (transport workspace) */
  double *kin;    /* workspace of the CO2 warm start */
  double *kout;   /* per device: CO2 content of blood leaving its membrane lung, mL/mL */
  double *sweep;  /* per device: sweep gas flow (hs_device_io.gas_flow), mL/s; then, at
                     [nd + d], the O2 flow of that gas (o2_gas_flow; < 0: no limit) */
  double k_ec;    /* CO2 content of end-capillary pulmonary blood, mL/mL */
  double be;      /* base excess the CO2 chemistry uses (the lactate module's), mmol/L */
  double *bx;            /* per beat, for the modules: O2 into each node (mL/min), then the
                            mean flow of each edge (mL/s) */
  /* slow states (physio/module.h): the first nslow doubles of each module's state */
  int nslow;             /* of all modules */
  double *slow_rate;     /* last beat's rates, module order */
  double *slow_decay;    /* their decay rates (physio/module.h), 1/s */
  hs_physio_flux slow_flux; /* last beat's blood added by the modules, mL/s */
  double fluid_moved;       /* mL the modules have added to the blood since the run began
                               (hs_sim_fluid_exchanged) */
  int slow_frozen;       /* held fixed (hs_sim_run_to_steady) */
  int verified;          /* running the summary window of a reached periodic solve
                            (hs_physio_beat verified) */
  int gases_fresh;       /* the steady-state search just put the blood gases at their
                            balance: the next beat end's modules may follow them */
  int slow_calm;         /* beats in a row with the fast states within tolerance */
  double adv_end;        /* end of the current advance_to (macro steps stop before it) */
  long slow_jumps;       /* macro steps taken */
  double slow_jumped;    /* simulated time covered by them, s */
  /* the left heart's filling while the LV does not eject (hs_one_way_filling): advanced
     by the macro steps like a slow state (sim.c, slow_jump) */
  unsigned char *lh_mask; /* its pool's nodes and a donor scratch (2 nn, hs_lh_pool) */
  double lh_vprev;       /* pool volume at the end of beat lh_at - 1, mL */
  long lh_at;            /* 1 + the beat lh_vprev belongs to; 0: none */
  double lh_jv, lh_jr, lh_k; /* volume (mL) and drift (mL/s) at the last jump; decay, 1/s */
  double lh_moved;       /* mL moved into the pool by macro steps */
  double slow_held;      /* simulated time macro steps were held: the LV filled one way and
                            the model has no separate left-heart pool, s */
  /* O2 replay (model/replay.c): the transport steps of the current beat (rep[rep_cur])
     and of the last complete one, recorded while rep_on (the steady-state search) */
  int rep_on, rep_cur, rep_n[2], rep_bad[2], rep_cap;
  double *rep[2];
  int broken; /* a fatal error happened: no further stepping */
  char rhs_msg[256];
};

/* ---------------------------------------------------------- shared helpers -- */

/* An LV whose volume falls by more than this within a beat empties (through its valve or a
   device draining it: Impella, LV vent): it does not fill one way. */
#define HS_DRAINED_ML 2.0
enum { HS_FILL_LV = 1, HS_FILL_RV = 2 };
/* The ventricles that neither ejected nor were emptied in the beat of metrics m: they only
   fill (inflow, no outflow), the LV of VA-ECMO from the bronchial circulation over about an
   hour (docs/model.md 4.8), a mode of the circulation itself.  The steady-state search
   integrates such a ventricle plainly (an overshoot of its filling would persist) and
   solves the LV's filling balance; macro steps of the slow states advance the LV's
   filling (sim.c, slow_jump; an RV has no inflow but its atrium's, it only settles). */
static inline int hs_one_way_filling(const double *m) {
  int lv_drained = m[HS_M_LVEDV] - m[HS_M_LVESV] > HS_DRAINED_ML;
  return (m[HS_M_AVOPEN] > 0.5 || lv_drained ? 0 : HS_FILL_LV) |
         (m[HS_M_RVO] > 1e-3 ? 0 : HS_FILL_RV);
}

static inline const double *bparams(const hs_sim *s, int block) {
  return s->p + s->pl->bpofs[block];
}

/* Forget the evaluate() memo: called whenever something evaluate() reads besides
   (t, y) changes (parameters, valve modes, beat timing, controller factor). */
static inline void memo_reset(hs_sim *s) { s->memo_ok = 0; }

/* The tone of the modules with continuous states at state y (physio/module.h). */
static inline void tone_at(const hs_sim *s, const double *y, hs_physio_tone *fx) {
  const hs_plan *pl = s->pl;
  for (int j = 0; j < s->ntmod; j++) {
    int k = s->tmod[j];
    const hs_physio_module *md = hs_physio_module_at((size_t)k);
    if (md->tone) md->tone(s->mstate + s->mofs[k], pl, s->p, y + pl->mod_y[k], fx);
  }
}

/* O2 demand of O2-consuming vessel n (plan vo2_nodes order), mL O2/s: its o2_consumption,
   the myocardium's with the modules' factor (the demand of the beating heart). */
static inline double hs_sim_vo2(const hs_sim *s, int n) {
  const hs_plan *pl = s->pl;
  double v = s->p[pl->vo2_pidx[n]] / 60.0;
  return pl->node_cor[pl->vo2_nodes[n]] ? v * s->pfx.myocardial_vo2 : v;
}

/* -------------------------------------------------- calls between the files -- */

/* steady.c: the left heart's pool (the LV and every node reached from the LA through
   neither valves, systemic beds nor the bronchial veins' high resistance) into mask (nn
   bytes); 0 when the model has no such separate pool.  Its volume in state y.  Move dv mL
   into the pool's nodes other than the LV from every other node except the intracranial
   ones and the LV (donor: nn bytes of scratch), at their concentrations. */
int hs_lh_pool(const hs_sim *s, unsigned char *mask);
double hs_lh_volume(const hs_plan *pl, const unsigned char *mask, const double *y);
void hs_lh_shift(hs_sim *s, const unsigned char *mask, unsigned char *donor, double dv);

/* steady.c: beats in one period of the periodic state (solver.steady_period and each
   device's own period, e.g. an IABP at 1:n; their least common multiple). */
long hs_sim_pattern_period(const hs_sim *s);

/* sim.c: everything derived from the parameters alone (after every change of p). */
void hs_sim_refresh_derived(hs_sim *s);
/* sim.c: every module's outer fixed-point step after a periodic solve (physio/module.h
   settle); returns how many moved their state (their effect is then re-read). */
int hs_sim_modules_settle(hs_sim *s, int first);
/* sim.c: after the state changed at a beat start (warm-state API). */
void hs_sim_state_changed(hs_sim *s);

/* replay.c: record the transport step just taken (before the transport hooks' step moves the
   contents; v0, h as there), when recording. */
void hs_replay_record(hs_sim *s, const double *v0, double h);
/* replay.c: stop recording and free the records. */
void hs_replay_stop(hs_sim *s);
/* replay.c: a beat begins (the record of the one just ended becomes the last). */
void hs_replay_next_beat(hs_sim *s);
/* replay.c: set the contents to the periodic fixed point of the last beat's transport
   (largest change below goal x solver.steady_tol_o2, at most max_replays replays);
   returns the replays used, 0 when there was no usable record (nothing changed). */
int hs_replay_solve(hs_sim *s, double goal, int max_replays);

/* beat_metrics.c: the blood that entered the pulmonary artery in the beat just ended (mL):
   the RV's ejection through the pulmonary valve and a right-sided pump's outflow
   (Impella RP) - the flow a thermodilution CO and the PVR refer to. */
double hs_sim_pa_inflow(const hs_sim *s);
/* beat_metrics.c: the metrics of the beat just ended into m, per-node values into site. */
void hs_sim_finish_beat(hs_sim *s, double *m, double *site);
/* steady.c: beat-to-beat change of every state kind (res_fast, last_change, ...). */
void hs_sim_steady_measure(hs_sim *s);

#endif
