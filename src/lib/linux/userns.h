/* User namespaces: writing uid_map/gid_map for the child from the parent. */
#pragma once

#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* Format mappings as the kernel's map file text ("0 1000 1\n"). */
int hutch_userns_format_map(const struct spec_id_mapping *m, size_t n, char *buf, size_t len);
int hutch_userns_write_maps(pid_t pid, const struct spec_linux *l, struct hutch_error **err);
/* Host uid/gid that container id maps to (identity when no mapping). */
uid_t hutch_userns_host_id(const struct spec_id_mapping *m, size_t n, uid_t id);
