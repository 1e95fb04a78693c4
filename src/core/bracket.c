/*
 * core/bracket.c - Illinois regula falsi on a bracket built from measurements
 * (hemosim/core/bracket.h).
 */
#include "core/bracket.h"

void hs_bracket_add(hs_bracket *b, double v, double d) {
  if (d > 0 && b->have_hi && v >= b->v_hi) b->have_hi = 0, b->side = 0;
  if (d <= 0 && b->have_lo && v <= b->v_lo) b->have_lo = 0, b->side = 0;
  if (d > 0) {
    b->v_lo = v, b->d_lo = d, b->have_lo = 1;
    if (b->side == 1) b->d_hi *= 0.5; /* Illinois: the same end moved twice */
    b->side = 1;
  } else {
    b->v_hi = v, b->d_hi = d, b->have_hi = 1;
    if (b->side == -1) b->d_lo *= 0.5;
    b->side = -1;
  }
}

int hs_bracket_falsi(const hs_bracket *b, double *vn) {
  if (!(b->have_lo && b->have_hi && b->d_lo != b->d_hi)) return 0;
  *vn = b->v_lo - b->d_lo * (b->v_hi - b->v_lo) / (b->d_hi - b->d_lo);
  return 1;
}
