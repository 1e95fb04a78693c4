/*
 * model.c - the mutable netlist: blocks, parameters, checks.
 *
 * Blocks live in one growable array in insertion order (the order of the
 * patient file), which is also the order of nodes and edges in the compiled
 * plan, so output columns follow the file.  Every parameter write goes through
 * hs_param_check(): a value outside its documented range is an error, never
 * clamped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elements/elements.h"
#include "hemosim/device.h"
#include "hemosim/roles.h"
#include "model/model_impl.h"


static char *dupstr(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static void block_clear(hs_block *b) {
  for (int i = 0; i < b->nports; i++) free(b->ports[i]);
  free(b->ports);
  free(b->name);
  free(b->from);
  free(b->to);
  free(b->params);
  free(b->given);
  memset(b, 0, sizeof *b);
}

static int valid_name(const char *s) {
  if (!s || !*s || strlen(s) > 63) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

hs_block *hs_model_find_block(const hs_model *m, const char *name) {
  long i = hs_model_block_index(m, name);
  return i >= 0 ? &m->blocks[i] : NULL;
}

/* Block index of the node called name, or -1 (absent, or not a node). */
static long node_block(const hs_model *m, const char *name) {
  long i = hs_model_block_index(m, name); /* a rebound role's default name included */
  return i >= 0 && m->blocks[i].type->cls == HS_BLOCK_NODE ? i : -1;
}

static hs_status add_block(hs_model *m, const char *name, const hs_block_type *type,
                           const char *from, const char *to, const char *const *ports,
                           hs_err *err) {
  if (!valid_name(name))
    return hs_err_set(err, HS_ERR_INVALID,
                      "block name '%s' is not valid (use 1-63 characters a-z, 0-9, _)",
                      name ? name : "");
  if (hs_strmap_get(&m->index, name) >= 0)
    return hs_err_set(err, HS_ERR_INVALID, "block name '%s' is used twice", name);
  if (m->nblocks == m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 32;
    hs_block *nb = realloc(m->blocks, cap * sizeof *nb);
    if (!nb) return hs_err_set(err, HS_ERR_NOMEM, "out of memory adding block '%s'", name);
    m->blocks = nb;
    m->cap = cap;
  }
  hs_block *b = &m->blocks[m->nblocks];
  memset(b, 0, sizeof *b);
  b->type = type;
  b->name = dupstr(name);
  b->from = dupstr(from);
  b->to = dupstr(to);
  b->params = calloc((size_t)type->nparams + 1, sizeof *b->params);
  b->given = calloc((size_t)type->nparams + 1, 1);
  if (!b->name || !b->params || !b->given || (from && !b->from) || (to && !b->to)) goto nomem;
  for (int i = 0; i < type->nparams; i++) b->params[i] = type->params[i].def;
  if (type->device && ports) {
    int np = type->device->nports;
    b->ports = calloc((size_t)np + 1, sizeof *b->ports);
    if (!b->ports) goto nomem;
    b->nports = np;
    for (int i = 0; i < np; i++)
      if (!(b->ports[i] = dupstr(ports[i]))) goto nomem;
  }
  if (hs_strmap_put(&m->index, b->name, (long)m->nblocks) != 0) goto nomem;
  m->nblocks++;
  return HS_OK;
nomem:
  block_clear(b);
  return hs_err_set(err, HS_ERR_NOMEM, "out of memory adding block '%s'", name);
}

hs_model *hs_model_new(hs_err *err) {
  hs_model *m = calloc(1, sizeof *m);
  if (!m) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory creating a model");
    return NULL;
  }
  static const char *const globals[] = {"heart", "circulation", "body", "solver", "oxygen",
                                        "baroreflex", "drugs", "brain", "map_control",
                                        "lung_water", "lactate", "fluids", "hemolysis",
                                        "tissue_co2", "drug_response", "cardiopulmonary",
                                        "microcirculation", "coronary", "myocardium",
                                        "ischaemia"};
  for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
    if (add_block(m, globals[i], hs_block_type_find(globals[i]), NULL, NULL, NULL, err) != HS_OK) {
      hs_model_free(m);
      return NULL;
    }
  }
  return m;
}

