/*
 * main.c - `hemosim <command> ...`: dispatch through a table of subcommands.
 * Only the CLI prints, parses argv or exits; the library returns statuses.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hemosim/micro_model.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command COMMANDS[] = {
    {"run", hs_cmd_run, "simulate a patient (default: the bundled healthy adult) to steady state"},
    {"params", hs_cmd_params, "list every model parameter with unit, default, range and source"},
    {"describe", hs_cmd_describe, "list a patient's nodes, edges, devices, roles and parameters"},
    {"micro", hs_cmd_micro, "sublingual microcirculation analysis (consensus 2018) and trial schedule"},
    {"compare", hs_cmd_compare, "compare LV unloading strategies on VA-ECMO and recommend one"},
    {"wean", hs_cmd_wean, "VA-ECMO weaning trial: flow down, vent clamped, readiness criteria"},
    {"optimize", hs_cmd_optimize, "find the least support of one strategy that meets the targets"},
    {"calibrate", hs_cmd_calibrate, "fit a patient to bedside measurements, with identifiability"},
    {"stroke", hs_cmd_stroke, "no-reflow calculators: mCIS, reperfusion, perfusion, TCD, doses"},
    {"cohort", hs_cmd_cohort, "virtual cohort / in-silico trial from a study file (threads, MPI)"},
    {"trial", hs_cmd_trial, "trial database: enrolment, allocation, visits, audit, analysis"},
    {"validate", hs_cmd_validate, "validation suite (published experiments) and golden metrics"},
    {"serve", hs_cmd_serve, "local web app: live monitor, PV loops, device controls, decisions"},
};

static void usage(FILE *f) {
  fprintf(f,
          "hemosim %s - closed-loop circulation simulator for critical care\n\n"
          "usage: hemosim <command> [options]\n\ncommands:\n",
          HS_VERSION);
  for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
    fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
  fprintf(f,
          "\n`hemosim <command> --help` describes a command.  Documentation: docs/cli.md\n"
          "Internal units: mmHg, mL, s; inputs accept units (\"4.5 L/min\", \"80 kg\").\n");
}

void hs_cli_opt_begin(void) {
  optind = 0; /* GNU: full re-initialisation before a new argument vector */
  opterr = 0; /* messages are ours (hs_cli_getopt) */
}

int hs_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
                  const struct option *longopts) {
  char so[64];
  snprintf(so, sizeof so, ":%s", shortopts); /* leading ':' -> ':' for a missing value */
  int c = getopt_long(argc, argv, so, longopts, NULL);
  if (c != '?' && c != ':') return c;
  const char *at = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
  if (c == ':') {
    hs_cli_usage(cmd, "option %s needs a value", at);
  } else if (optopt && !strncmp(at, "--", 2)) {
    hs_cli_usage(cmd, "option %.*s takes no value", (int)strcspn(at, "="), at);
  } else if (optopt) {
    hs_cli_usage(cmd, "unknown option '-%c'", optopt);
  } else {
    hs_cli_usage(cmd, "unknown option '%s'", at);
  }
  return HS_OPT_ERROR;
}

int hs_cli_fail(const hs_err *err) {
  fprintf(stderr, "hemosim: error: %s\n", err->msg);
  return HS_EXIT_FAIL;
}

int hs_cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "hemosim %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(see `hemosim %s --help`)\n", cmd);
  va_end(ap);
  return HS_EXIT_USAGE;
}

hs_status hs_cli_load_patient(const char *path, hs_model **out, hs_err *err) {
  return path ? hs_patient_load_file(path, out, err) : hs_patient_load_default(out, err);
}

/* The blood volume the model will start from when it follows the weight, else 0. */
static double weight_volume(const hs_model *m) {
  double bv = 0, w = 0, per_kg = 0, scale = 1;
  if (hs_model_get(m, "circulation.blood_volume", &bv, NULL) || bv > 0 ||
      hs_model_get(m, "body.weight", &w, NULL) ||
      hs_model_get(m, "body.blood_volume_per_kg", &per_kg, NULL) ||
      hs_model_get(m, "body.scale_volume", &scale, NULL) || scale < 0.5)
    return 0;
  return w * per_kg;
}

