/* Seccomp: compile linux.seccomp with libseccomp in the parent, load the
 * resulting BPF in the child with one seccomp(2) call.
 *
 * Compiling needs malloc, libseccomp's kernel probing and a memfd; none of
 * that belongs in the child after its last setup step, so the parent exports
 * the program (seccomp_export_bpf) and the child only hands a pointer to the
 * kernel. Rules follow runc's reading of the OCI schema: unknown syscall
 * names are skipped, a rule whose action is the default action is dropped
 * (libseccomp refuses it), and several conditions on the same argument
 * become one rule per condition (libseccomp would AND them, which can never
 * match).
 *
 * Compiling docker's default profile (~360 rules, ~1000 instructions) costs
 * 75-180 ms of CPU on every start, for the same result each time, so the
 * exported program is cached in files keyed by a canonical text of
 * everything that determines it (see the cache section below). */
#include "seccomp.h"

#include "seccomp_lib.h"
#include "terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct hutch_seccomp {
  struct sock_filter *filter;
  size_t n_filter;
  unsigned flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
  size_t rule_count;
  char *listener_path; /* set when a rule uses SCMP_ACT_NOTIFY */
  char *listener_metadata;
  int listener_fd; /* connected by hutch_seccomp_connect_listener, or -EBADF */
};

static void ctx_releasep(scmp_filter_ctx *c) {
  if (*c)
    seccomp_release(*c);
}

static void seccomp_freep(struct hutch_seccomp **s) {
  hutch_seccomp_free(*s);
}

/* Action names are parsed (and refused) by spec_parse.c; here only the
 * values are checked, since a hand-built spec may hold anything. */
static bool action_known(uint32_t base) {
  switch (base) {
  case SCMP_ACT_KILL_THREAD:
  case SCMP_ACT_KILL_PROCESS:
  case SCMP_ACT_TRAP:
  case SCMP_ACT_ERRNO(0):
  case SCMP_ACT_TRACE(0):
  case SCMP_ACT_ALLOW:
  case SCMP_ACT_LOG:
  case SCMP_ACT_NOTIFY:
    return true;
  default:
    return false;
  }
}

/* ERRNO and TRACE carry a 16-bit value; EPERM when the spec gives none,
 * as runc does. */
static uint32_t action_with_ret(uint32_t base, bool has_ret, uint32_t ret) {
  uint32_t v = has_ret ? ret : EPERM;
  if (base == SCMP_ACT_ERRNO(0))
    return SCMP_ACT_ERRNO(v);
  if (base == SCMP_ACT_TRACE(0))
    return SCMP_ACT_TRACE(v);
  return base;
}

static const struct {
  const char *name;
  unsigned flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* The kernel checks flags before it reads the program, so a NULL program
 * gives EFAULT for flags it knows and EINVAL for others (libseccomp probes
 * the same way). */
static bool kernel_has_flags(unsigned flags) {
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL);
  return r < 0 && errno == EFAULT;
}

/* "SCMP_ARCH_X86_64" → libseccomp token, 0 when unknown. */
static uint32_t arch_from_name(const char *name) {
  char buf[32];
  const char *p = name;
  if (strncmp(p, "SCMP_ARCH_", 10) == 0)
    p += 10;
  size_t n = strlen(p);
  if (n == 0 || n >= sizeof(buf))
    return 0;
  for (size_t i = 0; i <= n; i++)
    buf[i] = (char)tolower((unsigned char)p[i]);
  return seccomp_arch_resolve_name(buf);
}

