/* docker's network flags and the glue between a container's life and the
 * networking library; see netsetup.h for when each step runs. The flag
 * parsers at the top are pure (unit-tested in tests/unit/test_netsetup.c);
 * everything below them works on the engine's records and the host. */
#include "netsetup.h"

#include "engine.h"
#include "net/netns.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- flags (pure) ---- */

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

static int push_mapping(struct hutch_port_mapping **v, size_t *n,
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

/* ---- the library's context ---- */

void hutch_engine_net_ctx(struct hutch_engine *e, struct hutch_engine_netctx *out) {
  memset(out, 0, sizeof(*out));
  snprintf(out->state_dir, sizeof(out->state_dir), "%s/networks", e->root);
  out->ctx.state_dir = out->state_dir;
  const char *t = getenv("HUTCH_NET_TABLE");
  out->ctx.nft_table = t && *t ? t : NULL;
}

int hutch_engine_net_default(struct hutch_engine *e, struct hutch_network **out,
                             struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  const char *br = getenv("HUTCH_NET_DEFAULT_BRIDGE"), *sub = getenv("HUTCH_NET_DEFAULT_SUBNET");
  if ((br && *br) || (sub && *sub)) {
    struct hutch_network_opts no = {.bridge = br && *br ? br : NULL,
                                    .subnet = sub && *sub ? sub : NULL};
    struct hutch_error *ce = NULL;
    /* -EEXIST: made already (maybe by a concurrent hutch), load it below */
    if (hutch_network_create(&nc.ctx, HUTCH_NET_DEFAULT_NAME, &no, out, &ce) == 0) {
      hutch_error_free(ce);
      return 0;
    }
    int code = hutch_error_code(ce);
    if (code != -EEXIST) {
      if (err)
        *err = ce;
      else
        hutch_error_free(ce);
      return -1;
    }
    hutch_error_free(ce);
  }
  return hutch_network_ensure_default(&nc.ctx, out, err);
}

/* ---- create ---- */

void hutch_engine_net_plan_clear(struct hutch_engine_net_plan *p) {
  free(p->network_mode);
  free(p->netns_path);
  free(p->hostname);
  free(p->hostname_path);
  free(p->hosts_path);
  free(p->resolv_path);
  if (p->net)
    json_decref(p->net);
  if (p->port_bindings)
    json_decref(p->port_bindings);
  if (p->exposed)
    json_decref(p->exposed);
  memset(p, 0, sizeof(*p));
}

static json_t *strv_to_json(char *const *v) {
  json_t *a = json_array();
  for (; a && v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

static char *join_path(const char *dir, const char *name) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", dir, name) < 0)
    return NULL;
  return p;
}

static json_t *ports_json(const struct hutch_port_mapping *p, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) {
    char ip[HUTCH_IPV4_STRLEN];
    json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:s}", "host_ip",
                                       hutch_ipv4_format(p[i].host_ip, ip), "host_port",
                                       p[i].host_port, "container_port", p[i].container_port,
                                       "proto", p[i].proto == IPPROTO_UDP ? "udp" : "tcp"));
  }
  return a;
}

static int ports_from_json(json_t *a, struct hutch_port_mapping **out, size_t *n) {
  *out = calloc(json_array_size(a) + 1, sizeof(**out));
  *n = 0;
  if (*out == NULL)
    return -ENOMEM;
  size_t i;
  json_t *p;
  json_array_foreach(a, i, p) {
    struct hutch_port_mapping *m = &(*out)[(*n)++];
    if (hutch_ipv4_parse(json_string_value(json_object_get(p, "host_ip")) ?: "0.0.0.0",
                         &m->host_ip) < 0)
      m->host_ip = 0;
    m->host_port = (uint16_t)json_integer_value(json_object_get(p, "host_port"));
    m->container_port = (uint16_t)json_integer_value(json_object_get(p, "container_port"));
    const char *proto = json_string_value(json_object_get(p, "proto"));
    m->proto = proto && strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
  }
  return 0;
}

