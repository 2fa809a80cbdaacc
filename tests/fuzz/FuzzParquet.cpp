// parquet: the footer (thrift compact protocol), the chunk table and every string column's pages and codecs.
#include "FuzzSupport.h"
#include "lathe/data/Parquet.h"

#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    const std::span<const std::uint8_t> file(data, size);
    auto footer = data::parseFooter(file, size, "fuzz.parquet");
    if (!fuzz::accepted(footer, "parquet footer") || !footer->metadata) return 0;
    const data::ParquetMetadata& metadata = *footer->metadata;
    for (std::size_t column = 0; column < metadata.columns.size(); ++column) {
        auto ranges = data::columnChunkRanges(metadata, metadata.columns[column].path);
        if (!fuzz::accepted(ranges, "parquet chunk ranges")) continue;
        for (const data::ParquetByteRange& range : *ranges) {
            const auto bytes =
                file.subspan(static_cast<std::size_t>(range.offset), static_cast<std::size_t>(range.length));
            fuzz::accepted(data::decodeStringChunk(metadata, range.rowGroup, column, bytes), "parquet pages");
        }
    }
    return 0;
}