static int add_rules(scmp_filter_ctx ctx, const struct spec_seccomp_syscall *sc, size_t idx,
                     uint32_t default_act, size_t *count, struct hutch_error **err) {
  uint32_t act = action_with_ret(sc->action, sc->has_errno_ret, sc->errno_ret);
  if (act == default_act) {
    hutch_debug("seccomp: syscalls[%zu] has the default action, skipping", idx);
    return 0;
  }
  struct scmp_arg_cmp cmps[16];
  if (sc->n_args > ARRAY_SIZE(cmps))
    return hutch_error_set(err, 0, "linux.seccomp.syscalls[%zu].args: at most %zu conditions", idx,
                           ARRAY_SIZE(cmps));
  unsigned per_index[6] = {0};
  bool split = false;
  for (size_t i = 0; i < sc->n_args; i++) {
    const struct spec_seccomp_arg *a = &sc->args[i];
    if (a->index >= ARRAY_SIZE(per_index))
      return hutch_error_set(err, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is not 0-5",
                             idx, i, a->index);
    if (a->op < SCMP_CMP_NE || a->op > SCMP_CMP_MASKED_EQ)
      return hutch_error_set(err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator",
                             idx, i);
    if (++per_index[a->index] > 1)
      split = true;
    cmps[i] = (struct scmp_arg_cmp){.arg = a->index,
                                    .op = (enum scmp_compare)a->op,
                                    .datum_a = a->value,
                                    .datum_b = a->value_two};
  }
  for (char **name = sc->names; name && *name; name++) {
    int nr = seccomp_syscall_resolve_name(*name);
    if (nr == __NR_SCMP_ERROR) {
      hutch_debug("seccomp: unknown syscall \"%s\" on this architecture, skipping", *name);
      continue;
    }
    /* Conditions on one argument are ANDed by libseccomp; runc turns a
     * list that repeats an index into one rule per condition (OR). */
    size_t nrules = split ? sc->n_args : 1;
    for (size_t k = 0; k < nrules; k++) {
      const struct scmp_arg_cmp *c = split ? &cmps[k] : cmps;
      unsigned nc = split ? 1 : (unsigned)sc->n_args;
      int r = seccomp_rule_add_array(ctx, act, nr, nc, c);
      if (r < 0)
        return hutch_error_set(err, r, "linux.seccomp.syscalls[%zu]: add rule for %s", idx, *name);
      (*count)++;
    }
  }
  return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct hutch_seccomp *s, struct hutch_error **err) {
  _cleanup_close_ int fd = memfd_create("hutch-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "memfd_create for the seccomp program");
  int r = seccomp_export_bpf(ctx, fd);
  if (r < 0)
    return hutch_error_set(err, r, "seccomp_export_bpf");
  if (lseek(fd, 0, SEEK_SET) < 0)
    return hutch_error_set(err, errno, "lseek seccomp program");
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  r = hutch_read_fd(fd, &buf, &len);
  if (r < 0)
    return hutch_error_set(err, r, "read seccomp program");
  if (len == 0 || len % sizeof(struct sock_filter) != 0)
    return hutch_error_set(err, EINVAL, "seccomp program has a bad size (%zu bytes)", len);
  s->n_filter = len / sizeof(struct sock_filter);
  if (s->n_filter > BPF_MAXINSNS)
    return hutch_error_set(err, E2BIG, "seccomp program has %zu instructions, the kernel takes %d",
                           s->n_filter, BPF_MAXINSNS);
  s->filter = (struct sock_filter *)TAKE_PTR(buf);
  return 0;
}

static int parse_flags(const struct spec_seccomp *sc, bool notify, unsigned *out,
                       struct hutch_error **err) {
  unsigned flags = 0;
  for (char **f = sc->flags; f && *f; f++) {
    unsigned v = 0;
    for (size_t i = 0; i < ARRAY_SIZE(filter_flags); i++)
      if (strcmp(*f, filter_flags[i].name) == 0)
        v = filter_flags[i].flag;
    if (v == 0)
      return hutch_error_set(err, 0, "linux.seccomp.flags: unknown flag \"%s\"", *f);
    if (v == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
      hutch_debug("seccomp: %s without SCMP_ACT_NOTIFY rules, ignoring", *f);
      continue;
    }
    /* WAIT_KILLABLE_RECV is only valid next to NEW_LISTENER. */
    unsigned probe =
        v == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ? v | SECCOMP_FILTER_FLAG_NEW_LISTENER : v;
    if (!kernel_has_flags(probe)) {
      hutch_debug("seccomp: the kernel does not support %s, ignoring", *f);
      continue;
    }
    flags |= v;
  }
  if (notify) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    /* TSYNC reports a thread id on failure, which clashes with the listener
     * fd as return value; TSYNC_ESRCH makes the kernel accept both. */
    if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && kernel_has_flags(SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
      flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  *out = flags;
  return 0;
}

/* ---- the compiled-filter cache ----
 *
 * One file per profile in $HUTCH_SECCOMP_CACHE, /run/hutch/seccomp-cache
 * (root) or $XDG_RUNTIME_DIR/hutch/seccomp-cache, named by a 64-bit FNV-1a
 * hash of the profile's canonical text. The hash is only a file name: the
 * file holds the canonical text itself, compared byte for byte before its
 * program is used, so a collision (or a file written for another profile)
 * can never substitute another filter. The text covers every input of the
 * compilation: the actions with their errno values, architectures, flags,
 * each rule's names and conditions in order, libseccomp's version and API
 * level and the kernel (libseccomp adapts the program to both). The dir is
 * 0700 and must be ours, the files 0600 and ours: whoever could write them
 * could weaken every container's filter. Any cache failure only costs the
 * compilation. */

#define CACHE_MAGIC "HUTCHBPF"
#define CACHE_VERSION 1

struct cache_header {
  char magic[8];
  uint32_t version;
  uint32_t reserved;
  uint64_t rule_count;
  uint64_t canon_len;
  uint64_t n_filter;
  uint64_t
      checksum; /* FNV-1a of the canonical text and the program: catches torn or corrupted files */
};

static uint64_t fnv1a(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
#define FNV_OFFSET 0xcbf29ce484222325ULL

/* Strings are length-prefixed, so no name can make two profiles read alike. */
static void canon_str(FILE *f, const char *s) {
  fprintf(f, " %zu:%s", strlen(s ? s : ""), s ? s : "");
}

static void canon_strv(FILE *f, const char *what, char **v) {
  size_t n = 0;
  for (char **p = v; p && *p; p++)
    n++;
  fprintf(f, "%s %zu", what, n);
  for (char **p = v; p && *p; p++)
    canon_str(f, *p);
  fputc('\n', f);
}

static int canonical_text(const struct spec_seccomp *sc, uint32_t default_act, char **out,
                          size_t *len) {
  struct utsname u;
  if (uname(&u) < 0)
    return -errno;
  const struct scmp_version *v = seccomp_version();
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (f == NULL)
    return -errno;
  fprintf(f, "hutch-seccomp-cache %d\nlibseccomp %u.%u.%u api %u\n", CACHE_VERSION, v->major,
          v->minor, v->micro, seccomp_api_get());
  fprintf(f, "kernel");
  canon_str(f, u.release);
  canon_str(f, u.version);
  canon_str(f, u.machine);
  fprintf(f, "\nnative 0x%08x\ndefault 0x%08x\n", seccomp_arch_native(), default_act);
  canon_strv(f, "architectures", sc->architectures);
  canon_strv(f, "flags", sc->flags);
  fprintf(f, "syscalls %zu\n", sc->n_syscalls);
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    const struct spec_seccomp_syscall *r = &sc->syscalls[i];
    fprintf(f, "action 0x%08x ", action_with_ret(r->action, r->has_errno_ret, r->errno_ret));
    canon_strv(f, "names", r->names);
    fprintf(f, "args %zu", r->n_args);
    for (size_t k = 0; k < r->n_args; k++)
      fprintf(f, " %u %d %" PRIu64 " %" PRIu64, r->args[k].index, r->args[k].op, r->args[k].value,
              r->args[k].value_two);
    fputc('\n', f);
  }
  if (fclose(f) != 0) {
    free(buf);
    return -ENOMEM;
  }
  *out = buf;
  *len = n;
  return 0;
}

/* The cache dir, created if needed, as an fd; -errno when there is none
 * or it is not safe to trust. HUTCH_SECCOMP_CACHE="" turns the cache off. */
static int cache_dir_open(void) {
  _cleanup_free_ char *path = NULL;
  const char *env = getenv("HUTCH_SECCOMP_CACHE");
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (env)
    path = *env ? strdup(env) : NULL;
  else if (geteuid() == 0)
    path = strdup("/run/hutch/seccomp-cache");
  else if (xdg && *xdg && asprintf(&path, "%s/hutch/seccomp-cache", xdg) < 0)
    path = NULL;
  if (path == NULL)
    return -ENOENT;
  int r = hutch_mkdir_p(path, 0700);
  if (r < 0)
    return r;
  _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct stat st;
  if (fstat(fd, &st) < 0)
    return -errno;
  if (st.st_uid != geteuid() || (st.st_mode & 0022))
    return -EPERM;
  return TAKE_FD(fd);
}

/* Fill s from the cache file `name` if it holds exactly this canonical text. */
static int cache_load(int dirfd, const char *name, const char *canon, size_t canon_len,
                      struct hutch_seccomp *s) {
  _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct stat st;
  if (fstat(fd, &st) < 0)
    return -errno;
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022))
    return -EPERM;
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  int r = hutch_read_fd(fd, &buf, &len);
  if (r < 0)
    return r;
  struct cache_header h;
  if (len < sizeof(h))
    return -EBADMSG;
  memcpy(&h, buf, sizeof(h));
  if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 || h.version != CACHE_VERSION)
    return -EBADMSG;
  if (h.n_filter == 0 || h.n_filter > BPF_MAXINSNS || h.canon_len != canon_len ||
      len != sizeof(h) + canon_len + h.n_filter * sizeof(struct sock_filter))
    return -EBADMSG;
  const char *body = buf + sizeof(h);
  if (fnv1a(FNV_OFFSET, body, len - sizeof(h)) != h.checksum)
    return -EBADMSG;
  if (memcmp(body, canon, canon_len) != 0)
    return -ESTALE;
  size_t bytes = h.n_filter * sizeof(struct sock_filter);
  s->filter = malloc(bytes);
  if (s->filter == NULL)
    return -ENOMEM;
  memcpy(s->filter, body + canon_len, bytes);
  s->n_filter = h.n_filter;
  s->rule_count = h.rule_count;
  return 0;
}

