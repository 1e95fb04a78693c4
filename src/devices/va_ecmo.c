/*
 * va_ecmo.c - veno-arterial ECMO circuit (device).
 *
 *   drainage node --[drainage cannula]--> pump --[tubing]--> oxygenator
 *                 --[return cannula]--> return node
 *
 * Ports: drainage (e.g. ivc for a femoral venous cannula at the IVC/RA junction,
 * ra for central cannulation) and return (lower_arteries: femoral artery;
 * upper_arteries: right axillary/subclavian artery; arch or aortic_root: central).
 *
 * The circuit is rigid and full (its prime volume never changes), so it carries
 * one flow Q with the inertia of its blood column:
 *
 *   L dQ/dt = P_drain - P_return + dP_pump(w, Q) - dP_dc(Q) - dP_rc(Q)
 *             - dP_oxy(Q) - R_tube Q - dP_collapse
 *
 * Pump (centrifugal, affinity laws: head ~ speed^2):  dP_pump = a w^2 - b Q|Q|
 *   w in 1000 rpm, Q in L/min, coefficients of the pump family (docs/devices.md).
 * Cannula: dP = R_lam Q + K Q|Q|, R_lam = 8 mu l / (pi r^4) (Poiseuille),
 *   K = (k_form + f l / d) rho / (2 A^2) (entry/exit/side-hole losses plus
 *   turbulent wall friction), inner diameter d = Fr/3 mm - 2 x wall.
 *   Defaults reproduce the cannula charts of Noe et al. 1989 (docs/devices.md).
 * Oxygenator: dP = r1 Q + r2 Q^2 (manufacturer pressure-drop curve).
 * Tubing: Poiseuille resistance and inertance rho l / A of the tubing.
 * Collapse of the drained vein: when the drainage node's transmural pressure is
 *   negative the vessel wall closes on the cannula tip; an added resistance
 *   R_c ((V0/V)^4 - 1) limits flow before the node can empty (never a negative
 *   volume); that state is reported as suction.
 * Control: fixed rpm, or target flow with an integral controller on rpm
 *   (anti-windup at 0 and 5000 rpm) acting on a 1-s low-pass of the flow.
 * Oxygenator gas exchange: blood leaves at PO2 = FdO2 (Pb - 47) x (1 - exp(-2 S/Q))
 *   with S the sweep gas flow: a simplified membrane-lung transfer in which O2
 *   transfer saturates as the sweep/blood flow ratio rises (docs/oxygen.md).
 * Off: the lines are clamped; the flow decays to zero within ~0.1 s.
 * Vent (optional port "vent", vent_size > 0): a cannula draining the LA, LV or PA
 * into the venous line before the pump (transseptal LA vent, transmitral or
 * transaortic LV vent, PA vent, surgical apical or right-superior-pulmonary-vein
 * vent, by where "vent" is bound and the cannula's size and length); clamps on the
 * drainage and vent lines (1 = closed).  Drainage clamped with an LV vent on central
 * ECMO: a temporary LVAD.
 */
#include <math.h>
#include <string.h>

#include "hemosim/device.h"
#include "hemosim/ecmo.h"
#include "hemosim/oxygen.h"

enum {
  E_ON,
  E_CONTROL,
  E_RPM,
  E_TARGET,
  E_DFR,
  E_DLEN,
  E_RFR,
  E_RLEN,
  E_TUBE_D,
  E_TUBE_L,
  E_PUMP_A,
  E_PUMP_B,
  E_OXY_R1,
  E_OXY_R2,
  E_WALL,
  E_KFORM,
  E_FRICTION,
  E_COLLAPSE_R,
  E_FDO2,
  E_SWEEP,
  E_PB,
  E_PRIME,
  E_DCLAMP,
  E_VFR,
  E_VLEN,
  E_VCLAMP,
  E_NPARAM
};
enum { X_Q, X_RPM, X_QF, X_QV, X_N };
enum {
  O_FLOW,
  O_RPM,
  O_DP_PUMP,
  O_P_INLET,
  O_P_PREOXY,
  O_P_POSTOXY,
  O_SUCTION,
  O_VENT,
  O_N
};

