/*
 * io/describe.c - what a patient is made of (hemosim describe): nodes, edges,
 * devices, roles and parameters, as JSON (schema hemosim-describe/1) or text.
 * Built from the model and the same parameter tables that check input files,
 * so it cannot go stale.  Documented in docs/output.md and docs/roles.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"
#include "hemosim/device.h"
#include "hemosim/output.h"
#include "hemosim/roles.h"
#include "io/json_util.h"

static const char *const CLS[] = {"node", "edge", "global", "device"};

/* Role state in m: "present", "absent" (optional and missing). */
static int role_present(const hs_model *m, const hs_role *r) {
  long i = hs_model_block_index(m, hs_model_role(m, r->name));
  return i >= 0 && hs_model_block_type(m, (size_t)i)->cls == r->kind;
}

/* Parameter value as a file would write it: a choice name, true/false, or a number. */
static void value_text(const hs_param_spec *p, double v, char *buf, size_t n) {
  if (p->flags & HS_PARAM_CHOICE)
    snprintf(buf, n, "%s", p->choices[(int)v]);
  else if (p->flags & HS_PARAM_BOOL)
    snprintf(buf, n, "%s", v != 0 ? "true" : "false");
  else
    snprintf(buf, n, "%.6g", v);
}

/* Port k of device block i, or NULL for an optional port left unbound (the model
   parks it on port 0's node, where it moves no blood: describe must not show it bound). */
static const char *port_of(const hs_model *m, size_t i, int k) {
  const hs_block_type *t = hs_model_block_type(m, i);
  const char *name = hs_model_block_name(m, i);
  const char *node = hs_model_device_port(m, name, (size_t)k);
  if (k >= t->device->nports_required && k > 0 && node &&
      !strcmp(node, hs_model_device_port(m, name, 0)))
    return NULL;
  return node;
}

