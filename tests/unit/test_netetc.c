/* Unit tests for engine/netetc.c: the /etc/hostname, /etc/hosts and
 * /etc/resolv.conf that create writes, in a temporary dir. */
#include "tap.h"

#include "engine/netetc.h"
#include "net_helpers.h"
#include "util/cleanup.h"
#include "util/fs.h"

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
  return done_testing();
}
