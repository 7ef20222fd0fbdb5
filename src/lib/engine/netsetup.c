/* The glue between a container's life and the networking library (see
 * netsetup.h for when each step runs): attach at start, detach when it
 * stops or is removed, the cleanup after containers whose processes all
 * died, and network connect/disconnect. What create records is in
 * netrecord.c, the flags in netflags.c, inspect's view in netinspect.c. */
#include "netsetup.h"

#include "engine.h"
#include "net/netns.h"
#include "linux/rootless.h"
#include "net/pasta.h"
#include "net/rootlessns.h"
#include "net/slirp.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the rootless netns ---- */

/* Rootless, the kernel-level work for user networks (bridges, veths, nft)
 * is FN(UD) run on a thread in the user's rootless netns
 * (net/rootlessns.h); OUTSIDE also starts its slirp4netns. Root mode: FN
 * here. */
static int rlnet_run(struct hutch_engine *e, bool outside, hutch_rootless_netns_fn fn, void *ud,
                     struct hutch_error **err) {
  if (!hutch_rootless())
    return fn(ud, err);
  return hutch_rootless_netns_run(e->netns_dir, outside, fn, ud, err);
}

/* Rootless: slirp4netns' host forwards for the published ports of user
 * networks, after attachments came or went. */
static int rlnet_ports(struct hutch_engine *e, struct hutch_error **err) {
  if (!hutch_rootless())
    return 0;
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  return hutch_rootless_netns_sync_ports(&nc.ctx, e->netns_dir, err);
}

/* The arguments of the library calls rlnet_run makes. */
struct netjob {
  struct hutch_engine *e;
  struct hutch_ctr *c;
  struct hutch_engine_netctx nc;
  const char *id, *network, *netns, *ifname;
  json_t *nw;
  const struct hutch_port_mapping *ports; /* published on the first network */
  size_t n_ports;
  void *holders;
  int *cleaned;
};

static void netjob_init(struct netjob *j, struct hutch_engine *e) {
  memset(j, 0, sizeof(*j));
  j->e = e;
  hutch_engine_net_ctx(e, &j->nc);
}

static int job_detach(void *ud, struct hutch_error **err) {
  struct netjob *j = ud;
  return hutch_net_detach(&j->nc.ctx, j->id, j->network, err);
}

/* hutch_net_detach, in the rootless netns when rootless; a container with
 * no attachment (rootless: the default network, none, host) needs none. */
