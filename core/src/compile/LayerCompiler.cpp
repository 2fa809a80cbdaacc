#include "compile/LayerCompiler.h"

#include "compile/ErrorAccumulators.h"
#include "compile/InputObserver.h"
#include "compile/SampleLoop.h"
#include "compile/WeightQuantizer.h"
#include "model/Decoder.h"

#include <chrono>
#include <set>

namespace lathe::compile {
namespace {

constexpr const char* kFloatMid = "float.mid";  // after the attention residual, kept exact within the layer
constexpr const char* kQuantMid = "quant.mid";
constexpr const char* kFloatNext = "float.next";
constexpr const char* kQuantNext = "quant.next";
// The inputs of o_proj and of down_proj in both streams, kept from the pass that observes them for the pass that
// measures them, so that the projections and the attention before them are not run a second time.
constexpr const char* kFloatOutputIn = "float.o_proj.in";
constexpr const char* kQuantOutputIn = "quant.o_proj.in";
constexpr const char* kFloatDownIn = "float.down_proj.in";
constexpr const char* kQuantDownIn = "quant.down_proj.in";

const at::Tensor& weightOf(const LayerWeights& w, Projection p)
{
    switch (p) {
        case Projection::Query:
            return w.qProj;
        case Projection::Key:
            return w.kProj;
        case Projection::Value:
            return w.vProj;
        case Projection::Output:
            return w.oProj;
        case Projection::Gate:
            return w.gateProj;
        case Projection::Up:
            return w.upProj;
        case Projection::Down:
            return w.downProj;
        case Projection::Head:
            break;
    }
    throw std::invalid_argument("the head is not a projection of a decoder layer");
}

at::Tensor biasOf(const LayerWeights& w, Projection p)
{
    if (p == Projection::Query) return w.qBias;
    if (p == Projection::Key) return w.kBias;
    if (p == Projection::Value) return w.vBias;
    return {};
}

// The linear's contribution discarded: used where a pass only needs a later linear's input.
at::Tensor unused(const at::Tensor& x, int64_t width)
{
    auto shape = x.sizes().vec();
    shape.back() = width;
    return at::zeros(shape, x.options());
}

}  // namespace

LayerCompiler::LayerCompiler(const CompilePlan& plan, ActivationStore& store, size_t samples, StepProgress& progress,
                             const StopToken& stop)
    : m_plan(plan), m_store(store), m_samples(samples), m_progress(progress), m_stop(stop), m_rope(plan.config)
{
}

Result<CompiledLayer> LayerCompiler::compile(int layer, const LayerWeights& weights)
{
    try {
        auto result = run(layer, weights);
        if (!result && result.error().code != ErrorCode::Cancelled)
            return result.error().withContext("compiling layer " + std::to_string(layer));
        return result;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "compiling layer " + std::to_string(layer) + " failed: " + e.what());
    }
}

