/* test_trial_sim.c - the in-silico run of the trial (src/analysis/trial_sim.c,
 * docs/trial.md "Simulation").
 *
 * A compressed protocol (visits at 0, 2, 4 and 6 h, windows around them) keeps each
 * course at four decision points.  The constructed case: the acute-MI patient on
 * VA-ECMO at 2.5 L/min with less venous filling (abdominal unstressed volume 1600 mL:
 * PCWP ~20-21 mmHg, below the 25 mmHg that blocks the micro raise rule), every
 * patient with poor microcirculation (obstructed, oedema and vasoconstriction 0.15,
 * small-vessel PVD ~14.5 mm/mm2 < 16.2): the control arm unloads the LV (PCWP > 18),
 * the micro arm raises flow at every measurement:
 *   1 every virtual patient is enrolled through the allocation code: 8 patients, arms
 *     balanced within every stratum (difference <= half the largest block, 2), every
 *     visit recorded inside its window, the database verifies, the analysis has a risk
 *     difference with its interval;
 *   2 the arms differ in the expected direction: the micro arm runs a higher mean ECMO
 *     flow and reaches a higher mean PSVD, hence a lower expected proxy mortality;
 *   3 reproducible: the same seed with 1 and 2 threads gives the same records (codes,
 *     arms, every value), another seed gives other records;
 *   4 refusals: a database with patients, a role other than manager, bad options.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/trial.h"
#include "hemosim/trial_sim.h"

static const hs_trial_actor MANAGER = {"sim", HS_ROLE_MANAGER};

static const char PROTOCOL[] =
    "hemosim_trial: 1\n"
    "name: compressed trial\n"
    "arms:\n"
    "  - {id: control, ratio: 1, policy: control}\n"
    "  - {id: micro, ratio: 1, policy: micro}\n"
    "sites: [A, B]\n"
    "strata:\n"
    "  - {name: scai, levels: [D, E]}\n"
    "block_sizes: [2, 4]\n"
    "windows:\n"
    "  T1: {from: placement, lo_h: 0, hi_h: 1}\n"
    "  T2: {from: T1, lo_h: 1, hi_h: 3}\n"
    "  T3: {from: T1, lo_h: 3, hi_h: 5}\n"
    "  T4: {from: placement, lo_h: 5, hi_h: 7}\n"
    "eligibility:\n"
    "  - {id: adult, eligible_if: yes, text: adult}\n"
    "  - {id: ecpr, eligible_if: no, text: ECPR}\n"
    "required: [time, ecmo_flow, map, psvd, ppsv]\n";

static const char STUDY[] =
    "hemosim_cohort: 1\n"
    "name: acute-MI shock, moderate filling\n"
    "patient: acute_mi_shock_ecmo.yaml\n"
    "seed: 7\n"
    "population:\n"
    "  size: 8\n"
    "  parameters:\n"
    "    lv.ees: {dist: lognormal, median: 1.0 mmHg/mL, cv: 0.1}\n"
    "protocol:\n"
    "  set: {ecmo.target_flow: 2.5 L/min, abdominal_veins.unstressed_volume: 1600 mL}\n";

static hs_cohort *g_pop;

static int setup(void **state) {
  (void)state;
  hs_err err = {0};
  if (hs_cohort_load_string("study", STUDY, strlen(STUDY), HS_SOURCE_DIR "/examples/patients",
                            &g_pop, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  hs_cohort_free(g_pop);
  return 0;
}

static hs_trial *make(const char *path) {
  hs_err err = {0};
  hs_status st = hs_trial_create_from_text(path, "protocol", PROTOCOL, strlen(PROTOCOL),
                                           &MANAGER, "0000000000000042", &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  hs_trial *t = NULL;
  assert_int_equal(hs_trial_open(path, &t, &err), HS_OK);
  return t;
}

static hs_trial_sim_options opts(size_t n, uint64_t seed, int threads) {
  hs_trial_sim_options o;
  hs_trial_sim_defaults(&o);
  o.patients = n;
  o.seed = seed;
  o.threads = threads;
  o.visit_h[0] = 0, o.visit_h[1] = 2, o.visit_h[2] = 4, o.visit_h[3] = 6;
  o.interval_h = 2;
  for (int k = 0; k < 2; k++) o.obstructed[k] = o.oedema[k] = o.vasoconstriction[k] = 0.15;
  return o;
}

static void simulate_ok(hs_trial *t, const hs_trial_sim_options *o, hs_trial_sim_summary *s) {
  hs_err err = {0};
  hs_status st = hs_trial_simulate(t, &MANAGER, (const hs_cohort *const *)&g_pop, 1, o, s, &err);
  if (st) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
  if (s->failed) print_error("%s\n", s->first_failure);
  assert_int_equal(s->failed, 0);
}

/* every record of the database as text: code, arm, visit, field, value, version */
static char *records(const char *path) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT p.code, p.arm, p.stratum, v.visit, v.field, "
                                      "v.value, v.version FROM value v JOIN patient p ON "
                                      "p.id = v.patient_id ORDER BY p.code, v.visit, v.field, "
                                      "v.version",
                                      -1, &q, NULL),
                   SQLITE_OK);
  size_t cap = 1 << 16, n = 0;
  char *out = malloc(cap);
  out[0] = '\0';
  while (sqlite3_step(q) == SQLITE_ROW) {
    char line[4096];
    int k = snprintf(line, sizeof line, "%s|%s|%s|%s|%s|%.200s|%d\n", sqlite3_column_text(q, 0),
                     sqlite3_column_text(q, 1), sqlite3_column_text(q, 2),
                     sqlite3_column_text(q, 3), sqlite3_column_text(q, 4),
                     sqlite3_column_text(q, 5) ? (const char *)sqlite3_column_text(q, 5) : "-",
                     sqlite3_column_int(q, 6));
    if (n + (size_t)k + 1 > cap) out = realloc(out, cap *= 2);
    memcpy(out + n, line, (size_t)k + 1);
    n += (size_t)k;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

static void verify_ok(hs_trial *t) {
  hs_trial_verify_result r;
  hs_err err = {0};
  assert_int_equal(hs_trial_verify(t, &r, &err), HS_OK);
  if (!r.ok) print_error("verify: %s\n", r.problem);
  assert_true(r.ok);
}

/* 1 + 2: the constructed case */
static void test_constructed_case(void **state) {
  (void)state;
  char *path = hs_test_db_path("case");
  hs_trial *t = make(path);
  hs_trial_sim_options o = opts(8, 3, 2);
  hs_trial_sim_summary s;
  simulate_ok(t, &o, &s);
  assert_int_equal(s.screened, 8);
  assert_int_equal(s.enrolled, 8);
  assert_int_equal(s.visits, 32);
  assert_int_equal(s.deviations, 0);
  assert_int_equal(s.narms, 2);
  assert_int_equal(s.arm[0].enrolled + s.arm[1].enrolled, 8);
  assert_true(s.arm[0].enrolled >= 1 && s.arm[1].enrolled >= 1);
  verify_ok(t);

  /* balance within every stratum: |control - micro| <= 2 (half the largest block) */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT stratum, sum(arm = 'control'), sum(arm = 'micro') "
                                      "FROM patient GROUP BY stratum",
                                      -1, &q, NULL),
                   SQLITE_OK);
  int strata = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    int d = sqlite3_column_int(q, 1) - sqlite3_column_int(q, 2);
    if (abs(d) > 2) fail_msg("stratum %s: %d control, %d micro", sqlite3_column_text(q, 0),
                             sqlite3_column_int(q, 1), sqlite3_column_int(q, 2));
    strata++;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  assert_true(strata >= 2);

  /* 2: the expected direction (model proxies) */
  const hs_trial_sim_arm *c = &s.arm[0], *m = &s.arm[1];
  assert_string_equal(c->policy, "control");
  assert_string_equal(m->policy, "micro");
  print_message("control: flow %.3f L/min, PSVD %.3f, E[mortality] %.3f; micro: %.3f, %.3f, "
                "%.3f\n", c->mean_flow_lpm, c->mean_psvd, c->expected_mortality,
                m->mean_flow_lpm, m->mean_psvd, m->expected_mortality);
  assert_true(m->mean_flow_lpm > c->mean_flow_lpm + 0.1);
  assert_true(m->mean_psvd > c->mean_psvd);
  assert_true(m->expected_mortality < c->expected_mortality);

  /* the trial analysis ran on the records: risk difference with a 95 % interval */
  hs_err err = {0};
  char *js = hs_trial_sim_json(t, &MANAGER, &o, &s, &err);
  assert_non_null(js);
  json_error_t je;
  json_t *root = json_loads(js, 0, &je);
  free(js);
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "schema")),
                      "hemosim-trial-simulation/1");
  assert_non_null(strstr(json_string_value(json_object_get(root, "outcomes")), "MODEL PROXIES"));
  json_t *sv = json_array_get(json_object_get(json_object_get(root, "analysis"), "survival"), 0);
  assert_non_null(sv);
  double rd = json_number_value(json_object_get(sv, "risk_difference"));
  double lo = json_number_value(json_object_get(sv, "ci95_lo"));
  double hi = json_number_value(json_object_get(sv, "ci95_hi"));
  assert_true(lo <= rd && rd <= hi);
  /* the per-visit flow comparison agrees with the summary's direction at T4 */
  json_t *f4 = json_object_get(json_object_get(json_object_get(root, "analysis"), "visits"), "T4");
  json_t *fd = json_array_get(json_object_get(json_object_get(f4, "ecmo_flow"), "difference"), 0);
  assert_true(json_number_value(json_object_get(fd, "difference")) > 0);
  json_decref(root);

  /* 4: a second simulation into the same database is refused */
  hs_trial_sim_summary s2;
  assert_int_equal(hs_trial_simulate(t, &MANAGER, (const hs_cohort *const *)&g_pop, 1, &o, &s2, &err), HS_ERR_STATE);
  assert_non_null(strstr(err.msg, "already has 8 patient(s)"));
  hs_trial_close(t);
  hs_test_db_remove(path);
}

