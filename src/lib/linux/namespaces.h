/* Namespaces: which to create (clone flags) and which to join (setns by
 * path, the way nsenter does), and the time namespace offsets. */
#pragma once

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

/* CLONE_NEW* flags for namespaces the spec asks to create at clone time.
 * Cgroup and time namespaces are left out: the child unshares them itself
 * (a cgroup namespace must be rooted at the container's cgroup, which the
 * child enters only after clone on v1 hosts; time offsets must be written
 * before any process is in the namespace). With a user namespace joined by
 * path, the mount, uts, ipc and network namespaces are left out too: the
 * child unshares them once it is in that user namespace, which then owns
 * them; so is a new pid namespace. */
unsigned long hutch_ns_clone_flags(const struct spec_linux *l);
/* The spec's new pid namespace is made by the child after it joined a user
 * namespace by path: the child must fork once more to be in it, and the
 * runtime must be the subreaper that inherits the container's init. */
bool hutch_ns_pid_made_late(const struct spec_linux *l);
/* Open every namespace path of the spec (O_RDONLY|O_CLOEXEC) into fds[],
 * -EBADF where there is none; checks each is a namespace of the right type. */
int hutch_ns_open_paths(const struct spec_linux *l, int fds[SPEC_NS__MAX],
                        struct hutch_error **err);
void hutch_ns_close_fds(int fds[SPEC_NS__MAX]);
/* setns() into one opened namespace (logs "setns net"). */
int hutch_ns_join(enum spec_ns_type t, int fd, struct hutch_error **err);
/* Joining a pid namespace applies only to the children made afterwards.
 * Join the one fd names for those, and return an fd of our own pid
 * namespace to switch back with hutch_ns_pid_restore() right after the
 * fork: the engine runs the runtime in process, and its later children
 * must not land in the container. */
int hutch_ns_pid_enter_for_children(int fd, struct hutch_error **err);
/* Switch our children back to our own pid namespace; closes *saved. */
void hutch_ns_pid_restore(int *saved);
/* In the child: create the namespaces left out of the clone flags (those
 * owned by a joined user namespace), and the cgroup and time namespaces if
 * the spec asks for new ones (time: unshare, write offsets, then join time_for_children). */
int hutch_ns_unshare_late(const struct spec_linux *l, struct hutch_error **err);
