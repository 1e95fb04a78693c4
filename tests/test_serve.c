/*
 * test_serve.c - the web server's API over real HTTP (a socket client against a server
 * started in this process): every endpoint answers, and every bad request gets its 4xx
 * with a JSON error that says what is wrong; path traversal, oversized bodies, wrong
 * Host, session and rate limits, idle reaping.  docs/serve.md lists the endpoints.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../bench/http_client.h"
#include "hemosim/hemosim.h"
#include "hemosim/serve.h"
#include "support.h"

static char root_dir[] = "/tmp/hemosim-test-serve-XXXXXX";

static hs_server *start(int max_sessions, int rate, double idle) {
  hs_server_options o;
  hs_server_options_default(&o);
  o.port = 0;
  o.web_dir = HS_SOURCE_DIR "/web";
  o.patients_dir = HS_SOURCE_DIR "/examples/patients";
  o.roots[0] = root_dir;
  o.nroots = 1;
  o.max_sessions = max_sessions;
  o.rate_limit = rate;
  o.idle_timeout_s = idle;
  o.threads = 2;
  hs_err err = {HS_OK, ""};
  hs_server *s = NULL;
  if (hs_server_start(&o, &s, &err)) fail_msg("server: %s", err.msg);
  return s;
}

static int port;

/* request; check the status; for errors check the JSON error mentions `needle` */
static json_t *req(const char *method, const char *path, const char *body, int want,
                   const char *needle) {
  hs_http_answer a = hs_http(port, method, path, body, NULL, NULL);
  if (a.status != want) fail_msg("%s %s: status %d, expected %d: %s", method, path, a.status, want, a.body);
  json_t *j = NULL;
  if (!strncmp(a.ctype, "application/json", 16)) {
    j = json_loads(a.body, 0, NULL);
    assert_non_null(j);
    if (want >= 400) {
      const char *e = json_string_value(json_object_get(j, "error"));
      assert_non_null(e);
      if (needle && !strstr(e, needle)) fail_msg("%s %s: error '%s' lacks '%s'", method, path, e, needle);
    }
  } else if (want >= 400) {
    fail_msg("%s %s: error answer is not JSON (%s)", method, path, a.ctype);
  }
  free(a.body);
  return j;
}

static void expect(const char *method, const char *path, const char *body, int want, const char *needle) {
  json_decref(req(method, path, body, want, needle));
}

static void test_static_and_protocol(void **state) {
  hs_server *s = start(4, 1000, 120);
  port = hs_server_port(s);
  hs_http_answer a = hs_http(port, "GET", "/", NULL, NULL, NULL);
  assert_int_equal(a.status, 200);
  assert_non_null(strstr(a.ctype, "text/html"));
  assert_non_null(strstr(a.body, "app.js"));
  free(a.body);
  a = hs_http(port, "GET", "/app.js", NULL, NULL, NULL);
  assert_int_equal(a.status, 200);
  free(a.body);
  expect("GET", "/../CMakeLists.txt", NULL, 404, "no such page");
  expect("GET", "/%2e%2e/CMakeLists.txt", NULL, 404, "no such page");
  expect("GET", "/nothing.html", NULL, 404, "no such page");
  expect("POST", "/index.html", "{}", 405, "only GET");
  json_t *j = req("GET", "/api/info", NULL, 200, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "version")), HS_VERSION);
  assert_true(json_array_size(json_object_get(j, "strategies")) > 10);
  /* the heart's default limit is each state's own critical extraction, by its word */
  assert_string_equal(json_string_value(json_object_get(json_object_get(j, "default_targets"),
                                                        "heart_er_max")),
                      "critical");
  json_decref(j);
  expect("POST", "/api/info", "{}", 405, "use GET");
  expect("GET", "/api/nothing", NULL, 404, "no such API endpoint");
  expect("PUT", "/api/sessions", NULL, 405, "not allowed");
  j = req("GET", "/api/patients", NULL, 200, NULL);
  assert_true(json_array_size(json_object_get(j, "bundled")) >= 10);
  json_decref(j);
  /* a foreign Host (DNS rebinding) */
  a = hs_http(port, "GET", "/api/info", NULL, NULL, "evil.example:80");
  assert_int_equal(a.status, 421);
  free(a.body);
  /* bodies: content type, syntax, shape, size */
  a = hs_http(port, "POST", "/api/sessions", "{}", "text/plain", NULL);
  assert_int_equal(a.status, 415);
  free(a.body);
  expect("POST", "/api/sessions", "{\"patient\": ", 400, "not valid JSON");
  expect("POST", "/api/sessions", "[1,2]", 400, "JSON object");
  size_t big = 300 * 1024;
  char *huge = malloc(big + 1);
  memset(huge, ' ', big);
  huge[0] = '{';
  huge[big - 1] = '}';
  huge[big] = '\0';
  expect("POST", "/api/sessions", huge, 413, "larger than");
  free(huge);
  /* patient files: traversal, unknown, bad root */
  expect("POST", "/api/sessions", "{\"patient\": \"../../CMakeLists.txt\"}", 400, "refused");
  expect("POST", "/api/sessions", "{\"patient\": \"/etc/passwd.yaml\"}", 400, "relative");
  expect("POST", "/api/sessions", "{\"patient\": \"nope.yaml\"}", 400, "does not exist");
  expect("POST", "/api/sessions", "{\"patient\": 3}", 400, "file name");
  expect("POST", "/api/sessions", "{\"root\": 7, \"file\": \"a.yaml\"}", 400, "--root");
  expect("GET", "/api/sessions/0123/frames", NULL, 404, "no such session");
  hs_server_stop(s);
}