static int detach(struct hutch_engine *e, const char *id, const char *network,
                  struct hutch_error **err) {
  struct netjob j;
  netjob_init(&j, e);
  j.id = id;
  j.network = network;
  if (!hutch_rootless())
    return job_detach(&j, err);
  struct hutch_net_attachment *atts = NULL;
  size_t n = 0;
  if (hutch_net_attachments(&j.nc.ctx, id, &atts, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    hutch_net_attachment_clear(&atts[i]);
  free(atts);
  if (n == 0)
    return 0;
  if (rlnet_run(e, false, job_detach, &j, err) < 0)
    return -1;
  return rlnet_ports(e, err);
}

static int job_network_remove(void *ud, struct hutch_error **err) {
  struct netjob *j = ud;
  return hutch_network_remove(&j->nc.ctx, j->network, err);
}

int hutch_engine_network_remove(struct hutch_engine *e, const char *name,
                                struct hutch_error **err) {
  struct netjob j;
  netjob_init(&j, e);
  j.network = name;
  return rlnet_run(e, false, job_network_remove, &j, err);
}

/* ---- start, stop, rm ---- */

/* Attach c (whose netns exists) to one network as ifname. */
static int attach_one(struct hutch_engine *e, struct hutch_ctr *c, const char *netns, json_t *nw,
                      const char *ifname, const struct hutch_port_mapping *ports, size_t n_ports,
                      struct hutch_net_attachment *att, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  json_t *net = hutch_engine_net_of(c);
  const char *network = json_string_value(json_object_get(nw, "name"));
  if (network == NULL || strcmp(network, HUTCH_NET_DEFAULT_NAME) == 0) {
    _cleanup_network_ struct hutch_network *d = NULL;
    if (hutch_engine_net_default(e, &d, err) < 0)
      return -1;
  }
  _cleanup_strv_ char **aliases = NULL, **xh = NULL;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(nw, "aliases"), i, v)
      hutch_strv_push(&aliases, json_string_value(v));
  json_array_foreach(json_object_get(net, "extra_hosts"), i, v)
      hutch_strv_push(&xh, json_string_value(v));
  const char *hosts = c->cfg.hosts_path;
  const char *hn = json_string_value(json_object_get(net, "hostname"));
  struct hutch_net_config cfg = {
      .ctx = nc.ctx,
      .network = network,
      .ifname = ifname,
      .ip = json_string_value(json_object_get(nw, "ip")),
      .name = c->name,
      .aliases = aliases,
      .ports = ports,
      .n_ports = n_ports,
      .own_netns = true,
      .hosts_path = hosts && *hosts ? hosts : NULL,
      .hostname = hn && *hn ? hn : NULL,
      .extra_hosts = xh,
  };
  return hutch_net_attach(&cfg, netns, c->id, att, err);
}

/* The netns file, made once (as bridge mode does below). */
static int ensure_netns(struct hutch_engine *e, const char *id, const char *netns,
                        struct hutch_error **err) {
  if (hutch_path_exists(netns))
    return 0;
  _cleanup_free_ char *p = NULL;
  int r = hutch_mkdir_p(e->netns_dir, 0700);
  if (r < 0)
    return hutch_error_set(err, r, "create %s", e->netns_dir);
  return hutch_netns_create(e->netns_dir, id, &p, err);
}

/* Saved before attaching: a concurrent stale cleanup reads the record
 * and must see that someone holds the attachment about to appear. */
static int claim_network(struct hutch_ctr *c, struct hutch_error **err) {
  c->st.net_owner = getpid();
  c->st.net_owner_start = hutch_pid_start_time(getpid());
  return hutch_ctr_save_state(c, err);
}

/* A free port of the host for a mapping without one (-P, -p 80), as the
 * kernel gives a socket bound to port 0 of its address. */
static int free_host_port(struct hutch_port_mapping *m, struct hutch_error **err) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(m->host_ip)};
  socklen_t len = sizeof(sa);
  _cleanup_close_ int fd =
      socket(AF_INET, (m->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
    return hutch_error_set(err, errno, "publish %u: choose a host port", m->container_port);
  m->host_port = ntohs(sa.sin_port);
  hutch_debug("publish %u: host port %u", m->container_port, m->host_port);
  return 0;
}

/* Rootless: a free port of the host for each mapping without one, chosen
 * at every start, as docker's are. On a user network the attach reserves
 * ports in the rootless netns, whose free ports are not the host's, so
 * the choice is made here, on the host, for both. How many were chosen,
 * or -1. */
static int choose_host_ports(struct hutch_port_mapping *ports, size_t n, struct hutch_error **err) {
  int chosen = 0;
  for (size_t i = 0; i < n; i++)
    if (ports[i].host_port == 0) {
      if (free_host_port(&ports[i], err) < 0)
        return -1;
      chosen++;
    }
  return chosen;
}

/* The helper (pasta, slirp4netns) needs every host port: the free ones
 * chosen, and the mappings as published kept in netns/ID.ports (what port
 * and inspect show), until the network stops. */
static int pick_host_ports(struct hutch_engine *e, const char *id, struct hutch_port_mapping *ports,
                           size_t n, struct hutch_error **err) {
  int chosen = choose_host_ports(ports, n, err);
  if (chosen < 0)
    return -1;
  _cleanup_free_ char *path = hutch_engine_net_ports_file(e->netns_dir, id);
  if (path == NULL)
    return hutch_error_set(err, ENOMEM, "ports");
  if (chosen == 0) {
    unlink(path);
    return 0;
  }
  _cleanup_json_ json_t *a = hutch_engine_net_ports_json(ports, n);
  _cleanup_free_ char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
  int r = text ? hutch_write_file(path, text, strlen(text)) : -ENOMEM;
  return r < 0 ? hutch_error_set(err, -r, "write %s", path) : 0;
}

/* Rootless network: the netns and its pasta (net/pasta.h) or slirp4netns
 * (net/slirp.h), which the monitor stops when it lets go
 * (hutch_engine_net_stopped). */
static int start_usernet(struct hutch_engine *e, struct hutch_ctr *c, const char *mode,
                         const char *netns, struct hutch_pasta_pending **pending,
                         struct hutch_error **err) {
  if (ensure_netns(e, c->id, netns, err) < 0 || claim_network(c, err) < 0)
    return -1;
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n_ports = 0;
  if (hutch_engine_net_ports_from_json(json_object_get(hutch_engine_net_of(c), "ports"), &ports,
                                       &n_ports) < 0)
    return hutch_error_set(err, ENOMEM, "ports");
  if (pick_host_ports(e, c->id, ports, n_ports, err) < 0)
    return hutch_error_wrap(err, "rootless network of %.12s", c->id);
  hutch_debug("rootless network of %.12s: %s", c->id, mode);
  int r = strcmp(mode, HUTCH_PASTA_MODE) == 0
              ? hutch_pasta_spawn(e->netns_dir, c->id, netns, ports, n_ports, pending, err)
              : hutch_slirp_start(e->netns_dir, c->id, netns, ports, n_ports, err);
  if (r < 0)
    return hutch_error_wrap(err, "rootless network of %.12s", c->id);
  return 0;
}

static int job_attach_all(void *ud, struct hutch_error **err);

int hutch_engine_net_ready(const char *id, struct hutch_pasta_pending *pending,
                           struct hutch_error **err) {
  if (pending && hutch_pasta_finish(pending, err) < 0)
    return hutch_error_wrap(err, "rootless network of %.12s", id);
  return 0;
}

int hutch_engine_net_start(struct hutch_engine *e, struct hutch_ctr *c,
                           struct hutch_pasta_pending **pending, struct hutch_error **err) {
  *pending = NULL;
  json_t *net = hutch_engine_net_of(c);
  const char *mode = json_string_value(json_object_get(net, "mode"));
  const char *netns = c->cfg.netns;
  if (mode && strcmp(mode, "container") == 0) {
    _cleanup_ctr_ struct hutch_ctr *other = NULL;
    const char *oid = json_string_value(json_object_get(net, "container"));
    if (hutch_ctr_open(e, oid ? oid : "", false, &other, err) < 0)
      return hutch_error_wrap(err, "joining the network of another container");
    if (!hutch_ctr_running(other))
      return hutch_error_set(err, EINVAL, "cannot join network of a non running container: %.12s",
                             other->id);
    return 0;
  }
  if (!netns || !*netns)
    return 0; /* host */
  if (hutch_engine_net_is_usernet(mode))
    return start_usernet(e, c, mode, netns, pending, err);
  struct netjob j;
  netjob_init(&j, e);
  j.c = c;
  j.netns = netns;
  /* --network none has no network to attach to: no rootless netns */
  bool any = json_array_size(json_object_get(net, "networks")) > 0;
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n_ports = 0;
  if (hutch_engine_net_ports_from_json(json_object_get(net, "ports"), &ports, &n_ports) < 0)
    return hutch_error_set(err, ENOMEM, "ports");
  if (any && hutch_rootless() && choose_host_ports(ports, n_ports, err) < 0)
    return hutch_error_wrap(err, "rootless network of %.12s", c->id);
  j.ports = ports;
  j.n_ports = n_ports;
  int r = any ? rlnet_run(e, true, job_attach_all, &j, err) : job_attach_all(&j, err);
  if (r == 0 && rlnet_ports(e, err) < 0) {
    detach(e, c->id, NULL, NULL);
    r = hutch_error_wrap(err, "rootless network of %.12s", c->id);
  }
  return r;
}

/* Attach c's netns to its networks (in the rootless netns when rootless). */
static int job_attach_all(void *ud, struct hutch_error **err) {
  struct netjob *j = ud;
  struct hutch_engine *e = j->e;
  struct hutch_ctr *c = j->c;
  const char *netns = j->netns;
  json_t *net = hutch_engine_net_of(c);
  struct hutch_engine_netctx nc = j->nc;
  /* A previous run whose monitor died may have left its attachment. */
  if (hutch_net_detach(&nc.ctx, c->id, NULL, err) < 0)
    return -1;
  if (ensure_netns(e, c->id, netns, err) < 0)
    return -1;
  if (claim_network(c, err) < 0)
    return -1;
  size_t i;
  json_t *nw;
  json_array_foreach(json_object_get(net, "networks"), i, nw) {
    char ifname[24];
    snprintf(ifname, sizeof(ifname), "eth%u", (unsigned)i);
    struct hutch_net_attachment att = {0};
    int r = attach_one(e, c, netns, nw, ifname, i == 0 ? j->ports : NULL, i == 0 ? j->n_ports : 0,
                       &att, err);
    hutch_net_attachment_clear(&att);
    if (r < 0) {
      hutch_net_detach(&nc.ctx, c->id, NULL, NULL);
      return -1;
    }
  }
  return 0;
}

/* The container's pasta or slirp4netns, and the ports it published. */
static void usernet_stop(struct hutch_engine *e, const char *id) {
  hutch_slirp_stop(e->netns_dir, id);
  hutch_pasta_stop(e->netns_dir, id);
  _cleanup_free_ char *path = hutch_engine_net_ports_file(e->netns_dir, id);
  if (path)
    unlink(path);
}

void hutch_engine_net_stopped(struct hutch_engine *e, const char *id) {
  struct hutch_error *err = NULL;
  usernet_stop(e, id);
  if (detach(e, id, NULL, &err) < 0) {
    _cleanup_free_ char *t = hutch_error_text(err);
    hutch_warn("network teardown of %.12s: %s, ignoring", id, t ? t : "");
  }
  hutch_error_free(err);
}

int hutch_engine_net_teardown(struct hutch_engine *e, const char *id, const char *netns,
                              struct hutch_error **err) {
  struct hutch_error *local = NULL, **ep = err ? err : &local;
  usernet_stop(e, id);
  int r = detach(e, id, NULL, ep);
  /* container: mode records no netns of its own, so this is ours */
  if (r == 0 && netns && *netns)
    r = hutch_netns_delete(netns, ep);
  if (r < 0 && !err) {
    _cleanup_free_ char *t = hutch_error_text(local);
    hutch_warn("network teardown of %.12s: %s, ignoring", id, t ? t : "");
  }
  hutch_error_free(local);
  return r < 0 ? -1 : 0;
}

/* ---- stale cleanup ---- */

/* The containers, read once (brief: no configuration) the first time an
 * attachment is checked: that is under the network store's lock, after
 * the attachments were read, so a container that attached before (having
 * recorded its net_owner first) is seen holding it. */
struct holders {
  struct hutch_engine *e;
  bool loaded;
  struct hutch_ctr **v; /* sorted by id; NULL when unreadable */
  size_t n;
};

static int by_id(const void *a, const void *b) {
  return strcmp((*(struct hutch_ctr *const *)a)->id, (*(struct hutch_ctr *const *)b)->id);
}

static void holders_load(struct holders *h) {
  struct hutch_error *err = NULL;
  h->loaded = true;
  if (hutch_ctr_list_all(h->e, false, &h->v, &h->n, &err) < 0) {
    hutch_debug("network cleanup: containers unreadable (%s): leaving attachments alone",
                err && err->msg ? err->msg : "");
    hutch_error_free(err);
    h->v = NULL;
    return;
  }
  qsort(h->v, h->n, sizeof(*h->v), by_id);
}

/* An attachment stays while its container exists and someone holds it:
 * its init (also after a killed monitor), its monitor (also between the
 * restarts of a restart policy), or the process starting it. */
static bool ctr_holds_network(const char *id, void *ud) {
  struct holders *h = ud;
  if (!h->loaded)
    holders_load(h);
  if (!h->v)
    return true; /* unreadable: leave it alone */
  struct hutch_ctr key = {.id = (char *)id}, *kp = &key;
  if (strcmp(id, HUTCH_ROOTLESS_NETNS) == 0)
    return true; /* the rootless netns's slirp4netns, not a container's */
  struct hutch_ctr **found = bsearch(&kp, h->v, h->n, sizeof(*h->v), by_id);
  if (!found)
    return false;
  const struct hutch_ctr_state *s = &(*found)->st;
  return hutch_ctr_running(*found) ||
         (s->monitor_pid > 0 && hutch_pid_alive(s->monitor_pid, s->monitor_start)) ||
         (s->net_owner > 0 && hutch_pid_alive(s->net_owner, s->net_owner_start));
}

static int job_cleanup_stale(void *ud, struct hutch_error **err) {
  struct netjob *j = ud;
  return hutch_net_cleanup_stale(&j->nc.ctx, ctr_holds_network, j->holders, j->cleaned, err);
}

int hutch_engine_net_cleanup_stale(struct hutch_engine *e, int *cleaned, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  /* nothing was ever attached: no store to look at, no nft to touch */
  _cleanup_free_ char *att = hutch_engine_net_join(nc.state_dir, "attachments");
  if (cleaned)
    *cleaned = 0;
  struct holders h = {.e = e};
  /* rootless: the pasta or slirp4netns of containers whose monitor died */
  if (hutch_rootless()) {
    hutch_slirp_cleanup_stale(e->netns_dir, ctr_holds_network, &h);
    hutch_pasta_cleanup_stale(e->netns_dir, ctr_holds_network, &h);
  }
  if (att == NULL || !hutch_path_exists(att)) {
    hutch_ctr_list_free(h.v, h.n);
    return 0;
  }
  struct netjob j;
  netjob_init(&j, e);
  j.holders = &h;
  j.cleaned = cleaned;
  int r = rlnet_run(e, false, job_cleanup_stale, &j, err);
  hutch_ctr_list_free(h.v, h.n);
  return r < 0 ? r : rlnet_ports(e, err);
}

/* ---- connect, disconnect ---- */

static int job_attach_one(void *ud, struct hutch_error **err) {
  struct netjob *j = ud;
  struct hutch_net_attachment att = {0};
  int r = attach_one(j->e, j->c, j->netns, j->nw, j->ifname, NULL, 0, &att, err);
  hutch_net_attachment_clear(&att);
  return r;
}

int hutch_engine_net_connect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                             const char *ip, char *const *aliases, struct hutch_error **err) {
  json_t *net = hutch_engine_net_of(c);
  const char *mode = json_string_value(json_object_get(net, "mode"));
  if (!net || !hutch_engine_net_owns_netns(net) || (mode && strcmp(mode, "none") == 0))
    return hutch_error_set(
        err, EINVAL, "container %s: its network mode (%s) cannot be connected to other networks",
        c->name, mode ? mode : "unknown");
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  _cleanup_network_ struct hutch_network *nobj = NULL;
  if (hutch_network_load(&nc.ctx, network, &nobj, err) < 0)
    return -1;
  json_t *nets = json_object_get(net, "networks");
  size_t i;
  json_t *nw;
  json_array_foreach(nets, i, nw) {
    if (strcmp(json_string_value(json_object_get(nw, "name")) ?: "", nobj->name) == 0)
      return hutch_error_set(err, EEXIST, "endpoint with name %s already exists in network %s",
                             c->name, nobj->name);
  }
  if (ip) {
    uint32_t a;
    if (hutch_ipv4_parse(ip, &a) < 0)
      return hutch_error_set(err, EINVAL, "--ip %s: not an IPv4 address", ip);
  }
  _cleanup_json_ json_t *entry =
      json_pack("{s:s, s:o, s:o}", "name", nobj->name, "ip", ip ? json_string(ip) : json_null(),
                "aliases", hutch_engine_net_strv_json(aliases));
  if (entry == NULL)
    return hutch_error_set(err, ENOMEM, "connect");
  if (hutch_ctr_running(c)) {
    const char *netns = c->cfg.netns;
    /* the next free ethN: attachments count up from eth0 */
    struct hutch_net_attachment *atts = NULL;
    size_t n_atts = 0;
    if (hutch_net_attachments(&nc.ctx, c->id, &atts, &n_atts, err) < 0)
      return -1;
    char ifname[24];
    for (unsigned k = 0;; k++) {
      snprintf(ifname, sizeof(ifname), "eth%u", k);
      bool used = false;
      for (size_t j = 0; j < n_atts; j++)
        used = used || strcmp(atts[j].ifname, ifname) == 0;
      if (!used)
        break;
    }
    for (size_t j = 0; j < n_atts; j++)
      hutch_net_attachment_clear(&atts[j]);
    free(atts);
    struct netjob j;
    netjob_init(&j, e);
    j.c = c;
    j.netns = netns;
    j.nw = entry;
    j.ifname = ifname;
    if (rlnet_run(e, true, job_attach_one, &j, err) < 0)
      return -1;
  }
  json_array_append(nets, entry);
  if (hutch_ctr_save(c, err) < 0)
    return -1;
  hutch_engine_event(e, "network", "connect", nobj->id, "container", c->id, "name", nobj->name,
                     "type", "bridge", NULL);
  return 0;
}

