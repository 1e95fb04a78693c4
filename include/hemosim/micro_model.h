/*
 * hemosim/micro_model.h - a sublingual microcirculation sub-model: small-vessel
 * TVD, PPV, PVD and MFI predicted from the simulated macro state
 * (docs/microcirculation.md, section "Model").
 *
 * An analysis-layer function of a steady state: it does not feed back into the
 * circulation.  Capillary perfusion is a sigmoidal (Hill) recruitment of the
 * capillary inflow relative to a patient-specific threshold; the inflow is the
 * cardiac index reduced by arteriolar tone (intrinsic and drug-induced), so a
 * vasopressor that raises MAP at unchanged flow does not recruit capillaries
 * (loss of haemodynamic coherence).  Capillary dysfunction follows the four
 * types of Ince 2015 (Crit Care 19 Suppl 3:S8):
 *   1 obstructed / heterogeneous flow  -> obstructed fraction (no flow, still seen)
 *   2 haemodilution                    -> input haemoglobin (plasma-only capillaries
 *                                         are invisible to SDF/IDF imaging)
 *   3 vasoconstriction / tamponade     -> intrinsic inflow reduction + sensitivity of
 *                                         capillary inflow to drug-induced tone
 *   4 tissue oedema                    -> fractional tissue expansion (diffusion distance)
 *
 * Pure functions; nothing prints; failures return a status and fill hs_err.
 */
#ifndef HEMOSIM_MICRO_MODEL_H
#define HEMOSIM_MICRO_MODEL_H

#include "hemosim/error.h"
#include "hemosim/micro.h"
#include "hemosim/model.h"
#include "hemosim/output.h"
#include "hemosim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Patient-specific parameters (defaults: hs_micro_model_defaults; sources in
   docs/microcirculation.md). */
typedef struct hs_micro_model_params {
  double tvd0_mm_mm2;       /* anatomical small-vessel density, RBC-filled at normal Hb */
  double q50_lpm_m2;        /* cardiac index recruiting half the perfusable capillaries */
  double hill_n;            /* steepness of flow recruitment */
  double cont_ratio;        /* continuous flow needs cont_ratio x q50 (sluggish below) */
  double p50_mmhg;          /* perfusion pressure (MAP - CVP) at half capillary opening */
  double p_width_mmhg;      /* width of the pressure sigmoid */
  double hb_scale_gdl;      /* RBC-filled share = 1 - exp(-Hb / hb_scale) */
  /* Ince 2015 dysfunction types */
  double obstructed;        /* type 1: fraction of capillaries with stopped flow, [0,1) */
  double vasoconstriction;  /* type 3: intrinsic fractional cut of capillary inflow, [0,1) */
  double tone_exponent;     /* type 3: inflow x (drug resistance factor)^-tone_exponent */
  double oedema;            /* type 4: fractional tissue expansion, >= 0 */
} hs_micro_model_params;

/* Macro state (one steady simulation). */
typedef struct hs_micro_model_input {
  double map_mmhg;     /* mean arterial pressure */
  double cvp_mmhg;     /* central venous pressure */
  double ci_lpm_m2;    /* systemic flow index (native + ECMO) */
  double hb_gdl;       /* haemoglobin */
  double sao2_upper_pct; /* upper-body arterial saturation (sublingual territory) */
  double drug_tone;    /* systemic resistance multiplier of the drugs (1 = none) */
} hs_micro_model_input;

typedef struct hs_micro_model_output {
  double tvd_mm_mm2;       /* small-vessel total vessel density */
  double ppv_pct;          /* proportion of perfused (sluggish + continuous) small vessels */
  double pvd_mm_mm2;       /* perfused vessel density = TVD x PPV / 100 */
  double mfi;              /* microvascular flow index, mean flow class, [0,3] */
  double frac[4];          /* share of small vessels by flow class (enum hs_micro_flow) */
  double inflow_lpm_m2;    /* effective capillary inflow index */
  double diffusion_ratio;  /* O2 diffusion distance relative to normal (TVD-based) */
  double do2i_upper_mlmin_m2; /* upper-body O2 delivery index: CI x 13.4 Hb SaO2 */
} hs_micro_model_output;

