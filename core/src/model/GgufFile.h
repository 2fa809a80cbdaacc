#pragma once
// Private to core.

#include "lathe/common/Result.h"
#include "model/MappedFile.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lathe::model {

enum class GgufType : uint32_t {
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
};

// One metadata value. Integers of every width land in `integer` (uint64 above INT64_MAX is clamped
// out by the reader as Corrupt), floats in `real`; arrays keep their elements.
struct GgufValue {
    GgufType type = GgufType::UInt8;
    GgufType elementType = GgufType::UInt8;  // arrays only
    int64_t integer = 0;
    double real = 0;
    std::string text;
    std::vector<GgufValue> elements;

    bool isInteger() const;
    bool isReal() const { return type == GgufType::Float32 || type == GgufType::Float64; }
};

struct GgufTensor {
    std::string name;
    std::vector<int64_t> dims;  // ne0 first (innermost, the row length)
    uint32_t ggmlType = 0;      // a GgmlType (model/GgufBlocks.h): F32, F16, BF16, Q8_0 or Q4_0
    uint64_t offset = 0;        // relative to the data section
    uint64_t bytes = 0;
};

// Name of a ggml tensor type ("Q4_K"), or "type <n>" for unknown ones.
std::string ggmlTypeName(uint32_t type);

// A memory-mapped GGUF v2/v3 file: header, metadata and tensor table parsed with every length and
// offset bounds-checked against the file.
class GgufFile {
public:
    // Errors: Corrupt (bad magic, truncated, out-of-range offsets, naming the file and what),
    // Unsupported (GGUF v1 or a newer version, a tensor type other than F32/F16/BF16/Q8_0/Q4_0 — naming it).
    static Result<std::shared_ptr<const GgufFile>> open(const std::string& path);

    const std::string& path() const { return m_file->path(); }
    uint32_t version() const { return m_version; }
    const std::map<std::string, GgufValue>& metadata() const { return m_metadata; }
    const GgufValue* find(const std::string& key) const;
    const std::vector<GgufTensor>& tensors() const { return m_tensors; }
    const GgufTensor* findTensor(const std::string& name) const;
    const uint8_t* data(const GgufTensor& tensor) const { return m_dataStart + tensor.offset; }

private:
    std::shared_ptr<const MappedFile> m_file;
    uint32_t m_version = 0;
    std::map<std::string, GgufValue> m_metadata;
    std::vector<GgufTensor> m_tensors;
    const uint8_t* m_dataStart = nullptr;
};

}  // namespace lathe::model
