/* test_units.c - the unit table and quantity parsing (src/core/units.c).
 *
 * Expected factors are computed by hand from the definitions, not taken from
 * the HS_* constants of units.h, so that a wrong constant is caught:
 *   1 mmHg = 133.322387415 Pa, 1 cmH2O = 98.0665 Pa
 *   1 kPa = 1000 / 133.322387415 = 7.50061576 mmHg (7.500616827 would be the torr,
 *     101325/760 Pa, which hemosim does not use)
 *   1 cmH2O = 98.0665 / 133.322387415 = 0.73555914 mmHg
 *   1 L/min = 1000 mL / 60 s = 16.6667 mL/s
 *   1 Wood unit = 1 mmHg*min/L = 60 s / 1000 mL = 0.06 mmHg*s/mL
 *   1 dyn*s/cm^5 = 0.1 Pa*s/mL = 0.1 / 133.322387415 mmHg*s/mL = 7.50062e-4
 *     (1 mmHg*s/mL = 1333.22387415 dyn*s/cm^5)
 *   1 Fr = 1/3 mm outer diameter = 1/30 cm
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/units.h"

#define MMHG_PA 133.322387415

typedef struct unit_case {
  hs_dim dim;
  const char *text;
  double expect; /* in the internal unit */
} unit_case;

