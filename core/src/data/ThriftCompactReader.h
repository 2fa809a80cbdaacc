#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace lathe::data {

// Thrift compact protocol, read side. Every read is bounds-checked against the buffer and nesting is
// depth-limited; malformed input throws FormatError.
class ThriftCompactReader {
public:
    enum Type : std::uint8_t {
        Stop = 0,
        BoolTrue = 1,
        BoolFalse = 2,
        Byte = 3,
        I16 = 4,
        I32 = 5,
        I64 = 6,
        Double = 7,
        Binary = 8,
        List = 9,
        Set = 10,
        Map = 11,
        Struct = 12,
    };
    struct FieldHeader {
        std::int16_t id = 0;
        std::uint8_t type = Stop;
    };
    struct ListHeader {
        std::uint32_t size = 0;
        std::uint8_t elementType = Stop;
    };

    explicit ThriftCompactReader(std::span<const std::uint8_t> bytes, int maxDepth = 32);

    std::size_t position() const { return m_pos; }
    std::size_t remaining() const { return m_bytes.size() - m_pos; }

    std::uint8_t readByte();
    std::uint64_t readVarint();
    std::int64_t readZigzag();
    // An integer field of type i8/i16/i32/i64 that must fit in [minValue, maxValue].
    std::int64_t readInt(std::uint8_t type, std::int64_t minValue, std::int64_t maxValue, const char* what);
    std::span<const std::uint8_t> readBinary();
    std::string readString();

    void beginStruct();
    void endStruct();
    // `lastId` is the per-struct id context for delta-encoded field ids.
    FieldHeader readFieldHeader(std::int16_t& lastId);
    // The size is capped by the bytes left, since every element takes at least one byte.
    ListHeader readListHeader();
    void skip(std::uint8_t type);

private:
    void need(std::size_t count) const;

    std::span<const std::uint8_t> m_bytes;
    std::size_t m_pos = 0;
    int m_depth = 0;
    int m_maxDepth;
};

}  // namespace lathe::data
