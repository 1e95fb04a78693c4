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
  if (!st) st = hs_micro_model_input_from_summary(sim, all, in, err);
  free(all);
  return st;
}

hs_status hs_micro_model_input_from_summary(const hs_sim *sim, const double *all,
                                            hs_micro_model_input *in, hs_err *err) {
  if (!sim || !all || !in) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL argument");
  size_t n = hs_sim_metric_count(sim);
  /* the MAP controller's drug acts outside the drugs block: its dose equivalents count in
     the arteriolar tone (as compare counts them) */
  double ne = 0, ntp = 0;
  static const char *const names[] = {"map_mmhg", "cvp_mmhg", "ci_lpm_m2", "sao2_upper_pct",
                                      "norepinephrine_equiv_ugkgmin",
                                      "nitroprusside_equiv_ugkgmin"};
  double *dst[] = {&in->map_mmhg, &in->cvp_mmhg, &in->ci_lpm_m2, &in->sao2_upper_pct, &ne, &ntp};
  for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) {
    size_t i = 0;
    char buf[128];
    for (; i < n; i++) {
      const char *nm = hs_sim_metric_name(sim, i, buf, sizeof buf);
      if (nm && !strcmp(nm, names[j])) break;
    }
    if (i == n) return hs_err_set(err, HS_ERR_UNKNOWN, "micro model: metric %s not found", names[j]);
    *dst[j] = all[i];
  }
  double extra[HS_DRUG_COUNT] = {0};
  if (ne > 0) extra[HS_DRUG_NOREPINEPHRINE] = ne;
  if (ntp > 0) extra[HS_DRUG_NITROPRUSSIDE] = ntp;
  return hs_micro_model_tone_from_sim(sim, extra, in, err);
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

/* ---- the patient's dysfunction and its fit to a measurement ------------------------ */

static const char *const FIT_FIELDS[HS_MFIT_COUNT] = {"obstructed", "oedema",
                                                      "vasoconstriction"};

const char *hs_micro_fit_field_name(int k) {
  return k >= 0 && k < HS_MFIT_COUNT ? FIT_FIELDS[k] : "?";
}

static double *fit_field(hs_micro_model_params *p, int k) {
  return k == HS_MFIT_OBSTRUCTED ? &p->obstructed
         : k == HS_MFIT_OEDEMA   ? &p->oedema
                                 : &p->vasoconstriction;
}

hs_status hs_micro_model_params_from_model(const hs_model *m, hs_micro_model_params *p,
                                           hs_err *err) {
  if (!m || !p) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL argument");
  hs_micro_model_defaults(p);
  for (int k = 0; k < HS_MFIT_COUNT; k++) {
    char path[64];
    snprintf(path, sizeof path, "microcirculation.%s", FIT_FIELDS[k]);
    hs_status st = hs_model_get(m, path, fit_field(p, k), err);
    if (st) return st;
  }
  return HS_OK;
}

hs_status hs_micro_model_params_from_sim(const hs_sim *sim, hs_micro_model_params *p,
                                         hs_err *err) {
  if (!sim || !p) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL argument");
  hs_micro_model_defaults(p);
  for (int k = 0; k < HS_MFIT_COUNT; k++) {
    char path[64];
    snprintf(path, sizeof path, "microcirculation.%s", FIT_FIELDS[k]);
    hs_status st = hs_sim_get(sim, path, fit_field(p, k), err);
    if (st) return st;
  }
  return HS_OK;
}

hs_status hs_micro_model_params_to_model(hs_model *m, const hs_micro_model_params *p,
                                         hs_err *err) {
  if (!m || !p) return hs_err_set(err, HS_ERR_INVALID, "micro model: NULL argument");
  hs_micro_model_params q = *p; /* fit_field reads through a non-const pointer */
  for (int k = 0; k < HS_MFIT_COUNT; k++) {
    char path[64];
    snprintf(path, sizeof path, "microcirculation.%s", FIT_FIELDS[k]);
    hs_status st = hs_model_set(m, path, *fit_field(&q, k), err);
    if (st) return st;
  }
  return HS_OK;
}

void hs_micro_measured_of(const hs_micro_result *r, hs_micro_measured *m) {
  const hs_micro_values *v = &r->mean[HS_MICRO_SMALL];
  m->tvd_mm_mm2 = v->tvd_mm_mm2;
  m->ppv_pct = v->ppv_pct;
  m->no_flow_pct = v->no_flow_pct;
  m->pvd_mm_mm2 = r->psvd_mm_mm2;
}

