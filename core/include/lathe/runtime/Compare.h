#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/runtime/Perplexity.h"

#include <cstdint>
#include <string>

namespace lathe::runtime {

// A float model and its compiled model on the same perplexity windows.
struct CompareResult {
    PerplexityResult floatResult;     // seconds: the whole comparison
    PerplexityResult compiledResult;  // same windows and counts as floatResult
    double perplexityRatio = 0;       // compiled / float
    // Fraction of scored positions where the two models' logits have the same argmax (lowest id on ties).
    double top1Agreement = 0;
    int64_t agreeingPositions = 0;
};

// Loads the float model (options.modelPath) and the compiled model (options.mxqPath + options.embeddingPath),
// tokenizes the text once with the float model's tokenizer, and runs both on every window of the perplexity
// protocol (EvalOptions), batch by batch, so their NLLs and argmaxes are compared position by position.
// Errors: InvalidArgument (one of the three paths missing, models with different vocabularies, and as
// evaluatePerplexity), model/tokenizer/text errors, Cancelled (between window batches).
Result<CompareResult> compareModels(const EvalOptions& options, const ProgressFn& progress = {},
                                    StopToken stop = {});

// {"float": {...perplexityResultToJson...}, "compiled": {...}, "perplexity_ratio": r, "top1_agreement": a,
//  "agreeing_positions": n}
std::string compareResultToJson(const CompareResult& result);

}  // namespace lathe::runtime