/* Fill defaults (a healthy, coherent microcirculation). */
void hs_micro_model_defaults(hs_micro_model_params *p);
/* The defaults with the capillary dysfunction of a patient early on VA-ECMO (T1), the
   start of `micro titrate`'s course: obstructed 0.06, oedema 0.06, vasoconstriction 0.05
   (docs/microcirculation.md, "Patient course"; illustrative, not patient data). */
void hs_micro_model_vaecmo_defaults(hs_micro_model_params *p);

/* Check every field: HS_ERR_RANGE with "micro model: <field> = <v> outside [lo, hi]". */
hs_status hs_micro_model_check(const hs_micro_model_params *p, const hs_micro_model_input *in,
                               hs_err *err);

/* Evaluate; in/p are checked first. */
hs_status hs_micro_model_eval(const hs_micro_model_params *p, const hs_micro_model_input *in,
                              hs_micro_model_output *out, hs_err *err);

/* Fill the input from a run: mean over the last `window` beats of map_mmhg,
   cvp_mmhg, ci_lpm_m2, sao2_upper_pct (found by name with hs_sim_metric_name),
   oxygen.hemoglobin and the drug doses (drugs.*, plus the MAP controller's dose
   equivalents norepinephrine_equiv_ugkgmin / nitroprusside_equiv_ugkgmin, turned into a
   resistance factor with hs_drug_effect_of). */
hs_status hs_micro_model_input_from_sim(const hs_sim *sim, int window, hs_micro_model_input *in,
                                        hs_err *err);
/* The same from a summary the caller already has (all: hs_sim_summary_all of sim, in
   metric order), e.g. the browser's tiles; hs_micro_model_input_from_sim is this after
   hs_sim_summary_all. */
hs_status hs_micro_model_input_from_summary(const hs_sim *sim, const double *all,
                                            hs_micro_model_input *in, hs_err *err);
/* Only in->hb_gdl and in->drug_tone from a simulation: oxygen.hemoglobin and the drug
   doses of the drugs block, each plus extra[d] (ug/kg/min, HS_DRUG_* order; NULL: none),
   e.g. the MAP controller's norepinephrine or nitroprusside, which acts outside that
   block (docs/controllers.md). */
hs_status hs_micro_model_tone_from_sim(const hs_sim *sim, const double *extra,
                                       hs_micro_model_input *in, hs_err *err);

/* The patient's capillary dysfunction: hs_micro_model_defaults with obstructed, oedema
   and vasoconstriction from the model's `microcirculation` block (patient file;
   docs/microcirculation.md, "Patient-specific dysfunction"). */
hs_status hs_micro_model_params_from_model(const hs_model *m, hs_micro_model_params *p,
                                           hs_err *err);
/* The same from a simulation's parameters (a run's --set included). */
hs_status hs_micro_model_params_from_sim(const hs_sim *sim, hs_micro_model_params *p,
                                         hs_err *err);
/* The reverse: set the model's `microcirculation` block to p's obstructed, oedema and
   vasoconstriction (a fit applied to the patient). */
hs_status hs_micro_model_params_to_model(hs_model *m, const hs_micro_model_params *p,
                                         hs_err *err);

/* ---- fitting the dysfunction to one measured time point -------------------------- */
/* Small vessels of one time point (the mean over usable sites of hemosim micro
   analyze), by length. */
typedef struct hs_micro_measured {
  double tvd_mm_mm2;  /* small-vessel TVD */
  double ppv_pct;     /* small-vessel PPV (sluggish + continuous) */
  double no_flow_pct; /* small-vessel share with no flow */
  double pvd_mm_mm2;  /* small-vessel PVD (PSVD; the mean of the sites' products, so not
                         exactly TVD x PPV of the means); shown, not fitted */
} hs_micro_measured;

/* The measured values of an analysis (NaN where the file had no vessel lengths). */
void hs_micro_measured_of(const hs_micro_result *r, hs_micro_measured *m);

