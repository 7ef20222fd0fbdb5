/* The API's pure parts: versioned paths, route patterns, query values,
 * filters, the stream framing, errors to status codes, and the create
 * body as the flags of `hutch create` (src/lib/api/route.c,
 * create_map.c). */
#include "api/api_int.h"
#include "api/map.h"
#include "api/route.h"
#include "tap.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <stdlib.h>

static void test_versions(void) {
  const char *rest;
  char v[16];
  struct hutch_error *err = NULL;
  is_int(hutch_api_strip_version("/v1.41/containers/json", &rest, v, &err), 0, "v1.41 stripped");
  is_str(rest, "/containers/json", "rest after the prefix");
  is_str(v, "1.41", "version kept");
  is_int(hutch_api_strip_version("/v1.24/_ping", &rest, v, &err), 0, "the oldest accepted");
  is_int(hutch_api_strip_version("/_ping", &rest, v, &err), 0, "no prefix");
  is_str(rest, "/_ping", "unprefixed path as is");
  is_str(v, HUTCH_API_VERSION, "no prefix means ours");
  is_int(hutch_api_strip_version("/v1.42/version", &rest, v, &err), -ERANGE, "too new refused");
  ok(err && strstr(err->msg, "client version 1.42 is not supported"), "docker's wording");
  hutch_error_free(err);
  err = NULL;
  is_int(hutch_api_strip_version("/v1.23/version", &rest, v, &err), -ERANGE, "too old refused");
  hutch_error_free(err);
  err = NULL;
  is_int(hutch_api_strip_version("/v1.x/version", &rest, v, &err), -EINVAL, "malformed refused");
  hutch_error_free(err);
  err = NULL;
  is_int(hutch_api_strip_version("/volumes", &rest, v, &err), 0, "/volumes is not a version");
  ok(hutch_api_version_cmp("1.9", "1.41") < 0, "1.9 < 1.41 numerically");
  ok(hutch_api_version_cmp("1.41", "1.41") == 0, "equal");
}

static void test_match(void) {
  char *p[HUTCH_API_MAX_PARAMS] = {0};
  ok(hutch_api_match("/containers/{}/start", "/containers/abc/start", p), "one segment");
  is_str(p[0], "abc", "captured");
  hutch_api_params_free(p);
  ok(!hutch_api_match("/containers/{}/start", "/containers/abc/stop", p), "literal differs");
  ok(!hutch_api_match("/containers/{}/start", "/containers/a/b/start", p), "{} is one segment");
  ok(!hutch_api_match("/containers/json", "/containers/json/x", p), "longer path");
  ok(hutch_api_match("/images/{*}/json", "/images/127.0.0.1:5000/hutch/x:1/json", p),
     "{*} spans segments");
  is_str(p[0], "127.0.0.1:5000/hutch/x:1", "the whole name");
  hutch_api_params_free(p);
  ok(hutch_api_match("/images/{*}", "/images/busybox", p), "{*} one segment");
  is_str(p[0], "busybox", "captured");
  hutch_api_params_free(p);
  ok(!hutch_api_match("/images/{*}/json", "/images/json", p), "{*} takes at least one");
  ok(p[0] == NULL, "nothing left captured on a miss");
}

static void test_query(void) {
  ok(!hutch_api_bool(NULL) && !hutch_api_bool("") && !hutch_api_bool("0") &&
         !hutch_api_bool("false") && !hutch_api_bool("no") && !hutch_api_bool("None"),
     "docker's false values");
  ok(hutch_api_bool("1") && hutch_api_bool("true") && hutch_api_bool("yes"), "true values");
  int64_t v;
  is_int(hutch_api_int(NULL, 7, &v), 0, "absent");
  is_int(v, 7, "default");
  is_int(hutch_api_int("12", 7, &v), 0, "a number");
  is_int(v, 12, "parsed");
  ok(hutch_api_int("1x", 7, &v) < 0, "junk refused");
}

static void test_filters(void) {
  struct hutch_api_filters f;
  struct hutch_error *err = NULL;
  is_int(hutch_api_filters_parse("{\"label\":{\"a=b\":true,\"c\":true,\"off\":false},"
                                 "\"status\":[\"exited\"]}",
                                 &f, &err),
         0, "both forms parse");
  char **l = hutch_api_filters_get(&f, "label");
  ok(l && l[0] && l[1] && !l[2], "true keys only");
  char **st = hutch_api_filters_get(&f, "status");
  is_str(st ? st[0] : NULL, "exited", "the list form");
  ok(!hutch_api_filters_get(&f, "name"), "absent key");
  _cleanup_json_ json_t *labels = json_pack("{s:s,s:s}", "a", "b", "c", "x");
  ok(hutch_api_labels_match(l, labels), "labels match");
  json_object_set_new(labels, "a", json_string("z"));
  ok(!hutch_api_labels_match(l, labels), "a value differs");
  hutch_api_filters_clear(&f);
  is_int(hutch_api_filters_parse("", &f, &err), 0, "empty is none");
  ok(f.n == 0, "no filters");
  ok(hutch_api_filters_parse("[1]", &f, &err) < 0, "not an object");
  hutch_error_free(err);
  err = NULL;
  ok(hutch_api_filters_parse("{\"label\":7}", &f, &err) < 0, "bad values");
  ok(err && strstr(err->msg, "invalid filter 'label'"), "names the key");
  hutch_error_free(err);
}

