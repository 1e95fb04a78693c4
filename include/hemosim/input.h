/*
 * hemosim/input.h - reading an input file, the one way every loader does it.
 *
 * Every file hemosim reads (patients, scenarios, measurements, targets, strategies,
 * cohort studies and their tables, micro inputs, trial protocols, golden files) goes
 * through hs_input_read: only a regular file is read (a device such as /dev/zero would
 * be read until memory runs out, a pipe or terminal such as /dev/stdin would block),
 * its size is capped, and a NUL byte is refused with the file and line where it
 * stands (C strings would silently end there).  The text is then parsed from memory.
 */
#ifndef HEMOSIM_INPUT_H
#define HEMOSIM_INPUT_H

#include <stddef.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default size cap of an input file: 16 MiB. */
#define HS_INPUT_MAX_BYTES ((size_t)16 * 1024 * 1024)

/*
 * Read the whole file at path.  max_bytes 0 means HS_INPUT_MAX_BYTES.  On success
 * *text is the file's text followed by a terminating NUL (free() it) and *len (may be
 * NULL) its length.  Errors (HS_ERR_IO, HS_ERR_RANGE for the size, HS_ERR_PARSE for a
 * NUL byte, HS_ERR_NOMEM) begin with the path: "p.yaml: not a regular file (...)",
 * "s.txt:3: a NUL byte (column 12): ...".  On error *text is NULL.
 */
hs_status hs_input_read(const char *path, size_t max_bytes, char **text, size_t *len,
                        hs_err *err);

/*
 * The next line of a text read by hs_input_read: *pos is the offset where the line
 * begins (start at 0).  Returns the line's length without its "\n" or "\r\n" and moves
 * *pos past it; returns (size_t)-1 at the end of the text.  Lines of any length are
 * returned whole (no splitting).
 */
size_t hs_input_line(const char *text, size_t len, size_t *pos, const char **line);

#ifdef __cplusplus
}
#endif
#endif
