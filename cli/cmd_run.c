/*
 * cmd_run.c - `hemosim run`: simulate one patient, print and write the results.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_SWEEP                                                                      \
  "map_mmhg:0,co_lpm:1,lv_output_lpm:1,pcwp_mmhg:0,lvedv_ml:0,pulse_pressure_mmhg:1,"     \
  "av_open_fraction:2,ecmo_rpm:0"
#define DEFAULT_TREND                                                                      \
  "map_mmhg,pcwp_mmhg,co_lpm,hemoglobin_gdl,fluid_balance_ml,plasma_free_hb_mgdl"

static const char RUN_HELP[] =
    "usage: hemosim run [PATIENT_FILE] [options]\n"
    "\n"
    "Simulate a patient beat by beat.  Without PATIENT_FILE the bundled healthy\n"
    "adult (examples/patients/healthy_adult.yaml) is used.  Without --duration the\n"
    "run continues until the circulation is periodic (steady state) and the\n"
    "metrics are the mean of the last solver.window_beats beats.\n"
    "\n"
    "options:\n"
    "  -d, --duration S       simulate S seconds (units allowed: \"10 min\")\n"
    "  -s, --scenario FILE    timed parameter changes (YAML/JSON, docs/scenario-format.md)\n"
    "      --set NAME=VALUE   set a parameter before the run; repeatable\n"
    "                         e.g. --set lv.ees=1.0 --set \"heart.heart_rate=90 /min\"\n"
    "  -o, --out DIR          write summary.json, waveforms.csv, pv_loops.svg,\n"
    "                         waveforms.svg, trend.csv, trend_beats.csv, trend.json,\n"
    "                         trend.svg and provenance.json (version, build, patient,\n"
    "                         --set of the CSV files) into DIR (created if missing;\n"
    "                         all or none)\n"
    "      --summary-json F   write the JSON summary to F ('-' = standard output)\n"
    "      --signals LIST     CSV signals, comma-separated p:<node>, v:<node>, q:<edge>\n"
    "                         (default " HS_DEFAULT_SIGNALS ")\n"
    "      --rate HZ          CSV sampling rate: \"100 Hz\", \"100 /s\" or 100 (default 200 Hz)\n"
    "      --trend-interval S trend table interval (default 60 s; units allowed)\n"
    "      --trend-metrics L  metrics drawn in trend.svg, comma-separated (default\n"
    "                         " DEFAULT_TREND ")\n"
    "      --sweep NAME=V1,V2,...  one steady-state run per value of parameter NAME (a\n"
    "                         unit after the last value applies to all: \"ecmo.target_flow\n"
    "                         =1,2,3,4,5 L/min\"); prints a Markdown table of --columns\n"
    "      --columns LIST     metrics of the --sweep table, each NAME or NAME:DECIMALS\n"
    "                         (default " DEFAULT_SWEEP ")\n"
    "  -q, --quiet            do not print the metrics table\n"
    "  -h, --help             this text\n"
    "\n"
    "With --out, DIR also receives the trends of every metric (docs/output.md,\n"
    "\"Trends\"): trend.csv (mean per interval), trend_beats.csv (every beat),\n"
    "trend.json (both, with the scenario events) and trend.svg (the chosen\n"
    "metrics against time, events marked).  Hours-scale runs: set\n"
    "solver.slow_step (e.g. --set \"solver.slow_step=600 s\", docs/model.md 2.18).\n"
    "\n"
    "The files of --out appear together or not at all: they are written into\n"
    "DIR.tmpXXXXXX beside DIR and renamed into place when the run succeeded; DIR\n"
    "may be new, empty or hold a previous run's outputs.  --summary-json is written\n"
    "last, only after a successful run.  Staging directories a SIGKILL left behind\n"
    "(DIR.tmpXXXXXX) are removed by a later run when older than 24 h (docs/output.md).\n"
    "\n"
    "exit status: 0 success, 1 usage error, 2 input or simulation error; interrupted\n"
    "by SIGINT or SIGTERM: 128 + the signal number, nothing written.\n"
    "Progress is shown on standard error when it is a terminal.\n";

/* The files of --out; a directory holding only these may be replaced by a new run. */
static const char *const RUN_OUTPUTS[] = {"summary.json", "waveforms.csv", "pv_loops.svg",
                                          "waveforms.svg", "trend.csv", "trend_beats.csv",
                                          "trend.json", "trend.svg", "provenance.json", NULL};


