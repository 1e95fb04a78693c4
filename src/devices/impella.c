/*
 * impella.c - transvalvular micro-axial pump (Impella 2.5, CP, 5.0, 5.5; RP) (device).
 *
 *   lv (port inlet) --[inlet cannula across the aortic valve, rotor]--> aortic_root (outlet)
 *   ra (port inlet) --[Impella RP: inflow at the IVC-RA junction, across the tricuspid and
 *                      pulmonary valves]--> pa (outlet)
 *
 * One flow Q (mL/s) with the inertia of the blood column in the cannula:
 *
 *   L dQ/dt = P_lv - P_ao + dP_pump(s, Q) - dP_stop(s, Q) - dP_suction(V_lv, Q)
 *
 * Axial pump (affinity laws: head ~ speed^2, flow ~ speed), s = rpm / rpm_max:
 *   dP_pump = H0 s^2 - k s Q - c Q|Q|          Q in L/min, mmHg
 * H0 is the shut-off head at the model's top speed, k the slope of the pressure-flow
 * (HQ) curve at top speed.  Axial pumps have steep HQ curves (flow falls steeply as
 * the aorta-LV pressure difference rises; Moazami et al. 2013, J Heart Lung Transplant
 * 32:1; Burkhoff et al. 2015, J Am Coll Cardiol 66:2663), which is what k gives.
 * No manufacturer HQ curve was available, so the coefficients are calibrated
 * (docs/devices.md): the 2.5 so that the acute-MI shock patient's
 * flows fall in the IFU P-level table (P2 35,000 rpm 0.8-1.5 L/min ... P8 50,000 rpm
 * 2.1-2.4, P9 51,000 rpm 2.1-2.5; Abiomed IFU); CP, 5.0 and 5.5 so that at P9 and a
 * mean aorta-LV difference of 60 mmHg they deliver 3.5 (up to ~4.3 near 40 mmHg), 5.0
 * and 5.8 L/min, with shut-off heads growing with impeller tip speed.  The RP (right
 * side; its ports bind to ra and pa) has the 5.0's speeds and shut-off head (same pump
 * class, 22 Fr) and a slope giving 4.5 L/min at P9 and a 20 mmHg rise (rated > 4 L/min).
 * Stopped rotor (P0, on: false): the catheter stays across the aortic valve and blood
 * flows back from the aorta into the LV through the cannula, limited by the stopped
 * rotor as by an orifice of effective area A_stop:
 *   dP_stop = w(s) Q|Q| / (A_stop K)^2,  K = sqrt(2 / rho) (elements.h HS_ORIFICE_K),
 *   w(s) = exp(-(s / 0.2)^2)  (the obstruction fades once the rotor turns).
 * Suction: when the LV (the RP: the RA) is nearly empty (its volume below suction_volume;
 * by default the inlet chamber's v0 + 10 mL, so a right-shifted failing LV sucks earlier) its walls close on
 * the inlet; an added inflow resistance R_s ((V_s / V)^4 - 1) acts on forward flow,
 * so the pump can never draw the LV to a negative volume.  Reported as
 * suction_fraction (fraction of time obstructed).
 * Speed: level P0-P9 sets the rotor speed from the model's P-level table (rpm > 0
 * overrides it); the rotor follows its set speed with a 0.3 s time constant, so
 * starts and stops are smooth.
 */
#include <math.h>
#include <string.h>

#include "elements/elements.h"
#include "hemosim/device.h"

enum { I_ON, I_MODEL, I_LEVEL, I_RPM, I_SUCTION_V, I_SUCTION_R, I_NPARAM };
enum { X_Q, X_W, X_N };
static const hs_device_state STATES[X_N] = {
    [X_Q] = {"flow", HS_DSTATE_FLOW, -INFINITY, INFINITY},
    [X_W] = {"rotor_speed", HS_DSTATE_SPEED, 0.0, INFINITY}};
enum { O_FLOW, O_RPM, O_SUCTION, O_DP, O_N };
enum { M_25, M_CP, M_50, M_55, M_RP, M_N };

#define MLS_PER_LPM (1000.0 / 60.0)
#define TAU_ROTOR 0.3 /* s: rotor speed follows its set point */
#define S_STOP 0.2    /* speed fraction below which the stopped-rotor obstruction acts */
#define SUCTION_MARGIN 10.0 /* mL above the LV's v0: automatic suction volume */

/* One Impella model: P-level speeds and the calibrated pump curve.
   Sources and calibration: docs/devices.md. */
