/*
 * stroke_eligibility.c - reperfusion grades (eTICI, mTICI) and the eligibility
 * engine for the adjunct regimens after thrombectomy (issue #17 items 1 and 2).
 *
 * Pure functions over constant tables: no printing, no exit, no allocation, no
 * global mutable state.  Trials, rules, results and their primary publications:
 * docs/stroke_calculators.md ("etici", "eligibility").
 */
#include "hemosim/stroke.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MIN_S 60.0
#define HOUR_S 3600.0
#define DAY_S 86400.0
#define ONSET_MAX_S (7 * DAY_S)

/* ---- reperfusion grades ------------------------------------------------------------- */

typedef struct grade_row {
  const char *name, *meaning;
  double lo_pct, hi_pct, fraction;
} grade_row;

/* Liebeskind et al. 2019 (HERMES eTICI); the fraction is the midpoint of the range. */
static const grade_row GRADES[HS_ETICI_COUNT] = {
    [HS_ETICI_0] = {"0", "no reperfusion", 0, 0, 0.0},
    [HS_ETICI_1] = {"1", "thrombus reduced without reperfusion of distal arteries", 0, 0, 0.0},
    [HS_ETICI_2A] = {"2a", "reperfusion of 1-49 % of the territory", 1, 49, 0.25},
    [HS_ETICI_2B50] = {"2b50", "reperfusion of 50-66 % of the territory", 50, 66, 0.58},
    [HS_ETICI_2B67] = {"2b67", "reperfusion of 67-89 % of the territory", 67, 89, 0.78},
    [HS_ETICI_2C] = {"2c", "reperfusion of 90-99 % of the territory", 90, 99, 0.945},
    [HS_ETICI_3] = {"3", "complete reperfusion (100 %)", 100, 100, 1.0},
};

const char *hs_etici_name(hs_etici g) {
  if (g == HS_ETICI_NONE) return "none";
  return g >= 0 && g < HS_ETICI_COUNT ? GRADES[g].name : NULL;
}

const char *hs_etici_meaning(hs_etici g) {
  if (g == HS_ETICI_NONE) return "no thrombectomy";
  return g >= 0 && g < HS_ETICI_COUNT ? GRADES[g].meaning : NULL;
}

hs_status hs_etici_grade(hs_etici g, hs_reperfusion_grade *out, hs_err *err) {
  hs_reperfusion_grade r;
  memset(&r, 0, sizeof r);
  r.etici = g;
  if (g == HS_ETICI_NONE) {
    r.fraction = r.range_lo_pct = r.range_hi_pct = NAN;
  } else if (g >= 0 && g < HS_ETICI_COUNT) {
    r.fraction = GRADES[g].fraction;
    r.range_lo_pct = GRADES[g].lo_pct;
    r.range_hi_pct = GRADES[g].hi_pct;
  } else {
    return hs_err_set(err, HS_ERR_RANGE, "eTICI grade %d is not a grade (0-%d)", (int)g,
                      HS_ETICI_COUNT - 1);
  }
  if (out) *out = r;
  return HS_OK;
}

hs_status hs_etici_from_fraction(double f, hs_reperfusion_grade *out, hs_err *err) {
  if (!isfinite(f)) return hs_err_set(err, HS_ERR_INVALID, "fraction reperfused is not a finite number");
  if (f < 0 || f > 1)
    return hs_err_set(err, HS_ERR_RANGE, "fraction reperfused %g is out of range [0, 1]", f);
  hs_etici g = f >= 1    ? HS_ETICI_3
               : f >= 0.90 ? HS_ETICI_2C
               : f >= 0.67 ? HS_ETICI_2B67
               : f >= 0.50 ? HS_ETICI_2B50
               : f >= 0.01 ? HS_ETICI_2A
                           : HS_ETICI_0;
  hs_reperfusion_grade r;
  hs_etici_grade(g, &r, NULL);
  r.fraction = f; /* the fraction given, not the grade's midpoint */
  if (out) *out = r;
  return HS_OK;
}