/* docker's PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} */
static json_t *port_bindings_json(const struct hutch_port_mapping *p, size_t n) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < n; i++) {
    char key[16], ip[HUTCH_IPV4_STRLEN], port[8] = "";
    hutch_port_key(&p[i], key);
    if (p[i].host_port)
      snprintf(port, sizeof(port), "%u", p[i].host_port);
    json_t *l = json_object_get(o, key);
    if (l == NULL) {
      l = json_array();
      json_object_set_new(o, key, l);
    }
    json_array_append_new(l, json_pack("{s:s, s:s}", "HostIp",
                                       p[i].host_ip ? hutch_ipv4_format(p[i].host_ip, ip) : "",
                                       "HostPort", port));
  }
  return o;
}

/* The host's /etc/hosts with the --add-host lines after it (--network host). */
static char *host_hosts_text(char *const *add_hosts) {
  _cleanup_free_ char *host = NULL;
  if (hutch_read_file("/etc/hosts", &host, NULL) < 0)
    host = strdup("127.0.0.1\tlocalhost\n");
  if (host == NULL)
    return NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  fputs(host, f);
  if (*host && host[strlen(host) - 1] != '\n')
    fputc('\n', f);
  for (char *const *h = add_hosts; h && *h; h++) {
    _cleanup_free_ char *hn = NULL, *hip = NULL;
    if (hutch_hosts_parse_add_host(*h, &hn, &hip) == 0)
      fprintf(f, "%s\t%s\n", hip, hn);
  }
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* /etc/hosts before any address is known (the attach rewrites it). */
static char *own_hosts_text(const char *hostname, const char *name, char *const *add_hosts) {
  size_t n = hutch_strv_len(add_hosts);
  struct hutch_hosts_entry *extra = calloc(n + 1, sizeof(*extra));
  char **owned = calloc(2 * n + 1, sizeof(char *));
  char *text = NULL;
  size_t k = 0;
  if (extra == NULL || owned == NULL)
    goto out;
  for (size_t i = 0; i < n; i++) {
    char *hn = NULL, *hip = NULL;
    if (hutch_hosts_parse_add_host(add_hosts[i], &hn, &hip) < 0)
      continue;
    owned[2 * i] = hn;
    owned[2 * i + 1] = hip;
    extra[k++] = (struct hutch_hosts_entry){.ip = hip, .names = hn};
  }
  struct hutch_hosts_input in = {.hostname = hostname, .name = name, .extra = extra, .n_extra = k};
  text = hutch_hosts_render(&in);
out:
  for (size_t i = 0; owned && i < 2 * n; i++)
    free(owned[i]);
  free(owned);
  free(extra);
  return text;
}

static int write_file(const char *path, const char *text, struct hutch_error **err) {
  if (text == NULL)
    return hutch_error_set(err, ENOMEM, "%s", path);
  return hutch_net_write_config_file(path, text, err);
}

/* --network container:REF: the other container's namespace and files. */
static int prepare_container_mode(struct hutch_engine *e, const char *ref,
                                  struct hutch_engine_net_plan *p, struct hutch_error **err) {
  _cleanup_ctr_ struct hutch_ctr *other = NULL;
  if (hutch_ctr_open(e, ref, false, &other, err) < 0)
    return -1;
  if (!hutch_ctr_running(other))
    return hutch_error_set(err, EINVAL, "cannot join network of a non running container: %s", ref);
  json_t *on = json_object_get(json_object_get(other->rec, "Hutch"), "Net");
  const char *omode = json_string_value(json_object_get(on, "mode"));
  if (omode && strcmp(omode, "container") == 0)
    return hutch_error_set(err, EINVAL,
                           "container %s shares the network of another container itself", ref);
  const char *ns =
      json_string_value(json_object_get(json_object_get(other->rec, "Hutch"), "NetNS"));
  if (ns && *ns && !(p->netns_path = strdup(ns)))
    return hutch_error_set(err, ENOMEM, "netns");
  const char *keys[] = {"HostnamePath", "HostsPath", "ResolvConfPath"};
  char **dst[] = {&p->hostname_path, &p->hosts_path, &p->resolv_path};
  for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
    const char *v = json_string_value(json_object_get(other->rec, keys[i]));
    if (v && *v)
      *dst[i] = strdup(v);
  }
  const char *hn =
      json_string_value(json_object_get(json_object_get(other->rec, "Config"), "Hostname"));
  p->hostname = strdup(hn ? hn : "");
  if (asprintf(&p->network_mode, "container:%s", other->id) < 0)
    p->network_mode = NULL;
  json_object_set_new(p->net, "container", json_string(other->id));
  if (!p->hostname || !p->network_mode)
    return hutch_error_set(err, ENOMEM, "network");
  return 0;
}

