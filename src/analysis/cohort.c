/*
 * analysis/cohort.c - study files (docs/cohort.md "Study file"): load, check, and draw
 * the parameters of virtual patient i as a pure function of (seed, i).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/cohort_impl.h"
#include "hemosim/input.h"
#include "hemosim/optimize.h"
#include "hemosim/units.h"
#include "io/doc.h"

#define MAX_PATIENTS 100000000u

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* fold a file's bytes into the fingerprint (unreadable files were reported elsewhere;
   read as every input file is, so a device such as /dev/zero is not read forever) */
static uint64_t fnv_file(uint64_t h, const char *path) {
  char *text = NULL;
  size_t n = 0;
  hs_err e2;
  if (hs_input_read(path, 0, &text, &n, &e2)) return h;
  h = fnv1a(h, text, n);
  free(text);
  return h;
}

static char *join_path(const char *dir, const char *rel) {
  if (rel[0] == '/' || !dir || !*dir) return dupstr(rel);
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

void hs_cohort_free(hs_cohort *c) {
  if (!c) return;
  for (size_t k = 0; k < c->np; k++) {
    free(c->p[k].path);
    free(c->p[k].values);
  }
  free(c->p);
  for (size_t s = 0; s < c->nstrat; s++) {
    for (size_t k = 0; k < c->strat[s].nset; k++) free(c->strat[s].set[k].path);
    free(c->strat[s].set);
    free(c->strat[s].name);
  }
  free(c->strat);
  for (size_t k = 0; k < c->ncommon; k++) free(c->common[k].path);
  free(c->common);
  for (size_t k = 0; k < c->nout; k++) free(c->out_name[k]);
  free(c->out_name);
  free(c->out_unit);
  free(c->out);
  free(c->accept);
  free(c->target);
  free(c->chol);
  free(c->table);
  free(c->perm);
  hs_scenario_free(c->scenario);
  hs_sim_free(c->warm);
  hs_plan_free(c->plan);
  hs_model_free(c->model);
  free(c->name);
  free(c->file);
  free(c);
}

/* ---- parameter specs from a model path ------------------------------------------ */

static const hs_param_spec *param_spec(const hs_model *m, const char *path) {
  const char *dot = strchr(path, '.');
  if (!dot) return NULL;
  for (size_t i = 0; i < hs_model_block_count(m); i++) {
    const char *bn = hs_model_block_name(m, i);
    if (strlen(bn) == (size_t)(dot - path) && !strncmp(bn, path, (size_t)(dot - path))) {
      const hs_block_type *t = hs_model_block_type(m, i);
      int k = hs_param_index(t, dot + 1);
      return k >= 0 ? &t->params[k] : NULL;
    }
  }
  return NULL;
}

/* ---- loading --------------------------------------------------------------------- */

typedef struct loader {
  hs_doc *d;
  hs_cohort *c;
  hs_sim *probe; /* a simulation of the base patient: parameter and metric lookup */
  const char *dir;
  hs_err *err;
  int want_sens; /* the file has a sensitivity section: the Saltelli design sets the size */
} loader;

static hs_status check_keys(loader *L, const hs_doc_node *map, const char *what,
                            const char *const *known, const char *list) {
  for (size_t i = 0; i < hs_doc_size(map); i++) {
    const char *k = hs_doc_text(hs_doc_key(map, i));
    int ok = 0;
    for (int t = 0; known[t]; t++) ok |= !strcmp(known[t], k);
    if (!ok)
      return hs_doc_fail(L->d, hs_doc_key(map, i), L->err, HS_ERR_UNKNOWN,
                         "%s: unknown field '%s' (known: %s)", what, k, list);
  }
  return HS_OK;
}

/* a value of parameter `path` from text with its unit, through the one unit parser */
static hs_status param_value(loader *L, const hs_doc_node *n, const char *path, const char *what,
                             double *out) {
  const char *text;
  hs_status st = hs_doc_string(L->d, n, what, &text, L->err);
  if (st) return st;
  hs_err e2;
  if ((st = hs_sim_parse_value(L->probe, path, text, out, &e2)))
    return hs_doc_fail(L->d, n, L->err, st, "%s: %s", what, e2.msg);
  return HS_OK;
}

static hs_status number_in(loader *L, const hs_doc_node *n, const char *what, double lo,
                           double hi, double *out) {
  hs_status st = hs_doc_number(L->d, n, what, out, L->err);
  if (st) return st;
  if (!(*out >= lo && *out <= hi))
    return hs_doc_fail(L->d, n, L->err, HS_ERR_RANGE, "%s = %g is out of range [%g, %g]", what,
                       *out, lo, hi);
  return HS_OK;
}

static hs_status load_param(loader *L, const char *path, const hs_doc_node *v, cohort_param *p) {
  hs_status st;
  char what[192];
  snprintf(what, sizeof what, "population.parameters.%s", path);
  const hs_param_spec *spec = param_spec(L->c->model, path);
  if (!spec)
    return hs_doc_fail(L->d, v, L->err, HS_ERR_UNKNOWN,
                       "%s: the base patient has no parameter '%s' (see `hemosim params`)", what,
                       path);
  p->unit = hs_dim_unit(spec->dim);
  p->shown = hs_dim_display_unit(spec->dim, &p->per_shown);
  if ((st = hs_doc_expect(L->d, v, HS_DOC_MAP, what, L->err))) return st;
  static const char *const KEYS[] = {"dist", "mean", "sd", "median", "cv", "min",
                                     "max", "values", "levels", NULL};
  if ((st = check_keys(L, v, what, KEYS, "dist, mean, sd, median, cv, min, max, values, levels")))
    return st;
  const hs_doc_node *dn = hs_doc_get(v, "dist");
  const char *dist = "values";
  if (dn && (st = hs_doc_string(L->d, dn, "dist", &dist, L->err))) return st;
  if (!dn && !hs_doc_get(v, "values"))
    return hs_doc_fail(L->d, v, L->err, HS_ERR_INVALID,
                       "%s: missing field 'dist' (normal, lognormal, uniform, truncnormal) or "
                       "'values' (grid)",
                       what);
  char fw[256];
#define FIELD(name) (snprintf(fw, sizeof fw, "%s.%s", what, name), fw)
#define NEED(name)                                                                            \
  const hs_doc_node *name##_n = hs_doc_get(v, #name);                                      \
  if (!name##_n)                                                                            \
    return hs_doc_fail(L->d, v, L->err, HS_ERR_INVALID, "%s: dist %s needs field '%s'", what, \
                       dist, #name);
  if (!strcmp(dist, "normal") || !strcmp(dist, "truncnormal")) {
    NEED(mean);
    NEED(sd);
    p->dist = !strcmp(dist, "normal") ? CD_NORMAL : CD_TRUNCNORMAL;
    if ((st = param_value(L, mean_n, path, FIELD("mean"), &p->a))) return st;
    /* the sd is a difference of two values: parse it as a value of the parameter's
       dimension without the parameter's range (an sd of 0.2 mmHg/mL is no Ees) */
    const char *text;
    if ((st = hs_doc_string(L->d, sd_n, FIELD("sd"), &text, L->err))) return st;
    hs_err e2;
    if ((st = hs_param_parse(&(hs_param_spec){.name = "sd", .dim = spec->dim, .max = HUGE_VAL}, text, &p->b, &e2)))
      return hs_doc_fail(L->d, sd_n, L->err, st, "%s: %s", FIELD("sd"), e2.msg);
    if (!(p->b > 0))
      return hs_doc_fail(L->d, sd_n, L->err, HS_ERR_RANGE, "%s must be > 0 (got %s)", fw, text);
    if (p->dist == CD_TRUNCNORMAL) {
      NEED(min);
      NEED(max);
      if ((st = param_value(L, min_n, path, FIELD("min"), &p->lo))) return st;
      if ((st = param_value(L, max_n, path, FIELD("max"), &p->hi))) return st;
      if (!(p->lo < p->hi))
        return hs_doc_fail(L->d, max_n, L->err, HS_ERR_RANGE, "%s: min must be below max",
                           what);
    }
  } else if (!strcmp(dist, "lognormal")) {
    NEED(median);
    NEED(cv);
    p->dist = CD_LOGNORMAL;
    double med, cv;
    if ((st = param_value(L, median_n, path, FIELD("median"), &med))) return st;
    if (!(med > 0))
      return hs_doc_fail(L->d, median_n, L->err, HS_ERR_RANGE, "%s must be > 0", fw);
    if ((st = number_in(L, cv_n, FIELD("cv"), 1e-6, 10, &cv))) return st;
    p->a = log(med);
    p->b = sqrt(log1p(cv * cv)); /* CV of a lognormal = sqrt(exp(sigma^2) - 1) */
  } else if (!strcmp(dist, "uniform")) {
    NEED(min);
    NEED(max);
    p->dist = CD_UNIFORM;
    if ((st = param_value(L, min_n, path, FIELD("min"), &p->a))) return st;
    if ((st = param_value(L, max_n, path, FIELD("max"), &p->b))) return st;
    if (!(p->a < p->b))
      return hs_doc_fail(L->d, max_n, L->err, HS_ERR_RANGE, "%s: min must be below max", what);
  } else if (!strcmp(dist, "values")) {
    NEED(values);
    if ((st = hs_doc_expect(L->d, values_n, HS_DOC_SEQ, FIELD("values"), L->err))) return st;
    size_t n = hs_doc_size(values_n);
    if (n < 1 || n > 1000)
      return hs_doc_fail(L->d, values_n, L->err, HS_ERR_RANGE,
                         "%s: %zu values (allowed 1-1000)", fw, n);
    p->dist = CD_VALUES;
    if (!(p->values = malloc(n * sizeof *p->values)))
      return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    p->nvalues = n;
    p->levels = (int)n;
    for (size_t i = 0; i < n; i++)
      if ((st = param_value(L, hs_doc_item(values_n, i), path, FIELD("values"), &p->values[i])))
        return st;
  } else {
    return hs_doc_fail(L->d, dn, L->err, HS_ERR_INVALID,
                       "%s.dist: unknown distribution '%s' (known: normal, lognormal, uniform, "
                       "truncnormal, values)",
                       what, dist);
  }
  const hs_doc_node *lv = hs_doc_get(v, "levels");
  if (lv) {
    double l;
    if ((st = number_in(L, lv, FIELD("levels"), 1, 1000, &l))) return st;
    if (l != floor(l))
      return hs_doc_fail(L->d, lv, L->err, HS_ERR_INVALID, "%s must be a whole number", fw);
    if (p->dist == CD_VALUES)
      return hs_doc_fail(L->d, lv, L->err, HS_ERR_INVALID,
                         "%s: 'levels' and 'values' exclude each other", what);
    p->levels = (int)l;
  }
#undef NEED
#undef FIELD
  return HS_OK;
}

/* table of calibrated patients: CSV, header = parameter paths, one patient per line */
static hs_status load_table(loader *L, const hs_doc_node *tn) {
  hs_cohort *c = L->c;
  const char *rel;
  hs_status st = hs_doc_string(L->d, tn, "population.table", &rel, L->err);
  if (st) return st;
  char *path = join_path(L->dir, rel);
  if (!path) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  char *text = NULL;
  size_t len = 0, pos = 0, k;
  hs_err re;
  if ((st = hs_input_read(path, 0, &text, &len, &re))) {
    st = hs_doc_fail(L->d, tn, L->err, st, "population.table: %s", re.msg);
    free(path);
    return st;
  }
  c->fingerprint = fnv1a(c->fingerprint, text, len);
  const char *cline;
  long lineno = 0;
  size_t rows = 0, rcap = 0;
  while ((k = hs_input_line(text, len, &pos, &cline)) != (size_t)-1) {
    lineno++;
    char *line = text + (cline - text); /* our own buffer: lines end in place */
    line[k] = '\0';
    if (!*line || line[0] == '#') continue;
    char *save = NULL;
    size_t col = 0;
    if (!c->p) { /* header */
      for (char *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        cohort_param *np = realloc(c->p, (c->np + 1) * sizeof *np);
        if (!np) goto nomem;
        c->p = np;
        memset(&c->p[c->np], 0, sizeof *c->p);
        if (!(c->p[c->np].path = dupstr(tok))) goto nomem;
        const hs_param_spec *spec = param_spec(c->model, tok);
        c->np++;
        if (!spec) {
          st = hs_err_set(L->err, HS_ERR_UNKNOWN,
                          "%s:%ld: column %zu: the base patient has no parameter '%s'", path,
                          lineno, col + 1, tok);
          goto out;
        }
        c->p[c->np - 1].unit = hs_dim_unit(spec->dim);
        c->p[c->np - 1].shown = hs_dim_display_unit(spec->dim, &c->p[c->np - 1].per_shown);
        col++;
      }
      if (!c->np) {
        st = hs_err_set(L->err, HS_ERR_PARSE, "%s:%ld: empty header", path, lineno);
        goto out;
      }
      continue;
    }
    if (rows == rcap) {
      rcap = rcap ? 2 * rcap : 64;
      double *nt = realloc(c->table, rcap * c->np * sizeof *nt);
      if (!nt) goto nomem;
      c->table = nt;
    }
    for (char *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      while (*tok == ' ') tok++;
      if (col >= c->np) {
        st = hs_err_set(L->err, HS_ERR_PARSE, "%s:%ld: more than the %zu columns of the header",
                        path, lineno, c->np);
        goto out;
      }
      hs_err e2;
      if ((st = hs_sim_parse_value(L->probe, c->p[col].path, tok, &c->table[rows * c->np + col],
                                   &e2))) {
        hs_err_set(L->err, st, "%s:%ld: column %zu (%s): %s", path, lineno, col + 1,
                   c->p[col].path, e2.msg);
        goto out;
      }
      col++;
    }
    if (col != c->np) {
      st = hs_err_set(L->err, HS_ERR_PARSE, "%s:%ld: %zu values, the header has %zu columns", path,
                      lineno, col, c->np);
      goto out;
    }
    rows++;
  }
  if (!rows) {
    st = hs_err_set(L->err, HS_ERR_PARSE, "%s: no patients (a header line and one line per "
                                          "patient are needed)", path);
    goto out;
  }
  c->n = rows;
  st = HS_OK;
  goto out;
nomem:
  st = hs_err_set(L->err, HS_ERR_NOMEM, "out of memory reading %s", path);
out:
  free(text);
  free(path);
  return st;
}

static int param_find(const hs_cohort *c, const char *path) {
  for (size_t k = 0; k < c->np; k++)
    if (!strcmp(c->p[k].path, path)) return (int)k;
  return -1;
}

static hs_status load_correlation(loader *L, const hs_doc_node *cn) {
  hs_cohort *c = L->c;
  hs_status st = hs_doc_expect(L->d, cn, HS_DOC_SEQ, "population.correlation", L->err);
  if (st) return st;
  size_t n = c->np;
  double *r = calloc(n * n, sizeof *r);
  if (!r || !(c->chol = malloc(n * n * sizeof *c->chol))) {
    free(r);
    return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) r[i * n + i] = 1;
  for (size_t q = 0; q < hs_doc_size(cn); q++) {
    const hs_doc_node *it = hs_doc_item(cn, q);
    if (hs_doc_kind_of(it) != HS_DOC_SEQ || hs_doc_size(it) != 3) {
      st = hs_doc_fail(L->d, it, L->err, HS_ERR_INVALID,
                       "population.correlation: each item is [parameter, parameter, r]");
      goto out;
    }
    int ij[2];
    for (int e = 0; e < 2; e++) {
      const char *name = hs_doc_text(hs_doc_item(it, (size_t)e));
      ij[e] = name ? param_find(c, name) : -1;
      if (ij[e] < 0) {
        st = hs_doc_fail(L->d, hs_doc_item(it, (size_t)e), L->err, HS_ERR_UNKNOWN,
                         "population.correlation: '%s' is not an uncertain parameter of "
                         "population.parameters",
                         name ? name : "?");
        goto out;
      }
    }
    double rho;
    if ((st = number_in(L, hs_doc_item(it, 2), "population.correlation r", -0.999, 0.999, &rho)))
      goto out;
    if (ij[0] == ij[1]) {
      st = hs_doc_fail(L->d, it, L->err, HS_ERR_INVALID,
                       "population.correlation: a parameter with itself");
      goto out;
    }
    r[ij[0] * (int)n + ij[1]] = r[ij[1] * (int)n + ij[0]] = rho;
  }
  if ((st = hs_cholesky(r, (int)n, c->chol, L->err)))
    hs_doc_fail(L->d, cn, L->err, st, "population.correlation: %s", L->err->msg);
out:
  free(r);
  return st;
}

/* Latin hypercube (McKay, Beckman, Conover 1979): per parameter a random permutation
   of the n strata (Fisher-Yates driven by the counter-based generator, stream 1). */
static hs_status make_lhs(loader *L) {
  hs_cohort *c = L->c;
  if (c->n > 0xffffffffu) return hs_err_set(L->err, HS_ERR_RANGE, "too many patients for LHS");
  if (!(c->perm = malloc(c->np * c->n * sizeof *c->perm)))
    return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory (Latin hypercube of %zu x %zu)",
                      c->n, c->np);
  for (size_t k = 0; k < c->np; k++) {
    uint32_t *p = c->perm + k * c->n;
    for (size_t i = 0; i < c->n; i++) p[i] = (uint32_t)i;
    for (size_t i = c->n - 1; i > 0; i--) {
      size_t j = (size_t)(hs_cohort_uniform(c->seed, i, 1, (uint32_t)k) * (double)(i + 1));
      if (j > i) j = i;
      uint32_t t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
  }
  return HS_OK;
}

static hs_status load_population(loader *L, const hs_doc_node *pn) {
  hs_cohort *c = L->c;
  hs_status st = hs_doc_expect(L->d, pn, HS_DOC_MAP, "population", L->err);
  if (st) return st;
  static const char *const KEYS[] = {"design", "size", "parameters", "correlation", "table", NULL};
  if ((st = check_keys(L, pn, "population", KEYS, "design, size, parameters, correlation, table")))
    return st;
  const hs_doc_node *dn = hs_doc_get(pn, "design");
  const char *design = "random";
  if (dn && (st = hs_doc_string(L->d, dn, "population.design", &design, L->err))) return st;
  static const char *const DESIGNS[] = {"random", "lhs", "sobol", "grid", "table", NULL};
  c->design = -1;
  for (int i = 0; DESIGNS[i]; i++)
    if (!strcmp(design, DESIGNS[i])) c->design = i;
  if (c->design < 0)
    return hs_doc_fail(L->d, dn, L->err, HS_ERR_INVALID,
                       "population.design: unknown design '%s' (known: random, lhs, sobol, grid, "
                       "table)",
                       design);
  const hs_doc_node *tn = hs_doc_get(pn, "table"), *parn = hs_doc_get(pn, "parameters");
  const hs_doc_node *sn = hs_doc_get(pn, "size"), *cn = hs_doc_get(pn, "correlation");
  if (c->design == DESIGN_TABLE) {
    if (!tn)
      return hs_doc_fail(L->d, pn, L->err, HS_ERR_INVALID,
                         "population: design table needs field 'table' (a CSV file)");
    if (parn || sn || cn)
      return hs_doc_fail(L->d, parn ? parn : sn ? sn : cn, L->err, HS_ERR_INVALID,
                         "population: design table takes its parameters and size from the table");
    return load_table(L, tn);
  }
  if (tn)
    return hs_doc_fail(L->d, tn, L->err, HS_ERR_INVALID,
                       "population.table: only with 'design: table'");
  if (!parn)
    return hs_doc_fail(L->d, pn, L->err, HS_ERR_INVALID,
                       "population: missing field 'parameters'");
  if ((st = hs_doc_expect(L->d, parn, HS_DOC_MAP, "population.parameters", L->err))) return st;
  size_t np = hs_doc_size(parn);
  if (np < 1 || np > 64)
    return hs_doc_fail(L->d, parn, L->err, HS_ERR_RANGE,
                       "population.parameters: %zu parameters (allowed 1-64)", np);
  if (!(c->p = calloc(np, sizeof *c->p))) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < np; k++) {
    const char *path = hs_doc_text(hs_doc_key(parn, k));
    if (!(c->p[k].path = dupstr(path))) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    c->np++;
    if ((st = load_param(L, path, hs_doc_value(parn, k), &c->p[k]))) return st;
    if (c->p[k].dist == CD_VALUES && c->design != DESIGN_GRID)
      return hs_doc_fail(L->d, hs_doc_value(parn, k), L->err, HS_ERR_INVALID,
                         "population.parameters.%s: 'values' only in a grid design", path);
  }
  if (c->design == DESIGN_GRID) {
    if (sn)
      return hs_doc_fail(L->d, sn, L->err, HS_ERR_INVALID,
                         "population.size: a grid has the product of its levels");
    if (cn)
      return hs_doc_fail(L->d, cn, L->err, HS_ERR_INVALID,
                         "population.correlation: not with a grid design");
    size_t n = 1;
    for (size_t k = 0; k < np; k++) {
      if (c->p[k].levels < 1)
        return hs_doc_fail(L->d, hs_doc_value(parn, k), L->err, HS_ERR_INVALID,
                           "population.parameters.%s: a grid needs 'levels' or 'values'",
                           c->p[k].path);
      n *= (size_t)c->p[k].levels;
      if (n > MAX_PATIENTS)
        return hs_doc_fail(L->d, parn, L->err, HS_ERR_RANGE,
                           "population: the grid has more than %u points", MAX_PATIENTS);
    }
    c->n = n;
  } else {
    if (c->design == DESIGN_SOBOL && np > HS_SOBOL_MAX_DIM)
      return hs_doc_fail(L->d, parn, L->err, HS_ERR_RANGE,
                         "population: a Sobol design has at most %d parameters (got %zu)",
                         HS_SOBOL_MAX_DIM, np);
    if (!sn && L->want_sens && c->design == DESIGN_RANDOM && !hs_doc_get(pn, "design"))
      return HS_OK; /* load_sensitivity sets the design and the size */
    if (!sn)
      return hs_doc_fail(L->d, pn, L->err, HS_ERR_INVALID,
                         "population: missing field 'size' (number of virtual patients)");
    double n;
    if ((st = number_in(L, sn, "population.size", 1, MAX_PATIENTS, &n))) return st;
    if (n != floor(n))
      return hs_doc_fail(L->d, sn, L->err, HS_ERR_INVALID, "population.size must be whole");
    c->n = (size_t)n;
    if (cn && (st = load_correlation(L, cn))) return st;
    if (c->design == DESIGN_LHS && (st = make_lhs(L))) return st;
  }
  return HS_OK;
}

static hs_status load_sets(loader *L, const hs_doc_node *sn, const char *what, cohort_set **out,
                           size_t *nout) {
  hs_status st = hs_doc_expect(L->d, sn, HS_DOC_MAP, what, L->err);
  if (st) return st;
  size_t n = hs_doc_size(sn);
  if (n && !(*out = calloc(n, sizeof **out)))
    return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) {
    const char *path = hs_doc_text(hs_doc_key(sn, k));
    char w[256];
    snprintf(w, sizeof w, "%s.%s", what, path);
    if (!((*out)[k].path = dupstr(path))) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    (*nout)++;
    if ((st = param_value(L, hs_doc_value(sn, k), path, w, &(*out)[k].value))) return st;
  }
  return HS_OK;
}

/* a strategy of a decision protocol: a compare strategy text, an optimize strategy or a
   titration policy, checked here */
static hs_status add_named_strategy(loader *L, const hs_doc_node *n, const char *text) {
  hs_cohort *c = L->c;
  hs_err e2;
  hs_status st = HS_OK;
  if (c->mode == MODE_COMPARE) {
    st = hs_strategy_check(text, NULL, 0, &e2);
  } else if (c->mode == MODE_OPTIMIZE) {
    int ok = 0;
    for (int k = 0; hs_optimize_strategies[k]; k++) ok |= !strcmp(hs_optimize_strategies[k], text);
    if (!ok)
      st = hs_err_set(&e2, HS_ERR_UNKNOWN, "unknown optimize strategy '%s' (known: ecmo-flow, "
                      "iabp, impella, septostomy, la-vent, lv-vent)", text);
  } else {
    hs_titrate_policy pol;
    st = hs_titrate_policy_parse(text, &pol, &e2);
  }
  if (st)
    return n ? hs_doc_fail(L->d, n, L->err, st, "protocol.strategies: %s", e2.msg)
             : hs_err_set(L->err, st, "%s", e2.msg);
  if (strpbrk(text, ",\"\t\n"))
    return hs_doc_fail(L->d, n, L->err, HS_ERR_INVALID,
                       "protocol.strategies: \"%s\" must have no commas, quotes or tabs", text);
  for (size_t q = 0; q < c->nstrat; q++)
    if (!strcmp(c->strat[q].name, text))
      return hs_doc_fail(L->d, n, L->err, HS_ERR_INVALID,
                         "protocol.strategies: '%s' appears twice", text);
  cohort_strategy *ns = realloc(c->strat, (c->nstrat + 1) * sizeof *ns);
  if (!ns) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  c->strat = ns;
  memset(&c->strat[c->nstrat], 0, sizeof *c->strat);
  if (!(c->strat[c->nstrat].name = dupstr(text)))
    return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  c->nstrat++;
  return HS_OK;
}

/* compare / optimize targets and context (a hemosim_targets file), titration options */
static hs_status load_decision(loader *L, const hs_doc_node *pn) {
  hs_cohort *c = L->c;
  hs_status st;
  const hs_doc_node *dn = hs_doc_get(pn, "decision"), *tn = hs_doc_get(pn, "titrate");
  if (dn && c->mode != MODE_COMPARE && c->mode != MODE_OPTIMIZE)
    return hs_doc_fail(L->d, dn, L->err, HS_ERR_INVALID,
                       "protocol.decision: only with mode compare or optimize");
  if (tn && c->mode != MODE_TITRATE)
    return hs_doc_fail(L->d, tn, L->err, HS_ERR_INVALID,
                       "protocol.titrate: only with mode titrate");
  if (dn) {
    const char *rel;
    if ((st = hs_doc_string(L->d, dn, "protocol.decision", &rel, L->err))) return st;
    char *path = join_path(L->dir, rel);
    if (!path) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    hs_err e2;
    char **list = NULL;
    st = hs_targets_load(path, &c->ctargets, &c->cctx, c->mode == MODE_COMPARE ? &list : NULL,
                         &e2);
    c->fingerprint = fnv_file(c->fingerprint, path);
    free(path);
    if (st) return hs_doc_fail(L->d, dn, L->err, st, "protocol.decision: %s", e2.msg);
    /* the file's strategies, unless the study lists its own */
    for (size_t k = 0; list && list[k] && !hs_doc_get(pn, "strategies") && !st; k++)
      st = add_named_strategy(L, dn, list[k]);
    hs_strategy_list_free(list);
    if (st) return st;
  }
  if (tn) {
    if ((st = hs_doc_expect(L->d, tn, HS_DOC_MAP, "protocol.titrate", L->err))) return st;
    static const char *const K[] = {"hours", "interval_h", NULL};
    if ((st = check_keys(L, tn, "protocol.titrate", K, "hours, interval_h"))) return st;
    const hs_doc_node *h = hs_doc_get(tn, "hours"), *iv = hs_doc_get(tn, "interval_h");
    if (h && (st = number_in(L, h, "protocol.titrate.hours", 1, 720, &c->topts.hours))) return st;
    if (iv && (st = number_in(L, iv, "protocol.titrate.interval_h", 0.05, 720,
                              &c->topts.interval_h)))
      return st;
    hs_err e2;
    if ((st = hs_titrate_check(&c->topts, &e2)))
      return hs_doc_fail(L->d, tn, L->err, st, "protocol.titrate: %s", e2.msg);
  }
  return HS_OK;
}

static hs_status load_protocol(loader *L, const hs_doc_node *pn) {
  hs_cohort *c = L->c;
  hs_status st = hs_doc_expect(L->d, pn, HS_DOC_MAP, "protocol", L->err);
  if (st) return st;
  static const char *const KEYS[] = {"mode", "run", "scenario", "set", "strategies",
                                     "decision", "titrate", NULL};
  if ((st = check_keys(L, pn, "protocol", KEYS,
                       "mode, run, scenario, set, strategies, decision, titrate")))
    return st;
  const hs_doc_node *mn = hs_doc_get(pn, "mode");
  if (mn) {
    const char *mode;
    static const char *const MODES[] = {"run", "compare", "optimize", "titrate", NULL};
    if ((st = hs_doc_string(L->d, mn, "protocol.mode", &mode, L->err))) return st;
    c->mode = -1;
    for (int k = 0; MODES[k]; k++)
      if (!strcmp(mode, MODES[k])) c->mode = k;
    if (c->mode < 0)
      return hs_doc_fail(L->d, mn, L->err, HS_ERR_INVALID,
                         "protocol.mode: unknown mode '%s' (known: run, compare, optimize, "
                         "titrate)",
                         mode);
  }
  if (c->mode != MODE_RUN) {
    const char *bad = hs_doc_get(pn, "run") ? "run" : hs_doc_get(pn, "scenario") ? "scenario" : NULL;
    if (bad)
      return hs_doc_fail(L->d, hs_doc_get(pn, bad), L->err, HS_ERR_INVALID,
                         "protocol.%s: only with mode run (compare, optimize and titrate run "
                         "their own steady states)",
                         bad);
  }
  if ((st = load_decision(L, pn))) return st;
  const hs_doc_node *rn = hs_doc_get(pn, "run");
  if (rn) {
    const char *text;
    if ((st = hs_doc_string(L->d, rn, "protocol.run", &text, L->err))) return st;
    if (strcmp(text, "steady")) {
      hs_err e2;
      if (hs_quantity_parse(HS_DIM_TIME, text, &c->duration, &e2) ||
          !(c->duration > 0 && c->duration <= 86400))
        return hs_doc_fail(L->d, rn, L->err, HS_ERR_INVALID,
                           "protocol.run: 'steady' or a duration in (0, 24 h] such as \"60 s\" "
                           "(got \"%s\")",
                           text);
    }
  }
  const hs_doc_node *scn = hs_doc_get(pn, "scenario");
  if (scn) {
    const char *rel;
    if ((st = hs_doc_string(L->d, scn, "protocol.scenario", &rel, L->err))) return st;
    char *path = join_path(L->dir, rel);
    if (!path) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    hs_err e2;
    st = hs_scenario_load_file(path, &c->scenario, &e2);
    c->fingerprint = fnv_file(c->fingerprint, path);
    free(path);
    if (st) return hs_doc_fail(L->d, scn, L->err, st, "protocol.scenario: %s", e2.msg);
  }
  const hs_doc_node *sn = hs_doc_get(pn, "set");
  if (sn && (st = load_sets(L, sn, "protocol.set", &c->common, &c->ncommon))) return st;
  const hs_doc_node *stn = hs_doc_get(pn, "strategies");
  if (stn) {
    if ((st = hs_doc_expect(L->d, stn, HS_DOC_SEQ, "protocol.strategies", L->err))) return st;
    size_t n = hs_doc_size(stn);
    if (n < 1 || n > 64)
      return hs_doc_fail(L->d, stn, L->err, HS_ERR_RANGE,
                         "protocol.strategies: %zu strategies (allowed 1-64)", n);
    if (!(c->strat = calloc(n, sizeof *c->strat)))
      return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < n; s++) {
      const hs_doc_node *it = hs_doc_item(stn, s);
      if (c->mode != MODE_RUN) {
        const char *text;
        if ((st = hs_doc_string(L->d, it, "protocol.strategies item", &text, L->err))) return st;
        if ((st = add_named_strategy(L, it, text))) return st;
        continue;
      }
      if ((st = hs_doc_expect(L->d, it, HS_DOC_MAP, "protocol.strategies item", L->err)))
        return st;
      static const char *const SK[] = {"name", "set", NULL};
      if ((st = check_keys(L, it, "protocol.strategies item", SK, "name, set"))) return st;
      const hs_doc_node *nn = hs_doc_get(it, "name");
      if (!nn)
        return hs_doc_fail(L->d, it, L->err, HS_ERR_INVALID,
                           "protocol.strategies: every strategy needs a 'name'");
      const char *name;
      if ((st = hs_doc_string(L->d, nn, "protocol.strategies name", &name, L->err))) return st;
      if (!*name || strpbrk(name, ",\"\t\n"))
        return hs_doc_fail(L->d, nn, L->err, HS_ERR_INVALID,
                           "protocol.strategies: name \"%s\" must be non-empty without commas, "
                           "quotes or tabs",
                           name);
      for (size_t q = 0; q < s; q++)
        if (!strcmp(c->strat[q].name, name))
          return hs_doc_fail(L->d, nn, L->err, HS_ERR_INVALID,
                             "protocol.strategies: two strategies named '%s'", name);
      if (!(c->strat[s].name = dupstr(name)))
        return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
      c->nstrat++;
      const hs_doc_node *ssn = hs_doc_get(it, "set");
      char w[160];
      snprintf(w, sizeof w, "protocol.strategies.%s.set", name);
      if (ssn && (st = load_sets(L, ssn, w, &c->strat[s].set, &c->strat[s].nset))) return st;
    }
  }
  return HS_OK;
}

