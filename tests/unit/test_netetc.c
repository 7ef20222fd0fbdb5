/* Unit tests for engine/netetc.c: the /etc/hostname, /etc/hosts and
 * /etc/resolv.conf that create writes, in a temporary dir. */
#include "tap.h"

#include "engine/net/pasta.h"
#include "engine/netetc.h"
#include "net_helpers.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* A plan whose three files go into dir. */
static struct hutch_engine_net_plan plan_in(const char *dir, enum hutch_netmode mode,
                                            const char *hostname) {
  struct hutch_engine_net_plan p = {.mode = mode, .hostname = strdup(hostname)};
  if (asprintf(&p.hostname_path, "%s/hostname", dir) < 0 ||
      asprintf(&p.hosts_path, "%s/hosts", dir) < 0 ||
      asprintf(&p.resolv_path, "%s/resolv.conf", dir) < 0)
    abort();
  return p;
}

/* pasta's command line (net/pasta.c) */
static void test_pasta_argv(void) {
  struct hutch_port_mapping ports[] = {
      {.host_ip = 0x7f000001, .host_port = 8080, .container_port = 80, .proto = IPPROTO_TCP},
      {.host_ip = 0, .host_port = 5353, .container_port = 53, .proto = IPPROTO_UDP},
      {.host_ip = 0, .host_port = 9000, .container_port = 90, .proto = IPPROTO_TCP},
  };
  struct hutch_error *err = NULL;
  _cleanup_strv_ char **v = hutch_pasta_argv("/ns/x", "/ns/x.pasta.pid", ports, 3, &err);
  _cleanup_free_ char *line = v ? hutch_strv_join(v, " ") : NULL;
  ok(line && strstr(line, " -t 127.0.0.1/8080:80 -t 9000:90 -u 5353:53 ") != NULL,
     "pasta: -t IP/HOST:CTR per TCP port, -u per UDP port (%s)", line ? line : "");
  ok(line && strstr(line, "--runas 0 ") && strstr(line, "--ns-ifname tap0 ") &&
         strstr(line, "--address 10.0.2.100 -n 24 --gateway 10.0.2.2 ") &&
         strstr(line, "--dns-forward 10.0.2.3 "),
     "pasta: root in the user namespace, tap0, slirp4netns' addresses, DNS on 10.0.2.3");
  ok(line && strstr(line, "--pid /ns/x.pasta.pid --netns /ns/x") != NULL, "pasta: pid file, netns");
  _cleanup_strv_ char **none = hutch_pasta_argv("/ns/x", "/p", NULL, 0, NULL);
  _cleanup_free_ char *l2 = none ? hutch_strv_join(none, " ") : NULL;
  ok(l2 && strstr(l2, " -t none -u none ") != NULL, "pasta: no ports, -t none -u none");
  ports[0].host_port = 0;
  ok(hutch_pasta_argv("/ns/x", "/p", ports, 1, &err) == NULL && err &&
         strstr(err->msg, "explicit host port"),
     "pasta: a port without a host port is refused");
  hutch_error_free(err);
}