void hs_model_free(hs_model *m) {
  if (!m) return;
  for (size_t i = 0; i < m->nblocks; i++) block_clear(&m->blocks[i]);
  free(m->blocks);
  free(m->name);
  free(m->description);
  hs_strmap_clear(&m->index);
  hs_model_roles_free(m);
  free(m);
}

hs_model *hs_model_clone(const hs_model *m, hs_err *err) {
  hs_model *c = calloc(1, sizeof *c);
  if (!c) goto nomem;
  for (size_t i = 0; i < m->nblocks; i++) {
    const hs_block *b = &m->blocks[i];
    if (add_block(c, b->name, b->type, b->from, b->to, (const char *const *)b->ports, err) !=
        HS_OK) {
      hs_model_free(c);
      return NULL;
    }
    memcpy(c->blocks[i].params, b->params, (size_t)b->type->nparams * sizeof *b->params);
    memcpy(c->blocks[i].given, b->given, (size_t)b->type->nparams);
  }
  if (hs_model_set_info(c, m->name, m->description, err) != HS_OK ||
      hs_model_roles_copy(c, m, err) != HS_OK) {
    hs_model_free(c);
    return NULL;
  }
  return c;
nomem:
  hs_err_set(err, HS_ERR_NOMEM, "out of memory cloning a model");
  return NULL;
}

hs_status hs_model_add_node(hs_model *m, const char *name, const char *type, hs_err *err) {
  const hs_block_type *t = hs_block_type_find(type);
  if (!t || t->cls != HS_BLOCK_NODE)
    return hs_err_set(err, HS_ERR_UNKNOWN,
                      "node '%s': unknown node type '%s' (known: vessel, ventricle, atrium)",
                      name ? name : "", type ? type : "");
  return add_block(m, name, t, NULL, NULL, NULL, err);
}

hs_status hs_model_add_edge(hs_model *m, const char *name, const char *type, const char *from,
                            const char *to, hs_err *err) {
  const hs_block_type *t = hs_block_type_find(type);
  if (!t || t->cls != HS_BLOCK_EDGE)
    return hs_err_set(err, HS_ERR_UNKNOWN,
                      "edge '%s': unknown edge type '%s' (known: resistor, inertance, valve)",
                      name ? name : "", type ? type : "");
  if (!from || !to)
    return hs_err_set(err, HS_ERR_INVALID, "edge '%s': needs both 'from' and 'to'",
                      name ? name : "");
  return add_block(m, name, t, from, to, NULL, err);
}

hs_status hs_model_add_device(hs_model *m, const char *name, const char *type,
                              const char *const *port_nodes, hs_err *err) {
  const hs_block_type *t = hs_block_type_find(type);
  if (!t || t->cls != HS_BLOCK_DEVICE) {
    char list[256] = "";
    for (size_t i = 0; i < hs_device_type_count(); i++) {
      strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, hs_device_type_at(i)->block->name, sizeof list - strlen(list) - 1);
    }
    return hs_err_set(err, HS_ERR_UNKNOWN, "device '%s': unknown device type '%s' (known: %s)",
                      name ? name : "", type ? type : "", list);
  }
  return hs_model_add_device_of_type(m, name, t->device, port_nodes, err);
}

hs_status hs_model_add_device_of_type(hs_model *m, const char *name, const hs_device_type *dt,
                                      const char *const *port_nodes, hs_err *err) {
  if (!dt || !dt->block || dt->block->cls != HS_BLOCK_DEVICE || dt->block->device != dt ||
      !dt->eval || dt->nports < 1 || (dt->nports && !dt->ports) || dt->nflows < 0 ||
      dt->nstates < 0 || dt->noutputs < 0)
    return hs_err_set(err, HS_ERR_INVALID,
                      "device '%s': not a valid device type (its block must be a device block "
                      "pointing back to it, with an eval callback and at least one port)",
                      name ? name : "");
  for (int k = 0; k < dt->nflows; k++)
    if (dt->flows[k].from_port < 0 || dt->flows[k].from_port >= dt->nports ||
        dt->flows[k].to_port < 0 || dt->flows[k].to_port >= dt->nports)
      return hs_err_set(err, HS_ERR_INVALID, "device type '%s': flow '%s' names a port outside 0-%d",
                        dt->block->name, dt->flows[k].name, dt->nports - 1);
  for (int i = 0; i < dt->nports; i++)
    if (!port_nodes || !port_nodes[i])
      return hs_err_set(err, HS_ERR_INVALID, "device '%s': port '%s' is not connected",
                        name ? name : "", dt->ports[i]);
  return add_block(m, name, dt->block, NULL, NULL, port_nodes, err);
}

