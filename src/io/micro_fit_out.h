/*
 * io/micro_fit_out.h - the micro fit as a JSON object inside other documents (internal;
 * the calibration JSON's "microcirculation").
 */
#ifndef HS_IO_MICRO_FIT_OUT_H
#define HS_IO_MICRO_FIT_OUT_H

#include <jansson.h>

#include "hemosim/micro_model.h"

/* {"measurement_file", "state", "measured", "before", "predicted_before", "fitted",
   "predicted_fitted", "at_limit"} as in hemosim-micro-fit/1; NULL on failure. */
json_t *hs_micro_fit_jobj(const char *micro_file, const hs_micro_patient_fit *f);

#endif
