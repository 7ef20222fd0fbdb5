/* Small string helpers and signal names. */
#include "strutil.h"

#include "cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

bool hutch_str_has_prefix(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t hutch_strv_len(char *const *v) {
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

int hutch_strv_push(char ***v, const char *s) {
  size_t n = hutch_strv_len(*v);
  char *c = strdup(s);
  if (c == NULL)
    return -ENOMEM;
  char **nv = realloc(*v, (n + 2) * sizeof(char *));
  if (nv == NULL) {
    free(c);
    return -ENOMEM;
  }
  nv[n] = c;
  nv[n + 1] = NULL;
  *v = nv;
  return 0;
}

char **hutch_strv_dup(char *const *v) {
  size_t n = hutch_strv_len(v);
  char **out = calloc(n + 1, sizeof(char *));
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    out[i] = strdup(v[i]);
    if (out[i] == NULL) {
      hutch_strv_free(out);
      return NULL;
    }
  }
  return out;
}

int hutch_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out) {
  if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
    return -EINVAL;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end != '\0')
    return -EINVAL;
  if (errno == ERANGE || v < min || v > max)
    return -ERANGE;
  *out = v;
  return 0;
}

static const struct {
  const char *name;
  int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int hutch_parse_signal(const char *s) {
  int64_t n;
  if (s == NULL || *s == '\0')
    return -EINVAL;
  if (hutch_parse_int64(s, 1, SIGRTMAX, &n) == 0)
    return (int)n;
  const char *name = s;
  if (strncasecmp(name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
    if (strcasecmp(name, signals[i].name) == 0)
      return signals[i].sig;
  if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
    bool min = strncasecmp(name, "RTMIN", 5) == 0;
    const char *off = name + 5;
    int64_t k = 0;
    if (*off) {
      if ((*off != '+' && *off != '-') || hutch_parse_int64(off + 1, 0, 32, &k) < 0)
        return -EINVAL;
      if (*off == '-')
        k = -k;
    }
    int sig = (min ? SIGRTMIN : SIGRTMAX) + (int)k;
    if (sig < SIGRTMIN || sig > SIGRTMAX)
      return -EINVAL;
    return sig;
  }
  return -EINVAL;
}

const char *hutch_signal_name(int sig) {
  static char buf[16];
  for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
    if (signals[i].sig == sig) {
      snprintf(buf, sizeof(buf), "SIG%s", signals[i].name);
      return buf;
    }
  return NULL;
}

static int cmp_strp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void hutch_strv_sort(char **v) {
  if (v)
    qsort(v, hutch_strv_len(v), sizeof(char *), cmp_strp);
}

char *hutch_strv_join(char *const *v, const char *sep) {
  size_t len = 1, seplen = strlen(sep);
  for (char *const *p = v; p && *p; p++)
    len += strlen(*p) + seplen;
  char *out = malloc(len), *w = out;
  if (!out)
    return NULL;
  *w = '\0';
  for (char *const *p = v; p && *p; p++) {
    if (p != v)
      w = stpcpy(w, sep);
    w = stpcpy(w, *p);
  }
  return out;
}
