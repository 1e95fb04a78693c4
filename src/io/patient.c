/*
 * io/patient.c - patient files to models.
 *
 * Layout of a patient file (YAML or JSON; docs/patient-format.md):
 *
 *   hemosim_patient: 1
 *   name: Healthy adult
 *   description: ...
 *   sources: [ ... ]            # free text, kept for provenance
 *   heart:       { heart_rate: 70, ... }      # global blocks, all optional
 *   circulation: { ... }
 *   body:        { height: 175 cm, weight: 70 kg }
 *   solver:      { ... }
 *   nodes:
 *     lv: { type: ventricle, ees: 2.3, ... }
 *   edges:
 *     aortic_valve: { type: valve, from: lv, to: aortic_root, resistance: 0.003, ... }
 *
 * Every field is checked against its block type's parameter table: an unknown
 * field, a wrong unit, a non-number or a value out of range is an error naming
 * file:line:column, the block, the field, the value and the allowed range.  The
 * checks of the whole model after loading (required parameters, edges and
 * device ports naming nodes, required sites) are located at the block concerned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/device.h"
#include "hemosim/patient.h"
#include "hemosim/roles.h"
#include "io/doc.h"

extern const char hs_default_patient_text[];
extern const size_t hs_default_patient_text_len;

const char *hs_patient_default_text(void) { return hs_default_patient_text; }

static void list_params(const hs_block_type *t, char *buf, size_t n) {
  buf[0] = '\0';
  for (int i = 0; i < t->nparams; i++) {
    strncat(buf, i ? ", " : "", n - strlen(buf) - 1);
    strncat(buf, t->params[i].name, n - strlen(buf) - 1);
  }
}

/* "drainage, return, vent": the port names of a device type. */
static void list_ports(const hs_device_type *dt, char *buf, size_t n) {
  buf[0] = '\0';
  for (int i = 0; i < dt->nports; i++) {
    strncat(buf, i ? ", " : "", n - strlen(buf) - 1);
    strncat(buf, dt->ports[i], n - strlen(buf) - 1);
  }
}

/* Read one parameter value node into the model. */
static hs_status read_param(const hs_doc *d, const hs_doc_node *v, hs_model *m, const char *block,
                            const hs_param_spec *spec, hs_err *err) {
  char path[160];
  snprintf(path, sizeof path, "%s.%s", block, spec->name);
  if (hs_doc_kind_of(v) != HS_DOC_SCALAR)
    return hs_doc_fail(d, v, err, HS_ERR_INVALID, "%s: field '%s' must be a single value", block,
                       spec->name);
  hs_err e2;
  double val;
  const char *text = hs_doc_text(v);
  if (hs_param_parse(spec, text, &val, &e2) != HS_OK ||
      hs_model_set(m, path, val, &e2) != HS_OK) {
    char range[160] = "", r[140];
    if (!(spec->flags & (HS_PARAM_BOOL | HS_PARAM_CHOICE))) {
      hs_param_range_text(spec, r, sizeof r);
      snprintf(range, sizeof range, " (allowed: %s)", r);
    }
    /* e2 already says what is wrong; add where, and the allowed range if not already there */
    int has_range = strstr(e2.msg, "out of range") || strstr(e2.msg, "(allowed");
    return hs_doc_fail(d, v, err, e2.code, "%s: field %s%s", block, e2.msg, has_range ? "" : range);
  }
  return HS_OK;
}

