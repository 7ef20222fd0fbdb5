/* hutch-helper: the payload that integration tests run inside containers.
 *
 * One static binary with subcommands, each printing one exact fact about the
 * process it runs as (its pid, ids, hostname, mounts, limits...), so tests can
 * assert exact values instead of parsing busybox output.  It is linked
 * statically, so it avoids everything static glibc cannot do (no NSS: no
 * getpwnam, no getgrouplist).
 *
 * Conventions: facts go to stdout, one per line; a failing operation prints
 * "hutch-helper: <cmd> <arg>: <ERRNO_NAME>: <strerror>" to stderr and exits 1;
 * bad usage exits 2. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *errname(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "EUNKNOWN";
}

static int fail(const char *cmd, const char *arg, int e) {
  fprintf(stderr, "hutch-helper: %s %s: %s: %s\n", cmd, arg ? arg : "", errname(e), strerror(e));
  return 1;
}

static int usage(const char *msg) {
  fprintf(stderr, "hutch-helper: %s\n", msg);
  return 2;
}

static long parse_long(const char *s, int *ok) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 0);
  *ok = s[0] != '\0' && end && *end == '\0' && errno == 0;
  return v;
}

static double parse_seconds(const char *s, int *ok) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  *ok = s[0] != '\0' && end && *end == '\0' && errno == 0 && v >= 0;
  return v;
}

static double now_monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_seconds(double s) {
  struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* Signal names without the SIG prefix; numbers are accepted too. */
static const struct {
  const char *name;
  int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"SYS", SIGSYS},
};

static int parse_signal(const char *s) {
  int ok;
  long n = parse_long(s, &ok);
  if (ok)
    return n > 0 && n < NSIG ? (int)n : -1;
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
    if (strcasecmp(s, signals[i].name) == 0)
      return signals[i].sig;
  return -1;
}

static const struct {
  const char *name;
  int res;
} rlimits[] = {
    {"CPU", RLIMIT_CPU},           {"FSIZE", RLIMIT_FSIZE},
    {"DATA", RLIMIT_DATA},         {"STACK", RLIMIT_STACK},
    {"CORE", RLIMIT_CORE},         {"RSS", RLIMIT_RSS},
    {"NPROC", RLIMIT_NPROC},       {"NOFILE", RLIMIT_NOFILE},
    {"MEMLOCK", RLIMIT_MEMLOCK},   {"AS", RLIMIT_AS},
    {"LOCKS", RLIMIT_LOCKS},       {"SIGPENDING", RLIMIT_SIGPENDING},
    {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
    {"RTPRIO", RLIMIT_RTPRIO},     {"RTTIME", RLIMIT_RTTIME},
};

static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_id(void) {
  gid_t groups[NGROUPS_MAX];
  int n = getgroups(NGROUPS_MAX, groups);
  if (n < 0)
    return fail("id", "getgroups", errno);
  long sorted[NGROUPS_MAX];
  for (int i = 0; i < n; i++)
    sorted[i] = groups[i];
  qsort(sorted, (size_t)n, sizeof(long), cmp_long);
  printf("uid=%u gid=%u groups=", (unsigned)getuid(), (unsigned)getgid());
  for (int i = 0; i < n; i++)
    printf("%s%ld", i ? "," : "", sorted[i]);
  printf("\n");
  return 0;
}

/* Prints the value of one /proc/self/status field, whitespace trimmed. */
static int cmd_status(const char *field) {
  FILE *f = fopen("/proc/self/status", "re");
  if (!f)
    return fail("status", "/proc/self/status", errno);
  char line[4096];
  size_t flen = strlen(field);
  int found = 0;
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, field, flen) != 0 || line[flen] != ':')
      continue;
    char *v = line + flen + 1;
    while (*v == ' ' || *v == '\t')
      v++;
    v[strcspn(v, "\n")] = '\0';
    printf("%s\n", v);
    found = 1;
    break;
  }
  fclose(f);
  if (!found)
    return fail("status", field, ENOENT);
  return 0;
}

static int cmd_cat(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail("cat", path, errno);
  char buf[65536];
  ssize_t r;
  while ((r = read(fd, buf, sizeof(buf))) > 0)
    if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
      return fail("cat", path, errno);
  int e = errno;
  close(fd);
  return r < 0 ? fail("cat", path, e) : 0;
}

static int cmd_write(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail("write", path, errno);
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  int e = errno;
  if (w != (ssize_t)len) {
    close(fd);
    return fail("write", path, w < 0 ? e : EIO);
  }
  if (close(fd) < 0)
    return fail("write", path, errno);
  printf("ok\n");
  return 0;
}

