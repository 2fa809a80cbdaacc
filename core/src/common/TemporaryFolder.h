#pragma once
// Private to core.

#include "lathe/common/Result.h"

#include <string>

namespace lathe {

// A private folder under TMPDIR (or /tmp) that is removed, with everything in it, when this object goes.
class TemporaryFolder {
public:
    // `prefix` starts the folder's name ("lathe-tokenizer"). Errors: Io, saying to set TMPDIR.
    static Result<TemporaryFolder> create(const std::string& prefix);
    TemporaryFolder(TemporaryFolder&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }
    TemporaryFolder& operator=(TemporaryFolder&&) = delete;
    TemporaryFolder(const TemporaryFolder&) = delete;
    ~TemporaryFolder();
    const std::string& path() const { return m_path; }

private:
    explicit TemporaryFolder(std::string path) : m_path(std::move(path)) {}
    std::string m_path;
};

}  // namespace lathe