hs_status hs_model_rebind_device(hs_model *m, const char *device, const char *port,
                                 const char *node, hs_err *err) {
  hs_block *b = hs_model_find_block(m, device);
  if (!b || !b->type->device)
    return hs_err_set(err, HS_ERR_UNKNOWN, "no device named '%s'", device ? device : "");
  const hs_device_type *dt = b->type->device;
  for (int k = 0; k < dt->nports; k++) {
    if (!port || strcmp(dt->ports[k], port) != 0) continue;
    const hs_block *n = hs_model_find_block(m, node);
    if (!n || n->type->cls != HS_BLOCK_NODE)
      return hs_err_set(err, HS_ERR_UNKNOWN, "device '%s': port '%s': no node named '%s'", device,
                        port, node ? node : "");
    char *copy = dupstr(node);
    if (!copy) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    free(b->ports[k]);
    b->ports[k] = copy;
    return HS_OK;
  }
  char list[256] = "";
  for (int k = 0; k < dt->nports; k++) {
    strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
    strncat(list, dt->ports[k], sizeof list - strlen(list) - 1);
  }
  return hs_err_set(err, HS_ERR_UNKNOWN, "device '%s' (%s) has no port '%s' (ports: %s)", device,
                    b->type->name, port ? port : "", list);
}

const char *hs_model_device_port(const hs_model *m, const char *device, size_t port) {
  const hs_block *b = hs_model_find_block(m, device);
  return b && port < (size_t)b->nports ? b->ports[port] : NULL;
}

const char *hs_param_display_unit(const hs_param_spec *s, double *per_unit) {
  const char *u = NULL;
  if (per_unit) *per_unit = 1;
  if (!s) return "";
  if (s->flags & (HS_PARAM_BOOL | HS_PARAM_CHOICE)) return "";
  if (s->dim == HS_DIM_FLOW) u = "L/min";
  else if (s->dim == HS_DIM_INV_PRESSURE) u = "%/mmHg"; /* a reactivity, as published */
  else if (s->flags & HS_PARAM_UNIT) {
    if (s->dim == HS_DIM_VOLUME) u = "L";
    else if (s->dim == HS_DIM_LENGTH) u = "mm";
    else if (s->dim == HS_DIM_VOLUME_PER_KG) u = "L/kg"; /* a distribution volume */
    else if (s->dim == HS_DIM_TIME && s->max >= 10 * 3600.0) u = "h";
  }
  if (!u) return hs_dim_unit(s->dim);
  double per = 1;
  if (hs_unit_to_internal(s->dim, 1.0, u, &per, NULL) != HS_OK) return hs_dim_unit(s->dim);
  if (per_unit) *per_unit = per;
  return u;
}

static void fmt_value(char *buf, size_t n, const hs_param_spec *s, double v, int digits) {
  double per;
  const char *u = hs_param_display_unit(s, &per);
  snprintf(buf, n, "%.*g%s%s", digits, v / per, *u ? " " : "", u);
}

void hs_param_range_text(const hs_param_spec *s, char *buf, size_t n) {
  char lo[64], hi[64];
  fmt_value(lo, sizeof lo, s, s->min, 6);
  fmt_value(hi, sizeof hi, s, s->max, 6);
  snprintf(buf, n, "[%s, %s]", lo, hi);
}

