#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>

#include <optional>

namespace lathe::quant {

// GPTQ's damping schedule, shared by everything that factors a layer Hessian: λ = dampFraction·mean(diag H) is
// added to `h`'s diagonal in place (each attempt from the undamped diagonal, so λ is added once) and raised tenfold
// after each failed attempt, at most `maxRetries` times. `attempt(λ, retry)` factors the damped `h` and returns an
// empty optional when it fails; the first result it gives is returned, else nullopt.
template <typename Attempt>
auto withDampingRetries(at::Tensor& h, double dampFraction, int maxRetries, Attempt&& attempt)
    -> decltype(attempt(0.0, 0))
{
    auto diag = h.diagonal();
    const at::Tensor undamped = diag.clone();
    double lambda = dampFraction * undamped.to(at::kDouble).mean().item<double>();
    for (int retry = 0; retry <= maxRetries; ++retry, lambda *= 10.0) {
        diag.copy_(undamped).add_(lambda);
        if (auto result = attempt(lambda, retry)) return result;
    }
    return std::nullopt;
}

}  // namespace lathe::quant
