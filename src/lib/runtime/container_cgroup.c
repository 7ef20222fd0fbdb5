/* The verbs that act on a container's cgroup rather than its process:
 * update, pause, resume, ps, stats and the events loop. Each reopens the
 * cgroup from the path create saved in state.json; transitions are
 * checked by hutch_status_allows like the other lifecycle verbs. */
#include "container.h"

#include "state.h"
#include "linux/cgroup.h"
#include "linux/devices.h"
#include "linux/rootless.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One opened container: its state (dir locked when asked), the live
 * status including "paused", and its cgroup. */
struct cg_container {
  int dirfd;
  struct hutch_state st;
  bool have_state;
  enum hutch_status status;
  struct hutch_cgroup *cg;
};

static void cg_container_done(struct cg_container *c) {
  if (c->cg)
    hutch_cgroup_free(c->cg);
  if (c->have_state)
    hutch_state_clear(&c->st);
  if (c->dirfd >= 0)
    close(c->dirfd);
}

/* live: fail unless the container has a process (for the readers; the
 * changers check their op with hutch_status_allows instead). */
static int cg_container_open(const struct hutch_runtime *rt, const char *id, bool lock, bool live,
                             struct cg_container *c, struct hutch_error **err) {
  *c = (struct cg_container){.dirfd = -EBADF};
  c->dirfd = hutch_state_dir_open(rt->root, id, lock, err);
  if (c->dirfd < 0)
    return -1;
  if (hutch_state_read(c->dirfd, &c->st, err) < 0)
    return hutch_error_wrap(err, "container %s", id);
  c->have_state = true;
  c->status = hutch_state_status(&c->st);
  if (live && c->status == HUTCH_STATUS_STOPPED)
    return hutch_error_set(err, 0, "container %s is not running", id);
  if (c->st.cgroup_path == NULL && hutch_rootless())
    return hutch_rootless_no_cgroup_error(id, err);
  if (c->st.cgroup_path == NULL)
    return hutch_error_set(err, ENOENT, "container %s has no cgroup in its state", id);
  if (hutch_cgroup_open(c->st.cgroup_path, &c->cg, err) < 0)
    return hutch_error_wrap(err, "container %s", id);
  /* So that nothing here can ever remove more or less than create made
   * (none of these verbs destroys, but keep the cgroup faithful). */
  if (c->st.cgroup_created && hutch_cgroup_set_created(c->cg, c->st.cgroup_created, err) < 0)
    return hutch_error_wrap(err, "container %s", id);
  /* Same refinement as hutch_container_state: a frozen cgroup is paused. */
  if ((c->status == HUTCH_STATUS_RUNNING || c->status == HUTCH_STATUS_CREATED) &&
      hutch_cgroup_is_frozen(c->cg) == 1)
    c->status = HUTCH_STATUS_PAUSED;
  return 0;
}

/* Merge an update into the saved linux.resources: objects key by key,
 * devices appended (v1 applies device rules one after another, so the
 * saved list must too), anything else replaced. */
static void merge_resources(json_t *dst, json_t *src) {
  const char *key;
  json_t *v;
  json_object_foreach(src, key, v) {
    json_t *cur = json_object_get(dst, key);
    if (json_is_object(v) && json_is_object(cur))
      merge_resources(cur, v);
    else if (strcmp(key, "devices") == 0 && json_is_array(v) && json_is_array(cur))
      json_array_extend(cur, v);
    else
      json_object_set(dst, key, v);
  }
}

/* The saved config.json with the update merged into its
 * linux.resources; *res points into *cfg. */
static int merged_config(int dirfd, const char *id, const json_t *update, json_t **cfg_out,
                         json_t **res_out, struct hutch_error **err) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  int r = hutch_read_file_at(dirfd, "config.json", &text, &len);
  if (r < 0)
    return hutch_error_set(err, r, "container %s: read config.json in the state dir", id);
  json_error_t jerr;
  _cleanup_json_ json_t *cfg = json_loadb(text, len, 0, &jerr);
  if (!json_is_object(cfg))
    return hutch_error_set(err, EINVAL, "container %s: saved config.json: %s", id, jerr.text);
  json_t *linux_ = json_object_get(cfg, "linux");
  if (!json_is_object(linux_)) {
    linux_ = json_object();
    json_object_set_new(cfg, "linux", linux_);
  }
  json_t *res = json_object_get(linux_, "resources");
  if (!json_is_object(res)) {
    res = json_object();
    json_object_set_new(linux_, "resources", res);
  }
  merge_resources(res, (json_t *)update);
  *res_out = res;
  *cfg_out = TAKE_PTR(cfg);
  return 0;
}

