/* Unit tests for the cgroup layer (linux/cgroup*.c). Pure parts (layout
 * parsing, path resolution, v1→v2 conversions) run on made-up input; the
 * rest runs for real, as root, on this host's v1 hierarchies (memory, pids,
 * cpu, freezer, devices…) and, for the v2 backend, on the hybrid host's
 * cgroup2 mount at /sys/fs/cgroup/unified, which has no controllers but
 * supports mkdir, cgroup.procs, cgroup.freeze, cgroup.kill and device
 * eBPF programs. Every cgroup made here is removed at exit, also when a
 * check fails. */
#include "tap.h"

#include "linux/cgroup.h"
#include "linux/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MiB (1024 * 1024)

static char top_v1[64], top_b[64], top_v2[64], top_r[64];
static bool hugetlb_was_on;    /* in /sys/fs/cgroup/unified's subtree_control before us */
static char rel_mem_top[4096]; /* the relative test's dir below our own memory cgroup */

/* ---- cleanup, even after failed checks ---- */

static void kill_and_rmdir(const char *dir) {
  _cleanup_closedir_ DIR *d = opendir(dir);
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    char sub[4096];
    snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
    kill_and_rmdir(sub);
  }
  for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++) {
    char procs[4096];
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    _cleanup_free_ char *s = NULL;
    if (hutch_read_file(procs, &s, NULL) == 0)
      for (char *p = s; *p;) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
          break;
        kill((pid_t)pid, SIGKILL);
        p = end;
      }
    usleep(20000);
  }
}

/* The hybrid hugetlb path enables hugetlb at the cgroup2 root; put the
 * host back the way it was. */
static void restore_unified_root(void) {
  if (!hugetlb_was_on)
    hutch_write_file("/sys/fs/cgroup/unified/cgroup.subtree_control", "-hugetlb", 8);
}

static void cleanup_all(void);
static pid_t main_pid;

/* Interrupted (^C, timeout, a closed pipe): clean up before dying. Forked
 * children keep the default behaviour, some tests signal them. */
static void on_signal(int sig) {
  if (getpid() == main_pid)
    cleanup_all();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void cleanup_all(void) {
  static const char *const tops[] = {top_v1, top_b, top_v2, top_r};
  if (rel_mem_top[0])
    kill_and_rmdir(rel_mem_top);
  _cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    for (size_t i = 0; i < ARRAY_SIZE(tops); i++) {
      char p[4096];
      snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", de->d_name, tops[i]);
      /* thaw first: a frozen v1 task cannot die */
      char f[4200];
      snprintf(f, sizeof(f), "%s/a/freezer.state", p);
      hutch_write_file(f, "THAWED", 6);
      kill_and_rmdir(p);
    }
  }
  restore_unified_root();
}

static bool any_exists(const char *top) {
  bool found = false;
  _cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    char p[4096];
    snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", de->d_name, top);
    if (hutch_path_exists(p)) {
      printf("#   still there: %s\n", p);
      found = true;
    }
  }
  return found;
}

/* ---- helpers ---- */

static void diag_err(struct hutch_error **e) {
  if (*e) {
    _cleanup_free_ char *t = hutch_error_text(*e);
    printf("#   error: %s\n", t);
    hutch_error_free(*e);
    *e = NULL;
  }
}

/* Fork a child that waits until it is in the cgroup, then runs fn. */
static pid_t spawn_in(struct hutch_cgroup *cg, int (*fn)(void)) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[1]);
    char c;
    if (read(p[0], &c, 1) != 1)
      _exit(99);
    _exit(fn());
  }
  close(p[0]);
  struct hutch_error *e = NULL;
  if (pid > 0 && cg && hutch_cgroup_enter(cg, pid, &e) < 0) {
    diag_err(&e);
    kill(pid, SIGKILL);
  }
  if (write(p[1], "x", 1) != 1)
    kill(pid, SIGKILL);
  close(p[1]);
  return pid;
}

static int wait_status(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  return st;
}

static uint64_t read_u64(const char *path) {
  _cleanup_free_ char *s = NULL;
  if (hutch_read_file(path, &s, NULL) < 0)
    return UINT64_MAX;
  return strtoull(s, NULL, 10);
}

static uint64_t knob(const char *ctrl, const char *top, const char *file) {
  char p[4096];
  snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s/a/%s", ctrl, top, file);
  return read_u64(p);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- child bodies ---- */

static int child_hog(void) {
  /* 64 MiB touched page by page: the 32 MiB limit (no swap) must kill us */
  volatile char *p = malloc(64 * MiB);
  if (p == NULL)
    return 2;
  for (size_t i = 0; i < 64 * MiB; i += 4096)
    p[i] = 1;
  return 0;
}

static int child_fork12(void) {
  pid_t kids[12];
  int n = 0, fails = 0;
  for (int i = 0; i < 12; i++) {
    pid_t k = fork();
    if (k == 0) {
      pause();
      _exit(0);
    }
    if (k < 0)
      fails++;
    else
      kids[n++] = k;
  }
  for (int i = 0; i < n; i++) {
    kill(kids[i], SIGKILL);
    waitpid(kids[i], NULL, 0);
  }
  return fails;
}

static int child_busy(void) {
  double t0 = now();
  volatile unsigned long x = 0;
  while (now() - t0 < 1.0)
    x++;
  return 0;
}

static int child_sleep(void) {
  for (;;)
    pause();
  return 0;
}

/* 0: /dev/null opens and /dev/zero is refused with EPERM */
static int child_devices(void) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 1;
  close(fd);
  fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    return 2;
  return errno == EPERM ? 0 : 3;
}

/* ---- pure tests ---- */

