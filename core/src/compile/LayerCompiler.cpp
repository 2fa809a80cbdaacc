#include "compile/LayerCompiler.h"

#include "common/KillPoint.h"
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

const at::Tensor& weightOf(const model::LayerWeights& w, model::Projection p)
{
    switch (p) {
        case model::Projection::Query:
            return w.qProj;
        case model::Projection::Key:
            return w.kProj;
        case model::Projection::Value:
            return w.vProj;
        case model::Projection::Output:
            return w.oProj;
        case model::Projection::Gate:
            return w.gateProj;
        case model::Projection::Up:
            return w.upProj;
        case model::Projection::Down:
            return w.downProj;
        case model::Projection::Head:
            break;
    }
    throw std::invalid_argument("the head is not a projection of a decoder layer");
}

at::Tensor biasOf(const model::LayerWeights& w, model::Projection p)
{
    if (p == model::Projection::Query) return w.qBias;
    if (p == model::Projection::Key) return w.kBias;
    if (p == model::Projection::Value) return w.vBias;
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

Result<CompiledLayer> LayerCompiler::compile(int layer, const model::LayerWeights& weights)
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

struct LayerCompiler::Layer {
    int index = 0;
    const model::LayerWeights& weights;
    CompiledLayer out;
    std::map<model::Projection, LinearReport> reports;
    std::map<model::Projection, SqnrAccumulator> isolated, propagated;
    std::map<model::Projection, ClipCounter> clips;
    SqnrAccumulator block;
};

Result<CompiledLayer> LayerCompiler::run(int index, const model::LayerWeights& weights)
{
    const auto started = std::chrono::steady_clock::now();
    Layer layer{index, weights, {}, {}, {}, {}, {}, {}};
    LATHE_TRY(compileQkv(layer));
    LATHE_TRY(compileOutputProjection(layer));
    LATHE_TRY(compileGateUp(layer));
    LATHE_TRY(compileDownProjection(layer));
    LATHE_TRY(measureBlockOutput(layer));
    return finish(layer, started);
}

bool LayerCompiler::withHessian() const
{
    return m_plan.options.weightMethod == quant::WeightMethod::Gptq;
}

InputObserver LayerCompiler::observer(const Layer& layer, int64_t columns,
                                      std::initializer_list<model::Projection> readers) const
{
    std::set<int> bits;
    for (model::Projection p : readers) bits.insert(m_plan.linear(layer.index, p).activationBits);
    std::vector<at::Tensor> weights;
    for (model::Projection p : readers) weights.push_back(weightOf(layer.weights, p));
    return InputObserver(columns, withHessian(), bits, m_plan.options, std::move(weights));
}

void LayerCompiler::countClips(Layer& layer, model::Projection p, const at::Tensor& x) const
{
    const compiled::QuantizedLinear& linear = layer.out.linears.at(p);
    layer.clips[p].add(x, linear.inputScale, linear.activationBits);
}

// 1. q, k, v from the quantized stream's normed inputs.
Result<void> LayerCompiler::compileQkv(Layer& layer)
{
    using P = model::Projection;
    const model::ModelConfig& c = m_plan.config;
    const model::LayerWeights& w = layer.weights;
    InputObserver input = observer(layer, c.hiddenSize, {P::Query, P::Key, P::Value});
    LATHE_TRY(forEachSample(m_samples, m_progress, m_stop, "observing q/k/v inputs", [&](size_t s) -> Result<void> {
        auto h = m_store.get(kQuantStream, s);
        if (!h) return h.error();
        if (!input.wantsReference()) return input.add(model::attentionInput(c, w, *h));
        auto f = m_store.get(kFloatStream, s);
        if (!f) return f.error();
        return input.add(model::attentionInput(c, w, *h), model::attentionInput(c, w, *f));
    }));
    return quantize(layer, {P::Query, P::Key, P::Value}, input);
}

// 2. o_proj's inputs through the quantized q, k, v; q/k/v measured on the way.
Result<void> LayerCompiler::compileOutputProjection(Layer& layer)
{
    using P = model::Projection;
    const model::ModelConfig& c = m_plan.config;
    const model::LayerWeights& w = layer.weights;
    InputObserver input = observer(layer, int64_t(c.numHeads) * c.headDim, {P::Output});
    LATHE_TRY(measureUpTo(
        layer, "observing o_proj inputs", kFloatStream, kQuantStream,
        [&](const at::Tensor& x) { return model::attentionInput(c, w, x); }, {P::Query, P::Key, P::Value}, P::Output,
        kFloatOutputIn, kQuantOutputIn, input,
        [&](const model::ProjectionFn& project, const at::Tensor& x) {
            return attentionResidual(c, w, project, x, makePositionContext(c, m_rope, 0, x.size(1)),
                                     size_t(layer.index));
        }));
    return quantize(layer, {P::Output}, input);
}

// 3. The attention residual of both streams, kept for the MLP passes; gate/up inputs; o_proj measured.
Result<void> LayerCompiler::compileGateUp(Layer& layer)
{
    using P = model::Projection;
    const model::ModelConfig& c = m_plan.config;
    const model::LayerWeights& w = layer.weights;
    InputObserver input = observer(layer, c.hiddenSize, {P::Gate, P::Up});
    LATHE_TRY(forEachSample(m_samples, m_progress, m_stop, "observing gate/up inputs", [&](size_t s) -> Result<void> {
        auto f = m_store.get(kFloatStream, s);
        if (!f) return f.error();
        auto h = m_store.get(kQuantStream, s);
        if (!h) return h.error();
        auto fo = m_store.take(kFloatOutputIn, s);
        if (!fo) return fo.error();
        auto qo = m_store.take(kQuantOutputIn, s);
        if (!qo) return qo.error();
        auto [floatMid, quantMid] = finishBoth(layer, P::Output, *f, *h, *fo, *qo);
        LATHE_TRY(m_store.put(kFloatMid, s, floatMid, StreamPrecision::Exact));
        LATHE_TRY(m_store.put(kQuantMid, s, quantMid, StreamPrecision::Exact));
        return input.add(model::mlpInput(c, w, quantMid),
                         input.wantsReference() ? model::mlpInput(c, w, floatMid) : at::Tensor());
    }));
    // The MLP passes read only the residuals kept above.
    m_store.drop(kFloatStream);
    m_store.drop(kQuantStream);
    m_store.drop(kFloatOutputIn);
    m_store.drop(kQuantOutputIn);
    return quantize(layer, {P::Gate, P::Up}, input);
}

// 4. down_proj's inputs through the quantized gate/up; gate/up measured.
Result<void> LayerCompiler::compileDownProjection(Layer& layer)
{
    using P = model::Projection;
    const model::ModelConfig& c = m_plan.config;
    const model::LayerWeights& w = layer.weights;
    InputObserver input = observer(layer, c.intermediateSize, {P::Down});
    LATHE_TRY(measureUpTo(
        layer, "observing down_proj inputs", kFloatMid, kQuantMid,
        [&](const at::Tensor& x) { return model::mlpInput(c, w, x); }, {P::Gate, P::Up}, P::Down, kFloatDownIn,
        kQuantDownIn, input,
        [&](const model::ProjectionFn& project, const at::Tensor& x) { return mlpResidual(c, w, project, x); }));
    return quantize(layer, {P::Down}, input);
}

// 5. The block outputs of both streams; down_proj and the block measured. The outputs replace the layer's inputs.
Result<void> LayerCompiler::measureBlockOutput(Layer& layer)
{
    LATHE_TRY(forEachSample(m_samples, m_progress, m_stop, "measuring the block output", [&](size_t s) -> Result<void> {
        auto f = m_store.get(kFloatMid, s);
        if (!f) return f.error();
        auto h = m_store.get(kQuantMid, s);
        if (!h) return h.error();
        auto fd = m_store.take(kFloatDownIn, s);
        if (!fd) return fd.error();
        auto qd = m_store.take(kQuantDownIn, s);
        if (!qd) return qd.error();
        auto [floatOut, quantOut] = finishBoth(layer, model::Projection::Down, *f, *h, *fd, *qd);
        layer.block.add(floatOut, quantOut);
        LATHE_TRY(m_store.put(kFloatNext, s, floatOut));
        return m_store.put(kQuantNext, s, quantOut);
    }));
    m_store.drop(kFloatMid);
    m_store.drop(kQuantMid);
    m_store.drop(kFloatDownIn);
    m_store.drop(kQuantDownIn);
    m_store.move(kFloatNext, kFloatStream);
    m_store.move(kQuantNext, kQuantStream);
    return {};
}

CompiledLayer LayerCompiler::finish(Layer& layer, std::chrono::steady_clock::time_point started) const
{
    CompiledLayer out = std::move(layer.out);
    for (model::Projection p : quant::layerProjections()) {
        LinearReport r = layer.reports.at(p);
        r.sqnrIsolatedDb = layer.isolated[p].db();
        r.sqnrPropagatedDb = layer.propagated[p].db();
        r.activationClipRate = layer.clips[p].rate();
        out.reports.push_back(std::move(r));
    }
    out.block.layer = layer.index;
    out.block.outputSqnrDb = layer.block.db();
    out.block.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

// The float-output targets of all readers are formed first, so that the fit's matrices are freed before GPTQ
// allocates its own.
Result<void> LayerCompiler::quantize(Layer& layer, std::initializer_list<model::Projection> readers,
                                     InputObserver& input)
{
    std::map<model::Projection, at::Tensor> aims;
    for (model::Projection p : readers) aims[p] = weightOf(layer.weights, p);
    {
        if (input.wantsReference())
            m_progress.report("fitting the float outputs of " + m_plan.linear(layer.index, *readers.begin()).module);
        auto target = input.takeFloatTarget(m_plan.options.dampFraction);
        if (!target) return target.error();
        size_t reader = 0;
        if (*target)
            for (model::Projection p : readers) aims[p] = (*target)->of(weightOf(layer.weights, p), reader++);
    }
    for (model::Projection p : readers) LATHE_TRY(quantizeOne(layer, p, input, p == *(readers.end() - 1), aims.at(p)));
    return {};
}

Result<void> LayerCompiler::quantizeOne(Layer& layer, model::Projection p, InputObserver& input, bool lastReader,
                                        const at::Tensor& aim)
{
    if (m_stop.stopRequested()) return compileCancelled();
    const quant::LinearPlan& lp = m_plan.linear(layer.index, p);
    m_progress.report("quantizing " + lp.module);
    const at::Tensor& weight = weightOf(layer.weights, p);
    auto wq = quantizeWeights(lp.module, aim, lastReader ? input.takeHessian() : input.hessian(), lp.weightBits,
                              m_plan.options, m_stop);
    if (!wq) return wq.error();
    compiled::QuantizedLinear linear;
    linear.weight = std::move(wq->weight);
    linear.inputScale = input.scale(lp.activationBits);
    linear.activationBits = lp.activationBits;
    linear.bias = biasOf(layer.weights, p);
    LinearReport& r = layer.reports[p];
    r.layer = layer.index;
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
    layer.out.linears[p] = std::move(linear);
    m_progress.advance("quantized " + lp.module);
    killPoint("quantized " + lp.module);
    return {};
}

// Ends one half of the layer on both streams from the inputs of its last projection `measured` (kept by the pass
// that observed them): measures it, isolated against its float output on the float inputs and propagated against
// the quantized stream's, and returns the float and quantized outputs.
std::pair<at::Tensor, at::Tensor> LayerCompiler::finishBoth(Layer& layer, model::Projection measured,
                                                            const at::Tensor& floatResidual,
                                                            const at::Tensor& quantResidual, const at::Tensor& floatIn,
                                                            const at::Tensor& quantIn)
{
    const compiled::QuantizedLinear& linear = layer.out.linears.at(measured);
    const at::Tensor yf = floatProjection(layer.weights, measured, floatIn);
    const at::Tensor yq = linear.forward(quantIn);
    layer.isolated[measured].add(yf, linear.forward(floatIn));
    layer.propagated[measured].add(yf, yq);
    countClips(layer, measured, quantIn);
    // The sub-layer's output as the residual takes it (normalised first in EXAONE 4).
    const model::ModelConfig& c = m_plan.config;
    auto out = [&](const at::Tensor& y) {
        return measured == model::Projection::Output ? model::attentionOutput(c, layer.weights, y)
                                                     : model::mlpOutput(c, layer.weights, y);
    };
    return std::pair{floatResidual + out(yf), quantResidual + out(yq)};
}

// One pass over the samples that measures the just-quantized `measured` linears (isolated on the float stream's
// normed inputs, propagated on the quantized stream's) while `residual` runs both streams up to `next`, whose inputs
// go to `input` (with the float stream's as reference where it wants them) and are kept as `floatNextIn` /
// `quantNextIn`: the later half of the residual is not needed, so `next` returns zeros.
Result<void> LayerCompiler::measureUpTo(Layer& layer, const char* step, const char* floatStream,
                                        const char* quantStream, const SubLayerInput& inputOf,
                                        std::initializer_list<model::Projection> measured, model::Projection next,
                                        const char* floatNextIn, const char* quantNextIn, InputObserver& input,
                                        const Residual& residual)
{
    using P = model::Projection;
    const int64_t hidden = m_plan.config.hiddenSize;
    auto& q = layer.out.linears;
    return forEachSample(m_samples, m_progress, m_stop, step, [&](size_t s) -> Result<void> {
        auto f = m_store.get(floatStream, s);
        if (!f) return f.error();
        auto h = m_store.get(quantStream, s);
        if (!h) return h.error();
        const at::Tensor xf = inputOf(*f);
        std::map<P, at::Tensor> reference;
        for (P p : measured) {
            reference[p] = floatProjection(layer.weights, p, xf);
            layer.isolated[p].add(reference[p], q.at(p).forward(xf));
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
            layer.propagated[p].add(reference.at(p), y);
            countClips(layer, p, x);
            return y;
        };
        residual(project, *h);
        return failure.status();
    });
}

}  // namespace lathe::compile
