/* Health checks: see health.h. A probe is an exec into the running
 * container with its output on a pipe, bounded by the timeout; the result
 * goes into state.db in one transaction (the log row, the trim to the last
 * five, the status), written only here, so a state save of the monitor
 * never overwrites it. */
#include "engine/ctr_runtime.h"
#include "health.h"
#include "statedb.h"

#include "engine/ctr_exec.h"
#include "runtime/exec.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool hutch_health_config_get(const struct hutch_ctr *c, struct hutch_health_config *hc) {
  json_t *h = c->cfg.healthcheck;
  json_t *test = json_object_get(h, "Test");
  const char *kind = json_string_value(json_array_get(test, 0));
  if (!kind || strcmp(kind, "NONE") == 0 || json_array_size(test) < 2)
    return false;
  int64_t iv = json_integer_value(json_object_get(h, "Interval"));
  int64_t to = json_integer_value(json_object_get(h, "Timeout"));
  int rt = (int)json_integer_value(json_object_get(h, "Retries"));
  *hc = (struct hutch_health_config){
      .test = test,
      .interval = iv > 0 ? iv : HUTCH_HEALTH_INTERVAL_NS,
      .timeout = to > 0 ? to : HUTCH_HEALTH_TIMEOUT_NS,
      .start_period = json_integer_value(json_object_get(h, "StartPeriod")),
      .retries = rt > 0 ? rt : HUTCH_HEALTH_RETRIES,
  };
  return true;
}

char **hutch_health_argv(json_t *test) {
  const char *kind = json_string_value(json_array_get(test, 0));
  char **v = calloc(1, sizeof(char *));
  if (!kind || !v) {
    free(v);
    return NULL;
  }
  if (strcmp(kind, "CMD-SHELL") == 0) {
    hutch_strv_push(&v, "/bin/sh");
    hutch_strv_push(&v, "-c");
  } else if (strcmp(kind, "CMD") != 0) {
    free(v);
    return NULL;
  }
  for (size_t i = 1; i < json_array_size(test); i++)
    hutch_strv_push(&v, json_string_value(json_array_get(test, i)) ?: "");
  return v;
}

void hutch_health_next(const char *status, int streak, int exit_code, bool in_start_period,
                       int retries, const char **new_status, int *new_streak) {
  if (exit_code == 0) {
    *new_status = "healthy";
    *new_streak = 0;
    return;
  }
  if (in_start_period) {
    *new_status = status;
    *new_streak = streak;
    return;
  }
  *new_streak = streak + 1;
  *new_status = *new_streak >= retries ? "unhealthy" : status;
}

static int set_status(struct hutch_engine *e, const char *id, const char *status, int streak,
                      struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_prepare(
          e, "UPDATE containers SET health_status=?2, health_failing_streak=?3 WHERE id=?1", &db,
          &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, status, -1, SQLITE_STATIC);
  sqlite3_bind_int(q, 3, streak);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "health status");
  return 0;
}

int hutch_health_reset(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_error **err) {
  struct hutch_health_config hc;
  return set_status(e, c->id, hutch_health_config_get(c, &hc) ? "starting" : "", 0, err);
}

struct probe_result {
  char start[40], end[40];
  int exit_code;
  char output[HUTCH_HEALTH_OUTPUT_MAX + 1];
};

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Read out until EOF, the process's exit, or the deadline; the pid's
 * exit status, or -1 when it was killed for the timeout. */
