/* GET /events: the engine's journal (engine/events.h, what `hutch events`
 * reads) as docker's stream of JSON messages. since/until are unix
 * times (the docker CLI turns "10m" into one); filters as docker's.
 * Without until the stream follows new events until the client goes. A
 * thread of its own walks the journal and writes the lines to a pipe the
 * response reads. */
#include "api_int.h"

#include "engine/events.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ev_stream {
  char *root;
  struct MHD_Connection *conn;
  int64_t since, until;
  bool follow;
  struct hutch_event_filter f;
  int wfd, rfd;
  atomic_bool cancel;
  pthread_t th;
};

static void ev_stream_free(struct ev_stream *s) {
  free(s->root);
  hutch_event_filter_clear(&s->f);
  free(s);
}

static int push_event(const struct hutch_event *ev, void *ud) {
  struct ev_stream *s = ud;
  if (atomic_load(&s->cancel))
    return 1;
  if (!hutch_event_match(&s->f, ev))
    return 0;
  _cleanup_json_ json_t *j = hutch_event_json(ev);
  _cleanup_free_ char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (!line)
    return 1;
  return api_send_all(s->wfd, line, strlen(line)) < 0 || api_send_all(s->wfd, "\n", 1) < 0;
}

static bool ev_cancelled(void *ud) {
  struct ev_stream *s = ud;
  return atomic_load(&s->cancel) || api_stopping() || api_peer_gone(s->conn);
}

static void *events_thread(void *arg) {
  struct ev_stream *s = arg;
  struct hutch_error *err = NULL;
  hutch_events_walk_cancellable(s->root, s->since, s->until, s->follow, push_event, ev_cancelled, s,
                                &err);
  hutch_error_free(err);
  close(s->wfd);
  return NULL;
}

static ssize_t events_read(void *cls, uint64_t pos, char *buf, size_t max) {
  struct ev_stream *s = cls;
  return api_pipe_read(s->rfd, buf, max);
}

static void events_done(void *cls) {
  struct ev_stream *s = cls;
  atomic_store(&s->cancel, true);
  close(s->rfd); /* the writer's next write fails */
  pthread_join(s->th, NULL);
  ev_stream_free(s);
}

/* since/until and filters into s; 400 with *err when malformed. */
static int parse_query(struct api_req *r, struct ev_stream *s, struct hutch_error **err) {
  const char *since = api_query(r, "since"), *until = api_query(r, "until");
  s->since = s->until = -1;
  if (since && *since && hutch_api_timestamp_ns(since, &s->since) < 0)
    return hutch_error_say(err, EINVAL, "invalid since '%s'", since);
  if (until && *until && hutch_api_timestamp_ns(until, &s->until) < 0)
    return hutch_error_say(err, EINVAL, "invalid until '%s'", until);
  if (s->until >= 0 && s->since < 0)
    s->since = 0; /* until alone: the past up to it */
  s->follow = true;
  struct hutch_api_filters flt;
  if (hutch_api_filters_parse(api_query(r, "filters"), &flt, err) < 0)
    return -1;
  int rc = 0;
  for (size_t i = 0; i < flt.n && rc == 0; i++)
    for (char **v = flt.v[i].values; *v && rc == 0; v++) {
      _cleanup_free_ char *kv = NULL;
      if (asprintf(&kv, "%s=%s", flt.v[i].key, *v) < 0)
        rc = hutch_error_set(err, ENOMEM, "filters");
      else
        rc = hutch_event_filter_add(&s->f, kv, err);
    }
  hutch_api_filters_clear(&flt);
  return rc;
}

static enum MHD_Result events(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  if (!e)
    return api_error(r, err);
  struct ev_stream *s = calloc(1, sizeof(*s));
  if (!s || !(s->root = strdup(e->root))) {
    free(s);
    return api_fail(r, 500, "out of memory");
  }
  s->conn = r->conn;
  if (parse_query(r, s, &err) < 0) {
    ev_stream_free(s);
    return api_error(r, err);
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    ev_stream_free(s);
    return api_fail(r, 500, "pipe: %s", strerror(errno));
  }
  s->rfd = p[0];
  s->wfd = p[1];
  if (pthread_create(&s->th, NULL, events_thread, s) != 0) {
    close(p[0]);
    close(p[1]);
    ev_stream_free(s);
    return api_fail(r, 500, "cannot start the events thread");
  }
  return api_stream(r, 200, "application/json", events_read, s, events_done);
}

const struct api_route hutch_api_events_routes[] = {
    {"GET", "/events", events},
    {NULL, NULL, NULL},
};
