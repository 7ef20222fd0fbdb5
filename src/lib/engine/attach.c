/* docker attach's client side (attach.h): our terminal (raw when the
 * container has a tty), stdin through the detach-key matcher to the
 * monitor, its output back to our stdout/stderr, signals proxied. */
#include "engine/ctr_runtime.h"
#include "attach.h"
#include "attach_proto.h"

#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static int ctrl_key(const char *name) {
  if (strlen(name) != 1)
    return -1;
  char c = name[0];
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 1;
  const char *sym = "@[\\]^_";
  const char *p = strchr(sym, c);
  return p ? (p == sym ? 0 : 27 + (int)(p - sym) - 1) : -1;
}

int hutch_detach_keys_parse(const char *spec, unsigned char keys[HUTCH_DETACH_KEYS_MAX], size_t *n,
                            struct hutch_error **err) {
  *n = 0;
  _cleanup_free_ char *copy = strdup(spec ? spec : "");
  if (!copy)
    return hutch_error_set(err, ENOMEM, "detach keys");
  char *save = NULL;
  for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
    int v = -1;
    if (strncmp(k, "ctrl-", 5) == 0)
      v = ctrl_key(k + 5);
    else if (strlen(k) == 1)
      v = (unsigned char)k[0];
    if (v < 0 || *n == HUTCH_DETACH_KEYS_MAX)
      return hutch_error_say(err, EINVAL, "Invalid detach keys (%s) provided", spec);
    keys[(*n)++] = (unsigned char)v;
  }
  if (*n == 0)
    return hutch_error_say(err, EINVAL, "Invalid detach keys (%s) provided", spec ? spec : "");
  return 0;
}

bool hutch_detach_feed(struct hutch_detach_matcher *m, const char *in, size_t len, char *out,
                       size_t *out_len) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c == m->keys[m->matched]) {
      if (++m->matched == m->n) {
        m->matched = 0;
        *out_len = o;
        return true;
      }
      continue;
    }
    /* broken: the held-back bytes were input after all */
    memcpy(out + o, m->keys, m->matched);
    o += m->matched;
    m->matched = 0;
    if (c == m->keys[0])
      m->matched = 1;
    else
      out[o++] = (char)c;
  }
  *out_len = o;
  return false;
}

static volatile sig_atomic_t pending_sig, got_winch;
static void on_signal(int sig) {
  pending_sig = sig;
}
static void on_winch(int sig) {
  (void)sig;
  got_winch = 1;
}

static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void set_handlers(bool sig_proxy, bool tty, bool on) {
  for (size_t i = 0; sig_proxy && i < sizeof(proxied) / sizeof(proxied[0]); i++) {
    struct sigaction sa = {.sa_handler = on ? on_signal : SIG_DFL};
    sigaction(proxied[i], &sa, NULL);
  }
  if (tty) {
    struct sigaction sa = {.sa_handler = on ? on_winch : SIG_DFL};
    sigaction(SIGWINCH, &sa, NULL);
  }
}

static void send_winsize(int sock) {
  struct winsize ws;
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
    return;
  char msg[5] = {HUTCH_ATTACH_WINSIZE};
  uint16_t rc[2] = {ws.ws_row, ws.ws_col};
  memcpy(msg + 1, rc, sizeof(rc));
  send(sock, msg, sizeof(msg), MSG_NOSIGNAL);
}

struct session {
  int sock;
  bool stdin_open, exited, detached;
  int status;
  size_t received; /* output bytes, for --debug */
  struct hutch_detach_matcher m;
};

/* A message from the monitor; false at EOF. */
static bool from_monitor(struct session *s) {
  char msg[HUTCH_ATTACH_MSG_MAX + 1];
  ssize_t n = hutch_attach_recv(s->sock, msg, HUTCH_ATTACH_MSG_MAX);
  if (n <= 0)
    return false;
  if (msg[0] == HUTCH_ATTACH_STDOUT || msg[0] == HUTCH_ATTACH_STDERR) {
    hutch_write_all(msg[0] == HUTCH_ATTACH_STDOUT ? STDOUT_FILENO : STDERR_FILENO, msg + 1,
                    (size_t)n - 1);
    s->received += (size_t)n - 1;
  } else if (msg[0] == HUTCH_ATTACH_EXIT) {
    msg[n] = '\0';
    s->status = atoi(msg + 1);
    s->exited = true;
  }
  return true;
}

