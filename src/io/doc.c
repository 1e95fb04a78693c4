/*
 * io/doc.c - load YAML/JSON into a small, located, read-only node tree.
 *
 * What: libyaml's *event* API drives a builder that copies every node into
 * our own compact tree (kind, 1-based line/column, scalar text + style,
 * children).  The event API is used rather than yaml_parser_load() because the
 * document API silently resolves aliases and drops anchors, and we want to
 * reject those (and duplicate keys, non-scalar keys, extra documents) with a
 * message that points at the offending place.  JSON is read by the same
 * parser: libyaml (0.2.x) accepts JSON's flow syntax, including {"a":1} with no
 * space after a quoted key.  It is more lenient than JSON (trailing commas,
 * comments, unquoted strings) - harmless for reading configuration.
 *
 * Why a copy: once loading is done the libyaml parser and its events are
 * gone; callers only ever see hs_doc_node, which is stable and cheap to walk.
 *
 * Ownership and layout: an hs_doc owns exactly four heap blocks besides
 * itself - its name, one array of nodes, one array of child pointers and one
 * buffer holding every scalar's NUL-terminated text.  While building, nodes
 * refer to text and children by offset (the arrays may still move); the
 * offsets become pointers once the tree is complete, after which nothing moves
 * until hs_doc_free().  Every error path releases everything it allocated.
 *
 * Numbers are checked against a decimal grammar before strtod(), so hex,
 * inf/nan and trailing text are refused regardless of the C library's
 * extensions.  strtod() honours LC_NUMERIC: the program must keep the "C"
 * numeric locale (the default) for '.' to be the decimal point.
 */
#define _POSIX_C_SOURCE 200809L
#include "io/doc.h"
#include "hemosim/input.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* Scalar style as far as this module cares. */
enum { HS_STYLE_PLAIN, HS_STYLE_QUOTED, HS_STYLE_BLOCK };

struct hs_doc_node {
  hs_doc_kind kind;
  int line; /* 1-based */
  int col;  /* 1-based */
  int style;
  size_t len;    /* scalar: text length in bytes (text may contain NULs) */
  size_t nkids;  /* seq: items; map: 2 * pairs, as key, value, key, value... */
  size_t off;    /* while building: offset into text (scalar) or kids (container) */
  const char *text;                /* scalars only */
  const hs_doc_node *const *kids;  /* containers only */
};

struct hs_doc {
  char *name;
  hs_doc_node *nodes;
  const hs_doc_node **kids;
  char *text;
  hs_doc_node *root;
};

/* ------------------------------------------------------------------ helpers */

static int clamp_int(size_t v) { return v >= (size_t)INT_MAX ? INT_MAX : (int)v; }

/*
 * Room for `need` elements of `elem` bytes in block p of capacity *cap: returns
 * the (possibly moved) block, or NULL on failure with p still valid.  need > 0.
 */
static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t n = *cap ? *cap : 16;
  while (n < need) {
    if (n > SIZE_MAX / 2) return NULL;
    n *= 2;
  }
  if (n > SIZE_MAX / elem) return NULL;
  void *q = realloc(p, n * elem);
  if (q) *cap = n;
  return q;
}

static const char *kind_name(hs_doc_kind k) {
  switch (k) {
  case HS_DOC_SCALAR:
    return "a scalar";
  case HS_DOC_SEQ:
    return "a sequence";
  case HS_DOC_MAP:
    return "a mapping";
  }
  return "a node";
}

/*
 * Describe a node for "got ..." in messages: scalars are shown quoted,
 * escaped and truncated, e.g. "abc", quoted string "1.5", an empty value.
 */
static void describe_scalar(const char *text, size_t len, int style, char *buf, size_t size) {
  if (len == 0 && style == HS_STYLE_PLAIN) {
    snprintf(buf, size, "an empty value");
    return;
  }
  enum { SHOW = 60 };
  char shown[4 * SHOW + 8];
  size_t j = 0;
  for (size_t i = 0; i < len && i < SHOW; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '"' || c == '\\') {
      shown[j++] = '\\';
      shown[j++] = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      j += (size_t)snprintf(shown + j, sizeof shown - j, "\\x%02x", c);
    } else {
      shown[j++] = (char)c;
    }
  }
  if (len > SHOW) {
    memcpy(shown + j, "...", 3);
    j += 3;
  }
  shown[j] = '\0';
  const char *prefix = style == HS_STYLE_QUOTED  ? "quoted string "
                       : style == HS_STYLE_BLOCK ? "block scalar "
                                                 : "";
  snprintf(buf, size, "%s\"%s\"", prefix, shown);
}