int hutch_engine_net_disconnect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                                bool force, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  _cleanup_network_ struct hutch_network *nobj = NULL;
  struct hutch_error *le = NULL;
  /* with --force a network that is gone can still be dropped from the record */
  const char *name = network;
  if (hutch_network_load(&nc.ctx, network, &nobj, &le) < 0) {
    if (!force) {
      if (err)
        *err = le;
      else
        hutch_error_free(le);
      return -1;
    }
    hutch_error_free(le);
  } else {
    name = nobj->name;
  }
  json_t *nets = json_object_get(hutch_engine_net_of(c), "networks");
  size_t i;
  json_t *nw;
  json_array_foreach(nets, i, nw) {
    if (strcmp(json_string_value(json_object_get(nw, "name")) ?: "", name) == 0)
      break;
  }
  if (i == json_array_size(nets))
    return hutch_error_set(err, ENOENT, "container %s is not connected to network %s", c->name,
                           name);
  if (detach(e, c->id, name, err) < 0)
    return -1;
  json_array_remove(nets, i);
  if (hutch_ctr_save(c, err) < 0)
    return -1;
  hutch_engine_event(e, "network", "disconnect", nobj ? nobj->id : name, "container", c->id, "name",
                     name, "type", "bridge", NULL);
  return 0;
}
