/*
 * minidock-ovwatch: the per-host watcher of the overlay networks' cluster store.
 *
 *   minidock-ovwatch [--cacert F [--cert F --key F]] [--auth F] IP:PORT[,IP:PORT...] PREFIX LEASEFILE SYNC-COMMAND [ARGS...]
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
 *
 * TLS (--cacert: the store's CA, the member's certificate checked against its IP; --cert/--key:
 * a client certificate) through OpenSSL's libssl. etcd auth (--auth F: a file, 0600, holding the
 * JSON body of /v3/auth/authenticate — the password never is in argv): a token per connection's
 * member, fetched when none is held or the member says it is invalid, sent as `Authorization`.
 * About 1.7 MB of RSS without TLS (the shim's budget, <= 10 MB, is the model); with TLS, libssl
 * and libcrypto's pages on top (docs/overlay.md gives the number measured).
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
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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

static SSL_CTX *tls; /* NULL: plain HTTP */
static const char *authfile;
static char token[512]; /* the current member's auth token ("" = none yet) */
static int token_ep = -1;

/* A connection: a socket, with TLS over it when configured. */
struct conn {
  int fd;
  SSL *ssl;
};

static void conn_close(struct conn *c) {
  if (c->ssl) {
    SSL_shutdown(c->ssl);
    SSL_free(c->ssl);
  }
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->ssl = NULL;
}

static ssize_t conn_read(struct conn *c, char *buf, size_t n) {
  if (!c->ssl) return read(c->fd, buf, n);
  int r = SSL_read(c->ssl, buf, (int)n);
  return r > 0 ? r : -1;
}

static int conn_write(struct conn *c, const char *buf, size_t n) {
  if (!c->ssl) return write(c->fd, buf, n) == (ssize_t)n ? 0 : -1;
  return SSL_write(c->ssl, buf, (int)n) == (int)n ? 0 : -1;
}

/* Bytes TLS has decrypted but not handed out yet (poll() does not see them). */
static int conn_pending(struct conn *c) { return c->ssl ? SSL_pending(c->ssl) : 0; }

static int dial_tcp(void);

/* The current member: TCP, then the TLS handshake (3 s at most; the certificate must name its IP). */
static int dial_conn(struct conn *c) {
  c->ssl = NULL;
  c->fd = dial_tcp();
  if (c->fd < 0 || !tls) return c->fd;
  struct timeval tv = {.tv_sec = 3};
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  c->ssl = SSL_new(tls);
  if (!c->ssl || !X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_connect(c->ssl) != 1) {
    unsigned long e = ERR_get_error();
    fprintf(stderr, "minidock-ovwatch: TLS to %s:%d: %s\n", host, port, e ? ERR_reason_error_string(e) : "handshake failed");
    ERR_clear_error();
    conn_close(c);
    return -1;
  }
  return c->fd;
}

