/*
 * cmd_compare.c - `hemosim compare`: unloading strategies for one patient on VA-ECMO.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hemosim/compare.h"
#include "hemosim/report.h"

/* Progress on a terminal (stderr): strategies done, then the gain check's phase. */
static void compare_progress(int done, int total, void *ud) {
  (void)ud;
  fprintf(stderr, "\rhemosim: compare: %d/%d strategies   ", done, total);
  fflush(stderr);
}

static const char COMPARE_HELP[] =
    "usage: hemosim compare [PATIENT_FILE] [options]\n"
    "\n"
    "Decision support for LV unloading on VA-ECMO, stepped as the ECMO team escalates:\n"
    "(1) ECMO flow and drugs -> (2) IABP -> (3) Impella (preferred) or TandemHeart ->\n"
    "(4) atrial septostomy / transseptal LA vent / percutaneous vents -> (5) surgical vent\n"
    "or central ECMO converted to an LVAD.  Every device family and size in the model runs\n"
    "alone on ECMO and in clinical combinations; in each, the ECMO flow is re-titrated to\n"
    "the least flow that holds MAP and perfusion.  The recommendation is the first step\n"
    "meeting every target; each cheaper step gets its reason; every strategy gets its\n"
    "complication risks (docs/decision.md).  In the built-in list a drug the patient\n"
    "already receives is escalated (its default dose added to the patient's own, at most\n"
    "the drug's maximum).  In ventricular fibrillation (heart.rhythm vf) the IABP is\n"
    "excluded.  A patient without a va_ecmo device named 'ecmo' gets femoral VA-ECMO in\n"
    "flow control; for it the answer also says whether the recommendation holds without\n"
    "the circuit (NOT ON ECMO) and, with the built-in list, which support without a circuit\n"
    "is the least meeting every target: no device, dobutamine 5 or milrinone 0.375\n"
    "ug/kg/min added, then IABP 1:1, Impella CP P8, Impella RP P8 (right side), both\n"
    "(BiPella) or Impella 5.0 P8 on the patient's own drugs (WITHOUT A CIRCUIT, and a\n"
    "table of the eight).\n"
    "\n";
static const char COMPARE_OPTIONS[] =
    "options:\n"
    "  --targets FILE      targets, context and strategies (YAML/JSON, docs/decision.md)\n"
    "  --target NAME=VAL   one target (repeatable): pcwp_max (default 20 mmHg: PCWP below),\n"
    "                      map_min (65 mmHg), do2i_min (330 mL/min/m2), svo2_min (60 %),\n"
    "                      sao2_upper_min (90 %: right-arm SaO2, 0 = off), flow_min\n"
    "                      (1 L/min), flow_max (5 L/min), flow_step (0.25 L/min),\n"
    "                      lactate_max (none; e.g. 2 mmol/L), psvd_min (none; the\n"
    "                      model's predicted sublingual PSVD, e.g. 16.2 mm/mm2),\n"
    "                      heart_er_max (critical: the myocardium's O2 demand /\n"
    "                      delivery at or below its critical extraction, the one at a\n"
    "                      coronary venous PO2 of 16 mmHg; a ratio, e.g. 0.80, fixes\n"
    "                      it; 0 = off), cvp_max (none; venous\n"
    "                      congestion, e.g. 12 mmHg in RV failure). A percent is\n"
    "                      written svo2_min=60 or \"60 %\"; a bare 0.6 is refused as\n"
    "                      ambiguous\n"
    "  --context LIST      clinical context, comma-separated (repeatable): open_chest,\n"
    "                      lv_thrombus, la_thrombus, ar=none|mild|moderate|severe,\n"
    "                      pad=none|mild|moderate|severe, mechanical_av, vsd,\n"
    "                      anticoag_limited, distal_perfusion, right_heart_thrombus,\n"
    "                      ivc_filter, prosthetic_right_valve, surgery=false,\n"
    "                      unavailable=impella+tandemheart\n"
    "  --strategy TEXT     run only the named strategies (repeatable), e.g.\n"
    "                      \"ecmo+impella_cp:P6\", \"ecmo:3.5+iabp:1:1+la_vent:17Fr\",\n"
    "                      \"ecmo+milrinone:0.5 ug/kg/min\" (a drug dose needs its unit)\n"
    "  --strategies FILE   strategies, one per line ('#' comments)\n"
    "  --flows LIST        ECMO-alone flow sweep in L/min (default 2,3,4,5; at most 32)\n"
    "  --set NAME=VALUE    change the patient before comparing (repeatable)\n"
    "  --micro FILE        fit the patient's capillary dysfunction to a measured\n"
    "                      sublingual time point first (as `hemosim micro fit`), so the\n"
    "                      PSVD* column and --target psvd_min predict this patient\n"
    "  --hold-map          compare at the MAP a clinician would hold: vasopressor /\n"
    "                      vasodilator titrated to 65-75 mmHg (map_control block,\n"
    "                      docs/controllers.md; band via --set map_control.target_low=..);\n"
    "                      the dose reached is shown with each strategy's settings\n"
    "  --no-gain-check     skip the gain check: when perfusion-contraction matching\n"
    "                      (docs/model.md 2.22) weakened the LV in a strategy of the\n"
    "                      answer's step or a cheaper one, those strategies are\n"
    "                      compared again with the matching off and its gain halved\n"
    "                      and doubled (GAIN CHECK; up to 3 more comparisons of them)\n"
    "  --no-threshold-check  skip the threshold check: when the heart target (its\n"
    "                      critical extraction, at a coronary venous PO2 of 16 mmHg)\n"
    "                      decided a strategy of the answer's step or a cheaper one,\n"
    "                      those strategies are compared again with that PO2 2 mmHg\n"
    "                      lower and higher (THRESHOLD CHECK; up to 2 more comparisons)\n"
    "  --threads N         strategies run in parallel (default: online cores)\n"
    "  -q, --quiet         no text answer (outputs asked for are still written)\n"
    "  --json F            JSON result to F ('-' = standard output instead of the text)\n"
    "  --report DIR        self-contained HTML report (index.html, pv_loops.svg,\n"
    "                      ecmo_flow_sweep.svg, compare.json)\n"
    "  -h, --help          this text\n"
    "\n"
    "exit status: 0 success (a strategy that cannot be simulated is a row saying why),\n"
    "1 usage error (unknown option, missing or malformed option value), 2 input error.\n";

