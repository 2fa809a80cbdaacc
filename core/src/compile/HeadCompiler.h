#pragma once
// Private to core: exposes libtorch types.

#include "compile/ActivationStore.h"
#include "compile/CompilePlan.h"
#include "compile/FloatWeights.h"
#include "compile/StepProgress.h"
#include "compiled/QuantizedLinear.h"
#include "lathe/compile/CompileReport.h"

namespace lathe::compile {

struct CompiledHead {
    compiled::QuantizedLinear linear;
    LinearReport report;
    double klDivergence = 0.0;  // mean KL(float ‖ compiled) of the final logits per calibration token, nats
};

// Quantizes lm_head on the final norm of the quantized stream and measures it and the final logits. GPTQ rows are
// independent, so the [vocab, hidden] head is quantized in blocks of rows; logits are formed a few tokens at a
// time, so memory stays bounded for large vocabularies. Errors: as LayerCompiler::compile.
Result<CompiledHead> compileHead(const CompilePlan& plan, const HeadWeights& head, ActivationStore& store,
                                 size_t samples, StepProgress& progress, const StopToken& stop);

}  // namespace lathe::compile
