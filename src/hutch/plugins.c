/* The hutch CLI's plugins: the code that needs libcurl (registry.c),
 * libarchive (unpack.c, image_archive.c, busybox.c, copy.c) or
 * libnftables (net/nft.c) is built by meson as three shared modules
 * (hutch-registry.so, hutch-archive.so, hutch-nft.so) instead of being
 * linked into the executable. Those libraries pull in about 40 more
 * shared objects (krb5, ldap, gnutls, libxml2, ICU …) whose loading and
 * relocation were most of the time `hutch ps` took; most commands never
 * use them. OpenSSL's libcrypto (digest.c: sha256; auth.c: base64) is a
 * fourth, hutch-crypto.so: loading and relocating it cost every command,
 * `run` of a present image included, ~4-7 ms of CPU, and only pulls,
 * imports, loads and logins digest or encode anything.
 *
 * Each function of those files' APIs has a stub here with the same name
 * and signature: it dlopen()s its module on first use and calls the real
 * function. The modules are linked with -Bsymbolic (their own calls stay
 * inside them) and find the rest of hutch (util/, image/, the engine) in
 * the executable, which exports its symbols; so there is one copy of
 * every piece of state, e.g. the log level --debug sets. Unit tests and
 * hutch-runtime link the static libraries whole and never come here.
 *
 * Where the modules are: $HUTCH_PLUGIN_DIR, next to the executable (or in
 * src/hutch/ below it: the build tree), or the installed HUTCH_PLUGIN_DIR. */
#include "api/api.h"
#include "build/tarwrite.h"
#include "engine/engine.h"
#include "engine/net/nft.h"
#include "image/auth.h"
#include "image/digest.h"
#include "image/image_archive.h"
#include "image/registry.h"
#include "image/unpack.h"
#include "runtime/sealed.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HUTCH_PLUGIN_DIR
#define HUTCH_PLUGIN_DIR "/usr/local/lib/hutch"
#endif

static void *try_open(const char *dir, const char *module) {
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/hutch-%s.so", dir, module);
  if (access(path, R_OK) < 0)
    return NULL;
  hutch_debug("dlopen %s", path);
  return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

static void *open_module(const char *module, struct hutch_error **err) {
  const char *env = getenv("HUTCH_PLUGIN_DIR");
  void *h = env && *env ? try_open(env, module) : NULL;
  char exe[PATH_MAX];
  snprintf(exe, sizeof(exe), "%s", hutch_self_exe());
  if (!h && exe[0] == '/') {
    char *dir = dirname(exe), sub[PATH_MAX];
    snprintf(sub, sizeof(sub), "%s/src/hutch", dir);
    h = try_open(dir, module);
    if (!h)
      h = try_open(sub, module);
  }
  if (!h)
    h = try_open(HUTCH_PLUGIN_DIR, module);
  if (!h) {
    const char *why = dlerror();
    hutch_error_set(err, ENOENT, "plugin hutch-%s.so: %s", module,
                    why ? why : "not found (set HUTCH_PLUGIN_DIR)");
  }
  return h;
}

/* The function `name` of a module, loaded once per process. */
static void *plugin_sym(const char *module, const char *name, struct hutch_error **err) {
  static struct {
    const char *module;
    void *handle;
  } loaded[8];
  void *h = NULL;
  size_t i = 0;
  for (; i < ARRAY_SIZE(loaded) && loaded[i].module; i++)
    if (strcmp(loaded[i].module, module) == 0)
      h = loaded[i].handle;
  if (!h) {
    h = open_module(module, err);
    if (!h)
      return NULL;
    if (i < ARRAY_SIZE(loaded))
      loaded[i].module = module, loaded[i].handle = h;
  }
  void *fn = dlsym(h, name);
  if (!fn)
    hutch_error_set(err, ENOENT, "plugin hutch-%s.so: no %s", module, name);
  return fn;
}

/* `fn`, the module's version of the function this stub stands for. */
#define PLUGIN_FN(module, name, err)                                                               \
  static __typeof__(name) *fn;                                                                     \
  if (!fn)                                                                                         \
  fn = (__typeof__(name) *)plugin_sym(module, #name, err)

/* ---- registry (libcurl) ---- */

int hutch_registry_open(const char *domain, const char *repo,
                        const struct hutch_registry_opts *opts, struct hutch_registry **out,
                        struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_open, err);
  return fn ? fn(domain, repo, opts, out, err) : -1;
}

void hutch_registry_free(struct hutch_registry *r) {
  if (!r)
    return; /* only the module makes registries: it is loaded when there is one */
  PLUGIN_FN("registry", hutch_registry_free, NULL);
  if (fn)
    fn(r);
}

void hutch_registry_freep(struct hutch_registry **r) {
  hutch_registry_free(*r);
}

int hutch_registry_login(const char *domain, const struct hutch_registry_opts *opts,
                         struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_login, err);
  return fn ? fn(domain, opts, err) : -1;
}

