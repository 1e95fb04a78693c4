/*
 * analysis/decision.c - targets, clinical context, strategy texts, contraindications
 * and complication-risk indices of the decision support (hemosim/compare.h,
 * docs/decision.md).  Every threshold here is listed with its source in
 * docs/decision.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/strategy.h"
#include "hemosim/compare.h"
#include "hemosim/input.h"
#include "hemosim/units.h"
#include "io/doc.h"

#define LPM (1000.0 / 60.0)

/* ---- targets ---------------------------------------------------------------- */

void hs_targets_default(hs_targets *t) {
  t->pcwp_max_mmhg = 20;  /* PCWP < 20 mmHg: unloaded (docs/decision.md) */
  t->map_min_mmhg = 65;   /* MAP >= 65 mmHg */
  t->do2i_min = 330;      /* critical DO2 index, Shibutani 1983 Crit Care Med 11:640 */
  t->svo2_min_pct = 60;   /* drained-blood SvO2 floor */
  t->sao2_upper_min_pct = 90; /* right-arm SaO2 floor: differential hypoxaemia (docs/decision.md) */
  t->flow_min_lpm = HS_HAEMOLYSIS_LOW_FLOW_LPM; /* 1.5 L/min: below it a weaning trial, not a
                                                 setting (docs/decision.md) */
  t->flow_max_lpm = 5.0;
  t->flow_step_lpm = 0.25;
  t->lactate_max_mmol_l = 0; /* optional: e.g. 2 mmol/L (docs/decision.md) */
  t->psvd_min_mm_mm2 = 0;    /* optional: e.g. 16.2 mm/mm2 (docs/decision.md) */
  t->heart_er_max = HS_HEART_ER_CRITICAL; /* aerobic (docs/decision.md "The heart as a target") */
  t->cvp_max_mmhg = 0;       /* optional: e.g. 12 mmHg (docs/decision.md) */
}

static const char *const TARGET_NAMES[HS_TGT_N] = {"PCWP", "MAP", "DO2 index",
                                                   "drained-blood SvO2", "upper-body SaO2"};
const char *hs_target_name(int k) { return k >= 0 && k < HS_TGT_N ? TARGET_NAMES[k] : "?"; }

typedef struct tfield {
  const char *key;
  size_t off;
  hs_dim dim;
  double lo, hi, scale; /* range in the display unit; internal = display * scale */
  const char *unit;
} tfield;

static const tfield TF[] = {
    {"pcwp_max", offsetof(hs_targets, pcwp_max_mmhg), HS_DIM_PRESSURE, 5, 40, 1, "mmHg"},
    {"map_min", offsetof(hs_targets, map_min_mmhg), HS_DIM_PRESSURE, 40, 120, 1, "mmHg"},
    {"do2i_min", offsetof(hs_targets, do2i_min), HS_DIM_NONE, 0, 800, 1, "mL/min/m2"},
    {"svo2_min", offsetof(hs_targets, svo2_min_pct), HS_DIM_PERCENT, 0, 90, 1, "%"},
    {"sao2_upper_min", offsetof(hs_targets, sao2_upper_min_pct), HS_DIM_PERCENT, 0, 100, 1, "%"},
    {"flow_min", offsetof(hs_targets, flow_min_lpm), HS_DIM_FLOW, 0, 6, LPM, "L/min"},
    {"flow_max", offsetof(hs_targets, flow_max_lpm), HS_DIM_FLOW, 0.5, 7, LPM, "L/min"},
    {"flow_step", offsetof(hs_targets, flow_step_lpm), HS_DIM_FLOW, 0.05, 2, LPM, "L/min"},
    {"lactate_max", offsetof(hs_targets, lactate_max_mmol_l), HS_DIM_LACTATE, 0, 20, 1,
     "mmol/L"},
    {"psvd_min", offsetof(hs_targets, psvd_min_mm_mm2), HS_DIM_NONE, 0, 25, 1, "mm/mm2"},
    {"heart_er_max", offsetof(hs_targets, heart_er_max), HS_DIM_NONE, 0, 1.5, 1, ""},
    {"cvp_max", offsetof(hs_targets, cvp_max_mmhg), HS_DIM_PRESSURE, 0, 30, 1, "mmHg"},
};
#define NTF (sizeof TF / sizeof TF[0])

static const char *const RETIRED[] = {"av_open_min", "pulse_pressure_min"};

static hs_status target_value(const tfield *f, const char *text, double *out, hs_err *err) {
  double x;
  hs_err e2;
  /* the heart's default limit by its word, in any letter case: each state's own critical
     extraction (a targets file, --target, the browser's form) */
  if (f->off == offsetof(hs_targets, heart_er_max)) {
    const char *w = text;
    while (isspace((unsigned char)*w)) w++;
    size_t wn = strlen(w);
    while (wn > 0 && isspace((unsigned char)w[wn - 1])) wn--;
    if (wn == 8 && !strncasecmp(w, "critical", 8)) {
      *out = HS_HEART_ER_CRITICAL;
      return HS_OK;
    }
  }
  /* a plain number is in the display unit (mmHg, mL/min/m2, %, L/min); "60 %" is 60 */
  /* a percent (svo2_min, sao2_upper_min) by the one rule: a bare 0.6 is ambiguous, not 0.6 % */
  /* a number whose unit is not a dimension of the unit parser (do2i_min in mL/min/m2,
     psvd_min in mm/mm2) takes that display unit written after it, in any letter case */
  char num[64];
  const char *orig = text;
  size_t n = strlen(text), u = strlen(f->unit);
  while (n > 0 && isspace((unsigned char)text[n - 1])) n--;
  if (f->dim == HS_DIM_NONE && u > 0 && n > u && n - u < sizeof num &&
      !strncasecmp(text + n - u, f->unit, u)) {
    memcpy(num, text, n - u);
    num[n - u] = 0;
    text = num;
  }
  if (f->dim == HS_DIM_PERCENT ? hs_percent_parse(text, &x, &e2)
                               : hs_quantity_parse_as(f->dim, text,
                                                      f->dim == HS_DIM_NONE ? "" : f->unit, &x,
                                                      &e2))
    return f->dim == HS_DIM_NONE && !*f->unit /* a ratio (heart_er_max) */
               ? hs_err_set(err, HS_ERR_INVALID, "%s = '%s': not a number (a ratio, write "
                            "e.g. '%g', or 'critical': the critical extraction of each state, "
                            "the default)", f->key, orig, f->hi / 2)
           : f->dim == HS_DIM_NONE
               ? hs_err_set(err, HS_ERR_INVALID, "%s = '%s': not a number in %s (write e.g. "
                            "'%g' or '%g %s')", f->key, orig, f->unit, f->hi / 2, f->hi / 2,
                            f->unit)
               : hs_err_set(err, HS_ERR_INVALID, "%s = '%s': %s", f->key, orig, e2.msg);
  x /= f->scale;
  if (!(x >= f->lo && x <= f->hi))
    return hs_err_set(err, HS_ERR_RANGE, "%s = %.10g%s%s is out of range [%g, %g]%s%s", f->key,
                      x, *f->unit ? " " : "", f->unit, f->lo, f->hi, *f->unit ? " " : "",
                      f->unit);
  *out = x;
  return HS_OK;
}

/* Target names are read in any letter case ("MAP_min" is map_min), as measurement names are. */
static const tfield *target_field(const char *name) {
  for (size_t k = 0; k < NTF; k++)
    if (!strcasecmp(TF[k].key, name)) return &TF[k];
  return NULL;
}

static hs_status unknown_target(const char *name, hs_err *err) {
  for (size_t k = 0; k < sizeof RETIRED / sizeof RETIRED[0]; k++)
    if (!strcasecmp(name, RETIRED[k]))
      return hs_err_set(err, HS_ERR_UNKNOWN,
                        "'%s' is no longer a target: aortic-valve opening and pulse pressure "
                        "are reported as a risk (stasis), not targets",
                        name);
  return hs_err_set(err, HS_ERR_UNKNOWN,
                    "unknown target '%s' (known: pcwp_max, map_min, do2i_min, svo2_min, "
                    "sao2_upper_min, flow_min, flow_max, flow_step, lactate_max, psvd_min, "
                    "heart_er_max, cvp_max)",
                    name);
}

