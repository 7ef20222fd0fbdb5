/* Unit tests for linux/seccomp.c and linux/seccomp_default.c: profiles are
 * built by hand as struct spec_seccomp (the parser is tested elsewhere),
 * compiled in the parent and loaded in a forked child, which reports what
 * the kernel then does with its syscalls. */
#include "tap.h"
#include "child_report.h"

#include "linux/seccomp.h"
#include "linux/seccomp_default.h"
#include "linux/seccomp_lib.h"
#include "util/cleanup.h"
#include "util/error.h"

#include <jansson.h>
#include <linux/capability.h>
#include <dirent.h>
#include <linux/filter.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static char tmpdir[] = "/tmp/hutch-seccomp-XXXXXX";

static struct spec_seccomp_syscall rule(char **names, uint32_t action, const char *action_name) {
  return (struct spec_seccomp_syscall){
      .names = names, .action = action, .action_name = (char *)action_name};
}

/* Compile and expect an error with exactly this text. */
static void compile_fails(const struct spec_seccomp *sc, const char *want, const char *what) {
  struct hutch_seccomp *s = NULL;
  _cleanup_error_ struct hutch_error *e = NULL;
  ok(hutch_seccomp_compile(sc, &s, &e) < 0 && s == NULL, "%s: compile fails", what);
  is_str(e ? e->msg : NULL, want, "%s: error text", what);
  hutch_seccomp_free(s);
}

