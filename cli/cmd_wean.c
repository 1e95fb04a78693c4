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
    "vent clamped and the ECMO flow stepped down by 0.5 L/min to the trial flow (default\n"
    "1.5 L/min), each step to steady state; the descent stops at the first step whose\n"
    "MAP, CVP or PCWP rise fails; the readiness criteria are read at the trial flow:\n"
    "pulse pressure >= 10 mmHg, LVEF > 25 %, aortic VTI\n"
    ">= 10 cm (LV forward stroke volume / LVOT area), MAP > 60 mmHg, CVP and PCWP rising\n"
    "by at most 5 mmHg (Aissaoui 2011; ELSO 2021).  Says whether the patient passes and\n"
    "why.  exit status: 0 pass or fail, 1 usage error, 2 input or simulation error\n"
    "(or the patient has no VA-ECMO).\n"
    "\n"
    "options:\n"
    "  --flow L/MIN        trial ECMO flow (default 1.5; units allowed: \"1500 mL/min\")\n"
    "  --step L/MIN        flow step of the descent (default 0.5; 0: one step)\n"
    "  --lvot CM           LVOT diameter for the VTI proxy (default 2.0; \"20 mm\")\n"
    "  --lactate-max MMOL  also require the lactate plateau at the trial flow at or\n"
    "                      below this (e.g. 2; \"18 mg/dL\"; default: not a criterion)\n"
    "  --set NAME=VALUE    change the patient first (repeatable)\n"
    "  --json F            JSON result ('-' = standard output instead of the text)\n"
    "  -q, --quiet         do not print the text result (--json still written)\n"
    "  -h, --help          this text\n";

int hs_cmd_wean(int argc, char **argv) {
  const char *patient = NULL, *json = NULL;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  int nsets = 0, rc = HS_EXIT_FAIL, quiet = 0;
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  char *text = NULL;
  hs_wean_criteria c;
  hs_wean_default(&c);
  if (!sets) return hs_cli_usage("wean", "out of memory");
  enum { O_FLOW = 256, O_LVOT, O_SET, O_JSON, O_LACT, O_STEP };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},        {"quiet", no_argument, NULL, 'q'},
      {"flow", required_argument, NULL, O_FLOW}, {"step", required_argument, NULL, O_STEP},
      {"lvot", required_argument, NULL, O_LVOT}, {"set", required_argument, NULL, O_SET},
      {"json", required_argument, NULL, O_JSON}, {"lactate-max", required_argument, NULL, O_LACT},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int o; (o = hs_cli_getopt("wean", argc, argv, "hq", LONG)) != -1;) {
    switch (o) {
    case 'h':
      fputs(WEAN_HELP, stdout);
      rc = HS_EXIT_OK;
      goto done;
    case O_FLOW: /* a bare number is in L/min, as documented */
      if (hs_quantity_parse_as(HS_DIM_FLOW, optarg, "L/min", &c.flow_lpm, &err)) {
        rc = hs_cli_usage("wean", "--flow: %s", err.msg);
        goto done;
      }
      c.flow_lpm /= HS_MLS_PER_LPM;
      break;
    case O_STEP: /* a bare number is in L/min; 0 = one step */
      if (hs_quantity_parse_as(HS_DIM_FLOW, optarg, "L/min", &c.step_lpm, &err)) {
        rc = hs_cli_usage("wean", "--step: %s", err.msg);
        goto done;
      }
      c.step_lpm /= HS_MLS_PER_LPM;
      break;
    case O_LVOT: /* a bare number is in cm */
      if (hs_quantity_parse_as(HS_DIM_LENGTH, optarg, "cm", &c.lvot_diam_cm, &err)) {
        rc = hs_cli_usage("wean", "--lvot: %s", err.msg);
        goto done;
      }
      break;
    case O_LACT: /* a bare number is in mmol/L */
      if (hs_quantity_parse_as(HS_DIM_LACTATE, optarg, "mmol/L", &c.lactate_max_mmol_l, &err)) {
        rc = hs_cli_usage("wean", "--lactate-max: %s", err.msg);
        goto done;
      }
      if (!(c.lactate_max_mmol_l > 0 && c.lactate_max_mmol_l <= 20)) {
        rc = hs_cli_usage("wean", "--lactate-max: %g mmol/L is out of range (0, 20]",
                          c.lactate_max_mmol_l);
        goto done;
      }
      break;
    case 'q': quiet = 1; break;
    case O_SET: sets[nsets++] = optarg; break;
    case O_JSON: json = optarg; break;
    default: rc = HS_EXIT_USAGE; goto done;
    }
  }
  if (optind < argc) patient = argv[optind];
  if (argc - optind > 1) {
    rc = hs_cli_usage("wean", "only one patient file may be given");
    goto done;
  }
  if (hs_wean_check(&c, &err)) { /* an out-of-range option value is a usage error (1) */
    rc = hs_cli_usage("wean", "%s", strncmp(err.msg, "wean: ", 6) ? err.msg : err.msg + 6);
    goto done;
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
  if (!quiet && (!json || strcmp(json, "-"))) {
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
