#include "common/AtomicFileWriter.h"

#include "common/FileIo.h"

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lathe {

namespace fs = std::filesystem;

namespace {

std::string parentFolder(const std::string& path)
{
    return fs::path(path).parent_path().string();
}

}  // namespace

std::string uniqueTemporaryName(const std::string& path)
{
    static std::atomic<unsigned long> counter{0};
    return path + ".tmp-" + std::to_string(static_cast<long>(::getpid())) + "-" + std::to_string(counter.fetch_add(1));
}

void removeStaleTemporaries(const std::string& path)
{
    const fs::path target(path);
    const std::string prefix = target.filename().string() + ".tmp-";
    std::error_code ec;
    fs::directory_iterator it(target.parent_path().empty() ? fs::path(".") : target.parent_path(), ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = name.substr(prefix.size());
        const size_t dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos || dash > 9 || rest.find_first_not_of("0123456789") != dash ||
            rest.find_first_not_of("0123456789", dash + 1) != std::string::npos)
            continue;
        const long pid = std::stol(rest.substr(0, dash));
        if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
        // kill(pid, 0) probes without signalling; ESRCH means no such process (EPERM: alive, someone else's).
        if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            std::error_code removeError;
            fs::remove(it->path(), removeError);
        }
    }
}

Result<AtomicFileWriter> AtomicFileWriter::create(const std::string& path, const AtomicWriteOptions& options)
{
    if (options.createFolders) {
        const std::string folder = parentFolder(path);
        std::error_code ec;
        if (!folder.empty()) fs::create_directories(folder, ec);
        if (ec) return fileWriteError("cannot create folder", folder, ec.value());
    }
    std::string tmp = uniqueTemporaryName(path);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, options.secret ? 0600 : 0644);
    if (fd < 0) return fileWriteError("cannot create", tmp, errno);
    if (options.secret && ::fchmod(fd, 0600) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        return fileWriteError("cannot restrict access to", tmp, err);
    }
    return AtomicFileWriter(path, std::move(tmp), fd, options.secret);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : m_path(std::move(other.m_path)),
      m_tmp(std::move(other.m_tmp)),
      m_fd(other.m_fd),
      m_written(other.m_written),
      m_secret(other.m_secret)
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
            return fileWriteError("cannot write", m_tmp, errno);
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
        return fileWriteError("cannot write", m_tmp, err);
    }
    if (::close(fd) != 0) return fileWriteError("cannot write", m_tmp, errno);
    if (m_secret) {
        // The folder of a secret is the owner's alone, as `hf auth login` leaves it (best effort, as there).
        const std::string folder = parentFolder(m_path);
        if (!folder.empty()) ::chmod(folder.c_str(), 0700);
    }
    if (::rename(m_tmp.c_str(), m_path.c_str()) != 0) return fileWriteError("cannot rename to", m_path, errno);
    m_tmp.clear();
    return {};
}

Result<int> AtomicFileWriter::openSource(const std::string& source) const
{
    const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fileReadError("cannot open", source, errno);
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
            return fileReadError("cannot read", source, errno);
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

Result<void> writeFileAtomically(const std::string& path, std::string_view bytes, const AtomicWriteOptions& options)
{
    auto file = AtomicFileWriter::create(path, options);
    if (!file) return file.error();
    LATHE_TRY(file->write(bytes.data(), bytes.size()));
    return file->commit();
}

}  // namespace lathe
