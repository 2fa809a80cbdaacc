#pragma once
// Exports a compiled model as a GGUF file that llama.cpp runs: each linear's integer weights stored exactly in
// llama.cpp's Q4_0 / Q8_0 blocks, rotations and norm fusion already folded in, with the model's metadata and
// tokenizer. docs/export.md.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe::deploy {

struct GgufExportOptions {
    std::string compiledPath;   // the compiled container (--mxq-path)
    std::string embeddingPath;  // embedding.pt, or the rotated one when the container says embedding_rotated
    // A model folder or repo id for files the container does not hold (chat_template.jinja); optional.
    std::string modelPath;
    std::string outputPath;  // the .gguf file
    bool force = false;      // replace an existing output
    // Linears GGUF's blocks cannot hold exactly (per output channel, other group sizes, float32 scales) are
    // rounded into them instead of refused: codes kept and scales rounded to float16 for groups of 32, otherwise
    // round-to-nearest of the dequantized weights as llama.cpp's own quantizer does.
    bool requantize = false;
    // Type of token_embd (the model's input embedding, rotated when the compile rotated): "q4_0", "q8_0", "f16",
    // "bf16", "f32", or empty for the head's block type (Q4_0 for a head of 4 bits or fewer, else Q8_0).
    std::string embeddingType;
};

// Every type the embedding option accepts, as spelled.
std::vector<std::string> ggufEmbeddingTypeNames();

struct GgufExportSummary {
    std::string outputPath;
    std::string architecture;  // GGUF general.architecture: "llama" (Llama, Mistral) or "qwen2"
    uint64_t bytes = 0;
    int tensors = 0;
    std::map<std::string, int> typeCounts;  // "Q4_0" → tensors of that type
    int64_t weights = 0;                    // values in the 2-D weight tensors (embedding, linears, head)
    double bitsPerWeight = 0;               // their bytes · 8 / weights
    int exactLinears = 0;                   // linears whose GGUF values equal Lathe's bit for bit
    std::vector<std::string> f16Linears;    // linears stored as F16 (input width not a multiple of 32)
    std::vector<std::string> requantized;   // linears --requantize rounded, with how
    std::vector<std::string> notes;         // what the file does not carry, e.g. static activation scales
};

// Errors: InvalidArgument (an existing output without force; a linear GGUF's blocks cannot hold exactly without
// requantize, naming it and the compile flags that make it exportable; a bad embedding type), NotFound, Corrupt
// (the container or embedding, or an embedding whose shape disagrees with the model), Unsupported (an architecture
// or tokenizer GGUF export does not handle), Io (a full disk, with what to do), Cancelled. On any error no file is
// left at the output path, and an existing one is untouched.
Result<GgufExportSummary> exportGguf(const GgufExportOptions& options, const ProgressFn& progress,
                                     const StopToken& stop);

}  // namespace lathe::deploy
