/* libseccomp's <seccomp.h>, included safely from inside this tree.
 *
 * Our include path has src/lib, so <linux/seccomp.h> — which libseccomp's
 * header includes for struct seccomp_data and the SECCOMP_* constants —
 * finds src/lib/linux/seccomp.h instead of the kernel's. Include the
 * kernel's first through a path that cannot match anything of ours
 * (src/lib has no asm-generic/), so its definitions are in place when
 * libseccomp's own include lands on our harmless header. */
#pragma once

#include <asm-generic/../linux/seccomp.h>
#include <seccomp.h>
