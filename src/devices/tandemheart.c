/*
 * tandemheart.c - TandemHeart percutaneous left atrial-to-femoral arterial bypass
 * (device).
 *
 *   la (port inlet) --[21 Fr transseptal inflow cannula]--> centrifugal pump
 *      --[tubing]--> [15-17 Fr femoral arterial cannula] --> lower_arteries (outlet)
 *
 * The circuit is rigid and full, so it carries one flow Q (mL/s) with the inertia of
 * its blood column (cannulae and tubing, rho l / A each):
 *
 *   L dQ/dt = P_la - P_art + dP_pump(w, Q) - dP_in(Q) - dP_out(Q) - R_t Q - dP_col
 *
 * Pump: hs_centrifugal_pump_dp, dP = a w^2 - b Q|Q| (w in 1000 rpm, Q in L/min), with
 *   coefficients of the small TandemHeart pump (7 mL priming volume, 3,000-7,500 rpm)
 *   calibrated so that at 7,500 rpm the circuit delivers the published maximum flows:
 *   5.0 L/min with the thin-walled ("enhanced flow") 21 Fr transseptal cannula and a
 *   17 Fr arterial cannula, 4.5 L/min with a 15 Fr one (CardiacAssist 2006; flows
 *   4-5 L/min, Kar et al. 2011).  docs/devices.md.
 * Cannulae: hs_cannula_dp (the validated law of the ECMO cannulae), thin wall.
 * Collapse of the left atrium: when the drained LA empties below suction_volume (by
 *   default the LA's unstressed volume, where its transmural pressure turns negative)
 *   its wall closes on the cannula tip; an added resistance R_c ((V_s / V)^4 - 1)
 *   limits forward flow before the LA can empty (never a negative volume); that time
 *   is reported as suction_fraction.
 * Off: the lines are clamped; the flow decays to zero within ~0.1 s.
 */
#include <math.h>

#include "hemosim/device.h"
#include "hemosim/ecmo.h"

enum {
  T_ON,
  T_RPM,
  T_IN_FR,
  T_IN_LEN,
  T_OUT_FR,
  T_OUT_LEN,
  T_TUBE_D,
  T_TUBE_L,
  T_PUMP_A,
  T_PUMP_B,
  T_WALL,
  T_KFORM,
  T_FRICTION,
  T_SUCTION_V,
  T_COLLAPSE_R,
  T_NPARAM
};
enum { X_Q, X_N };
enum { O_FLOW, O_RPM, O_SUCTION, O_DP_PUMP, O_P_INLET, O_N };

#define MLS_PER_LPM (1000.0 / 60.0)
#define DYN 1333.22 /* dyn/cm^2 per mmHg */
#define PI 3.14159265358979323846

static const hs_param_spec PARAMS[T_NPARAM] = {
    [T_ON] = {"on", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL, "pump running (false: lines clamped)",
              "", NULL},
    [T_RPM] = {"rpm", HS_DIM_SPEED, 7500, 0, 7500, 0,
               "pump speed (clinical range 3,000-7,500 rpm)", "Vranckx 2003", NULL},
    [T_IN_FR] = {"inflow_size", HS_DIM_FRENCH, 21, 15, 25, 0,
                 "transseptal (left atrial) inflow cannula size", "CardiacAssist 2006", NULL},
    [T_IN_LEN] = {"inflow_length", HS_DIM_LENGTH, 62, 20, 100, 0,
                  "transseptal cannula length (femoral vein to left atrium)", "", NULL},
    [T_OUT_FR] = {"outflow_size", HS_DIM_FRENCH, 17, 12, 21, 0,
                  "femoral arterial cannula size (15 or 17 Fr)", "CardiacAssist 2006", NULL},
    [T_OUT_LEN] = {"outflow_length", HS_DIM_LENGTH, 15, 5, 40, 0, "arterial cannula length", "",
                   NULL},
    [T_TUBE_D] = {"tubing_diameter", HS_DIM_LENGTH, 0.9525, 0.3, 1.6, HS_PARAM_UNIT,
                  "tubing inner diameter (3/8 inch = 0.9525 cm)", "", NULL},
    [T_TUBE_L] = {"tubing_length", HS_DIM_LENGTH, 60, 10, 300, 0,
                  "total tubing length (pump strapped to the thigh)", "", NULL},
    [T_PUMP_A] = {"pump_a", HS_DIM_NONE, 11.0, 1, 500, 0,
                  "pump head coefficient a in dP = a w^2 - b Q|Q| (mmHg per (1000 rpm)^2)",
                  "docs/devices.md", NULL},
    [T_PUMP_B] = {"pump_b", HS_DIM_NONE, 2.0, 0, 100, 0,
                  "pump head loss coefficient b (mmHg per (L/min)^2)",
                  "docs/devices.md", NULL},
    [T_WALL] = {"cannula_wall", HS_DIM_LENGTH, 0.015, 0.005, 0.2, HS_PARAM_UNIT,
                "cannula wall thickness (thin-walled transseptal cannula)",
                "CardiacAssist 2006", NULL},
    [T_KFORM] = {"cannula_loss", HS_DIM_NONE, 3.8, 0, 20, 0,
                 "entry, exit and side-hole loss coefficient of a cannula", "docs/devices.md",
                 NULL},
    [T_FRICTION] = {"cannula_friction", HS_DIM_NONE, 0.03, 0, 0.2, 0,
                    "Darcy friction factor of turbulent cannula flow", "docs/devices.md", NULL},
    [T_SUCTION_V] = {"suction_volume", HS_DIM_VOLUME, 5, 0, 100, 0,
                     "LA volume below which its wall closes on the cannula tip (about the LA's "
                     "unstressed volume)",
                     "", NULL},
    [T_COLLAPSE_R] = {"collapse_resistance", HS_DIM_RESISTANCE, 2.0, 0, 100, 0,
                      "scale of the added resistance when the left atrium collapses", "", NULL},
};

