#pragma once
// Private to core: exposes libtorch types.

#include "lathe/model/Projection.h"

#include <ATen/ATen.h>

#include <functional>

namespace lathe::model {

struct LayerWeights;

// Projection and projectionName() are public, in lathe/model/Projection.h.

// x [..., in] → x·Wᵀ + b for one linear of one layer. The float runtime multiplies fp32 weights; the compiled
// runtime quantizes the input and multiplies integer codes; the compiler observes inputs as they pass.
using ProjectionFn = std::function<at::Tensor(Projection, const at::Tensor& x)>;

// The linears of every layer and the head, as a decoder runs them (layer is ignored for Head).
class Projections {
public:
    virtual ~Projections() = default;
    virtual at::Tensor apply(int layer, Projection p, const at::Tensor& x) const = 0;
};

// at::linear with the layer's fp32 weight and bias (q/k/v biases when the config has them).
at::Tensor floatProjection(const LayerWeights& layer, Projection p, const at::Tensor& x);

}  // namespace lathe::model