/* Every spelling in the unit table, with a hand-computed conversion. */
static const unit_case CASES[] = {
    /* pressure, mmHg */
    {HS_DIM_PRESSURE, "1 mmHg", 1.0},
    {HS_DIM_PRESSURE, "1 kPa", 7.5006157584566},
    {HS_DIM_PRESSURE, "2 kPa", 2 * 1000.0 / MMHG_PA},
    {HS_DIM_PRESSURE, "10 cmH2O", 10 * 98.0665 / MMHG_PA},
    /* volume, mL */
    {HS_DIM_VOLUME, "250 mL", 250.0},
    {HS_DIM_VOLUME, "250 ml", 250.0},
    {HS_DIM_VOLUME, "1.5 L", 1500.0},
    /* time, s */
    {HS_DIM_TIME, "2 s", 2.0},
    {HS_DIM_TIME, "250 ms", 0.25},
    {HS_DIM_TIME, "2 min", 120.0},
    {HS_DIM_TIME, "1.5 h", 5400.0},
    /* flow, mL/s */
    {HS_DIM_FLOW, "80 mL/s", 80.0},
    {HS_DIM_FLOW, "4.5 L/min", 75.0},
    {HS_DIM_FLOW, "300 mL/min", 5.0},
    {HS_DIM_FLOW, "90 mL/h", 0.025},
    /* resistance, mmHg*s/mL */
    {HS_DIM_RESISTANCE, "1.2 mmHg*s/mL", 1.2},
    {HS_DIM_RESISTANCE, "1 WU", 0.06},
    {HS_DIM_RESISTANCE, "20 WU", 1.2},
    {HS_DIM_RESISTANCE, "3 mmHg*min/L", 0.18},
    {HS_DIM_RESISTANCE, "1200 dyn*s/cm^5", 1200 * 0.1 / MMHG_PA}, /* 0.9000739 */
    {HS_DIM_RESISTANCE, "80 dyn*s*cm^-5", 80 * 0.1 / MMHG_PA},
    /* compliance, elastance, inertance */
    {HS_DIM_COMPLIANCE, "1.5 mL/mmHg", 1.5},
    {HS_DIM_ELASTANCE, "2.3 mmHg/mL", 2.3},
    {HS_DIM_INERTANCE, "0.0007 mmHg*s^2/mL", 7e-4},
    /* rate, 1/min */
    {HS_DIM_RATE, "72 /min", 72.0},
    {HS_DIM_RATE, "72 bpm", 72.0},
    {HS_DIM_RATE, "72 1/min", 72.0},
    /* inverse volume */
    {HS_DIM_INV_VOLUME, "0.025 1/mL", 0.025},
    {HS_DIM_INV_VOLUME, "0.025 /mL", 0.025},
    /* length, cm */
    {HS_DIM_LENGTH, "175 cm", 175.0},
    {HS_DIM_LENGTH, "25 mm", 2.5},
    {HS_DIM_LENGTH, "1.8 m", 180.0},
    {HS_DIM_LENGTH, "24 Fr", 0.8},
    {HS_DIM_LENGTH, "8 Fr", 8.0 / 30.0},
    {HS_DIM_LENGTH, "20 um", 0.002},
    {HS_DIM_LENGTH, "20 \xc2\xb5m", 0.002},
    /* mass, kg */
    {HS_DIM_MASS, "80 kg", 80.0},
    {HS_DIM_MASS, "3500 g", 3.5},
    /* area, cm^2 */
    {HS_DIM_AREA, "0.3 cm^2", 0.3},
    {HS_DIM_AREA, "0.3 cm2", 0.3},
    {HS_DIM_AREA, "40 mm^2", 0.4},
    {HS_DIM_AREA, "40 mm2", 0.4},
    /* dimensionless */
    {HS_DIM_NONE, "50 %", 0.5},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

/* The spellings of the dimensions after HS_DIM_AREA (they share spellings with
   the ones above: "Fr", "mm", "/min", "L/min", "mL/min"). */
static const unit_case EXTRA_CASES[] = {
    {HS_DIM_FRENCH, "24 Fr", 24.0},
    {HS_DIM_FRENCH, "8 mm", 24.0},
    {HS_DIM_SPEED, "3500 rpm", 3500.0},
    {HS_DIM_SPEED, "3500 /min", 3500.0},
    {HS_DIM_O2RATE, "250 mL/min", 250.0},
    {HS_DIM_O2RATE, "0.25 L/min", 250.0},
    {HS_DIM_HB, "14 g/dL", 14.0},
    {HS_DIM_HB, "140 g/L", 14.0},
    {HS_DIM_HB, "8.7 mmol/L", 8.7 * 1.6114},
    {HS_DIM_MASS, "180 lb", 180 * 0.45359237},
    {HS_DIM_PERCENT, "92 %", 92.0}, /* one rule: % of the field's own scale */
    {HS_DIM_VELOCITY, "60 cm/s", 60.0},
    {HS_DIM_VELOCITY, "0.6 m/s", 60.0},
    {HS_DIM_VELOCITY, "600 mm/s", 60.0},
    {HS_DIM_DOSE_RATE, "0.1 ug/kg/min", 0.1},
    {HS_DIM_DOSE_RATE, "0.1 mcg/kg/min", 0.1},
    {HS_DIM_DOSE_RATE, "0.1 \xc2\xb5g/kg/min", 0.1},
    {HS_DIM_DOSE_RATE, "0.1 \xce\xbcg/kg/min", 0.1},
    {HS_DIM_DOSE_RATE, "0.006 mg/kg/h", 0.1},
    {HS_DIM_UNIT_DOSE_RATE, "0.0005 U/kg/min", 0.0005},
    {HS_DIM_UNIT_DOSE_RATE, "0.0005 IU/kg/min", 0.0005},
    {HS_DIM_MASS_CONC, "1 mg/mL", 1.0},
    {HS_DIM_MASS_CONC, "1 mg/ml", 1.0},
    {HS_DIM_MASS_CONC, "50 ug/mL", 0.05},
    {HS_DIM_MASS_CONC, "50 ug/ml", 0.05},
    {HS_DIM_MASS_CONC, "50 mcg/mL", 0.05},
    {HS_DIM_MASS_CONC, "50 mcg/ml", 0.05},
    {HS_DIM_MASS_CONC, "50 \xc2\xb5g/mL", 0.05},
    {HS_DIM_MASS_CONC, "50 \xc2\xb5g/ml", 0.05},
    {HS_DIM_MASS_CONC, "50 \xce\xbcg/mL", 0.05},
    {HS_DIM_MASS_CONC, "50 \xce\xbcg/ml", 0.05},
    {HS_DIM_MASS_CONC, "50 mg/L", 0.05},
    {HS_DIM_MASS_CONC, "50 mg/l", 0.05},
    {HS_DIM_MASS_CONC, "1 g/L", 1.0},
    {HS_DIM_MASS_CONC, "1 g/l", 1.0},
    {HS_DIM_UNIT_CONC, "5000 U/mL", 5000.0},
    {HS_DIM_UNIT_CONC, "5000 U/ml", 5000.0},
    {HS_DIM_UNIT_CONC, "5000 IU/mL", 5000.0},
    {HS_DIM_UNIT_CONC, "5000 IU/ml", 5000.0},
    {HS_DIM_LACTATE, "2.5 mmol/L", 2.5},
    {HS_DIM_LACTATE, "18 mg/dL", 18 / 9.008},
    {HS_DIM_VOLUME_PER_KG, "7.4 mL/kg", 7.4},
    {HS_DIM_VOLUME_PER_KG, "0.07 L/kg", 70.0},
    {HS_DIM_CLEARANCE_PER_KG, "0.86 L/h/kg", 0.86},
    {HS_DIM_CLEARANCE_PER_KG, "0.86 L/kg/h", 0.86},
    {HS_DIM_CLEARANCE_PER_KG, "10 mL/min/kg", 0.6},
    {HS_DIM_CLEARANCE_PER_KG, "10 mL/kg/min", 0.6},
    {HS_DIM_BASE, "-4 mmol/L", -4.0},
    {HS_DIM_BASE, "-4 mEq/L", -4.0},
    {HS_DIM_PLASMA_HB, "50 mg/dL", 50.0},
    {HS_DIM_PLASMA_HB, "0.5 g/L", 50.0},
    {HS_DIM_PLASMA_HB, "500 mg/L", 50.0},
    {HS_DIM_INV_PRESSURE, "3.5 %/mmHg", 0.035},
    {HS_DIM_INV_PRESSURE, "0.035 1/mmHg", 0.035},
    {HS_DIM_INV_PRESSURE, "0.035 /mmHg", 0.035},
    {HS_DIM_INV_PRESSURE, "2 %/kPa", 0.02 / HS_MMHG_PER_KPA},
    {HS_DIM_INV_PRESSURE, "0.02 1/kPa", 0.02 / HS_MMHG_PER_KPA},
};
#define NEXTRA (sizeof EXTRA_CASES / sizeof EXTRA_CASES[0])

/* hs_dim_accepted_units into a static buffer, for brevity. */
static const char *accepted(hs_dim dim) {
  static char buf[HS_UNITS_LIST_MAX];
  return hs_dim_accepted_units(dim, buf, sizeof buf);
}

static double parse_ok(hs_dim dim, const char *text) {
  hs_err err = {0};
  double v = -12345.0;
  hs_status st = hs_quantity_parse(dim, text, &v, &err);
  if (st != HS_OK) print_error("\"%s\" as %s: status %d: %s\n", text, hs_dim_name(dim), st, err.msg);
  assert_int_equal(st, HS_OK);
  return v;
}

static void expect_close(double got, double want, const char *text) {
  /* relative 1e-13: every factor is derived from exact definitions, so only
     rounding separates them (a constant rounded to 10 digits, such as
     1333.22387 for 1333.22387415, is caught) */
  double tol = 1e-13 * (want < 0 ? -want : want) + 1e-15;
  if (!(got - want <= tol && want - got <= tol)) print_error("\"%s\": ", text);
  assert_near(got, want, tol);
}

/* ---------------------------------------------------------------- conversions */

static void test_every_unit_converts(void **state) {
  (void)state;
  for (size_t i = 0; i < NCASES; i++)
    expect_close(parse_ok(CASES[i].dim, CASES[i].text), CASES[i].expect, CASES[i].text);
  for (size_t i = 0; i < NEXTRA; i++)
    expect_close(parse_ok(EXTRA_CASES[i].dim, EXTRA_CASES[i].text), EXTRA_CASES[i].expect,
                 EXTRA_CASES[i].text);
}

/* One definition of the mmHg (133.322387415 Pa) behind every pressure constant. */
static void test_constants_share_one_mmhg(void **state) {
  (void)state;
  assert_true(HS_PA_PER_MMHG == MMHG_PA);
  assert_near(HS_MMHG_PER_KPA, 1000.0 / MMHG_PA, 1e-14);
  assert_near(HS_MMHG_PER_KPA, 7.5006157584566, 1e-12); /* not the torr's 7.500616827 */
  assert_near(HS_MMHG_PER_CMH2O, 98.0665 / MMHG_PA, 1e-15);
  assert_near(HS_MMHG_PER_CMH2O, 0.73555913527668, 1e-13);
  assert_near(HS_DYNSCM5_PER_MMHGSML, 10.0 * MMHG_PA, 1e-11);
  assert_near(HS_DYNSCM5_PER_MMHGSML, 1333.22387415, 1e-11);
  /* the table agrees with the constants */
  assert_near(parse_ok(HS_DIM_PRESSURE, "1 kPa"), HS_MMHG_PER_KPA, 0);
  assert_near(parse_ok(HS_DIM_PRESSURE, "1 cmH2O"), HS_MMHG_PER_CMH2O, 0);
  assert_near(parse_ok(HS_DIM_RESISTANCE, "1333.22387415 dyn*s/cm^5"), 1.0, 1e-15);
  /* 1 kPa and 1 cmH2O in mmHg, and back to Pa */
  assert_near(parse_ok(HS_DIM_PRESSURE, "1 kPa") * MMHG_PA, 1000.0, 1e-10);
  assert_near(parse_ok(HS_DIM_PRESSURE, "1 cmH2O") * MMHG_PA, 98.0665, 1e-12);
}

static void test_named_examples(void **state) {
  (void)state;
  /* the examples of the specification, with the tolerance of their printed digits */
  assert_near(parse_ok(HS_DIM_PRESSURE, "1 kPa"), 7.50061576, 1e-8);
  assert_near(parse_ok(HS_DIM_FLOW, "4.5 L/min"), 75.0, 1e-12);
  assert_near(parse_ok(HS_DIM_RESISTANCE, "1200 dyn*s/cm^5"), 0.9001, 1e-4);
  assert_near(parse_ok(HS_DIM_RESISTANCE, "1200 dyn*s/cm^5"), 0.9000739, 1e-7);
  assert_near(parse_ok(HS_DIM_LENGTH, "24 Fr"), 0.8, 1e-12);
  assert_near(parse_ok(HS_DIM_RESISTANCE, "1 WU"), 0.06, 1e-15);
  assert_near(parse_ok(HS_DIM_PRESSURE, "1 cmH2O"), 0.73555914, 1e-8);
}

static void test_unit_to_internal_direct(void **state) {
  (void)state;
  double v = 0;
  hs_err err = {0};
  assert_int_equal(hs_unit_to_internal(HS_DIM_FLOW, 6.0, "L/min", &v, &err), HS_OK);
  assert_near(v, 100.0, 1e-12);
  /* no unit / empty unit: the value is already internal */
  v = 0;
  assert_int_equal(hs_unit_to_internal(HS_DIM_FLOW, 6.0, NULL, &v, &err), HS_OK);
  assert_near(v, 6.0, 0);
  v = 0;
  assert_int_equal(hs_unit_to_internal(HS_DIM_FLOW, 6.0, "", &v, &err), HS_OK);
  assert_near(v, 6.0, 0);
  /* blanks inside the unit are ignored */
  assert_int_equal(hs_unit_to_internal(HS_DIM_RESISTANCE, 1200, "dyn * s / cm^5", &v, &err),
                   HS_OK);
  assert_near(v, 0.9000739, 1e-7);
}

static void test_bare_number_is_internal(void **state) {
  (void)state;
  for (int d = 0; d < HS_DIM_COUNT; d++) {
    assert_near(parse_ok((hs_dim)d, "3.25"), 3.25, 0);
    assert_near(parse_ok((hs_dim)d, "-0.5"), -0.5, 0);
    assert_near(parse_ok((hs_dim)d, "+2"), 2.0, 0);
    assert_near(parse_ok((hs_dim)d, ".5"), 0.5, 0);
    assert_near(parse_ok((hs_dim)d, "1e3"), 1000.0, 0);
    assert_near(parse_ok((hs_dim)d, "  7  "), 7.0, 0);
  }
}

/* A bare number where a unit is needed: the hint offers the bedside spellings of the
   dimension ("--onset 6" is hours or minutes far more often than seconds), and a shown
   value converts to the internal unit for tables of inputs (flows in L/min). */
static void test_missing_unit_hint(void **state) {
  (void)state;
  static const struct {
    hs_dim dim;
    const char *hint;
  } H[] = {{HS_DIM_TIME, "write e.g. \"6 h\", \"6 min\" or \"6 s\""},
           {HS_DIM_VOLUME, "write e.g. \"6 L\" or \"6 mL\""},
           {HS_DIM_FLOW, "write e.g. \"6 L/min\" or \"6 mL/s\""},
           {HS_DIM_LENGTH, "write e.g. \"6 mm\" or \"6 cm\""},
           {HS_DIM_MASS_CONC, "write e.g. \"6 mg/mL\";"}};
  for (size_t i = 0; i < sizeof H / sizeof H[0]; i++) {
    hs_err err;
    double v = -1;
    assert_int_equal(hs_quantity_parse_as(H[i].dim, "6", NULL, &v, &err), HS_ERR_INVALID);
    if (!strstr(err.msg, H[i].hint) || !strstr(err.msg, "needs its unit"))
      fail_msg("dim %d: %s", (int)H[i].dim, err.msg);
    assert_near(v, -1, 0);
  }
  double per;
  assert_string_equal(hs_dim_display_unit(HS_DIM_FLOW, &per), "L/min");
  assert_near(per, 1000.0 / 60.0, 1e-12);
  assert_string_equal(hs_dim_display_unit(HS_DIM_ELASTANCE, &per), "mmHg/mL");
  assert_near(per, 1.0, 0);
}

/* A value that is finite as written but overflows in the conversion is an error. */
static void test_conversion_overflow(void **state) {
  (void)state;
  hs_err err;
  double v = 42;
  assert_int_equal(hs_quantity_parse(HS_DIM_VOLUME, "1e308 L", &v, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "too large"));
  assert_non_null(strstr(err.msg, "1e308 L"));
  assert_near(v, 42, 0); /* output untouched */
  assert_int_equal(hs_quantity_parse(HS_DIM_VOLUME, "1e300 L", &v, &err), HS_OK);
  assert_true(isfinite(v));
}

static void test_spacing_around_unit(void **state) {
  (void)state;
  assert_near(parse_ok(HS_DIM_FLOW, "4.5L/min"), 75.0, 1e-12);
  assert_near(parse_ok(HS_DIM_FLOW, "4.5   L/min"), 75.0, 1e-12);
  assert_near(parse_ok(HS_DIM_FLOW, "4.5 L / min"), 75.0, 1e-12);
  assert_near(parse_ok(HS_DIM_FLOW, "  4.5 L/min  "), 75.0, 1e-12);
  assert_near(parse_ok(HS_DIM_PRESSURE, "-4 mmHg"), -4.0, 0);
  assert_near(parse_ok(HS_DIM_TIME, "1.5e2 ms"), 0.15, 1e-15);
}

/* The dimensions this file knows (others may be added after HS_DIM_AREA). */
#define NKNOWN ((int)HS_DIM_AREA + 1)

/* The internal unit of each dimension is itself an accepted spelling (factor 1). */
static void test_internal_unit_names(void **state) {
  (void)state;
  static const char *const want[NKNOWN] = {
      "", "mmHg", "mL", "s", "mL/s", "mmHg*s/mL", "mL/mmHg", "mmHg/mL", "mmHg*s^2/mL",
      "/min", "1/mL", "cm", "kg", "cm^2"};
  static const char *const names[NKNOWN] = {
      "dimensionless", "pressure", "volume", "time", "flow", "resistance", "compliance",
      "elastance", "inertance", "rate", "inverse volume", "length", "mass", "area"};
  for (int d = 0; d < NKNOWN; d++) {
    assert_string_equal(hs_dim_unit((hs_dim)d), want[d]);
    assert_string_equal(hs_dim_name((hs_dim)d), names[d]);
  }
  for (int d = 1; d < HS_DIM_COUNT; d++) { /* every dimension, known here or not */
    const char *u = hs_dim_unit((hs_dim)d);
    assert_non_null(u);
    assert_true(strlen(u) > 0);
    assert_true(strlen(hs_dim_name((hs_dim)d)) > 0);
    assert_string_not_equal(hs_dim_name((hs_dim)d), "?");
    char text[64];
    snprintf(text, sizeof text, "2.5 %s", u);
    assert_near(parse_ok((hs_dim)d, text), 2.5, 0);
  }
  assert_string_equal(hs_dim_unit(HS_DIM_COUNT), "?");
  assert_string_equal(hs_dim_name(HS_DIM_COUNT), "?");
  assert_string_equal(accepted(HS_DIM_COUNT), "");
  char small[8] = "xxxxxxx";
  assert_string_equal(hs_dim_accepted_units(HS_DIM_COUNT, small, sizeof small), "");
  assert_string_equal(hs_dim_accepted_units(HS_DIM_VOLUME, NULL, 0), "");
}

/* Every unit that the accepted-units list advertises really is accepted. */
static void test_advertised_units_are_accepted(void **state) {
  (void)state;
  for (int d = 1; d < HS_DIM_COUNT; d++) {
    const char *list = accepted((hs_dim)d);
    assert_non_null(list);
    assert_true(strlen(list) > 0);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    char *remark = strstr(buf, " ("); /* "Fr, mm (outer diameter)" */
    if (remark) *remark = '\0';
    int n = 0;
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
      char text[64];
      snprintf(text, sizeof text, "1 %s", tok);
      hs_err err = {0};
      double v;
      hs_status st = hs_quantity_parse((hs_dim)d, text, &v, &err);
      if (st != HS_OK) print_error("%s: advertised unit '%s' rejected: %s\n", hs_dim_name(d), tok, err.msg);
      assert_int_equal(st, HS_OK);
      n++;
    }
    assert_true(n >= 1);
  }
  assert_string_equal(accepted(HS_DIM_NONE), "none or %");
}

