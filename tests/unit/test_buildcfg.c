/* The builder's config model and metadata instructions (buildcfg.c,
 * apply.c) and the stage split (stages.c): pure, no store. */
#include "tap.h"

#include "build/buildcfg.h"
#include "build/stages.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static const char *lookup(void *ud, const char *name) {
  return hutch_kv_get(ud, name);
}

static const char BASE[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],"
    "\"Cmd\":[\"sh\"],\"Healthcheck\":{\"Test\":[\"NONE\"]},\"OnBuild\":[\"RUN x\"]},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
    "\"history\":[{\"created_by\":\"base\",\"empty_layer\":true}]}";

static int apply(struct hutch_build_config *bc, const char *line, char **errtext) {
  struct hutch_df_instr in = {0};
  struct hutch_error *err = NULL;
  struct hutch_build_vars v = {'\\', lookup, bc->c->env};
  int r = hutch_df_parse_line(line, '\\', 1, "Dockerfile", &in, &err);
  if (r == 0)
    r = hutch_build_apply(bc, &in, &v, &err);
  hutch_df_instr_clear(&in);
  *errtext = err ? hutch_error_text(err) : NULL;
  hutch_error_free(err);
  return r;
}

static void test_config(void) {
  struct hutch_build_config *bc = NULL;
  struct hutch_error *err = NULL;
  char *e = NULL;
  ok(hutch_build_config_parse(BASE, strlen(BASE), &bc, &err) == 0, "parse a parent config");
  is_str(bc->health->test[0], "NONE", "Healthcheck read");
  is_str(bc->onbuild[0], "RUN x", "OnBuild read");
  is_int(bc->n_history, 1, "history read");
  ok(apply(bc, "ENV A=1 B=\"x y\"", &e) == 0, "ENV");
  ok(apply(bc, "ENV C=$A-${B}", &e) == 0, "ENV expands the ENV before it");
  is_str(hutch_kv_get(bc->c->env, "C"), "1-x y", "expanded");
  ok(apply(bc, "ENV A=2", &e) == 0 && strcmp(hutch_kv_get(bc->c->env, "A"), "2") == 0,
     "ENV replaces");
  ok(apply(bc, "WORKDIR /a", &e) == 0 && apply(bc, "WORKDIR b/../c", &e) == 0, "WORKDIR");
  is_str(bc->c->working_dir, "/a/c", "relative WORKDIR joins and cleans");
  ok(apply(bc, "EXPOSE 80 9000-9001/UDP", &e) == 0, "EXPOSE");
  is_int(hutch_strv_len(bc->c->exposed_ports), 3, "three ports");
  is_str(bc->c->exposed_ports[2], "9001/udp", "range, protocol lowercased");
  ok(apply(bc, "EXPOSE 70000", &e) < 0, "EXPOSE out of range");
  is_str(e, "EXPOSE: invalid port 70000", "its error");
  free(e);
  ok(apply(bc, "STOPSIGNAL SIGKILLX", &e) < 0, "bad STOPSIGNAL");
  free(e);
  ok(apply(bc, "ENTRYPOINT [\"/e\"]", &e) == 0 && bc->c->cmd == NULL,
     "ENTRYPOINT drops an inherited CMD");
  ok(apply(bc, "CMD x", &e) == 0 && apply(bc, "ENTRYPOINT y", &e) == 0 && bc->c->cmd,
     "CMD of this stage survives ENTRYPOINT");
  is_str(bc->c->entrypoint[2], "y", "shell form through /bin/sh -c");
  ok(apply(bc, "SHELL [\"/bin/bash\", \"-e\"]", &e) == 0 && apply(bc, "CMD z", &e) == 0, "SHELL");
  is_str(bc->c->cmd[0], "/bin/bash", "CMD uses SHELL");
  ok(apply(bc, "HEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD curl x", &e) == 0,
     "HEALTHCHECK");
  is_int(bc->health->interval, 90000000000LL, "interval ns");
  is_int(bc->health->timeout, 500000000LL, "timeout ns");
  is_str(bc->health->test[0], "CMD-SHELL", "shell-form test");
  ok(apply(bc, "HEALTHCHECK --interval=5x CMD true", &e) < 0, "bad duration");
  free(e);
  ok(apply(bc, "LABEL \"k 1\"=v", &e) == 0 && strcmp(bc->c->labels[0], "k 1=v") == 0, "LABEL");
  ok(apply(bc, "VOLUME [\"/a\", \"/b\"]", &e) == 0 && hutch_strv_len(bc->c->volumes) == 2,
     "VOLUME json");
  ok(apply(bc, "RUN x", &e) < 0, "RUN is no metadata");
  free(e);
  char *json = NULL;
  ok(hutch_build_config_add_history(bc, "t", "by", NULL, NULL, true) == 0 &&
         hutch_build_config_dump(bc, &json, &err) == 0,
     "dump");
  ok(json && strstr(json, "\"Interval\":90000000000") && strstr(json, "\"empty_layer\":true") &&
         strstr(json, "\"ExposedPorts\":{"),
     "docker's fields in the dump");
  struct hutch_build_config *again = NULL;
  ok(json && hutch_build_config_parse(json, strlen(json), &again, &err) == 0 &&
         again->n_history == 2 && strcmp(again->c->working_dir, "/a/c") == 0,
     "the dump parses back");
  hutch_build_config_free(again);
  free(json);
  hutch_build_config_free(bc);
}

