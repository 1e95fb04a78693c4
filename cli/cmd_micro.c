/*
 * cmd_micro.c - `hemosim micro`: sublingual microcirculation analysis of one
 * time point (ESICM 2018 consensus, De Backer 2007) and the measurement
 * schedule of the microcirculation-guided VA-ECMO trial.  The computation is in
 * the library (hemosim/micro.h, hemosim/titrate.h); this file parses argv and
 * prints.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli.h"
#include "hemosim/micro.h"
#include "hemosim/micro_model.h"
#include "hemosim/output.h"
#include "hemosim/plot.h"
#include "hemosim/titrate.h"

static const char MICRO_HELP[] =
    "usage: hemosim micro <subcommand> [options]\n"
    "\n"
    "Sublingual microcirculation (hand-held dark-field video) for VA-ECMO studies.\n"
    "\n"
    "subcommands:\n"
    "  analyze FILE       TVD, PPV, PVD, De Backer score, MFI and heterogeneity index of\n"
    "                     one time point, per site and averaged over usable sites, for\n"
    "                     small, large and all vessels; compared with published values\n"
    "  schedule FILE...   check measurement times against the trial windows (T1 within\n"
    "                     18 h of VA-ECMO placement, T2 6-22 h and T3 28-44 h after T1,\n"
    "                     T4 at 72 h)\n"
    "  fit PATIENT FILE...  fit the patient's capillary dysfunction (its\n"
    "                     microcirculation block) to measured time points\n"
    "  titrate PATIENT    simulated 72 h of ECMO flow titration: control (macro rules)\n"
    "                     vs microcirculation-assisted policy\n"
    "\n"
    "`hemosim micro <subcommand> --help` describes a subcommand.  File format and\n"
    "definitions: docs/microcirculation.md\n";

static const char ANALYZE_HELP[] =
    "usage: hemosim micro analyze FILE [options]\n"
    "\n"
    "Analyse one time point (FILE: YAML or JSON with 'hemosim_micro: 1').  Per site and\n"
    "as the mean over usable sites, for small vessels (diameter < cut-off), large\n"
    "vessels and all vessels:\n"
    "  TVD = vessel length / field area (mm/mm2)\n"
    "  PPV = 100 x (total - (no flow + intermittent)) / total (%), by length\n"
    "  PVD = TVD x PPV / 100 (mm/mm2); PSVD and PPSV are PVD and PPV of small vessels\n"
    "  De Backer score = grid-line crossings / line length (1/mm), with PPV and PVD\n"
    "  by crossings\n"
    "  MFI = mean of the 4 quadrant flow classes, then over sites; heterogeneity\n"
    "  index = (max - min site MFI) / mean site MFI\n"
    "A clip with any Massey image-quality category scored 10 is excluded (reason\n"
    "shown); fewer than 3 usable sites is flagged.  Values beyond published reference\n"
    "values (healthy volunteers, stable outpatients, VA-ECMO outcome cut-offs) are\n"
    "marked with '!'.\n"
    "\n"
    "options:\n"
    "      --json OUT          write the analysis as JSON to OUT ('-' = standard output,\n"
    "                          which replaces the table)\n"
    "      --small-cutoff D    small/large split for vessel records, with its unit\n"
    "                          (\"20 um\"; default: the file's small_cutoff_um,\n"
    "                          else 20 um)\n"
    "      --t4-tolerance T    half-width of the T4 window around 72 h, with its unit\n"
    "                          (default \"8 h\")\n"
    "  -q, --quiet             do not print the table\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 success (warnings included), 1 usage error, 2 input error.\n";

static const char SCHEDULE_HELP[] =
    "usage: hemosim micro schedule FILE... [options]\n"
    "\n"
    "Check measurement times against the windows of the microcirculation-guided\n"
    "VA-ECMO trial (NCT03470792): T1 within 18 h of VA-ECMO placement, T2 6-22 h\n"
    "after T1, T3 28-44 h after T1, T4 at 72 h after placement (+- tolerance).\n"
    "Each FILE is a measurement file (its time_point and hours_since_ecmo) or a\n"
    "schedule file (a time_points list).  Measurements outside their window are\n"
    "flagged; the exit status stays 0.\n"
    "\n"
    "options:\n"
    "      --json OUT          write the check as JSON to OUT ('-' = standard output)\n"
    "      --t4-tolerance T    half-width of the T4 window around 72 h, with its unit\n"
    "                          (default \"8 h\")\n"
    "  -q, --quiet             do not print the table\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 success (flags included), 1 usage error, 2 input error.\n";

/* ------------------------------------------------------------------ helpers */