/* Number of ", "-separated entries of list before any " (" remark, and whether
   `unit` is one of them. */
static int list_has(const char *list, const char *unit, int *count) {
  char buf[HS_UNITS_LIST_MAX];
  snprintf(buf, sizeof buf, "%s", list);
  char *remark = strstr(buf, " (");
  if (remark) *remark = '\0';
  int found = 0, n = 0;
  for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
    n++;
    if (strcmp(tok, unit) == 0) found = 1;
  }
  if (count) *count = n;
  return found;
}

/* The accepted-units list of each dimension names every spelling it accepts
   (ml, dyn*s*cm^-5, 1/min, /mL, cm2, mm2, /min for a pump speed, ...) and
   nothing else: the case tables above hold every spelling of the unit table. */
static void test_accepted_lists_name_every_spelling(void **state) {
  (void)state;
  int per_dim[HS_DIM_COUNT] = {0};
  for (size_t i = 0; i < NCASES + NEXTRA; i++) {
    const unit_case *c = i < NCASES ? &CASES[i] : &EXTRA_CASES[i - NCASES];
    const char *unit = strchr(c->text, ' ') + 1;
    const char *list = accepted(c->dim);
    if (c->dim == HS_DIM_NONE) list = strstr(list, "none or ") ? list + strlen("none or ") : list;
    if (!list_has(list, unit, NULL))
      print_error("%s: '%s' is accepted but not listed in \"%s\"\n", hs_dim_name(c->dim), unit,
                  list);
    assert_true(list_has(list, unit, NULL));
    int seen = 0; /* count each spelling once ("1 kPa", "2 kPa") */
    for (size_t j = 0; j < i; j++) {
      const unit_case *o = j < NCASES ? &CASES[j] : &EXTRA_CASES[j - NCASES];
      if (o->dim == c->dim && strcmp(strchr(o->text, ' ') + 1, unit) == 0) seen = 1;
    }
    per_dim[c->dim] += !seen;
  }
  for (int d = 1; d < HS_DIM_COUNT; d++) {
    int n = 0;
    list_has(accepted((hs_dim)d), "", &n);
    if (n != per_dim[d])
      print_error("%s: list \"%s\" has %d entries, the cases %d\n", hs_dim_name(d),
                  accepted((hs_dim)d), n, per_dim[d]);
    assert_int_equal(n, per_dim[d]);
  }
  /* the spellings the old hand-written lists left out */
  assert_true(list_has(accepted(HS_DIM_VOLUME), "ml", NULL));
  assert_true(list_has(accepted(HS_DIM_RESISTANCE), "dyn*s*cm^-5", NULL));
  assert_true(list_has(accepted(HS_DIM_RATE), "1/min", NULL));
  assert_true(list_has(accepted(HS_DIM_INV_VOLUME), "/mL", NULL));
  assert_true(list_has(accepted(HS_DIM_AREA), "cm2", NULL));
  assert_true(list_has(accepted(HS_DIM_AREA), "mm2", NULL));
  assert_true(list_has(accepted(HS_DIM_SPEED), "/min", NULL));
  /* remarks survive */
  assert_non_null(strstr(accepted(HS_DIM_FRENCH), "outer diameter"));
  assert_non_null(strstr(accepted(HS_DIM_O2RATE), "(of O2)"));
  /* the lists fit HS_UNITS_LIST_MAX with room to spare (no silent truncation) */
  for (int d = 0; d < HS_DIM_COUNT; d++) {
    char big[4 * HS_UNITS_LIST_MAX];
    hs_dim_accepted_units((hs_dim)d, big, sizeof big);
    assert_true(strlen(big) + 1 < HS_UNITS_LIST_MAX);
    assert_string_equal(big, accepted((hs_dim)d));
  }
  /* a short buffer is cut, not overrun */
  char small[8];
  memset(small, 'x', sizeof small);
  assert_ptr_equal(hs_dim_accepted_units(HS_DIM_RESISTANCE, small, sizeof small), small);
  assert_string_equal(small, "mmHg*s/");
}

