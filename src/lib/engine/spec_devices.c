/* The devices of a container's spec: --device nodes, --device-cgroup-rule
 * rules and, for --privileged, the host's whole /dev, as docker gives
 * them. Stats the host's nodes, which is what docker does too. */
#include "spec_gen.h"
#include "spec_internal.h"

#include "util/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

size_t hutch_spec_split_colon(const char *s, char *parts[3]) {
  size_t n = 0;
  const char *p = s;
  while (n < 3) {
    const char *c = n < 2 ? strchr(p, ':') : NULL;
    parts[n++] = c ? strndup(p, (size_t)(c - p)) : strdup(p);
    if (!c)
      break;
    p = c + 1;
  }
  return n;
}

static json_t *device_json(const char *path_in_ctr, const struct stat *st) {
  return json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path", path_in_ctr, "type",
                   S_ISBLK(st->st_mode) ? "b" : "c", "major", (json_int_t)major(st->st_rdev),
                   "minor", (json_int_t)minor(st->st_rdev), "fileMode", (int)(st->st_mode & 07777),
                   "uid", 0, "gid", 0);
}

static bool perms_valid(const char *p) {
  if (!*p || strlen(p) > 3)
    return false;
  for (; *p; p++)
    if (!strchr("rwm", *p))
      return false;
  return true;
}

int hutch_spec_add_device(json_t *devices, json_t *rules, const char *s, struct hutch_error **err) {
  char *parts[3] = {NULL, NULL, NULL};
  size_t n = hutch_spec_split_colon(s, parts);
  const char *host = parts[0];
  const char *ctr = n >= 2 && parts[1][0] == '/' ? parts[1] : host;
  const char *perms = n == 3 ? parts[2] : (n == 2 && parts[1][0] != '/' ? parts[1] : "rwm");
  struct stat st;
  int ret = 0;
  if (!perms_valid(perms))
    ret = hutch_error_say(err, EINVAL, "invalid device mode: %s", perms);
  else if (stat(host, &st) < 0)
    ret = hutch_error_set(err, errno,
                          "error gathering device information while adding custom "
                          "device \"%s\"",
                          host);
  else if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    ret = hutch_error_say(err, EINVAL, "--device %s: not a device node", host);
  else {
    json_array_append_new(devices, device_json(ctr, &st));
    json_array_append_new(rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
                                           S_ISBLK(st.st_mode) ? "b" : "c", "major",
                                           (json_int_t)major(st.st_rdev), "minor",
                                           (json_int_t)minor(st.st_rdev), "access", perms));
  }
  for (size_t i = 0; i < 3; i++)
    free(parts[i]);
  return ret;
}

/* containerd's HostDevices skips these directories: their nodes are the
 * container's own (pts, shm, mqueue) or a host manager's. */
static bool skip_dir(const char *name) {
  static const char *const skip[] = {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"};
  for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
    if (strcmp(name, skip[i]) == 0)
      return true;
  return false;
}

static void walk_dev(json_t *devices, const char *dir, int depth) {
  _cleanup_closedir_ DIR *d = opendir(dir);
  if (!d || depth > 8)
    return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    char p[1024];
    if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= sizeof(p))
      continue;
    struct stat st;
    if (lstat(p, &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      if (!skip_dir(de->d_name))
        walk_dev(devices, p, depth + 1);
      continue;
    }
    if (!(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
      continue;
    /* the container gets its own console and ptmx (a link to pts/ptmx) */
    if (depth == 0 && (strcmp(de->d_name, "console") == 0 || strcmp(de->d_name, "ptmx") == 0))
      continue;
    json_array_append_new(devices, device_json(p, &st));
  }
}

void hutch_spec_host_devices(json_t *devices) {
  walk_dev(devices, "/dev", 0);
}

/* docker's format: ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$ */
static bool rule_number(const char *s, size_t len, json_int_t *out) {
  if (len == 1 && *s == '*') {
    *out = -1;
    return true;
  }
  if (len == 0 || len > 9)
    return false;
  json_int_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int hutch_spec_add_device_rule(json_t *rules, const char *s, struct hutch_error **err) {
  const char *colon = strchr(s, ':');
  const char *sp2 = colon ? strchr(colon, ' ') : NULL;
  json_int_t maj, min;
  if (!(s[0] == 'a' || s[0] == 'b' || s[0] == 'c') || s[1] != ' ' || !colon || !sp2 ||
      !rule_number(s + 2, (size_t)(colon - s - 2), &maj) ||
      !rule_number(colon + 1, (size_t)(sp2 - colon - 1), &min) || !perms_valid(sp2 + 1))
    return hutch_error_say(err, EINVAL, "invalid device cgroup format '%s'", s);
  char type[2] = {s[0], '\0'};
  json_t *r = json_pack("{s:b, s:s, s:s}", "allow", 1, "type", type, "access", sp2 + 1);
  if (maj >= 0)
    json_object_set_new(r, "major", json_integer(maj));
  if (min >= 0)
    json_object_set_new(r, "minor", json_integer(min));
  json_array_append_new(rules, r);
  return 0;
}
