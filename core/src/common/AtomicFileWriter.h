#pragma once
// Private to core.

#include "lathe/common/Result.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lathe {

// `what path: strerror(err)` as NotFound for ENOENT, else Io; a full disk or an unwritable folder says what to do.
Error fileError(const std::string& what, const std::string& path, int err);

// Streams a file into `<path>.tmp-<pid>` in the target's folder; commit() fsyncs it and renames it over `path`.
// Destroying the writer before a successful commit() removes the temporary, so an error or a cancel anywhere
// leaves nothing under either name. For contents that fit in memory, writeFileAtomically() is simpler.
class AtomicFileWriter {
public:
    // Errors: NotFound (folder missing), Io — both naming the file.
    static Result<AtomicFileWriter> create(const std::string& path);
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
    AtomicFileWriter(std::string path, std::string tmp, int fd) : m_path(std::move(path)), m_tmp(std::move(tmp)), m_fd(fd) {}
    Result<int> openSource(const std::string& source) const;
    Result<void> readSource(int fd, const std::string& source, uint64_t offset, char* buffer, size_t bytes) const;
    void closeSource(int fd) const;

    std::string m_path;
    std::string m_tmp;
    int m_fd = -1;
    uint64_t m_written = 0;
};

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