/* ---------------------------------------------------------------- rejections */

static void expect_invalid(hs_dim dim, const char *text, const char *must1, const char *must2) {
  hs_err err = {0};
  double v = 42.0;
  hs_status st = hs_quantity_parse(dim, text, &v, &err);
  if (st != HS_ERR_INVALID || (must1 && !strstr(err.msg, must1)) ||
      (must2 && !strstr(err.msg, must2)))
    print_error("\"%s\" as %s: status %d, message \"%s\"; wanted \"%s\" and \"%s\"\n",
                text ? text : "(null)", hs_dim_name(dim), st, err.msg, must1 ? must1 : "",
                must2 ? must2 : "");
  assert_int_equal(st, HS_ERR_INVALID);
  assert_int_equal(err.code, HS_ERR_INVALID);
  if (must1) assert_non_null(strstr(err.msg, must1));
  if (must2) assert_non_null(strstr(err.msg, must2));
}

static void test_wrong_dimension(void **state) {
  (void)state;
  expect_invalid(HS_DIM_VOLUME, "5 mmHg", "'mmHg'", "(accepted: mL, ml, L)");
  expect_invalid(HS_DIM_VOLUME, "5 mmHg", "pressure", "volume");
  expect_invalid(HS_DIM_ELASTANCE, "2 mmHg", "'mmHg'", "accepted: mmHg/mL");
  expect_invalid(HS_DIM_RATE, "1 min", "'min'", "/min, bpm");
  expect_invalid(HS_DIM_TIME, "70 /min", "'/min'", "s, ms, min, h");
  expect_invalid(HS_DIM_LENGTH, "2 mL", "'mL'", "cm, mm, m, Fr");
  expect_invalid(HS_DIM_RESISTANCE, "4 L/min", "'L/min'", "mmHg*s/mL, WU");
  expect_invalid(HS_DIM_PRESSURE, "50 %", "'%'", "mmHg, kPa, cmH2O");
  expect_invalid(HS_DIM_NONE, "5 mmHg", "'mmHg'", "none or %");
}

