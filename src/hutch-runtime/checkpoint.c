/* `checkpoint` and `restore`: runc does these with CRIU; hutch has no CRIU
 * support yet. Callers (podman container checkpoint, containerd's
 * checkpoint API) get a clear error and exit status 1 instead of "unknown
 * command", whatever flags they pass. */
#include "verbs.h"

#include <stdio.h>
#include <string.h>

/* runc's flags of these verbs are many and all moot here; only a request
 * for help is looked for, up to a "--". */
static bool wants_help(int argc, char **argv) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
        strcmp(argv[i], "-help") == 0)
      return true;
  return false;
}

static int not_supported(const char *verb, int argc, char **argv) {
  if (wants_help(argc, argv)) {
    printf("Usage: hutch-runtime %s [options] ID\n\n"
           "Not supported: hutch-runtime has no CRIU support yet; every use fails with\n"
           "exit status 1.\n",
           verb);
    return 0;
  }
  struct hutch_error *e = NULL;
  hutch_error_set(&e, 0, "%s: not supported (no CRIU support yet)", verb);
  return verb_fail(e); /* stderr and --log: containerd and podman show the log */
}

VERB(checkpoint) {
  (void)g;
  return not_supported("checkpoint", argc, argv);
}

VERB(restore) {
  (void)g;
  return not_supported("restore", argc, argv);
}
