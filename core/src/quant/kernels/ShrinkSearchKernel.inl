// The clip-search kernel, included once per instruction set by ShrinkSearch*.cpp with LATHE_SHRINK_KERNEL naming
// the function. Built with -ffp-contract=off: every lane runs the same IEEE operations in the same order whatever
// the vector width, so all builds choose the same scales.

#include "quant/ShrinkSearch.h"

#include <cstddef>
#include <cstdint>
#include <new>

namespace lathe::quant::kernels {
namespace {

constexpr int kLanes = 16;
// Rows are checked against the best error so far every this many values: a candidate whose partial sum already
// exceeds it cannot win (every term is non-negative and rounding is monotone), so the rest of its row is skipped.
constexpr int64_t kCheckValues = 512;

using Floats = float __attribute__((vector_size(kLanes * sizeof(float))));
using Ints = int32_t __attribute__((vector_size(kLanes * sizeof(int32_t))));

// Aligned storage for one zero-padded row. Not a std::vector: a library template instantiated in this file would be
// shared at link time with the other builds of the kernel, and where the compiler does not inline it the linker may
// keep the AVX-512 copy for a generic caller.
class RowBuffer {
public:
    explicit RowBuffer(int64_t chunks)
        : m_data(static_cast<Floats*>(::operator new(sizeof(Floats) * static_cast<size_t>(chunks), kAlignment)))
    {
    }
    ~RowBuffer() { ::operator delete(m_data, kAlignment); }
    RowBuffer(const RowBuffer&) = delete;
    RowBuffer& operator=(const RowBuffer&) = delete;
    Floats* data() { return m_data; }

private:
    static constexpr std::align_val_t kAlignment{alignof(Floats)};
    Floats* m_data;
};

inline Floats splat(float v)
{
    Floats r;
    for (int i = 0; i < kLanes; ++i) r[i] = v;
    return r;
}

inline Ints splatInt(int32_t v)
{
    Ints r;
    for (int i = 0; i < kLanes; ++i) r[i] = v;
    return r;
}

inline Floats bitsToFloats(Ints v)
{
    Floats r;
    __builtin_memcpy(&r, &v, sizeof r);
    return r;
}

inline Ints floatsToBits(Floats v)
{
    Ints r;
    __builtin_memcpy(&r, &v, sizeof r);
    return r;
}

inline Floats select(Ints mask, Floats a, Floats b)
{
    return bitsToFloats((floatsToBits(a) & mask) | (floatsToBits(b) & ~mask));
}

// Round half to even for |x| < 2^22, as nearbyint: adding 1.5·2^23 leaves no fraction bits.
inline Floats roundEven(Floats x)
{
    const Floats magic = splat(12582912.0f);
    return (x + magic) - magic;
}

// x^0.4 · x² for x >= 1e-30 (callers clamp), about 1e-6 relative: log2 from the exponent bits and an odd series in
// t = (m − 1)/(m + 1), m in [√½, √2]; 2^y as 2^n · a degree-6 series for 2^f, f in [−½, ½].
inline Floats pow24(Floats x)
{
    const Ints bits = floatsToBits(x);
    Ints exponent = ((bits >> 23) & splatInt(0xFF)) - splatInt(127);
    Floats m = bitsToFloats((bits & splatInt(0x7FFFFF)) | splatInt(0x3F800000));
    const Ints high = m > splat(1.41421356f);
    m = select(high, m * splat(0.5f), m);
    exponent = exponent - high;  // high is -1 where true
    const Floats t = (m - splat(1.0f)) / (m + splat(1.0f));
    const Floats t2 = t * t;
    const Floats series = t * (splat(2.88539008f) +
                               t2 * (splat(0.961796694f) + t2 * (splat(0.577078016f) + t2 * splat(0.412198583f))));
    const Floats log2x = __builtin_convertvector(exponent, Floats) + series;
    const Floats y = splat(0.4f) * log2x;
    const Floats n = roundEven(y);
    const Floats f = (y - n) * splat(0.693147181f);
    const Floats e = splat(1.0f) +
                     f * (splat(1.0f) +
                          f * (splat(0.5f) +
                               f * (splat(1.0f / 6) + f * (splat(1.0f / 24) + f * (splat(1.0f / 120) +
                                                                                   f * splat(1.0f / 720))))));
    const Ints scaleBits = (__builtin_convertvector(n, Ints) + splatInt(127)) << 23;
    return x * x * (e * bitsToFloats(scaleBits));
}

inline float laneSum(Floats v)
{
    for (int width = kLanes / 2; width >= 1; width /= 2)
        for (int i = 0; i < width; ++i) v[i] = v[i] + v[i + width];
    return v[0];
}

// Σ|e|^2.4 over `chunks` vectors of `row` for one scale, or a value above `bound` once a checked partial sum
// exceeds it.
inline float rowError(const Floats* row, int64_t chunks, float scale, float lo, float hi, float bound)
{
    const Floats s = splat(scale), low = splat(lo), high = splat(hi), tiny = splat(1e-30f);
    const Ints magnitude = splatInt(0x7FFFFFFF);
    Floats acc = splat(0.0f);
    const int64_t perCheck = kCheckValues / kLanes;
    for (int64_t c0 = 0; c0 < chunks; c0 += perCheck) {
        const int64_t c1 = c0 + perCheck < chunks ? c0 + perCheck : chunks;
        for (int64_t c = c0; c < c1; ++c) {
            const Floats w = row[c];
            Floats q = roundEven(w / s);
            q = q < low ? low : q;
            q = q > high ? high : q;
            Floats a = bitsToFloats(floatsToBits(q * s - w) & magnitude);
            a = a < tiny ? tiny : a;
            acc = acc + pow24(a);
        }
        if (c1 < chunks && laneSum(acc) > bound) return laneSum(acc);
    }
    return laneSum(acc);
}

}  // namespace

void LATHE_SHRINK_KERNEL(const float* w, int64_t rows, int64_t cols, const float* absMax, int bits, float* scales)
{
    const float qmax = static_cast<float>((int64_t{1} << (bits - 1)) - 1);
    const float lo = -qmax - 1.0f, hi = qmax;
    if (rows <= 0) return;
    if (cols <= 0) {
        for (int64_t r = 0; r < rows; ++r) scales[r] = absMax[r] / qmax;
        return;
    }
    const int64_t chunks = (cols + kLanes - 1) / kLanes;
    RowBuffer row(chunks);
    float* values = reinterpret_cast<float*>(row.data());  // GCC vector types may be accessed as their elements
    int hint = 0;  // neighbouring rows tend to share their best factor: trying it first tightens the bound early
    for (int64_t r = 0; r < rows; ++r) {
        // The row is scaled by a power of two that brings its absmax near 1, so |e|^2.4 stays in the fast power's
        // accurate range (no subnormal e², no overflow) whatever the weights' magnitude. The scaling is exact, so
        // w/s, the codes and every candidate's scale are the same bits as without it.
        int exponent = 0;
        __builtin_frexpf(absMax[r], &exponent);
        exponent = exponent < -120 ? -120 : exponent > 120 ? 120 : exponent;
        const float down = __builtin_ldexpf(1.0f, -exponent), up = __builtin_ldexpf(1.0f, exponent);
        row.data()[chunks - 1] = splat(0.0f);  // zero padding adds exactly 0 to every error
        for (int64_t j = 0; j < cols; ++j) values[j] = w[r * cols + j] * down;
        const float base = absMax[r] * down;
        float bestError = __builtin_huge_valf();
        int best = 0;
        for (int i = -1; i < kShrinkSteps; ++i) {
            const int k = i < 0 ? hint : i;
            if (i >= 0 && k == hint) continue;
            const float scale = (base * static_cast<float>((100 - k) / 100.0)) / qmax;
            const float error = rowError(row.data(), chunks, scale, lo, hi, bestError);
            if (error < bestError || (error == bestError && k < best)) {
                bestError = error;
                best = k;
            }
        }
        hint = best;
        scales[r] = ((base * static_cast<float>((100 - best) / 100.0)) / qmax) * up;
    }
}

}  // namespace lathe::quant::kernels