/* x to 4 significant digits */
static double sig4(double x) {
  if (!(x != 0) || !isfinite(x)) return x;
  char buf[32];
  snprintf(buf, sizeof buf, "%.4g", x);
  return strtod(buf, NULL);
}

/* Hold *x inside [lo, hi]; returns -1 / +1 when it had to be held, else 0. */
static int hold(double *x, double lo, double hi) {
  if (*x < lo) return *x = lo, -1;
  if (*x > hi) return *x = hi, 1;
  return 0;
}

hs_status hs_micro_model_fit(const hs_micro_model_params *base, const hs_micro_model_input *in,
                             const hs_micro_measured *meas, hs_micro_fit *out, hs_err *err) {
  if (!base || !in || !meas || !out)
    return hs_err_set(err, HS_ERR_INVALID, "micro fit: NULL argument");
  const hs_range_field mf[] = {
      {"small-vessel TVD (mm/mm2)", meas->tvd_mm_mm2, 0.1, 60},
      {"small-vessel PPV (%)", meas->ppv_pct, 0, 100},
      {"small-vessel no-flow share (%)", meas->no_flow_pct, 0, 100},
  };
  for (size_t i = 0; i < sizeof mf / sizeof mf[0]; i++)
    if (isnan(mf[i].v))
      return hs_err_set(err, HS_ERR_RANGE,
                        "micro fit: measured %s is missing (the fit needs traced vessel lengths "
                        "by flow class: length_mm or vessel records, not crossings alone)",
                        mf[i].name);
  hs_status st = hs_check_ranges(mf, sizeof mf / sizeof mf[0], "micro fit: measured", err);
  if (st) return st;
  if (meas->ppv_pct + meas->no_flow_pct > 100 + 1e-6)
    return hs_err_set(err, HS_ERR_RANGE,
                      "micro fit: measured small-vessel PPV %.4g %% + no-flow share %.4g %% "
                      "exceed 100 %%",
                      meas->ppv_pct, meas->no_flow_pct);
  if ((st = hs_micro_model_check(base, in, err))) return st;
  memset(out, 0, sizeof *out);
  hs_micro_model_params *p = &out->p;
  *p = *base;

  /* type 1: the no-flow share is the obstructed share */
  p->obstructed = meas->no_flow_pct / 100;
  if ((out->bound[HS_MFIT_OBSTRUCTED] = hold(&p->obstructed, 0, 0.99)))
    snprintf(out->note[HS_MFIT_OBSTRUCTED], sizeof out->note[0],
             "no-flow share %.1f %% held at the model's limit 99 %%", meas->no_flow_pct);

  /* type 4: visible density TVD0 x rbc / (1 + oedema) */
  double rbc = (1 - exp(-in->hb_gdl / p->hb_scale_gdl)) / (1 - exp(-HB_REF_GDL / p->hb_scale_gdl));
  double tvd_vis = p->tvd0_mm_mm2 * rbc;
  p->oedema = tvd_vis / meas->tvd_mm_mm2 - 1;
  if ((out->bound[HS_MFIT_OEDEMA] = hold(&p->oedema, 0, 5)) < 0)
    snprintf(out->note[HS_MFIT_OEDEMA], sizeof out->note[0],
             "measured small-vessel TVD %.1f mm/mm2 is above the model's density at Hb %.1f "
             "g/dL (%.1f): no oedema, TVD under-predicted",
             meas->tvd_mm_mm2, in->hb_gdl, tvd_vis);
  else if (out->bound[HS_MFIT_OEDEMA] > 0)
    snprintf(out->note[HS_MFIT_OEDEMA], sizeof out->note[0],
             "measured small-vessel TVD %.1f mm/mm2 would need oedema above 5 (500 %%)",
             meas->tvd_mm_mm2);

  /* type 3: PPV = 100 (1 - h) hill(qbase (1 - v)) fp */
  double qbase = in->ci_lpm_m2 * pow(in->drug_tone, -p->tone_exponent);
  double fp = 1.0 / (1.0 + exp(-((in->map_mmhg - in->cvp_mmhg) - p->p50_mmhg) / p->p_width_mmhg));
  double pmax = 100 * (1 - p->obstructed) * fp * hill(qbase, p->q50_lpm_m2, p->hill_n);
  double x = meas->ppv_pct / (100 * (1 - p->obstructed) * fp); /* hill share needed */
  int *vb = &out->bound[HS_MFIT_VASOCONSTRICTION];
  char *vn = out->note[HS_MFIT_VASOCONSTRICTION];
  if (meas->ppv_pct >= pmax) {
    p->vasoconstriction = 0;
    *vb = meas->ppv_pct > pmax + 1e-9 ? -1 : 0;
    if (*vb)
      snprintf(vn, sizeof out->note[0],
               "measured PPV %.1f %% is above the model's %.1f %% at this flow and pressure "
               "(CI %.2f L/min/m2, MAP - CVP %.0f mmHg) without vasoconstriction",
               meas->ppv_pct, pmax, in->ci_lpm_m2, in->map_mmhg - in->cvp_mmhg);
  } else if (!(x > 0)) {
    p->vasoconstriction = 0.99;
    *vb = 1;
    snprintf(vn, sizeof out->note[0], "no perfused small vessel: vasoconstriction at its limit");
  } else {
    double q = p->q50_lpm_m2 * pow(x / (1 - x), 1 / p->hill_n);
    p->vasoconstriction = 1 - q / qbase;
    *vb = hold(&p->vasoconstriction, 0, 0.99);
    if (*vb < 0) *vb = 0; /* PPV at pmax to round-off: no constriction, nothing held */
    if (*vb > 0)
      snprintf(vn, sizeof out->note[0],
               "measured PPV %.1f %% would need more than 99 %% cut of capillary inflow at CI "
               "%.2f L/min/m2",
               meas->ppv_pct, in->ci_lpm_m2);
  }
  for (int k = 0; k < HS_MFIT_COUNT; k++) *fit_field(p, k) = sig4(*fit_field(p, k));
  return hs_micro_model_eval(p, in, &out->pred, err);
}

