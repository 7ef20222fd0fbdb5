/* The container's terminal: a pty from the container's own devpts, the
 * slave as stdio and controlling tty, the master sent over the console
 * socket (SCM_RIGHTS), as runc's --console-socket protocol does. */
#pragma once

#include <stdbool.h>

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* After pivot_root: open /dev/ptmx, make the slave fds 0-2 and the
 * controlling terminal, send the master over sockfd. */
int hutch_terminal_setup(int console_sock, unsigned rows, unsigned cols, uid_t uid,
                         struct hutch_error **err);
/* 0 if fd is a pty slave (char major 136-143) on a devpts, else -ENOTTY. */
int hutch_pty_check_slave(int fd);
/* Connect a SOCK_STREAM|SOCK_CLOEXEC socket to a unix socket path
 * (--console-socket, a seccomp listener); fd or -errno. */
int hutch_unix_connect(const char *path);
/* Send / receive an fd with a name over a unix socket. */
int hutch_send_fd(int sock, int fd, const char *name);
int hutch_recv_fd(int sock, char *name, size_t namelen);
/* A foreground process's terminal: shuttle bytes between our stdin/stdout
 * and the pty master until the process (pidfd) exits or the pty hangs
 * up, with our terminal in raw mode (restored on return) and its size
 * copied to the pty at the start and on every SIGWINCH. Used by
 * hutch-runtime run and by hutch exec -t. */
void hutch_terminal_proxy(int master, int pidfd);
/* hutch_terminal_proxy() with our stdin passed through filter first:
 * it writes what to forward to out (room for len + 64 bytes) and returns
 * true to stop (docker's detach keys). Returns true when filter stopped
 * it, false when the process ended. */
bool hutch_terminal_proxy_filtered(int master, int pidfd,
                                   bool (*filter)(void *ud, const char *in, size_t len, char *out,
                                                  size_t *out_len),
                                   void *ud);
/* Clear ONLCR on a pty the runtime proxies itself, as runc does: the
 * process's "\n" reaches our stdout as "\n", not "\r\n". */
void hutch_terminal_clear_onlcr(int master);