static void from_stdin(struct session *s) {
  char buf[HUTCH_ATTACH_MSG_MAX - 1 - HUTCH_DETACH_KEYS_MAX];
  ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
  if (n < 0 && errno == EINTR)
    return;
  if (n <= 0) {
    s->stdin_open = false;
    return;
  }
  char msg[HUTCH_ATTACH_MSG_MAX];
  size_t len;
  s->detached = hutch_detach_feed(&s->m, buf, (size_t)n, msg + 1, &len);
  if (len) {
    msg[0] = HUTCH_ATTACH_STDIN;
    send(s->sock, msg, len + 1, MSG_NOSIGNAL);
  }
}

static void session_loop(struct hutch_engine *e, struct hutch_ctr *c, struct session *s, bool tty) {
  for (;;) {
    if (pending_sig) {
      int sig = pending_sig;
      pending_sig = 0;
      hutch_debug("attach: forward signal %d to %.12s", sig, c->id);
      hutch_rt_kill(e, c->cfg.runtime_path, c->id, sig, false, NULL);
    }
    if (got_winch) {
      got_winch = 0;
      send_winsize(s->sock);
    }
    struct pollfd pf[2] = {{.fd = s->sock, .events = POLLIN},
                           {.fd = s->stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};
    if (poll(pf, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (pf[0].revents && !from_monitor(s))
      return;
    if (pf[1].revents) {
      from_stdin(s);
      if (s->detached)
        return;
    }
  }
  (void)tty;
}

int hutch_ctr_attach(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_attach_opts *o,
                     int *status, bool *detached, struct hutch_error **err) {
  struct session s = {.sock = -1, .stdin_open = o->stdin_open};
  if (hutch_detach_keys_parse(o->detach_keys ? o->detach_keys : HUTCH_DETACH_KEYS_DEFAULT, s.m.keys,
                              &s.m.n, err) < 0)
    return -1;
  s.sock = hutch_attach_connect(c->dirfd);
  if (s.sock < 0)
    return hutch_error_say(err, -s.sock,
                           "You cannot attach to a stopped container, start it first");
  hutch_debug("attach: connected to %.12s's monitor", c->id);
  hutch_ctr_event(c, "attach", NULL);
  struct termios saved;
  bool raw = o->tty && o->stdin_open && isatty(STDIN_FILENO) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
  }
  bool proxy = o->sig_proxy && !o->tty;
  set_handlers(proxy, o->tty, true);
  if (o->tty)
    send_winsize(s.sock);
  session_loop(e, c, &s, o->tty);
  set_handlers(proxy, o->tty, false);
  if (raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  close(s.sock);
  hutch_debug("attach: %zu output bytes from %.12s's monitor, %s", s.received, c->id,
              s.detached ? "detached"
              : s.exited ? "exit status received"
                         : "no exit status");
  *detached = s.detached;
  *status = s.detached ? 0 : s.status;
  if (!s.detached && !s.exited) {
    /* the monitor went without a word: the record has the exit code */
    int code = 0;
    if (hutch_ctr_wait(e, c->id, &code, NULL) == 0)
      *status = code;
  } else if (s.exited) {
    /* as docker's: return once the exit is recorded (up to 2 s), so an
     * inspect right after sees its code */
    for (int i = 0; i < 100 && hutch_ctr_reload(c, NULL) == 0 && hutch_ctr_exit_pending(c); i++)
      usleep(20000);
  }
  return 0;
}

int hutch_ctr_start_attach(struct hutch_engine *e, struct hutch_ctr *c,
                           const struct hutch_attach_opts *o, int *status, bool *detached,
                           struct hutch_error **err) {
  unsigned char keys[HUTCH_DETACH_KEYS_MAX];
  size_t n;
  if (hutch_detach_keys_parse(o->detach_keys ? o->detach_keys : HUTCH_DETACH_KEYS_DEFAULT, keys, &n,
                              err) < 0)
    return -1;
  struct hutch_attach bg = {.attach = false, .interactive = true};
  /* a process quicker than our connect: its monitor waits for us */
  bool waited = hutch_attach_wait_mark(c->dirfd);
  if (hutch_ctr_start(e, c, &bg, status, err) < 0) {
    if (waited)
      unlinkat(c->dirfd, HUTCH_ATTACH_WAIT_FILE, 0);
    return -1;
  }
  struct hutch_error *aerr = NULL;
  int rc = hutch_ctr_attach(e, c, o, status, detached, &aerr);
  if (waited)
    unlinkat(c->dirfd, HUTCH_ATTACH_WAIT_FILE, 0); /* the monitor removes it when it lingered */
  if (rc == 0)
    return 0;
  /* gone before we could attach: its exit code is in the record */
  *detached = false;
  if (hutch_ctr_wait(e, c->id, status, NULL) == 0) {
    hutch_error_free(aerr);
    return 0;
  }
  if (err && !*err)
    *err = aerr;
  else
    hutch_error_free(aerr);
  return -1;
}
