/* minidock-init: the container's PID 1 with --init, as Docker's tini (/sbin/docker-init).
 *
 * Static, because it runs inside the container's root, where the host's dynamic loader is not.
 * minidock-shim copies it into a sealed memfd and the container's PID 1 execs it from there
 * (never a host path inside the container; docs/shim.md, "The init") as
 * "/sbin/docker-init -- CMD…", after forking the command (PID 2), whose pidfd is on fd 3.
 * It reaps every zombie, forwards every signal but SIGCHLD (and the synchronous ones) to the
 * command, and exits with the command's code (128+N if a signal N killed it). It runs with the
 * container's ids, capabilities and seccomp filter, as the command does. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

static void init_sigset(sigset_t *set)
{
    sigfillset(set);
    static const int keep[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        sigdelset(set, keep[i]);
}

/* The command's PID, from its pidfd's fdinfo ("Pid:\t2"). */
static pid_t command_pid(void)
{
    char buf[512];
    int fd = open("/proc/self/fdinfo/3", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    close(3);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strstr(buf, "\nPid:");
    return p ? (pid_t)atoi(p + 5) : -1;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    prctl(PR_SET_NAME, "docker-init", 0, 0, 0); /* comm, as Docker's; it came from the memfd */
    pid_t child = command_pid();
    if (child <= 0) {
        static const char msg[] = "docker-init: run by minidock-shim only\n";
        write(2, msg, sizeof msg - 1);
        return 125;
    }
    sigset_t set;
    init_sigset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL); /* already so since before the fork; kept */
    signal(SIGTTIN, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        for (;;) {
            int status;
            pid_t r = waitpid(-1, &status, WNOHANG);
            if (r <= 0)
                break;
            if (r == child) /* the rest of the namespace dies with us, as with tini */
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}
