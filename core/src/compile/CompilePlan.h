#pragma once
// Private to core.

#include "lathe/compile/Compile.h"
#include "lathe/model/ModelConfig.h"
#include "model/Projections.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::compile {

// How one linear is compiled, after the bit preset and every override.
struct LinearPlan {
    std::string module;  // Hugging Face module name: "model.layers.3.self_attn.q_proj", "lm_head"
    int layer = -1;      // -1 for lm_head
    Projection projection = Projection::Query;
    std::string group;  // "query" "key" "value" "output" "ffn" "head"
    int weightBits = 8;
    int activationBits = 8;
    int64_t in = 0;
    int64_t out = 0;
};

// Everything compileModel() decided from the options and the model before doing any work.
struct CompilePlan {
    CompileOptions options;
    std::string modelDir;        // resolved model folder
    std::string modelName;       // names spinWeight/<modelName>/R1
    ModelConfig config;          // the checkpoint's own
    ModelConfig compiledConfig;  // what the container describes: untied, since its head is a linear of its own
    bool rotate = false;         // fuse norms, R1, R2
    std::string savePath, reportPath, reportCsvPath, workDir, outputDir;
    std::string rotationPath, rotatedEmbeddingPath;  // empty unless rotated
    std::vector<LinearPlan> linears;                 // layer by layer in run order, then lm_head
    // Pieces the [vocab, hidden] matrices (head, embedding) and the logits are processed in, to bound memory:
    // rows per block (about 64 MiB of fp32) and tokens per batch of logits (about 32 MiB of fp32). Results do not
    // depend on them.
    int64_t rowsPerBlock = 0;
    int64_t tokensPerLogitBatch = 0;

    const LinearPlan& linear(int layer, Projection projection) const;
};

// The group a projection belongs to ("query" ... "head").
const char* projectionGroup(Projection projection);

// The module name of a projection: "model.layers.<layer>.self_attn.q_proj", ..., "lm_head".
std::string moduleName(int layer, Projection projection);

// The seven projections of a decoder layer in the order a layer runs them.
const std::vector<Projection>& layerProjections();

// Checks every option against the model (bits, groups and overrides, group size, methods, paths) and resolves
// the output paths. Errors: InvalidArgument naming the option and the accepted values.
Result<CompilePlan> makeCompilePlan(const CompileOptions& options, const std::string& modelDir,
                                    const ModelConfig& config);

}  // namespace lathe::compile
