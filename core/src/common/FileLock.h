#pragma once
// Private to core.

#include "lathe/common/Result.h"

#include <string>

namespace lathe {

// An exclusive advisory lock (flock) on a file or folder, held while this object lives, so that two processes (two
// `lathe` runs, or the Studio and the CLI) never write the same outputs at once. The lock goes with the process,
// so a run that is killed leaves nothing to clean up.
class FileLock {
public:
    // Locks `path` (which must exist) without waiting. Errors: InvalidArgument when another process holds it,
    // saying `busyMessage`; Io when the path cannot be opened.
    static Result<FileLock> tryLock(const std::string& path, const std::string& busyMessage);
    FileLock(FileLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

}  // namespace lathe
