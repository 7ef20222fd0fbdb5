/* Unit tests for linux/caps.c: name parsing, and the real sequence
 * prepare → setuid → apply run in a forked child (as root), checked against
 * what /proc/self/status says. */
#include "tap.h"
#include "child_report.h"

#include "linux/caps.h"
#include "util/cleanup.h"
#include "util/error.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>

static const char *const cap_fields[] = {"CapInh", "CapPrm",     "CapEff", "CapBnd",
                                         "CapAmb", "NoNewPrivs", "Uid",    NULL};

static void test_names(void) {
  is_int(hutch_cap_from_name("CAP_KILL"), CAP_KILL, "CAP_KILL");
  is_int(hutch_cap_from_name("KILL"), CAP_KILL, "KILL without prefix");
  is_int(hutch_cap_from_name("cap_net_bind_service"), CAP_NET_BIND_SERVICE, "lower case");
  is_int(hutch_cap_from_name("Cap_Audit_Write"), CAP_AUDIT_WRITE, "mixed case");
  is_int(hutch_cap_from_name("CAP_FOO"), -EINVAL, "unknown name");
  is_int(hutch_cap_from_name("12"), -EINVAL, "numbers are not names");
  is_int(hutch_cap_from_name("CAP_"), -EINVAL, "bare prefix");
  ok(hutch_cap_last() >= CAP_AUDIT_READ, "cap_last_cap is sane (%d)", hutch_cap_last());

  char *names[] = {"CAP_KILL", "AUDIT_WRITE", "net_bind_service", NULL};
  uint64_t m = 0;
  is_int(hutch_caps_from_names(names, &m, NULL), 0, "from_names");
  is_int(m, 0x20000420, "mask of KILL, AUDIT_WRITE, NET_BIND_SERVICE");

  char *bad[] = {"CAP_KILL", "CAP_FOO", NULL};
  struct spec_capabilities sc = {.effective = names, .bounding = bad};
  struct hutch_caps c;
  _cleanup_error_ struct hutch_error *e = NULL;
  ok(hutch_caps_from_spec(&sc, &c, &e) < 0, "unknown capability is an error");
  is_str(e ? e->msg : NULL, "process.capabilities.bounding: unknown capability \"CAP_FOO\"",
         "error names the set and the capability");
}

struct caps_case {
  struct hutch_caps caps;
  uid_t uid; /* 0: stay root */
  bool no_new_privs;
  bool exec_after; /* exec sed to show the sets a new program gets */
};

static int caps_child(int fd, void *arg) {
  struct caps_case *cc = arg;
  struct hutch_error *e = NULL;
  if (hutch_caps_prepare(&cc->caps, &e) < 0) {
    report(fd, "error=prepare: %s", e->msg);
    return 1;
  }
  if (cc->uid != 0) {
    if (setgroups(0, NULL) < 0 || setresgid(cc->uid, cc->uid, cc->uid) < 0 ||
        setresuid(cc->uid, cc->uid, cc->uid) < 0) {
      report(fd, "error=setuid: %s", strerror(errno));
      return 1;
    }
  }
  if (hutch_caps_apply(&cc->caps, &e) < 0) {
    report(fd, "error=apply: %s (%s)", e->msg, strerror(e->errnum));
    return 1;
  }
  if (cc->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    report(fd, "error=nnp");
    return 1;
  }
  report(fd, "keepcaps=%d", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
  report_status(fd, cap_fields);
  if (cc->exec_after) {
    /* "CapEff:\t0000..." → "exec.CapEff=0000..." */
    if (dup2(fd, 1) < 0)
      return 1;
    execl("/bin/sed", "sed", "-n", "s/^\\(Cap[A-Za-z]*\\):\\t/exec.\\1=/p", "/proc/self/status",
          (char *)NULL);
    return 127;
  }
  return 0;
}

static uint64_t bit(int c) {
  return UINT64_C(1) << c;
}

static void test_three_caps_across_setuid(void) {
  uint64_t m = bit(CAP_AUDIT_WRITE) | bit(CAP_KILL) | bit(CAP_NET_BIND_SERVICE);
  struct caps_case cc = {
      .caps = {m, m, m, m, m}, .uid = 1000, .no_new_privs = true, .exec_after = true};
  struct child_report r;
  is_int(run_child(caps_child, &cc, &r), 0, "fork child");
  ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "child exited 0");
  is_str(REPORT_GET(&r, "error"), "", "no error");
  is_str(REPORT_GET(&r, "CapBnd"), "0000000020000420", "CapBnd exactly AUDIT_WRITE|KILL|NET_BIND");
  is_str(REPORT_GET(&r, "CapEff"), "0000000020000420", "CapEff exactly 0x20000420 after setuid");
  is_str(REPORT_GET(&r, "CapPrm"), "0000000020000420", "CapPrm");
  is_str(REPORT_GET(&r, "CapInh"), "0000000020000420", "CapInh");
  is_str(REPORT_GET(&r, "CapAmb"), "0000000020000420", "CapAmb");
  is_str(REPORT_GET(&r, "NoNewPrivs"), "1", "NoNewPrivs 1");
  is_str(REPORT_GET(&r, "Uid"), "1000\t1000\t1000\t1000", "uid changed to 1000");
  is_str(REPORT_GET(&r, "keepcaps"), "0", "keepcaps turned off again");
  /* Ambient caps are what survive execve for a non-root uid. */
  is_str(REPORT_GET(&r, "exec.CapEff"), "0000000020000420", "after execve as uid 1000: CapEff");
  is_str(REPORT_GET(&r, "exec.CapBnd"), "0000000020000420", "after execve: CapBnd");
  if (tap_failed)
    printf("# report:\n# %s\n", r.text);
}

