/*
 * roles.c - the table of roles (hemosim/roles.h) and their binding in a model.
 * A role the engine uses is resolved through hs_model_role() when a plan is
 * compiled (plan.c), so a rebinding reaches every use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/roles.h"
#include "model/model_impl.h"

#define N HS_BLOCK_NODE
#define E HS_BLOCK_EDGE
#define D HS_BLOCK_DEVICE
#define REQ HS_ROLE_REQUIRED

static const hs_role ROLES[] = {
    {"left_ventricle", N, "ventricle", "lv", REQ,
     "LV pressure-volume metrics (LVEDP, LVEF, stroke work), the site of LV devices"},
    {"right_ventricle", N, "ventricle", "rv", REQ, "RV metrics, ventricular interaction, pericardium"},
    {"left_atrium", N, "atrium", "la", REQ, "PCWP (mean LA pressure), septostomy and LA vents"},
    {"right_atrium", N, "atrium", "ra", REQ, "CVP (mean RA pressure), septostomy"},
    {"pulmonary_artery", N, "vessel", "pa", REQ, "PA pressures, PA vent site"},
    {"aortic_root", N, "vessel", "aortic_root", REQ,
     "aortic pressure, diastolic pressure-time index, Impella outflow, mixing-zone chain"},
    {"arm_artery", N, "vessel", "upper_arteries", REQ,
     "MAP/SBP/DBP as measured by a right radial line; baroreflex site without cerebral arteries"},
    {"aortic_valve", E, "valve", "aortic_valve", REQ, "aortic opening, ejection time, LV output"},
    {"mitral_valve", E, "valve", "mitral_valve", REQ, "LV filling, mitral regurgitation"},
    {"tricuspid_valve", E, "valve", "tricuspid_valve", REQ, "RV filling"},
    {"pulmonary_valve", E, "valve", "pulmonary_valve", REQ, "RV output"},
    {"cerebral_arteries", N, NULL, "cerebral_arteries", 0,
     "baroreflex (carotid sinus) site, cerebral perfusion pressure and SO2"},
    {"coronary_arteries", N, NULL, "coronary_arteries", 0, "coronary perfusion pressure and SO2"},
    {"lower_body_arteries", N, NULL, "lower_arteries", 0,
     "femoral SO2 (differential hypoxia), femoral ECMO return site, end of the mixing-zone chain"},
    {"aortic_arch", N, NULL, "arch", 0, "mixing-zone chain"},
    {"descending_aorta", N, NULL, "desc_aorta", 0, "mixing-zone chain, IABP site"},
    {"abdominal_aorta", N, NULL, "abd_aorta", 0, "mixing-zone chain"},
    {"inferior_vena_cava", N, NULL, "ivc", 0, "default ECMO drainage site (compare)"},
    {"brain_venous_outflow", N, NULL, "svc", 0,
     "venous pressure the cerebral sinus drains into (CSF absorption, ICP)"},
    {"left_mca_bed", E, "resistor", "l_mca_bed", 0, "left MCA territory flow (TCD, stroke)"},
    {"right_mca_bed", E, "resistor", "r_mca_bed", 0, "right MCA territory flow (TCD, stroke)"},
    {"left_other_bed", E, "resistor", "l_other_bed", 0, "left non-MCA cerebral flow"},
    {"right_other_bed", E, "resistor", "r_other_bed", 0, "right non-MCA cerebral flow"},
    {"left_mca_stem", E, NULL, "l_mca_stem", 0, "left MCA stem (TCD velocity, occlusion site)"},
    {"right_mca_stem", E, NULL, "r_mca_stem", 0, "right MCA stem (TCD velocity, occlusion site)"},
    {"splanchnic_bed", E, NULL, "abdominal_bed", 0,
     "liver-and-kidney flow (the lactate clearance follows it, docs/model.md 2.17)"},
    {"pulmonary_arterioles", E, "resistor", "pulm_arterioles", 0,
     "pulmonary vascular resistance that calibrate fits (pvr_mult) and the drugs scale "
     "(docs/drugs.md)"},
    {"left_pca_bed", E, "resistor", "l_pca_bed", 0, "left PCA territory flow"},
    {"right_pca_bed", E, "resistor", "r_pca_bed", 0, "right PCA territory flow"},
    {"posterior_fossa_bed", E, "resistor", "posterior_fossa_bed", 0,
     "brainstem and cerebellum flow (posterior fossa)"},
    {"basilar_artery", E, NULL, "basilar_artery", 0, "basilar artery (occlusion site)"},
    {"ecmo_circuit", D, "va_ecmo", "ecmo", 0,
     "the VA-ECMO circuit compare, optimize, wean and calibrate act on"},
};

#define NROLES (sizeof ROLES / sizeof ROLES[0])

size_t hs_role_count(void) { return NROLES; }
const hs_role *hs_role_at(size_t i) { return i < NROLES ? &ROLES[i] : NULL; }

static long role_index(const char *name) {
  for (size_t i = 0; name && i < NROLES; i++)
    if (strcmp(ROLES[i].name, name) == 0) return (long)i;
  return -1;
}

const hs_role *hs_role_find(const char *name) {
  long i = role_index(name);
  return i >= 0 ? &ROLES[i] : NULL;
}

const char *hs_model_role(const hs_model *m, const char *role) {
  long i = role_index(role);
  if (i < 0) return NULL;
  return m && m->roles && m->roles[i] ? m->roles[i] : ROLES[i].default_name;
}

const char *hs_model_role_alias(const hs_model *m, const char *name) {
  for (size_t i = 0; m && m->roles && name && i < NROLES; i++)
    if (m->roles[i] && strcmp(ROLES[i].default_name, name) == 0 && strcmp(m->roles[i], name) != 0)
      return m->roles[i];
  return NULL;
}

static const char *const KIND[] = {"node", "edge", "global block", "device"};

/* Does block b fit role r (kind, and type when the role names one)? */
static int fits(const hs_role *r, const hs_block_type *t) {
  return t->cls == r->kind && (!r->type || strcmp(t->name, r->type) == 0);
}

