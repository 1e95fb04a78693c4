/*
 * analysis/micro.c - the consensus analysis of sublingual microcirculation
 * clips for one time point, and the trial's measurement schedule.
 *
 * What is measured.  Each site (one clip of a hand-held dark-field microscope)
 * yields, for small vessels (diameter < cut-off, 20 um by default) and large
 * vessels separately:
 *   - the traced vessel length by flow class (0 none, 1 intermittent,
 *     2 sluggish, 3 continuous), directly or as vessel records split here;
 *   - the number of vessels crossing a grid of 3 horizontal and 3 vertical
 *     lines, by flow class (De Backer et al. 2007, Crit Care 11:R101);
 *   - the predominant flow class in each of the 4 image quadrants;
 *   - the Massey image-quality score, six categories scored 0, 1 or 10.
 *
 * What is computed (Ince et al. 2018, Intensive Care Med 44:281):
 *   TVD = L_total / A                                            [mm/mm2]
 *   PPV = 100 (L_total - (L_none + L_intermittent)) / L_total     [%]
 *   PVD = TVD PPV / 100 = (L_sluggish + L_continuous) / A         [mm/mm2]
 *   De Backer score = N_total / grid line length                  [1/mm]
 *   PPV by crossings = 100 (N_sluggish + N_continuous) / N_total  [%]
 *   MFI(site) = mean of the four quadrant classes; MFI = mean over sites
 *   HI = (max site MFI - min site MFI) / mean site MFI
 * PSVD and PPSV are the PVD and PPV of small vessels.  The total is formed as
 * (none + intermittent) + (sluggish + continuous) so that in floating point too
 * 0 <= PPV <= 100 and PVD <= TVD hold exactly; PVD is computed as perfused
 * length / area, which equals TVD x PPV / 100.
 *
 * Summary.  Every value is averaged over the usable sites (a clip with any
 * Massey category of 10 is excluded); a value undefined at a site (PPV with no
 * vessels) is left out of its mean.  Fewer than 3 usable sites sets a flag and
 * a warning.  The summary is compared with published reference values (the
 * table below) and, when the time point is labelled, with the trial schedule
 * (NCT03470792): T1 within 18 h of VA-ECMO placement, T2 6-22 h and T3 28-44 h
 * after T1, T4 at 72 h after placement.
 *
 * Pure functions: nothing here prints, allocates or keeps state.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hemosim/micro.h"

/* ------------------------------------------------------------------ names */

const char *hs_micro_flow_name(int c) {
  static const char *const n[] = {"none", "intermittent", "sluggish", "continuous"};
  return c >= 0 && c < HS_FLOW_CLASSES ? n[c] : "?";
}

const char *hs_micro_group_name(int g) {
  static const char *const n[] = {"small", "large", "all"};
  return g >= 0 && g < HS_MICRO_GROUPS ? n[g] : "?";
}

const char *hs_micro_massey_name(int c) {
  static const char *const n[] = {"illumination", "duration", "focus",
                                  "content",      "stability", "pressure"};
  return c >= 0 && c < HS_MASSEY_COUNT ? n[c] : "?";
}

const char *hs_micro_sched_status_name(int s) {
  static const char *const n[] = {"ok", "outside", "unchecked", "duplicate"};
  return s >= 0 && s <= HS_SCHED_DUPLICATE ? n[s] : "?";
}

/* ------------------------------------------------------------------ references */

/* Published values the summary is compared with.  "Healthy"/"stable" ranges are
   mean - 2 SD (or + 2 SD) of the published mean and SD, a project convention;
   VA-ECMO values are the published cut-offs or group means. */
