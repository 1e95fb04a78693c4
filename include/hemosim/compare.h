/*
 * hemosim/compare.h - compare LV unloading strategies for one patient on VA-ECMO.
 *
 * For a patient with a va_ecmo device named "ecmo" (femoral VA-ECMO in flow control
 * is added when the patient has none), each strategy is the patient's model plus one
 * change: ECMO alone at a set of flows, then ECMO at the patient's flow plus each
 * unloading method of MISSION.md s2 at a sensible default setting.  Every strategy
 * runs to periodic steady state (or at most solver.max_beats, reported), its metrics
 * are checked against targets, and the least invasive strategy meeting every target
 * is recommended, following the stepped order of MISSION.md s3.
 */
#ifndef HEMOSIM_COMPARE_H
#define HEMOSIM_COMPARE_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_targets {
  double pcwp_max_mmhg;      /* default 18 */
  double map_min_mmhg;       /* default 65 */
  double av_open_min;        /* default 1.0: aortic valve opening every beat */
  double pulse_pressure_min; /* default 10 mmHg */
  double sao2_upper_min;     /* default 92 % */
} hs_targets;

void hs_targets_default(hs_targets *t);
/* YAML/JSON: hemosim_targets: 1, pcwp_max: 18 mmHg, map_min: 65 mmHg, av_open_min: 1,
   pulse_pressure_min: 10 mmHg, sao2_upper_min: 92 (each optional). */
hs_status hs_targets_load(const char *path, hs_targets *t, hs_err *err);

enum { HS_CMP_PCWP, HS_CMP_MAP, HS_CMP_AVO, HS_CMP_PP, HS_CMP_SAO2U, HS_CMP_LVEDV, HS_CMP_LVEDP,
       HS_CMP_CO, HS_CMP_LVO, HS_CMP_PVA, HS_CMP_ECMO, HS_CMP_DEVICE, HS_CMP_NVAL };

/* Names of the compared values (for tables and JSON). */
const char *hs_compare_value_name(int k);

typedef struct hs_compare_row {
  char name[48];     /* e.g. "impella_cp_p8" */
  char label[96];    /* e.g. "ECMO 4.0 L/min + Impella CP P8" */
  int invasiveness;  /* 0 ECMO only / drugs, 1 IABP, 2 Impella, 3 septostomy / percutaneous
                        vents, 4 surgical vent */
  int is_flow_sweep; /* ECMO-alone row at another flow */
  double v[HS_CMP_NVAL];
  int met[5];        /* per target, in hs_targets order */
  int all_met;
  int steady;        /* reached periodic steady state */
  double wall_s;
  double *pv_v, *pv_p; /* LV volume (mL) and pressure (mmHg) over one steady beat */
  size_t npv;
} hs_compare_row;

typedef struct hs_compare_result {
  hs_compare_row *rows;
  size_t nrows;
  int recommended;   /* row index, -1 if no strategy meets every target */
  int closest;       /* row meeting most targets (lowest PCWP on ties) */
  char reason[512];
  double wall_s;
} hs_compare_result;

/* Run the comparison (threads > 1 runs strategies in parallel).  flows_lpm: ECMO-alone
   sweep (NULL: 2, 3, 4, 5 L/min).  Caller frees *out with hs_compare_free(). */
hs_status hs_compare_run(const hs_model *patient, const hs_targets *targets,
                         const double *flows_lpm, size_t nflows, int threads,
                         hs_compare_result **out, hs_err *err);
void hs_compare_free(hs_compare_result *r);
/* Free the PV-loop samples of one row. */
void hs_compare_row_clear(hs_compare_row *row);

#ifdef __cplusplus
}
#endif
#endif
