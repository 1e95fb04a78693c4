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
  /* content is strictly increasing in P: bracket, then Newton's method kept inside the
     bracket (a bisection step whenever Newton would leave it): ~5 steps instead of the ~40
     of a bisection (a beat's metrics invert the content of every node) */
  double lo = 0.0, hi = 100.0;
  while (hs_o2_content(hb, hi) < c && hi < 1e6) hi *= 2.0;
  double p = 0.5 * (lo + hi), a = HS_O2_HUFNER * hb;
  for (int i = 0; i < 200; i++) {
    double f = hs_o2_content(hb, p) - c;
    if (f == 0.0) return p;
    if (f < 0.0) lo = p;
    else hi = p;
    double x = p * p * p + 150.0 * p + 23400.0;
    double df = a * 23400.0 * (3.0 * p * p + 150.0) / (x * x) + HS_O2_SOLUBILITY;
    double pn = p - f / df;
    if (!(pn > lo && pn < hi)) pn = 0.5 * (lo + hi);
    if (fabs(pn - p) <= 1e-13 * (1.0 + p) || hi - lo <= 1e-12 * (1.0 + p)) return pn;
    p = pn;
  }
  return p;
}

double hs_o2_alveolar_po2(double fio2, double pb, double paco2, double rq) {
  double p = fio2 * (pb - HS_PH2O_MMHG) - paco2 * (fio2 + (1.0 - fio2) / rq);
  return p > 0 ? p : 0.0;
}

double hs_o2_svo2_sample(double svo2_drained_pct, double svo2_pa_pct) {
  return isfinite(svo2_drained_pct) ? svo2_drained_pct : svo2_pa_pct;
}
