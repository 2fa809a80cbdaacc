#include "data/ThriftCompactReader.h"

#include "data/FormatError.h"

namespace lathe::data {

ThriftCompactReader::ThriftCompactReader(std::span<const std::uint8_t> bytes, int maxDepth)
    : m_bytes(bytes), m_maxDepth(maxDepth)
{
}

void ThriftCompactReader::need(std::size_t count) const
{
    if (count > remaining())
        throwCorrupt("thrift data ends early (needs " + std::to_string(count) + " bytes at offset " +
                     std::to_string(m_pos) + ", " + std::to_string(remaining()) + " left)");
}

std::uint8_t ThriftCompactReader::readByte()
{
    need(1);
    return m_bytes[m_pos++];
}

std::uint64_t ThriftCompactReader::readVarint()
{
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        const std::uint8_t b = readByte();
        value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) return value;
    }
    throwCorrupt("thrift varint longer than 10 bytes at offset " + std::to_string(m_pos));
}

std::int64_t ThriftCompactReader::readZigzag()
{
    const std::uint64_t v = readVarint();
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

std::int64_t ThriftCompactReader::readInt(std::uint8_t type, std::int64_t minValue, std::int64_t maxValue,
                                          const char* what)
{
    std::int64_t v = 0;
    if (type == Byte)
        v = static_cast<std::int8_t>(readByte());
    else if (type == I16 || type == I32 || type == I64)
        v = readZigzag();
    else
        throwCorrupt(std::string(what) + " has thrift type " + std::to_string(type) + ", expected an integer");
    if (v < minValue || v > maxValue)
        throwCorrupt(std::string(what) + " is " + std::to_string(v) + ", outside [" + std::to_string(minValue) + ", " +
                     std::to_string(maxValue) + "]");
    return v;
}

std::span<const std::uint8_t> ThriftCompactReader::readBinary()
{
    const std::uint64_t length = readVarint();
    if (length > remaining())
        throwCorrupt("thrift binary of " + std::to_string(length) + " bytes at offset " + std::to_string(m_pos) +
                     " runs past the end (" + std::to_string(remaining()) + " bytes left)");
    auto out = m_bytes.subspan(m_pos, static_cast<std::size_t>(length));
    m_pos += static_cast<std::size_t>(length);
    return out;
}

std::string ThriftCompactReader::readString()
{
    const auto b = readBinary();
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

void ThriftCompactReader::beginStruct()
{
    if (++m_depth > m_maxDepth)
        throwCorrupt("thrift structures nested deeper than " + std::to_string(m_maxDepth) + " levels");
}

void ThriftCompactReader::endStruct()
{
    --m_depth;
}

ThriftCompactReader::FieldHeader ThriftCompactReader::readFieldHeader(std::int16_t& lastId)
{
    const std::uint8_t b = readByte();
    FieldHeader h;
    h.type = b & 0x0f;
    if (h.type == Stop) return h;
    if (h.type > Struct) throwCorrupt("unknown thrift field type " + std::to_string(h.type));
    const int delta = b >> 4;
    if (delta != 0) {
        h.id = static_cast<std::int16_t>(lastId + delta);
    } else {
        const std::int64_t id = readZigzag();
        if (id < INT16_MIN || id > INT16_MAX) throwCorrupt("thrift field id out of range");
        h.id = static_cast<std::int16_t>(id);
    }
    lastId = h.id;
    return h;
}

ThriftCompactReader::ListHeader ThriftCompactReader::readListHeader()
{
    const std::uint8_t b = readByte();
    ListHeader h;
    h.elementType = b & 0x0f;
    std::uint64_t size = b >> 4;
    if (size == 15) size = readVarint();
    if (size > remaining())
        throwCorrupt("thrift list of " + std::to_string(size) + " elements cannot fit in the " +
                     std::to_string(remaining()) + " bytes left");
    if (size > 0 && (h.elementType == Stop || h.elementType > Struct))
        throwCorrupt("unknown thrift list element type " + std::to_string(h.elementType));
    h.size = static_cast<std::uint32_t>(size);
    return h;
}

void ThriftCompactReader::skip(std::uint8_t type)
{
    switch (type) {
        case BoolTrue:
        case BoolFalse:
            return;  // the value lives in the field header
        case Byte:
            readByte();
            return;
        case I16:
        case I32:
        case I64:
            readVarint();
            return;
        case Double:
            need(8);
            m_pos += 8;
            return;
        case Binary:
            readBinary();
            return;
        case List:
        case Set: {
            beginStruct();
            const ListHeader h = readListHeader();
            for (std::uint32_t i = 0; i < h.size; ++i) {
                // Booleans inside containers take one byte each.
                if (h.elementType == BoolTrue || h.elementType == BoolFalse)
                    readByte();
                else
                    skip(h.elementType);
            }
            endStruct();
            return;
        }
        case Map: {
            beginStruct();
            const std::uint64_t size = readVarint();
            if (size > remaining()) throwCorrupt("thrift map larger than the bytes left");
            if (size > 0) {
                const std::uint8_t kv = readByte();
                const std::uint8_t keyType = kv >> 4, valueType = kv & 0x0f;
                if (keyType == Stop || keyType > Struct || valueType == Stop || valueType > Struct)
                    throwCorrupt("unknown thrift map element type");
                for (std::uint64_t i = 0; i < size; ++i) {
                    for (std::uint8_t t : {keyType, valueType}) {
                        if (t == BoolTrue || t == BoolFalse)
                            readByte();
                        else
                            skip(t);
                    }
                }
            }
            endStruct();
            return;
        }
        case Struct: {
            beginStruct();
            std::int16_t lastId = 0;
            for (;;) {
                const FieldHeader h = readFieldHeader(lastId);
                if (h.type == Stop) break;
                skip(h.type);
            }
            endStruct();
            return;
        }
        default:
            throwCorrupt("cannot skip unknown thrift type " + std::to_string(type));
    }
}

}  // namespace lathe::data
