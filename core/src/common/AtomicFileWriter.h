#pragma once
// Private to core.

#include "lathe/common/Result.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lathe {

struct AtomicWriteOptions {
    // Owner-only modes (0600 file, 0700 folder) as huggingface_hub's _write_secret sets them for tokens, applied
    // explicitly so that the umask neither widens nor narrows them. Otherwise the file gets 0644 less the umask.
    bool secret = false;
    // Creates missing parent folders first; otherwise a missing folder is a NotFound error.
    bool createFolders = false;
};

// The temporary name for `path`: `<path>.tmp-<pid>-<n>`, distinct for every call in every process and thread, so
// writers of the same file never share a temporary.
std::string uniqueTemporaryName(const std::string& path);

// Removes the temporaries of `path` left by writers that no longer run (a process killed with SIGKILL runs no
// destructor): `<path>.tmp-<pid>-<n>` whose pid is not alive. Those of running processes are left alone.
void removeStaleTemporaries(const std::string& path);

// Streams a file into a temporary beside it (see uniqueTemporaryName); commit() fsyncs it and renames it over
// `path`, so readers see either the old file or the complete new one. Destroying the writer before a successful
// commit() removes the temporary, so an error or a cancel anywhere leaves nothing under either name. For contents
// that fit in memory, writeFileAtomically() is simpler. Errors name the file and say what to do (fileWriteError).
class AtomicFileWriter {
public:
    // Errors: NotFound (folder missing and not created), Io — both naming the file.
    static Result<AtomicFileWriter> create(const std::string& path, const AtomicWriteOptions& options = {});
    AtomicFileWriter(AtomicFileWriter&& other) noexcept;
    AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    ~AtomicFileWriter();

    Result<void> write(const void* data, size_t bytes);
    // Copies `bytes` bytes at `offset` of `source` in chunks of `chunkBytes`, calling `between` after each chunk;
    // a failing `between` (e.g. Cancelled) stops the copy with its error. Errors: NotFound/Io naming the source,
    // Corrupt when the source is shorter than offset + bytes.
    template <typename Between>
    Result<void> copyRange(const std::string& source, uint64_t offset, uint64_t bytes, size_t chunkBytes,
                           Between&& between);
    Result<void> commit();

    const std::string& path() const { return m_path; }
    uint64_t bytesWritten() const { return m_written; }

private:
    AtomicFileWriter(std::string path, std::string tmp, int fd, bool secret)
        : m_path(std::move(path)), m_tmp(std::move(tmp)), m_fd(fd), m_secret(secret)
    {
    }
    Result<int> openSource(const std::string& source) const;
    Result<void> readSource(int fd, const std::string& source, uint64_t offset, char* buffer, size_t bytes) const;
    void closeSource(int fd) const;

    std::string m_path;
    std::string m_tmp;
    int m_fd = -1;
    uint64_t m_written = 0;
    bool m_secret = false;
};

// Writes `bytes` through an AtomicFileWriter: fsynced, renamed over `path`, nothing left behind on failure.
Result<void> writeFileAtomically(const std::string& path, std::string_view bytes,
                                 const AtomicWriteOptions& options = {});

template <typename Between>
Result<void> AtomicFileWriter::copyRange(const std::string& source, uint64_t offset, uint64_t bytes,
                                         size_t chunkBytes, Between&& between)
{
    auto fd = openSource(source);
    if (!fd) return fd.error();
    std::string buffer(std::min<uint64_t>(chunkBytes, bytes), '\0');
    uint64_t done = 0;
    Result<void> status;
    while (status && done < bytes) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), bytes - done));
        status = readSource(*fd, source, offset + done, buffer.data(), want);
        if (status) status = write(buffer.data(), want);
        done += want;
        if (status) status = between(done);
    }
    closeSource(*fd);
    return status;
}

}  // namespace lathe
