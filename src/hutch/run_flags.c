/* run/create's flags for namespaces, sysctls, logging, resources and the
 * health check: the table entries and their conversion, with docker's
 * messages. The checks that need the host (CPU count, cpusets, another
 * container) are the engine's, at create. */
#include "run_flags.h"
#include "ctr_cli.h"

#include "engine/runopts.h"
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void run_more_flags(struct hutch_flag *f, struct run_more *m, struct hutch_run_opts *o) {
  const struct hutch_flag t[RUN_MORE_FLAGS] = {
      {"pid", 0, HUTCH_FLAG_STRING, &m->pid, "PID namespace to use (host|container:NAME)"},
      {"ipc", 0, HUTCH_FLAG_STRING, &m->ipc,
       "IPC mode to use (host|container:NAME|private|shareable|none)"},
      {"uts", 0, HUTCH_FLAG_STRING, &m->uts, "UTS namespace to use (host)"},
      {"userns", 0, HUTCH_FLAG_STRING, &m->userns, "User namespace to use (host)"},
      {"sysctl", 0, HUTCH_FLAG_LIST, &o->sysctls, "Sysctl options", "map"},
      {"shm-size", 0, HUTCH_FLAG_STRING, &m->shm_size, "Size of /dev/shm", "bytes"},
      {"group-add", 0, HUTCH_FLAG_LIST, &o->group_add, "Add additional groups to join"},
      {"cidfile", 0, HUTCH_FLAG_STRING, &m->cidfile, "Write the container ID to the file"},
      {"cgroup-parent", 0, HUTCH_FLAG_STRING, &m->cgroup_parent,
       "Optional parent cgroup for the container"},
      {"log-driver", 0, HUTCH_FLAG_STRING, &m->log_driver,
       "Logging driver for the container (json-file|none|journald)"},
      {"log-opt", 0, HUTCH_FLAG_LIST, &o->log_opts, "Log driver options (max-size, max-file)"},
      {"runtime", 0, HUTCH_FLAG_STRING, &m->runtime,
       "Runtime to use for this container (an OCI runtime's name or path)"},
      {"oom-kill-disable", 0, HUTCH_FLAG_BOOL, &o->oom_kill_disable, "Disable OOM Killer"},
      {"cpuset-mems", 0, HUTCH_FLAG_STRING, &m->cpuset_mems, "MEMs in which to allow execution"},
      {"blkio-weight", 0, HUTCH_FLAG_STRING, &m->blkio_weight,
       "Block IO (relative weight), between 10 and 1000, or 0 to disable", "uint16"},
      {"device-cgroup-rule", 0, HUTCH_FLAG_LIST, &o->device_cgroup_rules,
       "Add a rule to the cgroup allowed devices list"},
      {"health-cmd", 0, HUTCH_FLAG_STRING, &m->health_cmd, "Command to run to check health"},
      {"health-interval", 0, HUTCH_FLAG_STRING, &m->health_interval,
       "Time between running the check (ms|s|m|h) (default 0s)", "duration"},
      {"health-timeout", 0, HUTCH_FLAG_STRING, &m->health_timeout,
       "Maximum time to allow one check to run (ms|s|m|h) (default 0s)", "duration"},
      {"health-retries", 0, HUTCH_FLAG_STRING, &m->health_retries,
       "Consecutive failures needed to report unhealthy", "int"},
      {"health-start-period", 0, HUTCH_FLAG_STRING, &m->health_start_period,
       "Start period for the container to initialize before starting health-retries countdown "
       "(ms|s|m|h) (default 0s)",
       "duration"},
      {"no-healthcheck", 0, HUTCH_FLAG_BOOL, &o->no_healthcheck,
       "Disable any container-specified HEALTHCHECK"},
  };
  memcpy(f, t, sizeof(t));
}

/* docker's pflag message for a bad value, then "See …": -2, exit 125
 * for create too (docker's parser refuses it) */
static int bad_value(const char *cmd, const char *flag, const char *val, const char *why) {
  fprintf(stderr, "invalid argument \"%s\" for \"--%s\" flag: %s\nSee 'hutch %s --help'.\n", val,
          flag, why, cmd);
  return -2;
}

static int say(struct hutch_error *err) {
  ctr_cli_fail(err);
  return -1;
}

static int dup_opt(const char *v, char **out) {
  if (v && !(*out = strdup(v)))
    return -1;
  return 0;
}

static int convert_ns(const char *cmd, const struct run_more *m, struct hutch_run_opts *o) {
  struct hutch_error *err = NULL;
  const char *modes[] = {m->pid, m->ipc, m->uts, m->userns};
  char **dst[] = {&o->pid_mode, &o->ipc_mode, &o->uts_mode, &o->userns_mode};
  for (int k = HUTCH_NS_PID; k <= HUTCH_NS_USERNS; k++) {
    if (hutch_ns_mode_check((enum hutch_ns_kind)k, modes[k], &err) < 0)
      return say(err);
    if (modes[k] && *modes[k] && dup_opt(modes[k], dst[k]) < 0)
      return -1;
  }
  if (o->hostname && o->uts_mode)
    return fprintf(stderr, "hutch: Conflicting options: hostname and the UTS mode\n"), -1;
  bool host_net = o->network && strcmp(o->network, "host") == 0;
  bool host_ipc = o->ipc_mode && strcmp(o->ipc_mode, "host") == 0;
  for (char **s = o->sysctls; s && *s; s++) {
    if (hutch_sysctl_check(*s, false, false, NULL) < 0) {
      _cleanup_free_ char *why = NULL;
      if (asprintf(&why, "sysctl '%s' is not allowed", *s) < 0)
        return -1;
      return bad_value(cmd, "sysctl", *s, why);
    }
    if (hutch_sysctl_check(*s, host_net, host_ipc, &err) < 0)
      return say(err);
  }
  return 0;
}

