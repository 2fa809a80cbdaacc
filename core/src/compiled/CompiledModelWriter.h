#pragma once
// Private to core: exposes libtorch types.

#include "compiled/CompiledModelFormat.h"
#include "compiled/QuantizedLinear.h"
#include "lathe/common/Progress.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::compiled {

// Assembles a container without holding all of it in memory: small tensors are kept, large ones may be
// referenced as byte ranges of files already on disk (e.g. a finished layer's part file) and are streamed
// into place. The output is written under a temporary name and renamed; an error or cancel leaves nothing.
class CompiledModelWriter {
public:
    explicit CompiledModelWriter(CompiledModelInfo info);
    ~CompiledModelWriter();  // out of line: Entry is complete only in the .cpp
    CompiledModelWriter(CompiledModelWriter&&) noexcept;
    CompiledModelWriter& operator=(CompiledModelWriter&&) noexcept;

    // A tensor in memory (F32, I8, U8, BF16 ...). Names must be unique.
    void addTensor(const std::string& name, const at::Tensor& tensor);
    // The stored tensors of one linear under `module`, as encodeLinear (compiled/LinearEncoding.h) makes them;
    // also records its LinearSpec in the metadata (replacing one the info had for `module`).
    void addLinear(const std::string& module, const QuantizedLinear& linear);
    // `bytes` bytes at `offset` of `file`, declared as a tensor of `dtype` ("I8", "U8", "F32") and `shape`.
    void addFileRange(const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape,
                      const std::string& file, uint64_t offset, uint64_t bytes);
    // The bytes of a tokenizer file, stored as "tokenizer/<fileName>" with its sha256 in the metadata.
    void addTokenizerFile(const std::string& fileName, const std::string& bytes);

    // Tensors in the order added. Problems found by the add* calls are reported here. File ranges are copied in
    // chunks of a few MiB, checking `stop` and reporting progress ("write", bytes) after each.
    // Errors: InvalidArgument (duplicate name, bad dtype/shape), NotFound/Io/Corrupt (a file range cannot be read
    // in full), Io (writing), Cancelled.
    Result<void> write(const std::string& path, const ProgressFn& progress = {}, const StopToken& stop = {});

private:
    struct Entry;
    CompiledModelInfo m_info;
    std::vector<Entry> m_entries;
};

}  // namespace lathe::compiled
