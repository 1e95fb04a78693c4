/*
 * hemosim/calibrate.h - fit a patient model to bedside measurements (issue #5).
 *
 * A measurements file (YAML or JSON, docs/calibration.md) names a base patient,
 * optional settings applied before fitting (body size, haemoglobin, ECMO, drugs)
 * and any subset of the measurable quantities (HS_CALQ_LIST), each with a value
 * and a standard deviation.  Impossible data (negative arterial pressures, PCWP
 * above MAP, DBP above SBP, EF outside 0-100 %, sd <= 0, unknown names, wrong
 * units) is rejected when the file is read, with file:line:column.
 *
 * hs_calibrate() estimates up to six parameters (HS_CALP_LIST) by minimising the
 * weighted least-squares objective  sum_i ((sim_i - meas_i) / sd_i)^2  with NLopt
 * (BOBYQA, bounded, on the natural log of every parameter, in coordinates whitened
 * by the sensitivities at the start).  Each evaluation is a
 * fresh simulation of a copy of the patient run to periodic steady state (at most
 * HS_CAL_MAX_BEATS beats; the last solver.window_beats beats are averaged even if
 * not steady).  Heart rate and haemoglobin, when measured, are set, not fitted.
 *
 * Identifiability: at the optimum a finite-difference sensitivity matrix
 * J_ij = d(sim_i / sd_i) / d(ln p_j) gives the Fisher information F = J^T J.  The
 * approximate relative standard error of parameter j is sqrt((F^-1)_jj) (the
 * standard error of ln p_j), plus, for directions the data do not see at all (zero
 * eigenvalues), how far they can move ln p_j inside the parameter bounds; a
 * parameter is "not identifiable" when that exceeds HS_CAL_RSE_LIMIT or when it
 * dominates a direction of F with an eigenvalue too small for the data to fix
 * (HS_CAL_WEAK_EIG).
 */
#ifndef HEMOSIM_CALIBRATE_H
#define HEMOSIM_CALIBRATE_H

#include <stddef.h>

#include "hemosim/error.h"
#include "hemosim/micro.h"
#include "hemosim/micro_model.h"
#include "hemosim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Measurable quantities: id, file name, metric compared (NULL: set, not fitted),
 * display unit, default sd (display unit).  Names in files are part of the API.
 */
#define HS_CALQ_LIST(X)                                                       \
  X(HS_CALQ_HR, "hr", "hr_bpm", "/min", 0)                                   \
  X(HS_CALQ_SBP, "sbp", "sbp_mmhg", "mmHg", 5)                               \
  X(HS_CALQ_DBP, "dbp", "dbp_mmhg", "mmHg", 5)                               \
  X(HS_CALQ_MAP, "map", "map_mmhg", "mmHg", 4)                               \
  X(HS_CALQ_CVP, "cvp", "cvp_mmhg", "mmHg", 2)                               \
  X(HS_CALQ_SPAP, "spap", "spap_mmhg", "mmHg", 4)                            \
  X(HS_CALQ_DPAP, "dpap", "dpap_mmhg", "mmHg", 3)                            \
  X(HS_CALQ_MPAP, "mpap", "mpap_mmhg", "mmHg", 3)                            \
  X(HS_CALQ_PCWP, "pcwp", "pcwp_mmhg", "mmHg", 3)                            \
  X(HS_CALQ_CO, "co", "co_lpm", "L/min", 0.5)                                \
  X(HS_CALQ_CI, "ci", "ci_lpm_m2", "L/min/m2", 0.3)                          \
  X(HS_CALQ_ECMO_FLOW, "ecmo_flow", "ecmo_flow_lpm", "L/min", 0.2)           \
  X(HS_CALQ_LVEF, "lvef", "lvef_pct", "%", 5)                                \
  X(HS_CALQ_LVEDV, "lvedv", "lvedv_ml", "mL", 20)                            \
  X(HS_CALQ_AVO, "aortic_valve_opens", "av_open_fraction", "", 0.3)          \
  X(HS_CALQ_SAO2U, "sao2_upper", "sao2_upper_pct", "%", 2)                   \
  X(HS_CALQ_SAO2L, "sao2_lower", "sao2_lower_pct", "%", 2)                   \
  X(HS_CALQ_HB, "hemoglobin", "", "g/dL", 0)

