#include "quant/Rotation.h"

#include "quant/Hadamard.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace lathe::quant {
namespace {

// In place: x ← x·H for Sylvester's H of order n = 2^m (H[i][j] = (-1)^popcount(i & j)), by m butterfly passes.
void walshHadamard(double* x, int64_t n)
{
    for (int64_t h = 1; h < n; h *= 2)
        for (int64_t i = 0; i < n; i += 2 * h)
            for (int64_t j = i; j < i + h; ++j) {
                const double a = x[j], b = x[j + h];
                x[j] = a + b;
                x[j + h] = a - b;
            }
}

}  // namespace

Rotation::Rotation(const at::Tensor& matrix)
    : m_matrix(matrix.defined() ? matrix.to(at::kDouble).contiguous() : at::Tensor())
{
}

Result<Rotation> Rotation::randomHadamard(int64_t n, std::uint64_t seed)
{
    auto factors = hadamardFactors(n);
    if (!factors) return factors.error();
    auto matrix = quant::randomHadamard(n, seed);
    if (!matrix) return matrix.error();
    Rotation r(*matrix);
    r.m_signs = randomSigns(n, seed);
    r.m_paley = factors->paley;
    r.m_sylvesterOrder = factors->sylvesterOrder;
    return r;
}

at::Tensor Rotation::rotateRows(const at::Tensor& x) const
{
    const int64_t n = size();
    if (x.dim() == 0 || x.size(-1) != n)
        throw std::invalid_argument("a rotation of size " + std::to_string(n) + " cannot rotate rows of " +
                                    std::to_string(x.dim() ? x.size(-1) : 0) + " values");
    if (!m_signs.defined()) return at::matmul(x.to(at::kDouble), m_matrix);
    // x·diag(s)·(K ⊗ S) = Kᵀ·(X·S) with each row viewed as X [K, 2^m]; S is symmetric.
    at::Tensor y = (x.to(at::kDouble).reshape({-1, n}) * m_signs).contiguous();
    const int64_t order = m_sylvesterOrder, blocks = n / order;
    double* data = y.data_ptr<double>();
    const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / order);
    at::parallel_for(0, y.size(0) * blocks, grain, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) walshHadamard(data + b * order, order);
    });
    if (blocks > 1) y = at::matmul(m_paley.t(), y.view({-1, blocks, order}));
    return y.div_(std::sqrt(static_cast<double>(n))).view(x.sizes());
}

at::Tensor Rotation::rotateColumns(const at::Tensor& w) const
{
    if (w.dim() == 1) return rotateRows(w);  // Rᵀ·b = (bᵀ·R)ᵀ
    return rotateRows(w.t()).t();
}

}  // namespace lathe::quant