static int dial_tcp(void) {
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
static int dial(struct conn *c) {
  for (int i = 0; i < n_eps; i++) {
    if (dial_conn(c) >= 0) return c->fd;
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

static int send_post(struct conn *c, const char *path, const char *body, int keep, const char *tok) {
  char req[2048];
  char auth[600] = "";
  if (tok && tok[0]) snprintf(auth, sizeof auth, "Authorization: %s\r\n", tok);
  int n = snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\nConnection: %s\r\n\r\n%s",
                   path, host, port, auth, strlen(body), keep ? "keep-alive" : "close", body);
  if (n <= 0 || n >= (int)sizeof req) return -1;
  return conn_write(c, req, n);
}

/* One request on its own connection to the current member; the answer (headers and body) in buf. */
static int roundtrip(const char *path, const char *body, const char *tok, char *buf, size_t size) {
  struct conn c;
  if (dial_conn(&c) < 0) return -1;
  size_t got = 0;
  int ok = -1;
  if (send_post(&c, path, body, 0, tok) == 0) {
    struct pollfd p = {.fd = c.fd, .events = POLLIN};
    while (got < size - 1 && (conn_pending(&c) > 0 || poll(&p, 1, 2000) > 0)) {
      ssize_t n = conn_read(&c, buf + got, size - 1 - got);
      if (n <= 0) break;
      got += n;
    }
    ok = got > 0 ? 0 : -1;
  }
  buf[got] = 0;
  conn_close(&c);
  return ok;
}

/*
 * The current member's token (etcd auth), fetched when this member has none: 0, or -1 when the
 * member did not answer or refused (the password changed: the sync, a minidock command, says so).
 */
static int ensure_token(void) {
  if (!authfile) return 0;
  if (token[0] && token_ep == cur_ep) return 0;
  token[0] = 0;
  char body[1024];
  FILE *f = fopen(authfile, "r");
  if (!f) return -1;
  size_t n = fread(body, 1, sizeof body - 1, f);
  fclose(f);
  body[n] = 0;
  char buf[4096];
  if (roundtrip("/v3/auth/authenticate", body, NULL, buf, sizeof buf) < 0) return -1;
  char *t = strstr(buf, "\"token\":\"");
  if (!t) return -1;
  t += 9;
  size_t len = strcspn(t, "\"");
  if (len == 0 || len >= sizeof token) return -1;
  memcpy(token, t, len);
  token[len] = 0;
  token_ep = cur_ep;
  return 0;
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
  if (ensure_token() < 0) return -1;
  char body[64];
  snprintf(body, sizeof body, "{\"ID\":\"%s\"}", id);
  char buf[2048];
  if (roundtrip("/v3/lease/keepalive", body, token, buf, sizeof buf) < 0) return -1;
  if (strstr(buf, "invalid auth token")) {
    token[0] = 0; /* expired: a new one at the next call, the member is fine */
    return 0;
  }
  return strstr(buf, "\"result\"") ? (strstr(buf, "\"TTL\"") ? 0 : 1) : -1;
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

static int usage(void) {
  fprintf(stderr, "usage: minidock-ovwatch [--cacert F [--cert F --key F]] [--auth F] IP:PORT[,IP:PORT...] PREFIX LEASEFILE SYNC-COMMAND [ARGS...]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *cacert = NULL, *cert = NULL, *key = NULL;
  while (argc > 2 && strncmp(argv[1], "--", 2) == 0) {
    if (!strcmp(argv[1], "--cacert")) cacert = argv[2];
    else if (!strcmp(argv[1], "--cert")) cert = argv[2];
    else if (!strcmp(argv[1], "--key")) key = argv[2];
    else if (!strcmp(argv[1], "--auth")) authfile = argv[2];
    else return usage();
    argc -= 2;
    argv += 2;
  }
  if (argc < 5 || parse_eps(argv[1]) < 0 || (!cert != !key) || (cert && !cacert)) return usage();
  if (cacert) {
    tls = SSL_CTX_new(TLS_client_method());
    if (!tls || SSL_CTX_load_verify_locations(tls, cacert, NULL) != 1 || (cert && (SSL_CTX_use_certificate_chain_file(tls, cert) != 1 || SSL_CTX_use_PrivateKey_file(tls, key, SSL_FILETYPE_PEM) != 1))) {
      fprintf(stderr, "minidock-ovwatch: TLS files: %s\n", ERR_reason_error_string(ERR_get_error()));
      return 2;
    }
    SSL_CTX_set_verify(tls, SSL_VERIFY_PEER, NULL);
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
    struct conn cn;
    int fd = dial(&cn);
    if (fd >= 0 && ensure_token() < 0) {
      conn_close(&cn);
      fd = -1;
    }
    if (fd < 0 || send_post(&cn, "/v3/watch", body, 1, token) < 0) {
      if (fd >= 0) conn_close(&cn);
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
        while (conn_pending(&cn) > 0 || poll(&q, 1, 20) > 0) {
          ssize_t n = conn_read(&cn, buf, sizeof buf);
          if (n <= 0) break;
        }
        dirty = 0;
        start_sync();
      }
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = conn_pending(&cn) > 0 ? 1 : poll(&p, 1, sync_pid ? 100 : 1000);
      if (r < 0 && errno != EINTR) break;
      if (r <= 0) continue;
      ssize_t n = conn_read(&cn, buf, sizeof buf - 1);
      if (n <= 0) break; /* the store went away: dial again */
      buf[n] = 0;
      if (strstr(buf, "invalid auth token")) {
        token[0] = 0; /* the watch was refused: a new token, a new watch */
        break;
      }
      /* anything but the answer that the watch was created is an event (or a cancel): sync */
      if (!(strstr(buf, "\"created\":true") && !strstr(buf, "\"events\""))) dirty = 1;
    }
    conn_close(&cn);
    if (!moved) sleep(1);
  }
}