hs_status hs_targets_check(const hs_targets *t, hs_err *err) {
  if (t->flow_min_lpm >= t->flow_max_lpm)
    return hs_err_set(err, HS_ERR_RANGE, "flow_min = %g L/min must be below flow_max = %g L/min",
                      t->flow_min_lpm, t->flow_max_lpm);
  return HS_OK;
}

hs_status hs_targets_set(hs_targets *t, const char *name, const char *value, hs_err *err) {
  const tfield *f = target_field(name ? name : "");
  if (!f) return unknown_target(name ? name : "", err);
  double x;
  hs_status st = target_value(f, value ? value : "", &x, err);
  if (st) return st;
  /* one field: how it agrees with the others (flow_min below flow_max) is checked once
     all are set (hs_targets_check), so their order does not matter */
  *(double *)((char *)t + f->off) = x;
  return HS_OK;
}

/* ---- context ---------------------------------------------------------------- */

static const char *const FAMILY_NAMES[HS_FAM_N] = {
    "drug", "iabp", "impella", "tandemheart", "septostomy", "la_vent",
    "pa_vent", "pigtail", "surgical_vent", "lvad", "impella_rp"};
const char *hs_family_name(int f) { return f >= 0 && f < HS_FAM_N ? FAMILY_NAMES[f] : "?"; }

void hs_context_default(hs_context *c) {
  memset(c, 0, sizeof *c);
  c->surgery_acceptable = 1;
}

static const char *const GRADES[] = {"none", "mild", "moderate", "severe"};

typedef struct cfield {
  const char *key, *alias;
  size_t off;
  int graded;
} cfield;
static const cfield CF[] = {
    {"open_chest", NULL, offsetof(hs_context, open_chest), 0},
    {"surgery_acceptable", "surgery", offsetof(hs_context, surgery_acceptable), 0},
    {"lv_thrombus", NULL, offsetof(hs_context, lv_thrombus), 0},
    {"la_thrombus", NULL, offsetof(hs_context, la_thrombus), 0},
    {"aortic_regurgitation", "ar", offsetof(hs_context, ar_grade), 1},
    {"peripheral_arterial_disease", "pad", offsetof(hs_context, pad_grade), 1},
    {"mechanical_aortic_valve", "mechanical_av", offsetof(hs_context, mechanical_av), 0},
    {"vsd", NULL, offsetof(hs_context, vsd), 0},
    {"anticoagulation_limited", "anticoag_limited", offsetof(hs_context, anticoag_limited), 0},
    {"distal_perfusion_cannula", "distal_perfusion", offsetof(hs_context, distal_perfusion), 0},
    {"right_heart_thrombus", NULL, offsetof(hs_context, right_heart_thrombus), 0},
    {"ivc_filter", NULL, offsetof(hs_context, ivc_filter), 0},
    {"prosthetic_right_valve", NULL, offsetof(hs_context, prosthetic_right_valve), 0},
};
#define NCF (sizeof CF / sizeof CF[0])

static hs_status family_list(const char *list, unsigned *mask, hs_err *err) {
  unsigned m = 0;
  const char *s = list;
  while (*s) {
    size_t n = strcspn(s, "+, ");
    if (n) {
      int f = -1;
      for (int k = 0; k < HS_FAM_N; k++)
        if (strlen(FAMILY_NAMES[k]) == n && !strncmp(s, FAMILY_NAMES[k], n)) f = k;
      if (f < 0)
        return hs_err_set(err, HS_ERR_UNKNOWN,
                          "unavailable: unknown device family '%.*s' (known: drug, iabp, "
                          "impella, tandemheart, septostomy, la_vent, pa_vent, pigtail, "
                          "surgical_vent, lvad, impella_rp)",
                          (int)n, s);
      m |= 1u << f;
    }
    s += n;
    while (*s == '+' || *s == ',' || *s == ' ') s++;
  }
  *mask = m;
  return HS_OK;
}

static hs_status context_field(hs_context *c, const char *key, const char *value, hs_err *err) {
  if (!strcmp(key, "unavailable")) return family_list(value, &c->unavailable, err);
  for (size_t k = 0; k < NCF; k++) {
    if (strcmp(key, CF[k].key) && (!CF[k].alias || strcmp(key, CF[k].alias))) continue;
    int *dst = (int *)((char *)c + CF[k].off);
    if (CF[k].graded) {
      for (int g = 0; g < 4; g++)
        if (!strcmp(value, GRADES[g])) {
          *dst = g;
          return HS_OK;
        }
      if (!strcmp(value, "true") || !strcmp(value, "yes")) return *dst = HS_GRADE_MODERATE, HS_OK;
      if (!strcmp(value, "false") || !strcmp(value, "no")) return *dst = 0, HS_OK;
      return hs_err_set(err, HS_ERR_INVALID, "%s = '%s': expected none, mild, moderate or severe",
                        CF[k].key, value);
    }
    if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1")) return *dst = 1, HS_OK;
    if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0")) return *dst = 0, HS_OK;
    return hs_err_set(err, HS_ERR_INVALID, "%s = '%s': expected true or false", CF[k].key, value);
  }
  return hs_err_set(err, HS_ERR_UNKNOWN,
                    "unknown context item '%s' (known: open_chest, surgery_acceptable, "
                    "lv_thrombus, la_thrombus, aortic_regurgitation (ar), "
                    "peripheral_arterial_disease (pad), mechanical_aortic_valve, vsd, "
                    "anticoagulation_limited, distal_perfusion_cannula, right_heart_thrombus, "
                    "ivc_filter, prosthetic_right_valve, unavailable)",
                    key);
}

hs_status hs_context_set(hs_context *c, const char *item, hs_err *err) {
  char key[64];
  const char *eq = strchr(item ? item : "", '=');
  size_t n = eq ? (size_t)(eq - item) : strlen(item ? item : "");
  if (n == 0 || n >= sizeof key)
    return hs_err_set(err, HS_ERR_INVALID, "context item '%s': expected NAME or NAME=VALUE",
                      item ? item : "");
  memcpy(key, item, n);
  key[n] = 0;
  return context_field(c, key, eq ? eq + 1 : "true", err);
}

/* ---- the targets / context file ------------------------------------------- */

void hs_strategy_list_free(char **list) {
  if (!list) return;
  for (size_t i = 0; list[i]; i++) free(list[i]);
  free(list);
}

static hs_status load_context(const hs_doc *d, const hs_doc_node *map, hs_context *c,
                              hs_err *err) {
  hs_status st = hs_doc_expect(d, map, HS_DOC_MAP, "context", err);
  if (st) return st;
  for (size_t i = 0; i < hs_doc_size(map); i++) {
    const char *key = hs_doc_text(hs_doc_key(map, i));
    const hs_doc_node *v = hs_doc_value(map, i);
    char text[256] = "";
    if (hs_doc_kind_of(v) == HS_DOC_SEQ && !strcmp(key, "unavailable")) {
      for (size_t k = 0; k < hs_doc_size(v); k++) {
        const hs_doc_node *it = hs_doc_item(v, k);
        if (hs_doc_kind_of(it) != HS_DOC_SCALAR)
          return hs_doc_fail(d, it, err, HS_ERR_INVALID, "context.unavailable: expected names");
        strncat(text, k ? "+" : "", sizeof text - strlen(text) - 1);
        strncat(text, hs_doc_text(it), sizeof text - strlen(text) - 1);
      }
    } else if (hs_doc_kind_of(v) == HS_DOC_SCALAR) {
      snprintf(text, sizeof text, "%s", hs_doc_text(v));
    } else {
      return hs_doc_fail(d, v, err, HS_ERR_INVALID, "context.%s: expected a value", key);
    }
    hs_err e2;
    if (context_field(c, key, text, &e2))
      return hs_doc_fail(d, e2.code == HS_ERR_UNKNOWN && strcmp(key, "unavailable")
                                ? hs_doc_key(map, i)
                                : v,
                         err, e2.code, "context.%s", e2.msg);
  }
  return HS_OK;
}