/* As describe_scalar, for any finished node (containers by kind). */
static void describe(const hs_doc_node *n, char *buf, size_t size) {
  if (!n)
    snprintf(buf, size, "nothing");
  else if (n->kind != HS_DOC_SCALAR)
    snprintf(buf, size, "%s", kind_name(n->kind));
  else
    describe_scalar(n->text, n->len, n->style, buf, size);
}

/* Located error from explicit coordinates (line/col 1-based; 0 = unknown). */
static hs_status fail_at(hs_err *err, hs_status code, const char *name, int line, int col,
                         const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static hs_status fail_at(hs_err *err, hs_status code, const char *name, int line, int col,
                         const char *fmt, ...) {
  if (!err) return code;
  char what[HS_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (line > 0)
    hs_err_set(err, code, "%s:%d:%d: %s", name, line, col, what);
  else
    hs_err_set(err, code, "%s: %s", name, what);
  return code;
}

/* ------------------------------------------------------------------ builder */

typedef struct frame {
  size_t node;  /* index of the open container */
  size_t start; /* where its children begin in pending[] */
} frame;

typedef struct builder {
  const char *name;
  hs_err *err;
  hs_doc_node *nodes;
  size_t nnodes, cap_nodes;
  char *text;
  size_t ntext, cap_text;
  size_t *kids; /* finished children, as node indices */
  size_t nkids, cap_kids;
  size_t *pending; /* children of still-open containers (a stack) */
  size_t npending, cap_pending;
  frame *frames;
  size_t nframes, cap_frames;
  size_t root;
  int have_root;
  int ndocs;
} builder;

static void builder_free(builder *b) {
  free(b->nodes);
  free(b->text);
  free(b->kids);
  free(b->pending);
  free(b->frames);
}

static hs_status nomem(builder *b) {
  return fail_at(b->err, HS_ERR_NOMEM, b->name, 0, 0, "out of memory while loading");
}

static hs_status new_node(builder *b, hs_doc_kind kind, yaml_mark_t mark, size_t *idx) {
  hs_doc_node *nodes = grow(b->nodes, &b->cap_nodes, b->nnodes + 1, sizeof *b->nodes);
  if (!nodes) return nomem(b);
  b->nodes = nodes;
  hs_doc_node *n = &b->nodes[b->nnodes];
  memset(n, 0, sizeof *n);
  n->kind = kind;
  n->line = clamp_int(mark.line + 1);
  n->col = clamp_int(mark.column + 1);
  *idx = b->nnodes++;
  return HS_OK;
}

/* Attach a new node to the open container, or make it the root. */
static hs_status attach(builder *b, size_t idx) {
  if (b->nframes == 0) {
    b->root = idx;
    b->have_root = 1;
    return HS_OK;
  }
  size_t *pending = grow(b->pending, &b->cap_pending, b->npending + 1, sizeof *b->pending);
  if (!pending) return nomem(b);
  b->pending = pending;
  b->pending[b->npending++] = idx;
  return HS_OK;
}

/* Is the next node inside the innermost open container a mapping key? */
static int expecting_key(const builder *b) {
  if (b->nframes == 0) return 0;
  const frame *f = &b->frames[b->nframes - 1];
  return b->nodes[f->node].kind == HS_DOC_MAP && (b->npending - f->start) % 2 == 0;
}

typedef struct key_ref {
  const char *s;
  size_t len;
  size_t ord; /* position in the mapping */
  const hs_doc_node *node;
} key_ref;

static int key_cmp(const void *pa, const void *pb) {
  const key_ref *a = pa, *b = pb;
  size_t m = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->s, b->s, m);
  if (c) return c;
  if (a->len != b->len) return a->len < b->len ? -1 : 1;
  return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/*
 * Reject duplicate keys among pending[start..] (key, value, ...).  Sorting
 * keeps this O(n log n) for large JSON objects; the reported duplicate is the
 * earliest repeated key in document order, as a linear scan would find.
 */
static hs_status check_duplicates(builder *b, size_t start) {
  size_t pairs = (b->npending - start) / 2;
  if (pairs < 2) return HS_OK;
  key_ref *k = malloc(pairs * sizeof *k);
  if (!k) return nomem(b);
  for (size_t i = 0; i < pairs; i++) {
    const hs_doc_node *n = &b->nodes[b->pending[start + 2 * i]];
    k[i].s = b->text + n->off;
    k[i].len = n->len;
    k[i].ord = i;
    k[i].node = n;
  }
  qsort(k, pairs, sizeof *k, key_cmp);
  const key_ref *dup = NULL, *first = NULL;
  size_t group = 0;
  for (size_t i = 1; i < pairs; i++) {
    if (k[i].len == k[i - 1].len && memcmp(k[i].s, k[i - 1].s, k[i].len) == 0) {
      if (!dup || k[i].ord < dup->ord) {
        dup = &k[i];
        first = &k[group];
      }
    } else {
      group = i;
    }
  }
  hs_status st = HS_OK;
  if (dup) {
    char shown[320];
    if (dup->len)
      describe_scalar(dup->s, dup->len, HS_STYLE_PLAIN, shown, sizeof shown);
    else
      snprintf(shown, sizeof shown, "\"\" (empty)");
    st = fail_at(b->err, HS_ERR_PARSE, b->name, dup->node->line, dup->node->col,
                 "duplicate key %s (first defined at line %d, column %d)", shown,
                 first->node->line, first->node->col);
  }
  free(k);
  return st;
}

static hs_status close_container(builder *b) {
  if (b->nframes == 0) /* libyaml never ends what it did not start */
    return fail_at(b->err, HS_ERR_PARSE, b->name, 0, 0, "unbalanced collection end");
  frame f = b->frames[--b->nframes];
  hs_doc_node *n = &b->nodes[f.node];
  if (n->kind == HS_DOC_MAP) {
    hs_status st = check_duplicates(b, f.start);
    if (st) return st;
  }
  size_t count = b->npending - f.start;
  if (count) {
    size_t *kids = grow(b->kids, &b->cap_kids, b->nkids + count, sizeof *b->kids);
    if (!kids) return nomem(b);
    b->kids = kids;
    memcpy(b->kids + b->nkids, b->pending + f.start, count * sizeof *b->kids);
  }
  n = &b->nodes[f.node];
  n->off = b->nkids;
  n->nkids = count;
  b->nkids += count;
  b->npending = f.start;
  return HS_OK;
}

static hs_status on_scalar(builder *b, const yaml_event_t *ev) {
  size_t len = ev->data.scalar.length;
  /* "\0" is legal in a double-quoted YAML scalar, but every key and name here is a C
     string: "sbp\0x" would pass a length-aware duplicate check and then compare
     equal to "sbp".  No input has a use for it. */
  if (len && memchr(ev->data.scalar.value, '\0', len))
    return fail_at(b->err, HS_ERR_PARSE, b->name, clamp_int(ev->start_mark.line + 1),
                   clamp_int(ev->start_mark.column + 1),
                   "a NUL character (\\0) inside a key or value is not allowed");
  size_t idx = 0;
  hs_status st = new_node(b, HS_DOC_SCALAR, ev->start_mark, &idx);
  if (st) return st;
  if (len > SIZE_MAX - 1 - b->ntext) return nomem(b);
  char *text = grow(b->text, &b->cap_text, b->ntext + len + 1, 1);
  if (!text) return nomem(b);
  b->text = text;
  if (len) memcpy(b->text + b->ntext, ev->data.scalar.value, len);
  b->text[b->ntext + len] = '\0';
  hs_doc_node *n = &b->nodes[idx];
  n->off = b->ntext;
  n->len = len;
  switch (ev->data.scalar.style) {
  case YAML_SINGLE_QUOTED_SCALAR_STYLE:
  case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
    n->style = HS_STYLE_QUOTED;
    break;
  case YAML_LITERAL_SCALAR_STYLE:
  case YAML_FOLDED_SCALAR_STYLE:
    n->style = HS_STYLE_BLOCK;
    break;
  default:
    n->style = HS_STYLE_PLAIN;
    break;
  }
  b->ntext += len + 1;
  return attach(b, idx);
}

static hs_status on_open(builder *b, hs_doc_kind kind, yaml_mark_t mark) {
  size_t idx = 0;
  hs_status st = new_node(b, kind, mark, &idx);
  if (st) return st;
  st = attach(b, idx);
  if (st) return st;
  frame *frames = grow(b->frames, &b->cap_frames, b->nframes + 1, sizeof *b->frames);
  if (!frames) return nomem(b);
  b->frames = frames;
  b->frames[b->nframes].node = idx;
  b->frames[b->nframes].start = b->npending;
  b->nframes++;
  return HS_OK;
}

/* Where a reader error (bad encoding) happened, from its byte offset. */
static void offset_to_mark(const char *text, size_t len, size_t off, int *line, int *col) {
  size_t l = 1, c = 1;
  if (off > len) off = len;
  for (size_t i = 0; i < off; i++) {
    unsigned char ch = (unsigned char)text[i];
    if (ch == '\n') {
      l++;
      c = 1;
    } else if ((ch & 0xC0) != 0x80) {
      c++; /* count characters, not UTF-8 continuation bytes */
    }
  }
  *line = clamp_int(l);
  *col = clamp_int(c);
}

static hs_status parser_error(builder *b, const yaml_parser_t *p, const char *text, size_t len) {
  const char *problem = p->problem ? p->problem : "malformed input";
  switch (p->error) {
  case YAML_MEMORY_ERROR:
    return nomem(b);
  case YAML_READER_ERROR: {
    int line, col;
    offset_to_mark(text, len, p->problem_offset, &line, &col);
    if (p->problem_value != -1)
      return fail_at(b->err, HS_ERR_PARSE, b->name, line, col, "invalid input: %s (byte 0x%02X)",
                     problem, (unsigned)p->problem_value);
    return fail_at(b->err, HS_ERR_PARSE, b->name, line, col, "invalid input: %s", problem);
  }
  default:
    break;
  }
  int line = clamp_int(p->problem_mark.line + 1);
  int col = clamp_int(p->problem_mark.column + 1);
  if (p->context)
    return fail_at(b->err, HS_ERR_PARSE, b->name, line, col,
                   "syntax error: %s (%s that started at line %d, column %d)", problem,
                   p->context, clamp_int(p->context_mark.line + 1),
                   clamp_int(p->context_mark.column + 1));
  return fail_at(b->err, HS_ERR_PARSE, b->name, line, col, "syntax error: %s", problem);
}

/* Feed one event to the builder; *done is set at the end of the stream. */
static hs_status on_event(builder *b, const yaml_event_t *ev, int *done) {
  int line = clamp_int(ev->start_mark.line + 1);
  int col = clamp_int(ev->start_mark.column + 1);
  const yaml_char_t *anchor = NULL;
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    anchor = ev->data.scalar.anchor;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = ev->data.sequence_start.anchor;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = ev->data.mapping_start.anchor;
    break;
  default:
    break;
  }
  if (anchor)
    return fail_at(b->err, HS_ERR_PARSE, b->name, line, col,
                   "anchors are not supported (&%s); write the value out in full",
                   (const char *)anchor);

  switch (ev->type) {
  case YAML_STREAM_END_EVENT:
    *done = 1;
    return HS_OK;
  case YAML_DOCUMENT_START_EVENT:
    if (b->ndocs++ > 0)
      return fail_at(b->err, HS_ERR_PARSE, b->name, line, col,
                     "more than one document in the file (a second one starts here)");
    return HS_OK;
  case YAML_ALIAS_EVENT:
    return fail_at(b->err, HS_ERR_PARSE, b->name, line, col,
                   "aliases are not supported (*%s); write the value out in full",
                   (const char *)ev->data.alias.anchor);
  case YAML_SCALAR_EVENT:
    return on_scalar(b, ev);
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT:
    if (expecting_key(b))
      return fail_at(b->err, HS_ERR_PARSE, b->name, line, col,
                     "mapping keys must be scalars (got %s)",
                     ev->type == YAML_SEQUENCE_START_EVENT ? "a sequence" : "a mapping");
    return on_open(b, ev->type == YAML_SEQUENCE_START_EVENT ? HS_DOC_SEQ : HS_DOC_MAP,
                   ev->start_mark);
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    return close_container(b);
  default: /* stream start, document end, no event */
    return HS_OK;
  }
}

/* Turn the builder's offsets into pointers and hand its arrays to a new doc. */
static hs_status finish(builder *b, hs_doc **out) {
  if (!b->have_root) {
    /* An empty stream: a root mapping with no pairs. */
    yaml_mark_t start = {0, 0, 0};
    size_t idx = 0;
    hs_status st = new_node(b, HS_DOC_MAP, start, &idx);
    if (st) return st;
    b->root = idx;
    b->have_root = 1;
  } else {
    hs_doc_node *r = &b->nodes[b->root];
    if (r->kind == HS_DOC_SCALAR && r->style == HS_STYLE_PLAIN && r->len == 0) {
      /* "---" with nothing after it: also an empty mapping. */
      r->kind = HS_DOC_MAP;
      r->len = 0;
      r->nkids = 0;
      r->off = 0;
    }
  }

  hs_doc *doc = calloc(1, sizeof *doc);
  size_t namelen = strlen(b->name);
  char *name = malloc(namelen + 1);
  const hs_doc_node **kids = NULL;
  if (b->nkids) kids = malloc(b->nkids * sizeof *kids);
  if (!doc || !name || (b->nkids && !kids)) {
    free(doc);
    free(name);
    free(kids);
    return nomem(b);
  }
  memcpy(name, b->name, namelen + 1);
  for (size_t i = 0; i < b->nkids; i++) kids[i] = &b->nodes[b->kids[i]];
  for (size_t i = 0; i < b->nnodes; i++) {
    hs_doc_node *n = &b->nodes[i];
    if (n->kind == HS_DOC_SCALAR)
      n->text = b->text + n->off;
    else
      n->kids = n->nkids ? kids + n->off : NULL;
  }
  doc->name = name;
  doc->nodes = b->nodes;
  doc->kids = kids;
  doc->text = b->text;
  doc->root = &b->nodes[b->root];
  b->nodes = NULL; /* now owned by doc */
  b->text = NULL;
  *out = doc;
  return HS_OK;
}

/* ------------------------------------------------------------------ loading */

hs_status hs_doc_load_string(const char *name, const char *text, size_t len, hs_doc **out,
                             hs_err *err) {
  if (!name) name = "<string>";
  if (!out) return fail_at(err, HS_ERR_INVALID, name, 0, 0, "no place to store the document");
  *out = NULL;
  if (!text && len) return fail_at(err, HS_ERR_INVALID, name, 0, 0, "no text to parse");

  builder b;
  memset(&b, 0, sizeof b);
  b.name = name;
  b.err = err;

  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return nomem(&b);
  static const unsigned char empty[1] = {0};
  yaml_parser_set_input_string(&parser, text ? (const unsigned char *)text : empty, len);

  hs_status st = HS_OK;
  int done = 0;
  while (!done && st == HS_OK) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      st = parser_error(&b, &parser, text ? text : "", len);
      break;
    }
    st = on_event(&b, &ev, &done);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);

  if (st == HS_OK) st = finish(&b, out);
  builder_free(&b);
  return st;
}

