/* /containers/…: list, inspect, start, stop, kill, restart, wait,
 * delete, rename, pause, unpause. Each a thin adapter over the engine
 * (engine.h); the create body's mapping is create_map.c, logs and attach
 * are ep_attach.c. */
#include "engine/ctr_runtime.h"
#include "api_int.h"
#include "map.h"
#include "spawner.h"

#include "engine/events.h"
#include "engine/netflags.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Open the container of the path's first parameter; NULL with the reply
 * queued in *res. */
static struct hutch_ctr *open_ctr(struct api_req *r, bool lock, enum MHD_Result *res) {
  struct hutch_error *err = NULL;
  struct hutch_ctr *c = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  if (!e || hutch_ctr_open(e, r->params[0], lock, &c, &err) < 0) {
    *res = api_error(r, err);
    return NULL;
  }
  return c;
}

/* The same, for what only a running container takes: 409 otherwise. */
static struct hutch_ctr *open_running(struct api_req *r, enum MHD_Result *res) {
  struct hutch_ctr *c = open_ctr(r, false, res);
  if (c && !hutch_ctr_running(c)) {
    *res = api_fail(r, 409, "Container %s is not running", r->params[0]);
    hutch_ctr_free(c);
    return NULL;
  }
  return c;
}

static enum MHD_Result ctr_list(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_api_filters f = {0};
  struct hutch_engine *e = api_engine(r, &err);
  struct hutch_ctr **v = NULL;
  size_t n = 0;
  int64_t limit;
  if (!e || hutch_api_filters_parse(api_query(r, "filters"), &f, &err) < 0 ||
      hutch_api_int(api_query(r, "limit"), -1, &limit) < 0 ||
      hutch_ctr_list_all(e, true, &v, &n, &err) < 0) {
    hutch_api_filters_clear(&f);
    return err ? api_error(r, err) : api_fail(r, 400, "invalid limit");
  }
  bool all = api_query_bool(r, "all") || hutch_api_filters_get(&f, "status");
  json_t *out = json_array();
  for (size_t i = 0; i < n && (limit < 0 || (int64_t)json_array_size(out) < limit); i++) {
    if (!all && !hutch_ctr_running(v[i]))
      continue;
    if (!hutch_api_ctr_matches(e, v[i], &f))
      continue;
    json_array_append_new(out, hutch_api_ctr_summary(e, v[i]));
  }
  hutch_ctr_list_free(v, n);
  hutch_api_filters_clear(&f);
  return api_json(r, 200, out);
}

static enum MHD_Result ctr_inspect(struct api_req *r) {
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_ctr(r, false, &res);
  if (!c)
    return res;
  json_t *j = hutch_ctr_inspect(r->e, c);
  return j ? api_json(r, 200, j) : api_fail(r, 500, "inspect %s: out of memory", r->params[0]);
}

