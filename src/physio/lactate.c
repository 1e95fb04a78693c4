/*
 * physio/lactate.c - blood lactate: production by beds whose O2 delivery is below
 * critical and by an epinephrine infusion (aerobic), clearance mostly by the liver
 * (falling with splanchnic flow), one
 * well-mixed pool, a slow state (physio/module.h; docs/model.md section 2.17).
 *
 *   deficit_i = max(0, VO2_i - ERcrit_i DO2_i)         per O2-consuming bed (mL O2/min)
 *   P   = Cl0 L_n + y sum_i deficit_i + a W D_epi       production, mmol/min
 *   Cl  = Cl0 [h min(1, Q_spl / Q_spl,ref) + (1 - h)]   clearance, L/min
 *   Vd dL/dt = P - Cl L
 *   base excess consumed 1:1 by lactate above normal: BE = BE0 - (L - L_n)
 *
 * ERcrit: Ronco 1993 JAMA 270:1724 (critical O2 extraction 0.59-0.61 in critically
 * ill humans; critical DO2 3.8-4.5 mL/min/kg) and Cain 1977 J Appl Physiol 42:228
 * (excess lactate appears below critical delivery); the myocardium, which extracts
 * 0.70 at rest (Messer 1962 J Clin Invest 41:725), turns anaerobic at a critical
 * coronary venous PO2 (Walley 1997 Am J Respir Crit Care Med 155:222; its ERcrit is the
 * extraction that reaches it, hs_physio_heart_er_crit: 0.78 at a normal arterial O2
 * content); Cl0: Levraut 2003 Crit Care
 * Med 31:705 (0.86 L/h/kg in survivors); a: the aerobic, beta-2-adrenergic glycolysis of
 * an epinephrine infusion D_epi (the drugs block; W body weight): Day 1996 Lancet
 * 348:219 (lactate +8.2 mmol/L per ug/kg/min in severe infection), Omar 2011 Anaesth
 * Intensive Care 39:449 (+4.3 in septic shock over 24 h, from group means).  The engine
 * advances L with the beat's rate (once per beat, or over a macro step of
 * solver.slow_step), carries it in the warm-start state and holds it still in the
 * steady-state search.
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/drugs.h"
#include "hemosim/model.h"
#include "hemosim/units.h"
#include "hemosim/roles.h"
#include "physio/module.h"

enum {
  LA_INITIAL,
  LA_NORMAL,
  LA_CLEARANCE,
  LA_HEPATIC,
  LA_SPL_REF,
  LA_ERCRIT,
  LA_YIELD,
  LA_EPI,
  LA_VD,
  LA_BE0,
  LA_NPARAM
};

static const hs_param_spec LA[LA_NPARAM] = {
    [LA_INITIAL] = {"initial", HS_DIM_LACTATE, 1.0, 0.1, 30, 0,
                    "arterial lactate at the start of the run",
                    "Levraut 2003 Crit Care Med 31:705 (normal arterial lactate ~1 mmol/L)", NULL},
    [LA_NORMAL] = {"normal", HS_DIM_LACTATE, 1.0, 0.3, 3, 0,
                   "lactate at which basal production equals normal clearance",
                   "Levraut 2003 Crit Care Med 31:705 (production / clearance)", NULL},
    [LA_CLEARANCE] = {"clearance_l_per_h_per_kg", HS_DIM_CLEARANCE_PER_KG, 0.86, 0.05, 3,
                      HS_PARAM_UNIT,
                      "whole-body lactate clearance with normal splanchnic flow, L/h per kg",
                      "Levraut 2003 Crit Care Med 31:705 (0.86 +/- 0.32 L/h/kg, survivors)",
                      NULL},
    [LA_HEPATIC] = {"hepatic_fraction", HS_DIM_NONE, 0.6, 0, 1, 0,
                    "share of the clearance by the liver (follows splanchnic flow); the rest "
                    "(kidney, muscle, heart) is fixed",
                    "Cohen & Woods 1976 (Clinical and biochemical aspects of lactic acidosis): "
                    "liver 50-70 %", NULL},
    [LA_SPL_REF] = {"splanchnic_flow_ref", HS_DIM_FLOW, 2640.0 / 60.0, 1, 200, 0,
                    "resting flow of the splanchnic_bed role's edge at which hepatic "
                    "clearance is normal; below it clearance falls in proportion (2.64 "
                    "L/min: the default abdominal_bed, liver and kidneys)",
                    "Williams & Leggett 1989 / ICRP 89 (liver 25.5 % + kidneys 19 % of a "
                    "resting CO of 5.7 L/min; docs/model.md 4.6)", NULL},
    [LA_ERCRIT] = {"critical_extraction", HS_DIM_NONE, 0.6, 0.2, 0.95, 0,
                   "O2 extraction ratio of a bed above which it produces lactate (every bed "
                   "but the myocardium, whose threshold is coronary.critical_venous_po2)",
                   "Ronco 1993 JAMA 270:1724 (critical O2ER 0.59-0.61)", NULL},
    [LA_YIELD] = {"yield_mmol_per_ml_o2", HS_DIM_NONE, 0.1, 0, 0.5, 0,
                  "lactate produced per mL of O2 demand not met at the critical extraction",
                  "model choice: about half the ATP of the missing oxidative phosphorylation "
                  "(~5 ATP per O2, 0.22 mmol ATP per mL O2) replaced by glycolysis (1 ATP per "
                  "lactate)", NULL},
    [LA_EPI] = {"epinephrine_yield_mmol_per_h_per_kg", HS_DIM_NONE, 5.0, 0, 20, 0,
                "lactate produced per kg body weight and per ug/kg/min of epinephrine infused "
                "(beta-2-adrenergic aerobic glycolysis, whatever the O2 supply; linear in the "
                "dose), mmol/h per kg",
                "at the normal clearance 0.86 L/h/kg the plateau rises 5.8 mmol/L per "
                "ug/kg/min, near the geometric mean (5.9) of 8.2 (5.8-10.5) in severe sepsis "
                "and malaria (Day NPJ et al. Lancet 1996;348:219, stepped 0.1-0.5 ug/kg/min) "
                "and 4.3 in "
                "septic shock (Omar S et al. Anaesth Intensive Care 2011;39:449, 24-h "
                "titration, group means); calibrated at 0.1-0.5 ug/kg/min", NULL},
    [LA_VD] = {"distribution_l_per_kg", HS_DIM_VOLUME_PER_KG, 500.0, 100.0, 1000.0,
               HS_PARAM_UNIT, /* mL/kg inside, shown and given in L/kg */
               "volume of distribution of lactate, L per kg (body water)",
               "model choice (lactate crosses cell membranes: body water); half-life "
               "~25 min at normal clearance", NULL},
    [LA_BE0] = {"base_excess", HS_DIM_BASE, 0.0, -30, 30, 0,
                "base excess without excess lactate, mmol/L (other metabolic acids or bases)",
                "Siggaard-Andersen 1977 Scand J Clin Lab Invest 37 Suppl 146:15", NULL},
};

