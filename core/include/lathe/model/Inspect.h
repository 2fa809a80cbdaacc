#pragma once

#include "lathe/common/Result.h"
#include "lathe/model/ModelConfig.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe::model {

struct TensorSummary {
    std::string name;  // for layer tensors, the part after "model.layers.<i>."
    std::string dtype;
    std::vector<int64_t> shape;
};

// What `lathe inspect` reports about a Hugging Face model folder.
struct ModelSummary {
    std::string directory;
    ModelConfig config;
    int64_t parameterCount = 0;                    // every element of every tensor in the checkpoint
    int64_t byteCount = 0;                         // tensor bytes as stored
    std::map<std::string, int64_t> dtypeTensors;   // dtype -> number of tensors
    std::map<std::string, int64_t> dtypeParameters;
    std::vector<TensorSummary> layerTensors;       // layer 0's tensors; every layer has the same ones
    std::vector<TensorSummary> otherTensors;       // embeddings, final norm, lm_head, extras
    std::vector<std::string> files;                // safetensors files, as found
};

// Opens and validates the checkpoint (see Checkpoint::open) and summarises it.
// Errors: those of Checkpoint::open (NotFound, Corrupt, Unsupported), naming the file.
Result<ModelSummary> inspectModel(const std::string& modelDir);

// Human-readable report, several lines.
std::string formatModelSummary(const ModelSummary& summary);

// The same as a JSON document (stable keys, for scripts and tests).
std::string modelSummaryToJson(const ModelSummary& summary);

}  // namespace lathe::model
