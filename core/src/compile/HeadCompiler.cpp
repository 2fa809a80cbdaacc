#include "compile/HeadCompiler.h"

#include "compile/ErrorAccumulators.h"
#include "compile/InputObserver.h"
#include "compile/LayerCompiler.h"
#include "compile/SampleLoop.h"
#include "compile/WeightQuantizer.h"
#include "model/Decoder.h"

#include <algorithm>

namespace lathe::compile {
namespace {

// Rows [r0, r0 + n) of a quantized linear: the same arithmetic for those outputs.
compiled::QuantizedLinear rowBlock(const compiled::QuantizedLinear& l, int64_t r0, int64_t n)
{
    compiled::QuantizedLinear block = l;
    block.weight.codes = l.weight.codes.narrow(0, r0, n);
    block.weight.scales = l.weight.scales.narrow(0, r0, n);
    if (l.bias.defined()) block.bias = l.bias.narrow(0, r0, n);
    return block;
}

Result<CompiledHead> run(const CompilePlan& plan, const HeadWeights& head, ActivationStore& store, size_t samples,
                         StepProgress& progress, const StopToken& stop)
{
    const model::ModelConfig& c = plan.config;
    const CompileOptions& options = plan.options;
    const quant::LinearPlan& lp = plan.linear(-1, model::Projection::Head);
    const double eps = c.rmsNormEps;
    const int64_t vocab = c.vocabSize;
    const int64_t rowsPerBlock = plan.rowsPerBlock;

    InputObserver input(c.hiddenSize, options.weightMethod == quant::WeightMethod::Gptq, {lp.activationBits}, options,
                        {head.weight});
    LATHE_TRY(forEachSample(samples, progress, stop, "observing lm_head inputs", [&](size_t s) -> Result<void> {
        auto h = store.get(kQuantStream, s);
        if (!h) return h.error();
        if (!input.wantsReference()) return input.add(model::rmsNorm(*h, head.finalNorm, eps));
        auto f = store.get(kFloatStream, s);
        if (!f) return f.error();
        return input.add(model::rmsNorm(*h, head.finalNorm, eps), model::rmsNorm(*f, head.finalNorm, eps));
    }));
    auto target = input.takeFloatTarget(options.dampFraction);
    if (!target) return target.error();

    CompiledHead out;
    WeightStatistics stats;
    std::vector<at::Tensor> codes, scales;
    for (int64_t r0 = 0; r0 < vocab; r0 += rowsPerBlock) {
        const int64_t n = std::min(rowsPerBlock, vocab - r0);
        progress.report("quantizing lm_head rows " + std::to_string(r0) + ".." + std::to_string(r0 + n - 1));
        const at::Tensor rows = head.weight.narrow(0, r0, n);
        auto wq = quantizeWeights(lp.module, *target ? (*target)->of(rows) : rows, input.hessian(), lp.weightBits,
                                  options, stop);
        if (!wq) return wq.error();
        stats.add(rows, wq->weight);
        codes.push_back(wq->weight.codes);
        scales.push_back(wq->weight.scales);
        out.report.gptqDamping = std::max(out.report.gptqDamping, wq->damping);
        out.linear.weight.bits = wq->weight.bits;
        out.linear.weight.groupSize = wq->weight.groupSize;
    }
    out.linear.weight.codes = codes.size() == 1 ? codes.front() : at::cat(codes, 0);
    out.linear.weight.scales = scales.size() == 1 ? scales.front() : at::cat(scales, 0);
    codes.clear();
    scales.clear();
    out.linear.inputScale = input.scale(lp.activationBits);
    out.linear.activationBits = lp.activationBits;
    progress.advance("quantized lm_head");

    LinearReport& r = out.report;
    r.layer = -1;
    r.projection = "lm_head";
    r.group = lp.group;
    r.weightBits = lp.weightBits;
    r.activationBits = lp.activationBits;
    stats.fill(r);
    r.activationScale = out.linear.inputScale;
    r.activationAbsMax = input.absMax();

    std::vector<compiled::QuantizedLinear> blocks;
    for (int64_t r0 = 0; r0 < vocab; r0 += rowsPerBlock)
        blocks.push_back(rowBlock(out.linear, r0, std::min(rowsPerBlock, vocab - r0)));
    // Logits of `x` [1, n, hidden] through the quantized head, one block of vocabulary rows at a time. Callers pass
    // the float and the quantized stream's tokens together: each block's codes are converted once for both.
    // Each block's logits go straight into their columns (no list of parts and concatenated copy: 134 MB each at
    // Llama-3.2-1B's vocabulary).
    auto compiledLogits = [&](const at::Tensor& x) {
        at::Tensor logits = at::empty({x.size(0), x.size(1), vocab}, at::kFloat);
        int64_t r0 = 0;
        for (const auto& b : blocks) {
            const int64_t n = b.weight.codes.size(0);
            logits.narrow(-1, r0, n).copy_(b.forward(x));
            r0 += n;
        }
        return logits;
    };
    SqnrAccumulator isolated, propagated;
    ClipCounter clips;
    KlAccumulator kl;
    const int64_t batch = plan.tokensPerLogitBatch;
    LATHE_TRY(
        forEachSample(samples, progress, stop, "measuring lm_head and the final logits", [&](size_t s) -> Result<void> {
            auto f = store.get(kFloatStream, s);
            if (!f) return f.error();
            auto h = store.get(kQuantStream, s);
            if (!h) return h.error();
            const at::Tensor xf = model::rmsNorm(*f, head.finalNorm, eps);
            const at::Tensor xq = model::rmsNorm(*h, head.finalNorm, eps);
            clips.add(xq, out.linear.inputScale, out.linear.activationBits);
            for (int64_t t0 = 0; t0 < xf.size(1); t0 += batch) {
                if (stop.stopRequested()) return compileCancelled();
                const int64_t n = std::min(batch, xf.size(1) - t0);
                const at::Tensor reference = at::linear(xf.narrow(1, t0, n), head.weight);
                const at::Tensor both = compiledLogits(at::cat({xf.narrow(1, t0, n), xq.narrow(1, t0, n)}, 1));
                isolated.add(reference, both.narrow(1, 0, n));
                const at::Tensor compiled = both.narrow(1, n, n);
                propagated.add(reference, compiled);
                kl.add(reference, compiled);
            }
            return {};
        }));
    r.sqnrIsolatedDb = isolated.db();
    r.sqnrPropagatedDb = propagated.db();
    r.activationClipRate = clips.rate();
    out.klDivergence = kl.mean();
    return out;
}

}  // namespace

Result<CompiledHead> compileHead(const CompilePlan& plan, const HeadWeights& head, ActivationStore& store,
                                 size_t samples, StepProgress& progress, const StopToken& stop)
{
    try {
        auto result = run(plan, head, store, samples, progress, stop);
        if (!result && result.error().code != ErrorCode::Cancelled)
            return result.error().withContext("compiling lm_head");
        return result;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("compiling lm_head failed: ") + e.what());
    }
}

}  // namespace lathe::compile
