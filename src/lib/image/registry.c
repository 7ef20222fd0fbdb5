/* The distribution API client; see registry.h.
 *
 * Transport choice follows docker: HTTPS with the system CAs plus
 * <certs.d>/<host:port>/ca.crt (and client.cert/client.key); registries on
 * loopback, or marked insecure, may fall back to HTTPS without checks and
 * then to plain HTTP. */
#include "registry.h"
#include "registry_internal.h"

#include "digest.h"
#include "manifest.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 5
#define MAX_MANIFEST (4 * 1024 * 1024)

void hutch_reg_resp_clear(struct resp *r) {
  free(r->body);
  free(r->content_type);
  free(r->www_auth);
  free(r->retry_after);
  free(r->location);
  memset(r, 0, sizeof(*r));
}

void hutch_reg_curl_init(void) {
  static bool done;
  if (!done) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    done = true;
  }
}

void hutch_registry_free(struct hutch_registry *r) {
  if (r == NULL)
    return;
  free(r->domain);
  free(r->host);
  free(r->base);
  free(r->cainfo);
  free(r->sslcert);
  free(r->sslkey);
  hutch_creds_clear(&r->creds);
  free(r->authz);
  free(r->scope);
  free(r);
}

void hutch_registry_freep(struct hutch_registry **r) {
  hutch_registry_free(*r);
  *r = NULL;
}

static char *header_value(const char *line, size_t n, const char *name) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
    return NULL;
  const char *v = line + k + 1;
  const char *end = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  return strndup(v, (size_t)(end - v));
}

size_t hutch_reg_resp_header(char *buf, size_t sz, size_t nm, void *ud) {
  struct resp *r = ud;
  size_t n = sz * nm;
  char *v;
  if (n > 5 && strncmp(buf, "HTTP/", 5) == 0) {
    /* a new response (after a redirect): forget the previous headers */
    free(r->content_type);
    free(r->www_auth);
    free(r->retry_after);
    r->content_type = r->www_auth = r->retry_after = NULL;
  } else if ((v = header_value(buf, n, "content-type"))) {
    free(r->content_type);
    r->content_type = v;
  } else if ((v = header_value(buf, n, "www-authenticate"))) {
    free(r->www_auth);
    r->www_auth = v;
  } else if ((v = header_value(buf, n, "retry-after"))) {
    free(r->retry_after);
    r->retry_after = v;
  } else if ((v = header_value(buf, n, "location"))) {
    free(r->location);
    r->location = v;
  }
  return n;
}

size_t hutch_reg_resp_write(char *buf, size_t sz, size_t nm, void *ud) {
  struct resp *r = ud;
  size_t n = sz * nm;
  if (r->len + n > r->max)
    return 0; /* too large: curl fails with CURLE_WRITE_ERROR */
  if (r->len + n + 1 > r->cap) {
    size_t cap = (r->len + n + 1) * 2;
    char *b = realloc(r->body, cap);
    if (b == NULL)
      return 0;
    r->body = b;
    r->cap = cap;
  }
  memcpy(r->body + r->len, buf, n);
  r->len += n;
  r->body[r->len] = '\0';
  return n;
}

CURL *hutch_reg_handle(struct hutch_registry *reg, const char *url, struct curl_slist **hdrs,
                       const char *accept, bool with_authz) {
  CURL *h = curl_easy_init();
  if (h == NULL)
    return NULL;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "hutch/" HUTCH_VERSION);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  /* a stalled transfer is a dropped connection: fail it and retry */
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (!reg->verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (reg->cainfo) {
    curl_easy_setopt(h, CURLOPT_CAINFO, reg->cainfo);
    curl_easy_setopt(h, CURLOPT_CAPATH, "/etc/ssl/certs");
  }
  if (reg->sslcert && reg->sslkey) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, reg->sslcert);
    curl_easy_setopt(h, CURLOPT_SSLKEY, reg->sslkey);
  }
  if (accept) {
    _cleanup_free_ char *a = NULL;
    if (asprintf(&a, "Accept: %s", accept) >= 0)
      *hdrs = curl_slist_append(*hdrs, a);
  }
  /* curl does not send a custom Authorization header to another host on a
   * redirect (blob storage), which is what we want */
  if (with_authz && reg->authz)
    *hdrs = curl_slist_append(*hdrs, reg->authz);
  if (*hdrs)
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
  if (hutch_log_enabled(HUTCH_LOG_DEBUG))
    hutch_debug("GET %s", url);
  return h;
}