/* The whole message of a rejection, exactly. */
static void expect_message(hs_dim dim, const char *text, const char *want) {
  hs_err err = {0};
  double v = 42.0;
  hs_status st = hs_quantity_parse(dim, text, &v, &err);
  if (st != HS_ERR_INVALID || strcmp(err.msg, want) != 0)
    print_error("\"%s\" as %s: status %d\n  got:    %s\n  wanted: %s\n", text, hs_dim_name(dim), st,
                err.msg, want);
  assert_int_equal(st, HS_ERR_INVALID);
  assert_string_equal(err.msg, want);
  assert_near(v, 42.0, 0);
}

/* A rejected value is quoted whole, and the dimensions read as English. */
static void test_messages_quote_the_value(void **state) {
  (void)state;
  expect_message(HS_DIM_ELASTANCE, "2 mmHg",
                 "\"2 mmHg\": unit 'mmHg' is a pressure unit, but an elastance is expected "
                 "(accepted: mmHg/mL)");
  expect_message(HS_DIM_INERTANCE, "0.01 mmHg*s/mL",
                 "\"0.01 mmHg*s/mL\": unit 'mmHg*s/mL' is a resistance unit, but an inertance is "
                 "expected (accepted: mmHg*s^2/mL)");
  expect_message(HS_DIM_INV_VOLUME, "0.02 mL",
                 "\"0.02 mL\": unit 'mL' is a volume unit, but an inverse volume is expected "
                 "(accepted: 1/mL, /mL)");
  expect_message(HS_DIM_MASS, "2 mm^2",
                 "\"2 mm^2\": unit 'mm^2' is an area unit, but a mass is expected "
                 "(accepted: kg, g, lb)");
  expect_message(HS_DIM_VOLUME, "5 %",
                 "\"5 %\": unit '%' is a dimensionless unit, but a volume is expected "
                 "(accepted: mL, ml, L)");
  expect_message(HS_DIM_NONE, "5 mL",
                 "\"5 mL\": unit 'mL' is a volume unit, but a dimensionless number is expected "
                 "(accepted: none or %)");
  expect_message(HS_DIM_LENGTH, "5 furlongs",
                 "\"5 furlongs\": unknown unit 'furlongs' for a length "
                 "(accepted: cm, mm, m, Fr, um, \xc2\xb5m)");
  expect_message(HS_DIM_AREA, "1 acre",
                 "\"1 acre\": unknown unit 'acre' for an area (accepted: cm^2, cm2, mm^2, mm2)");
  expect_message(HS_DIM_O2RATE, "250 mL/s",
                 "\"250 mL/s\": unit 'mL/s' is a flow unit, but an O2 consumption is expected "
                 "(accepted: mL/min, L/min (of O2))");
  /* a spelling of several dimensions is described by the first (flow, not O2) */
  expect_message(HS_DIM_RESISTANCE, "4 L/min",
                 "\"4 L/min\": unit 'L/min' is a flow unit, but a resistance is expected "
                 "(accepted: mmHg*s/mL, WU, mmHg*min/L, dyn*s/cm^5, dyn*s*cm^-5)");
  /* blanks around the unit are not part of it */
  expect_message(HS_DIM_MASS, "  70 st  ",
                 "\"  70 st  \": unknown unit 'st' for a mass (accepted: kg, g, lb)");
  /* malformed numbers, whatever follows the part strtod reads */
  expect_message(HS_DIM_VOLUME, "1.2.3", "\"1.2.3\" is not a number");
  expect_message(HS_DIM_VOLUME, "1.2.3 mL", "\"1.2.3 mL\" is not a number");
  expect_message(HS_DIM_VOLUME, "1,5", "\"1,5\" is not a number");
  expect_message(HS_DIM_VOLUME, "5..", "\"5..\" is not a number");
  expect_message(HS_DIM_VOLUME, "1 2", "\"1 2\" is not a number");
  expect_message(HS_DIM_VOLUME, "1e", "\"1e\" is not a number");
  expect_message(HS_DIM_VOLUME, "1e+", "\"1e+\" is not a number");
  expect_message(HS_DIM_VOLUME, "2.5e-", "\"2.5e-\" is not a number");
  expect_message(HS_DIM_VOLUME, "1-2", "\"1-2\" is not a number");
  expect_message(HS_DIM_VOLUME, "12 3 mL", "\"12 3 mL\" is not a number");
  expect_message(HS_DIM_VOLUME, "abc", "\"abc\" is not a number");
  expect_message(HS_DIM_VOLUME, "", "\"\" is not a number");
  expect_message(HS_DIM_VOLUME, "1e999", "\"1e999\" is not a finite number");
  /* a unit that starts with a digit is still a unit */
  assert_near(parse_ok(HS_DIM_RATE, "72 1/min"), 72.0, 0);
  assert_near(parse_ok(HS_DIM_INV_VOLUME, "0.02 1 / mL"), 0.02, 0);
  expect_message(HS_DIM_RATE, "72 1/s", "\"72 1/s\" is not a number");
  /* "e" after a blank is a (wrong) unit, not an exponent */
  expect_message(HS_DIM_MASS, "5 e",
                 "\"5 e\": unknown unit 'e' for a mass (accepted: kg, g, lb)");
  /* quotes and control characters are escaped, long values cut */
  expect_message(HS_DIM_MASS, "5 \"kg\"",
                 "\"5 \\\"kg\\\"\": unknown unit '\\\"kg\\\"' for a mass (accepted: kg, g, lb)");
  expect_message(HS_DIM_MASS, "x\ty", "\"x\\x09y\" is not a number");
  char longtext[200];
  memset(longtext, 'z', sizeof longtext - 1);
  longtext[sizeof longtext - 1] = '\0';
  hs_err err = {0};
  double v;
  assert_int_equal(hs_quantity_parse(HS_DIM_MASS, longtext, &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "zzz...\" is not a number"));
  assert_true(strlen(err.msg) < 100);
}

