/* Checks of run/create options, as docker's CLI (opts/, cli/command/
 * container/opts.go) and daemon (daemon_unix.go) make them: see
 * runopts.h. Only computes; the callers read the host. */
#include "runopts.h"
#include "spec_gen.h"
#include "spec_internal.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *hutch_ns_mode_container(const char *mode) {
  return mode && hutch_str_has_prefix(mode, "container:") ? mode + 10 : NULL;
}

int hutch_ns_mode_check(enum hutch_ns_kind kind, const char *mode, struct hutch_error **err) {
  static const char *const msg[] = {"--pid: invalid PID mode", "--ipc: invalid IPC mode",
                                    "--uts: invalid UTS mode", "--userns: invalid USER mode"};
  if (!mode || !*mode || strcmp(mode, "host") == 0)
    return 0;
  const char *ctr = hutch_ns_mode_container(mode);
  if ((kind == HUTCH_NS_PID || kind == HUTCH_NS_IPC) && ctr && *ctr)
    return 0;
  if (kind == HUTCH_NS_IPC &&
      (strcmp(mode, "private") == 0 || strcmp(mode, "shareable") == 0 || strcmp(mode, "none") == 0))
    return 0;
  return hutch_error_say(err, EINVAL, "%s", msg[kind]);
}

/* The IPC namespace's sysctls (docker's map), beside fs.mqueue.* */
static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL};

int hutch_sysctl_check(const char *kv, bool host_net, bool host_ipc, struct hutch_error **err) {
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv)
    return hutch_error_say(err, EINVAL, "sysctl '%s' is not allowed", kv);
  _cleanup_free_ char *key = strndup(kv, (size_t)(eq - kv));
  if (!key)
    return hutch_error_set(err, ENOMEM, "sysctl");
  bool ipc = hutch_str_has_prefix(key, "fs.mqueue.");
  for (const char *const *k = ipc_sysctls; *k && !ipc; k++)
    ipc = strcmp(key, *k) == 0;
  bool net = hutch_str_has_prefix(key, "net.");
  if (!ipc && !net)
    return hutch_error_say(err, EINVAL, "sysctl '%s' is not allowed", kv);
  if (net && host_net)
    return hutch_error_say(err, EINVAL, "sysctl \"%s\" not allowed in host network namespace", key);
  if (ipc && host_ipc)
    return hutch_error_say(err, EINVAL, "sysctl \"%s\" not allowed with host ipc", key);
  return 0;
}

int hutch_cpus_check(int64_t nano_cpus, int host_cpus, struct hutch_error **err) {
  if (nano_cpus == 0 || host_cpus <= 0)
    return 0;
  if (nano_cpus < 10000000 || nano_cpus > (int64_t)host_cpus * 1000000000)
    return hutch_error_say(err, EINVAL,
                           "range of CPUs is from 0.01 to %d.00, as there are only %d CPUs "
                           "available",
                           host_cpus, host_cpus);
  return 0;
}

static bool read_index(const char **p, unsigned *out) {
  if (!isdigit((unsigned char)**p))
    return false;
  char *end;
  unsigned long v = strtoul(*p, &end, 10);
  if (v >= 1024)
    return false;
  *out = (unsigned)v;
  *p = end;
  return true;
}

int hutch_cpuset_parse(const char *s, uint64_t mask[16]) {
  memset(mask, 0, 16 * sizeof(uint64_t));
  if (!s || !*s)
    return -EINVAL;
  const char *p = s;
  for (;;) {
    unsigned a, b;
    if (!read_index(&p, &a))
      return -EINVAL;
    b = a;
    if (*p == '-') {
      p++;
      if (!read_index(&p, &b) || b < a)
        return -EINVAL;
    }
    for (unsigned i = a; i <= b; i++)
      mask[i / 64] |= 1ULL << (i % 64);
    if (*p == '\0')
      return 0;
    if (*p++ != ',')
      return -EINVAL;
  }
}

