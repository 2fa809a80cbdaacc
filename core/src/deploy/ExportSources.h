#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>
#include "common/FileLock.h"
#include "common/TemporaryFolder.h"
#include "compiled/CompiledModelFile.h"
#include "lathe/common/Progress.h"

#include <filesystem>
#include <memory>
#include <string>

namespace lathe::deploy {

// What every export reads: the compiled container, the input embedding it runs with (checked against the model's
// shape), the tokenizer files it stores (in a temporary folder), and the model folder the user named for files the
// container does not hold.
struct ExportSources {
    std::shared_ptr<const compiled::CompiledModelFile> file;
    at::Tensor embedding;  // float32 [vocab_size, hidden_size]
    TemporaryFolder tokenizer;
    std::string modelDir;  // the resolved --model_path; empty when none was given
};

// Errors: InvalidArgument (no embedding given; `embeddingHint` says why the format needs it), the container's and
// the embedding's own errors, Corrupt for an embedding whose shape is not [vocab_size, hidden_size], NotFound / Io
// for the tokenizer files and the model folder.
Result<ExportSources> openExportSources(const std::string& compiledPath, const std::string& embeddingPath,
                                        const std::string& modelPath, const std::string& embeddingHint,
                                        const ProgressFn& progress);

// Locks the folder an export writes `target` into (created when missing), so that two exports (two `lathe export`
// runs, or the Studio and the CLI) never interleave there; the second is refused at once. Errors: InvalidArgument
// when another export holds it, Io when it cannot be created.
Result<FileLock> lockExportFolder(const std::filesystem::path& target);

// Copies `fileName` from the model folder into `folder` when both exist; a missing file is not an error.
Result<void> copyModelFile(const ExportSources& sources, const std::string& fileName, const std::string& folder);

}  // namespace lathe::deploy