hs_status hs_doc_load_file(const char *path, hs_doc **out, hs_err *err) {
  if (!path) return hs_err_set(err, HS_ERR_INVALID, "hs_doc_load_file: no path given");
  if (!out) return fail_at(err, HS_ERR_INVALID, path, 0, 0, "no place to store the document");
  *out = NULL;
  /* regular files only, size cap, no NUL byte: the one input-file reader (input.h) */
  char *buf = NULL;
  size_t len = 0;
  hs_status st = hs_input_read(path, HS_INPUT_MAX_BYTES, &buf, &len, err);
  if (st == HS_OK) st = hs_doc_load_string(path, buf, len, out, err);
  free(buf);
  return st;
}

void hs_doc_free(hs_doc *doc) {
  if (!doc) return;
  free(doc->name);
  free(doc->nodes);
  free(doc->kids);
  free(doc->text);
  free(doc);
}

/* ------------------------------------------------------------------ access */

const char *hs_doc_name(const hs_doc *doc) { return doc ? doc->name : NULL; }

const hs_doc_node *hs_doc_root(const hs_doc *doc) { return doc ? doc->root : NULL; }

hs_doc_kind hs_doc_kind_of(const hs_doc_node *n) { return n ? n->kind : HS_DOC_SCALAR; }

int hs_doc_line(const hs_doc_node *n) { return n ? n->line : 0; }