hs_status hs_targets_load(const char *path, hs_targets *t, hs_context *c, char ***strategies,
                          hs_err *err) {
  hs_doc *d = NULL;
  if (strategies) *strategies = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  if (st) return st;
  hs_targets tt;
  hs_context cc;
  hs_targets_default(&tt);
  hs_context_default(&cc);
  if (c) cc = *c;
  char **list = NULL;
  const tfield *given[NTF] = {0}; /* a target written twice (any letter case) is an error */
  const hs_doc_node *root = hs_doc_root(d);
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the targets file", err))) goto done;
  if (!hs_doc_get(root, "hemosim_targets")) {
    st = hs_doc_fail(d, root, err, HS_ERR_PARSE,
                     "not a hemosim targets file: it has no field 'hemosim_targets: 1'");
    goto done;
  }
  for (size_t i = 0; i < hs_doc_size(root); i++) {
    const char *key = hs_doc_text(hs_doc_key(root, i));
    const hs_doc_node *v = hs_doc_value(root, i);
    if (!strcmp(key, "hemosim_targets")) continue;
    if (!strcmp(key, "context")) {
      if ((st = load_context(d, v, &cc, err))) goto done;
      continue;
    }
    if (!strcmp(key, "strategies")) {
      if ((st = hs_doc_expect(d, v, HS_DOC_SEQ, "strategies", err))) goto done;
      size_t n = hs_doc_size(v);
      if (!n) { /* it once meant every strategy, without a word */
        st = hs_doc_fail(d, v, err, HS_ERR_INVALID, "strategies: the list is empty (leave the "
                         "key out to compare every strategy)");
        goto done;
      }
      list = calloc(n + 1, sizeof *list);
      if (!list) {
        st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
        goto done;
      }
      for (size_t k = 0; k < n; k++) {
        const hs_doc_node *it = hs_doc_item(v, k);
        hs_err e2;
        if (hs_doc_kind_of(it) != HS_DOC_SCALAR ||
            hs_strategy_check(hs_doc_text(it), NULL, 0, &e2)) {
          st = hs_doc_fail(d, it, err, HS_ERR_INVALID, "strategies[%zu]: %s", k,
                           hs_doc_kind_of(it) == HS_DOC_SCALAR ? e2.msg : "expected a text");
          goto done;
        }
        if (!(list[k] = strdup(hs_doc_text(it)))) {
          st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
          goto done;
        }
      }
      continue;
    }
    const tfield *f = target_field(key);
    hs_err e2;
    if (!f) {
      unknown_target(key, &e2);
      st = hs_doc_fail(d, hs_doc_key(root, i), err, HS_ERR_UNKNOWN, "%s", e2.msg);
      goto done;
    }
    if (given[f - TF]) {
      st = hs_doc_fail(d, hs_doc_key(root, i), err, HS_ERR_INVALID,
                       "'%s' is given twice (target names are read in any letter case: %s)",
                       key, f->key);
      goto done;
    }
    given[f - TF] = f;
    double x;
    if (hs_doc_kind_of(v) != HS_DOC_SCALAR) {
      st = hs_doc_fail(d, v, err, HS_ERR_INVALID, "%s: expected a value", key);
      goto done;
    }
    if (target_value(f, hs_doc_text(v), &x, &e2)) {
      st = hs_doc_fail(d, v, err, e2.code, "%s", e2.msg);
      goto done;
    }
    *(double *)((char *)&tt + f->off) = x;
  }
  if ((st = hs_targets_check(&tt, err))) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    st = hs_doc_fail(d, root, err, st, "%s", msg);
    goto done;
  }
  *t = tt;
  if (c) *c = cc;
  if (strategies) *strategies = list, list = NULL;
done:
  hs_strategy_list_free(list);
  hs_doc_free(d);
  return st;
}

/* ---- strategy texts ----------------------------------------------------------- */

static const char *const STEP_NAMES[HS_STEP_N] = {
    "?", "ECMO flow and drugs", "IABP", "percutaneous pump (Impella, TandemHeart)",
    "atrial septostomy / transseptal LA vent / percutaneous vents",
    "surgical vent or central ECMO converted to LVAD"};
const char *hs_step_name(int step) { return step > 0 && step < HS_STEP_N ? STEP_NAMES[step] : "?"; }

const char *const hs_builtin_strategies[] = {
    /* step 1: ECMO flow and drugs */
    "ecmo", "ecmo+milrinone", "ecmo+dobutamine", "ecmo+nitroprusside",
    "ecmo+milrinone+nitroprusside",
    /* step 2: IABP */
    "ecmo+iabp:1:1", "ecmo+iabp:1:1+milrinone",
    /* step 3: percutaneous LV pump (ECPELLA), Impella preferred over TandemHeart; the
       TandemHeart at a moderate speed first (at its top speed it can empty the LA) */
    "ecmo+impella_2.5:P8", "ecmo+impella_cp:P6", "ecmo+impella_cp:P8", "ecmo+impella_cp:P9",
    "ecmo+impella_5.0:P8", "ecmo+impella_5.5:P8", "ecmo+tandemheart:5500rpm",
    "ecmo+tandemheart:7500rpm",
    /* step 4: atrial septostomy, transseptal LA vent, percutaneous vents */
    "ecmo+pigtail:8Fr", "ecmo+pa_vent:15Fr", "ecmo+septostomy:6mm", "ecmo+septostomy:8mm",
    "ecmo+septostomy:10mm", "ecmo+septostomy:12mm", "ecmo+la_vent:15Fr", "ecmo+la_vent:19Fr",
    "ecmo+la_vent:22Fr", "ecmo+iabp:1:1+la_vent:17Fr",
    /* step 5: surgical vent, central ECMO converted to a temporary LVAD */
    "ecmo+rspv_vent:20Fr", "ecmo+apical_vent:32Fr", "lvad:32Fr",
    NULL};

typedef struct comp_def {
  const char *key;
  int family, step;
  const char *label;
  const char *def;  /* default argument */
} comp_def;

static const comp_def COMPS[] = {
    {"ecmo", -1, 1, "ECMO", NULL},
    {"milrinone", HS_FAM_DRUG, 1, "milrinone", "0.375 ug/kg/min"},
    {"dobutamine", HS_FAM_DRUG, 1, "dobutamine", "5 ug/kg/min"},
    {"nitroprusside", HS_FAM_DRUG, 1, "nitroprusside", "0.5 ug/kg/min"},
    {"norepinephrine", HS_FAM_DRUG, 1, "norepinephrine", "0.1 ug/kg/min"},
    {"epinephrine", HS_FAM_DRUG, 1, "epinephrine", "0.05 ug/kg/min"},
    {"dopamine", HS_FAM_DRUG, 1, "dopamine", "5 ug/kg/min"},
    {"vasopressin", HS_FAM_DRUG, 1, "vasopressin", "0.0004 U/kg/min"},
    {"esmolol", HS_FAM_DRUG, 1, "esmolol", "50 ug/kg/min"},
    {"iabp", HS_FAM_IABP, 2, "IABP", "1:1"},
    {"impella_2.5", HS_FAM_IMPELLA, 3, "Impella 2.5", "P8"},
    {"impella_cp", HS_FAM_IMPELLA, 3, "Impella CP", "P8"},
    {"impella_5.0", HS_FAM_IMPELLA, 3, "Impella 5.0", "P8"},
    {"impella_5.5", HS_FAM_IMPELLA, 3, "Impella 5.5", "P8"},
    {"impella_rp", HS_FAM_RV_PUMP, 3, "Impella RP", "P8"},
    {"tandemheart", HS_FAM_TANDEMHEART, 3, "TandemHeart", "7500rpm"},
    {"pigtail", HS_FAM_PIGTAIL, 4, "transaortic pigtail LV vent", "8Fr"},
    {"pa_vent", HS_FAM_PA_VENT, 4, "pulmonary artery vent", "15Fr"},
    {"septostomy", HS_FAM_SEPTOSTOMY, 4, "atrial septostomy", "8mm"},
    {"la_vent", HS_FAM_LA_VENT, 4, "transseptal LA vent", "22Fr"},
    {"rspv_vent", HS_FAM_SURGICAL_VENT, 5, "surgical RSPV vent", "20Fr"},
    {"apical_vent", HS_FAM_SURGICAL_VENT, 5, "surgical LV apical vent", "32Fr"},
    {"lvad", HS_FAM_LVAD, 5, "central ECMO converted to LVAD (LV apical drainage)", "32Fr"},
};
#define NCOMPS (sizeof COMPS / sizeof COMPS[0])