static enum MHD_Result ctr_start(struct api_req *r) {
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_ctr(r, true, &res);
  if (!c)
    return res;
  if (hutch_ctr_running(c))
    return api_empty(r, 304);
  struct hutch_error *err = NULL;
  hutch_ctr_unlock(c); /* the spawner takes it */
  if (hutch_api_spawner_start_ctr(c->id, &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

static int stop_timeout(struct api_req *r, int *t) {
  int64_t v;
  const char *s = api_query(r, "t") ?: api_query(r, "timeout");
  if (hutch_api_int(s, -1, &v) < 0 || v < -1 || v > 86400)
    return -EINVAL;
  *t = (int)v;
  return 0;
}

/* The container and ?t= of stop and restart; NULL with the reply queued. */
static struct hutch_ctr *open_stop(struct api_req *r, int *t, enum MHD_Result *res) {
  if (stop_timeout(r, t) < 0) {
    *res = api_fail(r, 400, "invalid stop timeout '%s'", api_query(r, "t"));
    return NULL;
  }
  return open_ctr(r, false, res);
}

static enum MHD_Result ctr_stop(struct api_req *r) {
  int t;
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_stop(r, &t, &res);
  if (!c)
    return res;
  if (!hutch_ctr_running(c))
    return api_empty(r, 304);
  struct hutch_error *err = NULL;
  if (hutch_ctr_stop(r->e, c, t, &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

static enum MHD_Result ctr_restart(struct api_req *r) {
  int t;
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_stop(r, &t, &res);
  if (!c)
    return res;
  struct hutch_error *err = NULL;
  if ((hutch_ctr_running(c) && hutch_ctr_stop(r->e, c, t, &err) < 0) ||
      hutch_api_spawner_start_ctr(c->id, &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

static enum MHD_Result ctr_kill(struct api_req *r) {
  const char *s = api_query(r, "signal");
  int sig = s && *s ? hutch_parse_signal(s) : SIGKILL;
  if (sig < 0)
    return api_fail(r, 400, "invalid signal: %s", s);
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_running(r, &res);
  if (!c)
    return res;
  struct hutch_error *err = NULL;
  if (hutch_ctr_kill(r->e, c, sig, &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

static enum MHD_Result ctr_delete(struct api_req *r) {
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_ctr(r, true, &res);
  if (!c)
    return res;
  bool force = api_query_bool(r, "force");
  if (!force && hutch_ctr_running(c))
    return api_fail(r, 409,
                    "You cannot remove a running container %s. Stop the container before "
                    "attempting removal or force remove",
                    c->id);
  struct hutch_error *err = NULL;
  if (hutch_ctr_remove(r->e, c, force, api_query_bool(r, "v"), &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

static enum MHD_Result ctr_rename(struct api_req *r) {
  const char *name = api_query(r, "name");
  if (!name || !*name)
    return api_fail(r, 400, "missing name");
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_ctr(r, true, &res);
  if (!c)
    return res;
  struct hutch_error *err = NULL;
  if (hutch_ctr_rename(r->e, c, name, &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

static enum MHD_Result pause_or_resume(struct api_req *r, bool pause) {
  enum MHD_Result res;
  _cleanup_ctr_ struct hutch_ctr *c = open_running(r, &res);
  if (!c)
    return res;
  struct hutch_error *err = NULL;
  int rc = pause ? hutch_rt_pause(r->e, c->cfg.runtime_path, c->id, &err)
                 : hutch_rt_resume(r->e, c->cfg.runtime_path, c->id, &err);
  return rc < 0 ? api_error(r, err) : api_empty(r, 204);
}

static enum MHD_Result ctr_pause(struct api_req *r) {
  return pause_or_resume(r, true);
}

static enum MHD_Result ctr_unpause(struct api_req *r) {
  return pause_or_resume(r, false);
}

/* POST /containers/{id}/wait: the headers go at once (docker's client
 * starts the container only once they came), the body when the
 * container reached the condition: "not-running" (the default) at once
 * for a stopped container, "next-exit" at its next stop, "removed" at
 * its removal (docker run --rm). Polled from its record; for a
 * container removed between two polls, the exit code is its "die" event
 * in the journal. */
struct waiter {
  struct MHD_Connection *conn;
  struct hutch_engine *e;
  struct hutch_ctr *c;
  bool next, removed, sent;
  char finished0[40];
  int code;
  int64_t since_ns; /* when the wait began */
};

struct die_seek {
  const char *id;
  int code;
  bool found;
};

static int on_event(const struct hutch_event *ev, void *ud) {
  struct die_seek *d = ud;
  const char *code = hutch_event_attr(ev, "exitCode");
  if (strcmp(ev->type, "container") == 0 && strcmp(ev->action, "die") == 0 &&
      strcmp(ev->id, d->id) == 0 && code) {
    d->code = atoi(code);
    d->found = true;
  }
  return 0;
}

/* The exit code of the container's last "die" since the wait began. */
static void exit_code_from_journal(struct waiter *w) {
  struct die_seek d = {.id = w->c->id};
  if (hutch_events_walk(w->e->root, w->since_ns, -1, false, on_event, &d, NULL) == 0 && d.found)
    w->code = d.code;
}

static void waiter_free(void *cls) {
  struct waiter *w = cls;
  hutch_ctr_free(w->c);
  hutch_engine_free(w->e);
  free(w);
}

static ssize_t waiter_reply(struct waiter *w, char *buf, size_t max, const char *error) {
  w->sent = true;
  int n = error ? snprintf(buf, max, "{\"StatusCode\":%d,\"Error\":{\"Message\":\"%s\"}}\n",
                           w->code, error)
                : snprintf(buf, max, "{\"StatusCode\":%d,\"Error\":null}\n", w->code);
  return n > 0 && (size_t)n < max ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static ssize_t waiter_read(void *cls, uint64_t pos, char *buf, size_t max) {
  struct waiter *w = cls;
  if (w->sent)
    return MHD_CONTENT_READER_END_OF_STREAM;
  for (;;) {
    struct hutch_ctr *c = w->c;
    bool running = hutch_ctr_running(c) || c->st.restarting || hutch_ctr_exit_pending(c);
    if (!running)
      w->code = c->st.exit_code;
    if (!running && !w->removed && (!w->next || strcmp(w->finished0, c->st.finished_at) != 0))
      return waiter_reply(w, buf, max, NULL);
    if (api_stopping() || api_peer_gone(w->conn))
      return MHD_CONTENT_READER_END_WITH_ERROR;
    usleep(20000);
    if (hutch_ctr_reload(c, NULL) < 0) {
      exit_code_from_journal(w);
      return waiter_reply(w, buf, max, w->removed ? NULL : "container removed");
    }
  }
}

static enum MHD_Result ctr_wait(struct api_req *r) {
  const char *cond = api_query(r, "condition");
  if (cond && *cond && strcmp(cond, "not-running") != 0 && strcmp(cond, "next-exit") != 0 &&
      strcmp(cond, "removed") != 0)
    return api_fail(r, 400, "invalid condition: \"%s\"", cond);
  struct hutch_error *err = NULL;
  struct waiter *w = calloc(1, sizeof(*w));
  if (!w)
    return MHD_NO;
  /* its own engine: the request's goes when the handler returns */
  if (hutch_engine_open(&w->e, &err) < 0 ||
      hutch_ctr_open(w->e, r->params[0], false, &w->c, &err) < 0) {
    waiter_free(w);
    return api_error(r, err);
  }
  w->conn = r->conn;
  w->removed = cond && strcmp(cond, "removed") == 0;
  /* a running container has stopped once its monitor recorded the exit
   * (finish time changed), not already when its pid is gone */
  w->next = w->removed || (cond && strcmp(cond, "next-exit") == 0) || hutch_ctr_running(w->c) ||
            hutch_ctr_exit_pending(w->c);
  snprintf(w->finished0, sizeof(w->finished0), "%s", w->c->st.finished_at);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  w->since_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
  return api_stream(r, 200, "application/json", waiter_read, w, waiter_free);
}

static enum MHD_Result ctr_create(struct api_req *r) {
  struct hutch_error *err = NULL;
  _cleanup_json_ json_t *body = api_body_json(r, &err);
  struct hutch_run_opts o = {.stop_timeout = -1};
  const char *image = body ? json_string_value(json_object_get(body, "Image")) : NULL;
  if (body && !image)
    hutch_error_say(&err, EINVAL, "Config.Image: an image is required");
  struct hutch_engine *e = body && image ? api_engine(r, &err) : NULL;
  struct hutch_store *s = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  int rc = !e || hutch_api_create_opts(body, api_query(r, "name"), &o, &err) < 0 ||
                   hutch_engine_net_validate(&o, &err) < 0 || hutch_engine_store(e, &s, &err) < 0
               ? -1
               : 0;
  if (rc == 0 && hutch_image_lookup(s, image, &img, NULL) < 0)
    rc = hutch_error_say(&err, ENOENT, "No such image: %s", image);
  if (rc == 0)
    rc = hutch_ctr_create(e, image, img, &o, &c, &err);
  hutch_run_opts_clear(&o);
  if (rc < 0)
    return api_error(r, err);
  return api_json(r, 201, json_pack("{s:s,s:[]}", "Id", c->id, "Warnings"));
}

const struct api_route hutch_api_container_routes[] = {
    {"GET", "/containers/json", ctr_list},
    {"POST", "/containers/create", ctr_create},
    {"GET", "/containers/{}/json", ctr_inspect},
    {"POST", "/containers/{}/start", ctr_start},
    {"POST", "/containers/{}/stop", ctr_stop},
    {"POST", "/containers/{}/restart", ctr_restart},
    {"POST", "/containers/{}/kill", ctr_kill},
    {"POST", "/containers/{}/wait", ctr_wait},
    {"POST", "/containers/{}/rename", ctr_rename},
    {"POST", "/containers/{}/pause", ctr_pause},
    {"POST", "/containers/{}/unpause", ctr_unpause},
    {"DELETE", "/containers/{}", ctr_delete},
    {NULL, NULL, NULL},
};
