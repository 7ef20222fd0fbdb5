/* hutch push [--format docker|oci] [-q] [--tls-verify=false] NAME[:TAG]:
 * image/push.c does the work; the lines are docker's ("<id>: Pushed",
 * "Layer already exists", "Mounted from …", "<tag>: digest: … size: …").
 * $HUTCH_PUSH_CHUNK (bytes) makes uploads above it chunked. */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "image/push.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_event(void *ud, const struct hutch_push_event *ev) {
  (void)ud;
  const char *hex = strncmp(ev->digest, "sha256:", 7) == 0 ? ev->digest + 7 : ev->digest;
  if (ev->tag) {
    printf("%s: digest: %s size: %zu\n", ev->tag, ev->digest, ev->size);
  } else if (ev->how == HUTCH_BLOB_EXISTS) {
    printf("%.12s: Layer already exists\n", hex);
  } else if (ev->how == HUTCH_BLOB_MOUNTED) {
    printf("%.12s: Mounted from %s\n", hex, ev->mounted_from);
  } else {
    printf("%.12s: Pushed\n", hex);
  }
  fflush(stdout);
}

int cmd_push(int argc, char **argv) {
  const char *format = NULL;
  bool quiet = false, tls_verify = true;
  const struct hutch_flag flags[] = {
      {"format", 0, HUTCH_FLAG_STRING, &format, "Manifest format: docker (v2 schema 2) or oci"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Suppress verbose output"},
      {"tls-verify", 0, HUTCH_FLAG_BOOL, &tls_verify,
       "Require HTTPS and verify certificates (--tls-verify=false: plain HTTP, no checks)"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] NAME[:TAG]", "Upload an image to a registry", flags, 1,
                                1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (format && strcmp(format, "oci") != 0 && strcmp(format, "docker") != 0 &&
      strcmp(format, "v2s2") != 0) {
    fprintf(stderr, "hutch: push: --format takes docker or oci, not \"%s\"\n", format);
    return HUTCH_EXIT_ERROR;
  }
  struct hutch_push_opts o = {.oci = format && strcmp(format, "oci") == 0};
  o.registry.insecure = !tls_verify;
  const char *chunk = getenv("HUTCH_PUSH_CHUNK");
  int64_t ch = 0;
  if (chunk && hutch_parse_int64(chunk, 0, INT64_MAX, &ch) == 0)
    o.chunk = (uint64_t)ch;
  struct hutch_error *err = NULL;
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (hutch_reference_parse(argv[1], &ref, &err) < 0 || image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  if (!quiet) {
    printf("The push refers to repository [%s/%s]\n", ref->domain, ref->path);
    o.progress = on_event;
  }
  if (hutch_image_push(s, argv[1], &o, &err) < 0)
    return image_cli_fail(err);
  return 0;
}