int main(void) {
  char tmpl[] = "/tmp/test_netetc.XXXXXX";
  ok(mkdtemp(tmpl) != NULL, "temp dir");
  _cleanup_free_ char *host_hosts = slurp("/etc", "hosts"),
                      *host_resolv = slurp("/etc", "resolv.conf");

  /* an own netns: the hosts file before any address is known */
  {
    struct hutch_engine_net_plan p = plan_in(tmpl, HUTCH_NETMODE_BRIDGE, "abc");
    struct hutch_run_opts o = {0};
    o.add_hosts = strv("db:10.1.2.3", "bad");
    o.dns = strv("10.0.0.53", NULL);
    o.dns_search = strv("example.com", NULL);
    struct hutch_error *err = NULL;
    ok(hutch_engine_net_write_etc(&p, &o, "web", &err) == 0, "bridge: written");
    hutch_error_free(err);
    _cleanup_free_ char *hn = slurp(tmpl, "hostname"), *hosts = slurp(tmpl, "hosts"),
                        *resolv = slurp(tmpl, "resolv.conf");
    is_str(hn, "abc\n", "hostname file");
    is_str(hosts,
           "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tabc\n"
           "10.1.2.3\tdb\n",
           "hosts: localhost, the hostname, the valid --add-host");
    ok(strstr(resolv, "nameserver 10.0.0.53\n") && strstr(resolv, "search example.com\n"),
       "resolv.conf: --dns and --dns-search");
    const char *ns = strstr(resolv, "nameserver");
    ok(ns && strstr(ns + 1, "nameserver") == NULL, "resolv.conf: --dns replaces the host's");
    hutch_run_opts_clear(&o);
    hutch_engine_net_plan_clear(&p);
  }

  /* --network host: the host's files, with --add-host after its hosts */
  {
    struct hutch_engine_net_plan p = plan_in(tmpl, HUTCH_NETMODE_HOST, "hostbox");
    struct hutch_run_opts o = {0};
    o.add_hosts = strv("extra.example:10.9.9.9", NULL);
    ok(hutch_engine_net_write_etc(&p, &o, "h", NULL) == 0, "host: written");
    _cleanup_free_ char *hosts = slurp(tmpl, "hosts"), *resolv = slurp(tmpl, "resolv.conf");
    size_t hl = strlen(hosts), want = strlen("10.9.9.9\textra.example\n");
    ok(strncmp(hosts, host_hosts, strlen(host_hosts)) == 0 && hl >= want &&
           strcmp(hosts + hl - want, "10.9.9.9\textra.example\n") == 0,
       "host: the host's /etc/hosts, then --add-host");
    is_str(resolv, host_resolv, "host: the host's resolv.conf as it is");
    hutch_strv_free(o.add_hosts);
    o.add_hosts = NULL;
    o.dns = strv("10.0.0.53", NULL);
    ok(hutch_engine_net_write_etc(&p, &o, "h", NULL) == 0, "host with --dns: written");
    _cleanup_free_ char *resolv2 = slurp(tmpl, "resolv.conf");
    ok(strstr(resolv2, "nameserver 10.0.0.53\n") != NULL, "host with --dns: rendered");
    hutch_run_opts_clear(&o);
    hutch_engine_net_plan_clear(&p);
  }

  /* rootless user-mode networks: 10.0.2.3 when the host's resolvers are
   * all on loopback (pure choice, then the file from another host file) */
  {
    char *const *user = strv("192.0.2.1", NULL);
    const char *loop = "nameserver 127.0.0.53\n",
               *mixed = "nameserver 127.0.0.53\nnameserver 10.9.8.7\n";
    char *const *d = hutch_engine_net_usernet_dns(true, loop, NULL);
    ok(d && d[0] && strcmp(d[0], "10.0.2.3") == 0 && d[1] == NULL,
       "usernet, loopback host: 10.0.2.3");
    ok(hutch_engine_net_usernet_dns(true, mixed, NULL) == NULL,
       "usernet, a reachable resolver: the host's");
    ok(hutch_engine_net_usernet_dns(false, loop, NULL) == NULL,
       "root's bridge: the host's (docker's fallback)");
    ok(hutch_engine_net_usernet_dns(true, loop, user) == user, "--dns wins");
    hutch_strv_free((char **)user);

    char src[4200];
    snprintf(src, sizeof(src), "%s/host-resolv", tmpl);
    ok(hutch_write_file(src, "nameserver ::1\nsearch lan\n", 26) == 0, "host file");
    setenv("HUTCH_HOST_RESOLV_CONF", src, 1);
    struct hutch_engine_net_plan p = plan_in(tmpl, HUTCH_NETMODE_BRIDGE, "rl");
    p.net = json_pack("{s:s}", "mode", "pasta");
    struct hutch_run_opts o = {0};
    ok(hutch_engine_net_write_etc(&p, &o, "rl", NULL) == 0, "pasta: written");
    _cleanup_free_ char *resolv = slurp(tmpl, "resolv.conf");
    is_str(resolv, "search lan\nnameserver 10.0.2.3\n", "pasta: the forwarder, the host's search");
    unsetenv("HUTCH_HOST_RESOLV_CONF");
    hutch_engine_net_plan_clear(&p);
  }

  /* a file that cannot be written names its path */
  {
    char bad[4200];
    snprintf(bad, sizeof(bad), "%s/nosuchdir", tmpl);
    struct hutch_engine_net_plan p = plan_in(bad, HUTCH_NETMODE_NONE, "box");
    struct hutch_run_opts o = {0};
    struct hutch_error *err = NULL;
    ok(hutch_engine_net_write_etc(&p, &o, NULL, &err) < 0 && err && strstr(err->msg, "nosuchdir"),
       "an unwritable file is an error naming it");
    hutch_error_free(err);
    hutch_engine_net_plan_clear(&p);
  }
  hutch_rm_rf(tmpl);
  test_pasta_argv();
  return done_testing();
}
