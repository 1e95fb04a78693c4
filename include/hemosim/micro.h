/*
 * hemosim/micro.h - sublingual microcirculation analysis of one time point
 * (docs/microcirculation.md).
 *
 * Definitions follow the second consensus on the assessment of sublingual
 * microcirculation (Ince et al., Intensive Care Med 2018;44:281) and the 2007
 * round-table report (De Backer et al., Crit Care 11:R101):
 *
 *   TVD  = vessel length / field area                           mm/mm2
 *   PPV  = 100 (total - (no flow + intermittent)) / total        %  (by length)
 *   PVD  = TVD x PPV / 100  (= perfused length / field area)     mm/mm2
 *   De Backer score = vessels crossing the 3 + 3 grid lines / line length   1/mm
 *   MFI  = mean over the 4 quadrants of the predominant flow class, then over sites
 *   HI   = (max site MFI - min site MFI) / mean site MFI
 *   PSVD, PPSV = PVD and PPV of small vessels (< cut-off, default 20 um)
 *
 * Flow classes: 0 none, 1 intermittent, 2 sluggish, 3 continuous; "perfused" is
 * sluggish + continuous.  A clip with any Massey image-quality category (Massey
 * et al., J Crit Care 2013;28:913) scored 10 is rejected; fewer than 3 usable
 * sites is flagged, not an error.  The measurement schedule check follows the
 * microcirculation-guided VA-ECMO trial (NCT03470792; Chen, Yeh et al., Asian J
 * Surg 2023;46:3549).
 *
 * Everything here is a pure function of its arguments: structs in, results out.
 * Nothing prints; failures return a status and fill the optional hs_err.
 */
#ifndef HEMOSIM_MICRO_H
#define HEMOSIM_MICRO_H

#include <stddef.h>

#include "hemosim/drugs.h"
#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_MICRO_MAX_SITES 32
#define HS_MICRO_NAME_MAX 64
#define HS_MICRO_MIN_SITES 3         /* usable sites the consensus requires */
#define HS_MICRO_RECOMMENDED_SITES 5 /* sites the consensus recommends recording */
#define HS_MICRO_DEFAULT_CUTOFF_UM 20.0
/* CytoCam-IDF field of view 1.55 mm x 1.16 mm (Gilbert-Kawai et al., BMC Med
   Imaging 2016;16:10); the De Backer grid is 3 horizontal + 3 vertical lines
   spanning the field: 3 x 1.55 + 3 x 1.16 = 8.13 mm. */
#define HS_MICRO_DEFAULT_FIELD_AREA_MM2 (1.55 * 1.16)
#define HS_MICRO_DEFAULT_GRID_LENGTH_MM (3 * 1.55 + 3 * 1.16)
/* Half-width of the T4 window around 72 h (a project choice: the protocol gives
   one time; 8 h is the half-width of its T2 and T3 windows). */
#define HS_MICRO_DEFAULT_T4_TOLERANCE_H 8.0
#define HS_MICRO_MAX_WARNINGS 24
#define HS_MICRO_WARNING_MAX 256
#define HS_MICRO_MAX_REFERENCES 16
/* Input limits (inclusive; lengths, counts and diameters also >= 0 / > 0). */
#define HS_MICRO_MAX_LENGTH_MM 1000.0     /* per flow class, group and site; per vessel */
#define HS_MICRO_MAX_CROSSINGS 100000     /* per flow class, group and site */
#define HS_MICRO_MAX_FIELD_AREA_MM2 100.0
#define HS_MICRO_MAX_GRID_LENGTH_MM 1000.0
#define HS_MICRO_MAX_DIAMETER_UM 1000.0
#define HS_MICRO_MAX_CUTOFF_UM 100.0
#define HS_MICRO_MAX_HOURS 10000.0
#define HS_MICRO_MAX_TIMEPOINTS 64

