/* IPv4 CIDR arithmetic and the address allocator; see ipam.h.
 *
 * Pool file <dir>/<pool>.json:
 *   {"subnet": "10.88.0.0/16", "last": "10.88.0.7",
 *    "allocations": {"10.88.0.2": "<owner>", ...}}
 * guarded by a flock on <dir>/<pool>.lock. The lock lives in its own file
 * because the JSON file is replaced by rename, and a lock on a replaced
 * inode would protect nothing. */
#include "ipam.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

int hutch_ipv4_parse(const char *s, uint32_t *out) {
  struct in_addr a;
  /* inet_pton (unlike inet_aton) takes only the dotted-quad form. */
  if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
    return -EINVAL;
  *out = ntohl(a.s_addr);
  return 0;
}

const char *hutch_ipv4_format(uint32_t addr, char *buf) {
  struct in_addr a = {.s_addr = htonl(addr)};
  inet_ntop(AF_INET, &a, buf, HUTCH_IPV4_STRLEN);
  return buf;
}

uint32_t hutch_cidr_mask(unsigned prefix) {
  return prefix == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - prefix));
}

int hutch_cidr_parse(const char *s, struct hutch_cidr *out) {
  if (s == NULL)
    return -EINVAL;
  const char *slash = strchr(s, '/');
  if (slash == NULL || slash == s || (size_t)(slash - s) >= HUTCH_IPV4_STRLEN)
    return -EINVAL;
  char ip[HUTCH_IPV4_STRLEN];
  memcpy(ip, s, (size_t)(slash - s));
  ip[slash - s] = '\0';
  uint32_t addr;
  if (hutch_ipv4_parse(ip, &addr) < 0)
    return -EINVAL;
  const char *p = slash + 1;
  if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
    return -EINVAL;
  char *end;
  unsigned long prefix = strtoul(p, &end, 10);
  if (*end != '\0' || prefix > 30)
    return -EINVAL;
  if ((addr & ~hutch_cidr_mask((unsigned)prefix)) != 0)
    return -EINVAL;
  out->addr = addr;
  out->prefix = (unsigned)prefix;
  return 0;
}

const char *hutch_cidr_format(const struct hutch_cidr *c, char *buf) {
  char ip[HUTCH_IPV4_STRLEN];
  snprintf(buf, HUTCH_CIDR_STRLEN, "%s/%u", hutch_ipv4_format(c->addr, ip), c->prefix);
  return buf;
}

uint32_t hutch_cidr_broadcast(const struct hutch_cidr *c) {
  return c->addr | ~hutch_cidr_mask(c->prefix);
}

bool hutch_cidr_contains(const struct hutch_cidr *c, uint32_t addr) {
  return (addr & hutch_cidr_mask(c->prefix)) == c->addr;
}

bool hutch_cidr_overlaps(const struct hutch_cidr *a, const struct hutch_cidr *b) {
  /* Two prefixes overlap exactly when the shorter one contains the other. */
  unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;
  uint32_t m = hutch_cidr_mask(p);
  return (a->addr & m) == (b->addr & m);
}

bool hutch_net_pool_subnet(unsigned i, struct hutch_cidr *out) {
  if (i < 15) { /* 172.17 … 172.31, /16 each */
    *out = (struct hutch_cidr){(172u << 24) | ((17u + i) << 16), 16};
    return true;
  }
  i -= 15;
  if (i < 16) { /* 192.168.0.0, .16.0 … .240.0, /20 each */
    *out = (struct hutch_cidr){(192u << 24) | (168u << 16) | ((i * 16u) << 8), 20};
    return true;
  }
  return false;
}

bool hutch_cidr_is_host(const struct hutch_cidr *c, uint32_t addr) {
  return hutch_cidr_contains(c, addr) && addr != c->addr && addr != hutch_cidr_broadcast(c);
}

int hutch_net_lock(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  while (flock(fd, LOCK_EX) < 0) {
    if (errno == EINTR)
      continue;
    int e = -errno;
    close(fd);
    return e;
  }
  return fd;
}

struct pool {
  int lockfd;
  int dirfd;
  json_t *root;
  json_t *allocs; /* borrowed from root */
};

