/* hutch login [-u USER] [-p PASS | --password-stdin] [SERVER] and
 * hutch logout [SERVER]: check credentials against the registry and keep
 * them in the auth file (see image/auth.h). */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "util/cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "https://index.docker.io/v1/" → "docker.io", "http://h:5000/" → "h:5000" */
static char *server_domain(const char *arg) {
  if (arg == NULL)
    return strdup("docker.io");
  const char *s = strstr(arg, "://");
  s = s ? s + 3 : arg;
  char *d = strndup(s, strcspn(s, "/"));
  if (d && (strcmp(d, "index.docker.io") == 0 || strcmp(d, "registry-1.docker.io") == 0)) {
    free(d);
    d = strdup("docker.io");
  }
  return d;
}

static char *read_line(FILE *f) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, f);
  if (n < 0) {
    free(line);
    return NULL;
  }
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  return line;
}

int cmd_login(int argc, char **argv) {
  struct hutch_registry_opts ro = {0};
  const char *userarg = NULL, *passarg = NULL;
  bool pass_stdin = false, tls_verify = true;
  const struct hutch_flag flags[] = {
      {"password", 'p', HUTCH_FLAG_STRING, &passarg, "Password"},
      {"password-stdin", 0, HUTCH_FLAG_BOOL, &pass_stdin, "Take the password from stdin"},
      {"tls-verify", 0, HUTCH_FLAG_BOOL, &tls_verify,
       "Require HTTPS and verify certificates (--tls-verify=false: plain HTTP, no checks)"},
      {"username", 'u', HUTCH_FLAG_STRING, &userarg, "Username"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [SERVER]", "Log in to a registry (default docker.io)",
                                flags, 0, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  ro.insecure = !tls_verify;
  _cleanup_free_ char *user = userarg ? strdup(userarg) : NULL;
  _cleanup_free_ char *pass = passarg ? strdup(passarg) : NULL;
  _cleanup_free_ char *domain = server_domain(n ? argv[1] : NULL);
  if (user == NULL) {
    fprintf(stderr, "Username: ");
    user = read_line(stdin);
  }
  if (pass == NULL && pass_stdin) {
    pass = read_line(stdin);
  } else if (pass == NULL) {
    char *p = getpass("Password: ");
    pass = p ? strdup(p) : NULL;
  }
  if (user == NULL || *user == '\0' || pass == NULL)
    return image_cli_usage_error("login", "a username and password are required");
  ro.username = user;
  ro.password = pass;
  struct hutch_error *err = NULL;
  if (hutch_registry_login(domain, &ro, &err) < 0 || hutch_auth_store(domain, user, pass, &err) < 0)
    return image_cli_fail(err);
  printf("Login Succeeded\n");
  return 0;
}

int cmd_logout(int argc, char **argv) {
  int n, r = hutch_args_parse("[SERVER]", "Log out from a registry", 0, 1, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_free_ char *domain = server_domain(n ? argv[1] : NULL);
  struct hutch_error *err = NULL;
  if (hutch_auth_remove(domain, &err) < 0)
    return image_cli_fail(err);
  printf("Removing login credentials for %s\n", domain);
  return 0;
}
