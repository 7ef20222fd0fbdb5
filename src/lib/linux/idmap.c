/* Idmapped bind mounts, made by the runtime's parent before clone.
 *
 * Why the parent, for containers with and without a user namespace:
 * mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN over the user
 * namespace that owns the source's superblock (the host's, for host
 * directories) and over the user namespace that carries the idmapping. A
 * child cloned into a new user namespace has neither; the parent has both.
 * Doing it in the parent for every container keeps one code path: the
 * detached trees are ordinary fds the child inherits through clone3, so no
 * message is added to the sync protocol, and the child only needs
 * move_mount(), which its own mount namespace allows.
 *
 * The idmapping is a user namespace holding the mappings: the mount's own
 * uid/gidMappings, or else linux.uidMappings/gidMappings (a namespace made
 * here with the same maps is the same idmapping as the container's, which
 * does not exist yet before clone), or else the user namespace the spec
 * joins by path. Semantics are the kernel's and runc's: a file owned by
 * containerID on disk shows as hostID through the mount. */
#include "idmap.h"

#include "userns.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_full(int fd, void *buf, size_t len) {
  ssize_t n;
  do
    n = read(fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t)len ? 0 : -1;
}

/* A user namespace fd with these maps: a helper process unshares a user
 * namespace and holds it while we write its maps from here (writing them
 * needs privilege in our namespace, which the helper no longer has). */
