#include "common/FileIo.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lathe {

namespace {

Error fileError(const std::string& what, const std::string& path, int err, const std::string& hint)
{
    const ErrorCode code = err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io;
    return makeError(code, what + " " + path + ": " + std::strerror(err) + hint);
}

}  // namespace

Error fileReadError(const std::string& what, const std::string& path, int err)
{
    return fileError(what, path, err, err == EACCES ? " (check the file's permissions)" : "");
}

Error fileWriteError(const std::string& what, const std::string& path, int err)
{
    std::string hint;
    if (err == ENOSPC) hint = " (free some disk space and try again)";
    if (err == EACCES || err == EROFS) hint = " (choose a folder you can write to)";
    return fileError(what, path, err, hint);
}

Result<std::string> readWholeFile(const std::string& path)
{
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) return fileReadError("cannot open", path, errno != 0 ? errno : ENOENT);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return fileReadError("cannot read", path, errno);
    return ss.str();
}

}  // namespace lathe