static const char hybrid_mi[] =
    "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
    "rw,xattr,release_agent=/x,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_self[] = "9:name=systemd:/user.slice\n4:memory:/process_api/abc\n"
                                  "1:cpu,cpuacct:/\n0::/user.slice\n";

static void test_layout(void) {
  struct hutch_cgroup_layout *l = NULL;
  struct hutch_error *e = NULL;
  is_int(hutch_cgroup_parse_layout(hybrid_mi, hybrid_self, &l, &e), 0, "parse hybrid layout");
  diag_err(&e);
  if (l) {
    is_int(l->mode, HUTCH_CGROUP_HYBRID, "v1 controllers + cgroup2 → hybrid");
    is_int(l->n_mounts, 4, "3 v1 hierarchies + cgroup2");
    is_str(l->mounts[0].controllers, "cpu,cpuacct", "co-mounted cpu,cpuacct");
    is_str(l->mounts[1].self, "/process_api/abc", "own memory cgroup");
    is_str(l->mounts[2].controllers, "name=systemd", "named hierarchy, options dropped");
    is_str(l->mounts[2].self, "/user.slice", "own systemd cgroup");
    ok(l->mounts[3].v2, "cgroup2 last");
    is_str(l->mounts[3].mountpoint, "/sys/fs/cgroup/unified", "cgroup2 mountpoint");
    is_str(l->mounts[3].self, "/user.slice", "own v2 cgroup (0::)");
    hutch_cgroup_layout_free(l);
  }
  l = NULL;
  const char v1_mi[] = "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                       "32 30 0:29 /sub /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
                       "33 30 0:28 / /mnt/again rw - cgroup cgroup rw,cpuacct,cpu\n";
  is_int(hutch_cgroup_parse_layout(v1_mi, "2:pids:/sub/me\n1:cpuacct,cpu:/x\n", &l, &e), 0,
         "parse v1 layout");
  diag_err(&e);
  if (l) {
    is_int(l->mode, HUTCH_CGROUP_V1, "no cgroup2 → v1");
    is_int(l->n_mounts, 2, "a hierarchy mounted twice counts once");
    is_str(l->mounts[0].self, "/x", "controller order does not matter");
    is_str(l->mounts[1].self, "/me", "self below a sub-tree mount root");
    hutch_cgroup_layout_free(l);
  }
  l = NULL;
  const char v2_mi[] = "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
  is_int(hutch_cgroup_parse_layout(v2_mi, "0::/user.slice/x.scope\n", &l, &e), 0, "parse v2");
  diag_err(&e);
  if (l) {
    is_int(l->mode, HUTCH_CGROUP_V2, "cgroup2 alone → v2");
    is_str(l->mounts[0].self, "/user.slice/x.scope", "own v2 cgroup");
    hutch_cgroup_layout_free(l);
  }
  l = NULL;
  ok(hutch_cgroup_parse_layout("22 1 0:21 / /sys rw - sysfs sysfs rw\n", "", &l, &e) == -ENOENT,
     "no cgroup mount → ENOENT");
  diag_err(&e);

  enum hutch_cgroup_mode mode = 0;
  is_int(hutch_cgroup_detect(&mode, &e), 0, "detect host layout");
  diag_err(&e);
  is_str(hutch_cgroup_mode_name(mode), "hybrid", "this host is hybrid");
}