/* Calls on one session: method, path after /api/sessions/<id>, body, status, error text. */
typedef struct call {
  const char *method, *sub, *body;
  int status;
  const char *needle;
} call;

static void run_calls(const char *base, const call *c, size_t n) {
  char p[256];
  for (size_t i = 0; i < n; i++) {
    snprintf(p, sizeof p, "%s%s", base, c[i].sub);
    expect(c[i].method, p, c[i].body, c[i].status, c[i].needle);
  }
}
#define RUN_CALLS(base, ...)                                 \
  do {                                                       \
    static const call CALLS_[] = {__VA_ARGS__};              \
    run_calls(base, CALLS_, sizeof CALLS_ / sizeof CALLS_[0]); \
  } while (0)

static const char *session_id(json_t *j) { return json_string_value(json_object_get(j, "id")); }

/* Start a session; base receives "/api/sessions/<id>". */
static void new_session(const char *body, char *base, size_t n) {
  json_t *j = req("POST", "/api/sessions", body, 201, NULL);
  snprintf(base, n, "/api/sessions/%s", session_id(j));
  json_decref(j);
}

/* The live simulation's value of a parameter (GET /params). */
static double param_value(const char *base, const char *path) {
  char p[256];
  snprintf(p, sizeof p, "%s/params", base);
  json_t *j = req("GET", p, NULL, 200, NULL), *it;
  size_t i;
  double v = NAN;
  json_array_foreach(json_object_get(j, "params"), i, it)
    if (!strcmp(json_string_value(json_object_get(it, "path")), path))
      v = json_number_value(json_object_get(it, "value"));
  json_decref(j);
  if (isnan(v)) fail_msg("no parameter %s", path);
  return v;
}

