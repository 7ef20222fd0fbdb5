/* tmpcopyup: copy the directory a tmpfs covers into the tmpfs. */
#pragma once

/* Copy the contents of the directory srcfd into the directory dstfd (both
 * opened O_RDONLY|O_DIRECTORY): files, directories, symlinks, fifos and
 * device nodes with their modes, owners, times and (best effort) xattrs.
 * Symlinks are copied, never followed; hard links become separate files.
 * Returns 0 or -errno; does not log except at debug level. */
int hutch_copy_dir_contents(int srcfd, int dstfd);
/* Give the directory dstfd the mode and owner of srcfd. */
int hutch_copy_dir_attrs(int srcfd, int dstfd);
