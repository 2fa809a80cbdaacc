#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>

#include <cstdint>

namespace lathe::compile {

// SQNR over many batches: Σy² and Σ(y − ŷ)² summed in fp64, 10·log10 of their ratio (as quant::sqnrDb for one
// tensor). +inf when nothing differs, 0 before any data.
class SqnrAccumulator {
public:
    void add(const at::Tensor& reference, const at::Tensor& approx);
    double db() const;

private:
    double m_signal = 0.0;
    double m_noise = 0.0;
    bool m_any = false;
};

// Fraction of activation values a static scale clips: round(x / s) (fp32, half to even, as the runtime
// quantizes) outside the signed `bits` grid.
class ClipCounter {
public:
    void add(const at::Tensor& x, double scale, int bits);
    double rate() const { return m_total > 0 ? double(m_clipped) / double(m_total) : 0.0; }

private:
    int64_t m_clipped = 0;
    int64_t m_total = 0;
};

// Mean KL(P ‖ Q) over rows of logits, accumulated over batches of rows (quant::meanKlDivergence per batch).
class KlAccumulator {
public:
    void add(const at::Tensor& referenceLogits, const at::Tensor& approxLogits);
    double mean() const { return m_rows > 0 ? m_sum / double(m_rows) : 0.0; }

private:
    double m_sum = 0.0;
    int64_t m_rows = 0;
};

}  // namespace lathe::compile