int hs_cli_apply_micro(const char *cmd, const char *file, hs_model *m, char set[3][80]) {
  hs_err err = {HS_OK, ""};
  hs_micro_input *in = NULL;
  hs_micro_result *r = calloc(1, sizeof *r);
  hs_micro_patient_fit *f = calloc(1, sizeof *f);
  int rc = HS_EXIT_FAIL;
  if (!r || !f) {
    hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
  } else if (hs_micro_load_file(file, &in, &err) || hs_micro_analyze(in, NULL, r, &err) ||
             hs_micro_fit_patient(m, in, r, f, &err)) {
    hs_err_prefix(&err, "--micro %s: ", file);
  } else if (hs_micro_model_params_to_model(m, &f->fit.p, &err) == HS_OK) {
    const double v[HS_MFIT_COUNT] = {f->fit.p.obstructed, f->fit.p.oedema,
                                     f->fit.p.vasoconstriction};
    rc = HS_EXIT_OK;
    for (int k = 0; k < HS_MFIT_COUNT; k++)
      snprintf(set[k], 80, "microcirculation.%s=%.4g", hs_micro_fit_field_name(k), v[k]);
    fprintf(stderr,
            "hemosim: %s: microcirculation fitted to %s (measured PSVD %.1f mm/mm2%s): "
            "obstructed %.4g, oedema %.4g, vasoconstriction %.4g (hemosim micro fit)\n",
            cmd, file, f->meas.pvd_mm_mm2, f->steady ? "" : "; steady state not reached", v[0],
            v[1], v[2]);
    for (int k = 0; k < HS_MFIT_COUNT; k++)
      if (f->fit.note[k][0])
        fprintf(stderr, "hemosim: %s: note: %s at its limit: %s\n", cmd,
                hs_micro_fit_field_name(k), f->fit.note[k]);
  }
  if (rc != HS_EXIT_OK) rc = hs_cli_fail(&err);
  hs_micro_input_free(in);
  free(r);
  free(f);
  return rc;
}

int hs_cli_apply_sets(const char *cmd, hs_model *m, const char *const *sets, int nsets) {
  hs_err err;
  double bv0 = weight_volume(m);
  for (int k = 0; k < nsets; k++) {
    char name[128];
    const char *eq = strchr(sets[k], '=');
    if (!eq || eq == sets[k] || (size_t)(eq - sets[k]) >= sizeof name)
      return hs_cli_usage(cmd, "--set needs NAME=VALUE (got '%s')", sets[k]);
    memcpy(name, sets[k], (size_t)(eq - sets[k]));
    name[eq - sets[k]] = '\0';
    if (hs_model_set_text(m, name, eq + 1, &err)) {
      hs_err_prefix(&err, "--set %s: ", sets[k]);
      return hs_cli_fail(&err);
    }
    /* a circuit flow no team runs (0.004 L/min for "4 mL/min"): a likely unit slip, said */
    size_t nl = strlen(name);
    double q;
    if (nl > 12 && strcmp(name + nl - 12, ".target_flow") == 0 &&
        hs_model_get(m, name, &q, NULL) == HS_OK && q > 0 && q < 0.5 * HS_MLS_PER_LPM)
      fprintf(stderr,
              "hemosim: note: --set %s is %.3g L/min, below any clinical circuit flow (the "
              "circuit thromboses below ~1 L/min, Lorusso 2021): is the unit right (L/min)?\n",
              sets[k], q / HS_MLS_PER_LPM);
  }
  /* body weight rescales the blood volume of a patient whose volume follows it
     (docs/parameters.md, body.scale_volume): said, never silent */
  double bv1 = weight_volume(m);
  if (bv0 > 0 && bv1 > 0 && fabs(bv1 - bv0) > 0.5)
    fprintf(stderr,
            "hemosim: note: the blood volume follows body.weight (body.scale_volume: true): "
            "%.0f -> %.0f mL; to keep %.0f mL add --set body.scale_volume=false --set "
            "\"circulation.blood_volume=%.0f mL\"\n",
            bv0, bv1, bv0, bv0);
  return HS_EXIT_OK;
}

