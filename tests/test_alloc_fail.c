/* test_alloc_fail.c - allocation-failure sweep (issue 12): the Nth allocation of the
 * library fails, for every N, along load / compile / create / run / free of the bundled
 * patients, a scenario and a recorder, the steady-state search, the summary JSON and a
 * measurements file (docs/library.md, "Conventions of the API").
 *
 * The test is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,
 * --wrap=strdup (tests/CMakeLists.txt), so every call the library's objects make goes
 * through the __wrap_ functions below; the library itself has no allocator hook and no
 * global state for it.  Allocations inside libyaml and SUNDIALS are not counted: they
 * fail by their own rules.
 *
 * jansson's allocator is pointed at the same counting functions (json_set_alloc_funcs,
 * in this test program only), so the JSON documents the library builds are covered too.
 *
 * For N = 1, 2, ... the scenario runs with the Nth counted allocation returning NULL,
 * until a run makes fewer than N allocations.  Every run must
 *   - return HS_ERR_NOMEM with a message (never another status, never a crash), or
 *     succeed (a refusal absorbed on the way, e.g. inside jansson: counted, printed);
 *   - succeed when no allocation was refused (the last N);
 *   - leave no block allocated after the frees (each block the library allocates is
 *     tracked in a pointer set; under ASan a double free or a use after free aborts).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hemosim/hemosim.h"
#include "support.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);

/* ---- the counting allocator ------------------------------------------------------ */

#define SLOTS (1u << 15) /* open-addressing set of the live blocks of one run */
#define TOMB ((void *)1)

static void *live[SLOTS];
static unsigned touched[SLOTS]; /* slots written since arm(), to clear them */
static long nlive, ntouched, ncalls, fail_at;
static int armed, refused;

static size_t slot_of(const void *p) {
  uintptr_t h = (uintptr_t)p;
  h ^= h >> 17;
  h *= 0xed5ad4bbu;
  h ^= h >> 11;
  return (size_t)h & (SLOTS - 1);
}

static void track(void *p) {
  size_t i = slot_of(p);
  while (live[i] && live[i] != TOMB) i = (i + 1) & (SLOTS - 1);
  if (!live[i]) {
    if (ntouched == (long)SLOTS) abort(); /* more blocks than the set holds */
    touched[ntouched++] = (unsigned)i;
  }
  live[i] = p;
  nlive++;
}

static void untrack(void *p) {
  for (size_t i = slot_of(p), k = 0; live[i] && k < SLOTS; i = (i + 1) & (SLOTS - 1), k++)
    if (live[i] == p) {
      live[i] = TOMB;
      nlive--;
      return;
    }
}

static int refuse(void) {
  if (!armed) return 0;
  if (++ncalls == fail_at) {
    refused = 1;
    return 1;
  }
  return 0;
}

void *__wrap_malloc(size_t n) {
  if (refuse()) return NULL;
  void *p = __real_malloc(n);
  if (p && armed) track(p);
  return p;
}

void *__wrap_calloc(size_t n, size_t size) {
  if (refuse()) return NULL;
  void *p = __real_calloc(n, size);
  if (p && armed) track(p);
  return p;
}

void *__wrap_realloc(void *p, size_t n) {
  if (refuse()) return NULL;
  void *q = __real_realloc(p, n);
  if (q && armed) {
    if (p) untrack(p);
    track(q);
  }
  return q;
}

char *__wrap_strdup(const char *s) {
  if (refuse()) return NULL;
  char *p = __real_strdup(s);
  if (p && armed) track(p);
  return p;
}

void __wrap_free(void *p) {
  if (p && armed) untrack(p);
  __real_free(p);
}

static void arm(long n) {
  for (long i = 0; i < ntouched; i++) live[touched[i]] = NULL;
  nlive = ntouched = ncalls = 0;
  fail_at = n;
  refused = 0;
  armed = 1;
}

static void *json_alloc(size_t n) { return __wrap_malloc(n); }
static void json_release(void *p) { __wrap_free(p); }

/* ---- the scenarios ---------------------------------------------------------------- */

/* What runs before the allocator is armed (not counted) and what is swept. */
typedef struct fixture {
  hs_model *m;
  hs_plan *plan;
  hs_sim *sim;
} fixture;