static const char *const PORTS[] = {"inlet", "outlet"};
static const hs_device_flow FLOWS[] = {{"pump", 0, 1, 0}};
static const hs_device_output OUTPUTS[O_N] = {
    [O_FLOW] = {"flow_lpm", "L/min", 1.0 / MLS_PER_LPM, "pump flow LA -> femoral artery",
                HS_AGG_MEAN},
    [O_RPM] = {"rpm", "rpm", 1.0, "pump speed", HS_AGG_MEAN},
    [O_SUCTION] = {"suction_fraction", "", 1.0,
                   "fraction of time the left atrium is collapsed on the cannula", HS_AGG_MEAN},
    [O_DP_PUMP] = {"pump_dp_mmhg", "mmHg", 1.0, "pressure rise across the pump", HS_AGG_MEAN},
    [O_P_INLET] = {"inlet_mmhg", "mmHg", 1.0, "pump inlet pressure", HS_AGG_MEAN},
};

static void init(const double *p, double *x) {
  (void)p;
  x[X_Q] = 0.0;
}

static double cannula_dp(const double *p, double fr, double len, double q) {
  return hs_cannula_dp(fr, len, q, p[T_WALL], p[T_KFORM], p[T_FRICTION]);
}

/* inertance rho l / A of a tube of inner diameter d (cm) and length l (cm) */
static double tube_l(double d, double len) {
  double r = 0.5 * d;
  return HS_BLOOD_DENSITY * len / (PI * r * r) / DYN;
}

static hs_status eval(hs_device_io *io, hs_err *err) {
  (void)err;
  const double *p = io->p, *x = io->x;
  double q = x[X_Q];
  double rpm = p[T_ON] != 0 ? p[T_RPM] : 0.0;
  double dp_pump = hs_centrifugal_pump_dp(p[T_PUMP_A], p[T_PUMP_B], rpm, q);
  double dp_in = cannula_dp(p, p[T_IN_FR], p[T_IN_LEN], q);
  double dp_out = cannula_dp(p, p[T_OUT_FR], p[T_OUT_LEN], q);
  double rt = 0.5 * p[T_TUBE_D];
  double r_tube = 8.0 * HS_BLOOD_VISCOSITY * p[T_TUBE_L] / (PI * rt * rt * rt * rt) / DYN;
  double l = tube_l(p[T_TUBE_D], p[T_TUBE_L]) +
             tube_l(p[T_IN_FR] / 30.0 - 2.0 * p[T_WALL], p[T_IN_LEN]) +
             tube_l(p[T_OUT_FR] / 30.0 - 2.0 * p[T_WALL], p[T_OUT_LEN]);
  /* collapse of the drained left atrium around the cannula tip */
  double v = io->port_v[0], vs = p[T_SUCTION_V], dp_col = 0.0, suction = 0.0;
  if (v < vs) {
    double ratio = vs / (v > 1e-3 ? v : 1e-3);
    dp_col = p[T_COLLAPSE_R] * (ratio * ratio * ratio * ratio - 1.0) * (q > 0.0 ? q : 0.0);
    suction = 1.0;
  }
  double drive = io->port_p[0] - io->port_p[1] + dp_pump - dp_in - dp_out - r_tube * q - dp_col;
  io->dx[X_Q] = p[T_ON] != 0 ? drive / l : -q / 0.02;
  io->q[0] = q;
  io->out[O_FLOW] = q;
  io->out[O_RPM] = rpm;
  io->out[O_SUCTION] = suction;
  io->out[O_DP_PUMP] = dp_pump;
  io->out[O_P_INLET] = io->port_p[0] - dp_in - dp_col;
  return HS_OK;
}

extern const hs_device_type hs_device_tandemheart;

static const hs_block_type BLOCK = {
    "tandemheart", HS_BLOCK_DEVICE, PARAMS, T_NPARAM,
    "TandemHeart: transseptal LA drainage, extracorporeal centrifugal pump, femoral arterial "
    "return.",
    &hs_device_tandemheart};

const hs_device_type hs_device_tandemheart = {
    .block = &BLOCK, .ports = PORTS, .nports = 2, .flows = FLOWS, .nflows = 1,
    .nstates = X_N, .outputs = OUTPUTS, .noutputs = O_N, .init = init, .eval = eval,
    .volume_param = -1};
