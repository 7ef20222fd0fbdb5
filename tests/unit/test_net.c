/* Unit tests for engine/net/: CIDR arithmetic, the address allocator
 * (allocation, release, persistence, exhaustion, concurrency), the network
 * store, nft rule rendering (checked by the kernel in dry-run mode), and
 * /etc/hosts and /etc/resolv.conf generation. Nothing here changes the
 * host's interfaces or rules. */
#include "tap.h"

#include "engine/net/ipam.h"
#include "engine/net/net.h"
#include "engine/net/nft.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static uint32_t ip(const char *s) {
  uint32_t a = 0;
  hutch_ipv4_parse(s, &a);
  return a;
}

static void test_cidr(void) {
  struct hutch_cidr c;
  char buf[HUTCH_CIDR_STRLEN], ab[HUTCH_IPV4_STRLEN];
  is_int(hutch_cidr_parse("10.88.0.0/16", &c), 0, "parse 10.88.0.0/16");
  is_int(c.prefix, 16, "prefix 16");
  is_str(hutch_cidr_format(&c, buf), "10.88.0.0/16", "round trip");
  is_str(hutch_ipv4_format(hutch_cidr_broadcast(&c), ab), "10.88.255.255", "broadcast");
  is_int(hutch_cidr_parse("10.88.0.1/16", &c), -EINVAL, "host bits set refused");
  is_int(hutch_cidr_parse("10.88.0.0", &c), -EINVAL, "no prefix");
  is_int(hutch_cidr_parse("10.88.0.0/31", &c), -EINVAL, "/31 leaves no hosts");
  is_int(hutch_cidr_parse("10.88.0.0/033", &c), -EINVAL, "leading zero prefix");
  is_int(hutch_cidr_parse("10.88/16", &c), -EINVAL, "shorthand address refused");
  is_int(hutch_cidr_parse("10.88.0.0/", &c), -EINVAL, "empty prefix");
  is_int(hutch_cidr_parse("300.0.0.0/8", &c), -EINVAL, "octet out of range");
  is_int(hutch_cidr_parse("0.0.0.0/0", &c), 0, "/0 parses");
  uint32_t a;
  is_int(hutch_ipv4_parse("1.2.3.4", &a), 0, "parse address");
  is_int(a, 0x01020304, "host byte order");
  is_int(hutch_ipv4_parse("1.2.3", &a), -EINVAL, "three octets refused");

  struct hutch_cidr s24, s16, other;
  hutch_cidr_parse("10.89.3.0/24", &s24);
  hutch_cidr_parse("10.89.0.0/16", &s16);
  hutch_cidr_parse("10.90.0.0/16", &other);
  ok(hutch_cidr_contains(&s24, ip("10.89.3.77")), "contains");
  ok(!hutch_cidr_contains(&s24, ip("10.89.4.1")), "does not contain");
  ok(hutch_cidr_overlaps(&s24, &s16) && hutch_cidr_overlaps(&s16, &s24), "overlap both ways");
  ok(!hutch_cidr_overlaps(&s16, &other), "disjoint");
  ok(!hutch_cidr_is_host(&s24, ip("10.89.3.0")), "network address is no host");
  ok(!hutch_cidr_is_host(&s24, ip("10.89.3.255")), "broadcast is no host");
  ok(hutch_cidr_is_host(&s24, ip("10.89.3.1")), ".1 is a host");
}

static char *mktemp_dir(void) {
  char *t = strdup("/tmp/hutch-net-test-XXXXXX");
  return mkdtemp(t);
}