/* ------------------------------------------------------------------ analyze */






static int cmd_analyze(int argc, char **argv) {
  const char *file = NULL, *json = NULL, *cmd = "micro analyze";
  int quiet = 0;
  hs_micro_options opt = {0, 0};
  enum { O_JSON = 256, O_CUTOFF, O_T4 };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},        {"quiet", no_argument, NULL, 'q'},
      {"json", required_argument, NULL, O_JSON}, {"small-cutoff", required_argument, NULL, O_CUTOFF},
      {"t4-tolerance", required_argument, NULL, O_T4}, {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt(cmd, argc, argv, "hq", LONG)) != -1;) {
    switch (c) {
    case 'h': fputs(ANALYZE_HELP, stdout); return HS_EXIT_OK;
    case 'q': quiet = 1; break;
    case O_JSON: json = optarg; break;
    case O_CUTOFF:
      if (hs_cli_parse_quantity(cmd, "--small-cutoff", optarg, HS_DIM_LENGTH, NULL, "um", 0, 1,
                                HS_MICRO_MAX_CUTOFF_UM, &opt.small_cutoff_um))
        return HS_EXIT_USAGE;
      break;
    case O_T4:
      if (hs_cli_parse_quantity(cmd, "--t4-tolerance", optarg, HS_DIM_TIME, NULL, "h", 0, 1, 72,
                                &opt.t4_tolerance_h))
        return HS_EXIT_USAGE;
      break;
    default: return HS_EXIT_USAGE;
    }
  }
  if (optind < argc) file = argv[optind];
  if (argc - optind > 1)
    return hs_cli_usage(cmd, "only one FILE may be given (got '%s' and '%s')", file, argv[optind + 1]);
  if (!file) return hs_cli_usage(cmd, "missing FILE (a microcirculation file, YAML or JSON)");
  hs_err err = {HS_OK, ""};
  hs_micro_input *in = NULL;
  hs_micro_result *r = calloc(1, sizeof *r);
  char *text = NULL;
  int rc = HS_EXIT_FAIL;
  if (!r) {
    hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if (hs_micro_load_file(file, &in, &err)) goto fail;
  if (hs_micro_analyze(in, &opt, r, &err)) {
    hs_err_prefix(&err, "%s: ", file);
    goto fail;
  }
  if (json) {
    if (hs_cli_write_text(hs_micro_json(in, r, file, &err), json, &err)) goto fail;
    if (!strcmp(json, "-")) quiet = 1;
  }
  if (!quiet && hs_cli_write_text(hs_micro_report_text(file, in, r, &err), "-", &err)) goto fail;
  for (size_t k = 0; quiet && k < r->nwarnings; k++)
    fprintf(stderr, "hemosim: warning: %s\n", r->warning[k]);
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  free(text);
  free(r);
  hs_micro_input_free(in);
  return rc;
}

/* ------------------------------------------------------------------ fit */

