/* RUN, COPY and ADD; see builder.h.
 *
 * RUN makes a container as `hutch run` does (hutch_ctr_create from the
 * stage's current image, no TTY, --network as asked, the ARGs in its
 * environment unless ENV sets them), runs it attached, turns its upper dir
 * into the layer, and removes it, also when it failed.
 *
 * COPY and ADD write their layer straight from the sources (context, an
 * earlier stage or an image), without a container: parents the image
 * lacks are created (owned as --chown says), --chmod sets the copied
 * entries' permission bits, ADD unpacks local tars. */
#include "builder.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *join(char *const *v, const char *sep) {
  size_t n = 1;
  for (char *const *p = v; p && *p; p++)
    n += strlen(*p) + strlen(sep);
  char *s = calloc(1, n);
  for (char *const *p = v; s && p && *p; p++) {
    if (p != v)
      strcat(s, sep);
    strcat(s, *p);
  }
  return s;
}

/* ---- RUN ---- */

/* The ARGs the RUN sees: those ENV does not set. */
static char **run_env(const struct stage_state *st) {
  char **env = calloc(1, sizeof(char *));
  for (char **a = st->args; env && a && *a; a++) {
    _cleanup_free_ char *k = strndup(*a, strcspn(*a, "="));
    if (k && !hutch_kv_get(st->bc->c->env, k))
      hutch_strv_push(&env, *a);
  }
  return env;
}

/* Start c attached; its output is ours unless -q. */
static int run_attached(struct builder *b, struct hutch_ctr *c, int *status,
                        struct hutch_error **err) {
  /* docker build: a killed or interrupted build takes its RUN with it */
  struct hutch_attach at = {.attach = true, .tied = true};
  int saved_out = -1, saved_err = -1;
  if (b->o->quiet) {
    _cleanup_close_ int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    fflush(stdout);
    saved_out = dup(STDOUT_FILENO);
    saved_err = dup(STDERR_FILENO);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
  }
  int r = hutch_ctr_start(b->e, c, &at, status, err);
  if (saved_out >= 0) {
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
  }
  return r;
}

static int run_in(struct builder *b, struct stage_state *st, struct hutch_ctr *c, char **cmd,
                  struct hutch_new_layer *layer, struct hutch_error **err) {
  int status = 0;
  hutch_builder_say(b, " ---> Running in %.12s\n", c->id);
  if (run_attached(b, c, &status, err) < 0)
    return -1;
  if (status != 0) {
    _cleanup_free_ char *text = join(cmd, " ");
    return hutch_error_say(err, EIO, "The command '%s' returned a non-zero code: %d",
                           text ? text : "", status);
  }
  _cleanup_free_ char *upper = hutch_ctr_path(c, "upper");
  if (!upper)
    return hutch_error_set(err, ENOMEM, "RUN");
  return hutch_build_layer_from_upper(b->s, upper, layer, err);
}

/* RUN <<EOF with a "#!" script: the script as a file NAME (0755) in a
 * new directory *dir, which the RUN sees read-only at /dev/pipes, as
 * buildkit mounts it there. */
