/*
 * minidock-shim: the one native piece of minidock. The contract is docs/shim.md.
 *
 *   minidock-shim run  CONFIG    create a container process, then watch it
 *   minidock-shim exec CONFIG    run one more process inside a running container
 *
 * The process running this program is the "monitor" (conmon's part). It creates the
 * "child" (runc's part: namespaces, mounts, pivot_root, ids, execve), reports whether
 * the execve worked, relays and logs the output, forwards signals, and records how
 * the child ended. Everything else in minidock is TypeScript.
 *
 * Rules kept throughout:
 *  - every fd we open is O_CLOEXEC, and the child closes all but 0/1/2 before execve,
 *    so nothing of the host leaks into the container (CVE-2024-21626); it holds no host
 *    directory at all while it works on the container's paths;
 *  - every path in the container's tree is resolved inside its root (open_in_root), and
 *    mounts go onto the fd so resolved (CVE-2021-30465);
 *  - we run from a sealed in-memory copy of ourselves, and the monitor is non-dumpable
 *    (CVE-2019-5736); it never enters the container's mount namespace, so the files it
 *    writes (log, pidfile, exitfile) are host paths;
 *  - every syscall that can be interrupted or can be short is retried/continued.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/route.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#undef MAX_LINKS /* netlink.h's; ours (symlinks followed) is below */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define EXIT_SHIM        125 /* minidock's own failure */
#define EXIT_CANNOT_EXEC 126 /* the command exists but cannot be executed */
#define EXIT_NOT_FOUND   127 /* the command does not exist */
#define REPORT_FD        3   /* detached mode: where "ok PID" / "err CODE msg" goes */
#define CONTROL_FD       3   /* waitgo: "netns" to the CLI, "go …" from it (a socketpair) */
#define DEFAULT_PATH     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define LOG_LINE_MAX     16384 /* like Docker, longer lines become several entries */
#define CHILD_STACK      (256 * 1024)
#define MAX_CONFIG       (16 << 20)

/* ------------------------------------------------------------------------------------
 * Configuration
 * ---------------------------------------------------------------------------------- */

enum mode { MODE_RUN = 1, MODE_EXEC = 2 };

struct list {
    char **v; /* NULL-terminated, so argv/envp can be passed straight to execve */
    size_t n;
};

static struct config {
    const char *id, *upper, *work, *rootfs, *netns, *netnsnew, *waitgo, *hostname, *cwd;
    const char *uid, *gid, *pid, *tty, *stdin_open, *detach, *readonly, *winsize;
    const char *log, *pidfile, *exitfile, *claimfile;
    const char *caps, *privileged, *seccomp, *nonewprivs;
    const char *shmsize;            /* issue 13: --shm-size (bytes) */
    const char *pidhost, *utshost, *ipchost, *ipcns, *ipcmnt, *noshm; /* issue 13: --pid/--uts/--ipc */
    const char *pidns;              /* --pid container:NAME: that container's /proc/PID/ns/pid */
    struct list sysctl, rlimit;     /* issue 13: --sysctl "PATH\tVALUE", --ulimit "RES\tSOFT\tHARD" */
    struct list device;             /* issue 13: --device "PATH\tc|b\tMAJOR\tMINOR\tMODE\tUID\tGID" */
    struct list cgroupfs;           /* issue 13: /sys/fs/cgroup inside: "HOSTDIR[\tNAME]" (v1: NAME) */
    const char *init, *logmaxsize, *logmaxfile, *sigproxy, *attach;
    const char *attachsock, *attachwait, *stdinonce; /* `minidock attach`: see "Attaching" */
    const char *healthconfig, *healthfile, *healthinterval, *healthtimeout, *healthstart, *healthretries;
    const char *healthstartinterval;
    const char *restart, *restartmax, *restartcount, *restarttimeout, *restartfile, *norestartfile;
    struct list lower, group, env, arg, bind, tmpfs, exitcmd, cgroup, devallow, restartcmd;
} cfg;
/* The order of the bind and tmpfs records ('b', 't'), in which they are mounted: minidock
 * writes parents before children (/a before /a/b), whatever their kinds, as Docker sorts them. */
static char *g_mount_order;
static size_t g_mount_n;

#define F_RUN  1
#define F_EXEC 2
#define F_ABS  4 /* the value must be an absolute path */

static const struct keydef {
    const char *name;
    int flags;
    const char **str;  /* single-valued key */
    struct list *list; /* repeatable key */
} keys[] = {
    { "id",       F_RUN | F_EXEC,         &cfg.id,         NULL },
    { "lower",    F_RUN | F_ABS,          NULL,            &cfg.lower },
    { "upper",    F_RUN | F_ABS,          &cfg.upper,      NULL },
    { "work",     F_RUN | F_ABS,          &cfg.work,       NULL },
    { "rootfs",   F_RUN | F_ABS,          &cfg.rootfs,     NULL },
    { "netns",    F_RUN | F_ABS,          &cfg.netns,      NULL },
    { "netnsnew", F_RUN | F_ABS,          &cfg.netnsnew,   NULL },
    { "waitgo",   F_RUN,                  &cfg.waitgo,     NULL },
    { "hostname", F_RUN,                  &cfg.hostname,   NULL },
    { "readonly", F_RUN,                  &cfg.readonly,   NULL },
    { "bind",     F_RUN,                  NULL,            &cfg.bind },
    { "tmpfs",    F_RUN,                  NULL,            &cfg.tmpfs },
    { "pid",      F_EXEC,                 &cfg.pid,        NULL },
    { "cwd",      F_RUN | F_EXEC | F_ABS, &cfg.cwd,        NULL },
    { "uid",      F_RUN | F_EXEC,         &cfg.uid,        NULL },
    { "gid",      F_RUN | F_EXEC,         &cfg.gid,        NULL },
    { "group",    F_RUN | F_EXEC,         NULL,            &cfg.group },
    { "env",      F_RUN | F_EXEC,         NULL,            &cfg.env },
    { "arg",      F_RUN | F_EXEC,         NULL,            &cfg.arg },
    { "tty",      F_RUN | F_EXEC,         &cfg.tty,        NULL },
    { "winsize",  F_RUN | F_EXEC,         &cfg.winsize,    NULL },
    { "stdin",    F_RUN | F_EXEC,         &cfg.stdin_open, NULL },
    { "detach",   F_RUN | F_EXEC,         &cfg.detach,     NULL },
    { "log",      F_RUN | F_EXEC | F_ABS, &cfg.log,        NULL },
    { "pidfile",  F_RUN | F_EXEC | F_ABS, &cfg.pidfile,    NULL },
    { "exitfile", F_RUN | F_EXEC | F_ABS, &cfg.exitfile,   NULL },
    { "exitcmd",  F_RUN | F_EXEC,         NULL,            &cfg.exitcmd },
    { "claimfile", F_RUN | F_ABS,         &cfg.claimfile,  NULL }, /* see "The exit command" in docs/shim.md */
    { "cgroup",   F_RUN | F_EXEC | F_ABS, NULL,            &cfg.cgroup },
    { "devallow", F_RUN,                  NULL,            &cfg.devallow },
    { "caps",     F_RUN | F_EXEC,         &cfg.caps,       NULL },
    { "privileged", F_RUN,                &cfg.privileged, NULL },
    { "seccomp",  F_RUN | F_EXEC,         &cfg.seccomp,    NULL },
    { "nonewprivs", F_RUN | F_EXEC,       &cfg.nonewprivs, NULL },
    { "shmsize",  F_RUN,                  &cfg.shmsize,    NULL },
    { "pidhost",  F_RUN,                  &cfg.pidhost,    NULL },
    { "utshost",  F_RUN,                  &cfg.utshost,    NULL },
    { "ipchost",  F_RUN,                  &cfg.ipchost,    NULL },
    { "ipcns",    F_RUN | F_ABS,          &cfg.ipcns,      NULL },
    { "pidns",    F_RUN | F_ABS,          &cfg.pidns,      NULL },
    { "noshm",    F_RUN,                  &cfg.noshm,      NULL },
    { "ipcmnt",   F_RUN | F_ABS,          &cfg.ipcmnt,     NULL },
    { "sysctl",   F_RUN,                  NULL,            &cfg.sysctl },
    { "rlimit",   F_RUN | F_EXEC,         NULL,            &cfg.rlimit },
    { "device",   F_RUN,                  NULL,            &cfg.device },
    { "cgroupfs", F_RUN,                  NULL,            &cfg.cgroupfs },
    { "sigproxy", F_RUN,                  &cfg.sigproxy,   NULL }, /* --sig-proxy=false: 0 */
    { "attach",   F_RUN,                  &cfg.attach,     NULL }, /* -a: out, err, or out,err */
    { "attachsock", F_RUN | F_EXEC | F_ABS, &cfg.attachsock, NULL }, /* see "Attaching" in docs/shim.md */
    { "attachwait", F_RUN,                &cfg.attachwait, NULL },
    { "stdinonce",  F_RUN,                &cfg.stdinonce,  NULL },
    /* --health-*: see "Health checks" in docs/shim.md */
    { "healthconfig",   F_RUN | F_ABS,    &cfg.healthconfig,   NULL },
    { "healthfile",     F_RUN | F_ABS,    &cfg.healthfile,     NULL },
    { "healthinterval", F_RUN,            &cfg.healthinterval, NULL },
    { "healthtimeout",  F_RUN,            &cfg.healthtimeout,  NULL },
    { "healthstart",    F_RUN,            &cfg.healthstart,    NULL },
    { "healthstartinterval", F_RUN,       &cfg.healthstartinterval, NULL },
    { "healthretries",  F_RUN,            &cfg.healthretries,  NULL },
    { "logmaxsize", F_RUN,                &cfg.logmaxsize, NULL }, /* --log-opt: see "Log format" */
    { "logmaxfile", F_RUN,                &cfg.logmaxfile, NULL },
    { "init",     F_RUN | F_ABS,          &cfg.init,       NULL }, /* --init: see "The init" */
    /* --restart: see "Restart policies" in docs/shim.md */
    { "restart",        F_RUN,            &cfg.restart,        NULL },
    { "restartmax",     F_RUN,            &cfg.restartmax,     NULL },
    { "restartcount",   F_RUN,            &cfg.restartcount,   NULL },
    { "restarttimeout", F_RUN,            &cfg.restarttimeout, NULL },
    { "restartfile",    F_RUN | F_ABS,    &cfg.restartfile,    NULL },
    { "norestartfile",  F_RUN | F_ABS,    &cfg.norestartfile,  NULL },
    { "restartcmd",     F_RUN,            NULL,                &cfg.restartcmd },
};

/* Parsed forms of the values above. */
static enum mode g_mode;
static uid_t g_uid;
static gid_t g_gid;
static gid_t *g_groups;
static pid_t g_target; /* exec: host PID of the container's PID 1 */
static int g_tty, g_stdin, g_detach, g_readonly, g_waitgo;
static int g_privileged, g_seccomp = 1, g_nonewprivs, g_init;
static int64_t g_started_ns; /* when the container's execve had succeeded */
static int64_t mono_ms(void);
static void go_duration(char *buf, size_t cap, int64_t ms);
static int g_sigproxy = 1;                /* foreground: forward signals to the container */
static int g_attach_out = 1, g_attach_err = 1; /* foreground: copy the stream to ours (-a) */
static int g_unattached;                  /* --sig-proxy=false and a signal came: output no more */
static int g_stdin_once;                  /* an attached stdin's end closes the container's (StdinOnce) */
static int64_t g_attach_wait_ms;          /* start -a: relay nothing before the first attach (ms) */
static int g_initfd = -1; /* --init: sealed memfd copy of minidock-init (monitor, then child) */
enum restart_policy { RESTART_NO, RESTART_ALWAYS, RESTART_UNLESS_STOPPED, RESTART_ON_FAILURE };
static enum restart_policy g_restart;
static unsigned long g_restart_max, g_restart_count, g_restart_timeout_ms;
static uint64_t g_caps; /* the final capability set (bounding, permitted, effective) */
static struct winsize g_winsize; /* from the winsize key; rows 0 = not given */

struct bindspec {
    char *src, *dst;
    int ro;
    int copy;  /* a volume: gets the image's content at dst when empty (mode "rw,copy") */
    int isdir; /* child: whether src is a directory, so the target matches */
    int fd;    /* child: detached clone of src (open_tree), attached after pivot_root */
};
static struct bindspec *g_binds;

struct tmpfsspec {
    char *dst;
    unsigned long flags;
    char data[512];
};
static struct tmpfsspec *g_tmpfs;

/* ------------------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------------------- */

/* Write everything, across EINTR, short writes and non-blocking fds. */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                    return -1;
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static ssize_t read_retry(int fd, void *buf, size_t n)
{
    ssize_t r;
    do
        r = read(fd, buf, n);
    while (r < 0 && errno == EINTR);
    return r;
}

static void xclose(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        static const char msg[] = "minidock-shim: out of memory\n";
        write_all(2, msg, sizeof msg - 1);
        _exit(EXIT_SHIM);
    }
    return p;
}

/* Write a small file so that readers see either nothing or all of it. */
static int write_file_atomic(const char *path, const char *text)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, text, strlen(text));
    if (close(fd) < 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) == 0)
        return 0;
    int e = errno;
    unlink(tmp);
    errno = e;
    return -1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Signals the monitor handles through its signalfd. */
static void monitor_sigset(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    sigaddset(set, SIGWINCH);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
    sigaddset(set, SIGUSR1);
    sigaddset(set, SIGUSR2);
}

/* A new program must start with no blocked and no ignored signals, whatever the
 * monitor (or whoever started it, e.g. nohup) had. */
static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL); /* fails harmlessly for KILL, STOP and glibc's own */
}

/* ------------------------------------------------------------------------------------
 * Monitor-side failure reporting (before the container runs)
 * ---------------------------------------------------------------------------------- */

static int g_report_fd = -1; /* detached: pipe to the CLI until "ok"/"err" is written */
static struct termios g_saved_tio;
static int g_tio_saved;

static void restore_terminal(void)
{
    if (g_tio_saved) {
        tcsetattr(0, TCSADRAIN, &g_saved_tio);
        g_tio_saved = 0;
    }
}

/* Detached mode: tell the CLI how the start went, then close fd 3 so it stops waiting.
 * Errors are ignored: the CLI may be gone, and exitcmd covers that case. */
static void __attribute__((format(printf, 1, 2))) report(const char *fmt, ...)
{
    if (g_report_fd < 0)
        return;
    char line[1280];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    write_all(g_report_fd, line, strlen(line));
    close(g_report_fd);
    g_report_fd = -1;
}

/* Messages travel as one line ("err CODE message\n"). */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

static void fail_message(int code, char *msg)
{
    one_line(msg);
    restore_terminal();
    dprintf(2, "minidock-shim: %s\n", msg);
    report("err %d %s\n", code, msg);
}

static void __attribute__((noreturn, format(printf, 2, 3))) die(int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_message(code, msg);
    exit(code);
}

/* ------------------------------------------------------------------------------------
 * Reading and checking the configuration
 * ---------------------------------------------------------------------------------- */

static void list_push(struct list *l, char *v)
{
    l->v = xrealloc(l->v, (l->n + 2) * sizeof *l->v);
    l->v[l->n++] = v;
    l->v[l->n] = NULL;
}

