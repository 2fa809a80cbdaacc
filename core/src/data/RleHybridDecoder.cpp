#include "data/RleHybridDecoder.h"

#include "data/FormatError.h"

#include <algorithm>
#include <string>

namespace lathe::data {

RleHybridDecoder::RleHybridDecoder(std::span<const std::uint8_t> bytes, int bitWidth)
    : m_bytes(bytes), m_bitWidth(bitWidth)
{
    if (bitWidth < 0 || bitWidth > 32) throwCorrupt("RLE bit width " + std::to_string(bitWidth) + " is above 32");
}

void RleHybridDecoder::startRun()
{
    std::uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
        if (m_pos >= m_bytes.size()) throwCorrupt("RLE data ends before all values were read");
        if (shift >= 64) throwCorrupt("RLE run header is not a valid varint");
        const std::uint8_t b = m_bytes[m_pos++];
        header |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) break;
    }
    const std::uint64_t count = header >> 1;
    if (header & 1) {
        // A bit-packed run of count*8 values; writers may end the last run early, so only the bytes that
        // are present are usable.
        if (count > (UINT64_MAX >> 4)) throwCorrupt("RLE bit-packed run is impossibly long");
        m_packedLeft = count * 8;
        m_packedStart = m_pos;
        const std::uint64_t want = count * static_cast<std::uint64_t>(m_bitWidth);
        m_packedBytes = static_cast<std::size_t>(std::min<std::uint64_t>(want, m_bytes.size() - m_pos));
        m_packedIndex = 0;
        m_pos += m_packedBytes;
    } else {
        const std::size_t valueBytes = static_cast<std::size_t>((m_bitWidth + 7) / 8);
        if (m_bytes.size() - m_pos < valueBytes) throwCorrupt("RLE repeated run ends early");
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < valueBytes; ++i) v |= static_cast<std::uint64_t>(m_bytes[m_pos + i]) << (8 * i);
        m_pos += valueBytes;
        if (m_bitWidth < 32 && (v >> m_bitWidth) != 0)
            throwCorrupt("RLE repeated value " + std::to_string(v) + " does not fit in " + std::to_string(m_bitWidth) +
                         " bits");
        m_repeatValue = static_cast<std::uint32_t>(v);
        m_repeatLeft = count;
    }
}

void RleHybridDecoder::decode(std::size_t count, std::vector<std::uint32_t>& out)
{
    if (m_bitWidth == 0) {
        out.insert(out.end(), count, 0u);
        return;
    }
    while (count > 0) {
        if (m_repeatLeft > 0) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(m_repeatLeft, count));
            out.insert(out.end(), n, m_repeatValue);
            m_repeatLeft -= n;
            count -= n;
            continue;
        }
        if (m_packedLeft > 0) {
            const std::uint64_t bit = m_packedIndex * static_cast<std::uint64_t>(m_bitWidth);
            if ((bit + m_bitWidth + 7) / 8 > m_packedBytes) throwCorrupt("RLE bit-packed run ends early");
            std::uint64_t v = 0;
            for (int b = 0; b < m_bitWidth; ++b) {
                const std::uint64_t at = bit + b;
                v |= static_cast<std::uint64_t>((m_bytes[m_packedStart + at / 8] >> (at % 8)) & 1u) << b;
            }
            out.push_back(static_cast<std::uint32_t>(v));
            ++m_packedIndex;
            --m_packedLeft;
            --count;
            continue;
        }
        startRun();
    }
}

}  // namespace lathe::data