static int metric_find(const hs_sim *sim, const char *name) {
  char buf[128];
  for (size_t k = 0; k < hs_sim_metric_count(sim); k++)
    if (!strcmp(hs_sim_metric_name(sim, k, buf, sizeof buf), name)) return (int)k;
  return -1;
}

static hs_status unknown_metric(loader *L, const hs_doc_node *n, const char *what,
                                const char *name) {
  return hs_doc_fail(L->d, n, L->err, HS_ERR_UNKNOWN,
                     "%s: unknown metric '%s' (the names of `hemosim run` output, e.g. map_mmhg, "
                     "pcwp_mmhg, co_lpm; device metrics such as ecmo_flow_lpm need the device)",
                     what, name);
}

/* an output name: a simulation metric (mode run) or a value of the decision protocol */
static int output_find(loader *L, const char *name) {
  hs_cohort *c = L->c;
  if (c->mode == MODE_RUN) return metric_find(L->probe, name);
  for (size_t k = 0; k < cohort_mode_value_count(c->mode); k++)
    if (!strcmp(cohort_mode_value_name(c->mode, k), name)) return (int)k;
  return -1;
}

static hs_status load_outputs(loader *L, const hs_doc_node *on) {
  hs_cohort *c = L->c;
  static const char *const DEF[][8] = {
      {"map_mmhg", "co_lpm", "pcwp_mmhg", "cvp_mmhg", "lvef_pct", "hr_bpm", NULL},
      {"pcwp_mmhg", "map_mmhg", "do2i_mlmin_m2", "svo2_drained_pct", "ecmo_flow_lpm",
       "recommended", "target_met", NULL},
      {"setting_value", "pcwp_mmhg", "map_mmhg", "ecmo_flow_lpm", "target_met", NULL},
      {"mean_flow_lpm", "final_flow_lpm", "mean_pvd_mm_mm2", "mean_map_mmhg",
       "not_steady_steps", NULL}};
  const char *const *def = DEF[c->mode];
  size_t n = 0;
  hs_status st;
  if (on) {
    if ((st = hs_doc_expect(L->d, on, HS_DOC_SEQ, "outputs", L->err))) return st;
    n = hs_doc_size(on);
    if (n < 1 || n > 256)
      return hs_doc_fail(L->d, on, L->err, HS_ERR_RANGE, "outputs: %zu names (allowed 1-256)", n);
  } else {
    while (def[n]) n++;
  }
  c->out = calloc(n, sizeof *c->out);
  c->out_name = calloc(n, sizeof *c->out_name);
  c->out_unit = calloc(n, sizeof *c->out_unit);
  if (!c->out || !c->out_name || !c->out_unit)
    return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) {
    const char *name = def[k < 7 ? k : 0];
    if (on && (st = hs_doc_string(L->d, hs_doc_item(on, k), "outputs", &name, L->err))) return st;
    int m = output_find(L, name);
    if (m < 0 && c->mode != MODE_RUN)
      return hs_doc_fail(L->d, on ? hs_doc_item(on, k) : NULL, L->err, HS_ERR_UNKNOWN,
                         "outputs: '%s' is not a value of protocol mode %s (docs/cohort.md lists "
                         "them)",
                         name, c->mode == MODE_COMPARE ? "compare"
                               : c->mode == MODE_OPTIMIZE ? "optimize" : "titrate");
    if (m < 0) return unknown_metric(L, on ? hs_doc_item(on, k) : NULL, "outputs", name);
    c->out[k] = (size_t)m;
    if (!(c->out_name[k] = dupstr(name))) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    c->out_unit[k] = c->mode == MODE_RUN ? hs_sim_metric_unit(L->probe, (size_t)m)
                                         : cohort_mode_value_unit(c->mode, (size_t)m);
    c->nout++;
  }
  return HS_OK;
}