hs_status hs_micro_fit_patient(const hs_model *m, const hs_micro_input *mi,
                               const hs_micro_result *mr, hs_micro_patient_fit *out,
                               hs_err *err) {
  if (!m || !mi || !mr || !out) return hs_err_set(err, HS_ERR_INVALID, "micro fit: NULL argument");
  memset(out, 0, sizeof *out);
  out->ecmo_flow_lpm = NAN;
  out->time_point = mi->time_point;
  out->hours_since_ecmo = mi->hours_since_ecmo;
  hs_micro_measured_of(mr, &out->meas);
  hs_model *c = hs_model_clone(m, err);
  if (!c) return err ? err->code : HS_ERR_NOMEM;
  hs_plan *plan = NULL;
  hs_sim *sim = NULL;
  hs_status st = HS_OK;
  if (isfinite(mi->ecmo_flow_lpm)) {
    double cur;
    if (hs_model_get(c, "ecmo.target_flow", &cur, NULL) != HS_OK) {
      st = hs_err_set(err, HS_ERR_INVALID,
                      "micro fit: the measurement was taken at an ECMO flow of %g L/min but "
                      "the patient has no VA-ECMO device named 'ecmo'",
                      mi->ecmo_flow_lpm);
      goto done;
    }
    if ((st = hs_model_set(c, "ecmo.target_flow", mi->ecmo_flow_lpm * 1000.0 / 60.0, err))) {
      hs_err_prefix(err, "micro fit: the measurement's ECMO flow: ");
      goto done;
    }
    out->ecmo_flow_lpm = mi->ecmo_flow_lpm;
  }
  if (mi->has_doses) {
    for (int d = 0; d < HS_DRUG_COUNT; d++) {
      out->doses[d] = mi->doses[d];
      if ((st = hs_model_set(c, DRUG_PATHS[d], mi->doses[d], err))) {
        hs_err_prefix(err, "micro fit: the measurement's vasoactive doses: ");
        goto done;
      }
    }
    out->doses_set = 1;
  }
  if (!(plan = hs_plan_compile(c, err)) || !(sim = hs_sim_new(plan, err))) {
    st = err ? err->code : HS_ERR_INVALID;
    goto done;
  }
  hs_steady_info info;
  st = hs_sim_run_to_steady(sim, &info, err);
  if (st == HS_ERR_NOT_STEADY) {
    hs_err_clear(err);
    st = HS_OK;
  }
  if (st) goto done;
  out->steady = info.reached;
  double wb = 8;
  if (hs_sim_get(sim, "solver.window_beats", &wb, NULL) != HS_OK || !(wb >= 1)) wb = 8;
  if ((st = hs_micro_model_input_from_sim(sim, (int)wb, &out->in, err))) goto done;
  if ((st = hs_micro_model_params_from_sim(sim, &out->before, err))) goto done;
  if ((st = hs_micro_model_eval(&out->before, &out->in, &out->pred_before, err))) goto done;
  st = hs_micro_model_fit(&out->before, &out->in, &out->meas, &out->fit, err);
done:
  hs_sim_free(sim);
  hs_plan_free(plan);
  hs_model_free(c);
  return st;
}
