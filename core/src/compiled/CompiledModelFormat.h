#pragma once
// Private to core. The compiled container, format versions 1 and 2 (docs/compiled-model.md).

#include "lathe/common/Result.h"
#include "lathe/model/ModelConfig.h"
#include "lathe/quant/QuantPlan.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lathe::compiled {

inline constexpr const char* kFormatName = "lathe-compiled-model";
// The newest version this build reads and writes. Version 2 allows a group size that does not divide a linear's
// input width (the last group narrower); a file without such a linear is written as version 1, which every
// earlier reader runs.
inline constexpr int kFormatVersion = 2;
inline constexpr int kRaggedGroupsVersion = 2;

// How one linear was compiled. Key in CompiledModelInfo::linears: the Hugging Face module name,
// e.g. "model.layers.3.self_attn.q_proj", "model.layers.3.mlp.down_proj", "lm_head".
struct LinearSpec {
    int weightBits = 8;       // 2..8; <= 4 stored packed two per byte, otherwise int8
    int64_t groupSize = 0;    // 0 = one scale per output channel; else ceil(in / groupSize) scales per channel
    int activationBits = 8;   // 2..16, static per-tensor scale
    bool hasBias = false;
};

struct RotationInfo {
    bool fusedNorms = false;
    bool r1 = false;
    bool r2 = false;
    std::string kind;  // "random-hadamard"
    uint64_t seed = 0;
};

// Everything in the safetensors metadata besides the magic and version.
struct CompiledModelInfo {
    int formatVersion = kFormatVersion;        // as read; toMetadata writes requiredFormatVersion instead
    model::ModelConfig config;                 // of the transformed model (untied when rotated)
    quant::BitMode bitMode = quant::BitMode::W8;  // the preset, before overrides
    quant::WeightMethod weightMethod = quant::WeightMethod::Gptq;
    quant::ActivationMethod activationMethod = quant::ActivationMethod::Max;
    double percentile = 0;
    RotationInfo rotation;
    bool embeddingRotated = false;             // the runtime must be given the rotated embedding
    std::map<std::string, LinearSpec> linears;
    std::map<std::string, std::string> tokenizerFiles;  // file name → sha256 of the bytes stored as a tensor
    std::string provenanceJson;                // source model, commit, calibration summary, options, version
};

// Tensor names: "<module>.weight_q", "<module>.weight_scale", "<module>.input_scale", "<module>.bias", norms under
// their Hugging Face names, tokenizer files as "tokenizer/<file name>" (U8 bytes).
std::string weightCodesName(const std::string& module);
std::string weightScaleName(const std::string& module);
std::string inputScaleName(const std::string& module);
std::string biasName(const std::string& module);
std::string tokenizerTensorName(const std::string& fileName);

// Module names of layer `layer`'s projections, in the order a layer runs them (compile::moduleName), and
// "lm_head".
std::vector<std::string> layerModules(int layer);

using quant::kHeadModule;

// Every linear a model of `config` has: layerModules(0..N-1), then "lm_head" (compile::allModuleNames).
std::vector<std::string> allModules(const model::ModelConfig& config);

// [out, in] of a module of `config`; empty when the name is not one of allModules(config).
std::vector<int64_t> linearShape(const model::ModelConfig& config, const std::string& module);

// Norm tensors (Hugging Face names) a container of `config` stores, F32 each, with their widths: the layer norms
// model::layerNormTensors lists (q/k norms are [head_dim]), then the final norm.
std::vector<std::pair<std::string, int64_t>> normTensors(const model::ModelConfig& config);

// Files of a model folder the runtime needs besides the weights, stored as "tokenizer files": the tokenizer's, in
// the order Tokenizer::load looks for them, then chat_template.jinja and generation_config.json. The compiler
// stores those that exist, and the runtime rebuilds the folder from them.
const std::vector<std::string>& tokenizerFileNames();

// The stored dtype and shape of the codes of a linear: "U8" [out, in/2] for <= 4 bits (packInt4), else "I8" [out, in].
std::string weightCodesDtype(int weightBits);
std::vector<int64_t> weightCodesShape(int64_t out, int64_t in, int weightBits);

// True when `groupSize` is a group size (> 0) that does not divide `in`, leaving the last group narrower.
bool hasRaggedGroups(int64_t in, int64_t groupSize);

// The lowest format version that can hold `info`: kRaggedGroupsVersion when a linear has ragged groups, else 1.
int requiredFormatVersion(const CompiledModelInfo& info);

// Metadata map (all values strings) ↔ info. Errors on parse: Corrupt naming the field; Unsupported for another
// format name or a newer version.
std::map<std::string, std::string> toMetadata(const CompiledModelInfo& info);
Result<CompiledModelInfo> fromMetadata(const std::map<std::string, std::string>& metadata, const std::string& path);

}  // namespace lathe::compiled
