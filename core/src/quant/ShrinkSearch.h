#pragma once
// Private to core. Plain C++ (no libtorch) so that the kernel can be built for several instruction sets.

#include <cstdint>

namespace lathe::quant {

// QuaRot/SpinQuant's w_clip rule: shrink factors 1.00, 0.99, ... 0.21 and error exponent 2.4.
constexpr int kShrinkSteps = 80;

// The clip search of rowScales for rows [0, rows) of `w` (fp32, row-major, `cols` values per row, all finite)
// with row absmax `absMax` (> 0): writes to `scales` the scale absMax·p/qmax of the shrink factor
// p = (100 − k)/100, k = 0 .. kShrinkSteps − 1, that minimises Σ|clamp(round(w/s))·s − w|^2.4 over the row, the
// smallest k winning ties. |e|^2.4 is evaluated to about 1e-6 relative (docs/quantization-math.md), with the same
// result on every instruction set. Calls on disjoint rows may run concurrently.
void searchShrink(const float* w, int64_t rows, int64_t cols, const float* absMax, int bits, float* scales);

// The builds of the kernel; searchShrink runs the widest the processor supports. (An AVX2 build measured no
// faster than the generic SSE2 one here, so there is none.) searchShrinkWith and shrinkKernelSupported are for
// tests that compare the builds.
enum class ShrinkKernel { Generic, Avx512 };
bool shrinkKernelSupported(ShrinkKernel kernel);
void searchShrinkWith(ShrinkKernel kernel, const float* w, int64_t rows, int64_t cols, const float* absMax, int bits,
                      float* scales);

}  // namespace lathe::quant
