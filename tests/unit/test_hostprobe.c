/* Unit tests for `hutch check`'s probes: linux/hostprobe.c (the row list,
 * the pure parsers, the kernel probes) and engine/selfcheck.c (a binary
 * that cannot run sealed is FAIL; with openat2, the new mount API,
 * mount_setattr and pidfd_open filtered out, every probe reports its
 * fallback and nothing fails). */
#include "tap.h"
#include "child_report.h"

#include "engine/selfcheck.h"
#include "linux/seccomp_lib.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static const char *const names[] = {
    "kernel",
    "cgroups",
    "userns",
    "userns-unprivileged",
    "overlayfs",
    "overlay-lowerdir+",
    "seccomp",
    "seccomp-notify",
    "openat2",
    "pidfd_open",
    "mount-api",
    "idmapped-mounts",
    "memfd-seal",
    "lsm",
    "seal-hutch",
    "seal-hutch-runtime",
    "seal-hutch-monitor",
    "hutch-init",
    "procfs",
    "dev-null",
    "resolve-in-root",
};

static const struct hutch_probe *row(const struct hutch_probes *p, const char *name) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->v[i].name, name) == 0)
      return &p->v[i];
  return NULL;
}

static void test_status_names(void) {
  is_str(hutch_probe_status_name(HUTCH_PROBE_OK), "ok", "status ok");
  is_str(hutch_probe_status_name(HUTCH_PROBE_MISSING), "missing", "status missing");
  is_str(hutch_probe_status_name(HUTCH_PROBE_FALLBACK), "fallback", "status fallback");
  is_str(hutch_probe_status_name(HUTCH_PROBE_FAIL), "FAIL", "status FAIL");
}

static void test_cgroup_layout(void) {
  is_str(hutch_probe_cgroup_layout(CGROUP2_SUPER_MAGIC, 0), "v2", "cgroup2 at the root: v2");
  is_str(hutch_probe_cgroup_layout(CGROUP2_SUPER_MAGIC, CGROUP2_SUPER_MAGIC), "v2",
         "cgroup2 at the root wins over unified/");
  is_str(hutch_probe_cgroup_layout(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC), "hybrid",
         "tmpfs + cgroup2 at unified/: hybrid");
  is_str(hutch_probe_cgroup_layout(TMPFS_MAGIC, 0), "v1", "tmpfs alone: v1");
  is_str(hutch_probe_cgroup_layout(TMPFS_MAGIC, TMPFS_MAGIC), "v1", "unified/ not cgroup2: v1");
  is_str(hutch_probe_cgroup_layout(CGROUP_SUPER_MAGIC, 0), "v1", "one v1 hierarchy at the root");
  ok(hutch_probe_cgroup_layout(EXT4_SUPER_MAGIC, 0) == NULL, "no cgroup filesystem: NULL");
  ok(hutch_probe_cgroup_layout(0, 0) == NULL, "nothing mounted: NULL");
}

static void test_status_field(void) {
  const char *st = "Name:\tcat\nSeccomp_filters:\t3\nSeccomp:\t2\nNoNewPrivs:\t1\n";
  is_int(hutch_probe_status_field(st, "Seccomp"), 2, "Seccomp, not Seccomp_filters");
  is_int(hutch_probe_status_field(st, "Seccomp_filters"), 3, "Seccomp_filters");
  is_int(hutch_probe_status_field(st, "NoNewPrivs"), 1, "the last line");
  is_int(hutch_probe_status_field(st, "Name"), -1, "a field that is not a number");
  is_int(hutch_probe_status_field(st, "Absent"), -1, "an absent field");
  is_int(hutch_probe_status_field("Seccomp:\t\n", "Seccomp"), -1, "an empty value");
  is_int(hutch_probe_status_field("", "Seccomp"), -1, "an empty text");
}

