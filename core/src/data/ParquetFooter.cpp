#include "lathe/data/Parquet.h"

#include "data/FormatError.h"
#include "data/ParquetThrift.h"

#include <new>

namespace lathe::data {

namespace {

constexpr std::uint64_t kMagicSize = 4;
constexpr std::uint64_t kTrailerSize = 8;  // u32le footer length + "PAR1"
// Real footers are kilobytes to a few megabytes; anything larger is treated as damage rather than allocated.
constexpr std::uint64_t kMaxFooterSize = 256ull << 20;
constexpr int kMaxSchemaDepth = 64;
constexpr int kByteArray = 6;

bool isMagic(const std::uint8_t* p)
{
    return p[0] == 'P' && p[1] == 'A' && p[2] == 'R' && p[3] == '1';
}

struct SchemaWalker {
    const std::vector<thrift::SchemaElement>& schema;
    std::vector<ParquetColumn>& columns;
    std::size_t next = 1;

    void walk(int childCount, const std::string& prefix, int def, int rep, int depth)
    {
        if (depth > kMaxSchemaDepth) throwCorrupt("schema is nested deeper than 64 levels");
        for (int i = 0; i < childCount; ++i) {
            if (next >= schema.size())
                throwCorrupt("schema has " + std::to_string(schema.size()) +
                             " elements, fewer than its num_children fields announce");
            const thrift::SchemaElement& e = schema[next++];
            const int repetition = e.repetition.value_or(0);
            if (repetition < 0 || repetition > 2)
                throwCorrupt("schema element '" + e.name + "' has repetition type " + std::to_string(repetition));
            const int d = def + (repetition != 0 ? 1 : 0);
            const int r = rep + (repetition == 2 ? 1 : 0);
            const std::string path = prefix.empty() ? e.name : prefix + "." + e.name;
            if (e.numChildren > 0) {
                walk(e.numChildren, path, d, r, depth + 1);
                continue;
            }
            if (!e.type) throwCorrupt("schema leaf '" + path + "' has no physical type");
            ParquetColumn c;
            c.path = path;
            c.physicalType = *e.type;
            c.isString = *e.type == kByteArray && (e.logicalString || e.convertedType.value_or(-1) == 0);
            c.maxDefinitionLevel = d;
            c.maxRepetitionLevel = r;
            columns.push_back(std::move(c));
        }
    }
};

ParquetMetadata buildMetadata(const thrift::FileMetaData& md, std::uint64_t fileSize, std::uint64_t dataEnd,
                              const std::string& source)
{
    ParquetMetadata out;
    out.source = source;
    out.fileSize = fileSize;
    out.numRows = md.numRows;
    out.createdBy = md.createdBy;
    out.keyValueMetadata = md.keyValues;

    SchemaWalker walker{md.schema, out.columns};
    walker.walk(md.schema[0].numChildren, "", 0, 0, 0);
    if (walker.next != md.schema.size())
        throwCorrupt("schema has " + std::to_string(md.schema.size()) + " elements but its tree uses " +
                     std::to_string(walker.next));
    if (out.columns.empty()) throwCorrupt("schema has no columns");

    std::int64_t rowSum = 0;
    for (std::size_t g = 0; g < md.rowGroups.size(); ++g) {
        const thrift::RowGroup& rg = md.rowGroups[g];
        const std::string where = "row group " + std::to_string(g);
        if (rg.numRows < 0) throwCorrupt(where + " has no num_rows");
        if (rg.columns.size() != out.columns.size())
            throwCorrupt(where + " has " + std::to_string(rg.columns.size()) + " column chunks but the schema has " +
                         std::to_string(out.columns.size()) + " columns");
        if (rg.numRows > INT64_MAX - rowSum) throwCorrupt(where + ": row counts overflow");
        rowSum += rg.numRows;
        ParquetRowGroup group;
        group.numRows = rg.numRows;
        for (std::size_t c = 0; c < rg.columns.size(); ++c) {
            const thrift::ColumnChunk& cc = rg.columns[c];
            const std::string chunk = where + ", column '" + out.columns[c].path + "'";
            if (cc.filePath && !cc.filePath->empty())
                throwUnsupported(chunk + " lives in another file (" + *cc.filePath +
                                 "); only single-file parquet is supported");
            if (!cc.metaData) throwCorrupt(chunk + " has no column metadata");
            const thrift::ColumnMetaData& m = *cc.metaData;
            if (m.numValues < 0 || m.totalCompressedSize < 0 || m.dataPageOffset < 0)
                throwCorrupt(chunk + " lacks num_values, total_compressed_size or data_page_offset");
            std::int64_t start = m.dataPageOffset;
            // Some writers store 0 for "no dictionary"; a dictionary page always precedes the data pages.
            if (m.dictionaryPageOffset && *m.dictionaryPageOffset > 0 && *m.dictionaryPageOffset < start)
                start = *m.dictionaryPageOffset;
            const auto ustart = static_cast<std::uint64_t>(start);
            const auto usize = static_cast<std::uint64_t>(m.totalCompressedSize);
            if (ustart < kMagicSize || ustart > dataEnd || usize > dataEnd - ustart)
                throwCorrupt(chunk + " claims bytes [" + std::to_string(start) + ", " + std::to_string(ustart + usize) +
                             ") outside the data area [4, " + std::to_string(dataEnd) + ")");
            ParquetChunkLocation loc;
            loc.offset = start;
            loc.size = m.totalCompressedSize;
            loc.numValues = m.numValues;
            loc.codec = m.codec;
            loc.physicalType = m.type;
            group.columns.push_back(loc);
        }
        out.rowGroups.push_back(std::move(group));
    }
    if (rowSum != md.numRows)
        throwCorrupt("row groups hold " + std::to_string(rowSum) + " rows but the file declares " +
                     std::to_string(md.numRows));
    return out;
}

}  // namespace

std::optional<std::size_t> ParquetMetadata::findColumn(std::string_view path) const
{
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].path == path) return i;
    return std::nullopt;
}

