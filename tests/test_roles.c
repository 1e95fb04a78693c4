/* test_roles.c - the sites the engine finds by name are roles (hemosim/roles.h): a
 * patient file rebinds them under `roles:`, every use follows, and bad bindings are
 * errors that list the valid names; `describe` lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"
#include "support.h"

static hs_status load(const char *body, hs_model **m, hs_err *err) {
  char text[2048];
  snprintf(text, sizeof text, "hemosim_patient: 1\nbase: healthy_adult.yaml\n%s", body);
  return hs_patient_load_string(HS_SOURCE_DIR "/examples/patients/roles.yaml", text,
                                strlen(text), m, err);
}

/* Every role has a unique name, a default and a use; required ones exist in the
   default patient. */
static void test_role_table(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  assert_int_equal(hs_patient_load_default(&m, &err), HS_OK);
  assert_true(hs_role_count() >= 20);
  for (size_t i = 0; i < hs_role_count(); i++) {
    const hs_role *r = hs_role_at(i);
    assert_ptr_equal(hs_role_find(r->name), r);
    assert_non_null(r->default_name);
    assert_true(strlen(r->use) > 5);
    assert_string_equal(hs_model_role(m, r->name), r->default_name);
    if (r->flags & HS_ROLE_REQUIRED) assert_true(hs_model_block_index(m, r->default_name) >= 0);
  }
  assert_null(hs_role_at(hs_role_count()));
  assert_null(hs_model_role(m, "no_such_role"));
  hs_model_free(m);
}

/* Rebinding the MAP site reaches the engine: MAP is then the mean pressure of the
   new site (0.01 mmHg; both are the same beat integral). */
static void test_rebind_reaches_engine(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  if (load("roles: {arm_artery: arch}\n", &m, &err)) fail_msg("%s", err.msg);
  assert_string_equal(hs_model_role(m, "arm_artery"), "arch");
  hs_model *c = hs_model_clone(m, &err); /* a clone keeps the binding */
  assert_string_equal(hs_model_role(c, "arm_artery"), "arch");
  hs_model_free(c);
  hs_plan *pl = hs_plan_compile(m, &err);
  hs_sim *sim = hs_sim_new(pl, &err);
  assert_int_equal(hs_sim_run_beats(sim, 3, &err), HS_OK);
  double met[HS_METRIC_COUNT];
  size_t nn = hs_plan_node_count(pl);
  double *p = malloc(3 * nn * sizeof *p);
  assert_int_equal(hs_sim_summary(sim, 1, met, &err), HS_OK);
  assert_int_equal(hs_sim_site_summary(sim, 1, p, p + nn, p + 2 * nn, &err), HS_OK);
  assert_near(met[HS_M_MAP], p[hs_plan_node_find(pl, "arch")], 0.01);
  assert_true(met[HS_M_MAP] - p[hs_plan_node_find(pl, "upper_arteries")] > 0.05 ||
              p[hs_plan_node_find(pl, "upper_arteries")] - met[HS_M_MAP] > 0.05);
  free(p);
  hs_sim_free(sim);
  hs_plan_free(pl);
  hs_model_free(m);
}

static void expect_error(const char *body, const char *want1, const char *want2) {
  hs_err err;
  hs_model *m = NULL;
  assert_int_not_equal(load(body, &m, &err), HS_OK);
  assert_null(m);
  if (!strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
    fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.msg, want1, want2 ? want2 : "");
  assert_non_null(strstr(err.msg, "roles.yaml:")); /* located in the file */
}

static void test_bad_bindings(void **state) {
  (void)state;
  /* unknown role: the valid roles are listed */
  expect_error("roles: {brain_drain: svc}\n", "unknown role 'brain_drain'", "brain_venous_outflow");
  /* no such block: the blocks that fit are listed */
  expect_error("roles: {brain_venous_outflow: jugular}\n", "no node named 'jugular' (nodes: lv, rv", "more)");
  /* wrong kind of block */
  expect_error("roles: {right_ventricle: la}\n", "'la' is a atrium, not a ventricle", "rv");
  /* not a map */
  expect_error("roles: [svc]\n", "roles", NULL);
}

