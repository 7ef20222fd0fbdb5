/* Files out of containers: GET /containers/{id}/export (docker export),
 * the container's rootfs as a tar (hutch_ctr_export, what `hutch export`
 * runs), and HEAD/GET /containers/{id}/archive?path= (docker cp out: the
 * path's stat in X-Docker-Container-Path-Stat, then a tar of it, by
 * hutch_ctr_path_stat and hutch_ctr_copy_out, what `hutch cp` runs: the
 * path resolved inside the container, its symlinks never leading out).
 * Each runs in a runner the spawner forks (a stopped container's view
 * needs a mount namespace of its own, and the service's threads must not
 * fork); tars are streamed from a pipe. */
#include "api_int.h"
#include "spawner.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <openssl/evp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t pipe_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  return api_pipe_read((int)(intptr_t)cls, buf, max);
}

static void pipe_done(void *cls) {
  close((int)(intptr_t)cls);
}

static enum MHD_Result ctr_export(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (!e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0)
    return api_error(r, err);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return api_fail(r, 500, "export: pipe: %s", strerror(errno));
  int rc = hutch_api_spawner_export(c->id, p[1], &err);
  close(p[1]);
  if (rc < 0) {
    close(p[0]);
    return api_error(r, err);
  }
  return api_stream(r, 200, "application/x-tar", pipe_read, (void *)(intptr_t)p[0], pipe_done);
}

/* Go's os.FileMode for a unix st_mode: docker's stat carries it. */
static uint32_t go_mode(uint32_t m) {
  uint32_t g = m & 0777;
  if (S_ISDIR(m))
    g |= 1u << 31;
  else if (S_ISLNK(m))
    g |= 1u << 27;
  else if (S_ISFIFO(m))
    g |= 1u << 25;
  else if (S_ISSOCK(m))
    g |= 1u << 24;
  else if (S_ISBLK(m))
    g |= 1u << 26;
  else if (S_ISCHR(m))
    g |= 1u << 26 | 1u << 21;
  g |= (m & S_ISUID ? 1u << 23 : 0) | (m & S_ISGID ? 1u << 22 : 0) | (m & S_ISVTX ? 1u << 20 : 0);
  return g;
}

/* X-Docker-Container-Path-Stat: base64 of {name, size, mode, mtime,
 * linkTarget}. */
static char *stat_header(const struct hutch_path_stat *st) {
  char mtime[32];
  time_t t = (time_t)st->mtime;
  struct tm tm;
  strftime(mtime, sizeof(mtime), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
  _cleanup_json_ json_t *j =
      json_pack("{s:s, s:I, s:I, s:s, s:s}", "name", st->name, "size", (json_int_t)st->size, "mode",
                (json_int_t)go_mode(st->mode), "mtime", mtime, "linkTarget", st->link_target);
  _cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  size_t n = text ? strlen(text) : 0;
  char *b64 = text ? malloc(4 * ((n + 2) / 3) + 1) : NULL;
  if (b64)
    EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)text, (int)n);
  return b64;
}

/* The stat (and with out >= 0 the tar on out) from a runner; the reply's
 * header set, or an error reply queued in *res. */
static int archive_stat(struct api_req *r, int out, enum MHD_Result *res) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  const char *path = api_query(r, "path");
  if (!path || !*path)
    return *res = api_fail(r, 400, "path: a path is required"), -1;
  if (!e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0)
    return *res = api_error(r, err), -1;
  int st[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0)
    return *res = api_fail(r, 500, "archive: socketpair: %s", strerror(errno)), -1;
  _cleanup_close_ int mine = st[0];
  _cleanup_json_ json_t *q = json_pack("{s:s, s:s}", "ctr", c->id, "path", path);
  _cleanup_free_ char *req = q ? json_dumps(q, JSON_COMPACT) : NULL;
  int fds[2] = {st[1], out};
  int rc = req ? hutch_api_spawner_archive(req, fds, out >= 0 ? 2 : 1, &err)
               : hutch_error_set(&err, ENOMEM, "archive");
  close(st[1]);
  if (rc < 0)
    return *res = api_error(r, err), -1;
  struct hutch_api_stat_msg m;
  if (recv(mine, &m, sizeof(m), 0) != (ssize_t)sizeof(m))
    return *res = api_fail(r, 500, "archive: the runner is gone"), -1;
  if (m.rc < 0 && m.errnum == ENOENT)
    return *res =
               api_fail(r, 404, "Could not find the file %s in container %s", path, r->params[0]),
           -1;
  if (m.rc < 0)
    return *res = api_fail(r, m.errnum == EINVAL ? 400 : 500, "%s", m.msg), -1;
  r->extra_header = "X-Docker-Container-Path-Stat";
  r->extra_value = stat_header(&m.st);
  return 0;
}

static enum MHD_Result archive_head(struct api_req *r) {
  enum MHD_Result res;
  if (archive_stat(r, -1, &res) < 0)
    return res;
  return api_empty(r, 200);
}

static enum MHD_Result archive_get(struct api_req *r) {
  enum MHD_Result res;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return api_fail(r, 500, "archive: pipe: %s", strerror(errno));
  int rc = archive_stat(r, p[1], &res);
  close(p[1]);
  if (rc < 0) {
    close(p[0]);
    return res;
  }
  return api_stream(r, 200, "application/x-tar", pipe_read, (void *)(intptr_t)p[0], pipe_done);
}

/* PUT: the body (a tar) through a pipe to the runner, which extracts it
 * into the directory path. */
static enum MHD_Result archive_put(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  const char *path = api_query(r, "path");
  if (!path || !*path)
    return api_fail(r, 400, "path: a path is required");
  if (!e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0)
    return api_error(r, err);
  int st[2], p[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0)
    return api_fail(r, 500, "archive: socketpair: %s", strerror(errno));
  _cleanup_close_ int mine = st[0];
  if (pipe2(p, O_CLOEXEC) < 0) {
    close(st[1]);
    return api_fail(r, 500, "archive: pipe: %s", strerror(errno));
  }
  _cleanup_close_ int in = p[1];
  _cleanup_json_ json_t *q = json_pack("{s:s, s:s, s:b}", "ctr", c->id, "path", path, "put", 1);
  _cleanup_free_ char *req = q ? json_dumps(q, JSON_COMPACT) : NULL;
  int fds[2] = {st[1], p[0]};
  int rc =
      req ? hutch_api_spawner_archive(req, fds, 2, &err) : hutch_error_set(&err, ENOMEM, "archive");
  close(st[1]);
  close(p[0]);
  if (rc < 0)
    return api_error(r, err);
  api_send_all(in, r->body ? r->body : "", r->body_len); /* EPIPE: the runner says why */
  close(in);
  in = -EBADF;
  struct hutch_api_stat_msg m;
  if (recv(mine, &m, sizeof(m), 0) != (ssize_t)sizeof(m))
    return api_fail(r, 500, "archive: the runner is gone");
  if (m.rc < 0)
    return api_fail(r,
                    m.errnum == ENOENT                          ? 404
                    : m.errnum == ENOTDIR || m.errnum == EINVAL ? 400
                                                                : 500,
                    "%s", m.msg);
  return api_empty(r, 200);
}

const struct api_route hutch_api_archive_routes[] = {
    {"GET", "/containers/{}/export", ctr_export},
    {"HEAD", "/containers/{}/archive", archive_head},
    {"GET", "/containers/{}/archive", archive_get},
    {"PUT", "/containers/{}/archive", archive_put},
    {NULL, NULL, NULL},
};
