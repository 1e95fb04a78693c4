/*
 * micro_model.c - sublingual microcirculation sub-model (docs/microcirculation.md,
 * section "Model"): small-vessel TVD, PPV, PVD and MFI from the macro state.
 */
#include "hemosim/micro_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/drugs.h"
#include "hemosim/micro.h"
#include "ranges.h"

/* Reference haemoglobin at which tvd0 is defined (healthy volunteers). */
#define HB_REF_GDL 14.0

void hs_micro_model_defaults(hs_micro_model_params *p) {
  p->tvd0_mm_mm2 = 21.3;  /* Hubble et al. 2009: small vessels, healthy volunteers */
  p->q50_lpm_m2 = 1.2;    /* calibrated: Kara 2016 / Wei 2021 (docs) */
  p->hill_n = 4.0;        /* calibrated: Wei 2021 responder fractions */
  p->cont_ratio = 1.5;    /* calibrated: MFI 2.86 at CI 3 (Niculcea 2025) */
  p->p50_mmhg = 30.0;     /* calibrated: capillary perfusion pressure-independent above ~45 */
  p->p_width_mmhg = 5.0;
  p->hb_scale_gdl = 3.6;  /* calibrated: 98 % of capillaries RBC-filled at Hb 14 */
  p->obstructed = 0.0;
  p->vasoconstriction = 0.0;
  p->tone_exponent = 0.5; /* calibrated: Dubin 2009, NE MAP 65->85 no micro gain */
  p->oedema = 0.0;
}

void hs_micro_model_vaecmo_defaults(hs_micro_model_params *p) {
  hs_micro_model_defaults(p);
  p->obstructed = 0.06;
  p->oedema = 0.06;
  p->vasoconstriction = 0.05;
}

hs_status hs_micro_model_check(const hs_micro_model_params *p, const hs_micro_model_input *in,
                               hs_err *err) {
  if (!p || !in) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL argument");
  const hs_range_field pf[] = {
      {"tvd0_mm_mm2", p->tvd0_mm_mm2, 1, 60},
      {"q50_lpm_m2", p->q50_lpm_m2, 0.05, 10},
      {"hill_n", p->hill_n, 0.5, 20},
      {"cont_ratio", p->cont_ratio, 1, 5},
      {"p50_mmhg", p->p50_mmhg, 0, 100},
      {"p_width_mmhg", p->p_width_mmhg, 0.5, 50},
      {"hb_scale_gdl", p->hb_scale_gdl, 0.5, 20},
      {"obstructed", p->obstructed, 0, 0.99},
      {"vasoconstriction", p->vasoconstriction, 0, 0.99},
      {"tone_exponent", p->tone_exponent, 0, 5},
      {"oedema", p->oedema, 0, 5},
  };
  const hs_range_field inf[] = {
      {"map_mmhg", in->map_mmhg, 0, 300},
      {"cvp_mmhg", in->cvp_mmhg, -20, 100},
      {"ci_lpm_m2", in->ci_lpm_m2, 0, 20},
      {"hb_gdl", in->hb_gdl, 1, 25},
      {"sao2_upper_pct", in->sao2_upper_pct, 0, 100},
      {"drug_tone", in->drug_tone, 0.05, 100},
  };
  hs_status st = hs_check_ranges(pf, sizeof pf / sizeof pf[0], "micro model: parameter", err);
  if (st) return st;
  return hs_check_ranges(inf, sizeof inf / sizeof inf[0], "micro model: input", err);
}

/* x^n / (x^n + k^n), 0 for x <= 0 */
static double hill(double x, double k, double n) {
  if (x <= 0) return 0;
  return 1.0 / (1.0 + pow(k / x, n));
}

