/* Container state persistence and the status state machine. */
#include "state.h"

#include "util/cleanup.h"
#include "util/log.h"
#include "util/fs.h"
#include "util/json.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *status_names[] = {"creating", "created", "running", "stopped", "paused"};
static const char *op_names[] = {"start", "kill", "delete", "pause", "resume", "exec", "update"};

const char *hutch_status_name(enum hutch_status s) {
  return status_names[s];
}

int hutch_status_allows(enum hutch_op op, enum hutch_status s, const char *id,
                        struct hutch_error **err) {
  bool ok = false;
  switch (op) {
  case HUTCH_OP_START:
    ok = s == HUTCH_STATUS_CREATED;
    break;
  case HUTCH_OP_KILL:
    ok = s == HUTCH_STATUS_CREATED || s == HUTCH_STATUS_RUNNING || s == HUTCH_STATUS_PAUSED;
    break;
  case HUTCH_OP_DELETE:
    ok = s == HUTCH_STATUS_STOPPED || s == HUTCH_STATUS_CREATING;
    break;
  case HUTCH_OP_PAUSE:
    ok = s == HUTCH_STATUS_RUNNING || s == HUTCH_STATUS_CREATED;
    break;
  case HUTCH_OP_RESUME:
    ok = s == HUTCH_STATUS_PAUSED;
    break;
  case HUTCH_OP_EXEC:
    ok = s == HUTCH_STATUS_RUNNING || s == HUTCH_STATUS_CREATED;
    break;
  case HUTCH_OP_UPDATE:
    ok = s != HUTCH_STATUS_STOPPED;
    break;
  }
  if (ok)
    return 0;
  return hutch_error_set(err, 0, "cannot %s container %s: it is %s", op_names[op], id,
                         hutch_status_name(s));
}

int hutch_state_check_id(const char *id, struct hutch_error **err) {
  size_t n = id ? strlen(id) : 0;
  if (n == 0 || n > 1024)
    return hutch_error_set(err, EINVAL, "invalid container id \"%s\": must be 1 to 1024 characters",
                           id ? id : "");
  if (!isalnum((unsigned char)id[0]))
    goto bad;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)id[i]) && !strchr("_.+-", id[i]))
      goto bad;
  return 0;
bad:
  return hutch_error_set(
      err, EINVAL, "invalid container id \"%s\": use letters, digits and _.+- (not first)", id);
}

static int lock_dir(int fd, const char *id, struct hutch_error **err) {
  if (flock(fd, LOCK_EX) < 0)
    return hutch_error_set(err, errno, "lock container %s", id);
  return 0;
}

