/* What `hutch version` and `hutch info` report, gathered into typed
 * structs and turned into docker's JSON shapes (for --format) in one
 * place. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "util/error.h"

struct hutch_engine;

#define HUTCH_API_VERSION "1.41"
#define HUTCH_API_MIN_VERSION "1.12"

struct hutch_version_info {
  char version[32], api_version[8], min_api_version[8];
  char os[16], arch[32], kernel[128];
  char build_time[64];
  char runtime_path[4096]; /* hutch-runtime, "" when none is found */
};
void hutch_version_collect(struct hutch_version_info *v);
/* docker version's {Client: …, Server: …}. */
json_t *hutch_version_json(const struct hutch_version_info *v);

struct hutch_sysinfo {
  long containers, running, paused, stopped, images;
  char root[4096];
  char storage_driver[16], logging_driver[16], cgroup_driver[16], cgroup_version[4];
  char kernel[128], os[256], os_type[16], arch[32], name[256];
  long ncpu;
  int64_t mem_total;
  char server_version[32];
  char runtime_path[4096];
  char backing_fs[32];
};
int hutch_sysinfo_collect(struct hutch_engine *e, struct hutch_sysinfo *s,
                          struct hutch_error **err);
/* docker info's object (the API's /info with ClientInfo beside). */
json_t *hutch_sysinfo_json(const struct hutch_sysinfo *s);
/* docker's GOARCH name for a uname machine ("x86_64" → "amd64"). */
const char *hutch_go_arch(const char *machine);