static const char *const CONTROL[] = {"rpm", "flow", NULL};

static const hs_param_spec PARAMS[E_NPARAM] = {
    [E_ON] = {"on", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL, "pump running (false: lines clamped)", "setting",
              NULL},
    [E_CONTROL] = {"control", HS_DIM_NONE, 0, 0, 1, HS_PARAM_CHOICE,
                   "rpm: fixed pump speed; flow: speed adjusted to reach target_flow", "setting", CONTROL},
    [E_RPM] = {"rpm", HS_DIM_SPEED, 3000, 0, 5000, 0, "pump speed (rpm control)",
               "He 2021 (pump head)", NULL},
    [E_TARGET] = {"target_flow", HS_DIM_FLOW, 4000.0 / 60.0, 0, 8000.0 / 60.0, 0,
                  "circuit flow to reach in flow control (0-8 L/min)", "Lorusso 2021 (ELSO)", NULL},
    [E_DFR] = {"drainage_size", HS_DIM_FRENCH, 23, 15, 31, 0, "drainage cannula size",
               "Noe 1989", NULL},
    [E_DLEN] = {"drainage_length", HS_DIM_LENGTH, 55, 10, 100, 0,
                "drainage cannula length (femoral multistage ~55-70 cm)", "model choice: femoral multistage cannulae are 55-70 cm (docs/devices.md)", NULL},
    [E_RFR] = {"return_size", HS_DIM_FRENCH, 17, 13, 25, 0, "return cannula size",
               "Noe 1989", NULL},
    [E_RLEN] = {"return_length", HS_DIM_LENGTH, 15, 5, 60, 0,
                "return cannula length (femoral ~15-23 cm)", "model choice: femoral return cannulae are 15-23 cm (docs/devices.md)", NULL},
    [E_TUBE_D] = {"tubing_diameter", HS_DIM_LENGTH, 0.9525, 0.3, 1.6, HS_PARAM_UNIT,
                  "tubing inner diameter (3/8 inch = 0.9525 cm)", "model choice: 3/8 inch adult circuit tubing (docs/devices.md)", NULL},
    [E_TUBE_L] = {"tubing_length", HS_DIM_LENGTH, 250, 50, 800, 0, "total tubing length", "model choice: adult circuit, ~2.5 m (docs/devices.md)",
                  NULL},
    [E_PUMP_A] = {"pump_a", HS_DIM_NONE, 44.4, 1, 500, 0,
                  "pump head coefficient a in dP = a w^2 - b Q|Q| (mmHg per (1000 rpm)^2)",
                  "docs/devices.md", NULL},
    [E_PUMP_B] = {"pump_b", HS_DIM_NONE, 2.5, 0, 100, 0,
                  "pump head loss coefficient b (mmHg per (L/min)^2)", "docs/devices.md", NULL},
    [E_OXY_R1] = {"oxygenator_r1", HS_DIM_RESISTANCE, 0.25, 0, 10, 0,
                  "oxygenator linear pressure-drop coefficient", "docs/devices.md", NULL},
    [E_OXY_R2] = {"oxygenator_r2", HS_DIM_NONE, 0.0, 0, 1, 0,
                  "oxygenator quadratic coefficient (mmHg per (mL/s)^2)", "docs/devices.md",
                  NULL},
    [E_WALL] = {"cannula_wall", HS_DIM_LENGTH, 0.025, 0.005, 0.2, HS_PARAM_UNIT,
                "cannula wall thickness (inner diameter = Fr/3 mm - 2 wall)", "docs/devices.md",
                NULL},
    [E_KFORM] = {"cannula_loss", HS_DIM_NONE, 3.8, 0, 20, 0,
                 "entry, exit and side-hole loss coefficient of a cannula", "docs/devices.md",
                 NULL},
    [E_FRICTION] = {"cannula_friction", HS_DIM_NONE, 0.03, 0, 0.2, 0,
                    "Darcy friction factor of turbulent cannula flow", "docs/devices.md", NULL},
    [E_COLLAPSE_R] = {"collapse_resistance", HS_DIM_RESISTANCE, 2.0, 0, 100, 0,
                      "scale of the added resistance when the drained vein collapses", "model choice: only the onset of suction matters (docs/devices.md)", NULL},
    [E_FDO2] = {"fdo2", HS_DIM_NONE, 1.0, 0.21, 1.0, 0, "oxygen fraction of the sweep gas",
                "setting (ELSO: sweep FdO2 usually 1.0; Lorusso 2021)", NULL},
    [E_SWEEP] = {"sweep", HS_DIM_FLOW, 4000.0 / 60.0, 0, 15000.0 / 60.0, 0,
                 "sweep gas flow (0-15 L/min)", "setting (ELSO: titrated to PaCO2, ~1:1 with blood flow; Lorusso 2021)", NULL},
    [E_PB] = {"barometric_pressure", HS_DIM_PRESSURE, 760, 500, 800, 0,
              "barometric pressure at the oxygenator", "sea level (standard atmosphere)", NULL},
    [E_PRIME] = {"prime_volume", HS_DIM_VOLUME, 600, 0, 3000, 0,
                 "blood volume held in the circuit (constant)", "model choice: adult circuit prime ~500-700 mL (docs/devices.md)", NULL},
    [E_DCLAMP] = {"drainage_clamp", HS_DIM_NONE, 0, 0, 1, 0,
                  "fraction by which the drainage line is clamped (1 = closed: with a vent, "
                  "central ECMO becomes a temporary LVAD)",
                  "Donker 2019 (review)", NULL},
    [E_VFR] = {"vent_size", HS_DIM_FRENCH, 0, 0, 40, 0,
               "vent cannula joining the venous line (0 = no vent); bind port 'vent' to its site",
               "Donker 2019 (review)", NULL},
    [E_VLEN] = {"vent_length", HS_DIM_LENGTH, 40, 5, 100, 0, "vent cannula length", "model choice: as a drainage-side vent line (docs/devices.md)", NULL},
    [E_VCLAMP] = {"vent_clamp", HS_DIM_NONE, 0, 0, 1, 0,
                  "fraction by which the vent line is clamped (1 = closed, no vent flow)", "setting (default 0: open)",
                  NULL},
};

