/*
 * io/yaml_out.c - the YAML writer of the library (io/yaml_out.h): libyaml's emitter.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "io/yaml_out.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/output.h"
#include "hemosim/patient.h"
#include "io/json_util.h"

void hs_yaml_comment(FILE *f, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  fputs("# ", f);
  for (const char *s = text; *s; s++) {
    unsigned char c = (unsigned char)*s;
    fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
  }
  fputc('\n', f);
}

static void ev(hs_yaml_out *x, yaml_event_t *event, int ok) {
  if (!ok || x->bad) {
    if (ok) yaml_event_delete(event);
    x->bad = 1;
    return;
  }
  if (!yaml_emitter_emit(&x->e, event)) x->bad = 1; /* the emitter owns the event */
}

void hs_yaml_begin(hs_yaml_out *x, FILE *f) {
  memset(x, 0, sizeof *x);
  if (!yaml_emitter_initialize(&x->e)) {
    x->bad = 1;
    return;
  }
  x->inited = 1;
  yaml_emitter_set_output_file(&x->e, f);
  yaml_emitter_set_unicode(&x->e, 1);
  yaml_emitter_set_width(&x->e, -1); /* never fold a long quoted string */
  yaml_event_t event;
  ev(x, &event, yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING));
  ev(x, &event, yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1));
}

void hs_yaml_scalar(hs_yaml_out *x, const char *text, int quoted) {
  char *clean = quoted ? hs_utf8_clean(text) : NULL;
  const char *t = clean ? clean : text;
  yaml_event_t event;
  ev(x, &event,
     yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)t, (int)strlen(t), !quoted,
                                  1,
                                  quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                         : YAML_PLAIN_SCALAR_STYLE));
  free(clean);
}

void hs_yaml_pair(hs_yaml_out *x, const char *key, const char *value, int quoted) {
  hs_yaml_scalar(x, key, 0);
  hs_yaml_scalar(x, value, quoted);
}

void hs_yaml_map_start(hs_yaml_out *x, int flow) {
  yaml_event_t event;
  ev(x, &event,
     yaml_mapping_start_event_initialize(&event, NULL, NULL, 1,
                                         flow ? YAML_FLOW_MAPPING_STYLE
                                              : YAML_BLOCK_MAPPING_STYLE));
}

void hs_yaml_map_end(hs_yaml_out *x) {
  yaml_event_t event;
  ev(x, &event, yaml_mapping_end_event_initialize(&event));
}

hs_status hs_yaml_end(hs_yaml_out *x, const char *what, hs_err *err) {
  yaml_event_t event;
  ev(x, &event, yaml_document_end_event_initialize(&event, 1));
  ev(x, &event, yaml_stream_end_event_initialize(&event));
  if (x->inited && !x->bad && !yaml_emitter_flush(&x->e)) x->bad = 1;
  const char *problem = x->inited && x->e.problem ? x->e.problem : "out of memory";
  char why[160];
  snprintf(why, sizeof why, "%s", problem);
  if (x->inited) yaml_emitter_delete(&x->e);
  x->inited = 0;
  if (x->bad) return hs_err_set(err, HS_ERR_IO, "%s: cannot write YAML: %s", what, why);
  return HS_OK;
}

/* The path of `target` relative to directory `dir` (both absolute and canonical). */
static void relative_path(const char *dir, const char *target, char *out, size_t n) {
  size_t i = 0, common = 0;
  while (dir[i] && dir[i] == target[i]) {
    if (dir[i] == '/') common = i + 1;
    i++;
  }
  const char *rest, *tail;
  if (!dir[i] && target[i] == '/') { /* target inside dir */
    rest = "";
    tail = target + i + 1;
  } else {
    rest = dir + common;
    tail = target + common;
  }
  out[0] = '\0';
  if (*rest) {
    strncat(out, "../", n - strlen(out) - 1);
    for (const char *s = rest; *s; s++)
      if (*s == '/') strncat(out, "../", n - strlen(out) - 1);
  }
  strncat(out, tail, n - strlen(out) - 1);
}

hs_status hs_yaml_base_reference(const char *patient_file, const char *path, char *ref, size_t n,
                                 hs_err *err) {
  /* the directory of the output file, canonical */
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  char adir[PATH_MAX], atarget[PATH_MAX];
  if (!realpath(dir, adir))
    return hs_err_set(err, HS_ERR_IO, "%s: cannot resolve directory '%s': %s", path, dir,
                      strerror(errno));
  if (!patient_file) { /* bundled default: write it next to the output */
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(base);
    static const char *const EXT[] = {".yaml", ".yml", ".json"};
    for (int e = 0; e < 3; e++) {
      size_t el = strlen(EXT[e]);
      if (len > el && !strcmp(base + len - el, EXT[e])) {
        len -= el;
        break;
      }
    }
    snprintf(ref, n, "%.*s.base.yaml", (int)len, base);
    char full[PATH_MAX + 300];
    int w = snprintf(full, sizeof full, "%s/%s", adir, ref);
    if (w < 0 || (size_t)w >= sizeof full)
      return hs_err_set(err, HS_ERR_IO, "%s: the base patient's path would be too long", path);
    const char *text = hs_patient_default_text();
    return hs_write_file_atomic(full, text, strlen(text), err);
  }
  if (!realpath(patient_file, atarget))
    return hs_err_set(err, HS_ERR_IO, "cannot resolve the base patient '%s': %s",
                      patient_file, strerror(errno));
  /* relative when the two share more than the root directory, else absolute */
  const char *s1 = strchr(adir + 1, '/'), *s2 = strchr(atarget + 1, '/');
  size_t l1 = s1 ? (size_t)(s1 - adir) : strlen(adir), l2 = s2 ? (size_t)(s2 - atarget) : 0;
  if (!strcmp(adir, "/") || l1 != l2 || strncmp(adir, atarget, l1))
    snprintf(ref, n, "%s", atarget);
  else
    relative_path(adir, atarget, ref, n);
  return HS_OK;
}

void hs_yaml_exact(char *buf, size_t n, double v) {
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return;
  }
}
