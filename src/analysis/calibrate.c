/*
 * analysis/calibrate.c - fit a patient to bedside measurements (hemosim/calibrate.h).
 *
 * The fit is a bounded weighted least-squares problem in the natural log of up to
 * six parameters, solved with NLopt's BOBYQA (derivative-free, quadratic models in
 * a trust region: each objective evaluation is a whole steady-state simulation, so
 * gradients would cost as much as the fit), in coordinates whitened by the
 * Gauss-Newton curvature J^T J at the start so that its first quadratic models
 * already capture how the parameters trade off (about 3x fewer evaluations than
 * plain ln p on the examples).  Every evaluation simulates a fresh
 * copy of the patient from its initial state, so the objective is a deterministic
 * function of the parameters: finite differences and repeated fits agree.
 *
 * Identifiability follows the usual local analysis of a least-squares fit: the
 * sensitivity matrix J (central differences, residuals in sd units, parameters in
 * ln units) gives the Fisher information F = J^T J, whose inverse approximates the
 * covariance of ln p.  Eigen-directions of F with small eigenvalues are parameter
 * combinations the data cannot fix (docs/calibration.md).
 */
#define _XOPEN_SOURCE 700
#include "hemosim/calibrate.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hemosim/output.h"
#include "hemosim/patient.h"
#include "hemosim/sim.h"
#include "analysis/identify.h"
#include "io/doc.h"

/* ---- tables ----------------------------------------------------------------- */

static const struct {
  const char *name, *metric, *unit;
  double sd;
} CALQ[HS_CALQ_COUNT] = {
#define HS_X_CALQ(id, name, metric, unit, sd) {name, metric, unit, sd},
    HS_CALQ_LIST(HS_X_CALQ)
#undef HS_X_CALQ
};

static const struct {
  const char *name, *unit;
  double lo, hi;
  const char *doc;
} CALP[HS_CALP_COUNT] = {
#define HS_X_CALP(id, name, unit, lo, hi, doc) {name, unit, lo, hi, doc},
    HS_CALP_LIST(HS_X_CALP)
#undef HS_X_CALP
};

const char *hs_calq_name(hs_calq q) { return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].name : "?"; }
const char *hs_calq_metric(hs_calq q) {
  return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].metric : "";
}
const char *hs_calq_unit(hs_calq q) { return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].unit : ""; }
double hs_calq_default_sd(hs_calq q) { return (unsigned)q < HS_CALQ_COUNT ? CALQ[q].sd : 0; }
const char *hs_calp_name(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].name : "?"; }
const char *hs_calp_unit(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].unit : ""; }
const char *hs_calp_doc(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].doc : ""; }
double hs_calp_lower(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].lo : NAN; }
double hs_calp_upper(hs_calp p) { return (unsigned)p < HS_CALP_COUNT ? CALP[p].hi : NAN; }
int hs_calp_find(const char *name) {
  for (int i = 0; name && i < HS_CALP_COUNT; i++)
    if (!strcmp(CALP[i].name, name)) return i;
  return -1;
}

/* Plausible range of each measured value (display units) and what a value outside
   it means.  CVP and PCWP may be slightly negative (spontaneous breathing lowers
   intrathoracic pressure to about -4 mmHg) but not below -5 mmHg; arterial
   pressures cannot be negative. */
static const struct {
  double lo, hi;
  const char *why;
} RANGE[HS_CALQ_COUNT] = {
    [HS_CALQ_HR] = {20, 250, "the model's heart rate range is 20-250 /min"},
    [HS_CALQ_SBP] = {0, 300, "an arterial pressure cannot be negative"},
    [HS_CALQ_DBP] = {0, 250, "an arterial pressure cannot be negative"},
    [HS_CALQ_MAP] = {0, 250, "an arterial pressure cannot be negative"},
    [HS_CALQ_CVP] = {-5, 60, "a central venous pressure below -5 mmHg is not physiological"},
    [HS_CALQ_SPAP] = {0, 150, "a pulmonary artery pressure cannot be negative"},
    [HS_CALQ_DPAP] = {0, 120, "a pulmonary artery pressure cannot be negative"},
    [HS_CALQ_MPAP] = {0, 130, "a pulmonary artery pressure cannot be negative"},
    [HS_CALQ_PCWP] = {-5, 60, "a wedge pressure below -5 mmHg is not physiological"},
    [HS_CALQ_CO] = {0, 20, "a flow cannot be negative"},
    [HS_CALQ_CI] = {0, 10, "a flow cannot be negative"},
    [HS_CALQ_ECMO_FLOW] = {0, 10, "a flow cannot be negative"},
    [HS_CALQ_LVEF] = {0, 100, "an ejection fraction is 0-100 %"},
    [HS_CALQ_LVEDV] = {1, 1000, "a ventricular volume must be positive"},
    [HS_CALQ_AVO] = {0, 1, "true or false"},
    [HS_CALQ_SAO2U] = {0, 100, "a saturation is 0-100 %"},
    [HS_CALQ_SAO2L] = {0, 100, "a saturation is 0-100 %"},
    [HS_CALQ_HB] = {3, 25, "the model's haemoglobin range is 3-25 g/dL"},
};

static int calq_dim(hs_calq q) {
  switch (q) {
    case HS_CALQ_HR: return HS_DIM_RATE;
    case HS_CALQ_CO:
    case HS_CALQ_ECMO_FLOW: return HS_DIM_FLOW;
    case HS_CALQ_LVEDV: return HS_DIM_VOLUME;
    case HS_CALQ_HB: return HS_DIM_HB;
    case HS_CALQ_LVEF:
    case HS_CALQ_SAO2U:
    case HS_CALQ_SAO2L: return HS_DIM_PERCENT;
    case HS_CALQ_CI:
    case HS_CALQ_AVO: return -1; /* own unit handling */
    default: return HS_DIM_PRESSURE;
  }
}

static int calq_is_set(hs_calq q) { return q == HS_CALQ_HR || q == HS_CALQ_HB; }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- reading the measurements file --------------------------------------------- */

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, s, n);
  return c;
}

/* A value of quantity q in its display unit: "12", "12 mmHg", "1.6 kPa", "55 %".  One
   rule for percentages (units.h): "55 %" and a bare 55 are both 55 %; a bare value
   of 1 or less for a percentage is refused as ambiguous (0.15 meant as a fraction
   would read as 0.15 %). */
