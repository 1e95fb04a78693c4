/*
 * units.c - the unit table.
 *
 * Each accepted unit is one row: dimension, spelling, and the factor that turns
 * a value in that unit into the internal unit (internal = value * factor, plus an
 * offset for none of them: no temperature units are accepted).  Spellings are
 * matched exactly (case-sensitive, as in SI) after removing blanks.  The lists of
 * accepted units in messages are generated from this table, so a row added here
 * is advertised too.
 * Sources of the factors: 1 mmHg = 133.322387415 Pa (ISO 80000-4; HS_PA_PER_MMHG,
 * from which every pressure factor in units.h is derived); 1 cmH2O = 98.0665 Pa;
 * Wood unit = 1 mmHg*min/L = 0.06 mmHg*s/mL; 1 dyn*s/cm^5 = 0.1 Pa*s/mL;
 * French catheter scale: outer diameter in mm = Fr / 3 (Charriere); haemoglobin
 * 1 mmol/L (monomer) = 1.6114 g/dL (molar mass 16,114 g/mol per haem); 1 lb =
 * 0.45359237 kg exactly (international yard and pound agreement, 1959);
 * lactate 1 mmol/L = 9.008 mg/dL (molar mass of lactic acid 90.08 g/mol).
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
    {HS_DIM_FLOW, "mL/h", 1.0 / 3600.0},
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
    {HS_DIM_LENGTH, "um", 1e-4},          /* micrometre (vessel diameters) */
    {HS_DIM_LENGTH, "\xc2\xb5m", 1e-4}, /* micro sign */
    {HS_DIM_MASS, "kg", 1.0},
    {HS_DIM_MASS, "g", 1e-3},
    {HS_DIM_MASS, "lb", 0.45359237}, /* international avoirdupois pound (1959) */
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
    {HS_DIM_PERCENT, "%", 1.0},
    {HS_DIM_VELOCITY, "cm/s", 1.0},
    {HS_DIM_VELOCITY, "m/s", 100.0},
    {HS_DIM_VELOCITY, "mm/s", 0.1},
    {HS_DIM_DOSE_RATE, "ug/kg/min", 1.0},
    {HS_DIM_DOSE_RATE, "mcg/kg/min", 1.0},
    {HS_DIM_DOSE_RATE, "\xc2\xb5g/kg/min", 1.0}, /* micro sign */
    {HS_DIM_DOSE_RATE, "\xce\xbcg/kg/min", 1.0}, /* Greek mu */
    {HS_DIM_DOSE_RATE, "mg/kg/h", 1000.0 / 60.0},
    {HS_DIM_UNIT_DOSE_RATE, "U/kg/min", 1.0},
    {HS_DIM_UNIT_DOSE_RATE, "IU/kg/min", 1.0},
    {HS_DIM_MASS_CONC, "mg/mL", 1.0},
    {HS_DIM_MASS_CONC, "mg/ml", 1.0},
    {HS_DIM_MASS_CONC, "ug/mL", 1e-3},
    {HS_DIM_MASS_CONC, "ug/ml", 1e-3},
    {HS_DIM_MASS_CONC, "mcg/mL", 1e-3},
    {HS_DIM_MASS_CONC, "mcg/ml", 1e-3},
    {HS_DIM_MASS_CONC, "\xc2\xb5g/mL", 1e-3},
    {HS_DIM_MASS_CONC, "\xc2\xb5g/ml", 1e-3},
    {HS_DIM_MASS_CONC, "\xce\xbcg/mL", 1e-3},
    {HS_DIM_MASS_CONC, "\xce\xbcg/ml", 1e-3},
    {HS_DIM_MASS_CONC, "mg/L", 1e-3},
    {HS_DIM_MASS_CONC, "mg/l", 1e-3},
    {HS_DIM_MASS_CONC, "g/L", 1.0},
    {HS_DIM_MASS_CONC, "g/l", 1.0},
    {HS_DIM_UNIT_CONC, "U/mL", 1.0},
    {HS_DIM_UNIT_CONC, "U/ml", 1.0},
    {HS_DIM_UNIT_CONC, "IU/mL", 1.0},
    {HS_DIM_UNIT_CONC, "IU/ml", 1.0},
    {HS_DIM_LACTATE, "mmol/L", 1.0},
    {HS_DIM_LACTATE, "mg/dL", 1.0 / 9.008},
    {HS_DIM_VOLUME_PER_KG, "mL/kg", 1.0},
    {HS_DIM_VOLUME_PER_KG, "L/kg", 1000.0},
    {HS_DIM_CLEARANCE_PER_KG, "L/h/kg", 1.0},
    {HS_DIM_CLEARANCE_PER_KG, "L/kg/h", 1.0},
    {HS_DIM_CLEARANCE_PER_KG, "mL/min/kg", 0.06},
    {HS_DIM_CLEARANCE_PER_KG, "mL/kg/min", 0.06},
    {HS_DIM_BASE, "mmol/L", 1.0},
    {HS_DIM_BASE, "mEq/L", 1.0},
    {HS_DIM_PLASMA_HB, "mg/dL", 1.0},
    {HS_DIM_PLASMA_HB, "g/L", 100.0},
    {HS_DIM_PLASMA_HB, "mg/L", 0.1},
    {HS_DIM_INV_PRESSURE, "%/mmHg", 0.01},
    {HS_DIM_INV_PRESSURE, "1/mmHg", 1.0},
    {HS_DIM_INV_PRESSURE, "/mmHg", 1.0},
    {HS_DIM_INV_PRESSURE, "%/kPa", 0.01 / HS_MMHG_PER_KPA},
    {HS_DIM_INV_PRESSURE, "1/kPa", 1.0 / HS_MMHG_PER_KPA},
};

