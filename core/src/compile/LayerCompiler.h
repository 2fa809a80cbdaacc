#pragma once
// Private to core: exposes libtorch types.

#include "compile/ActivationStore.h"
#include "compile/CompilePlan.h"
#include "compile/StepProgress.h"
#include "compiled/QuantizedLinear.h"
#include "lathe/compile/CompileReport.h"
#include "model/DecoderWeights.h"
#include "model/Rope.h"

#include <map>
#include <vector>

namespace lathe::compile {

// Names of the two hidden-state streams every layer reads and replaces in the ActivationStore.
inline constexpr const char* kFloatStream = "float";  // the (transformed) float model
inline constexpr const char* kQuantStream = "quant";  // the compiled model so far

struct CompiledLayer {
    std::map<Projection, compiled::QuantizedLinear> linears;
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
    Result<CompiledLayer> compile(int layer, const LayerWeights& weights);

private:
    Result<CompiledLayer> run(int layer, const LayerWeights& weights);

    const CompilePlan& m_plan;
    ActivationStore& m_store;
    size_t m_samples;
    StepProgress& m_progress;
    const StopToken& m_stop;
    Rope m_rope;
};

}  // namespace lathe::compile