void hs_strategy_escalate(const char *text, const hs_model *patient, char *out, size_t n) {
  char buf[96], res[96];
  snprintf(out, n, "%s", text); /* unchanged, unless it escalates and fits */
  if (strlen(text) >= sizeof buf) return;
  memcpy(buf, text, strlen(text) + 1);
  const hs_block_type *drugs = hs_block_type_find("drugs");
  size_t o = 0;
  int changed = 0;
  for (char *save = NULL, *part = strtok_r(buf, "+", &save); part;
       part = strtok_r(NULL, "+", &save)) {
    const char *rep = part;
    char esc[64];
    for (size_t k = 0; k < NCOMPS; k++) {
      const comp_def *d = &COMPS[k];
      if (d->family != HS_FAM_DRUG || strcmp(part, d->key)) continue;
      char path[40], *unit;
      snprintf(path, sizeof path, "drugs.%s", d->key);
      double own = 0, def = strtod(d->def, &unit);
      while (*unit == ' ') unit++;
      /* the dose-rate drugs (ug/kg/min, the internal unit of every such dose) */
      int pi = drugs ? hs_param_index(drugs, d->key) : -1;
      if (pi < 0 || strcmp(unit, "ug/kg/min") ||
          hs_model_get(patient, path, &own, NULL) != HS_OK || !(own > 0))
        break;
      /* at most the drug's own maximum (docs/drugs.md): a patient at it keeps it */
      double dose = fmin(own + def, drugs->params[pi].max);
      snprintf(esc, sizeof esc, "%s:%.4g %s", d->key, dose, unit);
      rep = esc, changed = 1;
      break;
    }
    int w = snprintf(res + o, sizeof res - o, "%s%s", o ? "+" : "", rep);
    if (w < 0 || (size_t)w >= sizeof res - o) return; /* does not fit: as written */
    o += (size_t)w;
  }
  if (changed && o < n) memcpy(out, res, o + 1);
}

/* number with optional unit suffix: "8mm", "8 mm", "22Fr", "P6", "7500rpm" */
static int arg_number(const char *a, const char *prefix, const char *const *units, double *out) {
  if (prefix && *prefix && !strncmp(a, prefix, strlen(prefix))) a += strlen(prefix);
  char *end;
  double x = strtod(a, &end);
  if (end == a || !isfinite(x)) return 0;
  while (*end == ' ') end++;
  if (!*end) return *out = x, 1;
  for (int k = 0; units && units[k]; k++)
    if (!strcmp(end, units[k])) return *out = x, 1;
  return 0;
}

static void add_set(hs_strategy *s, const char *path, double x, const char *unit) {
  if (s->nset >= HS_STRAT_MAX_SETS) return;
  snprintf(s->set[s->nset].path, sizeof s->set[0].path, "%s", path);
  snprintf(s->set[s->nset].value, sizeof s->set[0].value, "%g%s%s", x, *unit ? " " : "", unit);
  s->nset++;
}
static void add_set_text(hs_strategy *s, const char *path, const char *value) {
  if (s->nset >= HS_STRAT_MAX_SETS) return;
  snprintf(s->set[s->nset].path, sizeof s->set[0].path, "%s", path);
  snprintf(s->set[s->nset].value, sizeof s->set[0].value, "%s", value);
  s->nset++;
}
static void add_dev(hs_strategy *s, const char *name, const char *type, const char *p0,
                    const char *p1) {
  if (s->ndev >= HS_STRAT_MAX_DEVS) return;
  s->dev[s->ndev].name = name, s->dev[s->ndev].type = type;
  s->dev[s->ndev].p0 = p0, s->dev[s->ndev].p1 = p1;
  s->ndev++;
}
static void lbl(hs_strategy *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lbl(hs_strategy *s, const char *fmt, ...) {
  size_t n = strlen(s->label);
  if (n + 1 >= sizeof s->label) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->label + n, sizeof s->label - n, fmt, ap);
  va_end(ap);
}

