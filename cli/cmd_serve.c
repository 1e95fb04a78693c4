/*
 * cmd_serve.c - `hemosim serve`: the local web application (docs/serve.md).  The
 * server itself is the library's (hemosim/serve.h); this file parses options, prints
 * the URL and waits for Ctrl-C.
 *
 * Default front end and bundled patients: the source tree's web/ and
 * examples/patients/ when this is the binary of the build tree (HS_BUILD_DIR), else
 * the data directory installed with it (`cmake --install`: <prefix>/share/hemosim,
 * found relative to the binary as HS_DATA_REL so that an installed tree can move; the
 * configured absolute HS_DATA_DIR as a fallback).
 */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "hemosim/serve.h"

#ifndef HS_WEB_DIR
#define HS_WEB_DIR "web"
#endif
#ifndef HS_PATIENTS_DIR
#define HS_PATIENTS_DIR "examples/patients"
#endif
#ifndef HS_BUILD_DIR
#define HS_BUILD_DIR ""
#endif
#ifndef HS_DATA_REL
#define HS_DATA_REL "../share/hemosim"
#endif
#ifndef HS_DATA_DIR
#define HS_DATA_DIR "/usr/local/share/hemosim"
#endif

static int is_dir(const char *path) {
  struct stat sb;
  return !stat(path, &sb) && S_ISDIR(sb.st_mode);
}

/* The data directory of an installed binary (with web/ and patients/), or "" for the
   binary of the build tree or when none is found. */
static void data_dir(char *out, size_t n) {
  char exe[PATH_MAX], dir[PATH_MAX + 64], real[PATH_MAX], build[PATH_MAX];
  out[0] = '\0';
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return;
  exe[len] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash) return;
  *slash = '\0';
  if (HS_BUILD_DIR[0] && realpath(HS_BUILD_DIR, build) && realpath(exe, real) &&
      !strcmp(build, real))
    return; /* the build tree: the source tree's files */
  snprintf(dir, sizeof dir, "%s/%s", exe, HS_DATA_REL);
  if (realpath(dir, real) && is_dir(real)) {
    snprintf(out, n, "%s", real);
    return;
  }
  if (is_dir(HS_DATA_DIR)) snprintf(out, n, "%s", HS_DATA_DIR);
}

static const char SERVE_HELP_FMT[] =
    "usage: hemosim serve [options]\n"
    "\n"
    "Start the local web application and print the URL to open: a live bedside monitor\n"
    "(pressure waveforms, PV loops, numerics) of a simulation that runs in real time x a\n"
    "chosen speed, device and drug controls, patient editing, and compare / optimize with\n"
    "the decision report.  Each browser tab gets its own simulation.  Listens on the\n"
    "loopback interface only unless --bind says otherwise.  Stop with Ctrl-C.\n"
    "\n"
    "options:\n"
    "  -p, --port N          TCP port (default 8080; 0 = any free port)\n"
    "  -b, --bind ADDR       IPv4 address to listen on (default 127.0.0.1)\n"
    "  -r, --root DIR        directory where patient files may be loaded and saved\n"
    "                        (repeatable, at most 8; nothing outside is read or written)\n"
    "      --web DIR         the front end (default here: %s)\n"
    "      --patients DIR    bundled patients offered in the page (default here:\n"
    "                        %s)\n"
    "      --max-sessions N  simulations at once, 1-1024 (default 32)\n"
    "      --idle-timeout S  free a session not polled for S seconds (default 120)\n"
    "      --threads N       HTTP worker threads, 1-64 (default 4)\n"
    "      --trial DB        a trial database (hemosim trial create): the trial pages\n"
    "                        at /trial.html (enrolment, visits, records, audit, arms)\n"
    "  -h, --help            this text\n"
    "\n"
    "The defaults are the source tree's web/ and examples/patients/ for the binary of a\n"
    "build tree, else web/ and patients/ of the data directory installed with hemosim\n"
    "(cmake --install: <prefix>/share/hemosim).\n"
    "\n"
    "exit status: 0 after Ctrl-C, 1 usage error, 2 cannot serve (port in use, bad directory).\n";

