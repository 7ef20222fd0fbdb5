/* The cleanup vocabulary: scope-bound ownership with
 * __attribute__((cleanup)), and explicit transfer with TAKE_PTR/TAKE_FD.
 * Destructors accept NULL / -EBADF and keep errno. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void hutch_freep(void *p) {
  int saved = errno;
  free(*(void **)p);
  errno = saved;
}
static inline void hutch_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
  *fd = -EBADF;
}
static inline void hutch_fclosep(FILE **f) {
  if (*f) {
    int saved = errno;
    fclose(*f);
    errno = saved;
  }
}
static inline void hutch_closedirp(DIR **d) {
  if (*d) {
    int saved = errno;
    closedir(*d);
    errno = saved;
  }
}
/* Free a NULL-terminated array of strings. */
static inline void hutch_strv_free(char **v) {
  if (v == NULL)
    return;
  int saved = errno;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
  errno = saved;
}
static inline void hutch_strv_freep(char ***v) {
  hutch_strv_free(*v);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(hutch_freep)
#define _cleanup_close_ _cleanup_(hutch_closep)
#define _cleanup_fclose_ _cleanup_(hutch_fclosep)
#define _cleanup_closedir_ _cleanup_(hutch_closedirp)
#define _cleanup_strv_ _cleanup_(hutch_strv_freep)

#define TAKE_PTR(p)                                                                                \
  ({                                                                                               \
    __typeof__(p) _tp = (p);                                                                       \
    (p) = NULL;                                                                                    \
    _tp;                                                                                           \
  })
#define TAKE_FD(fd)                                                                                \
  ({                                                                                               \
    int _tf = (fd);                                                                                \
    (fd) = -EBADF;                                                                                 \
    _tf;                                                                                           \
  })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