/* Set by the signal handler (the command line's only global): the beat callback, which
   the library calls after every beat, stops the run when it is set. */
static volatile sig_atomic_t interrupted;
static void on_signal(int sig) { interrupted = sig; }

typedef struct progress {
  int tty;
  struct timespec t0;
  int shown;
  double t_start, duration; /* simulated: start and length of the run (0: to steady) */
  hs_trend *trend;          /* NULL without --out */
} progress;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int on_beat(long beat, double t_end, const double *m, void *ud) {
  progress *p = ud;
  if (interrupted) return 1; /* the library stops the run: "stopped by the beat callback" */
  if (p->trend && hs_trend_on_beat(beat, t_end, m, p->trend)) return 1;
  if (!p->tty || beat % 10) return 0;
  double el = now_s() - ((double)p->t0.tv_sec + 1e-9 * (double)p->t0.tv_nsec);
  if (el < 0.5) return 0;
  double done = t_end - p->t_start;
  if (p->duration > 0 && done > 0) /* remaining wall time at the pace so far */
    fprintf(stderr, "\rhemosim: t = %.1f of %.1f s (%.0f %%), beat %ld, ETA %.0f s   ", t_end,
            p->t_start + p->duration, 100 * done / p->duration, beat,
            el * (p->duration - done) / done);
  else
    fprintf(stderr, "\rhemosim: t = %.1f s, beat %ld ", t_end, beat);
  p->shown = 1;
  return 0;
}

/* --rate: the CSV sampling rate, samples per second.  "100 Hz", "100 /s", "100 1/s" and a
 * bare 100 all mean 100 per second (the only meaning a sampling rate has; the unit table
 * has no frequency on purpose: "Hz" is refused for heart rates, which are per minute). */
static int parse_rate(const char *text, double *out) {
  static const char *const UNITS[] = {"Hz", "1/s", "/s"};
  char num[64];
  size_t n = strlen(text);
  while (n && text[n - 1] == ' ') n--;
  for (size_t u = 0; u < sizeof UNITS / sizeof *UNITS; u++) {
    size_t k = strlen(UNITS[u]);
    if (n > k && !memcmp(text + n - k, UNITS[u], k)) {
      n -= k;
      break;
    }
  }
  while (n && text[n - 1] == ' ') n--;
  char *end = num;
  double v = NAN;
  if (n < sizeof num) {
    snprintf(num, sizeof num, "%.*s", (int)n, text);
    v = strtod(num, &end);
  }
  if (!n || n >= sizeof num || *end || end == num || !isfinite(v) || strpbrk(num, "xX"))
    return hs_cli_usage("run", "--rate: \"%s\": a sampling rate is written \"100 Hz\", "
                               "\"100 /s\" or 100 (per second)", text);
  if (!(v > 0 && v <= 100000))
    return hs_cli_usage("run", "--rate: \"%s\" is %.10g Hz, out of range (0, 100000] Hz", text,
                        v);
  *out = v;
  return HS_EXIT_OK;
}


static char *join(const char *dir, const char *file) {
  size_t n = strlen(dir) + strlen(file) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, file);
  return p;
}

static hs_status write_figures(const hs_recorder *rec, const char *dir, double span,
                               const char *title, hs_err *err) {
  char *pv = hs_recorder_pv_svg(rec, span, title, err);
  if (!pv) return err->code;
  char *path = join(dir, "pv_loops.svg");
  hs_status st = path ? hs_write_file_atomic(path, pv, strlen(pv), err) : HS_ERR_NOMEM;
  free(path);
  free(pv);
  if (st) return st;
  char *wf = hs_recorder_waveform_svg(rec, span, title, err);
  if (!wf) return err->code;
  path = join(dir, "waveforms.svg");
  st = path ? hs_write_file_atomic(path, wf, strlen(wf), err) : HS_ERR_NOMEM;
  free(path);
  free(wf);
  return st;
}

