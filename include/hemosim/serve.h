/*
 * hemosim/serve.h - the local web application (`hemosim serve`, docs/serve.md).
 *
 * An HTTP server (GNU libmicrohttpd) with a JSON API and the static front end.  Each
 * browser session owns one live simulation (hs_sim) that advances in real time x a
 * selectable speed while the page polls it; the page sets parameters on it, changes
 * the patient, runs compare / optimize in a worker thread and applies a strategy.
 * Every bad request gets a 4xx JSON error {"error": "..."} with the library's message;
 * files are read and written only inside the directories named in the options.
 *
 * The server runs on its own threads; hs_server_start returns once it listens.
 * Library code never prints: the caller prints the URL (hs_server_url).
 */
#ifndef HEMOSIM_SERVE_H
#define HEMOSIM_SERVE_H

#include <stddef.h>

#include "hemosim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_SERVE_MAX_ROOTS 8

typedef struct hs_server_options {
  const char *bind;         /* IPv4 address to listen on (default "127.0.0.1": loopback) */
  int port;                 /* TCP port (default 8080; 0 = any free port) */
  const char *web_dir;      /* the static front end (index.html, app.js, style.css) */
  const char *patients_dir; /* bundled patients, read only (NULL: none) */
  const char *roots[HS_SERVE_MAX_ROOTS]; /* directories where patients may be loaded and saved */
  size_t nroots;
  int max_sessions;         /* live simulations at once (default 32) */
  double idle_timeout_s;    /* a session not polled for this long is freed (default 120 s) */
  size_t max_body;          /* largest request body in bytes (default 256 KiB) */
  int rate_limit;           /* requests per second per session (default 200) */
  int threads;              /* HTTP worker threads (default 4) */
  int job_threads;          /* threads of one compare / optimize job (default 2) */
  const char *trial_db;     /* trial database of the trial pages (NULL: none); fixed for the
                               server's life, never taken from a request */
} hs_server_options;

void hs_server_options_default(hs_server_options *o);

typedef struct hs_server hs_server;

/* Check the options (directories exist, address parses), listen, serve.  Caller stops
   with hs_server_stop(). */
hs_status hs_server_start(const hs_server_options *o, hs_server **out, hs_err *err);
/* The port actually listened on (useful with port 0). */
int hs_server_port(const hs_server *s);
/* "http://127.0.0.1:8080/" into buf; returns buf. */
const char *hs_server_url(const hs_server *s, char *buf, size_t n);
/* Live sessions now (for tests and monitoring). */
size_t hs_server_session_count(hs_server *s);
/* Stop listening, wait for running jobs, free every session.  NULL is a no-op. */
void hs_server_stop(hs_server *s);

#ifdef __cplusplus
}
#endif
#endif
