/* hutch events [--since T] [--until T] [--filter k=v] [--format F]: the
 * journal the commands append to (engine/events.h), past events in the
 * window, then new ones as they come until --until (or a signal). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "sys_cli.h"
#include "template.h"

#include "engine/events.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct events_out {
  const struct hutch_event_filter *filter;
  const char *format;
  int status;
};

static int print_event(const struct hutch_event *ev, void *ud) {
  struct events_out *o = ud;
  if (!hutch_event_match(o->filter, ev))
    return 0;
  if (o->format) {
    _cleanup_json_ json_t *j = hutch_event_json(ev);
    o->status = cli_print_formatted(o->format, j);
  } else {
    _cleanup_free_ char *line = hutch_event_format_line(ev);
    if (line)
      printf("%s\n", line);
  }
  fflush(stdout);
  return o->status;
}

static int parse_time(const char *flag, const char *v, int64_t now, int64_t *out) {
  if (hutch_parse_timestamp(v, now, out) == 0)
    return 0;
  fprintf(stderr,
          "hutch: invalid value for \"%s\": failed to parse value as time or duration: "
          "\"%s\"\n",
          flag, v);
  return -1;
}

int cmd_events(int argc, char **argv) {
  const char *since = NULL, *until = NULL, *format = NULL;
  _cleanup_strv_ char **filters = NULL;
  const struct hutch_flag flags[] = {
      {"filter", 'f', HUTCH_FLAG_LIST, &filters, "Filter output based on conditions provided",
       "filter"},
      {"format", 0, HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'json' or a Go template"},
      {"since", 0, HUTCH_FLAG_STRING, &since, "Show all events created since timestamp"},
      {"until", 0, HUTCH_FLAG_STRING, &until, "Stream events until this timestamp"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Get real time events from the engine", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  int64_t t_since = -1, t_until = -1;
  if ((since && parse_time("--since", since, now, &t_since) < 0) ||
      (until && parse_time("--until", until, now, &t_until) < 0))
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  struct hutch_event_filter filter = {0};
  for (char **f = filters; f && *f; f++)
    if (hutch_event_filter_add(&filter, *f, &err) < 0) {
      hutch_event_filter_clear(&filter);
      return ctr_cli_fail(err);
    }
  _cleanup_engine_ struct hutch_engine *e = cli_engine_for_format(format);
  if (!e) {
    hutch_event_filter_clear(&filter);
    return HUTCH_EXIT_ERROR;
  }
  /* docker: --until alone still shows the past up to it */
  if (t_since < 0 && t_until >= 0 && t_until <= now)
    t_since = 0;
  struct events_out o = {&filter, format, 0};
  r = hutch_events_walk(e->root, t_since, t_until, true, print_event, &o, &err);
  hutch_event_filter_clear(&filter);
  if (r < 0)
    return ctr_cli_fail(err);
  return o.status;
}