static const hs_micro_reference REFS[] = {
    {"hubble2009_tvd_low", 1, {{HS_MQ_SMALL_TVD, 1, 11.5}, {0, 0, 0}},
     "small-vessel TVD below the healthy range (21.3 +- 4.9 mm/mm2; mean - 2 SD = 11.5)",
     "Hubble et al. 2009, Microcirculation 16:183 (healthy volunteers, vessels 1-10 um)"},
    {"hubble2009_tvd_high", 1, {{HS_MQ_SMALL_TVD, 0, 31.1}, {0, 0, 0}},
     "small-vessel TVD above the healthy range (21.3 +- 4.9 mm/mm2; mean + 2 SD = 31.1)",
     "Hubble et al. 2009, Microcirculation 16:183 (healthy volunteers, vessels 1-10 um)"},
    {"hubble2009_ppsv_low", 1, {{HS_MQ_PPSV, 1, 91.2}, {0, 0, 0}},
     "PPSV below the healthy range (94.0 +- 1.4 % continuously perfused; mean - 2 SD = 91.2 %)",
     "Hubble et al. 2009, Microcirculation 16:183 (healthy volunteers, vessels 1-10 um)"},
    {"stable_mfi_low", 1, {{HS_MQ_MFI, 1, 2.46}, {0, 0, 0}},
     "MFI below the range of stable outpatients (2.86 +- 0.20; mean - 2 SD = 2.46)",
     "Niculcea et al. 2025, Microcirculation 32:e70032 (113 chronic cardiovascular outpatients)"},
    {"stable_ppv_low", 1, {{HS_MQ_PPV, 1, 84.5}, {0, 0, 0}},
     "PPV below the range of stable outpatients (94.3 +- 4.9 %; mean - 2 SD = 84.5 %)",
     "Niculcea et al. 2025, Microcirculation 32:e70032 (113 chronic cardiovascular outpatients)"},
    {"yeh2018_psvd", 1, {{HS_MQ_PSVD, 1, 16.2}, {0, 0, 0}},
     "PSVD below 16.2 mm/mm2, the 28-day mortality cut-off within 12 h of VA-ECMO placement",
     "Yeh et al. 2018, Crit Care 22:200"},
    {"yeh2018_ppsv", 1, {{HS_MQ_PPSV, 1, 76.5}, {0, 0, 0}},
     "PPSV below 76.5 %, the 28-day mortality cut-off within 12 h of VA-ECMO placement",
     "Yeh et al. 2018, Crit Care 22:200"},
    {"yeh2018_worst", 2, {{HS_MQ_PSVD, 1, 15.0}, {HS_MQ_PPSV, 1, 64.0}},
     "PSVD < 15 mm/mm2 and PPSV < 64 %: the subgroup with the worst 28-day survival",
     "Yeh et al. 2018, Crit Care 22:200"},
    {"kara2016_survivors", 1, {{HS_MQ_PSVD, 1, 19.21}, {0, 0, 0}},
     "PSVD below the mean PVD of ICU survivors at VA-ECMO initiation (19.21 mm/mm2)",
     "Kara et al. 2016, Crit Care 20:344"},
    {"kara2016_nonsurvivors", 1, {{HS_MQ_PSVD, 1, 13.78}, {0, 0, 0}},
     "PSVD below the mean PVD of ICU non-survivors at VA-ECMO initiation (13.78 mm/mm2)",
     "Kara et al. 2016, Crit Care 20:344"},
    {"wei2021_flow_responsive", 1, {{HS_MQ_PSVD, 1, 15.0}, {0, 0, 0}},
     "PSVD below 15 mm/mm2: raising VA-ECMO pump flow raised PVD in 100 % of such events "
     "(43 % when PVD >= 15)",
     "Wei et al. 2021, Front Med 8:649263"},
};

size_t hs_micro_reference_count(void) { return sizeof REFS / sizeof REFS[0]; }

const hs_micro_reference *hs_micro_reference_at(size_t i) {
  return i < hs_micro_reference_count() ? &REFS[i] : NULL;
}

/* ------------------------------------------------------------------ building blocks */

double hs_micro_ppv(const double c[HS_FLOW_CLASSES]) {
  double perfused = c[HS_FLOW_SLUGGISH] + c[HS_FLOW_CONTINUOUS];
  double total = (c[HS_FLOW_NONE] + c[HS_FLOW_INTERMITTENT]) + perfused;
  if (!(total > 0)) return NAN;
  double p = 100.0 * (perfused / total); /* perfused <= total, so the ratio is <= 1 */
  return p > 100.0 ? 100.0 : p;
}

