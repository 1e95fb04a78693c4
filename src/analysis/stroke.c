/*
 * stroke.c - bedside calculators for no-reflow after thrombectomy (issues #7, #17;
 * docs/stroke_calculators.md): mCIS, tissue reperfusion, relative perfusion classes, TCD
 * pulsatility index and adjunct dose regimens.
 *
 * Pure functions: no printing, no exit, no allocation, no global state.  Every
 * rejected input gets a message naming the value and its allowed range; the
 * output is written only on success.  Sources: docs/stroke_calculators.md.
 */
#include "hemosim/stroke.h"
#include "hemosim/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shown text of a user value, shortened so that messages stay readable. */
#define SHOWN_MAX 48

static void show(const char *text, size_t n, char *buf, size_t size) {
  if (n > size - 4) {
    memcpy(buf, text, size - 4);
    memcpy(buf + size - 4, "...", 4);
  } else {
    memcpy(buf, text, n);
    buf[n] = '\0';
  }
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* ---- mCIS ----------------------------------------------------------------------- */

const char *hs_mcis_score_meaning(int score) {
  switch (score) {
  case 0: return "no capillary blush";
  case 1: return "capillary blush delayed > 1 s, cortical veins visible";
  case 2: return "normal capillary filling without delay";
  default: return NULL;
  }
}

hs_status hs_stroke_mcis(const int *scores, size_t n, hs_mcis_result *out, hs_err *err) {
  if (!scores || n != HS_MCIS_REGIONS)
    return hs_err_set(err, HS_ERR_INVALID,
                      "expected %d region scores (the MCA territory is scored in %d regions), "
                      "got %zu",
                      HS_MCIS_REGIONS, HS_MCIS_REGIONS, scores ? n : (size_t)0);
  hs_mcis_result r;
  r.total = 0;
  for (size_t i = 0; i < n; i++) {
    if (scores[i] < 0 || scores[i] > HS_MCIS_SCORE_MAX)
      return hs_err_set(err, HS_ERR_RANGE, "region %zu: score %d is out of range [0, %d]", i + 1,
                        scores[i], HS_MCIS_SCORE_MAX);
    r.scores[i] = scores[i];
    r.total += scores[i];
  }
  r.no_reflow = r.total <= HS_MCIS_NO_REFLOW_MAX;
  if (out) *out = r;
  return HS_OK;
}

/* Parse the n characters at text as one region score. */
static hs_status score_parse_n(const char *text, size_t n, int region, int *score, hs_err *err) {
  while (n > 0 && is_blank(*text)) text++, n--;
  while (n > 0 && is_blank(text[n - 1])) n--;
  char shown[SHOWN_MAX];
  show(text, n, shown, sizeof shown);
  if (n == 0)
    return hs_err_set(err, HS_ERR_INVALID, "region %d: missing score (allowed 0, 1 or 2)",
                      region);
  char buf[32];
  int digits = 1;
  for (size_t i = 0; i < n; i++)
    if (!((text[i] >= '0' && text[i] <= '9') || (i == 0 && (text[i] == '-' || text[i] == '+'))))
      digits = 0;
  if (!digits || n >= sizeof buf || (n == 1 && (text[0] == '-' || text[0] == '+'))) {
    /* a long run of digits is a number, just far out of range */
    if (digits && n >= sizeof buf)
      return hs_err_set(err, HS_ERR_RANGE, "region %d: score %s is out of range [0, %d]", region,
                        shown, HS_MCIS_SCORE_MAX);
    return hs_err_set(err, HS_ERR_INVALID,
                      "region %d: \"%s\" is not a whole-number score (allowed 0, 1 or 2)", region,
                      shown);
  }
  memcpy(buf, text, n);
  buf[n] = '\0';
  errno = 0;
  long v = strtol(buf, NULL, 10);
  if (errno == ERANGE || v < 0 || v > HS_MCIS_SCORE_MAX)
    return hs_err_set(err, HS_ERR_RANGE, "region %d: score %s is out of range [0, %d]", region,
                      shown, HS_MCIS_SCORE_MAX);
  *score = (int)v;
  return HS_OK;
}

hs_status hs_stroke_mcis_score_parse(const char *text, int region, int *score, hs_err *err) {
  if (!text) return hs_err_set(err, HS_ERR_INVALID, "region %d: missing score (allowed 0, 1 or 2)", region);
  int v = 0;
  hs_status st = score_parse_n(text, strlen(text), region, &v, err);
  if (st == HS_OK && score) *score = v;
  return st;
}

hs_status hs_stroke_mcis_parse(const char *text, hs_mcis_result *out, hs_err *err) {
  if (!text)
    return hs_err_set(err, HS_ERR_INVALID,
                      "missing region scores (expected %d comma-separated scores, e.g. 2,1,0)",
                      HS_MCIS_REGIONS);
  size_t count = 1;
  for (const char *p = text; *p; p++) count += *p == ',';
  char shown[SHOWN_MAX];
  show(text, strlen(text), shown, sizeof shown);
  if (count != HS_MCIS_REGIONS)
    return hs_err_set(err, HS_ERR_INVALID,
                      "expected %d comma-separated region scores (the MCA territory is scored in "
                      "%d regions), got %zu in \"%s\"",
                      HS_MCIS_REGIONS, HS_MCIS_REGIONS, count, shown);
  int scores[HS_MCIS_REGIONS];
  const char *p = text;
  for (int i = 0; i < HS_MCIS_REGIONS; i++) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    hs_status st = score_parse_n(p, n, i + 1, &scores[i], err);
    if (st) return st;
    p += n + (comma ? 1 : 0);
  }
  return hs_stroke_mcis(scores, HS_MCIS_REGIONS, out, err);
}

