/*
 * inertance.c - resistance in series with blood inertia (edge with a flow state).
 *
 * L dQ/dt = P_from - P_to - R Q.  Inertia of large-artery blood columns shapes
 * the aortic waveform and the dicrotic notch (Westerhof et al. 1969; values of
 * the order of 1e-3 mmHg s^2/mL for aortic segments, Heldt et al. 2002).
 */
#include "elements/elements.h"

static const hs_param_spec PARAMS[INERTANCE_NPARAM] = {
    [INERTANCE_R] = {"resistance", HS_DIM_RESISTANCE, 0, 1e-5, 1e4, HS_PARAM_REQUIRED,
                     "pressure drop per unit flow", "", NULL},
    [INERTANCE_L] = {"inertance", HS_DIM_INERTANCE, 0, 1e-7, 10, HS_PARAM_REQUIRED,
                     "blood inertia (rho * length / area)", "Westerhof 1969", NULL},
    [INERTANCE_BED] = {"systemic_bed", HS_DIM_NONE, 0, 0, 1, HS_PARAM_BOOL,
                       "flow counts toward systemic blood flow (co_lpm)", "", NULL},
};

const hs_block_type hs_type_inertance = {"inertance", HS_BLOCK_EDGE, PARAMS, INERTANCE_NPARAM,
                                         "Resistance plus inertance: L dQ/dt = dP - R Q.", NULL};