static hs_status parse_value(const hs_doc *d, const hs_doc_node *n, hs_calq q, const char *field,
                             double *out, hs_err *err) {
  const char *name = CALQ[q].name;
  if (hs_doc_kind_of(n) != HS_DOC_SCALAR)
    return hs_doc_fail(d, n, err, HS_ERR_INVALID, "measurements.%s: %s must be a single value",
                       name, field);
  const char *text = hs_doc_text(n);
  int dim = calq_dim(q);
  double x;
  hs_err e2;
  if (dim < 0) { /* ci: L/min/m2, a unit of no dimension in the table */
    char num[64];
    size_t len = strlen(text);
    static const char *const CI_UNITS[] = {"L/min/m2", "L/min/m^2"};
    for (int k = 0; k < 2; k++) {
      size_t ul = strlen(CI_UNITS[k]);
      if (len > ul && !strcmp(text + len - ul, CI_UNITS[k])) len -= ul;
    }
    snprintf(num, sizeof num, "%.*s", (int)(len < sizeof num ? len : sizeof num - 1), text);
    if (strchr(num, '%') || hs_quantity_parse(HS_DIM_NONE, num, out, &e2))
      return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                         "measurements.%s: %s \"%s\" is not a number in L/min/m2 (accepted: "
                         "L/min/m2, or a bare number in L/min/m2)",
                         name, field, text);
    return HS_OK;
  }
  if (hs_quantity_parse_as((hs_dim)dim, text, CALQ[q].unit, &x, &e2))
    return hs_doc_fail(d, n, err, HS_ERR_INVALID, "measurements.%s: %s %s", name, field, e2.msg);
  if (dim == HS_DIM_PERCENT && !strcmp(field, "value") && x > 0 && x <= 1 &&
      !strchr(text, '%'))
    return hs_doc_fail(d, n, err, HS_ERR_INVALID,
                       "measurements.%s: value %s is ambiguous: a bare number is in %% (this "
                       "would be %s %%, not a fraction); write \"%g %%\" for a fraction of %s, "
                       "or \"%s %%\" if %s %% is meant",
                       name, text, text, 100 * x, text, text, text);
  *out = dim == HS_DIM_FLOW ? x / HS_MLS_PER_LPM : x;
  return HS_OK;
}

static hs_status read_measurement(const hs_doc *d, const hs_doc_node *v, hs_cal_meas *m,
                                  hs_err *err) {
  hs_calq q = m->q;
  const char *name = CALQ[q].name;
  const hs_doc_node *vn = v, *sn = NULL;
  hs_status st;
  if (hs_doc_kind_of(v) == HS_DOC_MAP) {
    vn = NULL;
    for (size_t i = 0; i < hs_doc_size(v); i++) {
      const char *k = hs_doc_text(hs_doc_key(v, i));
      if (!strcmp(k, "value")) vn = hs_doc_value(v, i);
      else if (!strcmp(k, "sd")) sn = hs_doc_value(v, i);
      else
        return hs_doc_fail(d, hs_doc_key(v, i), err, HS_ERR_UNKNOWN,
                           "measurements.%s: unknown field '%s' (known: value, sd)", name, k);
    }
    if (!vn)
      return hs_doc_fail(d, v, err, HS_ERR_INVALID, "measurements.%s: missing field 'value'",
                         name);
  } else if (hs_doc_kind_of(v) != HS_DOC_SCALAR) {
    return hs_doc_fail(d, v, err, HS_ERR_INVALID,
                       "measurements.%s must be a value or {value: X, sd: Y}", name);
  }
  m->line = hs_doc_line(vn);
  m->column = hs_doc_column(vn);
  if (q == HS_CALQ_AVO) {
    int b;
    char what[64];
    snprintf(what, sizeof what, "measurements.%s", name);
    if ((st = hs_doc_boolean(d, vn, what, &b, err))) return st;
    m->value = b ? 1.0 : 0.0;
  } else {
    if ((st = parse_value(d, vn, q, "value", &m->value, err))) return st;
    if (m->value < RANGE[q].lo)
      return hs_doc_fail(d, vn, err, HS_ERR_RANGE,
                         "measurements.%s = %.10g %s is impossible: below %g %s (%s)", name,
                         m->value, CALQ[q].unit, RANGE[q].lo, CALQ[q].unit, RANGE[q].why);
    if (m->value > RANGE[q].hi)
      return hs_doc_fail(d, vn, err, HS_ERR_RANGE,
                         "measurements.%s = %.10g %s is impossible: above %g %s (%s)", name,
                         m->value, CALQ[q].unit, RANGE[q].hi, CALQ[q].unit,
                         q == HS_CALQ_LVEF || q == HS_CALQ_SAO2U || q == HS_CALQ_SAO2L
                             ? RANGE[q].why
                             : "check the value and its unit");
  }
  m->sd = CALQ[q].sd;
  if (sn) {
    if ((st = parse_value(d, sn, q, "sd", &m->sd, err))) return st;
    if (!(m->sd > 0))
      return hs_doc_fail(d, sn, err, HS_ERR_RANGE,
                         "measurements.%s: sd = %g must be positive (a standard deviation)", name,
                         m->sd);
    m->sd_given = 1;
  }
  return HS_OK;
}

static const hs_cal_meas *find_meas(const hs_cal_input *in, hs_calq q) {
  for (size_t i = 0; i < in->nmeas; i++)
    if (in->meas[i].q == q) return &in->meas[i];
  return NULL;
}

