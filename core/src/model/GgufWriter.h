#pragma once
// Private to core.

#include "common/AtomicFileWriter.h"
#include "lathe/common/Result.h"
#include "model/GgufBlocks.h"
#include "model/GgufFile.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe::model {

// Writes a GGUF v3 file: metadata and the tensor table are declared first, then the header is written and each
// tensor's bytes are streamed in declaration order, so a model larger than memory is written one tensor at a time.
// The file appears under its name only on commit(); an error or destroying the writer before commit() leaves
// nothing behind (AtomicFileWriter). Tensor data starts 32-byte aligned (general.alignment's default).
class GgufWriter {
public:
    void setString(const std::string& key, std::string value);
    void setUInt32(const std::string& key, uint32_t value);
    void setFloat32(const std::string& key, float value);
    void setBool(const std::string& key, bool value);
    void setStrings(const std::string& key, const std::vector<std::string>& values);
    void setFloats(const std::string& key, const std::vector<float>& values);
    void setInt32s(const std::string& key, const std::vector<int32_t>& values);

    // Declares a tensor of `rows` x `cols` (a vector when rows is 0). Errors: InvalidArgument for a repeated
    // name or a width the type cannot hold.
    Result<void> addTensor(const std::string& name, int64_t rows, int64_t cols, GgmlType type);

    // Creates the temporary file and writes the header. Errors as AtomicFileWriter::create.
    Result<void> begin(const std::string& path);
    // The next declared tensor's bytes. Errors: InvalidArgument when `bytes` is not that tensor's size or all
    // tensors were written; Io (with ENOSPC's advice) from the write.
    Result<void> writeTensor(std::string_view bytes);
    // Checks that every tensor was written, then renames the file into place.
    Result<void> commit();

    const std::string& nextTensorName() const;
    uint64_t fileBytes() const;  // the size the finished file will have (known once begin() wrote the header)

private:
    struct Entry {
        std::string name;
        std::vector<uint64_t> dims;
        GgmlType type;
        uint64_t bytes;
        uint64_t offset;
    };
    void set(const std::string& key, GgufValue value);
    std::string header() const;

    std::vector<std::pair<std::string, GgufValue>> m_metadata;
    std::vector<Entry> m_tensors;
    uint64_t m_dataBytes = 0;
    uint64_t m_headerBytes = 0;
    size_t m_next = 0;
    std::optional<AtomicFileWriter> m_file;
};

}  // namespace lathe::model
