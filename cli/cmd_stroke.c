/*
 * cmd_stroke.c - `hemosim stroke <calculator>`: bedside calculators for no-reflow
 * after thrombectomy (issue #7).  The arithmetic and every check live in the
 * library (hemosim/stroke.h); this file parses options, prints and exits.
 *
 * Exit status: 0 success, 1 usage error (unknown option, missing option or
 * value), 2 input error (a value given but malformed or out of its range).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hemosim/model.h"
#include "hemosim/patient.h"
#include "hemosim/stroke.h"
#include "hemosim/stroke_course.h"

#define SCHEMA HS_STROKE_JSON_SCHEMA

static const char STROKE_HELP[] =
    "usage: hemosim stroke <calculator> [options]\n"
    "\n"
    "Bedside calculators for no-reflow after thrombectomy (definitions and\n"
    "their primary sources: docs/stroke_calculators.md).\n"
    "\n"
    "calculators:\n"
    "  mcis             modified capillary index score (DSA) and no-reflow\n"
    "  reperfusion      Tmax > 6 s lesion reduction: tissue optimal reperfusion\n"
    "  perfusion-class  relative CBF / CBV: hypo-, normo- or hyperperfusion\n"
    "  perfusion        perfusion imaging of a simulated patient: CBF, CBV, MTT,\n"
    "                   Tmax per territory, CBF/CBV groups, Horie's rule\n"
    "  tcd              transcranial Doppler pulsatility index and asymmetry\n"
    "  dose             adjunct regimens: intra-arterial alteplase, tenecteplase,\n"
    "                   urokinase; intravenous tirofiban, methylprednisolone\n"
    "  eligibility      which adjunct regimens the trials support for a patient:\n"
    "                   the deciding rule, the dose and the trial's result\n"
    "  etici            reperfusion grade (eTICI / mTICI) <-> territory fraction\n"
    "  course           24-hour course after thrombectomy under each blood-pressure\n"
    "                   strategy (simulation; model proxies, not outcomes)\n"

    "\n"
    "`hemosim stroke <calculator> --help` describes one.  Every calculator takes\n"
    "--json (machine-readable output, schema " SCHEMA ").\n"
    "exit status: 0 success, 1 usage error, 2 input error (value out of range).\n";

static const char MCIS_HELP[] =
    "usage: hemosim stroke mcis --regions S1,S2,S3 [--json]\n"
    "       hemosim stroke mcis --region1 S1 --region2 S2 --region3 S3 [--json]\n"
    "\n"
    "Modified capillary index score on the post-thrombectomy DSA: the MCA territory\n"
    "is scored in 3 regions, each\n"
    "  2  normal capillary filling without delay\n"
    "  1  capillary blush delayed > 1 s, cortical veins visible\n"
    "  0  no capillary blush\n"
    "Total 0-6; a total <= 3 is no-reflow (Nicolini et al. 2023).\n"
    "\n"
    "options:\n"
    "  --regions LIST      the three scores, comma-separated (e.g. 2,1,0)\n"
    "  --region1..3 S      the scores one by one (instead of --regions)\n"
    "  --json              machine-readable output\n"
    "  -h, --help          this text\n";

static const char REPERFUSION_HELP[] =
    "usage: hemosim stroke reperfusion --baseline-ml V0 --followup-ml V1 [--json]\n"
    "\n"
    "Tissue optimal reperfusion on CT perfusion = a reduction of the Tmax > 6 s\n"
    "lesion volume from baseline of MORE than 90 % (exactly 90 % is not).  Prints the\n"
    "reduction in mL and %.  A follow-up larger than the baseline is valid (negative\n"
    "reduction, not reperfused).  Volumes in mL (units allowed: \"0.08 L\"), in\n"
    "[0, 2000] mL; the baseline must be > 0 (the reduction is undefined otherwise).\n"
    "\n"
    "options:\n"
    "  --baseline-ml V0    Tmax > 6 s volume before treatment\n"
    "  --followup-ml V1    Tmax > 6 s volume at follow-up\n"
    "  --json              machine-readable output\n"
    "  -h, --help          this text\n";

static const char PERFUSION_HELP[] =
    "usage: hemosim stroke perfusion-class [--cbf-rel R] [--cbv-rel R] [cut-offs] [--json]\n"
    "\n"
    "Classify relative CBF and/or CBV (affected region / mirror region of the\n"
    "contralateral hemisphere; 1 = symmetric; \"85 %\" = 0.85) as hypoperfusion\n"
    "(R < LO), normoperfusion (LO <= R <= HI) or hyperperfusion (R > HI).\n"
    "No consensus cut-off exists: the defaults LO 0.9, HI 1.1 (a +-10 % band around\n"
    "symmetry) are a documented choice, not a standard.  Published definitions of\n"
    "post-recanalisation hyperperfusion range from visual asymmetry to a CBF increase\n"
    ">= 25 % (docs/stroke_calculators.md).  Values in [0, 10].\n"
    "\n"
    "options:\n"
    "  --cbf-rel R         relative CBF\n"
    "  --cbv-rel R         relative CBV (at least one of the two)\n"
    "  --hypo-below LO     hypoperfusion below LO, in (0, 1] (default 0.9; both maps)\n"
    "  --hyper-above HI    hyperperfusion above HI, in [1, 10] (default 1.1; both maps)\n"
    "  --cbf-cutoffs LO,HI cut-offs for CBF only (override the two above)\n"
    "  --cbv-cutoffs LO,HI cut-offs for CBV only\n"
    "  --json              machine-readable output\n"
    "  -h, --help          this text\n";

static const char TCD_HELP[] =
    "usage: hemosim stroke tcd --psv V --edv V --mean V [--contralateral PSV,EDV,MEAN]\n"
    "                          [--pi-raised X] [--asym-ratio X] [--json]\n"
    "\n"
    "Gosling pulsatility index PI = (PSV - EDV) / mean velocity of the recanalised\n"
    "artery; with the contralateral side, the difference and ratio of the two PIs.\n"
    "A raised or asymmetrically raised PI after recanalisation suggests higher\n"
    "microvascular resistance (Ng et al., Stroke 2018).\n"
    "PI is flagged raised when PI > X (default 1.2, a commonly used upper limit;\n"
    "see docs/stroke_calculators.md) and the pair asymmetric when affected PI /\n"
    "contralateral PI > X (default 1.2).  Velocities in cm/s (units allowed: m/s,\n"
    "mm/s), |v| <= 500; mean > 0; EDV <= mean <= PSV; EDV may be negative.\n"
    "\n"
    "options:\n"
    "  --psv V             peak systolic velocity, affected side\n"
    "  --edv V             end-diastolic velocity, affected side\n"
    "  --mean V            time-averaged mean velocity, affected side\n"
    "  --contralateral L   PSV,EDV,MEAN of the contralateral side\n"
    "  --pi-raised X       raised-PI threshold, in (0, 10] (default 1.04, Zhao 2022)\n"
    "  --asym-ratio X      asymmetry ratio threshold, in [1, 10] (default 1.2, Schmidt\n"
    "                      2003: normal left-right PI difference < 0.16)\n"
    "  --json              machine-readable output\n"
    "  -h, --help          this text\n";

static const char DOSE_HELP_HEAD[] =
    "usage: hemosim stroke dose --regimen NAME --weight KG [--concentration C]\n"
    "                           [--duration T] [--json]\n"
    "       hemosim stroke dose --list [--json]\n"
    "\n"
    "Adjunct regimens studied after thrombectomy (trials: see eligibility).  Prints the\n"
    "weight-based amount, whether the maximum dose (cap) binds, the volume at the\n"
    "concentration, pump rates (mL/h) over the administration time, and totals.\n"
    "A calculator, not a prescription: check every result against the protocol.\n"
    "\n"
    "options:\n"
    "  --regimen NAME      one of the regimens below\n"
    "  --weight KG         body weight, in [20, 250] kg (units allowed: \"70000 g\");\n"
    "                      optional for the fixed urokinase dose\n"
    "  --concentration C   with its unit: mg/mL, ug/mL, mcg/mL, mg/L, g/L, or U/mL,\n"
    "                      IU/mL for urokinase (default: the regimen's, below)\n"
    "  --duration T        administration time with its unit (\"20 min\"), within the\n"
    "                      studied range; needed for a pump rate when the sources give\n"
    "                      none (tenecteplase, methylprednisolone); not for tirofiban\n"
    "  --list              list the regimens\n"
    "  --json              machine-readable output\n"
    "  -h, --help          this text\n"
    "\n"
    "regimens:\n";

/* ---- small helpers ------------------------------------------------------------------ */