static hs_status read_block(const hs_doc *d, const hs_doc_node *map, hs_model *m,
                            const char *block, const hs_block_type *t, const char *const *skip,
                            hs_err *err) {
  hs_status st;
  char what[96];
  snprintf(what, sizeof what, "%s '%s'", t->cls == HS_BLOCK_GLOBAL
                                             ? "block"
                                             : t->name,
           block);
  if ((st = hs_doc_expect(d, map, HS_DOC_MAP, what, err)) != HS_OK) return st;
  for (size_t i = 0; i < hs_doc_size(map); i++) {
    const char *key = hs_doc_text(hs_doc_key(map, i));
    int skipped = 0;
    for (int k = 0; skip && skip[k]; k++)
      if (strcmp(key, skip[k]) == 0) skipped = 1;
    if (skipped) continue;
    int pi = hs_param_index(t, key);
    if (pi < 0) {
      char list[768];
      list_params(t, list, sizeof list);
      return hs_doc_fail(d, hs_doc_key(map, i), err, HS_ERR_UNKNOWN,
                         "%s: unknown field '%s' (known: %s)", block, key, list);
    }
    if ((st = read_param(d, hs_doc_value(map, i), m, block, &t->params[pi], err)) != HS_OK)
      return st;
  }
  return HS_OK;
}

static hs_status get_string(const hs_doc *d, const hs_doc_node *map, const char *key,
                            const char *what, const char **out, hs_err *err) {
  const hs_doc_node *n = hs_doc_get(map, key);
  if (!n) return hs_doc_fail(d, map, err, HS_ERR_INVALID, "%s: missing field '%s'", what, key);
  return hs_doc_string(d, n, what, out, err);
}

/*
 * A block that the base file already defines is overridden: its parameters are
 * updated; 'type' (and for edges 'from'/'to') may be left out, and if given must
 * agree.  nbase: number of blocks that came from the base file(s).
 */
static hs_status override_check(const hs_doc *d, const hs_doc_node *body, const hs_model *m,
                                size_t idx, const char *what, int edges, hs_err *err) {
  const hs_doc_node *tn = hs_doc_get(body, "type");
  const hs_block_type *t = hs_model_block_type(m, idx);
  if (tn && strcmp(hs_doc_text(tn) ? hs_doc_text(tn) : "", t->name) != 0)
    return hs_doc_fail(d, tn, err, HS_ERR_INVALID,
                       "%s: the base file defines it as a %s; a patient file may change its "
                       "parameters but not its type",
                       what, t->name);
  if (edges && (hs_doc_get(body, "from") || hs_doc_get(body, "to")))
    return hs_doc_fail(d, hs_doc_get(body, "from") ? hs_doc_get(body, "from") : hs_doc_get(body, "to"),
                       err, HS_ERR_INVALID,
                       "%s: the base file defines its ends; to reconnect, define a new edge",
                       what);
  return HS_OK;
}

static hs_status read_elements(const hs_doc *d, const hs_doc_node *list, hs_model *m, int edges,
                               size_t nbase, hs_err *err) {
  hs_status st;
  const char *section = edges ? "edges" : "nodes";
  if ((st = hs_doc_expect(d, list, HS_DOC_MAP, section, err)) != HS_OK) return st;
  static const char *const node_skip[] = {"type", NULL};
  static const char *const edge_skip[] = {"type", "from", "to", NULL};
  for (size_t i = 0; i < hs_doc_size(list); i++) {
    const hs_doc_node *kn = hs_doc_key(list, i), *body = hs_doc_value(list, i);
    const char *name = hs_doc_text(kn);
    char what[96];
    snprintf(what, sizeof what, "%s '%s'", edges ? "edge" : "node", name);
    if ((st = hs_doc_expect(d, body, HS_DOC_MAP, what, err)) != HS_OK) return st;
    long have = hs_model_block_index(m, name);
    if (have >= 0 && (size_t)have < nbase &&
        hs_model_block_type(m, (size_t)have)->cls == (edges ? HS_BLOCK_EDGE : HS_BLOCK_NODE)) {
      if ((st = override_check(d, body, m, (size_t)have, what, edges, err)) != HS_OK) return st;
      if ((st = read_block(d, body, m, name, hs_model_block_type(m, (size_t)have),
                           edges ? edge_skip : node_skip, err)) != HS_OK)
        return st;
      continue;
    }
    const char *type, *from = NULL, *to = NULL;
    if ((st = get_string(d, body, "type", what, &type, err)) != HS_OK) return st;
    hs_err e2;
    if (edges) {
      if ((st = get_string(d, body, "from", what, &from, err)) != HS_OK) return st;
      if ((st = get_string(d, body, "to", what, &to, err)) != HS_OK) return st;
      st = hs_model_add_edge(m, name, type, from, to, &e2);
    } else {
      st = hs_model_add_node(m, name, type, &e2);
    }
    if (st != HS_OK) {
      const hs_doc_node *at = hs_doc_get(body, "type");
      if (strstr(e2.msg, "used twice") || strstr(e2.msg, "not valid")) at = kn;
      return hs_doc_fail(d, at, err, st, "%s", e2.msg);
    }
    if ((st = read_block(d, body, m, name, hs_block_type_find(type),
                         edges ? edge_skip : node_skip, err)) != HS_OK)
      return st;
  }
  return HS_OK;
}

