#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>

#include <utility>

namespace lathe::quant {

// `t` as a contiguous `dtype` matrix its receiver may modify in place: `t` itself when the caller handed over its
// only reference (std::move) to a contiguous tensor of that type, else a copy. `t` is left empty either way. Lets a
// large matrix (a layer Hessian, 256 MiB at in = 8192) be damped or updated without a second copy.
inline at::Tensor workingCopy(at::Tensor& t, at::ScalarType dtype)
{
    const bool owned = t.use_count() == 1 && t.storage().use_count() == 1 && t.is_contiguous();
    at::Tensor out = t.scalar_type() != dtype ? t.to(dtype).contiguous() : owned ? std::move(t) : t.clone();
    t.reset();
    return out;
}

}  // namespace lathe::quant