/* The whole file, with a NUL after the last byte so the last record is terminated. */
static char *read_config(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(EXIT_SHIM, "cannot open config %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= MAX_CONFIG)
                die(EXIT_SHIM, "config %s is too large", path);
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t r = read_retry(fd, buf + n, cap - n - 1);
        if (r < 0)
            die(EXIT_SHIM, "cannot read config %s: %s", path, strerror(errno));
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const struct keydef *find_key(const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Splits NUL-separated key=value records into cfg. Keeps going after a bad record (so
 * that "detach" is known and the error can be reported on fd 3); the first problem is
 * left in err. */
static void parse_config(char *buf, size_t len, char *err, size_t errsz)
{
    const char *mode = g_mode == MODE_RUN ? "run" : "exec";
    err[0] = '\0';
    for (char *p = buf; p < buf + len;) {
        char *rec = p;
        p += strlen(rec) + 1;
        if (*rec == '\0')
            continue;
        char *eq = strchr(rec, '=');
        if (!eq) {
            if (!*err)
                snprintf(err, errsz, "malformed config record \"%.64s\" (no '=')", rec);
            continue;
        }
        *eq = '\0';
        char *val = eq + 1;
        const struct keydef *k = find_key(rec);
        if (*err)
            ; /* keep only the first error, but still look for detach */
        else if (!k)
            snprintf(err, errsz, "unknown config key %s", rec);
        else if (!(k->flags & g_mode))
            snprintf(err, errsz, "config key %s is not valid for %s", rec, mode);
        else if (k->str && *k->str)
            snprintf(err, errsz, "duplicate config key %s", rec);
        else if ((k->flags & F_ABS) && val[0] != '/')
            snprintf(err, errsz, "config key %s must be an absolute path, not \"%.64s\"", rec, val);
        if (!k || !(k->flags & g_mode) || (k->str && *k->str))
            continue;
        if (k->list) {
            list_push(k->list, val);
            if (k->list == &cfg.bind || k->list == &cfg.tmpfs) {
                g_mount_order = xrealloc(g_mount_order, g_mount_n + 1);
                g_mount_order[g_mount_n++] = k->list == &cfg.bind ? 'b' : 't';
            }
        } else
            *k->str = val;
    }
}

static int parse_bool(const char *name, const char *v)
{
    if (!v || strcmp(v, "0") == 0 || *v == '\0')
        return 0;
    if (strcmp(v, "1") == 0)
        return 1;
    die(EXIT_SHIM, "config key %s must be 0 or 1, not \"%.32s\"", name, v);
}

static unsigned long parse_num(const char *name, const char *v, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end || errno || x > max)
        die(EXIT_SHIM, "config key %s must be a number up to %lu, not \"%.32s\"", name, max, v);
    return x;
}

/* "SRC\tDST\tro|rw[,copy]" */
static void parse_binds(void)
{
    g_binds = xrealloc(NULL, (cfg.bind.n + 1) * sizeof *g_binds);
    for (size_t i = 0; i < cfg.bind.n; i++) {
        char *s = cfg.bind.v[i];
        char *t1 = strchr(s, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2 || strchr(t2 + 1, '\t'))
            die(EXIT_SHIM, "bind \"%.200s\": want SRC<TAB>DST<TAB>ro|rw", s);
        *t1 = *t2 = '\0';
        struct bindspec *b = &g_binds[i];
        *b = (struct bindspec){ .src = s, .dst = t1 + 1, .fd = -1 };
        size_t ml = strlen(t2 + 1);
        if (ml > 5 && strcmp(t2 + 1 + ml - 5, ",copy") == 0) {
            b->copy = 1;
            t2[1 + ml - 5] = '\0';
        }
        if (strcmp(t2 + 1, "ro") == 0)
            b->ro = 1;
        else if (strcmp(t2 + 1, "rw") != 0)
            die(EXIT_SHIM, "bind %s: mode must be ro or rw, not \"%.32s\"", s, t2 + 1);
        if (b->src[0] != '/' || b->dst[0] != '/')
            die(EXIT_SHIM, "bind %s -> %s: both paths must be absolute", b->src, b->dst);
    }
}

/* "DST" or "DST\tOPTIONS" with Docker's --tmpfs options (ro, noexec, size=64m, ...). */
static void parse_tmpfs(void)
{
    static const struct { const char *name; unsigned long set, clear; } words[] = {
        { "ro", MS_RDONLY, 0 },      { "rw", 0, MS_RDONLY },
        { "noexec", MS_NOEXEC, 0 },  { "exec", 0, MS_NOEXEC },
        { "nosuid", MS_NOSUID, 0 },  { "suid", 0, MS_NOSUID },
        { "nodev", MS_NODEV, 0 },    { "dev", 0, MS_NODEV },
        { "noatime", MS_NOATIME, 0 }, { "relatime", MS_RELATIME, 0 },
    };
    g_tmpfs = xrealloc(NULL, (cfg.tmpfs.n + 1) * sizeof *g_tmpfs);
    for (size_t i = 0; i < cfg.tmpfs.n; i++) {
        struct tmpfsspec *t = &g_tmpfs[i];
        t->dst = cfg.tmpfs.v[i];
        t->flags = MS_NOSUID | MS_NODEV;
        strcpy(t->data, "mode=1777"); /* later options win, so a given mode= overrides */
        char *opts = strchr(t->dst, '\t');
        if (t->dst[0] != '/')
            die(EXIT_SHIM, "tmpfs \"%.200s\": the path must be absolute", t->dst);
        if (!opts)
            continue;
        *opts++ = '\0';
        char *save = NULL;
        for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
            size_t w = 0;
            while (w < sizeof words / sizeof words[0] && strcmp(words[w].name, o) != 0)
                w++;
            if (w < sizeof words / sizeof words[0]) {
                t->flags = (t->flags | words[w].set) & ~words[w].clear;
                continue;
            }
            size_t used = strlen(t->data);
            if (used + 1 + strlen(o) >= sizeof t->data)
                die(EXIT_SHIM, "tmpfs %s: options too long", t->dst);
            t->data[used] = ',';
            strcpy(t->data + used + 1, o);
        }
    }
}

/* Capability names, indexed by number (linux/capability.h). */
static const char *const cap_names[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
    "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
    "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
    "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES (sizeof cap_names / sizeof cap_names[0])

/* Docker's default capability set. */
static const int default_caps[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,      CAP_MKNOD,
    CAP_NET_RAW, CAP_SETGID,      CAP_SETUID,           CAP_SETFCAP,     CAP_SETPCAP,
    CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,     CAP_AUDIT_WRITE,
};

/* caps: "CAP_A,CAP_B" (the final set, computed by minidock), "" for none; absent means
 * Docker's default set. */
static void parse_caps(void)
{
    g_caps = 0;
    if (!cfg.caps) {
        for (size_t i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++)
            g_caps |= 1ULL << default_caps[i];
        return;
    }
    char *copy = strdup(cfg.caps), *save = NULL;
    if (!copy)
        die(EXIT_SHIM, "out of memory");
    for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        if (strncmp(c, "CAP_", 4) == 0)
            while (i < N_CAP_NAMES && strcmp(cap_names[i], c + 4) != 0)
                i++;
        if (strncmp(c, "CAP_", 4) != 0 || i == N_CAP_NAMES)
            die(EXIT_SHIM, "config key caps: unknown capability \"%.64s\"", c);
        g_caps |= 1ULL << i;
    }
    free(copy);
}

static unsigned long long g_log_max;  /* --log-opt max-size: rotate at this size (0: never) */
static unsigned long g_log_files = 1; /* --log-opt max-file: json.log and json.log.1 … .N-1 */

static void validate_log_rotation(void)
{
    if (cfg.logmaxsize)
        g_log_max = parse_num("logmaxsize", cfg.logmaxsize, ULONG_MAX);
    if (cfg.logmaxfile)
        g_log_files = parse_num("logmaxfile", cfg.logmaxfile, 1000);
    if ((cfg.logmaxsize || cfg.logmaxfile) && (!cfg.log || g_log_max == 0 || g_log_files == 0))
        die(EXIT_SHIM, "config keys logmaxsize and logmaxfile need log, a size and a count above 0");
}

static int g_health; /* --health-*: probes run by the monitor (see health_*) */
static int64_t g_health_interval_ms, g_health_timeout_ms, g_health_start_ms, g_health_start_interval_ms;
static unsigned long g_health_retries;

static void validate_health(void)
{
    if (!cfg.healthconfig && !cfg.healthfile)
        return;
    if (!cfg.healthconfig || !cfg.healthfile || !cfg.healthinterval || !cfg.healthtimeout || !cfg.healthretries)
        die(EXIT_SHIM, "config keys healthconfig, healthfile, healthinterval, healthtimeout, healthretries go together");
    g_health = 1;
    g_health_interval_ms = (int64_t)parse_num("healthinterval", cfg.healthinterval, 1UL << 40);
    g_health_timeout_ms = (int64_t)parse_num("healthtimeout", cfg.healthtimeout, 1UL << 40);
    g_health_start_ms = cfg.healthstart ? (int64_t)parse_num("healthstart", cfg.healthstart, 1UL << 40) : 0;
    g_health_start_interval_ms = cfg.healthstartinterval ? (int64_t)parse_num("healthstartinterval", cfg.healthstartinterval, 1UL << 40) : 0;
    g_health_retries = parse_num("healthretries", cfg.healthretries, INT_MAX);
    if (g_health_interval_ms < 1 || g_health_timeout_ms < 1 || g_health_retries < 1)
        die(EXIT_SHIM, "health interval, timeout and retries must be positive");
}

static void validate_restart(void)
{
    if (!cfg.restart)
        return;
    if (strcmp(cfg.restart, "always") == 0)
        g_restart = RESTART_ALWAYS;
    else if (strcmp(cfg.restart, "unless-stopped") == 0)
        g_restart = RESTART_UNLESS_STOPPED;
    else if (strcmp(cfg.restart, "on-failure") == 0)
        g_restart = RESTART_ON_FAILURE;
    else if (strcmp(cfg.restart, "no") != 0)
        die(EXIT_SHIM, "config key restart must be no, always, unless-stopped or on-failure");
    g_restart_max = cfg.restartmax ? parse_num("restartmax", cfg.restartmax, INT_MAX) : 0;
    g_restart_count = cfg.restartcount ? parse_num("restartcount", cfg.restartcount, INT_MAX) : 0;
    g_restart_timeout_ms = cfg.restarttimeout ? parse_num("restarttimeout", cfg.restarttimeout, 3600000) : 0;
    if (g_restart != RESTART_NO && (!cfg.restartfile || !cfg.norestartfile || cfg.restartcmd.n == 0))
        die(EXIT_SHIM, "config key restart needs restartfile, norestartfile and restartcmd");
}

static void validate_config(void)
{
    g_tty = parse_bool("tty", cfg.tty);
    g_stdin = parse_bool("stdin", cfg.stdin_open);
    g_detach = parse_bool("detach", cfg.detach);
    g_readonly = parse_bool("readonly", cfg.readonly);
    g_privileged = parse_bool("privileged", cfg.privileged);
    g_seccomp = cfg.seccomp ? parse_bool("seccomp", cfg.seccomp) : 1;
    g_nonewprivs = parse_bool("nonewprivs", cfg.nonewprivs);
    g_waitgo = parse_bool("waitgo", cfg.waitgo);
    g_init = cfg.init != NULL;
    g_sigproxy = cfg.sigproxy ? parse_bool("sigproxy", cfg.sigproxy) : 1;
    if (cfg.attach) {
        g_attach_out = strstr(cfg.attach, "out") != NULL;
        g_attach_err = strstr(cfg.attach, "err") != NULL;
        if (strspn(cfg.attach, "outer,") != strlen(cfg.attach))
            die(EXIT_SHIM, "config key attach must list out and/or err");
    }
    g_stdin_once = parse_bool("stdinonce", cfg.stdinonce);
    g_attach_wait_ms = cfg.attachwait ? (int64_t)parse_num("attachwait", cfg.attachwait, 600000) : 0;
    if (g_attach_wait_ms && !cfg.attachsock)
        die(EXIT_SHIM, "config key attachwait needs attachsock");
    validate_log_rotation();
    validate_health();
    if (cfg.netns && cfg.netnsnew)
        die(EXIT_SHIM, "config keys netns and netnsnew exclude each other");
    if (cfg.netnsnew && (strlen(cfg.netnsnew) < 3 || strrchr(cfg.netnsnew, '/') == cfg.netnsnew))
        die(EXIT_SHIM, "config key netnsnew must be a path below a directory");
    parse_caps();
    g_uid = cfg.uid ? (uid_t)parse_num("uid", cfg.uid, UINT32_MAX - 1) : 0;
    g_gid = cfg.gid ? (gid_t)parse_num("gid", cfg.gid, UINT32_MAX - 1) : 0;
    g_groups = xrealloc(NULL, (cfg.group.n + 1) * sizeof *g_groups);
    for (size_t i = 0; i < cfg.group.n; i++)
        g_groups[i] = (gid_t)parse_num("group", cfg.group.v[i], UINT32_MAX - 1);
    if (g_mode == MODE_EXEC) {
        if (!cfg.pid)
            die(EXIT_SHIM, "exec needs the pid key");
        g_target = (pid_t)parse_num("pid", cfg.pid, INT_MAX);
        if (g_target <= 0)
            die(EXIT_SHIM, "config key pid must be positive");
    } else if (!cfg.rootfs || !cfg.upper || !cfg.work || cfg.lower.n == 0) {
        die(EXIT_SHIM, "run needs the rootfs, upper, work and lower keys");
    }
    if (cfg.arg.n == 0)
        die(EXIT_SHIM, "no command specified (no arg key)");
    if (cfg.winsize) {
        char *x = strchr(cfg.winsize, 'x');
        if (!x)
            die(EXIT_SHIM, "config key winsize must be ROWSxCOLS, not \"%.32s\"", cfg.winsize);
        *x = '\0';
        g_winsize.ws_row = (unsigned short)parse_num("winsize", cfg.winsize, USHRT_MAX);
        g_winsize.ws_col = (unsigned short)parse_num("winsize", x + 1, USHRT_MAX);
    }
    parse_binds();
    parse_tmpfs();
    validate_restart();
}

/* ------------------------------------------------------------------------------------
 * Child: errors before execve travel to the monitor over a close-on-exec pipe as
 * "CODE message"; the monitor learns the execve worked when the pipe closes empty.
 * ---------------------------------------------------------------------------------- */

static int g_errpipe = -1; /* child: write end; monitor: closed after the clone */
static int g_errpipe_r = -1, g_sock_r = -1; /* monitor: read end; tty: its end of the pty socket */
static pid_t g_child = -1;

static void __attribute__((noreturn, format(printf, 2, 3))) cfail(int code, const char *fmt, ...)
{
    char buf[1200];
    int k = snprintf(buf, sizeof buf, "%d ", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + k, sizeof buf - (size_t)k, fmt, ap);
    va_end(ap);
    write_all(g_errpipe, buf, strlen(buf));
    _exit(code);
}

/* A setup step failed: 125, naming the step, with strerror(errno). */
static void __attribute__((noreturn, format(printf, 1, 2))) csys(const char *fmt, ...)
{
    int e = errno;
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    cfail(EXIT_SHIM, "container setup: %s: %s", what, strerror(e));
}

/* What the monitor prepared for the child's stdio. */
static struct {
    int in, out, err;     /* without tty: fds that become 0, 1, 2 (-1: keep fd 0 as is) */
    int own_in, own_out;  /* these are our pipes: hand them to the container user */
    int sock;             /* tty: socket on which the pty master goes to the monitor */
    struct winsize ws;    /* tty: initial window size (when the CLI has a terminal) */
    int have_ws;
} kid = { -1, -1, -1, 0, 0, -1, { 0, 0, 0, 0 }, 0 };

static void child_stdio(void)
{
    if (g_tty)
        return; /* the pty is created once the container's /dev/pts exists */
    int from[3] = { kid.in, kid.out, kid.err };
    for (int fd = 0; fd < 3; fd++)
        if (from[fd] >= 0 && dup2(from[fd], fd) < 0)
            csys("dup2 onto fd %d", fd);
    /* dup2 cleared close-on-exec on 0, 1, 2 only; the originals close with the rest. */
}

static int send_fd(int sock, int fd)
{
    char c = 'm';
    struct iovec iov = { .iov_base = &c, .iov_len = 1 };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof u.buf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    ssize_t r;
    do
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

/* The pty comes from the container's own devpts instance (as with runc's console
 * socket), so ttyname(), tty and ps inside show /dev/pts/0. The master goes to the
 * monitor; the child makes the slave its controlling terminal and its stdio. */
static int open_in_root(const char *path, int flags);
static void __attribute__((noreturn)) cpath(const char *what, const char *path);

static void child_tty(void)
{
    /* In exec, the container's own /dev/ptmx: resolved inside its root, and opened
     * non-blocking, then checked, so a FIFO or device planted there cannot hang us. */
    struct stat st;
    int m = open_in_root("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (m < 0)
        cpath("open", "/dev/ptmx");
    if (fstat(m, &st) < 0 || !S_ISCHR(st.st_mode))
        cfail(EXIT_SHIM, "container setup: /dev/ptmx is not a pty multiplexer");
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) & ~O_NONBLOCK);
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) /* also proves m is a pty master */
        csys("unlock the pty");
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0)
        csys("open the pty slave");
    if (kid.have_ws && ioctl(s, TIOCSWINSZ, &kid.ws) < 0)
        csys("set the window size");
    if (fchown(s, g_uid, (gid_t)-1) < 0)
        csys("chown the pty");
    if (send_fd(kid.sock, m) < 0)
        csys("pass the pty to the monitor");
    close(m);
    xclose(&kid.sock);
    if (ioctl(s, TIOCSCTTY, 0) < 0)
        csys("make the pty the controlling terminal");
    for (int fd = 0; fd < 3; fd++)
        if (dup2(s, fd) < 0)
            csys("dup2 the pty onto fd %d", fd);
    if (s > 2)
        close(s);
}

/* Writes PID ("0": the writing process itself, whatever PID namespace it is in) into each
 * cgroup directory's cgroup.procs (one per hierarchy on cgroup v1). 0, or -1 with errno
 * and *failed set to the directory that refused. */
static int write_cgroup_procs(const char *pid, size_t *failed)
{
    for (size_t i = 0; i < cfg.cgroup.n; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/cgroup.procs", cfg.cgroup.v[i]);
        int fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write_all(fd, pid, strlen(pid)) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            *failed = i;
            errno = e;
            return -1;
        }
        close(fd);
    }
    return 0;
}

/* exec: the child joins the container's cgroups itself, before anything else.
 * On a cgroup v1 hierarchy it writes "0" to the directory's `tasks`, not cgroup.procs: the
 * kernel moves the writing thread alone without taking the global threadgroup rwsem
 * (cgroup_procs_write_start: pid 0 and not the whole group), whose write side waits for an
 * RCU grace period, ~10 ms of every exec. The child is single-threaded (the shim has no
 * threads), so its one thread is the whole process. cgroup v2 has no `tasks`: cgroup.procs. */
static void join_cgroups(void)
{
    for (size_t i = 0; i < cfg.cgroup.n; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/tasks", cfg.cgroup.v[i]);
        int fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            snprintf(p, sizeof p, "%s/cgroup.procs", cfg.cgroup.v[i]);
            fd = open(p, O_WRONLY | O_CLOEXEC);
        }
        if (fd < 0 || write_all(fd, "0", 1) < 0)
            csys("join cgroup %s", cfg.cgroup.v[i]);
        close(fd);
    }
}

/* run: the monitor moves the child into its cgroups while the child sets up its mounts
 * (on cgroup v1 the first write to a cgroup.procs waits for an RCU grace period, ~10 ms,
 * which this overlaps with the mounts), then writes the outcome on this pipe: "ok", or
 * "E INDEX" (errno, index of the directory that refused). The child waits for it before
 * it drops its privileges, installs seccomp and execs, so the program itself always starts
 * inside its cgroups; it fails with the very message it would have given joining them
 * itself. */
static int g_cgpipe[2] = { -1, -1 };
static int g_cg_born_in; /* the child was born in its (only, cgroup v2) cgroup: see clone_into_cgroup */

/* Returns what follows "ok" (waitgo: the inside of the network, see child_net_up). */
static const char *child_wait_cgroups(void)
{
    static char buf[256];
    size_t n = 0;
    for (ssize_t r; n < sizeof buf - 1 && (r = read_retry(g_cgpipe[0], buf + n, sizeof buf - 1 - n)) > 0;)
        n += (size_t)r;
    xclose(&g_cgpipe[0]);
    buf[n] = '\0';
    if (n >= 2 && memcmp(buf, "ok", 2) == 0)
        return buf + 2;
    int e;
    size_t i;
    if (sscanf(buf, "%d %zu", &e, &i) == 2 && i < cfg.cgroup.n) {
        errno = e;
        csys("join cgroup %s", cfg.cgroup.v[i]);
    }
    cfail(EXIT_SHIM, "container setup: join cgroups: the monitor did not answer");
}

static void __attribute__((noreturn)) abort_start(void);
static void __attribute__((noreturn)) start_failed(int code, char *msg);

/* waitgo: the CLI wires the host side of the network meanwhile; its "go [IF CIDR GW [CIDR6 GW6]]\n"
 * (or EOF: it failed or died) decides whether the container starts. */
static void monitor_wait_go(char *rest, size_t cap)
{
    char line[256];
    size_t n = 0;
    for (ssize_t r; n < sizeof line - 1 && (n == 0 || line[n - 1] != '\n') &&
                    (r = read_retry(CONTROL_FD, line + n, sizeof line - 1 - n)) > 0;)
        n += (size_t)r;
    line[n] = '\0';
    if (n < 3 || line[n - 1] != '\n' || memcmp(line, "go", 2) != 0 || (line[2] != ' ' && line[2] != '\n'))
        abort_start();
    line[n - 1] = '\0';
    snprintf(rest, cap, "%s", line + 2);
    if (!g_detach) /* foreground: the CLI needs nothing more from fd 3 */
        close(CONTROL_FD);
}

static void monitor_join_cgroups(void)
{
    char pid[32], msg[300], rest[256] = "";
    size_t i;
    snprintf(pid, sizeof pid, "%d", (int)g_child);
    if (!g_cg_born_in && write_cgroup_procs(pid, &i) < 0) {
        snprintf(msg, sizeof msg, "%d %zu", errno, i);
    } else {
        if (g_waitgo)
            monitor_wait_go(rest, sizeof rest);
        snprintf(msg, sizeof msg, "ok%s", rest);
    }
    write_all(g_cgpipe[1], msg, strlen(msg)); /* if the child is gone, wait_for_exec says why */
    xclose(&g_cgpipe[1]);
}

/* ------------------------------------------------------------------------------------
 * netnsnew: a network namespace of the container's own, born with the child
 * (CLONE_NEWNET) and bind-mounted at a /run/netns path as `ip netns add` does, so that
 * `ip netns`, `minidock exec` and minidock's teardown find it. The child brings lo up;
 * with waitgo the CLI plugs the veth in meanwhile, and the child sets up the inside
 * (address, up, default route) from the "go" line, just before it drops its privileges.
 * ---------------------------------------------------------------------------------- */

static int g_netns_mounted, g_netns_removed;

/* As iproute2: the directory becomes a shared mount point once, so a netns mounted in it
 * shows (and is unmounted) in every mount namespace that shares it. */
static int netns_dir_shared(const char *dir)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -1;
    for (int made = 0;; made = 1) {
        if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0)
            return 0;
        if (errno != EINVAL || made)
            return -1;
        if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
            return -1;
    }
}

static void monitor_mount_netns(void)
{
    char dir[PATH_MAX], src[64];
    snprintf(dir, sizeof dir, "%s", cfg.netnsnew);
    *strrchr(dir, '/') = '\0'; /* checked in validate_config */
    const char *what = "make a shared mount point of";
    int fd = -1;
    if (netns_dir_shared(dir) == 0) {
        what = "create";
        fd = open(cfg.netnsnew, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    }
    if (fd >= 0) {
        close(fd);
        snprintf(src, sizeof src, "/proc/%d/ns/net", (int)g_child);
        if (mount(src, cfg.netnsnew, "none", MS_BIND, NULL) == 0) {
            g_netns_mounted = 1;
            return;
        }
        what = "mount";
        int e = errno;
        unlink(cfg.netnsnew);
        errno = e;
    }
    char msg[PATH_MAX + 128];
    snprintf(msg, sizeof msg, "network namespace: %s %s: %s", what, fd >= 0 ? cfg.netnsnew : dir,
             strerror(errno));
    start_failed(EXIT_SHIM, msg);
}

static void remove_netns(void)
{
    if (!g_netns_mounted)
        return;
    umount2(cfg.netnsnew, MNT_DETACH);
    unlink(cfg.netnsnew);
    g_netns_mounted = 0;
    g_netns_removed = 1;
}

/* The CLI gave up (its network setup failed) or died: undo the start, quietly. */
static void __attribute__((noreturn)) abort_start(void)
{
    kill(g_child, SIGKILL);
    while (waitpid(g_child, NULL, 0) < 0 && errno == EINTR)
        ;
    remove_netns();
    report("err %d start aborted\n", EXIT_SHIM);
    exit(EXIT_SHIM);
}

static void child_ifup(int sock, const char *ifname)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
        csys("network: %s", ifname);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
        csys("network: bring %s up", ifname);
}

static void set_in4(struct sockaddr *sa, in_addr_t a)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = a;
    memcpy(sa, &sin, sizeof sin);
}

/* IPv6 by rtnetlink (the classic ioctls cannot ask for "no DAD"): one request, its ack. */
static void nl_request(int nl, struct nlmsghdr *h, const char *what)
{
    static unsigned seq;
    h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = ++seq;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    ssize_t n;
    do
        n = sendto(nl, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        csys("network: %s", what);
    char buf[1024];
    do
        n = recv(nl, buf, sizeof buf, 0);
    while (n < 0 && errno == EINTR);
    struct nlmsghdr *r = (struct nlmsghdr *)buf;
    if (n < 0)
        csys("network: %s", what);
    if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || r->nlmsg_type != NLMSG_ERROR)
        cfail(EXIT_SHIM, "network: %s: no answer from the kernel", what);
    int err = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
    if (err) {
        errno = -err;
        csys("network: %s", what);
    }
}

static void nl_attr(struct nlmsghdr *h, size_t cap, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
    if (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len) > cap)
        cfail(EXIT_SHIM, "network: netlink message too long");
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = (unsigned)(NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len));
}

/* A new-object request: the header of `type` around a body of `body` bytes (zeroed by the caller). */
static void nl_begin(struct nlmsghdr *h, unsigned short type, size_t body)
{
    h->nlmsg_len = (unsigned)NLMSG_LENGTH(body);
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
}

