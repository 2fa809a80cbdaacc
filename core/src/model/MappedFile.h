#pragma once

#include "lathe/common/Result.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace lathe {

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

private:
    MappedFile() = default;
    std::string m_path;
    const uint8_t* m_data = nullptr;
    uint64_t m_size = 0;
    void* m_mapping = nullptr;
};

}  // namespace lathe
