/* Rootless state locations and detection (rootless.h). */
#include "rootless.h"

#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int join(char *buf, const char *a, const char *b) {
  int w = snprintf(buf, PATH_MAX, "%s%s", a, b);
  return w < 0 || w >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static bool set(const char *s) {
  return s && *s;
}

int hutch_paths_select(bool root, const struct hutch_rootless_env *env, struct hutch_paths *out,
                       struct hutch_error **err) {
  if (root)
    return join(out->data, "/var/lib/hutch", "") | join(out->run, "/run/hutch", "") |
           join(out->config, "/etc/hutch", "");
  int r = 0;
  if (set(env->xdg_data) && env->xdg_data[0] == '/')
    r |= join(out->data, env->xdg_data, "/hutch");
  else if (set(env->home))
    r |= join(out->data, env->home, "/.local/share/hutch");
  else
    return hutch_error_set(err, EINVAL,
                           "rootless storage: neither XDG_DATA_HOME nor HOME is set; set one");
  if (set(env->xdg_config) && env->xdg_config[0] == '/')
    r |= join(out->config, env->xdg_config, "/hutch");
  else if (set(env->home))
    r |= join(out->config, env->home, "/.config/hutch");
  else
    return hutch_error_set(err, EINVAL,
                           "rootless config: neither XDG_CONFIG_HOME nor HOME is set; set one");
  if (!set(env->xdg_runtime) || env->xdg_runtime[0] != '/')
    return hutch_error_set(err, EINVAL,
                           "rootless run state: XDG_RUNTIME_DIR is not set (log in through a "
                           "session that makes /run/user/UID, or export XDG_RUNTIME_DIR to a "
                           "directory only you can write)");
  r |= join(out->run, env->xdg_runtime, "/hutch");
  if (r)
    return hutch_error_set(err, ENAMETOOLONG, "rootless state directories");
  return 0;
}

int hutch_runtime_default_root(char *buf, size_t len, struct hutch_error **err) {
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  int w;
  if (geteuid() == 0 && !hutch_rootless())
    w = snprintf(buf, len, "/run/hutch");
  else if (set(xdg) && xdg[0] == '/')
    w = snprintf(buf, len, "%s/hutch-runtime", xdg);
  else
    return hutch_error_set(err, EINVAL,
                           "rootless: XDG_RUNTIME_DIR is not set; export it or pass --root DIR");
  if (w < 0 || (size_t)w >= len)
    return hutch_error_set(err, ENAMETOOLONG, "state root");
  return 0;
}

bool hutch_rootless(void) {
  return geteuid() != 0 || !hutch_in_initial_userns();
}

bool hutch_rootless_without_cgroup(void) {
  /* v1 and hybrid: no cgroup a user may write. v2: hutch makes containers'
   * cgroups at /hutch/ID, where a user may not write even with a subtree
   * delegated by systemd (not looked for yet): no cgroup either. */
  return hutch_rootless();
}

int hutch_rootless_no_cgroup_error(const char *what, struct hutch_error **err) {
  return hutch_error_set(err, ENOTSUP,
                         "%s: a rootless container has no cgroup on this host (cgroup v1, or "
                         "cgroup v2 not delegated to the user)",
                         what);
}
