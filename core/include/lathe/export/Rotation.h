#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <string>
#include <vector>

namespace lathe::exports {

// A square rotation matrix, row-major, as read back from a rotation file.
struct RotationMatrix {
    int size = 0;                 // n for an [n, n] matrix
    std::vector<double> values;   // n * n values, row-major, converted to double
    std::string storedDtype;      // dtype the file held ("float64", "float32", ...)
};

// Writes the R1 rotation file (spinWeight/<model>/R1/global_rotation.pth): a TorchScript archive whose only
// parameter, "weight", is the [n, n] `matrix` (row-major) stored as float64, so that Python's
// next(torch.jit.load(path).parameters()) returns it bit for bit and `.double()` on it loses nothing.
// Missing parent folders are created; the file is written under a temporary name and renamed when complete.
// Errors: InvalidArgument (n < 1, matrix.size() != n * n, non-finite values), Io.
Result<void> writeRotationFile(const std::string& path, const std::vector<double>& matrix, int n);

// Reads a rotation file: a TorchScript archive (Lathe's, or Python's torch.jit.save of a module) whose first
// parameter is the matrix, whatever its name; or, failing that, a tensor saved with torch.save.
// Errors: NotFound, Corrupt (neither format, no parameter), Unsupported (not a square 2-D float matrix).
Result<RotationMatrix> readRotationFile(const std::string& path);

// The vendor flow's rotate_embedding step: reads the [vocab, hidden] embedding at `embeddingPath`
// (torch.save'd float32/bfloat16/float16 tensor or nn.Parameter) and the rotation file at `rotationPath`,
// computes (embedding.double() @ R.double()).bfloat16() and writes it to `outputPath` in torch.save's format.
// The output is written under a temporary name and renamed when complete; nothing is left on failure.
// Errors: those of readRotationFile, NotFound/Corrupt/Unsupported reading the embedding, InvalidArgument
// (hidden size != rotation size), Io, Cancelled.
Result<void> rotateEmbedding(const std::string& embeddingPath, const std::string& rotationPath,
                             const std::string& outputPath, const ProgressFn& progress = {},
                             const StopToken& stop = {});

}  // namespace lathe::exports
