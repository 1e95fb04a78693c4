/* test_registry.c - the block-type registry and its parameter tables
 * (src/model/registry.c, the element files in src/elements/, src/model/globals.c), and the
 * parameter enums of src/elements/elements.h that index those tables. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elements/elements.h"
#include "hemosim/model.h"

static int valid_ident(const char *s) {
  if (!s || !*s) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

/* Choice names may also carry '.' and ':' (device model names "2.5", ratios "1:2"). */
static int valid_choice(const char *s) {
  if (!s || !*s) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
          *s == ':'))
      return 0;
  return 1;
}

static int nchoices(const hs_param_spec *p) {
  int n = 0;
  while (p->choices && p->choices[n]) n++;
  return n;
}

/* ---------------------------------------------------------------- registry */

static void test_registry_lists_the_known_types(void **state) {
  (void)state;
  static const struct {
    const char *name;
    hs_block_class cls;
    const hs_block_type *type;
  } want[] = {
      {"vessel", HS_BLOCK_NODE, &hs_type_vessel},
      {"ventricle", HS_BLOCK_NODE, &hs_type_ventricle},
      {"atrium", HS_BLOCK_NODE, &hs_type_atrium},
      {"resistor", HS_BLOCK_EDGE, &hs_type_resistor},
      {"inertance", HS_BLOCK_EDGE, &hs_type_inertance},
      {"valve", HS_BLOCK_EDGE, &hs_type_valve},
      {"heart", HS_BLOCK_GLOBAL, &hs_type_heart},
      {"circulation", HS_BLOCK_GLOBAL, &hs_type_circulation},
      {"body", HS_BLOCK_GLOBAL, &hs_type_body},
      {"solver", HS_BLOCK_GLOBAL, &hs_type_solver},
  };
  size_t n = sizeof want / sizeof want[0];
  assert_true(hs_block_type_count() >= n);
  for (size_t i = 0; i < n; i++) {
    const hs_block_type *t = hs_block_type_find(want[i].name);
    if (!t) print_error("type '%s' is not registered\n", want[i].name);
    assert_non_null(t);
    assert_ptr_equal(t, want[i].type);
    assert_string_equal(t->name, want[i].name);
    assert_int_equal(t->cls, want[i].cls);
  }
}

static void test_find_round_trips(void **state) {
  (void)state;
  size_t n = hs_block_type_count();
  assert_true(n > 0);
  for (size_t i = 0; i < n; i++) {
    const hs_block_type *t = hs_block_type_at(i);
    assert_non_null(t);
    assert_non_null(t->name);
    assert_true(valid_ident(t->name));
    assert_ptr_equal(hs_block_type_find(t->name), t);
    /* type names are unique */
    for (size_t k = 0; k < i; k++) assert_string_not_equal(hs_block_type_at(k)->name, t->name);
    assert_non_null(t->doc);
    assert_true(strlen(t->doc) > 0);
  }
  assert_null(hs_block_type_at(n));
  assert_null(hs_block_type_at((size_t)-1));
  assert_null(hs_block_type_find("no_such_type"));
  assert_null(hs_block_type_find("Vessel")); /* case-sensitive */
  assert_null(hs_block_type_find(""));
  assert_null(hs_block_type_find(NULL));
}

static void test_param_index(void **state) {
  (void)state;
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *t = hs_block_type_at(i);
    for (int k = 0; k < t->nparams; k++)
      assert_int_equal(hs_param_index(t, t->params[k].name), k);
    assert_int_equal(hs_param_index(t, "no_such_param"), -1);
    assert_int_equal(hs_param_index(t, ""), -1);
    assert_int_equal(hs_param_index(t, NULL), -1);
    if (t->nparams > 0) {
      /* a prefix of a name is not the name */
      char prefix[64];
      snprintf(prefix, sizeof prefix, "%s", t->params[0].name);
      prefix[strlen(prefix) - 1] = '\0';
      assert_int_equal(hs_param_index(t, prefix), -1);
    }
  }
  assert_int_equal(hs_param_index(NULL, "compliance"), -1);
  assert_int_equal(hs_param_index(hs_block_type_find("vessel"), "ees"), -1);
}

/* ---------------------------------------------------------------- parameter tables */

