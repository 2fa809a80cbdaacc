// The clip-search kernel for any x86-64 (or other) processor; instruction-set flags: core/CMakeLists.txt.
#define LATHE_SHRINK_KERNEL searchShrinkGeneric
#include "quant/kernels/ShrinkSearchKernel.inl"
