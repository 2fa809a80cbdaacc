#pragma once
// Private to core.

#include "lathe/common/Result.h"
#include "model/MappedFile.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lathe::model {

struct SafetensorsEntry {
    std::string name;
    std::string dtype;  // "F32", "BF16", ...
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets into the data section
    uint64_t end = 0;
};

// Bytes per element of a safetensors dtype, 0 when the dtype is not one the format defines.
size_t safetensorsDtypeSize(const std::string& dtype);

// One memory-mapped .safetensors file whose header has been fully validated: the header fits the file,
// is a JSON object, every entry has a known dtype, a shape whose byte size matches its offsets, offsets
// inside the data section and no two tensors overlapping.
class SafetensorsFile {
public:
    // Errors: NotFound/Io opening the file; Corrupt for a malformed header (message names the file,
    // the tensor and the problem); Unsupported for a dtype outside the safetensors list.
    static Result<std::shared_ptr<const SafetensorsFile>> open(const std::string& path);

    const std::string& path() const { return m_file->path(); }
    const std::vector<SafetensorsEntry>& entries() const { return m_entries; }
    const SafetensorsEntry* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    const uint8_t* data(const SafetensorsEntry& entry) const { return m_dataStart + entry.begin; }
    // Drops the resident pages of an entry whose bytes have been copied out (MappedFile::release).
    void release(const SafetensorsEntry& entry) const
    {
        m_file->release(static_cast<uint64_t>(m_dataStart - m_file->data()) + entry.begin, entry.end - entry.begin);
    }

private:
    std::shared_ptr<const MappedFile> m_file;
    const uint8_t* m_dataStart = nullptr;
    std::vector<SafetensorsEntry> m_entries;
    std::map<std::string, size_t> m_index;
    std::map<std::string, std::string> m_metadata;
};

}  // namespace lathe::model