hs_status hs_strategy_parse(const char *text, hs_strategy *s, hs_err *err) {
  memset(s, 0, sizeof *s);
  if (!text || !*text) return hs_err_set(err, HS_ERR_INVALID, "strategy: empty text");
  if (strlen(text) >= sizeof s->text)
    return hs_err_set(err, HS_ERR_INVALID, "strategy '%.40s...': too long", text);
  snprintf(s->text, sizeof s->text, "%s", text);
  s->step = 1;
  char buf[sizeof s->text];
  snprintf(buf, sizeof buf, "%s", text);
  unsigned seen = 0;
  int have_ecmo = 0, have_vent = 0;
  char *save = NULL;
  for (char *c = strtok_r(buf, "+", &save); c; c = strtok_r(NULL, "+", &save)) {
    while (*c == ' ') c++;
    size_t n = strlen(c);
    while (n && c[n - 1] == ' ') c[--n] = 0;
    char *arg = strchr(c, ':');
    if (arg) *arg++ = 0;
    const comp_def *d = NULL;
    int ci = -1;
    for (size_t k = 0; k < NCOMPS; k++)
      if (!strcmp(COMPS[k].key, c)) d = &COMPS[k], ci = (int)k;
    if (!d)
      return hs_err_set(err, HS_ERR_UNKNOWN,
                        "strategy '%s': unknown part '%s' (known: ecmo, milrinone, dobutamine, "
                        "nitroprusside, norepinephrine, epinephrine, dopamine, vasopressin, "
                        "esmolol, iabp, impella_2.5, impella_cp, impella_5.0, impella_5.5, "
                        "impella_rp, tandemheart, pigtail, pa_vent, septostomy, la_vent, rspv_vent, "
                        "apical_vent, lvad)",
                        text, c);
    if (seen & (1u << (ci % 32)))
      return hs_err_set(err, HS_ERR_INVALID, "strategy '%s': '%s' appears twice", text, c);
    seen |= 1u << (ci % 32);
    if (d->family >= 0) s->families |= 1u << d->family;
    if (d->step > s->step) s->step = d->step;
    const char *a = arg && *arg ? arg : d->def;
    double x = 0;
    static const char *const FR[] = {"Fr", "F", NULL}, *const MM[] = {"mm", NULL},
                             *const RPM[] = {"rpm", NULL}, *const FLOW[] = {"L/min", "lpm", NULL},
                             *const NOU[] = {NULL};
    if (*s->label) lbl(s, " + ");
    if (!strcmp(d->key, "ecmo") || !strcmp(d->key, "lvad")) {
      if (have_ecmo)
        return hs_err_set(err, HS_ERR_INVALID, "strategy '%s': ECMO given twice (lvad is central ECMO)", text);
      have_ecmo = 1;
    }
    if (!strcmp(d->key, "ecmo")) {
      if (a) {
        if (!arg_number(a, NULL, FLOW, &x) || !(x > 0 && x <= 7))
          return hs_err_set(err, HS_ERR_INVALID,
                            "strategy '%s': ecmo:%s: expected a fixed flow in (0, 7] L/min "
                            "(e.g. ecmo:3.5), or plain 'ecmo' to re-titrate the flow",
                            text, a);
        s->fixed_flow_lpm = x;
      }
      lbl(s, "ECMO");
      continue;
    }
    if (d->family == HS_FAM_DRUG) {
      /* the one unit parser (core/units.c): "0.5 ug/kg/min", "0.03 mg/kg/h", "0.0004 U/kg/min";
         a bare number is an error with the hint, as for every dose */
      hs_dim dim = !strcmp(d->key, "vasopressin") ? HS_DIM_UNIT_DOSE_RATE : HS_DIM_DOSE_RATE;
      const char *unit = hs_dim_unit(dim);
      hs_err e2 = {HS_OK, ""};
      if (hs_quantity_parse_as(dim, a, NULL, &x, &e2))
        return hs_err_set(err, HS_ERR_INVALID, "strategy '%s': %s: %s", text, d->key, e2.msg);
      if (x < 0)
        return hs_err_set(err, HS_ERR_INVALID, "strategy '%s': %s:%s: a dose cannot be negative",
                          text, d->key, a);
      /* the drug's own range (docs/drugs.md), as --set drugs.<name> checks it: an
         impossible dose is an input error, not a strategy to simulate and discard */
      const hs_block_type *drugs = hs_block_type_find("drugs");
      int pi = drugs ? hs_param_index(drugs, d->key) : -1;
      if (pi >= 0 && hs_param_check(&drugs->params[pi], x, &e2))
        return hs_err_set(err, HS_ERR_INVALID, "strategy '%s': %s", text, e2.msg);
      char path[40];
      snprintf(path, sizeof path, "drugs.%s", d->key);
      add_set(s, path, x, unit);
      lbl(s, "%s %g %s", d->label, x, unit);
      continue;
    }
    switch (d->family) {
      case HS_FAM_IABP: {
        /* "1:1", "1:2", "1:3" (or "1", "2", "3") */
        const char *r = a;
        if (!strncmp(r, "1:", 2)) r += 2;
        if (!arg_number(r, NULL, NOU, &x) || (x != 1 && x != 2 && x != 3))
          return hs_err_set(err, HS_ERR_INVALID,
                            "strategy '%s': iabp:%s: expected an assist ratio 1:1, 1:2 or 1:3",
                            text, a);
        add_dev(s, "iabp", "iabp", "desc_aorta", NULL);
        add_set(s, "iabp.ratio", x, "");
        add_set_text(s, "iabp.volume", "40 mL"); /* 1:n sets an n-beat steady state itself */
        lbl(s, "IABP 1:%g (40 mL)", x);
        s->art_fr = s->art_fr > 7.5 ? s->art_fr : 7.5;
        s->femoral_art++;
        break;
      }
      case HS_FAM_IMPELLA: {
        if (!arg_number(a, "P", NOU, &x) || x != floor(x) || x < 1 || x > 9)
          return hs_err_set(err, HS_ERR_INVALID,
                            "strategy '%s': %s:%s: expected a performance level P1-P9", text,
                            d->key, a);
        const char *model = d->key + 8; /* "2.5", "cp", "5.0", "5.5" */
        add_dev(s, "impella", "impella", "lv", "aortic_root");
        add_set_text(s, "impella.model", model);
        add_set(s, "impella.level", x, "");
        lbl(s, "%s P%g", d->label, x);
        /* sheath / access (Rihal 2015 JACC 65:e7; IFU): 2.5 12-13 Fr, CP 14 Fr femoral;
           5.0 21 Fr femoral or axillary cut-down; 5.5 axillary graft (surgical) */
        double fr = !strcmp(model, "2.5") ? 13 : !strcmp(model, "cp") ? 14 : 21;
        if (fr > s->art_fr) s->art_fr = fr;
        if (!strcmp(model, "5.5")) s->surgical = 1, s->axillary = 1;
        else if (!strcmp(model, "5.0")) s->cutdown = 1, s->femoral_art++;
        else s->femoral_art++;
        s->transaortic = 1;
        snprintf(s->impella_model, sizeof s->impella_model, "%s", model);
        break;
      }
      case HS_FAM_RV_PUMP:
        /* Impella RP: femoral vein, 23 Fr introducer (IFU), inflow at the IVC-RA junction,
           outflow in the pulmonary artery; with a left-sided Impella it is BiPella */
        if (!arg_number(a, "P", NOU, &x) || x != floor(x) || x < 1 || x > 9)
          return hs_err_set(err, HS_ERR_INVALID,
                            "strategy '%s': %s:%s: expected a performance level P1-P9", text,
                            d->key, a);
        add_dev(s, "impella_rp", "impella", "ra", "pa");
        add_set_text(s, "impella_rp.model", "rp");
        add_set(s, "impella_rp.level", x, "");
        lbl(s, "%s P%g", d->label, x);
        if (23 > s->venous_fr) s->venous_fr = 23;
        s->rv_pump = 1;
        break;
      case HS_FAM_TANDEMHEART:
        if (!arg_number(a, NULL, RPM, &x) || x < 3000 || x > 7500)
          return hs_err_set(err, HS_ERR_INVALID,
                            "strategy '%s': tandemheart:%s: expected a speed 3000-7500 rpm", text, a);
        add_dev(s, "tandem", "tandemheart", "la", "lower_arteries");
        add_set(s, "tandem.rpm", x, "rpm");
        lbl(s, "TandemHeart %g rpm", x);
        s->transseptal = 21;
        if (17 > s->art_fr) s->art_fr = 17;
        s->femoral_art++;
        s->femoral_return = 1;
        break;
      case HS_FAM_SEPTOSTOMY:
        if (!arg_number(a, NULL, MM, &x) || x < 2 || x > 20)
          return hs_err_set(err, HS_ERR_INVALID,
                            "strategy '%s': septostomy:%s: expected a diameter 2-20 mm", text, a);
        add_dev(s, "septostomy", "septostomy", "la", "ra");
        add_set(s, "septostomy.diameter", x, "mm");
        lbl(s, "atrial septostomy %g mm", x);
        if (s->transseptal < 14) s->transseptal = 14; /* static balloon / blade sheath */
        s->drained_by_circuit = 1;
        break;
      default: { /* vents on the ECMO circuit */
        if (!arg_number(a, NULL, FR, &x) || x < 6 || x > 40)
          return hs_err_set(err, HS_ERR_INVALID, "strategy '%s': %s:%s: expected a size 6-40 Fr",
                            text, d->key, a);
        if (have_vent)
          return hs_err_set(err, HS_ERR_INVALID,
                            "strategy '%s': only one vent can join the ECMO circuit", text);
        have_vent = 1;
        const char *site = "la";
        double len = 40;
        if (d->family == HS_FAM_PA_VENT) {
          site = "pa", s->pa_vent = 1;
          if (x > s->venous_fr) s->venous_fr = x;
        }
        else if (d->family == HS_FAM_PIGTAIL) {
          site = "lv", len = 60, s->transaortic = 1;
          if (x > s->art_fr) s->art_fr = x;
          s->femoral_art++;
        } else if (d->family == HS_FAM_LA_VENT) {
          if (x > s->transseptal) s->transseptal = x;
        } else {
          site = "lv"; /* apical vent; the RSPV vent's tip is passed through the LA into the LV */
          len = 20;
          s->surgical = 1;
          s->lv_apical = d->family == HS_FAM_LVAD || !strcmp(d->key, "apical_vent");
        }
        snprintf(s->vent_site, sizeof s->vent_site, "%s", site);
        s->drained_by_circuit = 1;
        add_set(s, "ecmo.vent_size", x, "Fr");
        add_set(s, "ecmo.vent_length", len, "cm");
        if (d->family == HS_FAM_LVAD) {
          /* central ECMO: return into the ascending aorta, venous drainage clamped: the
             circuit drains only the LV (a temporary LVAD) */
          snprintf(s->return_site, sizeof s->return_site, "aortic_root");
          add_set_text(s, "ecmo.drainage_clamp", "1");
          s->lvad = 1;
          lbl(s, "central ECMO converted to LVAD (LV apical drainage %g Fr, venous line clamped)", x);
        } else {
          lbl(s, "%s %g Fr", d->label, x);
        }
        break;
      }
    }
  }
  if (!have_ecmo)
    return hs_err_set(err, HS_ERR_INVALID,
                      "strategy '%s': every strategy is on ECMO: start it with 'ecmo' (or 'lvad')",
                      text);
  return HS_OK;
}

hs_status hs_strategy_check(const char *text, char *label, size_t n, hs_err *err) {
  hs_strategy s;
  hs_status st = hs_strategy_parse(text, &s, err);
  if (!st && label && n) snprintf(label, n, "%s", s.label);
  return st;
}

/* ---- strategies file: one strategy text per line ----------------------------- */

