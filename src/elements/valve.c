/*
 * valve.c - a heart valve (edge with a flow state and an open/closed mode).
 *
 * Open:   L dQ/dt = P_from - P_to - R Q; the valve closes when Q falls to zero.
 * Closed: Q = 0; the valve opens when P_from - P_to rises through zero.
 * Opening and closing are located exactly by the integrator's root finding and
 * the integrator is restarted there, so the switch costs no accuracy.  An
 * optional regurgitant orifice of effective area A leaks backward whenever the
 * pressure difference is reversed: Q_reg = -A K sqrt(P_to - P_from) (elements.h).
 * Functional regurgitation adds to A an area that grows linearly with the volume of
 * the chamber the valve opens into (hs_functional_area(), docs/model.md 2.9).
 * Valve inertance after Smith et al. 2004 (Med Eng Phys 26:131).
 */
#include "elements/elements.h"

static const hs_param_spec PARAMS[VALVE_NPARAM] = {
    [VALVE_R] = {"resistance", HS_DIM_RESISTANCE, 0, 1e-5, 10, HS_PARAM_REQUIRED,
                 "resistance of the open valve", "", NULL},
    [VALVE_L] = {"inertance", HS_DIM_INERTANCE, 0, 1e-7, 1, HS_PARAM_REQUIRED,
                 "inertia of the blood through the valve", "Smith 2004", NULL},
    [VALVE_AREG] = {"regurgitant_area", HS_DIM_AREA, 0, 0, 5, 0,
                    "effective regurgitant orifice area (0 = competent valve)",
                    "Zoghbi 2017 (ASE)", NULL},
    [VALVE_FAREA] = {"functional_regurgitant_area", HS_DIM_AREA, 0, 0, 2, 0,
                     "functional regurgitation: orifice area added when the chamber the valve "
                     "opens into holds functional_coaptation_volume + functional_span_volume "
                     "(0 = none)",
                     "Grayburn 2019", NULL},
    [VALVE_FVC] = {"functional_coaptation_volume", HS_DIM_VOLUME, 100, 0, 1000, 0,
                   "chamber volume at and below which the functional orifice is closed",
                   "Grayburn 2019", NULL},
    [VALVE_FSPAN] = {"functional_span_volume", HS_DIM_VOLUME, 150, 10, 1000, 0,
                     "chamber volume above the coaptation volume at which the functional orifice "
                     "reaches functional_regurgitant_area (linear in between and beyond)",
                     "Grayburn 2019", NULL},
};

const hs_block_type hs_type_valve = {
    "valve", HS_BLOCK_EDGE, PARAMS, VALVE_NPARAM,
    "Inertial one-way valve with event-located opening/closing and optional regurgitation.", NULL};
