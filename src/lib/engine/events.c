/* The events journal on disk: append (with rotation) and walk (with
 * inotify to follow). The format of a line and the filters are in
 * events_format.c. Why a file and not a table of state.db: the image
 * commands that record events (pull, tag, rmi, load …) never open the
 * database, an appended line costs no transaction next to the records'
 * writers, and a follower can wait for it with inotify. */
#include "events.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL "events.log"
#define JOURNAL_OLD "events.log.1"
#define JOURNAL_LOCK "events.lock"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *serialize(const struct hutch_event *ev) {
  _cleanup_json_ json_t *attrs = json_object();
  for (size_t i = 0; attrs && i < ev->n_attrs; i++)
    json_object_set_new(attrs, ev->attrs[i].key, json_string(ev->attrs[i].value));
  _cleanup_json_ json_t *o =
      json_pack("{sI ss ss ss sO}", "time", (json_int_t)ev->time_ns, "type", ev->type, "action",
                ev->action, "id", ev->id ?: "", "attrs", attrs);
  if (!o)
    return NULL;
  char *line = json_dumps(o, JSON_COMPACT);
  if (!line)
    return NULL;
  size_t n = strlen(line);
  char *l = realloc(line, n + 2);
  if (!l) {
    free(line);
    return NULL;
  }
  l[n] = '\n';
  l[n + 1] = '\0';
  return l;
}

/* Under the exclusive lock: another writer may have rotated already. */
static void rotate(int dirfd, int lockfd) {
  if (flock(lockfd, LOCK_EX) < 0)
    return;
  struct stat st;
  if (fstatat(dirfd, JOURNAL, &st, 0) == 0 && st.st_size >= HUTCH_EVENTS_MAX_BYTES) {
    if (renameat(dirfd, JOURNAL, dirfd, JOURNAL_OLD) < 0)
      hutch_warn("events: rotate %s: %s, ignoring", JOURNAL, strerror(errno));
    else
      hutch_debug("events: rotated %s (%lld bytes)", JOURNAL, (long long)st.st_size);
  }
  flock(lockfd, LOCK_UN);
}

int hutch_events_append(const char *root, const struct hutch_event *ev, struct hutch_error **err) {
  struct hutch_event e = *ev;
  if (e.time_ns == 0)
    e.time_ns = now_ns();
  _cleanup_free_ char *line = serialize(&e);
  if (!line)
    return hutch_error_set(err, ENOMEM, "events: record %s %s", ev->type, ev->action);
  _cleanup_close_ int dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return hutch_error_set(err, errno, "events: open %s", root);
  _cleanup_close_ int lockfd =
      openat(dirfd, JOURNAL_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lockfd < 0)
    return hutch_error_set(err, errno, "events: open %s/%s", root, JOURNAL_LOCK);
  if (flock(lockfd, LOCK_SH) < 0)
    return hutch_error_set(err, errno, "events: lock %s/%s", root, JOURNAL_LOCK);
  _cleanup_close_ int fd =
      openat(dirfd, JOURNAL, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return hutch_error_set(err, errno, "events: open %s/%s", root, JOURNAL);
  /* one write: O_APPEND places it whole at the end, never interleaved */
  size_t len = strlen(line);
  ssize_t w = write(fd, line, len);
  if (w < 0 || (size_t)w != len)
    return hutch_error_set(err, w < 0 ? errno : EIO, "events: append to %s/%s", root, JOURNAL);
  struct stat st;
  bool full = fstat(fd, &st) == 0 && st.st_size >= HUTCH_EVENTS_MAX_BYTES;
  flock(lockfd, LOCK_UN);
  if (full)
    rotate(dirfd, lockfd);
  return 0;
}

void hutch_events_emit(const char *root, const struct hutch_event *ev) {
  struct hutch_error *err = NULL;
  if (hutch_events_append(root, ev, &err) < 0) {
    _cleanup_free_ char *text = hutch_error_text(err);
    hutch_warn("%s, ignoring", text ? text : "events");
    hutch_error_free(err);
  }
}

/* Reading: a file's complete lines from *off on. */
struct walk {
  int64_t since, until;
  int (*fn)(const struct hutch_event *ev, void *ud);
  void *ud;
  bool (*cancelled)(void *ud);
  bool stop;
};

static void walk_line(struct walk *w, const char *line) {
  struct hutch_event ev;
  if (hutch_event_parse(line, &ev) < 0)
    return;
  if (ev.time_ns >= w->since && (w->until < 0 || ev.time_ns <= w->until))
    w->stop = w->fn(&ev, w->ud) != 0;
  else if (w->until >= 0 && ev.time_ns > w->until)
    w->stop = true; /* the journal is in time order, give or take a writer's clock */
  hutch_event_clear(&ev);
}

static void walk_fd(struct walk *w, int fd, off_t *off) {
  _cleanup_fclose_ FILE *f = fdopen(dup(fd), "re");
  if (!f || fseeko(f, *off, SEEK_SET) < 0)
    return;
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while (!w->stop && (n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] != '\n')
      break; /* a writer is still at it: read it whole next time */
    *off += n;
    walk_line(w, line);
  }
}