static void test_ipam(void) {
  _cleanup_free_ char *dir = mktemp_dir();
  struct hutch_cidr s;
  hutch_cidr_parse("10.199.0.0/29", &s); /* hosts .1-.6; .1 is the gateway */
  uint32_t gw = ip("10.199.0.1"), a = 0, b = 0, c = 0;
  char ab[HUTCH_IPV4_STRLEN];
  struct hutch_error *e = NULL;

  is_int(hutch_ipam_allocate(dir, "t", &s, gw, 0, "c1", &a, &e), 0, "allocate for c1");
  is_str(hutch_ipv4_format(a, ab), "10.199.0.2", "first free after the gateway");
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, 0, "c2", &b, &e), 0, "allocate for c2");
  is_str(hutch_ipv4_format(b, ab), "10.199.0.3", "next address");
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, 0, "c1", &c, &e), 0, "allocate again for c1");
  is_int(c, a, "idempotent: same owner, same address");
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, ip("10.199.0.3"), "c3", &c, &e), -EADDRINUSE,
         "requested address held by c2");
  hutch_error_free(e);
  e = NULL;
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, gw, "c3", &c, &e), -EINVAL, "gateway refused");
  hutch_error_free(e);
  e = NULL;
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, ip("10.199.0.7"), "c3", &c, &e), -EINVAL,
         "broadcast refused");
  hutch_error_free(e);
  e = NULL;
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, ip("10.199.0.6"), "c3", &c, &e), 0,
         "requested free address");
  is_str(hutch_ipv4_format(c, ab), "10.199.0.6", "got the requested one");

  /* Release c1; the next allocation does not reuse .2 at once. */
  is_int(hutch_ipam_release(dir, "t", "c1", &e), 0, "release c1");
  uint32_t l;
  is_int(hutch_ipam_lookup(dir, "t", "c1", &l, &e), -ENOENT, "c1 holds nothing");
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, 0, "c4", &c, &e), 0, "allocate c4");
  is_str(hutch_ipv4_format(c, ab), "10.199.0.4", "continues after the last one handed out");
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, 0, "c5", &c, &e), 0, "allocate c5");
  is_str(hutch_ipv4_format(c, ab), "10.199.0.5", ".5");
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, 0, "c6", &c, &e), 0, "allocate c6 wraps");
  is_str(hutch_ipv4_format(c, ab), "10.199.0.2", "wrapped to the released .2");
  is_int(hutch_ipam_allocate(dir, "t", &s, gw, 0, "c7", &c, &e), -ENOSPC, "pool full");
  hutch_error_free(e);
  e = NULL;

  /* Persistence: a fresh lookup (another process would do the same)
   * sees what was allocated. */
  is_int(hutch_ipam_lookup(dir, "t", "c2", &l, &e), 0, "c2 found after reload");
  is_str(hutch_ipv4_format(l, ab), "10.199.0.3", "c2 still .3");
  is_int(hutch_ipam_release(dir, "t", "nobody", &e), 0, "release of unknown owner is fine");
  is_int(hutch_ipam_release(dir, "missing-pool", "c2", &e), 0, "release in missing pool is fine");

  /* A pool under another subnet starts over. */
  struct hutch_cidr s2;
  hutch_cidr_parse("10.198.0.0/24", &s2);
  is_int(hutch_ipam_allocate(dir, "t", &s2, ip("10.198.0.1"), 0, "c2", &c, &e), 0,
         "allocate after the subnet changed");
  is_str(hutch_ipv4_format(c, ab), "10.198.0.2", "old allocations dropped");
  is_int(hutch_ipam_drop_pool(dir, "t"), 0, "drop pool");
  is_int(hutch_ipam_lookup(dir, "t", "c2", &l, &e), -ENOENT, "dropped pool is empty");
  hutch_error_free(e);
  e = NULL;

  /* Concurrency: 8 processes x 10 allocations, all distinct. */
  struct hutch_cidr big;
  hutch_cidr_parse("10.197.0.0/24", &big);
  pid_t kids[8];
  for (int k = 0; k < 8; k++) {
    kids[k] = fork();
    if (kids[k] == 0) {
      for (int i = 0; i < 10; i++) {
        char owner[32];
        uint32_t x;
        snprintf(owner, sizeof(owner), "p%d-%d", k, i);
        if (hutch_ipam_allocate(dir, "par", &big, ip("10.197.0.1"), 0, owner, &x, NULL) < 0)
          _exit(1);
      }
      _exit(0);
    }
  }
  int bad = 0;
  for (int k = 0; k < 8; k++) {
    int st;
    waitpid(kids[k], &st, 0);
    bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  is_int(bad, 0, "parallel allocators succeeded");
  int distinct = 0;
  uint8_t seen[256] = {0};
  for (int k = 0; k < 8; k++)
    for (int i = 0; i < 10; i++) {
      char owner[32];
      uint32_t x = 0;
      snprintf(owner, sizeof(owner), "p%d-%d", k, i);
      if (hutch_ipam_lookup(dir, "par", owner, &x, NULL) == 0 && !seen[x & 0xff]++)
        distinct++;
    }
  is_int(distinct, 80, "80 owners hold 80 distinct addresses");
  hutch_rm_rf(dir);
}

