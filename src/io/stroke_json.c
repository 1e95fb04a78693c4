/*
 * io/stroke_json.c - the stroke calculators' results as JSON (hemosim-stroke/1;
 * hemosim/stroke.h, docs/stroke_calculators.md).
 */
#include <math.h>
#include <stdlib.h>

#include "hemosim/hemosim.h"
#include "io/json_util.h"

#define SET HS_JSET
#define PRECISION 8

static json_t *head(const char *calculator, int *bad) {
  json_t *o = json_object();
  *bad |= hs_jset(o, "schema", json_string(HS_STROKE_JSON_SCHEMA));
  *bad |= hs_jset(o, "hemosim_version", json_string(HS_VERSION));
  *bad |= hs_jset(o, "calculator", json_string(calculator));
  return o;
}

char *hs_stroke_mcis_json(const hs_mcis_result *m, hs_err *err) {
  int bad = 0;
  json_t *o = head("mcis", &bad), *a = json_array();
  for (int k = 0; k < HS_MCIS_REGIONS; k++)
    bad |= !a || json_array_append_new(a, json_integer(m->scores[k]));
  SET(o, "regions", a);
  SET(o, "total", json_integer(m->total));
  SET(o, "total_max", json_integer(HS_MCIS_TOTAL_MAX));
  SET(o, "no_reflow", json_boolean(m->no_reflow));
  SET(o, "no_reflow_total_max", json_integer(HS_MCIS_NO_REFLOW_MAX));
  return hs_jdump(o, bad, PRECISION, "the mCIS result", err);
}

char *hs_stroke_reperfusion_json(const hs_reperfusion_result *r, hs_err *err) {
  int bad = 0;
  json_t *o = head("reperfusion", &bad);
  SET(o, "baseline_ml", hs_jnum(r->baseline_ml));
  SET(o, "followup_ml", hs_jnum(r->followup_ml));
  SET(o, "reduction_ml", hs_jnum(r->reduction_ml));
  SET(o, "reduction_pct", hs_jnum(r->reduction_pct));
  SET(o, "reperfused", json_boolean(r->reperfused));
  SET(o, "reduction_needed_above_pct", hs_jnum(HS_REPERFUSION_MIN_REDUCTION_PCT));
  return hs_jdump(o, bad, PRECISION, "the reperfusion result", err);
}

char *hs_stroke_perfusion_json(const double rel[2], const hs_perf_class cls[2],
                               const hs_perf_cutoffs cut[2], int default_cutoffs, hs_err *err) {
  static const char *const keys[2] = {"cbf", "cbv"};
  int bad = 0;
  json_t *o = head("perfusion-class", &bad);
  for (int k = 0; k < 2; k++) {
    if (isnan(rel[k])) continue;
    json_t *c = json_object();
    SET(c, "relative", hs_jnum(rel[k]));
    SET(c, "class", json_string(hs_perf_class_name(cls[k])));
    SET(c, "hypo_below", hs_jnum(cut[k].hypo_below));
    SET(c, "hyper_above", hs_jnum(cut[k].hyper_above));
    SET(o, keys[k], c);
  }
  SET(o, "default_cutoffs", json_boolean(default_cutoffs));
  return hs_jdump(o, bad, PRECISION, "the perfusion result", err);
}

static json_t *side_json(const hs_tcd_side *s, double pi, int raised) {
  json_t *o = json_object();
  int bad = 0;
  SET(o, "psv_cms", hs_jnum(s->psv_cms));
  SET(o, "edv_cms", hs_jnum(s->edv_cms));
  SET(o, "mean_cms", hs_jnum(s->mean_cms));
  SET(o, "pi", hs_jnum(pi));
  SET(o, "pi_raised", json_boolean(raised));
  return hs_jdone(o, bad);
}

char *hs_stroke_tcd_json(const hs_tcd_side *affected, const hs_tcd_side *contra,
                         const hs_tcd_limits *lim, const hs_tcd_result *r, hs_err *err) {
  int bad = 0;
  json_t *o = head("tcd", &bad);
  SET(o, "affected", side_json(affected, r->pi, r->pi_raised));
  if (r->has_contra && contra) {
    SET(o, "contralateral", side_json(contra, r->pi_contra, r->contra_raised));
    SET(o, "pi_difference", hs_jnum(r->pi_diff));
    SET(o, "pi_ratio", hs_jnum(r->pi_ratio));
    SET(o, "asymmetric", json_boolean(r->asymmetric));
  }
  SET(o, "pi_raised_above", hs_jnum(lim->pi_raised_above));
  SET(o, "asym_ratio_above", hs_jnum(lim->asym_ratio_above));
  return hs_jdump(o, bad, PRECISION, "the TCD result", err);
}

