/* The API service's HTTP side: libmicrohttpd with a thread per
 * connection (a `logs -f` or an attach blocks only its own thread), the
 * request body collected, the version prefix checked, the route table
 * consulted, and the replies every endpoint gives (api_int.h). */
#include "api.h"
#include "api_int.h"
#include "listen.h"
#include "spawner.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bodies beyond this are refused (413): tar archives for cp and load
 * included. */
#define API_MAX_BODY ((size_t)1 << 30)

static atomic_int open_connections;
static atomic_llong last_close;
static atomic_bool stopping;

bool api_stopping(void) {
  return atomic_load(&stopping);
}

bool api_peer_gone(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  char c;
  return ci && recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

int api_send_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK)
      n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -EPIPE;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

ssize_t api_pipe_read(int fd, char *buf, size_t max) {
  for (;;) {
    ssize_t n = read(fd, buf, max);
    if (n < 0 && errno == EINTR)
      continue;
    return n > 0    ? n
           : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
                    : MHD_CONTENT_READER_END_WITH_ERROR;
  }
}

struct hutch_engine *api_engine(struct api_req *r, struct hutch_error **err) {
  if (!r->e && hutch_engine_open(&r->e, err) < 0)
    return NULL;
  return r->e;
}

const char *api_query(struct api_req *r, const char *key) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

bool api_query_bool(struct api_req *r, const char *key) {
  return hutch_api_bool(api_query(r, key));
}

const char *api_header(struct api_req *r, const char *key) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

json_t *api_body_json(struct api_req *r, struct hutch_error **err) {
  if (r->body_len == 0)
    return json_object();
  json_error_t je;
  json_t *j = json_loadb(r->body, r->body_len, 0, &je);
  if (!j || !json_is_object(j)) {
    json_decref(j);
    hutch_error_say(err, EINVAL, "invalid JSON body: %s", j ? "not an object" : je.text);
    return NULL;
  }
  return j;
}

void api_common_headers(struct MHD_Response *resp) {
  MHD_add_response_header(resp, "Api-Version", HUTCH_API_VERSION);
  MHD_add_response_header(resp, "Docker-Experimental", "false");
  MHD_add_response_header(resp, "Ostype", "linux");
  MHD_add_response_header(resp, "Server", "hutch/" HUTCH_VERSION " (linux)");
}

static enum MHD_Result queue(struct api_req *r, unsigned status, struct MHD_Response *resp,
                             const char *type) {
  if (!resp)
    return MHD_NO;
  api_common_headers(resp);
  if (type)
    MHD_add_response_header(resp, "Content-Type", type);
  if (r->extra_header && r->extra_value)
    MHD_add_response_header(resp, r->extra_header, r->extra_value);
  enum MHD_Result res = MHD_queue_response(r->conn, status, resp);
  MHD_destroy_response(resp);
  return res;
}

enum MHD_Result api_text(struct api_req *r, unsigned status, const char *type, const char *text) {
  size_t len = strlen(text);
  char *copy = strdup(text);
  if (!copy)
    return MHD_NO;
  return queue(r, status, MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE), type);
}

enum MHD_Result api_json(struct api_req *r, unsigned status, json_t *j) {
  _cleanup_json_ json_t *owned = j;
  _cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (!s)
    return MHD_NO;
  size_t len = strlen(s);
  s[len] = '\0';
  char *body = malloc(len + 2);
  if (!body)
    return MHD_NO;
  memcpy(body, s, len);
  body[len] = '\n';
  return queue(r, status, MHD_create_response_from_buffer(len + 1, body, MHD_RESPMEM_MUST_FREE),
               "application/json");
}

enum MHD_Result api_error(struct api_req *r, struct hutch_error *err) {
  unsigned status = err ? hutch_api_status_for(err) : 500;
  _cleanup_free_ char *msg = err ? (err->plain ? strdup(err->msg) : hutch_error_text(err)) : NULL;
  hutch_error_free(err);
  hutch_debug("%s %s: %u %s", r->method, r->path, status, msg ? msg : "internal error");
  return api_json(r, status, json_pack("{s:s}", "message", msg ? msg : "internal error"));
}

enum MHD_Result api_fail(struct api_req *r, unsigned status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    msg = NULL;
  va_end(ap);
  return api_json(r, status, json_pack("{s:s}", "message", msg ? msg : "error"));
}

enum MHD_Result api_empty(struct api_req *r, unsigned status) {
  return queue(r, status, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), NULL);
}

enum MHD_Result api_stream(struct api_req *r, unsigned status, const char *type,
                           MHD_ContentReaderCallback fn, void *ud,
                           MHD_ContentReaderFreeCallback done) {
  struct MHD_Response *resp =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, fn, ud, done);
  if (!resp) {
    done(ud);
    return MHD_NO;
  }
  return queue(r, status, resp, type);
}

static void req_free(struct api_req *r) {
  if (!r)
    return;
  hutch_api_params_free(r->params);
  free(r->body);
  free(r->extra_value);
  hutch_engine_free(r->e);
  free(r);
}

