/*
 * resistor.c - a linear (Poiseuille) resistance between two nodes (edge).
 *
 * Q = (P_from - P_to) / R, no state.  Used for arteriolar/capillary beds and
 * short connections where inertia is negligible.  systemic_bed marks the edges
 * whose summed flow is the cardiac output (co_lpm): flow through the systemic
 * microcirculation, whatever pumps it (heart or ECMO).
 */
#include "elements/elements.h"

static const hs_param_spec PARAMS[RESISTOR_NPARAM] = {
    [RESISTOR_R] = {"resistance", HS_DIM_RESISTANCE, 0, 1e-5, 1e4, HS_PARAM_REQUIRED,
                    "pressure drop per unit flow", "", NULL},
    [RESISTOR_BED] = {"systemic_bed", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                      "flow counts toward systemic blood flow (co_lpm)", "", NULL},
    [RESISTOR_GAS] = {"gas_exchange", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                      "pulmonary gas exchange: blood passing forward is oxygenated to alveolar "
                      "PO2 except the shunt fraction",
                      "West, Respiratory Physiology", NULL},
    [RESISTOR_REFLEX] = {"reflex", HS_DIM_NONE, 0, 0, 2, HS_PARAM_CHOICE,
                         "baroreflex arteriolar region: the resistance follows the reflex",
                         "Ursino 1998", hs_reflex_regions},
    [RESISTOR_PATENCY] = {"patency", HS_DIM_NONE, 1, 0, 1, 0,
                          "open fraction of the vessel's conductance (0 = occluded; e.g. mTICI "
                          "grades, docs/brain.md)",
                          "", NULL},
    [RESISTOR_OBSTRUCTION] = {"capillary_obstruction", HS_DIM_NONE, 0, 0, 0.95, 0,
                              "fraction of the bed's capillaries plugged (no-reflow): the "
                              "capillary share of the resistance (brain.capillary_share) rises "
                              "as in a meshed network, x 1/(1 - o z/(z - 2)) (effective-medium "
                              "theory, brain.capillary_coordination z; docs/brain.md)",
                              "Yemisci et al. 2009 (Nat Med 15:1031); El Amki et al. 2020 (Cell "
                              "Rep 33:108260); Kirkpatrick 1973 (Rev Mod Phys 45:574)", NULL},
    [RESISTOR_AUTOREG_FLOW] = {"autoregulation_flow", HS_DIM_FLOW, 0, 0, 1000.0 / 60.0, 0,
                               "flow this bed's arterioles defend (0 = no autoregulation; whether "
                               "it is 0 is fixed when compiled: during a run a regulated bed's "
                               "target may change, but not to or from 0)",
                               "Ursino & Lodi 1997", NULL},
    [RESISTOR_AUTOREG_GAIN] = {"autoregulation", HS_DIM_NONE, 1, 0, 1, 0,
                               "autoregulation strength: 1 intact, 0 abolished (regional "
                               "impairment)",
                               "Ursino & Lodi 1997", NULL},
    [RESISTOR_COLLAPSE] = {"collapsible", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                           "the upstream vessel collapses below its unstressed volume: "
                           "resistance x (V0/V)^4 (Starling resistor); from an intracranial "
                           "vessel (bridging veins) it also drains into max(outflow pressure, "
                           "ICP), a venous waterfall (docs/brain.md)",
                           "Ursino & Lodi 1997; Holt 1941; Nakagawa et al. 1974 (J Neurosurg 41:427)", NULL},
    [RESISTOR_COLLATERAL] = {"collateral", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                             "a cerebral collateral pathway (leptomeningeal anastomoses, "
                             "posterior communicating arteries): its conductance is scaled by "
                             "2^(brain.collateral_grade - 3) (docs/brain.md)",
                             "Higashida et al. 2003 (Stroke 34:e109): ASITN/SIR collateral grade",
                             NULL},
    [RESISTOR_IMP] = {"intramyocardial_waterfall", HS_DIM_NONE, 0, 0, 1, 0,
                      "share k of the LV pressure that compresses this bed's vessels: the bed "
                      "drains into max(outflow pressure, k P_LV), a vascular waterfall that "
                      "stops inflow while the contracting wall squeezes the vessels shut and "
                      "makes LV diastolic pressure a back pressure (0 = off; docs/model.md 2.20)",
                      "Downey & Kirk 1975 (Circ Res 36:753); Hoffman & Spaan 1990 (Physiol Rev "
                      "70:331)", NULL},
};

const char *const hs_reflex_regions[] = {"none", "splanchnic", "extrasplanchnic", NULL};

const hs_block_type hs_type_resistor = {"resistor", HS_BLOCK_EDGE, PARAMS, RESISTOR_NPARAM,
                                        "Linear resistance: Q = dP / R.", NULL};
