/*
 * hemosim/stroke.h - bedside calculators for no-reflow after thrombectomy
 * (issues #7, #17):
 *
 *   mCIS           DSA modified capillary index score of the MCA territory
 *   reperfusion    reduction of the CT-perfusion Tmax > 6 s lesion volume
 *   perfusion      relative CBF / CBV (to the contralateral side) as hypo-,
 *                  normo- or hyperperfusion
 *   TCD            Gosling pulsatility index and side-to-side asymmetry
 *   dose           adjunct regimens (intra-arterial alteplase, tenecteplase,
 *                  urokinase; intravenous tirofiban, methylprednisolone)
 *
 * Pure functions: nothing here prints, exits, allocates or keeps state.  Every
 * input is checked; a rejected input returns HS_ERR_RANGE (a value outside its
 * allowed range), HS_ERR_INVALID (malformed, missing or inconsistent input) or
 * HS_ERR_UNKNOWN (unknown regimen), with a message that names the value and the
 * allowed range, e.g. "region 2: score 3 is out of range [0, 2]".  On failure
 * the output is left untouched.  Definitions, cut-offs and their sources:
 * docs/stroke_calculators.md.
 */
#ifndef HEMOSIM_STROKE_H
#define HEMOSIM_STROKE_H

#include <stddef.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- modified capillary index score (DSA, after thrombectomy) ---------------
 * The MCA territory is scored in 3 regions: 2 = normal capillary filling
 * without delay, 1 = capillary blush delayed > 1 s with cortical veins visible,
 * 0 = no capillary blush.  Total 0-6; total <= 3 = no-reflow (Nicolini et al.
 * 2023). */
#define HS_MCIS_REGIONS 3
#define HS_MCIS_SCORE_MAX 2
#define HS_MCIS_TOTAL_MAX 6
#define HS_MCIS_NO_REFLOW_MAX 3 /* total <= 3: no-reflow */

typedef struct hs_mcis_result {
  int scores[HS_MCIS_REGIONS];
  int total;     /* 0-6 */
  int no_reflow; /* 1 when total <= HS_MCIS_NO_REFLOW_MAX */
} hs_mcis_result;

/* Score n region scores (n must be 3, each 0-2). */
hs_status hs_stroke_mcis(const int *scores, size_t n, hs_mcis_result *out, hs_err *err);
/* Parse one region score ("0", "1" or "2"; blanks allowed around it); region
   (1-3) is used in messages: "region 2: \"x\" is not a whole-number score ...". */
hs_status hs_stroke_mcis_score_parse(const char *text, int region, int *score, hs_err *err);
/* Parse and score a comma-separated list of exactly 3 scores, e.g. "2,1,0". */
hs_status hs_stroke_mcis_parse(const char *text, hs_mcis_result *out, hs_err *err);
/* What a region score means ("no capillary blush", ...); NULL out of range. */
const char *hs_mcis_score_meaning(int score);

/* ---- tissue reperfusion on CT perfusion -------------------------------------
 * Tissue optimal reperfusion = a reduction of the Tmax > 6 s lesion volume from
 * baseline of MORE than 90 %.  A reduction of exactly 90 % (to within 1e-9
 * percentage points, so that decimal inputs such as 7 and 0.7 mL are not split
 * by binary rounding) is not reperfusion.  A follow-up larger than the baseline
 * is valid: the reduction is negative.  Volumes in mL, in [0, 2000] (a larger
 * value exceeds a whole brain and is a unit error); the baseline must be > 0. */
#define HS_REPERFUSION_MIN_REDUCTION_PCT 90.0
#define HS_LESION_VOLUME_MAX_ML 2000.0

typedef struct hs_reperfusion_result {
  double baseline_ml, followup_ml;
  double reduction_ml;  /* baseline - follow-up (negative when the lesion grew) */
  double reduction_pct; /* 100 * (baseline - follow-up) / baseline */
  int reperfused;       /* reduction_pct > 90 */
} hs_reperfusion_result;

hs_status hs_stroke_reperfusion(double baseline_ml, double followup_ml,
                                hs_reperfusion_result *out, hs_err *err);

