/*
 * io/perfusion_json.c - a perfusion-imaging measurement as JSON (hemosim-perfusion/1;
 * hemosim/perfusion.h, docs/perfusion.md).
 */
#include <math.h>

#include "hemosim/hemosim.h"
#include "io/json_util.h"

#define SET HS_JSET
#define PRECISION 6

/* A classification only when a reference gave relative values. */
static json_t *cls(const hs_perfusion *p, const char *name) {
  return p->has_reference ? json_string(name) : json_null();
}

static json_t *territory(const hs_perfusion *p, const hs_perfusion_territory *t) {
  int bad = 0;
  json_t *o = json_object();
  SET(o, "name", hs_jstr(t->name));
  SET(o, "bed", hs_jstr(t->bed));
  SET(o, "arteries", hs_jstr(t->arteries));
  SET(o, "mass_g", hs_jnum(t->mass_g));
  SET(o, "flow_mlmin", hs_jnum(t->flow_mlmin));
  SET(o, "cbf_ml100gmin", hs_jnum(t->cbf));
  SET(o, "cbv_ml100g", hs_jnum(t->cbv));
  SET(o, "mtt_s", hs_jnum(t->mtt_s));
  SET(o, "tmax_s", hs_jnum(t->tmax_s));
  SET(o, "tmax_over_6s", json_boolean(t->tmax_over_6s));
  SET(o, "rcbf", hs_jnum(t->rcbf));
  SET(o, "rcbv", hs_jnum(t->rcbv));
  SET(o, "rmtt", hs_jnum(t->rmtt));
  SET(o, "cbf_class", cls(p, hs_perf_class_name(t->cbf_class)));
  SET(o, "cbv_class", cls(p, hs_perf_class_name(t->cbv_class)));
  SET(o, "group", cls(p, hs_perf_group_name(t->group)));
  SET(o, "core", p->has_reference ? json_boolean(t->core) : json_null());
  return hs_jdone(o, bad);
}

char *hs_perfusion_json(const hs_perfusion *p, const hs_perfusion_options *opt,
                        const hs_provenance *prov, hs_err *err) {
  hs_perfusion_options o = opt ? *opt : hs_perfusion_options_default();
  int bad = 0;
  json_t *root = json_object();
  SET(root, "schema", json_string(HS_PERFUSION_JSON_SCHEMA));
  bad |= hs_jprovenance(root, prov);
  SET(root, "arterial_input", hs_jstr(p->aif));
  SET(root, "map_mmhg", hs_jnum(p->map_mmhg));
  SET(root, "icp_mmhg", hs_jnum(p->icp_mmhg));
  SET(root, "venous_pool_ml", hs_jnum(p->venous_ml));
  SET(root, "reference", json_boolean(p->has_reference));
  json_t *c = json_object();
  SET(c, "tmax_s", hs_jnum(HS_PERFUSION_TMAX_S));
  SET(c, "core_rcbf", hs_jnum(HS_PERFUSION_CORE_RCBF));
  SET(c, "cbf_hypo_below", hs_jnum(o.cbf.hypo_below));
  SET(c, "cbf_hyper_above", hs_jnum(o.cbf.hyper_above));
  SET(c, "cbv_hypo_below", hs_jnum(o.cbv.hypo_below));
  SET(c, "cbv_hyper_above", hs_jnum(o.cbv.hyper_above));
  SET(root, "cutoffs", c);
  json_t *a = json_array();
  for (int k = 0; k < p->n; k++) {
    json_t *t = territory(p, &p->t[k]);
    bad |= !t || !a || json_array_append_new(a, t);
  }
  SET(root, "territories", a);
  SET(root, "tmax_lesion", json_boolean(p->tmax_lesion));
  SET(root, "recanalised", json_boolean(p->recanalised));
  SET(root, "horie_no_reflow",
      p->horie_no_reflow < 0 ? json_null() : json_boolean(p->horie_no_reflow));
  return hs_jdump(root, bad, PRECISION, "the perfusion measurement", err);
}
