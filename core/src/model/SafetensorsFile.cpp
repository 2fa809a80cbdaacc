#include "model/SafetensorsFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace lathe::model {
namespace {

using Json = nlohmann::json;

// A header larger than this is not a real checkpoint (real ones are a few MB at most).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

const std::pair<const char*, size_t> kDtypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
    {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8},
};

}  // namespace

size_t safetensorsDtypeSize(const std::string& dtype)
{
    for (const auto& [name, size] : kDtypes)
        if (dtype == name) return size;
    return 0;
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const
{
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_entries[it->second];
}

Result<std::shared_ptr<const SafetensorsFile>> SafetensorsFile::open(const std::string& path)
{
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    auto file = std::make_shared<SafetensorsFile>();
    file->m_file = std::move(mapped).value();
    const MappedFile& m = *file->m_file;
    auto corrupt = [&](const std::string& what) {
        return makeError(ErrorCode::Corrupt, path + " is not a valid safetensors file: " + what);
    };

    if (m.size() < 8) return corrupt("it is " + std::to_string(m.size()) + " bytes, shorter than the 8-byte header length");
    uint64_t headerLen = 0;
    std::memcpy(&headerLen, m.data(), 8);  // little-endian, like every platform Lathe runs on
    if (headerLen > m.size() - 8)
        return corrupt("header length " + std::to_string(headerLen) + " runs past the end of the file (" +
                       std::to_string(m.size()) + " bytes); the file is truncated or not safetensors");
    if (headerLen > kMaxHeaderBytes) return corrupt("header length " + std::to_string(headerLen) + " is implausibly large");
    const uint64_t dataSize = m.size() - 8 - headerLen;
    file->m_dataStart = m.data() + 8 + headerLen;

    Json header;
    try {
        header = Json::parse(reinterpret_cast<const char*>(m.data() + 8),
                             reinterpret_cast<const char*>(m.data() + 8 + headerLen));
    } catch (const Json::exception& e) {
        return corrupt(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) return corrupt("header is not a JSON object");

    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) return corrupt("__metadata__ is not an object");
            for (const auto& [k, v] : value.items()) {
                if (!v.is_string()) return corrupt("__metadata__ value for \"" + k + "\" is not a string");
                file->m_metadata[k] = v.get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor \"" + name + "\"";
        if (!value.is_object()) return corrupt(where + " is not an object");
        if (!value.contains("dtype") || !value["dtype"].is_string()) return corrupt(where + " has no dtype");
        if (!value.contains("shape") || !value["shape"].is_array()) return corrupt(where + " has no shape");
        if (!value.contains("data_offsets") || !value["data_offsets"].is_array() || value["data_offsets"].size() != 2)
            return corrupt(where + " has no data_offsets [begin, end]");
        SafetensorsEntry e;
        e.name = name;
        e.dtype = value["dtype"].get<std::string>();
        const size_t elementSize = safetensorsDtypeSize(e.dtype);
        if (elementSize == 0)
            return makeError(ErrorCode::Unsupported, path + ": " + where + " has dtype \"" + e.dtype +
                                                         "\", which is not a safetensors dtype Lathe knows");
        uint64_t elements = 1;
        for (const Json& d : value["shape"]) {
            if (!d.is_number_unsigned()) return corrupt(where + " has a shape entry that is not a non-negative integer");
            const uint64_t n = d.get<uint64_t>();
            if (n != 0 && elements > (uint64_t(1) << 62) / n) return corrupt(where + " has an absurdly large shape");
            elements *= n;
            e.shape.push_back(static_cast<int64_t>(n));
        }
        for (const Json& o : value["data_offsets"])
            if (!o.is_number_unsigned()) return corrupt(where + " has data_offsets that are not non-negative integers");
        e.begin = value["data_offsets"][0].get<uint64_t>();
        e.end = value["data_offsets"][1].get<uint64_t>();
        if (e.begin > e.end || e.end > dataSize)
            return corrupt(where + " has data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                           "] outside the data section of " + std::to_string(dataSize) + " bytes");
        if (e.end - e.begin != elements * elementSize)
            return corrupt(where + " occupies " + std::to_string(e.end - e.begin) + " bytes but its shape and dtype " +
                           e.dtype + " need " + std::to_string(elements * elementSize));
        file->m_index[name] = file->m_entries.size();
        file->m_entries.push_back(std::move(e));
    }

    std::vector<const SafetensorsEntry*> byOffset;
    for (const auto& e : file->m_entries)
        if (e.end > e.begin) byOffset.push_back(&e);
    std::sort(byOffset.begin(), byOffset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < byOffset.size(); ++i)
        if (byOffset[i]->begin < byOffset[i - 1]->end)
            return corrupt("tensors \"" + byOffset[i - 1]->name + "\" and \"" + byOffset[i]->name + "\" overlap");
    return std::shared_ptr<const SafetensorsFile>(std::move(file));
}

}  // namespace lathe::model