/* Keep the state dir's config.json current, so a later update merges
 * onto what is in force and `hutch inspect`-style readers see it. */
static int save_config(int dirfd, const char *id, const json_t *cfg, struct hutch_error **err) {
  _cleanup_free_ char *out = json_dumps(cfg, JSON_INDENT(2));
  if (out == NULL)
    return hutch_error_set(err, ENOMEM, "container %s: serialise config.json", id);
  int r = hutch_write_file_atomic(dirfd, "config.json", out, strlen(out), 0600);
  if (r < 0)
    return hutch_error_set(err, r, "container %s: save config.json in the state dir", id);
  return 0;
}

int hutch_config_merge_resources(int dirfd, const char *id, const json_t *update,
                                 struct hutch_error **err) {
  _cleanup_json_ json_t *cfg = NULL;
  json_t *res;
  if (merged_config(dirfd, id, update, &cfg, &res, err) < 0)
    return -1;
  return save_config(dirfd, id, cfg, err);
}

/* Device rules are a list, not a value: the cgroup gets all of them again,
 * the saved ones with the update's appended (later rules win) and the
 * default allow-list last, as at create. */
static int full_device_rules(const json_t *merged, struct spec_resources *all,
                             struct spec_device_cgroup **rules, size_t *n,
                             struct hutch_error **err) {
  _cleanup_free_ char *text = json_dumps(merged, JSON_COMPACT);
  if (text == NULL)
    return hutch_error_set(err, ENOMEM, "device rules");
  if (hutch_spec_parse_resources(text, strlen(text), all, err) < 0)
    return hutch_error_wrap(err, "saved linux.resources");
  *rules = hutch_device_rules(all, n);
  return *rules ? 0 : hutch_error_set(err, ENOMEM, "device rules");
}

int hutch_container_update(const struct hutch_runtime *rt, const char *id, const json_t *resources,
                           struct hutch_error **err) {
  if (!json_is_object(resources))
    return hutch_error_set(err, EINVAL, "update %s: linux.resources must be an object", id);
  /* Validate before touching anything: the same parser as config.json. */
  _cleanup_free_ char *text = json_dumps(resources, JSON_COMPACT);
  if (text == NULL)
    return hutch_error_set(err, ENOMEM, "update %s", id);
  struct spec_resources res = {0}, all = {0};
  if (hutch_spec_parse_resources(text, strlen(text), &res, err) < 0)
    return hutch_error_wrap(err, "update %s", id);
  struct cg_container c;
  _cleanup_json_ json_t *cfg = NULL;
  json_t *merged = NULL;
  _cleanup_free_ struct spec_device_cgroup *rules = NULL;
  struct spec_resources apply = res; /* res with the full device list */
  int ret = -1;
  /* Locked: two updates at once must not interleave their merges. */
  if (cg_container_open(rt, id, true, false, &c, err) < 0)
    goto out;
  if (hutch_status_allows(HUTCH_OP_UPDATE, c.status, id, err) < 0)
    goto out;
  if (merged_config(c.dirfd, id, resources, &cfg, &merged, err) < 0)
    goto out;
  if (res.n_devices > 0) {
    if (full_device_rules(merged, &all, &rules, &apply.n_devices, err) < 0) {
      hutch_error_wrap(err, "update %s", id);
      goto out;
    }
    apply.devices = rules;
  }
  hutch_debug("update cgroup %s: %s", c.st.cgroup_path, text);
  if (hutch_cgroup_update(c.cg, &apply, err) < 0) {
    /* The usual cause, and the kernel's EINVAL does not say it: v1 wants
     * limit <= memory+swap at every write, as docker update explains. */
    if (err && *err && (*err)->errnum == EINVAL && res.memory.has_limit && !res.memory.has_swap)
      hutch_error_wrap(err,
                       "update %s (raising the memory limit above memory+swap needs "
                       "--memory-swap too)",
                       id);
    else
      hutch_error_wrap(err, "update %s", id);
    goto out;
  }
  if (save_config(c.dirfd, id, cfg, err) < 0)
    goto out;
  ret = 0;
out:
  cg_container_done(&c);
  hutch_spec_resources_clear(&res);
  hutch_spec_resources_clear(&all);
  return ret;
}

static int set_frozen(const struct hutch_runtime *rt, const char *id, bool frozen,
                      struct hutch_error **err) {
  struct cg_container c;
  int ret = -1;
  if (cg_container_open(rt, id, true, false, &c, err) < 0)
    goto out;
  if (hutch_status_allows(frozen ? HUTCH_OP_PAUSE : HUTCH_OP_RESUME, c.status, id, err) < 0)
    goto out;
  hutch_debug("%s cgroup %s", frozen ? "freeze" : "thaw", c.st.cgroup_path);
  if (hutch_cgroup_freeze(c.cg, frozen, err) < 0) {
    hutch_error_wrap(err, "%s %s", frozen ? "pause" : "resume", id);
    goto out;
  }
  ret = 0;
out:
  cg_container_done(&c);
  return ret;
}

