#include "lathe/export/Rotation.h"

#include "common/AtomicFileWriter.h"
#include "export/TorchSaveReader.h"

#include <ATen/ATen.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <filesystem>

namespace lathe::exports {

namespace {

Result<at::Tensor> readEmbedding(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return makeError(ErrorCode::NotFound, "embedding file " + path + " does not exist");
    // Lathe's own torch.save reader only: libtorch 1.13's pickle_load reads past its buffer on a damaged archive
    // (docs/reliability.md), and it rejects the nn.Parameter torch.save(model.get_input_embeddings().weight) writes.
    auto saved = readSavedTensor(path);
    if (!saved)
        return makeError(saved.error().code, saved.error().message +
                                                 ": pass the embedding.pt that `lathe download-model --embedding` "
                                                 "or torch.save(model.get_input_embeddings().weight, path) wrote");
    std::optional<at::Tensor> tensor = std::move(*saved);
    const at::Tensor& t = *tensor;
    if (t.dim() != 2 || t.numel() == 0)
        return makeError(ErrorCode::Unsupported, "the embedding in " + path + " has " + std::to_string(t.dim()) +
                                                     " dimensions or no values; a [vocab, hidden] matrix is needed");
    if (!at::isFloatingType(t.scalar_type()))
        return makeError(ErrorCode::Unsupported, "the embedding in " + path + " holds " +
                                                     std::string(c10::toString(t.scalar_type())) +
                                                     " values; float32, bfloat16 or float16 is needed");
    return t;
}

}  // namespace

Result<void> rotateEmbedding(const std::string& embeddingPath, const std::string& rotationPath,
                             const std::string& outputPath, const ProgressFn& progress, const StopToken& stop)
{
    const auto cancelled = [] { return makeError(ErrorCode::Cancelled, "embedding rotation cancelled"); };
    try {
        if (progress) progress({"rotate-embedding", "reading " + rotationPath, 0, 3, "steps"});
        auto rotation = readRotationFile(rotationPath);
        if (!rotation) return rotation.error();
        if (stop.stopRequested()) return cancelled();
        if (progress) progress({"rotate-embedding", "reading " + embeddingPath, 1, 3, "steps"});
        auto embedding = readEmbedding(embeddingPath);
        if (!embedding) return embedding.error();
        const int64_t hidden = embedding->size(1);
        if (hidden != rotation->size)
            return makeError(ErrorCode::InvalidArgument,
                             "the embedding in " + embeddingPath + " has hidden size " + std::to_string(hidden) +
                                 " but the rotation in " + rotationPath + " is " + std::to_string(rotation->size) +
                                 "x" + std::to_string(rotation->size) + ": pass the rotation compiled for this model");
        if (stop.stopRequested()) return cancelled();
        if (progress) progress({"rotate-embedding", "rotating", 2, 3, "steps"});
        const at::Tensor r = at::from_blob(rotation->values.data(), {rotation->size, rotation->size}, at::kDouble);
        // The same operations, in the same precision, as the vendor's rotate_embedding.py, so the bytes match.
        at::Tensor rotated = at::matmul(embedding->to(at::kDouble), r).to(at::kBFloat16).contiguous();
        embedding = at::Tensor();
        if (stop.stopRequested()) return cancelled();
        const std::vector<char> bytes = torch::jit::pickle_save(rotated);
        const auto parent = std::filesystem::path(outputPath).parent_path();
        std::error_code ec;
        if (!parent.empty()) std::filesystem::create_directories(parent, ec);
        LATHE_TRY(writeFileAtomically(outputPath, std::string_view(bytes.data(), bytes.size())));
        if (progress) progress({"rotate-embedding", "done", 3, 3, "steps"});
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "rotating the embedding " + embeddingPath + " with " + rotationPath +
                                                  " into " + outputPath + " failed: " + e.what());
    }
}

}  // namespace lathe::exports