static void test_no_caps(void) {
  struct caps_case cc = {.caps = {0}, .uid = 0, .exec_after = true};
  struct child_report r;
  is_int(run_child(caps_child, &cc, &r), 0, "fork child");
  ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "child exited 0");
  is_str(REPORT_GET(&r, "CapBnd"), "0000000000000000", "no caps: CapBnd 0");
  is_str(REPORT_GET(&r, "CapEff"), "0000000000000000", "no caps: CapEff 0");
  is_str(REPORT_GET(&r, "CapPrm"), "0000000000000000", "no caps: CapPrm 0");
  is_str(REPORT_GET(&r, "NoNewPrivs"), "0", "NoNewPrivs untouched");
  /* uid 0 execs with the full permitted set unless the bounding set is
   * empty: this is the check that the bounding drop really happened. */
  is_str(REPORT_GET(&r, "exec.CapEff"), "0000000000000000", "root after execve: CapEff 0");
}

static void test_distinct_sets(void) {
  /* bounding ⊇ permitted ⊇ effective, and an ambient cap that is not
   * inheritable is skipped rather than failing. */
  struct caps_case cc = {
      .caps = {.bounding = bit(CAP_KILL) | bit(CAP_CHOWN) | bit(CAP_NET_RAW) | bit(CAP_SYS_ADMIN),
               .permitted = bit(CAP_KILL) | bit(CAP_CHOWN) | bit(CAP_NET_RAW),
               .effective = bit(CAP_KILL),
               .inheritable = bit(CAP_CHOWN),
               .ambient = bit(CAP_CHOWN) | bit(CAP_NET_RAW)},
      .uid = 1000,
  };
  struct child_report r;
  is_int(run_child(caps_child, &cc, &r), 0, "fork child");
  ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "child exited 0");
  is_str(REPORT_GET(&r, "error"), "", "no error");
  is_str(REPORT_GET(&r, "CapBnd"), "0000000000202021", "bounding CHOWN|KILL|NET_RAW|SYS_ADMIN");
  is_str(REPORT_GET(&r, "CapPrm"), "0000000000002021", "permitted CHOWN|KILL|NET_RAW");
  is_str(REPORT_GET(&r, "CapEff"), "0000000000000020", "effective KILL");
  is_str(REPORT_GET(&r, "CapInh"), "0000000000000001", "inheritable CHOWN");
  is_str(REPORT_GET(&r, "CapAmb"), "0000000000000001", "ambient NET_RAW skipped, CHOWN raised");
}

static void test_effective_outside_permitted(void) {
  /* capset refuses effective ⊄ permitted; the error must come back, not a
   * silently weaker set. */
  struct caps_case cc = {.caps = {.bounding = bit(CAP_KILL), .effective = bit(CAP_KILL)},
                         .uid = 1000};
  struct child_report r;
  is_int(run_child(caps_child, &cc, &r), 0, "fork child");
  ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1, "child reports failure");
  ok(strstr(r.text, "error=apply: capset") != NULL, "error names capset");
}

int main(void) {
  if (geteuid() != 0) {
    printf("1..0 # SKIP needs root\n");
    return 0;
  }
  test_names();
  test_three_caps_across_setuid();
  test_no_caps();
  test_distinct_sets();
  test_effective_outside_permitted();
  return done_testing();
}