static void test_session_endpoints(void **state) {
  hs_server *s = start(4, 1000, 120);
  port = hs_server_port(s);
  char base[128], p[256];
  new_session("{\"patient\": \"acute_mi_shock_ecmo.yaml\"}", base, sizeof base);
  json_t *j;
  assert_int_equal((int)hs_server_session_count(s), 1);

  snprintf(p, sizeof p, "%s", base);
  j = req("GET", p, NULL, 200, NULL);
  assert_true(json_array_size(json_object_get(j, "devices")) == 1);
  json_decref(j);

  /* frames: samples arrive and time advances in real time */
  snprintf(p, sizeof p, "%s/frames", base);
  j = req("GET", p, NULL, 200, NULL);
  double t0 = json_real_value(json_object_get(j, "t"));
  long seq = (long)json_integer_value(json_object_get(j, "seq"));
  json_decref(j);
  struct timespec ts = {0, 300000000};
  nanosleep(&ts, NULL);
  snprintf(p, sizeof p, "%s/frames?after=%ld&beats=-1&marks=-1", base, seq);
  j = req("GET", p, NULL, 200, NULL);
  double t1 = json_real_value(json_object_get(j, "t"));
  assert_true(t1 - t0 > 0.2 && t1 - t0 < 1.0); /* 1x real time, +- scheduling */
  json_t *lv = json_object_get(json_object_get(j, "samples"), "p_lv");
  assert_true(json_array_size(lv) >= 20);
  assert_true(json_number_value(json_object_get(json_object_get(j, "tiles"), "ecmo_flow_lpm")) > 3.9);
  /* what the microcirculation gets now (the micro model, the patient's dysfunction) */
  double psvd =
      json_number_value(json_object_get(json_object_get(j, "tiles"), "psvd_model_mm_mm2"));
  assert_in_range_d(psvd, 10, 21.3);
  assert_true(json_array_size(json_object_get(j, "marks")) == 1);
  json_decref(j);
  snprintf(p, sizeof p, "%s/frames?after=abc", base);
  expect("GET", p, NULL, 400, "integers");

  /* control */
  RUN_CALLS(base, {"POST", "/control", "{\"speed\": 100}", 400, "[0.1, 20]"},
            {"POST", "/control", "{\"paused\": 1}", 400, "true or false"},
            {"POST", "/control", "{\"step\": \"minute\"}", 400, "beat"},
            {"POST", "/control", "{\"warp\": 2}", 400, "unknown field 'warp'"},
            {"POST", "/control", "{\"speed\": 2, \"paused\": true}", 200, NULL},
            {"POST", "/control", "{\"step\": \"beat\"}", 200, NULL},
            {"POST", "/control", "{\"paused\": false}", 200, NULL});

  /* set: the library's unit parser and ranges */
  snprintf(p, sizeof p, "%s/set", base);
  j = req("POST", p, "{\"path\": \"ecmo.target_flow\", \"value\": \"5 L/min\"}", 200, NULL);
  assert_true(fabs(json_real_value(json_object_get(j, "value")) - 5000.0 / 60) < 1e-6);
  json_decref(j);
  expect("POST", p, "{\"path\": \"ecmo.target_flow\", \"value\": \"5 furlongs\"}", 400, "furlongs");
  expect("POST", p, "{\"path\": \"ecmo.target_flow\", \"value\": \"50 L/min\"}", 400, "range");
  expect("POST", p, "{\"path\": \"nosuch.thing\", \"value\": \"1\"}", 400, "nosuch");
  expect("POST", p, "{\"value\": \"1\"}", 400, "expected");
  expect("GET", p, NULL, 405, "not allowed");

  snprintf(p, sizeof p, "%s/params", base);
  j = req("GET", p, NULL, 200, NULL);
  json_t *ps = json_object_get(j, "params"), *it;
  size_t i;
  int found = 0;
  json_array_foreach(ps, i, it) if (!strcmp(json_string_value(json_object_get(it, "path")), "ecmo.target_flow")) {
    found = 1;
    assert_string_equal(json_string_value(json_object_get(it, "unit")), "L/min");
    assert_true(fabs(json_number_value(json_object_get(it, "value")) - 5) < 1e-9);
  }
  assert_true(found);
  json_decref(j);

  /* patient: edit (loader validation), save (under --root only), load back */
  RUN_CALLS(base,
            {"POST", "/patient/set", "{\"changes\": [{\"path\": \"lv.ees\", \"value\": \"5000 mmHg/mL\"}]}", 400, "lv.ees"},
            {"POST", "/patient/set", "{\"changes\": []}", 400, "changes"},
            {"POST", "/patient/set", "{\"changes\": [{\"path\": \"lv.ees\", \"value\": \"1.3 mmHg/mL\"}]}", 200, NULL},
            {"POST", "/patient/save", "{\"root\": 0, \"file\": \"../escape.yaml\"}", 400, "refused"},
            {"POST", "/patient/save", "{\"root\": 0, \"file\": \"x.txt\"}", 400, ".yaml"},
            {"POST", "/patient/save", "{\"root\": 1, \"file\": \"x.yaml\"}", 400, "root"},
            {"POST", "/patient/save", "{\"root\": 0, \"file\": \"nodir/x.yaml\"}", 400, "does not exist"},
            {"POST", "/patient/save", "{\"root\": 0, \"file\": \"edited.yaml\"}", 200, NULL});
  char saved[512];
  snprintf(saved, sizeof saved, "%s/edited.yaml", root_dir);
  hs_model *m = NULL;
  hs_err err = {HS_OK, ""};
  assert_int_equal(hs_patient_load_file(saved, &m, &err), HS_OK);
  double ees = 0, flow = 0;
  hs_model_get(m, "lv.ees", &ees, NULL);
  hs_model_get(m, "ecmo.target_flow", &flow, NULL);
  assert_true(fabs(ees - 1.3) < 1e-9);
  assert_true(fabs(flow - 5000.0 / 60) < 1e-6); /* the live setting is part of the patient */
  hs_model_free(m);
  snprintf(p, sizeof p, "%s/patient", base);
  expect("POST", p, "{\"root\": 0, \"file\": \"edited.yaml\"}", 200, NULL);
  expect("POST", p, "{\"root\": 0, \"file\": \"../../etc/passwd\"}", 400, "refused");

  /* save with a hostile patient name: newline, quotes, colon, '#', backslash, a key of
     its own - libyaml's emitter escapes it (io/yaml_out.h); it loads back unchanged and
     sets nothing else.  A NUL in the name is refused by the loader. */
  {
    static const char evil[] = "evil\nheart_rate: 200\n\"q\": x # not a comment \\ 'end'";
    char hp[512], text[1024];
    snprintf(hp, sizeof hp, "%s/hostile.yaml", root_dir);
    FILE *hf = fopen(hp, "w");
    assert_non_null(hf);
    fprintf(hf, "hemosim_patient: 1\nbase: %s/examples/patients/healthy_adult.yaml\n"
                "name: \"evil\\nheart_rate: 200\\n\\\"q\\\": x # not a comment \\\\ 'end'\"\n",
            HS_SOURCE_DIR);
    fclose(hf);
    snprintf(p, sizeof p, "%s/patient", base);
    expect("POST", p, "{\"root\": 0, \"file\": \"hostile.yaml\"}", 200, NULL);
    RUN_CALLS(base,
              {"POST", "/patient/set", "{\"changes\": [{\"path\": \"lv.ees\", \"value\": \"1.7 mmHg/mL\"}]}", 200, NULL},
              {"POST", "/patient/save", "{\"root\": 0, \"file\": \"hostile_saved.yaml\"}", 200, NULL});
    snprintf(hp, sizeof hp, "%s/hostile_saved.yaml", root_dir);
    hf = fopen(hp, "r");
    assert_non_null(hf);
    size_t nt = fread(text, 1, sizeof text - 1, hf);
    text[nt] = '\0';
    fclose(hf);
    assert_null(strstr(text, "\nheart_rate")); /* no line of the file comes from the name */
    hs_model *hm = NULL;
    assert_int_equal(hs_patient_load_file(hp, &hm, &err), HS_OK);
    assert_string_equal(hs_model_name(hm), evil);
    double hr = 0, hees = 0;
    hs_model_get(hm, "heart.heart_rate", &hr, NULL);
    hs_model_get(hm, "lv.ees", &hees, NULL);
    assert_true(hr < 100);
    assert_true(fabs(hees - 1.7) < 1e-9);
    hs_model_free(hm);
    unlink(hp);
    snprintf(hp, sizeof hp, "%s/hostile.yaml", root_dir);
    hf = fopen(hp, "w");
    assert_non_null(hf);
    fprintf(hf, "hemosim_patient: 1\nbase: %s/examples/patients/healthy_adult.yaml\n"
                "name: \"a\\0b\"\n", HS_SOURCE_DIR);
    fclose(hf);
    expect("POST", p, "{\"root\": 0, \"file\": \"hostile.yaml\"}", 400, "NUL");
    unlink(hp);
  }

  /* decide: validation, then a small comparison in the worker thread */
  RUN_CALLS(base, {"POST", "/compare", "{\"targets\": {\"pcwp_max\": \"18 parsecs\"}}", 400, "pcwp_max"},
            {"POST", "/compare", "{\"targets\": {\"nonsense\": 1}}", 400, "nonsense"},
            {"POST", "/compare", "{\"targets\": {\"heart_er_max\": \"2\"}}", 400, "heart_er_max = 2 is out of range"},
            {"POST", "/compare", "{\"targets\": {\"cvp_max\": \"45 mmHg\"}}", 400, "cvp_max"},
            {"POST", "/compare", "{\"context\": [\"ivc_filtre\"]}", 400, "ivc_filter"},
            /* the flow bounds are checked against each other once all are read */
            {"POST", "/compare", "{\"targets\": {\"flow_min\": 5, \"flow_max\": 4}}", 400,
             "flow_min = 5 L/min must be below flow_max = 4 L/min"},
            {"POST", "/compare", "{\"targets\": {\"flow_max\": 4, \"flow_min\": 5}}", 400,
             "flow_min = 5 L/min must be below flow_max = 4 L/min"},
            {"POST", "/compare", "{\"context\": [\"ar=extreme\"]}", 400, "ar=extreme"},
            {"POST", "/compare", "{\"strategies\": [\"ecmo+warp_drive\"]}", 400, "strategies[0]"},
            {"POST", "/compare", "{\"flows\": [20]}", 400, "flows[0]"},
            {"POST", "/optimize", "{\"strategy\": \"prayer\"}", 400, "strategy"},
            {"GET", "/job/report", NULL, 404, "no finished"});
  snprintf(p, sizeof p, "%s/compare", base);
  expect("POST", p, "{\"strategies\": [\"ecmo:4+iabp:1:1\"], \"targets\": {\"pcwp_max\": \"22 mmHg\", \"heart_er_max\": \"critical\", \"cvp_max\": \"14 mmHg\"}, \"context\": [\"ivc_filter\"]}", 202, NULL);
  expect("POST", p, "{\"strategies\": [\"ecmo\"]}", 409, "already running");
  snprintf(p, sizeof p, "%s/job", base);
  const char *st = "running";
  for (int k = 0; k < 1200 && !strcmp(st, "running"); k++) {
    j = req("GET", p, NULL, 200, NULL);
    st = strcmp(json_string_value(json_object_get(j, "state")), "running") ? "finished" : "running";
    if (!strcmp(st, "finished")) {
      assert_string_equal(json_string_value(json_object_get(j, "state")), "done");
      json_t *r = json_object_get(j, "result");
      assert_string_equal(json_string_value(json_object_get(r, "schema")), "hemosim-compare/3");
      assert_true(fabs(json_number_value(json_object_get(json_object_get(r, "targets"), "pcwp_max_mmhg")) - 22) < 1e-9);
      /* the heart target from the browser's form (web/index.html), its default word */
      assert_string_equal(json_string_value(json_object_get(json_object_get(r, "targets"), "heart_er_max")), "critical");
      /* the congestion target and the RP context items from the same form */
      assert_true(fabs(json_number_value(json_object_get(json_object_get(r, "targets"), "cvp_max_mmhg")) - 14) < 1e-9);
      assert_true(json_is_true(json_object_get(json_object_get(r, "context"), "ivc_filter")));
      /* the session's patient is now the (hostile-named) healthy adult, without a
         circuit; a strategy at a fixed ECMO flow is not checked without it */
      assert_true(json_is_false(json_object_get(r, "on_ecmo")));
      assert_true(json_is_null(json_object_get(r, "circuit_note")));
      assert_true(json_is_null(json_object_get(r, "without_circuit_all_met")));
      /* a given strategy list: no support without a circuit is simulated */
      assert_true(json_is_null(json_object_get(r, "without_circuit")));
      /* the checks the job runs after the strategies: present, null when not needed (the
         healthy adult's heart is far from its critical extraction) */
      assert_true(json_is_null(json_object_get(r, "threshold_check")));
      assert_true(json_is_null(json_object_get(r, "gain_check")));
      assert_true(json_is_null(json_object_get(r, "without_circuit_note")));
    }
    json_decref(j);
    struct timespec w = {0, 100000000};
    if (!strcmp(st, "running")) nanosleep(&w, NULL);
  }
  assert_string_equal(st, "finished");
  snprintf(p, sizeof p, "%s/job/report", base);
  hs_http_answer a = hs_http(port, "GET", p, NULL, NULL, NULL);
  assert_int_equal(a.status, 200);
  assert_non_null(strstr(a.ctype, "text/html"));
  assert_non_null(strstr(a.body, "<html"));
  free(a.body);

  /* apply a strategy: the live simulation restarts with the device */
  snprintf(p, sizeof p, "%s/apply", base);
  expect("POST", p, "{\"strategy\": \"ecmo+teleport\"}", 400, "teleport");
  expect("POST", p, "{\"strategy\": \"ecmo+impella_cp:P6\", \"ecmo_flow_lpm\": 99}", 400, "ECMO flow");
  j = req("POST", p, "{\"strategy\": \"ecmo+impella_cp:P6\", \"ecmo_flow_lpm\": 3}", 200, NULL);
  assert_int_equal((int)json_array_size(json_object_get(j, "devices")), 2);
  json_decref(j);
  snprintf(p, sizeof p, "%s/set", base);
  expect("POST", p, "{\"path\": \"impella.level\", \"value\": 8}", 200, NULL);
  /* the context's aortic regurgitation is simulated, as compare does (issue 11): severe
     AR gives the competent aortic valve the grade's orifice, 0.30 cm^2 (Zoghbi 2017) */
  snprintf(p, sizeof p, "%s/apply", base);
  expect("POST", p, "{\"strategy\": \"ecmo\", \"context\": [\"ar=extreme\"]}", 400, "ar=extreme");
  j = req("POST", p, "{\"strategy\": \"ecmo\", \"ecmo_flow_lpm\": 3, \"context\": [\"ar=severe\"]}", 200, NULL);
  json_decref(j);
  assert_true(fabs(param_value(base, "aortic_valve.regurgitant_area") - 0.30) < 1e-9);
  j = req("POST", p, "{\"strategy\": \"ecmo\", \"ecmo_flow_lpm\": 3, \"context\": []}", 200, NULL);
  json_decref(j);
  assert_true(fabs(param_value(base, "aortic_valve.regurgitant_area")) < 1e-12);

  snprintf(p, sizeof p, "%s/nothing", base);
  expect("GET", p, NULL, 404, "no such endpoint");
  expect("DELETE", base, NULL, 200, NULL);
  expect("GET", base, NULL, 404, "no such session");
  assert_int_equal((int)hs_server_session_count(s), 0);
  hs_server_stop(s);
}

