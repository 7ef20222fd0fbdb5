/* `events [--stats] [--interval D] ID`: runc's event stream, one JSON
 * object per line: {"type":"stats","id":…,"data":{…}} every interval and
 * {"type":"oom","id":…} per OOM kill, until the container stops.
 * --stats prints one stats event and exits. */
#include "verbs.h"

#include "util/json.h"
#include "util/units.h"

#include <getopt.h>
#include <stdio.h>

static int print_event(json_t *ev, void *ud) {
  (void)ud;
  if (json_dumpf(ev, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF || fflush(stdout) != 0)
    return -1; /* the reader went away */
  return 0;
}

VERB(events) {
  static const struct option opts[] = {
      {"stats", no_argument, NULL, 's'},
      {"interval", required_argument, NULL, 'i'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  bool stats = false;
  uint64_t interval = 5000000000ull; /* runc's default: 5s */
  int c;
  while ((c = getopt_long_only(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      stats = true;
      break;
    case 'i':
      if (hutch_parse_duration(optarg, &interval) < 0 || interval == 0) {
        fprintf(stderr,
                "hutch-runtime: events --interval: invalid duration \"%s\" (like 5s, 500ms)\n",
                optarg);
        return 1;
      }
      break;
    case 'h':
      printf("Usage: hutch-runtime events [--stats] [--interval 5s] ID\n");
      return 0;
    default:
      return 1;
    }
  }
  const char *id = verb_one_id(argc, argv, optind, "events [--stats] [--interval D] ID");
  if (id == NULL)
    return 1;
  struct hutch_error *e = NULL;
  if (stats) {
    json_t *data = NULL;
    if (hutch_container_stats(&g->rt, id, &data, &e) < 0)
      return verb_fail(e);
    _cleanup_json_ json_t *ev = json_pack("{s:s,s:s,s:o}", "type", "stats", "id", id, "data", data);
    return ev && print_event(ev, NULL) == 0 ? 0 : 1;
  }
  if (hutch_container_events(&g->rt, id, interval, print_event, NULL, &e) < 0)
    return verb_fail(e);
  return 0;
}