/* `ip -6 addr add ADDR/N dev IF nodad`: usable at once, no duplicate address detection. */
static void child_addr6(int nl, unsigned ifindex, const struct in6_addr *a, unsigned prefix, const char *what)
{
    struct { struct nlmsghdr h; struct ifaddrmsg m; char attrs[64]; } req;
    memset(&req, 0, sizeof req);
    nl_begin(&req.h, RTM_NEWADDR, sizeof req.m);
    req.m.ifa_family = AF_INET6;
    req.m.ifa_prefixlen = (unsigned char)prefix;
    req.m.ifa_flags = IFA_F_NODAD | IFA_F_PERMANENT;
    req.m.ifa_scope = RT_SCOPE_UNIVERSE;
    req.m.ifa_index = ifindex;
    nl_attr(&req.h, sizeof req, IFA_LOCAL, a, sizeof *a);
    nl_attr(&req.h, sizeof req, IFA_ADDRESS, a, sizeof *a);
    nl_request(nl, &req.h, what);
}

/* `ip -6 route add default via GW` (gw NULL: `… default dev IF`). */
static void child_route6(int nl, unsigned ifindex, const struct in6_addr *gw, const char *what)
{
    struct { struct nlmsghdr h; struct rtmsg m; char attrs[64]; } req;
    memset(&req, 0, sizeof req);
    nl_begin(&req.h, RTM_NEWROUTE, sizeof req.m);
    req.m.rtm_family = AF_INET6;
    req.m.rtm_table = RT_TABLE_MAIN;
    req.m.rtm_protocol = RTPROT_BOOT;
    req.m.rtm_scope = RT_SCOPE_UNIVERSE;
    req.m.rtm_type = RTN_UNICAST;
    if (gw)
        nl_attr(&req.h, sizeof req, RTA_GATEWAY, gw, sizeof *gw);
    nl_attr(&req.h, sizeof req, RTA_OIF, &ifindex, sizeof ifindex);
    nl_request(nl, &req.h, what);
}

/* "IF A.B.C.D/N|- GATEWAY|-[ ADDR6/N GATEWAY6|dev|-]": what `ip addr add`, `ip -6 addr add …
 * nodad`, `ip link set up`, `ip route add default via` and `ip -6 route add default …` would
 * do: IPv4 with the classic ioctls, IPv6 with rtnetlink (the child has no netlink library).
 * An IPv4-only line is what it always was (three fields); the netlink socket is opened only
 * for a line with IPv6. */
static void child_net_up(int sock, const char *spec)
{
    char ifname[IFNAMSIZ + 1], cidr[32], gw[32], cidr6[64] = "", gw6[48] = "-";
    unsigned prefix = 0, prefix6 = 0;
    struct in_addr addr, gwa;
    struct in6_addr addr6, gwa6;
    char *slash;
    int n = sscanf(spec, " %16s %31s %31s %63s %47s", ifname, cidr, gw, cidr6, gw6);
    int v4 = strcmp(cidr, "-") != 0, v6 = n == 5;
    if ((n != 3 && n != 5) || strlen(ifname) >= IFNAMSIZ ||
        (v4 && (!(slash = strchr(cidr, '/')) || (*slash = '\0', sscanf(slash + 1, "%u", &prefix) != 1) ||
                prefix > 32 || inet_pton(AF_INET, cidr, &addr) != 1)) ||
        (strcmp(gw, "-") != 0 && (!v4 || inet_pton(AF_INET, gw, &gwa) != 1)) || (!v4 && !v6) ||
        (v6 && (!(slash = strchr(cidr6, '/')) || (*slash = '\0', sscanf(slash + 1, "%u", &prefix6) != 1) ||
                prefix6 > 128 || inet_pton(AF_INET6, cidr6, &addr6) != 1 ||
                (strcmp(gw6, "-") != 0 && strcmp(gw6, "dev") != 0 && inet_pton(AF_INET6, gw6, &gwa6) != 1))))
        cfail(EXIT_SHIM, "network: bad go line \"%.64s\"", spec);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (v4) {
        set_in4(&ifr.ifr_addr, addr.s_addr);
        if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
            csys("network: address %s/%u on %s", cidr, prefix, ifname);
        set_in4(&ifr.ifr_netmask, htonl(prefix ? ~0u << (32 - prefix) : 0));
        if (ioctl(sock, SIOCSIFNETMASK, &ifr) < 0) /* the broadcast address follows the mask */
            csys("network: netmask /%u on %s", prefix, ifname);
    }
    int nl = -1;
    unsigned ifindex = 0;
    char what[160];
    if (v6) {
        if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0)
            csys("network: %s", ifname);
        ifindex = (unsigned)ifr.ifr_ifindex;
        nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (nl < 0)
            csys("network: netlink socket");
        snprintf(what, sizeof what, "IPv6 address %s/%u on %s", cidr6, prefix6, ifname);
        child_addr6(nl, ifindex, &addr6, prefix6, what);
    }
    child_ifup(sock, ifname);
    if (strcmp(gw, "-") != 0) {
        struct rtentry rt;
        memset(&rt, 0, sizeof rt);
        set_in4(&rt.rt_dst, INADDR_ANY);
        set_in4(&rt.rt_genmask, INADDR_ANY);
        set_in4(&rt.rt_gateway, gwa.s_addr);
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        if (ioctl(sock, SIOCADDRT, &rt) < 0)
            csys("network: default route via %s", gw);
    }
    if (v6 && strcmp(gw6, "-") != 0) {
        int dev = strcmp(gw6, "dev") == 0;
        snprintf(what, sizeof what, "IPv6 default route %s %s", dev ? "dev" : "via", dev ? ifname : gw6);
        child_route6(nl, ifindex, dev ? NULL : &gwa6, what);
    }
    if (nl >= 0)
        close(nl);
}

static int child_inet_socket(void)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        csys("network: socket");
    return sock;
}

static void xmount(const char *src, const char *dst, const char *type, unsigned long flags,
                   const char *data)
{
    if (mount(src, dst, type, flags, data) < 0)
        csys("mount %s on %s", type ? type : src, dst);
}

static void ensure_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        csys("mkdir %s", path);
}

/* Make a mount read-only without losing its other flags (nosuid, nodev, noexec...). */
static void remount_ro(const char *path)
{
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    struct statvfs sv;
    if (statvfs(path, &sv) == 0) {
        if (sv.f_flag & ST_NOSUID)
            flags |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
            flags |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
            flags |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME)
            flags |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
            flags |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
            flags |= MS_RELATIME;
    }
    if (mount(NULL, path, NULL, flags, NULL) < 0)
        csys("remount %s read-only", path);
}

/* ------------------------------------------------------------------------------------
 * Paths inside the container's root (CVE-2024-21626, CVE-2021-30465)
 *
 * Every path the image or the container controls (WorkingDir, the mount points of /etc/hosts,
 * /etc/hostname, /etc/resolv.conf, -v and --tmpfs targets, /dev/ptmx, exec -w) is resolved
 * inside the container's root, "/" once pivot_root (run) or setns(mnt) (exec) is done:
 * symlinks as if that were the root, ".." stopping at it, and /proc magic links refused
 * (/proc/self/fd/N jumps to whatever fd N is, which may be a host directory). Mounts then go
 * onto the fd so resolved, not onto the path again, so a symlink swapped in meanwhile cannot
 * redirect them.
 * ---------------------------------------------------------------------------------- */

#define MAX_LINKS 40 /* symlinks followed in one resolution, as the kernel's own limit */

/* MINIDOCK_SHIM_NO_OPENAT2=1 (tests), or a kernel without openat2 (before 5.6): walk. */
static int g_no_openat2;

/* The fallback: component by component, each opened O_NOFOLLOW from the directory before.
 * A symlink's target is read and resolved in its place (an absolute one from the root),
 * ".." at the root stays there, and any symlink on procfs is refused (ELOOP) — the walk
 * cannot tell /proc's magic links from its plain ones, and no container path needs either. */
static int walk_in_root(int root, const char *path, int flags)
{
    static char a[PATH_MAX], b[PATH_MAX];
    char name[NAME_MAX + 1], lastname[NAME_MAX + 1] = "";
    if (snprintf(a, sizeof a, "%s", path) >= (int)sizeof a) {
        errno = ENAMETOOLONG;
        return -1;
    }
    struct stat rst, st;
    int cur = fcntl(root, F_DUPFD_CLOEXEC, 0), parent = -1, links = 0, e;
    if (cur < 0 || fstat(root, &rst) < 0)
        goto fail;
    for (char *rest = a;;) {
        while (*rest == '/')
            rest++;
        if (!*rest)
            break;
        char *end = strchrnul(rest, '/');
        size_t len = (size_t)(end - rest);
        if (len > NAME_MAX) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        memcpy(name, rest, len);
        name[len] = '\0';
        rest = end;
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            lastname[0] = '\0';
            if (fstat(cur, &st) < 0)
                goto fail;
            if (st.st_dev == rst.st_dev && st.st_ino == rst.st_ino)
                continue; /* clamped at the root */
            int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (up < 0)
                goto fail;
            close(cur);
            cur = up;
            continue;
        }
        int next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 || fstat(next, &st) < 0) {
            e = errno;
            if (next >= 0)
                close(next);
            errno = e;
            goto fail;
        }
        if (S_ISLNK(st.st_mode)) {
            struct statfs sf;
            char link[PATH_MAX];
            ssize_t n = -1;
            if (++links > MAX_LINKS || (fstatfs(next, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC))
                errno = ELOOP;
            else
                n = readlinkat(next, "", link, sizeof link - 1);
            close(next);
            if (n < 0)
                goto fail;
            link[n] = '\0';
            /* The target, then what was left after the link. */
            if (snprintf(b, sizeof b, "%s/%s", link, rest) >= (int)sizeof b) {
                errno = ENAMETOOLONG;
                goto fail;
            }
            memcpy(a, b, strlen(b) + 1);
            rest = a;
            if (link[0] == '/') {
                close(cur);
                if ((cur = fcntl(root, F_DUPFD_CLOEXEC, 0)) < 0)
                    goto fail;
                lastname[0] = '\0';
            }
            continue;
        }
        if (parent >= 0)
            close(parent);
        parent = cur;
        cur = next;
        memcpy(lastname, name, len + 1);
    }
    if (flags & O_PATH) {
        if ((flags & O_DIRECTORY) && (fstat(cur, &st) < 0 || !S_ISDIR(st.st_mode))) {
            errno = ENOTDIR;
            goto fail;
        }
        if (parent >= 0)
            close(parent);
        return cur;
    }
    /* A real open: of the last name in its directory, still O_NOFOLLOW (a symlink swapped in
     * since is refused); "." when the path ended at a directory reached by "..". */
    int fd = lastname[0] ? openat(parent, lastname, flags | O_NOFOLLOW | O_CLOEXEC)
                         : openat(cur, ".", flags | O_CLOEXEC);
    e = errno;
    close(cur);
    if (parent >= 0)
        close(parent);
    errno = e;
    return fd;
fail:
    e = errno;
    if (cur >= 0)
        close(cur);
    if (parent >= 0)
        close(parent);
    errno = e;
    return -1;
}

/* Opens PATH (absolute or not, the same) inside the container's root. */
static int open_in_root(const char *path, int flags)
{
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -1;
    int fd = -1;
    if (!g_no_openat2) {
        struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        for (int tries = 0; tries < 8; tries++) { /* EAGAIN: a rename raced a ".." */
            fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
            if (fd >= 0 || errno != EAGAIN)
                break;
        }
        if (fd < 0 && errno == ENOSYS)
            g_no_openat2 = 1;
    }
    if (g_no_openat2)
        fd = walk_in_root(root, path, flags);
    int e = errno;
    close(root);
    errno = e;
    return fd;
}

/* PATH without trailing slashes, split at its last '/' into the directory ("/" when there is
 * none) and the last name. */
static int split_path(const char *path, char *dir, size_t dircap, char *base, size_t basecap)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *slash = memrchr(path, '/', n);
    size_t d = slash ? (size_t)(slash - path) : 0, bl = slash ? n - d - 1 : n;
    if (d >= dircap || bl >= basecap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (d == 0)
        strcpy(dir, "/");
    else
        memcpy(dir, path, d), dir[d] = '\0';
    memcpy(base, slash ? slash + 1 : path, bl);
    base[bl] = '\0';
    return 0;
}

/* Like Docker for mount points and WorkingDir: whatever of PATH is missing is created, the
 * directories as mkdir -p does and, unless isdir, the last name as an empty file; every step
 * resolved inside the root. A dangling symlink on the way is followed there too (its target
 * is what gets created). Returns an O_PATH fd of PATH, or -1 with errno. */
static int create_in_root_at(const char *path, int isdir, int depth)
{
    int fd = open_in_root(path, O_PATH);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    char dir[PATH_MAX], base[NAME_MAX + 1];
    if (depth > MAX_LINKS) {
        errno = ELOOP;
        return -1;
    }
    if (split_path(path, dir, sizeof dir, base, sizeof base) < 0)
        return -1;
    int pfd = create_in_root_at(dir, 1, depth);
    if (pfd < 0)
        return -1;
    int r = 0;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        ; /* nothing to create: its directory was what was missing */
    else if (isdir)
        r = mkdirat(pfd, base, 0755);
    else if ((r = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644)) >= 0)
        r = close(r);
    if (r < 0 && errno == EEXIST) {
        /* There, yet it did not resolve: a dangling symlink. Create its target instead. */
        char link[PATH_MAX], target[PATH_MAX];
        ssize_t n = readlinkat(pfd, base, link, sizeof link - 1);
        if (n >= 0) {
            link[n] = '\0';
            if (snprintf(target, sizeof target, "%s/%s", link[0] == '/' ? "" : dir, link) >= (int)sizeof target) {
                close(pfd);
                errno = ENAMETOOLONG;
                return -1;
            }
            fd = create_in_root_at(target, isdir, depth + 1);
            if (fd < 0) {
                int e = errno;
                close(pfd);
                errno = e;
                return -1;
            }
            close(fd);
        }
        r = 0; /* not a symlink: made meanwhile by someone else; open it below */
    }
    int e = errno;
    close(pfd);
    if (r < 0) {
        errno = e;
        return -1;
    }
    return open_in_root(path, O_PATH);
}

static int create_in_root(const char *path, int isdir)
{
    return create_in_root_at(path, isdir, 0);
}

/* "/proc/self/fd/N": mount(2) follows it to exactly what fd N is, however it was reached
 * (runc does the same). /proc is the container's own procfs by then. */
static const char *fd_path(int fd, char *buf, size_t cap)
{
    snprintf(buf, cap, "/proc/self/fd/%d", fd);
    return buf;
}

/* A path error in the container's tree: ELOOP is most often a link through /proc. */
static void __attribute__((noreturn)) cpath(const char *what, const char *path)
{
    if (errno == ELOOP)
        cfail(EXIT_SHIM, "container setup: %s %s: too many levels of symbolic links, or a "
              "/proc magic link (paths are resolved inside the container)", what, path);
    csys("%s %s", what, path);
}

/* /proc, /dev and /sys get fresh mounts: each must be a real directory of the image (made if
 * missing), never a symlink (as runc requires for /proc and /sys). */
static void ensure_top_dir(const char *name, mode_t mode)
{
    struct stat st;
    if (mkdir(name, mode) < 0 && errno != EEXIST)
        csys("mkdir %s", name);
    if (lstat(name, &st) < 0)
        csys("stat %s", name);
    if (!S_ISDIR(st.st_mode))
        cfail(EXIT_SHIM, "container setup: %s in the image is not a directory (a symlink?): refused", name);
}

/* overlayfs splits its options on ',' and lowerdir on ':'; a '\' escapes them. */
static int append_opt(char *buf, size_t cap, size_t *pos, const char *s, int escape)
{
    for (; *s; s++) {
        if (escape && (*s == ',' || *s == ':' || *s == '\\')) {
            if (*pos + 2 >= cap)
                return -1;
            buf[(*pos)++] = '\\';
        }
        if (*pos + 1 >= cap)
            return -1;
        buf[(*pos)++] = *s;
    }
    buf[*pos] = '\0';
    return 0;
}

static int overlay_options(char *buf, size_t cap)
{
    size_t pos = 0;
    if (append_opt(buf, cap, &pos, "lowerdir=", 0) < 0)
        return -1;
    for (size_t i = 0; i < cfg.lower.n; i++)
        if ((i > 0 && append_opt(buf, cap, &pos, ":", 0) < 0) ||
            append_opt(buf, cap, &pos, cfg.lower.v[i], 1) < 0)
            return -1;
    if (append_opt(buf, cap, &pos, ",upperdir=", 0) < 0 ||
        append_opt(buf, cap, &pos, cfg.upper, 1) < 0 ||
        append_opt(buf, cap, &pos, ",workdir=", 0) < 0 ||
        append_opt(buf, cap, &pos, cfg.work, 1) < 0)
        return -1;
    return 0;
}

/* mount(2) takes at most one page of options. Images with many layers go through the
 * new mount API instead, which takes the layers one at a time ("lowerdir+", 6.8+). */