static int cmd_ls(const char *path) {
  DIR *d = opendir(path);
  if (!d)
    return fail("ls", path, errno);
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    names = realloc(names, (n + 1) * sizeof(*names));
    if (!names)
      return fail("ls", path, ENOMEM);
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(*names), cmp_str);
  for (size_t i = 0; i < n; i++) {
    printf("%s\n", names[i]);
    free(names[i]);
  }
  free(names);
  return 0;
}

static int cmd_memhog(const char *arg) {
  int ok;
  long mib = parse_long(arg, &ok);
  if (!ok || mib < 0)
    return usage("memhog: MIB must be a non-negative integer");
  size_t len = (size_t)mib << 20;
  /* mmap rather than malloc so every page is fresh and must be faulted in. */
  char *p =
      len ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : NULL;
  if (len && p == MAP_FAILED)
    return fail("memhog", arg, errno);
  long page = sysconf(_SC_PAGESIZE);
  for (size_t off = 0; off < len; off += (size_t)page)
    p[off] = 1;
  printf("allocated %ld MiB\n", mib);
  return 0;
}

/* Forks N children that sleep until killed; prints how many forks
 * succeeded, then kills and reaps them so nothing outlives the helper. */
static int cmd_forkbomb(const char *arg) {
  int ok;
  long n = parse_long(arg, &ok);
  if (!ok || n < 0)
    return usage("forkbomb: N must be a non-negative integer");
  pid_t *pids = calloc((size_t)n + 1, sizeof(pid_t));
  if (!pids)
    return fail("forkbomb", arg, ENOMEM);
  long made = 0;
  int first_err = 0;
  for (long i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) {
      for (;;)
        pause();
    }
    if (p < 0) {
      if (!first_err)
        first_err = errno;
      continue;
    }
    pids[made++] = p;
  }
  for (long i = 0; i < made; i++)
    kill(pids[i], SIGKILL);
  for (long i = 0; i < made; i++)
    waitpid(pids[i], NULL, 0);
  free(pids);
  printf("%ld\n", made);
  if (first_err)
    fprintf(stderr, "hutch-helper: forkbomb: %ld forks failed: %s\n", n - made, errname(first_err));
  return 0;
}

/* Busy-loops for SECONDS of wall time; prints the CPU time it actually got,
 * which is what CPU quota tests compare. */
static int cmd_spin(const char *arg) {
  int ok;
  double s = parse_seconds(arg, &ok);
  if (!ok)
    return usage("spin: SECONDS must be a non-negative number");
  double end = now_monotonic() + s;
  volatile unsigned long x = 0;
  while (now_monotonic() < end)
    for (int i = 0; i < 10000; i++)
      x++;
  struct timespec cpu;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  printf("cpu_ms=%ld\n", (long)cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000);
  return 0;
}

/* raise() cannot kill a pid-namespace init with a default disposition (the
 * kernel drops such signals), so for SEGV we fault for real, which the
 * kernel delivers even to init.  Any other signal that did not kill us is
 * reported rather than silently turned into exit 0. */
static int cmd_kill_self(const char *arg) {
  int sig = parse_signal(arg);
  if (sig < 0)
    return usage("kill-self: unknown signal");
  fflush(stdout);
  raise(sig);
  if (sig == SIGSEGV) {
    signal(SIGSEGV, SIG_DFL);
    *(volatile int *)0 = 0;
  }
  fprintf(stderr, "hutch-helper: kill-self %s: still alive (pid %d ignores it)\n", arg,
          (int)getpid());
  return 1;
}

static int cmd_mountinfo(void) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return fail("mountinfo", "/proc/self/mountinfo", errno);
  char line[8192];
  while (fgets(line, sizeof(line), f)) {
    /* field 5 is the mount point */
    char *p = line;
    for (int i = 0; i < 4 && p; i++) {
      p = strchr(p, ' ');
      if (p)
        p++;
    }
    if (!p)
      continue;
    p[strcspn(p, " ")] = '\0';
    printf("%s\n", p);
  }
  fclose(f);
  return 0;
}

static int cmd_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return fail("fds", "/proc/self/fd", errno);
  int self = dirfd(d);
  long fds[4096];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    int ok;
    long fd = parse_long(de->d_name, &ok);
    if (!ok || fd <= 2 || fd == self)
      continue;
    if (n < sizeof(fds) / sizeof(fds[0]))
      fds[n++] = fd;
  }
  qsort(fds, n, sizeof(long), cmp_long);
  for (size_t i = 0; i < n; i++) {
    char path[64], target[PATH_MAX];
    snprintf(path, sizeof(path), "/proc/self/fd/%ld", fds[i]);
    ssize_t len = readlink(path, target, sizeof(target) - 1);
    if (len < 0)
      len = 0;
    target[len] = '\0';
    printf("%ld %s\n", fds[i], target);
  }
  closedir(d);
  return 0;
}

