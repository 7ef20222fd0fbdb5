/* fuse-overlayfs: the user-space overlay a rootless container's rootfs
 * falls back to when the kernel refuses a native overlay mount in a user
 * namespace (kernels before 5.11), or that HUTCH_MOUNT_PROGRAM names
 * (podman's storage.conf mount_program). The program mounts and then
 * stays as the filesystem's daemon; the same umount2 as for overlay ends
 * it. See docs/rootless.md. */
#include "engine.h"

#include "util/child.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* "lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W", or NULL. */
char *hutch_overlay_options(char *const *layer_dirs, size_t n, const char *upper,
                            const char *work) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  fputs("lowerdir=", f);
  for (size_t i = n; i-- > 0;)
    fprintf(f, "%s%s", layer_dirs[i], i ? ":" : "");
  fprintf(f, ",upperdir=%s,workdir=%s", upper, work);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* The child: PROG -o OPTS MERGED, stderr into the pipe, nothing else of
 * hutch's (util/child.h): the daemon it leaves behind must stop on SIGTERM
 * like any other. */
static _Noreturn void exec_fuse(const char *prog, const char *opts, const char *merged, int errw) {
  if (hutch_child_setup(errw, -1) == 0)
    execlp(prog, prog, "-o", opts, merged, (char *)NULL);
  fprintf(stderr, "%s: %s\n", prog, strerror(errno));
  _exit(127);
}

int hutch_fuse_overlay_mount(const char *prog, char *const *layer_dirs, size_t n, const char *upper,
                             const char *work, const char *merged, struct hutch_error **err) {
  _cleanup_free_ char *opts = hutch_overlay_options(layer_dirs, n, upper, work);
  if (opts == NULL)
    return hutch_error_set(err, ENOMEM, "fuse-overlayfs options");
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "%s: pipe", prog);
  hutch_debug("mount %s on %s (%zu layers): %s -o %s", prog, merged, n, prog, opts);
  pid_t pid = fork();
  if (pid == 0)
    exec_fuse(prog, opts, merged, p[1]);
  int e = errno;
  close(p[1]);
  _cleanup_close_ int rd = p[0];
  if (pid < 0)
    return hutch_error_set(err, e, "%s: fork", prog);
  int st = 0;
  /* it returns once mounted; its daemon keeps the pipe: read without
   * waiting for the end */
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  char msg[512] = "";
  fcntl(rd, F_SETFL, O_NONBLOCK);
  ssize_t r = read(rd, msg, sizeof(msg) - 1);
  msg[r > 0 ? r : 0] = '\0';
  msg[strcspn(msg, "\n")] = '\0';
  return hutch_error_set(err, WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ENOENT : EIO,
                         "mount %s on %s%s%s", prog, merged, *msg ? ": " : "", msg);
}