const hs_block_type hs_type_lactate = {
    "lactate", HS_BLOCK_GLOBAL, LA, LA_NPARAM,
    "Blood lactate: production below critical O2 delivery and by epinephrine, hepatic "
    "clearance, base excess (docs/model.md 2.17).",
    NULL};

typedef struct la_state {
  double l;       /* slow state: arterial lactate, mmol/L */
  double prod;    /* production over the last beat, mmol/min */
  double cl;      /* clearance over the last beat, L/min */
  double deficit; /* O2 demand unmet at the critical extraction, mL O2/min */
  double adr;     /* adrenergic part of prod (epinephrine), mmol/min */
  int have_beat;  /* prod, cl, deficit, adr are set */
  int no_flow;    /* the last beat had no circulation (HS_NO_FLOW_LPM, physio/module.h) */
} la_state;

static const hs_physio_slow SLOW[] = {{"lactate", "mmol/L", 1.0}};

/* Plan data: the splanchnic bed edge (role splanchnic_bed, -1 if absent); the
 * myocardium is the plan's node_cor (the vessels the coronary_arteries role feeds). */
typedef struct la_plan {
  int spl_bed;
  int drugs; /* offset of the drugs block (the epinephrine dose), -1 if absent */
} la_plan;
extern const hs_physio_module hs_physio_lactate;
#define BLK(pl) hs_physio_module_block(pl, &hs_physio_lactate)

static void la_start(void *state, const hs_plan *pl, const double *p) {
  la_state *st = state;
  st->l = p[BLK(pl) + LA_INITIAL];
  st->have_beat = 0;
}