typedef struct impella_model {
  double rpm[10];   /* P0..P9 */
  double h0;        /* shut-off head at rpm[9], mmHg */
  double k;         /* HQ slope at rpm[9], mmHg per L/min */
  double c;         /* quadratic loss, mmHg per (L/min)^2 */
  double inertance; /* rho l / A of the cannula blood column, mmHg s^2/mL */
  double a_stop;    /* effective back-flow orifice of the stopped pump, cm^2 */
} impella_model;

static const impella_model MODELS[M_N] = {
    /* 2.5: 12 Fr pump; P-level speeds of the Abiomed IFU table */
    [M_25] = {{0, 25000, 35000, 38000, 40000, 43000, 45000, 47000, 50000, 51000},
              130.0, 42.0, 0.0, 0.070, 0.03},
    /* CP: 14 Fr pump, 46,000 rpm top speed; intermediate levels scaled from the 2.5 table */
    [M_CP] = {{0, 22500, 31600, 34300, 36100, 38800, 40600, 42400, 45100, 46000},
              155.0, 27.1, 0.0, 0.050, 0.04},
    /* 5.0: 21 Fr pump, 33,000 rpm top speed; levels scaled from the 2.5 table */
    [M_50] = {{0, 16200, 22600, 24600, 25900, 27800, 29100, 30400, 32400, 33000},
              180.0, 24.0, 0.0, 0.035, 0.08},
    /* 5.5: 19 Fr pump; speeds as the 5.0 (assumption) */
    [M_55] = {{0, 16200, 22600, 24600, 25900, 27800, 29100, 30400, 32400, 33000},
              180.0, 20.7, 0.0, 0.035, 0.08},
    /* RP: right-sided 22 Fr pump (IVC/RA -> pulmonary artery); speeds as the 5.0
       (assumption); curve calibrated to its rated flow (docs/devices.md) */
    [M_RP] = {{0, 16200, 22600, 24600, 25900, 27800, 29100, 30400, 32400, 33000},
              180.0, 35.6, 0.0, 0.035, 0.08},
};

static const char *const MODEL_NAMES[] = {"2.5", "cp", "5.0", "5.5", "rp", NULL};

static const hs_param_spec PARAMS[I_NPARAM] = {
    [I_ON] = {"on", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
              "motor running (false: rotor stopped, as P0: blood flows back through the cannula)",
              "", NULL},
    [I_MODEL] = {"model", HS_DIM_NONE, M_CP, 0, M_N - 1, HS_PARAM_CHOICE,
                 "pump model: 2.5 (12 Fr), cp (14 Fr), 5.0 (21 Fr), 5.5 (19 Fr) across the aortic "
                 "valve; rp (22 Fr, right side: ports inlet ra, outlet pa)",
                 "Abiomed IFU", MODEL_NAMES},
    [I_LEVEL] = {"level", HS_DIM_NONE, 8, 0, 9, HS_PARAM_INTEGER,
                 "performance level P0-P9 (P0: motor stopped; P8: highest level for continuous "
                 "use; P9: boost)",
                 "Impella IFU P-level table", NULL},
    [I_RPM] = {"rpm", HS_DIM_SPEED, 0, 0, 55000, 0,
               "rotor speed override (0: set by level); speeds above the model's P9 speed "
               "extrapolate its pump curve",
               "", NULL},
    [I_SUCTION_V] = {"suction_volume", HS_DIM_VOLUME, 0, 0, 200, 0,
                     "inlet chamber (LV; RP: RA) volume below which its walls close on the "
                     "inlet (0: automatic, the chamber's ESPVR intercept v0 + 10 mL)",
                     "", NULL},
    [I_SUCTION_R] = {"suction_resistance", HS_DIM_RESISTANCE, 1.0, 0, 100, 0,
                     "scale of the added inflow resistance during suction", "", NULL},
};

static const char *const PORTS[] = {"inlet", "outlet"};
static const hs_device_flow FLOWS[] = {{"pump", 0, 1, 0}};
static const hs_device_output OUTPUTS[O_N] = {
    [O_FLOW] = {"flow_lpm", "L/min", 1.0 / MLS_PER_LPM,
                "pump flow inlet -> outlet (LV -> aorta; RP: RA -> PA; negative: back-flow through a "
                "stopped pump)", HS_AGG_MEAN},
    [O_RPM] = {"rpm", "rpm", 1.0, "rotor speed", HS_AGG_MEAN},
    [O_SUCTION] = {"suction_fraction", "", 1.0,
                   "fraction of time the inlet chamber (LV; RP: RA) is so empty that it obstructs the "
                   "inlet", HS_AGG_MEAN},
    [O_DP] = {"pump_dp_mmhg", "mmHg", 1.0, "pressure rise across the pump (outlet - inlet)",
              HS_AGG_MEAN},
};

