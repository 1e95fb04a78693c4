/* support.h - small helpers shared by the cmocka test programs. */
#ifndef HS_TEST_SUPPORT_H
#define HS_TEST_SUPPORT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Assert |a-b| <= tol with a readable message (cmocka has no float assert in 1.1.5). */
#define assert_near(a, b, tol) hs_test_assert_near((a), (b), (tol), #a, __FILE__, __LINE__)
void hs_test_assert_near(double a, double b, double tol, const char *expr, const char *file, int line);

/* A numerical check (agreement with plain integration or a scan, a long timed course)
   that the Release suite runs; under the sanitizers (HS_TEST_SANITIZED, set by
   tests/CMakeLists.txt with HS_SANITIZE) it is reported skipped: other tests run the same
   code paths there, and repeating the simulations at the sanitizers' speed would cost
   CI minutes for no memory-safety coverage. */
#ifndef HS_TEST_SANITIZED
#define HS_TEST_SANITIZED 0
#endif
#define HS_RELEASE_ONLY()                                                                   \
  do {                                                                                      \
    if (HS_TEST_SANITIZED) {                                                                \
      print_message("a Release-only numerical check: skipped under the sanitizers\n");     \
      skip();                                                                               \
    }                                                                                       \
  } while (0)

/* Assert lo <= v <= hi. */
#define assert_in_range_d(v, lo, hi) hs_test_assert_in(v, lo, hi, #v, __FILE__, __LINE__)
void hs_test_assert_in(double v, double lo, double hi, const char *expr, const char *file, int line);

/* Write text to a fresh file under the build's temp dir; returns a static-per-call malloc'd path (caller frees). */
char *hs_test_write_temp(const char *name, const char *text);
/* A fresh path for an SQLite database under the temp dir (any old file and its -wal and
   -shm removed); hs_test_db_remove() removes the three files and frees the path. */
char *hs_test_db_path(const char *name);
void hs_test_db_remove(char *path);

/* Simulation helpers (tests/test_ejection_effect.c; older tests keep their own copies).
   hs_test_load: a patient file relative to the repository root, failing the test on
   error; hs_test_sim: compile and create a simulation (*pl set); hs_test_metric: the
   mean over the last `window` beats of a metric named as in --summary-json. */
struct hs_model;
struct hs_plan;
struct hs_sim;
struct hs_model *hs_test_load(const char *relpath);
struct hs_sim *hs_test_sim(const struct hs_model *m, struct hs_plan **pl);
/* A simulation with its plan and the model it owns: hs_test_run_start compiles m and
   creates the simulation (failing the test on error), hs_test_run_done frees all three. */
typedef struct hs_test_run {
  struct hs_plan *pl;
  struct hs_sim *s;
  struct hs_model *m;
} hs_test_run;
hs_test_run hs_test_run_start(struct hs_model *m);
void hs_test_run_done(hs_test_run *r);
double hs_test_metric(const struct hs_sim *s, const char *name, int window);
/* The same, failing the test when the metric is NaN (no value in the window). */
double hs_test_metric_finite(const struct hs_sim *s, const char *name, int window);
/* Set a model parameter from text ("2 L/min"), failing the test on error; run a
   simulation to its periodic steady state, failing the test (with the message) on error. */
void hs_test_set(struct hs_model *m, const char *path, const char *text);
void hs_test_steady(struct hs_sim *s);
/* A new simulation of plan pl warm-started from src's state (hs_sim_get_state /
   set_state), failing the test on error; the caller frees it. */
struct hs_sim *hs_test_warm_start(const struct hs_sim *src, const struct hs_plan *pl);
/* The blood volume the integration conserves: the total (hs_sim_total_volume) less what
   the modules moved across the vessel walls (hs_sim_fluid_exchanged: lung filtration,
   fluids). */
double conserved_volume(const struct hs_sim *s);
#endif
