#include "data/ParquetChunkDecoder.h"

#include "data/FormatError.h"
#include "data/ParquetCodecs.h"
#include "data/ParquetThrift.h"
#include "data/RleHybridDecoder.h"

#include <algorithm>

namespace lathe::data {

namespace {

int bitWidth(int maxValue)
{
    int bits = 0;
    while ((maxValue >> bits) != 0) ++bits;
    return bits;
}

std::uint32_t readU32le(std::span<const std::uint8_t> b)
{
    return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
           static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

}  // namespace

ParquetChunkDecoder::ParquetChunkDecoder(const ParquetColumn& column, const ParquetChunkLocation& location,
                                         std::int64_t numRows)
    : m_column(column), m_location(location), m_numRows(numRows)
{
}

std::string ParquetChunkDecoder::pageContext() const
{
    if (m_pageOffset < 0) return {};
    return "page " + std::to_string(m_pageIndex) + " at offset " + std::to_string(m_pageOffset);
}

std::string ParquetChunkDecoder::takeString(std::span<const std::uint8_t>& bytes)
{
    if (bytes.size() < 4) throwCorrupt("PLAIN value length runs past the end of the page");
    const std::uint32_t length = readU32le(bytes);
    if (length > bytes.size() - 4)
        throwCorrupt("PLAIN value of " + std::to_string(length) + " bytes runs past the end of the page (" +
                     std::to_string(bytes.size() - 4) + " bytes left)");
    std::string s(reinterpret_cast<const char*>(bytes.data() + 4), length);
    bytes = bytes.subspan(4 + length);
    return s;
}

void ParquetChunkDecoder::readDictionary(std::span<const std::uint8_t> values, std::int64_t numValues)
{
    if (m_haveDictionary) throwCorrupt("second dictionary page in one column chunk");
    if (numValues < 0) throwCorrupt("dictionary page declares a negative number of values");
    if (!m_out.empty()) throwCorrupt("dictionary page after data pages");
    if (numValues > static_cast<std::int64_t>(values.size() / 4))
        throwCorrupt("dictionary declares " + std::to_string(numValues) + " values, more than its " +
                     std::to_string(values.size()) + " bytes can hold");
    m_dictionary.reserve(static_cast<std::size_t>(numValues));
    for (std::int64_t i = 0; i < numValues; ++i) m_dictionary.push_back(takeString(values));
    m_haveDictionary = true;
}

void ParquetChunkDecoder::readValues(std::span<const std::uint8_t> levels, std::span<const std::uint8_t> values,
                                     std::int64_t numValues, int encoding, std::int64_t declaredNulls)
{
    const int maxDef = m_column.maxDefinitionLevel;
    std::vector<std::uint32_t> defs;
    std::int64_t present = numValues;
    if (maxDef > 0) {
        defs.reserve(static_cast<std::size_t>(
            std::min<std::int64_t>(numValues, 8 * static_cast<std::int64_t>(levels.size()) + 8)));
        RleHybridDecoder(levels, bitWidth(maxDef)).decode(static_cast<std::size_t>(numValues), defs);
        present = 0;
        for (std::uint32_t d : defs) {
            if (d > static_cast<std::uint32_t>(maxDef))
                throwCorrupt("definition level " + std::to_string(d) + " exceeds the column's maximum " +
                             std::to_string(maxDef));
            present += d == static_cast<std::uint32_t>(maxDef);
        }
    }
    if (declaredNulls >= 0 && declaredNulls != numValues - present)
        throwCorrupt("page header declares " + std::to_string(declaredNulls) +
                     " nulls but the definition levels hold " + std::to_string(numValues - present));

    std::vector<std::string> decoded;
    decoded.reserve(static_cast<std::size_t>(present));
    if (encoding == thrift::Plain) {
        for (std::int64_t i = 0; i < present; ++i) {
            decoded.push_back(takeString(values));
            m_decodedBytes += decoded.back().size();
        }
    } else if (encoding == thrift::RleDictionary || encoding == thrift::PlainDictionary) {
        if (!m_haveDictionary) throwCorrupt("dictionary-encoded page but the chunk has no dictionary page");
        if (present > 0) {
            if (values.empty()) throwCorrupt("dictionary-encoded page has no index bit width");
            const int width = values[0];
            if (width > 32) throwCorrupt("dictionary index bit width " + std::to_string(width) + " is above 32");
            std::vector<std::uint32_t> indices;
            indices.reserve(static_cast<std::size_t>(present));
            RleHybridDecoder(values.subspan(1), width).decode(static_cast<std::size_t>(present), indices);
            for (std::uint32_t index : indices) {
                if (index >= m_dictionary.size())
                    throwCorrupt("dictionary index " + std::to_string(index) + " is past the dictionary's " +
                                 std::to_string(m_dictionary.size()) + " entries");
                m_decodedBytes += m_dictionary[index].size();
                if (m_decodedBytes > kMaxDecodedBytes) break;
                decoded.push_back(m_dictionary[index]);
            }
        }
    } else {
        throwUnsupported(std::string("values use the ") + thrift::encodingName(encoding) + " encoding (" +
                         std::to_string(encoding) +
                         "); only PLAIN and dictionary encodings are supported "
                         "(re-save the file with pyarrow defaults)");
    }
    if (m_decodedBytes > kMaxDecodedBytes)
        throwUnsupported("column chunk decodes to more than 2 GiB of text; write smaller row groups");

    std::size_t next = 0;
    for (std::int64_t i = 0; i < numValues; ++i) {
        if (maxDef == 0 || defs[static_cast<std::size_t>(i)] == static_cast<std::uint32_t>(maxDef))
            m_out.emplace_back(std::move(decoded[next++]));
        else
            m_out.emplace_back(std::nullopt);
    }
}

std::vector<std::optional<std::string>> ParquetChunkDecoder::decode(std::span<const std::uint8_t> chunk)
{
    const std::int64_t total = m_location.numValues;
    if (total > kMaxValues)
        throwUnsupported("column chunk holds " + std::to_string(total) +
                         " values, more than the 2^24 supported; "
                         "write smaller row groups");
    if (total != m_numRows)
        throwCorrupt("column chunk declares " + std::to_string(total) + " values but its row group has " +
                     std::to_string(m_numRows) + " rows");
    // Real chunks spend at least a byte per value; the declared count alone is not trusted for the reservation.
    m_out.reserve(static_cast<std::size_t>(std::min<std::int64_t>(total, static_cast<std::int64_t>(chunk.size()))));
    std::size_t pos = 0;
    while (static_cast<std::int64_t>(m_out.size()) < total) {
        if (pos >= chunk.size())
            throwCorrupt("column chunk ends after " + std::to_string(m_out.size()) + " of " + std::to_string(total) +
                         " values");
        m_pageOffset = m_location.offset + static_cast<std::int64_t>(pos);
        const thrift::PageHeader h = thrift::parsePageHeader(chunk.subspan(pos));
        pos += h.headerSize;
        if (static_cast<std::uint64_t>(h.compressedSize) > chunk.size() - pos)
            throwCorrupt("page body of " + std::to_string(h.compressedSize) + " bytes runs past the column chunk (" +
                         std::to_string(chunk.size() - pos) + " bytes left)");
        const auto body = chunk.subspan(pos, static_cast<std::size_t>(h.compressedSize));
        pos += static_cast<std::size_t>(h.compressedSize);
        const auto uncompressed = static_cast<std::size_t>(h.uncompressedSize);
        const std::int64_t left = total - static_cast<std::int64_t>(m_out.size());

        if (h.type == thrift::DictionaryPage) {
            if (!h.dictionaryPage) throwCorrupt("dictionary page without a dictionary_page_header");
            const int enc = h.dictionaryPage->encoding;
            if (enc != thrift::Plain && enc != thrift::PlainDictionary)
                throwUnsupported(std::string("dictionary page uses the ") + thrift::encodingName(enc) + " encoding");
            readDictionary(decompressPage(m_location.codec, body, uncompressed), h.dictionaryPage->numValues);
        } else if (h.type == thrift::DataPage) {
            if (!h.dataPage) throwCorrupt("data page without a data_page_header");
            const thrift::DataPageHeader& d = *h.dataPage;
            if (d.numValues < 0) throwCorrupt("data page declares a negative number of values");
            if (d.numValues > left)
                throwCorrupt("data page holds " + std::to_string(d.numValues) + " values but only " +
                             std::to_string(left) + " remain in the column chunk");
            const std::vector<std::uint8_t> page = decompressPage(m_location.codec, body, uncompressed);
            std::span<const std::uint8_t> rest(page);
            std::span<const std::uint8_t> levels;
            if (m_column.maxDefinitionLevel > 0) {
                if (d.definitionLevelEncoding != thrift::Rle)
                    throwUnsupported(std::string("definition levels use the ") +
                                     thrift::encodingName(d.definitionLevelEncoding) +
                                     " encoding; only RLE is supported");
                if (rest.size() < 4) throwCorrupt("data page too short for its definition-level length");
                const std::uint32_t length = readU32le(rest);
                if (length > rest.size() - 4)
                    throwCorrupt("definition levels of " + std::to_string(length) + " bytes run past the page");
                levels = rest.subspan(4, length);
                rest = rest.subspan(4 + length);
            }
            readValues(levels, rest, d.numValues, d.encoding, -1);
        } else if (h.type == thrift::DataPageV2) {
            if (!h.dataPageV2) throwCorrupt("data page v2 without a data_page_header_v2");
            const thrift::DataPageHeaderV2& d = *h.dataPageV2;
            if (d.numValues < 0 || d.definitionLevelsByteLength < 0 || d.repetitionLevelsByteLength < 0)
                throwCorrupt("data page v2 header lacks num_values or level lengths");
            if (d.numValues > left)
                throwCorrupt("data page holds " + std::to_string(d.numValues) + " values but only " +
                             std::to_string(left) + " remain in the column chunk");
            const std::uint64_t levelBytes = static_cast<std::uint64_t>(d.definitionLevelsByteLength) +
                                             static_cast<std::uint64_t>(d.repetitionLevelsByteLength);
            if (levelBytes > body.size() || levelBytes > uncompressed)
                throwCorrupt("data page v2 level lengths exceed the page size");
            const auto levels = body.subspan(static_cast<std::size_t>(d.repetitionLevelsByteLength),
                                             static_cast<std::size_t>(d.definitionLevelsByteLength));
            const auto compressed = body.subspan(static_cast<std::size_t>(levelBytes));
            const std::size_t valuesSize = uncompressed - static_cast<std::size_t>(levelBytes);
            const std::vector<std::uint8_t> values =
                decompressPage(d.isCompressed ? m_location.codec : 0, compressed, valuesSize);
            readValues(levels, values, d.numValues, d.encoding, d.numNulls);
        }
        // Index pages and page types added after this reader was written are skipped.
        ++m_pageIndex;
    }
    m_pageOffset = -1;
    return std::move(m_out);
}

}  // namespace lathe::data