/* Lower-case copy of text without blanks, '-' and '_' kept; 0 if too long. */
static int squeeze(const char *text, char *buf, size_t size) {
  size_t n = 0;
  for (const char *p = text; *p; p++) {
    if (*p == ' ' || *p == '\t') continue;
    if (n + 1 >= size) return 0;
    buf[n++] = (char)tolower((unsigned char)*p);
  }
  buf[n] = '\0';
  return 1;
}

hs_status hs_reperfusion_grade_parse(const char *text, hs_reperfusion_grade *out, hs_err *err) {
  static const char allowed[] =
      "allowed: eTICI 0, 1, 2a, 2b50, 2b67, 2c, 3; mTICI 0, 1, 2a, 2b, 2c, 3 written "
      "\"mTICI 2b\"; none = no thrombectomy";
  if (!text) return hs_err_set(err, HS_ERR_INVALID, "missing reperfusion grade (%s)", allowed);
  char buf[32];
  if (!squeeze(text, buf, sizeof buf))
    return hs_err_set(err, HS_ERR_INVALID, "reperfusion grade is too long (%s)", allowed);
  if (!strcmp(buf, "none") || !strcmp(buf, "noevt") || !strcmp(buf, "no")) {
    return hs_etici_grade(HS_ETICI_NONE, out, err);
  }
  const char *g = buf;
  int mtici = 0;
  if (!strncmp(g, "etici", 5)) g += 5;
  else if (!strncmp(g, "mtici", 5)) g += 5, mtici = 1;
  else if (!strncmp(g, "tici", 4)) g += 4, mtici = 1; /* TICI without a prefix: the mTICI grades */
  if (*g == ':' || *g == '=') g++;
  hs_reperfusion_grade r;
  if (mtici) {
    static const char *const m[] = {"0", "1", "2a", "2b", "2c", "3"};
    static const hs_etici map[] = {HS_ETICI_0,    HS_ETICI_1,  HS_ETICI_2A,
                                   HS_ETICI_2B50, HS_ETICI_2C, HS_ETICI_3};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
      if (strcmp(g, m[i])) continue;
      hs_etici_grade(map[i], &r, NULL);
      r.from_mtici = 1;
      snprintf(r.mtici, sizeof r.mtici, "%s", m[i]);
      if (map[i] == HS_ETICI_2B50) { /* unsplit mTICI 2b: 50-89 % */
        r.range_lo_pct = 50, r.range_hi_pct = 89, r.fraction = 0.695;
      }
      if (out) *out = r;
      return HS_OK;
    }
    return hs_err_set(err, HS_ERR_INVALID, "\"%s\" is not an mTICI grade (%s)", text, allowed);
  }
  for (int k = 0; k < HS_ETICI_COUNT; k++) {
    if (strcmp(g, GRADES[k].name)) continue;
    hs_etici_grade((hs_etici)k, &r, NULL);
    if (out) *out = r;
    return HS_OK;
  }
  if (!strcmp(g, "2b"))
    return hs_err_set(err, HS_ERR_INVALID,
                      "\"%s\" is ambiguous: eTICI splits 2b into 2b50 (50-66 %%) and 2b67 "
                      "(67-89 %%); write 2b50, 2b67 or \"mTICI 2b\"",
                      text);
  return hs_err_set(err, HS_ERR_INVALID, "\"%s\" is not a reperfusion grade (%s)", text, allowed);
}

/* ---- the trial table ------------------------------------------------------------------ */

#define ANT HS_TERRITORY_ANTERIOR
#define POST HS_TERRITORY_POSTERIOR
#define ANY HS_TERRITORY_UNKNOWN