int hutch_cpuset_check(const char *what, const char *requested, const char *available,
                       struct hutch_error **err) {
  uint64_t req[16], avail[16];
  if (hutch_cpuset_parse(requested, req) < 0)
    return hutch_error_say(err, EINVAL, "Invalid value %s for cpuset %s", requested, what);
  if (!available || hutch_cpuset_parse(available, avail) < 0)
    return 0; /* the host does not say: the kernel will */
  for (size_t i = 0; i < 16; i++)
    if (req[i] & ~avail[i])
      return hutch_error_say(
          err, EINVAL, "Requested %s are not available - requested %s, available: %s",
          strcmp(what, "cpus") == 0 ? "CPUs" : "memory nodes", requested, available);
  return 0;
}

int hutch_blkio_weight_check(int64_t w, struct hutch_error **err) {
  if (w != 0 && (w < 10 || w > 1000))
    return hutch_error_say(err, EINVAL, "Range of blkio weight is from 10 to 1000");
  return 0;
}

/* docker's json-file options that have nothing to check here */
static const char *const json_file_opts[] = {"labels", "labels-regex", "env", "env-regex",
                                             "tag",    "compress",     NULL};

static int json_file_opt(const char *key, const char *val, int64_t *max_size, int64_t *max_file,
                         struct hutch_error **err) {
  if (strcmp(key, "max-size") == 0) {
    /* docker's units.FromHumanSize/RAMInBytes: -1 is no limit */
    if (strcmp(val, "-1") == 0) {
      *max_size = 0;
      return 0;
    }
    if (hutch_parse_bytes(val, max_size) < 0)
      return hutch_error_say(err, EINVAL, "invalid size: '%s'", val);
    return 0;
  }
  if (strcmp(key, "max-file") == 0) {
    if (hutch_parse_int64(val, INT64_MIN, INT64_MAX, max_file) < 0)
      return hutch_error_say(err, EINVAL, "strconv.Atoi: parsing \"%s\": invalid syntax", val);
    if (*max_file < 1)
      return hutch_error_say(err, EINVAL, "max-file cannot be less than 1");
    return 0;
  }
  for (const char *const *k = json_file_opts; *k; k++)
    if (strcmp(key, *k) == 0)
      return 0;
  return hutch_error_say(err, EINVAL, "unknown log opt '%s' for json-file log driver", key);
}

int hutch_device_rule_check(const char *rule, struct hutch_error **err) {
  json_t *scratch = json_array();
  if (!scratch)
    return hutch_error_set(err, ENOMEM, "device cgroup rule");
  int r = hutch_spec_add_device_rule(scratch, rule, err);
  json_decref(scratch);
  return r;
}

int hutch_log_opts_parse(const char *driver, char *const *opts, int64_t *max_size,
                         int64_t *max_file, struct hutch_error **err) {
  *max_size = 0;
  *max_file = 1;
  bool json = !driver || strcmp(driver, "json-file") == 0;
  bool none = driver && strcmp(driver, "none") == 0;
  bool journald = driver && strcmp(driver, "journald") == 0;
  if (!json && !none && !journald)
    return hutch_error_say(err, EINVAL, "logger: no log driver named '%s' is registered", driver);
  bool has_file = false, has_size = false;
  for (char *const *o = opts; o && *o; o++) {
    const char *eq = strchr(*o, '=');
    if (!eq)
      return hutch_error_say(err, EINVAL, "invalid key value pair format in logging options: %s",
                             *o);
    if (none)
      return hutch_error_say(err, EINVAL,
                             "configured logging driver does not support config "
                             "options");
    _cleanup_free_ char *key = strndup(*o, (size_t)(eq - *o));
    if (journald) {
      if (strcmp(key, "tag") != 0 && strcmp(key, "labels") != 0 && strcmp(key, "env") != 0)
        return hutch_error_say(err, EINVAL, "unknown log opt '%s' for journald log driver", key);
      continue;
    }
    if (json_file_opt(key, eq + 1, max_size, max_file, err) < 0)
      return -1;
    has_file |= strcmp(key, "max-file") == 0;
    has_size |= strcmp(key, "max-size") == 0 && *max_size > 0;
  }
  if (has_file && *max_file > 1 && !has_size)
    return hutch_error_say(err, EINVAL, "max-file can only be set if max-size is set");
  return 0;
}
