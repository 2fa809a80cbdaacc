#include "quant/ShrinkSearch.h"

namespace lathe::quant {

namespace kernels {
using Kernel = void (*)(const float*, int64_t, int64_t, const float*, int, float*);
void searchShrinkGeneric(const float* w, int64_t rows, int64_t cols, const float* absMax, int bits, float* scales);
#if defined(__x86_64__)
void searchShrinkAvx512(const float* w, int64_t rows, int64_t cols, const float* absMax, int bits, float* scales);
#endif
}  // namespace kernels

namespace {

kernels::Kernel kernelFor(ShrinkKernel kernel)
{
#if defined(__x86_64__)
    if (kernel == ShrinkKernel::Avx512) return kernels::searchShrinkAvx512;
#endif
    (void)kernel;
    return kernels::searchShrinkGeneric;
}

ShrinkKernel widestKernel()
{
    if (shrinkKernelSupported(ShrinkKernel::Avx512)) return ShrinkKernel::Avx512;
    return ShrinkKernel::Generic;
}

}  // namespace

bool shrinkKernelSupported(ShrinkKernel kernel)
{
#if defined(__x86_64__)
    if (kernel == ShrinkKernel::Avx512) return __builtin_cpu_supports("avx512f");
#endif
    return kernel == ShrinkKernel::Generic;
}

void searchShrinkWith(ShrinkKernel kernel, const float* w, int64_t rows, int64_t cols, const float* absMax, int bits,
                      float* scales)
{
    kernelFor(kernel)(w, rows, cols, absMax, bits, scales);
}

void searchShrink(const float* w, int64_t rows, int64_t cols, const float* absMax, int bits, float* scales)
{
    // The builds give identical results (see kernels/ShrinkSearchKernel.inl); the widest is the fastest.
    static const kernels::Kernel kernel = kernelFor(widestKernel());
    kernel(w, rows, cols, absMax, bits, scales);
}

}  // namespace lathe::quant