static const hs_device_state STATES[X_N] = {
    [X_Q] = {"drainage_flow", HS_DSTATE_FLOW, -INFINITY, INFINITY},
    [X_RPM] = {"rpm", HS_DSTATE_SPEED, 0.0, 5000.0},
    [X_QF] = {"filtered_flow", HS_DSTATE_FLOW, -INFINITY, INFINITY},
    [X_QV] = {"vent_flow", HS_DSTATE_FLOW, -INFINITY, INFINITY},
};

static const char *const PORTS[] = {"drainage", "return", "vent"};
static const hs_device_flow FLOWS[] = {{"circuit", 0, 1, HS_DFLOW_OXYGENATE},
                                       {"vent", 2, 1, HS_DFLOW_OXYGENATE}};
static const hs_device_output OUTPUTS[O_N] = {
    [O_FLOW] = {"flow_lpm", "L/min", 1.0 / (1000.0 / 60.0), "circuit (pump) flow", HS_AGG_MEAN},
    [O_RPM] = {"rpm", "rpm", 1.0, "pump speed", HS_AGG_MEAN},
    [O_DP_PUMP] = {"pump_dp_mmhg", "mmHg", 1.0, "pressure rise across the pump", HS_AGG_MEAN},
    [O_P_INLET] = {"drainage_mmhg", "mmHg", 1.0, "pump inlet (drainage line) pressure",
                   HS_AGG_MEAN},
    [O_P_PREOXY] = {"pre_oxygenator_mmhg", "mmHg", 1.0, "pressure before the oxygenator",
                    HS_AGG_MEAN},
    [O_P_POSTOXY] = {"post_oxygenator_mmhg", "mmHg", 1.0, "pressure after the oxygenator",
                     HS_AGG_MEAN},
    [O_SUCTION] = {"suction_fraction", "", 1.0,
                   "fraction of time the drained vein is collapsed (flow limitation)",
                   HS_AGG_MEAN},
    [O_VENT] = {"vent_flow_lpm", "L/min", 1.0 / (1000.0 / 60.0), "flow through the vent cannula",
                HS_AGG_MEAN},
};