/* a bound in the metric's unit; on a *_pct metric a percent by the one rule of
   hs_percent_parse ("60 %" or 60; a bare 0.6 is ambiguous, not 0.6 %) */
static hs_status bound_value(loader *L, const char *metric, const hs_doc_node *n,
                             const char *what, double *out) {
  size_t ml = strlen(metric);
  if (ml < 4 || strcmp(metric + ml - 4, "_pct")) return number_in(L, n, what, -1e9, 1e9, out);
  hs_err e2;
  if (hs_doc_kind_of(n) != HS_DOC_SCALAR || hs_percent_parse(hs_doc_text(n), out, &e2))
    return hs_doc_fail(L->d, n, L->err, HS_ERR_INVALID, "%s: %s", what,
                       hs_doc_kind_of(n) == HS_DOC_SCALAR ? e2.msg : "expected a value in %");
  return HS_OK;
}

/* acceptance ranges and targets: {metric: {min: x, max: y}} in the metric's unit */
static hs_status load_bounds(loader *L, const hs_doc_node *bn, const char *what, int targets,
                             cohort_bound **out, size_t *nout) {
  hs_cohort *c = L->c;
  hs_status st = hs_doc_expect(L->d, bn, HS_DOC_MAP, what, L->err);
  if (st) return st;
  size_t cap = 2 * hs_doc_size(bn);
  if (cap && !(*out = calloc(cap, sizeof **out)))
    return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < hs_doc_size(bn); i++) {
    const char *name = hs_doc_text(hs_doc_key(bn, i));
    const hs_doc_node *v = hs_doc_value(bn, i);
    /* acceptance: a simulation metric; targets: one of the outputs */
    int m = targets ? output_find(L, name) : metric_find(L->probe, name);
    if (m < 0 && !(targets && c->mode != MODE_RUN))
      return unknown_metric(L, hs_doc_key(bn, i), what, name);
    size_t o = 0;
    if (targets) {
      while (o < c->nout && strcmp(c->out_name[o], name)) o++;
      if (o == c->nout)
        return hs_doc_fail(L->d, hs_doc_key(bn, i), L->err, HS_ERR_INVALID,
                           "%s: '%s' must also be listed in outputs", what, name);
    }
    char w[192];
    snprintf(w, sizeof w, "%s.%s", what, name);
    if ((st = hs_doc_expect(L->d, v, HS_DOC_MAP, w, L->err))) return st;
    static const char *const K[] = {"min", "max", NULL};
    if ((st = check_keys(L, v, w, K, "min, max"))) return st;
    if (!hs_doc_size(v))
      return hs_doc_fail(L->d, v, L->err, HS_ERR_INVALID, "%s: give min, max or both", w);
    for (size_t j = 0; j < hs_doc_size(v); j++) {
      cohort_bound *b = &(*out)[(*nout)++];
      b->metric = (size_t)m;
      b->output = o;
      b->is_min = !strcmp(hs_doc_text(hs_doc_key(v, j)), "min");
      char fw[224];
      snprintf(fw, sizeof fw, "%s.%s", w, b->is_min ? "min" : "max");
      if ((st = bound_value(L, name, hs_doc_value(v, j), fw, &b->bound))) return st;
      snprintf(b->text, sizeof b->text, "%s %s %g", name, b->is_min ? ">=" : "<=", b->bound);
    }
  }
  return HS_OK;
}