static void test_param_tables_are_consistent(void **state) {
  (void)state;
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *t = hs_block_type_at(i);
    if (t->nparams <= 0) print_error("type '%s' has no parameters\n", t->name);
    assert_true(t->nparams > 0);
    assert_non_null(t->params);
    for (int k = 0; k < t->nparams; k++) {
      const hs_param_spec *p = &t->params[k];
      const char *nm = p->name ? p->name : "(null)";
      if (!p->name || !valid_ident(p->name))
        print_error("%s: parameter %d has a bad name '%s'\n", t->name, k, nm);
      assert_non_null(p->name);
      assert_true(valid_ident(p->name));
      for (int j = 0; j < k; j++)
        if (strcmp(t->params[j].name, p->name) == 0) {
          print_error("%s: parameter name '%s' appears twice\n", t->name, p->name);
          fail();
        }
      if (!(p->min < p->max)) print_error("%s.%s: min %g !< max %g\n", t->name, nm, p->min, p->max);
      assert_true(isfinite(p->min) && isfinite(p->max));
      assert_true(p->min < p->max);
      assert_true((int)p->dim >= 0 && p->dim < HS_DIM_COUNT);
      if (!p->doc || strlen(p->doc) < 5) print_error("%s.%s: no doc string\n", t->name, nm);
      assert_non_null(p->doc);
      assert_true(strlen(p->doc) >= 5);
      assert_non_null(p->source); /* "" when a design choice, never NULL */
      if (!(p->flags & HS_PARAM_REQUIRED)) {
        if (!(p->def >= p->min && p->def <= p->max))
          print_error("%s.%s: default %g outside [%g, %g]\n", t->name, nm, p->def, p->min, p->max);
        assert_true(p->def >= p->min && p->def <= p->max);
        /* and the library's own check agrees */
        hs_err err = {0};
        if (hs_param_check(p, p->def, &err) != HS_OK)
          print_error("%s.%s: default rejected: %s\n", t->name, nm, err.msg);
        assert_int_equal(hs_param_check(p, p->def, &err), HS_OK);
      }
      if (p->flags & HS_PARAM_BOOL) {
        assert_true(p->min == 0.0 && p->max == 1.0);
        assert_int_equal(p->dim, HS_DIM_NONE);
        assert_true(p->def == 0.0 || p->def == 1.0);
        assert_null(p->choices);
      }
      if (p->flags & HS_PARAM_CHOICE) {
        if (!p->choices) print_error("%s.%s: choice without choices\n", t->name, nm);
        assert_non_null(p->choices);
        int n = nchoices(p);
        assert_true(n >= 2);
        /* range = the indices of the choices */
        assert_true(p->min == 0.0);
        assert_true(p->max == (double)(n - 1));
        assert_true(p->def == floor(p->def));
        assert_int_equal(p->dim, HS_DIM_NONE);
        for (int c = 0; c < n; c++) {
          assert_true(valid_choice(p->choices[c]));
          for (int c2 = 0; c2 < c; c2++) assert_string_not_equal(p->choices[c], p->choices[c2]);
        }
      } else {
        assert_null(p->choices);
      }
      if (p->flags & HS_PARAM_INTEGER) {
        assert_true(p->def == floor(p->def));
        assert_true(p->min == floor(p->min));
      }
    }
  }
}

/* Bounds are inclusive; one ulp outside is a range error naming the parameter. */
static void test_param_check_bounds(void **state) {
  (void)state;
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *t = hs_block_type_at(i);
    for (int k = 0; k < t->nparams; k++) {
      const hs_param_spec *p = &t->params[k];
      hs_err err = {0};
      assert_int_equal(hs_param_check(p, p->min, &err), HS_OK);
      assert_int_equal(hs_param_check(p, p->max, &err), HS_OK);
      int whole = (p->flags & (HS_PARAM_BOOL | HS_PARAM_INTEGER | HS_PARAM_CHOICE)) != 0;
      double below = whole ? p->min - 1 : nextafter(p->min, -INFINITY);
      double above = whole ? p->max + 1 : nextafter(p->max, INFINITY);
      assert_int_equal(hs_param_check(p, below, &err), HS_ERR_RANGE);
      assert_non_null(strstr(err.msg, p->name));
      assert_non_null(strstr(err.msg, "out of range"));
      assert_int_equal(hs_param_check(p, above, &err), HS_ERR_RANGE);
      assert_int_equal(hs_param_check(p, NAN, &err), HS_ERR_INVALID);
      assert_int_equal(hs_param_check(p, INFINITY, &err), HS_ERR_INVALID);
      if (whole) {
        assert_int_equal(hs_param_check(p, p->min + 0.5, &err), HS_ERR_INVALID);
        assert_non_null(strstr(err.msg, "whole number"));
      }
    }
  }
}

