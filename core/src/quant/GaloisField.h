#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace lathe::quant {

// The finite field GF(q), q = p^k, small enough for tables (Paley Hadamard constructions use q < a few hundred).
// Element e ∈ [0, q) stands for the polynomial whose coefficients are e's base-p digits (lowest first).
class GaloisField {
public:
    // nullopt when q is not a prime power (or q > 4096).
    static std::optional<GaloisField> create(int q);

    int order() const { return m_q; }
    int characteristic() const { return m_p; }
    int subtract(int a, int b) const;
    int multiply(int a, int b) const;
    // Quadratic character: 0 for 0, +1 for nonzero squares, -1 otherwise.
    int quadraticCharacter(int a) const { return m_character[a]; }

private:
    GaloisField(int q, int p, int k);
    std::vector<int> digits(int a) const;
    int fromDigits(const std::vector<int>& d) const;
    int multiplyModulo(int a, int b, const std::vector<int>& modulus) const;
    bool hasZeroDivisors(const std::vector<int>& modulus) const;

    int m_q = 0;
    int m_p = 0;
    int m_k = 0;
    std::vector<int> m_modulus;  // monic irreducible of degree k, low coefficients (leading 1 implied)
    std::vector<int> m_character;
};

}  // namespace lathe::quant