static hs_status load_sensitivity(loader *L, const hs_doc_node *sn, const hs_doc_node *pn) {
  hs_cohort *c = L->c;
  hs_status st = hs_doc_expect(L->d, sn, HS_DOC_MAP, "sensitivity", L->err);
  if (st) return st;
  static const char *const K[] = {"method", "samples", "trajectories", "levels", NULL};
  if ((st = check_keys(L, sn, "sensitivity", K, "method, samples, trajectories, levels")))
    return st;
  const hs_doc_node *mn = hs_doc_get(sn, "method");
  const char *method = "sobol";
  if (mn && (st = hs_doc_string(L->d, mn, "sensitivity.method", &method, L->err))) return st;
  int morris = !strcmp(method, "morris");
  if (!morris && strcmp(method, "sobol"))
    return hs_doc_fail(L->d, mn, L->err, HS_ERR_INVALID,
                       "sensitivity.method: unknown method '%s' (known: sobol, morris)", method);
  if (c->design != DESIGN_RANDOM || c->chol || hs_doc_get(pn, "size") ||
      hs_doc_get(pn, "design"))
    return hs_doc_fail(L->d, sn, L->err, HS_ERR_INVALID,
                       "sensitivity: the population must be independent distributions without "
                       "design, size or correlation (the sensitivity design sets them)");
  const char *need = morris ? "trajectories" : "samples";
  const char *other[] = {morris ? "samples" : "trajectories", morris ? NULL : "levels"};
  for (int k = 0; k < 2; k++)
    if (other[k] && hs_doc_get(sn, other[k]))
      return hs_doc_fail(L->d, hs_doc_get(sn, other[k]), L->err, HS_ERR_INVALID,
                         "sensitivity.%s: not with method %s", other[k], method);
  const hs_doc_node *nn = hs_doc_get(sn, need);
  if (!nn)
    return hs_doc_fail(L->d, sn, L->err, HS_ERR_INVALID,
                       morris ? "sensitivity: missing field 'trajectories' (r; the study runs "
                                "r x (parameters + 1) patients)"
                              : "sensitivity: missing field 'samples' (base samples N; the "
                                "study runs N x (parameters + 2) patients)");
  char what[64];
  snprintf(what, sizeof what, "sensitivity.%s", need);
  double n;
  if ((st = number_in(L, nn, what, morris ? 2 : 4, 1e6, &n))) return st;
  if (n != floor(n))
    return hs_doc_fail(L->d, nn, L->err, HS_ERR_INVALID, "%s must be whole", what);
  c->nbase = (size_t)n;
  if (morris) {
    c->design = DESIGN_MORRIS;
    c->levels = 4;
    const hs_doc_node *ln = hs_doc_get(sn, "levels");
    double l;
    if (ln) {
      if ((st = number_in(L, ln, "sensitivity.levels", 4, 16, &l))) return st;
      if (l != floor(l) || (int)l % 2)
        return hs_doc_fail(L->d, ln, L->err, HS_ERR_INVALID,
                           "sensitivity.levels must be even (4, 6, ... 16; got %g)", l);
      c->levels = (int)l;
    }
    c->n = c->nbase * (c->np + 1);
  } else {
    c->design = DESIGN_SALTELLI;
    c->n = c->nbase * (c->np + 2);
  }
  return HS_OK;
}

