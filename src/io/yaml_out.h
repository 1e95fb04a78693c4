/*
 * io/yaml_out.h - the one way the library writes YAML (internal): libyaml's emitter,
 * event by event, so every user string (file names, patient names) is quoted and
 * escaped by libyaml, never by hand (newlines, quotes, colons, '#', control
 * characters); a byte sequence that is not UTF-8 is replaced by U+FFFD first (libyaml
 * refuses it).  Comments, which libyaml does not write, go through hs_yaml_comment
 * before the document starts: every control character becomes '?', so no user text can
 * end a comment and start live YAML.  Strings cannot carry NUL (C strings): the loaders
 * refuse a NUL in names and keys, so none reaches a writer.
 *
 * Used by the calibrated patient file (calibrate_yaml.c), the derived patient file
 * of `hemosim serve` (serve_session.c) and the micro-fitted one (micro_fit_out.c).
 */
#ifndef HS_IO_YAML_OUT_H
#define HS_IO_YAML_OUT_H

#include <stdio.h>
#include <yaml.h>

#include "hemosim/error.h"

typedef struct hs_yaml_out {
  yaml_emitter_t e;
  int bad;    /* an event failed: the output is incomplete */
  int inited; /* the emitter was initialised (hs_yaml_end deletes it) */
} hs_yaml_out;

/* One comment line "# <text>\n" to f (before hs_yaml_begin). */
void hs_yaml_comment(FILE *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Start a stream and a document on f (block style, UTF-8, no folding). */
void hs_yaml_begin(hs_yaml_out *x, FILE *f);
/* A scalar: quoted (user text: escaped by libyaml) or plain (numbers, identifiers). */
void hs_yaml_scalar(hs_yaml_out *x, const char *text, int quoted);
/* key: "value" (value quoted) and key: value (plain). */
void hs_yaml_pair(hs_yaml_out *x, const char *key, const char *value, int quoted);
/* Mappings, block style, or flow style ({a: b, c: d}) when flow is non-zero. */
void hs_yaml_map_start(hs_yaml_out *x, int flow);
void hs_yaml_map_end(hs_yaml_out *x);
/* End the document and the stream, free the emitter; HS_ERR_IO naming what (e.g. the
   file) and libyaml's reason when any event failed. */
hs_status hs_yaml_end(hs_yaml_out *x, const char *what, hs_err *err);

/* The shortest decimal that reads back as exactly v (a fitted value, written plain). */
void hs_yaml_exact(char *buf, size_t n, double v);

/* The `base:` reference of a patient file written to `path` that builds on
   `patient_file`: relative to path's directory when the two share more than the root
   directory, else absolute.  patient_file NULL (the bundled default patient): the
   default is written (atomically) next to path as "<path without .yaml/.yml/.json>.base.yaml"
   and that name is the reference. */
hs_status hs_yaml_base_reference(const char *patient_file, const char *path, char *ref,
                                 size_t n, hs_err *err);

#endif
