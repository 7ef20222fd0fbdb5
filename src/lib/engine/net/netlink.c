/* rtnetlink requests through libmnl; see netlink.h. */
#include "netlink.h"

#include "util/cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

/* Large enough for a dump batch (libmnl 1.0.5 calls this MNL_SOCKET_DUMP_SIZE). */
#define NL_BUF_SIZE 32768

struct hutch_nl {
  struct mnl_socket *sock;
  unsigned portid;
  unsigned seq;
  char *buf; /* NL_BUF_SIZE bytes for requests and replies */
};

static int nl_bind(struct mnl_socket *sock, struct hutch_nl **out) {
  /* A reply that never comes ends in an error (EAGAIN), never a hang. */
  struct timeval tv = {.tv_sec = 10};
  if (setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
      mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = -errno;
    mnl_socket_close(sock);
    return e;
  }
  struct hutch_nl *nl = calloc(1, sizeof(*nl));
  char *buf = malloc(NL_BUF_SIZE);
  if (nl == NULL || buf == NULL) {
    free(nl);
    free(buf);
    mnl_socket_close(sock);
    return -ENOMEM;
  }
  nl->sock = sock;
  nl->buf = buf;
  nl->portid = mnl_socket_get_portid(sock);
  nl->seq = (unsigned)time(NULL);
  *out = nl;
  return 0;
}

int hutch_nl_open(struct hutch_nl **out) {
  struct mnl_socket *sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (sock == NULL)
    return -errno;
  return nl_bind(sock, out);
}

int hutch_nl_open_in_netns(int netns_fd, struct hutch_nl **out) {
  /* A socket belongs to the namespace it was created in for its whole
   * life, so we only need to be inside the target for socket() itself. */
  _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return -errno;
  if (setns(netns_fd, CLONE_NEWNET) < 0)
    return -errno;
  struct mnl_socket *sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  int saved = errno;
  if (setns(self, CLONE_NEWNET) < 0) {
    /* Continuing in the container's namespace would configure the wrong
     * host; there is no sane way on. */
    abort();
  }
  if (sock == NULL)
    return -saved;
  return nl_bind(sock, out);
}

void hutch_nl_close(struct hutch_nl *nl) {
  if (nl == NULL)
    return;
  int saved = errno;
  mnl_socket_close(nl->sock);
  free(nl->buf);
  free(nl);
  errno = saved;
}

static struct nlmsghdr *nl_msg(struct hutch_nl *nl, uint16_t type, uint16_t flags) {
  struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = ++nl->seq;
  return nlh;
}

/* Send the request in nl->buf and read replies until the ack or the end of
 * the dump. The request is sent before the buffer is reused for replies. */
static int nl_talk(struct hutch_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
  unsigned seq = nlh->nlmsg_seq;
  if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
    return -errno;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUF_SIZE);
    if (n < 0)
      return -errno;
    errno = 0;
    int r = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
    if (r < 0)
      return errno ? -errno : -EIO;
    if (r == MNL_CB_STOP)
      return 0;
  }
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int ifindex) {
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  return ifi;
}

static int link_attr_cb(const struct nlattr *a, void *data) {
  struct hutch_nl_link *l = data;
  switch (mnl_attr_get_type(a)) {
  case IFLA_MTU:
    if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
      l->mtu = mnl_attr_get_u32(a);
    break;
  case IFLA_MASTER:
    if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
      l->master = (int)mnl_attr_get_u32(a);
    break;
  case IFLA_ADDRESS:
    if (mnl_attr_get_payload_len(a) == 6)
      memcpy(l->mac, mnl_attr_get_payload(a), 6);
    break;
  case IFLA_LINKINFO: {
    const struct nlattr *in;
    mnl_attr_for_each_nested(in, a) {
      if (mnl_attr_get_type(in) == IFLA_INFO_KIND && mnl_attr_validate(in, MNL_TYPE_STRING) >= 0)
        snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(in));
    }
    break;
  }
  }
  return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data) {
  struct hutch_nl_link *l = data;
  const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
  l->ifindex = ifi->ifi_index;
  l->flags = ifi->ifi_flags;
  return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
}

