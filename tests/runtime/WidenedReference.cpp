#include "WidenedReference.h"

namespace lathe::test {

ReferenceWeights widenedReference(const std::map<std::string, at::Tensor>& tensors)
{
    ReferenceWeights r;
    for (const auto& [name, tensor] : tensors) {
        const auto t = tensor.to(at::kFloat).contiguous();
        const float* p = t.data_ptr<float>();
        if (t.dim() == 1) {
            r.vectors[name].assign(p, p + t.numel());
            continue;
        }
        Matrix& m = r.matrices[name];
        for (int64_t row = 0; row < t.size(0); ++row) m.emplace_back(p + row * t.size(1), p + (row + 1) * t.size(1));
    }
    return r;
}

}  // namespace lathe::test
