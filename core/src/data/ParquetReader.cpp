#include "lathe/data/Parquet.h"

#include "data/FormatError.h"
#include "data/ParquetChunkDecoder.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <new>

namespace lathe::data {

namespace {

constexpr std::uint64_t kInitialTail = 64 * 1024;

class LocalFile {
public:
    explicit LocalFile(const std::filesystem::path& path) : m_path(path) {}

    Result<std::uint64_t> open()
    {
        std::error_code ec;
        if (!std::filesystem::exists(m_path, ec))
            return makeError(ErrorCode::NotFound, m_path.string() + ": no such file");
        const auto size = std::filesystem::file_size(m_path, ec);
        if (ec) return makeError(ErrorCode::Io, m_path.string() + ": cannot get the file size: " + ec.message());
        m_in.open(m_path, std::ios::binary);
        if (!m_in) return makeError(ErrorCode::Io, m_path.string() + ": cannot open: " + std::strerror(errno));
        m_size = size;
        return size;
    }

    Result<std::vector<std::uint8_t>> read(std::uint64_t offset, std::uint64_t length)
    {
        if (offset > m_size || length > m_size - offset)
            return makeError(ErrorCode::Corrupt, m_path.string() + ": range past the end of the file");
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(length));
        m_in.clear();
        m_in.seekg(static_cast<std::streamoff>(offset));
        m_in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(length));
        if (!m_in)
            return makeError(ErrorCode::Io, m_path.string() + ": cannot read " + std::to_string(length) +
                                                " bytes at offset " + std::to_string(offset));
        return bytes;
    }

private:
    std::filesystem::path m_path;
    std::ifstream m_in;
    std::uint64_t m_size = 0;
};

Result<ParquetMetadata> readMetadata(LocalFile& file, const std::filesystem::path& path)
{
    auto size = file.open();
    if (!size) return size.error();
    std::uint64_t want = std::min<std::uint64_t>(*size, kInitialTail);
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto tail = file.read(*size - want, want);
        if (!tail) return tail.error();
        auto footer = parseFooter(*tail, *size, path.string());
        if (!footer) return footer.error();
        if (footer->metadata) {
            if (want < *size) {
                auto head = file.read(0, 4);
                if (!head) return head.error();
                if (std::memcmp(head->data(), "PAR1", 4) != 0)
                    return makeError(ErrorCode::Corrupt,
                                     path.string() + ": parquet footer: the file does not start with PAR1");
            }
            return std::move(*footer->metadata);
        }
        want = std::min<std::uint64_t>(*size, footer->tailBytesNeeded);
    }
    return makeError(ErrorCode::Internal, path.string() + ": parquet footer size did not settle");
}

}  // namespace

Result<std::vector<std::optional<std::string>>> decodeStringChunk(const ParquetMetadata& metadata, std::size_t rowGroup,
                                                                  std::size_t column,
                                                                  std::span<const std::uint8_t> chunkBytes)
{
    if (rowGroup >= metadata.rowGroups.size() || column >= metadata.columns.size() ||
        column >= metadata.rowGroups[rowGroup].columns.size())
        return makeError(ErrorCode::InvalidArgument, metadata.source + ": no row group " + std::to_string(rowGroup) +
                                                         " / column " + std::to_string(column));
    const ParquetColumn& c = metadata.columns[column];
    const ParquetChunkLocation& loc = metadata.rowGroups[rowGroup].columns[column];
    const std::string where = metadata.source + ": row group " + std::to_string(rowGroup) + ", column '" + c.path + "'";
    if (c.physicalType != 6 || c.maxRepetitionLevel > 0)
        return makeError(ErrorCode::Unsupported, where + ": only flat BYTE_ARRAY (string) columns can be read");
    if (loc.physicalType != c.physicalType)
        return makeError(ErrorCode::Corrupt, where + ": column metadata type " + std::to_string(loc.physicalType) +
                                                 " disagrees with the schema type " + std::to_string(c.physicalType));
    if (chunkBytes.size() != static_cast<std::uint64_t>(loc.size))
        return makeError(ErrorCode::InvalidArgument, where + ": got " + std::to_string(chunkBytes.size()) +
                                                         " bytes for a column chunk of " + std::to_string(loc.size) +
                                                         " bytes (fetch the whole range)");
    ParquetChunkDecoder decoder(c, loc, metadata.rowGroups[rowGroup].numRows);
    try {
        return decoder.decode(chunkBytes);
    } catch (const FormatError& e) {
        const std::string page = decoder.pageContext();
        return makeError(e.unsupported() ? ErrorCode::Unsupported : ErrorCode::Corrupt,
                         where + (page.empty() ? "" : ", " + page) + ": " + e.what());
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::Internal, where + ": out of memory while decoding");
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, where + ": " + e.what());
    }
}

