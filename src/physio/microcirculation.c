/*
 * physio/microcirculation.c - the patient's sublingual capillary dysfunction: the
 * `microcirculation` block of a patient file.
 *
 * A parameter block only: it does not act on the simulated circulation.  The
 * microcirculation sub-model (hemosim/micro_model.h, src/analysis/micro_model.c;
 * docs/microcirculation.md, "Model") reads it to predict small-vessel TVD, PPV and PVD
 * from a steady state (compare, optimize, wean, micro titrate, cohorts, the browser's
 * tile).  The three fields are the patient-specific types of capillary dysfunction of
 * Ince 2015 (Crit Care 19 Suppl 3:S8); type 2 (haemodilution) is the patient's
 * haemoglobin.  Defaults: a healthy,
 * coherent microcirculation (all 0).  The shipped shock patients set the dysfunction
 * of a patient early on VA-ECMO; `hemosim micro fit` fits the three to one measured
 * time point (hs_micro_model_fit).
 */
#include "elements/elements.h"

enum { MC_OBSTRUCTED, MC_OEDEMA, MC_VASOCONSTRICTION, MC_NPARAM };

static const hs_param_spec MC[MC_NPARAM] = {
    [MC_OBSTRUCTED] = {"obstructed", HS_DIM_NONE, 0, 0, 0.99, 0,
                       "type 1 (obstructed / heterogeneous flow): share of small vessels with "
                       "stopped flow, still seen (e.g. 0.06 or \"6 %\")",
                       "Ince 2015 Crit Care 19 Suppl 3:S8; patient-specific (fitted by "
                       "`hemosim micro fit` to the measured no-flow share)",
                       NULL},
    [MC_OEDEMA] = {"oedema", HS_DIM_NONE, 0, 0, 5, 0,
                   "type 4 (tissue oedema): fractional expansion of the tissue, which lowers "
                   "the visible small-vessel density as TVD0 / (1 + oedema)",
                   "Ince 2015 Crit Care 19 Suppl 3:S8; patient-specific (fitted by "
                   "`hemosim micro fit` to the measured small-vessel TVD)",
                   NULL},
    [MC_VASOCONSTRICTION] = {"vasoconstriction", HS_DIM_NONE, 0, 0, 0.99, 0,
                             "type 3 (vasoconstriction / venous tamponade): intrinsic "
                             "fractional cut of capillary inflow, before the drugs' tone",
                             "Ince 2015 Crit Care 19 Suppl 3:S8; patient-specific (fitted by "
                             "`hemosim micro fit` to the measured perfused share)",
                             NULL},
};

const hs_block_type hs_type_microcirculation = {
    "microcirculation", HS_BLOCK_GLOBAL, MC, MC_NPARAM,
    "Sublingual capillary dysfunction of the patient (Ince 2015 types 1, 3, 4), read by the "
    "microcirculation model wherever it predicts this patient (compare, optimize, wean, "
    "micro titrate, cohorts, the browser's PSVD* tile); no effect on the simulated "
    "circulation (docs/microcirculation.md, \"Patient-specific dysfunction\").",
    NULL};
