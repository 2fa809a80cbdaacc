// GGUF's block types, writer and the sentencepiece reader the GGUF export uses, checked against values worked out
// by hand from the formats' definitions and against the real stories260K files.
#include "TestSupport.h"
#include "model/GgufBlocks.h"
#include "model/GgufFile.h"
#include "model/GgufWriter.h"
#include "model/SpmModelReader.h"
#include "quant/IntegerGrid.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace lathe;
using namespace lathe::model;
using namespace lathe::test;

namespace {

uint16_t halfBits(const std::string& bytes, size_t at)
{
    uint16_t v = 0;
    std::memcpy(&v, bytes.data() + at, 2);
    return v;
}

// Codes over the whole grid of `bits` and float16-exact scales, seeded.
std::pair<at::Tensor, at::Tensor> gridWeights(int bits, int64_t rows, int64_t cols)
{
    at::manual_seed(7);
    const int64_t lo = quant::gridMin(bits), hi = quant::gridMax(bits);
    at::Tensor codes = at::randint(lo, hi + 1, {rows, cols}, at::kLong).to(at::kChar);
    at::Tensor scales = quant::roundScalesToHalf(at::rand({rows, cols / 32}, at::kFloat) * 0.02 + 1e-4);
    return {codes, scales};
}

}  // namespace