/* ---- tissue reperfusion ------------------------------------------------------------ */

static hs_status check_volume(const char *what, double v, int allow_zero, hs_err *err) {
  if (!isfinite(v)) return hs_err_set(err, HS_ERR_INVALID, "%s volume is not a finite number", what);
  if (v < 0)
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s volume %g mL is negative (allowed %s0, %g] mL)", what, v,
                      allow_zero ? "[" : "(", HS_LESION_VOLUME_MAX_ML);
  if (v == 0 && !allow_zero)
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s volume 0 mL: the reduction is undefined without a baseline lesion "
                      "(allowed (0, %g] mL)",
                      what, HS_LESION_VOLUME_MAX_ML);
  if (v > HS_LESION_VOLUME_MAX_ML)
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s volume %g mL exceeds a whole brain (allowed %s0, %g] mL; check the unit)",
                      what, v, allow_zero ? "[" : "(", HS_LESION_VOLUME_MAX_ML);
  return HS_OK;
}

hs_status hs_stroke_reperfusion(double baseline_ml, double followup_ml, hs_reperfusion_result *out,
                                hs_err *err) {
  hs_status st = check_volume("baseline Tmax > 6 s", baseline_ml, 0, err);
  if (st) return st;
  if ((st = check_volume("follow-up Tmax > 6 s", followup_ml, 1, err))) return st;
  hs_reperfusion_result r;
  r.baseline_ml = baseline_ml;
  r.followup_ml = followup_ml;
  r.reduction_ml = baseline_ml - followup_ml;
  r.reduction_pct = 100.0 * r.reduction_ml / baseline_ml;
  /* strictly more than 90 %; a reduction within 1e-9 points of 90 is exactly 90 */
  r.reperfused = r.reduction_pct > HS_REPERFUSION_MIN_REDUCTION_PCT + 1e-9;
  if (out) *out = r;
  return HS_OK;
}

/* ---- relative perfusion classes ---------------------------------------------------- */

hs_perf_cutoffs hs_perf_cutoffs_default(void) {
  hs_perf_cutoffs c = {HS_PERF_HYPO_BELOW_DEFAULT, HS_PERF_HYPER_ABOVE_DEFAULT};
  return c;
}

hs_status hs_perf_cutoffs_check(const char *what, const hs_perf_cutoffs *c, hs_err *err) {
  if (!what) what = "perfusion";
  if (!c) return hs_err_set(err, HS_ERR_INVALID, "%s cut-offs: missing", what);
  if (!(isfinite(c->hypo_below) && c->hypo_below > 0 && c->hypo_below <= 1))
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s cut-offs: hypoperfusion below %g is out of range (0, 1] (relative to "
                      "the contralateral side)",
                      what, c->hypo_below);
  if (!(isfinite(c->hyper_above) && c->hyper_above >= 1 && c->hyper_above <= HS_PERF_REL_MAX))
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s cut-offs: hyperperfusion above %g is out of range [1, %g] (relative to "
                      "the contralateral side)",
                      what, c->hyper_above, HS_PERF_REL_MAX);
  return HS_OK;
}

