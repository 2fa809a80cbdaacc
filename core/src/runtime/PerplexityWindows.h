#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/runtime/Perplexity.h"
#include "model/Decoder.h"

#include <optional>
#include <vector>

namespace lathe::runtime {

// The window layout of the protocol for `totalTokens` text tokens: fills ctx, bosPrepended, textTokens, windows
// and droppedTokens. Errors: InvalidArgument (ctx < 2, text shorter than one window).
Result<PerplexityResult> planWindows(int64_t totalTokens, int ctx, bool bos);

// Token ids of windows [first, first + rows): int64 [rows, ctx], BOS first when `bos` is set.
at::Tensor windowIds(const std::vector<int32_t>& textTokens, int ctx, std::optional<int32_t> bos, int64_t first,
                     int64_t rows);

// NLL of every scored token of windows `ids` [B, ctx] from their logits [B, ctx, vocab]: fp32 [B, ctx - 1]
// (position i predicts token i + 1).
at::Tensor scoredTokenNll(const at::Tensor& logits, const at::Tensor& ids);

// The perplexity protocol of EvalOptions over already tokenized text (no specials). `bos` set = BOS
// windows, unset = plain windows. Fills every PerplexityResult field except `seconds`.
// Errors: InvalidArgument (ctx < 2, text shorter than one window), Cancelled.
Result<PerplexityResult> perplexityOfTokens(const model::Decoder& decoder, const std::vector<int32_t>& textTokens,
                                            int ctx, std::optional<int32_t> bos, int batchWindows,
                                            const ProgressFn& progress, const StopToken& stop);

}  // namespace lathe::runtime
