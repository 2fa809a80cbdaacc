#include "common/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace lathe {

namespace {
Error ioError(const std::string& what, const std::string& path, int err)
{
    const ErrorCode code = err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io;
    std::string hint;
    if (err == ENOSPC) hint = " (free some disk space and try again)";
    if (err == EACCES || err == EROFS) hint = " (choose a folder you can write to)";
    return makeError(code, what + " " + path + ": " + std::strerror(err) + hint);
}
}  // namespace

Result<void> writeFileAtomically(const std::string& path, std::string_view bytes)
{
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ioError("cannot create", tmp, errno);
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return ioError("cannot write", tmp, err);
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return ioError("cannot write", tmp, err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return ioError("cannot rename to", path, err);
    }
    return {};
}

Result<std::string> readWholeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return ioError("cannot open", path, errno != 0 ? errno : ENOENT);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return ioError("cannot read", path, errno);
    return ss.str();
}

}  // namespace lathe
