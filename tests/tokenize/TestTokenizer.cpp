// Tokenizer::load: engine choice, BOS/EOS rules from tokenizer_config.json, and error cases.
#include "TestSupport.h"

#include "lathe/tokenize/Tokenizer.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace lathe;
using namespace lathe::test;

namespace {

const QString kTok512 = QStringLiteral("models/stories260K/tok512.model");
// spm_encode --model=tok512.model --output_format=id <<< "Once upon a time"
const std::vector<int32_t> kOnce = {403, 407, 261, 378};

std::vector<int32_t> concat(std::vector<int32_t> head, const std::vector<int32_t>& body, std::vector<int32_t> tail = {})
{
    head.insert(head.end(), body.begin(), body.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// A model directory holding a copy of tok512.model and, when given, a tokenizer_config.json.
QString makeModelDir(const QTemporaryDir& tmp, const QString& name, const QByteArray& config)
{
    const QString dir = tmp.filePath(name);
    QDir().mkpath(dir);
    QFile::copy(sharedData(kTok512), dir + "/tokenizer.model");
    if (!config.isNull()) writeFile(dir + "/tokenizer_config.json", config);
    return dir;
}

std::unique_ptr<tokenize::Tokenizer> mustLoad(const QString& path)
{
    auto loaded = tokenize::Tokenizer::load(path.toStdString());
    if (!loaded) qWarning("load failed: %s", loaded.error().message.c_str());
    return loaded ? std::move(*loaded) : nullptr;
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bareModelFileAddsBosOnly()
    {
        auto tok = mustLoad(sharedData(kTok512));
        QVERIFY(tok);
        QCOMPARE(tok->engineName(), std::string("sentencepiece"));
        QCOMPARE(tok->vocabSize(), 512);
        QCOMPARE(tok->bosId(), std::optional<int32_t>(1));
        QCOMPARE(tok->eosId(), std::optional<int32_t>(2));
        QCOMPARE(*tok->encode("Once upon a time"), concat({1}, kOnce));
        QCOMPARE(*tok->encode("Once upon a time", false), kOnce);
        QCOMPARE(*tok->encode(""), std::vector<int32_t>{1});
        QCOMPARE(*tok->encode("", false), std::vector<int32_t>{});
    }

    void configRules_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<std::vector<int32_t>>("expected");
        QTest::addColumn<int>("bos");  // -1: none
        QTest::addColumn<int>("eos");

        QTest::newRow("no config") << QByteArray() << concat({1}, kOnce) << 1 << 2;
        QTest::newRow("empty object") << QByteArray("{}") << concat({1}, kOnce) << 1 << 2;
        QTest::newRow("no bos") << QByteArray(R"({"add_bos_token": false})") << kOnce << 1 << 2;
        QTest::newRow("bos and eos") << QByteArray(R"({"add_eos_token": true})") << concat({1}, kOnce, {2}) << 1 << 2;
        QTest::newRow("eos only") << QByteArray(R"({"add_bos_token": false, "add_eos_token": true})")
                                  << concat({}, kOnce, {2}) << 1 << 2;
        QTest::newRow("swapped strings")
            << QByteArray(R"({"add_eos_token": true, "bos_token": "</s>", "eos_token": {"__type": "AddedToken", "content": "<s>"}})")
            << concat({2}, kOnce, {1}) << 2 << 1;
        QTest::newRow("null bos") << QByteArray(R"({"bos_token": null, "add_eos_token": true})")
                                  << concat({}, kOnce, {2}) << -1 << 2;
        QTest::newRow("added token alias")
            << QByteArray(R"({"bos_token": "<|start|>", "added_tokens_decoder": {"1": {"content": "<|start|>", "special": true}}})")
            << concat({1}, kOnce) << 1 << 2;
        QTest::newRow("ordinary piece as eos") << QByteArray(R"({"add_eos_token": true, "eos_token": "▁time"})")
                                               << concat({1}, kOnce, {378}) << 1 << 378;
        QTest::newRow("null flags keep defaults") << QByteArray(R"({"add_bos_token": null, "add_eos_token": null})")
                                                  << concat({1}, kOnce) << 1 << 2;
    }

    void configRules()
    {
        QFETCH(QByteArray, config);
        QFETCH(std::vector<int32_t>, expected);
        QFETCH(int, bos);
        QFETCH(int, eos);
        QTemporaryDir tmp;
        const QString dir = makeModelDir(tmp, "model", config);
        // Same rules whether the directory or the tokenizer.model inside it is given.
        for (const QString& path : {dir, dir + "/tokenizer.model"}) {
            auto tok = mustLoad(path);
            QVERIFY(tok);
            QCOMPARE(*tok->encode("Once upon a time"), expected);
            QCOMPARE(*tok->encode("Once upon a time", false), kOnce);
            QCOMPARE(tok->bosId(), bos < 0 ? std::nullopt : std::optional<int32_t>(bos));
            QCOMPARE(tok->eosId(), eos < 0 ? std::nullopt : std::optional<int32_t>(eos));
            // decode drops whatever the config calls BOS/EOS.
            QCOMPARE(*tok->decode(expected), std::string(eos == 378 ? "Once upon a" : "Once upon a time"));
        }
    }

    void mistralDirectoryPrefersTokenizerJson()
    {
        // The folder holds tokenizer.model, tokenizer.json and tokenizer_config.json; tokenizer.json wins,
        // as it does for AutoTokenizer, and gives the same ids as the sentencepiece model.
        auto tok = mustLoad(sharedData("tokenizers/mistral-7b-v0.1"));
        QVERIFY(tok);
        QCOMPARE(tok->engineName(), std::string("tokenizer.json"));
        QCOMPARE(tok->vocabSize(), 32000);
        // spm_encode: "Hello world" -> 22557 1526
        QCOMPARE(*tok->encode("Hello world"), (std::vector<int32_t>{1, 22557, 1526}));
        QCOMPARE(*tok->decode({1, 22557, 1526, 2}), std::string("Hello world"));
        auto spm = mustLoad(sharedData("tokenizers/mistral-7b-v0.1/tokenizer.model"));
        QVERIFY(spm);
        QCOMPARE(spm->engineName(), std::string("sentencepiece"));
        QCOMPARE(*spm->encode("Hello world"), (std::vector<int32_t>{1, 22557, 1526}));
    }

    void decodeRejectsOutOfRangeIds()
    {
        auto tok = mustLoad(sharedData(kTok512));
        QVERIFY(tok);
        for (int32_t bad : {512, -1, 1 << 30}) {
            auto text = tok->decode({403, bad});
            QVERIFY(!text.ok());
            QCOMPARE(text.error().code, ErrorCode::InvalidArgument);
            QVERIFY2(text.error().message.find(std::to_string(bad)) != std::string::npos, text.error().message.c_str());
            QVERIFY(text.error().message.find("position 1") != std::string::npos);
        }
        QCOMPARE(*tok->decode({}), std::string());
        QCOMPARE(*tok->decode({511}), *tok->decode({511}));  // last id is valid
    }

    void errors_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("mentions");

        QTest::newRow("missing file") << "missing" << int(ErrorCode::NotFound) << "nope.model";
        QTest::newRow("empty dir") << "emptydir" << int(ErrorCode::NotFound) << "tokenizer.json or tokenizer.model";
        QTest::newRow("json only, broken") << "jsononly" << int(ErrorCode::Corrupt) << "tokenizer.json";
        QTest::newRow("json file, unsupported") << "jsonfile" << int(ErrorCode::Unsupported) << "WordPiece";
        QTest::newRow("text garbage") << "garbage" << int(ErrorCode::Corrupt) << "garbage.model";
        QTest::newRow("empty file") << "emptyfile" << int(ErrorCode::Corrupt) << "empty.model";
        QTest::newRow("llama2.c tokenizer") << "tok512bin" << int(ErrorCode::Corrupt) << "tok512.bin";
        QTest::newRow("truncated model") << "truncated" << int(ErrorCode::Corrupt) << "truncated.model";
        QTest::newRow("bad json") << "badjson" << int(ErrorCode::Corrupt) << "tokenizer_config.json";
        QTest::newRow("bad flag type") << "badflag" << int(ErrorCode::Corrupt) << "add_bos_token";
        QTest::newRow("unknown bos") << "unknownbos" << int(ErrorCode::Corrupt) << "<nope>";
        QTest::newRow("added token outside vocab") << "addedoutside" << int(ErrorCode::Unsupported) << "<pad_bos>";
    }

    void errors()
    {
        QFETCH(QString, kind);
        QFETCH(int, code);
        QFETCH(QString, mentions);
        QTemporaryDir tmp;
        QString path;
        if (kind == "missing") {
            path = tmp.filePath("nope.model");
        } else if (kind == "emptydir") {
            path = tmp.path();
        } else if (kind == "jsononly" || kind == "jsonfile") {
            QVERIFY(writeFile(tmp.filePath("tokenizer.json"), kind == "jsononly" ? QByteArray(R"({"model": )")
                                                                               : QByteArray(R"({"model": {"type": "WordPiece"}})")));
            path = kind == "jsononly" ? tmp.path() : tmp.filePath("tokenizer.json");
        } else if (kind == "garbage") {
            path = tmp.filePath("garbage.model");
            QVERIFY(writeFile(path, "this is not a sentencepiece model, just some text\n"));
        } else if (kind == "emptyfile") {
            path = tmp.filePath("empty.model");
            QVERIFY(writeFile(path, ""));
        } else if (kind == "tok512bin") {
            path = sharedData("models/stories260K/tok512.bin");
        } else if (kind == "truncated") {
            path = tmp.filePath("truncated.model");
            QVERIFY(writeFile(path, readAll(sharedData(kTok512)).left(3000)));
        } else {
            const QByteArray config = kind == "badjson"    ? QByteArray(R"({"add_bos_token": tru)")
                                      : kind == "badflag"  ? QByteArray(R"({"add_bos_token": "yes"})")
                                      : kind == "unknownbos" ? QByteArray(R"({"bos_token": "<nope>"})")
                                                             : QByteArray(R"({"bos_token": "<pad_bos>", "added_tokens_decoder": {"600": {"content": "<pad_bos>"}}})");
            path = makeModelDir(tmp, "model", config);
        }
        auto loaded = tokenize::Tokenizer::load(path.toStdString());
        QVERIFY(!loaded.ok());
        QCOMPARE(int(loaded.error().code), code);
        QVERIFY2(QString::fromStdString(loaded.error().message).contains(mentions), loaded.error().message.c_str());
    }

    // Instances are immutable, so concurrent encode/decode must agree with single-threaded results.
    void concurrentUse()
    {
        auto tok = mustLoad(sharedData("tokenizers/mistral-7b-v0.1/tokenizer.model"));
        QVERIFY(tok);
        const QByteArray text = readAll(sharedData("text/multilingual/pud/ja.txt"));
        const std::string input(text.constData(), static_cast<size_t>(text.size()));
        const std::vector<int32_t> reference = *tok->encode(input);
        const std::string decoded = *tok->decode(reference);
        bool same[2] = {false, false};
        std::thread threads[2];
        for (int t = 0; t < 2; ++t)
            threads[t] = std::thread([&, t] {
                bool ok = true;
                for (int i = 0; i < 5 && ok; ++i) {
                    auto ids = tok->encode(input);
                    ok = ids.ok() && *ids == reference && *tok->decode(*ids) == decoded;
                }
                same[t] = ok;
            });
        for (auto& th : threads) th.join();
        QVERIFY(same[0] && same[1]);
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "TestTokenizer.moc"