static void test_duration(void) {
  int64_t ns = -1;
  ok(hutch_parse_go_duration("1h2m3s", &ns) == 0 && ns == 3723000000000LL, "1h2m3s");
  ok(hutch_parse_go_duration("1.5s", &ns) == 0 && ns == 1500000000LL, "1.5s");
  ok(hutch_parse_go_duration("0", &ns) == 0 && ns == 0, "0");
  ok(hutch_parse_go_duration("10", &ns) < 0, "no unit");
  ok(hutch_parse_go_duration("", &ns) < 0, "empty");
}

static void test_stages(void) {
  struct hutch_dockerfile *df = NULL;
  struct hutch_error *err = NULL;
  const char *text = "ARG X=1\nFROM a AS one\nRUN r\nFROM b AS Two\nCOPY --from=one /x /x\n"
                     "FROM c\nRUN s\nFROM two\nCOPY --from=0 /y /y\n";
  ok(hutch_dockerfile_parse(text, "Dockerfile", &df, &err) == 0, "parse");
  struct hutch_stages st = {0};
  ok(hutch_stages_split(df, &st, &err) == 0, "split");
  is_int(st.n_meta, 1, "one global ARG");
  is_int(st.n, 4, "four stages");
  is_int(st.v[1].n, 1, "stage two has one instruction");
  is_int(hutch_stage_find(&st, "TWO", 3), 1, "names are case-insensitive");
  is_int(hutch_stage_find(&st, "two", 1), -1, "only earlier stages");
  is_int(hutch_stage_find(&st, "0", 1), 0, "by index");
  size_t t = 99;
  ok(hutch_stages_mark(&st, NULL, &t, &err) == 0 && t == 3, "the last stage by default");
  ok(st.v[0].needed && st.v[1].needed && !st.v[2].needed && st.v[3].needed,
     "FROM and --from dependencies needed, the rest not");
  hutch_stages_clear(&st);
  ok(hutch_stages_split(df, &st, &err) == 0, "split again");
  ok(hutch_stages_mark(&st, "one", &t, &err) == 0 && t == 0 && !st.v[1].needed, "--target");
  ok(hutch_stages_mark(&st, "nope", &t, &err) < 0, "unknown target");
  hutch_error_free(err);
  err = NULL;
  hutch_stages_clear(&st);
  hutch_dockerfile_free(df);
  ok(hutch_dockerfile_parse("FROM a AS x\nFROM b AS X\n", "Dockerfile", &df, &err) == 0 &&
         hutch_stages_split(df, &st, &err) < 0,
     "duplicate stage names refused");
  hutch_error_free(err);
  hutch_dockerfile_free(df);
}

int main(void) {
  test_config();
  test_duration();
  test_stages();
  return done_testing();
}