static void test_fs_listed(void) {
  const char *fs = "nodev\tsysfs\n\text4\nnodev\toverlay\n\tvfat";
  ok(hutch_probe_fs_listed(fs, "overlay"), "nodev overlay is listed");
  ok(hutch_probe_fs_listed(fs, "ext4"), "a block filesystem is listed");
  ok(hutch_probe_fs_listed(fs, "vfat"), "the last line without a newline");
  ok(!hutch_probe_fs_listed(fs, "overla"), "a prefix is not a match");
  ok(!hutch_probe_fs_listed(fs, "nodev"), "the nodev column is not a name");
  ok(!hutch_probe_fs_listed("", "overlay"), "an empty list");
}

static void test_rows(void) {
  struct hutch_probes p = {0};
  hutch_probe_add(&p, "a", HUTCH_PROBE_OK, "use a", "found %d", 1);
  hutch_probe_add(&p, "b", HUTCH_PROBE_MISSING, NULL, "absent");
  hutch_probe_add(&p, "c", HUTCH_PROBE_FALLBACK, "fallback: x", "%s", "refused");
  is_int(p.n, 3, "three rows");
  is_str(p.v[0].detail, "found 1", "detail formatted");
  is_str(p.v[1].enables, "", "NULL enables is empty");
  ok(!hutch_probes_failed(&p), "missing and fallback are not failures");
  hutch_probe_add(&p, "d", HUTCH_PROBE_FAIL, "", "broken");
  ok(hutch_probes_failed(&p), "a FAIL row fails");
  hutch_probes_free(&p);
  ok(p.n == 0 && p.v == NULL, "freed");
}

/* Every row once, each with a status; the cgroup row names the layout
 * statfs sees (this test does not hard-code the host's). */
static void test_host(void) {
  struct hutch_probes p = {0};
  hutch_probe_host(&p);
  hutch_probe_self(&p);
  is_int(p.n, ARRAY_SIZE(names), "one row per probe");
  for (size_t i = 0; i < ARRAY_SIZE(names); i++)
    ok(row(&p, names[i]) != NULL, "row %s", names[i]);
  struct statfs a, b;
  long ta = statfs("/sys/fs/cgroup", &a) == 0 ? (long)a.f_type : 0;
  long tb = statfs("/sys/fs/cgroup/unified", &b) == 0 ? (long)b.f_type : 0;
  const char *want = hutch_probe_cgroup_layout(ta, tb);
  const struct hutch_probe *cg = row(&p, "cgroups");
  ok(cg && want && strncmp(cg->detail, want, strlen(want)) == 0, "cgroups: %s",
     cg ? cg->detail : "(none)");
  hutch_probes_free(&p);
}

static char tmpdir[] = "/tmp/hutch-hostprobe.XXXXXX";

static enum hutch_probe_status sealed_status(const char *path, char *detail, size_t n) {
  struct hutch_probes p = {0};
  hutch_probe_sealed_binary(&p, "x", path, "");
  enum hutch_probe_status st = p.n == 1 ? p.v[0].status : HUTCH_PROBE_FAIL;
  snprintf(detail, n, "%s", p.n == 1 ? p.v[0].detail : "");
  hutch_probes_free(&p);
  return st;
}

static void test_sealed_binary(void) {
  char d[512], path[128];
  enum hutch_probe_status want = geteuid() == 0 ? HUTCH_PROBE_OK : HUTCH_PROBE_FALLBACK;
  is_int(sealed_status("/bin/true", d, sizeof(d)), want, "/bin/true runs sealed: %s", d);
  snprintf(path, sizeof(path), "%s/absent", tmpdir);
  is_int(sealed_status(path, d, sizeof(d)), HUTCH_PROBE_FAIL, "a missing binary: %s", d);
  snprintf(path, sizeof(path), "%s/plain", tmpdir);
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  is_int(sealed_status(path, d, sizeof(d)), HUTCH_PROBE_FAIL, "a non-executable file: %s", d);
  ok(strstr(d, "mode 0644") != NULL, "the detail says why");
  is_int(sealed_status(tmpdir, d, sizeof(d)), HUTCH_PROBE_FAIL, "a directory: %s", d);
}

