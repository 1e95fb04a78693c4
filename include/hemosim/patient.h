/*
 * hemosim/patient.h - patient files (YAML or JSON) to models, scenarios to events.
 *
 * A patient file is the whole circuit as data: global blocks (heart,
 * circulation, body, solver), nodes and edges, each with its parameters.  Every
 * value may be a bare number in the field's internal unit or "<number> <unit>".
 * Unknown fields, wrong types, wrong units and out-of-range values are errors
 * that name file:line:column, the block, the field, the value and the allowed
 * range.  docs/patient-format.md documents the format; `hemosim params` prints
 * every parameter with its unit, default and range.
 */
#ifndef HEMOSIM_PATIENT_H
#define HEMOSIM_PATIENT_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/model.h"
#include "hemosim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Load a patient; caller frees *out with hs_model_free(). */
hs_status hs_patient_load_file(const char *path, hs_model **out, hs_err *err);
hs_status hs_patient_load_string(const char *name, const char *text, size_t len, hs_model **out,
                                 hs_err *err);
/* The bundled healthy adult (examples/patients/healthy_adult.yaml, compiled in). */
hs_status hs_patient_load_default(hs_model **out, hs_err *err);
const char *hs_patient_default_text(void);

/* A scenario: timed parameter changes.  Caller frees with hs_scenario_free(). */
typedef struct hs_scenario hs_scenario;
hs_status hs_scenario_load_file(const char *path, hs_scenario **out, hs_err *err);
hs_status hs_scenario_load_string(const char *name, const char *text, size_t len,
                                  hs_scenario **out, hs_err *err);
void hs_scenario_free(hs_scenario *sc);
/* Suggested duration from the file (0 if none). */
double hs_scenario_duration(const hs_scenario *sc);
size_t hs_scenario_event_count(const hs_scenario *sc);
/* Event i (0 <= i < count, in file order): time (s), parameter path and value text as
   written; any output pointer may be NULL.  HS_ERR_RANGE for a bad index. */
hs_status hs_scenario_event(const hs_scenario *sc, size_t i, double *t, const char **path,
                            const char **value, hs_err *err);
/* An error naming file:line:col of the first event later than run_s seconds (an
   event after the end of a run would silently never happen); HS_OK otherwise. */
hs_status hs_scenario_check_end(const hs_scenario *sc, double run_s, hs_err *err);
/* Check every event against the simulation's parameters and schedule it, with
   times relative to the simulation's current time.  Errors name file:line:col. */
hs_status hs_scenario_apply(const hs_scenario *sc, hs_sim *sim, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