static const char *const DIM_UNIT[HS_DIM_COUNT] = {
    "", "mmHg", "mL", "s", "mL/s", "mmHg*s/mL", "mL/mmHg", "mmHg/mL", "mmHg*s^2/mL",
    "/min", "1/mL", "cm", "kg", "cm^2", "Fr", "rpm", "mL/min", "g/dL", "%", "cm/s",
    "ug/kg/min", "U/kg/min", "mg/mL", "U/mL", "mmol/L", "mL/kg", "L/h/kg", "mmol/L", "mg/dL", "1/mmHg"};
static const char *const DIM_NAME[HS_DIM_COUNT] = {
    "dimensionless", "pressure", "volume", "time", "flow", "resistance", "compliance",
    "elastance", "inertance", "rate", "inverse volume", "length", "mass", "area",
    "catheter size", "pump speed", "O2 consumption", "haemoglobin", "percentage", "velocity",
    "drug dose rate", "activity dose rate", "mass concentration",
    "activity concentration", "lactate concentration", "volume per body weight",
    "clearance per body weight", "base excess", "plasma free haemoglobin",
    "relative change per pressure"};
/* A remark appended to a dimension's accepted-units list, where one helps. */
static const char *const DIM_NOTE[HS_DIM_COUNT] = {
    [HS_DIM_FRENCH] = " (mm: outer diameter)",
    [HS_DIM_O2RATE] = " (of O2)",
};

#define NUNITS (sizeof UNITS / sizeof UNITS[0])

/* The spellings a missing-unit message suggests, bedside unit first, for dimensions
   whose clinical unit depends on the quantity (a blood volume in L, a ventricular
   volume in mL; a septostomy in mm, a cannula length in cm; a half-life in h, a
   time constant in s).  Other dimensions suggest the first spelling of the table. */
static const char *const HINT[HS_DIM_COUNT][4] = {
    [HS_DIM_FLOW] = {"L/min", "mL/s"},
    [HS_DIM_VOLUME] = {"L", "mL"},
    [HS_DIM_LENGTH] = {"mm", "cm"},
    [HS_DIM_TIME] = {"h", "min", "s"},
    [HS_DIM_VOLUME_PER_KG] = {"L/kg", "mL/kg"}, /* a distribution volume in L/kg */
    [HS_DIM_INV_PRESSURE] = {"%/mmHg", "1/mmHg"}, /* a reactivity: "3.5 %/mmHg" */
};

const char *hs_dim_display_unit(hs_dim dim, double *per_unit) {
  const char *u = dim == HS_DIM_FLOW           ? "L/min"
                  : dim == HS_DIM_INV_PRESSURE ? "%/mmHg"
                                               : hs_dim_unit(dim);
  if (per_unit && hs_unit_to_internal(dim, 1.0, u, per_unit, NULL) != HS_OK) *per_unit = 1.0;
  return u;
}

const char *hs_dim_unit(hs_dim dim) { return (unsigned)dim < HS_DIM_COUNT ? DIM_UNIT[dim] : "?"; }
const char *hs_dim_name(hs_dim dim) { return (unsigned)dim < HS_DIM_COUNT ? DIM_NAME[dim] : "?"; }

/* Append s to buf (holding *len characters), truncating at size - 1. */
static void append(char *buf, size_t size, size_t *len, const char *s) {
  for (; *s && *len + 1 < size; s++) buf[(*len)++] = *s;
  buf[*len] = '\0';
}

const char *hs_dim_accepted_units(hs_dim dim, char *buf, size_t size) {
  if (!buf || size == 0) return "";
  size_t len = 0;
  buf[0] = '\0';
  if ((unsigned)dim >= HS_DIM_COUNT) return buf;
  if (dim == HS_DIM_NONE) append(buf, size, &len, "none or ");
  int n = 0;
  for (size_t i = 0; i < NUNITS; i++) {
    if (UNITS[i].dim != dim) continue;
    if (n++) append(buf, size, &len, ", ");
    append(buf, size, &len, UNITS[i].spelling);
  }
  if (DIM_NOTE[dim]) append(buf, size, &len, DIM_NOTE[dim]);
  return buf;
}

