/* Unit tests for engine/attach: docker's --detach-keys, the matcher
 * that holds back what may be the start of the sequence, and the end of
 * an attach session over the monitor's socket. */
#include "tap.h"

#include "engine/attach.h"
#include "engine/attach_proto.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool keys_are(const char *spec, const char *want, size_t wn) {
  unsigned char k[HUTCH_DETACH_KEYS_MAX];
  size_t n = 0;
  return hutch_detach_keys_parse(spec, k, &n, NULL) == 0 && n == wn && memcmp(k, want, n) == 0;
}

static bool keys_bad(const char *spec) {
  unsigned char k[HUTCH_DETACH_KEYS_MAX];
  size_t n = 0;
  struct hutch_error *err = NULL;
  int r = hutch_detach_keys_parse(spec, k, &n, &err);
  hutch_error_free(err);
  return r < 0;
}

/* Feed chunks; the bytes forwarded and whether it detached. */
static bool feed(const char *spec, const char *const *chunks, const char *want_out, bool want_det) {
  struct hutch_detach_matcher m = {0};
  if (hutch_detach_keys_parse(spec, m.keys, &m.n, NULL) < 0)
    return false;
  char all[256] = "";
  size_t total = 0;
  bool det = false;
  for (; *chunks && !det; chunks++) {
    char out[64];
    size_t len;
    det = hutch_detach_feed(&m, *chunks, strlen(*chunks), out, &len);
    memcpy(all + total, out, len);
    total += len;
  }
  all[total] = '\0';
  if (strcmp(all, want_out) != 0 || det != want_det)
    printf("#   out \"%s\" detached %d\n", all, det);
  return strcmp(all, want_out) == 0 && det == want_det;
}

/* A monitor's socket in a fresh directory, a client connected and
 * accepted, and the client's input left unread: what a monitor finds when
 * the container exits just after a keypress. */
struct session_pair {
  char dir[64];
  int dirfd, client;
  struct hutch_attach_server srv;
};

static bool pair_open(struct session_pair *p) {
  snprintf(p->dir, sizeof(p->dir), "/tmp/hutch-attach-test.XXXXXX");
  if (!mkdtemp(p->dir))
    return false;
  p->dirfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int lfd = hutch_attach_listen(p->dirfd);
  p->client = hutch_attach_connect(p->dirfd);
  if (lfd < 0 || p->client < 0)
    return false;
  hutch_attach_server_init(&p->srv, lfd, -1, -1);
  hutch_attach_server_accept(&p->srv);
  char in[] = {HUTCH_ATTACH_STDIN, 'x'};
  return p->srv.n_clients == 1 && send(p->client, in, sizeof(in), 0) == sizeof(in);
}

static void pair_close(struct session_pair *p) {
  close(p->client);
  unlinkat(p->dirfd, HUTCH_ATTACH_SOCK, 0);
  close(p->dirfd);
  rmdir(p->dir);
}

/* What a client reads to the end: the output and the exit status. */
static bool client_reads(int fd, ssize_t (*rd)(int, char *, size_t), const char *want_out,
                         const char *want_exit) {
  char out[64] = "", exitst[16] = "", msg[HUTCH_ATTACH_MSG_MAX + 1];
  ssize_t n;
  while ((n = rd(fd, msg, HUTCH_ATTACH_MSG_MAX)) > 0) {
    msg[n] = '\0';
    if (msg[0] == HUTCH_ATTACH_STDOUT)
      strncat(out, msg + 1, sizeof(out) - strlen(out) - 1);
    else if (msg[0] == HUTCH_ATTACH_EXIT)
      snprintf(exitst, sizeof(exitst), "%.15s", msg + 1);
  }
  if (strcmp(out, want_out) != 0 || strcmp(exitst, want_exit) != 0)
    printf("#   out \"%s\" exit \"%s\" (last read %zd)\n", out, exitst, n);
  return n == 0 && strcmp(out, want_out) == 0 && strcmp(exitst, want_exit) == 0;
}

static ssize_t plain_recv(int fd, char *msg, size_t cap) {
  return recv(fd, msg, cap, 0);
}

static void session_end_tests(void) {
  struct session_pair p;
  /* the monitor's close reads what it left unread: no reset at all */
  ok(pair_open(&p), "a client attached, its input unread");
  hutch_attach_server_send(&p.srv, HUTCH_ATTACH_STDOUT, "/dev/pts/0\n", 11);
  hutch_attach_server_close(&p.srv, 7);
  ok(client_reads(p.client, plain_recv, "/dev/pts/0\n", "7"),
     "the monitor's close leaves the client its output and exit status");
  pair_close(&p);

  /* a peer that closes with our input unread: the kernel says ECONNRESET
   * first, and the messages queued before it are still ours */
  ok(pair_open(&p), "a client attached, its input unread");
  hutch_attach_server_send(&p.srv, HUTCH_ATTACH_STDOUT, "out", 3);
  char ex[] = {HUTCH_ATTACH_EXIT, '3'};
  send(p.srv.clients[0], ex, sizeof(ex), 0);
  close(p.srv.clients[0]);
  p.srv.n_clients = 0;
  hutch_attach_server_close(&p.srv, 3);
  ok(client_reads(p.client, hutch_attach_recv, "out", "3"),
     "a reset ahead of queued messages: the client still reads them");
  pair_close(&p);
}

int main(void) {
  ok(keys_are("ctrl-p,ctrl-q", "\x10\x11", 2), "docker's default: ctrl-p ctrl-q");
  ok(keys_are("ctrl-x,x", "\x18x", 2), "ctrl-x then x");
  ok(keys_are("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\0\x1b\x1c\x1d\x1e\x1f", 6),
     "ctrl- of the symbols");
  ok(keys_are("a", "a", 1), "a single character");
  ok(keys_bad("ctrl-1"), "ctrl-1 refused");
  ok(keys_bad("ctrl-xx"), "ctrl-xx refused");
  ok(keys_bad("ab"), "two characters in one key refused");
  ok(keys_bad(""), "empty refused");

  ok(feed("ctrl-p,ctrl-q", (const char *[]){"ls\r", NULL}, "ls\r", false), "plain input passes");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"ab\x10\x11zz", NULL}, "ab", true),
     "the sequence detaches; what follows is dropped");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"a\x10", "\x11", NULL}, "a", true),
     "split across reads");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"a\x10", "b", NULL},
          "a\x10"
          "b",
          false),
     "broken: the held ctrl-p goes out");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"\x10\x10\x11", NULL}, "\x10", true),
     "ctrl-p ctrl-p ctrl-q: the first goes out, then detach");
  ok(feed("ctrl-x,x", (const char *[]){"\x18y", NULL}, "\x18y", false), "ctrl-x y is input");
  session_end_tests();
  return done_testing();
}