static int userns_with_maps(const struct spec_id_mapping *u, size_t nu,
                            const struct spec_id_mapping *g, size_t ng, const char *what,
                            struct hutch_error **err) {
  int ready[2], hold[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "%s: pipe", what);
  if (pipe2(hold, O_CLOEXEC) < 0) {
    int e = errno;
    close(ready[0]);
    close(ready[1]);
    return hutch_error_set(err, e, "%s: pipe", what);
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    close(hold[1]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
    if (write(ready[1], &e, sizeof(e)) != sizeof(e))
      _exit(1);
    char c;
    /* Until the parent has opened our namespace and closes its end. */
    while (read(hold[0], &c, 1) < 0 && errno == EINTR)
      ;
    _exit(0);
  }
  int fe = errno;
  close(ready[1]);
  close(hold[0]);
  _cleanup_close_ int rd = ready[0], hd = hold[1];
  if (pid < 0)
    return hutch_error_set(err, fe, "%s: fork the user namespace helper", what);

  int r = -1, e = 0;
  if (read_full(rd, &e, sizeof(e)) < 0) {
    hutch_error_set(err, EPIPE, "%s: the user namespace helper died", what);
  } else if (e != 0) {
    hutch_error_set(err, e, "%s: unshare(CLONE_NEWUSER)", what);
  } else {
    struct spec_linux maps = {.uid_mappings = (struct spec_id_mapping *)u,
                              .n_uid_mappings = nu,
                              .gid_mappings = (struct spec_id_mapping *)g,
                              .n_gid_mappings = ng};
    if (hutch_userns_write_maps(pid, &maps, err) < 0) {
      hutch_error_wrap(err, "%s", what);
    } else {
      char p[64];
      snprintf(p, sizeof(p), "/proc/%d/ns/user", (int)pid);
      r = open(p, O_RDONLY | O_CLOEXEC);
      if (r < 0)
        hutch_error_set(err, errno, "%s: open %s", what, p);
    }
  }
  hutch_closep(&hd);
  if (r < 0)
    kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return r;
}

/* The user namespace of the container's own mappings, for idmap mounts
 * that name none. */
static int container_userns(const struct spec_linux *l, const char *what,
                            struct hutch_error **err) {
  const struct spec_namespace *ns = &l->namespaces[SPEC_NS_USER];
  if (ns->present && ns->path) {
    int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return hutch_error_set(err, errno, "%s: open user namespace %s", what, ns->path);
    return fd;
  }
  if (ns->present && l->n_uid_mappings && l->n_gid_mappings)
    return userns_with_maps(l->uid_mappings, l->n_uid_mappings, l->gid_mappings, l->n_gid_mappings,
                            what, err);
  return hutch_error_set(err, EINVAL,
                         "%s: idmap without uidMappings and gidMappings needs a user namespace "
                         "with mappings",
                         what);
}

static int idmapped_tree(const struct spec_mount *m, int userns, const char *what,
                         struct hutch_error **err) {
  /* The clone takes the submounts for rbind (as a bind mount would) and
   * for ridmap (which idmaps them too). */
  bool rec = m->recursive_bind || m->ridmap;
  hutch_debug("open_tree %s OPEN_TREE_CLONE%s", m->source, rec ? "|AT_RECURSIVE" : "");
  _cleanup_close_ int t = open_tree(AT_FDCWD, m->source,
                                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
  if (t < 0) {
    if (errno == ENOSYS)
      return hutch_error_set(err, ENOSYS, "%s: idmapped mounts need open_tree (Linux 5.2)", what);
    return hutch_error_set(err, errno, "%s: clone the source %s", what, m->source);
  }
  /* The clone joins the source's peer group if that is shared (the host's
   * / usually is): make it a slave, as every other bind in the container
   * is, so mounts the container makes under it cannot reach the host. */
  struct mount_attr prop = {.propagation = MS_SLAVE};
  if (mount_setattr(t, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &prop, sizeof(prop)) < 0) {
    if (errno == ENOSYS)
      return hutch_error_set(err, ENOSYS, "%s: idmapped mounts need mount_setattr (Linux 5.12)",
                             what);
    return hutch_error_set(err, errno, "%s: make the clone of %s a slave", what, m->source);
  }
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  hutch_debug("mount_setattr %s MOUNT_ATTR_IDMAP%s", m->source, m->ridmap ? " AT_RECURSIVE" : "");
  if (mount_setattr(t, "", AT_EMPTY_PATH | (m->ridmap ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0) {
    int e = errno;
    if (e == EINVAL)
      return hutch_error_set(err, e, "%s: the filesystem of %s does not support idmapped mounts",
                             what, m->source);
    return hutch_error_set(err, e, "%s: idmap the clone of %s", what, m->source);
  }
  return TAKE_FD(t);
}

void hutch_idmap_free(int *fds, size_t n) {
  if (fds == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  free(fds);
}

/* A plain bind source for a container with a user namespace: cloned here,
 * where the whole path is reachable, since the container's root may not
 * be able to walk it (a source below a 0700 directory). Best effort: a
 * source that is missing yet (a hook may make it) is left to the child. */
static int plain_tree(const struct spec_mount *m) {
  bool rec = m->recursive_bind;
  hutch_debug("open_tree %s OPEN_TREE_CLONE%s (for the user namespace)", m->source,
              rec ? "|AT_RECURSIVE" : "");
  _cleanup_close_ int t = open_tree(AT_FDCWD, m->source,
                                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
  if (t < 0) {
    hutch_debug("open_tree %s: %s, the child binds it by path", m->source, strerror(errno));
    return -EBADF;
  }
  struct mount_attr prop = {.propagation = MS_SLAVE};
  if (mount_setattr(t, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &prop, sizeof(prop)) < 0) {
    hutch_debug("make the clone of %s a slave: %s, the child binds it by path", m->source,
                strerror(errno));
    return -EBADF;
  }
  return TAKE_FD(t);
}

int hutch_idmap_prepare(const struct spec *spec, int **out, struct hutch_error **err) {
  *out = NULL;
  size_t n = spec->n_mounts;
  bool has_userns = spec->linux_.namespaces[SPEC_NS_USER].present;
  bool any = false;
  for (size_t i = 0; i < n; i++)
    any |= spec->mounts[i].idmap || spec->mounts[i].ridmap ||
           (has_userns && spec->mounts[i].bind && spec->mounts[i].source);
  if (!any)
    return 0;
  int *fds = malloc(n * sizeof(*fds));
  if (fds == NULL)
    return hutch_error_set(err, ENOMEM, "idmapped mounts");
  for (size_t i = 0; i < n; i++)
    fds[i] = -EBADF;
  _cleanup_close_ int shared_userns = -EBADF; /* the container's mappings, made once */
  for (size_t i = 0; i < n; i++) {
    const struct spec_mount *m = &spec->mounts[i];
    if (!m->idmap && !m->ridmap) {
      if (has_userns && m->bind && m->source)
        fds[i] = plain_tree(m);
      continue;
    }
    char what[512];
    snprintf(what, sizeof(what), "mounts[%zu] %s", i, m->destination);
    if (!m->bind || m->source == NULL) {
      hutch_error_set(err, EINVAL, "%s: idmap and ridmap apply to bind mounts only", what);
      goto fail;
    }
    _cleanup_close_ int own = -EBADF;
    int userns;
    if (m->n_uid_mappings || m->n_gid_mappings) {
      if (!m->n_uid_mappings || !m->n_gid_mappings) {
        hutch_error_set(err, EINVAL, "%s: uidMappings and gidMappings must be given together",
                        what);
        goto fail;
      }
      own = userns_with_maps(m->uid_mappings, m->n_uid_mappings, m->gid_mappings, m->n_gid_mappings,
                             what, err);
      if (own < 0)
        goto fail;
      userns = own;
    } else {
      if (shared_userns < 0 && (shared_userns = container_userns(&spec->linux_, what, err)) < 0)
        goto fail;
      userns = shared_userns;
    }
    fds[i] = idmapped_tree(m, userns, what, err);
    if (fds[i] < 0)
      goto fail;
  }
  *out = fds;
  return 0;
fail:
  hutch_idmap_free(fds, n);
  return -1;
}
