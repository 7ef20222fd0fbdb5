/* The engine's events (events.h) with docker's attributes: a container's
 * name, image and labels on each of its events. */
#include "engine.h"
#include "events.h"

#include <stdarg.h>
#include <string.h>

static void add_pairs(struct hutch_event *ev, va_list ap) {
  const char *k;
  while ((k = va_arg(ap, const char *)) != NULL) {
    const char *v = va_arg(ap, const char *);
    hutch_event_attr_add(ev, k, v);
  }
}

void hutch_engine_event(struct hutch_engine *e, const char *type, const char *action,
                        const char *id, ...) {
  struct hutch_event ev = {.type = type, .action = action, .id = id};
  va_list ap;
  va_start(ap, id);
  add_pairs(&ev, ap);
  va_end(ap);
  hutch_events_emit(e->root, &ev);
}

void hutch_ctr_event(struct hutch_ctr *c, const char *action, ...) {
  struct hutch_event ev = {.type = "container", .action = action, .id = c->id};
  /* labels first: docker's own attributes win over a label of that name */
  const char *k;
  json_t *v;
  if (c->rec)
    json_object_foreach(c->cfg.labels, k, v) hutch_event_attr_add(&ev, k, json_string_value(v));
  const char *image = c->image_name && *c->image_name ? c->image_name : NULL;
  if (!image && c->rec)
    image = c->cfg.image_name;
  hutch_event_attr_add(&ev, "image", image);
  hutch_event_attr_add(&ev, "name", c->name);
  va_list ap;
  va_start(ap, action);
  add_pairs(&ev, ap);
  va_end(ap);
  hutch_events_emit(c->e->root, &ev);
}
