/* Named and anonymous volumes: <root>/volumes/<name>/_data, with a small
 * meta.json (created time, anonymous or not). A volume is in use while a
 * container record lists it in Mounts. */
#include "engine.h"
#include "statedb.h"

#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool valid_name(const char *n) {
  if (!isalnum((unsigned char)n[0]))
    return false;
  for (const char *p = n; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
      return false;
  return strlen(n) < 256;
}

int hutch_volume_create(struct hutch_engine *e, const char *name, bool anonymous, json_t *labels,
                        char **name_out, char **mountpoint, struct hutch_error **err) {
  char gen[65];
  if (!name) {
    if (hutch_ctr_new_id(gen) < 0)
      return hutch_error_set(err, EIO, "volume name");
    name = gen;
  } else if (!valid_name(name)) {
    return hutch_error_set(err, EINVAL,
                           "invalid volume name %s: only [a-zA-Z0-9][a-zA-Z0-9_.-] allowed", name);
  }
  _cleanup_free_ char *dir = NULL, *data = NULL;
  if (asprintf(&dir, "%s/%s", e->volumes_dir, name) < 0 || asprintf(&data, "%s/_data", dir) < 0)
    return hutch_error_set(err, ENOMEM, "volume");
  bool existed = hutch_path_exists(data);
  int r = hutch_mkdir_p(data, 0755);
  if (r < 0)
    return hutch_error_set(err, r, "create volume %s", name);
  if (!existed) {
    _cleanup_json_ json_t *meta =
        json_pack("{s:s, s:b}", "CreatedAt", hutch_now_rfc3339(), "Anonymous", anonymous);
    if (meta && labels)
      json_object_set(meta, "Labels", labels);
    _cleanup_free_ char *text = json_dumps(meta, 0);
    _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || hutch_write_file_atomic(dfd, "meta.json", text, strlen(text), 0600) < 0)
      return hutch_error_set(err, errno, "volume %s: write meta.json", name);
    hutch_engine_event(e, "volume", "create", name, "driver", "local", NULL);
  }
  if (name_out)
    *name_out = strdup(name);
  if (mountpoint)
    *mountpoint = TAKE_PTR(data);
  return 0;
}

int hutch_volume_users(struct hutch_engine *e, const char *name, char ***ids,
                       struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  hutch_ctr_reap(e);
  if (hutch_engine_prepare(
          e,
          "SELECT DISTINCT g.id FROM container_configs g, json_each(g.config, '$.Mounts') m "
          "WHERE json_extract(m.value, '$.Name') = ?1",
          &db, &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
  _cleanup_strv_ char **out = calloc(1, sizeof(char *));
  int rc;
  while (out && (rc = sqlite3_step(q)) == SQLITE_ROW)
    hutch_strv_push(&out, (const char *)sqlite3_column_text(q, 0));
  if (!out)
    return hutch_error_set(err, ENOMEM, "volume users");
  if (rc != SQLITE_DONE)
    return hutch_db_error(db, err, "volume users");
  *ids = TAKE_PTR(out);
  return 0;
}

int hutch_volume_remove(struct hutch_engine *e, const char *name, bool force,
                        struct hutch_error **err) {
  _cleanup_free_ char *dir = NULL;
  if (!valid_name(name) || asprintf(&dir, "%s/%s", e->volumes_dir, name) < 0)
    return hutch_error_set(err, EINVAL, "invalid volume name %s", name);
  if (!hutch_path_exists(dir))
    return hutch_error_say(err, ENOENT, "no such volume: %s", name);
  _cleanup_strv_ char **users = NULL;
  if (!force && hutch_volume_users(e, name, &users, err) < 0)
    return -1;
  if (users && users[0])
    return hutch_error_say(err, EBUSY, "remove %s: volume is in use - [%s]", name, users[0]);
  int r = hutch_rm_rf(dir);
  if (r < 0)
    return hutch_error_set(err, r, "remove volume %s", name);
  hutch_engine_event(e, "volume", "destroy", name, "driver", "local", NULL);
  return 0;
}

int hutch_volume_list(struct hutch_engine *e, char ***names, struct hutch_error **err) {
  _cleanup_closedir_ DIR *d = opendir(e->volumes_dir);
  if (!d)
    return hutch_error_set(err, errno, "open %s", e->volumes_dir);
  char **out = calloc(1, sizeof(char *));
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.' && valid_name(de->d_name))
      hutch_strv_push(&out, de->d_name);
  /* sorted, as docker lists them */
  size_t n = hutch_strv_len(out);
  for (size_t i = 1; i < n; i++)
    for (size_t k = i; k > 0 && strcmp(out[k - 1], out[k]) > 0; k--) {
      char *t = out[k];
      out[k] = out[k - 1];
      out[k - 1] = t;
    }
  *names = out;
  return 0;
}

json_t *hutch_volume_inspect(struct hutch_engine *e, const char *name, struct hutch_error **err) {
  char p[4096];
  snprintf(p, sizeof(p), "%s/%s/meta.json", e->volumes_dir, name);
  if (!valid_name(name) || !hutch_path_exists(p)) {
    hutch_error_say(err, ENOENT, "no such volume: %s", name);
    return NULL;
  }
  _cleanup_json_ json_t *meta = json_load_file(p, 0, NULL);
  snprintf(p, sizeof(p), "%s/%s/_data", e->volumes_dir, name);
  json_t *labels = json_object(), *kept = json_object_get(meta, "Labels");
  if (json_is_object(kept))
    json_object_update(labels, kept);
  if (json_is_true(json_object_get(meta, "Anonymous")))
    json_object_set_new(labels, "com.docker.volume.anonymous", json_string(""));
  return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:{}}", "CreatedAt",
                   json_string_value(json_object_get(meta, "CreatedAt")) ?: "", "Driver", "local",
                   "Name", name, "Mountpoint", p, "Labels", labels, "Scope", "local", "Options");
}