/* The cache lives in /run (memory) and every distinct profile adds a
 * file (~13 KiB for docker's): past CACHE_MAX_FILES, the others go and
 * the profiles in use come back on their next compile. */
#define CACHE_MAX_FILES 64

static void cache_trim(int dirfd, const char *keep) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    n += de->d_name[0] != '.';
  if (n > CACHE_MAX_FILES) {
    hutch_debug("seccomp: %zu cached filters, clearing the cache", n);
    rewinddir(d);
    while ((de = readdir(d)) != NULL)
      if (de->d_name[0] != '.' && strcmp(de->d_name, keep) != 0)
        unlinkat(dirfd, de->d_name, 0);
  }
  closedir(d);
}

static int cache_store(int dirfd, const char *name, const char *canon, size_t canon_len,
                       const struct hutch_seccomp *s) {
  cache_trim(dirfd, name);
  size_t bytes = s->n_filter * sizeof(struct sock_filter);
  size_t len = sizeof(struct cache_header) + canon_len + bytes;
  _cleanup_free_ char *buf = malloc(len);
  if (buf == NULL)
    return -ENOMEM;
  char *body = buf + sizeof(struct cache_header);
  memcpy(body, canon, canon_len);
  memcpy(body + canon_len, s->filter, bytes);
  struct cache_header h = {.version = CACHE_VERSION,
                           .rule_count = s->rule_count,
                           .canon_len = canon_len,
                           .n_filter = s->n_filter,
                           .checksum = fnv1a(FNV_OFFSET, body, canon_len + bytes)};
  memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
  memcpy(buf, &h, sizeof(h));
  /* tmp + rename: a reader sees the old file, the new one or none */
  return hutch_write_file_replace(dirfd, name, buf, len, 0600);
}

