// The clip-search kernel for Avx2 processors; instruction-set flags: core/CMakeLists.txt.
#define LATHE_SHRINK_KERNEL searchShrinkAvx2
#include "quant/kernels/ShrinkSearchKernel.inl"
