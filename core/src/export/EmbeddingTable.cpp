#include "export/EmbeddingTable.h"

#include "export/TorchSaveReader.h"

#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

namespace lathe::exports {

namespace {

std::string dtypeName(at::ScalarType type)
{
    switch (type) {
        case at::kFloat:
            return "float32";
        case at::kBFloat16:
            return "bfloat16";
        case at::kHalf:
            return "float16";
        case at::kDouble:
            return "float64";
        case at::kLong:
            return "int64";
        case at::kInt:
            return "int32";
        case at::kShort:
            return "int16";
        case at::kChar:
            return "int8";
        case at::kByte:
            return "uint8";
        case at::kBool:
            return "bool";
        default:
            return c10::toString(type);
    }
}

}  // namespace

Result<EmbeddingTable> EmbeddingTable::load(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return makeError(ErrorCode::NotFound, "embedding file " + path +
                                                  " does not exist: write it with `lathe download-model --embedding`");
    // Lathe's own reader, not libtorch's pickle_load: that one rebuilds a tensor from any size, stride and storage
    // offset the file claims, so a hostile file reads memory past its storage; this one checks them first.
    auto saved = readSavedTensor(path);
    if (!saved)
        return makeError(saved.error().code, saved.error().message +
                                                 ": pass the embedding.pt that `lathe download-model --embedding` "
                                                 "or torch.save(model.get_input_embeddings().weight, path) wrote");
    std::optional<at::Tensor> tensor = std::move(saved).value();
    try {
        EmbeddingTable table;
        table.m_storedDtype = dtypeName(tensor->scalar_type());
        if (tensor->dim() != 2)
            return makeError(ErrorCode::Unsupported, path + " holds a tensor of " + std::to_string(tensor->dim()) +
                                                         " dimensions; the embedding must be [vocab, hidden]");
        const auto type = tensor->scalar_type();
        if (type != at::kFloat && type != at::kBFloat16 && type != at::kHalf && type != at::kDouble)
            return makeError(ErrorCode::Unsupported, path + " holds a " + table.m_storedDtype +
                                                         " tensor; the embedding must be float32, bfloat16 or float16");
        if (tensor->size(0) <= 0 || tensor->size(1) <= 0)
            return makeError(ErrorCode::Corrupt, path + " holds an empty embedding matrix");
        table.m_weights = tensor->detach().to(at::kFloat).contiguous();
        return table;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, "cannot convert the embedding in " + path + ": " + e.what());
    }
}

std::vector<float> EmbeddingTable::lookup(std::span<const std::int32_t> ids) const
{
    const auto hidden = static_cast<std::size_t>(hiddenSize());
    std::vector<float> out(ids.size() * hidden);
    const float* base = m_weights.data_ptr<float>();
    for (std::size_t i = 0; i < ids.size(); ++i)
        std::memcpy(out.data() + i * hidden, base + static_cast<std::size_t>(ids[i]) * hidden, hidden * sizeof(float));
    return out;
}

}  // namespace lathe::exports