int hutch_engine_net_prepare(struct hutch_engine *e, const struct hutch_run_opts *o, const char *id,
                             const char *name, const char *ctr_dir, char *const *exposed,
                             struct hutch_engine_net_plan *out, struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  if (hutch_engine_net_validate(o, err) < 0)
    return -1;
  struct hutch_engine_net_plan p = {0};
  _cleanup_free_ char *arg = NULL;
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n_ports = 0;
  _cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL;
  hutch_netmode_parse(o->network, &p.mode, &arg, NULL);
  static const char *const mode_names[] = {"bridge", "none", "host", "container", "user"};
  p.net = json_pack("{s:s, s:[], s:s, s:o, s:o, s:o, s:o}", "mode", mode_names[p.mode], "networks",
                    "name", name ? name : "", "extra_hosts", strv_to_json(o->add_hosts), "dns",
                    strv_to_json(o->dns), "dns_search", strv_to_json(o->dns_search), "dns_options",
                    strv_to_json(o->dns_options));
  p.exposed = json_object();
  if (p.net == NULL || p.exposed == NULL) {
    hutch_error_set(err, ENOMEM, "network");
    goto fail;
  }

  if (p.mode == HUTCH_NETMODE_CONTAINER) {
    if (prepare_container_mode(e, arg, &p, err) < 0)
      goto fail;
    json_object_set_new(p.net, "hostname", json_string(p.hostname));
    json_object_set_new(p.net, "ports", json_array());
    p.port_bindings = json_object();
    *out = p;
    return 0;
  }

  if (p.mode == HUTCH_NETMODE_USER) {
    /* fail at create, as docker does, not at the first start */
    struct hutch_engine_netctx nc;
    hutch_engine_net_ctx(e, &nc);
    _cleanup_network_ struct hutch_network *net = NULL;
    if (hutch_network_load(&nc.ctx, arg, &net, err) < 0)
      goto fail;
    free(arg);
    arg = strdup(net->name);
  }
  if (p.mode == HUTCH_NETMODE_BRIDGE || p.mode == HUTCH_NETMODE_USER) {
    json_t *nw =
        json_pack("{s:s, s:o, s:o}", "name", arg, "ip", o->ip ? json_string(o->ip) : json_null(),
                  "aliases", strv_to_json(o->net_aliases));
    json_array_append_new(json_object_get(p.net, "networks"), nw);
  }
  p.network_mode = strdup(p.mode == HUTCH_NETMODE_NONE   ? "none"
                          : p.mode == HUTCH_NETMODE_HOST ? "host"
                                                         : arg);
  if (p.mode != HUTCH_NETMODE_HOST)
    p.netns_path = join_path(e->netns_dir, id);

  /* hostname: -h, the host's with --network host, else the short id */
  char host_hn[256] = "";
  gethostname(host_hn, sizeof(host_hn) - 1);
  if (o->hostname)
    p.hostname = strdup(o->hostname);
  else if (p.mode == HUTCH_NETMODE_HOST)
    p.hostname = strdup(host_hn);
  else
    p.hostname = strndup(id, 12);
  json_object_set_new(p.net, "hostname", json_string(p.hostname ? p.hostname : ""));

  /* ports: -p, then -P for every exposed port (the image's and --expose) */
  for (char **s = o->publish; s && *s; s++)
    if (hutch_publish_parse(*s, &ports, &n_ports, err) < 0)
      goto fail;
  for (char **x = o->expose; x && *x; x++) {
    char key[24];
    uint16_t f, l;
    int proto;
    if (hutch_expose_parse(*x, &f, &l, &proto, err) < 0)
      goto fail;
    for (unsigned k = f; k <= l; k++) {
      snprintf(key, sizeof(key), "%u/%s", k, proto == IPPROTO_UDP ? "udp" : "tcp");
      json_object_set_new(p.exposed, key, json_object());
    }
  }
  if (o->publish_all) {
    if (hutch_publish_all(exposed, &ports, &n_ports, err) < 0)
      goto fail;
    _cleanup_strv_ char **keys = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(p.exposed, k, v) hutch_strv_push(&keys, k);
    if (hutch_publish_all(keys, &ports, &n_ports, err) < 0)
      goto fail;
  }
  json_object_set_new(p.net, "ports", ports_json(ports, n_ports));
  p.port_bindings = port_bindings_json(ports, n_ports);

  /* the /etc files */
  p.hostname_path = join_path(ctr_dir, "hostname");
  p.hosts_path = join_path(ctr_dir, "hosts");
  p.resolv_path = join_path(ctr_dir, "resolv.conf");
  if (!p.network_mode || !p.hostname || !p.hostname_path || !p.hosts_path || !p.resolv_path ||
      (p.mode != HUTCH_NETMODE_HOST && !p.netns_path)) {
    hutch_error_set(err, ENOMEM, "network");
    goto fail;
  }
  {
    _cleanup_free_ char *hn = NULL;
    if (asprintf(&hn, "%s\n", p.hostname) < 0 || write_file(p.hostname_path, hn, err) < 0)
      goto fail;
  }
  if (p.mode == HUTCH_NETMODE_HOST)
    hosts = host_hosts_text(o->add_hosts);
  else
    hosts = own_hosts_text(p.hostname, name, o->add_hosts);
  if (write_file(p.hosts_path, hosts, err) < 0)
    goto fail;
  if (hutch_read_file("/etc/resolv.conf", &host_resolv, NULL) < 0)
    host_resolv = strdup("");
  /* The host's resolvers on 127.x work in the host's namespace only. */
  if (p.mode == HUTCH_NETMODE_HOST && !o->dns && !o->dns_search && !o->dns_options)
    resolv = host_resolv ? strdup(host_resolv) : NULL;
  else
    resolv =
        hutch_resolv_render(host_resolv ? host_resolv : "", o->dns, o->dns_search, o->dns_options);
  if (write_file(p.resolv_path, resolv, err) < 0)
    goto fail;
  *out = p;
  return 0;
fail:
  hutch_engine_net_plan_clear(&p);
  return -1;
}

