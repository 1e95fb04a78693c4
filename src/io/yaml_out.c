/*
 * io/yaml_out.c - the YAML writer of the library (io/yaml_out.h): libyaml's emitter.
 */
#include "io/yaml_out.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