hs_status hs_param_check(const hs_param_spec *s, double v, hs_err *err) {
  if (!isfinite(v))
    return hs_err_set(err, HS_ERR_INVALID, "'%s' must be a finite number", s->name);
  if ((s->flags & (HS_PARAM_BOOL | HS_PARAM_INTEGER | HS_PARAM_CHOICE)) && v != floor(v))
    return hs_err_set(err, HS_ERR_INVALID, "'%s' must be a whole number (got %.6g)", s->name, v);
  if (v < s->min || v > s->max) {
    char a[64], range[140];
    /* as many digits as it takes to show the value differs from the bound it
       crosses: 250.0001 against a maximum of 250 must not print as "250" */
    double bound = v < s->min ? s->min : s->max;
    int digits = 6;
    for (;;) {
      char b[64];
      fmt_value(a, sizeof a, s, v, digits);
      fmt_value(b, sizeof b, s, bound, digits);
      if (strcmp(a, b) != 0 || digits >= 17) break;
      digits++;
    }
    hs_param_range_text(s, range, sizeof range);
    /* a fraction given as a percentage (fdo2: 100): say how to write one */
    if (s->dim == HS_DIM_NONE && !(s->flags & (HS_PARAM_BOOL | HS_PARAM_CHOICE)) &&
        s->max <= 1 && v > s->max && v <= 100 * s->max)
      return hs_err_set(err, HS_ERR_RANGE,
                        "'%s' = %s is out of range %s: a fraction (a percentage is written "
                        "with its unit, \"%s %%\")",
                        s->name, a, range, a);
    return hs_err_set(err, HS_ERR_RANGE, "'%s' = %s is out of range %s", s->name, a, range);
  }
  return HS_OK;
}

int hs_param_needs_unit(const hs_param_spec *s) {
  if (!s) return 0;
  switch (s->dim) {
  case HS_DIM_FLOW:           /* L/min at the bedside, mL/s inside */
  case HS_DIM_DOSE_RATE:      /* a drug dose: "0.5 ug/kg/min" (or mg/kg/h) */
  case HS_DIM_UNIT_DOSE_RATE: /* vasopressin: "0.0004 U/kg/min" */
  case HS_DIM_MASS_CONC:      /* a drug concentration: mg/mL or ug/mL */
  case HS_DIM_UNIT_CONC:      /* U/mL */
  case HS_DIM_FRENCH:         /* a catheter size: "17 Fr" (or its diameter in mm) */
  case HS_DIM_HB:             /* haemoglobin: g/dL, g/L or mmol/L */
  case HS_DIM_LACTATE:        /* mmol/L or mg/dL */
  case HS_DIM_PLASMA_HB:      /* plasma free Hb: mg/dL, g/L or mg/L */
  case HS_DIM_AREA:           /* an orifice area: cm^2 or mm^2 */
  case HS_DIM_O2RATE:         /* mL O2/min or L/min */
  case HS_DIM_INV_PRESSURE:   /* a reactivity: "3.5 %/mmHg" or "0.035 /mmHg" */
    return 1;
  default:
    return (s->flags & HS_PARAM_UNIT) != 0;
  }
}

