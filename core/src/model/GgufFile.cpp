#include "model/GgufFile.h"

#include "model/GgufBlocks.h"

#include <cstring>
#include <set>
#include <type_traits>

namespace lathe::model {

bool GgufValue::isInteger() const
{
    switch (type) {
    case GgufType::UInt8: case GgufType::Int8: case GgufType::UInt16: case GgufType::Int16:
    case GgufType::UInt32: case GgufType::Int32: case GgufType::UInt64: case GgufType::Int64: return true;
    default: return false;
    }
}

std::string ggmlTypeName(uint32_t type)
{
    static const char* names[] = {"F32",     "F16",    "Q4_0",   "Q4_1",  "Q4_2", "Q4_3", "Q5_0",   "Q5_1",
                                  "Q8_0",    "Q8_1",   "Q2_K",   "Q3_K",  "Q4_K", "Q5_K", "Q6_K",   "Q8_K",
                                  "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS",
                                  "I8",      "I16",    "I32",    "I64",   "F64",  "IQ1_M", "BF16"};
    if (type < sizeof names / sizeof names[0]) return names[type];
    if (type == 34) return "TQ1_0";
    if (type == 35) return "TQ2_0";
    return "type " + std::to_string(type);
}

namespace {

constexpr int kMaxArrayDepth = 4;

// A bounds-checked little-endian cursor; every read fails cleanly instead of running off the end.
class Cursor {
public:
    Cursor(const uint8_t* data, uint64_t size) : m_data(data), m_size(size) {}
    uint64_t position() const { return m_pos; }
    uint64_t remaining() const { return m_size - m_pos; }

