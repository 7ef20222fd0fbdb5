/* /proc/PID/mountinfo, one line at a time (proc(5)):
 *   id parent maj:min root mountpoint options [optional...] - fstype source superopts
 * Parsed in place; the path fields are unescaped (\040 for a space...). */
#pragma once

struct hutch_mountinfo {
  char *root;       /* the mount's root within its filesystem ("/" for a whole fs) */
  char *mountpoint; /* where it is mounted, relative to the reader's root */
  char *options;    /* per-mount options: "rw,nosuid" */
  char *fstype;     /* "proc", "cgroup2", "fuse.sshfs" */
  char *source;
  char *superopts; /* per-superblock options (v1 cgroup controllers) */
};

/* Split one line (no newline) into *e, pointing into line, which it
 * modifies. -EINVAL for a line that is not a mountinfo record. */
int hutch_mountinfo_parse_line(char *line, struct hutch_mountinfo *e);