int hs_doc_column(const hs_doc_node *n) { return n ? n->col : 0; }

const char *hs_doc_text(const hs_doc_node *n) {
  return n && n->kind == HS_DOC_SCALAR ? n->text : NULL;
}

int hs_doc_quoted(const hs_doc_node *n) { return n && n->style == HS_STYLE_QUOTED; }

size_t hs_doc_size(const hs_doc_node *n) {
  if (!n) return 0;
  switch (n->kind) {
  case HS_DOC_SEQ:
    return n->nkids;
  case HS_DOC_MAP:
    return n->nkids / 2;
  default:
    return 0;
  }
}

const hs_doc_node *hs_doc_item(const hs_doc_node *seq, size_t i) {
  if (!seq || seq->kind != HS_DOC_SEQ || i >= seq->nkids) return NULL;
  return seq->kids[i];
}

const hs_doc_node *hs_doc_key(const hs_doc_node *map, size_t i) {
  if (!map || map->kind != HS_DOC_MAP || i >= map->nkids / 2) return NULL;
  return map->kids[2 * i];
}

const hs_doc_node *hs_doc_value(const hs_doc_node *map, size_t i) {
  if (!map || map->kind != HS_DOC_MAP || i >= map->nkids / 2) return NULL;
  return map->kids[2 * i + 1];
}