/* ---- relative perfusion classes ------------------------------------------------
 * A relative value is the ratio of the affected region to the mirror region of
 * the contralateral hemisphere (1 = symmetric), in [0, 10].  Classes:
 * value < hypo_below = hypoperfusion, value > hyper_above = hyperperfusion,
 * otherwise normoperfusion.  No consensus cut-off exists; the defaults (a +-10 %
 * band around symmetry) are a documented choice, not a published standard.
 * Cut-offs must satisfy 0 < hypo_below <= 1 <= hyper_above <= 10. */
#define HS_PERF_HYPO_BELOW_DEFAULT 0.9
#define HS_PERF_HYPER_ABOVE_DEFAULT 1.1
#define HS_PERF_REL_MAX 10.0

typedef enum hs_perf_class {
  HS_PERF_HYPO = -1,
  HS_PERF_NORMO = 0,
  HS_PERF_HYPER = 1
} hs_perf_class;

typedef struct hs_perf_cutoffs {
  double hypo_below;  /* relative value below this: hypoperfusion */
  double hyper_above; /* relative value above this: hyperperfusion */
} hs_perf_cutoffs;

/* The defaults above. */
hs_perf_cutoffs hs_perf_cutoffs_default(void);
/* Check cut-offs; what ("CBF", "CBV") prefixes messages. */
hs_status hs_perf_cutoffs_check(const char *what, const hs_perf_cutoffs *c, hs_err *err);
/* Classify one relative value; cutoffs NULL = defaults. */
hs_status hs_stroke_perfusion_class(const char *what, double rel, const hs_perf_cutoffs *c,
                                    hs_perf_class *out, hs_err *err);
/* "hypoperfusion", "normoperfusion", "hyperperfusion". */
const char *hs_perf_class_name(hs_perf_class c);

/* ---- transcranial Doppler pulsatility index ----------------------------------
 * Gosling PI = (PSV - EDV) / mean velocity.  Velocities in cm/s with
 * |v| <= 500; the mean must be > 0; EDV <= PSV; EDV <= mean <= PSV (a time
 * average lies between the end-diastolic and the peak velocity).  EDV may be
 * negative (diastolic flow reversal).  PI is "raised" when PI > pi_raised_above
 * (default 1.04: the best cut-off of the affected-side MCA PI within 24 h after
 * full recanalisation for a very poor 3-month outcome, Zhao W et al. CNS
 * Neurosci Ther 2022;28:1568); with the contralateral side, the difference and
 * ratio of the two PIs are reported and the pair is "asymmetric" when the affected
 * PI exceeds the contralateral one by more than the ratio asym_ratio_above
 * (default 1.2: the 95 % limit of the normal left-right PI difference, 0.16 in 44
 * volunteers, Schmidt et al. 2003 J Neuroimaging 13:248, over a normal MCA PI of
 * ~0.8);
 * when the contralateral PI is 0 the ratio is undefined (NAN) and any positive
 * affected PI counts as asymmetric.  A PI or ratio within 1e-9 of its threshold
 * counts as equal to it (not above). */
#define HS_TCD_VELOCITY_MAX 500.0
#define HS_TCD_PI_RAISED_DEFAULT 1.04
#define HS_TCD_ASYM_RATIO_DEFAULT 1.2
#define HS_TCD_LIMIT_MAX 10.0

typedef struct hs_tcd_side {
  double psv_cms;  /* peak systolic velocity */
  double edv_cms;  /* end-diastolic velocity */
  double mean_cms; /* time-averaged mean velocity */
} hs_tcd_side;

typedef struct hs_tcd_limits {
  double pi_raised_above;  /* in (0, 10] */
  double asym_ratio_above; /* in [1, 10] */
} hs_tcd_limits;

typedef struct hs_tcd_result {
  double pi;        /* affected side */
  int pi_raised;    /* pi > pi_raised_above */
  int has_contra;   /* the fields below are set only when 1 */
  double pi_contra;
  int contra_raised;
  double pi_diff;  /* pi - pi_contra */
  double pi_ratio; /* pi / pi_contra; NAN when pi_contra == 0 */
  int asymmetric;  /* pi_ratio > asym_ratio_above */
} hs_tcd_result;

hs_tcd_limits hs_tcd_limits_default(void);
hs_status hs_tcd_limits_check(const hs_tcd_limits *lim, hs_err *err);
/* PI of one side; side ("affected side") prefixes messages. */
hs_status hs_stroke_pi(const char *side, const hs_tcd_side *v, double *pi, hs_err *err);
/* Affected side with optional contralateral side (NULL); lim NULL = defaults. */
hs_status hs_stroke_tcd(const hs_tcd_side *affected, const hs_tcd_side *contra,
                        const hs_tcd_limits *lim, hs_tcd_result *out, hs_err *err);

