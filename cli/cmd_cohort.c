/*
 * cmd_cohort.c - `hemosim cohort`: run a virtual cohort / in-silico trial described in a
 * study file (docs/cohort.md).  The work is the library's (hemosim/cohort.h); this file
 * parses options, prints progress on a terminal and names the output files.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char COHORT_HELP[] =
    "usage: hemosim cohort STUDY.yaml [options]\n"
    "       mpirun -n N hemosim cohort STUDY.yaml [options]\n"
    "\n"
    "Run a virtual cohort: draw the virtual patients of the study file (parameter\n"
    "distributions with correlations, Latin hypercube, Sobol, grid or a table of\n"
    "calibrated patients), reject those outside the acceptance ranges, run every\n"
    "strategy of the protocol on each, and write one row per patient and strategy,\n"
    "a summary per strategy (median, quartiles, proportion meeting each target),\n"
    "figures and, if asked, Sobol sensitivity indices with 95 % bootstrap intervals\n"
    "(a warning on standard error when an estimate is not to be trusted: too few\n"
    "samples, a first-order index above 1 or above the total).  Results are identical\n"
    "whatever the number of threads and MPI ranks.  Format: docs/cohort.md.\n"
    "\n"
    "options:\n"
    "  -t, --threads N   threads (per MPI rank), 1-64 (default 1)\n"
    "  -o, --out DIR     output directory (default: cohort_<study file name>), holding\n"
    "                    results.csv, summary.csv, distributions.svg, success.svg,\n"
    "                    sensitivity.csv (with a sensitivity section), results.sqlite\n"
    "                    (with --sqlite) and checkpoint.tsv\n"
    "      --resume      continue a stopped study from DIR/checkpoint.tsv; finished\n"
    "                    patients are not run again\n"
    "      --sqlite      also write DIR/results.sqlite\n"
    "      --chunk N     patients per work unit (default: automatic)\n"
    "      --limit N     stop after N more patients (the checkpoint keeps them;\n"
    "                    --resume continues)\n"
    "      --progress T  a progress line (done/total, elapsed, estimated time left)\n"
    "                    every T (\"30 s\", \"1 min\"; a bare number is in s) on\n"
    "                    standard error, from rank 0: for mpirun and batch jobs, where\n"
    "                    standard error is not a terminal\n"
    "  -q, --quiet       do not print the summary\n"
    "  -h, --help        this text\n"
    "\n"
    "Under mpirun every rank reads the study; rank 0 hands out chunks of patients,\n"
    "collects the rows and writes the files.\n"
    "exit status: 0 success (error rows included), 1 usage error, 2 input or run error.\n"
    "Progress with an estimate of the remaining time is shown on standard error when\n"
    "it is a terminal, or as lines with --progress.\n";

typedef struct progress_state {
  size_t start;  /* patients done before this run (from the checkpoint) */
  double every;  /* > 0: one line every `every` s (--progress), else a terminal line */
  double last;   /* elapsed time of the last line */
  int started;
} progress_state;

static void progress(size_t done, size_t total, double elapsed, void *ud) {
  progress_state *p = ud;
  if (!p->started) p->start = done, p->started = 1; /* the first call: resumed patients */
  if (p->every > 0 && elapsed - p->last < p->every && done < total) return;
  p->last = elapsed;
  double frac = total ? (double)done / (double)total : 1;
  double rate = elapsed > 0 ? (double)(done - p->start) / elapsed : 0;
  double eta = rate > 0 ? (double)(total - done) / rate : 0;
  fprintf(stderr, "%shemosim cohort: %zu/%zu patients (%.1f %%), %.0f s elapsed, about %.0f s left%s",
          p->every > 0 ? "" : "\r", done, total, 100 * frac, elapsed, eta,
          p->every > 0 ? "\n" : " ");
  if (p->every > 0) fflush(stderr);
}

static int parse_count(const char *opt, const char *text, size_t *out) {
  char *end;
  unsigned long long v = strtoull(text, &end, 10);
  if (!*text || *end || text[0] == '-' || v < 1 || v > 100000000ull)
    return hs_cli_usage("cohort", "%s must be a whole number 1-100000000 (got '%s')", opt, text);
  *out = (size_t)v;
  return HS_EXIT_OK;
}

static char *join(const char *dir, const char *file) {
  size_t n = strlen(dir) + strlen(file) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, file);
  return p;
}