/* Read a new device's 'ports' map and add the device (any number of ports). */
static hs_status bind_ports(const hs_doc *d, const hs_doc_node *kn, const hs_doc_node *body,
                            hs_model *m, const char *name, const char *what, const hs_device_type *dt,
                            hs_err *err) {
  char list[256];
  list_ports(dt, list, sizeof list);
  const hs_doc_node *ports = hs_doc_get(body, "ports");
  if (!ports)
    return hs_doc_fail(d, body, err, HS_ERR_INVALID, "%s: missing 'ports' (%s)", what, list);
  hs_status st = hs_doc_expect(d, ports, HS_DOC_MAP, "ports", err);
  if (st != HS_OK) return st;
  const char **bound = calloc((size_t)dt->nports + 1, sizeof *bound);
  if (!bound) return hs_err_set(err, HS_ERR_NOMEM, "out of memory reading %s", what);
  for (size_t k = 0; st == HS_OK && k < hs_doc_size(ports); k++) {
    const char *pname = hs_doc_text(hs_doc_key(ports, k));
    int idx = -1;
    for (int j = 0; j < dt->nports; j++)
      if (!strcmp(dt->ports[j], pname)) idx = j;
    if (idx < 0)
      st = hs_doc_fail(d, hs_doc_key(ports, k), err, HS_ERR_UNKNOWN,
                       "%s: %s has no port '%s' (ports: %s)", what, dt->block->name, pname, list);
    else
      st = hs_doc_string(d, hs_doc_value(ports, k), "port", &bound[idx], err);
  }
  int required = dt->nports_required > 0 ? dt->nports_required : dt->nports;
  for (int j = 0; st == HS_OK && j < dt->nports; j++) {
    if (!bound[j] && j >= required) bound[j] = bound[0]; /* optional port: unused */
    if (!bound[j])
      st = hs_doc_fail(d, ports, err, HS_ERR_INVALID, "%s: port '%s' is not connected (ports: %s)",
                       what, dt->ports[j], list);
  }
  hs_err e2;
  if (st == HS_OK && (st = hs_model_add_device_of_type(m, name, dt, bound, &e2)) != HS_OK)
    st = hs_doc_fail(d, kn, err, st, "%s", e2.msg);
  free(bound);
  return st;
}

/*
 *   devices:
 *     ecmo: {type: va_ecmo, ports: {drainage: ivc, return: lower_arteries}, rpm: 3200}
 */
