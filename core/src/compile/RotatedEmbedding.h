#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "quant/Rotation.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace lathe::model {
class Checkpoint;
}

namespace lathe::compile {

// The reference flow's rotated embedding, (E.double() @ R1.double()).bfloat16() with E the checkpoint's
// model.embed_tokens.weight, in torch.save's format (what `lathe rotate-embedding` writes for the same inputs).
// Computed in blocks of `rowsPerBlock` rows, so the fp64 intermediates stay small for large vocabularies; the bytes
// are returned as pickled, without a second copy (the embedding of a large vocabulary is hundreds of MB).
// Errors: NotFound (no embedding), Cancelled, Internal.
Result<std::vector<char>> rotatedEmbeddingBytes(const model::Checkpoint& checkpoint, const quant::Rotation& r1,
                                                int64_t rowsPerBlock, const StopToken& stop);

}  // namespace lathe::compile