/* The libseccomp part: rules in, BPF program (and rule count) out. */
static int compile_filter(const struct spec_seccomp *sc, uint32_t default_act,
                          struct hutch_seccomp *s, struct hutch_error **err) {
  int r;
  _cleanup_(ctx_releasep) scmp_filter_ctx ctx = seccomp_init(default_act);
  if (ctx == NULL)
    return hutch_error_set(err, EINVAL, "seccomp_init(%s)", sc->default_action);
  for (char **a = sc->architectures; a && *a; a++) {
    uint32_t arch = arch_from_name(*a);
    if (arch == 0)
      return hutch_error_set(err, 0, "linux.seccomp.architectures: unknown architecture \"%s\"",
                             *a);
    r = seccomp_arch_add(ctx, arch);
    if (r < 0 && r != -EEXIST) /* the native one is always there */
      return hutch_error_set(err, r, "linux.seccomp.architectures: add %s", *a);
  }
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    r = add_rules(ctx, &sc->syscalls[i], i, default_act, &s->rule_count, err);
    if (r < 0)
      return r;
  }
  r = export_bpf(ctx, s, err);
  if (r == 0)
    hutch_debug("seccomp: %zu rules exported as %zu BPF instructions", s->rule_count, s->n_filter);
  return r;
}

int hutch_seccomp_compile(const struct spec_seccomp *sc, struct hutch_seccomp **out,
                          struct hutch_error **err) {
  if (sc->default_action == NULL)
    return hutch_error_set(err, 0, "linux.seccomp.defaultAction: missing");
  uint32_t default_base = sc->default_action_value;
  if (!action_known(default_base))
    return hutch_error_set(err, 0, "linux.seccomp.defaultAction: unknown action \"%s\"",
                           sc->default_action);
  if (default_base == SCMP_ACT_NOTIFY)
    return hutch_error_set(err, 0,
                           "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
  uint32_t default_act =
      action_with_ret(default_base, sc->has_default_errno_ret, sc->default_errno_ret);

  bool notify = false;
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    const struct spec_seccomp_syscall *s = &sc->syscalls[i];
    if (!action_known(s->action))
      return hutch_error_set(err, 0, "linux.seccomp.syscalls[%zu].action: unknown action \"%s\"", i,
                             s->action_name ? s->action_name : "?");
    if (s->action == SCMP_ACT_NOTIFY)
      notify = true;
  }
  if (notify && (sc->listener_path == NULL || *sc->listener_path == '\0'))
    return hutch_error_set(
        err, 0, "linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY");

  _cleanup_(seccomp_freep) struct hutch_seccomp *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return hutch_error_set(err, ENOMEM, "seccomp");
  s->listener_fd = -EBADF;
  int r = parse_flags(sc, notify, &s->flags, err);
  if (r < 0)
    return r;

  _cleanup_free_ char *canon = NULL;
  size_t canon_len = 0;
  char name[32] = "";
  _cleanup_close_ int cache_fd = -EBADF;
  r = canonical_text(sc, default_act, &canon, &canon_len);
  if (r < 0)
    hutch_debug("seccomp: canonical text: %s, not caching", strerror(-r));
  else if ((cache_fd = cache_dir_open()) < 0 && cache_fd != -ENOENT)
    hutch_debug("seccomp: cache dir: %s, not caching", strerror(-cache_fd));
  if (cache_fd >= 0) {
    snprintf(name, sizeof(name), "%016llx.bpf",
             (unsigned long long)fnv1a(FNV_OFFSET, canon, canon_len));
    r = cache_load(cache_fd, name, canon, canon_len, s);
    if (r == 0)
      hutch_debug("seccomp: %zu rules, %zu BPF instructions from the cache (%s)", s->rule_count,
                  s->n_filter, name);
    else if (r != -ENOENT)
      hutch_debug("seccomp: cache file %s: %s, compiling", name, strerror(-r));
  }
  if (s->filter == NULL) {
    r = compile_filter(sc, default_act, s, err);
    if (r == 0 && cache_fd >= 0) {
      int w = cache_store(cache_fd, name, canon, canon_len, s);
      if (w < 0)
        hutch_debug("seccomp: write cache file %s: %s, ignoring", name, strerror(-w));
    }
  }
  if (r == 0 && notify) {
    s->listener_path = strdup(sc->listener_path);
    if (s->listener_path == NULL ||
        (sc->listener_metadata && !(s->listener_metadata = strdup(sc->listener_metadata))))
      r = hutch_error_set(err, ENOMEM, "seccomp listener");
  }
  if (r < 0)
    return r;
  hutch_debug("seccomp: flags 0x%x", s->flags);
  *out = TAKE_PTR(s);
  return 0;
}

