/*
 * cmd_optimize.c - `hemosim optimize`: the least support of one strategy that meets
 * the targets, with a plot of the sweep.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hemosim/optimize.h"
#include "hemosim/report.h"

static const char OPT_HELP[] =
    "usage: hemosim optimize [PATIENT_FILE] --strategy NAME [options]\n"
    "\n"
    "Sweep one strategy's setting from least to most support, each point at steady\n"
    "state on VA-ECMO with the ECMO flow re-titrated to the least flow that holds MAP\n"
    "and perfusion (as compare does; --fixed-flow keeps the patient's flow), and choose\n"
    "the least support that meets every target (or report the closest point when none\n"
    "does).  The re-titrated ECMO flow counts as support: a setting that needs >= 1\n"
    "L/min more flow than a larger one meeting every target is passed over (named).\n"
    "\n"
    "strategies (setting swept):\n"
    "  ecmo-flow    ECMO flow 1-6 L/min\n"
    "  iabp         IABP assist ratio 1:3, 1:2, 1:1 (40 mL)\n"
    "  impella      Impella CP level P1-P9\n"
    "  septostomy   interatrial orifice 2-16 mm\n"
    "  la-vent      transseptal LA vent 10-24 Fr\n"
    "  lv-vent      surgical LV apical vent 20-36 Fr\n"
    "  TEXT         any strategy text `hemosim compare` takes, e.g.\n"
    "               \"ecmo+iabp:1:1+la_vent:17Fr\": its last device's setting is swept\n"
    "               (IABP ratio, Impella level, TandemHeart rpm, septostomy mm, vent\n"
    "               Fr) with the rest as written; without a device (\"ecmo+milrinone\")\n"
    "               the ECMO flow is swept; a fixed flow (\"ecmo:3.5+...\") is kept\n"
    "\n"
    "options:\n"
    "  -s, --strategy NAME  the strategy: a name above or a strategy text (required)\n"
    "  --targets FILE       targets (and context) as for `hemosim compare`\n"
    "  --target NAME=VAL    one target (repeatable, after --targets), as for `hemosim\n"
    "                       compare`: pcwp_max, map_min, do2i_min, svo2_min,\n"
    "                       sao2_upper_min, flow_min, flow_max, flow_step, lactate_max,\n"
    "                       psvd_min, heart_er_max, cvp_max\n"
    "  --context LIST       clinical context as for `hemosim compare` (repeatable):\n"
    "                       open_chest, lv_thrombus, la_thrombus, ar=none|mild|\n"
    "                       moderate|severe, pad=..., mechanical_av, vsd,\n"
    "                       anticoag_limited, distal_perfusion, right_heart_thrombus,\n"
    "                       ivc_filter, prosthetic_right_valve, surgery=false,\n"
    "                       unavailable=impella+...; a contraindicated or unavailable\n"
    "                       device is refused with compare's reason, and the risks\n"
    "                       of every point are those of this context\n"
    "  --set NAME=VALUE     change the patient first (repeatable)\n"
    "  --micro FILE         fit the patient's capillary dysfunction to a measured\n"
    "                       sublingual time point first (as `hemosim micro fit`)\n"
    "  --hold-map           hold MAP in 65-75 mmHg with a titrated vasopressor /\n"
    "                       vasodilator (map_control block, docs/controllers.md); the\n"
    "                       dose reached is shown per point\n"
    "  --fixed-flow         keep the ECMO flow at the patient's setting at every point\n"
    "                       (default: re-titrated per point to the least flow holding\n"
    "                       MAP and perfusion, as compare does)\n"
    "  --plot FILE.svg      PCWP, MAP, LVEDV and aortic valve opening against the setting\n"
    "  --json F             JSON result ('-' = standard output instead of the table)\n"
    "  --report DIR         self-contained HTML report (index.html, sweep.svg, pv_loops.svg)\n"
    "  -q, --quiet          no table (outputs asked for are still written)\n"
    "  --threads N          points run in parallel (default: online cores)\n"
    "  -h, --help           this text\n"
    "\n"
    "exit status: 0 success (also when no point meets every target), 1 usage error,\n"
    "2 input error (a file, a --set value, a strategy the context rules out).\n";

int hs_cmd_optimize(int argc, char **argv) {
  const char *patient = NULL, *strategy = NULL, *targets_file = NULL, *plot = NULL, *json = NULL;
  const char *report = NULL, *micro = NULL;
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), rc = HS_EXIT_FAIL, nsets = 0, quiet = 0;
  int fixed_flow = 0;
  const char **sets = calloc((size_t)argc + 5, sizeof *sets);
  const char **csets = calloc((size_t)argc + 1, sizeof *csets);
  const char **tsets = calloc((size_t)argc + 1, sizeof *tsets);
  int ncsets = 0, ntsets = 0;
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  hs_optimize_result *res = NULL;
  char *svg = NULL;
  if (!sets || !csets || !tsets) {
    free(sets), free(csets), free(tsets);
    return hs_cli_usage("optimize", "out of memory");
  }
  enum { O_TARGETS = 256, O_PLOT, O_JSON, O_REPORT, O_SET, O_HOLD, O_THREADS, O_FIXED,
         O_CONTEXT, O_TARGET, O_MICRO };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},
      {"quiet", no_argument, NULL, 'q'},
      {"strategy", required_argument, NULL, 's'},
      {"targets", required_argument, NULL, O_TARGETS},
      {"target", required_argument, NULL, O_TARGET},
      {"plot", required_argument, NULL, O_PLOT},
      {"json", required_argument, NULL, O_JSON},
      {"report", required_argument, NULL, O_REPORT},
      {"set", required_argument, NULL, O_SET},
      {"micro", required_argument, NULL, O_MICRO},
      {"hold-map", no_argument, NULL, O_HOLD},
      {"fixed-flow", no_argument, NULL, O_FIXED},
      {"context", required_argument, NULL, O_CONTEXT},
      {"threads", required_argument, NULL, O_THREADS},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt("optimize", argc, argv, "hqs:", LONG)) != -1;) {
    switch (c) {
    case 'h':
      fputs(OPT_HELP, stdout);
      rc = HS_EXIT_OK;
      goto done;
    case 'q': quiet = 1; break;
    case 's': strategy = optarg; break;
    case O_TARGETS: targets_file = optarg; break;
    case O_TARGET: tsets[ntsets++] = optarg; break;
    case O_PLOT: plot = optarg; break;
    case O_JSON: json = optarg; break;
    case O_REPORT: report = optarg; break;
    case O_SET: sets[nsets++] = optarg; break;
    case O_MICRO: micro = optarg; break;
    case O_HOLD: sets[nsets++] = "map_control.enabled=true"; break;
    case O_FIXED: fixed_flow = 1; break;
    case O_CONTEXT: csets[ncsets++] = optarg; break;
    case O_THREADS: {
      int thr_rc = hs_cli_parse_threads("optimize", optarg, &threads);
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
    rc = hs_cli_usage("optimize", "only one patient file may be given");
    goto done;
  }
  if (!strategy) {
    rc = hs_cli_usage("optimize", "--strategy is required (ecmo-flow, iabp, impella, septostomy, "
                                  "la-vent, lv-vent, or a strategy text)");
    goto done;
  }
  hs_targets t;
  hs_context ctx;
  hs_targets_default(&t);
  hs_context_default(&ctx);
  if (targets_file && hs_targets_load(targets_file, &t, &ctx, NULL, &err)) goto fail;
  if ((rc = hs_cli_apply_targets("optimize", &t, tsets, ntsets)) != HS_EXIT_OK) goto done;
  if ((rc = hs_cli_apply_context("optimize", &ctx, csets, ncsets)) != HS_EXIT_OK) goto done;
  rc = HS_EXIT_FAIL;
  if (hs_cli_load_patient(patient, &m, &err)) goto fail;
  int set_rc = hs_cli_apply_sets("optimize", m, sets, nsets);
  if (set_rc != HS_EXIT_OK) {
    rc = set_rc;
    goto done;
  }
  char micro_sets[3][80];
  if (micro) { /* the patient's own capillary dysfunction, fitted to a measurement */
    if ((rc = hs_cli_apply_micro("optimize", micro, m, micro_sets)) != HS_EXIT_OK) goto done;
    rc = HS_EXIT_FAIL;
    for (int k = 0; k < 3; k++) sets[nsets++] = micro_sets[k];
  }
  hs_optimize_options oo = {threads, fixed_flow, NULL, &ctx};
  if (hs_optimize_run_opts(m, strategy, &t, &oo, &res, &err)) goto fail;
  if (report && hs_report_optimize(report, hs_model_name(m), res, &t, &err)) goto fail;
  if (plot) {
    if (!(svg = hs_optimize_svg(res, &t, &err))) goto fail;
    if (hs_write_file_atomic(plot, svg, strlen(svg), &err)) goto fail;
  }
  if (json) {
    hs_provenance prov = {hs_model_name(m), patient, sets, (size_t)nsets};
    char *jtext = hs_optimize_json(res, &prov, targets_file, &err);
    if (!jtext) goto fail;
    hs_status st = HS_OK;
    if (!strcmp(json, "-")) printf("%s\n", jtext);
    else st = hs_write_file_atomic(json, jtext, strlen(jtext), &err);
    free(jtext);
    if (st) goto fail;
  }
  if (!quiet && (!json || strcmp(json, "-"))) {
    printf("%s: %s, %s\n\n", hs_model_name(m), res->setting,
           res->ecmo_flow == HS_OPT_FLOW_TITRATED
               ? "ECMO flow re-titrated at each point to the least flow holding perfusion"
           : res->ecmo_flow == HS_OPT_FLOW_FIXED ? "ECMO flow held at the patient's setting"
                                                 : "ECMO flow swept");
    printf("%-28s %10s %9s %8s %14s %14s %15s %8s %12s %12s %15s %11s %24s  ", "setting",
           "ECMO L/min", "PCWP mmHg", "MAP mmHg", "DO2I mL/min/m2", "SvO2 drained %",
           "AV open % beats", "LVEDV mL", "device L/min", "PSVD* mm/mm2", "CBF mL/100g/min",
           "MVO2 mL/min", "heart O2 demand/delivery");
    if (res->hold_map) printf("%-42s ", "MAP held by (ug/kg/min)");
    printf("targets\n");
    for (size_t i = 0; i < res->npoints; i++) {
      const hs_compare_row *r = &res->rows[i];
      char miss[300];
      if (r->failed) snprintf(miss, sizeof miss, "failed: %.250s", r->failed_reason);
      else hs_compare_missed_cell(r, miss, sizeof miss);
      /* the columns, "-" where a point has no value (a failed point) */
      static const struct {
        int k, w, prec;
        double scale;
      } C[] = {{HS_CMP_ECMO, 10, 2, 1}, {HS_CMP_PCWP, 9, 1, 1},   {HS_CMP_MAP, 8, 0, 1},
               {HS_CMP_DO2I, 14, 0, 1}, {HS_CMP_SVO2D, 14, 0, 1}, {HS_CMP_AVO, 15, 0, 100},
               {HS_CMP_LVEDV, 8, 0, 1}, {HS_CMP_DEVICE, 12, 2, 1}, {HS_CMP_PSVD, 12, 1, 1},
               {HS_CMP_CBF, 15, 0, 1},  {HS_CMP_MVO2, 11, 1, 1},  {HS_CMP_HEART_ER, 24, 2, 1}};
      printf("%-28s", r->label);
      for (size_t c = 0; c < sizeof C / sizeof C[0]; c++) {
        double x = C[c].scale * r->v[C[c].k];
        if (isfinite(x)) printf(" %*.*f", C[c].w, C[c].prec, x);
        else printf(" %*s", C[c].w, "-");
      }
      printf("  ");
      if (res->hold_map) {
        char drug[96];
        hs_compare_map_drug(r->v, drug, sizeof drug);
        printf("%-42s ", drug);
      }
      printf("%s%s\n", miss,
             (int)i == res->chosen ? "  <= chosen"
                                   : (res->chosen < 0 && (int)i == res->closest ? "  <= closest" : ""));
    }
    printf("\n%s\n", res->reason);
  }
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  free(svg);
  hs_optimize_free(res);
  hs_model_free(m);
  free(sets);
  free(csets);
  free(tsets);
  return rc;
}
