/*
 * cmd_params.c - `hemosim params`: every block type and parameter, from the
 * same tables that validate input files (so the listing cannot go stale).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hemosim/device.h"

static const char PARAMS_HELP[] =
    "usage: hemosim params [--markdown] [TYPE]\n"
    "\n"
    "List the parameters of every block type (or of TYPE: vessel, ventricle, atrium,\n"
    "resistor, inertance, valve, heart, circulation, body, solver, oxygen, or a device\n"
    "type such as va_ecmo) with the unit --set takes (flows in L/min),\n"
    "default, allowed range, meaning and source.  --markdown prints the tables of\n"
    "docs/parameters.md.  A unit marked \"unit required\" (text: a trailing '!')\n"
    "must be written with the value: a bare number is an error there, because\n"
    "the bedside unit is not the internal one or is a clinical unit (every flow:\n"
    "\"4 L/min\"; the blood volume: \"5 L\"; a septostomy: \"8 mm\"; a half-life:\n"
    "\"4 h\"; a drug dose: \"0.5 ug/kg/min\"; a cannula: \"17 Fr\"; haemoglobin:\n"
    "\"14 g/dL\"; lactate: \"2 mmol/L\").  0 needs no unit.\n"
    "\n"
    "exit status: 0 success, 1 usage error (unknown option or TYPE).\n";

static void fmt_num(char *b, size_t n, double v) { snprintf(b, n, "%.6g", v); }

static void print_type(const hs_block_type *t, int md) {
  static const char *const cls[] = {"node", "edge", "global block", "device"};
  if (md)
    printf("\n### %s (%s)\n\n%s\n\n%s", t->name, cls[t->cls], t->doc,
           t->device ? "" : "| parameter | unit | default | min | max | meaning | source |\n|---|---|---|---|---|---|---|\n");
  else
    printf("\n%s (%s): %s\n", t->name, cls[t->cls], t->doc);
  if (t->device) {
    const hs_device_type *d = t->device;
    printf(md ? "Ports: " : "  ports: ");
    for (int k = 0; k < d->nports; k++) printf("%s%s%s%s", k ? ", " : "", md ? "`" : "", d->ports[k], md ? "`" : "");
    printf(md ? ".  Outputs (metrics `<device name>_<output>`): " : "\n  outputs: ");
    for (int k = 0; k < d->noutputs; k++)
      printf("%s%s%s%s", k ? ", " : "", md ? "`" : "", d->outputs[k].name, md ? "`" : "");
    printf(md ? ".\n\n| parameter | unit | default | min | max | meaning | source |\n|---|---|---|---|---|---|---|\n" : "\n");
  }
  for (int i = 0; i < t->nparams; i++) {
    const hs_param_spec *p = &t->params[i];
    char def[32], lo[32], hi[32];
    double per; /* values in the bedside unit (flows in L/min), as --set takes them */
    const char *shown = hs_param_display_unit(p, &per);
    fmt_num(lo, sizeof lo, p->min / per);
    fmt_num(hi, sizeof hi, p->max / per);
    if (p->flags & HS_PARAM_REQUIRED) snprintf(def, sizeof def, "required");
    else if (p->flags & HS_PARAM_BOOL) snprintf(def, sizeof def, "%s", p->def ? "true" : "false");
    else if (p->flags & HS_PARAM_CHOICE) snprintf(def, sizeof def, "%s", p->choices[(int)p->def]);
    else fmt_num(def, sizeof def, p->def / per);
    char unit[48];
    snprintf(unit, sizeof unit, "%s%s", shown,
             !hs_param_needs_unit(p) ? "" : md ? " (unit required)" : "!");
    if (md)
      printf("| `%s` | %s | %s | %s | %s | %s | %s |\n", p->name, unit, def, lo, hi, p->doc,
             p->source);
    else
      printf("  %-28s %-12s default %-10s range [%s, %s]  %s\n", p->name, unit, def, lo, hi,
             p->doc);
  }
}

int hs_cmd_params(int argc, char **argv) {
  int md = 0;
  const char *only = NULL;
  static const struct option LONG[] = {{"help", no_argument, NULL, 'h'},
                                       {"markdown", no_argument, NULL, 'm'},
                                       {NULL, 0, NULL, 0}};
  hs_cli_opt_begin();
  for (int c; (c = hs_cli_getopt("params", argc, argv, "h", LONG)) != -1;) {
    if (c == 'h') {
      fputs(PARAMS_HELP, stdout);
      return HS_EXIT_OK;
    }
    if (c != 'm') return HS_EXIT_USAGE;
    md = 1;
  }
  if (optind < argc) only = argv[optind];
  if (argc - optind > 1) return hs_cli_usage("params", "only one TYPE may be given");
  if (only && !hs_block_type_find(only))
    return hs_cli_usage("params", "unknown block type '%s'", only);
  for (size_t i = 0; i < hs_block_type_count(); i++) {
    const hs_block_type *t = hs_block_type_at(i);
    if (!only || !strcmp(only, t->name)) print_type(t, md);
  }
  return HS_EXIT_OK;
}