/* 3: reproducibility and threads */
static void test_reproducible(void **state) {
  (void)state;
  char *text[3];
  const uint64_t seed[3] = {11, 11, 12};
  const int threads[3] = {1, 2, 1};
  for (int k = 0; k < 3; k++) {
    char name[16];
    snprintf(name, sizeof name, "rep%d", k);
    char *path = hs_test_db_path(name);
    hs_trial *t = make(path);
    hs_trial_sim_options o = opts(2, seed[k], threads[k]);
    hs_trial_sim_summary s;
    simulate_ok(t, &o, &s);
    assert_int_equal(s.enrolled, 2);
    hs_trial_close(t);
    text[k] = records(path);
    hs_test_db_remove(path);
  }
  assert_true(strlen(text[0]) > 1000);
  /* the phenotype (the study) as the baseline diagnosis */
  assert_non_null(strstr(text[0], "|baseline|diagnosis|"));
  assert_string_equal(text[0], text[1]);
  assert_true(strcmp(text[0], text[2]) != 0);
  for (int k = 0; k < 3; k++) free(text[k]);
}

/* 4: refusals */
static void test_refusals(void **state) {
  (void)state;
  char *path = hs_test_db_path("bad");
  hs_trial *t = make(path);
  hs_err err = {0};
  hs_trial_sim_options o = opts(2, 1, 1);
  const hs_trial_actor entry = {"nurse", HS_ROLE_DATA_ENTRY};
  assert_int_not_equal(hs_trial_simulate(t, &entry, (const hs_cohort *const *)&g_pop, 1, &o, NULL, &err), HS_OK);
  assert_non_null(strstr(err.msg, "not allowed for role data_entry"));
  o.patients = 9;
  assert_int_equal(hs_trial_simulate(t, &MANAGER, (const hs_cohort *const *)&g_pop, 1, &o, NULL, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "more than the 8 patients of study"));
  o = opts(2, 1, 1);
  o.visit_h[2] = 1;
  assert_int_equal(hs_trial_sim_check(&o, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "T3 at 1 h"));
  o = opts(2, 1, 1);
  o.mortality_ref = 1;
  assert_int_equal(hs_trial_sim_check(&o, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "mortality_ref = 1 is out of range (0, 1)"));
  o = opts(2, 1, 1);
  o.obstructed[0] = 0.5;
  o.obstructed[1] = 0.2;
  assert_int_equal(hs_trial_sim_check(&o, &err), HS_ERR_RANGE);
  assert_non_null(strstr(err.msg, "obstructed = [0.5, 0.2]"));
  /* nothing was recorded by the refused runs */
  char *r = records(path);
  assert_string_equal(r, "");
  free(r);
  hs_trial_close(t);
  hs_test_db_remove(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_constructed_case),
      cmocka_unit_test(test_reproducible),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
