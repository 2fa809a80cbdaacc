// `lathe generate-calib` streaming wikimedia/wikipedia from the mock Hub: shards written by independent parquet
// writers (npm), every sample recomputed by check_calib.py (spm_encode + torch), and the request log showing
// that only footers and the text, id and title column chunks of the row groups used are fetched.
#include "CalibTestSupport.h"
#include "MockHubServer.h"
#include "TestSupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <utility>

using namespace lathe::test;

namespace {

const QString kDataset = QStringLiteral("wikimedia/wikipedia");
const QString kTag = QStringLiteral("test-org/stories-260K");

struct RangeRequest {
    QString path;  // repo path of the shard
    qint64 first = 0, last = 0;
    int status = 0;
    qint64 bytes = 0;
};

}  // namespace

class TestCalibHub : public QObject {
    Q_OBJECT

    QTemporaryDir m_work;
    std::unique_ptr<MockHubServer> m_server;
    QJsonObject m_expected;  // expected.json from make-wikipedia.mjs
    QString m_embedding;
    QString m_corpusJson;                // {lang: [{text}]} in file order, for check_calib.py
    QMap<QString, QString> m_shaToPath;  // CDN blob sha256 → repo path

    QStringList env(const QString& home, const QStringList& extra = {}) const
    {
        return QStringList{"HF_ENDPOINT=" + m_server->endpoint(),
                           "HF_HOME=" + home,
                           "HF_TOKEN",
                           "HUGGING_FACE_HUB_TOKEN",
                           "HF_TOKEN_PATH",
                           "HF_HUB_CACHE",
                           "HUGGINGFACE_HUB_CACHE",
                           "HF_HUB_OFFLINE",
                           "TRANSFORMERS_OFFLINE"} +
               extra;
    }

    QStringList args(const QString& out, const QString& languages, int minLen, int maxLen, int maxCalib) const
    {
        return {"generate-calib",
                "--model_tag",
                kTag,
                "--embedding-path",
                m_embedding,
                "--tokenizer_path",
                tok512Model(),
                "--output_dir",
                out,
                "--min_seqlen",
                QString::number(minLen),
                "--max-seqlen",
                QString::number(maxLen),
                "--max_calib",
                QString::number(maxCalib),
                "--languages",
                languages};
    }

    QJsonObject shardInfo(const QString& lang, const QString& path) const
    {
        for (const auto& s : m_expected["languages"].toObject()[lang].toObject()["shards"].toArray())
            if (s.toObject()["path"].toString() == path) return s.toObject();
        return {};
    }

    // CDN GETs from the request log, as byte ranges of repo files.
    QList<RangeRequest> cdnRanges()
    {
        QList<RangeRequest> out;
        static const QRegularExpression range(QStringLiteral("^bytes=(\\d+)-(\\d+)$"));
        for (const auto& v : m_server->requestLog()) {
            const QJsonObject e = v.toObject();
            if (e["server"].toString() != "cdn" || e["method"].toString() != "GET") continue;
            RangeRequest r;
            const QString sha = e["path"].toString().section('/', 2, 2).section('?', 0, 0);
            r.path = m_shaToPath.value(sha, sha);
            const auto m = range.match(e["headers"].toObject()["Range"].toString());
            r.first = m.hasMatch() ? m.captured(1).toLongLong() : -1;
            r.last = m.hasMatch() ? m.captured(2).toLongLong() : -1;
            r.status = e["status"].toInt();
            r.bytes = e["bytes"].toInteger();
            out.push_back(r);
        }
        return out;
    }

    QJsonObject check(const QString& out, const QStringList& langs, int minLen, int maxLen, int maxCalib,
                      bool merged = false, bool multilingual = false)
    {
        QString error;
        const QJsonObject report = checkSamples(
            {out, kTag, m_embedding, m_corpusJson, langs, minLen, maxLen, maxCalib, merged, multilingual}, &error);
        if (!error.isEmpty()) qWarning("%s", qPrintable(error));
        return report;
    }

