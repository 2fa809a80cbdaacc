#include "lathe/export/Embedding.h"

#include "common/AtomicFileWriter.h"
#include "model/Checkpoint.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <filesystem>

namespace lathe::exports {

Result<void> extractEmbedding(const std::string& modelDir, const std::string& outPath, const ProgressFn& progress,
                              const StopToken& stop)
{
    try {
        auto opened = model::Checkpoint::open(modelDir);
        if (!opened) return opened.error();
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "embedding extraction cancelled");
        if (progress) progress({"embedding", "reading embed_tokens", 0, 2, "steps"});
        auto embedding = (*opened)->load("model.embed_tokens.weight", at::kFloat);
        if (!embedding) return embedding.error();
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "embedding extraction cancelled");
        if (progress) progress({"embedding", "writing " + outPath, 1, 2, "steps"});
        const std::vector<char> bytes = torch::jit::pickle_save(*embedding);
        const auto parent = std::filesystem::path(outPath).parent_path();
        std::error_code ec;
        if (!parent.empty()) std::filesystem::create_directories(parent, ec);
        LATHE_TRY(writeFileAtomically(outPath, std::string_view(bytes.data(), bytes.size())));
        if (progress) progress({"embedding", "done", 2, 2, "steps"});
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "writing the embedding of " + modelDir + " to " + outPath +
                                                  " failed: " + e.what());
    }
}

}  // namespace lathe::exports
