/* hutch __complete cp: paths on both sides of a copy. A word without
 * "NAME:" gets the containers as "NAME:" and the local paths that start
 * with it; "NAME:PATH" gets the paths inside that running container,
 * resolved inside its root filesystem (hutch_open_in_root: a symlink in
 * the container never leads the listing out to the host's directories).
 * Directories end with "/"; the shell adds no blank after a candidate, so
 * the path can go on (cobra's NoSpace). */
#include "complete.h"

#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The entries of dir (an open directory fd, taken) that start with base,
 * emitted after prefix; directories with a "/". */
static void list_dir(int dfd, const char *prefix, const char *base, const char *cur) {
  DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!d) {
    if (dfd >= 0)
      close(dfd);
    return;
  }
  size_t blen = strlen(base);
  for (struct dirent *de; (de = readdir(d));) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (strncmp(de->d_name, base, blen) != 0 || (de->d_name[0] == '.' && base[0] != '.'))
      continue;
    struct stat st;
    bool dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    char cand[512];
    snprintf(cand, sizeof(cand), "%s%s", de->d_name, dir ? "/" : "");
    hutch_complete_emit(prefix, cand, NULL, cur);
  }
  closedir(d);
}

/* "NAME:dir/base": the entries of dir inside the container NAME (a path
 * without a leading "/" is from its root, as docker's cp reads it). */
static void container_paths(const char *cur, const char *colon) {
  _cleanup_free_ char *name = strndup(cur, (size_t)(colon - cur));
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  struct hutch_error *err = NULL;
  if (!name || hutch_engine_open(&e, &err) < 0 || hutch_ctr_open(e, name, false, &c, &err) < 0 ||
      !hutch_ctr_running(c) || !c->cfg.merged_dir) {
    hutch_error_free(err);
    return;
  }
  const char *path = colon + 1, *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  _cleanup_free_ char *dir = strndup(path, (size_t)(base - path));
  _cleanup_free_ char *prefix = strndup(cur, (size_t)(base - cur));
  _cleanup_close_ int root = open(c->cfg.merged_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (!dir || !prefix || root < 0)
    return;
  list_dir(hutch_open_in_root(root, *dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0),
           prefix, base, cur);
}

/* A local path: the entries of its directory that start with its last part. */
static void local_paths(const char *cur) {
  const char *slash = strrchr(cur, '/');
  _cleanup_free_ char *dir = slash ? strndup(cur, (size_t)(slash - cur) + 1) : strdup(".");
  _cleanup_free_ char *prefix = slash ? strndup(cur, (size_t)(slash - cur) + 1) : strdup("");
  if (!dir || !prefix)
    return;
  list_dir(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), prefix, slash ? slash + 1 : cur, cur);
}

void hutch_complete_cp(const char *cur) {
  const char *colon = strchr(cur, ':');
  const char *slash = strchr(cur, '/');
  if (colon && (!slash || colon < slash)) {
    container_paths(cur, colon);
    return;
  }
  hutch_complete_objects(HUTCH_ARG_CONTAINER, "cp", "", cur);
  local_paths(cur);
}