void hutch_engine_net_record(const struct hutch_engine_net_plan *p, json_t *rec) {
  json_t *hc = json_object_get(rec, "HostConfig"), *cfg = json_object_get(rec, "Config");
  json_t *h = json_object_get(rec, "Hutch"), *n = p->net;
  json_object_set_new(hc, "NetworkMode", json_string(p->network_mode));
  json_object_set(hc, "PortBindings", p->port_bindings ? p->port_bindings : json_object());
  json_object_set(hc, "Dns", json_object_get(n, "dns"));
  json_object_set(hc, "DnsSearch", json_object_get(n, "dns_search"));
  json_object_set(hc, "DnsOptions", json_object_get(n, "dns_options"));
  json_object_set(hc, "ExtraHosts", json_object_get(n, "extra_hosts"));
  bool all = false;
  size_t i;
  json_t *pj;
  json_array_foreach(json_object_get(n, "ports"), i,
                     pj) if (json_integer_value(json_object_get(pj, "host_port")) == 0) all = true;
  json_object_set_new(hc, "PublishAllPorts", json_boolean(all));
  json_t *ep = json_object_get(cfg, "ExposedPorts");
  if (!json_is_object(ep)) {
    ep = json_object();
    json_object_set_new(cfg, "ExposedPorts", ep);
  }
  if (p->exposed)
    json_object_update(ep, p->exposed);
  json_object_set_new(cfg, "Hostname", json_string(p->hostname ? p->hostname : ""));
  json_object_set_new(rec, "HostnamePath", json_string(p->hostname_path ? p->hostname_path : ""));
  json_object_set_new(rec, "HostsPath", json_string(p->hosts_path ? p->hosts_path : ""));
  json_object_set_new(rec, "ResolvConfPath", json_string(p->resolv_path ? p->resolv_path : ""));
  json_object_set(h, "Net", n);
  json_object_set_new(
      h, "NetNS",
      json_string(p->netns_path && p->mode != HUTCH_NETMODE_CONTAINER ? p->netns_path : ""));
}

