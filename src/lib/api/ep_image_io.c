/* docker save and load: GET /images/get?names=… and /images/{name}/get
 * (a docker-archive tar of the images, hutch_image_save, what `hutch
 * save` runs), POST /images/load (hutch_image_load, what `hutch load`
 * runs). The tars go through a memfd, so that a missing image is a 404
 * before the reply starts and the load reads a file; an image's size of
 * memory is held meanwhile. */
#include "api_int.h"

#include "image/image_archive.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static ssize_t file_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  return api_pipe_read((int)(intptr_t)cls, buf, max);
}

static void file_done(void *cls) {
  close((int)(intptr_t)cls);
}

static enum MHD_Result names_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value) {
  (void)kind;
  if (key && value && strcmp(key, "names") == 0 && *value)
    hutch_strv_push(cls, value);
  return MHD_YES;
}

static enum MHD_Result save(struct api_req *r, char **names) {
  struct hutch_error *err = NULL;
  struct hutch_store *s = api_store(r, &err);
  if (!s)
    return api_error(r, err);
  if (!names || !names[0])
    return api_fail(r, 400, "names: an image is required");
  int fd = memfd_create("hutch-save", MFD_CLOEXEC);
  if (fd < 0)
    return api_fail(r, 500, "save: memfd: %s", strerror(errno));
  if (hutch_image_save(s, names, hutch_strv_len(names), HUTCH_ARCHIVE_DOCKER, fd, &err) < 0 ||
      lseek(fd, 0, SEEK_SET) < 0) {
    close(fd);
    return err ? api_error(r, err) : api_fail(r, 500, "save: %s", strerror(errno));
  }
  return api_stream(r, 200, "application/x-tar", file_read, (void *)(intptr_t)fd, file_done);
}

static enum MHD_Result images_get(struct api_req *r) {
  _cleanup_strv_ char **names = NULL;
  MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, names_cb, &names);
  return save(r, names);
}

static enum MHD_Result image_get(struct api_req *r) {
  char *names[] = {r->params[0], NULL};
  return save(r, names);
}

static enum MHD_Result images_load(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_store *s = api_store(r, &err);
  if (!s)
    return api_error(r, err);
  _cleanup_close_ int fd = memfd_create("hutch-load", MFD_CLOEXEC);
  if (fd < 0 || api_send_all(fd, r->body ? r->body : "", r->body_len) < 0 ||
      lseek(fd, 0, SEEK_SET) < 0)
    return api_fail(r, 500, "load: memfd: %s", strerror(errno));
  _cleanup_strv_ char **loaded = NULL;
  if (hutch_image_load(s, fd, &loaded, &err) < 0) {
    unsigned status = hutch_api_status_for(err);
    _cleanup_free_ char *text = hutch_error_text(err);
    hutch_error_free(err);
    return api_fail(r, status == 404 ? 400 : status, "%s", text ? text : "load failed");
  }
  /* docker's progress lines: {"stream": "Loaded image: NAME\n"} */
  _cleanup_free_ char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  for (size_t i = 0; f && loaded && loaded[i]; i++) {
    _cleanup_free_ char *line = NULL;
    json_t *j = json_pack("{s:s+}", "stream", loaded[i], "\n");
    line = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (line)
      fprintf(f, "%s\r\n", line);
  }
  if (!f || fclose(f) != 0)
    return api_fail(r, 500, "out of memory");
  return api_text(r, 200, "application/json", out);
}

const struct api_route hutch_api_image_io_routes[] = {
    {"GET", "/images/get", images_get},
    {"GET", "/images/{*}/get", image_get},
    {"POST", "/images/load", images_load},
    {NULL, NULL, NULL},
};
