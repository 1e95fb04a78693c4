/*
 * serve_load.c - load test of `hemosim serve` (docs/serve.md, README "Web app"):
 * N concurrent sessions (default 20) of the acute-MI shock patient on VA-ECMO, each
 * polled like a page does (GET /frames every 100 ms) by its own client thread for D
 * seconds (default 20), at 1x real time.  Reports, per session, simulated seconds per
 * wall second (>= 1 means the session kept real time), and the request latency.
 *
 *   serve_load [SESSIONS [SECONDS [PATIENT]]]      exit 1 if a session fell below 1x
 *
 * The server advances a session by the wall time since its last poll (at most 0.5 s),
 * so a ratio below 1 means polls were answered late; the CPU line says how much of the
 * machine real time costs (cores busy, and CPU ms per simulated second per session).
 * The server runs in this process (hs_server_start on a free port, 4 HTTP threads);
 * the clients use plain sockets.  Run it on an otherwise idle machine: it measures
 * wall-clock time.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "hemosim/serve.h"
#include "http_client.h"

#ifndef HS_SOURCE_DIR
#define HS_SOURCE_DIR "."
#endif

static int port;
static double seconds = 20;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct client {
  char id[64];
  double ratio, lat_sum, lat_max;
  int polls, errors;
} client;

static void *run(void *arg) {
  client *c = arg;
  char path[128];
  long seq = -1;
  double t_sim0 = -1, t_sim1 = -1, w0 = now(), w1 = w0;
  while (now() - w0 < seconds) {
    snprintf(path, sizeof path, "/api/sessions/%s/frames?after=%ld", c->id, seq);
    double q0 = now();
    hs_http_answer a = hs_http(port, "GET", path, NULL, NULL, NULL);
    double lat = now() - q0;
    if (a.status != 200) {
      c->errors++;
    } else {
      json_t *j = json_loads(a.body, 0, NULL);
      double t = j ? json_number_value(json_object_get(j, "t")) : -1;
      seq = j ? (long)json_integer_value(json_object_get(j, "seq")) : seq;
      json_decref(j);
      if (t_sim0 < 0) t_sim0 = t, w0 = now();
      t_sim1 = t;
      w1 = now();
      c->polls++;
      c->lat_sum += lat;
      if (lat > c->lat_max) c->lat_max = lat;
    }
    free(a.body);
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
  }
  c->ratio = w1 > w0 ? (t_sim1 - t_sim0) / (w1 - w0) : 0;
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20;
  if (argc > 2) seconds = atof(argv[2]);
  const char *patient = argc > 3 ? argv[3] : "acute_mi_shock_ecmo.yaml";
  if (n < 1 || n > 200 || !(seconds > 0)) {
    fprintf(stderr, "usage: serve_load [SESSIONS 1-200 [SECONDS [PATIENT]]]\n");
    return 1;
  }
  hs_server_options o;
  hs_server_options_default(&o);
  o.port = 0;
  o.web_dir = HS_SOURCE_DIR "/web";
  o.patients_dir = HS_SOURCE_DIR "/examples/patients";
  o.max_sessions = n;
  hs_err err = {HS_OK, ""};
  hs_server *srv = NULL;
  if (hs_server_start(&o, &srv, &err)) {
    fprintf(stderr, "serve_load: %s\n", err.msg);
    return 1;
  }
  port = hs_server_port(srv);
  client *c = calloc((size_t)n, sizeof *c);
  pthread_t *th = calloc((size_t)n, sizeof *th);
  char body[256];
  snprintf(body, sizeof body, "{\"patient\": \"%s\"}", patient);
  double tc = now();
  for (int i = 0; i < n; i++) {
    hs_http_answer a = hs_http(port, "POST", "/api/sessions", body, NULL, NULL);
    json_t *j = a.status == 201 ? json_loads(a.body, 0, NULL) : NULL;
    if (!j) {
      fprintf(stderr, "serve_load: session %d: %d %s\n", i, a.status, a.body);
      return 1;
    }
    snprintf(c[i].id, sizeof c[i].id, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(a.body);
  }
  printf("serve_load: %d sessions of %s created in %.1f s (each settles to steady state)\n", n,
         patient, now() - tc);
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  double wall0 = now();
  for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, run, &c[i]);
  for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
  getrusage(RUSAGE_SELF, &ru1);
  double wall = now() - wall0;
  double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
               1e-6 * (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
  double rmin = 1e9, rsum = 0, lsum = 0, lmax = 0;
  int polls = 0, errors = 0;
  for (int i = 0; i < n; i++) {
    if (c[i].ratio < rmin) rmin = c[i].ratio;
    rsum += c[i].ratio;
    lsum += c[i].lat_sum;
    polls += c[i].polls;
    errors += c[i].errors;
    if (c[i].lat_max > lmax) lmax = c[i].lat_max;
  }
  printf("serve_load: %d sessions x %.0f s polled every 100 ms: simulated/wall time min %.2f, "
         "mean %.2f (>= 1 keeps real time); %d polls, %d errors, latency mean %.1f ms, max %.1f ms\n",
         n, seconds, rmin, rsum / n, polls, errors, 1000 * lsum / (polls ? polls : 1), 1000 * lmax);
  printf("serve_load: CPU %.1f s in %.1f s wall = %.2f cores busy (server and clients), i.e. "
         "%.1f ms of CPU per simulated second per session\n", cpu, wall, cpu / wall,
         1000 * cpu / (wall * rsum));
  hs_server_stop(srv);
  free(c);
  free(th);
  return rmin >= 1.0 && !errors ? 0 : 1;
}
