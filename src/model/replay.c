/*
 * model/replay.c - the O2 replay of the steady-state search (docs/numerics.md,
 * "Periodic steady state").  While hs_sim_run_to_steady runs, the inputs of every
 * transport step of a beat are recorded (its length, the node volumes at its start and
 * end, the volumes every edge and device path carried, the oxygenators' outlet PO2).
 * Once the haemodynamics are periodic, the contents' beat map - O2 and ECMO-blood
 * tracer of every node from one end-diastole to the next - is evaluated again over the
 * recorded beat without integrating the circulation (about 7 % of the cost of a beat),
 * and its fixed point is found by Anderson acceleration (core/anderson.h): the contents
 * of the periodic steady state for the recorded flows, as the integration would reach
 * them beat by beat (the same arithmetic: the transport hooks' step).  CO2 rides along in the
 * replay but keeps its value: its balance is solved with the gas PCO2s it sets
 * (the transport hooks' equilibrate).  The records exist only during the search.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/anderson.h"
#include "model/sim_internal.h"

#define REPLAY_MAX_RECORDS 20000 /* per beat; a longer beat is not replayed */
#define REPLAY_MAX_DEVICES 16
#define REPLAY_MEMORY 8 /* Anderson differences */

static int rec_size(const hs_plan *pl) {
  return 1 + 2 * pl->nn + 2 * pl->ne + pl->nfd + pl->nd;
}

void hs_replay_record(hs_sim *s, const double *v0, double h) {
  const hs_plan *pl = s->pl;
  int c = s->rep_cur, rs = rec_size(pl);
  if (s->rep_bad[c]) return;
  if (s->rep_n[c] >= s->rep_cap) {
    int cap = s->rep_cap ? 2 * s->rep_cap : 256;
    size_t bytes = (size_t)cap * (size_t)rs * sizeof(double);
    double *a = cap <= REPLAY_MAX_RECORDS ? realloc(s->rep[0], bytes) : NULL;
    if (a) s->rep[0] = a;
    double *b = a ? realloc(s->rep[1], bytes) : NULL;
    if (b) s->rep[1] = b;
    if (!a || !b) {
      s->rep_bad[c] = 1; /* no replay of this beat; the search integrates instead */
      return;
    }
    s->rep_cap = cap;
  }
  double *r = s->rep[c] + (size_t)s->rep_n[c]++ * (size_t)rs;
  const double *q1 = s->q, *q0 = s->qprev;
  *r++ = h;
  memcpy(r, v0, (size_t)pl->nn * sizeof(double)), r += pl->nn;
  memcpy(r, s->y, (size_t)pl->nn * sizeof(double)), r += pl->nn;
  for (int e = 0; e < pl->ne; e++) *r++ = q1[pl->q_q + e] - q0[pl->q_q + e];
  for (int e = 0; e < pl->ne; e++) *r++ = q1[pl->q_aq + e] - q0[pl->q_aq + e];
  for (int k = 0; k < pl->nfd; k++) *r++ = q1[pl->q_fd + k] - q0[pl->q_fd + k];
  for (int d = 0; d < pl->nd; d++) *r++ = s->po2out[d];
}

void hs_replay_stop(hs_sim *s) {
  free(s->rep[0]);
  free(s->rep[1]);
  s->rep[0] = s->rep[1] = NULL;
  s->rep_on = s->rep_cap = s->rep_n[0] = s->rep_n[1] = 0;
}

void hs_replay_next_beat(hs_sim *s) {
  s->rep_cur = 1 - s->rep_cur;
  s->rep_n[s->rep_cur] = 0;
  s->rep_bad[s->rep_cur] = !s->rep_on;
}

/* The contents' map over the last complete beat: concentrations x (O2, tracer, CO2 of
   each node, 3 nn) at its start -> g at its end.  ys: scratch state (ny); qs: scratch
   quadratures (2 nq): the replay's fluxes and beat means go there, not into the run's. */
