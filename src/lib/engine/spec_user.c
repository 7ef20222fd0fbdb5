/* Users and groups of a container's process: --user and --group-add
 * resolved against the image's /etc/passwd and /etc/group text, as runc's
 * GetExecUser and docker's additional groups do. */
#include "spec_gen.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- users ---- */

int hutch_read_user_db(const char *rootfs, const char *path, char **out, struct hutch_error **err) {
  *out = NULL;
  _cleanup_close_ int rfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return hutch_error_set(err, errno, "open %s", rootfs);
  int r = hutch_read_regular_in_root(rfd, path, HUTCH_USER_DB_MAX, out, NULL);
  hutch_debug("read %s in the container: %d", path, r);
  if (r == -ENOENT || r == -ENOTDIR)
    return 0;
  if (r == -EINVAL || r == -EISDIR)
    return hutch_error_set(err, 0, "%s in the container is not a regular file", path);
  if (r == -EFBIG)
    return hutch_error_set(err, 0, "%s in the container is larger than %zu MiB", path,
                           HUTCH_USER_DB_MAX >> 20);
  if (r < 0)
    return hutch_error_set(err, r, "read %s in the container", path);
  return 0;
}

void hutch_user_clear(struct hutch_user *u) {
  free(u->additional_gids);
  free(u->home);
  memset(u, 0, sizeof(*u));
}

static bool parse_id(const char *s, uint32_t *out) {
  int64_t v;
  if (hutch_parse_int64(s, 0, UINT32_MAX - 1, &v) < 0)
    return false;
  *out = (uint32_t)v;
  return true;
}

/* The next line of *p (a new string; NULL on ENOMEM), *p moved past it. */
static char *next_line(const char **p) {
  const char *nl = strchr(*p, '\n');
  size_t len = nl ? (size_t)(nl - *p) : strlen(*p);
  char *line = strndup(*p, len);
  *p = nl ? nl + 1 : *p + len;
  return line;
}

/* Split line at ':' into up to max fields (in place); how many. */
static size_t split_fields(char *line, char **f, size_t max) {
  size_t n = 0;
  char *s = line;
  while (n < max) {
    f[n++] = s;
    char *c = strchr(s, ':');
    if (!c)
      break;
    *c = '\0';
    s = c + 1;
  }
  return n;
}

/* Call fn for each line's colon-separated fields (up to 7). */
static bool find_entry(const char *text, const char *name, bool by_id, uint32_t id, char *fields[7],
                       size_t nfields) {
  if (text == NULL)
    return false;
  const char *p = text;
  while (*p) {
    _cleanup_free_ char *line = next_line(&p);
    char *f[7] = {0};
    size_t n = line ? split_fields(line, f, nfields) : 0;
    if (n < 3 || line[0] == '#')
      continue;
    uint32_t fid;
    bool match = by_id ? (parse_id(f[2], &fid) && fid == id) : strcmp(f[0], name) == 0;
    if (!match)
      continue;
    for (size_t i = 0; i < nfields; i++)
      fields[i] = i < n ? strdup(f[i]) : strdup("");
    return true;
  }
  return false;
}

static void free_fields(char *f[7]) {
  for (size_t i = 0; i < 7; i++) {
    free(f[i]);
    f[i] = NULL;
  }
}

int hutch_resolve_user(const char *spec, const char *passwd, const char *group,
                       struct hutch_user *out, struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  _cleanup_free_ char *copy = strdup(spec ? spec : "");
  char *grp = strchr(copy, ':');
  if (grp)
    *grp++ = '\0';
  const char *usr = copy;
  char *pw[7] = {0};
  bool found = false;
  uint32_t id;
  if (*usr == '\0') {
    found = find_entry(passwd, NULL, true, 0, pw, 7);
  } else if (parse_id(usr, &id)) {
    out->uid = id;
    found = find_entry(passwd, NULL, true, id, pw, 7);
  } else {
    found = find_entry(passwd, usr, false, 0, pw, 7);
    if (!found)
      return hutch_error_set(err, ENOENT,
                             "unable to find user %s: no matching entries in passwd file", usr);
  }
  if (found) {
    parse_id(pw[2], &out->uid);
    parse_id(pw[3], &out->gid);
    out->home = strdup(pw[5] && *pw[5] ? pw[5] : "/");
  } else {
    out->home = strdup("/");
  }
  if (grp && *grp) {
    char *gr[7] = {0};
    if (parse_id(grp, &id)) {
      out->gid = id;
    } else if (find_entry(group, grp, false, 0, gr, 4)) {
      parse_id(gr[2], &out->gid);
      free_fields(gr);
    } else {
      free_fields(pw);
      hutch_user_clear(out);
      return hutch_error_set(err, ENOENT,
                             "unable to find group %s: no matching entries in group file", grp);
    }
  }
  /* Supplementary groups: every group that lists the user by name. */
  if (found && group) {
    const char *p = group;
    while (*p) {
      _cleanup_free_ char *line = next_line(&p);
      char *f[4] = {0};
      size_t n = line ? split_fields(line, f, 4) : 0;
      if (n < 4 || !parse_id(f[2], &id))
        continue;
      char *save = NULL;
      for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        if (strcmp(m, pw[0]) != 0)
          continue;
        uint32_t *g = realloc(out->additional_gids, (out->n_additional_gids + 1) * sizeof(*g));
        if (g) {
          out->additional_gids = g;
          g[out->n_additional_gids++] = id;
        }
        break;
      }
    }
  }
  free_fields(pw);
  return 0;
}

int hutch_add_groups(char *const *names, const char *group, struct hutch_user *u,
                     struct hutch_error **err) {
  for (char *const *n = names; n && *n; n++) {
    uint32_t id = 0;
    char *gr[7] = {0};
    if (!parse_id(*n, &id)) {
      if (!find_entry(group, *n, false, 0, gr, 4))
        return hutch_error_say(err, ENOENT, "Unable to find group %s", *n);
      parse_id(gr[2], &id);
      free_fields(gr);
    }
    bool have = false;
    for (size_t i = 0; i < u->n_additional_gids; i++)
      have |= u->additional_gids[i] == id;
    if (have)
      continue;
    uint32_t *g = realloc(u->additional_gids, (u->n_additional_gids + 1) * sizeof(*g));
    if (!g)
      return hutch_error_set(err, ENOMEM, "--group-add");
    u->additional_gids = g;
    g[u->n_additional_gids++] = id;
  }
  return 0;
}
