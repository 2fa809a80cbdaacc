#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"
#include "lathe/model/ModelConfig.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lathe::model {

struct TensorInfo {
    std::string name;
    std::string dtype;  // safetensors spelling: "BF16", "F16", "F32"
    std::vector<int64_t> shape;
    std::string file;   // the shard that holds it
};

// A Hugging Face model directory opened for reading: config.json plus model.safetensors or sharded
// model-0000N-of-0000M.safetensors with model.safetensors.index.json. Shards are memory-mapped;
// tensors are converted on demand, so holding a Checkpoint costs address space, not memory.
// Thread-safe for concurrent load() calls.
class Checkpoint {
public:
    // Validates every header (offsets in range and non-overlapping, known dtypes, shapes against the
    // config, all tensors the architecture needs present). Errors name the file and the problem.
    static Result<std::unique_ptr<Checkpoint>> open(const std::string& modelDir);
    virtual ~Checkpoint() = default;

    virtual const ModelConfig& config() const = 0;
    virtual const std::string& directory() const = 0;
    virtual bool has(const std::string& name) const = 0;
    virtual std::vector<TensorInfo> tensors() const = 0;

    // A fresh, contiguous tensor (owning its memory) converted to `dtype`.
    virtual Result<at::Tensor> load(const std::string& name, at::ScalarType dtype = at::kFloat) const = 0;
};

// Canonical Hugging Face tensor names for layer `i`.
std::string layerTensorName(int layer, const std::string& suffix);  // "model.layers.<i>.<suffix>"

}  // namespace lathe::model
