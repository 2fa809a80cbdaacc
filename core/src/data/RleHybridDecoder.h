#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lathe::data {

// Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary indices). Reads never go past
// `bytes`; asking for more values than the data holds throws FormatError.
class RleHybridDecoder {
public:
    RleHybridDecoder(std::span<const std::uint8_t> bytes, int bitWidth);

    // Appends exactly `count` values to `out`.
    void decode(std::size_t count, std::vector<std::uint32_t>& out);

private:
    void startRun();

    std::span<const std::uint8_t> m_bytes;
    std::size_t m_pos = 0;
    int m_bitWidth;
    // Current run: either `m_repeatLeft` copies of m_repeatValue, or bit-packed values starting at m_packedStart.
    std::uint64_t m_repeatLeft = 0;
    std::uint32_t m_repeatValue = 0;
    std::uint64_t m_packedLeft = 0;
    std::size_t m_packedStart = 0;
    std::size_t m_packedBytes = 0;
    std::uint64_t m_packedIndex = 0;
};

}  // namespace lathe::data
