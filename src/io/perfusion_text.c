/*
 * io/perfusion_text.c - the text table of a perfusion-imaging measurement, what
 * `hemosim stroke perfusion` prints (hemosim/perfusion.h, docs/perfusion.md); the JSON
 * form is perfusion_json.c.  Reentrant: number buffers are local.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>

#include "core/textbuf.h"
#include "hemosim/perfusion.h"

/* A column value into b: 2 decimals, "-" where there is none (no reference), "inf"
   (a territory without inflow). */
static const char *cell(double v, char b[32]) {
  if (isnan(v)) snprintf(b, 32, "-");
  else if (isinf(v)) snprintf(b, 32, "inf");
  else snprintf(b, 32, "%.2f", v);
  return b;
}

char *hs_perfusion_text(const hs_perfusion *p, hs_err *err) {
  static const char what[] = "perfusion table";
  hs_textbuf tb;
  FILE *f = hs_textbuf_open(&tb, what, err);
  if (!f) return NULL;
  fprintf(f, "perfusion imaging (model; arterial input %s; MAP %.0f, ICP %.1f mmHg)\n", p->aif,
          p->map_mmhg, p->icp_mmhg);
  fprintf(f, "%-16s %7s %7s %6s %6s %6s %6s %6s  %-10s %s\n", "territory", "CBF", "CBV", "MTT",
          "Tmax", "rCBF", "rCBV", "rMTT", "group", "flags");
  fprintf(f, "%-16s %7s %7s %6s %6s\n", "", "mL/100g", "mL/100g", "s", "s");
  fprintf(f, "%-16s %7s\n", "", "/min");
  for (int k = 0; k < p->n; k++) {
    const hs_perfusion_territory *t = &p->t[k];
    char b[5][32];
    fprintf(f, "%-16s %7.1f %7.2f %6s %6s %6s %6s %6s  %-10s %s%s\n", t->name, t->cbf, t->cbv,
            cell(t->mtt_s, b[0]), cell(t->tmax_s, b[1]), cell(t->rcbf, b[2]),
            cell(t->rcbv, b[3]), cell(t->rmtt, b[4]),
            p->has_reference ? hs_perf_group_name(t->group) : "-",
            t->tmax_over_6s ? "Tmax>6s " : "", t->core ? "core" : "");
  }
  fprintf(f, "Tmax > 6 s lesion: %s\n", p->tmax_lesion ? "yes" : "no");
  if (p->horie_no_reflow >= 0)
    fprintf(f, "Horie (after recanalisation, any Tmax > 6 s = no-reflow): %s\n",
            p->horie_no_reflow ? "NO-REFLOW" : "no");
  else
    fprintf(f, "Horie's rule: applies after recanalisation (--recanalised)\n");
  return hs_textbuf_close(&tb, what, err);
}
