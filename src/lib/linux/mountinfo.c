/* The mountinfo line parser (see mountinfo.h): the cgroup layout detection
 * and --no-pivot's sweep of the host's procfs and sysfs read it. */
#include "mountinfo.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s) {
  char *w = s;
  for (char *r = s; *r;) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
        r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 4;
    } else {
      *w++ = *r++;
    }
  }
  *w = 0;
}

int hutch_mountinfo_parse_line(char *line, struct hutch_mountinfo *e) {
  char *f[64];
  size_t nf = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, " ", &save); t && nf < sizeof(f) / sizeof(f[0]);
       t = strtok_r(NULL, " ", &save))
    f[nf++] = t;
  /* The optional fields end at a lone "-"; three fields follow it. */
  size_t sep = 6;
  while (sep < nf && strcmp(f[sep], "-") != 0)
    sep++;
  if (sep + 2 >= nf)
    return -EINVAL;
  *e = (struct hutch_mountinfo){.root = f[3],
                                .mountpoint = f[4],
                                .options = f[5],
                                .fstype = f[sep + 1],
                                .source = f[sep + 2],
                                .superopts = sep + 3 < nf ? f[sep + 3] : NULL};
  unescape_octal(e->root);
  unescape_octal(e->mountpoint);
  unescape_octal(e->source);
  return 0;
}
