/* Unit tests for engine/netrecord.c: the record's shape from a plan, and
 * prepare at create (mode, netns path, the /etc files, the ports) in a
 * temporary dir, without touching the host's network. */
#include "tap.h"

#include "engine/engine.h"
#include "engine/netsetup.h"
#include "net_helpers.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* prepare at create: the mode, the netns path, the /etc files, the ports.
 * Nothing here touches the host's network: attaching happens at start. */
static void test_prepare(void) {
  char tmpl[] = "/tmp/test_netsetup.XXXXXX";
  ok(mkdtemp(tmpl) != NULL, "temp dir");
  char root[4200], ns[4200];
  snprintf(root, sizeof(root), "%s/root", tmpl);
  snprintf(ns, sizeof(ns), "%s/netns", tmpl);
  struct hutch_engine e = {.root = root, .netns_dir = ns};
  const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  struct hutch_run_opts o = {0};
  o.dns = strv("10.0.0.53", NULL);
  o.add_hosts = strv("db:10.1.2.3", NULL);
  o.publish = strv("127.0.0.1:18080:80", NULL);
  o.expose = strv("9000/udp", NULL);
  o.publish_all = true;
  char *img_exposed[] = {"443/tcp", NULL};
  struct hutch_engine_net_plan p;
  struct hutch_error *err = NULL;
  int r = hutch_engine_net_prepare(&e, &o, id, "web", tmpl, img_exposed, &p, &err);
  ok(r == 0, "prepare on the default network");
  if (r < 0)
    printf("#   %s\n", err && err->msg ? err->msg : "?");
  hutch_error_free(err);
  err = NULL;
  if (r == 0) {
    char want[4300];
    snprintf(want, sizeof(want), "%s/%s", ns, id);
    is_str(p.netns_path, want, "netns path under the engine's netns dir");
    is_str(p.network_mode, "bridge", "NetworkMode bridge");
    is_str(p.hostname, "0123456789ab", "hostname: the short id");
    _cleanup_free_ char *hosts = slurp(tmpl, "hosts"), *resolv = slurp(tmpl, "resolv.conf"),
                        *hn = slurp(tmpl, "hostname");
    ok(strstr(hosts, "127.0.0.1\tlocalhost") && strstr(hosts, "0123456789ab") &&
           strstr(hosts, "10.1.2.3\tdb"),
       "hosts: localhost, the hostname, --add-host");
    is_str(resolv, "nameserver 10.0.0.53\n", "resolv.conf from --dns");
    is_str(hn, "0123456789ab\n", "hostname file");
    json_t *ports = json_object_get(p.net, "ports");
    is_int((int)json_array_size(ports), 3,
           "-p 80, then -P adds 443/tcp (image) and 9000/udp (--expose)");
    ok(json_object_get(p.port_bindings, "443/tcp") && json_object_get(p.port_bindings, "9000/udp"),
       "PortBindings for the -P ports");
    is_str(json_string_value(
               json_object_get(json_array_get(json_object_get(p.net, "networks"), 0), "name")),
           "bridge", "Hutch.Net names the default network");
  }
  hutch_engine_net_plan_clear(&p);
  hutch_run_opts_clear(&o);

  o.network = strdup("host");
  o.add_hosts = strv("extra.example:10.9.9.9", NULL);
  r = hutch_engine_net_prepare(&e, &o, id, "h", tmpl, NULL, &p, NULL);
  ok(r == 0 && p.netns_path == NULL, "host: no netns of its own");
  {
    _cleanup_free_ char *hosts = slurp(tmpl, "hosts"), *host_hosts = slurp("/etc", "hosts");
    ok(strncmp(hosts, host_hosts, strlen(host_hosts)) == 0 &&
           strstr(hosts, "10.9.9.9\textra.example"),
       "host: the host's /etc/hosts, then --add-host");
    char hn[256] = "";
    gethostname(hn, sizeof(hn) - 1);
    is_str(p.hostname, hn, "host: the host's hostname");
  }
  hutch_engine_net_plan_clear(&p);
  hutch_run_opts_clear(&o);

  o.network = strdup("none");
  o.hostname = strdup("box");
  r = hutch_engine_net_prepare(&e, &o, id, "n", tmpl, NULL, &p, NULL);
  ok(r == 0 && p.netns_path && json_array_size(json_object_get(p.net, "networks")) == 0,
     "none: a netns, no network to attach");
  {
    _cleanup_free_ char *hosts = slurp(tmpl, "hosts");
    ok(strstr(hosts, "box") != NULL, "none: the hostname resolves");
  }
  hutch_engine_net_plan_clear(&p);
  hutch_run_opts_clear(&o);

  o.network = strdup("nosuchnet");
  r = hutch_engine_net_prepare(&e, &o, id, "u", tmpl, NULL, &p, &err);
  ok(r < 0 && err && strstr(err->msg, "nosuchnet"),
     "a user network that does not exist is refused at create");
  hutch_error_free(err);
  hutch_run_opts_clear(&o);
  hutch_rm_rf(tmpl);
}

