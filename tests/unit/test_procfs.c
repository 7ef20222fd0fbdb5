/* Unit tests for linux/procfs.c: the private procfs handle, self/ and
 * thread-self/ expansion without following links, refusal of symlinks,
 * magic links, ".." and other filesystems, and (as root, in a private
 * mount namespace) that a tmpfs mounted over /proc/sys catches neither a
 * read nor a write made through it. */
#include "tap.h"

#include "linux/procfs.h"
#include "linux/seccomp_lib.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static bool on_procfs(int fd) {
  struct statfs sfs;
  return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

static char *read_rel(const char *rel) {
  _cleanup_close_ int fd = hutch_procfs_open(rel, O_RDONLY);
  char *buf = NULL;
  if (fd < 0 || hutch_read_fd(fd, &buf, NULL) < 0)
    return NULL;
  return buf;
}

static void test_root(void) {
  int a = hutch_procfs_root();
  ok(a >= 0, "a procfs root handle (%d)", a);
  ok(on_procfs(a), "it is on procfs");
  struct stat st;
  ok(fstat(a, &st) == 0 && st.st_ino == 1, "it is the root of a procfs");
  is_int(hutch_procfs_root(), a, "made once per process");
  ok(fcntl(a, F_GETFD) & FD_CLOEXEC, "close-on-exec: never crosses into a container's execve");
}

static void test_self(void) {
  _cleanup_free_ char *status = read_rel("self/status");
  char want[64];
  snprintf(want, sizeof(want), "\nPid:\t%d\n", (int)getpid());
  ok(status && strstr(status, want), "self/status is ours (pid %d)", (int)getpid());
  _cleanup_free_ char *tstatus = read_rel("thread-self/status");
  ok(tstatus && strstr(tstatus, want), "thread-self/status is ours");
  _cleanup_free_ char *sysctl = read_rel("sys/kernel/ostype");
  is_str(sysctl, "Linux\n", "sys/kernel/ostype reads through the handle");
}

static void test_refusals(void) {
  is_int(hutch_procfs_open("mounts", O_RDONLY), -ELOOP,
         "a symlink (mounts -> self/mounts) is not followed");
  is_int(hutch_procfs_open("self/exe", O_RDONLY), -ELOOP,
         "a magic link (self/exe) is not followed");
  is_int(hutch_procfs_open("self/root/etc/passwd", O_RDONLY), -ELOOP,
         "a magic link inside the path (self/root) is not followed");
  ok(hutch_procfs_open("sys/../../etc/passwd", O_RDONLY) < 0, "\"..\" does not climb out");
  is_int(hutch_procfs_open("/etc/passwd", O_RDONLY), -EINVAL, "an absolute path is refused");
  is_int(hutch_procfs_write("sys/kernel", "x", 1), -EISDIR, "a directory is not written");
  _cleanup_close_ int tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
  is_int(hutch_procfs_open_at(tmp, "x", O_RDONLY), -EXDEV, "a root that is not procfs is refused");
  _cleanup_close_ int sys = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
  is_int(hutch_procfs_open_at(sys, "kernel/ostype", O_RDONLY), -EXDEV,
         "a directory inside procfs is not accepted as its root");
}

static void test_write(void) {
  _cleanup_free_ char *before = read_rel("self/oom_score_adj");
  int r = hutch_procfs_write("self/oom_score_adj", "123", 3);
  is_int(r, 0, "write self/oom_score_adj");
  _cleanup_free_ char *after = read_rel("self/oom_score_adj");
  is_str(after, "123\n", "the kernel has the value");
  if (before)
    hutch_procfs_write("self/oom_score_adj", before, strlen(before));
}

/* In a child with its own mount namespace: a tmpfs over /proc/sys holding
 * a fake kernel/ostype. Exit status: bit 0 set if a path open through
 * /proc saw the fake (the setup works), bit 1 if /proc as root refused to
 * cross into the tmpfs, bit 2 if the private handle read the real value,
 * bit 3 if a write through the handle left the fake untouched. */