hs_status hs_param_parse(const hs_param_spec *s, const char *text, double *out, hs_err *err) {
  if (!text) return hs_err_set(err, HS_ERR_INVALID, "'%s': missing value", s->name);
  if (s->flags & HS_PARAM_BOOL) {
    /* YAML 1.1 booleans, in any letter case as hs_doc_boolean reads them */
    static const char *const T[] = {"true", "yes", "on", "1"};
    static const char *const F[] = {"false", "no", "off", "0"};
    char low[8]; /* text in lower case; longer texts are no boolean */
    size_t n = strlen(text);
    for (size_t i = 0; i < n && i < sizeof low; i++)
      low[i] = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] - 'A' + 'a') : text[i];
    low[n < sizeof low ? n : sizeof low - 1] = '\0';
    for (int i = 0; n < sizeof low && i < 4; i++) {
      if (strcmp(low, T[i]) == 0) return (*out = 1.0), HS_OK;
      if (strcmp(low, F[i]) == 0) return (*out = 0.0), HS_OK;
    }
    return hs_err_set(err, HS_ERR_INVALID,
                      "'%s' must be true or false (or yes/no, on/off, 1/0; got \"%s\")", s->name,
                      text);
  }
  if (s->flags & HS_PARAM_CHOICE) {
    char list[256] = "";
    for (int i = 0; s->choices && s->choices[i]; i++) {
      if (strcmp(text, s->choices[i]) == 0) return (*out = i), HS_OK;
      strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, s->choices[i], sizeof list - strlen(list) - 1);
    }
    return hs_err_set(err, HS_ERR_INVALID, "'%s' must be one of %s (got \"%s\")", s->name, list,
                      text);
  }
  char ratio[32];
  if ((s->flags & HS_PARAM_RATIO) && !strncmp(text + strspn(text, " \t"), "1:", 2)) {
    /* "1:2" as the clinic writes an assist ratio means n = 2 */
    snprintf(ratio, sizeof ratio, "%s", text + strspn(text, " \t") + 2);
    text = ratio;
  }
  /* One meaning per input: where the bedside unit is not the internal one a bare number
     would silently mean something else ("4" = 4 mL/s = 0.24 L/min for an ECMO flow,
     "5" = 5 mL for a blood volume): such values need their unit (0 is unambiguous). */
  int need = hs_param_needs_unit(s);
  double zero;
  if (need && hs_quantity_parse(HS_DIM_NONE, text, &zero, NULL) == HS_OK && zero == 0.0)
    need = 0; /* a bare 0 */
  hs_status st = need ? hs_quantity_parse_as(s->dim, text, NULL, out, err)
                      : hs_quantity_parse(s->dim, text, out, err);
  if (st != HS_OK) {
    hs_err_prefix(err, "'%s': ", s->name); /* returns HS_OK for a NULL err: keep st */
    if (err && isfinite(s->min) && isfinite(s->max)) { /* what would have been accepted */
      char range[140];
      hs_param_range_text(s, range, sizeof range);
      size_t k = strlen(err->msg);
      snprintf(err->msg + k, sizeof err->msg - k, " (allowed: %s)", range);
    }
    return st;
  }
  /* A bound written in another unit lands a rounding error beyond itself after the
     conversion (15 L/min -> 250.00000000000003 mL/s against a maximum of 250 mL/s): it
     is the bound, and it is stored as the bound.  Anything further out is refused. */
  if (*out > s->max && *out <= s->max + 1e-12 * fabs(s->max)) *out = s->max;
  if (*out < s->min && *out >= s->min - 1e-12 * fabs(s->min)) *out = s->min;
  return hs_param_check(s, *out, err);
}

static hs_status resolve(const hs_model *m, const char *path, hs_block **b, int *idx,
                         hs_err *err) {
  const char *dot = path ? strchr(path, '.') : NULL;
  if (!dot)
    return hs_err_set(err, HS_ERR_INVALID,
                      "parameter path '%s' must look like <block>.<parameter>", path ? path : "");
  char name[64];
  size_t n = (size_t)(dot - path);
  if (n >= sizeof name) return hs_err_set(err, HS_ERR_UNKNOWN, "no block named in '%s'", path);
  memcpy(name, path, n);
  name[n] = '\0';
  *b = hs_model_find_block(m, name);
  if (!*b)
    return hs_err_set(err, HS_ERR_UNKNOWN,
                      "'%s': no block named '%s' (`hemosim describe PATIENT` lists the nodes, "
                      "edges, devices and global blocks)",
                      path, name);
  *idx = hs_param_index((*b)->type, dot + 1);
  if (*idx < 0) {
    /* retired parameters: where their meaning went */
    static const struct { const char *path, *now; } RETIRED[] = {
        {"lactate.critical_extraction_heart", "coronary.critical_venous_po2"},
        {"ischaemia.critical_extraction", "coronary.critical_venous_po2"},
    };
    for (size_t k = 0; k < sizeof RETIRED / sizeof RETIRED[0]; k++)
      if (!strcmp(path, RETIRED[k].path))
        return hs_err_set(err, HS_ERR_UNKNOWN,
                          "'%s' is retired: the heart's anaerobic threshold is a critical "
                          "coronary venous PO2, %s (16 mmHg; the critical extraction follows "
                          "from it, 0.78 at a normal arterial O2 content; docs/model.md 2.20)",
                          path, RETIRED[k].now);
    char list[512] = "";
    for (int i = 0; i < (*b)->type->nparams; i++) {
      strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, (*b)->type->params[i].name, sizeof list - strlen(list) - 1);
    }
    return hs_err_set(err, HS_ERR_UNKNOWN, "'%s': %s '%s' has no parameter '%s' (known: %s)", path,
                      (*b)->type->name, name, dot + 1, list);
  }
  return HS_OK;
}

