/*
 * analysis/calibrate_impl.h - what the calibration (analysis/calibrate.c) and the
 * reader of its measurements file (io/calibrate_input.c) share; internal.
 */
#ifndef HS_ANALYSIS_CALIBRATE_IMPL_H
#define HS_ANALYSIS_CALIBRATE_IMPL_H

#include "hemosim/calibrate.h"

/* 1 for the quantities a measurements file sets on the patient instead of fitting
   (heart rate, haemoglobin). */
int hs_calq_is_set(hs_calq q);

#endif
