/*
 * hemosim/units.h - internal units and conversion at the edges.
 *
 * Percent, one rule: "%" means hundredths of the field's own scale.  A fraction
 * (HS_DIM_NONE, stored 0-1) reads "85 %" as 0.85; a quantity whose unit is the
 * percent (HS_DIM_PERCENT: SvO2, LVEF, saturations) reads "92 %" as 92 and a bare
 * number as percent too.
 *
 * Inside hemosim every quantity is in one unit of its dimension:
 *   pressure mmHg, volume mL, time s, flow mL/s, resistance mmHg*s/mL,
 *   compliance mL/mmHg, elastance mmHg/mL, inertance mmHg*s^2/mL,
 *   rate 1/min (heart rate, the clinical convention), length cm, mass kg, area cm^2,
 *   catheter size Fr, pump speed rpm, O2 consumption mL O2/min, haemoglobin g/dL,
 *   drug dose rate ug/kg/min (vasopressin U/kg/min), lactate mmol/L.
 * Input files may give a value as a bare number (in the internal unit of its
 * field) or as a string "<number> <unit>", e.g. "4.5 L/min", "1200 dyn*s/cm^5",
 * "8 Fr"; a unit of the wrong dimension is an error.  Output names carry their
 * unit (co_lpm, map_mmhg).
 */
#ifndef HEMOSIM_UNITS_H
#define HEMOSIM_UNITS_H

#include <stddef.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_dim {
  HS_DIM_NONE = 0,     /* dimensionless (fractions, gains, flags) */
  HS_DIM_PRESSURE,     /* mmHg */
  HS_DIM_VOLUME,       /* mL */
  HS_DIM_TIME,         /* s */
  HS_DIM_FLOW,         /* mL/s */
  HS_DIM_RESISTANCE,   /* mmHg*s/mL */
  HS_DIM_COMPLIANCE,   /* mL/mmHg */
  HS_DIM_ELASTANCE,    /* mmHg/mL */
  HS_DIM_INERTANCE,    /* mmHg*s^2/mL */
  HS_DIM_RATE,         /* 1/min */
  HS_DIM_INV_VOLUME,   /* 1/mL (exponential stiffness constants) */
  HS_DIM_LENGTH,       /* cm */
  HS_DIM_MASS,         /* kg */
  HS_DIM_AREA,         /* cm^2 */
  HS_DIM_FRENCH,       /* Fr (catheter gauge: outer diameter in mm x 3) */
  HS_DIM_SPEED,        /* rpm (pump rotational speed) */
  HS_DIM_O2RATE,       /* mL O2/min */
  HS_DIM_HB,           /* g/dL (haemoglobin concentration) */
  HS_DIM_PERCENT,      /* % (a quantity whose unit is the percent: "92 %" is 92) */
  HS_DIM_VELOCITY,     /* cm/s (blood flow velocity) */
  HS_DIM_DOSE_RATE,    /* ug/kg/min (drug infusion) */
  HS_DIM_UNIT_DOSE_RATE, /* U/kg/min (vasopressin infusion) */
  HS_DIM_MASS_CONC,    /* mg/mL (drug concentration by mass) */
  HS_DIM_UNIT_CONC,    /* U/mL (drug concentration in units) */
  HS_DIM_LACTATE,      /* mmol/L (blood lactate) */
  HS_DIM_VOLUME_PER_KG, /* mL/kg (a volume per kg body weight: blood volume, venous pooling) */
  HS_DIM_CLEARANCE_PER_KG, /* L/h/kg (a clearance per kg body weight: lactate) */
  HS_DIM_BASE,          /* mmol/L (= mEq/L: base excess) */
  HS_DIM_PLASMA_HB,     /* mg/dL (plasma free haemoglobin; g/L, mg/L) */
  HS_DIM_INV_PRESSURE,  /* 1/mmHg (a relative change per mmHg: "3.5 %/mmHg" is 0.035) */
  HS_DIM_COUNT
} hs_dim;

/* Name of the internal unit of a dimension, e.g. "mmHg*s/mL" ("" for none). */
const char *hs_dim_unit(hs_dim dim);
/* Human name of a dimension, e.g. "resistance". */
const char *hs_dim_name(hs_dim dim);