#define MLS_PER_LPM (1000.0 / 60.0)
#define DYN 1333.22 /* dyn/cm^2 per mmHg */
#define PI 3.14159265358979323846

/* A cannula's coefficients: dP = rlam Q + k Q|Q| (the law above). */
static void cannula_coef(double fr, double len, double wall, double k_loss, double friction,
                         double *rlam, double *k) {
  double d = fr / 30.0 - 2.0 * wall; /* inner diameter, cm */
  double r = 0.5 * d, a = PI * r * r;
  *rlam = 8.0 * HS_BLOOD_VISCOSITY * len / (PI * r * r * r * r) / DYN;
  *k = (k_loss + friction * len / d) * HS_BLOOD_DENSITY / (2.0 * a * a) / DYN;
}

double hs_cannula_dp(double fr, double len, double q, double wall, double k_loss,
                     double friction) {
  double rlam, k;
  cannula_coef(fr, len, wall, k_loss, friction, &rlam, &k);
  return rlam * q + k * q * fabs(q);
}

double hs_centrifugal_pump_dp(double a, double b, double rpm, double q) {
  double w = rpm / 1000.0, ql = q / MLS_PER_LPM;
  return a * w * w - b * ql * fabs(ql);
}

static void init(const double *p, double *x) {
  x[X_Q] = 0.0;
  x[X_RPM] = p[E_RPM];
  x[X_QF] = 0.0;
  x[X_QV] = 0.0;
}

/* Inertance (mmHg s^2/mL) of a tube: rho l / A. */
static double tube_inertance(double d_cm, double len) {
  double a = PI * d_cm * d_cm / 4.0;
  return HS_BLOOD_DENSITY * len / a / DYN;
}

/* Added loss of a partly clamped line: the open fraction f carries the flow through
   a form loss rho/(2 (f A)^2) Q|Q|; its coefficient (0 when unclamped; fully clamped lines
   are handled as closed). */
static double clamp_coef(double clamp, double d_cm) {
  if (clamp <= 0) return 0.0;
  double f = 1.0 - clamp, a = PI * d_cm * d_cm / 4.0 * f;
  return HS_BLOOD_DENSITY / (2.0 * a * a) / DYN;
}

/* The constants eval() derives from the parameters alone (hs_device_type.prepare). */
enum {
  C_RLAM_D, C_K_D,  /* drainage cannula */
  C_RLAM_R, C_K_R,  /* return cannula */
  C_RLAM_V, C_K_V,  /* vent cannula (0 without a vent) */
  C_R_TUBE,         /* tubing, Poiseuille */
  C_L_D, C_L_P, C_L_V, /* inertances: drainage, pump line (tubing + return), vent */
  C_CLAMP_D, C_CLAMP_V, /* clamp loss coefficients */
  C_N
};