static void test_filter_values(void) {
  struct hutch_api_filters f;
  struct hutch_error *err = NULL;
  static const char *const known[] = {"name", "label", NULL};
  is_int(hutch_api_filters_parse("{\"name\":[\"web\"],\"id\":[\"ab\",\"cd\"]}", &f, &err), 0,
         "parse");
  ok(hutch_api_filters_known(&f, known, &err) < 0, "an unknown key is refused");
  ok(err && strstr(err->msg, "invalid filter 'id'"), "and named");
  hutch_error_free(err);
  err = NULL;
  char **name = hutch_api_filters_get(&f, "name"), **id = hutch_api_filters_get(&f, "id");
  ok(hutch_api_filter_any(name, "proj_web_1", HUTCH_API_PART), "a part of the name");
  ok(!hutch_api_filter_any(name, "proj_db_1", HUTCH_API_PART), "not a part");
  ok(!hutch_api_filter_any(name, "proj_web_1", HUTCH_API_EXACT), "exact wants all of it");
  ok(hutch_api_filter_any(id, "cd1234", HUTCH_API_PREFIX), "any value, a prefix");
  ok(!hutch_api_filter_any(id, "1234cd", HUTCH_API_PREFIX), "a prefix is at the start");
  ok(hutch_api_filter_any(NULL, "x", HUTCH_API_EXACT), "no values: everything");
  hutch_api_filters_clear(&f);
  is_int(hutch_api_filters_parse("{\"label\":[\"a\"]}", &f, &err), 0, "parse");
  is_int(hutch_api_filters_known(&f, known, &err), 0, "known keys pass");
  hutch_api_filters_clear(&f);
}

static void test_frame_and_status(void) {
  unsigned char buf[16];
  is_int(hutch_api_frame(buf, 2, "hi\n", 3), 11, "8 + payload");
  ok(buf[0] == 2 && buf[1] == 0 && buf[4] == 0 && buf[7] == 3 && buf[8] == 'h', "header");
  struct hutch_error *e = NULL;
  hutch_error_say(&e, ENOENT, "No such container: x");
  is_int(hutch_api_status_for(e), 404, "not found");
  hutch_error_free(e);
  e = NULL;
  hutch_error_say(&e, EEXIST, "Conflict.");
  is_int(hutch_api_status_for(e), 409, "conflict");
  hutch_error_free(e);
  e = NULL;
  hutch_error_say(&e, EINVAL, "bad");
  is_int(hutch_api_status_for(e), 400, "bad parameter");
  hutch_error_free(e);
  e = NULL;
  hutch_error_set(&e, EIO, "io");
  is_int(hutch_api_status_for(e), 500, "the rest");
  hutch_error_free(e);
}

