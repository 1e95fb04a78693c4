/*
 * cmd_trial.c - `hemosim trial`: the records of a randomised trial of
 * microcirculation-guided VA-ECMO in one SQLite database.  Everything is done
 * by the library (hemosim/trial.h); this file parses argv and prints.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli.h"
#include "hemosim/input.h"
#include "hemosim/trial.h"
#include "hemosim/trial_sim.h"

static const char TRIAL_HELP[] =
    "usage: hemosim trial <subcommand> DB [options]\n"
    "\n"
    "The records of a randomised trial of microcirculation-guided VA-ECMO (NCT03470792\n"
    "design) in one SQLite database DB: protocol, eligibility, stratified permuted-block\n"
    "allocation, visit forms T1-T4 with window checks, microcirculation analysed with\n"
    "`micro analyze`, ECMO settings, doses and VIS, outcome, adverse events, queries and\n"
    "a hash-chained audit trail.\n"
    "\n"
    "subcommands (the default role of each in brackets):\n"
    "  create DB --protocol FILE [--seed HEX]      new trial database [manager]\n"
    "  amend DB --protocol FILE --reason TEXT      audited protocol amendment [manager]\n"
    "  enrol DB --patient ID --site S --placed TIME --criterion ID=yes|no...\n"
    "           [--stratum NAME=LEVEL...]          eligibility, allocation [data_entry]\n"
    "  visit DB --patient ID --visit V [--set FIELD=VALUE...] [--micro FILE]\n"
    "           [--reason TEXT]                    case report form [data_entry]\n"
    "  ae DB --patient ID --type T --onset TIME --severity S --description TEXT\n"
    "                                              adverse event [data_entry]\n"
    "  unblind DB --patient ID --reason TEXT       emergency unblinding [data_entry]\n"
    "  query raise DB --patient ID --visit V --field F --text TEXT   [monitor]\n"
    "  query answer DB --id N --text TEXT                          [data_entry]\n"
    "  query close DB --id N --text TEXT                           [monitor]\n"
    "  status DB [--json OUT]                      enrolment, completeness, deviations\n"
    "  audit DB [--patient ID] [--json OUT]        the audit trail\n"
    "  verify DB                                   hash chain, records, allocations\n"
    "  analyze DB [--json OUT] [--km OUT.svg]      arms compared [statistician]\n"
    "  export DB [--csv OUT] [--odm OUT]           long CSV, CDISC ODM 1.3.2 [statistician]\n"
    "  fields                                      the form fields, units and ranges\n"
    "  simulate DB (--study FILES | --patient-file FILES) [--protocol FILE]\n"
    "           [--patients N] [--seed HEX] [--threads N] [--placed TIME]\n"
    "           [--interval-h H] [--json OUT] [-q] in-silico run of the trial on virtual\n"
    "                                              patients; outcomes are MODEL PROXIES [manager];\n"
    "                                              --interval-h in h or with a unit (\"30 min\");\n"
    "                                              -q: no summary printed\n"
    "\n"
    "common options:\n"
    "      --user NAME         who makes the change (default: $HEMOSIM_USER)\n"
    "      --role ROLE         data_entry, monitor, statistician or manager\n"
    "  -h, --help              this text\n"
    "\n"
    "Times are ISO 8601 with a zone: 2026-03-01T08:30Z, 2026-03-01 09:30+01:00.\n"
    "Quantities need their unit: --set ecmo_flow='3.5 L/min'.  Full description:\n"
    "docs/trial.md.\n"
    "\n"
    "exit status: 0 success (verify: every check passed), 1 usage error, 2 input or\n"
    "database error (verify: a check failed).\n";

#define MAXKV 64

typedef struct opts {
  const char *db, *user, *role, *protocol, *seed, *reason, *patient, *site, *placed, *visit,
      *micro, *type, *onset, *severity, *description, *text, *field, *json, *csv, *odm, *km,
      *study, *patient_file, *patients, *threads, *interval_h;
  int64_t id;
  int has_id, quiet;
  hs_trial_kv strata[MAXKV], criteria[MAXKV], sets[MAXKV];
  size_t nstrata, ncriteria, nsets;
  char kvbuf[3 * MAXKV][512];
  size_t nkvbuf;
} opts;

typedef struct optdef {
  const char *name;
  size_t off; /* offsetof the const char * in opts, or special below */
} optdef;

