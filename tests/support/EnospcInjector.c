// A full disk on demand, without privileges: preloaded into a process (LD_PRELOAD), write() and pwrite() fail with
// ENOSPC once more than LATHE_ENOSPC_AFTER bytes (default 0) have gone to files whose path contains
// LATHE_ENOSPC_PATH. Other files, and every write when LATHE_ENOSPC_PATH is unset, go through untouched.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long g_written;

// 0 when the write may go ahead (and is counted), -1 with errno = ENOSPC when the disk is "full".
static int admit(int fd, size_t count)
{
    const char* match = getenv("LATHE_ENOSPC_PATH");
    if (!match || !*match || fd <= 2) return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t len = readlink(link, path, sizeof path - 1);
    if (len <= 0) return 0;
    path[len] = '\0';
    if (!strstr(path, match)) return 0;
    const char* limit = getenv("LATHE_ENOSPC_AFTER");
    if (g_written + (long long)count > (limit ? atoll(limit) : 0)) {
        errno = ENOSPC;
        return -1;
    }
    g_written += (long long)count;
    return 0;
}

ssize_t write(int fd, const void* buf, size_t count)
{
    static ssize_t (*real_write)(int, const void*, size_t);
    if (!real_write) real_write = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
    if (admit(fd, count) != 0) return -1;
    return real_write(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset)
{
    static ssize_t (*real_pwrite)(int, const void*, size_t, off_t);
    if (!real_pwrite) real_pwrite = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    if (admit(fd, count) != 0) return -1;
    return real_pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset)
{
    static ssize_t (*real_pwrite64)(int, const void*, size_t, off_t);
    if (!real_pwrite64) real_pwrite64 = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    if (admit(fd, count) != 0) return -1;
    return real_pwrite64(fd, buf, count, offset);
}