typedef struct sweep_case {
  const char *label;
  const char *path;                                     /* patient or measurements file */
  hs_status (*setup)(const char *path, fixture *fx);    /* disarmed; may be NULL */
  hs_status (*run)(const char *path, fixture *fx, hs_err *err); /* armed */
  int setup_once; /* run leaves the fixture as it was: set it up once for all N */
} sweep_case;

/* The status of a call that returned NULL: its error, or -1 when it set none (a bug the
   sweep reports). */
static hs_status failed(const hs_err *err) { return err->code ? err->code : (hs_status)-1; }

static void fixture_free(fixture *fx) {
  hs_sim_free(fx->sim);
  hs_plan_free(fx->plan);
  hs_model_free(fx->m);
  memset(fx, 0, sizeof *fx);
}

/* Load (the built-in default patient when path is NULL), compile, create, run 1.2 s,
   summarise the last beat, free everything. */
static hs_status run_short(const char *path, fixture *fx, hs_err *err) {
  hs_status st = path ? hs_patient_load_file(path, &fx->m, err)
                      : hs_patient_load_default(&fx->m, err);
  if (!st && !(fx->plan = hs_plan_compile(fx->m, err))) st = failed(err);
  if (!st && !(fx->sim = hs_sim_new(fx->plan, err))) st = failed(err);
  if (!st) st = hs_sim_run(fx->sim, 1.2, err);
  double out[HS_METRIC_COUNT];
  if (!st) st = hs_sim_last_beat(fx->sim, out, err);
  fixture_free(fx);
  return st;
}

/* The same with a scenario file applied and a recorder keeping the figure signals. */
static hs_status run_scenario(const char *path, fixture *fx, hs_err *err) {
  hs_scenario *sc = NULL;
  hs_recorder *rec = NULL;
  hs_status st = hs_patient_load_file(path, &fx->m, err);
  if (!st)
    st = hs_scenario_load_file(HS_SOURCE_DIR "/examples/scenarios/ecmo_flow_ramp.yaml", &sc, err);
  if (!st && !(fx->plan = hs_plan_compile(fx->m, err))) st = failed(err);
  if (!st && !(fx->sim = hs_sim_new(fx->plan, err))) st = failed(err);
  if (!st) st = hs_scenario_apply(sc, fx->sim, err);
  if (!st && !(rec = hs_recorder_new(fx->plan, NULL, NULL, 200, 2.0, err))) st = failed(err);
  if (!st) st = hs_recorder_attach(rec, fx->sim, err);
  if (!st) st = hs_sim_run(fx->sim, 1.2, err);
  if (!st) st = hs_recorder_finish(rec, err);
  char *svg = NULL;
  if (!st && !(svg = hs_recorder_pv_svg(rec, 1.0, "test", err))) st = failed(err);
  free(svg);
  hs_recorder_free(rec);
  hs_scenario_free(sc);
  fixture_free(fx);
  return st;
}

/* A compiled patient and a fresh simulation, made before the sweep arms. */
static hs_status setup_sim(const char *path, fixture *fx) {
  hs_err err;
  hs_status st = hs_patient_load_file(path, &fx->m, &err);
  if (!st) st = hs_model_set(fx->m, "solver.max_beats", 3, &err);
  if (!st && !(fx->plan = hs_plan_compile(fx->m, &err))) st = failed(&err);
  if (!st && !(fx->sim = hs_sim_new(fx->plan, &err))) st = failed(&err);
  if (st) fprintf(stderr, "setup: %s\n", err.msg);
  return st;
}

/* As setup_sim, then 1.2 s run so that a beat is there to summarise. */
static hs_status setup_ran(const char *path, fixture *fx) {
  hs_err err;
  hs_status st = setup_sim(path, fx);
  if (!st && (st = hs_sim_run(fx->sim, 1.2, &err))) fprintf(stderr, "setup: %s\n", err.msg);
  return st;
}

/* The steady-state search, capped at 3 beats: HS_ERR_NOT_STEADY is its normal answer. */
static hs_status run_steady(const char *path, fixture *fx, hs_err *err) {
  (void)path;
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(fx->sim, &info, err);
  if (st == HS_ERR_NOT_STEADY) {
    st = HS_OK;
    memset(err, 0, sizeof *err);
  }
  return st;
}

