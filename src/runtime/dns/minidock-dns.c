// minidock-dns: the embedded DNS resolver for user-defined networks (docs/networking.md).
//
// One process per host network namespace (per minidock state root), started by minidock when the
// first container joins a user-defined network and stopped with the last. It serves each such
// container at 127.0.0.11:53 (UDP and TCP) *inside the container's own network namespace*: for
// every container it setns()es into the container's netns, opens the sockets there, and comes
// back. The socket a query arrives on tells which container asked, so the answer is scoped to
// the networks that container is on (names on other networks do not resolve, like Docker).
//
//   minidock-dns RECORDS_FILE CONTROL_SOCKET
//
// RECORDS_FILE (rewritten atomically by minidock) has one record per line:
//   u IP PORT                       an upstream resolver (in this process's netns): IPv4, or
//                                   IPv6 with an optional zone (fe80::1%eth0: that interface)
//   c NETNS_PATH NETKEY…            a container to serve, and the networks it is on
//   s IP PORT                       after a c line: that container's own upstream (--dns, IPv4 or IPv6);
//                                   a container with any uses only its own, else the u ones
//   n NETKEY IP NAME…               names of one address on one network; IP is IPv4 or IPv6
//                                   (a dual-stack endpoint has one line per address)
// CONTROL_SOCKET: the path of a unix socket it listens on; a client sends
// "reload\n" (re-read the records, open/close sockets) or "quit\n" and gets "ok N\n" back once it
// is done, N = number of containers served. With no container left after a reload it exits.
// SIGHUP also reloads; SIGTERM/SIGINT exit. fd 3, when open, gets "ok\n" once it serves (or
// "err MESSAGE\n"), then is closed.
//
// Answers: A and AAAA for names (container name, aliases, 12-hex short id) on the asking
// container's networks, TTL 600; other types for such names, and the family a name has no
// address of (AAAA of a v4-only name, A of a v6-only one): no data (NOERROR, no answer, as
// Docker's resolver); PTR for their addresses (in-addr.arpa and ip6.arpa nibble names);
// single-label unknown names: NXDOMAIN at once; everything else is forwarded to the upstreams
// (1 s per upstream, then SERVFAIL).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXNETS 32
#define MAXUP 4
#define MAXPEND 256
#define MAXTCP 64
#define BUF 4096

struct ctr {
  char *netns;
  dev_t dev;
  ino_t ino;
  int nnets;
  char *nets[MAXNETS];
  int ufd, tfd;
  int nups; // its own upstreams (--dns), 0 = the shared ones
  struct sockaddr_in6 ups[MAXUP];
};

struct rec {
  char *net;
  int v6;                // ip is 16 bytes (AAAA) rather than 4 (A)
  unsigned char ip[16];  // network order
  int nnames;
  char **names;
};

struct pend {
  int used;
  uint16_t newid, oldid;
  int cfd;   // UDP socket of the container, or -1
  int tcpi;  // TCP connection index, or -1
  struct sockaddr_in client;
  int up;    // upstream index in use
  int nups;  // the upstreams this query goes to (its container's, or the shared ones)
  struct sockaddr_in6 ups[MAXUP];
  int64_t deadline;
  size_t qlen;
  unsigned char q[BUF];
};

struct tconn {
  int fd;
  struct ctr *owner;
  int64_t deadline;
  size_t have;
  unsigned char buf[2 + BUF];
  int waiting; // a forwarded query is pending
};

static const char *records_path;
static struct ctr *ctrs;
static int nctrs;
static struct rec *recs;
static int nrecs;
// Upstreams are kept as IPv6 socket addresses, an IPv4 one v4-mapped (::ffff:a.b.c.d): the
// upstream socket is one dual-stack AF_INET6 socket (IPV6_V6ONLY off), so one address type and
// one compare serve both families. A host without IPv6 (ipv6.disable=1) gets an AF_INET socket
// instead, and its IPv6 upstreams are skipped (up_family).
static struct sockaddr_in6 ups[MAXUP];
static int up_family = AF_INET6;
static int nups;
static struct pend pend[MAXPEND];
static struct tconn tcps[MAXTCP];
static int upfd = -1, ctlfd = -1, hostns = -1;
static volatile sig_atomic_t got_hup, got_term;
static int table_changed; // the container table was rebuilt: pollfd indices are stale

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logmsg(const char *fmt, const char *a) {
  // stderr is /dev/null when detached; kept for running it by hand.
  fprintf(stderr, "minidock-dns: ");
  fprintf(stderr, fmt, a);
  fputc('\n', stderr);
}