Result<CompiledLayer> LayerCompiler::run(int L, const LayerWeights& w)
{
    using P = Projection;
    const auto started = std::chrono::steady_clock::now();
    const ModelConfig& c = m_plan.config;
    const CompileOptions& options = m_plan.options;
    const double eps = c.rmsNormEps;
    const int64_t hidden = c.hiddenSize;
    const bool withHessian = options.weightMethod == "gptq";

    CompiledLayer out;
    auto& q = out.linears;
    std::map<P, LinearReport> reports;
    std::map<P, SqnrAccumulator> isolated, propagated;
    std::map<P, ClipCounter> clips;
    auto floatFn = [&w](P p, const at::Tensor& x) { return floatProjection(w, p, x); };
    auto bitsOf = [&](std::initializer_list<P> ps) {
        std::set<int> bits;
        for (P p : ps) bits.insert(m_plan.linear(L, p).activationBits);
        return bits;
    };
    auto weightsOf = [&](std::initializer_list<P> ps) {
        std::vector<at::Tensor> out;
        for (P p : ps) out.push_back(weightOf(w, p));
        return out;
    };
    auto context = [&](const at::Tensor& h) { return makePositionContext(c, m_rope, 0, h.size(1)); };
    auto get = [&](const char* stream, size_t s) { return m_store.get(stream, s); };
    auto clip = [&](P p, const at::Tensor& x) { clips[p].add(x, q.at(p).inputScale, q.at(p).activationBits); };

    // `aim`: the weights GPTQ aims at, the float-output target or the linear's own weights.
    auto quantizeOne = [&](P p, InputObserver& input, bool lastReader, const at::Tensor& aim) -> Result<void> {
        if (m_stop.stopRequested()) return compileCancelled();
        const LinearPlan& lp = m_plan.linear(L, p);
        m_progress.report("quantizing " + lp.module);
        const at::Tensor& weight = weightOf(w, p);
        auto wq = quantizeWeights(lp.module, aim, lastReader ? input.takeHessian() : input.hessian(), lp.weightBits,
                                  options, m_stop);
        if (!wq) return wq.error();
        compiled::QuantizedLinear linear;
        linear.weight = std::move(wq->weight);
        linear.inputScale = input.scale(lp.activationBits);
        linear.activationBits = lp.activationBits;
        linear.bias = biasOf(w, p);
        LinearReport& r = reports[p];
        r.layer = L;
        r.projection = projectionName(p);
        r.group = lp.group;
        r.weightBits = lp.weightBits;
        r.activationBits = lp.activationBits;
        WeightStatistics stats;
        stats.add(weight, linear.weight);
        stats.fill(r);
        r.activationScale = linear.inputScale;
        r.activationAbsMax = input.absMax();
        r.gptqDamping = wq->damping;
        q[p] = std::move(linear);
        m_progress.advance("quantized " + lp.module);
        return {};
    };

    // Quantizes the linears that read `input`, the last of them taking over its Hessian. Their float-output targets
    // are formed first, so that the fit's matrices are freed before GPTQ allocates its own.
    auto quantize = [&](std::initializer_list<P> readers, InputObserver& input) -> Result<void> {
        std::map<P, at::Tensor> aims;
        for (P p : readers) aims[p] = weightOf(w, p);
        {
            if (input.wantsReference())
                m_progress.report("fitting the float outputs of " + m_plan.linear(L, *readers.begin()).module);
            auto target = input.takeFloatTarget(options.dampFraction);
            if (!target) return target.error();
            size_t reader = 0;
            if (*target)
                for (P p : readers) aims[p] = (*target)->of(weightOf(w, p), reader++);
        }
        for (P p : readers) LATHE_TRY(quantizeOne(p, input, p == *(readers.end() - 1), aims.at(p)));
        return {};
    };

    // Ends one half of the layer on both streams from the inputs of its last projection `measured` (kept by the pass
    // that observed them): measures it, isolated against its float output on the float inputs and propagated
    // against the quantized stream's, and returns the float and quantized outputs.
    auto finishBoth = [&](P measured, const at::Tensor& floatResidual, const at::Tensor& quantResidual,
                          const at::Tensor& floatIn, const at::Tensor& quantIn) {
        const at::Tensor yf = floatFn(measured, floatIn);
        const at::Tensor yq = q.at(measured).forward(quantIn);
        isolated[measured].add(yf, q.at(measured).forward(floatIn));
        propagated[measured].add(yf, yq);
        clip(measured, quantIn);
        return std::pair{floatResidual + yf, quantResidual + yq};
    };

    // One pass over the samples that measures the just-quantized `measured` linears (isolated on the float
    // stream's normed inputs, propagated on the quantized stream's) while `residual` runs both streams up to
    // `next`, whose inputs go to `input` (with the float stream's as reference where it wants them) and are kept
    // as `floatNextIn` / `quantNextIn`: the later half of the residual is not needed, so `next` returns zeros.
    auto measureUpTo = [&](const char* step, const char* floatStream, const char* quantStream, const at::Tensor& norm,
                           std::initializer_list<P> measured, P next, const char* floatNextIn, const char* quantNextIn,
                           InputObserver& input, const auto& residual) -> Result<void> {
        return forEachSample(m_samples, m_progress, m_stop, step, [&](size_t s) -> Result<void> {
            auto f = get(floatStream, s);
            if (!f) return f.error();
            auto h = get(quantStream, s);
            if (!h) return h.error();
            const at::Tensor xf = rmsNorm(*f, norm, eps);
            std::map<P, at::Tensor> reference;
            for (P p : measured) {
                reference[p] = floatFn(p, xf);
                isolated[p].add(reference[p], q.at(p).forward(xf));
            }
            at::Tensor floatNext;
            residual(
                [&](P p, const at::Tensor& x) -> at::Tensor {
                    // A copy: attention may rotate q and k in place (RoPE on a view of them).
                    if (p != next) return reference.at(p).clone();
                    floatNext = x;
                    return unused(x, hidden);
                },
                *f);
            FirstError failure;
            auto project = [&](P p, const at::Tensor& x) -> at::Tensor {
                if (p == next) {
                    failure.keep(input.add(x, input.wantsReference() ? floatNext : at::Tensor()));
                    failure.keep(m_store.put(floatNextIn, s, floatNext, StreamPrecision::Exact));
                    failure.keep(m_store.put(quantNextIn, s, x, StreamPrecision::Exact));
                    return unused(x, hidden);
                }
                at::Tensor y = q.at(p).forward(x);
                propagated[p].add(reference.at(p), y);
                clip(p, x);
                return y;
            };
            residual(project, *h);
            return failure.status();
        });
    };

    // 1. q, k, v from the quantized stream's normed inputs.
    {
        InputObserver input(hidden, withHessian, bitsOf({P::Query, P::Key, P::Value}), options,
                            weightsOf({P::Query, P::Key, P::Value}));
        LATHE_TRY(forEachSample(m_samples, m_progress, m_stop, "observing q/k/v inputs", [&](size_t s) -> Result<void> {
            auto h = get(kQuantStream, s);
            if (!h) return h.error();
            if (!input.wantsReference()) return input.add(rmsNorm(*h, w.inputNorm, eps));
            auto f = get(kFloatStream, s);
            if (!f) return f.error();
            return input.add(rmsNorm(*h, w.inputNorm, eps), rmsNorm(*f, w.inputNorm, eps));
        }));
        LATHE_TRY(quantize({P::Query, P::Key, P::Value}, input));
    }

    // 2. o_proj's inputs through the quantized q, k, v; q/k/v measured on the way.
    {
        InputObserver input(int64_t(c.numHeads) * c.headDim, withHessian, bitsOf({P::Output}), options,
                            weightsOf({P::Output}));
        LATHE_TRY(measureUpTo("observing o_proj inputs", kFloatStream, kQuantStream, w.inputNorm,
                              {P::Query, P::Key, P::Value}, P::Output, kFloatOutputIn, kQuantOutputIn, input,
                              [&](const ProjectionFn& project, const at::Tensor& x) {
                                  return attentionResidual(c, w.inputNorm, project, x, context(x));
                              }));
        LATHE_TRY(quantize({P::Output}, input));
    }

    // 3. The attention residual of both streams, kept for the MLP passes; gate/up inputs; o_proj measured.
    {
        InputObserver input(hidden, withHessian, bitsOf({P::Gate, P::Up}), options, weightsOf({P::Gate, P::Up}));
        LATHE_TRY(
            forEachSample(m_samples, m_progress, m_stop, "observing gate/up inputs", [&](size_t s) -> Result<void> {
                auto f = get(kFloatStream, s);
                if (!f) return f.error();
                auto h = get(kQuantStream, s);
                if (!h) return h.error();
                auto fo = m_store.take(kFloatOutputIn, s);
                if (!fo) return fo.error();
                auto qo = m_store.take(kQuantOutputIn, s);
                if (!qo) return qo.error();
                auto [floatMid, quantMid] = finishBoth(P::Output, *f, *h, *fo, *qo);
                LATHE_TRY(m_store.put(kFloatMid, s, floatMid, StreamPrecision::Exact));
                LATHE_TRY(m_store.put(kQuantMid, s, quantMid, StreamPrecision::Exact));
                return input.add(rmsNorm(quantMid, w.postAttentionNorm, eps),
                                 input.wantsReference() ? rmsNorm(floatMid, w.postAttentionNorm, eps) : at::Tensor());
            }));
        // The MLP passes read only the residuals kept above.
        m_store.drop(kFloatStream);
        m_store.drop(kQuantStream);
        m_store.drop(kFloatOutputIn);
        m_store.drop(kQuantOutputIn);
        LATHE_TRY(quantize({P::Gate, P::Up}, input));
    }

    // 4. down_proj's inputs through the quantized gate/up; gate/up measured.
    {
        InputObserver input(c.intermediateSize, withHessian, bitsOf({P::Down}), options, weightsOf({P::Down}));
        LATHE_TRY(measureUpTo("observing down_proj inputs", kFloatMid, kQuantMid, w.postAttentionNorm, {P::Gate, P::Up},
                              P::Down, kFloatDownIn, kQuantDownIn, input,
                              [&](const ProjectionFn& project, const at::Tensor& x) {
                                  return mlpResidual(c, w.postAttentionNorm, project, x);
                              }));
        LATHE_TRY(quantize({P::Down}, input));
    }

    // 5. The block outputs of both streams; down_proj and the block measured.
    SqnrAccumulator block;
    LATHE_TRY(forEachSample(m_samples, m_progress, m_stop, "measuring the block output", [&](size_t s) -> Result<void> {
        auto f = get(kFloatMid, s);
        if (!f) return f.error();
        auto h = get(kQuantMid, s);
        if (!h) return h.error();
        auto fd = m_store.take(kFloatDownIn, s);
        if (!fd) return fd.error();
        auto qd = m_store.take(kQuantDownIn, s);
        if (!qd) return qd.error();
        auto [floatOut, quantOut] = finishBoth(P::Down, *f, *h, *fd, *qd);
        block.add(floatOut, quantOut);
        LATHE_TRY(m_store.put(kFloatNext, s, floatOut));
        return m_store.put(kQuantNext, s, quantOut);
    }));
    m_store.drop(kFloatMid);
    m_store.drop(kQuantMid);
    m_store.drop(kFloatDownIn);
    m_store.drop(kQuantDownIn);
    m_store.move(kFloatNext, kFloatStream);
    m_store.move(kQuantNext, kQuantStream);

    for (P p : layerProjections()) {
        LinearReport r = reports.at(p);
        r.sqnrIsolatedDb = isolated[p].db();
        r.sqnrPropagatedDb = propagated[p].db();
        r.activationClipRate = clips[p].rate();
        out.reports.push_back(std::move(r));
    }
    out.block.layer = L;
    out.block.outputSqnrDb = block.db();
    out.block.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

}  // namespace lathe::compile