/* Each case's unit is rejected for every other dimension this file knows
   (dimensions added later may share spellings, e.g. a catheter size in mm). */
static void test_every_unit_rejected_for_other_dimensions(void **state) {
  (void)state;
  for (size_t i = 0; i < NCASES; i++) {
    for (int d = 0; d < NKNOWN; d++) {
      if (d == (int)CASES[i].dim) continue;
      expect_invalid((hs_dim)d, CASES[i].text, accepted((hs_dim)d), "accepted");
    }
  }
}

static void test_unknown_unit(void **state) {
  (void)state;
  expect_invalid(HS_DIM_LENGTH, "5 furlongs", "unknown unit 'furlongs'", "cm, mm, m, Fr");
  expect_invalid(HS_DIM_PRESSURE, "1 KPA", "'KPA'", "mmHg, kPa, cmH2O"); /* case-sensitive */
  expect_invalid(HS_DIM_PRESSURE, "1 mmhg", "'mmhg'", "mmHg, kPa, cmH2O");
  expect_invalid(HS_DIM_PRESSURE, "1 Pa", "'Pa'", "accepted");
  expect_invalid(HS_DIM_FLOW, "5 l/min", "'l/min'", "mL/s, L/min, mL/min, mL/h");
  expect_invalid(HS_DIM_RATE, "70 Hz", "'Hz'", "/min, bpm");
  double v;
  hs_err err = {0};
  /* issue 12: "--weight 180 lb" is a weight (1 lb = 0.45359237 kg exactly) */
  assert_int_equal(hs_unit_to_internal(HS_DIM_MASS, 180, "lb", &v, &err), HS_OK);
  assert_near(v, 81.6466266, 1e-7);
  assert_int_equal(hs_unit_to_internal(HS_DIM_MASS, 1, "stone", &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "kg, g, lb"));
}

