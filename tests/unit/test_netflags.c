/* Unit tests for engine/netflags.c: docker's network flags (--network, -p,
 * --expose, -P, the validation of run's network options). */
#include "tap.h"

#include "engine/netflags.h"
#include "net_helpers.h"
#include "util/cleanup.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void mode_is(const char *s, enum hutch_netmode want, const char *want_arg) {
  enum hutch_netmode m = 99;
  char *arg = NULL;
  int r = hutch_netmode_parse(s, &m, &arg, NULL);
  ok(r == 0 && m == want &&
         ((want_arg == NULL && arg == NULL) || (want_arg && arg && strcmp(arg, want_arg) == 0)),
     "--network %s → mode %d arg %s", s ? s : "(unset)", want, want_arg ? want_arg : "NULL");
  free(arg);
}

static void mode_bad(const char *s) {
  enum hutch_netmode m;
  char *arg = NULL;
  struct hutch_error *err = NULL;
  ok(hutch_netmode_parse(s, &m, &arg, &err) < 0 && err != NULL, "--network \"%s\" refused", s);
  hutch_error_free(err);
  free(arg);
}

/* Parse one -p and compare with "ip:host:ctr/proto" lines. */
static void publish_is(const char *s, const char *want) {
  struct hutch_port_mapping *v = NULL;
  size_t n = 0;
  struct hutch_error *err = NULL;
  int r = hutch_publish_parse(s, &v, &n, &err);
  char got[512] = "";
  for (size_t i = 0; r == 0 && i < n; i++) {
    char ip[HUTCH_IPV4_STRLEN], one[64];
    snprintf(one, sizeof(one), "%s%s:%u:%u/%s", i ? " " : "", hutch_ipv4_format(v[i].host_ip, ip),
             v[i].host_port, v[i].container_port, v[i].proto == IPPROTO_UDP ? "udp" : "tcp");
    strcat(got, one);
  }
  ok(r == 0 && strcmp(got, want) == 0, "-p %s → %s", s, want);
  if (r != 0 || strcmp(got, want) != 0)
    printf("#   r=%d got \"%s\"\n", r, got);
  hutch_error_free(err);
  free(v);
}

static void publish_bad(const char *s, const char *want_msg) {
  struct hutch_port_mapping *v = NULL;
  size_t n = 0;
  struct hutch_error *err = NULL;
  int r = hutch_publish_parse(s, &v, &n, &err);
  ok(r < 0 && err && strstr(err->msg, want_msg), "-p %s refused: %s", s, want_msg);
  if (err && !strstr(err->msg, want_msg))
    printf("#   message: %s\n", err->msg);
  hutch_error_free(err);
  free(v);
}

static void validate_is(struct hutch_run_opts *o, const char *want_msg, const char *what) {
  struct hutch_error *err = NULL;
  int r = hutch_engine_net_validate(o, &err);
  if (want_msg == NULL) {
    ok(r == 0, "valid: %s", what);
    if (r != 0)
      printf("#   %s\n", err && err->msg ? err->msg : "?");
  } else {
    ok(r < 0 && err && strstr(err->msg, want_msg), "refused: %s", what);
    if (r == 0 || !err || !strstr(err->msg, want_msg))
      printf("#   got: %s\n", err && err->msg ? err->msg : "(accepted)");
  }
  hutch_error_free(err);
}

