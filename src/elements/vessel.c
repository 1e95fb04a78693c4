/*
 * vessel.c - a compliant vascular compartment (node).
 *
 * State: the blood volume V (mL).  Law: P = (V - V0) / C + P_ext, where the
 * external pressure is the sum of a fixed offset, the intrathoracic pressure for
 * thoracic vessels, and a fraction of left-ventricular pressure for vessels that
 * lie in the myocardium (intramyocardial pressure compressing the coronary
 * microcirculation; Spaan 1981, Circ Res 49:584; Bovendeerd et al. 2006).
 */
#include "elements/elements.h"

static const hs_param_spec PARAMS[VESSEL_NPARAM] = {
    [VESSEL_C] = {"compliance", HS_DIM_COMPLIANCE, 0, 1e-4, 1e4, HS_PARAM_REQUIRED,
                  "volume change per unit transmural pressure change", "", NULL},
    [VESSEL_V0] = {"unstressed_volume", HS_DIM_VOLUME, 0, 0, 1e5, HS_PARAM_REQUIRED,
                   "volume at zero transmural pressure", "", NULL},
    [VESSEL_PEXT] = {"external_pressure", HS_DIM_PRESSURE, 0, -100, 200, 0,
                     "fixed pressure outside the vessel (added to transmural pressure)", "", NULL},
    [VESSEL_THORACIC] = {"thoracic", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                         "vessel lies in the thorax: circulation.thoracic_pressure acts on it",
                         "Guyton 1963", NULL},
    [VESSEL_MYO] = {"myocardial_coupling", HS_DIM_NONE, 0, 0, 1, 0,
                    "fraction of LV pressure acting outside the vessel (intramyocardial pressure)",
                    "Spaan 1981", NULL},
    [VESSEL_VO2] = {"o2_consumption", HS_DIM_O2RATE, 0, 0, 2000, 0,
                    "O2 consumed by the tissue drained into this vessel (supply-limited below "
                    "2 mL O2/dL); in the vessels the coronary beds feed, the myocardium's share "
                    "of the demand the myocardium block computes from the heart's work (with "
                    "myocardium.demand_model on), its own value in fibrillation",
                    "Williams & Leggett 1989", NULL},
    [VESSEL_REFLEX] = {"reflex", HS_DIM_NONE, 0, 0, 2, HS_PARAM_CHOICE,
                       "baroreflex venous region: its unstressed volume follows the reflex",
                       "Ursino 1998", hs_reflex_regions},
    [VESSEL_INTRACRANIAL] = {"intracranial", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                             "inside the skull: intracranial pressure acts on it and its volume "
                             "counts in the Monro-Kellie balance",
                             "Marmarou 1978", NULL},
};

const hs_block_type hs_type_vessel = {
    "vessel", HS_BLOCK_NODE, PARAMS, VESSEL_NPARAM,
    "Compliant compartment: P = (V - V0)/C + P_ext.", NULL};
