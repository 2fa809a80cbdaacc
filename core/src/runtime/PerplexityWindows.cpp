#include "runtime/PerplexityWindows.h"

#include <algorithm>
#include <cmath>

namespace lathe::runtime {

Result<PerplexityResult> planWindows(int64_t totalTokens, int ctx, bool bos)
{
    if (ctx < 2) return makeError(ErrorCode::InvalidArgument, "ctx must be at least 2 tokens, got " + std::to_string(ctx));
    const int64_t span = bos ? ctx - 1 : ctx;  // text tokens per window
    PerplexityResult r;
    r.ctx = ctx;
    r.bosPrepended = bos;
    r.textTokens = totalTokens;
    r.windows = totalTokens / span;
    r.droppedTokens = totalTokens - r.windows * span;
    if (r.windows == 0)
        return makeError(ErrorCode::InvalidArgument, "the text has " + std::to_string(totalTokens) +
                                                         " tokens, fewer than one window of " + std::to_string(span) +
                                                         "; use a longer text or a smaller ctx");
    return r;
}

at::Tensor windowIds(const std::vector<int32_t>& textTokens, int ctx, std::optional<int32_t> bos, int64_t first,
                     int64_t rows)
{
    const int64_t span = bos ? ctx - 1 : ctx;
    auto ids = at::empty({rows, ctx}, at::kLong);
    auto* p = ids.data_ptr<int64_t>();
    for (int64_t b = 0; b < rows; ++b) {
        int64_t* row = p + b * ctx;
        if (bos) *row++ = *bos;
        std::copy_n(textTokens.begin() + (first + b) * span, span, row);
    }
    return ids;
}

at::Tensor scoredTokenNll(const at::Tensor& logits, const at::Tensor& ids)
{
    const int64_t ctx = ids.size(1);
    auto targets = ids.narrow(1, 1, ctx - 1).unsqueeze(-1);
    return at::log_softmax(logits.narrow(1, 0, ctx - 1), -1).gather(-1, targets).squeeze(-1).neg();
}

Result<PerplexityResult> perplexityOfTokens(const model::Decoder& decoder, const std::vector<int32_t>& textTokens,
                                            int ctx, std::optional<int32_t> bos, int batchWindows,
                                            const ProgressFn& progress, const StopToken& stop)
{
    auto plan = planWindows(static_cast<int64_t>(textTokens.size()), ctx, bos.has_value());
    if (!plan) return plan.error();
    PerplexityResult r = *plan;
    const int64_t batch = std::max(1, batchWindows);
    double nll = 0;
    for (int64_t w0 = 0; w0 < r.windows; w0 += batch) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "perplexity evaluation cancelled");
        const int64_t rows = std::min(batch, r.windows - w0);
        auto ids = windowIds(textTokens, ctx, bos, w0, rows);
        nll += scoredTokenNll(decoder.forward(ids), ids).to(at::kDouble).sum().item<double>();
        r.scoredTokens += rows * (ctx - 1);
        if (progress) progress({"perplexity", "", w0 + rows, r.windows, "windows"});
    }
    r.meanNll = nll / static_cast<double>(r.scoredTokens);
    r.perplexity = std::exp(r.meanNll);
    return r;
}

}  // namespace lathe::runtime
