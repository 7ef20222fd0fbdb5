/* `features`: the runtime-spec features document (features.md of
 * runtime-spec 1.2), which containerd, CRI-O and podman read to learn what
 * this runtime can do. Lists name only what the runtime applies, not every
 * name the parser accepts: a client trusts this document to decide whether
 * a config will be honoured. */
#include "verbs.h"

#include "linux/caps.h"
#include "linux/lsm.h"
#include "linux/seccomp_lib.h"
#include "util/json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Mount options applied to mounts (spec_parse.c's MS_* flags, propagation,
 * bind; the recursive variants through mount_setattr(AT_RECURSIVE);
 * idmap/ridmap on bind mounts (linux/idmap.c); tmpcopyup on tmpfs). */
static const char *const mount_options[] = {
    "acl",
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "idmap",
    "iversion",
    "lazytime",
    "loud",
    "mand",
    "noacl",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "noiversion",
    "nolazytime",
    "nomand",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "nosymfollow",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "remount",
    "rexec",
    "ridmap",
    "rnoatime",
    "rnodev",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "rsymfollow",
    "runbindable",
    "rw",
    "shared",
    "silent",
    "slave",
    "strictatime",
    "suid",
    "symfollow",
    "sync",
    "tmpcopyup",
    "unbindable",
};

/* The linux.seccomp names the parser (spec_parse.c) and linux/seccomp.c
 * accept. */
static const char *const seccomp_actions[] = {
    "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",       "SCMP_ACT_TRACE",       "SCMP_ACT_TRAP",
};
static const char *const seccomp_operators[] = {
    "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};
static const char *const seccomp_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};
/* Candidates; only those this libseccomp resolves are listed (the same
 * resolution linux/seccomp.c uses for linux.seccomp.architectures). */
static const char *const seccomp_archs[] = {
    "x86",    "x86_64",   "x32",         "arm",         "aarch64", "mips",    "mips64", "mips64n32",
    "mipsel", "mipsel64", "mipsel64n32", "ppc",         "ppc64",   "ppc64le", "s390",   "s390x",
    "parisc", "parisc64", "riscv64",     "loongarch64", "m68k",    "sh",      "sheb",
};

static json_t *strings(const char *const *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

static json_t *upper_prefixed(const char *prefix, const char *name) {
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%s%s", prefix, name);
  if (n < 0 || (size_t)n >= sizeof(buf))
    return NULL;
  for (char *p = buf; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  return json_string(buf);
}

/* Every capability up to the kernel's cap_last_cap, by libcap's name. */
static json_t *capabilities(void) {
  json_t *a = json_array();
  int last = hutch_cap_last();
  for (int c = 0; a && c <= last; c++) {
    char *name = cap_to_name((cap_value_t)c); /* "cap_chown", or a number if unnamed */
    if (name && strncmp(name, "cap_", 4) == 0)
      json_array_append_new(a, upper_prefixed("", name));
    cap_free(name);
  }
  return a;
}

static json_t *archs(void) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < ARRAY_SIZE(seccomp_archs); i++)
    if (seccomp_arch_resolve_name(seccomp_archs[i]) != 0)
      json_array_append_new(a, upper_prefixed("SCMP_ARCH_", seccomp_archs[i]));
  return a;
}

static json_t *namespaces(void) {
  json_t *a = json_array();
  for (int t = 0; a && t < SPEC_NS__MAX; t++)
    json_array_append_new(a, json_string(hutch_spec_ns_name((enum spec_ns_type)t)));
  return a;
}

static json_t *hooks(void) {
  json_t *a = json_array();
  for (int k = 0; a && k < SPEC_HOOK__MAX; k++)
    json_array_append_new(a, json_string(hutch_spec_hook_name((enum spec_hook_kind)k)));
  return a;
}

static json_t *annotations(void) {
  const struct scmp_version *v = seccomp_version();
  char sv[48];
  snprintf(sv, sizeof(sv), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
  return json_pack("{s:s, s:s, s:s}", "io.github.seccomp.libseccomp.version", sv,
                   "org.hutch.runtime.version", HUTCH_VERSION,
                   "org.hutch.runtime.checkpoint.enabled", "false");
}

VERB(features) {
  (void)g;
  if (argc > 1) {
    bool help = strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0;
    fprintf(help ? stdout : stderr, "Usage: hutch-runtime features\n");
    return help ? 0 : 1;
  }
  /* cgroup: both hierarchies (and hybrid hosts) are driven directly;
   * --systemd-cgroup is refused, so systemd is false. */
  _cleanup_json_ json_t *j = json_pack(
      "{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b}, "
      "s:{s:b, s:o, s:o, s:o, s:o}, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:o}",
      "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks", hooks(), "mountOptions",
      strings(mount_options, ARRAY_SIZE(mount_options)), "linux", "namespaces", namespaces(),
      "capabilities", capabilities(), "cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0,
      "seccomp", "enabled", 1, "actions", strings(seccomp_actions, ARRAY_SIZE(seccomp_actions)),
      "operators", strings(seccomp_operators, ARRAY_SIZE(seccomp_operators)), "archs", archs(),
      "knownFlags", strings(seccomp_flags, ARRAY_SIZE(seccomp_flags)), "apparmor", "enabled",
      (int)hutch_apparmor_enabled(), "selinux", "enabled", (int)hutch_selinux_enabled(), "intelRdt",
      "enabled", 0, "mountExtensions", "idmap", "enabled", 1, "annotations", annotations());
  if (j == NULL) {
    fprintf(stderr, "hutch-runtime: features: cannot build the document\n");
    return 1;
  }
  json_dumpf(j, stdout, JSON_INDENT(4));
  putchar('\n');
  return 0;
}