static void test_paths(void) {
  struct {
    const char *cg, *want;
  } res[] = {
      {NULL, "/hutch/c1"}, {"", "/hutch/c1"},       {"/a/b", "/a/b"},   {"/a//b/", "/a/b"},
      {"/../../a", "/a"},  {"/a/./b/../c", "/a/c"}, {"rel/x", "rel/x"}, {"./rel//x/", "rel/x"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(res); i++) {
    _cleanup_free_ char *p = hutch_cgroup_resolve_path(res[i].cg, "c1");
    is_str(p, res[i].want, "resolve \"%s\"", res[i].cg ? res[i].cg : "(null)");
  }
  struct {
    const char *self, *path, *want;
  } joins[] = {
      {"/process_api/h", "rel/x", "/process_api/h/rel/x"},
      {"/process_api/h", "/abs/x", "/abs/x"},
      {"/", "rel", "/rel"},
      {"/a/b", "../../../../x", "/x"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(joins); i++) {
    _cleanup_free_ char *p = hutch_cgroup_join_path(joins[i].self, joins[i].path);
    is_str(p, joins[i].want, "join %s + %s", joins[i].self, joins[i].path);
  }
}

static void test_convert(void) {
  struct {
    uint64_t shares, weight;
  } w[] = {{0, 0}, {2, 1}, {1, 1}, {1024, 39}, {512, 20}, {262144, 10000}, {999999, 10000}};
  for (size_t i = 0; i < ARRAY_SIZE(w); i++)
    is_int(hutch_cgroup_shares_to_weight(w[i].shares), w[i].weight, "shares %llu → weight %llu",
           (unsigned long long)w[i].shares, (unsigned long long)w[i].weight);
  struct {
    uint64_t blkio, io;
  } b[] = {{0, 0}, {10, 1}, {1000, 10000}, {500, 4950}, {5, 1}};
  for (size_t i = 0; i < ARRAY_SIZE(b); i++)
    is_int(hutch_cgroup_blkio_to_io_weight(b[i].blkio), b[i].io, "blkio weight %llu → io %llu",
           (unsigned long long)b[i].blkio, (unsigned long long)b[i].io);
  struct {
    int64_t memsw, limit;
    int ret;
    int64_t want;
  } s[] = {
      {0, -1, 0, -1},        /* limit unlimited, swap unset → both max */
      {-1, 100, 0, -1},      /* swap unlimited */
      {0, 100, 0, 0},        /* unset stays unset */
      {300, 100, 0, 200},    /* memsw total → swap part */
      {100, 100, 0, 0},      /* no swap */
      {50, 100, -EINVAL, 0}, /* memsw below limit */
      {300, 0, -EINVAL, 0},  /* swap without limit */
      {300, -1, -EINVAL, 0}, /* swap with unlimited memory */
  };
  for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
    int64_t out = 12345;
    int r = hutch_cgroup_swap_to_v2(s[i].memsw, s[i].limit, &out);
    is_int(r, s[i].ret, "swap %lld limit %lld: ret", (long long)s[i].memsw, (long long)s[i].limit);
    if (r == 0)
      is_int(out, s[i].want, "swap %lld limit %lld → swap.max %lld", (long long)s[i].memsw,
             (long long)s[i].limit, (long long)s[i].want);
  }
  char buf[48];
  hutch_cgroup_cpu_max(20000, 100000, buf);
  is_str(buf, "20000 100000", "cpu.max quota period");
  hutch_cgroup_cpu_max(-1, 0, buf);
  is_str(buf, "max 100000", "cpu.max unlimited, default period");
  char lb[24];
  is_str(hutch_cgroup_v2_limit(-1, lb), "max", "-1 → max");
  is_str(hutch_cgroup_v2_limit(33554432, lb), "33554432", "limit as is");
  ok(hutch_cgroup_valid_page_size("2MB") && hutch_cgroup_valid_page_size("1GB"), "page sizes");
  ok(!hutch_cgroup_valid_page_size("2MB/../x") && !hutch_cgroup_valid_page_size("MB"),
     "page size cannot smuggle a path");
}

/* docker's linux.resources: every field written, zero meaning "unset"
 * (pids left out). */
static void docker_zero_res(struct spec_resources *r) {
  *r = (struct spec_resources){
      .present = true, .has_memory = true, .has_cpu = true, .has_blkio = true};
  r->memory = (struct spec_memory){.has_limit = true,
                                   .has_reservation = true,
                                   .has_swap = true,
                                   .has_kernel = true,
                                   .has_kernel_tcp = true,
                                   .has_disable_oom_killer = true};
  r->cpu = (struct spec_cpu){.has_shares = true,
                             .has_quota = true,
                             .has_period = true,
                             .has_realtime_period = true,
                             .has_realtime_runtime = true,
                             .cpus = (char *)"",
                             .mems = (char *)""};
  r->blkio = (struct spec_blkio){.has_weight = true, .has_leaf_weight = true};
}

/* docker's spec: every field written, zero meaning "unset". */
static void test_effective(void) {
  struct spec_weight_device wd[2] = {{.major = 8, .minor = 0, .has_weight = true, .weight = 0},
                                     {.major = 8, .minor = 16, .has_leaf_weight = true}};
  struct spec_resources in;
  docker_zero_res(&in);
  in.has_pids = true;
  in.pids_limit = 0;
  in.blkio.weight_device = wd;
  in.blkio.n_weight_device = 2;
  struct spec_resources out;
  hutch_cgroup_effective(&in, &out);
  ok(out.present, "all zero: resources still present");
  ok(!out.has_memory && !out.memory.has_limit && !out.memory.has_reservation &&
         !out.memory.has_swap && !out.memory.has_kernel && !out.memory.has_kernel_tcp &&
         !out.memory.has_disable_oom_killer,
     "memory: limit/reservation/swap/kernel 0 and disableOOMKiller false are unset");
  ok(!out.has_cpu && !out.cpu.has_shares && !out.cpu.has_quota && !out.cpu.has_period &&
         !out.cpu.has_realtime_period && !out.cpu.has_realtime_runtime && !out.cpu.cpus &&
         !out.cpu.mems,
     "cpu: shares/quota/period/realtime 0 and cpus/mems \"\" are unset");
  ok(!out.has_blkio && !out.blkio.has_weight && !out.blkio.has_leaf_weight,
     "blkio: weight 0, leafWeight 0, device weights 0 are unset");
  ok(!hutch_cgroup_weight_set(wd[0].has_weight, wd[0].weight) &&
         !hutch_cgroup_weight_set(wd[1].has_leaf_weight, wd[1].leaf_weight) &&
         hutch_cgroup_weight_set(true, 500) && !hutch_cgroup_weight_set(false, 500),
     "device weight written only when given and non-zero");
  ok(out.has_pids && out.pids_limit == 0, "pids: a given limit stays (0 is not \"unset\")");
  ok(out.blkio.weight_device == wd && out.memory.limit == 0, "out shares in's arrays and values");

  /* what is really asked for stays */
  in.memory.limit = 32 * MiB;
  in.memory.swap = -1;
  in.memory.disable_oom_killer = true;
  in.cpu.quota = -1;
  in.cpu.shares = 512;
  in.cpu.cpus = (char *)"0";
  in.blkio.leaf_weight = 100;
  hutch_cgroup_effective(&in, &out);
  ok(out.has_memory && out.memory.has_limit && out.memory.has_swap &&
         out.memory.has_disable_oom_killer && !out.memory.has_reservation,
     "memory: limit, swap -1 and disableOOMKiller true stay");
  ok(out.has_cpu && out.cpu.has_quota && out.cpu.has_shares && !out.cpu.has_period &&
         strcmp(out.cpu.cpus, "0") == 0 && !out.cpu.mems,
     "cpu: quota -1, shares and cpus stay, period 0 does not");
  ok(out.has_blkio && out.blkio.has_leaf_weight && !out.blkio.has_weight,
     "blkio: leafWeight stays, weight 0 does not");
  memset(&in.blkio, 0, sizeof(in.blkio));
  in.blkio.n_throttle_read_bps = 1;
  hutch_cgroup_effective(&in, &out);
  ok(out.has_blkio, "blkio: a throttle rule alone keeps blockIO");
  memset(&in.memory, 0, sizeof(in.memory));
  in.memory.has_swappiness = true;
  hutch_cgroup_effective(&in, &out);
  ok(out.has_memory && out.memory.has_swappiness, "memory: swappiness 0 is a value, it stays");
  in.has_memory = in.has_cpu = in.has_blkio = false;
  hutch_cgroup_effective(&in, &out);
  ok(!out.has_memory && !out.has_cpu && !out.has_blkio, "absent stays absent");

  char buf[24];
  is_str(hutch_cgroup_pids_max(0, buf), "1", "pids.limit 0 → pids.max 1 (runc)");
  is_str(hutch_cgroup_pids_max(-1, buf), "max", "pids.limit -1 → max");
  is_str(hutch_cgroup_pids_max(-5, buf), "max", "pids.limit < 0 → max");
  is_str(hutch_cgroup_pids_max(42, buf), "42", "pids.limit 42 as is");
}

/* ---- v1 (this host's controllers), for real ---- */

static void init_res(struct spec_resources *r, struct spec_device_cgroup *devs) {
  memset(r, 0, sizeof(*r));
  r->present = true;
  r->has_memory = true;
  r->memory.has_limit = r->memory.has_swap = true;
  r->memory.limit = r->memory.swap = 32 * MiB; /* memsw = limit: no swap */
  r->has_pids = true;
  r->pids_limit = 6;
  r->has_cpu = true;
  r->cpu.has_quota = r->cpu.has_period = true;
  r->cpu.quota = 20000;
  r->cpu.period = 100000;
  devs[0] = (struct spec_device_cgroup){
      .allow = true, .type = 'a', .major = -1, .minor = -1, .access = (char *)"rwm"};
  devs[1] = (struct spec_device_cgroup){
      .allow = false, .type = 'c', .major = 1, .minor = 5, .access = (char *)"rwm"};
  r->devices = devs;
  r->n_devices = 2;
  static struct spec_hugepage_limit huge = {(char *)"2MB", 4 * MiB};
  r->hugepage_limits = &huge;
  r->n_hugepage_limits = 1;
}

static int child_mount_view(struct hutch_cgroup *cg, bool cgroupns, const char *root) {
  /* runs in a forked child: private mount namespace, optionally a cgroup
   * namespace rooted at the container's cgroup */
  if (unshare(CLONE_NEWNS | (cgroupns ? CLONE_NEWCGROUP : 0)) < 0)
    return 10;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return 11;
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct hutch_error *e = NULL;
  if (hutch_cgroup_mount_in_container(cg, rootfd, false, cgroupns, &e) < 0) {
    _cleanup_free_ char *t = hutch_error_text(e);
    fprintf(stderr, "mount_in_container: %s\n", t);
    return 12;
  }
  char p[4096];
  /* <root>/sys is a symlink to /outside: resolved inside the root */
  snprintf(p, sizeof(p), "%s/outside/fs/cgroup/memory/memory.limit_in_bytes", root);
  if (read_u64(p) != 64 * MiB)
    return 13;
  if (hutch_write_file(p, "1", 1) != -EROFS)
    return 14;
  snprintf(p, sizeof(p), "%s/outside/fs/cgroup/pids/pids.max", root);
  if (read_u64(p) != 6)
    return 15;
  snprintf(p, sizeof(p), "%s/outside/fs/cgroup/unified/cgroup.procs", root);
  if (!hutch_path_exists(p))
    return 16;
  snprintf(p, sizeof(p), "%s/outside/fs/cgroup/x", root);
  if (mkdir(p, 0755) == 0 || errno != EROFS)
    return 17;
  if (hutch_path_exists("/outside"))
    return 18;
  if (cgroupns) {
    _cleanup_free_ char *self = NULL;
    if (hutch_read_file("/proc/self/cgroup", &self, NULL) < 0 || !strstr(self, ":memory:/\n"))
      return 19;
  }
  return 0;
}

static void test_v1(void) {
  struct hutch_error *e = NULL;
  struct spec_resources res;
  struct spec_device_cgroup devs[2];
  init_res(&res, devs);
  char path[128];
  snprintf(path, sizeof(path), "%s/a", top_v1);

  _cleanup_cgroup_ struct hutch_cgroup *cg = NULL;
  is_int(hutch_cgroup_create(path, &res, &cg, &e), 0, "create %s", path);
  diag_err(&e);
  if (cg == NULL)
    return;
  is_str(hutch_cgroup_path(cg), path, "absolute path kept (memory hierarchy too)");
  is_int(hutch_cgroup_clone_fd(cg), -EOPNOTSUPP, "no CLONE_INTO_CGROUP on hybrid");
  is_int(knob("memory", top_v1, "memory.limit_in_bytes"), 32 * MiB, "memory.limit_in_bytes");
  is_int(knob("memory", top_v1, "memory.memsw.limit_in_bytes"), 32 * MiB, "memsw = limit + swap");
  is_int(knob("pids", top_v1, "pids.max"), 6, "pids.max");
  is_int(knob("cpu", top_v1, "cpu.cfs_quota_us"), 20000, "cpu.cfs_quota_us");
  is_int(knob("cpu", top_v1, "cpu.cfs_period_us"), 100000, "cpu.cfs_period_us");
  char p[4096];
  snprintf(p, sizeof(p), "/sys/fs/cgroup/cpuset%s/a/cpuset.cpus", top_v1);
  _cleanup_free_ char *cpus = NULL;
  hutch_read_file(p, &cpus, NULL);
  if (cpus)
    cpus[strcspn(cpus, "\n")] = 0;
  ok(cpus && cpus[0] != 0, "cpuset.cpus inherited from the parent (%s)", cpus ? cpus : "");
  snprintf(p, sizeof(p), "/sys/fs/cgroup/unified%s/a", top_v1);
  ok(hutch_path_exists(p), "hybrid: placement dir in the cgroup2 mount");
  is_int(knob("unified", top_v1, "hugetlb.2MB.max"), 4 * MiB,
         "hybrid: hugetlb (only on the cgroup2 mount here) set there");
  /* memory: OOM */
  pid_t pid = spawn_in(cg, child_hog);
  int st = wait_status(pid);
  ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "64 MiB in a 32 MiB cgroup: SIGKILL (status %#x)",
     st);
  unsigned long ooms = 0;
  is_int(hutch_cgroup_oom_count(cg, &ooms, &e), 0, "oom_count");
  diag_err(&e);
  ok(ooms >= 1, "oom_count %lu >= 1", ooms);

  /* pids */
  pid = spawn_in(cg, child_fork12);
  st = wait_status(pid);
  ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "pids.max 6: 7 of 12 forks fail (got %d)",
     WIFEXITED(st) ? WEXITSTATUS(st) : -1);

  /* cpu */
  snprintf(p, sizeof(p), "/sys/fs/cgroup/cpuacct%s/a/cpuacct.usage", top_v1);
  uint64_t u0 = read_u64(p);
  double t0 = now();
  pid = spawn_in(cg, child_busy);
  st = wait_status(pid);
  double wall = now() - t0;
  double cpu = (double)(read_u64(p) - u0) / 1e9;
  ok(WIFEXITED(st) && cpu < 0.3 && cpu > 0.05 && wall >= 1.0,
     "20%% quota: busy loop for %.2fs used %.3fs cpu (cpuacct)", wall, cpu);

  /* devices */
  pid = spawn_in(cg, child_devices);
  st = wait_status(pid);
  ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "devices: /dev/null allowed, /dev/zero EPERM (%d)",
     WIFEXITED(st) ? WEXITSTATUS(st) : -1);

  /* freeze, pids, update, stats with a sleeping child */
  pid = spawn_in(cg, child_sleep);
  usleep(50000);
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  is_int(hutch_cgroup_pids(cg, &pids, &n, &e), 0, "pids()");
  diag_err(&e);
  ok(n == 1 && pids && pids[0] == pid, "pids() lists the child (n=%zu)", n);
  is_int(hutch_cgroup_freeze(cg, true, &e), 0, "freeze");
  diag_err(&e);
  is_int(hutch_cgroup_is_frozen(cg), 1, "is_frozen after freeze");
  snprintf(p, sizeof(p), "/sys/fs/cgroup/freezer%s/a/freezer.state", top_v1);
  _cleanup_free_ char *fs = NULL;
  hutch_read_file(p, &fs, NULL);
  is_str(fs, "FROZEN\n", "freezer.state");
  is_int(hutch_cgroup_freeze(cg, false, &e), 0, "thaw");
  diag_err(&e);
  is_int(hutch_cgroup_is_frozen(cg), 0, "is_frozen after thaw");

  struct spec_resources up = {.present = true, .has_memory = true};
  up.memory.has_limit = up.memory.has_swap = true;
  up.memory.limit = up.memory.swap = 64 * MiB; /* grows: memsw must be written first */
  is_int(hutch_cgroup_update(cg, &up, &e), 0, "update memory to 64 MiB");
  diag_err(&e);
  is_int(knob("memory", top_v1, "memory.limit_in_bytes"), 64 * MiB, "raised limit reads back");

  struct spec_resources chk = {.present = true, .has_memory = true};
  chk.memory.has_limit = chk.memory.has_check_before_update = chk.memory.check_before_update = true;
  chk.memory.limit = 4096;
  ok(hutch_cgroup_update(cg, &chk, &e) == -EBUSY, "checkBeforeUpdate refuses a limit below usage");
  diag_err(&e);
  is_int(knob("memory", top_v1, "memory.limit_in_bytes"), 64 * MiB, "limit unchanged");

  struct spec_resources bad = {.present = true, .has_cpu = true};
  bad.cpu.cpus = (char *)"99";
  ok(hutch_cgroup_update(cg, &bad, &e) < 0, "cpus 99 is refused");
  _cleanup_free_ char *bt = e ? hutch_error_text(e) : NULL;
  snprintf(p, sizeof(p), "write 99 to /sys/fs/cgroup/cpuset%s/a/cpuset.cpus: ", top_v1);
  ok(bt && strstr(bt, p), "error names the file and value: %s", bt ? bt : "");
  hutch_error_free(e);
  e = NULL;
  struct spec_resources uni = {.present = true, .n_unified = 1};
  struct spec_kv kv = {(char *)"memory.high", (char *)"1"};
  uni.unified = &kv;
  ok(hutch_cgroup_update(cg, &uni, &e) < 0 && e && e->errnum == EOPNOTSUPP,
     "unified keys refused on v1");
  diag_err(&e);

  json_t *stats = NULL;
  is_int(hutch_cgroup_stats(cg, &stats, &e), 0, "stats");
  diag_err(&e);
  json_t *mu = json_object_get(json_object_get(json_object_get(stats, "memory"), "usage"), "usage");
  ok(json_integer_value(mu) > 0, "stats memory.usage.usage = %lld",
     (long long)json_integer_value(mu));
  json_t *ml = json_object_get(json_object_get(json_object_get(stats, "memory"), "usage"), "limit");
  is_int(json_integer_value(ml), 64 * MiB, "stats memory.usage.limit");
  is_int(json_integer_value(json_object_get(json_object_get(stats, "pids"), "current")), 1,
         "stats pids.current");
  ok(json_integer_value(
         json_object_get(json_object_get(json_object_get(stats, "cpu"), "usage"), "total")) > 0,
     "stats cpu.usage.total");
  json_decref(stats);

  /* the container's view of its cgroups: a child in its own mount ns */
  char root[] = "/tmp/hutch-cg-root-XXXXXX";
  ok(mkdtemp(root) != NULL, "temp rootfs");
  snprintf(p, sizeof(p), "%s/sys", root);
  ok(symlink("/outside", p) == 0, "<root>/sys -> /outside (must stay in the root)");
  for (int ns = 0; ns < 2; ns++) {
    pid_t mp = fork();
    if (mp == 0) {
      if (ns) {
        struct hutch_error *ce = NULL;
        if (hutch_cgroup_enter(cg, getpid(), &ce) < 0)
          _exit(9);
      }
      _exit(child_mount_view(cg, ns, root));
    }
    st = wait_status(mp);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
       "mount_in_container%s: binds, read-only, in the root (%d)", ns ? " with cgroupns" : "",
       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  }
  ok(!hutch_path_exists("/outside"), "nothing created outside the root");
  hutch_rm_rf(root);

  /* kill, then destroy with the sleeper (and a fresh one) still inside */
  is_int(hutch_cgroup_freeze(cg, true, &e), 0, "pause again");
  diag_err(&e);
  is_int(hutch_cgroup_kill(cg, SIGTERM, &e), 0, "kill SIGTERM while paused");
  diag_err(&e);
  is_int(hutch_cgroup_is_frozen(cg), 1, "a signal other than SIGKILL leaves it paused");
  usleep(50000);
  ok(waitpid(pid, &st, WNOHANG) == 0, "the frozen child has not acted on it yet");
  is_int(hutch_cgroup_freeze(cg, false, &e), 0, "resume");
  diag_err(&e);
  st = wait_status(pid);
  ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "child got SIGTERM (%#x)", st);
  pid = spawn_in(cg, child_sleep);
  usleep(20000);
  is_int(hutch_cgroup_destroy(cg, &e), 0, "destroy");
  diag_err(&e);
  st = wait_status(pid);
  ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "destroy killed the remaining child (%#x)", st);
  ok(!any_exists(top_v1), "no %s left in any hierarchy (parent included)", top_v1);
}

