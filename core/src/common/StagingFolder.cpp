#include "common/StagingFolder.h"

#include <unistd.h>

#include <string>
#include <system_error>

namespace lathe {

namespace fs = std::filesystem;

namespace {

fs::path sibling(const fs::path& target, const std::string& kind)
{
    return target.parent_path() / ("." + target.filename().string() + "." + kind + "-" + std::to_string(::getpid()));
}

}  // namespace

Result<StagingFolder> StagingFolder::create(const fs::path& target)
{
    const fs::path path = sibling(fs::absolute(target).lexically_normal(), "partial");
    std::error_code ec;
    fs::remove_all(path, ec);  // left by an earlier run of a process with this pid that was killed
    fs::create_directories(path, ec);
    if (ec)
        return makeError(ErrorCode::Io, "cannot create " + path.string() + ": " + ec.message() +
                                            " (choose a folder you can write to)");
    return StagingFolder(path);
}

StagingFolder::~StagingFolder()
{
    std::error_code ec;
    if (!m_path.empty()) fs::remove_all(m_path, ec);
}

Result<void> StagingFolder::commit(const fs::path& target, OldEntries oldEntries)
{
    std::error_code ec;
    fs::path old;
    if (fs::exists(target, ec)) {
        if (oldEntries == OldEntries::Keep) {
            for (const auto& entry : fs::directory_iterator(target, ec)) {
                const fs::path staged = m_path / entry.path().filename();
                std::error_code exists;
                if (!fs::exists(staged, exists)) fs::rename(entry.path(), staged, ec);
                if (ec) return makeError(ErrorCode::Io, "cannot move " + entry.path().string() + ": " + ec.message());
            }
        }
        old = sibling(target, "old");
        fs::remove_all(old, ec);
        fs::rename(target, old, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot move " + target.string() + " aside: " + ec.message());
    }
    fs::rename(m_path, target, ec);
    if (ec) {
        std::error_code ignored;
        if (!old.empty()) fs::rename(old, target, ignored);
        return makeError(ErrorCode::Io,
                         "cannot rename " + m_path.string() + " to " + target.string() + ": " + ec.message());
    }
    m_path.clear();
    if (!old.empty()) fs::remove_all(old, ec);
    return {};
}

}  // namespace lathe