/* A binary on a noexec mount: the read-only clone keeps noexec, so
 * execveat would fail. Root only, in a private mount namespace. */
static int noexec_child(int fd, void *arg) {
  char path[128], d[512];
  snprintf(path, sizeof(path), "%s/mnt", tmpdir);
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
      mkdir(path, 0755) < 0 || mount("tmpfs", path, "tmpfs", MS_NOEXEC, NULL) < 0)
    return 2;
  snprintf(path, sizeof(path), "%s/mnt/bin", tmpdir);
  _cleanup_close_ int out = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
  if (out < 0)
    return 3;
  report(fd, "status=%s", hutch_probe_status_name(sealed_status(path, d, sizeof(d))));
  report(fd, "detail=%s", d);
  return 0;
}

static void test_noexec(void) {
  if (geteuid() != 0) {
    ok(1, "# SKIP noexec mount needs root");
    return;
  }
  struct child_report r;
  char st[64], d[512];
  ok(run_child(noexec_child, NULL, &r) == 0 && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
     "noexec child ran");
  is_str(report_get(&r, "status", st, sizeof(st)), "FAIL", "a binary on a noexec mount: FAIL");
  ok(strstr(report_get(&r, "detail", d, sizeof(d)), "noexec") != NULL, "detail: %s", d);
}

/* The kernel a sandbox may leave hutch: the newer syscalls ENOSYS. */
static int filtered_child(int fd, void *arg) {
  const int sys[] = {SCMP_SYS(openat2),    SCMP_SYS(open_tree),     SCMP_SYS(fsopen),
                     SCMP_SYS(move_mount), SCMP_SYS(mount_setattr), SCMP_SYS(pidfd_open)};
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  for (size_t i = 0; ctx && i < ARRAY_SIZE(sys); i++)
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), sys[i], 0) < 0)
      return 2;
  if (!ctx || seccomp_load(ctx) < 0)
    return 2;
  seccomp_release(ctx);
  setenv("HUTCH_RUNTIME", "/bin/true", 1);
  setenv("HUTCH_MONITOR", "/bin/true", 1);
  setenv("HUTCH_INIT", "/bin/true", 1);
  struct hutch_probes p = {0};
  hutch_probe_host(&p);
  hutch_probe_self(&p);
  for (size_t i = 0; i < p.n; i++)
    report(fd, "%s=%s", p.v[i].name, hutch_probe_status_name(p.v[i].status));
  report(fd, "failed=%d", hutch_probes_failed(&p));
  hutch_probes_free(&p);
  return 0;
}

static void test_fallbacks(void) {
  struct child_report r;
  char v[64];
  ok(run_child(filtered_child, NULL, &r) == 0 && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
     "filtered child ran");
  const char *const want[][2] = {
      {"openat2", "fallback"},
      {"pidfd_open", "fallback"},
      {"mount-api", "fallback"},
      {"idmapped-mounts", "missing"},
      {"seal-hutch", "fallback"},
      {"seal-hutch-runtime", "fallback"},
      {"seal-hutch-monitor", "fallback"},
      {"procfs", "fallback"},
      {"resolve-in-root", "fallback"},
      {"failed", "0"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(want); i++)
    is_str(report_get(&r, want[i][0], v, sizeof(v)), want[i][1], "filtered: %s", want[i][0]);
}

int main(void) {
  if (!mkdtemp(tmpdir))
    return 1;
  test_status_names();
  test_cgroup_layout();
  test_status_field();
  test_fs_listed();
  test_rows();
  /* Before anything in this process opens the procfs handle, which a
   * forked child would inherit instead of probing for its own. */
  test_fallbacks();
  test_noexec();
  test_host();
  test_sealed_binary();
  ok(hutch_rm_rf(tmpdir) == 0, "removed %s", tmpdir);
  return done_testing();
}
