// Reads parquet files written at test time by two independent writers (hyparquet-writer: data page v2;
// parquet-wasm/arrow-rs: v1 and v2, dictionary pages with PLAIN fallback, every codec) and checks that every
// string comes back exactly as written.
#include "ParquetFixtures.h"
#include "TestSupport.h"

#include "lathe/data/LocalCorpus.h"
#include "lathe/data/Parquet.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;
using namespace lathe::data;

namespace {

std::vector<std::uint8_t> fileBytes(const QString& path)
{
    const QByteArray b = test::readAll(path);
    return {reinterpret_cast<const std::uint8_t*>(b.data()),
            reinterpret_cast<const std::uint8_t*>(b.data()) + b.size()};
}

// Compares decoded values with the writer's JSON (null = null), reporting the first difference.
QString compareColumn(const std::vector<std::optional<std::string>>& got, const QJsonArray& want,
                      std::size_t offset = 0)
{
    if (offset + got.size() > static_cast<std::size_t>(want.size()))
        return QStringLiteral("got %1 rows past offset %2, expected %3 in total")
            .arg(got.size())
            .arg(offset)
            .arg(want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const QJsonValue w = want.at(static_cast<qsizetype>(offset + i));
        if (w.isNull() != !got[i].has_value()) return QStringLiteral("row %1: null mismatch").arg(offset + i);
        if (got[i] && QByteArray::fromStdString(*got[i]) != w.toString().toUtf8())
            return QStringLiteral("row %1: got '%2', want '%3'")
                .arg(offset + i)
                .arg(QString::fromStdString(*got[i]).left(60), w.toString().left(60));
    }
    return {};
}

}  // namespace

class TestParquetReader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void readsEveryColumn_data();
    void readsEveryColumn();
    void streamsByRange_data();
    void streamsByRange();
    void reportsFileStructure();
    void maxRowsStopsEarly();
    void rejectsUnsupportedEncoding();
    void missingColumnIsNotFound();
    void corruptChunkNamesLocation();
    void rejectsNonParquet();
    void readsParquetCorpus();

private:
    QString fixture(const QString& name) const { return m_dir.filePath(name); }
    void addFileRows();

    QTemporaryDir m_dir;
    QJsonObject m_expected;
};

void TestParquetReader::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString error = test::generateParquetFixtures(m_dir.path());
    if (!error.isEmpty()) QFAIL(qPrintable(error));
    m_expected = QJsonDocument::fromJson(test::readAll(fixture(QStringLiteral("expected.json")))).object();
    QCOMPARE(m_expected.size(), 12);
}

void TestParquetReader::addFileRows()
{
    QTest::addColumn<QString>("file");
    for (const QString& name : m_expected.keys()) QTest::newRow(qPrintable(name)) << name;
}

void TestParquetReader::readsEveryColumn_data()
{
    addFileRows();
}

void TestParquetReader::readsEveryColumn()
{
    QFETCH(QString, file);
    const QJsonObject spec = m_expected.value(file).toObject();
    const QJsonObject columns = spec.value(QStringLiteral("columns")).toObject();
    std::vector<std::string> names;
    for (const QString& c : columns.keys()) names.push_back(c.toStdString());
    auto got = readStringColumns(fixture(file).toStdString(), names);
    QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
    QCOMPARE(got->size(), names.size());
    for (std::size_t c = 0; c < names.size(); ++c) {
        const QJsonArray want = columns.value(QString::fromStdString(names[c])).toArray();
        QCOMPARE(static_cast<qsizetype>((*got)[c].size()), want.size());
        QCOMPARE(static_cast<int>((*got)[c].size()), spec.value(QStringLiteral("numRows")).toInt());
        const QString diff = compareColumn((*got)[c], want);
        QVERIFY2(diff.isEmpty(), qPrintable(QString::fromStdString(names[c]) + QStringLiteral(": ") + diff));
    }
}

void TestParquetReader::streamsByRange_data()
{
    addFileRows();
}

