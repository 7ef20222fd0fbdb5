/* The API service's listening socket (listen.c). */
#pragma once

#include "util/error.h"

/* url: "unix://PATH", "tcp://HOST:PORT" (with a warning), or NULL: the
 * socket systemd passed (LISTEN_FDS/LISTEN_PID), else default_path. A
 * unix socket is made 0660, owned by root and group (NULL: root's), and
 * its path returned in *unix_path for removal at exit. */
int hutch_api_listen(const char *url, const char *default_path, const char *group, char **unix_path,
                     struct hutch_error **err);