static void test_errors(void) {
  char *mkdir_names[] = {"mkdir", NULL};
  struct spec_seccomp_syscall sys[1] = {rule(mkdir_names, SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO")};
  struct spec_seccomp sc = {.present = true,
                            .default_action = "SCMP_ACT_ALLOW",
                            .default_action_value = SCMP_ACT_ALLOW,
                            .syscalls = sys,
                            .n_syscalls = 1};

  sc.default_action = NULL;
  compile_fails(&sc, "linux.seccomp.defaultAction: missing", "no default action");
  sc.default_action = "SCMP_ACT_FOO";
  sc.default_action_value = 0x12340000;
  compile_fails(&sc, "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"",
                "bad default action");
  sc.default_action = "SCMP_ACT_NOTIFY";
  sc.default_action_value = SCMP_ACT_NOTIFY;
  compile_fails(&sc, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default",
                "notify as default");
  sc.default_action = "SCMP_ACT_ALLOW";
  sc.default_action_value = SCMP_ACT_ALLOW;

  sys[0] = rule(mkdir_names, 0x12340000, "SCMP_ACT_BOGUS");
  compile_fails(&sc, "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_BOGUS\"",
                "bad syscall action");
  sys[0] = rule(mkdir_names, SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO");

  char *bad_flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_BOGUS", NULL};
  sc.flags = bad_flags;
  compile_fails(&sc, "linux.seccomp.flags: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"",
                "unknown flag");
  sc.flags = NULL;

  char *bad_arch[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11", NULL};
  sc.architectures = bad_arch;
  compile_fails(&sc, "linux.seccomp.architectures: unknown architecture \"SCMP_ARCH_PDP11\"",
                "unknown arch");
  sc.architectures = NULL;

  struct spec_seccomp_arg arg = {.index = 6, .value = 1, .op = SCMP_CMP_EQ};
  sys[0].args = &arg;
  sys[0].n_args = 1;
  compile_fails(&sc, "linux.seccomp.syscalls[0].args[0].index: 6 is not 0-5", "arg index 6");
  arg.index = 0;
  arg.op = 99;
  compile_fails(&sc, "linux.seccomp.syscalls[0].args[0].op: unknown operator", "bad operator");
  sys[0].args = NULL;
  sys[0].n_args = 0;

  sys[0] = rule(mkdir_names, SCMP_ACT_NOTIFY, "SCMP_ACT_NOTIFY");
  compile_fails(&sc, "linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY",
                "notify without listener");
}

/* ---- child side ---- */

struct load_case {
  struct hutch_seccomp *filter;
  const char *state_json;
  int (*probe)(int fd); /* runs after the load, reports */
};

static int load_child(int fd, void *arg) {
  struct load_case *lc = arg;
  struct hutch_error *e = NULL;
  if (hutch_seccomp_load(lc->filter, lc->state_json, &e) < 0) {
    report(fd, "error=%s (%s)", e->msg, strerror(e->errnum));
    return 1;
  }
  static const char *const fields[] = {"Seccomp", "NoNewPrivs", NULL};
  report_status(fd, fields);
  return lc->probe(fd);
}

/* "name=0" on success, "name=<errno name>" on failure. */
static void report_call(int fd, const char *name, long r) {
  report(fd, "%s=%s", name, r >= 0 ? "0" : strerrorname_np(errno));
}

static int probe_mkdir(int fd) {
  char p[256];
  snprintf(p, sizeof(p), "%s/made-by-child", tmpdir);
  report_call(fd, "mkdir", mkdir(p, 0755));
  report_call(fd, "mkdirat", syscall(SYS_mkdirat, AT_FDCWD, p, 0755));
  report(fd, "getpid_ok=%d", syscall(SYS_getpid) == getpid());
  snprintf(p, sizeof(p), "%s/file-by-child", tmpdir);
  int f = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  report_call(fd, "creat", f);
  if (f >= 0)
    close(f);
  report_call(fd, "unlink", unlink(p));
  return 0;
}

static struct hutch_seccomp *compile_ok(const struct spec_seccomp *sc, const char *what) {
  struct hutch_seccomp *s = NULL;
  _cleanup_error_ struct hutch_error *e = NULL;
  int r = hutch_seccomp_compile(sc, &s, &e);
  ok(r == 0 && s != NULL, "%s: compiles%s%s", what, e ? ": " : "", e ? e->msg : "");
  return s;
}

static void test_mkdir_eperm(void) {
  char *names[] = {"mkdir", "mkdirat", NULL};
  char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                   "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL};
  char *arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
  struct spec_seccomp_syscall sys[] = {rule(names, SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO")};
  struct spec_seccomp sc = {.present = true,
                            .default_action = "SCMP_ACT_ALLOW",
                            .default_action_value = SCMP_ACT_ALLOW,
                            .flags = flags,
                            .architectures = arches,
                            .syscalls = sys,
                            .n_syscalls = 1};
  struct hutch_seccomp *s = compile_ok(&sc, "mkdir/mkdirat EPERM");
  if (s == NULL)
    return;
  is_int(hutch_seccomp_rule_count(s), 2, "two rules");
  ok(!hutch_seccomp_has_listener(s), "no listener");
  struct load_case lc = {.filter = s, .probe = probe_mkdir};
  struct child_report r;
  run_child(load_child, &lc, &r);
  ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "child exited 0");
  is_str(REPORT_GET(&r, "Seccomp"), "2", "Seccomp: 2 (filter mode)");
  is_str(REPORT_GET(&r, "NoNewPrivs"), "0", "loaded without no_new_privs (root)");
  is_str(REPORT_GET(&r, "mkdir"), "EPERM", "mkdir fails with EPERM");
  is_str(REPORT_GET(&r, "mkdirat"), "EPERM", "mkdirat fails with EPERM");
  is_str(REPORT_GET(&r, "getpid_ok"), "1", "getpid works");
  is_str(REPORT_GET(&r, "creat"), "0", "open(O_CREAT) (not in the profile) works");
  is_str(REPORT_GET(&r, "unlink"), "0", "unlink works");
  hutch_seccomp_free(s);
}

static int probe_errno_ret(int fd) {
  char p[256];
  snprintf(p, sizeof(p), "%s/x", tmpdir);
  report_call(fd, "mkdir", mkdir(p, 0755));
  report_call(fd, "getppid", getppid());
  return 0;
}

static void test_errno_ret_and_skips(void) {
  /* an unknown name is skipped, a rule with the default action is dropped,
   * errnoRet is honoured */
  char *names[] = {"no_such_syscall_hutch", "mkdir", NULL};
  char *allow_names[] = {"getppid", NULL};
  struct spec_seccomp_syscall sys[] = {rule(names, SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO"),
                                       rule(allow_names, SCMP_ACT_ALLOW, "SCMP_ACT_ALLOW")};
  sys[0].has_errno_ret = true;
  sys[0].errno_ret = EROFS;
  struct spec_seccomp sc = {.present = true,
                            .default_action = "SCMP_ACT_ALLOW",
                            .default_action_value = SCMP_ACT_ALLOW,
                            .syscalls = sys,
                            .n_syscalls = 2};
  struct hutch_seccomp *s = compile_ok(&sc, "unknown name + default-action rule");
  if (s == NULL)
    return;
  is_int(hutch_seccomp_rule_count(s), 1, "only mkdir became a rule");
  struct load_case lc = {.filter = s, .probe = probe_errno_ret};
  struct child_report r;
  run_child(load_child, &lc, &r);
  is_str(REPORT_GET(&r, "mkdir"), "EROFS", "errnoRet EROFS");
  is_str(REPORT_GET(&r, "getppid"), "0", "getppid allowed");
  hutch_seccomp_free(s);
}

static int probe_personality(int fd) {
  report_call(fd, "query", personality(0xffffffff));
  report_call(fd, "linux32", personality(PER_LINUX32));
  report_call(fd, "uname26", personality(UNAME26));
  report_call(fd, "addr_no_randomize", personality(ADDR_NO_RANDOMIZE));
  report_call(fd, "umask_077", syscall(SYS_umask, 077));
  report_call(fd, "umask_022", syscall(SYS_umask, 022));
  return 0;
}

static void test_arg_filters(void) {
  /* personality: the query value 0xffffffff is allowed by default; 8 and
   * 0x20000 are refused by two conditions on the same argument (one rule
   * each, so either refuses). A MASKED_EQ rule refuses umask() of any mode
   * with all of 07 set (umask itself never fails). */
  char *names[] = {"personality", NULL};
  char *umask_names[] = {"umask", NULL};
  struct spec_seccomp_arg two[] = {{.index = 0, .value = PER_LINUX32, .op = SCMP_CMP_EQ},
                                   {.index = 0, .value = UNAME26, .op = SCMP_CMP_EQ}};
  struct spec_seccomp_arg masked[] = {
      {.index = 0, .value = 07, .value_two = 07, .op = SCMP_CMP_MASKED_EQ}};
  struct spec_seccomp_syscall sys[] = {rule(names, SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO"),
                                       rule(umask_names, SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO")};
  sys[0].args = two;
  sys[0].n_args = 2;
  sys[1].args = masked;
  sys[1].n_args = 1;
  sys[1].has_errno_ret = true;
  sys[1].errno_ret = EACCES;
  struct spec_seccomp sc = {.present = true,
                            .default_action = "SCMP_ACT_ALLOW",
                            .default_action_value = SCMP_ACT_ALLOW,
                            .syscalls = sys,
                            .n_syscalls = 2};
  struct hutch_seccomp *s = compile_ok(&sc, "personality arg filters");
  if (s == NULL)
    return;
  is_int(hutch_seccomp_rule_count(s), 3, "same-index conditions split into two rules");
  struct load_case lc = {.filter = s, .probe = probe_personality};
  struct child_report r;
  run_child(load_child, &lc, &r);
  is_str(REPORT_GET(&r, "query"), "0", "personality(0xffffffff) allowed");
  is_str(REPORT_GET(&r, "linux32"), "EPERM", "personality(PER_LINUX32) refused");
  is_str(REPORT_GET(&r, "uname26"), "EPERM", "personality(UNAME26) refused (OR, not AND)");
  is_str(REPORT_GET(&r, "addr_no_randomize"), "0", "other values allowed");
  is_str(REPORT_GET(&r, "umask_077"), "EACCES", "MASKED_EQ rule hits umask(077)");
  is_str(REPORT_GET(&r, "umask_022"), "0", "MASKED_EQ rule passes umask(022)");
  hutch_seccomp_free(s);
}

static int probe_getppid(int fd) {
  report(fd, "before=1");
  report_call(fd, "getppid", syscall(SYS_getppid));
  return 0;
}

static void test_actions(void) {
  /* what each action does to a getppid() call: LOG lets it through, TRAP
   * and KILL_PROCESS end the child with SIGSYS, TRACE without a tracer
   * fails it with ENOSYS */
  static const struct {
    uint32_t action;
    const char *name;
    int signal;         /* expected fatal signal, 0: exits */
    const char *result; /* expected getppid= report */
  } cases[] = {
      {SCMP_ACT_LOG, "SCMP_ACT_LOG", 0, "0"},
      {SCMP_ACT_TRAP, "SCMP_ACT_TRAP", SIGSYS, ""},
      {SCMP_ACT_KILL_PROCESS, "SCMP_ACT_KILL_PROCESS", SIGSYS, ""},
      {SCMP_ACT_KILL_THREAD, "SCMP_ACT_KILL_THREAD", SIGSYS, ""},
      {SCMP_ACT_TRACE(0), "SCMP_ACT_TRACE", 0, "ENOSYS"},
  };
  char *names[] = {"getppid", NULL};
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    struct spec_seccomp_syscall sys[] = {rule(names, cases[i].action, cases[i].name)};
    struct spec_seccomp sc = {.present = true,
                              .default_action = "SCMP_ACT_ALLOW",
                              .default_action_value = SCMP_ACT_ALLOW,
                              .syscalls = sys,
                              .n_syscalls = 1};
    struct hutch_seccomp *s = compile_ok(&sc, cases[i].name);
    if (s == NULL)
      continue;
    struct load_case lc = {.filter = s, .probe = probe_getppid};
    struct child_report r;
    run_child(load_child, &lc, &r);
    is_str(REPORT_GET(&r, "before"), "1", "%s: filter loaded", cases[i].name);
    if (cases[i].signal)
      ok(WIFSIGNALED(r.status) && WTERMSIG(r.status) == cases[i].signal,
         "%s: child killed by SIGSYS", cases[i].name);
    else
      ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: child exits", cases[i].name);
    is_str(REPORT_GET(&r, "getppid"), cases[i].result, "%s: getppid result", cases[i].name);
    hutch_seccomp_free(s);
  }
}

/* ---- notify ---- */

static int probe_notify(int fd) {
  char p[256];
  snprintf(p, sizeof(p), "%s/notified", tmpdir);
  report_call(fd, "mkdir", mkdir(p, 0755));
  report_call(fd, "getpid", getpid());
  return 0;
}

static void test_notify(void) {
  char sock_path[256];
  snprintf(sock_path, sizeof(sock_path), "%s/listener.sock", tmpdir);
  _cleanup_close_ int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strcpy(addr.sun_path, sock_path);
  ok(srv >= 0 && bind(srv, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(srv, 1) == 0,
     "listener socket");

  char *names[] = {"mkdir", NULL};
  char *flags[] = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
  struct spec_seccomp_syscall sys[] = {rule(names, SCMP_ACT_NOTIFY, "SCMP_ACT_NOTIFY")};
  struct spec_seccomp sc = {.present = true,
                            .default_action = "SCMP_ACT_ALLOW",
                            .default_action_value = SCMP_ACT_ALLOW,
                            .listener_path = sock_path,
                            .listener_metadata = "hello-agent",
                            .flags = flags,
                            .syscalls = sys,
                            .n_syscalls = 1};
  struct hutch_seccomp *s = compile_ok(&sc, "notify profile");
  if (s == NULL)
    return;
  ok(hutch_seccomp_has_listener(s), "has a listener");
  _cleanup_free_ char *msg = hutch_seccomp_listener_message(
      s, "1.2.0", 4242, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}");
  ok(msg != NULL, "listener message built");
  struct load_case lc = {.filter = s, .state_json = msg, .probe = probe_notify};
  pid_t pid = -1;
  int rfd = -1;
  if (start_child(load_child, &lc, &pid, &rfd) < 0) {
    ok(0, "fork");
    return;
  }
  /* a child that never connects or never calls must fail the test, not
   * hang it */
  struct timeval tv = {.tv_sec = 10};
  setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  _cleanup_close_ int conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
  if (conn >= 0)
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ok(conn >= 0, "child connected");
  char buf[4096] = {0};
  char ctrl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof(ctrl)};
  ssize_t n = conn >= 0 ? recvmsg(conn, &mh, MSG_CMSG_CLOEXEC) : -1;
  ok(n > 0, "received the message");
  _cleanup_close_ int nfd = -EBADF;
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
  if (c && c->cmsg_type == SCM_RIGHTS)
    memcpy(&nfd, CMSG_DATA(c), sizeof(int));
  ok(nfd >= 0, "received an fd with SCM_RIGHTS");

  json_t *j = json_loads(buf, 0, NULL);
  ok(j != NULL, "payload is JSON: %s", buf);
  is_str(json_string_value(json_object_get(j, "ociVersion")), "1.2.0", "ociVersion");
  is_str(json_string_value(json_array_get(json_object_get(j, "fds"), 0)), "seccompFd",
         "fds[0] = seccompFd");
  is_int(json_integer_value(json_object_get(j, "pid")), 4242, "pid");
  is_str(json_string_value(json_object_get(j, "metadata")), "hello-agent", "metadata");
  is_str(json_string_value(json_object_get(json_object_get(j, "state"), "id")), "c1", "state.id");
  json_decref(j);

  /* Serve the child's mkdir: answer EXDEV, which it can only get from us. */
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  struct pollfd pfd = {.fd = nfd, .events = POLLIN};
  ok(nfd >= 0 && poll(&pfd, 1, 10000) == 1, "notification pending");
  if (pfd.revents & POLLIN && seccomp_notify_alloc(&req, &resp) == 0) {
    int rr = seccomp_notify_receive(nfd, req);
    ok(rr == 0, "notification received");
    if (rr == 0) {
      ok(req->pid == (uint32_t)pid, "from the child");
      is_int(req->data.nr, SYS_mkdir, "for mkdir");
      resp->id = req->id;
      resp->val = 0;
      resp->error = -EXDEV;
      resp->flags = 0;
      ok(seccomp_notify_respond(nfd, resp) == 0, "responded");
    }
    seccomp_notify_free(req, resp);
  }
  struct child_report r;
  finish_child(pid, rfd, &r);
  is_str(REPORT_GET(&r, "error"), "", "child loaded the filter");
  is_str(REPORT_GET(&r, "mkdir"), "EXDEV", "child's mkdir got the listener's answer");
  is_str(REPORT_GET(&r, "getpid"), "0", "other calls untouched");
  unlink(sock_path);
  hutch_seccomp_free(s);
}

/* ---- docker's default profile ---- */

static uint64_t bit(int c) {
  return UINT64_C(1) << c;
}

/* docker's default capability set */
static const uint64_t docker_caps =
    (UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_DAC_OVERRIDE) | (UINT64_C(1) << CAP_FSETID) |
    (UINT64_C(1) << CAP_FOWNER) | (UINT64_C(1) << CAP_MKNOD) | (UINT64_C(1) << CAP_NET_RAW) |
    (UINT64_C(1) << CAP_SETGID) | (UINT64_C(1) << CAP_SETUID) | (UINT64_C(1) << CAP_SETFCAP) |
    (UINT64_C(1) << CAP_SETPCAP) | (UINT64_C(1) << CAP_NET_BIND_SERVICE) |
    (UINT64_C(1) << CAP_SYS_CHROOT) | (UINT64_C(1) << CAP_KILL) | (UINT64_C(1) << CAP_AUDIT_WRITE);

static int probe_default(int fd) {
  report_call(fd, "unshare_user", unshare(CLONE_NEWUSER));
  report_call(fd, "unshare_ns", unshare(CLONE_NEWNS));
  report_call(fd, "mount", mount("tmpfs", tmpdir, "tmpfs", 0, NULL));
  report_call(fd, "clone_newpid", syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0));
  report_call(fd, "clone3", syscall(SYS_clone3, NULL, 0));
  report_call(fd, "keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
  report_call(fd, "bpf", syscall(SYS_bpf, 0, NULL, 0));
  report_call(fd, "socket_vsock", socket(AF_VSOCK, SOCK_STREAM, 0));
  report_call(fd, "personality_bad", personality(ADDR_NO_RANDOMIZE));
  report_call(fd, "personality_query", personality(0xffffffff));
  /* PTRACE_PEEKUSER on a process we do not trace: the kernel says ESRCH */
  report_call(fd, "ptrace", syscall(SYS_ptrace, 3, getpid(), 0, 0));
  /* ordinary work */
  char p[256];
  snprintf(p, sizeof(p), "%s/dir", tmpdir);
  report_call(fd, "mkdir", mkdir(p, 0755));
  report_call(fd, "rmdir", rmdir(p));
  int s = socket(AF_INET, SOCK_STREAM, 0);
  report_call(fd, "socket_inet", s);
  if (s >= 0)
    close(s);
  fflush(stdout);
  pid_t pid = fork(); /* clone without namespace flags */
  if (pid == 0) {
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
  }
  int st = 0;
  report_call(fd, "fork", pid);
  if (pid > 0 && waitpid(pid, &st, 0) == pid)
    report(fd, "exec_true=%d", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  return 0;
}

static void test_default_profile(void) {
  struct spec_seccomp p = {0};
  _cleanup_error_ struct hutch_error *e = NULL;
  is_int(hutch_seccomp_default_profile(&p, docker_caps, &e), 0, "default profile built");
  is_str(p.default_action, "SCMP_ACT_ERRNO", "default action ERRNO");
  is_int(p.default_action_value, SCMP_ACT_ERRNO(0), "default action value");
  ok(p.has_default_errno_ret && p.default_errno_ret == EPERM, "default errno EPERM");
  bool has_mount = false, has_mkdir = false;
  for (size_t i = 0; i < p.n_syscalls; i++)
    for (char **n = p.syscalls[i].names; *n; n++) {
      has_mount |= strcmp(*n, "mount") == 0;
      has_mkdir |= strcmp(*n, "mkdir") == 0;
    }
  ok(has_mkdir && !has_mount, "mkdir listed, mount left out without CAP_SYS_ADMIN");
  struct hutch_seccomp *s = compile_ok(&p, "default profile");
  if (s == NULL) {
    hutch_seccomp_profile_clear(&p);
    return;
  }
  ok(hutch_seccomp_rule_count(s) > 300, "default profile has %zu rules",
     hutch_seccomp_rule_count(s));
  struct load_case lc = {.filter = s, .probe = probe_default};
  struct child_report r;
  run_child(load_child, &lc, &r);
  ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "child exited 0");
  is_str(REPORT_GET(&r, "Seccomp"), "2", "Seccomp 2");
  is_str(REPORT_GET(&r, "unshare_user"), "EPERM", "unshare(CLONE_NEWUSER) refused");
  is_str(REPORT_GET(&r, "unshare_ns"), "EPERM", "unshare(CLONE_NEWNS) refused");
  is_str(REPORT_GET(&r, "mount"), "EPERM", "mount refused");
  is_str(REPORT_GET(&r, "clone_newpid"), "EPERM", "clone(CLONE_NEWPID) refused");
  is_str(REPORT_GET(&r, "clone3"), "ENOSYS", "clone3 says ENOSYS (libc falls back)");
  is_str(REPORT_GET(&r, "keyctl"), "EPERM", "keyctl refused");
  is_str(REPORT_GET(&r, "bpf"), "EPERM", "bpf refused");
  is_str(REPORT_GET(&r, "socket_vsock"), "EPERM", "AF_VSOCK refused");
  is_str(REPORT_GET(&r, "personality_bad"), "EPERM", "personality(ADDR_NO_RANDOMIZE) refused");
  is_str(REPORT_GET(&r, "personality_query"), "0", "personality query allowed");
  is_str(REPORT_GET(&r, "ptrace"), "ESRCH", "ptrace reaches the kernel (docker allows it)");
  is_str(REPORT_GET(&r, "mkdir"), "0", "mkdir works");
  is_str(REPORT_GET(&r, "rmdir"), "0", "rmdir works");
  is_str(REPORT_GET(&r, "socket_inet"), "0", "AF_INET socket works");
  is_str(REPORT_GET(&r, "fork"), "0", "fork works");
  is_str(REPORT_GET(&r, "exec_true"), "0", "exec /bin/true works under the profile");
  hutch_seccomp_free(s);
  hutch_seccomp_profile_clear(&p);

  /* With CAP_SYS_ADMIN the namespace calls come back, as in docker. */
  is_int(hutch_seccomp_default_profile(&p, docker_caps | bit(CAP_SYS_ADMIN), NULL), 0,
         "profile with CAP_SYS_ADMIN");
  s = compile_ok(&p, "default profile + SYS_ADMIN");
  if (s) {
    lc.filter = s;
    run_child(load_child, &lc, &r);
    is_str(REPORT_GET(&r, "unshare_ns"), "0", "unshare(CLONE_NEWNS) allowed with SYS_ADMIN");
    is_str(REPORT_GET(&r, "clone3"), "EINVAL", "clone3 reaches the kernel with SYS_ADMIN");
    hutch_seccomp_free(s);
  }
  hutch_seccomp_profile_clear(&p);
  ok(p.syscalls == NULL && p.n_syscalls == 0, "profile cleared");
}

/* ---- the compiled-filter cache ---- */

static char cache_dir[300];

static size_t cache_files(char *first, size_t first_len) {
  size_t n = 0;
  DIR *d = opendir(cache_dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.') {
      if (n++ == 0 && first)
        snprintf(first, first_len, "%s/%s", cache_dir, de->d_name);
    }
  if (d)
    closedir(d);
  return n;
}

static ino_t inode_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Does s hold exactly the program of ref? */
static bool same_program(const struct hutch_seccomp *s, const struct hutch_seccomp *ref) {
  size_t n1, n2;
  const struct sock_filter *p1 = hutch_seccomp_program(s, &n1),
                           *p2 = hutch_seccomp_program(ref, &n2);
  return p1 && p2 && n1 == n2 && memcmp(p1, p2, n1 * sizeof(*p1)) == 0 &&
         hutch_seccomp_rule_count(s) == hutch_seccomp_rule_count(ref);
}

/* Compile p with the cache and check the result is ref's program and
 * whether the cache file was (re)written. */
static void cached_compile(const struct spec_seccomp *p, const struct hutch_seccomp *ref,
                           const char *file, bool rewritten, const char *what) {
  ino_t before = inode_of(file);
  struct hutch_seccomp *s = compile_ok(p, what);
  ok(s && same_program(s, ref), "%s: the same program as compiled without the cache", what);
  ino_t after = inode_of(file);
  if (rewritten)
    ok(after != 0 && after != before, "%s: cache file written", what);
  else
    ok(after != 0 && after == before, "%s: cache file used as it is", what);
  hutch_seccomp_free(s);
}

static void test_cache(void) {
  snprintf(cache_dir, sizeof(cache_dir), "%s/cache-test/sub", tmpdir);
  struct spec_seccomp p = {0};
  is_int(hutch_seccomp_default_profile(&p, docker_caps, NULL), 0, "default profile built");

  /* the reference: compiled by libseccomp, no cache */
  setenv("HUTCH_SECCOMP_CACHE", "", 1);
  struct hutch_seccomp *ref = compile_ok(&p, "cache off");
  setenv("HUTCH_SECCOMP_CACHE", cache_dir, 1);
  if (ref == NULL) {
    hutch_seccomp_profile_clear(&p);
    return;
  }
  char file[600] = "";
  struct hutch_seccomp *s = compile_ok(&p, "first compile (miss)");
  is_int(cache_files(file, sizeof(file)), 1, "one cache file");
  struct stat st;
  ok(stat(cache_dir, &st) == 0 && (st.st_mode & 07777) == 0700, "cache dir is 0700");
  ok(stat(file, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == geteuid(),
     "cache file is 0600 and ours");
  ok(s && same_program(s, ref), "miss: the same program");
  hutch_seccomp_free(s);
  cached_compile(&p, ref, file, false, "second compile (hit)");

  /* the program from the cache works in a child like the compiled one */
  s = compile_ok(&p, "hit for loading");
  if (s) {
    struct load_case lc = {.filter = s, .probe = probe_default};
    struct child_report r;
    run_child(load_child, &lc, &r);
    is_str(REPORT_GET(&r, "mount"), "EPERM", "cached filter: mount refused");
    is_str(REPORT_GET(&r, "mkdir"), "0", "cached filter: mkdir works");
    hutch_seccomp_free(s);
  }

  /* corrupted: one byte of the stored canonical text flipped */
  int fd = open(file, O_RDWR | O_CLOEXEC);
  char b = 0;
  ok(fd >= 0 && pread(fd, &b, 1, 200) == 1, "read a byte of the cache file");
  b ^= 0x20;
  ok(pwrite(fd, &b, 1, 200) == 1, "flip it");
  close(fd);
  cached_compile(&p, ref, file, true, "corrupted file");
  cached_compile(&p, ref, file, false, "after the rewrite");

  /* truncated: the last BPF instruction missing */
  ok(stat(file, &st) == 0 && truncate(file, st.st_size - 8) == 0, "truncate the cache file");
  cached_compile(&p, ref, file, true, "truncated file");

  /* one rule different: another file, another program */
  struct spec_seccomp q = p;
  struct spec_seccomp_syscall *sys = calloc(p.n_syscalls, sizeof(*sys));
  memcpy(sys, p.syscalls, p.n_syscalls * sizeof(*sys));
  char *mkdir_names[] = {"mkdir", NULL};
  sys[0] = rule(mkdir_names, SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO");
  q.syscalls = sys;
  setenv("HUTCH_SECCOMP_CACHE", "", 1);
  struct hutch_seccomp *qref = compile_ok(&q, "changed profile, cache off");
  setenv("HUTCH_SECCOMP_CACHE", cache_dir, 1);
  s = compile_ok(&q, "changed profile");
  is_int(cache_files(NULL, 0), 2, "a second cache file");
  ok(s && qref && same_program(s, qref) && !same_program(s, ref), "its own program");
  hutch_seccomp_free(s);

  /* tampered: the other profile's (valid) file under this one's name */
  char qfile[600] = "";
  DIR *d = opendir(cache_dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.' && strcmp(strrchr(file, '/') + 1, de->d_name) != 0)
      snprintf(qfile, sizeof(qfile), "%s/%s", cache_dir, de->d_name);
  if (d)
    closedir(d);
  char cmd[1400];
  snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", qfile, file);
  ok(*qfile && system(cmd) == 0, "copy the other profile's file over this one's");
  cached_compile(&p, ref, file, true, "another profile's file");
  cached_compile(&q, qref, qfile, false, "the other profile still hits");

  /* a dir others can write is not trusted: compiled, nothing written */
  snprintf(cmd, sizeof(cmd), "rm -f '%s'/*.bpf", cache_dir);
  ok(system(cmd) == 0 && chmod(cache_dir, 0777) == 0, "cache dir made world-writable");
  s = compile_ok(&p, "untrusted dir");
  ok(s && same_program(s, ref), "untrusted dir: the same program");
  is_int(cache_files(NULL, 0), 0, "untrusted dir: no file written");
  hutch_seccomp_free(s);
  chmod(cache_dir, 0700);

  /* a full cache is cleared before a new file goes in */
  for (int i = 0; i < 70; i++) {
    char f[700];
    snprintf(f, sizeof(f), "%s/%016d.bpf", cache_dir, i);
    int dfd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (dfd >= 0)
      close(dfd);
  }
  s = compile_ok(&p, "a full cache");
  is_int(cache_files(NULL, 0), 1, "full cache cleared: only the new file");
  ok(s && same_program(s, ref), "full cache: the same program");
  hutch_seccomp_free(s);
  cached_compile(&p, ref, file, false, "after the clearing");
  snprintf(cmd, sizeof(cmd), "rm -f '%s'/*.bpf", cache_dir);
  ok(system(cmd) == 0, "cache emptied");

  /* a notify profile: listener and flags from the spec on a hit too */
  char *names[] = {"mkdir", NULL};
  char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", NULL};
  struct spec_seccomp_syscall nsys[] = {rule(names, SCMP_ACT_NOTIFY, "SCMP_ACT_NOTIFY")};
  struct spec_seccomp n = {.present = true,
                           .default_action = "SCMP_ACT_ALLOW",
                           .default_action_value = SCMP_ACT_ALLOW,
                           .listener_path = "/nonexistent/listener.sock",
                           .flags = flags,
                           .syscalls = nsys,
                           .n_syscalls = 1};
  struct hutch_seccomp *n1 = compile_ok(&n, "notify profile (miss)");
  struct hutch_seccomp *n2 = compile_ok(&n, "notify profile (hit)");
  ok(n1 && n2 && same_program(n1, n2) && hutch_seccomp_has_listener(n2),
     "notify: hit keeps the listener");
  n.flags = NULL;
  struct hutch_seccomp *n3 = compile_ok(&n, "notify profile without TSYNC");
  is_int(cache_files(NULL, 0), 2, "flags are part of the key: another file");
  hutch_seccomp_free(n1);
  hutch_seccomp_free(n2);
  hutch_seccomp_free(n3);

  free(sys);
  hutch_seccomp_free(qref);
  hutch_seccomp_free(ref);
  hutch_seccomp_profile_clear(&p);
}

int main(void) {
  if (geteuid() != 0) {
    printf("1..0 # SKIP needs root\n");
    return 0;
  }
  if (mkdtemp(tmpdir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  /* every test compiles through a cache of its own */
  char cache[300];
  snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
  setenv("HUTCH_SECCOMP_CACHE", cache, 1);
  test_errors();
  test_mkdir_eperm();
  test_errno_ret_and_skips();
  test_arg_filters();
  test_actions();
  test_notify();
  test_default_profile();
  test_cache();
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  if (system(cmd) != 0)
    printf("# could not remove %s\n", tmpdir);
  return done_testing();
}