/* The regimen's fields into o. */
static int regimen_fields(json_t *o, const hs_stroke_regimen *r) {
  int bad = 0;
  SET(o, "regimen", json_string(r->name));
  SET(o, "drug", json_string(r->drug));
  SET(o, "route", json_string(r->route));
  SET(o, "summary", json_string(r->summary));
  SET(o, "unit", json_string(hs_dose_unit_name(r->unit)));
  SET(o, "weight_based", json_boolean(hs_stroke_regimen_weight_based(r)));
  SET(o, "default_concentration", hs_jnum(r->conc_default));
  SET(o, "concentration_unit", json_string(hs_dose_conc_unit_name(r->unit)));
  SET(o, "concentration_source", json_string(r->conc_source));
  SET(o, "source", json_string(r->source));
  SET(o, "note", hs_jstr(r->note));
  return bad;
}

char *hs_stroke_regimens_json(hs_err *err) {
  int bad = 0;
  json_t *o = head("dose", &bad), *a = json_array();
  for (size_t i = 0; a && i < hs_stroke_regimen_count(); i++) {
    json_t *x = json_object();
    bad |= !x || regimen_fields(x, hs_stroke_regimen_at(i)) || json_array_append_new(a, x);
  }
  SET(o, "regimens", a);
  return hs_jdump(o, bad, PRECISION, "the regimen list", err);
}

static json_t *phase_json(const hs_stroke_phase_dose *p) {
  const hs_stroke_phase_spec *s = p->spec;
  json_t *ph = json_object();
  int bad = 0;
  SET(ph, "label", json_string(s->label));
  SET(ph, "per_kg", s->per_kg > 0 ? hs_jnum(s->per_kg) : json_null());
  SET(ph, "per_kg_min", s->per_kg_min > 0 ? hs_jnum(s->per_kg_min) : json_null());
  SET(ph, "fixed", s->fixed > 0 ? hs_jnum(s->fixed) : json_null());
  SET(ph, "cap", s->cap > 0 ? hs_jnum(s->cap) : json_null());
  SET(ph, "amount_calculated", hs_jnum(p->amount_calc));
  SET(ph, "amount", hs_jnum(p->amount));
  SET(ph, "cap_binds", json_boolean(p->cap_binds));
  SET(ph, "cap_binds_above_kg", p->cap_weight_kg > 0 ? hs_jnum(p->cap_weight_kg) : json_null());
  SET(ph, "per_kg_given", hs_jnum(p->per_kg_given));
  SET(ph, "volume_ml", hs_jnum(p->volume_ml));
  SET(ph, "time_min_s", p->dur_lo_s > 0 ? hs_jnum(p->dur_lo_s) : json_null());
  SET(ph, "time_max_s", p->dur_hi_s > 0 ? hs_jnum(p->dur_hi_s) : json_null());
  SET(ph, "rate_fast_ml_h", hs_jnum(p->rate_fast_mlh));
  SET(ph, "rate_slow_ml_h", hs_jnum(p->rate_slow_mlh));
  SET(ph, "count", json_integer(p->count));
  SET(ph, "every", hs_jstr(s->every));
  SET(ph, "total_amount", hs_jnum(p->total_amount));
  SET(ph, "total_volume_ml", hs_jnum(p->total_volume_ml));
  return hs_jdone(ph, bad);
}

char *hs_stroke_dose_json(const hs_stroke_dose *d, hs_err *err) {
  int bad = 0;
  json_t *o = head("dose", &bad), *a = json_array();
  bad |= !o || regimen_fields(o, d->regimen);
  SET(o, "weight_kg", d->has_weight ? hs_jnum(d->weight_kg) : json_null());
  SET(o, "concentration", hs_jnum(d->conc));
  SET(o, "concentration_is_default", json_boolean(d->conc_is_default));
  for (int k = 0; a && k < d->nphases; k++) {
    json_t *ph = phase_json(&d->phase[k]);
    bad |= !ph || json_array_append_new(a, ph);
  }
  SET(o, "phases", a);
  SET(o, "total_amount", hs_jnum(d->total_amount));
  SET(o, "total_volume_ml", hs_jnum(d->total_volume_ml));
  return hs_jdump(o, bad, PRECISION, "the dose result", err);
}

