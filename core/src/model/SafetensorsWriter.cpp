#include "model/SafetensorsWriter.h"

#include "common/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <set>

namespace lathe {
namespace {

const char* dtypeName(at::ScalarType t)
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

}  // namespace

Result<std::string> serializeSafetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<at::Tensor> contiguous;
    std::set<std::string> seen;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        const char* dtype = dtypeName(tensor.scalar_type());
        if (!dtype)
            return makeError(ErrorCode::InvalidArgument,
                             "tensor " + name + " has a dtype that safetensors cannot store");
        if (name == "__metadata__" || !seen.insert(name).second)
            return makeError(ErrorCode::InvalidArgument, "tensor name " + name + " is used twice or reserved");
        at::Tensor t = tensor.to(at::kCPU).contiguous();
        const uint64_t bytes = static_cast<uint64_t>(t.nbytes());
        header[name] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        contiguous.push_back(std::move(t));
    }
    std::string json = header.dump();
    json.append((8 - json.size() % 8) % 8, ' ');
    std::string out;
    out.reserve(8 + json.size() + offset);
    const uint64_t headerLen = json.size();
    out.append(reinterpret_cast<const char*>(&headerLen), 8);
    out += json;
    for (const at::Tensor& t : contiguous)
        if (t.nbytes() > 0) out.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
    return out;
}

Result<void> writeSafetensors(const std::string& path, const NamedTensors& tensors,
                              const std::map<std::string, std::string>& metadata)
{
    auto bytes = serializeSafetensors(tensors, metadata);
    if (!bytes) return bytes.error().withContext("writing " + path);
    return writeFileAtomically(path, *bytes);
}

}  // namespace lathe