/* Located error at a measurement already read. */
static hs_status meas_fail(const hs_cal_input *in, const hs_cal_meas *m, hs_err *err,
                           const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static hs_status meas_fail(const hs_cal_input *in, const hs_cal_meas *m, hs_err *err,
                           const char *fmt, ...) {
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return hs_err_set(err, HS_ERR_RANGE, "%s:%d:%d: %s", in->file, m->line, m->column, msg);
}

/* Data that no patient can produce. */
static hs_status check_consistency(const hs_cal_input *in, hs_err *err) {
  const hs_cal_meas *sbp = find_meas(in, HS_CALQ_SBP), *dbp = find_meas(in, HS_CALQ_DBP),
                    *map = find_meas(in, HS_CALQ_MAP), *pcwp = find_meas(in, HS_CALQ_PCWP),
                    *sp = find_meas(in, HS_CALQ_SPAP), *dp = find_meas(in, HS_CALQ_DPAP),
                    *mp = find_meas(in, HS_CALQ_MPAP), *co = find_meas(in, HS_CALQ_CO),
                    *ci = find_meas(in, HS_CALQ_CI);
  if (sbp && dbp && dbp->value > sbp->value)
    return meas_fail(in, dbp, err,
                     "measurements.dbp = %g mmHg is above sbp = %g mmHg: impossible (diastolic "
                     "pressure cannot exceed systolic)",
                     dbp->value, sbp->value);
  if (map && sbp && map->value > sbp->value)
    return meas_fail(in, map, err,
                     "measurements.map = %g mmHg is above sbp = %g mmHg: impossible (the mean "
                     "lies between diastolic and systolic pressure)",
                     map->value, sbp->value);
  if (map && dbp && map->value < dbp->value)
    return meas_fail(in, map, err,
                     "measurements.map = %g mmHg is below dbp = %g mmHg: impossible (the mean "
                     "lies between diastolic and systolic pressure)",
                     map->value, dbp->value);
  if (pcwp && map && pcwp->value > map->value)
    return meas_fail(in, pcwp, err,
                     "measurements.pcwp = %g mmHg is above map = %g mmHg: impossible (left "
                     "atrial pressure above mean arterial pressure)",
                     pcwp->value, map->value);
  if (sp && dp && dp->value > sp->value)
    return meas_fail(in, dp, err,
                     "measurements.dpap = %g mmHg is above spap = %g mmHg: impossible", dp->value,
                     sp->value);
  if (mp && sp && mp->value > sp->value)
    return meas_fail(in, mp, err,
                     "measurements.mpap = %g mmHg is above spap = %g mmHg: impossible", mp->value,
                     sp->value);
  if (mp && dp && mp->value < dp->value)
    return meas_fail(in, mp, err,
                     "measurements.mpap = %g mmHg is below dpap = %g mmHg: impossible", mp->value,
                     dp->value);
  if (pcwp && mp && pcwp->value > mp->value)
    return meas_fail(in, pcwp, err,
                     "measurements.pcwp = %g mmHg is above mpap = %g mmHg: impossible (blood "
                     "could not flow from the pulmonary artery to the left atrium)",
                     pcwp->value, mp->value);
  if (co && ci)
    return meas_fail(in, ci, err,
                     "measurements: give co or ci, not both (ci = co / body surface area; set "
                     "body.height and body.weight for ci)");
  return HS_OK;
}

void hs_cal_input_free(hs_cal_input *in) {
  if (!in) return;
  free(in->file);
  free(in->patient_file);
  hs_model_free(in->base);
  for (size_t i = 0; i < in->nset; i++) free(in->set_path[i]);
  free(in->set_path);
  free(in);
}

static hs_status add_set_path(hs_cal_input *in, const char *path, hs_err *err) {
  for (size_t i = 0; i < in->nset; i++)
    if (!strcmp(in->set_path[i], path)) return HS_OK;
  char **p = realloc(in->set_path, (in->nset + 1) * sizeof *p);
  if (!p) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  in->set_path = p;
  if (!(p[in->nset] = dupstr(path))) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  in->nset++;
  return HS_OK;
}

static long block_index(const hs_model *m, const char *name) {
  for (size_t i = 0; i < hs_model_block_count(m); i++)
    if (!strcmp(hs_model_block_name(m, i), name)) return (long)i;
  return -1;
}

static hs_status load_doc(hs_doc *d, hs_cal_input *in, hs_err *err) {
  hs_status st;
  const hs_doc_node *root = hs_doc_root(d);
  if ((st = hs_doc_expect(d, root, HS_DOC_MAP, "the measurements file", err))) return st;
  const hs_doc_node *ver = hs_doc_get(root, "hemosim_measurements");
  if (!ver)
    return hs_doc_fail(d, root, err, HS_ERR_PARSE,
                       "not a hemosim measurements file: it has no field "
                       "'hemosim_measurements: 1'");
  int version;
  if ((st = hs_doc_integer(d, ver, "hemosim_measurements", &version, err))) return st;
  if (version != 1)
    return hs_doc_fail(d, ver, err, HS_ERR_RANGE,
                       "hemosim_measurements: format version %d is not supported (allowed: 1)",
                       version);
  static const char *const TOP[] = {"hemosim_measurements", "patient", "name", "description",
                                    "set", "estimate", "measurements", NULL};
  for (size_t i = 0; i < hs_doc_size(root); i++) {
    const char *k = hs_doc_text(hs_doc_key(root, i));
    int known = 0;
    for (int t = 0; TOP[t]; t++) known |= !strcmp(TOP[t], k);
    if (!known)
      return hs_doc_fail(d, hs_doc_key(root, i), err, HS_ERR_UNKNOWN,
                         "unknown top-level field '%s' (known: hemosim_measurements, patient, "
                         "name, description, set, estimate, measurements)",
                         k);
  }
  /* the base patient */
  const hs_doc_node *pn = hs_doc_get(root, "patient");
  if (pn) {
    const char *rel;
    if ((st = hs_doc_string(d, pn, "patient", &rel, err))) return st;
    const char *slash = strrchr(in->file, '/');
    size_t n = strlen(in->file) + strlen(rel) + 2;
    if (!(in->patient_file = malloc(n))) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    if (rel[0] == '/' || !slash) snprintf(in->patient_file, n, "%s", rel);
    else snprintf(in->patient_file, n, "%.*s/%s", (int)(slash - in->file), in->file, rel);
    hs_err e2;
    if ((st = hs_patient_load_file(in->patient_file, &in->base, &e2)))
      return hs_doc_fail(d, pn, err, st, "patient: %s", e2.msg);
  } else if ((st = hs_patient_load_default(&in->base, err))) {
    return st;
  }
  /* settings applied before fitting */
  const hs_doc_node *sn = hs_doc_get(root, "set");
  if (sn) {
    if ((st = hs_doc_expect(d, sn, HS_DOC_MAP, "set", err))) return st;
    for (size_t i = 0; i < hs_doc_size(sn); i++) {
      const char *path = hs_doc_text(hs_doc_key(sn, i));
      const hs_doc_node *v = hs_doc_value(sn, i);
      hs_err e2;
      if (hs_doc_kind_of(v) != HS_DOC_SCALAR)
        return hs_doc_fail(d, v, err, HS_ERR_INVALID, "set.%s must be a single value", path);
      if ((st = hs_model_set_text(in->base, path, hs_doc_text(v), &e2)))
        return hs_doc_fail(d, strstr(e2.msg, "no block") || strstr(e2.msg, "no parameter")
                                  ? hs_doc_key(sn, i)
                                  : v,
                           err, st, "set.%s: %s", path, e2.msg);
      if ((st = add_set_path(in, path, err))) return st;
    }
  }
  /* which parameters to estimate */
  const hs_doc_node *en = hs_doc_get(root, "estimate");
  for (int j = 0; j < HS_CALP_COUNT; j++) in->estimate[j] = en ? 0 : 1;
  if (en) {
    if ((st = hs_doc_expect(d, en, HS_DOC_SEQ, "estimate", err))) return st;
    for (size_t i = 0; i < hs_doc_size(en); i++) {
      const char *name;
      if ((st = hs_doc_string(d, hs_doc_item(en, i), "estimate", &name, err))) return st;
      int j = hs_calp_find(name);
      if (j < 0)
        return hs_doc_fail(d, hs_doc_item(en, i), err, HS_ERR_UNKNOWN,
                           "estimate: unknown parameter '%s' (known: lv_ees, lv_ed_a, rv_ees, "
                           "svr_mult, pvr_mult, stressed_volume)",
                           name);
      in->estimate[j] = 1;
    }
    if (hs_doc_size(en) == 0)
      return hs_doc_fail(d, en, err, HS_ERR_INVALID, "estimate: name at least one parameter");
  }
  /* the measurements */
  const hs_doc_node *ms = hs_doc_get(root, "measurements");
  if (!ms)
    return hs_doc_fail(d, root, err, HS_ERR_INVALID, "missing field 'measurements'");
  if ((st = hs_doc_expect(d, ms, HS_DOC_MAP, "measurements", err))) return st;
  size_t nfit = 0;
  for (size_t i = 0; i < hs_doc_size(ms); i++) {
    const hs_doc_node *k = hs_doc_key(ms, i);
    const char *name = hs_doc_text(k);
    int q = -1;
    for (int t = 0; t < HS_CALQ_COUNT; t++) /* MAP, Map and map: one quantity */
      if (!strcasecmp(CALQ[t].name, name)) q = t;
    if (q < 0)
      return hs_doc_fail(d, k, err, HS_ERR_UNKNOWN,
                         "measurements: unknown quantity '%s' (known: hr, sbp, dbp, map, cvp, "
                         "spap, dpap, mpap, pcwp, co, ci, ecmo_flow, lvef, lvedv, "
                         "aortic_valve_opens, sao2_upper, sao2_lower, hemoglobin)",
                         name);
    /* one entry per quantity (by quantity, not by key text): this is what bounds
       nmeas by the size of meas[] */
    if (find_meas(in, (hs_calq)q) || in->nmeas >= HS_CALQ_COUNT)
      return hs_doc_fail(d, k, err, HS_ERR_INVALID, "measurements: '%s' is given twice", name);
    hs_cal_meas *m = &in->meas[in->nmeas];
    memset(m, 0, sizeof *m);
    m->q = (hs_calq)q;
    if ((st = read_measurement(d, hs_doc_value(ms, i), m, err))) return st;
    in->nmeas++;
    if (!calq_is_set(m->q)) nfit++;
    hs_err e2;
    if (q == HS_CALQ_HR) {
      if ((st = hs_model_set(in->base, "heart.heart_rate", m->value, &e2)))
        return meas_fail(in, m, err, "measurements.hr: %s", e2.msg);
      if ((st = add_set_path(in, "heart.heart_rate", err))) return st;
    } else if (q == HS_CALQ_HB) {
      if ((st = hs_model_set(in->base, "oxygen.hemoglobin", m->value, &e2)))
        return meas_fail(in, m, err, "measurements.hemoglobin: %s", e2.msg);
      if ((st = add_set_path(in, "oxygen.hemoglobin", err))) return st;
    } else if (q == HS_CALQ_ECMO_FLOW) {
      long b = block_index(in->base, "ecmo");
      if (b < 0 || hs_model_block_type(in->base, (size_t)b)->cls != HS_BLOCK_DEVICE)
        return hs_doc_fail(d, k, err, HS_ERR_MODEL,
                           "measurements.ecmo_flow: the patient has no ECMO circuit (a device "
                           "named 'ecmo')");
    }
  }
  if (!nfit)
    return hs_doc_fail(d, ms, err, HS_ERR_INVALID,
                       "measurements: nothing to fit (hr and hemoglobin are set, not fitted); "
                       "give at least one pressure, flow or volume");
  if (in->estimate[HS_CALP_PVR] && block_index(in->base, "pulm_arterioles") < 0)
    return hs_doc_fail(d, en ? en : root, err, HS_ERR_MODEL,
                       "estimate: pvr_mult needs an edge named 'pulm_arterioles' in the patient");
  return check_consistency(in, err);
}

hs_status hs_cal_input_load(const char *path, hs_cal_input **out, hs_err *err) {
  *out = NULL;
  hs_cal_input *in = calloc(1, sizeof *in);
  if (!in || !(in->file = dupstr(path))) {
    free(in);
    return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  }
  hs_doc *d = NULL;
  hs_status st = hs_doc_load_file(path, &d, err);
  if (!st) st = load_doc(d, in, err);
  hs_doc_free(d);
  if (st) {
    hs_cal_input_free(in);
    return st;
  }
  *out = in;
  return HS_OK;
}

/* ---- the model as a function of the parameters ----------------------------------- */

void hs_cal_options_default(hs_cal_options *o) {
  o->progress = NULL;
  o->progress_ud = NULL;
  o->max_evals = 150;
  for (int j = 0; j < HS_CALP_COUNT; j++) o->start[j] = NAN;
  o->fd_step = 0.05;
}

typedef struct ctx {
  const hs_cal_input *in;
  const char **beds; /* systemic bed edges */
  double *bed_r;
  size_t nbeds;
  double pvr0, unstressed, base[HS_CALP_COUNT];
  int est[HS_CALP_COUNT]; /* estimated parameter ids */
  int np;
  hs_calq fq[HS_CALQ_COUNT]; /* fitted quantities */
  double meas[HS_CALQ_COUNT], sd[HS_CALQ_COUNT];
  int nfit;
  int window, fit_o2;
  double max_beats;
  double p[HS_CALP_COUNT]; /* current natural values (non-estimated stay at base) */
  /* the fit runs in whitened coordinates z: x = x0 + T z (x = ln p, estimated only) */
  double x0[HS_CALP_COUNT], T[HS_CALP_COUNT][HS_CALP_COUNT], lo[HS_CALP_COUNT], hi[HS_CALP_COUNT];
  int evals, failed;
  double best_cost, best_x[HS_CALP_COUNT];
  hs_err last_err;
  const hs_cal_options *opt; /* progress callback */
} ctx;

/* Report progress (at most every evaluation; the caller decides how to show it). */
static void progress(const ctx *c, const char *phase, int done, int total) {
  if (c->opt && c->opt->progress)
    c->opt->progress(phase, done, total, c->best_cost, c->opt->progress_ud);
}

static hs_status param_of(const hs_model *m, const char *block, const char *param, double *out,
                          hs_err *err) {
  char path[160];
  snprintf(path, sizeof path, "%s.%s", block, param);
  return hs_model_get(m, path, out, err);
}

static hs_status ctx_init(ctx *c, const hs_cal_input *in, hs_err *err) {
  memset(c, 0, sizeof *c);
  c->in = in;
  const hs_model *m = in->base;
  hs_status st;
  size_t nb = hs_model_block_count(m);
  c->beds = calloc(nb ? nb : 1, sizeof *c->beds);
  c->bed_r = calloc(nb ? nb : 1, sizeof *c->bed_r);
  if (!c->beds || !c->bed_r) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  double uv = 0;
  for (size_t i = 0; i < nb; i++) {
    const hs_block_type *t = hs_model_block_type(m, i);
    const char *name = hs_model_block_name(m, i);
    double v;
    if (t->cls == HS_BLOCK_NODE) {
      const char *pname = hs_param_index(t, "unstressed_volume") >= 0 ? "unstressed_volume"
                          : hs_param_index(t, "v0") >= 0                ? "v0"
                                                                        : NULL;
      if (pname && !param_of(m, name, pname, &v, NULL)) uv += v;
    } else if (t->cls == HS_BLOCK_EDGE && hs_param_index(t, "systemic_bed") >= 0) {
      if (!param_of(m, name, "systemic_bed", &v, NULL) && v > 0.5) {
        if ((st = param_of(m, name, "resistance", &c->bed_r[c->nbeds], err))) return st;
        c->beds[c->nbeds++] = name;
      }
    }
  }
  c->unstressed = uv;
  if (!c->nbeds && in->estimate[HS_CALP_SVR])
    return hs_err_set(err, HS_ERR_MODEL,
                      "svr_mult: the patient has no systemic bed (edge with systemic_bed: true)");
  double bv, w, bvkg;
  if ((st = hs_model_get(m, "circulation.blood_volume", &bv, err))) return st;
  if (!(bv > 0)) {
    if ((st = hs_model_get(m, "body.weight", &w, err)) ||
        (st = hs_model_get(m, "body.blood_volume_per_kg", &bvkg, err)))
      return st;
    bv = w * bvkg;
  }
  if ((st = hs_model_get(m, "lv.ees", &c->base[HS_CALP_LV_EES], err)) ||
      (st = hs_model_get(m, "lv.ed_a", &c->base[HS_CALP_LV_EDA], err)) ||
      (st = hs_model_get(m, "rv.ees", &c->base[HS_CALP_RV_EES], err)))
    return st;
  c->pvr0 = NAN;
  if (block_index(m, "pulm_arterioles") >= 0 &&
      (st = hs_model_get(m, "pulm_arterioles.resistance", &c->pvr0, err)))
    return st;
  c->base[HS_CALP_SVR] = 1;
  c->base[HS_CALP_PVR] = 1;
  c->base[HS_CALP_VS] = bv - uv;
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    c->p[j] = c->base[j];
    if (in->estimate[j]) c->est[c->np++] = j;
  }
  for (size_t i = 0; i < in->nmeas; i++) {
    const hs_cal_meas *ms = &in->meas[i];
    if (calq_is_set(ms->q)) continue;
    if (ms->q == HS_CALQ_SAO2U || ms->q == HS_CALQ_SAO2L) c->fit_o2 = 1;
    c->fq[c->nfit] = ms->q;
    c->meas[c->nfit] = ms->value;
    c->sd[c->nfit] = ms->sd;
    c->nfit++;
  }
  double win = 6, mb = 600;
  hs_model_get(m, "solver.window_beats", &win, NULL);
  hs_model_get(m, "solver.max_beats", &mb, NULL);
  c->window = (int)win;
  c->max_beats = mb < HS_CAL_MAX_BEATS ? mb : HS_CAL_MAX_BEATS;
  if (c->max_beats < c->window + 1) c->max_beats = c->window + 1;
  c->best_cost = INFINITY;
  return HS_OK;
}

