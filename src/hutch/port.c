/* hutch port CONTAINER [PRIVATE_PORT[/PROTO]]: the published ports of a
 * running container, as docker prints them ("80/tcp -> 127.0.0.1:18080"). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "engine/netsetup.h"
#include "util/cleanup.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_port(int argc, char **argv) {
  int nargs, r = hutch_args_parse("CONTAINER [PRIVATE_PORT[/PROTO]]",
                                  "List port mappings or a specific mapping for the container", 1,
                                  2, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  argc = nargs + 1;
  uint16_t want = 0;
  int want_proto = 0;
  if (argc == 3) {
    uint16_t last;
    struct hutch_error *perr = NULL;
    if (hutch_expose_parse(argv[2], &want, &last, &want_proto, &perr) < 0 || last != want) {
      hutch_error_free(perr);
      return ctr_cli_usage_error("port", "invalid port, want PORT[/tcp|udp]");
    }
  }
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (ctr_cli_open(argv[1], false, &e, &c) != 0)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n = 0;
  if (hutch_ctr_running(c) && hutch_engine_net_ports(e, c, &ports, &n, &err) < 0)
    return ctr_cli_fail(err);
  size_t shown = 0;
  for (size_t i = 0; i < n; i++) {
    if (want && (ports[i].container_port != want || ports[i].proto != want_proto))
      continue;
    char key[16], ip[HUTCH_IPV4_STRLEN];
    hutch_port_key(&ports[i], key);
    if (want)
      printf("%s:%u\n", hutch_ipv4_format(ports[i].host_ip, ip), ports[i].host_port);
    else
      printf("%s -> %s:%u\n", key, hutch_ipv4_format(ports[i].host_ip, ip), ports[i].host_port);
    shown++;
  }
  if (want && shown == 0) {
    fprintf(stderr, "hutch: no public port '%s' published for %s\n", argv[2], argv[1]);
    return 1;
  }
  return 0;
}
