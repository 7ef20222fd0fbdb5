/* The Docker Engine API service (`hutch system service`): an HTTP/1.1
 * front-end (libmicrohttpd) over the engine library, so docker's CLI,
 * docker-compose and the docker SDKs drive hutch. It keeps no container
 * state of its own: every request opens the engine's store, containers
 * run under their monitors and outlive the service. */
#pragma once

#include "util/error.h"

struct hutch_api_opts {
  /* "unix://PATH", "tcp://HOST:PORT", or NULL: an inherited socket
   * (LISTEN_FDS) if there is one, else unix://<run root>/hutch.sock */
  const char *listen;
  int idle_seconds;  /* exit after this long with no connection; 0: never */
  const char *group; /* the unix socket's group (NULL: root's) */
};

/* Serve until SIGINT/SIGTERM or the idle time passes. */
int hutch_api_serve(const struct hutch_api_opts *o, struct hutch_error **err);