typedef enum hs_calq {
#define HS_X_CALQ(id, name, metric, unit, sd) id,
  HS_CALQ_LIST(HS_X_CALQ)
#undef HS_X_CALQ
      HS_CALQ_COUNT
} hs_calq;

const char *hs_calq_name(hs_calq q);   /* "pcwp" */
const char *hs_calq_metric(hs_calq q); /* "pcwp_mmhg"; "" for set quantities (hr, hemoglobin) */
const char *hs_calq_unit(hs_calq q);   /* display unit, "mmHg" */
double hs_calq_default_sd(hs_calq q);  /* display unit; 0 for set quantities */

/*
 * Estimated parameters: id, name, unit, lower and upper bound, description.  All
 * are fitted on the natural log scale.  Multipliers are relative to the base
 * patient (1 = unchanged).
 */
#define HS_CALP_LIST(X)                                                                   \
  X(HS_CALP_LV_EES, "lv_ees", "mmHg/mL", 0.05, 6.0,                                    \
    "LV end-systolic elastance lv.ees (contractility)")                                   \
  X(HS_CALP_LV_EDA, "lv_ed_a", "mmHg", 0.05, 10.0,                                     \
    "LV diastolic stiffness: scale lv.ed_a of the EDPVR A (exp(B (V - V0)) - 1)")          \
  X(HS_CALP_RV_EES, "rv_ees", "mmHg/mL", 0.05, 3.0,                                    \
    "RV end-systolic elastance rv.ees (contractility)")                                   \
  X(HS_CALP_SVR, "svr_mult", "x", 0.2, 5.0,                                            \
    "multiplier of every systemic bed resistance (edges with systemic_bed: true)")        \
  X(HS_CALP_PVR, "pvr_mult", "x", 0.2, 10.0,                                           \
    "multiplier of the pulmonary arteriolar resistance (pulm_arterioles.resistance)")     \
  X(HS_CALP_VS, "stressed_volume", "mL", 300.0, 6000.0,                                \
    "stressed blood volume: circulation.blood_volume minus the unstressed volumes of "   \
    "all vessels and chambers")

typedef enum hs_calp {
#define HS_X_CALP(id, name, unit, lo, hi, doc) id,
  HS_CALP_LIST(HS_X_CALP)
#undef HS_X_CALP
      HS_CALP_COUNT
} hs_calp;

const char *hs_calp_name(hs_calp p);
const char *hs_calp_unit(hs_calp p);
const char *hs_calp_doc(hs_calp p);
double hs_calp_lower(hs_calp p);
double hs_calp_upper(hs_calp p);
int hs_calp_find(const char *name); /* -1 if unknown */

#define HS_CAL_MAX_BEATS 150   /* beats per evaluation (fewer if the patient says so) */
#define HS_CAL_RSE_LIMIT 0.5   /* relative standard error above which a parameter is flagged */
#define HS_CAL_WEAK_EIG 4.0    /* FIM eigenvalue below which a direction is weak (= 1/0.5^2) */
#define HS_CAL_WEAK_LOAD 0.5   /* |eigenvector component| tying a parameter to a weak direction */

/* One measurement as read (display units). */
typedef struct hs_cal_meas {
  hs_calq q;
  double value; /* aortic_valve_opens: 1 or 0 */
  double sd;
  int sd_given; /* 0: the default sd was used */
  int line, column;
} hs_cal_meas;

/* A measurements file, read and checked; the base patient with its settings applied. */
typedef struct hs_cal_input {
  char *file;         /* the measurements file */
  char *patient_file; /* resolved base patient file; NULL = bundled healthy adult */
  hs_model *base;     /* base patient + 'set:' + measured hr / hemoglobin */
  size_t nmeas;
  hs_cal_meas meas[HS_CALQ_COUNT]; /* in file order */
  int estimate[HS_CALP_COUNT];     /* 1 = fitted (default: all) */
  size_t nset;
  char **set_path; /* parameters changed by 'set:' (and heart.heart_rate, oxygen.hemoglobin) */
  /* optional 'microcirculation:' a sublingual measurement of the same patient (NULL: none),
     analysed at load; its dysfunction is fitted to the calibrated patient */
  char *micro_file;
  hs_micro_input *micro;
  hs_micro_result *micro_result;
} hs_cal_input;

hs_status hs_cal_input_load(const char *path, hs_cal_input **out, hs_err *err);
void hs_cal_input_free(hs_cal_input *in); /* NULL is a no-op */