/* ---- adjunct dose regimens ------------------------------------------------------
 * Each regimen is a table entry with one or two phases.  A phase's amount per
 * administration is per_kg x weight (capped at cap when cap > 0), per_kg_min x
 * weight x duration (continuous infusion), or a fixed amount; it is given count
 * times (3 daily doses of methylprednisolone).  Amounts are in the regimen's
 * unit (mg, ug or U), concentrations in that unit per mL.  Weight must be in
 * [20, 250] kg; it is required for weight-based regimens and optional for a
 * fixed dose.  Concentration > 0 (default: the regimen's documented one).  An
 * administration time may be chosen within the studied range (any time in
 * (0 s, 24 h] when the sources give none); fixed phase durations (tirofiban)
 * cannot be changed. */
#define HS_STROKE_WEIGHT_MIN_KG 20.0
#define HS_STROKE_WEIGHT_MAX_KG 250.0
#define HS_STROKE_MAX_PHASES 2

typedef enum hs_dose_unit { HS_DOSE_MG = 0, HS_DOSE_UG = 1, HS_DOSE_U = 2 } hs_dose_unit;

typedef struct hs_stroke_phase_spec {
  const char *label;   /* "intra-arterial infusion", "loading infusion", ... */
  double per_kg;       /* amount per kg per administration, 0 if not weight-based */
  double per_kg_min;   /* continuous dose rate per kg per minute, 0 if not */
  double fixed;        /* fixed amount per administration, 0 if not */
  double cap;          /* maximum amount per administration, 0 = none */
  double dur_min_s;    /* studied administration time: [dur_min_s, dur_max_s]; */
  double dur_max_s;    /*   equal = fixed; both 0 = not given by the sources */
  int count;           /* administrations (>= 1) */
  const char *every;   /* interval between administrations ("24 h") or NULL */
} hs_stroke_phase_spec;

typedef struct hs_stroke_regimen {
  const char *name;        /* CLI name, e.g. "ia-alteplase" */
  const char *drug;        /* "alteplase" */
  const char *route;       /* "intra-arterial", "intravenous" */
  const char *summary;     /* "0.225 mg/kg (max 22.5 mg) over 15-30 min" */
  const char *source;      /* where the regimen comes from */
  hs_dose_unit unit;       /* unit of amounts */
  double conc_default;     /* unit per mL */
  const char *conc_source; /* why that concentration */
  const char *note;        /* caveat to show with every result, or NULL */
  int nphases;
  hs_stroke_phase_spec phase[HS_STROKE_MAX_PHASES];
} hs_stroke_regimen;

size_t hs_stroke_regimen_count(void);
const hs_stroke_regimen *hs_stroke_regimen_at(size_t i); /* NULL past the end */
const hs_stroke_regimen *hs_stroke_regimen_find(const char *name); /* NULL if unknown */
/* "mg", "ug", "U" and "mg/mL", "ug/mL", "U/mL". */
const char *hs_dose_unit_name(hs_dose_unit u);
const char *hs_dose_conc_unit_name(hs_dose_unit u);
/* Is the regimen dosed by weight (some phase has per_kg or per_kg_min)? */
int hs_stroke_regimen_weight_based(const hs_stroke_regimen *r);

/*
 * Parse a concentration "<number> <unit>" into unit-per-mL of u.  A unit is
 * required (a bare number is ambiguous by a factor of 1000); mass units (mg/mL,
 * ug/mL, mcg/mL, µg/mL, mg/L, g/L) need a mass-dosed regimen, U/mL or IU/mL a
 * unit-dosed one.  Positivity is checked by hs_stroke_dose_calc.
 */
hs_status hs_stroke_conc_parse(const char *text, hs_dose_unit u, double *out, hs_err *err);

typedef struct hs_stroke_dose_req {
  int has_weight;
  double weight_kg;
  int has_conc;
  double conc; /* regimen unit per mL */
  int has_duration;
  double duration_s; /* administration time of a single-phase regimen */
} hs_stroke_dose_req;

