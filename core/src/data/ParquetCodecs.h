#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lathe::data {

// Parquet CompressionCodec values (parquet.thrift).
enum class ParquetCodecId : int {
    Uncompressed = 0,
    Snappy = 1,
    Gzip = 2,
    Lzo = 3,
    Brotli = 4,
    Lz4 = 5,
    Zstd = 6,
    Lz4Raw = 7
};

const char* parquetCodecName(int codec);

// Decompresses one page body into exactly `uncompressedSize` bytes. Output never grows past that size, so a
// lying header cannot make it allocate more than it declared. Throws FormatError (corrupt data, size
// mismatch) or FormatError(unsupported) for codecs Lathe does not handle.
std::vector<std::uint8_t> decompressPage(int codec, std::span<const std::uint8_t> input, std::size_t uncompressedSize);

}  // namespace lathe::data