static int convert_health(const char *cmd, const struct run_more *m, struct hutch_run_opts *o) {
  const char *durs[] = {m->health_interval, m->health_timeout, m->health_start_period};
  const char *names[] = {"health-interval", "health-timeout", "health-start-period"};
  int64_t *dst[] = {&o->health_interval, &o->health_timeout, &o->health_start_period};
  bool any = m->health_cmd || m->health_retries;
  for (size_t i = 0; i < 3; i++) {
    if (!durs[i])
      continue;
    any = true;
    uint64_t ns;
    if (hutch_parse_duration(durs[i], &ns) < 0 || ns > INT64_MAX) {
      _cleanup_free_ char *why = NULL;
      if (asprintf(&why, "time: invalid duration \"%s\"", durs[i]) < 0)
        return -1;
      return bad_value(cmd, names[i], durs[i], why);
    }
    *dst[i] = (int64_t)ns;
  }
  if (m->health_retries &&
      hutch_parse_int64(m->health_retries, INT32_MIN, INT32_MAX, &o->health_retries) < 0)
    return bad_value(cmd, "health-retries", m->health_retries, "invalid syntax");
  if (o->no_healthcheck && any)
    return ctr_cli_usage_error(cmd, "--no-healthcheck conflicts with --health-* options"), -1;
  for (size_t i = 0; i < 3; i++)
    if (*dst[i] < 0)
      return fprintf(stderr, "hutch: --%s cannot be negative\n", names[i]), -1;
  if (o->health_retries < 0)
    return fprintf(stderr, "hutch: --health-retries cannot be negative\n"), -1;
  /* docker's daemon: a set interval, timeout or start period is at least 1ms */
  static const char *const daemon_names[] = {"Interval", "Timeout", "StartPeriod"};
  for (size_t i = 0; i < 3; i++)
    if (*dst[i] != 0 && *dst[i] < 1000000)
      return fprintf(stderr, "hutch: %s in Healthcheck cannot be less than 1ms\n", daemon_names[i]),
             -1;
  if (m->health_cmd && *m->health_cmd) {
    hutch_strv_push(&o->health_cmd, "CMD-SHELL");
    hutch_strv_push(&o->health_cmd, m->health_cmd);
  }
  return 0;
}

int run_more_convert(const char *cmd, const struct run_more *m, struct hutch_run_opts *o) {
  struct hutch_error *err = NULL;
  int r = convert_ns(cmd, m, o);
  if (r < 0)
    return r;
  if (m->shm_size && (hutch_parse_bytes(m->shm_size, &o->shm_size) < 0 || o->shm_size <= 0))
    return bad_value(cmd, "shm-size", m->shm_size, "invalid size");
  for (char **d = o->device_cgroup_rules; d && *d; d++)
    if (hutch_device_rule_check(*d, &err) < 0) {
      _cleanup_free_ char *why = hutch_error_text(err);
      hutch_error_free(err);
      return bad_value(cmd, "device-cgroup-rule", *d, why ? why : "invalid");
    }
  if (m->blkio_weight && hutch_parse_int64(m->blkio_weight, 0, UINT16_MAX, &o->blkio_weight) < 0)
    return bad_value(cmd, "blkio-weight", m->blkio_weight, "invalid syntax");
  if (hutch_blkio_weight_check(o->blkio_weight, &err) < 0)
    return say(err);
  if (hutch_log_opts_parse(m->log_driver, o->log_opts, &o->log_max_size, &o->log_max_file, &err) <
      0)
    return say(err);
  if (m->cpuset_mems && hutch_cpuset_check("mems", m->cpuset_mems, NULL, &err) < 0)
    return say(err);
  if (o->cpuset_cpus && hutch_cpuset_check("cpus", o->cpuset_cpus, NULL, &err) < 0)
    return say(err);
  if (dup_opt(m->cidfile, &o->cidfile) < 0 || dup_opt(m->cgroup_parent, &o->cgroup_parent) < 0 ||
      dup_opt(m->log_driver, &o->log_driver) < 0 || dup_opt(m->runtime, &o->runtime) < 0 ||
      dup_opt(m->cpuset_mems, &o->cpuset_mems) < 0)
    return -1;
  if (o->cidfile && run_cidfile_check(o->cidfile) < 0)
    return -1;
  return convert_health(cmd, m, o);
}

int run_cidfile_check(const char *path) {
  if (access(path, F_OK) == 0) {
    fprintf(stderr,
            "hutch: Container ID file found, make sure the other container isn't running or "
            "delete %s\n",
            path);
    return -1;
  }
  return 0;
}

int run_cidfile_write(const char *path, const char *id) {
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "hutch: failed to create the container ID file: open %s: %s\n", path,
            strerror(errno));
    return -1;
  }
  size_t n = strlen(id);
  if (write(fd, id, n) != (ssize_t)n) {
    fprintf(stderr, "hutch: failed to write the container ID file %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}
