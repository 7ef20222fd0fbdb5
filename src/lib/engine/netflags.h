/* docker's network flags of run/create (netflags.c): parsed and checked
 * before anything is created; pure, no engine and no host. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "spec_gen.h"
#include "util/error.h"

enum hutch_netmode {
  HUTCH_NETMODE_BRIDGE,    /* the default network */
  HUTCH_NETMODE_NONE,      /* own netns, lo only */
  HUTCH_NETMODE_HOST,      /* the host's netns */
  HUTCH_NETMODE_CONTAINER, /* container:ID, another container's netns */
  HUTCH_NETMODE_USER,      /* a user-defined network */
};

/* --network none|host|bridge|default|container:REF|NAME (NULL: bridge).
 * *arg gets the network name (bridge: "bridge") or the container ref. */
int hutch_netmode_parse(const char *s, enum hutch_netmode *mode, char **arg,
                        struct hutch_error **err);

/* -p/--publish [ip:][hostPort:]containerPort[/tcp|udp], ports may be
 * ranges ("8000-8001:80-81", "80-81" for ephemeral host ports). Appends
 * to *v (realloc'd). IPv4 only; host ip 0.0.0.0 means all addresses. */
int hutch_publish_parse(const char *s, struct hutch_port_mapping **v, size_t *n,
                        struct hutch_error **err);
/* "80", "80/udp", "8000-8010/tcp": ExposedPorts keys and --expose. */
int hutch_expose_parse(const char *s, uint16_t *first, uint16_t *last, int *proto,
                       struct hutch_error **err);
/* -P: an ephemeral host port for each exposed port not published yet. */
int hutch_publish_all(char *const *exposed, struct hutch_port_mapping **v, size_t *n,
                      struct hutch_error **err);
/* "80/tcp", the key of docker's Ports and PortBindings objects. */
void hutch_port_key(const struct hutch_port_mapping *p, char buf[16]);
/* Append *m to *v (realloc'd); -ENOMEM. */
int hutch_port_mapping_push(struct hutch_port_mapping **v, size_t *n,
                            const struct hutch_port_mapping *m);

/* Every network flag of o, before anything is created: the mode and its
 * conflicts (-p or --ip with host/none, --ip outside a network), --ip,
 * --dns, --add-host, -p, --expose. */
int hutch_engine_net_validate(const struct hutch_run_opts *o, struct hutch_error **err);
