#include "lathe/data/Npy.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <variant>

namespace lathe::data {

static_assert(std::endian::native == std::endian::little, ".npy '<f4' data is copied as is");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlign = 64;
// NumPy 1.24 leaves room for the first dimension to grow to 21 digits, so its headers end in extra spaces.
constexpr std::size_t kGrowthAxisMaxDigits = 21;

// A parsed header value: string, bool or integer tuple.
using HeaderValue = std::variant<std::string, bool, std::vector<std::int64_t>>;

class HeaderParser {
public:
    explicit HeaderParser(std::string_view text) : m_text(text) {}

    // Returns an error description, or empty on success.
    std::string parse(std::map<std::string, HeaderValue>& out)
    {
        skipSpace();
        if (!take('{')) return "header does not start with '{'";
        for (;;) {
            skipSpace();
            if (take('}')) break;
            std::string key;
            if (!readString(key)) return "expected a quoted key at header offset " + std::to_string(m_pos);
            skipSpace();
            if (!take(':')) return "expected ':' after key '" + key + "'";
            skipSpace();
            HeaderValue value;
            if (std::string err = readValue(value); !err.empty()) return err + " (key '" + key + "')";
            if (out.count(key)) return "key '" + key + "' appears twice";
            out.emplace(key, std::move(value));
            skipSpace();
            if (take(',')) continue;
            skipSpace();
            if (take('}')) break;
            return "expected ',' or '}' at header offset " + std::to_string(m_pos);
        }
        skipSpace();
        if (m_pos != m_text.size()) return "unexpected text after the header dictionary";
        return {};
    }

private:
    void skipSpace()
    {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
    }
    bool take(char c)
    {
        if (m_pos < m_text.size() && m_text[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    bool readString(std::string& out)
    {
        if (m_pos >= m_text.size() || (m_text[m_pos] != '\'' && m_text[m_pos] != '"')) return false;
        const char quote = m_text[m_pos++];
        const auto end = m_text.find(quote, m_pos);
        if (end == std::string_view::npos) return false;
        out = std::string(m_text.substr(m_pos, end - m_pos));
        m_pos = end + 1;
        return true;
    }
    std::string readValue(HeaderValue& out)
    {
        std::string s;
        if (readString(s)) {
            out = s;
            return {};
        }
        if (m_text.substr(m_pos, 4) == "True") {
            m_pos += 4;
            out = true;
            return {};
        }
        if (m_text.substr(m_pos, 5) == "False") {
            m_pos += 5;
            out = false;
            return {};
        }
        if (!take('(')) return "unexpected value at header offset " + std::to_string(m_pos);
        std::vector<std::int64_t> dims;
        for (;;) {
            skipSpace();
            if (take(')')) break;
            const std::size_t start = m_pos;
            std::int64_t v = 0;
            while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
                const int digit = m_text[m_pos++] - '0';
                if (v > (INT64_MAX - digit) / 10) return "shape dimension too large";
                v = v * 10 + digit;
            }
            if (m_pos == start) return "shape holds a non-integer at header offset " + std::to_string(m_pos);
            dims.push_back(v);
            skipSpace();
            if (take(',')) continue;
            skipSpace();
            if (take(')')) break;
            return "malformed shape tuple";
        }
        out = std::move(dims);
        return {};
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

void putLe(std::string& out, std::uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string npyHeaderText(std::span<const std::int64_t> shape)
{
    std::string tuple = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) tuple += ", ";
        tuple += std::to_string(shape[i]);
    }
    if (shape.size() == 1) tuple += ",";
    tuple += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
    if (!shape.empty()) {
        const std::size_t digits = std::to_string(shape[0]).size();
        if (digits < kGrowthAxisMaxDigits) header.append(kGrowthAxisMaxDigits - digits, ' ');
    }
    return header;
}

Result<void> writeNpy(const std::filesystem::path& path, std::span<const std::int64_t> shape,
                      std::span<const float> data)
{
    std::uint64_t count = 1;
    for (std::int64_t d : shape) {
        if (d < 0) return makeError(ErrorCode::InvalidArgument, path.string() + ": negative dimension in .npy shape");
        if (d != 0 && count > UINT64_MAX / static_cast<std::uint64_t>(d))
            return makeError(ErrorCode::InvalidArgument, path.string() + ": .npy shape overflows");
        count *= static_cast<std::uint64_t>(d);
    }
    if (count != data.size())
        return makeError(ErrorCode::InvalidArgument, path.string() + ": shape holds " + std::to_string(count) +
                                                         " values but " + std::to_string(data.size()) + " were given");
    std::string header = npyHeaderText(shape);
    // Version 1.0 stores the header length in 2 bytes; 2.0 in 4. The total prefix is 64-byte aligned.
    int lengthBytes = 2;
    std::size_t padded = 0;
    for (int version = 1; version <= 2; ++version) {
        lengthBytes = version == 1 ? 2 : 4;
        const std::size_t prefix = kMagicSize + 2 + lengthBytes;
        const std::size_t unpadded = prefix + header.size() + 1;
        // Like NumPy, an already aligned header still gets a full block of padding.
        padded = unpadded + (kAlign - unpadded % kAlign) - prefix;
        if (version == 2 || padded <= 0xffff) break;
    }
    header.append(padded - header.size() - 1, ' ');  // padded counts the final '\n'
    header.push_back('\n');

    std::string bytes;
    bytes.reserve(kMagicSize + 2 + lengthBytes + header.size() + data.size_bytes());
    bytes.append(kMagic, kMagicSize);
    bytes.push_back(static_cast<char>(lengthBytes == 2 ? 1 : 2));
    bytes.push_back(0);
    putLe(bytes, header.size(), lengthBytes);
    bytes += header;
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size_bytes());
    return writeFileAtomically(path.string(), bytes);
}

Result<NpyArray> readNpy(const std::filesystem::path& path)
{
    const std::string name = path.string();
    auto file = readWholeFile(name);
    if (!file) return file.error();
    const std::string& bytes = *file;
    auto corrupt = [&](const std::string& what) { return makeError(ErrorCode::Corrupt, name + ": " + what); };
    if (bytes.size() < kMagicSize + 4 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
        return corrupt("not a NumPy .npy file (bad magic)");
    const int major = static_cast<unsigned char>(bytes[6]);
    const int minor = static_cast<unsigned char>(bytes[7]);
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return makeError(ErrorCode::Unsupported, name + ": .npy format version " + std::to_string(major) + "." +
                                                     std::to_string(minor) + " is not supported (1.0, 2.0, 3.0 are)");
    const std::size_t lengthBytes = major == 1 ? 2 : 4;
    if (bytes.size() < kMagicSize + 2 + lengthBytes) return corrupt("truncated .npy header");
    std::uint64_t headerSize = 0;
    for (std::size_t i = 0; i < lengthBytes; ++i)
        headerSize |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    const std::size_t dataStart = kMagicSize + 2 + lengthBytes;
    if (headerSize > bytes.size() - dataStart)
        return corrupt("header length " + std::to_string(headerSize) + " runs past the end of the file");
    const std::string_view header(bytes.data() + dataStart, headerSize);

    std::map<std::string, HeaderValue> fields;
    if (std::string err = HeaderParser(header).parse(fields); !err.empty()) return corrupt("malformed header: " + err);
    const auto descr = fields.find("descr");
    const auto fortran = fields.find("fortran_order");
    const auto shapeIt = fields.find("shape");
    if (descr == fields.end() || fortran == fields.end() || shapeIt == fields.end() || fields.size() != 3)
        return corrupt("header must hold exactly 'descr', 'fortran_order' and 'shape'");
    const auto* dtype = std::get_if<std::string>(&descr->second);
    const auto* isFortran = std::get_if<bool>(&fortran->second);
    const auto* shape = std::get_if<std::vector<std::int64_t>>(&shapeIt->second);
    if (!dtype || !isFortran || !shape) return corrupt("header field has the wrong kind of value");
    if (*dtype != "<f4")
        return makeError(ErrorCode::Unsupported,
                         name + ": dtype '" + *dtype + "' is not supported; only little-endian float32 ('<f4') is");
    if (*isFortran)
        return makeError(ErrorCode::Unsupported,
                         name + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");

    std::uint64_t count = 1;
    for (std::int64_t d : *shape) {
        if (d != 0 && count > UINT64_MAX / 4 / static_cast<std::uint64_t>(d)) return corrupt("shape is too large");
        count *= static_cast<std::uint64_t>(d);
    }
    const std::size_t payloadStart = dataStart + static_cast<std::size_t>(headerSize);
    const std::uint64_t have = bytes.size() - payloadStart;
    if (have != count * 4)
        return corrupt("shape needs " + std::to_string(count * 4) + " bytes of data but the file holds " +
                       std::to_string(have) + (have < count * 4 ? " (truncated)" : ""));
    NpyArray out;
    out.shape = *shape;
    out.data.resize(static_cast<std::size_t>(count));
    if (count > 0) std::memcpy(out.data.data(), bytes.data() + payloadStart, static_cast<std::size_t>(count * 4));
    return out;
}

}  // namespace lathe::data