static void wait_job(const char *base, const char *kind) {
  char p[256];
  snprintf(p, sizeof p, "%s/job", base);
  for (int k = 0; k < 3000; k++) {
    json_t *j = req("GET", p, NULL, 200, NULL);
    const char *st = json_string_value(json_object_get(j, "state"));
    if (strcmp(st, "running")) {
      if (strcmp(st, "done")) fail_msg("%s: %s", kind, json_string_value(json_object_get(j, "error")));
      assert_string_equal(json_string_value(json_object_get(j, "kind")), kind);
      json_decref(j);
      return;
    }
    json_decref(j);
    struct timespec w = {0, 100000000};
    nanosleep(&w, NULL);
  }
  fail_msg("%s did not finish", kind);
}

/* Calibration from the page: the measurements loader's checks, a short fit with progress,
   then the live simulation continues from the calibrated patient. */
static void test_calibrate(void **state) {
  hs_server *s = start(4, 1000, 120);
  port = hs_server_port(s);
  char base[128];
  new_session("{}", base, sizeof base);
  RUN_CALLS(base, {"POST", "/calibrate", "{}", 400, "measurements"},
            {"POST", "/calibrate", "{\"measurements\": {\"pcwp\": \"24 furlongs\"}}", 400, "pcwp"},
            {"POST", "/calibrate", "{\"measurements\": {\"wishful\": 3}}", 400, "wishful"},
            {"POST", "/calibrate", "{\"measurements\": {\"map\": \"80 mmHg\"}, \"max_evals\": 5}", 400, "max_evals"},
            {"POST", "/calibrate", "{\"measurements\": {\"map\": \"80 mmHg\"}, \"estimate\": [\"charm\"]}", 400, "charm"},
            {"POST", "/calibrate/apply", "{}", 409, "no finished calibration"},
            {"POST", "/calibrate", "{\"measurements\": {\"map\": \"85 mmHg\"}, \"estimate\": [\"svr_mult\"], \"max_evals\": 12}", 202, NULL});
  wait_job(base, "calibrate");
  char p[256];
  snprintf(p, sizeof p, "%s/job/report", base);
  hs_http_answer a = hs_http(port, "GET", p, NULL, NULL, NULL);
  assert_int_equal(a.status, 200);
  assert_non_null(strstr(a.body, "<html"));
  free(a.body);
  snprintf(p, sizeof p, "%s/calibrate/apply", base);
  expect("POST", p, "{}", 200, NULL);
  hs_server_stop(s);
}

