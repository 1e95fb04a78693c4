/*
 * model/beat_metrics.c - the metrics of one beat (hemosim/metrics.h; docs/output.md):
 * the metric table (names, units, documentation), the beat's haemodynamics and O2
 * delivery from the integrator's quadratures and the beat's extrema (hs_sim_finish_beat,
 * called at every beat end by model/sim.c; the blood gases and acid-base come from the
 * transport module's metrics hook, physio/module.h), the clinical indices
 * (cardiac power, SVR / PVR, PAPi, Ea/Ees, wall stress, ...), the device outputs and
 * the physiological modules' metrics, and the per-node means the modules and the site
 * summary read.  It works on the simulation's private state (model/sim_internal.h).
 */
#include <math.h>
#include <string.h>

#include "model/sim_internal.h"
#include "physio/module.h"

/* ---------------------------------------------------------------- metrics -- */

static const struct {
  const char *name, *unit, *doc;
} METRICS[HS_METRIC_COUNT] = {
#define HS_X_ROW(id, name, unit, doc) {name, unit, doc},
    HS_METRIC_LIST(HS_X_ROW)
#undef HS_X_ROW
};

const char *hs_metric_name(hs_metric_id id) {
  return (unsigned)id < HS_METRIC_COUNT ? METRICS[id].name : "?";
}
const char *hs_metric_unit(hs_metric_id id) {
  return (unsigned)id < HS_METRIC_COUNT ? METRICS[id].unit : "?";
}
const char *hs_metric_doc(hs_metric_id id) {
  return (unsigned)id < HS_METRIC_COUNT ? METRICS[id].doc : "?";
}
int hs_metric_find(const char *name) {
  for (int i = 0; name && i < HS_METRIC_COUNT; i++)
    if (strcmp(METRICS[i].name, name) == 0) return i;
  return -1;
}

/* A ventricle's elastic potential energy at end-systole, PE = Pes (Ves - V0) / 2 (Suga 1979,
   Am J Physiol 236:H498): 0 when the point was not reached in the beat or lies below V0. */
static double potential_energy(const es_point *e, double v0) {
  double pe = e->done ? 0.5 * e->p * (e->v - v0) : 0.0;
  return pe > 0 ? pe : 0.0;
}

/*
 * Clinical indices of the beat (docs/output.md "Clinical indices", with sources):
 * RV output (pulmonary valve flow), DO2 index, cardiac power,
 * SVR / PVR, PAPi, Ea, Ea/Ees and LV end-systolic wall stress.
 */
double hs_sim_pa_inflow(const hs_sim *s) {
  const hs_plan *pl = s->pl;
  const double *q = s->q, *q0 = s->acc.q0;
  double in = q[pl->q_q + pl->pv] - q0[pl->q_q + pl->pv];
  for (int d = 0; d < pl->nd; d++) {
    const hs_device_type *dt = pl->dev_type[d];
    const int *ports = pl->dev_port_node + pl->dev_port_ofs[d];
    for (int n = 0; n < dt->nflows; n++) {
      int j = pl->dev_flow_ofs[d] + n;
      double dv = q[pl->q_fd + j] - q0[pl->q_fd + j];
      if (ports[dt->flows[n].to_port] == pl->pa && dv > 0) in += dv;
    }
  }
  return in;
}