static void test_pools(void) {
  struct hutch_cidr c;
  char sb[HUTCH_CIDR_STRLEN];
  ok(hutch_net_pool_subnet(0, &c), "pool 0");
  is_str(hutch_cidr_format(&c, sb), "172.17.0.0/16", "pool 0: docker0's");
  ok(hutch_net_pool_subnet(1, &c), "pool 1");
  is_str(hutch_cidr_format(&c, sb), "172.18.0.0/16", "pool 1: the first user network's");
  ok(hutch_net_pool_subnet(14, &c), "pool 14");
  is_str(hutch_cidr_format(&c, sb), "172.31.0.0/16", "pool 14: the last /16");
  ok(hutch_net_pool_subnet(15, &c), "pool 15");
  is_str(hutch_cidr_format(&c, sb), "192.168.0.0/20", "pool 15: 192.168 in /20s");
  ok(hutch_net_pool_subnet(30, &c), "pool 30");
  is_str(hutch_cidr_format(&c, sb), "192.168.240.0/20", "pool 30: the last");
  ok(!hutch_net_pool_subnet(31, &c), "no pool 31");
  /* none overlaps another, nor podman's 10.88.0.0/16 and 10.89.0.0/16 */
  struct hutch_cidr all[31], podman[2];
  hutch_cidr_parse("10.88.0.0/16", &podman[0]);
  hutch_cidr_parse("10.89.0.0/16", &podman[1]);
  int bad = 0;
  for (unsigned i = 0; i < 31; i++) {
    hutch_net_pool_subnet(i, &all[i]);
    for (unsigned k = 0; k < i; k++)
      bad += hutch_cidr_overlaps(&all[i], &all[k]);
    bad += hutch_cidr_overlaps(&all[i], &podman[0]) + hutch_cidr_overlaps(&all[i], &podman[1]);
  }
  is_int(bad, 0, "pools are disjoint and clear of podman's");
}

