/* config.json -> struct spec: parsing and validation (runtime-spec 1.0-1.2,
 * Linux parts).
 *
 * The parser is strict about what it understands — a wrong JSON type, an
 * unknown enum value, a relative path where the spec wants an absolute one,
 * a missing required field — and every error names the JSON path of the
 * culprit ("linux.namespaces[2].type: unknown namespace type \"foo\""), so a
 * user can find it in a config they did not write by hand. Unknown members
 * are ignored, so configs from newer spec versions still load. JSON null is
 * treated as "absent", as Go's encoding/json (and so runc) does.
 *
 * Two deliberate leniencies, both copied from runc 1.1 for compatibility:
 * a relative mount destination is accepted with a warning and made absolute
 * by prefixing "/" (runc 1.1 resolves it against the rootfs the same way),
 * and a missing process.user means uid 0 / gid 0.
 *
 * Limit: jansson cannot represent integers above INT64_MAX, so uint64
 * fields (seccomp argument values, rates) top out there; larger literals are
 * rejected as invalid JSON rather than silently truncated. */
#include "spec.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
/* src/lib is on the include path, so libseccomp's own #include
 * <linux/seccomp.h> would find src/lib/linux/seccomp.h; pull in the
 * kernel's header first through a path that cannot match ours. */
#include <asm-generic/../linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

/* Values the C headers of older systems may not carry. */
#ifndef SCHED_ISO
#define SCHED_ISO 4 /* reserved by Linux; listed by the runtime-spec */
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#ifndef RLIMIT_RTTIME
#define RLIMIT_RTTIME 15
#endif

#define JPATH_MAX 256

/* ---- error and path helpers ---- */

/* Errors carry no errno: the message says everything and "Invalid argument"
 * appended by hutch_error_text would only add noise. */
__attribute__((format(printf, 3, 4))) static int fail(struct hutch_error **err, const char *path,
                                                      const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  hutch_error_set(err, 0, "%s: %s", path, msg);
  return -EINVAL;
}

static int oom(struct hutch_error **err) {
  hutch_error_set(err, ENOMEM, "parse config");
  return -ENOMEM;
}

/* Paths longer than JPATH_MAX are cut: a truncated path in an error
 * message is still more useful than none. */
__attribute__((format(printf, 2, 3))) static const char *jfmt(char buf[static JPATH_MAX],
                                                              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, JPATH_MAX, fmt, ap);
  va_end(ap);
  return buf;
}

/* "where.key", or "key" at the top level. */
static const char *jkey(char buf[static JPATH_MAX], const char *where, const char *key) {
  if (where == NULL || *where == '\0')
    return jfmt(buf, "%s", key);
  return jfmt(buf, "%s.%s", where, key);
}

static const char *jidx(char buf[static JPATH_MAX], const char *where, size_t i) {
  return jfmt(buf, "%s[%zu]", where, i);
}

static json_t *member(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_null(v) ? NULL : v;
}

static int absent(bool required, const char *where, const char *key, struct hutch_error **err) {
  char p[JPATH_MAX];
  if (required)
    return fail(err, jkey(p, where, key), "required");
  return 0;
}

/* ---- typed getters: absent leaves the output untouched ---- */

static int get_str(json_t *o, const char *where, const char *key, bool required, char **out,
                   struct hutch_error **err) {
  char p[JPATH_MAX];
  json_t *v = member(o, key);
  if (v == NULL)
    return absent(required, where, key, err);
  if (!json_is_string(v))
    return fail(err, jkey(p, where, key), "must be a string");
  char *s = strdup(json_string_value(v));
  if (s == NULL)
    return oom(err);
  free(*out);
  *out = s;
  return 0;
}

static int get_bool(json_t *o, const char *where, const char *key, bool *out, bool *has,
                    struct hutch_error **err) {
  char p[JPATH_MAX];
  json_t *v = member(o, key);
  if (v == NULL)
    return 0;
  if (!json_is_boolean(v))
    return fail(err, jkey(p, where, key), "must be a boolean");
  *out = json_is_true(v);
  if (has)
    *has = true;
  return 0;
}

static int check_int(json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
                     struct hutch_error **err) {
  if (!json_is_integer(v) || (min >= 0 && json_integer_value(v) < 0))
    return fail(err, path, min >= 0 ? "must be an unsigned integer" : "must be an integer");
  int64_t x = json_integer_value(v);
  if (x < min || x > max)
    return fail(err, path, "%" PRId64 " out of range [%" PRId64 ", %" PRId64 "]", x, min, max);
  *out = x;
  return 0;
}

static int get_int(json_t *o, const char *where, const char *key, bool required, int64_t min,
                   int64_t max, int64_t *out, bool *has, struct hutch_error **err) {
  char p[JPATH_MAX];
  json_t *v = member(o, key);
  if (v == NULL)
    return absent(required, where, key, err);
  int r = check_int(v, jkey(p, where, key), min, max, out, err);
  if (r == 0 && has)
    *has = true;
  return r;
}

static int get_u32(json_t *o, const char *where, const char *key, bool required, uint32_t *out,
                   bool *has, struct hutch_error **err) {
  int64_t x;
  bool h = false;
  int r = get_int(o, where, key, required, 0, UINT32_MAX, &x, &h, err);
  if (r == 0 && h) {
    *out = (uint32_t)x;
    if (has)
      *has = true;
  }
  return r;
}

static int get_u64(json_t *o, const char *where, const char *key, bool required, uint64_t *out,
                   bool *has, struct hutch_error **err) {
  int64_t x;
  bool h = false;
  int r = get_int(o, where, key, required, 0, INT64_MAX, &x, &h, err);
  if (r == 0 && h) {
    *out = (uint64_t)x;
    if (has)
      *has = true;
  }
  return r;
}

static int get_i64(json_t *o, const char *where, const char *key, bool required, int64_t *out,
                   bool *has, struct hutch_error **err) {
  return get_int(o, where, key, required, INT64_MIN, INT64_MAX, out, has, err);
}

static int get_i32(json_t *o, const char *where, const char *key, bool required, int *out,
                   bool *has, struct hutch_error **err) {
  int64_t x;
  bool h = false;
  int r = get_int(o, where, key, required, INT32_MIN, INT32_MAX, &x, &h, err);
  if (r == 0 && h) {
    *out = (int)x;
    if (has)
      *has = true;
  }
  return r;
}

static int get_typed(json_t *o, const char *where, const char *key, bool required, bool object,
                     json_t **out, struct hutch_error **err) {
  char p[JPATH_MAX];
  json_t *v = member(o, key);
  *out = NULL;
  if (v == NULL)
    return absent(required, where, key, err);
  if (object ? !json_is_object(v) : !json_is_array(v))
    return fail(err, jkey(p, where, key), object ? "must be an object" : "must be an array");
  *out = v;
  return 0;
}

static int get_obj(json_t *o, const char *where, const char *key, bool required, json_t **out,
                   struct hutch_error **err) {
  return get_typed(o, where, key, required, true, out, err);
}

static int get_arr(json_t *o, const char *where, const char *key, bool required, json_t **out,
                   struct hutch_error **err) {
  return get_typed(o, where, key, required, false, out, err);
}

/* An array of strings as a NULL-terminated vector. A present empty array
 * gives an empty (non-NULL) vector, so "no capabilities" differs from
 * "capabilities not given". */
