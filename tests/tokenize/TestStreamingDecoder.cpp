// StreamingDecoder: token-by-token output must add up to decode(all ids), in whole UTF-8 characters.
#include "TestSupport.h"

#include "lathe/tokenize/StreamingDecoder.h"
#include "lathe/tokenize/Tokenizer.h"

#include <QStringDecoder>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

namespace {

const QString kMistral = QStringLiteral("tokenizers/mistral-7b-v0.1/tokenizer.model");
const QString kMistralJson = QStringLiteral("tokenizers/mistral-7b-v0.1/tokenizer.json");
const QString kTok512 = QStringLiteral("models/stories260K/tok512.model");

bool isValidUtf8(const std::string& text)
{
    QStringDecoder decoder(QStringDecoder::Utf8);
    (void)decoder.decode(QByteArrayView(text.data(), static_cast<qsizetype>(text.size())));
    return !decoder.hasError();
}

QList<QByteArray> lines(const QString& file)
{
    QList<QByteArray> out = readAll(file).split('\n');
    if (!out.isEmpty() && out.last().isEmpty()) out.removeLast();
    return out;
}

// Byte-fallback pieces are <0x00>..<0xFF>, ids 3..258 in both models used here.
bool hasBytePieces(const std::vector<int32_t>& ids)
{
    for (int32_t id : ids)
        if (id >= 3 && id <= 258) return true;
    return false;
}

struct Streamed {
    std::string text;
    int chunks = 0;
    int heldBack = 0;  // pushes that returned nothing
    bool allValid = true;
};

Streamed stream(const tokenize::Tokenizer& tok, const std::vector<int32_t>& ids)
{
    tokenize::StreamingDecoder decoder(tok);
    Streamed out;
    for (int32_t id : ids) {
        auto piece = decoder.push(id);
        if (!piece) return {};
        if (piece->empty()) ++out.heldBack;
        out.allValid = out.allValid && isValidUtf8(*piece);
        out.text += *piece;
        ++out.chunks;
    }
    out.text += decoder.finish();
    return out;
}

}  // namespace

class TestStreamingDecoder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void multilingualLines_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("language");
        for (const char* lang : {"en", "de", "fr", "es", "it", "ja", "ko", "zh"}) {
            QTest::newRow(qPrintable(QStringLiteral("mistral/%1").arg(lang))) << kMistral << lang;
            QTest::newRow(qPrintable(QStringLiteral("mistral-json/%1").arg(lang))) << kMistralJson << lang;
            QTest::newRow(qPrintable(QStringLiteral("tok512/%1").arg(lang))) << kTok512 << lang;
        }
    }

    void multilingualLines()
    {
        QFETCH(QString, model);
        QFETCH(QString, language);
        auto tok = tokenize::Tokenizer::load(sharedData(model).toStdString());
        QVERIFY(tok.ok());
        auto text = lines(sharedData("text/multilingual/pud/" + language + ".txt"));
        QCOMPARE(text.size(), 1000);
        // tok512 spells most non-English text byte by byte, so a quarter of it is plenty (and 4x faster).
        if (model == kTok512) text = text.mid(0, 250);
        int linesWithBytes = 0;
        for (const QByteArray& line : text) {
            const auto ids = *(*tok)->encode(std::string_view(line.constData(), size_t(line.size())));
            const std::string expected = *(*tok)->decode(ids);
            const Streamed got = stream(**tok, ids);
            QCOMPARE(got.text, expected);
            QVERIFY2(got.allValid, line.constData());
            if (hasBytePieces(ids)) ++linesWithBytes;
        }
        // CJK lines must actually exercise byte fallback, or the test proves little.
        if (language == "ja" || language == "zh" || language == "ko") QVERIFY(linesWithBytes > text.size() / 10);
    }

    void byteFallbackCharacterWaitsForItsLastByte()
    {
        auto tok = tokenize::Tokenizer::load(sharedData(kMistral).toStdString());
        QVERIFY(tok.ok());
        // spm_encode: "𝄞 clef" -> ▁ <0xF0> <0x9D> <0x84> <0x9E> ▁cle f
        const std::vector<int32_t> ids = {1, 28705, 243, 160, 135, 161, 1544, 28722};
        QCOMPARE(*(*tok)->encode("𝄞 clef"), ids);
        tokenize::StreamingDecoder decoder(**tok);
        QStringList chunks;
        for (int32_t id : ids) chunks << QString::fromStdString(*decoder.push(id));
        chunks << QString::fromStdString(decoder.finish());
        // BOS and the leading "▁" of the first piece produce no text; the clef appears whole.
        QCOMPARE(chunks, (QStringList{"", "", "", "", "", "𝄞", " cle", "f", ""}));
    }

    void incompleteTailComesOutOnFinish()
    {
        auto tok = tokenize::Tokenizer::load(sharedData(kMistral).toStdString());
        QVERIFY(tok.ok());
        tokenize::StreamingDecoder decoder(**tok);
        QCOMPARE(*decoder.push(std::vector<int32_t>{1, 22557}), std::string("Hello"));
        QCOMPARE(*decoder.push(243), std::string());  // <0xF0> starts a 4-byte character
        QCOMPARE(*decoder.push(160), std::string());
        const std::string expected = *(*tok)->decode({1, 22557, 243, 160});
        QCOMPARE(expected, std::string("Hello\xEF\xBF\xBD\xEF\xBF\xBD"));  // one U+FFFD per stray byte
        QCOMPARE(decoder.finish(), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));
        QCOMPARE(decoder.finish(), std::string());
    }

    void strayByteBeforeTextIsKept()
    {
        auto tok = tokenize::Tokenizer::load(sharedData(kMistral).toStdString());
        QVERIFY(tok.ok());
        const std::vector<int32_t> ids = {1, 22557, 243, 1526};  // "Hello", <0xF0>, "▁world"
        const Streamed got = stream(**tok, ids);
        QCOMPARE(got.text, *(*tok)->decode(ids));
        QCOMPARE(got.text, std::string("Hello\xEF\xBF\xBD world"));
    }

    void invalidIdLeavesDecoderUnchanged()
    {
        auto tok = tokenize::Tokenizer::load(sharedData(kTok512).toStdString());
        QVERIFY(tok.ok());
        tokenize::StreamingDecoder decoder(**tok);
        QCOMPARE(*decoder.push(std::vector<int32_t>{1, 403}), std::string("Once"));
        auto bad = decoder.push(512);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(decoder.ids(), (std::vector<int32_t>{1, 403}));
        QCOMPARE(*decoder.push(407), std::string(" upon"));
        decoder.reset();
        QVERIFY(decoder.ids().empty());
        QCOMPARE(*decoder.push(407), std::string("upon"));  // a new stream drops the leading space again
    }
};

QTEST_GUILESS_MAIN(TestStreamingDecoder)
#include "TestStreamingDecoder.moc"
