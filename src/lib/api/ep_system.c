/* /_ping, /version, /info, /system/df: what clients ask first
 * (version negotiation) and what `docker info`/`system df` show. */
#include "api_int.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static enum MHD_Result ping(struct api_req *r) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(2, "OK", MHD_RESPMEM_PERSISTENT);
  if (!resp)
    return MHD_NO;
  api_common_headers(resp);
  MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
  MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store, must-revalidate");
  MHD_add_response_header(resp, "Builder-Version", "1");
  enum MHD_Result res = MHD_queue_response(r->conn, 200, resp);
  MHD_destroy_response(resp);
  return res;
}

static enum MHD_Result version(struct api_req *r) {
  struct utsname u;
  uname(&u);
  json_t *comp =
      json_pack("[{s:s,s:s,s:{s:s,s:s}}]", "Name", "Engine", "Version", HUTCH_VERSION, "Details",
                "ApiVersion", HUTCH_API_VERSION, "MinAPIVersion", HUTCH_API_MIN_VERSION);
  return api_json(r, 200,
                  json_pack("{s:{s:s},s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Platform", "Name",
                            "hutch", "Components", comp, "Version", HUTCH_VERSION, "ApiVersion",
                            HUTCH_API_VERSION, "MinAPIVersion", HUTCH_API_MIN_VERSION, "GitCommit",
                            "", "GoVersion", "none (C)", "Os", "linux", "Arch", "amd64",
                            "KernelVersion", u.release, "BuildTime", ""));
}

static enum MHD_Result info(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  struct hutch_ctr **v = NULL;
  size_t n = 0, ni = 0;
  struct hutch_store *s = NULL;
  struct hutch_image **imgs = NULL;
  if (!e || hutch_ctr_list_all(e, false, &v, &n, &err) < 0 || hutch_engine_store(e, &s, &err) < 0 ||
      hutch_image_list(s, &imgs, &ni, &err) < 0) {
    hutch_ctr_list_free(v, n);
    return api_error(r, err);
  }
  int running = 0, paused = 0;
  for (size_t i = 0; i < n; i++) {
    const char *st = hutch_ctr_status(e, v[i]);
    running += strcmp(st, "running") == 0;
    paused += strcmp(st, "paused") == 0;
  }
  hutch_ctr_list_free(v, n);
  hutch_image_list_free(imgs, ni);
  struct utsname u;
  uname(&u);
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  long long mem = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
  return api_json(
      r, 200,
      json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:s,s:s,s:s,s:[]"
                ",s:{s:{s:s}},s:s,s:b,s:s}",
                "ID", "hutch", "Containers", (int)n, "ContainersRunning", running,
                "ContainersPaused", paused, "ContainersStopped", (int)n - running - paused,
                "Images", (int)ni, "Driver", "overlay2", "KernelVersion", u.release,
                "OperatingSystem", "hutch", "OSType", "linux", "Architecture", u.machine, "Name",
                host, "ServerVersion", HUTCH_VERSION, "DockerRootDir", e->root, "NCPU", (int)ncpu,
                "MemTotal", (json_int_t)mem, "CgroupDriver", "cgroupfs", "LoggingDriver",
                "json-file", "DefaultRuntime", "hutch", "Warnings", "Runtimes", "hutch", "path",
                "hutch", "IndexServerAddress", "https://index.docker.io/v1/", "Debug", false,
                "HttpProxy", ""));
}

static enum MHD_Result system_df(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  struct hutch_ctr **v = NULL;
  size_t n = 0;
  if (!e || hutch_ctr_list_all(e, false, &v, &n, &err) < 0)
    return api_error(r, err);
  json_t *ctrs = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(ctrs, json_pack("{s:s,s:[s],s:s,s:s,s:I,s:I}", "Id", v[i]->id, "Names",
                                          v[i]->name ? v[i]->name : "", "Image",
                                          v[i]->image_name ? v[i]->image_name : "", "State",
                                          hutch_ctr_status(e, v[i]), "SizeRw", (json_int_t)0,
                                          "SizeRootFs", (json_int_t)0));
  hutch_ctr_list_free(v, n);
  struct hutch_store *s = NULL;
  struct hutch_image **imgs = NULL;
  size_t ni = 0;
  json_t *images = json_array();
  long long total = 0;
  if (hutch_engine_store(e, &s, NULL) == 0 && hutch_image_list(s, &imgs, &ni, NULL) == 0) {
    for (size_t i = 0; i < ni; i++) {
      total += imgs[i]->size;
      json_array_append_new(images, json_pack("{s:s,s:I,s:I,s:i}", "Id", imgs[i]->id, "Size",
                                              (json_int_t)imgs[i]->size, "SharedSize",
                                              (json_int_t)0, "Containers", 0));
    }
    hutch_image_list_free(imgs, ni);
  }
  char **vols = NULL;
  json_t *volumes = json_array();
  if (hutch_volume_list(e, &vols, NULL) == 0)
    for (char **x = vols; x && *x; x++)
      json_array_append_new(volumes, json_pack("{s:s,s:s,s:{s:I,s:I}}", "Name", *x, "Driver",
                                               "local", "UsageData", "Size", (json_int_t)-1,
                                               "RefCount", (json_int_t)-1));
  hutch_strv_free(vols);
  return api_json(r, 200,
                  json_pack("{s:I,s:o,s:o,s:o,s:[]}", "LayersSize", (json_int_t)total, "Images",
                            images, "Containers", ctrs, "Volumes", volumes, "BuildCache"));
}

const struct api_route hutch_api_system_routes[] = {
    {"GET", "/_ping", ping}, {"HEAD", "/_ping", ping},         {"GET", "/version", version},
    {"GET", "/info", info},  {"GET", "/system/df", system_df}, {NULL, NULL, NULL},
};