/* Every parameter of every registered type (devices, global and physiology blocks such as
   map_control and lactate included), through the text path that files, --set and
   scenarios use: a value past either bound written in the parameter's bedside unit, a
   NaN, an infinity and a value in a unit of another dimension are refused, each with a
   message naming the parameter (and for the range, the value and both bounds). */
static void test_param_parse_every_spec(void **state) {
  (void)state;
  int n = 0, have_effect = 0, have_snp = 0;
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *t = hs_block_type_at(i);
    for (int k = 0; k < t->nparams; k++) {
      const hs_param_spec *p = &t->params[k];
      hs_err err = {0};
      double v = 0, per = 1;
      char text[96], want[64];
      if (!strcmp(t->name, "map_control") && !strcmp(p->name, "effect")) have_effect = 1;
      if (!strcmp(t->name, "map_control") && !strcmp(p->name, "max_nitroprusside")) have_snp = 1;
      /* not a number, never a number */
      static const char *const junk[] = {"nan", "inf", "-inf", "1e999", "", "abc"};
      for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
        if (hs_param_parse(p, junk[j], &v, &err) == HS_OK)
          fail_msg("%s.%s: \"%s\" accepted as %g", t->name, p->name, junk[j], v);
        if (!strstr(err.msg, p->name))
          fail_msg("%s.%s: \"%s\": message names no parameter: %s", t->name, p->name, junk[j],
                   err.msg);
      }
      if (p->flags & (HS_PARAM_BOOL | HS_PARAM_CHOICE)) {
        assert_int_equal(hs_param_parse(p, "17", &v, &err), HS_ERR_INVALID);
        assert_non_null(strstr(err.msg, p->name));
        n++;
        continue;
      }
      const char *u = hs_param_display_unit(p, &per);
      /* past each bound, in the bedside unit: a range error with value and bounds */
      for (int side = 0; side < 2; side++) {
        double bound = side ? p->max : p->min;
        double x = (p->flags & HS_PARAM_INTEGER)
                       ? bound + (side ? 1 : -1)
                       : bound + (side ? 1 : -1) * (fabs(bound) * 0.01 + 0.01 * per);
        snprintf(text, sizeof text, "%.10g%s%s", x / per, *u ? " " : "", u);
        hs_status st = hs_param_parse(p, text, &v, &err);
        if (st != HS_ERR_RANGE)
          fail_msg("%s.%s: \"%s\" gave status %d (%s), expected a range error", t->name,
                   p->name, text, st, err.msg);
        snprintf(want, sizeof want, "'%s' = ", p->name);
        if (!strstr(err.msg, want) || !strstr(err.msg, "out of range ["))
          fail_msg("%s.%s: \"%s\": %s", t->name, p->name, text, err.msg);
        snprintf(want, sizeof want, "%.6g%s%s]", p->max / per, *u ? " " : "", u);
        if (!strstr(err.msg, want))
          fail_msg("%s.%s: \"%s\": upper bound '%s' not in: %s", t->name, p->name, text, want,
                   err.msg);
      }
      /* a unit of another dimension */
      const char *other = p->dim == HS_DIM_MASS ? "3 mmHg" : "3 kg";
      hs_status st = hs_param_parse(p, other, &v, &err);
      if (st != HS_ERR_INVALID || !strstr(err.msg, p->name))
        fail_msg("%s.%s: \"%s\" gave status %d: %s", t->name, p->name, other, st, err.msg);
      n++;
    }
  }
  assert_true(have_effect && have_snp);
  if (n < 250) fail_msg("only %d parameters walked", n);
}

static void test_param_check_message(void **state) {
  (void)state;
  const hs_param_spec *ees = &hs_type_ventricle.params[CHAMBER_EES];
  hs_err err = {0};
  assert_int_equal(hs_param_check(ees, 50, &err), HS_ERR_RANGE);
  assert_string_equal(err.msg, "'ees' = 50 mmHg/mL is out of range [0.005 mmHg/mL, 20 mmHg/mL]");
  const hs_param_spec *c = &hs_type_vessel.params[VESSEL_C];
  assert_int_equal(hs_param_check(c, -3, &err), HS_ERR_RANGE);
  assert_string_equal(err.msg,
                      "'compliance' = -3 mL/mmHg is out of range [0.0001 mL/mmHg, 10000 mL/mmHg]");
  /* dimensionless: no unit after the numbers */
  const hs_param_spec *myo = &hs_type_vessel.params[VESSEL_MYO];
  assert_int_equal(hs_param_check(myo, 200, &err), HS_ERR_RANGE);
  assert_string_equal(err.msg, "'myocardial_coupling' = 200 is out of range [0, 1]");
  /* a fraction given as a percentage: how to write one */
  assert_int_equal(hs_param_check(myo, 2, &err), HS_ERR_RANGE);
  assert_string_equal(err.msg, "'myocardial_coupling' = 2 is out of range [0, 1]: a fraction "
                               "(a percentage is written with its unit, \"2 %\")");
}