/* The microcirculation fit from the page: a bad measurement, one on ECMO for a patient
   without ECMO, then the bundled T1 recording on the ECMO patient: the fit and the three
   changes, which /patient/set applies to the live patient. */
static void test_micro_fit(void **state) {
  (void)state;
  hs_server *s = start(4, 1000, 120);
  port = hs_server_port(s);
  char file[512], base[128], p[256];
  snprintf(file, sizeof file, "%s/examples/micro/va_ecmo_t1.yaml", HS_SOURCE_DIR);
  FILE *fp = fopen(file, "r");
  assert_non_null(fp);
  static char text[64 * 1024];
  size_t n = fread(text, 1, sizeof text - 1, fp);
  text[n] = '\0';
  fclose(fp);
  json_t *body = json_pack("{s:s}", "measurement", text);
  char *b = json_dumps(body, 0);
  json_decref(body);
  new_session("{}", base, sizeof base); /* the healthy adult: no ECMO */
  RUN_CALLS(base, {"POST", "/micro/fit", "{}", 400, "measurement"},
            {"POST", "/micro/fit", "{\"measurement\": \"hemosim_micro: 2\"}", 400, "version"},
            {"GET", "/micro/fit", NULL, 405, NULL});
  snprintf(p, sizeof p, "%s/micro/fit", base);
  expect("POST", p, b, 400, "no VA-ECMO device named 'ecmo'");
  new_session("{\"patient\": \"acute_mi_shock_ecmo.yaml\"}", base, sizeof base);
  snprintf(p, sizeof p, "%s/micro/fit", base);
  json_t *j = req("POST", p, b, 200, NULL);
  json_t *fit = json_object_get(j, "fit"), *ch = json_object_get(j, "changes");
  assert_near(json_number_value(json_object_get(json_object_get(fit, "measured"), "tvd_mm_mm2")),
              16.84, 0.01);
  assert_near(json_number_value(json_object_get(json_object_get(fit, "fitted"), "obstructed")),
              0.09067, 1e-9);
  assert_int_equal(json_array_size(ch), 3);
  assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "path")),
                      "microcirculation.obstructed");
  /* nothing changed yet; applying the changes sets the block */
  assert_near(param_value(base, "microcirculation.obstructed"), 0.06, 1e-12);
  json_t *apply = json_pack("{s:O}", "changes", ch);
  char *ab = json_dumps(apply, 0);
  snprintf(p, sizeof p, "%s/patient/set", base);
  expect("POST", p, ab, 200, NULL);
  assert_near(param_value(base, "microcirculation.obstructed"), 0.09067, 1e-12);
  assert_near(param_value(base, "microcirculation.vasoconstriction"), 0.3816, 1e-12);
  free(ab);
  json_decref(apply);
  json_decref(j);
  free(b);
  hs_server_stop(s);
}

