/*
 * iabp.c - intra-aortic balloon pump (device).
 *
 *   arch --> [ desc_aorta: balloon of volume V_b(t) ] --> abd_aorta
 *
 * One port, "aorta", bound to the descending thoracic aorta.  The balloon moves
 * no blood between nodes (no flow paths): it occupies part of the vessel's lumen.
 * The simulator adds the occupied volume to the vessel's blood volume when it
 * computes the vessel's pressure, P = (V_blood + V_b - V0) / C, so inflation
 * pushes blood out of the descending aorta towards the arch and the coronary
 * ostia (diastolic augmentation) and towards the abdomen, and deflation leaves a
 * space that the arterial tree, and the LV in the next systole, fill (presystolic
 * unloading).  Blood volume is conserved by construction: nothing is added.
 *
 * Timing (one assisted beat, R = this beat's R wave, RR its length,
 * tp = time to peak ventricular activation ~ end-systole, the dicrotic notch):
 *
 *   inflation starts   t_i = R + tp + inflate_delay
 *   deflation starts   t_d = R + RR - deflate_lead       (before the next R wave)
 *   V_b(t) = V * g * min(up(t - t_i, T_in), 1 - up(t - t_d, T_def))
 *   up(s, T) = 0 (s <= 0), (1 - cos(pi s / T)) / 2 (0 < s < T), 1 (s >= T)
 *
 * raised-cosine ramps (the helium shuttle takes ~60-100 ms each way), so the
 * vessel's pressure stays continuous with a continuous derivative.  When the
 * deflation outlasts the R wave (deflate_lead < T_def) the rest of it runs into
 * the next beat: the next R wave is the current one's R + RR, so the tail
 * min(u, 1 - up(t - (R - deflate_lead), T_def)) of the previous beat continues
 * exactly; u = up(RR - tp - inflate_delay, T_in) is how far the previous beat's
 * inflation got by the R wave (1 unless RR is too short to complete it, above
 * 200 /min; the previous beat's RR and tp are taken equal to this beat's, so
 * only a change of heart rate above that rate leaves a small step).
 * Assisted beats: beat_index % n == 0 for assist ratio 1:n (parameter ratio = n;
 * a number, since the registry's choice names are identifiers and "1:2" is not).
 * g is a state that follows `on` with a 50-ms time constant, so switching the
 * pump on or off mid-beat never makes the volume (hence the pressure) jump: an
 * inflated balloon switched off empties over ~0.15 s.
 *
 * Defaults (docs/devices.md, iabp, has the timing sweep): inflation at the
 * dicrotic notch (+20 ms: in this model the aortic valve closes ~10-20 ms after
 * peak activation); deflation starting 40 ms after the R wave (deflate_lead
 * -0.04 s), so that the 80-ms deflation ends at ~120 ms, as the aortic valve opens
 * (pre-ejection period 100-170 ms here): the balloon's volume leaves the aorta
 * during isovolumic contraction and the LV ejects into the emptied space.
 * Deflation that ends well before ejection lets the arterial tree (and, on
 * VA-ECMO, the return flow) refill the space before the valve opens and loses most
 * of the afterload reduction; later deflation, approaching ejection, unloads more
 * (Kern et al. 1999 Am Heart J 137:1129, timing methods compared: assisted peak
 * systolic pressure ~11-15 % below unassisted; Schampaert et al. 2013 ASAIO J 59:30;
 * Cadwell & Quaal 1996 Am J Crit Care 5:254).  40 mL balloon
 * (adult 162-183 cm; 25/34/40/50 mL by height).
 *
 * Outputs (console-style monitor values at the balloon, i.e. in the port vessel):
 * balloon volume (mean), diastolic augmentation (peak pressure while the balloon
 * is at least half inflated), assisted and unassisted aortic end-diastolic
 * pressure (lowest pressure from deflation start to end-systole of the next beat,
 * after an assisted or an unassisted diastole) and assisted/unassisted systolic
 * pressure (peak pressure in the systole after an assisted or unassisted
 * diastole).  With the pump off every beat is unassisted, which gives the
 * baseline values; at 1:2 or 1:3 both kinds are reported in the same run, the way
 * a console shows them.  Values that do not occur in a beat are NaN.
 */
#include <math.h>

#include "hemosim/device.h"