static void test_param_parse_kinds(void **state) {
  (void)state;
  double v = -1;
  hs_err err = {0};
  /* booleans */
  const hs_param_spec *th = &hs_type_vessel.params[VESSEL_THORACIC];
  static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(hs_param_parse(th, yes[i], &v, &err), HS_OK);
    assert_near(v, 1.0, 0);
    assert_int_equal(hs_param_parse(th, no[i], &v, &err), HS_OK);
    assert_near(v, 0.0, 0);
  }
  assert_int_equal(hs_param_parse(th, "maybe", &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "'thoracic'"));
  assert_non_null(strstr(err.msg, "\"maybe\""));
  assert_int_equal(hs_param_parse(th, "2", &v, &err), HS_ERR_INVALID);
  /* choices: the index of the name */
  const hs_param_spec *m = &hs_type_solver.params[SOLVER_METHOD];
  assert_int_equal(hs_param_parse(m, "dopri5", &v, &err), HS_OK);
  assert_near(v, 0, 0);
  assert_int_equal(hs_param_parse(m, "bdf", &v, &err), HS_OK);
  assert_near(v, 1, 0);
  assert_int_equal(hs_param_parse(m, "adams", &v, &err), HS_OK);
  assert_near(v, 2, 0);
  assert_int_equal(hs_param_parse(m, "rk4", &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "dopri5, bdf, adams"));
  assert_non_null(strstr(err.msg, "\"rk4\""));
  /* quantities: units converted, then range-checked */
  const hs_param_spec *hr = &hs_type_heart.params[HEART_HR];
  assert_int_equal(hs_param_parse(hr, "90 bpm", &v, &err), HS_OK);
  assert_near(v, 90, 0);
  assert_int_equal(hs_param_parse(hr, "300 bpm", &v, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "out of range"));
  assert_int_equal(hs_param_parse(hr, "90 s", &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "'heart_rate'"));
  assert_non_null(strstr(err.msg, "'s'"));
  const hs_param_spec *r = &hs_type_resistor.params[RESISTOR_R];
  assert_int_equal(hs_param_parse(r, "1000 dyn*s/cm^5", &v, &err), HS_OK);
  assert_near(v, 0.7500617, 1e-6);
  /* integers */
  const hs_param_spec *mb = &hs_type_solver.params[SOLVER_MAX_BEATS];
  assert_int_equal(hs_param_parse(mb, "10.5", &v, &err), HS_ERR_INVALID);
  assert_non_null(strstr(err.msg, "whole number"));
}

/* ---------------------------------------------------------------- enums vs tables */

static void expect_param(const hs_block_type *t, int idx, const char *name) {
  assert_true(idx >= 0 && idx < t->nparams);
  if (strcmp(t->params[idx].name, name) != 0)
    print_error("%s: enum index %d names '%s', expected '%s'\n", t->name, idx,
                t->params[idx].name, name);
  assert_string_equal(t->params[idx].name, name);
  assert_int_equal(hs_param_index(t, name), idx);
}

