#pragma once
// Private to core: exposes libtorch types.

#include "compile/CompilePlan.h"
#include "lathe/common/Result.h"
#include "model/DecoderWeights.h"
#include "quant/Rotation.h"

#include <ATen/ATen.h>

namespace lathe::model {
class Checkpoint;
}

namespace lathe::compile {

// The float model the compiler quantizes, read from the checkpoint one piece at a time (never the whole model in
// fp32) and, for rotated plans, transformed exactly as quant::applyEquivalentTransforms would transform the whole
// model: norms fused, R1 = `r1`, layer i's R2 = randomHadamard(head_dim, seed + 1 + i).

// Layer `layer`'s fp32 weights. Errors: NotFound/Corrupt (checkpoint), InvalidArgument (transform).
Result<model::LayerWeights> loadLayerWeights(const model::Checkpoint& checkpoint, const CompilePlan& plan, int layer,
                                             const quant::Rotation& r1);

struct HeadWeights {
    at::Tensor finalNorm;  // fp32 [hidden] (ones when fused)
    at::Tensor weight;     // fp32 [vocab, hidden]: lm_head, or the embedding for a tied model
};

// The head, transformed in blocks of plan.rowsPerBlock rows so that the fp64 intermediates stay small for large
// vocabularies.
Result<HeadWeights> loadHeadWeights(const model::Checkpoint& checkpoint, const CompilePlan& plan,
                                    const quant::Rotation& r1);

}  // namespace lathe::compile