static const hs_stroke_indication INDICATIONS[] = {
    {"choice", "CHOICE", "ia-alteplase",
     "large-vessel occlusion treated with thrombectomy within 24 h of onset, eTICI 2b50-3; "
     "prior IV thrombolysis allowed",
     0, 24 * HOUR_S, 1, HS_ETICI_2B50, ANY, 0, 0, 0, 0, NULL, HS_TRIAL_POSITIVE,
     "mRS 0-1 at 90 days 59.0 % vs 40.4 % with placebo (adjusted difference 18.4 %, 95 % CI "
     "0.3-36.4); phase 2b, 121 patients, stopped early: preliminary until replicated",
     "Renu A et al. JAMA 2022;327:826-835 (doi 10.1001/jama.2022.1645)",
     NULL,
     0, 0, 0, 0, "occlusion site (large-vessel occlusion as in the trial report)"},
    {"angel-tnk", "ANGEL-TNK", "ia-tnk-0.125",
     "anterior-circulation large-vessel occlusion treated 4.5-24 h after last known well, "
     "eTICI 2b50-3 after thrombectomy",
     4.5 * HOUR_S, 24 * HOUR_S, 1, HS_ETICI_2B50, ANT, 0, 0, 0, 0, NULL, HS_TRIAL_POSITIVE,
     "mRS 0-1 at 90 days 40.5 % vs 26.4 % with standard medical treatment (255 patients)",
     "Miao Z et al. JAMA 2025 (doi 10.1001/jama.2025.10800); protocol Huo X et al. Stroke Vasc "
     "Neurol 2024 (doi 10.1136/svn-2024-003318)",
     "prior IV thrombolysis is not a rule here (the window starts at 4.5 h)",
     0, 0, 0, 0, "occlusion site (anterior large-vessel occlusion as in the trial report)"},
    {"post-tnk", "POST-TNK", "ia-tnk-0.0625",
     "proximal intracranial large-vessel occlusion within 24 h of last known well, eTICI 2c-3 "
     "after thrombectomy, no prior IV thrombolysis",
     0, 24 * HOUR_S, 1, HS_ETICI_2C, ANY, -1, 0, 0, 0, NULL, HS_TRIAL_NEUTRAL,
     "mRS 0-1 at 90 days 49.1 % vs 44.1 % (adjusted RR 1.15, 95 % CI 0.97-1.36, P = .11); "
     "symptomatic ICH 6.3 % vs 4.4 %",
     "Huang J et al. (POST-TNK) JAMA 2025 (twin trial of POST-UK, same issue)",
     NULL,
     0, 0, 0, 0, "occlusion site (proximal intracranial large-vessel occlusion)"},
    {"post-uk", "POST-UK", "ia-urokinase",
     "proximal intracranial large-vessel occlusion within 24 h of last known well, eTICI 2c-3 "
     "after thrombectomy, no prior IV thrombolysis",
     0, 24 * HOUR_S, 1, HS_ETICI_2C, ANY, -1, 0, 0, 0, NULL, HS_TRIAL_NEUTRAL,
     "survival without disability (mRS 0-1) at 90 days 45 % vs 40 % (adjusted RR 1.13, P = .19)",
     "Liu C et al. JAMA 2025;333:589-598 (doi 10.1001/jama.2024.23480)",
     NULL,
     0, 0, 0, 0, "occlusion site (proximal intracranial large-vessel occlusion)"},
    {"attention-ia", "ATTENTION-IA", "ia-tnk-0.0625",
     "posterior-circulation occlusion (V4, basilar, P1) within 24 h, eTICI 2b50-3 after "
     "thrombectomy",
     0, 24 * HOUR_S, 1, HS_ETICI_2B50, POST, 0, 0, 0, 0, NULL, HS_TRIAL_NEUTRAL,
     "mRS 0-1 at 90 days 34.6 % vs 26.0 % (adjusted RR 1.36, 95 % CI 0.92-2.02, P = .12); "
     "mortality 27.9 % vs 26.9 %; symptomatic ICH 8.3 % with tenecteplase",
     "Hu W et al. BMJ 2025;388:e080489 (doi 10.1136/bmj-2024-080489)",
     "tenecteplase over 15 s; prior IV thrombolysis is not a rule here",
     0, 0, 0, 0, "occlusion site (V4, basilar, P1)"},
    {"date-0.03125", "DATE (0.03125 mg/kg tier)", "ia-tnk-0.03125",
     "anterior-circulation large-vessel occlusion (ICA, M1, M2) within 24 h of last known "
     "well, eTICI 2b-3 after thrombectomy, no prior IV thrombolysis",
     0, 24 * HOUR_S, 1, HS_ETICI_2B50, ANT, -1, 0, 0, 0, NULL, HS_TRIAL_NEUTRAL,
     "phase 1b: symptomatic ICH 1/14; phase 2a (randomised): mRS 0-1 at 90 days 37.0 % vs "
     "33.8 % control, not significant; symptomatic ICH 4.3 % vs 3.1 %",
     "DATE trial, JAMA Neurol 2025 (doi 10.1001/jamaneurol.2025.2036)",
     "DATE tiers are 1/8, 1/4, 1/2 and 3/4 of 0.25 mg/kg; no maximum dose per tier was found",
     0, 0, 0, 0, "occlusion site (ICA, M1, M2)"},
    {"date-0.0625", "DATE (0.0625 mg/kg tier)", "ia-tnk-0.0625",
     "anterior-circulation large-vessel occlusion (ICA, M1, M2) within 24 h of last known "
     "well, eTICI 2b-3 after thrombectomy, no prior IV thrombolysis",
     0, 24 * HOUR_S, 1, HS_ETICI_2B50, ANT, -1, 0, 0, 0, NULL, HS_TRIAL_NEUTRAL,
     "phase 1b: symptomatic ICH 2/22; phase 2a (randomised): mRS 0-1 at 90 days 43.5 % vs "
     "33.8 % control, not significant; symptomatic ICH 6.5 % vs 3.1 %",
     "DATE trial, JAMA Neurol 2025 (doi 10.1001/jamaneurol.2025.2036)",
     "the dose table caps 0.0625 mg/kg at 6.25 mg (ATTENTION-IA); DATE's cap was "
     "not found",
     0, 0, 0, 0, "occlusion site (ICA, M1, M2)"},
    {"date-0.125", "DATE (0.125 mg/kg tier)", "ia-tnk-0.125",
     "anterior-circulation large-vessel occlusion (ICA, M1, M2) within 24 h of last known "
     "well, eTICI 2b-3 after thrombectomy, no prior IV thrombolysis",
     0, 24 * HOUR_S, 1, HS_ETICI_2B50, ANT, -1, 0, 0, 0,
     "DATE stopped this tier: symptomatic ICH in 3 of 12 patients exceeded the prespecified "
     "safety threshold (P = .04); it was not carried into phase 2a",
     HS_TRIAL_HARM,
     "phase 1b: symptomatic ICH 3/12 (25 %) against 1/14 and 2/22 at the lower tiers: "
     "intracranial bleeding rose with the dose",
     "DATE trial, JAMA Neurol 2025 (doi 10.1001/jamaneurol.2025.2036)",
     "the same dose after 4.5 h is ANGEL-TNK's (positive), a different population",
     0, 0, 0, 0, "occlusion site (ICA, M1, M2)"},
    {"date-0.1875", "DATE (0.1875 mg/kg tier)", "ia-tnk-0.1875",
     "anterior-circulation large-vessel occlusion (ICA, M1, M2) within 24 h of last known "
     "well, eTICI 2b-3 after thrombectomy, no prior IV thrombolysis",
     0, 24 * HOUR_S, 1, HS_ETICI_2B50, ANT, -1, 0, 0, 0,
     "DATE never gave this tier: escalation stopped at 0.125 mg/kg, where symptomatic ICH "
     "exceeded the safety threshold",
     HS_TRIAL_NOT_GIVEN,
     "planned fourth tier (3/4 of 0.25 mg/kg); no patient received it (phase 1b: 14 + 22 + 12 "
     "patients at the three lower tiers)",
     "DATE trial, JAMA Neurol 2025 (doi 10.1001/jamaneurol.2025.2036)", NULL,
     0, 0, 0, 0, "occlusion site (ICA, M1, M2)"},
    {"asset-it", "ASSET-IT", "tirofiban",
     "non-cardioembolic stroke, IV thrombolysis within 4.5 h of onset, not treated with "
     "thrombectomy, tirofiban started within 60 min after IV thrombolysis",
     0, 0, -1, HS_ETICI_NONE, ANY, 1, 4.5 * HOUR_S, 60 * MIN_S, 1, NULL, HS_TRIAL_POSITIVE,
     "mRS 0-1 at 90 days 65.9 % vs 54.9 % with placebo (RR 1.20, 95 % CI 1.07-1.34); "
     "symptomatic ICH 1.7 % vs 0 %; mortality 4.1 % vs 3.8 %",
     "Tao C et al. N Engl J Med 2025 (doi 10.1056/NEJMoa2503678)",
     "a 24-hour infusion; the loading step is the dose table's, check it against the trial "
     "protocol",
     0, 0, 0, 0, NULL},
    {"trend", "TREND", "tirofiban-72h",
     "non-cardioembolic stroke within 24 h of onset, NIHSS 4-20, age 18-80, not treated with "
     "IV thrombolysis or thrombectomy",
     0, 24 * HOUR_S, -1, HS_ETICI_NONE, ANY, -1, 0, 0, 1, NULL, HS_TRIAL_POSITIVE,
     "early neurological deterioration within 72 h 4.2 % vs 13.2 % with aspirin (RR 0.32, 95 % "
     "CI 0.16-0.65); 90-day mRS not different",
     "Zhao W et al. (TREND) JAMA Neurol 2024; protocol Wang J et al. Brain Circ 2024;10:168-173 "
     "(doi 10.4103/bc.bc_93_23)",
     NULL,
     4, 20, 18, 80, NULL},
    {"marvel", "MARVEL", "methylprednisolone",
     "anterior-circulation large-vessel occlusion (ICA, M1, M2) within 24 h of last known "
     "well, treated with thrombectomy (any reperfusion grade), NIHSS >= 6",
     0, 24 * HOUR_S, 1, HS_ETICI_NONE, ANT, 0, 0, 0, 0, NULL, HS_TRIAL_NEUTRAL,
     "90-day mRS not different (median 3 vs 3, adjusted generalised OR 1.10, P = .17); "
     "secondary: mortality 23.2 % vs 28.5 %, symptomatic ICH 8.6 % vs 11.7 %",
     "Yang Q et al. JAMA 2024;331:840-849 (doi 10.1001/jama.2024.0626)",
     NULL,
     6, 0, 0, 0, "occlusion site (ICA, M1, M2)"},
};
#define NIND (sizeof INDICATIONS / sizeof INDICATIONS[0])