static void test_element_enums_match_tables(void **state) {
  (void)state;
  const hs_block_type *t = &hs_type_vessel;
  assert_int_equal(t->nparams, VESSEL_NPARAM);
  expect_param(t, VESSEL_C, "compliance");
  expect_param(t, VESSEL_V0, "unstressed_volume");
  expect_param(t, VESSEL_PEXT, "external_pressure");
  expect_param(t, VESSEL_THORACIC, "thoracic");
  expect_param(t, VESSEL_MYO, "myocardial_coupling");

  const hs_block_type *chambers[] = {&hs_type_ventricle, &hs_type_atrium};
  for (int i = 0; i < 2; i++) {
    t = chambers[i];
    assert_int_equal(t->nparams, CHAMBER_NPARAM);
    expect_param(t, CHAMBER_EES, "ees");
    expect_param(t, CHAMBER_V0, "v0");
    expect_param(t, CHAMBER_EDA, "ed_a");
    expect_param(t, CHAMBER_EDB, "ed_b");
  }

  t = &hs_type_resistor;
  assert_int_equal(t->nparams, RESISTOR_NPARAM);
  expect_param(t, RESISTOR_R, "resistance");
  expect_param(t, RESISTOR_BED, "systemic_bed");

  t = &hs_type_inertance;
  assert_int_equal(t->nparams, INERTANCE_NPARAM);
  expect_param(t, INERTANCE_R, "resistance");
  expect_param(t, INERTANCE_L, "inertance");
  expect_param(t, INERTANCE_BED, "systemic_bed");

  t = &hs_type_valve;
  assert_int_equal(t->nparams, VALVE_NPARAM);
  expect_param(t, VALVE_R, "resistance");
  expect_param(t, VALVE_L, "inertance");
  expect_param(t, VALVE_AREG, "regurgitant_area");

  t = &hs_type_heart;
  assert_int_equal(t->nparams, HEART_NPARAM);
  expect_param(t, HEART_HR, "heart_rate");
  expect_param(t, HEART_PR, "pr_interval");
  expect_param(t, HEART_VTP, "ventricular_time_to_peak");
  expect_param(t, HEART_VTR, "ventricular_relaxation_time");
  expect_param(t, HEART_ATP, "atrial_time_to_peak");
  expect_param(t, HEART_ATR, "atrial_relaxation_time");
  expect_param(t, HEART_PERI, "pericardium");
  expect_param(t, HEART_PERI_P0, "pericardium_p0");
  expect_param(t, HEART_PERI_LAMBDA, "pericardium_lambda");
  expect_param(t, HEART_PERI_V0, "pericardium_v0");
  expect_param(t, HEART_INT_LR, "interaction_lv_to_rv");
  expect_param(t, HEART_INT_RL, "interaction_rv_to_lv");

  t = &hs_type_circulation;
  assert_int_equal(t->nparams, CIRC_NPARAM);
  expect_param(t, CIRC_BLOOD_VOLUME, "blood_volume");
  expect_param(t, CIRC_THORACIC_P, "thoracic_pressure");

  t = &hs_type_body;
  assert_int_equal(t->nparams, BODY_NPARAM);
  expect_param(t, BODY_HEIGHT, "height");
  expect_param(t, BODY_WEIGHT, "weight");
  expect_param(t, BODY_BV_PER_KG, "blood_volume_per_kg");

  t = &hs_type_solver;
  assert_int_equal(t->nparams, SOLVER_NPARAM);
  expect_param(t, SOLVER_RTOL, "rtol");
  expect_param(t, SOLVER_ATOL, "atol");
  expect_param(t, SOLVER_METHOD, "method");
  expect_param(t, SOLVER_STEADY_TOL, "steady_tol");
  expect_param(t, SOLVER_MAX_BEATS, "max_beats");
  expect_param(t, SOLVER_WINDOW, "window_beats");
}

