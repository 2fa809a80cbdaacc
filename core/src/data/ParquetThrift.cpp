#include "data/ParquetThrift.h"

#include "data/FormatError.h"
#include "data/ThriftCompactReader.h"

#include <cstdint>

namespace lathe::data::thrift {

namespace {

using R = ThriftCompactReader;
constexpr std::int64_t kI32Max = INT32_MAX;
constexpr std::int64_t kI64Max = INT64_MAX;

template <typename OnField>
void readStruct(R& r, OnField&& onField)
{
    r.beginStruct();
    std::int16_t lastId = 0;
    for (;;) {
        const R::FieldHeader h = r.readFieldHeader(lastId);
        if (h.type == R::Stop) break;
        if (!onField(h)) r.skip(h.type);
    }
    r.endStruct();
}

// Out of line: building the message inline in the templates trips GCC 12's -Warray-bounds false positive.
[[noreturn]] [[gnu::noinline]] void throwWrongType(const char* what, const char* verb, int got, int want)
{
    std::string message = what;
    message += verb;
    message += std::to_string(got);
    message += ", expected ";
    message += std::to_string(want);
    throwCorrupt(message);
}

void expectType(const R::FieldHeader& h, std::uint8_t type, const char* what)
{
    if (h.type != type) throwWrongType(what, " has thrift type ", h.type, type);
}

template <typename OnElement>
void readList(R& r, const R::FieldHeader& h, std::uint8_t elementType, const char* what, OnElement&& onElement)
{
    expectType(h, R::List, what);
    r.beginStruct();
    const R::ListHeader lh = r.readListHeader();
    if (lh.size > 0 && lh.elementType != elementType)
        throwWrongType(what, " holds thrift type ", lh.elementType, elementType);
    for (std::uint32_t i = 0; i < lh.size; ++i) onElement();
    r.endStruct();
}

bool readBool(const R::FieldHeader& h, const char* what)
{
    if (h.type != R::BoolTrue && h.type != R::BoolFalse) throwCorrupt(std::string(what) + " is not a boolean");
    return h.type == R::BoolTrue;
}

int readI32(R& r, const R::FieldHeader& h, const char* what, std::int64_t minValue = INT32_MIN)
{
    return static_cast<int>(r.readInt(h.type, minValue, kI32Max, what));
}

SchemaElement readSchemaElement(R& r)
{
    SchemaElement e;
    readStruct(r, [&](const R::FieldHeader& h) {
        switch (h.id) {
            case 1:
                e.type = readI32(r, h, "SchemaElement.type");
                return true;
            case 3:
                e.repetition = readI32(r, h, "SchemaElement.repetition_type");
                return true;
            case 4:
                expectType(h, R::Binary, "SchemaElement.name");
                e.name = r.readString();
                return true;
            case 5:
                e.numChildren = readI32(r, h, "SchemaElement.num_children", 0);
                return true;
            case 6:
                e.convertedType = readI32(r, h, "SchemaElement.converted_type");
                return true;
            case 10:
                // LogicalType is a union; field 1 (StringType) marks UTF-8 text.
                expectType(h, R::Struct, "SchemaElement.logicalType");
                readStruct(r, [&](const R::FieldHeader& lt) {
                    if (lt.id == 1) e.logicalString = true;
                    return false;
                });
                return true;
            default:
                return false;
        }
    });
    return e;
}

ColumnMetaData readColumnMetaData(R& r)
{
    ColumnMetaData m;
    readStruct(r, [&](const R::FieldHeader& h) {
        switch (h.id) {
            case 1:
                m.type = readI32(r, h, "ColumnMetaData.type");
                return true;
            case 2:
                readList(r, h, R::I32, "ColumnMetaData.encodings", [&] {
                    m.encodings.push_back(static_cast<int>(r.readInt(R::I32, INT32_MIN, kI32Max, "encoding")));
                });
                return true;
            case 3:
                readList(r, h, R::Binary, "ColumnMetaData.path_in_schema", [&] { m.path.push_back(r.readString()); });
                return true;
            case 4:
                m.codec = readI32(r, h, "ColumnMetaData.codec");
                return true;
            case 5:
                m.numValues = r.readInt(h.type, 0, kI64Max, "ColumnMetaData.num_values");
                return true;
            case 6:
                m.totalUncompressedSize = r.readInt(h.type, 0, kI64Max, "ColumnMetaData.total_uncompressed_size");
                return true;
            case 7:
                m.totalCompressedSize = r.readInt(h.type, 0, kI64Max, "ColumnMetaData.total_compressed_size");
                return true;
            case 9:
                m.dataPageOffset = r.readInt(h.type, 0, kI64Max, "ColumnMetaData.data_page_offset");
                return true;
            case 11:
                m.dictionaryPageOffset = r.readInt(h.type, 0, kI64Max, "ColumnMetaData.dictionary_page_offset");
                return true;
            default:
                return false;
        }
    });
    return m;
}

ColumnChunk readColumnChunk(R& r)
{
    ColumnChunk c;
    readStruct(r, [&](const R::FieldHeader& h) {
        switch (h.id) {
            case 1:
                expectType(h, R::Binary, "ColumnChunk.file_path");
                c.filePath = r.readString();
                return true;
            case 3:
                expectType(h, R::Struct, "ColumnChunk.meta_data");
                c.metaData = readColumnMetaData(r);
                return true;
            default:
                return false;
        }
    });
    return c;
}

RowGroup readRowGroup(R& r)
{
    RowGroup g;
    readStruct(r, [&](const R::FieldHeader& h) {
        switch (h.id) {
            case 1:
                readList(r, h, R::Struct, "RowGroup.columns", [&] { g.columns.push_back(readColumnChunk(r)); });
                return true;
            case 3:
                g.numRows = r.readInt(h.type, 0, kI64Max, "RowGroup.num_rows");
                return true;
            default:
                return false;
        }
    });
    return g;
}

}  // namespace

FileMetaData parseFileMetaData(std::span<const std::uint8_t> bytes)
{
    R r(bytes);
    FileMetaData md;
    readStruct(r, [&](const R::FieldHeader& h) {
        switch (h.id) {
            case 1:
                md.version = readI32(r, h, "FileMetaData.version");
                return true;
            case 2:
                readList(r, h, R::Struct, "FileMetaData.schema", [&] { md.schema.push_back(readSchemaElement(r)); });
                return true;
            case 3:
                md.numRows = r.readInt(h.type, 0, kI64Max, "FileMetaData.num_rows");
                return true;
            case 4:
                readList(r, h, R::Struct, "FileMetaData.row_groups", [&] { md.rowGroups.push_back(readRowGroup(r)); });
                return true;
            case 5:
                readList(r, h, R::Struct, "FileMetaData.key_value_metadata", [&] {
                    std::pair<std::string, std::string> kv;
                    readStruct(r, [&](const R::FieldHeader& f) {
                        if (f.id == 1 && f.type == R::Binary)
                            kv.first = r.readString();
                        else if (f.id == 2 && f.type == R::Binary)
                            kv.second = r.readString();
                        else
                            return false;
                        return true;
                    });
                    md.keyValues.push_back(std::move(kv));
                });
                return true;
            case 6:
                expectType(h, R::Binary, "FileMetaData.created_by");
                md.createdBy = r.readString();
                return true;
            default:
                return false;
        }
    });
    if (md.numRows < 0) throwCorrupt("FileMetaData has no num_rows");
    if (md.schema.empty()) throwCorrupt("FileMetaData has no schema");
    return md;
}

PageHeader parsePageHeader(std::span<const std::uint8_t> bytes)
{
    R r(bytes);
    PageHeader p;
    readStruct(r, [&](const R::FieldHeader& h) {
        switch (h.id) {
            case 1:
                p.type = readI32(r, h, "PageHeader.type");
                return true;
            case 2:
                p.uncompressedSize = r.readInt(h.type, 0, kI32Max, "PageHeader.uncompressed_page_size");
                return true;
            case 3:
                p.compressedSize = r.readInt(h.type, 0, kI32Max, "PageHeader.compressed_page_size");
                return true;
            case 5: {
                expectType(h, R::Struct, "PageHeader.data_page_header");
                DataPageHeader d;
                readStruct(r, [&](const R::FieldHeader& f) {
                    switch (f.id) {
                        case 1:
                            d.numValues = r.readInt(f.type, 0, kI32Max, "DataPageHeader.num_values");
                            return true;
                        case 2:
                            d.encoding = readI32(r, f, "DataPageHeader.encoding");
                            return true;
                        case 3:
                            d.definitionLevelEncoding = readI32(r, f, "DataPageHeader.definition_level_encoding");
                            return true;
                        case 4:
                            d.repetitionLevelEncoding = readI32(r, f, "DataPageHeader.repetition_level_encoding");
                            return true;
                        default:
                            return false;
                    }
                });
                p.dataPage = d;
                return true;
            }
            case 7: {
                expectType(h, R::Struct, "PageHeader.dictionary_page_header");
                DictionaryPageHeader d;
                readStruct(r, [&](const R::FieldHeader& f) {
                    switch (f.id) {
                        case 1:
                            d.numValues = r.readInt(f.type, 0, kI32Max, "DictionaryPageHeader.num_values");
                            return true;
                        case 2:
                            d.encoding = readI32(r, f, "DictionaryPageHeader.encoding");
                            return true;
                        default:
                            return false;
                    }
                });
                p.dictionaryPage = d;
                return true;
            }
            case 8: {
                expectType(h, R::Struct, "PageHeader.data_page_header_v2");
                DataPageHeaderV2 d;
                readStruct(r, [&](const R::FieldHeader& f) {
                    switch (f.id) {
                        case 1:
                            d.numValues = r.readInt(f.type, 0, kI32Max, "DataPageHeaderV2.num_values");
                            return true;
                        case 2:
                            d.numNulls = r.readInt(f.type, 0, kI32Max, "DataPageHeaderV2.num_nulls");
                            return true;
                        case 3:
                            d.numRows = r.readInt(f.type, 0, kI32Max, "DataPageHeaderV2.num_rows");
                            return true;
                        case 4:
                            d.encoding = readI32(r, f, "DataPageHeaderV2.encoding");
                            return true;
                        case 5:
                            d.definitionLevelsByteLength =
                                r.readInt(f.type, 0, kI32Max, "DataPageHeaderV2.definition_levels_byte_length");
                            return true;
                        case 6:
                            d.repetitionLevelsByteLength =
                                r.readInt(f.type, 0, kI32Max, "DataPageHeaderV2.repetition_levels_byte_length");
                            return true;
                        case 7:
                            d.isCompressed = readBool(f, "DataPageHeaderV2.is_compressed");
                            return true;
                        default:
                            return false;
                    }
                });
                p.dataPageV2 = d;
                return true;
            }
            default:
                return false;
        }
    });
    if (p.type < 0) throwCorrupt("page header has no type");
    if (p.uncompressedSize < 0 || p.compressedSize < 0) throwCorrupt("page header has no page sizes");
    p.headerSize = r.position();
    return p;
}

const char* encodingName(int encoding)
{
    switch (encoding) {
        case Plain:
            return "PLAIN";
        case PlainDictionary:
            return "PLAIN_DICTIONARY";
        case Rle:
            return "RLE";
        case BitPacked:
            return "BIT_PACKED";
        case DeltaBinaryPacked:
            return "DELTA_BINARY_PACKED";
        case DeltaLengthByteArray:
            return "DELTA_LENGTH_BYTE_ARRAY";
        case DeltaByteArray:
            return "DELTA_BYTE_ARRAY";
        case RleDictionary:
            return "RLE_DICTIONARY";
        case ByteStreamSplit:
            return "BYTE_STREAM_SPLIT";
    }
    return "unknown encoding";
}

}  // namespace lathe::data::thrift
