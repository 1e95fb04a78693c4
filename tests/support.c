#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