static int get_strv(json_t *o, const char *where, const char *key, bool required, bool nonempty,
                    char ***out, struct hutch_error **err) {
  char p[JPATH_MAX], pi[JPATH_MAX];
  json_t *a;
  int r = get_arr(o, where, key, required, &a, err);
  if (r < 0 || a == NULL)
    return r;
  jkey(p, where, key);
  if (nonempty && json_array_size(a) == 0)
    return fail(err, p, "must not be empty");
  char **v = calloc(json_array_size(a) + 1, sizeof(char *));
  if (v == NULL)
    return oom(err);
  size_t i;
  json_t *e;
  json_array_foreach(a, i, e) {
    if (!json_is_string(e)) {
      hutch_strv_free(v);
      return fail(err, jidx(pi, p, i), "must be a string");
    }
    v[i] = strdup(json_string_value(e));
    if (v[i] == NULL) {
      hutch_strv_free(v);
      return oom(err);
    }
  }
  hutch_strv_free(*out);
  *out = v;
  return 0;
}

/* An object of string values (annotations, sysctl, unified). */
static int get_kv(json_t *o, const char *where, const char *key, struct spec_kv **out, size_t *n,
                  struct hutch_error **err) {
  char p[JPATH_MAX], pk[JPATH_MAX];
  json_t *obj;
  int r = get_obj(o, where, key, false, &obj, err);
  if (r < 0 || obj == NULL)
    return r;
  jkey(p, where, key);
  struct spec_kv *kv = calloc(json_object_size(obj) + 1, sizeof(*kv));
  if (kv == NULL)
    return oom(err);
  size_t cnt = 0;
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    if (!json_is_string(v)) {
      r = fail(err, jkey(pk, p, k), "must be a string");
      goto fail;
    }
    kv[cnt].key = strdup(k);
    kv[cnt].value = strdup(json_string_value(v));
    cnt++;
    if (kv[cnt - 1].key == NULL || kv[cnt - 1].value == NULL) {
      r = oom(err);
      goto fail;
    }
  }
  *out = kv;
  *n = cnt;
  return 0;
fail:
  for (size_t i = 0; i < cnt; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
  return r;
}

static int require_absolute(const char *path, const char *where, const char *key,
                            struct hutch_error **err) {
  char p[JPATH_MAX];
  if (path && path[0] != '/')
    return fail(err, jkey(p, where, key), "must be an absolute path, got \"%s\"", path);
  return 0;
}

/* Allocate the C array for a JSON array of n objects; *out stays NULL when
 * n == 0 so absent and empty look the same to the runtime. */
static int alloc_array(size_t n, size_t size, void **out, struct hutch_error **err) {
  *out = NULL;
  if (n == 0)
    return 0;
  *out = calloc(n, size);
  return *out ? 0 : oom(err);
}

/* Iterate a JSON array whose elements must all be objects; `p` gets the
 * element's path. */
static int element_obj(json_t *e, char p[static JPATH_MAX], const char *where, size_t i,
                       struct hutch_error **err) {
  jidx(p, where, i);
  if (!json_is_object(e))
    return fail(err, p, "must be an object");
  return 0;
}

/* ---- name tables ---- */

struct name_value {
  const char *name;
  long value;
};

static const struct name_value *lookup(const struct name_value *t, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0)
      return &t[i];
  return NULL;
}
#define LOOKUP(table, name) lookup(table, ARRAY_SIZE(table), name)

static const struct name_value rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

/* linux/ioprio.h values; that header is not in every libc's include path. */
static const struct name_value ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

static const struct name_value sched_policies[] = {
    {"SCHED_OTHER", SCHED_OTHER},       {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH},       {"SCHED_ISO", SCHED_ISO},   {"SCHED_IDLE", SCHED_IDLE},
    {"SCHED_DEADLINE", SCHED_DEADLINE},
};

/* linux/sched.h values; that header clashes with <sched.h>. */
static const struct name_value sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const struct name_value propagations[] = {
    {"private", MS_PRIVATE},
    {"shared", MS_SHARED},
    {"slave", MS_SLAVE},
    {"unbindable", MS_UNBINDABLE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"rshared", MS_SHARED | MS_REC},
    {"rslave", MS_SLAVE | MS_REC},
    {"runbindable", MS_UNBINDABLE | MS_REC},
};

static const struct name_value seccomp_actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

