// White-box checks of the parquet building blocks against hand-encoded bytes (from the parquet and thrift
// specifications) and against the reference compressors.
#include "data/FormatError.h"
#include "data/ParquetCodecs.h"
#include "data/RleHybridDecoder.h"
#include "data/ThriftCompactReader.h"
#include "data/Utf8.h"

#include <QTest>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

using namespace lathe::data;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::vector<std::uint32_t> rle(const Bytes& bytes, int width, std::size_t count)
{
    std::vector<std::uint32_t> out;
    RleHybridDecoder(bytes, width).decode(count, out);
    return out;
}

template <typename F>
bool throwsFormatError(F&& f)
{
    try {
        f();
    } catch (const FormatError&) {
        return true;
    }
    return false;
}

Bytes gzip(const std::string& text)
{
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
    Bytes out(deflateBound(&zs, text.size()) + 32);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

std::string sampleText()
{
    std::string s;
    for (int i = 0; i < 5000; ++i) s += "Mars is the fourth planet " + std::to_string(i * 7919 % 1000) + ". ";
    return s;
}

}  // namespace

class TestParquetPrimitives : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rleHybridSpecExample();
    void rleHybridShortLastRun();
    void rleHybridRejectsOverrun();
    void thriftSkipsUnknownFields();
    void thriftLimitsDepthAndSizes();
    void snappyRoundTrip();
    void gzipMembersAndSizes();
    void zstdRoundTrip();
    void unsupportedCodec();
    void utf8Validation();
};

void TestParquetPrimitives::rleHybridSpecExample()
{
    // Encodings.md: values 0..7 bit-packed with width 3 are 10001000 11000110 11111010; then a run of five 5s.
    const Bytes bytes{0x03, 0x88, 0xc6, 0xfa, 0x0a, 0x05};
    const std::vector<std::uint32_t> want{0, 1, 2, 3, 4, 5, 6, 7, 5, 5, 5, 5, 5};
    QCOMPARE(rle(bytes, 3, want.size()), want);
    // Width 0: every value is 0 and no bytes are read.
    QCOMPARE(rle({}, 0, 4), (std::vector<std::uint32_t>{0, 0, 0, 0}));
    // Width 9 repeated value uses two bytes: 300 repeated 3 times.
    QCOMPARE(rle({0x06, 0x2c, 0x01}, 9, 3), (std::vector<std::uint32_t>{300, 300, 300}));
}

