#pragma once

#include "lathe/common/Result.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace lathe::model {

// A whole file mapped read-only. Checkpoints are mapped rather than read so that opening a model
// costs address space only; pages are read when a tensor is converted.
class MappedFile {
public:
    // Errors: NotFound (no such file), Io (cannot open or map), both naming the path.
    static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return m_path; }
    const uint8_t* data() const { return m_data; }
    uint64_t size() const { return m_size; }

    // Drops this process's resident pages of bytes [offset, offset + bytes) (rounded out to whole pages) once
    // their contents have been copied out: without it every page read stays in the resident set for the life of
    // the mapping (a 2.5 GB checkpoint read layer by layer would end fully resident). The mapping stays valid; a
    // later read faults the pages back in from the page cache. Out-of-range parts are ignored.
    void release(uint64_t offset, uint64_t bytes) const;

private:
    MappedFile() = default;
    std::string m_path;
    const uint8_t* m_data = nullptr;
    uint64_t m_size = 0;
    void* m_mapping = nullptr;
};

}  // namespace lathe::model
