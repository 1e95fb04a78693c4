/*
 * cmd_describe.c - `hemosim describe [PATIENT]`: the nodes, edges, devices, roles
 * and parameters of a patient (the library builds the text and the JSON).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char DESCRIBE_HELP[] =
    "usage: hemosim describe [PATIENT] [--json] [--set NAME=VALUE ...] [--out FILE]\n"
    "\n"
    "List what PATIENT (default: the bundled healthy adult) is made of: its nodes\n"
    "(type), edges (type, from -> to), devices (type, port bindings), the roles\n"
    "(the sites the engine and the analyses find by name, e.g. left_ventricle = lv,\n"
    "brain_venous_outflow = svc; docs/roles.md), and every parameter with its value\n"
    "in its bedside unit (flows in L/min, as `hemosim params`), allowed range and\n"
    "whether the file set it (*).\n"
    "\n"
    "  --json            the same as JSON (schema hemosim-describe/1, docs/output.md)\n"
    "  --set NAME=VALUE  change a parameter first (as for run)\n"
    "  --out FILE        write to FILE (atomically) instead of standard output\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 done, 1 usage error, 2 the patient could not be loaded or a --set\n"
    "value was refused.\n";

int hs_cmd_describe(int argc, char **argv) {
  static const struct option LONG[] = {{"help", no_argument, NULL, 'h'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"set", required_argument, NULL, 's'},
                                       {"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  int json = 0, nsets = 0;
  const char *out = "-";
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  if (!sets) return HS_EXIT_FAIL;
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt("describe", argc, argv, "h", LONG)) != -1;) {
    if (c == 'h') {
      fputs(DESCRIBE_HELP, stdout);
      free(sets);
      return HS_EXIT_OK;
    }
    if (c == 'j') json = 1;
    else if (c == 's') sets[nsets++] = optarg;
    else if (c == 'o') out = optarg;
    else {
      free(sets);
      return HS_EXIT_USAGE;
    }
  }
  if (argc - optind > 1) {
    free(sets);
    return hs_cli_usage("describe", "only one PATIENT may be given");
  }
  const char *path = optind < argc ? argv[optind] : NULL;
  hs_err err;
  hs_model *m = NULL;
  int rc;
  if (hs_cli_load_patient(path, &m, &err) != HS_OK) {
    rc = hs_cli_fail(&err);
  } else if ((rc = hs_cli_apply_sets("describe", m, sets, nsets)) == HS_EXIT_OK) {
    hs_provenance prov = {hs_model_name(m), path, sets, (size_t)nsets};
    char *text = json ? hs_describe_json(m, &prov, &err) : hs_describe_text(m, &err);
    if (hs_cli_write_text(text, out, &err) != HS_OK) rc = hs_cli_fail(&err);
  }
  hs_model_free(m);
  free(sets);
  return rc;
}