/* "a pressure", "an elastance", "a dimensionless number". */
static const char *article(const char *word) {
  return word[0] && strchr("aeiouAEIOU", word[0]) ? "an" : "a";
}
static void dim_phrase(hs_dim dim, char *buf, size_t size) {
  const char *name = hs_dim_name(dim);
  snprintf(buf, size, "%s %s%s", article(name), name, dim == HS_DIM_NONE ? " number" : "");
}

/* text[0..len) for a message: at most 60 characters, '"' '\\' and control
   characters escaped, "..." if cut. */
#define SHOWN_MAX (4 * 60 + 8)
static void show_n(const char *text, size_t len, char *buf, size_t size) {
  enum { SHOW = 60 };
  size_t j = 0, i = 0;
  for (; i < len && i < SHOW && j + 5 < size; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '"' || c == '\\') {
      buf[j++] = '\\';
      buf[j++] = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      j += (size_t)snprintf(buf + j, size - j, "\\x%02x", c);
    } else {
      buf[j++] = (char)c;
    }
  }
  if (i < len && j + 4 <= size) {
    memcpy(buf + j, "...", 3);
    j += 3;
  }
  buf[j] = '\0';
}
static void show(const char *text, char *buf, size_t size) {
  show_n(text, strlen(text), buf, size);
}

/* unit without blanks into buf[64]; 0 if it does not fit (then no spelling matches). */
enum { COMPACT_MAX = 64 };
static int compact_unit(const char *unit, char *buf) {
  size_t k = 0;
  for (; *unit; unit++) {
    if (*unit == ' ' || *unit == '\t') continue;
    if (k + 1 >= COMPACT_MAX) return 0;
    buf[k++] = *unit;
  }
  buf[k] = '\0';
  return 1;
}