static void prepare(const double *p, double *c) {
  cannula_coef(p[E_DFR], p[E_DLEN], p[E_WALL], p[E_KFORM], p[E_FRICTION], &c[C_RLAM_D], &c[C_K_D]);
  cannula_coef(p[E_RFR], p[E_RLEN], p[E_WALL], p[E_KFORM], p[E_FRICTION], &c[C_RLAM_R], &c[C_K_R]);
  double rt = p[E_TUBE_D] / 2.0;
  c[C_R_TUBE] = 8.0 * HS_BLOOD_VISCOSITY * p[E_TUBE_L] / (PI * rt * rt * rt * rt) / DYN;
  double d_dc = p[E_DFR] / 30.0 - 2.0 * p[E_WALL], d_rc = p[E_RFR] / 30.0 - 2.0 * p[E_WALL];
  c[C_L_D] = tube_inertance(d_dc, p[E_DLEN]);
  c[C_L_P] = tube_inertance(p[E_TUBE_D], p[E_TUBE_L]) + tube_inertance(d_rc, p[E_RLEN]);
  c[C_CLAMP_D] = clamp_coef(p[E_DCLAMP], d_dc);
  c[C_RLAM_V] = c[C_K_V] = c[C_CLAMP_V] = 0.0, c[C_L_V] = 1.0;
  if (p[E_VFR] > 0) {
    double d_vc = p[E_VFR] / 30.0 - 2.0 * p[E_WALL];
    cannula_coef(p[E_VFR], p[E_VLEN], p[E_WALL], p[E_KFORM], p[E_FRICTION], &c[C_RLAM_V],
                 &c[C_K_V]);
    c[C_L_V] = tube_inertance(d_vc, p[E_VLEN]);
    c[C_CLAMP_V] = clamp_coef(p[E_VCLAMP], d_vc);
  }
}

/*
 * Two inflow branches (drainage cannula, optional vent cannula) join before the
 * pump; each branch carries its own inertial flow, the pump carries their sum.
 * With a_d, a_v the pressures each branch delivers at the junction and c the
 * pressure the pump line needs beyond it, the junction pressure is
 *   P_j = (L_p (a_d/L_d + a_v/L_v) - c) / (1 + L_p/L_d + L_p/L_v)
 * and L_d dQd/dt = a_d - P_j, L_v dQv/dt = a_v - P_j.  A closed branch drops out.
 */
