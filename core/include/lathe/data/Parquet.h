#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lathe::data {

// A parquet reader for flat string columns (what text corpora such as wikimedia/wikipedia hold): PLAIN and
// dictionary-encoded BYTE_ARRAY values, nulls, data pages v1 and v2, codecs NONE/SNAPPY/GZIP/ZSTD.
// It is built for range streaming: parse the footer from the file's tail, ask where one column's chunk lies
// in each row group, fetch only those bytes, and decode them. docs/data-formats.md lists what is rejected.
//
// Errors from every function: Corrupt (malformed bytes; the message names the source, row group, column, page
// and what was wrong), Unsupported (valid parquet that this reader does not handle, e.g. nested columns or
// DELTA encodings), NotFound (column or file missing), Io. Nothing throws.

// One leaf column, in file order.
struct ParquetColumn {
    std::string path;       // dotted path, e.g. "text" or "meta.title"
    int physicalType = -1;  // parquet Type: 6 = BYTE_ARRAY
    bool isString = false;  // BYTE_ARRAY annotated as UTF8/STRING
    int maxDefinitionLevel = 0;
    int maxRepetitionLevel = 0;  // > 0 for lists; such columns are Unsupported for decoding
};

// Where one column chunk's pages lie in the file (dictionary page first when there is one).
struct ParquetChunkLocation {
    std::int64_t offset = 0;  // absolute file offset of the first page
    std::int64_t size = 0;    // total_compressed_size: page headers and bodies
    std::int64_t numValues = 0;
    int codec = 0;  // parquet CompressionCodec: 0 none, 1 SNAPPY, 2 GZIP, 6 ZSTD
    int physicalType = -1;
};

struct ParquetRowGroup {
    std::int64_t numRows = 0;
    std::vector<ParquetChunkLocation> columns;  // one per ParquetMetadata::columns entry
};

// The file footer. All chunk locations were checked to lie inside the file's data area.
struct ParquetMetadata {
    std::string source;  // file name or URL, used in error messages
    std::uint64_t fileSize = 0;
    std::int64_t numRows = 0;
    std::string createdBy;
    std::vector<ParquetColumn> columns;
    std::vector<ParquetRowGroup> rowGroups;
    std::vector<std::pair<std::string, std::string>> keyValueMetadata;

    std::optional<std::size_t> findColumn(std::string_view path) const;
};

// Result of parsing a file tail: either the metadata, or how many tail bytes are needed (call again with at
// least that many of the file's last bytes).
struct ParquetFooter {
    std::uint64_t tailBytesNeeded = 0;
    std::optional<ParquetMetadata> metadata;
};

// `tail` holds the last tail.size() bytes of a file of `fileSize` bytes. When tail is the whole file, the
// leading "PAR1" is checked too. 64 KiB of tail is usually enough; fewer than 8 bytes always asks for more.
Result<ParquetFooter> parseFooter(std::span<const std::uint8_t> tail, std::uint64_t fileSize,
                                  const std::string& source);

// One row group's byte range for one column: fetch [offset, offset + length) and pass it to decodeStringChunk.
struct ParquetByteRange {
    std::size_t rowGroup = 0;
    std::int64_t offset = 0;
    std::int64_t length = 0;
    std::int64_t numRows = 0;
};

// Ranges for `column` in every row group, in order. NotFound when the column does not exist (the message lists
// the columns), Unsupported when it is not a flat BYTE_ARRAY column.
Result<std::vector<ParquetByteRange>> columnChunkRanges(const ParquetMetadata& metadata, std::string_view column);

// Decodes one column chunk (exactly the bytes of its ParquetByteRange) into one entry per row; nulls are
// nullopt. Values are returned as stored (no UTF-8 validation). A chunk is limited to 2^24 values and 2 GiB of
// decoded strings (Unsupported beyond) so hostile input cannot exhaust memory.
Result<std::vector<std::optional<std::string>>> decodeStringChunk(const ParquetMetadata& metadata, std::size_t rowGroup,
                                                                  std::size_t column,
                                                                  std::span<const std::uint8_t> chunkBytes);

// Local-file conveniences built on the functions above; they read only the footer and the wanted chunks.
Result<ParquetMetadata> readParquetMetadata(const std::filesystem::path& path);

// Rows of one string column, stopping after `maxRows` rows when given. Cancelled when `stop` fires (checked
// between row groups).
Result<std::vector<std::optional<std::string>>> readStringColumn(const std::filesystem::path& path,
                                                                 std::string_view column,
                                                                 std::optional<std::int64_t> maxRows = {},
                                                                 const StopToken& stop = StopToken());

// Streams several string columns one row group at a time: `onRowGroup(columns)` gets columns[i] for
// `columns[i]`, all of the row group's row count, and returns false to stop early. Only the wanted column
// chunks are read. Cancelled when `stop` fires (checked between row groups).
using RowGroupColumnsFn = std::function<bool(std::vector<std::vector<std::optional<std::string>>>&&)>;
Result<void> scanStringColumns(const std::filesystem::path& path, const std::vector<std::string>& columns,
                               const RowGroupColumnsFn& onRowGroup, const StopToken& stop = StopToken());

// Several string columns at once, row-aligned: result[i] holds column `columns[i]`.
Result<std::vector<std::vector<std::optional<std::string>>>> readStringColumns(const std::filesystem::path& path,
                                                                               const std::vector<std::string>& columns,
                                                                               std::optional<std::int64_t> maxRows = {},
                                                                               const StopToken& stop = StopToken());

}  // namespace lathe::data
