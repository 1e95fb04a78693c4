/*
 * io/doc.h - a read-only document tree (YAML 1.1 or JSON) that remembers where
 * every node came from, so that every input error can name file:line:column.
 *
 * Parsing is done by libyaml (which also reads JSON); this module only keeps
 * libyaml's nodes together with their marks and offers typed, checked access.
 * Duplicate keys in a mapping, anchors/aliases and multi-document streams are
 * rejected at load time with a located message.
 *
 * Ownership: hs_doc_load_* hands out a document that the caller frees with
 * hs_doc_free(); node pointers and strings stay valid until then.
 */
#ifndef HS_IO_DOC_H
#define HS_IO_DOC_H

#include <stddef.h>

#include "hemosim/error.h"

typedef enum hs_doc_kind { HS_DOC_SCALAR, HS_DOC_SEQ, HS_DOC_MAP } hs_doc_kind;

typedef struct hs_doc hs_doc;
typedef struct hs_doc_node hs_doc_node;

/* Load and parse; on error fills err with "name:line:col: what is wrong". */
hs_status hs_doc_load_file(const char *path, hs_doc **out, hs_err *err);
/* name is used in messages (e.g. "<default patient>"); text need not be NUL-terminated. */
hs_status hs_doc_load_string(const char *name, const char *text, size_t len, hs_doc **out,
                             hs_err *err);
void hs_doc_free(hs_doc *doc); /* NULL is a no-op */

const char *hs_doc_name(const hs_doc *doc);
const hs_doc_node *hs_doc_root(const hs_doc *doc); /* an empty file gives an empty mapping */

hs_doc_kind hs_doc_kind_of(const hs_doc_node *n);
int hs_doc_line(const hs_doc_node *n);   /* 1-based */
int hs_doc_column(const hs_doc_node *n); /* 1-based */

/* Scalars: text (NULL if n is not a scalar) and whether it was quoted in the source. */
const char *hs_doc_text(const hs_doc_node *n);
int hs_doc_quoted(const hs_doc_node *n);

/* Sequences and mappings: number of items / key-value pairs (0 for scalars). */
size_t hs_doc_size(const hs_doc_node *n);
const hs_doc_node *hs_doc_item(const hs_doc_node *seq, size_t i); /* NULL if out of range */
const hs_doc_node *hs_doc_key(const hs_doc_node *map, size_t i);  /* key node (a scalar) */
const hs_doc_node *hs_doc_value(const hs_doc_node *map, size_t i);
const hs_doc_node *hs_doc_get(const hs_doc_node *map, const char *key); /* NULL if absent */

/*
 * Located error: writes "name:line:col: <formatted message>" into err and
 * returns code.  n may be NULL (then only "name: ").
 */
hs_status hs_doc_fail(const hs_doc *doc, const hs_doc_node *n, hs_err *err, hs_status code,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/*
 * Typed reads.  `what` names the field in messages (e.g. "node 'lv' field 'ees'").
 * Errors are located and state the offending text.
 *  - number: a plain finite decimal number (YAML 1.1 forms such as 1e3, -0.5;
 *    not .inf/.nan, not quoted strings, no trailing text).
 *  - integer: a number with no fractional part that fits an int.
 *  - boolean: true/false (also yes/no, on/off as YAML 1.1 allows).
 *  - string: any scalar, returned as-is.
 */
hs_status hs_doc_number(const hs_doc *doc, const hs_doc_node *n, const char *what, double *out,
                        hs_err *err);
hs_status hs_doc_integer(const hs_doc *doc, const hs_doc_node *n, const char *what, int *out,
                         hs_err *err);
hs_status hs_doc_boolean(const hs_doc *doc, const hs_doc_node *n, const char *what, int *out,
                         hs_err *err);
hs_status hs_doc_string(const hs_doc *doc, const hs_doc_node *n, const char *what,
                        const char **out, hs_err *err);

/* Require kind; message "…: <what> must be a mapping (got a sequence)". */
hs_status hs_doc_expect(const hs_doc *doc, const hs_doc_node *n, hs_doc_kind kind,
                        const char *what, hs_err *err);

#endif
