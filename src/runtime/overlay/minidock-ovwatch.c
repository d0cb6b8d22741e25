/*
 * minidock-ovwatch: the per-host watcher of the overlay networks' cluster store.
 *
 *   minidock-ovwatch IP:PORT[,IP:PORT...] PREFIX LEASEFILE SYNC-COMMAND [ARGS...]
 *
 * It holds one etcd v3 watch (the JSON gateway's POST /v3/watch, a chunked stream) on every
 * key under PREFIX and keeps this host's lease alive (POST /v3/lease/keepalive every 3 s; the
 * lease id is read from LEASEFILE each time, so a re-registration is picked up). It does not
 * parse the store: when an event arrives it runs SYNC-COMMAND (`minidock internal-overlay-sync`),
 * which reads the store and brings the kernel's FDB and neighbour entries in line — level-
 * triggered, so a lost event or a restart never leaves a stale entry. The sync runs beside the
 * watcher (never waited for: the lease is renewed meanwhile); events that arrive while it runs
 * make one more. The sync exits 3 when this host has no overlay network in use: the watcher then
 * exits too (unless a change came in meanwhile). When the lease has expired (no TTL in the
 * answer) it runs the sync, which registers the host again. The store's members are tried in
 * turn: one that does not answer moves the watcher to the next; none: retried every second.
 * About 1.7 MB of RSS (the shim's budget, <= 10 MB, is the model).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_EPS 8
static char hosts[MAX_EPS][64];
static int ports[MAX_EPS];
static int n_eps, cur_ep;
static const char *host;
static int port;
static char **sync_argv;
static const char *leasefile;

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int dial_one(void) {
  host = hosts[cur_ep];
  port = ports[cur_ep];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    close(fd);
    return -1;
  }
  /* at most 1 s to connect: a member whose host is gone answers nothing at all */
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    if (errno != EINPROGRESS || poll(&p, 1, 1000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
      close(fd);
      return -1;
    }
  }
  fcntl(fd, F_SETFL, fl);
  return fd;
}

/* The current member, or the next ones in turn when it does not answer. */
static int dial(void) {
  for (int i = 0; i < n_eps; i++) {
    int fd = dial_one();
    if (fd >= 0) return fd;
    cur_ep = (cur_ep + 1) % n_eps;
  }
  return -1;
}

static int parse_eps(char *list) {
  for (char *tok = strtok(list, ","); tok && n_eps < MAX_EPS; tok = strtok(NULL, ",")) {
    char *colon = strrchr(tok, ':');
    if (!colon || colon - tok >= 64) return -1;
    memcpy(hosts[n_eps], tok, colon - tok);
    hosts[n_eps][colon - tok] = 0;
    ports[n_eps] = atoi(colon + 1);
    if (ports[n_eps] <= 0 || ports[n_eps] > 65535) return -1;
    n_eps++;
  }
  return n_eps ? 0 : -1;
}

static int send_post(int fd, const char *path, const char *body, int keep) {
  char req[1024];
  int n = snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n%s",
                   path, host, port, strlen(body), keep ? "keep-alive" : "close", body);
  if (n <= 0 || n >= (int)sizeof req) return -1;
  return write(fd, req, n) == n ? 0 : -1;
}

/*
 * The sync runs beside the watcher, never waited for in its loop: it may wait for the host's
 * network lock behind a burst of container starts, and the lease must be renewed meanwhile.
 */
static pid_t sync_pid;

static void start_sync(void) {
  pid_t p = fork();
  if (p < 0) return;
  if (p == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); }
    execvp(sync_argv[0], sync_argv);
    _exit(127);
  }
  sync_pid = p;
}

