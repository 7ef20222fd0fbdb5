/* The attach socket: how `hutch attach` (and run -it, start -ai) talk to
 * a container's monitor. The monitor listens on <container dir>/attach.sock
 * (SOCK_SEQPACKET, 0600), so each message keeps its bounds: one type byte,
 * then the payload.
 *
 *   monitor → client: 'o' stdout bytes (a tty's output), 'e' stderr bytes,
 *                     'x' then the exit status as decimal text, last;
 *   (what came before the first client is kept, bounded, and given to it)
 *   client → monitor: 'i' stdin bytes (to the pty, or to the stdin pipe of
 *                     a -i container; dropped for others), 'w' a window
 *                     size (two uint16_t: rows, cols, host order), 'c'
 *                     close the stdin pipe (the container reads EOF; a
 *                     pty stays open).
 *
 * A client that cannot keep up loses output rather than stall the
 * container (the log has everything). Only libc: the static hutch-monitor
 * links this too. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define HUTCH_ATTACH_SOCK "attach.sock"
#define HUTCH_ATTACH_MSG_MAX 4097 /* type byte + 4096 */
#define HUTCH_ATTACH_CLIENTS_MAX 8

enum hutch_attach_msg {
  HUTCH_ATTACH_STDOUT = 'o',
  HUTCH_ATTACH_STDERR = 'e',
  HUTCH_ATTACH_EXIT = 'x',
  HUTCH_ATTACH_STDIN = 'i',
  HUTCH_ATTACH_WINSIZE = 'w',
  HUTCH_ATTACH_STDIN_CLOSE = 'c',
};

/* An attach waiting for the container's start (the API service's, made
 * before the start) leaves this file in the container dir: a monitor
 * whose container exits before any client came waits a little for one,
 * so that output is not lost. */
#define HUTCH_ATTACH_WAIT_FILE "attach.wait"
#define HUTCH_ATTACH_WAIT_MS 5000

/* write() all of p (retrying EINTR); gives up on an error. */
void hutch_write_all(int fd, const char *p, size_t n);

/* Listen on dir/attach.sock (dirfd: the container dir; an old socket is
 * replaced). -errno. */
int hutch_attach_listen(int dirfd);
/* Connect to it; -errno (-ENOENT or -ECONNREFUSED: no monitor listens). */
int hutch_attach_connect(int dirfd);
/* A client's next message from the monitor: its length, 0 at the end,
 * -1 on error. A monitor that closed while our last input was unread
 * makes the kernel report ECONNRESET ahead of the messages it had sent
 * (its output, the exit status): those are still read. */
ssize_t hutch_attach_recv(int fd, char *msg, size_t cap);

/* The monitor's side: clients, what goes to them and what comes back. */
#define HUTCH_ATTACH_REPLAY_MAX (1024 * 1024)
/* A client that takes no output for this long is dropped: until then the
 * monitor waits for it (the container's output waits too, as docker's). */
#define HUTCH_ATTACH_STALL_MS 30000

struct hutch_attach_server {
  int listen_fd; /* -1: none */
  int in_fd;     /* where clients' stdin goes (pty master or stdin pipe), -1: nowhere */
  int pty_fd;    /* the pty master for window sizes, -1: no tty */
  int clients[HUTCH_ATTACH_CLIENTS_MAX];
  size_t n_clients;
  /* Output from before the first client came, given to it: run -it
   * starts the container, then attaches, and must not miss the prompt.
   * Messages as sent (type, 2-byte length, data), up to
   * HUTCH_ATTACH_REPLAY_MAX bytes (the log has the rest); allocated. */
  bool had_client;
  char *replay;
  size_t replay_len, replay_cap;
};
void hutch_attach_server_init(struct hutch_attach_server *s, int listen_fd, int in_fd, int pty_fd);
/* Accept a client (listen_fd is readable). */
void hutch_attach_server_accept(struct hutch_attach_server *s);
/* A client's message (its fd is readable); false when it went away. */
bool hutch_attach_server_recv(struct hutch_attach_server *s, size_t i);
/* Send type + data to every client, all of it: a client whose socket is
 * full is waited for (HUTCH_ATTACH_STALL_MS, then dropped). */
void hutch_attach_server_send(struct hutch_attach_server *s, char type, const char *data,
                              size_t len);
/* The container has exited: when wait_path exists (an attach is on its
 * way) and no client has come yet, wait up to HUTCH_ATTACH_WAIT_MS for
 * one and give it the replay; wait_path is removed. */
void hutch_attach_server_linger(struct hutch_attach_server *s, const char *wait_path);
/* Before a start: leave HUTCH_ATTACH_WAIT_FILE in the container's
 * directory, so that a process that exits before the client has
 * connected keeps its output for it; false when it could not be made. */
bool hutch_attach_wait_mark(int ctr_dirfd);
/* The exit status to every client, then close them (they see EOF); frees
 * what s holds. */
void hutch_attach_server_close(struct hutch_attach_server *s, int status);