static void test_store(void) {
  _cleanup_free_ char *dir = mktemp_dir();
  struct hutch_net_ctx ctx = {.state_dir = dir, .nft_table = "hutch_unit"};
  struct hutch_error *e = NULL;
  _cleanup_network_ struct hutch_network *def = NULL;
  is_int(hutch_network_ensure_default(&ctx, &def, &e), 0, "default network");
  is_str(def ? def->bridge : NULL, "hutch0", "default bridge hutch0");
  char sb[HUTCH_CIDR_STRLEN], gb[HUTCH_IPV4_STRLEN];
  /* docker's 172.17/16 unless the host already holds it; then the pools */
  ok(def && (strcmp(hutch_cidr_format(&def->subnet, sb), "172.17.0.0/16") == 0 ||
             strncmp(sb, "172.", 4) == 0 || strncmp(sb, "192.168.", 8) == 0),
     "default subnet %s", sb);
  _cleanup_network_ struct hutch_network *again = NULL;
  is_int(hutch_network_ensure_default(&ctx, &again, &e), 0, "default again");
  is_str(again ? again->id : NULL, def ? def->id : NULL, "same default network");

  struct hutch_network_opts o = {.subnet = "10.199.50.0/24", .bridge = "hutch-tu"};
  _cleanup_network_ struct hutch_network *n = NULL;
  is_int(hutch_network_create(&ctx, "unet", &o, &n, &e), 0, "create unet");
  is_str(n ? hutch_ipv4_format(n->gateway, gb) : NULL, "10.199.50.1", "default gateway .1");
  is_int(strlen(n ? n->id : ""), 64, "64 hex id");
  struct hutch_network *tmp = NULL;
  is_int(hutch_network_create(&ctx, "unet", &o, &tmp, &e), -EEXIST, "duplicate name");
  hutch_error_free(e);
  e = NULL;
  struct hutch_network_opts o2 = {.subnet = "10.199.50.128/25"};
  is_int(hutch_network_create(&ctx, "overlap", &o2, &tmp, &e), -EADDRINUSE, "overlapping subnet");
  hutch_error_free(e);
  e = NULL;
  struct hutch_network_opts o3 = {.subnet = "10.199.51.0/24", .gateway = "10.199.52.1"};
  is_int(hutch_network_create(&ctx, "badgw", &o3, &tmp, &e), -EINVAL, "gateway outside subnet");
  hutch_error_free(e);
  e = NULL;
  struct hutch_network_opts lo = {.subnet = "10.199.53.0/24", .bridge = "lo"};
  is_int(hutch_network_create(&ctx, "takelo", &lo, &tmp, &e), -EEXIST,
         "an existing host interface is never adopted as bridge");
  hutch_error_free(e);
  e = NULL;
  is_int(hutch_network_create(&ctx, "bad/name", NULL, &tmp, &e), -EINVAL, "bad name");
  hutch_error_free(e);
  e = NULL;
  _cleanup_network_ struct hutch_network *auto1 = NULL, *auto2 = NULL;
  is_int(hutch_network_create(&ctx, "auto1", NULL, &auto1, &e), 0, "auto subnet 1");
  is_int(hutch_network_create(&ctx, "auto2", NULL, &auto2, &e), 0, "auto subnet 2");
  ok(auto1 && auto2 && !hutch_cidr_overlaps(&auto1->subnet, &auto2->subnet),
     "auto subnets do not overlap");
  char ab[HUTCH_CIDR_STRLEN];
  ok(auto1 && ((auto1->subnet.prefix == 16 && auto1->subnet.addr >> 24 == 172) ||
               (auto1->subnet.prefix == 20 && auto1->subnet.addr >> 16 == (192u << 8 | 168))),
     "auto subnet from docker's pools: %s", auto1 ? hutch_cidr_format(&auto1->subnet, ab) : "none");
  ok(auto1 && strncmp(auto1->bridge, "br-", 3) == 0 && strlen(auto1->bridge) == 15,
     "bridge br-<12 hex>");

  _cleanup_network_ struct hutch_network *byid = NULL;
  char prefix[13];
  snprintf(prefix, sizeof(prefix), "%.12s", n ? n->id : "");
  is_int(hutch_network_load(&ctx, prefix, &byid, &e), 0, "load by id prefix");
  is_str(byid ? byid->name : NULL, "unet", "found unet by id");

  struct hutch_network **v;
  size_t cnt;
  is_int(hutch_network_list(&ctx, &v, &cnt, &e), 0, "list");
  is_int(cnt, 4, "four networks");
  is_str(cnt ? v[0]->name : NULL, "auto1", "sorted by name");
  hutch_network_list_free(v, cnt);

  json_t *j = n ? hutch_network_inspect(&ctx, n, &e) : NULL;
  is_str(json_string_value(json_object_get(j, "Name")), "unet", "inspect Name");
  is_str(json_string_value(json_object_get(
             json_array_get(json_object_get(json_object_get(j, "IPAM"), "Config"), 0), "Subnet")),
         "10.199.50.0/24", "inspect IPAM subnet");
  is_int(json_object_size(json_object_get(j, "Containers")), 0, "no containers");
  if (j)
    json_decref(j);

  is_int(hutch_network_remove(&ctx, "bridge", &e), -EPERM, "default network cannot be removed");
  hutch_error_free(e);
  e = NULL;
  is_int(hutch_network_remove(&ctx, "unet", &e), 0, "remove unet");
  is_int(hutch_network_load(&ctx, "unet", &tmp, &e), -ENOENT, "unet gone");
  hutch_error_free(e);
  e = NULL;
  _cleanup_strv_ char **removed = NULL;
  is_int(hutch_network_prune(&ctx, &removed, &e), 0, "prune");
  is_int(hutch_strv_len(removed), 2, "pruned auto1 and auto2, kept the default");
  is_int(hutch_network_list(&ctx, &v, &cnt, &e), 0, "list after prune");
  is_int(cnt, 1, "only the default network left");
  hutch_network_list_free(v, cnt);
  if (e) {
    hutch_error_print(stdout, "# test_net", e);
    hutch_error_free(e);
  }
  hutch_rm_rf(dir);
}

