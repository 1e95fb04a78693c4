/*
 * io/atomic.c - outputs written all-or-nothing.
 *
 * A temporary file is created beside the target with mkstemp (same directory,
 * so rename() is atomic on POSIX file systems), written, flushed, fsync'ed and
 * renamed over the target.  On any failure the temporary file is removed and
 * the previous content of the target, if any, is left untouched.  A directory of
 * outputs (hs_outdir) is staged beside its target and renamed into place as a whole.
 *
 * Only a regular file can be replaced that way.  A symbolic link is followed: the file
 * it names is replaced (the link stays a link).  A target that exists and is not a
 * regular file - a terminal, a pipe or FIFO (--summary-json /dev/stdout), a device
 * such as /dev/full or /dev/null - is written in place, as a stream: renaming over it
 * would replace the device or pipe with a plain file and hide a failing write.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hemosim/output.h"

struct hs_afile {
  FILE *f;
  char *tmp, *path; /* tmp NULL: written in place (not a regular file) */
};

/* A stream on a target that is not a regular file, written in place. */
static hs_afile *open_in_place(const char *path, hs_err *err) {
  hs_afile *a = calloc(1, sizeof *a);
  if (!a || !(a->path = strdup(path))) {
    free(a);
    hs_err_set(err, HS_ERR_NOMEM, "out of memory opening %s", path);
    return NULL;
  }
  if (!(a->f = fopen(path, "w"))) {
    hs_err_set(err, HS_ERR_IO, "%s: %s", path, strerror(errno));
    free(a->path);
    free(a);
    return NULL;
  }
  return a;
}

hs_afile *hs_afile_open(const char *path, hs_err *err) {
  struct stat st;
  char *real = NULL;
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
    /* replace the file the link names, not the link; a dangling link is written
       through (creating its target) */
    real = realpath(path, NULL);
    if (!real) return open_in_place(path, err);
    path = real;
  }
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    hs_afile *a = open_in_place(path, err);
    free(real);
    return a;
  }
  hs_afile *a = calloc(1, sizeof *a);
  size_t n = strlen(path);
  if (!a || !(a->tmp = malloc(n + 16)) || !(a->path = malloc(n + 1))) goto nomem;
  memcpy(a->path, path, n + 1);
  free(real), real = NULL;
  snprintf(a->tmp, n + 16, "%s.tmpXXXXXX", a->path);
  int fd = mkstemp(a->tmp);
  if (fd < 0) {
    hs_err_set(err, HS_ERR_IO, "%s: cannot create a temporary file: %s", a->path, strerror(errno));
    free(a->tmp);
    free(a->path);
    free(a);
    return NULL;
  }
  fchmod(fd, 0644); /* mkstemp creates 0600; outputs are ordinary files */
  a->f = fdopen(fd, "w");
  if (!a->f) {
    hs_err_set(err, HS_ERR_IO, "%s: %s", a->path, strerror(errno));
    close(fd);
    unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    free(a);
    return NULL;
  }
  return a;
nomem:
  if (a) {
    free(a->tmp);
    free(a->path);
  }
  free(a);
  hs_err_set(err, HS_ERR_NOMEM, "out of memory opening %s", path);
  free(real);
  return NULL;
}

FILE *hs_afile_stream(hs_afile *a) { return a->f; }

void hs_afile_abort(hs_afile *a) {
  if (!a) return;
  if (a->f) fclose(a->f);
  if (a->tmp) unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  free(a);
}

hs_status hs_afile_commit(hs_afile *a, hs_err *err) {
  /* in place: no fsync (a pipe or terminal cannot), no rename */
  int bad = ferror(a->f) || fflush(a->f) != 0 || (a->tmp && fsync(fileno(a->f)) != 0);
  int saved = errno;
  if (fclose(a->f) != 0 && !bad) bad = 1, saved = errno;
  a->f = NULL;
  if (!bad && a->tmp && rename(a->tmp, a->path) != 0) bad = 1, saved = errno;
  hs_status st = HS_OK;
  if (bad) {
    st = hs_err_set(err, HS_ERR_IO, "%s: write failed: %s", a->path, strerror(saved));
    if (a->tmp) unlink(a->tmp);
  }
  free(a->tmp);
  free(a->path);
  free(a);
  return st;
}

