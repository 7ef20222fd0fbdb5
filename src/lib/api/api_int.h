/* Inside the API service: a request as the endpoints see it, the replies
 * they can give, and the route table (routes.c). */
#pragma once

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "route.h"

struct api_req {
  struct MHD_Connection *conn;
  const char *method;
  const char *path; /* without the version prefix */
  char version[16]; /* the API version the client asked for */
  char *params[HUTCH_API_MAX_PARAMS];
  char *body;
  size_t body_len, body_cap;
  bool body_too_large;
  struct hutch_engine *e; /* api_engine() opens it, freed with the request */
  /* one more header for the reply (X-Docker-Container-Path-Stat); the
   * value is freed with the request */
  const char *extra_header;
  char *extra_value;
};

typedef enum MHD_Result (*api_fn)(struct api_req *r);
struct api_route {
  const char *method, *pattern;
  api_fn fn;
};
/* The route tables, one per file of endpoints, each ending with a NULL
 * method; server.c consults them in order. */
extern const struct api_route hutch_api_system_routes[], hutch_api_container_routes[],
    hutch_api_stream_routes[], hutch_api_image_routes[], hutch_api_volume_routes[],
    hutch_api_network_routes[], hutch_api_attach_routes[], hutch_api_events_routes[],
    hutch_api_top_routes[], hutch_api_stats_routes[], hutch_api_exec_routes[],
    hutch_api_archive_routes[], hutch_api_image_io_routes[];

/* Pure parts of the endpoints, for the unit tests. ps's output as docker's
 * top reply {Titles, Processes} (text is cut up), only the rows of pids
 * when there is a PID column; NULL when empty. */
json_t *hutch_api_top_parse(char *text, const pid_t *pids, size_t n);
struct hutch_stats_sample;
/* docker's StatsJSON over two samples (precpu_stats from prev). */
json_t *hutch_api_stats_json(const struct hutch_ctr *c, const char *read, const char *preread,
                             const struct hutch_stats_sample *prev,
                             const struct hutch_stats_sample *cur);

/* The service is stopping: long streams end. */
bool api_stopping(void);

/* The client closed the connection (checked without consuming input:
 * for streams whose request body has been read). */
bool api_peer_gone(struct MHD_Connection *conn);

/* All of len to fd (a socket, without SIGPIPE, or a pipe): 0, or -EPIPE
 * when the reader is gone. */
int api_send_all(int fd, const void *buf, size_t len);
/* A stream's content reader over a pipe a thread writes: the next bytes,
 * MHD's end of stream at EOF, its error on a read error. */
ssize_t api_pipe_read(int fd, char *buf, size_t max);

/* The engine for this request (opened on first use), or NULL with *err. */
struct hutch_engine *api_engine(struct api_req *r, struct hutch_error **err);
/* The engine's image store for this request (ep_images.c), or NULL with
 * *err. */
struct hutch_store *api_store(struct api_req *r, struct hutch_error **err);
/* A query parameter, NULL when absent. */
const char *api_query(struct api_req *r, const char *key);
bool api_query_bool(struct api_req *r, const char *key);
/* A header of the request, NULL when absent. */
const char *api_header(struct api_req *r, const char *key);
/* The body as JSON: NULL with *err (400) when it is not. An empty body is
 * an empty object. */
json_t *api_body_json(struct api_req *r, struct hutch_error **err);
/* j when it is an object of strings (borrowed), NULL when absent or null;
 * else -EINVAL (a 400 naming what). bodyval.c */
int api_string_map(json_t *j, const char *what, json_t **out, struct hutch_error **err);
/* An array of strings pushed onto *v; a boolean; a string (borrowed).
 * Absent or null leaves *out as it is; another type is -EINVAL (400). */
int api_strv(json_t *a, char ***v, const char *what, struct hutch_error **err);
int api_bool_field(json_t *j, const char *what, bool *out, struct hutch_error **err);
int api_str_field(json_t *j, const char *what, const char **out, struct hutch_error **err);

/* Replies. Each queues a response and returns MHD's result. */
enum MHD_Result api_json(struct api_req *r, unsigned status, json_t *j); /* steals j */
enum MHD_Result api_error(struct api_req *r, struct hutch_error *err);   /* frees err */
enum MHD_Result api_fail(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum MHD_Result api_empty(struct api_req *r, unsigned status);
enum MHD_Result api_text(struct api_req *r, unsigned status, const char *type, const char *text);
/* A streamed body: fn is called (and may block: every connection has its
 * own thread) until it returns MHD_CONTENT_READER_END_OF_STREAM; done
 * frees ud. */
enum MHD_Result api_stream(struct api_req *r, unsigned status, const char *type,
                           MHD_ContentReaderCallback fn, void *ud,
                           MHD_ContentReaderFreeCallback done);
/* A hijacked connection (hijack.c): a 101 with "Upgrade: tcp" and the
 * stream's Content-Type (raw with a tty, docker's multiplexed frames
 * without); run then gets the socket on a thread of its own, with the
 * bytes the client sent after the request, and the connection closes
 * when it returns; done(ud) in every case. */
typedef void (*api_hijack_fn)(void *ud, int sock, const char *extra, size_t extra_len);
enum MHD_Result api_hijack(struct api_req *r, bool tty, api_hijack_fn run, void (*done)(void *ud),
                           void *ud);
/* The headers every reply carries (Api-Version, Server, …). */
void api_common_headers(struct MHD_Response *resp);