static const struct name_value seccomp_ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const char *const seccomp_filter_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* Mount options with an MS_* flag, as runc's specconv has them. */
static const struct {
  const char *name;
  bool clear;
  unsigned long flag;
} mount_flags[] = {
    {"acl", false, MS_POSIXACL},       {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},       {"defaults", false, 0},
    {"dev", true, MS_NODEV},           {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION}, {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},         {"mand", false, MS_MANDLOCK},
    {"noacl", true, MS_POSIXACL},      {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},        {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},      {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME}, {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},      {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"relatime", false, MS_RELATIME},  {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},      {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},         {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

/* Recursive variants, applied with mount_setattr(AT_RECURSIVE). */
static const struct {
  const char *name;
  bool clear;
  uint64_t attr;
} mount_rec_attrs[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

/* The mount options mount_apply_options() interprets itself (the rest go
 * to the filesystem as data). */
static const char *const mount_specials[] = {"bind", "rbind", "idmap", "ridmap", "tmpcopyup"};

void hutch_spec_names(enum spec_names which, void (*fn)(const char *name, void *ud), void *ud) {
  switch (which) {
  case SPEC_NAMES_MOUNT_OPTIONS:
    for (size_t i = 0; i < ARRAY_SIZE(mount_specials); i++)
      fn(mount_specials[i], ud);
    for (size_t i = 0; i < ARRAY_SIZE(mount_flags); i++)
      fn(mount_flags[i].name, ud);
    for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
      fn(propagations[i].name, ud);
    for (size_t i = 0; i < ARRAY_SIZE(mount_rec_attrs); i++)
      fn(mount_rec_attrs[i].name, ud);
    break;
  case SPEC_NAMES_SECCOMP_ACTIONS:
    for (size_t i = 0; i < ARRAY_SIZE(seccomp_actions); i++)
      fn(seccomp_actions[i].name, ud);
    break;
  case SPEC_NAMES_SECCOMP_OPERATORS:
    for (size_t i = 0; i < ARRAY_SIZE(seccomp_ops); i++)
      fn(seccomp_ops[i].name, ud);
    break;
  case SPEC_NAMES_SECCOMP_FLAGS:
    for (size_t i = 0; i < ARRAY_SIZE(seccomp_filter_flags); i++)
      fn(seccomp_filter_flags[i], ud);
    break;
  }
}

static int lookup_enum(const struct name_value *t, size_t n, json_t *o, const char *where,
                       const char *key, const char *what, long *out, struct hutch_error **err) {
  char p[JPATH_MAX];
  _cleanup_free_ char *s = NULL;
  int r = get_str(o, where, key, true, &s, err);
  if (r < 0)
    return r;
  const struct name_value *nv = lookup(t, n, s);
  if (nv == NULL)
    return fail(err, jkey(p, where, key), "unknown %s \"%s\"", what, s);
  *out = nv->value;
  return 0;
}
#define LOOKUP_ENUM(table, o, where, key, what, out)                                               \
  lookup_enum(table, ARRAY_SIZE(table), o, where, key, what, out, err)

/* ---- process ---- */

static int parse_user(json_t *p, struct spec_user *u, struct hutch_error **err) {
  const char *w = "process.user";
  char pi[JPATH_MAX];
  json_t *o, *a;
  int r = get_obj(p, "process", "user", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  uint32_t v = 0, umask = 0;
  if ((r = get_u32(o, w, "uid", false, &v, NULL, err)) < 0)
    return r;
  u->uid = v;
  v = 0;
  if ((r = get_u32(o, w, "gid", false, &v, NULL, err)) < 0)
    return r;
  u->gid = v;
  if ((r = get_u32(o, w, "umask", false, &umask, &u->has_umask, err)) < 0)
    return r;
  if (umask > 0777)
    return fail(err, "process.user.umask", "must be at most 0777 (511), got %u", umask);
  u->umask = umask;
  if ((r = get_str(o, w, "username", false, &u->username, err)) < 0)
    return r;
  if ((r = get_arr(o, w, "additionalGids", false, &a, err)) < 0 || a == NULL)
    return r;
  if ((r = alloc_array(json_array_size(a), sizeof(gid_t), (void **)&u->additional_gids, err)) < 0)
    return r;
  size_t i;
  json_t *e;
  json_array_foreach(a, i, e) {
    int64_t g;
    if ((r = check_int(e, jidx(pi, "process.user.additionalGids", i), 0, UINT32_MAX, &g, err)) < 0)
      return r;
    u->additional_gids[u->n_additional_gids++] = (gid_t)g;
  }
  return 0;
}

static int parse_capabilities(json_t *p, struct spec_process *out, struct hutch_error **err) {
  const char *w = "process.capabilities";
  json_t *o;
  int r = get_obj(p, "process", "capabilities", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  out->has_caps = true;
  if ((r = get_strv(o, w, "bounding", false, false, &out->caps.bounding, err)) < 0 ||
      (r = get_strv(o, w, "effective", false, false, &out->caps.effective, err)) < 0 ||
      (r = get_strv(o, w, "inheritable", false, false, &out->caps.inheritable, err)) < 0 ||
      (r = get_strv(o, w, "permitted", false, false, &out->caps.permitted, err)) < 0 ||
      (r = get_strv(o, w, "ambient", false, false, &out->caps.ambient, err)) < 0)
    return r;
  return 0;
}

static int parse_rlimits(json_t *p, struct spec_process *out, struct hutch_error **err) {
  char pe[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(p, "process", "rlimits", false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  if ((r = alloc_array(json_array_size(a), sizeof(*out->rlimits), (void **)&out->rlimits, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    if ((r = element_obj(e, pe, "process.rlimits", i, err)) < 0)
      return r;
    struct spec_rlimit *rl = &out->rlimits[out->n_rlimits];
    long res;
    if ((r = LOOKUP_ENUM(rlimit_names, e, pe, "type", "rlimit", &res)) < 0)
      return r;
    for (size_t j = 0; j < out->n_rlimits; j++)
      if (out->rlimits[j].resource == res) {
        char pt[JPATH_MAX];
        return fail(err, jkey(pt, pe, "type"), "duplicate rlimit \"%s\"",
                    json_string_value(member(e, "type")));
      }
    rl->resource = (int)res;
    if ((r = get_str(e, pe, "type", true, &rl->type, err)) < 0)
      return r;
    out->n_rlimits++;
    if ((r = get_u64(e, pe, "hard", true, &rl->hard, NULL, err)) < 0 ||
        (r = get_u64(e, pe, "soft", true, &rl->soft, NULL, err)) < 0)
      return r;
  }
  return 0;
}

static int parse_scheduler(json_t *p, struct spec_scheduler *s, struct hutch_error **err) {
  const char *w = "process.scheduler";
  char pi[JPATH_MAX];
  json_t *o;
  int r = get_obj(p, "process", "scheduler", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  s->present = true;
  long policy;
  if ((r = LOOKUP_ENUM(sched_policies, o, w, "policy", "scheduler policy", &policy)) < 0)
    return r;
  s->policy = (int)policy;
  if ((r = get_i32(o, w, "nice", false, &s->nice, NULL, err)) < 0 ||
      (r = get_i32(o, w, "priority", false, &s->priority, NULL, err)) < 0 ||
      (r = get_u64(o, w, "runtime", false, &s->runtime, NULL, err)) < 0 ||
      (r = get_u64(o, w, "deadline", false, &s->deadline, NULL, err)) < 0 ||
      (r = get_u64(o, w, "period", false, &s->period, NULL, err)) < 0)
    return r;
  if (s->nice < -20 || s->nice > 19)
    return fail(err, "process.scheduler.nice", "%d out of range [-20, 19]", s->nice);
  _cleanup_strv_ char **flags = NULL;
  if ((r = get_strv(o, w, "flags", false, false, &flags, err)) < 0)
    return r;
  for (size_t i = 0; flags && flags[i]; i++) {
    const struct name_value *nv = LOOKUP(sched_flags, flags[i]);
    if (nv == NULL)
      return fail(err, jidx(pi, "process.scheduler.flags", i), "unknown scheduler flag \"%s\"",
                  flags[i]);
    s->flags |= (uint64_t)nv->value;
  }
  return 0;
}

static int parse_process(json_t *root, struct spec *s, struct hutch_error **err) {
  const char *w = "process";
  char pi[JPATH_MAX];
  json_t *p, *o;
  int r = get_obj(root, "", "process", false, &p, err);
  if (r < 0 || p == NULL)
    return r;
  struct spec_process *out = &s->process;
  s->has_process = true;
  if ((r = get_bool(p, w, "terminal", &out->terminal, NULL, err)) < 0)
    return r;
  if ((r = get_obj(p, w, "consoleSize", false, &o, err)) < 0)
    return r;
  if (o) {
    uint32_t h = 0, wd = 0;
    if ((r = get_u32(o, "process.consoleSize", "height", true, &h, NULL, err)) < 0 ||
        (r = get_u32(o, "process.consoleSize", "width", true, &wd, NULL, err)) < 0)
      return r;
    out->has_console_size = true;
    out->console_height = h;
    out->console_width = wd;
  }
  if ((r = parse_user(p, &out->user, err)) < 0)
    return r;
  /* One message for missing, empty and wrong-typed args (spec.h names it). */
  json_t *args = member(p, "args");
  if (args == NULL || !json_is_array(args) || json_array_size(args) == 0)
    return fail(err, "process.args", "must be a non-empty array of strings");
  if ((r = get_strv(p, w, "args", true, true, &out->args, err)) < 0)
    return r;
  if ((r = get_str(p, w, "commandLine", false, &out->command_line, err)) < 0)
    return r;
  if ((r = get_strv(p, w, "env", false, false, &out->env, err)) < 0)
    return r;
  for (size_t i = 0; out->env && out->env[i]; i++) {
    const char *eq = strchr(out->env[i], '=');
    if (eq == NULL || eq == out->env[i])
      return fail(err, jidx(pi, "process.env", i), "must be KEY=VALUE, got \"%s\"", out->env[i]);
  }
  if ((r = get_str(p, w, "cwd", true, &out->cwd, err)) < 0 ||
      (r = require_absolute(out->cwd, w, "cwd", err)) < 0)
    return r;
  if ((r = parse_capabilities(p, out, err)) < 0 || (r = parse_rlimits(p, out, err)) < 0)
    return r;
  if ((r = get_bool(p, w, "noNewPrivileges", &out->no_new_privileges, NULL, err)) < 0 ||
      (r = get_str(p, w, "apparmorProfile", false, &out->apparmor_profile, err)) < 0 ||
      (r = get_str(p, w, "selinuxLabel", false, &out->selinux_label, err)) < 0)
    return r;
  int64_t oom_adj;
  if ((r = get_int(p, w, "oomScoreAdj", false, -1000, 1000, &oom_adj, &out->has_oom_score_adj,
                   err)) < 0)
    return r;
  if (out->has_oom_score_adj)
    out->oom_score_adj = (int)oom_adj;
  if ((r = get_obj(p, w, "ioPriority", false, &o, err)) < 0)
    return r;
  if (o) {
    long cls;
    int64_t prio;
    if ((r = LOOKUP_ENUM(ioprio_classes, o, "process.ioPriority", "class", "I/O priority class",
                         &cls)) < 0 ||
        (r = get_int(o, "process.ioPriority", "priority", true, 0, 7, &prio, NULL, err)) < 0)
      return r;
    out->io_priority.present = true;
    out->io_priority.class_ = (int)cls;
    out->io_priority.priority = (int)prio;
  }
  return parse_scheduler(p, &out->scheduler, err);
}

/* ---- root, mounts ---- */

static int parse_root(json_t *root, struct spec *s, struct hutch_error **err) {
  json_t *o;
  int r = get_obj(root, "", "root", true, &o, err);
  if (r < 0)
    return r;
  if ((r = get_str(o, "root", "path", true, &s->root_path, err)) < 0)
    return r;
  if (s->root_path[0] == '\0')
    return fail(err, "root.path", "must not be empty");
  return get_bool(o, "root", "readonly", &s->root_readonly, NULL, err);
}

static int parse_id_mappings(json_t *o, const char *where, const char *key,
                             struct spec_id_mapping **out, size_t *n, struct hutch_error **err) {
  char p[JPATH_MAX], pe[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(o, where, key, false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  jkey(p, where, key);
  if ((r = alloc_array(json_array_size(a), sizeof(**out), (void **)out, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    struct spec_id_mapping *m = &(*out)[i];
    if ((r = element_obj(e, pe, p, i, err)) < 0 ||
        (r = get_u32(e, pe, "containerID", true, &m->container_id, NULL, err)) < 0 ||
        (r = get_u32(e, pe, "hostID", true, &m->host_id, NULL, err)) < 0 ||
        (r = get_u32(e, pe, "size", true, &m->size, NULL, err)) < 0)
      return r;
    *n = i + 1;
  }
  return 0;
}

static int append_data(char **data, const char *opt) {
  char *n;
  if (asprintf(&n, "%s%s%s", *data ? *data : "", *data ? "," : "", opt) < 0)
    return -ENOMEM;
  free(*data);
  *data = n;
  return 0;
}

/* Turn mount options into MS_* flags, propagation, mount_setattr attributes
 * and the leftover filesystem data, the way runc's specconv does. Options
 * apply in order, so "ro,rw" ends read-write. */
static int mount_apply_options(struct spec_mount *m) {
  for (size_t i = 0; m->options && m->options[i]; i++) {
    const char *o = m->options[i];
    bool done = false;
    if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
      bool rec = o[0] == 'r';
      m->bind = true;
      m->recursive_bind |= rec;
      m->flags |= MS_BIND | (rec ? MS_REC : 0);
      continue;
    }
    if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
      if (o[0] == 'r')
        m->ridmap = true;
      else
        m->idmap = true;
      continue;
    }
    if (strcmp(o, "tmpcopyup") == 0) {
      m->tmpcopyup = true;
      continue;
    }
    for (size_t j = 0; j < ARRAY_SIZE(mount_flags) && !done; j++) {
      if (strcmp(o, mount_flags[j].name) != 0)
        continue;
      done = true;
      if (mount_flags[j].clear) {
        m->flags &= ~mount_flags[j].flag;
        m->clear_flags |= mount_flags[j].flag;
      } else {
        m->flags |= mount_flags[j].flag;
        m->clear_flags &= ~mount_flags[j].flag;
      }
    }
    const struct name_value *pr = done ? NULL : LOOKUP(propagations, o);
    if (pr) {
      m->propagation = (unsigned long)pr->value; /* the last one wins */
      done = true;
    }
    for (size_t j = 0; j < ARRAY_SIZE(mount_rec_attrs) && !done; j++) {
      if (strcmp(o, mount_rec_attrs[j].name) != 0)
        continue;
      done = true;
      uint64_t a = mount_rec_attrs[j].attr;
      if (mount_rec_attrs[j].clear) {
        m->rec_attr_set &= ~a;
        m->rec_attr_clr |= a;
      } else {
        m->rec_attr_set |= a;
        m->rec_attr_clr &= ~a;
      }
      /* The atime modes are one field: setting one must clear the field. */
      if (!mount_rec_attrs[j].clear &&
          (a == MOUNT_ATTR_RELATIME || a == MOUNT_ATTR_NOATIME || a == MOUNT_ATTR_STRICTATIME))
        m->rec_attr_clr |= MOUNT_ATTR__ATIME;
    }
    if (!done && append_data(&m->data, o) < 0)
      return -ENOMEM;
  }
  if (!m->bind && m->type && strcmp(m->type, "bind") == 0) {
    m->bind = true;
    m->flags |= MS_BIND;
  }
  return 0;
}

static int parse_mount(json_t *e, const char *pe, struct spec_mount *m, struct hutch_error **err) {
  int r;
  if ((r = get_str(e, pe, "destination", true, &m->destination, err)) < 0 ||
      (r = get_str(e, pe, "type", false, &m->type, err)) < 0 ||
      (r = get_str(e, pe, "source", false, &m->source, err)) < 0 ||
      (r = get_strv(e, pe, "options", false, false, &m->options, err)) < 0)
    return r;
  if (m->destination[0] == '\0')
    return fail(err, jkey((char[JPATH_MAX]){0}, pe, "destination"), "must not be empty");
  if (m->destination[0] != '/') {
    /* runc 1.1 compatibility: warn, and resolve against the container's /. */
    hutch_warn("%s.destination: \"%s\" is not absolute; using \"/%s\"", pe, m->destination,
               m->destination);
    char *abs;
    if (asprintf(&abs, "/%s", m->destination) < 0)
      return oom(err);
    free(m->destination);
    m->destination = abs;
  }
  if ((r = parse_id_mappings(e, pe, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, err)) <
          0 ||
      (r = parse_id_mappings(e, pe, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, err)) < 0)
    return r;
  if (mount_apply_options(m) < 0)
    return oom(err);
  return 0;
}

static int parse_mounts(json_t *root, struct spec *s, struct hutch_error **err) {
  char pe[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(root, "", "mounts", false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  if ((r = alloc_array(json_array_size(a), sizeof(*s->mounts), (void **)&s->mounts, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    if ((r = element_obj(e, pe, "mounts", i, err)) < 0)
      return r;
    s->n_mounts = i + 1; /* count it first, so a failure frees what it holds */
    if ((r = parse_mount(e, pe, &s->mounts[i], err)) < 0)
      return r;
  }
  return 0;
}

/* ---- hooks ---- */

static int parse_hook(json_t *e, const char *pe, struct spec_hook *h, struct hutch_error **err) {
  char p[JPATH_MAX];
  int r;
  if ((r = get_str(e, pe, "path", true, &h->path, err)) < 0 ||
      (r = require_absolute(h->path, pe, "path", err)) < 0 ||
      (r = get_strv(e, pe, "args", false, false, &h->args, err)) < 0 ||
      (r = get_strv(e, pe, "env", false, false, &h->env, err)) < 0 ||
      (r = get_i32(e, pe, "timeout", false, &h->timeout, &h->has_timeout, err)) < 0)
    return r;
  if (h->has_timeout && h->timeout <= 0)
    return fail(err, jkey(p, pe, "timeout"), "must be greater than zero, got %d", h->timeout);
  for (size_t i = 0; h->env && h->env[i]; i++)
    if (strchr(h->env[i], '=') == NULL || h->env[i][0] == '=') {
      char pv[JPATH_MAX];
      return fail(err, jidx(pv, jkey(p, pe, "env"), i), "must be KEY=VALUE, got \"%s\"", h->env[i]);
    }
  return 0;
}

static int parse_hooks(json_t *root, struct spec *s, struct hutch_error **err) {
  char pk[JPATH_MAX], pe[JPATH_MAX];
  json_t *o, *a, *e;
  int r = get_obj(root, "", "hooks", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  for (int k = 0; k < SPEC_HOOK__MAX; k++) {
    const char *name = hutch_spec_hook_name(k);
    if ((r = get_arr(o, "hooks", name, false, &a, err)) < 0)
      return r;
    if (a == NULL)
      continue;
    jkey(pk, "hooks", name);
    if ((r = alloc_array(json_array_size(a), sizeof(struct spec_hook), (void **)&s->hooks.list[k],
                         err)) < 0)
      return r;
    size_t i;
    json_array_foreach(a, i, e) {
      if ((r = element_obj(e, pe, pk, i, err)) < 0)
        return r;
      s->hooks.n[k] = i + 1;
      if ((r = parse_hook(e, pe, &s->hooks.list[k][i], err)) < 0)
        return r;
    }
  }
  return 0;
}

/* ---- linux ---- */

static int parse_namespaces(json_t *l, struct spec_linux *out, struct hutch_error **err) {
  char pe[JPATH_MAX], pt[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(l, "linux", "namespaces", false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    _cleanup_free_ char *type = NULL, *path = NULL;
    if ((r = element_obj(e, pe, "linux.namespaces", i, err)) < 0 ||
        (r = get_str(e, pe, "type", true, &type, err)) < 0 ||
        (r = get_str(e, pe, "path", false, &path, err)) < 0)
      return r;
    int t;
    for (t = 0; t < SPEC_NS__MAX; t++)
      if (strcmp(type, hutch_spec_ns_name(t)) == 0)
        break;
    if (t == SPEC_NS__MAX)
      return fail(err, jkey(pt, pe, "type"), "unknown namespace type \"%s\"", type);
    if (out->namespaces[t].present)
      return fail(err, jkey(pt, pe, "type"), "duplicate namespace type \"%s\"", type);
    if (path && path[0] == '\0') { /* "" means "create one", as in Go */
      free(path);
      path = NULL;
    }
    if ((r = require_absolute(path, pe, "path", err)) < 0)
      return r;
    out->namespaces[t].present = true;
    out->namespaces[t].path = TAKE_PTR(path);
  }
  return 0;
}

static int parse_devices(json_t *l, struct spec_linux *out, struct hutch_error **err) {
  char pe[JPATH_MAX], pt[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(l, "linux", "devices", false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  if ((r = alloc_array(json_array_size(a), sizeof(*out->devices), (void **)&out->devices, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    struct spec_device *d = &out->devices[i];
    _cleanup_free_ char *type = NULL;
    if ((r = element_obj(e, pe, "linux.devices", i, err)) < 0)
      return r;
    out->n_devices = i + 1;
    if ((r = get_str(e, pe, "path", true, &d->path, err)) < 0 ||
        (r = require_absolute(d->path, pe, "path", err)) < 0 ||
        (r = get_str(e, pe, "type", true, &type, err)) < 0)
      return r;
    if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
      return fail(err, jkey(pt, pe, "type"), "unknown device type \"%s\"", type);
    d->type = type[0];
    bool need = d->type != 'p';
    d->major = d->minor = -1;
    uint32_t mode = 0, uid = 0, gid = 0;
    if ((r = get_i64(e, pe, "major", need, &d->major, NULL, err)) < 0 ||
        (r = get_i64(e, pe, "minor", need, &d->minor, NULL, err)) < 0 ||
        (r = get_u32(e, pe, "fileMode", false, &mode, &d->has_file_mode, err)) < 0 ||
        (r = get_u32(e, pe, "uid", false, &uid, &d->has_uid, err)) < 0 ||
        (r = get_u32(e, pe, "gid", false, &gid, &d->has_gid, err)) < 0)
      return r;
    if (need && (d->major < 0 || d->minor < 0))
      return fail(err, pe, "major and minor must not be negative");
    /* podman (--privileged, --device) passes the host's st_mode, file type
     * bits included, as runc accepts: drop them when they match the type. */
    if (mode & S_IFMT) {
      uint32_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
      if ((mode & S_IFMT) != want)
        return fail(err, jkey(pt, pe, "fileMode"), "file type bits do not match type \"%c\"",
                    d->type);
      mode &= ~(uint32_t)S_IFMT;
    }
    if (mode > 07777)
      return fail(err, jkey(pt, pe, "fileMode"), "must be permission bits (at most 07777)");
    d->file_mode = mode;
    d->uid = uid;
    d->gid = gid;
  }
  return 0;
}

static int parse_time_offsets(json_t *l, struct spec_linux *out, struct hutch_error **err) {
  char pc[JPATH_MAX];
  json_t *o, *v;
  int r = get_obj(l, "linux", "timeOffsets", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  out->has_time_offsets = true;
  const char *clock;
  json_object_foreach(o, clock, v) {
    int64_t *secs;
    uint32_t *nsecs;
    if (strcmp(clock, "monotonic") == 0) {
      secs = &out->monotonic_secs;
      nsecs = &out->monotonic_nanosecs;
    } else if (strcmp(clock, "boottime") == 0) {
      secs = &out->boottime_secs;
      nsecs = &out->boottime_nanosecs;
    } else {
      return fail(err, jkey(pc, "linux.timeOffsets", clock),
                  "unknown clock (monotonic or boottime)");
    }
    jkey(pc, "linux.timeOffsets", clock);
    if (!json_is_object(v))
      return fail(err, pc, "must be an object");
    if ((r = get_i64(v, pc, "secs", false, secs, NULL, err)) < 0 ||
        (r = get_u32(v, pc, "nanosecs", false, nsecs, NULL, err)) < 0)
      return r;
    if (*nsecs >= 1000000000u)
      return fail(err, jkey((char[JPATH_MAX]){0}, pc, "nanosecs"), "must be below 1000000000");
  }
  return 0;
}

/* linux.resources, or a bare resources object for `update`. */
/* A device access string rewritten in place to the r, w, m it grants, in
 * that order ("mwr" → "rwm"). runc accepts any letters and ignores those
 * it does not know ("rwa" is "rw"); so do we. Empty, non-letters, or no
 * r/w/m at all grant nothing and are refused (runc refuses ""). */
static int normalize_access(char *access) {
  bool r = false, w = false, m = false;
  for (const char *c = access; *c; c++) {
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
      return -EINVAL;
    r = r || *c == 'r';
    w = w || *c == 'w';
    m = m || *c == 'm';
  }
  if (!r && !w && !m)
    return -EINVAL;
  char *o = access;
  if (r)
    *o++ = 'r';
  if (w)
    *o++ = 'w';
  if (m)
    *o++ = 'm';
  *o = '\0';
  return 0;
}

static int parse_device_cgroups(json_t *o, const char *w, struct spec_resources *out,
                                struct hutch_error **err) {
  char p[JPATH_MAX], pe[JPATH_MAX], pt[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(o, w, "devices", false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  jkey(p, w, "devices");
  if ((r = alloc_array(json_array_size(a), sizeof(*out->devices), (void **)&out->devices, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    struct spec_device_cgroup *d = &out->devices[i];
    _cleanup_free_ char *type = NULL;
    if ((r = element_obj(e, pe, p, i, err)) < 0)
      return r;
    out->n_devices = i + 1;
    bool has_allow = false;
    d->major = d->minor = -1; /* absent: wildcard */
    if ((r = get_bool(e, pe, "allow", &d->allow, &has_allow, err)) < 0)
      return r;
    if (!has_allow)
      return fail(err, jkey(pt, pe, "allow"), "required");
    if ((r = get_str(e, pe, "type", false, &type, err)) < 0 ||
        (r = get_i64(e, pe, "major", false, &d->major, NULL, err)) < 0 ||
        (r = get_i64(e, pe, "minor", false, &d->minor, NULL, err)) < 0 ||
        (r = get_str(e, pe, "access", false, &d->access, err)) < 0)
      return r;
    d->type = 'a';
    if (type && type[0] != '\0') {
      if (strlen(type) != 1 || strchr("acb", type[0]) == NULL)
        return fail(err, jkey(pt, pe, "type"), "unknown device type \"%s\" (a, c or b)", type);
      d->type = type[0];
    }
    if (d->major < -1 || d->minor < -1)
      return fail(err, pe, "major and minor must be -1 (any) or a device number");
    if (d->access && normalize_access(d->access) < 0)
      return fail(err, jkey(pt, pe, "access"),
                  "must be letters with at least one of r, w and m, got \"%s\"", d->access);
  }
  return 0;
}

static int parse_memory(json_t *r0, const char *w, struct spec_resources *out,
                        struct hutch_error **err) {
  char p[JPATH_MAX];
  json_t *o;
  int r = get_obj(r0, w, "memory", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  out->has_memory = true;
  struct spec_memory *m = &out->memory;
  jkey(p, w, "memory");
  if ((r = get_i64(o, p, "limit", false, &m->limit, &m->has_limit, err)) < 0 ||
      (r = get_i64(o, p, "reservation", false, &m->reservation, &m->has_reservation, err)) < 0 ||
      (r = get_i64(o, p, "swap", false, &m->swap, &m->has_swap, err)) < 0 ||
      (r = get_i64(o, p, "kernel", false, &m->kernel, &m->has_kernel, err)) < 0 ||
      (r = get_i64(o, p, "kernelTCP", false, &m->kernel_tcp, &m->has_kernel_tcp, err)) < 0 ||
      (r = get_bool(o, p, "disableOOMKiller", &m->disable_oom_killer, &m->has_disable_oom_killer,
                    err)) < 0 ||
      (r = get_bool(o, p, "useHierarchy", &m->use_hierarchy, &m->has_use_hierarchy, err)) < 0 ||
      (r = get_bool(o, p, "checkBeforeUpdate", &m->check_before_update, &m->has_check_before_update,
                    err)) < 0)
    return r;
  /* swappiness is a uint64 in the spec, but docker and older runc users
   * write -1 for "leave the kernel's value"; take that as absent. */
  json_t *sw = member(o, "swappiness");
  if (sw && !(json_is_integer(sw) && json_integer_value(sw) == -1)) {
    if ((r = get_u64(o, p, "swappiness", false, &m->swappiness, &m->has_swappiness, err)) < 0)
      return r;
    if (m->swappiness > 100)
      return fail(err, jkey((char[JPATH_MAX]){0}, p, "swappiness"), "must be at most 100");
  }
  return 0;
}

static int parse_cpu(json_t *r0, const char *w, struct spec_resources *out,
                     struct hutch_error **err) {
  char p[JPATH_MAX];
  json_t *o;
  int r = get_obj(r0, w, "cpu", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  out->has_cpu = true;
  struct spec_cpu *c = &out->cpu;
  jkey(p, w, "cpu");
  if ((r = get_u64(o, p, "shares", false, &c->shares, &c->has_shares, err)) < 0 ||
      (r = get_i64(o, p, "quota", false, &c->quota, &c->has_quota, err)) < 0 ||
      (r = get_u64(o, p, "burst", false, &c->burst, &c->has_burst, err)) < 0 ||
      (r = get_u64(o, p, "period", false, &c->period, &c->has_period, err)) < 0 ||
      (r = get_i64(o, p, "realtimeRuntime", false, &c->realtime_runtime, &c->has_realtime_runtime,
                   err)) < 0 ||
      (r = get_u64(o, p, "realtimePeriod", false, &c->realtime_period, &c->has_realtime_period,
                   err)) < 0 ||
      (r = get_i64(o, p, "idle", false, &c->idle, &c->has_idle, err)) < 0 ||
      (r = get_str(o, p, "cpus", false, &c->cpus, err)) < 0 ||
      (r = get_str(o, p, "mems", false, &c->mems, err)) < 0)
    return r;
  return 0;
}

static int parse_throttle(json_t *o, const char *w, const char *key,
                          struct spec_throttle_device **out, size_t *n, struct hutch_error **err) {
  char p[JPATH_MAX], pe[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(o, w, key, false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  jkey(p, w, key);
  if ((r = alloc_array(json_array_size(a), sizeof(**out), (void **)out, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    struct spec_throttle_device *t = &(*out)[i];
    if ((r = element_obj(e, pe, p, i, err)) < 0 ||
        (r = get_int(e, pe, "major", true, 0, INT64_MAX, &t->major, NULL, err)) < 0 ||
        (r = get_int(e, pe, "minor", true, 0, INT64_MAX, &t->minor, NULL, err)) < 0 ||
        (r = get_u64(e, pe, "rate", true, &t->rate, NULL, err)) < 0)
      return r;
    *n = i + 1;
  }
  return 0;
}

static int get_u16(json_t *o, const char *w, const char *key, uint16_t *out, bool *has,
                   struct hutch_error **err) {
  int64_t x;
  bool h = false;
  int r = get_int(o, w, key, false, 0, UINT16_MAX, &x, &h, err);
  if (r == 0 && h) {
    *out = (uint16_t)x;
    *has = true;
  }
  return r;
}

static int parse_blkio(json_t *r0, const char *w, struct spec_resources *out,
                       struct hutch_error **err) {
  char p[JPATH_MAX], pw[JPATH_MAX], pe[JPATH_MAX];
  json_t *o, *a, *e;
  int r = get_obj(r0, w, "blockIO", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  out->has_blkio = true;
  struct spec_blkio *b = &out->blkio;
  jkey(p, w, "blockIO");
  if ((r = get_u16(o, p, "weight", &b->weight, &b->has_weight, err)) < 0 ||
      (r = get_u16(o, p, "leafWeight", &b->leaf_weight, &b->has_leaf_weight, err)) < 0 ||
      (r = parse_throttle(o, p, "throttleReadBpsDevice", &b->throttle_read_bps,
                          &b->n_throttle_read_bps, err)) < 0 ||
      (r = parse_throttle(o, p, "throttleWriteBpsDevice", &b->throttle_write_bps,
                          &b->n_throttle_write_bps, err)) < 0 ||
      (r = parse_throttle(o, p, "throttleReadIOPSDevice", &b->throttle_read_iops,
                          &b->n_throttle_read_iops, err)) < 0 ||
      (r = parse_throttle(o, p, "throttleWriteIOPSDevice", &b->throttle_write_iops,
                          &b->n_throttle_write_iops, err)) < 0)
    return r;
  if ((r = get_arr(o, p, "weightDevice", false, &a, err)) < 0 || a == NULL)
    return r;
  jkey(pw, p, "weightDevice");
  if ((r = alloc_array(json_array_size(a), sizeof(*b->weight_device), (void **)&b->weight_device,
                       err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    struct spec_weight_device *d = &b->weight_device[i];
    if ((r = element_obj(e, pe, pw, i, err)) < 0 ||
        (r = get_int(e, pe, "major", true, 0, INT64_MAX, &d->major, NULL, err)) < 0 ||
        (r = get_int(e, pe, "minor", true, 0, INT64_MAX, &d->minor, NULL, err)) < 0 ||
        (r = get_u16(e, pe, "weight", &d->weight, &d->has_weight, err)) < 0 ||
        (r = get_u16(e, pe, "leafWeight", &d->leaf_weight, &d->has_leaf_weight, err)) < 0)
      return r;
    b->n_weight_device = i + 1;
  }
  return 0;
}

static int parse_hugepages(json_t *r0, const char *w, struct spec_resources *out,
                           struct hutch_error **err) {
  char p[JPATH_MAX], pe[JPATH_MAX];
  json_t *a, *e;
  int r = get_arr(r0, w, "hugepageLimits", false, &a, err);
  if (r < 0 || a == NULL)
    return r;
  jkey(p, w, "hugepageLimits");
  if ((r = alloc_array(json_array_size(a), sizeof(*out->hugepage_limits),
                       (void **)&out->hugepage_limits, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    struct spec_hugepage_limit *h = &out->hugepage_limits[i];
    if ((r = element_obj(e, pe, p, i, err)) < 0)
      return r;
    out->n_hugepage_limits = i + 1;
    if ((r = get_str(e, pe, "pageSize", true, &h->page_size, err)) < 0 ||
        (r = get_u64(e, pe, "limit", true, &h->limit, NULL, err)) < 0)
      return r;
  }
  return 0;
}

static int parse_network(json_t *r0, const char *w, struct spec_resources *out,
                         struct hutch_error **err) {
  char p[JPATH_MAX], pp[JPATH_MAX], pe[JPATH_MAX];
  json_t *o, *a, *e;
  int r = get_obj(r0, w, "network", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  out->has_network = true;
  jkey(p, w, "network");
  if ((r = get_u32(o, p, "classID", false, &out->class_id, &out->has_class_id, err)) < 0 ||
      (r = get_arr(o, p, "priorities", false, &a, err)) < 0 || a == NULL)
    return r;
  jkey(pp, p, "priorities");
  if ((r = alloc_array(json_array_size(a), sizeof(*out->net_priorities),
                       (void **)&out->net_priorities, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    struct spec_net_priority *np = &out->net_priorities[i];
    if ((r = element_obj(e, pe, pp, i, err)) < 0)
      return r;
    out->n_net_priorities = i + 1;
    if ((r = get_str(e, pe, "name", true, &np->name, err)) < 0 ||
        (r = get_u32(e, pe, "priority", true, &np->priority, NULL, err)) < 0)
      return r;
  }
  return 0;
}

static int parse_resources_obj(json_t *o, const char *w, struct spec_resources *out,
                               struct hutch_error **err) {
  char p[JPATH_MAX];
  json_t *pids;
  int r;
  out->present = true;
  if ((r = parse_device_cgroups(o, w, out, err)) < 0 || (r = parse_memory(o, w, out, err)) < 0 ||
      (r = parse_cpu(o, w, out, err)) < 0 || (r = parse_blkio(o, w, out, err)) < 0 ||
      (r = parse_hugepages(o, w, out, err)) < 0 || (r = parse_network(o, w, out, err)) < 0 ||
      (r = get_kv(o, w, "unified", &out->unified, &out->n_unified, err)) < 0 ||
      (r = get_obj(o, w, "pids", false, &pids, err)) < 0)
    return r;
  if (pids) {
    /* limit <= 0 means "unlimited" (runtime-spec 1.2 made it optional). */
    if ((r = get_i64(pids, jkey(p, w, "pids"), "limit", false, &out->pids_limit, NULL, err)) < 0)
      return r;
    out->has_pids = member(pids, "limit") != NULL;
  }
  return 0;
}

static int parse_seccomp_syscall(json_t *e, const char *pe, struct spec_seccomp_syscall *sc,
                                 struct hutch_error **err) {
  char p[JPATH_MAX], pa[JPATH_MAX], pi[JPATH_MAX];
  json_t *a, *arg;
  long v;
  int r;
  if ((r = get_strv(e, pe, "names", true, true, &sc->names, err)) < 0 ||
      (r = LOOKUP_ENUM(seccomp_actions, e, pe, "action", "seccomp action", &v)) < 0 ||
      (r = get_str(e, pe, "action", true, &sc->action_name, err)) < 0 ||
      (r = get_u32(e, pe, "errnoRet", false, &sc->errno_ret, &sc->has_errno_ret, err)) < 0)
    return r;
  sc->action = (uint32_t)v;
  if (sc->has_errno_ret && sc->action != SCMP_ACT_ERRNO(0) && sc->action != SCMP_ACT_TRACE(0))
    return fail(err, jkey(p, pe, "errnoRet"), "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  if ((r = get_arr(e, pe, "args", false, &a, err)) < 0 || a == NULL)
    return r;
  jkey(pa, pe, "args");
  if ((r = alloc_array(json_array_size(a), sizeof(*sc->args), (void **)&sc->args, err)) < 0)
    return r;
  size_t i;
  json_array_foreach(a, i, arg) {
    struct spec_seccomp_arg *sa = &sc->args[i];
    int64_t idx;
    long op;
    if ((r = element_obj(arg, pi, pa, i, err)) < 0 ||
        (r = get_int(arg, pi, "index", true, 0, 5, &idx, NULL, err)) < 0 ||
        (r = get_u64(arg, pi, "value", true, &sa->value, NULL, err)) < 0 ||
        (r = get_u64(arg, pi, "valueTwo", false, &sa->value_two, NULL, err)) < 0 ||
        (r = LOOKUP_ENUM(seccomp_ops, arg, pi, "op", "seccomp operator", &op)) < 0)
      return r;
    sa->index = (unsigned)idx;
    sa->op = (int)op;
    sc->n_args = i + 1;
  }
  return 0;
}

static int parse_seccomp(json_t *l, struct spec_seccomp *out, struct hutch_error **err) {
  const char *w = "linux.seccomp";
  char pi[JPATH_MAX];
  json_t *o, *a, *e;
  long v;
  int r = get_obj(l, "linux", "seccomp", false, &o, err);
  if (r < 0 || o == NULL)
    return r;
  out->present = true;
  if ((r = LOOKUP_ENUM(seccomp_actions, o, w, "defaultAction", "seccomp action", &v)) < 0 ||
      (r = get_str(o, w, "defaultAction", true, &out->default_action, err)) < 0 ||
      (r = get_u32(o, w, "defaultErrnoRet", false, &out->default_errno_ret,
                   &out->has_default_errno_ret, err)) < 0)
    return r;
  out->default_action_value = (uint32_t)v;
  if (out->has_default_errno_ret && v != SCMP_ACT_ERRNO(0) && v != SCMP_ACT_TRACE(0))
    return fail(err, "linux.seccomp.defaultErrnoRet",
                "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  /* Architecture and syscall names stay names: linux/seccomp.c resolves
   * them with the libseccomp it runs with, which may know newer ones. */
  if ((r = get_strv(o, w, "architectures", false, false, &out->architectures, err)) < 0 ||
      (r = get_strv(o, w, "flags", false, false, &out->flags, err)) < 0 ||
      (r = get_str(o, w, "listenerPath", false, &out->listener_path, err)) < 0 ||
      (r = require_absolute(out->listener_path, w, "listenerPath", err)) < 0 ||
      (r = get_str(o, w, "listenerMetadata", false, &out->listener_metadata, err)) < 0)
    return r;
  for (size_t i = 0; out->flags && out->flags[i]; i++) {
    size_t j;
    for (j = 0; j < ARRAY_SIZE(seccomp_filter_flags); j++)
      if (strcmp(out->flags[i], seccomp_filter_flags[j]) == 0)
        break;
    if (j == ARRAY_SIZE(seccomp_filter_flags))
      return fail(err, jidx(pi, "linux.seccomp.flags", i), "unknown seccomp flag \"%s\"",
                  out->flags[i]);
  }
  if ((r = get_arr(o, w, "syscalls", false, &a, err)) < 0 || a == NULL)
    return r;
  if ((r = alloc_array(json_array_size(a), sizeof(*out->syscalls), (void **)&out->syscalls, err)) <
      0)
    return r;
  size_t i;
  json_array_foreach(a, i, e) {
    if ((r = element_obj(e, pi, "linux.seccomp.syscalls", i, err)) < 0)
      return r;
    out->n_syscalls = i + 1;
    if ((r = parse_seccomp_syscall(e, pi, &out->syscalls[i], err)) < 0)
      return r;
  }
  return 0;
}

static int parse_linux(json_t *root, struct spec *s, struct hutch_error **err) {
  const char *w = "linux";
  char pi[JPATH_MAX];
  json_t *l, *o;
  struct spec_linux *out = &s->linux_;
  int r = get_obj(root, "", "linux", false, &l, err);
  if (r < 0 || l == NULL)
    return r;
  if ((r = parse_namespaces(l, out, err)) < 0 ||
      (r = parse_id_mappings(l, w, "uidMappings", &out->uid_mappings, &out->n_uid_mappings, err)) <
          0 ||
      (r = parse_id_mappings(l, w, "gidMappings", &out->gid_mappings, &out->n_gid_mappings, err)) <
          0 ||
      (r = get_kv(l, w, "sysctl", &out->sysctl, &out->n_sysctl, err)) < 0 ||
      (r = get_str(l, w, "cgroupsPath", false, &out->cgroups_path, err)) < 0 ||
      (r = parse_devices(l, out, err)) < 0 || (r = parse_seccomp(l, &out->seccomp, err)) < 0 ||
      (r = get_str(l, w, "rootfsPropagation", false, &out->rootfs_propagation, err)) < 0 ||
      (r = get_strv(l, w, "maskedPaths", false, false, &out->masked_paths, err)) < 0 ||
      (r = get_strv(l, w, "readonlyPaths", false, false, &out->readonly_paths, err)) < 0 ||
      (r = get_str(l, w, "mountLabel", false, &out->mount_label, err)) < 0 ||
      (r = parse_time_offsets(l, out, err)) < 0)
    return r;
  if ((r = get_obj(l, w, "resources", false, &o, err)) < 0 ||
      (o && (r = parse_resources_obj(o, "linux.resources", &out->resources, err)) < 0))
    return r;
  if (out->rootfs_propagation && out->rootfs_propagation[0] != '\0') {
    const struct name_value *nv = LOOKUP(propagations, out->rootfs_propagation);
    if (nv == NULL)
      return fail(err, "linux.rootfsPropagation", "unknown propagation \"%s\"",
                  out->rootfs_propagation);
    out->rootfs_propagation_flags = (unsigned long)nv->value;
  }
  for (size_t i = 0; out->masked_paths && out->masked_paths[i]; i++)
    if (out->masked_paths[i][0] != '/')
      return fail(err, jidx(pi, "linux.maskedPaths", i), "must be an absolute path, got \"%s\"",
                  out->masked_paths[i]);
  for (size_t i = 0; out->readonly_paths && out->readonly_paths[i]; i++)
    if (out->readonly_paths[i][0] != '/')
      return fail(err, jidx(pi, "linux.readonlyPaths", i), "must be an absolute path, got \"%s\"",
                  out->readonly_paths[i]);
  if ((r = get_obj(l, w, "personality", false, &o, err)) < 0)
    return r;
  if (o) {
    _cleanup_free_ char *domain = NULL;
    _cleanup_strv_ char **pflags = NULL;
    if ((r = get_str(o, "linux.personality", "domain", true, &domain, err)) < 0 ||
        (r = get_strv(o, "linux.personality", "flags", false, false, &pflags, err)) < 0)
      return r;
    if (strcmp(domain, "LINUX") == 0)
      out->personality = PER_LINUX;
    else if (strcmp(domain, "LINUX32") == 0)
      out->personality = PER_LINUX32;
    else
      return fail(err, "linux.personality.domain", "unknown domain \"%s\" (LINUX or LINUX32)",
                  domain);
    out->has_personality = true;
  }
  if ((r = get_obj(l, w, "intelRdt", false, &o, err)) < 0)
    return r;
  out->has_intel_rdt = o != NULL;
  return 0;
}

/* ---- entry points ---- */

static json_t *load_object(const char *json, size_t len, const char *what,
                           struct hutch_error **err) {
  json_error_t jerr;
  json_t *root = json_loadb(json, len, 0, &jerr);
  if (root == NULL) {
    hutch_error_set(err, 0, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                    jerr.text);
    return NULL;
  }
  if (!json_is_object(root)) {
    json_decref(root);
    hutch_error_set(err, 0, "%s: must be a JSON object", what);
    return NULL;
  }
  return root;
}

int hutch_spec_parse(const char *json, size_t len, struct spec **out, struct hutch_error **err) {
  *out = NULL;
  _cleanup_json_ json_t *root = load_object(json, len, "config", err);
  if (root == NULL)
    return -EINVAL;
  _cleanup_spec_ struct spec *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return oom(err);
  int r;
  if ((r = get_str(root, "", "ociVersion", true, &s->oci_version, err)) < 0)
    return r;
  if (s->oci_version[0] == '\0')
    return fail(err, "ociVersion", "must not be empty");
  if ((r = parse_root(root, s, err)) < 0 || (r = parse_process(root, s, err)) < 0 ||
      (r = get_str(root, "", "hostname", false, &s->hostname, err)) < 0 ||
      (r = get_str(root, "", "domainname", false, &s->domainname, err)) < 0 ||
      (r = parse_mounts(root, s, err)) < 0 || (r = parse_hooks(root, s, err)) < 0 ||
      (r = get_kv(root, "", "annotations", &s->annotations, &s->n_annotations, err)) < 0 ||
      (r = parse_linux(root, s, err)) < 0)
    return r;
  *out = TAKE_PTR(s);
  return 0;
}

int hutch_spec_load(const char *path, struct spec **out, struct hutch_error **err) {
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  *out = NULL;
  int r = hutch_read_file(path, &data, &len);
  if (r < 0)
    return hutch_error_set(err, r, "open %s", path);
  r = hutch_spec_parse(data, len, out, err);
  if (r < 0)
    hutch_error_wrap(err, "%s", path);
  return r;
}

int hutch_spec_parse_process(const char *json, size_t len, struct spec_process *out,
                             struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  _cleanup_json_ json_t *obj = load_object(json, len, "process", err);
  if (obj == NULL)
    return -EINVAL;
  /* Parsed as config.json's "process", so checks and messages are the same. */
  _cleanup_json_ json_t *root = json_pack("{s:O}", "process", obj);
  _cleanup_spec_ struct spec *s = calloc(1, sizeof(*s));
  if (root == NULL || s == NULL)
    return oom(err);
  int r = parse_process(root, s, err);
  if (r < 0)
    return r;
  *out = s->process;
  memset(&s->process, 0, sizeof(s->process));
  return 0;
}

int hutch_spec_parse_resources(const char *json, size_t len, struct spec_resources *out,
                               struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  _cleanup_json_ json_t *root = load_object(json, len, "resources", err);
  if (root == NULL)
    return -EINVAL;
  int r = parse_resources_obj(root, "resources", out, err);
  if (r < 0)
    hutch_spec_resources_clear(out);
  return r;
}
