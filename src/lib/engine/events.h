/* The events journal: what `hutch events` shows, appended by the commands
 * that act (there is no daemon to remember them).
 *
 * $HUTCH_ROOT/events.log holds one JSON object per line, each written
 * with a single write() on an O_APPEND descriptor, so concurrent
 * commands never interleave within a line. The file is bounded: past
 * HUTCH_EVENTS_MAX_BYTES the writer that notices renames it to
 * events.log.1 (replacing the previous one), so at most two files' worth
 * (~2 MiB, some 8000 events) is kept. Writers hold a shared flock on
 * events.lock while they append and the rotator an exclusive one, so
 * every line lands in the file named events.log at that moment. Readers
 * read events.log.1 then events.log; followers wait with inotify on the
 * directory. See docs/engine-state.md. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define HUTCH_EVENTS_MAX_BYTES (1024 * 1024)
#define HUTCH_EVENT_ATTRS_MAX 24

struct hutch_event_attr {
  const char *key, *value;
};

/* One event as docker's API has it: Type, Action, Actor (ID and
 * Attributes), time. Strings are borrowed (from the caller when
 * appending, from `doc` when parsed). */
struct hutch_event {
  int64_t time_ns;  /* 0 when appending: now */
  const char *type; /* container, image, network, volume */
  const char *action;
  const char *id;
  struct hutch_event_attr attrs[HUTCH_EVENT_ATTRS_MAX];
  size_t n_attrs;
  json_t *doc; /* a parsed event's line */
};

/* Add an attribute (ignored when value is NULL or the event is full). */
void hutch_event_attr_add(struct hutch_event *ev, const char *key, const char *value);
const char *hutch_event_attr(const struct hutch_event *ev, const char *key);

/* Append ev to root's journal (rotating it when it is full). */
int hutch_events_append(const char *root, const struct hutch_event *ev, struct hutch_error **err);
/* hutch_events_append() for commands: a failure is logged as a warning
 * and ignored (the action itself has happened). */
void hutch_events_emit(const char *root, const struct hutch_event *ev);

/* One journal line into ev (ev->doc owns the strings; free with
 * hutch_event_clear). -EINVAL for a line that is not an event. */
int hutch_event_parse(const char *line, struct hutch_event *ev);
void hutch_event_clear(struct hutch_event *ev);

/* docker events --filter: different keys must all match, values of one
 * key are alternatives. */
struct hutch_event_filter {
  char **container, **image, **event, **type, **label, **network, **volume;
};
/* Add "key=value"; -EINVAL with *err for an unknown key or no '='. */
int hutch_event_filter_add(struct hutch_event_filter *f, const char *kv, struct hutch_error **err);
void hutch_event_filter_clear(struct hutch_event_filter *f);
bool hutch_event_match(const struct hutch_event_filter *f, const struct hutch_event *ev);

/* docker's line: "TIME TYPE ACTION ID (k=v, k=v)", attributes sorted. */
char *hutch_event_format_line(const struct hutch_event *ev);
/* docker's JSON message: status, id, from, Type, Action, Actor, scope,
 * time, timeNano. */
json_t *hutch_event_json(const struct hutch_event *ev);

/* Call fn for each event of the journal with since <= time <= until
 * (until < 0: no end; since < 0: none of the past), in order; then, with follow, for each new one
 * as it is appended, until the until time passes (never when until < 0). fn returning non-zero
 * stops the walk. */
int hutch_events_walk(const char *root, int64_t since, int64_t until, bool follow,
                      int (*fn)(const struct hutch_event *ev, void *ud), void *ud,
                      struct hutch_error **err);
/* The same, following until cancelled(ud) says so as well (asked at
 * least every half second while waiting: the API service's streams). */
int hutch_events_walk_cancellable(const char *root, int64_t since, int64_t until, bool follow,
                                  int (*fn)(const struct hutch_event *ev, void *ud),
                                  bool (*cancelled)(void *ud), void *ud, struct hutch_error **err);