/*
 * Convert value given in `unit` to the internal unit of `dim`.  unit NULL or ""
 * means the internal unit.  Unknown unit or wrong dimension -> HS_ERR_INVALID with
 * a message listing the accepted units.
 */
hs_status hs_unit_to_internal(hs_dim dim, double value, const char *unit, double *out, hs_err *err);

/*
 * Parse "<number>[ <unit>]" (e.g. "4.5 L/min") into the internal unit of dim.
 * The number must be finite and consume the whole numeric part.  Messages quote
 * the whole text: "\"1.2.3\" is not a number" (a number followed by more number
 * characters such as ".3", ",5", "e+" is malformed, not a unit), "\"2 mmHg\": unit
 * 'mmHg' is a pressure unit, but an elastance is expected (accepted: mmHg/mL)".
 */
hs_status hs_quantity_parse(hs_dim dim, const char *text, double *out, hs_err *err);

/*
 * hs_quantity_parse for a field documented in a display unit: a bare number is in
 * bare_unit (an accepted spelling of dim, e.g. "L/min" for a --flow option), a number
 * with a unit is converted as usual.  bare_unit NULL: a bare number is an error whose
 * message gives the accepted units as a hint ("write \"4 L/min\"").  The result is
 * in the internal unit of dim.
 */
hs_status hs_quantity_parse_as(hs_dim dim, const char *text, const char *bare_unit, double *out,
                               hs_err *err);

/*
 * A percent quantity (HS_DIM_PERCENT: SvO2, LVEF, saturations; a target, a measurement,
 * a bound on a *_pct metric) from text: "60 %" or a bare 60 are 60.  A bare number in
 * (0, 1] is refused as ambiguous (0.6 meant as a fraction would silently read as
 * 0.6 %): the message gives the hint ("write \"60 %\" for a fraction of 0.6, or
 * \"0.6 %\" if 0.6 % is meant").  "0.6 %" and a bare 0 are accepted.
 */
hs_status hs_percent_parse(const char *text, double *out, hs_err *err);

/*
 * The unit a value of dim is shown in at the edges (tables of inputs such as a cohort's
 * results.csv): the bedside unit where it differs from the internal one (flows in L/min),
 * else the internal unit.  *per_unit (if not NULL) receives the internal value of one
 * shown unit (flow: 16.667 mL/s per L/min), so shown = internal / *per_unit.
 */
const char *hs_dim_display_unit(hs_dim dim, double *per_unit);

/*
 * Every accepted spelling of a unit of dim, as a comma-separated list generated
 * from the unit table (e.g. "mL, ml, L"; "none or %" for dimensionless values,
 * with a remark in parentheses where a spelling needs one).  Writes into buf
 * (always NUL-terminated when size > 0; HS_UNITS_LIST_MAX is always enough) and
 * returns buf; an unknown dim gives "".
 */
#define HS_UNITS_LIST_MAX 256
const char *hs_dim_accepted_units(hs_dim dim, char *buf, size_t size);

/*
 * Handy constants for conversions at the edges, all derived from one definition
 * of the mmHg: 1 mmHg = 133.322387415 Pa (ISO 80000-4; the torr, 101325/760 Pa,
 * differs in the 7th digit and is not used).
 */
#define HS_PA_PER_MMHG 133.322387415                /* 1 mmHg in Pa */
#define HS_MLS_PER_LPM (1000.0 / 60.0)              /* 1 L/min in mL/s */
#define HS_MMHG_PER_KPA (1000.0 / HS_PA_PER_MMHG)   /* 1 kPa in mmHg (7.5006158) */
#define HS_MMHG_PER_CMH2O (98.0665 / HS_PA_PER_MMHG) /* 1 cmH2O in mmHg (0.73555914) */
/* 1 mmHg*s/mL = 133.322387415 Pa*s/cm^3 and 1 Pa = 10 dyn/cm^2: 1333.22387415 */
#define HS_DYNSCM5_PER_MMHGSML (10.0 * HS_PA_PER_MMHG) /* 1 mmHg*s/mL in dyn*s/cm^5 */
#define HS_CM_PER_FR (1.0 / 30.0)               /* French gauge: 1 Fr = 1/3 mm outer diameter */

#ifdef __cplusplus
}
#endif
#endif
