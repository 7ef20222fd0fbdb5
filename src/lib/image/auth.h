/* Registry credentials in docker's config.json format
 * ({"auths": {"host:port": {"auth": base64("user:pass")}}}).
 *
 * Read from, first match wins: $REGISTRY_AUTH_FILE, hutch's own file
 * ~/.config/hutch/auth.json, $XDG_RUNTIME_DIR/containers/auth.json
 * (podman's), ~/.docker/config.json. `hutch login` writes
 * $REGISTRY_AUTH_FILE when set, else ~/.config/hutch/auth.json. */
#pragma once

#include "util/error.h"

struct hutch_creds {
  char *username;
  char *password;
};

void hutch_creds_clear(struct hutch_creds *c);
/* 0 and *out filled when found, -ENOENT when there are none. */
int hutch_auth_lookup(const char *domain, struct hutch_creds *out);
int hutch_auth_store(const char *domain, const char *username, const char *password,
                     struct hutch_error **err);
/* -ENOENT (with err) when not logged in there. */
int hutch_auth_remove(const char *domain, struct hutch_error **err);
/* The file login writes (caller frees). */
char *hutch_auth_write_path(void);
