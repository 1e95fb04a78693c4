/*
 * io/stroke_course_json.c - the 24-hour post-thrombectomy course as JSON
 * (hemosim-stroke/1, calculator "course"; hemosim/stroke_course.h,
 * docs/stroke_calculators.md "course").
 */
#include <math.h>

#include "hemosim/hemosim.h"
#include "io/json_util.h"

#define SET HS_JSET
#define PRECISION 6

static json_t *point_json(const hs_course_point *p) {
  json_t *o = json_object();
  int bad = !o;
  SET(o, "t_h", hs_jnum(p->t_s / 3600.0));
  SET(o, "sbp_mmhg", hs_jnum(p->sbp));
  SET(o, "map_mmhg", hs_jnum(p->map));
  SET(o, "in_band", json_boolean(p->in_band));
  SET(o, "bp_controller_factor", hs_jnum(p->controller));
  SET(o, "capillary_obstruction", hs_jnum(p->obstruction));
  SET(o, "cbf_reperfused_ml100gmin", hs_jnum(p->cbf_reperfused));
  SET(o, "cbf_nonreperfused_ml100gmin", hs_jnum(p->cbf_nonreperfused));
  SET(o, "cbf_territory_ml100gmin", hs_jnum(p->cbf_territory));
  SET(o, "cbf_reference_ml100gmin", hs_jnum(p->cbf_reference));
  SET(o, "rel_cbf_reperfused", hs_jnum(p->rel_reperfused));
  SET(o, "hypoperfused_fraction", hs_jnum(p->hypo_fraction));
  return hs_jdone(o, bad);
}

static json_t *arm_json(const hs_course_arm *a) {
  json_t *o = json_object(), *e = json_object(), *pts = json_array();
  int bad = !o || !e || !pts;
  SET(o, "strategy", json_string(a->strategy));
  SET(o, "controlled", json_string(a->on_map ? "map" : "sbp"));
  SET(o, "band_low_mmhg", hs_jnum(a->band_lo));
  SET(o, "band_high_mmhg", hs_jnum(a->band_hi));
  SET(o, "points_in_band", hs_jnum(a->points_in_band));
  SET(e, "mean_cbf_territory_ml100gmin", hs_jnum(a->mean_cbf_territory));
  SET(e, "min_cbf_territory_ml100gmin", hs_jnum(a->min_cbf_territory));
  SET(e, "mean_hypoperfused_fraction", hs_jnum(a->mean_hypo_fraction));
  SET(e, "hypoperfused_territory_hours", hs_jnum(a->hypo_fraction_h));
  SET(e, "time_territory_below_threshold_h", hs_jnum(a->time_below_h));
  SET(e, "time_hyperperfused_h", hs_jnum(a->time_hyper_h));
  SET(e, "hyperperfusion_burden_h", hs_jnum(a->hyper_burden_h));
  SET(e, "peak_rel_cbf_reperfused", hs_jnum(a->peak_rel_reperfused));
  SET(e, "final_capillary_obstruction", hs_jnum(a->final_obstruction));
  SET(o, "endpoints_model_proxies", e);
  for (size_t i = 0; pts && i < a->npoints; i++) {
    json_t *p = point_json(&a->pts[i]);
    bad |= !p || json_array_append_new(pts, p);
  }
  SET(o, "points", pts);
  return hs_jdone(o, bad);
}

char *hs_course_json(const hs_course_result *r, const hs_provenance *prov, hs_err *err) {
  int bad = 0;
  json_t *o = json_object(), *a = json_array();
  SET(o, "schema", json_string(HS_STROKE_JSON_SCHEMA));
  bad |= !o || hs_jprovenance(o, prov);
  SET(o, "calculator", json_string("course"));
  SET(o, "territory", json_string(r->territory->name));
  SET(o, "fraction_reperfused", hs_jnum(r->fraction));
  hs_reperfusion_grade g;
  SET(o, "etici", hs_etici_from_fraction(r->fraction, &g, NULL) ? json_null()
                                                                 : json_string(hs_etici_name(g.etici)));
  SET(o, "capillary_obstruction_0", hs_jnum(r->obstruction0));
  SET(o, "obstruction_half_life_h", hs_jnum(r->opts.half_life_s / 3600.0));
  SET(o, "clearance_exponent", hs_jnum(r->opts.clearance_exponent));
  SET(o, "duration_h", hs_jnum(r->opts.duration_s / 3600.0));
  SET(o, "step_min", hs_jnum(r->opts.step_s / 60.0));
  /* one of the two: an absolute threshold (--hypo-cbf) or the relative one (default) */
  SET(o, "hypoperfusion_below_ml100gmin",
      isnan(r->opts.hypo_cbf) ? json_null() : hs_jnum(r->opts.hypo_cbf));
  SET(o, "hypoperfusion_below_rel",
      isnan(r->opts.hypo_cbf) ? hs_jnum(r->opts.hypo_rel) : json_null());
  SET(o, "hyperperfusion_rel_above", hs_jnum(r->opts.hyper_rel));
  SET(o, "steady_states", json_integer(r->steady_states));
  SET(o, "note", json_string("every endpoint is a model proxy (simulated perfusion), not a "
                             "clinical outcome; the obstruction time course is an assumption "
                             "(docs/stroke_calculators.md)"));
  for (size_t i = 0; a && i < r->narms; i++) {
    json_t *x = arm_json(&r->arm[i]);
    bad |= !x || json_array_append_new(a, x);
  }
  SET(o, "strategies", a);
  return hs_jdump(o, bad, PRECISION, "the course", err);
}
