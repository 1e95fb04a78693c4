/*
 * units.c - the unit table.
 *
 * Each accepted unit is one row: dimension, spelling, and the factor that turns
 * a value in that unit into the internal unit (internal = value * factor, plus an
 * offset for none of them: no temperature units are accepted).  Spellings are
 * matched exactly (case-sensitive, as in SI) after removing blanks.
 * Sources of the factors: 1 mmHg = 133.322 Pa (ISO 80000-4); 1 cmH2O = 98.0665 Pa;
 * Wood unit = 1 mmHg*min/L = 0.06 mmHg*s/mL; 1 dyn*s/cm^5 = 0.1 Pa*s/mL;
 * French catheter scale: outer diameter in mm = Fr / 3 (Charriere); haemoglobin
 * 1 mmol/L (monomer) = 1.6114 g/dL (molar mass 16,114 g/mol per haem).
 */
#include "hemosim/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit_row {
  hs_dim dim;
  const char *spelling;
  double factor;
} unit_row;

static const unit_row UNITS[] = {
    {HS_DIM_PRESSURE, "mmHg", 1.0},
    {HS_DIM_PRESSURE, "kPa", HS_MMHG_PER_KPA},
    {HS_DIM_PRESSURE, "cmH2O", HS_MMHG_PER_CMH2O},
    {HS_DIM_VOLUME, "mL", 1.0},
    {HS_DIM_VOLUME, "ml", 1.0},
    {HS_DIM_VOLUME, "L", 1000.0},
    {HS_DIM_TIME, "s", 1.0},
    {HS_DIM_TIME, "ms", 1e-3},
    {HS_DIM_TIME, "min", 60.0},
    {HS_DIM_TIME, "h", 3600.0},
    {HS_DIM_FLOW, "mL/s", 1.0},
    {HS_DIM_FLOW, "L/min", HS_MLS_PER_LPM},
    {HS_DIM_FLOW, "mL/min", 1.0 / 60.0},
    {HS_DIM_RESISTANCE, "mmHg*s/mL", 1.0},
    {HS_DIM_RESISTANCE, "WU", 0.06},
    {HS_DIM_RESISTANCE, "mmHg*min/L", 0.06},
    {HS_DIM_RESISTANCE, "dyn*s/cm^5", 1.0 / HS_DYNSCM5_PER_MMHGSML},
    {HS_DIM_RESISTANCE, "dyn*s*cm^-5", 1.0 / HS_DYNSCM5_PER_MMHGSML},
    {HS_DIM_COMPLIANCE, "mL/mmHg", 1.0},
    {HS_DIM_ELASTANCE, "mmHg/mL", 1.0},
    {HS_DIM_INERTANCE, "mmHg*s^2/mL", 1.0},
    {HS_DIM_RATE, "/min", 1.0},
    {HS_DIM_RATE, "bpm", 1.0},
    {HS_DIM_RATE, "1/min", 1.0},
    {HS_DIM_INV_VOLUME, "1/mL", 1.0},
    {HS_DIM_INV_VOLUME, "/mL", 1.0},
    {HS_DIM_LENGTH, "cm", 1.0},
    {HS_DIM_LENGTH, "mm", 0.1},
    {HS_DIM_LENGTH, "m", 100.0},
    {HS_DIM_LENGTH, "Fr", HS_CM_PER_FR},
    {HS_DIM_MASS, "kg", 1.0},
    {HS_DIM_MASS, "g", 1e-3},
    {HS_DIM_AREA, "cm^2", 1.0},
    {HS_DIM_AREA, "cm2", 1.0},
    {HS_DIM_AREA, "mm^2", 0.01},
    {HS_DIM_AREA, "mm2", 0.01},
    {HS_DIM_NONE, "%", 0.01},
    {HS_DIM_FRENCH, "Fr", 1.0},
    {HS_DIM_FRENCH, "mm", 3.0},
    {HS_DIM_SPEED, "rpm", 1.0},
    {HS_DIM_SPEED, "/min", 1.0},
    {HS_DIM_O2RATE, "mL/min", 1.0},
    {HS_DIM_O2RATE, "L/min", 1000.0},
    {HS_DIM_HB, "g/dL", 1.0},
    {HS_DIM_HB, "g/L", 0.1},
    {HS_DIM_HB, "mmol/L", 1.6114},
};