Result<ParquetFooter> parseFooter(std::span<const std::uint8_t> tail, std::uint64_t fileSize, const std::string& source)
{
    const std::string what = source + ": parquet footer: ";
    if (fileSize < kMagicSize + kTrailerSize)
        return makeError(ErrorCode::Corrupt, what + "the file has " + std::to_string(fileSize) +
                                                 " bytes, too few to be parquet (check that the download completed)");
    if (tail.size() > fileSize)
        return makeError(ErrorCode::InvalidArgument, what + "got more tail bytes than the file size");
    ParquetFooter result;
    if (tail.size() < kTrailerSize) {
        result.tailBytesNeeded = kTrailerSize;
        return result;
    }
    const std::uint8_t* end = tail.data() + tail.size();
    if (!isMagic(end - 4))
        return makeError(ErrorCode::Corrupt, what +
                                                 "the file does not end with PAR1, so it is not parquet "
                                                 "(or it was truncated; download it again)");
    const std::uint64_t footerSize = static_cast<std::uint64_t>(end[-8]) | static_cast<std::uint64_t>(end[-7]) << 8 |
                                     static_cast<std::uint64_t>(end[-6]) << 16 |
                                     static_cast<std::uint64_t>(end[-5]) << 24;
    if (footerSize > fileSize - kMagicSize - kTrailerSize)
        return makeError(ErrorCode::Corrupt,
                         what + "footer length " + std::to_string(footerSize) + " is larger than the file allows");
    if (footerSize > kMaxFooterSize)
        return makeError(ErrorCode::Unsupported,
                         what + "footer of " + std::to_string(footerSize) + " bytes is larger than 256 MiB");
    if (tail.size() < footerSize + kTrailerSize) {
        result.tailBytesNeeded = footerSize + kTrailerSize;
        return result;
    }
    if (tail.size() == fileSize && !isMagic(tail.data()))
        return makeError(ErrorCode::Corrupt, what + "the file does not start with PAR1, so it is not parquet");
    const std::uint64_t dataEnd = fileSize - kTrailerSize - footerSize;
    try {
        const thrift::FileMetaData md =
            thrift::parseFileMetaData(tail.subspan(tail.size() - kTrailerSize - footerSize, footerSize));
        result.metadata = buildMetadata(md, fileSize, dataEnd, source);
    } catch (const FormatError& e) {
        return makeError(e.unsupported() ? ErrorCode::Unsupported : ErrorCode::Corrupt, what + e.what());
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::Internal, what + "out of memory while reading the footer");
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, what + e.what());
    }
    return result;
}

Result<std::vector<ParquetByteRange>> columnChunkRanges(const ParquetMetadata& metadata, std::string_view column)
{
    const auto index = metadata.findColumn(column);
    if (!index) {
        std::string names;
        for (const ParquetColumn& c : metadata.columns) names += (names.empty() ? "" : ", ") + c.path;
        return makeError(ErrorCode::NotFound,
                         metadata.source + ": no column '" + std::string(column) + "' (the file has: " + names + ")");
    }
    const ParquetColumn& c = metadata.columns[*index];
    if (c.physicalType != kByteArray || c.maxRepetitionLevel > 0)
        return makeError(ErrorCode::Unsupported, metadata.source + ": column '" + c.path +
                                                     "' is not a flat string column; only flat BYTE_ARRAY "
                                                     "columns can be read");
    std::vector<ParquetByteRange> ranges;
    for (std::size_t g = 0; g < metadata.rowGroups.size(); ++g) {
        if (*index >= metadata.rowGroups[g].columns.size())
            return makeError(ErrorCode::InvalidArgument, metadata.source + ": row group " + std::to_string(g) +
                                                             " has fewer column chunks than columns");
        const ParquetChunkLocation& loc = metadata.rowGroups[g].columns[*index];
        ranges.push_back({g, loc.offset, loc.size, metadata.rowGroups[g].numRows});
    }
    return ranges;
}

}  // namespace lathe::data