int hutch_state_dir_create(const char *root, const char *id, struct hutch_error **err) {
  if (hutch_state_check_id(id, err) < 0)
    return -1;
  int r = hutch_mkdir_p(root, 0711);
  if (r < 0)
    return hutch_error_set(err, r, "create state root %s", root);
  _cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return hutch_error_set(err, errno, "open state root %s", root);
  if (mkdirat(rfd, id, 0711) < 0) {
    if (errno == EEXIST)
      return hutch_error_set(err, EEXIST, "container %s", id);
    return hutch_error_set(err, errno, "create state dir %s/%s", root, id);
  }
  int fd = openat(rfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "open state dir %s/%s", root, id);
  if (lock_dir(fd, id, err) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int hutch_state_dir_open(const char *root, const char *id, bool lock, struct hutch_error **err) {
  if (hutch_state_check_id(id, err) < 0)
    return -1;
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", root, id);
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return hutch_error_set(err, 0, "container %s does not exist", id);
    return hutch_error_set(err, errno, "open state dir %s", path);
  }
  if (lock && lock_dir(fd, id, err) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int hutch_state_write(int dirfd, const struct hutch_state *st, struct hutch_error **err) {
  _cleanup_json_ json_t *j = json_pack(
      "{s:s, s:i, s:I, s:s, s:s, s:s, s:s?, s:b, s:i}", "id", st->id, "pid", (int)st->pid,
      "pid_start_time", (json_int_t)st->start_time, "bundle", st->bundle ? st->bundle : "",
      "rootfs", st->rootfs ? st->rootfs : "", "created", st->created ? st->created : "",
      "cgroup_path", st->cgroup_path, "started", st->started, "owner", (int)st->owner);
  if (j && st->creating)
    json_object_set_new(j, "creating", json_true());
  if (j == NULL)
    return hutch_error_set(err, ENOMEM, "serialise state of %s", st->id);
  if (st->annotations)
    json_object_set(j, "annotations", st->annotations);
  if (st->cgroup_created)
    json_object_set(j, "cgroup_created", st->cgroup_created);
  _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
  if (text == NULL)
    return hutch_error_set(err, ENOMEM, "serialise state of %s", st->id);
  int r = hutch_write_file_replace(dirfd, "state.json", text, strlen(text), 0600);
  if (r < 0)
    return hutch_error_set(err, r, "write state of %s", st->id);
  return 0;
}

static char *dup_str(json_t *j, const char *key) {
  const char *s = json_string_value(json_object_get(j, key));
  return s ? strdup(s) : NULL;
}

int hutch_state_read(int dirfd, struct hutch_state *st, struct hutch_error **err) {
  memset(st, 0, sizeof(*st));
  _cleanup_free_ char *text = NULL;
  size_t len;
  int r = hutch_read_file_at(dirfd, "state.json", &text, &len);
  if (r < 0)
    return hutch_error_set(err, r, "read state.json");
  json_error_t je;
  _cleanup_json_ json_t *j = json_loadb(text, len, 0, &je);
  if (j == NULL || !json_is_object(j))
    return hutch_error_set(err, EINVAL, "state.json: %s", j ? "not an object" : je.text);
  st->id = dup_str(j, "id");
  st->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
  st->start_time = (unsigned long long)json_integer_value(json_object_get(j, "pid_start_time"));
  st->bundle = dup_str(j, "bundle");
  st->rootfs = dup_str(j, "rootfs");
  st->created = dup_str(j, "created");
  st->cgroup_path = dup_str(j, "cgroup_path");
  st->started = json_is_true(json_object_get(j, "started"));
  st->creating = json_is_true(json_object_get(j, "creating"));
  st->owner = (uid_t)json_integer_value(json_object_get(j, "owner"));
  json_t *a = json_object_get(j, "annotations");
  st->annotations = a ? json_incref(a) : NULL;
  json_t *cc = json_object_get(j, "cgroup_created");
  st->cgroup_created = cc ? json_incref(cc) : NULL;
  if (st->id == NULL)
    return hutch_error_set(err, EINVAL, "state.json: no id");
  return 0;
}

void hutch_state_clear(struct hutch_state *st) {
  free(st->id);
  free(st->bundle);
  free(st->rootfs);
  free(st->created);
  free(st->cgroup_path);
  if (st->annotations)
    json_decref(st->annotations);
  if (st->cgroup_created)
    json_decref(st->cgroup_created);
  memset(st, 0, sizeof(*st));
}

unsigned long long hutch_pid_start_time(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  _cleanup_free_ char *buf = NULL;
  if (hutch_read_file(path, &buf, NULL) < 0)
    return 0;
  /* comm may hold spaces and parens: fields start after the last ')' */
  char *p = strrchr(buf, ')');
  if (p == NULL)
    return 0;
  p += 2; /* state is field 3 */
  if (*p == 'Z' || *p == 'X')
    return 0;
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p, ' ');
    if (p)
      p++;
  }
  return p ? strtoull(p, NULL, 10) : 0;
}

bool hutch_pid_alive(pid_t pid, unsigned long long start_time) {
  if (pid <= 0)
    return false;
  unsigned long long now = hutch_pid_start_time(pid);
  if (now == 0)
    return false; /* gone or a zombie */
  return start_time == 0 || now == start_time;
}

enum hutch_status hutch_state_status(const struct hutch_state *st) {
  if (st->pid <= 0)
    return HUTCH_STATUS_CREATING;
  if (!hutch_pid_alive(st->pid, st->start_time))
    return HUTCH_STATUS_STOPPED;
  if (st->creating)
    return HUTCH_STATUS_CREATING;
  return st->started ? HUTCH_STATUS_RUNNING : HUTCH_STATUS_CREATED;
}

json_t *hutch_state_to_json(const struct hutch_state *st, enum hutch_status status) {
  json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "ociVersion", "1.2.0", "id",
                        st->id, "status", hutch_status_name(status), "pid",
                        status == HUTCH_STATUS_STOPPED ? 0 : (int)st->pid, "bundle",
                        st->bundle ? st->bundle : "", "rootfs", st->rootfs ? st->rootfs : "",
                        "created", st->created ? st->created : "", "owner", "");
  if (j == NULL)
    return NULL;
  if (st->owner != 0) {
    char o[32];
    snprintf(o, sizeof(o), "%u", (unsigned)st->owner);
    json_object_set_new(j, "owner", json_string(o));
  } else {
    json_object_set_new(j, "owner", json_string("root"));
  }
  if (st->annotations && json_object_size(st->annotations) > 0)
    json_object_set(j, "annotations", st->annotations);
  return j;
}

int hutch_state_dir_remove(const char *root, const char *id) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", root, id);
  return hutch_rm_rf(path);
}

const char *hutch_now_rfc3339(void) {
  static char buf[HUTCH_RFC3339_MAX];
  hutch_time_rfc3339(buf);
  return buf;
}