static void test_nft_render(void) {
  struct hutch_nft_network nets[3] = {
      {"hutch-ta", {0}, false}, {"hutch-tb", {0}, false}, {"hutch-ti", {0}, true}};
  hutch_cidr_parse("10.199.1.0/24", &nets[0].subnet);
  hutch_cidr_parse("10.199.2.0/24", &nets[1].subnet);
  hutch_cidr_parse("10.199.3.0/24", &nets[2].subnet);
  struct hutch_nft_port ports[2] = {
      {ip("127.0.0.1"), 18080, ip("10.199.1.2"), 80, IPPROTO_TCP},
      {0, 5353, ip("10.199.2.2"), 53, IPPROTO_UDP},
  };
  _cleanup_free_ char *r = hutch_nft_render("hutch_unit", nets, 3, ports, 2);
  ok(r && strstr(r, "ip daddr 127.0.0.1 tcp dport 18080 dnat to 10.199.1.2:80\n"),
     "DNAT for a port on 127.0.0.1");
  ok(r && strstr(r, "    udp dport 5353 dnat to 10.199.2.2:53\n"), "DNAT on any address");
  ok(r && strstr(r, "ip saddr 10.199.1.0/24 ip daddr != 10.199.1.0/24 masquerade"),
     "masquerade leaving the subnet");
  ok(r && strstr(r, "oifname \"hutch-ta\" ip saddr 127.0.0.0/8 masquerade"),
     "masquerade of localhost into the bridge");
  ok(r && strstr(r, "oifname \"hutch-ta\" ip saddr 10.199.1.0/24 ct status dnat masquerade"),
     "hairpin masquerade through published ports");
  ok(r && !strstr(r, "ip saddr 10.199.3.0/24"), "no masquerade for the internal network");
  ok(r && strstr(r, "iifname \"hutch-ta\" oifname { \"hutch-tb\", \"hutch-ti\" } drop"),
     "isolation between bridges");
  ok(r && strstr(r, "iifname \"hutch-ti\" oifname != \"hutch-ti\" drop"), "internal: no way out");
  ok(r && strncmp(r, "table ip hutch_unit {}\ndelete table ip hutch_unit\n", 48) == 0,
     "replaces the whole table atomically");
  ok(r && !strstr(r, "table inet") && !strstr(r, "flush ruleset"), "touches no other table");
  struct hutch_error *e = NULL;
  is_int(r ? hutch_nft_apply(r, true, &e) : -1, 0, "the kernel accepts the rules (dry run)");
  if (e) {
    hutch_error_print(stdout, "# nft", e);
    hutch_error_free(e);
    e = NULL;
  }
  is_int(hutch_nft_table_exists("hutch_unit", &e), 0, "dry run created nothing");
  _cleanup_free_ char *del = hutch_nft_render("hutch_unit", NULL, 0, NULL, 0);
  is_str(del, "table ip hutch_unit {}\ndelete table ip hutch_unit\n", "no networks: delete only");
  ok(!hutch_nft_table_name_ok("a b") && !hutch_nft_table_name_ok("") &&
         hutch_nft_table_name_ok("hutch"),
     "table names checked");
}