int hutch_registry_get_manifest(struct hutch_registry *r, const char *repo, const char *ref,
                                char **data, size_t *len, char **content_type,
                                struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_get_manifest, err);
  return fn ? fn(r, repo, ref, data, len, content_type, err) : -1;
}

int hutch_registry_get_blob(struct hutch_registry *r, const char *repo, const char *digest,
                            int64_t size, char **data, size_t *len, struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_get_blob, err);
  return fn ? fn(r, repo, digest, size, data, len, err) : -1;
}

int hutch_registry_fetch_blobs(struct hutch_registry *r, const char *repo,
                               struct hutch_blob_fetch *blobs, size_t n,
                               hutch_fetch_progress_fn progress, void *ud,
                               struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_fetch_blobs, err);
  return fn ? fn(r, repo, blobs, n, progress, ud, err) : -1;
}

int hutch_registry_open_push(const char *domain, const char *repo, char *const *mount_from,
                             const struct hutch_registry_opts *opts, struct hutch_registry **out,
                             struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_open_push, err);
  return fn ? fn(domain, repo, mount_from, opts, out, err) : -1;
}

int hutch_registry_push_blob(struct hutch_registry *reg, const char *repo, const char *digest,
                             int fd, uint64_t size, const char *mount_from, uint64_t chunk,
                             enum hutch_blob_push *how, struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_push_blob, err);
  return fn ? fn(reg, repo, digest, fd, size, mount_from, chunk, how, err) : -1;
}

int hutch_registry_put_manifest(struct hutch_registry *reg, const char *repo, const char *ref,
                                const char *media_type, const char *data, size_t len,
                                struct hutch_error **err) {
  PLUGIN_FN("registry", hutch_registry_put_manifest, err);
  return fn ? fn(reg, repo, ref, media_type, data, len, err) : -1;
}

/* ---- archives (libarchive) ---- */

int hutch_layer_unpack(int fd, int destfd, struct hutch_unpack_result *res,
                       struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_layer_unpack, err);
  return fn ? fn(fd, destfd, res, err) : -1;
}

int hutch_layer_decompress(int fd, int outfd, char diff_id[static HUTCH_DIGEST_LEN],
                           struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_layer_decompress, err);
  return fn ? fn(fd, outfd, diff_id, err) : -1;
}

int hutch_layer_gzip(int in_fd, int out_fd, char digest[static HUTCH_DIGEST_LEN], uint64_t *size,
                     struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_layer_gzip, err);
  return fn ? fn(in_fd, out_fd, digest, size, err) : -1;
}

int hutch_image_save(struct hutch_store *s, char *const *refs, size_t n,
                     enum hutch_archive_format format, int fd, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_image_save, err);
  return fn ? fn(s, refs, n, format, fd, err) : -1;
}