static const char *const DIM_UNIT[HS_DIM_COUNT] = {
    "", "mmHg", "mL", "s", "mL/s", "mmHg*s/mL", "mL/mmHg", "mmHg/mL", "mmHg*s^2/mL",
    "/min", "1/mL", "cm", "kg", "cm^2", "Fr", "rpm", "mL/min", "g/dL"};
static const char *const DIM_NAME[HS_DIM_COUNT] = {
    "dimensionless", "pressure", "volume", "time", "flow", "resistance", "compliance",
    "elastance", "inertance", "rate", "inverse volume", "length", "mass", "area",
    "catheter size", "pump speed", "O2 consumption", "haemoglobin"};
static const char *const DIM_ACCEPTED[HS_DIM_COUNT] = {
    "none or %",
    "mmHg, kPa, cmH2O",
    "mL, L",
    "s, ms, min, h",
    "mL/s, L/min, mL/min",
    "mmHg*s/mL, WU, mmHg*min/L, dyn*s/cm^5",
    "mL/mmHg",
    "mmHg/mL",
    "mmHg*s^2/mL",
    "/min, bpm",
    "1/mL",
    "cm, mm, m, Fr",
    "kg, g",
    "cm^2, mm^2",
    "Fr, mm (outer diameter)",
    "rpm",
    "mL/min, L/min (of O2)",
    "g/dL, g/L, mmol/L"};

const char *hs_dim_unit(hs_dim dim) { return dim < HS_DIM_COUNT ? DIM_UNIT[dim] : "?"; }
const char *hs_dim_name(hs_dim dim) { return dim < HS_DIM_COUNT ? DIM_NAME[dim] : "?"; }
const char *hs_dim_accepted_units(hs_dim dim) {
  return dim < HS_DIM_COUNT ? DIM_ACCEPTED[dim] : "";
}

hs_status hs_unit_to_internal(hs_dim dim, double value, const char *unit, double *out,
                              hs_err *err) {
  if (!unit || !*unit) {
    *out = value;
    return HS_OK;
  }
  char compact[64];
  size_t k = 0;
  for (const char *s = unit; *s && k + 1 < sizeof compact; s++)
    if (*s != ' ' && *s != '\t') compact[k++] = *s;
  compact[k] = '\0';
  int other = -1; /* a row with this spelling but another dimension */
  for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++) {
    if (strcmp(UNITS[i].spelling, compact) != 0) continue;
    if (UNITS[i].dim == dim) {
      *out = value * UNITS[i].factor;
      return HS_OK;
    }
    other = (int)i;
  }
  if (other >= 0)
    return hs_err_set(err, HS_ERR_INVALID,
                      "unit '%s' is a %s unit, but a %s is expected (accepted: %s)", unit,
                      hs_dim_name(UNITS[other].dim), hs_dim_name(dim), hs_dim_accepted_units(dim));
  return hs_err_set(err, HS_ERR_INVALID, "unknown unit '%s' for a %s (accepted: %s)", unit,
                    hs_dim_name(dim), hs_dim_accepted_units(dim));
}

hs_status hs_quantity_parse(hs_dim dim, const char *text, double *out, hs_err *err) {
  if (!text) return hs_err_set(err, HS_ERR_INVALID, "missing value");
  const char *s = text;
  while (*s == ' ' || *s == '\t') s++;
  /* Reject forms strtod accepts but input files must not use. */
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) ||
      (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
    return hs_err_set(err, HS_ERR_INVALID, "expected a number, got \"%s\"", text);
  errno = 0;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || errno == ERANGE || !isfinite(v))
    return hs_err_set(err, HS_ERR_INVALID, "expected a finite number, got \"%s\"", text);
  while (*end == ' ' || *end == '\t') end++;
  return hs_unit_to_internal(dim, v, end, out, err);
}
