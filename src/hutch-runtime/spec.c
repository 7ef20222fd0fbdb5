/* `spec [--rootless] [--bundle DIR]`: write a default config.json. */
#include "verbs.h"

#include "spec/spec.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

VERB(spec) {
  static const struct option opts[] = {
      {"rootless", no_argument, NULL, 'r'},
      {"bundle", required_argument, NULL, 'b'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  bool rootless = false;
  const char *bundle = ".";
  int c;
  while ((c = getopt_long_only(argc, argv, "b:h", opts, NULL)) != -1) {
    if (c == 'r')
      rootless = true;
    else if (c == 'b')
      bundle = optarg;
    else {
      fprintf(c == 'h' ? stdout : stderr,
              "Usage: hutch-runtime spec [--rootless] [--bundle DIR]\n");
      return c == 'h' ? 0 : 1;
    }
  }
  _cleanup_free_ char *text = hutch_spec_default_json(rootless, getuid(), getgid());
  if (text == NULL) {
    fprintf(stderr, "hutch-runtime: spec: out of memory\n");
    return 1;
  }
  char path[4096];
  snprintf(path, sizeof(path), "%s/config.json", bundle);
  /* runc refuses to overwrite an existing config.json */
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "hutch-runtime: spec: create %s: %s\n", path, strerror(errno));
    return 1;
  }
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  close(fd);
  if (w != (ssize_t)len) {
    fprintf(stderr, "hutch-runtime: spec: write %s: %s\n", path, strerror(errno));
    return 1;
  }
  return 0;
}