int hutch_image_load(struct hutch_store *s, int fd, char ***loaded, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_image_load, err);
  return fn ? fn(s, fd, loaded, err) : -1;
}

int hutch_engine_busybox_image(struct hutch_engine *e, struct hutch_image **out,
                               struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_engine_busybox_image, err);
  return fn ? fn(e, out, err) : -1;
}

int hutch_ctr_copy_out(struct hutch_engine *e, struct hutch_ctr *c, const char *src,
                       const char *dst, int out_fd, const struct hutch_cp_opts *o,
                       struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_ctr_copy_out, err);
  return fn ? fn(e, c, src, dst, out_fd, o, err) : -1;
}

int hutch_ctr_copy_in(struct hutch_engine *e, struct hutch_ctr *c, const char *src, int in_fd,
                      const char *dst, const struct hutch_cp_opts *o, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_ctr_copy_in, err);
  return fn ? fn(e, c, src, in_fd, dst, o, err) : -1;
}

int hutch_ctr_path_stat(struct hutch_engine *e, struct hutch_ctr *c, const char *path,
                        struct hutch_path_stat *out, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_ctr_path_stat, err);
  return fn ? fn(e, c, path, out, err) : -1;
}

int hutch_ctr_export(struct hutch_engine *e, struct hutch_ctr *c, int fd,
                     struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_ctr_export, err);
  return fn ? fn(e, c, fd, err) : -1;
}

int hutch_ctr_diff(struct hutch_engine *e, struct hutch_ctr *c, char ***changes,
                   struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_ctr_diff, err);
  return fn ? fn(e, c, changes, err) : -1;
}

int hutch_tar_writer_open(int fd, struct hutch_tar_writer **out, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_tar_writer_open, err);
  return fn ? fn(fd, out, err) : -1;
}

int hutch_tar_writer_close(struct hutch_tar_writer *w, char diff_id[72], char content_id[72],
                           struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_tar_writer_close, err);
  return fn ? fn(w, diff_id, content_id, err) : -1;
}

void hutch_tar_writer_abort(struct hutch_tar_writer *w) {
  PLUGIN_FN("archive", hutch_tar_writer_abort, NULL);
  if (fn)
    fn(w);
}

int hutch_tar_add_upper(struct hutch_tar_writer *w, int upperfd, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_tar_add_upper, err);
  return fn ? fn(w, upperfd, err) : -1;
}

int hutch_tar_add_dir(struct hutch_tar_writer *w, const char *name, const struct hutch_tar_attr *a,
                      struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_tar_add_dir, err);
  return fn ? fn(w, name, a, err) : -1;
}

int hutch_tar_add_data(struct hutch_tar_writer *w, const char *name, const char *data, size_t len,
                       const struct hutch_tar_attr *a, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_tar_add_data, err);
  return fn ? fn(w, name, data, len, a, err) : -1;
}

int hutch_tar_add_tree(struct hutch_tar_writer *w, int srcfd, const char *name, const char *rel,
                       const struct hutch_tar_attr *a, hutch_tar_skip_fn skip, void *ud,
                       struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_tar_add_tree, err);
  return fn ? fn(w, srcfd, name, rel, a, skip, ud, err) : -1;
}

bool hutch_tar_is_archive(int fd) {
  PLUGIN_FN("archive", hutch_tar_is_archive, NULL);
  return fn ? fn(fd) : false;
}

int hutch_tar_add_archive(struct hutch_tar_writer *w, int fd, const char *dest,
                          const struct hutch_tar_attr *a, struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_tar_add_archive, err);
  return fn ? fn(w, fd, dest, a, err) : -1;
}

int hutch_volume_copy_up(const char *rootfs, const char *path, const char *data_dir,
                         struct hutch_error **err) {
  PLUGIN_FN("archive", hutch_volume_copy_up, err);
  return fn ? fn(rootfs, path, data_dir, err) : -1;
}

/* ---- nftables (libnftables) ---- */

