/* nftables rules for hutch networks; see nft.h.
 *
 * Published ports: DNAT in prerouting (traffic from outside and from
 * containers) and in output (traffic from the host itself, including
 * 127.0.0.1). A packet from 127.0.0.1 that is DNATed out of a bridge would
 * be dropped as a martian unless the bridge has route_localnet=1 (set by
 * the caller), and the container could not answer it, hence the masquerade
 * of 127.0.0.0/8 leaving a bridge. This is what docker does without its
 * userland proxy. */
#include "nft.h"

#include "util/cleanup.h"

#include <errno.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool hutch_nft_table_name_ok(const char *table) {
  size_t n = strlen(table);
  if (n == 0 || n > 32)
    return false;
  for (const char *p = table; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_'))
      return false;
  return true;
}

/* The networks render_net() may name: a bridge name that could end the
 * quoted string ("x\"; flush ruleset") is left out, and only that network
 * loses its rules. Callers refuse such names where they enter; this keeps
 * a record that slipped past them from breaking every other network. */
static bool net_ok(const struct hutch_nft_network *n) {
  return hutch_nft_ifname_ok(n->bridge);
}

char *hutch_nft_render(const char *table, const struct hutch_nft_network *nets, size_t n_nets,
                       const struct hutch_nft_port *ports, size_t n_ports) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  /* "add" first makes the delete valid whether or not the table exists. */
  fprintf(f, "table ip %s {}\ndelete table ip %s\n", table, table);
  if (n_nets == 0)
    goto out;
  char a[HUTCH_IPV4_STRLEN], b[HUTCH_IPV4_STRLEN], c[HUTCH_CIDR_STRLEN];
  fprintf(f, "table ip %s {\n", table);

  fprintf(f, "  chain ports {\n");
  for (size_t i = 0; i < n_ports; i++) {
    const struct hutch_nft_port *p = &ports[i];
    const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
    fprintf(f, "    ");
    if (p->host_ip)
      fprintf(f, "ip daddr %s ", hutch_ipv4_format(p->host_ip, a));
    fprintf(f, "%s dport %u dnat to %s:%u\n", proto, p->host_port,
            hutch_ipv4_format(p->container_ip, b), p->container_port);
  }
  fprintf(f, "  }\n");
  fprintf(f, "  chain prerouting {\n"
             "    type nat hook prerouting priority dstnat; policy accept;\n"
             "    fib daddr type local jump ports\n"
             "  }\n");
  fprintf(f, "  chain output {\n"
             "    type nat hook output priority -100; policy accept;\n"
             "    fib daddr type local jump ports\n"
             "  }\n");

  fprintf(f, "  chain postrouting {\n"
             "    type nat hook postrouting priority srcnat; policy accept;\n");
  for (size_t i = 0; i < n_nets; i++) {
    const struct hutch_nft_network *n = &nets[i];
    if (n->internal || !net_ok(n))
      continue;
    fprintf(f, "    oifname \"%s\" ip saddr 127.0.0.0/8 masquerade\n", n->bridge);
    hutch_cidr_format(&n->subnet, c);
    fprintf(f, "    ip saddr %s ip daddr != %s masquerade\n", c, c);
    /* Hairpin: a container reaching a neighbour through a published port
     * on the host's address must get the answer back through the host. */
    fprintf(f, "    oifname \"%s\" ip saddr %s ct status dnat masquerade\n", n->bridge, c);
  }
  fprintf(f, "  }\n");

  fprintf(f, "  chain forward {\n"
             "    type filter hook forward priority filter; policy accept;\n");
  for (size_t i = 0; i < n_nets; i++) {
    const struct hutch_nft_network *n = &nets[i];
    if (!net_ok(n))
      continue;
    if (n->internal) {
      fprintf(f, "    iifname \"%s\" oifname != \"%s\" drop\n", n->bridge, n->bridge);
      fprintf(f, "    oifname \"%s\" iifname != \"%s\" drop\n", n->bridge, n->bridge);
      continue;
    }
    /* Isolation: nothing routed from one hutch bridge into another. */
    bool first = true;
    for (size_t j = 0; j < n_nets; j++) {
      if (j == i || !net_ok(&nets[j]) || strcmp(nets[j].bridge, n->bridge) == 0)
        continue;
      fprintf(f, first ? "    iifname \"%s\" oifname { \"%s\"" : ", \"%s\"",
              first ? n->bridge : nets[j].bridge, nets[j].bridge);
      first = false;
    }
    if (!first)
      fprintf(f, " } drop\n");
  }
  fprintf(f, "  }\n}\n");
out:
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

static void nft_ctx_freep(struct nft_ctx **c) {
  if (*c)
    nft_ctx_free(*c);
}

static struct nft_ctx *nft_open(void) {
  struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == NULL)
    return NULL;
  /* Keep libnftables from printing: errors go into struct hutch_error. */
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return ctx;
}

/* The first line of libnftables' error text, for a one-line message. */
static char *nft_error_line(struct nft_ctx *ctx) {
  const char *e = nft_ctx_get_error_buffer(ctx);
  if (e == NULL || *e == '\0')
    return strdup("unknown error");
  size_t n = strcspn(e, "\n");
  return strndup(e, n);
}

int hutch_nft_apply(const char *ruleset, bool dry_run, struct hutch_error **err) {
  __attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *ctx = nft_open();
  if (ctx == NULL)
    return hutch_error_set(err, ENOMEM, "nftables context");
  nft_ctx_set_dry_run(ctx, dry_run);
  if (nft_run_cmd_from_buffer(ctx, ruleset) != 0) {
    _cleanup_free_ char *msg = nft_error_line(ctx);
    return hutch_error_set(err, EINVAL, "nftables: %s", msg ? msg : "error");
  }
  return 0;
}

int hutch_nft_table_exists(const char *table, struct hutch_error **err) {
  if (!hutch_nft_table_name_ok(table))
    return hutch_error_set(err, EINVAL, "nftables table name \"%s\" is not valid", table);
  __attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *ctx = nft_open();
  if (ctx == NULL)
    return hutch_error_set(err, ENOMEM, "nftables context");
  if (nft_run_cmd_from_buffer(ctx, "list tables ip") != 0) {
    _cleanup_free_ char *msg = nft_error_line(ctx);
    return hutch_error_set(err, EIO, "nftables: list tables: %s", msg ? msg : "error");
  }
  /* Output is one "table ip NAME" per line. */
  const char *out = nft_ctx_get_output_buffer(ctx);
  size_t tl = strlen(table);
  for (const char *l = out; l && *l;) {
    const char *nl = strchr(l, '\n');
    size_t ll = nl ? (size_t)(nl - l) : strlen(l);
    if (ll == 9 + tl && strncmp(l, "table ip ", 9) == 0 && strncmp(l + 9, table, tl) == 0)
      return 1;
    l = nl ? nl + 1 : NULL;
  }
  return 0;
}