class TestGgufBlocks : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void q4BlockLayout()
    {
        // Codes 0..15 - 8 in the first half, 15..0 - 8 in the second; scale 0.5 (float16 0x3800).
        at::Tensor codes = at::empty({1, 32}, at::kChar);
        for (int j = 0; j < 16; ++j) {
            codes[0][j] = j - 8;
            codes[0][j + 16] = 7 - j;
        }
        const std::string bytes = encodeGrid(codes, at::full({1, 1}, 0.5f), GgmlType::Q4_0);
        QCOMPARE(bytes.size(), size_t(18));
        QCOMPARE(halfBits(bytes, 0), uint16_t(0x3800));
        for (int j = 0; j < 16; ++j) QCOMPARE(uint8_t(bytes[2 + j]), uint8_t(j | ((15 - j) << 4)));
    }
    void q8BlockLayout()
    {
        at::Tensor codes = at::arange(-128, 128, 8, at::kLong).to(at::kChar).view({1, 32});
        const std::string bytes = encodeGrid(codes, at::full({1, 1}, 2.0f), GgmlType::Q8_0);
        QCOMPARE(bytes.size(), size_t(34));
        QCOMPARE(halfBits(bytes, 0), uint16_t(0x4000));
        for (int j = 0; j < 32; ++j) QCOMPARE(int8_t(bytes[2 + j]), int8_t(-128 + 8 * j));
    }
    void gridRoundTripsBitForBit_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("type");
        QTest::newRow("2-bit as Q4_0") << 2 << int(GgmlType::Q4_0);
        QTest::newRow("4-bit as Q4_0") << 4 << int(GgmlType::Q4_0);
        QTest::newRow("6-bit as Q8_0") << 6 << int(GgmlType::Q8_0);
        QTest::newRow("8-bit as Q8_0") << 8 << int(GgmlType::Q8_0);
    }
    void gridRoundTripsBitForBit()
    {
        QFETCH(int, bits);
        QFETCH(int, type);
        const auto [codes, scales] = gridWeights(bits, 48, 96);
        const std::string bytes = encodeGrid(codes, scales, GgmlType(type));
        QCOMPARE(uint64_t(bytes.size()), *ggmlBytes(GgmlType(type), 48, 96));
        const at::Tensor back = decodeRows(reinterpret_cast<const uint8_t*>(bytes.data()), GgmlType(type), 48, 96);
        QVERIFY(back.equal(quant::dequantizeCodes(codes, scales, 32)));
    }
    void gridRefusesWhatItCannotHold()
    {
        const auto [codes, scales] = gridWeights(8, 2, 32);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodeGrid(codes, scales, GgmlType::Q4_0));
        const auto [codes4, scales4] = gridWeights(4, 2, 32);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodeGrid(codes4, scales4 + 1e-6f, GgmlType::Q4_0));
        QVERIFY(!ggmlBytes(GgmlType::Q8_0, 1, 172));
        QCOMPARE(*ggmlBytes(GgmlType::F16, 64, 172), uint64_t(64 * 172 * 2));
    }
    void roundedQ4MatchesLlamaReference()
    {
        // quantize_row_q4_0_ref: the largest-magnitude value (+2) maps to code -8, so d = 2 / -8 = -0.25 and
        // q = min(15, (int8)(x / d + 8.5)).
        at::Tensor x = at::zeros({1, 32}, at::kFloat);
        x[0][0] = 2.0f;     // q = (int8)(-8 + 8.5) = 0
        x[0][1] = -1.0f;    // -1 / -0.25 = 4 → 12
        x[0][2] = 0.3f;     // -1.2 + 8.5 = 7.3 → 7
        x[0][17] = -1.87f;  // 7.48 + 8.5 = 15.98 → 15
        const std::string bytes = encodeRounded(x, GgmlType::Q4_0);
        QCOMPARE(halfBits(bytes, 0), uint16_t(0xB400));  // -0.25
        QCOMPARE(uint8_t(bytes[2]), uint8_t(0 | (8 << 4)));
        QCOMPARE(uint8_t(bytes[3]), uint8_t(12 | (15 << 4)));
        QCOMPARE(uint8_t(bytes[4]), uint8_t(7 | (8 << 4)));
        const at::Tensor back = decodeRows(reinterpret_cast<const uint8_t*>(bytes.data()), GgmlType::Q4_0, 1, 32);
        QCOMPARE(back[0][0].item<float>(), 2.0f);
        QCOMPARE(back[0][17].item<float>(), -1.75f);
    }
    void roundedQ8MatchesLlamaReference()
    {
        // quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d); amax 127 gives d = 1.
        at::Tensor x = at::zeros({1, 32}, at::kFloat);
        x[0][0] = -127.0f;
        x[0][1] = 2.5f;   // roundf → 3 (half away from zero)
        x[0][2] = -3.5f;  // → -4
        const std::string bytes = encodeRounded(x, GgmlType::Q8_0);
        QCOMPARE(halfBits(bytes, 0), uint16_t(0x3C00));
        QCOMPARE(int8_t(bytes[2]), int8_t(-127));
        QCOMPARE(int8_t(bytes[3]), int8_t(3));
        QCOMPARE(int8_t(bytes[4]), int8_t(-4));
    }
    void halfScales()
    {
        const at::Tensor s = quant::roundScalesToHalf(at::tensor({1e-9f, 1e6f, 0.1f, 0.5f}, at::kFloat));
        QCOMPARE(s[0].item<float>(), 5.9604644775390625e-08f);
        QCOMPARE(s[1].item<float>(), 65504.0f);
        QCOMPARE(s[2].item<float>(), 0.0999755859375f);
        QCOMPARE(s[3].item<float>(), 0.5f);
        QVERIFY(scalesAreHalf(s));
        QVERIFY(!scalesAreHalf(at::tensor({0.1f}, at::kFloat)));
    }
    void writerRoundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("t.gguf").toStdString();
        const auto [codes, scales] = gridWeights(4, 3, 64);
        const std::string q4 = encodeGrid(codes, scales, GgmlType::Q4_0);
        const at::Tensor f = at::arange(0, 5, at::kFloat) / 3;
        {
            GgufWriter w;
            w.setString("general.architecture", "llama");
            w.setUInt32("llama.block_count", 7);
            w.setFloat32("llama.rope.freq_base", 10000.0f);
            w.setBool("tokenizer.ggml.add_bos_token", true);
            w.setStrings("tokenizer.ggml.tokens", {"a", "b c"});
            w.setInt32s("tokenizer.ggml.token_type", {1, -3});
            QVERIFY(w.addTensor("w", 3, 64, GgmlType::Q4_0).ok());
            QVERIFY(w.addTensor("v", 0, 5, GgmlType::F32).ok());
            QVERIFY(!w.addTensor("v", 0, 5, GgmlType::F32).ok());
            QVERIFY(!w.addTensor("x", 2, 33, GgmlType::Q8_0).ok());
            QVERIFY(w.begin(path).ok());
            QVERIFY(!w.writeTensor(std::string(5, '\0')).ok());  // wrong size
            QVERIFY(w.writeTensor(q4).ok());
            QVERIFY(!w.commit().ok());  // "v" not written yet
            QVERIFY(w.writeTensor(std::string(reinterpret_cast<const char*>(f.data_ptr()), 20)).ok());
            QVERIFY(w.commit().ok());
            QCOMPARE(uint64_t(QFileInfo(dir.filePath("t.gguf")).size()), w.fileBytes());
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);  // no temporary left
        auto g = GgufFile::open(path);
        QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
        const GgufFile& file = **g;
        QCOMPARE(file.version(), uint32_t(3));
        QCOMPARE(QString::fromStdString(file.find("general.architecture")->text), QString("llama"));
        QCOMPARE(file.find("llama.block_count")->integer, int64_t(7));
        QCOMPARE(file.find("llama.rope.freq_base")->real, 10000.0);
        QCOMPARE(file.find("tokenizer.ggml.add_bos_token")->integer, int64_t(1));
        QCOMPARE(QString::fromStdString(file.find("tokenizer.ggml.tokens")->elements[1].text), QString("b c"));
        QCOMPARE(file.find("tokenizer.ggml.token_type")->elements[1].integer, int64_t(-3));
        const GgufTensor* w = file.findTensor("w");
        QVERIFY(w && w->ggmlType == 2 && w->dims == std::vector<int64_t>({64, 3}));
        QCOMPARE(std::string(reinterpret_cast<const char*>(file.data(*w)), w->bytes), q4);
        const GgufTensor* v = file.findTensor("v");
        QVERIFY(v && v->offset % 32 == 0);
        QVERIFY(decodeRows(file.data(*v), GgmlType::F32, 1, 5).view({5}).equal(f));
    }
    void abandonedWriterLeavesNothing()
    {
        QTemporaryDir dir;
        {
            GgufWriter w;
            QVERIFY(w.addTensor("v", 0, 4, GgmlType::F32).ok());
            QVERIFY(w.begin(dir.filePath("a.gguf").toStdString()).ok());
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
    }
    void sentencepieceReaderAgreesWithTheGguf()
    {
        // tok512.model and the vocabulary stories260K.gguf carries are the same tokenizer, written by different
        // tools (sentencepiece's trainer; llama.cpp's converter).
        const QByteArray bytes = readAll(sharedData("models/stories260K/tok512.model"));
        auto v = readSentencepieceModel(bytes.toStdString(), "tok512.model");
        QVERIFY2(v.ok(), v.ok() ? "" : v.error().message.c_str());
        auto g = GgufFile::open(sharedData("models/stories260K/stories260K.gguf").toStdString());
        QVERIFY(g.ok());
        const auto& tokens = (*g)->find("tokenizer.ggml.tokens")->elements;
        const auto& scores = (*g)->find("tokenizer.ggml.scores")->elements;
        const auto& types = (*g)->find("tokenizer.ggml.token_type")->elements;
        QCOMPARE(v->tokens.size(), size_t(512));
        QCOMPARE(tokens.size(), size_t(512));
        for (size_t i = 0; i < 512; ++i) {
            QCOMPARE(QString::fromStdString(v->tokens[i]), QString::fromStdString(tokens[i].text));
            QCOMPARE(v->scores[i], float(scores[i].real));
            QCOMPARE(int64_t(v->types[i]), types[i].integer);
        }
        QCOMPARE(v->unkId, 0);
        QCOMPARE(v->bosId, 1);
        QCOMPARE(v->eosId, 2);
        QVERIFY(!readSentencepieceModel("not a model", "x").ok());
    }
};

QTEST_GUILESS_MAIN(TestGgufBlocks)
#include "TestGgufBlocks.moc"