void hs_micro_values_of(const double length_mm[HS_FLOW_CLASSES], double field_area_mm2,
                        const int crossings[HS_FLOW_CLASSES], double grid_length_mm,
                        hs_micro_values *v) {
  v->length_mm = v->tvd_mm_mm2 = v->ppv_pct = v->pvd_mm_mm2 = NAN;
  v->crossings = v->de_backer_per_mm = v->ppv_crossings_pct = v->pvd_crossings_per_mm = NAN;
  v->no_flow_pct = NAN;
  if (length_mm && field_area_mm2 > 0) {
    const double *c = length_mm;
    double perfused = c[HS_FLOW_SLUGGISH] + c[HS_FLOW_CONTINUOUS];
    double total = (c[HS_FLOW_NONE] + c[HS_FLOW_INTERMITTENT]) + perfused;
    v->length_mm = total;
    v->tvd_mm_mm2 = total / field_area_mm2;
    v->ppv_pct = hs_micro_ppv(c);
    v->pvd_mm_mm2 = perfused / field_area_mm2;
    if (total > 0) v->no_flow_pct = 100.0 * (c[HS_FLOW_NONE] / total);
  }
  if (crossings && grid_length_mm > 0) {
    double n[HS_FLOW_CLASSES];
    for (int k = 0; k < HS_FLOW_CLASSES; k++) n[k] = crossings[k];
    double perfused = n[HS_FLOW_SLUGGISH] + n[HS_FLOW_CONTINUOUS];
    double total = (n[HS_FLOW_NONE] + n[HS_FLOW_INTERMITTENT]) + perfused;
    v->crossings = total;
    v->de_backer_per_mm = total / grid_length_mm;
    v->ppv_crossings_pct = hs_micro_ppv(n);
    v->pvd_crossings_per_mm = perfused / grid_length_mm;
  }
}

double hs_micro_mfi(const int q[4]) { return (q[0] + q[1] + q[2] + q[3]) / 4.0; }

double hs_micro_heterogeneity(const double *mfi, size_t n) {
  if (n == 0) return NAN;
  double lo = mfi[0], hi = mfi[0], sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (mfi[i] < lo) lo = mfi[i];
    if (mfi[i] > hi) hi = mfi[i];
    sum += mfi[i];
  }
  double mean = sum / (double)n;
  return mean > 0 ? (hi - lo) / mean : NAN;
}

int hs_micro_massey_ok(const int q[HS_MASSEY_COUNT], int *total, char *reason,
                       size_t reason_size) {
  int sum = 0, ok = 1;
  for (int k = 0; k < HS_MASSEY_COUNT; k++) sum += q[k];
  for (int k = 0; k < HS_MASSEY_COUNT && ok; k++) {
    if (q[k] >= 10) {
      ok = 0;
      if (reason && reason_size)
        snprintf(reason, reason_size, "Massey %s = %d (unacceptable; total %d)",
                 hs_micro_massey_name(k), q[k], sum);
    }
  }
  if (ok && reason && reason_size) reason[0] = '\0';
  if (total) *total = sum;
  return ok;
}

/* ------------------------------------------------------------------ schedule */

static void window_note(hs_micro_window *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void window_note(hs_micro_window *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->note, sizeof w->note, fmt, ap);
  va_end(ap);
}