static int overmount_child(void) {
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
      mount("tmpfs", "/proc/sys", "tmpfs", 0, "size=64k") < 0 ||
      mkdir("/proc/sys/kernel", 0755) < 0 ||
      hutch_write_file("/proc/sys/kernel/ostype", "fake\n", 5) < 0 ||
      mkdir("/proc/sys/vm", 0755) < 0 ||
      hutch_write_file("/proc/sys/vm/overcommit_ratio", "fake\n", 5) < 0)
    return 100;
  int bits = 0;
  _cleanup_free_ char *fake = NULL;
  if (hutch_read_file("/proc/sys/kernel/ostype", &fake, NULL) == 0 && strcmp(fake, "fake\n") == 0)
    bits |= 1;
  _cleanup_close_ int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (hutch_procfs_open_at(proc, "sys/kernel/ostype", O_RDONLY) == -EXDEV)
    bits |= 2;
  _cleanup_free_ char *real = read_rel("sys/kernel/ostype");
  if (real && strcmp(real, "Linux\n") == 0)
    bits |= 4;
  _cleanup_free_ char *ratio = read_rel("sys/vm/overcommit_ratio");
  _cleanup_free_ char *still = NULL;
  if (ratio && hutch_procfs_write("sys/vm/overcommit_ratio", ratio, strlen(ratio)) == 0 &&
      hutch_read_file("/proc/sys/vm/overcommit_ratio", &still, NULL) == 0 &&
      strcmp(still, "fake\n") == 0)
    bits |= 8;
  return bits;
}

/* The same refusals where openat2 is missing or filtered (seccomp makes
 * it ENOSYS here): the component walk must hold the line on its own.
 * Exit status: one bit per refusal or success as expected. */
static int walk_child(void) {
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
      mount("tmpfs", "/proc/sys/fs", "tmpfs", 0, "size=64k") < 0)
    return 100;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == NULL || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) < 0 ||
      seccomp_load(ctx) < 0)
    return 101;
  seccomp_release(ctx);
  struct open_how how = {.flags = O_RDONLY};
  if (syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)) >= 0 || errno != ENOSYS)
    return 102;
  int bits = 0;
  _cleanup_free_ char *status = read_rel("self/status");
  if (status && strstr(status, "Pid:"))
    bits |= 1;
  if (hutch_procfs_open("mounts", O_RDONLY) == -ELOOP)
    bits |= 2;
  if (hutch_procfs_open("self/exe", O_RDONLY) == -ELOOP)
    bits |= 4;
  if (hutch_procfs_open("sys/../../etc/passwd", O_RDONLY) < 0)
    bits |= 8;
  _cleanup_close_ int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (hutch_procfs_open_at(proc, "sys/fs/x", O_RDONLY | O_CREAT) == -EXDEV)
    bits |= 16;
  return bits;
}

/* fn's exit status in a forked child (root only: it unshares the mount
 * namespace), compared with want. */
static void in_child(int (*fn)(void), int want, const char *what) {
  if (geteuid() != 0) {
    ok(1, "# SKIP needs root for a private mount namespace");
    return;
  }
  pid_t pid = fork();
  if (pid == 0)
    _exit(fn());
  int st = 0;
  waitpid(pid, &st, 0);
  is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, want, "%s", what);
}

int main(void) {
  /* First: the children must make their own handles. */
  in_child(overmount_child, 15,
           "a tmpfs over /proc/sys: seen by path (1), refused from /proc (2), "
           "missed by the private handle on read (4) and write (8)");
  in_child(walk_child, 31,
           "without openat2: self/ expanded (1), symlink (2), magic link (4), \"..\" (8) and a "
           "mount crossing (16) refused");
  test_root();
  test_self();
  test_refusals();
  test_write();
  return done_testing();
}
