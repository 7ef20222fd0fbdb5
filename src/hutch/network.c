/* hutch network create|ls|inspect|rm|connect|disconnect|prune: docker's
 * network commands over the networking library (engine/net/net.h), with
 * the store under the engine's root (engine/netsetup.h). */
#include "commands.h"
#include "ctr_cli.h"

#include "engine/netsetup.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f) {
  fprintf(f, "Usage: hutch network COMMAND\n\nManage networks.\n\nCommands:\n"
             "  create [--subnet CIDR] [--gateway IP] [--internal] [-o "
             "com.docker.network.bridge.name=BR] NAME\n"
             "  ls [-q] [--no-trunc]\n"
             "  inspect NETWORK...\n"
             "  rm NETWORK...\n"
             "  connect [--ip IP] [--alias NAME] NETWORK CONTAINER\n"
             "  disconnect [-f] NETWORK CONTAINER\n"
             "  prune [-f]\n");
  return f == stdout ? 0 : HUTCH_EXIT_ERROR;
}

/* Print an error and go on with the next argument (docker's rm/inspect). */
static void report(struct hutch_error **err) {
  hutch_error_print(stderr, "hutch", *err);
  hutch_error_free(*err);
  *err = NULL;
}

static int net_create(struct hutch_engine *e, const struct hutch_net_ctx *ctx, int argc,
                      char **argv) {
  static const struct option opts[] = {
      {"subnet", required_argument, NULL, 's'}, {"gateway", required_argument, NULL, 'g'},
      {"internal", no_argument, NULL, 'i'},     {"driver", required_argument, NULL, 'd'},
      {"opt", required_argument, NULL, 'o'},    {NULL, 0, NULL, 0},
  };
  struct hutch_network_opts no = {0};
  _cleanup_free_ char *bridge = NULL;
  int c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+d:o:", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      no.subnet = optarg;
      break;
    case 'g':
      no.gateway = optarg;
      break;
    case 'i':
      no.internal = true;
      break;
    case 'd':
      if (strcmp(optarg, "bridge") != 0)
        return ctr_cli_usage_error("network create", "only the bridge driver exists");
      break;
    case 'o':
      if (hutch_str_has_prefix(optarg, "com.docker.network.bridge.name=")) {
        free(bridge);
        bridge = strdup(optarg + strlen("com.docker.network.bridge.name="));
      } else if (hutch_str_has_prefix(optarg, "com.docker.network.driver.mtu=")) {
        int64_t mtu;
        if (hutch_parse_int64(optarg + strlen("com.docker.network.driver.mtu="), 68, 65535, &mtu) <
            0)
          return ctr_cli_usage_error("network create", "invalid mtu");
        no.mtu = (unsigned)mtu;
      } else {
        return ctr_cli_usage_error("network create", "unknown driver option");
      }
      break;
    default:
      return ctr_cli_usage_error("network create", "unknown flag");
    }
  }
  if (optind + 1 != argc)
    return ctr_cli_usage_error("network create", "requires exactly 1 argument");
  no.bridge = bridge;
  struct hutch_error *err = NULL;
  _cleanup_network_ struct hutch_network *n = NULL;
  if (strcmp(argv[optind], HUTCH_NET_DEFAULT_NAME) == 0 || strcmp(argv[optind], "host") == 0 ||
      strcmp(argv[optind], "none") == 0)
    return ctr_cli_usage_error("network create", "that name is a predefined network");
  if (hutch_network_create(ctx, argv[optind], &no, &n, &err) < 0)
    return ctr_cli_fail(err);
  printf("%s\n", n->id);
  (void)e;
  return 0;
}

static int net_ls(struct hutch_engine *e, const struct hutch_net_ctx *ctx, int argc, char **argv) {
  bool quiet = false, no_trunc = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
      quiet = true;
    else if (strcmp(argv[i], "--no-trunc") == 0)
      no_trunc = true;
    else
      return ctr_cli_usage_error("network ls", "unknown flag");
  }
  struct hutch_error *err = NULL;
  /* docker always lists its default network */
  _cleanup_network_ struct hutch_network *def = NULL;
  if (hutch_engine_net_default(e, &def, &err) < 0)
    return ctr_cli_fail(err);
  struct hutch_network **v = NULL;
  size_t n = 0;
  if (hutch_network_list(ctx, &v, &n, &err) < 0)
    return ctr_cli_fail(err);
  if (!quiet)
    printf("%-*s %-20s %-8s %s\n", no_trunc ? 64 : 12, "NETWORK ID", "NAME", "DRIVER", "SCOPE");
  for (size_t i = 0; i < n; i++) {
    int w = no_trunc ? 64 : 12;
    if (quiet)
      printf("%.*s\n", w, v[i]->id);
    else
      printf("%-*.*s %-20s %-8s %s\n", w, w, v[i]->id, v[i]->name, "bridge", "local");
  }
  hutch_network_list_free(v, n);
  return 0;
}