static hs_status load_doc(loader *L) {
  hs_cohort *c = L->c;
  hs_doc *d = L->d;
  hs_status st;
  const hs_doc_node *root = hs_doc_root(d);
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the study file", L->err))) return st;
  const hs_doc_node *ver = hs_doc_get(root, "hemosim_cohort");
  if (!ver)
    return hs_doc_fail(d, root, L->err, HS_ERR_PARSE,
                       "not a hemosim study file: it has no field 'hemosim_cohort: 1'");
  int version;
  if ((st = hs_doc_integer(d, ver, "hemosim_cohort", &version, L->err))) return st;
  if (version != 1)
    return hs_doc_fail(d, ver, L->err, HS_ERR_RANGE,
                       "hemosim_cohort: format version %d is not supported (allowed: 1)", version);
  static const char *const TOP[] = {"hemosim_cohort", "name", "description", "patient", "seed",
                                    "population", "acceptance", "protocol", "outputs", "targets",
                                    "sensitivity", NULL};
  if ((st = check_keys(L, root, "study file", TOP,
                       "hemosim_cohort, name, description, patient, seed, population, acceptance, "
                       "protocol, outputs, targets, sensitivity")))
    return st;
  const hs_doc_node *nn = hs_doc_get(root, "name");
  const char *name = "cohort";
  if (nn && (st = hs_doc_string(d, nn, "name", &name, L->err))) return st;
  if (!(c->name = dupstr(name))) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
  const hs_doc_node *sd = hs_doc_get(root, "seed");
  if (sd) {
    const char *text = hs_doc_text(sd);
    char *end = NULL;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (!text || !*text || *end || text[0] == '-')
      return hs_doc_fail(d, sd, L->err, HS_ERR_INVALID,
                         "seed: a whole number 0-18446744073709551615 (got \"%s\")",
                         text ? text : "");
    c->seed = v;
  }
  /* the base patient, compiled once: every thread and rank shares the plan */
  const hs_doc_node *pn = hs_doc_get(root, "patient");
  hs_err e2;
  if (pn) {
    const char *rel;
    if ((st = hs_doc_string(d, pn, "patient", &rel, L->err))) return st;
    char *path = join_path(L->dir, rel);
    if (!path) return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    st = hs_patient_load_file(path, &c->model, &e2);
    c->fingerprint = fnv_file(c->fingerprint, path);
    free(path);
    if (st) return hs_doc_fail(d, pn, L->err, st, "patient: %s", e2.msg);
  } else if ((st = hs_patient_load_default(&c->model, L->err))) {
    return st;
  }
  hs_targets_default(&c->ctargets);
  hs_context_default(&c->cctx);
  hs_titrate_defaults(&c->topts);
  if (!(c->plan = hs_plan_compile(c->model, L->err))) return L->err->code;
  if (!(L->probe = hs_sim_new(c->plan, L->err))) return L->err->code;
  c->nmetrics = hs_sim_metric_count(L->probe);
  const hs_doc_node *popn = hs_doc_get(root, "population");
  if (!popn)
    return hs_doc_fail(d, root, L->err, HS_ERR_INVALID, "missing field 'population'");
  L->want_sens = hs_doc_get(root, "sensitivity") != NULL;
  if ((st = load_population(L, popn))) return st;
  const hs_doc_node *sen = hs_doc_get(root, "sensitivity");
  if (sen && (st = load_sensitivity(L, sen, popn))) return st;
  const hs_doc_node *prn = hs_doc_get(root, "protocol");
  if (prn && (st = load_protocol(L, prn))) return st;
  size_t nlisted = c->nstrat;
  if (!c->nstrat && c->mode == MODE_RUN) {
    if (!(c->strat = calloc(1, sizeof *c->strat)) || !(c->strat[0].name = dupstr("baseline")))
      return hs_err_set(L->err, HS_ERR_NOMEM, "out of memory");
    c->nstrat = 1;
  }
  for (size_t k = 0; !c->nstrat && c->mode == MODE_COMPARE && hs_builtin_strategies[k]; k++)
    if ((st = add_named_strategy(L, NULL, hs_builtin_strategies[k]))) return st;
  for (size_t k = 0; !c->nstrat && c->mode == MODE_OPTIMIZE && hs_optimize_strategies[k]; k++)
    if ((st = add_named_strategy(L, NULL, hs_optimize_strategies[k]))) return st;
  /* both policies only when the study lists none (a list of one was topped up with
     "control": [control] failed as "appears twice", [micro] ran control too) */
  for (int k = 0; c->mode == MODE_TITRATE && !nlisted && k < HS_TITRATE_POLICIES; k++)
    if ((st = add_named_strategy(L, NULL, hs_titrate_policy_name(k)))) return st;
  if ((st = load_outputs(L, hs_doc_get(root, "outputs")))) return st;
  const hs_doc_node *an = hs_doc_get(root, "acceptance");
  if (an && (st = load_bounds(L, an, "acceptance", 0, &c->accept, &c->naccept))) return st;
  const hs_doc_node *tn = hs_doc_get(root, "targets");
  if (tn && (st = load_bounds(L, tn, "targets", 1, &c->target, &c->ntarget))) return st;
  return HS_OK;
}