hs_status hs_micro_schedule_check(const hs_micro_timepoint *tp, size_t n, double t4_tol,
                                  hs_micro_window *out, hs_err *err) {
  if (n && (!tp || !out))
    return hs_err_set(err, HS_ERR_INVALID, "schedule check: no time points given");
  if (!(t4_tol > 0)) t4_tol = HS_MICRO_DEFAULT_T4_TOLERANCE_H;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i && tp[i].patient[0]; j++)
      if (tp[j].patient[0] && strcmp(tp[i].patient, tp[j].patient))
        return hs_err_set(err, HS_ERR_INVALID,
                          "schedule check: time points of different patients ('%.*s' from "
                          "%s:%d, '%.*s' from %s:%d): check one patient at a time",
                          HS_MICRO_NAME_MAX, tp[j].patient, tp[j].source ? tp[j].source : "-",
                          tp[j].line, HS_MICRO_NAME_MAX, tp[i].patient,
                          tp[i].source ? tp[i].source : "-", tp[i].line);
  double t1 = NAN;
  for (size_t i = 0; i < n; i++)
    if (tp[i].label == 1 && isfinite(tp[i].hours_since_ecmo)) {
      t1 = tp[i].hours_since_ecmo;
      break;
    }
  for (size_t i = 0; i < n; i++) {
    hs_micro_window *w = &out[i];
    memset(w, 0, sizeof *w);
    w->label = tp[i].label;
    w->hours_since_ecmo = tp[i].hours_since_ecmo;
    w->hours_after_t1 = NAN;
    w->lo_h = w->hi_h = NAN;
    w->status = HS_SCHED_UNCHECKED;
    int L = tp[i].label;
    if (L < 0 || L > 4)
      return hs_err_set(err, HS_ERR_RANGE,
                        "schedule check: time point %zu: label %d is out of range (T1..T4)",
                        i + 1, L);
    if (L == 0) {
      window_note(w, "no time-point label (T1..T4)");
      continue;
    }
    size_t first = i;
    for (size_t j = 0; j < i; j++)
      if (tp[j].label == L) {
        first = j;
        break;
      }
    if (first != i) {
      w->status = HS_SCHED_DUPLICATE;
      window_note(w, "a second T%d (the first is time point %zu)", L, first + 1);
      continue;
    }
    if (!isfinite(tp[i].hours_since_ecmo)) {
      window_note(w, "hours since VA-ECMO placement not given");
      continue;
    }
    double h = tp[i].hours_since_ecmo, x = h;
    switch (L) {
      case 1: w->lo_h = 0, w->hi_h = 18; break;
      case 2: w->lo_h = 6, w->hi_h = 22, w->relative_to_t1 = 1; break;
      case 3: w->lo_h = 28, w->hi_h = 44, w->relative_to_t1 = 1; break;
      default: w->lo_h = 72 - t4_tol, w->hi_h = 72 + t4_tol; break;
    }
    if (w->relative_to_t1) {
      if (!isfinite(t1)) {
        window_note(w, "T%d is timed from T1, whose time is not known", L);
        continue;
      }
      x = w->hours_after_t1 = h - t1;
    }
    const char *frame = w->relative_to_t1 ? "after T1" : "after placement";
    if (x >= w->lo_h && x <= w->hi_h) {
      w->status = HS_SCHED_OK;
      window_note(w, "T%d at %.1f h %s: inside %g-%g h", L, x, frame, w->lo_h, w->hi_h);
    } else {
      w->status = HS_SCHED_OUTSIDE;
      window_note(w, "T%d at %.1f h %s is outside its window %g-%g h (%s by %.1f h)", L, x,
                  frame, w->lo_h, w->hi_h, x < w->lo_h ? "early" : "late",
                  x < w->lo_h ? w->lo_h - x : x - w->hi_h);
    }
  }
  return HS_OK;
}

/* ------------------------------------------------------------------ analysis */

