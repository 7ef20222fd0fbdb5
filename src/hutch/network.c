/* hutch network create|ls|inspect|rm|connect|disconnect|prune: docker's
 * network commands over the networking library (engine/net/net.h), with
 * the store under the engine's root (engine/netsetup.h). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "format.h"
#include "sys_cli.h"

#include "engine/prune.h"

#include "engine/netsetup.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine and its network store, or NULL after printing the error. */
static struct hutch_engine *net_open(struct hutch_engine_netctx *nc) {
  struct hutch_engine *e = ctr_cli_engine();
  if (e)
    hutch_engine_net_ctx(e, nc);
  return e;
}

static int net_create(int argc, char **argv) {
  struct hutch_network_opts no = {0};
  const char *driver = "bridge";
  _cleanup_strv_ char **opts = NULL;
  const struct hutch_flag flags[] = {
      {"driver", 'd', HUTCH_FLAG_STRING, &driver, "Driver to manage the Network (bridge)"},
      {"gateway", 0, HUTCH_FLAG_STRING, &no.gateway, "IPv4 Gateway for the master subnet"},
      {"internal", 0, HUTCH_FLAG_BOOL, &no.internal, "Restrict external access to the network"},
      {"opt", 'o', HUTCH_FLAG_LIST, &opts,
       "Set driver specific options (com.docker.network.bridge.name, "
       "com.docker.network.driver.mtu)",
       "map"},
      {"subnet", 0, HUTCH_FLAG_STRING, &no.subnet,
       "Subnet in CIDR format that represents a network segment"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] NETWORK", "Create a network", flags, 1, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (strcmp(driver, "bridge") != 0)
    return ctr_cli_usage_error("network create", "only the bridge driver exists");
  _cleanup_free_ char *bridge = NULL;
  for (char **o = opts; o && *o; o++) {
    if (hutch_str_has_prefix(*o, "com.docker.network.bridge.name=")) {
      free(bridge);
      bridge = strdup(*o + strlen("com.docker.network.bridge.name="));
    } else if (hutch_str_has_prefix(*o, "com.docker.network.driver.mtu=")) {
      int64_t mtu;
      if (hutch_parse_int64(*o + strlen("com.docker.network.driver.mtu="), 68, 65535, &mtu) < 0)
        return ctr_cli_usage_error("network create", "invalid mtu");
      no.mtu = (unsigned)mtu;
    } else {
      return ctr_cli_usage_error("network create", "unknown driver option");
    }
  }
  const char *name = argv[1];
  if (strcmp(name, HUTCH_NET_DEFAULT_NAME) == 0 || strcmp(name, "host") == 0 ||
      strcmp(name, "none") == 0)
    return ctr_cli_usage_error("network create", "that name is a predefined network");
  struct hutch_engine_netctx nc;
  _cleanup_engine_ struct hutch_engine *e = net_open(&nc);
  if (!e)
    return HUTCH_EXIT_ERROR;
  no.bridge = bridge;
  struct hutch_error *err = NULL;
  _cleanup_network_ struct hutch_network *net = NULL;
  if (hutch_network_create(&nc.ctx, name, &no, &net, &err) < 0)
    return ctr_cli_fail(err);
  hutch_engine_event(e, "network", "create", net->id, "name", net->name, "type", "bridge", NULL);
  printf("%s\n", net->id);
  return 0;
}

static const json_t *net_header(void) {
  static json_t *h;
  if (!h)
    h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "NETWORK ID", "Name", "NAME",
                  "Driver", "DRIVER", "Scope", "SCOPE", "IPv6", "IPV6", "Internal", "INTERNAL",
                  "Labels", "LABELS", "CreatedAt", "CREATED AT");
  return h;
}

/* docker's NetworkContext: every column a string. */
static json_t *net_row(const struct hutch_network *n, bool no_trunc) {
  char id[65];
  snprintf(id, sizeof(id), no_trunc ? "%s" : "%.12s", n->id);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "Name", n->name, "Driver",
                   "bridge", "Scope", "local", "IPv6", "false", "Internal",
                   n->internal ? "true" : "false", "Labels", "", "CreatedAt",
                   n->created ? n->created : "");
}

/* --filter KEY=VALUE for network ls, as docker's daemon: name (a part of
 * the name), id (a prefix), driver, label (hutch's networks have none, so
 * it matches nothing), type (builtin: the default network, or custom);
 * the values of one key any, all keys together. */
struct net_filter {
  char **name, **id, **driver, **label, **type;
};

