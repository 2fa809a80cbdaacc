// The clip-search kernel for Avx512 processors; instruction-set flags: core/CMakeLists.txt.
#define LATHE_SHRINK_KERNEL searchShrinkAvx512
#include "quant/kernels/ShrinkSearchKernel.inl"