static int collect(int out, pid_t pid, int64_t timeout, struct probe_result *r) {
  size_t len = 0;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  int64_t deadline = now_ns() + timeout;
  bool timed_out = false, eof = false;
  while (!eof) {
    int64_t left = deadline - now_ns();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd pf = {.fd = out, .events = POLLIN};
    int n = poll(&pf, 1, (int)(left / 1000000) + 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      continue;
    char buf[1024];
    ssize_t k = read(out, buf, sizeof(buf));
    if (k <= 0) {
      eof = true;
      break;
    }
    size_t room = HUTCH_HEALTH_OUTPUT_MAX - len;
    size_t take = (size_t)k < room ? (size_t)k : room;
    memcpy(r->output + len, buf, take);
    len += take;
  }
  r->output[len] = '\0';
  if (!timed_out && pidfd >= 0) {
    /* the output closed: give the process what is left of the time */
    struct pollfd pf = {.fd = pidfd, .events = POLLIN};
    int64_t left = deadline - now_ns();
    if (left <= 0 || poll(&pf, 1, (int)(left / 1000000) + 1) == 0)
      timed_out = true;
  }
  if (pidfd >= 0)
    close(pidfd);
  if (timed_out)
    kill(pid, SIGKILL);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
    ;
  if (timed_out)
    return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Run the test in the container: detached exec (still our child), its
 * stdout and stderr on one pipe. */
static int run_probe(struct hutch_engine *e, struct hutch_ctr *c,
                     const struct hutch_health_config *hc, struct probe_result *r,
                     struct hutch_error **err) {
  _cleanup_strv_ char **argv = hutch_health_argv(hc->test);
  if (!argv)
    return hutch_error_say(err, EINVAL, "health check: unknown Test kind");
  char pidfile[4200];
  snprintf(pidfile, sizeof(pidfile), "%s/health.pid", c->dir);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "health check: pipe");
  /* the exec inherits our stdio: point 1 and 2 at the pipe for it */
  int saved1 = dup(1), saved2 = dup(2);
  dup2(p[1], 1);
  dup2(p[1], 2);
  close(p[1]);
  struct exec_opts eo = {.args = argv, .detach = true, .pid_file = pidfile};
  int status = 0;
  snprintf(r->start, sizeof(r->start), "%s", hutch_now_rfc3339());
  int x = hutch_rt_exec(e, c->cfg.runtime_path, c->id, &eo, &status, err);
  dup2(saved1, 1);
  dup2(saved2, 2);
  close(saved1);
  close(saved2);
  _cleanup_close_ int out = p[0];
  if (x < 0) {
    /* docker records a probe that could not run as a failure */
    snprintf(r->end, sizeof(r->end), "%s", hutch_now_rfc3339());
    r->exit_code = hutch_exec_error_status(*err);
    snprintf(r->output, sizeof(r->output), "%s", (*err) && (*err)->msg ? (*err)->msg : "");
    hutch_error_free(*err);
    *err = NULL;
    return 0;
  }
  pid_t pid;
  if (hutch_exec_read_pid(pidfile, &pid, err) < 0)
    return hutch_error_wrap(err, "health check");
  unlink(pidfile);
  r->exit_code = collect(out, pid, hc->timeout, r);
  snprintf(r->end, sizeof(r->end), "%s", hutch_now_rfc3339());
  if (r->exit_code < 0)
    snprintf(r->output, sizeof(r->output), "Health check exceeded timeout (%llds)",
             (long long)(hc->timeout / 1000000000));
  return 0;
}

/* The result, the trim to the last five and the new status: one
 * transaction. */
static int record(struct hutch_engine *e, struct hutch_ctr *c, const struct probe_result *r,
                  const char *status, int streak, struct hutch_error **err) {
  sqlite3 *db;
  if (hutch_engine_db(e, &db, err) < 0 || hutch_db_exec(db, "BEGIN IMMEDIATE", err) < 0)
    return -1;
  _cleanup_stmt_ sqlite3_stmt *ins = NULL, *trim = NULL;
  int ret = -1;
  if (hutch_db_prepare(db,
                       "INSERT INTO container_health_log (id, seq, start, end, exit_code, output) "
                       "VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM container_health_log "
                       "WHERE id=?1), ?2, ?3, ?4, ?5)",
                       &ins, err) < 0 ||
      hutch_db_prepare(db,
                       "DELETE FROM container_health_log WHERE id=?1 AND seq <= "
                       "(SELECT max(seq) FROM container_health_log WHERE id=?1) - ?2",
                       &trim, err) < 0)
    goto out;
  sqlite3_bind_text(ins, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 2, r->start, -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 3, r->end, -1, SQLITE_STATIC);
  sqlite3_bind_int(ins, 4, r->exit_code);
  sqlite3_bind_text(ins, 5, r->output, -1, SQLITE_STATIC);
  sqlite3_bind_text(trim, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_int(trim, 2, HUTCH_HEALTH_LOG_MAX);
  if (sqlite3_step(ins) != SQLITE_DONE || sqlite3_step(trim) != SQLITE_DONE) {
    hutch_db_error(db, err, "health log");
    goto out;
  }
  if (set_status(e, c->id, status, streak, err) < 0)
    goto out;
  ret = hutch_db_exec(db, "COMMIT", err);
out:
  if (ret < 0)
    hutch_db_exec(db, "ROLLBACK", NULL);
  return ret;
}

/* seconds since an RFC 3339 time (UTC), -1 when unparsable */
static double since(const char *t) {
  struct tm tm = {0};
  if (!t || !strptime(t, "%Y-%m-%dT%H:%M:%S", &tm))
    return -1;
  return difftime(time(NULL), timegm(&tm));
}

int hutch_health_probe(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_error **err) {
  struct hutch_health_config hc;
  if (!hutch_health_config_get(c, &hc))
    return 0;
  if (!hutch_ctr_running(c) || strcmp(hutch_ctr_status(e, c), "paused") == 0)
    return 0;
  struct probe_result *r = calloc(1, sizeof(*r));
  if (!r)
    return hutch_error_set(err, ENOMEM, "health check");
  int ret = run_probe(e, c, &hc, r, err);
  if (ret == 0) {
    bool in_start = since(c->st.started_at) * 1e9 < (double)hc.start_period;
    const char *st;
    int streak;
    hutch_health_next(*c->st.health_status ? c->st.health_status : "starting",
                      c->st.health_failing_streak, r->exit_code, in_start, hc.retries, &st,
                      &streak);
    hutch_debug("health %.12s: exit %d → %s (streak %d)", c->id, r->exit_code, st, streak);
    ret = record(e, c, r, st, streak, err);
  }
  free(r);
  return ret;
}

json_t *hutch_health_inspect(struct hutch_engine *e, struct hutch_ctr *c) {
  struct hutch_health_config hc;
  if (!hutch_health_config_get(c, &hc))
    return NULL;
  json_t *log = json_array();
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_prepare(e,
                           "SELECT start, end, exit_code, output FROM container_health_log "
                           "WHERE id=?1 ORDER BY seq",
                           &db, &q, NULL) == 0) {
    sqlite3_bind_text(q, 1, c->id, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW)
      json_array_append_new(
          log, json_pack("{s:s, s:s, s:i, s:s}", "Start", sqlite3_column_text(q, 0), "End",
                         sqlite3_column_text(q, 1), "ExitCode", sqlite3_column_int(q, 2), "Output",
                         sqlite3_column_text(q, 3)));
  }
  return json_pack("{s:s, s:i, s:o}", "Status",
                   *c->st.health_status ? c->st.health_status : "starting", "FailingStreak",
                   c->st.health_failing_streak, "Log", log);
}
