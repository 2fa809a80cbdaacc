// Whole-model downloads against the mock Hub over loopback HTTP: layout, resume, faults, auth, offline.
#include "HubTestFixture.h"
#include "TestSupport.h"

#include "lathe/hub/HubClient.h"
#include "lathe/hub/ModelLocator.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QTest>
#include <QThread>

#include <filesystem>

using namespace lathe;
using namespace lathe::hub;
using namespace lathe::test;

namespace {

const QString kShard1 = QStringLiteral("model-00001-of-00003.safetensors");
const QString kShard2 = QStringLiteral("model-00002-of-00003.safetensors");
const QString kShard3 = QStringLiteral("model-00003-of-00003.safetensors");
const QStringList kExpectedFiles = {
    QStringLiteral("config.json"), QStringLiteral("generation_config.json"), kShard1, kShard2, kShard3,
    QStringLiteral("model.safetensors.index.json"), QStringLiteral("special_tokens_map.json"),
    QStringLiteral("tokenizer.json"), QStringLiteral("tokenizer_config.json")};

QString qs(const std::string& s) { return QString::fromStdString(s); }

// name -> raw tensor bytes, read with an independent safetensors parser.
QMap<QString, QByteArray> readTensors(const QString& path)
{
    QMap<QString, QByteArray> out;
    const QByteArray bytes = readAll(path);
    if (bytes.size() < 8) return out;
    quint64 n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    const QJsonObject header = QJsonDocument::fromJson(bytes.mid(8, static_cast<int>(n))).object();
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == QStringLiteral("__metadata__")) continue;
        const QJsonArray off = it.value().toObject().value(QStringLiteral("data_offsets")).toArray();
        const qint64 b = off.at(0).toInteger(), e = off.at(1).toInteger();
        out[it.key()] = bytes.mid(static_cast<int>(8 + n + b), static_cast<int>(e - b));
    }
    return out;
}

}  // namespace

class TestHubDownload : public QObject {
    Q_OBJECT

    HubTestFixture m_fx;
    std::unique_ptr<QTemporaryDir> m_cache;
    QString m_commit;

    HubConfig config(const QString& token = {})
    {
        HubConfig c;
        c.endpoint = m_fx.server().endpoint().toStdString();
        c.cacheDir = m_cache->path().toStdString();
        c.implicitToken = false;
        if (!token.isEmpty()) c.token = token.toStdString();
        c.retry.waitScale = 0.01;  // 1, 2, 4 s backoff becomes 10, 20, 40 ms
        c.connectTimeoutMs = 5000;
        return c;
    }

    Result<DownloadResult> download(const QString& repo, const HubConfig& c, const QString& revision = "main",
                                    const StopToken& stop = {}, const ProgressFn& progress = {},
                                    const DownloadOptions& options = {})
    {
        HubClient client(c);
        return client.downloadModel(repo.toStdString(), revision.toStdString(), options, progress, stop);
    }

    QString repoDir(const QString& repo) const
    {
        return m_cache->filePath(QString::fromStdString(repoCacheFolderName(repo.toStdString())));
    }
    QString snapshot(const QString& repo) const { return repoDir(repo) + "/snapshots/" + m_commit; }
    QString incompleteOf(const QString& repo, const QString& file)
    {
        const QString sha = m_fx.server().command("sign " + file).toObject().value("sha256").toString();
        return repoDir(repo) + "/blobs/" + sha + ".incomplete";
    }
    qint64 sizeOf(const QString& file) { return m_fx.server().command("sign " + file).toObject().value("size").toInteger(); }