enum {
  I_ON,
  I_VOLUME,
  I_RATIO,
  I_INF_DELAY,
  I_DEF_LEAD,
  I_INF_TIME,
  I_DEF_TIME,
  I_NPARAM
};
enum { X_GATE, X_N };
static const hs_device_state STATES[X_N] = {[X_GATE] = {"gate", HS_DSTATE_FRACTION, 0.0, 1.0}};
enum { O_VOLUME, O_AUG, O_AEDP, O_UEDP, O_ASYS, O_USYS, O_N };

#define GATE_TAU 0.05 /* s: on/off transitions of the pump */
#define PI 3.14159265358979323846

static const hs_param_spec PARAMS[I_NPARAM] = {
    [I_ON] = {"on", HS_DIM_NONE, 1, 0, 1, HS_PARAM_BOOL,
              "pump running (false: balloon deflated, standby)", "", NULL},
    [I_VOLUME] = {"volume", HS_DIM_VOLUME, 40, 25, 50, 0,
                  "balloon volume (25/34/40/50 mL for heights < 152, 152-162, 162-183, > 183 cm)",
                  "manufacturer sizing charts", NULL},
    [I_RATIO] = {"ratio", HS_DIM_NONE, 1, 1, 3, HS_PARAM_INTEGER | HS_PARAM_RATIO,
                 "assist ratio 1:n, written n or \"1:n\": the balloon inflates in every beat "
                 "(1 or 1:1), every 2nd (2 or 1:2) or every 3rd (3 or 1:3)",
                 "Parissis 2016", NULL},
    [I_INF_DELAY] = {"inflate_delay", HS_DIM_TIME, 0.02, -0.2, 0.2, 0,
                     "inflation start after end-systole (peak ventricular activation), i.e. at "
                     "the dicrotic notch; negative = early inflation",
                     "Kern 1999", NULL},
    [I_DEF_LEAD] = {"deflate_lead", HS_DIM_TIME, -0.04, -0.3, 0.3, 0,
                    "deflation start before the next R wave (negative = after it: the "
                    "default -0.04 s empties the balloon ~0.12 s after the R wave, as ejection starts)",
                    "Kern 1999", NULL},
    [I_INF_TIME] = {"inflation_time", HS_DIM_TIME, 0.08, 0.02, 0.2, 0,
                    "duration of inflation (helium shuttle, raised-cosine ramp)", "", NULL},
    [I_DEF_TIME] = {"deflation_time", HS_DIM_TIME, 0.08, 0.02, 0.2, 0,
                    "duration of deflation (helium shuttle, raised-cosine ramp)", "", NULL},
};

static const char *const PORTS[] = {"aorta"};
static const hs_device_output OUTPUTS[O_N] = {
    [O_VOLUME] = {"balloon_volume_ml", "mL", 1.0, "volume of the balloon (time mean)",
                  HS_AGG_MEAN},
    [O_AUG] = {"augmented_pressure_mmhg", "mmHg", 1.0,
               "diastolic augmentation: peak pressure at the balloon while it is at least half "
               "inflated (NaN in unassisted beats)",
               HS_AGG_MAX},
    [O_AEDP] = {"assisted_end_diastolic_mmhg", "mmHg", 1.0,
                "lowest pressure at the balloon from deflation to mid-systole after an assisted "
                "diastole (balloon aortic end-diastolic pressure)",
                HS_AGG_MIN},
    [O_UEDP] = {"unassisted_end_diastolic_mmhg", "mmHg", 1.0,
                "the same after an unassisted diastole (1:2, 1:3, or pump off)", HS_AGG_MIN},
    [O_ASYS] = {"assisted_systolic_mmhg", "mmHg", 1.0,
                "peak pressure at the balloon in the systole after an assisted diastole",
                HS_AGG_MAX},
    [O_USYS] = {"unassisted_systolic_mmhg", "mmHg", 1.0,
                "peak pressure at the balloon in the systole after an unassisted diastole",
                HS_AGG_MAX},
};

/* Raised-cosine ramp from 0 (s <= 0) to 1 (s >= T). */
static double ramp(double s, double T) {
  if (s <= 0.0) return 0.0;
  if (s >= T) return 1.0;
  return 0.5 * (1.0 - cos(PI * s / T));
}

static int ratio_n(const double *p) { return (int)p[I_RATIO]; }