#define HS_LV_WALL_ML 150.0 /* LV wall volume: ~160 g myocardium / 1.05 g/mL */
static void clinical_indices(hs_sim *s, double *m, double bsa, double v0) {
  const hs_plan *pl = s->pl;
  const beat_acc *a = &s->acc;
  double T = s->t - a->t0;
  m[HS_M_RVO] = (s->q[pl->q_q + pl->pv] - a->q0[pl->q_q + pl->pv]) / T / HS_MLS_PER_LPM;
  m[HS_M_DO2I] = m[HS_M_DO2] / bsa;
  m[HS_M_CPO] = m[HS_M_MAP] * m[HS_M_LVO] / 451.0;
  m[HS_M_CPI] = m[HS_M_CPO] / bsa;
  m[HS_M_CPO_TOTAL] = m[HS_M_MAP] * m[HS_M_CO] / 451.0; /* heart and pumps (cpo_w: native) */
  m[HS_M_SVR] = m[HS_M_CO] > 0.05 ? 80.0 * (m[HS_M_MAP] - m[HS_M_CVP]) / m[HS_M_CO] : NAN;
  /* PVR over the flow through the lungs: the RV's and a right-sided pump's */
  m[HS_M_QP] = hs_sim_pa_inflow(s) / T / HS_MLS_PER_LPM;
  m[HS_M_PVR] = m[HS_M_QP] > 0.05 ? 80.0 * (m[HS_M_MPAP] - m[HS_M_PCWP]) / m[HS_M_QP] : NAN;
  m[HS_M_TPG] = m[HS_M_MPAP] - m[HS_M_PCWP];
  m[HS_M_DPG] = m[HS_M_DPAP] - m[HS_M_PCWP];
  double sv = a->edv_lv - a->lv_min;
  m[HS_M_EA] = a->es_lv.done && sv >= 1.0 ? a->es_lv.p / sv : NAN;
  m[HS_M_EAEES] = a->es_lv.done && sv >= 1.0 && a->es_lv.v > v0 ? (a->es_lv.v - v0) / sv : NAN;
  m[HS_M_WSTRESS] =
      a->es_lv.done ? a->es_lv.p * (1.0 + 3.0 * a->es_lv.v / HS_LV_WALL_ML) * 0.133322 : NAN;
  m[HS_M_LVSV] = sv;
  m[HS_M_LVESP] = a->es_lv.done ? a->es_lv.p : NAN;
}