hs_status hs_write_file_atomic(const char *path, const char *data, size_t len, hs_err *err) {
  hs_afile *a = hs_afile_open(path, err);
  if (!a) return err ? err->code : HS_ERR_IO;
  if (fwrite(data, 1, len, a->f) != len) {
    hs_err_set(err, HS_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    hs_afile_abort(a);
    return HS_ERR_IO;
  }
  return hs_afile_commit(a, err);
}

/* ---- output directories ------------------------------------------------------- */

struct hs_outdir {
  char *dir;   /* the target, without trailing '/' */
  char *stage; /* sibling staging directory "<dir>.tmpXXXXXX" */
};

/* Is name one of the outputs a run may replace? */
static int is_output(const char *name, const char *const *outputs) {
  for (size_t i = 0; outputs && outputs[i]; i++)
    if (!strcmp(name, outputs[i])) return 1;
  return 0;
}

/* 0 empty, 1 only outputs, -1 something else (its name in *other), -2 unreadable. */
static int dir_kind(const char *dir, const char *const *outputs, char *other, size_t n) {
  DIR *d = opendir(dir);
  if (!d) return -2;
  int kind = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (!is_output(e->d_name, outputs)) {
      snprintf(other, n, "%s", e->d_name);
      kind = -1;
      break;
    }
    kind = 1;
  }
  closedir(d);
  return kind;
}

/* Remove dir and the plain files in it (a staging or superseded output directory). */
static void remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    size_t n = strlen(dir);
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char *p = malloc(n + strlen(e->d_name) + 2);
      if (!p) continue;
      sprintf(p, "%s/%s", dir, e->d_name);
      unlink(p);
      free(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

/* "<base>.tmpXXXXXX" or "<base>.oldXXXXXX": a staging or superseded directory of base. */
static int is_sibling_of(const char *name, const char *base, size_t blen) {
  if (strncmp(name, base, blen) != 0) return 0;
  name += blen;
  return (!strncmp(name, ".tmp", 4) || !strncmp(name, ".old", 4)) && strlen(name) == 10;
}

/* Only outputs, or an output's atomic temporary "<output>.tmpXXXXXX". */
static int only_outputs(const char *dir, const char *const *outputs) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int ok = 1;
  struct dirent *e;
  while (ok && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_output(e->d_name, outputs))
      continue;
    ok = 0;
    for (size_t i = 0; !ok && outputs && outputs[i]; i++)
      ok = is_sibling_of(e->d_name, outputs[i], strlen(outputs[i])) &&
           !strncmp(e->d_name + strlen(outputs[i]), ".tmp", 4);
  }
  closedir(d);
  return ok;
}

/*
 * Remove what a run of the same target killed with SIGKILL (nothing else can stop it
 * before it cleans up) left beside it: "<dir>.tmpXXXXXX" staging and "<dir>.oldXXXXXX"
 * superseded directories, only when clearly ours and stale: a directory owned by this
 * user, untouched for HS_OUTDIR_STALE_S, holding nothing but outputs of a run.  A run
 * writing the same target right now is younger than that and is left alone.
 */
#define HS_OUTDIR_STALE_S (24 * 3600)
static void remove_stale_siblings(const char *target, const char *const *outputs) {
  const char *slash = strrchr(target, '/');
  const char *base = slash ? slash + 1 : target;
  size_t plen = slash ? (size_t)(slash - target) + 1 : 0, blen = strlen(base);
  char *parent = malloc(plen + 2);
  if (!parent) return;
  if (plen) memcpy(parent, target, plen), parent[plen] = '\0';
  else strcpy(parent, ".");
  DIR *d = opendir(parent);
  time_t now = time(NULL);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (!is_sibling_of(e->d_name, base, blen)) continue;
    char *p = malloc(plen + strlen(e->d_name) + 1);
    if (!p) break;
    sprintf(p, "%.*s%s", (int)plen, target, e->d_name);
    struct stat sb;
    if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() &&
        difftime(now, sb.st_mtime) > HS_OUTDIR_STALE_S && only_outputs(p, outputs))
      remove_tree(p);
    free(p);
  }
  if (d) closedir(d);
  free(parent);
}