static const char FIT_HELP[] =
    "usage: hemosim micro fit PATIENT_FILE MICRO_FILE... [options]\n"
    "\n"
    "Fit the patient's sublingual capillary dysfunction (the `microcirculation` block of\n"
    "its patient file: obstructed, oedema, vasoconstriction; Ince 2015 types 1, 4, 3) to\n"
    "a measured time point (MICRO_FILE, as `hemosim micro analyze` reads it; it needs\n"
    "traced vessel lengths by flow class).  Several files (T1, T2, ...) are fitted one by\n"
    "one and their course is tabulated.  The patient is run to steady state at the\n"
    "measurement's ECMO flow and vasoactive doses when the file gives them, and the\n"
    "microcirculation model is solved for the three at that macro state:\n"
    "  obstructed       = the small vessels' no-flow share\n"
    "  oedema           = model TVD at the patient's Hb / measured small-vessel TVD - 1\n"
    "  vasoconstriction = the cut of capillary inflow that gives the measured PPV\n"
    "A value that would leave its range is held at the limit and named, with the\n"
    "measured and fitted values side by side.  compare, optimize and micro titrate then\n"
    "predict this patient's microcirculation (docs/microcirculation.md, \"Patient-\n"
    "specific dysfunction\").\n"
    "\n"
    "options:\n"
    "      --set NAME=VALUE    change a patient parameter first (repeatable), e.g.\n"
    "                          --set \"oxygen.hemoglobin=9 g/dL\" (the measurement's Hb)\n"
    "      --out PATIENT.yaml  write a patient file: base: PATIENT_FILE plus the fitted\n"
    "                          microcirculation block of the last MICRO_FILE (atomic)\n"
    "      --json OUT          write the fit as JSON (hemosim-micro-fit/1; '-' = standard\n"
    "                          output, which replaces the table)\n"
    "      --small-cutoff D    small/large split for vessel records (\"20 um\"; default:\n"
    "                          the file's small_cutoff_um, else 20 um)\n"
    "  -q, --quiet             do not print the table\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 success (values at a limit included), 1 usage error, 2 input or\n"
    "simulation error.\n";

static int cmd_fit(int argc, char **argv) {
  const char *cmd = "micro fit", *json = NULL, *out = NULL;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  int nsets = 0, quiet = 0, rc = HS_EXIT_FAIL;
  hs_micro_options opt = {0, 0};
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  hs_micro_input *in = NULL;
  hs_micro_result *r = calloc(1, sizeof *r);
  hs_micro_patient_fit *f = NULL;
  if (!sets || !r) {
    hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
    goto fail;
  }
  enum { O_SET = 256, O_OUT, O_JSON, O_CUTOFF };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},
      {"quiet", no_argument, NULL, 'q'},
      {"set", required_argument, NULL, O_SET},
      {"out", required_argument, NULL, O_OUT},
      {"json", required_argument, NULL, O_JSON},
      {"small-cutoff", required_argument, NULL, O_CUTOFF},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt(cmd, argc, argv, "hq", LONG)) != -1;) {
    switch (c) {
    case 'h': fputs(FIT_HELP, stdout); rc = HS_EXIT_OK; goto done;
    case 'q': quiet = 1; break;
    case O_SET: sets[nsets++] = optarg; break;
    case O_OUT: out = optarg; break;
    case O_JSON: json = optarg; break;
    case O_CUTOFF:
      if (hs_cli_parse_quantity(cmd, "--small-cutoff", optarg, HS_DIM_LENGTH, NULL, "um", 0, 1,
                                HS_MICRO_MAX_CUTOFF_UM, &opt.small_cutoff_um)) {
        rc = HS_EXIT_USAGE;
        goto done;
      }
      break;
    default: rc = HS_EXIT_USAGE; goto done;
    }
  }
  if (argc - optind < 2) {
    rc = hs_cli_usage(cmd, "needs PATIENT_FILE and at least one MICRO_FILE (a microcirculation "
                           "file)");
    goto done;
  }
  const char *patient = argv[optind];
  const char *const *files = (const char *const *)argv + optind + 1;
  size_t nfiles = (size_t)(argc - optind - 1);
  if (nfiles > HS_MICRO_MAX_TIMEPOINTS) {
    rc = hs_cli_usage(cmd, "at most %d measurement files (got %zu)", HS_MICRO_MAX_TIMEPOINTS,
                      nfiles);
    goto done;
  }
  if (!(f = calloc(nfiles, sizeof *f))) {
    hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if (hs_cli_load_patient(patient, &m, &err)) goto fail;
  int set_rc = hs_cli_apply_sets(cmd, m, sets, nsets);
  if (set_rc != HS_EXIT_OK) {
    rc = set_rc;
    goto done;
  }
  char first_id[HS_MICRO_NAME_MAX] = "";
  const char *first_file = "";
  for (size_t i = 0; i < nfiles; i++) { /* each time point at its own settings */
    hs_micro_input_free(in);
    in = NULL;
    if (hs_micro_load_file(files[i], &in, &err)) goto fail;
    if (hs_micro_analyze(in, &opt, r, &err) || hs_micro_fit_patient(m, in, r, &f[i], &err)) {
      hs_err_prefix(&err, "%s: ", files[i]);
      goto fail;
    }
    if (!f[i].steady)
      fprintf(stderr, "hemosim: warning: %s did not reach steady state at the settings of %s; "
                      "the fit uses the last beats\n", patient, files[i]);
    /* a course is one patient's: files naming different patients are said */
    if (in->patient[0] && first_id[0] && strcmp(in->patient, first_id))
      fprintf(stderr, "hemosim: warning: %s is of patient '%s', %s of '%s': a course is one "
                      "patient's\n", files[i], in->patient, first_file, first_id);
    if (in->patient[0] && !first_id[0]) {
      snprintf(first_id, sizeof first_id, "%s", in->patient);
      first_file = files[i];
    }
  }
  hs_provenance prov = {hs_model_name(m), patient, sets, (size_t)nsets};
  /* the patient file carries the latest time point's (the last file's) dysfunction */
  if (out && hs_micro_fit_write_patient(patient, hs_model_name(m), files[nfiles - 1],
                                        &f[nfiles - 1], out, &err))
    goto fail;
  if (json && hs_cli_write_text(hs_micro_fit_json(&prov, files, f, nfiles, &err), json, &err))
    goto fail;
  if (json && !strcmp(json, "-")) quiet = 1;
  for (size_t i = 0; !quiet && i < nfiles; i++) {
    if (i) fputs("\n", stdout);
    if (hs_cli_write_text(hs_micro_fit_text(patient, files[i], &f[i], &err), "-", &err)) goto fail;
  }
  if (!quiet && nfiles > 1) {
    fputs("\n", stdout);
    if (hs_cli_write_text(hs_micro_fit_course_text(files, f, nfiles, &err), "-", &err)) goto fail;
  }
  if (out && !quiet)
    printf("wrote %s (the dysfunction of %s)\n", out, files[nfiles - 1]);
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  free(sets);
  free(r);
  free(f);
  hs_micro_input_free(in);
  hs_model_free(m);
  return rc;
}

