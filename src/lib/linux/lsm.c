/* LSM exec labels (AppArmor, SELinux) and the other per-process
 * attributes of process.*: personality, I/O priority, scheduler,
 * oom_score_adj.
 *
 * The labels are set as *exec* attributes: they take effect at execve, so
 * the runtime's own remaining setup runs unconfined by a profile written for
 * the container's program. Asking for a label on a host without that LSM is
 * an error found before clone (hutch_lsm_check), not a silent no-op: a user
 * who names a profile expects confinement. */
#include "lsm.h"

#include "procfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <stdint.h>
#include <linux/ioprio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sched_attr (linux/sched/types.h, which cannot be
 * included next to glibc's <sched.h>); the first version, which every
 * kernel with sched_setattr accepts. */
struct sched_attr_v1 {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

bool hutch_apparmor_enabled(void) {
  _cleanup_free_ char *buf = NULL;
  if (hutch_read_file("/sys/module/apparmor/parameters/enabled", &buf, NULL) < 0)
    return false;
  return buf[0] == 'Y' && hutch_path_exists("/sys/kernel/security/apparmor");
}

bool hutch_selinux_enabled(void) {
  return hutch_path_exists("/sys/fs/selinux/enforce");
}

static int lsm_missing(const char *field, const char *lsm, struct hutch_error **err) {
  return hutch_error_set(err, EOPNOTSUPP, "%s: %s is not enabled on this host", field, lsm);
}

int hutch_lsm_check(const struct spec *s, struct hutch_error **err) {
  const struct spec_process *p = &s->process;
  if (p->apparmor_profile && *p->apparmor_profile && !hutch_apparmor_enabled())
    return lsm_missing("process.apparmorProfile", "AppArmor", err);
  if (p->selinux_label && *p->selinux_label && !hutch_selinux_enabled())
    return lsm_missing("process.selinuxLabel", "SELinux", err);
  return 0;
}

/* Write an attribute of this thread; the LSM-specific directory
 * (attr/apparmor/, kernel 5.8+) first, the shared attr/ file otherwise.
 * Through our own procfs: a label written into a file the container put
 * over /proc would leave the process unconfined (CVE-2025-52881). */
static int write_exec_attr(const char *lsm_dir, const char *value) {
  char path[64];
  int r = -ENOENT;
  if (lsm_dir) {
    snprintf(path, sizeof(path), "thread-self/attr/%s/exec", lsm_dir);
    r = hutch_procfs_write(path, value, strlen(value));
  }
  if (r == -ENOENT)
    r = hutch_procfs_write("thread-self/attr/exec", value, strlen(value));
  return r;
}

int hutch_lsm_set_exec_label(const char *apparmor_profile, const char *selinux_label,
                             struct hutch_error **err) {
  if (apparmor_profile && *apparmor_profile) {
    if (!hutch_apparmor_enabled())
      return lsm_missing("process.apparmorProfile", "AppArmor", err);
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "exec %s", apparmor_profile);
    if (n < 0 || (size_t)n >= sizeof(buf))
      return hutch_error_set(err, ENAMETOOLONG, "process.apparmorProfile: too long");
    hutch_debug("apparmor: exec profile %s", apparmor_profile);
    int r = write_exec_attr("apparmor", buf);
    if (r < 0)
      return hutch_error_set(err, r, "process.apparmorProfile: set exec profile \"%s\"",
                             apparmor_profile);
  }
  if (selinux_label && *selinux_label) {
    if (!hutch_selinux_enabled())
      return lsm_missing("process.selinuxLabel", "SELinux", err);
    hutch_debug("selinux: exec label %s", selinux_label);
    int r = write_exec_attr(NULL, selinux_label);
    if (r < 0)
      return hutch_error_set(err, r, "process.selinuxLabel: set exec label \"%s\"", selinux_label);
  }
  return 0;
}

int hutch_set_personality(const struct spec_linux *l, struct hutch_error **err) {
  if (!l->has_personality)
    return 0;
  hutch_debug("personality 0x%lx", l->personality);
  if (personality(l->personality) < 0)
    return hutch_error_set(err, errno, "linux.personality: personality(0x%lx)", l->personality);
  return 0;
}

int hutch_set_io_priority(const struct spec_io_priority *p, struct hutch_error **err) {
  if (!p->present)
    return 0;
  int value = IOPRIO_PRIO_VALUE(p->class_, p->priority);
  hutch_debug("ioprio_set class %d priority %d", p->class_, p->priority);
  if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
    return hutch_error_set(err, errno, "process.ioPriority: ioprio_set(class %d, priority %d)",
                           p->class_, p->priority);
  return 0;
}

int hutch_set_scheduler(const struct spec_scheduler *s, struct hutch_error **err) {
  if (!s->present)
    return 0;
  /* sched_setattr is the one call that takes every field the spec has
   * (nice and the deadline triple included); glibc has no wrapper. */
  struct sched_attr_v1 attr = {
      .size = sizeof(attr),
      .sched_policy = (uint32_t)s->policy,
      .sched_flags = s->flags,
      .sched_nice = s->nice,
      .sched_priority = (uint32_t)s->priority,
      .sched_runtime = s->runtime,
      .sched_deadline = s->deadline,
      .sched_period = s->period,
  };
  hutch_debug("sched_setattr policy %d nice %d priority %d flags 0x%llx", s->policy, s->nice,
              s->priority, (unsigned long long)s->flags);
  if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
    return hutch_error_set(err, errno, "process.scheduler: sched_setattr(policy %d, priority %d)",
                           s->policy, s->priority);
  return 0;
}

int hutch_set_oom_score_adj(int pid, int value, struct hutch_error **err) {
  char path[64], buf[16];
  if (pid == 0)
    snprintf(path, sizeof(path), "self/oom_score_adj");
  else
    snprintf(path, sizeof(path), "%d/oom_score_adj", pid);
  int n = snprintf(buf, sizeof(buf), "%d", value);
  hutch_debug("write procfs %s = %d", path, value);
  int r = hutch_procfs_write(path, buf, (size_t)n);
  if (r < 0)
    return hutch_error_set(err, r, "process.oomScoreAdj: write %d to /proc/%s", value, path);
  return 0;
}