typedef struct hs_cal_options {
  int max_evals;              /* objective evaluations of the fit (default 150) */
  double start[HS_CALP_COUNT]; /* starting values (NAN = the base patient's value) */
  double fd_step;             /* finite-difference step in ln p (default 0.05) */
  /* Optional: called after every objective evaluation of the optimiser (phase "fit",
     done = all evaluations so far, as hs_cal_result.evals counts them, total =
     max_evals, best = lowest objective so far). */
  void (*progress)(const char *phase, int done, int total, double best, void *ud);
  void *progress_ud;
} hs_cal_options;
void hs_cal_options_default(hs_cal_options *o);

typedef struct hs_cal_param {
  int estimated;
  double base;  /* the base patient's value */
  double start; /* where the fit started */
  double value; /* fitted (= base if not estimated) */
  double lower, upper;
  int at_bound; /* -1 lower, +1 upper, 0 inside */
  double rse;      /* approximate relative standard error (SE of ln p): data part and null
                      part combined (docs/calibration.md, "Identifiability") */
  double rse_null; /* null part: half the range of ln p that directions the data do not see
                      sweep inside the bounds (0 when the Fisher information is regular) */
  int identifiable;
  char note[224]; /* why not identifiable */
} hs_cal_param;

typedef struct hs_cal_row {
  hs_calq q;
  double measured, sd, simulated;
  double residual; /* (simulated - measured) / sd; 0 for set quantities */
  int fitted;      /* 0 for hr / hemoglobin (set) */
} hs_cal_row;

typedef struct hs_cal_result {
  hs_cal_param p[HS_CALP_COUNT];
  size_t nrows;
  hs_cal_row rows[HS_CALQ_COUNT];
  size_t nfit;    /* fitted measurements */
  size_t nparams; /* estimated parameters */
  double cost_start, cost; /* objective at the start and at the fit (final full run) */
  int evals;               /* objective evaluations of the fit */
  int sens_evals;          /* evaluations of the sensitivity matrix */
  int failed_evals;        /* evaluations whose simulation failed (penalised) */
  char stop[96];           /* why the optimiser stopped */
  int steady;              /* the final run reached periodic steady state */
  double fit_s, sens_s, total_s;
  /* Fisher information of the estimated parameters (order of p[] among estimated) */
  double eig[HS_CALP_COUNT];                 /* ascending */
  double eigvec[HS_CALP_COUNT][HS_CALP_COUNT]; /* eigvec[k][j]: component j of vector k */
  int eig_param[HS_CALP_COUNT];              /* parameter id of component j */
  size_t nweak;                              /* eigenvalues < HS_CAL_WEAK_EIG */
  size_t nnull;                              /* eigenvalues 0 (to round-off): null space */
  hs_model *model; /* the calibrated patient */
  char warning[256];
  /* with a 'microcirculation:' measurement: the capillary dysfunction fitted to it at the
     calibrated patient's steady state (hs_micro_fit_patient), already set in model's
     `microcirculation` block; NULL without one */
  hs_micro_patient_fit *micro;
} hs_cal_result;

/* Fit.  Caller frees *out with hs_cal_result_free(). */
hs_status hs_calibrate(const hs_cal_input *in, const hs_cal_options *opt, hs_cal_result **out,
                       hs_err *err);
void hs_cal_result_free(hs_cal_result *r);

/*
 * Write the calibrated patient file (atomically): 'base:' the original patient
 * (path relative to the new file) plus the measured and fitted overrides, so that
 * `hemosim run PATH` reproduces the fit.  With the bundled default patient the
 * base is written next to it as "<PATH without .yaml/.yml/.json>.base.yaml".
 */
hs_status hs_cal_write_patient(const hs_cal_input *in, const hs_cal_result *r, const char *path,
                               hs_err *err);

/*
 * The result as JSON (schema hemosim-calibrate/1, docs/calibration.md): version,
 * measurements file, base patient, the options of the fit (opt may be NULL),
 * measured vs simulated values, fitted parameters with identifiability, Fisher
 * eigen-directions and fit statistics.  calibrated_file: the --out patient file
 * or NULL.  Caller frees.
 */
char *hs_cal_result_json(const hs_cal_input *in, const hs_cal_result *r,
                         const hs_cal_options *opt, const char *calibrated_file, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
