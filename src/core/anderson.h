/*
 * core/anderson.h - Anderson acceleration of a fixed-point iteration x = G(x).
 *
 * Type II ("Anderson mixing", Walker & Ni 2011, SIAM J Numer Anal 49:1715, eq. 2.2
 * and Algorithm AA with damping 1): with the residual f = W (G(x) - x) weighted by W
 * (here the reciprocal of each state's steady-state tolerance) and the differences of
 * the last m residuals and map values as columns of dF and dG,
 *     gamma = argmin || f_k - dF gamma ||_2,      x_{k+1} = G(x_k) - dG gamma.
 * The least-squares problem is solved by a QR factorisation (modified Gram-Schmidt)
 * of the weighted differences; the oldest columns are dropped while the triangular
 * factor is ill-conditioned (condition estimate max|R_ii| / min|R_ii| > 1e8), as
 * recommended by Walker & Ni (section 4) and Fang & Saad 2009 (Numer Linear Algebra
 * Appl 16:197).  No global state; one accelerator per iteration.
 */
#ifndef HS_CORE_ANDERSON_H
#define HS_CORE_ANDERSON_H

typedef struct hs_aa hs_aa;

/* An accelerator for n unknowns keeping m (1..8) differences; NULL without memory. */
hs_aa *hs_aa_new(int n, int m);
void hs_aa_free(hs_aa *a); /* NULL is a no-op */
/* Forget the history: the next step is a plain one (x_{k+1} = G(x_k)). */
void hs_aa_reset(hs_aa *a);
/*
 * One step: x the iterate, g = G(x), w the weights (w[i] = 0 leaves component i out of
 * the least-squares problem; it is still combined with the same coefficients).
 * Writes x_{k+1} into out (may alias neither x nor g) and returns the number of
 * difference columns used (0: a plain step).  *res, if not NULL, receives the weighted
 * 2-norm of the residual f_k.
 */
int hs_aa_step(hs_aa *a, const double *x, const double *g, const double *w, double *out,
               double *res);

#endif