/* ------------------------------------------------------------------ schedule */

static int cmd_schedule(int argc, char **argv) {
  const char *json = NULL, *cmd = "micro schedule";
  int quiet = 0, nfiles = 0;
  double tol = 0;
  enum { O_JSON = 256, O_T4 };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},        {"quiet", no_argument, NULL, 'q'},
      {"json", required_argument, NULL, O_JSON}, {"t4-tolerance", required_argument, NULL, O_T4},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt(cmd, argc, argv, "hq", LONG)) != -1;) {
    switch (c) {
    case 'h': fputs(SCHEDULE_HELP, stdout); return HS_EXIT_OK;
    case 'q': quiet = 1; break;
    case O_JSON: json = optarg; break;
    case O_T4:
      if (hs_cli_parse_quantity(cmd, "--t4-tolerance", optarg, HS_DIM_TIME, NULL, "h", 0, 1, 72,
                                &tol))
        return HS_EXIT_USAGE;
      break;
    default: return HS_EXIT_USAGE;
    }
  }
  nfiles = argc - optind;
  if (!nfiles) return hs_cli_usage(cmd, "missing FILE (measurement or schedule files)");
  hs_err err = {HS_OK, ""};
  hs_micro_timepoint tp[HS_MICRO_MAX_TIMEPOINTS];
  hs_micro_window w[HS_MICRO_MAX_TIMEPOINTS];
  size_t n = 0;
  for (int i = optind; i < argc; i++)
    if (hs_micro_timepoints_load_file(argv[i], tp, HS_MICRO_MAX_TIMEPOINTS, &n, &err))
      return hs_cli_fail(&err);
  if (hs_micro_schedule_check(tp, n, tol, w, &err)) return hs_cli_fail(&err);
  if (json) {
    if (hs_cli_write_text(hs_micro_schedule_json(tp, w, n, tol, &err), json, &err))
      return hs_cli_fail(&err);
    if (!strcmp(json, "-")) quiet = 1;
  }
  if (!quiet) {
    if (hs_cli_write_text(hs_micro_schedule_text(tp, w, n, tol, &err), "-", &err))
      return hs_cli_fail(&err);
    return HS_EXIT_OK;
  }
  for (size_t i = 0; i < n; i++) /* quiet: the flagged ones as warnings */
    if (w[i].status == HS_SCHED_OUTSIDE || w[i].status == HS_SCHED_DUPLICATE)
      fprintf(stderr, "hemosim: warning: %s:%d: %s\n", tp[i].source ? tp[i].source : "-",
              tp[i].line, w[i].note);
  return HS_EXIT_OK;
}

