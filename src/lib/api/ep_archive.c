/* Files out of containers: GET /containers/{id}/export (docker export),
 * the container's rootfs as a tar, made by the engine's hutch_ctr_export
 * (what `hutch export` runs) in a runner the spawner forks (a stopped
 * container's view needs a mount namespace of its own, and the service's
 * threads must not fork), streamed from a pipe. */
#include "api_int.h"
#include "spawner.h"

#include "util/cleanup.h"

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

const struct api_route hutch_api_archive_routes[] = {
    {"GET", "/containers/{}/export", ctr_export},
    {NULL, NULL, NULL},
};