bool hutch_nft_table_name_ok(const char *table) {
  PLUGIN_FN("nft", hutch_nft_table_name_ok, NULL);
  return fn ? fn(table) : false;
}

char *hutch_nft_render(const char *table, const struct hutch_nft_network *nets, size_t n_nets,
                       const struct hutch_nft_port *ports, size_t n_ports) {
  PLUGIN_FN("nft", hutch_nft_render, NULL);
  return fn ? fn(table, nets, n_nets, ports, n_ports) : NULL;
}

int hutch_nft_apply(const char *ruleset, bool dry_run, struct hutch_error **err) {
  PLUGIN_FN("nft", hutch_nft_apply, err);
  return fn ? fn(ruleset, dry_run, err) : -1;
}

int hutch_nft_table_exists(const char *table, struct hutch_error **err) {
  PLUGIN_FN("nft", hutch_nft_table_exists, err);
  return fn ? fn(table, err) : -1;
}

/* ---- digests and credentials (libcrypto) ---- */

int hutch_sha256_init(struct hutch_sha256 *h) {
  PLUGIN_FN("crypto", hutch_sha256_init, NULL);
  return fn ? fn(h) : -ENOENT;
}

/* update, final and cleanup follow a successful init: the module is there */
void hutch_sha256_update(struct hutch_sha256 *h, const void *data, size_t len) {
  if (!h->ctx)
    return;
  PLUGIN_FN("crypto", hutch_sha256_update, NULL);
  if (fn)
    fn(h, data, len);
}

void hutch_sha256_final(struct hutch_sha256 *h, char out[static HUTCH_DIGEST_LEN]) {
  PLUGIN_FN("crypto", hutch_sha256_final, NULL);
  if (fn && h->ctx)
    fn(h, out);
  else
    out[0] = '\0';
}

void hutch_sha256_cleanup(struct hutch_sha256 *h) {
  if (!h->ctx)
    return;
  PLUGIN_FN("crypto", hutch_sha256_cleanup, NULL);
  fn(h);
}

int hutch_sha256_buf(const void *data, size_t len, char out[static HUTCH_DIGEST_LEN]) {
  PLUGIN_FN("crypto", hutch_sha256_buf, NULL);
  return fn ? fn(data, len, out) : -ENOENT;
}

int hutch_sha256_fd(int fd, char out[static HUTCH_DIGEST_LEN], size_t *size) {
  PLUGIN_FN("crypto", hutch_sha256_fd, NULL);
  return fn ? fn(fd, out, size) : -ENOENT;
}

void hutch_creds_clear(struct hutch_creds *c) {
  if (!c->username && !c->password)
    return; /* nothing a lookup filled: no need to load the module */
  PLUGIN_FN("crypto", hutch_creds_clear, NULL);
  if (fn)
    fn(c);
}

int hutch_auth_lookup(const char *domain, struct hutch_creds *out) {
  PLUGIN_FN("crypto", hutch_auth_lookup, NULL);
  return fn ? fn(domain, out) : -ENOENT;
}

int hutch_auth_store(const char *domain, const char *username, const char *password,
                     struct hutch_error **err) {
  PLUGIN_FN("crypto", hutch_auth_store, err);
  return fn ? fn(domain, username, password, err) : -1;
}

int hutch_auth_remove(const char *domain, struct hutch_error **err) {
  PLUGIN_FN("crypto", hutch_auth_remove, err);
  return fn ? fn(domain, err) : -1;
}

char *hutch_auth_write_path(void) {
  PLUGIN_FN("crypto", hutch_auth_write_path, NULL);
  return fn ? fn() : NULL;
}

/* ---- the Docker API service (libmicrohttpd) ---- */

int hutch_api_serve(const struct hutch_api_opts *o, struct hutch_error **err) {
  PLUGIN_FN("api", hutch_api_serve, err);
  return fn ? fn(o, err) : -1;
}
