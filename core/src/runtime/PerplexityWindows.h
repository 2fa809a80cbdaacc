#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/runtime/Perplexity.h"
#include "runtime/Decoder.h"

#include <optional>
#include <vector>

namespace lathe {

// The perplexity protocol of EvalOptions over already tokenized text (no specials). `bos` set = BOS
// windows, unset = plain windows. Fills every PerplexityResult field except `seconds`.
// Errors: InvalidArgument (ctx < 2, text shorter than one window), Cancelled.
Result<PerplexityResult> perplexityOfTokens(const Decoder& decoder, const std::vector<int32_t>& textTokens,
                                            int ctx, std::optional<int32_t> bos, int batchWindows,
                                            const ProgressFn& progress, const StopToken& stop);

}  // namespace lathe