#define O(f) offsetof(opts, f)
#define KV_STRATUM ((size_t)-1)
#define KV_CRITERION ((size_t)-2)
#define KV_SET ((size_t)-3)
#define OPT_ID ((size_t)-4)

static const optdef OPTS[] = {
    {"--user", O(user)},       {"--role", O(role)},         {"--protocol", O(protocol)},
    {"--seed", O(seed)},       {"--reason", O(reason)},     {"--patient", O(patient)},
    {"--site", O(site)},       {"--placed", O(placed)},     {"--visit", O(visit)},
    {"--micro", O(micro)},     {"--type", O(type)},         {"--onset", O(onset)},
    {"--severity", O(severity)}, {"--description", O(description)}, {"--text", O(text)},
    {"--field", O(field)},     {"--json", O(json)},         {"--csv", O(csv)},
    {"--odm", O(odm)},         {"--km", O(km)},             {"--stratum", KV_STRATUM},
    {"--criterion", KV_CRITERION}, {"--set", KV_SET},       {"--id", OPT_ID},
    {"--study", O(study)},     {"--patient-file", O(patient_file)}, {"--patients", O(patients)},
    {"--threads", O(threads)}, {"--interval-h", O(interval_h)},
};

/* Parse argv[first..] into o (getopt_long: "--opt value" and "--opt=value", options and
   the DB operand in any order); allowed lists the options this subcommand takes.
   Returns 0, -1 after --help, or the usage exit status. */
static int parse(const char *cmd, int argc, char **argv, int first, const char *allowed,
                 opts *o) {
  enum { NOPTS = sizeof OPTS / sizeof OPTS[0] };
  struct option longopts[NOPTS + 3];
  int n = 0;
  for (int k = 0; k < NOPTS; k++) {
    char key[40];
    snprintf(key, sizeof key, " %s ", OPTS[k].name);
    if (strcmp(OPTS[k].name, "--user") && strcmp(OPTS[k].name, "--role") && !strstr(allowed, key))
      continue; /* not an option of this subcommand: getopt reports it as unknown */
    longopts[n++] = (struct option){OPTS[k].name + 2, required_argument, NULL, 1000 + k};
  }
  longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
  int quiet_ok = strstr(allowed, " -q ") != NULL; /* subcommands that print a summary */
  if (quiet_ok) longopts[n++] = (struct option){"quiet", no_argument, NULL, 'q'};
  longopts[n] = (struct option){NULL, 0, NULL, 0};
  int ac = argc - first + 1;
  char **av = argv + first - 1; /* av[0]: the subcommand's name */
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt(cmd, ac, av, quiet_ok ? "hq" : "h", longopts)) != -1;) {
    if (c == HS_OPT_ERROR) return HS_EXIT_USAGE;
    if (c == 'h') {
      fputs(TRIAL_HELP, stdout);
      return -1;
    }
    if (c == 'q') {
      o->quiet = 1;
      continue;
    }
    const optdef *d = &OPTS[c - 1000];
    const char *a = d->name, *v = optarg;
    if (d->off == OPT_ID) {
      char *end;
      errno = 0;
      long long x = strtoll(v, &end, 10);
      if (end == v || *end || errno || x < 1)
        return hs_cli_usage(cmd, "--id must be a query number (got '%s')", v);
      o->id = x;
      o->has_id = 1;
    } else if (d->off == KV_STRATUM || d->off == KV_CRITERION || d->off == KV_SET) {
      hs_trial_kv *arr = d->off == KV_STRATUM ? o->strata : d->off == KV_CRITERION ? o->criteria
                                                                                   : o->sets;
      size_t *k = d->off == KV_STRATUM ? &o->nstrata : d->off == KV_CRITERION ? &o->ncriteria
                                                                              : &o->nsets;
      const char *eq = strchr(v, '=');
      if (!eq || eq == v) return hs_cli_usage(cmd, "%s needs NAME=VALUE (got '%s')", a, v);
      if (*k >= MAXKV || o->nkvbuf >= 3 * MAXKV)
        return hs_cli_usage(cmd, "too many %s options (at most %d)", a, MAXKV);
      if ((size_t)(eq - v) >= sizeof o->kvbuf[0]) return hs_cli_usage(cmd, "%s: name too long", a);
      char *key = o->kvbuf[o->nkvbuf++];
      memcpy(key, v, (size_t)(eq - v));
      key[eq - v] = '\0';
      arr[*k].key = key;
      arr[*k].value = eq + 1;
      (*k)++;
    } else {
      *(const char **)((char *)o + d->off) = v;
    }
  }
  if (optind < ac) o->db = av[optind];
  if (ac - optind > 1)
    return hs_cli_usage(cmd, "only one DB may be given (got '%s' and '%s')", av[optind],
                        av[optind + 1]);
  if (!o->user) o->user = getenv("HEMOSIM_USER");
  return 0;
}

