#include "common/TemporaryFolder.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace lathe {

namespace fs = std::filesystem;

Result<TemporaryFolder> TemporaryFolder::create(const std::string& prefix)
{
    std::error_code ec;
    const fs::path base = fs::temp_directory_path(ec);
    std::string pattern = ((ec ? fs::path("/tmp") : base) / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        return makeError(ErrorCode::Io,
                         "cannot create a temporary folder (" + pattern + "); set TMPDIR to a writable folder");
    return TemporaryFolder(pattern);
}

TemporaryFolder::~TemporaryFolder()
{
    std::error_code ec;
    if (!m_path.empty()) fs::remove_all(m_path, ec);
}

}  // namespace lathe
