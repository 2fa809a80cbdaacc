#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>

namespace lathe::quant {

// An orthogonal n × n rotation R, applied to rows (x·R) or columns (Rᵀ·W) in fp64. A random Hadamard rotation
// diag(s)·(H_K ⊗ H_2^m)/√n is applied without its matrix: a fast Walsh–Hadamard transform on the Sylvester factor and
// a K × K product, O(n·(m + K)) per row instead of the n² of a dense product (1B shapes: 11 + 1 against 2048).
// Any other matrix is applied as a dense product.
class Rotation {
public:
    Rotation() = default;
    Rotation(const at::Tensor& matrix);  // NOLINT(google-explicit-constructor): a dense rotation, copied to fp64

    // randomHadamard(n, seed) of Hadamard.h. Errors: as hadamardMatrix.
    static Result<Rotation> randomHadamard(int64_t n, std::uint64_t seed);

    bool defined() const { return m_matrix.defined(); }
    int64_t size() const { return m_matrix.defined() ? m_matrix.size(0) : 0; }
    const at::Tensor& matrix() const { return m_matrix; }  // fp64 [n, n]

    at::Tensor rotateRows(const at::Tensor& x) const;     // x·R for x [..., n]; fp64
    at::Tensor rotateColumns(const at::Tensor& w) const;  // Rᵀ·W for W [n] or [n, cols]; fp64

private:
    at::Tensor m_matrix;
    at::Tensor m_signs;  // fp64 [n]; undefined for a dense rotation
    at::Tensor m_paley;  // fp64 [K, K]
    int64_t m_sylvesterOrder = 0;
};

}  // namespace lathe::quant
