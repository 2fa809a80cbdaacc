#include "common/AtomicFileWriter.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace lathe {

Error fileError(const std::string& what, const std::string& path, int err)
{
    const ErrorCode code = err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io;
    std::string hint;
    if (err == ENOSPC) hint = " (free some disk space and try again)";
    if (err == EACCES || err == EROFS) hint = " (choose a folder you can write to)";
    return makeError(code, what + " " + path + ": " + std::strerror(err) + hint);
}

Result<AtomicFileWriter> AtomicFileWriter::create(const std::string& path)
{
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fileError("cannot create", tmp, errno);
    return AtomicFileWriter(path, std::move(tmp), fd);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : m_path(std::move(other.m_path)), m_tmp(std::move(other.m_tmp)), m_fd(other.m_fd), m_written(other.m_written)
{
    other.m_fd = -1;
    other.m_tmp.clear();
}

AtomicFileWriter::~AtomicFileWriter()
{
    if (m_fd >= 0) ::close(m_fd);
    if (!m_tmp.empty()) ::unlink(m_tmp.c_str());
}

Result<void> AtomicFileWriter::write(const void* data, size_t bytes)
{
    if (m_fd < 0) return makeError(ErrorCode::Internal, "writing " + m_path + " after it was closed");
    const char* p = static_cast<const char*>(data);
    size_t written = 0;
    while (written < bytes) {
        const ssize_t n = ::write(m_fd, p + written, bytes - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fileError("cannot write", m_tmp, errno);
        }
        written += static_cast<size_t>(n);
    }
    m_written += bytes;
    return {};
}

Result<void> AtomicFileWriter::commit()
{
    if (m_fd < 0) return makeError(ErrorCode::Internal, "committing " + m_path + " twice");
    const int fd = m_fd;
    m_fd = -1;
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        return fileError("cannot write", m_tmp, err);
    }
    if (::close(fd) != 0) return fileError("cannot write", m_tmp, errno);
    if (::rename(m_tmp.c_str(), m_path.c_str()) != 0) return fileError("cannot rename to", m_path, errno);
    m_tmp.clear();
    return {};
}

Result<int> AtomicFileWriter::openSource(const std::string& source) const
{
    const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fileError("cannot open", source, errno);
    return fd;
}

Result<void> AtomicFileWriter::readSource(int fd, const std::string& source, uint64_t offset, char* buffer,
                                          size_t bytes) const
{
    size_t got = 0;
    while (got < bytes) {
        const ssize_t n = ::pread(fd, buffer + got, bytes - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            return fileError("cannot read", source, errno);
        }
        if (n == 0)
            return makeError(ErrorCode::Corrupt, source + " ends at byte " + std::to_string(offset + got) +
                                                     ", before the " + std::to_string(bytes) +
                                                     " bytes expected there; the file is truncated");
        got += static_cast<size_t>(n);
    }
    return {};
}

void AtomicFileWriter::closeSource(int fd) const
{
    ::close(fd);
}

}  // namespace lathe