static void net_filter_clear(struct net_filter *f) {
  char ***all[] = {&f->name, &f->id, &f->driver, &f->label, &f->type};
  for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
    hutch_strv_free(*all[i]);
    *all[i] = NULL;
  }
}

static int net_filter_parse(char **filters, struct net_filter *f, struct hutch_error **err) {
  static const char *const keys[] = {"name", "id", "driver", "label", "type"};
  char ***dst[] = {&f->name, &f->id, &f->driver, &f->label, &f->type};
  for (char **p = filters; p && *p; p++) {
    const char *eq = strchr(*p, '=');
    if (!eq)
      return hutch_error_say(err, EINVAL, "bad format of filter (expected name=value)");
    size_t klen = (size_t)(eq - *p), k = 0;
    while (k < 5 && (strlen(keys[k]) != klen || strncmp(*p, keys[k], klen) != 0))
      k++;
    if (k == 5)
      return hutch_error_say(err, EINVAL, "Invalid filter '%.*s'", (int)klen, *p);
    if (k == 4 && strcmp(eq + 1, "builtin") != 0 && strcmp(eq + 1, "custom") != 0)
      return hutch_error_say(err, EINVAL, "invalid filter: 'type'='%s'", eq + 1);
    if (hutch_strv_push(dst[k], eq + 1) < 0)
      return hutch_error_say(err, ENOMEM, "network filter");
  }
  return 0;
}

/* One of want matches have (as test says), or want is empty. */
static bool any_of(char **want, const char *have, bool (*test)(const char *have, const char *w)) {
  if (!want)
    return true;
  for (char **w = want; *w; w++)
    if (test(have, *w))
      return true;
  return false;
}

static bool has_part(const char *have, const char *w) {
  return strstr(have, w) != NULL;
}

static bool has_prefix(const char *have, const char *w) {
  return hutch_str_has_prefix(have, w);
}

static bool equal(const char *have, const char *w) {
  return strcmp(have, w) == 0;
}

static bool net_filter_match(const struct net_filter *f, const struct hutch_network *n,
                             bool builtin) {
  return any_of(f->name, n->name, has_part) && any_of(f->id, n->id, has_prefix) &&
         any_of(f->driver, "bridge", equal) && !f->label &&
         any_of(f->type, builtin ? "builtin" : "custom", equal);
}

