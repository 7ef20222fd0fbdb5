/* `checkpoint` and `restore`: runc does these with CRIU; hutch has no CRIU
 * support yet. Callers (podman container checkpoint, containerd's
 * checkpoint API) get a clear error and exit status 1 instead of "unknown
 * command", whatever flags they pass. */
#include "verbs.h"

static int not_supported(const char *verb) {
  struct hutch_error *e = NULL;
  hutch_error_set(&e, 0, "%s: not supported (no CRIU support yet)", verb);
  return verb_fail(e); /* stderr and --log: containerd and podman show the log */
}

VERB(checkpoint) {
  (void)g;
  (void)argc;
  (void)argv;
  return not_supported("checkpoint");
}

VERB(restore) {
  (void)g;
  (void)argc;
  (void)argv;
  return not_supported("restore");
}
