// The range-transfer loop that model downloads and dataset reads share, against the mock Hub: a stop request that
// arrives while a transfer waits to retry a dropped connection ends it promptly with Cancelled, in both users, and
// what was received stays usable by the next run.
#include "MockHubServer.h"
#include "TestSupport.h"

#include "hub/DatasetRepo.h"
#include "hub/HubClientImpl.h"
#include "lathe/hub/HubClient.h"
#include "lathe/hub/ModelLocator.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>
#include <optional>
#include <thread>

using namespace lathe;
using namespace lathe::hub;
using namespace lathe::test;

namespace {

const QString kModelRepo = QStringLiteral("mock-org/tiny-llama");
const QString kDatasetRepo = QStringLiteral("mock-org/corpus");
const QString kShard1 = QStringLiteral("model-00001-of-00003.safetensors");
const QString kDataFile = QStringLiteral("data/train-00000-of-00001.parquet");
constexpr int kDropAfter = 100000;
// Every backoff wait becomes a minute or more: a run that does not stop during the wait exceeds the test's bounds.
constexpr double kLongWaits = 60.0;
constexpr qint64 kPromptMs = 3000;

// Runs `work` on a thread; stops and joins it when the test returns early.
class Worker {
public:
    Worker(StopToken stop, std::function<void()> work) : m_stop(std::move(stop)), m_thread(std::move(work)) {}
    ~Worker()
    {
        m_stop.requestStop();
        join();
    }
    void join()
    {
        if (m_thread.joinable()) m_thread.join();
    }

private:
    StopToken m_stop;
    std::thread m_thread;
};

}  // namespace

class TestHubRangeTransfer : public QObject {
    Q_OBJECT

    QTemporaryDir m_work;
    std::unique_ptr<MockHubServer> m_server;
    std::unique_ptr<QTemporaryDir> m_cache;

    HubConfig config(double waitScale = 0.01) const
    {
        HubConfig c;
        c.endpoint = m_server->endpoint().toStdString();
        c.cacheDir = m_cache->path().toStdString();
        c.implicitToken = false;
        c.retry.waitScale = waitScale;
        c.connectTimeoutMs = 5000;
        return c;
    }

    QList<QJsonObject> cdnGets(const QString& pathPart)
    {
        QList<QJsonObject> out;
        for (const auto& v : m_server->requestLog()) {
            const QJsonObject e = v.toObject();
            if (e["server"].toString() == "cdn" && e["method"].toString() == "GET" &&
                e["path"].toString().contains(pathPart))
                out.push_back(e);
        }
        return out;
    }

    static QString rangeOf(const QJsonObject& entry)
    {
        const QJsonObject h = entry["headers"].toObject();
        for (auto it = h.begin(); it != h.end(); ++it)
            if (it.key().compare("Range", Qt::CaseInsensitive) == 0) return it.value().toString();
        return {};
    }

    // True once the CDN has closed a GET of `sha` after `bytes` body bytes (the injected drop).
    bool dropped(const QString& sha, int bytes)
    {
        for (const auto& e : cdnGets(sha))
            if (e["bytes"].toInt() == bytes) return true;
        return false;
    }

    QString incompleteOfShard1()
    {
        const QString sha = m_server->command("sign " + kShard1).toObject().value("sha256").toString();
        return m_cache->filePath(QString::fromStdString(repoCacheFolderName(kModelRepo.toStdString()))) + "/blobs/" +
               sha + ".incomplete";
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_work.isValid());
        QString error;
        const QString modelDir = m_work.filePath("model");
        QVERIFY(QDir().mkpath(modelDir));
        QVERIFY2(MockHubServer::makeSyntheticModel(modelDir, &error), qPrintable(error));
        const QString datasetDir = m_work.filePath("dataset");
        QVERIFY(QDir().mkpath(datasetDir + "/data"));
        QFile data(datasetDir + "/" + kDataFile);
        QVERIFY(data.open(QIODevice::WriteOnly));
        QByteArray bytes(400000, '\0');
        QRandomGenerator rng(13);
        for (auto& b : bytes) b = static_cast<char>(rng.generate() & 0xff);
        data.write(bytes);
        data.close();

