/* What registry.c (pulls, login) and registry_push.c (pushes) share:
 * the connection, responses, libcurl handles, auth. Private to the two. */
#pragma once

#include "registry.h"

#include <curl/curl.h>
#include <stdbool.h>

struct hutch_registry {
  char *domain;
  char *host; /* host[:port] we connect to */
  char *base; /* "https://host" or "http://host" */
  bool verify;
  char *cainfo, *sslcert, *sslkey;
  struct hutch_creds creds;
  char *authz; /* full "Authorization: ..." header, or NULL */
  char *scope;
  int max_parallel;
};

struct resp {
  char *body;
  size_t len, cap, max;
  long status;
  char *content_type;
  char *www_auth;
  char *retry_after;
  char *location; /* uploads: where the next request goes */
};

void hutch_reg_curl_init(void);
void hutch_reg_resp_clear(struct resp *r);
size_t hutch_reg_resp_header(char *buf, size_t sz, size_t nm, void *ud);
size_t hutch_reg_resp_write(char *buf, size_t sz, size_t nm, void *ud);
/* A handle for url with the registry's TLS settings, Accept (may be
 * NULL) and, with with_authz, the Authorization header; *hdrs to free. */
CURL *hutch_reg_handle(struct hutch_registry *reg, const char *url, struct curl_slist **hdrs,
                       const char *accept, bool with_authz);
bool hutch_reg_retryable_curl(CURLcode c);
bool hutch_reg_retryable_status(long s);
void hutch_reg_backoff(int attempt, const char *retry_after);
/* Answer a 401's WWW-Authenticate challenge (basic or bearer token for
 * reg->scope, space-separated scopes). */
int hutch_reg_authenticate(struct hutch_registry *reg, const char *challenge,
                           struct hutch_error **err);
/* An error for an unexpected status, with the registry's message. */
int hutch_reg_status_error(struct hutch_error **err, const char *what, const struct resp *r);
/* Connect (ping /v2/, TLS fallbacks for loopback/insecure) with scope
 * for the token (NULL: none yet). */
int hutch_reg_open(const char *domain, const char *scope, const struct hutch_registry_opts *opts,
                   bool need_auth, struct hutch_registry **out, struct hutch_error **err);
