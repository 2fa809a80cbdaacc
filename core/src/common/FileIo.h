#pragma once
// Private to core.

#include "lathe/common/Result.h"

#include <string>

namespace lathe {

// `what path: strerror(err)` for a failed system call on a file: NotFound for ENOENT, else Io. The hint that
// follows depends on the direction: a read asks to check the file's permissions, a write to free disk space or
// to choose a folder the user can write to.
Error fileReadError(const std::string& what, const std::string& path, int err);
Error fileWriteError(const std::string& what, const std::string& path, int err);

// Reads a whole file into memory. Errors: NotFound (no such file), Io — both naming the path.
Result<std::string> readWholeFile(const std::string& path);

}  // namespace lathe