static void replay_map(hs_sim *s, const double *x, double *g, double *ys, double *qs) {
  const hs_plan *pl = s->pl;
  int c = 1 - s->rep_cur, rs = rec_size(pl), nn = pl->nn, n = s->rep_n[c];
  const double *r0 = s->rep[c];
  double *y = s->y, *q = s->q, *qprev = s->qprev, *po2 = s->po2out, po2r[REPLAY_MAX_DEVICES];
  memcpy(ys, s->y, (size_t)pl->ny * sizeof(double));
  for (int i = 0; i < nn; i++) {
    double v = r0[1 + i];
    ys[pl->yo2 + i] = x[i] * v;
    if (pl->ntr) ys[pl->ytr + i] = x[nn + i] * v;
    ys[pl->yco2 + i] = x[2 * nn + i] * v;
  }
  memset(qs, 0, 2 * (size_t)pl->nq * sizeof(double));
  s->y = ys, s->qprev = qs, s->q = qs + pl->nq, s->po2out = po2r;
  for (int k = 0; k < n; k++) {
    const double *r = r0 + (size_t)k * (size_t)rs, *dq = r + 1 + 2 * nn;
    memcpy(ys, r + 1 + nn, (size_t)nn * sizeof(double)); /* volumes at the step's end */
    for (int e = 0; e < pl->ne; e++)
      s->q[pl->q_q + e] = dq[e], s->q[pl->q_aq + e] = dq[pl->ne + e];
    for (int j = 0; j < pl->nfd; j++) s->q[pl->q_fd + j] = dq[2 * pl->ne + j];
    memcpy(po2r, dq + 2 * pl->ne + pl->nfd, (size_t)pl->nd * sizeof(double));
    s->pl->tx->step(s, r + 1, r[0]);
  }
  s->y = y, s->q = q, s->qprev = qprev, s->po2out = po2;
  const double *v1 = r0 + (size_t)(n - 1) * (size_t)rs + 1 + nn;
  for (int i = 0; i < nn; i++) {
    g[i] = ys[pl->yo2 + i] / v1[i];
    g[nn + i] = pl->ntr ? ys[pl->ytr + i] / v1[i] : 0.0;
    g[2 * nn + i] = ys[pl->yco2 + i] / v1[i];
  }
}

/* Anderson on the O2 and tracer concentrations (weights 1 / steady_tol_o2); the best
   map value seen is kept. */
int hs_replay_solve(hs_sim *s, double goal, int max_replays) {
  const hs_plan *pl = s->pl;
  int c = 1 - s->rep_cur, nn = pl->nn, n3 = 3 * nn;
  if (s->rep_bad[c] || s->rep_n[c] == 0 || pl->nd > REPLAY_MAX_DEVICES) return 0;
  double *buf = malloc(((size_t)5 * (size_t)n3 + (size_t)pl->ny + 2 * (size_t)pl->nq) *
                       sizeof(double));
  hs_aa *aa = buf ? hs_aa_new(n3, REPLAY_MEMORY) : NULL;
  if (!aa) {
    free(buf);
    return 0;
  }
  double *x = buf, *g = x + n3, *w = g + n3, *xn = w + n3, *best = xn + n3, *ys = best + n3,
         *qs = ys + pl->ny;
  double tol = s->p[pl->solver + SOLVER_STEADY_TOL_O2];
  for (int i = 0; i < nn; i++) {
    x[i] = s->y[pl->yo2 + i] / s->y[i];
    x[nn + i] = pl->ntr ? s->y[pl->ytr + i] / s->y[i] : 0.0;
    x[2 * nn + i] = s->y[pl->yco2 + i] / s->y[i];
    w[i] = w[nn + i] = 1.0 / tol;
    w[2 * nn + i] = 0.0; /* CO2 rides along: solved with its gas balance (transport.c) */
  }
  int it, used = 0;
  double bestch = INFINITY;
  for (it = 1; it <= max_replays; it++) {
    replay_map(s, x, g, ys, qs);
    double ch = 0.0;
    for (int i = 0; i < 2 * nn; i++)
      if (fabs(g[i] - x[i]) * w[i] > ch) ch = fabs(g[i] - x[i]) * w[i];
    if (!isfinite(ch)) break;
    used = it;
    if (ch < bestch) bestch = ch, memcpy(best, g, (size_t)n3 * sizeof(double));
    if (ch < goal) break;
    hs_aa_step(aa, x, g, w, xn, NULL);
    for (int i = 0; i < n3; i++) x[i] = xn[i] > 0.0 ? xn[i] : 0.0; /* contents >= 0 */
    for (int i = 0; pl->ntr && i < nn; i++)
      if (x[nn + i] > 1.0) x[nn + i] = 1.0; /* a fraction */
  }
  if (used && isfinite(bestch)) {
    for (int i = 0; i < nn; i++) {
      s->y[pl->yo2 + i] = best[i] * s->y[i];
      if (pl->ntr) s->y[pl->ytr + i] = best[nn + i] * s->y[i];
    }
    s->dirty = 1;
  }
  hs_aa_free(aa);
  free(buf);
  return isfinite(bestch) ? used : 0;
}