/* Write text to dir/file atomically (text consumed). */
static hs_status put(const char *dir, const char *file, char *text, hs_err *err) {
  if (!text) return err->code;
  char *path = join(dir, file);
  hs_status st = path ? hs_write_file_atomic(path, text, strlen(text), err) : HS_ERR_NOMEM;
  free(path);
  free(text);
  return st;
}

/* Whether the device named by the first n characters of name is a blood pump (VA-ECMO,
   Impella, TandemHeart), whose backward mean flow is a hazard; a septostomy's negative
   flow is a right-to-left shunt, not a pump running backwards. */
static int pump_device(const hs_model *m, const char *name, size_t n) {
  char dev[96];
  if (n >= sizeof dev) return 0;
  memcpy(dev, name, n);
  dev[n] = 0;
  long i = hs_model_block_index(m, dev);
  const hs_block_type *t = i >= 0 ? hs_model_block_type(m, (size_t)i) : NULL;
  return t && (!strcmp(t->name, "va_ecmo") || !strcmp(t->name, "impella") ||
               !strcmp(t->name, "tandemheart"));
}

/* provenance.json: how the CSV files beside it were made (version, build, patient,
   --set, scenario, duration); the CSV files themselves stay plain tables */
static hs_status write_provenance(const char *dir, const hs_model *m, const char *patient,
                                  const char *const *sets, int nsets, const char *scenario,
                                  const char *duration, hs_err *err) {
  hs_provenance prov = {hs_model_name(m), patient, sets, (size_t)nsets};
  const char *kv[] = {"scenario", scenario, "duration", duration};
  size_t nf = 0;
  while (RUN_OUTPUTS[nf + 1]) nf++; /* every file but provenance.json itself */
  return hs_provenance_write(dir, "hemosim run", &prov, kv, 2, RUN_OUTPUTS, nf, err);
}

/* trend.csv, trend_beats.csv, trend.json and trend.svg of the chosen metrics. */
static hs_status write_trend(const hs_trend *tr, const char *dir, const char *metrics,
                             const char *title, hs_err *err) {
  hs_status st;
  if ((st = put(dir, "trend.csv", hs_trend_csv(tr, 1, err), err))) return st;
  if ((st = put(dir, "trend_beats.csv", hs_trend_csv(tr, 0, err), err))) return st;
  if ((st = put(dir, "trend.json", hs_trend_json(tr, err), err))) return st;
  char *list = malloc(strlen(metrics) + 1);
  const char *names[32];
  size_t n = 0;
  if (!list) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  strcpy(list, metrics);
  for (char *tok = strtok(list, ","); tok && n < 32; tok = strtok(NULL, ",")) names[n++] = tok;
  st = put(dir, "trend.svg", hs_trend_svg(tr, title, names, n, err), err);
  free(list);
  return st;
}

/*
 * --sweep: one steady-state run per value, each a fresh simulation of the patient with
 * the value set before compiling (exactly as separate `hemosim run --set` runs), and a
 * Markdown table of the chosen columns: the value, then each metric (mean of the last
 * solver.window_beats beats) with its decimals.
 */