size_t hutch_seccomp_rule_count(const struct hutch_seccomp *s) {
  return s ? s->rule_count : 0;
}

const struct sock_filter *hutch_seccomp_program(const struct hutch_seccomp *s, size_t *n) {
  *n = s ? s->n_filter : 0;
  return s ? s->filter : NULL;
}

bool hutch_seccomp_has_listener(const struct hutch_seccomp *s) {
  return s && s->listener_path;
}

char *hutch_seccomp_listener_message(const struct hutch_seccomp *s, const char *oci_version,
                                     int pid, const char *state_json) {
  json_t *state = json_loads(state_json ? state_json : "{}", 0, NULL);
  if (state == NULL)
    return NULL;
  _cleanup_json_ json_t *msg = json_pack("{s:s, s:[s], s:i, s:o}", "ociVersion", oci_version, "fds",
                                         "seccompFd", "pid", pid, "state", state);
  if (msg == NULL)
    return NULL;
  if (s && s->listener_metadata &&
      json_object_set_new(msg, "metadata", json_string(s->listener_metadata)) < 0)
    return NULL;
  return hutch_json_dumps(msg);
}

/* Child side: no allocation from here on except in error paths. The socket
 * is connected before the filter goes in, so only sendmsg and close run
 * under it. */
static int send_listener_fd(int sock, int fd, const char *payload) {
  char ctrl[CMSG_SPACE(sizeof(int))];
  memset(ctrl, 0, sizeof(ctrl));
  struct iovec iov = {.iov_base = (void *)payload, .iov_len = strlen(payload)};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof(ctrl)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  for (;;) {
    ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL);
    if (w >= 0)
      return (size_t)w == iov.iov_len ? 0 : -EMSGSIZE;
    if (errno != EINTR)
      return -errno;
  }
}

