/* User namespace id maps, written by the parent for the child. */
#include "userns.h"

#include "procfs.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int hutch_userns_format_map(const struct spec_id_mapping *m, size_t n, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int w =
        snprintf(buf + off, len - off, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
    if (w < 0 || (size_t)w >= len - off)
      return -ENAMETOOLONG;
    off += (size_t)w;
  }
  return (int)off;
}

static int write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
                     struct hutch_error **err) {
  char buf[4096], path[64];
  int len = hutch_userns_format_map(m, n, buf, sizeof(buf));
  if (len < 0)
    return hutch_error_set(err, -len, "%s: too many mappings", file);
  /* Through our own procfs, as every /proc write (see procfs.c). */
  snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
  hutch_debug("write procfs %s: %.*s", path, len > 0 ? len - 1 : 0, buf);
  int r = hutch_procfs_write(path, buf, (size_t)len);
  if (r < 0)
    return hutch_error_set(err, r, "write /proc/%s", path);
  return 0;
}

int hutch_userns_write_maps(pid_t pid, const struct spec_linux *l, struct hutch_error **err) {
  if (l->n_uid_mappings == 0 || l->n_gid_mappings == 0)
    return hutch_error_set(err, EINVAL,
                           "linux.uidMappings/gidMappings: a new user namespace needs both");
  if (write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
    return -1;
  /* Unprivileged, gid_map is written only after setgroups is denied
   * (user_namespaces(7)); runc's rootless mode does the same. */
  char path[64];
  snprintf(path, sizeof(path), "%d/setgroups", (int)pid);
  int r = geteuid() != 0 ? hutch_procfs_write(path, "deny", 4) : 0;
  if (r < 0)
    return hutch_error_set(err, r, "write /proc/%s", path);
  return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}

uid_t hutch_userns_host_id(const struct spec_id_mapping *m, size_t n, uid_t id) {
  for (size_t i = 0; i < n; i++)
    if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
      return m[i].host_id + (id - m[i].container_id);
  return n == 0 ? id : (uid_t)-1;
}
