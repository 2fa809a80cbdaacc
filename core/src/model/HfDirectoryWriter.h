#pragma once
// Private to core.

#include "lathe/common/Result.h"

#include <string>
#include <string_view>

namespace lathe::model {

// Builds a model folder next to its final place and moves it there in one rename, so `outDir` either
// does not exist or is complete. Files are written into a hidden sibling folder; destroying the writer
// before commit() removes it.
class HfDirectoryWriter {
public:
    // Errors: InvalidArgument when outDir exists and is not an empty folder (unless `replace`),
    // Io when the sibling folder cannot be created.
    static Result<HfDirectoryWriter> create(const std::string& outDir, bool replace);
    HfDirectoryWriter(HfDirectoryWriter&& other) noexcept;
    HfDirectoryWriter& operator=(HfDirectoryWriter&&) = delete;
    ~HfDirectoryWriter();

    const std::string& stagingDir() const { return m_staging; }
    std::string stagedPath(const std::string& fileName) const;
    Result<void> writeFile(const std::string& fileName, std::string_view bytes);

    // Moves the staged folder to outDir (replacing an existing one when allowed).
    Result<void> commit();

private:
    HfDirectoryWriter() = default;
    std::string m_outDir;
    std::string m_staging;
    bool m_replace = false;
    bool m_committed = false;
};

}  // namespace lathe::model
