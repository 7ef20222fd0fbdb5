/* libFuzzer target for docker's network flags of run/create, which come
 * from the command line (and -P's from an image's ExposedPorts): each
 * input line is given to every parser (--network, -p, --expose,
 * --add-host), then all lines together to -P and to the /etc/hosts and
 * resolv.conf renderers the parsed values end up in. */
#include "fuzz.h"

#include "engine/netsetup.h"
#include "util/cleanup.h"

#include <netinet/in.h>

#define MAX_LINES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  _cleanup_free_ char *buf = fuzz_strndup(data, size);
  if (buf == NULL)
    return 0;
  char *lines[MAX_LINES + 1] = {NULL};
  size_t n_lines = 0;
  for (char *p = buf, *l; n_lines < MAX_LINES && (l = fuzz_next_line(&p));)
    lines[n_lines++] = l;

  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n_ports = 0;
  struct hutch_hosts_entry extra[MAX_LINES];
  char *extra_names[MAX_LINES], *extra_ips[MAX_LINES];
  size_t n_extra = 0;
  for (size_t i = 0; i < n_lines; i++) {
    struct hutch_error *err = NULL;
    enum hutch_netmode mode;
    char *arg = NULL;
    (void)hutch_netmode_parse(lines[i], &mode, &arg, &err);
    free(arg);
    hutch_error_free(err);

    err = NULL;
    size_t before = n_ports;
    if (hutch_publish_parse(lines[i], &ports, &n_ports, &err) == 0) {
      for (size_t k = before; k < n_ports; k++) {
        if (ports[k].container_port == 0 ||
            (ports[k].proto != IPPROTO_TCP && ports[k].proto != IPPROTO_UDP))
          abort();
        char key[16];
        hutch_port_key(&ports[k], key);
      }
    }
    hutch_error_free(err);

    err = NULL;
    uint16_t first, last;
    int proto;
    if (hutch_expose_parse(lines[i], &first, &last, &proto, &err) == 0 &&
        (first == 0 || last < first))
      abort();
    hutch_error_free(err);

    char *name = NULL, *ip = NULL;
    if (hutch_hosts_parse_add_host(lines[i], &name, &ip) == 0) {
      extra_names[n_extra] = name;
      extra_ips[n_extra] = ip;
      extra[n_extra].names = name;
      extra[n_extra].ip = ip;
      n_extra++;
    }
  }

  /* -P with the lines as the image's ExposedPorts */
  struct hutch_error *err = NULL;
  (void)hutch_publish_all(lines, &ports, &n_ports, &err);
  hutch_error_free(err);

  struct hutch_hosts_input in = {
      .ip = "10.88.0.2",
      .hostname = n_lines > 0 ? lines[0] : NULL,
      .name = "fuzz",
      .aliases = lines,
      .extra = extra,
      .n_extra = n_extra,
  };
  free(hutch_hosts_render(&in));
  free(hutch_resolv_render(n_lines > 0 ? lines[0] : "", lines, lines, lines));
  for (size_t i = 0; i < n_extra; i++) {
    free(extra_names[i]);
    free(extra_ips[i]);
  }
  return 0;
}
