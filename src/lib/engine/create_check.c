/* create's checks of the options against the host and the other
 * containers, as docker's daemon makes them before it creates anything
 * (daemon/daemon_unix.go verifyPlatformContainerSettings): the restart
 * policy, the name, --cpus against the CPU count, the cpusets against
 * the online CPUs and memory nodes, --blkio-weight where the kernel has
 * no weight (discarded, with docker's warning), the log driver, the
 * runtime binary, and the containers whose PID or IPC namespace is
 * joined. */
#include "create.h"
#include "ext_runtime.h"
#include "runopts.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* where systemd-journald listens for native journal records */
#define HUTCH_JOURNALD_SOCKET "/run/systemd/journal/socket"

/* A sysfs list ("0-1\n") without its newline; NULL when unreadable. */
static char *read_list(const char *path) {
  char *text = NULL;
  size_t len;
  if (hutch_read_file(path, &text, &len) < 0)
    return NULL;
  text[strcspn(text, "\n")] = '\0';
  return text;
}

static int check_cpus(const struct hutch_run_opts *o, struct hutch_error **err) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (hutch_cpus_check(o->nano_cpus, (int)n, err) < 0)
    return -1;
  if (o->cpuset_cpus) {
    _cleanup_free_ char *online = read_list("/sys/devices/system/cpu/online");
    if (hutch_cpuset_check("cpus", o->cpuset_cpus, online, err) < 0)
      return -1;
  }
  if (o->cpuset_mems) {
    /* a kernel without NUMA has node 0 only */
    _cleanup_free_ char *nodes = read_list("/sys/devices/system/node/online");
    if (hutch_cpuset_check("mems", o->cpuset_mems, nodes ? nodes : "0", err) < 0)
      return -1;
  }
  return 0;
}

static bool blkio_weight_supported(void) {
  static const char *const files[] = {
      "/sys/fs/cgroup/blkio/blkio.weight", "/sys/fs/cgroup/blkio/blkio.bfq.weight",
      "/sys/fs/cgroup/blkio/hutch/blkio.weight", "/sys/fs/cgroup/blkio/hutch/blkio.bfq.weight"};
  for (size_t i = 0; i < ARRAY_SIZE(files); i++)
    if (access(files[i], F_OK) == 0)
      return true;
  /* cgroup v2: the io controller with its weight */
  _cleanup_free_ char *ctl = read_list("/sys/fs/cgroup/cgroup.subtree_control");
  return ctl && strstr(ctl, "io") &&
         (access("/sys/fs/cgroup/io.bfq.weight", F_OK) == 0 ||
          access("/sys/fs/cgroup/hutch/io.weight", F_OK) == 0);
}

/* --log-driver journald: refused, saying why. Without a journal socket
 * (systemd-journald not running: this host has no systemd) docker fails
 * the same way; with one, hutch still has no journald writer (it would
 * need libsystemd's sd_journal_send). */
static int journald_refuse(struct hutch_error **err) {
  if (access(HUTCH_JOURNALD_SOCKET, F_OK) < 0)
    return hutch_error_say(err, ENOTSUP,
                           "failed to initialize logging driver: journald is not enabled on "
                           "this host: systemd-journald is not running (no %s)",
                           HUTCH_JOURNALD_SOCKET);
  return hutch_error_say(err, ENOTSUP,
                         "failed to initialize logging driver: journald: not supported: hutch "
                         "is built without libsystemd; use json-file or none");
}

/* --runtime NAME (looked up in PATH, as runc or crun) or PATH: the
 * binary the container runs with (ext_runtime.c); docker's message for
 * one that is not there. */
static int resolve_runtime(struct hutch_run_opts *o, struct hutch_error **err) {
  if (!o->runtime || strcmp(o->runtime, "hutch") == 0)
    return 0;
  return hutch_ext_runtime_resolve(o->runtime, &o->runtime_path, err);
}

/* --pid/--ipc container:NAME: that container runs; the namespace file of
 * its init. */
static int join_container(struct hutch_engine *e, const char *mode, const char *what,
                          const char *ns, char **out, char **shm, struct hutch_error **err) {
  const char *ref = hutch_ns_mode_container(mode);
  if (!ref)
    return 0;
  _cleanup_ctr_ struct hutch_ctr *other = NULL;
  if (hutch_ctr_open(e, ref, false, &other, err) < 0)
    return -1;
  if (!hutch_ctr_running(other))
    return hutch_error_say(err, EINVAL, "cannot join %s of a non running container: %s", what, ref);
  if (asprintf(out, "/proc/%d/ns/%s", (int)other->st.pid, ns) < 0)
    return hutch_error_set(err, ENOMEM, "namespace path");
  if (strcmp(ns, "ipc") != 0)
    return 0;
  /* docker shares /dev/shm too, which only a shareable donor keeps on the host */
  if (strcmp(other->cfg.ipc_mode, "shareable") != 0)
    return hutch_error_say(err, EINVAL,
                           "can't join IPC of container %s: non-shareable IPC (hint: use "
                           "IpcMode:shareable for the donor container)",
                           ref);
  if (!(*shm = hutch_ctr_path(other, "shm")))
    return hutch_error_set(err, ENOMEM, "shm path");
  return 0;
}

int hutch_create_check(struct hutch_create *x, struct hutch_error **err) {
  struct hutch_run_opts *o = x->o;
  if (hutch_parse_restart(o->restart, &x->restart_policy, &x->restart_max) < 0)
    return hutch_error_set(err, EINVAL, "invalid restart policy %s", o->restart);
  if (o->rm && strcmp(x->restart_policy, "no") != 0)
    return hutch_error_set(err, EINVAL, "conflicting options: --restart and --rm");
  if (o->name && !hutch_ctr_name_valid(o->name, err))
    return -1;
  if (check_cpus(o, err) < 0 || resolve_runtime(o, err) < 0)
    return -1;
  if (o->log_driver && strcmp(o->log_driver, "journald") == 0)
    return journald_refuse(err);
  if (o->blkio_weight && !blkio_weight_supported()) {
    fprintf(stderr, "WARNING: Your kernel does not support Block I/O weight or the cgroup is not "
                    "mounted. Weight discarded.\n");
    o->blkio_weight = 0;
  }
  if (o->oom_kill_disable && o->memory == 0)
    fprintf(stderr, "WARNING: Disabling the OOM killer on containers without setting a "
                    "'-m/--memory' limit may be dangerous.\n");
  if (join_container(x->e, o->pid_mode, "PID", "pid", &o->pid_join, NULL, err) < 0 ||
      join_container(x->e, o->ipc_mode, "IPC", "ipc", &o->ipc_join, &o->shm_bind, err) < 0)
    return -1;
  return 0;
}
