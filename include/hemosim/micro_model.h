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
   oxygen.hemoglobin and the drug doses (drugs.*, turned into a resistance factor
   with hs_drug_effect_of). */
hs_status hs_micro_model_input_from_sim(const hs_sim *sim, int window, hs_micro_model_input *in,
                                        hs_err *err);
/* Only in->hb_gdl and in->drug_tone from a simulation: oxygen.hemoglobin and the drug
   doses of the drugs block, each plus extra[d] (ug/kg/min, HS_DRUG_* order; NULL: none),
   e.g. the MAP controller's norepinephrine or nitroprusside, which acts outside that
   block (docs/controllers.md). */
hs_status hs_micro_model_tone_from_sim(const hs_sim *sim, const double *extra,
                                       hs_micro_model_input *in, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
