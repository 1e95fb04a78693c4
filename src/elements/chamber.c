/*
 * chamber.c - heart chambers as time-varying elastances (nodes).
 *
 * P(V, t) = e(t) Ees (V - V0) + (1 - e(t)) A (exp(B (V - V0)) - 1)
 * A linear end-systolic pressure-volume relation (Suga & Sagawa 1974, Circ Res
 * 35:117) blended by the activation e(t) with an exponential end-diastolic
 * relation (Burkhoff et al. 2005, Am J Physiol 289:H501).  Ventricles and atria
 * share the law; they differ in which activation drives them (heart block).
 * Chambers are thoracic; ventricles also feel the pericardial pressure when the
 * pericardium is enabled.
 */
#include "elements/elements.h"

static const hs_param_spec PARAMS[CHAMBER_NPARAM] = {
    [CHAMBER_EES] = {"ees", HS_DIM_ELASTANCE, 0, 0.005, 20, HS_PARAM_REQUIRED,
                     "end-systolic elastance (slope of the ESPVR): contractility",
                     "Suga & Sagawa 1974", NULL},
    [CHAMBER_V0] = {"v0", HS_DIM_VOLUME, 0, -100, 300, 0,
                    "volume intercept of the ESPVR and EDPVR", "Suga & Sagawa 1974", NULL},
    [CHAMBER_EDA] = {"ed_a", HS_DIM_PRESSURE, 0, 1e-3, 50, HS_PARAM_REQUIRED,
                     "scale of the exponential EDPVR", "Burkhoff 2005", NULL},
    [CHAMBER_EDB] = {"ed_b", HS_DIM_INV_VOLUME, 0, 1e-4, 0.5, HS_PARAM_REQUIRED,
                     "stiffness constant of the exponential EDPVR", "Burkhoff 2005", NULL},
};

const hs_block_type hs_type_ventricle = {
    "ventricle", HS_BLOCK_NODE, PARAMS, CHAMBER_NPARAM,
    "Ventricle, driven by the ventricular activation of the heart block.", NULL};
const hs_block_type hs_type_atrium = {
    "atrium", HS_BLOCK_NODE, PARAMS, CHAMBER_NPARAM,
    "Atrium, driven by the atrial activation (PR interval before the ventricles).", NULL};