int main(void) {
  mode_is(NULL, HUTCH_NETMODE_BRIDGE, "bridge");
  mode_is("bridge", HUTCH_NETMODE_BRIDGE, "bridge");
  mode_is("default", HUTCH_NETMODE_BRIDGE, "bridge");
  mode_is("none", HUTCH_NETMODE_NONE, NULL);
  mode_is("host", HUTCH_NETMODE_HOST, NULL);
  mode_is("container:web", HUTCH_NETMODE_CONTAINER, "web");
  mode_is("mynet", HUTCH_NETMODE_USER, "mynet");
  mode_bad("");
  mode_bad("container:");

  publish_is("80", "0.0.0.0:0:80/tcp");
  publish_is("8080:80", "0.0.0.0:8080:80/tcp");
  publish_is("127.0.0.1:18080:80", "127.0.0.1:18080:80/tcp");
  publish_is("127.0.0.1::80", "127.0.0.1:0:80/tcp");
  publish_is("0.0.0.0:53:53/udp", "0.0.0.0:53:53/udp");
  publish_is("53/udp", "0.0.0.0:0:53/udp");
  publish_is("8000-8002:80-82", "0.0.0.0:8000:80/tcp 0.0.0.0:8001:81/tcp 0.0.0.0:8002:82/tcp");
  publish_is("90-91", "0.0.0.0:0:90/tcp 0.0.0.0:0:91/tcp");
  publish_bad("80/sctp", "invalid proto");
  publish_bad("0", "invalid container port");
  publish_bad("70000", "invalid container port");
  publish_bad("abc", "invalid container port");
  publish_bad("8080:", "invalid container port");
  publish_bad("x:8080:80", "not an IPv4 address");
  publish_bad("1.2.3.4:5:6:7", "want [ip:]");
  publish_bad("[::1]:80:80", "IPv6");
  publish_bad("8000-8001:80", "differ in length");
  publish_bad("9-8", "invalid container port");

  /* -P: the exposed ports not published by -p, each on an ephemeral port */
  {
    struct hutch_port_mapping *v = NULL;
    size_t n = 0;
    struct hutch_error *err = NULL;
    char *exposed[] = {"80/tcp", "53/udp", "8000-8001", NULL};
    ok(hutch_publish_parse("8080:80", &v, &n, &err) == 0, "-p 8080:80");
    ok(hutch_publish_all(exposed, &v, &n, &err) == 0, "-P over 80/tcp 53/udp 8000-8001");
    is_int((int)n, 4, "80 once (as -p gave it), 53/udp, 8000, 8001");
    ok(n == 4 && v[0].host_port == 8080 && v[1].container_port == 53 && v[1].proto == IPPROTO_UDP &&
           v[1].host_port == 0 && v[2].container_port == 8000 && v[3].container_port == 8001,
       "ephemeral mappings in order");
    char key[16];
    hutch_port_key(&v[1], key);
    is_str(key, "53/udp", "port key");
    char *bad[] = {"80/xyz", NULL};
    ok(hutch_publish_all(bad, &v, &n, &err) < 0 && err, "-P refuses a bad ExposedPorts key");
    hutch_error_free(err);
    free(v);
  }
  {
    /* every port: -p of a whole range, and -P over an image exposing all
     * of them, in linear time (a scan per port, and a realloc per port
     * where realloc copies as under ASan, took seconds; found by
     * tests/fuzz/fuzz_netsetup) */
    struct hutch_port_mapping *v = NULL;
    size_t n = 0;
    struct hutch_error *err = NULL;
    char *all[] = {"1-65535/tcp", "1-65535/udp", "80", NULL};
    clock_t t0 = clock();
    ok(hutch_publish_parse("8080:80", &v, &n, &err) == 0 &&
           hutch_publish_parse("1-65535/udp", &v, &n, &err) == 0 &&
           hutch_publish_all(all, &v, &n, &err) == 0,
       "-p 8080:80 -p 1-65535/udp -P over 1-65535/tcp and udp");
    double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
    is_int((int)n, 2 * 65535, "each port and protocol once, 80/tcp as -p gave it");
    ok(n == 2 * 65535 && v[0].host_port == 8080 && v[1].container_port == 1 &&
           v[1].proto == IPPROTO_UDP && v[65536].container_port == 1 &&
           v[65536].proto == IPPROTO_TCP && v[65536 + 78].container_port == 79 &&
           v[65536 + 79].container_port == 81,
       "in order");
    ok(cpu < 1.0, "in %.3f s of CPU", cpu);
    free(v);
  }
  {
    uint16_t f, l;
    int proto;
    ok(hutch_expose_parse("8000-8010/udp", &f, &l, &proto, NULL) == 0 && f == 8000 && l == 8010 &&
           proto == IPPROTO_UDP,
       "--expose 8000-8010/udp");
    ok(hutch_expose_parse("80", &f, &l, &proto, NULL) == 0 && f == 80 && l == 80 &&
           proto == IPPROTO_TCP,
       "--expose 80");
    ok(hutch_expose_parse("0", &f, &l, &proto, NULL) < 0, "--expose 0 refused");
  }

  /* validation of run's network flags as a whole */
  {
    struct hutch_run_opts o = {0};
    validate_is(&o, NULL, "no flags");
    o.network = strdup("host");
    o.publish = strv("80", NULL);
    validate_is(&o, "port publishing", "-p with --network host");
    free(o.network);
    o.network = strdup("none");
    validate_is(&o, "port publishing", "-p with --network none");
    hutch_run_opts_clear(&o);

    o.ip = strdup("10.1.2.3");
    validate_is(&o, "user defined networks only", "--ip on the default network");
    o.network = strdup("mynet");
    validate_is(&o, NULL, "--ip on a user network");
    free(o.ip);
    o.ip = strdup("10.1.2");
    validate_is(&o, "not an IPv4 address", "--ip 10.1.2");
    hutch_run_opts_clear(&o);

    o.net_aliases = strv("db", NULL);
    validate_is(&o, "user defined networks", "--network-alias on the default network");
    o.network = strdup("mynet");
    validate_is(&o, NULL, "--network-alias on a user network");
    hutch_run_opts_clear(&o);

    o.dns = strv("10.0.0.53", "fd00::53");
    o.add_hosts = strv("db:10.0.0.5", "v6:fd00::5");
    o.publish = strv("127.0.0.1:18080:80", "53/udp");
    o.expose = strv("9000-9001/udp", NULL);
    o.publish_all = true;
    validate_is(&o, NULL, "--dns, --add-host, -p, --expose, -P on the default network");
    hutch_strv_free(o.dns);
    o.dns = strv("dns.example", NULL);
    validate_is(&o, "--dns dns.example", "--dns with a name");
    hutch_strv_free(o.dns);
    o.dns = NULL;
    hutch_strv_free(o.add_hosts);
    o.add_hosts = strv("nocolon", NULL);
    validate_is(&o, "--add-host", "--add-host without an address");
    hutch_strv_free(o.add_hosts);
    o.add_hosts = NULL;
    hutch_strv_free(o.publish);
    o.publish = strv("80/sctp", NULL);
    validate_is(&o, "invalid proto", "-p 80/sctp");
    hutch_strv_free(o.publish);
    o.publish = NULL;
    hutch_strv_free(o.expose);
    o.expose = strv("x", NULL);
    validate_is(&o, "--expose", "--expose x");
    hutch_run_opts_clear(&o);

    o.network = strdup("container:web");
    validate_is(&o, NULL, "--network container:web");
    o.hostname = strdup("h");
    validate_is(&o, "conflicting options", "--hostname with container:");
    hutch_run_opts_clear(&o);
  }
  return done_testing();
}
