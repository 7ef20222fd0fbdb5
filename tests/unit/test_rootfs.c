/* Unit tests for the container rootfs overlay (engine/rootfs.c): layers
 * added one "lowerdir+" each, so 200 layers mount where the lowerdir=
 * string cannot; errors naming the failing layer and overlayfs' 500-layer
 * limit; the mount(2) fallback when seccomp makes fsopen ENOSYS or
 * fsconfig EINVAL; no fd left open. Each mount is made in a child with its
 * own mount namespace, so it goes away with the child. Runs as root. */
#include "tap.h"
#include "child_report.h"

#include "engine/engine.h"
#include "linux/seccomp_lib.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MAX_LAYERS 501

static char top_dir[] = "/tmp/test_rootfs.XXXXXX";
static char *layers[MAX_LAYERS + 1];

struct mount_case {
  size_t n;        /* layers[0..n), lowest first */
  const char *bad; /* if set, replaces layers[n / 4] */
  long deny_nr;    /* a syscall seccomp fails with deny_errno, or -1 */
  int deny_errno;
};

/* layers/sha256/<64 hex>/ holding l<i> and top, both "<i>". */
static void make_layers(void) {
  char p[4200];
  snprintf(p, sizeof(p), "%s/layers/sha256", top_dir);
  ok(hutch_mkdir_p(p, 0755) == 0, "layers dir");
  for (size_t i = 0; i < MAX_LAYERS; i++) {
    char val[32], name[16];
    if (asprintf(&layers[i], "%s/%064zx", p, i) < 0 || mkdir(layers[i], 0755) < 0)
      break;
    _cleanup_close_ int d = open(layers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int len = snprintf(val, sizeof(val), "%zu", i);
    snprintf(name, sizeof(name), "l%zu", i);
    hutch_write_file_at(d, name, val, (size_t)len);
    hutch_write_file_at(d, "top", val, (size_t)len);
  }
}

static int count_fds(void) {
  _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d))
    n++;
  return n;
}

static int deny_syscall(long nr, int errnum) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  int r = ctx ? seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)errnum), (int)nr, 0) : -ENOMEM;
  if (r == 0)
    r = seccomp_load(ctx); /* sets no_new_privs first */
  seccomp_release(ctx);
  return r;
}

/* In the child: mount, then report r, the error, /top, /l0 and fds. */
static int mount_child(int fd, void *arg) {
  const struct mount_case *c = arg;
  char upper[4200], work[4200], merged[4200];
  snprintf(upper, sizeof(upper), "%s/upper", top_dir);
  snprintf(work, sizeof(work), "%s/work", top_dir);
  snprintf(merged, sizeof(merged), "%s/merged", top_dir);
  char *dirs[MAX_LAYERS];
  memcpy(dirs, layers, c->n * sizeof(char *));
  if (c->bad)
    dirs[c->n / 4] = (char *)c->bad;
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return 10;
  if (c->deny_nr >= 0 && deny_syscall(c->deny_nr, c->deny_errno) < 0)
    return 11;
  int fds = count_fds();
  _cleanup_error_ struct hutch_error *err = NULL;
  report(fd, "r=%d", hutch_overlay_mount(dirs, c->n, upper, work, merged, &err));
  report(fd, "fds=%d", count_fds() - fds);
  _cleanup_free_ char *text = err ? hutch_error_text(err) : NULL;
  report(fd, "err=%s", text ? text : "");
  _cleanup_free_ char *top = NULL, *low = NULL;
  _cleanup_close_ int m = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  hutch_read_file_at(m, "top", &top, NULL);
  hutch_read_file_at(m, "l0", &low, NULL);
  report(fd, "top=%s", top ? top : "");
  report(fd, "l0=%s", low ? low : "");
  return 0;
}

/* Run one case in a child; *out has its report. */
static void mount_case(struct mount_case c, struct child_report *out) {
  char p[4200];
  for (const char *const *s = (const char *const[]){"upper", "work", "merged", NULL}; *s; s++) {
    snprintf(p, sizeof(p), "%s/%s", top_dir, *s);
    hutch_rm_rf(p);
    mkdir(p, 0755);
  }
  is_int(run_child(mount_child, &c, out), 0, "child for %zu layers", c.n);
  ok(WIFEXITED(out->status) && WEXITSTATUS(out->status) == 0, "child set up (status %d)",
     out->status);
}

