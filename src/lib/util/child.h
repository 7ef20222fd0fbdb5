/* What a child forked to exec a helper program (slirp4netns, pasta,
 * fuse-overlayfs) must not inherit from hutch. */
#pragma once

/* Close every fd from FIRST up, unblock every signal and set each to its
 * default action: the helper outlives the command and must stop on
 * SIGTERM like any program, holding none of hutch's locks or sockets. */
void hutch_child_reset(unsigned first);
