/* Run a function in a forked child and collect what it reports: the
 * confinement tests (caps, seccomp, lsm) change the calling process for
 * good, so every check happens in a child that writes "key=value" lines to a
 * pipe and exits; the parent asserts on the text. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct child_report {
  char text[8192];
  int status; /* waitpid status */
};

/* In the child: append a line to the report. */
static inline void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void report(int fd, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n > sizeof(line) - 2)
    n = sizeof(line) - 2;
  line[n++] = '\n';
  if (write(fd, line, (size_t)n) < 0)
    _exit(120);
}

/* In the child: copy the named fields of /proc/self/status ("CapBnd") as
 * "CapBnd=0000000020000420" lines. */
static inline void report_status(int fd, const char *const *fields) {
  FILE *f = fopen("/proc/self/status", "re");
  if (f == NULL) {
    report(fd, "status=unreadable");
    return;
  }
  char line[512];
  while (fgets(line, sizeof(line), f)) {
    for (const char *const *k = fields; *k; k++) {
      size_t l = strlen(*k);
      if (strncmp(line, *k, l) == 0 && line[l] == ':') {
        char *v = line + l + 1;
        v += strspn(v, " \t");
        v[strcspn(v, "\n")] = '\0';
        report(fd, "%s=%s", *k, v);
      }
    }
  }
  fclose(f);
}

/* Fork and run fn(fd, arg) in the child (its return value is the exit
 * code); the parent gets the pid and the read end of the report pipe, for
 * tests that must serve the child while it runs. */
static inline int start_child(int (*fn)(int fd, void *arg), void *arg, pid_t *pid, int *rfd) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return -errno;
  fflush(stdout);
  *pid = fork();
  if (*pid < 0) {
    close(p[0]);
    close(p[1]);
    return -errno;
  }
  if (*pid == 0) {
    close(p[0]);
    _exit(fn(p[1], arg));
  }
  close(p[1]);
  *rfd = p[0];
  return 0;
}

/* Read the child's report to EOF, close rfd and reap the child. */
static inline void finish_child(pid_t pid, int rfd, struct child_report *out) {
  size_t n = 0;
  memset(out, 0, sizeof(*out));
  for (;;) {
    ssize_t r = read(rfd, out->text + n, sizeof(out->text) - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    n += (size_t)r;
    if (n == sizeof(out->text) - 1)
      break;
  }
  out->text[n] = '\0';
  close(rfd);
  while (waitpid(pid, &out->status, 0) < 0 && errno == EINTR)
    ;
}

/* start_child + finish_child. Returns 0 or -errno. */
static inline int run_child(int (*fn)(int fd, void *arg), void *arg, struct child_report *out) {
  pid_t pid = -1;
  int rfd = -1;
  int r = start_child(fn, arg, &pid, &rfd);
  if (r < 0)
    return r;
  finish_child(pid, rfd, out);
  return 0;
}

/* The value of "key=" in a report, copied into buf ("" when absent). */
static inline const char *report_get(const struct child_report *r, const char *key, char *buf,
                                     size_t len) {
  size_t kl = strlen(key);
  buf[0] = '\0';
  for (const char *p = r->text; p && *p;) {
    const char *e = strchr(p, '\n');
    size_t ll = e ? (size_t)(e - p) : strlen(p);
    if (ll > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
      size_t vl = ll - kl - 1;
      if (vl >= len)
        vl = len - 1;
      memcpy(buf, p + kl + 1, vl);
      buf[vl] = '\0';
      return buf;
    }
    p = e ? e + 1 : NULL;
  }
  return buf;
}

#define REPORT_GET(r, key) report_get((r), (key), (char[256]){0}, 256)