hs_status hs_stroke_perfusion_class(const char *what, double rel, const hs_perf_cutoffs *c,
                                    hs_perf_class *out, hs_err *err) {
  if (!what) what = "perfusion";
  hs_perf_cutoffs def = hs_perf_cutoffs_default();
  if (!c) c = &def;
  hs_status st = hs_perf_cutoffs_check(what, c, err);
  if (st) return st;
  if (!isfinite(rel))
    return hs_err_set(err, HS_ERR_INVALID, "%s relative value is not a finite number", what);
  if (rel < 0 || rel > HS_PERF_REL_MAX)
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s relative value %g is out of range [0, %g] (ratio to the contralateral "
                      "side, 1 = symmetric)",
                      what, rel, HS_PERF_REL_MAX);
  hs_perf_class k = rel < c->hypo_below ? HS_PERF_HYPO
                    : rel > c->hyper_above ? HS_PERF_HYPER
                                           : HS_PERF_NORMO;
  if (out) *out = k;
  return HS_OK;
}

const char *hs_perf_class_name(hs_perf_class c) {
  switch (c) {
  case HS_PERF_HYPO: return "hypoperfusion";
  case HS_PERF_NORMO: return "normoperfusion";
  case HS_PERF_HYPER: return "hyperperfusion";
  }
  return "unknown";
}

/* ---- TCD pulsatility index ----------------------------------------------------------- */

hs_tcd_limits hs_tcd_limits_default(void) {
  hs_tcd_limits l = {HS_TCD_PI_RAISED_DEFAULT, HS_TCD_ASYM_RATIO_DEFAULT};
  return l;
}

hs_status hs_tcd_limits_check(const hs_tcd_limits *lim, hs_err *err) {
  if (!lim) return hs_err_set(err, HS_ERR_INVALID, "missing TCD thresholds");
  if (!(isfinite(lim->pi_raised_above) && lim->pi_raised_above > 0 &&
        lim->pi_raised_above <= HS_TCD_LIMIT_MAX))
    return hs_err_set(err, HS_ERR_RANGE, "raised-PI threshold %g is out of range (0, %g]",
                      lim->pi_raised_above, HS_TCD_LIMIT_MAX);
  if (!(isfinite(lim->asym_ratio_above) && lim->asym_ratio_above >= 1 &&
        lim->asym_ratio_above <= HS_TCD_LIMIT_MAX))
    return hs_err_set(err, HS_ERR_RANGE,
                      "asymmetry ratio threshold %g is out of range [1, %g] (affected PI / "
                      "contralateral PI)",
                      lim->asym_ratio_above, HS_TCD_LIMIT_MAX);
  return HS_OK;
}

hs_status hs_stroke_pi(const char *side, const hs_tcd_side *v, double *pi, hs_err *err) {
  if (!side) side = "TCD";
  if (!v) return hs_err_set(err, HS_ERR_INVALID, "%s: missing velocities", side);
  const double vmax = HS_TCD_VELOCITY_MAX;
  if (!isfinite(v->psv_cms) || !isfinite(v->edv_cms) || !isfinite(v->mean_cms))
    return hs_err_set(err, HS_ERR_INVALID, "%s: a velocity is not a finite number", side);
  if (!(v->mean_cms > 0 && v->mean_cms <= vmax))
    return hs_err_set(err, HS_ERR_RANGE, "%s: mean velocity %g cm/s is out of range (0, %g] cm/s",
                      side, v->mean_cms, vmax);
  if (!(v->psv_cms > 0 && v->psv_cms <= vmax))
    return hs_err_set(err, HS_ERR_RANGE, "%s: PSV %g cm/s is out of range (0, %g] cm/s", side,
                      v->psv_cms, vmax);
  if (v->edv_cms < -vmax || v->edv_cms > vmax)
    return hs_err_set(err, HS_ERR_RANGE,
                      "%s: EDV %g cm/s is out of range [-%g, %g] cm/s (negative = diastolic flow "
                      "reversal)",
                      side, v->edv_cms, vmax, vmax);
  if (v->edv_cms > v->psv_cms)
    return hs_err_set(err, HS_ERR_INVALID,
                      "%s: EDV %g cm/s is greater than PSV %g cm/s (EDV must be <= PSV)", side,
                      v->edv_cms, v->psv_cms);
  if (v->mean_cms > v->psv_cms || v->mean_cms < v->edv_cms)
    return hs_err_set(err, HS_ERR_INVALID,
                      "%s: mean velocity %g cm/s lies outside [EDV %g, PSV %g] cm/s (the "
                      "time-averaged mean must lie between them)",
                      side, v->mean_cms, v->edv_cms, v->psv_cms);
  if (pi) *pi = (v->psv_cms - v->edv_cms) / v->mean_cms;
  return HS_OK;
}

