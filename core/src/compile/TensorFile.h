#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"
#include "model/SafetensorsWriter.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lathe::model {
class SafetensorsFile;
}

namespace lathe::compile {

// The compiler's work files (finished layers, hidden-state checkpoints, spilled activations) are safetensors
// files, so the container writer can copy a finished layer's tensors straight out of them.

// Writes `tensors` in order, streamed from their own memory (no copy of the whole file is built), under a
// temporary name renamed when complete. Errors: InvalidArgument (dtype, duplicate name), Io.
Result<void> writeTensorFile(const std::string& path, const model::NamedTensors& tensors,
                             const std::map<std::string, std::string>& metadata = {});

// Where one tensor's bytes lie in a file: what CompiledModelWriter::addFileRange needs.
struct StoredTensor {
    std::string name;
    std::string dtype;  // "F32", "F16", "I8", "U8", ...
    std::vector<int64_t> shape;
    uint64_t offset = 0;  // from the start of the file
    uint64_t bytes = 0;
};

// A work file opened for reading (memory-mapped, header validated).
class TensorFile {
public:
    // Errors: NotFound, Io, Corrupt (naming the file).
    static Result<TensorFile> open(const std::string& path);

    const std::string& path() const { return m_path; }
    // Every tensor in file order.
    const std::vector<StoredTensor>& tensors() const { return m_tensors; }
    const std::map<std::string, std::string>& metadata() const;
    // A fresh tensor holding a copy of the stored one. Errors: NotFound (no such tensor), Unsupported (dtype).
    Result<at::Tensor> load(const std::string& name) const;

private:
    std::string m_path;
    std::shared_ptr<const model::SafetensorsFile> m_file;
    std::vector<StoredTensor> m_tensors;
};

}  // namespace lathe::compile