static int cmd_env(const char *name) {
  if (name) {
    const char *v = getenv(name);
    if (!v)
      return fail("env", name, ENOENT);
    printf("%s\n", v);
    return 0;
  }
  for (char **e = environ; e && *e; e++)
    printf("%s\n", *e);
  return 0;
}

static int cmd_mkdir(const char *path) {
  if (mkdir(path, 0755) < 0) {
    printf("%s\n", errname(errno));
    return 1;
  }
  printf("ok\n");
  return 0;
}

static int cmd_ns(const char *type) {
  char path[PATH_MAX], target[PATH_MAX];
  snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
  ssize_t len = readlink(path, target, sizeof(target) - 1);
  if (len < 0)
    return fail("ns", type, errno);
  target[len] = '\0';
  printf("%s\n", target);
  return 0;
}

static void on_trapped(int sig) {
  char msg[64];
  const char *name = sigabbrev_np(sig);
  int len = snprintf(msg, sizeof(msg), "got SIG%s\n", name ? name : "?");
  ssize_t r = write(STDOUT_FILENO, msg, (size_t)len);
  (void)r;
  _exit(0);
}

/* Installs handlers for the given signals and waits; the first one that
 * arrives prints "got SIG<NAME>" and exits 0.  A pid-namespace init drops
 * signals it has no handler for, so this is how tests see delivery.  Tests
 * know the handler is in place when SigCgt in /proc/PID/status has the
 * signal's bit set; nothing is printed before, so outputs stay exact. */
static int cmd_trap(int n, char **sigs) {
  for (int i = 0; i < n; i++) {
    int sig = parse_signal(sigs[i]);
    if (sig < 0)
      return usage("trap: unknown signal");
    struct sigaction sa = {.sa_handler = on_trapped};
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0)
      return fail("trap", sigs[i], errno);
  }
  fflush(stdout);
  for (;;)
    pause();
}

static void print_limit(rlim_t v) {
  if (v == RLIM_INFINITY)
    printf("unlimited");
  else
    printf("%llu", (unsigned long long)v);
}

static int cmd_rlimit(const char *name) {
  const char *n = name;
  if (strncasecmp(n, "RLIMIT_", 7) == 0)
    n += 7;
  for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
    if (strcasecmp(n, rlimits[i].name) != 0)
      continue;
    struct rlimit rl;
    if (getrlimit(rlimits[i].res, &rl) < 0)
      return fail("rlimit", name, errno);
    print_limit(rl.rlim_cur);
    printf(" ");
    print_limit(rl.rlim_max);
    printf("\n");
    return 0;
  }
  return usage("rlimit: unknown limit name");
}

static int cmd_isatty(const char *arg) {
  int fd = 0, ok = 1;
  if (arg)
    fd = (int)parse_long(arg, &ok);
  if (!ok)
    return usage("isatty: FD must be an integer");
  printf("%d\n", isatty(fd) ? 1 : 0);
  return 0;
}

/* The CVE-2018-15664 attacker: exchange two paths (a directory and an
 * absolute symlink) as fast as the kernel allows, for SECONDS, so that a
 * host process resolving a path through them by name races the swap. */
static int cmd_swap(const char *x, const char *y, const char *secs) {
  char *end;
  double s = strtod(secs, &end);
  if (*end || s < 0)
    return usage("swap: SECONDS must be a non-negative number");
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned long n = 0;
  do {
    /* ENOENT: the victim removed one of them for a moment; go on */
    for (int i = 0; i < 1000; i++, n++)
      if (renameat2(AT_FDCWD, x, AT_FDCWD, y, RENAME_EXCHANGE) < 0 && errno != ENOENT)
        return fail("swap", x, errno);
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < s);
  printf("%lu\n", n);
  return 0;
}

static const char usage_text[] =
    "usage: hutch-helper COMMAND [ARGS]\n"
    "  hostname | domainname | pid | ppid | id | cwd | umask | mountinfo | fds | true\n"
    "  status FIELD        value of a /proc/self/status field (CapEff, NoNewPrivs, Seccomp...)\n"
    "  cat FILE | write FILE TEXT | ls DIR | mkdir PATH (prints ok or the errno name)\n"
    "  env [NAME] | ns TYPE | rlimit NAME (soft hard) | isatty [FD] (1 or 0)\n"
    "  memhog MIB | forkbomb N | spin SECONDS | sleep SECONDS | exit N\n"
    "  kill-self SIG | trap-term (prints \"got SIGTERM\" and exits 0 on SIGTERM)\n"
    "  trap SIG... (prints \"got SIG<NAME>\" and exits 0 on the first of them)\n"
    "  swap A B SECONDS    exchange paths A and B in a loop (renameat2), print the count\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  const char *a1 = argc > 2 ? argv[2] : NULL;
  const char *a2 = argc > 3 ? argv[3] : NULL;
  int ok;
  int rc;