static hs_status site_fail(hs_err *err, hs_status code, size_t i, const hs_micro_site *s,
                           const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static hs_status site_fail(hs_err *err, hs_status code, size_t i, const hs_micro_site *s,
                           const char *fmt, ...) {
  char msg[HS_ERRMSG_MAX - 96];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (s && s->name[0])
    return hs_err_set(err, code, "site %zu ('%.*s'): %s", i + 1, HS_MICRO_NAME_MAX, s->name, msg);
  return hs_err_set(err, code, "site %zu: %s", i + 1, msg);
}

static hs_status check_site(const hs_micro_site *s, size_t i, hs_err *err) {
  if (!(s->field_area_mm2 > 0 && s->field_area_mm2 <= HS_MICRO_MAX_FIELD_AREA_MM2))
    return site_fail(err, HS_ERR_RANGE, i, s,
                     "field_area_mm2 = %g is out of range (0, %g] mm2", s->field_area_mm2,
                     HS_MICRO_MAX_FIELD_AREA_MM2);
  if (s->has_crossings &&
      !(s->grid_length_mm > 0 && s->grid_length_mm <= HS_MICRO_MAX_GRID_LENGTH_MM))
    return site_fail(err, HS_ERR_RANGE, i, s,
                     "grid_line_length_mm = %g is out of range (0, %g] mm", s->grid_length_mm,
                     HS_MICRO_MAX_GRID_LENGTH_MM);
  if (s->has_lengths && s->has_vessels)
    return site_fail(err, HS_ERR_INVALID, i, s,
                     "give either length_mm or vessels, not both");
  for (int g = 0; g < 2; g++)
    for (int c = 0; c < HS_FLOW_CLASSES; c++) {
      if (s->has_lengths &&
          !(s->length_mm[g][c] >= 0 && s->length_mm[g][c] <= HS_MICRO_MAX_LENGTH_MM))
        return site_fail(err, HS_ERR_RANGE, i, s,
                         "length_mm.%s class %d (%s) = %g is out of range [0, %g] mm",
                         hs_micro_group_name(g), c, hs_micro_flow_name(c), s->length_mm[g][c],
                         HS_MICRO_MAX_LENGTH_MM);
      if (s->has_crossings &&
          !(s->crossings[g][c] >= 0 && s->crossings[g][c] <= HS_MICRO_MAX_CROSSINGS))
        return site_fail(err, HS_ERR_RANGE, i, s,
                         "crossings.%s class %d (%s) = %d is out of range [0, %d]",
                         hs_micro_group_name(g), c, hs_micro_flow_name(c), s->crossings[g][c],
                         HS_MICRO_MAX_CROSSINGS);
    }
  if (s->has_vessels && s->nvessels && !s->vessels)
    return site_fail(err, HS_ERR_INVALID, i, s, "%zu vessels announced but none given",
                     s->nvessels);
  for (size_t k = 0; s->has_vessels && k < s->nvessels; k++) {
    const hs_micro_vessel *v = &s->vessels[k];
    if (!(v->diameter_um > 0 && v->diameter_um <= HS_MICRO_MAX_DIAMETER_UM))
      return site_fail(err, HS_ERR_RANGE, i, s,
                       "vessel %zu: diameter_um = %g is out of range (0, %g] um", k + 1,
                       v->diameter_um, HS_MICRO_MAX_DIAMETER_UM);
    if (!(v->length_mm >= 0 && v->length_mm <= HS_MICRO_MAX_LENGTH_MM))
      return site_fail(err, HS_ERR_RANGE, i, s,
                       "vessel %zu: length_mm = %g is out of range [0, %g] mm", k + 1,
                       v->length_mm, HS_MICRO_MAX_LENGTH_MM);
    if (v->flow < 0 || v->flow >= HS_FLOW_CLASSES)
      return site_fail(err, HS_ERR_RANGE, i, s,
                       "vessel %zu: flow class %d is out of range (0 none, 1 intermittent, "
                       "2 sluggish, 3 continuous)",
                       k + 1, v->flow);
  }
  for (int q = 0; s->has_quadrants && q < 4; q++)
    if (s->quadrant[q] < 0 || s->quadrant[q] >= HS_FLOW_CLASSES)
      return site_fail(err, HS_ERR_RANGE, i, s,
                       "quadrant %d: flow class %d is out of range (0 none, 1 intermittent, "
                       "2 sluggish, 3 continuous)",
                       q + 1, s->quadrant[q]);
  for (int k = 0; s->has_quality && k < HS_MASSEY_COUNT; k++)
    if (s->quality[k] != 0 && s->quality[k] != 1 && s->quality[k] != 10)
      return site_fail(err, HS_ERR_RANGE, i, s,
                       "quality.%s = %d is not a Massey score (allowed: 0, 1, 10)",
                       hs_micro_massey_name(k), s->quality[k]);
  if (!(s->has_lengths || s->has_vessels || s->has_crossings || s->has_quadrants))
    return site_fail(err, HS_ERR_INVALID, i, s,
                     "no measurements: give length_mm or vessels, crossings and/or quadrants");
  return HS_OK;
}

/* A measurement given at some sites must be given at all of them, otherwise the
   mean over sites would mix different sets of clips. */
static hs_status check_consistent(const hs_micro_input *in, hs_err *err) {
  static const char *const what[] = {"vessel lengths (length_mm or vessels)",
                                     "crossings", "quadrants"};
  for (int m = 0; m < 3; m++) {
    size_t have = 0, first_with = 0, first_without = 0;
    int seen_with = 0, seen_without = 0;
    for (size_t i = 0; i < in->nsites; i++) {
      const hs_micro_site *s = &in->sites[i];
      int h = m == 0 ? (s->has_lengths || s->has_vessels) : m == 1 ? s->has_crossings
                                                                    : s->has_quadrants;
      if (h) {
        have++;
        if (!seen_with) first_with = i, seen_with = 1;
      } else if (!seen_without) {
        first_without = i, seen_without = 1;
      }
    }
    if (have && have < in->nsites)
      return site_fail(err, HS_ERR_INVALID, first_without, &in->sites[first_without],
                       "%s missing (site %zu gives them; every site must report the same "
                       "measurements)",
                       what[m], first_with + 1);
  }
  return HS_OK;
}

static void warn(hs_micro_result *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void warn(hs_micro_result *r, const char *fmt, ...) {
  if (r->nwarnings >= HS_MICRO_MAX_WARNINGS) return;
  char *slot = r->warning[r->nwarnings++];
  if (r->nwarnings == HS_MICRO_MAX_WARNINGS) {
    snprintf(slot, HS_MICRO_WARNING_MAX, "(further warnings omitted)");
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(slot, HS_MICRO_WARNING_MAX, fmt, ap);
  va_end(ap);
}

/* Mean of the finite values (NaN when none). */
typedef struct acc {
  double sum;
  size_t n;
} acc;
static void acc_add(acc *a, double v) {
  if (isfinite(v)) a->sum += v, a->n++;
}
static double acc_mean(const acc *a) { return a->n ? a->sum / (double)a->n : NAN; }

const char *hs_micro_quantity_name(hs_micro_quantity q) {
  switch (q) {
    case HS_MQ_SMALL_TVD: return "small TVD";
    case HS_MQ_PSVD: return "PSVD";
    case HS_MQ_PPSV: return "PPSV";
    case HS_MQ_PPV: return "PPV";
    case HS_MQ_MFI: return "MFI";
  }
  return "?";
}

double hs_micro_quantity_value(const hs_micro_result *r, hs_micro_quantity q) {
  const hs_micro_values *sm = &r->mean[HS_MICRO_SMALL], *all = &r->mean[HS_MICRO_ALL];
  switch (q) {
    case HS_MQ_SMALL_TVD: return sm->tvd_mm_mm2;
    case HS_MQ_PSVD: return sm->pvd_mm_mm2;
    case HS_MQ_PPSV: return isfinite(sm->ppv_pct) ? sm->ppv_pct : sm->ppv_crossings_pct;
    case HS_MQ_PPV: return isfinite(all->ppv_pct) ? all->ppv_pct : all->ppv_crossings_pct;
    case HS_MQ_MFI: return r->mfi;
  }
  return NAN;
}

hs_status hs_micro_analyze(const hs_micro_input *in, const hs_micro_options *opt,
                           hs_micro_result *r, hs_err *err) {
  memset(r, 0, sizeof *r);
  if (!in || !in->sites || in->nsites < 1)
    return hs_err_set(err, HS_ERR_INVALID, "sites: at least 1 site is required (got 0)");
  if (in->nsites > HS_MICRO_MAX_SITES)
    return hs_err_set(err, HS_ERR_RANGE, "sites: at most %d sites are allowed (got %zu)",
                      HS_MICRO_MAX_SITES, in->nsites);
  double file_cut = in->small_cutoff_um != 0 ? in->small_cutoff_um : HS_MICRO_DEFAULT_CUTOFF_UM;
  double cut = opt && opt->small_cutoff_um != 0 ? opt->small_cutoff_um : file_cut;
  if (!(file_cut > 0 && file_cut <= HS_MICRO_MAX_CUTOFF_UM))
    return hs_err_set(err, HS_ERR_RANGE,
                      "small_cutoff_um = %g is out of range (0, %g] um", file_cut,
                      HS_MICRO_MAX_CUTOFF_UM);
  if (!(cut > 0 && cut <= HS_MICRO_MAX_CUTOFF_UM))
    return hs_err_set(err, HS_ERR_RANGE,
                      "small-vessel cut-off = %g um is out of range (0, %g] um", cut,
                      HS_MICRO_MAX_CUTOFF_UM);
  double t4_tol = opt && opt->t4_tolerance_h != 0 ? opt->t4_tolerance_h
                                                  : HS_MICRO_DEFAULT_T4_TOLERANCE_H;
  if (!(t4_tol > 0 && t4_tol <= 72))
    return hs_err_set(err, HS_ERR_RANGE, "T4 tolerance = %g h is out of range (0, 72] h",
                      t4_tol);
  if (in->time_point < 0 || in->time_point > 4)
    return hs_err_set(err, HS_ERR_RANGE, "time_point %d is out of range (T1..T4)",
                      in->time_point);
  if (!isnan(in->hours_since_ecmo) &&
      !(in->hours_since_ecmo >= 0 && in->hours_since_ecmo <= HS_MICRO_MAX_HOURS))
    return hs_err_set(err, HS_ERR_RANGE, "hours_since_ecmo = %g is out of range [0, %g] h",
                      in->hours_since_ecmo, HS_MICRO_MAX_HOURS);
  for (int d = 0; in->has_doses && d < HS_DRUG_COUNT; d++)
    if (!(in->doses[d] >= 0))
      return hs_err_set(err, HS_ERR_RANGE, "vasoactive dose %d = %g must be >= 0", d,
                        in->doses[d]);
  hs_status st;
  for (size_t i = 0; i < in->nsites; i++)
    if ((st = check_site(&in->sites[i], i, err))) return st;
  if ((st = check_consistent(in, err))) return st;

  r->small_cutoff_um = cut;
  r->nsites = in->nsites;
  int presplit = 0;
  for (size_t i = 0; i < in->nsites; i++) {
    const hs_micro_site *s = &in->sites[i];
    hs_micro_site_result *sr = &r->site[i];
    presplit |= s->has_lengths || s->has_crossings;
    if (s->name[0])
      snprintf(sr->name, sizeof sr->name, "%.*s", HS_MICRO_NAME_MAX - 1, s->name);
    else
      snprintf(sr->name, sizeof sr->name, "site %zu", i + 1);
    double len[3][HS_FLOW_CLASSES] = {{0}};
    int cross[3][HS_FLOW_CLASSES] = {{0}};
    int has_len = s->has_lengths || s->has_vessels;
    if (s->has_lengths) memcpy(len, s->length_mm, sizeof s->length_mm);
    for (size_t k = 0; s->has_vessels && k < s->nvessels; k++) {
      const hs_micro_vessel *v = &s->vessels[k];
      len[v->diameter_um < cut ? HS_MICRO_SMALL : HS_MICRO_LARGE][v->flow] += v->length_mm;
    }
    if (s->has_crossings) memcpy(cross, s->crossings, sizeof s->crossings);
    for (int c = 0; c < HS_FLOW_CLASSES; c++) {
      len[HS_MICRO_ALL][c] = len[HS_MICRO_SMALL][c] + len[HS_MICRO_LARGE][c];
      cross[HS_MICRO_ALL][c] = cross[HS_MICRO_SMALL][c] + cross[HS_MICRO_LARGE][c];
    }
    for (int g = 0; g < HS_MICRO_GROUPS; g++)
      hs_micro_values_of(has_len ? len[g] : NULL, s->field_area_mm2,
                         s->has_crossings ? cross[g] : NULL, s->grid_length_mm, &sr->v[g]);
    sr->mfi = s->has_quadrants ? hs_micro_mfi(s->quadrant) : NAN;
    sr->usable = 1;
    sr->massey_total = -1;
    if (s->has_quality)
      sr->usable = hs_micro_massey_ok(s->quality, &sr->massey_total, sr->reason,
                                      sizeof sr->reason);
    /* a clip with no vessel traced has nothing to analyse: its TVD 0 once entered the
       means as data (and pulled PSVD under the mortality cut-offs) */
    double total_mm = 0;
    int total_cross = 0;
    for (int c = 0; c < HS_FLOW_CLASSES; c++)
      total_mm += len[HS_MICRO_ALL][c], total_cross += cross[HS_MICRO_ALL][c];
    if (sr->usable && (has_len || s->has_crossings) && (!has_len || !(total_mm > 0)) &&
        (!s->has_crossings || total_cross <= 0)) {
      sr->usable = 0;
      snprintf(sr->reason, sizeof sr->reason,
               "no vessel %s (a clip without visible vessels is scored Massey content 10)",
               has_len ? "length recorded (0 mm)" : "crossing recorded (0 crossings)");
    }
  }

  /* summary over usable sites */
  acc a[HS_MICRO_GROUPS][9];
  memset(a, 0, sizeof a);
  double mfis[HS_MICRO_MAX_SITES];
  size_t nmfi = 0;
  for (size_t i = 0; i < in->nsites; i++) {
    const hs_micro_site_result *sr = &r->site[i];
    if (!sr->usable) continue;
    r->nusable++;
    for (int g = 0; g < HS_MICRO_GROUPS; g++) {
      const hs_micro_values *v = &sr->v[g];
      acc_add(&a[g][0], v->length_mm);
      acc_add(&a[g][1], v->tvd_mm_mm2);
      acc_add(&a[g][2], v->ppv_pct);
      acc_add(&a[g][3], v->pvd_mm_mm2);
      acc_add(&a[g][4], v->crossings);
      acc_add(&a[g][5], v->de_backer_per_mm);
      acc_add(&a[g][6], v->ppv_crossings_pct);
      acc_add(&a[g][7], v->pvd_crossings_per_mm);
      acc_add(&a[g][8], v->no_flow_pct);
    }
    if (isfinite(sr->mfi)) mfis[nmfi++] = sr->mfi;
  }
  for (int g = 0; g < HS_MICRO_GROUPS; g++) {
    hs_micro_values *m = &r->mean[g];
    m->length_mm = acc_mean(&a[g][0]);
    m->tvd_mm_mm2 = acc_mean(&a[g][1]);
    m->ppv_pct = acc_mean(&a[g][2]);
    m->pvd_mm_mm2 = acc_mean(&a[g][3]);
    m->crossings = acc_mean(&a[g][4]);
    m->de_backer_per_mm = acc_mean(&a[g][5]);
    m->ppv_crossings_pct = acc_mean(&a[g][6]);
    m->pvd_crossings_per_mm = acc_mean(&a[g][7]);
    m->no_flow_pct = acc_mean(&a[g][8]);
  }
  r->mfi = r->mfi_min = r->mfi_max = r->heterogeneity_index = NAN;
  if (nmfi) {
    acc am = {0, 0};
    r->mfi_min = r->mfi_max = mfis[0];
    for (size_t k = 0; k < nmfi; k++) {
      acc_add(&am, mfis[k]);
      if (mfis[k] < r->mfi_min) r->mfi_min = mfis[k];
      if (mfis[k] > r->mfi_max) r->mfi_max = mfis[k];
    }
    r->mfi = acc_mean(&am);
    if (r->mfi > 3) r->mfi = 3; /* guard the [0, 3] invariant against rounding */
    r->heterogeneity_index = hs_micro_heterogeneity(mfis, nmfi);
  }
  r->psvd_mm_mm2 = r->mean[HS_MICRO_SMALL].pvd_mm_mm2;
  r->ppsv_pct = r->mean[HS_MICRO_SMALL].ppv_pct;
  r->vis = in->has_doses ? hs_vis(in->doses) : NAN;
  r->few_sites = r->nusable < HS_MICRO_MIN_SITES;

  /* reference values */
  for (size_t k = 0; k < hs_micro_reference_count() && k < HS_MICRO_MAX_REFERENCES; k++) {
    const hs_micro_reference *ref = &REFS[k];
    int crossed = 1;
    for (int c = 0; c < ref->nconds; c++) {
      double v = hs_micro_quantity_value(r, ref->cond[c].q);
      if (!isfinite(v)) {
        crossed = -1;
        break;
      }
      if (!(ref->cond[c].below ? v < ref->cond[c].limit : v > ref->cond[c].limit)) crossed = 0;
    }
    r->crossed[k] = crossed;
  }

  /* this time point against the schedule */
  hs_micro_timepoint tp = {in->time_point, in->hours_since_ecmo, "", NULL, 0};
  hs_micro_schedule_check(&tp, 1, t4_tol, &r->schedule, NULL);

  /* warnings, most important first */
  if (r->few_sites)
    warn(r,
         "only %zu usable site(s) of %zu: the consensus requires at least %d (%d recommended); "
         "summary values are not reliable",
         r->nusable, r->nsites, HS_MICRO_MIN_SITES, HS_MICRO_RECOMMENDED_SITES);
  else if (r->nsites < HS_MICRO_RECOMMENDED_SITES)
    warn(r, "%zu sites recorded: the consensus recommends %d", r->nsites,
         HS_MICRO_RECOMMENDED_SITES);
  for (size_t i = 0; i < in->nsites; i++) {
    if (!r->site[i].usable)
      warn(r, "%s excluded: %s", r->site[i].name, r->site[i].reason);
    else if (!in->sites[i].has_quality)
      warn(r, "%s: image quality not scored (Massey); included unchecked", r->site[i].name);
  }
  if (cut != file_cut && presplit)
    warn(r,
         "small-vessel cut-off %g um applies to vessel records only: length_mm and crossings "
         "were split at %g um by the analyst",
         cut, file_cut);
  if (nmfi && !isfinite(r->heterogeneity_index))
    warn(r, "heterogeneity index undefined: every usable site has MFI 0");
  if (r->schedule.status == HS_SCHED_OUTSIDE) warn(r, "schedule: %s", r->schedule.note);
  return HS_OK;
}
