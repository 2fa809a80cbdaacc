#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace lathe::data::thrift {

// The subset of parquet.thrift that Lathe reads. Unknown fields are skipped; absent optional fields stay empty.

struct SchemaElement {
    std::optional<int> type;        // physical type; absent for groups
    std::optional<int> repetition;  // 0 REQUIRED, 1 OPTIONAL, 2 REPEATED
    std::string name;
    int numChildren = 0;
    std::optional<int> convertedType;
    bool logicalString = false;
};

struct ColumnMetaData {
    int type = -1;
    std::vector<int> encodings;
    std::vector<std::string> path;
    int codec = 0;
    std::int64_t numValues = -1;
    std::int64_t totalUncompressedSize = -1;
    std::int64_t totalCompressedSize = -1;
    std::int64_t dataPageOffset = -1;
    std::optional<std::int64_t> dictionaryPageOffset;
};

struct ColumnChunk {
    std::optional<std::string> filePath;
    std::optional<ColumnMetaData> metaData;
};

struct RowGroup {
    std::vector<ColumnChunk> columns;
    std::int64_t numRows = -1;
};

struct FileMetaData {
    int version = 0;
    std::vector<SchemaElement> schema;
    std::int64_t numRows = -1;
    std::vector<RowGroup> rowGroups;
    std::vector<std::pair<std::string, std::string>> keyValues;
    std::string createdBy;
};

enum PageType : int { DataPage = 0, IndexPage = 1, DictionaryPage = 2, DataPageV2 = 3 };

struct DataPageHeader {
    std::int64_t numValues = -1;
    int encoding = -1;
    int definitionLevelEncoding = -1;
    int repetitionLevelEncoding = -1;
};

struct DictionaryPageHeader {
    std::int64_t numValues = -1;
    int encoding = -1;
};

struct DataPageHeaderV2 {
    std::int64_t numValues = -1;
    std::int64_t numNulls = -1;
    std::int64_t numRows = -1;
    int encoding = -1;
    std::int64_t definitionLevelsByteLength = -1;
    std::int64_t repetitionLevelsByteLength = -1;
    bool isCompressed = true;
};

struct PageHeader {
    int type = -1;
    std::int64_t uncompressedSize = -1;
    std::int64_t compressedSize = -1;
    std::optional<DataPageHeader> dataPage;
    std::optional<DictionaryPageHeader> dictionaryPage;
    std::optional<DataPageHeaderV2> dataPageV2;
    std::size_t headerSize = 0;  // bytes the serialised header took
};

// Both throw FormatError naming the structure and field that is malformed.
FileMetaData parseFileMetaData(std::span<const std::uint8_t> bytes);
PageHeader parsePageHeader(std::span<const std::uint8_t> bytes);

// Parquet Encoding values.
enum Encoding : int {
    Plain = 0,
    PlainDictionary = 2,
    Rle = 3,
    BitPacked = 4,
    DeltaBinaryPacked = 5,
    DeltaLengthByteArray = 6,
    DeltaByteArray = 7,
    RleDictionary = 8,
    ByteStreamSplit = 9,
};
const char* encodingName(int encoding);

}  // namespace lathe::data::thrift