/* For real: docker's all-zero resources on this host (no blkio.weight,
 * maybe no blkio.bfq.weight either) create, update and leave the knobs
 * at the kernel's values; pids.limit 0 writes 1. */
static void test_docker_zeros(void) {
  struct hutch_error *e = NULL;
  char path[128];
  snprintf(path, sizeof(path), "%s/docker0", top_b);
  struct spec_resources r;
  docker_zero_res(&r);
  _cleanup_cgroup_ struct hutch_cgroup *cg = NULL;
  is_int(hutch_cgroup_create(path, &r, &cg, &e), 0, "create with docker's zero resources");
  diag_err(&e);
  if (cg == NULL)
    return;
  is_int(hutch_cgroup_update(cg, &r, &e), 0, "update with docker's zero resources");
  diag_err(&e);
  char d[256];
  snprintf(d, sizeof(d), "/sys/fs/cgroup/memory%s", path);
  ok(read_u64(strcat(d, "/memory.limit_in_bytes")) > 1ull << 40, "memory limit left unlimited");
  snprintf(d, sizeof(d), "/sys/fs/cgroup/cpu%s/cpu.shares", path);
  is_int(read_u64(d), 1024, "cpu.shares left at the default");
  snprintf(d, sizeof(d), "/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us", path);
  _cleanup_free_ char *quota = NULL;
  hutch_read_file(d, &quota, NULL);
  is_str(quota, "-1\n", "cfs quota left unlimited");
  struct spec_resources p = {.present = true, .has_pids = true, .pids_limit = 0};
  is_int(hutch_cgroup_update(cg, &p, &e), 0, "update pids.limit 0");
  diag_err(&e);
  snprintf(d, sizeof(d), "/sys/fs/cgroup/pids%s/pids.max", path);
  is_int(read_u64(d), 1, "pids.limit 0 → pids.max 1");
  is_int(hutch_cgroup_destroy(cg, &e), 0, "destroy");
  diag_err(&e);
}