// ------------------------------------------------------------------ records

static void free_records(void) {
  for (int i = 0; i < nrecs; i++) {
    free(recs[i].net);
    for (int j = 0; j < recs[i].nnames; j++) free(recs[i].names[j]);
    free(recs[i].names);
  }
  free(recs);
  recs = NULL;
  nrecs = 0;
}

static void close_ctr(struct ctr *c) {
  for (int i = 0; c->ufd >= 0 && i < MAXPEND; i++)
    if (pend[i].used && pend[i].cfd == c->ufd) pend[i].used = 0;
  if (c->ufd >= 0) close(c->ufd);
  if (c->tfd >= 0) close(c->tfd);
  c->ufd = c->tfd = -1;
  free(c->netns);
  for (int i = 0; i < c->nnets; i++) free(c->nets[i]);
  c->nnets = 0;
}

// Opens the UDP and TCP sockets on 127.0.0.11:53 inside the container's netns.
static int open_in_netns(struct ctr *c) {
  int nsfd = open(c->netns, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return -1;
  struct stat st;
  if (fstat(nsfd, &st) < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
    close(nsfd);
    return -1;
  }
  close(nsfd);
  c->dev = st.st_dev;
  c->ino = st.st_ino;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
  a.sin_addr.s_addr = htonl(0x7f00000b); // 127.0.0.11
  int one = 1;
  c->ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  c->tfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int ok = c->ufd >= 0 && c->tfd >= 0;
  if (ok) setsockopt(c->tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ok = ok && bind(c->ufd, (struct sockaddr *)&a, sizeof a) == 0;
  ok = ok && bind(c->tfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(c->tfd, 16) == 0;
  if (setns(hostns, CLONE_NEWNET) < 0) {
    logmsg("cannot return to the host netns: %s", strerror(errno));
    exit(1);
  }
  if (!ok) {
    if (c->ufd >= 0) close(c->ufd);
    if (c->tfd >= 0) close(c->tfd);
    c->ufd = c->tfd = -1;
    return -1;
  }
  return 0;
}

static char *lower_dup(const char *s) {
  char *d = strdup(s);
  for (char *p = d; *p; p++) *p = (char)tolower((unsigned char)*p);
  return d;
}

// An upstream's "IP PORT" into *out (IPv4 v4-mapped; IPv6 with "%zone": the interface's index in
// this process's netns, the host's, or a number). 0 when unusable: not an address, an unknown
// interface, or IPv6 on a host without it.
static int parse_up(const char *ip, const char *port, struct sockaddr_in6 *out) {
  char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (strlen(ip) >= sizeof addr) return 0;
  strcpy(addr, ip);
  memset(out, 0, sizeof *out);
  out->sin6_family = AF_INET6;
  out->sin6_port = htons((uint16_t)atoi(port));
  struct in_addr v4;
  if (inet_pton(AF_INET, addr, &v4) == 1) {
    out->sin6_addr.s6_addr[10] = out->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&out->sin6_addr.s6_addr[12], &v4, 4);
    return 1;
  }
  char *zone = strchr(addr, '%');
  if (zone) *zone++ = '\0';
  if (up_family != AF_INET6 || inet_pton(AF_INET6, addr, &out->sin6_addr) != 1) return 0;
  if (zone) {
    char *end;
    unsigned long n = strtoul(zone, &end, 10);
    out->sin6_scope_id = *zone && !*end ? (uint32_t)n : if_nametoindex(zone);
    if (!out->sin6_scope_id) {
      logmsg("upstream %s: no such interface", ip);
      return 0;
    }
  }
  return 1;
}

// Re-reads the records file; keeps the sockets of containers still listed (same netns inode).
static int reload(void) {
  table_changed = 1;
  FILE *f = fopen(records_path, "re");
  if (!f) return -1;
  // TCP connections point into the container table: drop them (reloads are rare: a start/stop).
  for (int i = 0; i < MAXTCP; i++)
    if (tcps[i].fd >= 0) close(tcps[i].fd), tcps[i].fd = -1;
  for (int i = 0; i < MAXPEND; i++)
    if (pend[i].used && pend[i].tcpi >= 0) pend[i].used = 0;
  struct ctr *next = NULL;
  int nnext = 0;
  free_records();
  nups = 0;
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    char *save = NULL, *tok[2 + MAXNETS + 64];
    int nt = 0;
    for (char *t = strtok_r(line, " \t\n", &save); t && nt < (int)(sizeof tok / sizeof *tok); t = strtok_r(NULL, " \t\n", &save)) tok[nt++] = t;
    if (nt < 2) continue;
    if (!strcmp(tok[0], "u") && nt >= 3 && nups < MAXUP) {
      if (parse_up(tok[1], tok[2], &ups[nups])) nups++;
    } else if (!strcmp(tok[0], "c")) {
      next = realloc(next, sizeof *next * (nnext + 1));
      struct ctr *c = &next[nnext++];
      memset(c, 0, sizeof *c);
      c->ufd = c->tfd = -1;
      c->netns = strdup(tok[1]);
      for (int i = 2; i < nt && c->nnets < MAXNETS; i++) c->nets[c->nnets++] = strdup(tok[i]);
    } else if (!strcmp(tok[0], "s") && nt >= 3 && nnext > 0 && next[nnext - 1].nups < MAXUP) {
      struct ctr *c = &next[nnext - 1];
      if (parse_up(tok[1], tok[2], &c->ups[c->nups])) c->nups++;
    } else if (!strcmp(tok[0], "n") && nt >= 4) {
      unsigned char ip[16];
      int v6 = strchr(tok[2], ':') != NULL;
      if (inet_pton(v6 ? AF_INET6 : AF_INET, tok[2], ip) != 1) continue;
      recs = realloc(recs, sizeof *recs * (nrecs + 1));
      struct rec *r = &recs[nrecs++];
      r->net = strdup(tok[1]);
      r->v6 = v6;
      memcpy(r->ip, ip, v6 ? 16 : 4);
      r->nnames = nt - 3;
      r->names = calloc((size_t)r->nnames, sizeof *r->names);
      for (int i = 3; i < nt; i++) r->names[i - 3] = lower_dup(tok[i]);
    }
  }
  free(line);
  fclose(f);
  // Keep the sockets of containers that are still there (same path, same netns inode).
  for (int i = 0; i < nnext; i++) {
    struct stat st;
    int have = stat(next[i].netns, &st) == 0;
    for (int j = 0; have && j < nctrs; j++) {
      if (ctrs[j].ufd < 0 || strcmp(ctrs[j].netns, next[i].netns)) continue;
      if (ctrs[j].dev != st.st_dev || ctrs[j].ino != st.st_ino) continue;
      next[i].ufd = ctrs[j].ufd;
      next[i].tfd = ctrs[j].tfd;
      next[i].dev = ctrs[j].dev;
      next[i].ino = ctrs[j].ino;
      ctrs[j].ufd = ctrs[j].tfd = -1; // moved
      break;
    }
  }
  for (int j = 0; j < nctrs; j++) close_ctr(&ctrs[j]);
  free(ctrs);
  ctrs = next;
  nctrs = nnext;
  for (int i = 0; i < nctrs; i++)
    if (ctrs[i].ufd < 0 && open_in_netns(&ctrs[i]) < 0) logmsg("cannot serve %s", ctrs[i].netns);
  return 0;
}

static int served(void) {
  int n = 0;
  for (int i = 0; i < nctrs; i++) n += ctrs[i].ufd >= 0;
  return n;
}

// ------------------------------------------------------------------ DNS messages

// Reads the question's name (no compression in questions) as lower-case dotted text.
// Returns the offset after QTYPE/QCLASS, or 0 when malformed.
static size_t parse_question(const unsigned char *m, size_t len, char *name, size_t cap, uint16_t *qtype, uint16_t *qclass) {
  size_t o = 12, n = 0;
  for (;;) {
    if (o >= len) return 0;
    unsigned l = m[o++];
    if (l == 0) break;
    if (l > 63 || o + l > len || n + l + 2 > cap) return 0;
    if (n) name[n++] = '.';
    for (unsigned i = 0; i < l; i++) name[n++] = (char)tolower(m[o + i]);
    o += l;
  }
  name[n] = 0;
  if (o + 4 > len) return 0;
  *qtype = (uint16_t)(m[o] << 8 | m[o + 1]);
  *qclass = (uint16_t)(m[o + 2] << 8 | m[o + 3]);
  return o + 4;
}

static int ctr_on(const struct ctr *c, const char *net) {
  for (int i = 0; i < c->nnets; i++)
    if (!strcmp(c->nets[i], net)) return 1;
  return 0;
}

static void put16(unsigned char *p, uint16_t v) {
  p[0] = (unsigned char)(v >> 8);
  p[1] = (unsigned char)v;
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// The address a reverse name asks about: "D.C.B.A.in-addr.arpa" (4 bytes) or the 32-nibble
// "x.x.….ip6.arpa" (16 bytes, lowest nibble first). Returns the byte count, 0 when not one.
static int ptr_addr(const char *name, unsigned char *ip) {
  unsigned b[4];
  char tail[32];
  if (sscanf(name, "%u.%u.%u.%u.%31s", &b[0], &b[1], &b[2], &b[3], tail) == 5 && !strcmp(tail, "in-addr.arpa") && b[0] < 256 && b[1] < 256 && b[2] < 256 && b[3] < 256) {
    for (int i = 0; i < 4; i++) ip[i] = (unsigned char)b[3 - i];
    return 4;
  }
  if (strlen(name) != 64 + 8 || strcmp(name + 64, "ip6.arpa")) return 0;
  memset(ip, 0, 16);
  for (int i = 0; i < 32; i++) {
    int v = hexval(name[2 * i]);
    if (v < 0 || name[2 * i + 1] != '.') return 0;
    ip[15 - i / 2] |= (unsigned char)(i % 2 ? v << 4 : v);
  }
  return 16;
}

// Builds the local answer into out; returns its length, or 0 when the query must be forwarded.
static size_t answer(const struct ctr *c, const unsigned char *q, size_t qlen, unsigned char *out) {
  char name[256];
  uint16_t qtype, qclass;
  if (qlen < 12 || (q[2] & 0x80)) return 0;
  uint16_t qd = (uint16_t)(q[4] << 8 | q[5]);
  size_t qend = qd == 1 ? parse_question(q, qlen, name, sizeof name, &qtype, &qclass) : 0;
  int rcode = 0, nans = 0;
  size_t o;
  if (!qend) {
    rcode = 1; // FORMERR
    qend = 12;
    qd = 0;
  }
  memcpy(out, q, qend);
  o = qend;
  if (rcode == 0) {
    int known = 0;
    unsigned char ptr_ip[16];
    int ptr_len = ptr_addr(name, ptr_ip), is_ptr = ptr_len > 0;
    for (int i = 0; i < nrecs; i++) {
      const struct rec *r = &recs[i];
      if (!ctr_on(c, r->net)) continue;
      if (is_ptr) {
        if (ptr_len != (r->v6 ? 16 : 4) || memcmp(r->ip, ptr_ip, (size_t)ptr_len) || r->nnames == 0) continue;
        known = 1;
        if (qtype == 12 && nans == 0 && o + 12 + strlen(r->names[0]) + 2 < BUF) {
          put16(out + o, 0xc00c), put16(out + o + 2, 12), put16(out + o + 4, 1);
          out[o + 6] = 0, out[o + 7] = 0, put16(out + o + 8, 600);
          size_t rd = o + 12, p = rd;
          const char *s = r->names[0];
          while (*s) {
            const char *dot = strchr(s, '.');
            size_t l = dot ? (size_t)(dot - s) : strlen(s);
            out[p++] = (unsigned char)l;
            memcpy(out + p, s, l);
            p += l;
            s += l + (dot ? 1 : 0);
          }
          out[p++] = 0;
          put16(out + o + 10, (uint16_t)(p - rd));
          o = p;
          nans++;
        }
        continue;
      }
      for (int j = 0; j < r->nnames; j++) {
        if (strcmp(r->names[j], name)) continue;
        known = 1;
        // A for a v4 record, AAAA (28) for a v6 one; the other family: no data
        size_t alen = r->v6 ? 16 : 4;
        if (qtype == (r->v6 ? 28 : 1) && o + 12 + alen <= BUF) {
          put16(out + o, 0xc00c), put16(out + o + 2, qtype), put16(out + o + 4, 1);
          out[o + 6] = 0, out[o + 7] = 0, put16(out + o + 8, 600), put16(out + o + 10, (uint16_t)alen);
          memcpy(out + o + 12, r->ip, alen);
          o += 12 + alen;
          nans++;
        }
        break;
      }
    }
    if (!known) {
      if (is_ptr || strchr(name, '.')) return 0; // not ours: forward
      if (name[0] == 0) return 0;                // the root: forward
      rcode = 3;                                 // NXDOMAIN for unknown single-label names
    }
  }
  out[2] = (unsigned char)(0x80 | 0x04 | (q[2] & 0x01)); // QR, AA, RD copied
  out[3] = (unsigned char)(0x80 | rcode);                 // RA
  put16(out + 4, qd), put16(out + 6, (uint16_t)nans), put16(out + 8, 0), put16(out + 10, 0);
  return o;
}

static size_t servfail(const unsigned char *q, size_t qlen, unsigned char *out) {
  size_t n = qlen < BUF ? qlen : BUF;
  memcpy(out, q, n);
  out[2] = (unsigned char)(0x80 | (q[2] & 0x01));
  out[3] = 0x80 | 2;
  return n;
}

// ------------------------------------------------------------------ forwarding

static void tcp_reply(int ti, const unsigned char *msg, size_t len) {
  struct tconn *t = &tcps[ti];
  if (t->fd < 0) return;
  unsigned char hdr[2];
  put16(hdr, (uint16_t)len);
  int fl = fcntl(t->fd, F_GETFL);
  fcntl(t->fd, F_SETFL, fl & ~O_NONBLOCK);
  struct timeval tv = {1, 0};
  setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (write(t->fd, hdr, 2) == 2 && write(t->fd, msg, len) < 0) { /* client gone */ }
  close(t->fd);
  t->fd = -1;
}

static void send_up(struct pend *p) {
  unsigned char m[BUF];
  memcpy(m, p->q, p->qlen);
  put16(m, p->newid);
  const struct sockaddr_in6 *u = &p->ups[p->up];
  if (up_family == AF_INET6) {
    sendto(upfd, m, p->qlen, 0, (const struct sockaddr *)u, sizeof *u);
  } else {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = u->sin6_port};
    memcpy(&a.sin_addr, &u->sin6_addr.s6_addr[12], 4);
    sendto(upfd, m, p->qlen, 0, (const struct sockaddr *)&a, sizeof a);
  }
  p->deadline = now_ms() + 1000;
}

static void finish(struct pend *p, const unsigned char *msg, size_t len) {
  if (p->tcpi >= 0) tcp_reply(p->tcpi, msg, len);
  else if (p->cfd >= 0) sendto(p->cfd, msg, len, 0, (struct sockaddr *)&p->client, sizeof p->client);
  p->used = 0;
}

static void forward(const struct ctr *c, int cfd, int tcpi, const struct sockaddr_in *client, const unsigned char *q, size_t qlen) {
  unsigned char out[BUF];
  int n_up = c && c->nups ? c->nups : nups;
  if (n_up == 0 || qlen > BUF) {
    size_t n = servfail(q, qlen, out);
    if (tcpi >= 0) tcp_reply(tcpi, out, n);
    else sendto(cfd, out, n, 0, (const struct sockaddr *)client, sizeof *client);
    return;
  }
  struct pend *p = NULL;
  for (int i = 0; i < MAXPEND && !p; i++)
    if (!pend[i].used) p = &pend[i];
  if (!p) return; // too many in flight: drop, the client retries
  memset(p, 0, offsetof(struct pend, q));
  p->used = 1;
  p->oldid = (uint16_t)(q[0] << 8 | q[1]);
  for (;;) {
    uint16_t id = (uint16_t)random();
    int clash = 0;
    for (int i = 0; i < MAXPEND; i++) clash |= pend[i].used && &pend[i] != p && pend[i].newid == id;
    if (!clash) {
      p->newid = id;
      break;
    }
  }
  p->cfd = cfd;
  p->tcpi = tcpi;
  if (client) p->client = *client;
  p->up = 0;
  p->nups = n_up;
  memcpy(p->ups, c && c->nups ? c->ups : ups, sizeof p->ups);
  p->qlen = qlen;
  memcpy(p->q, q, qlen);
  send_up(p);
}

static void on_upstream(void) {
  unsigned char m[BUF];
  struct sockaddr_storage ss;
  socklen_t fl = sizeof ss;
  ssize_t n = recvfrom(upfd, m, sizeof m, 0, (struct sockaddr *)&ss, &fl);
  if (n < 12) return;
  // the sender as the upstreams are kept (an AF_INET socket's sender v4-mapped)
  struct sockaddr_in6 from = {.sin6_family = AF_INET6};
  if (ss.ss_family == AF_INET6) {
    from = *(struct sockaddr_in6 *)&ss;
  } else {
    const struct sockaddr_in *f4 = (const struct sockaddr_in *)&ss;
    from.sin6_port = f4->sin_port;
    from.sin6_addr.s6_addr[10] = from.sin6_addr.s6_addr[11] = 0xff;
    memcpy(&from.sin6_addr.s6_addr[12], &f4->sin_addr, 4);
  }
  uint16_t id = (uint16_t)(m[0] << 8 | m[1]);
  for (int i = 0; i < MAXPEND; i++) {
    struct pend *p = &pend[i];
    if (!p->used || p->newid != id) continue;
    const struct sockaddr_in6 *u = &p->ups[p->up];
    if (memcmp(&from.sin6_addr, &u->sin6_addr, 16) || from.sin6_port != u->sin6_port) return;
    put16(m, p->oldid);
    finish(p, m, (size_t)n);
    return;
  }
}

static void on_timeouts(int64_t now) {
  for (int i = 0; i < MAXPEND; i++) {
    struct pend *p = &pend[i];
    if (!p->used || p->deadline > now) continue;
    if (++p->up < p->nups) {
      send_up(p);
      continue;
    }
    unsigned char out[BUF];
    finish(p, out, servfail(p->q, p->qlen, out));
  }
  for (int i = 0; i < MAXTCP; i++)
    if (tcps[i].fd >= 0 && !tcps[i].waiting && tcps[i].deadline <= now) {
      close(tcps[i].fd);
      tcps[i].fd = -1;
    }
}

static void on_udp(struct ctr *c) {
  unsigned char q[BUF], out[BUF];
  for (int k = 0; k < 64; k++) {
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(c->ufd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
    if (n < 0) return;
    if (n < 12) continue;
    size_t a = answer(c, q, (size_t)n, out);
    if (a) sendto(c->ufd, out, a, 0, (struct sockaddr *)&from, fl);
    else forward(c, c->ufd, -1, &from, q, (size_t)n);
  }
}

static void on_tcp_accept(struct ctr *c) {
  int fd = accept4(c->tfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  for (int i = 0; i < MAXTCP; i++) {
    if (tcps[i].fd >= 0) continue;
    tcps[i].fd = fd;
    tcps[i].have = 0;
    tcps[i].waiting = 0;
    tcps[i].deadline = now_ms() + 5000;
    tcps[i].owner = c;
    return;
  }
  close(fd);
}

static void on_tcp_data(int ti) {
  struct tconn *t = &tcps[ti];
  ssize_t n = read(t->fd, t->buf + t->have, sizeof t->buf - t->have);
  if (n <= 0) {
    if (n < 0 && errno == EAGAIN) return;
    close(t->fd);
    t->fd = -1;
    return;
  }
  t->have += (size_t)n;
  if (t->have < 2) return;
  size_t len = (size_t)(t->buf[0] << 8 | t->buf[1]);
  if (len > BUF || len < 12) {
    close(t->fd);
    t->fd = -1;
    return;
  }
  if (t->have < 2 + len) return;
  unsigned char out[BUF];
  size_t a = answer(t->owner, t->buf + 2, len, out);
  if (a) tcp_reply(ti, out, a);
  else {
    t->waiting = 1;
    forward(t->owner, -1, ti, NULL, t->buf + 2, len);
  }
}

// ------------------------------------------------------------------ control

// The control socket: a unix socket file. One that answers belongs to a live resolver (refuse);
// a stale one (a resolver that died) is replaced.
static int ctl_listen(const char *path) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  size_t l = strlen(path);
  if (l + 1 > sizeof a.sun_path) return -1;
  memcpy(a.sun_path, path, l + 1);
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0) {
    close(probe);
    return -1;
  }
  if (probe >= 0) close(probe);
  unlink(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0) {
    close(fd);
    return -1;
  }
  chmod(path, 0600);
  return fd;
}

// Returns 1 when the resolver should exit.
static int on_ctl(void) {
  int fd = accept4(ctlfd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return 0;
  struct timeval tv = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  char cmd[32] = {0};
  ssize_t n = read(fd, cmd, sizeof cmd - 1);
  int quit = 0;
  if (n > 0 && !strncmp(cmd, "reload", 6)) reload();
  if (n > 0 && !strncmp(cmd, "quit", 4)) quit = 1;
  int count = quit ? 0 : served();
  if (nctrs == 0) quit = 1;
  char reply[32];
  int rl = snprintf(reply, sizeof reply, "ok %d\n", count);
  if (write(fd, reply, (size_t)rl) < 0) { /* client gone */ }
  close(fd);
  return quit;
}

static void on_signal(int s) {
  if (s == SIGHUP) got_hup = 1;
  else got_term = 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: minidock-dns RECORDS_FILE CONTROL_SOCKET\n");
    return 2;
  }
  records_path = argv[1];
  FILE *report = fdopen(3, "w");
  for (int i = 0; i < MAXTCP; i++) tcps[i].fd = -1;
  srandom((unsigned)(now_ms() ^ getpid()));
  hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  upfd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int off = 0;
  if (upfd >= 0 && setsockopt(upfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) close(upfd), upfd = -1;
  if (upfd < 0) {
    // no IPv6 on this host: IPv4 upstreams only
    up_family = AF_INET;
    upfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  ctlfd = ctl_listen(argv[2]);
  const char *err = hostns < 0 ? "cannot open /proc/self/ns/net" : upfd < 0 ? "cannot open the upstream socket" : ctlfd < 0 ? "cannot listen on the control socket (another minidock-dns is running, or the path is longer than 107 bytes)" : NULL;
  if (!err && reload() < 0) err = "cannot read the records file";
  if (err) {
    if (report) fprintf(report, "err %s\n", err), fclose(report);
    else logmsg("%s", err);
    return 1;
  }
  if (report) fprintf(report, "ok\n"), fclose(report);

  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t block, empty;
  sigemptyset(&block);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, NULL);
  sigemptyset(&empty);

  struct pollfd *pfd = NULL;
  int *who = NULL; // what each pollfd is: -1 ctl, -2 upstream, 2k udp of ctr k, 2k+1 tcp listen, -(100+i) tcp conn i
  for (;;) {
    if (got_term) break;
    if (got_hup) {
      got_hup = 0;
      reload();
      if (nctrs == 0) break;
    }
    int cap = 2 + 2 * nctrs + MAXTCP, n = 0;
    pfd = realloc(pfd, sizeof *pfd * (size_t)cap);
    who = realloc(who, sizeof *who * (size_t)cap);
    pfd[n] = (struct pollfd){ctlfd, POLLIN, 0}, who[n++] = -1;
    pfd[n] = (struct pollfd){upfd, POLLIN, 0}, who[n++] = -2;
    for (int i = 0; i < nctrs; i++) {
      if (ctrs[i].ufd < 0) continue;
      pfd[n] = (struct pollfd){ctrs[i].ufd, POLLIN, 0}, who[n++] = 2 * i;
      pfd[n] = (struct pollfd){ctrs[i].tfd, POLLIN, 0}, who[n++] = 2 * i + 1;
    }
    for (int i = 0; i < MAXTCP; i++)
      if (tcps[i].fd >= 0 && !tcps[i].waiting) pfd[n] = (struct pollfd){tcps[i].fd, POLLIN, 0}, who[n++] = -(100 + i);
    int64_t now = now_ms(), next = now + 60000;
    for (int i = 0; i < MAXPEND; i++)
      if (pend[i].used && pend[i].deadline < next) next = pend[i].deadline;
    for (int i = 0; i < MAXTCP; i++)
      if (tcps[i].fd >= 0 && !tcps[i].waiting && tcps[i].deadline < next) next = tcps[i].deadline;
    int64_t wait = next > now ? next - now : 0;
    struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000};
    int r = ppoll(pfd, (nfds_t)n, &ts, &empty);
    table_changed = 0;
    if (r < 0 && errno != EINTR) break;
    int quit = 0;
    for (int i = 0; r > 0 && i < n; i++) {
      if (!pfd[i].revents) continue;
      int w = who[i];
      if (w == -1) quit |= on_ctl();
      else if (w == -2) on_upstream();
      else if (w <= -100) on_tcp_data(-w - 100);
      else if (w % 2 == 0) on_udp(&ctrs[w / 2]);
      else on_tcp_accept(&ctrs[w / 2]);
      if (quit || table_changed) break; // a reload moved the container table: poll again
    }
    if (quit) break;
    on_timeouts(now_ms());
  }
  unlink(argv[2]);
  return 0;
}