static void test_malformed_numbers(void **state) {
  (void)state;
  static const char *const bad[] = {
      "abc", "1.2.3", "0x10", "0X1F", "-0x10", "nan", "NaN", "-nan", "inf", "-inf", "+inf",
      "infinity", "INF", "", " ", "\t", "+", "-", ".", "-.", ".e3", "e3", "1e", "1e+",
      "1e999", "-1e999", "--1", "+-1", "- 5", "1,5", "5..", "mmHg", "kg 5", "1 2", "0x1p3",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    for (int d = 0; d < HS_DIM_COUNT; d++) {
      double v = 42.0;
      hs_err err = {0};
      hs_status st = hs_quantity_parse((hs_dim)d, bad[i], &v, &err);
      if (st != HS_ERR_INVALID)
        print_error("\"%s\" as %s accepted (status %d, value %g)\n", bad[i], hs_dim_name(d), st, v);
      assert_int_equal(st, HS_ERR_INVALID);
      assert_true(strlen(err.msg) > 0);
    }
  }
  /* the message quotes the offending text */
  expect_invalid(HS_DIM_VOLUME, "abc", "\"abc\" is not a number", NULL);
  expect_invalid(HS_DIM_VOLUME, "0x10", "\"0x10\" is not a number", NULL);
  expect_invalid(HS_DIM_VOLUME, "nan", "\"nan\"", NULL);
  expect_invalid(HS_DIM_VOLUME, "inf", "\"inf\"", NULL);
  expect_invalid(HS_DIM_VOLUME, "1e999", "finite", "\"1e999\"");
  expect_invalid(HS_DIM_VOLUME, "", "\"\" is not a number", NULL);
  /* "1.2.3" is a malformed number, not 1.2 with an unknown unit ".3" */
  expect_invalid(HS_DIM_VOLUME, "1.2.3", "\"1.2.3\" is not a number", NULL);
  /* NULL text and NULL err are tolerated */
  double v;
  assert_int_equal(hs_quantity_parse(HS_DIM_VOLUME, NULL, &v, NULL), HS_ERR_INVALID);
  assert_int_equal(hs_quantity_parse(HS_DIM_VOLUME, "abc", &v, NULL), HS_ERR_INVALID);
  assert_int_equal(hs_quantity_parse(HS_DIM_VOLUME, "5 mmHg", &v, NULL), HS_ERR_INVALID);
}