/* Linux 6.8's "lowerdir+"; the page limit only goes away with it. */
static bool has_lowerdir_plus(void) {
  _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  return fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", "/", 0) == 0;
}

static void test_lowerdir_plus(void) {
  struct child_report r;
  if (!has_lowerdir_plus()) {
    ok(true, "# SKIP the kernel has no overlay lowerdir+ (Linux 6.8)");
    return;
  }
  /* 200 * 64-character names: far past the page lowerdir= must fit */
  mount_case((struct mount_case){.n = 200, .deny_nr = -1}, &r);
  is_str(REPORT_GET(&r, "r"), "0", "200 layers mount: %s", REPORT_GET(&r, "err"));
  is_str(REPORT_GET(&r, "top"), "199", "the top layer's /top shows");
  is_str(REPORT_GET(&r, "l0"), "0", "the lowest layer's file shows");
  is_str(REPORT_GET(&r, "fds"), "0", "no fd left open");

  mount_case((struct mount_case){.n = 200, .bad = "/nonexistent/sha256/feed", .deny_nr = -1}, &r);
  is_str(REPORT_GET(&r, "r"), "-2", "a missing layer: ENOENT");
  const char *e = REPORT_GET(&r, "err");
  ok(strncmp(e, "overlay: add lower layer sha256:feed (150 of 200)", 49) == 0 &&
         strstr(e, ": No such file or directory"),
     "the error names the step and the layer, counted from the top: %s", e);
  is_str(REPORT_GET(&r, "fds"), "0", "no fd left open on the error");

  mount_case((struct mount_case){.n = 501, .deny_nr = -1}, &r);
  ok(strstr(REPORT_GET(&r, "err"), "(501 of 501) (overlay: too many lower directories") != NULL,
     "501 layers: the kernel's reason for the 501st: %s", REPORT_GET(&r, "err"));
  is_str(REPORT_GET(&r, "fds"), "0", "no fd left open past the limit");
}

static void test_fallback(void) {
  struct child_report r;
  mount_case((struct mount_case){.n = 3, .deny_nr = SYS_fsopen, .deny_errno = ENOSYS}, &r);
  is_str(REPORT_GET(&r, "r"), "0", "no fsopen: mount(2) with lowerdir=: %s", REPORT_GET(&r, "err"));
  is_str(REPORT_GET(&r, "top"), "2", "the top layer's /top shows");
  is_str(REPORT_GET(&r, "l0"), "0", "the lowest layer's file shows");
  is_str(REPORT_GET(&r, "fds"), "0", "no fd left open");

  mount_case((struct mount_case){.n = 3, .deny_nr = SYS_fsconfig, .deny_errno = EINVAL}, &r);
  is_str(REPORT_GET(&r, "r"), "0", "lowerdir+ refused (EINVAL): mount(2) with lowerdir=: %s",
         REPORT_GET(&r, "err"));
  is_str(REPORT_GET(&r, "top"), "2", "the top layer's /top shows");
  is_str(REPORT_GET(&r, "fds"), "0", "no fd left open");

  mount_case((struct mount_case){.n = 200, .deny_nr = SYS_fsopen, .deny_errno = ENOSYS}, &r);
  ok(strstr(REPORT_GET(&r, "err"), "bytes of options") != NULL,
     "no fsopen and 200 layers: past the page: %s", REPORT_GET(&r, "err"));
}

int main(void) {
  if (geteuid() != 0) {
    printf("1..0 # SKIP overlay mounts need root\n");
    return 0;
  }
  ok(mkdtemp(top_dir) != NULL, "temp dir");
  make_layers();
  test_lowerdir_plus();
  test_fallback();
  hutch_rm_rf(top_dir);
  for (size_t i = 0; i < MAX_LAYERS; i++)
    free(layers[i]);
  return done_testing();
}
