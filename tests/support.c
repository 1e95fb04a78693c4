#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hemosim/hemosim.h"

void hs_test_assert_near(double a, double b, double tol, const char *expr, const char *file, int line) {
  if (!(fabs(a - b) <= tol)) {
    print_error("%s = %.9g, expected %.9g +- %.3g\n", expr, a, b, tol);
    _fail(file, line);
  }
}

void hs_test_assert_in(double v, double lo, double hi, const char *expr, const char *file, int line) {
  if (!(v >= lo && v <= hi)) {
    print_error("%s = %.6g, outside [%.6g, %.6g]\n", expr, v, lo, hi);
    _fail(file, line);
  }
}

char *hs_test_write_temp(const char *name, const char *text) {
  const char *dir = getenv("TMPDIR");
  if (!dir) dir = "/tmp";
  size_t n = strlen(dir) + strlen(name) + 64;
  char *path = malloc(n);
  if (!path) return NULL;
  snprintf(path, n, "%s/hemosim_test_%ld_%s", dir, (long)getpid(), name);
  FILE *f = fopen(path, "w");
  if (!f) {
    free(path);
    return NULL;
  }
  fputs(text, f);
  fclose(f);
  return path;
}

static void unlink_db(const char *p) {
  char side[600];
  unlink(p);
  snprintf(side, sizeof side, "%s-wal", p);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", p);
  unlink(side);
}

char *hs_test_db_path(const char *name) {
  const char *dir = getenv("TMPDIR");
  char *p = malloc(512);
  if (!p) return NULL;
  snprintf(p, 512, "%s/hemosim_test_%ld_%s.db", dir ? dir : "/tmp", (long)getpid(), name);
  unlink_db(p);
  return p;
}

void hs_test_db_remove(char *path) {
  if (!path) return;
  unlink_db(path);
  free(path);
}

hs_model *hs_test_load(const char *relpath) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", HS_SOURCE_DIR, relpath);
  hs_err err;
  hs_model *m = NULL;
  if (hs_patient_load_file(path, &m, &err) != HS_OK) print_error("%s\n", err.msg);
  assert_non_null(m);
  return m;
}

hs_sim *hs_test_sim(const hs_model *m, hs_plan **pl) {
  hs_err err;
  *pl = hs_plan_compile(m, &err);
  if (!*pl) print_error("%s\n", err.msg);
  assert_non_null(*pl);
  hs_sim *s = hs_sim_new(*pl, &err);
  if (!s) print_error("%s\n", err.msg);
  assert_non_null(s);
  return s;
}

hs_test_run hs_test_run_start(hs_model *m) {
  hs_test_run r = {NULL, NULL, m};
  r.s = hs_test_sim(m, &r.pl);
  return r;
}

void hs_test_run_done(hs_test_run *r) {
  hs_sim_free(r->s);
  hs_plan_free(r->pl);
  hs_model_free(r->m);
}

double hs_test_metric(const hs_sim *s, const char *name, int window) {
  size_t n = hs_sim_metric_count(s);
  double *all = malloc(n * sizeof *all);
  assert_non_null(all);
  hs_err err;
  assert_int_equal(hs_sim_summary_all(s, window, all, &err), HS_OK);
  double v = NAN;
  int found = 0;
  for (size_t k = 0; k < n; k++) {
    char buf[128];
    if (!strcmp(hs_sim_metric_name(s, k, buf, sizeof buf), name)) v = all[k], found = 1;
  }
  free(all);
  if (!found) print_error("no metric %s\n", name);
  assert_true(found);
  return v;
}

double hs_test_metric_finite(const hs_sim *s, const char *name, int window) {
  double v = hs_test_metric(s, name, window);
  if (isnan(v)) print_error("no value for metric %s\n", name);
  assert_false(isnan(v));
  return v;
}

void hs_test_set(hs_model *m, const char *path, const char *text) {
  hs_err err;
  hs_status st = hs_model_set_text(m, path, text, &err);
  if (st != HS_OK) print_error("%s = %s: %s\n", path, text, err.msg);
  assert_int_equal(st, HS_OK);
}

void hs_test_steady(hs_sim *s) {
  hs_err err;
  hs_steady_info info;
  hs_status st = hs_sim_run_to_steady(s, &info, &err);
  if (st != HS_OK) print_error("%s\n", err.msg);
  assert_int_equal(st, HS_OK);
}

hs_sim *hs_test_warm_start(const hs_sim *src, const hs_plan *pl) {
  hs_err err;
  hs_sim *b = hs_sim_new(pl, &err);
  assert_non_null(b);
  size_t n = hs_sim_state_size(src);
  double *x = malloc(n * sizeof *x);
  assert_non_null(x);
  assert_int_equal(hs_sim_get_state(src, x, n, &err), HS_OK);
  assert_int_equal(hs_sim_set_state(b, x, n, &err), HS_OK);
  free(x);
  return b;
}

double conserved_volume(const struct hs_sim *s) {
  return hs_sim_total_volume(s) - hs_sim_fluid_exchanged(s);
}
