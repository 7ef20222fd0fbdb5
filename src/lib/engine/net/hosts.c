/* /etc/hosts and /etc/resolv.conf for containers: pure text generation,
 * the list of peers on a user network, and the in-place writer. */
#include "netpriv.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *hutch_hosts_render(const struct hutch_hosts_input *in) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  fprintf(f, "127.0.0.1\tlocalhost\n"
             "::1\tlocalhost ip6-localhost ip6-loopback\n");
  if (in->ip && (in->hostname || in->name || (in->aliases && in->aliases[0]))) {
    fprintf(f, "%s\t", in->ip);
    const char *sep = "";
    /* The hostname first: it is what `hostname -f` resolves to. */
    if (in->hostname) {
      fprintf(f, "%s", in->hostname);
      sep = " ";
    }
    if (in->name && (in->hostname == NULL || strcmp(in->name, in->hostname) != 0)) {
      fprintf(f, "%s%s", sep, in->name);
      sep = " ";
    }
    for (char *const *a = in->aliases; a && *a; a++) {
      fprintf(f, "%s%s", sep, *a);
      sep = " ";
    }
    fprintf(f, "\n");
  } else if (in->hostname) {
    /* No address of its own (--network none): the name still resolves. */
    fprintf(f, "127.0.1.1\t%s\n", in->hostname);
  }
  for (size_t i = 0; i < in->n_extra; i++)
    fprintf(f, "%s\t%s\n", in->extra[i].ip, in->extra[i].names);
  for (size_t i = 0; i < in->n_peers; i++)
    fprintf(f, "%s\t%s\n", in->peers[i].ip, in->peers[i].names);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

static bool valid_hostname(const char *s) {
  if (*s == '\0' || strlen(s) > 253)
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '.' || *p == '_'))
      return false;
  return true;
}

int hutch_hosts_parse_add_host(const char *arg, char **name, char **ip) {
  /* docker splits at the first ':' (the address may be IPv6 and hold more);
   * "name=ip" is accepted too, as newer docker does. */
  const char *sep = strpbrk(arg, ":=");
  if (sep == NULL || sep == arg || sep[1] == '\0')
    return -EINVAL;
  _cleanup_free_ char *n = strndup(arg, (size_t)(sep - arg));
  const char *addr = sep + 1;
  if (n == NULL)
    return -ENOMEM;
  unsigned char tmp[sizeof(struct in6_addr)];
  if (!valid_hostname(n) ||
      (inet_pton(AF_INET, addr, tmp) != 1 && inet_pton(AF_INET6, addr, tmp) != 1))
    return -EINVAL;
  char *a = strdup(addr);
  if (a == NULL)
    return -ENOMEM;
  *name = TAKE_PTR(n);
  *ip = a;
  return 0;
}

/* Does a "nameserver X" value point at the host's own loopback? */
static bool loopback_resolver(const char *v) {
  struct in_addr a;
  if (inet_pton(AF_INET, v, &a) == 1)
    return (ntohl(a.s_addr) >> 24) == 127;
  return strcmp(v, "::1") == 0;
}

bool hutch_resolv_loopback_only(const char *host_resolv) {
  int all = 0, loop = 0;
  const char *p = host_resolv ? host_resolv : "";
  while (*p) {
    size_t l = strcspn(p, "\n");
    char kw[16] = "", val[256] = "";
    _cleanup_free_ char *line = strndup(p, l);
    p += l + (p[l] == '\n');
    if (line && sscanf(line, " %15s %255s", kw, val) == 2 && strcmp(kw, "nameserver") == 0) {
      all++;
      loop += loopback_resolver(val);
    }
  }
  return all > 0 && loop == all;
}

