#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::runtime {

// Perplexity protocol (docs/runtime.md): the whole text is tokenized once without special tokens; it is
// cut into non-overlapping windows and the tail that does not fill a window is dropped; every window is
// evaluated independently from an empty context; ppl = exp(mean NLL over all scored tokens), the NLL of
// each token computed in fp32 and summed in double.
//  - addBos (default): window = BOS + (ctx - 1) text tokens; all ctx - 1 text tokens are scored.
//  - !addBos:          window = ctx text tokens; the last ctx - 1 are scored.
struct EvalOptions {
    std::string modelPath;  // see resolveModelPath()
    // A compiled model (docs/compiled-model.md) to evaluate instead of modelPath, with its input embedding
    // (torch.save'd [vocab, hidden]; the rotated one for rotated modes). Both or neither.
    std::string mxqPath;
    std::string embeddingPath;
    std::string textFile;   // UTF-8 text, read whole
    // Lines whose whole content equals one of these are removed with their line break before tokenizing
    // (e.g. TinyStories' "<|endoftext|>" story separators; see docs/runtime.md).
    std::vector<std::string> dropLines;
    int ctx = 0;            // window length in tokens including BOS; 0 = min(max_position_embeddings, 2048)
    bool addBos = true;
    int threads = 0;        // 0 = automatic, see setComputeThreads()
    int batchWindows = 8;   // windows evaluated together (speed only; results do not depend on it)
};

struct PerplexityResult {
    double perplexity = 0;
    double meanNll = 0;           // nats per scored token
    int64_t textTokens = 0;       // tokens of the whole text
    int64_t windows = 0;
    int64_t scoredTokens = 0;
    int64_t droppedTokens = 0;    // tail that did not fill a window
    int64_t droppedLines = 0;     // lines removed by EvalOptions::dropLines
    int ctx = 0;
    bool bosPrepended = true;
    double seconds = 0;
};

// Progress is reported per window batch ("windows"). Errors: InvalidArgument (ctx < 2 or beyond the
// model's max_position_embeddings, text shorter than one window, no model or an embedding without mxqPath),
// NotFound/Io (text file), model and tokenizer errors, Cancelled (checked between window batches).
Result<PerplexityResult> evaluatePerplexity(const EvalOptions& options, const ProgressFn& progress = {},
                                            StopToken stop = {});

// The result as a JSON object (keys as the field names in snake_case, e.g. "perplexity", "scored_tokens").
std::string perplexityResultToJson(const PerplexityResult& result);

}  // namespace lathe::runtime