/* v > limit, with values within 1e-9 of the limit counted as equal (not above), so
   that decimal inputs landing exactly on a threshold are not split by rounding. */
static int above(double v, double limit) { return v > limit + 1e-9; }

hs_status hs_stroke_tcd(const hs_tcd_side *affected, const hs_tcd_side *contra,
                        const hs_tcd_limits *lim, hs_tcd_result *out, hs_err *err) {
  hs_tcd_limits def = hs_tcd_limits_default();
  if (!lim) lim = &def;
  hs_status st = hs_tcd_limits_check(lim, err);
  if (st) return st;
  hs_tcd_result r;
  memset(&r, 0, sizeof r);
  if ((st = hs_stroke_pi("affected side", affected, &r.pi, err))) return st;
  r.pi_raised = above(r.pi, lim->pi_raised_above);
  r.pi_contra = r.pi_diff = r.pi_ratio = NAN;
  if (contra) {
    if ((st = hs_stroke_pi("contralateral side", contra, &r.pi_contra, err))) return st;
    r.has_contra = 1;
    r.contra_raised = above(r.pi_contra, lim->pi_raised_above);
    r.pi_diff = r.pi - r.pi_contra;
    if (r.pi_contra > 0) {
      r.pi_ratio = r.pi / r.pi_contra;
      r.asymmetric = above(r.pi_ratio, lim->asym_ratio_above);
    } else {
      r.pi_ratio = NAN;
      r.asymmetric = r.pi > 0;
    }
  }
  if (out) *out = r;
  return HS_OK;
}

/* ---- adjunct dose regimens ------------------------------------------------------------ */

#define MIN_S 60.0
#define HOUR_S 3600.0