static void mount_overlay(void)
{
    static char opts[4096];
    if (overlay_options(opts, sizeof opts) == 0) {
        xmount("overlay", cfg.rootfs, "overlay", 0, opts);
        return;
    }
    int fs = fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        csys("fsopen overlay");
    for (size_t i = 0; i < cfg.lower.n; i++)
        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", cfg.lower.v[i], 0) < 0)
            csys("overlay lowerdir+ %s (%zu layers need Linux 6.8+)", cfg.lower.v[i], cfg.lower.n);
    if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", cfg.upper, 0) < 0)
        csys("overlay upperdir %s", cfg.upper);
    if (fsconfig(fs, FSCONFIG_SET_STRING, "workdir", cfg.work, 0) < 0)
        csys("overlay workdir %s", cfg.work);
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        csys("create the overlay");
    int m = fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (m < 0)
        csys("fsmount the overlay");
    if (move_mount(m, "", AT_FDCWD, cfg.rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        csys("attach the overlay on %s", cfg.rootfs);
    close(m);
    close(fs);
}

static int g_sys_backup = -1; /* detached read-only copy of the host's /sys */

/* Before pivot_root, while host paths are visible, take detached copies (open_tree) of
 * what the container gets from the host. They are attached after pivot_root, where the
 * targets resolve inside the container's root: a symlink in the image can then neither
 * redirect a mount nor make us create a mount point on the host. */
/* /sys/fs/cgroup inside (issue 13), as Docker has it: the container's own cgroup, read-only
 * (unless --privileged). v2: its cgroup directory on /sys/fs/cgroup. v1: a tmpfs there with
 * each hierarchy's container directory bound at the hierarchy's name (memory, cpu,cpuacct…,
 * with the cpu -> cpu,cpuacct links the host has). Clones are taken here, before pivot_root. */
static int *g_cgfs_fd;

static void clone_cgroup_dirs(void)
{
    if (cfg.cgroupfs.n == 0)
        return;
    g_cgfs_fd = xrealloc(NULL, cfg.cgroupfs.n * sizeof *g_cgfs_fd);
    for (size_t i = 0; i < cfg.cgroupfs.n; i++) {
        char *tab = strchr(cfg.cgroupfs.v[i], '\t');
        if (tab)
            *tab = '\0';
        g_cgfs_fd[i] = open_tree(AT_FDCWD, cfg.cgroupfs.v[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (g_cgfs_fd[i] < 0)
            csys("clone cgroup directory %s", cfg.cgroupfs.v[i]);
        if (tab)
            *tab = '\t';
        if (!g_privileged) {
            struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
            if (mount_setattr(g_cgfs_fd[i], "", AT_EMPTY_PATH, &a, sizeof a) < 0)
                csys("make cgroup directory %s read-only", cfg.cgroupfs.v[i]);
        }
    }
}

static void mount_cgroup_dirs(void)
{
    if (cfg.cgroupfs.n == 0)
        return;
    int v1 = strchr(cfg.cgroupfs.v[0], '\t') != NULL;
    if (v1)
        xmount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k");
    for (size_t i = 0; i < cfg.cgroupfs.n; i++) {
        char target[PATH_MAX] = "/sys/fs/cgroup";
        char *name = strchr(cfg.cgroupfs.v[i], '\t');
        if (name) {
            name++;
            if (!*name || strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, "."))
                cfail(EXIT_SHIM, "malformed cgroupfs record");
            snprintf(target, sizeof target, "/sys/fs/cgroup/%s", name);
            ensure_dir(target, 0755);
            /* cpu,cpuacct: the host's links cpu -> cpu,cpuacct and cpuacct -> cpu,cpuacct */
            if (strchr(name, ',')) {
                char parts[NAME_MAX + 1];
                snprintf(parts, sizeof parts, "%s", name);
                for (char *save = NULL, *c = strtok_r(parts, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                    char link[PATH_MAX];
                    snprintf(link, sizeof link, "/sys/fs/cgroup/%s", c);
                    if (symlink(name, link) < 0 && errno != EEXIST)
                        csys("symlink %s", link);
                }
            }
        }
        if (move_mount(g_cgfs_fd[i], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
            csys("mount the container's cgroup on %s", target);
        xclose(&g_cgfs_fd[i]);
    }
    if (v1 && !g_privileged)
        remount_ro("/sys/fs/cgroup");
    free(g_cgfs_fd);
    g_cgfs_fd = NULL;
}

static void clone_host_mounts(void)
{
    for (size_t i = 0; i < cfg.bind.n; i++) {
        struct bindspec *b = &g_binds[i];
        struct stat st;
        if (stat(b->src, &st) < 0)
            csys("bind source %s", b->src);
        b->isdir = S_ISDIR(st.st_mode);
        b->fd = open_tree(AT_FDCWD, b->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (b->fd < 0)
            csys("clone bind source %s", b->src);
        if (b->ro && !b->copy) { /* a volume to fill: made read-only once filled (copy_up_volumes) */
            /* Recursively read-only, like Docker 25+. */
            struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
            if (mount_setattr(b->fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
                csys("make bind %s read-only", b->src);
        }
    }
    clone_cgroup_dirs();
    /* Only used if the kernel refuses a fresh sysfs mount. */
    g_sys_backup = open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (g_sys_backup >= 0) {
        struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                            MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
        if (mount_setattr(g_sys_backup, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
            xclose(&g_sys_backup);
    }
}

/* pivot_root, not chroot: chroot can be escaped with CAP_SYS_CHROOT, which containers
 * keep. pivot_root(".", ".") stacks the old root on top of the new one; detaching it
 * leaves the container's rootfs as the only tree in this mount namespace. */
static void enter_rootfs(void)
{
    if (chdir(cfg.rootfs) < 0)
        csys("chdir %s", cfg.rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        csys("pivot_root %s", cfg.rootfs);
    if (umount2(".", MNT_DETACH) < 0)
        csys("detach the host's root");
    if (chdir("/") < 0)
        csys("chdir /");
}

static void mount_proc(void)
{
    ensure_top_dir("/proc", 0555);
    xmount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void mount_dev(void)
{
    static const struct { const char *path; unsigned maj, min; } nodes[] = {
        { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
        { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
    };
    static const char *const links[][2] = {
        { "pts/ptmx", "/dev/ptmx" },         { "/proc/self/fd", "/dev/fd" },
        { "/proc/self/fd/0", "/dev/stdin" }, { "/proc/self/fd/1", "/dev/stdout" },
        { "/proc/self/fd/2", "/dev/stderr" },
    };
    ensure_top_dir("/dev", 0755);
    xmount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        if (mknod(nodes[i].path, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0)
            csys("mknod %s", nodes[i].path);
    ensure_dir("/dev/pts", 0755);
    xmount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
           "newinstance,ptmxmode=0666,mode=0620,gid=5");
    ensure_dir("/dev/shm", 01777);
    if (!parse_bool("noshm", cfg.noshm)) { /* --ipc none: no /dev/shm at all (Docker's) */
        char shmopts[64] = "mode=1777,size=65536k"; /* Docker's default, 64 MiB */
        if (cfg.shmsize)
            snprintf(shmopts, sizeof shmopts, "mode=1777,size=%lu", parse_num("shmsize", cfg.shmsize, ~0UL));
        xmount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shmopts);
    }
    ensure_dir("/dev/mqueue", 0755);
    if (mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
        errno != ENODEV)
        csys("mount mqueue on /dev/mqueue");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        if (symlink(links[i][0], links[i][1]) < 0)
            csys("symlink %s", links[i][1]);
}

/* --device (issue 13): the node, made inside the root (parents created there, nothing
 * followed out of it) with the host device's type, numbers, mode and owner. Whether it can
 * be opened is the devices cgroup's / BPF program's business (devallow). */
static void make_devices(void)
{
    for (size_t i = 0; i < cfg.device.n; i++) {
        char path[PATH_MAX], type;
        unsigned maj, min, mode, uid, gid;
        if (sscanf(cfg.device.v[i], "%4095[^\t]\t%c\t%u\t%u\t%o\t%u\t%u", path, &type, &maj, &min, &mode, &uid, &gid) != 7 ||
            path[0] != '/' || (type != 'c' && type != 'b'))
            cfail(EXIT_SHIM, "malformed device record \"%.64s\"", cfg.device.v[i]);
        char dir[PATH_MAX], base[NAME_MAX + 1];
        if (split_path(path, dir, sizeof dir, base, sizeof base) < 0 || !*base || !strcmp(base, "..") || !strcmp(base, "."))
            cfail(EXIT_SHIM, "device path %s: invalid", path);
        int dfd = create_in_root(dir, 1);
        if (dfd < 0)
            cpath("create the directory of device", path);
        char p[32];
        int at = open(fd_path(dfd, p, sizeof p), O_PATH | O_DIRECTORY | O_CLOEXEC);
        close(dfd);
        if (at < 0)
            csys("open the directory of device %s", path);
        unlinkat(at, base, 0); /* as runc: the device replaces what the image has there */
        if (mknodat(at, base, (type == 'c' ? S_IFCHR : S_IFBLK) | (mode & 07777), makedev(maj, min)) < 0 ||
            fchownat(at, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            csys("mknod device %s", path);
        close(at);
    }
}

static void mount_sys(void)
{
    ensure_top_dir("/sys", 0555);
    unsigned long ro = g_privileged ? 0 : MS_RDONLY; /* --privileged: /sys writable */
    if (mount("sysfs", "/sys", "sysfs", ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        if (g_sys_backup < 0)
            csys("mount sysfs on /sys");
        if (move_mount(g_sys_backup, "", AT_FDCWD, "/sys", MOVE_MOUNT_F_EMPTY_PATH) < 0)
            csys("bind the host's /sys on /sys");
    }
    xclose(&g_sys_backup);
}

/* Like Docker: a missing mount point is created, as a directory or an empty file, inside the
 * container's root (see create_in_root). Returns its O_PATH fd, which the mount goes onto. */
static int make_mount_point(const char *path, int isdir)
{
    int fd = create_in_root(path, isdir);
    if (fd < 0)
        cpath("create mount point", path);
    return fd;
}

/* ------------------------------------------------------------------------------------
 * Volume copy-up (Docker copies the image's content at a volume's path into the volume the
 * first time a container uses it, when the volume is empty).
 *
 * Done here, after pivot_root: the host's tree is gone from this mount namespace, the source
 * is the container's own root resolved inside it (open_in_root) and the destination is the
 * volume's detached clone (open_tree fd). Below both, every name is opened relative to its
 * directory's fd with O_NOFOLLOW (directories O_DIRECTORY, files checked regular on the fd
 * and opened O_NONBLOCK, created O_EXCL): a symlink is copied as a symlink, never followed,
 * on either side, and a name swapped meanwhile cannot redirect a write. Regular files,
 * directories and symlinks are copied with owner, mode and times; FIFOs, sockets and device
 * nodes are not (minidock's layer unpacker never makes them either; docs/volumes.md).
 * ---------------------------------------------------------------------------------- */

#define COPY_MAX_DEPTH 128

static void copy_meta(int fd, const char *name, const struct stat *st)
{
    struct timespec ts[2] = { st->st_atim, st->st_mtim };
    /* chown first: it clears set-id bits, which the chmod then sets as they were */
    if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
        futimens(fd, ts) < 0)
        csys("volume copy: set owner, mode, times of %s", name);
}

static void copy_tree(int src, int dst, const char *what, int depth)
{
    if (depth > COPY_MAX_DEPTH)
        cfail(EXIT_SHIM, "container setup: volume copy of %s: more than %d directory levels", what, COPY_MAX_DEPTH);
    int sd = fcntl(src, F_DUPFD_CLOEXEC, 0);
    DIR *d = sd < 0 ? NULL : fdopendir(sd);
    if (!d)
        csys("volume copy: read directory in %s", what);
    struct dirent *e;
    /* static: the child runs on a 256 KiB stack (CHILD_STACK) and this recurses; each is used
     * only between two recursive calls */
    static char buf[65536], target[PATH_MAX];
    while ((errno = 0, e = readdir(d))) {
        const char *n = e->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            csys("volume copy: stat %s in %s", n, what);
        if (S_ISDIR(st.st_mode)) {
            if (mkdirat(dst, n, 0700) < 0)
                csys("volume copy: mkdir %s in %s", n, what);
            int s2 = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int d2 = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (s2 < 0 || d2 < 0)
                csys("volume copy: open directory %s in %s", n, what);
            copy_tree(s2, d2, what, depth + 1);
            copy_meta(d2, n, &st);
            close(s2);
            close(d2);
        } else if (S_ISREG(st.st_mode)) {
            int sf = openat(src, n, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
            struct stat fst;
            if (sf < 0 || fstat(sf, &fst) < 0)
                csys("volume copy: open %s in %s", n, what);
            if (!S_ISREG(fst.st_mode)) { /* changed since the stat: left out */
                close(sf);
                continue;
            }
            int df = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (df < 0)
                csys("volume copy: create %s in %s", n, what);
            for (;;) {
                ssize_t r = read_retry(sf, buf, sizeof buf);
                if (r < 0)
                    csys("volume copy: read %s in %s", n, what);
                if (r == 0)
                    break;
                if (write_all(df, buf, (size_t)r) < 0)
                    csys("volume copy: write %s in %s", n, what);
            }
            copy_meta(df, n, &fst);
            close(sf);
            close(df);
        } else if (S_ISLNK(st.st_mode)) {
            ssize_t k = readlinkat(src, n, target, sizeof target - 1);
            if (k < 0)
                csys("volume copy: readlink %s in %s", n, what);
            target[k] = '\0';
            if (symlinkat(target, dst, n) < 0)
                csys("volume copy: symlink %s in %s", n, what);
            struct timespec ts[2] = { st.st_atim, st.st_mtim };
            if (fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                utimensat(dst, n, ts, AT_SYMLINK_NOFOLLOW) < 0)
                csys("volume copy: set owner, times of symlink %s in %s", n, what);
        } /* FIFOs, sockets, device nodes: not copied (minidock's layers hold none) */
    }
    if (errno)
        csys("volume copy: read directory in %s", what);
    closedir(d);
}

/* Whether a directory holds nothing but . and .. */
static int dir_is_empty(int dfd)
{
    int sd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = sd < 0 ? NULL : fdopendir(sd);
    if (!d)
        csys("volume: read its directory");
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

static void volume_copy_up(struct bindspec *b)
{
    int src = open_in_root(b->dst, O_RDONLY | O_DIRECTORY);
    if (src < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return; /* nothing in the image there: the volume stays as it is */
        cpath("read the image's content at", b->dst);
    }
    int dst = openat(b->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dst < 0)
        csys("open volume %s", b->src);
    if (dir_is_empty(dst)) {
        struct stat st;
        copy_tree(src, dst, b->dst, 0);
        if (fstat(src, &st) < 0)
            csys("stat %s", b->dst);
        copy_meta(dst, b->dst, &st); /* and the directory's own owner and mode, as Docker */
    }
    close(dst);
    close(src);
}

/* Right after pivot_root, before /proc, /dev, /sys or any bind is mounted: the source is the
 * container's own root (its image and upper dir) and nothing else, as Docker copies from the
 * container's rootfs at create — never from a kernel filesystem or another mount. */
static void copy_up_volumes(void)
{
    for (size_t i = 0; i < cfg.bind.n; i++) {
        struct bindspec *b = &g_binds[i];
        if (!b->copy)
            continue;
        volume_copy_up(b);
        if (b->ro) {
            struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
            if (mount_setattr(b->fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
                csys("make volume %s read-only", b->src);
        }
    }
}

static void attach_bind(size_t i)
{
    struct bindspec *b = &g_binds[i];
    int t = make_mount_point(b->dst, b->isdir);
    if (move_mount(b->fd, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        csys("bind %s on %s", b->src, b->dst);
    close(t);
    xclose(&b->fd);
}

static void mount_tmpfs(size_t i)
{
    char p[32];
    int t = make_mount_point(g_tmpfs[i].dst, 1);
    if (mount("tmpfs", fd_path(t, p, sizeof p), "tmpfs", g_tmpfs[i].flags, g_tmpfs[i].data) < 0)
        csys("mount tmpfs on %s", g_tmpfs[i].dst);
    close(t);
}

/* The binds and tmpfs mounts, in the order of their records (g_mount_order). */
static void attach_mounts(void)
{
    size_t bi = 0, ti = 0;
    for (size_t k = 0; k < g_mount_n; k++) {
        if (g_mount_order[k] == 'b')
            attach_bind(bi++);
        else
            mount_tmpfs(ti++);
    }
}

/* Docker's default masked and read-only paths of /proc and /sys. */
static const char *const masked_paths[] = {
    "/proc/asound",      "/proc/acpi",       "/proc/kcore",       "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi",        "/sys/firmware",    "/sys/devices/virtual/powercap",
    "/proc/interrupts",
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* The null device masks files: opened once, checked to be the real one (CVE-2025-31133: a
 * /dev/null replaced by a symlink would bind whatever it points to over the masked path), and
 * bound from that fd. */
static int g_null = -1;

static void mask_path(const char *p)
{
    char src[32], dst[32];
    struct stat st;
    int t = open(p, O_PATH | O_NOFOLLOW | O_CLOEXEC); /* fixed paths in our own procfs/sysfs */
    if (t < 0 && errno == ENOENT)
        return; /* this kernel has no such file */
    if (t < 0 || fstat(t, &st) < 0)
        csys("mask %s", p);
    if (S_ISDIR(st.st_mode)) /* a directory: hidden under an empty tmpfs */
        xmount("tmpfs", fd_path(t, dst, sizeof dst), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
               "size=0k,mode=755");
    else if (mount(fd_path(g_null, src, sizeof src), fd_path(t, dst, sizeof dst), NULL, MS_BIND, NULL) < 0)
        csys("mask %s", p);
    close(t);
}

static void mask_kernel_files(void)
{
    struct stat st;
    g_null = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (g_null < 0 || fstat(g_null, &st) < 0)
        csys("open /dev/null");
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        cfail(EXIT_SHIM, "container setup: /dev/null is not the null device: refused");
    for (size_t i = 0; i < sizeof masked_paths / sizeof masked_paths[0]; i++)
        mask_path(masked_paths[i]);
    /* Docker 28+ also hides each CPU's thermal_throttle counters (a side channel). */
    DIR *d = opendir("/sys/devices/system/cpu");
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[PATH_MAX];
        if (strncmp(e->d_name, "cpu", 3) != 0 || e->d_name[3] < '0' || e->d_name[3] > '9')
            continue;
        snprintf(p, sizeof p, "/sys/devices/system/cpu/%s/thermal_throttle", e->d_name);
        mask_path(p);
    }
    if (d)
        closedir(d);
    xclose(&g_null);
    for (size_t i = 0; i < sizeof readonly_paths / sizeof readonly_paths[0]; i++) {
        const char *p = readonly_paths[i];
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue;
            csys("bind %s", p);
        }
        remount_ro(p);
    }
}

/* The bounding set down to the configured capabilities (Docker's 14 by default; none
 * inheritable or ambient), then groups, gid, uid, then permitted and effective. Once uid
 * is not 0 the kernel has emptied permitted and effective, exactly as with Docker's
 * --user. */
static void drop_privileges(void)
{
    /* Our own pipes and pty go to the user, so it can reopen /dev/stdout and friends. */
    if (kid.own_in && fchown(0, g_uid, (gid_t)-1) < 0)
        csys("chown stdin");
    if (kid.own_out && (fchown(1, g_uid, (gid_t)-1) < 0 || fchown(2, g_uid, (gid_t)-1) < 0))
        csys("chown stdout/stderr");

    uint64_t keep = 0;
    for (int c = 0; c < 64; c++) {
        int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
        if (r < 0)
            break; /* past the last capability this kernel knows: those are never kept */
        if (r == 1 && ((g_caps >> c) & 1))
            keep |= 1ULL << c;
        else if (r == 1 && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
            csys("drop capability %d", c);
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

    /* Ids before the capability sets (as runc): setgroups and setgid need CAP_SETGID,
     * which the final set may not have (--cap-drop ALL). */
    if (setgroups(cfg.group.n, g_groups) < 0)
        csys("setgroups");
    if (setgid(g_gid) < 0)
        csys("setgid %u", (unsigned)g_gid);
    if (setuid(g_uid) < 0)
        csys("setuid %u", (unsigned)g_uid);

    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (g_uid == 0) { /* a non-root uid already lost them all in setuid */
        data[0].effective = data[0].permitted = (uint32_t)keep;
        data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
    }
    if (syscall(SYS_capset, &hdr, data) < 0)
        csys("set capabilities");
}

/* Everything but 0, 1, 2 and the error pipe (CVE-2024-21626). The pipe moves to 3 so a
 * single close_range covers the rest. */
static void close_other_fds(void)
{
    if (g_errpipe != 3) {
        if (dup3(g_errpipe, 3, O_CLOEXEC) < 0)
            csys("move the error pipe");
        g_errpipe = 3;
    }
    int keep = 3;
    if (g_initfd >= 0) { /* --init: fd 4, close-on-exec (PID 1 execs it by fd) */
        if (dup3(g_initfd, 4, O_CLOEXEC) < 0)
            csys("move the init's fd");
        g_initfd = keep = 4;
    }
    if (close_range((unsigned)keep + 1, ~0U, 0) == 0)
        return;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        csys("list open fds");
    int dfd = dirfd(d);
    for (struct dirent *e; (e = readdir(d));) {
        int fd = atoi(e->d_name);
        if (fd > keep && fd != dfd)
            close(fd);
    }
    closedir(d);
}

static const char *env_get(const char *name)
{
    size_t n = strlen(name);
    const char *v = NULL;
    for (size_t i = 0; i < cfg.env.n; i++)
        if (strncmp(cfg.env.v[i], name, n) == 0 && cfg.env.v[i][n] == '=')
            v = cfg.env.v[i] + n + 1; /* the last one wins, as in a shell */
    return v;
}

/* What a missing command exits with: 127 for run (Docker sets it for the container's own
 * command), 126 for exec (Docker's daemon marks every failed exec start 126, moby
 * daemon/exec.go, so `docker exec c nosuch` exits 126). */
#define EXIT_MISSING (g_mode == MODE_EXEC ? EXIT_CANNOT_EXEC : EXIT_NOT_FOUND)

/* Like Go's exec.LookPath, which runc uses: the first PATH entry holding a non-directory
 * with an execute bit. PATH comes from the container's environment. */
static const char *find_executable(const char *name, char *buf, size_t cap)
{
    if (strchr(name, '/'))
        return name;
    const char *path = env_get("PATH");
    if (!path)
        path = DEFAULT_PATH;
    for (const char *p = path; *name;) {
        const char *colon = strchrnul(p, ':');
        int len = (int)(colon - p);
        /* An empty entry means the working directory, as in execvp. */
        if (snprintf(buf, cap, "%.*s%s%s", len, p, len ? "/" : "", name) < (int)cap) {
            struct stat st;
            if (stat(buf, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111))
                return buf;
        }
        if (!*colon)
            break;
        p = colon + 1;
    }
    cfail(EXIT_MISSING, "exec: \"%s\": executable file not found in $PATH", name);
}

/* Docker's codes: 127 when there is nothing to run (126 in exec, as above), 126 when it cannot be run. */
static void __attribute__((noreturn)) exec_failed(const char *name, const char *path, int err)
{
    struct stat st;
    switch (err) {
    case ENOENT:
        cfail(EXIT_MISSING, "exec: \"%s\": no such file or directory", name);
    case ENOTDIR:
        cfail(EXIT_MISSING, "exec: \"%s\": not a directory", name);
    case ELOOP:
    case ENAMETOOLONG:
        cfail(EXIT_MISSING, "exec: \"%s\": %s", name, strerror(err));
    case EACCES:
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            cfail(EXIT_CANNOT_EXEC, "exec: \"%s\": is a directory", name);
        cfail(EXIT_CANNOT_EXEC, "exec: \"%s\": permission denied", name);
    case ENOEXEC:
        cfail(EXIT_CANNOT_EXEC, "exec: \"%s\": exec format error", name);
    default:
        cfail(EXIT_CANNOT_EXEC, "exec: \"%s\": %s", name, strerror(err));
    }
}

/* ------------------------------------------------------------------------------------
 * Seccomp: a denylist of what Docker's default profile does not allow (moby
 * profiles/seccomp/default.json). Docker's profile is an allowlist; a denylist is
 * simpler and denies the same dangerous calls, but a syscall added to a newer kernel is
 * allowed here until it is listed. Like Docker, a call that a capability unlocks is
 * allowed when the container has that capability (--cap-add SYS_ADMIN allows mount).
 * Foreign syscall ABIs (i386 int 0x80, x32) kill the process: a denylist is only sound
 * for the one syscall table it was written for.
 * ---------------------------------------------------------------------------------- */

#if defined(__x86_64__)
#define SECCOMP_NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define SECCOMP_NATIVE_ARCH AUDIT_ARCH_RISCV64
#endif

#define NOCAP (-1)
static const struct sdeny {
    int nr;
    int cap1, cap2; /* allowed when the container has one of these */
} seccomp_denied[] = {
    /* mounts and namespaces: CAP_SYS_ADMIN */
#ifdef __NR_mount
    { __NR_mount, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_umount2
    { __NR_umount2, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_umount
    { __NR_umount, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_unshare
    { __NR_unshare, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_setns
    { __NR_setns, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_fsopen
    { __NR_fsopen, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_fsconfig
    { __NR_fsconfig, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_fsmount
    { __NR_fsmount, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_fspick
    { __NR_fspick, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_move_mount
    { __NR_move_mount, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_open_tree
    { __NR_open_tree, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_mount_setattr
    { __NR_mount_setattr, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_fanotify_init
    { __NR_fanotify_init, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_lookup_dcookie
    { __NR_lookup_dcookie, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_quotactl
    { __NR_quotactl, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_quotactl_fd
    { __NR_quotactl_fd, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_sethostname
    { __NR_sethostname, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_setdomainname
    { __NR_setdomainname, CAP_SYS_ADMIN, NOCAP },
#endif
#ifdef __NR_syslog
    { __NR_syslog, CAP_SYS_ADMIN, CAP_SYSLOG },
#endif
#ifdef __NR_bpf
    { __NR_bpf, CAP_SYS_ADMIN, CAP_BPF },
#endif
#ifdef __NR_perf_event_open
    { __NR_perf_event_open, CAP_SYS_ADMIN, CAP_PERFMON },
#endif
    /* the rest of the capability-gated calls */
#ifdef __NR_reboot
    { __NR_reboot, CAP_SYS_BOOT, NOCAP },
#endif
#ifdef __NR_init_module
    { __NR_init_module, CAP_SYS_MODULE, NOCAP },
#endif
#ifdef __NR_finit_module
    { __NR_finit_module, CAP_SYS_MODULE, NOCAP },
#endif
#ifdef __NR_delete_module
    { __NR_delete_module, CAP_SYS_MODULE, NOCAP },
#endif
#ifdef __NR_acct
    { __NR_acct, CAP_SYS_PACCT, NOCAP },
#endif
#ifdef __NR_kcmp
    { __NR_kcmp, CAP_SYS_PTRACE, NOCAP },
#endif
#ifdef __NR_pidfd_getfd
    { __NR_pidfd_getfd, CAP_SYS_PTRACE, NOCAP },
#endif
#ifdef __NR_process_madvise
    { __NR_process_madvise, CAP_SYS_PTRACE, NOCAP },
#endif
#ifdef __NR_iopl
    { __NR_iopl, CAP_SYS_RAWIO, NOCAP },
#endif
#ifdef __NR_ioperm
    { __NR_ioperm, CAP_SYS_RAWIO, NOCAP },
#endif
#ifdef __NR_settimeofday
    { __NR_settimeofday, CAP_SYS_TIME, NOCAP },
#endif
#ifdef __NR_clock_settime
    { __NR_clock_settime, CAP_SYS_TIME, NOCAP },
#endif
#ifdef __NR_vhangup
    { __NR_vhangup, CAP_SYS_TTY_CONFIG, NOCAP },
#endif
#ifdef __NR_get_mempolicy
    { __NR_get_mempolicy, CAP_SYS_NICE, NOCAP },
#endif
#ifdef __NR_set_mempolicy
    { __NR_set_mempolicy, CAP_SYS_NICE, NOCAP },
#endif
#ifdef __NR_mbind
    { __NR_mbind, CAP_SYS_NICE, NOCAP },
#endif
#ifdef __NR_set_mempolicy_home_node
    { __NR_set_mempolicy_home_node, CAP_SYS_NICE, NOCAP },
#endif
#ifdef __NR_open_by_handle_at
    { __NR_open_by_handle_at, CAP_DAC_READ_SEARCH, NOCAP },
#endif
    /* never allowed by Docker's profile, whatever the capabilities */
#ifdef __NR_keyctl
    { __NR_keyctl, NOCAP, NOCAP },
#endif
#ifdef __NR_add_key
    { __NR_add_key, NOCAP, NOCAP },
#endif
#ifdef __NR_request_key
    { __NR_request_key, NOCAP, NOCAP },
#endif
#ifdef __NR_kexec_load
    { __NR_kexec_load, NOCAP, NOCAP },
#endif
#ifdef __NR_kexec_file_load
    { __NR_kexec_file_load, NOCAP, NOCAP },
#endif
#ifdef __NR_pivot_root
    { __NR_pivot_root, NOCAP, NOCAP },
#endif
#ifdef __NR_swapon
    { __NR_swapon, NOCAP, NOCAP },
#endif
#ifdef __NR_swapoff
    { __NR_swapoff, NOCAP, NOCAP },
#endif
#ifdef __NR_userfaultfd
    { __NR_userfaultfd, NOCAP, NOCAP },
#endif
#ifdef __NR_migrate_pages
    { __NR_migrate_pages, NOCAP, NOCAP },
#endif
#ifdef __NR_move_pages
    { __NR_move_pages, NOCAP, NOCAP },
#endif
#ifdef __NR_uselib
    { __NR_uselib, NOCAP, NOCAP },
#endif
#ifdef __NR_ustat
    { __NR_ustat, NOCAP, NOCAP },
#endif
#ifdef __NR_sysfs
    { __NR_sysfs, NOCAP, NOCAP },
#endif
#ifdef __NR__sysctl
    { __NR__sysctl, NOCAP, NOCAP },
#endif
#ifdef __NR_nfsservctl
    { __NR_nfsservctl, NOCAP, NOCAP },
#endif
#ifdef __NR_create_module
    { __NR_create_module, NOCAP, NOCAP },
#endif
#ifdef __NR_get_kernel_syms
    { __NR_get_kernel_syms, NOCAP, NOCAP },
#endif
#ifdef __NR_query_module
    { __NR_query_module, NOCAP, NOCAP },
#endif
    /* Docker 25+ blocks io_uring (it bypasses the rest of this filter) */
#ifdef __NR_io_uring_setup
    { __NR_io_uring_setup, NOCAP, NOCAP },
#endif
#ifdef __NR_io_uring_enter
    { __NR_io_uring_enter, NOCAP, NOCAP },
#endif
#ifdef __NR_io_uring_register
    { __NR_io_uring_register, NOCAP, NOCAP },
#endif
};

#define CLONE_NS_FLAGS 0x7E020000u /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define SC_ARG0_LO (offsetof(struct seccomp_data, args[0]))

static int has_cap(int c)
{
    return c >= 0 && ((g_caps >> c) & 1);
}

/* Installs the filter (needs CAP_SYS_ADMIN or no_new_privs). */
static void install_seccomp(void)
{
#ifndef SECCOMP_NATIVE_ARCH
    cfail(EXIT_SHIM, "container setup: seccomp: this architecture has no syscall table in minidock-shim; use --security-opt seccomp=unconfined");
#else
    static struct sock_filter f[512];
    size_t n = 0;
#define EMIT(code, k, jt, jf) (f[n++] = (struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
#define RET(v) EMIT(BPF_RET | BPF_K, (v), 0, 0)
    const uint32_t eperm = SECCOMP_RET_ERRNO | EPERM, allow = SECCOMP_RET_ALLOW;
    EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_NATIVE_ARCH, 1, 0);
    RET(SECCOMP_RET_KILL_PROCESS);
    EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
#ifdef __x86_64__
    EMIT(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1);
    RET(SECCOMP_RET_KILL_PROCESS);
#endif
    for (size_t i = 0; i < sizeof seccomp_denied / sizeof seccomp_denied[0]; i++) {
        const struct sdeny *d = &seccomp_denied[i];
        if (has_cap(d->cap1) || has_cap(d->cap2))
            continue;
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)d->nr, 0, 1);
        RET(eperm);
    }
    if (!has_cap(CAP_SYS_ADMIN)) {
#ifdef __NR_clone3
        /* ENOSYS, as Docker: the C library then falls back to clone, checked below. */
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
        RET(SECCOMP_RET_ERRNO | ENOSYS);
#endif
        /* clone creating namespaces (args[0] is the flags, except on s390) */
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4);
        EMIT(BPF_LD | BPF_W | BPF_ABS, SC_ARG0_LO, 0, 0);
        EMIT(BPF_JMP | BPF_JSET | BPF_K, CLONE_NS_FLAGS, 0, 1);
        RET(eperm);
        RET(allow);
    }
    /* personality: only the values Docker allows */
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, 0, 8);
    EMIT(BPF_LD | BPF_W | BPF_ABS, SC_ARG0_LO, 0, 0);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0x0, 5, 0);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0x8, 4, 0);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0x20000, 3, 0);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0x20008, 2, 0);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 1, 0);
    RET(eperm);
    RET(allow);
    /* socket(AF_VSOCK, ...) */
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4);
    EMIT(BPF_LD | BPF_W | BPF_ABS, SC_ARG0_LO, 0, 0);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 40 /* AF_VSOCK */, 0, 1);
    RET(eperm);
    RET(allow);
    RET(allow);
#undef EMIT
#undef RET
    struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        csys("install the seccomp filter");
#endif
}

/* --sysctl (issue 13): /proc/sys of the container's own fresh procfs, opened before
 * mask_kernel_files makes it read-only (the fd keeps the writable mount), written once the
 * network is up (so net.ipv4.conf.eth0.* exist) and before anything of the container runs. */
static int g_procsys = -1;

static void open_proc_sys(void)
{
    if (cfg.sysctl.n == 0)
        return;
    g_procsys = open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (g_procsys < 0)
        csys("open /proc/sys");
}

static void apply_sysctls(void)
{
    for (size_t i = 0; i < cfg.sysctl.n; i++) {
        char *key = cfg.sysctl.v[i];
        char *tab = strchr(key, '\t');
        if (!tab || key[0] == '/' || strstr(key, ".."))
            cfail(EXIT_SHIM, "malformed sysctl record \"%.64s\"", key);
        *tab = '\0';
        const char *val = tab + 1;
        int fd = openat(g_procsys, key, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || write_all(fd, val, strlen(val)) < 0) {
            for (char *c = key; *c; c++)
                if (*c == '/')
                    *c = '.';
            cfail(EXIT_SHIM, "sysctl %s=%s: %s", key, val,
                  errno == ENOENT ? "no such sysctl in the container's namespaces" : strerror(errno));
        }
        close(fd);
    }
    xclose(&g_procsys);
}

/* --ulimit (issue 13): "RESOURCE\tSOFT\tHARD", -1 = unlimited; as root, before the
 * capabilities go (raising a hard limit needs CAP_SYS_RESOURCE), right before execve so
 * the shim's own setup is not bound by them. */
static void apply_rlimits(void)
{
    for (size_t i = 0; i < cfg.rlimit.n; i++) {
        long long res, soft, hard;
        if (sscanf(cfg.rlimit.v[i], "%lld\t%lld\t%lld", &res, &soft, &hard) != 3 || res < 0 || res >= RLIM_NLIMITS)
            cfail(EXIT_SHIM, "malformed rlimit record \"%.64s\"", cfg.rlimit.v[i]);
        struct rlimit rl = { soft < 0 ? RLIM_INFINITY : (rlim_t)soft, hard < 0 ? RLIM_INFINITY : (rlim_t)hard };
        if (setrlimit((int)res, &rl) < 0)
            csys("setrlimit %lld to %lld:%lld", res, soft, hard);
    }
}

/* HOME as runc sets it when the environment has none: the home directory of the user's
 * passwd entry (by uid) in the container's /etc/passwd, else "/". Read inside the root,
 * a regular file only, never blocking, at most 1 MiB. */
static void set_home(void)
{
    if (env_get("HOME"))
        return;
    static char home[PATH_MAX + 6];
    snprintf(home, sizeof home, "HOME=/");
    int fd = open_in_root("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= (1 << 20)) {
        size_t cap = (size_t)st.st_size + 1, n = 0;
        char *buf = xrealloc(NULL, cap);
        for (ssize_t r; n + 1 < cap && (r = read_retry(fd, buf + n, cap - 1 - n)) > 0;)
            n += (size_t)r;
        buf[n] = '\0';
        for (char *line = buf, *next; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            /* name:pw:uid:gid:gecos:home:shell */
            char *f[7] = { 0 };
            int nf = 0;
            for (char *c = line; nf < 7; nf++) {
                f[nf] = c;
                c = strchr(c, ':');
                if (!c) {
                    nf++;
                    break;
                }
                *c++ = '\0';
            }
            char *end;
            if (nf < 6 || !*f[2])
                continue;
            unsigned long uid = strtoul(f[2], &end, 10);
            if (*end || uid != g_uid)
                continue;
            if (*f[5])
                snprintf(home, sizeof home, "HOME=%s", f[5]);
            break;
        }
        free(buf);
    }
    if (fd >= 0)
        close(fd);
    list_push(&cfg.env, home);
}

/* The last steps, shared by run and exec. */
/* ------------------------------------------------------------------------------------
 * The init (--init): like Docker's tini at /sbin/docker-init. PID 1 forks the command
 * (PID 2, which goes on to its execve right below, reporting on the error pipe as always)
 * and becomes the init: it execs minidock-init (init.c, static) from the sealed memfd the
 * monitor made (g_initfd) as "/sbin/docker-init -- CMD…", so `ps` inside shows what Docker
 * shows. It runs with the container's ids, capabilities and seccomp filter.
 * ---------------------------------------------------------------------------------- */


/* Monitor: the init binary (config key init = its absolute path) copied into a sealed memfd
 * above fd 10, so the child can exec it without any host path or host fd in the container. */
static void prepare_init(void)
{
    int src = open(cfg.init, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (src < 0 || fstat(src, &st) < 0)
        die(EXIT_SHIM, "open init %s: %s", cfg.init, strerror(errno));
    int m = memfd_create("docker-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (m < 0 && errno == EINVAL)
        m = memfd_create("docker-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (m < 0)
        die(EXIT_SHIM, "copy the init to memory: %s", strerror(errno));
    for (off_t off = 0; off < st.st_size;) {
        ssize_t n = sendfile(m, src, &off, (size_t)(st.st_size - off));
        if (n <= 0 && !(n < 0 && errno == EINTR))
            die(EXIT_SHIM, "copy the init to memory: %s", n < 0 ? strerror(errno) : "short read");
    }
    close(src);
    if (fcntl(m, F_ADD_SEALS, SEALS) < 0)
        die(EXIT_SHIM, "seal the init's copy: %s", strerror(errno));
    g_initfd = fcntl(m, F_DUPFD_CLOEXEC, 10);
    close(m);
    if (g_initfd < 0)
        die(EXIT_SHIM, "init: %s", strerror(errno));
}

#define INIT_ARGV0 "/sbin/docker-init"

/* Signals the init leaves alone: the synchronous ones (its own faults) and terminal stops. */
static void init_sigset(sigset_t *set)
{
    sigfillset(set);
    static const int keep[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        sigdelset(set, keep[i]);
}

static void fork_init(void)
{
    sigset_t set, old;
    init_sigset(&set);
    /* Blocked before the fork: nothing sent meanwhile is lost (the mask survives execve). */
    sigprocmask(SIG_SETMASK, &set, &old);
    pid_t c = fork();
    if (c < 0)
        cfail(EXIT_SHIM, "init: fork: %s", strerror(errno));
    if (c == 0) {
        /* The command: its own process group, in the terminal's foreground (as tini). */
        setpgid(0, 0);
        if (g_tty) {
            sigset_t ttou;
            sigemptyset(&ttou);
            sigaddset(&ttou, SIGTTOU); /* a background group's tcsetpgrp would get SIGTTOU */
            sigprocmask(SIG_BLOCK, &ttou, NULL);
            tcsetpgrp(0, getpid());
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        return;
    }
    /* PID 1. The command's pidfd on fd 3 (replacing our end of the error pipe: the command
     * holds its own until its execve) tells the init which child is the command. */
    int pfd = (int)syscall(SYS_pidfd_open, c, 0);
    if (pfd < 0 || dup2(pfd, 3) < 0) {
        dprintf(2, "minidock-shim: init: %s: %s\n", pfd < 0 ? "pidfd_open" : "dup2", strerror(errno));
        kill(c, SIGKILL);
        _exit(EXIT_SHIM);
    }
    if (pfd != 3)
        close(pfd);
    size_t n = cfg.arg.n;
    char **argv = xrealloc(NULL, (n + 3) * sizeof *argv);
    argv[0] = INIT_ARGV0, argv[1] = "--";
    memcpy(argv + 2, cfg.arg.v, (n + 1) * sizeof *argv);
    static char *no_env[] = { NULL };
    syscall(SYS_execveat, g_initfd, "", argv, cfg.env.v ? cfg.env.v : no_env, AT_EMPTY_PATH);
    dprintf(2, "minidock-shim: init: exec: %s\n", strerror(errno));
    kill(c, SIGKILL);
    _exit(EXIT_SHIM);
}

static void __attribute__((noreturn)) child_exec(void)
{
    const char *cwd = cfg.cwd ? cfg.cwd : "/";
    /* Like runc: without no_new_privs installing a filter needs CAP_SYS_ADMIN, so it goes
     * in just before the capabilities are dropped (nothing after it is a denied call);
     * with no_new_privs, as late as possible, right before execve. */
    set_home();
    apply_rlimits();
    if (g_seccomp && !g_nonewprivs)
        install_seccomp();
    drop_privileges();
    if (g_nonewprivs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        csys("set no_new_privs");
    close_other_fds();
    /* Only now, with no stray fd left to point it outside, and checked to be inside the
     * container's root (getcwd fails with ENOENT for an unreachable cwd). */
    int dfd = open_in_root(cwd, O_PATH | O_DIRECTORY);
    if (dfd < 0 || fchdir(dfd) < 0)
        cfail(EXIT_SHIM, "chdir to cwd \"%s\": %s", cwd,
              errno == ELOOP ? "too many levels of symbolic links, or a /proc magic link" : strerror(errno));
    close(dfd);
    char here[PATH_MAX];
    if (!getcwd(here, sizeof here) && errno == ENOENT)
        cfail(EXIT_SHIM, "cwd \"%s\" is outside the container", cwd);
    char buf[PATH_MAX];
    const char *exe = find_executable(cfg.arg.v[0], buf, sizeof buf);
    static char *no_env[] = { NULL };
    reset_signals();
    umask(022);
    if (g_seccomp && g_nonewprivs)
        install_seccomp();
    if (g_init)
        fork_init();
    execve(exe, cfg.arg.v, cfg.env.v ? cfg.env.v : no_env);
    exec_failed(cfg.arg.v[0], exe, errno);
}

static void close_monitor_fds(void);

/* --ipc container:NAME shares the donor's /dev/shm too (Docker binds the same directory).
 * Its tmpfs lives only in the donor's mount namespace, so the child steps in there (still
 * before anything of its own is mounted: its root and cwd are the host's again on return),
 * takes a detached copy of that one mount (no symlink followed) and comes back. */
static int g_donor_shm = -1;

static void take_donor_shm(void)
{
    int self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    int other = open(cfg.ipcmnt, O_RDONLY | O_CLOEXEC);
    if (self < 0 || other < 0 || setns(other, CLONE_NEWNS) < 0)
        csys("enter the IPC donor's mount namespace %s", cfg.ipcmnt);
    g_donor_shm = open_tree(AT_FDCWD, "/dev/shm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
    int e = errno;
    if (setns(self, CLONE_NEWNS) < 0)
        csys("return to the container's mount namespace");
    close(self);
    close(other);
    if (g_donor_shm < 0)
        cfail(EXIT_SHIM, "container setup: the IPC donor's /dev/shm: %s", strerror(e));
}

static void attach_donor_shm(void)
{
    int t = open("/dev/shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (t < 0 || move_mount(g_donor_shm, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        csys("mount the IPC donor's /dev/shm");
    close(t);
    xclose(&g_donor_shm);
}

/* run: PID 1 of the new namespaces. */
static int run_child(void *unused)
{
    (void)unused;
    close_monitor_fds();
    umask(0); /* device nodes and directories get exactly the modes asked for */
    xclose(&g_cgpipe[1]); /* EOF, should the monitor die */
    if (setsid() < 0)
        csys("setsid");
    child_stdio();
    if (cfg.netns) {
        int fd = open(cfg.netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
            csys("join network namespace %s", cfg.netns);
        close(fd);
    }
    if (cfg.ipcns) { /* --ipc container:NAME, before /dev/mqueue is mounted */
        int fd = open(cfg.ipcns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWIPC) < 0)
            csys("join IPC namespace %s", cfg.ipcns);
        close(fd);
    }
    if (cfg.ipcmnt) /* ... and its /dev/shm: a detached copy, taken in the donor's mount namespace */
        take_donor_shm();
    int sock = -1;
    if (cfg.netnsnew) {
        sock = child_inet_socket();
        child_ifup(sock, "lo");
    }
    /* Nothing mounted from here on may propagate back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        csys("make mounts private");
    mount_overlay();
    clone_host_mounts();
    enter_rootfs();
    copy_up_volumes();
    mount_proc();
    open_proc_sys();
    mount_dev();
    if (g_donor_shm >= 0)
        attach_donor_shm();
    if (cfg.device.n)
        make_devices();
    mount_sys();
    mount_cgroup_dirs();
    if (g_tty)
        child_tty();
    attach_mounts();
    if (cfg.hostname && !parse_bool("utshost", cfg.utshost) && sethostname(cfg.hostname, strlen(cfg.hostname)) < 0)
        csys("sethostname %s", cfg.hostname);
    if (cfg.cwd) { /* as root, before / may become read-only */
        int fd = create_in_root(cfg.cwd, 1);
        if (fd < 0)
            cpath("create cwd", cfg.cwd);
        close(fd);
    }
    if (g_readonly)
        remount_ro("/");
    if (!g_privileged) /* --privileged: nothing masked, nothing read-only (as Docker) */
        mask_kernel_files();
    const char *inside = child_wait_cgroups();
    if (sock >= 0) {
        if (*inside)
            child_net_up(sock, inside);
        close(sock);
    }
    if (cfg.sysctl.n)
        apply_sysctls();
    child_exec();
}

/* exec: the namespaces of the container's PID 1, in this order, mount last (after it,
 * host paths are gone). The PID namespace was entered by the monitor before forking. */
static const struct { const char *name; int type; } exec_ns[] = {
    { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
    { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
};
#define N_EXEC_NS (sizeof exec_ns / sizeof exec_ns[0])
static int g_nsfd[N_EXEC_NS];
static int g_pidns_fds[2] = { -1, -1 }; /* exec, monitor: the container's and its own PID namespace */

static void __attribute__((noreturn)) exec_child(void)
{
    close_monitor_fds();
    if (setsid() < 0)
        csys("setsid");
    child_stdio();
    if (!g_cg_born_in)
        join_cgroups();
    for (size_t i = 0; i < N_EXEC_NS; i++)
        if (g_nsfd[i] >= 0 && setns(g_nsfd[i], exec_ns[i].type) < 0)
            csys("join the container's %s namespace", exec_ns[i].name);
    /* Inside now: nothing of the host stays open while the container's paths are used. */
    for (size_t i = 0; i < N_EXEC_NS; i++)
        xclose(&g_nsfd[i]);
    if (g_tty)
        child_tty();
    child_exec();
}

/* ------------------------------------------------------------------------------------
 * Monitor: json-file log (Docker's format, one JSON object per line)
 * ---------------------------------------------------------------------------------- */

static int g_logfd = -1;

struct linebuf {
    const char *stream;
    size_t len;
    char buf[LOG_LINE_MAX];
};
static struct linebuf g_lb_out = { "stdout", 0, { 0 } }, g_lb_err = { "stderr", 0, { 0 } };

/* Length of the valid UTF-8 sequence at s, or 0 if it is invalid or cut short. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c == 0xE0)
        need = 3, lo = 0xA0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        need = 3;
    else if (c == 0xED)
        need = 3, hi = 0x9F; /* no UTF-16 surrogates */
    else if (c == 0xF0)
        need = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
        need = 4;
    else if (c == 0xF4)
        need = 4, hi = 0x8F;
    else
        return 0;
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return need;
}

/* The body of a JSON string as Go's encoding/json (Docker) writes it: quote, backslash
 * and control characters escaped, <>& as \u003c etc., U+2028/9 escaped, and invalid
 * UTF-8 as U+FFFD so every line is valid JSON. At most 6 output bytes per input byte. */
static size_t json_escape(char *out, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c >= 0x80) {
            size_t l = utf8_len(s + i, n - i);
            if (l == 0) {
                memcpy(out + o, "\\ufffd", 6), o += 6, i++;
            } else if (l == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) {
                memcpy(out + o, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6), o += 6, i += 3;
            } else {
                memcpy(out + o, s + i, l), o += l, i += l;
            }
            continue;
        }
        i++;
        if (c == '"' || c == '\\') {
            out[o++] = '\\', out[o++] = (char)c;
        } else if (c == '\n') {
            out[o++] = '\\', out[o++] = 'n';
        } else if (c == '\r') {
            out[o++] = '\\', out[o++] = 'r';
        } else if (c == '\t') {
            out[o++] = '\\', out[o++] = 't';
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            memcpy(out + o, "\\u00", 4), o += 4;
            out[o++] = hex[c >> 4], out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    return o;
}

static off_t g_log_size; /* of the current json.log, for rotation */

/* Docker's json-file rotation (moby's loggerutils): once the file has reached max-size, the
 * next entry goes to a new file; json.log.1 … .N-1 are the older ones (max-file N), the oldest
 * dropped; max-file 1 truncates. The fd number stays the same (dup2). */
static void log_rotate_if_full(void)
{
    if (g_log_max == 0 || g_logfd < 0 || (unsigned long long)g_log_size < g_log_max)
        return;
    if (g_log_files < 2) {
        if (ftruncate(g_logfd, 0) == 0)
            g_log_size = 0;
        return;
    }
    char from[PATH_MAX], to[PATH_MAX];
    for (unsigned long i = g_log_files - 1; i >= 1; i--) {
        if (i == 1)
            snprintf(from, sizeof from, "%s", cfg.log);
        else
            snprintf(from, sizeof from, "%s.%lu", cfg.log, i - 1);
        snprintf(to, sizeof to, "%s.%lu", cfg.log, i);
        if (rename(from, to) < 0 && errno != ENOENT)
            return; /* keep writing where we were */
    }
    int fd = open(cfg.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (fd < 0)
        return;
    dup3(fd, g_logfd, O_CLOEXEC);
    close(fd);
    g_log_size = 0;
}

static void log_emit(const char *stream, const char *data, size_t n)
{
    static char line[LOG_LINE_MAX * 6 + 160];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = 0;
    memcpy(line, "{\"log\":\"", 8), k = 8;
    k += json_escape(line + k, (const unsigned char *)data, n);
    k += (size_t)snprintf(line + k, sizeof line - k,
                          "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n",
                          stream, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                          tm.tm_min, tm.tm_sec, ts.tv_nsec);
    log_rotate_if_full();
    if (write_all(g_logfd, line, k) == 0) /* one write per entry; a full disk only loses log */
        g_log_size += (off_t)k;
}

/* Where to cut a full buffer without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *b, size_t len)
{
    size_t i = len;
    while (i > 0 && len - i < 3 && ((unsigned char)b[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 1) {
        unsigned char lead = (unsigned char)b[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (need > len - (i - 1))
            return i - 1;
    }
    return len;
}

/* One entry per line, the newline included; a line longer than LOG_LINE_MAX becomes
 * several entries without newline, like Docker's partial messages. */
static void log_feed(struct linebuf *lb, const char *p, size_t n)
{
    if (g_logfd < 0)
        return;
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) + 1 : n;
        size_t room = sizeof lb->buf - lb->len;
        int complete = nl && take <= room;
        if (take > room)
            take = room;
        memcpy(lb->buf + lb->len, p, take);
        lb->len += take, p += take, n -= take;
        if (complete) {
            log_emit(lb->stream, lb->buf, lb->len);
            lb->len = 0;
        } else if (lb->len == sizeof lb->buf) {
            size_t cut = utf8_cut(lb->buf, lb->len);
            log_emit(lb->stream, lb->buf, cut);
            memmove(lb->buf, lb->buf + cut, lb->len - cut);
            lb->len -= cut;
        }
    }
}

/* At EOF, the last line goes out without its (missing) newline. */
static void log_flush(struct linebuf *lb)
{
    if (g_logfd >= 0 && lb->len > 0)
        log_emit(lb->stream, lb->buf, lb->len);
    lb->len = 0;
}

/* ------------------------------------------------------------------------------------
 * Monitor: starting the child
 * ---------------------------------------------------------------------------------- */

static pid_t g_ppid0;            /* the CLI, when we started */
static int g_sigfd = -1;
static int g_master = -1;        /* tty: pty master */
static int g_term = -1;          /* foreground tty: the terminal whose size the pty follows */
static int g_out_r = -1, g_err_r = -1; /* no tty: read ends of the child's stdout/stderr */
static int g_in_w = -1;          /* detached -i: stdin stays open (and silent), like Docker */
static int64_t g_finished_ns;

static void xpipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0)
        die(EXIT_SHIM, "pipe: %s", strerror(errno));
}

static void prepare_child_io(int *sock_r)
{
    int p[2];
    if (g_tty) {
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
            die(EXIT_SHIM, "socketpair: %s", strerror(errno));
        *sock_r = p[0], kid.sock = p[1];
        if (!g_detach) {
            g_term = isatty(1) ? 1 : isatty(0) ? 0 : -1;
            kid.have_ws = g_term >= 0 && ioctl(g_term, TIOCGWINSZ, &kid.ws) == 0;
        }
        /* No terminal of our own (detached): the size the CLI saw, like Docker's
         * ConsoleSize. */
        if (!kid.have_ws && g_winsize.ws_row > 0) {
            kid.ws = g_winsize;
            kid.have_ws = 1;
        }
        return;
    }
    xpipe(p), g_out_r = p[0], kid.out = p[1];
    xpipe(p), g_err_r = p[0], kid.err = p[1];
    kid.own_out = 1;
    if (g_stdin && !g_detach) {
        kid.in = -1; /* the CLI's own stdin, passed straight through */
    } else if (g_stdin) {
        xpipe(p), kid.in = p[0], g_in_w = p[1], kid.own_in = 1;
        fcntl(g_in_w, F_SETFL, O_NONBLOCK); /* written by attach clients (attach_read) */
    } else if ((kid.in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        die(EXIT_SHIM, "open /dev/null: %s", strerror(errno));
    }
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* The kernel's struct clone_args (clone3), up to the cgroup field (Linux 5.7). */
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};


/* cgroup v2 (one directory): clone3(CLONE_INTO_CGROUP) creates the child right in its
 * cgroup, so it never migrates into it; a migration takes the global threadgroup rwsem
 * for writing, which waits for an RCU grace period (~12 ms, the longest part of a start).
 * Like fork(), the child goes on from here on a copy of our stack. -1: not possible here
 * (cgroup v1, a kernel before 5.7, …), then the caller clones as before. */
static pid_t clone_into_cgroup(unsigned long flags, int (*child)(void *))
{
    struct statfs sf;
    if (cfg.cgroup.n != 1 || statfs(cfg.cgroup.v[0], &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
        return -1;
    int fd = open(cfg.cgroup.v[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct clone3_args a;
    memset(&a, 0, sizeof a);
    a.flags = (flags & ~(unsigned long)CSIGNAL) | CLONE_INTO_CGROUP;
    a.exit_signal = SIGCHLD;
    a.cgroup = (uint64_t)fd;
    pid_t p = (pid_t)syscall(SYS_clone3, &a, sizeof a);
    if (p == 0) {
        /* The host's cgroup directory must not stay open in the child while it works on
         * the container's paths (/proc/self/fd/N/.. would lead there: CVE-2024-21626). */
        close(fd);
        g_cg_born_in = 1;
        _exit(child(NULL)); /* it never returns */
    }
    int e = errno;
    close(fd);
    errno = e;
    if (p > 0)
        g_cg_born_in = 1;
    return p;
}

/* ------------------------------------------------------------------------------------
 * devallow (cgroup v2): the devices the container may use, as an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to its cgroup — cgroup v2 has no devices.allow
 * file; this is what runc and crun do. Rules are devices.allow lines: TYPE MAJ:MIN ACCESS
 * (TYPE c, b or a; MAJ/MIN a number or *; ACCESS of r, w, m). Anything else is refused.
 * ---------------------------------------------------------------------------------- */

#define INSN(c, d, s_, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s_), .off = (o), .imm = (i) })

struct devrule {
    int type;          /* BPF_DEVCG_DEV_CHAR/BLOCK, 0 = any */
    long major, minor; /* -1 = any */
    int access;        /* BPF_DEVCG_ACC_* bits */
};

static int parse_devrule(const char *s, struct devrule *r)
{
    char t, acc[8], maj[16], min[16];
    if (sscanf(s, "%c %15[0-9*]:%15[0-9*] %7s", &t, maj, min, acc) != 4)
        return -1;
    r->type = t == 'c' ? BPF_DEVCG_DEV_CHAR : t == 'b' ? BPF_DEVCG_DEV_BLOCK : t == 'a' ? 0 : -1;
    r->major = strcmp(maj, "*") == 0 ? -1 : strtol(maj, NULL, 10);
    r->minor = strcmp(min, "*") == 0 ? -1 : strtol(min, NULL, 10);
    r->access = 0;
    for (const char *a = acc; *a; a++)
        r->access |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE
                   : *a == 'm' ? BPF_DEVCG_ACC_MKNOD : 0x100;
    return r->type < 0 || r->access & 0x100 || !r->access ? -1 : 0;
}

/* r2 = type, r3 = access, r4 = major, r5 = minor; per rule, every check that fails jumps
 * to the next rule, and a rule that matches returns 1 (allow); after the last, 0 (deny). */
static size_t device_program(struct bpf_insn *p, const struct devrule *rules, size_t n)
{
    size_t k = 0;
    p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0); /* access_type = access << 16 | type */
    p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
    p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, 3, 1, 0, 0);
    p[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
    p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, 4, 1, 4, 0);
    p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, 5, 1, 8, 0);
    const int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
    for (size_t i = 0; i < n; i++) {
        const struct devrule *r = &rules[i];
        size_t len = 2 + (r->type ? 1 : 0) + (r->access != all ? 3 : 0) + (r->major >= 0) + (r->minor >= 0);
        size_t start = k;
#define SKIP ((short)(start + len - k - 1)) /* from this jump to the next rule */
        if (r->type)
            p[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, SKIP, r->type), k++;
        if (r->access != all) { /* what is asked must be within what is allowed */
            p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 3, 0, 0);
            p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, ~r->access & all);
            p[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, 1, 0, SKIP, 0), k++;
        }
        if (r->major >= 0)
            p[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, SKIP, (int)r->major), k++;
        if (r->minor >= 0)
            p[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, SKIP, (int)r->minor), k++;
#undef SKIP
        p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
        p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }
    p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
    p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    return k;
}

/* Loads the program and attaches it to the (one, v2) cgroup, before the child is in it. */
static void attach_device_program(void)
{
    if (cfg.devallow.n == 0)
        return;
    if (cfg.cgroup.n != 1)
        die(EXIT_SHIM, "devallow needs exactly one (cgroup v2) cgroup directory");
    struct devrule *rules = xrealloc(NULL, cfg.devallow.n * sizeof *rules);
    for (size_t i = 0; i < cfg.devallow.n; i++)
        if (parse_devrule(cfg.devallow.v[i], &rules[i]) < 0)
            die(EXIT_SHIM, "config key devallow: invalid rule \"%.32s\"", cfg.devallow.v[i]);
    struct bpf_insn *prog = xrealloc(NULL, (8 + 9 * cfg.devallow.n) * sizeof *prog);
    size_t len = device_program(prog, rules, cfg.devallow.n);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)prog;
    a.insn_cnt = (uint32_t)len;
    a.license = (uint64_t)(uintptr_t)"Apache";
    int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (pfd < 0)
        die(EXIT_SHIM, "devices: load the cgroup device program: %s", strerror(errno));
    int cg = open(cfg.cgroup.v[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)cg;
    a.attach_bpf_fd = (uint32_t)pfd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (cg < 0 || syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
        die(EXIT_SHIM, "devices: attach the device program to %s: %s", cfg.cgroup.v[0], strerror(errno));
    close(cg);
    close(pfd); /* the cgroup keeps the program */
    free(prog);
    free(rules);
}

static void start_run_child(void)
{
    attach_device_program();
    xpipe(g_cgpipe);
    unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    /* --pid host, --uts host, --ipc host|container: (issue 13): the host's (or the other
     * container's, joined in the child) namespace instead of a new one. */
    if (parse_bool("pidhost", cfg.pidhost))
        flags &= ~(unsigned long)CLONE_NEWPID;
    if (cfg.pidns) {
        /* --pid container:NAME: the child is born in that PID namespace (setns decides where
         * our next child is born); we switch back right after, as exec does. The fds are
         * g_pidns_fds, which the child closes first (close_monitor_fds). */
        g_pidns_fds[0] = open(cfg.pidns, O_RDONLY | O_CLOEXEC);
        g_pidns_fds[1] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (g_pidns_fds[0] < 0 || g_pidns_fds[1] < 0 || setns(g_pidns_fds[0], CLONE_NEWPID) < 0)
            die(EXIT_SHIM, "join PID namespace %s: %s", cfg.pidns, strerror(errno));
        flags &= ~(unsigned long)CLONE_NEWPID;
    }
    if (parse_bool("utshost", cfg.utshost))
        flags &= ~(unsigned long)CLONE_NEWUTS;
    if (parse_bool("ipchost", cfg.ipchost) || cfg.ipcns)
        flags &= ~(unsigned long)CLONE_NEWIPC;
    if (cfg.netnsnew)
        flags |= CLONE_NEWNET;
    g_child = clone_into_cgroup(flags, run_child);
    if (g_child < 0) {
        /* clone() rather than fork(): the child must be born in the new PID namespace. It
         * gets a copy of our memory (no CLONE_VM), so the stack can be freed right after. */
        char *stack = xrealloc(NULL, CHILD_STACK);
        g_child = clone(run_child, stack + CHILD_STACK, (int)flags, NULL);
        int e = errno;
        free(stack);
        if (g_child < 0)
            die(EXIT_SHIM, "clone: %s", strerror(e));
    }
    if (cfg.pidns) { /* back, so that exitcmd and the probes are born on the host */
        setns(g_pidns_fds[1], CLONE_NEWPID);
        xclose(&g_pidns_fds[0]);
        xclose(&g_pidns_fds[1]);
    }
    xclose(&g_cgpipe[0]);
    if (cfg.netnsnew)
        monitor_mount_netns();
    if (g_waitgo) /* the CLI may be gone: then the read for "go" sees EOF */
        write_all(CONTROL_FD, "netns\n", 6);
    monitor_join_cgroups();
}

static int exec_child_main(void *unused)
{
    (void)unused;
    exec_child();
}

static void start_exec_child(void)
{
    char path[64];
    /* Open every namespace first: the container may stop between two opens. */
    for (size_t i = 0; i < N_EXEC_NS; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)g_target, exec_ns[i].name);
        g_nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (g_nsfd[i] < 0 && !(errno == ENOENT && exec_ns[i].type == CLONE_NEWCGROUP))
            die(EXIT_SHIM, "container process %d is not running (%s: %s)", (int)g_target, path,
                strerror(errno));
    }
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)g_target);
    int target_pidns = g_pidns_fds[0] = open(path, O_RDONLY | O_CLOEXEC);
    int own_pidns = g_pidns_fds[1] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (target_pidns < 0 || own_pidns < 0)
        die(EXIT_SHIM, "container process %d is not running (%s: %s)", (int)g_target, path,
            strerror(errno));
    /* setns(PID) only decides where our next child is born: the monitor itself stays in
     * the host's namespaces (its files are host paths) while the child is inside. */
    if (setns(target_pidns, CLONE_NEWPID) < 0)
        die(EXIT_SHIM, "join the container's pid namespace: %s", strerror(errno));
    g_child = clone_into_cgroup(SIGCHLD, exec_child_main);
    if (g_child < 0)
        g_child = fork();
    if (g_child == 0)
        exec_child();
    int e = errno;
    /* Back, so that exitcmd is born in the host's PID namespace. */
    setns(own_pidns, CLONE_NEWPID);
    xclose(&g_pidns_fds[0]);
    xclose(&g_pidns_fds[1]);
    for (size_t i = 0; i < N_EXEC_NS; i++)
        xclose(&g_nsfd[i]);
    if (g_child < 0)
        die(EXIT_SHIM, "fork into container process %d: %s", (int)g_target, strerror(e));
}

/* The child's first step: the monitor's own fds (log, signalfd, its pipe ends, the host's
 * PID namespace in exec) are closed, so none is reachable while it sets the container up. */
static void close_monitor_fds(void)
{
    xclose(&g_logfd);
    xclose(&g_sigfd);
    xclose(&g_out_r);
    xclose(&g_err_r);
    xclose(&g_in_w);
    xclose(&g_sock_r);
    xclose(&g_errpipe_r);
    xclose(&g_pidns_fds[0]);
    xclose(&g_pidns_fds[1]);
}

/* The monitor keeps only its ends; otherwise EOF would never come. */
static void close_child_side(void)
{
    xclose(&kid.in);
    xclose(&kid.out);
    xclose(&kid.err);
    xclose(&kid.sock);
    xclose(&g_errpipe);
}

static int recv_fd(int sock)
{
    char c;
    struct iovec iov = { .iov_base = &c, .iov_len = 1 };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof u.buf };
    ssize_t r;
    do
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return -1; /* the child failed before it got that far */
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
        cm->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    int fd, n;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    if (ioctl(fd, TIOCGPTN, &n) < 0) { /* relay through nothing but a pty master */
        close(fd);
        return -1;
    }
    return fd;
}

/* 0 once the child has exec'd; otherwise -1 with Docker's code and the message. */
static int wait_for_exec(int sock_r, int errpipe_r, int *code, char *msg, size_t msgsz)
{
    if (g_tty) {
        g_master = recv_fd(sock_r);
        close(sock_r);
    }
    char buf[1280];
    size_t n = 0;
    for (ssize_t r; n < sizeof buf - 1 && (r = read_retry(errpipe_r, buf + n, sizeof buf - 1 - n)) > 0;)
        n += (size_t)r;
    close(errpipe_r);
    buf[n] = '\0';
    if (n == 0 && (!g_tty || g_master >= 0))
        return 0;
    *code = EXIT_SHIM;
    if (n == 0) {
        snprintf(msg, msgsz, "container setup: no pty came back from the container");
        return -1;
    }
    char *end;
    long c = strtol(buf, &end, 10);
    if (end != buf && c > 0 && c < 256)
        *code = (int)c;
    snprintf(msg, msgsz, "%s", *end == ' ' ? end + 1 : end);
    return -1;
}

/* ------------------------------------------------------------------------------------
 * Monitor: watching the running child
 * ---------------------------------------------------------------------------------- */

struct source {
    int fd;              /* child's stdout/stderr pipe, or the pty master */
    int dst;             /* our fd to copy to (foreground), or -1 */
    struct linebuf *lb;
};

static char g_inbuf[4096]; /* tty: stdin bytes not yet accepted by the pty */
static size_t g_in_len, g_in_off;
static int g_in_fd = -1;

static void attach_output(int stream, const char *buf, size_t n);

/* Read once. 1: data, 0: source ended (EOF, or EIO: no pty slave left), -1: nothing now. */
static int pump(struct source *src)
{
    static char buf[32768];
    ssize_t r = read_retry(src->fd, buf, sizeof buf);
    if (r < 0 && errno == EAGAIN)
        return -1;
    if (r <= 0) {
        if (src->fd == g_master)
            g_master = -1;
        xclose(&src->fd);
        return 0;
    }
    /* If the CLI stopped reading (EPIPE), keep the container going and keep logging. */
    if (src->dst >= 0 && !g_unattached && write_all(src->dst, buf, (size_t)r) < 0)
        src->dst = -1;
    log_feed(src->lb, buf, (size_t)r);
    attach_output(src->lb == &g_lb_err ? 2 : 1, buf, (size_t)r);
    return 1;
}

/* After the child ended: what it wrote is already in the pipe or pty, so read until
 * there is nothing (EAGAIN) rather than until EOF, which a leftover process holding
 * the pipe (exec mode) could delay forever. */
static void drain(struct source *src)
{
    if (src->fd >= 0) {
        fcntl(src->fd, F_SETFL, fcntl(src->fd, F_GETFL) | O_NONBLOCK);
        while (src->fd >= 0 && pump(src) == 1)
            ;
        if (src->fd == g_master)
            g_master = -1;
        xclose(&src->fd);
    }
    log_flush(src->lb); /* also when the source had already ended in the loop */
}

static void read_stdin(void)
{
    ssize_t r = read_retry(g_in_fd, g_inbuf, sizeof g_inbuf);
    if (r < 0 && errno == EAGAIN)
        return;
    if (r <= 0) {
        g_in_fd = -1; /* EOF: a pty cannot be half-closed, so just stop reading */
        return;
    }
    g_in_len = (size_t)r, g_in_off = 0;
}

/* Where stdin bytes go: the pty (tty), or the pipe a detached -i container reads (attach). */
static int in_dst(void)
{
    return g_tty ? g_master : g_in_w;
}

static int g_in_close; /* StdinOnce: close the container's stdin once the buffer is written */

static void write_input(void)
{
    ssize_t w = write(in_dst(), g_inbuf + g_in_off, g_in_len - g_in_off);
    if (w < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (w < 0) {
        g_in_len = 0; /* the pty is going away (or the container closed its stdin) */
    } else {
        g_in_off += (size_t)w;
        if (g_in_off == g_in_len)
            g_in_len = 0;
    }
    if (g_in_len == 0 && g_in_close)
        xclose(&g_in_w);
}

static void follow_window_size(void)
{
    struct winsize ws;
    if (g_term >= 0 && g_master >= 0 && ioctl(g_term, TIOCGWINSZ, &ws) == 0)
        ioctl(g_master, TIOCSWINSZ, &ws);
}

/* The foreground CLI passes on every signal it gets (the sig-proxy of a `kill CLI_PID`); but
 * a terminal's ^C, or a kill of the process group, reaches both of us: the CLI's copy, coming
 * from our parent right after the one we got directly, is the same signal. */
static int duplicate_of_terminal(const struct signalfd_siginfo *si)
{
    static int64_t direct[65];
    int sig = (int)si->ssi_signo;
    if (sig <= 0 || sig > 64 || g_detach)
        return 0;
    if ((pid_t)si->ssi_pid != g_ppid0) {
        direct[sig] = mono_ms();
        return 0;
    }
    return direct[sig] && mono_ms() - direct[sig] < 500;
}

/* 1 when the child has been reaped (status filled in). */
static int handle_signals(int *status)
{
    struct signalfd_siginfo si;
    while (read_retry(g_sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
            continue;
        if (sig == SIGWINCH)
            follow_window_size();
        else if (sig == SIGHUP && g_detach)
            continue; /* detached: there is no terminal to hang up */
        else if (!g_sigproxy && !g_detach) {
            /* --sig-proxy=false: the CLI detaches (it dies of the signal, as Docker's); the
             * container goes on, watched by us, its output only logged. */
            g_unattached = 1;
            g_in_fd = -1;
            restore_terminal();
        } else if (!duplicate_of_terminal(&si))
            kill(g_child, sig); /* Docker's sig-proxy. Not yet reaped, so the PID is ours. */
    }
    pid_t r;
    do
        r = waitpid(g_child, status, WNOHANG);
    while (r < 0 && errno == EINTR);
    return r == g_child;
}

static void enter_raw_mode(void)
{
    /* Like docker run -it: only when our stdin goes to the container and is a tty. */
    if (!g_tty || !g_stdin || g_detach || !isatty(0) || tcgetattr(0, &g_saved_tio) < 0)
        return;
    struct termios raw = g_saved_tio;
    cfmakeraw(&raw);
    if (tcsetattr(0, TCSADRAIN, &raw) == 0)
        g_tio_saved = 1;
}

/* ------------------------------------------------------------------------------------
 * Health checks (--health-*, the image's HEALTHCHECK): moby's daemon/health.go, in the
 * monitor. Every interval after the last probe ended, it runs `minidock-shim exec
 * healthconfig PID` (this very sealed copy), whose output (stdout and stderr, first 4 KiB)
 * and exit code make one result; healthfile holds State.Health as Docker's JSON.
 * ---------------------------------------------------------------------------------- */


#define HEALTH_LOG_MAX 5      /* moby's maxLogEntries */
#define HEALTH_OUTPUT_MAX 4096 /* moby's maxOutputLen */

enum health_status { H_STARTING, H_HEALTHY, H_UNHEALTHY };
static const char *const health_names[] = { "starting", "healthy", "unhealthy" };
static struct health_result {
    int64_t start_ns, end_ns;
    int code;
    size_t len;
    char out[HEALTH_OUTPUT_MAX];
} g_hlog[HEALTH_LOG_MAX];
static size_t g_hlog_n;
static enum health_status g_hstatus;
static unsigned long g_hstreak;
static pid_t g_probe = -1, g_probe_stale = -1; /* running probe; one given up on (timeout) */
static int g_probe_out = -1;
static int64_t g_probe_next_ms, g_probe_deadline_ms; /* monotonic */
static struct health_result g_probe_res;
static int g_probe_done; /* reaped; the pipe may still have output */

/* Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped. */
static size_t rfc3339(char *buf, size_t cap, int64_t ns)
{
    time_t sec = (time_t)(ns / 1000000000);
    long frac = (long)(ns % 1000000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t k = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac) {
        char f[16];
        snprintf(f, sizeof f, ".%09ld", frac);
        size_t l = strlen(f);
        while (f[l - 1] == '0')
            f[--l] = '\0';
        k += (size_t)snprintf(buf + k, cap - k, "%s", f);
    }
    k += (size_t)snprintf(buf + k, cap - k, "Z");
    return k;
}

static void health_write(void)
{
    static char json[HEALTH_LOG_MAX * (HEALTH_OUTPUT_MAX * 6 + 160) + 128];
    size_t k = (size_t)snprintf(json, sizeof json, "{\"Status\":\"%s\",\"FailingStreak\":%lu,\"Log\":[",
                                health_names[g_hstatus], g_hstreak);
    for (size_t i = 0; i < g_hlog_n; i++) {
        struct health_result *r = &g_hlog[i];
        k += (size_t)snprintf(json + k, sizeof json - k, "%s{\"Start\":\"", i ? "," : "");
        k += rfc3339(json + k, sizeof json - k, r->start_ns);
        k += (size_t)snprintf(json + k, sizeof json - k, "\",\"End\":\"");
        k += rfc3339(json + k, sizeof json - k, r->end_ns);
        k += (size_t)snprintf(json + k, sizeof json - k, "\",\"ExitCode\":%d,\"Output\":\"", r->code);
        k += json_escape(json + k, (const unsigned char *)r->out, r->len);
        k += (size_t)snprintf(json + k, sizeof json - k, "\"}");
    }
    snprintf(json + k, sizeof json - k, "]}\n");
    write_file_atomic(cfg.healthfile, json);
}

/* moby's handleProbeResult. */
static void health_result(struct health_result *r)
{
    if (g_hlog_n == HEALTH_LOG_MAX)
        memmove(g_hlog, g_hlog + 1, (HEALTH_LOG_MAX - 1) * sizeof *g_hlog), g_hlog_n--;
    g_hlog[g_hlog_n++] = *r;
    if (r->code == 0) {
        g_hstreak = 0;
        g_hstatus = H_HEALTHY;
    } else if (!(g_hstatus == H_STARTING && (r->start_ns - g_started_ns) / 1000000 < g_health_start_ms)) {
        /* (while starting, a failure within the start period does not count) */
        if (++g_hstreak >= g_health_retries)
            g_hstatus = H_UNHEALTHY;
    }
    health_write();
}

/* moby's getInterval (Docker 25): StartInterval while still starting within the start period,
 * else Interval. healthstartinterval absent: Interval throughout (Docker before 25). */
static int64_t health_next_interval(void)
{
    if (g_health_start_interval_ms > 0 && g_hstatus == H_STARTING &&
        (now_ns() - g_started_ns) / 1000000 < g_health_start_ms)
        return g_health_start_interval_ms;
    return g_health_interval_ms;
}

static void health_start(void)
{
    if (!g_health)
        return;
    g_probe_next_ms = mono_ms() + health_next_interval();
    health_write(); /* "starting", no log yet */
}

static void health_spawn(void)
{
    if (g_probe_stale > 0) { /* the one that timed out is still there: no more patience */
        kill(g_probe_stale, SIGKILL);
        waitpid(g_probe_stale, NULL, 0);
        g_probe_stale = -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    memset(&g_probe_res, 0, sizeof g_probe_res);
    g_probe_res.start_ns = now_ns();
    g_probe_done = 0;
    pid_t c = fork();
    if (c == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
            _exit(EXIT_SHIM);
        close_range(3, ~0U, 0);
        reset_signals();
        char pid[16];
        snprintf(pid, sizeof pid, "%d", (int)g_child);
        execl("/proc/self/exe", "minidock-shim", "exec", cfg.healthconfig, pid, (char *)NULL);
        _exit(EXIT_SHIM);
    }
    close(p[1]);
    if (c < 0) {
        close(p[0]);
        return;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    g_probe = c, g_probe_out = p[0];
    g_probe_deadline_ms = mono_ms() + g_health_timeout_ms;
}

/* Reads what the probe printed; EOF or nothing more once it was reaped: the result. */
static void health_read(void)
{
    char buf[4096];
    for (;;) {
        ssize_t r = read(g_probe_out, buf, sizeof buf);
        if (r > 0) {
            size_t room = HEALTH_OUTPUT_MAX - g_probe_res.len, n = (size_t)r < room ? (size_t)r : room;
            memcpy(g_probe_res.out + g_probe_res.len, buf, n);
            g_probe_res.len += n;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN && !g_probe_done)
            return;
        break; /* EOF, or drained after the probe ended */
    }
    if (!g_probe_done)
        return; /* EOF first: the exit status comes with SIGCHLD */
    xclose(&g_probe_out);
    g_probe = -1;
    g_probe_res.end_ns = now_ns();
    health_result(&g_probe_res);
    g_probe_next_ms = mono_ms() + health_next_interval();
}

static void health_reap(void)
{
    int status;
    if (g_probe_stale > 0 && waitpid(g_probe_stale, &status, WNOHANG) == g_probe_stale)
        g_probe_stale = -1;
    if (g_probe > 0 && !g_probe_done && waitpid(g_probe, &status, WNOHANG) == g_probe) {
        g_probe_done = 1;
        g_probe_res.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        health_read();
    }
}

/* Timers: start a probe when due; give up on one past its timeout (moby: exit code -1). */
static void health_tick(void)
{
    int64_t now = mono_ms();
    if (g_probe > 0 && now >= g_probe_deadline_ms) {
        kill(g_probe, SIGTERM); /* the exec monitor passes it to the probe's process */
        g_probe_stale = g_probe_done ? -1 : g_probe;
        xclose(&g_probe_out);
        g_probe = -1;
        g_probe_res.end_ns = now_ns();
        g_probe_res.code = -1;
        char msg[96], d[48];
        go_duration(d, sizeof d, g_health_timeout_ms);
        g_probe_res.len = (size_t)snprintf(msg, sizeof msg, "Health check exceeded timeout (%s)", d);
        memcpy(g_probe_res.out, msg, g_probe_res.len);
        health_result(&g_probe_res);
        g_probe_next_ms = now + health_next_interval();
    } else if (g_probe < 0 && now >= g_probe_next_ms) {
        health_spawn();
    }
}

/* Go's time.Duration.String for whole milliseconds: 100ms, 1.5s, 1m30s, 2h0m0s. */
static void go_duration(char *buf, size_t cap, int64_t ms)
{
    if (ms < 1000) {
        snprintf(buf, cap, "%lldms", (long long)ms);
        return;
    }
    int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
    char sec[24];
    if (frac) {
        snprintf(sec, sizeof sec, "%lld.%03lld", (long long)s, (long long)frac);
        size_t l = strlen(sec);
        while (sec[l - 1] == '0')
            sec[--l] = '\0';
    } else
        snprintf(sec, sizeof sec, "%lld", (long long)s);
    if (h)
        snprintf(buf, cap, "%lldh%lldm%ss", (long long)h, (long long)m, sec);
    else if (m)
        snprintf(buf, cap, "%lldm%ss", (long long)m, sec);
    else
        snprintf(buf, cap, "%ss", sec);
}

/* poll's timeout until the next health timer, or -1. */
static int health_wait_ms(void)
{
    if (!g_health)
        return -1;
    int64_t left = (g_probe > 0 ? g_probe_deadline_ms : g_probe_next_ms) - mono_ms();
    return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}


/* ------------------------------------------------------------------------------------
 * Attaching (`minidock attach`, `start -a`): a unix socket (attachsock) on which any number
 * of clients (up to ATTACH_MAX) get the container's output as it comes and may send it
 * input, as the clients of Docker's daemon do. Frames both ways: an 8-byte header
 * [kind, 0, 0, 0, length (u32, big-endian)] and the payload (Docker's stdcopy layout).
 * Client to us: ATT_HELLO (first; 1 byte: ATT_IN|ATT_OUT|ATT_ERR), ATT_STDIN (bytes), ATT_EOF
 * (its stdin ended), ATT_RESIZE (rows, cols: u16 each, big-endian). Us to the client:
 * 1 stdout, 2 stderr (a tty is stdout), ATT_CLOSED (its output ends: its stdin ended and
 * the container is not StdinOnce, as Docker's daemon closes such an attach), ATT_EXIT (the
 * code, i32) when the container has ended and its exit file is written. docs/shim.md.
 * ---------------------------------------------------------------------------------- */

#define ATTACH_MAX 16
enum { ATT_IN = 1, ATT_OUT = 2, ATT_ERR = 4 };
enum { ATT_STDIN = 0, ATT_EOF = 1, ATT_RESIZE = 2, ATT_HELLO = 3 };
enum { ATT_CLOSED = 16, ATT_EXIT = 17 };

static struct attach_client {
    int fd;
    int hello;              /* its hello came: mask is valid */
    unsigned mask;
    unsigned char hdr[8];
    size_t hdr_len;
    int kind;
    uint32_t left;          /* payload bytes still to read */
    unsigned char small[4]; /* hello, resize payloads */
    size_t small_len;
} g_att[ATTACH_MAX];
static int g_listen = -1, g_attach_dir = -1;
static const char *g_attach_name;

/* Binds attachsock through /proc/self/fd/DIR/NAME: a state root's path may be longer than
 * sun_path allows. Created once the container runs, so its process never has it. */
static void attach_listen(void)
{
    for (size_t i = 0; i < ATTACH_MAX; i++)
        g_att[i].fd = -1;
    if (!cfg.attachsock)
        return;
    char *slash = strrchr(cfg.attachsock, '/');
    g_attach_name = slash + 1;
    *slash = '\0';
    g_attach_dir = open(*cfg.attachsock ? cfg.attachsock : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    *slash = '/';
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (g_attach_dir < 0 || strlen(g_attach_name) > 64)
        goto fail;
    snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", g_attach_dir, g_attach_name);
    unlinkat(g_attach_dir, g_attach_name, 0); /* a socket left by a run that was killed */
    g_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(077);
    int ok = g_listen >= 0 && bind(g_listen, (struct sockaddr *)&sa, sizeof sa) == 0;
    umask(old);
    if (ok && listen(g_listen, ATTACH_MAX) == 0)
        return;
fail: /* the container runs anyway; only attaching is not possible */
    dprintf(2, "minidock-shim: attach socket %s: %s\n", cfg.attachsock, strerror(errno));
    xclose(&g_listen);
}

static void attach_drop(struct attach_client *c)
{
    xclose(&c->fd);
    c->hello = 0;
}

static int send_frame(int fd, int kind, const void *buf, size_t n)
{
    unsigned char h[8] = { (unsigned char)kind, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n };
    struct iovec iov[2] = { { h, sizeof h }, { (void *)buf, n } };
    size_t total = sizeof h + n;
    while (total > 0) {
        /* blocking, with SO_SNDTIMEO: a client that stops reading for 5 s is dropped */
        struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        total -= (size_t)w;
        for (int i = 0; i < 2 && w > 0; i++) {
            size_t k = (size_t)w < iov[i].iov_len ? (size_t)w : iov[i].iov_len;
            iov[i].iov_base = (char *)iov[i].iov_base + k;
            iov[i].iov_len -= k;
            w -= (ssize_t)k;
        }
    }
    return 0;
}

static void attach_output(int stream, const char *buf, size_t n)
{
    unsigned want = stream == 2 ? ATT_ERR : ATT_OUT;
    for (size_t i = 0; i < ATTACH_MAX; i++) {
        struct attach_client *c = &g_att[i];
        if (c->fd >= 0 && c->hello && (c->mask & want) && send_frame(c->fd, stream, buf, n) < 0)
            attach_drop(c);
    }
}

static void attach_accept(void)
{
    for (;;) {
        int fd = accept4(g_listen, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            return;
        size_t i = 0;
        while (i < ATTACH_MAX && g_att[i].fd >= 0)
            i++;
        if (i == ATTACH_MAX) { /* the client sees the end without an exit frame */
            close(fd);
            continue;
        }
        struct timeval tv = { .tv_sec = 5 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        memset(&g_att[i], 0, sizeof g_att[i]);
        g_att[i].fd = fd;
    }
}

/* A whole frame has been read (payloads of hello and resize are in c->small). */
static void attach_frame_done(struct attach_client *c)
{
    if (c->kind == ATT_HELLO) {
        c->mask = c->small[0] & (ATT_IN | ATT_OUT | ATT_ERR);
        c->hello = 1;
    } else if (c->kind == ATT_RESIZE && g_tty && g_master >= 0) {
        struct winsize ws = { .ws_row = (unsigned short)(c->small[0] << 8 | c->small[1]),
                              .ws_col = (unsigned short)(c->small[2] << 8 | c->small[3]) };
        ioctl(g_master, TIOCSWINSZ, &ws);
    } else if (c->kind == ATT_EOF && (c->mask & ATT_IN)) {
        /* Docker's daemon: with StdinOnce (and no tty) the container's stdin is closed;
         * otherwise this attach's output ends (its exit code still comes). */
        if (g_stdin_once && !g_tty) {
            g_in_close = 1;
            if (g_in_len == 0)
                xclose(&g_in_w);
        } else {
            c->mask &= ~(unsigned)(ATT_OUT | ATT_ERR);
            if (send_frame(c->fd, ATT_CLOSED, "", 0) < 0)
                attach_drop(c);
        }
    }
}

/* Reads what the client sent (called on POLLIN while the input buffer is empty). */
static void attach_read(struct attach_client *c)
{
    ssize_t r;
    if (c->hdr_len < 8) {
        r = read_retry(c->fd, c->hdr + c->hdr_len, 8 - c->hdr_len);
        if (r <= 0)
            return attach_drop(c); /* gone (a detach): nothing happens to the container */
        if ((c->hdr_len += (size_t)r) < 8)
            return;
        c->kind = c->hdr[0];
        c->left = (uint32_t)c->hdr[4] << 24 | (uint32_t)c->hdr[5] << 16 | (uint32_t)c->hdr[6] << 8 | c->hdr[7];
        c->small_len = 0;
        uint32_t need = c->kind == ATT_HELLO ? 1 : c->kind == ATT_RESIZE ? 4 : c->kind == ATT_EOF ? 0 : c->left;
        if (c->kind > ATT_HELLO || c->left != need || c->hello != (c->kind != ATT_HELLO))
            return attach_drop(c); /* not this protocol */
    } else if (c->kind == ATT_STDIN) {
        size_t want = c->left < sizeof g_inbuf ? c->left : sizeof g_inbuf;
        r = read_retry(c->fd, g_inbuf, want);
        if (r <= 0)
            return attach_drop(c);
        c->left -= (uint32_t)r;
        /* kept only where stdin goes: a container without -i (or a foreground one whose
         * stdin is the CLI's own) has none to write to */
        if ((c->mask & ATT_IN) && in_dst() >= 0 && !g_in_close)
            g_in_len = (size_t)r, g_in_off = 0;
    } else {
        r = read_retry(c->fd, c->small + c->small_len, c->left);
        if (r <= 0)
            return attach_drop(c);
        c->small_len += (size_t)r;
        c->left -= (uint32_t)r;
    }
    if (c->left == 0) {
        c->hdr_len = 0;
        if (c->kind != ATT_STDIN)
            attach_frame_done(c);
    }
}

/* Adds the listening socket and the clients to a poll set; returns the new count. */
static int attach_poll_add(struct pollfd *pfd, int n, int *i_listen, int *i_att)
{
    *i_listen = -1;
    if (g_listen >= 0)
        *i_listen = n, pfd[n++] = (struct pollfd){ .fd = g_listen, .events = POLLIN };
    for (size_t i = 0; i < ATTACH_MAX; i++) {
        i_att[i] = -1;
        if (g_att[i].fd >= 0 && g_in_len == 0) /* stdin already waiting: read no more for now */
            i_att[i] = n, pfd[n++] = (struct pollfd){ .fd = g_att[i].fd, .events = POLLIN };
    }
    return n;
}

static void attach_poll_done(const struct pollfd *pfd, int i_listen, const int *i_att)
{
    for (size_t i = 0; i < ATTACH_MAX; i++)
        if (i_att[i] >= 0 && pfd[i_att[i]].revents && g_att[i].fd >= 0)
            attach_read(&g_att[i]);
    if (i_listen >= 0 && pfd[i_listen].revents)
        attach_accept();
}

static int attach_any_hello(void)
{
    for (size_t i = 0; i < ATTACH_MAX; i++)
        if (g_att[i].fd >= 0 && g_att[i].hello)
            return 1;
    return 0;
}

/* attachwait (start -a): output waits in the pipe or pty until the CLI that started the
 * container has attached (or attachwait ms have passed), so it sees the first byte. */
static void attach_wait_first(void)
{
    int64_t deadline = mono_ms() + g_attach_wait_ms;
    while (g_listen >= 0 && !attach_any_hello()) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return;
        struct pollfd pfd[1 + ATTACH_MAX];
        int i_listen, i_att[ATTACH_MAX];
        int n = attach_poll_add(pfd, 0, &i_listen, i_att);
        if (poll(pfd, (nfds_t)n, (int)left) < 0 && errno != EINTR)
            return;
        attach_poll_done(pfd, i_listen, i_att);
    }
}

/* The container has ended and its exit file is written: each client gets the code. */
static void attach_end(int code)
{
    if (g_listen < 0)
        return;
    unlinkat(g_attach_dir, g_attach_name, 0);
    xclose(&g_listen);
    unsigned char c[4] = { (unsigned char)((uint32_t)code >> 24), (unsigned char)((uint32_t)code >> 16),
                           (unsigned char)((uint32_t)code >> 8), (unsigned char)code };
    for (size_t i = 0; i < ATTACH_MAX; i++)
        if (g_att[i].fd >= 0) {
            if (g_att[i].hello)
                send_frame(g_att[i].fd, ATT_EXIT, c, sizeof c);
            attach_drop(&g_att[i]);
        }
    xclose(&g_attach_dir);
}

/* Relay until the child ends; returns its exit code (128+signal if killed). */
static int relay(void)
{
    struct source src[2] = { { -1, -1, &g_lb_out }, { -1, -1, &g_lb_err } };
    if (g_tty) {
        src[0].fd = g_master, src[0].dst = g_detach || !g_attach_out ? -1 : 1; /* a tty is "stdout" */
        g_in_fd = g_stdin && !g_detach ? 0 : -1;
    } else {
        src[0].fd = g_out_r, src[0].dst = g_detach || !g_attach_out ? -1 : 1;
        src[1].fd = g_err_r, src[1].dst = g_detach || !g_attach_err ? -1 : 2;
    }
    int status = 0, reaped = 0;
    if (g_attach_wait_ms)
        attach_wait_first();
    while (!reaped) {
        struct pollfd pfd[7 + ATTACH_MAX];
        int n = 0, i_src[2] = { -1, -1 }, i_in = -1, i_mw = -1, i_listen, i_att[ATTACH_MAX];
        if (in_dst() < 0)
            g_in_len = 0; /* nowhere to go any more */
        pfd[n++] = (struct pollfd){ .fd = g_sigfd, .events = POLLIN };
        for (int i = 0; i < 2; i++)
            if (src[i].fd >= 0)
                i_src[i] = n, pfd[n++] = (struct pollfd){ .fd = src[i].fd, .events = POLLIN };
        if (g_in_fd >= 0 && g_in_len == 0 && g_master >= 0)
            i_in = n, pfd[n++] = (struct pollfd){ .fd = g_in_fd, .events = POLLIN };
        if (g_in_len > 0 && in_dst() >= 0)
            i_mw = n, pfd[n++] = (struct pollfd){ .fd = in_dst(), .events = POLLOUT };
        n = attach_poll_add(pfd, n, &i_listen, i_att);
        int i_probe = -1;
        if (g_probe_out >= 0)
            i_probe = n, pfd[n++] = (struct pollfd){ .fd = g_probe_out, .events = POLLIN };
        if (poll(pfd, (nfds_t)n, health_wait_ms()) < 0) {
            if (errno == EINTR || errno == ENOMEM)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++)
            if (i_src[i] >= 0 && pfd[i_src[i]].revents)
                pump(&src[i]);
        if (i_in >= 0 && pfd[i_in].revents)
            read_stdin();
        if (i_mw >= 0 && pfd[i_mw].revents && in_dst() >= 0)
            write_input();
        attach_poll_done(pfd, i_listen, i_att);
        if (pfd[0].revents & POLLIN)
            reaped = handle_signals(&status);
        if (g_health && !reaped) {
            if (i_probe >= 0 && pfd[i_probe].revents && g_probe_out >= 0)
                health_read();
            health_reap();
            health_tick();
        }
    }
    if (!reaped)
        while (waitpid(g_child, &status, 0) < 0 && errno == EINTR)
            ;
    g_finished_ns = now_ns();
    drain(&src[0]);
    drain(&src[1]);
    xclose(&g_in_w);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return EXIT_SHIM;
}

/* Detached from us: its own session, stdio on /dev/null, not waited for. */
/* Field 22 of /proc/PID/stat (the start time, in ticks since boot): 0 when there is no such
 * live process (a zombie counts as gone). pid + start time name one process for good. */
static unsigned long long start_ticks(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
        return 0;
    p += 2;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

/* `minidock stop` (and `rm -f`) claims the cleanup before it signals: it runs the cleanup the
 * moment it sees the exit file, so the exit command, a whole Node process, would only find it
 * done (and slow down whatever the user runs next). The claim file holds the claimer's
 * "PID STARTTICKS"; the claimer rewrites it "done" once it has cleaned up, or removes the whole
 * container (rm -f). While it lives and has not said so, we wait (milliseconds); a claimer that
 * died first leaves the cleanup to the exit command. 1: the cleanup is done, skip the command. */
static int cleanup_claimed(void)
{
    if (!cfg.claimfile)
        return 0;
    for (int i = 0; i < 60000; i++) { /* ~2 min at 2 ms: then run the command anyway */
        char buf[64];
        int fd = open(cfg.claimfile, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            return i > 0 && errno == ENOENT; /* gone since we saw it: removed with the container */
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[n > 0 ? n : 0] = 0;
        if (strncmp(buf, "done", 4) == 0) {
            unlink(cfg.claimfile); /* used: the next run's exit is not claimed by it */
            return 1;
        }
        char *end;
        long pid = strtol(buf, &end, 10);
        unsigned long long ticks = strtoull(end, NULL, 10);
        if (pid <= 0 || ticks == 0 || start_ticks(pid) != ticks)
            return 0;
        usleep(2000);
    }
    return 0;
}

static void spawn_exitcmd(void)
{
    pid_t p = fork();
    if (p != 0)
        return; /* the monitor exits right away and init adopts the command */
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    reset_signals();
    execvp(cfg.exitcmd.v[0], cfg.exitcmd.v);
    _exit(127);
}

/* ------------------------------------------------------------------------------------
 * Restart policies (--restart): moby's restartmanager, without a daemon. The decision and
 * the backoff are made here; the restart itself is minidock's whole start path again
 * (restartcmd), as Docker's daemon calls containerStart again. docs/shim.md.
 * ---------------------------------------------------------------------------------- */


#define BACKOFF_FIRST_MS 100UL
#define BACKOFF_MAX_MS   60000UL

/* 1 when the container is to be restarted; *timeout_ms is the backoff before it. */
static int should_restart(int code, unsigned long *timeout_ms)
{
    if (g_restart == RESTART_NO)
        return 0;
    /* stop, or kill with the stop signal (Docker's ExitOnNext / HasBeenManuallyStopped) */
    if (access(cfg.norestartfile, F_OK) == 0)
        return 0;
    unsigned long t = g_restart_timeout_ms;
    if (g_finished_ns - g_started_ns >= 10LL * 1000000000LL)
        t = 0; /* it ran for 10 s or more: the backoff starts again */
    if (t == 0)
        t = BACKOFF_FIRST_MS;
    else if (t < BACKOFF_MAX_MS)
        t *= 2;
    if (t > BACKOFF_MAX_MS)
        t = BACKOFF_MAX_MS;
    *timeout_ms = t;
    if (g_restart == RESTART_ON_FAILURE)
        return code != 0 && (g_restart_max == 0 || g_restart_count < g_restart_max);
    return 1; /* always, unless-stopped (a manual stop is the norestartfile, above) */
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The restarter: a child in its own session that outlives us, waits until the monitor has
 * written the restart and exit files (EOF on *go_w), sleeps the backoff, and execs
 * restartcmd. A signal (stop, rm -f) or the norestartfile ends it without a restart.
 * Returns its PID, or -1. */
static pid_t spawn_restarter(unsigned long timeout_ms, int *go_w)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid != 0) {
        close(p[0]);
        if (pid < 0)
            close(p[1]);
        else
            *go_w = p[1];
        return pid;
    }
    setsid();
    int a = fcntl(p[0], F_DUPFD, 10), b = fcntl(g_sigfd, F_DUPFD, 10); /* out of 3 and 4's way */
    if (a < 0 || b < 0 || dup2(a, 3) < 0 || dup2(b, 4) < 0)
        _exit(EXIT_SHIM);
    close_range(5, ~0U, 0);
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    char c;
    while (read(3, &c, 1) < 0 && errno == EINTR)
        ;
    close(3);
    int64_t deadline = mono_ms() + (int64_t)timeout_ms;
    for (int64_t left; (left = deadline - mono_ms()) > 0;) {
        struct pollfd pfd = { .fd = 4, .events = POLLIN };
        if (poll(&pfd, 1, (int)left) > 0) {
            struct signalfd_siginfo si;
            while (read(4, &si, sizeof si) == (ssize_t)sizeof si)
                if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH && si.ssi_signo != SIGHUP) {
                    unlink(cfg.restartfile);
                    _exit(0);
                }
        }
    }
    if (access(cfg.norestartfile, F_OK) == 0) {
        unlink(cfg.restartfile);
        _exit(0);
    }
    close(4);
    reset_signals();
    execvp(cfg.restartcmd.v[0], cfg.restartcmd.v);
    unlink(cfg.restartfile);
    _exit(127);
}

/* Decides on a restart and, if so, starts the restarter and records it in restartfile:
 * "RESTARTER_PID RESTART_COUNT TIMEOUT_MS CODE FINISHED_AT_UNIX_NANOS". Returns the fd that
 * lets the restarter go on once closed, or -1. */
static int plan_restart(int code)
{
    unsigned long timeout = 0;
    int go_w = -1;
    if (!should_restart(code, &timeout))
        return -1;
    pid_t r = spawn_restarter(timeout, &go_w);
    if (r < 0) {
        dprintf(2, "minidock-shim: cannot restart: fork: %s\n", strerror(errno));
        return -1;
    }
    char text[128];
    snprintf(text, sizeof text, "%d %lu %lu %d %lld\n", (int)r, g_restart_count + 1, timeout, code,
             (long long)g_finished_ns);
    if (write_file_atomic(cfg.restartfile, text) < 0) {
        dprintf(2, "minidock-shim: write %s: %s\n", cfg.restartfile, strerror(errno));
        kill(r, SIGKILL);
        xclose(&go_w);
        return -1;
    }
    return go_w;
}

static void __attribute__((noreturn)) finish(int code, int started)
{
    restore_terminal();
    /* The netns we made goes with the process, before its exit is recorded: whoever reads
     * the exit file finds it gone (the kernel then removes the veths in it, in the
     * background) and is told so, so as not to delete them one by one. */
    remove_netns();
    /* Before the exit file: whoever reads that finds the restart already planned. */
    int restart_go = started ? plan_restart(code) : -1;
    if (cfg.exitfile) {
        char text[64];
        snprintf(text, sizeof text, "%d %lld%s\n", code, (long long)g_finished_ns,
                 g_netns_removed ? " netns-removed" : "");
        if (write_file_atomic(cfg.exitfile, text) < 0)
            dprintf(2, "minidock-shim: write %s: %s\n", cfg.exitfile, strerror(errno));
    }
    /* exitcmd cleans up when minidock is not around to: after a detached container
     * ran, or when the foreground CLI died meanwhile (we were re-parented). */
    if (cfg.exitcmd.n > 0 && ((g_detach && started) || getppid() != g_ppid0) && !cleanup_claimed())
        spawn_exitcmd();
    attach_end(code); /* before the restarter goes on: its new run makes the socket again */
    xclose(&restart_go); /* the restarter may go on */
    exit(code);
}

static void __attribute__((noreturn)) start_failed(int code, char *msg)
{
    int status;
    kill(g_child, SIGKILL); /* usually gone already; not if only the pty hand-over failed */
    while (waitpid(g_child, &status, 0) < 0 && errno == EINTR)
        ;
    g_finished_ns = now_ns();
    fail_message(code, msg);
    finish(code, 0);
}

/* ------------------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------------------- */

/* A closed 0/1/2 would let a pipe land there and confuse dup2. */
static void ensure_stdio_open(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) != fd)
            _exit(EXIT_SHIM);
}

static void become_detached(void)
{
    if (fcntl(REPORT_FD, F_GETFD) >= 0)
        g_report_fd = REPORT_FD; /* already close-on-exec, see main */
    /* A long-lived monitor must not pin whatever the CLI's own parent leaked to it
     * (e.g. the pipe of a shell's $(...)), so keep only 0-2 and the report pipe. */
    close_range(REPORT_FD + 1, ~0U, 0);
    if (getsid(0) != getpid())
        setsid(); /* fails only for a group leader; it then stays where it is */
    signal(SIGHUP, SIG_IGN);
    if (chdir("/") < 0) /* do not keep the CLI's working directory busy */
        die(EXIT_SHIM, "chdir /: %s", strerror(errno));
}

/* CVE-2019-5736: until its execve the container's process is a copy of us, so an image whose
 * entrypoint is "#!/proc/self/exe" would run this very binary inside the container, where
 * /proc/self/exe (or /proc/PID/exe, to a process with CAP_SYS_PTRACE) is the host's file,
 * writable to root. So, as runc does, we first re-exec from a sealed in-memory copy: what the
 * container can reach is then an anonymous file nobody can write to, and the host's binary is
 * not reachable from inside at all. Under 1 ms a start (docs/shim.md). */
static void run_from_sealed_copy(char **argv)
{
    extern char **environ;
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        die(EXIT_SHIM, "open /proc/self/exe: %s", strerror(errno));
    int seals = fcntl(self, F_GET_SEALS); /* EINVAL: not a memfd, i.e. the binary on disk */
    if (seals >= 0 && (seals & SEALS) == SEALS) {
        close(self);
        return; /* this is the copy */
    }
    /* MFD_EXEC: executable even where vm.memfd_noexec says otherwise (6.3+; older kernels
     * refuse the flag, and need none). */
    int m = memfd_create("minidock-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (m < 0 && errno == EINVAL)
        m = memfd_create("minidock-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    struct stat st;
    if (m < 0 && errno == EACCES) /* fail closed rather than run from the host's file */
        die(EXIT_SHIM, "copy the shim to memory: executable memfds are refused here (vm.memfd_noexec=2)");
    if (m < 0 || fstat(self, &st) < 0)
        die(EXIT_SHIM, "copy the shim to memory: %s", strerror(errno));
    for (off_t off = 0; off < st.st_size;) {
        ssize_t n = sendfile(m, self, &off, (size_t)(st.st_size - off));
        if (n <= 0 && !(n < 0 && errno == EINTR))
            die(EXIT_SHIM, "copy the shim to memory: %s", n < 0 ? strerror(errno) : "short read");
    }
    if (fcntl(m, F_ADD_SEALS, SEALS) < 0)
        die(EXIT_SHIM, "seal the shim's copy: %s", strerror(errno));
    close(self);
    syscall(SYS_execveat, m, "", argv, environ, AT_EMPTY_PATH);
    die(EXIT_SHIM, "run the shim's sealed copy: %s", strerror(errno));
}

int main(int argc, char **argv)
{
    /* Nothing in the container may read our memory or open /proc/PID/exe. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    run_from_sealed_copy(argv);
    /* Tests force the fallback of open_in_root, as on kernels without openat2. */
    const char *no2 = getenv("MINIDOCK_SHIM_NO_OPENAT2");
    g_no_openat2 = no2 && strcmp(no2, "1") == 0;
    /* Nothing inherited may reach the container or the exit command. */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    ensure_stdio_open();
    sigset_t sigs;
    monitor_sigset(&sigs);
    sigprocmask(SIG_BLOCK, &sigs, NULL); /* from now on they queue for the signalfd */
    signal(SIGPIPE, SIG_IGN);            /* a dead CLI must not kill the monitor */
    g_ppid0 = getppid();

    /* exec CONFIG PID: the PID given apart (the health probes' config is written before the
     * container has one) */
    if (!(argc == 3 || (argc == 4 && strcmp(argv[1], "exec") == 0)) ||
        (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "exec") != 0)) {
        dprintf(2, "usage: minidock-shim run|exec CONFIG  (see docs/shim.md)\n");
        return EXIT_SHIM;
    }
    g_mode = strcmp(argv[1], "run") == 0 ? MODE_RUN : MODE_EXEC;
    size_t len;
    char *conf = read_config(argv[2], &len);
    char err[320];
    parse_config(conf, len, err, sizeof err);
    if (argc == 4 && !*err) {
        if (cfg.pid)
            snprintf(err, sizeof err, "config key pid given twice (file and argument)");
        cfg.pid = argv[3];
    }
    if (cfg.detach && strcmp(cfg.detach, "1") == 0) {
        g_detach = 1;
        become_detached();
    }
    if (*err)
        die(EXIT_SHIM, "%s", err);
    validate_config();

    if (cfg.log && (g_logfd = open(cfg.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640)) < 0)
        die(EXIT_SHIM, "open log %s: %s", cfg.log, strerror(errno));
    struct stat logst;
    if (g_logfd >= 0 && fstat(g_logfd, &logst) == 0)
        g_log_size = logst.st_size; /* a restart appends to the same log */
    if ((g_sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        die(EXIT_SHIM, "signalfd: %s", strerror(errno));
    int sock_r = -1, errpipe[2];
    prepare_child_io(&sock_r);
    xpipe(errpipe);
    g_errpipe = errpipe[1];
    g_errpipe_r = errpipe[0], g_sock_r = sock_r; /* for close_monitor_fds */
    if (g_mode == MODE_RUN && g_init)
        prepare_init();
    if (g_mode == MODE_RUN)
        start_run_child();
    else
        start_exec_child();
    close_child_side();

    int code;
    char msg[1280];
    if (wait_for_exec(sock_r, errpipe[0], &code, msg, sizeof msg) < 0)
        start_failed(code, msg);
    if (g_tty)
        fcntl(g_master, F_SETFL, fcntl(g_master, F_GETFL) | O_NONBLOCK);
    if (cfg.pidfile) {
        /* "CONTAINER_PID SHIM_PID": while the shim lives, a dead container is only about to
         * have its exit recorded (minidock's ps must not call it vanished meanwhile). */
        char text[48];
        snprintf(text, sizeof text, "%d %d\n", (int)g_child, (int)getpid());
        if (write_file_atomic(cfg.pidfile, text) < 0) {
            snprintf(msg, sizeof msg, "write pidfile %s: %s", cfg.pidfile, strerror(errno));
            kill(g_child, SIGKILL);
            start_failed(EXIT_SHIM, msg);
        }
    }
    g_started_ns = now_ns();
    attach_listen();
    report("ok %d\n", (int)g_child);
    health_start();
    enter_raw_mode();
    follow_window_size();
    finish(relay(), 1);
}