static hs_status strategy_append(char ***list, size_t *n, const char *text, size_t len,
                                 hs_err *err) {
  char **grown = realloc(*list, (*n + 2) * sizeof **list);
  if (!grown) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  *list = grown;
  if (!(grown[*n] = malloc(len + 1))) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  memcpy(grown[*n], text, len);
  grown[*n][len] = '\0';
  grown[++*n] = NULL;
  return HS_OK;
}

hs_status hs_strategies_parse(const char *name, const char *text, size_t len, char ***list,
                              size_t *n, hs_err *err) {
  if (!name) name = "<strategies>";
  if (!text && len) return hs_err_set(err, HS_ERR_INVALID, "%s: no text", name);
  size_t pos = 0, lineno = 0, k;
  const char *line;
  while ((k = hs_input_line(text, len, &pos, &line)) != (size_t)-1) {
    lineno++;
    const char *nul = memchr(line, '\0', k);
    if (nul)
      return hs_err_set(err, HS_ERR_PARSE, "%s:%zu: a NUL byte (column %zu): a strategies "
                        "file is text", name, lineno, (size_t)(nul - line) + 1);
    const char *hash = memchr(line, '#', k);
    if (hash) k = (size_t)(hash - line);
    while (k && (*line == ' ' || *line == '\t')) line++, k--;
    while (k && (line[k - 1] == ' ' || line[k - 1] == '\t' || line[k - 1] == '\r')) k--;
    if (!k) continue;
    char buf[sizeof ((hs_strategy *)0)->text];
    if (k >= sizeof buf)
      return hs_err_set(err, HS_ERR_INVALID, "%s:%zu: strategy '%.40s...': too long (%zu "
                        "characters, at most %zu)", name, lineno, line, k, sizeof buf - 1);
    memcpy(buf, line, k);
    buf[k] = '\0';
    hs_err e2;
    if (hs_strategy_check(buf, NULL, 0, &e2))
      return hs_err_set(err, e2.code, "%s:%zu: %s", name, lineno, e2.msg);
    hs_status st = strategy_append(list, n, buf, k, err);
    if (st) return st;
  }
  return HS_OK;
}

hs_status hs_strategies_load(const char *path, char ***list, size_t *n, hs_err *err) {
  char *text = NULL;
  size_t len = 0;
  size_t n0 = *n;
  hs_status st = hs_input_read(path, 0, &text, &len, err);
  if (!st) st = hs_strategies_parse(path, text, len, list, n, err);
  free(text);
  if (!st && *n == n0) /* an empty file once meant every strategy, without a word */
    st = hs_err_set(err, HS_ERR_INVALID, "%s: no strategy in the file (one strategy text per "
                    "line, '#' starts a comment)", path);
  return st;
}

/* ---- contraindications -------------------------------------------------------- */

int hs_strategy_excluded(const hs_strategy *s, const hs_context *c, char *why, size_t n) {
  *why = 0;
  for (int f = 0; f < HS_FAM_N; f++)
    if ((s->families & (1u << f)) && (c->unavailable & (1u << f))) {
      snprintf(why, n, "%s not available", FAMILY_NAMES[f]);
      return 1;
    }
  const unsigned F = s->families;
  /* a centre without the Impella system has no RP either (same console) */
  if ((F & (1u << HS_FAM_RV_PUMP)) && (c->unavailable & (1u << HS_FAM_IMPELLA)))
    return snprintf(why, n, "impella not available (the Impella RP runs on its console)"), 1;
  /* Rihal 2015 SCAI/ACC/HFSA/STS consensus, J Am Coll Cardiol 65:e7, Table 3; device IFUs */
  if (F & (1u << HS_FAM_IMPELLA)) {
    if (c->lv_thrombus) return snprintf(why, n, "Impella contraindicated: LV thrombus (IFU; Rihal 2015)"), 1;
    if (c->mechanical_av)
      return snprintf(why, n, "Impella contraindicated: mechanical aortic valve (IFU; Rihal 2015)"), 1;
    if (c->ar_grade >= HS_GRADE_MODERATE)
      return snprintf(why, n, "Impella contraindicated: %s aortic regurgitation (IFU; Rihal 2015)",
                      GRADES[c->ar_grade]), 1;
    if (c->pad_grade >= HS_GRADE_SEVERE && !s->axillary)
      return snprintf(why, n, "Impella %s contraindicated: severe peripheral arterial disease, no "
                      "femoral access (IFU; Rihal 2015)", s->impella_model), 1;
  }
  /* Impella RP: the exclusions of RECOVER RIGHT (Anderson 2015) and its IFU */
  if (F & (1u << HS_FAM_RV_PUMP)) {
    if (c->right_heart_thrombus)
      return snprintf(why, n, "Impella RP contraindicated: thrombus in the right atrium, "
                      "ventricle or pulmonary artery (IFU; Anderson 2015)"), 1;
    if (c->ivc_filter)
      return snprintf(why, n, "Impella RP contraindicated: vena cava filter or iliofemoral "
                      "venous thrombosis, no clear femoral venous route (excluded in RECOVER "
                      "RIGHT, Anderson 2015)"), 1;
    if (c->prosthetic_right_valve)
      return snprintf(why, n, "Impella RP contraindicated: prosthetic tricuspid or pulmonary "
                      "valve, the catheter crosses both (IFU; Anderson 2015)"), 1;
    if (c->vsd)
      return snprintf(why, n, "Impella RP contraindicated: VSD, a mechanical complication of "
                      "the infarct (excluded in RECOVER RIGHT, Anderson 2015)"), 1;
  }
  if (F & (1u << HS_FAM_IABP)) {
    /* counterpulsation is timed to the cardiac cycle (ECG or arterial-pressure trigger,
       inflation at the dicrotic notch): in fibrillation there is none */
    if (c->no_cardiac_cycle)
      return snprintf(why, n, "IABP ineffective: the heart is in ventricular fibrillation "
                      "(heart.rhythm vf), no cardiac cycle to time counterpulsation to"), 1;
    if (c->ar_grade >= HS_GRADE_MODERATE)
      return snprintf(why, n, "IABP contraindicated: %s aortic regurgitation (Rihal 2015)",
                      GRADES[c->ar_grade]), 1;
    if (c->pad_grade >= HS_GRADE_SEVERE)
      return snprintf(why, n, "IABP contraindicated: severe peripheral arterial disease (Rihal 2015)"), 1;
  }
  if (F & (1u << HS_FAM_TANDEMHEART)) {
    if (c->vsd) return snprintf(why, n, "TandemHeart contraindicated: VSD (right-to-left shunt; Rihal 2015)"), 1;
    if (c->ar_grade >= HS_GRADE_MODERATE)
      return snprintf(why, n, "TandemHeart contraindicated: %s aortic regurgitation (Rihal 2015)",
                      GRADES[c->ar_grade]), 1;
    if (c->la_thrombus) return snprintf(why, n, "TandemHeart contraindicated: left-atrial thrombus"), 1;
    if (c->pad_grade >= HS_GRADE_SEVERE)
      return snprintf(why, n, "TandemHeart contraindicated: severe peripheral arterial disease "
                      "(femoral arterial cannula; Rihal 2015)"), 1;
  }
  if (F & (1u << HS_FAM_PIGTAIL)) {
    if (c->mechanical_av)
      return snprintf(why, n, "transaortic LV vent contraindicated: mechanical aortic valve"), 1;
    if (c->lv_thrombus) return snprintf(why, n, "transaortic LV vent contraindicated: LV thrombus"), 1;
  }
  if ((F & ((1u << HS_FAM_SEPTOSTOMY) | (1u << HS_FAM_LA_VENT))) && c->la_thrombus)
    return snprintf(why, n, "transseptal access contraindicated: left-atrial thrombus"), 1;
  /* a cannula through the LV apex (surgical apical vent, LVAD drainage) passes through or
     sucks in an apical thrombus: embolisation (Rihal 2015: LV thrombus excludes devices in
     the LV) */
  if (s->lv_apical && c->lv_thrombus)
    return snprintf(why, n, "%s contraindicated: LV thrombus (a cannula in the LV apex "
                    "dislodges it; Rihal 2015)", s->lvad ? "LV apical drainage" : "surgical LV apical vent"), 1;
  if ((F & ((1u << HS_FAM_SURGICAL_VENT) | (1u << HS_FAM_LVAD))) && !c->open_chest &&
      !c->surgery_acceptable)
    return snprintf(why, n, "needs an open chest or a sternotomy / thoracotomy, which is not "
                    "acceptable for this patient"), 1;
  return 0;
}

