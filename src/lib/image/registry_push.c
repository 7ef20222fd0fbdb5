/* Pushing to a registry (the OCI distribution spec's push side): blob
 * existence (HEAD), cross-repository mounts, uploads monolithic (POST,
 * then PUT with the content) or chunked (PATCHes with Content-Range,
 * then PUT), and manifests. Authentication as for pulls: a 401 is
 * answered once (a bearer token for "pull,push" on the repository and
 * "pull" on the one mounted from) and the request repeated. */
#include "registry.h"
#include "registry_internal.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hutch_registry_open_push(const char *domain, const char *repo, char *const *mount_from,
                             const struct hutch_registry_opts *opts, struct hutch_registry **out,
                             struct hutch_error **err) {
  _cleanup_free_ char *scope = NULL;
  if (asprintf(&scope, "repository:%s:pull,push", repo) < 0)
    return hutch_error_set(err, ENOMEM, "registry %s", domain);
  for (char *const *m = mount_from; m && *m; m++) {
    char *ns = NULL;
    if (asprintf(&ns, "%s repository:%s:pull", scope, *m) < 0)
      return hutch_error_set(err, ENOMEM, "registry %s", domain);
    free(scope);
    scope = ns;
  }
  return hutch_reg_open(domain, scope, opts, false, out, err);
}

/* What a request sends: nothing, memory, or len bytes of fd from off. */
struct body {
  const char *mem;
  int fd;
  uint64_t off, len, pos;
};

static size_t body_read(char *buf, size_t sz, size_t nm, void *ud) {
  struct body *b = ud;
  size_t want = sz * nm;
  if (b->len - b->pos < want)
    want = (size_t)(b->len - b->pos);
  if (want == 0)
    return 0;
  if (b->mem) {
    memcpy(buf, b->mem + b->pos, want);
  } else {
    ssize_t n = pread(b->fd, buf, want, (off_t)(b->off + b->pos));
    if (n <= 0)
      return CURL_READFUNC_ABORT;
    want = (size_t)n;
  }
  b->pos += want;
  return want;
}

static int perform(struct hutch_registry *reg, const char *method, const char *url,
                   const char *ctype, const char *range, struct body *b, struct resp *out,
                   struct hutch_error **err) {
  hutch_reg_resp_clear(out);
  out->max = 1 << 20;
  struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
  char h1[256] = "", h2[128] = "";
  if (ctype) {
    snprintf(h1, sizeof(h1), "Content-Type: %s", ctype);
    hdrs = curl_slist_append(hdrs, h1);
  }
  if (range) {
    snprintf(h2, sizeof(h2), "Content-Range: %s", range);
    hdrs = curl_slist_append(hdrs, h2);
  }
  CURL *h = hutch_reg_handle(reg, url, &hdrs, NULL, true);
  if (!h) {
    curl_slist_free_all(hdrs);
    return hutch_error_set(err, ENOMEM, "%s %s", method, url);
  }
  hutch_debug("%s %s", method, url);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hutch_reg_resp_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, hutch_reg_resp_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (strcmp(method, "POST") == 0) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
  } else {
    b->pos = 0;
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, body_read);
    curl_easy_setopt(h, CURLOPT_READDATA, b);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b->len);
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode c = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
  curl_easy_cleanup(h);
  curl_slist_free_all(hdrs);
  if (c != CURLE_OK)
    return hutch_error_set(err, EIO, "%s %s: %s", method, url,
                           errbuf[0] ? errbuf : curl_easy_strerror(c));
  return 0;
}

/* perform(), answering one 401 challenge. */
static int request(struct hutch_registry *reg, const char *method, const char *url,
                   const char *ctype, const char *range, struct body *b, struct resp *out,
                   struct hutch_error **err) {
  struct body none = {0};
  if (!b)
    b = &none;
  for (int tries = 0;; tries++) {
    if (perform(reg, method, url, ctype, range, b, out, err) < 0)
      return -1;
    if (out->status != 401 || tries > 0 || !out->www_auth)
      return 0;
    _cleanup_free_ char *ch = strdup(out->www_auth);
    if (!ch || hutch_reg_authenticate(reg, ch, err) < 0)
      return -1;
  }
}

/* An upload's Location, absolute, with "digest=…" added when digest. */
static char *upload_url(struct hutch_registry *reg, const char *loc, const char *digest) {
  char *u = NULL;
  int n = asprintf(&u, "%s%s%s%s%s", loc[0] == '/' ? reg->base : "", loc,
                   digest ? (strchr(loc, '?') ? "&" : "?") : "", digest ? "digest=" : "",
                   digest ? digest : "");
  return n < 0 ? NULL : u;
}

static int blob_exists(struct hutch_registry *reg, const char *repo, const char *digest,
                       bool *exists, struct hutch_error **err) {
  _cleanup_free_ char *url = NULL;
  struct resp r = {0};
  if (asprintf(&url, "%s/v2/%s/blobs/%s", reg->base, repo, digest) < 0)
    return hutch_error_set(err, ENOMEM, "push");
  int ret = request(reg, "HEAD", url, NULL, NULL, NULL, &r, err);
  *exists = ret == 0 && r.status == 200;
  if (ret == 0 && r.status != 200 && r.status != 404)
    ret = hutch_reg_status_error(err, "HEAD blob", &r);
  hutch_reg_resp_clear(&r);
  return ret;
}