enum hs_micro_flow {
  HS_FLOW_NONE,
  HS_FLOW_INTERMITTENT,
  HS_FLOW_SLUGGISH,
  HS_FLOW_CONTINUOUS,
  HS_FLOW_CLASSES
};
/* Vessel groups: small (< cut-off), large (>= cut-off), all. */
enum hs_micro_group { HS_MICRO_SMALL, HS_MICRO_LARGE, HS_MICRO_ALL, HS_MICRO_GROUPS };
enum hs_massey {
  HS_MASSEY_ILLUMINATION,
  HS_MASSEY_DURATION,
  HS_MASSEY_FOCUS,
  HS_MASSEY_CONTENT,
  HS_MASSEY_STABILITY,
  HS_MASSEY_PRESSURE,
  HS_MASSEY_COUNT
};

const char *hs_micro_flow_name(int flow_class);   /* "none" ... "continuous"; "?" */
const char *hs_micro_group_name(int group);       /* "small", "large", "all" */
const char *hs_micro_massey_name(int category);   /* "illumination" ... "pressure" */

/* One vessel segment traced in a clip (AVA-style vessel record). */
typedef struct hs_micro_vessel {
  double diameter_um; /* > 0; small when < the cut-off */
  double length_mm;   /* >= 0 */
  int flow;           /* enum hs_micro_flow */
} hs_micro_vessel;

/* One recording site (one clip).  Each measurement is optional per site, but a
   measurement given at one site must be given at every site. */
typedef struct hs_micro_site {
  char name[HS_MICRO_NAME_MAX];
  double field_area_mm2; /* > 0 */
  double grid_length_mm; /* > 0: total length of the De Backer grid lines */
  /* vessel length, either already split (length_mm) or as vessel records */
  int has_lengths;
  double length_mm[2][HS_FLOW_CLASSES]; /* [HS_MICRO_SMALL or LARGE][flow class] */
  int has_vessels;
  const hs_micro_vessel *vessels;
  size_t nvessels;
  /* De Backer grid-line crossings (counts) */
  int has_crossings;
  int crossings[2][HS_FLOW_CLASSES];
  /* predominant flow class per quadrant, for the MFI */
  int has_quadrants;
  int quadrant[4];
  /* Massey image-quality score, each category 0, 1 or 10 */
  int has_quality;
  int quality[HS_MASSEY_COUNT];
} hs_micro_site;

/* One time point of one patient.  Unknown numbers are NaN, unknown labels 0. */
typedef struct hs_micro_input {
  char patient[HS_MICRO_NAME_MAX];
  int time_point;          /* 1..4 for T1..T4, 0 = not given */
  double hours_since_ecmo; /* hours since VA-ECMO placement, NaN = not given */
  double ecmo_flow_lpm;    /* NaN = not given */
  double fluid_balance_ml; /* intake - output since the previous time point, NaN = not given */
  int has_doses;
  double doses[HS_DRUG_COUNT]; /* ug/kg/min (vasopressin U/kg/min), for the VIS */
  double small_cutoff_um;      /* cut-off the pre-split data (length_mm, crossings) used */
  hs_micro_site *sites;
  size_t nsites; /* 1..HS_MICRO_MAX_SITES */
} hs_micro_input;

typedef struct hs_micro_options {
  double small_cutoff_um;  /* cut-off for vessel records; 0 = the input's */
  double t4_tolerance_h;   /* 0 = HS_MICRO_DEFAULT_T4_TOLERANCE_H */
} hs_micro_options;

/* Values of one vessel group at one site, or their mean over usable sites.
   NaN where a measurement is absent or undefined (PPV of zero vessels). */
typedef struct hs_micro_values {
  double length_mm;       /* traced length (site); mean over sites (summary) */
  double tvd_mm_mm2;      /* total vessel density */
  double ppv_pct;         /* proportion of perfused vessels, by length */
  double pvd_mm_mm2;      /* perfused vessel density */
  double crossings;       /* grid-line crossings (site); mean over sites (summary) */
  double de_backer_per_mm;     /* De Backer score */
  double ppv_crossings_pct;    /* PPV by crossings (De Backer 2007) */
  double pvd_crossings_per_mm; /* perfused crossings / line length */
  double no_flow_pct;          /* 100 x no-flow length / total length (%) */
} hs_micro_values;

