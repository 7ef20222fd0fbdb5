/* Hijacked connections (attach, exec start): the reply is a 101 with
 * "Upgrade: tcp", after which the socket is the stream's, in both
 * directions. Each runs on a detached thread of its own, so it blocks
 * only itself; the connection is closed when its function returns. */
#include "api_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct hijack {
  api_hijack_fn run;
  void (*done)(void *ud);
  void *ud;
  int sock;
  char *extra; /* bytes the client sent after the request */
  size_t extra_len;
  struct MHD_UpgradeResponseHandle *urh;
};

static void hijack_free(struct hijack *h) {
  if (h->done)
    h->done(h->ud);
  free(h->extra);
  free(h);
}

static void *hijack_thread(void *arg) {
  struct hijack *h = arg;
  h->run(h->ud, h->sock, h->extra, h->extra_len);
  MHD_upgrade_action(h->urh, MHD_UPGRADE_ACTION_CLOSE);
  hijack_free(h);
  return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra,
                       size_t extra_len, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh) {
  (void)conn;
  (void)req_cls;
  struct hijack *h = cls;
  h->sock = sock;
  h->urh = urh;
  if (extra_len && (h->extra = malloc(extra_len))) {
    memcpy(h->extra, extra, extra_len);
    h->extra_len = extra_len;
  }
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&th, &attr, hijack_thread, h) != 0) {
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    hijack_free(h);
  }
  pthread_attr_destroy(&attr);
}

enum MHD_Result api_hijack(struct api_req *r, bool tty, api_hijack_fn run, void (*done)(void *ud),
                           void *ud) {
  struct hijack *h = calloc(1, sizeof(*h));
  struct MHD_Response *resp = h ? MHD_create_response_for_upgrade(on_upgrade, h) : NULL;
  if (!resp) {
    free(h);
    if (done)
      done(ud);
    return MHD_NO;
  }
  *h = (struct hijack){.run = run, .done = done, .ud = ud, .sock = -1};
  api_common_headers(resp);
  MHD_add_response_header(resp, "Upgrade", "tcp");
  MHD_add_response_header(resp, "Content-Type",
                          tty ? "application/vnd.docker.raw-stream"
                              : "application/vnd.docker.multiplexed-stream");
  enum MHD_Result res = MHD_queue_response(r->conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
  MHD_destroy_response(resp);
  return res;
}
