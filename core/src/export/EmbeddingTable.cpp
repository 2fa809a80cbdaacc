#include "export/EmbeddingTable.h"

#include "export/TorchSaveReader.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
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

// torch.save(tensor) and torch.save(param) give a tensor; a state-dict-like {"weight": t} is accepted too.
std::optional<at::Tensor> findTensor(const c10::IValue& value)
{
    if (value.isTensor()) return value.toTensor();
    if (value.isGenericDict()) {
        const auto dict = value.toGenericDict();
        std::optional<at::Tensor> only;
        int tensors = 0;
        for (const auto& entry : dict) {
            if (!entry.value().isTensor()) continue;
            ++tensors;
            only = entry.value().toTensor();
            if (entry.key().isString() && entry.key().toStringRef() == "weight") return only;
        }
        if (tensors == 1) return only;
    }
    return std::nullopt;
}

}  // namespace

Result<EmbeddingTable> EmbeddingTable::load(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return makeError(ErrorCode::NotFound, "embedding file " + path +
                                                  " does not exist: write it with `lathe download-model --embedding`");
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot open the embedding file " + path);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return makeError(ErrorCode::Io, "cannot read the embedding file " + path);

    std::optional<at::Tensor> tensor;
    try {
        tensor = findTensor(torch::jit::pickle_load(bytes));
    } catch (const std::exception&) {
        // pickle_load knows no nn.Parameter (torch.save(model.get_input_embeddings().weight) writes one):
        // read those with the small reader below.
    }
    bytes.clear();
    bytes.shrink_to_fit();
    if (!tensor) {
        auto saved = readSavedTensor(path);
        if (!saved)
            return makeError(saved.error().code, saved.error().message +
                                                     ": pass the embedding.pt that `lathe download-model --embedding` "
                                                     "or torch.save(model.get_input_embeddings().weight, path) wrote");
        tensor = std::move(*saved);
    }
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