/* ------------------------------------------------------------------ titrate */

static const char TITRATE_HELP[] =
    "usage: hemosim micro titrate PATIENT_FILE [options]\n"
    "\n"
    "Simulate microcirculation-guided VA-ECMO flow titration over a course (default\n"
    "72 h) as a quasi-steady sequence: at every decision point the patient's course\n"
    "parameters and the ECMO flow are set, the circulation is run to steady state,\n"
    "the macro metrics are read and the microcirculation model predicts small-vessel\n"
    "TVD, PVD, PPV and MFI.  The patient needs a VA-ECMO device named 'ecmo'.\n"
    "\n"
    "Course (scenario assumptions): LV contractility (lv.ees) rises linearly by 50 %\n"
    "by 72 h; capillary dysfunction at placement (the patient's microcirculation block:\n"
    "obstructed, oedema, vasoconstriction; 0.06, 0.06, 0.05 in the shipped shock\n"
    "patients) resolves linearly by half by 72 h.\n"
    "\n"
    "control policy, every interval, first rule that applies:\n"
    "  MAP < 65 mmHg, DO2 index < 330 mL/min/m2 or SvO2 < 60 %  -> flow +0.5 L/min (max 5.5)\n"
    "  aortic valve closed or PCWP > 18 mmHg                    -> flow -0.5 (min 1.5) if at\n"
    "                                      the lower flow MAP, DO2 index and SvO2 stay acceptable\n"
    "  pulse pressure >= 10 mmHg and 6 h since the last change  -> wean 0.25 (same check)\n"
    "micro policy: the same rules, plus at the trial measurement times (T1 6 h, T2 18 h,\n"
    "T3 40 h, T4 72 h): small-vessel PVD < 16 mm/mm2 or PPV < 76 % (Yeh 2018) -> flow\n"
    "+0.5 unless PCWP > 25 or the aortic valve is closed; good microcirculation allows a\n"
    "0.25 L/min wean when the macro rules would hold.\n"
    "\n"
    "options:\n"
    "      --policy P          control, micro or both (default both)\n"
    "      --hours H           course length, h (default 72; \"90 min\" also accepted)\n"
    "      --interval-h H      decision interval, h (default 1; at most --hours)\n"
    "      --flow F            starting ECMO flow with its unit, e.g. \"3.5 L/min\"\n"
    "                          (default: the patient's)\n"
    "      --obstructed F      capillary dysfunction at placement, instead of the\n"
    "                          patient's: obstructed share\n"
    "      --oedema F          ... tissue oedema\n"
    "      --vasoconstriction F ... intrinsic vasoconstriction\n"
    "      --lv-recovery F     fractional rise of lv.ees by the end (default 0.5)\n"
    "      --micro-resolution F  share of the dysfunction resolved by the end (default 0.5)\n"
    "      --json OUT          write the trajectories as JSON (hemosim-titrate/2; '-' =\n"
    "                          standard output, which replaces the table)\n"
    "      --csv OUT           write one row per policy and decision point\n"
    "      --plot OUT.svg      ECMO flow, MAP and small-vessel PVD against time\n"
    "      --fluids RATE       maintenance crystalloid (e.g. \"80 mL/h\"): the fluids module\n"
    "                          runs (urine from renal perfusion pressure, Hb dilution) and\n"
    "                          the slow states advance between decision points; each\n"
    "                          step's fluid_balance_ml (since the previous one) comes from\n"
    "                          the simulation (docs/model.md 2.18)\n"
    "      --trend PREFIX      trends of every metric, as `hemosim run --out` writes them:\n"
    "                          PREFIX-<policy>.csv (per interval), .json, .svg, decisions\n"
    "                          as events\n"
    "      --trend-interval S  trend interval (default 600 s; units allowed)\n"
    "      --lactate-max L     also raise the flow while the steady-state lactate plateau\n"
    "                          (lactate_steady_mmol_l) is above L (e.g. 2 mmol/L; default\n"
    "                          off); the table's Lac column and the CSV/JSON show it\n"
    "  -q, --quiet             do not print the table\n"
    "  -h, --help              this text\n"
    "\n"
    "Progress goes to standard error when it is a terminal.  Model and rules:\n"
    "docs/microcirculation.md, section \"Guided titration\".\n"
    "\n"
    "exit status: 0 success, 1 usage error, 2 input or simulation error.\n";

