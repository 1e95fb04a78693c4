/*
 * hemosim/perfusion.h - perfusion imaging from a simulation (issue 17 item 4).
 *
 * What CT perfusion would show for each cerebral territory of a running simulation:
 * CBF (mL/100 g/min), CBV (mL/100 g), MTT = CBV / CBF (s, central volume principle)
 * and a Tmax-like delay (s): the mean arrival time of an intravascular tracer at the
 * territory's arteries after its arrival in the arterial input node, from the mean
 * volumes and flows of the intracranial compartments (first moment of the transit
 * time through well-mixed compartments).  Relative values compare each territory with
 * the same territory of a reference measurement (e.g. the healthy adult: the model's
 * stand-in for the contralateral mirror region).  Derivation, cut-offs and their
 * sources, and the limits: docs/perfusion.md.
 *
 * A measurement runs the simulation on for a few beats (sampling every step of
 * `dt`); it does not reset it.  No globals; reentrant.
 */
#ifndef HEMOSIM_PERFUSION_H
#define HEMOSIM_PERFUSION_H

#include "hemosim/error.h"
#include "hemosim/output.h"
#include "hemosim/sim.h"
#include "hemosim/stroke.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_PERFUSION_JSON_SCHEMA "hemosim-perfusion/1"
#define HS_PERFUSION_MAX_TERRITORIES 7

/* Sourced cut-offs (docs/perfusion.md). */
#define HS_PERFUSION_TMAX_S 6.0     /* Tmax > 6 s: hypoperfused (Albers et al. 2018, DEFUSE 3) */
#define HS_PERFUSION_CORE_RCBF 0.30 /* rCBF < 30 %: ischaemic core (Campbell et al. 2011) */
#define HS_PERFUSION_HYPO_BELOW 0.85 /* > 15 % reduction of rCBF / rCBV: no-reflow (Ng 2022) */
#define HS_PERFUSION_HYPER_ABOVE 1.25 /* >= 25 % increase: hyperperfusion (Abumiya 2013) */

/* Combined CBF / CBV group of a territory. */
typedef enum hs_perf_group {
  HS_PERF_GROUP_NONE = 0,     /* no reference: relative values unknown */
  HS_PERF_GROUP_NORMAL,       /* both normal */
  HS_PERF_GROUP_BOTH_LOW,     /* CBF and CBV low: infarct / no-reflow pattern */
  HS_PERF_GROUP_CBF_LOW,      /* CBF low, CBV normal or high: oligaemia / penumbra */
  HS_PERF_GROUP_CBV_LOW,      /* CBV low, CBF normal or high */
  HS_PERF_GROUP_BOTH_HIGH,    /* CBF and CBV high: hyperperfusion */
  HS_PERF_GROUP_ONE_HIGH      /* one high, the other normal */
} hs_perf_group;

/* Short name of a group ("both_low", "cbf_low", ...). */
const char *hs_perf_group_name(hs_perf_group g);

typedef struct hs_perfusion_options {
  int beats;                 /* beats sampled, >= 1 (default 3) */
  double dt;                 /* sampling interval, s, (0, 0.05] (default 0.002) */
  hs_perf_cutoffs cbf, cbv;  /* relative-value classes (stroke.h; default 0.85 / 1.25) */
  int recanalised;           /* 1: the occlusion has been opened (Horie's rule applies) */
} hs_perfusion_options;

/* The defaults above. */
hs_perfusion_options hs_perfusion_options_default(void);

typedef struct hs_perfusion_territory {
  const char *name;          /* "left_mca", "right_mca", "left_aca", ... (static) */
  char bed[64];              /* the bed edge */
  char arteries[64];         /* the territory arteries node */
  double mass_g;
  double flow_mlmin;         /* mean bed flow */
  double cbf;                /* mL/100 g/min */
  double cbv;                /* mL/100 g */
  double mtt_s;              /* CBV / CBF x 60 */
  double tmax_s;             /* mean tracer arrival after the arterial input node */
  double rcbf, rcbv, rmtt;   /* relative to the reference territory (NaN without) */
  hs_perf_class cbf_class, cbv_class; /* classes of rcbf, rcbv (normo without reference) */
  hs_perf_group group;
  int core;                  /* rcbf < HS_PERFUSION_CORE_RCBF */
  int tmax_over_6s;          /* tmax_s > HS_PERFUSION_TMAX_S */
} hs_perfusion_territory;

typedef struct hs_perfusion {
  int n;                     /* territories found (beds present in the plan) */
  hs_perfusion_territory t[HS_PERFUSION_MAX_TERRITORIES];
  char aif[64];              /* arterial input node */
  double venous_ml;          /* mean volume of the cerebral venous pool */
  double map_mmhg, icp_mmhg; /* beat means over the sampled beats */
  int has_reference;
  int recanalised;
  int tmax_lesion;           /* some territory has Tmax > 6 s */
  int horie_no_reflow;       /* recanalised and some Tmax > 6 s (Horie); -1 if not recanalised */
} hs_perfusion;

/*
 * Measure the simulation as it runs on for opt->beats beats (opt NULL = defaults):
 * sim should be at its periodic steady state.  ref (may be NULL) is an earlier
 * measurement of the reference patient: relative values and classes use it.
 * Errors: HS_ERR_INVALID for a model without cerebral territories or the arterial
 * input node, HS_ERR_RANGE for options out of range, run errors of hs_sim_run_beats.
 */
hs_status hs_perfusion_measure(hs_sim *sim, const hs_perfusion *ref,
                               const hs_perfusion_options *opt, hs_perfusion *out, hs_err *err);

/*
 * First moment of the tracer transit time through n well-mixed compartments at
 * mean flows (the arithmetic of hs_perfusion_measure, exposed for tests and other
 * networks): node i has volume vol[i] (mL) and pressure p[i] (mmHg, sets the order:
 * mean flow runs from high to low pressure); edge k carries mean flow q[k] (mL/s)
 * from node from[k] to node to[k] (negative: the other way).  Nodes with inside[i] = 0
 * are outside the network: tracer arrives there at time 0.  tau[i] (s) = vol[i] /
 * inflow + the inflow-weighted tau of the upstream nodes; INFINITY for an inside node
 * without inflow.  Returns HS_ERR_NOMEM or HS_OK.
 */
hs_status hs_perfusion_transit(int n, const double *vol, const double *p, const int *inside,
                               int ne, const int *from, const int *to, const double *q,
                               double *tau, hs_err *err);

/* The measurement as JSON (schema HS_PERFUSION_JSON_SCHEMA; caller frees); prov may be
   NULL. */
char *hs_perfusion_json(const hs_perfusion *p, const hs_perfusion_options *opt,
                        const hs_provenance *prov, hs_err *err);

/* The measurement as the text table `hemosim stroke perfusion` prints: one row per
   territory (CBF, CBV, MTT, Tmax, relative values, group, flags), the Tmax > 6 s lesion
   and Horie's rule (src/io/perfusion_text.c; caller frees; NULL with err set). */
char *hs_perfusion_text(const hs_perfusion *p, hs_err *err);

#ifdef __cplusplus
}
#endif

#endif