const hs_doc_node *hs_doc_get(const hs_doc_node *map, const char *key) {
  if (!map || map->kind != HS_DOC_MAP || !key) return NULL;
  size_t klen = strlen(key);
  for (size_t i = 0; i + 1 < map->nkids; i += 2) {
    const hs_doc_node *k = map->kids[i];
    if (k->len == klen && memcmp(k->text, key, klen) == 0) return map->kids[i + 1];
  }
  return NULL;
}

/* ------------------------------------------------------------------ errors */

static hs_status doc_vfail(const hs_doc *doc, const hs_doc_node *n, hs_err *err, hs_status code,
                           const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 0)))
#endif
    ;

static hs_status doc_vfail(const hs_doc *doc, const hs_doc_node *n, hs_err *err, hs_status code,
                           const char *fmt, va_list ap) {
  if (!err) return code;
  char what[HS_ERRMSG_MAX];
  vsnprintf(what, sizeof what, fmt, ap);
  return fail_at(err, code, doc && doc->name ? doc->name : "<document>", n ? n->line : 0,
                 n ? n->col : 0, "%s", what);
}

hs_status hs_doc_fail(const hs_doc *doc, const hs_doc_node *n, hs_err *err, hs_status code,
                      const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hs_status st = doc_vfail(doc, n, err, code, fmt, ap);
  va_end(ap);
  return st;
}