static void pool_done(struct pool *p) {
  if (p->root)
    json_decref(p->root);
  if (p->dirfd >= 0)
    close(p->dirfd);
  hutch_closep(&p->lockfd);
}

/* Lock and load a pool; a missing pool file is an empty pool. */
static int pool_open(const char *dir, const char *pool, bool create, struct pool *p,
                     struct hutch_error **err) {
  p->lockfd = -EBADF;
  p->dirfd = -EBADF;
  p->root = NULL;
  if (strchr(pool, '/') || pool[0] == '.' || pool[0] == '\0')
    return hutch_error_set(err, EINVAL, "ipam pool name \"%s\" is not a plain name", pool);
  if (create) {
    int r = hutch_mkdir_p(dir, 0700);
    if (r < 0)
      return hutch_error_set(err, r, "create ipam dir %s", dir);
  }
  p->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (p->dirfd < 0)
    return hutch_error_set(err, errno, "open ipam dir %s", dir);
  _cleanup_free_ char *lockpath = NULL;
  if (asprintf(&lockpath, "%s/%s.lock", dir, pool) < 0)
    return hutch_error_set(err, ENOMEM, "ipam lock path");
  p->lockfd = hutch_net_lock(lockpath);
  if (p->lockfd < 0)
    return hutch_error_set(err, p->lockfd, "lock %s", lockpath);
  _cleanup_free_ char *name = NULL, *buf = NULL;
  if (asprintf(&name, "%s.json", pool) < 0)
    return hutch_error_set(err, ENOMEM, "ipam file name");
  int r = hutch_read_file_at(p->dirfd, name, &buf, NULL);
  if (r == -ENOENT) {
    p->root = json_object();
  } else if (r < 0) {
    return hutch_error_set(err, r, "read %s/%s", dir, name);
  } else {
    json_error_t je;
    p->root = json_loads(buf, 0, &je);
    if (p->root == NULL || !json_is_object(p->root))
      return hutch_error_set(err, EINVAL, "%s/%s: not a JSON object: %s", dir, name, je.text);
  }
  p->allocs = json_object_get(p->root, "allocations");
  if (p->allocs == NULL) {
    p->allocs = json_object();
    json_object_set_new(p->root, "allocations", p->allocs);
  } else if (!json_is_object(p->allocs)) {
    return hutch_error_set(err, EINVAL, "%s/%s: allocations: must be an object", dir, name);
  }
  return 0;
}

