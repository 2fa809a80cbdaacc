#include "data/ParquetCodecs.h"

#include "data/FormatError.h"

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <string>

namespace lathe::data {

const char* parquetCodecName(int codec)
{
    switch (static_cast<ParquetCodecId>(codec)) {
        case ParquetCodecId::Uncompressed:
            return "UNCOMPRESSED";
        case ParquetCodecId::Snappy:
            return "SNAPPY";
        case ParquetCodecId::Gzip:
            return "GZIP";
        case ParquetCodecId::Lzo:
            return "LZO";
        case ParquetCodecId::Brotli:
            return "BROTLI";
        case ParquetCodecId::Lz4:
            return "LZ4";
        case ParquetCodecId::Zstd:
            return "ZSTD";
        case ParquetCodecId::Lz4Raw:
            return "LZ4_RAW";
    }
    return "unknown codec";
}

namespace {

// Output grows as data arrives (not preallocated from the header) so a page that lies about its size
// costs only what it really decompresses to.
constexpr std::size_t kGrowStep = 1 << 20;

std::vector<std::uint8_t> snappyDecompress(std::span<const std::uint8_t> in, std::size_t expected)
{
    size_t length = 0;
    if (snappy_uncompressed_length(reinterpret_cast<const char*>(in.data()), in.size(), &length) != SNAPPY_OK)
        throwCorrupt("snappy data has no valid length header");
    if (length != expected)
        throwCorrupt("snappy data declares " + std::to_string(length) + " bytes but the page header says " +
                     std::to_string(expected));
    // Snappy expands at most ~22x (a 3-byte copy tag yields 64 bytes), which bounds the allocation.
    if (length > in.size() * 22 + 64) throwCorrupt("snappy length is impossible for its compressed size");
    std::vector<std::uint8_t> out(length);
    size_t outLength = length;
    if (snappy_uncompress(reinterpret_cast<const char*>(in.data()), in.size(), reinterpret_cast<char*>(out.data()),
                          &outLength) != SNAPPY_OK ||
        outLength != length)
        throwCorrupt("snappy data is invalid");
    return out;
}

std::vector<std::uint8_t> gzipDecompress(std::span<const std::uint8_t> in, std::size_t expected)
{
    std::vector<std::uint8_t> out;
    std::size_t produced = 0;
    z_stream zs{};
    if (inflateInit2(&zs, 16 + 15) != Z_OK) throwCorrupt("zlib initialisation failed");
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    try {
        for (;;) {
            // Once the declared size is reached, one spare byte detects data that is longer than declared.
            std::uint8_t probe = 0;
            const bool full = produced == expected;
            if (!full && produced == out.size()) out.resize(std::min(expected, out.size() + kGrowStep));
            zs.next_out = full ? &probe : out.data() + produced;
            zs.avail_out = full ? 1u : static_cast<uInt>(out.size() - produced);
            const uInt availBefore = zs.avail_out, inBefore = zs.avail_in;
            const int rc = inflate(&zs, Z_NO_FLUSH);
            if (full && zs.avail_out == 0) throwCorrupt("gzip data is longer than the page header says");
            if (!full) produced += availBefore - zs.avail_out;
            if (rc == Z_STREAM_END) {
                if (zs.avail_in == 0) break;
                // RFC 1952 allows several members back to back.
                if (inflateReset(&zs) != Z_OK) throwCorrupt("zlib reset failed");
                continue;
            }
            if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == inBefore && zs.avail_out == availBefore)) {
                if (zs.avail_in == 0) throwCorrupt("gzip data ends early");
                throwCorrupt("gzip data makes no progress");
            }
            if (rc != Z_OK)
                throwCorrupt(std::string("gzip data is invalid (") + (zs.msg ? zs.msg : "zlib error") + ")");
        }
    } catch (...) {
        inflateEnd(&zs);
        throw;
    }
    inflateEnd(&zs);
    if (produced != expected)
        throwCorrupt("gzip data holds " + std::to_string(produced) + " bytes but the page header says " +
                     std::to_string(expected));
    out.resize(produced);
    return out;
}

std::vector<std::uint8_t> zstdDecompress(std::span<const std::uint8_t> in, std::size_t expected)
{
    ZSTD_DStream* ds = ZSTD_createDStream();
    if (!ds) throwCorrupt("zstd initialisation failed");
    std::vector<std::uint8_t> out;
    std::size_t produced = 0;
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    try {
        for (;;) {
            std::uint8_t probe = 0;
            const bool full = produced == expected;
            if (!full && produced == out.size()) out.resize(std::min(expected, out.size() + kGrowStep));
            ZSTD_outBuffer output =
                full ? ZSTD_outBuffer{&probe, 1, 0} : ZSTD_outBuffer{out.data() + produced, out.size() - produced, 0};
            const std::size_t inBefore = input.pos;
            const std::size_t rc = ZSTD_decompressStream(ds, &output, &input);
            if (ZSTD_isError(rc)) throwCorrupt(std::string("zstd data is invalid (") + ZSTD_getErrorName(rc) + ")");
            if (full && output.pos > 0) throwCorrupt("zstd data is longer than the page header says");
            if (!full) produced += output.pos;
            const bool inputDone = input.pos == input.size;
            if (rc == 0 && inputDone) break;
            if (output.pos < output.size && (inputDone || (input.pos == inBefore && output.pos == 0)))
                throwCorrupt("zstd data ends early");
        }
    } catch (...) {
        ZSTD_freeDStream(ds);
        throw;
    }
    ZSTD_freeDStream(ds);
    if (produced != expected)
        throwCorrupt("zstd data holds " + std::to_string(produced) + " bytes but the page header says " +
                     std::to_string(expected));
    out.resize(produced);
    return out;
}

}  // namespace

std::vector<std::uint8_t> decompressPage(int codec, std::span<const std::uint8_t> input, std::size_t uncompressedSize)
{
    switch (static_cast<ParquetCodecId>(codec)) {
        case ParquetCodecId::Uncompressed:
            if (input.size() != uncompressedSize)
                throwCorrupt("uncompressed page holds " + std::to_string(input.size()) + " bytes but its header says " +
                             std::to_string(uncompressedSize));
            return {input.begin(), input.end()};
        case ParquetCodecId::Snappy:
            return snappyDecompress(input, uncompressedSize);
        case ParquetCodecId::Gzip:
            return gzipDecompress(input, uncompressedSize);
        case ParquetCodecId::Zstd:
            return zstdDecompress(input, uncompressedSize);
        default:
            break;
    }
    throwUnsupported(std::string("compression codec ") + parquetCodecName(codec) + " (" + std::to_string(codec) +
                     ") is not supported; re-save the file with SNAPPY, GZIP, ZSTD or no compression");
}

}  // namespace lathe::data
