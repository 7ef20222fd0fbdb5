/* Probes of the host for `hutch check`: which kernel features hutch relies
 * on are there, and which fallback is used where one is missing. Every
 * probe is side-effect free: it opens and closes fds, reads files, or
 * calls a syscall with arguments the kernel rejects only after it has
 * recognised the operation; nothing is mounted, loaded or left behind.
 *
 * Results go into a list of rows (name, status, detail, what it enables);
 * the self-protection probes (engine/selfcheck.c) add to the same list. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum hutch_probe_status {
  HUTCH_PROBE_OK,       /* present, or the check passed */
  HUTCH_PROBE_MISSING,  /* absent; hutch works without it, minus what it enables */
  HUTCH_PROBE_FALLBACK, /* absent; hutch uses another way, named in enables */
  HUTCH_PROBE_FAIL,     /* hutch cannot work safely or at all this way */
};

struct hutch_probe {
  char *name; /* stable id: "cgroups", "openat2", "seal-hutch", … */
  enum hutch_probe_status status;
  char *detail;  /* what was found */
  char *enables; /* what hutch uses it for, or the fallback it uses */
};

struct hutch_probes {
  struct hutch_probe *v;
  size_t n;
  bool oom; /* a row could not be added: counts as a failure */
};

/* "ok", "missing", "fallback", "FAIL". */
const char *hutch_probe_status_name(enum hutch_probe_status s);
/* Append a row; detail is a printf format. On ENOMEM sets p->oom. */
void hutch_probe_add(struct hutch_probes *p, const char *name, enum hutch_probe_status st,
                     const char *enables, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Any row FAIL (or a row lost to ENOMEM)? */
bool hutch_probes_failed(const struct hutch_probes *p);
void hutch_probes_free(struct hutch_probes *p);

/* The cgroup layout from the filesystem types (statfs f_type) of
 * /sys/fs/cgroup and /sys/fs/cgroup/unified (0: not there): "v2",
 * "hybrid", "v1", or NULL when neither is a cgroup filesystem. */
const char *hutch_probe_cgroup_layout(long root_type, long unified_type);
/* The number in a "Key:\tvalue" line of a /proc/<pid>/status text, or -1. */
long hutch_probe_status_field(const char *status, const char *key);
/* Does a /proc/filesystems text list fs? */
bool hutch_probe_fs_listed(const char *filesystems, const char *fs);

/* Every kernel feature probe, in the order `hutch check` shows them. */
void hutch_probe_host(struct hutch_probes *p);