/* A number for people into b: up to 3 decimals, trailing zeros dropped ("15.75",
   "0.188"; the reports' formatting, src/io/stroke_text.c). */
static const char *num(char b[40], double v) {
  if (!isfinite(v)) {
    snprintf(b, 40, "-");
    return b;
  }
  snprintf(b, 40, "%.3f", v);
  char *dot = strchr(b, '.');
  if (dot) {
    char *e = b + strlen(b) - 1;
    while (e > dot && *e == '0') *e-- = '\0';
    if (e == dot) *e = '\0';
  }
  if (!strcmp(b, "-0")) snprintf(b, 40, "0");
  return b;
}



/* A document the library built (text or JSON; NULL: it failed with err set), to
   standard output. */
static int print_doc(char *text, hs_err *err) {
  if (hs_cli_write_text(text, "-", err)) return hs_cli_fail(err);
  return HS_EXIT_OK;
}

/* Input error on option opt: "hemosim: error: --psv: <msg>", exit 2. */
static int fail_opt(hs_err *err, const char *opt) {
  hs_err_prefix(err, "%s: ", opt);
  return hs_cli_fail(err);
}

/* ---- option parsing ---------------------------------------------------------------- */

typedef struct opt {
  const char *name;
  const char **value; /* option with a value */
  int *flag;          /* flag without a value; with value too: a repeatable option whose
                         values are appended to value[] (room for argc) and counted here */
} opt;

/* Parse argv[1..] against opts.  Returns -1 to continue, otherwise an exit code
   (0 after printing help). */
static int parse_opts(const char *cmd, int argc, char **argv, const opt *opts, void (*help)(void)) {
  enum { MAXOPT = 16 };
  struct option longopts[MAXOPT + 2];
  int n = 0;
  longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
  for (const opt *p = opts; p->name && n < MAXOPT; p++, n++)
    longopts[n] = (struct option){p->name + 2, p->flag && !p->value ? no_argument : required_argument, NULL,
                                  256 + (int)(p - opts)};
  longopts[n] = (struct option){NULL, 0, NULL, 0};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt(cmd, argc, argv, "hq", longopts)) != -1;) {
    if (c == 'h') {
      help();
      return HS_EXIT_OK;
    }
    if (c == 'q') { /* -q: the subcommand's --quiet, where it has one */
      const opt *q = opts;
      while (q->name && strcmp(q->name, "--quiet")) q++;
      if (!q->name) return hs_cli_usage(cmd, "unknown option '-q'");
      *q->flag = 1;
      continue;
    }
    if (c < 256) return HS_EXIT_USAGE;
    const opt *o = &opts[c - 256];
    if (o->flag && o->value) {
      o->value[(*o->flag)++] = optarg;
      continue;
    }
    if (o->flag) {
      *o->flag = 1;
      continue;
    }
    if (*o->value) return hs_cli_usage(cmd, "option %s given twice", o->name);
    *o->value = optarg;
  }
  if (optind < argc) return hs_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
  return -1;
}

