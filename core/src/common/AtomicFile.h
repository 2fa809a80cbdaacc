#pragma once

#include "lathe/common/Result.h"

#include <string>
#include <string_view>

namespace lathe {

// Writes `bytes` to `<path>.tmp-<pid>` in the same folder, fsyncs it and renames it over `path`, so
// readers see either the old file or the complete new one. The temporary is removed on failure.
Result<void> writeFileAtomically(const std::string& path, std::string_view bytes);

// Reads a whole file. Errors: NotFound, Io — both naming the path.
Result<std::string> readWholeFile(const std::string& path);

}  // namespace lathe
