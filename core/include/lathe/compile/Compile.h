#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/compile/CompileReport.h"
#include "lathe/quant/QuantPlan.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lathe::compile {

// Step 3 of the reference flow (generate_mxq.py): float model + calibration samples → compiled container,
// report, and for rotated modes the R1 rotation file and the rotated embedding. docs/compiler.md.
struct CompileOptions {
    std::string modelPath;         // model directory or a repo id found in the HF cache
    std::string calibDataPath;     // folder of inputs_embeds_<i>.npy (searched recursively), float32 [1, seq, hidden]
    std::string savePath;          // compiled container; any extension
    quant::BitMode bitMode = quant::BitMode::W4V8;

    // Overrides on top of the preset: group → bits (2..8), and "<layer>.<group>" → bits for one layer
    // (e.g. "0.ffn"). Linears named here ("model.layers.3.mlp.down_proj", "lm_head") keep 16-bit activations
    // (a static scale max|x|/32767 instead of an 8-bit one). The rules: lathe/quant/QuantPlan.h.
    std::map<std::string, int> groupBits;
    std::map<std::string, int> layerGroupBits;
    std::vector<std::string> keep16BitActivations;

    quant::WeightMethod weightMethod = quant::WeightMethod::Gptq;
    int64_t groupSize = 0;  // 0 = per output channel
    // f16 rounds every weight scale to float16 as it is chosen, so GGUF's blocks store it exactly.
    quant::ScaleType scaleType = quant::ScaleType::F32;
    // gguf: groups of 32 (when groupSize is 0), f16 scales, and 8 bits for linears whose input width is not a
    // multiple of 32 (quant::applyTarget, planLinears).
    quant::CompileTarget target = quant::CompileTarget::Lathe;
    bool actOrder = true;
    double dampFraction = 0.01;
    // GPTQ aims each linear at the float model's outputs rather than at its own on the compiled model's inputs
    // (quant/FloatTarget.h): corrects the error the layers before it left in its inputs.
    bool floatTarget = true;
    quant::ActivationMethod activationMethod = quant::ActivationMethod::Percentile;
    double percentile = 0.9999;

    // Equivalent transforms (R1 + R2 random Hadamards, with norm fusion): Auto = on for w4/w4v8, off for w8.
    quant::RotationMode rotation = quant::RotationMode::Auto;
    uint64_t seed = 0;

    // Where spinWeight/<model>/R1/global_rotation.pth and the rotated embedding go; empty = the save path's folder.
    std::string outputDir;
    std::string rotatedEmbeddingPath;  // empty = <outputDir>/embedding_rotated.pt (rotated modes only)
    std::string reportPath;            // empty = <savePath>.report.json (+ .csv next to it)
    std::string workDir;               // resume state; empty = <savePath>.work
    bool resume = true;                // continue from the last finished layer found in workDir

    int threads = 0;  // 0 = automatic, see setComputeThreads() (one per hardware thread; one for tiny models)
    int64_t maxCalibTokens = 0;                         // 0 = all tokens of all samples
    int64_t activationMemoryBudget = int64_t{2} << 30;  // bytes of calibration activations kept in RAM
    // Called on the compiling thread with each finished layer's block and linear rows (the report.json rows, in
    // run order), so a caller can show them while the compile runs: first for the layers a resumed run takes
    // from the work folder, then after each layer compiled, and once after the head with BlockReport{layer -1}
    // and the lm_head row. Not part of the fingerprint or the outputs. Must not throw.
    std::function<void(const BlockReport&, const std::vector<LinearReport>&)> onLayerReport;
};

// The options that decide how each linear is quantized, for planLinears() and estimateCompiledBytes().
quant::QuantChoices quantChoices(const CompileOptions& options);

struct CompileSummary {
    std::string savePath;
    std::string reportPath;
    std::string reportCsvPath;
    std::string rotationPath;          // empty for unrotated modes
    std::string rotatedEmbeddingPath;  // empty for unrotated modes
    int layers = 0;
    int samples = 0;
    int64_t calibTokens = 0;
    int resumedLayers = 0;  // layers taken from an earlier interrupted run
    double seconds = 0;
    double finalKlDivergence = 0;
    CompileReport report;  // what report.json holds, plus BlockReport::seconds for the layers compiled in this run
};

// Where compileModel writes for `options`: the defaults it fills in for empty paths, worked out from the options
// alone (nothing is checked, read or written). compileModel takes its paths from this, so callers that only need
// the paths agree with it. `modelDir` is the folder options.modelPath resolves to (the same string when
// modelPath is a folder); the model name comes from it.
struct CompileOutputPaths {
    std::string savePath;
    std::string reportPath;     // <savePath>.report.json unless given
    std::string reportCsvPath;  // the report path without ".json", plus ".csv"
    std::string workDir;        // <savePath>.work unless given
    std::string outputDir;      // options.outputDir, else the save path's folder
    std::string modelName;      // compiledModelName(modelPath, modelDir)
    // Where a rotated compile writes R1 and the rotated embedding; set whether or not this one rotates.
    std::string rotationPath;          // <outputDir>/spinWeight/<modelName>/R1/global_rotation.pth
    std::string rotatedEmbeddingPath;  // options.rotatedEmbeddingPath, else <outputDir>/embedding_rotated.pt
    bool rotated = false;              // rotation "on", or "auto" with a 4-bit mode
};
CompileOutputPaths compileOutputPaths(const CompileOptions& options, const std::string& modelDir);

// The name a model goes by in compile outputs (spinWeight/<name>/R1, the report's "model"): the repository's name
// for a snapshot folder of the Hugging Face cache or a repo id that is not a folder, else the folder's name.
// "meta-llama/Llama-3.2-1B" and <cache>/models--meta-llama--Llama-3.2-1B/snapshots/<commit> → "Llama-3.2-1B".
std::string compiledModelName(const std::string& modelPath, const std::string& modelDir);

// Validates everything before any work (model, architecture, calibration hidden size, bits, paths), then runs the
// stages with progress (stage "validate", "layer i/N" with the sub-step as detail, "head", "write"; done/total count
// steps of the whole compile, so a caller can estimate the time left) and cancellation (checked per calibration
// sample and per GPTQ block). After each finished layer the work folder holds what a later call needs to resume.
// Outputs are written under temporary names and renamed when all are complete; a cancel or an error leaves none
// (the work folder stays for resuming). The same inputs and options give byte-identical outputs.
// Errors: InvalidArgument, NotFound, Corrupt, Unsupported, Io, Cancelled.
Result<CompileSummary> compileModel(const CompileOptions& options, const ProgressFn& progress = {},
                                    const StopToken& stop = {});

}  // namespace lathe::compile
