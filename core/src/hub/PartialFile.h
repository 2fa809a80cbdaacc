#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace lathe::hub::detail {

// The `<etag>.incomplete` file of a blob being downloaded, appended to without stdio.
// libcurl hands over 16 KiB at a time; one write per piece cost 60% more CPU than gathering them into 128 KiB
// writes, and larger buffers, which no longer stay in cache, were slower and erratic. Staged bytes reach the
// file when the buffer is full, at least every 100 ms, and on flush(), so a killed process loses little.
class PartialFile {
public:
    static constexpr std::size_t kStageBytes = 128 * 1024;

    PartialFile() = default;
    ~PartialFile();
    PartialFile(const PartialFile&) = delete;
    PartialFile& operator=(const PartialFile&) = delete;

    // Creates the file, or opens it keeping its bytes. false: see error().
    bool open(const std::filesystem::path& path);

    std::int64_t onDisk() const { return m_onDisk; }
    std::int64_t received() const { return m_onDisk + static_cast<std::int64_t>(m_stage.size()); }

    // Reads back what is on disk (the hash of a resumed file is rebuilt from it); like pread: bytes read, 0 at the
    // end of the file, -1 on error.
    long long readAt(char* data, std::size_t size, std::int64_t offset);

    bool append(const char* data, std::size_t size);
    bool flush();
    // Drops staged bytes and empties the file.
    bool truncate();
    // Flushes and closes; false when the last writes failed (the system may report them only here).
    bool close();

    // Called with each block right after it is written; it may swap the block for an empty buffer to keep it.
    void setOnWritten(std::function<void(std::vector<char>& block)> onWritten) { m_onWritten = std::move(onWritten); }

    // errno text of the last failure.
    const std::string& error() const { return m_error; }

private:
    bool writeAll(const char* data, std::size_t size);
    bool fail();

    int m_fd = -1;
    std::int64_t m_onDisk = 0;
    std::vector<char> m_stage;
    std::function<void(std::vector<char>&)> m_onWritten;
    std::chrono::steady_clock::time_point m_lastWrite;
    std::string m_error;
};

}  // namespace lathe::hub::detail
