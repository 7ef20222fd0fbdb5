/* hutch build [OPTIONS] CONTEXT|-: build/build.h does the work; this
 * parses docker's flags, makes the context (a directory; "-": a
 * Dockerfile or a tar of a context on stdin) and prints docker classic's
 * closing lines, or with -q only the image id. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "build/build.h"
#include "image/reference.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* All of stdin. */
static int slurp(int fd, char **out, size_t *len) {
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap + 1);
  for (ssize_t r; buf;) {
    if (n == cap) {
      char *nb = realloc(buf, (cap *= 2) + 1);
      if (!nb)
        break;
      buf = nb;
    }
    r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      if (r < 0)
        break;
      buf[n] = '\0';
      *out = buf;
      *len = n;
      return 0;
    }
    n += (size_t)r;
  }
  free(buf);
  return -ENOMEM;
}

static bool looks_like_tar(const char *buf, size_t len) {
  static const unsigned char gz[] = {0x1f, 0x8b}, zst[] = {0x28, 0xb5, 0x2f, 0xfd};
  return (len > 262 && memcmp(buf + 257, "ustar", 5) == 0) ||
         (len > 2 && memcmp(buf, gz, 2) == 0) || (len > 4 && memcmp(buf, zst, 4) == 0);
}

/* "-": stdin into a temporary context dir (*tmpdir, removed by the
 * caller); a plain Dockerfile comes back in *text. */
static int stdin_context(char **tmpdir, char **text, struct hutch_error **err) {
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (slurp(STDIN_FILENO, &buf, &len) < 0)
    return hutch_error_set(err, errno ? errno : ENOMEM, "read the context from stdin");
  const char *t = getenv("TMPDIR");
  if (asprintf(tmpdir, "%s/hutch-build-XXXXXX", t && *t ? t : "/tmp") < 0 || !mkdtemp(*tmpdir))
    return hutch_error_set(err, errno, "make a context directory");
  if (!looks_like_tar(buf, len)) {
    *text = TAKE_PTR(buf);
    return 0;
  }
  _cleanup_close_ int dfd = open(*tmpdir, O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int mfd = memfd_create("context", MFD_CLOEXEC);
  struct hutch_unpack_result res;
  if (dfd < 0 || mfd < 0 || write(mfd, buf, len) != (ssize_t)len || lseek(mfd, 0, SEEK_SET) < 0)
    return hutch_error_set(err, errno, "read the context from stdin");
  if (hutch_layer_unpack(mfd, dfd, &res, err) < 0)
    return hutch_error_wrap(err, "unpack the context from stdin");
  return 0;
}

/* docker prints the name as given, with ":latest" when it has no tag. */
static void print_tag(const char *t) {
  const char *colon = strrchr(t, ':'), *slash = strrchr(t, '/');
  bool tagged = strchr(t, '@') || (colon && (!slash || colon > slash));
  printf("Successfully tagged %s%s\n", t, tagged ? "" : ":latest");
}

int cmd_build(int argc, char **argv) {
  _cleanup_strv_ char **tags = NULL, **build_args = NULL, **labels = NULL;
  const char *file = NULL, *target = NULL, *network = NULL, *platform = NULL;
  bool no_cache = false, pull = false, quiet = false;
  const struct hutch_flag flags[] = {
      {"build-arg", 0, HUTCH_FLAG_LIST, &build_args, "Set build-time variables"},
      {"file", 'f', HUTCH_FLAG_STRING, &file,
       "Name of the Dockerfile (default: \"PATH/Dockerfile\")"},
      {"label", 0, HUTCH_FLAG_LIST, &labels, "Set metadata for an image"},
      {"network", 0, HUTCH_FLAG_STRING, &network,
       "Set the networking mode for the RUN instructions during build (default|none|host)"},
      {"no-cache", 0, HUTCH_FLAG_BOOL, &no_cache, "Do not use cache when building the image"},
      {"platform", 0, HUTCH_FLAG_STRING, &platform,
       "Set platform if server is multi-platform capable"},
      {"pull", 0, HUTCH_FLAG_BOOL, &pull, "Always attempt to pull a newer version of the image"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet,
       "Suppress the build output and print image ID on success"},
      {"tag", 't', HUTCH_FLAG_LIST, &tags, "Name and optionally a tag in the \"name:tag\" format"},
      {"target", 0, HUTCH_FLAG_STRING, &target, "Set the target build stage to build"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] PATH | -", "Build an image from a Dockerfile", flags, 1,
                                1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  if (network && strcmp(network, "default") && strcmp(network, "none") && strcmp(network, "host"))
    return ctr_cli_usage_error("build", "--network takes default, none or host");
  for (char **t = tags; t && *t; t++) {
    _cleanup_reference_ struct hutch_reference *ref = NULL;
    if (hutch_reference_parse(*t, &ref, &err) < 0)
      return ctr_cli_fail(err);
  }
  _cleanup_free_ char *tmpdir = NULL, *text = NULL, *id = NULL, *ctx_file = NULL;
  const char *context = argv[1];
  if (strcmp(context, "-") == 0) {
    if (stdin_context(&tmpdir, &text, &err) < 0) {
      if (tmpdir)
        hutch_rm_rf(tmpdir);
      return ctr_cli_fail(err);
    }
    context = tmpdir;
    /* -f names a file of a context that came on stdin */
    if (file && file[0] != '/' && !text && asprintf(&ctx_file, "%s/%s", tmpdir, file) >= 0)
      file = ctx_file;
  }
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  struct hutch_build_opts o = {.context = context,
                               .dockerfile = file,
                               .dockerfile_text = text,
                               .tags = tags,
                               .build_args = build_args,
                               .labels = labels,
                               .target = target,
                               .network = network,
                               .platform = platform,
                               .no_cache = no_cache,
                               .pull = pull,
                               .quiet = quiet,
                               .out = quiet ? NULL : stdout};
  r = e ? hutch_build(e, &o, &id, &err) : -1;
  if (tmpdir)
    hutch_rm_rf(tmpdir);
  if (!e)
    return HUTCH_EXIT_ERROR;
  if (r < 0)
    return ctr_cli_fail(err);
  if (quiet) {
    printf("%s\n", id);
    return 0;
  }
  printf("Successfully built %.12s\n", id + 7);
  for (char **t = tags; t && *t; t++)
    print_tag(*t);
  return 0;
}
