/*
 * physio/baroreflex.c - Ursino 1998 carotid baroreflex (equations in
 * hemosim/baroreflex.h; parameters and sources in src/model/globals.c and
 * docs/baroreflex.md).
 */
#include "hemosim/baroreflex.h"

#include <math.h>

static double afferent(const double *bp, double pf) {
  double e = exp((pf - bp[HS_BP_PN]) / bp[HS_BP_KA]);
  return (bp[HS_BP_FMIN] + bp[HS_BP_FMAX] * e) / (1.0 + e);
}

void hs_baro_sigma(const double *bp, double pf, double sigma[HS_BARO_NEFF]) {
  double fcs = afferent(bp, pf);
  double fes = bp[HS_BP_FES_INF] + (bp[HS_BP_FES_0] - bp[HS_BP_FES_INF]) * exp(-bp[HS_BP_KES] * fcs);
  double ev = exp((fcs - bp[HS_BP_FCS_0]) / bp[HS_BP_KEV]);
  double fev = (bp[HS_BP_FEV_0] + bp[HS_BP_FEV_INF] * ev) / (1.0 + ev);
  double symp = fes >= bp[HS_BP_FES_MIN] ? log(fes - bp[HS_BP_FES_MIN] + 1.0) : 0.0;
  for (int k = 0; k < HS_BARO_NEFF; k++) sigma[k] = bp[HS_BP_G0 + k] * symp;
  sigma[HS_BARO_T_VAGAL] = bp[HS_BP_G0 + HS_BARO_T_VAGAL] * fev;
}

void hs_baro_rest_state(const double *bp, double x[HS_BARO_NSTATE]) {
  double sigma[HS_BARO_NEFF];
  hs_baro_sigma(bp, bp[HS_BP_PN], sigma);
  x[0] = bp[HS_BP_PN];
  for (int k = 0; k < HS_BARO_NEFF; k++) x[1 + 2 * k] = x[2 + 2 * k] = sigma[k];
}

void hs_baro_rhs(const double *bp, const double *x, double p, double dp, double *dx) {
  dx[0] = (p + bp[HS_BP_TAU_Z] * dp - x[0]) / bp[HS_BP_TAU_P];
  double sigma[HS_BARO_NEFF];
  hs_baro_sigma(bp, x[0], sigma);
  for (int k = 0; k < HS_BARO_NEFF; k++) {
    double z = x[1 + 2 * k], v = x[2 + 2 * k];
    dx[1 + 2 * k] = (sigma[k] - z) / bp[HS_BP_D0 + k];
    dx[2 + 2 * k] = (z - v) / bp[HS_BP_TAU0 + k];
  }
}

void hs_baro_effect_of(const double *bp, const double *x, const double *xref,
                       hs_baro_effect *e) {
#define EFF(k) (x[2 + 2 * (k)])
#define REF(k) (xref[2 + 2 * (k)])
#define RATIO(k) ((bp[HS_BP_TH0 + (k)] + EFF(k)) / (bp[HS_BP_TH0 + (k)] + REF(k)))
  e->ees_lv = RATIO(HS_BARO_EES_LV);
  e->ees_rv = RATIO(HS_BARO_EES_RV);
  e->r_splanchnic = RATIO(HS_BARO_R_SPLANCHNIC);
  e->r_extra = RATIO(HS_BARO_R_EXTRA);
  e->dvu_splanchnic = EFF(HS_BARO_VU_SPLANCHNIC) - REF(HS_BARO_VU_SPLANCHNIC);
  e->dvu_extra = EFF(HS_BARO_VU_EXTRA) - REF(HS_BARO_VU_EXTRA);
  e->dperiod = EFF(HS_BARO_T_SYMP) - REF(HS_BARO_T_SYMP) + EFF(HS_BARO_T_VAGAL) -
               REF(HS_BARO_T_VAGAL);
#undef EFF
#undef REF
#undef RATIO
}
