/*
 * analysis/identify.h - local identifiability of a bounded least-squares fit
 * (internal to the library; used by calibrate.c, tested on matrices with known
 * answers in tests/test_identify.c).
 *
 * Input: the Fisher information F = J^T J of n parameters in ln units (J: the
 * sensitivities of the residuals in sd units), the fitted point x = ln p and the
 * bounds [lo, hi] (ln units).  Output per parameter: its relative standard error
 * and whether these data determine it.  docs/calibration.md, "Identifiability".
 */
#ifndef HS_ANALYSIS_IDENTIFY_H
#define HS_ANALYSIS_IDENTIFY_H

#include "hemosim/calibrate.h"

#define HS_ID_MAX HS_CALP_COUNT

typedef struct hs_ident {
  int n;
  double eig[HS_ID_MAX];          /* eigenvalues of F, ascending; round-off zeros set to 0 */
  double vec[HS_ID_MAX][HS_ID_MAX]; /* vec[k][j]: component j of eigenvector k */
  int nnull, nweak;               /* eigenvalues 0 / below weak_eig */
  double rse[HS_ID_MAX];          /* sqrt(var_data + null_half^2), ln units */
  double rse_data[HS_ID_MAX];     /* sqrt(sum over w_k > 0 of v_kj^2 / w_k) */
  double null_half[HS_ID_MAX];    /* half the range of x_j the null space sweeps in the bounds */
  double null_load[HS_ID_MAX];    /* |projection of e_j on the null space| (0..1) */
  int identifiable[HS_ID_MAX];
  int weak_dir[HS_ID_MAX];        /* weak or null direction the parameter dominates, or -1 */
} hs_ident;

/* The analysis (F is read, not modified; not const only because C before C23
   does not convert double (*)[N] to const double (*)[N]).  rse_limit, weak_eig, weak_load: the
   thresholds HS_CAL_RSE_LIMIT, HS_CAL_WEAK_EIG, HS_CAL_WEAK_LOAD. */
void hs_ident_analyse(int n, double F[HS_ID_MAX][HS_ID_MAX], const double *x,
                      const double *lo, const double *hi, double rse_limit, double weak_eig,
                      double weak_load, hs_ident *out);

#endif
