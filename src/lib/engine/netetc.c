/* The container's /etc/hostname, /etc/hosts and /etc/resolv.conf as create
 * writes them into the container's dir (from where they are bind-mounted):
 * their text from the plan and run's --hostname, --add-host and --dns*
 * flags, and the writes. An attach rewrites /etc/hosts once the address is
 * known (net/hosts.c); this is the version the container starts with. */
#include "netetc.h"

#include "net/net.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

char *const *hutch_engine_net_usernet_dns(bool usernet, const char *host_resolv, char *const *dns) {
  static char *const forwarder[] = {"10.0.2.3", NULL};
  if (usernet && dns == NULL && hutch_resolv_loopback_only(host_resolv))
    return forwarder;
  return dns;
}

int hutch_engine_net_write_etc(const struct hutch_engine_net_plan *p,
                               const struct hutch_run_opts *o, const char *name,
                               struct hutch_error **err) {
  _cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL;
  {
    _cleanup_free_ char *hn = NULL;
    if (asprintf(&hn, "%s\n", p->hostname) < 0 || write_file(p->hostname_path, hn, err) < 0)
      return -1;
  }
  if (p->mode == HUTCH_NETMODE_HOST)
    hosts = host_hosts_text(o->add_hosts);
  else
    hosts = own_hosts_text(p->hostname, name, o->add_hosts);
  if (write_file(p->hosts_path, hosts, err) < 0)
    return -1;
  /* HUTCH_HOST_RESOLV_CONF: another host file, for tests */
  const char *src = getenv("HUTCH_HOST_RESOLV_CONF");
  if (hutch_read_file(src && *src ? src : "/etc/resolv.conf", &host_resolv, NULL) < 0)
    host_resolv = strdup("");
  const char *mode = json_string_value(json_object_get(p->net, "mode"));
  char *const *dns =
      hutch_engine_net_usernet_dns(hutch_engine_net_is_usernet(mode), host_resolv, o->dns);
  /* The host's resolvers on 127.x work in the host's namespace only. */
  if (p->mode == HUTCH_NETMODE_HOST && !o->dns && !o->dns_search && !o->dns_options)
    resolv = host_resolv ? strdup(host_resolv) : NULL;
  else
    resolv =
        hutch_resolv_render(host_resolv ? host_resolv : "", dns, o->dns_search, o->dns_options);
  if (write_file(p->resolv_path, resolv, err) < 0)
    return -1;
  return 0;
}