int hs_cmd_cohort(int argc, char **argv) {
  const char *study = NULL, *out = NULL;
  int threads = 1, resume = 0, sqlite = 0, quiet = 0, rc;
  size_t chunk = 0, limit = 0;
  double every = 0;
  enum { O_RESUME = 256, O_SQLITE, O_CHUNK, O_LIMIT, O_PROGRESS };
  static const struct option LONG[] = {
      {"help", no_argument, NULL, 'h'},         {"threads", required_argument, NULL, 't'},
      {"out", required_argument, NULL, 'o'},    {"quiet", no_argument, NULL, 'q'},
      {"resume", no_argument, NULL, O_RESUME},  {"sqlite", no_argument, NULL, O_SQLITE},
      {"chunk", required_argument, NULL, O_CHUNK}, {"limit", required_argument, NULL, O_LIMIT},
      {"progress", required_argument, NULL, O_PROGRESS},
      {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int o; (o = hs_cli_getopt("cohort", argc, argv, "ht:o:q", LONG)) != -1;) {
    switch (o) {
    case 'h': fputs(COHORT_HELP, stdout); return HS_EXIT_OK;
    case 't':
      if ((rc = hs_cli_parse_threads("cohort", optarg, &threads))) return rc;
      break;
    case 'o': out = optarg; break;
    case 'q': quiet = 1; break;
    case O_RESUME: resume = 1; break;
    case O_SQLITE: sqlite = 1; break;
    case O_CHUNK:
      if ((rc = parse_count("--chunk", optarg, &chunk))) return rc;
      break;
    case O_LIMIT:
      if ((rc = parse_count("--limit", optarg, &limit))) return rc;
      break;
    case O_PROGRESS: /* seconds between lines; "1 min" too */
      if ((rc = hs_cli_parse_quantity("cohort", "--progress", optarg, HS_DIM_TIME, "s", "s", 0, 1,
                                      86400, &every)))
        return rc;
      break;
    default: return HS_EXIT_USAGE;
    }
  }
  if (argc - optind > 1)
    return hs_cli_usage("cohort", "only one study file may be given (got '%s' and '%s')",
                        argv[optind], argv[optind + 1]);
  if (optind < argc) study = argv[optind];
  if (!study) return hs_cli_usage("cohort", "missing the study file (STUDY.yaml)");
  hs_err err = {HS_OK, ""};
  hs_cohort *c = NULL;
  hs_cohort_results *r = NULL;
  char *dir = NULL, *ckpt = NULL, *summary = NULL;
  int rank = 0, mpi = hs_cohort_mpi_launched();
  if (mpi && !hs_cohort_mpi_available()) {
    hs_err_set(&err, HS_ERR_STATE, "started by mpirun, but this hemosim was built without MPI "
                                   "(install libopenmpi-dev and rebuild)");
    goto fail;
  }
  if (hs_cohort_load_file(study, &c, &err)) goto fail;
  if (out) {
    dir = strdup(out);
  } else { /* cohort_<file name without directory and extension> */
    const char *base = strrchr(study, '/') ? strrchr(study, '/') + 1 : study;
    size_t n = strcspn(base, ".");
    if ((dir = malloc(n + 8))) snprintf(dir, n + 8, "cohort_%.*s", (int)n, base);
  }
  if (!dir || !(ckpt = join(dir, "checkpoint.tsv"))) {
    hs_err_set(&err, HS_ERR_NOMEM, "out of memory");
    goto fail;
  }
  /* rank 0 (or the only process) owns the directory and the checkpoint */
  if (!mpi || !getenv("OMPI_COMM_WORLD_RANK") || !strcmp(getenv("OMPI_COMM_WORLD_RANK"), "0")) {
    struct stat sb;
    if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0 && errno != EEXIST) {
      hs_err_set(&err, HS_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
      goto fail;
    }
    if (!resume && stat(ckpt, &sb) == 0 && sb.st_size > 0) {
      hs_err_set(&err, HS_ERR_STATE,
                 "%s exists: pass --resume to continue that study, or remove it (or choose "
                 "another --out) to start again",
                 ckpt);
      goto fail;
    }
  }
  progress_state ps = {0, every, 0, 0};
  hs_cohort_options o;
  hs_cohort_options_default(&o);
  o.threads = threads;
  o.checkpoint = ckpt;
  o.resume = resume;
  o.chunk = chunk;
  o.limit = limit;
  /* a terminal line updated in place, or with --progress a line every N s (mpirun,
     batch jobs: stderr is a pipe or a file); rank 0 only (workers get no callback) */
  int tty = every <= 0 && isatty(2);
  if (tty || every > 0) {
    o.progress = progress;
    o.progress_ud = &ps;
  }
  hs_status st = mpi ? hs_cohort_run_mpi(c, &o, &rank, &r, &err) : hs_cohort_run(c, &o, &r, &err);
  if (tty && rank == 0) fputc('\n', stderr);
  if (st) goto fail;
  if (rank == 0) {
    if (hs_cohort_write_outputs(c, r, dir, sqlite, &err)) goto fail;
    char *warn = hs_cohort_sensitivity_warnings(c, r); /* shown even with -q */
    for (char *line = warn, *nl; line && *line; line = nl + 1) {
      nl = strchr(line, '\n');
      fprintf(stderr, "hemosim: warning: Sobol indices: %.*s\n", (int)(nl - line), line);
    }
    free(warn);
    if (!quiet && (summary = hs_cohort_summary_text(c, r))) {
      fputs(summary, stdout);
      printf("\n%zu patients in %.1f s (%zu from the checkpoint); files in %s/\n", r->done,
             r->wall_s, r->resumed, dir);
    }
  }
  rc = HS_EXIT_OK;
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  free(summary);
  free(ckpt);
  free(dir);
  hs_cohort_results_free(r);
  hs_cohort_free(c);
  return rc;
}
