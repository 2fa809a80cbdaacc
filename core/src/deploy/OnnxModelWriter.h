#pragma once
// Private to core: exposes ONNX's protobuf types.

#include "deploy/OnnxGraph.h"
#include "lathe/common/Progress.h"

#include <string>

namespace lathe::deploy {

// protobuf refuses messages of 2 GiB or more; a model whose tensors come near it keeps them in a side file.
inline constexpr uint64_t kOnnxInlineLimit = (uint64_t{2} << 30) - (uint64_t{64} << 20);

struct OnnxWriteOptions {
    int opset = 21;
    // Tensors in `<model>_data` beside the model (ONNX external data) instead of inside it.
    bool externalData = false;
    std::string producerVersion;
};

struct OnnxWriteSummary {
    uint64_t modelBytes = 0;  // the .onnx file
    uint64_t dataBytes = 0;   // the external data file, 0 when there is none
    int tensors = 0;
};

// Writes `graph` as an ONNX model at `path`, its deferred tensors made one batch at a time so that memory holds
// one batch, never the model. Inline tensors are appended as serialised ModelProto fragments (protobuf merges
// concatenated messages, so the file parses as one model); external tensors go to `<path>_data` at 64-byte aligned
// offsets and only their locations enter the model. Both files are written to temporary names and renamed when
// complete. Errors: Io (a full disk, naming the file), Cancelled (checked between batches), and the batches' own.
Result<OnnxWriteSummary> writeOnnxModel(const std::string& path, OnnxGraph& graph, const OnnxWriteOptions& options,
                                        const ProgressFn& progress, const StopToken& stop);

}  // namespace lathe::deploy