/* Fitted dysfunction; the three fields in the order obstructed, oedema, vasoconstriction. */
enum { HS_MFIT_OBSTRUCTED, HS_MFIT_OEDEMA, HS_MFIT_VASOCONSTRICTION, HS_MFIT_COUNT };
typedef struct hs_micro_fit {
  hs_micro_model_params p;    /* base with the three fitted */
  hs_micro_model_output pred; /* the model at p and the input */
  int bound[HS_MFIT_COUNT];   /* 0 inside its range; -1 / +1 held at its lower / upper limit */
  char note[HS_MFIT_COUNT][240]; /* why a field is at a limit ("" otherwise) */
} hs_micro_fit;
const char *hs_micro_fit_field_name(int k); /* "obstructed", "oedema", "vasoconstriction" */

/* Solve for the three dysfunction types that reproduce the measurement at the macro
   state `in` (closed form, docs/microcirculation.md "Patient-specific dysfunction"):
     obstructed       = no-flow share
     oedema           = TVD0 x rbc(Hb) / TVD - 1
     vasoconstriction from PPV = 100 (1 - obstructed) hill(q) fp(MAP - CVP) for q.
   A value that would leave its range is held at the limit, marked in bound[] and
   explained in note[]: the prediction then differs from the measurement (out->pred).
   The three are rounded to 4 significant digits (what a patient file carries) before
   out->pred is evaluated. pvd_mm_mm2 may be NaN (not used).
   HS_ERR_RANGE when a measured value is missing (NaN), out of range, or PPV + no-flow
   share exceeds 100 %. */
hs_status hs_micro_model_fit(const hs_micro_model_params *base, const hs_micro_model_input *in,
                             const hs_micro_measured *meas, hs_micro_fit *out, hs_err *err);

/* One patient fitted to one measured time point (`hemosim micro fit`). */
typedef struct hs_micro_patient_fit {
  hs_micro_model_input in;       /* macro state of the steady state at the measurement */
  hs_micro_measured meas;        /* small vessels measured */
  hs_micro_model_params before;  /* the patient's dysfunction before the fit */
  hs_micro_model_output pred_before; /* the model with it */
  hs_micro_fit fit;              /* fitted dysfunction and its prediction */
  int steady;                    /* the steady state was reached */
  double ecmo_flow_lpm;          /* ECMO flow set from the measurement; NaN: not given */
  int doses_set;                 /* the measurement's vasoactive doses were set */
  double doses[HS_DRUG_COUNT];   /* ... these (ug/kg/min; vasopressin U/kg/min) */
  int time_point;                /* the measurement's label, 1..4 = T1..T4 (0: none) */
  double hours_since_ecmo;       /* its time since VA-ECMO placement (NaN: not given) */
} hs_micro_patient_fit;

/* Fit the patient's dysfunction to one analysed time point: a copy of m with the
   measurement's ECMO flow (ecmo.target_flow; the patient needs a device 'ecmo' then) and
   vasoactive doses (drugs.*) when the file gives them, run to steady state; then
   hs_micro_model_fit at that state from the patient's own block.  Not reaching steady
   state is reported (steady = 0), not an error. */
hs_status hs_micro_fit_patient(const hs_model *m, const hs_micro_input *mi,
                               const hs_micro_result *mr, hs_micro_patient_fit *out,
                               hs_err *err);

/* Outputs of a patient fit (src/io/micro_fit_out.c).  The text `hemosim micro fit`
   prints for one time point; files may be NULL.  Caller frees. */
char *hs_micro_fit_text(const char *patient_file, const char *micro_file,
                        const hs_micro_patient_fit *f, hs_err *err);
/* The course of n fits of one patient (time points in the given order): one row per time
   point with its time, ECMO flow, measured PSVD and the fitted dysfunction. */
char *hs_micro_fit_course_text(const char *const *micro_files, const hs_micro_patient_fit *f,
                               size_t n, hs_err *err);
/* JSON schema hemosim-micro-fit/1 (docs/microcirculation.md): provenance, then "fits", one
   entry per time point (micro_files[i] and f[i]). */
char *hs_micro_fit_json(const hs_provenance *prov, const char *const *micro_files,
                        const hs_micro_patient_fit *f, size_t n, hs_err *err);
/* A patient file at `path` (atomic) with `base:` the patient file (NULL: the bundled
   default, written next to it) and the fitted `microcirculation` block. */
hs_status hs_micro_fit_write_patient(const char *patient_file, const char *patient_name,
                                     const char *micro_file, const hs_micro_patient_fit *f,
                                     const char *path, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
