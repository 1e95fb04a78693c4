/*
 * serve.c - the HTTP side of `hemosim serve` (docs/serve.md): libmicrohttpd daemon,
 * request bodies with a size limit, the Host / Content-Type checks, routing of the
 * JSON API, the static front end, and the path rules for patient files.  Sessions,
 * simulations and jobs are in serve_session.c.
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/clock.h"
#include "hemosim/hemosim.h"
#include "io/serve_impl.h"

void hs_server_options_default(hs_server_options *o) {
  memset(o, 0, sizeof *o);
  o->bind = "127.0.0.1";
  o->port = 8080;
  o->max_sessions = 32;
  o->idle_timeout_s = 120;
  o->max_body = 256 * 1024;
  o->rate_limit = 200;
  o->threads = 4;
  o->job_threads = 2;
}

double hs_serve_now(void) { return hs_wall_s(); }

hs_reply hs_reply_json(int status, json_t *j) {
  hs_reply r = {status, j, NULL, NULL};
  return r;
}

hs_reply hs_reply_error(int status, const char *fmt, ...) {
  char msg[HS_ERRMSG_MAX + 256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *j = json_object();
  json_object_set_new(j, "error", json_string(msg));
  return hs_reply_json(status, j);
}

/* ---- paths ------------------------------------------------------------------------ */

static int name_ok(const char *rel, const char **why) {
  size_t n = strlen(rel);
  if (!n || n > 255) return *why = "the file name must have 1-255 characters", 0;
  if (rel[0] == '/') return *why = "the file name must be relative to the directory", 0;
  const char *seg = rel;
  for (const char *c = rel;; c++) {
    if (*c == '/' || !*c) {
      size_t len = (size_t)(c - seg);
      if (len == 0 || (seg[0] == '.')) return *why = "empty, '.' or '..' path components (and hidden files) are not allowed", 0;
      if (!*c) break;
      seg = c + 1;
    } else if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 *c == '_' || *c == '-' || *c == '.')) {
      return *why = "only letters, digits, '_', '-', '.' and '/' are allowed", 0;
    }
  }
  const char *dot = strrchr(rel, '.');
  if (!dot || (strcmp(dot, ".yaml") && strcmp(dot, ".yml") && strcmp(dot, ".json")))
    return *why = "the file must end in .yaml, .yml or .json", 0;
  return 1;
}

int hs_serve_safe_path(const char *dir, const char *rel, int must_exist, char *out, size_t n,
                       hs_err *err) {
  const char *why = NULL;
  if (!rel || !name_ok(rel, &why)) {
    hs_err_set(err, HS_ERR_INVALID, "file '%s' refused: %s", rel ? rel : "", why);
    return -1;
  }
  char full[PATH_MAX], parent[PATH_MAX], real_dir[PATH_MAX], real_parent[PATH_MAX];
  if ((size_t)snprintf(full, sizeof full, "%s/%s", dir, rel) >= sizeof full) {
    hs_err_set(err, HS_ERR_INVALID, "file '%s' refused: path too long", rel);
    return -1;
  }
  snprintf(parent, sizeof parent, "%s", full);
  *strrchr(parent, '/') = '\0';
  if (!realpath(dir, real_dir) || !realpath(parent, real_parent)) {
    hs_err_set(err, HS_ERR_IO, "file '%s': its directory does not exist", rel);
    return -1;
  }
  size_t ld = strlen(real_dir);
  if (strncmp(real_parent, real_dir, ld) || (real_parent[ld] && real_parent[ld] != '/')) {
    hs_err_set(err, HS_ERR_INVALID, "file '%s' refused: it lies outside the allowed directory", rel);
    return -1;
  }
  struct stat sb;
  if (lstat(full, &sb) == 0) {
    if (!S_ISREG(sb.st_mode)) {
      hs_err_set(err, HS_ERR_INVALID, "file '%s' refused: not a regular file", rel);
      return -1;
    }
  } else if (must_exist) {
    hs_err_set(err, HS_ERR_IO, "file '%s' does not exist", rel);
    return -1;
  }
  if ((size_t)snprintf(out, n, "%s/%s", real_parent, strrchr(full, '/') + 1) >= n) {
    hs_err_set(err, HS_ERR_INVALID, "file '%s' refused: path too long", rel);
    return -1;
  }
  return 0;
}

/* ---- static files ------------------------------------------------------------------ */