typedef struct hs_stroke_phase_dose {
  const hs_stroke_phase_spec *spec;
  double amount_calc;  /* per administration, before the cap */
  double amount;       /* per administration, after the cap */
  int cap_binds;       /* amount_calc > cap (the cap was applied) */
  double cap_weight_kg; /* weight above which the cap binds (0 = no cap or not weight-based) */
  double per_kg_given; /* amount / weight (NAN without a weight) */
  double volume_ml;    /* per administration */
  double dur_lo_s, dur_hi_s; /* administration time (a range or one value); 0 = not given */
  double rate_fast_mlh; /* pump rate over dur_lo_s; NAN when no time is known */
  double rate_slow_mlh; /* pump rate over dur_hi_s; NAN when no time is known */
  int count;
  double total_amount; /* count x amount */
  double total_volume_ml;
} hs_stroke_phase_dose;

typedef struct hs_stroke_dose {
  const hs_stroke_regimen *regimen;
  int has_weight;
  double weight_kg;
  double conc;         /* unit per mL */
  int conc_is_default;
  int nphases;
  hs_stroke_phase_dose phase[HS_STROKE_MAX_PHASES];
  double total_amount; /* whole regimen, regimen unit */
  double total_volume_ml;
} hs_stroke_dose;

hs_status hs_stroke_dose_calc(const char *regimen, const hs_stroke_dose_req *req,
                              hs_stroke_dose *out, hs_err *err);

/* ---- reperfusion grade: eTICI (and mTICI) -------------------------------------
 * Expanded Thrombolysis in Cerebral Infarction (eTICI; Liebeskind et al., J
 * Neurointerv Surg 2019;11:433-438), the share of the target territory
 * reperfused on the final angiogram:
 *   0     no reperfusion (0 %)            2b50  50-66 %
 *   1     thrombus reduced, no distal     2b67  67-89 %
 *         reperfusion (0 %)               2c    90-99 %
 *   2a    1-49 %                          3     100 %
 * The model's territory fraction reperfused f of a grade is the midpoint of its
 * range (0, 0, 0.25, 0.58, 0.78, 0.945, 1); the grade of a fraction uses the
 * half-open bands [0.01, 0.50) 2a, [0.50, 0.67) 2b50, [0.67, 0.90) 2b67,
 * [0.90, 1) 2c, 1 -> 3 (f < 0.01 -> 0; 0 and 1 cannot be told apart by a
 * fraction).  mTICI (Zaidat et al., Stroke 2013;44:2650) is accepted as
 * "mTICI 2b" and mapped explicitly: 0, 1, 2a, 2c and 3 to the eTICI grade of the
 * same name; mTICI 2b (>= 50 %, not split) to eTICI 2b50 for eligibility (the
 * lowest grade it may be, so that a criterion of 2b67 or 2c is never met by an
 * unsplit 2b) and to the fraction 0.695 (midpoint of 50-89 %).
 * docs/stroke_calculators.md "etici". */
typedef enum hs_etici {
  HS_ETICI_NONE = -1, /* no thrombectomy (no grade) */
  HS_ETICI_0 = 0,
  HS_ETICI_1,
  HS_ETICI_2A,
  HS_ETICI_2B50,
  HS_ETICI_2B67,
  HS_ETICI_2C,
  HS_ETICI_3,
  HS_ETICI_COUNT
} hs_etici;

typedef struct hs_reperfusion_grade {
  hs_etici etici;      /* the eTICI grade (mTICI mapped) */
  int from_mtici;      /* 1: given as mTICI */
  char mtici[4];       /* the mTICI grade as given ("2b"), "" otherwise */
  double fraction;     /* model territory fraction reperfused */
  double range_lo_pct; /* reperfused share of the territory the grade covers, % */
  double range_hi_pct;
} hs_reperfusion_grade;

/* "0", "1", "2a", "2b50", "2b67", "2c", "3"; NULL for others (NONE: "none"). */
const char *hs_etici_name(hs_etici g);
/* What the grade means ("reperfusion of 67-89 % of the territory"). */
const char *hs_etici_meaning(hs_etici g);
/* Parse "2b67", "eTICI 2b67", "2B67", "mTICI 2b", "mtici:2b", "none" (no
   thrombectomy).  A bare "2b" is ambiguous and refused with a hint (write 2b50,
   2b67 or mTICI 2b). */
