#include "hub/PartialFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace lathe::hub::detail {

namespace {
constexpr auto kMaxStageAge = std::chrono::milliseconds(100);
}  // namespace

PartialFile::~PartialFile()
{
    m_onWritten = nullptr;  // whoever set it may already be gone
    close();
}

bool PartialFile::fail()
{
    m_error = std::strerror(errno);
    return false;
}

bool PartialFile::open(const std::filesystem::path& path)
{
    close();
    m_stage.clear();
    m_stage.reserve(kStageBytes);
#ifdef _WIN32
    m_fd = _wopen(path.c_str(), _O_RDWR | _O_CREAT | _O_BINARY, _S_IREAD | _S_IWRITE);
    struct _stat64 st {};
    const bool statOk = m_fd >= 0 && _fstat64(m_fd, &st) == 0;
#else
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    struct stat st {};
    const bool statOk = m_fd >= 0 && ::fstat(m_fd, &st) == 0;
#endif
    if (!statOk) {
        fail();
        close();
        return false;
    }
    m_onDisk = static_cast<std::int64_t>(st.st_size);
    m_lastWrite = std::chrono::steady_clock::now();
    return true;
}

long long PartialFile::readAt(char* data, std::size_t size, std::int64_t offset)
{
    for (;;) {
#ifdef _WIN32
        if (_lseeki64(m_fd, offset, SEEK_SET) < 0) {
            fail();
            return -1;
        }
        const long long n = _read(m_fd, data, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)));
#else
        const long long n = ::pread(m_fd, data, size, static_cast<off_t>(offset));
#endif
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail();
        return n;
    }
}

bool PartialFile::writeAll(const char* data, std::size_t size)
{
#ifdef _WIN32
    if (_lseeki64(m_fd, m_onDisk, SEEK_SET) < 0) return fail();
#endif
    while (size > 0) {
#ifdef _WIN32
        const long long n = _write(m_fd, data, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)));
#else
        const long long n = ::pwrite(m_fd, data, size, static_cast<off_t>(m_onDisk));
#endif
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = ENOSPC;
            return fail();
        }
        data += n;
        size -= static_cast<std::size_t>(n);
        m_onDisk += n;
    }
    m_lastWrite = std::chrono::steady_clock::now();
    return true;
}

bool PartialFile::append(const char* data, std::size_t size)
{
    if (m_fd < 0) {
        errno = EBADF;
        return fail();
    }
    while (size > 0) {
        const std::size_t n = std::min(size, kStageBytes - m_stage.size());
        m_stage.insert(m_stage.end(), data, data + n);
        data += n;
        size -= n;
        if (m_stage.size() == kStageBytes && !flush()) return false;
    }
    // A slow transfer would otherwise sit in memory for a long time; the clock read costs nanoseconds.
    if (!m_stage.empty() && std::chrono::steady_clock::now() - m_lastWrite >= kMaxStageAge) return flush();
    return true;
}

bool PartialFile::flush()
{
    if (m_stage.empty()) return true;
    const bool ok = writeAll(m_stage.data(), m_stage.size());
    if (ok && m_onWritten) m_onWritten(m_stage);
    // After a failed write, what did reach the disk is counted in m_onDisk; the rest is lost either way.
    m_stage.clear();
    return ok;
}

bool PartialFile::truncate()
{
    m_stage.clear();
    if (m_fd < 0) {
        errno = EBADF;
        return fail();
    }
#ifdef _WIN32
    if (_chsize_s(m_fd, 0) != 0) return fail();
#else
    if (::ftruncate(m_fd, 0) != 0) return fail();
#endif
    m_onDisk = 0;
    return true;
}

bool PartialFile::close()
{
    if (m_fd < 0) return true;
    bool ok = flush();
#ifdef _WIN32
    if (_close(m_fd) != 0 && ok) ok = fail();
#else
    if (::close(m_fd) != 0 && ok) ok = fail();
#endif
    m_fd = -1;
    return ok;
}

}  // namespace lathe::hub::detail
