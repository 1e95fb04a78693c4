/*
 * cmd_wean.c - `hemosim wean`: VA-ECMO weaning trial with the published readiness
 * criteria (docs/decision.md "Weaning").
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hemosim/compare.h"

static const char WEAN_HELP[] =
    "usage: hemosim wean [PATIENT_FILE] [options]\n"
    "\n"
    "Weaning trial on a patient with VA-ECMO 'ecmo': steady state at its flow, then the\n"
    "ECMO flow stepped down (default 1.5 L/min) with the vent clamped, and the readiness\n"
    "criteria read at the trial flow: pulse pressure >= 10 mmHg, LVEF > 25 %, aortic VTI\n"
    ">= 10 cm (LV forward stroke volume / LVOT area), MAP > 60 mmHg, CVP and PCWP rising\n"
    "by at most 5 mmHg (Aissaoui 2011; ELSO 2021).  Says whether the patient passes and\n"
    "why; exit status 0 either way.\n"
    "\n"
    "options:\n"
    "  --flow L/MIN        trial ECMO flow (default 1.5)\n"
    "  --lvot CM           LVOT diameter for the VTI proxy (default 2.0)\n"
    "  --set NAME=VALUE    change the patient first (repeatable)\n"
    "  --json F            JSON result ('-' = standard output instead of the text)\n"
    "  -h, --help          this text\n";

int hs_cmd_wean(int argc, char **argv) {
  const char *patient = NULL, *json = NULL;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  int nsets = 0, rc = HS_EXIT_FAIL;
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  char *text = NULL;
  hs_wean_criteria c;
  hs_wean_default(&c);
  if (!sets) return hs_cli_usage("wean", "out of memory");
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(WEAN_HELP, stdout);
      rc = HS_EXIT_OK;
      goto done;
    }
    int takes = !strcmp(a, "--flow") || !strcmp(a, "--lvot") || !strcmp(a, "--set") ||
                !strcmp(a, "--json");
    if (takes && i + 1 >= argc) {
      rc = hs_cli_usage("wean", "option %s needs a value", a);
      goto done;
    }
    if (!strcmp(a, "--flow") || !strcmp(a, "--lvot")) {
      char *end;
      double x = strtod(argv[++i], &end);
      if (end == argv[i] || *end || !isfinite(x)) {
        rc = hs_cli_usage("wean", "%s: '%s' is not a number", a, argv[i]);
        goto done;
      }
      if (!strcmp(a, "--flow")) c.flow_lpm = x;
      else c.lvot_diam_cm = x;
    } else if (!strcmp(a, "--set")) sets[nsets++] = argv[++i];
    else if (!strcmp(a, "--json")) json = argv[++i];
    else if (a[0] == '-' && a[1]) {
      rc = hs_cli_usage("wean", "unknown option '%s'", a);
      goto done;
    } else if (!patient) {
      patient = a;
    } else {
      rc = hs_cli_usage("wean", "only one patient file may be given");
      goto done;
    }
  }
  if (hs_cli_load_patient(patient, &m, &err)) goto fail;
  int set_rc = hs_cli_apply_sets("wean", m, sets, nsets);
  if (set_rc != HS_EXIT_OK) {
    rc = set_rc;
    goto done;
  }
  hs_wean_result r;
  if (hs_wean_run(m, &c, &r, &err)) goto fail;
  hs_provenance prov = {hs_model_name(m), patient, sets, (size_t)nsets};
  if (json && hs_cli_write_text(hs_wean_json(&r, &prov, &err), json, &err)) goto fail;
  if (!json || strcmp(json, "-")) {
    if (!(text = hs_wean_text(&r, hs_model_name(m)))) {
      hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
      goto fail;
    }
    fputs(text, stdout);
  }
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  free(text);
  hs_model_free(m);
  free(sets);
  return rc;
}