/* POST …/uploads/ (with mount and from: try a cross-repository mount
 * first): *mounted, or *location of the new upload. */
static int start_upload(struct hutch_registry *reg, const char *repo, const char *digest,
                        const char *from, bool *mounted, char **location,
                        struct hutch_error **err) {
  _cleanup_free_ char *url = NULL;
  struct resp r = {0};
  if ((from ? asprintf(&url, "%s/v2/%s/blobs/uploads/?mount=%s&from=%s", reg->base, repo, digest,
                       from)
            : asprintf(&url, "%s/v2/%s/blobs/uploads/", reg->base, repo)) < 0)
    return hutch_error_set(err, ENOMEM, "push");
  int ret = request(reg, "POST", url, NULL, NULL, NULL, &r, err);
  *mounted = ret == 0 && r.status == 201;
  if (ret == 0 && !*mounted) {
    if (r.status != 202 || !r.location)
      ret = hutch_reg_status_error(err, "start upload", &r);
    else
      *location = TAKE_PTR(r.location);
  }
  hutch_reg_resp_clear(&r);
  return ret;
}

static int send_chunks(struct hutch_registry *reg, int fd, uint64_t size, uint64_t chunk,
                       char **location, struct hutch_error **err) {
  for (uint64_t off = 0; off < size; off += chunk) {
    struct body b = {.fd = fd, .off = off, .len = size - off < chunk ? size - off : chunk};
    char range[64];
    snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)off,
             (unsigned long long)(off + b.len - 1));
    _cleanup_free_ char *url = upload_url(reg, *location, NULL);
    struct resp r = {0};
    if (!url)
      return hutch_error_set(err, ENOMEM, "push");
    int ret = request(reg, "PATCH", url, "application/octet-stream", range, &b, &r, err);
    if (ret == 0 && (r.status != 202 || !r.location))
      ret = hutch_reg_status_error(err, "upload chunk", &r);
    if (ret == 0) {
      free(*location);
      *location = TAKE_PTR(r.location);
    }
    hutch_reg_resp_clear(&r);
    if (ret < 0)
      return ret;
  }
  return 0;
}

int hutch_registry_push_blob(struct hutch_registry *reg, const char *repo, const char *digest,
                             int fd, uint64_t size, const char *mount_from, uint64_t chunk,
                             enum hutch_blob_push *how, struct hutch_error **err) {
  bool exists = false, mounted = false;
  _cleanup_free_ char *loc = NULL;
  if (blob_exists(reg, repo, digest, &exists, err) < 0)
    return hutch_error_wrap(err, "blob %s", digest);
  if (exists) {
    *how = HUTCH_BLOB_EXISTS;
    return 0;
  }
  if (start_upload(reg, repo, digest, mount_from, &mounted, &loc, err) < 0)
    return hutch_error_wrap(err, "blob %s", digest);
  if (mounted) {
    *how = HUTCH_BLOB_MOUNTED;
    return 0;
  }
  /* monolithic: the content with the closing PUT; chunked: PATCHes first */
  bool chunked = chunk > 0 && size > chunk;
  if (chunked && send_chunks(reg, fd, size, chunk, &loc, err) < 0)
    return hutch_error_wrap(err, "blob %s", digest);
  struct body b = {.fd = fd, .len = chunked ? 0 : size};
  _cleanup_free_ char *url = upload_url(reg, loc, digest);
  struct resp r = {0};
  if (!url)
    return hutch_error_set(err, ENOMEM, "push");
  int ret = request(reg, "PUT", url, "application/octet-stream", NULL, &b, &r, err);
  if (ret == 0 && r.status != 201)
    ret = hutch_reg_status_error(err, "finish upload", &r);
  hutch_reg_resp_clear(&r);
  if (ret < 0)
    return hutch_error_wrap(err, "blob %s", digest);
  *how = HUTCH_BLOB_PUSHED;
  return 0;
}

int hutch_registry_put_manifest(struct hutch_registry *reg, const char *repo, const char *ref,
                                const char *media_type, const char *data, size_t len,
                                struct hutch_error **err) {
  _cleanup_free_ char *url = NULL;
  struct resp r = {0};
  struct body b = {.mem = data, .len = len};
  if (asprintf(&url, "%s/v2/%s/manifests/%s", reg->base, repo, ref) < 0)
    return hutch_error_set(err, ENOMEM, "push");
  int ret = request(reg, "PUT", url, media_type, NULL, &b, &r, err);
  if (ret == 0 && r.status != 201)
    ret = hutch_reg_status_error(err, "put manifest", &r);
  hutch_reg_resp_clear(&r);
  return ret < 0 ? hutch_error_wrap(err, "manifest %s/%s:%s", reg->domain, repo, ref) : 0;
}
