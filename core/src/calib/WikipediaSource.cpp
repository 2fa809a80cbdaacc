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
            m_idRanges.clear();
            m_titleRanges.clear();
            if (auto id = data::columnChunkRanges(*m_metadata, "id")) {
                m_idRanges = std::move(*id);
                m_idIndex = *m_metadata->findColumn("id");
            }
            if (auto title = data::columnChunkRanges(*m_metadata, "title")) {
                m_titleRanges = std::move(*title);
                m_titleIndex = *m_metadata->findColumn("title");
            }
            m_nextRowGroup = 0;
            m_rowBase = 0;
            return {};
        }
        tailLength = static_cast<std::int64_t>(std::min<std::uint64_t>(footer->tailBytesNeeded, size));
    }
    return makeError(ErrorCode::Corrupt, shard.path + ": the parquet footer could not be read from the file's tail");
}

Result<std::string> WikipediaSource::chunkBytes(const data::ParquetByteRange& range, const StopToken& stop)
{
    if (range.offset >= m_tailStart && range.offset + range.length <= m_tailStart + static_cast<std::int64_t>(m_tail.size()))
        return m_tail.substr(static_cast<std::size_t>(range.offset - m_tailStart), static_cast<std::size_t>(range.length));
    return m_data.readRange(m_commit, m_shards[m_shard].path, range.offset, range.length, stop);
}

Result<std::vector<std::optional<std::string>>> WikipediaSource::readNameColumn(
    const std::vector<data::ParquetByteRange>& ranges, std::size_t columnIndex, const StopToken& stop)
{
    if (m_nextRowGroup >= ranges.size()) return std::vector<std::optional<std::string>>();
    auto bytes = chunkBytes(ranges[m_nextRowGroup], stop);
    if (!bytes) return bytes.error();
    auto values = data::decodeStringChunk(*m_metadata, ranges[m_nextRowGroup].rowGroup, columnIndex, asBytes(*bytes));
    if (!values) return values.error().withContext(m_shards[m_shard].path);
    return values;
}

Result<void> WikipediaSource::readRowGroup(const StopToken& stop)
{
    const data::ParquetByteRange& range = m_ranges[m_nextRowGroup];
    auto bytes = chunkBytes(range, stop);
    if (!bytes) return bytes.error();
    auto values = data::decodeStringChunk(*m_metadata, range.rowGroup, m_columnIndex, asBytes(*bytes));
    if (!values) return values.error();
    auto ids = readNameColumn(m_idRanges, m_idIndex, stop);
    if (!ids) return ids.error();
    auto titles = readNameColumn(m_titleRanges, m_titleIndex, stop);
    if (!titles) return titles.error();
    if (m_nextRowGroup > 0) m_rowBase += m_ranges[m_nextRowGroup - 1].numRows;
    m_rows.assign(std::make_move_iterator(values->begin()), std::make_move_iterator(values->end()));
    // A name column whose row count disagrees with the text is ignored rather than misattributing articles.
    m_ids.clear();
    m_titles.clear();
    if (ids->size() == m_rows.size()) m_ids.assign(std::make_move_iterator(ids->begin()), std::make_move_iterator(ids->end()));
    if (titles->size() == m_rows.size())
        m_titles.assign(std::make_move_iterator(titles->begin()), std::make_move_iterator(titles->end()));
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
        m_idRanges.clear();
        m_titleRanges.clear();
        m_tail.clear();
        ++m_shard;
    }
    // Rows are handed out front to back; the position within the loaded row group gives the shard row.
    const auto& group = m_ranges[m_nextRowGroup - 1];
    const std::int64_t row = m_rowBase + (group.numRows - static_cast<std::int64_t>(m_rows.size()));
    SourceDocument doc;
    doc.shard = m_shards[m_shard].path;
    doc.row = row;
    if (m_rows.front()) doc.document.text = std::move(*m_rows.front());
    m_rows.pop_front();
    if (!m_ids.empty()) {
        if (m_ids.front()) doc.document.id = std::move(*m_ids.front());
        m_ids.pop_front();
    }
    if (!m_titles.empty()) {
        if (m_titles.front()) doc.document.title = std::move(*m_titles.front());
        m_titles.pop_front();
    }
    return std::optional<SourceDocument>(std::move(doc));
}

}  // namespace lathe::calib