void hs_sim_finish_beat(hs_sim *s, double *m, double *site) {
  const hs_plan *pl = s->pl;
  beat_acc *a = &s->acc;
  double T = s->t - a->t0;
  const double *q = s->q;
#define MEAN(k) ((q[k] - a->q0[k]) / T)
  double co = 0, do2 = 0, do2b = 0, do2h = 0;
  for (int e = 0; e < pl->ne; e++) {
    if (!pl->edge_bed[e]) continue;
    double j = 60.0 * MEAN(pl->q_flux + e); /* mL O2/min */
    co += MEAN(pl->q_q + e);
    do2 += j;
    int from = pl->efrom[e];
    if (from == pl->cer_art ||
        (pl->node_kind[from] == HS_NK_VESSEL &&
         bparams(s, pl->node_block[from])[VESSEL_INTRACRANIAL] != 0))
      do2b += j;
    if (pl->edge_cor[e]) do2h += j;
  }
  /* in fibrillation nothing beats: the beat clock that delimits the metrics' beats is not
     a heart rate (a monitor shows none either), so there is none to report */
  m[HS_M_HR] = s->p[pl->heart + HEART_RHYTHM] != 0 ? NAN : 60.0 / T;
  m[HS_M_SBP] = a->upper_max;
  m[HS_M_DBP] = a->upper_min;
  m[HS_M_MAP] = MEAN(pl->q_p + pl->upper);
  m[HS_M_PP] = a->upper_max - a->upper_min;
  m[HS_M_CO] = co / HS_MLS_PER_LPM;
  m[HS_M_LVO] = MEAN(pl->q_q + pl->av) / HS_MLS_PER_LPM;
  /* body surface area, Du Bois & Du Bois 1916: 0.007184 W^0.425 H^0.725 (kg, cm) */
  double bsa = 0.007184 * pow(s->p[pl->body + BODY_WEIGHT], 0.425) *
               pow(s->p[pl->body + BODY_HEIGHT], 0.725);
  m[HS_M_CI] = m[HS_M_CO] / bsa;
  m[HS_M_LVEDV] = a->edv_lv;
  m[HS_M_LVESV] = a->lv_min;
  m[HS_M_LVEF] = a->edv_lv > 0 ? 100.0 * (a->edv_lv - a->lv_min) / a->edv_lv : 0.0;
  m[HS_M_LVEDP] = a->edp_lv;
  m[HS_M_RVEDV] = a->edv_rv;
  m[HS_M_RVESV] = a->rv_min;
  m[HS_M_PCWP] = MEAN(pl->q_p + pl->la);
  m[HS_M_CVP] = MEAN(pl->q_p + pl->ra);
  m[HS_M_SPAP] = a->pa_max;
  m[HS_M_DPAP] = a->pa_min;
  /* PAPi reads the pulse the RV gives the PA: undefined with CVP ~0, and when the RV does
     not eject (< 0.5 mL through the pulmonary valve in the beat: a right-sided pump
     carrying the pulmonary flow, a drained RV on VA-ECMO, an arrest), where the PA pulse
     is not the RV's */
  int rv_ejects = s->q[pl->q_q + pl->pv] - a->q0[pl->q_q + pl->pv] > 0.5;
  m[HS_M_PAPI] = m[HS_M_CVP] > 0.5 && rv_ejects ? (a->pa_max - a->pa_min) / m[HS_M_CVP] : NAN;
  m[HS_M_MPAP] = MEAN(pl->q_p + pl->pa);
  /* opened = the valve opened and the ventricle ejected through it (> 0.5 mL net):
     a valve that flickers open at zero pressure difference with no flow has not */
  m[HS_M_AVOPEN] = a->av_opened && MEAN(pl->q_q + pl->av) * T > 0.5 ? 1.0 : 0.0;
  /* coronary perfusion pressure: mean aortic-root pressure while the aortic valve is
     closed (diastole, when the left coronary artery fills) minus LVEDP; with the
     valve never open this is the whole beat */
  double tdia = q[pl->q_dia + 1] - a->q0[pl->q_dia + 1];
  m[HS_M_CPP] = (tdia > 1e-6 ? (q[pl->q_dia] - a->q0[pl->q_dia]) / tdia : a->root_min) -
                a->edp_lv;
  /* the loop runs counter-clockwise: stroke work = -closed integral of P dV */
  m[HS_M_SW] = -(q[pl->q_sw] - a->q0[pl->q_sw]);
  /* PVA = SW + PE; PE = Pes (Ves - V0) / 2 (Suga 1979, Am J Physiol 236:H498) */
  double v0 = bparams(s, pl->node_block[pl->lv])[CHAMBER_V0];
  m[HS_M_PVA] = m[HS_M_SW] + potential_energy(&a->es_lv, v0);
  /* the RV's, at its peak activation (its stroke work: the second loop integral) */
  m[HS_M_RVPVA] = -(q[pl->q_sw + 1] - a->q0[pl->q_sw + 1]) +
                  potential_energy(&a->es_rv, bparams(s, pl->node_block[pl->rv])[CHAMBER_V0]);
  /* the LV pressure over ejection: none when the valve did not open with flow (m[HS_M_AVOPEN],
     above; in a fibrillating arrest LV and aorta sit at the same ~9 mmHg and the valve's
     flag flickers open without a systole) */
  m[HS_M_SPTI] = m[HS_M_AVOPEN] ? (q[pl->q_dia + 2] - a->q0[pl->q_dia + 2]) * 60.0 / T : 0.0;
  /* mitral regurgitation: the backward part of the mitral flow, (integral |Q| - Q) / 2 */
  m[HS_M_MRV] = 0.5 * ((q[pl->q_aq + pl->mv] - a->q0[pl->q_aq + pl->mv]) -
                       (q[pl->q_q + pl->mv] - a->q0[pl->q_q + pl->mv]));
  /* a competent valve leaks only the integrator's valve-closing tolerance (CVODES BDF at
     1e-10: 2e-6 mL per beat; rounding ~1e-7): reported as 0 below 0.001 mL */
  if (m[HS_M_MRV] < 1e-3) m[HS_M_MRV] = 0.0;
  m[HS_M_MRF] = m[HS_M_MRV] <= 0.0               ? 0.0
                : a->edv_lv - a->lv_min >= 1.0 ? 100.0 * m[HS_M_MRV] / (a->edv_lv - a->lv_min)
                                               : NAN;
  double tbv = 0;
  for (int i = 0; i < pl->nn; i++) tbv += s->y[i];
  for (int d = 0; d < pl->nd; d++)
    if (pl->dev_type[d]->volume_param >= 0)
      tbv += bparams(s, pl->dev_block[d])[pl->dev_type[d]->volume_param];
  m[HS_M_TBV] = tbv;
  m[HS_M_DO2] = do2;
  m[HS_M_DO2B] = pl->cer_art >= 0 ? do2b : NAN;
  m[HS_M_DO2H] = pl->cor_art >= 0 ? do2h : NAN;
  /* the blood gases, the drained sample, shunt and haemoglobin, the saturation of every
     node (the transport module's) */
  pl->tx->metrics(s, m, site + pl->nn);
  if (s->cx && s->cx->metrics) /* the compartment module's: ICP, CBF, TCD */
    s->cx->metrics(pl, s->p, q, a->q0, T, a->watch_max, a->watch_min, m);
  clinical_indices(s, m, bsa, v0);
  if (s->p[pl->heart + HEART_RHYTHM] != 0) {
    /* fibrillation: no systole, so nothing that is read at end-systole or over ejection
       exists (the beat clock still marks the windows; volumes, stroke work 0 and output
       0 stay what they are) */
    m[HS_M_LVEF] = m[HS_M_PVA] = m[HS_M_RVPVA] = m[HS_M_WSTRESS] = m[HS_M_LVESP] = NAN;
    m[HS_M_EA] = m[HS_M_EAEES] = m[HS_M_SPTI] = NAN;
  }
  { /* for the modules: O2 carried into each node, mean flow of each edge */
    double *nd = s->bx, *eq = s->bx + pl->nn;
    for (int i = 0; i < pl->nn; i++) nd[i] = 0.0;
    for (int e = 0; e < pl->ne; e++) {
      double j = 60.0 * MEAN(pl->q_flux + e);
      if (j > 0) nd[pl->eto[e]] += j;
      else nd[pl->efrom[e]] -= j;
      eq[e] = MEAN(pl->q_q + e);
    }
  }
  for (int d = 0; d < pl->nd; d++) { /* device outputs first: modules may read them */
    const hs_device_type *dt = pl->dev_type[d];
    for (int k = 0; k < dt->noutputs; k++) {
      int o = pl->dev_out_ofs[d] + k;
      m[HS_METRIC_COUNT + o] = (dt->outputs[k].agg == HS_AGG_MEAN ? MEAN(pl->q_out + o)
                                                                  : s->dext[o]) *
                               dt->outputs[k].scale;
    }
  }
  for (size_t k = 0; k < hs_physio_module_count(); k++) {
    const hs_physio_module *md = hs_physio_module_at(k);
    if (md->metrics) md->metrics(s->mstate + s->mofs[k], pl, s->p, m);
  }
  for (int e = 0; e < pl->ne; e++) { /* forward and backward parts of the flow */
    double qm = MEAN(pl->q_q + e), qa = MEAN(pl->q_aq + e);
    s->qmean[2 * e] = 0.5 * (qa + qm);
    s->qmean[2 * e + 1] = 0.5 * (qa - qm);
  }
  for (int k = 0; k < pl->nfd; k++) s->qmean[2 * pl->ne + k] = MEAN(pl->q_fd + k);
  for (int i = 0; i < pl->nn; i++) {
    site[i] = MEAN(pl->q_p + i);
    site[2 * pl->nn + i] = pl->ntr ? 100.0 * MEAN(pl->q_tr + i) : 0.0;
  }
#undef MEAN
}
