#pragma once
// Exports a compiled model as an ONNX folder in the layout Hugging Face Optimum writes and transformers.js reads:
// the graph with static QuantizeLinear / DequantizeLinear quantization that NPU toolchains take, plus config,
// generation config and tokenizer files. docs/export.md.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe::deploy {

struct OnnxExportOptions {
    std::string compiledPath;   // the compiled container (--mxq-path)
    std::string embeddingPath;  // embedding.pt, or the rotated one when the container says embedding_rotated
    // A model folder or repo id for files the container does not hold (generation_config.json,
    // chat_template.jinja); optional.
    std::string modelPath;
    std::string outputDir;  // the folder to write
    int opset = 21;         // 21 (INT4 weights, block-wise scales) or 17
    bool force = false;     // replace an existing folder
    // Tensors in onnx/model.onnx_data even when they would fit in model.onnx (they always go there past protobuf's
    // 2 GB limit).
    bool externalData = false;
};

// The opsets the export writes, the default first.
std::vector<int> onnxOpsets();

struct OnnxExportSummary {
    std::string outputDir;
    int opset = 21;
    bool externalData = false;
    uint64_t modelBytes = 0;  // onnx/model.onnx
    uint64_t dataBytes = 0;   // onnx/model.onnx_data, 0 when there is none
    int nodes = 0;
    int tensors = 0;                       // initializers
    std::map<std::string, int> opCounts;   // "DequantizeLinear" → nodes
    std::vector<std::string> files;        // written, relative to outputDir
    std::vector<std::string> int16Inputs;  // linears whose activations the compile kept at 16 bits
    std::vector<std::string> notes;
};

// Errors: InvalidArgument (no output folder, an existing one without force, an opset other than 21 or 17, no
// embedding), NotFound / Corrupt / Unsupported (the container, the embedding, an architecture or activation width
// the graph does not express), Io (a full disk, with what to do), Cancelled. On any error nothing is left at the
// output folder, and an existing one is untouched.
Result<OnnxExportSummary> exportOnnx(const OnnxExportOptions& options, const ProgressFn& progress,
                                     const StopToken& stop);

}  // namespace lathe::deploy
