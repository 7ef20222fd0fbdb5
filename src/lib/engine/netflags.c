/* docker's network flags of run/create, parsed and checked before anything
 * is created: --network, -p/--publish, --expose, -P, and the validation of
 * them all together with --ip, --network-alias, --hostname, --dns and
 * --add-host. Pure: no engine, no host (tests/unit/test_netflags.c). */
#include "netflags.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hutch_netmode_parse(const char *s, enum hutch_netmode *mode, char **arg,
                        struct hutch_error **err) {
  *arg = NULL;
  if (s == NULL || strcmp(s, "bridge") == 0 || strcmp(s, "default") == 0) {
    *mode = HUTCH_NETMODE_BRIDGE;
    *arg = strdup(HUTCH_NET_DEFAULT_NAME);
  } else if (strcmp(s, "none") == 0) {
    *mode = HUTCH_NETMODE_NONE;
  } else if (strcmp(s, "host") == 0) {
    *mode = HUTCH_NETMODE_HOST;
  } else if (hutch_str_has_prefix(s, "container:")) {
    if (s[10] == '\0')
      return hutch_error_set(err, EINVAL, "--network container: needs a container name or id");
    *mode = HUTCH_NETMODE_CONTAINER;
    *arg = strdup(s + 10);
  } else if (*s == '\0') {
    return hutch_error_set(err, EINVAL, "--network: empty network name");
  } else {
    *mode = HUTCH_NETMODE_USER;
    *arg = strdup(s);
  }
  if (*mode != HUTCH_NETMODE_NONE && *mode != HUTCH_NETMODE_HOST && *arg == NULL)
    return hutch_error_set(err, ENOMEM, "--network");
  return 0;
}

/* "80" or "8000-8010" → [first, last]; 0 only when allow_zero. */
static int parse_port_range(const char *s, uint16_t *first, uint16_t *last) {
  const char *dash = strchr(s, '-');
  int64_t a, b;
  if (dash) {
    _cleanup_free_ char *l = strndup(s, (size_t)(dash - s));
    if (l == NULL || hutch_parse_int64(l, 1, 65535, &a) < 0 ||
        hutch_parse_int64(dash + 1, 1, 65535, &b) < 0 || b < a)
      return -EINVAL;
  } else {
    if (hutch_parse_int64(s, 1, 65535, &a) < 0)
      return -EINVAL;
    b = a;
  }
  *first = (uint16_t)a;
  *last = (uint16_t)b;
  return 0;
}

static int parse_proto(const char *s, int *proto) {
  if (s == NULL || strcmp(s, "tcp") == 0)
    *proto = IPPROTO_TCP;
  else if (strcmp(s, "udp") == 0)
    *proto = IPPROTO_UDP;
  else
    return -EINVAL;
  return 0;
}

int hutch_expose_parse(const char *s, uint16_t *first, uint16_t *last, int *proto,
                       struct hutch_error **err) {
  _cleanup_free_ char *d = strdup(s);
  if (d == NULL)
    return hutch_error_set(err, ENOMEM, "port");
  char *slash = strchr(d, '/');
  if (slash)
    *slash++ = '\0';
  if (parse_proto(slash, proto) < 0)
    return hutch_error_set(err, EINVAL, "invalid proto \"%s\" in port \"%s\": want tcp or udp",
                           slash, s);
  if (parse_port_range(d, first, last) < 0)
    return hutch_error_set(err, EINVAL,
                           "invalid port \"%s\": want 1-65535 or a range like 8000-8010", s);
  return 0;
}

/* Room for `extra` more mappings after the *n in *v: one realloc per port
 * range, since one per port made a range of thousands quadratic where
 * realloc copies (it always does under ASan; found by fuzz_netsetup). */
static int reserve_mappings(struct hutch_port_mapping **v, size_t n, size_t extra) {
  struct hutch_port_mapping *nv = realloc(*v, (n + extra) * sizeof(**v));
  if (nv == NULL)
    return -ENOMEM;
  *v = nv;
  return 0;
}

int hutch_port_mapping_push(struct hutch_port_mapping **v, size_t *n,
                            const struct hutch_port_mapping *m) {
  if (reserve_mappings(v, *n, 1) < 0)
    return -ENOMEM;
  (*v)[(*n)++] = *m;
  return 0;
}