static void titrate_progress(double t_h, double hours, void *ud) {
  const char *name = ud;
  fprintf(stderr, "\rhemosim: titrate %-7s %5.1f / %.0f h", name, t_h, hours);
  fflush(stderr);
}


static int parse_fraction(const char *cmd, const char *opt, const char *text, double lo,
                          double hi, double *out) {
  char *end;
  double v = strtod(text, &end);
  if (end == text || *end || !(v >= lo && v <= hi))
    return hs_cli_usage(cmd, "%s must be a number in [%g, %g] (got '%s')", opt, lo, hi, text);
  *out = v;
  return 0;
}

/* A trend with the metrics of the patient's simulation (titrate compiles the same model). */
static hs_trend *new_trend(const hs_model *m, double interval, hs_err *err) {
  hs_plan *pl = hs_plan_compile(m, err);
  hs_sim *s = pl ? hs_sim_new(pl, err) : NULL;
  hs_trend *tr = s ? hs_trend_new(s, interval, 0, err) : NULL;
  hs_sim_free(s);
  hs_plan_free(pl);
  return tr;
}

/* PREFIX-<policy>.csv, .json and .svg (as `hemosim run --out` writes its trends). */
static hs_status write_trend(const hs_trend *tr, const char *prefix, const char *policy,
                             hs_err *err) {
  static const char *const SHOWN[] = {"ecmo_flow_lpm", "map_mmhg", "pcwp_mmhg", "hemoglobin_gdl",
                                      "fluid_balance_ml", "plasma_free_hb_mgdl"};
  char path[1024], title[256];
  snprintf(title, sizeof title, "micro titrate, %s policy", policy);
  snprintf(path, sizeof path, "%s-%s.csv", prefix, policy);
  if (hs_cli_write_text(hs_trend_csv(tr, 1, err), path, err)) return err->code;
  snprintf(path, sizeof path, "%s-%s.json", prefix, policy);
  if (hs_cli_write_text(hs_trend_json(tr, err), path, err)) return err->code;
  snprintf(path, sizeof path, "%s-%s.svg", prefix, policy);
  if (hs_cli_write_text(hs_trend_svg(tr, title, SHOWN, 6, err), path, err)) return err->code;
  return HS_OK;
}

