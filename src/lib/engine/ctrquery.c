/* ps's filters (see ctrquery.h). The SELECT is built from fixed pieces
 * with bound parameters; nothing a user types becomes SQL text. */
#include "ctrquery.h"

#include "netrecord.h"
#include "record_row.h"
#include "statedb.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

static const char *const statuses[] = {"created", "restarting", "running", "removing",
                                       "paused",  "exited",     "dead",    NULL};
static const char *const healths[] = {"starting", "healthy", "unhealthy", "none", NULL};

static bool in_list(const char *const *list, const char *v) {
  for (; *list; list++)
    if (strcmp(*list, v) == 0)
      return true;
  return false;
}

static int set_ref(char **slot, const char *v) {
  free(*slot);
  *slot = strdup(v);
  return *slot ? 0 : -ENOMEM;
}

/* One KEY=VALUE. */
static int parse_one(const char *f, struct hutch_ctr_query *q, struct hutch_error **err) {
  const char *eq = strchr(f, '=');
  if (!eq)
    return hutch_error_say(err, EINVAL, "bad format of filter (expected name=value)");
  _cleanup_free_ char *key = strndup(f, (size_t)(eq - f));
  const char *v = eq + 1;
  if (!key)
    return hutch_error_set(err, ENOMEM, "filter");
  struct {
    const char *key;
    char ***list;
    const char *const *allowed;
  } lists[] = {
      {"id", &q->ids, NULL},
      {"name", &q->names, NULL},
      {"label", &q->labels, NULL},
      {"status", &q->statuses, statuses},
      {"ancestor", &q->ancestors, NULL},
      {"network", &q->networks, NULL},
      {"volume", &q->volumes, NULL},
      {"health", &q->health, healths},
  };
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
    if (strcmp(key, lists[i].key) != 0)
      continue;
    if (lists[i].allowed && !in_list(lists[i].allowed, v))
      return hutch_error_say(err, EINVAL, "invalid filter '%s=%s'", key, v);
    if (hutch_strv_push(lists[i].list, v) < 0)
      return hutch_error_set(err, ENOMEM, "filter");
    return 0;
  }
  if (strcmp(key, "exited") == 0) {
    char *end;
    errno = 0;
    long code = strtol(v, &end, 10);
    if (!*v || *end || errno || code < -2147483648L || code > 2147483647L)
      return hutch_error_say(err, EINVAL, "strconv.Atoi: parsing \"%s\": invalid syntax", v);
    int *nv = realloc(q->exited, (q->nexited + 1) * sizeof(int));
    if (!nv)
      return hutch_error_set(err, ENOMEM, "filter");
    q->exited = nv;
    q->exited[q->nexited++] = (int)code;
    return 0;
  }
  if (strcmp(key, "before") == 0 || strcmp(key, "since") == 0)
    return set_ref(key[0] == 'b' ? &q->before : &q->since, v) < 0
               ? hutch_error_set(err, ENOMEM, "filter")
               : 0;
  return hutch_error_say(err, EINVAL, "invalid filter '%s'", key);
}

int hutch_ctr_query_parse(char *const *filters, struct hutch_ctr_query *q,
                          struct hutch_error **err) {
  *q = (struct hutch_ctr_query){.last = -1};
  for (char *const *f = filters; f && *f; f++)
    if (parse_one(*f, q, err) < 0)
      return -1;
  /* docker checks the regular expressions before it lists anything */
  char **lists[] = {q->ids, q->names, q->volumes};
  for (size_t i = 0; i < 3; i++)
    for (char **p = lists[i]; p && *p; p++) {
      regex_t re;
      if (regcomp(&re, *p, REG_EXTENDED | REG_NOSUB) != 0)
        return hutch_error_say(err, EINVAL, "invalid filter: bad regular expression '%s'", *p);
      regfree(&re);
    }
  return 0;
}

