/* hutch version and hutch info: docker's blocks of facts, or one object
 * through --format (engine/sysinfo.h gathers them). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "sys_cli.h"
#include "format.h"

#include "engine/sysinfo.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

#include <stdio.h>
#include <string.h>

/* --format: "json" or a template over obj. */
int cli_print_formatted(const char *format, json_t *obj) {
  struct hutch_error *err = NULL;
  _cleanup_template_ struct hutch_template *t = NULL;
  if (cli_template_parse(format, &t, &err) < 0 ||
      hutch_template_exec(t, stdout, obj, false, &err) < 0)
    return ctr_cli_fail(err);
  putchar('\n');
  return 0;
}

int cli_check_format(const char *format) {
  struct hutch_error *err = NULL;
  _cleanup_template_ struct hutch_template *t = NULL;
  if (!format || cli_template_parse(format, &t, &err) == 0)
    return 0;
  ctr_cli_fail(err);
  return -1;
}

struct hutch_engine *cli_engine_for_format(const char *format) {
  return cli_check_format(format) < 0 ? NULL : ctr_cli_engine();
}

int cmd_version(int argc, char **argv) {
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'json' or a Go template"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Show the hutch version information", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_version_info v;
  hutch_version_collect(&v);
  _cleanup_json_ json_t *obj = hutch_version_json(&v);
  if (format)
    return cli_check_format(format) < 0 ? HUTCH_EXIT_ERROR : cli_print_formatted(format, obj);
  printf("Client:\n");
  printf(" Version:           %s\n", v.version);
  printf(" API version:       %s\n", v.api_version);
  printf(" Built:             %s\n", v.build_time);
  printf(" OS/Arch:           %s/%s\n", v.os, v.arch);
  printf(" Context:           default\n");
  printf(" Experimental:      false\n\n");
  printf("Server: hutch (no daemon: the engine runs in each command)\n");
  printf(" Engine:\n");
  printf("  Version:          %s\n", v.version);
  printf("  API version:      %s (minimum version %s)\n", v.api_version, v.min_api_version);
  printf("  Built:            %s\n", v.build_time);
  printf("  OS/Arch:          %s/%s\n", v.os, v.arch);
  printf("  Kernel Version:   %s\n", v.kernel);
  printf("  Experimental:     false\n");
  if (v.runtime_path[0]) {
    printf(" hutch-runtime:\n");
    printf("  Version:          %s\n", v.version);
    printf("  Path:             %s\n", v.runtime_path);
  }
  return 0;
}

static void print_info(const struct hutch_sysinfo *s) {
  char mem[32];
  hutch_format_size(s->mem_total, true, 4, mem, sizeof(mem));
  printf("Client:\n Context:    default\n Debug Mode: false\n\n");
  printf("Server:\n");
  printf(" Containers: %ld\n  Running: %ld\n  Paused: %ld\n  Stopped: %ld\n", s->containers,
         s->running, s->paused, s->stopped);
  printf(" Images: %ld\n", s->images);
  printf(" Server Version: %s\n", s->server_version);
  printf(" Storage Driver: %s\n  Backing Filesystem: %s\n  Supports d_type: true\n",
         s->storage_driver, s->backing_fs);
  printf(" Logging Driver: %s\n", s->logging_driver);
  printf(" Cgroup Driver: %s\n", s->cgroup_driver);
  printf(" Cgroup Version: %s\n", s->cgroup_version);
  printf(" Plugins:\n  Volume: local\n  Network: bridge host none container\n"
         "  Log: json-file\n");
  printf(" Runtimes: hutch%s\n", s->runtime_path[0] ? " hutch-runtime" : "");
  printf(" Default Runtime: hutch\n");
  printf(" Kernel Version: %s\n", s->kernel);
  printf(" Operating System: %s\n", s->os);
  printf(" OSType: %s\n", s->os_type);
  printf(" Architecture: %s\n", s->arch);
  printf(" CPUs: %ld\n", s->ncpu);
  printf(" Total Memory: %s\n", mem);
  printf(" Name: %s\n", s->name);
  printf(" Docker Root Dir: %s\n", s->root);
  printf(" Debug Mode: false\n");
  printf(" Experimental: false\n");
  printf(" Live Restore Enabled: false\n");
}

int cmd_info(int argc, char **argv) {
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'json' or a Go template"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Display system-wide information", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = cli_engine_for_format(format);
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  struct hutch_sysinfo s;
  if (hutch_sysinfo_collect(e, &s, &err) < 0)
    return ctr_cli_fail(err);
  if (format) {
    _cleanup_json_ json_t *obj = hutch_sysinfo_json(&s);
    return cli_print_formatted(format, obj);
  }
  print_info(&s);
  return 0;
}