    QJsonObject readManifest(const QString& out)
    {
        return QJsonDocument::fromJson(readAll(out + "/datas/test-org-stories-260K/manifest.json")).object();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_work.isValid());
        // en and ja as the other tests use them, and the rest of the newer tutorial's eight languages (hi, th and pt
        // from the repository's fixtures) for the multilingual layout.
        QVERIFY(QDir().mkpath(m_work.filePath("pud")));
        const QString combined = combinePudFolders(m_work.filePath("pud"));
        QVERIFY2(combined.isEmpty(), qPrintable(combined));
        const QString gen = generateWikipediaDataset(
            m_work.filePath("wiki"), {"de", "fr", "it", "pt", "hi", "es", "th"}, m_work.filePath("pud"));
        QVERIFY2(gen.isEmpty(), qPrintable(gen));
        m_expected = QJsonDocument::fromJson(readAll(m_work.filePath("wiki/expected.json"))).object();
        QJsonObject corpus;
        for (const QString& lang : m_expected["languages"].toObject().keys()) {
            QJsonArray docs;
            for (const auto& a : m_expected["languages"].toObject()[lang].toObject()["articles"].toArray())
                docs.append(QJsonObject{{"text", a.toObject()["text"]}});
            corpus[lang] = docs;
        }
        m_corpusJson = m_work.filePath("corpus.json");
        QFile f(m_corpusJson);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(corpus).toJson());
        f.close();

        m_embedding = m_work.filePath("embedding.pt");
        const QString emb = writeEmbedding(m_embedding, 512, 8);
        QVERIFY2(emb.isEmpty(), qPrintable(emb));

        MockHubServer::Options o;
        o.datasetRepos = {{kDataset, m_work.filePath("wiki/dataset")}};
        o.pageSize = 1;  // folder listings come in pages
        m_server = std::make_unique<MockHubServer>(o);
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));

        // The CDN names blobs by sha256; map them back to repo paths for the range checks.
        for (const QString& lang : m_expected["languages"].toObject().keys())
            for (const auto& s : m_expected["languages"].toObject()[lang].toObject()["shards"].toArray()) {
                const QString path = s.toObject()["path"].toString();
                QFile shard(m_work.filePath("wiki/dataset/" + path));
                QVERIFY(shard.open(QIODevice::ReadOnly));
                m_shaToPath.insert(QCryptographicHash::hash(shard.readAll(), QCryptographicHash::Sha256).toHex(), path);
            }
    }

    void init() { QVERIFY(m_server->reset()); }

    void fetchesOnlyFootersAndNeededChunks()
    {
        QTemporaryDir home, out;
        const auto r = runCli(args(out.path(), "en,ja", 256, 512, 20), env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject report = check(out.path(), {"en", "ja"}, 256, 512, 20);
        QCOMPARE(report["en"].toObject()["samples"].toInt(), 20);
        QCOMPARE(report["ja"].toObject()["samples"].toInt(), 20);

        // Exactly the requests expected: per shard opened, its 64 KiB tail (the footer), then the text, id and
        // title chunks of every row group up to the last selected row, except chunks already inside the tail.
        // Never a url chunk; en's second shard is never opened (its first 20 long articles lie in shard 0).
        const QString en0 = "20231101.en/train-00000-of-00002.parquet";
        const QString ja0 = "20231101.ja/train-00000-of-00001.parquet";
        QStringList expected;
        for (const auto& [lang, path] : {std::pair{QStringLiteral("en"), en0}, std::pair{QStringLiteral("ja"), ja0}}) {
            const QJsonObject shard = shardInfo(lang, path);
            const qint64 size = shard["size"].toInteger();
            const qint64 tailStart = size - qMin<qint64>(65536, size);
            expected << QStringLiteral("%1 %2-%3").arg(path).arg(tailStart).arg(size - 1);
            const int lastRow = report[lang].toObject()["selected"].toArray().last().toInt();
            qint64 firstRow = 0;
            for (const auto& g : shard["rowGroups"].toArray()) {
                if (firstRow > lastRow) break;
                firstRow += g.toObject()["numRows"].toInteger();
                for (const QString column : {"text", "id", "title"}) {
                    const QJsonArray c = g.toObject()["columns"].toObject()[column].toArray();
                    const qint64 first = c[0].toInteger(), last = first + c[1].toInteger() - 1;
                    if (first >= tailStart) continue;
                    expected << QStringLiteral("%1 %2-%3").arg(path).arg(first).arg(last);
                }
            }
        }
        QStringList urlChunks;
        for (const QString& lang : {QStringLiteral("en"), QStringLiteral("ja")})
            for (const auto& s : m_expected["languages"].toObject()[lang].toObject()["shards"].toArray())
                for (const auto& g : s.toObject()["rowGroups"].toArray()) {
                    const QJsonArray c = g.toObject()["columns"].toObject()["url"].toArray();
                    urlChunks << QStringLiteral("%1 %2-%3")
                                     .arg(s.toObject()["path"].toString())
                                     .arg(c[0].toInteger())
                                     .arg(c[0].toInteger() + c[1].toInteger() - 1);
                }

        QStringList requested;
        QMap<QString, qint64> fetched;
        for (const RangeRequest& r : cdnRanges()) {
            QCOMPARE(r.status, 206);
            QVERIFY2(r.first >= 0, "every CDN request carries a closed Range");
            const QString key = QStringLiteral("%1 %2-%3").arg(r.path).arg(r.first).arg(r.last);
            QVERIFY2(!urlChunks.contains(key), qPrintable(key + " is a url chunk"));
            requested << key;
            fetched[r.path] += r.last - r.first + 1;
        }
        std::sort(expected.begin(), expected.end());
        std::sort(requested.begin(), requested.end());
        QCOMPARE(requested, expected);
        QVERIFY(!fetched.contains("20231101.en/train-00001-of-00002.parquet"));
        QVERIFY(fetched[en0] < shardInfo("en", en0)["size"].toInteger() / 2);
        // Each shard was resolved with one HEAD; no whole-file GET went to the Hub itself.
        int heads = 0;
        for (const auto& v : m_server->requestLog()) {
            const QJsonObject e = v.toObject();
            if (e["server"].toString() == "hub" && e["path"].toString().contains("/resolve/")) {
                QCOMPARE(e["method"].toString(), QStringLiteral("HEAD"));
                ++heads;
            }
        }
        QCOMPARE(heads, 2);

        const QJsonObject manifest = readManifest(out.path());
        QCOMPARE(manifest["source"].toObject()["dataset"].toString(), kDataset);
        QCOMPARE(manifest["source"].toObject()["commit"].toString().size(), 40);
        const QJsonArray samples = manifest["samples"].toArray();
        QCOMPARE(samples.size(), 40);
        // Each sample names its article as the fixture writer wrote it: shard, row, id and title.
        for (int i = 0; i < 40; ++i) {
            const QString lang = i < 20 ? "en" : "ja";
            const int k = i % 20;
            const QJsonObject s = samples[i].toObject();
            const int selected = report[lang].toObject()["selected"].toArray()[k].toInt();
            const QJsonObject article =
                m_expected["languages"].toObject()[lang].toObject()["articles"].toArray()[selected].toObject();
            QCOMPARE(s["file"].toString(), QStringLiteral("%1/inputs_embeds_%2.npy").arg(lang).arg(k));
            QCOMPARE(s["shard"].toString(), article["shard"].toString());
            QCOMPARE(s["shard"].toString(), lang == "en" ? en0 : ja0);
            QCOMPARE(s["row"].toInt(), article["row"].toInt());
            QVERIFY(!article["id"].toString().isEmpty() && !article["title"].toString().isEmpty());
            QCOMPARE(s["id"].toString(), article["id"].toString());
            QCOMPARE(s["title"].toString(), article["title"].toString());
            QCOMPARE(s["tokens"].toInt(), report[lang].toObject()["tokens"].toArray()[k].toInt());
        }
    }

    void crossesShardsAndMerges()
    {
        QTemporaryDir home, out;
        auto a = args(out.path(), "en,ja", 1024, 1536, 55);
        a << "--merge";
        const auto r = runCli(a, env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject report = check(out.path(), {"en", "ja"}, 1024, 1536, 55, true);
        QCOMPARE(report["en"].toObject()["samples"].toInt(), 55);
        QCOMPARE(report["ja"].toObject()["samples"].toInt(), 55);
        // Shard 0 holds fewer than 55 articles of 1024+ tokens, so shard 1 was read too, in file order.
        const int lastRow = report["en"].toObject()["selected"].toArray().last().toInt();
        QVERIFY(lastRow >= 400);

        const QJsonObject manifest = readManifest(out.path());
        QCOMPARE(manifest["merged_folder"].toString(), QStringLiteral("merged"));
        QCOMPARE(manifest["settings"].toObject()["min_seqlen"].toInt(), 1024);
        const QJsonArray langs = manifest["languages"].toArray();
        QCOMPARE(langs.size(), 2);
        QCOMPARE(langs[0].toObject()["shards_read"].toArray().size(), 2);
        QCOMPARE(langs[1].toObject()["config"].toString(), QStringLiteral("20231101.ja"));
        QCOMPARE(langs[1].toObject()["too_short"].toInt(), report["ja"].toObject()["too_short"].toInt());
        const QJsonArray samples = manifest["samples"].toArray();
        QCOMPARE(samples.size(), 110);
        const QJsonObject s60 = samples[60].toObject();
        QCOMPARE(s60["language"].toString(), QStringLiteral("ja"));
        QCOMPARE(s60["file"].toString(), QStringLiteral("ja/inputs_embeds_5.npy"));
        QCOMPARE(s60["merged_file"].toString(), QStringLiteral("merged/inputs_embeds_60.npy"));
        QCOMPARE(s60["row"].toInt(), report["ja"].toObject()["selected"].toArray()[5].toInt());
        QVERIFY(r.out.contains("merged 110 samples"));
    }

    void secondRunIsOfflineAndIdentical()
    {
        QTemporaryDir home, out1, out2, out3;
        auto r = runCli(args(out1.path(), "en,ja", 256, 512, 12), env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(m_server->reset());

        r = runCli(args(out2.path(), "en,ja", 256, 512, 12), env(home.path(), {"HF_HUB_OFFLINE=1"}));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(m_server->requestLog().size(), 0);
        const auto first = filesUnder(out1.path()), second = filesUnder(out2.path());
        QCOMPARE(first.size(), 2 * 12 + 1);
        QVERIFY(first == second);

        // Online again: one revision lookup, everything else from the cache.
        r = runCli(args(out3.path(), "en,ja", 256, 512, 12), env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray log = m_server->requestLog();
        QCOMPARE(log.size(), 1);
        QVERIFY(log[0].toObject()["path"].toString().startsWith("/api/datasets/wikimedia/wikipedia/revision/main"));
        QVERIFY(filesUnder(out3.path()) == first);

        // Offline with settings the cache does not cover: a clear error, not a partial result.
        QTemporaryDir out4;
        r = runCli(args(out4.path(), "en,ja", 256, 512, 40), env(home.path(), {"HF_HUB_OFFLINE=1"}));
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("offline mode is on"), r.err.constData());
        QVERIFY(!QFile::exists(out4.filePath("datas/test-org-stories-260K/manifest.json")));
    }

    void survivesExpiredUrlsDropsAndIgnoredRange()
    {
        QTemporaryDir home, out;
        // The first text chunk transfer is cut after 1000 bytes and every signed URL issued so far expires.
        QVERIFY(m_server->configure(
            QJsonObject{{"drop", QJsonArray{QJsonObject{{"path", "20231101.ja/train-00000-of-00001.parquet"},
                                                        {"after", 1000},
                                                        {"times", 2},
                                                        {"expire", true}}}}}));
        auto r = runCli(args(out.path(), "ja", 256, 512, 8), env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(check(out.path(), {"ja"}, 256, 512, 8)["ja"].toObject()["samples"].toInt(), 8);
        int heads = 0;
        for (const auto& v : m_server->requestLog())
            if (v.toObject()["method"].toString() == "HEAD") ++heads;
        QVERIFY2(heads >= 2, "an expired signed URL is resolved again");

        // A server that ignores Range: only the wanted bytes are kept, the result is the same.
        QVERIFY(m_server->reset());
        QVERIFY(m_server->configure(QJsonObject{{"ignore_range", true}}));
        QTemporaryDir home2, out2;
        r = runCli(args(out2.path(), "ja", 256, 512, 8), env(home2.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(filesUnder(out2.path()) == filesUnder(out.path()));
    }

    void reportsShortCorpora()
    {
        QTemporaryDir home, out;
        auto r = runCli(args(out.path(), "ja", 256, 512, 200), env(home.path()));
        QCOMPARE(r.exitCode, 0);
        const QJsonObject report = check(out.path(), {"ja"}, 256, 512, 200);
        const int samples = report["ja"].toObject()["samples"].toInt();
        QVERIFY(samples > 0 && samples < 200);
        QVERIFY2(r.err.contains(QStringLiteral("warning: 'ja': %1 of 200 samples").arg(samples).toUtf8()),
                 r.err.constData());
        const QJsonObject lang = readManifest(out.path())["languages"].toArray()[0].toObject();
        QCOMPARE(lang["exhausted"].toBool(), true);
        QCOMPARE(lang["articles_read"].toInt(), 150);

        // No article long enough at all: an error.
        QTemporaryDir out2;
        r = runCli(args(out2.path(), "ja", 5000, 6000, 4), env(home.path()));
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("no calibration sample for 'ja': 0 of 4"), r.err.constData());
    }

    void localParquetMatchesHub()
    {
        // The same shard read as a local --text-file gives the same samples as streaming it from the Hub.
        QTemporaryDir home, hubOut, fileOut;
        auto r = runCli(args(hubOut.path(), "en", 256, 512, 15), env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString shard = m_work.filePath("wiki/dataset/20231101.en/train-00000-of-00002.parquet");
        r = runCli(args(fileOut.path(), "en", 256, 512, 15) << "--text-file" << shard, env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto hub = filesUnder(hubOut.path() + "/datas/test-org-stories-260K/en");
        QCOMPARE(hub.size(), 15);
        QVERIFY(hub == filesUnder(fileOut.path() + "/datas/test-org-stories-260K/en"));
        // Local parquet files name their articles by the id and title columns.
        const QJsonObject first = readManifest(fileOut.path())["samples"].toArray()[0].toObject();
        const QJsonObject article =
            m_expected["languages"].toObject()["en"].toObject()["articles"].toArray()[1].toObject();
        QCOMPARE(readManifest(hubOut.path())["samples"].toArray()[0].toObject()["row"].toInt(), 1);
        QCOMPARE(first["id"].toString(), article["id"].toString());
        QCOMPARE(first["title"].toString(), article["title"].toString());
        const QJsonObject hubFirst = readManifest(hubOut.path())["samples"].toArray()[0].toObject();
        QCOMPARE(hubFirst["id"].toString(), first["id"].toString());
        QCOMPARE(hubFirst["title"].toString(), first["title"].toString());
    }

    // --layout multilingual with no --languages: the newer tutorial's eight languages, --max_calib split over them
    // (19 = 3 + 3 + 3 + 2 + 2 + 2 + 2 + 2, the first three take one more), every sample recomputed by check_calib.py
    // and named multilingual/<lang>_inputs_embeds_<i>.npy, i from 0 per language.
    void multilingualDefaultLanguages()
    {
        QTemporaryDir home, out;
        QStringList a = args(out.path(), "en", 64, 128, 19);
        a.removeAt(a.indexOf("--languages") + 1);
        a.removeAt(a.indexOf("--languages"));
        const auto r = runCli(a << "--layout"
                                << "multilingual",
                              env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QStringList langs{"en", "de", "fr", "it", "pt", "hi", "es", "th"};
        const QList<int> wanted{3, 3, 3, 2, 2, 2, 2, 2};
        const QJsonObject report = check(out.path(), langs, 64, 128, 19, false, true);
        QStringList files;
        for (int l = 0; l < langs.size(); ++l) {
            QCOMPARE(report[langs[l]].toObject()["samples"].toInt(), wanted[l]);
            for (int i = 0; i < wanted[l]; ++i) files << QStringLiteral("%1_inputs_embeds_%2.npy").arg(langs[l]).arg(i);
        }
        const QString tag = out.filePath("datas/test-org-stories-260K");
        QCOMPARE(QDir(tag).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name),
                 (QStringList{"manifest.json", "multilingual"}));
        files.sort();
        QCOMPARE(QDir(tag + "/multilingual").entryList(QDir::Files, QDir::Name), files);
        QVERIFY2(r.out.contains("multilingual 19 samples -> " + tag.toUtf8() + "/multilingual"), r.out.constData());

        const QJsonObject manifest = readManifest(out.path());
        const QJsonObject settings = manifest["settings"].toObject();
        QCOMPARE(settings["layout"].toString(), QString("multilingual"));
        QCOMPARE(settings["max_calib"].toInt(), 19);
        QCOMPARE(settings["languages"].toArray(), QJsonArray::fromStringList(langs));
        QCOMPARE(manifest["multilingual_folder"].toString(), QString("multilingual"));
        const QJsonArray languages = manifest["languages"].toArray();
        QCOMPARE(languages.size(), 8);
        for (int l = 0; l < langs.size(); ++l) {
            const QJsonObject lang = languages[l].toObject();
            QCOMPARE(lang["language"].toString(), langs[l]);
            QCOMPARE(lang["folder"].toString(), QString("multilingual"));
            QCOMPARE(lang["wanted"].toInt(), wanted[l]);
            QCOMPARE(lang["samples"].toInt(), wanted[l]);
            QCOMPARE(lang["config"].toString(), "20231101." + langs[l]);
            QCOMPARE(lang["exhausted"].toBool(), false);
        }
        // Samples in --languages order, each naming its file and its article.
        const QJsonArray samples = manifest["samples"].toArray();
        QCOMPARE(samples.size(), 19);
        int at = 0;
        for (int l = 0; l < langs.size(); ++l) {
            const QJsonObject lr = report[langs[l]].toObject();
            const QJsonArray articles = m_expected["languages"].toObject()[langs[l]].toObject()["articles"].toArray();
            for (int i = 0; i < wanted[l]; ++i, ++at) {
                const QJsonObject s = samples[at].toObject();
                QCOMPARE(s["language"].toString(), langs[l]);
                QCOMPARE(s["file"].toString(),
                         QStringLiteral("multilingual/%1_inputs_embeds_%2.npy").arg(langs[l]).arg(i));
                QVERIFY(!s.contains("merged_file"));
                QCOMPARE(s["tokens"].toInt(), lr["tokens"].toArray()[i].toInt());
                const int row = lr["selected"].toArray()[i].toInt();
                QCOMPARE(s["row"].toInt(), articles[row].toObject()["row"].toInt());
                QCOMPARE(s["id"].toString(), articles[row].toObject()["id"].toString());
            }
        }
    }

    // The multilingual layout with languages of its own: --max_calib 10 over hi, th, pt is 4 + 3 + 3.
    void multilingualChosenLanguages()
    {
        QTemporaryDir home, out;
        const auto r = runCli(args(out.path(), "hi,th,pt", 64, 128, 10) << "--layout"
                                                                        << "multilingual",
                              env(home.path()));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject report = check(out.path(), {"hi", "th", "pt"}, 64, 128, 10, false, true);
        QCOMPARE(report["hi"].toObject()["samples"].toInt(), 4);
        QCOMPARE(report["th"].toObject()["samples"].toInt(), 3);
        QCOMPARE(report["pt"].toObject()["samples"].toInt(), 3);
        QCOMPARE(QDir(out.filePath("datas/test-org-stories-260K/multilingual")).entryList(QDir::Files, QDir::Name),
                 (QStringList{"hi_inputs_embeds_0.npy", "hi_inputs_embeds_1.npy", "hi_inputs_embeds_2.npy",
                              "hi_inputs_embeds_3.npy", "pt_inputs_embeds_0.npy", "pt_inputs_embeds_1.npy",
                              "pt_inputs_embeds_2.npy", "th_inputs_embeds_0.npy", "th_inputs_embeds_1.npy",
                              "th_inputs_embeds_2.npy"}));
    }

    void unknownLanguageFailsBeforeWriting()
    {
        QTemporaryDir home, out;
        const auto r = runCli(args(out.path() + "/calib", "en,xx", 256, 512, 4), env(home.path()));
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("no config '20231101.xx'"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out.path() + "/calib"));
    }
};

QTEST_GUILESS_MAIN(TestCalibHub)
#include "TestCalibHub.moc"
