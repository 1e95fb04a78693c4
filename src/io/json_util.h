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
