/* hutch login [-u USER] [-p PASS | --password-stdin] [SERVER] and
 * hutch logout [SERVER]: check credentials against the registry and keep
 * them in the auth file (see image/auth.h). */
#include "commands.h"
#include "image_cli.h"

#include "util/cleanup.h"

#include <getopt.h>
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
  static const struct option opts[] = {
      {"username", required_argument, NULL, 'u'}, {"password", required_argument, NULL, 'p'},
      {"password-stdin", no_argument, NULL, 'S'}, {"tls-verify", optional_argument, NULL, 'T'},
      {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
  struct hutch_registry_opts ro = {0};
  _cleanup_free_ char *user = NULL, *pass = NULL;
  bool pass_stdin = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+u:p:h", opts, NULL)) != -1) {
    switch (c) {
    case 'u':
      free(user);
      user = strdup(optarg);
      break;
    case 'p':
      free(pass);
      pass = strdup(optarg);
      break;
    case 'S':
      pass_stdin = true;
      break;
    case 'T': {
      bool v;
      if (image_cli_parse_bool(optarg, &v) < 0)
        return image_cli_usage_error("login", "--tls-verify takes true or false");
      ro.insecure = !v;
      break;
    }
    case 'h':
      printf("Usage: hutch login [OPTIONS] [SERVER]\n\n"
             "Log in to a registry (default docker.io).\n\n"
             "Options:\n"
             "  -u, --username string   user name\n"
             "  -p, --password string   password\n"
             "      --password-stdin    read the password from standard input\n"
             "      --tls-verify=false  allow plain HTTP and skip TLS checks\n");
      return 0;
    default:
      return image_cli_usage_error("login", "unknown option");
    }
  }
  if (argc - optind > 1)
    return image_cli_usage_error("login", "at most one server");
  _cleanup_free_ char *domain = server_domain(optind < argc ? argv[optind] : NULL);
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
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("Usage: hutch logout [SERVER]\n\nForget the credentials for a registry.\n");
    return 0;
  }
  if (argc > 2)
    return image_cli_usage_error("logout", "at most one server");
  _cleanup_free_ char *domain = server_domain(argc == 2 ? argv[1] : NULL);
  struct hutch_error *err = NULL;
  if (hutch_auth_remove(domain, &err) < 0)
    return image_cli_fail(err);
  printf("Removing login credentials for %s\n", domain);
  return 0;
}