static hs_status read_devices(const hs_doc *d, const hs_doc_node *list, hs_model *m,
                              size_t nbase, hs_err *err) {
  hs_status st;
  if ((st = hs_doc_expect(d, list, HS_DOC_MAP, "devices", err)) != HS_OK) return st;
  static const char *const skip[] = {"type", "ports", NULL};
  for (size_t i = 0; i < hs_doc_size(list); i++) {
    const hs_doc_node *kn = hs_doc_key(list, i), *body = hs_doc_value(list, i);
    const char *name = hs_doc_text(kn);
    char what[96];
    snprintf(what, sizeof what, "device '%s'", name);
    if ((st = hs_doc_expect(d, body, HS_DOC_MAP, what, err)) != HS_OK) return st;
    long have = hs_model_block_index(m, name);
    if (have >= 0 && (size_t)have < nbase &&
        hs_model_block_type(m, (size_t)have)->cls == HS_BLOCK_DEVICE) {
      /* override a device of the base file: settings, and optionally its ports */
      if ((st = override_check(d, body, m, (size_t)have, what, 0, err)) != HS_OK) return st;
      const hs_device_type *bdt = hs_model_block_type(m, (size_t)have)->device;
      const hs_doc_node *ports = hs_doc_get(body, "ports");
      for (size_t k = 0; ports && k < hs_doc_size(ports); k++) {
        hs_err e3;
        const char *node;
        if ((st = hs_doc_string(d, hs_doc_value(ports, k), "port", &node, err)) != HS_OK)
          return st;
        if (hs_model_rebind_device(m, name, hs_doc_text(hs_doc_key(ports, k)), node, &e3))
          return hs_doc_fail(d, hs_doc_key(ports, k), err, e3.code, "%s", e3.msg);
      }
      if ((st = read_block(d, body, m, name, bdt->block, skip, err)) != HS_OK) return st;
      continue;
    }
    const char *type;
    if ((st = get_string(d, body, "type", what, &type, err)) != HS_OK) return st;
    const hs_device_type *dt = hs_device_type_find(type);
    hs_err e2;
    if (!dt) {
      hs_model_add_device(m, name, type, NULL, &e2);
      return hs_doc_fail(d, hs_doc_get(body, "type"), err, HS_ERR_UNKNOWN, "%s", e2.msg);
    }
    if ((st = bind_ports(d, kn, body, m, name, what, dt, err)) != HS_OK) return st;
    if ((st = read_block(d, body, m, name, dt->block, skip, err)) != HS_OK) return st;
  }
  return HS_OK;
}

/*
 *   roles:
 *     brain_venous_outflow: jugular_veins     # role: block (hemosim/roles.h)
 */
static hs_status read_roles(const hs_doc *d, const hs_doc_node *map, hs_model *m, hs_err *err) {
  hs_status st = hs_doc_expect(d, map, HS_DOC_MAP, "roles", err);
  for (size_t i = 0; st == HS_OK && i < hs_doc_size(map); i++) {
    const hs_doc_node *kn = hs_doc_key(map, i), *vn = hs_doc_value(map, i);
    const char *role = hs_doc_text(kn), *block;
    if ((st = hs_doc_string(d, vn, "roles", &block, err)) != HS_OK) break;
    hs_err e2;
    if ((st = hs_model_set_role(m, role, block, &e2)) != HS_OK)
      st = hs_doc_fail(d, hs_role_find(role) ? vn : kn, err, st, "roles: %s", e2.msg);
  }
  return st;
}

/* The key node `name` of mapping map, or NULL. */
static const hs_doc_node *key_named(const hs_doc_node *map, const char *name) {
  for (size_t i = 0; map && i < hs_doc_size(map); i++) {
    const char *key = hs_doc_text(hs_doc_key(map, i));
    if (key && strcmp(key, name) == 0) return hs_doc_key(map, i);
  }
  return NULL;
}

/*
 * Where in the document an hs_model_check() message points.  Its messages name
 * the block they are about first, in quotes ("vessel 'pa': required parameter
 * ...", "edge 'x': 'from' names no node", "device 'ecmo': port ...", "node 'x'
 * has no incoming edge", "node 'lv' must be of type ventricle") and that
 * block's key under 'nodes', 'edges' or 'devices' (or at the top level, for a
 * global block) is the place.  A missing required site ("the model needs a
 * node named 'pa'" / "a valve named ...") is reported at the block of that name
 * if there is one (of the wrong kind), else at the 'nodes' or 'edges' key.
 * NULL if nothing fits (the message then carries only the file name).
 */