/*
 * Warm start (docs/cohort.md): the steady state of the base patient with protocol.set,
 * computed once per process before any patient runs.  Every steady-state run of a
 * patient starts from it (hs_sim_copy_state, after the patient's own settings) instead
 * of from rest, so a patient's rows still depend only on the study and its index
 * (identical for any number of threads and ranks).  No warm start when the base
 * patient reaches no steady state (its message is not an error of the study).
 */
static hs_status warm_state(hs_cohort *c, hs_err *err) {
  int steady_runs = c->mode == MODE_RUN ? c->duration <= 0 : c->naccept > 0;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  steady_runs = 0; /* fuzz/fuzz_cohort.c tests the parser: no warm start, as when the base
                      patient reaches no steady state */
#endif
  if (!steady_runs) return HS_OK;
  hs_err e;
  hs_sim *s = hs_sim_new(c->plan, &e);
  if (!s) return hs_err_set(err, e.code, "%s", e.msg);
  hs_status st = HS_OK;
  for (size_t k = 0; k < c->ncommon && !st; k++)
    st = hs_sim_set(s, c->common[k].path, c->common[k].value, &e);
  hs_steady_info info;
  if (!st && hs_sim_run_to_steady(s, &info, &e) == HS_OK) {
    c->warm = s;
    return HS_OK;
  }
  hs_sim_free(s);
  return HS_OK;
}

