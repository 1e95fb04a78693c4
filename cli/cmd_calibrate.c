/*
 * cmd_calibrate.c - `hemosim calibrate`: fit a patient to bedside measurements.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hemosim/calibrate.h"
#include "hemosim/report.h"

static const char CALIBRATE_HELP[] =
    "usage: hemosim calibrate MEASUREMENTS_FILE [options]\n"
    "\n"
    "Fit a patient model to bedside measurements (docs/calibration.md).  The\n"
    "measurements file (YAML/JSON, hemosim_measurements: 1) names the base patient\n"
    "(default: the bundled healthy adult), settings applied first (set: body.weight,\n"
    "ecmo.target_flow, ...) and any of hr, sbp, dbp, map, cvp, spap, dpap, mpap, pcwp,\n"
    "co or ci, ecmo_flow, lvef, lvedv, aortic_valve_opens, sao2_upper, sao2_lower,\n"
    "hemoglobin, each {value: X [unit], sd: Y}.  Heart rate and haemoglobin are set;\n"
    "LV and RV contractility, LV diastolic stiffness, systemic and pulmonary resistance\n"
    "multipliers and the stressed blood volume are fitted by weighted least squares\n"
    "(NLopt BOBYQA, log scale).  The report shows measured against simulated values,\n"
    "the fitted parameters with bounds and which of them the data could determine\n"
    "(relative standard error from the Fisher information; weak directions).\n"
    "With 'microcirculation: FILE' (a sublingual measurement, as `hemosim micro analyze`\n"
    "reads it) the calibrated patient's capillary dysfunction is fitted to it too, as\n"
    "`hemosim micro fit` does, and written into its microcirculation block.\n"
    "\n"
    "options:\n"
    "  --out PATIENT.yaml  write the calibrated patient: 'base:' the original patient plus\n"
    "                      the fitted and measured overrides (`hemosim run` reproduces it)\n"
    "  --json F            JSON result to F ('-' = standard output instead of the table)\n"
    "  --report DIR        self-contained HTML fit report: DIR/index.html (measured vs\n"
    "                      simulated with residuals, fitted parameters with RSE and\n"
    "                      identifiability, weak directions, LV pressure-volume loop)\n"
    "                      and DIR/calibration.json (the --json result)\n"
    "  --max-evals N       objective evaluations of the fit (default 150)\n"
    "  -q, --quiet         no table (outputs asked for are still written)\n"
    "  -h, --help          this text\n"
    "\n"
    "Progress (evaluations, best objective) is shown on standard error when it is a\n"
    "terminal.\n"
    "\n"
    "exit status: 0 success, 1 usage error, 2 input or simulation error.\n";

static void print_table(const hs_cal_input *in, const hs_cal_result *r, const char *out,
                        const char *report) {
  printf("Calibration of %s to %s\n", in->base ? hs_model_name(r->model) : "?", in->file);
  printf("  base patient: %s\n", in->patient_file ? in->patient_file : "bundled healthy adult");
  printf("  %zu measurements fitted, %zu parameters estimated, %d + %d evaluations "
         "(fit + sensitivity)%s\n",
         r->nfit, r->nparams, r->evals, r->sens_evals, r->steady ? "" : "; final run not steady");
  printf("  objective sum((sim - meas) / sd)^2: %.3g at the start -> %.3g (%s)\n",
         r->cost_start, r->cost, r->stop);
  printf("  time: fit %.2f s, sensitivity %.2f s, total %.2f s\n\n", r->fit_s, r->sens_s,
         r->total_s);
  printf("%-20s %10s %8s %10s %9s\n", "measurement", "measured", "sd", "simulated",
         "resid/sd");
  for (size_t i = 0; i < r->nrows; i++) {
    const hs_cal_row *w = &r->rows[i];
    char label[40];
    snprintf(label, sizeof label, "%s%s%s%s", hs_calq_name(w->q), *hs_calq_unit(w->q) ? " (" : "",
             hs_calq_unit(w->q), *hs_calq_unit(w->q) ? ")" : "");
    if (w->fitted)
      printf("%-20s %10.3g %8.3g %10.3g %+9.2f%s\n", label, w->measured, w->sd, w->simulated,
             w->residual, fabs(w->residual) > 2 ? "  !" : "");
    else
      printf("%-20s %10.3g %8s %10.3g %9s\n", label, w->measured, "set", w->simulated, "-");
  }
  printf("\n%-26s %9s %9s %9s %9s %7s  %s\n", "parameter", "base", "start", "fitted", "bounds",
         "RSE", "identifiable");
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    const hs_cal_param *p = &r->p[j];
    char label[48], bounds[32], rse[16];
    snprintf(label, sizeof label, "%s (%s)", hs_calp_name((hs_calp)j), hs_calp_unit((hs_calp)j));
    snprintf(bounds, sizeof bounds, "%g-%g", p->lower, p->upper);
    if (!p->estimated) {
      printf("%-26s %9.4g %9s %9.4g %9s %7s  not estimated\n", label, p->base, "-", p->value,
             bounds, "-");
      continue;
    }
    if (isfinite(p->rse)) snprintf(rse, sizeof rse, "%.0f %%", 100 * p->rse);
    else snprintf(rse, sizeof rse, "inf");
    printf("%-26s %9.4g %9.4g %9.4g %9s %7s  %s%s%s\n", label, p->base, p->start, p->value,
           bounds, rse, p->identifiable ? "yes" : "NO",
           p->at_bound ? (p->at_bound < 0 ? " (at lower bound)" : " (at upper bound)") : "",
           p->identifiable ? "" : "");
  }
  if (r->nweak) {
    printf("\nFisher information directions (eigenvalue: rise of the objective for a step of 1 "
           "in ln p along the direction; weak below %g):\n",
           HS_CAL_WEAK_EIG);
    for (size_t k = 0; k < r->nparams; k++) {
      int weak = r->eig[k] < HS_CAL_WEAK_EIG;
      if (r->eig[k] <= 0 && r->nnull > 1) continue; /* an arbitrary basis: summarised below */
      printf("  %-6s eigenvalue %-9.3g", weak ? "weak" : "fixed", r->eig[k]);
      for (size_t j = 0; j < r->nparams; j++)
        if (fabs(r->eigvec[k][j]) >= 0.2)
          printf(" %+.2f %s", r->eigvec[k][j], hs_calp_name((hs_calp)r->eig_param[j]));
      printf("\n");
    }
    if (r->nnull > 1)
      printf("  %zu directions with eigenvalue 0: combinations of parameters the measurements do "
             "not see at all\n",
             r->nnull);
  }
  int flagged = 0;
  for (int j = 0; j < HS_CALP_COUNT; j++)
    if (r->p[j].estimated && !r->p[j].identifiable) {
      if (!flagged) printf("\nnot determined by these measurements:\n");
      flagged = 1;
      printf("  %-16s %s\n", hs_calp_name((hs_calp)j), r->p[j].note);
    }
  if (*r->warning) printf("\nwarning: %s\n", r->warning);
  if (r->micro) { /* the capillary dysfunction fitted to the sublingual measurement */
    hs_err e;
    char *t = hs_micro_fit_text("the calibrated patient", in->micro_file, r->micro, &e);
    if (t) printf("\n%s", t);
    else printf("\n(microcirculation fit not shown: %s)\n", e.msg);
    free(t);
  }
  if (out) printf("\ncalibrated patient written to %s\n", out);
  if (report) printf("%sreport written to %s/index.html\n", out ? "" : "\n", report);
}

