#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

namespace lathe::quant {

// Signal-to-quantization-noise ratio 10·log10(Σy² / Σ(y − ŷ)²) in dB, sums in fp64. +inf when ŷ = y exactly.
// Errors: InvalidArgument when the shapes differ or a tensor is empty.
Result<double> sqnrDb(const at::Tensor& reference, const at::Tensor& approx);

// Mean over rows (all leading indices) of KL(P ‖ Q) in nats, P = softmax(referenceLogits), Q = softmax(approxLogits)
// along the last dimension, computed from fp64 log-softmax (stable for any logit magnitude).
Result<double> meanKlDivergence(const at::Tensor& referenceLogits, const at::Tensor& approxLogits);

// Fraction of elements of x whose code round(x / scale) (half to even) falls outside the signed `bits` grid
// [-2^(bits-1), 2^(bits-1) - 1], i.e. would be clipped by a static per-tensor scale.
Result<double> clippingRate(const at::Tensor& x, double scale, int bits = 8);

}  // namespace lathe::quant
