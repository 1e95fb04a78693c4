/*
 * strategy_model.c - one strategy applied to a patient, as a model a caller can
 * simulate (hemosim serve's "apply this strategy" button): the patient on VA-ECMO in
 * flow control (hs_strategy_base) with the context's aortic regurgitation
 * (hs_strategy_patient_context) and the strategy's devices, settings and drugs, at the
 * given ECMO flow.  The same construction compare.c and optimize.c simulate.
 */
#include <math.h>

#include "analysis/strategy.h"
#include "hemosim/compare.h"
#include "hemosim/units.h"

hs_status hs_strategy_model(const hs_model *patient, const char *text, double ecmo_flow_lpm,
                            hs_model **out, hs_err *err) {
  return hs_strategy_model_ctx(patient, text, ecmo_flow_lpm, NULL, out, err);
}

hs_status hs_strategy_model_ctx(const hs_model *patient, const char *text, double ecmo_flow_lpm,
                                const hs_context *ctx, hs_model **out, hs_err *err) {
  hs_strategy st;
  hs_model *m = NULL;
  *out = NULL;
  hs_status s = hs_strategy_parse(text, &st, err);
  if (s) return s;
  if (!(ecmo_flow_lpm == 0 || (isfinite(ecmo_flow_lpm) && ecmo_flow_lpm > 0 && ecmo_flow_lpm <= 8)))
    return hs_err_set(err, HS_ERR_RANGE, "ECMO flow %g L/min: allowed 0 (the strategy's or the "
                      "patient's flow) or (0, 8] L/min", ecmo_flow_lpm);
  if ((s = hs_strategy_base(patient, &m, err))) return s;
  if (ctx) { /* the aortic regurgitation of the context, as compare simulates it */
    hs_context cx = *ctx;
    if ((s = hs_strategy_patient_context(m, &cx, err))) goto fail;
  }
  if ((s = hs_strategy_apply(m, &st, err))) goto fail;
  double flow = ecmo_flow_lpm > 0 ? ecmo_flow_lpm : st.fixed_flow_lpm;
  if (flow > 0 && (s = hs_model_set(m, "ecmo.target_flow", flow * HS_MLS_PER_LPM, err))) goto fail;
  *out = m;
  return HS_OK;
fail:
  hs_model_free(m);
  return s;
}