bool hutch_reg_retryable_curl(CURLcode c) {
  switch (c) {
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_GOT_NOTHING:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

bool hutch_reg_retryable_status(long s) {
  return s == 429 || (s >= 500 && s <= 599);
}

void hutch_reg_backoff(int attempt, const char *retry_after) {
  long ms = 250L << attempt; /* 250ms, 500ms, 1s, 2s, ... */
  if (retry_after) {
    long secs = strtol(retry_after, NULL, 10);
    if (secs > 0 && secs <= 30)
      ms = secs * 1000;
  }
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* One GET into memory, with retries on 429/5xx and dropped connections.
 * No auth handling: callers look at resp->status. */
static int get_once(struct hutch_registry *reg, const char *url, const char *accept,
                    bool with_authz, const struct hutch_creds *basic, size_t max, struct resp *out,
                    struct hutch_error **err) {
  for (int attempt = 0;; attempt++) {
    hutch_reg_resp_clear(out);
    out->max = max;
    struct curl_slist *hdrs = NULL;
    CURL *h = hutch_reg_handle(reg, url, &hdrs, accept, with_authz);
    if (h == NULL)
      return hutch_error_set(err, ENOMEM, "GET %s", url);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hutch_reg_resp_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, hutch_reg_resp_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    if (basic && basic->username) {
      curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(h, CURLOPT_USERNAME, basic->username);
      curl_easy_setopt(h, CURLOPT_PASSWORD, basic->password);
    }
    CURLcode c = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    if (c == CURLE_OK && !(hutch_reg_retryable_status(out->status) && attempt + 1 < MAX_ATTEMPTS))
      return 0;
    if (c != CURLE_OK && !(hutch_reg_retryable_curl(c) && attempt + 1 < MAX_ATTEMPTS)) {
      if (c == CURLE_WRITE_ERROR && out->len + 1 > max)
        return hutch_error_set(err, EFBIG, "GET %s: response larger than %zu bytes", url, max);
      return hutch_error_set(err, EIO, "GET %s: %s", url,
                             errbuf[0] ? errbuf : curl_easy_strerror(c));
    }
    hutch_debug("GET %s: %s, retrying", url, c != CURLE_OK ? curl_easy_strerror(c) : "server busy");
    hutch_reg_backoff(attempt, out->retry_after);
  }
}

/* Parse `Bearer realm="…",service="…",scope="…"` into its parameters. */
static char *challenge_param(const char *ch, const char *key) {
  size_t k = strlen(key);
  const char *p = ch;
  while ((p = strcasestr(p, key)) != NULL) {
    bool start = p == ch || p[-1] == ' ' || p[-1] == ',';
    if (start && p[k] == '=') {
      p += k + 1;
      if (*p == '"') {
        p++;
        char *out = malloc(strlen(p) + 1);
        size_t o = 0;
        while (*p && *p != '"') {
          if (*p == '\\' && p[1])
            p++;
          out[o++] = *p++;
        }
        out[o] = '\0';
        return out;
      }
      return strndup(p, strcspn(p, ", "));
    }
    p += k;
  }
  return NULL;
}

/* "&scope=A&scope=B" for the space-separated scopes (a push asks for
 * its repository and the one it mounts blobs from). */
static char *scopes_query(CURL *esc, const char *scope) {
  char *q = strdup("");
  for (const char *p = scope; q && p && *p;) {
    size_t n = strcspn(p, " ");
    char *e = n ? curl_easy_escape(esc, p, (int)n) : NULL;
    char *nq = NULL;
    if (e && asprintf(&nq, "%s&scope=%s", q, e) < 0)
      nq = NULL;
    curl_free(e);
    if (n) {
      free(q);
      q = nq;
    }
    p += n + (p[n] == ' ');
  }
  return q;
}

int hutch_reg_authenticate(struct hutch_registry *reg, const char *challenge,
                           struct hutch_error **err) {
  const struct hutch_creds *creds = reg->creds.username ? &reg->creds : NULL;
  if (strncasecmp(challenge, "Basic", 5) == 0) {
    if (creds == NULL)
      return hutch_error_set(err, EACCES, "%s: authentication required (run hutch login %s)",
                             reg->domain, reg->domain);
    _cleanup_free_ char *plain = NULL;
    if (asprintf(&plain, "%s:%s", creds->username, creds->password) < 0)
      return hutch_error_set(err, ENOMEM, "authenticate");
    size_t n = strlen(plain);
    _cleanup_free_ char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, (int)n);
    free(reg->authz);
    if (asprintf(&reg->authz, "Authorization: Basic %s", b64) < 0)
      reg->authz = NULL;
    return 0;
  }
  if (strncasecmp(challenge, "Bearer", 6) != 0)
    return hutch_error_set(err, EACCES, "%s: unsupported authentication challenge \"%s\"",
                           reg->domain, challenge);
  _cleanup_free_ char *realm = challenge_param(challenge, "realm");
  _cleanup_free_ char *service = challenge_param(challenge, "service");
  _cleanup_free_ char *ch_scope = challenge_param(challenge, "scope");
  if (realm == NULL)
    return hutch_error_set(err, EACCES, "%s: bearer challenge without a realm", reg->domain);
  const char *scope = reg->scope ? reg->scope : ch_scope;
  CURL *esc = curl_easy_init();
  char *es = service ? curl_easy_escape(esc, service, 0) : NULL;
  _cleanup_free_ char *scopes = scopes_query(esc, scope);
  _cleanup_free_ char *url = NULL;
  int n = scopes ? asprintf(&url, "%s%sservice=%s%s", realm, strchr(realm, '?') ? "&" : "?",
                            es ? es : "", scopes)
                 : -1;
  curl_free(es);
  curl_easy_cleanup(esc);
  if (n < 0)
    return hutch_error_set(err, ENOMEM, "authenticate");
  struct resp r = {0};
  int ret = get_once(reg, url, "application/json", false, creds, 1 << 20, &r, err);
  if (ret < 0) {
    hutch_reg_resp_clear(&r);
    return hutch_error_wrap(err, "%s: get token", reg->domain);
  }
  if (r.status == 401 || r.status == 403) {
    hutch_reg_resp_clear(&r);
    return hutch_error_set(err, EACCES, "%s: token server refused %s: %s", reg->domain,
                           creds ? "the credentials" : "anonymous access",
                           creds ? "wrong username or password" : "authentication required");
  }
  if (r.status != 200) {
    long st = r.status;
    hutch_reg_resp_clear(&r);
    return hutch_error_set(err, EIO, "%s: token server returned HTTP %ld", reg->domain, st);
  }
  json_error_t je;
  _cleanup_json_ json_t *j = json_loadb(r.body ? r.body : "", r.len, 0, &je);
  hutch_reg_resp_clear(&r);
  const char *tok = json_string_value(json_object_get(j, "token"));
  if (tok == NULL)
    tok = json_string_value(json_object_get(j, "access_token"));
  if (tok == NULL)
    return hutch_error_set(err, EIO, "%s: token server reply has no token", reg->domain);
  free(reg->authz);
  if (asprintf(&reg->authz, "Authorization: Bearer %s", tok) < 0)
    reg->authz = NULL;
  hutch_debug("%s: bearer token for %s", reg->domain, scope ? scope : "(no scope)");
  return 0;
}

/* GET with authentication: on 401, answer the challenge once and retry. */
static int get_authed(struct hutch_registry *reg, const char *url, const char *accept, size_t max,
                      struct resp *out, struct hutch_error **err) {
  for (int tries = 0;; tries++) {
    int r = get_once(reg, url, accept, true, NULL, max, out, err);
    if (r < 0)
      return r;
    if (out->status != 401 || tries > 0 || out->www_auth == NULL)
      return 0;
    _cleanup_free_ char *ch = strdup(out->www_auth);
    r = hutch_reg_authenticate(reg, ch, err);
    if (r < 0)
      return r;
  }
}

static bool is_loopback(const char *host) {
  return strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost", 9) == 0 ||
         strncmp(host, "[::1]", 5) == 0;
}

static void find_certs(struct hutch_registry *reg, const char *dir) {
  if (dir == NULL)
    dir = getenv("HUTCH_CERTS_DIR");
  if (dir == NULL)
    dir = "/etc/hutch/certs.d";
  char *p = NULL;
  if (asprintf(&p, "%s/%s/ca.crt", dir, reg->host) >= 0 && hutch_path_exists(p))
    reg->cainfo = p;
  else
    free(p);
  char *c = NULL, *k = NULL;
  if (asprintf(&c, "%s/%s/client.cert", dir, reg->host) >= 0 &&
      asprintf(&k, "%s/%s/client.key", dir, reg->host) >= 0 && hutch_path_exists(c) &&
      hutch_path_exists(k)) {
    reg->sslcert = c;
    reg->sslkey = k;
  } else {
    free(c);
    free(k);
  }
}

int hutch_reg_open(const char *domain, const char *scope, const struct hutch_registry_opts *opts,
                   bool need_auth, struct hutch_registry **out, struct hutch_error **err) {
  hutch_reg_curl_init();
  _cleanup_registry_ struct hutch_registry *reg = calloc(1, sizeof(*reg));
  if (reg == NULL)
    return hutch_error_set(err, ENOMEM, "registry %s", domain);
  reg->domain = strdup(domain);
  reg->host = strdup(strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain);
  reg->max_parallel = opts && opts->max_parallel > 0 ? opts->max_parallel : 3;
  reg->scope = scope ? strdup(scope) : NULL;
  if (opts && opts->username) {
    reg->creds.username = strdup(opts->username);
    reg->creds.password = strdup(opts->password ? opts->password : "");
  } else {
    hutch_auth_lookup(domain, &reg->creds);
  }
  find_certs(reg, opts ? opts->certs_dir : NULL);
  bool insecure = opts && opts->insecure;
  bool may_downgrade = insecure || is_loopback(reg->host);
  /* (scheme, verify) in the order docker tries them */
  struct {
    const char *scheme;
    bool verify;
  } tries[] = {{"https", !insecure}, {"https", false}, {"http", false}};
  struct resp r = {0};
  _cleanup_error_ struct hutch_error *first = NULL;
  int ret = -1;
  for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
    if (i > 0 && !may_downgrade)
      break;
    if (i == 1 && !tries[0].verify)
      continue; /* already tried without checks */
    free(reg->base);
    if (asprintf(&reg->base, "%s://%s", tries[i].scheme, reg->host) < 0)
      return hutch_error_set(err, ENOMEM, "registry %s", domain);
    reg->verify = tries[i].verify;
    _cleanup_free_ char *url = NULL;
    if (asprintf(&url, "%s/v2/", reg->base) < 0)
      return hutch_error_set(err, ENOMEM, "registry %s", domain);
    struct hutch_error *e = NULL;
    ret = get_once(reg, url, NULL, false, NULL, 1 << 20, &r, &e);
    if (ret == 0) {
      hutch_error_free(e);
      break;
    }
    if (first == NULL)
      first = e;
    else
      hutch_error_free(e);
  }
  if (ret < 0) {
    hutch_reg_resp_clear(&r);
    hutch_error_set(err, first ? first->errnum : EIO, "%s", first && first->msg ? first->msg : "");
    return hutch_error_wrap(err, "registry %s", domain);
  }
  hutch_debug("registry %s: %s%s, /v2/ returned %ld", domain, reg->base,
              strncmp(reg->base, "https", 5) != 0 ? ""
              : reg->verify                       ? " (TLS verified)"
                                                  : " (TLS not verified)",
              r.status);
  if (r.status == 401 && r.www_auth) {
    _cleanup_free_ char *ch = strdup(r.www_auth);
    hutch_reg_resp_clear(&r);
    if (need_auth || reg->creds.username || strncasecmp(ch, "Bearer", 6) == 0) {
      ret = hutch_reg_authenticate(reg, ch, err);
      if (ret < 0)
        return ret;
    }
  } else if (r.status != 200 && r.status != 401) {
    long st = r.status;
    hutch_reg_resp_clear(&r);
    return hutch_error_set(err, EPROTO, "registry %s: /v2/ returned HTTP %ld (not a registry?)",
                           domain, st);
  }
  hutch_reg_resp_clear(&r);
  *out = TAKE_PTR(reg);
  return 0;
}

int hutch_registry_open(const char *domain, const char *repo,
                        const struct hutch_registry_opts *opts, struct hutch_registry **out,
                        struct hutch_error **err) {
  _cleanup_free_ char *scope = NULL;
  if (repo && asprintf(&scope, "repository:%s:pull", repo) < 0)
    return hutch_error_set(err, ENOMEM, "registry %s", domain);
  return hutch_reg_open(domain, scope, opts, false, out, err);
}

int hutch_registry_login(const char *domain, const struct hutch_registry_opts *opts,
                         struct hutch_error **err) {
  _cleanup_registry_ struct hutch_registry *reg = NULL;
  int r = hutch_reg_open(domain, NULL, opts, true, &reg, err);
  if (r < 0)
    return r;
  /* With the token or basic header in hand, /v2/ must now say yes. */
  _cleanup_free_ char *url = NULL;
  if (asprintf(&url, "%s/v2/", reg->base) < 0)
    return hutch_error_set(err, ENOMEM, "login");
  struct resp resp = {0};
  r = get_once(reg, url, NULL, true, NULL, 1 << 20, &resp, err);
  long st = resp.status;
  hutch_reg_resp_clear(&resp);
  if (r < 0)
    return r;
  if (st == 401 || st == 403)
    return hutch_error_set(err, EACCES, "login to %s: unauthorized: wrong username or password",
                           domain);
  if (st != 200)
    return hutch_error_set(err, EPROTO, "login to %s: /v2/ returned HTTP %ld", domain, st);
  return 0;
}

int hutch_reg_status_error(struct hutch_error **err, const char *what, const struct resp *r) {
  int e = r->status == 404 ? ENOENT : (r->status == 401 || r->status == 403) ? EACCES : EIO;
  /* the registry's JSON error text, if short, says the most */
  char detail[256] = "";
  if (r->body && r->len < 2048) {
    json_error_t je;
    _cleanup_json_ json_t *j = json_loadb(r->body, r->len, 0, &je);
    json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
    const char *m = json_string_value(json_object_get(e0, "message"));
    if (m)
      snprintf(detail, sizeof(detail), ": %s", m);
  }
  return hutch_error_set(err, e, "%s: HTTP %ld%s", what, r->status, detail);
}

int hutch_registry_get_manifest(struct hutch_registry *reg, const char *repo, const char *ref,
                                char **data, size_t *len, char **content_type,
                                struct hutch_error **err) {
  _cleanup_free_ char *url = NULL;
  if (asprintf(&url, "%s/v2/%s/manifests/%s", reg->base, repo, ref) < 0)
    return hutch_error_set(err, ENOMEM, "get manifest");
  struct resp r = {0};
  int ret = get_authed(reg, url, HUTCH_MANIFEST_ACCEPT, MAX_MANIFEST, &r, err);
  if (ret < 0) {
    hutch_reg_resp_clear(&r);
    return hutch_error_wrap(err, "manifest %s/%s:%s", reg->domain, repo, ref);
  }
  if (r.status != 200) {
    char what[512];
    snprintf(what, sizeof(what), "manifest %s/%s%s%s", reg->domain, repo,
             strchr(ref, ':') ? "@" : ":", ref);
    ret = hutch_reg_status_error(err, what, &r);
    hutch_reg_resp_clear(&r);
    return ret;
  }
  *data = r.body ? r.body : strdup("");
  *len = r.len;
  *content_type = r.content_type;
  r.body = r.content_type = NULL;
  hutch_reg_resp_clear(&r);
  return 0;
}

int hutch_registry_get_blob(struct hutch_registry *reg, const char *repo, const char *digest,
                            int64_t size, char **data, size_t *len, struct hutch_error **err) {
  _cleanup_free_ char *url = NULL;
  if (asprintf(&url, "%s/v2/%s/blobs/%s", reg->base, repo, digest) < 0)
    return hutch_error_set(err, ENOMEM, "get blob");
  struct resp r = {0};
  size_t max = size >= 0 ? (size_t)size + 1 : MAX_MANIFEST;
  int ret = get_authed(reg, url, NULL, max, &r, err);
  if (ret < 0) {
    hutch_reg_resp_clear(&r);
    return hutch_error_wrap(err, "blob %s", digest);
  }
  if (r.status != 200) {
    char what[128];
    snprintf(what, sizeof(what), "blob %s", digest);
    ret = hutch_reg_status_error(err, what, &r);
    hutch_reg_resp_clear(&r);
    return ret;
  }
  char got[HUTCH_DIGEST_LEN];
  hutch_sha256_buf(r.body ? r.body : "", r.len, got);
  if (strcmp(got, digest) != 0 || (size >= 0 && (size_t)size != r.len)) {
    hutch_reg_resp_clear(&r);
    return hutch_error_set(err, 0, "blob %s: digest mismatch (registry sent %s)", digest, got);
  }
  *data = r.body ? r.body : strdup("");
  *len = r.len;
  r.body = NULL;
  hutch_reg_resp_clear(&r);
  return 0;
}

/* ---- parallel blob downloads ---- */

enum xfer_state { X_QUEUED, X_ACTIVE, X_WAIT, X_DONE };

struct xfer {
  struct hutch_blob_fetch *b;
  size_t idx;
  enum xfer_state state;
  CURL *h;
  struct curl_slist *hdrs;
  int fd;
  struct hutch_sha256 sha;
  uint64_t have;
  bool checked, body_ok, oversize;
  long status;
  int attempts;
  bool reauthed;
  struct timespec retry_at;
  char errbuf[CURL_ERROR_SIZE];
  struct resp hdr; /* headers (WWW-Authenticate, Retry-After) and error bodies */
  hutch_fetch_progress_fn progress;
  void *ud;
};

static size_t xfer_header(char *buf, size_t sz, size_t nm, void *ud) {
  struct xfer *x = ud;
  if (sz * nm > 5 && strncmp(buf, "HTTP/", 5) == 0)
    x->checked = false;
  return hutch_reg_resp_header(buf, sz, nm, &x->hdr);
}

static int xfer_restart_file(struct xfer *x) {
  if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
    return -errno;
  hutch_sha256_cleanup(&x->sha);
  x->have = 0;
  return hutch_sha256_init(&x->sha);
}

static size_t xfer_write(char *buf, size_t sz, size_t nm, void *ud) {
  struct xfer *x = ud;
  size_t n = sz * nm;
  if (!x->checked) {
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
    x->checked = true;
    x->body_ok = x->status == 200 || x->status == 206;
    /* the server ignored our Range: start over */
    if (x->status == 200 && x->have > 0 && xfer_restart_file(x) < 0)
      return 0;
  }
  if (!x->body_ok) {
    x->hdr.max = 4096;
    hutch_reg_resp_write(buf, sz, nm, &x->hdr);
    return n;
  }
  if (x->b->size >= 0 && x->have + n > (uint64_t)x->b->size) {
    x->oversize = true;
    return 0;
  }
  for (size_t o = 0; o < n;) {
    ssize_t w = write(x->fd, buf + o, n - o);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return 0;
    o += (size_t)w;
  }
  hutch_sha256_update(&x->sha, buf, n);
  x->have += n;
  if (x->progress)
    x->progress(x->ud, x->idx, 0, x->have, (uint64_t)x->b->size);
  return n;
}

/* Whether path still names the file open as fd. */
static bool same_file(int fd, const char *path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Open the partial file and take its lock, which marks it as in use for
 * hutch_store_sweep_partials(). A sweep (or the pull we waited for) may
 * have unlinked it between our open and our lock: then open it afresh. */
static int open_partial(struct xfer *x, struct hutch_error **err) {
  for (int tries = 0; tries < 100; tries++) {
    x->fd = open(x->b->partial_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (x->fd < 0)
      return hutch_error_set(err, errno, "blob %s: open %s", x->b->digest, x->b->partial_path);
    /* a concurrent pull of the same blob waits here, then finds it done */
    if (flock(x->fd, LOCK_EX) < 0)
      return hutch_error_set(err, errno, "blob %s: lock", x->b->digest);
    if (same_file(x->fd, x->b->partial_path))
      return 0;
    close(x->fd);
    x->fd = -EBADF;
  }
  return hutch_error_set(err, EAGAIN, "blob %s: %s keeps being replaced", x->b->digest,
                         x->b->partial_path);
}

/* Open (or reopen) the partial file and hash what an earlier run left. */
static int xfer_prepare(struct xfer *x, struct hutch_error **err) {
  if (open_partial(x, err) < 0)
    return -1;
  if (hutch_path_exists(x->b->final_path)) {
    unlink(x->b->partial_path); /* the one we just created, empty */
    x->state = X_DONE;
    return 1;
  }
  if (hutch_sha256_init(&x->sha) < 0)
    return hutch_error_set(err, ENOMEM, "blob %s", x->b->digest);
  struct stat st;
  if (fstat(x->fd, &st) < 0)
    return hutch_error_set(err, errno, "blob %s: stat partial", x->b->digest);
  if (st.st_size > 0 && (x->b->size < 0 || st.st_size < x->b->size)) {
    char buf[65536];
    uint64_t off = 0;
    while (off < (uint64_t)st.st_size) {
      ssize_t n = pread(x->fd, buf, sizeof(buf), (off_t)off);
      if (n <= 0)
        break;
      hutch_sha256_update(&x->sha, buf, (size_t)n);
      off += (uint64_t)n;
    }
    x->have = off;
    lseek(x->fd, (off_t)off, SEEK_SET);
    hutch_debug("blob %s: resuming at byte %llu", x->b->digest, (unsigned long long)off);
  } else if (xfer_restart_file(x) < 0) {
    return hutch_error_set(err, errno, "blob %s: truncate partial", x->b->digest);
  }
  return 0;
}

static int xfer_start(struct hutch_registry *reg, const char *repo, CURLM *m, struct xfer *x) {
  _cleanup_free_ char *url = NULL;
  if (asprintf(&url, "%s/v2/%s/blobs/%s", reg->base, repo, x->b->digest) < 0)
    return -ENOMEM;
  x->hdrs = NULL;
  x->h = hutch_reg_handle(reg, url, &x->hdrs, NULL, true);
  if (x->h == NULL)
    return -ENOMEM;
  hutch_reg_resp_clear(&x->hdr);
  x->checked = x->body_ok = x->oversize = false;
  x->status = 0;
  x->errbuf[0] = '\0';
  curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, xfer_write);
  curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, xfer_header);
  curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
  char range[64];
  if (x->have > 0) {
    snprintf(range, sizeof(range), "%llu-", (unsigned long long)x->have);
    curl_easy_setopt(x->h, CURLOPT_RANGE, range);
  }
  x->state = X_ACTIVE;
  x->attempts++;
  return curl_multi_add_handle(m, x->h) == CURLM_OK ? 0 : -EIO;
}

static void xfer_stop(CURLM *m, struct xfer *x) {
  if (x->h) {
    curl_multi_remove_handle(m, x->h);
    curl_easy_cleanup(x->h);
    x->h = NULL;
  }
  curl_slist_free_all(x->hdrs);
  x->hdrs = NULL;
}

static void schedule_retry(struct xfer *x) {
  long ms = 250L << (x->attempts > 6 ? 6 : x->attempts);
  if (x->hdr.retry_after) {
    long s = strtol(x->hdr.retry_after, NULL, 10);
    if (s > 0 && s <= 30)
      ms = s * 1000;
  }
  clock_gettime(CLOCK_MONOTONIC, &x->retry_at);
  x->retry_at.tv_sec += ms / 1000;
  x->retry_at.tv_nsec += (ms % 1000) * 1000000L;
  if (x->retry_at.tv_nsec >= 1000000000L) {
    x->retry_at.tv_sec++;
    x->retry_at.tv_nsec -= 1000000000L;
  }
  x->state = X_WAIT;
}

/* A transfer ended: finish it, schedule a retry, or fail. */
static int xfer_done(struct hutch_registry *reg, CURLM *m, struct xfer *x, CURLcode c,
                     struct hutch_error **err) {
  long st = 0;
  curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &st);
  xfer_stop(m, x);
  const char *dg = x->b->digest;
  if (x->oversize) {
    unlink(x->b->partial_path);
    return hutch_error_set(err, 0, "blob %s: size mismatch: registry sent more than %lld bytes", dg,
                           (long long)x->b->size);
  }
  if (c != CURLE_OK) {
    if (hutch_reg_retryable_curl(c) && x->attempts < MAX_ATTEMPTS) {
      hutch_debug("blob %s: %s after %llu bytes, retrying", dg, curl_easy_strerror(c),
                  (unsigned long long)x->have);
      schedule_retry(x);
      return 0;
    }
    return hutch_error_set(err, EIO, "blob %s: %s", dg,
                           x->errbuf[0] ? x->errbuf : curl_easy_strerror(c));
  }
  if (st == 401 && !x->reauthed && x->hdr.www_auth) {
    x->reauthed = true;
    _cleanup_free_ char *ch = strdup(x->hdr.www_auth);
    int r = hutch_reg_authenticate(reg, ch, err);
    if (r < 0)
      return r;
    x->state = X_QUEUED;
    x->attempts--;
    return 0;
  }
  if (st == 416) { /* our partial is longer than the blob: start over */
    xfer_restart_file(x);
    x->state = X_QUEUED;
    return 0;
  }
  if (hutch_reg_retryable_status(st) && x->attempts < MAX_ATTEMPTS) {
    schedule_retry(x);
    return 0;
  }
  if (st != 200 && st != 206 && st != 0) {
    char what[128];
    snprintf(what, sizeof(what), "blob %s", dg);
    return hutch_reg_status_error(err, what, &x->hdr);
  }
  if (x->b->size >= 0 && x->have < (uint64_t)x->b->size) {
    if (x->attempts < MAX_ATTEMPTS) {
      schedule_retry(x); /* the connection ended early: resume */
      return 0;
    }
    return hutch_error_set(err, EIO, "blob %s: got %llu of %lld bytes", dg,
                           (unsigned long long)x->have, (long long)x->b->size);
  }
  char got[HUTCH_DIGEST_LEN];
  hutch_sha256_final(&x->sha, got);
  if (strcmp(got, dg) != 0) {
    unlink(x->b->partial_path);
    return hutch_error_set(
        err, 0, "blob %s: digest mismatch (registry sent content with digest %s)", dg, got);
  }
  if (fsync(x->fd) < 0 || rename(x->b->partial_path, x->b->final_path) < 0)
    return hutch_error_set(err, errno, "blob %s: store", dg);
  x->state = X_DONE;
  if (x->progress)
    x->progress(x->ud, x->idx, 1, x->have, x->have);
  return 0;
}