static int parse_int(const char *opt, const char *text, int lo, int hi, int *out) {
  char *end;
  long v = strtol(text, &end, 10);
  if (end == text || *end || v < lo || v > hi)
    return hs_cli_usage("serve", "%s must be an integer in [%d, %d] (got '%s')", opt, lo, hi, text);
  *out = (int)v;
  return HS_EXIT_OK;
}

int hs_cmd_serve(int argc, char **argv) {
  static const struct option LONG[] = {
      {"port", required_argument, NULL, 'p'},     {"bind", required_argument, NULL, 'b'},
      {"root", required_argument, NULL, 'r'},     {"web", required_argument, NULL, 'w'},
      {"patients", required_argument, NULL, 'P'}, {"max-sessions", required_argument, NULL, 'm'},
      {"idle-timeout", required_argument, NULL, 'i'}, {"threads", required_argument, NULL, 't'},
      {"trial", required_argument, NULL, 'T'},
      {"trial", required_argument, NULL, 'T'},
      {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
  hs_server_options o;
  hs_server_options_default(&o);
  char data[PATH_MAX], web[PATH_MAX + 16], patients[PATH_MAX + 16];
  data_dir(data, sizeof data);
  snprintf(web, sizeof web, "%s", data[0] ? data : HS_WEB_DIR);
  snprintf(patients, sizeof patients, "%s", data[0] ? data : HS_PATIENTS_DIR);
  if (data[0]) {
    snprintf(web, sizeof web, "%s/web", data);
    snprintf(patients, sizeof patients, "%s/patients", data);
  }
  o.web_dir = web;
  o.patients_dir = patients;
  int c, rc, idle = 120;
  hs_cli_opt_begin();
  while ((c = hs_cli_getopt("serve", argc, argv, "p:b:r:h", LONG)) != -1) {
    switch (c) {
    case 'h': printf(SERVE_HELP_FMT, web, patients); return HS_EXIT_OK;
    case 'p': if ((rc = parse_int("--port", optarg, 0, 65535, &o.port))) return rc; break;
    case 'b': o.bind = optarg; break;
    case 'r':
      if (o.nroots >= HS_SERVE_MAX_ROOTS)
        return hs_cli_usage("serve", "at most %d --root directories", HS_SERVE_MAX_ROOTS);
      o.roots[o.nroots++] = optarg;
      break;
    case 'w': o.web_dir = optarg; break;
    case 'T': o.trial_db = optarg; break;
    case 'P': o.patients_dir = optarg; break;
    case 'm': if ((rc = parse_int("--max-sessions", optarg, 1, 1024, &o.max_sessions))) return rc; break;
    case 't': if ((rc = parse_int("--threads", optarg, 1, 64, &o.threads))) return rc; break;
    case 'i':
      if ((rc = parse_int("--idle-timeout", optarg, 1, 86400, &idle))) return rc;
      o.idle_timeout_s = idle;
      break;
    default: return HS_EXIT_USAGE; /* HS_OPT_ERROR: the message is printed */
    }
  }
  if (optind < argc) return hs_cli_usage("serve", "unexpected argument '%s'", argv[optind]);
  /* the server's threads inherit this mask; the signals are taken by sigwait below */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  hs_err err = {HS_OK, ""};
  hs_server *srv = NULL;
  if (hs_server_start(&o, &srv, &err)) return hs_cli_fail(&err);
  char url[128];
  printf("hemosim serve: open %s  (Ctrl-C stops)\n", hs_server_url(srv, url, sizeof url));
  if (o.trial_db) printf("hemosim serve: trial pages at %strial.html (database %s)\n", url, o.trial_db);
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  hs_server_stop(srv);
  printf("hemosim serve: stopped\n");
  return HS_EXIT_OK;
}
