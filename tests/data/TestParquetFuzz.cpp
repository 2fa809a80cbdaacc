// Mutates valid parquet files (seeded) and checks the reader either decodes them or reports Corrupt /
// Unsupported: no crash, no hang, no other error kind.
#include "ParquetFixtures.h"
#include "TestSupport.h"

#include "lathe/data/Parquet.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <random>

using namespace lathe;
using namespace lathe::data;

namespace {

struct Outcome {
    int decoded = 0;
    int corrupt = 0;
    int unsupported = 0;
    std::string unexpected;  // first error of another kind
};

void note(Outcome& o, const Error& e)
{
    if (e.code == ErrorCode::Corrupt)
        ++o.corrupt;
    else if (e.code == ErrorCode::Unsupported)
        ++o.unsupported;
    else if (o.unexpected.empty())
        o.unexpected = std::string(errorCodeName(e.code)) + ": " + e.message;
}

// Parses the footer of `file` and decodes every string column of every row group.
void readEverything(std::span<const std::uint8_t> file, Outcome& o)
{
    auto footer = parseFooter(file, file.size(), "fuzz");
    if (!footer) return note(o, footer.error());
    if (!footer->metadata) {
        // A length field that grew past the file: the caller would fetch more, which it cannot.
        ++o.corrupt;
        return;
    }
    const ParquetMetadata& md = *footer->metadata;
    for (const ParquetColumn& column : md.columns) {
        auto ranges = columnChunkRanges(md, column.path);
        if (!ranges) {
            note(o, ranges.error());
            continue;
        }
        for (const ParquetByteRange& r : *ranges) {
            auto values =
                decodeStringChunk(md, r.rowGroup, *md.findColumn(column.path),
                                  file.subspan(static_cast<std::size_t>(r.offset), static_cast<std::size_t>(r.length)));
            if (values)
                ++o.decoded;
            else
                note(o, values.error());
        }
    }
}

void putU32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v)
{
    for (int i = 0; i < 4 && at + i < b.size(); ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

class TestParquetFuzz : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void mutatedFilesNeverCrash_data();
    void mutatedFilesNeverCrash();
    void truncatedChunksNeverCrash();

private:
    QTemporaryDir m_dir;
};

void TestParquetFuzz::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString error = test::generateParquetFixtures(m_dir.path());
    if (!error.isEmpty()) QFAIL(qPrintable(error));
}

void TestParquetFuzz::mutatedFilesNeverCrash_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("seed");
    int seed = 1;
    for (const char* f : {"arrow-v1-snappy.parquet", "arrow-v2-zstd.parquet", "arrow-v1-gzip.parquet",
                          "arrow-v1-plain.parquet", "hyparquet-snappy.parquet", "hyparquet-uncompressed.parquet"})
        QTest::newRow(f) << QString::fromLatin1(f) << seed++;
}

void TestParquetFuzz::mutatedFilesNeverCrash()
{
    QFETCH(QString, file);
    QFETCH(int, seed);
    const QByteArray raw = test::readAll(m_dir.filePath(file));
    QVERIFY(raw.size() > 1000);
    const std::vector<std::uint8_t> original(raw.begin(), raw.end());
    const std::size_t footerLen = original[original.size() - 8] | original[original.size() - 7] << 8 |
                                  original[original.size() - 6] << 16 | original[original.size() - 5] << 24;
    const std::size_t footerStart = original.size() - 8 - footerLen;

    // The untouched file decodes fully.
    Outcome clean;
    readEverything(original, clean);
    QVERIFY2(clean.corrupt == 0 && clean.unsupported == 0 && clean.unexpected.empty(), clean.unexpected.c_str());

    std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
    auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng); };
    const std::uint32_t lengths[] = {0, 1, 3, 0x7f, 0xff, 0xffff, 0x7fffffff, 0x80000000u, 0xffffffffu};
    constexpr int kCases = 1500;
    Outcome o;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kCases; ++i) {
        std::vector<std::uint8_t> b = original;
        // Half the mutations land in the footer, where one byte reshapes the whole file's layout.
        const bool inFooter = pick(0, 1) == 0;
        auto position = [&] { return inFooter ? pick(footerStart, b.size() - 9) : pick(4, footerStart - 1); };
        switch (i % 5) {
            case 0:  // bit flips
                for (std::size_t k = 0, n = pick(1, 8); k < n; ++k)
                    b[position()] ^= static_cast<std::uint8_t>(1u << pick(0, 7));
                break;
            case 1:  // random bytes
                for (std::size_t k = 0, n = pick(1, 4); k < n; ++k)
                    b[position()] = static_cast<std::uint8_t>(pick(0, 255));
                break;
            case 2:  // little-endian length fields (PLAIN values, definition-level lengths)
                putU32(b, position(), lengths[pick(0, std::size(lengths) - 1)]);
                break;
            case 3: {  // thrift varints overwritten with huge or negative values
                const std::size_t at = position();
                const std::uint8_t varint[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
                for (std::size_t k = 0, n = pick(1, 5); k < n && at + k < b.size() - 8; ++k) b[at + k] = varint[k];
                break;
            }
            case 4: {  // truncation: drop a slice of the middle, keeping the trailer
                const std::size_t at = position();
                const std::size_t n = std::min(pick(1, 64), b.size() - 8 - at);
                b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
                break;
            }
        }
        readEverything(b, o);
        QVERIFY2(o.unexpected.empty(),
                 qPrintable(QStringLiteral("case %1: %2").arg(i).arg(QString::fromStdString(o.unexpected))));
    }
    qInfo("%s: %d cases in %lld ms: %d chunks decoded, %d corrupt, %d unsupported", qPrintable(file), kCases,
          static_cast<long long>(timer.elapsed()), o.decoded, o.corrupt, o.unsupported);
    QVERIFY(o.corrupt > kCases / 4);  // the mutations must really reach the decoder
}

// Every prefix length of a chunk (the range fetch stopped early) is reported, never read past.
void TestParquetFuzz::truncatedChunksNeverCrash()
{
    const QByteArray raw = test::readAll(m_dir.filePath(QStringLiteral("arrow-v2-gzip.parquet")));
    const std::vector<std::uint8_t> file(raw.begin(), raw.end());
    auto footer = parseFooter(file, file.size(), "fuzz");
    QVERIFY(footer.ok() && footer->metadata);
    ParquetMetadata md = *footer->metadata;
    const std::size_t text = *md.findColumn("text");
    const ParquetChunkLocation loc = md.rowGroups[0].columns[text];
    int corrupt = 0;
    for (std::int64_t size = 0; size < loc.size; size += 7) {
        md.rowGroups[0].columns[text].size = size;
        auto got = decodeStringChunk(md, 0, text, std::span<const std::uint8_t>(file).subspan(loc.offset, size));
        QVERIFY(!got.ok());
        QVERIFY2(got.error().code == ErrorCode::Corrupt, got.error().message.c_str());
        ++corrupt;
    }
    QVERIFY(corrupt > 100);
}

QTEST_GUILESS_MAIN(TestParquetFuzz)
#include "TestParquetFuzz.moc"