/* The summary JSON document of a simulation (schema hemosim-summary/1). */
static hs_status run_summary(const char *path, fixture *fx, hs_err *err) {
  hs_run_info ri = {0};
  ri.patient_name = hs_model_name(fx->m);
  ri.patient_file = path;
  ri.window_beats = 1;
  char *summary = hs_summary_json(fx->sim, &ri, err);
  free(summary);
  return summary ? HS_OK : failed(err);
}

/* The measurements file of a calibration (io/calibrate_input.c) and its base patient. */
static hs_status load_measurements(const char *path, fixture *fx, hs_err *err) {
  (void)fx;
  hs_cal_input *in = NULL;
  hs_status st = hs_cal_input_load(path, &in, err);
  hs_cal_input_free(in);
  return st;
}

static void sweep(const sweep_case *c) {
  long n;
  long swallowed = 0;
  fixture fx = {0};
  if (c->setup && c->setup_once) assert_int_equal(c->setup(c->path, &fx), HS_OK);
  for (n = 1;; n++) {
    hs_err err;
    memset(&err, 0, sizeof err);
    if (c->setup && !c->setup_once) assert_int_equal(c->setup(c->path, &fx), HS_OK);
    if (getenv("HS_ALLOC_TRACE")) fprintf(stderr, "%s: refusing allocation %ld\n", c->label, n);
    arm(n);
    hs_status st = c->run(c->path, &fx, &err);
    armed = 0;
    long leaked = nlive;
    int was_refused = refused;
    if (!c->setup_once) fixture_free(&fx);
    if (leaked != 0) {
      print_error("%s: allocation %ld refused: %ld block(s) leaked (status %d: %s)\n", c->label,
                  n, leaked, (int)st, err.msg);
      fail();
    }
    if (!was_refused) { /* every allocation of the scenario passed: it must succeed */
      if (st != HS_OK) print_error("%s: %s\n", c->label, err.msg);
      assert_int_equal(st, HS_OK);
      break;
    }
    if (st == HS_OK) {
      if (getenv("HS_ALLOC_TRACE")) fprintf(stderr, "%s: refusal %ld absorbed\n", c->label, n);
      swallowed++;
      continue;
    }
    if (st != HS_ERR_NOMEM || !err.msg[0]) {
      print_error("%s: allocation %ld refused: status %d (%s), expected HS_ERR_NOMEM\n", c->label,
                  n, (int)st, err.msg);
      fail();
    }
  }
  fixture_free(&fx);
  printf("%s: %ld allocations, each refused in turn: clean HS_ERR_NOMEM and no leak; %ld "
         "refusals absorbed (run still correct)\n",
         c->label, n - 1, swallowed);
}

#define ECMO_PATIENT HS_SOURCE_DIR "/examples/patients/acute_mi_shock_ecmo.yaml"

static void test_default_patient(void **state) {
  (void)state;
  sweep_case c = {"built-in default patient: load, compile, create, run 1.2 s, free", NULL, NULL,
                  run_short, 0};
  sweep(&c);
}

static void test_ecmo_patient(void **state) {
  (void)state;
  sweep_case c = {"acute_mi_shock_ecmo.yaml with a scenario and a recorder", ECMO_PATIENT, NULL,
                  run_scenario, 0};
  sweep(&c);
}

static void test_steady(void **state) {
  (void)state;
  sweep_case c = {"steady-state search", ECMO_PATIENT, setup_sim, run_steady, 0};
  sweep(&c);
}

static void test_summary(void **state) {
  (void)state;
  sweep_case c = {"summary JSON", ECMO_PATIENT, setup_ran, run_summary, 1};
  sweep(&c);
}

static void test_measurements(void **state) {
  (void)state;
  sweep_case c = {"measurements file mi_shock_on_ecmo.yaml",
                  HS_SOURCE_DIR "/examples/measurements/mi_shock_on_ecmo.yaml", NULL,
                  load_measurements, 0};
  sweep(&c);
}

static void test_measurements_micro(void **state) {
  (void)state;
  sweep_case c = {"measurements file with a microcirculation file",
                  HS_SOURCE_DIR "/tests/data/calibrate/on_ecmo_with_micro.yaml", NULL,
                  load_measurements, 0};
  sweep(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_patient),
      cmocka_unit_test(test_ecmo_patient),
      cmocka_unit_test(test_steady),
      cmocka_unit_test(test_summary),
      cmocka_unit_test(test_measurements),
      cmocka_unit_test(test_measurements_micro),
  };
  json_set_alloc_funcs(json_alloc, json_release);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