char *hutch_resolv_render(const char *host_resolv, char *const *dns, char *const *search,
                          char *const *options) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  int nameservers = 0;
  const char *p = host_resolv ? host_resolv : "";
  while (*p) {
    size_t l = strcspn(p, "\n");
    _cleanup_free_ char *line = strndup(p, l);
    p += l + (p[l] == '\n');
    if (line == NULL)
      continue;
    char kw[16] = "", val[256] = "";
    if (sscanf(line, " %15s %255s", kw, val) < 1 || kw[0] == '#' || kw[0] == ';')
      continue;
    if (strcmp(kw, "nameserver") == 0) {
      if (dns == NULL && val[0] && !loopback_resolver(val)) {
        fprintf(f, "nameserver %s\n", val);
        nameservers++;
      }
    } else if ((strcmp(kw, "search") == 0 || strcmp(kw, "domain") == 0) && search) {
      continue;
    } else if (strcmp(kw, "options") == 0 && options) {
      continue;
    } else {
      fprintf(f, "%s\n", line);
    }
  }
  for (char *const *d = dns; d && *d; d++, nameservers++)
    fprintf(f, "nameserver %s\n", *d);
  if (nameservers == 0)
    fprintf(f, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  if (search && search[0]) {
    fprintf(f, "search");
    for (char *const *s = search; *s; s++)
      fprintf(f, " %s", *s);
    fprintf(f, "\n");
  }
  if (options && options[0]) {
    fprintf(f, "options");
    for (char *const *o = options; *o; o++)
      fprintf(f, " %s", *o);
    fprintf(f, "\n");
  }
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

void hutch_hosts_entries_free(struct hutch_hosts_entry *v, size_t n) {
  for (size_t i = 0; v && i < n; i++) {
    free((char *)v[i].ip);
    free((char *)v[i].names);
  }
  free(v);
}

/* Append to *v the other containers on `network` from the records in
 * `all`: name, aliases, then the short id, as docker's embedded DNS
 * answers. The default network has no name resolution, as in docker. */
static int collect_peers(json_t *all, const char *network, const char *exclude_id,
                         struct hutch_hosts_entry **v, size_t *n) {
  if (strcmp(network, HUTCH_NET_DEFAULT_NAME) == 0)
    return 0;
  size_t i;
  json_t *rec;
  json_array_foreach(all, i, rec) {
    const char *id = json_string_value(json_object_get(rec, "id"));
    const char *name = json_string_value(json_object_get(rec, "name"));
    if (id == NULL || (exclude_id && strcmp(id, exclude_id) == 0))
      continue;
    size_t k;
    json_t *ep;
    json_array_foreach(json_object_get(rec, "networks"), k, ep) {
      const char *nn = json_string_value(json_object_get(ep, "network"));
      const char *ip = json_string_value(json_object_get(ep, "ip"));
      if (nn == NULL || ip == NULL || strcmp(nn, network) != 0)
        continue;
      char *names = NULL;
      size_t nl = 0;
      FILE *f = open_memstream(&names, &nl);
      if (f == NULL)
        return -ENOMEM;
      const char *sep = "";
      if (name && *name) {
        fprintf(f, "%s", name);
        sep = " ";
      }
      size_t j;
      json_t *a;
      json_array_foreach(json_object_get(ep, "aliases"), j, a) {
        fprintf(f, "%s%s", sep, json_string_value(a));
        sep = " ";
      }
      fprintf(f, "%s%.12s", sep, id);
      if (fclose(f) != 0) {
        free(names);
        return -ENOMEM;
      }
      struct hutch_hosts_entry *nv = realloc(*v, (*n + 1) * sizeof(**v));
      char *ipc = strdup(ip);
      if (nv == NULL || ipc == NULL) {
        free(names);
        free(ipc);
        if (nv)
          *v = nv;
        return -ENOMEM;
      }
      *v = nv;
      (*v)[*n].ip = ipc;
      (*v)[*n].names = names;
      (*n)++;
    }
  }
  return 0;
}

int hutch_net_peers(const struct hutch_net_ctx *ctx, const char *network, const char *exclude_id,
                    struct hutch_hosts_entry **out, size_t *n, struct hutch_error **err) {
  *out = NULL;
  *n = 0;
  _cleanup_json_ json_t *all = NULL;
  int r = hutch_net_attachments_all(ctx, &all, err);
  if (r < 0)
    return r;
  r = collect_peers(all, network, exclude_id, out, n);
  if (r < 0) {
    hutch_hosts_entries_free(*out, *n);
    *out = NULL;
    *n = 0;
    return hutch_error_set(err, r, "peers on %s", network);
  }
  return 0;
}

/* The hosts file of one attachment record. */
static char *record_hosts(json_t *all, json_t *rec) {
  json_t *eps = json_object_get(rec, "networks");
  json_t *first = json_array_get(eps, 0);
  const char *id = json_string_value(json_object_get(rec, "id"));
  struct hutch_hosts_entry *peers = NULL, *extra = NULL;
  size_t n_peers = 0, n_extra = 0;
  _cleanup_strv_ char **aliases = NULL;
  char *text = NULL;
  size_t i;
  json_t *ep;
  json_array_foreach(eps, i, ep) {
    const char *nn = json_string_value(json_object_get(ep, "network"));
    if (nn && collect_peers(all, nn, id, &peers, &n_peers) < 0)
      goto out;
  }
  json_t *a;
  json_array_foreach(json_object_get(first, "aliases"), i, a) {
    if (json_is_string(a) && hutch_strv_push(&aliases, json_string_value(a)) < 0)
      goto out;
  }
  json_t *xh = json_object_get(rec, "extra_hosts");
  extra = calloc(json_array_size(xh) + 1, sizeof(*extra));
  if (extra == NULL)
    goto out;
  json_array_foreach(xh, i, a) {
    char *hn = NULL, *hip = NULL;
    if (hutch_hosts_parse_add_host(json_string_value(a) ?: "", &hn, &hip) < 0)
      continue;
    extra[n_extra].ip = hip;
    extra[n_extra].names = hn;
    n_extra++;
  }
  const char *name = json_string_value(json_object_get(rec, "name"));
  const char *hostname = json_string_value(json_object_get(rec, "hostname"));
  struct hutch_hosts_input in = {
      .ip = json_string_value(json_object_get(first, "ip")),
      .hostname = hostname && *hostname ? hostname : NULL,
      .name = name && *name ? name : NULL,
      .aliases = aliases,
      .extra = extra,
      .n_extra = n_extra,
      .peers = peers,
      .n_peers = n_peers,
  };
  text = hutch_hosts_render(&in);
out:
  hutch_hosts_entries_free(peers, n_peers);
  hutch_hosts_entries_free(extra, n_extra);
  return text;
}

void hutch_net_refresh_hosts(const struct hutch_net_ctx *ctx) {
  _cleanup_json_ json_t *all = NULL;
  struct hutch_error *e = NULL;
  if (hutch_net_attachments_all(ctx, &all, &e) < 0) {
    _cleanup_free_ char *t = hutch_error_text(e);
    hutch_warn("refresh /etc/hosts files: %s, ignoring", t ? t : "");
    hutch_error_free(e);
    return;
  }
  size_t i;
  json_t *rec;
  json_array_foreach(all, i, rec) {
    const char *path = json_string_value(json_object_get(rec, "hosts_path"));
    if (path == NULL || *path == '\0' || json_array_size(json_object_get(rec, "networks")) == 0)
      continue;
    _cleanup_free_ char *text = record_hosts(all, rec);
    int r = text ? hutch_write_file(path, text, strlen(text)) : -ENOMEM;
    if (r < 0)
      hutch_warn("write %s: %s, ignoring", path, strerror(-r));
  }
}

int hutch_net_write_config_file(const char *path, const char *content, struct hutch_error **err) {
  int r = hutch_write_file(path, content, strlen(content));
  if (r < 0)
    return hutch_error_set(err, r, "write %s", path);
  return 0;
}
