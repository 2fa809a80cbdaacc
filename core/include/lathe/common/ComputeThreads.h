#pragma once

namespace lathe {

// Intra-op threads for libtorch. The setting is process-wide. `threads` > 0 is used as given; 0 means one
// per hardware thread, except for models with hidden size below 256, which get one: their matrices are
// too small to split, and synchronising threads made stories260K (hidden 64) generate 15x slower on two
// cores. Returns the count set.
int setComputeThreads(int threads, int hiddenSize = 0);

}  // namespace lathe