void hs_context_note(const hs_context *c, char *buf, size_t n) {
  if (!n) return;
  *buf = 0;
  if (c->ar_grade >= HS_GRADE_SEVERE)
    snprintf(buf, n, "severe aortic regurgitation: VA-ECMO itself is relatively contraindicated "
             "(Rihal 2015; Lorusso 2021): its retrograde aortic flow raises the regurgitant "
             "volume and distends the LV, and every strategy here is on VA-ECMO. ");
  else if (c->ar_grade == HS_GRADE_MODERATE)
    snprintf(buf, n, "moderate aortic regurgitation: VA-ECMO's retrograde aortic flow adds to "
             "the regurgitant volume and LV distension (Rihal 2015; Lorusso 2021). ");
  if (c->ar_grade >= HS_GRADE_MILD && c->ar_eroa_cm2 > 0)
    snprintf(buf + strlen(buf), n - strlen(buf),
             "Aortic regurgitation is simulated: effective regurgitant orifice %.2f cm^2 (%s); "
             "the regurgitant volume, and with it LV volume and PCWP, grows with the aortic "
             "pressure that ECMO flow raises.",
             c->ar_eroa_cm2, c->ar_from_patient ? "from the patient file"
                                                : "representative of the grade, Zoghbi 2017");
  else if (c->ar_grade >= HS_GRADE_MILD)
    snprintf(buf + strlen(buf), n - strlen(buf),
             "Aortic regurgitation is NOT simulated (the model has no aortic valve orifice): the "
             "numbers are those of a competent aortic valve; with AR the LV volume and PCWP are "
             "higher, the more so the higher the ECMO flow.");
}

/* ---- risks ---------------------------------------------------------------------- */

static const char *const RISK_NAMES[HS_RISK_N] = {
    "LV / aortic-root stasis", "haemolysis", "lung ischaemia", "limb ischaemia",
    "differential hypoxaemia", "bleeding burden of the access", "LA / LV suction"};
static const char *const RISK_KEYS[HS_RISK_N] = {"stasis", "haemolysis", "lung_ischaemia",
                                                 "limb_ischaemia", "differential_hypoxaemia",
                                                 "bleeding", "suction"};
/* the index each risk carries in hs_risk.value */
static const char *const RISK_VALUE[HS_RISK_N][2] = {
    {"lv_throughput_lpm", "L/min"},       {"ecmo_drainage_pressure_mmhg", "mmHg"},
    {"pulmonary_blood_flow_lpm", "L/min"}, {"femoral_arterial_accesses", ""},
    {"sao2_right_arm_pct", "%"},           {"arterial_sheath_fr", "Fr"},
    {"la_pressure_mmhg", "mmHg"}};
static const char *const LEVELS[3] = {"low", "raised", "high"};
const char *hs_risk_value_name(int k) { return k >= 0 && k < HS_RISK_N ? RISK_VALUE[k][0] : "?"; }
const char *hs_risk_value_unit(int k) { return k >= 0 && k < HS_RISK_N ? RISK_VALUE[k][1] : "?"; }
const char *hs_risk_name(int k) { return k >= 0 && k < HS_RISK_N ? RISK_NAMES[k] : "?"; }
const char *hs_risk_key(int k) { return k >= 0 && k < HS_RISK_N ? RISK_KEYS[k] : "?"; }
const char *hs_risk_level_name(int l) { return l >= 0 && l < 3 ? LEVELS[l] : "?"; }