static int need(const char *cmd, const char *what, const char *v) {
  if (v) return 0;
  return hs_cli_usage(cmd, "missing %s", what);
}

static int actor(const char *cmd, const opts *o, hs_trial_role dflt, hs_trial_actor *who) {
  if (!o->user || !*o->user)
    return hs_cli_usage(cmd, "missing --user NAME (or set HEMOSIM_USER): every change is "
                        "recorded with its user");
  who->user = o->user;
  who->role = dflt;
  hs_err err;
  if (o->role && hs_trial_role_parse(o->role, &who->role, &err))
    return hs_cli_usage(cmd, "%s", err.msg);
  return 0;
}

static int emit(const char *path, char *text, hs_err *err) {
  if (!text) return hs_cli_fail(err);
  int rc = HS_EXIT_OK;
  if (!strcmp(path, "-")) {
    fputs(text, stdout);
    fputc('\n', stdout);
  } else if (hs_write_file_atomic(path, text, strlen(text), err)) {
    rc = hs_cli_fail(err);
  }
  free(text);
  return rc;
}

/* a micro input (at most 64 KiB), read as every input file is (hemosim/input.h) */
static char *slurp(const char *path, size_t *len, hs_err *err) {
  char *p = NULL;
  return hs_input_read(path, 64 * 1024, &p, len, err) ? NULL : p;
}

static void print_fields(void) {
  printf("%-20s %-7s %-10s %-17s %s\n", "field", "type", "unit", "range", "visits / meaning");
  for (size_t i = 0; i < hs_trial_field_count(); i++) {
    const hs_trial_field *f = hs_trial_field_at(i);
    static const char *const types[] = {"number", "time", "text", "choice"};
    char range[64] = "";
    if (f->type == HS_FT_NUMBER)
      snprintf(range, sizeof range, "%g-%g", f->lo, f->hi);
    else if (f->type == HS_FT_CHOICE)
      snprintf(range, sizeof range, "%s", f->choices);
    char vis[64] = "";
    static const char *const vn[] = {"baseline", "T1", "T2", "T3", "T4", "day28"};
    for (int v = 0; v < 6; v++)
      if (f->visits & (1u << v)) {
        if (v >= 2 && v <= 4 && (f->visits & 2u)) continue; /* T1-T4 printed as T1-T4 */
        strcat(vis, *vis ? "," : "");
        strcat(vis, v == 1 && (f->visits & 16u) ? "T1-T4" : vn[v]);
      }
    printf("%-20s %-7s %-10s %-17s %s: %s%s\n", f->name, types[f->type], f->unit, range, vis,
           f->doc, (f->visits & 0x100u) ? " [computed]" : "");
  }
}

static int print_verify(const char *db, const hs_trial_verify_result *r) {
  printf("trial database %s\n  audit rows %" PRId64 ", records matched %" PRId64
         ", allocations recomputed %" PRId64 "\n  chain head %s\n",
         db, r->audit_rows, r->records, r->allocations, r->head);
  if (r->ok) {
    printf("verified: the hash chain, every record and every allocation check out\n");
    return HS_EXIT_OK;
  }
  printf("FAILED: %s\n", r->problem);
  return HS_EXIT_FAIL;
}