/* A failed parse does not write the output. */
static void test_failure_leaves_output(void **state) {
  (void)state;
  double v = 42.0;
  assert_int_equal(hs_quantity_parse(HS_DIM_VOLUME, "5 mmHg", &v, NULL), HS_ERR_INVALID);
  assert_near(v, 42.0, 0);
  assert_int_equal(hs_quantity_parse(HS_DIM_VOLUME, "abc", &v, NULL), HS_ERR_INVALID);
  assert_near(v, 42.0, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_unit_converts),
      cmocka_unit_test(test_constants_share_one_mmhg),
      cmocka_unit_test(test_named_examples),
      cmocka_unit_test(test_unit_to_internal_direct),
      cmocka_unit_test(test_bare_number_is_internal),
      cmocka_unit_test(test_missing_unit_hint),
      cmocka_unit_test(test_spacing_around_unit),
      cmocka_unit_test(test_conversion_overflow),
      cmocka_unit_test(test_internal_unit_names),
      cmocka_unit_test(test_advertised_units_are_accepted),
      cmocka_unit_test(test_accepted_lists_name_every_spelling),
      cmocka_unit_test(test_wrong_dimension),
      cmocka_unit_test(test_messages_quote_the_value),
      cmocka_unit_test(test_every_unit_rejected_for_other_dimensions),
      cmocka_unit_test(test_unknown_unit),
      cmocka_unit_test(test_malformed_numbers),
      cmocka_unit_test(test_failure_leaves_output),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
