// bench/cputime CMD ARGS...: runs CMD and writes "USER_US SYS_US WALL_US STATUS" of it to fd 3
// (wait4's rusage: the child's own CPU time and its waited-for children's, in microseconds —
// /usr/bin/time prints hundredths). On a machine shared with other work the CPU time of a
// command barely moves, where its wall time follows the load. Compiled by bench/everyday.mjs.
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t p = fork();
    if (p < 0) return 2;
    if (p == 0) {
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(p, &st, 0, &ru) < 0) return 2;
    clock_gettime(CLOCK_MONOTONIC, &b);
    FILE *o = fdopen(3, "w");
    if (!o) o = stderr;
    fprintf(o, "%ld %ld %ld %d\n", ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec, ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec,
            (long)((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000), WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    fclose(o);
    return 0;
}
