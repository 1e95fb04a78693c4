/*
 * serve_impl.h - internals of the web server shared by serve.c (HTTP, routing, static
 * files, path checks) and serve_session.c (live simulations, patients, jobs).
 */
#ifndef HS_IO_SERVE_IMPL_H
#define HS_IO_SERVE_IMPL_H

#include <jansson.h>
#include <pthread.h>

#include "hemosim/serve.h"

typedef struct hs_session hs_session;

/* What a handler answers: an HTTP status and either JSON (consumed) or text. */
typedef struct hs_reply {
  int status;
  json_t *json;
  char *text;        /* malloc'd; sent as ctype when json is NULL */
  const char *ctype;
} hs_reply;

/* A request as the session handlers see it. */
typedef struct hs_request {
  const char *method;
  const char *sub;   /* path after /api/sessions/<id>, e.g. "/frames", "" */
  json_t *body;      /* parsed JSON body (POST), or NULL */
  const char *q_after, *q_beats, *q_marks; /* frames cursors (query) */
} hs_request;

/* A request to the trial API (/api/trial...): sub is the path after /api/trial; user,
   role and patient come from the query string of a GET (POST bodies carry them). */
typedef struct hs_trial_request {
  const char *method, *sub;
  const char *user, *role, *patient;
} hs_trial_request;

struct hs_server {
  hs_server_options opt;
  char bind[64];
  char web_dir[4096], patients_dir[4096];
  char roots[HS_SERVE_MAX_ROOTS][4096]; /* realpath of each root */
  struct MHD_Daemon *daemon;
  int port;
  pthread_mutex_t mu; /* the session table */
  hs_session **sessions;
  size_t nsessions;
  unsigned long long id_state; /* session id generator (seeded from /dev/urandom) */
  char trial_db[4096]; /* realpath of --trial DB ("" none) */
};

/* replies */
hs_reply hs_reply_error(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
hs_reply hs_reply_json(int status, json_t *j);

double hs_serve_now(void);

/* A file named by a request, inside an allowed directory: `rel` must be a relative
   path of [A-Za-z0-9_.-] components (no "..", no leading '/'), ending in .yaml, .yml or
   .json; its directory must resolve (symlinks followed) inside dir.  out receives the
   full path.  0 or -1 with the reason in err. */
int hs_serve_safe_path(const char *dir, const char *rel, int must_exist, char *out, size_t n,
                       hs_err *err);

/* sessions (serve_session.c) */
hs_reply hs_session_create(hs_server *srv, json_t *body);
hs_reply hs_session_handle(hs_server *srv, const char *id, const hs_request *rq);
hs_reply hs_serve_patients(hs_server *srv);
void hs_session_reap(hs_server *srv, int all);

/* the trial API (serve_trial.c) */
hs_reply hs_serve_trial(hs_server *srv, const hs_trial_request *q, json_t *body);
/* --trial DB: it must open as a trial database; out receives its realpath. */
hs_status hs_serve_trial_check(const char *path, char *out, size_t n, hs_err *err);

#endif
