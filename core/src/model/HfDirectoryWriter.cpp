#include "model/HfDirectoryWriter.h"

#include "common/AtomicFileWriter.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace lathe::model {
namespace {

namespace fs = std::filesystem;

Result<void> checkTarget(const fs::path& out, bool replace)
{
    std::error_code ec;
    if (!fs::exists(out, ec)) return {};
    if (!fs::is_directory(out, ec))
        return makeError(ErrorCode::InvalidArgument, out.string() + " exists and is not a folder; choose another --out");
    if (!replace && !fs::is_empty(out, ec))
        return makeError(ErrorCode::InvalidArgument,
                         out.string() + " already exists and is not empty; choose another --out or pass --force");
    return {};
}

}  // namespace

Result<HfDirectoryWriter> HfDirectoryWriter::create(const std::string& outDir, bool replace)
{
    const fs::path out = fs::absolute(fs::path(outDir)).lexically_normal();
    const fs::path target = out.has_filename() ? out : out.parent_path();
    LATHE_TRY(checkTarget(target, replace));
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create " + target.parent_path().string() + ": " + ec.message());
    std::string pattern = (target.parent_path() / ("." + target.filename().string() + ".partial-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        return makeError(ErrorCode::Io, "cannot create a folder next to " + target.string() + ": " + std::strerror(errno));
    // mkdtemp makes the folder private; the model folder should be as readable as any other.
    fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec, ec);
    HfDirectoryWriter w;
    w.m_outDir = target.string();
    w.m_staging = pattern;
    w.m_replace = replace;
    return w;
}

HfDirectoryWriter::HfDirectoryWriter(HfDirectoryWriter&& other) noexcept
    : m_outDir(std::move(other.m_outDir)),
      m_staging(std::move(other.m_staging)),
      m_replace(other.m_replace),
      m_committed(other.m_committed)
{
    other.m_staging.clear();
}

HfDirectoryWriter::~HfDirectoryWriter()
{
    if (!m_committed && !m_staging.empty()) {
        std::error_code ec;
        fs::remove_all(m_staging, ec);
    }
}

std::string HfDirectoryWriter::stagedPath(const std::string& fileName) const
{
    return (fs::path(m_staging) / fileName).string();
}

Result<void> HfDirectoryWriter::writeFile(const std::string& fileName, std::string_view bytes)
{
    return writeFileAtomically(stagedPath(fileName), bytes);
}

Result<void> HfDirectoryWriter::commit()
{
    LATHE_TRY(checkTarget(m_outDir, m_replace));
    std::error_code ec;
    std::string old;
    if (fs::exists(m_outDir, ec)) {
        // Move the old folder aside first so a failure leaves one complete folder in place.
        old = m_staging + ".old";
        fs::rename(m_outDir, old, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot replace " + m_outDir + ": " + ec.message());
    }
    fs::rename(m_staging, m_outDir, ec);
    if (ec) {
        std::error_code ignored;
        if (!old.empty()) fs::rename(old, m_outDir, ignored);
        return makeError(ErrorCode::Io, "cannot move the new model folder to " + m_outDir + ": " + ec.message());
    }
    m_committed = true;
    if (!old.empty()) fs::remove_all(old, ec);
    return {};
}

}  // namespace lathe::model
