/* What a child forked to exec a helper program (slirp4netns, pasta,
 * fuse-overlayfs) must not inherit from hutch. */
#pragma once

/* In the forked child before exec: its own session; stdin and stdout on
 * /dev/null, stderr on ERR_FD (/dev/null when < 0); FD3 (when >= 0) as fd
 * 3; every other fd closed; no blocked or ignored signal. The helper
 * outlives the command: it must stop on SIGTERM like any program and hold
 * none of hutch's locks or sockets. -1 on failure. */
int hutch_child_setup(int err_fd, int fd3);
