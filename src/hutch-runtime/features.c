/* `features`: the runtime-spec features document (what this runtime
 * supports), as containerd and podman query it. */
#include "verbs.h"

#include "util/json.h"

#include <stdio.h>

VERB(features) {
  _cleanup_json_ json_t *j = json_pack(
      "{s:s, s:s, s:[sssssss], s:[ssssssssssssssssssssssssssssssssssssss], s:{s:[ssssssss], s:[], "
      "s:{s:b, s:b, s:b}, s:{s:b, s:[], s:[], s:[], s:[]}, s:{s:b}, s:{s:b}, s:{s:b}, "
      "s:{s:{s:b}}}, s:{}}",
      "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks", "prestart", "createRuntime",
      "createContainer", "startContainer", "poststart", "poststop", "prestart", "mountOptions",
      "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap", "mand",
      "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid",
      "nosymfollow", "private", "rbind", "relatime", "remount", "ridmap", "ro", "rprivate",
      "rshared", "rslave", "runbindable", "rw", "shared", "slave", "strictatime", "suid", "sync",
      "tmpcopyup", "unbindable", "rro", "rrw", "rnosuid",
      "linux", "namespaces", "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
      "capabilities", "cgroup", "v1", "v2", "systemd", "seccomp", "enabled", "actions", "operators",
      "archs", "knownFlags", "apparmor", "enabled", "selinux", "enabled", "intelRdt", "enabled",
      "mountExtensions", "idmap", "enabled", "annotations");
  if (j == NULL) {
    fprintf(stderr, "hutch-runtime: features: cannot build the document\n");
    return 1;
  }
  (void)g;
  (void)argc;
  (void)argv;
  json_dumpf(j, stdout, JSON_INDENT(4));
  putchar('\n');
  return 0;
}