hs_status hs_unit_to_internal(hs_dim dim, double value, const char *unit, double *out,
                              hs_err *err) {
  if (!unit || !*unit) {
    *out = value;
    return HS_OK;
  }
  char compact[COMPACT_MAX];
  int fits = compact_unit(unit, compact);
  int other = -1; /* the first row with this spelling but another dimension */
  for (size_t i = 0; fits && i < NUNITS; i++) {
    if (strcmp(UNITS[i].spelling, compact) != 0) continue;
    if (UNITS[i].dim == dim) {
      double v = value * UNITS[i].factor;
      if (!isfinite(v)) /* finite before the conversion, overflowed by it: "1e308 L" */
        return hs_err_set(err, HS_ERR_RANGE, "%g %s is too large to represent in %s", value,
                          UNITS[i].spelling, DIM_UNIT[dim][0] ? DIM_UNIT[dim] : "its unit");
      *out = v;
      return HS_OK;
    }
    if (other < 0) other = (int)i;
  }
  if (!err) return HS_ERR_INVALID;
  char accepted[HS_UNITS_LIST_MAX], want[64], shown[SHOWN_MAX];
  size_t ulen = strlen(unit);
  while (ulen > 0 && (unit[ulen - 1] == ' ' || unit[ulen - 1] == '\t')) ulen--;
  show_n(unit, ulen, shown, sizeof shown);
  hs_dim_accepted_units(dim, accepted, sizeof accepted);
  dim_phrase(dim, want, sizeof want);
  if (other >= 0) {
    const char *oname = hs_dim_name(UNITS[other].dim);
    return hs_err_set(err, HS_ERR_INVALID,
                      "unit '%s' is %s %s unit, but %s is expected (accepted: %s)", shown,
                      article(oname), oname, want, accepted);
  }
  return hs_err_set(err, HS_ERR_INVALID, "unknown unit '%s' for %s (accepted: %s)", shown, want,
                    accepted);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Is a known spelling (of any dimension), blanks ignored. */
static int known_spelling(const char *u) {
  char compact[COMPACT_MAX];
  if (!compact_unit(u, compact)) return 0;
  for (size_t i = 0; i < NUNITS; i++)
    if (strcmp(UNITS[i].spelling, compact) == 0) return 1;
  return 0;
}

/*
 * Whether the text after a number (rest, past any blanks; gap: blanks came
 * before it) is no unit at all but the rest of a malformed number: "1.2.3",
 * "1,5", "1e", "1e+", "1 2", "5..", "1-2".  Units start with a letter, '%' or
 * '/', or are one of the spellings that start with a digit ("1/min").
 */
static int garbled_number(const char *rest, int gap) {
  char c = rest[0];
  if (c == '.' || c == ',' || c == '+' || c == '-') return 1;
  if (is_digit(c)) return !known_spelling(rest);
  if (!gap && (c == 'e' || c == 'E') &&
      (!rest[1] || rest[1] == '+' || rest[1] == '-' || is_digit(rest[1])))
    return 1;
  return 0;
}

static hs_status not_a_number(hs_err *err, const char *text, const char *what) {
  char shown[SHOWN_MAX];
  show(text, shown, sizeof shown);
  return hs_err_set(err, HS_ERR_INVALID, "\"%s\" is not %s", shown, what);
}

hs_status hs_quantity_parse(hs_dim dim, const char *text, double *out, hs_err *err) {
  if (!text) return hs_err_set(err, HS_ERR_INVALID, "missing value");
  const char *s = text;
  while (*s == ' ' || *s == '\t') s++;
  /* Reject forms strtod accepts but input files must not use. */
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  if (!(is_digit(p[0]) || (p[0] == '.' && is_digit(p[1]))) ||
      (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
    return not_a_number(err, text, "a number");
  errno = 0;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s) return not_a_number(err, text, "a number");
  if (!isfinite(v) || (errno == ERANGE && fabs(v) >= 1.0))
    return not_a_number(err, text, "a finite number");
  if (errno == ERANGE)
    return not_a_number(err, text, "a number that can be represented (too close to zero)");
  const char *unit = end;
  while (*unit == ' ' || *unit == '\t') unit++;
  if (*unit && garbled_number(unit, unit != end)) return not_a_number(err, text, "a number");
  hs_status st = hs_unit_to_internal(dim, v, unit, out, err);
  if (st != HS_OK && err) {
    char shown[SHOWN_MAX];
    show(text, shown, sizeof shown);
    hs_err_prefix(err, "\"%s\": ", shown);
  }
  return st;
}

/* Whether text is a number with no unit after it (blanks allowed). */
static int bare_number(const char *text) {
  const char *s = text;
  while (*s == ' ' || *s == '\t') s++;
  char *end;
  strtod(s, &end);
  if (end == s) return 0;
  while (*end == ' ' || *end == '\t') end++;
  return *end == '\0';
}

hs_status hs_quantity_parse_as(hs_dim dim, const char *text, const char *bare_unit, double *out,
                               hs_err *err) {
  if (!text || !bare_number(text)) return hs_quantity_parse(dim, text, out, err);
  double v;
  hs_status st = hs_quantity_parse(HS_DIM_NONE, text, &v, err); /* number checks only */
  if (st) return st;
  if (!bare_unit) {
    if (!err) return HS_ERR_INVALID;
    char accepted[HS_UNITS_LIST_MAX], shown[SHOWN_MAX], want[64];
    show(text, shown, sizeof shown);
    hs_dim_accepted_units(dim, accepted, sizeof accepted);
    dim_phrase(dim, want, sizeof want);
    char hint[4 * (SHOWN_MAX + 16)] = "";
    size_t hl = 0;
    const char *const *h = HINT[dim];
    if (!h[0]) { /* the first spelling listed is the clinical one */
      for (size_t i = 0; i < NUNITS && !hint[0]; i++)
        if (UNITS[i].dim == dim) snprintf(hint, sizeof hint, "\"%s %s\"", shown, UNITS[i].spelling);
    } else {
      for (int i = 0; i < 4 && h[i]; i++) {
        const char *sep = i == 0 ? "" : (i + 1 < 4 && h[i + 1]) ? ", " : " or ";
        char one[SHOWN_MAX + 16];
        snprintf(one, sizeof one, "%s\"%s %s\"", sep, shown, h[i]);
        append(hint, sizeof hint, &hl, one);
      }
    }
    return hs_err_set(err, HS_ERR_INVALID, "\"%s\": %s needs its unit (write e.g. %s; accepted: %s)",
                      shown, want, hint, accepted);
  }
  return hs_unit_to_internal(dim, v, bare_unit, out, err);
}

hs_status hs_percent_parse(const char *text, double *out, hs_err *err) {
  double x;
  hs_status st = hs_quantity_parse_as(HS_DIM_PERCENT, text, "%", &x, err);
  if (st) return st;
  if (x > 0 && x <= 1 && bare_number(text)) {
    if (!err) return HS_ERR_INVALID;
    char shown[SHOWN_MAX];
    show(text, shown, sizeof shown);
    return hs_err_set(err, HS_ERR_INVALID,
                      "\"%s\" is ambiguous: a bare number is in %% (this would be %s %%, not a "
                      "fraction); write \"%g %%\" for a fraction of %s, or \"%s %%\" if %s %% "
                      "is meant",
                      shown, shown, 100 * x, shown, shown, shown);
  }
  *out = x;
  return HS_OK;
}
