/* Capabilities: process.capabilities names → bitmasks (parent side) and the
 * two child steps around the uid change, with libcap.
 *
 * Why two steps: setuid() from 0 to another uid clears the permitted and
 * effective sets unless PR_SET_KEEPCAPS is on, and only a process with
 * CAP_SETPCAP may shrink the bounding set. So before the uid change we drop
 * the bounding set (while we still have CAP_SETPCAP) and turn on keepcaps;
 * after it we set effective/permitted/inheritable with capset(2), raise the
 * ambient set (which needs each cap already in permitted and inheritable)
 * and turn keepcaps off again so the container's own setuid calls behave
 * normally. */
#include "caps.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static void cap_freep(cap_t *c) {
  if (*c) {
    int saved = errno;
    cap_free(*c);
    errno = saved;
  }
}
#define _cleanup_cap_ _cleanup_(cap_freep)

int hutch_cap_last(void) {
  static int cached = -1;
  if (cached >= 0)
    return cached;
  _cleanup_free_ char *buf = NULL;
  int64_t v;
  if (hutch_read_file("/proc/sys/kernel/cap_last_cap", &buf, NULL) == 0) {
    buf[strcspn(buf, "\n")] = '\0';
    if (hutch_parse_int64(buf, 0, 63, &v) == 0)
      return cached = (int)v;
  }
  /* /proc not mounted (e.g. inside a fresh mount namespace): libcap probes
   * the kernel with PR_CAPBSET_READ instead. */
  return cached = (int)cap_max_bits() - 1;
}

int hutch_cap_from_name(const char *name) {
  /* libcap wants the lower-case "cap_kill" form; accept "CAP_KILL",
   * "cap_kill" and "KILL". Refuse digits so "12" is not a capability. */
  char buf[64];
  const char *rest = name;
  if (strncasecmp(rest, "CAP_", 4) == 0)
    rest += 4;
  if (*rest == '\0' || strlen(rest) + 5 > sizeof(buf))
    return -EINVAL;
  size_t o = (size_t)snprintf(buf, sizeof(buf), "cap_");
  for (const char *p = rest; *p; p++) {
    if (!isalpha((unsigned char)*p) && *p != '_')
      return -EINVAL;
    buf[o++] = (char)tolower((unsigned char)*p);
  }
  buf[o] = '\0';
  cap_value_t v;
  if (cap_from_name(buf, &v) < 0)
    return -EINVAL;
  return (int)v;
}

int hutch_caps_from_names(char *const *names, uint64_t *mask, struct hutch_error **err) {
  uint64_t m = 0;
  int last = hutch_cap_last();
  for (char *const *n = names; n && *n; n++) {
    int c = hutch_cap_from_name(*n);
    if (c < 0)
      return hutch_error_set(err, 0, "unknown capability \"%s\"", *n);
    if (c > last || c > 63) {
      hutch_debug("capability %s is not supported by the running kernel (cap_last_cap %d), "
                  "skipping",
                  *n, last);
      continue;
    }
    m |= UINT64_C(1) << c;
  }
  *mask = m;
  return 0;
}

int hutch_caps_from_spec(const struct spec_capabilities *sc, struct hutch_caps *out,
                         struct hutch_error **err) {
  const struct {
    const char *field;
    char **names;
    uint64_t *mask;
  } sets[] = {
      {"bounding", sc->bounding, &out->bounding},
      {"effective", sc->effective, &out->effective},
      {"permitted", sc->permitted, &out->permitted},
      {"inheritable", sc->inheritable, &out->inheritable},
      {"ambient", sc->ambient, &out->ambient},
  };
  for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
    if (hutch_caps_from_names(sets[i].names, sets[i].mask, err) < 0)
      return hutch_error_wrap(err, "process.capabilities.%s", sets[i].field);
  }
  return 0;
}

int hutch_caps_prepare(const struct hutch_caps *c, struct hutch_error **err) {
  int last = hutch_cap_last();
  for (int i = 0; i <= last; i++) {
    if (c->bounding & (UINT64_C(1) << i))
      continue;
    /* Dropping needs CAP_SETPCAP even when the cap is already gone, so ask
     * first: a second pass (exec into a container) must not fail. */
    int r = prctl(PR_CAPBSET_READ, i, 0, 0, 0);
    if (r == 0)
      continue;
    if (r < 0 && errno == EINVAL)
      continue; /* the kernel does not know this cap */
    if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
      return hutch_error_set(err, errno, "prctl(PR_CAPBSET_DROP, %d)", i);
  }
  hutch_debug("capabilities: bounding set 0x%016llx", (unsigned long long)c->bounding);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return hutch_error_set(err, errno, "prctl(PR_SET_KEEPCAPS, 1)");
  return 0;
}

static int set_flag(cap_t caps, cap_flag_t flag, uint64_t mask, int last) {
  cap_value_t list[64];
  int n = 0;
  for (int i = 0; i <= last && i < 64; i++)
    if (mask & (UINT64_C(1) << i))
      list[n++] = i;
  if (n > 0 && cap_set_flag(caps, flag, n, list, CAP_SET) < 0)
    return -errno;
  return 0;
}

int hutch_caps_apply(const struct hutch_caps *c, struct hutch_error **err) {
  int last = hutch_cap_last();
  _cleanup_cap_ cap_t caps = cap_init(); /* all three sets empty */
  if (caps == NULL)
    return hutch_error_set(err, errno, "cap_init");
  int r = set_flag(caps, CAP_EFFECTIVE, c->effective, last);
  if (r == 0)
    r = set_flag(caps, CAP_PERMITTED, c->permitted, last);
  if (r == 0)
    r = set_flag(caps, CAP_INHERITABLE, c->inheritable, last);
  if (r < 0)
    return hutch_error_set(err, r, "cap_set_flag");
  hutch_debug("capset effective=0x%016llx permitted=0x%016llx inheritable=0x%016llx",
              (unsigned long long)c->effective, (unsigned long long)c->permitted,
              (unsigned long long)c->inheritable);
  if (cap_set_proc(caps) < 0)
    return hutch_error_set(err, errno,
                           "capset effective=0x%llx permitted=0x%llx inheritable=0x%llx",
                           (unsigned long long)c->effective, (unsigned long long)c->permitted,
                           (unsigned long long)c->inheritable);

  /* Ambient: clear first so nothing inherited from our caller survives. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
    if (errno != EINVAL || c->ambient != 0)
      return hutch_error_set(err, errno, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    hutch_debug("ambient capabilities not supported by the kernel, ignoring");
  }
  for (int i = 0; i <= last && i < 64; i++) {
    uint64_t bit = UINT64_C(1) << i;
    if (!(c->ambient & bit))
      continue;
    if (!(c->permitted & bit) || !(c->inheritable & bit)) {
      char *name = cap_to_name(i); /* libcap memory: cap_free, not free */
      hutch_debug("ambient %s skipped: not in both permitted and inheritable", name ? name : "?");
      cap_free(name);
      continue;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
      return hutch_error_set(err, errno, "prctl(PR_CAP_AMBIENT_RAISE, %d)", i);
  }
  if (c->ambient)
    hutch_debug("capabilities: ambient 0x%016llx", (unsigned long long)c->ambient);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return hutch_error_set(err, errno, "prctl(PR_SET_KEEPCAPS, 0)");
  return 0;
}