char *hs_stroke_etici_json(const hs_reperfusion_grade *g, hs_err *err) {
  int bad = 0;
  json_t *o = head("etici", &bad);
  SET(o, "etici", json_string(hs_etici_name(g->etici)));
  SET(o, "meaning", json_string(hs_etici_meaning(g->etici)));
  SET(o, "mtici", g->from_mtici ? json_string(g->mtici) : json_null());
  SET(o, "reperfused_pct_low", hs_jnum(g->range_lo_pct));
  SET(o, "reperfused_pct_high", hs_jnum(g->range_hi_pct));
  SET(o, "territory_fraction_reperfused", hs_jnum(g->fraction));
  return hs_jdump(o, bad, PRECISION, "the reperfusion grade", err);
}

static json_t *patient_json(const hs_stroke_patient *p) {
  static const char *const terr[] = {"anterior", "posterior"};
  json_t *o = json_object();
  int bad = 0;
  SET(o, "onset_s", hs_jnum(p->onset_s));
  SET(o, "ivt", p->ivt < 0 ? json_null() : json_boolean(p->ivt));
  SET(o, "ivt_ago_s", p->ivt == 1 ? hs_jnum(p->ivt_ago_s) : json_null());
  SET(o, "etici", p->has_grade ? json_string(hs_etici_name(p->grade.etici)) : json_null());
  SET(o, "mtici", p->has_grade && p->grade.from_mtici ? json_string(p->grade.mtici) : json_null());
  SET(o, "territory", p->territory >= 0 ? json_string(terr[p->territory]) : json_null());
  SET(o, "cardioembolic", p->cardioembolic < 0 ? json_null() : json_boolean(p->cardioembolic));
  SET(o, "weight_kg", p->has_weight ? hs_jnum(p->weight_kg) : json_null());
  SET(o, "nihss", p->has_nihss ? json_integer(p->nihss) : json_null());
  SET(o, "age_years", p->has_age ? json_integer(p->age_years) : json_null());
  return hs_jdone(o, bad);
}

char *hs_stroke_eligibility_json(const hs_stroke_eligibility *e, hs_err *err) {
  static const char *const status[] = {"not eligible", "eligible", "unknown"};
  int bad = 0;
  json_t *o = head("eligibility", &bad), *a = json_array();
  SET(o, "patient", patient_json(&e->patient));
  for (size_t i = 0; a && i < e->n; i++) {
    const hs_stroke_eligibility_row *r = &e->row[i];
    const hs_stroke_indication *in = r->ind;
    json_t *x = json_object();
    int b = !x;
    b |= hs_jset(x, "id", json_string(in->id));
    b |= hs_jset(x, "trial", json_string(in->trial));
    b |= hs_jset(x, "regimen", json_string(in->regimen));
    b |= hs_jset(x, "eligible", r->status == HS_ELIG_UNKNOWN ? json_null()
                                                           : json_boolean(r->status == HS_ELIG_YES));
    b |= hs_jset(x, "status", json_string(status[r->status]));
    b |= hs_jset(x, "rule", json_string(r->rule));
    if (r->has_dose) {
      char *d = hs_stroke_dose_json(&r->dose, err);
      json_t *dj = d ? json_loads(d, 0, NULL) : NULL;
      free(d);
      if (dj) { /* the dose document without its own header */
        json_object_del(dj, "schema");
        json_object_del(dj, "hemosim_version");
        json_object_del(dj, "calculator");
      }
      b |= hs_jset(x, "dose", dj);
    } else {
      b |= hs_jset(x, "dose", json_null());
    }
    b |= hs_jset(x, "result", json_string(hs_trial_result_name(in->result)));
    b |= hs_jset(x, "outcome", json_string(in->outcome));
    b |= hs_jset(x, "citation", json_string(in->citation));
    b |= hs_jset(x, "population", json_string(in->population));
    b |= hs_jset(x, "stopped", hs_jstr(in->stopped));
    b |= hs_jset(x, "note", hs_jstr(in->note));
    b |= hs_jset(x, "not_checked", hs_jstr(in->unchecked));
    bad |= b || json_array_append_new(a, x);
  }
  SET(o, "indications", a);
  SET(o, "disclaimer", json_string("trial populations, not a prescription: check every "
                                   "criterion and dose against the trial report and the "
                                   "local protocol"));
  return hs_jdump(o, bad, PRECISION, "the eligibility result", err);
}