void TestParquetPrimitives::rleHybridShortLastRun()
{
    // Two groups announced (16 values) but only the first group's 3 bytes present: 8 values are readable.
    const Bytes bytes{0x05, 0x88, 0xc6, 0xfa};
    QCOMPARE(rle(bytes, 3, 8), (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
    QVERIFY(throwsFormatError([&] { rle(bytes, 3, 9); }));
}

void TestParquetPrimitives::rleHybridRejectsOverrun()
{
    QVERIFY(throwsFormatError([] { rle({0x0a, 0x05}, 3, 6); }));        // run of 5, asked for 6
    QVERIFY(throwsFormatError([] { rle({0x0a}, 3, 1); }));              // run value missing
    QVERIFY(throwsFormatError([] { rle({0x02, 0x09}, 3, 1); }));        // value 9 needs 4 bits
    QVERIFY(throwsFormatError([] { rle({0xff, 0xff, 0xff}, 1, 1); }));  // unterminated varint
    QVERIFY(throwsFormatError([] { RleHybridDecoder({}, 33); }));
    // A huge repeat count is fine: only the requested values are produced.
    QCOMPARE(rle({0xfe, 0xff, 0xff, 0xff, 0x0f, 0x01}, 1, 3), (std::vector<std::uint32_t>{1, 1, 1}));
}

void TestParquetPrimitives::thriftSkipsUnknownFields()
{
    // struct { 1: i32 = -3 (zigzag 5); 7: list<binary> ["a","b"] (unknown); 20: i64 = 42 (long-form id); stop }
    const Bytes bytes{0x15, 0x05, 0x69, 0x28, 0x01, 'a', 0x01, 'b', 0x06, 0x28, 0x54, 0x00};
    ThriftCompactReader r(bytes);
    r.beginStruct();
    std::int16_t last = 0;
    auto h = r.readFieldHeader(last);
    QCOMPARE(h.id, std::int16_t{1});
    QCOMPARE(r.readInt(h.type, INT32_MIN, INT32_MAX, "f1"), -3);
    h = r.readFieldHeader(last);
    QCOMPARE(h.id, std::int16_t{7});
    r.skip(h.type);
    h = r.readFieldHeader(last);
    QCOMPARE(h.id, std::int16_t{20});
    QCOMPARE(h.type, std::uint8_t{ThriftCompactReader::I64});
    QCOMPARE(r.readInt(h.type, 0, INT64_MAX, "f20"), 42);
    QCOMPARE(r.readFieldHeader(last).type, std::uint8_t{ThriftCompactReader::Stop});
    r.endStruct();
    QCOMPARE(r.position(), bytes.size());
    // Range checks on integer fields.
    const Bytes negative{0x05};  // the reader keeps a view: the bytes must outlive it
    ThriftCompactReader neg(negative);
    QVERIFY(throwsFormatError([&] { neg.readInt(ThriftCompactReader::I32, 0, 10, "size"); }));
}

void TestParquetPrimitives::thriftLimitsDepthAndSizes()
{
    // 100 nested structs (field 1, type struct) exceed the depth limit instead of recursing without bound.
    Bytes deep(100, 0x1c);
    deep.insert(deep.end(), 100, 0x00);
    QVERIFY(throwsFormatError([&] { ThriftCompactReader(deep).skip(ThriftCompactReader::Struct); }));
    // A list claiming 2^32 elements in a few bytes is rejected before any allocation.
    QVERIFY(throwsFormatError([] { ThriftCompactReader(Bytes{0xf8, 0xff, 0xff, 0xff, 0xff, 0x0f}).readListHeader(); }));
    // Binary longer than the buffer.
    QVERIFY(throwsFormatError([] { ThriftCompactReader(Bytes{0x05, 'a', 'b'}).readBinary(); }));
    // Varint of 11 bytes.
    QVERIFY(throwsFormatError([] { ThriftCompactReader(Bytes(11, 0x80)).readVarint(); }));
    // Unknown type nibble.
    QVERIFY(throwsFormatError([] {
        std::int16_t last = 0;
        ThriftCompactReader(Bytes{0x1d}).readFieldHeader(last);
    }));
}

void TestParquetPrimitives::snappyRoundTrip()
{
    const std::string text = sampleText();
    std::string packed(snappy_max_compressed_length(text.size()), '\0');
    size_t packedSize = packed.size();
    QCOMPARE(snappy_compress(text.data(), text.size(), packed.data(), &packedSize), SNAPPY_OK);
    const Bytes in(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packedSize));
    const Bytes out = decompressPage(1, in, text.size());
    QCOMPARE(std::string(out.begin(), out.end()), text);
    QVERIFY(throwsFormatError([&] { decompressPage(1, in, text.size() + 1); }));
    Bytes broken = in;
    broken.resize(broken.size() / 2);
    QVERIFY(throwsFormatError([&] { decompressPage(1, broken, text.size()); }));
    // A snappy header declaring 4 GiB from 6 bytes is refused without allocating it.
    QVERIFY(throwsFormatError([] { decompressPage(1, Bytes{0x80, 0x80, 0x80, 0x80, 0x10, 0x00}, 0x100000000ull); }));
}

void TestParquetPrimitives::gzipMembersAndSizes()
{
    const std::string a = sampleText(), b = "second member";
    Bytes two = gzip(a);
    const Bytes second = gzip(b);
    two.insert(two.end(), second.begin(), second.end());
    const Bytes out = decompressPage(2, two, a.size() + b.size());
    QCOMPARE(std::string(out.begin(), out.end()), a + b);
    QVERIFY(throwsFormatError([&] { decompressPage(2, two, a.size() + b.size() - 1); }));  // longer than declared
    QVERIFY(throwsFormatError([&] { decompressPage(2, two, a.size() + b.size() + 1); }));  // shorter than declared
    Bytes cut = gzip(a);
    cut.resize(cut.size() - 20);
    QVERIFY(throwsFormatError([&] { decompressPage(2, cut, a.size()); }));
    QVERIFY(throwsFormatError([] { decompressPage(2, Bytes{1, 2, 3, 4}, 10); }));
}

void TestParquetPrimitives::zstdRoundTrip()
{
    const std::string text = sampleText();
    Bytes packed(ZSTD_compressBound(text.size()));
    const std::size_t n = ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3);
    QVERIFY(!ZSTD_isError(n));
    packed.resize(n);
    const Bytes out = decompressPage(6, packed, text.size());
    QCOMPARE(std::string(out.begin(), out.end()), text);
    QVERIFY(throwsFormatError([&] { decompressPage(6, packed, text.size() - 1); }));
    QVERIFY(throwsFormatError([&] { decompressPage(6, packed, text.size() + 1); }));
    Bytes cut = packed;
    cut.resize(cut.size() - 5);
    QVERIFY(throwsFormatError([&] { decompressPage(6, cut, text.size()); }));
}

void TestParquetPrimitives::unsupportedCodec()
{
    try {
        decompressPage(7, Bytes{1, 2}, 2);
        QFAIL("LZ4_RAW accepted");
    } catch (const FormatError& e) {
        QVERIFY(e.unsupported());
        QVERIFY(std::string(e.what()).find("LZ4_RAW") != std::string::npos);
    }
    // Uncompressed pages must hold exactly the declared size.
    QVERIFY(throwsFormatError([] { decompressPage(0, Bytes{1, 2, 3}, 4); }));
}

void TestParquetPrimitives::utf8Validation()
{
    QVERIFY(!firstInvalidUtf8("plain ascii"));
    QVERIFY(!firstInvalidUtf8("\xe7\x81\xab\xe6\x98\x9f \xf0\x9f\x9a\x80 \xc3\xa9"));  // 火星 🚀 é
    QCOMPARE(firstInvalidUtf8("ab\xc0\xaf"), std::optional<std::size_t>(2));           // overlong '/'
    QCOMPARE(firstInvalidUtf8("a\xed\xa0\x80"), std::optional<std::size_t>(1));        // surrogate
    QCOMPARE(firstInvalidUtf8("\xf4\x90\x80\x80"), std::optional<std::size_t>(0));     // above U+10FFFF
    QCOMPARE(firstInvalidUtf8("abc\xe6\x98"), std::optional<std::size_t>(3));          // cut sequence
}

QTEST_GUILESS_MAIN(TestParquetPrimitives)
#include "TestParquetPrimitives.moc"
