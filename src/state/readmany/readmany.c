// minidock-readmany.node: many small files read in one native call (src/state/readmany.ts).
//
// `ps` with 100 containers reads ~600 small files (each record, pid file, exit and paused
// markers, /proc/PID/stat). The system calls take ~3 ms; Node's fs, one call per file, twice
// that and more (path checks, a binding call, a path string made for each file, ~700 kB of
// young generation in all: two scavenges). So this Node-API addon (stable ABI) reads the files
// NAMES in each of DIRS and returns, for each (dir, name) in that order, its text or the errno
// it failed with:
//
//   readIn(dirs, names, mtimes) -> (string | number)[]   (mtimes: a Float64Array, in ms)
//
// Text is decoded as UTF-8 as readFileSync(f, 'utf8') decodes it (invalid bytes as U+FFFD).
// Opened O_NONBLOCK: a FIFO where a state file should be fails (EAGAIN) instead of blocking.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

/** Reads the whole of fd into *buf (grown as needed; *cap its size); the length, or -errno. */
static ssize_t readAll(int fd, char **buf, size_t *cap) {
    size_t len = 0;
    for (;;) {
        if (len == *cap) {
            size_t ncap = *cap * 2;
            char *nb = realloc(*buf, ncap);
            if (!nb) return -ENOMEM;
            *buf = nb;
            *cap = ncap;
        }
        ssize_t r = read(fd, *buf + len, *cap - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (r == 0) return (ssize_t)len;
        len += (size_t)r;
    }
}

/** The string at arr[i] into buf (NUL-ended); its length, or -1 (not a string, too long). */
static ssize_t element(napi_env env, napi_value arr, uint32_t i, char *buf, size_t cap) {
    napi_value e;
    size_t len = 0;
    if (napi_get_element(env, arr, i, &e) != napi_ok || napi_get_value_string_utf8(env, e, buf, cap, &len) != napi_ok || len >= cap - 1) return -1;
    return (ssize_t)len;
}

static napi_value readIn(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value args[3], out;
    napi_get_cb_info(env, info, &argc, args, NULL, NULL);
    uint32_t nd = 0, nn = 0;
    bool dirsOk = false, namesOk = false, isTyped = false;
    if (argc == 3) {
        napi_is_array(env, args[0], &dirsOk);
        napi_is_array(env, args[1], &namesOk);
        napi_is_typedarray(env, args[2], &isTyped);
    }
    napi_typedarray_type type;
    size_t mlen = 0;
    void *mdata = NULL;
    if (dirsOk) napi_get_array_length(env, args[0], &nd);
    if (namesOk) napi_get_array_length(env, args[1], &nn);
    if (isTyped) napi_get_typedarray_info(env, args[2], &type, &mlen, &mdata, NULL, NULL);
    uint64_t n = (uint64_t)nd * nn;
    if (!dirsOk || !namesOk || !isTyped || type != napi_float64_array || mlen < n || n > UINT32_MAX) {
        napi_throw_type_error(env, NULL, "readIn(dirs, names, Float64Array(dirs.length * names.length))");
        return NULL;
    }
    double *mtimes = mdata;
    size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    char path[4096];
    if (!buf || napi_create_array_with_length(env, (size_t)n, &out) != napi_ok) {
        free(buf);
        napi_throw_error(env, NULL, "readIn: out of memory");
        return NULL;
    }
    uint32_t at = 0;
    for (uint32_t d = 0; d < nd; d++) {
        ssize_t dlen = element(env, args[0], d, path, sizeof path);
        for (uint32_t k = 0; k < nn; k++, at++) {
            int err = 0;
            ssize_t len = 0;
            mtimes[at] = 0;
            if (dlen < 0) err = EINVAL;
            else {
                path[dlen] = '/';
                if (element(env, args[1], k, path + dlen + 1, sizeof path - (size_t)dlen - 1) < 0) err = ENAMETOOLONG;
            }
            if (!err) {
                int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
                if (fd < 0) err = errno;
                else {
                    struct stat st;
                    double mtime = fstat(fd, &st) == 0 ? (double)st.st_mtim.tv_sec * 1e3 + (double)st.st_mtim.tv_nsec / 1e6 : 0;
                    len = readAll(fd, &buf, &cap);
                    if (len < 0) err = (int)-len;
                    else mtimes[at] = mtime; // as Node's: none for a file not read
                    close(fd);
                }
            }
            napi_value v;
            if (err) napi_create_int32(env, err, &v);
            else napi_create_string_utf8(env, buf, (size_t)len, &v);
            napi_set_element(env, out, at, v);
        }
    }
    free(buf);
    return out;
}

NAPI_MODULE_INIT() {
    napi_value fn;
    napi_create_function(env, "readIn", NAPI_AUTO_LENGTH, readIn, NULL, &fn);
    napi_set_named_property(env, exports, "readIn", fn);
    return exports;
}