/* Sources: docs/stroke_calculators.md (with what was verified). */
static const hs_stroke_regimen REGIMENS[] = {
    {"ia-alteplase", "alteplase", "intra-arterial", "0.225 mg/kg (max 22.5 mg) over 15-30 min",
     "CHOICE trial (Renu et al., JAMA 2022;327:826-835): 0.225 mg/kg, max 22.5 mg, over "
     "15-30 min after successful thrombectomy",
     HS_DOSE_MG, 1.0,
     "Activase/Actilyse label: 50 mg vial + 50 mL sterile water (100 mg + 100 mL) = 1 mg/mL",
     NULL, 1,
     {{"intra-arterial infusion", 0.225, 0, 0, 22.5, 15 * MIN_S, 30 * MIN_S, 1, NULL}}},
    {"ia-tnk-0.03125", "tenecteplase", "intra-arterial", "0.03125 mg/kg",
     "DATE trial lowest tier, 1/8 of 0.25 mg/kg (JAMA Neurol 2025, doi "
     "10.1001/jamaneurol.2025.2036)",
     HS_DOSE_MG,
     5.0, "TNKase label: 50 mg vial + 10 mL sterile water = 5 mg/mL",
     "no maximum dose was found for the DATE tiers; the 0.0625 and 0.125 mg/kg trials cap at "
     "the dose of a 100 kg patient (which would be 3.125 mg here): check the protocol",
     1, {{"intra-arterial dose", 0.03125, 0, 0, 0, 0, 0, 1, NULL}}},
    {"ia-tnk-0.0625", "tenecteplase", "intra-arterial", "0.0625 mg/kg (max 6.25 mg)",
     "ATTENTION-IA (Hu et al., BMJ 2025;388:e080489; posterior circulation): 0.0625 mg/kg, "
     "max 6.25 mg; POST-TNK (Huang et al., JAMA 2025): 0.0625 mg/kg; DATE second tier",
     HS_DOSE_MG, 5.0, "TNKase label: 50 mg vial + 10 mL sterile water = 5 mg/mL", NULL, 1,
     {{"intra-arterial dose", 0.0625, 0, 0, 6.25, 0, 0, 1, NULL}}},
    {"ia-tnk-0.125", "tenecteplase", "intra-arterial", "0.125 mg/kg (max 12.5 mg)",
     "ANGEL-TNK (Miao et al., JAMA 2025): 0.125 mg/kg, max 12.5 mg; DATE third tier (stopped "
     "for intracranial haemorrhage)",
     HS_DOSE_MG,
     5.0, "TNKase label: 50 mg vial + 10 mL sterile water = 5 mg/mL", NULL, 1,
     {{"intra-arterial dose", 0.125, 0, 0, 12.5, 0, 0, 1, NULL}}},
    {"ia-tnk-0.1875", "tenecteplase", "intra-arterial", "0.1875 mg/kg",
     "DATE trial fourth tier, 3/4 of 0.25 mg/kg (JAMA Neurol 2025, doi "
     "10.1001/jamaneurol.2025.2036): planned, never given",
     HS_DOSE_MG, 5.0, "TNKase label: 50 mg vial + 10 mL sterile water = 5 mg/mL",
     "DATE never gave this tier: escalation stopped at 0.125 mg/kg for symptomatic "
     "intracranial haemorrhage (3 of 12); no maximum dose known",
     1, {{"intra-arterial dose", 0.1875, 0, 0, 0, 0, 0, 1, NULL}}},
    {"ia-urokinase", "urokinase", "intra-arterial", "100,000 U in 10 mL over 10-15 min (fixed dose)",
     "POST-UK trial (Liu et al., JAMA 2025;333:589-598) of a single intra-arterial urokinase "
     "dose after reperfusion; amount, volume and time not confirmed in its abstract",
     HS_DOSE_U, 10000.0, "100,000 U in 10 mL (10,000 U/mL) as the regimen is given", NULL, 1,
     {{"intra-arterial infusion", 0, 0, 100000.0, 0, 10 * MIN_S, 15 * MIN_S, 1, NULL}}},
    {"tirofiban", "tirofiban", "intravenous",
     "0.4 ug/kg/min for 30 min, then 0.1 ug/kg/min for 24 h",
     "tirofiban after IV thrombolysis (ASSET-IT, Tao et al., N Engl J Med 2025: 24-h "
     "infusion); the same two-step regimen is the Aggrastat label's NSTE-ACS dosing",
     HS_DOSE_UG, 50.0,
     "Aggrastat premixed bag 50 ug/mL (the 250 ug/mL concentrate is diluted to 50 ug/mL)",
     "the label halves the infusion rate when creatinine clearance is < 30 mL/min (not applied "
     "here)",
     2,
     {{"loading infusion", 0, 0.4, 0, 0, 30 * MIN_S, 30 * MIN_S, 1, NULL},
      {"maintenance infusion", 0, 0.1, 0, 0, 24 * HOUR_S, 24 * HOUR_S, 1, NULL}}},
    {"tirofiban-72h", "tirofiban", "intravenous",
     "0.4 ug/kg/min for 30 min, then 0.1 ug/kg/min for 72 h",
     "TREND (Zhao et al., JAMA Neurol 2024): tirofiban 0.4 ug/kg/min for 30 min, then 0.1 "
     "ug/kg/min, continued for 72 h, then oral antiplatelet therapy",
     HS_DOSE_UG, 50.0,
     "Aggrastat premixed bag 50 ug/mL (the 250 ug/mL concentrate is diluted to 50 ug/mL)",
     "the label halves the infusion rate when creatinine clearance is < 30 mL/min (not applied "
     "here)",
     2,
     {{"loading infusion", 0, 0.4, 0, 0, 30 * MIN_S, 30 * MIN_S, 1, NULL},
      {"maintenance infusion", 0, 0.1, 0, 0, 72 * HOUR_S, 72 * HOUR_S, 1, NULL}}},
    {"methylprednisolone", "methylprednisolone", "intravenous",
     "2 mg/kg/day (max 160 mg/day) for 3 days",
     "MARVEL (Yang et al., JAMA 2024;331:840-849): 2 mg/kg/day, max 160 mg/day, for 3 days "
     "(JAMA Netw Open 2025;8:e2459945 post hoc analysis)",
     HS_DOSE_MG, 62.5,
     "Solu-Medrol 125 mg Act-O-Vial (2 mL) and reconstituted 500 mg / 1 g vials = 62.5 mg/mL",
     NULL, 1, {{"daily dose", 2.0, 0, 0, 160.0, 0, 0, 3, "24 h"}}},
};
#define NREGIMENS (sizeof REGIMENS / sizeof REGIMENS[0])