/* The networks that pass nf, through cf: the exit status. */
static int net_ls_rows(struct cli_format *cf, const struct net_filter *nf, bool no_trunc) {
  struct hutch_error *err = NULL;
  struct hutch_engine_netctx nc;
  _cleanup_engine_ struct hutch_engine *e = net_open(&nc);
  /* docker always lists its default network */
  _cleanup_network_ struct hutch_network *def = NULL;
  struct hutch_network **v = NULL;
  size_t n = 0;
  if (!e)
    return HUTCH_EXIT_ERROR;
  if (hutch_engine_net_default(e, &def, &err) < 0 || hutch_network_list(&nc.ctx, &v, &n, &err) < 0)
    return ctr_cli_fail(err);
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    if (!net_filter_match(nf, v[i], strcmp(v[i]->id, def->id) == 0))
      continue;
    _cleanup_json_ json_t *row = net_row(v[i], no_trunc);
    r = cli_format_row(cf, row, &err);
  }
  hutch_network_list_free(v, n);
  if (r < 0 || cli_format_flush(cf, stdout, &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}

static int net_ls(int argc, char **argv) {
  bool quiet = false, no_trunc = false;
  const char *format = NULL;
  _cleanup_strv_ char **filters = NULL;
  const struct hutch_flag flags[] = {
      {"format", 0, HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"},
      {"filter", 'f', HUTCH_FLAG_LIST, &filters,
       "Provide filter values (e.g. \"driver=bridge\", \"name=NAME\", \"type=custom\")", "filter"},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &no_trunc, "Do not truncate the output"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Only display network IDs"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "List networks", flags, 0, 0};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  struct net_filter nf = {0};
  if (net_filter_parse(filters, &nf, &err) < 0) {
    net_filter_clear(&nf);
    return ctr_cli_fail(err);
  }
  struct cli_format cf;
  if (cli_format_open(&cf, format, "table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}",
                      quiet ? "{{.ID}}" : NULL, net_header(), &err) < 0) {
    net_filter_clear(&nf);
    return ctr_cli_fail(err);
  }
  int status = net_ls_rows(&cf, &nf, no_trunc);
  net_filter_clear(&nf);
  cli_format_free(&cf);
  return status;
}

struct net_inspect_ctx {
  struct hutch_engine *e;
  struct hutch_engine_netctx nc;
};

static json_t *net_inspect_one(void *ud, const char *name, struct hutch_error **err) {
  struct net_inspect_ctx *x = ud;
  _cleanup_network_ struct hutch_network *n = NULL;
  if (strcmp(name, HUTCH_NET_DEFAULT_NAME) == 0 ? hutch_engine_net_default(x->e, &n, err) < 0
                                                : hutch_network_load(&x->nc.ctx, name, &n, err) < 0)
    return NULL;
  return hutch_network_inspect(&x->nc.ctx, n, err);
}

static int net_inspect(int argc, char **argv) {
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format,
       "Format output using the given Go template (or \"json\")"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] NETWORK [NETWORK...]",
                                "Display detailed information on one or more networks", flags, 1,
                                -1};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  struct net_inspect_ctx x;
  _cleanup_engine_ struct hutch_engine *e = net_open(&x.nc);
  if (!e)
    return HUTCH_EXIT_ERROR;
  x.e = e;
  return cli_inspect_print(argv + 1, nargs, format, net_inspect_one, &x);
}

static int net_rm(int argc, char **argv) {
  int nargs, r = hutch_args_parse("NETWORK [NETWORK...]", "Remove one or more networks", 1, -1,
                                  argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  argc = nargs + 1;
  struct hutch_engine_netctx nc;
  _cleanup_engine_ struct hutch_engine *e = net_open(&nc);
  if (!e)
    return HUTCH_EXIT_ERROR;
  const struct hutch_net_ctx *ctx = &nc.ctx;
  int ret = 0;
  struct hutch_error *err = NULL;
  for (int i = 1; i < argc; i++) {
    _cleanup_network_ struct hutch_network *net = NULL;
    if (hutch_network_load(ctx, argv[i], &net, &err) < 0 ||
        hutch_engine_network_remove(e, argv[i], &err) < 0) {
      ctr_cli_report(&err);
      ret = 1;
      continue;
    }
    hutch_engine_event(e, "network", "destroy", net->id, "name", net->name, "type", "bridge", NULL);
    printf("%s\n", argv[i]);
  }
  return ret;
}

static int net_connect_like(int argc, char **argv, bool connect) {
  const char *ip = NULL;
  _cleanup_strv_ char **aliases = NULL;
  bool force = false;
  const struct hutch_flag connect_flags[] = {
      {"alias", 0, HUTCH_FLAG_LIST, &aliases, "Add network-scoped alias for the container",
       "strings"},
      {"ip", 0, HUTCH_FLAG_STRING, &ip, "IPv4 address (e.g., \"172.30.100.104\")"},
      {0},
  };
  const struct hutch_flag disconnect_flags[] = {
      {"force", 'f', HUTCH_FLAG_BOOL, &force, "Force the container to disconnect from a network"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] NETWORK CONTAINER",
                                connect ? "Connect a container to a network"
                                        : "Disconnect a container from a network",
                                connect ? connect_flags : disconnect_flags, 2, 2};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *ctr = NULL;
  if (ctr_cli_open(argv[2], true, &e, &ctr) != 0)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  r = connect ? hutch_engine_net_connect(e, ctr, argv[1], ip, aliases, &err)
              : hutch_engine_net_disconnect(e, ctr, argv[1], force, &err);
  return r < 0 ? ctr_cli_fail(err) : 0;
}

/* docker's prune: every user network no container (running or not) names;
 * the library's prune only knows attachments, not stopped containers. */
static int net_prune(int argc, char **argv) {
  static const struct cli_prune p = {
      "Remove all unused networks",
      "WARNING! This will remove all custom networks not used by at least one container.",
      "Deleted Networks", false, hutch_prune_networks};
  return cli_prune_cmd(argc, argv, &p);
}

static int net_connect(int argc, char **argv) {
  return net_connect_like(argc, argv, true);
}

static int net_disconnect(int argc, char **argv) {
  return net_connect_like(argc, argv, false);
}

int cmd_network(int argc, char **argv) {
  static const struct hutch_subcmd subs[] = {
      {"connect", net_connect, "Connect a container to a network"},
      {"create", net_create, "Create a network"},
      {"disconnect", net_disconnect, "Disconnect a container from a network"},
      {"inspect", net_inspect, "Display detailed information on one or more networks"},
      {"ls", net_ls, "List networks"},
      {"list", net_ls, NULL},
      {"prune", net_prune, "Remove all unused networks"},
      {"rm", net_rm, "Remove one or more networks"},
      {"remove", net_rm, NULL},
      {NULL, NULL, NULL},
  };
  return hutch_subcmd_dispatch("Manage networks", subs, argc, argv);
}