static int run_sweep(const hs_model *base, const char *spec, const char *columns) {
  hs_err err = {HS_OK, ""};
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || !eq[1])
    return hs_cli_usage("run", "--sweep must be NAME=V1,V2,... (got '%s')", spec);
  char path[128], vals[1024], cols[1024];
  if ((size_t)(eq - spec) >= sizeof path || strlen(eq + 1) >= sizeof vals ||
      strlen(columns) >= sizeof cols)
    return hs_cli_usage("run", "--sweep / --columns too long");
  memcpy(path, spec, (size_t)(eq - spec));
  path[eq - spec] = '\0';
  strcpy(vals, eq + 1);
  strcpy(cols, columns);
  const char *unit = strrchr(vals, ' '); /* "1,2,5 L/min": the unit of the last value */
  unit = unit && !strchr(unit, ',') ? unit + 1 : "";
  const char *cname[32];
  int cdec[32], nc = 0;
  for (char *tok = strtok(cols, ","); tok && nc < 32; tok = strtok(NULL, ",")) {
    char *colon = strchr(tok, ':');
    cdec[nc] = colon ? atoi(colon + 1) : 2;
    if (colon) *colon = '\0';
    if (cdec[nc] < 0 || cdec[nc] > 9) cdec[nc] = 2;
    cname[nc++] = tok;
  }
  printf(*unit ? "| %s (%s) |" : "| %s%s |", path, unit);
  for (int c = 0; c < nc; c++) printf(" %s |", cname[c]);
  printf("\n|---|");
  for (int c = 0; c < nc; c++) printf("---|");
  printf("\n");
  char *save = NULL;
  for (char *v = strtok_r(vals, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
    while (*v == ' ') v++;
    char text[160];
    if (*unit && !strchr(v, ' ')) snprintf(text, sizeof text, "%s %s", v, unit);
    else snprintf(text, sizeof text, "%s", v);
    hs_model *m = hs_model_clone(base, &err);
    hs_plan *pl = NULL;
    hs_sim *sim = NULL;
    double *all = NULL;
    hs_steady_info inf;
    int ok = m && !hs_model_set_text(m, path, text, &err) && (pl = hs_plan_compile(m, &err)) &&
             (sim = hs_sim_new(pl, &err));
    if (ok) {
      hs_status st = hs_sim_run_to_steady(sim, &inf, &err);
      if (st == HS_ERR_NOT_STEADY) fprintf(stderr, "hemosim: warning: %s = %s: %s\n", path, text, err.msg);
      ok = (st == HS_OK || st == HS_ERR_NOT_STEADY) &&
           (all = malloc(hs_sim_metric_count(sim) * sizeof *all)) &&
           !hs_sim_summary_all(sim, inf.beats > 0 ? 6 : 1, all, &err);
    }
    if (ok) {
      printf("| %.*s |", (int)strcspn(v, " "), v);
      for (int c = 0; c < nc; c++) {
        size_t k = 0, n = hs_sim_metric_count(sim);
        char buf[128];
        while (k < n && strcmp(hs_sim_metric_name(sim, k, buf, sizeof buf), cname[c]) != 0) k++;
        if (k == n) {
          hs_err_set(&err, HS_ERR_UNKNOWN, "--columns: unknown metric '%s'", cname[c]);
          ok = 0;
          break;
        }
        if (isfinite(all[k])) printf(" %.*f |", cdec[c], all[k]);
        else printf(" n/a |");
      }
      if (ok) printf("\n");
    }
    free(all);
    hs_sim_free(sim);
    hs_plan_free(pl);
    hs_model_free(m);
    if (!ok) return hs_cli_fail(&err);
  }
  return HS_EXIT_OK;
}