/* ------------------------------------------------------------------ typed reads */

static const char *what_or(const char *what) { return what ? what : "value"; }

/* [+-]? (digits [. digits*]? | . digits) ([eE] [+-]? digits)? - nothing else. */
static int is_decimal(const char *s, size_t len) {
  size_t i = 0, digits = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) i++;
  for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) digits++;
  if (i < len && s[i] == '.') {
    for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) digits++;
  }
  if (digits == 0) return 0;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    size_t exp = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) exp++;
    if (exp == 0) return 0;
  }
  return i == len;
}

hs_status hs_doc_number(const hs_doc *doc, const hs_doc_node *n, const char *what, double *out,
                        hs_err *err) {
  char got[320];
  if (!n) return hs_doc_fail(doc, NULL, err, HS_ERR_INVALID, "%s is missing", what_or(what));
  if (n->kind != HS_DOC_SCALAR || n->style != HS_STYLE_PLAIN || !is_decimal(n->text, n->len)) {
    describe(n, got, sizeof got);
    return hs_doc_fail(doc, n, err, HS_ERR_INVALID, "%s: expected a number, got %s",
                       what_or(what), got);
  }
  char *end = NULL;
  double v = strtod(n->text, &end);
  if (end != n->text + n->len) { /* cannot happen after is_decimal in the C locale */
    describe(n, got, sizeof got);
    return hs_doc_fail(doc, n, err, HS_ERR_INVALID, "%s: expected a number, got %s",
                       what_or(what), got);
  }
  if (!isfinite(v)) {
    describe(n, got, sizeof got);
    return hs_doc_fail(doc, n, err, HS_ERR_RANGE, "%s: number %s is too large", what_or(what),
                       got);
  }
  if (out) *out = v;
  return HS_OK;
}