/* A number through the one unit parser: dim HS_DIM_VELOCITY (bare = cm/s, as the help
   says) or HS_DIM_NONE (a plain ratio). */
static hs_status parse_number(const char *text, hs_dim dim, double *out, hs_err *err) {
  return hs_quantity_parse_as(dim, text, dim == HS_DIM_VELOCITY ? "cm/s" : "", out, err);
}

/* Split "a,b,c" into exactly n number texts parsed with units. */
static hs_status parse_list(const char *text, int n, hs_dim dim, double *out,
                            hs_err *err) {
  int count = 1;
  for (const char *p = text; *p; p++) count += *p == ',';
  if (count != n)
    return hs_err_set(err, HS_ERR_INVALID, "expected %d comma-separated values, got %d in \"%s\"",
                      n, count, text);
  const char *p = text;
  for (int k = 0; k < n; k++) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    char item[64];
    if (len >= sizeof item)
      return hs_err_set(err, HS_ERR_INVALID, "value %d of \"%s\" is too long", k + 1, text);
    memcpy(item, p, len);
    item[len] = '\0';
    hs_status st = parse_number(item, dim, &out[k], err);
    if (st) return hs_err_prefix(err, "value %d: ", k + 1);
    p += len + (comma ? 1 : 0);
  }
  return HS_OK;
}

/* ---- mcis ----------------------------------------------------------------------------- */

static void mcis_help(void) { fputs(MCIS_HELP, stdout); }