static void test_limits(void **state) {
  hs_server *s = start(1, 5, 1);
  port = hs_server_port(s);
  char base[128], p[160];
  new_session("{}", base, sizeof base);
  snprintf(p, sizeof p, "%s/frames", base);
  expect("POST", "/api/sessions", "{}", 503, "limit");
  int limited = 0;
  for (int k = 0; k < 8; k++) {
    hs_http_answer a = hs_http(port, "GET", p, NULL, NULL, NULL);
    limited |= a.status == 429;
    free(a.body);
  }
  assert_true(limited);
  struct timespec w = {1, 300000000};
  nanosleep(&w, NULL); /* idle for longer than 1 s: freed on the next request */
  expect("GET", p, NULL, 404, "no such session");
  assert_int_equal((int)hs_server_session_count(s), 0);
  hs_server_stop(s);
  /* bad options */
  hs_server_options o;
  hs_server_options_default(&o);
  o.web_dir = "/nonexistent";
  hs_err err = {HS_OK, ""};
  assert_int_not_equal(hs_server_start(&o, &s, &err), HS_OK);
  assert_non_null(strstr(err.msg, "web directory"));
  o.web_dir = HS_SOURCE_DIR "/web";
  o.bind = "not-an-address";
  assert_int_not_equal(hs_server_start(&o, &s, &err), HS_OK);
  assert_non_null(strstr(err.msg, "bind address"));
}

/* The trial pages' API (serve_trial.c) on a database named at startup: the same
   library calls as `hemosim trial`, roles, validation, values bound (never SQL text). */
static char *enrol_body(char *b, size_t n, const char *role, const char *adult,
                        const char *patient) {
  snprintf(b, n,
           "{\"user\": \"ann\", \"role\": \"%s\", \"patient\": \"%s\", \"site\": \"site-A\","
           " \"placed\": \"2026-03-01T08:00Z\", \"strata\": {\"scai\": \"D\"}, \"eligibility\": "
           "{\"adult\": \"%s\", \"va_ecmo\": \"yes\", \"consent\": \"yes\", \"oral_lesion\": \"no\", "
           "\"ecpr\": \"no\"}}", role, patient, adult);
  return b;
}