static json_t *block_json(const hs_model *m, size_t i) {
  const hs_block_type *t = hs_model_block_type(m, i);
  json_t *o = json_object();
  int bad = !o;
  bad |= hs_jset(o, "name", hs_jstr(hs_model_block_name(m, i)));
  bad |= hs_jset(o, "type", hs_jstr(t->name));
  if (t->cls == HS_BLOCK_EDGE) {
    bad |= hs_jset(o, "from", hs_jstr(hs_model_edge_from(m, i)));
    bad |= hs_jset(o, "to", hs_jstr(hs_model_edge_to(m, i)));
  }
  if (t->device) {
    json_t *ports = json_object();
    bad |= !ports;
    for (int k = 0; ports && k < t->device->nports; k++) {
      const char *node = port_of(m, i, k);
      bad |= hs_jset(ports, t->device->ports[k], node ? hs_jstr(node) : json_null());
    }
    bad |= hs_jset(o, "ports", ports);
  }
  json_t *params = json_object();
  bad |= !params;
  const double *v = hs_model_block_params(m, i);
  for (int k = 0; params && k < t->nparams; k++) {
    const hs_param_spec *p = &t->params[k];
    json_t *q = json_object();
    bad |= !q;
    if (p->flags & (HS_PARAM_CHOICE | HS_PARAM_BOOL)) {
      char txt[64];
      value_text(p, v[k], txt, sizeof txt);
      bad |= hs_jset(q, "value", hs_jstr(txt));
    } else { /* in the bedside unit (flows in L/min), as --set takes them */
      double per;
      const char *shown = hs_param_display_unit(p, &per);
      bad |= hs_jset(q, "value", hs_jnum(v[k] / per));
      bad |= hs_jset(q, "unit", hs_jstr(shown));
      bad |= hs_jset(q, "min", hs_jnum(p->min / per));
      bad |= hs_jset(q, "max", hs_jnum(p->max / per));
    }
    if (p->flags & HS_PARAM_CHOICE) {
      size_t nc = 0;
      while (p->choices[nc]) nc++;
      bad |= hs_jset(q, "choices", hs_jstr_array(p->choices, nc));
    }
    bad |= hs_jset(q, "given", json_boolean(hs_model_param_given(m, i, k)));
    bad |= hs_jset(params, p->name, q);
  }
  bad |= hs_jset(o, "parameters", params);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

char *hs_describe_json(const hs_model *m, const hs_provenance *prov, hs_err *err) {
  json_t *root = json_object();
  json_t *sec[4] = {json_array(), json_array(), json_array(), json_array()};
  int bad = !root || !sec[0] || !sec[1] || !sec[2] || !sec[3];
  bad |= hs_jset(root, "schema", hs_jstr("hemosim-describe/1"));
  bad |= hs_jprovenance(root, prov);
  bad |= hs_jset(root, "description", hs_jstr(hs_model_description(m)));
  for (size_t i = 0; !bad && i < hs_model_block_count(m); i++) {
    json_t *b = block_json(m, i);
    bad |= !b || json_array_append_new(sec[hs_model_block_type(m, i)->cls], b);
  }
  static const char *const KEYS[] = {"nodes", "edges", "globals", "devices"};
  for (int c = 0; c < 4; c++) bad |= hs_jset(root, KEYS[c], sec[c]), sec[c] = NULL;
  json_t *roles = json_array();
  bad |= !roles;
  for (size_t i = 0; roles && i < hs_role_count(); i++) {
    const hs_role *r = hs_role_at(i);
    json_t *o = json_object();
    bad |= !o;
    bad |= hs_jset(o, "role", hs_jstr(r->name));
    bad |= hs_jset(o, "kind", hs_jstr(CLS[r->kind]));
    bad |= hs_jset(o, "type", r->type ? hs_jstr(r->type) : json_null());
    bad |= hs_jset(o, "block", hs_jstr(hs_model_role(m, r->name)));
    bad |= hs_jset(o, "default", hs_jstr(r->default_name));
    bad |= hs_jset(o, "present", json_boolean(role_present(m, r)));
    bad |= hs_jset(o, "required", json_boolean(r->flags & HS_ROLE_REQUIRED));
    bad |= hs_jset(o, "rebindable", json_boolean(!(r->flags & HS_ROLE_FIXED)));
    bad |= hs_jset(o, "use", hs_jstr(r->use));
    bad |= json_array_append_new(roles, o);
  }
  bad |= hs_jset(root, "roles", roles);
  for (int c = 0; c < 4; c++) json_decref(sec[c]);
  return hs_jdump(root, bad, 10, "the model description", err);
}

char *hs_describe_text(const hs_model *m, hs_err *err) {
  hs_textbuf tb;
  FILE *f = hs_textbuf_open(&tb, "model description", err);
  if (!f) return NULL;
  fprintf(f, "patient: %s\n", hs_model_name(m));
  static const char *const TITLE[] = {"nodes", "edges", "global blocks", "devices"};
  static const int ORDER[] = {HS_BLOCK_NODE, HS_BLOCK_EDGE, HS_BLOCK_DEVICE};
  for (int o = 0; o < 3; o++) {
    int c = ORDER[o];
    size_t n = 0;
    for (size_t i = 0; i < hs_model_block_count(m); i++) n += (int)hs_model_block_type(m, i)->cls == c;
    fprintf(f, "\n%s (%zu):\n", TITLE[c], n);
    for (size_t i = 0; i < hs_model_block_count(m); i++) {
      const hs_block_type *t = hs_model_block_type(m, i);
      if ((int)t->cls != c) continue;
      fprintf(f, "  %-24s %-12s", hs_model_block_name(m, i), t->name);
      if (c == HS_BLOCK_EDGE)
        fprintf(f, " %s -> %s", hs_model_edge_from(m, i), hs_model_edge_to(m, i));
      for (int k = 0; t->device && k < t->device->nports; k++) {
        const char *node = port_of(m, i, k);
        fprintf(f, " %s=%s", t->device->ports[k], node ? node : "(unbound)");
      }
      fputc('\n', f);
    }
  }
  fprintf(f, "\nroles (rebind under 'roles:' in the patient file; docs/roles.md):\n");
  for (size_t i = 0; i < hs_role_count(); i++) {
    const hs_role *r = hs_role_at(i);
    const char *b = hs_model_role(m, r->name);
    int req = (r->flags & HS_ROLE_REQUIRED) != 0, fix = (r->flags & HS_ROLE_FIXED) != 0;
    fprintf(f, "  %-22s %-18s %-7s %s%s%s%s%s\n", r->name, b, role_present(m, r) ? "" : "absent",
            req || fix ? "[" : "", req ? "required" : "", req && fix ? ", " : "",
            fix ? "fixed name" : "", req || fix ? "] " : "");
    fprintf(f, "  %-22s %s\n", "", r->use);
  }
  fprintf(f, "\nparameters (bedside units: flows in L/min; * = set by the file):\n");
  for (size_t i = 0; i < hs_model_block_count(m); i++) {
    const hs_block_type *t = hs_model_block_type(m, i);
    const double *v = hs_model_block_params(m, i);
    for (int k = 0; k < t->nparams; k++) {
      const hs_param_spec *p = &t->params[k];
      char path[160], val[64], range[96] = "";
      snprintf(path, sizeof path, "%s.%s", hs_model_block_name(m, i), p->name);
      double per;
      const char *u = hs_param_display_unit(p, &per);
      value_text(p, (p->flags & (HS_PARAM_CHOICE | HS_PARAM_BOOL)) ? v[k] : v[k] / per, val,
                 sizeof val);
      if (!(p->flags & (HS_PARAM_CHOICE | HS_PARAM_BOOL)))
        snprintf(range, sizeof range, "[%.6g, %.6g]", p->min / per, p->max / per);
      fprintf(f, "  %-44s %c %-12s %-10s %s\n", path, hs_model_param_given(m, i, k) ? '*' : ' ',
              val, u, range);
    }
  }
  return hs_textbuf_close(&tb, "model description", err);
}