Result<ParquetMetadata> readParquetMetadata(const std::filesystem::path& path)
{
    LocalFile file(path);
    return readMetadata(file, path);
}

Result<void> scanStringColumns(const std::filesystem::path& path, const std::vector<std::string>& columns,
                               const RowGroupColumnsFn& onRowGroup, const StopToken& stop)
{
    LocalFile file(path);
    auto metadata = readMetadata(file, path);
    if (!metadata) return metadata.error();
    std::vector<std::vector<ParquetByteRange>> ranges;
    std::vector<std::size_t> indices;
    for (const std::string& name : columns) {
        auto r = columnChunkRanges(*metadata, name);
        if (!r) return r.error();
        ranges.push_back(std::move(*r));
        indices.push_back(*metadata->findColumn(name));
    }
    for (std::size_t g = 0; g < metadata->rowGroups.size(); ++g) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, path.string() + ": reading cancelled");
        std::vector<std::vector<std::optional<std::string>>> group;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const ParquetByteRange& range = ranges[c][g];
            auto bytes = file.read(static_cast<std::uint64_t>(range.offset), static_cast<std::uint64_t>(range.length));
            if (!bytes) return bytes.error();
            auto values = decodeStringChunk(*metadata, g, indices[c], *bytes);
            if (!values) return values.error();
            group.push_back(std::move(*values));
        }
        if (!onRowGroup(std::move(group))) break;
    }
    return {};
}

Result<std::vector<std::vector<std::optional<std::string>>>> readStringColumns(const std::filesystem::path& path,
                                                                               const std::vector<std::string>& columns,
                                                                               std::optional<std::int64_t> maxRows,
                                                                               const StopToken& stop)
{
    if (maxRows && *maxRows < 0)
        return makeError(ErrorCode::InvalidArgument, path.string() + ": maximum row count must not be negative");
    std::vector<std::vector<std::optional<std::string>>> out(columns.size());
    const std::int64_t limit = maxRows.value_or(INT64_MAX);
    std::int64_t rows = 0;
    if (limit == 0) return out;
    auto scanned = scanStringColumns(
        path, columns,
        [&](std::vector<std::vector<std::optional<std::string>>>&& group) {
            if (rows >= limit) return false;
            const std::int64_t groupRows = group.empty() ? 0 : static_cast<std::int64_t>(group.front().size());
            const std::int64_t take = std::min(limit - rows, groupRows);
            for (std::size_t c = 0; c < group.size(); ++c)
                out[c].insert(out[c].end(), std::make_move_iterator(group[c].begin()),
                              std::make_move_iterator(group[c].begin() + take));
            rows += take;
            return rows < limit;
        },
        stop);
    if (!scanned) return scanned.error();
    return out;
}

Result<std::vector<std::optional<std::string>>> readStringColumn(const std::filesystem::path& path,
                                                                 std::string_view column,
                                                                 std::optional<std::int64_t> maxRows,
                                                                 const StopToken& stop)
{
    auto columns = readStringColumns(path, {std::string(column)}, maxRows, stop);
    if (!columns) return columns.error();
    return std::move(columns->front());
}

}  // namespace lathe::data