/* The units of the parameters the laws in elements.h assume. */
static void test_param_dimensions(void **state) {
  (void)state;
  assert_int_equal(hs_type_vessel.params[VESSEL_C].dim, HS_DIM_COMPLIANCE);
  assert_int_equal(hs_type_vessel.params[VESSEL_V0].dim, HS_DIM_VOLUME);
  assert_int_equal(hs_type_vessel.params[VESSEL_PEXT].dim, HS_DIM_PRESSURE);
  assert_int_equal(hs_type_ventricle.params[CHAMBER_EES].dim, HS_DIM_ELASTANCE);
  assert_int_equal(hs_type_ventricle.params[CHAMBER_V0].dim, HS_DIM_VOLUME);
  assert_int_equal(hs_type_ventricle.params[CHAMBER_EDA].dim, HS_DIM_PRESSURE);
  assert_int_equal(hs_type_ventricle.params[CHAMBER_EDB].dim, HS_DIM_INV_VOLUME);
  assert_int_equal(hs_type_resistor.params[RESISTOR_R].dim, HS_DIM_RESISTANCE);
  assert_int_equal(hs_type_inertance.params[INERTANCE_R].dim, HS_DIM_RESISTANCE);
  assert_int_equal(hs_type_inertance.params[INERTANCE_L].dim, HS_DIM_INERTANCE);
  assert_int_equal(hs_type_valve.params[VALVE_R].dim, HS_DIM_RESISTANCE);
  assert_int_equal(hs_type_valve.params[VALVE_L].dim, HS_DIM_INERTANCE);
  assert_int_equal(hs_type_valve.params[VALVE_AREG].dim, HS_DIM_AREA);
  assert_int_equal(hs_type_heart.params[HEART_HR].dim, HS_DIM_RATE);
  assert_int_equal(hs_type_heart.params[HEART_PR].dim, HS_DIM_TIME);
  assert_int_equal(hs_type_heart.params[HEART_PERI_LAMBDA].dim, HS_DIM_INV_VOLUME);
  assert_int_equal(hs_type_circulation.params[CIRC_BLOOD_VOLUME].dim, HS_DIM_VOLUME);
  assert_int_equal(hs_type_circulation.params[CIRC_THORACIC_P].dim, HS_DIM_PRESSURE);
  assert_int_equal(hs_type_body.params[BODY_HEIGHT].dim, HS_DIM_LENGTH);
  assert_int_equal(hs_type_body.params[BODY_WEIGHT].dim, HS_DIM_MASS);
  assert_int_equal(hs_type_solver.params[SOLVER_STEADY_TOL].dim, HS_DIM_VOLUME);
  /* the parameters every file must give */
  assert_true(hs_type_vessel.params[VESSEL_C].flags & HS_PARAM_REQUIRED);
  assert_true(hs_type_ventricle.params[CHAMBER_EES].flags & HS_PARAM_REQUIRED);
  assert_true(hs_type_valve.params[VALVE_R].flags & HS_PARAM_REQUIRED);
  assert_false(hs_type_valve.params[VALVE_AREG].flags & HS_PARAM_REQUIRED);
  assert_false(hs_type_heart.params[HEART_HR].flags & HS_PARAM_REQUIRED);
}

/* A model built from the registry starts with the global blocks at their defaults. */
static void test_new_model_has_global_defaults(void **state) {
  (void)state;
  hs_err err = {0};
  hs_model *m = hs_model_new(&err);
  assert_non_null(m);
  /* heart, circulation, body, solver first; then any later global blocks */
  static const char *const g[] = {"heart", "circulation", "body", "solver"};
  size_t n = hs_model_block_count(m), nglobal = 0;
  assert_true(n >= 4);
  for (size_t i = 0; i < hs_block_type_count(); i++)
    nglobal += hs_block_type_at(i)->cls == HS_BLOCK_GLOBAL;
  assert_int_equal(n, nglobal); /* one block of every global type, nothing else */
  for (size_t i = 0; i < n; i++) {
    const char *name = hs_model_block_name(m, i);
    if (i < 4) assert_string_equal(name, g[i]);
    const hs_block_type *t = hs_model_block_type(m, i);
    assert_int_equal(t->cls, HS_BLOCK_GLOBAL);
    assert_ptr_equal(t, hs_block_type_find(name));
    for (size_t k = 0; k < i; k++) assert_ptr_not_equal(hs_model_block_type(m, k), t);
    for (int k = 0; k < t->nparams; k++) {
      char path[128];
      double v = NAN;
      snprintf(path, sizeof path, "%s.%s", name, t->params[k].name);
      assert_int_equal(hs_model_get(m, path, &v, &err), HS_OK);
      assert_true(v == t->params[k].def);
    }
  }
  double v;
  assert_int_equal(hs_model_get(m, "heart.no_such", &v, &err), HS_ERR_UNKNOWN);
  assert_non_null(strstr(err.msg, "no_such"));
  assert_non_null(strstr(err.msg, "heart_rate")); /* lists the known names */
  assert_int_equal(hs_model_get(m, "nobody.x", &v, &err), HS_ERR_UNKNOWN);
  assert_int_equal(hs_model_get(m, "heart", &v, &err), HS_ERR_INVALID);
  hs_model_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry_lists_the_known_types),
      cmocka_unit_test(test_find_round_trips),
      cmocka_unit_test(test_param_index),
      cmocka_unit_test(test_param_tables_are_consistent),
      cmocka_unit_test(test_param_check_bounds),
      cmocka_unit_test(test_param_check_message),
      cmocka_unit_test(test_param_parse_every_spec),
      cmocka_unit_test(test_param_parse_kinds),
      cmocka_unit_test(test_element_enums_match_tables),
      cmocka_unit_test(test_param_dimensions),
      cmocka_unit_test(test_new_model_has_global_defaults),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