static int append_body(struct api_req *r, const char *data, size_t len) {
  if (r->body_len + len > API_MAX_BODY) {
    r->body_too_large = true;
    return 0;
  }
  if (r->body_len + len + 1 > r->body_cap) {
    size_t cap = r->body_cap ? r->body_cap : 4096;
    while (cap < r->body_len + len + 1)
      cap *= 2;
    char *b = realloc(r->body, cap);
    if (!b)
      return -ENOMEM;
    r->body = b;
    r->body_cap = cap;
  }
  memcpy(r->body + r->body_len, data, len);
  r->body_len += len;
  r->body[r->body_len] = '\0';
  return 0;
}

static enum MHD_Result dispatch(struct api_req *r, const char *url) {
  struct hutch_error *err = NULL;
  if (hutch_api_strip_version(url, &r->path, r->version, &err) < 0)
    return api_error(r, err);
  if (r->body_too_large)
    return api_fail(r, 413, "request body larger than %zu bytes", API_MAX_BODY);
  hutch_debug("API %s %s (v%s)", r->method, r->path, r->version);
  static const struct api_route *const tables[] = {
      hutch_api_system_routes,   hutch_api_container_routes, hutch_api_stream_routes,
      hutch_api_image_io_routes, hutch_api_image_routes,     hutch_api_volume_routes,
      hutch_api_network_routes,  hutch_api_attach_routes,    hutch_api_events_routes,
      hutch_api_top_routes,      hutch_api_stats_routes,     hutch_api_exec_routes,
      hutch_api_archive_routes};
  for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
    for (const struct api_route *rt = tables[i]; rt->method; rt++)
      if (strcmp(rt->method, r->method) == 0 && hutch_api_match(rt->pattern, r->path, r->params))
        return rt->fn(r);
  return api_fail(r, 404, "page not found");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls) {
  struct api_req *r = *con_cls;
  if (!r) {
    r = calloc(1, sizeof(*r));
    if (!r)
      return MHD_NO;
    r->conn = conn;
    r->method = method;
    *con_cls = r;
    return MHD_YES;
  }
  if (*data_size) {
    if (append_body(r, data, *data_size) < 0)
      return MHD_NO;
    *data_size = 0;
    return MHD_YES;
  }
  return dispatch(r, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why) {
  req_free(*con_cls);
  *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode what) {
  if (what == MHD_CONNECTION_NOTIFY_STARTED) {
    atomic_fetch_add(&open_connections, 1);
  } else {
    atomic_store(&last_close, (long long)time(NULL));
    atomic_fetch_sub(&open_connections, 1);
  }
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  size_t n = strlen(buf);
  while (n && buf[n - 1] == '\n')
    buf[--n] = '\0';
  hutch_debug("libmicrohttpd: %s", buf);
}

/* SIGINT/SIGTERM end the service; the idle check runs every second. */
static void serve_loop(int idle_seconds) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  struct timespec tick = {1, 0};
  for (;;) {
    int sig = sigtimedwait(&set, NULL, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      hutch_debug("signal %d: stopping the service", sig);
      return;
    }
    if (idle_seconds > 0 && atomic_load(&open_connections) == 0 &&
        time(NULL) - atomic_load(&last_close) >= idle_seconds) {
      hutch_debug("idle for %d s: stopping the service", idle_seconds);
      return;
    }
  }
}

int hutch_api_serve(const struct hutch_api_opts *o, struct hutch_error **err) {
  const char *run_root = getenv("HUTCH_RUN_ROOT");
  _cleanup_free_ char *def = NULL;
  if (asprintf(&def, "%s/hutch.sock", run_root && *run_root ? run_root : "/run/hutch") < 0)
    return hutch_error_set(err, ENOMEM, "service");
  _cleanup_free_ char *unix_path = NULL;
  int fd = hutch_api_listen(o->listen, def, o->group, &unix_path, err);
  if (fd < 0)
    return hutch_error_wrap(err, "API service");
  /* fds we inherited (a test harness's pipes, say) are not ours to hold
   * for as long as we serve */
  if (fd > 3)
    close_range(3, (unsigned)fd - 1, 0);
  close_range((unsigned)fd + 1, ~0U, 0);
  if (hutch_api_spawner_start(err) < 0) {
    close(fd);
    if (unix_path)
      unlink(unix_path);
    return -1;
  }
  /* the threads libmicrohttpd starts inherit this mask: the signals come
   * to serve_loop's sigtimedwait */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  atomic_store(&last_close, (long long)time(NULL));
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_ALLOW_UPGRADE |
          MHD_USE_ERROR_LOG,
      0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
      on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
      MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
  if (!d) {
    hutch_api_spawner_stop();
    close(fd);
    if (unix_path)
      unlink(unix_path);
    return hutch_error_set(err, EIO, "API service: libmicrohttpd failed to start");
  }
  serve_loop(o->idle_seconds);
  atomic_store(&stopping, true);
  MHD_quiesce_daemon(d);
  if (unix_path)
    unlink(unix_path);
  MHD_stop_daemon(d);
  hutch_api_spawner_stop();
  close(fd);
  return 0;
}