/* A bridge name that would end nft's quoted string costs its own network
 * its rules and nothing else. */
static void test_nft_hostile_bridge(void) {
  const char *bad[] = {"x\"; flush ruleset; \"",
                       "br\"x",
                       "br x",
                       "br;x",
                       "br{x}",
                       "br'x",
                       "br\nx",
                       "br$x",
                       "br/x",
                       "",
                       ".",
                       "..",
                       "abcdefghijklmnop"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
    ok(!hutch_nft_ifname_ok(bad[i]), "interface name %zu refused", i);
  ok(hutch_nft_ifname_ok("hutch0") && hutch_nft_ifname_ok("br-a_b.c") &&
         hutch_nft_ifname_ok("abcdefghijklmno"),
     "ordinary interface names pass");
  struct hutch_nft_network nets[2] = {{"x\"; flush ruleset; \"", {0}, false},
                                      {"hutch-tg", {0}, false}};
  hutch_cidr_parse("10.199.4.0/24", &nets[0].subnet);
  hutch_cidr_parse("10.199.5.0/24", &nets[1].subnet);
  _cleanup_free_ char *r = hutch_nft_render("hutch_unit", nets, 2, NULL, 0);
  ok(r && !strstr(r, "flush") && !strstr(r, "10.199.4.0"), "the hostile network gets no rules");
  ok(r && strstr(r, "oifname \"hutch-tg\" ip saddr 10.199.5.0/24 ct status dnat masquerade"),
     "the other network keeps its rules");
  struct hutch_error *e = NULL;
  is_int(r ? hutch_nft_apply(r, true, &e) : -1, 0, "the kernel accepts the rest (dry run)");
  hutch_error_free(e);
}

static void test_hosts(void) {
  char *aliases[] = {"db", "cache", NULL};
  struct hutch_hosts_entry extra[] = {{"192.0.2.7", "registry.local"}};
  struct hutch_hosts_entry peers[] = {{"10.89.0.3", "web 0123456789ab"}};
  struct hutch_hosts_input in = {.ip = "10.89.0.2",
                                 .hostname = "abc123",
                                 .name = "mydb",
                                 .aliases = aliases,
                                 .extra = extra,
                                 .n_extra = 1,
                                 .peers = peers,
                                 .n_peers = 1};
  _cleanup_free_ char *h = hutch_hosts_render(&in);
  is_str(h,
         "127.0.0.1\tlocalhost\n"
         "::1\tlocalhost ip6-localhost ip6-loopback\n"
         "10.89.0.2\tabc123 mydb db cache\n"
         "192.0.2.7\tregistry.local\n"
         "10.89.0.3\tweb 0123456789ab\n",
         "hosts with name, hostname, aliases, --add-host, peers");
  struct hutch_hosts_input none = {.hostname = "box"};
  _cleanup_free_ char *h2 = hutch_hosts_render(&none);
  ok(h2 && strstr(h2, "127.0.1.1\tbox\n"), "--network none: hostname on 127.0.1.1");

  _cleanup_free_ char *n = NULL, *a = NULL;
  is_int(hutch_hosts_parse_add_host("reg:192.0.2.1", &n, &a), 0, "--add-host name:ip");
  is_str(n, "reg", "name");
  is_str(a, "192.0.2.1", "ip");
  _cleanup_free_ char *n6 = NULL, *a6 = NULL;
  is_int(hutch_hosts_parse_add_host("v6:2001:db8::1", &n6, &a6), 0, "--add-host with IPv6");
  is_str(a6, "2001:db8::1", "IPv6 kept whole");
  char *x = NULL, *y = NULL;
  is_int(hutch_hosts_parse_add_host("noaddr", &x, &y), -EINVAL, "missing address");
  is_int(hutch_hosts_parse_add_host("h:not-an-ip", &x, &y), -EINVAL, "bad address");
  is_int(hutch_hosts_parse_add_host("bad host:1.2.3.4", &x, &y), -EINVAL, "bad name");

  const char *host = "# generated\n"
                     "nameserver 127.0.0.53\n"
                     "nameserver 192.0.2.53\n"
                     "nameserver ::1\n"
                     "search example.com\n"
                     "options edns0 trust-ad\n";
  _cleanup_free_ char *r1 = hutch_resolv_render(host, NULL, NULL, NULL);
  is_str(r1, "nameserver 192.0.2.53\nsearch example.com\noptions edns0 trust-ad\n",
         "loopback resolvers dropped, the rest kept");
  _cleanup_free_ char *r2 =
      hutch_resolv_render("nameserver 127.0.0.53\nsearch lan\n", NULL, NULL, NULL);
  is_str(r2, "search lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n",
         "only loopback resolvers: public defaults");
  char *dns[] = {"192.0.2.1", NULL}, *search[] = {"corp", "lan", NULL}, *opts[] = {"ndots:2", NULL};
  _cleanup_free_ char *r3 = hutch_resolv_render(host, dns, search, opts);
  is_str(r3, "nameserver 192.0.2.1\nsearch corp lan\noptions ndots:2\n",
         "--dns, --dns-search, --dns-option replace the host's");
  _cleanup_free_ char *r4 = hutch_resolv_render(NULL, NULL, NULL, NULL);
  ok(r4 && strstr(r4, "nameserver 8.8.8.8"), "no host resolv.conf: not empty");
}

static void test_write_config_file(void) {
  _cleanup_free_ char *dir = mktemp_dir();
  char path[256];
  snprintf(path, sizeof(path), "%s/hosts", dir);
  struct hutch_error *e = NULL;
  is_int(hutch_net_write_config_file(path, "first version, long\n", &e), 0, "write hosts");
  struct stat st1, st2;
  stat(path, &st1);
  is_int(hutch_net_write_config_file(path, "second\n", &e), 0, "rewrite hosts");
  stat(path, &st2);
  is_int(st1.st_ino, st2.st_ino, "rewritten in place (bind mounts keep seeing it)");
  _cleanup_free_ char *buf = NULL;
  hutch_read_file(path, &buf, NULL);
  is_str(buf, "second\n", "truncated to the new content");
  hutch_rm_rf(dir);
}

/* rootless: the loopback-only check behind resolv.conf's 10.0.2.3 */
static void test_usernet(void) {
  ok(hutch_resolv_loopback_only("nameserver 127.0.0.53\nnameserver ::1\nsearch lan\n"),
     "127.x and ::1 only: loopback only");
  ok(!hutch_resolv_loopback_only("nameserver 127.0.0.53\nnameserver 10.1.1.1\n"),
     "one reachable resolver: not loopback only");
  ok(!hutch_resolv_loopback_only("# nameserver 127.0.0.1\nsearch lan\n"),
     "no nameserver at all: not loopback only");
  ok(!hutch_resolv_loopback_only(NULL), "no file: not loopback only");
}

int main(void) {
  test_cidr();
  test_ipam();
  test_pools();
  test_store();
  test_nft_render();
  test_nft_hostile_bridge();
  test_hosts();
  test_write_config_file();
  test_usernet();
  return done_testing();
}