/* Production and clearance over the beat just ended (the rate is in la_rates). */
static int la_beat(void *state, const hs_physio_beat *b) {
  la_state *st = state;
  const hs_plan *pl = b->plan;
  const double *la = b->p + BLK(pl);
  double kg = b->p[pl->body + BODY_WEIGHT];
  const la_plan *lp = hs_physio_plan_data(pl, &hs_physio_lactate);
  double deficit = 0.0;
  /* the myocardium's threshold: the extraction at its critical venous PO2 (0 without a
     coronary flow, where its whole demand is unmet anyway) */
  double er_heart = b->node_do2 ? hs_physio_heart_er_crit(b) : NAN;
  if (!isfinite(er_heart)) er_heart = 0.0;
  for (int k = 0; k < pl->nvo2 && b->node_do2; k++) {
    double vo2 = b->vo2[k], do2 = b->node_do2[pl->vo2_nodes[k]];
    if (!(vo2 > 0) || !isfinite(do2)) continue;
    double er = pl->node_cor[pl->vo2_nodes[k]] ? er_heart : la[LA_ERCRIT];
    double d = vo2 - er * (do2 > 0 ? do2 : 0.0);
    if (d > 0) deficit += d;
  }
  double cl0 = la[LA_CLEARANCE] * kg / 60.0; /* L/min */
  double fspl = 1.0;
  if (lp->spl_bed >= 0 && b->edge_q) {
    fspl = b->edge_q[lp->spl_bed] / la[LA_SPL_REF];
    fspl = fspl < 0 ? 0.0 : fspl > 1 ? 1.0 : fspl;
  }
  st->cl = cl0 * (la[LA_HEPATIC] * fspl + 1.0 - la[LA_HEPATIC]);
  double epi = lp->drugs >= 0 ? b->p[lp->drugs + HS_DRUG_EPINEPHRINE] : 0.0;
  st->adr = la[LA_EPI] * kg * epi / 60.0; /* mmol/min */
  st->prod = cl0 * la[LA_NORMAL] + la[LA_YIELD] * deficit + st->adr;
  st->deficit = deficit;
  st->have_beat = 1;
  st->no_flow = !(b->m[HS_M_CO] > HS_NO_FLOW_LPM);
  return 0; /* no effect on the circulation (the acid-base reads the metric) */
}

static void la_rates(const void *state, const hs_physio_beat *b, double *dxdt,
                     double *decay, hs_physio_flux *flux) {
  (void)flux;
  const la_state *st = state;
  double vd = b->p[BLK(b->plan) + LA_VD] / 1000.0 * b->p[b->plan->body + BODY_WEIGHT]; /* L */
  dxdt[0] = (st->prod - st->cl * st->l) / vd / 60.0;                           /* mmol/L/s */
  decay[0] = st->cl / vd / 60.0;                                               /* 1/s */
}

static void la_metrics(const void *state, const hs_plan *pl, const double *p, double *m) {
  const la_state *st = state;
  const double *la = p + BLK(pl);
  int ok = st->have_beat;
  m[HS_M_LACT] = st->l;
  /* no circulation (an arrest without support): lactate rises without a plateau; the
     flow-independent part of the clearance would give a number with no meaning */
  m[HS_M_LACT_EQ] = ok && !st->no_flow && st->cl > 1e-9 ? st->prod / st->cl : NAN;
  m[HS_M_LACT_PROD] = ok ? st->prod * 60.0 : NAN;
  m[HS_M_LACT_CL] = ok ? st->cl * 1000.0 : NAN;
  m[HS_M_LACT_ADR] = ok ? st->adr * 60.0 : NAN;
  m[HS_M_O2DEF] = ok ? st->deficit : NAN;
  m[HS_M_BE] = la[LA_BE0] - (st->l - la[LA_NORMAL]);
}

/* The starting lactate holds for the run (a slow state, docs/model.md 2.17). */
static const char *la_fixed(const hs_plan *pl, int pidx) {
  return BLK(pl) >= 0 && pidx == BLK(pl) + LA_INITIAL
             ? HS_PHYSIO_INITIAL_FIXED("lactate.initial")
             : NULL;
}

/* Its splanchnic bed and the drugs block (physio/module.h compile). */
static hs_status lactate_compile(hs_plan *pl, const struct hs_model *m, hs_err *err) {
  (void)err;
  la_plan *lp = hs_physio_plan_data(pl, &hs_physio_lactate);
  lp->spl_bed = hs_plan_edge_find(pl, hs_model_role(m, "splanchnic_bed"));
  lp->drugs = hs_physio_block(pl, "drugs");
  return HS_OK;
}

const hs_physio_module hs_physio_lactate = {
    .name = "lactate",
    .doc = "blood lactate: production below critical O2 extraction and by epinephrine, "
           "hepatic clearance (docs/model.md 2.17)",
    .state_bytes = sizeof(la_state),
    .block = "lactate",
    .plan_bytes = sizeof(la_plan),
    .compile = lactate_compile,
    .beat = la_beat,
    .metrics = la_metrics,
    .nslow = 1,
    .slow = SLOW,
    .slow_start = la_start,
    .rates = la_rates,
    .fixed = la_fixed,
};
