#include "runtime/PerplexityWindows.h"

#include <algorithm>
#include <cmath>

namespace lathe {

Result<PerplexityResult> perplexityOfTokens(const Decoder& decoder, const std::vector<int32_t>& textTokens,
                                            int ctx, std::optional<int32_t> bos, int batchWindows,
                                            const ProgressFn& progress, const StopToken& stop)
{
    if (ctx < 2) return makeError(ErrorCode::InvalidArgument, "ctx must be at least 2 tokens, got " + std::to_string(ctx));
    const int64_t span = bos ? ctx - 1 : ctx;  // text tokens per window
    const int64_t total = static_cast<int64_t>(textTokens.size());
    PerplexityResult r;
    r.ctx = ctx;
    r.bosPrepended = bos.has_value();
    r.textTokens = total;
    r.windows = total / span;
    r.droppedTokens = total - r.windows * span;
    if (r.windows == 0)
        return makeError(ErrorCode::InvalidArgument, "the text has " + std::to_string(total) +
                                                         " tokens, fewer than one window of " + std::to_string(span) +
                                                         "; use a longer text or a smaller ctx");
    const int64_t batch = std::max(1, batchWindows);
    double nll = 0;
    for (int64_t w0 = 0; w0 < r.windows; w0 += batch) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "perplexity evaluation cancelled");
        const int64_t rows = std::min(batch, r.windows - w0);
        auto ids = at::empty({rows, ctx}, at::kLong);
        auto* p = ids.data_ptr<int64_t>();
        for (int64_t b = 0; b < rows; ++b) {
            int64_t* row = p + b * ctx;
            if (bos) *row++ = *bos;
            std::copy_n(textTokens.begin() + (w0 + b) * span, span, row);
        }
        // Position i predicts token i + 1; every window scores its last ctx - 1 tokens.
        auto logits = decoder.forward(ids).narrow(1, 0, ctx - 1);
        auto targets = ids.narrow(1, 1, ctx - 1).unsqueeze(-1);
        auto tokenNll = at::log_softmax(logits, -1).gather(-1, targets).neg();  // fp32
        nll += tokenNll.to(at::kDouble).sum().item<double>();
        r.scoredTokens += rows * (ctx - 1);
        if (progress) progress({"perplexity", "", w0 + rows, r.windows, "windows"});
    }
    r.meanNll = nll / static_cast<double>(r.scoredTokens);
    r.perplexity = std::exp(r.meanNll);
    return r;
}

}  // namespace lathe