hs_status hs_micro_model_eval(const hs_micro_model_params *p, const hs_micro_model_input *in,
                              hs_micro_model_output *out, hs_err *err) {
  if (!out) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL output");
  hs_status st = hs_micro_model_check(p, in, err);
  if (st) return st;
  memset(out, 0, sizeof *out);

  /* capillary inflow: flow index cut by intrinsic (type 3) and drug tone */
  double qin = in->ci_lpm_m2 * (1.0 - p->vasoconstriction) * pow(in->drug_tone, -p->tone_exponent);
  double pp = in->map_mmhg - in->cvp_mmhg;
  double fp = 1.0 / (1.0 + exp(-(pp - p->p50_mmhg) / p->p_width_mmhg));
  double f = hill(qin, p->q50_lpm_m2, p->hill_n) * fp;           /* recruited */
  double k = hill(qin, p->cont_ratio * p->q50_lpm_m2, p->hill_n); /* continuous | recruited */
  double h = p->obstructed;
  out->frac[HS_FLOW_NONE] = h;
  out->frac[HS_FLOW_INTERMITTENT] = (1 - h) * (1 - f);
  out->frac[HS_FLOW_SLUGGISH] = (1 - h) * f * (1 - k);
  out->frac[HS_FLOW_CONTINUOUS] = (1 - h) * f * k;

  /* visible density: RBC-filled share (type 2) and tissue expansion (type 4) */
  double rbc = (1 - exp(-in->hb_gdl / p->hb_scale_gdl)) / (1 - exp(-HB_REF_GDL / p->hb_scale_gdl));
  out->tvd_mm_mm2 = p->tvd0_mm_mm2 * rbc / (1 + p->oedema);
  out->ppv_pct = 100 * (out->frac[HS_FLOW_SLUGGISH] + out->frac[HS_FLOW_CONTINUOUS]);
  if (out->ppv_pct > 100) out->ppv_pct = 100;
  out->pvd_mm_mm2 = out->tvd_mm_mm2 * out->ppv_pct / 100;
  out->mfi = out->frac[HS_FLOW_INTERMITTENT] + 2 * out->frac[HS_FLOW_SLUGGISH] +
             3 * out->frac[HS_FLOW_CONTINUOUS];
  if (out->mfi > 3) out->mfi = 3;
  out->inflow_lpm_m2 = qin;
  out->diffusion_ratio = sqrt(p->tvd0_mm_mm2 / out->tvd_mm_mm2);
  out->do2i_upper_mlmin_m2 = in->ci_lpm_m2 * 10 * 1.34 * in->hb_gdl * in->sao2_upper_pct / 100;
  return HS_OK;
}

static const char *const DRUG_PATHS[HS_DRUG_COUNT] = {
    [HS_DRUG_NOREPINEPHRINE] = "drugs.norepinephrine", [HS_DRUG_EPINEPHRINE] = "drugs.epinephrine",
    [HS_DRUG_DOBUTAMINE] = "drugs.dobutamine",         [HS_DRUG_DOPAMINE] = "drugs.dopamine",
    [HS_DRUG_MILRINONE] = "drugs.milrinone",           [HS_DRUG_VASOPRESSIN] = "drugs.vasopressin",
    [HS_DRUG_NITROPRUSSIDE] = "drugs.nitroprusside",   [HS_DRUG_ESMOLOL] = "drugs.esmolol",
};

hs_status hs_micro_model_input_from_sim(const hs_sim *sim, int window, hs_micro_model_input *in,
                                        hs_err *err) {
  if (!sim || !in) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL argument");
  size_t n = hs_sim_metric_count(sim);
  double *all = malloc((n ? n : 1) * sizeof *all);
  if (!all) return hs_err_set(err, HS_ERR_NOMEM, "micro model: out of memory");
  hs_status st = hs_sim_summary_all(sim, window, all, err);
  if (st) {
    free(all);
    return st;
  }
  static const char *const names[] = {"map_mmhg", "cvp_mmhg", "ci_lpm_m2", "sao2_upper_pct"};
  double *dst[] = {&in->map_mmhg, &in->cvp_mmhg, &in->ci_lpm_m2, &in->sao2_upper_pct};
  for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) {
    size_t i = 0;
    char buf[128];
    for (; i < n; i++) {
      const char *nm = hs_sim_metric_name(sim, i, buf, sizeof buf);
      if (nm && !strcmp(nm, names[j])) break;
    }
    if (i == n) {
      free(all);
      return hs_err_set(err, HS_ERR_UNKNOWN, "micro model: metric %s not found", names[j]);
    }
    *dst[j] = all[i];
  }
  free(all);
  return hs_micro_model_tone_from_sim(sim, NULL, in, err);
}

hs_status hs_micro_model_tone_from_sim(const hs_sim *sim, const double *extra,
                                       hs_micro_model_input *in, hs_err *err) {
  if (!sim || !in) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL argument");
  hs_status st = hs_sim_get(sim, "oxygen.hemoglobin", &in->hb_gdl, err);
  if (st) return st;
  double doses[HS_DRUG_COUNT];
  for (int d = 0; d < HS_DRUG_COUNT; d++) {
    if ((st = hs_sim_get(sim, DRUG_PATHS[d], &doses[d], err))) return st;
    if (extra) doses[d] += extra[d];
  }
  hs_drug_effect e;
  hs_drug_effect_of(doses, &e);
  in->drug_tone = e.resistance;
  return HS_OK;
}
