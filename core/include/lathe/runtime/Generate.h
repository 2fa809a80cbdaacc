#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lathe::runtime {

struct GenerateOptions {
    std::string modelPath;   // see resolveModelPath()
    // A compiled model (docs/compiled-model.md) to run instead of modelPath, with its input embedding
    // (torch.save'd [vocab, hidden]; the rotated one for rotated modes). Both or neither.
    std::string mxqPath;
    std::string embeddingPath;
    std::string prompt;      // encoded with the tokenizer's own special-token rules (BOS for Llama)
    int maxNewTokens = 128;
    // Greedy picks the highest logit (lowest id on ties). Otherwise tokens are sampled from
    // softmax(logits / temperature), restricted to the smallest set of most likely tokens whose
    // probability reaches topP (top-p / nucleus).
    bool greedy = true;
    double temperature = 1.0;
    double topP = 1.0;
    // Sampling RNG: std::mt19937_64 seeded with `seed`; each draw is (next() >> 11) * 2^-53, a uniform
    // double in [0, 1). The same seed, model and options give the same tokens on every platform.
    uint64_t seed = 0;
    int threads = 0;  // 0 = automatic, see setComputeThreads()
};

enum class StopReason { EndOfSequence, MaxNewTokens, ContextFull };

struct GenerateResult {
    int promptTokens = 0;
    int generatedTokens = 0;
    StopReason stopReason = StopReason::MaxNewTokens;
    double secondsPrefill = 0;
    double secondsDecode = 0;
};

// Runs the float reference model (or the compiled one, see mxqPath) on the prompt, then one token at a time with a KV cache, calling
// onText with each newly completed piece of text (UTF-8; the pieces concatenate to the decoded
// continuation). Stops at an EOS id of the model, after maxNewTokens, or when the context
// (max_position_embeddings) is full. onText runs on the calling thread and must not throw.
// Errors: InvalidArgument (bad option), NotFound/Corrupt/Unsupported (model or tokenizer), Cancelled
// when `stop` fires (checked before each token; text already delivered stays delivered).
Result<GenerateResult> generate(const GenerateOptions& options, const std::function<void(std::string_view)>& onText,
                                StopToken stop = {});

}  // namespace lathe::runtime
