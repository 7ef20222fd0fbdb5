/* linux.sysctl: validation (namespaced keys only) and writing. */
#include "sysctl.h"

#include "procfs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool ns_new_or_joined(const struct spec_linux *l, enum spec_ns_type t) {
  return l->namespaces[t].present;
}

int hutch_sysctl_validate(const struct spec_linux *l, struct hutch_error **err) {
  static const char *ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                   "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                   "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (size_t i = 0; i < l->n_sysctl; i++) {
    const char *k = l->sysctl[i].key;
    bool ok = false;
    if (strchr(k, '/') || strstr(k, ".."))
      return hutch_error_set(err, EINVAL, "linux.sysctl: invalid key \"%s\"", k);
    for (size_t j = 0; j < sizeof(ipc_keys) / sizeof(ipc_keys[0]); j++)
      if (strcmp(k, ipc_keys[j]) == 0)
        ok = ns_new_or_joined(l, SPEC_NS_IPC);
    if (hutch_str_has_prefix(k, "fs.mqueue."))
      ok = ns_new_or_joined(l, SPEC_NS_IPC);
    if (hutch_str_has_prefix(k, "net."))
      ok = ns_new_or_joined(l, SPEC_NS_NETWORK);
    if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
      ok = ns_new_or_joined(l, SPEC_NS_UTS);
    if (!ok)
      return hutch_error_set(
          err, EINVAL,
          "linux.sysctl: \"%s\" is not namespaced or its namespace is not in the config", k);
  }
  return 0;
}

int hutch_sysctl_check_uts(const struct spec_linux *l, const char *hostname, const char *domainname,
                           struct hutch_error **err) {
  for (size_t i = 0; i < l->n_sysctl; i++) {
    const char *k = l->sysctl[i].key;
    const char *field = strcmp(k, "kernel.hostname") == 0 && hostname && *hostname ? "hostname"
                        : strcmp(k, "kernel.domainname") == 0 && domainname && *domainname
                            ? "domainname"
                            : NULL;
    if (field)
      return hutch_error_set(
          err, EINVAL, "linux.sysctl: \"%s\" conflicts with the \"%s\" field: set one of them", k,
          field);
  }
  return 0;
}

/* Written through our own procfs (see procfs.c), never through the
 * container's /proc: a spec mount or a shared rootfs may have put a bind
 * or a tmpfs over /proc/sys by now (CVE-2025-52881). Net, ipc and uts
 * knobs follow the writer's namespaces, whatever procfs instance serves
 * them, so the container's values are the ones set. */
int hutch_sysctl_apply(const struct spec_linux *l, struct hutch_error **err) {
  for (size_t i = 0; i < l->n_sysctl; i++) {
    char path[512];
    int n = snprintf(path, sizeof(path), "sys/%s", l->sysctl[i].key);
    if (n < 0 || (size_t)n >= sizeof(path))
      return hutch_error_set(err, ENAMETOOLONG, "linux.sysctl: key too long");
    for (char *p = path + 4; *p; p++)
      if (*p == '.')
        *p = '/';
    hutch_debug("sysctl %s=%s (procfs %s)", l->sysctl[i].key, l->sysctl[i].value, path);
    int r = hutch_procfs_write(path, l->sysctl[i].value, strlen(l->sysctl[i].value));
    if (r < 0)
      return hutch_error_set(err, r, "write sysctl %s", l->sysctl[i].key);
  }
  return 0;
}
