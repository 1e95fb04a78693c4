/*
 * core/bracket.h - a root of a slow quantity's drift bracketed by measurements and
 * closed by Illinois regula falsi (Dowell & Jarratt 1971, BIT 11:168).
 *
 * The drift d(v) falls as v rises: d > 0 at v_lo, d <= 0 at v_hi.  Measurements come one
 * at a time from a system that is still settling, so a measurement on the wrong side of
 * the other end makes that end stale and drops it.  Used by the steady-state search (the
 * CSF volume, the left heart's pool; src/model/steady.c) and by the ischaemia module's
 * search for the LV's matching contractility (src/physio/ischaemia.c).  A zeroed struct is
 * an empty bracket.  No global state.
 */
#ifndef HS_CORE_BRACKET_H
#define HS_CORE_BRACKET_H

typedef struct hs_bracket {
  int have_lo, have_hi, side; /* side: the end the last measurement set (1 lo, -1 hi) */
  double v_lo, d_lo, v_hi, d_hi;
} hs_bracket;

/* Record the drift d measured at v (Illinois: an end kept twice has its drift halved). */
void hs_bracket_add(hs_bracket *b, double v, double d);
/* The regula falsi point of a closed bracket into *vn (1), or 0 while it is open. */
int hs_bracket_falsi(const hs_bracket *b, double *vn);

#endif