int hs_cmd_compare(int argc, char **argv) {
  const char *patient = NULL, *micro = NULL, *targets_file = NULL, *json = NULL, *flows_text = NULL;
  const char *report = NULL;
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  const char **sets = calloc((size_t)argc + 5, sizeof *sets);
  const char **tsets = calloc((size_t)argc + 1, sizeof *tsets);
  const char **csets = calloc((size_t)argc + 1, sizeof *csets);
  char **strategies = NULL, **file_strategies = NULL;
  size_t nstrat = 0;
  int nsets = 0, ntsets = 0, ncsets = 0, rc = HS_EXIT_FAIL, quiet = 0, gain_check = 1;
  int po2_check = 1;
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  hs_compare_result *res = NULL;
  char *text = NULL;
  double flows[32];
  size_t nflows = 0;
  if (!sets || !tsets || !csets) {
    rc = hs_cli_usage("compare", "out of memory");
    goto done;
  }
  enum { O_TARGETS = 256, O_FLOWS, O_JSON, O_REPORT, O_SET, O_HOLD, O_TARGET, O_CONTEXT,
         O_STRATEGY, O_STRATEGIES, O_THREADS, O_MICRO, O_NO_GAIN, O_NO_PO2 };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},
      {"quiet", no_argument, NULL, 'q'},
      {"targets", required_argument, NULL, O_TARGETS},
      {"flows", required_argument, NULL, O_FLOWS},
      {"json", required_argument, NULL, O_JSON},
      {"report", required_argument, NULL, O_REPORT},
      {"set", required_argument, NULL, O_SET},
      {"micro", required_argument, NULL, O_MICRO},
      {"hold-map", no_argument, NULL, O_HOLD},
      {"target", required_argument, NULL, O_TARGET},
      {"context", required_argument, NULL, O_CONTEXT},
      {"strategy", required_argument, NULL, O_STRATEGY},
      {"strategies", required_argument, NULL, O_STRATEGIES},
      {"threads", required_argument, NULL, O_THREADS},
      {"no-gain-check", no_argument, NULL, O_NO_GAIN},
      {"no-threshold-check", no_argument, NULL, O_NO_PO2},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt("compare", argc, argv, "hq", LONG)) != -1;) {
    switch (c) {
    case 'h':
      fputs(COMPARE_HELP, stdout);
      fputs(COMPARE_OPTIONS, stdout);
      rc = HS_EXIT_OK;
      goto done;
    case 'q': quiet = 1; break;
    case O_TARGETS: targets_file = optarg; break;
    case O_FLOWS: flows_text = optarg; break;
    case O_JSON: json = optarg; break;
    case O_REPORT: report = optarg; break;
    case O_SET: sets[nsets++] = optarg; break;
    case O_MICRO: micro = optarg; break;
    case O_HOLD: sets[nsets++] = "map_control.enabled=true"; break;
    case O_NO_GAIN: gain_check = 0; break;
    case O_NO_PO2: po2_check = 0; break;
    case O_TARGET: tsets[ntsets++] = optarg; break;
    case O_CONTEXT: csets[ncsets++] = optarg; break;
    case O_STRATEGY: {
      hs_err e2;
      if (hs_strategy_check(optarg, NULL, 0, &e2)) {
        rc = hs_cli_usage("compare", "--strategy: %s", e2.msg);
        goto done;
      }
      char **grown = realloc(strategies, (nstrat + 2) * sizeof *strategies);
      if (!grown || !(grown[nstrat] = strdup(optarg))) {
        if (grown) strategies = grown;
        rc = hs_cli_usage("compare", "out of memory");
        goto done;
      }
      strategies = grown;
      strategies[++nstrat] = NULL;
      break;
    }
    case O_STRATEGIES:
      if (hs_strategies_load(optarg, &strategies, &nstrat, &err)) goto fail;
      break;
    case O_THREADS: {
      int thr_rc = hs_cli_parse_threads("compare", optarg, &threads);
      if (thr_rc != HS_EXIT_OK) {
        rc = thr_rc;
        goto done;
      }
      break;
    }
    default: rc = HS_EXIT_USAGE; goto done;
    }
  }
  if (optind < argc) patient = argv[optind];
  if (argc - optind > 1) {
    rc = hs_cli_usage("compare", "only one patient file may be given");
    goto done;
  }
  if (flows_text) { /* L/min, as documented; each may carry its unit ("3.5 L/min") */
    size_t count = 1;
    for (const char *s = flows_text; *s; s++) count += *s == ',';
    if (count > sizeof flows / sizeof flows[0]) {
      rc = hs_cli_usage("compare", "--flows: %zu values, at most %zu", count,
                        sizeof flows / sizeof flows[0]);
      goto done;
    }
    const char *s = flows_text;
    for (size_t k = 0; k < count; k++) {
      char item[64];
      size_t len = strcspn(s, ",");
      snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), s);
      double f;
      hs_err e2;
      if (hs_quantity_parse_as(HS_DIM_FLOW, item, "L/min", &f, &e2)) {
        rc = hs_cli_usage("compare", "--flows: value %zu: %s", k + 1, e2.msg);
        goto done;
      }
      f /= HS_MLS_PER_LPM;
      if (!(f > 0 && f <= 8)) {
        rc = hs_cli_usage("compare", "--flows: value %zu = %.10g L/min is out of range (0, 8]",
                          k + 1, f);
        goto done;
      }
      flows[nflows++] = f;
      s += len + (s[len] == ',');
    }
  }
  hs_targets t;
  hs_context ctx;
  hs_targets_default(&t);
  hs_context_default(&ctx);
  if (targets_file && hs_targets_load(targets_file, &t, &ctx, &file_strategies, &err)) goto fail;
  if ((rc = hs_cli_apply_targets("compare", &t, tsets, ntsets)) != HS_EXIT_OK) goto done;
  if ((rc = hs_cli_apply_context("compare", &ctx, csets, ncsets)) != HS_EXIT_OK) goto done;
  rc = HS_EXIT_FAIL;
  if (hs_cli_load_patient(patient, &m, &err)) goto fail;
  int set_rc = hs_cli_apply_sets("compare", m, sets, nsets);
  if (set_rc != HS_EXIT_OK) {
    rc = set_rc;
    goto done;
  }
  char micro_sets[3][80];
  if (micro) { /* the patient's own capillary dysfunction, fitted to a measurement */
    if ((rc = hs_cli_apply_micro("compare", micro, m, micro_sets)) != HS_EXIT_OK) goto done;
    rc = HS_EXIT_FAIL;
    for (int k = 0; k < 3; k++) sets[nsets++] = micro_sets[k];
  }
  const char *const *list = strategies ? (const char *const *)strategies
                                       : (const char *const *)file_strategies;
  int tty = isatty(2) && !quiet;
  hs_progress pr = {compare_progress, NULL};
  hs_status cst = hs_compare_run_progress(m, &t, &ctx, list, nflows ? flows : NULL, nflows,
                                          threads, tty ? &pr : NULL, &res, &err);
  if (!cst && gain_check && tty && hs_compare_gain_check_needed(res))
    fprintf(stderr, "\r\033[Khemosim: compare: gain check (the answer at other gains)");
  if (!cst && gain_check) cst = hs_compare_gain_check(m, res, threads, &err);
  if (!cst && po2_check && tty && hs_compare_threshold_check_needed(res))
    fprintf(stderr, "\r\033[Khemosim: compare: threshold check (the answer at other critical "
                    "coronary venous PO2s)");
  if (!cst && po2_check) cst = hs_compare_threshold_check(m, res, threads, &err);
  if (tty) fputs("\r\033[K", stderr); /* clear the progress line */
  if (cst) goto fail;
  if (json || report) {
    hs_provenance prov = {hs_model_name(m), patient, sets, (size_t)nsets};
    char *jtext = hs_compare_json(res, &prov, targets_file, &err);
    if (!jtext) goto fail;
    hs_status st = HS_OK;
    if (json && !strcmp(json, "-")) printf("%s\n", jtext);
    else if (json) st = hs_write_file_atomic(json, jtext, strlen(jtext), &err);
    if (!st && report) {
      st = hs_report_compare(report, hs_model_name(m), res, &t, &err);
      char path[1024];
      snprintf(path, sizeof path, "%s/compare.json", report);
      if (!st) st = hs_write_file_atomic(path, jtext, strlen(jtext), &err);
    }
    free(jtext);
    if (st) goto fail;
  }
  if (!quiet && (!json || strcmp(json, "-"))) {
    if (!(text = hs_compare_text(res, hs_model_name(m)))) {
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
  hs_compare_free(res);
  hs_model_free(m);
  hs_strategy_list_free(strategies);
  hs_strategy_list_free(file_strategies);
  free(sets);
  free(tsets);
  free(csets);
  return rc;
}