/* ---- start, stop, rm ---- */

static json_t *net_of(struct hutch_ctr *c) {
  return json_object_get(json_object_get(c->rec, "Hutch"), "Net");
}

static bool owns_netns(json_t *net) {
  const char *m = json_string_value(json_object_get(net, "mode"));
  return m == NULL || strcmp(m, "bridge") == 0 || strcmp(m, "none") == 0 || strcmp(m, "user") == 0;
}

/* Attach c (whose netns exists) to one network as ifname. */
static int attach_one(struct hutch_engine *e, struct hutch_ctr *c, const char *netns, json_t *nw,
                      const char *ifname, bool with_ports, struct hutch_net_attachment *att,
                      struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  json_t *net = net_of(c);
  const char *network = json_string_value(json_object_get(nw, "name"));
  if (network == NULL || strcmp(network, HUTCH_NET_DEFAULT_NAME) == 0) {
    _cleanup_network_ struct hutch_network *d = NULL;
    if (hutch_engine_net_default(e, &d, err) < 0)
      return -1;
  }
  _cleanup_strv_ char **aliases = NULL, **xh = NULL;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(nw, "aliases"), i, v)
      hutch_strv_push(&aliases, json_string_value(v));
  json_array_foreach(json_object_get(net, "extra_hosts"), i, v)
      hutch_strv_push(&xh, json_string_value(v));
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n_ports = 0;
  if (with_ports && ports_from_json(json_object_get(net, "ports"), &ports, &n_ports) < 0)
    return hutch_error_set(err, ENOMEM, "ports");
  const char *hosts = json_string_value(json_object_get(c->rec, "HostsPath"));
  const char *hn = json_string_value(json_object_get(net, "hostname"));
  struct hutch_net_config cfg = {
      .ctx = nc.ctx,
      .network = network,
      .ifname = ifname,
      .ip = json_string_value(json_object_get(nw, "ip")),
      .name = c->name,
      .aliases = aliases,
      .ports = ports,
      .n_ports = n_ports,
      .own_netns = true,
      .hosts_path = hosts && *hosts ? hosts : NULL,
      .hostname = hn && *hn ? hn : NULL,
      .extra_hosts = xh,
  };
  return hutch_net_attach(&cfg, netns, c->id, att, err);
}

int hutch_engine_net_start(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_error **err) {
  json_t *net = net_of(c);
  const char *mode = json_string_value(json_object_get(net, "mode"));
  const char *netns = json_string_value(json_object_get(json_object_get(c->rec, "Hutch"), "NetNS"));
  if (mode && strcmp(mode, "container") == 0) {
    _cleanup_ctr_ struct hutch_ctr *other = NULL;
    const char *oid = json_string_value(json_object_get(net, "container"));
    if (hutch_ctr_open(e, oid ? oid : "", false, &other, err) < 0)
      return hutch_error_wrap(err, "joining the network of another container");
    if (!hutch_ctr_running(other))
      return hutch_error_set(err, EINVAL, "cannot join network of a non running container: %.12s",
                             other->id);
    return 0;
  }
  if (!netns || !*netns)
    return 0; /* host */
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  /* A previous run whose monitor died may have left its attachment. */
  if (hutch_net_detach(&nc.ctx, c->id, NULL, err) < 0)
    return -1;
  if (!hutch_path_exists(netns)) {
    _cleanup_free_ char *p = NULL;
    int r = hutch_mkdir_p(e->netns_dir, 0700);
    if (r < 0)
      return hutch_error_set(err, r, "create %s", e->netns_dir);
    if (hutch_netns_create(e->netns_dir, c->id, &p, err) < 0)
      return -1;
  }
  /* Saved before attaching: a concurrent stale cleanup reads the record
   * and must see that someone holds the attachment about to appear. */
  c->st.net_owner = getpid();
  c->st.net_owner_start = hutch_pid_start_time(getpid());
  if (hutch_ctr_save_state(c, err) < 0)
    return -1;
  size_t i;
  json_t *nw;
  json_array_foreach(json_object_get(net, "networks"), i, nw) {
    char ifname[24];
    snprintf(ifname, sizeof(ifname), "eth%u", (unsigned)i);
    struct hutch_net_attachment att = {0};
    int r = attach_one(e, c, netns, nw, ifname, i == 0, &att, err);
    hutch_net_attachment_clear(&att);
    if (r < 0) {
      hutch_net_detach(&nc.ctx, c->id, NULL, NULL);
      return -1;
    }
  }
  return 0;
}