size_t hs_stroke_indication_count(void) { return NIND; }
const hs_stroke_indication *hs_stroke_indication_at(size_t i) {
  return i < NIND ? &INDICATIONS[i] : NULL;
}

const char *hs_trial_result_name(hs_trial_result r) {
  switch (r) {
  case HS_TRIAL_POSITIVE: return "positive";
  case HS_TRIAL_NEUTRAL: return "neutral";
  case HS_TRIAL_HARM: return "harm signal";
  case HS_TRIAL_NOT_GIVEN: return "not given";
  }
  return "?";
}

hs_stroke_patient hs_stroke_patient_unknown(void) {
  hs_stroke_patient p;
  memset(&p, 0, sizeof p);
  p.onset_s = NAN;
  p.ivt = -1;
  p.ivt_ago_s = NAN;
  p.has_grade = 0;
  p.grade.etici = HS_ETICI_NONE;
  p.territory = HS_TERRITORY_UNKNOWN;
  p.cardioembolic = -1;
  return p;
}

/* "24 h", "4.5 h", "60 min", "23 h 59 min 59 s" for rule texts. */
static void fmt_time(double s, char *buf, size_t size) {
  double r = floor(s + 0.5);
  if (fabs(s - r) > 1e-6) {
    snprintf(buf, size, "%g s", s);
    return;
  }
  long t = (long)r, h = t / 3600, m = (t % 3600) / 60, sec = t % 60;
  if (sec == 0 && t <= 3600) snprintf(buf, size, "%ld min", t / 60);
  else if (m == 0 && sec == 0) snprintf(buf, size, "%ld h", h);
  else if (h == 0 && sec == 0) snprintf(buf, size, "%ld min", m);
  else if (sec == 0 && m == 30) snprintf(buf, size, "%g h", t / 3600.0);
  else if (sec == 0) snprintf(buf, size, "%ld h %ld min", h, m);
  else if (h == 0) snprintf(buf, size, "%ld min %ld s", m, sec);
  else snprintf(buf, size, "%ld h %ld min %ld s", h, m, sec);
}

