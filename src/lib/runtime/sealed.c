/* Re-execution from a sealed memfd copy of the runtime binary; see sealed.h. */
#include "sealed.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define SEALED_ENV "_HUTCH_SEALED_BINARY"

bool hutch_sealed_needed(const struct spec_linux *l, bool has_caps, const struct hutch_caps *caps) {
  if (l->namespaces[SPEC_NS_USER].present)
    return false; /* ptrace rights stop at the user namespace */
  if (!has_caps)
    return true;
  uint64_t bit = 1ULL << CAP_SYS_PTRACE;
  return ((caps->bounding | caps->effective | caps->permitted | caps->ambient) & bit) != 0;
}

bool hutch_sealed_running(void) {
  const char *v = getenv(SEALED_ENV);
  return v && *v == '1';
}

int hutch_sealed_reexec(char *const *argv, struct hutch_error **err) {
  _cleanup_close_ int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0)
    return hutch_error_set(err, errno, "open /proc/self/exe");
  struct stat st;
  if (fstat(src, &st) < 0)
    return hutch_error_set(err, errno, "stat /proc/self/exe");
  _cleanup_close_ int mfd = memfd_create("hutch-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return hutch_error_set(err, errno, "memfd_create");
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, src, NULL, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hutch_error_set(err, n < 0 ? errno : EIO, "copy the runtime binary into a memfd");
    left -= n;
  }
  if (fchmod(mfd, 0555) < 0 ||
      fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return hutch_error_set(err, errno, "seal the runtime binary copy");
  if (setenv(SEALED_ENV, "1", 1) < 0)
    return hutch_error_set(err, errno, "setenv");
  hutch_debug("re-exec from a sealed memfd copy of the runtime (container may ptrace)");
  fexecve(mfd, argv, environ);
  int e = errno;
  unsetenv(SEALED_ENV);
  return hutch_error_set(err, e, "re-exec from the sealed binary copy");
}