static const hs_doc_node *check_site(const hs_doc_node *root, const char *msg) {
  const char *q = strchr(msg, '\'');
  const char *e = q ? strchr(q + 1, '\'') : NULL;
  if (!e || e - q - 1 >= 64) return NULL;
  char name[64];
  memcpy(name, q + 1, (size_t)(e - q - 1));
  name[e - q - 1] = '\0';
  static const char *const sections[] = {"nodes", "edges", "devices"};
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
    const hs_doc_node *k = key_named(hs_doc_get(root, sections[i]), name);
    if (k) return k;
  }
  if (strncmp(msg, "the model needs a node", 22) == 0) return key_named(root, "nodes");
  if (strncmp(msg, "the model needs a valve", 23) == 0) return key_named(root, "edges");
  return key_named(root, name); /* a global block */
}

static hs_status build(const hs_doc *d, hs_model *m, int depth, hs_err *err);

/*
 * base: <file>  -- the patient starts as that file (path relative to this one)
 * and this file changes it.  Chains are allowed up to 8 deep.
 */
static hs_status load_base(const hs_doc *d, const hs_doc_node *bn, hs_model *m, int depth,
                           hs_err *err) {
  const char *rel;
  hs_status st = hs_doc_string(d, bn, "base", &rel, err);
  if (st) return st;
  if (depth >= 8)
    return hs_doc_fail(d, bn, err, HS_ERR_MODEL,
                       "base: more than 8 nested base files (a file that includes itself?)");
  char path[1024];
  const char *name = hs_doc_name(d), *slash = strrchr(name, '/');
  if (rel[0] == '/' || !slash)
    snprintf(path, sizeof path, "%s", rel);
  else
    snprintf(path, sizeof path, "%.*s/%s", (int)(slash - name), name, rel);
  hs_doc *bd = NULL;
  hs_err e2;
  if ((st = hs_doc_load_file(path, &bd, &e2)) != HS_OK)
    return hs_doc_fail(d, bn, err, st, "base: %s", e2.msg);
  st = build(bd, m, depth + 1, err);
  hs_doc_free(bd);
  return st;
}