typedef struct hs_micro_site_result {
  char name[HS_MICRO_NAME_MAX];
  int usable;           /* 0: excluded from the summary (see reason) */
  char reason[160];     /* why excluded, e.g. "Massey focus = 10" */
  int massey_total;     /* sum of the 6 categories; -1 when not scored */
  hs_micro_values v[HS_MICRO_GROUPS];
  double mfi;           /* NaN without quadrants */
} hs_micro_site_result;

/* Schedule windows (NCT03470792): T1 within 18 h of placement, T2 6-22 h and T3
   28-44 h after T1, T4 at 72 h after placement (+- tolerance). */
enum hs_micro_sched_status {
  HS_SCHED_OK,        /* inside its window */
  HS_SCHED_OUTSIDE,   /* outside its window */
  HS_SCHED_UNCHECKED, /* no label or time, or T2/T3 without a T1 time */
  HS_SCHED_DUPLICATE  /* a second measurement with the same label */
};
const char *hs_micro_sched_status_name(int status); /* "ok", "outside", ... */

typedef struct hs_micro_timepoint {
  int label;               /* 1..4; 0 = none */
  double hours_since_ecmo; /* NaN = unknown */
  char patient[HS_MICRO_NAME_MAX]; /* "" = not given */
  const char *source;      /* file it came from (not owned; may be NULL) */
  int line;                /* line in that file (0 = unknown) */
} hs_micro_timepoint;

typedef struct hs_micro_window {
  int label;
  double hours_since_ecmo;
  double hours_after_t1; /* NaN unless measured from T1 */
  int relative_to_t1;    /* the window is measured from T1 (T2, T3) */
  double lo_h, hi_h;     /* inclusive window, in the frame above */
  int status;            /* enum hs_micro_sched_status */
  char note[160];
} hs_micro_window;

/* Check n time points of one patient against the trial windows; out[i]
   describes tp[i].  t4_tolerance_h <= 0 uses the default.  Fails on bad
   arguments and on time points of different patients (HS_ERR_INVALID). */
hs_status hs_micro_schedule_check(const hs_micro_timepoint *tp, size_t n, double t4_tolerance_h,
                                  hs_micro_window *out, hs_err *err);

/* A published reference value the summary is compared with. */
typedef enum hs_micro_quantity {
  HS_MQ_SMALL_TVD, /* small-vessel TVD, mm/mm2 */
  HS_MQ_PSVD,      /* small-vessel PVD, mm/mm2 */
  HS_MQ_PPSV,      /* small-vessel PPV, % (by length; by crossings when no lengths) */
  HS_MQ_PPV,       /* all-vessel PPV, % (same fallback) */
  HS_MQ_MFI
} hs_micro_quantity;

typedef struct hs_micro_reference {
  const char *id;      /* "yeh2018_psvd" */
  int nconds;          /* crossed when every condition holds */
  struct {
    hs_micro_quantity q;
    int below;         /* 1: value < limit; 0: value > limit */
    double limit;
  } cond[2];
  const char *meaning; /* one line for reports */
  const char *source;
} hs_micro_reference;

const char *hs_micro_quantity_name(hs_micro_quantity q); /* "PSVD", "small TVD", ... */

size_t hs_micro_reference_count(void);
const hs_micro_reference *hs_micro_reference_at(size_t i);

typedef struct hs_micro_result {
  double small_cutoff_um; /* cut-off used for vessel records */
  size_t nsites, nusable;
  hs_micro_site_result site[HS_MICRO_MAX_SITES];
  /* summary: mean over usable sites */
  hs_micro_values mean[HS_MICRO_GROUPS];
  double mfi, mfi_min, mfi_max, heterogeneity_index;
  double psvd_mm_mm2, ppsv_pct; /* = mean[SMALL].pvd_mm_mm2 and .ppv_pct */
  double vis;                   /* vasoactive-inotropic score (hs_vis), NaN without doses */
  int few_sites;                /* nusable < HS_MICRO_MIN_SITES */
  /* reference comparison: per hs_micro_reference_at(i): 1 crossed, 0 not, -1 not evaluable */
  int crossed[HS_MICRO_MAX_REFERENCES];
  /* schedule check of this single time point (T2/T3 need T1: unchecked) */
  hs_micro_window schedule;
  size_t nwarnings;
  char warning[HS_MICRO_MAX_WARNINGS][HS_MICRO_WARNING_MAX];
} hs_micro_result;