int main(void) {
  /* the record: HostConfig and Hutch.Net from a plan */
  {
    struct hutch_engine_net_plan p = {0};
    p.mode = HUTCH_NETMODE_BRIDGE;
    p.network_mode = strdup("bridge");
    p.netns_path = strdup("/run/hutch/netns/abc");
    p.hostname = strdup("abc");
    p.hosts_path = strdup("/x/hosts");
    p.net = json_pack("{s:s, s:[], s:[s], s:[], s:[], s:[], s:[{s:s, s:i, s:i, s:s}]}", "mode",
                      "bridge", "networks", "extra_hosts", "db:1.2.3.4", "dns", "dns_search",
                      "dns_options", "ports", "host_ip", "0.0.0.0", "host_port", 0,
                      "container_port", 80, "proto", "tcp");
    struct hutch_port_mapping m = {.host_ip = 0x7f000001, .host_port = 18080, .container_port = 80};
    (void)m;
    p.port_bindings =
        json_pack("{s:[{s:s, s:s}]}", "80/tcp", "HostIp", "127.0.0.1", "HostPort", "18080");
    p.exposed = json_pack("{s:{}}", "9000/udp");
    json_t *rec =
        json_pack("{s:{}, s:{s:{}}, s:{}}", "HostConfig", "Config", "ExposedPorts", "Hutch");
    hutch_engine_net_record(&p, rec);
    json_t *hc = json_object_get(rec, "HostConfig");
    is_str(json_string_value(json_object_get(hc, "NetworkMode")), "bridge",
           "HostConfig.NetworkMode");
    is_str(json_string_value(json_object_get(
               json_array_get(json_object_get(json_object_get(hc, "PortBindings"), "80/tcp"), 0),
               "HostPort")),
           "18080", "HostConfig.PortBindings");
    is_str(json_string_value(json_array_get(json_object_get(hc, "ExtraHosts"), 0)), "db:1.2.3.4",
           "HostConfig.ExtraHosts");
    ok(json_is_true(json_object_get(hc, "PublishAllPorts")),
       "an ephemeral port reads as PublishAllPorts");
    ok(json_object_get(json_object_get(json_object_get(rec, "Config"), "ExposedPorts"),
                       "9000/udp") != NULL,
       "--expose lands in Config.ExposedPorts");
    is_str(json_string_value(json_object_get(json_object_get(rec, "Hutch"), "NetNS")),
           "/run/hutch/netns/abc", "Hutch.NetNS");
    is_str(json_string_value(
               json_object_get(json_object_get(json_object_get(rec, "Hutch"), "Net"), "mode")),
           "bridge", "Hutch.Net");
    is_str(json_string_value(json_object_get(rec, "HostsPath")), "/x/hosts", "HostsPath");
    json_decref(rec);
    hutch_engine_net_plan_clear(&p);
    ok(p.net == NULL && p.netns_path == NULL, "plan cleared");
  }
  test_prepare();
  return done_testing();
}
