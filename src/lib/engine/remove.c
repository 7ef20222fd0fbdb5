/* Ending a container's existence and renaming it: docker rm (kill when
 * forced, wait for the monitor, tear down the network, unmount, release
 * the image, forget the record, delete the dir, the anonymous volumes
 * with -v) and docker rename. */
#include "engine/ctr_runtime.h"
#include "engine.h"

#include "netsetup.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A container that runs, or whose monitor is still at work: killed, and
 * its monitor let finish (it may be the one removing, for --rm); the lock
 * is let go meanwhile and taken again. */
static int kill_for_remove(struct hutch_engine *e, struct hutch_ctr *c, bool active,
                           struct hutch_error **err) {
  pid_t mp = c->st.monitor_pid;
  unsigned long long ms = c->st.monitor_start;
  if (!active && !(mp > 0 && mp != getpid() && hutch_pid_alive(mp, ms)))
    return 0;
  c->st.manual_stop = true;
  hutch_ctr_save_state(c, NULL);
  pid_t pid = c->st.pid;
  unsigned long long start = c->st.pid_start;
  hutch_ctr_unlock(c);
  hutch_rt_kill(e, c->cfg.runtime_path, c->id, SIGKILL, true, NULL);
  if (pid > 0)
    hutch_wait_pid_gone(pid, start, 10000);
  if (mp > 0 && mp != getpid())
    hutch_wait_pid_gone(mp, ms, 5000);
  return hutch_ctr_lock(c, err);
}

/* Forget the record first (it is gone for every lookup), then hide the
 * dir and delete the files: a dir left without a row is reaped. */
static int delete_record_and_dir(struct hutch_engine *e, struct hutch_ctr *c,
                                 struct hutch_error **err) {
  if (hutch_ctr_delete(e, c->id, err) < 0)
    return -1;
  _cleanup_free_ char *gone = NULL;
  if (asprintf(&gone, "%s/" HUTCH_CTR_REMOVING_PREFIX "%s", e->containers_dir, c->id) < 0)
    return hutch_error_set(err, ENOMEM, "rm");
  if (rename(c->dir, gone) < 0)
    return hutch_error_set(err, errno, "remove %s", c->dir);
  int r = hutch_rm_rf(gone);
  if (r < 0)
    return hutch_error_set(err, r, "remove %s", gone);
  return 0;
}

/* rm -v: the anonymous volumes, each failure only a warning. */
static void remove_anon_volumes(struct hutch_engine *e, struct hutch_ctr *c) {
  size_t i;
  json_t *v;
  json_array_foreach(c->cfg.anon_volumes, i, v) {
    struct hutch_error *ve = NULL;
    if (hutch_volume_remove(e, json_string_value(v), false, &ve) < 0)
      hutch_warn("remove volume %s: %s, ignoring", json_string_value(v),
                 ve && ve->msg ? ve->msg : "");
    hutch_error_free(ve);
  }
}

int hutch_ctr_remove(struct hutch_engine *e, struct hutch_ctr *c, bool force, bool volumes,
                     struct hutch_error **err) {
  if (hutch_ctr_lock(c, err) < 0)
    return -1;
  const char *st = hutch_ctr_status(e, c);
  bool active =
      strcmp(st, "running") == 0 || strcmp(st, "paused") == 0 || strcmp(st, "restarting") == 0;
  if (active && !force)
    return hutch_error_set(err, EBUSY,
                           "cannot remove container \"/%s\": container is %s: stop the container "
                           "before removing or force remove",
                           c->name, st);
  if (kill_for_remove(e, c, active, err) < 0)
    return -1;
  hutch_rt_delete(e, c->cfg.runtime_path, c->id, NULL);
  hutch_engine_net_teardown(e, c->id, c->cfg.netns, NULL); /* warns; rm goes on */
  _cleanup_free_ char *merged = hutch_ctr_path(c, "merged");
  if (hutch_overlay_umount(merged, err) < 0)
    return -1;
  hutch_ctr_shm_umount(c->dir);
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, NULL) == 0)
    hutch_image_release(s, c->id, NULL);
  if (delete_record_and_dir(e, c, err) < 0)
    return -1;
  hutch_ctr_event(c, "destroy", NULL);
  if (volumes)
    remove_anon_volumes(e, c);
  hutch_ctr_unlock(c);
  return 0;
}

int hutch_ctr_rename(struct hutch_engine *e, struct hutch_ctr *c, const char *name,
                     struct hutch_error **err) {
  if (!hutch_ctr_name_valid(name, err))
    return -1;
  if (hutch_ctr_lock(c, err) < 0)
    return -1;
  _cleanup_free_ char *old = NULL;
  if (asprintf(&old, "/%s", c->name) < 0)
    return hutch_error_set(err, ENOMEM, "rename");
  struct hutch_error *rerr = NULL;
  int r = hutch_ctr_set_name(c, name, &rerr);
  if (r == 0)
    hutch_ctr_event(c, "rename", "oldName", old, NULL);
  if (r == -EEXIST) {
    hutch_error_free(rerr);
    return hutch_error_say(err, EEXIST, "Conflict. The container name \"/%s\" is already in use",
                           name);
  }
  if (r < 0 && err && !*err)
    *err = rerr;
  else
    hutch_error_free(rerr);
  return r;
}