int hutch_nl_link_get(struct hutch_nl *nl, const char *name, struct hutch_nl_link *out) {
  if (strlen(name) >= IFNAMSIZ)
    return -ENAMETOOLONG;
  memset(out, 0, sizeof(*out));
  /* NLM_F_ACK: the reply is followed by an ack, which ends our read loop. */
  struct nlmsghdr *nlh = nl_msg(nl, RTM_GETLINK, NLM_F_ACK);
  put_ifinfo(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  int r = nl_talk(nl, nlh, link_cb, out);
  return r < 0 ? r : 0;
}

int hutch_nl_link_index(struct hutch_nl *nl, const char *name) {
  struct hutch_nl_link l;
  int r = hutch_nl_link_get(nl, name, &l);
  return r < 0 ? r : l.ifindex;
}

int hutch_nl_bridge_add(struct hutch_nl *nl, const char *name, unsigned mtu) {
  if (strlen(name) >= IFNAMSIZ)
    return -ENAMETOOLONG;
  struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
  put_ifinfo(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  if (mtu)
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(nlh, info);
  return nl_talk(nl, nlh, NULL, NULL);
}

int hutch_nl_veth_add(struct hutch_nl *nl, const char *name, const char *peer, int peer_netns_fd,
                      unsigned mtu, const uint8_t *peer_mac) {
  if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ)
    return -ENAMETOOLONG;
  struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
  put_ifinfo(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  if (mtu)
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  /* The peer is described by a full ifinfomsg + attributes, nested. */
  struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  put_ifinfo(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
  if (mtu)
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  if (peer_netns_fd >= 0)
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
  if (peer_mac)
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
  mnl_attr_nest_end(nlh, p);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  return nl_talk(nl, nlh, NULL, NULL);
}

int hutch_nl_link_set_up(struct hutch_nl *nl, int ifindex) {
  struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_ACK);
  struct ifinfomsg *ifi = put_ifinfo(nlh, ifindex);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return nl_talk(nl, nlh, NULL, NULL);
}

int hutch_nl_link_set_master(struct hutch_nl *nl, int ifindex, int master) {
  struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_ACK);
  put_ifinfo(nlh, ifindex);
  mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
  return nl_talk(nl, nlh, NULL, NULL);
}

int hutch_nl_link_del(struct hutch_nl *nl, int ifindex) {
  struct nlmsghdr *nlh = nl_msg(nl, RTM_DELLINK, NLM_F_ACK);
  put_ifinfo(nlh, ifindex);
  return nl_talk(nl, nlh, NULL, NULL);
}

int hutch_nl_addr_add(struct hutch_nl *nl, int ifindex, uint32_t addr, unsigned prefix) {
  struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = (unsigned)ifindex;
  uint32_t mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
  mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(addr));
  mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(addr));
  mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(addr | ~mask));
  return nl_talk(nl, nlh, NULL, NULL);
}

int hutch_nl_route_add_default(struct hutch_nl *nl, uint32_t gw, int ifindex) {
  struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
  rtm->rtm_family = AF_INET;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gw));
  mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
  return nl_talk(nl, nlh, NULL, NULL);
}

struct route_walk {
  int (*cb)(uint32_t dst, unsigned prefix, int oif, void *ud);
  void *ud;
  int result;
};

static int route_cb(const struct nlmsghdr *nlh, void *data) {
  struct route_walk *w = data;
  const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
  /* After a callback error keep reading (and ignoring) the rest of the
   * dump, so the socket is left clean for the next request. */
  if (w->result < 0 || rtm->rtm_family != AF_INET || rtm->rtm_type != RTN_UNICAST)
    return MNL_CB_OK;
  uint32_t table = rtm->rtm_table, dst = 0;
  int oif = 0;
  const struct nlattr *a;
  mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
    switch (mnl_attr_get_type(a)) {
    case RTA_TABLE:
      table = mnl_attr_get_u32(a);
      break;
    case RTA_DST:
      dst = ntohl(mnl_attr_get_u32(a));
      break;
    case RTA_OIF:
      oif = (int)mnl_attr_get_u32(a);
      break;
    }
  }
  if (table != RT_TABLE_MAIN)
    return MNL_CB_OK;
  int r = w->cb(dst, rtm->rtm_dst_len, oif, w->ud);
  if (r < 0)
    w->result = r;
  return MNL_CB_OK;
}

/* An IPv4 dump of routes or addresses: rtmsg and ifaddrmsg both start
 * with their family byte. */
static int dump_v4(struct hutch_nl *nl, uint16_t type, size_t hdr, mnl_cb_t parse,
                   struct route_walk *w) {
  struct nlmsghdr *nlh = nl_msg(nl, type, NLM_F_DUMP);
  unsigned char *family = mnl_nlmsg_put_extra_header(nlh, hdr);
  *family = AF_INET;
  int r = nl_talk(nl, nlh, parse, w);
  return w->result < 0 ? w->result : r;
}

int hutch_nl_routes_v4(struct hutch_nl *nl,
                       int (*cb)(uint32_t dst, unsigned prefix, int oif, void *ud), void *ud) {
  struct route_walk w = {cb, ud, 0};
  return dump_v4(nl, RTM_GETROUTE, sizeof(struct rtmsg), route_cb, &w);
}

static int addr_cb(const struct nlmsghdr *nlh, void *data) {
  struct route_walk *w = data;
  const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
  if (w->result < 0 || ifa->ifa_family != AF_INET)
    return MNL_CB_OK;
  const struct nlattr *a;
  mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
    if (mnl_attr_get_type(a) != IFA_LOCAL)
      continue;
    int r = w->cb(ntohl(mnl_attr_get_u32(a)), ifa->ifa_prefixlen, (int)ifa->ifa_index, w->ud);
    if (r < 0)
      w->result = r;
  }
  return MNL_CB_OK;
}

int hutch_nl_addrs_v4(struct hutch_nl *nl,
                      int (*cb)(uint32_t addr, unsigned prefix, int ifindex, void *ud), void *ud) {
  struct route_walk w = {cb, ud, 0};
  return dump_v4(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), addr_cb, &w);
}
