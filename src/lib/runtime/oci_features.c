/* The runtime-spec features document (features.md of runtime-spec 1.2),
 * which containerd, CRI-O and podman read to learn what this runtime can
 * do. Lists name only what the runtime applies, not every name the parser
 * lets through: a client trusts this document to decide whether a config
 * will be honoured. Mount options and the seccomp names come from the
 * parser's own tables (hutch_spec_names), so the two cannot drift apart;
 * tests/unit/test_oci_features.c feeds every listed name back to the code. */
#include "runtime/oci_features.h"

#include "linux/caps.h"
#include "linux/lsm.h"
#include "linux/seccomp_lib.h"
#include "spec/spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Candidates; only those this libseccomp resolves and can add to a filter
 * are listed (linux/seccomp.c resolves linux.seccomp.architectures the
 * same way). */
static const char *const seccomp_archs[] = {
    "x86",    "x86_64",   "x32",         "arm",         "aarch64", "mips",    "mips64", "mips64n32",
    "mipsel", "mipsel64", "mipsel64n32", "ppc",         "ppc64",   "ppc64le", "s390",   "s390x",
    "parisc", "parisc64", "riscv64",     "loongarch64", "m68k",    "sh",      "sheb",
};

static void append_name(const char *name, void *ud) {
  json_array_append_new(ud, json_string(name));
}

static json_t *names(enum spec_names which) {
  json_t *a = json_array();
  if (a)
    hutch_spec_names(which, append_name, a);
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

/* The architectures a filter built here can hold: libseccomp knows more
 * (big-endian ones on x86_64) than seccomp_arch_add() takes next to the
 * native one, and a config naming those would fail. */
static json_t *archs(void) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < ARRAY_SIZE(seccomp_archs); i++) {
    uint32_t arch = seccomp_arch_resolve_name(seccomp_archs[i]);
    scmp_filter_ctx ctx = arch ? seccomp_init(SCMP_ACT_ALLOW) : NULL;
    int r = ctx ? seccomp_arch_add(ctx, arch) : -EINVAL;
    if (r == 0 || r == -EEXIST)
      json_array_append_new(a, upper_prefixed("SCMP_ARCH_", seccomp_archs[i]));
    if (ctx)
      seccomp_release(ctx);
  }
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

json_t *hutch_runtime_features(void) {
  /* cgroup: both hierarchies (and hybrid hosts) are driven directly;
   * --systemd-cgroup is refused, so systemd is false. */
  return json_pack(
      "{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b}, "
      "s:{s:b, s:o, s:o, s:o, s:o}, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:o}",
      "ociVersionMin", "1.0.0", "ociVersionMax", HUTCH_OCI_VERSION, "hooks", hooks(),
      "mountOptions", names(SPEC_NAMES_MOUNT_OPTIONS), "linux", "namespaces", namespaces(),
      "capabilities", capabilities(), "cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0,
      "seccomp", "enabled", 1, "actions", names(SPEC_NAMES_SECCOMP_ACTIONS), "operators",
      names(SPEC_NAMES_SECCOMP_OPERATORS), "archs", archs(), "knownFlags",
      names(SPEC_NAMES_SECCOMP_FLAGS), "apparmor", "enabled", (int)hutch_apparmor_enabled(),
      "selinux", "enabled", (int)hutch_selinux_enabled(), "intelRdt", "enabled", 0,
      "mountExtensions", "idmap", "enabled", 1, "annotations", annotations());
}