#define NEED(n)                                                                                    \
  do {                                                                                             \
    if (argc < 2 + (n))                                                                            \
      return usage("missing argument; run without arguments for usage");                           \
  } while (0)

  if (strcmp(cmd, "true") == 0) {
    rc = 0;
  } else if (strcmp(cmd, "hostname") == 0 || strcmp(cmd, "domainname") == 0) {
    char buf[HOST_NAME_MAX + 2];
    int r = cmd[0] == 'h' ? gethostname(buf, sizeof(buf)) : getdomainname(buf, sizeof(buf));
    if (r < 0)
      return fail(cmd, NULL, errno);
    printf("%s\n", buf);
    rc = 0;
  } else if (strcmp(cmd, "pid") == 0) {
    printf("%d\n", (int)getpid());
    rc = 0;
  } else if (strcmp(cmd, "ppid") == 0) {
    printf("%d\n", (int)getppid());
    rc = 0;
  } else if (strcmp(cmd, "id") == 0) {
    rc = cmd_id();
  } else if (strcmp(cmd, "status") == 0) {
    NEED(1);
    rc = cmd_status(a1);
  } else if (strcmp(cmd, "cat") == 0) {
    NEED(1);
    rc = cmd_cat(a1);
  } else if (strcmp(cmd, "write") == 0) {
    NEED(2);
    rc = cmd_write(a1, a2);
  } else if (strcmp(cmd, "ls") == 0) {
    NEED(1);
    rc = cmd_ls(a1);
  } else if (strcmp(cmd, "isatty") == 0) {
    rc = cmd_isatty(a1);
  } else if (strcmp(cmd, "memhog") == 0) {
    NEED(1);
    rc = cmd_memhog(a1);
  } else if (strcmp(cmd, "forkbomb") == 0) {
    NEED(1);
    rc = cmd_forkbomb(a1);
  } else if (strcmp(cmd, "spin") == 0) {
    NEED(1);
    rc = cmd_spin(a1);
  } else if (strcmp(cmd, "sleep") == 0) {
    NEED(1);
    double s = parse_seconds(a1, &ok);
    if (!ok)
      return usage("sleep: SECONDS must be a non-negative number");
    sleep_seconds(s);
    rc = 0;
  } else if (strcmp(cmd, "exit") == 0) {
    NEED(1);
    long n = parse_long(a1, &ok);
    if (!ok)
      return usage("exit: N must be an integer");
    fflush(stdout);
    return (int)n;
  } else if (strcmp(cmd, "kill-self") == 0) {
    NEED(1);
    rc = cmd_kill_self(a1);
  } else if (strcmp(cmd, "mountinfo") == 0) {
    rc = cmd_mountinfo();
  } else if (strcmp(cmd, "fds") == 0) {
    rc = cmd_fds();
  } else if (strcmp(cmd, "env") == 0) {
    rc = cmd_env(a1);
  } else if (strcmp(cmd, "cwd") == 0) {
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof(buf)))
      return fail("cwd", NULL, errno);
    printf("%s\n", buf);
    rc = 0;
  } else if (strcmp(cmd, "mkdir") == 0) {
    NEED(1);
    rc = cmd_mkdir(a1);
  } else if (strcmp(cmd, "ns") == 0) {
    NEED(1);
    rc = cmd_ns(a1);
  } else if (strcmp(cmd, "umask") == 0) {
    mode_t m = umask(0);
    umask(m);
    printf("%04o\n", (unsigned)m);
    rc = 0;
  } else if (strcmp(cmd, "trap-term") == 0) {
    char *term[] = {"TERM"};
    rc = cmd_trap(1, term);
  } else if (strcmp(cmd, "trap") == 0) {
    NEED(1);
    rc = cmd_trap(argc - 2, argv + 2);
  } else if (strcmp(cmd, "swap") == 0) {
    NEED(3);
    rc = cmd_swap(a1, a2, argv[4]);
  } else if (strcmp(cmd, "rlimit") == 0) {
    NEED(1);
    rc = cmd_rlimit(a1);
  } else {
    fputs(usage_text, stderr);
    return 2;
  }
  if (fflush(stdout) != 0)
    return fail(cmd, "stdout", errno);
  return rc;
}
