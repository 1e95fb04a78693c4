/*
 * cmd_perfusion.c - `hemosim stroke perfusion [PATIENT]`: perfusion imaging from a
 * simulation (issue 17; library hemosim/perfusion.h, docs/perfusion.md).  Parses
 * options, runs the patient and the reference to steady state, prints the library's
 * text (hs_perfusion_text) or JSON.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hemosim/perfusion.h"

static const char PERFUSION_HELP[] =
    "usage: hemosim stroke perfusion [PATIENT] [options]\n"
    "\n"
    "What CT perfusion would show in each cerebral territory of PATIENT (default: the\n"
    "bundled healthy adult) at its periodic steady state: CBF (mL/100 g/min), CBV\n"
    "(mL/100 g), MTT = CBV/CBF (s) and a Tmax-like delay (s, the mean tracer arrival\n"
    "after the arterial input, cerebral_arteries), each relative to the same territory\n"
    "of a reference patient; the combined CBF/CBV group; Tmax > 6 s (Albers 2018,\n"
    "DEFUSE 3); core rCBF < 30 % (Campbell 2011); with --recanalised, Horie's rule:\n"
    "any Tmax > 6 s after recanalisation = no-reflow.  Model quantities, not images:\n"
    "derivation and limits in docs/perfusion.md.\n"
    "\n"
    "options:\n"
    "  --set NAME=VALUE     change a parameter of PATIENT first (repeatable)\n"
    "  --reference FILE     reference patient (default: the bundled healthy adult;\n"
    "                       'none': no relative values)\n"
    "  --recanalised        the occlusion has been opened: apply Horie's rule\n"
    "  --cbf-cutoffs LO,HI  relative CBF classes: hypo < LO, hyper > HI (default\n"
    "                       0.85,1.25: no-reflow > 15 % reduction, Ng 2022;\n"
    "                       hyperperfusion >= 25 % increase, Abumiya 2013)\n"
    "  --cbv-cutoffs LO,HI  the same for CBV\n"
    "  --beats N            beats averaged, 1-100 (default 3)\n"
    "  --json               machine-readable output (schema " HS_PERFUSION_JSON_SCHEMA ")\n"
    "  -q, --quiet          no text answer (the exit status still tells; --json still\n"
    "                       prints)\n"
    "  -h, --help           this text\n"
    "\n"
    "exit status: 0 success, 1 usage error, 2 input or simulation error.\n";

/* "LO,HI" through the unit parser (plain ratios). */
static hs_status parse_cutoffs(const char *text, hs_perf_cutoffs *c, hs_err *err) {
  const char *comma = strchr(text, ',');
  char lo[64];
  size_t n = comma ? (size_t)(comma - text) : 0;
  if (!comma || n >= sizeof lo || strchr(comma + 1, ','))
    return hs_err_set(err, HS_ERR_INVALID, "expected LO,HI (two numbers), got \"%s\"", text);
  memcpy(lo, text, n);
  lo[n] = '\0';
  hs_status st = hs_quantity_parse_as(HS_DIM_NONE, lo, "", &c->hypo_below, err);
  if (!st) st = hs_quantity_parse_as(HS_DIM_NONE, comma + 1, "", &c->hyper_above, err);
  return st;
}

/* Load (path NULL: the bundled default), apply sets, run to steady state, measure. */
static int measure(const char *path, const char *const *sets, int nsets, const hs_perfusion *ref,
                   const hs_perfusion_options *o, hs_perfusion *out, char **json,
                   const hs_perfusion_options *jo) {
  hs_err err;
  hs_model *m = NULL;
  hs_plan *pl = NULL;
  hs_sim *s = NULL;
  int rc = HS_EXIT_OK;
  hs_steady_info info;
  if (hs_cli_load_patient(path, &m, &err) != HS_OK) {
    rc = hs_cli_fail(&err);
  } else if ((rc = hs_cli_apply_sets("stroke perfusion", m, sets, nsets)) != HS_EXIT_OK) {
  } else if (!(pl = hs_plan_compile(m, &err)) || !(s = hs_sim_new(pl, &err)) ||
             hs_sim_run_to_steady(s, &info, &err) ||
             hs_perfusion_measure(s, ref, o, out, &err)) {
    hs_err_prefix(&err, "%s: ", path ? path : "healthy adult");
    rc = hs_cli_fail(&err);
  } else if (json) {
    hs_provenance prov = {hs_model_name(m), path, sets, (size_t)nsets};
    *json = hs_perfusion_json(out, jo, &prov, &err);
    if (!*json) rc = hs_cli_fail(&err);
  }
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return rc;
}