static int pool_save(struct pool *p, const char *dir, const char *pool, struct hutch_error **err) {
  _cleanup_free_ char *name = NULL;
  if (asprintf(&name, "%s.json", pool) < 0)
    return hutch_error_set(err, ENOMEM, "ipam file name");
  _cleanup_free_ char *data = json_dumps(p->root, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (data == NULL)
    return hutch_error_set(err, ENOMEM, "serialise ipam pool %s", pool);
  int r = hutch_write_file_atomic(p->dirfd, name, data, strlen(data), 0600);
  if (r < 0)
    return hutch_error_set(err, r, "write %s/%s", dir, name);
  return 0;
}

/* The address owner holds, or 0. */
static uint32_t pool_find_owner(struct pool *p, const char *owner) {
  const char *key;
  json_t *v;
  json_object_foreach(p->allocs, key, v) {
    uint32_t a;
    if (json_is_string(v) && strcmp(json_string_value(v), owner) == 0 &&
        hutch_ipv4_parse(key, &a) == 0)
      return a;
  }
  return 0;
}

int hutch_ipam_allocate(const char *dir, const char *pool, const struct hutch_cidr *subnet,
                        uint32_t gateway, uint32_t requested, const char *owner, uint32_t *out,
                        struct hutch_error **err) {
  __attribute__((cleanup(pool_done))) struct pool p;
  int r = pool_open(dir, pool, true, &p, err);
  if (r < 0)
    return r;
  char sbuf[HUTCH_CIDR_STRLEN], abuf[HUTCH_IPV4_STRLEN];
  hutch_cidr_format(subnet, sbuf);
  /* A pool remembers its subnet so a network recreated with another subnet
   * under the same name does not inherit stale allocations. */
  json_t *js = json_object_get(p.root, "subnet");
  if (js && (!json_is_string(js) || strcmp(json_string_value(js), sbuf) != 0)) {
    json_object_clear(p.allocs);
    json_object_del(p.root, "last");
  }
  json_object_set_new(p.root, "subnet", json_string(sbuf));

  uint32_t held = pool_find_owner(&p, owner);
  if (held && (requested == 0 || requested == held) && hutch_cidr_is_host(subnet, held)) {
    *out = held;
    return 0;
  }
  if (held)
    return hutch_error_set(err, EEXIST, "%s already holds %s in network %s", owner,
                           hutch_ipv4_format(held, abuf), pool);

  uint32_t addr = 0;
  if (requested) {
    if (!hutch_cidr_is_host(subnet, requested) || requested == gateway)
      return hutch_error_set(err, EINVAL, "address %s is not usable in subnet %s",
                             hutch_ipv4_format(requested, abuf), sbuf);
    if (json_object_get(p.allocs, hutch_ipv4_format(requested, abuf)))
      return hutch_error_say(err, EADDRINUSE, "address %s is already in use in network %s", abuf,
                             pool);
    addr = requested;
  } else {
    uint32_t first = subnet->addr + 1, last = hutch_cidr_broadcast(subnet) - 1;
    uint32_t start = first;
    json_t *jl = json_object_get(p.root, "last");
    uint32_t prev;
    if (json_is_string(jl) && hutch_ipv4_parse(json_string_value(jl), &prev) == 0 &&
        prev >= first && prev < last)
      start = prev + 1;
    uint32_t n = last - first + 1, a = start;
    for (uint32_t i = 0; i < n; i++, a = (a == last ? first : a + 1)) {
      if (a == gateway || json_object_get(p.allocs, hutch_ipv4_format(a, abuf)))
        continue;
      addr = a;
      break;
    }
    if (addr == 0)
      return hutch_error_set(err, ENOSPC, "no free address left in network %s (%s)", pool, sbuf);
  }
  hutch_ipv4_format(addr, abuf);
  json_object_set_new(p.allocs, abuf, json_string(owner));
  /* Only automatic choices move the cursor; an --ip elsewhere in the
   * range should not make the allocator skip ahead. */
  if (requested == 0)
    json_object_set_new(p.root, "last", json_string(abuf));
  r = pool_save(&p, dir, pool, err);
  if (r < 0)
    return r;
  *out = addr;
  return 0;
}

int hutch_ipam_release(const char *dir, const char *pool, const char *owner,
                       struct hutch_error **err) {
  if (!hutch_path_exists(dir))
    return 0;
  __attribute__((cleanup(pool_done))) struct pool p;
  int r = pool_open(dir, pool, false, &p, err);
  if (r < 0)
    return r;
  bool changed = false;
  const char *key;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(p.allocs, tmp, key, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), owner) == 0) {
      json_object_del(p.allocs, key);
      changed = true;
    }
  }
  return changed ? pool_save(&p, dir, pool, err) : 0;
}

int hutch_ipam_lookup(const char *dir, const char *pool, const char *owner, uint32_t *out,
                      struct hutch_error **err) {
  if (!hutch_path_exists(dir))
    return -ENOENT;
  __attribute__((cleanup(pool_done))) struct pool p;
  int r = pool_open(dir, pool, false, &p, err);
  if (r < 0)
    return r;
  uint32_t a = pool_find_owner(&p, owner);
  if (a == 0)
    return -ENOENT;
  *out = a;
  return 0;
}

int hutch_ipam_drop_pool(const char *dir, const char *pool) {
  _cleanup_free_ char *json = NULL, *lock = NULL;
  if (asprintf(&json, "%s/%s.json", dir, pool) < 0 || asprintf(&lock, "%s/%s.lock", dir, pool) < 0)
    return -ENOMEM;
  if (unlink(json) < 0 && errno != ENOENT)
    return -errno;
  if (unlink(lock) < 0 && errno != ENOENT)
    return -errno;
  return 0;
}
