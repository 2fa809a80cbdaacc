#include "model/SafetensorsWriter.h"

#include "common/AtomicFileWriter.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <set>

namespace lathe::model {

const char* safetensorsDtypeName(at::ScalarType t)
{
    switch (t) {
    case at::kFloat: return "F32";
    case at::kHalf: return "F16";
    case at::kBFloat16: return "BF16";
    case at::kDouble: return "F64";
    case at::kLong: return "I64";
    case at::kInt: return "I32";
    case at::kShort: return "I16";
    case at::kChar: return "I8";
    case at::kByte: return "U8";
    case at::kBool: return "BOOL";
    default: return nullptr;
    }
}

Result<std::string> safetensorsHeader(const std::vector<SafetensorsHeaderEntry>& entries,
                                      const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::set<std::string> seen;
    uint64_t offset = 0;
    for (const auto& e : entries) {
        if (e.name == "__metadata__" || !seen.insert(e.name).second)
            return makeError(ErrorCode::InvalidArgument, "tensor name " + e.name + " is used twice or reserved");
        header[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {offset, offset + e.bytes}}};
        offset += e.bytes;
    }
    std::string json = header.dump();
    json.append((8 - json.size() % 8) % 8, ' ');
    const uint64_t headerLen = json.size();
    std::string out(reinterpret_cast<const char*>(&headerLen), 8);
    out += json;
    return out;
}

Result<std::string> serializeSafetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata)
{
    std::vector<SafetensorsHeaderEntry> entries;
    std::vector<at::Tensor> contiguous;
    uint64_t dataBytes = 0;
    for (const auto& [name, tensor] : tensors) {
        const char* dtype = safetensorsDtypeName(tensor.scalar_type());
        if (!dtype)
            return makeError(ErrorCode::InvalidArgument,
                             "tensor " + name + " has a dtype that safetensors cannot store");
        at::Tensor t = tensor.to(at::kCPU).contiguous();
        entries.push_back({name, dtype, t.sizes().vec(), static_cast<uint64_t>(t.nbytes())});
        dataBytes += t.nbytes();
        contiguous.push_back(std::move(t));
    }
    auto out = safetensorsHeader(entries, metadata);
    if (!out) return out.error();
    out->reserve(out->size() + dataBytes);
    for (const at::Tensor& t : contiguous)
        if (t.nbytes() > 0) out->append(static_cast<const char*>(t.data_ptr()), t.nbytes());
    return out;
}

Result<void> writeSafetensors(const std::string& path, const NamedTensors& tensors,
                              const std::map<std::string, std::string>& metadata)
{
    auto bytes = serializeSafetensors(tensors, metadata);
    if (!bytes) return bytes.error().withContext("writing " + path);
    return writeFileAtomically(path, *bytes);
}

}  // namespace lathe::model