static int cmd_mcis(int argc, char **argv) {
  const char *cmd = "stroke mcis";
  const char *regions = NULL, *r[3] = {NULL, NULL, NULL};
  int json = 0;
  const opt opts[] = {{"--regions", &regions, NULL}, {"--region1", &r[0], NULL},
                      {"--region2", &r[1], NULL},    {"--region3", &r[2], NULL},
                      {"--json", NULL, &json},       {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, mcis_help);
  if (rc >= 0) return rc;
  int nsingle = !!r[0] + !!r[1] + !!r[2];
  if (regions && nsingle)
    return hs_cli_usage(cmd, "give either --regions or --region1..3, not both");
  if (!regions && nsingle == 0)
    return hs_cli_usage(cmd, "the three region scores are required (--regions 2,1,0)");
  if (!regions && nsingle != 3)
    return hs_cli_usage(cmd, "--region%d is missing (all three regions are scored)",
                        !r[0] ? 1 : !r[1] ? 2 : 3);
  hs_err err = {HS_OK, ""};
  hs_mcis_result m;
  if (regions) {
    if (hs_stroke_mcis_parse(regions, &m, &err)) return fail_opt(&err, "--regions");
  } else {
    int s[3];
    for (int k = 0; k < 3; k++) {
      if (hs_stroke_mcis_score_parse(r[k], k + 1, &s[k], &err)) {
        static const char *const name[3] = {"--region1", "--region2", "--region3"};
        return fail_opt(&err, name[k]);
      }
    }
    if (hs_stroke_mcis(s, 3, &m, &err)) return hs_cli_fail(&err);
  }
  if (json) {
    return print_doc(hs_stroke_mcis_json(&m, &err), &err);
  }
  return print_doc(hs_stroke_mcis_text(&m, &err), &err);
}

/* ---- reperfusion --------------------------------------------------------------------- */

static void reperfusion_help(void) { fputs(REPERFUSION_HELP, stdout); }

static int cmd_reperfusion(int argc, char **argv) {
  const char *cmd = "stroke reperfusion";
  const char *v0t = NULL, *v1t = NULL;
  int json = 0;
  const opt opts[] = {{"--baseline-ml", &v0t, NULL},
                      {"--followup-ml", &v1t, NULL},
                      {"--json", NULL, &json},
                      {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, reperfusion_help);
  if (rc >= 0) return rc;
  if (!v0t) return hs_cli_usage(cmd, "--baseline-ml is required");
  if (!v1t) return hs_cli_usage(cmd, "--followup-ml is required");
  hs_err err = {HS_OK, ""};
  double v0, v1;
  if (hs_quantity_parse(HS_DIM_VOLUME, v0t, &v0, &err)) return fail_opt(&err, "--baseline-ml");
  if (hs_quantity_parse(HS_DIM_VOLUME, v1t, &v1, &err)) return fail_opt(&err, "--followup-ml");
  hs_reperfusion_result r;
  if (hs_stroke_reperfusion(v0, v1, &r, &err)) return hs_cli_fail(&err);
  if (json) {
    return print_doc(hs_stroke_reperfusion_json(&r, &err), &err);
  }
  return print_doc(hs_stroke_reperfusion_text(&r, &err), &err);
}

/* ---- perfusion-class ------------------------------------------------------------------- */

static void perfusion_help(void) { fputs(PERFUSION_HELP, stdout); }

static int cmd_perfusion(int argc, char **argv) {
  const char *cmd = "stroke perfusion-class";
  const char *cbf_t = NULL, *cbv_t = NULL, *lo_t = NULL, *hi_t = NULL, *cbf_cut_t = NULL,
             *cbv_cut_t = NULL;
  int json = 0;
  const opt opts[] = {{"--cbf-rel", &cbf_t, NULL},         {"--cbv-rel", &cbv_t, NULL},
                      {"--hypo-below", &lo_t, NULL},       {"--hyper-above", &hi_t, NULL},
                      {"--cbf-cutoffs", &cbf_cut_t, NULL}, {"--cbv-cutoffs", &cbv_cut_t, NULL},
                      {"--json", NULL, &json},             {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, perfusion_help);
  if (rc >= 0) return rc;
  if (!cbf_t && !cbv_t) return hs_cli_usage(cmd, "give --cbf-rel, --cbv-rel or both");
  hs_err err = {HS_OK, ""};
  hs_perf_cutoffs both = hs_perf_cutoffs_default();
  if (lo_t && hs_quantity_parse(HS_DIM_NONE, lo_t, &both.hypo_below, &err))
    return fail_opt(&err, "--hypo-below");
  if (hi_t && hs_quantity_parse(HS_DIM_NONE, hi_t, &both.hyper_above, &err))
    return fail_opt(&err, "--hyper-above");
  hs_perf_cutoffs cut[2] = {both, both};
  const char *cut_t[2] = {cbf_cut_t, cbv_cut_t};
  const char *cut_opt[2] = {"--cbf-cutoffs", "--cbv-cutoffs"};
  for (int k = 0; k < 2; k++) {
    if (!cut_t[k]) continue;
    double v[2];
    if (parse_list(cut_t[k], 2, HS_DIM_NONE, v, &err)) return fail_opt(&err, cut_opt[k]);
    cut[k].hypo_below = v[0];
    cut[k].hyper_above = v[1];
  }
  const char *names[2] = {"CBF", "CBV"};
  const char *rel_t[2] = {cbf_t, cbv_t}, *rel_opt[2] = {"--cbf-rel", "--cbv-rel"};
  double rel[2] = {NAN, NAN};
  hs_perf_class cls[2] = {HS_PERF_NORMO, HS_PERF_NORMO};
  for (int k = 0; k < 2; k++) {
    if (hs_perf_cutoffs_check(names[k], &cut[k], &err)) return hs_cli_fail(&err);
    if (!rel_t[k]) continue;
    if (hs_quantity_parse(HS_DIM_NONE, rel_t[k], &rel[k], &err)) return fail_opt(&err, rel_opt[k]);
    if (hs_stroke_perfusion_class(names[k], rel[k], &cut[k], &cls[k], &err))
      return hs_cli_fail(&err);
  }
  int defaults = !lo_t && !hi_t && !cbf_cut_t && !cbv_cut_t;
  if (json) {
    return print_doc(hs_stroke_perfusion_json(rel, cls, cut, defaults, &err), &err);
  }
  return print_doc(hs_stroke_perfusion_text(rel, cls, cut, defaults, &err), &err);
}

/* ---- tcd ------------------------------------------------------------------------------ */

static void tcd_help(void) { fputs(TCD_HELP, stdout); }

static int cmd_tcd(int argc, char **argv) {
  const char *cmd = "stroke tcd";
  const char *psv_t = NULL, *edv_t = NULL, *mean_t = NULL, *contra_t = NULL, *pi_t = NULL,
             *asym_t = NULL;
  int json = 0;
  const opt opts[] = {{"--psv", &psv_t, NULL},          {"--edv", &edv_t, NULL},
                      {"--mean", &mean_t, NULL},        {"--contralateral", &contra_t, NULL},
                      {"--pi-raised", &pi_t, NULL},     {"--asym-ratio", &asym_t, NULL},
                      {"--json", NULL, &json},          {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, tcd_help);
  if (rc >= 0) return rc;
  if (!psv_t || !edv_t || !mean_t)
    return hs_cli_usage(cmd, "--%s is required (PSV, EDV and mean velocity of the affected side)",
                        !psv_t ? "psv" : !edv_t ? "edv" : "mean");
  hs_err err = {HS_OK, ""};
  hs_tcd_side a, c;
  if (parse_number(psv_t, HS_DIM_VELOCITY, &a.psv_cms, &err)) return fail_opt(&err, "--psv");
  if (parse_number(edv_t, HS_DIM_VELOCITY, &a.edv_cms, &err)) return fail_opt(&err, "--edv");
  if (parse_number(mean_t, HS_DIM_VELOCITY, &a.mean_cms, &err)) return fail_opt(&err, "--mean");
  if (contra_t) {
    double v[3];
    if (parse_list(contra_t, 3, HS_DIM_VELOCITY, v, &err)) return fail_opt(&err, "--contralateral");
    c.psv_cms = v[0];
    c.edv_cms = v[1];
    c.mean_cms = v[2];
  }
  hs_tcd_limits lim = hs_tcd_limits_default();
  if (pi_t && parse_number(pi_t, HS_DIM_NONE, &lim.pi_raised_above, &err))
    return fail_opt(&err, "--pi-raised");
  if (asym_t && parse_number(asym_t, HS_DIM_NONE, &lim.asym_ratio_above, &err))
    return fail_opt(&err, "--asym-ratio");
  hs_tcd_result r;
  if (hs_stroke_tcd(&a, contra_t ? &c : NULL, &lim, &r, &err)) return hs_cli_fail(&err);
  if (json) {
    return print_doc(hs_stroke_tcd_json(&a, contra_t ? &c : NULL, &lim, &r, &err), &err);
  }
  return print_doc(hs_stroke_tcd_text(&a, contra_t ? &c : NULL, &lim, &r, &err), &err);
}

/* ---- dose ----------------------------------------------------------------------------- */

static void dose_help(void) {
  fputs(DOSE_HELP_HEAD, stdout);
  for (size_t i = 0; i < hs_stroke_regimen_count(); i++) {
    const hs_stroke_regimen *r = hs_stroke_regimen_at(i);
    printf("  %-19s %s %s: %s\n", r->name, r->route, r->drug, r->summary);
    char b[40];
    printf("  %-19s default %s %s (%s)\n", "", num(b, r->conc_default),
           hs_dose_conc_unit_name(r->unit), r->conc_source);
  }
}

static int dose_list(int json) {
  hs_err err = {HS_OK, ""};
  return print_doc(json ? hs_stroke_regimens_json(&err) : hs_stroke_regimens_text(&err), &err);
}



static int cmd_dose(int argc, char **argv) {
  const char *cmd = "stroke dose";
  const char *reg_t = NULL, *w_t = NULL, *c_t = NULL, *d_t = NULL;
  int json = 0, list = 0;
  const opt opts[] = {{"--regimen", &reg_t, NULL},       {"--weight", &w_t, NULL},
                      {"--concentration", &c_t, NULL},   {"--duration", &d_t, NULL},
                      {"--list", NULL, &list},           {"--json", NULL, &json},
                      {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, dose_help);
  if (rc >= 0) return rc;
  if (list) {
    if (reg_t || w_t || c_t || d_t) return hs_cli_usage(cmd, "--list takes no other options");
    return dose_list(json);
  }
  if (!reg_t) return hs_cli_usage(cmd, "--regimen is required (see --list)");
  hs_err err = {HS_OK, ""};
  const hs_stroke_regimen *r = hs_stroke_regimen_find(reg_t);
  if (!r) {
    hs_stroke_dose_calc(reg_t, NULL, NULL, &err); /* names the known regimens */
    return fail_opt(&err, "--regimen");
  }
  if (!w_t && hs_stroke_regimen_weight_based(r))
    return hs_cli_usage(cmd, "--weight is required: %s is dosed by weight", r->name);
  hs_stroke_dose_req req = {0, 0, 0, 0, 0, 0};
  if (w_t) {
    if (hs_quantity_parse(HS_DIM_MASS, w_t, &req.weight_kg, &err)) return fail_opt(&err, "--weight");
    req.has_weight = 1;
  }
  if (c_t) {
    if (hs_stroke_conc_parse(c_t, r->unit, &req.conc, &err)) return fail_opt(&err, "--concentration");
    req.has_conc = 1;
  }
  if (d_t) {
    /* a unit is required: a bare number would be seconds, a likely slip for minutes */
    if (hs_quantity_parse_as(HS_DIM_TIME, d_t, NULL, &req.duration_s, &err))
      return fail_opt(&err, "--duration");
    req.has_duration = 1;
  }
  hs_stroke_dose d;
  if (hs_stroke_dose_calc(r->name, &req, &d, &err)) return hs_cli_fail(&err);
  if (json) return print_doc(hs_stroke_dose_json(&d, &err), &err);
  return print_doc(hs_stroke_dose_text(&d, &err), &err);
}

/* ---- etici ---------------------------------------------------------------------------- */

static const char ETICI_HELP[] =
    "usage: hemosim stroke etici (--grade G | --fraction F) [--json]\n"
    "\n"
    "Reperfusion grade on the final angiogram after thrombectomy and the model's\n"
    "territory fraction reperfused.  eTICI (Liebeskind et al., J Neurointerv Surg\n"
    "2019;11:433): 0 none, 1 thrombus reduced without distal reperfusion, 2a 1-49 %,\n"
    "2b50 50-66 %, 2b67 67-89 %, 2c 90-99 %, 3 100 % of the territory.  The fraction\n"
    "is the midpoint of the grade's range (0, 0, 0.25, 0.58, 0.78, 0.945, 1).\n"
    "mTICI (Zaidat et al., Stroke 2013) is accepted as \"mTICI 2b\": its 2b (>= 50 %,\n"
    "not split) reads as eTICI 2b50 for eligibility and as the fraction 0.695.\n"
    "A bare \"2b\" is ambiguous and refused.\n"
    "\n"
    "options:\n"
    "  --grade G           eTICI grade (2b67) or \"mTICI 2b\"\n"
    "  --fraction F        territory fraction reperfused in [0, 1] (\"70 %\"): its grade\n"
    "  --json              machine-readable output\n"
    "  -h, --help          this text\n";

static void etici_help(void) { fputs(ETICI_HELP, stdout); }

static int cmd_etici(int argc, char **argv) {
  const char *cmd = "stroke etici";
  const char *g_t = NULL, *f_t = NULL;
  int json = 0;
  const opt opts[] = {{"--grade", &g_t, NULL}, {"--fraction", &f_t, NULL},
                      {"--json", NULL, &json}, {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, etici_help);
  if (rc >= 0) return rc;
  if (!!g_t == !!f_t) return hs_cli_usage(cmd, "give one of --grade or --fraction");
  hs_err err = {HS_OK, ""};
  hs_reperfusion_grade g;
  if (g_t) {
    if (hs_reperfusion_grade_parse(g_t, &g, &err)) return fail_opt(&err, "--grade");
    if (g.etici == HS_ETICI_NONE) return hs_cli_usage(cmd, "--grade none has no fraction");
  } else {
    double f;
    if (parse_number(f_t, HS_DIM_NONE, &f, &err)) return fail_opt(&err, "--fraction");
    if (hs_etici_from_fraction(f, &g, &err)) return fail_opt(&err, "--fraction");
  }
  if (json) return print_doc(hs_stroke_etici_json(&g, &err), &err);
  return print_doc(hs_stroke_etici_text(&g, &err), &err);
}

/* ---- eligibility ------------------------------------------------------------------------ */

static const char ELIG_HELP[] =
    "usage: hemosim stroke eligibility --onset T --etici G|none --ivt no|T|yes\n"
    "                                  --territory anterior|posterior\n"
    "                                  [--cardioembolic yes|no] [--nihss N] [--age Y]\n"
    "                                  [--weight KG] [--json]\n"
    "\n"
    "Checks a patient against every adjunct-regimen trial (CHOICE, ANGEL-TNK,\n"
    "POST-TNK, POST-UK, ATTENTION-IA, the four DATE tenecteplase tiers 0.03125 /\n"
    "0.0625 / 0.125 / 0.1875 mg/kg, ASSET-IT tirofiban after IV thrombolysis, TREND,\n"
    "MARVEL) and prints for each: eligible / not eligible / unknown with the rule\n"
    "that decided, the dose (with --weight) and the trial's result (positive,\n"
    "neutral, harm signal, not given) with its primary publication.  Rules are\n"
    "checked in the order territory, thrombectomy, eTICI, time since onset, prior\n"
    "IV thrombolysis, time since IV thrombolysis, cardioembolic source, NIHSS, age,\n"
    "dose tier stopped; time windows include their ends (24 h 0 s is within 24 h).\n"
    "A rule that needs an input not given answers \"unknown\" and names the option\n"
    "(MARVEL without --nihss: \"NIHSS >= 6 not checked (give --nihss)\").  Criteria no\n"
    "option covers (the occlusion site) are listed as \"not checked here\".\n"
    "These are trial populations, not a prescription (docs/stroke_calculators.md).\n"
    "\n"
    "options:\n"
    "  --onset T           time since onset / last known well, now, with its unit\n"
    "                      (\"6 h\", \"90 min\"), in (0 s, 7 days]\n"
    "  --etici G           final reperfusion grade after thrombectomy (2b67,\n"
    "                      \"mTICI 2b\"), or none (no thrombectomy)\n"
    "  --ivt V             IV thrombolysis: no, or how long ago it was given (\"40 min\"),\n"
    "                      or yes (given, time unknown)\n"
    "  --territory C       anterior (carotid) or posterior (vertebrobasilar)\n"
    "  --cardioembolic B   yes or no (TREND and ASSET-IT: non-cardioembolic only)\n"
    "  --nihss N           NIH Stroke Scale score now, 0-42 (TREND 4-20, MARVEL >= 6)\n"
    "  --age Y             age in whole years, 0-120 (TREND 18-80)\n"
    "  --weight KG         body weight (doses), in [20, 250] kg\n"
    "  --json              machine-readable output\n"
    "  -h, --help          this text\n";

static void elig_help(void) { fputs(ELIG_HELP, stdout); }

/* A whole number in [lo, hi] (an NIHSS score, an age in years) through the one number
   parser: "7" and "7.0" are 7; "7.5", "seven" and 43 are errors. */
static int whole_number(const char *text, int lo, int hi, int *out, const char *what, hs_err *err) {
  double v;
  if (hs_quantity_parse(HS_DIM_NONE, text, &v, err)) return 1;
  if (v != floor(v) || v < lo || v > hi) {
    hs_err_set(err, HS_ERR_RANGE, "\"%s\" is not %s: a whole number %d-%d", text, what, lo, hi);
    return 1;
  }
  *out = (int)v;
  return 0;
}

/* yes/no -> 1/0; -1 otherwise. */
static int yes_no(const char *t) {
  if (!strcmp(t, "yes") || !strcmp(t, "y") || !strcmp(t, "true") || !strcmp(t, "1")) return 1;
  if (!strcmp(t, "no") || !strcmp(t, "n") || !strcmp(t, "false") || !strcmp(t, "0")) return 0;
  return -1;
}


static int cmd_eligibility(int argc, char **argv) {
  const char *cmd = "stroke eligibility";
  const char *on_t = NULL, *et_t = NULL, *ivt_t = NULL, *te_t = NULL, *ce_t = NULL, *w_t = NULL;
  const char *ni_t = NULL, *age_t = NULL;
  int json = 0;
  const opt opts[] = {{"--onset", &on_t, NULL},     {"--etici", &et_t, NULL},
                      {"--ivt", &ivt_t, NULL},      {"--territory", &te_t, NULL},
                      {"--cardioembolic", &ce_t, NULL}, {"--weight", &w_t, NULL},
                      {"--nihss", &ni_t, NULL},     {"--age", &age_t, NULL},
                      {"--json", NULL, &json},      {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, elig_help);
  if (rc >= 0) return rc;
  if (!on_t) return hs_cli_usage(cmd, "--onset is required (time since onset, e.g. \"6 h\")");
  if (!et_t) return hs_cli_usage(cmd, "--etici is required (e.g. 2b67, or none without thrombectomy)");
  if (!ivt_t) return hs_cli_usage(cmd, "--ivt is required (no, or how long ago, e.g. \"40 min\")");
  if (!te_t) return hs_cli_usage(cmd, "--territory is required (anterior or posterior)");
  hs_err err = {HS_OK, ""};
  hs_stroke_patient p = hs_stroke_patient_unknown();
  if (hs_quantity_parse_as(HS_DIM_TIME, on_t, NULL, &p.onset_s, &err)) return fail_opt(&err, "--onset");
  if (hs_reperfusion_grade_parse(et_t, &p.grade, &err)) return fail_opt(&err, "--etici");
  p.has_grade = 1;
  int yn = yes_no(ivt_t);
  if (yn == 0) {
    p.ivt = 0;
  } else if (yn == 1) {
    p.ivt = 1;
  } else {
    p.ivt = 1;
    if (hs_quantity_parse_as(HS_DIM_TIME, ivt_t, NULL, &p.ivt_ago_s, &err)) {
      hs_err_prefix(&err, "no, yes or how long ago: ");
      return fail_opt(&err, "--ivt");
    }
  }
  if (!strcmp(te_t, "anterior")) p.territory = HS_TERRITORY_ANTERIOR;
  else if (!strcmp(te_t, "posterior")) p.territory = HS_TERRITORY_POSTERIOR;
  else {
    hs_err_set(&err, HS_ERR_INVALID, "\"%s\" is not a territory (allowed: anterior, posterior)", te_t);
    return fail_opt(&err, "--territory");
  }
  if (ce_t) {
    p.cardioembolic = yes_no(ce_t);
    if (p.cardioembolic < 0) {
      hs_err_set(&err, HS_ERR_INVALID, "\"%s\" is not yes or no", ce_t);
      return fail_opt(&err, "--cardioembolic");
    }
  }
  if (w_t) {
    if (hs_quantity_parse(HS_DIM_MASS, w_t, &p.weight_kg, &err)) return fail_opt(&err, "--weight");
    p.has_weight = 1;
  }
  if (ni_t && whole_number(ni_t, 0, HS_NIHSS_MAX, &p.nihss, "an NIHSS score", &err))
    return fail_opt(&err, "--nihss");
  p.has_nihss = ni_t != NULL;
  if (age_t && whole_number(age_t, 0, HS_AGE_MAX_YEARS, &p.age_years, "an age in years", &err))
    return fail_opt(&err, "--age");
  p.has_age = age_t != NULL;
  hs_stroke_eligibility e;
  if (hs_stroke_eligibility_check(&p, &e, &err)) return hs_cli_fail(&err);
  if (json) return print_doc(hs_stroke_eligibility_json(&e, &err), &err);
  return print_doc(hs_stroke_eligibility_text(&e, &err), &err);
}

/* ---- course ------------------------------------------------------------------------------ */

static const char COURSE_HELP[] =
    "usage: hemosim stroke course PATIENT [--territory T] [--etici G | --fraction F]\n"
    "                             [--obstruction X] [--strategies LIST] [--half-life T]\n"
    "                             [--clearance-exponent P] [--duration T] [--step T]\n"
    "                             [--hypo-rel R | --hypo-cbf C] [--hyper-rel R] [--json] [-q]\n"
    "\n"
    "The first hours after thrombectomy under each blood-pressure strategy, simulated\n"
    "as a quasi-steady course: every --step (30 min) the circulation is run to its\n"
    "steady state with the controller holding the strategy's target, territory CBF\n"
    "is read, and the capillary obstruction (no-reflow) of the reperfused share is\n"
    "advanced: o(t + h) = o(t) exp(-ln2 / T_half x (CBF_reperfused / CBF_reference)^P x h)\n"
    "(an assumption: no published human time course; docs/stroke_calculators.md).\n"
    "The territory is split by its eTICI fraction f into the reperfused share (stem\n"
    "open, obstruction o(t)) and the non-reperfused share (stem shut: collaterals).\n"
    "\n"
    "Strategies (brain.bp_target): sbp_below_120, sbp_below_140, sbp_140_180\n"
    "(OPTIMAL-BP, BP-TARGET, ENCHANTED2/MT), map_80_110 (basilar occlusion), none.\n"
    "Default: the three SBP strategies (+ map_80_110 for a posterior territory).\n"
    "\n"
    "Endpoints, per strategy - MODEL PROXIES, NOT OUTCOMES: mean and lowest territory\n"
    "CBF; hypoperfused fraction of the territory (CBF < --hypo-cbf) and its integral\n"
    "(territory-hours); hours with the territory's CBF below it; hyperperfusion of\n"
    "the reperfused share (hours with CBF / contralateral > --hyper-rel; burden =\n"
    "integral of f x (ratio - 1) where above 1), a proxy of haemorrhage risk; the\n"
    "obstruction left at the end.\n"
    "\n"
    "options:\n"
    "  PATIENT               patient file (e.g. examples/patients/stroke_post_thrombectomy.yaml)\n"
    "  --territory T         left_mca (default), right_mca or basilar (posterior fossa)\n"
    "  --etici G             final grade (2b67, \"mTICI 2b\"): f = its territory fraction\n"
    "  --fraction F          f directly, in [0, 1] (default: the stem's patency)\n"
    "  --obstruction X       capillary obstruction at t = 0, in [0, 0.95] (default: the\n"
    "                        patient's bed)\n"
    "  --strategies LIST     comma-separated strategies (at most 4)\n"
    "  --half-life T         obstruction half-life at normal perfusion (default \"12 h\")\n"
    "  --clearance-exponent P  clearance x (relative CBF)^P, in [0, 4] (default 1)\n"
    "  --duration T          course length, up to 72 h (default \"24 h\")\n"
    "  --step T              interval between steady states, >= 1 min (default \"30 min\")\n"
    "  --hypo-rel R          hypoperfusion below R x the contralateral territory's CBF at\n"
    "                        the same time, in (0, 1) (default 0.4: 20 of a normal 50)\n"
    "  --hypo-cbf C          an absolute threshold in mL/100 g/min instead (the model's\n"
    "                        territories rest at 35-71, so one number is a different\n"
    "                        fraction of each)\n"
    "  --hyper-rel R         hyperperfusion above R x contralateral, in [1, 3] (default 1.5)\n"
    "  --set NAME=VALUE      change a parameter of PATIENT first, as for run (repeatable;\n"
    "                        e.g. --set \"brain.collateral_grade=1\")\n"
    "  --json                machine-readable output (every point)\n"
    "  -q, --quiet           no text table (--json still prints)\n"
    "  -h, --help            this text\n";

static void course_help(void) { fputs(COURSE_HELP, stdout); }


/* The option texts of `stroke course` (NULL: not given). */
typedef struct course_args {
  const char *patient, *ter, *et, *fr, *ob, *strat, *hl, *ce, *du, *stp, *hc, *hr, *hrel;
  const char **sets; /* --set NAME=VALUE, in order */
  int nsets, json, quiet;
} course_args;

static int course_run(const char *cmd, const course_args *ca);

static int cmd_course(int argc, char **argv) {
  const char *cmd = "stroke course";
  course_args ca = {0};
  if (argc > 1 && argv[1][0] != '-') { /* the patient file comes first */
    ca.patient = argv[1];
    argv[1] = argv[0];
    argv++, argc--;
  }
  ca.sets = calloc((size_t)argc + 1, sizeof *ca.sets); /* room for every argument */
  if (!ca.sets) return HS_EXIT_FAIL;
  const opt opts[] = {{"--territory", &ca.ter, NULL},  {"--etici", &ca.et, NULL},
                      {"--fraction", &ca.fr, NULL},    {"--obstruction", &ca.ob, NULL},
                      {"--strategies", &ca.strat, NULL}, {"--half-life", &ca.hl, NULL},
                      {"--clearance-exponent", &ca.ce, NULL}, {"--duration", &ca.du, NULL},
                      {"--step", &ca.stp, NULL},       {"--hypo-cbf", &ca.hc, NULL},
                      {"--hypo-rel", &ca.hrel, NULL},
                      {"--hyper-rel", &ca.hr, NULL},   {"--json", NULL, &ca.json},
                      {"--set", ca.sets, &ca.nsets},
                      {"--quiet", NULL, &ca.quiet},
                      {NULL, NULL, NULL}};
  int rc = parse_opts(cmd, argc, argv, opts, course_help);
  if (rc < 0) rc = course_run(cmd, &ca);
  free(ca.sets);
  return rc;
}

static int course_run(const char *cmd, const course_args *ca) {
  const char *patient = ca->patient, *ter = ca->ter, *et = ca->et, *fr = ca->fr, *ob = ca->ob,
             *strat = ca->strat, *hl = ca->hl, *ce = ca->ce, *du = ca->du, *stp = ca->stp,
             *hc = ca->hc, *hr = ca->hr;
  if (!patient) return hs_cli_usage(cmd, "a patient file is required (e.g. examples/patients/stroke_post_thrombectomy.yaml)");
  if (hc && ca->hrel) return hs_cli_usage(cmd, "give either --hypo-rel or --hypo-cbf, not both");
  if (et && fr) return hs_cli_usage(cmd, "give --etici or --fraction, not both");
  hs_err err = {HS_OK, ""};
  hs_course_opts o = hs_course_opts_default();
  if (ter) o.territory = ter;
  if (et) {
    hs_reperfusion_grade g;
    if (hs_reperfusion_grade_parse(et, &g, &err)) return fail_opt(&err, "--etici");
    if (g.etici == HS_ETICI_NONE) return hs_cli_usage(cmd, "--etici none: there is no course after thrombectomy without one");
    o.fraction = g.fraction;
  }
  if (fr && parse_number(fr, HS_DIM_NONE, &o.fraction, &err)) return fail_opt(&err, "--fraction");
  if (ob && parse_number(ob, HS_DIM_NONE, &o.obstruction0, &err)) return fail_opt(&err, "--obstruction");
  if (ce && parse_number(ce, HS_DIM_NONE, &o.clearance_exponent, &err))
    return fail_opt(&err, "--clearance-exponent");
  if (hr && parse_number(hr, HS_DIM_NONE, &o.hyper_rel, &err)) return fail_opt(&err, "--hyper-rel");
  if (hc && hs_quantity_parse_as(HS_DIM_NONE, hc, "", &o.hypo_cbf, &err)) return fail_opt(&err, "--hypo-cbf");
  if (ca->hrel && parse_number(ca->hrel, HS_DIM_NONE, &o.hypo_rel, &err))
    return fail_opt(&err, "--hypo-rel");
  if (hl && hs_quantity_parse_as(HS_DIM_TIME, hl, NULL, &o.half_life_s, &err)) return fail_opt(&err, "--half-life");
  if (du && hs_quantity_parse_as(HS_DIM_TIME, du, NULL, &o.duration_s, &err)) return fail_opt(&err, "--duration");
  if (stp && hs_quantity_parse_as(HS_DIM_TIME, stp, NULL, &o.step_s, &err)) return fail_opt(&err, "--step");
  char list[256];
  if (strat) {
    if (strlen(strat) >= sizeof list) return hs_cli_usage(cmd, "--strategies is too long");
    snprintf(list, sizeof list, "%s", strat);
    size_t n = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
      if (n == HS_COURSE_MAX_ARMS) return hs_cli_usage(cmd, "at most %d strategies", HS_COURSE_MAX_ARMS);
      o.strategies[n++] = tok;
    }
  }
  hs_model *m = NULL;
  if (hs_cli_load_patient(patient, &m, &err)) return hs_cli_fail(&err);
  int set_rc = hs_cli_apply_sets(cmd, m, ca->sets, ca->nsets);
  if (set_rc != HS_EXIT_OK) {
    hs_model_free(m);
    return set_rc;
  }
  hs_course_result *r = NULL;
  hs_status st = hs_stroke_course(m, &o, &r, &err);
  if (st) {
    hs_model_free(m);
    return hs_cli_fail(&err);
  }
  int code = HS_EXIT_OK;
  if (ca->json) {
    hs_provenance prov = {hs_model_name(m), patient, ca->sets, (size_t)ca->nsets};
    code = print_doc(hs_course_json(r, &prov, &err), &err);
  } else if (!ca->quiet) {
    code = print_doc(hs_course_text(r, &err), &err);
  }
  hs_course_free(r);
  hs_model_free(m);
  return code;
}

/* ---- dispatch ------------------------------------------------------------------------- */

typedef struct calculator {
  const char *name;
  int (*run)(int argc, char **argv);
} calculator;

static const calculator CALCULATORS[] = {
    {"mcis", cmd_mcis},
    {"reperfusion", cmd_reperfusion},
    {"perfusion-class", cmd_perfusion},
    {"tcd", cmd_tcd},
    {"dose", cmd_dose},
    {"eligibility", cmd_eligibility},
    {"etici", cmd_etici},
    {"course", cmd_course},
    {"perfusion", hs_cmd_stroke_perfusion},
};

int hs_cmd_stroke(int argc, char **argv) {
  if (argc < 2) {
    fputs(STROKE_HELP, stderr);
    return HS_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    fputs(STROKE_HELP, stdout);
    return HS_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof CALCULATORS / sizeof CALCULATORS[0]; i++)
    if (!strcmp(argv[1], CALCULATORS[i].name)) return CALCULATORS[i].run(argc - 1, argv + 1);
  return hs_cli_usage("stroke", "unknown calculator '%s' (mcis, reperfusion, perfusion-class, "
                                "tcd, dose, eligibility, etici, course, perfusion)",
                      argv[1]);
}