hs_status hs_cohort_load_string(const char *name, const char *text, size_t len,
                                const char *base_dir, hs_cohort **out, hs_err *err) {
  *out = NULL;
  hs_err local;
  if (!err) err = &local;
  loader L = {NULL, calloc(1, sizeof(hs_cohort)), NULL, base_dir, err, 0};
  if (!L.c) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  L.c->fingerprint = fnv1a(0xcbf29ce484222325ull, text, len);
  L.c->seed = 1;
  hs_status st = hs_doc_load_string(name, text, len, &L.d, err);
  if (!st && !(L.c->file = dupstr(name))) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if (!st) st = load_doc(&L);
  if (!st) st = warm_state(L.c, err);
  hs_sim_free(L.probe);
  hs_doc_free(L.d);
  if (st) {
    hs_cohort_free(L.c);
    return st;
  }
  *out = L.c;
  return HS_OK;
}

hs_status hs_cohort_load_file(const char *path, hs_cohort **out, hs_err *err) {
  *out = NULL;
  char *text = NULL;
  size_t n = 0;
  hs_status rst = hs_input_read(path, 0, &text, &n, err);
  if (rst) return rst;
  char *dir = dupstr(path);
  char *slash = dir ? strrchr(dir, '/') : NULL;
  if (slash) *slash = '\0';
  hs_status st = dir ? hs_cohort_load_string(path, text, n, slash ? dir : ".", out, err)
                     : hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  free(dir);
  free(text);
  return st;
}

