#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe::compile {

// How a stream's values are kept.
enum class StreamPrecision {
    Compact,  // float16, or float32 for a sample with a value float16 cannot hold (|x| >= 65504)
    Exact,    // float32
};

// Per-sample hidden states of the calibration set for a few named streams ("float", "quant", ...). Samples are
// kept in memory while the total stays within the budget and spilled to files in `spillDir` beyond it, so the
// calibration set may be larger than RAM. get() always returns fp32.
class ActivationStore {
public:
    ActivationStore(std::string spillDir, int64_t budgetBytes);
    ~ActivationStore();  // removes the spill files
    ActivationStore(const ActivationStore&) = delete;
    ActivationStore& operator=(const ActivationStore&) = delete;

    // Replaces sample `sample` of `stream`. Compact: values are rounded to float16 unless one is out of its range;
    // a float16 tensor is kept as it is. Errors: Io (spilling).
    Result<void> put(const std::string& stream, size_t sample, const at::Tensor& states,
                     StreamPrecision precision = StreamPrecision::Compact);
    // fp32 [1, tokens, hidden]. Errors: NotFound (never put), Io/Corrupt (spill file).
    Result<at::Tensor> get(const std::string& stream, size_t sample) const;
    // As stored (float16 or float32), for checkpoints that must keep exactly these bits.
    Result<at::Tensor> getStored(const std::string& stream, size_t sample) const;
    // get() for a sample read for the last time: its memory leaves the budget (or its spill file is removed) now,
    // not when the whole stream is dropped. Errors: as get().
    Result<at::Tensor> take(const std::string& stream, size_t sample);

    // Renames `from` to `to`, dropping what `to` held (e.g. a layer's outputs become the next layer's inputs).
    void move(const std::string& from, const std::string& to);
    void drop(const std::string& stream);
    size_t samples(const std::string& stream) const;

    int64_t bytesInMemory() const { return m_inMemory; }
    int64_t bytesSpilled() const { return m_spilled; }

private:
    struct Slot {
        at::Tensor tensor;  // in memory, or undefined when spilled
        std::string file;   // spill file
        int64_t bytes = 0;
    };
    void release(Slot& slot);

    std::string m_spillDir;
    int64_t m_budget;
    int64_t m_inMemory = 0;
    int64_t m_spilled = 0;
    uint64_t m_nextFile = 0;
    std::map<std::string, std::vector<Slot>> m_streams;
};

}  // namespace lathe::compile
