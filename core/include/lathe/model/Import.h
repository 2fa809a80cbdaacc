#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::model {

struct ImportOptions {
    std::string sourcePath;     // a .gguf file (F32/F16/BF16/Q8_0/Q4_0) or a llama2.c .bin checkpoint
    std::string tokenizerPath;  // optional sentencepiece tokenizer.model to copy into the folder
    std::string outDir;         // the Hugging Face model folder to create
    bool force = false;         // replace an existing non-empty outDir
};

struct ImportSummary {
    std::string format;  // "gguf" or "llama2.c"
    std::string outDir;
    int tensorCount = 0;
    int64_t parameterCount = 0;
    bool tiedEmbeddings = false;
    std::string tokenizer;  // "copied", "synthesized from GGUF metadata" or "none"
    std::vector<std::string> warnings;
};

// Converts a GGUF or llama2.c checkpoint into a Hugging Face folder (config.json, model.safetensors in
// float32 with Hugging Face names and rotary row order, tokenizer files, generation_config.json).
// The folder appears complete or not at all. The format is chosen by extension (.gguf / .bin), else by
// the GGUF magic.
// Errors: InvalidArgument (outDir exists and is not empty without `force`), NotFound (source or
// tokenizer missing), Corrupt (malformed source, naming the file and the problem), Unsupported
// (quantized GGUF tensors, other architectures), Io, Cancelled (nothing is left behind).
Result<ImportSummary> importModel(const ImportOptions& options, const ProgressFn& progress = {},
                                  const StopToken& stop = {});

}  // namespace lathe::model