hs_status hs_doc_integer(const hs_doc *doc, const hs_doc_node *n, const char *what, int *out,
                         hs_err *err) {
  double v = 0;
  hs_status st = hs_doc_number(doc, n, what, &v, err);
  if (st) return st;
  char got[320];
  if (v < (double)INT_MIN || v > (double)INT_MAX) {
    describe(n, got, sizeof got);
    return hs_doc_fail(doc, n, err, HS_ERR_RANGE,
                       "%s: integer %s is out of range (%d to %d)", what_or(what), got, INT_MIN,
                       INT_MAX);
  }
  int i = (int)v; /* in range, so the conversion is defined */
  if ((double)i != v) {
    describe(n, got, sizeof got);
    return hs_doc_fail(doc, n, err, HS_ERR_INVALID, "%s: expected a whole number, got %s",
                       what_or(what), got);
  }
  if (out) *out = i;
  return HS_OK;
}

static int word_is(const hs_doc_node *n, const char *w) {
  size_t wl = strlen(w);
  if (n->len != wl) return 0;
  for (size_t i = 0; i < wl; i++) {
    char c = n->text[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != w[i]) return 0;
  }
  return 1;
}

hs_status hs_doc_boolean(const hs_doc *doc, const hs_doc_node *n, const char *what, int *out,
                         hs_err *err) {
  static const char *const yes[] = {"true", "yes", "on"};
  static const char *const no[] = {"false", "no", "off"};
  if (!n) return hs_doc_fail(doc, NULL, err, HS_ERR_INVALID, "%s is missing", what_or(what));
  if (n->kind == HS_DOC_SCALAR && n->style == HS_STYLE_PLAIN) {
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
      if (word_is(n, yes[i])) {
        if (out) *out = 1;
        return HS_OK;
      }
      if (word_is(n, no[i])) {
        if (out) *out = 0;
        return HS_OK;
      }
    }
  }
  char got[320];
  describe(n, got, sizeof got);
  return hs_doc_fail(doc, n, err, HS_ERR_INVALID,
                     "%s: expected true or false (or yes/no, on/off), got %s", what_or(what), got);
}

hs_status hs_doc_string(const hs_doc *doc, const hs_doc_node *n, const char *what,
                        const char **out, hs_err *err) {
  if (!n) return hs_doc_fail(doc, NULL, err, HS_ERR_INVALID, "%s is missing", what_or(what));
  if (n->kind != HS_DOC_SCALAR)
    return hs_doc_fail(doc, n, err, HS_ERR_INVALID, "%s: expected a string, got %s",
                       what_or(what), kind_name(n->kind));
  if (out) *out = n->text;
  return HS_OK;
}

hs_status hs_doc_expect(const hs_doc *doc, const hs_doc_node *n, hs_doc_kind kind,
                        const char *what, hs_err *err) {
  if (!n) return hs_doc_fail(doc, NULL, err, HS_ERR_INVALID, "%s is missing", what_or(what));
  if (n->kind == kind) return HS_OK;
  if (n->kind == HS_DOC_SCALAR) {
    char got[320];
    describe(n, got, sizeof got);
    return hs_doc_fail(doc, n, err, HS_ERR_INVALID, "%s must be %s (got the scalar %s)",
                       what_or(what), kind_name(kind), got);
  }
  return hs_doc_fail(doc, n, err, HS_ERR_INVALID, "%s must be %s (got %s)", what_or(what),
                     kind_name(kind), kind_name(n->kind));
}