// The Hub path: footer from a short tail, then only the text chunks' byte ranges.
void TestParquetReader::streamsByRange()
{
    QFETCH(QString, file);
    const std::vector<std::uint8_t> bytes = fileBytes(fixture(file));
    const std::span<const std::uint8_t> all(bytes);

    auto first = parseFooter(all.last(16), bytes.size(), file.toStdString());
    QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
    QVERIFY(!first->metadata);
    const std::uint32_t footerLen = bytes[bytes.size() - 8] | bytes[bytes.size() - 7] << 8 |
                                    bytes[bytes.size() - 6] << 16 | bytes[bytes.size() - 5] << 24;
    QCOMPARE(first->tailBytesNeeded, std::uint64_t{footerLen} + 8);

    auto footer = parseFooter(all.last(first->tailBytesNeeded), bytes.size(), file.toStdString());
    QVERIFY2(footer.ok(), footer.ok() ? "" : footer.error().message.c_str());
    QVERIFY(footer->metadata.has_value());
    const ParquetMetadata& md = *footer->metadata;

    auto ranges = columnChunkRanges(md, "text");
    QVERIFY2(ranges.ok(), ranges.ok() ? "" : ranges.error().message.c_str());
    QCOMPARE(ranges->size(), md.rowGroups.size());
    const QJsonArray want = m_expected.value(file)
                                .toObject()
                                .value(QStringLiteral("columns"))
                                .toObject()
                                .value(QStringLiteral("text"))
                                .toArray();
    std::size_t row = 0;
    for (const ParquetByteRange& r : *ranges) {
        auto values =
            decodeStringChunk(md, r.rowGroup, *md.findColumn("text"),
                              all.subspan(static_cast<std::size_t>(r.offset), static_cast<std::size_t>(r.length)));
        QVERIFY2(values.ok(), values.ok() ? "" : values.error().message.c_str());
        QCOMPARE(static_cast<std::int64_t>(values->size()), r.numRows);
        const QString diff = compareColumn(*values, want, row);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        row += values->size();
    }
    QCOMPARE(static_cast<qsizetype>(row), want.size());
}

void TestParquetReader::reportsFileStructure()
{
    auto md = readParquetMetadata(fixture(QStringLiteral("arrow-v1-zstd.parquet")).toStdString());
    QVERIFY2(md.ok(), md.ok() ? "" : md.error().message.c_str());
    QCOMPARE(md->numRows, 500);
    QCOMPARE(md->rowGroups.size(), std::size_t{5});
    const std::vector<std::int64_t> rows{120, 120, 120, 120, 20};
    for (std::size_t g = 0; g < rows.size(); ++g) QCOMPARE(md->rowGroups[g].numRows, rows[g]);
    QCOMPARE(md->columns.size(), std::size_t{4});
    const char* names[] = {"id", "url", "title", "text"};
    for (std::size_t c = 0; c < 4; ++c) {
        QCOMPARE(md->columns[c].path, std::string(names[c]));
        QVERIFY(md->columns[c].isString);
        QCOMPARE(md->columns[c].maxDefinitionLevel, 1);
        QCOMPARE(md->columns[c].maxRepetitionLevel, 0);
        QCOMPARE(md->rowGroups[0].columns[c].codec, 6);  // ZSTD
    }
    QVERIFY(md->createdBy.find("parquet-rs") != std::string::npos);

    auto hy = readParquetMetadata(fixture(QStringLiteral("hyparquet-gzip.parquet")).toStdString());
    QVERIFY(hy.ok());
    QCOMPARE(hy->rowGroups.size(), std::size_t{5});
    QCOMPARE(hy->rowGroups[0].numRows, 70);
    QCOMPARE(hy->rowGroups[0].columns[0].codec, 2);  // GZIP
    QCOMPARE(hy->columns.size(), std::size_t{5});
}

void TestParquetReader::maxRowsStopsEarly()
{
    const QJsonArray want = m_expected.value(QStringLiteral("arrow-v2-snappy.parquet"))
                                .toObject()
                                .value(QStringLiteral("columns"))
                                .toObject()
                                .value(QStringLiteral("title"))
                                .toArray();
    for (std::int64_t limit : {0, 1, 119, 120, 121, 500, 9999}) {
        auto got = readStringColumn(fixture(QStringLiteral("arrow-v2-snappy.parquet")).toStdString(), "title", limit);
        QVERIFY(got.ok());
        QCOMPARE(static_cast<std::int64_t>(got->size()), std::min<std::int64_t>(limit, 500));
        QVERIFY(compareColumn(*got, want).isEmpty());
    }
    auto negative = readStringColumn(fixture(QStringLiteral("arrow-v2-snappy.parquet")).toStdString(), "title", -1);
    QVERIFY(!negative.ok());
    QCOMPARE(negative.error().code, ErrorCode::InvalidArgument);
}

void TestParquetReader::rejectsUnsupportedEncoding()
{
    auto got = readStringColumn(fixture(QStringLiteral("unsupported-delta.parquet")).toStdString(), "text");
    QVERIFY(!got.ok());
    QCOMPARE(got.error().code, ErrorCode::Unsupported);
    const std::string& m = got.error().message;
    QVERIFY2(m.find("DELTA_BYTE_ARRAY") != std::string::npos, m.c_str());
    QVERIFY2(m.find("row group 0, column 'text', page 0") != std::string::npos, m.c_str());
    QVERIFY2(m.find("unsupported-delta.parquet") != std::string::npos, m.c_str());
}

void TestParquetReader::missingColumnIsNotFound()
{
    auto got = readStringColumn(fixture(QStringLiteral("arrow-v1-none.parquet")).toStdString(), "body");
    QVERIFY(!got.ok());
    QCOMPARE(got.error().code, ErrorCode::NotFound);
    QVERIFY2(got.error().message.find("id, url, title, text") != std::string::npos, got.error().message.c_str());
    auto missing = readStringColumn(m_dir.filePath(QStringLiteral("nope.parquet")).toStdString(), "text");
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
}