/* created dirs survive a reopen (state.json), and only ours are accepted */
static void test_reopen(void) {
  struct hutch_error *e = NULL;
  char path[128];
  snprintf(path, sizeof(path), "%s/x/y", top_b);
  _cleanup_cgroup_ struct hutch_cgroup *cg = NULL;
  is_int(hutch_cgroup_create(path, NULL, &cg, &e), 0, "create %s without resources", path);
  diag_err(&e);
  if (cg == NULL)
    return;
  json_t *made = hutch_cgroup_created(cg);
  ok(json_array_size(made) >= 3 * 9, "created lists every level in every hierarchy (%zu)",
     json_array_size(made));
  _cleanup_free_ char *saved_path = strdup(hutch_cgroup_path(cg));
  hutch_cgroup_free(cg);
  cg = NULL;

  is_int(hutch_cgroup_open(saved_path, &cg, &e), 0, "open %s", saved_path);
  diag_err(&e);
  json_t *evil = json_pack("[s]", "/sys/fs/cgroup/memory");
  ok(hutch_cgroup_set_created(cg, evil, &e) == -EINVAL, "a hierarchy root is refused");
  diag_err(&e);
  json_decref(evil);
  evil = json_pack("[s]", "/sys/fs/cgroup/memory/process_api");
  ok(hutch_cgroup_set_created(cg, evil, &e) == -EINVAL, "an unrelated cgroup is refused");
  diag_err(&e);
  json_decref(evil);
  is_int(hutch_cgroup_set_created(cg, made, &e), 0, "set_created from state");
  diag_err(&e);
  json_decref(made);
  pid_t pid = spawn_in(cg, child_sleep);
  usleep(20000);
  is_int(hutch_cgroup_destroy(cg, &e), 0, "destroy reopened cgroup");
  diag_err(&e);
  int st = wait_status(pid);
  ok(WIFSIGNALED(st), "child killed by destroy");
  ok(!any_exists(top_b), "reopened destroy removed the parents it made too");
}