static const struct {
  const char *ext, *type;
} MIME[] = {{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
            {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
            {".png", "image/png"},                 {".json", "application/json"},
            {".ico", "image/x-icon"}};

static hs_reply static_file(hs_server *srv, const char *url) {
  const char *rel = strcmp(url, "/") ? url + 1 : "index.html";
  const char *dot = strrchr(rel, '.');
  const char *type = NULL;
  for (size_t i = 0; dot && i < sizeof MIME / sizeof MIME[0]; i++)
    if (!strcmp(dot, MIME[i].ext)) type = MIME[i].type;
  int ok = type && strlen(rel) < 200 && !strstr(rel, "..") && !strstr(rel, "//");
  for (const char *c = rel; ok && *c; c++)
    ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
         *c == '_' || *c == '-' || *c == '.' || *c == '/';
  if (!ok || rel[0] == '.') return hs_reply_error(404, "no such page: %s", url);
  char path[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/%s", srv->web_dir, rel);
  FILE *f = fopen(path, "rb");
  struct stat sb;
  if (!f || fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode) || sb.st_size > 8 * 1024 * 1024) {
    if (f) fclose(f);
    return hs_reply_error(404, "no such page: %s", url);
  }
  char *buf = malloc((size_t)sb.st_size + 1);
  size_t got = buf ? fread(buf, 1, (size_t)sb.st_size, f) : 0;
  fclose(f);
  if (!buf || got != (size_t)sb.st_size) {
    free(buf);
    return hs_reply_error(500, "cannot read %s", url);
  }
  buf[got] = '\0';
  hs_reply r = {200, NULL, buf, type};
  return r;
}

/* ---- the API ----------------------------------------------------------------------- */

static hs_reply api_info(hs_server *srv) {
  json_t *j = json_object(), *roots = json_array();
  json_object_set_new(j, "name", json_string("hemosim"));
  json_object_set_new(j, "version", json_string(HS_VERSION));
  for (size_t i = 0; i < srv->opt.nroots; i++) json_array_append_new(roots, json_string(srv->roots[i]));
  json_object_set_new(j, "roots", roots);
  json_object_set_new(j, "max_sessions", json_integer(srv->opt.max_sessions));
  json_object_set_new(j, "sessions", json_integer((json_int_t)hs_server_session_count(srv)));
  json_object_set_new(j, "idle_timeout_s", json_real(srv->opt.idle_timeout_s));
  json_object_set_new(j, "max_body_bytes", json_integer((json_int_t)srv->opt.max_body));
  json_object_set_new(j, "rate_limit_per_s", json_integer(srv->opt.rate_limit));
  json_object_set_new(j, "trial", json_boolean(srv->trial_db[0] != '\0'));
  json_t *strat = json_array(), *opt = json_array();
  for (size_t i = 0; hs_builtin_strategies[i]; i++)
    json_array_append_new(strat, json_string(hs_builtin_strategies[i]));
  for (size_t i = 0; hs_optimize_strategies[i]; i++)
    json_array_append_new(opt, json_string(hs_optimize_strategies[i]));
  json_object_set_new(j, "strategies", strat);
  json_object_set_new(j, "optimize_strategies", opt);
  hs_targets t;
  hs_targets_default(&t);
  json_t *tj = json_object();
  json_object_set_new(tj, "pcwp_max", json_real(t.pcwp_max_mmhg));
  json_object_set_new(tj, "map_min", json_real(t.map_min_mmhg));
  json_object_set_new(tj, "do2i_min", json_real(t.do2i_min));
  json_object_set_new(tj, "svo2_min", json_real(t.svo2_min_pct));
  json_object_set_new(tj, "sao2_upper_min", json_real(t.sao2_upper_min_pct));
  json_object_set_new(tj, "heart_er_max", t.heart_er_max < 0 ? json_string("critical")
                                                              : json_real(t.heart_er_max));
  json_object_set_new(tj, "flow_min", json_real(t.flow_min_lpm));
  json_object_set_new(tj, "flow_max", json_real(t.flow_max_lpm));
  json_object_set_new(j, "default_targets", tj);
  return hs_reply_json(200, j);
}

typedef struct req_ctx {
  char *body;
  size_t len, cap;
  int too_large;
} req_ctx;

static hs_reply route(hs_server *srv, struct MHD_Connection *c, const char *url,
                      const char *method, req_ctx *rc) {
  int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
  int del = !strcmp(method, "DELETE");
  if (strncmp(url, "/api/", 5)) {
    if (!get) return hs_reply_error(405, "%s %s: only GET is allowed for pages", method, url);
    return static_file(srv, url);
  }
  if (!get && !post && !del) return hs_reply_error(405, "method %s is not allowed", method);
  if (rc->too_large)
    return hs_reply_error(413, "request body larger than %zu bytes", srv->opt.max_body);
  json_t *body = NULL;
  if (post) {
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncmp(ct, "application/json", 16))
      return hs_reply_error(415, "POST bodies must be JSON (Content-Type: application/json)");
    json_error_t je;
    body = json_loadb(rc->body ? rc->body : "", rc->len, JSON_REJECT_DUPLICATES, &je);
    if (!body) return hs_reply_error(400, "request body is not valid JSON: line %d: %s", je.line, je.text);
    if (!json_is_object(body)) {
      json_decref(body);
      return hs_reply_error(400, "request body must be a JSON object");
    }
  }
  hs_reply r;
  hs_session_reap(srv, 0);
  if (!strcmp(url, "/api/info")) {
    r = get ? api_info(srv) : hs_reply_error(405, "%s /api/info: use GET", method);
  } else if (!strcmp(url, "/api/patients")) {
    r = get ? hs_serve_patients(srv) : hs_reply_error(405, "%s /api/patients: use GET", method);
  } else if (!strcmp(url, "/api/sessions")) {
    r = post ? hs_session_create(srv, body) : hs_reply_error(405, "%s /api/sessions: use POST", method);
  } else if (!strcmp(url, "/api/trial") || !strncmp(url, "/api/trial/", 11)) {
    hs_trial_request tq = {method, url + 10, NULL, NULL, NULL};
    tq.user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user");
    tq.role = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "role");
    tq.patient = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "patient");
    r = hs_serve_trial(srv, &tq, body);
  } else if (!strncmp(url, "/api/sessions/", 14)) {
    char id[40];
    const char *p = url + 14, *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || n >= sizeof id) {
      r = hs_reply_error(404, "no such session");
    } else {
      memcpy(id, p, n);
      id[n] = '\0';
      hs_request rq = {method, p + n, body, NULL, NULL, NULL};
      rq.q_after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
      rq.q_beats = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "beats");
      rq.q_marks = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "marks");
      r = hs_session_handle(srv, id, &rq);
    }
  } else {
    r = hs_reply_error(404, "no such API endpoint: %s (docs/serve.md lists them)", url);
  }
  json_decref(body);
  return r;
}