/* Decide one indication; writes the rule into row. */
static void decide(const hs_stroke_indication *in, const hs_stroke_patient *p,
                   hs_stroke_eligibility_row *row) {
  char a[48], b[48], c[48];
  size_t n = sizeof row->rule;
  row->status = HS_ELIG_NO;
  /* territory */
  if (in->territory != ANY) {
    const char *want = in->territory == ANT ? "anterior" : "posterior";
    if (p->territory == HS_TERRITORY_UNKNOWN) {
      row->status = HS_ELIG_UNKNOWN;
      snprintf(row->rule, n, "territory not given (%s requires the %s circulation): give --territory",
               in->trial, want);
      return;
    }
    if ((int)p->territory != in->territory) {
      snprintf(row->rule, n, "territory %s: %s enrolled %s-circulation occlusions only",
               p->territory == ANT ? "anterior" : "posterior", in->trial, want);
      return;
    }
  }
  /* thrombectomy and reperfusion */
  if (in->evt != 0 || in->etici_min != HS_ETICI_NONE) {
    if (!p->has_grade) {
      row->status = HS_ELIG_UNKNOWN;
      snprintf(row->rule, n, "thrombectomy / eTICI not given: give --etici (or none)");
      return;
    }
    int evt = p->grade.etici != HS_ETICI_NONE;
    if (in->evt > 0 && !evt) {
      snprintf(row->rule, n, "no thrombectomy: %s treated patients after thrombectomy", in->trial);
      return;
    }
    if (in->evt < 0 && evt) {
      snprintf(row->rule, n, "thrombectomy done: %s excluded patients treated with thrombectomy",
               in->trial);
      return;
    }
    if (in->etici_min != HS_ETICI_NONE && p->grade.etici < in->etici_min) {
      if (p->grade.from_mtici)
        snprintf(row->rule, n,
                 "mTICI %s (read as eTICI %s) is below eTICI %s: %s required eTICI %s-3",
                 p->grade.mtici, hs_etici_name(p->grade.etici), hs_etici_name(in->etici_min),
                 in->trial, hs_etici_name(in->etici_min));
      else
        snprintf(row->rule, n, "eTICI %s is below %s: %s required eTICI %s-3",
                 hs_etici_name(p->grade.etici), hs_etici_name(in->etici_min), in->trial,
                 hs_etici_name(in->etici_min));
      return;
    }
  }
  /* time since onset */
  if (in->onset_max_s > 0) {
    if (!isfinite(p->onset_s)) {
      row->status = HS_ELIG_UNKNOWN;
      snprintf(row->rule, n, "time since onset not given: give --onset");
      return;
    }
    fmt_time(p->onset_s, a, sizeof a);
    fmt_time(in->onset_min_s, b, sizeof b);
    fmt_time(in->onset_max_s, c, sizeof c);
    if (p->onset_s > in->onset_max_s) {
      snprintf(row->rule, n, "onset %s ago is beyond %s: %s treated within %s of onset", a, c,
               in->trial, c);
      return;
    }
    if (p->onset_s < in->onset_min_s) {
      snprintf(row->rule, n, "onset %s ago is before %s: %s treated %s-%s after onset", a, b,
               in->trial, b, c);
      return;
    }
  }
  /* IV thrombolysis */
  if (in->ivt != 0) {
    if (p->ivt < 0) {
      row->status = HS_ELIG_UNKNOWN;
      snprintf(row->rule, n, "IV thrombolysis not stated: give --ivt no or --ivt TIME-AGO");
      return;
    }
    if (in->ivt < 0 && p->ivt == 1) {
      snprintf(row->rule, n, "IV thrombolysis given: %s excluded patients after IV thrombolysis",
               in->trial);
      return;
    }
    if (in->ivt > 0 && p->ivt == 0) {
      snprintf(row->rule, n, "no IV thrombolysis: %s treated patients after IV thrombolysis",
               in->trial);
      return;
    }
  }
  if (in->ivt > 0 && (in->after_ivt_max_s > 0 || in->ivt_onset_max_s > 0)) {
    if (!isfinite(p->ivt_ago_s) || !isfinite(p->onset_s)) {
      row->status = HS_ELIG_UNKNOWN;
      snprintf(row->rule, n, "time of IV thrombolysis or onset not given: give --ivt TIME-AGO and --onset");
      return;
    }
    double at = p->onset_s - p->ivt_ago_s; /* onset-to-needle time */
    if (in->ivt_onset_max_s > 0 && at > in->ivt_onset_max_s) {
      fmt_time(at, a, sizeof a);
      fmt_time(in->ivt_onset_max_s, b, sizeof b);
      snprintf(row->rule, n, "IV thrombolysis %s after onset is beyond %s: %s required it within %s",
               a, b, in->trial, b);
      return;
    }
    if (in->after_ivt_max_s > 0 && p->ivt_ago_s > in->after_ivt_max_s) {
      fmt_time(p->ivt_ago_s, a, sizeof a);
      fmt_time(in->after_ivt_max_s, b, sizeof b);
      snprintf(row->rule, n, "IV thrombolysis %s ago is beyond %s: %s started within %s after it",
               a, b, in->trial, b);
      return;
    }
  }
  /* cardioembolic source */
  if (in->non_cardioembolic) {
    if (p->cardioembolic < 0) {
      row->status = HS_ELIG_UNKNOWN;
      snprintf(row->rule, n, "cardioembolic source not stated: give --cardioembolic yes|no (%s: non-cardioembolic only)",
               in->trial);
      return;
    }
    if (p->cardioembolic) {
      snprintf(row->rule, n, "cardioembolic source: %s enrolled non-cardioembolic stroke only",
               in->trial);
      return;
    }
  }
  /* NIHSS and age: checked when given; otherwise the row cannot be decided */
  char missing[160] = "", give[48] = "";
  if (in->nihss_min > 0 || in->nihss_max > 0) {
    if (in->nihss_max > 0) snprintf(a, sizeof a, "NIHSS %d-%d", in->nihss_min, in->nihss_max);
    else snprintf(a, sizeof a, "NIHSS >= %d", in->nihss_min);
    if (!p->has_nihss) {
      snprintf(missing, sizeof missing, "%s", a);
      snprintf(give, sizeof give, "--nihss");
    } else if (p->nihss < in->nihss_min || (in->nihss_max > 0 && p->nihss > in->nihss_max)) {
      int low = p->nihss < in->nihss_min;
      snprintf(row->rule, n, "NIHSS %d is %s %d: %s enrolled %s", p->nihss, low ? "below" : "above",
               low ? in->nihss_min : in->nihss_max, in->trial, a);
      return;
    }
  }
  if (in->age_min > 0 || in->age_max > 0) {
    snprintf(b, sizeof b, "age %d-%d years", in->age_min, in->age_max);
    if (!p->has_age) {
      size_t l = strlen(missing);
      snprintf(missing + l, sizeof missing - l, "%s%s", l ? " and " : "", b);
      l = strlen(give);
      snprintf(give + l, sizeof give - l, "%s--age", l ? ", " : "");
    } else if (p->age_years < in->age_min || p->age_years > in->age_max) {
      int low = p->age_years < in->age_min;
      snprintf(row->rule, n, "age %d years is %s %d: %s enrolled %s", p->age_years,
               low ? "below" : "above", low ? in->age_min : in->age_max, in->trial, b);
      return;
    }
  }
  if (in->stopped) {
    snprintf(row->rule, n, "%s", in->stopped);
    return;
  }
  if (*missing) {
    row->status = HS_ELIG_UNKNOWN;
    snprintf(row->rule, n, "every other rule met; %s not checked (give %s)", missing, give);
    return;
  }
  row->status = HS_ELIG_YES;
  if (in->unchecked)
    snprintf(row->rule, n, "every rule checked is met: %s; not checked here: %s", in->population,
             in->unchecked);
  else
    snprintf(row->rule, n, "every rule met: %s", in->population);
}

