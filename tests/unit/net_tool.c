/* net_tool: drives the networking library from the integration tests
 * (tests/integration/network/net_lib.bats), one library call per
 * subcommand. State dir and nft table come from HUTCH_NET_STATE and
 * HUTCH_NET_TABLE so tests never touch the real ones; HUTCH_NET_DEBUG=1
 * turns on the library's debug traces. */
#include "engine/net/net.h"
#include "engine/net/netns.h"

#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hutch_net_ctx ctx;

static int fail(struct hutch_error *e) {
  hutch_error_print(stderr, "net_tool", e);
  hutch_error_free(e);
  return 1;
}

/* [ip:]host:container[/proto] or container[/proto] */
static int parse_publish(const char *s, struct hutch_port_mapping *p) {
  memset(p, 0, sizeof(*p));
  _cleanup_free_ char *d = strdup(s);
  char *proto = strchr(d, '/');
  if (proto) {
    *proto++ = '\0';
    p->proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
  }
  char *parts[3] = {0};
  int n = 0;
  for (char *tok = strtok(d, ":"); tok && n < 3; tok = strtok(NULL, ":"))
    parts[n++] = tok;
  if (n == 3 && hutch_ipv4_parse(parts[0], &p->host_ip) < 0)
    return -EINVAL;
  if (n >= 2)
    p->host_port = (uint16_t)atoi(parts[n - 2]);
  p->container_port = (uint16_t)atoi(parts[n - 1]);
  return 0;
}

