/*
 * hemosim/stroke_course.h - the first 24 hours after thrombectomy under each
 * blood-pressure strategy (issue #17 item 5; docs/stroke_calculators.md "course").
 *
 * A quasi-steady course: every step_s (default 30 min) the circulation is run to
 * its periodic steady state with the blood-pressure controller holding the
 * strategy's target (brain.bp_target), territory CBF is read, and the slow state -
 * the capillary obstruction (no-reflow) of the reperfused territory - is advanced
 * over the step.  The territory is split by its eTICI fraction f: the reperfused
 * share f (its stem open, its capillaries obstructed by o(t)) and the non-reperfused
 * share 1 - f (its stem shut: collateral supply), each simulated as a whole
 * territory so that its CBF per 100 g is that share's.
 *
 * Every endpoint is a MODEL PROXY (CBF, its fraction and time below a threshold,
 * hyperperfusion of the reperfused share), not a clinical outcome.
 */
#ifndef HEMOSIM_STROKE_COURSE_H
#define HEMOSIM_STROKE_COURSE_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/model.h"
#include "hemosim/output.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The vascular territory a course follows: which stem carries the macrovascular
   reperfusion, which autoregulated bed carries the capillary obstruction, which
   metric is its CBF and which the contralateral mirror (the reference). */
typedef struct hs_course_territory {
  const char *name;        /* "left_mca" */
  const char *stem;        /* edge whose patency is the reperfusion */
  const char *bed;         /* edge with capillary_obstruction */
  const char *cbf_metric;  /* e.g. "cbf_left_mca_ml100gmin" */
  const char *ref_metric;  /* contralateral mirror; NULL (a midline territory): the same
                              territory simulated open and unobstructed */
  int posterior;           /* 1: vertebrobasilar (the basilar MAP strategy applies) */
} hs_course_territory;

size_t hs_course_territory_count(void);
const hs_course_territory *hs_course_territory_at(size_t i);
const hs_course_territory *hs_course_territory_find(const char *name);

/* Blood-pressure strategies = brain.bp_target choices. */
#define HS_COURSE_MAX_ARMS 4

typedef struct hs_course_opts {
  const char *territory;      /* default "left_mca" */
  const char *strategies[HS_COURSE_MAX_ARMS]; /* NULL-terminated if fewer; all NULL = default
                                 (SBP < 120, < 140, 140-180; + MAP 80-110 for a posterior
                                 territory) */
  double fraction;            /* territory fraction reperfused (eTICI); NAN = the stem's patency */
  double obstruction0;        /* capillary obstruction at t = 0; NAN = the bed's in the patient */
  double half_life_s;         /* obstruction half-life at normal perfusion (default 12 h) */
  double clearance_exponent;  /* clearance rate x (CBF_reperfused / CBF_reference)^this (default 1) */
  double duration_s;          /* default 24 h */
  double step_s;              /* default 30 min */
  double hypo_cbf;            /* hypoperfusion threshold, mL/100 g/min; NAN (default): the
                                 relative threshold hypo_rel instead */
  double hypo_rel;            /* hypoperfusion: CBF below this fraction of the contralateral
                                 mirror territory's at the same time (default 0.4: Astrup
                                 1981's 20 of a normal ~50 mL/100 g/min) */
  double hyper_rel;           /* hyperperfusion: reperfused CBF / reference above this (1.5,
                                 the ratio linked to haemorrhagic transformation on ASL;
                                 docs/stroke_calculators.md "course") */
} hs_course_opts;

/* The defaults above (fraction, obstruction0 NAN). */
hs_course_opts hs_course_opts_default(void);

typedef struct hs_course_point {
  double t_s;
  double sbp, map;            /* mmHg, upper-limb artery */
  double controller;          /* systemic resistance factor of the BP controller */
  double obstruction;         /* capillary obstruction of the reperfused share */
  double cbf_reperfused;      /* mL/100 g/min */
  double cbf_nonreperfused;
  double cbf_territory;       /* f x reperfused + (1 - f) x non-reperfused */
  double cbf_reference;       /* contralateral mirror */
  double rel_reperfused;      /* cbf_reperfused / cbf_reference */
  double hypo_fraction;       /* territory fraction below the hypoperfusion threshold */
  int in_band;                /* the controlled pressure is in the strategy's band */
} hs_course_point;

typedef struct hs_course_arm {
  char strategy[24];          /* bp_target choice name */
  double band_lo, band_hi;    /* mmHg; on SBP, or MAP for map_80_110 */
  int on_map;
  size_t npoints;
  hs_course_point *pts;
  /* endpoints over the course (model proxies) */
  double mean_cbf_territory;      /* time average */
  double min_cbf_territory;
  double mean_hypo_fraction;      /* time average of the hypoperfused fraction */
  double hypo_fraction_h;         /* integral of the hypoperfused fraction, territory-hours */
  double time_below_h;            /* hours with the territory's mean CBF below the threshold */
  double time_hyper_h;            /* hours with rel_reperfused > hyper_rel */
  double hyper_burden_h;          /* integral of f x max(rel_reperfused - 1, 0) dt, h: the
                                     reperfused share's excess over the contralateral side */
  double peak_rel_reperfused;
  double final_obstruction;
  double points_in_band;          /* share of the points in the band */
} hs_course_arm;

typedef struct hs_course_result {
  hs_course_opts opts;
  const hs_course_territory *territory;
  double fraction;              /* used */
  double obstruction0;          /* used */
  size_t narms;
  hs_course_arm arm[HS_COURSE_MAX_ARMS];
  long steady_states;           /* run in total */
} hs_course_result;

/* Run the course on a patient model (not modified).  On failure *out is NULL. */
hs_status hs_stroke_course(const hs_model *m, const hs_course_opts *opts, hs_course_result **out,
                           hs_err *err);
void hs_course_free(hs_course_result *r); /* NULL is a no-op */

/* JSON (schema hemosim-stroke/1, calculator "course"); prov may be NULL. */
char *hs_course_json(const hs_course_result *r, const hs_provenance *prov, hs_err *err);
/* The text report `hemosim stroke course` prints (summary table, CBF over time); caller
   frees; NULL with err set on failure. */
char *hs_course_text(const hs_course_result *r, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