static bool due(const struct timespec *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

int hutch_registry_fetch_blobs(struct hutch_registry *reg, const char *repo,
                               struct hutch_blob_fetch *blobs, size_t n,
                               hutch_fetch_progress_fn progress, void *ud,
                               struct hutch_error **err) {
  if (n == 0)
    return 0;
  struct xfer *xs = calloc(n, sizeof(*xs));
  CURLM *m = curl_multi_init();
  int ret = 0;
  if (xs == NULL || m == NULL) {
    ret = hutch_error_set(err, ENOMEM, "fetch blobs");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    xs[i].b = &blobs[i];
    xs[i].idx = i;
    xs[i].fd = -EBADF;
    xs[i].progress = progress;
    xs[i].ud = ud;
  }
  for (size_t i = 0; i < n; i++) {
    int r = xfer_prepare(&xs[i], err);
    if (r < 0) {
      ret = r;
      goto out;
    }
    if (r == 1 && progress)
      progress(ud, i, 2, (uint64_t)blobs[i].size, (uint64_t)blobs[i].size);
  }
  for (;;) {
    int active = 0, left = 0;
    for (size_t i = 0; i < n; i++) {
      if (xs[i].state == X_ACTIVE)
        active++;
      if (xs[i].state != X_DONE)
        left++;
    }
    if (left == 0)
      break;
    for (size_t i = 0; i < n && active < reg->max_parallel; i++) {
      struct xfer *x = &xs[i];
      if (x->state == X_QUEUED || (x->state == X_WAIT && due(&x->retry_at))) {
        if (xfer_start(reg, repo, m, x) < 0) {
          ret = hutch_error_set(err, EIO, "blob %s: start transfer", x->b->digest);
          goto out;
        }
        active++;
      }
    }
    int running = 0;
    curl_multi_perform(m, &running);
    CURLMsg *msg;
    int q;
    while ((msg = curl_multi_info_read(m, &q)) != NULL) {
      if (msg->msg != CURLMSG_DONE)
        continue;
      struct xfer *x = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
      int r = xfer_done(reg, m, x, msg->data.result, err);
      if (r < 0) {
        ret = r;
        goto out;
      }
    }
    curl_multi_poll(m, NULL, 0, 100, NULL);
  }
out:
  for (size_t i = 0; xs && i < n; i++) {
    if (m)
      xfer_stop(m, &xs[i]);
    hutch_sha256_cleanup(&xs[i].sha);
    hutch_reg_resp_clear(&xs[i].hdr);
    /* A failed pull keeps what it got for a resume, but not the empty
     * files of blobs it never got to (still ours: we hold their lock). */
    struct stat st;
    if (ret < 0 && xs[i].fd >= 0 && xs[i].state != X_DONE && fstat(xs[i].fd, &st) == 0 &&
        st.st_size == 0)
      unlink(xs[i].b->partial_path);
    if (xs[i].fd >= 0)
      close(xs[i].fd);
  }
  free(xs);
  if (m)
    curl_multi_cleanup(m);
  return ret;
}