static void print_attachment(const struct hutch_net_attachment *a) {
  printf("network=%s ifname=%s host_ifname=%s ip=%s prefixlen=%u gateway=%s mac=%s", a->network,
         a->ifname, a->host_ifname, a->ip, a->prefixlen, a->gateway, a->mac);
  for (size_t i = 0; i < a->n_ports; i++)
    printf(" port=%u:%u/%s", a->ports[i].host_port, a->ports[i].container_port,
           a->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp");
  printf("\n");
}

int main(int argc, char **argv) {
  ctx.state_dir = getenv("HUTCH_NET_STATE");
  ctx.nft_table = getenv("HUTCH_NET_TABLE");
  hutch_log_set_prefix("net_tool");
  if (getenv("HUTCH_NET_DEBUG"))
    hutch_log_set_level(HUTCH_LOG_DEBUG);
  if (argc < 2) {
    fprintf(stderr, "usage: net_tool COMMAND ...\n");
    return 2;
  }
  const char *cmd = argv[1];
  struct hutch_error *e = NULL;

  if (strcmp(cmd, "netns-create") == 0 && argc == 4) {
    _cleanup_free_ char *path = NULL;
    if (hutch_netns_create(argv[2], argv[3], &path, &e) < 0)
      return fail(e);
    printf("%s\n", path);
    return 0;
  }
  if (strcmp(cmd, "netns-delete") == 0 && argc == 3)
    return hutch_netns_delete(argv[2], &e) < 0 ? fail(e) : 0;

  if (strcmp(cmd, "create") == 0 && argc >= 3) {
    struct hutch_network_opts o = {0};
    for (int i = 3; i < argc; i++) {
      if (strcmp(argv[i], "--internal") == 0)
        o.internal = true;
      else if (strcmp(argv[i], "--subnet") == 0 && i + 1 < argc)
        o.subnet = argv[++i];
      else if (strcmp(argv[i], "--gateway") == 0 && i + 1 < argc)
        o.gateway = argv[++i];
      else if (strcmp(argv[i], "--bridge") == 0 && i + 1 < argc)
        o.bridge = argv[++i];
      else
        return 2;
    }
    _cleanup_network_ struct hutch_network *n = NULL;
    if (hutch_network_create(&ctx, argv[2], &o, &n, &e) < 0)
      return fail(e);
    printf("%s\n", n->id);
    return 0;
  }
  if (strcmp(cmd, "rm") == 0 && argc == 3)
    return hutch_network_remove(&ctx, argv[2], &e) < 0 ? fail(e) : 0;
  if (strcmp(cmd, "ls") == 0) {
    struct hutch_network **v;
    size_t n;
    if (hutch_network_list(&ctx, &v, &n, &e) < 0)
      return fail(e);
    for (size_t i = 0; i < n; i++) {
      char s[HUTCH_CIDR_STRLEN];
      printf("%s %s %s\n", v[i]->name, v[i]->bridge, hutch_cidr_format(&v[i]->subnet, s));
    }
    hutch_network_list_free(v, n);
    return 0;
  }
  if (strcmp(cmd, "inspect") == 0 && argc == 3) {
    _cleanup_network_ struct hutch_network *n = NULL;
    if (hutch_network_load(&ctx, argv[2], &n, &e) < 0)
      return fail(e);
    json_t *j = hutch_network_inspect(&ctx, n, &e);
    if (j == NULL)
      return fail(e);
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("\n");
    json_decref(j);
    return 0;
  }
  if (strcmp(cmd, "prune") == 0) {
    _cleanup_strv_ char **removed = NULL;
    if (hutch_network_prune(&ctx, &removed, &e) < 0)
      return fail(e);
    for (char **r = removed; r && *r; r++)
      printf("%s\n", *r);
    return 0;
  }
  if (strcmp(cmd, "attach") == 0 && argc >= 5) {
    struct hutch_net_config cfg = {.ctx = ctx, .network = argv[2]};
    struct hutch_port_mapping ports[8];
    _cleanup_strv_ char **aliases = NULL, **extra = NULL;
    for (int i = 5; i < argc; i++) {
      if (strcmp(argv[i], "--ip") == 0 && i + 1 < argc)
        cfg.ip = argv[++i];
      else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
        cfg.name = argv[++i];
      else if (strcmp(argv[i], "--ifname") == 0 && i + 1 < argc)
        cfg.ifname = argv[++i];
      else if (strcmp(argv[i], "--alias") == 0 && i + 1 < argc)
        hutch_strv_push(&aliases, argv[++i]);
      else if (strcmp(argv[i], "--owner") == 0 && i + 1 < argc)
        cfg.owner_pid = atoi(argv[++i]);
      else if (strcmp(argv[i], "--hosts") == 0 && i + 1 < argc)
        cfg.hosts_path = argv[++i];
      else if (strcmp(argv[i], "--hostname") == 0 && i + 1 < argc)
        cfg.hostname = argv[++i];
      else if (strcmp(argv[i], "--add-host") == 0 && i + 1 < argc)
        hutch_strv_push(&extra, argv[++i]);
      else if (strcmp(argv[i], "--own-netns") == 0)
        cfg.own_netns = true;
      else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc && cfg.n_ports < 8) {
        if (parse_publish(argv[++i], &ports[cfg.n_ports++]) < 0)
          return 2;
      } else
        return 2;
    }
    cfg.ports = ports;
    cfg.aliases = aliases;
    cfg.extra_hosts = extra;
    struct hutch_net_attachment a;
    if (hutch_net_attach(&cfg, argv[3], argv[4], &a, &e) < 0)
      return fail(e);
    print_attachment(&a);
    hutch_net_attachment_clear(&a);
    return 0;
  }
  if (strcmp(cmd, "detach") == 0 && (argc == 3 || argc == 4))
    return hutch_net_detach(&ctx, argv[2], argc == 4 ? argv[3] : NULL, &e) < 0 ? fail(e) : 0;
  if (strcmp(cmd, "show") == 0 && argc == 3) {
    struct hutch_net_attachment *v;
    size_t n;
    if (hutch_net_attachments(&ctx, argv[2], &v, &n, &e) < 0)
      return fail(e);
    for (size_t i = 0; i < n; i++) {
      print_attachment(&v[i]);
      hutch_net_attachment_clear(&v[i]);
    }
    free(v);
    return 0;
  }
  if (strcmp(cmd, "set-owner") == 0 && argc == 4)
    return hutch_net_set_owner(&ctx, argv[2], atoi(argv[3]), &e) < 0 ? fail(e) : 0;
  if (strcmp(cmd, "cleanup-stale") == 0) {
    int n = 0;
    if (hutch_net_cleanup_stale(&ctx, NULL, NULL, &n, &e) < 0)
      return fail(e);
    printf("%d\n", n);
    return 0;
  }
  if (strcmp(cmd, "peers") == 0 && (argc == 3 || argc == 4)) {
    struct hutch_hosts_entry *v;
    size_t n;
    if (hutch_net_peers(&ctx, argv[2], argc == 4 ? argv[3] : NULL, &v, &n, &e) < 0)
      return fail(e);
    for (size_t i = 0; i < n; i++)
      printf("%s\t%s\n", v[i].ip, v[i].names);
    hutch_hosts_entries_free(v, n);
    return 0;
  }
  fprintf(stderr, "net_tool: unknown command or wrong arguments: %s\n", cmd);
  return 2;
}