/* text with every whole-word token `from` replaced by `to` (caller frees) */
static char *rename_word(const char *text, const char *from, const char *to) {
  size_t n = strlen(text), lf = strlen(from), lt = strlen(to);
  char *t = malloc(n * (lt > lf ? lt : lf) + 64), *o = t;
  for (const char *s = text; *s;) {
    int word = (s == text || !((s[-1] >= 'a' && s[-1] <= 'z') || s[-1] == '_')) &&
               strncmp(s, from, lf) == 0 && !((s[lf] >= 'a' && s[lf] <= 'z') || s[lf] == '_');
    if (word) {
      memcpy(o, to, lt), o += lt, s += lf;
    } else {
      *o++ = *s++;
    }
  }
  *o = '\0';
  return t;
}

/* The ECMO circuit and the LV renamed and bound under roles: the analyses' default names
   (\"ecmo.target_flow\", \"lv\") reach the bound blocks in the model, the plan and the
   simulation, and the patient simulates exactly as before. */
static void test_default_names_follow_roles(void **state) {
  (void)state;
  hs_err err;
  FILE *f = fopen(HS_SOURCE_DIR "/examples/patients/acute_mi_shock_ecmo.yaml", "rb");
  assert_non_null(f);
  static char text[65536];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  char *b = rename_word(text, "ecmo", "vaecmo");
  b = realloc(b, strlen(b) + 128);
  strcat(b, "\nroles: {ecmo_circuit: vaecmo}\n");
  hs_model *orig = NULL, *m = NULL;
  if (hs_patient_load_string(HS_SOURCE_DIR "/examples/patients/x.yaml", text, n, &orig, &err))
    fail_msg("%s", err.msg);
  if (hs_patient_load_string(HS_SOURCE_DIR "/examples/patients/x.yaml", b, strlen(b), &m, &err))
    fail_msg("%s", err.msg);
  assert_true(hs_model_block_index(m, "vaecmo") >= 0);
  assert_int_equal(hs_model_block_index(m, "ecmo"), hs_model_block_index(m, "vaecmo"));
  assert_int_equal(hs_model_set(m, "ecmo.target_flow", 60.0, &err), HS_OK);
  double v = 0;
  assert_int_equal(hs_model_get(m, "vaecmo.target_flow", &v, &err), HS_OK);
  assert_near(v, 60.0, 0);
  assert_int_equal(hs_model_set(orig, "ecmo.target_flow", 60.0, &err), HS_OK);
  hs_plan *p0 = hs_plan_compile(orig, &err), *p1 = hs_plan_compile(m, &err);
  assert_non_null(p0);
  assert_non_null(p1);
  hs_sim *s0 = hs_sim_new(p0, &err), *s1 = hs_sim_new(p1, &err);
  assert_int_equal(hs_sim_set(s1, "ecmo.rpm", 3100, &err), HS_OK);
  assert_int_equal(hs_sim_set(s0, "ecmo.rpm", 3100, &err), HS_OK);
  assert_int_equal(hs_sim_run(s0, 3.0, &err), HS_OK);
  assert_int_equal(hs_sim_run(s1, 3.0, &err), HS_OK);
  double m0[HS_METRIC_COUNT], m1[HS_METRIC_COUNT];
  assert_int_equal(hs_sim_last_beat(s0, m0, &err), HS_OK);
  assert_int_equal(hs_sim_last_beat(s1, m1, &err), HS_OK);
  for (int k = 0; k < HS_METRIC_COUNT; k++)
    if (!(m0[k] == m1[k] || (m0[k] != m0[k] && m1[k] != m1[k])))
      fail_msg("metric %s: %g renamed vs %g", hs_metric_name((hs_metric_id)k), m1[k], m0[k]);
  hs_sim_free(s0);
  hs_sim_free(s1);
  hs_plan_free(p0);
  hs_plan_free(p1);
  hs_model_free(orig);
  hs_model_free(m);
  free(b);
  /* the LV of the default patient renamed: "lv" finds it in the plan */
  char *t = rename_word(hs_patient_default_text(), "lv", "leftv");
  t = realloc(t, strlen(t) + 64);
  strcat(t, "roles: {left_ventricle: leftv}\n");
  if (hs_patient_load_string("x.yaml", t, strlen(t), &m, &err)) fail_msg("%s", err.msg);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  assert_true(hs_plan_node_find(pl, "leftv") >= 0);
  assert_int_equal(hs_plan_node_find(pl, "lv"), hs_plan_node_find(pl, "leftv"));
  assert_int_equal(hs_model_get(m, "lv.ees", &v, &err), HS_OK);
  hs_plan_free(pl);
  hs_model_free(m);
  free(t);
}