static int pipe_dir(struct builder *b, const struct hutch_df_heredoc *h, char **dir,
                    struct hutch_error **err) {
  _cleanup_free_ char *text = hutch_df_heredoc_text(h);
  if (!text || asprintf(dir, "%s/tmp/pipes-XXXXXX", b->s->root) < 0)
    return hutch_error_set(err, ENOMEM, "RUN");
  if (!mkdtemp(*dir))
    return hutch_error_set(err, errno, "RUN: mkdtemp %s", *dir);
  _cleanup_close_ int dfd = open(*dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int r = dfd < 0 ? -errno : hutch_write_file_replace(dfd, h->name, text, strlen(text), 0755);
  if (r == 0 && fchmodat(dfd, h->name, 0755, 0) < 0)
    r = -errno;
  return r < 0 ? hutch_error_set(err, -r, "RUN: write the heredoc %s", h->name) : 0;
}

/* The RUN's container: the stage's image, env and the build's network. */
static int run_create(struct builder *b, struct stage_state *st, const struct hutch_df_instr *in,
                      char **cmd, char **env, struct hutch_ctr **c, char **pipes,
                      struct hutch_error **err) {
  const char *net = b->o->network;
  struct hutch_run_opts o = {.cmd = cmd,
                             .has_entrypoint = true,
                             .env = env,
                             .stop_timeout = -1,
                             .network = net && strcmp(net, "default") != 0 ? (char *)net : NULL};
  if (in->pipe_file && pipe_dir(b, &in->heredocs[0], pipes, err) < 0)
    return -1;
  if (*pipes) {
    o.mounts = calloc(1, sizeof(*o.mounts));
    if (!o.mounts || !(o.mounts[0].source = strdup(*pipes)) ||
        !(o.mounts[0].target = strdup("/dev/pipes")))
      return hutch_error_set(err, ENOMEM, "RUN");
    o.mounts[0].type = HUTCH_MOUNT_BIND;
    o.mounts[0].readonly = true;
    o.n_mounts = 1;
  }
  int r = hutch_ctr_create(b->e, st->img->id, st->img, &o, c, err);
  for (size_t i = 0; i < o.n_mounts; i++)
    hutch_mount_req_clear(&o.mounts[i]);
  free(o.mounts);
  return r;
}

int hutch_builder_run(struct builder *b, struct stage_state *st, const struct hutch_df_instr *in,
                      const char *key, struct hutch_error **err) {
  if (!st->img || st->img->n_layers == 0)
    return hutch_error_say(err, EINVAL, "no command can run on an image without layers (scratch)");
  _cleanup_strv_ char **cmd = hutch_build_command(st->bc, in);
  _cleanup_strv_ char **env = run_env(st);
  if (!cmd || !env)
    return hutch_error_set(err, ENOMEM, "RUN");
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  _cleanup_free_ char *pipes = NULL;
  int cr = run_create(b, st, in, cmd, env, &c, &pipes, err);
  if (pipes && cr < 0)
    hutch_rm_rf(pipes);
  if (cr < 0)
    return -1;
  struct hutch_new_layer layer = {0};
  int r = run_in(b, st, c, cmd, &layer, err);
  /* the temporary container goes, whatever happened */
  struct hutch_error *rerr = NULL;
  if (hutch_ctr_lock(c, &rerr) < 0 || hutch_ctr_remove(b->e, c, true, true, &rerr) < 0) {
    if (r == 0)
      r = hutch_error_set(err, hutch_error_code(rerr), "remove intermediate container: %s",
                          rerr ? rerr->msg : "");
    hutch_error_free(rerr);
  } else {
    hutch_builder_say(b, "Removing intermediate container %.12s\n", c->id);
  }
  if (pipes)
    hutch_rm_rf(pipes);
  if (r < 0)
    return r;
  _cleanup_free_ char *text = join(cmd, " ");
  _cleanup_free_ char *by = NULL;
  size_t na = hutch_strv_len(env);
  _cleanup_free_ char *args = join(env, " ");
  if (!text || !args ||
      (na ? asprintf(&by, "|%zu %s %s", na, args, text) : asprintf(&by, "%s", text)) < 0)
    return hutch_error_set(err, ENOMEM, "RUN");
  return hutch_builder_commit(b, st, by, &layer, key, err);
}

/* ---- COPY and ADD ---- */

struct copy_job {
  struct builder *b;
  struct stage_state *st;
  const struct hutch_df_instr *in;
  int rootfd;    /* where sources are */
  bool context;  /* rootfd is the build context (.dockerignore applies) */
  char **srcs;   /* expanded, cleaned, relative to rootfd */
  char *dest;    /* cleaned, absolute */
  bool dest_dir; /* sources go below dest */
  struct hutch_tar_attr attr;
  bool add;
  char **made; /* parent dirs already in the layer: a tar names each path once */
};

/* Does the image have path (absolute), and is it a directory? Layers are
 * looked at from the top; a whiteout there means it was deleted. */
static bool image_has(const struct hutch_image *img, const char *path, bool *is_dir) {
  *is_dir = false;
  for (size_t i = img ? img->n_layers : 0; i-- > 0;) {
    _cleanup_close_ int lfd = open(img->layer_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (lfd < 0 || fstatat(lfd, path[1] ? path + 1 : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
      return false;
    *is_dir = S_ISDIR(st.st_mode);
    return true;
  }
  return false;
}

static bool skip_ignored(void *ud, const char *rel) {
  struct copy_job *j = ud;
  return j->context && hutch_ignore_match(j->b->ignore, rel);
}

static int remember(struct copy_job *j, const char *dir) {
  if (!j->made && !(j->made = calloc(1, sizeof(char *))))
    return -ENOMEM;
  return hutch_strv_push(&j->made, dir);
}

/* Parent directories of name (relative, in the layer) that the image
 * lacks and this layer does not have yet. */
static int add_parents(struct copy_job *j, struct hutch_tar_writer *w, const char *name,
                       struct hutch_error **err) {
  _cleanup_free_ char *p = strdup(name);
  if (!p)
    return hutch_error_set(err, ENOMEM, "COPY");
  for (char *sl = strchr(p, '/'); sl; sl = strchr(sl + 1, '/')) {
    *sl = '\0';
    _cleanup_free_ char *abs = NULL;
    bool dir;
    if (asprintf(&abs, "/%s", p) < 0)
      return hutch_error_set(err, ENOMEM, "COPY");
    struct hutch_tar_attr a = j->attr;
    a.mode = -1;
    bool made = false;
    for (char **m = j->made; m && *m && !made; m++)
      made = strcmp(*m, p) == 0;
    if (!made && !image_has(j->st->img, abs, &dir)) {
      if (hutch_tar_add_dir(w, p, &a, err) < 0)
        return -1;
      if (remember(j, p) < 0)
        return hutch_error_set(err, ENOMEM, "COPY");
    }
    *sl = '/';
  }
  return 0;
}

static int copy_one(struct copy_job *j, struct hutch_tar_writer *w, const char *src,
                    struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(j->rootfd, src, O_PATH | O_CLOEXEC, 0);
  if (fd < 0 || (j->context && strcmp(src, ".") != 0 && hutch_ignore_match(j->b->ignore, src)))
    return hutch_error_say(err, ENOENT,
                           "file not found in build context or excluded by .dockerignore: "
                           "stat %s: file does not exist",
                           src);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hutch_error_set(err, errno, "stat %s", src);
  const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
  const char *d = j->dest + 1; /* relative in the layer */
  _cleanup_free_ char *name = NULL;
  if (S_ISDIR(st.st_mode) || !j->dest_dir)
    name = strdup(d);
  else if (asprintf(&name, "%s%s%s", d, *d ? "/" : "", base) < 0)
    name = NULL;
  if (!name)
    return hutch_error_set(err, ENOMEM, "COPY");
  if (add_parents(j, w, name, err) < 0)
    return -1;
  if (j->add && S_ISREG(st.st_mode)) {
    char p[32];
    _cleanup_close_ int rfd = open(hutch_fd_path(fd, p), O_RDONLY | O_CLOEXEC);
    if (rfd >= 0 && hutch_tar_is_archive(rfd)) {
      _cleanup_free_ char *dir = strdup(d);
      return dir ? hutch_tar_add_archive(w, rfd, dir, NULL, err)
                 : hutch_error_set(err, ENOMEM, "ADD");
    }
  }
  /* a directory already there (made here, or in the image) keeps its entry */
  struct hutch_tar_attr a = j->attr;
  if (S_ISDIR(st.st_mode)) {
    bool dir = false;
    for (char **m = j->made; m && *m && !a.skip_top; m++)
      a.skip_top = strcmp(*m, name) == 0;
    if (!a.skip_top && (image_has(j->st->img, j->dest, &dir) && dir))
      a.skip_top = true;
    if (!a.skip_top && *name && remember(j, name) < 0)
      return hutch_error_set(err, ENOMEM, "COPY");
  }
  return hutch_tar_add_tree(w, fd, name, j->context ? src : NULL, &a,
                            j->context ? skip_ignored : NULL, j, err);
}

/* COPY <<NAME: the heredoc as the file NAME (dest itself when dest is
 * not a directory), its variables expanded unless the delimiter was quoted. */
static int copy_heredoc(struct copy_job *j, struct hutch_tar_writer *w,
                        const struct hutch_df_heredoc *h, struct hutch_error **err) {
  if (strchr(h->name, '/') || strcmp(h->name, "..") == 0 || strcmp(h->name, ".") == 0)
    return hutch_error_say(err, EINVAL, "invalid heredoc name for a file: %s", h->name);
  _cleanup_free_ char *text = hutch_df_heredoc_text(h), *data = NULL, *name = NULL;
  if (!text)
    return hutch_error_set(err, ENOMEM, "COPY");
  struct hutch_build_vars v = hutch_builder_vars(j->b, j->st);
  if (!h->expand)
    data = TAKE_PTR(text);
  else if (hutch_shlex_expand_text(text, v.escape, v.lookup, v.ud, &data, err) < 0)
    return -1;
  const char *d = j->dest + 1;
  if (j->dest_dir ? asprintf(&name, "%s%s%s", d, *d ? "/" : "", h->name) < 0 : !(name = strdup(d)))
    return hutch_error_set(err, ENOMEM, "COPY");
  if (add_parents(j, w, name, err) < 0)
    return -1;
  return hutch_tar_add_data(w, name, data, strlen(data), &j->attr, err);
}

static int fill_copy(struct hutch_tar_writer *w, void *ud, struct hutch_error **err) {
  struct copy_job *j = ud;
  for (char **s = j->srcs; *s; s++)
    if (copy_one(j, w, *s, err) < 0)
      return -1;
  for (size_t i = 0; i < j->in->n_heredocs; i++)
    if (copy_heredoc(j, w, &j->in->heredocs[i], err) < 0)
      return -1;
  return 0;
}

static bool has_glob(const char *s) {
  return strpbrk(s, "*?[") != NULL;
}

/* Every path below the directory at fd matching pattern, into *out. */
static int glob_walk(struct copy_job *j, int fd, const char *prefix, const char *pattern,
                     char ***out, int depth) {
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!d) {
    if (dfd >= 0)
      close(dfd);
    return depth > 0 ? 0 : -errno;
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *rel = NULL;
    if (asprintf(&rel, "%s%s%s", prefix, *prefix ? "/" : "", de->d_name) < 0)
      return -ENOMEM;
    if (j->context && hutch_ignore_match(j->b->ignore, rel) &&
        !hutch_ignore_may_include_below(j->b->ignore, rel))
      continue;
    if (hutch_path_match(pattern, rel) && !(j->context && hutch_ignore_match(j->b->ignore, rel)))
      hutch_strv_push(out, rel);
    if (de->d_type == DT_DIR && depth < 64) {
      _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW);
      if (sub >= 0 && glob_walk(j, sub, rel, pattern, out, depth + 1) < 0)
        return -ENOMEM;
    }
  }
  return 0;
}

static int by_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The expanded, cleaned sources and destination of the instruction. */
static int resolve_args(struct copy_job *j, struct hutch_error **err) {
  struct hutch_build_vars v = hutch_builder_vars(j->b, j->st);
  size_t n = hutch_strv_len(j->in->args);
  bool globbed = false;
  j->srcs = calloc(1, sizeof(char *));
  for (size_t i = 0; j->srcs && i + 1 < n; i++) {
    _cleanup_free_ char *w = NULL, *clean = NULL;
    if (hutch_shlex_expand(j->in->args[i], v.escape, v.lookup, v.ud, &w, err) < 0)
      return -1;
    if (j->add && strstr(w, "://"))
      return hutch_error_say(err, ENOTSUP, "source %s: ADD of a URL is not supported by hutch", w);
    clean = hutch_path_clean(w[0] == '/' ? w + 1 : w);
    if (!clean)
      return hutch_error_set(err, ENOMEM, "COPY");
    if (strcmp(clean, "..") == 0 || strncmp(clean, "../", 3) == 0)
      return hutch_error_say(err, EPERM, "forbidden path outside the build context: %s", w);
    if (!has_glob(clean)) {
      hutch_strv_push(&j->srcs, clean);
      continue;
    }
    globbed = true;
    size_t before = hutch_strv_len(j->srcs);
    if (glob_walk(j, j->rootfd, "", clean, &j->srcs, 0) < 0)
      return hutch_error_set(err, ENOMEM, "COPY");
    qsort(j->srcs + before, hutch_strv_len(j->srcs) - before, sizeof(char *), by_str);
  }
  if (!j->srcs)
    return hutch_error_set(err, ENOMEM, "COPY");
  size_t nsrc = hutch_strv_len(j->srcs) + j->in->n_heredocs;
  if (nsrc == 0)
    return hutch_error_say(err, ENOENT, "no source files were specified");
  _cleanup_free_ char *dw = NULL, *abs = NULL;
  if (hutch_shlex_expand(j->in->args[n - 1], v.escape, v.lookup, v.ud, &dw, err) < 0)
    return -1;
  const char *wd = j->st->bc->c->working_dir;
  if (asprintf(&abs, "%s/%s", dw[0] == '/' ? "" : (wd && *wd ? wd : "/"), dw) < 0 ||
      !(j->dest = hutch_path_clean(abs)))
    return hutch_error_set(err, ENOMEM, "COPY");
  bool is_dir = false;
  size_t dl = strlen(dw);
  j->dest_dir = (dl && dw[dl - 1] == '/') || nsrc > 1 || globbed ||
                (image_has(j->st->img, j->dest, &is_dir) && is_dir) || strcmp(j->dest, "/") == 0;
  if (nsrc > 1 && !(dl && dw[dl - 1] == '/') && !is_dir)
    return hutch_error_say(err, EINVAL,
                           "When using %s with more than one source file, the destination must "
                           "be a directory and end with a /",
                           hutch_df_kind_name(j->in->kind));
  return 0;
}

/* --chown user[:group] against the image's /etc/passwd and /etc/group;
 * --chmod octal. */
static int resolve_attr(struct copy_job *j, struct hutch_error **err) {
  j->attr = (struct hutch_tar_attr){-1, -1, -1};
  const char *chmod_s = hutch_df_flag(j->in, "chmod");
  if (chmod_s) {
    char *end;
    long m = strtol(chmod_s, &end, 8);
    if (!*chmod_s || *end || m < 0 || m > 07777)
      return hutch_error_say(err, EINVAL, "invalid chmod parameter: %s", chmod_s);
    j->attr.mode = (int)m;
  }
  const char *chown_s = hutch_df_flag(j->in, "chown");
  if (!chown_s)
    return 0;
  struct hutch_build_vars v = hutch_builder_vars(j->b, j->st);
  _cleanup_free_ char *spec = NULL, *passwd = NULL, *group = NULL;
  if (hutch_shlex_expand(chown_s, v.escape, v.lookup, v.ud, &spec, err) < 0)
    return -1;
  for (size_t i = j->st->img ? j->st->img->n_layers : 0; i-- > 0;) {
    if (!passwd)
      hutch_read_user_db(j->st->img->layer_dirs[i], "/etc/passwd", &passwd, NULL);
    if (!group)
      hutch_read_user_db(j->st->img->layer_dirs[i], "/etc/group", &group, NULL);
  }
  struct hutch_user u = {0};
  if (hutch_resolve_user(spec, passwd, group, &u, err) < 0)
    return hutch_error_wrap(err, "--chown");
  j->attr.uid = u.uid;
  /* docker: a user without a group gets the same number as its gid */
  j->attr.gid = strchr(spec, ':') ? u.gid : u.uid;
  hutch_user_clear(&u);
  return 0;
}

/* --from: an earlier stage or an image, seen through a read-only overlay
 * of its layers (one layer: the layer dir itself). */
static int source_root(struct copy_job *j, char **mnt, struct hutch_error **err) {
  const char *from = hutch_df_flag(j->in, "from");
  if (!from) {
    j->rootfd = j->b->ctxfd;
    j->context = true;
    return 0;
  }
  int dep = hutch_stage_find(&j->b->stages, from, j->st->index);
  _cleanup_image_ struct hutch_image *img = NULL;
  int r = dep >= 0 ? hutch_image_lookup(j->b->s, j->b->stage_ids[dep], &img, err)
                   : hutch_engine_image_get(j->b->e, from, NULL, j->b->o->platform, &img, err);
  if (r < 0)
    return hutch_error_wrap(err, "--from=%s", from);
  if (img->n_layers == 0)
    return hutch_error_say(err, ENOENT, "--from=%s: the image has no files", from);
  const char *root = img->layer_dirs[0];
  if (img->n_layers > 1) {
    _cleanup_free_ char *lower = hutch_lower_dir_join(img->layer_dirs, img->n_layers);
    _cleanup_free_ char *opts = NULL;
    if (asprintf(mnt, "%s/tmp/from-XXXXXX", j->b->s->root) < 0 || !mkdtemp(*mnt) || !lower ||
        asprintf(&opts, "lowerdir=%s", lower) < 0)
      return hutch_error_set(err, errno ? errno : ENOMEM, "--from=%s: mount point", from);
    hutch_debug("mount overlay (read-only) %s on %s", opts, *mnt);
    if (mount("overlay", *mnt, "overlay", MS_RDONLY, opts) < 0) {
      int e = errno;
      rmdir(*mnt);
      free(*mnt);
      *mnt = NULL;
      return hutch_error_set(err, e, "--from=%s: mount overlay", from);
    }
    root = *mnt;
  }
  j->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return j->rootfd < 0 ? hutch_error_set(err, errno, "open %s", root) : 0;
}

static void release_root(struct copy_job *j, char *mnt) {
  if (!j->context && j->rootfd >= 0)
    close(j->rootfd);
  if (mnt) {
    umount2(mnt, MNT_DETACH);
    rmdir(mnt);
    free(mnt);
  }
}

static int copy_layer(struct copy_job *j, struct hutch_new_layer *layer, struct hutch_error **err) {
  char *mnt = NULL;
  int r = source_root(j, &mnt, err);
  if (r == 0)
    r = resolve_attr(j, err);
  if (r == 0)
    r = resolve_args(j, err);
  if (r == 0)
    r = hutch_build_write_layer(j->b->s, fill_copy, j, layer, err);
  release_root(j, mnt);
  return r;
}

int hutch_builder_copy(struct builder *b, struct stage_state *st, const struct hutch_df_instr *in,
                       const char *key_base,
                       int (*cached)(struct builder *, struct stage_state *, const char *key,
                                     struct hutch_error **),
                       struct hutch_error **err) {
  struct copy_job j = {
      .b = b, .st = st, .in = in, .rootfd = -EBADF, .add = in->kind == HUTCH_DF_ADD};
  struct hutch_new_layer layer = {0};
  int r = copy_layer(&j, &layer, err);
  char key[72];
  if (r == 0) {
    hutch_build_cache_key(st->img, key_base, layer.content_id, key);
    r = cached(b, st, key, err);
  }
  if (r != 0) { /* failed, or the cache has it */
    hutch_build_layer_drop(&layer);
  } else {
    _cleanup_free_ char *by = NULL;
    const char *what = hutch_strv_len(j.srcs) + in->n_heredocs > 1 ? "multi" : "file";
    if (asprintf(&by, "/bin/sh -c #(nop) %s %s:%s in %s ", hutch_df_kind_name(in->kind), what,
                 layer.content_id + 7, j.dest) < 0)
      r = hutch_error_set(err, ENOMEM, "COPY");
    if (r == 0)
      r = hutch_build_layer_keep(b->s, &layer, err);
    if (r == 0)
      r = hutch_builder_commit(b, st, by, &layer, key, err);
    hutch_build_layer_drop(&layer);
  }
  hutch_strv_free(j.srcs);
  hutch_strv_free(j.made);
  free(j.dest);
  return r < 0 ? -1 : 0;
}