/* Value of a reference quantity in a result's summary (NaN when undefined). */
double hs_micro_quantity_value(const hs_micro_result *r, hs_micro_quantity q);

/* ---- building blocks (also for models that produce vessel lengths) ---------- */
/* Values of one group: lengths and crossings by flow class (either may be NULL). */
void hs_micro_values_of(const double length_mm[HS_FLOW_CLASSES], double field_area_mm2,
                        const int crossings[HS_FLOW_CLASSES], double grid_length_mm,
                        hs_micro_values *out);
/* 100 x perfused / total; NaN when the total is 0.  Always within [0, 100]. */
double hs_micro_ppv(const double by_class[HS_FLOW_CLASSES]);
/* Mean of four quadrant classes (each 0..3): within [0, 3]. */
double hs_micro_mfi(const int quadrant[4]);
/* (max - min) / mean of n site MFIs; NaN when n == 0 or the mean is 0. */
double hs_micro_heterogeneity(const double *mfi, size_t n);
/* Sum of the six categories; 1 when acceptable (no category 10), else 0 and
   reason names the first failing category (reason may be NULL). */
int hs_micro_massey_ok(const int quality[HS_MASSEY_COUNT], int *total, char *reason,
                       size_t reason_size);

/* ---- the analysis ------------------------------------------------------------ */
/* Validate in (ranges, consistency across sites) and compute every value.
   opt may be NULL (defaults).  Fails with HS_ERR_RANGE / HS_ERR_INVALID on bad
   input (message names the site and field), never on poor data quality. */
hs_status hs_micro_analyze(const hs_micro_input *in, const hs_micro_options *opt,
                           hs_micro_result *out, hs_err *err);

/* ---- files (YAML or JSON, `hemosim_micro: 1`) --------------------------------- */
/* Load one time point.  Every error names file:line:col, the field, the value and
   the allowed range.  Caller frees with hs_micro_input_free(). */
hs_status hs_micro_load_file(const char *path, hs_micro_input **out, hs_err *err);
hs_status hs_micro_load_string(const char *name, const char *text, size_t len,
                               hs_micro_input **out, hs_err *err);
void hs_micro_input_free(hs_micro_input *in); /* only for loaded inputs; NULL is a no-op */

/* Time points for the schedule check, appended to tp[*n .. cap): a measurement
   file gives its own (time_point and hours_since_ecmo required); a schedule file
   (`time_points:` list) gives its list. */
hs_status hs_micro_timepoints_load_file(const char *path, hs_micro_timepoint *tp, size_t cap,
                                        size_t *n, hs_err *err);

/* JSON documents (schemas hemosim-micro/1 and hemosim-micro-schedule/1, see
   docs/microcirculation.md); source names the input file (may be NULL).  Caller frees. */
char *hs_micro_json(const hs_micro_input *in, const hs_micro_result *r, const char *source,
                    hs_err *err);
char *hs_micro_schedule_json(const hs_micro_timepoint *tp, const hs_micro_window *w, size_t n,
                             double t4_tolerance_h, hs_err *err);
/* The text report `hemosim micro analyze` prints (file: the name shown; per-site tables,
   summary with reference values crossed, warnings; src/io/micro_text.c).  Caller frees;
   NULL with err set on failure. */
char *hs_micro_report_text(const char *file, const hs_micro_input *in, const hs_micro_result *r,
                           hs_err *err);
/* The schedule table `hemosim micro schedule` prints (each time point's window status,
   missing T1-T4, the number flagged).  Caller frees. */
char *hs_micro_schedule_text(const hs_micro_timepoint *tp, const hs_micro_window *w, size_t n,
                             double t4_tolerance_h, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