static int open_journal(int dirfd) {
  return openat(dirfd, JOURNAL, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

/* Follow: wait for the directory to say events.log changed or was
 * replaced, read what is new; stop at the until time. */
static int follow(struct walk *w, int dirfd, const char *root, int fd, off_t off,
                  struct hutch_error **err) {
  _cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0 || inotify_add_watch(in, root, IN_MODIFY | IN_CREATE | IN_MOVED_FROM) < 0)
    return hutch_error_set(err, errno, "events: watch %s", root);
  _cleanup_close_ int cur = fd;
  if (cur < 0) /* created since we looked */
    cur = open_journal(dirfd);
  if (cur >= 0)
    walk_fd(w, cur, &off);
  while (!w->stop) {
    int timeout = -1;
    if (w->until >= 0) {
      int64_t left = w->until - now_ns();
      if (left <= 0)
        break;
      timeout = (int)(left / 1000000 + 1);
    }
    if (w->cancelled) {
      if (w->cancelled(w->ud))
        break;
      if (timeout < 0 || timeout > 500)
        timeout = 500;
    }
    struct pollfd p = {.fd = in, .events = POLLIN};
    int r = poll(&p, 1, timeout);
    if (r < 0 && errno != EINTR)
      return hutch_error_set(err, errno, "events: poll");
    if (r <= 0)
      continue;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool replaced = false;
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
      for (char *q = buf; q < buf + n;) {
        struct inotify_event *ie = (struct inotify_event *)q;
        if (ie->len && strcmp(ie->name, JOURNAL) == 0 && (ie->mask & (IN_CREATE | IN_MOVED_FROM)))
          replaced = true;
        q += sizeof(*ie) + ie->len;
      }
    if (cur >= 0)
      walk_fd(w, cur, &off); /* the rest of the file, even when renamed */
    if (replaced || cur < 0) {
      int nfd = open_journal(dirfd);
      struct stat a, b;
      if (nfd >= 0 &&
          (cur < 0 || fstat(cur, &a) < 0 || fstat(nfd, &b) < 0 || a.st_ino != b.st_ino)) {
        if (cur >= 0)
          close(cur);
        cur = nfd;
        off = 0;
        walk_fd(w, cur, &off);
      } else if (nfd >= 0) {
        close(nfd);
      }
    }
  }
  return 0;
}

int hutch_events_walk(const char *root, int64_t since, int64_t until, bool follow_new,
                      int (*fn)(const struct hutch_event *ev, void *ud), void *ud,
                      struct hutch_error **err) {
  return hutch_events_walk_cancellable(root, since, until, follow_new, fn, NULL, ud, err);
}

int hutch_events_walk_cancellable(const char *root, int64_t since, int64_t until, bool follow_new,
                                  int (*fn)(const struct hutch_event *ev, void *ud),
                                  bool (*cancelled)(void *ud), void *ud, struct hutch_error **err) {
  struct walk w = {since, until, fn, ud, cancelled, false};
  _cleanup_close_ int dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return hutch_error_set(err, errno, "events: open %s", root);
  off_t off = 0;
  int fd = -1;
  if (since < 0) { /* only what comes next, as docker without --since */
    fd = open_journal(dirfd);
    if (fd >= 0)
      off = lseek(fd, 0, SEEK_END);
    if (off < 0)
      off = 0;
  } else {
    _cleanup_close_ int old = openat(dirfd, JOURNAL_OLD, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (old >= 0)
      walk_fd(&w, old, &off);
    off = 0;
    fd = open_journal(dirfd);
    if (fd >= 0)
      walk_fd(&w, fd, &off);
  }
  if (!follow_new || w.stop || (until >= 0 && until <= now_ns())) {
    if (fd >= 0)
      close(fd);
    return 0;
  }
  return follow(&w, dirfd, root, fd, off, err);
}