static int connect_listener(const struct hutch_seccomp *s, struct hutch_error **err) {
  int sock = hutch_unix_connect(s->listener_path);
  if (sock < 0)
    return hutch_error_set(err, sock, "connect to seccomp listener %s", s->listener_path);
  return sock;
}

int hutch_seccomp_connect_listener(struct hutch_seccomp *s, struct hutch_error **err) {
  if (s == NULL || s->listener_path == NULL || s->listener_fd >= 0)
    return 0;
  int fd = connect_listener(s, err);
  if (fd < 0)
    return -1;
  s->listener_fd = fd;
  return 0;
}

int hutch_seccomp_load(const struct hutch_seccomp *s, const char *state_json,
                       struct hutch_error **err) {
  _cleanup_close_ int own_sock = -EBADF;
  int sock = s->listener_fd;
  if (s->listener_path) {
    if (state_json == NULL)
      return hutch_error_set(err, EINVAL, "seccomp listener: no container state to send");
    /* Connected in the parent (hutch_seccomp_connect_listener), the fd is
     * CLOEXEC and goes away at execve; otherwise connect here. */
    if (sock < 0) {
      own_sock = connect_listener(s, err);
      if (own_sock < 0)
        return -1;
      sock = own_sock;
    }
  }
  struct sock_fprog prog = {.len = (unsigned short)s->n_filter, .filter = s->filter};
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &prog);
  if (r < 0)
    return hutch_error_set(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER, flags 0x%x)", s->flags);
  if (s->listener_path) {
    _cleanup_close_ int nfd = (int)r;
    int rr = send_listener_fd(sock, nfd, state_json);
    if (rr < 0)
      return hutch_error_set(err, rr, "send seccomp notify fd to %s", s->listener_path);
  }
  return 0;
}

void hutch_seccomp_free(struct hutch_seccomp *s) {
  if (s == NULL)
    return;
  free(s->filter);
  free(s->listener_path);
  free(s->listener_metadata);
  if (s->listener_fd >= 0)
    close(s->listener_fd);
  free(s);
}