int hs_cmd_stroke_perfusion(int argc, char **argv) {
  static const struct option LONG[] = {{"help", no_argument, NULL, 'h'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"set", required_argument, NULL, 's'},
                                       {"reference", required_argument, NULL, 'r'},
                                       {"recanalised", no_argument, NULL, 'c'},
                                       {"cbf-cutoffs", required_argument, NULL, 'f'},
                                       {"cbv-cutoffs", required_argument, NULL, 'v'},
                                       {"beats", required_argument, NULL, 'b'},
                                       {NULL, 0, NULL, 0}};
  const char *cmd = "stroke perfusion";
  hs_perfusion_options o = hs_perfusion_options_default();
  const char *refpath = NULL;
  int json = 0, quiet = 0, nsets = 0, rc = HS_EXIT_OK;
  hs_err err;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  if (!sets) return HS_EXIT_FAIL;
  hs_cli_opt_begin();
  for (int c; rc == HS_EXIT_OK && (c = hs_cli_getopt(cmd, argc, argv, "hq", LONG)) != -1;) {
    double v;
    if (c == 'h') {
      fputs(PERFUSION_HELP, stdout);
      free(sets);
      return HS_EXIT_OK;
    } else if (c == 'j') {
      json = 1;
    } else if (c == 'q') {
      quiet = 1;
    } else if (c == 's') {
      sets[nsets++] = optarg;
    } else if (c == 'r') {
      refpath = optarg;
    } else if (c == 'c') {
      o.recanalised = 1;
    } else if (c == 'f' || c == 'v') {
      if (parse_cutoffs(optarg, c == 'f' ? &o.cbf : &o.cbv, &err)) {
        hs_err_prefix(&err, "%s: ", c == 'f' ? "--cbf-cutoffs" : "--cbv-cutoffs");
        rc = hs_cli_fail(&err);
      }
    } else if (c == 'b') {
      if (hs_quantity_parse_as(HS_DIM_NONE, optarg, "", &v, &err)) {
        hs_err_prefix(&err, "--beats: ");
        rc = hs_cli_fail(&err);
      } else if (v != floor(v) || v < 1 || v > 100) {
        hs_err_set(&err, HS_ERR_RANGE, "--beats: %s is not a whole number in [1, 100]", optarg);
        rc = hs_cli_fail(&err);
      } else {
        o.beats = (int)v;
      }
    } else {
      rc = HS_EXIT_USAGE;
    }
  }
  if (rc == HS_EXIT_OK && argc - optind > 1) rc = hs_cli_usage(cmd, "only one PATIENT may be given");
  if (rc == HS_EXIT_OK && (hs_perf_cutoffs_check("CBF", &o.cbf, &err) ||
                           hs_perf_cutoffs_check("CBV", &o.cbv, &err)))
    rc = hs_cli_fail(&err);
  const char *path = optind < argc ? argv[optind] : NULL;
  hs_perfusion ref, p;
  int use_ref = !(refpath && !strcmp(refpath, "none"));
  if (rc == HS_EXIT_OK && use_ref)
    rc = measure(refpath, NULL, 0, NULL, &o, &ref, NULL, NULL);
  char *text = NULL;
  if (rc == HS_EXIT_OK)
    rc = measure(path, sets, nsets, use_ref ? &ref : NULL, &o, &p, json ? &text : NULL, &o);
  if (rc == HS_EXIT_OK) {
    if (json || !quiet) {
      if (!json) text = hs_perfusion_text(&p, &err);
      if (hs_cli_write_text(text, "-", &err) != HS_OK) rc = hs_cli_fail(&err);
      text = NULL;
    }
  }
  free(text);
  free(sets);
  return rc;
}
