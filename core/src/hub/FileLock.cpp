#include "hub/FileLock.h"

#include "common/PathUtil.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace fs = std::filesystem;

namespace lathe::hub::detail {

FileLock::~FileLock() { release(); }

Result<void> FileLock::acquire(const fs::path& path, const StopToken* stop)
{
    release();
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create lock folder " + fromPath(path.parent_path()) + ": " + ec.message());
#ifdef _WIN32
    HANDLE h = CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) return makeError(ErrorCode::Io, "cannot open lock file " + fromPath(path));
    for (;;) {
        OVERLAPPED ov{};
        if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) break;
        if (stop != nullptr && stop->stopRequested()) {
            CloseHandle(h);
            return makeError(ErrorCode::Cancelled, "cancelled while waiting for " + fromPath(path));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    m_handle = h;
#else
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
    if (fd < 0) return makeError(ErrorCode::Io, "cannot open lock file " + fromPath(path) + ": " + std::strerror(errno));
    ::fchmod(fd, 0664);
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            return makeError(ErrorCode::Io, "cannot lock " + fromPath(path) + ": " + why);
        }
        if (stop != nullptr && stop->stopRequested()) {
            ::close(fd);
            return makeError(ErrorCode::Cancelled, "cancelled while waiting for " + fromPath(path));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    m_fd = fd;
#endif
    return {};
}

void FileLock::release()
{
#ifdef _WIN32
    if (m_handle != nullptr) {
        OVERLAPPED ov{};
        UnlockFileEx(static_cast<HANDLE>(m_handle), 0, 1, 0, &ov);
        CloseHandle(static_cast<HANDLE>(m_handle));
        m_handle = nullptr;
    }
#else
    if (m_fd >= 0) {
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
        m_fd = -1;
    }
#endif
}

}  // namespace lathe::hub::detail
