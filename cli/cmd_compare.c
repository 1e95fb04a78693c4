/*
 * cmd_compare.c - `hemosim compare`: unloading strategies for one patient on VA-ECMO.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hemosim/compare.h"
#include "hemosim/report.h"

static const char COMPARE_HELP[] =
    "usage: hemosim compare [PATIENT_FILE] [options]\n"
    "\n"
    "Run, at steady state, ECMO alone over a range of flows and ECMO plus each LV\n"
    "unloading method (drugs, IABP, Impella CP, septostomy, LA / PA / pigtail / surgical\n"
    "vents) for one patient, check each against the targets and recommend the least\n"
    "invasive strategy that meets all of them (MISSION.md s3 order: drugs and ECMO flow <\n"
    "IABP < Impella < septostomy and percutaneous vents < surgical vent).  A patient\n"
    "without a va_ecmo device named 'ecmo' gets femoral VA-ECMO in flow control.\n"
    "\n"
    "options:\n"
    "  --targets FILE      targets (YAML/JSON: hemosim_targets: 1, pcwp_max, map_min,\n"
    "                      av_open_min, pulse_pressure_min, sao2_upper_min); defaults\n"
    "                      PCWP <= 18, MAP >= 65 mmHg, aortic valve opening every beat,\n"
    "                      pulse pressure >= 10 mmHg, upper-body SaO2 >= 92 %\n"
    "  --flows LIST        ECMO-alone sweep in L/min (default 2,3,4,5)\n"
    "  --set NAME=VALUE    change the patient before comparing (repeatable)\n"
    "  --hold-map          compare at the MAP a clinician would hold: vasopressor /\n"
    "                      vasodilator titrated to 65-75 mmHg (map_control block,\n"
    "                      docs/controllers.md; band via --set map_control.target_low=..)\n"
    "  --threads N         strategies run in parallel (default: online cores)\n"
    "  --json F            JSON result to F ('-' = standard output instead of the table)\n"
    "  --report DIR        self-contained HTML report (index.html, pv_loops.svg,\n"
    "                      ecmo_flow_sweep.svg, compare.json)\n"
    "  -h, --help          this text\n";

static json_t *row_json(const hs_compare_row *r) {
  json_t *o = json_object(), *v = json_object(), *met = json_array();
  static const char *const T[5] = {"pcwp", "map", "av_open", "pulse_pressure", "sao2_upper"};
  json_object_set_new(o, "name", json_string(r->name));
  json_object_set_new(o, "label", json_string(r->label));
  json_object_set_new(o, "invasiveness", json_integer(r->invasiveness));
  json_object_set_new(o, "ecmo_flow_sweep", json_boolean(r->is_flow_sweep));
  json_object_set_new(o, "steady", json_boolean(r->steady));
  for (int k = 0; k < HS_CMP_NVAL; k++)
    json_object_set_new(v, hs_compare_value_name(k),
                        isfinite(r->v[k]) ? json_real(r->v[k]) : json_null());
  json_object_set_new(o, "values", v);
  json_t *m = json_object();
  for (int k = 0; k < 5; k++) json_object_set_new(m, T[k], json_boolean(r->met[k]));
  json_object_set_new(o, "targets_met", m);
  json_object_set_new(o, "all_targets_met", json_boolean(r->all_met));
  json_decref(met);
  return o;
}

int hs_cmd_compare(int argc, char **argv) {
  const char *patient = NULL, *targets_file = NULL, *json = NULL, *flows_text = NULL;
  const char *report = NULL;
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  const char **sets = calloc((size_t)argc + 2, sizeof *sets);
  int nsets = 0, rc = HS_EXIT_FAIL;
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  hs_compare_result *res = NULL;
  double flows[32];
  size_t nflows = 0;
  if (!sets) return hs_cli_usage("compare", "out of memory");
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(COMPARE_HELP, stdout);
      rc = HS_EXIT_OK;
      goto done;
    }
    if ((!strcmp(a, "--targets") || !strcmp(a, "--flows") || !strcmp(a, "--threads") ||
         !strcmp(a, "--json") || !strcmp(a, "--set") || !strcmp(a, "--report")) &&
        i + 1 >= argc) {
      rc = hs_cli_usage("compare", "option %s needs a value", a);
      goto done;
    }
    if (!strcmp(a, "--targets")) targets_file = argv[++i];
    else if (!strcmp(a, "--flows")) flows_text = argv[++i];
    else if (!strcmp(a, "--json")) json = argv[++i];
    else if (!strcmp(a, "--report")) report = argv[++i];
    else if (!strcmp(a, "--set")) sets[nsets++] = argv[++i];
    else if (!strcmp(a, "--hold-map")) sets[nsets++] = "map_control.enabled=true";
    else if (!strcmp(a, "--threads")) {
      int thr_rc = hs_cli_parse_threads("compare", argv[++i], &threads);
      if (thr_rc != HS_EXIT_OK) {
        rc = thr_rc;
        goto done;
      }
    } else if (a[0] == '-' && a[1]) {
      rc = hs_cli_usage("compare", "unknown option '%s'", a);
      goto done;
    } else if (!patient) {
      patient = a;
    } else {
      rc = hs_cli_usage("compare", "only one patient file may be given");
      goto done;
    }
  }
  if (flows_text) {
    for (const char *s = flows_text; *s && nflows < 32;) {
      char *end;
      double f = strtod(s, &end);
      if (end == s || !(f > 0 && f <= 8)) {
        rc = hs_cli_usage("compare", "--flows: '%s' is not a list of flows in (0, 8] L/min",
                          flows_text);
        goto done;
      }
      flows[nflows++] = f;
      s = *end == ',' ? end + 1 : end;
      if (*end && *end != ',') {
        rc = hs_cli_usage("compare", "--flows: '%s' is not a comma-separated list", flows_text);
        goto done;
      }
    }
  }
  hs_targets t;
  hs_targets_default(&t);
  if (targets_file && hs_targets_load(targets_file, &t, &err)) goto fail;
  if (hs_cli_load_patient(patient, &m, &err)) goto fail;
  int set_rc = hs_cli_apply_sets("compare", m, sets, nsets);
  if (set_rc != HS_EXIT_OK) {
    rc = set_rc;
    goto done;
  }
  if (hs_compare_run(m, &t, nflows ? flows : NULL, nflows, threads, &res, &err)) goto fail;
  if (json || report) {
    json_t *root = json_object(), *rows = json_array();
    json_object_set_new(root, "schema", json_string("hemosim-compare/1"));
    json_object_set_new(root, "patient", json_string(hs_model_name(m)));
    for (size_t i = 0; i < res->nrows; i++) json_array_append_new(rows, row_json(&res->rows[i]));
    json_object_set_new(root, "strategies", rows);
    json_object_set_new(root, "recommended",
                        res->recommended >= 0 ? json_string(res->rows[res->recommended].name)
                                              : json_null());
    json_object_set_new(root, "reason", json_string(res->reason));
    json_object_set_new(root, "wall_s", json_real(res->wall_s));
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (!text) {
      hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
      goto fail;
    }
    hs_status st = HS_OK;
    if (json && !strcmp(json, "-")) printf("%s\n", text);
    else if (json) st = hs_write_file_atomic(json, text, strlen(text), &err);
    if (!st && report) {
      st = hs_report_compare(report, hs_model_name(m), res, &t, &err);
      char path[1024];
      snprintf(path, sizeof path, "%s/compare.json", report);
      if (!st) st = hs_write_file_atomic(path, text, strlen(text), &err);
    }
    free(text);
    if (st) goto fail;
  }
  if (!json || strcmp(json, "-")) {
    printf("%s: %zu strategies in %.2f s\n\n", hs_model_name(m), res->nrows, res->wall_s);
    printf("%-48s %3s %6s %5s %5s %5s %5s %6s %6s %5s %5s  %s\n", "strategy", "inv", "PCWP",
           "MAP", "AVopn", "PP", "SaO2", "LVEDV", "LVEDP", "CO", "dev", "targets P M A P S");
    for (size_t i = 0; i < res->nrows; i++) {
      const hs_compare_row *r = &res->rows[i];
      printf("%-48s %3d %6.1f %5.0f %5.2f %5.1f %5.1f %6.0f %6.1f %5.2f %5.2f  %s %c %c %c %c %c%s\n",
             r->label, r->invasiveness, r->v[HS_CMP_PCWP], r->v[HS_CMP_MAP], r->v[HS_CMP_AVO],
             r->v[HS_CMP_PP], r->v[HS_CMP_SAO2U], r->v[HS_CMP_LVEDV], r->v[HS_CMP_LVEDP],
             r->v[HS_CMP_CO], r->v[HS_CMP_DEVICE], r->all_met ? "all" : "   ",
             r->met[0] ? '+' : '-', r->met[1] ? '+' : '-', r->met[2] ? '+' : '-',
             r->met[3] ? '+' : '-', r->met[4] ? '+' : '-', r->steady ? "" : " (not steady)");
    }
    printf("\n%s: %s\n", res->recommended >= 0 ? "Recommendation" : "No recommendation",
           res->reason);
  }
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  hs_compare_free(res);
  hs_model_free(m);
  free(sets);
  return rc;
}
