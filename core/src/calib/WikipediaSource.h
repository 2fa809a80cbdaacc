#pragma once

#include "calib/DatasetCache.h"
#include "calib/DocumentSource.h"
#include "lathe/data/Parquet.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace lathe::calib {

// Articles of one wikimedia/wikipedia config (e.g. 20231101.en), shard after shard in file order. Per shard it
// reads the footer from the file's tail, then the `text`, `id` and `title` column chunks of one row group at a
// time, through the dataset cache, and nothing else (never `url`, never a whole file). id and title are small
// and let the manifest name each article; shards without them still work (the names stay empty).
class WikipediaSource : public DocumentSource {
public:
    WikipediaSource(DatasetCache& data, std::string commit, std::vector<hub::RepoFile> shards,
                    std::string column = "text");

    Result<std::optional<SourceDocument>> next(const StopToken& stop) override;

private:
    Result<void> openShard(const StopToken& stop);
    Result<void> readRowGroup(const StopToken& stop);
    Result<std::string> chunkBytes(const data::ParquetByteRange& range, const StopToken& stop);
    Result<std::vector<std::optional<std::string>>> readNameColumn(const std::vector<data::ParquetByteRange>& ranges,
                                                                   std::size_t columnIndex, const StopToken& stop);

    DatasetCache& m_data;
    std::string m_commit;
    std::vector<hub::RepoFile> m_shards;
    std::string m_column;

    std::size_t m_shard = 0;  // index into m_shards of the shard being read
    std::optional<data::ParquetMetadata> m_metadata;
    std::vector<data::ParquetByteRange> m_ranges;
    std::size_t m_columnIndex = 0;
    std::vector<data::ParquetByteRange> m_idRanges, m_titleRanges;  // empty when the shard lacks the column
    std::size_t m_idIndex = 0, m_titleIndex = 0;
    std::size_t m_nextRowGroup = 0;
    std::int64_t m_rowBase = 0;  // shard row index of the first row of the loaded row group
    std::deque<std::optional<std::string>> m_rows;
    std::deque<std::optional<std::string>> m_ids, m_titles;  // parallel to m_rows when the columns exist
    std::string m_tail;  // the shard's last bytes, read for the footer; chunks inside it are not read again
    std::int64_t m_tailStart = 0;
};

}  // namespace lathe::calib