hs_status hs_stroke_eligibility_check(const hs_stroke_patient *p, hs_stroke_eligibility *out,
                                      hs_err *err) {
  if (!p) return hs_err_set(err, HS_ERR_INVALID, "missing patient");
  char a[48], b[48];
  if (!isnan(p->onset_s)) {
    if (!isfinite(p->onset_s) || p->onset_s <= 0 || p->onset_s > ONSET_MAX_S) {
      fmt_time(isfinite(p->onset_s) ? fabs(p->onset_s) : 0, a, sizeof a);
      return hs_err_set(err, HS_ERR_RANGE,
                        "time since onset %s%s is out of range (0 s, 7 days]",
                        p->onset_s < 0 ? "-" : "", a);
    }
  }
  if (p->ivt == 1 && !isnan(p->ivt_ago_s)) {
    if (!isfinite(p->ivt_ago_s) || p->ivt_ago_s < 0)
      return hs_err_set(err, HS_ERR_RANGE,
                        "time since IV thrombolysis must be >= 0 (how long ago it was given)");
    if (isfinite(p->onset_s) && p->ivt_ago_s > p->onset_s) {
      fmt_time(p->ivt_ago_s, a, sizeof a);
      fmt_time(p->onset_s, b, sizeof b);
      return hs_err_set(err, HS_ERR_INVALID,
                        "IV thrombolysis %s ago is before the onset %s ago (it must follow the "
                        "onset)",
                        a, b);
    }
  }
  if (p->ivt != 1 && p->ivt != 0 && p->ivt != -1)
    return hs_err_set(err, HS_ERR_INVALID, "IV thrombolysis flag %d (allowed 1, 0, -1)", p->ivt);
  if (p->cardioembolic != 1 && p->cardioembolic != 0 && p->cardioembolic != -1)
    return hs_err_set(err, HS_ERR_INVALID, "cardioembolic flag %d (allowed 1, 0, -1)",
                      p->cardioembolic);
  if (p->has_weight &&
      (!isfinite(p->weight_kg) || p->weight_kg < HS_STROKE_WEIGHT_MIN_KG ||
       p->weight_kg > HS_STROKE_WEIGHT_MAX_KG))
    return hs_err_set(err, HS_ERR_RANGE, "weight %g kg is out of range [%g, %g] kg", p->weight_kg,
                      HS_STROKE_WEIGHT_MIN_KG, HS_STROKE_WEIGHT_MAX_KG);
  if (p->has_nihss && (p->nihss < 0 || p->nihss > HS_NIHSS_MAX))
    return hs_err_set(err, HS_ERR_RANGE, "NIHSS %d is out of range [0, %d]", p->nihss, HS_NIHSS_MAX);
  if (p->has_age && (p->age_years < 0 || p->age_years > HS_AGE_MAX_YEARS))
    return hs_err_set(err, HS_ERR_RANGE, "age %d years is out of range [0, %d]", p->age_years,
                      HS_AGE_MAX_YEARS);
  hs_stroke_eligibility e;
  memset(&e, 0, sizeof e);
  e.patient = *p;
  e.n = NIND;
  for (size_t i = 0; i < NIND; i++) {
    hs_stroke_eligibility_row *row = &e.row[i];
    row->ind = &INDICATIONS[i];
    decide(row->ind, p, row);
    hs_stroke_dose_req req = {p->has_weight, p->weight_kg, 0, 0, 0, 0};
    const hs_stroke_regimen *r = hs_stroke_regimen_find(row->ind->regimen);
    if (r && (p->has_weight || !hs_stroke_regimen_weight_based(r))) {
      hs_status st = hs_stroke_dose_calc(r->name, &req, &row->dose, err);
      if (st) return hs_err_prefix(err, "%s: ", row->ind->trial);
      row->has_dose = 1;
    }
  }
  if (out) *out = e;
  return HS_OK;
}