void TestParquetReader::corruptChunkNamesLocation()
{
    const QString name = QStringLiteral("arrow-v1-snappy.parquet");
    const std::vector<std::uint8_t> bytes = fileBytes(fixture(name));
    auto md = readParquetMetadata(fixture(name).toStdString());
    QVERIFY(md.ok());
    auto ranges = columnChunkRanges(*md, "text");
    QVERIFY(ranges.ok());
    const ParquetByteRange r = (*ranges)[1];
    std::vector<std::uint8_t> chunk(bytes.begin() + r.offset, bytes.begin() + r.offset + r.length);

    // A page header whose first field byte reads as "stop": the header has no type.
    std::vector<std::uint8_t> broken = chunk;
    broken[0] = 0;
    auto got = decodeStringChunk(*md, 1, 3, broken);
    QVERIFY(!got.ok());
    QCOMPARE(got.error().code, ErrorCode::Corrupt);
    const std::string expectPrefix = fixture(name).toStdString() + ": row group 1, column 'text', page 0 at offset " +
                                     std::to_string(r.offset) + ": ";
    QVERIFY2(got.error().message.rfind(expectPrefix, 0) == 0, got.error().message.c_str());

    // A chunk cut short: the metadata is told the shorter size, so the pages themselves run out.
    ParquetMetadata shorter = *md;
    shorter.rowGroups[1].columns[3].size = r.length / 2;
    auto cut = decodeStringChunk(shorter, 1, 3, std::span<const std::uint8_t>(chunk).first(r.length / 2));
    QVERIFY(!cut.ok());
    QCOMPARE(cut.error().code, ErrorCode::Corrupt);
    QVERIFY2(cut.error().message.find("row group 1, column 'text', page ") != std::string::npos,
             cut.error().message.c_str());

    // Wrong byte count from the caller is an argument error, not corruption.
    auto wrong = decodeStringChunk(*md, 1, 3, std::span<const std::uint8_t>(chunk).first(10));
    QVERIFY(!wrong.ok());
    QCOMPARE(wrong.error().code, ErrorCode::InvalidArgument);
}

void TestParquetReader::rejectsNonParquet()
{
    const QString small = m_dir.filePath(QStringLiteral("small.parquet"));
    const QString text = m_dir.filePath(QStringLiteral("text.parquet"));
    {
        QFile f(small);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("PAR1PAR1");
        QFile t(text);
        QVERIFY(t.open(QIODevice::WriteOnly));
        t.write(QByteArray(200, 'x'));
    }
    for (const QString& path : {small, text}) {
        auto got = readParquetMetadata(path.toStdString());
        QVERIFY(!got.ok());
        QCOMPARE(got.error().code, ErrorCode::Corrupt);
        QVERIFY2(got.error().message.find(path.toStdString()) != std::string::npos, got.error().message.c_str());
    }
    // A valid trailer but no leading magic.
    std::vector<std::uint8_t> bytes = fileBytes(fixture(QStringLiteral("arrow-v1-plain.parquet")));
    bytes[0] = 'X';
    auto noHead = parseFooter(bytes, bytes.size(), "whole");
    QVERIFY(!noHead.ok());
    QCOMPARE(noHead.error().code, ErrorCode::Corrupt);
}

void TestParquetReader::readsParquetCorpus()
{
    const QString name = QStringLiteral("arrow-v1-gzip.parquet");
    const QJsonObject columns = m_expected.value(name).toObject().value(QStringLiteral("columns")).toObject();
    const QJsonArray ids = columns.value(QStringLiteral("id")).toArray();
    const QJsonArray titles = columns.value(QStringLiteral("title")).toArray();
    const QJsonArray texts = columns.value(QStringLiteral("text")).toArray();
    auto docs = readLocalCorpus(fixture(name).toStdString());
    QVERIFY2(docs.ok(), docs.ok() ? "" : docs.error().message.c_str());
    std::size_t d = 0;
    for (qsizetype row = 0; row < texts.size(); ++row) {
        if (texts.at(row).isNull() || texts.at(row).toString().isEmpty()) continue;
        QVERIFY(d < docs->size());
        const TextDocument& doc = (*docs)[d++];
        QCOMPARE(QString::fromStdString(doc.text), texts.at(row).toString());
        QCOMPARE(QString::fromStdString(doc.id), ids.at(row).toString());
        QCOMPARE(QString::fromStdString(doc.title), titles.at(row).isNull() ? QString() : titles.at(row).toString());
    }
    QCOMPARE(docs->size(), d);
    QVERIFY(d > 400 && d < 500);  // some rows are null or empty

    LocalCorpusOptions options;
    options.maxDocuments = 7;
    auto few = readLocalCorpus(fixture(name).toStdString(), options);
    QVERIFY(few.ok());
    QCOMPARE(few->size(), std::size_t{7});
    QCOMPARE(few->back().text, (*docs)[6].text);
}

QTEST_GUILESS_MAIN(TestParquetReader)
#include "TestParquetReader.moc"