size_t hs_stroke_regimen_count(void) { return NREGIMENS; }

const hs_stroke_regimen *hs_stroke_regimen_at(size_t i) {
  return i < NREGIMENS ? &REGIMENS[i] : NULL;
}

const hs_stroke_regimen *hs_stroke_regimen_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < NREGIMENS; i++)
    if (!strcmp(REGIMENS[i].name, name)) return &REGIMENS[i];
  return NULL;
}

const char *hs_dose_unit_name(hs_dose_unit u) {
  switch (u) {
  case HS_DOSE_MG: return "mg";
  case HS_DOSE_UG: return "ug";
  case HS_DOSE_U: return "U";
  }
  return "?";
}

const char *hs_dose_conc_unit_name(hs_dose_unit u) {
  switch (u) {
  case HS_DOSE_MG: return "mg/mL";
  case HS_DOSE_UG: return "ug/mL";
  case HS_DOSE_U: return "U/mL";
  }
  return "?";
}

int hs_stroke_regimen_weight_based(const hs_stroke_regimen *r) {
  if (!r) return 0;
  for (int k = 0; k < r->nphases; k++)
    if (r->phase[k].per_kg > 0 || r->phase[k].per_kg_min > 0) return 1;
  return 0;
}

/* Through the one unit parser (core/units.c): mass concentrations (mg/mL, ug/mL, ...)
   or activity concentrations (U/mL, IU/mL); a bare number is refused with the hint. */
hs_status hs_stroke_conc_parse(const char *text, hs_dose_unit u, double *out, hs_err *err) {
  if (!text) return hs_err_set(err, HS_ERR_INVALID, "missing concentration");
  double v;
  hs_status st = hs_quantity_parse_as(u == HS_DOSE_U ? HS_DIM_UNIT_CONC : HS_DIM_MASS_CONC, text,
                                      NULL, &v, err);
  if (st) return st;
  if (out) *out = u == HS_DOSE_UG ? v * 1000.0 : v; /* mg/mL -> ug/mL for ug regimens */
  return HS_OK;
}

/* "30 min", "24 h", "45 s" for messages. */
static void fmt_dur(double s, char *buf, size_t size) {
  if (s >= HOUR_S && fmod(s, HOUR_S) == 0)
    snprintf(buf, size, "%g h", s / HOUR_S);
  else if (s >= MIN_S)
    snprintf(buf, size, "%g min", s / MIN_S);
  else
    snprintf(buf, size, "%g s", s);
}

static void list_regimens(char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < NREGIMENS && used + 1 < size; i++) {
    int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", REGIMENS[i].name);
    if (n < 0) break;
    used += (size_t)n;
  }
}

/* Relative tolerance for "the cap binds" (amount above the cap beyond rounding). */
#define CAP_RTOL 1e-12