void hutch_ctr_query_free(struct hutch_ctr_query *q) {
  char **lists[] = {q->ids,       q->names,    q->labels,  q->statuses,
                    q->ancestors, q->networks, q->volumes, q->health};
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
    hutch_strv_free(lists[i]);
  free(q->exited);
  free(q->before);
  free(q->since);
  *q = (struct hutch_ctr_query){.last = -1};
}

bool hutch_ctr_query_needs_config(const struct hutch_ctr_query *q) {
  return q->ancestors || q->networks || q->volumes;
}

/* ---- matching what SQL does not ---- */

static bool regex_any(char **res, const char *s) {
  if (!res)
    return true;
  for (char **p = res; *p; p++) {
    regex_t re;
    if (regcomp(&re, *p, REG_EXTENDED | REG_NOSUB) != 0)
      continue;
    bool m = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    if (m)
      return true;
  }
  return false;
}

/* The ids of the images the ancestor filter names (unknown names match
 * nothing, as docker). */
static char **ancestor_ids(struct hutch_engine *e, char **refs) {
  char **ids = NULL;
  struct hutch_store *s = NULL;
  if (hutch_engine_store(e, &s, NULL) < 0)
    return NULL;
  for (char **r = refs; r && *r; r++) {
    struct hutch_image *img = NULL;
    if (hutch_image_lookup(s, *r, &img, NULL) == 0) {
      hutch_strv_push(&ids, img->id);
      hutch_image_free(img);
    }
  }
  return ids;
}

static bool match_config(const struct hutch_ctr_query *q, char **image_ids, struct hutch_ctr *c) {
  if (q->ancestors) {
    bool m = false;
    for (char **i = image_ids; i && *i && !m; i++)
      m = strcmp(*i, c->cfg.image_id) == 0;
    if (!m)
      return false;
  }
  if (q->networks) {
    bool m = false;
    const char *name;
    for (size_t i = 0; (name = hutch_engine_net_name_at(c->cfg.net, i)); i++)
      for (char **p = q->networks; *p && !m; p++)
        m = strcmp(*p, name) == 0;
    if (!m)
      return false;
  }
  if (q->volumes) {
    bool m = false;
    size_t i;
    json_t *mnt;
    json_array_foreach(c->cfg.mounts, i, mnt) {
      const char *name = json_string_value(json_object_get(mnt, "Name"));
      const char *dst = json_string_value(json_object_get(mnt, "Destination"));
      m = m || (name && regex_any(q->volumes, name)) || (dst && regex_any(q->volumes, dst));
    }
    if (!m)
      return false;
  }
  return true;
}

static bool match_row(struct hutch_engine *e, const struct hutch_ctr_query *q, char **image_ids,
                      struct hutch_ctr *c) {
  const char *st = hutch_ctr_status(e, c);
  bool all = q->all || q->statuses || q->last > 0;
  if (!all && strcmp(st, "running") && strcmp(st, "paused") && strcmp(st, "restarting"))
    return false;
  if (q->statuses && !in_list((const char *const *)q->statuses, st))
    return false;
  if (q->nexited) {
    bool m = false;
    for (size_t i = 0; i < q->nexited && !m; i++)
      m = strcmp(st, "exited") == 0 && c->st.exit_code == q->exited[i];
    if (!m)
      return false;
  }
  /* no container has a health check: every one is "none" */
  if (q->health && !in_list((const char *const *)q->health, "none"))
    return false;
  if (!regex_any(q->ids, c->id))
    return false;
  _cleanup_free_ char *slash = NULL;
  if (q->names && (asprintf(&slash, "/%s", c->name) < 0 || !regex_any(q->names, slash)))
    return false;
  return !hutch_ctr_query_needs_config(q) || !c->rec || match_config(q, image_ids, c);
}

/* ---- the SELECT ---- */

/* The created time of a before/since reference, for the SQL bound. */
static int ref_created(struct hutch_engine *e, const char *ref, char out[40],
                       struct hutch_error **err) {
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_ctr_open(e, ref, false, &c, err) < 0)
    return -1;
  snprintf(out, 40, "%s", c->created);
  return 0;
}