static void cal_progress(const char *phase, int done, int total, double best, void *ud) {
  (void)ud;
  fprintf(stderr, "\rhemosim: calibrate: %s %d/%d evaluations, objective %.3g   ", phase, done,
          total, best);
  fflush(stderr);
}

int hs_cmd_calibrate(int argc, char **argv) {
  const char *file = NULL, *out = NULL, *json = NULL, *report = NULL;
  int rc = HS_EXIT_FAIL, quiet = 0;
  hs_err err = {HS_OK, ""};
  hs_cal_input *in = NULL;
  hs_cal_result *r = NULL;
  hs_cal_options opt;
  hs_status st;
  hs_cal_options_default(&opt);
  enum { O_OUT = 256, O_JSON, O_REPORT, O_EVALS };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},          {"quiet", no_argument, NULL, 'q'},
      {"out", required_argument, NULL, O_OUT},    {"json", required_argument, NULL, O_JSON},
      {"report", required_argument, NULL, O_REPORT},
      {"max-evals", required_argument, NULL, O_EVALS},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt("calibrate", argc, argv, "hq", LONG)) != -1;) {
    switch (c) {
    case 'h': fputs(CALIBRATE_HELP, stdout); return HS_EXIT_OK;
    case 'q': quiet = 1; break;
    case O_OUT: out = optarg; break;
    case O_JSON: json = optarg; break;
    case O_REPORT: report = optarg; break;
    case O_EVALS: {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || end == optarg || n < 1 || n > 100000)
        return hs_cli_usage("calibrate", "--max-evals must be 1-100000 (got '%s')", optarg);
      opt.max_evals = (int)n;
      break;
    }
    default: return HS_EXIT_USAGE;
    }
  }
  if (optind < argc) file = argv[optind];
  if (argc - optind > 1) return hs_cli_usage("calibrate", "only one measurements file may be given");
  if (!file) return hs_cli_usage("calibrate", "a measurements file is required");
  if (hs_cal_input_load(file, &in, &err)) goto fail;
  int tty = isatty(2) && !quiet;
  if (tty) opt.progress = cal_progress;
  st = hs_calibrate(in, &opt, &r, &err);
  if (tty) fputs("\r\033[K", stderr); /* clear the progress line */
  if (st) goto fail;
  if (out && hs_cal_write_patient(in, r, out, &err)) goto fail;
  if (json && hs_cli_write_text(hs_cal_result_json(in, r, &opt, out, &err), json, &err)) goto fail;
  if (report) {
    char path[4096];
    if (hs_report_calibrate(report, in, r, &err)) goto fail;
    snprintf(path, sizeof path, "%s/calibration.json", report);
    if (hs_cli_write_text(hs_cal_result_json(in, r, &opt, out, &err), path, &err)) goto fail;
  }
  if (!quiet && (!json || strcmp(json, "-"))) print_table(in, r, out, report);
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  hs_cal_result_free(r);
  hs_cal_input_free(in);
  return rc;
}
