/*
 * physio/oxygen.c - haemoglobin-oxygen dissociation and O2 content.
 * Equations and sources in hemosim/oxygen.h and docs/oxygen.md.
 */
#include "hemosim/oxygen.h"

#include <math.h>

double hs_o2_saturation(double p) {
  if (!(p > 0)) return 0.0;
  return 1.0 / (23400.0 / (p * p * p + 150.0 * p) + 1.0);
}

double hs_o2_content(double hb, double p) {
  return HS_O2_HUFNER * hb * hs_o2_saturation(p) + HS_O2_SOLUBILITY * (p > 0 ? p : 0);
}

double hs_o2_po2_from_content(double hb, double c) {
  if (!(c > 0)) return 0.0;
  /* content is strictly increasing in P: bracket, then bisect (robust, ~60 steps) */
  double lo = 0.0, hi = 100.0;
  while (hs_o2_content(hb, hi) < c && hi < 1e6) hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-9; i++) {
    double mid = 0.5 * (lo + hi);
    if (hs_o2_content(hb, mid) < c) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

double hs_o2_alveolar_po2(double fio2, double pb, double paco2, double rq) {
  double p = fio2 * (pb - HS_PH2O_MMHG) - paco2 * (fio2 + (1.0 - fio2) / rq);
  return p > 0 ? p : 0.0;
}

double hs_o2_svo2_sample(double svo2_drained_pct, double svo2_pa_pct) {
  return isfinite(svo2_drained_pct) ? svo2_drained_pct : svo2_pa_pct;
}
