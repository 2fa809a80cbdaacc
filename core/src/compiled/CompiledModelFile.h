#pragma once
// Private to core: exposes libtorch types.

#include "compiled/CompiledModelFormat.h"
#include "compiled/QuantizedLinear.h"
#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <memory>
#include <string>

namespace lathe::model {
class SafetensorsFile;
}

namespace lathe::compiled {

// A compiled container opened for running: the safetensors layer mapped and validated (model/SafetensorsFile),
// the metadata parsed, and every tensor the config and the linear specs require checked for presence, dtype and
// shape. Tensors are copied out on request, so the object stays small. Immutable, safe to share across threads.
class CompiledModelFile {
public:
    // Errors: NotFound/Io opening; Unsupported (not a Lathe compiled model, or written by a newer Lathe);
    // Corrupt naming the file and the problem: a malformed safetensors layer (e.g. truncated), bad metadata,
    // a missing tensor or one of the wrong dtype/shape, a tokenizer file whose sha256 does not match.
    static Result<std::shared_ptr<const CompiledModelFile>> open(const std::string& path);

    const std::string& path() const { return m_path; }
    const CompiledModelInfo& info() const { return m_info; }
    const model::ModelConfig& config() const { return m_info.config; }

    // The linear of `module` as the runtime runs it: codes unpacked to int8 [out, in], F32 scales, bias.
    // Errors: NotFound (no such module), Corrupt (codes outside the grid of its bits, scales that are not
    // finite and positive), naming the tensor.
    Result<QuantizedLinear> linear(const std::string& module) const;

    // An F32 tensor (the norms), copied. Errors: NotFound, Corrupt (not F32).
    Result<at::Tensor> floatTensor(const std::string& name) const;

    // The bytes of a stored tokenizer file (a key of info().tokenizerFiles). Errors: NotFound.
    Result<std::string> tokenizerFile(const std::string& fileName) const;

private:
    Result<void> validate() const;

    std::string m_path;
    std::shared_ptr<const model::SafetensorsFile> m_file;
    CompiledModelInfo m_info;
};

}  // namespace lathe::compiled