int hutch_container_pause(const struct hutch_runtime *rt, const char *id,
                          struct hutch_error **err) {
  return set_frozen(rt, id, true, err);
}

int hutch_container_resume(const struct hutch_runtime *rt, const char *id,
                           struct hutch_error **err) {
  return set_frozen(rt, id, false, err);
}

int hutch_container_ps(const struct hutch_runtime *rt, const char *id, pid_t **pids, size_t *n,
                       struct hutch_error **err) {
  struct cg_container c;
  int ret = -1;
  *pids = NULL;
  *n = 0;
  if (cg_container_open(rt, id, false, false, &c, err) < 0)
    goto out;
  if (hutch_cgroup_pids(c.cg, pids, n, err) < 0) {
    hutch_error_wrap(err, "ps %s", id);
    goto out;
  }
  ret = 0;
out:
  cg_container_done(&c);
  return ret;
}

int hutch_container_stats(const struct hutch_runtime *rt, const char *id, json_t **out,
                          struct hutch_error **err) {
  struct cg_container c;
  int ret = -1;
  *out = NULL;
  if (cg_container_open(rt, id, false, true, &c, err) < 0)
    goto out;
  if (hutch_cgroup_stats(c.cg, out, err) < 0) {
    hutch_error_wrap(err, "stats of %s", id);
    goto out;
  }
  ret = 0;
out:
  cg_container_done(&c);
  return ret;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int emit(hutch_event_fn fn, void *ud, const char *type, const char *id, json_t *data) {
  _cleanup_json_ json_t *ev = json_pack("{s:s,s:s}", "type", type, "id", id);
  if (ev == NULL) {
    if (data)
      json_decref(data);
    return -ENOMEM;
  }
  if (data)
    json_object_set_new(ev, "data", data);
  return fn(ev, ud);
}

/* OOM kills are polled from the memory controller's counter rather than
 * waited for through an eventfd: the counter works the same on v1 and v2,
 * and an OOM that kills init is still seen after init is gone. */
#define OOM_POLL_MS 100

int hutch_container_events(const struct hutch_runtime *rt, const char *id, uint64_t interval_ns,
                           hutch_event_fn fn, void *ud, struct hutch_error **err) {
  struct cg_container c;
  int ret = -1;
  if (cg_container_open(rt, id, false, true, &c, err) < 0)
    goto out;
  /* The state dir stays open but unlocked: delete must not wait for us. */
  unsigned long ooms = 0;
  bool have_oom = hutch_cgroup_oom_count(c.cg, &ooms, NULL) == 0;
  if (!have_oom)
    hutch_debug("events %s: no OOM counter, OOM events off", id);
  uint64_t next_stats = now_ns();
  for (;;) {
    unsigned long cur;
    if (have_oom && hutch_cgroup_oom_count(c.cg, &cur, NULL) == 0 && cur != ooms) {
      /* one event per kill, as runc sends one per notification */
      for (unsigned long k = ooms; k < cur; k++)
        if (emit(fn, ud, "oom", id, NULL) < 0) {
          ret = 0;
          goto out;
        }
      ooms = cur;
    }
    bool alive = hutch_pid_alive(c.st.pid, c.st.start_time);
    if (!alive) {
      hutch_debug("events %s: init (pid %d) is gone", id, (int)c.st.pid);
      break;
    }
    uint64_t now = now_ns();
    if (now >= next_stats) {
      json_t *data = NULL;
      struct hutch_error *e = NULL;
      if (hutch_cgroup_stats(c.cg, &data, &e) < 0) {
        /* deleted under us: the cgroup is gone, so are the stats */
        hutch_debug("events %s: stats: %s", id, e && e->msg ? e->msg : "");
        hutch_error_free(e);
        break;
      }
      if (emit(fn, ud, "stats", id, data) < 0)
        break;
      next_stats = now + (interval_ns ? interval_ns : 1);
      now = now_ns();
    }
    uint64_t wait_ms = (next_stats > now ? next_stats - now : 0) / 1000000ull;
    if (have_oom && wait_ms > OOM_POLL_MS)
      wait_ms = OOM_POLL_MS;
    poll(NULL, 0, (int)(wait_ms > 1000 ? 1000 : wait_ms));
  }
  ret = 0;
out:
  cg_container_done(&c);
  return ret;
}