    void verifySnapshot(const QString& repo)
    {
        const QString snap = snapshot(repo);
        QStringList files;
        QDirIterator it(snap, QDir::Files | QDir::System | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) files << QDir(snap).relativeFilePath(it.next());
        files.sort();
        QCOMPARE(files, kExpectedFiles);  // no pytorch_model.bin, README.md or .gitattributes
        for (const QString& f : files) {
            const QString target = QFileInfo(snap + "/" + f).symLinkTarget();
            const QString blobName = QFileInfo(target).fileName();
            QCOMPARE(QFileInfo(target).absolutePath(), repoDir(repo) + "/blobs");
            if (f.endsWith(".safetensors")) {
                QCOMPARE(m_fx.sha256Hex(snap + "/" + f), blobName.toLatin1());
            } else if (f != QStringLiteral("model.safetensors.index.json")) {
                QCOMPARE(readAll(snap + "/" + f), readAll(m_fx.modelDir() + "/" + f));
                QByteArray git = "blob " + QByteArray::number(readAll(snap + "/" + f).size()) + '\0' + readAll(snap + "/" + f);
                QCOMPARE(QCryptographicHash::hash(git, QCryptographicHash::Sha1).toHex(), blobName.toLatin1());
            }
        }
        // The shards hold exactly the original tensors.
        const auto original = readTensors(m_fx.modelDir() + "/model.safetensors");
        QMap<QString, QByteArray> got;
        for (const QString& s : {kShard1, kShard2, kShard3}) {
            const auto t = readTensors(snap + "/" + s);
            for (auto i = t.begin(); i != t.end(); ++i) got[i.key()] = i.value();
        }
        QCOMPARE(got.size(), original.size());
        QVERIFY(got == original);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_fx.setUp(&error), qPrintable(error));
        m_cache = std::make_unique<QTemporaryDir>();
        HubClient client(config());
        auto info = client.modelInfo(kPublicRepo.toStdString(), "main");
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().message.c_str());
        m_commit = qs(info->sha);
    }

    void init()
    {
        m_cache = std::make_unique<QTemporaryDir>();
        QVERIFY(m_fx.server().reset());
    }

    void downloadsIntoHfCacheLayout()
    {
        std::vector<DownloadProgress> updates;
        DownloadOptions options;
        options.onProgress = [&](const DownloadProgress& p) { updates.push_back(p); };
        auto r = download(kPublicRepo, config(kAliceToken), "main", {}, {}, options);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(qs(r->commit), m_commit);
        QCOMPARE(qs(r->snapshotDir), snapshot(kPublicRepo));
        QCOMPARE(r->files.size(), std::size_t(kExpectedFiles.size()));
        QCOMPARE(readAll(repoDir(kPublicRepo) + "/refs/main"), m_commit.toLatin1());  // no newline
        verifySnapshot(kPublicRepo);
        QVERIFY(!updates.empty());
        QCOMPARE(updates.back().totalDone, updates.back().totalTotal);
        QCOMPARE(updates.back().totalTotal, sizeOf(kShard1) + sizeOf(kShard2) + sizeOf(kShard3));

        // Pinned to the commit: no resolve by branch name (force-pushes cannot mix revisions).
        const auto resolves = m_fx.requests("hub", {}, "/resolve/");
        QVERIFY(!resolves.isEmpty());
        for (const auto& e : resolves) QVERIFY2(e["path"].toString().contains("/resolve/" + m_commit + "/"), qPrintable(e["path"].toString()));
        // The token went to the Hub, never to the CDN.
        for (const auto& e : m_fx.requests("hub")) QCOMPARE(HubTestFixture::header(e, "Authorization"), "Bearer " + kAliceToken);
        const auto cdn = m_fx.requests("cdn");
        QCOMPARE(cdn.size(), 3);
        for (const auto& e : cdn) {
            QVERIFY(HubTestFixture::header(e, "Authorization").isEmpty());
            QCOMPARE(e["status"].toInt(), 200);
            QCOMPARE(HubTestFixture::header(e, "Accept-Encoding"), QStringLiteral("identity"));
        }
        QVERIFY(m_fx.requests({}, {}, "pytorch_model.bin").isEmpty());
    }

    void cachedCommitNeedsNoNetwork()
    {
        QVERIFY(download(kPublicRepo, config()).ok());
        m_fx.server().clearLog();
        auto r = download(kPublicRepo, config(), m_commit);
        QVERIFY(r.ok());
        QVERIFY(!r->usedNetwork);
        QCOMPARE(m_fx.server().requestLog().size(), 0);
        // A branch name is re-resolved (one model-info call), but nothing is downloaded again.
        auto again = download(kPublicRepo, config(), "main");
        QVERIFY(again.ok());
        QCOMPARE(again->bytesDownloaded, 0);
        QCOMPARE(m_fx.requests("cdn").size(), 0);
    }

    void offlineModeUsesCacheOnly()
    {
        QVERIFY(download(kPublicRepo, config()).ok());
        m_fx.server().clearLog();
        HubConfig c = config();
        c.offline = true;
        auto r = download(kPublicRepo, c);
        QVERIFY(r.ok());
        QCOMPARE(qs(r->snapshotDir), snapshot(kPublicRepo));
        auto missing = download(kGatedRepo, c);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QVERIFY(qs(missing.error().message).contains("HF_HUB_OFFLINE"));
        QCOMPARE(m_fx.server().requestLog().size(), 0);

        auto dir = resolveModelDirectory(kPublicRepo.toStdString(), "main", m_cache->path().toStdString());
        QVERIFY(dir.ok());
        QCOMPARE(qs(*dir), snapshot(kPublicRepo));
        QCOMPARE(qs(*resolveModelDirectory(m_fx.modelDir().toStdString(), "main", {})), m_fx.modelDir());
        auto none = resolveModelDirectory(kGatedRepo.toStdString(), "main", m_cache->path().toStdString());
        QCOMPARE(none.error().code, ErrorCode::NotFound);
        QVERIFY(qs(none.error().message).contains("lathe download-model --repo_id " + kGatedRepo));
        QCOMPARE(m_fx.server().requestLog().size(), 0);
    }

    void resumesAfterDroppedConnection()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{{"drop", QJsonArray{QJsonObject{{"path", kShard1}, {"after", 100000}, {"times", 1}}}}}));
        auto r = download(kPublicRepo, config());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        verifySnapshot(kPublicRepo);
        const auto gets = m_fx.requests("cdn", "GET", kShard1);
        QCOMPARE(gets.size(), 2);
        QVERIFY(HubTestFixture::header(gets[0], "Range").isEmpty());
        QCOMPARE(gets[0]["bytes"].toInt(), 100000);
        QCOMPARE(HubTestFixture::header(gets[1], "Range"), QStringLiteral("bytes=100000-"));
        QCOMPARE(gets[1]["status"].toInt(), 206);
    }

    void rangeAnsweredWith200RestartsTheFile()
    {
        // A partial file whose bytes are wrong: appending a 200 body to it, or treating 200 as 206, would corrupt.
        const QString partial = incompleteOf(kPublicRepo, kShard2);
        QDir().mkpath(QFileInfo(partial).absolutePath());
        QFile f(partial);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(70000, 'x'));
        f.close();
        QVERIFY(m_fx.server().configure(QJsonObject{{"ignore_range", true}}));
        auto r = download(kPublicRepo, config());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        verifySnapshot(kPublicRepo);
        const auto gets = m_fx.requests("cdn", "GET", kShard2);
        QCOMPARE(gets.size(), 1);
        QCOMPARE(HubTestFixture::header(gets[0], "Range"), QStringLiteral("bytes=70000-"));
        QCOMPARE(gets[0]["status"].toInt(), 200);
        QVERIFY(!QFile::exists(partial));
    }

    void completePartialFileSendsNoRange()
    {
        // All bytes already there: asking for "bytes=N-" with N == size would get a 416.
        const QString partial = incompleteOf(kPublicRepo, kShard3);
        QDir().mkpath(QFileInfo(partial).absolutePath());
        QFile out(partial);
        QVERIFY(out.open(QIODevice::WriteOnly));
        // Rebuild the shard's bytes from a first download in another cache.
        {
            auto other = std::make_unique<QTemporaryDir>();
            HubConfig c = config();
            c.cacheDir = other->path().toStdString();
            QVERIFY(download(kPublicRepo, c).ok());
            out.write(readAll(other->path() + "/" + QString::fromStdString(repoCacheFolderName(kPublicRepo.toStdString())) +
                              "/snapshots/" + m_commit + "/" + kShard3));
        }
        out.close();
        m_fx.server().clearLog();
        QVERIFY(download(kPublicRepo, config()).ok());
        QCOMPARE(m_fx.requests("cdn", "GET", kShard3).size(), 0);
        QCOMPARE(m_fx.requests("cdn", "GET").size(), 2);
        verifySnapshot(kPublicRepo);
    }

    void expiredSignedUrlIsReResolved()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{
            {"drop", QJsonArray{QJsonObject{{"path", kShard2}, {"after", 50000}, {"times", 1}, {"expire", true}}}}}));
        auto r = download(kPublicRepo, config());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        verifySnapshot(kPublicRepo);
        const auto gets = m_fx.requests("cdn", "GET", kShard2);
        QCOMPARE(gets.size(), 3);
        QCOMPARE(gets[1]["status"].toInt(), 403);  // the old URL, now expired
        QCOMPARE(HubTestFixture::header(gets[2], "Range"), QStringLiteral("bytes=50000-"));
        QCOMPARE(gets[2]["status"].toInt(), 206);
        QVERIFY(gets[2]["path"].toString() != gets[1]["path"].toString());  // a freshly signed URL
        QCOMPARE(m_fx.requests("hub", "HEAD", kShard2).size(), 2);
    }

    void retriesServerErrorsThenGivesUp()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{
            {"fail", QJsonArray{QJsonObject{{"where", "resolve"}, {"status", 503}, {"times", 2}},
                                QJsonObject{{"where", "cdn"}, {"status", 502}, {"times", 1}}}}}));
        auto r = download(kPublicRepo, config());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        verifySnapshot(kPublicRepo);
        int errors = 0;
        for (const auto& e : m_fx.server().requestLog()) errors += e.toObject()["status"].toInt() >= 500;
        QCOMPARE(errors, 3);

        m_cache = std::make_unique<QTemporaryDir>();
        QVERIFY(m_fx.server().reset());
        QVERIFY(m_fx.server().configure(QJsonObject{{"fail", QJsonArray{QJsonObject{{"where", "info"}, {"status", 500}, {"times", 10}}}}}));
        HubConfig c = config();
        c.retry.maxRetries = 2;
        auto failed = download(kPublicRepo, c);
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().code, ErrorCode::Network);
        QVERIFY2(qs(failed.error().message).contains("after 3 attempts"), failed.error().message.c_str());
        QCOMPARE(m_fx.requests("hub").size(), 3);
    }

    void retryAfterIsHonoured()
    {
        HubConfig c = config(kAliceToken);
        c.retry.waitScale = 1.0;
        QVERIFY(m_fx.server().configure(QJsonObject{{"fail", QJsonArray{QJsonObject{
            {"where", "info"}, {"status", 429}, {"times", 1}, {"headers", QJsonObject{{"Retry-After", "2"}}}}}}}));
        HubClient client(c);
        QElapsedTimer t;
        t.start();
        QVERIFY(client.modelInfo(kPublicRepo.toStdString(), "main").ok());
        const qint64 ms = t.elapsed();
        QVERIFY2(ms >= 1950 && ms < 3500, qPrintable(QString::number(ms)));  // plain backoff would wait 1 s

        QVERIFY(m_fx.server().configure(QJsonObject{{"fail", QJsonArray{QJsonObject{
            {"where", "info"}, {"status", 429}, {"times", 1}, {"headers", QJsonObject{{"ratelimit", "\"api\";r=0;t=1"}}}}}}}));
        t.restart();
        QVERIFY(client.modelInfo(kPublicRepo.toStdString(), "main").ok());
        const qint64 ms2 = t.elapsed();  // t + 1 = 2 s
        QVERIFY2(ms2 >= 1950 && ms2 < 3500, qPrintable(QString::number(ms2)));
    }

    void cancelLeavesResumablePartialFile()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{{"throttle", QJsonObject{{kShard1, 200000}}}}));
        StopToken stop;
        DownloadOptions options;
        options.onProgress = [&](const DownloadProgress& p) {
            if (p.file == kShard1.toStdString() && p.fileDone > 60000) stop.requestStop();
        };
        auto r = download(kPublicRepo, config(), "main", stop, {}, options);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Cancelled);
        const QString partial = incompleteOf(kPublicRepo, kShard1);
        const qint64 have = QFileInfo(partial).size();
        QVERIFY2(have > 60000 && have < sizeOf(kShard1), qPrintable(QString::number(have)));
        QVERIFY(!QFile::exists(repoDir(kPublicRepo) + "/refs/main"));

        QVERIFY(m_fx.server().reset());
        QVERIFY(download(kPublicRepo, config()).ok());
        const auto gets = m_fx.requests("cdn", "GET", kShard1);
        QCOMPARE(gets.size(), 1);
        QCOMPARE(HubTestFixture::header(gets[0], "Range"), QStringLiteral("bytes=%1-").arg(have));
        verifySnapshot(kPublicRepo);
    }

    void resumesAfterKill9()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{{"throttle", QJsonObject{{kShard2, 100000}}}}));
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("HF_ENDPOINT", m_fx.server().endpoint());
        env.insert("HF_HOME", m_cache->filePath("home"));
        env.insert("HF_HUB_CACHE", m_cache->path());
        env.remove("HF_TOKEN");
        env.remove("HUGGING_FACE_HUB_TOKEN");
        env.remove("HF_HUB_OFFLINE");
        p.setProcessEnvironment(env);
        p.start(cliPath(), {"download-model", "--repo_id", kPublicRepo, "--embedding", m_cache->filePath("emb.pt")});
        QVERIFY(p.waitForStarted());
        const QString partial = incompleteOf(kPublicRepo, kShard2);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(partial).size() > 40000, 30000);
        p.kill();  // SIGKILL: no cleanup runs
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        QThread::msleep(100);
        const qint64 have = QFileInfo(partial).size();
        QVERIFY2(have > 40000 && have < sizeOf(kShard2), qPrintable(QString::number(have)));

        QVERIFY(m_fx.server().reset());
        const auto run = runProcess(cliPath(), {"download-model", "--repo_id", kPublicRepo, "--embedding", m_cache->filePath("emb.pt")},
                                    {"HF_ENDPOINT=" + m_fx.server().endpoint(), "HF_HOME=" + m_cache->filePath("home"),
                                     "HF_HUB_CACHE=" + m_cache->path(), "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"},
                                    120000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto gets = m_fx.requests("cdn", "GET", kShard2);
        QCOMPARE(gets.size(), 1);
        QCOMPARE(HubTestFixture::header(gets[0], "Range"), QStringLiteral("bytes=%1-").arg(have));
        verifySnapshot(kPublicRepo);
        QVERIFY(QFileInfo(m_cache->filePath("emb.pt")).size() > 0);
    }

    void fullDiskKeepsEarlierOutputsAndResumes()
    {
        // The disk fills up 50 kB into the second shard (ENOSPC injected into write/pwrite of the partial blob). The
        // throttle makes the download write in small pieces, so that some of them land before the disk is full.
        QVERIFY(m_fx.server().configure(QJsonObject{{"throttle", QJsonObject{{kShard2, 200000}}}}));
        const QStringList hubEnv{"HF_ENDPOINT=" + m_fx.server().endpoint(),
                                 "HF_HOME=" + m_cache->filePath("home"),
                                 "HF_HUB_CACHE=" + m_cache->path(),
                                 "HF_TOKEN",
                                 "HUGGING_FACE_HUB_TOKEN",
                                 "HF_HUB_OFFLINE"};
        const QString embedding = m_cache->filePath("emb.pt");
        const QByteArray earlier = "an embedding written by an earlier run";
        {
            QFile f(embedding);
            QVERIFY(f.open(QIODevice::WriteOnly) && f.write(earlier) == earlier.size());
        }
        const QString partial = incompleteOf(kPublicRepo, kShard2);
        const QStringList args{"download-model", "--repo_id", kPublicRepo, "--embedding", embedding};
        const auto full = runProcess(
            cliPath(), args,
            hubEnv + QStringList{"LD_PRELOAD=" LATHE_ENOSPC_INJECTOR,
                                 "LATHE_ENOSPC_PATH=" + QFileInfo(partial).fileName(), "LATHE_ENOSPC_AFTER=50000"},
            120000);
        QCOMPARE(full.exitCode, 6);
        QVERIFY2(full.err.contains("No space left on device") && full.err.contains("free some space"),
                 full.err.constData());
        QCOMPARE(full.err.count("lathe: error:"), 1);
        // Nothing claims to be complete: no ref, no link for the shard, the earlier embedding untouched. The partial
        // blob is kept as the resume state (as huggingface_hub keeps it); it holds the shard's first bytes (checked
        // below).
        QVERIFY(!QFile::exists(repoDir(kPublicRepo) + "/refs/main"));
        QVERIFY(!QFileInfo::exists(snapshot(kPublicRepo) + "/" + kShard2));
        QCOMPARE(readAll(embedding), earlier);
        const QByteArray have = readAll(partial);
        QVERIFY2(have.size() > 0 && have.size() <= 50000, qPrintable(QString::number(have.size())));
        QDirIterator leftovers(m_cache->path(), {"*.tmp*", "*.part"}, QDir::Files | QDir::Hidden,
                               QDirIterator::Subdirectories);
        QVERIFY2(!leftovers.hasNext(), qPrintable(leftovers.hasNext() ? leftovers.next() : QString()));

        // Space freed: the next run resumes the shard where it stopped.
        QVERIFY(m_fx.server().reset());
        const auto again = runProcess(cliPath(), args, hubEnv, 120000);
        QVERIFY2(again.exitCode == 0, again.err.constData());
        const auto gets = m_fx.requests("cdn", "GET", kShard2);
        QCOMPARE(gets.size(), 1);
        QCOMPARE(HubTestFixture::header(gets[0], "Range"), QStringLiteral("bytes=%1-").arg(have.size()));
        verifySnapshot(kPublicRepo);
        QCOMPARE(readAll(snapshot(kPublicRepo) + "/" + kShard2).left(have.size()), have);  // the kept bytes were right
        QVERIFY(readAll(embedding) != earlier);
    }

    void twoProcessesShareOneDownload()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{{"throttle", QJsonObject{{kShard1, 400000}, {kShard2, 400000}, {kShard3, 400000}}}}));
        const QStringList env{"HF_ENDPOINT=" + m_fx.server().endpoint(), "HF_HOME=" + m_cache->filePath("home"),
                              "HF_HUB_CACHE=" + m_cache->path(), "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"};
        QProcess a, b;
        for (auto* p : {&a, &b}) {
            auto e = QProcessEnvironment::systemEnvironment();
            for (const QString& kv : env) {
                const int eq = kv.indexOf('=');
                if (eq < 0) e.remove(kv);
                else e.insert(kv.left(eq), kv.mid(eq + 1));
            }
            p->setProcessEnvironment(e);
        }
        a.start(cliPath(), {"download-model", "--repo_id", kPublicRepo, "--embedding", m_cache->filePath("a.pt")});
        b.start(cliPath(), {"download-model", "--repo_id", kPublicRepo, "--embedding", m_cache->filePath("b.pt")});
        QVERIFY(a.waitForFinished(120000));
        QVERIFY(b.waitForFinished(120000));
        QVERIFY2(a.exitCode() == 0, a.readAllStandardError().constData());
        QVERIFY2(b.exitCode() == 0, b.readAllStandardError().constData());
        for (const QString& s : {kShard1, kShard2, kShard3}) QCOMPARE(m_fx.requests("cdn", "GET", s).size(), 1);
        verifySnapshot(kPublicRepo);
        QCOMPARE(readAll(m_cache->filePath("a.pt")), readAll(m_cache->filePath("b.pt")));
    }

    void gatedRepoMessages()
    {
        const QString url = m_fx.server().endpoint() + "/" + kGatedRepo;
        auto anon = download(kGatedRepo, config());
        QVERIFY(!anon.ok());
        QCOMPARE(anon.error().code, ErrorCode::Auth);
        QVERIFY2(qs(anon.error().message).contains("accept its licence at " + url), anon.error().message.c_str());
        QVERIFY(qs(anon.error().message).contains("`lathe login`"));

        auto bob = download(kGatedRepo, config(kBobToken));
        QVERIFY(!bob.ok());
        QCOMPARE(bob.error().code, ErrorCode::Auth);
        QVERIFY2(qs(bob.error().message).contains("has not been granted access"), bob.error().message.c_str());
        QVERIFY(qs(bob.error().message).contains("request access at " + url));
        QVERIFY(!qs(bob.error().message).contains(kBobToken));
        QCOMPARE(m_fx.requests("cdn").size(), 0);

        auto alice = download(kGatedRepo, config(kAliceToken));
        QVERIFY2(alice.ok(), alice.ok() ? "" : alice.error().message.c_str());
        HubClient client(config(kBobToken));
        auto info = client.modelInfo(kGatedRepo.toStdString());
        QVERIFY(info.ok());
        QCOMPARE(info->gated, GatedMode::Manual);
        QCOMPARE(info->access, Access::NotApproved);
    }

    void tokenAndNotFoundErrors()
    {
        auto bad = download(kPublicRepo, config("hf_expired"));
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::Auth);
        QVERIFY2(qs(bad.error().message).contains("rejected"), bad.error().message.c_str());
        QVERIFY(!qs(bad.error().message).contains("hf_expired"));

        auto priv = download(kPrivateRepo, config());
        QCOMPARE(priv.error().code, ErrorCode::NotFound);
        QVERIFY(qs(priv.error().message).contains("lathe login"));
        QVERIFY(download(kPrivateRepo, config(kAliceToken)).ok());

        auto missing = download("mock-org/nothing-here", config());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QVERIFY(qs(missing.error().message).contains("mock-org/nothing-here"));
        auto rev = download(kPublicRepo, config(), "no-such-branch");
        QCOMPARE(rev.error().code, ErrorCode::NotFound);
        QVERIFY(qs(rev.error().message).contains("revision 'no-such-branch'"));
        QCOMPARE(download("../etc", config()).error().code, ErrorCode::InvalidArgument);
    }

    void renamedRepoFollowsRelativeRedirect()
    {
        auto r = download(kRenamedRepo, config(kAliceToken));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QVERIFY(!m_fx.requests("hub", "HEAD", "/" + kRenamedRepo + "/resolve/").isEmpty());
        for (const auto& e : m_fx.requests("hub", "HEAD", "/" + kPublicRepo + "/resolve/"))
            QCOMPARE(HubTestFixture::header(e, "Authorization"), "Bearer " + kAliceToken);  // same server: token kept
        verifySnapshot(kRenamedRepo);
    }

    void diskSpaceCheckedBeforeDownloading()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{{"size_override", QJsonObject{{kShard2, 4e15}}}}));
        auto r = download(kPublicRepo, config());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Io);
        QVERIFY2(qs(r.error().message).contains("not enough disk space"), r.error().message.c_str());
        QVERIFY(qs(r.error().message).contains("4.0 PB"));
        QCOMPARE(m_fx.requests("cdn").size(), 0);
    }

    void escapingFileNamesAreRefused()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{{"extra_siblings", QJsonArray{"../../escape.safetensors"}}}));
        auto r = download(kPublicRepo, config());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Corrupt);
        QVERIFY(qs(r.error().message).contains("../../escape.safetensors"));
        QVERIFY(!QFile::exists(m_cache->filePath("escape.safetensors")));
        QCOMPARE(m_fx.requests("hub", {}, "/resolve/").size(), 0);
    }

    void copiesWhereSymlinksAreDisabled()
    {
        HubConfig c = config();
        c.disableSymlinks = true;
        auto r = download(kPublicRepo, c);
        QVERIFY(r.ok());
        for (const QString& f : kExpectedFiles) QVERIFY(!QFileInfo(snapshot(kPublicRepo) + "/" + f).isSymLink());
        QCOMPARE(readAll(snapshot(kPublicRepo) + "/config.json"), readAll(m_fx.modelDir() + "/config.json"));
        const auto original = readTensors(m_fx.modelDir() + "/model.safetensors");
        QVERIFY(!readTensors(snapshot(kPublicRepo) + "/" + kShard1).isEmpty());
        for (auto [k, v] : readTensors(snapshot(kPublicRepo) + "/" + kShard1).asKeyValueRange()) QCOMPARE(v, original[k]);
    }
};

QTEST_GUILESS_MAIN(TestHubDownload)
#include "TestHubDownload.moc"