static int net_inspect(struct hutch_engine *e, const struct hutch_net_ctx *ctx, int argc,
                       char **argv) {
  if (argc < 2)
    return ctr_cli_usage_error("network inspect", "requires at least 1 argument");
  _cleanup_json_ json_t *arr = json_array();
  int ret = 0;
  struct hutch_error *err = NULL;
  for (int i = 1; i < argc; i++) {
    _cleanup_network_ struct hutch_network *n = NULL;
    if (strcmp(argv[i], HUTCH_NET_DEFAULT_NAME) == 0
            ? hutch_engine_net_default(e, &n, &err) < 0
            : hutch_network_load(ctx, argv[i], &n, &err) < 0) {
      report(&err);
      ret = 1;
      continue;
    }
    json_t *j = hutch_network_inspect(ctx, n, &err);
    if (j == NULL) {
      report(&err);
      ret = 1;
      continue;
    }
    json_array_append_new(arr, j);
  }
  _cleanup_free_ char *t = json_dumps(arr, JSON_INDENT(4));
  printf("%s\n", t ? t : "[]");
  return ret;
}

static int net_rm(const struct hutch_net_ctx *ctx, int argc, char **argv) {
  if (argc < 2)
    return ctr_cli_usage_error("network rm", "requires at least 1 argument");
  int ret = 0;
  struct hutch_error *err = NULL;
  for (int i = 1; i < argc; i++) {
    if (hutch_network_remove(ctx, argv[i], &err) < 0) {
      report(&err);
      ret = 1;
      continue;
    }
    printf("%s\n", argv[i]);
  }
  return ret;
}

static int net_connect(struct hutch_engine *e, int argc, char **argv, bool connect) {
  static const struct option opts[] = {
      {"ip", required_argument, NULL, 'i'},
      {"alias", required_argument, NULL, 'a'},
      {"force", no_argument, NULL, 'f'},
      {NULL, 0, NULL, 0},
  };
  const char *cmd = connect ? "network connect" : "network disconnect";
  const char *ip = NULL;
  _cleanup_strv_ char **aliases = NULL;
  bool force = false;
  int c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
    if (c == 'i' && connect)
      ip = optarg;
    else if (c == 'a' && connect)
      hutch_strv_push(&aliases, optarg);
    else if (c == 'f' && !connect)
      force = true;
    else
      return ctr_cli_usage_error(cmd, "unknown flag");
  }
  if (optind + 2 != argc)
    return ctr_cli_usage_error(cmd, "requires exactly 2 arguments");
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ctr = NULL;
  if (hutch_ctr_open(e, argv[optind + 1], true, &ctr, &err) < 0)
    return ctr_cli_fail(err);
  int r = connect ? hutch_engine_net_connect(e, ctr, argv[optind], ip, aliases, &err)
                  : hutch_engine_net_disconnect(e, ctr, argv[optind], force, &err);
  return r < 0 ? ctr_cli_fail(err) : 0;
}

/* docker's prune: every user network no container (running or not) names;
 * the library's prune only knows attachments, not stopped containers. */
static int net_prune(struct hutch_engine *e, const struct hutch_net_ctx *ctx) {
  struct hutch_error *err = NULL;
  _cleanup_strv_ char **used = NULL;
  struct hutch_ctr **all = NULL;
  size_t nc = 0;
  if (hutch_ctr_list_all(e, true, &all, &nc, &err) < 0)
    return ctr_cli_fail(err);
  for (size_t i = 0; i < nc; i++) {
    struct hutch_ctr *c = all[i];
    size_t k;
    json_t *nw;
    json_array_foreach(json_object_get(c->cfg.net, "networks"), k, nw) {
      const char *name = json_string_value(json_object_get(nw, "name"));
      if (name)
        hutch_strv_push(&used, name);
    }
  }
  hutch_ctr_list_free(all, nc);
  struct hutch_network **v = NULL;
  size_t n = 0;
  if (hutch_network_list(ctx, &v, &n, &err) < 0)
    return ctr_cli_fail(err);
  bool header = false;
  for (size_t i = 0; i < n; i++) {
    bool in_use = strcmp(v[i]->name, HUTCH_NET_DEFAULT_NAME) == 0;
    for (char **u = used; u && *u && !in_use; u++)
      in_use = strcmp(*u, v[i]->name) == 0;
    if (in_use)
      continue;
    /* a failure (e.g. attached meanwhile) leaves that network, as docker */
    if (hutch_network_remove(ctx, v[i]->name, NULL) < 0)
      continue;
    if (!header)
      printf("Deleted Networks:\n");
    header = true;
    printf("%s\n", v[i]->name);
  }
  hutch_network_list_free(v, n);
  return 0;
}

int cmd_network(int argc, char **argv) {
  if (argc < 2)
    return usage(stderr);
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)
    return usage(stdout);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  argc--;
  argv++;
  if (strcmp(sub, "create") == 0)
    return net_create(e, &nc.ctx, argc, argv);
  if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
    return net_ls(e, &nc.ctx, argc, argv);
  if (strcmp(sub, "inspect") == 0)
    return net_inspect(e, &nc.ctx, argc, argv);
  if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
    return net_rm(&nc.ctx, argc, argv);
  if (strcmp(sub, "connect") == 0)
    return net_connect(e, argc, argv, true);
  if (strcmp(sub, "disconnect") == 0)
    return net_connect(e, argc, argv, false);
  if (strcmp(sub, "prune") == 0)
    return net_prune(e, &nc.ctx);
  fprintf(stderr, "hutch: network: unknown command \"%s\"\n", sub);
  return usage(stderr);
}