static int cmd_titrate(int argc, char **argv) {
  const char *file = NULL, *json = NULL, *csv = NULL, *plot = NULL, *cmd = "micro titrate";
  const char *policy = "both";
  int quiet = 0;
  hs_titrate_options o;
  hs_titrate_defaults(&o);
  unsigned from_patient = HS_TITRATE_MICRO_ALL; /* dysfunction fields not given here */
  enum { O_POLICY = 256, O_HOURS, O_INTERVAL, O_FLOW, O_OBST, O_OED, O_VASO, O_LVREC, O_MRES,
         O_JSON, O_CSV, O_PLOT, O_FLUIDS, O_TREND, O_TREND_IV, O_LACT };
  const char *trend_prefix = NULL;
  double trend_iv = 600;
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},
      {"quiet", no_argument, NULL, 'q'},
      {"policy", required_argument, NULL, O_POLICY},
      {"hours", required_argument, NULL, O_HOURS},
      {"interval-h", required_argument, NULL, O_INTERVAL},
      {"flow", required_argument, NULL, O_FLOW},
      {"obstructed", required_argument, NULL, O_OBST},
      {"oedema", required_argument, NULL, O_OED},
      {"vasoconstriction", required_argument, NULL, O_VASO},
      {"lv-recovery", required_argument, NULL, O_LVREC},
      {"micro-resolution", required_argument, NULL, O_MRES},
      {"json", required_argument, NULL, O_JSON},
      {"csv", required_argument, NULL, O_CSV},
      {"plot", required_argument, NULL, O_PLOT},
      {"fluids", required_argument, NULL, O_FLUIDS},
      {"trend", required_argument, NULL, O_TREND},
      {"trend-interval", required_argument, NULL, O_TREND_IV},
      {"lactate-max", required_argument, NULL, O_LACT},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt(cmd, argc, argv, "hq", LONG)) != -1;) {
    int bad = 0;
    char name[32] = ""; /* "--hours", for messages */
    for (const struct option *l = LONG; l->name; l++)
      if (l->val == c) snprintf(name, sizeof name, "--%s", l->name);
    switch (c) {
    case 'h': fputs(TITRATE_HELP, stdout); return HS_EXIT_OK;
    case 'q': quiet = 1; break;
    case O_POLICY: policy = optarg; break;
    case O_JSON: json = optarg; break;
    case O_CSV: csv = optarg; break;
    case O_PLOT: plot = optarg; break;
    case O_TREND: trend_prefix = optarg; break;
    case O_LACT: { /* mmol/L is both the bedside and the internal unit: bare allowed */
      hs_err e = {HS_OK, ""};
      if (hs_quantity_parse(HS_DIM_LACTATE, optarg, &o.lactate_max, &e) != HS_OK ||
          !(o.lactate_max > 0 && o.lactate_max <= 20))
        return hs_cli_usage(cmd, "--lactate-max must be a lactate in (0, 20] mmol/L (got '%s')%s%s",
                            optarg, e.code ? ": " : "", e.code ? e.msg : "");
      break;
    }
    case O_FLUIDS:
    case O_TREND_IV: {
      hs_err e = {HS_OK, ""};
      double v;
      int flow = c == O_FLUIDS;
      if (hs_quantity_parse(flow ? HS_DIM_FLOW : HS_DIM_TIME, optarg, &v, &e) != HS_OK ||
          !(flow ? v >= 0 && v <= 5000 / 3600.0 : v > 0 && v <= 86400))
        return hs_cli_usage(cmd, "%s must be %s (got '%s')%s%s", name,
                            flow ? "a flow in [0, 5000] mL/h" : "a time in (0, 86400] s", optarg,
                            e.code ? ": " : "", e.code ? e.msg : "");
      if (flow) o.fluids_mlh = v * 3600.0;
      else trend_iv = v;
      break;
    }
    /* --hours and --interval-h name their unit: a bare number is in h; --flow needs one */
    case O_HOURS:
      bad = hs_cli_parse_quantity(cmd, name, optarg, HS_DIM_TIME, "h", "h", 0, 1, 1000, &o.hours);
      break;
    case O_INTERVAL:
      bad = hs_cli_parse_quantity(cmd, name, optarg, HS_DIM_TIME, "h", "h", 0, 1, 1000,
                                  &o.interval_h);
      break;
    case O_FLOW:
      bad = hs_cli_parse_quantity(cmd, name, optarg, HS_DIM_FLOW, NULL, "L/min", 0, 1, 8,
                                  &o.flow0_lpm);
      break;
    case O_OBST:
      bad = parse_fraction(cmd, name, optarg, 0, 0.99, &o.micro.obstructed);
      from_patient &= ~(1u << HS_MFIT_OBSTRUCTED);
      break;
    case O_OED:
      bad = parse_fraction(cmd, name, optarg, 0, 5, &o.micro.oedema);
      from_patient &= ~(1u << HS_MFIT_OEDEMA);
      break;
    case O_VASO:
      bad = parse_fraction(cmd, name, optarg, 0, 0.99, &o.micro.vasoconstriction);
      from_patient &= ~(1u << HS_MFIT_VASOCONSTRICTION);
      break;
    case O_LVREC: bad = parse_fraction(cmd, name, optarg, -0.9, 5, &o.lv_recovery_frac); break;
    case O_MRES: bad = parse_fraction(cmd, name, optarg, 0, 1, &o.micro_resolution); break;
    default: return HS_EXIT_USAGE;
    }
    if (bad) return HS_EXIT_USAGE;
  }
  if (optind < argc) file = argv[optind];
  if (argc - optind > 1)
    return hs_cli_usage(cmd, "only one PATIENT_FILE may be given (got '%s' and '%s')", file,
                        argv[optind + 1]);
  if (!file) return hs_cli_usage(cmd, "missing PATIENT_FILE (a patient on VA-ECMO)");
  hs_titrate_policy pols[2];
  int npol = 0;
  hs_err err = {HS_OK, ""};
  if (!strcmp(policy, "both")) {
    pols[npol++] = HS_TITRATE_CONTROL;
    pols[npol++] = HS_TITRATE_MICRO;
  } else if (hs_titrate_policy_parse(policy, &pols[0], NULL) == HS_OK) {
    npol = 1;
  } else {
    return hs_cli_usage(cmd, "unknown --policy '%s' (control, micro, both)", policy);
  }
  if (o.interval_h > o.hours)
    return hs_cli_usage(cmd, "--interval-h (%g) must not exceed --hours (%g)", o.interval_h,
                        o.hours);
  if (hs_titrate_check(&o, &err)) return hs_cli_usage(cmd, "%s", err.msg);
  if (json && !strcmp(json, "-")) quiet = 1;
  hs_model *m = NULL;
  hs_titrate_result *res[2] = {NULL, NULL};
  int rc = HS_EXIT_FAIL;
  if (hs_cli_load_patient(file, &m, &err)) goto fail;
  if (hs_titrate_micro_from_model(&o, m, from_patient, &err)) goto fail;
  int tty = isatty(2);
  for (int k = 0; k < npol; k++) {
    o.policy = pols[k];
    o.progress = tty ? titrate_progress : NULL;
    o.progress_ud = (void *)hs_titrate_policy_name(pols[k]);
    if (trend_prefix && !(o.trend = new_trend(m, trend_iv, &err))) goto fail;
    hs_status st = hs_titrate_run(m, &o, &res[k], &err);
    if (tty) fputs("\r\033[K", stderr);
    if (!st && o.trend) st = write_trend(o.trend, trend_prefix, hs_titrate_policy_name(pols[k]), &err);
    hs_trend_free(o.trend);
    o.trend = NULL;
    if (st) goto fail;
  }
  hs_provenance prov = {hs_model_name(m), file, NULL, 0};
  if (json && hs_cli_write_text(hs_titrate_json(&o, res, npol, &prov, &err), json, &err))
    goto fail;
  if (csv && hs_cli_write_text(hs_titrate_csv(res, npol, &err), csv, &err)) goto fail;
  if (plot) {
    char title[512];
    snprintf(title, sizeof title, "ECMO flow titration: %s", file);
    if (hs_cli_write_text(hs_titrate_svg(title, res, npol, &err), plot, &err)) goto fail;
  }
  if (!quiet && hs_cli_write_text(hs_titrate_text(file, res, npol, &err), "-", &err)) goto fail;
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  for (int k = 0; k < 2; k++) hs_titrate_result_free(res[k]);
  hs_model_free(m);
  return rc;
}

/* ------------------------------------------------------------------ dispatch */

int hs_cmd_micro(int argc, char **argv) {
  if (argc < 2) {
    fputs(MICRO_HELP, stderr);
    return HS_EXIT_USAGE;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
    fputs(MICRO_HELP, stdout);
    return HS_EXIT_OK;
  }
  if (!strcmp(sub, "analyze") || !strcmp(sub, "analyse")) return cmd_analyze(argc - 1, argv + 1);
  if (!strcmp(sub, "schedule")) return cmd_schedule(argc - 1, argv + 1);
  if (!strcmp(sub, "titrate")) return cmd_titrate(argc - 1, argv + 1);
  if (!strcmp(sub, "fit")) return cmd_fit(argc - 1, argv + 1);
  return hs_cli_usage("micro", "unknown subcommand '%s' (analyze, schedule, fit, titrate)", sub);
}
