#pragma once

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lathe::exports {

// The input-embedding matrix [vocab, hidden] from an `embedding.pt` written by Python's torch.save (a tensor
// or nn.Parameter, or a dict holding one) or by Lathe (torch::pickle_save), kept as contiguous float32.
class EmbeddingTable {
public:
    // Errors: NotFound/Io reading the file, Corrupt (not a torch.save file, or no tensor in it),
    // Unsupported (not 2-D, or a dtype other than float32/bfloat16/float16/float64) — each naming the file.
    static Result<EmbeddingTable> load(const std::string& path);

    std::int64_t vocabSize() const { return m_weights.size(0); }
    std::int64_t hiddenSize() const { return m_weights.size(1); }
    const std::string& storedDtype() const { return m_storedDtype; }  // "float32", "bfloat16", ...
    const at::Tensor& weights() const { return m_weights; }           // float32 [vocab, hidden], shared

    // Rows for `ids`, one after another: [ids.size(), hidden] floats. Ids must be < vocabSize() (checked
    // by the caller against the tokenizer).
    std::vector<float> lookup(std::span<const std::int32_t> ids) const;

private:
    at::Tensor m_weights;  // float32, contiguous, [vocab, hidden]
    std::string m_storedDtype;
};

}  // namespace lathe::exports
