/*
 * cmd_validate.c - `hemosim validate`: the validation suite (published experiments
 * reproduced, the YAML files in tests/validation/cases/) and the golden per-patient metrics
 * (tests/golden/<patient>.json).  docs/validation-format.md describes both.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "hemosim/validate.h"

#ifndef HS_GIT_COMMIT
#define HS_GIT_COMMIT ""
#endif

#define DEFAULT_CASES "tests/validation/cases"
#define DEFAULT_GOLDEN "tests/golden"
#define DEFAULT_PATIENTS "examples/patients"

static const char VALIDATE_HELP[] =
    "usage: hemosim validate [CASE_FILE_OR_DIR...] [options]\n"
    "       hemosim validate --check-golden | --refresh-golden [options]\n"
    "\n"
    "Run validation cases (published experiments reproduced; format in\n"
    "docs/validation-format.md) and print, per check: case, quantity, published\n"
    "value, the simulated number, the accepted band and whether it holds.  Without\n"
    "CASE_FILE_OR_DIR the cases in " DEFAULT_CASES "/ (relative to the current\n"
    "directory, normally the repository root) are run.\n"
    "\n"
    "options:\n"
    "      --markdown FILE    write the report as Markdown (docs/validation.md)\n"
    "      --json FILE        write the report as JSON ('-' = standard output)\n"
    "  -q, --quiet            print only checks that do not hold, and the summary\n"
    "      --threads N        conditions run in parallel (default: online cores);\n"
    "                         results do not depend on N\n"
    "      --root DIR         directory that patient paths are relative to\n"
    "                         (default: the current directory)\n"
    "      --commit TEXT      commit named in the Markdown header (default: the one\n"
    "                         the binary was configured from, if known)\n"
    "\n"
    "golden per-patient metrics:\n"
    "      --check-golden     run every " DEFAULT_PATIENTS "/*.yaml to steady state and\n"
    "                         compare every metric with " DEFAULT_GOLDEN "/<name>.json;\n"
    "                         lists each drifting quantity with old, new, tolerance\n"
    "      --refresh-golden   rewrite the golden files from fresh runs (on purpose,\n"
    "                         after a justified change of the numbers) and list what\n"
    "                         changed\n"
    "      --golden-dir DIR   default " DEFAULT_GOLDEN "\n"
    "      --patients-dir DIR default " DEFAULT_PATIENTS "\n"
    "  -h, --help             this text\n"
    "\n"
    "scripts/regen_docs.sh regenerates docs/validation.md, the golden files and\n"
    "the README figures in one go.\n"
    "\n"
    "exit status: 0 every check holds or is a declared known failure (an unexpected\n"
    "pass of a known failure is reported loudly but exits 0); 1 usage error;\n"
    "2 a check fails or cannot be computed, a golden quantity drifted, or an input\n"
    "error (malformed case file: file:line:col, field, value, allowed values).\n";

/* ------------------------------------------------------------------ file lists */
typedef struct strlist {
  char **s;
  size_t n, cap;
} strlist;

static int sl_push(strlist *l, const char *s) {
  if (l->n == l->cap) {
    size_t c = l->cap ? 2 * l->cap : 16;
    char **p = realloc(l->s, c * sizeof *p);
    if (!p) return -1;
    l->s = p, l->cap = c;
  }
  if (!(l->s[l->n] = strdup(s))) return -1;
  l->n++;
  return 0;
}

static void sl_free(strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->s[i]);
  free(l->s);
  l->s = NULL, l->n = l->cap = 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_ext(const char *name, const char *const *exts) {
  size_t n = strlen(name);
  for (; *exts; exts++) {
    size_t e = strlen(*exts);
    if (n > e && !strcmp(name + n - e, *exts)) return 1;
  }
  return 0;
}

/* Files of dir with one of the extensions, sorted; -1 if dir cannot be read. */
static int list_dir(const char *dir, const char *const *exts, strlist *out) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  struct dirent *e;
  size_t first = out->n;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !has_ext(e->d_name, exts)) continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(n);
    if (!p) break;
    snprintf(p, n, "%s/%s", dir, e->d_name);
    int bad = sl_push(out, p);
    free(p);
    if (bad) break;
  }
  closedir(d);
  qsort(out->s + first, out->n - first, sizeof *out->s, cmp_str);
  return 0;
}