/* A required site renamed is accepted once its role names it. */
static void test_required_site_renamed(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  /* the default patient with its right ventricle renamed: needs the role binding */
  char *t = rename_word(hs_patient_default_text(), "rv", "rvent");
  t = realloc(t, strlen(t) + 64);
  assert_int_not_equal(hs_patient_load_string("x.yaml", t, strlen(t), &m, &err), HS_OK);
  assert_non_null(strstr(err.msg, "role 'right_ventricle'"));
  strcat(t, "roles: {right_ventricle: rvent}\n");
  if (hs_patient_load_string("x.yaml", t, strlen(t), &m, &err)) fail_msg("%s", err.msg);
  hs_plan *pl = hs_plan_compile(m, &err);
  assert_non_null(pl);
  hs_plan_free(pl);
  hs_model_free(m);
  free(t);
}

static void test_describe(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  if (load("roles: {brain_venous_outflow: upper_veins}\n", &m, &err)) fail_msg("%s", err.msg);
  char *txt = hs_describe_text(m, &err);
  assert_non_null(txt);
  assert_non_null(strstr(txt, "brain_venous_outflow   upper_veins"));
  assert_non_null(strstr(txt, "aortic_valve"));
  assert_non_null(strstr(txt, "lv.ees"));
  free(txt);
  hs_provenance prov = {"x", NULL, NULL, 0};
  char *js = hs_describe_json(m, &prov, &err);
  assert_non_null(js);
  assert_non_null(strstr(js, "\"block\": \"upper_veins\""));
  assert_non_null(strstr(js, "\"schema\": \"hemosim-describe/1\""));
  free(js);
  hs_model_free(m);
}

/* docs/roles.md carries the table row of every role as the code has it. */
static void test_doc_table(void **state) {
  (void)state;
  FILE *f = fopen(HS_SOURCE_DIR "/docs/roles.md", "rb");
  assert_non_null(f);
  static char doc[65536];
  size_t n = fread(doc, 1, sizeof doc - 1, f);
  fclose(f);
  doc[n] = '\0';
  static const char *const K[] = {"node", "edge", "global", "device"};
  for (size_t i = 0; i < hs_role_count(); i++) {
    const hs_role *r = hs_role_at(i);
    char row[512];
    snprintf(row, sizeof row, "| `%s` | %s | %s | `%s` | %s | %s | %s |", r->name, K[r->kind],
             r->type ? r->type : "any", r->default_name,
             (r->flags & HS_ROLE_REQUIRED) ? "yes" : "no", (r->flags & HS_ROLE_FIXED) ? "no" : "yes",
             r->use);
    if (!strstr(doc, row)) fail_msg("docs/roles.md lacks the row %s", row);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_role_table),
      cmocka_unit_test(test_rebind_reaches_engine),
      cmocka_unit_test(test_bad_bindings),
      cmocka_unit_test(test_required_site_renamed),
      cmocka_unit_test(test_default_names_follow_roles),
      cmocka_unit_test(test_describe),
      cmocka_unit_test(test_doc_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