void hutch_engine_net_stopped(struct hutch_engine *e, const char *id) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  struct hutch_error *err = NULL;
  if (hutch_net_detach(&nc.ctx, id, NULL, &err) < 0) {
    _cleanup_free_ char *t = hutch_error_text(err);
    hutch_warn("network teardown of %.12s: %s, ignoring", id, t ? t : "");
  }
  hutch_error_free(err);
}

int hutch_engine_net_teardown(struct hutch_engine *e, const char *id, const char *netns,
                              struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  struct hutch_error *local = NULL, **ep = err ? err : &local;
  int r = hutch_net_detach(&nc.ctx, id, NULL, ep);
  /* container: mode records no netns of its own, so this is ours */
  if (r == 0 && netns && *netns)
    r = hutch_netns_delete(netns, ep);
  if (r < 0 && !err) {
    _cleanup_free_ char *t = hutch_error_text(local);
    hutch_warn("network teardown of %.12s: %s, ignoring", id, t ? t : "");
  }
  hutch_error_free(local);
  return r < 0 ? -1 : 0;
}

/* ---- stale cleanup ---- */

/* An attachment stays while its container exists and someone holds it:
 * its init (also after a killed monitor), its monitor (also between the
 * restarts of a restart policy), or the process starting it. */
static bool ctr_holds_network(const char *id, void *ud) {
  struct hutch_engine *e = ud;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  struct hutch_error *err = NULL;
  if (hutch_ctr_open(e, id, false, &c, &err) < 0) {
    bool gone = hutch_error_code(err) == -ENOENT;
    hutch_error_free(err);
    return !gone; /* unreadable: leave it alone */
  }
  const struct hutch_ctr_state *s = &c->st;
  return hutch_ctr_running(c) ||
         (s->monitor_pid > 0 && hutch_pid_alive(s->monitor_pid, s->monitor_start)) ||
         (s->net_owner > 0 && hutch_pid_alive(s->net_owner, s->net_owner_start));
}

int hutch_engine_net_cleanup_stale(struct hutch_engine *e, int *cleaned, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  /* nothing was ever attached: no store to look at, no nft to touch */
  _cleanup_free_ char *att = join_path(nc.state_dir, "attachments");
  if (cleaned)
    *cleaned = 0;
  if (att == NULL || !hutch_path_exists(att))
    return 0;
  return hutch_net_cleanup_stale(&nc.ctx, ctr_holds_network, e, cleaned, err);
}

/* ---- inspect, ports ---- */

