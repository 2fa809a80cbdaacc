#include "calib/WikipediaSource.h"

#include <algorithm>
#include <span>

namespace lathe::calib {

namespace {

constexpr std::int64_t kTailBytes = 64 * 1024;

std::span<const std::uint8_t> asBytes(const std::string& s)
{
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

WikipediaSource::WikipediaSource(DatasetCache& data, std::string commit, std::vector<hub::RepoFile> shards,
                                 std::string column)
    : m_data(data), m_commit(std::move(commit)), m_shards(std::move(shards)), m_column(std::move(column))
{
}

Result<void> WikipediaSource::openShard(const StopToken& stop)
{
    const hub::RepoFile& shard = m_shards[m_shard];
    const std::string source = m_data.repoId() + "/" + shard.path;
    if (shard.size < 12)
        return makeError(ErrorCode::Corrupt, "the Hub lists " + shard.path + " with " + std::to_string(shard.size) +
                                                 " bytes, too small for a parquet file");
    const auto size = static_cast<std::uint64_t>(shard.size);
    std::int64_t tailLength = std::min<std::int64_t>(kTailBytes, shard.size);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto tail = m_data.readRange(m_commit, shard.path, shard.size - tailLength, tailLength, stop);
        if (!tail) return tail.error();
        auto footer = data::parseFooter(asBytes(*tail), size, source);
        if (!footer) return footer.error();
        if (footer->metadata) {
            m_tail = std::move(*tail);
            m_tailStart = shard.size - tailLength;
            m_metadata = std::move(footer->metadata);
            auto ranges = data::columnChunkRanges(*m_metadata, m_column);
            if (!ranges) return ranges.error().withContext(shard.path);
            m_ranges = std::move(*ranges);
            m_columnIndex = *m_metadata->findColumn(m_column);
            m_nextRowGroup = 0;
            m_rowBase = 0;
            return {};
        }
        tailLength = static_cast<std::int64_t>(std::min<std::uint64_t>(footer->tailBytesNeeded, size));
    }
    return makeError(ErrorCode::Corrupt, shard.path + ": the parquet footer could not be read from the file's tail");
}

Result<void> WikipediaSource::readRowGroup(const StopToken& stop)
{
    const data::ParquetByteRange& range = m_ranges[m_nextRowGroup];
    const std::string& path = m_shards[m_shard].path;
    std::string bytes;
    if (range.offset >= m_tailStart && range.offset + range.length <= m_tailStart + static_cast<std::int64_t>(m_tail.size())) {
        bytes = m_tail.substr(static_cast<std::size_t>(range.offset - m_tailStart), static_cast<std::size_t>(range.length));
    } else {
        auto fetched = m_data.readRange(m_commit, path, range.offset, range.length, stop);
        if (!fetched) return fetched.error();
        bytes = std::move(*fetched);
    }
    auto values = data::decodeStringChunk(*m_metadata, range.rowGroup, m_columnIndex, asBytes(bytes));
    if (!values) return values.error();
    if (m_nextRowGroup > 0) m_rowBase += m_ranges[m_nextRowGroup - 1].numRows;
    m_rows.assign(std::make_move_iterator(values->begin()), std::make_move_iterator(values->end()));
    ++m_nextRowGroup;
    return {};
}

Result<std::optional<SourceDocument>> WikipediaSource::next(const StopToken& stop)
{
    while (m_rows.empty()) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "reading the dataset cancelled");
        if (m_shard >= m_shards.size()) return std::optional<SourceDocument>();
        if (!m_metadata) {
            LATHE_TRY(openShard(stop));
            continue;
        }
        if (m_nextRowGroup < m_ranges.size()) {
            LATHE_TRY(readRowGroup(stop));
            continue;
        }
        m_metadata.reset();
        m_ranges.clear();
        m_tail.clear();
        ++m_shard;
    }
    // Rows are handed out front to back; the position within the loaded row group gives the shard row.
    const auto& group = m_ranges[m_nextRowGroup - 1];
    const std::int64_t row = m_rowBase + (group.numRows - static_cast<std::int64_t>(m_rows.size()));
    SourceDocument doc;
    doc.shard = m_shards[m_shard].path;
    doc.row = row;
    doc.document.id = std::to_string(row);
    if (m_rows.front()) doc.document.text = std::move(*m_rows.front());
    m_rows.pop_front();
    return std::optional<SourceDocument>(std::move(doc));
}

}  // namespace lathe::calib