int hutch_publish_parse(const char *s, struct hutch_port_mapping **v, size_t *n,
                        struct hutch_error **err) {
  _cleanup_free_ char *d = strdup(s);
  if (d == NULL)
    return hutch_error_set(err, ENOMEM, "-p");
  if (strchr(d, '[') || strchr(d, ']'))
    return hutch_error_set(err, EINVAL, "-p %s: IPv6 addresses are not supported", s);
  char *slash = strchr(d, '/');
  if (slash)
    *slash++ = '\0';
  int proto;
  if (parse_proto(slash, &proto) < 0)
    return hutch_error_set(err, EINVAL, "-p %s: invalid proto \"%s\": want tcp or udp", s, slash);
  /* [ip:][host:]container: split at the colons, at most three parts */
  char *parts[3] = {NULL, NULL, NULL};
  size_t np = 0;
  for (char *p = d, *c;; p = c + 1) {
    if (np == 3)
      return hutch_error_set(err, EINVAL, "-p %s: want [ip:][hostPort:]containerPort[/proto]", s);
    parts[np++] = p;
    c = strchr(p, ':');
    if (c == NULL)
      break;
    *c = '\0';
  }
  const char *ip = np == 3 ? parts[0] : NULL;
  const char *host = np >= 2 ? parts[np - 2] : NULL;
  const char *ctr = parts[np - 1];
  uint32_t host_ip = 0;
  if (ip && *ip && hutch_ipv4_parse(ip, &host_ip) < 0)
    return hutch_error_set(err, EINVAL, "-p %s: \"%s\" is not an IPv4 address", s, ip);
  uint16_t cf, cl, hf = 0, hl = 0;
  if (parse_port_range(ctr, &cf, &cl) < 0)
    return hutch_error_set(err, EINVAL, "-p %s: invalid container port \"%s\"", s, ctr);
  if (host && *host) {
    if (parse_port_range(host, &hf, &hl) < 0)
      return hutch_error_set(err, EINVAL, "-p %s: invalid host port \"%s\"", s, host);
    if (hl - hf != cl - cf)
      return hutch_error_set(err, EINVAL,
                             "-p %s: the host and container port ranges differ in length", s);
  }
  if (reserve_mappings(v, *n, (size_t)(cl - cf) + 1) < 0)
    return hutch_error_set(err, ENOMEM, "-p");
  for (unsigned k = 0; k <= (unsigned)(cl - cf); k++)
    (*v)[(*n)++] = (struct hutch_port_mapping){
        .host_ip = host_ip,
        .host_port = hf ? (uint16_t)(hf + k) : 0,
        .container_port = (uint16_t)(cf + k),
        .proto = proto,
    };
  return 0;
}

int hutch_publish_all(char *const *exposed, struct hutch_port_mapping **v, size_t *n,
                      struct hutch_error **err) {
  /* Which ports are published, one bit per port and protocol: the image
   * may expose "1-65535", and a scan of the mappings for every port was
   * quadratic (seconds of CPU for one `run -P`). */
  _cleanup_free_ uint8_t *published = calloc(2 * 65536 / 8, 1);
  if (published == NULL)
    return hutch_error_set(err, ENOMEM, "-P");
#define PORT_BIT(port, proto) ((size_t)((proto) == IPPROTO_UDP) * 65536 + (port))
  for (size_t i = 0; i < *n; i++) {
    size_t b = PORT_BIT((*v)[i].container_port, (*v)[i].proto);
    published[b / 8] |= (uint8_t)(1u << (b % 8));
  }
  for (char *const *e = exposed; e && *e; e++) {
    uint16_t first, last;
    int proto;
    if (hutch_expose_parse(*e, &first, &last, &proto, err) < 0)
      return -1;
    if (reserve_mappings(v, *n, (size_t)(last - first) + 1) < 0)
      return hutch_error_set(err, ENOMEM, "-P");
    for (unsigned p = first; p <= last; p++) {
      size_t b = PORT_BIT(p, proto);
      if (published[b / 8] & (1u << (b % 8)))
        continue;
      published[b / 8] |= (uint8_t)(1u << (b % 8));
      (*v)[(*n)++] = (struct hutch_port_mapping){.container_port = (uint16_t)p, .proto = proto};
    }
  }
#undef PORT_BIT
  return 0;
}

void hutch_port_key(const struct hutch_port_mapping *p, char buf[16]) {
  snprintf(buf, 16, "%u/%s", p->container_port, p->proto == IPPROTO_UDP ? "udp" : "tcp");
}

static bool ip_literal(const char *s) {
  unsigned char b[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

int hutch_engine_net_validate(const struct hutch_run_opts *o, struct hutch_error **err) {
  enum hutch_netmode mode;
  _cleanup_free_ char *arg = NULL;
  if (hutch_netmode_parse(o->network, &mode, &arg, err) < 0)
    return -1;
  bool own_net = mode == HUTCH_NETMODE_BRIDGE || mode == HUTCH_NETMODE_USER;
  if ((o->publish || o->publish_all) && !own_net)
    return hutch_error_set(
        err, EINVAL, "conflicting options: port publishing and the container type network mode");
  if (o->ip) {
    uint32_t a;
    if (hutch_ipv4_parse(o->ip, &a) < 0)
      return hutch_error_set(err, EINVAL, "--ip %s: not an IPv4 address", o->ip);
    if (mode != HUTCH_NETMODE_USER)
      return hutch_error_set(
          err, EINVAL, "user specified IP address is supported on user defined networks only");
  }
  if (o->net_aliases && mode != HUTCH_NETMODE_USER)
    return hutch_error_set(
        err, EINVAL,
        "network-scoped alias is supported only for containers in user defined networks");
  if (mode == HUTCH_NETMODE_CONTAINER && (o->hostname || o->dns || o->add_hosts))
    return hutch_error_set(err, EINVAL,
                           "conflicting options: --hostname, --dns and --add-host cannot be used "
                           "with --network container:");
  for (char **d = o->dns; d && *d; d++)
    if (!ip_literal(*d))
      return hutch_error_set(err, EINVAL, "--dns %s: not an IP address", *d);
  for (char **h = o->add_hosts; h && *h; h++) {
    _cleanup_free_ char *hn = NULL, *hip = NULL;
    if (hutch_hosts_parse_add_host(*h, &hn, &hip) < 0)
      return hutch_error_set(err, EINVAL,
                             "invalid argument \"%s\" for \"--add-host\": want host:ip", *h);
  }
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n = 0;
  for (char **p = o->publish; p && *p; p++)
    if (hutch_publish_parse(*p, &ports, &n, err) < 0)
      return -1;
  for (char **x = o->expose; x && *x; x++) {
    uint16_t f, l;
    int proto;
    if (hutch_expose_parse(*x, &f, &l, &proto, err) < 0)
      return hutch_error_wrap(err, "--expose");
  }
  return 0;
}
