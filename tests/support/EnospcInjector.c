// A full disk on demand, without privileges: preloaded into a process (LD_PRELOAD), this write() fails with ENOSPC
// once more than LATHE_ENOSPC_AFTER bytes (default 0) have gone to files whose path contains LATHE_ENOSPC_PATH.
// Other files, and every write when LATHE_ENOSPC_PATH is unset, go through untouched.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long g_written;

ssize_t write(int fd, const void* buf, size_t count)
{
    static ssize_t (*real_write)(int, const void*, size_t);
    if (!real_write) real_write = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
    const char* match = getenv("LATHE_ENOSPC_PATH");
    if (match && *match && fd > 2) {
        char link[64], path[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        const ssize_t len = readlink(link, path, sizeof path - 1);
        if (len > 0) {
            path[len] = '\0';
            if (strstr(path, match)) {
                const char* limit = getenv("LATHE_ENOSPC_AFTER");
                if (g_written + (long long)count > (limit ? atoll(limit) : 0)) {
                    errno = ENOSPC;
                    return -1;
                }
                g_written += (long long)count;
            }
        }
    }
    return real_write(fd, buf, count);
}