/* Reaps a finished sync; returns its exit status, or -1 while none finished. */
static int reap_sync(int block) {
  if (!sync_pid) return -1;
  int st;
  pid_t r;
  while ((r = waitpid(sync_pid, &st, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {}
  if (r != sync_pid) return -1;
  sync_pid = 0;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* Keeps the lease alive; returns 1 when it has expired (the store answered without a TTL), -1
 * when the member did not answer (the watch on it is then given up for the next member). */
static int keepalive(void) {
  char id[32] = "";
  FILE *f = fopen(leasefile, "r");
  if (!f) return 1;
  if (!fgets(id, sizeof id, f)) id[0] = 0;
  fclose(f);
  id[strcspn(id, " \n")] = 0;
  if (!id[0] || strspn(id, "0123456789") != strlen(id)) return 1;
  int fd = dial_one();
  if (fd < 0) return -1;
  char body[64];
  snprintf(body, sizeof body, "{\"ID\":\"%s\"}", id);
  char buf[2048];
  size_t got = 0;
  int expired = -1;
  if (send_post(fd, "/v3/lease/keepalive", body, 0) == 0) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got < sizeof buf - 1 && poll(&p, 1, 2000) > 0) {
      ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
      if (n <= 0) break;
      got += n;
    }
    buf[got] = 0;
    if (strstr(buf, "\"result\"")) expired = strstr(buf, "\"TTL\"") ? 0 : 1;
  }
  close(fd);
  return expired;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static void b64(const unsigned char *s, size_t n, char *out) {
  size_t i, o = 0;
  for (i = 0; i + 2 < n; i += 3) {
    out[o++] = B64[s[i] >> 2];
    out[o++] = B64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
    out[o++] = B64[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
    out[o++] = B64[s[i + 2] & 63];
  }
  if (n - i == 1) {
    out[o++] = B64[s[i] >> 2];
    out[o++] = B64[(s[i] & 3) << 4];
    out[o++] = '=';
    out[o++] = '=';
  } else if (n - i == 2) {
    out[o++] = B64[s[i] >> 2];
    out[o++] = B64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
    out[o++] = B64[(s[i + 1] & 15) << 2];
    out[o++] = '=';
  }
  out[o] = 0;
}

int main(int argc, char **argv) {
  if (argc < 5 || parse_eps(argv[1]) < 0) {
    fprintf(stderr, "usage: minidock-ovwatch IP:PORT[,IP:PORT...] PREFIX LEASEFILE SYNC-COMMAND [ARGS...]\n");
    return 2;
  }
  const char *prefix = argv[2];
  leasefile = argv[3];
  sync_argv = argv + 4;
  signal(SIGPIPE, SIG_IGN);
  signal(SIGCHLD, SIG_DFL);

  size_t pl = strlen(prefix);
  if (pl == 0 || pl > 200) return 2;
  unsigned char end[256];
  memcpy(end, prefix, pl);
  end[pl - 1]++; /* the range end: the prefix's last byte plus one (a '/' becomes '0') */
  char k64[300], e64[300], body[700];
  b64((const unsigned char *)prefix, pl, k64);
  b64(end, pl, e64);
  snprintf(body, sizeof body, "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\"}}", k64, e64);

  long long next_keep = 0;
  for (;;) {
    int fd = dial();
    if (fd < 0 || send_post(fd, "/v3/watch", body, 1) < 0) {
      if (fd >= 0) close(fd);
      if (now_ms() >= next_keep) {
        next_keep = now_ms() + 3000;
        keepalive();
      }
      if (reap_sync(0) == 3) return 0;
      sleep(1);
      continue;
    }
    /* Whatever changed while the watch was down: one sync now. */
    int dirty = 1, moved = 0;
    char buf[65536];
    for (;;) {
      long long t = now_ms();
      if (t >= next_keep) {
        next_keep = t + 3000;
        int k = keepalive();
        if (k < 0) {
          /* this member is gone (or cut off): renew and watch through the next one */
          cur_ep = (cur_ep + 1) % n_eps;
          next_keep = 0;
          moved = 1;
          break;
        }
        if (k == 1) dirty = 1;
      }
      int st = reap_sync(0);
      if (st == 3 && !dirty) return 0;
      if (dirty && !sync_pid) {
        /* let a burst of events (several keys of one txn, parallel starts) arrive first */
        struct pollfd q = {.fd = fd, .events = POLLIN};
        while (poll(&q, 1, 20) > 0) {
          ssize_t n = read(fd, buf, sizeof buf);
          if (n <= 0) break;
        }
        dirty = 0;
        start_sync();
      }
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = poll(&p, 1, sync_pid ? 100 : 1000);
      if (r < 0 && errno != EINTR) break;
      if (r <= 0) continue;
      ssize_t n = read(fd, buf, sizeof buf - 1);
      if (n <= 0) break; /* the store went away: dial again */
      buf[n] = 0;
      /* anything but the answer that the watch was created is an event (or a cancel): sync */
      if (!(strstr(buf, "\"created\":true") && !strstr(buf, "\"events\""))) dirty = 1;
    }
    close(fd);
    if (!moved) sleep(1);
  }
}