static void ctx_free(ctx *c) {
  free(c->beds);
  free(c->bed_r);
}

/* Put parameter values p (natural units) into model m. */
static hs_status apply(const ctx *c, const double *p, hs_model *m, hs_err *err) {
  hs_status st;
  if ((st = hs_model_set(m, "lv.ees", p[HS_CALP_LV_EES], err)) ||
      (st = hs_model_set(m, "lv.ed_a", p[HS_CALP_LV_EDA], err)) ||
      (st = hs_model_set(m, "rv.ees", p[HS_CALP_RV_EES], err)))
    return st;
  char path[160];
  for (size_t i = 0; i < c->nbeds; i++) {
    snprintf(path, sizeof path, "%s.resistance", c->beds[i]);
    if ((st = hs_model_set(m, path, c->bed_r[i] * p[HS_CALP_SVR], err))) return st;
  }
  if (isfinite(c->pvr0) &&
      (st = hs_model_set(m, "pulm_arterioles.resistance", c->pvr0 * p[HS_CALP_PVR], err)))
    return st;
  return hs_model_set(m, "circulation.blood_volume", p[HS_CALP_VS] + c->unstressed, err);
}

/*
 * Simulate the patient with parameters p.  full: the patient's own solver limits (as
 * `hemosim run` does); otherwise at most c->max_beats beats.  vals: the fitted
 * quantities' simulated values; all (optional): every HS_CALQ quantity.
 */