    template <typename T>
    bool read(T& out)
    {
        if (remaining() < sizeof(T)) return false;
        std::memcpy(&out, m_data + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return true;
    }
    bool readString(std::string& out)
    {
        uint64_t len = 0;
        if (!read(len) || len > remaining()) return false;
        out.assign(reinterpret_cast<const char*>(m_data + m_pos), len);
        m_pos += len;
        return true;
    }

private:
    const uint8_t* m_data;
    uint64_t m_size;
    uint64_t m_pos = 0;
};

size_t scalarSize(GgufType t)
{
    switch (t) {
    case GgufType::UInt8: case GgufType::Int8: case GgufType::Bool: return 1;
    case GgufType::UInt16: case GgufType::Int16: return 2;
    case GgufType::UInt32: case GgufType::Int32: case GgufType::Float32: return 4;
    case GgufType::UInt64: case GgufType::Int64: case GgufType::Float64: return 8;
    default: return 0;
    }
}

bool readValue(Cursor& cur, GgufType type, GgufValue& v, std::string& problem, int depth)
{
    v.type = type;
    auto scalar = [&](auto tag) {
        decltype(tag) x{};
        if (!cur.read(x)) return false;
        if constexpr (std::is_floating_point_v<decltype(tag)>)
            v.real = x;
        else
            v.integer = static_cast<int64_t>(x);
        return true;
    };
    switch (type) {
    case GgufType::UInt8: return scalar(uint8_t{});
    case GgufType::Int8: return scalar(int8_t{});
    case GgufType::UInt16: return scalar(uint16_t{});
    case GgufType::Int16: return scalar(int16_t{});
    case GgufType::UInt32: return scalar(uint32_t{});
    case GgufType::Int32: return scalar(int32_t{});
    case GgufType::Int64: return scalar(int64_t{});
    case GgufType::UInt64: {
        uint64_t x = 0;
        if (!cur.read(x)) return false;
        v.integer = static_cast<int64_t>(x);  // ids and counts; values past INT64_MAX read as negative
        return true;
    }
    case GgufType::Float32: return scalar(float{});
    case GgufType::Float64: return scalar(double{});
    case GgufType::Bool: {
        uint8_t b = 0;
        if (!cur.read(b)) return false;
        v.integer = b != 0;
        return true;
    }
    case GgufType::String: return cur.readString(v.text);
    case GgufType::Array: {
        if (depth >= kMaxArrayDepth) {
            problem = "arrays nested too deeply";
            return false;
        }
        uint32_t elementType = 0;
        uint64_t count = 0;
        if (!cur.read(elementType) || !cur.read(count)) return false;
        if (elementType > uint32_t(GgufType::Float64)) {
            problem = "unknown array element type " + std::to_string(elementType);
            return false;
        }
        v.elementType = GgufType(elementType);
        // Every element takes at least this many bytes, so a huge count cannot allocate past the file.
        const size_t minBytes = v.elementType == GgufType::String  ? 8
                                : v.elementType == GgufType::Array ? 12
                                                                   : scalarSize(v.elementType);
        if (count > cur.remaining() / minBytes) {
            problem = "array of " + std::to_string(count) + " elements runs past the end of the file";
            return false;
        }
        v.elements.resize(count);
        for (auto& e : v.elements)
            if (!readValue(cur, v.elementType, e, problem, depth + 1)) return false;
        return true;
    }
    }
    problem = "unknown value type " + std::to_string(uint32_t(type));
    return false;
}

}  // namespace

const GgufValue* GgufFile::find(const std::string& key) const
{
    auto it = m_metadata.find(key);
    return it == m_metadata.end() ? nullptr : &it->second;
}

const GgufTensor* GgufFile::findTensor(const std::string& name) const
{
    for (const auto& t : m_tensors)
        if (t.name == name) return &t;
    return nullptr;
}

Result<std::shared_ptr<const GgufFile>> GgufFile::open(const std::string& path)
{
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    auto file = std::make_shared<GgufFile>();
    file->m_file = std::move(mapped).value();
    const MappedFile& m = *file->m_file;
    auto corrupt = [&](const std::string& what) {
        return makeError(ErrorCode::Corrupt, path + " is not a valid GGUF file: " + what);
    };
    Cursor cur(m.data(), m.size());
    char magic[4] = {};
    if (!cur.read(magic)) return corrupt("it is too short to hold a header");
    if (std::memcmp(magic, "GGUF", 4) != 0) {
        std::string shown;
        for (char ch : magic) shown += (ch >= 32 && ch < 127) ? ch : '?';
        return corrupt("magic is \"" + shown + "\", expected \"GGUF\"");
    }
    if (!cur.read(file->m_version)) return corrupt("truncated header");
    if (file->m_version != 2 && file->m_version != 3)
        return makeError(ErrorCode::Unsupported, path + " is GGUF version " + std::to_string(file->m_version) +
                                                     "; Lathe reads versions 2 and 3 (re-convert it with a "
                                                     "current llama.cpp)");
    uint64_t tensorCount = 0, kvCount = 0;
    if (!cur.read(tensorCount) || !cur.read(kvCount)) return corrupt("truncated header");
    // Each entry needs at least a length-prefixed key and a type tag.
    if (kvCount > cur.remaining() / 12 || tensorCount > cur.remaining() / 24)
        return corrupt("header claims " + std::to_string(kvCount) + " metadata entries and " +
                       std::to_string(tensorCount) + " tensors, more than the file can hold");

    for (uint64_t i = 0; i < kvCount; ++i) {
        std::string key, problem;
        uint32_t type = 0;
        if (!cur.readString(key) || !cur.read(type))
            return corrupt("metadata entry " + std::to_string(i) + " is truncated");
        GgufValue value;
        if (type > uint32_t(GgufType::Float64) || !readValue(cur, GgufType(type), value, problem, 0))
            return corrupt("metadata \"" + key + "\": " +
                           (problem.empty() ? (type > 12 ? "unknown value type " + std::to_string(type)
                                                         : std::string("value runs past the end of the file"))
                                            : problem));
        file->m_metadata[key] = std::move(value);
    }

    uint64_t alignment = 32;
    if (const GgufValue* a = file->find("general.alignment")) {
        if (!a->isInteger() || a->integer <= 0 || (a->integer & (a->integer - 1)) != 0)
            return corrupt("general.alignment must be a power of two");
        alignment = static_cast<uint64_t>(a->integer);
    }

    std::set<std::string> names;
    for (uint64_t i = 0; i < tensorCount; ++i) {
        GgufTensor t;
        uint32_t nDims = 0;
        if (!cur.readString(t.name) || !cur.read(nDims))
            return corrupt("tensor info " + std::to_string(i) + " is truncated");
        if (nDims == 0 || nDims > 4)
            return corrupt("tensor " + t.name + " has " + std::to_string(nDims) + " dimensions (1 to 4 allowed)");
        uint64_t elements = 1;
        for (uint32_t d = 0; d < nDims; ++d) {
            uint64_t n = 0;
            if (!cur.read(n)) return corrupt("tensor info for " + t.name + " is truncated");
            if (n == 0 || n > (uint64_t(1) << 40) || elements > (uint64_t(1) << 60) / n)
                return corrupt("tensor " + t.name + " has an impossible dimension " + std::to_string(n));
            elements *= n;
            t.dims.push_back(static_cast<int64_t>(n));
        }
        if (!cur.read(t.ggmlType) || !cur.read(t.offset)) return corrupt("tensor info for " + t.name + " is truncated");
        if (!names.insert(t.name).second) return corrupt("tensor " + t.name + " is listed twice");
        if (t.offset % alignment != 0)
            return corrupt("tensor " + t.name + " starts at offset " + std::to_string(t.offset) +
                           ", not a multiple of the alignment " + std::to_string(alignment));
        const auto type = ggmlType(t.ggmlType);
        if (!type)
            return makeError(ErrorCode::Unsupported,
                             path + ": tensor " + t.name + " has type " + ggmlTypeName(t.ggmlType) +
                                 "; Lathe reads F32, F16, BF16, Q8_0 and Q4_0 GGUF tensors. Quantize the "
                                 "original model to one of them with llama.cpp (llama-quantize ... Q8_0), or "
                                 "convert it with convert_hf_to_gguf.py --outtype f16");
        const auto bytes = ggmlBytes(*type, int64_t(elements / uint64_t(t.dims[0])), t.dims[0]);
        if (!bytes)
            return corrupt("tensor " + t.name + " is " + ggmlTypeName(t.ggmlType) + " but its rows of " +
                           std::to_string(t.dims[0]) + " values are not whole blocks of 32");
        t.bytes = *bytes;
        file->m_tensors.push_back(std::move(t));
    }

    const uint64_t dataStart = (cur.position() + alignment - 1) / alignment * alignment;
    if (dataStart > m.size()) return corrupt("the file ends before its tensor data");
    const uint64_t dataSize = m.size() - dataStart;
    file->m_dataStart = m.data() + dataStart;
    for (const auto& t : file->m_tensors)
        if (t.offset > dataSize || t.bytes > dataSize - t.offset)
            return corrupt("tensor " + t.name + " (" + std::to_string(t.bytes) + " bytes at offset " +
                           std::to_string(t.offset) + ") runs past the end of the file; the file is truncated");
    return std::shared_ptr<const GgufFile>(std::move(file));
}

}  // namespace lathe::model
