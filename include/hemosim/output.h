/*
 * hemosim/output.h - what a run leaves behind: JSON summary, CSV waveforms, SVG
 * figures.  Every file is written atomically (a temporary file in the same
 * directory, then rename), so a reader never sees a half-written output.
 *
 * Signals are named "p:<node>" (pressure, mmHg), "v:<node>" (volume, mL) and
 * "q:<edge>" (flow, mL/s).  CSV columns carry the unit: p_lv_mmhg, v_lv_ml,
 * q_aortic_valve_mls.
 */
#ifndef HEMOSIM_OUTPUT_H
#define HEMOSIM_OUTPUT_H

#include <stdio.h>

#include "hemosim/error.h"
#include "hemosim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- atomic files ---------------------------------------------------------- */
typedef struct hs_afile hs_afile;
/* Open a temporary file next to path; write through hs_afile_stream(). */
hs_afile *hs_afile_open(const char *path, hs_err *err);
FILE *hs_afile_stream(hs_afile *f);
/* Flush, fsync and rename over path; frees f in all cases. */
hs_status hs_afile_commit(hs_afile *f, hs_err *err);
/* Delete the temporary file; frees f.  NULL is a no-op. */
void hs_afile_abort(hs_afile *f);
/* Whole-buffer convenience. */
hs_status hs_write_file_atomic(const char *path, const char *data, size_t len, hs_err *err);

/* ---- output directories: all files of one run appear together or not at all ---- */
/*
 * A run's files are written into a staging directory beside the target
 * ("DIR.tmpXXXXXX", same file system) and hs_outdir_commit renames it into place:
 * a reader sees the previous outputs or the new ones, never a mix, and a run that
 * fails or is interrupted leaves no directory behind (hs_outdir_abort removes the
 * staging directory).  The target may be missing, empty, or hold only files named in
 * `outputs` (a NULL-terminated list, e.g. a previous run's); anything else in it is
 * an error at hs_outdir_begin, before any work, because the directory is replaced as
 * a whole.  A run killed by SIGKILL cannot clean up: hs_outdir_begin removes the
 * "DIR.tmpXXXXXX" / "DIR.oldXXXXXX" directories of the same target that are this user's,
 * untouched for 24 h and hold only files named in `outputs`.  docs/output.md.
 */
typedef struct hs_outdir hs_outdir;
hs_outdir *hs_outdir_begin(const char *dir, const char *const *outputs, hs_err *err);
/* Where to write the files until the commit. */
const char *hs_outdir_path(const hs_outdir *o);
/* Move the staging directory into place (replacing an empty or previous-output
   directory); frees o in all cases, removing the staging directory on failure. */
hs_status hs_outdir_commit(hs_outdir *o, hs_err *err);
/* Remove the staging directory and its files; frees o.  NULL is a no-op. */
void hs_outdir_abort(hs_outdir *o);

/* ---- recorder: CSV stream plus a ring buffer for figures --------------------- */
typedef struct hs_recorder hs_recorder;

/* Default CSV signal list (comma-separated). */
#define HS_DEFAULT_SIGNALS                                                              \
  "p:lv,v:lv,p:aortic_root,p:upper_arteries,p:la,p:ra,p:rv,v:rv,p:pa,q:aortic_valve," \
  "q:mitral_valve"

/*
 * A recorder for sim's plan.  signals: comma-separated list (NULL = default);
 * csv_path may be NULL (no CSV); rate_hz > 0 sets the sampling rate; the last
 * keep_s seconds of the figure signals are kept in memory.
 */
hs_recorder *hs_recorder_new(const hs_plan *plan, const char *signals, const char *csv_path,
                             double rate_hz, double keep_s, hs_err *err);
/* Attach as the simulation's sampler. */
hs_status hs_recorder_attach(hs_recorder *r, hs_sim *sim, hs_err *err);
/* Finish the CSV atomically (call once, after the run). */
hs_status hs_recorder_finish(hs_recorder *r, hs_err *err);
void hs_recorder_free(hs_recorder *r); /* aborts an unfinished CSV */

/* SVG of LV and RV pressure-volume loops over the last `beats_s` seconds kept. */
char *hs_recorder_pv_svg(const hs_recorder *r, double last_s, const char *title, hs_err *err);
/* SVG of left and right heart pressure waveforms over the last `last_s` seconds. */
char *hs_recorder_waveform_svg(const hs_recorder *r, double last_s, const char *title,
                               hs_err *err);

/* ---- provenance ------------------------------------------------------------------ */
/* How an output was made, recorded in every JSON document the library writes
   ("hemosim_version", "patient", "patient_file", "set"; docs/output.md). */
typedef struct hs_provenance {
  const char *patient_name;
  const char *patient_file; /* NULL for the bundled default */
  const char *const *set;   /* "NAME=VALUE" overrides applied to the patient, in order */
  size_t nset;
} hs_provenance;

/* The build: HS_VERSION, and "+<git describe>" of the commit the build was configured at
   when known ("0.1.0+8c4c818-dirty").  A cohort checkpoint records it: --resume with
   another build refuses (results of two builds must not mix). */
const char *hs_build_version(void);
/* provenance.json, the sidecar of an output directory whose CSV files carry no header
   for it (schema hemosim-provenance/1, docs/output.md): "hemosim_version", "patient",
   "patient_file", "set" (prov may be NULL), "hemosim_build", "command", nkv further
   text fields (kv: name, value, name, value, ...) and "files", the files it describes.
   Caller frees. */
char *hs_provenance_json(const char *command, const hs_provenance *prov,
                         const char *const *kv, size_t nkv, const char *const *files,
                         size_t nfiles, hs_err *err);
/* The same written atomically to dir/provenance.json. */
hs_status hs_provenance_write(const char *dir, const char *command, const hs_provenance *prov,
                              const char *const *kv, size_t nkv, const char *const *files,
                              size_t nfiles, hs_err *err);

/* ---- model description (hemosim describe) -------------------------------------- */
/*
 * What a patient is made of: nodes (type), edges (type, from, to), devices (type,
 * ports), roles (hemosim/roles.h: the block each is bound to, whether it is
 * present, required, fixed) and every parameter (value in its display unit,
 * allowed range, whether the file set it).  JSON (schema hemosim-describe/1,
 * docs/output.md) or aligned text; caller frees.
 */
struct hs_model;
char *hs_describe_json(const struct hs_model *m, const hs_provenance *prov, hs_err *err);
char *hs_describe_text(const struct hs_model *m, hs_err *err);

/* ---- JSON summary -------------------------------------------------------------- */
typedef struct hs_run_info {
  const char *patient_name;
  const char *patient_file; /* NULL for the bundled default */
  const char *scenario_file;
  const char *const *set;   /* --set NAME=VALUE overrides, in order (may be NULL) */
  size_t nset;
  double duration_s;       /* simulated time of the run */
  double wall_s;           /* wall-clock time of the run */
  int steady_requested;    /* 1 if the run went to steady state */
  hs_steady_info steady;   /* valid when steady_requested */
  int window_beats;        /* beats averaged into metrics */
} hs_run_info;

/* Summary document (schema hemosim-summary/1, docs/output.md): the mean of the
   last info->window_beats beats of every metric; caller frees. */
char *hs_summary_json(const hs_sim *sim, const hs_run_info *info, hs_err *err);
/* The table `hemosim run` prints: name, then each metric m[k] (hs_sim_metric_count of
   them) with its unit, "n/a" where it does not apply; caller frees. */
char *hs_metrics_text(const hs_sim *sim, const char *name, const double *m, hs_err *err);

#ifdef __cplusplus
}
#endif
#endif