static hs_status simulate(const ctx *c, const double *p, int full, double *vals, double *all,
                          int *steady, hs_model **keep, hs_err *err) {
  hs_model *m = hs_model_clone(c->in->base, err);
  hs_plan *pl = NULL;
  hs_sim *s = NULL;
  double *met = NULL;
  hs_status st = HS_ERR_NOMEM;
  if (!m) goto done;
  if ((st = apply(c, p, m, err))) goto done;
  if (!full) {
    if ((st = hs_model_set(m, "solver.max_beats", c->max_beats, err))) goto done;
    /* O2 contents settle more slowly than the haemodynamics; wait for them only when
       a saturation is fitted */
    if (!c->fit_o2 && (st = hs_model_set(m, "solver.steady_tol_o2", 1e-2, err))) goto done;
    /* integration error far below any measurement sd (the final run uses the patient's) */
    double tol;
    if (!hs_model_get(m, "solver.rtol", &tol, NULL) && tol < 1e-4 &&
        (st = hs_model_set(m, "solver.rtol", 1e-4, err)))
      goto done;
    if (!hs_model_get(m, "solver.atol", &tol, NULL) && tol < 1e-3 &&
        (st = hs_model_set(m, "solver.atol", 1e-3, err)))
      goto done;
  }
  if (!(pl = hs_plan_compile(m, err)) || !(s = hs_sim_new(pl, err))) {
    st = err && err->code ? err->code : HS_ERR_NOMEM;
    goto done;
  }
  hs_steady_info info;
  st = hs_sim_run_to_steady(s, &info, err);
  if (st == HS_ERR_NOT_STEADY) st = HS_OK; /* the last beats all the same */
  if (st) goto done;
  if (steady) *steady = info.reached;
  if (hs_sim_beats(s) < c->window) {
    st = hs_err_set(err, HS_ERR_STATE, "fewer than %d beats simulated", c->window);
    goto done;
  }
  size_t nm = hs_sim_metric_count(s);
  if (!(met = malloc(nm * sizeof *met))) {
    st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((st = hs_sim_summary_all(s, c->window, met, err))) goto done;
  double v[HS_CALQ_COUNT];
  for (int q = 0; q < HS_CALQ_COUNT; q++) v[q] = NAN;
  for (size_t k = 0; k < nm; k++) {
    char buf[128];
    const char *name = hs_sim_metric_name(s, k, buf, sizeof buf);
    for (int q = 0; q < HS_CALQ_COUNT; q++)
      if (*CALQ[q].metric && !strcmp(name, CALQ[q].metric)) v[q] = met[k];
  }
  hs_model_get(m, "heart.heart_rate", &v[HS_CALQ_HR], NULL);
  hs_model_get(m, "oxygen.hemoglobin", &v[HS_CALQ_HB], NULL);
  for (int i = 0; i < c->nfit; i++) {
    if (!isfinite(v[c->fq[i]])) {
      st = hs_err_set(err, HS_ERR_NONPHYSICAL, "the simulation gives no value for %s",
                      CALQ[c->fq[i]].metric);
      goto done;
    }
    if (vals) vals[i] = v[c->fq[i]];
  }
  if (all) memcpy(all, v, sizeof v);
  if (keep) {
    *keep = m;
    m = NULL;
  }
done:
  free(met);
  hs_sim_free(s);
  hs_plan_free(pl);
  hs_model_free(m);
  return st;
}

static double cost_of(const ctx *c, const double *vals) {
  double f = 0;
  for (int i = 0; i < c->nfit; i++) {
    double r = (vals[i] - c->meas[i]) / c->sd[i];
    f += r * r;
  }
  return f;
}

#define FAIL_COST 1e8

static void x_to_p(const ctx *c, const double *x, double *p) {
  for (int j = 0; j < HS_CALP_COUNT; j++) p[j] = c->p[j];
  for (int k = 0; k < c->np; k++) p[c->est[k]] = exp(x[k]);
}

/* A quadratic wall outside the bounds (per squared ln unit); the model is run at the
   nearest point inside, so the objective stays continuous for the optimiser. */
#define BOUND_PENALTY 100.0

static double objective(unsigned n, const double *z, double *grad, void *data) {
  ctx *c = data;
  (void)n;
  (void)grad; /* derivative-free */
  double x[HS_CALP_COUNT], pen = 0;
  for (int k = 0; k < c->np; k++) {
    double v = c->x0[k];
    for (int m = 0; m < c->np; m++) v += c->T[k][m] * z[m];
    if (v < c->lo[k]) pen += (c->lo[k] - v) * (c->lo[k] - v), v = c->lo[k];
    if (v > c->hi[k]) pen += (v - c->hi[k]) * (v - c->hi[k]), v = c->hi[k];
    x[k] = v;
  }
  double p[HS_CALP_COUNT], vals[HS_CALQ_COUNT];
  x_to_p(c, x, p);
  c->evals++;
  hs_err e2 = {HS_OK, ""};
  double f;
  if (simulate(c, p, 0, vals, NULL, NULL, NULL, &e2)) {
    c->failed++;
    c->last_err = e2;
    f = FAIL_COST;
  } else {
    f = cost_of(c, vals);
  }
  if (f < c->best_cost) {
    c->best_cost = f;
    memcpy(c->best_x, x, (size_t)c->np * sizeof *x);
  }
  progress(c, "fit", c->evals, c->opt ? c->opt->max_evals : 0);
  return f + BOUND_PENALTY * pen;
}

/*
 * Sensitivities J[i][k] = d(sim_i / sd_i) / d x_k at x (x = ln p of the estimated
 * parameters).  central: central differences, else forward; one-sided where a bound
 * is in the way.  center: the fitted quantities at x if known (else simulated when
 * needed).  A failed simulation gives a zero column.  Returns the evaluations used.
 */
static int jacobian(const ctx *c, const double *x, double h, int central, const double *center_in,
                    double J[HS_CALQ_COUNT][HS_CALP_COUNT]) {
  int np = c->np, nf = c->nfit, evals = 0;
  double center[HS_CALQ_COUNT], p[HS_CALP_COUNT];
  int have_center = 0;
  if (center_in) memcpy(center, center_in, (size_t)nf * sizeof *center), have_center = 1;
  for (int k = 0; k < np; k++) {
    int j = c->est[k];
    double lo = log(CALP[j].lo), hi = log(CALP[j].hi);
    double xp[HS_CALP_COUNT], xm[HS_CALP_COUNT], vp[HS_CALQ_COUNT], vm[HS_CALQ_COUNT];
    memcpy(xp, x, (size_t)np * sizeof *x);
    memcpy(xm, x, (size_t)np * sizeof *x);
    /* step inwards when a bound is closer than h */
    if (x[k] + h > hi) xp[k] = x[k], xm[k] = x[k] - h;
    else if (x[k] - h < lo || !central) xp[k] = x[k] + h, xm[k] = x[k];
    else xp[k] = x[k] + h, xm[k] = x[k] - h;
    int okp = 1, okm = 1;
    for (int side = 0; side < 2; side++) {
      double *xs = side ? xm : xp, *vs = side ? vm : vp;
      int *ok = side ? &okm : &okp;
      if (xs[k] == x[k]) {
        if (!have_center) {
          x_to_p(c, x, p);
          have_center = !simulate(c, p, 0, center, NULL, NULL, NULL, NULL);
          evals++;
        }
        memcpy(vs, center, (size_t)nf * sizeof *vs);
        *ok = have_center;
      } else {
        x_to_p(c, xs, p);
        *ok = !simulate(c, p, 0, vs, NULL, NULL, NULL, NULL);
        evals++;
      }
    }
    double dx = xp[k] - xm[k];
    for (int i = 0; i < nf; i++)
      J[i][k] = okp && okm && dx > 0 ? (vp[i] - vm[i]) / (c->sd[i] * dx) : 0;
  }
  return evals;
}

/* Fisher information F = J^T J of the estimated parameters. */
static void fisher(const ctx *c, double J[HS_CALQ_COUNT][HS_CALP_COUNT],
                   double F[HS_CALP_COUNT][HS_CALP_COUNT]) {
  for (int a = 0; a < c->np; a++)
    for (int b = 0; b < c->np; b++) {
      double s = 0;
      for (int i = 0; i < c->nfit; i++) s += J[i][a] * J[i][b];
      F[a][b] = s;
    }
}

/* Sensitivities at x (ln units), Fisher information, standard errors, weak directions
   (analysis/identify.c). */
static void identifiability(ctx *c, const double *x, double h, hs_cal_result *r) {
  int np = c->np;
  double J[HS_CALQ_COUNT][HS_CALP_COUNT];
  r->sens_evals += jacobian(c, x, h, 1, NULL, J);
  double F[HS_CALP_COUNT][HS_CALP_COUNT];
  fisher(c, J, F);
  hs_ident id;
  hs_ident_analyse(np, F, x, c->lo, c->hi, HS_CAL_RSE_LIMIT, HS_CAL_WEAK_EIG, HS_CAL_WEAK_LOAD,
                   &id);
  r->nweak = (size_t)id.nweak;
  r->nnull = (size_t)id.nnull;
  for (int k = 0; k < np; k++) {
    r->eig[k] = id.eig[k];
    r->eig_param[k] = c->est[k];
    for (int j = 0; j < np; j++) r->eigvec[k][j] = id.vec[k][j];
  }
  for (int a = 0; a < np; a++) {
    hs_cal_param *pr = &r->p[c->est[a]];
    pr->rse = id.rse[a];
    pr->rse_null = id.null_half[a];
    pr->identifiable = id.identifiable[a];
    pr->note[0] = '\0';
    if (pr->identifiable) continue;
    int k = id.weak_dir[a];
    if (k >= 0 && id.eig[k] <= 0 && id.nnull > 1) {
      /* several zero eigenvalues: their eigenvectors are an arbitrary basis */
      snprintf(pr->note, sizeof pr->note,
               "no information: it lies in the %d-dimensional null space of the Fisher "
               "information (changes the data do not see)",
               id.nnull);
    } else if (k >= 0) {
      char dir[128] = "";
      for (int j = 0; j < np; j++)
        if (fabs(id.vec[k][j]) >= 0.25) {
          char term[40];
          snprintf(term, sizeof term, "%s%+.2f %s", *dir ? " " : "", id.vec[k][j],
                   CALP[c->est[j]].name);
          strncat(dir, term, sizeof dir - strlen(dir) - 1);
        }
      snprintf(pr->note, sizeof pr->note, "%s direction %d (eigenvalue %.2g): %s",
               id.eig[k] <= 0 ? "null" : "weak", k + 1, id.eig[k], dir);
    } else if (id.null_half[a] > id.rse_data[a]) {
      snprintf(pr->note, sizeof pr->note,
               "relative standard error %.0f %% (above %.0f %%), mostly from the null space: "
               "within the bounds the data cannot tell ln p apart over +-%.2f",
               100 * pr->rse, 100 * HS_CAL_RSE_LIMIT, id.null_half[a]);
    } else {
      snprintf(pr->note, sizeof pr->note, "relative standard error %.0f %% (above %.0f %%)",
               100 * pr->rse, 100 * HS_CAL_RSE_LIMIT);
    }
  }
}

void hs_cal_result_free(hs_cal_result *r) {
  if (!r) return;
  hs_model_free(r->model);
  free(r);
}

hs_status hs_calibrate(const hs_cal_input *in, const hs_cal_options *opt, hs_cal_result **out,
                       hs_err *err) {
  *out = NULL;
  double t0 = now();
  hs_cal_options dflt;
  if (!opt) hs_cal_options_default(&dflt), opt = &dflt;
  if (opt->max_evals < 1)
    return hs_err_set(err, HS_ERR_RANGE, "max_evals must be at least 1 (got %d)",
                      opt->max_evals);
  ctx c;
  hs_status st = ctx_init(&c, in, err);
  c.opt = opt;
  hs_cal_result *r = calloc(1, sizeof *r);
  nlopt_opt o = NULL;
  if (!st && !r) st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  if (st) goto fail;
  r->nparams = (size_t)c.np;
  r->nfit = (size_t)c.nfit;
  double x[HS_CALP_COUNT], lo[HS_CALP_COUNT], hi[HS_CALP_COUNT];
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    hs_cal_param *pr = &r->p[j];
    pr->estimated = in->estimate[j];
    pr->base = c.base[j];
    pr->lower = CALP[j].lo;
    pr->upper = CALP[j].hi;
    pr->start = isfinite(opt->start[j]) ? opt->start[j] : c.base[j];
    if (pr->estimated) {
      /* start inside the bounds */
      if (pr->start < pr->lower) pr->start = pr->lower;
      if (pr->start > pr->upper) pr->start = pr->upper;
    }
    pr->value = pr->estimated ? pr->start : pr->base;
    pr->rse = NAN;
    pr->identifiable = 0;
  }
  for (int k = 0; k < c.np; k++) {
    int j = c.est[k];
    lo[k] = log(CALP[j].lo);
    hi[k] = log(CALP[j].hi);
    x[k] = log(r->p[j].start);
  }
  /* the objective at the start (also catches a patient that cannot be simulated) */
  double p[HS_CALP_COUNT], vals[HS_CALQ_COUNT];
  x_to_p(&c, x, p);
  hs_err e2;
  if ((st = simulate(&c, p, 0, vals, NULL, NULL, NULL, &e2))) {
    hs_err_set(err, st, "the patient cannot be simulated at the starting parameters: %s",
               e2.msg);
    goto fail;
  }
  r->cost_start = cost_of(&c, vals);
  double tf = now();
  int rc = NLOPT_SUCCESS;
  c.best_cost = r->cost_start;
  memcpy(c.best_x, x, sizeof x);
  c.evals = 1;
  if (c.np > 0) {
    /* Whiten: forward-difference sensitivities at the start give F0 = J0^T J0 = V W V^T;
       the optimiser works in z with x = x0 + V (W + I)^(-1/2) z, where the objective is
       close to sum z^2 and BOBYQA's quadratic models fit from the first iterations.
       Directions the data do not see keep a scale of one ln unit. */
    double J[HS_CALQ_COUNT][HS_CALP_COUNT], F[HS_CALP_COUNT][HS_CALP_COUNT];
    double w[HS_CALP_COUNT], V[HS_CALP_COUNT][HS_CALP_COUNT];
    double z[HS_CALP_COUNT], zlo[HS_CALP_COUNT], zhi[HS_CALP_COUNT], dz[HS_CALP_COUNT];
    for (int k = 0; k < c.np; k++) {
      c.lo[k] = lo[k];
      c.hi[k] = hi[k];
    }
    /* Pass 2 re-whitens at the first pass's optimum, where the curvature of a
       nonlinear model differs from the start's; it usually ends in a few steps. */
    for (int pass = 0; pass < 2; pass++) {
      int left = opt->max_evals - c.evals;
      if (pass == 1 && (left < 3 * c.np + 2 || rc == NLOPT_MAXEVAL_REACHED ||
                         c.best_cost < 0.01)) /* already within 0.1 sd overall */
        break;
      if (left >= 3 * c.np + 2) {
        c.evals += jacobian(&c, x, pass ? 0.05 : 0.1, 0, pass ? NULL : vals, J);
        fisher(&c, J, F);
        hs_ident_eigen(c.np, F, w, V);
      } else { /* too few evaluations to whiten: plain ln p, z = 2 ln p */
        for (int m = 0; m < c.np; m++) {
          w[m] = 3;
          for (int k = 0; k < c.np; k++) V[m][k] = m == k;
        }
      }
      for (int k = 0; k < c.np; k++) c.x0[k] = x[k];
      for (int m = 0; m < c.np; m++) {
        double scale = 1.0 / sqrt((w[m] > 0 ? w[m] : 0) + 1.0);
        for (int k = 0; k < c.np; k++) c.T[k][m] = V[m][k] * scale;
        z[m] = 0;
        zhi[m] = 6.0 / scale; /* room to cross any parameter's whole range */
        zlo[m] = -zhi[m];
        dz[m] = pass ? 0.25 : 0.5;
      }
      if (!o && !(o = nlopt_create(NLOPT_LN_BOBYQA, (unsigned)c.np))) {
        st = hs_err_set(err, HS_ERR_NOMEM, "out of memory (NLopt)");
        goto fail;
      }
      nlopt_set_lower_bounds(o, zlo);
      nlopt_set_upper_bounds(o, zhi);
      nlopt_set_min_objective(o, objective, &c);
      left = opt->max_evals - c.evals;
      nlopt_set_maxeval(o, left > 1 ? left : 1);
      nlopt_set_initial_step(o, dz);
      nlopt_set_xtol_abs1(o, 1e-2);
      nlopt_set_ftol_abs(o, 1e-3);
      double fmin = 0;
      rc = nlopt_optimize(o, z, &fmin);
      if (rc < 0 && rc != NLOPT_ROUNDOFF_LIMITED && !isfinite(c.best_cost)) {
        st = hs_err_set(err, HS_ERR_SOLVER, "the optimiser failed: %s",
                        nlopt_result_to_string((nlopt_result)rc));
        goto fail;
      }
      memcpy(x, c.best_x, (size_t)c.np * sizeof *x); /* best point seen, inside the bounds */
    }
  }
  r->evals = c.evals;
  r->failed_evals = c.failed;
  snprintf(r->stop, sizeof r->stop, "%s",
           rc == NLOPT_MAXEVAL_REACHED  ? "evaluation limit reached"
           : rc == NLOPT_XTOL_REACHED   ? "converged (parameter change below tolerance)"
           : rc == NLOPT_FTOL_REACHED   ? "converged (objective change below tolerance)"
           : rc == NLOPT_SUCCESS        ? (c.np ? "converged" : "nothing to estimate")
           : rc == NLOPT_ROUNDOFF_LIMITED ? "stopped: round-off limited"
                                        : nlopt_result_to_string((nlopt_result)rc));
  r->fit_s = now() - tf;
  double ts = now();
  identifiability(&c, x, opt->fd_step > 0 ? opt->fd_step : 0.05, r);
  r->sens_s = now() - ts;
  /* the calibrated patient, run as `hemosim run` runs it */
  x_to_p(&c, x, p);
  double all[HS_CALQ_COUNT];
  if ((st = simulate(&c, p, 1, NULL, all, &r->steady, &r->model, &e2))) {
    hs_err_set(err, st, "the calibrated patient cannot be simulated: %s", e2.msg);
    goto fail;
  }
  for (int j = 0; j < HS_CALP_COUNT; j++) {
    hs_cal_param *pr = &r->p[j];
    pr->value = p[j];
    if (pr->estimated) {
      double lx = log(pr->value);
      pr->at_bound = lx <= log(pr->lower) + 1e-3 ? -1 : lx >= log(pr->upper) - 1e-3 ? 1 : 0;
    }
  }
  r->cost = 0;
  for (size_t i = 0; i < in->nmeas; i++) {
    const hs_cal_meas *ms = &in->meas[i];
    hs_cal_row *row = &r->rows[r->nrows++];
    row->q = ms->q;
    row->measured = ms->value;
    row->sd = ms->sd;
    row->simulated = all[ms->q];
    row->fitted = !calq_is_set(ms->q);
    row->residual = row->fitted ? (row->simulated - row->measured) / row->sd : 0;
    if (row->fitted) r->cost += row->residual * row->residual;
  }
  if (c.nfit < c.np)
    snprintf(r->warning, sizeof r->warning,
             "%d parameters from %d measurement%s: at most %d parameter combination%s can be "
             "determined",
             c.np, c.nfit, c.nfit == 1 ? "" : "s", c.nfit, c.nfit == 1 ? "" : "s");
  if (c.failed)
    snprintf(r->warning + strlen(r->warning), sizeof r->warning - strlen(r->warning),
             "%s%d evaluations failed and were penalised (last: %.120s)",
             *r->warning ? "; " : "", c.failed, c.last_err.msg);
  r->total_s = now() - t0;
  nlopt_destroy(o);
  ctx_free(&c);
  *out = r;
  return HS_OK;
fail:
  if (o) nlopt_destroy(o);
  ctx_free(&c);
  hs_cal_result_free(r);
  return st ? st : HS_ERR_NOMEM;
}