hs_outdir *hs_outdir_begin(const char *dir, const char *const *outputs, hs_err *err) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  if (n == 0) {
    hs_err_set(err, HS_ERR_INVALID, "empty output directory name");
    return NULL;
  }
  struct stat sb;
  char *target = malloc(n + 1);
  if (!target) {
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  memcpy(target, dir, n);
  target[n] = '\0';
  if (stat(target, &sb) == 0) {
    char other[256];
    int kind = S_ISDIR(sb.st_mode) ? dir_kind(target, outputs, other, sizeof other) : -3;
    if (kind < 0) {
      if (kind == -3) hs_err_set(err, HS_ERR_IO, "%s: exists and is not a directory", target);
      else if (kind == -2) hs_err_set(err, HS_ERR_IO, "%s: cannot read the directory: %s", target, strerror(errno));
      else
        hs_err_set(err, HS_ERR_IO,
                   "%s: holds '%s', which is not an output of a run: the outputs replace the "
                   "directory as a whole, so give a new or empty directory (or one holding "
                   "only a previous run's outputs)",
                   target, other);
      free(target);
      return NULL;
    }
  } else if (errno != ENOENT) {
    hs_err_set(err, HS_ERR_IO, "%s: %s", target, strerror(errno));
    free(target);
    return NULL;
  }
  hs_outdir *o = calloc(1, sizeof *o);
  char *stage = malloc(n + 16);
  if (!o || !stage) {
    free(o);
    free(stage);
    free(target);
    hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  remove_stale_siblings(target, outputs);
  snprintf(stage, n + 16, "%s.tmpXXXXXX", target);
  if (!mkdtemp(stage)) {
    hs_err_set(err, HS_ERR_IO, "%s: cannot create a staging directory beside it: %s", target,
               strerror(errno));
    free(o);
    free(stage);
    free(target);
    return NULL;
  }
  chmod(stage, 0755); /* mkdtemp creates 0700; outputs are ordinary directories */
  o->dir = target;
  o->stage = stage;
  return o;
}

const char *hs_outdir_path(const hs_outdir *o) { return o->stage; }

void hs_outdir_abort(hs_outdir *o) {
  if (!o) return;
  remove_tree(o->stage);
  free(o->stage);
  free(o->dir);
  free(o);
}

hs_status hs_outdir_commit(hs_outdir *o, hs_err *err) {
  hs_status st = HS_OK;
  char *old = NULL;
  struct stat sb;
  if (stat(o->dir, &sb) == 0) {
    /* an empty directory or a previous run's outputs: moved aside, replaced, removed */
    size_t n = strlen(o->dir);
    old = malloc(n + 16);
    if (!old) {
      st = hs_err_set(err, HS_ERR_NOMEM, "out of memory");
    } else {
      snprintf(old, n + 16, "%s.oldXXXXXX", o->dir);
      if (!mkdtemp(old) || rmdir(old) != 0 || rename(o->dir, old) != 0)
        st = hs_err_set(err, HS_ERR_IO, "%s: cannot move the previous outputs aside: %s",
                        o->dir, strerror(errno));
    }
  }
  if (!st && rename(o->stage, o->dir) != 0) {
    st = hs_err_set(err, HS_ERR_IO, "%s: cannot move the outputs into place: %s", o->dir,
                    strerror(errno));
    if (old) rename(old, o->dir); /* put the previous outputs back */
  }
  if (!st && old) remove_tree(old);
  free(old);
  if (st) remove_tree(o->stage);
  free(o->stage);
  free(o->dir);
  free(o);
  return st;
}