static char *build_sql(const struct hutch_ctr_query *q, bool with_config, bool limit) {
  char *sql = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&sql, &len);
  if (!m)
    return NULL;
  fputs(with_config ? HUTCH_CTR_SELECT : HUTCH_CTR_SELECT_BRIEF, m);
  fputs("WHERE complete=1", m);
  /* parameters: ?1 before, ?2 since, ?3 limit, then the labels */
  if (q->before)
    fputs(" AND created < ?1", m);
  if (q->since)
    fputs(" AND created > ?2", m);
  int p = 4;
  for (char **l = q->labels; l && *l; l++) {
    bool kv = strchr(*l, '=') != NULL;
    fprintf(m,
            " AND EXISTS (SELECT 1 FROM container_labels l WHERE l.id=containers.id AND "
            "l.key=?%d%s",
            p, kv ? "" : ")");
    if (kv)
      fprintf(m, " AND l.value=?%d)", p + 1);
    p += 2;
  }
  fputs(" ORDER BY created DESC, id", m);
  if (limit)
    fputs(" LIMIT ?3", m);
  fclose(m);
  return sql;
}

static int bind_labels(sqlite3_stmt *st, char **labels) {
  int p = 4;
  for (char **l = labels; l && *l; l++, p += 2) {
    const char *eq = strchr(*l, '=');
    sqlite3_bind_text(st, p, *l, eq ? (int)(eq - *l) : -1, SQLITE_TRANSIENT);
    if (eq)
      sqlite3_bind_text(st, p + 1, eq + 1, -1, SQLITE_TRANSIENT);
  }
  return 0;
}

int hutch_ctr_list_query(struct hutch_engine *e, const struct hutch_ctr_query *q, bool with_config,
                         struct hutch_ctr ***out, size_t *n, struct hutch_error **err) {
  char before[40] = "", since[40] = "";
  if ((q->before && ref_created(e, q->before, before, err) < 0) ||
      (q->since && ref_created(e, q->since, since, err) < 0))
    return -1;
  with_config = with_config || hutch_ctr_query_needs_config(q);
  /* the row limit goes to SQL only when every other test is SQL's */
  bool sql_limit = q->last > 0 && !q->ids && !q->names && !q->statuses && !q->nexited &&
                   !q->health && !hutch_ctr_query_needs_config(q);
  _cleanup_free_ char *sql = build_sql(q, with_config, sql_limit);
  if (!sql)
    return hutch_error_set(err, ENOMEM, "list containers");
  hutch_ctr_reap(e);
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (hutch_engine_prepare(e, sql, &db, &st, err) < 0)
    return -1;
  sqlite3_bind_text(st, 1, before, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, q->last);
  bind_labels(st, q->labels);
  _cleanup_strv_ char **image_ids = q->ancestors ? ancestor_ids(e, q->ancestors) : NULL;
  struct hutch_ctr **v = NULL;
  size_t len = 0;
  int rc = SQLITE_DONE;
  while ((q->last < 0 || (long)len < q->last) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    struct hutch_ctr *c = hutch_ctr_alloc(e, hutch_ctr_row_id(st));
    struct hutch_ctr **nv = c ? realloc(v, (len + 1) * sizeof(*v)) : NULL;
    if (!nv) {
      hutch_ctr_free(c);
      hutch_ctr_list_free(v, len);
      return hutch_error_set(err, ENOMEM, "list containers");
    }
    v = nv;
    if (hutch_ctr_row_read(st, c, NULL) < 0)
      hutch_warn("container %.12s: corrupt record, skipping", c->id);
    if (!match_row(e, q, image_ids, c)) {
      hutch_ctr_free(c);
      continue;
    }
    v[len++] = c;
  }
  if (q->last < 0 || (long)len < q->last) {
    if (rc != SQLITE_DONE) {
      hutch_ctr_list_free(v, len);
      return hutch_db_error(db, err, "list containers");
    }
  }
  *out = v;
  *n = len;
  return 0;
}