static void test_trial(void **state) {
  (void)state;
  /* no --trial: the pages say so; a --trial that is not a trial database stops the start */
  hs_server *s = start(4, 1000, 120);
  port = hs_server_port(s);
  expect("GET", "/api/trial", NULL, 404, "no trial database");
  json_t *j = req("GET", "/api/info", NULL, 200, NULL);
  assert_true(json_is_false(json_object_get(j, "trial")));
  json_decref(j);
  hs_server_stop(s);
  char db[600];
  snprintf(db, sizeof db, "%s/trial.db", root_dir);
  hs_server_options o;
  hs_server_options_default(&o);
  o.port = 0;
  o.web_dir = HS_SOURCE_DIR "/web";
  o.trial_db = db;
  hs_err err = {HS_OK, ""};
  assert_int_not_equal(hs_server_start(&o, &s, &err), HS_OK);
  assert_non_null(strstr(err.msg, "--trial: "));
  const hs_trial_actor mgr = {"mgr", HS_ROLE_MANAGER};
  assert_int_equal(hs_trial_create(db, HS_SOURCE_DIR "/examples/trial/protocol.yaml", &mgr,
                                   "00000000000000aa", &err), HS_OK);
  assert_int_equal(hs_server_start(&o, &s, &err), HS_OK);
  port = hs_server_port(s);

  j = req("GET", "/api/trial", NULL, 200, NULL);
  assert_string_equal(json_string_value(json_object_get(json_object_get(j, "protocol"), "registration")),
                      "NCT03470792");
  assert_true(json_array_size(json_object_get(j, "fields")) > 20);
  assert_int_equal(json_array_size(json_object_get(j, "roles")), 4);
  json_decref(j);
  expect("GET", "/api/trial/nothing", NULL, 404, "no such trial endpoint");
  expect("GET", "/api/trial/enrol", NULL, 405, "use POST");
  expect("POST", "/api/trial/status", "{}", 405, "use GET");

  /* enrolment: who, role, types, eligibility; the arm only in the answer */
  expect("POST", "/api/trial/enrol", "{\"role\": \"data_entry\"}", 400, "missing user");
  expect("POST", "/api/trial/enrol", "{\"user\": \"ann\", \"role\": \"boss\"}", 400, "boss");
  expect("POST", "/api/trial/enrol", "{\"user\": 5, \"role\": \"data_entry\"}", 400, "'user'");
  expect("POST", "/api/trial/enrol",
         "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\"}", 400,
         "needs patient, site and placed");
  expect("POST", "/api/trial/enrol",
         "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\", \"site\": "
         "\"site-A\", \"placed\": \"2026-03-01T08:00Z\", \"strata\": [1]}", 400, "objects of strings");
  char body[2048], ok[1024];
  enrol_body(ok, sizeof ok, "data_entry", "yes", "A-001");
  expect("POST", "/api/trial/enrol", enrol_body(body, sizeof body, "monitor", "yes", "A-001"), 403,
         "not allowed for role monitor");
  expect("POST", "/api/trial/enrol", enrol_body(body, sizeof body, "data_entry", "no", "A-001"), 400,
         "not eligible: adult = no");
  /* an injection attempt in the patient code is refused as a name, and changes nothing */
  expect("POST", "/api/trial/enrol",
         enrol_body(body, sizeof body, "data_entry", "yes", "x'); DROP TABLE patient; --"), 400,
         "patient");
  j = req("POST", "/api/trial/enrol", ok, 201, NULL);
  const char *arm = json_string_value(json_object_get(j, "arm"));
  assert_true(!strcmp(arm, "control") || !strcmp(arm, "micro"));
  char arm1[16];
  snprintf(arm1, sizeof arm1, "%s", arm);
  json_decref(j);
  expect("POST", "/api/trial/enrol", ok, 409, "already enrolled");

  /* a visit: late (a deviation, recorded), units, a change needs a reason (kept verbatim) */
  j = req("POST", "/api/trial/visit",
          "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\", \"visit\": \"T1\","
          " \"fields\": {\"time\": \"2026-03-02T04:00Z\", \"ecmo_flow\": \"3.5 L/min\", "
          "\"map\": \"66 mmHg\", \"norepinephrine\": \"0.1 ug/kg/min\"}}", 200, NULL);
  assert_true(json_is_true(json_object_get(j, "deviation")));
  assert_non_null(strstr(json_string_value(json_object_get(j, "note")), "late by 2.00 h"));
  assert_true(fabs(json_number_value(json_object_get(j, "vis")) - 10.0) < 1e-9);
  json_decref(j);
  expect("POST", "/api/trial/visit",
         "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\", \"visit\": \"T1\","
         " \"fields\": {\"ecmo_flow\": \"3\"}}", 400, "has no unit");
  expect("POST", "/api/trial/visit",
         "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\", \"visit\": \"T1\","
         " \"fields\": {\"map\": \"70 mmHg\"}}", 400, "needs a reason");
  expect("POST", "/api/trial/visit",
         "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\", \"visit\": \"T1\"}",
         400, "nothing to record");
  expect("POST", "/api/trial/visit",
         "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"B-9\", \"visit\": \"T1\","
         " \"fields\": {\"map\": \"70 mmHg\"}}", 404, "not enrolled");
  const char *reason = "chart'); DELETE FROM audit; --";
  snprintf(body, sizeof body,
           "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\", \"visit\": "
           "\"T1\", \"fields\": {\"map\": \"70 mmHg\"}, \"reason\": \"%s\"}", reason);
  expect("POST", "/api/trial/visit", body, 200, NULL);

  /* the record: values, window, deviation; the arm for the statistician only */
  j = req("GET", "/api/trial/patient?user=ann&role=data_entry&patient=A-001", NULL, 200, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "arm")), "(concealed)");
  json_t *map = json_object_get(json_object_get(json_object_get(j, "values"), "T1"), "map");
  assert_string_equal(json_string_value(json_object_get(map, "value")), "70");
  assert_int_equal(json_integer_value(json_object_get(map, "version")), 2);
  assert_string_equal(json_string_value(json_object_get(map, "reason")), reason);
  assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "windows"), "T1"),
                                                        "window")), "outside");
  assert_int_equal(json_array_size(json_object_get(j, "deviations")), 1);
  json_decref(j);
  j = req("GET", "/api/trial/patient?user=sam&role=statistician&patient=A-001", NULL, 200, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "arm")), arm1);
  json_decref(j);
  expect("GET", "/api/trial/patient?user=ann&role=data_entry", NULL, 400, "missing ?patient");
  expect("GET", "/api/trial/status", NULL, 400, "missing user");

  /* queries: monitor raises, data entry answers, monitor closes */
  j = req("POST", "/api/trial/query",
          "{\"user\": \"cat\", \"role\": \"monitor\", \"action\": \"raise\", \"patient\": "
          "\"A-001\", \"visit\": \"T1\", \"field\": \"map\", \"text\": \"please check\"}", 201, NULL);
  json_int_t qid = json_integer_value(json_object_get(j, "id"));
  json_decref(j);
  snprintf(body, sizeof body, "{\"user\": \"cat\", \"role\": \"monitor\", \"action\": \"close\", "
           "\"id\": %lld, \"text\": \"done\"}", (long long)qid);
  expect("POST", "/api/trial/query", body, 409, "not been answered");
  snprintf(body, sizeof body, "{\"user\": \"ann\", \"role\": \"data_entry\", \"action\": "
           "\"answer\", \"id\": %lld, \"text\": \"corrected\"}", (long long)qid);
  expect("POST", "/api/trial/query", body, 200, NULL);
  expect("POST", "/api/trial/query",
         "{\"user\": \"cat\", \"role\": \"monitor\", \"action\": \"shred\", \"id\": 1, \"text\": \"x\"}",
         400, "not one of raise, answer, close");
  expect("POST", "/api/trial/ae",
         "{\"user\": \"ann\", \"role\": \"data_entry\", \"patient\": \"A-001\", \"type\": "
         "\"limb_ischaemia\", \"onset\": \"2026-03-02T03:00Z\", \"severity\": \"moderate\", "
         "\"description\": \"cold leg\"}", 201, NULL);

  /* status (no arms for a monitor), audit (the reason verbatim), verify, analysis, KM */
  j = req("GET", "/api/trial/status?user=cat&role=monitor", NULL, 200, NULL);
  assert_true(json_is_false(json_object_get(j, "arms_shown")));
  assert_int_equal(json_integer_value(json_object_get(j, "enrolled")), 1);
  json_decref(j);
  j = req("GET", "/api/trial/audit?user=cat&role=monitor&patient=A-001", NULL, 200, NULL);
  int found = 0;
  for (size_t k = 0; k < json_array_size(json_object_get(j, "rows")); k++) {
    json_t *row = json_array_get(json_object_get(j, "rows"), k);
    const char *r = json_string_value(json_object_get(row, "reason"));
    found += r && !strcmp(r, reason);
    const char *act = json_string_value(json_object_get(row, "action"));
    if (act && !strcmp(act, "enrol"))
      assert_string_equal(json_string_value(json_object_get(row, "new")), "(concealed)");
  }
  assert_true(found >= 1);
  json_decref(j);
  j = req("GET", "/api/trial/verify?user=cat&role=monitor", NULL, 200, NULL);
  assert_true(json_is_true(json_object_get(j, "ok")));
  assert_int_equal(strlen(json_string_value(json_object_get(j, "head"))), 64);
  json_decref(j);
  expect("GET", "/api/trial/analysis?user=ann&role=data_entry", NULL, 403, "not allowed for role data_entry");
  j = req("GET", "/api/trial/analysis?user=sam&role=statistician", NULL, 200, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "schema")), "hemosim-trial-analysis/1");
  json_decref(j);
  hs_http_answer a = hs_http(port, "GET", "/api/trial/km.svg?user=sam&role=statistician", NULL, NULL, NULL);
  assert_int_equal(a.status, 200);
  assert_non_null(strstr(a.ctype, "image/svg+xml"));
  assert_non_null(strstr(a.body, "<svg"));
  free(a.body);
  a = hs_http(port, "GET", "/trial.html", NULL, NULL, NULL);
  assert_int_equal(a.status, 200);
  assert_non_null(strstr(a.body, "trial.js"));
  free(a.body);
  hs_server_stop(s);
  hs_test_db_remove(strdup(db));
}

int main(void) {
  if (!mkdtemp(root_dir)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_static_and_protocol),
      cmocka_unit_test(test_session_endpoints),
      cmocka_unit_test(test_calibrate),
      cmocka_unit_test(test_micro_fit),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_trial),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char path[512];
  snprintf(path, sizeof path, "%s/edited.yaml", root_dir);
  unlink(path);
  rmdir(root_dir);
  return rc;
}
