/* cli.h - the command-line front end: one file per subcommand, public API only. */
#ifndef HS_CLI_H
#define HS_CLI_H

#include <getopt.h>
#include <jansson.h>

#include "hemosim/hemosim.h"

/* Exit codes (docs/cli.md). */
enum { HS_EXIT_OK = 0, HS_EXIT_USAGE = 1, HS_EXIT_FAIL = 2 };

int hs_cmd_run(int argc, char **argv);
int hs_cmd_params(int argc, char **argv);
int hs_cmd_describe(int argc, char **argv);
int hs_cmd_micro(int argc, char **argv);
int hs_cmd_compare(int argc, char **argv);
int hs_cmd_optimize(int argc, char **argv);
int hs_cmd_wean(int argc, char **argv);
int hs_cmd_calibrate(int argc, char **argv);
int hs_cmd_stroke(int argc, char **argv);
int hs_cmd_stroke_perfusion(int argc, char **argv); /* cmd_perfusion.c */
int hs_cmd_validate(int argc, char **argv);
int hs_cmd_cohort(int argc, char **argv);
int hs_cmd_serve(int argc, char **argv);
int hs_cmd_trial(int argc, char **argv);

/*
 * Options are read with getopt_long (GNU): "--rate=100" and "--rate 100" are the
 * same, options and operands may come in any order, "--" ends the options.  Call
 * hs_cli_opt_begin() before the first hs_cli_getopt() of a command.  hs_cli_getopt
 * returns the option's val, -1 at the end (operands are argv[optind..argc)), or
 * HS_OPT_ERROR after printing the usage error ("unknown option 'X'", "option X
 * needs a value", "option X takes no value").
 */
#define HS_OPT_ERROR (-2)
void hs_cli_opt_begin(void);
int hs_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
                  const struct option *longopts);

/* Print "hemosim: <msg>" to stderr; returns HS_EXIT_FAIL. */
int hs_cli_fail(const hs_err *err);
/* Usage error: "hemosim <cmd>: <msg>" plus a hint; returns HS_EXIT_USAGE. */
int hs_cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Serialise root (consumed) as indented JSON to standard output when path is "-",
 * otherwise atomically to the file path. */
hs_status hs_cli_write_json(json_t *root, const char *path, hs_err *err);
/* The same for a document the library built: text (NULL: the library failed, err
   set; freed in any case) to standard output when path is "-", else atomically. */
hs_status hs_cli_write_text(char *text, const char *path, hs_err *err);
/* Apply --set NAME=VALUE overrides to a model, in order.  Returns HS_EXIT_OK, or the
 * exit status after printing the error: HS_EXIT_USAGE for a malformed item,
 * HS_EXIT_FAIL for a rejected value (message prefixed with "--set NAME=VALUE: "). */
int hs_cli_apply_sets(const char *cmd, hs_model *m, const char *const *sets, int nsets);
/* --micro FILE: fit the patient's capillary dysfunction (its microcirculation block) to a
 * measured sublingual time point at the measurement's ECMO flow and doses, as `hemosim
 * micro fit` does, and set it in m; the three settings, "microcirculation.obstructed=..."
 * etc., are written to set[0..2] for the provenance, and a note to standard error.
 * Returns HS_EXIT_OK or HS_EXIT_FAIL after printing the error. */
int hs_cli_apply_micro(const char *cmd, const char *file, hs_model *m, char set[3][80]);
/* --threads N, 1-64: HS_EXIT_OK and *out, or a usage error (printed, HS_EXIT_USAGE). */
int hs_cli_parse_threads(const char *cmd, const char *text, int *out);
/* --context LIST items (comma-separated, each NAME or NAME=VALUE, docs/decision.md)
 * applied to *ctx in order: HS_EXIT_OK, or a usage error naming the item (printed,
 * HS_EXIT_USAGE).  compare and optimize. */
int hs_cli_apply_context(const char *cmd, hs_context *ctx, const char *const *items, int n);
/* --target NAME=VALUE items (compare, optimize) on top of t (defaults or a --targets
   file), then their agreement (flow_min below flow_max) once all are set; HS_EXIT_OK or
   the usage exit status after the message. */
int hs_cli_apply_targets(const char *cmd, hs_targets *t, const char *const *items, int n);
/*
 * A clinical quantity given to option opt, through the one unit parser
 * (hs_quantity_parse_as): a bare number is in bare_unit (pass it only where the option's
 * name states the unit, e.g. --hours, --interval-h; NULL: a bare number is an error with
 * the hint "write 3.5 L/min"), a number with a unit is converted.  *out is the value in
 * shown_unit (a spelling of dim, e.g. "L/min", "h", "um"), which must lie in [lo, hi]
 * (lo itself excluded when lo_open).  Returns HS_EXIT_OK or HS_EXIT_USAGE after printing
 * "--flow: \"9 L/min\" is 9 L/min, out of range (0, 8] L/min".
 */
int hs_cli_parse_quantity(const char *cmd, const char *opt, const char *text, hs_dim dim,
                          const char *bare_unit, const char *shown_unit, double lo, int lo_open,
                          double hi, double *out);
/* Load a patient file, or the bundled default when path is NULL. */
hs_status hs_cli_load_patient(const char *path, hs_model **out, hs_err *err);

#endif
