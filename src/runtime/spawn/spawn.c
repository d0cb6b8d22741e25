// minidock-spawn.node: `exec`'s start of minidock-shim without Node's child_process.
//
// Loading child_process costs ~2.3 ms of CPU on every `exec` (1.7 of it `net`, which it requires
// at its top), and libuv's spawn forks the whole Node process (~1.4 ms more). A foreground
// `exec` only needs what `stdio: 'inherit'` gave the shim: our descriptors 0-2, an environment,
// the exit status. So this Node-API addon (stable ABI, no process.binding) starts the shim with
// vfork (no copy of Node's address space) and waits for it:
//
//   spawnWait(file, argv, env) -> exit code (>= 0), -signal (killed by one), or throws
//   an Error with .errno (the exec failed: ENOENT, EACCES …)
//
// Waiting blocks the event loop, which has nothing else to do meanwhile; a signal to the CLI
// interrupts waitpid, which is simply resumed (the shim relays signals to the process it runs;
// the CLI ignores them while it waits, as it did with child_process:
// src/engine/container/exec.ts).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <node_api.h>

static char *str(napi_env env, napi_value v) {
    size_t n = 0;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return NULL;
    char *s = malloc(n + 1);
    if (s && napi_get_value_string_utf8(env, v, s, n + 1, &n) != napi_ok) {
        free(s);
        return NULL;
    }
    return s;
}

/** A JS array of strings as a NULL-ended char* array (NULL on a bad value). */
static char **strings(napi_env env, napi_value arr) {
    uint32_t n = 0;
    if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
    char **out = calloc(n + 1, sizeof(char *));
    if (!out) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        napi_value e;
        if (napi_get_element(env, arr, i, &e) != napi_ok || !(out[i] = str(env, e))) {
            for (uint32_t j = 0; j < i; j++) free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void freeStrings(char **a) {
    if (!a) return;
    for (char **p = a; *p; p++) free(*p);
    free(a);
}

/**
 * vfork + execve, the child set up as libuv sets up a child: descriptors 0-2 kept open across the
 * exec (Node marks them close-on-exec), every ignored or handled signal back to its default (Node
 * ignores SIGPIPE and SIGXFSZ; the shim and what it runs must not inherit that), none blocked.
 * (Not posix_spawn: glibc's leaves its two internal signals, 32 and 33, ignored in the child.)
 * All signals stay blocked from before the vfork until the child's exec, so no handler of
 * Node's runs in the child, which shares Node's memory until then. Returns the pid, or -1 with
 * *err set to the errno of the failed exec.
 */
static pid_t start(const char *file, char **argv, char **envp, int *err) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    volatile int failed = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        for (int sig = 1; sig < NSIG; sig++) {
            struct sigaction sa;
            if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0) continue; // glibc's own: refused
            if (sa.sa_handler == SIG_DFL) continue;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = SIG_DFL;
            sigaction(sig, &sa, NULL);
        }
        for (int fd = 0; fd < 3; fd++) fcntl(fd, F_SETFD, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(file, argv, envp);
        failed = errno; // shared with the parent until the child is gone
        _exit(127);
    }
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        *err = e;
        return -1;
    }
    if (failed) {
        waitpid(pid, NULL, 0);
        *err = failed;
        return -1;
    }
    return pid;
}

static napi_value spawnWait(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value args[3], result;
    napi_get_cb_info(env, info, &argc, args, NULL, NULL);
    if (argc != 3) {
        napi_throw_type_error(env, NULL, "spawnWait(file, argv, env)");
        return NULL;
    }
    char *file = str(env, args[0]);
    char **argv = strings(env, args[1]);
    char **envp = strings(env, args[2]);
    int rc = EINVAL;
    pid_t pid = -1;
    if (file && argv && envp) pid = start(file, argv, envp, &rc);
    free(file);
    freeStrings(argv);
    freeStrings(envp);
    if (pid < 0) {
        napi_value msg, err, code;
        napi_create_string_utf8(env, strerror(rc), NAPI_AUTO_LENGTH, &msg);
        napi_create_error(env, NULL, msg, &err);
        napi_create_int32(env, rc, &code);
        napi_set_named_property(env, err, "errno", code);
        napi_throw(env, err);
        return NULL;
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            napi_throw_error(env, NULL, strerror(errno));
            return NULL;
        }
    }
    napi_create_int32(env, WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st), &result);
    return result;
}

NAPI_MODULE_INIT() {
    napi_value fn;
    napi_create_function(env, "spawnWait", NAPI_AUTO_LENGTH, spawnWait, NULL, &fn);
    napi_set_named_property(env, exports, "spawnWait", fn);
    return exports;
}
