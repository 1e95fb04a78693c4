/*
 * hemosim/hemosim.h - the whole public API.
 *
 * hemosim simulates the closed-loop circulation of a critically ill patient
 * beat by beat.  Layers (each a header): error codes (error.h), units
 * (units.h), the circuit as data (model.h), compiled plans and simulations
 * (sim.h), patient and scenario files (patient.h), outputs (output.h) and SVG
 * plots (plot.h).  Internal units: mmHg, mL, s.
 */
#ifndef HEMOSIM_HEMOSIM_H
#define HEMOSIM_HEMOSIM_H

#define HS_VERSION "0.1.0"

#include "hemosim/error.h"
#include "hemosim/model.h"
#include "hemosim/output.h"
#include "hemosim/patient.h"
#include "hemosim/plot.h"
#include "hemosim/sim.h"
#include "hemosim/units.h"

#endif