json_t *hutch_engine_net_inspect(struct hutch_engine *e, struct hutch_ctr *c) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  json_t *net = net_of(c);
  struct hutch_net_attachment *atts = NULL;
  size_t n_atts = 0;
  struct hutch_error *err = NULL;
  if (hutch_net_attachments(&nc.ctx, c->id, &atts, &n_atts, &err) < 0) {
    hutch_error_free(err);
    n_atts = 0;
  }
  const char *netns = json_string_value(json_object_get(json_object_get(c->rec, "Hutch"), "NetNS"));
  json_t *ports = json_object(), *networks = json_object();
  /* every exposed port, null unless published (docker's shape) */
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(json_object_get(c->rec, "Config"), "ExposedPorts"), k, v)
      json_object_set_new(ports, k, json_null());
  json_t *ns = json_pack("{s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:i, s:s}", "Bridge", "", "SandboxID",
                         "", "HairpinMode", 0, "SandboxKey", netns ? netns : "", "Ports", ports,
                         "Gateway", "", "IPAddress", "", "IPPrefixLen", 0, "MacAddress", "");
  json_object_set_new(ns, "Networks", networks);
  const char *mode =
      json_string_value(json_object_get(json_object_get(c->rec, "HostConfig"), "NetworkMode"));
  if (mode && (strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0))
    json_object_set_new(networks, mode,
                        json_pack("{s:n, s:s, s:s, s:s, s:i, s:s}", "Aliases", "NetworkID", "",
                                  "Gateway", "", "IPAddress", "", "IPPrefixLen", 0, "MacAddress",
                                  ""));
  size_t i;
  json_t *nw;
  json_array_foreach(json_object_get(net, "networks"), i, nw) {
    const char *name = json_string_value(json_object_get(nw, "name"));
    if (name == NULL)
      continue;
    const struct hutch_net_attachment *a = NULL;
    for (size_t j = 0; j < n_atts; j++)
      if (strcmp(atts[j].network, name) == 0)
        a = &atts[j];
    _cleanup_network_ struct hutch_network *nobj = NULL;
    struct hutch_error *le = NULL;
    hutch_network_load(&nc.ctx, name, &nobj, &le);
    hutch_error_free(le);
    json_t *aliases = json_object_get(nw, "aliases");
    json_t *ep = json_pack("{s:O, s:s, s:s, s:s, s:s, s:i, s:s}", "Aliases",
                           json_array_size(aliases) ? aliases : json_null(), "NetworkID",
                           nobj ? nobj->id : "", "EndpointID", a ? a->host_ifname : "", "Gateway",
                           a ? a->gateway : "", "IPAddress", a ? a->ip : "", "IPPrefixLen",
                           a ? (int)a->prefixlen : 0, "MacAddress", a ? a->mac : "");
    json_object_set_new(networks, name, ep);
    if (a && strcmp(name, HUTCH_NET_DEFAULT_NAME) == 0) {
      json_object_set_new(ns, "IPAddress", json_string(a->ip));
      json_object_set_new(ns, "Gateway", json_string(a->gateway));
      json_object_set_new(ns, "MacAddress", json_string(a->mac));
      json_object_set_new(ns, "IPPrefixLen", json_integer(a->prefixlen));
    }
    for (size_t p = 0; a && p < a->n_ports; p++) {
      char key[16], ip[HUTCH_IPV4_STRLEN], port[8];
      hutch_port_key(&a->ports[p], key);
      snprintf(port, sizeof(port), "%u", a->ports[p].host_port);
      json_t *l = json_object_get(ports, key);
      if (!json_is_array(l)) {
        l = json_array();
        json_object_set_new(ports, key, l);
      }
      json_array_append_new(l, json_pack("{s:s, s:s}", "HostIp",
                                         hutch_ipv4_format(a->ports[p].host_ip, ip), "HostPort",
                                         port));
    }
  }
  for (size_t j = 0; j < n_atts; j++)
    hutch_net_attachment_clear(&atts[j]);
  free(atts);
  return ns;
}

int hutch_engine_net_ports(struct hutch_engine *e, const char *id, struct hutch_port_mapping **out,
                           size_t *n, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  struct hutch_net_attachment *atts = NULL;
  size_t n_atts = 0;
  *out = NULL;
  *n = 0;
  if (hutch_net_attachments(&nc.ctx, id, &atts, &n_atts, err) < 0)
    return -1;
  int ret = 0;
  for (size_t j = 0; j < n_atts; j++) {
    for (size_t p = 0; p < atts[j].n_ports && ret == 0; p++)
      if (push_mapping(out, n, &atts[j].ports[p]) < 0)
        ret = hutch_error_set(err, ENOMEM, "ports");
    hutch_net_attachment_clear(&atts[j]);
  }
  free(atts);
  return ret;
}