        MockHubServer::Options o;
        o.repos = {{kModelRepo, modelDir, MockHubServer::RepoKind::Public}};
        o.datasetRepos = {{kDatasetRepo, datasetDir, MockHubServer::RepoKind::Public}};
        m_server = std::make_unique<MockHubServer>(o);
        QVERIFY2(m_server->start(&error), qPrintable(error));
    }

    void init()
    {
        QVERIFY(m_server->reset());
        m_cache = std::make_unique<QTemporaryDir>();
    }

    void modelDownloadCancelledDuringBackoff()
    {
        QVERIFY(m_server->configure(
            QJsonObject{{"drop", QJsonArray{QJsonObject{{"path", kShard1}, {"after", kDropAfter}, {"times", 1}}}}}));
        const QString sha = m_server->command("sign " + kShard1).toObject().value("sha256").toString();
        const QString partial = incompleteOfShard1();
        StopToken stop;
        std::optional<Result<DownloadResult>> result;
        const HubConfig slow = config(kLongWaits);
        Worker worker(stop, [&] {
            HubClient client(slow);
            result = client.downloadModel(kModelRepo.toStdString(), "main", DownloadOptions{}, {}, stop);
        });
        // The connection drops after kDropAfter bytes, which then lie in the partial file; the retry waits a minute.
        QTRY_VERIFY_WITH_TIMEOUT(dropped(sha, kDropAfter) && QFileInfo(partial).size() == kDropAfter, 20000);
        QTest::qWait(500);
        QElapsedTimer sinceStop;
        sinceStop.start();
        stop.requestStop();
        worker.join();
        const qint64 stopMs = sinceStop.elapsed();
        QVERIFY(result.has_value());
        QVERIFY(!result->ok());
        QCOMPARE(result->error().code, ErrorCode::Cancelled);
        QVERIFY2(stopMs < kPromptMs, qPrintable(QString::number(stopMs)));
        QCOMPARE(cdnGets(sha).size(), 1);  // no retry was sent after the stop
        QCOMPARE(QFileInfo(partial).size(), kDropAfter);

        // The next run resumes from the partial file.
        QVERIFY(m_server->reset());
        HubClient client(config());
        auto again = client.downloadModel(kModelRepo.toStdString(), "main", DownloadOptions{}, {}, StopToken{});
        QVERIFY2(again.ok(), again.ok() ? "" : again.error().message.c_str());
        const auto gets = cdnGets(sha);
        QCOMPARE(gets.size(), 1);
        QCOMPARE(rangeOf(gets[0]), QStringLiteral("bytes=%1-").arg(kDropAfter));
        QCOMPARE(gets[0]["status"].toInt(), 206);
        QVERIFY(!QFile::exists(partial));
    }

    void datasetReadCancelledDuringBackoff()
    {
        const QByteArray expected = readAll(m_work.filePath("dataset/" + kDataFile));
        QCOMPARE(expected.size(), 400000);
        const std::int64_t offset = 1000, length = 300000;
        HubClient::Impl hub(config(kLongWaits));
        detail::DatasetRepo repo(hub, kDatasetRepo.toStdString());
        auto commit = repo.resolveCommit("main", StopToken{});
        QVERIFY2(commit.ok(), commit.ok() ? "" : commit.error().message.c_str());
        QVERIFY(m_server->configure(
            QJsonObject{{"drop", QJsonArray{QJsonObject{{"path", kDataFile}, {"after", kDropAfter}, {"times", 1}}}}}));

        StopToken stop;
        std::optional<Result<std::string>> result;
        Worker worker(stop, [&] { result = repo.readRange(*commit, kDataFile.toStdString(), offset, length, stop); });
        QTRY_VERIFY_WITH_TIMEOUT(dropped("/cdn/", kDropAfter), 20000);
        QTest::qWait(500);
        QElapsedTimer sinceStop;
        sinceStop.start();
        stop.requestStop();
        worker.join();
        const qint64 stopMs = sinceStop.elapsed();
        QVERIFY(result.has_value());
        QVERIFY(!result->ok());
        QCOMPARE(result->error().code, ErrorCode::Cancelled);
        QVERIFY2(stopMs < kPromptMs, qPrintable(QString::number(stopMs)));
        QCOMPARE(cdnGets("/cdn/").size(), 1);
        QCOMPARE(repo.bytesReceived(), std::int64_t(kDropAfter));

        // The same reader carries on: the location it resolved is still good, the bytes are exact.
        m_server->clearLog();
        auto again = repo.readRange(*commit, kDataFile.toStdString(), offset, length, StopToken{});
        QVERIFY2(again.ok(), again.ok() ? "" : again.error().message.c_str());
        QCOMPARE(QByteArray::fromStdString(*again), expected.mid(offset, length));
        const auto gets = cdnGets("/cdn/");
        QCOMPARE(gets.size(), 1);
        QCOMPARE(rangeOf(gets[0]), QStringLiteral("bytes=%1-%2").arg(offset).arg(offset + length - 1));
        QCOMPARE(gets[0]["status"].toInt(), 206);
        int heads = 0;
        for (const auto& v : m_server->requestLog()) heads += v.toObject()["method"].toString() == "HEAD";
        QCOMPARE(heads, 0);
    }
};

QTEST_GUILESS_MAIN(TestHubRangeTransfer)
#include "TestHubRangeTransfer.moc"