hs_status hs_model_set(hs_model *m, const char *path, double v, hs_err *err) {
  hs_block *b;
  int i;
  hs_status st = resolve(m, path, &b, &i, err);
  if (st != HS_OK) return st;
  st = hs_param_check(&b->type->params[i], v, err);
  if (st != HS_OK) return hs_err_prefix(err, "%s: ", b->name);
  b->params[i] = v;
  b->given[i] = 1;
  return HS_OK;
}

hs_status hs_model_set_text(hs_model *m, const char *path, const char *text, hs_err *err) {
  hs_block *b;
  int i;
  double v;
  hs_status st = resolve(m, path, &b, &i, err);
  if (st != HS_OK) return st;
  st = hs_param_parse(&b->type->params[i], text, &v, err);
  if (st != HS_OK) return hs_err_prefix(err, "%s: ", b->name);
  b->params[i] = v;
  b->given[i] = 1;
  return HS_OK;
}

hs_status hs_model_get(const hs_model *m, const char *path, double *out, hs_err *err) {
  hs_block *b;
  int i;
  hs_status st = resolve(m, path, &b, &i, err);
  if (st == HS_OK) *out = b->params[i];
  return st;
}

hs_status hs_model_set_info(hs_model *m, const char *name, const char *description,
                            hs_err *err) {
  char *n = dupstr(name ? name : "");
  char *d = dupstr(description ? description : "");
  if (!n || !d) {
    free(n);
    free(d);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  free(m->name);
  free(m->description);
  m->name = n;
  m->description = d;
  return HS_OK;
}

const char *hs_model_name(const hs_model *m) { return m->name ? m->name : ""; }
const char *hs_model_description(const hs_model *m) {
  return m->description ? m->description : "";
}
size_t hs_model_block_count(const hs_model *m) { return m->nblocks; }
const char *hs_model_block_name(const hs_model *m, size_t i) {
  return i < m->nblocks ? m->blocks[i].name : NULL;
}
const double *hs_model_block_params(const hs_model *m, size_t i) {
  return i < m->nblocks ? m->blocks[i].params : NULL;
}
int hs_model_param_given(const hs_model *m, size_t i, int k) {
  return i < m->nblocks && k >= 0 && k < m->blocks[i].type->nparams && m->blocks[i].given[k];
}
const char *hs_model_edge_from(const hs_model *m, size_t i) {
  return i < m->nblocks ? m->blocks[i].from : NULL;
}
const char *hs_model_edge_to(const hs_model *m, size_t i) {
  return i < m->nblocks ? m->blocks[i].to : NULL;
}
long hs_model_block_index(const hs_model *m, const char *name) {
  long i = m && name ? hs_strmap_get(&m->index, name) : -1;
  const char *alias = i < 0 ? hs_model_role_alias(m, name) : NULL; /* hemosim/roles.h */
  return alias ? hs_strmap_get(&m->index, alias) : i;
}
const hs_block_type *hs_model_block_type(const hs_model *m, size_t i) {
  return i < m->nblocks ? m->blocks[i].type : NULL;
}

/* Union-find root of node i (path halving). */
static size_t uf_root(size_t *parent, size_t i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

/*
 * Every node must be connected to the heart (the node 'lv') through edges and
 * devices.  A loop of nodes joined only to each other is circulated by nothing
 * and holds blood the rest of the circuit never sees: a wiring mistake that
 * would otherwise run silently.  The message lists (up to 5 of) the stray nodes.
 * Union-find over block indices: O(blocks).
 */
static hs_status check_connected(const hs_model *m, hs_err *err) {
  size_t nb = m->nblocks;
  if (nb == 0) return HS_OK;
  size_t *parent = malloc(nb * sizeof *parent);
  if (!parent) return hs_err_set(err, HS_ERR_NOMEM, "out of memory checking the circuit");
  for (size_t i = 0; i < nb; i++) parent[i] = i;
  for (size_t i = 0; i < nb; i++) {
    const hs_block *b = &m->blocks[i];
    long a = -1, c;
    if (b->type->cls == HS_BLOCK_EDGE) {
      a = node_block(m, b->from);
      c = node_block(m, b->to);
      if (a >= 0 && c >= 0) parent[uf_root(parent, (size_t)a)] = uf_root(parent, (size_t)c);
    } else if (b->type->cls == HS_BLOCK_DEVICE) {
      for (int k = 0; k < b->nports; k++) {
        c = node_block(m, b->ports[k]);
        if (c < 0) continue;
        if (a >= 0) parent[uf_root(parent, (size_t)a)] = uf_root(parent, (size_t)c);
        a = c;
      }
    }
  }
  long heart = node_block(m, hs_model_role(m, "left_ventricle"));
  size_t root = heart >= 0 ? uf_root(parent, (size_t)heart) : (size_t)-1, nstray = 0;
  char list[200] = "";
  for (size_t i = 0; i < nb; i++) {
    if (m->blocks[i].type->cls != HS_BLOCK_NODE) continue;
    if (root == (size_t)-1) root = uf_root(parent, i); /* no lv: the first node's loop */
    if (uf_root(parent, i) != root) {
      if (nstray < 5) {
        strncat(list, nstray ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, m->blocks[i].name, sizeof list - strlen(list) - 1);
      }
      nstray++;
    }
  }
  free(parent);
  if (nstray)
    return hs_err_set(err, HS_ERR_MODEL,
                      "%zu node%s (%s%s) %s connected to the heart by no edge or device: a "
                      "separate loop that nothing circulates",
                      nstray, nstray > 1 ? "s" : "", list, nstray > 5 ? ", ..." : "",
                      nstray > 1 ? "are" : "is");
  return HS_OK;
}

/*
 * The sites with a role (hemosim/roles.h): every required role is bound to a
 * block of its kind and type, and so is every role the patient file rebinds.
 * Optional roles at their default name may be absent (the feature is then off).
 */
static hs_status check_roles(const hs_model *m, hs_err *err) {
  for (size_t i = 0; i < hs_role_count(); i++) {
    const hs_role *r = hs_role_at(i);
    const char *name = hs_model_role(m, r->name);
    int rebound = strcmp(name, r->default_name) != 0;
    if (!(r->flags & HS_ROLE_REQUIRED) && !rebound) continue;
    const hs_block *b = hs_model_find_block(m, name);
    int valve = r->type && strcmp(r->type, "valve") == 0;
    if (!b || b->type->cls != r->kind || (valve && strcmp(b->type->name, "valve") != 0))
      return hs_err_set(err, HS_ERR_MODEL,
                        "the model needs a %s named '%s' (role '%s': %s; see hemosim describe)",
                        valve ? "valve" : r->kind == HS_BLOCK_EDGE ? "edge" : "node", name,
                        r->name, r->use);
    if (r->type && strcmp(b->type->name, r->type) != 0)
      return hs_err_set(err, HS_ERR_MODEL, "node '%s' must be of type %s (role '%s': %s)", name,
                        r->type, r->name, r->use);
  }
  return HS_OK;
}

hs_status hs_model_check(const hs_model *m, hs_err *err) {
  for (size_t i = 0; i < m->nblocks; i++) {
    const hs_block *b = &m->blocks[i];
    for (int k = 0; k < b->type->nparams; k++)
      if ((b->type->params[k].flags & HS_PARAM_REQUIRED) && !b->given[k])
        return hs_err_set(err, HS_ERR_MODEL, "%s '%s': required parameter '%s' (%s) is missing",
                          b->type->name, b->name, b->type->params[k].name,
                          hs_dim_unit(b->type->params[k].dim));
    for (int k = 0; k < b->nports; k++) {
      const hs_block *n = hs_model_find_block(m, b->ports[k]);
      if (!n || n->type->cls != HS_BLOCK_NODE)
        return hs_err_set(err, HS_ERR_MODEL,
                          "device '%s': port '%s' names no node ('%s'; `hemosim describe "
                          "PATIENT` lists the nodes)",
                          b->name, b->type->device->ports[k], b->ports[k]);
    }
    if (b->type->cls == HS_BLOCK_DEVICE) {
      /* two required ports on one node move blood from a site to itself (an Impella
         lv -> lv, a septostomy la -> la): a binding error, not a device */
      const hs_device_type *dt = b->type->device;
      int req = dt->nports_required > 0 ? dt->nports_required : dt->nports;
      for (int j = 0; j < req && j < b->nports; j++)
        for (int k = j + 1; k < req && k < b->nports; k++)
          if (strcmp(b->ports[j], b->ports[k]) == 0)
            return hs_err_set(err, HS_ERR_MODEL,
                              "device '%s': ports '%s' and '%s' are both on node '%s' (a device "
                              "joins two different sites)",
                              b->name, dt->ports[j], dt->ports[k], b->ports[j]);
      if (dt->check) {
        hs_status st = dt->check(b->params, (const char *const *)b->ports, err);
        if (st) return hs_err_prefix(err, "device '%s': ", b->name), st;
      }
    }
    if (b->type->cls != HS_BLOCK_EDGE) continue;
    const hs_block *f = hs_model_find_block(m, b->from), *t = hs_model_find_block(m, b->to);
    if (!f || f->type->cls != HS_BLOCK_NODE)
      return hs_err_set(err, HS_ERR_MODEL,
                        "edge '%s': 'from' names no node ('%s'; `hemosim describe PATIENT` "
                        "lists the nodes)",
                        b->name, b->from);
    if (!t || t->type->cls != HS_BLOCK_NODE)
      return hs_err_set(err, HS_ERR_MODEL,
                        "edge '%s': 'to' names no node ('%s'; `hemosim describe PATIENT` lists "
                        "the nodes)",
                        b->name, b->to);
    if (f == t)
      return hs_err_set(err, HS_ERR_MODEL, "edge '%s' connects node '%s' to itself", b->name,
                        b->from);
  }
  /* incoming and outgoing edges of every node, counted in one pass over the edges */
  unsigned char *io = calloc(m->nblocks + 1, 1); /* bit 0: has an incoming edge, bit 1: outgoing */
  if (!io) return hs_err_set(err, HS_ERR_NOMEM, "out of memory checking the circuit");
  for (size_t k = 0; k < m->nblocks; k++) {
    const hs_block *e = &m->blocks[k];
    if (e->type->cls != HS_BLOCK_EDGE) continue;
    io[node_block(m, e->to)] |= 1; /* both ends are nodes: checked above */
    io[node_block(m, e->from)] |= 2;
  }
  size_t lone = m->nblocks; /* the first node without an incoming or outgoing edge */
  for (size_t i = 0; i < m->nblocks && lone == m->nblocks; i++)
    if (m->blocks[i].type->cls == HS_BLOCK_NODE && io[i] != 3) lone = i;
  int in = lone < m->nblocks ? io[lone] & 1 : 1;
  free(io);
  if (lone < m->nblocks)
    return hs_err_set(err, HS_ERR_MODEL,
                      "node '%s' has no %s edge: blood could %s it but never %s",
                      m->blocks[lone].name, in ? "outgoing" : "incoming", in ? "enter" : "leave",
                      in ? "leave" : "enter");
  hs_status st = check_connected(m, err);
  if (st) return st;
  return check_roles(m, err);
}