/* A relative cgroupsPath lands below the caller's cgroup in each hierarchy:
 * here the memory one (/process_api/…) differs from the others ("/"). */
static void test_relative(void) {
  struct hutch_error *e = NULL;
  _cleanup_free_ char *self = NULL;
  char memself[2048] = "/";
  if (hutch_read_file("/proc/self/cgroup", &self, NULL) == 0) {
    char *m = strstr(self, ":memory:");
    if (m)
      snprintf(memself, sizeof(memself), "%.*s", (int)strcspn(m + 8, "\n"), m + 8);
  }
  snprintf(rel_mem_top, sizeof(rel_mem_top), "/sys/fs/cgroup/memory%s%s",
           strcmp(memself, "/") == 0 ? "" : memself, top_r);
  char rel[128];
  snprintf(rel, sizeof(rel), "%s/c", top_r + 1);
  _cleanup_free_ char *rp = hutch_cgroup_resolve_path(rel, "id");
  is_str(rp, rel, "relative cgroupsPath stays relative");
  _cleanup_cgroup_ struct hutch_cgroup *cg = NULL;
  is_int(hutch_cgroup_create(rp, NULL, &cg, &e), 0, "create relative %s", rel);
  diag_err(&e);
  if (cg == NULL)
    return;
  char want[4096], p[4200];
  snprintf(p, sizeof(p), "%s/c", rel_mem_top);
  ok(hutch_path_exists(p), "memory dir below our own memory cgroup (%s)", p);
  snprintf(p, sizeof(p), "/sys/fs/cgroup/pids%s/c", top_r);
  ok(hutch_path_exists(p), "pids dir below our pids cgroup (/)");
  snprintf(want, sizeof(want), "memory:%s%s/c", strcmp(memself, "/") == 0 ? "" : memself, top_r);
  const char *path = hutch_cgroup_path(cg);
  ok(strcmp(memself, "/") == 0 || (strstr(path, want) && strchr(path, ';')),
     "per-hierarchy path encoded: %s", path);
  json_t *made = hutch_cgroup_created(cg);
  _cleanup_free_ char *saved = strdup(path);
  hutch_cgroup_free(cg);
  cg = NULL;
  is_int(hutch_cgroup_open(saved, &cg, &e), 0, "reopen by the encoded path");
  diag_err(&e);
  if (cg) {
    is_str(hutch_cgroup_path(cg), saved, "same path after reopen");
    is_int(hutch_cgroup_set_created(cg, made, &e), 0, "set_created");
    diag_err(&e);
    is_int(hutch_cgroup_destroy(cg, &e), 0, "destroy relative cgroup");
    diag_err(&e);
  }
  json_decref(made);
  ok(!hutch_path_exists(rel_mem_top) && !any_exists(top_r), "relative dirs all removed");
}

