#include "model/GgufWriter.h"

#include <cstring>

namespace lathe::model {
namespace {

constexpr uint64_t kAlignment = 32;
constexpr uint32_t kVersion = 3;

uint64_t aligned(uint64_t n)
{
    return (n + kAlignment - 1) / kAlignment * kAlignment;
}

template <typename T>
void put(std::string& out, T value)
{
    char b[sizeof(T)];
    std::memcpy(b, &value, sizeof(T));
    out.append(b, sizeof(T));
}

void putString(std::string& out, const std::string& s)
{
    put<uint64_t>(out, s.size());
    out += s;
}

void putValue(std::string& out, const GgufValue& v, bool withType = true)
{
    if (withType) put<uint32_t>(out, uint32_t(v.type));
    switch (v.type) {
        case GgufType::UInt32:
            put<uint32_t>(out, uint32_t(v.integer));
            break;
        case GgufType::Int32:
            put<int32_t>(out, int32_t(v.integer));
            break;
        case GgufType::Float32:
            put<float>(out, float(v.real));
            break;
        case GgufType::Bool:
            put<uint8_t>(out, v.integer ? 1 : 0);
            break;
        case GgufType::String:
            putString(out, v.text);
            break;
        case GgufType::Array:
            put<uint32_t>(out, uint32_t(v.elementType));
            put<uint64_t>(out, v.elements.size());
            for (const GgufValue& e : v.elements) putValue(out, e, false);
            break;
        default:
            break;  // the setters make no other type
    }
}

GgufValue scalar(GgufType type)
{
    GgufValue v;
    v.type = type;
    return v;
}

template <typename T, typename Fill>
GgufValue array(GgufType elementType, const std::vector<T>& values, Fill fill)
{
    GgufValue v = scalar(GgufType::Array);
    v.elementType = elementType;
    v.elements.reserve(values.size());
    for (const T& x : values) {
        GgufValue e = scalar(elementType);
        fill(e, x);
        v.elements.push_back(std::move(e));
    }
    return v;
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value)
{
    for (auto& [k, v] : m_metadata)
        if (k == key) {
            v = std::move(value);
            return;
        }
    m_metadata.emplace_back(key, std::move(value));
}

void GgufWriter::setString(const std::string& key, std::string value)
{
    GgufValue v = scalar(GgufType::String);
    v.text = std::move(value);
    set(key, std::move(v));
}

void GgufWriter::setUInt32(const std::string& key, uint32_t value)
{
    GgufValue v = scalar(GgufType::UInt32);
    v.integer = value;
    set(key, std::move(v));
}

void GgufWriter::setFloat32(const std::string& key, float value)
{
    GgufValue v = scalar(GgufType::Float32);
    v.real = value;
    set(key, std::move(v));
}

void GgufWriter::setBool(const std::string& key, bool value)
{
    GgufValue v = scalar(GgufType::Bool);
    v.integer = value ? 1 : 0;
    set(key, std::move(v));
}

void GgufWriter::setStrings(const std::string& key, const std::vector<std::string>& values)
{
    set(key, array(GgufType::String, values, [](GgufValue& e, const std::string& s) { e.text = s; }));
}

void GgufWriter::setFloats(const std::string& key, const std::vector<float>& values)
{
    set(key, array(GgufType::Float32, values, [](GgufValue& e, float x) { e.real = x; }));
}

void GgufWriter::setInt32s(const std::string& key, const std::vector<int32_t>& values)
{
    set(key, array(GgufType::Int32, values, [](GgufValue& e, int32_t x) { e.integer = x; }));
}

Result<void> GgufWriter::addTensor(const std::string& name, int64_t rows, int64_t cols, GgmlType type)
{
    for (const Entry& e : m_tensors)
        if (e.name == name) return makeError(ErrorCode::InvalidArgument, "GGUF tensor " + name + " is declared twice");
    const auto bytes = ggmlBytes(type, rows == 0 ? 1 : rows, cols);
    if (!bytes)
        return makeError(ErrorCode::InvalidArgument, "GGUF tensor " + name + ": a row of " + std::to_string(cols) +
                                                         " values cannot be stored as " + toString(type));
    Entry e{name, {uint64_t(cols)}, type, *bytes, m_dataBytes};
    if (rows > 0) e.dims.push_back(uint64_t(rows));
    m_dataBytes = aligned(m_dataBytes + *bytes);
    m_tensors.push_back(std::move(e));
    return {};
}

std::string GgufWriter::header() const
{
    std::string out = "GGUF";
    put<uint32_t>(out, kVersion);
    put<uint64_t>(out, m_tensors.size());
    put<uint64_t>(out, m_metadata.size());
    for (const auto& [key, value] : m_metadata) {
        putString(out, key);
        putValue(out, value);
    }
    for (const Entry& e : m_tensors) {
        putString(out, e.name);
        put<uint32_t>(out, uint32_t(e.dims.size()));
        for (uint64_t d : e.dims) put<uint64_t>(out, d);
        put<uint32_t>(out, uint32_t(e.type));
        put<uint64_t>(out, e.offset);
    }
    out.resize(aligned(out.size()), '\0');
    return out;
}

uint64_t GgufWriter::fileBytes() const
{
    return m_headerBytes + m_dataBytes;
}

const std::string& GgufWriter::nextTensorName() const
{
    static const std::string none;
    return m_next < m_tensors.size() ? m_tensors[m_next].name : none;
}

Result<void> GgufWriter::begin(const std::string& path)
{
    auto file = AtomicFileWriter::create(path);
    if (!file) return file.error();
    m_file.emplace(std::move(file).value());
    m_next = 0;
    const std::string h = header();
    m_headerBytes = h.size();
    return m_file->write(h.data(), h.size());
}

Result<void> GgufWriter::writeTensor(std::string_view bytes)
{
    if (!m_file || m_next >= m_tensors.size())
        return makeError(ErrorCode::InvalidArgument, "GGUF writer: no tensor is waiting for data");
    const Entry& e = m_tensors[m_next];
    if (bytes.size() != e.bytes)
        return makeError(ErrorCode::InvalidArgument, "GGUF tensor " + e.name + " takes " + std::to_string(e.bytes) +
                                                         " bytes, not " + std::to_string(bytes.size()));
    LATHE_TRY(m_file->write(bytes.data(), bytes.size()));
    const std::string padding(aligned(e.bytes) - e.bytes, '\0');
    ++m_next;
    // The last tensor needs no padding after it, but writing it keeps every offset rule in one place.
    return m_file->write(padding.data(), padding.size());
}

Result<void> GgufWriter::commit()
{
    if (!m_file || m_next != m_tensors.size())
        return makeError(ErrorCode::InvalidArgument, "GGUF writer: tensor " + nextTensorName() + " was not written");
    auto done = m_file->commit();
    m_file.reset();
    return done;
}

}  // namespace lathe::model
