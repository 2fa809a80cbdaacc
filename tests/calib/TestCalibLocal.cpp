// `lathe generate-calib --text-file` on local corpora: samples recomputed independently (check_calib.py),
// argument validation before any output, determinism, removal of stale samples, and cancellation.
#include "CalibTestSupport.h"
#include "TestSupport.h"
#include "common/FileLock.h"
#include "lathe/calib/Calibration.h"
#include "lathe/data/Npy.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

namespace {
const QString kTag = QStringLiteral("local/tiny");
}

class TestCalibLocal : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_embedding, m_txt, m_jsonl, m_corpusJson;
    QStringList m_docs;

    QStringList args(const QString& out, const QString& textFile, int minLen, int maxLen, int maxCalib) const
    {
        return {"generate-calib",
                "--model-tag",
                kTag,
                "--embedding_path",
                m_embedding,
                "--tokenizer-path",
                tok512Model(),
                "--output-dir",
                out,
                "--min-seqlen",
                QString::number(minLen),
                "--max_seqlen",
                QString::number(maxLen),
                "--max-calib",
                QString::number(maxCalib),
                "--text_file",
                textFile};
    }

    static bool write(const QString& path, const QByteArray& bytes)
    {
        QFile f(path);
        return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_embedding = m_dir.filePath("embedding.pt");
        const QString err = writeEmbedding(m_embedding, 512, 16, "torch.bfloat16");
        QVERIFY2(err.isEmpty(), qPrintable(err));
        // Documents of 1..12 consecutive PUD sentences, one line each.
        const QStringList lines =
            QString::fromUtf8(readAll(sharedData("text/multilingual/pud/en.txt"))).split('\n', Qt::SkipEmptyParts);
        QVERIFY(lines.size() >= 500);
        int next = 0;
        for (int k = 0; k < 40; ++k) {
            const int n = 1 + (k * 5) % 12;
            QStringList body;
            for (int i = 0; i < n; ++i) body << lines[(next + i) % lines.size()].trimmed();
            next += n;
            m_docs << body.join(' ');
        }
        m_txt = m_dir.filePath("corpus.txt");
        QVERIFY(write(m_txt, m_docs.join("\n\n").toUtf8() + "\n"));
        m_jsonl = m_dir.filePath("corpus.jsonl");
        QByteArray jsonl;
        QJsonArray corpus;
        for (int k = 0; k < m_docs.size(); ++k) {
            const QJsonObject rec{{"id", QStringLiteral("doc-%1").arg(k)},
                                  {"title", QStringLiteral("Title %1").arg(k)},
                                  {"text", m_docs[k]}};
            jsonl += QJsonDocument(rec).toJson(QJsonDocument::Compact) + "\n";
            corpus.append(rec);
        }
        QVERIFY(write(m_jsonl, jsonl));
        m_corpusJson = m_dir.filePath("corpus.json");
        QVERIFY(write(m_corpusJson, QJsonDocument(QJsonObject{{"en", corpus}}).toJson()));
    }

    void samplesMatchIndependentComputation_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("txt") << "corpus.txt";
        QTest::newRow("jsonl") << "corpus.jsonl";
    }
    void samplesMatchIndependentComputation()
    {
        QFETCH(QString, file);
        QTemporaryDir out;
        const auto r = runCli(args(out.path(), m_dir.filePath(file), 200, 300, 10));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QString error;
        const QJsonObject report =
            checkSamples({out.path(), kTag, m_embedding, m_corpusJson, {"en"}, 200, 300, 10}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonObject en = report["en"].toObject();
        QCOMPARE(en["samples"].toInt(), 10);
        QVERIFY(en["too_short"].toInt() > 0);  // some documents were skipped as too short
        bool truncated = false;
        for (const auto& t : en["tokens"].toArray()) truncated |= t.toInt() == 300;
        QVERIFY(truncated);

        const QJsonObject manifest =
            QJsonDocument::fromJson(readAll(out.filePath("datas/local-tiny/manifest.json"))).object();
        QCOMPARE(manifest["source"].toObject()["kind"].toString(), QStringLiteral("file"));
        QCOMPARE(manifest["embedding"].toObject()["stored_dtype"].toString(), QStringLiteral("bfloat16"));
        QCOMPARE(manifest["tokenizer"].toObject()["bos_id"].toInt(), 1);
        const QJsonArray samples = manifest["samples"].toArray();
        QCOMPARE(samples.size(), 10);
        for (int i = 0; i < 10; ++i) {
            const int doc = en["selected"].toArray()[i].toInt();
            const QJsonObject s = samples[i].toObject();
            QCOMPARE(s["tokens"].toInt(), en["tokens"].toArray()[i].toInt());
            if (file.endsWith("jsonl")) {
                QCOMPARE(s["id"].toString(), QStringLiteral("doc-%1").arg(doc));
                QCOMPARE(s["title"].toString(), QStringLiteral("Title %1").arg(doc));
            } else {
                QCOMPARE(s["id"].toString(), QString::number(doc));
            }
        }
    }

    // --chat-template: each text becomes a user turn written by the model's template, encoded without added
    // special tokens; the sample's length is that of `lathe chat-template` + `lathe tokenize --no-special`.
    void chatTemplateWrapsTexts()
    {
        QTemporaryDir model;
        QVERIFY(QFile::copy(tok512Model(), model.filePath("tokenizer.model")));
        QVERIFY(write(model.filePath("tokenizer_config.json"),
                      R"({"chat_template": "[INST] {{ messages[0]['content'] | trim }} [/INST]"})"));
        QVERIFY(write(m_dir.filePath("short.txt"), "  A tiny dog ran home.  \n\nThe cat slept.\n"));
        QTemporaryDir out;
        QStringList a = args(out.path(), m_dir.filePath("short.txt"), 1, 64, 2);
        a[a.indexOf(tok512Model())] = model.path();
        auto r = runCli(a << "--chat-template");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto ids = runCli(
            {"tokenize", "--tokenizer", model.path(), "--no-special", "--text", "[INST] A tiny dog ran home. [/INST]"});
        QVERIFY2(ids.exitCode == 0, ids.err.constData());
        const QList<QByteArray> expected = ids.out.trimmed().split(' ');
        auto sample = data::readNpy((out.path() + "/datas/local-tiny/en/inputs_embeds_0.npy").toStdString());
        QVERIFY2(sample.ok(), sample.ok() ? "" : sample.error().message.c_str());
        QCOMPARE(sample->shape, (std::vector<int64_t>{1, int64_t(expected.size()), 16}));
        QVERIFY(expected.first() != "1");  // no BOS: the template has none
        const QJsonObject manifest =
            QJsonDocument::fromJson(readAll(out.filePath("datas/local-tiny/manifest.json"))).object();
        QCOMPARE(manifest["settings"].toObject()["chat_template"].toBool(), true);
        QCOMPARE(manifest["settings"].toObject()["add_special_tokens"].toBool(), false);

        // A model without a template is refused before anything is written.
        QTemporaryDir plain, out2;
        QVERIFY(QFile::copy(tok512Model(), plain.filePath("tokenizer.model")));
        a = args(out2.path(), m_dir.filePath("short.txt"), 1, 64, 2);
        a[a.indexOf(tok512Model())] = plain.path();
        r = runCli(a << "--chat-template");
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("--chat-template") && r.err.contains("has no chat template"), r.err.constData());
        QVERIFY(QDir(out2.path()).isEmpty());
    }

    void tokenizerRepoIdFromHfCache()
    {
        // A hand-made huggingface_hub cache entry: refs/main -> snapshots/<commit> holding the tokenizer and a
        // config that matches the embedding ([512, 16]).
        QTemporaryDir cache, byId, byDir;
        const QString commit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
        const QString repo = cache.filePath("models--local--tiny-tok");
        const QString snapshot = repo + "/snapshots/" + commit;
        QVERIFY(QDir().mkpath(repo + "/refs") && QDir().mkpath(snapshot));
        QVERIFY(write(repo + "/refs/main", commit.toUtf8()));
        QVERIFY(QFile::copy(tok512Model(), snapshot + "/tokenizer.model"));
        QVERIFY(write(snapshot + "/config.json",
                      R"({"hidden_size": 16, "vocab_size": 512, "max_position_embeddings": 512})"));
        QVERIFY(write(snapshot + "/model.safetensors", "{}"));
        const QStringList env{"HF_HUB_CACHE=" + cache.path(), "HF_HUB_OFFLINE=1", "HUGGINGFACE_HUB_CACHE"};

        QStringList a = args(byId.path(), m_jsonl, 200, 300, 6);
        a[a.indexOf("--tokenizer-path") + 1] = "local/tiny-tok";
        auto r = runCli(a, env);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        a = args(byDir.path(), m_jsonl, 200, 300, 6);
        a[a.indexOf("--tokenizer-path") + 1] = snapshot;
        r = runCli(a, env);
        QVERIFY2(r.exitCode == 0, r.err.constData());

        // Same samples byte for byte; the manifests differ only in the tokenizer path as given.
        auto idFiles = filesUnder(byId.path()), dirFiles = filesUnder(byDir.path());
        QCOMPARE(idFiles.size(), 7);
        const QString manifestName = QStringLiteral("datas/local-tiny/manifest.json");
        QJsonObject idManifest = QJsonDocument::fromJson(idFiles.take(manifestName)).object();
        QJsonObject dirManifest = QJsonDocument::fromJson(dirFiles.take(manifestName)).object();
        QVERIFY(idFiles == dirFiles);
        QCOMPARE(idManifest["tokenizer"].toObject()["path"].toString(), QStringLiteral("local/tiny-tok"));
        QCOMPARE(dirManifest["tokenizer"].toObject()["path"].toString(), snapshot);
        QCOMPARE(idManifest["model_max_position_embeddings"].toInt(), 512);
        for (QJsonObject* m : {&idManifest, &dirManifest}) {
            QJsonObject t = (*m)["tokenizer"].toObject();
            t.remove("path");
            (*m)["tokenizer"] = t;
        }
        QCOMPARE(idManifest, dirManifest);

        // The snapshot's config limits the run: asking for more than its context fails before writing.
        QTemporaryDir tooLong;
        a = args(tooLong.path() + "/o", m_jsonl, 200, 600, 6);
        a[a.indexOf("--tokenizer-path") + 1] = "local/tiny-tok";
        r = runCli(a, env);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("max_position_embeddings 512"), r.err.constData());
    }

    void tokenizerJsonFolder()
    {
        // Mistral's tokenizer.json (no tokenizer.model beside it) with a matching [32000, 8] embedding; the
        // samples are recomputed with spm_encode on Mistral's tokenizer.model plus BOS, which agrees with
        // tokenizer.json on text without special-token strings.
        const QString mistral = sharedData("tokenizers/mistral-7b-v0.1");
        QTemporaryDir work, out;
        QVERIFY(QFile::copy(mistral + "/tokenizer.json", work.filePath("tokenizer.json")));
        QVERIFY(QFile::copy(mistral + "/tokenizer_config.json", work.filePath("tokenizer_config.json")));
        const QString embedding = work.filePath("embedding.pt");
        const QString err = writeEmbedding(embedding, 32000, 8);
        QVERIFY2(err.isEmpty(), qPrintable(err));

        QStringList a = args(out.path(), m_jsonl, 200, 300, 8);
        a[a.indexOf("--tokenizer-path") + 1] = work.path();
        a[a.indexOf("--embedding_path") + 1] = embedding;
        const auto r = runCli(a);
        QVERIFY2(r.exitCode == 0, r.err.constData());

        QString error;
        const QJsonObject report = checkSamples({out.path(), kTag, embedding, m_corpusJson, {"en"}, 200, 300, 8},
                                                &error, mistral + "/tokenizer.model");
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(report["en"].toObject()["samples"].toInt(), 8);
        QVERIFY(report["en"].toObject()["too_short"].toInt() > 0);

        const QJsonObject manifest =
            QJsonDocument::fromJson(readAll(out.filePath("datas/local-tiny/manifest.json"))).object();
        QCOMPARE(manifest["tokenizer"].toObject()["engine"].toString(), QStringLiteral("tokenizer.json"));
        QCOMPARE(manifest["tokenizer"].toObject()["vocab_size"].toInt(), 32000);
        QCOMPARE(manifest["tokenizer"].toObject()["bos_id"].toInt(), 1);
        QCOMPARE(manifest["embedding"].toObject()["vocab"].toInt(), 32000);
        QCOMPARE(manifest["embedding"].toObject()["hidden"].toInt(), 8);
    }

    void deterministicAndRemovesStaleSamples()
    {
        QTemporaryDir a, b;
        auto r = runCli(args(a.path(), m_txt, 100, 400, 7));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runCli(args(b.path(), m_txt, 100, 400, 7));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto first = filesUnder(a.path());
        QCOMPARE(first.size(), 8);
        QVERIFY(first == filesUnder(b.path()));

        // A smaller run into the same folder must not leave samples 4..6 of the earlier one behind.
        r = runCli(args(a.path(), m_txt, 100, 400, 4));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QStringList left = QDir(a.filePath("datas/local-tiny/en")).entryList(QDir::Files, QDir::Name);
        QCOMPARE(left, QStringList({"inputs_embeds_0.npy", "inputs_embeds_1.npy", "inputs_embeds_2.npy",
                                    "inputs_embeds_3.npy"}));
        QCOMPARE(readAll(a.filePath("datas/local-tiny/en/inputs_embeds_3.npy")),
                 first.value("datas/local-tiny/en/inputs_embeds_3.npy"));
    }

    // Two runs into the same folder: the second is refused while the first holds it (here the test holds the lock
    // a running generate-calib holds), and runs once it is free.
    void sameFolderIsLocked()
    {
        QTemporaryDir out;
        const QString tagFolder = out.filePath("datas/local-tiny");
        QVERIFY(QDir().mkpath(tagFolder));
        {
            auto held = FileLock::tryLock(tagFolder.toStdString(), "held by the test");
            QVERIFY(held.ok());
            const auto r = runCli(args(out.path(), m_txt, 100, 400, 2));
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains("another calibration run is writing " + tagFolder.toUtf8()), r.err.constData());
            QVERIFY(!QFileInfo::exists(tagFolder + "/en"));
        }
        const auto r = runCli(args(out.path(), m_txt, 100, 400, 2));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(tagFolder + "/manifest.json"));
    }

    void validatesBeforeWriting_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("setup");  // what to prepare: "", "context", "hidden", "vocab", "int"
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("min > max") << QStringList{"--min-seqlen", "600", "--max_seqlen", "500"} << "" << 2
                                   << "is larger than --max_seqlen";
        QTest::newRow("zero max_calib") << QStringList{"--max-calib", "0"} << "" << 2
                                        << "--max_calib must be at least 1";
        QTest::newRow("two folders") << QStringList{"--languages", "en,de"} << "" << 2 << "names the one folder";
        QTest::newRow("bad language") << QStringList{"--languages", "../x"} << "" << 2
                                      << "not a Wikipedia language code";
        QTest::newRow("csv corpus") << QStringList{"--text_file", "corpus.csv"} << "" << 5 << "use a .txt";
        QTest::newRow("past context") << QStringList{"--max_seqlen", "300"} << "context" << 2
                                      << "longer than the model's context";
        QTest::newRow("hidden mismatch") << QStringList{} << "hidden" << 2 << "says hidden_size 64";
        QTest::newRow("small vocab") << QStringList{} << "vocab" << 2 << "has 500 rows but the tokenizer has 512";
        QTest::newRow("int embedding") << QStringList{} << "int" << 5 << "int64";
        QTest::newRow("no embedding") << QStringList{} << "missing" << 3 << "does not exist";
    }
    void validatesBeforeWriting()
    {
        QFETCH(QStringList, extra);
        QFETCH(QString, setup);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QTemporaryDir work;
        QStringList a = args(work.filePath("out"), m_txt, 100, 200, 3);
        auto set = [&a](const QString& flag, const QString& value) { a[a.indexOf(flag) + 1] = value; };
        for (int i = 0; i + 1 < extra.size(); i += 2) {
            const QString flag = extra[i];
            const int at = a.indexOf(flag);
            const QString value = flag == "--text_file" ? work.filePath(extra[i + 1]) : extra[i + 1];
            if (flag == "--text_file") QVERIFY(write(value, "text\n"));
            if (at >= 0)
                a[at + 1] = value;
            else
                a << flag << value;
        }
        if (setup == "context" || setup == "hidden") {
            // A model folder: tokenizer.model plus a config.json that limits what the run may ask for.
            QVERIFY(QFile::copy(tok512Model(), work.filePath("tokenizer.model")));
            const QByteArray config = setup == "context" ? R"({"max_position_embeddings": 256, "hidden_size": 16})"
                                                         : R"({"max_position_embeddings": 512, "hidden_size": 64})";
            QVERIFY(write(work.filePath("config.json"), config));
            set("--tokenizer-path", work.path());
        } else if (setup == "vocab" || setup == "int") {
            const QString pt = work.filePath("emb.pt");
            const QString err =
                writeEmbedding(pt, setup == "vocab" ? 500 : 512, 16, setup == "int" ? "torch.int64" : "torch.float32");
            QVERIFY2(err.isEmpty(), qPrintable(err));
            set("--embedding_path", pt);
        } else if (setup == "missing") {
            set("--embedding_path", work.filePath("nothing.pt"));
        }
        const auto r = runCli(a);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
        QVERIFY(!QFileInfo::exists(work.filePath("out")));
    }

    // A cancelled run, and one that fills the disk, leave the earlier run's samples and manifest as they were, and
    // no staging folder: everything is written beside the tag folder and swapped in when complete.
    void cancellationKeepsTheEarlierRun()
    {
        QTemporaryDir out;
        auto r = runCli(args(out.path(), m_txt, 50, 400, 5));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto before = filesUnder(out.path());
        QCOMPARE(before.size(), 6);  // five samples and the manifest
        calib::CalibrationOptions o;
        o.modelTag = kTag.toStdString();
        o.embeddingPath = m_embedding.toStdString();
        o.tokenizerPath = tok512Model().toStdString();
        o.outputDir = out.path().toStdString();
        o.minSeqLen = 50;
        o.maxSeqLen = 400;
        o.maxCalib = 20;
        o.textFile = m_txt.toStdString();
        o.merge = true;
        StopToken stop;
        int reports = 0;
        auto result = calib::generateCalibration(
            o,
            [&](const Progress& p) {
                ++reports;
                if (p.unit == "samples" && p.done == 3) stop.requestStop();
            },
            stop);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
        QVERIFY(reports > 0);
        QVERIFY(filesUnder(out.path()) == before);
        QCOMPARE(QDir(out.filePath("datas")).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{"local-tiny"});
    }

    void fullDiskKeepsTheEarlierRun()
    {
        QTemporaryDir out;
        auto r = runCli(args(out.path(), m_txt, 50, 400, 5));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto before = filesUnder(out.path());
        // Other settings, so that every sample would change; the disk fills after about two samples.
        r = runCli(
            args(out.path(), m_txt, 100, 300, 5),
            {"LD_PRELOAD=" LATHE_ENOSPC_INJECTOR, "LATHE_ENOSPC_PATH=inputs_embeds", "LATHE_ENOSPC_AFTER=40000"});
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains("free some disk space"), r.err.constData());
        QVERIFY(filesUnder(out.path()) == before);
        QCOMPARE(QDir(out.filePath("datas")).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{"local-tiny"});
        // With space again the run completes and replaces them.
        r = runCli(args(out.path(), m_txt, 100, 300, 5));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(filesUnder(out.path()) != before);
    }

    // The split of --max_calib over the languages: each language gets it whole per language; with the multilingual
    // layout it is the total, and the first max_calib % n languages take one more (the tutorial's divmod).
    void samplesPerLanguage_data()
    {
        QTest::addColumn<QString>("layout");
        QTest::addColumn<int>("maxCalib");
        QTest::addColumn<int>("languages");
        QTest::addColumn<QList<int>>("expected");
        QTest::newRow("19 over 8") << "multilingual" << 19 << 8 << QList<int>{3, 3, 3, 2, 2, 2, 2, 2};
        QTest::newRow("128 over 8") << "multilingual" << 128 << 8 << QList<int>{16, 16, 16, 16, 16, 16, 16, 16};
        QTest::newRow("8 over 8") << "multilingual" << 8 << 8 << QList<int>{1, 1, 1, 1, 1, 1, 1, 1};
        QTest::newRow("10 over 3") << "multilingual" << 10 << 3 << QList<int>{4, 3, 3};
        QTest::newRow("5 over 1") << "multilingual" << 5 << 1 << QList<int>{5};
        QTest::newRow("per language") << "per-language" << 5 << 3 << QList<int>{5, 5, 5};
    }
    void samplesPerLanguage()
    {
        QFETCH(QString, layout);
        QFETCH(int, maxCalib);
        QFETCH(int, languages);
        QFETCH(QList<int>, expected);
        const auto parsed = calib::parseCalibrationLayout(layout.toStdString());
        QVERIFY(parsed.has_value());
        QCOMPARE(QString(calib::calibrationLayoutName(*parsed)), layout);
        const std::vector<int> split = calib::samplesPerLanguage(*parsed, maxCalib, size_t(languages));
        QCOMPARE(QList<int>(split.begin(), split.end()), expected);
    }

    // The newer tutorial's default languages, in its order; the original one's "en".
    void defaultLanguagesPerLayout()
    {
        using calib::CalibrationLayout;
        QCOMPARE(calib::defaultCalibrationLanguages(CalibrationLayout::Multilingual),
                 (std::vector<std::string>{"en", "de", "fr", "it", "pt", "hi", "es", "th"}));
        QCOMPARE(calib::defaultCalibrationLanguages(CalibrationLayout::PerLanguage), std::vector<std::string>{"en"});
        QVERIFY(!calib::parseCalibrationLayout("Multilingual").has_value());
        QVERIFY(!calib::parseCalibrationLayout("per_language").has_value());
        calib::CalibrationOptions o;
        o.outputDir = "/o";
        o.modelTag = "org/m";
        o.layout = CalibrationLayout::Multilingual;
        const calib::CalibrationFolders folders = calib::calibrationFolders(o);
        QCOMPARE(QString::fromStdString(folders.multilingualFolder), QString("/o/datas/org-m/multilingual"));
        QCOMPARE(QString::fromStdString(folders.compileFolder()), QString("/o/datas/org-m/multilingual"));
        QVERIFY(folders.mergedFolder.empty());
        o.layout = CalibrationLayout::PerLanguage;
        QVERIFY(calib::calibrationFolders(o).multilingualFolder.empty());
        QCOMPARE(QString::fromStdString(calib::calibrationFolders(o).compileFolder()), QString("/o/datas/org-m"));
        QCOMPARE(calib::calibrationSampleName(CalibrationLayout::Multilingual, "hi", 7),
                 std::string("hi_inputs_embeds_7.npy"));
        QCOMPARE(calib::calibrationSampleName(CalibrationLayout::PerLanguage, "hi", 7),
                 std::string("inputs_embeds_7.npy"));
    }

    // --layout multilingual writes multilingual/<lang>_inputs_embeds_<i>.npy (i from 0 per language), the same
    // arrays the per-language layout writes as <lang>/inputs_embeds_<i>.npy, and says so in the manifest.
    void multilingualLayoutFiles()
    {
        QTemporaryDir perLanguage, multilingual;
        auto r = runCli(args(perLanguage.path(), m_txt, 100, 400, 5) << "--languages"
                                                                     << "de");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runCli(args(multilingual.path(), m_txt, 100, 400, 5) << "--languages"
                                                                 << "de"
                                                                 << "--layout"
                                                                 << "multilingual");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString tag = multilingual.filePath("datas/local-tiny");
        QVERIFY2(r.out.contains("multilingual 5 samples -> " + tag.toUtf8() + "/multilingual"), r.out.constData());
        QCOMPARE(QDir(tag).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name),
                 (QStringList{"manifest.json", "multilingual"}));
        QStringList expected;
        for (int i = 0; i < 5; ++i) expected << QStringLiteral("de_inputs_embeds_%1.npy").arg(i);
        QCOMPARE(QDir(tag + "/multilingual").entryList(QDir::Files, QDir::Name), expected);
        for (int i = 0; i < 5; ++i) {
            const QByteArray bytes = readAll(tag + QStringLiteral("/multilingual/de_inputs_embeds_%1.npy").arg(i));
            QVERIFY(!bytes.isEmpty());
            QCOMPARE(bytes,
                     readAll(perLanguage.filePath(QStringLiteral("datas/local-tiny/de/inputs_embeds_%1.npy").arg(i))));
        }

        const QJsonObject manifest = QJsonDocument::fromJson(readAll(tag + "/manifest.json")).object();
        QCOMPARE(manifest["settings"].toObject()["layout"].toString(), QString("multilingual"));
        QCOMPARE(manifest["settings"].toObject()["languages"].toArray(), QJsonArray{"de"});
        QCOMPARE(manifest["multilingual_folder"].toString(), QString("multilingual"));
        QVERIFY(!manifest.contains("merged_folder"));
        const QJsonObject de = manifest["languages"].toArray()[0].toObject();
        QCOMPARE(de["folder"].toString(), QString("multilingual"));
        QCOMPARE(de["wanted"].toInt(), 5);
        QCOMPARE(de["samples"].toInt(), 5);
        const QJsonArray samples = manifest["samples"].toArray();
        QCOMPARE(samples.size(), 5);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(samples[i].toObject()["file"].toString(),
                     QStringLiteral("multilingual/de_inputs_embeds_%1.npy").arg(i));
        const QJsonObject perLanguageManifest =
            QJsonDocument::fromJson(readAll(perLanguage.filePath("datas/local-tiny/manifest.json"))).object();
        QCOMPARE(perLanguageManifest["settings"].toObject()["layout"].toString(), QString("per-language"));
        QVERIFY(!perLanguageManifest.contains("multilingual_folder"));

        // The manifest reader gives the same samples back, with their files, and the layout.
        const std::string manifestPath = (tag + "/manifest.json").toStdString();
        auto read = calib::readCalibrationSamples(manifestPath);
        QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
        QCOMPARE(read->size(), size_t{5});
        QCOMPARE(read->at(4).file, std::string("multilingual/de_inputs_embeds_4.npy"));
        QCOMPARE(read->at(4).language, std::string("de"));
        QCOMPARE(read->at(4).tokens, samples[4].toObject()["tokens"].toInteger());
        auto layout = calib::readCalibrationLayout(manifestPath);
        QVERIFY(layout.ok());
        QCOMPARE(*layout, calib::CalibrationLayout::Multilingual);
        layout = calib::readCalibrationLayout(perLanguage.filePath("datas/local-tiny/manifest.json").toStdString());
        QVERIFY(layout.ok());
        QCOMPARE(*layout, calib::CalibrationLayout::PerLanguage);
    }

    // A manifest without "layout" (written before there was a choice) is per-language; an unknown one is refused.
    void manifestLayoutField()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("manifest.json");
        QVERIFY(write(path, "{\"format\": \"lathe-calibration\", \"settings\": {}, \"samples\": []}"));
        auto layout = calib::readCalibrationLayout(path.toStdString());
        QVERIFY(layout.ok());
        QCOMPARE(*layout, calib::CalibrationLayout::PerLanguage);
        QVERIFY(write(
            path, "{\"format\": \"lathe-calibration\", \"settings\": {\"layout\": \"bilingual\"}, \"samples\": []}"));
        layout = calib::readCalibrationLayout(path.toStdString());
        QVERIFY(!layout.ok());
        QCOMPARE(layout.error().code, ErrorCode::Corrupt);
        QVERIFY2(QString::fromStdString(layout.error().message).contains("unknown calibration layout \"bilingual\""),
                 layout.error().message.c_str());
        auto samples = calib::readCalibrationSamples(path.toStdString());
        QVERIFY(!samples.ok());
        QCOMPARE(samples.error().code, ErrorCode::Corrupt);
    }

    // A run of the other layout replaces the tag folder whole, so that a compile of the tag folder never reads the
    // samples of both; a run of the same layout keeps other languages' folders, as before.
    void otherLayoutReplacesTheTagFolder()
    {
        QTemporaryDir out;
        const QString tag = out.filePath("datas/local-tiny");
        auto r = runCli(args(out.path(), m_txt, 100, 400, 3));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runCli(args(out.path(), m_txt, 100, 400, 3) << "--languages"
                                                        << "de");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto entries = [&] {
            return QDir(tag).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
        };
        QCOMPARE(entries(), (QStringList{"de", "en", "manifest.json"}));
        r = runCli(args(out.path(), m_txt, 100, 400, 3) << "--layout"
                                                        << "multilingual");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(entries(), (QStringList{"manifest.json", "multilingual"}));
        QCOMPARE(QDir(tag + "/multilingual").entryList(QDir::Files, QDir::Name),
                 (QStringList{"en_inputs_embeds_0.npy", "en_inputs_embeds_1.npy", "en_inputs_embeds_2.npy"}));
        r = runCli(args(out.path(), m_txt, 100, 400, 2) << "--languages"
                                                        << "de");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(entries(), (QStringList{"de", "manifest.json"}));
    }

    // The multilingual layout's own checks, before anything is written (Hub source: no request is made).
    void multilingualValidatesBeforeWriting_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("message");
        QTest::newRow("merge") << QStringList{"--layout", "multilingual", "--merge"}
                               << "--merge goes with --layout per-language";
        QTest::newRow("default languages, 7 samples") << QStringList{"--layout", "multilingual", "--max_calib", "7"}
                                                      << "--max_calib 7 is fewer than the 8 languages";
        QTest::newRow("3 languages, 2 samples")
            << QStringList{"--layout", "multilingual", "--languages", "hi,th,pt", "--max_calib", "2"}
            << "--max_calib 2 is fewer than the 3 languages";
        QTest::newRow("reserved folder name") << QStringList{"--languages", "en,multilingual"}
                                              << "'multilingual' in --languages is not a Wikipedia language code";
        QTest::newRow("unknown layout") << QStringList{"--layout", "bilingual"} << "--layout";
    }
    void multilingualValidatesBeforeWriting()
    {
        QFETCH(QStringList, extra);
        QFETCH(QString, message);
        QTemporaryDir work;
        const QStringList a =
            QStringList{"generate-calib",   "--model-tag", kTag,           "--embedding_path",  m_embedding,
                        "--tokenizer-path", tok512Model(), "--output-dir", work.filePath("out")} +
            extra;
        const auto r = runCli(a, {"HF_HUB_OFFLINE=1", "HF_HOME=" + work.filePath("hf")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
        QVERIFY(!QFileInfo::exists(work.filePath("out")));
    }

    // The compiler reads a multilingual folder: every <lang>_inputs_embeds_<i>.npy in it, no more, no fewer (the
    // names compile::CalibrationSet looks for, the newer tutorial's compile step reading this folder).
    void compileReadsMultilingualFolder()
    {
        QTemporaryDir work;
        const QString model = work.filePath("stories260K");
        auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                         tok512Model(), "--out", model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString embedding = work.filePath("embedding.pt");
        r = runCli({"download-model", "--repo_id", model, "--embedding", embedding});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runCli({"generate-calib",
                    "--model_tag",
                    "stories260K",
                    "--embedding_path",
                    embedding,
                    "--tokenizer_path",
                    model,
                    "--text_file",
                    m_txt,
                    "--languages",
                    "hi",
                    "--layout",
                    "multilingual",
                    "--min_seqlen",
                    "32",
                    "--max_seqlen",
                    "96",
                    "--max_calib",
                    "4",
                    "--output_dir",
                    work.filePath("calib")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString folder = work.filePath("calib/datas/stories260K/multilingual");
        QCOMPARE(QDir(folder).entryList(QDir::Files).size(), 4);
        qint64 tokens = 0;
        const QJsonObject manifest =
            QJsonDocument::fromJson(readAll(work.filePath("calib/datas/stories260K/manifest.json"))).object();
        for (const auto& s : manifest["samples"].toArray()) tokens += s.toObject()["tokens"].toInteger();
        QVERIFY(tokens >= 4 * 32);
        const QString save = work.filePath("model.compiled.safetensors");
        r = runCli({"compile", "--model_path", model, "--calib_data_path", folder, "--save_path", save, "--bit", "w8",
                    "--threads", "1", "--output-dir", work.filePath("compile"), "--no-resume"},
                   {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject report = QJsonDocument::fromJson(readAll(save + ".report.json")).object();
        QCOMPARE(report["calib_tokens"].toInteger(), tokens);
    }
};

QTEST_GUILESS_MAIN(TestCalibLocal)
#include "TestCalibLocal.moc"