hs_status hs_stroke_dose_calc(const char *name, const hs_stroke_dose_req *req, hs_stroke_dose *out,
                              hs_err *err) {
  const hs_stroke_regimen *r = hs_stroke_regimen_find(name);
  if (!r) {
    char known[512], shown[SHOWN_MAX];
    list_regimens(known, sizeof known);
    show(name ? name : "", name ? strlen(name) : 0, shown, sizeof shown);
    return hs_err_set(err, HS_ERR_UNKNOWN, "unknown regimen '%s' (known: %s)", shown, known);
  }
  hs_stroke_dose_req none = {0, 0, 0, 0, 0, 0};
  if (!req) req = &none;
  int weight_based = hs_stroke_regimen_weight_based(r);
  if (!req->has_weight && weight_based)
    return hs_err_set(err, HS_ERR_INVALID, "%s is dosed by weight: a weight is required (kg)",
                      r->name);
  if (req->has_weight) {
    if (!isfinite(req->weight_kg))
      return hs_err_set(err, HS_ERR_INVALID, "weight is not a finite number");
    if (req->weight_kg < HS_STROKE_WEIGHT_MIN_KG || req->weight_kg > HS_STROKE_WEIGHT_MAX_KG)
      return hs_err_set(err, HS_ERR_RANGE, "weight %g kg is out of range [%g, %g] kg",
                        req->weight_kg, HS_STROKE_WEIGHT_MIN_KG, HS_STROKE_WEIGHT_MAX_KG);
  }
  const char *cu = hs_dose_conc_unit_name(r->unit);
  double conc = r->conc_default;
  if (req->has_conc) {
    if (!isfinite(req->conc))
      return hs_err_set(err, HS_ERR_INVALID, "concentration is not a finite number");
    if (!(req->conc > 0))
      return hs_err_set(err, HS_ERR_RANGE, "concentration %g %s is out of range: it must be > 0",
                        req->conc, cu);
    conc = req->conc;
  }
  if (req->has_duration) {
    char got[32];
    fmt_dur(req->duration_s, got, sizeof got);
    if (r->nphases != 1)
      return hs_err_set(err, HS_ERR_INVALID,
                        "%s has %d phases of fixed duration (%s): a duration cannot be given",
                        r->name, r->nphases, r->summary);
    const hs_stroke_phase_spec *ph = &r->phase[0];
    if (!isfinite(req->duration_s))
      return hs_err_set(err, HS_ERR_INVALID, "duration is not a finite number");
    if (ph->dur_max_s > 0) {
      char lo[32], hi[32];
      fmt_dur(ph->dur_min_s, lo, sizeof lo);
      fmt_dur(ph->dur_max_s, hi, sizeof hi);
      if (ph->dur_min_s == ph->dur_max_s)
        return hs_err_set(err, HS_ERR_INVALID,
                          "%s: the %s lasts a fixed %s; a duration cannot be given", r->name,
                          ph->label, lo);
      if (req->duration_s < ph->dur_min_s || req->duration_s > ph->dur_max_s)
        return hs_err_set(err, HS_ERR_RANGE,
                          "duration %s is out of the range studied for %s [%s, %s]", got,
                          r->name, lo, hi);
    } else if (!(req->duration_s > 0 && req->duration_s <= 24 * HOUR_S)) {
      return hs_err_set(err, HS_ERR_RANGE, "duration %s is out of range (0 s, 24 h]", got);
    }
  }

  hs_stroke_dose d;
  memset(&d, 0, sizeof d);
  d.regimen = r;
  d.has_weight = req->has_weight;
  d.weight_kg = req->has_weight ? req->weight_kg : NAN;
  d.conc = conc;
  d.conc_is_default = !req->has_conc;
  d.nphases = r->nphases;
  for (int k = 0; k < r->nphases; k++) {
    const hs_stroke_phase_spec *ph = &r->phase[k];
    hs_stroke_phase_dose *p = &d.phase[k];
    p->spec = ph;
    p->count = ph->count;
    p->dur_lo_s = ph->dur_min_s;
    p->dur_hi_s = ph->dur_max_s;
    if (req->has_duration) p->dur_lo_s = p->dur_hi_s = req->duration_s;
    if (ph->per_kg > 0)
      p->amount_calc = ph->per_kg * d.weight_kg;
    else if (ph->per_kg_min > 0)
      p->amount_calc = ph->per_kg_min * d.weight_kg * (ph->dur_max_s / MIN_S);
    else
      p->amount_calc = ph->fixed;
    p->amount = p->amount_calc;
    if (ph->cap > 0) {
      if (ph->per_kg > 0) p->cap_weight_kg = ph->cap / ph->per_kg;
      if (p->amount_calc > ph->cap * (1 + CAP_RTOL)) {
        p->amount = ph->cap;
        p->cap_binds = 1;
      }
    }
    p->per_kg_given = d.has_weight ? p->amount / d.weight_kg : NAN;
    p->volume_ml = p->amount / conc;
    if (p->dur_lo_s > 0) {
      p->rate_fast_mlh = p->volume_ml / (p->dur_lo_s / HOUR_S);
      p->rate_slow_mlh = p->volume_ml / (p->dur_hi_s / HOUR_S);
    } else {
      p->rate_fast_mlh = p->rate_slow_mlh = NAN;
    }
    p->total_amount = p->amount * p->count;
    p->total_volume_ml = p->volume_ml * p->count;
    d.total_amount += p->total_amount;
    d.total_volume_ml += p->total_volume_ml;
  }
  if (out) *out = d;
  return HS_OK;
}