/* ---- the v2 backend on the cgroup2 mount of this hybrid host ---- */

static int child_v2_view(struct hutch_cgroup *cg, const char *root) {
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return 10;
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct hutch_error *e = NULL;
  if (hutch_cgroup_mount_in_container(cg, rootfd, false, false, &e) < 0)
    return 12;
  char p[4096];
  snprintf(p, sizeof(p), "%s/sys/fs/cgroup/cgroup.freeze", root);
  if (!hutch_path_exists(p))
    return 13;
  if (hutch_write_file(p, "0", 1) != -EROFS)
    return 14;
  return 0;
}

static void test_v2(void) {
  struct hutch_error *e = NULL;
  const char *mnt = "/sys/fs/cgroup/unified";
  if (!hutch_path_exists("/sys/fs/cgroup/unified/cgroup.procs")) {
    ok(0, "no cgroup2 mount at %s", mnt);
    return;
  }
  char path[128], dir[256];
  snprintf(path, sizeof(path), "%s/c", top_v2);
  snprintf(dir, sizeof(dir), "%s%s", mnt, path);
  struct spec_resources res = {.present = true};
  struct spec_device_cgroup devs[2];
  struct spec_resources tmp;
  init_res(&tmp, devs);
  res.devices = devs;
  res.n_devices = 2;
  _cleanup_cgroup_ struct hutch_cgroup *cg = NULL;
  is_int(hutch_cgroup_v2_open_at(mnt, path, true, &res, &cg, &e), 0,
         "v2 backend: create %s with a device program", dir);
  diag_err(&e);
  if (cg == NULL)
    return;

  /* clone3(CLONE_INTO_CGROUP): born in the cgroup, under the device program */
  int cfd = hutch_cgroup_clone_fd(cg);
  ok(cfd >= 0, "clone_fd");
  struct clone_args ca = {
      .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cfd};
  pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
  if (pid == 0) {
    _cleanup_free_ char *self = NULL;
    char want[256];
    snprintf(want, sizeof(want), "0::%s\n", path);
    if (hutch_read_file("/proc/self/cgroup", &self, NULL) < 0 || !strstr(self, want))
      _exit(20);
    _exit(child_devices());
  }
  int st = wait_status(pid);
  ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
     "clone3 into the cgroup; eBPF device program denies /dev/zero (%d)",
     WIFEXITED(st) ? WEXITSTATUS(st) : -1);

  /* update replaces the program: allow everything again */
  struct spec_resources allow = {.present = true, .devices = devs, .n_devices = 1};
  is_int(hutch_cgroup_update(cg, &allow, &e), 0, "update device program");
  diag_err(&e);
  pid = spawn_in(cg, child_devices);
  st = wait_status(pid);
  ok(WIFEXITED(st) && WEXITSTATUS(st) == 2, "after update /dev/zero opens (old program detached)");

  /* unified: raw key/values, only file names in our directory */
  struct spec_kv kv = {(char *)"cgroup.max.descendants", (char *)"3"};
  struct spec_resources uni = {.present = true, .unified = &kv, .n_unified = 1};
  is_int(hutch_cgroup_update(cg, &uni, &e), 0, "v2 unified cgroup.max.descendants=3");
  diag_err(&e);
  char f[512];
  snprintf(f, sizeof(f), "%s/cgroup.max.descendants", dir);
  is_int(read_u64(f), 3, "unified value reads back");
  kv.key = (char *)"../cgroup.max.descendants";
  ok(hutch_cgroup_update(cg, &uni, &e) == -EINVAL, "unified key with a path is refused");
  diag_err(&e);

  pid = spawn_in(cg, child_sleep);
  usleep(20000);
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  is_int(hutch_cgroup_pids(cg, &pids, &n, &e), 0, "v2 pids()");
  diag_err(&e);
  ok(n == 1 && pids[0] == pid, "v2 pids() lists the entered child");
  is_int(hutch_cgroup_freeze(cg, true, &e), 0, "v2 freeze (cgroup.freeze)");
  diag_err(&e);
  is_int(hutch_cgroup_is_frozen(cg), 1, "v2 is_frozen");
  is_int(hutch_cgroup_freeze(cg, false, &e), 0, "v2 thaw");
  diag_err(&e);
  is_int(hutch_cgroup_is_frozen(cg), 0, "v2 thawed");
  json_t *stats = NULL;
  is_int(hutch_cgroup_stats(cg, &stats, &e), 0, "v2 stats");
  diag_err(&e);
  ok(json_object_get(json_object_get(json_object_get(stats, "cpu"), "usage"), "total") != NULL,
     "v2 stats cpu.usage.total present");
  json_decref(stats);
  unsigned long ooms;
  ok(hutch_cgroup_oom_count(cg, &ooms, &e) < 0, "v2 oom_count without the memory controller fails");
  diag_err(&e);

  char root[] = "/tmp/hutch-cg-root-XXXXXX";
  ok(mkdtemp(root) != NULL, "temp rootfs");
  pid_t mp = fork();
  if (mp == 0)
    _exit(child_v2_view(cg, root));
  st = wait_status(mp);
  ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "v2 mount_in_container: read-only bind (%d)",
     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  hutch_rm_rf(root);

  is_int(hutch_cgroup_kill(cg, SIGKILL, &e), 0, "v2 kill SIGKILL (cgroup.kill)");
  diag_err(&e);
  st = wait_status(pid);
  ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child killed through cgroup.kill");
  pid = spawn_in(cg, child_sleep);
  usleep(20000);
  is_int(hutch_cgroup_kill(cg, SIGUSR1, &e), 0, "v2 kill SIGUSR1 (freeze, kill, thaw)");
  diag_err(&e);
  st = wait_status(pid);
  ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "child got SIGUSR1");
  pid = spawn_in(cg, child_sleep);
  usleep(20000);
  is_int(hutch_cgroup_destroy(cg, &e), 0, "v2 destroy");
  diag_err(&e);
  st = wait_status(pid);
  ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "v2 destroy killed the child");
  ok(!hutch_path_exists(dir), "v2 dir removed");
  snprintf(dir, sizeof(dir), "%s%s", mnt, top_v2);
  ok(!hutch_path_exists(dir), "v2 parent we made removed");
}

