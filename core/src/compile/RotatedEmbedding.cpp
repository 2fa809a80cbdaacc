#include "compile/RotatedEmbedding.h"

#include "model/Checkpoint.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <algorithm>

namespace lathe::compile {

Result<std::vector<char>> rotatedEmbeddingBytes(const model::Checkpoint& checkpoint, const quant::Rotation& r1,
                                                int64_t rowsPerBlock, const StopToken& stop)
{
    const std::string name = "model.embed_tokens.weight";
    try {
        // Loaded in its stored precision: widening bf16/fp16 to fp64 is exact, so nothing is lost by not holding
        // an fp32 copy of the whole matrix.
        at::ScalarType stored = at::kFloat;
        for (const auto& t : checkpoint.tensors())
            if (t.name == name) stored = t.dtype == "BF16" ? at::kBFloat16 : t.dtype == "F16" ? at::kHalf : at::kFloat;
        auto embedding = checkpoint.load(name, stored);
        if (!embedding) return embedding.error();
        const at::Tensor& e = *embedding;
        // The dense product of the reference flow, not the fast transform: these bytes must equal what
        // rotate-embedding makes from the rotation file (the transform differs in the last fp64 bits, which can
        // move a bf16 rounding).
        const at::Tensor& r = r1.matrix();
        at::Tensor rotated = at::empty({e.size(0), e.size(1)}, at::kBFloat16);
        const int64_t rows = std::max<int64_t>(1, rowsPerBlock);
        for (int64_t r0 = 0; r0 < e.size(0); r0 += rows) {
            if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "compile cancelled");
            const int64_t n = std::min(rows, e.size(0) - r0);
            rotated.narrow(0, r0, n).copy_(at::matmul(e.narrow(0, r0, n).to(at::kDouble), r).to(at::kBFloat16));
        }
        embedding = at::Tensor();
        return torch::jit::pickle_save(rotated);
    } catch (const std::exception& ex) {
        return makeError(ErrorCode::Internal,
                         "rotating the embedding of " + checkpoint.directory() + " failed: " + ex.what());
    }
}

}  // namespace lathe::compile