/* ------------------------------------------------------------------ simulate */

static void sim_progress(size_t done, size_t total, void *ud) {
  (void)ud;
  fprintf(stderr, "\rsimulate: %zu/%zu courses", done, total);
  if (done == total) fputc('\n', stderr);
}

static int parse_count(const char *cmd, const char *what, const char *v, long lo, long hi,
                       long *out) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (end == v || *end || errno || x < lo || x > hi)
    return hs_cli_usage(cmd, "%s = '%s' must be a whole number in [%ld, %ld]", what, v, lo, hi);
  *out = x;
  return 0;
}

static int simulate(const char *cmd, const opts *o, const hs_trial_actor *who) {
  if (!o->study == !o->patient_file)
    return hs_cli_usage(cmd, "give the virtual patients: --study FILE (a cohort study) or "
                        "--patient-file FILE (patients generated around it)");
  hs_trial_sim_options so;
  hs_trial_sim_defaults(&so);
  long v = 0;
  int rc = 0;
  if (o->patients && (rc = parse_count(cmd, "--patients", o->patients, 1, 1000, &v))) return rc;
  if (o->patients) so.patients = (size_t)v;
  if (o->threads && (rc = hs_cli_parse_threads(cmd, o->threads, &so.threads))) return rc;
  /* the option names its unit: a bare number is in h, "30 min" is converted */
  if (o->interval_h && (rc = hs_cli_parse_quantity(cmd, "--interval-h", o->interval_h, HS_DIM_TIME,
                                                   "h", "h", 0.05, 0, 24, &so.interval_h)))
    return rc;
  if (o->placed) so.first_placement = o->placed;
  char seed_hex[17] = "0000000000000001";
  if (o->seed) {
    size_t n = strlen(o->seed);
    if (n < 1 || n > 16 || strspn(o->seed, "0123456789abcdefABCDEF") != n)
      return hs_cli_usage(cmd, "--seed must be 1-16 hex digits (got '%s')", o->seed);
    so.seed = strtoull(o->seed, NULL, 16);
    snprintf(seed_hex, sizeof seed_hex, "%016llx", (unsigned long long)so.seed);
  }
  hs_err err = {HS_OK, ""};
  hs_cohort *pop[HS_TRIAL_SIM_MAX_PHENOTYPES] = {NULL};
  size_t npop = 0;
  hs_trial *t = NULL;
  char *json = NULL, *list = strdup(o->study ? o->study : o->patient_file);
  if (!list) return HS_EXIT_FAIL;
  if (hs_trial_sim_check(&so, &err)) goto fail;
  if (o->protocol && hs_trial_create(o->db, o->protocol, who, seed_hex, &err)) goto fail;
  if (hs_trial_open(o->db, &t, &err)) goto fail;
  /* the phenotypes: a comma-separated list of studies or patient files */
  for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
    if (npop == HS_TRIAL_SIM_MAX_PHENOTYPES) {
      rc = hs_cli_usage(cmd, "at most %d phenotypes", HS_TRIAL_SIM_MAX_PHENOTYPES);
      goto done;
    }
    if (o->study ? hs_cohort_load_file(f, &pop[npop], &err)
                 : hs_trial_sim_population(f, so.patients, so.seed + npop, &pop[npop], &err))
      goto fail;
    if (o->study && !o->patients && so.patients > hs_cohort_patient_count(pop[npop]))
      so.patients = hs_cohort_patient_count(pop[npop]);
    npop++;
  }
  if (isatty(2)) so.progress = sim_progress;
  hs_trial_sim_summary sum;
  if (hs_trial_simulate(t, who, (const hs_cohort *const *)pop, npop, &so, &sum, &err)) goto fail;
  if (!(json = hs_trial_sim_json(t, who, &so, &sum, &err))) goto fail;
  if (o->json && hs_write_file_atomic(o->json, json, strlen(json), &err)) goto fail;
  if (o->quiet) goto done; /* -q: the database and --json hold the result */
  printf("in-silico trial in %s: %zu virtual patients screened, %zu outside acceptance, %zu "
         "enrolled, %zu failed; %zu visits (%zu outside their window)\n",
         o->db, sum.screened, sum.not_accepted, sum.enrolled, sum.failed, sum.visits,
         sum.deviations);
  if (*sum.first_failure) printf("  first failure: %s\n", sum.first_failure);
  if (npop > 1) {
    printf("  enrolled by phenotype:");
    for (size_t k = 0; k < npop; k++)
      printf("%s %s %zu", k ? "," : "", hs_cohort_name(pop[k]), sum.enrolled_by_phenotype[k]);
    printf("\n");
  }
  printf("  outcomes are MODEL PROXIES (assumed link of 28-day death to the model's PSVD)\n");
  printf("  %-10s %-8s %8s %8s %10s %11s %11s\n", "arm", "policy", "enrolled", "deaths",
         "E[deaths]", "flow L/min", "PSVD mm/mm2");
  for (int a = 0; a < sum.narms; a++) {
    const hs_trial_sim_arm *A = &sum.arm[a];
    printf("  %-10s %-8s %8zu %8zu %9.1f%% %11.2f %11.2f\n", A->id, A->policy, A->enrolled,
           A->deaths, 100 * A->expected_mortality, A->mean_flow_lpm, A->mean_psvd);
  }
  printf("  the trial analysis (risk difference, Fisher, per-visit comparisons): %s\n",
         o->json ? o->json : "hemosim trial analyze DB --user NAME");
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  free(json);
  free(list);
  hs_trial_close(t);
  for (size_t k = 0; k < npop; k++) hs_cohort_free(pop[k]);
  return rc;
}

