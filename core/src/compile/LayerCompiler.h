#pragma once
// Private to core: exposes libtorch types.

#include "compile/ActivationStore.h"
#include "compile/CompilePlan.h"
#include "compile/StepProgress.h"
#include "compiled/QuantizedLinear.h"
#include "lathe/compile/CompileReport.h"
#include "model/DecoderWeights.h"
#include "model/Projections.h"
#include "model/Rope.h"

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <utility>
#include <vector>

namespace lathe::compile {

class InputObserver;

// Names of the two hidden-state streams every layer reads and replaces in the ActivationStore.
inline constexpr const char* kFloatStream = "float";  // the (transformed) float model
inline constexpr const char* kQuantStream = "quant";  // the compiled model so far

struct CompiledLayer {
    std::map<model::Projection, compiled::QuantizedLinear> linears;
    std::vector<LinearReport> reports;  // in run order: q k v o gate up down
    BlockReport block;
};

// Compiles one decoder layer in GPTQ's sequential order (docs/compiler.md): {q,k,v} from the quantized stream's
// inputs, then o_proj with q,k,v quantized, then gate/up, then down_proj, measuring every linear on the way. On
// entry the store's "float" and "quant" streams hold the layer's inputs; on success they hold its outputs.
class LayerCompiler {
public:
    LayerCompiler(const CompilePlan& plan, ActivationStore& store, size_t samples, StepProgress& progress,
                  const StopToken& stop);

    // Errors: Cancelled (checked per sample and per GPTQ block), InvalidArgument (non-finite activations),
    // Unsupported (GPTQ could not factor a Hessian), Io (spilling activations), Internal.
    Result<CompiledLayer> compile(int layer, const model::LayerWeights& weights);

private:
    // One layer's compile in progress: its weights, and what the steps below fill in (quantized linears, reports,
    // error accumulators).
    struct Layer;
    // A residual half of the decoder layer (attentionResidual, mlpResidual) run with the given projections.
    using Residual = std::function<at::Tensor(const model::ProjectionFn& project, const at::Tensor& x)>;
    // What a sub-layer's first linears read from the residual stream (model::attentionInput / mlpInput).
    using SubLayerInput = std::function<at::Tensor(const at::Tensor& x)>;

    Result<CompiledLayer> run(int layer, const model::LayerWeights& weights);

    // The five passes over the samples of docs/compiler.md, in order: the first four end by quantizing the linears
    // whose inputs they observed, the last replaces the layer's inputs by its outputs; then the reports.
    Result<void> compileQkv(Layer& layer);
    Result<void> compileOutputProjection(Layer& layer);
    Result<void> compileGateUp(Layer& layer);
    Result<void> compileDownProjection(Layer& layer);
    Result<void> measureBlockOutput(Layer& layer);
    CompiledLayer finish(Layer& layer, std::chrono::steady_clock::time_point started) const;

    // The observer of the input that `readers` share, `columns` wide.
    InputObserver observer(const Layer& layer, int64_t columns, std::initializer_list<model::Projection> readers) const;
    // Quantizes the linears that read `input`, the last of them taking over its Hessian.
    Result<void> quantize(Layer& layer, std::initializer_list<model::Projection> readers, InputObserver& input);
    // `aim`: the weights GPTQ aims at, the float-output target or the linear's own weights.
    Result<void> quantizeOne(Layer& layer, model::Projection p, InputObserver& input, bool lastReader,
                             const at::Tensor& aim);
    Result<void> measureUpTo(Layer& layer, const char* step, const char* floatStream, const char* quantStream,
                             const SubLayerInput& inputOf, std::initializer_list<model::Projection> measured,
                             model::Projection next, const char* floatNextIn, const char* quantNextIn,
                             InputObserver& input, const Residual& residual);
    std::pair<at::Tensor, at::Tensor> finishBoth(Layer& layer, model::Projection measured,
                                                 const at::Tensor& floatResidual, const at::Tensor& quantResidual,
                                                 const at::Tensor& floatIn, const at::Tensor& quantIn);
    void countClips(Layer& layer, model::Projection p, const at::Tensor& x) const;
    bool withHessian() const;

    const CompilePlan& m_plan;
    ActivationStore& m_store;
    size_t m_samples;
    StepProgress& m_progress;
    const StopToken& m_stop;
    model::Rope m_rope;
};

}  // namespace lathe::compile
