/*
 * septostomy.c - interatrial communication: balloon or blade septostomy, atrial
 * septal stent, or a dedicated shunt device (device).
 *
 *   la <==[orifice of diameter d]==> ra
 *
 * Flow follows the pressure difference in either direction through a
 * sharp-edged orifice (Bernoulli with a discharge coefficient):
 *   Q = Cd A sqrt(2 |dP| / rho) sign(dP),  A = pi d^2 / 4,  dP = P_LA - P_RA
 * smoothed near dP = 0 like the valve regurgitation law (elements.h) so the flow
 * has a continuous derivative.  Cd 0.6-0.7 for a sharp-edged circular orifice
 * (e.g. Idelchik, Handbook of Hydraulic Resistance); the effective area is what
 * echocardiography's PISA/continuity estimates report.  Setting the diameter to
 * 0 closes the communication (e.g. device closure after recovery); the diameter
 * may change at any time (balloon dilation).
 * Typical diameters: balloon atrial septostomy 8-15 mm, blade/static balloon
 * dilation up to ~20 mm, septal stents 8-12 mm (Baruteau et al.
 * 2018 and Alkhouli et al. 2016 on left atrial decompression on ECMO).
 */
#include <math.h>

#include "elements/elements.h"
#include "hemosim/device.h"

enum { S_DIAM, S_CD, S_NPARAM };
enum { O_FLOW, O_DP, O_N };

static const hs_param_spec PARAMS[S_NPARAM] = {
    [S_DIAM] = {"diameter", HS_DIM_LENGTH, 1.0, 0, 3.0, HS_PARAM_UNIT,
                "diameter of the communication (0 = closed; 0-30 mm)", "Baruteau 2018", NULL},
    [S_CD] = {"discharge_coefficient", HS_DIM_NONE, 0.65, 0.3, 1.0, 0,
              "effective / geometric area of the orifice", "Idelchik", NULL},
};
static const char *const PORTS[] = {"left", "right"};
static const hs_device_flow FLOWS[] = {{"shunt", 0, 1, 0}};
static const hs_device_output OUTPUTS[O_N] = {
    [O_FLOW] = {"flow_lpm", "L/min", 1.0 / (1000.0 / 60.0), "net left-to-right flow", HS_AGG_MEAN},
    [O_DP] = {"gradient_mmhg", "mmHg", 1.0, "mean left-to-right pressure difference",
              HS_AGG_MEAN},
};

static void init(const double *p, double *x) {
  (void)p, (void)x;
}

static hs_status eval(hs_device_io *io, hs_err *err) {
  (void)err;
  double d = io->p[S_DIAM];
  double area = 3.14159265358979323846 * d * d / 4.0; /* cm^2 */
  double dp = io->port_p[0] - io->port_p[1];
  io->q[0] = io->p[S_CD] * hs_orifice_flow(area, dp);
  io->out[O_FLOW] = io->q[0];
  io->out[O_DP] = dp;
  return HS_OK;
}

extern const hs_device_type hs_device_septostomy;
static const hs_block_type BLOCK = {
    "septostomy", HS_BLOCK_DEVICE, PARAMS, S_NPARAM,
    "Interatrial orifice (septostomy, stent, shunt device): bidirectional Bernoulli flow.",
    &hs_device_septostomy};
const hs_device_type hs_device_septostomy = {
    .block = &BLOCK, .ports = PORTS, .nports = 2, .flows = FLOWS, .nflows = 1, .nstates = 0,
    .outputs = OUTPUTS, .noutputs = O_N, .init = init, .eval = eval, .volume_param = -1};