static int is_dir(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static const char *base_name(const char *p) {
  const char *b = strrchr(p, '/');
  return b ? b + 1 : p;
}

/* "dir/name.yaml" -> "name" into buf. */
static void stem(const char *p, char *buf, size_t n) {
  snprintf(buf, n, "%s", base_name(p));
  char *dot = strrchr(buf, '.');
  if (dot) *dot = '\0';
}

/* ------------------------------------------------------------------ golden */

static int golden_mode(int refresh, const char *root, const char *golden_dir,
                       const char *patients_dir, int threads, int quiet) {
  static const char *const YAML[] = {".yaml", ".yml", NULL};
  static const char *const JSON[] = {".json", NULL};
  strlist patients = {0}, files = {0};
  hs_err err = {HS_OK, ""};
  int rc = HS_EXIT_OK;
  char *pdir = NULL, *gdir = NULL;
  size_t np = strlen(root) + strlen(patients_dir) + 2, ng = strlen(root) + strlen(golden_dir) + 2;
  pdir = malloc(np), gdir = malloc(ng);
  if (!pdir || !gdir) goto nomem;
  snprintf(pdir, np, "%s/%s", root, patients_dir);
  snprintf(gdir, ng, "%s/%s", root, golden_dir);
  if (!strcmp(root, ".")) snprintf(pdir, np, "%s", patients_dir), snprintf(gdir, ng, "%s", golden_dir);
  if (list_dir(pdir, YAML, &patients) != 0) {
    rc = hs_cli_usage("validate", "cannot read the patient directory '%s' (run from the "
                                  "repository root, or give --root / --patients-dir)",
                      pdir);
    goto done;
  }
  if (list_dir(gdir, JSON, &files) != 0 && !refresh) {
    fprintf(stderr,
            "hemosim validate: error: no golden directory '%s': create the golden files with "
            "`hemosim validate --refresh-golden` (or scripts/regen_docs.sh)\n",
            gdir);
    rc = HS_EXIT_FAIL;
    goto done;
  }
  /* patient paths relative to the root, as stored in the golden files */
  const char **rel = calloc(patients.n + 1, sizeof *rel);
  hs_golden **fresh = calloc(patients.n + 1, sizeof *fresh);
  char **relbuf = calloc(patients.n + 1, sizeof *relbuf);
  if (!rel || !fresh || !relbuf) {
    free(rel), free(fresh), free(relbuf);
    goto nomem;
  }
  for (size_t i = 0; i < patients.n; i++) {
    size_t n = strlen(patients_dir) + strlen(base_name(patients.s[i])) + 2;
    relbuf[i] = malloc(n);
    if (relbuf[i]) snprintf(relbuf[i], n, "%s/%s", patients_dir, base_name(patients.s[i]));
    rel[i] = relbuf[i] ? relbuf[i] : "";
  }
  if (hs_golden_run_many(root, rel, patients.n, threads, fresh, &err)) {
    rc = hs_cli_fail(&err);
  } else {
    size_t drifting = 0, missing = 0, written = 0;
    for (size_t i = 0; i < patients.n; i++) {
      char name[256];
      stem(patients.s[i], name, sizeof name);
      size_t n = strlen(gdir) + strlen(name) + 8;
      char *path = malloc(n);
      if (!path) break;
      snprintf(path, n, "%s/%s.json", gdir, name);
      hs_golden *old = NULL;
      hs_err e2 = {HS_OK, ""};
      hs_status lst = hs_golden_load(path, &old, &e2);
      if (lst && (!refresh || lst != HS_ERR_IO)) {
        if (lst == HS_ERR_IO)
          fprintf(stderr,
                  "hemosim validate: %s has no golden file %s (a new patient?): run "
                  "`hemosim validate --refresh-golden` (or scripts/regen_docs.sh) and commit "
                  "the file\n",
                  rel[i], path);
        else fprintf(stderr, "hemosim validate: %s\n", e2.msg);
        if (!refresh) missing++;
      }
      size_t nd = old ? hs_golden_compare(old, fresh[i], NULL, 0) : 0;
      hs_golden_drift *dr = nd ? calloc(nd, sizeof *dr) : NULL;
      if (dr) hs_golden_compare(old, fresh[i], dr, nd);
      if (nd)
        fprintf(refresh ? stdout : stderr, "%s: %zu quantit%s %s (tolerance = max(abs_tol, "
                                           "rel_tol |old|)):\n",
                rel[i], nd, nd == 1 ? "y" : "ies", refresh ? "changed" : "drifted");
      for (size_t k = 0; dr && k < nd; k++) {
        FILE *f = refresh ? stdout : stderr;
        if (dr[k].kind == HS_DRIFT_MISSING)
          fprintf(f, "  %-34s old %.6g %s, no longer reported\n", dr[k].name, dr[k].old_value,
                  dr[k].unit);
        else if (dr[k].kind == HS_DRIFT_NEW)
          fprintf(f, "  %-34s new quantity %.6g %s, not in the golden file\n", dr[k].name,
                  dr[k].new_value, dr[k].unit);
        else
          fprintf(f, "  %-34s old %.6g  new %.6g  %s  (change %+.4g, tolerance %.4g)\n",
                  dr[k].name, dr[k].old_value, dr[k].new_value, dr[k].unit,
                  dr[k].new_value - dr[k].old_value, dr[k].tolerance);
      }
      free(dr);
      if (!refresh && nd) drifting++;
      if (refresh) {
        char *text = hs_golden_json(fresh[i], &e2);
        if (!text || hs_write_file_atomic(path, text, strlen(text), &e2)) {
          free(text);
          hs_golden_free(old);
          free(path);
          rc = hs_cli_fail(&e2);
          break;
        }
        free(text);
        written++;
      }
      hs_golden_free(old);
      free(path);
    }
    /* golden files whose patient is gone */
    size_t stale = 0;
    for (size_t j = 0; j < files.n; j++) {
      char g[256];
      stem(files.s[j], g, sizeof g);
      int found = 0;
      for (size_t i = 0; i < patients.n && !found; i++) {
        char p[256];
        stem(patients.s[i], p, sizeof p);
        found = !strcmp(p, g);
      }
      if (!found) {
        fprintf(stderr,
                "hemosim validate: golden file %s has no patient %s/%s.yaml: delete it "
                "(`git rm %s`) if the patient was removed on purpose\n",
                files.s[j], patients_dir, g, files.s[j]);
        stale++;
      }
    }
    if (rc == HS_EXIT_OK) {
      if (refresh) {
        printf("hemosim validate: wrote %zu golden files to %s\n", written, gdir);
      } else if (drifting || missing || stale) {
        fprintf(stderr,
                "hemosim validate: golden check FAILED: %zu of %zu patients drifted, %zu "
                "without a golden file, %zu stale golden files.  If the change is intended, "
                "refresh on purpose with `hemosim validate --refresh-golden` (or "
                "scripts/regen_docs.sh) and say why in the commit message.\n",
                drifting, patients.n, missing, stale);
        rc = HS_EXIT_FAIL;
      } else {
        printf("hemosim validate: golden check passed: %zu patients, every metric within "
               "its tolerance\n",
               patients.n);
      }
    }
  }
  for (size_t i = 0; i < patients.n; i++) hs_golden_free(fresh[i]), free(relbuf[i]);
  free(fresh), free(rel), free(relbuf);
done:
  sl_free(&patients);
  sl_free(&files);
  free(pdir), free(gdir);
  return rc;
nomem:
  err.code = HS_ERR_NOMEM;
  snprintf(err.msg, sizeof err.msg, "out of memory");
  rc = hs_cli_fail(&err);
  goto done;
}

/* ------------------------------------------------------------------ table */

/* Warnings for conditions that did not reach steady state, then the library's table of
   the checks (only the problems with -q). */
static int print_table(const hs_vresult *r, size_t n, int quiet) {
  for (size_t i = 0; i < n; i++) {
    const hs_vcase *c = r[i].vcase;
    for (size_t j = 0; j < r[i].nconditions; j++)
      if (!r[i].conditions[j].status && !r[i].conditions[j].steady_reached &&
          hs_vcase_condition(c, j)->duration_s <= 0)
        fprintf(stderr,
                "hemosim validate: warning: %s: condition '%s' did not reach steady state in "
                "%ld beats; its metrics are the last beats\n",
                hs_vcase_id(c), hs_vcase_condition(c, j)->name, r[i].conditions[j].beats);
  }
  hs_err err = {HS_OK, ""};
  char *text = hs_validate_text(r, n, quiet, &err);
  if (!text) return hs_cli_fail(&err);
  fputs(text, stdout);
  free(text);
  return HS_EXIT_OK;
}

/* ------------------------------------------------------------------ main */

int hs_cmd_validate(int argc, char **argv) {
  static const char *const YAML[] = {".yaml", ".yml", NULL};
  const char *markdown = NULL, *json = NULL, *root = ".", *commit = HS_GIT_COMMIT;
  const char *golden_dir = DEFAULT_GOLDEN, *patients_dir = DEFAULT_PATIENTS;
  int quiet = 0, check_golden = 0, refresh_golden = 0;
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  strlist args = {0}, files = {0};
  int rc = HS_EXIT_FAIL;
  hs_vcase **cases = NULL;
  size_t ncases = 0;
  hs_vresult *res = NULL;
  hs_err err = {HS_OK, ""};
  enum { O_MD = 256, O_JSON, O_THREADS, O_ROOT, O_COMMIT, O_GDIR, O_PDIR, O_CHECK, O_REFRESH };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},           {"quiet", no_argument, NULL, 'q'},
      {"markdown", required_argument, NULL, O_MD}, {"json", required_argument, NULL, O_JSON},
      {"threads", required_argument, NULL, O_THREADS},
      {"root", required_argument, NULL, O_ROOT},   {"commit", required_argument, NULL, O_COMMIT},
      {"golden-dir", required_argument, NULL, O_GDIR},
      {"patients-dir", required_argument, NULL, O_PDIR},
      {"check-golden", no_argument, NULL, O_CHECK},
      {"refresh-golden", no_argument, NULL, O_REFRESH},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt("validate", argc, argv, "hq", LONG)) != -1;) {
    switch (c) {
    case 'h':
      fputs(VALIDATE_HELP, stdout);
      rc = HS_EXIT_OK;
      goto done;
    case 'q': quiet = 1; break;
    case O_MD: markdown = optarg; break;
    case O_JSON: json = optarg; break;
    case O_ROOT: root = optarg; break;
    case O_COMMIT: commit = optarg; break;
    case O_GDIR: golden_dir = optarg; break;
    case O_PDIR: patients_dir = optarg; break;
    case O_CHECK: check_golden = 1; break;
    case O_REFRESH: refresh_golden = 1; break;
    case O_THREADS: {
      int trc = hs_cli_parse_threads("validate", optarg, &threads);
      if (trc != HS_EXIT_OK) {
        rc = trc;
        goto done;
      }
      break;
    }
    default: rc = HS_EXIT_USAGE; goto done;
    }
  }
  for (int i = optind; i < argc; i++)
    if (sl_push(&args, argv[i])) {
      rc = hs_cli_usage("validate", "out of memory");
      goto done;
    }
  if (check_golden && refresh_golden) {
    rc = hs_cli_usage("validate", "--check-golden and --refresh-golden exclude each other");
    goto done;
  }
  if (check_golden || refresh_golden) {
    if (args.n || markdown || json) {
      rc = hs_cli_usage("validate", "--%s-golden takes no case files, --markdown or --json",
                        check_golden ? "check" : "refresh");
      goto done;
    }
    rc = golden_mode(refresh_golden, root, golden_dir, patients_dir, threads, quiet);
    goto done;
  }
  if (!args.n) {
    if (!is_dir(DEFAULT_CASES)) {
      rc = hs_cli_usage("validate",
                        "no case files given and no '" DEFAULT_CASES "' directory here: run "
                        "from the repository root or name CASE_FILE_OR_DIR");
      goto done;
    }
    sl_push(&args, DEFAULT_CASES);
  }
  for (size_t i = 0; i < args.n; i++) {
    if (is_dir(args.s[i])) {
      size_t before = files.n;
      list_dir(args.s[i], YAML, &files);
      if (files.n == before) {
        rc = hs_cli_usage("validate", "no case files (*.yaml) in '%s'", args.s[i]);
        goto done;
      }
    } else if (sl_push(&files, args.s[i])) {
      rc = hs_cli_usage("validate", "out of memory");
      goto done;
    }
  }
  cases = calloc(files.n + 1, sizeof *cases);
  if (!cases) goto fail;
  size_t load_errors = 0;
  for (size_t i = 0; i < files.n; i++) {
    hs_err e2 = {HS_OK, ""};
    if (hs_vcase_load_file(files.s[i], root, &cases[ncases], &e2)) {
      fprintf(stderr, "hemosim: error: %s\n", e2.msg);
      load_errors++;
    } else {
      for (size_t j = 0; j < ncases; j++)
        if (!strcmp(hs_vcase_id(cases[j]), hs_vcase_id(cases[ncases]))) {
          fprintf(stderr, "hemosim: error: %s: case id '%s' is also used by %s\n", files.s[i],
                  hs_vcase_id(cases[ncases]), hs_vcase_file(cases[j]));
          load_errors++;
        }
      ncases++;
    }
  }
  if (load_errors) {
    fprintf(stderr, "hemosim validate: %zu case file error%s; nothing was run\n", load_errors,
            load_errors == 1 ? "" : "s");
    rc = HS_EXIT_FAIL;
    goto done;
  }
  if (hs_validate_run((const hs_vcase *const *)cases, ncases, threads, &res, &err)) goto fail;
  int json_stdout = json && !strcmp(json, "-"); /* standard output carries only the JSON */
  if (!json_stdout && (rc = print_table(res, ncases, quiet)) != HS_EXIT_OK) goto done;
  hs_vtally t;
  hs_vtally_of(res, ncases, &t);
  /* the provenance line names the command as a user would type it */
  char command[1024];
  snprintf(command, sizeof command, "hemosim validate");
  for (size_t i = 0; i < args.n && !(args.n == 1 && !strcmp(args.s[0], DEFAULT_CASES)); i++) {
    size_t l = strlen(command);
    snprintf(command + l, sizeof command - l, " %s", args.s[i]);
  }
  if (markdown) {
    size_t l = strlen(command);
    snprintf(command + l, sizeof command - l, " --markdown %s", "docs/validation.md");
  }
  hs_vprovenance prov = {command, HS_VERSION, commit};
  if (markdown) {
    char *md = hs_validate_markdown(res, ncases, &prov, &err);
    if (!md || hs_write_file_atomic(markdown, md, strlen(md), &err)) {
      free(md);
      goto fail;
    }
    free(md);
  }
  if (json) {
    char *js = hs_validate_json(res, ncases, &prov, &err);
    if (!js) goto fail;
    hs_status st = HS_OK;
    if (json_stdout) printf("%s\n", js);
    else st = hs_write_file_atomic(json, js, strlen(js), &err);
    free(js);
    if (st) goto fail;
  }
  if (t.unexpected_passes) {
    fprintf(stderr,
            "hemosim validate: WARNING: %zu known failure%s now pass%s: fix the case file "
            "(remove `known_failure`) so the list of known failures stays honest:\n",
            t.unexpected_passes, t.unexpected_passes == 1 ? "" : "s",
            t.unexpected_passes == 1 ? "es" : "");
    for (size_t i = 0; i < ncases; i++)
      for (size_t k = 0; k < res[i].nchecks; k++)
        if (res[i].checks[k].verdict == HS_VERDICT_UNEXPECTED_PASS)
          fprintf(stderr, "  %s:%d: %s\n", hs_vcase_file(cases[i]),
                  hs_vcase_check(cases[i], k)->line, hs_vcase_check(cases[i], k)->quantity);
  }
  fprintf(json_stdout ? stderr : stdout,
          "%zu cases, %zu checks: %zu hold, %zu FAIL, %zu known failures, %zu unexpected "
          "passes, %zu errors\n",
          t.cases, t.checks, t.holds, t.fails, t.known_failures, t.unexpected_passes, t.errors);
  rc = t.fails || t.errors ? HS_EXIT_FAIL : HS_EXIT_OK;
  goto done;
fail:
  if (!err.code) err.code = HS_ERR_NOMEM, snprintf(err.msg, sizeof err.msg, "out of memory");
  rc = hs_cli_fail(&err);
done:
  hs_vresults_free(res, ncases);
  for (size_t i = 0; i < ncases; i++) hs_vcase_free(cases[i]);
  free(cases);
  sl_free(&args);
  sl_free(&files);
  return rc;
}