/* ---- accessors ------------------------------------------------------------------- */

const char *hs_cohort_name(const hs_cohort *c) { return c->name; }
uint64_t hs_cohort_seed(const hs_cohort *c) { return c->seed; }
uint64_t hs_cohort_fingerprint(const hs_cohort *c) {
  return fnv1a(c->fingerprint, &c->seed, sizeof c->seed);
}
size_t hs_cohort_patient_count(const hs_cohort *c) { return c->n; }
size_t hs_cohort_param_count(const hs_cohort *c) { return c->np; }
const char *hs_cohort_param_name(const hs_cohort *c, size_t k) {
  return k < c->np ? c->p[k].path : NULL;
}
const char *hs_cohort_param_unit(const hs_cohort *c, size_t k) {
  return k < c->np ? c->p[k].unit : NULL;
}
size_t hs_cohort_strategy_count(const hs_cohort *c) { return c->nstrat; }
const char *hs_cohort_strategy_name(const hs_cohort *c, size_t s) {
  return s < c->nstrat ? c->strat[s].name : NULL;
}
size_t hs_cohort_output_count(const hs_cohort *c) { return c->nout; }
const char *hs_cohort_output_name(const hs_cohort *c, size_t k) {
  return k < c->nout ? c->out_name[k] : NULL;
}
const char *hs_cohort_output_unit(const hs_cohort *c, size_t k) {
  return k < c->nout ? c->out_unit[k] : NULL;
}
size_t hs_cohort_target_count(const hs_cohort *c) { return c->ntarget; }
const char *hs_cohort_target_text(const hs_cohort *c, size_t t) {
  return t < c->ntarget ? c->target[t].text : NULL;
}
int hs_cohort_has_sensitivity(const hs_cohort *c) {
  return c->design == DESIGN_SALTELLI || c->design == DESIGN_MORRIS;
}

/* ---- sampling -------------------------------------------------------------------- */

/* inverse CDF of parameter k's marginal at u in (0, 1) */
static double quantile(const cohort_param *p, double u) {
  switch (p->dist) {
  case CD_NORMAL:
    return p->a + p->b * hs_norm_quantile(u);
  case CD_LOGNORMAL:
    return exp(p->a + p->b * hs_norm_quantile(u));
  case CD_UNIFORM:
    return p->a + (p->b - p->a) * u;
  case CD_TRUNCNORMAL: {
    double al = (p->lo - p->a) / p->b, be = (p->hi - p->a) / p->b;
    double x;
    if (al > 0) { /* upper tail: work with the mirror image for accuracy */
      double fa = hs_norm_cdf(-al), fb = hs_norm_cdf(-be);
      x = -hs_norm_quantile(fa - u * (fa - fb));
    } else {
      double fa = hs_norm_cdf(al), fb = hs_norm_cdf(be);
      x = hs_norm_quantile(fa + u * (fb - fa));
    }
    double v = p->a + p->b * x;
    return v < p->lo ? p->lo : v > p->hi ? p->hi : v; /* rounding only */
  }
  default: /* CD_VALUES: u picks one of the values */
    return p->values[(size_t)(u * (double)p->nvalues) < p->nvalues
                         ? (size_t)(u * (double)p->nvalues)
                         : p->nvalues - 1];
  }
}

hs_status hs_cohort_sample(const hs_cohort *c, size_t i, double *x, hs_err *err) {
  if (i >= c->n)
    return hs_err_set(err, HS_ERR_RANGE, "patient %zu: the study has %zu patients", i, c->n);
  size_t np = c->np;
  if (c->design == DESIGN_TABLE) {
    memcpy(x, c->table + i * np, np * sizeof *x);
    return HS_OK;
  }
  double u[64];
  switch (c->design) {
  case DESIGN_RANDOM:
    for (size_t k = 0; k < np; k++) u[k] = hs_cohort_uniform(c->seed, i, 0, (uint32_t)k);
    break;
  case DESIGN_LHS:
    for (size_t k = 0; k < np; k++)
      u[k] = ((double)c->perm[k * c->n + i] + hs_cohort_uniform(c->seed, i, 2, (uint32_t)k)) /
             (double)c->n;
    break;
  case DESIGN_SOBOL: {
    /* point i + 1: the first Sobol point is the corner 0, outside (0, 1) */
    hs_status st = hs_sobol_point((uint64_t)i + 1, (int)np, u, err);
    if (st) return st;
    for (size_t k = 0; k < np; k++)
      if (u[k] <= 0) u[k] = 0x1p-33; /* exact zeros later in the sequence: half a cell */
    break;
  }
  case DESIGN_GRID: {
    size_t r = i;
    for (size_t k = np; k-- > 0;) { /* the last parameter varies fastest */
      size_t l = r % (size_t)c->p[k].levels;
      r /= (size_t)c->p[k].levels;
      x[k] = c->p[k].dist == CD_VALUES ? c->p[k].values[l]
                                       : quantile(&c->p[k], ((double)l + 0.5) / c->p[k].levels);
    }
    return HS_OK;
  }
  case DESIGN_MORRIS: { /* trajectory i / (d + 1), its point i % (d + 1) */
    double *traj = malloc((np + 1) * np * sizeof *traj), delta[64];
    int order[64];
    if (!traj) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    hs_morris_trajectory(c->seed, i / (np + 1), (int)np, c->levels, traj, order, delta);
    memcpy(u, traj + (i % (np + 1)) * np, np * sizeof *u);
    free(traj);
    break;
  }
  case DESIGN_SALTELLI: {
    /* Saltelli 2010: matrices A and B from one 2d-dimensional sequence (Sobol points
       when 2d <= 21, else the counter-based generator); block 0 = A, 1 = B, 2 + k = A
       with column k from B. */
    size_t j = i % c->nbase, blk = i / c->nbase;
    double ab[128];
    if (2 * np <= HS_SOBOL_MAX_DIM) {
      hs_status st = hs_sobol_point((uint64_t)j + 1, (int)(2 * np), ab, err);
      if (st) return st;
      for (size_t k = 0; k < 2 * np; k++)
        if (ab[k] <= 0) ab[k] = 0x1p-33;
    } else {
      for (size_t k = 0; k < 2 * np; k++) ab[k] = hs_cohort_uniform(c->seed, j, 3, (uint32_t)k);
    }
    for (size_t k = 0; k < np; k++) {
      int from_b = blk == 1 || (blk >= 2 && blk - 2 == k);
      u[k] = ab[from_b ? np + k : k];
    }
    break;
  }
  default:
    return hs_err_set(err, HS_ERR_STATE, "unknown design");
  }
  if (c->chol) { /* Gaussian copula: z = L Phi^-1(u), u' = Phi(z) */
    double z[64], w[64];
    for (size_t k = 0; k < np; k++) z[k] = hs_norm_quantile(u[k]);
    for (size_t r = 0; r < np; r++) {
      double s = 0;
      for (size_t k = 0; k <= r; k++) s += c->chol[r * np + k] * z[k];
      w[r] = s;
    }
    for (size_t k = 0; k < np; k++) {
      u[k] = hs_norm_cdf(w[k]);
      if (u[k] <= 0) u[k] = 0x1p-1074;
      if (u[k] >= 1) u[k] = 1 - 0x1p-53;
    }
  }
  for (size_t k = 0; k < np; k++) x[k] = quantile(&c->p[k], u[k]);
  return HS_OK;
}