static double set_rpm(const double *p) {
  if (p[I_ON] == 0) return 0.0;
  if (p[I_RPM] > 0) return p[I_RPM];
  int m = (int)p[I_MODEL], lv = (int)p[I_LEVEL];
  if (m < 0 || m >= M_N) m = M_CP;
  if (lv < 0 || lv > 9) lv = 0;
  return MODELS[m].rpm[lv];
}

static void init(const double *p, double *x) {
  x[X_Q] = 0.0;
  x[X_W] = set_rpm(p);
}

static hs_status eval(hs_device_io *io, hs_err *err) {
  (void)err;
  const double *p = io->p, *x = io->x;
  int m = (int)p[I_MODEL];
  if (m < 0 || m >= M_N) m = M_CP;
  const impella_model *md = &MODELS[m];
  double q = x[X_Q], ql = q / MLS_PER_LPM;
  double w = x[X_W] > 0.0 ? x[X_W] : 0.0;
  double s = w / md->rpm[9];
  /* rotor: head ~ s^2, slope ~ s (affinity laws) */
  double dp_pump = md->h0 * s * s - md->k * s * ql - md->c * ql * fabs(ql);
  /* stopped rotor: orifice-like back-flow path */
  double ak = md->a_stop * HS_ORIFICE_K;
  double r = s / S_STOP;
  dp_pump -= exp(-r * r) * q * fabs(q) / (ak * ak);
  /* suction: the emptied LV closes on the inlet (forward flow only) */
  double v = io->port_v[0], dp_suc = 0.0, suction = 0.0;
  double vs = p[I_SUCTION_V] > 0.0 ? p[I_SUCTION_V] : io->port_v0[0] + SUCTION_MARGIN;
  if (v < vs) {
    double ratio = vs / (v > 1e-3 ? v : 1e-3);
    double r4 = ratio * ratio * ratio * ratio;
    dp_suc = p[I_SUCTION_R] * (r4 - 1.0) * (q > 0.0 ? q : 0.0);
    suction = 1.0;
  }
  io->dx[X_Q] = (io->port_p[0] - io->port_p[1] + dp_pump - dp_suc) / md->inertance;
  io->dx[X_W] = (set_rpm(p) - x[X_W]) / TAU_ROTOR;
  io->q[0] = q;
  io->out[O_FLOW] = q;
  io->out[O_RPM] = w;
  io->out[O_SUCTION] = suction;
  io->out[O_DP] = dp_pump;
  return HS_OK;
}

/* The RP is a right-sided pump, the others cross the aortic valve: a model bound to the
   other side's chambers (by their usual node names, docs/roles.md) is refused rather than
   simulated with the wrong pump curve. */
static hs_status check(const double *p, const char *const *port_nodes, hs_err *err) {
  int m = (int)p[I_MODEL];
  int left = !strcmp(port_nodes[0], "lv") || !strcmp(port_nodes[1], "aortic_root");
  int right = !strcmp(port_nodes[0], "ra") || !strcmp(port_nodes[1], "pa");
  if (m == M_RP && left)
    return hs_err_set(err, HS_ERR_MODEL,
                      "model rp (Impella RP) is a right-sided pump: bind ports {inlet: ra, "
                      "outlet: pa} (bound: inlet %s, outlet %s), or choose a left-sided model "
                      "(2.5, cp, 5.0, 5.5)",
                      port_nodes[0], port_nodes[1]);
  if (m != M_RP && right)
    return hs_err_set(err, HS_ERR_MODEL,
                      "model %s crosses the aortic valve: bind ports {inlet: lv, outlet: "
                      "aortic_root} (bound: inlet %s, outlet %s), or set model rp (Impella RP) "
                      "for right-sided support",
                      MODEL_NAMES[m >= 0 && m < M_N ? m : M_CP], port_nodes[0], port_nodes[1]);
  return HS_OK;
}

extern const hs_device_type hs_device_impella;

static const hs_block_type BLOCK = {
    "impella", HS_BLOCK_DEVICE, PARAMS, I_NPARAM,
    "Impella transvalvular micro-axial pump LV -> ascending aorta (2.5, CP, 5.0, 5.5), or "
    "RA -> pulmonary artery (RP).",
    &hs_device_impella};

const hs_device_type hs_device_impella = {
    .block = &BLOCK, .ports = PORTS, .nports = 2, .flows = FLOWS, .nflows = 1,
    .nstates = X_N, .outputs = OUTPUTS, .noutputs = O_N, .init = init, .eval = eval,
    .volume_param = -1, .check = check, .states = STATES};