char *hutch_engine_net_ports_text(struct hutch_engine *e, struct hutch_ctr *c) {
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n = 0;
  if (hutch_ctr_running(c) && hutch_engine_net_ports(e, c->id, &ports, &n, NULL) < 0)
    n = 0;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    char key[16], ip[HUTCH_IPV4_STRLEN];
    hutch_port_key(&ports[i], key);
    fprintf(f, "%s%s:%u->%s", i ? ", " : "", hutch_ipv4_format(ports[i].host_ip, ip),
            ports[i].host_port, key);
  }
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* ---- connect, disconnect ---- */

int hutch_engine_net_connect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                             const char *ip, char *const *aliases, struct hutch_error **err) {
  json_t *net = net_of(c);
  const char *mode = json_string_value(json_object_get(net, "mode"));
  if (!net || !owns_netns(net) || (mode && strcmp(mode, "none") == 0))
    return hutch_error_set(
        err, EINVAL, "container %s: its network mode (%s) cannot be connected to other networks",
        c->name, mode ? mode : "unknown");
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  _cleanup_network_ struct hutch_network *nobj = NULL;
  if (hutch_network_load(&nc.ctx, network, &nobj, err) < 0)
    return -1;
  json_t *nets = json_object_get(net, "networks");
  size_t i;
  json_t *nw;
  json_array_foreach(nets, i, nw) {
    if (strcmp(json_string_value(json_object_get(nw, "name")) ?: "", nobj->name) == 0)
      return hutch_error_set(err, EEXIST, "endpoint with name %s already exists in network %s",
                             c->name, nobj->name);
  }
  if (ip) {
    uint32_t a;
    if (hutch_ipv4_parse(ip, &a) < 0)
      return hutch_error_set(err, EINVAL, "--ip %s: not an IPv4 address", ip);
  }
  _cleanup_json_ json_t *entry =
      json_pack("{s:s, s:o, s:o}", "name", nobj->name, "ip", ip ? json_string(ip) : json_null(),
                "aliases", strv_to_json(aliases));
  if (entry == NULL)
    return hutch_error_set(err, ENOMEM, "connect");
  if (hutch_ctr_running(c)) {
    const char *netns =
        json_string_value(json_object_get(json_object_get(c->rec, "Hutch"), "NetNS"));
    /* the next free ethN: attachments count up from eth0 */
    struct hutch_net_attachment *atts = NULL;
    size_t n_atts = 0;
    if (hutch_net_attachments(&nc.ctx, c->id, &atts, &n_atts, err) < 0)
      return -1;
    char ifname[24];
    for (unsigned k = 0;; k++) {
      snprintf(ifname, sizeof(ifname), "eth%u", k);
      bool used = false;
      for (size_t j = 0; j < n_atts; j++)
        used = used || strcmp(atts[j].ifname, ifname) == 0;
      if (!used)
        break;
    }
    for (size_t j = 0; j < n_atts; j++)
      hutch_net_attachment_clear(&atts[j]);
    free(atts);
    struct hutch_net_attachment att = {0};
    int r = attach_one(e, c, netns, entry, ifname, false, &att, err);
    hutch_net_attachment_clear(&att);
    if (r < 0)
      return -1;
  }
  json_array_append(nets, entry);
  return hutch_ctr_save(c, err);
}

int hutch_engine_net_disconnect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                                bool force, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  _cleanup_network_ struct hutch_network *nobj = NULL;
  struct hutch_error *le = NULL;
  /* with --force a network that is gone can still be dropped from the record */
  const char *name = network;
  if (hutch_network_load(&nc.ctx, network, &nobj, &le) < 0) {
    if (!force) {
      if (err)
        *err = le;
      else
        hutch_error_free(le);
      return -1;
    }
    hutch_error_free(le);
  } else {
    name = nobj->name;
  }
  json_t *nets = json_object_get(net_of(c), "networks");
  size_t i;
  json_t *nw;
  json_array_foreach(nets, i, nw) {
    if (strcmp(json_string_value(json_object_get(nw, "name")) ?: "", name) == 0)
      break;
  }
  if (i == json_array_size(nets))
    return hutch_error_set(err, ENOENT, "container %s is not connected to network %s", c->name,
                           name);
  if (hutch_net_detach(&nc.ctx, c->id, name, err) < 0)
    return -1;
  json_array_remove(nets, i);
  return hutch_ctr_save(c, err);
}