static hs_status build(const hs_doc *d, hs_model *m, int depth, hs_err *err) {
  hs_status st;
  const hs_doc_node *root = hs_doc_root(d);
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the patient file", err)) != HS_OK) return st;
  const hs_doc_node *ver = hs_doc_get(root, "hemosim_patient");
  if (!ver)
    return hs_doc_fail(d, root, err, HS_ERR_PARSE,
                       "not a hemosim patient file: it has no field 'hemosim_patient' (add "
                       "'hemosim_patient: 1', by convention as the first line)");
  int version;
  if ((st = hs_doc_integer(d, ver, "hemosim_patient", &version, err)) != HS_OK) return st;
  if (version != 1)
    return hs_doc_fail(d, ver, err, HS_ERR_RANGE,
                       "hemosim_patient: format version %d is not supported (allowed: 1)", version);
  const hs_doc_node *base = hs_doc_get(root, "base");
  if (base && (st = load_base(d, base, m, depth, err)) != HS_OK) return st;
  size_t nbase = hs_model_block_count(m);
  for (size_t i = 0; i < hs_doc_size(root); i++) {
    const char *key = hs_doc_text(hs_doc_key(root, i));
    const hs_doc_node *v = hs_doc_value(root, i);
    if (strcmp(key, "hemosim_patient") == 0 || strcmp(key, "nodes") == 0 ||
        strcmp(key, "edges") == 0 || strcmp(key, "devices") == 0 || strcmp(key, "base") == 0 ||
        strcmp(key, "roles") == 0)
      continue;
    if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0) {
      const char *text;
      if ((st = hs_doc_string(d, v, key, &text, err)) != HS_OK) return st;
      continue;
    }
    if (strcmp(key, "sources") == 0 || strcmp(key, "expected") == 0) {
      continue; /* provenance and documented haemodynamics: free-form */
    }
    /* every global block of the registry (heart ... lactate, fluids, map_control): what
       `hemosim params` lists and `serve` writes when it saves a patient */
    const hs_block_type *gt = hs_block_type_find(key);
    if (gt && gt->cls == HS_BLOCK_GLOBAL) {
      if ((st = read_block(d, v, m, key, gt, NULL, err)) != HS_OK) return st;
      continue;
    }
    char known[512] = "hemosim_patient, base, name, description, sources, expected";
    for (size_t t = 0; t < hs_block_type_count(); t++)
      if (hs_block_type_at(t)->cls == HS_BLOCK_GLOBAL)
        snprintf(known + strlen(known), sizeof known - strlen(known), ", %s",
                 hs_block_type_at(t)->name);
    return hs_doc_fail(d, hs_doc_key(root, i), err, HS_ERR_UNKNOWN,
                       "unknown top-level field '%s' (known: %s, nodes, edges, devices, roles)",
                       key, known);
  }
  const hs_doc_node *nodes = hs_doc_get(root, "nodes"), *edges = hs_doc_get(root, "edges");
  if (!base && (!nodes || !edges))
    return hs_doc_fail(d, root, err, HS_ERR_MODEL,
                       "the patient file needs 'nodes' and 'edges' (or a 'base' file)");
  if (nodes && (st = read_elements(d, nodes, m, 0, nbase, err)) != HS_OK) return st;
  if (edges && (st = read_elements(d, edges, m, 1, nbase, err)) != HS_OK) return st;
  const hs_doc_node *devices = hs_doc_get(root, "devices");
  if (devices && (st = read_devices(d, devices, m, nbase, err)) != HS_OK) return st;
  const hs_doc_node *roles = hs_doc_get(root, "roles");
  if (roles && (st = read_roles(d, roles, m, err)) != HS_OK) return st;
  const hs_doc_node *nm = hs_doc_get(root, "name"), *ds = hs_doc_get(root, "description");
  if ((nm || ds || !base) &&
      (st = hs_model_set_info(m, nm ? hs_doc_text(nm) : hs_model_name(m),
                              ds ? hs_doc_text(ds) : hs_model_description(m), err)))
    return st;
  hs_err e2;
  if ((st = hs_model_check(m, &e2)) != HS_OK)
    return hs_doc_fail(d, check_site(root, e2.msg), err, st, "%s", e2.msg);
  return HS_OK;
}

static hs_status load_doc(hs_doc *d, hs_model **out, hs_err *err) {
  hs_model *m = hs_model_new(err);
  if (!m) return err ? err->code : HS_ERR_NOMEM;
  hs_status st = build(d, m, 0, err);
  if (st != HS_OK) {
    hs_model_free(m);
    return st;
  }
  *out = m;
  return HS_OK;
}

hs_status hs_patient_load_file(const char *path, hs_model **out, hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  if (st != HS_OK) return st;
  st = load_doc(d, out, err);
  hs_doc_free(d);
  return st;
}

hs_status hs_patient_load_string(const char *name, const char *text, size_t len, hs_model **out,
                                 hs_err *err) {
  hs_doc *d = NULL;
  *out = NULL;
  hs_status st = hs_doc_load_string(name, text, len, &d, err);
  if (st != HS_OK) return st;
  st = load_doc(d, out, err);
  hs_doc_free(d);
  return st;
}

hs_status hs_patient_load_default(hs_model **out, hs_err *err) {
  return hs_patient_load_string("<default patient: examples/patients/healthy_adult.yaml>",
                                hs_default_patient_text, hs_default_patient_text_len, out, err);
}