int main(void) {
  if (getenv("HUTCH_TEST_DEBUG"))
    hutch_log_set_level(HUTCH_LOG_DEBUG);
  snprintf(top_v1, sizeof(top_v1), "/hutch-test-%d", (int)getpid());
  snprintf(top_b, sizeof(top_b), "/hutch-test-%d-b", (int)getpid());
  snprintf(top_v2, sizeof(top_v2), "/hutch-test-%d-v2", (int)getpid());
  snprintf(top_r, sizeof(top_r), "/hutch-test-%d-r", (int)getpid());
  _cleanup_free_ char *sc = NULL;
  if (hutch_read_file("/sys/fs/cgroup/unified/cgroup.subtree_control", &sc, NULL) == 0)
    hugetlb_was_on = strstr(sc, "hugetlb") != NULL;
  else
    hugetlb_was_on = true; /* nothing to restore */
  atexit(cleanup_all);
  main_pid = getpid();
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGHUP, on_signal);
  test_layout();
  test_paths();
  test_convert();
  test_effective();
  if (geteuid() != 0) {
    ok(0, "the real cgroup tests need root");
    return done_testing();
  }
  test_v1();
  test_docker_zeros();
  test_reopen();
  test_relative();
  test_v2();
  cleanup_all();
  ok(!any_exists(top_v1) && !any_exists(top_b) && !any_exists(top_v2) && !any_exists(top_r) &&
         !hutch_path_exists(rel_mem_top),
     "nothing left behind");
  return done_testing();
}