/* ------------------------------------------------------------------ dispatch */

int hs_cmd_trial(int argc, char **argv) {
  if (argc < 2) {
    fputs(TRIAL_HELP, stderr);
    return HS_EXIT_USAGE;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
    fputs(TRIAL_HELP, stdout);
    return HS_EXIT_OK;
  }
  if (!strcmp(sub, "fields")) {
    print_fields();
    return HS_EXIT_OK;
  }
  static const struct {
    const char *name, *allowed;
    hs_trial_role role;
  } SUBS[] = {
      {"create", " --protocol --seed ", HS_ROLE_MANAGER},
      {"amend", " --protocol --reason ", HS_ROLE_MANAGER},
      {"enrol", " --patient --site --placed --stratum --criterion ", HS_ROLE_DATA_ENTRY},
      {"visit", " --patient --visit --set --micro --reason ", HS_ROLE_DATA_ENTRY},
      {"ae", " --patient --type --onset --severity --description ", HS_ROLE_DATA_ENTRY},
      {"unblind", " --patient --reason ", HS_ROLE_DATA_ENTRY},
      {"query", " --patient --visit --field --text --id ", HS_ROLE_MONITOR},
      {"status", " --json ", HS_ROLE_MONITOR},
      {"audit", " --patient --json ", HS_ROLE_MONITOR},
      {"verify", " ", HS_ROLE_MONITOR},
      {"analyze", " --json --km ", HS_ROLE_STATISTICIAN},
      {"export", " --csv --odm ", HS_ROLE_STATISTICIAN},
      {"simulate", " --protocol --seed --study --patient-file --patients --threads --placed "
                   "--interval-h --json -q ", HS_ROLE_MANAGER},
  };
  int k = -1;
  for (size_t i = 0; i < sizeof SUBS / sizeof SUBS[0]; i++)
    if (!strcmp(SUBS[i].name, sub) || (!strcmp(sub, "enroll") && !strcmp(SUBS[i].name, "enrol")) ||
        (!strcmp(sub, "analyse") && !strcmp(SUBS[i].name, "analyze")))
      k = (int)i;
  if (k < 0)
    return hs_cli_usage("trial", "unknown subcommand '%s' (create, amend, enrol, visit, ae, "
                        "unblind, query, status, audit, verify, analyze, export, fields, simulate)", sub);
  char cmd[32];
  snprintf(cmd, sizeof cmd, "trial %s", SUBS[k].name);
  const char *qverb = NULL;
  int first = 2;
  hs_trial_role role = SUBS[k].role;
  if (!strcmp(SUBS[k].name, "query")) {
    if (argc < 3 || (strcmp(argv[2], "raise") && strcmp(argv[2], "answer") &&
                     strcmp(argv[2], "close"))) {
      if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        fputs(TRIAL_HELP, stdout);
        return HS_EXIT_OK;
      }
      return hs_cli_usage(cmd, "say raise, answer or close");
    }
    qverb = argv[2];
    first = 3;
    if (!strcmp(qverb, "answer")) role = HS_ROLE_DATA_ENTRY;
  }
  opts *o = calloc(1, sizeof *o);
  if (!o) return HS_EXIT_FAIL;
  int rc = parse(cmd, argc, argv, first, SUBS[k].allowed, o);
  if (rc) {
    free(o);
    return rc < 0 ? HS_EXIT_OK : rc;
  }
  hs_err err = {HS_OK, ""};
  hs_trial *t = NULL;
  hs_trial_actor who;
  rc = need(cmd, "DB (the trial database file)", o->db);
  const char *s = SUBS[k].name;
  int writes = strcmp(s, "status") && strcmp(s, "audit") && strcmp(s, "verify");
  if (!rc && (writes || o->user)) rc = actor(cmd, o, role, &who);
  if (!rc && !writes && !o->user) {
    who.user = "reader";
    who.role = role;
    if (o->role && hs_trial_role_parse(o->role, &who.role, &err)) rc = hs_cli_usage(cmd, "%s", err.msg);
  }
  if (rc) goto done;
  if (!strcmp(s, "simulate")) {
    rc = simulate(cmd, o, &who);
    goto done;
  }
  if (!strcmp(s, "create")) {
    if ((rc = need(cmd, "--protocol FILE", o->protocol))) goto done;
    if (hs_trial_create(o->db, o->protocol, &who, o->seed, &err)) goto fail;
    printf("created trial database %s from %s\n", o->db, o->protocol);
    goto done;
  }
  if (hs_trial_open(o->db, &t, &err)) goto fail;
  if (!strcmp(s, "amend")) {
    if ((rc = need(cmd, "--protocol FILE", o->protocol)) || (rc = need(cmd, "--reason", o->reason)))
      goto done;
    if (hs_trial_amend(t, &who, o->protocol, o->reason, &err)) goto fail;
    printf("protocol amended from %s\n", o->protocol);
  } else if (!strcmp(s, "enrol")) {
    if ((rc = need(cmd, "--patient ID", o->patient)) || (rc = need(cmd, "--site", o->site)) ||
        (rc = need(cmd, "--placed TIME (VA-ECMO placement)", o->placed)))
      goto done;
    hs_trial_enrolment e = {o->patient, o->site, o->placed, o->strata, o->nstrata, o->criteria,
                            o->ncriteria};
    char arm[HS_TRIAL_NAME_MAX];
    if (hs_trial_enrol(t, &who, &e, arm, &err)) goto fail;
    printf("patient %s enrolled: arm %s\n", o->patient, arm);
  } else if (!strcmp(s, "visit")) {
    if ((rc = need(cmd, "--patient ID", o->patient)) || (rc = need(cmd, "--visit V", o->visit)))
      goto done;
    if (!o->nsets && !o->micro) {
      rc = hs_cli_usage(cmd, "nothing to record: give --set FIELD=VALUE and/or --micro FILE");
      goto done;
    }
    hs_trial_record_result r;
    if (o->nsets) {
      if (hs_trial_record(t, &who, o->patient, o->visit, o->sets, o->nsets, o->reason, &r, &err))
        goto fail;
      printf("%s %s: %zu value(s) recorded (%zu changed)\n", o->patient, o->visit, r.nvalues,
             r.nchanged);
      if (r.note[0]) printf("  %s%s\n", r.deviation ? "DEVIATION: " : "", r.note);
      if (isfinite(r.vis)) printf("  VIS %.1f\n", r.vis);
    }
    if (o->micro) {
      size_t len = 0;
      char *text = slurp(o->micro, &len, &err);
      if (!text) goto fail;
      hs_status st = hs_trial_record_micro(t, &who, o->patient, o->visit, o->micro, text, len,
                                           o->reason, &r, &err);
      free(text);
      if (st) goto fail;
      printf("%s %s: microcirculation from %s recorded (%zu value(s))\n", o->patient, o->visit,
             o->micro, r.nvalues);
    }
  } else if (!strcmp(s, "ae")) {
    if ((rc = need(cmd, "--patient ID", o->patient))) goto done;
    if (hs_trial_adverse_event(t, &who, o->patient, o->type, o->onset, o->severity,
                               o->description, &err))
      goto fail;
    printf("adverse event recorded for %s\n", o->patient);
  } else if (!strcmp(s, "unblind")) {
    if ((rc = need(cmd, "--patient ID", o->patient)) || (rc = need(cmd, "--reason", o->reason)))
      goto done;
    char arm[HS_TRIAL_NAME_MAX];
    if (hs_trial_unblind(t, &who, o->patient, o->reason, arm, &err)) goto fail;
    printf("patient %s: arm %s (unblinding recorded)\n", o->patient, arm);
  } else if (!strcmp(s, "query")) {
    if ((rc = need(cmd, "--text", o->text))) goto done;
    if (!strcmp(qverb, "raise")) {
      int64_t id;
      if ((rc = need(cmd, "--patient ID", o->patient)) || (rc = need(cmd, "--visit", o->visit)) ||
          (rc = need(cmd, "--field", o->field)))
        goto done;
      if (hs_trial_query_raise(t, &who, o->patient, o->visit, o->field, o->text, &id, &err))
        goto fail;
      printf("query %" PRId64 " raised\n", id);
    } else {
      if (!o->has_id) {
        rc = hs_cli_usage(cmd, "missing --id N");
        goto done;
      }
      hs_status st = !strcmp(qverb, "answer") ? hs_trial_query_answer(t, &who, o->id, o->text, &err)
                                              : hs_trial_query_close(t, &who, o->id, o->text, &err);
      if (st) goto fail;
      printf("query %" PRId64 " %s\n", o->id, !strcmp(qverb, "answer") ? "answered" : "closed");
    }
  } else if (!strcmp(s, "status")) {
    rc = emit(o->json ? o->json : "-", hs_trial_status_json(t, &who, &err), &err);
  } else if (!strcmp(s, "audit")) {
    rc = emit(o->json ? o->json : "-", hs_trial_audit_json(t, &who, o->patient, &err), &err);
  } else if (!strcmp(s, "verify")) {
    hs_trial_verify_result r;
    if (hs_trial_verify(t, &r, &err)) goto fail;
    rc = print_verify(o->db, &r);
  } else if (!strcmp(s, "analyze")) {
    if (o->km) {
      char *svg = hs_trial_km_svg(t, &who, &err);
      if ((rc = emit(o->km, svg, &err))) goto done;
    }
    rc = emit(o->json ? o->json : "-", hs_trial_analysis_json(t, &who, &err), &err);
  } else if (!strcmp(s, "export")) {
    if (!o->csv && !o->odm) {
      rc = hs_cli_usage(cmd, "give --csv OUT and/or --odm OUT");
      goto done;
    }
    if (o->csv && hs_trial_export_csv(t, &who, o->csv, &err)) goto fail;
    if (o->odm && hs_trial_export_odm(t, &who, o->odm, &err)) goto fail;
    if (o->csv) printf("wrote %s (long-format CSV)\n", o->csv);
    if (o->odm) printf("wrote %s (CDISC ODM 1.3.2)\n", o->odm);
  }
  goto done;
fail:
  rc = hs_cli_fail(&err);
done:
  hs_trial_close(t);
  free(o);
  return rc;
}