/* "a, b, c, ... (N more)": the blocks of m that fit r, at most ~20 names. */
static void list_fitting(const hs_model *m, const hs_role *r, char *buf, size_t n) {
  buf[0] = '\0';
  size_t shown = 0, more = 0;
  for (size_t i = 0; i < m->nblocks; i++) {
    if (!fits(r, m->blocks[i].type)) continue;
    if (shown >= 20 || strlen(buf) + strlen(m->blocks[i].name) + 16 >= n) {
      more++;
      continue;
    }
    strncat(buf, shown ? ", " : "", n - strlen(buf) - 1);
    strncat(buf, m->blocks[i].name, n - strlen(buf) - 1);
    shown++;
  }
  if (!shown) snprintf(buf, n, "none");
  if (more) {
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, ", ... (%zu more)", more);
  }
}

static hs_status role_check_block(const hs_model *m, const hs_role *r, const char *block,
                              hs_err *err) {
  const hs_block *b = hs_model_find_block(m, block);
  if (b && fits(r, b->type)) return HS_OK;
  char list[512];
  list_fitting(m, r, list, sizeof list);
  const char *what = r->type ? r->type : KIND[r->kind]; /* "ventricle", "node" */
  if (!b)
    return hs_err_set(err, HS_ERR_MODEL, "role '%s' (%s): there is no %s named '%s' (%ss: %s)",
                      r->name, r->use, KIND[r->kind], block, what, list);
  return hs_err_set(err, HS_ERR_MODEL, "role '%s' (%s): '%s' is a %s, not a %s (%ss: %s)",
                    r->name, r->use, block, b->type->name, what, what, list);
}

hs_status hs_model_set_role(hs_model *m, const char *role, const char *block, hs_err *err) {
  long i = role_index(role);
  if (i < 0) {
    char list[1024] = "";
    for (size_t k = 0; k < NROLES; k++) {
      strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, ROLES[k].name, sizeof list - strlen(list) - 1);
    }
    return hs_err_set(err, HS_ERR_UNKNOWN, "unknown role '%s' (roles: %s)", role ? role : "",
                      list);
  }
  const hs_role *r = &ROLES[i];
  if (!block) return hs_err_set(err, HS_ERR_INVALID, "role '%s': no block named", r->name);
  if ((r->flags & HS_ROLE_FIXED) && strcmp(block, r->default_name) != 0)
    return hs_err_set(err, HS_ERR_INVALID,
                      "role '%s' cannot be rebound: analyses find it by its name '%s' (%s); "
                      "name the block '%s'",
                      r->name, r->default_name, r->use, r->default_name);
  hs_status st = role_check_block(m, r, block, err);
  if (st != HS_OK) return st;
  if (!m->roles && !(m->roles = calloc(NROLES, sizeof *m->roles)))
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory binding role '%s'", r->name);
  size_t n = strlen(block) + 1;
  char *copy = malloc(n);
  if (!copy) return hs_err_set(err, HS_ERR_NOMEM, "out of memory binding role '%s'", r->name);
  memcpy(copy, block, n);
  free(m->roles[i]);
  m->roles[i] = copy;
  return HS_OK;
}

void hs_model_roles_free(hs_model *m) {
  for (size_t i = 0; m->roles && i < NROLES; i++) free(m->roles[i]);
  free(m->roles);
  m->roles = NULL;
}

hs_status hs_model_roles_copy(hs_model *dst, const hs_model *src, hs_err *err) {
  for (size_t i = 0; src->roles && i < NROLES; i++)
    if (src->roles[i]) {
      hs_status st = hs_model_set_role(dst, ROLES[i].name, src->roles[i], err);
      if (st != HS_OK) return st;
    }
  return HS_OK;
}