hs_status hs_reperfusion_grade_parse(const char *text, hs_reperfusion_grade *out, hs_err *err);
/* The grade of an eTICI value (fraction and range). */
hs_status hs_etici_grade(hs_etici g, hs_reperfusion_grade *out, hs_err *err);
/* The eTICI grade of a model fraction f in [0, 1]. */
hs_status hs_etici_from_fraction(double f, hs_reperfusion_grade *out, hs_err *err);

/* ---- eligibility for the adjunct regimens --------------------------------------
 * Each trial (or DATE dose tier) is a table entry: its regimen, population rules
 * and result.  hs_stroke_eligibility() checks the patient against every entry in
 * a fixed order (territory, thrombectomy, eTICI, time since onset, prior IV
 * thrombolysis, time since IV thrombolysis, cardioembolic source, dose tier
 * stopped) and reports the first rule that excludes, or that every rule is met;
 * a rule that needs an input the caller did not give makes the answer "unknown"
 * (naming the input).  Time windows are inclusive at both ends ("within 24 h"
 * includes 24 h 0 s).  The trials, rules and results with their primary
 * publications: docs/stroke_calculators.md "eligibility". */
typedef enum hs_territory {
  HS_TERRITORY_UNKNOWN = -1,
  HS_TERRITORY_ANTERIOR = 0, /* carotid: ICA, MCA, ACA */
  HS_TERRITORY_POSTERIOR = 1 /* vertebrobasilar: V4, basilar, PCA */
} hs_territory;

typedef enum hs_trial_result {
  HS_TRIAL_POSITIVE = 0, /* primary outcome met */
  HS_TRIAL_NEUTRAL,      /* primary outcome not met */
  HS_TRIAL_HARM,         /* a harm signal (DATE 0.125 mg/kg tier) */
  HS_TRIAL_NOT_GIVEN     /* a planned tier never given (DATE 0.1875 mg/kg) */
} hs_trial_result;

typedef enum hs_elig_status { HS_ELIG_NO = 0, HS_ELIG_YES = 1, HS_ELIG_UNKNOWN = 2 } hs_elig_status;

typedef struct hs_stroke_indication {
  const char *id;         /* "choice", "date-0.1875", ... */
  const char *trial;      /* "CHOICE", "DATE (0.1875 mg/kg tier)" */
  const char *regimen;    /* name in the dose table */
  const char *population; /* inclusion summary */
  double onset_min_s;     /* time since onset window [min, max] at treatment; */
  double onset_max_s;     /*   max 0 = no window */
  int evt;                /* 1 after thrombectomy only, -1 thrombectomy excluded, 0 either */
  hs_etici etici_min;     /* reperfusion required (HS_ETICI_NONE = no criterion) */
  int territory;          /* hs_territory required, HS_TERRITORY_UNKNOWN = not a criterion */
  int ivt;                /* 1 after IV thrombolysis only, -1 excluded, 0 either */
  double ivt_onset_max_s; /* IV thrombolysis given within this time of onset (0 = none) */
  double after_ivt_max_s; /* start within this time after IV thrombolysis (0 = none) */
  int non_cardioembolic;  /* 1: a cardioembolic source excludes */
  const char *stopped;    /* why this dose tier was not carried forward, or NULL */
  hs_trial_result result;
  const char *outcome;  /* the numbers behind the result */
  const char *citation; /* primary publication */
  const char *note;     /* what the rules here do not check, or NULL */
  int nihss_min, nihss_max; /* NIHSS inclusion range (both 0: no NIHSS rule; max 0: none) */
  int age_min, age_max;     /* age inclusion range in years (both 0: no age rule) */
  const char *unchecked;    /* trial criteria no input here covers (occlusion site), or NULL:
                               an "eligible" row says they were not checked */
} hs_stroke_indication;

size_t hs_stroke_indication_count(void);
const hs_stroke_indication *hs_stroke_indication_at(size_t i);
const char *hs_trial_result_name(hs_trial_result r); /* "positive", "neutral", "harm signal", "not given" */