/* Host must name this server (defeats DNS rebinding from a web page). */
static int host_ok(hs_server *srv, struct MHD_Connection *c) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
  if (!h) return 0;
  char want[128];
  const char *names[] = {"127.0.0.1", "localhost", "[::1]", srv->bind};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(want, sizeof want, "%s:%d", names[i], srv->port);
    if (!strcmp(h, want) || !strcmp(h, names[i])) return 1;
  }
  return !strcmp(srv->bind, "0.0.0.0"); /* listening everywhere: the user chose so */
}

static enum MHD_Result send_reply(struct MHD_Connection *c, hs_reply r) {
  char *data;
  const char *ctype = r.ctype;
  if (r.json) {
    data = json_dumps(r.json, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(r.json);
    ctype = "application/json";
    if (!data) return MHD_NO;
  } else {
    data = r.text ? r.text : strdup("");
    if (!data) return MHD_NO;
    if (!ctype) ctype = "text/plain; charset=utf-8";
  }
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(strlen(data), data, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    free(data);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", ctype);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)r.status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
  hs_server *srv = cls;
  req_ctx *rc = *con_cls;
  if (!rc) {
    if (!(rc = calloc(1, sizeof *rc))) return MHD_NO;
    *con_cls = rc;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!rc->too_large) {
      if (rc->len + *upload_size > srv->opt.max_body) {
        rc->too_large = 1;
      } else {
        if (rc->len + *upload_size + 1 > rc->cap) {
          size_t cap = 2 * (rc->len + *upload_size) + 1;
          char *nb = realloc(rc->body, cap);
          if (!nb) return MHD_NO;
          rc->body = nb;
          rc->cap = cap;
        }
        memcpy(rc->body + rc->len, upload, *upload_size);
        rc->len += *upload_size;
      }
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (!host_ok(srv, c))
    return send_reply(c, hs_reply_error(421, "Host header does not name this server"));
  return send_reply(c, route(srv, c, url, method, rc));
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  req_ctx *rc = *con_cls;
  if (rc) {
    free(rc->body);
    free(rc);
    *con_cls = NULL;
  }
}

static void quiet_log(void *cls, const char *fmt, va_list ap) {}

static int dir_ok(const char *what, const char *dir, char *out, size_t n, hs_err *err) {
  char real[PATH_MAX];
  struct stat sb;
  if (!dir || !realpath(dir, real) || stat(real, &sb) || !S_ISDIR(sb.st_mode)) {
    hs_err_set(err, HS_ERR_IO, "%s '%s' is not a directory", what, dir ? dir : "(none)");
    return -1;
  }
  snprintf(out, n, "%s", real);
  return 0;
}

hs_status hs_server_start(const hs_server_options *o, hs_server **out, hs_err *err) {
  *out = NULL;
  if (o->port < 0 || o->port > 65535)
    return hs_err_set(err, HS_ERR_RANGE, "port %d: allowed 0-65535", o->port);
  if (o->max_sessions < 1 || o->max_sessions > 1024 || o->threads < 1 || o->threads > 64 ||
      o->job_threads < 1 || o->job_threads > 64 || !(o->idle_timeout_s >= 1) ||
      o->max_body < 1024 || o->rate_limit < 1 || o->nroots > HS_SERVE_MAX_ROOTS)
    return hs_err_set(err, HS_ERR_RANGE,
                      "server limits out of range (sessions 1-1024, threads 1-64, idle timeout "
                      ">= 1 s, body >= 1024 bytes, rate >= 1/s, at most %d roots)",
                      HS_SERVE_MAX_ROOTS);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)o->port);
  const char *bind = o->bind ? o->bind : "127.0.0.1";
  if (strlen(bind) >= 64 || inet_pton(AF_INET, bind, &addr.sin_addr) != 1)
    return hs_err_set(err, HS_ERR_INVALID, "bind address '%s' is not an IPv4 address", bind);
  hs_server *s = calloc(1, sizeof *s);
  if (!s) return hs_err_set(err, HS_ERR_NOMEM, "out of memory");
  s->opt = *o;
  snprintf(s->bind, sizeof s->bind, "%s", bind);
  if (dir_ok("web directory", o->web_dir, s->web_dir, sizeof s->web_dir, err) ||
      (o->patients_dir &&
       dir_ok("patients directory", o->patients_dir, s->patients_dir, sizeof s->patients_dir, err))) {
    free(s);
    return err ? err->code : HS_ERR_IO;
  }
  for (size_t i = 0; i < o->nroots; i++)
    if (dir_ok("--root", o->roots[i], s->roots[i], sizeof s->roots[i], err)) {
      free(s);
      return err ? err->code : HS_ERR_IO;
    }
  if (o->trial_db && hs_serve_trial_check(o->trial_db, s->trial_db, sizeof s->trial_db, err)) {
    free(s);
    return err ? err->code : HS_ERR_IO;
  }
  s->opt.bind = s->bind;
  s->opt.trial_db = s->trial_db[0] ? s->trial_db : NULL;
  s->opt.web_dir = s->web_dir;
  s->opt.patients_dir = o->patients_dir ? s->patients_dir : NULL;
  for (size_t i = 0; i < o->nroots; i++) s->opt.roots[i] = s->roots[i];
  FILE *ur = fopen("/dev/urandom", "rb");
  if (!ur || fread(&s->id_state, sizeof s->id_state, 1, ur) != 1)
    s->id_state = (unsigned long long)time(NULL) * 0x9E3779B97F4A7C15ull;
  if (ur) fclose(ur);
  pthread_mutex_init(&s->mu, NULL);
  s->daemon = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, (uint16_t)o->port, NULL, NULL, on_request, s,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
      (unsigned)o->threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)(8 * o->max_sessions + 16),
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      (size_t)(64 * 1024), MHD_OPTION_EXTERNAL_LOGGER, quiet_log, NULL, MHD_OPTION_END);
  if (!s->daemon) {
    pthread_mutex_destroy(&s->mu);
    free(s);
    return hs_err_set(err, HS_ERR_IO, "cannot listen on %s:%d: %s", bind, o->port,
                      errno ? strerror(errno) : "address in use or not available");
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = di && di->port ? di->port : o->port;
  *out = s;
  return HS_OK;
}

int hs_server_port(const hs_server *s) { return s ? s->port : 0; }

const char *hs_server_url(const hs_server *s, char *buf, size_t n) {
  const char *host = strcmp(s->bind, "0.0.0.0") ? s->bind : "127.0.0.1";
  snprintf(buf, n, "http://%s:%d/", host, s->port);
  return buf;
}

size_t hs_server_session_count(hs_server *s) {
  pthread_mutex_lock(&s->mu);
  size_t n = s->nsessions;
  pthread_mutex_unlock(&s->mu);
  return n;
}

void hs_server_stop(hs_server *s) {
  if (!s) return;
  MHD_stop_daemon(s->daemon);
  hs_session_reap(s, 1);
  free(s->sessions);
  pthread_mutex_destroy(&s->mu);
  free(s);
}