static void test_create_map(void) {
  json_error_t je;
  _cleanup_json_ json_t *body = json_loads(
      "{\"Image\":\"x\",\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],"
      "\"Env\":[\"A=1\"],\"Tty\":true,\"OpenStdin\":true,\"AttachStdout\":true,"
      "\"Labels\":{\"com.docker.compose.service\":\"web\"},\"ExposedPorts\":{\"80/tcp\":{}},"
      "\"StopTimeout\":3,\"HostConfig\":{\"Binds\":[\"/tmp:/mnt:ro\"],\"Memory\":1048576,"
      "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]},"
      "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":2},"
      "\"AutoRemove\":true,\"NetworkMode\":\"proj_default\"},"
      "\"NetworkingConfig\":{\"EndpointsConfig\":{\"proj_default\":{\"Aliases\":[\"web\"]}}}}",
      0, &je);
  struct hutch_run_opts o;
  struct hutch_error *err = NULL;
  is_int(hutch_api_create_opts(body, "n1", &o, &err), 0, "a compose-like body maps");
  is_str(o.name, "n1", "name from the query");
  ok(o.has_entrypoint, "entrypoint given");
  is_str(o.entrypoint, "/bin/sh", "its first word");
  ok(o.cmd && !strcmp(o.cmd[0], "-c") && !strcmp(o.cmd[1], "echo hi") && !o.cmd[2],
     "the rest of the entrypoint, then Cmd");
  is_str(o.env[0], "A=1", "env");
  ok(o.tty && o.interactive && !o.detach, "tty, stdin, attached");
  is_str(o.labels[0], "com.docker.compose.service=web", "labels as k=v");
  is_str(o.expose[0], "80/tcp", "exposed ports");
  is_int(o.stop_timeout, 3, "stop timeout");
  ok(o.n_mounts == 1 && o.mounts[0].readonly && !strcmp(o.mounts[0].target, "/mnt"), "bind :ro");
  is_int(o.memory, 1048576, "memory");
  is_str(o.publish[0], "127.0.0.1:8080:80/tcp", "port bindings as -p");
  is_str(o.restart, "on-failure:2", "restart policy");
  ok(o.rm, "AutoRemove is --rm");
  is_str(o.network, "proj_default", "network mode");
  is_str(o.net_aliases[0], "web", "aliases");
  hutch_run_opts_clear(&o);

  _cleanup_json_ json_t *bad = json_loads("{\"Image\":\"x\",\"Env\":\"A=1\"}", 0, &je);
  ok(hutch_api_create_opts(bad, NULL, &o, &err) < 0, "Env must be a list");
  ok(err && strstr(err->msg, "invalid Env"), "names the field");
  hutch_error_free(err);
  err = NULL;
  hutch_run_opts_clear(&o);
  _cleanup_json_ json_t *rp = json_loads(
      "{\"Image\":\"x\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}", 0, &je);
  ok(hutch_api_create_opts(rp, NULL, &o, &err) < 0, "unknown restart policy refused");
  hutch_error_free(err);
  hutch_run_opts_clear(&o);
  _cleanup_json_ json_t *d = json_loads("{\"Image\":\"x\",\"AttachStdout\":false}", 0, &je);
  is_int(hutch_api_create_opts(d, NULL, &o, &err), 0, "run -d");
  ok(o.detach && !o.cmd && !o.has_entrypoint, "detached, the image's command");
  hutch_run_opts_clear(&o);
}

static void test_timestamps(void) {
  int64_t ns = -1;
  ok(hutch_api_timestamp_ns("1700000000", &ns) == 0 && ns == 1700000000000000000LL, "seconds");
  ok(hutch_api_timestamp_ns("1700000000.5", &ns) == 0 && ns == 1700000000500000000LL,
     "a fraction is tenths, not nanoseconds");
  ok(hutch_api_timestamp_ns("1.000000001", &ns) == 0 && ns == 1000000001LL, "nanoseconds");
  ok(hutch_api_timestamp_ns("0", &ns) == 0 && ns == 0, "zero");
  ok(hutch_api_timestamp_ns("", &ns) == -EINVAL, "empty refused");
  ok(hutch_api_timestamp_ns("10m", &ns) == -EINVAL, "a duration is the client's to resolve");
  ok(hutch_api_timestamp_ns("1.", &ns) == -EINVAL, "no digits after the dot");
  ok(hutch_api_timestamp_ns("1.0000000001", &ns) == -EINVAL, "more than ns");
  ok(hutch_api_timestamp_ns("-5", &ns) == -EINVAL, "negative refused");
  ok(hutch_api_timestamp_ns("1.2x", &ns) == -EINVAL, "junk in the fraction");
  ok(hutch_api_timestamp_ns("99999999999999999999", &ns) == -EINVAL, "overflow refused");
}

static void test_top_parse(void) {
  char text[] = "UID  PID  PPID CMD\n"
                "0    7    1    sleep 300 &\n"
                "0    8    7    sh -c   a  b\n"
                "0    99   1    other\n";
  pid_t pids[] = {7, 8};
  json_t *j = hutch_api_top_parse(text, pids, 2);
  json_t *p = json_object_get(j, "Processes");
  ok(json_array_size(json_object_get(j, "Titles")) == 4, "four titles");
  ok(json_array_size(p) == 2, "a process not the container's is dropped");
  ok(strcmp(json_string_value(json_array_get(json_array_get(p, 1), 3)), "sh -c   a  b") == 0,
     "the last field keeps the rest of the line");
  ok(strcmp(json_string_value(json_array_get(json_array_get(p, 0), 1)), "7") == 0, "PID field");
  json_decref(j);
  char nopid[] = "COMMAND\nsleep\n";
  j = hutch_api_top_parse(nopid, pids, 2);
  ok(json_array_size(json_object_get(j, "Processes")) == 1, "no PID column: no filter");
  json_decref(j);
  char empty[] = "";
  ok(hutch_api_top_parse(empty, pids, 2) == NULL, "no header: NULL");
}

int main(void) {
  test_versions();
  test_match();
  test_query();
  test_filters();
  test_filter_values();
  test_frame_and_status();
  test_create_map();
  test_timestamps();
  test_top_parse();
  return done_testing();
}