/* the circulation repeats every n beats while the balloon pumps at 1:n (off: every beat) */
static int beat_period(const double *p) { return p[I_ON] != 0 ? ratio_n(p) : 1; }
static int assisted(const double *p, long beat) { return beat >= 0 && beat % ratio_n(p) == 0; }

static double gate(const double *x) {
  double g = x[X_GATE];
  return g < 0.0 ? 0.0 : g > 1.0 ? 1.0 : g;
}

typedef struct phase {
  double cur;  /* this beat's inflation/deflation shape, 0..1 */
  double tail; /* the previous beat's deflation running past the R wave, 0..1 */
  double td;   /* deflation start of this beat */
} phase;

static phase balloon_phase(const hs_device_io *io) {
  const double *p = io->p;
  phase ph = {0.0, 0.0, 0.0};
  double r = io->beat_start, rr = io->rr, t = io->t;
  double ti = r + io->t_peak + p[I_INF_DELAY];
  ph.td = r + rr - p[I_DEF_LEAD];
  if (assisted(p, io->beat_index)) {
    double up = ramp(t - ti, p[I_INF_TIME]);
    double down = 1.0 - ramp(t - ph.td, p[I_DEF_TIME]);
    ph.cur = up < down ? up : down;
  }
  if (io->beat_index > 0 && assisted(p, io->beat_index - 1)) {
    /* how far the previous beat's inflation got by this R wave: 1 unless the beat is
       too short for it (above 200 /min); its timing is taken as this beat's */
    double reached = ramp(rr - io->t_peak - p[I_INF_DELAY], p[I_INF_TIME]);
    double down = 1.0 - ramp(t - (r - p[I_DEF_LEAD]), p[I_DEF_TIME]);
    ph.tail = reached < down ? reached : down;
  }
  return ph;
}

static double balloon_volume(const hs_device_io *io, const phase *ph) {
  double w = ph->cur > ph->tail ? ph->cur : ph->tail;
  return io->p[I_VOLUME] * gate(io->x) * w;
}

static void init(const double *p, double *x) { x[X_GATE] = p[I_ON]; }

static void displace(hs_device_io *io) {
  phase ph = balloon_phase(io);
  io->port_vext[0] = balloon_volume(io, &ph);
}

static hs_status eval(hs_device_io *io, hs_err *err) {
  (void)err;
  const double *p = io->p;
  phase ph = balloon_phase(io);
  double g = gate(io->x), pa = io->port_p[0];
  io->dx[X_GATE] = (p[I_ON] - io->x[X_GATE]) / GATE_TAU;
  io->out[O_VOLUME] = balloon_volume(io, &ph);
  for (int k = O_AUG; k < O_N; k++) io->out[k] = NAN;
  int engaged = g >= 0.5;
  double t = io->t, r = io->beat_start;
  /* diastolic augmentation: balloon at least half inflated in this beat */
  if (engaged && ph.cur * g >= 0.5) io->out[O_AUG] = pa;
  /* end of this beat's diastole, from deflation start to the R wave */
  if (t - ph.td > 1e-9) {
    int a = engaged && assisted(p, io->beat_index);
    io->out[a ? O_AEDP : O_UEDP] = pa;
  }
  /* systole of this beat (R wave to end-systole), classified by the diastole that
     preceded it: the lowest pressure before the upstroke ends that diastole; the
     systolic peak is taken once the balloon is empty */
  if (t - r <= io->t_peak) {
    int a = engaged && io->beat_index > 0 && assisted(p, io->beat_index - 1);
    io->out[a ? O_AEDP : O_UEDP] = pa;
    if (ph.tail == 0.0) io->out[a ? O_ASYS : O_USYS] = pa;
  }
  return HS_OK;
}

extern const hs_device_type hs_device_iabp;

static const hs_block_type BLOCK = {
    "iabp", HS_BLOCK_DEVICE, PARAMS, I_NPARAM,
    "Intra-aortic balloon pump: a balloon in the descending aorta inflated in diastole, "
    "deflated before systole (volume displacement, ECG-timed, 1:1/1:2/1:3).",
    &hs_device_iabp};

const hs_device_type hs_device_iabp = {
    .block = &BLOCK, .ports = PORTS, .nports = 1, .nstates = X_N, .outputs = OUTPUTS,
    .noutputs = O_N, .init = init, .displace = displace, .eval = eval, .volume_param = -1,
    .states = STATES, .beat_period = beat_period};