int hs_cli_parse_threads(const char *cmd, const char *text, int *out) {
  char *end;
  long t = strtol(text, &end, 10);
  if (end == text || *end || t < 1 || t > 64)
    return hs_cli_usage(cmd, "--threads must be 1-64 (got '%s')", text);
  *out = (int)t;
  return HS_EXIT_OK;
}

int hs_cli_apply_context(const char *cmd, hs_context *ctx, const char *const *items, int n) {
  for (int k = 0; k < n; k++) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", items[k]);
    char *save = NULL;
    for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
      hs_err err;
      if (hs_context_set(ctx, it, &err))
        return hs_cli_usage(cmd, "--context %s: %s", it, err.msg);
    }
  }
  return HS_EXIT_OK;
}

int hs_cli_apply_targets(const char *cmd, hs_targets *t, const char *const *items, int n) {
  hs_err err;
  for (int k = 0; k < n; k++) {
    char name[64];
    const char *eq = strchr(items[k], '=');
    if (!eq || eq == items[k] || (size_t)(eq - items[k]) >= sizeof name)
      return hs_cli_usage(cmd, "--target '%s': expected NAME=VALUE", items[k]);
    snprintf(name, sizeof name, "%.*s", (int)(eq - items[k]), items[k]);
    if (hs_targets_set(t, name, eq + 1, &err))
      return hs_cli_usage(cmd, "--target %s: %s", items[k], err.msg);
  }
  if (n && hs_targets_check(t, &err)) return hs_cli_usage(cmd, "--target: %s", err.msg);
  return HS_EXIT_OK;
}

int hs_cli_parse_quantity(const char *cmd, const char *opt, const char *text, hs_dim dim,
                          const char *bare_unit, const char *shown_unit, double lo, int lo_open,
                          double hi, double *out) {
  double v, per = 1;
  hs_err e2;
  if (hs_quantity_parse_as(dim, text, bare_unit, &v, &e2) ||
      hs_unit_to_internal(dim, 1.0, shown_unit, &per, &e2))
    return hs_cli_usage(cmd, "%s: %s", opt, e2.msg);
  v /= per;
  if (!((lo_open ? v > lo : v >= lo) && v <= hi))
    return hs_cli_usage(cmd, "%s: \"%s\" is %.10g %s, out of range %c%g, %g] %s", opt, text, v,
                        shown_unit, lo_open ? '(' : '[', lo, hi, shown_unit);
  *out = v;
  return HS_EXIT_OK;
}

hs_status hs_cli_write_json(json_t *root, const char *path, hs_err *err) {
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
  json_decref(root);
  if (!text) return hs_err_set(err, HS_ERR_NOMEM, "out of memory while writing JSON");
  return hs_cli_write_text(text, path, err);
}

hs_status hs_cli_write_text(char *text, const char *path, hs_err *err) {
  if (!text) return err && err->code ? err->code : HS_ERR_NOMEM;
  hs_status st = HS_OK;
  size_t len = strlen(text);
  if (!strcmp(path, "-")) printf("%s%s", text, len && text[len - 1] == '\n' ? "" : "\n");
  else st = hs_write_file_atomic(path, text, len, err);
  free(text);
  return st;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return HS_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return HS_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("hemosim %s\n", HS_VERSION);
    return HS_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
    if (!strcmp(argv[1], COMMANDS[i].name)) return COMMANDS[i].run(argc - 1, argv + 1);
  fprintf(stderr, "hemosim: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return HS_EXIT_USAGE;
}
