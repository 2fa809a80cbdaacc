#include "quant/GaloisField.h"

namespace lathe::quant {

namespace {

int smallestPrimeFactor(int n)
{
    for (int d = 2; d * d <= n; ++d)
        if (n % d == 0) return d;
    return n;
}

}  // namespace

std::optional<GaloisField> GaloisField::create(int q)
{
    if (q < 2 || q > 4096) return std::nullopt;
    const int p = smallestPrimeFactor(q);
    int k = 0;
    for (int r = q; r > 1; r /= p) {
        if (r % p != 0) return std::nullopt;
        ++k;
    }
    return GaloisField(q, p, k);
}

GaloisField::GaloisField(int q, int p, int k) : m_q(q), m_p(p), m_k(k)
{
    // Any monic polynomial of degree k whose quotient ring has no zero divisors is irreducible; the first one
    // in counting order is taken, so the field's element numbering is fixed.
    if (k > 1) {
        for (int c = 0; c < q; ++c) {
            auto candidate = digits(c);
            if (!hasZeroDivisors(candidate)) {
                m_modulus = candidate;
                break;
            }
        }
    }
    m_character.assign(q, -1);
    m_character[0] = 0;
    for (int b = 1; b < q; ++b) m_character[multiply(b, b)] = 1;
}

std::vector<int> GaloisField::digits(int a) const
{
    std::vector<int> d(m_k);
    for (int i = 0; i < m_k; ++i, a /= m_p) d[i] = a % m_p;
    return d;
}

int GaloisField::fromDigits(const std::vector<int>& d) const
{
    int a = 0;
    for (int i = m_k - 1; i >= 0; --i) a = a * m_p + d[i];
    return a;
}

int GaloisField::subtract(int a, int b) const
{
    auto da = digits(a);
    auto db = digits(b);
    for (int i = 0; i < m_k; ++i) da[i] = ((da[i] - db[i]) % m_p + m_p) % m_p;
    return fromDigits(da);
}

int GaloisField::multiplyModulo(int a, int b, const std::vector<int>& modulus) const
{
    if (m_k == 1) return (a * b) % m_p;
    auto da = digits(a);
    auto db = digits(b);
    std::vector<int> prod(2 * m_k - 1, 0);
    for (int i = 0; i < m_k; ++i)
        for (int j = 0; j < m_k; ++j) prod[i + j] = (prod[i + j] + da[i] * db[j]) % m_p;
    // x^k ≡ -(modulus low part), applied from the top degree down.
    for (int d = 2 * m_k - 2; d >= m_k; --d) {
        const int c = prod[d];
        if (c == 0) continue;
        for (int j = 0; j < m_k; ++j) prod[d - m_k + j] = ((prod[d - m_k + j] - c * modulus[j]) % m_p + m_p) % m_p;
        prod[d] = 0;
    }
    prod.resize(m_k);
    return fromDigits(prod);
}

int GaloisField::multiply(int a, int b) const
{
    return multiplyModulo(a, b, m_modulus);
}

bool GaloisField::hasZeroDivisors(const std::vector<int>& modulus) const
{
    for (int a = 1; a < m_q; ++a)
        for (int b = a; b < m_q; ++b)
            if (multiplyModulo(a, b, modulus) == 0) return true;
    return false;
}

}  // namespace lathe::quant