void hs_strategy_risks(const hs_strategy *s, const hs_context *c, const double *v, hs_risk *r) {
  for (int k = 0; k < HS_RISK_N; k++) r[k].level = 0, r[k].value = NAN, r[k].text[0] = 0;
  double imp = isfinite(v[HS_CMP_IMPELLA]) ? v[HS_CMP_IMPELLA] : 0.0;
  double vent = isfinite(v[HS_CMP_VENT]) ? v[HS_CMP_VENT] : 0.0;
  /* 1. stasis: LV throughput = native output + Impella flow + LV vent flow; aortic-root
     wash-out = native output + Impella outflow */
  {
    double lvo = v[HS_CMP_LVO] > 0 ? v[HS_CMP_LVO] : 0.0;
    double thr = lvo + imp + (!strcmp(s->vent_site, "lv") ? vent : 0.0);
    double root = lvo + imp;
    double avo = v[HS_CMP_AVO];
    hs_risk *x = &r[HS_RISK_STASIS];
    x->value = thr;
    if (thr < HS_STASIS_LV_LPM) {
      x->level = HS_RISK_HIGH;
      snprintf(x->text, sizeof x->text,
               "LV throughput %.2f L/min < %.1f L/min, aortic valve opens in %.0f %% of beats",
               thr, HS_STASIS_LV_LPM, 100 * avo);
    } else if (avo < 0.5 && root < HS_STASIS_LV_LPM) {
      x->level = HS_RISK_HIGH;
      snprintf(x->text, sizeof x->text,
               "aortic valve shut (opens in %.0f %% of beats), aortic-root wash-out %.2f L/min "
               "< %.1f L/min",
               100 * avo, root, HS_STASIS_LV_LPM);
    } else if (root < HS_STASIS_LV_LPM) {
      /* the valve opens, but a beat counts as opening from 0.5 mL of forward volume on
         (docs/model.md): opening alone does not wash the root; the wash-out must reach
         the same 0.5 L/min as the LV throughput (docs/decision.md "Risks") */
      x->level = HS_RISK_RAISED;
      snprintf(x->text, sizeof x->text,
               "aortic valve opens in %.0f %% of beats but ejects little: aortic-root wash-out "
               "%.2f L/min < %.1f L/min",
               100 * avo, root, HS_STASIS_LV_LPM);
    } else if (avo < 1.0 - 1e-9 && imp < HS_STASIS_LV_LPM) {
      x->level = HS_RISK_RAISED;
      snprintf(x->text, sizeof x->text, "aortic valve opens in %.0f %% of beats only", 100 * avo);
    } else {
      snprintf(x->text, sizeof x->text,
               "LV throughput %.2f L/min, aortic root washed (%.2f L/min >= %.1f L/min)", thr,
               root, HS_STASIS_LV_LPM);
    }
  }
  /* 2. haemolysis: the plasma free Hb the pumps lead to (physio/hemolysis.c: ECMO speed and
     inlet pressure, Impella speed and suction); ECMO inlet pressure; suction at the Impella
     / TandemHeart / drained vein */
  {
    hs_risk *x = &r[HS_RISK_HAEMOLYSIS];
    double pin = v[HS_CMP_DRAIN_P], suc = v[HS_CMP_SUCTION], fhb = v[HS_CMP_PFHB];
    x->value = pin;
    if (isfinite(fhb) && fhb > HS_HAEMOLYSIS_PFHB_MGDL) {
      x->level = HS_RISK_HIGH;
      snprintf(x->text, sizeof x->text,
               "plasma free Hb heading to %.0f mg/dL (> %.0f mg/dL, ELSO); drainage %.0f mmHg, "
               "suction %.0f %%",
               fhb, HS_HAEMOLYSIS_PFHB_MGDL, pin, 100 * suc);
    } else if (isfinite(pin) && pin < HS_HAEMOLYSIS_INLET_MMHG && !s->lvad) {
      x->level = HS_RISK_HIGH;
      snprintf(x->text, sizeof x->text, "ECMO drainage pressure %.0f mmHg < %.0f mmHg", pin,
               HS_HAEMOLYSIS_INLET_MMHG);
    } else if (isfinite(suc) && suc > HS_HAEMOLYSIS_SUCTION) {
      x->level = suc > 5 * HS_HAEMOLYSIS_SUCTION ? HS_RISK_HIGH : HS_RISK_RAISED;
      snprintf(x->text, sizeof x->text, "suction at a pump inlet %.0f %% of the time (> %.0f %%)",
               100 * suc, 100 * HS_HAEMOLYSIS_SUCTION);
    } else if (isfinite(v[HS_CMP_ECMO]) && v[HS_CMP_ECMO] < HS_HAEMOLYSIS_LOW_FLOW_LPM - HS_FLOW_SLACK_LPM &&
               v[HS_CMP_ECMO] > 0.05) {
      x->level = HS_RISK_RAISED;
      snprintf(x->text, sizeof x->text,
               "centrifugal pump at low flow %.2f L/min (< %.1f L/min: recirculation "
               "haemolysis, circuit thrombosis; check anticoagulation)",
               v[HS_CMP_ECMO], HS_HAEMOLYSIS_LOW_FLOW_LPM);
    } else {
      snprintf(x->text, sizeof x->text, "drainage pressure %.0f mmHg, no suction", pin);
    }
    size_t k = strlen(x->text);
    if (isfinite(fhb) && fhb <= HS_HAEMOLYSIS_PFHB_MGDL && k < sizeof x->text)
      snprintf(x->text + k, sizeof x->text - k,
               "; plasma free Hb heading to %.0f mg/dL (alarm > %.0f mg/dL)", fhb,
               HS_HAEMOLYSIS_PFHB_MGDL);
  }
  /* 3. lung ischaemia with a PA vent: pulmonary blood flow = flow into the PA (the RV's,
     a right-sided pump's) - vent flow */
  {
    hs_risk *x = &r[HS_RISK_LUNG];
    if (s->pa_vent) {
      double q = v[HS_CMP_QP] - vent;
      x->value = q;
      x->level = q < HS_LUNG_FLOW_LPM ? HS_RISK_HIGH : q < 2 * HS_LUNG_FLOW_LPM ? HS_RISK_RAISED : 0;
      snprintf(x->text, sizeof x->text, "pulmonary blood flow %.2f L/min (PA vent %.2f L/min)%s",
               q, vent, x->level ? " low" : "");
    } else {
      snprintf(x->text, sizeof x->text, "no PA vent");
    }
  }
  /* 4. limb ischaemia: femoral arterial return without a distal perfusion cannula */
  {
    hs_risk *x = &r[HS_RISK_LIMB];
    int fem_return = (s->ecmo_femoral_return && !s->lvad) || s->femoral_return;
    int sheaths = s->femoral_art + fem_return;
    x->value = sheaths;
    if (fem_return && !c->distal_perfusion) {
      x->level = HS_RISK_HIGH;
      snprintf(x->text, sizeof x->text,
               "femoral arterial return without a distal perfusion cannula, %d femoral arterial "
               "access%s: insert a distal perfusion cannula into the superficial femoral "
               "artery of the leg carrying the arterial return cannula; if one is in, give "
               "context distal_perfusion",
               sheaths, sheaths > 1 ? "es" : "");
    } else if (sheaths >= 2 || (fem_return && c->pad_grade >= HS_GRADE_MODERATE)) {
      x->level = HS_RISK_RAISED;
      snprintf(x->text, sizeof x->text, "%d femoral arterial accesses%s", sheaths,
               c->pad_grade >= HS_GRADE_MODERATE ? " with peripheral arterial disease" : "");
    } else {
      snprintf(x->text, sizeof x->text, "%d femoral arterial access%s%s", sheaths,
               sheaths == 1 ? "" : "es",
               fem_return ? ", distal perfusion cannula in place" : "");
    }
  }
  /* 5. differential hypoxaemia: upper-body SaO2 */
  {
    hs_risk *x = &r[HS_RISK_HYPOXAEMIA];
    x->value = v[HS_CMP_SAO2U];
    if (v[HS_CMP_SAO2U] < HS_HYPOXAEMIA_SAO2) {
      x->level = HS_RISK_HIGH;
      snprintf(x->text, sizeof x->text, "right-arm SaO2 %.0f %% < %.0f %%", v[HS_CMP_SAO2U],
               HS_HYPOXAEMIA_SAO2);
    } else {
      snprintf(x->text, sizeof x->text, "right-arm SaO2 %.0f %%", v[HS_CMP_SAO2U]);
    }
  }
  /* 7. LA / LV suction: the circuit drains the left heart through a port without a
     collapse limit; a mean LA pressure near or below zero is an emptied chamber */
  {
    hs_risk *x = &r[HS_RISK_SUCTION];
    double lap = v[HS_CMP_PCWP];
    if (!hs_strategy_drains_left_heart(s)) {
      snprintf(x->text, sizeof x->text, "no LA / LV drainage by the circuit");
    } else {
      x->value = lap;
      x->level = !(lap >= 0) ? HS_RISK_HIGH : lap < HS_SUCTION_LAP_MMHG ? HS_RISK_RAISED : 0;
      snprintf(x->text, sizeof x->text, "mean LA pressure %.1f mmHg%s", lap,
               x->level == HS_RISK_HIGH   ? " < 0 mmHg: the circuit empties the LA / LV"
               : x->level == HS_RISK_RAISED ? " < 5 mmHg with the LA / LV drained by the circuit"
                                            : "");
    }
  }
  /* 6. bleeding burden of the access added to ECMO */
  {
    hs_risk *x = &r[HS_RISK_BLEEDING];
    x->value = s->art_fr;
    int lvl = 0;
    char what[140] = "";
    if (s->surgical) lvl = 2, snprintf(what, sizeof what, "%s", s->axillary ? "axillary cut-down / graft" : c->open_chest ? "surgical access (chest open)" : "sternotomy / thoracotomy");
    else if (s->cutdown || s->art_fr >= 21) lvl = 2, snprintf(what, sizeof what, "%g Fr arterial sheath%s", s->art_fr, s->cutdown ? " (cut-down)" : "");
    else if (s->art_fr >= 12 || s->transseptal >= 14 || s->rv_pump) {
      /* large bore: an arterial sheath, a transseptal puncture, the Impella RP's 23 Fr
         femoral venous introducer */
      lvl = 1;
      if (s->art_fr > 0) snprintf(what, sizeof what, "%g Fr arterial sheath", s->art_fr);
      if (s->rv_pump)
        snprintf(what + strlen(what), sizeof what - strlen(what),
                 "%s23 Fr femoral venous introducer (Impella RP)", *what ? ", " : "");
      if (s->transseptal > 0)
        snprintf(what + strlen(what), sizeof what - strlen(what), "%stransseptal puncture (%.0f Fr)",
                 *what ? ", " : "", s->transseptal);
    }
    else if (s->art_fr > 0 || s->venous_fr > 0)
      snprintf(what, sizeof what, "%g Fr %s sheath", s->art_fr > 0 ? s->art_fr : s->venous_fr,
               s->art_fr > 0 ? "arterial" : "venous");
    else snprintf(what, sizeof what, "no access beyond ECMO");
    if (c->anticoag_limited && (s->art_fr > 0 || s->transseptal || s->surgical || s->venous_fr > 0) && lvl < 2) lvl++;
    x->level = lvl;
    snprintf(x->text, sizeof x->text, "%s%s", what,
             c->anticoag_limited && lvl ? "; anticoagulation limited" : "");
  }
}

void hs_strategy_suction_risk(const hs_strategy *s, const hs_compare_row *row, hs_risk *x) {
  if (!(row->suction_lpm > 0) || !hs_strategy_drains_left_heart(s)) return;
  double f = row->v[HS_CMP_ECMO], room = row->suction_lpm - f;
  size_t k = strlen(x->text);
  if (!row->perfusion_held) {
    x->level = HS_RISK_HIGH;
    snprintf(x->text + k, sizeof x->text - k,
             "; the flow that would perfuse empties the LA / LV: flow held below %.2f L/min "
             "(lower the pump speed; volume)",
             row->suction_lpm);
  } else {
    if (room < HS_SUCTION_RESERVE_LPM + HS_FLOW_SLACK_LPM && x->level < HS_RISK_RAISED)
      x->level = HS_RISK_RAISED;
    snprintf(x->text + k, sizeof x->text - k, "; suction from %.2f L/min (%.2f L/min above the set flow)",
             row->suction_lpm, room);
  }
}
