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
  expect_error("roles: {brain_venous_outflow: jugular}\n", "no node named 'jugular' (nodes: lv, rv", "svc");
  /* wrong kind of block */
  expect_error("roles: {right_ventricle: la}\n", "'la' is a atrium, not a ventricle", "rv");
  /* a role analyses find by name cannot move */
  expect_error("roles: {left_ventricle: rv}\n", "cannot be rebound", "'lv'");
  /* not a map */
  expect_error("roles: [svc]\n", "roles", NULL);
}

/* A required site renamed is accepted once its role names it. */
static void test_required_site_renamed(void **state) {
  (void)state;
  hs_err err;
  hs_model *m = NULL;
  /* the default patient with its right ventricle renamed: needs the role binding */
  const char *d = hs_patient_default_text();
  size_t n = strlen(d);
  char *t = malloc(2 * n + 64), *o = t;
  for (const char *s = d; *s;) { /* rename the token rv (whole words) to rvent */
    int word = (s == d || !((s[-1] >= 'a' && s[-1] <= 'z') || s[-1] == '_')) &&
               strncmp(s, "rv", 2) == 0 && !((s[2] >= 'a' && s[2] <= 'z') || s[2] == '_');
    if (word) {
      memcpy(o, "rvent", 5), o += 5, s += 2;
    } else {
      *o++ = *s++;
    }
  }
  *o = '\0';
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
      cmocka_unit_test(test_describe),
      cmocka_unit_test(test_doc_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
