/*
 * hemosim/hemosim.h - the whole public API.
 *
 * hemosim simulates the closed-loop circulation of a critically ill patient
 * beat by beat.  Layers (each a header): error codes (error.h), units
 * (units.h), the circuit as data (model.h), compiled plans and simulations
 * (sim.h), devices (device.h, ecmo.h), physiology (oxygen.h, co2.h, baroreflex.h,
 * drugs.h, micro_model.h), patient and scenario files (patient.h), analyses
 * (calibrate.h, cohort.h, compare.h, optimize.h, titrate.h, micro.h, stroke.h, stroke_course.h, validate.h), the
 * trial database (trial.h), outputs (output.h, report.h), SVG plots (plot.h) and the web
 * server (serve.h).  Internal units: mmHg, mL, s.
 * Every header of include/hemosim/ is included here (a test checks it), and
 * the shared library exports exactly what these headers declare.
 *
 * Build against the installed library with pkg-config (`pkg-config --cflags
 * --libs hemosim`) or CMake (`find_package(hemosim)`, target
 * hemosim::hemosim_shared); examples/embed/ is a complete program.
 */
#ifndef HEMOSIM_HEMOSIM_H
#define HEMOSIM_HEMOSIM_H

#define HS_VERSION "0.1.0"

#include "hemosim/baroreflex.h"
#include "hemosim/calibrate.h"
#include "hemosim/cardiopulmonary.h"
#include "hemosim/cohort.h"
#include "hemosim/compare.h"
#include "hemosim/device.h"
#include "hemosim/drugs.h"
#include "hemosim/ecmo.h"
#include "hemosim/error.h"
#include "hemosim/input.h"
#include "hemosim/micro.h"
#include "hemosim/micro_model.h"
#include "hemosim/model.h"
#include "hemosim/ode.h"
#include "hemosim/optimize.h"
#include "hemosim/output.h"
#include "hemosim/oxygen.h"
#include "hemosim/co2.h"
#include "hemosim/patient.h"
#include "hemosim/perfusion.h"
#include "hemosim/plot.h"
#include "hemosim/report.h"
#include "hemosim/roles.h"
#include "hemosim/serve.h"
#include "hemosim/sim.h"
#include "hemosim/stroke.h"
#include "hemosim/stroke_course.h"
#include "hemosim/titrate.h"
#include "hemosim/trend.h"
#include "hemosim/trial.h"
#include "hemosim/trial_sim.h"
#include "hemosim/units.h"
#include "hemosim/validate.h"

#endif
