/*
 * io/json_util.h - the one way the library writes JSON (internal).
 *
 * Every user string (file names, patient names, settings) goes through hs_jstr,
 * the JSON escaping function of the library: jansson escapes quotes, backslashes
 * and control characters, and a byte sequence that is not UTF-8 (a file name in
 * Latin-1, say) is written with U+FFFD in place of each bad byte instead of making
 * the whole document fail.  Numbers that are not finite become null.
 */
#ifndef HS_IO_JSON_UTIL_H
#define HS_IO_JSON_UTIL_H

#include <jansson.h>
#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/output.h"

/* A copy of s with every byte that starts no valid UTF-8 sequence replaced by
   U+FFFD (caller frees), or NULL when s is valid UTF-8 already (or memory ran out). */
char *hs_utf8_clean(const char *s);
/* A number, or null when v is NaN or infinite. */
json_t *hs_jnum(double v);
/* A string (NULL -> null); invalid UTF-8 bytes replaced by U+FFFD. */
json_t *hs_jstr(const char *s);
/* An array of strings (the --set overrides). */
json_t *hs_jstr_array(const char *const *s, size_t n);
/* Set key of obj to v (consumed); returns non-zero on failure (v NULL included). */
int hs_jset(json_t *obj, const char *key, json_t *v);
/* In a builder with a local `int bad`: set key k of o to v, remembering a failure. */
#define HS_JSET(o, k, v) (bad |= hs_jset((o), (k), (v)))
/* The end of every object builder: o when bad is 0, else NULL (o released). */
json_t *hs_jdone(json_t *o, int bad);
/* The targets a decision is held to: one JSON shape for every analysis that has them
   (compare, optimize, titrate), keys pcwp_max_mmhg, map_min_mmhg, do2i_min_mlmin_m2,
   svo2_drained_min_pct, sao2_upper_min_pct, lactate_max_mmol_l and psvd_min_mm_mm2 (each
   null when <= 0:
   not a target), flow_min_lpm, flow_max_lpm. */
typedef struct hs_jtargets_in {
  double pcwp_max_mmhg, map_min_mmhg, do2i_min, svo2_min_pct, sao2_upper_min_pct;
  double lactate_max_mmol_l;
  double psvd_min_mm_mm2;
  double heart_er_max;
  double cvp_max_mmhg;
  double flow_min_lpm, flow_max_lpm;
} hs_jtargets_in;
json_t *hs_jtargets(const hs_jtargets_in *t);
/* The provenance fields every output carries: "hemosim_version", then "patient"
   (name) and "patient_file" (null for the bundled default) and "set" when prov is
   given.  Returns non-zero on failure. */
int hs_jprovenance(json_t *root, const hs_provenance *prov);
/*
 * Serialise root (consumed; NULL or bad != 0 means a member failed to build) with
 * 2-space indentation, keys in insertion order and `precision` significant digits.
 * Returns the text (caller frees) or NULL with HS_ERR_NOMEM naming `what`.
 */
char *hs_jdump(json_t *root, int bad, int precision, const char *what, hs_err *err);

#endif