int hs_cmd_run(int argc, char **argv) {
  const char *patient = NULL, *scenario = NULL, *out = NULL, *json = NULL, *signals = NULL;
  const char *duration_text = NULL;
  double rate = 200;
  int quiet = 0;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  int nsets = 0, rc = HS_EXIT_FAIL;
  hs_err err = {HS_OK, ""};
  hs_model *m = NULL;
  hs_plan *pl = NULL;
  hs_sim *sim = NULL;
  hs_scenario *sc = NULL;
  hs_recorder *rec = NULL;
  char *summary = NULL, *csv_path = NULL;
  hs_outdir *od = NULL;
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  interrupted = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  double *metrics = NULL;
  if (!sets) return hs_cli_usage("run", "out of memory");
  enum { O_SET = 256, O_SUMMARY, O_SIGNALS, O_RATE, O_TREND_IV, O_TREND_M, O_SWEEP, O_COLUMNS };
  const char *sweep = NULL, *columns = DEFAULT_SWEEP;
  const char *trend_iv_text = NULL, *trend_metrics = DEFAULT_TREND;
  double trend_iv = 60;
  hs_trend *trend = NULL;
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},          {"duration", required_argument, NULL, 'd'},
      {"scenario", required_argument, NULL, 's'}, {"set", required_argument, NULL, O_SET},
      {"out", required_argument, NULL, 'o'},      {"summary-json", required_argument, NULL, O_SUMMARY},
      {"signals", required_argument, NULL, O_SIGNALS}, {"rate", required_argument, NULL, O_RATE},
      {"quiet", no_argument, NULL, 'q'},
      {"trend-interval", required_argument, NULL, O_TREND_IV},
      {"trend-metrics", required_argument, NULL, O_TREND_M},
      {"sweep", required_argument, NULL, O_SWEEP},
      {"columns", required_argument, NULL, O_COLUMNS},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt("run", argc, argv, "hd:s:o:q", LONG)) != -1;) {
    switch (c) {
    case 'h':
      fputs(RUN_HELP, stdout);
      rc = HS_EXIT_OK;
      goto done;
    case 'd': duration_text = optarg; break;
    case 's': scenario = optarg; break;
    case O_SET: sets[nsets++] = optarg; break;
    case 'o': out = optarg; break;
    case O_SUMMARY: json = optarg; break;
    case O_SIGNALS: signals = optarg; break;
    case O_RATE:
      if (parse_rate(optarg, &rate) != HS_EXIT_OK) {
        rc = HS_EXIT_USAGE;
        goto done;
      }
      break;
    case 'q': quiet = 1; break;
    case O_TREND_IV: trend_iv_text = optarg; break;
    case O_TREND_M: trend_metrics = optarg; break;
    case O_SWEEP: sweep = optarg; break;
    case O_COLUMNS: columns = optarg; break;
    default: rc = HS_EXIT_USAGE; goto done;
    }
  }
  for (int i = optind; i < argc; i++) {
    if (patient) {
      rc = hs_cli_usage("run", "only one patient file may be given (got '%s' and '%s')",
                        patient, argv[i]);
      goto done;
    }
    patient = argv[i];
  }
  double duration = 0;
  if (duration_text) {
    if (hs_quantity_parse(HS_DIM_TIME, duration_text, &duration, &err) != HS_OK ||
        !(duration > 0 && duration <= 1e6)) {
      rc = hs_cli_usage("run", "--duration must be a time in (0, 1e6] s (got '%s')",
                        duration_text);
      goto done;
    }
  }
  if (trend_iv_text && (hs_quantity_parse(HS_DIM_TIME, trend_iv_text, &trend_iv, &err) != HS_OK ||
                        !(trend_iv > 0 && trend_iv <= 86400))) {
    rc = hs_cli_usage("run", "--trend-interval must be a time in (0, 86400] s (got '%s')",
                      trend_iv_text);
    goto done;
  }
  if (hs_cli_load_patient(patient, &m, &err)) goto fail;
  int set_rc = hs_cli_apply_sets("run", m, sets, nsets);
  if (set_rc != HS_EXIT_OK) {
    rc = set_rc;
    goto done;
  }
  if (sweep) {
    if (duration_text || scenario || out || json) {
      rc = hs_cli_usage("run", "--sweep runs to steady state per value: it takes no "
                               "--duration, --scenario, --out or --summary-json");
      goto done;
    }
    rc = run_sweep(m, sweep, columns);
    goto done;
  }
  if (!(pl = hs_plan_compile(m, &err))) goto fail;
  if (!(sim = hs_sim_new(pl, &err))) goto fail;
  if (scenario) {
    if (hs_scenario_load_file(scenario, &sc, &err)) goto fail;
    if (hs_scenario_apply(sc, sim, &err)) goto fail;
    if (!duration_text && hs_scenario_duration(sc) > 0) duration = hs_scenario_duration(sc);
    if (duration > 0 && hs_scenario_check_end(sc, duration, &err)) goto fail;
  }
  if (out) {
    if (!(od = hs_outdir_begin(out, RUN_OUTPUTS, &err))) goto fail;
    if (!(csv_path = join(hs_outdir_path(od), "waveforms.csv"))) goto fail;
    if (!(rec = hs_recorder_new(pl, signals, csv_path, rate, 8.0, &err))) goto fail;
    if (hs_recorder_attach(rec, sim, &err)) goto fail;
    if (!(trend = hs_trend_new(sim, trend_iv, 1, &err))) goto fail;
    for (size_t i = 0; sc && i < hs_scenario_event_count(sc); i++) {
      double te;
      const char *path, *value;
      char label[160];
      if (hs_scenario_event(sc, i, &te, &path, &value, &err)) goto fail;
      snprintf(label, sizeof label, "%s %s", path, value);
      if (hs_trend_add_event(trend, te, label, &err)) goto fail;
    }
  } else if (signals) {
    rc = hs_cli_usage("run", "--signals needs --out DIR (the CSV goes there)");
    goto done;
  }
  progress prog = {isatty(2), {0, 0}, 0, hs_sim_time(sim), duration, trend};
  clock_gettime(CLOCK_MONOTONIC, &prog.t0);
  hs_sim_set_beat_callback(sim, on_beat, &prog);
  double t0 = now_s();
  hs_run_info info;
  memset(&info, 0, sizeof info);
  info.patient_name = hs_model_name(m);
  info.patient_file = patient;
  info.scenario_file = scenario;
  info.set = sets;
  info.nset = (size_t)nsets;
  hs_status st;
  if (duration > 0) {
    st = hs_sim_run(sim, duration, &err);
  } else {
    info.steady_requested = 1;
    st = hs_sim_run_to_steady(sim, &info.steady, &err);
    if (st == HS_ERR_NOT_STEADY) {
      fprintf(stderr, "hemosim: warning: %s\n", err.msg);
      st = HS_OK;
    }
  }
  if (prog.shown) fputc('\n', stderr);
  if (interrupted) goto fail;
  if (st) goto fail;
  info.wall_s = now_s() - t0;
  info.duration_s = hs_sim_time(sim);
  double window = 6;
  hs_sim_get(sim, "solver.window_beats", &window, NULL);
  info.window_beats = (int)window;
  if (hs_sim_beats(sim) < info.window_beats) info.window_beats = (int)hs_sim_beats(sim);
  if (info.window_beats < 1) {
    hs_err_set(&err, HS_ERR_STATE,
               "the run ended before the first beat completed: use a longer --duration");
    goto fail;
  }
  if (!(metrics = malloc(hs_sim_metric_count(sim) * sizeof *metrics))) goto fail;
  if (hs_sim_summary_all(sim, info.window_beats, metrics, &err)) goto fail;
  if (!(summary = hs_summary_json(sim, &info, &err))) goto fail;
  int counterpulsation = 0;
  for (size_t k = HS_METRIC_COUNT; k < hs_sim_metric_count(sim); k++) {
    char buf[128];
    const char *name = hs_sim_metric_name(sim, k, buf, sizeof buf);
    size_t n = strlen(name);
    if (n > 18 && !strcmp(name + n - 18, "_balloon_volume_ml") && metrics[k] > 0)
      counterpulsation = 1;
    if (n > 9 && !strcmp(name + n - 9, "_flow_lpm") && metrics[k] < -0.05 &&
        pump_device(m, name, n - 9))
      fprintf(stderr,
              "hemosim: warning: %.*s: mean pump flow %.2f L/min, backwards over the last %d "
              "beats: the pump does not overcome the pressure against it (speed too low, or "
              "stopped), so blood flows retrograde through it; raise the speed or clamp the "
              "lines\n",
              (int)(n - 9), name, metrics[k], info.window_beats);
    if (n > 17 && !strcmp(name + n - 17, "_suction_fraction") && metrics[k] > 0)
      fprintf(stderr,
              "hemosim: warning: %.*s: suction (the drained chamber or vein collapsed onto "
              "the inflow) during %.0f %% of the last %d beats: flow is limited; consider "
              "volume, a larger inflow cannula or a lower pump speed\n",
              (int)(n - 17), name, 100 * metrics[k], info.window_beats);
  }
  if (counterpulsation && isfinite(metrics[HS_M_TLPI]))
    fprintf(stderr,
            "hemosim: note: balloon counterpulsation: the MCA pulsatility index (%.2f) carries "
            "the balloon's augmentation and deflation, not intracranial pressure (docs/brain.md, "
            "Limits)\n",
            metrics[HS_M_TLPI]);
  { /* hypoxaemic blood into the brain while its O2 reactivity is off: the flow shown is the
       normoxic one (docs/brain.md, "O2 reactivity"); normoxic = the content at the law's
       own brain.o2_reference */
    double n = 0.0, pref = 0.0, c = metrics[HS_M_CAO2B], hb = metrics[HS_M_HB];
    hs_err e2;
    if (isfinite(c) && hb > 0 && hs_sim_get(sim, "brain.o2_reactivity", &n, &e2) == HS_OK &&
        !(n > 0) && hs_sim_get(sim, "brain.o2_reference", &pref, &e2) == HS_OK) {
      double ref = hs_o2_content(hb, pref);
      if (c < 0.85 * ref)
        fprintf(stderr,
                "hemosim: note: the brain receives blood with %.1f mL O2/dL, %.0f %% of a "
                "normoxic content at this haemoglobin (%.1f g/dL); with brain.o2_reactivity 0 "
                "(the default) its autoregulated beds do not dilate against hypoxaemia, so the "
                "cerebral flow and O2 delivery shown are at its normoxic flow, a lower bound; "
                "--set brain.o2_reactivity=1.3 adds the hypoxic vasodilation (docs/brain.md, "
                "\"O2 reactivity\")\n",
                c, 100.0 * c / ref, hb);
    }
  }
  if (isfinite(metrics[HS_M_ICP]) && metrics[HS_M_ICP] >= metrics[HS_M_MAP])
    fprintf(stderr,
            "hemosim: warning: ICP %.0f mmHg at or above MAP %.0f mmHg: cerebral circulatory "
            "arrest (no cerebral blood flow). The model has no brain herniation: a mass "
            "beyond the skull's reserve raises ICP without limit, and such an ICP is not a "
            "clinical value (docs/brain.md, Limits)\n",
            metrics[HS_M_ICP], metrics[HS_M_MAP]);
  {
    hs_sim_stats ss;
    hs_sim_get_stats(sim, &ss);
    if (ss.slow_held_s > 0)
      fprintf(stderr,
              "hemosim: note: macro steps (solver.slow_step) held for %.0f s of simulated "
              "time: the LV did not eject and this model has no separate left-heart pool "
              "whose filling they could advance; integrated beat by beat (docs/model.md, "
              "\"Slow states\")\n",
              ss.slow_held_s);
  }
  if (info.steady_requested && info.steady.accel_fallback)
    fprintf(stderr,
            "hemosim: note: steady-state acceleration fell back to plain integration (%s); "
            "the state is the one plain integration reaches\n",
            info.steady.accel_reason);
  if (out) {
    const char *stage = hs_outdir_path(od);
    char *path = join(stage, "summary.json");
    st = path ? hs_write_file_atomic(path, summary, strlen(summary), &err) : HS_ERR_NOMEM;
    free(path);
    if (st) goto fail;
    if (hs_recorder_finish(rec, &err)) goto fail;
    double span = 3 * 60.0 / metrics[HS_M_HR];
    if (span > 8.0) span = 8.0;
    if (write_figures(rec, stage, span, hs_model_name(m), &err)) goto fail;
    if (write_trend(trend, stage, trend_metrics, hs_model_name(m), &err)) goto fail;
    if (write_provenance(stage, m, patient, sets, nsets, scenario, duration_text, &err))
      goto fail;
    if (interrupted) goto fail;
    st = hs_outdir_commit(od, &err); /* all files at once */
    od = NULL;
    if (st) goto fail;
  }
  /* the summary file last: a failed or interrupted run leaves none */
  if (json && !strcmp(json, "-")) {
    fputs(summary, stdout);
    fputc('\n', stdout);
    quiet = 1;
  } else if (json) {
    if (hs_write_file_atomic(json, summary, strlen(summary), &err)) goto fail;
  }
  if (!quiet && hs_cli_write_text(hs_metrics_text(sim, hs_model_name(m), metrics, &err), "-", &err))
    goto fail;
  rc = HS_EXIT_OK;
  goto done;
fail:
  if (interrupted) {
    fprintf(stderr, "hemosim: interrupted (signal %d): nothing written\n", (int)interrupted);
    rc = 128 + (int)interrupted;
  } else {
    rc = hs_cli_fail(&err);
  }
done:
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  free(summary);
  free(metrics);
  free(csv_path);
  hs_trend_free(trend);
  hs_recorder_free(rec); /* first: its unfinished CSV lies in the staging directory */
  hs_outdir_abort(od);
  hs_scenario_free(sc);
  hs_sim_free(sim);
  hs_plan_free(pl);
  hs_model_free(m);
  free(sets);
  return rc;
}