typedef struct hs_stroke_patient {
  double onset_s;       /* time since onset / last known well, now; in (0, 7 days] */
  int ivt;              /* IV thrombolysis given: 1 yes, 0 no, -1 unknown */
  double ivt_ago_s;     /* time since IV thrombolysis (bolus), when ivt == 1; NAN unknown */
  hs_reperfusion_grade grade; /* grade.etici HS_ETICI_NONE: no thrombectomy */
  int has_grade;        /* 0: thrombectomy status unknown */
  hs_territory territory;
  int cardioembolic;    /* 1 yes, 0 no, -1 unknown */
  int has_weight;
  double weight_kg;
  int has_nihss;        /* 0: NIHSS unknown (NIHSS rules answer "unknown") */
  int nihss;            /* NIH Stroke Scale now, 0-42 */
  int has_age;          /* 0: age unknown */
  int age_years;        /* 0-120 */
} hs_stroke_patient;

#define HS_NIHSS_MAX 42      /* highest NIH Stroke Scale score (Brott et al., Stroke 1989;20:864) */
#define HS_AGE_MAX_YEARS 120
/* A patient with every field unknown (onset NAN). */
hs_stroke_patient hs_stroke_patient_unknown(void);

typedef struct hs_stroke_eligibility_row {
  const hs_stroke_indication *ind;
  hs_elig_status status;
  char rule[512]; /* the rule that decided (or every rule met / the missing input) */
  int has_dose;   /* dose computed (weight given) */
  hs_stroke_dose dose;
} hs_stroke_eligibility_row;

#define HS_STROKE_MAX_INDICATIONS 16
typedef struct hs_stroke_eligibility {
  hs_stroke_patient patient;
  size_t n;
  hs_stroke_eligibility_row row[HS_STROKE_MAX_INDICATIONS];
} hs_stroke_eligibility;

/* Check the patient against every indication.  Rejects an onset outside (0, 7
   days], an IV thrombolysis time after onset or negative, a weight out of range. */
hs_status hs_stroke_eligibility_check(const hs_stroke_patient *p, hs_stroke_eligibility *out,
                                      hs_err *err);

/* ---- JSON (schema hemosim-stroke/1, docs/stroke_calculators.md) ------------------ */
/* Each document starts {"schema", "hemosim_version", "calculator", ...inputs, results};
   caller frees; NULL with err set on failure. */
#define HS_STROKE_JSON_SCHEMA "hemosim-stroke/1"
char *hs_stroke_mcis_json(const hs_mcis_result *m, hs_err *err);
char *hs_stroke_reperfusion_json(const hs_reperfusion_result *r, hs_err *err);
/* Index 0 CBF, 1 CBV; rel[k] NaN = that map was not given.  default_cutoffs: no
   cut-off was set by the user. */
char *hs_stroke_perfusion_json(const double rel[2], const hs_perf_class cls[2],
                               const hs_perf_cutoffs cut[2], int default_cutoffs, hs_err *err);
/* contra NULL: the affected side only. */
char *hs_stroke_tcd_json(const hs_tcd_side *affected, const hs_tcd_side *contra,
                         const hs_tcd_limits *lim, const hs_tcd_result *r, hs_err *err);
char *hs_stroke_regimens_json(hs_err *err); /* every regimen (dose --list) */
char *hs_stroke_dose_json(const hs_stroke_dose *d, hs_err *err);
char *hs_stroke_etici_json(const hs_reperfusion_grade *g, hs_err *err);
char *hs_stroke_eligibility_json(const hs_stroke_eligibility *e, hs_err *err);

/* ---- text reports (what `hemosim stroke ...` prints; src/io/stroke_text.c) */
/* Caller frees; NULL with err set on failure. */
char *hs_stroke_dose_text(const hs_stroke_dose *d, hs_err *err);
char *hs_stroke_eligibility_text(const hs_stroke_eligibility *e, hs_err *err);
char *hs_stroke_regimens_text(hs_err *err); /* every regimen, one a line (dose --list) */
/* The small calculators (`stroke mcis`, `reperfusion`, `perfusion-class`, `tcd`, `etici`),
   arguments as for their JSON forms above. */
char *hs_stroke_mcis_text(const hs_mcis_result *m, hs_err *err);
char *hs_stroke_reperfusion_text(const hs_reperfusion_result *r, hs_err *err);
char *hs_stroke_perfusion_text(const double rel[2], const hs_perf_class cls[2],
                               const hs_perf_cutoffs cut[2], int default_cutoffs, hs_err *err);
char *hs_stroke_tcd_text(const hs_tcd_side *affected, const hs_tcd_side *contra,
                         const hs_tcd_limits *lim, const hs_tcd_result *r, hs_err *err);
char *hs_stroke_etici_text(const hs_reperfusion_grade *g, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