static hs_status eval(hs_device_io *io, hs_err *err) {
  (void)err;
  const double *p = io->p, *x = io->x;
  double qd = x[X_Q], qv = x[X_QV], q = qd + qv;
  /* the controller state is the commanded speed; the pump never turns backwards
     (a state outside 0..5000 rpm acts at the nearest limit) */
  double rpm = p[E_CONTROL] == 1 ? x[X_RPM] : p[E_RPM];
  if (rpm < 0.0) rpm = 0.0;
  if (rpm > 5000.0) rpm = 5000.0;
  if (p[E_ON] == 0) rpm = 0;
  const double *k = io->cache;
  double dp_pump = hs_centrifugal_pump_dp(p[E_PUMP_A], p[E_PUMP_B], rpm, q);
  double dp_dc = k[C_RLAM_D] * qd + k[C_K_D] * qd * fabs(qd);
  double dp_rc = k[C_RLAM_R] * q + k[C_K_R] * q * fabs(q);
  double dp_oxy = p[E_OXY_R1] * q + p[E_OXY_R2] * q * fabs(q);
  double r_tube = k[C_R_TUBE], l_d = k[C_L_D], l_p = k[C_L_P];
  /* collapse of the drained vein around the cannula tip */
  double v = io->port_v[0], v0 = io->port_v0[0], dp_col = 0.0, suction = 0.0;
  if (io->port_ptm[0] < 0.0 && v0 > 0.0 && v > 0.0) {
    double ratio = v0 / v;
    dp_col = p[E_COLLAPSE_R] * (ratio * ratio * ratio * ratio - 1.0) * qd;
    suction = 1.0;
  }
  int drain_open = p[E_DCLAMP] < 0.999;
  int vent_open = p[E_VFR] > 0 && p[E_VCLAMP] < 0.999 && p[E_ON] != 0;
  double a_d = io->port_p[0] - dp_dc - dp_col - k[C_CLAMP_D] * qd * fabs(qd);
  double c = dp_pump - dp_oxy - r_tube * q - dp_rc - io->port_p[1];
  double a_v = 0.0, l_v = k[C_L_V];
  if (p[E_VFR] > 0)
    a_v = io->port_p[2] - (k[C_RLAM_V] * qv + k[C_K_V] * qv * fabs(qv)) -
          k[C_CLAMP_V] * qv * fabs(qv);
  double num = -c, den = 1.0;
  if (drain_open) num += l_p * a_d / l_d, den += l_p / l_d;
  if (vent_open) num += l_p * a_v / l_v, den += l_p / l_v;
  double pj = num / den;
  if (p[E_ON] == 0) { /* lines clamped: flows stop within ~0.1 s */
    io->dx[X_Q] = -qd / 0.02;
    io->dx[X_QV] = -qv / 0.02;
  } else {
    io->dx[X_Q] = drain_open ? (a_d - pj) / l_d : -qd / 0.02;
    io->dx[X_QV] = vent_open ? (a_v - pj) / l_v : -qv / 0.02;
  }
  io->q[0] = qd;
  io->q[1] = qv;
  /* flow controller: integral action on a filtered total flow, 0..5000 rpm */
  io->dx[X_QF] = (q - x[X_QF]) / 1.0;
  double drpm = 0.0;
  if (p[E_CONTROL] == 1 && p[E_ON] != 0) {
    drpm = 15.0 * (p[E_TARGET] - x[X_QF]); /* rpm/s per mL/s of error */
    if ((x[X_RPM] >= 5000 && drpm > 0) || (x[X_RPM] <= 0 && drpm < 0)) drpm = 0;
    /* a state outside the range (never produced by integration) returns to it */
    if (x[X_RPM] < 0.0 && drpm < -x[X_RPM]) drpm = -x[X_RPM];
    if (x[X_RPM] > 5000.0 && drpm > 5000.0 - x[X_RPM]) drpm = 5000.0 - x[X_RPM];
  }
  io->dx[X_RPM] = drpm;
  io->out[O_FLOW] = q;
  io->out[O_RPM] = rpm;
  io->out[O_DP_PUMP] = dp_pump;
  io->out[O_P_INLET] = pj;
  io->out[O_P_PREOXY] = pj + dp_pump - 0.5 * r_tube * q;
  io->out[O_P_POSTOXY] = io->out[O_P_PREOXY] - dp_oxy;
  io->out[O_SUCTION] = suction;
  io->out[O_VENT] = qv;
  double ratio = q > 1e-6 ? p[E_SWEEP] / q : 10.0;
  io->o2_outlet_po2 = p[E_FDO2] * (p[E_PB] - HS_PH2O_MMHG) * (1.0 - exp(-2.0 * ratio));
  io->gas_flow = p[E_SWEEP];
  io->o2_gas_flow = p[E_FDO2] * p[E_SWEEP];
  return HS_OK;
}

/* A vent size with no vent site would drain the drainage node a second time. */
static hs_status check(const double *p, const char *const *port_nodes, hs_err *err) {
  if (p[E_VFR] > 0 && strcmp(port_nodes[2], port_nodes[0]) == 0)
    return hs_err_set(err, HS_ERR_MODEL,
                      "vent_size %.0f Fr is set but port 'vent' is not bound to a vented site "
                      "(bind it, e.g. ports: {vent: la} for a transseptal LA vent, lv, pa), or "
                      "set vent_size 0",
                      p[E_VFR]);
  return HS_OK;
}

extern const hs_device_type hs_device_va_ecmo;

static const hs_block_type BLOCK = {
    "va_ecmo", HS_BLOCK_DEVICE, PARAMS, E_NPARAM,
    "Veno-arterial ECMO: drainage cannula, centrifugal pump, oxygenator, return cannula.",
    &hs_device_va_ecmo};

const hs_device_type hs_device_va_ecmo = {
    .block = &BLOCK, .ports = PORTS, .nports = 3, .flows = FLOWS, .nflows = 2, .nstates = X_N,
    .outputs = OUTPUTS, .noutputs = O_N, .init = init, .eval = eval, .volume_param = E_PRIME,
    .nports_required = 2, .check = check, .states = STATES,
    .ncache = C_N, .prepare = prepare};
