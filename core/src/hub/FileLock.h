#pragma once

#include "lathe/common/Result.h"
#include "lathe/common/Progress.h"

#include <filesystem>

namespace lathe::hub::detail {

// An exclusive advisory lock on a lock file (flock on POSIX, LockFileEx on Windows), the same mechanism
// Python's filelock uses, so Lathe and huggingface_hub never write one blob at the same time. The
// kernel drops it when the process dies, so a killed download never leaves a stale lock behind.
class FileLock {
public:
    FileLock() = default;
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    // Waits (polling, cancellable) until the lock is held.
    Result<void> acquire(const std::filesystem::path& path, const StopToken* stop);
    void release();

private:
#ifdef _WIN32
    void* m_handle = nullptr;
#else
    int m_fd = -1;
#endif
};

}  // namespace lathe::hub::detail
