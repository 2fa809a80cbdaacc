#pragma once

#include "lathe/data/Parquet.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lathe::data {

// Decodes the pages of one flat BYTE_ARRAY column chunk. Throws FormatError; pageContext() then says which
// page was being read, for the error message.
class ParquetChunkDecoder {
public:
    // Limits that keep hostile metadata from exhausting memory (see Parquet.h).
    static constexpr std::int64_t kMaxValues = std::int64_t{1} << 24;
    static constexpr std::uint64_t kMaxDecodedBytes = std::uint64_t{2} << 30;

    ParquetChunkDecoder(const ParquetColumn& column, const ParquetChunkLocation& location, std::int64_t numRows);

    std::vector<std::optional<std::string>> decode(std::span<const std::uint8_t> chunk);
    std::string pageContext() const;

private:
    void readDictionary(std::span<const std::uint8_t> values, std::int64_t numValues);
    void readValues(std::span<const std::uint8_t> levels, std::span<const std::uint8_t> values, std::int64_t numValues,
                    int encoding, std::int64_t declaredNulls);
    std::string takeString(std::span<const std::uint8_t>& bytes);

    const ParquetColumn& m_column;
    const ParquetChunkLocation& m_location;
    std::int64_t m_numRows;
    std::vector<std::string> m_dictionary;
    bool m_haveDictionary = false;
    std::vector<std::optional<std::string>> m_out;
    std::uint64_t m_decodedBytes = 0;
    std::size_t m_pageIndex = 0;
    std::int64_t m_pageOffset = -1;
};

}  // namespace lathe::data
