#pragma once
// Private to core.

#include "lathe/compile/Compile.h"
#include "lathe/model/ModelConfig.h"
#include "lathe/quant/QuantPlan.h"
#include "model/Projections.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::compile {

// Everything compileModel() decided from the options and the model before doing any work.
struct CompilePlan {
    CompileOptions options;
    std::string modelDir;        // resolved model folder
    std::string modelName;       // names spinWeight/<modelName>/R1
    model::ModelConfig config;   // the checkpoint's own
    model::ModelConfig compiledConfig;  // what the container describes: untied, since its head is a linear of its own
    bool rotate = false;         // fuse norms, R1, R2
    std::string savePath, reportPath, reportCsvPath, workDir, outputDir;
    std::string rotationPath, rotatedEmbeddingPath;  // empty unless rotated
    std::vector<quant::LinearPlan> linears;          // layer by layer in run order, then lm_head
    // Pieces the [vocab, hidden] matrices (head, embedding) and the logits are processed in, to bound memory:
    // rows per block (about 64 MiB of fp32) and tokens per batch of logits (about 32 MiB of fp32). Results do not
    // depend on them.
    int64_t rowsPerBlock = 0;
    int64_t tokensPerLogitBatch = 0;

    const quant::LinearPlan& linear(int layer, model::Projection projection) const;
};

// Checks every option against the model (bits, groups and overrides, group size, methods, paths) and resolves
// the output paths. Errors: InvalidArgument naming the option and the accepted values.
Result<CompilePlan> makeCompilePlan(const CompileOptions& options, const std::string& modelDir,
                                    const model::ModelConfig& config);

}  // namespace lathe::compile
