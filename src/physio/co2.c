/*
 * physio/co2.c - blood CO2 chemistry and pH (equations and sources in hemosim/co2.h
 * and docs/model.md 2.19).
 */
#include "hemosim/co2.h"

#include <math.h>

double hs_co2_bicarbonate(double pco2, double ph) {
  return HS_CO2_SOLUBILITY * (pco2 > 0 ? pco2 : 0.0) * pow(10.0, ph - HS_CO2_PK);
}

/*
 * f(pH) = HCO3(pH) + beta (pH - 7.4) - 24.8 - BE / (1 - 0.014 Hb') increases with pH
 * (both terms do): Newton from 7.4, kept inside a bracket that halves when a step
 * leaves it.
 */
double hs_co2_ph(double pco2, double be, double hb) {
  if (!(pco2 > 0)) pco2 = 1e-3;
  double hbm = 0.6206 * hb, beta = 1.43 * hbm + 7.7;
  double rhs = 24.8 + be / (1.0 - 0.014 * hbm);
  double a = HS_CO2_SOLUBILITY * pco2 * pow(10.0, -HS_CO2_PK);
  double lo = 6.0, hi = 8.0, x = 7.4; /* beyond: incompatible with life (and the
                                         Douglas factor needs pH < 8.142) */
  for (int it = 0; it < 60; it++) {
    double e = a * pow(10.0, x);
    double f = e + beta * (x - 7.4) - rhs;
    if (f > 0) hi = x;
    else lo = x;
    double xn = x - f / (e * 2.302585092994046 + beta);
    /* converged: tested before the bracket, whose bisection would otherwise take over when
       rounding puts a converged Newton step a hair outside it (~30 more iterations) */
    if (fabs(xn - x) < 1e-12) return xn;
    if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
    x = xn;
  }
  return x;
}

double hs_co2_content(double pco2, double be, double hb, double so2) {
  if (!(pco2 > 0)) return 0.0;
  double ph = hs_co2_ph(pco2, be, hb);
  double plasma = 0.1 * HS_CO2_ML_PER_MMOL * HS_CO2_SOLUBILITY * pco2 *
                  (1.0 + pow(10.0, ph - HS_CO2_PK));
  double s = so2 < 0 ? 0.0 : so2 > 1 ? 1.0 : so2;
  return plasma * (1.0 - 0.0289 * hb / ((3.352 - 0.456 * s) * (8.142 - ph)));
}

/* Root of an increasing f on [lo, hi] with f(lo) <= 0 <= f(hi): regula falsi with the
   Illinois modification (superlinear, never leaves the bracket). */
double hs_co2_root(double (*f)(double, const void *), const void *ud, double lo, double hi,
                   double tol) {
  double flo = f(lo, ud), fhi = f(hi, ud);
  int side = 0;
  for (int i = 0; i < 100 && hi - lo > tol; i++) {
    double x = fhi - flo > 0 ? (lo * fhi - hi * flo) / (fhi - flo) : 0.5 * (lo + hi);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    double fx = f(x, ud);
    if (fx == 0) return x;
    if (fx < 0) {
      lo = x, flo = fx;
      if (side < 0) fhi *= 0.5;
      side = -1;
    } else {
      hi = x, fhi = fx;
      if (side > 0) flo *= 0.5;
      side = 1;
    }
    if (fabs(fx) < 1e-13) break;
  }
  return flo == fhi ? 0.5 * (lo + hi) : (lo * fhi - hi * flo) / (fhi - flo);
}

typedef struct inv_arg {
  double c, be, hb, so2;
} inv_arg;

static double content_minus(double p, const void *ud) {
  const inv_arg *a = ud;
  return hs_co2_content(p, a->be, a->hb, a->so2) - a->c;
}

double hs_co2_pco2_from_content(double c, double be, double hb, double so2) {
  if (!(c > 0)) return 0.0;
  /* content increases with PCO2: bracket, then regula falsi */
  inv_arg a = {c, be, hb, so2};
  double lo = 0.0, hi = 64.0;
  while (content_minus(hi, &a) < 0 && hi < 1e5) lo = hi, hi *= 2.0;
  return hs_co2_root(content_minus, &a, lo, hi, 1e-7);
}
