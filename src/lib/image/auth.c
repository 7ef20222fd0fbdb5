/* Credentials files; see auth.h. */
#include "auth.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hutch_creds_clear(struct hutch_creds *c) {
  free(c->username);
  if (c->password)
    explicit_bzero(c->password, strlen(c->password));
  free(c->password);
  c->username = c->password = NULL;
}

static char *home_path(const char *rel) {
  const char *home = getenv("HOME");
  char *p = NULL;
  if (home == NULL || asprintf(&p, "%s/%s", home, rel) < 0)
    return NULL;
  return p;
}

/* hutch's own file: $XDG_CONFIG_HOME/hutch/auth.json, by default under
 * ~/.config (the XDG rule, which rootless hutch follows for its config) */
static char *own_path(void) {
  const char *xdg = getenv("XDG_CONFIG_HOME");
  char *p = NULL;
  if (xdg && xdg[0] == '/')
    return asprintf(&p, "%s/hutch/auth.json", xdg) < 0 ? NULL : p;
  return home_path(".config/hutch/auth.json");
}

char *hutch_auth_write_path(void) {
  const char *env = getenv("REGISTRY_AUTH_FILE");
  if (env && *env)
    return strdup(env);
  return own_path();
}

/* "https://index.docker.io/v1/" → "docker.io"; "http://h:5000/x" → "h:5000" */
static void normalise_key(const char *key, char *out, size_t n) {
  const char *k = strstr(key, "://");
  k = k ? k + 3 : key;
  size_t len = strcspn(k, "/");
  snprintf(out, n, "%.*s", (int)len, k);
  if (strcmp(out, "index.docker.io") == 0 || strcmp(out, "registry-1.docker.io") == 0)
    snprintf(out, n, "docker.io");
}

static int decode_auth(const char *b64, struct hutch_creds *out) {
  size_t len = strlen(b64);
  _cleanup_free_ unsigned char *buf = malloc(len + 4);
  if (buf == NULL)
    return -ENOMEM;
  int n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
  if (n < 0)
    return -EINVAL;
  /* EVP_DecodeBlock counts '=' padding as zero bytes */
  while (len > 0 && b64[len - 1] == '=' && n > 0) {
    len--;
    n--;
  }
  buf[n] = '\0';
  char *colon = strchr((char *)buf, ':');
  if (colon == NULL)
    return -EINVAL;
  *colon = '\0';
  out->username = strdup((char *)buf);
  out->password = strdup(colon + 1);
  explicit_bzero(buf, (size_t)n);
  return out->username && out->password ? 0 : -ENOMEM;
}

static int lookup_in(const char *path, const char *domain, struct hutch_creds *out) {
  if (path == NULL)
    return -ENOENT;
  json_error_t je;
  _cleanup_json_ json_t *j = json_load_file(path, 0, &je);
  json_t *auths = json_object_get(j, "auths");
  const char *key;
  json_t *v;
  json_object_foreach(auths, key, v) {
    char k[512];
    normalise_key(key, k, sizeof(k));
    const char *a = json_string_value(json_object_get(v, "auth"));
    if (strcmp(k, domain) == 0 && a && decode_auth(a, out) == 0)
      return 0;
  }
  return -ENOENT;
}

int hutch_auth_lookup(const char *domain, struct hutch_creds *out) {
  memset(out, 0, sizeof(*out));
  const char *env = getenv("REGISTRY_AUTH_FILE");
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  _cleanup_free_ char *own = own_path();
  _cleanup_free_ char *podman = NULL;
  if (xdg && asprintf(&podman, "%s/containers/auth.json", xdg) < 0)
    podman = NULL;
  _cleanup_free_ char *docker = home_path(".docker/config.json");
  const char *files[] = {env && *env ? env : NULL, own, podman, docker};
  for (size_t i = 0; i < ARRAY_SIZE(files); i++)
    if (lookup_in(files[i], domain, out) == 0)
      return 0;
  return -ENOENT;
}

static int update_file(const char *domain, const char *auth_b64, struct hutch_error **err) {
  _cleanup_free_ char *path = hutch_auth_write_path();
  if (path == NULL)
    return hutch_error_set(err, ENOENT, "auth file: neither $REGISTRY_AUTH_FILE nor $HOME set");
  json_error_t je;
  _cleanup_json_ json_t *j = json_load_file(path, 0, &je);
  if (j == NULL && hutch_path_exists(path))
    return hutch_error_set(err, EINVAL, "%s: %s", path, je.text);
  if (j == NULL)
    j = json_object();
  json_t *auths = json_object_get(j, "auths");
  if (!json_is_object(auths)) {
    auths = json_object();
    json_object_set_new(j, "auths", auths);
  }
  /* drop every spelling of this registry, then add ours */
  const char *key;
  json_t *v;
  void *tmp;
  bool found = false;
  json_object_foreach_safe(auths, tmp, key, v) {
    char k[512];
    normalise_key(key, k, sizeof(k));
    if (strcmp(k, domain) == 0) {
      json_object_del(auths, key);
      found = true;
    }
  }
  if (auth_b64 == NULL && !found)
    return hutch_error_set(err, ENOENT, "not logged in to %s", domain);
  if (auth_b64)
    json_object_set_new(auths, domain, json_pack("{s:s}", "auth", auth_b64));
  _cleanup_free_ char *dir = strdup(path);
  int r = hutch_mkdir_p(dirname(dir), 0700);
  if (r < 0)
    return hutch_error_set(err, r, "create directory for %s", path);
  _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
  _cleanup_free_ char *base = strdup(path);
  _cleanup_free_ char *dir2 = strdup(path);
  _cleanup_close_ int dfd = open(dirname(dir2), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "open directory of %s", path);
  /* 0600: the file holds passwords */
  r = hutch_write_file_atomic(dfd, basename(base), text, strlen(text), 0600);
  if (r < 0)
    return hutch_error_set(err, r, "write %s", path);
  return 0;
}

int hutch_auth_store(const char *domain, const char *username, const char *password,
                     struct hutch_error **err) {
  _cleanup_free_ char *plain = NULL;
  if (asprintf(&plain, "%s:%s", username, password) < 0)
    return hutch_error_set(err, ENOMEM, "store credentials");
  size_t n = strlen(plain);
  _cleanup_free_ char *b64 = malloc(4 * ((n + 2) / 3) + 1);
  if (b64 == NULL)
    return hutch_error_set(err, ENOMEM, "store credentials");
  EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, (int)n);
  explicit_bzero(plain, n);
  return update_file(domain, b64, err);
}

int hutch_auth_remove(const char *domain, struct hutch_error **err) {
  return update_file(domain, NULL, err);
}
